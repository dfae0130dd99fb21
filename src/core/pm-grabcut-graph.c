/* pm-grabcut-graph.c: GrabCut's graph: β, and one graph cut of the probable pixels.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Energy terms (see pm-grabcut.c): a node's terminal capacities come from the two GMMs and
 * from its links to sure neighbours; its links to the 8 neighbours weigh
 * γ · exp (−β |c_p − c_q|²) / dist (p, q). The per-pixel work (numbering the nodes, the
 * GMM log-likelihoods, the link weights, reading the cut back) runs in parallel; the graph
 * is then filled in node (raster) order by one thread, exactly as a serial loop would, so
 * the max-flow sees the same arcs in the same order whatever the number of threads.
 */
#define G_LOG_DOMAIN "pm-grabcut"

#include "pm-grabcut-private.h"
#include "pm-maxflow-private.h"
#include "pm-parallel.h"

#include <math.h>
#include <string.h>

/* Tie-breaking bias (in energy units) towards a pixel's current label. */
#define KEEP_BIAS 1e-6

/* Nodes per parallel task of the per-node loops. */
#define NODES_PER_TASK 4096

/* Pixels of a row checked at once for a probable label by compute_beta. */
#define BETA_CHUNK 64

/* The four "forward" neighbours; together with their mirror images, the 8-neighbourhood. */
static const int fwd_dx[4] = { 1, -1, 0, 1 };
static const int fwd_dy[4] = { 0, 1, 1, 1 };
static const double fwd_dist[4] = { 1.0, G_SQRT2, 1.0, G_SQRT2 };

static inline int
color_dist2_int (const PmGrabcutPixels *px,
                 gsize                  i,
                 gsize                  j)
{
  const guint8 *a = px->rgba + 4 * i, *b = px->rgba + 4 * j;
  int d0 = a[0] - b[0], d1 = a[1] - b[1], d2 = a[2] - b[2];

  return d0 * d0 + d1 * d1 + d2 * d2;
}

static inline double
link_weight (const PmGrabcutPixels *px,
             gsize                  i,
             gsize                  j,
             double                 gamma,
             double                 beta,
             double                 dist)
{
  /* The integer distance is the double one exactly (≤ 3 · 255²). */
  return gamma * exp (-beta * (double) color_dist2_int (px, i, j)) / dist;
}

/* ---------------------------------------------------------------- β */

typedef struct {
  const PmGrabcutPixels *px;
  const guint8          *labels;
  guint64               *sum;     /* per task */
  gint64                *count;   /* per task */
} Beta;

static gboolean
any_probable (const guint8 *l,
              int           from,
              int           to)
{
  return pm_trimap_find_probable (l, from, to) < (gsize) to;
}

static void
beta_task (gint64   task,
           gpointer data)
{
  const Beta *b = data;
  int w = b->px->width, h = b->px->height;
  int y0 = (int) task * PM_GRABCUT_ROWS_PER_TASK, y1 = MIN (y0 + PM_GRABCUT_ROWS_PER_TASK, h);
  guint64 sum = 0;
  gint64 count = 0;

  for (int y = y0; y < y1; y++)
    {
      const guint8 *l0 = b->labels + (gsize) y * w, *l1 = y + 1 < h ? l0 + w : NULL;

      for (int xa = 0; xa < w; xa += BETA_CHUNK)
        {
          int xb = MIN (xa + BETA_CHUNK, w);
          int from = MAX (xa - 1, 0), to = MIN (xb + 1, w);

          /* Every pair of this chunk lies within these labels of rows y and y + 1. */
          if (!any_probable (l0, from, to) && (l1 == NULL || !any_probable (l1, from, to)))
            continue;
          for (int x = xa; x < xb; x++)
            {
              gsize i = (gsize) y * w + x;
              for (int k = 0; k < 4; k++)
                {
                  int xx = x + fwd_dx[k], yy = y + fwd_dy[k];
                  gsize j;

                  if (xx < 0 || xx >= w || yy >= h)
                    continue;
                  j = (gsize) yy * w + xx;
                  if (!pm_trimap_is_probable (b->labels[i]) && !pm_trimap_is_probable (b->labels[j]))
                    continue;
                  sum += (guint64) color_dist2_int (b->px, i, j);
                  count++;
                }
            }
        }
    }
  b->sum[task] = sum;
  b->count[task] = count;
}

