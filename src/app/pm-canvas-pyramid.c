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

static guint8
to_byte (double v)
{
  return (guint8) CLAMP (lround (v * 255.0), 0, 255);
}

/* The bounding box's pixels in @color with alpha = mask. */
GdkTexture *
pm_level_mask_texture (const PmLevel *level,
                       const GdkRGBA *color)
{
  int bw = level->bx1 - level->bx0, bh = level->by1 - level->by0;
  guint8 r = to_byte (color->red), g = to_byte (color->green), b = to_byte (color->blue);
  g_autoptr(GBytes) bytes = NULL;
  guint8 *px;

  if (level->mask == NULL || bw <= 0 || bh <= 0)
    return NULL;
  px = g_malloc ((gsize) bw * bh * 4);
  for (int y = 0; y < bh; y++)
    for (int x = 0; x < bw; x++)
      {
        guint8 *o = px + ((gsize) y * bw + x) * 4;
        int lx = x + level->bx0, ly = y + level->by0;
        gboolean on = level->mask[(gsize) ly * level->w + lx];
        o[0] = r; o[1] = g; o[2] = b;
        o[3] = on ? 255 : 0;
      }
  bytes = g_bytes_new_take (px, (gsize) bw * bh * 4);
  return pm_texture_new_rgba (bytes, bw, bh);
}

void
pm_level_clear_overlay (PmLevel *level)
{
  g_clear_object (&level->fill_tex);
  g_clear_object (&level->contour_tex);
}

void
pm_level_clear_result (PmLevel *level)
{
  pm_level_clear_overlay (level);
  g_clear_pointer (&level->edited, g_bytes_unref);
  g_clear_object (&level->edited_tex);
  g_clear_pointer (&level->mask, g_free);
}

void
pm_level_clear (PmLevel *level)
{
  pm_level_clear_result (level);
  g_clear_pointer (&level->original, g_bytes_unref);
  g_clear_object (&level->original_tex);
  level->w = level->h = 0;
}

/* 2×2 box filter; odd edges average the pixels they have. */
static GBytes *
halve_rgba (const guint8 *in,
            int           w,
            int           h)
{
  int ow = (w + 1) / 2, oh = (h + 1) / 2;
  guint8 *out = g_malloc ((gsize) ow * oh * 4);

  for (int y = 0; y < oh; y++)
    {
      const guint8 *r0 = in + (gsize) (2 * y) * w * 4;
      const guint8 *r1 = 2 * y + 1 < h ? r0 + (gsize) w * 4 : r0;
      guint8 *o = out + (gsize) y * ow * 4;

      for (int x = 0; x < ow; x++, o += 4)
        {
          int x0 = 2 * x * 4, x1 = 2 * x + 1 < w ? x0 + 4 : x0;
          for (int c = 0; c < 4; c++)
            o[c] = (guint8) ((r0[x0 + c] + r0[x1 + c] + r1[x0 + c] + r1[x1 + c] + 2) / 4);
        }
    }
  return g_bytes_new_take (out, (gsize) ow * oh * 4);
}

/* A level pixel is in the mask when at least half of its pixels are. */
static guint8 *
halve_mask (const guint8 *in,
            int           w,
            int           h,
            PmLevel      *out)
{
  int ow = (w + 1) / 2, oh = (h + 1) / 2;
  guint8 *m = g_malloc ((gsize) ow * oh);

  out->bx0 = ow; out->by0 = oh; out->bx1 = out->by1 = 0;
  for (int y = 0; y < oh; y++)
    {
      const guint8 *r0 = in + (gsize) (2 * y) * w;
      const guint8 *r1 = 2 * y + 1 < h ? r0 + w : r0;

      for (int x = 0; x < ow; x++)
        {
          int x0 = 2 * x, x1 = 2 * x + 1 < w ? x0 + 1 : x0;
          gboolean on = r0[x0] + r0[x1] + r1[x0] + r1[x1] >= 2;

          m[(gsize) y * ow + x] = on;
          if (on)
            {
              out->bx0 = MIN (out->bx0, x); out->bx1 = MAX (out->bx1, x + 1);
              out->by0 = MIN (out->by0, y); out->by1 = MAX (out->by1, y + 1);
            }
        }
    }
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
        l->mask = halve_mask (pm, pw, ph, l);
    }
}
