/* pm-grabcut.c: GrabCut (Rother, Kolmogorov & Blake, SIGGRAPH 2004): two colour GMMs and
 * an 8-neighbour graph cut, iterated; box or trimap initialised.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Energy: E(α) = Σ_p D_α(p) + Σ_{p~q} [α_p ≠ α_q] · γ · exp(−β |c_p − c_q|²) / dist(p, q),
 * with D_fg(p) = −log p(c_p | FG GMM), D_bg likewise, β = 1 / (2 · mean |c_p − c_q|²) over
 * all 8-neighbour pairs, colours in 0..255 RGB. The source is the foreground: a pixel's
 * source link carries D_bg (paid when it ends up background), its sink link D_fg. Only the
 * "probably" pixels become graph nodes; a link to a sure neighbour is folded into the
 * node's terminal capacity, so sure pixels act as infinite-capacity terminal links.
 *
 * Big images are processed on an area-averaged copy (max_side); the result is upscaled and
 * a last graph cut at full resolution relabels a band around the boundary with the learned
 * models, so edges follow the full-resolution image (pm-grabcut-scale.c).
 *
 * The per-pixel work runs in row bands over threads (pm-parallel.h): the copies, the GMM
 * densities, β and the graph's terms (pm-grabcut-graph.c); the model sums and the max-flow
 * stay serial, in raster order, so the result does not depend on the number of threads.
 */
#define G_LOG_DOMAIN "pm-grabcut"

#include "pm-grabcut-private.h"
#include "pm-parallel.h"

#include <math.h>
#include <string.h>

static inline void
pixel_color (const PmGrabcutPixels *px,
             gsize                  i,
             float                  c[3])
{
  const guint8 *p = px->rgba + 4 * i;

  c[0] = p[0];
  c[1] = p[1];
  c[2] = p[2];
}

/**
 * pm_grabcut_params_init:
 * @params: parameters to fill with the defaults (4 iterations, 5 components, γ = 50,
 *   max_side 640, no progress callback)
 */
void
pm_grabcut_params_init (PmGrabcutParams *params)
{
  g_return_if_fail (params != NULL);
  memset (params, 0, sizeof *params);
  params->iterations = 4;
  params->n_components = 5;
  params->gamma = 50.0f;
  params->max_side = 640;
}

static void
report (const PmGrabcutParams *params,
        const char            *stage,
        double                 fraction)
{
  if (params->progress != NULL)
    params->progress (stage, fraction, params->progress_data);
}

/* ---------------------------------------------------------------- models */

/* Adds the image border to @bg when no pixel is labelled background (a box covering the
 * whole image): the border is the best guess of what the background looks like. */
static gboolean
has_label (const guint8 *labels,
           gsize         n,
           gboolean      fg)
{
  for (gsize i = 0; i < n; i++)
    if (pm_trimap_is_fg (labels[i]) == fg)
      return TRUE;
  return FALSE;
}

static gboolean
is_border (const PmGrabcutPixels *px,
           gsize                  i)
{
  int x = (int) (i % px->width), y = (int) (i / px->width);

  return x == 0 || y == 0 || x == px->width - 1 || y == px->height - 1;
}

static void
init_models (const PmGrabcutPixels *px,
             const guint8          *labels,
             PmGmm                 *fg,
             PmGmm                 *bg,
             int                    n_components)
{
  gsize n = (gsize) px->width * px->height, nf = 0, nb = 0;
  gboolean bg_from_border = !has_label (labels, n, FALSE);
  g_autofree float *fs = g_new (float, 3 * n);
  g_autofree float *bs = g_new (float, 3 * (n + 2 * (px->width + px->height)));
  g_autofree int *tmp = g_new (int, n + 2 * (px->width + px->height));

  for (gsize i = 0; i < n; i++)
    {
      if (pm_trimap_is_fg (labels[i]))
        pixel_color (px, i, fs + 3 * nf++);
      else
        pixel_color (px, i, bs + 3 * nb++);
      if (bg_from_border && is_border (px, i))
        pixel_color (px, i, bs + 3 * nb++);
    }
  pm_gmm_init (fg, n_components);
  pm_gmm_init (bg, n_components);
  pm_gmm_init_clusters (fg, fs, nf, tmp);
  pm_gmm_init_clusters (bg, bs, nb, tmp);
}