/**
 * pm_grabcut_beta: (skip)
 *
 * β from the mean squared colour difference of 8-neighbour pairs with at least one
 * probable pixel (all pairs when every pixel is probable). The sum is of integers, kept
 * as one: exact, so the same whatever the split into tasks (and the same double as a
 * running double sum in raster order, which is exact below 2⁵³: 4 · 3 · 255² per pixel).
 */
double
pm_grabcut_beta (const PmGrabcutPixels *px,
                 const guint8          *labels)
{
  gint64 n_tasks = pm_parallel_row_tasks (px->height, PM_GRABCUT_ROWS_PER_TASK);
  g_autofree guint64 *sums = g_new (guint64, n_tasks);
  g_autofree gint64 *counts = g_new (gint64, n_tasks);
  Beta b = { px, labels, sums, counts };
  guint64 sum = 0;
  gint64 count = 0;

  pm_parallel_for (n_tasks, beta_task, &b);
  for (gint64 t = 0; t < n_tasks; t++)
    {
      sum += sums[t];
      count += counts[t];
    }
  if (count == 0 || sum == 0)
    return 0;   /* flat image: smoothness weight is just γ / dist */
  return 1.0 / (2.0 * (double) sum / (double) count);
}

/* ---------------------------------------------------------------- the cut */

struct _PmGrabcutCut {
  gsize      n_pixels;
  int       *node_of;       /* per pixel: its node, or −1 for a sure pixel */
  gint64     n_tasks;       /* row tasks */
  gint64    *task_first;    /* per row task: its first node */
  int        n_nodes, nodes_cap;
  gsize     *pixel;         /* per node: its pixel */
  double    *tweights;      /* per node: source, sink capacity */
  double    *links;         /* per node: weights of the 4 forward links (if nodes) */
  gsize     *changed;       /* per node task */
  PmMaxflow *graph;
};

/**
 * pm_grabcut_cut_new: (skip)
 *
 * Work space for graph cuts on images of @n_pixels pixels, kept between iterations.
 */
PmGrabcutCut *
pm_grabcut_cut_new (gsize n_pixels)
{
  PmGrabcutCut *cut = g_new0 (PmGrabcutCut, 1);

  cut->n_pixels = n_pixels;
  cut->node_of = g_new (int, MAX (n_pixels, 1));
  return cut;
}

void
pm_grabcut_cut_free (PmGrabcutCut *cut)
{
  if (cut == NULL)
    return;
  g_free (cut->node_of);
  g_free (cut->task_first);
  g_free (cut->pixel);
  g_free (cut->tweights);
  g_free (cut->links);
  g_free (cut->changed);
  g_clear_pointer (&cut->graph, pm_maxflow_free);
  g_free (cut);
}

typedef struct {
  PmGrabcutCut          *cut;
  const PmGrabcutPixels *px;
  guint8                *labels;
  const PmGmm           *fg, *bg;
  double                 gamma, beta;
} Step;

static void
count_task (gint64   task,
            gpointer data)
{
  const Step *s = data;
  int w = s->px->width, h = s->px->height;
  int y0 = (int) task * PM_GRABCUT_ROWS_PER_TASK, y1 = MIN (y0 + PM_GRABCUT_ROWS_PER_TASK, h);
  const guint8 *l = s->labels;
  gsize i = (gsize) y0 * w, end = (gsize) y1 * w;
  gint64 n = 0;

  for (; i + 8 <= end; i += 8)
    {
      /* One bit per probable label, in the low bit of each byte; the multiply adds the
       * eight bytes into the top one. */
      guint64 bits = (pm_trimap_load8 (l + i) & PM_TRIMAP_PROBABLE_BITS) >> 1;
      n += (gint64) ((bits * G_GUINT64_CONSTANT (0x0101010101010101)) >> 56);
    }
  for (; i < end; i++)
    n += pm_trimap_is_probable (l[i]);
  s->cut->task_first[task] = n;
}

