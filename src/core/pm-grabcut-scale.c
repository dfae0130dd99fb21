/* pm-grabcut-scale.c: GrabCut's working copy of a big image (area-averaged colours and
 * trimap) and the way back to full resolution (labels with a probable band at the edge).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * All three run over output rows in parallel. Blocks are summed as integers (exact, so
 * the order of the additions does not matter): first down the block's source rows into
 * per-column sums, then across the block's columns.
 */
#define G_LOG_DOMAIN "pm-grabcut"

#include "pm-grabcut-private.h"
#include "pm-parallel.h"

#include <math.h>
#include <string.h>

/* Output rows per task of the downscales. */
#define SMALL_ROWS_PER_TASK 4

/* 16 bytes, and 16 of them widened: GCC vector extensions, which it turns into SIMD code
 * (it does not vectorise the plain loops at -O2). Integer adds: the same sums. */
typedef guint8 V16u8 __attribute__ ((vector_size (16)));
typedef guint32 V16u32 __attribute__ ((vector_size (64)));

/* sum[k] += row[k] for k < n. */
static inline void
add_row_u8 (guint32      *sum,
            const guint8 *row,
            gsize         n)
{
  gsize k = 0;

  for (; k + 16 <= n; k += 16)
    {
      V16u8 b;
      V16u32 s;

      memcpy (&b, row + k, sizeof b);
      memcpy (&s, sum + k, sizeof s);
      s += __builtin_convertvector (b, V16u32);
      memcpy (sum + k, &s, sizeof s);
    }
  for (; k < n; k++)
    sum[k] += row[k];
}

static inline int
block_start (int i,
             int size,
             int scaled)
{
  return (int) ((gint64) i * size / scaled);
}

/* ---------------------------------------------------------------- colours */

typedef struct {
  const PmImage *image;
  int            sw, sh;
  guint8        *out;
} DownRgba;

static void
downscale_rgba_task (gint64   task,
                     gpointer data)
{
  const DownRgba *d = data;
  int w = d->image->width, h = d->image->height;
  int sy0 = (int) task * SMALL_ROWS_PER_TASK, sy1 = MIN (sy0 + SMALL_ROWS_PER_TASK, d->sh);
  g_autofree guint32 *colsum = g_new (guint32, (gsize) w * 4);

  for (int sy = sy0; sy < sy1; sy++)
    {
      int y0 = block_start (sy, h, d->sh), y1 = block_start (sy + 1, h, d->sh);

      /* A column sum is at most (y1 − y0) · 255: fits while a block is < 16 M rows. */
      memset (colsum, 0, (gsize) w * 4 * sizeof (guint32));
      for (int y = y0; y < y1; y++)
        add_row_u8 (colsum, d->image->data + (gsize) y * w * 4, (gsize) w * 4);
      for (int sx = 0; sx < d->sw; sx++)
        {
          int x0 = block_start (sx, w, d->sw), x1 = block_start (sx + 1, w, d->sw);
          guint64 acc[4] = { 0 };
          double cnt = (double) (x1 - x0) * (y1 - y0);
          guint8 *o = d->out + ((gsize) sy * d->sw + sx) * 4;

          for (int x = x0; x < x1; x++)
            for (int c = 0; c < 4; c++)
              acc[c] += colsum[(gsize) x * 4 + c];
          /* The sum is an integer < 2⁵³, so the double is the exact sum. */
          for (int c = 0; c < 4; c++)
            o[c] = (guint8) CLAMP ((double) acc[c] / cnt + 0.5, 0, 255);
        }
    }
}

/**
 * pm_grabcut_downscale_rgba: (skip)
 */
guint8 *
pm_grabcut_downscale_rgba (const PmImage *image,
                           int            sw,
                           int            sh)
{
  DownRgba d = { image, sw, sh, g_new (guint8, (gsize) sw * sh * 4) };

  g_assert (sw <= image->width && sh <= image->height);
  pm_parallel_for (pm_parallel_row_tasks (sh, SMALL_ROWS_PER_TASK), downscale_rgba_task, &d);
  return d.out;
}

/* ---------------------------------------------------------------- trimap */

typedef struct {
  const guint8 *trimap;
  int           w, h, sw, sh;
  guint8       *out;
} DownTrimap;

/* Labels are 0‥3: bit 1 is "probable", bit 0 "foreground". Writes one byte (0 or 1) per
 * label and question in three rows of @w: sure, sure foreground, probably foreground. */
