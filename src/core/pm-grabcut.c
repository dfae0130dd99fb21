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
 * models, so edges follow the full-resolution image.
 */
#define G_LOG_DOMAIN "pm-grabcut"

#include "pm-grabcut.h"
#include "pm-gmm-private.h"
#include "pm-maxflow-private.h"

#include <math.h>
#include <string.h>

/* Tie-breaking bias (in energy units) towards a pixel's current label. */
#define KEEP_BIAS 1e-6

/* A view of RGBA pixels (ours or the caller's). */
typedef struct {
  int           width, height;
  const guint8 *rgba;
} Pixels;

static inline void
pixel_color (const Pixels *px,
             gsize         i,
             float         c[3])
{
  const guint8 *p = px->rgba + 4 * i;

  c[0] = p[0];
  c[1] = p[1];
  c[2] = p[2];
}

static inline gboolean
label_is_fg (guint8 l)
{
  return l == PM_TRIMAP_FG || l == PM_TRIMAP_PROBABLY_FG;
}

static inline gboolean
label_is_probable (guint8 l)
{
  return l == PM_TRIMAP_PROBABLY_FG || l == PM_TRIMAP_PROBABLY_BG;
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

/* ---------------------------------------------------------------- graph */

/* The four "forward" neighbours; together with their mirror images, the 8-neighbourhood. */
static const int fwd_dx[4] = { 1, -1, 0, 1 };
static const int fwd_dy[4] = { 0, 1, 1, 1 };
static const double fwd_dist[4] = { 1.0, G_SQRT2, 1.0, G_SQRT2 };

static inline double
color_dist2 (const Pixels *px,
             gsize         i,
             gsize         j)
{
  const guint8 *a = px->rgba + 4 * i, *b = px->rgba + 4 * j;
  double d0 = (double) a[0] - b[0], d1 = (double) a[1] - b[1], d2 = (double) a[2] - b[2];

  return d0 * d0 + d1 * d1 + d2 * d2;
}

/* β from the mean squared colour difference of 8-neighbour pairs with at least one
 * probable pixel (all pairs when every pixel is probable). */
static double
compute_beta (const Pixels *px,
              const guint8 *labels)
{
  double sum = 0;
  gint64 count = 0;
  int w = px->width, h = px->height;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        gsize i = (gsize) y * w + x;
        for (int k = 0; k < 4; k++)
          {
            int xx = x + fwd_dx[k], yy = y + fwd_dy[k];
            gsize j;

            if (xx < 0 || xx >= w || yy >= h)
              continue;
            j = (gsize) yy * w + xx;
            if (!label_is_probable (labels[i]) && !label_is_probable (labels[j]))
              continue;
            sum += color_dist2 (px, i, j);
            count++;
          }
      }
  if (count == 0 || sum <= 0)
    return 0;   /* flat image: smoothness weight is just γ / dist */
  return 1.0 / (2.0 * sum / (double) count);
}

/* One graph cut: relabels the probable pixels of @labels as PROBABLY_FG/BG.
 * Returns the number of pixels that changed label. */