static void
number_task (gint64   task,
             gpointer data)
{
  const Step *s = data;
  PmGrabcutCut *cut = s->cut;
  int w = s->px->width, h = s->px->height;
  int y0 = (int) task * PM_GRABCUT_ROWS_PER_TASK, y1 = MIN (y0 + PM_GRABCUT_ROWS_PER_TASK, h);
  int node = (int) cut->task_first[task];
  gsize i = (gsize) y0 * w, end = (gsize) y1 * w;

  while (i < end)
    {
      gsize j = pm_trimap_find_probable (s->labels, i, end);

      /* A run of sure pixels: −1 is all bits set. */
      memset (cut->node_of + i, 0xff, (j - i) * sizeof (int));
      for (i = j; i < end && pm_trimap_is_probable (s->labels[i]); i++)
        {
          cut->pixel[node] = i;
          cut->node_of[i] = node++;
        }
    }
}

/* Numbers the probable pixels in raster order. */
static void
number_nodes (const Step *s)
{
  PmGrabcutCut *cut = s->cut;
  gint64 n_tasks = pm_parallel_row_tasks (s->px->height, PM_GRABCUT_ROWS_PER_TASK), total = 0;

  if (cut->n_tasks != n_tasks)
    {
      cut->n_tasks = n_tasks;
      cut->task_first = g_renew (gint64, cut->task_first, n_tasks);
    }
  pm_parallel_for (n_tasks, count_task, (gpointer) s);
  for (gint64 t = 0; t < n_tasks; t++)
    {
      gint64 n = cut->task_first[t];
      cut->task_first[t] = total;
      total += n;
    }
  g_assert (total <= G_MAXINT);
  cut->n_nodes = (int) total;
  if (cut->n_nodes > cut->nodes_cap)
    {
      cut->nodes_cap = cut->n_nodes;
      g_free (cut->pixel);
      g_free (cut->tweights);
      g_free (cut->links);
      cut->pixel = g_new (gsize, cut->nodes_cap);
      cut->tweights = g_new (double, (gsize) 2 * cut->nodes_cap);
      cut->links = g_new (double, (gsize) 4 * cut->nodes_cap);
    }
  pm_parallel_for (n_tasks, number_task, (gpointer) s);
}

static void
terms_task (gint64   task,
            gpointer data)
{
  const Step *s = data;
  PmGrabcutCut *cut = s->cut;
  const PmGrabcutPixels *px = s->px;
  int w = px->width, h = px->height;
  int v0 = (int) task * NODES_PER_TASK, v1 = MIN (v0 + NODES_PER_TASK, cut->n_nodes);

  for (int v = v0; v < v1; v++)
    {
      gsize i = cut->pixel[v];
      int x = (int) (i % w), y = (int) (i / w);
      const guint8 *p = px->rgba + 4 * i;
      float c[3] = { p[0], p[1], p[2] };
      double d_fg, d_bg, src, snk, m;

      d_fg = -pm_gmm_log_likelihood (s->fg, c);
      d_bg = -pm_gmm_log_likelihood (s->bg, c);
      if (s->labels[i] == PM_TRIMAP_PROBABLY_FG)
        d_fg -= KEEP_BIAS;
      else
        d_bg -= KEEP_BIAS;
      /* Only the difference matters; keep both capacities ≥ 0 and small. */
      m = MIN (d_fg, d_bg);
      src = d_bg - m;
      snk = d_fg - m;

      /* Links to sure neighbours (all 8 directions) become terminal capacity. */
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
          {
            int xx = x + dx, yy = y + dy;
            gsize j;
            double wgt;

            if ((dx == 0 && dy == 0) || xx < 0 || yy < 0 || xx >= w || yy >= h)
              continue;
            j = (gsize) yy * w + xx;
            if (cut->node_of[j] >= 0)
              continue;
            wgt = link_weight (px, i, j, s->gamma, s->beta, dx != 0 && dy != 0 ? G_SQRT2 : 1.0);
            if (pm_trimap_is_fg (s->labels[j]))
              src += wgt;
            else
              snk += wgt;
          }
      cut->tweights[2 * (gsize) v] = src;
      cut->tweights[2 * (gsize) v + 1] = snk;

      for (int k = 0; k < 4; k++)
        {
          int xx = x + fwd_dx[k], yy = y + fwd_dy[k];
          gsize j;

          cut->links[4 * (gsize) v + k] = 0;
          if (xx < 0 || xx >= w || yy >= h)
            continue;
          j = (gsize) yy * w + xx;
          if (cut->node_of[j] >= 0)
            cut->links[4 * (gsize) v + k] = link_weight (px, i, j, s->gamma, s->beta, fwd_dist[k]);
        }
    }
}

