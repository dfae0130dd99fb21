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

/* h[N, D] (grid g×g) → win[nw²·w², D]: window (wy, wx), cell (iy, ix) holds grid cell
 * (wy·w + iy, wx·w + ix), zero where that falls in the padding beyond g. */
static void
window_partition (PmTensor       *win,
                  const PmTensor *h,
                  int             g,
                  int             w)
{
  gint64 d = pm_tensor_cols (h);
  int nw = (g + w - 1) / w;

  for (int wy = 0; wy < nw; wy++)
    for (int wx = 0; wx < nw; wx++)
      for (int iy = 0; iy < w; iy++)
        {
          int y = wy * w + iy;
          float *dst = win->data + ((((gsize) wy * nw + wx) * w + iy) * w) * d;

          for (int ix = 0; ix < w; ix++)
            {
              int x = wx * w + ix;

              if (y < g && x < g)
                memcpy (dst + ix * d, h->data + ((gsize) y * g + x) * d, d * sizeof (float));
              else
                memset (dst + ix * d, 0, d * sizeof (float));
            }
        }
}

/* The inverse, dropping the padding. */
static void
window_unpartition (PmTensor       *h,
                    const PmTensor *win,
                    int             g,
                    int             w)
{
  gint64 d = pm_tensor_cols (h);
  int nw = (g + w - 1) / w;

  for (int y = 0; y < g; y++)
    for (int x = 0; x < g; x++)
      {
        int wy = y / w, wx = x / w, iy = y % w, ix = x % w;

        memcpy (h->data + ((gsize) y * g + x) * d,
                win->data + ((((gsize) wy * nw + wx) * w + iy) * w + ix) * d,
                d * sizeof (float));
      }
}

/* x[N, D] += proj (attention (LN1 (x))), per window or over the whole grid. */
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
  int nw = (g + w - 1) / w;
  gint64 n = (gint64) g * g, d = v->hidden_size, hd = d / heads;
  gint64 tw = (gint64) nw * nw * w * w;
  PmTensor h = pm_arena_tensor_2d (arena, n, d);
  PmTensor win, q, k, vv, a, scratch;
  const PmTensor *rel_h = v->use_rel_pos ? &l->rel_h : NULL;
  const PmTensor *rel_w = v->use_rel_pos ? &l->rel_w : NULL;

  pm_op_layer_norm (&h, x, &l->ln1_w, &l->ln1_b, (float) v->layer_norm_eps);
  if (l->global)
    win = h;
  else
    {
      win = pm_arena_tensor_2d (arena, tw, d);
      window_partition (&win, &h, g, w);
    }
  /* q, k, v: the three thirds of the fused qkv Linear, each [Tw, D] */
  q = pm_arena_tensor_2d (arena, tw, d);
  k = pm_arena_tensor_2d (arena, tw, d);
  vv = pm_arena_tensor_2d (arena, tw, d);
  a = pm_arena_tensor_2d (arena, tw, d);
  pm_op_linear (&q, &win, &l->q_w, l->has_qkv_bias ? &l->q_b : NULL);
  pm_op_linear (&k, &win, &l->k_w, l->has_qkv_bias ? &l->k_b : NULL);
  pm_op_linear (&vv, &win, &l->v_w, l->has_qkv_bias ? &l->v_b : NULL);
  scratch = pm_arena_tensor_2d (arena, 1, pm_op_attention_rel_pos_scratch_size (w, w, hd));
  /* every window at once: [nw², w², D] grids of w × w */
  pm_op_attention_rel_pos (&a, &q, &k, &vv, heads, (float) (1.0 / sqrt ((double) hd)), w, w,
                           rel_h, rel_w, &scratch);
  if (!l->global)
    window_unpartition (&h, &a, g, w);   /* h is free again: reuse it */
  pm_op_linear_acc (x, l->global ? &a : &h, &l->proj_w, &l->proj_b);
  pm_arena_release (arena, mark);
}

