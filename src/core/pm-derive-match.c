/* pm-derive-match.c: making an edited image comparable with its original (alignment,
 * softness, tone) and the float-plane helpers mask derivation shares.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-derive"

#include "pm-derive-private.h"

#include <math.h>
#include <string.h>

#define MAX_SHIFT          2       /* translation search range, pixels */
#define TONE_ITERATIONS    10
#define TONE_SAMPLES       120000
#define TONE_GAIN_PRIOR    0.005   /* variance-like weight of "gain = 1" in the tone fit */

/* ---- Small float-plane helpers -------------------------------------------------------- */

/* In-place separable Gaussian blur of @channels interleaved planes; edges clamp. */
void
pm_derive_blur_plane (float *data,
                      int    width,
                      int    height,
                      int    channels,
                      double sigma)
{
  int radius = (int) ceil (3 * sigma);
  gsize row_len = (gsize) width * channels;
  float *kernel, *line, *acc;
  const float **rows;
  double sum = 0;

  if (sigma <= 0.05 || radius < 1)
    return;

  kernel = g_new (float, 2 * radius + 1);
  for (int i = -radius; i <= radius; i++)
    sum += kernel[i + radius] = (float) exp (-0.5 * i * i / (sigma * sigma));
  for (int i = 0; i <= 2 * radius; i++)
    kernel[i] = (float) (kernel[i] / sum);

  /* Horizontal: each row copied into a buffer padded with its edge pixels. */
  line = g_new (float, (gsize) (width + 2 * radius) * channels);
  for (int y = 0; y < height; y++)
    {
      float *row = data + (gsize) y * row_len;

      for (int x = -radius; x < width + radius; x++)
        memcpy (line + (gsize) (x + radius) * channels,
                row + (gsize) CLAMP (x, 0, width - 1) * channels, sizeof (float) * channels);
      for (gsize i = 0; i < row_len; i++)
        {
          float v = 0;
          for (int k = 0; k <= 2 * radius; k++)
            v += kernel[k] * line[i + (gsize) k * channels];
          row[i] = v;
        }
    }

  /* Vertical: whole rows at a time, from a copy of the image. */
  {
    float *src = g_memdup2 (data, row_len * height * sizeof (float));

    rows = g_new (const float *, 2 * radius + 1);
    acc = data;
    for (int y = 0; y < height; y++)
      {
        float *out = acc + (gsize) y * row_len;

        for (int k = -radius; k <= radius; k++)
          rows[k + radius] = src + (gsize) CLAMP (y + k, 0, height - 1) * row_len;
        for (gsize i = 0; i < row_len; i++)
          out[i] = 0;
        for (int k = 0; k <= 2 * radius; k++)
          {
            const float *r = rows[k];
            float w = kernel[k];
            for (gsize i = 0; i < row_len; i++)
              out[i] += w * r[i];
          }
      }
    g_free (rows);
    g_free (src);
  }

  g_free (line);
  g_free (kernel);
}

/* RGB (sRGB 0..1) floats from an image, 3 per pixel. */
float *
pm_derive_image_to_rgbf (const PmImage *image)
{
  gsize n = (gsize) image->width * image->height;
  float *out = g_new (float, n * 3);

  for (gsize i = 0; i < n; i++)
    for (int c = 0; c < 3; c++)
      out[i * 3 + c] = image->data[i * 4 + c] / 255.0f;
  return out;
}