/* A row band's statistics per model (0 background, 1 foreground) and component. */
typedef struct {
  PmGmmIntStats st[2][PM_GMM_MAX_COMPONENTS];
} BandStats;

typedef struct {
  const PmGrabcutPixels *px;
  const guint8          *labels;
  const PmGmm           *gmm[2];   /* background, foreground */
  gboolean               bg_from_border;
  BandStats             *bands;
} Learn;

static void
learn_task (gint64   task,
            gpointer data)
{
  const Learn *l = data;
  int w = l->px->width, h = l->px->height;
  int y0 = (int) task * PM_GRABCUT_ROWS_PER_TASK, y1 = MIN (y0 + PM_GRABCUT_ROWS_PER_TASK, h);
  BandStats *b = &l->bands[task];

  memset (b, 0, sizeof *b);
  for (int y = y0; y < y1; y++)
    for (int x = 0; x < w; x++)
      {
        gsize i = (gsize) y * w + x;
        const guint8 *rgb = l->px->rgba + 4 * i;
        int model = pm_trimap_is_fg (l->labels[i]);
        float c[3];

        pixel_color (l->px, i, c);
        pm_gmm_int_stats_add (&b->st[model][pm_gmm_best_component (l->gmm[model], c)], rgb);
        if (l->bg_from_border && (x == 0 || y == 0 || x == w - 1 || y == h - 1))
          pm_gmm_int_stats_add (&b->st[0][pm_gmm_best_component (l->gmm[0], c)], rgb);
      }
}

/* Assigns each pixel to the most likely component of its current model and re-estimates
 * both models. Row bands in parallel; the sums are integers, so exact in any order. */
static void
learn_models (const PmGrabcutPixels *px,
              const guint8          *labels,
              PmGmm                 *fg,
              PmGmm                 *bg)
{
  gsize n = (gsize) px->width * px->height;
  gint64 n_tasks = pm_parallel_row_tasks (px->height, PM_GRABCUT_ROWS_PER_TASK);
  g_autofree BandStats *bands = g_new (BandStats, n_tasks);
  Learn l = { px, labels, { bg, fg }, !has_label (labels, n, FALSE), bands };
  PmGmm *gmm[2] = { bg, fg };

  pm_parallel_for (n_tasks, learn_task, &l);
  for (int m = 0; m < 2; m++)
    {
      pm_gmm_learn_begin (gmm[m]);
      for (int c = 0; c < gmm[m]->k; c++)
        {
          PmGmmIntStats total = { 0 };

          for (gint64 t = 0; t < n_tasks; t++)
            pm_gmm_int_stats_merge (&total, &bands[t].st[m][c]);
          pm_gmm_learn_add_stats (gmm[m], c, &total);
        }
      pm_gmm_learn_end (gmm[m]);
    }
}

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

typedef struct {
  const PmGrabcutPixels *px;
  const PmGmm           *gmm;
  double                *ll;
} LogLikelihoods;

static void
log_likelihoods_task (gint64   task,
                      gpointer data)
{
  const LogLikelihoods *l = data;
  int w = l->px->width, h = l->px->height;
  int y0 = (int) task * PM_GRABCUT_ROWS_PER_TASK, y1 = MIN (y0 + PM_GRABCUT_ROWS_PER_TASK, h);

  for (gsize i = (gsize) y0 * w; i < (gsize) y1 * w; i++)
    {
      float c[3];

      pixel_color (l->px, i, c);
      l->ll[i] = pm_gmm_log_likelihood (l->gmm, c);
    }
}