static gsize
graph_cut_step (const Pixels *px,
                guint8       *labels,
                int          *node_of,
                const PmGmm  *fg,
                const PmGmm  *bg,
                double        gamma,
                double        beta)
{
  int w = px->width, h = px->height;
  gsize n = (gsize) w * h, changed = 0;
  int n_nodes = 0;
  g_autoptr(PmMaxflow) graph = NULL;

  for (gsize i = 0; i < n; i++)
    node_of[i] = label_is_probable (labels[i]) ? n_nodes++ : -1;
  if (n_nodes == 0)
    return 0;
  graph = pm_maxflow_new (n_nodes, (gsize) n_nodes * 4);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        gsize i = (gsize) y * w + x;
        int node = node_of[i];
        float c[3];
        double d_fg, d_bg, src, snk, m;

        if (node < 0)
          continue;
        pixel_color (px, i, c);
        d_fg = -pm_gmm_log_likelihood (fg, c);
        d_bg = -pm_gmm_log_likelihood (bg, c);
        if (labels[i] == PM_TRIMAP_PROBABLY_FG)
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
              if (node_of[j] >= 0)
                continue;
              wgt = gamma * exp (-beta * color_dist2 (px, i, j)) / (dx != 0 && dy != 0 ? G_SQRT2 : 1.0);
              if (label_is_fg (labels[j]))
                src += wgt;
              else
                snk += wgt;
            }
        pm_maxflow_add_tweights (graph, node, src, snk);

        for (int k = 0; k < 4; k++)
          {
            int xx = x + fwd_dx[k], yy = y + fwd_dy[k];
            gsize j;
            double wgt;

            if (xx < 0 || xx >= w || yy >= h)
              continue;
            j = (gsize) yy * w + xx;
            if (node_of[j] < 0)
              continue;
            wgt = gamma * exp (-beta * color_dist2 (px, i, j)) / fwd_dist[k];
            pm_maxflow_add_edge (graph, node, node_of[j], wgt, wgt);
          }
      }

  pm_maxflow_run (graph);

  for (gsize i = 0; i < n; i++)
    {
      guint8 l;
      if (node_of[i] < 0)
        continue;
      l = pm_maxflow_is_source_side (graph, node_of[i]) ? PM_TRIMAP_PROBABLY_FG
                                                        : PM_TRIMAP_PROBABLY_BG;
      if (l != labels[i])
        changed++;
      labels[i] = l;
    }
  return changed;
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
    if (label_is_fg (labels[i]) == fg)
      return TRUE;
  return FALSE;
}

static gboolean
is_border (const Pixels *px,
           gsize         i)
{
  int x = (int) (i % px->width), y = (int) (i / px->width);

  return x == 0 || y == 0 || x == px->width - 1 || y == px->height - 1;
}