/* Bilinear sample of a 3-channel plane at (x, y), clamped at the edges. */
static inline void
sample3 (const float *rgb,
         int          width,
         int          height,
         float        x,
         float        y,
         float       *out)
{
  int x0, y0, x1, y1;
  float fx, fy;

  x = CLAMP (x, 0.0f, (float) (width - 1));
  y = CLAMP (y, 0.0f, (float) (height - 1));
  x0 = (int) x; y0 = (int) y;
  x1 = MIN (x0 + 1, width - 1); y1 = MIN (y0 + 1, height - 1);
  fx = x - x0; fy = y - y0;
  for (int c = 0; c < 3; c++)
    {
      float a = rgb[((gsize) y0 * width + x0) * 3 + c];
      float b = rgb[((gsize) y0 * width + x1) * 3 + c];
      float d = rgb[((gsize) y1 * width + x0) * 3 + c];
      float e = rgb[((gsize) y1 * width + x1) * 3 + c];
      out[c] = (a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy;
    }
}

/* ---- Alignment ------------------------------------------------------------------------ */

/* Mean truncated luma difference between @a and @b shifted by (dx, dy), on a sparse grid
 * away from the borders. */
static double
shift_cost (const float *a,
            const float *b,
            int          width,
            int          height,
            float        dx,
            float        dy,
            int          step)
{
  double sum = 0;
  gsize n = 0;

  gboolean whole = dx == floorf (dx) && dy == floorf (dy);

  for (int y = MAX_SHIFT + 1; y < height - MAX_SHIFT - 1; y += step)
    for (int x = MAX_SHIFT + 1; x < width - MAX_SHIFT - 1; x += step)
      {
        const float *p = a + ((gsize) y * width + x) * 3;
        float q[3], la, lb;

        if (whole)
          memcpy (q, b + ((gsize) (y + (int) dy) * width + x + (int) dx) * 3, sizeof q);
        else
          sample3 (b, width, height, x + dx, y + dy, q);
        la = p[0] + p[1] + p[2];
        lb = q[0] + q[1] + q[2];
        sum += MIN (fabsf (la - lb), 0.15f);
        n++;
      }
  return n > 0 ? sum / n : 0;
}

/* Finds where the original's content sits in the edited image: (dx, dy) such that
 * edited (x + dx, y + dy) ≈ original (x, y). Integer search, then a parabola per axis. */
void
pm_derive_estimate_shift (const float *orig,
                          const float *edit,
                          int          width,
                          int          height,
                          float       *out_dx,
                          float       *out_dy)
{
  double cost[2 * MAX_SHIFT + 1][2 * MAX_SHIFT + 1];
  double best = G_MAXDOUBLE;
  int bx = 0, by = 0;
  int step = MAX (1, (int) sqrt ((double) width * height / 60000.0));
  float fx = 0, fy = 0;

  *out_dx = *out_dy = 0;
  if (width < 4 * MAX_SHIFT + 8 || height < 4 * MAX_SHIFT + 8)
    return;

  for (int dy = -MAX_SHIFT; dy <= MAX_SHIFT; dy++)
    for (int dx = -MAX_SHIFT; dx <= MAX_SHIFT; dx++)
      {
        double c = shift_cost (orig, edit, width, height, dx, dy, step);
        cost[dy + MAX_SHIFT][dx + MAX_SHIFT] = c;
        /* Prefer no shift unless another one is clearly better. */
        if (dx == 0 && dy == 0)
          c *= 0.97;
        if (c < best)
          {
            best = c;
            bx = dx;
            by = dy;
          }
      }

  if (ABS (bx) < MAX_SHIFT)
    {
      double l = cost[by + MAX_SHIFT][bx + MAX_SHIFT - 1];
      double c = cost[by + MAX_SHIFT][bx + MAX_SHIFT];
      double r = cost[by + MAX_SHIFT][bx + MAX_SHIFT + 1];
      double den = l - 2 * c + r;
      if (den > 1e-12)
        fx = (float) CLAMP (0.5 * (l - r) / den, -0.5, 0.5);
    }
  if (ABS (by) < MAX_SHIFT)
    {
      double u = cost[by + MAX_SHIFT - 1][bx + MAX_SHIFT];
      double c = cost[by + MAX_SHIFT][bx + MAX_SHIFT];
      double d = cost[by + MAX_SHIFT + 1][bx + MAX_SHIFT];
      double den = u - 2 * c + d;
      if (den > 1e-12)
        fy = (float) CLAMP (0.5 * (u - d) / den, -0.5, 0.5);
    }
  *out_dx = bx + fx;
  *out_dy = by + fy;
}

/* Resamples @rgb at (x + dx, y + dy): the edited image moved back onto the original. */
float *
pm_derive_apply_shift (const float *rgb,
                       int          width,
                       int          height,
                       float        dx,
                       float        dy)
{
  float *out = g_new (float, (gsize) width * height * 3);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      sample3 (rgb, width, height, x + dx, y + dy, out + ((gsize) y * width + x) * 3);
  return out;
}

/* Blurs @orig as much as @edit looks blurred relative to it (σ among a few candidates). */
void
pm_derive_match_softness (float       *orig,
                          const float *edit,
                          int          width,
                          int          height)
{
  static const double sigmas[] = { 0.5, 0.8, 1.2 };
  int step = MAX (1, (int) sqrt ((double) width * height / 60000.0));
  double best = shift_cost (orig, edit, width, height, 0, 0, step) * 0.97;
  double best_sigma = 0;
  gsize size = (gsize) width * height * 3 * sizeof (float);
  float *trial = g_malloc (size);

  for (gsize i = 0; i < G_N_ELEMENTS (sigmas); i++)
    {
      double c;

      memcpy (trial, orig, size);
      pm_derive_blur_plane (trial, width, height, 3, sigmas[i]);
      c = shift_cost (trial, edit, width, height, 0, 0, step);
      if (c < best)
        {
          best = c;
          best_sigma = sigmas[i];
        }
    }
  g_free (trial);
  if (best_sigma > 0)
    pm_derive_blur_plane (orig, width, height, 3, best_sigma);
}

/* ---- Tone ----------------------------------------------------------------------------- */

float
pm_derive_quantile (const float *values,
                    gsize        n,
                    double       q)
{
  /* Histogram over 0..1 with 4096 bins: precise enough for a scale estimate. */
  guint hist[4096] = { 0, };
  gsize target = (gsize) (q * (n - 1)), acc = 0;

  for (gsize i = 0; i < n; i++)
    hist[MIN ((int) (values[i] * 4095.0f), 4095)]++;
  for (int b = 0; b < 4096; b++)
    {
      acc += hist[b];
      if (acc > target)
        return (b + 0.5f) / 4095.0f;
    }
  return 1.0f;
}

/* Fits edit ≈ gain × orig + offset per channel on pixels that look unchanged and applies it
 * to @orig, so the comparison sees the same global tone on both sides. */
void
pm_derive_match_tone (float       *orig,
                      const float *edit,
                      gsize        n)
{
  gsize stride = MAX ((gsize) 1, n / TONE_SAMPLES);
  gsize m = (n + stride - 1) / stride;
  float *res = g_new (float, m);
  double gain[3] = { 1, 1, 1 }, offset[3] = { 0, 0, 0 };
  float scale = 0.1f;

  for (int it = 0; it < TONE_ITERATIONS; it++)
    {
      double sw[3] = { 0, }, sx[3] = { 0, }, sy[3] = { 0, }, sxx[3] = { 0, }, sxy[3] = { 0, };
      gsize k = 0;

      for (gsize i = 0; i < n; i += stride, k++)
        {
          const float *o = orig + i * 3, *e = edit + i * 3;
          float r2 = 0, w;

          for (int c = 0; c < 3; c++)
            {
              float r = e[c] - (float) (gain[c] * o[c] + offset[c]);
              r2 += r * r;
            }
          res[k] = sqrtf (r2 / 3);
          /* Cauchy-like weight; clipped pixels say little about gain. */
          w = 1.0f / (1.0f + r2 / (3 * scale * scale));
          w *= w;
          for (int c = 0; c < 3; c++)
            {
              float wc = w;
              if (e[c] <= 0.002f || e[c] >= 0.998f)
                wc *= 0.05f;
              sw[c] += wc;
              sx[c] += wc * o[c];
              sy[c] += wc * e[c];
              sxx[c] += wc * o[c] * o[c];
              sxy[c] += wc * o[c] * e[c];
            }
        }

      /* Weighted least squares with a weak prior pulling the gain to 1, so a channel
       * with little spread (a flat blue sky) is not fitted to its noise. */
      for (int c = 0; c < 3; c++)
        {
          double mx, my, cxx, cxy, prior;

          if (sw[c] < 1e-6)
            continue;
          mx = sx[c] / sw[c];
          my = sy[c] / sw[c];
          cxx = sxx[c] - sw[c] * mx * mx;
          cxy = sxy[c] - sw[c] * mx * my;
          prior = sw[c] * TONE_GAIN_PRIOR;
          gain[c] = CLAMP ((cxy + prior) / (cxx + prior), 0.5, 2.0);
          offset[c] = my - gain[c] * mx;
        }

      /* Scale from the residuals of the better half (the unchanged pixels). */
      scale = pm_derive_quantile (res, k, 0.25) * 3.0f;
      scale = CLAMP (scale, 0.01f, 0.1f);
    }

  g_debug ("tone: gain %.3f %.3f %.3f offset %.3f %.3f %.3f", gain[0], gain[1], gain[2],
           offset[0], offset[1], offset[2]);
  for (gsize i = 0; i < n; i++)
    for (int c = 0; c < 3; c++)
      orig[i * 3 + c] = (float) CLAMP (gain[c] * orig[i * 3 + c] + offset[c], 0.0, 1.0);
  g_free (res);
}
