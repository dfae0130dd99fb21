/* pm-clipseg-post.c: from CLIPSeg's logits to a mask: the bilinear resize, the coarse soft
 * mask, the edge-aware refinement, the choice of component, and whether the mask found
 * anything (the engine itself is pm-clipseg-engine.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-clipseg-engine"

#include "pm-clipseg-engine.h"

#include <math.h>
#include <string.h>

#include "pm-guided-filter.h"
#include "pm-morph.h"
#include "pm-parallel.h"

void
pm_clipseg_post_params_init (PmClipsegPostParams *params)
{
  params->refine = TRUE;
  params->radius_scale = 4.0;
  params->eps = 1e-4;
  params->max_fit_side = 640;
  params->threshold = 0.5f;
}

/* ---------------------------------------------------------------- post-processing */

/**
 * pm_clipseg_resize_bilinear:
 *
 * Bilinear resize with half-pixel centres (PyTorch `align_corners=False`): the source
 * coordinate of output pixel x is (x + 0.5)·in/out − 0.5, clamped at 0, and the right/bottom
 * neighbour is clamped to the last pixel.
 */
void
pm_clipseg_resize_bilinear (const float *in,
                            int          in_w,
                            int          in_h,
                            float       *out,
                            int          out_w,
                            int          out_h)
{
  g_autofree int *x0 = g_new (int, out_w);
  g_autofree int *x1 = g_new (int, out_w);
  g_autofree float *tx = g_new (float, out_w);
  double sx = (double) in_w / out_w, sy = (double) in_h / out_h;

  for (int x = 0; x < out_w; x++)
    {
      double src = MAX ((x + 0.5) * sx - 0.5, 0.0);
      x0[x] = MIN ((int) src, in_w - 1);
      x1[x] = MIN (x0[x] + 1, in_w - 1);
      tx[x] = (float) (src - x0[x]);
    }
  for (int y = 0; y < out_h; y++)
    {
      double src = MAX ((y + 0.5) * sy - 0.5, 0.0);
      int y0 = MIN ((int) src, in_h - 1);
      int y1 = MIN (y0 + 1, in_h - 1);
      float ty = (float) (src - y0);
      const float *r0 = in + (gsize) y0 * in_w;
      const float *r1 = in + (gsize) y1 * in_w;
      float *dst = out + (gsize) y * out_w;

      for (int x = 0; x < out_w; x++)
        {
          float top = r0[x0[x]] + (r0[x1[x]] - r0[x0[x]]) * tx[x];
          float bottom = r1[x0[x]] + (r1[x1[x]] - r1[x0[x]]) * tx[x];
          dst[x] = top + (bottom - top) * ty;
        }
    }
}

static gboolean
has_qualifier (const PmInstruction *instruction)
{
  return instruction != NULL &&
         (instruction->position != PM_POSITION_NONE || instruction->ordinal != 0 ||
          instruction->size_rank != PM_SIZE_RANK_NONE);
}

/* The region to keep for the component the qualifiers choose (chosen on the coarse mask,
 * grown by @margin for the refined edge), or NULL to keep everything. */
static PmMask *
choose_component (const PmMask              *soft,
                  const PmInstruction       *instruction,
                  const PmClipsegPostParams *params,
                  int                        margin)
{
  g_autoptr(PmMask) binary = pm_mask_threshold (soft, params->threshold);
  g_autoptr(PmComponents) components = NULL;
  PmMask *keep;
  gsize n = (gsize) soft->width * soft->height;
  int index;

  components = pm_components_label (binary);
  if (components->n == 0)
    return NULL;
  /* Score each component by its mean soft value (a cue pm_components_pick may use). */
  {
    g_autofree double *sum = g_new0 (double, components->n);
    for (gsize i = 0; i < n; i++)
      if (components->labels[i] > 0)
        sum[components->labels[i] - 1] += soft->data[i];
    for (int k = 0; k < components->n; k++)
      components->components[k].score = sum[k] / MAX (components->components[k].area, 1);
  }
  index = pm_components_pick (components, instruction->position, instruction->ordinal,
                              instruction->ordinal_from, instruction->size_rank);
  if (index < 0)
    return NULL;
  keep = pm_components_extract (components, index);
  pm_morph_dilate (keep, MAX (2, margin));
  return keep;
}

/* Logits sampled bilinearly (half-pixel centres, as pm_clipseg_resize_bilinear) at the
 * centres of the s×s blocks of a w×h image, then the sigmoid: the soft mask on the coarse
 * grid ⌈w/s⌉ × ⌈h/s⌉. With s = 1 this is exactly the full-resolution soft mask. Rows in
 * bands of COARSE_ROWS, over pm-parallel. */
#define COARSE_ROWS 32

typedef struct {
  const float *logits;
  int          S, h, s;
  PmMask      *soft;
  const int   *x0, *x1;
  const float *tx;
} CoarseTask;

static void
coarse_rows_task (gint64   task,
                  gpointer data)
{
  const CoarseTask *c = data;
  int S = c->S, s = c->s, h = c->h, lw = c->soft->width;

  for (int ly = (int) task * COARSE_ROWS;
       ly < MIN (c->soft->height, (int) (task + 1) * COARSE_ROWS); ly++)
    {
      double centre = ly * s + (MIN (s, h - ly * s) - 1) / 2.0;
      double src = MAX ((centre + 0.5) * S / h - 0.5, 0.0);
      int y0 = MIN ((int) src, S - 1), y1 = MIN (y0 + 1, S - 1);
      float ty = (float) (src - y0);
      const float *r0 = c->logits + (gsize) y0 * S, *r1 = c->logits + (gsize) y1 * S;
      float *dst = c->soft->data + (gsize) ly * lw;

      for (int lx = 0; lx < lw; lx++)
        {
          float top = r0[c->x0[lx]] + (r0[c->x1[lx]] - r0[c->x0[lx]]) * c->tx[lx];
          float bottom = r1[c->x0[lx]] + (r1[c->x1[lx]] - r1[c->x0[lx]]) * c->tx[lx];
          dst[lx] = 1.f / (1.f + expf (-(top + (bottom - top) * ty)));
        }
    }
}