static void
init_models (const Pixels *px,
             const guint8 *labels,
             PmGmm        *fg,
             PmGmm        *bg,
             int           n_components)
{
  gsize n = (gsize) px->width * px->height, nf = 0, nb = 0;
  gboolean bg_from_border = !has_label (labels, n, FALSE);
  g_autofree float *fs = g_new (float, 3 * n);
  g_autofree float *bs = g_new (float, 3 * (n + 2 * (px->width + px->height)));
  g_autofree int *tmp = g_new (int, n + 2 * (px->width + px->height));

  for (gsize i = 0; i < n; i++)
    {
      if (label_is_fg (labels[i]))
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

/* Assigns each pixel to the most likely component of its current model and re-estimates
 * both models. */
static void
learn_models (const Pixels *px,
              const guint8 *labels,
              PmGmm        *fg,
              PmGmm        *bg)
{
  gsize n = (gsize) px->width * px->height;
  gboolean bg_from_border = !has_label (labels, n, FALSE);

  pm_gmm_learn_begin (fg);
  pm_gmm_learn_begin (bg);
  for (gsize i = 0; i < n; i++)
    {
      float c[3];
      PmGmm *g;

      pixel_color (px, i, c);
      g = label_is_fg (labels[i]) ? fg : bg;
      pm_gmm_learn_add (g, pm_gmm_best_component (g, c), c);
      if (bg_from_border && is_border (px, i))
        pm_gmm_learn_add (bg, pm_gmm_best_component (bg, c), c);
    }
  pm_gmm_learn_end (fg);
  pm_gmm_learn_end (bg);
}

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Nothing is labelled background (a box covering the whole image): model the background
 * on the image border and start with the pixels that fit it about as well as 90% of the
 * border does as probably background. Skipped if that would leave no foreground. */
static void
seed_background_from_border (const Pixels *px,
                             guint8       *labels,
                             int           n_components)
{
  gsize n = (gsize) px->width * px->height, nb = 0, n_fg = 0;
  g_autofree float *bs = g_new (float, 3 * n);
  g_autofree double *ll = g_new (double, n);
  g_autofree int *tmp = g_new (int, n);
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

  for (gsize i = 0; i < n; i++)
    {
      float c[3];
      pixel_color (px, i, c);
      ll[i] = pm_gmm_log_likelihood (&border, c);
      if (labels[i] == PM_TRIMAP_PROBABLY_FG && ll[i] < threshold)
        n_fg++;
    }
  if (n_fg == 0)
    return;
  for (gsize i = 0; i < n; i++)
    if (labels[i] == PM_TRIMAP_PROBABLY_FG && ll[i] >= threshold)
      labels[i] = PM_TRIMAP_PROBABLY_BG;
}

/* Runs the iterations on @px, relabelling @labels. FALSE (with @error) if cancelled. */
static gboolean
grabcut_iterate (const Pixels          *px,
                 guint8                *labels,
                 const PmGrabcutParams *params,
                 double                 fraction_scale,
                 PmGmm                 *fg,
                 PmGmm                 *bg,
                 GCancellable          *cancellable,
                 GError               **error)
{
  gsize n = (gsize) px->width * px->height;
  g_autofree int *node_of = g_new (int, n);
  int iterations = MAX (params->iterations, 1);
  double beta;

  if (!has_label (labels, n, FALSE))
    seed_background_from_border (px, labels, params->n_components);
  init_models (px, labels, fg, bg, params->n_components);
  beta = compute_beta (px, labels);

  for (int it = 0; it < iterations; it++)
    {
      g_autofree char *stage = g_strdup_printf ("grabcut %d/%d", it + 1, iterations);
      gsize changed;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      report (params, stage, fraction_scale * it / iterations);
      learn_models (px, labels, fg, bg);
      changed = graph_cut_step (px, labels, node_of, fg, bg, params->gamma, beta);
      g_debug ("iteration %d: %" G_GSIZE_FORMAT " pixels changed", it + 1, changed);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (changed == 0 && it > 0)
        break;   /* converged */
    }
  return TRUE;
}

/* ---------------------------------------------------------------- scaling */

static guint8 *
downscale_rgba (const PmImage *image,
                int            sw,
                int            sh)
{
  int w = image->width, h = image->height;
  guint8 *out = g_new (guint8, (gsize) sw * sh * 4);

  for (int sy = 0; sy < sh; sy++)
    {
      int y0 = (int) ((gint64) sy * h / sh), y1 = (int) ((gint64) (sy + 1) * h / sh);
      for (int sx = 0; sx < sw; sx++)
        {
          int x0 = (int) ((gint64) sx * w / sw), x1 = (int) ((gint64) (sx + 1) * w / sw);
          double acc[4] = { 0 };
          double cnt = (double) (x1 - x0) * (y1 - y0);
          guint8 *o = out + ((gsize) sy * sw + sx) * 4;

          for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
              {
                const guint8 *p = image->data + ((gsize) y * w + x) * 4;
                for (int c = 0; c < 4; c++)
                  acc[c] += p[c];
              }
          for (int c = 0; c < 4; c++)
            o[c] = (guint8) CLAMP (acc[c] / cnt + 0.5, 0, 255);
        }
    }
  return out;
}

/* A block of the full trimap becomes: sure FG/BG if it holds sure pixels of one kind (the
 * majority when it holds both: scribbles are thin and must survive), else the majority
 * of its probable labels. */
static guint8 *
downscale_trimap (const guint8 *trimap,
                  int           w,
                  int           h,
                  int           sw,
                  int           sh)
{
  guint8 *out = g_new (guint8, (gsize) sw * sh);

  for (int sy = 0; sy < sh; sy++)
    {
      int y0 = (int) ((gint64) sy * h / sh), y1 = (int) ((gint64) (sy + 1) * h / sh);
      for (int sx = 0; sx < sw; sx++)
        {
          int x0 = (int) ((gint64) sx * w / sw), x1 = (int) ((gint64) (sx + 1) * w / sw);
          gint64 cnt[4] = { 0 };
          guint8 l;

          for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
              cnt[trimap[(gsize) y * w + x]]++;
          if (cnt[PM_TRIMAP_FG] > 0 || cnt[PM_TRIMAP_BG] > 0)
            l = cnt[PM_TRIMAP_FG] >= cnt[PM_TRIMAP_BG] ? PM_TRIMAP_FG : PM_TRIMAP_BG;
          else
            l = cnt[PM_TRIMAP_PROBABLY_FG] >= cnt[PM_TRIMAP_PROBABLY_BG]
                ? PM_TRIMAP_PROBABLY_FG : PM_TRIMAP_PROBABLY_BG;
          out[(gsize) sy * sw + sx] = l;
        }
    }
  return out;
}

/* Builds full-resolution labels from the small result: bilinear upsampling of the small
 * binary mask decides the side; pixels within about 1.5 small pixels of the small
 * boundary become probable (to be relabelled), the rest sure. The caller's sure labels
 * are kept. */
static guint8 *
upscale_labels (const guint8 *small,
                int           sw,
                int           sh,
                const guint8 *trimap,
                int           w,
                int           h)
{
  gsize sn = (gsize) sw * sh;
  g_autofree guint8 *edge = g_new0 (guint8, sn);
  guint8 *out = g_new (guint8, (gsize) w * h);

  for (int y = 0; y < sh; y++)
    for (int x = 0; x < sw; x++)
      {
        gboolean fg = label_is_fg (small[(gsize) y * sw + x]);
        for (int dy = -1; dy <= 1; dy++)
          for (int dx = -1; dx <= 1; dx++)
            {
              int xx = CLAMP (x + dx, 0, sw - 1), yy = CLAMP (y + dy, 0, sh - 1);
              if (label_is_fg (small[(gsize) yy * sw + xx]) != fg)
                edge[(gsize) y * sw + x] = 1;
            }
      }

  for (int y = 0; y < h; y++)
    {
      double v = (y + 0.5) * sh / h - 0.5;
      int v0 = (int) floor (v), v1;
      double fv = v - v0;
      int sy = CLAMP ((int) ((gint64) y * sh / h), 0, sh - 1);

      v1 = CLAMP (v0 + 1, 0, sh - 1);
      v0 = CLAMP (v0, 0, sh - 1);
      for (int x = 0; x < w; x++)
        {
          double u = (x + 0.5) * sw / w - 0.5, fu, val;
          int u0 = (int) floor (u), u1;
          int sx = CLAMP ((int) ((gint64) x * sw / w), 0, sw - 1);
          gsize i = (gsize) y * w + x;
          gboolean fg;

          if (!label_is_probable (trimap[i]))
            {
              out[i] = trimap[i];
              continue;
            }
          fu = u - u0;
          u1 = CLAMP (u0 + 1, 0, sw - 1);
          u0 = CLAMP (u0, 0, sw - 1);
#define S(xx, yy) (label_is_fg (small[(gsize) (yy) * sw + (xx)]) ? 1.0 : 0.0)
          val = (1 - fv) * ((1 - fu) * S (u0, v0) + fu * S (u1, v0))
                + fv * ((1 - fu) * S (u0, v1) + fu * S (u1, v1));
#undef S
          fg = val >= 0.5;
          if (edge[(gsize) sy * sw + sx])
            out[i] = fg ? PM_TRIMAP_PROBABLY_FG : PM_TRIMAP_PROBABLY_BG;
          else
            out[i] = fg ? PM_TRIMAP_FG : PM_TRIMAP_BG;
        }
    }
  return out;
}

/* ---------------------------------------------------------------- entry points */

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
        if (label_is_probable (labels[i]))
          labels[i] = PM_TRIMAP_PROBABLY_BG;
    }
  else if (sw == w && sh == h)
    {
      Pixels px = { w, h, image->data };

      labels = g_memdup2 (trimap, n);
      if (!grabcut_iterate (&px, labels, params, 1.0, &fg, &bg, cancellable, error))
        return NULL;
    }
  else
    {
      g_autofree guint8 *small_rgba = downscale_rgba (image, sw, sh);
      g_autofree guint8 *small = downscale_trimap (trimap, w, h, sw, sh);
      g_autofree int *node_of = NULL;
      Pixels spx = { sw, sh, small_rgba };
      Pixels px = { w, h, image->data };
      double beta;

      if (!grabcut_iterate (&spx, small, params, 0.85, &fg, &bg, cancellable, error))
        return NULL;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      report (params, "refining edges", 0.85);
      labels = upscale_labels (small, sw, sh, trimap, w, h);
      beta = compute_beta (&px, labels);
      node_of = g_new (int, n);
      graph_cut_step (&px, labels, node_of, &fg, &bg, params->gamma, beta);
    }

  mask = pm_mask_new (w, h);
  for (gsize i = 0; i < n; i++)
    {
      gboolean is_fg = label_is_fg (labels[i]);
      mask->data[i] = is_fg ? 1.0f : 0.0f;
      if (label_is_probable (trimap[i]))
        trimap[i] = is_fg ? PM_TRIMAP_PROBABLY_FG : PM_TRIMAP_PROBABLY_BG;
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
