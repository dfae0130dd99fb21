/* pm-sam-encoder.c: SAM's image side: preprocessing (longest side to 1024, Pillow bilinear,
 * normalise, pad) and the ViT image encoder (patch embedding, windowed / global attention
 * with decomposed relative positions, MLP, conv neck with LayerNorm2d).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-sam"

#include <math.h>
#include <string.h>

#include "pm-ops.h"
#include "pm-resample.h"
#include "pm-sam-private.h"

/* ---------------------------------------------------------------------------------------
 * Preprocessing
 * ------------------------------------------------------------------------------------- */

/**
 * pm_sam_get_resized_size:
 *
 * The longest side becomes longest_edge; the other is scaled by the same factor and
 * rounded half up (Meta's ResizeLongestSide, SamImageProcessor).
 */
void
pm_sam_get_resized_size (PmSam *m,
                         int    width,
                         int    height,
                         int   *resized_width,
                         int   *resized_height)
{
  double scale = (double) m->config.longest_edge / MAX (width, height);

  *resized_width = MAX (1, (int) (width * scale + 0.5));
  *resized_height = MAX (1, (int) (height * scale + 0.5));
}

/**
 * pm_sam_preprocess:
 * @model: a model
 * @image: RGBA image (alpha ignored)
 * @pixels: (out caller-allocates): 3·S·S floats
 * @error: return location
 *
 * Returns: %FALSE for an empty image
 */
gboolean
pm_sam_preprocess (PmSam         *m,
                   const PmImage *image,
                   float         *pixels,
                   GError       **error)
{
  const PmSamConfig *c = &m->config;
  int s = c->vision.image_size, rw, rh;
  gsize plane = (gsize) s * s;
  g_autofree guint8 *rgb = NULL;

  g_return_val_if_fail (image != NULL && pixels != NULL, FALSE);
  if (image->width <= 0 || image->height <= 0 || image->data == NULL)
    {
      g_set_error (error, PM_SAM_ERROR, PM_SAM_ERROR_INPUT, "image is empty");
      return FALSE;
    }
  pm_sam_get_resized_size (m, image->width, image->height, &rw, &rh);
  rgb = pm_resample_rgb_pil_bilinear (image, rw, rh);

  /* (x · rescale − mean) / std into [3, S, S], zeros right of and below the image */
  memset (pixels, 0, 3 * plane * sizeof (float));
  for (int cc = 0; cc < 3; cc++)
    {
      double mean = c->do_normalize ? c->image_mean[cc] : 0.0;
      double std = c->do_normalize ? c->image_std[cc] : 1.0;
      double scale = c->do_rescale ? c->rescale_factor : 1.0;

      for (int y = 0; y < rh; y++)
        {
          const guint8 *src = rgb + (gsize) y * rw * 3 + cc;
          float *dst = pixels + cc * plane + (gsize) y * s;

          for (int x = 0; x < rw; x++)
            dst[x] = (float) ((src[3 * x] * scale - mean) / std);
        }
    }
  return TRUE;
}

/* ---------------------------------------------------------------------------------------
 * Encoder layers
 * ------------------------------------------------------------------------------------- */

/* x[N, D] += proj (attention (LN1 (x))), per window or over the whole grid. The windows
 * are row maps (pm-sam-pack.c): the qkv product reads the normed rows window by window
 * (zeros in the padding), attention runs every window at once, and proj adds each row back
 * onto its token; no partition copies. */
static void
attention_block (PmSam                  *m,
                 const PmSamVisionLayer *l,
                 PmTensor               *x)
{
  const PmSamVisionConfig *v = &m->config.vision;
  PmArena *arena = m->arena;
  gsize mark = pm_arena_mark (arena);
  int g = m->grid, heads = v->num_attention_heads;
  int w = l->global ? g : v->window_size;
  gint64 n = (gint64) g * g, d = v->hidden_size, hd = d / heads;
  gint64 tw = l->global ? n : m->win_n_rows;
  const gint32 *rows = l->global ? NULL : m->win_rows;
  PmTensor qkv = pm_arena_tensor_2d (arena, tw, 3 * d);
  PmTensor a = pm_arena_tensor_2d (arena, tw, d);
  PmLinearOptions ln1 = { &l->ln1_w, &l->ln1_b, (float) v->layer_norm_eps, PM_ACT_NONE, FALSE,
                          tw, rows, NULL };
  PmLinearOptions back = { NULL, NULL, 0, PM_ACT_NONE, TRUE, tw, NULL, rows };

  pm_op_linear_fused (&qkv, x, l->qkv, &ln1);
  pm_op_attention_qkv_grid (&a, &qkv, heads, (float) (1.0 / sqrt ((double) hd)), w, w,
                            v->use_rel_pos ? &l->rel_h : NULL, v->use_rel_pos ? &l->rel_w : NULL,
                            pm_linear_get_precision (l->qkv));
  pm_op_linear_fused (x, &a, l->proj, &back);
  pm_arena_release (arena, mark);
}

