/* pm-guided-filter.c: guided filter with grey and colour guides.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-guided-filter"

#include "pm-guided-filter.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- box mean */

/**
 * pm_box_filter_mean:
 * @in: @width × @height floats
 * @out: @width × @height floats (may be @in)
 * @width: plane width
 * @height: plane height
 * @radius: window radius (0 copies)
 *
 * Box mean with clipped windows: a horizontal running sum, then a vertical running sum
 * kept per column so both passes walk memory row by row. Sums are in double precision.
 */
void
pm_box_filter_mean (const float *in,
                    float       *out,
                    int          width,
                    int          height,
                    int          radius)
{
  g_autofree float *tmp = NULL;
  g_autofree double *col = NULL;
  gsize w = width, h = height;

  g_return_if_fail (in != NULL && out != NULL);
  g_return_if_fail (width > 0 && height > 0 && radius >= 0);

  if (radius == 0)
    {
      if (out != in)
        memcpy (out, in, w * h * sizeof (float));
      return;
    }
  tmp = g_new (float, w * h);
  col = g_new0 (double, w);

  /* Horizontal: tmp = mean of in over [x − r, x + r] ∩ [0, w). */
  for (gsize y = 0; y < h; y++)
    {
      const float *row = in + y * w;
      float *dst = tmp + y * w;
      double sum = 0;
      int lo = 0, hi = -1;   /* current window [lo, hi] */

      for (int x = 0; x < width; x++)
        {
          int want_hi = MIN (x + radius, width - 1);
          int want_lo = MAX (x - radius, 0);
          while (hi < want_hi)
            sum += row[++hi];
          while (lo < want_lo)
            sum -= row[lo++];
          dst[x] = (float) (sum / (hi - lo + 1));
        }
    }

  /* Vertical: col[x] holds the sum of tmp over rows [lo, hi]. */
  {
    int lo = 0, hi = -1;
    for (int y = 0; y < height; y++)
      {
        int want_hi = MIN (y + radius, height - 1);
        int want_lo = MAX (y - radius, 0);
        double inv;

        while (hi < want_hi)
          {
            const float *row = tmp + (gsize) ++hi * w;
            for (gsize x = 0; x < w; x++)
              col[x] += row[x];
          }
        while (lo < want_lo)
          {
            const float *row = tmp + (gsize) lo++ * w;
            for (gsize x = 0; x < w; x++)
              col[x] -= row[x];
          }
        inv = 1.0 / (hi - lo + 1);
        for (gsize x = 0; x < w; x++)
          out[(gsize) y * w + x] = (float) (col[x] * inv);
      }
  }
}

static inline float
clamp01 (float v)
{
  return v < 0.f ? 0.f : (v > 1.f ? 1.f : v);
}

/* ---------------------------------------------------------------- grey guide */

/**
 * pm_guided_filter_grey:
 * @guide: the guide plane, values in 0..1
 * @input: the plane to filter
 * @radius: window radius in pixels
 * @eps: regulariser (variance scale: edges with contrast² ≫ eps are kept)
 * @out: the result, same size (may be @input)
 */
void
pm_guided_filter_grey (const PmMask *guide,
                       const PmMask *input,
                       int           radius,
                       float         eps,
                       PmMask       *out)
{
  int w, h;
  gsize n;
  g_autofree float *mI = NULL, *mp = NULL, *mIp = NULL, *mII = NULL;

  g_return_if_fail (guide != NULL && input != NULL && out != NULL);
  g_return_if_fail (guide->width == input->width && guide->height == input->height);
  g_return_if_fail (out->width == input->width && out->height == input->height);
  g_return_if_fail (radius >= 0 && eps > 0);

  w = input->width;
  h = input->height;
  n = (gsize) w * h;
  mI = g_new (float, n);
  mp = g_new (float, n);
  mIp = g_new (float, n);
  mII = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    {
      mIp[i] = guide->data[i] * input->data[i];
      mII[i] = guide->data[i] * guide->data[i];
    }
  pm_box_filter_mean (guide->data, mI, w, h, radius);
  pm_box_filter_mean (input->data, mp, w, h, radius);
  pm_box_filter_mean (mIp, mIp, w, h, radius);
  pm_box_filter_mean (mII, mII, w, h, radius);

  /* a = cov(I, p) / (var(I) + eps), b = mean(p) − a·mean(I); stored in mIp and mp. */
  for (gsize i = 0; i < n; i++)
    {
      float var = mII[i] - mI[i] * mI[i];
      float cov = mIp[i] - mI[i] * mp[i];
      float a = cov / (MAX (var, 0.f) + eps);
      mIp[i] = a;
      mp[i] = mp[i] - a * mI[i];
    }
  pm_box_filter_mean (mIp, mIp, w, h, radius);
  pm_box_filter_mean (mp, mp, w, h, radius);
  for (gsize i = 0; i < n; i++)
    out->data[i] = clamp01 (mIp[i] * guide->data[i] + mp[i]);
}

