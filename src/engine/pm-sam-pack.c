/* pm-sam-pack.c: SAM's image encoder weights packed for the GEMM kernels, and the row maps
 * that let the products read and write windows and conv neighbourhoods in place.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * - Each vision layer's qkv, proj, lin1 and lin2 become PmLinears (layer norms, GELU and
 *   the residual adds then happen inside the products).
 * - Windows: window row i (window-major, w² rows per window, the grid padded to nw·w) is
 *   grid token win_rows[i], or −1 in the padding. The qkv product gathers its rows by it
 *   (zeros for padding, as SAM pads after the norm) and proj scatters back by it.
 * - The patch embedding (a p × p conv with stride p) is a Linear on patch rows.
 * - The neck's 3 × 3 conv is nine accumulated products, one per kernel tap (ky, kx), each
 *   reading token rows shifted by that tap (shift_rows, −1 past the border).
 * - Packing runs in a PmStagePacker the load starts, in stages (PM_SAM_STAGE_*: the mask
 *   head first, as every click needs it, then the encoder in the order it runs); the
 *   encoder waits for each stage before it uses it. The packed panels are copies of the weights
 *   (bf16, or f32 in the exact mode), so the mapped f32 pages a stage copied are released
 *   once it is done; the weights used as stored (norms, relative positions, the position
 *   embedding, the prompt encoder and the mask decoder) are not touched.
 */
#define G_LOG_DOMAIN "pm-sam"

#include <string.h>

#include "pm-ops.h"
#include "pm-sam-private.h"

static void
pack_layer (PmSamVisionLayer *l,
            PmPrecision       precision)
{
  const PmTensor w[3] = { l->q_w, l->k_w, l->v_w };
  const PmTensor b[3] = { l->q_b, l->k_b, l->v_b };

  l->qkv = pm_linear_new_stacked (3, w, l->has_qkv_bias ? b : NULL, precision);
  l->proj = pm_linear_new (&l->proj_w, &l->proj_b, precision);
  l->fc1 = pm_linear_new (&l->fc1_w, &l->fc1_b, precision);
  l->fc2 = pm_linear_new (&l->fc2_w, &l->fc2_b, precision);
}

/* Window rows over a g × g grid in windows of w (see the file comment). */
static gint32 *
window_rows (int      g,
             int      w,
             gint64  *n_rows)
{
  int nw = (g + w - 1) / w;
  gint32 *rows = g_new (gint32, (gsize) nw * nw * w * w);
  gint64 i = 0;

  for (int wy = 0; wy < nw; wy++)
    for (int wx = 0; wx < nw; wx++)
      for (int iy = 0; iy < w; iy++)
        for (int ix = 0; ix < w; ix++)
          {
            int y = wy * w + iy, x = wx * w + ix;
            rows[i++] = y < g && x < g ? y * g + x : -1;
          }
  *n_rows = i;
  return rows;
}

/* The neck's 3 × 3 conv (padding 1) as taps: weight [C, C] slices and shifted rows. */
static void
pack_neck_taps (PmSam      *m,
                PmPrecision precision)
{
  PmSamWeights *w = &m->w;
  gint64 c = w->neck2_w.shape[0], ci = w->neck2_w.shape[1];
  int g = m->grid;

  for (int tap = 0; tap < 9; tap++)
    {
      int ky = tap / 3, kx = tap % 3;
      PmTensor *slice = pm_tensor_new_2d (c, ci);

      /* W[o, i, ky, kx] for every (o, i) */
      for (gint64 o = 0; o < c; o++)
        for (gint64 i = 0; i < ci; i++)
          slice->data[o * ci + i] = w->neck2_w.data[((o * ci + i) * 3 + ky) * 3 + kx];
      w->neck2_taps[tap] = slice;   /* kept: the generic path reads it */
      w->neck2[tap] = pm_linear_new (slice, NULL, precision);
      w->shift_rows[tap] = g_new (gint32, (gsize) g * g);
      for (int y = 0; y < g; y++)
        for (int x = 0; x < g; x++)
          {
            int sy = y + ky - 1, sx = x + kx - 1;
            w->shift_rows[tap][y * g + x] = sy >= 0 && sy < g && sx >= 0 && sx < g ? sy * g + sx
                                                                                 : -1;
          }
    }
}