/* x[N, D] += lin2 (act (lin1 (LN2 (x)))): two fused products. */
static void
mlp_block (PmSam                  *m,
           const PmSamVisionLayer *l,
           PmTensor               *x)
{
  const PmSamVisionConfig *v = &m->config.vision;
  gsize mark = pm_arena_mark (m->arena);
  gint64 n = pm_tensor_rows (x);
  PmTensor hid = pm_arena_tensor_2d (m->arena, n, v->mlp_dim);
  PmLinearOptions ln2 = { &l->ln2_w, &l->ln2_b, (float) v->layer_norm_eps,
                          strcmp (v->hidden_act, "relu") == 0 ? PM_ACT_RELU : PM_ACT_GELU, FALSE };
  PmLinearOptions residual = { NULL, NULL, 0, PM_ACT_NONE, TRUE };

  pm_op_linear_fused (&hid, x, l->fc1, &ln2);
  pm_op_linear_fused (x, &hid, l->fc2, &residual);
  pm_arena_release (m->arena, mark);
}

/* pixels [3, S, S] → x[N, D]: the stride-p convolution is a Linear on each patch's pixels
 * (read as a row in the weight's (channel, ky, kx) order), so its output rows are the
 * tokens; plus the absolute position embedding. */
static gboolean
patch_embed (PmSam         *m,
             const float   *pixels,
             PmTensor      *x,
             GCancellable  *cancellable,
             GError       **error)
{
  const PmSamVisionConfig *v = &m->config.vision;
  gsize mark = pm_arena_mark (m->arena);
  gint64 s = v->image_size, p = v->patch_size, g = m->grid, kdim = 3 * p * p;
  gint64 n = g * g, d = v->hidden_size;
  PmTensor rows = pm_arena_tensor_2d (m->arena, n, kdim);

  for (gint64 gy = 0; gy < g; gy++)
    for (gint64 gx = 0; gx < g; gx++)
      for (gint64 ch = 0; ch < 3; ch++)
        for (gint64 ky = 0; ky < p; ky++)
          memcpy (rows.data + (gy * g + gx) * kdim + (ch * p + ky) * p,
                  pixels + (ch * s + gy * p + ky) * s + gx * p, p * sizeof (float));
  if (!pm_stage_packer_wait (m->packer, PM_SAM_STAGE_PATCH, cancellable, error))
    {
      pm_arena_release (m->arena, mark);
      return FALSE;
    }
  pm_op_linear_fused (x, &rows, m->w.patch, NULL);
  if (v->use_abs_pos)
    {
      PmTensor pos = pm_tensor_view_2d (m->w.pos_embed.data, n, d);
      pm_op_add (x, x, &pos);
    }
  pm_arena_release (m->arena, mark);
  return TRUE;
}

/* x[N, D] → image embedding [C, g, g]: 1×1 conv (no bias), LayerNorm2d, 3×3 conv (no
 * bias, padding 1), LayerNorm2d. Token-major, a LayerNorm2d is a row norm and the 3×3 conv
 * nine products over shifted rows, accumulated; one transpose at the end. */
static gboolean
neck (PmSam          *m,
      const PmTensor *x,
      PmTensor       *out,
      GCancellable   *cancellable,
      GError        **error)
{
  const PmSamWeights *w = &m->w;
  gsize mark = pm_arena_mark (m->arena);
  gint64 n = (gint64) m->grid * m->grid;
  gint64 ch = m->config.vision.output_channels;
  PmTensor n1 = pm_arena_tensor_2d (m->arena, n, ch);
  PmTensor n2 = pm_arena_tensor_2d (m->arena, n, ch);
  PmTensor out2d = pm_tensor_view_2d (out->data, ch, n);

  if (!pm_stage_packer_wait (m->packer, PM_SAM_STAGE_NECK (m), cancellable, error))
    {
      pm_arena_release (m->arena, mark);
      return FALSE;
    }
  pm_op_linear_fused (&n1, x, w->neck1, NULL);
  pm_op_layer_norm (&n1, &n1, &w->neck_ln1_w, &w->neck_ln1_b, 1e-6f);
  for (int tap = 0; tap < 9; tap++)
    {
      PmLinearOptions shifted = { NULL, NULL, 0, PM_ACT_NONE, tap > 0, n, w->shift_rows[tap],
                                  NULL };
      pm_op_linear_fused (&n2, &n1, w->neck2[tap], &shifted);
    }
  pm_op_layer_norm (&n2, &n2, &w->neck_ln2_w, &w->neck_ln2_b, 1e-6f);
  pm_op_transpose (&out2d, &n2);
  pm_arena_release (m->arena, mark);
  return TRUE;
}

/* ---------------------------------------------------------------------------------------
 * Forward
 * ------------------------------------------------------------------------------------- */

