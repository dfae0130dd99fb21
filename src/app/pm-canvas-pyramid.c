/* pm-canvas-pyramid.c: PmCanvas's image pyramid, built in a worker thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Halving a 24 MP photo, its edit and its mask takes a few hundred milliseconds, and the
 * binary mask with its centroid as many again: all of it runs here, off the main thread,
 * on pixels shared with the window (nothing is copied).
 */
#define G_LOG_DOMAIN "pm-canvas"

#include "config.h"

#include <math.h>

#include "pm-canvas-private.h"

/* Levels stop when the shorter side would drop below this many pixels. */
#define MIN_SIDE 16

GdkTexture *
pm_texture_new_rgba (GBytes *bytes,
                     int     width,
                     int     height)
{
  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, bytes, (gsize) width * 4);
}

void
pm_level_clear_overlay (PmLevel *level)
{
  pm_level_clear_tiles (level, FALSE, TRUE, TRUE);
}

void
pm_level_clear_result (PmLevel *level)
{
  pm_level_clear_tiles (level, TRUE, TRUE, FALSE);
  g_clear_pointer (&level->edited, g_bytes_unref);
  g_clear_pointer (&level->edited_px, g_free);
  g_clear_pointer (&level->mask, g_free);
}

void
pm_level_clear (PmLevel *level)
{
  pm_level_clear_result (level);
  g_clear_pointer (&level->compare, g_free);
  g_clear_pointer (&level->tiles, g_free);
  level->tiles_x = level->tiles_y = 0;
  g_clear_pointer (&level->original, g_bytes_unref);
  g_clear_object (&level->original_tex);
  level->w = level->h = 0;
}

/* 2×2 box filter of the w × h image @in into @out ((w + 1) / 2 wide), for the output
 * pixels [x0, x1) × [y0, y1); odd edges average the pixels they have. */
void
pm_halve_rgba_region (const guint8 *in,
                      int           w,
                      int           h,
                      guint8       *out,
                      int           x0,
                      int           y0,
                      int           x1,
                      int           y1)
{
  int ow = (w + 1) / 2;

  for (int y = y0; y < y1; y++)
    {
      const guint8 *r0 = in + (gsize) (2 * y) * w * 4;
      const guint8 *r1 = 2 * y + 1 < h ? r0 + (gsize) w * 4 : r0;
      guint8 *o = out + ((gsize) y * ow + x0) * 4;

      for (int x = x0; x < x1; x++, o += 4)
        {
          int a = 2 * x * 4, b = 2 * x + 1 < w ? a + 4 : a;
          for (int c = 0; c < 4; c++)
            o[c] = (guint8) ((r0[a + c] + r0[b + c] + r1[a + c] + r1[b + c] + 2) / 4);
        }
    }
}

static GBytes *
halve_rgba (const guint8 *in,
            int           w,
            int           h)
{
  int ow = (w + 1) / 2, oh = (h + 1) / 2;
  guint8 *out = g_malloc ((gsize) ow * oh * 4);

  pm_halve_rgba_region (in, w, h, out, 0, 0, ow, oh);
  return g_bytes_new_take (out, (gsize) ow * oh * 4);
}

/* A level pixel is in the mask when at least half of its pixels are. */
void
pm_halve_mask_region (const guint8 *in,
                      int           w,
                      int           h,
                      guint8       *out,
                      int           x0,
                      int           y0,
                      int           x1,
                      int           y1)
{
  int ow = (w + 1) / 2;

  for (int y = y0; y < y1; y++)
    {
      const guint8 *r0 = in + (gsize) (2 * y) * w;
      const guint8 *r1 = 2 * y + 1 < h ? r0 + w : r0;

      for (int x = x0; x < x1; x++)
        {
          int a = 2 * x, b = 2 * x + 1 < w ? a + 1 : a;

          out[(gsize) y * ow + x] = r0[a] + r0[b] + r1[a] + r1[b] >= 2;
        }
    }
}