/* Window rows of the model's grid (see the file comment); none without windows. */
void
pm_sam_build_window_rows (PmSam *m)
{
  const PmSamVisionConfig *v = &m->config.vision;

  if (v->window_size > 0)
    m->win_rows = window_rows (m->grid, v->window_size, &m->win_n_rows);
}

static void
release (PmSam          *m,
         const PmTensor *t,
         gint64          numel)
{
  pm_safetensors_release_pages (m->st, t->data, (gsize) numel * sizeof (float));
}

/**
 * pm_sam_release_stage_sources:
 * @m: a model
 * @stage: a PM_SAM_STAGE_* index
 *
 * Gives back the mapped pages of the f32 weights that @stage packs: the packed panels
 * are copies (bf16, or f32 in the exact mode), so the stored floats are read only while
 * packing (touched again, they are read from the file). Only when pm_gemm_packs (): on
 * the generic path the Linears read them as stored.
 */
void
pm_sam_release_stage_sources (PmSam *m,
                              int    stage)
{
  PmSamWeights *w = &m->w;

  if (stage == PM_SAM_STAGE_PATCH)
    release (m, &w->patch_w, pm_tensor_numel (&w->patch_w));
  else if (stage >= PM_SAM_STAGE_LAYER (0) && stage < PM_SAM_STAGE_NECK (m))
    {
      const PmSamVisionLayer *l = &w->layers[stage - PM_SAM_STAGE_LAYER (0)];

      /* q, k, v are the three thirds of one stored qkv weight */
      release (m, &l->q_w, 3 * pm_tensor_numel (&l->q_w));
      release (m, &l->proj_w, pm_tensor_numel (&l->proj_w));
      release (m, &l->fc1_w, pm_tensor_numel (&l->fc1_w));
      release (m, &l->fc2_w, pm_tensor_numel (&l->fc2_w));
    }
  else if (stage == PM_SAM_STAGE_NECK (m))
    {
      /* the taps are copies of the stored 3 × 3 weight */
      release (m, &w->neck1_w, pm_tensor_numel (&w->neck1_w));
      release (m, &w->neck2_w, pm_tensor_numel (&w->neck2_w));
    }
  /* PM_SAM_STAGE_DECODER packs heap copies made at load: nothing mapped */
}

/* The scan for NaN and infinity the load leaves to packing, of the weights @stage packs
 * (those pm_sam_release_stage_sources () gives back); q, k and v are one stored tensor,
 * which starts at q's data. */
static gboolean
check_stage (PmSam   *m,
             int      stage,
             GError **error)
{
  PmSamWeights *w = &m->w;
  const float *ws[4] = { NULL };

  if (stage == PM_SAM_STAGE_PATCH)
    ws[0] = w->patch_w.data;
  else if (stage >= PM_SAM_STAGE_LAYER (0) && stage < PM_SAM_STAGE_NECK (m))
    {
      const PmSamVisionLayer *l = &w->layers[stage - PM_SAM_STAGE_LAYER (0)];

      ws[0] = l->q_w.data, ws[1] = l->proj_w.data, ws[2] = l->fc1_w.data;
      ws[3] = l->fc2_w.data;
    }
  else if (stage == PM_SAM_STAGE_NECK (m))
    ws[0] = w->neck1_w.data, ws[1] = w->neck2_w.data;
  for (guint i = 0; i < G_N_ELEMENTS (ws) && ws[i] != NULL; i++)
    if (!pm_safetensors_check_finite_data (m->st, ws[i], error))
      return FALSE;
  return TRUE;
}