/* ---------------------------------------------------------------- colour guide */

/* Bilinear sample of a lw×lh plane at full-resolution pixel (x, y) for scale s (pixel centres
 * aligned, edges clamped). */
static inline float
sample_low (const float *plane,
            int          lw,
            int          lh,
            float        fx,
            float        fy)
{
  int x0, y0, x1, y1;
  float tx, ty;

  fx = CLAMP (fx, 0.f, (float) (lw - 1));
  fy = CLAMP (fy, 0.f, (float) (lh - 1));
  x0 = (int) fx;
  y0 = (int) fy;
  x1 = MIN (x0 + 1, lw - 1);
  y1 = MIN (y0 + 1, lh - 1);
  tx = fx - x0;
  ty = fy - y0;
  return (plane[(gsize) y0 * lw + x0] * (1 - tx) + plane[(gsize) y0 * lw + x1] * tx) * (1 - ty) +
         (plane[(gsize) y1 * lw + x0] * (1 - tx) + plane[(gsize) y1 * lw + x1] * tx) * ty;
}

enum { R, G, B, P, RP, GP, BP, RR, RG, RB, GG, GB, BB, N_PLANES };

/**
 * pm_guided_filter_color:
 * @guide: the guide image (RGB used, 0..255 read as 0..1)
 * @input: the plane to filter, same size as @guide
 * @radius: window radius in full-resolution pixels
 * @eps: regulariser
 * @subsample: fit on a grid this many times coarser (1 = exact filter)
 * @out: the result, same size (may be @input)
 */