guint8 *
pm_halve_mask (const guint8 *in,
               int           w,
               int           h)
{
  int ow = (w + 1) / 2, oh = (h + 1) / 2;
  guint8 *m = g_malloc ((gsize) ow * oh);

  pm_halve_mask_region (in, w, h, m, 0, 0, ow, oh);
  return m;
}

static int
count_levels (int width,
              int height)
{
  int n = 1;

  while (n < PM_CANVAS_MAX_LEVELS && (MIN (width, height) >> n) >= MIN_SIDE)
    n++;
  return MAX (n, 2);
}

PmPyramid *
pm_pyramid_new (int width,
                int height)
{
  PmPyramid *p = g_new0 (PmPyramid, 1);

  p->width = width;
  p->height = height;
  p->n_levels = count_levels (width, height);
  return p;
}

void
pm_pyramid_free (PmPyramid *p)
{
  if (p == NULL)
    return;
  g_clear_pointer (&p->original, g_bytes_unref);
  g_clear_pointer (&p->edited, g_bytes_unref);
  g_clear_pointer (&p->mask_owner, g_bytes_unref);
  g_free (p->mask_copy);
  g_free (p->mask0);
  for (int k = 0; k < PM_CANVAS_MAX_LEVELS; k++)
    pm_level_clear (&p->levels[k]);
  g_free (p);
}

static void
build_mask0 (PmPyramid *p)
{
  gsize n = (gsize) p->width * p->height;
  double sx = 0, sy = 0, count = 0, r2 = 0;

  p->mask0 = g_malloc (n);
  p->mx0 = p->width;
  p->my0 = p->height;
  p->mx1 = p->my1 = 0;
  for (int y = 0; y < p->height; y++)
    {
      const float *in = p->mask + (gsize) y * p->width;
      guint8 *out = p->mask0 + (gsize) y * p->width;
      double row = 0, row_count = 0;

      for (int x = 0; x < p->width; x++)
        {
          out[x] = in[x] >= 0.5f;
          if (out[x])
            {
              row += x + 0.5;
              row_count++;
              p->mx0 = MIN (p->mx0, x);
              p->mx1 = MAX (p->mx1, x + 1);
            }
        }
      if (row_count > 0)
        {
          p->my0 = MIN (p->my0, y);
          p->my1 = y + 1;
        }
      sx += row;
      sy += row_count * (y + 0.5);
      count += row_count;
    }

  p->cx = count > 0 ? sx / count : p->width / 2.0;
  p->cy = count > 0 ? sy / count : p->height / 2.0;
  /* The circle must reach every corner: the soft edit may spread past the binary mask. */
  for (int i = 0; i < 4; i++)
    {
      double dx = (i & 1 ? p->width : 0) - p->cx;
      double dy = (i & 2 ? p->height : 0) - p->cy;
      r2 = MAX (r2, dx * dx + dy * dy);
    }
  p->radius = sqrt (r2);
}

/* Runs in a worker. */
void
pm_pyramid_build (PmPyramid *p)
{
  const float *mask = p->mask_copy != NULL ? p->mask_copy : p->mask;

  if (mask != NULL)
    {
      p->mask = mask;
      build_mask0 (p);
    }
  else
    {
      p->cx = p->width / 2.0;
      p->cy = p->height / 2.0;
      p->radius = hypot (p->width, p->height) / 2;
    }

  for (int k = 1; k < p->n_levels; k++)
    {
      PmLevel *l = &p->levels[k];
      PmLevel *above = &p->levels[k - 1];
      int pw = k == 1 ? p->width : above->w;
      int ph = k == 1 ? p->height : above->h;
      GBytes *po = k == 1 ? p->original : above->original;
      GBytes *pe = k == 1 ? p->edited : above->edited;
      const guint8 *pm = k == 1 ? p->mask0 : above->mask;

      l->w = (pw + 1) / 2;
      l->h = (ph + 1) / 2;
      if (po != NULL)
        l->original = halve_rgba (g_bytes_get_data (po, NULL), pw, ph);
      if (pe != NULL)
        l->edited = halve_rgba (g_bytes_get_data (pe, NULL), pw, ph);
      if (pm != NULL)
        l->mask = pm_halve_mask (pm, pw, ph);
    }
}