/* One packing stage (PM_SAM_STAGE_*), its weights checked for NaN and infinity first (a
 * damaged weight fails the stage, and every wait for it or a later one). */
static gboolean
pack_stage (gpointer   model,
            int        stage,
            GError   **error)
{
  PmSam *m = model;
  const PmSamVisionConfig *v = &m->config.vision;
  PmSamWeights *w = &m->w;
  PmPrecision precision = m->precision;

  if (!check_stage (m, stage, error))
    return FALSE;
  if (stage == PM_SAM_STAGE_DECODER)
    {
      w->up1 = pm_linear_new (w->up1_lin_w, w->up1_lin_b, precision);
      w->up2 = pm_linear_new (w->up2_lin_w, w->up2_lin_b, precision);
    }
  else if (stage == PM_SAM_STAGE_PATCH)
    {
      gint64 p = v->patch_size;
      PmTensor patch_rows = pm_tensor_view_2d (w->patch_w.data, v->hidden_size, 3 * p * p);

      w->patch = pm_linear_new (&patch_rows, &w->patch_b, precision);
    }
  else if (stage < PM_SAM_STAGE_NECK (m))
    pack_layer (&w->layers[stage - PM_SAM_STAGE_LAYER (0)], precision);
  else
    {
      w->neck1 = pm_linear_new (&w->neck1_w, NULL, precision);
      pack_neck_taps (m, precision);
    }
  return TRUE;
}

/* The pages of the f32 weights a packed stage copied (none on the generic path). */
static void
release_stage (gpointer model,
               int      stage)
{
  PmSam *m = model;

  if (pm_gemm_packs (m->precision))
    pm_sam_release_stage_sources (m, stage);
}

/**
 * pm_sam_pack_start:
 * @m: a loaded model (m->precision set)
 *
 * Packs the mask head's upscaling, then the image encoder stage by stage
 * (PM_SAM_STAGE_*), in a thread (m->packer), so the load returns once the files are
 * checked. After each stage the mapped f32 pages it copied are released. Callers wait
 * for a stage with pm_stage_packer_wait ().
 */
void
pm_sam_pack_start (PmSam *m)
{
  m->packer = pm_stage_packer_new ("pm-sam-pack", PM_SAM_STAGE_NECK (m) + 1, pack_stage,
                                   release_stage, m);
}

/**
 * pm_sam_get_pack_ms:
 * @model: a model
 *
 * Waits for the packing the load started to finish.
 *
 * Returns: how long it took (it runs alongside the first calls after the load)
 */
double
pm_sam_get_pack_ms (PmSam *m)
{
  return pm_stage_packer_get_pack_ms (m->packer);
}

/* Frees what packing made (safe on a model it did not run on, or only partly; after
 * m->packer is freed). */
void
pm_sam_unpack (PmSam *m)
{
  PmSamWeights *w = &m->w;

  g_clear_pointer (&w->patch, pm_linear_free);
  g_clear_pointer (&w->neck1, pm_linear_free);
  g_clear_pointer (&w->up1, pm_linear_free);
  g_clear_pointer (&w->up2, pm_linear_free);
  for (int i = 0; w->layers != NULL && i < m->config.vision.num_hidden_layers; i++)
    {
      g_clear_pointer (&w->layers[i].qkv, pm_linear_free);
      g_clear_pointer (&w->layers[i].proj, pm_linear_free);
      g_clear_pointer (&w->layers[i].fc1, pm_linear_free);
      g_clear_pointer (&w->layers[i].fc2, pm_linear_free);
    }
  for (int tap = 0; tap < 9; tap++)
    {
      g_clear_pointer (&w->neck2[tap], pm_linear_free);
      g_clear_pointer (&w->neck2_taps[tap], pm_tensor_free);
      g_clear_pointer (&w->shift_rows[tap], g_free);
    }
  g_clear_pointer (&m->win_rows, g_free);
}
