/* pm-morph.c: binary morphology (dilate, erode, open, close, fill holes, small-component
 * removal) on PmMask.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The structuring element of radius r is the digital disk {(dx, dy) : dx² + dy² ≤ r²}
 * (radius 1 is the 4-neighbour cross, radius 2 adds the diagonals and the ±2 axis points).
 * Dilation is computed exactly with a separable squared Euclidean distance transform
 * (Felzenszwalb & Huttenlocher, 2012), so its cost does not depend on the radius.
 * Erosion is the dual: a pixel survives when no background pixel lies within r.
 * Pixels outside the image count as neither: erosion does not eat in from the border.
 */
#define G_LOG_DOMAIN "pm-morph"

#include "pm-morph.h"

#include <math.h>

/* One-dimensional squared distance transform of f (n samples, stride in elements) in place:
 * the lower envelope of the parabolas y = (x - p)² + f[p]. @v, @z, @d are scratch of
 * n, n + 1 and n entries. */
static void
edt_1d (double *f,
        gsize   stride,
        int     n,
        int    *v,
        double *z,
        double *d)
{
  int k = 0;

  v[0] = 0;
  z[0] = -HUGE_VAL;
  z[1] = HUGE_VAL;
  for (int q = 1; q < n; q++)
    {
      double fq = f[q * stride] + (double) q * q;
      double s;

      for (;;)
        {
          int p = v[k];
          s = (fq - (f[p * stride] + (double) p * p)) / (2.0 * (q - p));
          if (s > z[k])
            break;
          k--;   /* z[0] is -inf, so this stops at k = 0 */
        }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = HUGE_VAL;
    }

  k = 0;
  for (int q = 0; q < n; q++)
    {
      double dq;

      while (z[k + 1] < q)
        k++;
      dq = (double) (q - v[k]);
      d[q] = dq * dq + f[v[k] * stride];
    }
  for (int q = 0; q < n; q++)
    f[q * stride] = d[q];
}

/* A squared distance larger than any inside the image; kept small so that the parabola
 * arithmetic stays exact in doubles. */
static double
far_value (const PmMask *mask)
{
  return 2.0 * ((double) mask->width * mask->width + (double) mask->height * mask->height) + 1.0;
}

/* Squared Euclidean distance from every pixel to the nearest foreground (or background)
 * pixel; at least far_value() when there is none. Caller frees. */
static double *
squared_distance_to (const PmMask *mask,
                     gboolean      to_foreground)
{
  int w = mask->width, h = mask->height;
  gsize n = (gsize) w * h;
  int len = MAX (w, h);
  double *dist = g_new (double, n);
  int *v = g_new (int, len);
  double *z = g_new (double, len + 1);
  double *d = g_new (double, len);

  double inf = far_value (mask);

  for (gsize i = 0; i < n; i++)
    {
      gboolean fg = mask->data[i] > 0.5f;
      dist[i] = (fg == to_foreground) ? 0.0 : inf;
    }
  for (int x = 0; x < w; x++)
    edt_1d (dist + x, w, h, v, z, d);
  for (int y = 0; y < h; y++)
    edt_1d (dist + (gsize) y * w, 1, w, v, z, d);

  g_free (v);
  g_free (z);
  g_free (d);
  return dist;
}

/* Dilation (@dilate) or erosion of @mask by a disk of @radius: a pixel is foreground
 * after dilation when one within @radius is, after erosion when none within @radius is
 * background. */
static void
morph_disk (PmMask   *mask,
            int       radius,
            gboolean  dilate)
{
  g_autofree double *dist = NULL;
  gsize n;
  double r2;

  if (radius <= 0 || mask->width <= 0 || mask->height <= 0)
    return;
  n = (gsize) mask->width * mask->height;
  r2 = MIN ((double) radius * radius, far_value (mask) - 1.0);
  dist = squared_distance_to (mask, dilate);
  for (gsize i = 0; i < n; i++)
    {
      gboolean near = dist[i] <= r2;

      mask->data[i] = near == dilate ? 1.0f : 0.0f;
    }
}

/**
 * pm_morph_dilate:
 * @mask: a binary mask, changed in place
 * @radius: disk radius in pixels; 0 or less does nothing
 *
 * Sets every pixel within @radius (Euclidean) of a foreground pixel.
 */