/* Nothing is labelled background (a box covering the whole image): model the background
 * on the image border and start with the pixels that fit it about as well as 90% of the
 * border does as probably background. Skipped if that would leave no foreground. */
static void
seed_background_from_border (const PmGrabcutPixels *px,
                             guint8                *labels,
                             int                    n_components)
{
  gsize n = (gsize) px->width * px->height, nb = 0, n_fg = 0;
  gsize n_border = 2 * ((gsize) px->width + px->height);   /* at least the border */
  g_autofree float *bs = g_new (float, 3 * n_border);
  g_autofree double *ll = g_new (double, n);
  g_autofree int *tmp = g_new (int, n_border);
  double threshold;
  PmGmm border;

  for (gsize i = 0; i < n; i++)
    if (is_border (px, i))
      pixel_color (px, i, bs + 3 * nb++);
  pm_gmm_init (&border, n_components);
  pm_gmm_init_clusters (&border, bs, nb, tmp);
  for (gsize k = 0; k < nb; k++)
    ll[k] = pm_gmm_log_likelihood (&border, bs + 3 * k);
  qsort (ll, nb, sizeof (double), compare_double);
  threshold = ll[nb / 10];

  {
    LogLikelihoods l = { px, &border, ll };

    pm_parallel_for (pm_parallel_row_tasks (px->height, PM_GRABCUT_ROWS_PER_TASK),
                     log_likelihoods_task, &l);
  }
  for (gsize i = 0; i < n; i++)
    if (labels[i] == PM_TRIMAP_PROBABLY_FG && ll[i] < threshold)
      n_fg++;
  if (n_fg == 0)
    return;
  for (gsize i = 0; i < n; i++)
    if (labels[i] == PM_TRIMAP_PROBABLY_FG && ll[i] >= threshold)
      labels[i] = PM_TRIMAP_PROBABLY_BG;
}

/* Runs the iterations on @px, relabelling @labels. FALSE (with @error) if cancelled. */
static gboolean
grabcut_iterate (const PmGrabcutPixels *px,
                 guint8                *labels,
                 const PmGrabcutParams *params,
                 double                 fraction_scale,
                 PmGmm                 *fg,
                 PmGmm                 *bg,
                 GCancellable          *cancellable,
                 GError               **error)
{
  gsize n = (gsize) px->width * px->height;
  g_autoptr(PmGrabcutCut) cut = pm_grabcut_cut_new (n);
  int iterations = MAX (params->iterations, 1);
  double beta;

  if (!has_label (labels, n, FALSE))
    seed_background_from_border (px, labels, params->n_components);
  init_models (px, labels, fg, bg, params->n_components);
  beta = pm_grabcut_beta (px, labels);

  for (int it = 0; it < iterations; it++)
    {
      g_autofree char *stage = g_strdup_printf ("grabcut %d/%d", it + 1, iterations);
      gsize changed;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      report (params, stage, fraction_scale * it / iterations);
      learn_models (px, labels, fg, bg);
      changed = pm_grabcut_cut_step (cut, px, labels, fg, bg, params->gamma, beta);
      g_debug ("iteration %d: %" G_GSIZE_FORMAT " pixels changed", it + 1, changed);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (changed == 0 && it > 0)
        break;   /* converged */
    }
  return TRUE;
}

/* ---------------------------------------------------------------- entry points */

typedef struct {
  const guint8 *trimap;
  int           w, h;
  guint8       *bad;   /* per task */
} Validate;

static void
validate_task (gint64   task,
               gpointer data)
{
  const Validate *v = data;
  int y0 = (int) task * PM_GRABCUT_ROWS_PER_TASK, y1 = MIN (y0 + PM_GRABCUT_ROWS_PER_TASK, v->h);
  gsize i = (gsize) y0 * v->w, end = (gsize) y1 * v->w;
  guint64 acc = 0;

  /* A byte > 3 has a bit above the lowest two. */
  for (; i + 8 <= end; i += 8)
    acc |= pm_trimap_load8 (v->trimap + i);
  for (; i < end; i++)
    acc |= v->trimap[i];
  v->bad[task] = (acc & ~G_GUINT64_CONSTANT (0x0303030303030303)) != 0;
}

