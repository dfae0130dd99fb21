/* pm-derive-label.c: connected components of a byte plane, by runs; 3×3 morphology.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Mask derivation labels whole planes several times (hysteresis, small components, holes);
 * pm_components_label() works pixel by pixel on a float mask. Here each row is cut into
 * runs of the wanted value, a run joins (union-find) every run of the row above that
 * touches it, 8-connected, and the pixels are labelled run by run. The partition is the
 * same as pm_components_label()'s (tests/core/test-components compares them), so is
 * everything derivation computes from it.
 */
#define G_LOG_DOMAIN "pm-derive"

#include "pm-derive-private.h"
#include "pm-parallel.h"

#include <string.h>


static int
find_root (int *parent,
           int  a)
{
  while (parent[a] != a)
    {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
  return a;
}

static void
unite (int *parent,
       int  a,
       int  b)
{
  a = find_root (parent, a);
  b = find_root (parent, b);
  if (a < b)
    parent[b] = a;
  else if (b < a)
    parent[a] = b;
}

/**
 * pm_derive_runs: (skip)
 * @bin: @width × @height bytes
 * @width: width
 * @height: height
 * @value: the byte value whose pixels are labelled
 *
 * 8-connected components of the pixels equal to @value, as runs: every run of such
 * pixels in a row, in raster order, with its component (numbered in raster order of
 * their first pixel; each with its area and bounding box, cx, cy and score 0).
 *
 * Returns: (transfer full): the runs; pm_derive_runs_free() them
 */
PmDeriveRuns *
pm_derive_runs (const guint8 *bin,
                int           width,
                int           height,
                guint8        value)
{
  GArray *runs = g_array_new (FALSE, FALSE, sizeof (PmDeriveRun));
  int *row_start = g_new (int, height + 1);
  int *parent;
  PmDeriveRuns *out = g_new0 (PmDeriveRuns, 1);
  int n = 0;

  for (int y = 0; y < height; y++)
    {
      const guint8 *r = bin + (gsize) y * width;

      row_start[y] = (int) runs->len;
      for (int x = 0; x < width;)
        {
          PmDeriveRun run;

          if (r[x] != value)
            {
              const guint8 *p = memchr (r + x, value, width - x);
              if (p == NULL)
                break;
              x = (int) (p - r);
            }
          run.x0 = x;
          while (x < width && r[x] == value)
            x++;
          run.x1 = x - 1;
          run.y = y;
          g_array_append_val (runs, run);
        }
    }
  row_start[height] = (int) runs->len;

  parent = g_new (int, MAX (runs->len, 1));
  for (guint k = 0; k < runs->len; k++)
    parent[k] = (int) k;
  for (int y = 1; y < height; y++)
    {
      int a = row_start[y - 1], a_end = row_start[y];

      for (int k = row_start[y]; k < row_start[y + 1]; k++)
        {
          const PmDeriveRun *cur = &g_array_index (runs, PmDeriveRun, k);

          /* runs above that end left of this one's reach are done for it and the rest */
          while (a < a_end && g_array_index (runs, PmDeriveRun, a).x1 < cur->x0 - 1)
            a++;
          for (int j = a; j < a_end; j++)
            {
              const PmDeriveRun *up = &g_array_index (runs, PmDeriveRun, j);
              if (up->x0 > cur->x1 + 1)
                break;
              unite (parent, k, j);
            }
        }
    }

  /* Number the components in raster order of their first run (a root is its first). */
  out->n_runs = (int) runs->len;
  out->label = g_new (int, MAX (runs->len, 1));
  for (guint k = 0; k < runs->len; k++)
    {
      int root = find_root (parent, (int) k);
      out->label[k] = root == (int) k ? ++n : out->label[root];
    }
  out->n = n;
  out->components = g_new0 (PmComponent, MAX (n, 1));
  for (int c = 0; c < n; c++)
    {
      out->components[c].label = c + 1;
      out->components[c].x0 = width;
      out->components[c].y0 = height;
      out->components[c].x1 = -1;
      out->components[c].y1 = -1;
    }
  for (guint k = 0; k < runs->len; k++)
    {
      const PmDeriveRun *run = &g_array_index (runs, PmDeriveRun, k);
      PmComponent *c = &out->components[out->label[k] - 1];

      c->area += run->x1 - run->x0 + 1;
      c->x0 = MIN (c->x0, run->x0);
      c->x1 = MAX (c->x1, run->x1);
      c->y0 = MIN (c->y0, run->y);
      c->y1 = MAX (c->y1, run->y);
    }
  out->runs = (PmDeriveRun *) (gpointer) g_array_free (runs, FALSE);
  g_free (parent);
  g_free (row_start);
  return out;
}

void
pm_derive_runs_free (PmDeriveRuns *runs)
{
  if (runs == NULL)
    return;
  g_free (runs->runs);
  g_free (runs->label);
  g_free (runs->components);
  g_free (runs);
}

/**
 * pm_derive_label_bytes:
 * @bin: @width × @height bytes
 * @width: width
 * @height: height
 * @value: the byte value whose pixels are labelled
 *
 * 8-connected components of the pixels equal to @value, numbered in raster order of
 * their first pixel (pm_derive_runs() written out as a label plane). Each component has
 * its label, area and bounding box (cx, cy and score are 0).
 *
 * Returns: (transfer full): the components; pm_components_free() it
 */
PmComponents *
pm_derive_label_bytes (const guint8 *bin,
                       int           width,
                       int           height,
                       guint8        value)
{
  PmDeriveRuns *r = pm_derive_runs (bin, width, height, value);
  PmComponents *comps = g_new0 (PmComponents, 1);

  comps->width = width;
  comps->height = height;
  comps->n = r->n;
  comps->components = g_steal_pointer (&r->components);
  comps->labels = g_new0 (int, MAX ((gsize) width * height, 1));
  for (int k = 0; k < r->n_runs; k++)
    {
      const PmDeriveRun *run = &r->runs[k];
      int *out = comps->labels + (gsize) run->y * width;

      for (int x = run->x0; x <= run->x1; x++)
        out[x] = r->label[k];
    }
  pm_derive_runs_free (r);
  return comps;
}

/* ---- 3×3 morphology on bytes ------------------------------------------------------- */

typedef struct {
  guint8   *bin;
  guint8   *tmp;
  int       width, height;
  gboolean  dilate;
} Morph;

#define MORPH_ROWS 64

typedef guint8 PmV16u8 __attribute__ ((vector_size (16)));

static inline PmV16u8
v16_load (const guint8 *p)
{
  PmV16u8 v;
  memcpy (&v, p, sizeof v);
  return v;
}

/* Lane by lane MAX (MAX (a, b), c) or MIN (MIN (a, b), c). */
static inline PmV16u8
v16_pick3 (PmV16u8  a,
           PmV16u8  b,
           PmV16u8  c,
           gboolean dilate)
{
  PmV16u8 m;

  m = (PmV16u8) (dilate ? a > b : a < b);
  a = (a & m) | (b & ~m);
  m = (PmV16u8) (dilate ? a > c : a < c);
  return (a & m) | (c & ~m);
}

static void
morph3_rows (gint64   task,
             gpointer data)
{
  const Morph *m = data;
  int y0 = (int) task * MORPH_ROWS, y1 = MIN (y0 + MORPH_ROWS, m->height), width = m->width;

  for (int y = y0; y < y1; y++)
    {
      const guint8 *r = m->bin + (gsize) y * width;
      guint8 *o = m->tmp + (gsize) y * width;
      int x = 0;

      for (; x < width; x++)
        {
          guint8 a = r[MAX (x - 1, 0)], b = r[x], c = r[MIN (x + 1, width - 1)];
          o[x] = m->dilate ? MAX (MAX (a, b), c) : MIN (MIN (a, b), c);
          if (x >= 1 && x + 17 <= width)
            break;   /* from here 16 at a time, clear of the edges */
        }
      for (x++; x + 17 <= width; x += 16)
        {
          PmV16u8 v = v16_pick3 (v16_load (r + x - 1), v16_load (r + x), v16_load (r + x + 1),
                                 m->dilate);
          memcpy (o + x, &v, sizeof v);
        }
      for (; x < width; x++)
        {
          guint8 a = r[MAX (x - 1, 0)], b = r[x], c = r[MIN (x + 1, width - 1)];
          o[x] = m->dilate ? MAX (MAX (a, b), c) : MIN (MIN (a, b), c);
        }
    }
}

static void
morph3_columns (gint64   task,
                gpointer data)
{
  const Morph *m = data;
  int y0 = (int) task * MORPH_ROWS, y1 = MIN (y0 + MORPH_ROWS, m->height), width = m->width;

  for (int y = y0; y < y1; y++)
    {
      const guint8 *a = m->tmp + (gsize) MAX (y - 1, 0) * width;
      const guint8 *b = m->tmp + (gsize) y * width;
      const guint8 *c = m->tmp + (gsize) MIN (y + 1, m->height - 1) * width;
      guint8 *o = m->bin + (gsize) y * width;
      int x = 0;

      for (; x + 16 <= width; x += 16)
        {
          PmV16u8 v = v16_pick3 (v16_load (a + x), v16_load (b + x), v16_load (c + x),
                                 m->dilate);
          memcpy (o + x, &v, sizeof v);
        }
      for (; x < width; x++)
        o[x] = m->dilate ? MAX (MAX (a[x], b[x]), c[x]) : MIN (MIN (a[x], b[x]), c[x]);
    }
}

/* 3×3 min (erode) or max (dilate), once; separable, row bands in parallel. Outside the
 * image counts as the nearest edge pixel. */
void
pm_derive_morph3 (guint8   *bin,
                  int       width,
                  int       height,
                  gboolean  dilate)
{
  Morph m = { bin, g_new (guint8, (gsize) width * height), width, height, dilate };
  gint64 tasks = pm_parallel_row_tasks (height, MORPH_ROWS);

  pm_parallel_for (tasks, morph3_rows, &m);
  pm_parallel_for (tasks, morph3_columns, &m);
  g_free (m.tmp);
}