static gboolean
check_cancel (GCancellable *cancellable,
              GError      **error)
{
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* pm_sam_encode_image () inside pm_ops_blas_begin/end. */
static PmSamEmbedding *
encode_image_in_gate (PmSam          *m,
                      const float    *pixels,
                      int             width,
                      int             height,
                      PmProgressFunc  progress,
                      gpointer        progress_data,
                      GCancellable   *cancellable,
                      PmTimings      *timings,
                      GError        **error)
{
  const PmSamVisionConfig *v = &m->config.vision;
  g_autoptr(PmSamEmbedding) e = NULL;
  int layers = v->num_hidden_layers, g = m->grid;
  PmTensor x;
  double t0;

  if (!check_cancel (cancellable, error))
    return NULL;
  e = g_new0 (PmSamEmbedding, 1);
  e->width = width;
  e->height = height;
  pm_sam_get_resized_size (m, width, height, &e->resized_w, &e->resized_h);
  e->image = pm_tensor_new_3d (v->output_channels, g, g);

  pm_arena_reset (m->arena);
  pm_ops_profile_set_scope ("encoder");
  t0 = pm_now_ms ();
  x = pm_arena_tensor_2d (m->arena, (gint64) g * g, v->hidden_size);
  if (!patch_embed (m, pixels, &x, cancellable, error))
    return NULL;
  pm_sam_dump (m, "vision.patch_embed", &x);
  if (timings != NULL)
    pm_timings_add (timings, "patch embedding", pm_now_ms () - t0);

  t0 = pm_now_ms ();
  for (int i = 0; i < layers; i++)
    {
      if (progress != NULL)
        {
          g_autofree char *stage = g_strdup_printf ("image encoder layer %d/%d", i + 1, layers);
          progress (stage, (double) i / (layers + 1), progress_data);
        }
      if (!pm_stage_packer_wait (m->packer, PM_SAM_STAGE_LAYER (i), cancellable, error))
        return NULL;
      attention_block (m, &m->w.layers[i], &x);
      mlp_block (m, &m->w.layers[i], &x);
      if (m->dump != NULL)
        {
          g_autofree char *name = g_strdup_printf ("vision.layer%d", i);
          pm_sam_dump (m, name, &x);
        }
    }
  if (timings != NULL)
    pm_timings_add (timings, "encoder layers", pm_now_ms () - t0);
  if (!check_cancel (cancellable, error))
    return NULL;

  t0 = pm_now_ms ();
  if (!neck (m, &x, e->image, cancellable, error))
    return NULL;
  pm_sam_dump (m, "vision.neck", e->image);
  if (timings != NULL)
    pm_timings_add (timings, "neck", pm_now_ms () - t0);

  t0 = pm_now_ms ();
  pm_arena_reset (m->arena);
  pm_sam_build_decoder_cache (m, e);
  if (timings != NULL)
    pm_timings_add (timings, "decoder cache", pm_now_ms () - t0);
  if (progress != NULL)
    progress ("image encoded", 1.0, progress_data);
  return g_steal_pointer (&e);
}

/**
 * pm_sam_encode_image:
 * @model: a model
 * @pixels: [3, S, S] from pm_sam_preprocess ()
 * @width: the original image's width (what prompts refer to)
 * @height: its height
 * @progress: (nullable): per-layer progress
 * @progress_data: its data
 * @cancellable: (nullable): checked between layers
 * @timings: (nullable): receives the stages
 * @error: return location
 *
 * Returns: (transfer full): the embedding and the image-only parts of the decoder, or
 * NULL (cancelled)
 */
PmSamEmbedding *
pm_sam_encode_image (PmSam          *m,
                     const float    *pixels,
                     int             width,
                     int             height,
                     PmProgressFunc  progress,
                     gpointer        progress_data,
                     GCancellable   *cancellable,
                     PmTimings      *timings,
                     GError        **error)
{
  PmSamEmbedding *e;

  g_return_val_if_fail (pixels != NULL && width > 0 && height > 0, NULL);
  pm_ops_blas_begin ();
  e = encode_image_in_gate (m, pixels, width, height, progress, progress_data, cancellable,
                            timings, error);
  pm_ops_blas_end ();
  return e;
}

void
pm_sam_embedding_free (PmSamEmbedding *e)
{
  if (e == NULL)
    return;
  g_clear_pointer (&e->image, pm_tensor_free);
  g_clear_pointer (&e->keys, pm_tensor_free);
  g_clear_pointer (&e->k0, pm_tensor_free);
  g_clear_pointer (&e->v0, pm_tensor_free);
  g_clear_pointer (&e->q0, pm_tensor_free);
  g_free (e);
}

const PmTensor *
pm_sam_embedding_get_tensor (const PmSamEmbedding *e)
{
  return e->image;
}

int
pm_sam_embedding_get_width (const PmSamEmbedding *e)
{
  return e->width;
}

int
pm_sam_embedding_get_height (const PmSamEmbedding *e)
{
  return e->height;
}

gsize
pm_sam_embedding_get_bytes (const PmSamEmbedding *e)
{
  gsize n = 0;

  if (e->image != NULL)
    n += pm_tensor_numel (e->image);
  if (e->keys != NULL)
    n += pm_tensor_numel (e->keys);
  if (e->k0 != NULL)
    n += pm_tensor_numel (e->k0) + pm_tensor_numel (e->v0) + pm_tensor_numel (e->q0);
  return n * sizeof (float) + sizeof *e;
}