static void
split_labels (guint8       *bits,
              const guint8 *row,
              int           w)
{
  int x = 0;

  for (; x + 16 <= w; x += 16)
    {
      V16u8 r, sure, fg, pfg;

      memcpy (&r, row + x, sizeof r);
      sure = (~r >> 1) & 1;
      fg = sure & r;
      pfg = (r >> 1) & r & 1;
      memcpy (bits + x, &sure, sizeof sure);
      memcpy (bits + w + x, &fg, sizeof fg);
      memcpy (bits + 2 * w + x, &pfg, sizeof pfg);
    }
  for (; x < w; x++)
    {
      guint8 sure = (guint8) (~row[x] >> 1) & 1;

      bits[x] = sure;
      bits[w + x] = sure & row[x];
      bits[2 * w + x] = (guint8) (row[x] >> 1) & row[x] & 1;
    }
}

static void
downscale_trimap_task (gint64   task,
                       gpointer data)
{
  const DownTrimap *d = data;
  int w = d->w;
  int sy0 = (int) task * SMALL_ROWS_PER_TASK, sy1 = MIN (sy0 + SMALL_ROWS_PER_TASK, d->sh);
  /* per column, down the block's rows: sure labels, sure foreground, probably foreground */
  g_autofree guint32 *count = g_new (guint32, (gsize) w * 3);
  g_autofree guint8 *bits = g_new (guint8, (gsize) w * 3);

  for (int sy = sy0; sy < sy1; sy++)
    {
      int y0 = block_start (sy, d->h, d->sh), y1 = block_start (sy + 1, d->h, d->sh);

      memset (count, 0, (gsize) w * 3 * sizeof (guint32));
      for (int y = y0; y < y1; y++)
        {
          const guint8 *row = d->trimap + (gsize) y * w;

          split_labels (bits, row, w);
          add_row_u8 (count, bits, (gsize) w * 3);
        }
      for (int sx = 0; sx < d->sw; sx++)
        {
          int x0 = block_start (sx, w, d->sw), x1 = block_start (sx + 1, w, d->sw);
          guint64 cnt[4] = { 0 };
          guint8 l;

          guint64 sure = 0, total = (guint64) (x1 - x0) * (y1 - y0);

          for (int x = x0; x < x1; x++)
            {
              sure += count[x];
              cnt[PM_TRIMAP_FG] += count[w + x];
              cnt[PM_TRIMAP_PROBABLY_FG] += count[2 * w + x];
            }
          cnt[PM_TRIMAP_BG] = sure - cnt[PM_TRIMAP_FG];
          cnt[PM_TRIMAP_PROBABLY_BG] = total - sure - cnt[PM_TRIMAP_PROBABLY_FG];
          if (cnt[PM_TRIMAP_FG] > 0 || cnt[PM_TRIMAP_BG] > 0)
            l = cnt[PM_TRIMAP_FG] >= cnt[PM_TRIMAP_BG] ? PM_TRIMAP_FG : PM_TRIMAP_BG;
          else
            l = cnt[PM_TRIMAP_PROBABLY_FG] >= cnt[PM_TRIMAP_PROBABLY_BG]
                ? PM_TRIMAP_PROBABLY_FG : PM_TRIMAP_PROBABLY_BG;
          d->out[(gsize) sy * d->sw + sx] = l;
        }
    }
}

/**
 * pm_grabcut_downscale_trimap: (skip)
 *
 * Scribbles are thin and must survive, hence sure labels win over probable ones.
 */
guint8 *
pm_grabcut_downscale_trimap (const guint8 *trimap,
                             int           w,
                             int           h,
                             int           sw,
                             int           sh)
{
  DownTrimap d = { trimap, w, h, sw, sh, g_new (guint8, (gsize) sw * sh) };

  g_assert (sw <= w && sh <= h);
  pm_parallel_for (pm_parallel_row_tasks (sh, SMALL_ROWS_PER_TASK), downscale_trimap_task, &d);
  return d.out;
}

/* ---------------------------------------------------------------- labels */

typedef struct {
  const guint8 *small;
  int           sw, sh;
  const guint8 *trimap;
  int           w, h;
  guint8       *edge;     /* sw × sh: a small pixel next to the other side */
  /* per full-resolution column: bilinear taps, weight and the small column it lies in */
  int          *u0, *u1, *sx;
  double       *fu;
  guint8       *out;
} UpLabels;