/* x[N, D] += lin2 (act (lin1 (LN2 (x)))). */
static void
mlp_block (PmSam                  *m,
           const PmSamVisionLayer *l,
           PmTensor               *x)
{
  const PmSamVisionConfig *v = &m->config.vision;
  gsize mark = pm_arena_mark (m->arena);
  gint64 n = pm_tensor_rows (x), d = v->hidden_size;
  PmTensor h = pm_arena_tensor_2d (m->arena, n, d);
  PmTensor hid = pm_arena_tensor_2d (m->arena, n, v->mlp_dim);

  pm_op_layer_norm (&h, x, &l->ln2_w, &l->ln2_b, (float) v->layer_norm_eps);
  pm_op_linear (&hid, &h, &l->fc1_w, &l->fc1_b);
  if (strcmp (v->hidden_act, "relu") == 0)
    pm_op_relu (&hid, &hid);
  else
    pm_op_gelu (&hid, &hid);
  pm_op_linear_acc (x, &hid, &l->fc2_w, &l->fc2_b);
  pm_arena_release (m->arena, mark);
}

/* pixels [3, S, S] → x[N, D]: stride-p convolution (im2col + sgemm), to token-major,
 * plus the absolute position embedding. */
static void
patch_embed (PmSam       *m,
             const float *pixels,
             PmTensor    *x)
{
  const PmSamVisionConfig *v = &m->config.vision;
  gsize mark = pm_arena_mark (m->arena);
  int s = v->image_size, p = v->patch_size;
  gint64 n = (gint64) m->grid * m->grid, d = v->hidden_size;
  PmTensor in = pm_tensor_view_3d ((float *) pixels, 3, s, s);
  PmTensor conv = pm_arena_tensor_3d (m->arena, d, m->grid, m->grid);
  PmTensor conv2d = pm_tensor_view_2d (conv.data, d, n);
  PmTensor scratch = pm_arena_tensor_2d (m->arena, 1,
                                         pm_op_conv2d_scratch_size (&in, &m->w.patch_w, p, 0));

  pm_op_conv2d (&conv, &in, &m->w.patch_w, &m->w.patch_b, p, 0, &scratch);
  pm_op_transpose (x, &conv2d);
  if (v->use_abs_pos)
    {
      PmTensor pos = pm_tensor_view_2d (m->w.pos_embed.data, n, d);
      pm_op_add (x, x, &pos);
    }
  pm_arena_release (m->arena, mark);
}

/* x[N, D] → image embedding [C, g, g]: 1×1 conv (no bias), LayerNorm2d, 3×3 conv (no
 * bias, padding 1), LayerNorm2d. */
static void
neck (PmSam          *m,
      const PmTensor *x,
      PmTensor       *out)
{
  const PmSamWeights *w = &m->w;
  gsize mark = pm_arena_mark (m->arena);
  int g = m->grid;
  gint64 ch = m->config.vision.output_channels;
  PmTensor n1 = pm_arena_tensor_3d (m->arena, ch, g, g);
  PmTensor n1_2d = pm_tensor_view_2d (n1.data, ch, (gint64) g * g);
  PmTensor scratch = pm_arena_tensor_2d (m->arena, 1,
                                         pm_op_conv2d_scratch_size (&n1, &w->neck2_w, 1, 1));

  /* the 1×1 conv is conv1[C, D] · xᵀ: x [N, D] is the transposed side */
  pm_op_matmul (&n1_2d, &w->neck1_w, x, TRUE);
  pm_op_layer_norm_channels (&n1, &n1, &w->neck_ln1_w, &w->neck_ln1_b, 1e-6f);
  pm_op_conv2d (out, &n1, &w->neck2_w, NULL, 1, 1, &scratch);
  pm_op_layer_norm_channels (out, out, &w->neck_ln2_w, &w->neck_ln2_b, 1e-6f);
  pm_arena_release (m->arena, mark);
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
  t0 = pm_now_ms ();
  x = pm_arena_tensor_2d (m->arena, (gint64) g * g, v->hidden_size);
  patch_embed (m, pixels, &x);
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
      if (!check_cancel (cancellable, error))
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
  neck (m, &x, e->image);
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
    n += pm_tensor_numel (e->k0) + pm_tensor_numel (e->v0);
  return n * sizeof (float) + sizeof *e;
}