void
pm_morph_dilate (PmMask *mask,
                 int     radius)
{
  g_return_if_fail (mask != NULL);
  morph_disk (mask, radius, TRUE);
}

/**
 * pm_morph_erode:
 * @mask: a binary mask, changed in place
 * @radius: disk radius in pixels; 0 or less does nothing
 *
 * Keeps the foreground pixels with no background pixel within @radius (Euclidean).
 * The area outside the image does not count as background.
 */
void
pm_morph_erode (PmMask *mask,
                int     radius)
{
  g_return_if_fail (mask != NULL);
  morph_disk (mask, radius, FALSE);
}

/**
 * pm_morph_open:
 * @mask: a binary mask, changed in place
 * @radius: disk radius
 *
 * Erosion then dilation: removes specks and thin spurs narrower than the disk.
 */
void
pm_morph_open (PmMask *mask,
               int     radius)
{
  pm_morph_erode (mask, radius);
  pm_morph_dilate (mask, radius);
}

/**
 * pm_morph_close:
 * @mask: a binary mask, changed in place
 * @radius: disk radius
 *
 * Dilation then erosion: closes gaps and small holes narrower than the disk.
 */
void
pm_morph_close (PmMask *mask,
                int     radius)
{
  pm_morph_dilate (mask, radius);
  pm_morph_erode (mask, radius);
}

/**
 * pm_morph_fill_holes:
 * @mask: a binary mask, changed in place
 *
 * Fills background regions that do not touch the image border. Foreground is
 * 8-connected, so background is taken as 4-connected (a diagonal gap in a ring of
 * foreground does not let the outside in).
 */
void
pm_morph_fill_holes (PmMask *mask)
{
  int w, h;
  gsize n, top = 0;
  g_autofree guint8 *outside = NULL;
  g_autofree gsize *stack = NULL;

  g_return_if_fail (mask != NULL);
  w = mask->width;
  h = mask->height;
  if (w <= 0 || h <= 0)
    return;
  n = (gsize) w * h;
  outside = g_new0 (guint8, n);
  stack = g_new (gsize, n);

#define PUSH_IF_BG(idx) G_STMT_START {                              \
    gsize i_ = (idx);                                               \
    if (!outside[i_] && mask->data[i_] <= 0.5f)                     \
      {                                                             \
        outside[i_] = 1;                                            \
        stack[top++] = i_;                                          \
      }                                                             \
  } G_STMT_END

  for (int x = 0; x < w; x++)
    {
      PUSH_IF_BG ((gsize) x);
      PUSH_IF_BG ((gsize) (h - 1) * w + x);
    }
  for (int y = 0; y < h; y++)
    {
      PUSH_IF_BG ((gsize) y * w);
      PUSH_IF_BG ((gsize) y * w + w - 1);
    }
  while (top > 0)
    {
      gsize i = stack[--top];
      int x = (int) (i % w), y = (int) (i / w);

      if (x > 0)
        PUSH_IF_BG (i - 1);
      if (x < w - 1)
        PUSH_IF_BG (i + 1);
      if (y > 0)
        PUSH_IF_BG (i - w);
      if (y < h - 1)
        PUSH_IF_BG (i + w);
    }
#undef PUSH_IF_BG

  for (gsize i = 0; i < n; i++)
    mask->data[i] = outside[i] ? 0.0f : 1.0f;
}

/**
 * pm_morph_remove_small:
 * @mask: a binary mask, changed in place
 * @min_area: components (8-connected) with fewer pixels are cleared
 */
void
pm_morph_remove_small (PmMask *mask,
                       gint64  min_area)
{
  g_autoptr(PmComponents) comps = NULL;
  gsize n;

  g_return_if_fail (mask != NULL);
  if (min_area <= 1 || mask->width <= 0 || mask->height <= 0)
    return;
  comps = pm_components_label (mask);
  n = (gsize) mask->width * mask->height;
  for (gsize i = 0; i < n; i++)
    {
      int l = comps->labels[i];
      mask->data[i] = (l > 0 && comps->components[l - 1].area >= min_area) ? 1.0f : 0.0f;
    }
}