/* Whether every value is a trimap label (0‥3: no bit above the lowest two). */
static gboolean
trimap_is_valid (const guint8 *trimap,
                 int           w,
                 int           h)
{
  gint64 n_tasks = pm_parallel_row_tasks (h, PM_GRABCUT_ROWS_PER_TASK);
  g_autofree guint8 *bad = g_new (guint8, n_tasks);
  Validate v = { trimap, w, h, bad };

  G_STATIC_ASSERT (PM_TRIMAP_PROBABLY_FG == 3);
  pm_parallel_for (n_tasks, validate_task, &v);
  for (gint64 t = 0; t < n_tasks; t++)
    if (bad[t])
      return FALSE;
  return TRUE;
}

typedef struct {
  const guint8 *labels;
  guint8       *trimap;
  PmMask       *mask;
} Output;

static void
output_task (gint64   task,
             gpointer data)
{
  const Output *o = data;
  int w = o->mask->width, h = o->mask->height;
  int y0 = (int) task * PM_GRABCUT_ROWS_PER_TASK, y1 = MIN (y0 + PM_GRABCUT_ROWS_PER_TASK, h);

  /* The mask is new, all 0: only the foreground is written (the pages of a background
   * that is never written are never touched). */
  for (gsize i = (gsize) y0 * w; i < (gsize) y1 * w; i++)
    {
      gboolean is_fg = pm_trimap_is_fg (o->labels[i]);

      if (is_fg)
        o->mask->data[i] = 1.0f;
      if (pm_trimap_is_probable (o->trimap[i]))
        o->trimap[i] = is_fg ? PM_TRIMAP_PROBABLY_FG : PM_TRIMAP_PROBABLY_BG;
    }
}

static gboolean
check_image (const PmImage *image,
             GError       **error)
{
  if (image->width <= 0 || image->height <= 0 || image->data == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "GrabCut needs a non-empty image (got %d×%d)", image->width, image->height);
      return FALSE;
    }
  return TRUE;
}

/**
 * pm_grabcut_trimap:
 * @image: the image
 * @trimap: (inout): one #PmTrimapLabel per pixel, image-sized; its probable labels are
 *   replaced by the result (PROBABLY_FG / PROBABLY_BG), sure labels are kept
 * @params: (nullable): parameters; %NULL for the defaults
 * @cancellable: (nullable): checked between iterations
 * @error: return location for an error
 *
 * Runs GrabCut from a trimap. Without any background-labelled pixel, the image border
 * serves as the background colour sample. Without any foreground-labelled pixel the
 * result is empty.
 *
 * Returns: (transfer full): a binary mask (1 = foreground), or %NULL with @error
 *   (G_IO_ERROR_CANCELLED when cancelled, G_IO_ERROR_INVALID_ARGUMENT for bad input)
 */