static void
relabel_task (gint64   task,
              gpointer data)
{
  const Step *s = data;
  PmGrabcutCut *cut = s->cut;
  int v0 = (int) task * NODES_PER_TASK, v1 = MIN (v0 + NODES_PER_TASK, cut->n_nodes);
  gsize changed = 0;

  for (int v = v0; v < v1; v++)
    {
      gsize i = cut->pixel[v];
      guint8 l = pm_maxflow_is_source_side (cut->graph, v) ? PM_TRIMAP_PROBABLY_FG
                                                           : PM_TRIMAP_PROBABLY_BG;
      changed += l != s->labels[i];
      s->labels[i] = l;
    }
  cut->changed[task] = changed;
}

/* Fills the graph in node order: a node's terminal links, then its forward links. */
static void
fill_graph (PmGrabcutCut          *cut,
            const PmGrabcutPixels *px)
{
  int w = px->width, h = px->height;

  if (cut->graph != NULL && pm_maxflow_get_n_nodes (cut->graph) == cut->n_nodes)
    pm_maxflow_reset (cut->graph);
  else
    {
      g_clear_pointer (&cut->graph, pm_maxflow_free);
      cut->graph = pm_maxflow_new (cut->n_nodes, (gsize) cut->n_nodes * 4);
    }
  for (int v = 0; v < cut->n_nodes; v++)
    {
      gsize i = cut->pixel[v];
      int x = (int) (i % w), y = (int) (i / w);

      pm_maxflow_add_tweights (cut->graph, v, cut->tweights[2 * (gsize) v],
                               cut->tweights[2 * (gsize) v + 1]);
      for (int k = 0; k < 4; k++)
        {
          int xx = x + fwd_dx[k], yy = y + fwd_dy[k], u;
          double wgt = cut->links[4 * (gsize) v + k];

          if (xx < 0 || xx >= w || yy >= h)
            continue;
          u = cut->node_of[(gsize) yy * w + xx];
          if (u >= 0)
            pm_maxflow_add_edge (cut->graph, v, u, wgt, wgt);
        }
    }
}

/**
 * pm_grabcut_cut_step: (skip)
 *
 * One graph cut: relabels the probable pixels of @labels as PROBABLY_FG/BG.
 *
 * Returns: the number of pixels that changed label
 */
gsize
pm_grabcut_cut_step (PmGrabcutCut          *cut,
                     const PmGrabcutPixels *px,
                     guint8                *labels,
                     const PmGmm           *fg,
                     const PmGmm           *bg,
                     double                 gamma,
                     double                 beta)
{
  Step s = { cut, px, labels, fg, bg, gamma, beta };
  gint64 n_tasks;
  gsize changed = 0;

  g_assert ((gsize) px->width * px->height == cut->n_pixels);
  number_nodes (&s);
  if (cut->n_nodes == 0)
    return 0;
  n_tasks = (cut->n_nodes + NODES_PER_TASK - 1) / NODES_PER_TASK;
  pm_parallel_for (n_tasks, terms_task, &s);
  fill_graph (cut, px);
  pm_maxflow_run (cut->graph);

  cut->changed = g_renew (gsize, cut->changed, n_tasks);
  pm_parallel_for (n_tasks, relabel_task, &s);
  for (gint64 t = 0; t < n_tasks; t++)
    changed += cut->changed[t];
  return changed;
}
