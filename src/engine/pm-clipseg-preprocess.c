/* pm-clipseg-preprocess.c: CLIPSeg image preprocessing, identical to the Hugging Face
 * processor's (Pillow BILINEAR resize with 8-bit intermediate, rescale, normalise).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-clipseg"

#include <math.h>

#include "pm-clipseg.h"

/* ---------------------------------------------------------------------------------------
 * Preprocessing: Pillow's BILINEAR resize, bit for bit
 * ------------------------------------------------------------------------------------- */

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
 * pm_clipseg_preprocess:
 * @model: a model
 * @image: RGBA image (alpha ignored)
 * @out: (out caller-allocates): 3·S·S floats, channel-major
 * @error: return location
 *
 * Resize to S×S as Pillow's Image.resize (BILINEAR) does: horizontal pass into an 8-bit
 * image, then vertical pass, each with rounding; then x·rescale_factor, − mean, / std.
 */
gboolean
pm_clipseg_preprocess (PmClipseg     *m,
                       const PmImage *image,
                       float         *out,
                       GError       **error)
{
  const PmClipsegConfig *c = pm_clipseg_get_config (m);
  int s = c->input_height, w, h;
  g_autofree guint8 *tmp = NULL, *res = NULL;
  PilCoeffs ch = { 0 }, cv = { 0 };

  g_return_val_if_fail (image != NULL && out != NULL, FALSE);
  w = image->width;
  h = image->height;
  if (w <= 0 || h <= 0 || image->data == NULL)
    {
      g_set_error (error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_INPUT, "image is empty");
      return FALSE;
    }
  if (!c->do_resize && (w != s || h != s))
    {
      g_set_error (error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_INPUT,
                   "image is %d×%d but the model takes %d×%d and do_resize is off", w, h, s, s);
      return FALSE;
    }

  /* horizontal pass: [h, w, 3] → [h, s, 3] */
  tmp = g_new (guint8, (gsize) h * s * 3);
  pil_coeffs (&ch, w, s);
  for (int y = 0; y < h; y++)
    {
      const guint8 *row = image->data + (gsize) y * w * 4;
      for (int x = 0; x < s; x++)
        {
          int xmin = ch.bounds[2 * x], n = ch.bounds[2 * x + 1];
          const int *k = ch.kk + x * ch.ksize;
          for (int cc = 0; cc < 3; cc++)
            {
              gint64 acc = 1 << (PIL_PRECISION_BITS - 1);
              for (int i = 0; i < n; i++)
                acc += (gint64) row[(xmin + i) * 4 + cc] * k[i];
              tmp[((gsize) y * s + x) * 3 + cc] = pil_clip8 (acc);
            }
        }
    }
  /* vertical pass: [h, s, 3] → [s, s, 3] */
  res = g_new (guint8, (gsize) s * s * 3);
  pil_coeffs (&cv, h, s);
  for (int y = 0; y < s; y++)
    {
      int ymin = cv.bounds[2 * y], n = cv.bounds[2 * y + 1];
      const int *k = cv.kk + y * cv.ksize;
      for (int x = 0; x < s * 3; x++)
        {
          gint64 acc = 1 << (PIL_PRECISION_BITS - 1);
          for (int i = 0; i < n; i++)
            acc += (gint64) tmp[(gsize) (ymin + i) * s * 3 + x] * k[i];
          res[(gsize) y * s * 3 + x] = pil_clip8 (acc);
        }
    }
  pil_coeffs_clear (&ch);
  pil_coeffs_clear (&cv);

  /* rescale and normalise into [3, S, S] */
  for (int cc = 0; cc < 3; cc++)
    {
      double mean = c->do_normalize ? c->image_mean[cc] : 0.0;
      double std = c->do_normalize ? c->image_std[cc] : 1.0;
      double scale = c->do_rescale ? c->rescale_factor : 1.0;
      for (gsize i = 0; i < (gsize) s * s; i++)
        out[cc * (gsize) s * s + i] = (float) ((res[i * 3 + cc] * scale - mean) / std);
    }
  return TRUE;
}