static void
edge_task (gint64   task,
           gpointer data)
{
  const UpLabels *d = data;
  int sw = d->sw, sh = d->sh;
  int y0 = (int) task * SMALL_ROWS_PER_TASK, y1 = MIN (y0 + SMALL_ROWS_PER_TASK, sh);

  for (int y = y0; y < y1; y++)
    for (int x = 0; x < sw; x++)
      {
        gboolean fg = pm_trimap_is_fg (d->small[(gsize) y * sw + x]);
        guint8 e = 0;

        for (int dy = -1; dy <= 1; dy++)
          for (int dx = -1; dx <= 1; dx++)
            {
              int xx = CLAMP (x + dx, 0, sw - 1), yy = CLAMP (y + dy, 0, sh - 1);
              if (pm_trimap_is_fg (d->small[(gsize) yy * sw + xx]) != fg)
                e = 1;
            }
        d->edge[(gsize) y * sw + x] = e;
      }
}

static void
upscale_task (gint64   task,
              gpointer data)
{
  const UpLabels *d = data;
  int sw = d->sw, sh = d->sh, w = d->w, h = d->h;
  int y0 = (int) task * PM_GRABCUT_ROWS_PER_TASK, y1 = MIN (y0 + PM_GRABCUT_ROWS_PER_TASK, h);

  for (int y = y0; y < y1; y++)
    {
      double v = (y + 0.5) * sh / h - 0.5;
      int v0 = (int) floor (v), v1;
      double fv = v - v0;
      int sy = CLAMP ((int) ((gint64) y * sh / h), 0, sh - 1);
      const guint8 *s0, *s1, *edge_row = d->edge + (gsize) sy * sw;
      const guint8 *t = d->trimap + (gsize) y * w;
      guint8 *o = d->out + (gsize) y * w;

      v1 = CLAMP (v0 + 1, 0, sh - 1);
      v0 = CLAMP (v0, 0, sh - 1);
      s0 = d->small + (gsize) v0 * sw;
      s1 = d->small + (gsize) v1 * sw;
      for (int x = 0; x < w; x++)
        {
          int u0, u1, a, b, c, e;
          gboolean fg;

          if (!pm_trimap_is_probable (t[x]))
            {
              /* The caller's sure labels are kept: copy the whole run. */
              int run_end = (int) pm_trimap_find_probable (t, x, w);

              memcpy (o + x, t + x, run_end - x);
              x = run_end - 1;
              continue;
            }
          u0 = d->u0[x];
          u1 = d->u1[x];
          a = pm_trimap_is_fg (s0[u0]);
          b = pm_trimap_is_fg (s0[u1]);
          c = pm_trimap_is_fg (s1[u0]);
          e = pm_trimap_is_fg (s1[u1]);
          if (a + b + c + e == 0)
            fg = FALSE;   /* the interpolation below is exactly 0 */
          else if (a + b + c + e == 4)
            fg = TRUE;    /* within an ulp of 1 */
          else
            {
              double fu = d->fu[x];
              double val = (1 - fv) * ((1 - fu) * a + fu * b) + fv * ((1 - fu) * c + fu * e);
              fg = val >= 0.5;
            }
          if (edge_row[d->sx[x]])
            o[x] = fg ? PM_TRIMAP_PROBABLY_FG : PM_TRIMAP_PROBABLY_BG;
          else
            o[x] = fg ? PM_TRIMAP_FG : PM_TRIMAP_BG;
        }
    }
}

/**
 * pm_grabcut_upscale_labels: (skip)
 *
 * Bilinear upsampling of the small binary mask decides the side; pixels within about
 * 1.5 small pixels of the small boundary become probable (to be relabelled), the rest
 * sure. The caller's sure labels are kept.
 */
guint8 *
pm_grabcut_upscale_labels (const guint8 *small,
                           int           sw,
                           int           sh,
                           const guint8 *trimap,
                           int           w,
                           int           h)
{
  g_autofree guint8 *edge = g_new (guint8, (gsize) sw * sh);
  g_autofree int *u0 = g_new (int, w);
  g_autofree int *u1 = g_new (int, w);
  g_autofree int *sx = g_new (int, w);
  g_autofree double *fu = g_new (double, w);
  UpLabels d = { small, sw, sh, trimap, w, h, edge, u0, u1, sx, fu, g_new (guint8, (gsize) w * h) };

  for (int x = 0; x < w; x++)
    {
      double u = (x + 0.5) * sw / w - 0.5;
      int f = (int) floor (u);

      fu[x] = u - f;
      u1[x] = CLAMP (f + 1, 0, sw - 1);
      u0[x] = CLAMP (f, 0, sw - 1);
      sx[x] = CLAMP ((int) ((gint64) x * sw / w), 0, sw - 1);
    }
  pm_parallel_for (pm_parallel_row_tasks (sh, SMALL_ROWS_PER_TASK), edge_task, &d);
  pm_parallel_for (pm_parallel_row_tasks (h, PM_GRABCUT_ROWS_PER_TASK), upscale_task, &d);
  return d.out;
}
