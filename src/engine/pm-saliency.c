/* pm-saliency.c: a classical saliency prior: contrast against the image border's colours
 * (the border is usually background), frequency-tuned contrast against the mean colour
 * (Achanta et al., CVPR 2009), and a centre prior.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * S(p) = (0.65 · B(p) + 0.35 · F(p)) · exp(−r²(p) / (2 · 0.3²))
 * where B is the OKLab distance of the blurred pixel to the nearest border colour cluster
 * holding at least 5% of the border, F the distance to the image's mean colour, both
 * scaled to 0..1, and r the distance to the image centre in units of the image size.
 */
#define G_LOG_DOMAIN "pm-saliency"

#include "pm-saliency.h"

#include <math.h>
#include <string.h>

#define N_BORDER_CLUSTERS 8
#define MIN_CLUSTER_SHARE 0.05
#define KMEANS_ITERATIONS 10

/* Separable box blur of radius 1 over 3 interleaved channels, edges clamped. */
static void
box_blur3 (float *buf,
           int    w,
           int    h)
{
  g_autofree float *tmp = g_new (float, (gsize) w * h * 3);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++)
        {
          int x0 = MAX (x - 1, 0), x1 = MIN (x + 1, w - 1);
          float s = 0;
          for (int xx = x0; xx <= x1; xx++)
            s += buf[((gsize) y * w + xx) * 3 + c];
          tmp[((gsize) y * w + x) * 3 + c] = s / (x1 - x0 + 1);
        }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++)
        {
          int y0 = MAX (y - 1, 0), y1 = MIN (y + 1, h - 1);
          float s = 0;
          for (int yy = y0; yy <= y1; yy++)
            s += tmp[((gsize) yy * w + x) * 3 + c];
          buf[((gsize) y * w + x) * 3 + c] = s / (y1 - y0 + 1);
        }
}

static inline float
dist3 (const float *a,
       const float *b)
{
  float d0 = a[0] - b[0], d1 = a[1] - b[1], d2 = a[2] - b[2];

  return sqrtf (d0 * d0 + d1 * d1 + d2 * d2);
}

static void
normalize (float *v,
           gsize  n)
{
  float lo = G_MAXFLOAT, hi = -G_MAXFLOAT;

  for (gsize i = 0; i < n; i++)
    {
      lo = MIN (lo, v[i]);
      hi = MAX (hi, v[i]);
    }
  for (gsize i = 0; i < n; i++)
    v[i] = hi > lo ? (v[i] - lo) / (hi - lo) : 0.0f;
}

/* k-means of the border pixels; returns the number of clusters kept (share ≥ 5%). */
static int
border_clusters (const float *lab,
                 int          w,
                 int          h,
                 float        centres[N_BORDER_CLUSTERS][3])
{
  int frame = MAX (2, (int) (0.03 * MAX (w, h)));
  g_autoptr(GArray) samples = g_array_new (FALSE, FALSE, sizeof (float) * 3);
  float sums[N_BORDER_CLUSTERS][3];
  gsize counts[N_BORDER_CLUSTERS];
  int k, kept = 0;
  gsize n;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (x < frame || y < frame || x >= w - frame || y >= h - frame)
        g_array_append_vals (samples, lab + ((gsize) y * w + x) * 3, 1);
  n = samples->len;
  k = (int) MIN ((gsize) N_BORDER_CLUSTERS, n);
  for (int c = 0; c < k; c++)   /* spread the seeds around the frame */
    memcpy (centres[c], &g_array_index (samples, float, 3 * (c * n / k)), sizeof (float) * 3);

  for (int it = 0; it < KMEANS_ITERATIONS; it++)
    {
      memset (sums, 0, sizeof sums);
      memset (counts, 0, sizeof counts);
      for (gsize s = 0; s < n; s++)
        {
          const float *x = (const float *) samples->data + 3 * s;
          int best = 0;
          float best_d = G_MAXFLOAT;
          for (int c = 0; c < k; c++)
            {
              float d = dist3 (x, centres[c]);
              if (d < best_d)
                {
                  best_d = d;
                  best = c;
                }
            }
          for (int i = 0; i < 3; i++)
            sums[best][i] += x[i];
          counts[best]++;
        }
      for (int c = 0; c < k; c++)
        if (counts[c] > 0)
          for (int i = 0; i < 3; i++)
            centres[c][i] = sums[c][i] / counts[c];
    }

  for (int c = 0; c < k; c++)
    if (counts[c] >= MIN_CLUSTER_SHARE * n)
      memmove (centres[kept++], centres[c], sizeof (float) * 3);
  return kept;
}

PmMask *
pm_saliency_compute (const float *lab,
                     int          width,
                     int          height)
{
  gsize n = (gsize) width * height;
  g_autofree float *blur = NULL;
  g_autofree float *border = g_new (float, n);
  g_autofree float *ft = g_new (float, n);
  float centres[N_BORDER_CLUSTERS][3], mean[3] = { 0 };
  double acc[3] = { 0 };
  int k;
  PmMask *out;

  g_return_val_if_fail (lab != NULL && width > 0 && height > 0, NULL);

  blur = g_memdup2 (lab, n * 3 * sizeof (float));
  box_blur3 (blur, width, height);
  for (gsize i = 0; i < n; i++)
    for (int c = 0; c < 3; c++)
      acc[c] += blur[3 * i + c];
  for (int c = 0; c < 3; c++)
    mean[c] = (float) (acc[c] / n);

  k = border_clusters (blur, width, height, centres);
  for (gsize i = 0; i < n; i++)
    {
      float best = k > 0 ? G_MAXFLOAT : 0;
      for (int c = 0; c < k; c++)
        best = MIN (best, dist3 (blur + 3 * i, centres[c]));
      border[i] = best;
      ft[i] = dist3 (blur + 3 * i, mean);
    }
  normalize (border, n);
  normalize (ft, n);

  out = pm_mask_new (width, height);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        gsize i = (gsize) y * width + x;
        double u = (x + 0.5) / width - 0.5, v = (y + 0.5) / height - 0.5;
        double centre = exp (-(u * u + v * v) / (2 * 0.3 * 0.3));
        out->data[i] = (float) ((0.65 * border[i] + 0.35 * ft[i]) * centre);
      }
  normalize (out->data, n);
  return out;
}

float
pm_saliency_otsu (const PmMask *map)
{
  gsize n = (gsize) map->width * map->height;
  double hist[256] = { 0 }, total = 0, sum_all = 0, sum_b = 0, w_b = 0, best = -1;
  int best_t = 128;

  for (gsize i = 0; i < n; i++)
    {
      int b = CLAMP ((int) (map->data[i] * 255.0f + 0.5f), 0, 255);
      hist[b]++;
    }
  for (int t = 0; t < 256; t++)
    {
      total += hist[t];
      sum_all += t * hist[t];
    }
  for (int t = 0; t < 256; t++)
    {
      double w_f, m_b, m_f, between;

      w_b += hist[t];
      if (w_b == 0)
        continue;
      w_f = total - w_b;
      if (w_f == 0)
        break;
      sum_b += t * hist[t];
      m_b = sum_b / w_b;
      m_f = (sum_all - sum_b) / w_f;
      between = w_b * w_f * (m_b - m_f) * (m_b - m_f);
      if (between > best)
        {
          best = between;
          best_t = t;
        }
    }
  return (best_t + 0.5f) / 255.0f;
}
