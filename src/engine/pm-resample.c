/* pm-resample.c: Pillow's BILINEAR resize of 8-bit RGB, bit for bit (the Hugging Face and
 * Segment Anything preprocessors resize with Pillow before normalising).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-resample"

#include "pm-resample.h"

#include <math.h>

/* Pillow keeps 8-bit resampling coefficients in fixed point with this many bits. */
#define PIL_PRECISION_BITS (32 - 8 - 2)

typedef struct {
  int  ksize;     /* taps per output pixel */
  int *bounds;    /* [out][2]: first input index, number of taps */
  int *kk;        /* [out][ksize]: fixed-point weights */
} PilCoeffs;

/* Triangle filter (support 1) widened by the downscale factor, normalised per output pixel
 * in double, then rounded half away from zero to PIL_PRECISION_BITS fixed point. */
static void
pil_coeffs (PilCoeffs *co,
            int        in_size,
            int        out_size)
{
  double scale = (double) in_size / out_size;
  double filterscale = scale < 1.0 ? 1.0 : scale;
  double support = 1.0 * filterscale;
  double *k;

  co->ksize = (int) ceil (support) * 2 + 1;
  co->bounds = g_new (int, 2 * out_size);
  co->kk = g_new0 (int, (gsize) out_size * co->ksize);
  k = g_new (double, co->ksize);
  for (int xx = 0; xx < out_size; xx++)
    {
      double center = (xx + 0.5) * scale;
      double ww = 0.0, ss = 1.0 / filterscale;
      int xmin = (int) (center - support + 0.5);
      int xmax = (int) (center + support + 0.5);

      if (xmin < 0)
        xmin = 0;
      if (xmax > in_size)
        xmax = in_size;
      xmax -= xmin;
      for (int x = 0; x < xmax; x++)
        {
          double t = fabs ((x + xmin - center + 0.5) * ss);
          double wt = t < 1.0 ? 1.0 - t : 0.0;
          k[x] = wt;
          ww += wt;
        }
      for (int x = 0; x < xmax; x++)
        {
          double v = ww != 0.0 ? k[x] / ww : k[x];
          co->kk[xx * co->ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PIL_PRECISION_BITS))
                                             : (int) (0.5 + v * (1 << PIL_PRECISION_BITS));
        }
      co->bounds[2 * xx] = xmin;
      co->bounds[2 * xx + 1] = xmax;
    }
  g_free (k);
}

static void
pil_coeffs_clear (PilCoeffs *co)
{
  g_free (co->bounds);
  g_free (co->kk);
}

static inline guint8
pil_clip8 (gint64 v)
{
  v >>= PIL_PRECISION_BITS;
  return v < 0 ? 0 : (v > 255 ? 255 : (guint8) v);
}

/**
 * pm_resample_rgb_pil_bilinear:
 * @image: RGBA image (alpha ignored)
 * @out_w: output width (≥ 1)
 * @out_h: output height (≥ 1)
 *
 * Resizes like Pillow's Image.resize ((out_w, out_h), BILINEAR) on the RGB image: a
 * horizontal pass into an 8-bit image, then a vertical pass, each rounding to 8 bits
 * (a pass whose size does not change is skipped, as Pillow does).
 *
 * Returns: (transfer full): out_h × out_w × 3 bytes
 */
guint8 *
pm_resample_rgb_pil_bilinear (const PmImage *image,
                              int            out_w,
                              int            out_h)
{
  int w = image->width, h = image->height;
  guint8 *tmp, *res;
  PilCoeffs ch = { 0 }, cv = { 0 };

  g_return_val_if_fail (out_w > 0 && out_h > 0 && w > 0 && h > 0, NULL);

  /* horizontal pass: [h, w, 4] → [h, out_w, 3] */
  tmp = g_new (guint8, (gsize) h * out_w * 3);
  if (out_w == w)
    {
      for (gsize i = 0; i < (gsize) h * w; i++)
        for (int cc = 0; cc < 3; cc++)
          tmp[i * 3 + cc] = image->data[i * 4 + cc];
    }
  else
    {
      pil_coeffs (&ch, w, out_w);
      for (int y = 0; y < h; y++)
        {
          const guint8 *row = image->data + (gsize) y * w * 4;
          for (int x = 0; x < out_w; x++)
            {
              int xmin = ch.bounds[2 * x], n = ch.bounds[2 * x + 1];
              const int *k = ch.kk + x * ch.ksize;
              for (int cc = 0; cc < 3; cc++)
                {
                  gint64 acc = 1 << (PIL_PRECISION_BITS - 1);
                  for (int i = 0; i < n; i++)
                    acc += (gint64) row[(xmin + i) * 4 + cc] * k[i];
                  tmp[((gsize) y * out_w + x) * 3 + cc] = pil_clip8 (acc);
                }
            }
        }
      pil_coeffs_clear (&ch);
    }
  if (out_h == h)
    return tmp;

  /* vertical pass: [h, out_w, 3] → [out_h, out_w, 3] */
  res = g_new (guint8, (gsize) out_h * out_w * 3);
  pil_coeffs (&cv, h, out_h);
  for (int y = 0; y < out_h; y++)
    {
      int ymin = cv.bounds[2 * y], n = cv.bounds[2 * y + 1];
      const int *k = cv.kk + y * cv.ksize;
      for (int x = 0; x < out_w * 3; x++)
        {
          gint64 acc = 1 << (PIL_PRECISION_BITS - 1);
          for (int i = 0; i < n; i++)
            acc += (gint64) tmp[(gsize) (ymin + i) * out_w * 3 + x] * k[i];
          res[(gsize) y * out_w * 3 + x] = pil_clip8 (acc);
        }
    }
  pil_coeffs_clear (&cv);
  g_free (tmp);
  return res;
}