void
pm_guided_filter_color (const PmImage *guide,
                        const PmMask  *input,
                        int            radius,
                        float          eps,
                        int            subsample,
                        PmMask        *out)
{
  int w, h, lw, lh, s, r;
  gsize ln;
  float *planes[N_PLANES];
  g_autofree float *block = NULL;

  g_return_if_fail (guide != NULL && input != NULL && out != NULL);
  g_return_if_fail (guide->width == input->width && guide->height == input->height);
  g_return_if_fail (out->width == input->width && out->height == input->height);
  g_return_if_fail (radius >= 0 && eps > 0);

  w = input->width;
  h = input->height;
  s = MAX (subsample, 1);
  lw = (w + s - 1) / s;
  lh = (h + s - 1) / s;
  ln = (gsize) lw * lh;
  r = s > 1 ? MAX (1, (radius + s / 2) / s) : radius;
  block = g_new0 (float, ln * N_PLANES);
  for (int k = 0; k < N_PLANES; k++)
    planes[k] = block + ln * k;

  /* Downsample I and p by s×s block means, with their products. */
  for (int ly = 0; ly < lh; ly++)
    for (int lx = 0; lx < lw; lx++)
      {
        double acc[4] = { 0 };
        int count = 0;
        gsize li = (gsize) ly * lw + lx;

        for (int y = ly * s; y < MIN (ly * s + s, h); y++)
          for (int x = lx * s; x < MIN (lx * s + s, w); x++)
            {
              const guint8 *px = guide->data + ((gsize) y * w + x) * 4;
              acc[R] += px[0] / 255.0;
              acc[G] += px[1] / 255.0;
              acc[B] += px[2] / 255.0;
              acc[P] += input->data[(gsize) y * w + x];
              count++;
            }
        for (int k = 0; k < 4; k++)
          planes[k][li] = (float) (acc[k] / count);
      }
  for (gsize i = 0; i < ln; i++)
    {
      float ir = planes[R][i], ig = planes[G][i], ib = planes[B][i], p = planes[P][i];
      planes[RP][i] = ir * p;
      planes[GP][i] = ig * p;
      planes[BP][i] = ib * p;
      planes[RR][i] = ir * ir;
      planes[RG][i] = ir * ig;
      planes[RB][i] = ir * ib;
      planes[GG][i] = ig * ig;
      planes[GB][i] = ig * ib;
      planes[BB][i] = ib * ib;
    }
  for (int k = 0; k < N_PLANES; k++)
    pm_box_filter_mean (planes[k], planes[k], lw, lh, r);

  /* Per window: a = (Σ + eps·U)⁻¹ cov(I, p), b = mean(p) − a·mean(I). Σ is symmetric
   * positive semi-definite, so Σ + eps·U is invertible; solve by the adjugate.
   * a goes to planes RP, GP, BP and b to P. */
  for (gsize i = 0; i < ln; i++)
    {
      double mr = planes[R][i], mg = planes[G][i], mb = planes[B][i], mp = planes[P][i];
      double crp = planes[RP][i] - mr * mp;
      double cgp = planes[GP][i] - mg * mp;
      double cbp = planes[BP][i] - mb * mp;
      double vrr = planes[RR][i] - mr * mr + eps;
      double vrg = planes[RG][i] - mr * mg;
      double vrb = planes[RB][i] - mr * mb;
      double vgg = planes[GG][i] - mg * mg + eps;
      double vgb = planes[GB][i] - mg * mb;
      double vbb = planes[BB][i] - mb * mb + eps;
      double i00 = vgg * vbb - vgb * vgb;
      double i01 = vgb * vrb - vrg * vbb;
      double i02 = vrg * vgb - vgg * vrb;
      double i11 = vrr * vbb - vrb * vrb;
      double i12 = vrb * vrg - vrr * vgb;
      double i22 = vrr * vgg - vrg * vrg;
      double det = vrr * i00 + vrg * i01 + vrb * i02;
      double ar, ag, ab;

      if (!(fabs (det) > 1e-30))
        {
          ar = ag = ab = 0;
        }
      else
        {
          ar = (i00 * crp + i01 * cgp + i02 * cbp) / det;
          ag = (i01 * crp + i11 * cgp + i12 * cbp) / det;
          ab = (i02 * crp + i12 * cgp + i22 * cbp) / det;
        }
      planes[RP][i] = (float) ar;
      planes[GP][i] = (float) ag;
      planes[BP][i] = (float) ab;
      planes[P][i] = (float) (mp - ar * mr - ag * mg - ab * mb);
    }
  pm_box_filter_mean (planes[RP], planes[RP], lw, lh, r);
  pm_box_filter_mean (planes[GP], planes[GP], lw, lh, r);
  pm_box_filter_mean (planes[BP], planes[BP], lw, lh, r);
  pm_box_filter_mean (planes[P], planes[P], lw, lh, r);

  /* q = mean(a)·I + mean(b) at full resolution, a and b upsampled bilinearly. */
  for (int y = 0; y < h; y++)
    {
      float fy = (y + 0.5f) / s - 0.5f;
      for (int x = 0; x < w; x++)
        {
          float fx = (x + 0.5f) / s - 0.5f;
          const guint8 *px = guide->data + ((gsize) y * w + x) * 4;
          float q;

          if (s == 1)
            {
              gsize i = (gsize) y * w + x;
              q = planes[RP][i] * (px[0] / 255.f) + planes[GP][i] * (px[1] / 255.f) +
                  planes[BP][i] * (px[2] / 255.f) + planes[P][i];
            }
          else
            {
              q = sample_low (planes[RP], lw, lh, fx, fy) * (px[0] / 255.f) +
                  sample_low (planes[GP], lw, lh, fx, fy) * (px[1] / 255.f) +
                  sample_low (planes[BP], lw, lh, fx, fy) * (px[2] / 255.f) +
                  sample_low (planes[P], lw, lh, fx, fy);
            }
          out->data[(gsize) y * w + x] = clamp01 (q);
        }
    }
}