PmMask *
pm_grabcut_trimap (const PmImage         *image,
                   guint8                *trimap,
                   const PmGrabcutParams *params,
                   GCancellable          *cancellable,
                   GError               **error)
{
  PmGrabcutParams defaults;
  int w, h, sw, sh;
  gsize n;
  PmGmm fg, bg;
  g_autofree guint8 *labels = NULL;
  PmMask *mask;

  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (trimap != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (params == NULL)
    {
      pm_grabcut_params_init (&defaults);
      params = &defaults;
    }
  if (!check_image (image, error))
    return NULL;
  w = image->width;
  h = image->height;
  n = (gsize) w * h;
  if (!trimap_is_valid (trimap, w, h))
    for (gsize i = 0; i < n; i++)
      if (trimap[i] > PM_TRIMAP_PROBABLY_FG)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "GrabCut trimap value %d at pixel (%d, %d) is not a trimap label (0–3)",
                       trimap[i], (int) (i % w), (int) (i / w));
          return NULL;
        }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  sw = w;
  sh = h;
  if (params->max_side > 0 && MAX (w, h) > params->max_side)
    {
      double s = (double) params->max_side / MAX (w, h);
      sw = CLAMP ((int) lround (w * s), 1, w);
      sh = CLAMP ((int) lround (h * s), 1, h);
    }

  if (!has_label (trimap, n, TRUE))
    {
      /* Nothing can be foreground. */
      labels = g_memdup2 (trimap, n);
      for (gsize i = 0; i < n; i++)
        if (pm_trimap_is_probable (labels[i]))
          labels[i] = PM_TRIMAP_PROBABLY_BG;
    }
  else if (sw == w && sh == h)
    {
      PmGrabcutPixels px = { w, h, image->data };

      labels = g_memdup2 (trimap, n);
      if (!grabcut_iterate (&px, labels, params, 1.0, &fg, &bg, cancellable, error))
        return NULL;
    }
  else
    {
      g_autofree guint8 *small_rgba = pm_grabcut_downscale_rgba (image, sw, sh);
      g_autofree guint8 *small = pm_grabcut_downscale_trimap (trimap, w, h, sw, sh);
      g_autoptr(PmGrabcutCut) cut = NULL;
      PmGrabcutPixels spx = { sw, sh, small_rgba };
      PmGrabcutPixels px = { w, h, image->data };
      double beta;

      if (!grabcut_iterate (&spx, small, params, 0.85, &fg, &bg, cancellable, error))
        return NULL;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      report (params, "refining edges", 0.85);
      labels = pm_grabcut_upscale_labels (small, sw, sh, trimap, w, h);
      beta = pm_grabcut_beta (&px, labels);
      cut = pm_grabcut_cut_new (n);
      pm_grabcut_cut_step (cut, &px, labels, &fg, &bg, params->gamma, beta);
    }

  mask = pm_mask_new (w, h);
  {
    Output o = { labels, trimap, mask };

    pm_parallel_for (pm_parallel_row_tasks (h, PM_GRABCUT_ROWS_PER_TASK), output_task, &o);
  }
  report (params, "grabcut done", 1.0);
  return mask;
}

/**
 * pm_grabcut_rect:
 * @image: the image
 * @x: left edge of the box
 * @y: top edge of the box
 * @width: box width
 * @height: box height
 * @params: (nullable): parameters; %NULL for the defaults
 * @cancellable: (nullable): checked between iterations
 * @error: return location for an error
 *
 * GrabCut from a box: outside is sure background, inside probably foreground. The box is
 * clipped to the image; an empty box (after clipping) is an error.
 *
 * Returns: (transfer full): a binary mask, or %NULL with @error
 */
PmMask *
pm_grabcut_rect (const PmImage         *image,
                 int                    x,
                 int                    y,
                 int                    width,
                 int                    height,
                 const PmGrabcutParams *params,
                 GCancellable          *cancellable,
                 GError               **error)
{
  g_autofree guint8 *trimap = NULL;
  gint64 x0, y0, x1, y1;

  g_return_val_if_fail (image != NULL, NULL);
  if (!check_image (image, error))
    return NULL;

  x0 = MAX ((gint64) x, 0);
  y0 = MAX ((gint64) y, 0);
  x1 = MIN ((gint64) x + width, image->width);
  y1 = MIN ((gint64) y + height, image->height);
  if (width <= 0 || height <= 0 || x1 <= x0 || y1 <= y0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "GrabCut box %d,%d %d×%d is empty or outside the %d×%d image",
                   x, y, width, height, image->width, image->height);
      return NULL;
    }

  trimap = g_malloc0 ((gsize) image->width * image->height);
  for (gint64 yy = y0; yy < y1; yy++)
    memset (trimap + yy * image->width + x0, PM_TRIMAP_PROBABLY_FG, x1 - x0);
  return pm_grabcut_trimap (image, trimap, params, cancellable, error);
}