static PmMask *
coarse_soft_mask (const float *logits,
                  int          S,
                  int          w,
                  int          h,
                  int          s)
{
  int lw = (w + s - 1) / s, lh = (h + s - 1) / s;
  PmMask *soft = pm_mask_new (lw, lh);
  g_autofree int *x0 = g_new (int, lw);
  g_autofree int *x1 = g_new (int, lw);
  g_autofree float *tx = g_new (float, lw);
  CoarseTask task = { logits, S, h, s, soft, x0, x1, tx };

  for (int lx = 0; lx < lw; lx++)
    {
      double centre = lx * s + (MIN (s, w - lx * s) - 1) / 2.0;
      double src = MAX ((centre + 0.5) * S / w - 0.5, 0.0);
      x0[lx] = MIN ((int) src, S - 1);
      x1[lx] = MIN (x0[lx] + 1, S - 1);
      tx[lx] = (float) (src - x0[lx]);
    }
  pm_parallel_for (pm_parallel_row_tasks (lh, COARSE_ROWS), coarse_rows_task, &task);
  return soft;
}

/**
 * pm_clipseg_logits_to_mask:
 * @logits: S×S raw logits
 * @s: S
 * @image: the full-resolution image (the guide)
 * @instruction: (nullable): position/rank qualifiers choose a component
 * @params: (nullable): post-processing parameters, %NULL for the defaults
 *
 * Resize the logits to the image, sigmoid (HF's order), guided-filter refinement on the
 * photo, and the component the qualifiers choose. Large photos are handled on a grid at
 * most max_fit_side wide: the model's mask carries no finer detail, and only the final
 * q = a·I + b of the filter runs at full resolution.
 *
 * Returns: (transfer full): a soft mask (0..1) at the image's size
 */
PmMask *
pm_clipseg_logits_to_mask (const float               *logits,
                           int                        s,
                           const PmImage             *image,
                           const PmInstruction       *instruction,
                           const PmClipsegPostParams *params)
{
  PmClipsegPostParams defaults;
  g_autoptr(PmMask) keep = NULL;
  g_autoptr(PmMask) coarse = NULL;
  PmMask *soft;
  int w, h, side, radius, grid;

  g_return_val_if_fail (logits != NULL && image != NULL && s > 0, NULL);
  if (params == NULL)
    {
      pm_clipseg_post_params_init (&defaults);
      params = &defaults;
    }
  w = image->width;
  h = image->height;
  side = MAX (w, h);
  radius = MAX (2, (int) lround (params->radius_scale * side / s));
  grid = params->refine ? MAX (1, (side + params->max_fit_side - 1) /
                                  MAX (params->max_fit_side, 1)) : 1;

  /* The soft mask on the fitting grid (the full image when grid = 1). */
  coarse = coarse_soft_mask (logits, s, w, h, grid);

  /* The chosen component, on the model's own mask (before refinement may join blobs),
   * grown by the filter radius so the refined edge is kept. */
  if (has_qualifier (instruction))
    keep = choose_component (coarse, instruction, params, MAX (1, radius / grid));

  /* Edges follow the photo: the upsampled mask is blurred over about side/S pixels and its
   * boundaries are uncertain by a fraction of a patch, so the window spans a few of those. */
  if (params->refine)
    {
      soft = pm_mask_new (w, h);
      pm_guided_filter_color_coarse (image, coarse, radius, (float) params->eps, grid, soft);
    }
  else
    soft = g_steal_pointer (&coarse);

  if (keep != NULL)
    for (int y = 0; y < h; y++)
      {
        const float *k = keep->data + (gsize) (y / grid) * keep->width;
        float *row = soft->data + (gsize) y * w;
        for (int x = 0; x < w; x++)
          if (k[x / grid] < 0.5f)
            row[x] = 0.f;
      }
  return soft;
}

/**
 * pm_clipseg_mask_state:
 * @soft: a soft mask (0..1)
 *
 * The rule of pm-clipseg-engine.h: %PM_RESULT_EMPTY when the mask peaks below 0.5 or is
 * flat (peak − 2nd percentile < %PM_CLIPSEG_MIN_CONTRAST), else %PM_RESULT_FOUND.
 *
 * Returns: %PM_RESULT_FOUND or %PM_RESULT_EMPTY
 */
PmResultState
pm_clipseg_mask_state (const PmMask *soft)
{
  guint64 hist[256] = { 0 };
  gsize n, rank, seen = 0;
  float peak = 0.f, low = 0.f;

  g_return_val_if_fail (soft != NULL, PM_RESULT_EMPTY);
  n = (gsize) soft->width * soft->height;
  if (n == 0)
    return PM_RESULT_EMPTY;
  for (gsize i = 0; i < n; i++)
    {
      float v = soft->data[i];
      v = v > 0.f ? MIN (v, 1.f) : 0.f;   /* also NaN */
      peak = MAX (peak, v);
      hist[(int) (v * 255.f + 0.5f)]++;
    }
  /* The 2nd percentile, to the histogram's 1/255. */
  rank = n / 50;
  for (int b = 0; b < 256; b++)
    {
      seen += hist[b];
      if (seen > rank)
        {
          low = b / 255.f;
          break;
        }
    }
  if (peak < 0.5f || peak - low < PM_CLIPSEG_MIN_CONTRAST)
    return PM_RESULT_EMPTY;
  return PM_RESULT_FOUND;
}
