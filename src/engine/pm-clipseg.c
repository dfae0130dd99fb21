/* pm-clipseg.c: CLIPSegForImageSegmentation forward pass (vision, text, decoder).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shapes: S = input side (352), p = patch (16), g = S/p (22), T = g² + 1 tokens (485),
 * Dv/Dt = vision/text width (768/512), R = reduce_dim (64), E = projection_dim (512),
 * n = number of extracted layers (3). Every activation is [tokens, width], row-major.
 */
#define G_LOG_DOMAIN "pm-clipseg"

#include "pm-clipseg-private.h"

#include <math.h>
#include <string.h>

#include "pm-ops.h"
#include "pm-safetensors.h"

G_DEFINE_QUARK (pm-clipseg-error-quark, pm_clipseg_error)

/* Timing helpers that record straight into PmTimings' public array, so the model code
 * links without the engine layer (pm-engine.c pulls in the image code). */
static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static void
add_timing (PmTimings  *timings,
            const char *stage,
            double      ms)
{
  PmTiming t;

  if (timings == NULL || timings->items == NULL)
    return;
  t.stage = g_strdup (stage);
  t.ms = ms;
  g_array_append_val (timings->items, t);
}

static void
dump (PmClipseg      *m,
      const PmTensor *t,
      const char     *fmt,
      ...) G_GNUC_PRINTF (3, 4);

static void
dump (PmClipseg      *m,
      const PmTensor *t,
      const char     *fmt,
      ...)
{
  g_autofree char *name = NULL;
  va_list ap;

  if (m->dump == NULL)
    return;
  va_start (ap, fmt);
  name = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  m->dump (name, t, m->dump_data);
}

/* ---------------------------------------------------------------------------------------
 * Transformer layers
 * ------------------------------------------------------------------------------------- */

/* The attention precision of a layer: that of its packed projections. */
static PmPrecision
layer_precision (const PmClipsegLayer *l)
{
  return pm_linear_get_precision (l->qkv);
}

/* CLIP encoder layer (pre-norm, quick-GELU), in place on x[T,D]:
 *   x += out_proj(attn(LN1(x)));  x += fc2(quick_gelu(fc1(LN2(x))))
 * Each line is two fused ops: the layer norms happen as the next product packs its input,
 * bias, GELU and the residual add as it writes its output. */
static void
encoder_layer (PmArena              *arena,
               const PmClipsegLayer *l,
               PmTensor             *x,
               int                   n_heads,
               float                 eps,
               gboolean              causal,
               const guint8         *key_mask)
{
  gint64 t = x->shape[0], d = x->shape[1], inter = pm_linear_get_out (l->fc1);
  gsize mark = pm_arena_mark (arena);
  PmTensor qkv = pm_arena_tensor_2d (arena, t, 3 * d);
  PmTensor a = pm_arena_tensor_2d (arena, t, d);
  PmTensor f = pm_arena_tensor_2d (arena, t, inter);
  PmLinearOptions ln1 = { &l->ln1_w, &l->ln1_b, eps, PM_ACT_NONE, FALSE };
  PmLinearOptions ln2_gelu = { &l->ln2_w, &l->ln2_b, eps, PM_ACT_QUICK_GELU, FALSE };
  PmLinearOptions residual = { NULL, NULL, 0, PM_ACT_NONE, TRUE };

  pm_op_linear_fused (&qkv, x, l->qkv, &ln1);
  pm_op_attention_qkv (&a, &qkv, n_heads, 1.0f / sqrtf ((float) (d / n_heads)), causal,
                       key_mask, layer_precision (l));
  pm_op_linear_fused (x, &a, l->o, &residual);
  pm_op_linear_fused (&f, x, l->fc1, &ln2_gelu);
  pm_op_linear_fused (x, &f, l->fc2, &residual);
  pm_arena_release (arena, mark);
}

/* CLIPSeg decoder layer (post-norm, ReLU), in place on x[T,R]:
 *   x = LN1(x + attn(x));  x = LN2(x + fc2(relu(fc1(x)))) */
static void
decoder_layer (PmArena              *arena,
               const PmClipsegLayer *l,
               PmTensor             *x,
               int                   n_heads,
               float                 eps)
{
  gint64 t = x->shape[0], d = x->shape[1];
  gsize mark = pm_arena_mark (arena);
  PmTensor h = pm_arena_tensor_2d (arena, t, d);
  PmTensor qkv = pm_arena_tensor_2d (arena, t, 3 * d);
  PmTensor a = pm_arena_tensor_2d (arena, t, d);
  PmLinearOptions relu = { NULL, NULL, 0, PM_ACT_RELU, FALSE };
  PmLinearOptions residual = { NULL, NULL, 0, PM_ACT_NONE, TRUE };

  memcpy (h.data, x->data, t * d * sizeof (float));
  pm_op_linear_fused (&qkv, x, l->qkv, NULL);
  pm_op_attention_qkv (&a, &qkv, n_heads, 1.0f / sqrtf ((float) (d / n_heads)), FALSE, NULL,
                       layer_precision (l));
  pm_op_linear_fused (&h, &a, l->o, &residual);
  pm_op_layer_norm (x, &h, &l->ln1_w, &l->ln1_b, eps);
  memcpy (h.data, x->data, t * d * sizeof (float));
  pm_op_mlp_fused (&h, x, l->fc1, &relu, l->fc2, TRUE);
  pm_op_layer_norm (x, &h, &l->ln2_w, &l->ln2_b, eps);
  pm_arena_release (arena, mark);
}

static gboolean
check_cancel (GCancellable *cancellable,
              GError      **error)
{
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* ---------------------------------------------------------------------------------------
 * Vision encoder
 * ------------------------------------------------------------------------------------- */

/* The body of pm_clipseg_encode_image(), inside the BLAS gate. */
static PmClipsegVision *
encode_image_in_gate (PmClipseg       *m,
                      const float     *pixel_values,
                      PmProgressFunc   progress,
                      gpointer         progress_data,
                      GCancellable    *cancellable,
                      PmTimings       *timings,
                      GError         **error)
{
  const PmClipsegConfig *c = &m->config;
  gint64 s = c->input_height, g = m->grid, t = m->n_tokens, dv = c->vision.hidden_size;
  float eps = (float) c->vision.layer_norm_eps;
  g_autoptr(PmClipsegVision) vision = NULL;
  g_autofree float *acts = NULL;   /* [n, T, Dv]: the residual stream at extract_layers */
  PmArena *arena = m->arena;
  PmTensor x, patches;
  double t0 = now_ms (), t1;

  g_return_val_if_fail (pixel_values != NULL, NULL);
  if (!check_cancel (cancellable, error))
    return NULL;
  pm_arena_reset (arena);
  vision = g_new0 (PmClipsegVision, 1);
  vision->n = c->n_extract_layers;
  vision->tokens = (int) t;
  vision->width = (int) dv;
  vision->reduce = (int) c->reduce_dim;
  acts = g_try_new (float, (gsize) vision->n * t * dv);
  vision->reduced = g_try_new (float, (gsize) vision->n * t * c->reduce_dim);
  if (acts == NULL || vision->reduced == NULL)
    {
      g_set_error (error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_INPUT,
                   "not enough memory for the vision activations (%.1f GB)",
                   (double) vision->n * t * dv * 4 / 1e9);
      return NULL;
    }

  pm_ops_profile_set_scope ("vision");

  /* Embeddings: x[0] = class_embedding, x[1 + y·g + x] = patch conv, + position table.
   * The conv (stride = kernel = p, no bias) is a Linear on each patch's pixels, read as a
   * row in the weight's (channel, ky, kx) order, so its output rows are the tokens. */
  x = pm_arena_tensor_2d (arena, t, dv);
  {
    gsize mark = pm_arena_mark (arena);
    gint64 p = c->vision.patch_size, kdim = 3 * p * p;
    PmTensor rows = pm_arena_tensor_2d (arena, g * g, kdim);

    for (gint64 gy = 0; gy < g; gy++)
      for (gint64 gx = 0; gx < g; gx++)
        for (gint64 ch = 0; ch < 3; ch++)
          for (gint64 ky = 0; ky < p; ky++)
            memcpy (rows.data + (gy * g + gx) * kdim + (ch * p + ky) * p,
                    pixel_values + (ch * s + gy * p + ky) * s + gx * p, p * sizeof (float));
    patches = pm_tensor_view_2d (x.data + dv, g * g, dv);
    if (!pm_stage_packer_wait (m->packer, PM_CLIPSEG_STAGE_PATCH, cancellable, error))
      return NULL;
    pm_op_linear_fused (&patches, &rows, m->w.patch, NULL);
    dump (m, &patches, "vision.patch_embeds");
    memcpy (x.data, m->w.class_emb.data, dv * sizeof (float));
    pm_op_add (&x, &x, m->pos_table);
    pm_arena_release (arena, mark);
  }
  dump (m, m->pos_table, "vision.position_table");
  dump (m, &x, "vision.embeddings");
  pm_op_layer_norm (&x, &x, &m->w.pre_ln_w, &m->w.pre_ln_b, eps);
  dump (m, &x, "vision.pre_layrnorm");
  t1 = now_ms ();
  add_timing (timings, "vision embeddings", t1 - t0);

  /* Encoder layers, up to the deepest extracted one */
  for (int i = 0; i < m->n_vision; i++)
    {
      if (progress != NULL)
        {
          g_autofree char *stage = g_strdup_printf ("vision layer %d/%d", i + 1, m->n_vision);
          progress (stage, (double) i / m->n_vision, progress_data);
        }
      if (!pm_stage_packer_wait (m->packer, PM_CLIPSEG_STAGE_VISION (m, i), cancellable, error))
        return NULL;
      encoder_layer (arena, &m->w.vision_layers[i], &x, c->vision.num_attention_heads, eps,
                     FALSE, NULL);
      dump (m, &x, "vision.layer%d", i);
      for (int j = 0; j < c->n_extract_layers; j++)
        if (c->extract_layers[j] == i)
          memcpy (acts + (gsize) j * t * dv, x.data, t * dv * sizeof (float));
    }

  /* The decoder's reduce projections of the extracted layers, deepest first. */
  pm_ops_profile_set_scope ("decoder");
  if (!pm_stage_packer_wait (m->packer, PM_CLIPSEG_STAGE_DECODER (m), cancellable, error))
    return NULL;
  for (int i = 0; i < vision->n; i++)
    {
      PmTensor act = pm_tensor_view_2d (acts + (gsize) (vision->n - 1 - i) * t * dv, t, dv);
      PmTensor red = pm_tensor_view_2d (vision->reduced + (gsize) i * t * c->reduce_dim, t,
                                        c->reduce_dim);

      pm_op_linear_fused (&red, &act, m->w.reduce[i], NULL);
    }
  if (progress != NULL)
    progress ("vision encoder done", 1.0, progress_data);
  add_timing (timings, "vision encoder", now_ms () - t1);
  return g_steal_pointer (&vision);
}

void
pm_clipseg_vision_free (PmClipsegVision *vision)
{
  if (vision == NULL)
    return;
  g_free (vision->reduced);
  g_free (vision);
}

gsize
pm_clipseg_vision_get_bytes (const PmClipsegVision *vision)
{
  return (gsize) vision->n * vision->tokens * vision->reduce * sizeof (float);
}

/* ---------------------------------------------------------------------------------------
 * Text encoder
 * ------------------------------------------------------------------------------------- */

/* The body of pm_clipseg_encode_text(), inside the BLAS gate. */
static gboolean
encode_text_in_gate (PmClipseg     *m,
                     const gint32  *ids,
                     int            n_ids,
                     const guint8  *attention_mask,
                     float         *embedding,
                     GCancellable  *cancellable,
                     PmTimings     *timings,
                     GError       **error)
{
  const PmClipsegConfig *c = &m->config;
  gint64 dt = c->text.hidden_size;
  float eps = (float) c->text.layer_norm_eps;
  PmArena *arena = m->arena;
  PmTensor x, pooled, out;
  double t0 = now_ms ();
  int eos = -1;

  if (n_ids < 1 || n_ids > c->text.max_position_embeddings)
    {
      g_set_error (error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_INPUT,
                   "prompt has %d tokens; the text model takes 1 to %d", n_ids,
                   c->text.max_position_embeddings);
      return FALSE;
    }
  for (int i = 0; i < n_ids; i++)
    if (ids[i] < 0 || ids[i] >= c->text.vocab_size)
      {
        g_set_error (error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_INPUT,
                     "token id %d at position %d is outside the vocabulary (%d)", ids[i], i,
                     c->text.vocab_size);
        return FALSE;
      }
  if (!check_cancel (cancellable, error))
    return FALSE;
  pm_arena_reset (arena);
  pm_ops_profile_set_scope ("text");

  /* Embeddings: token_embedding[id] (converted row by row) + position_embedding[i] */
  x = pm_arena_tensor_2d (arena, n_ids, dt);
  {
    gsize esize = pm_dtype_size (m->w.tok_emb->dtype);
    for (int i = 0; i < n_ids; i++)
      {
        float *row = x.data + i * dt;
        const float *pos = m->w.pos_emb.data + i * dt;
        pm_dtype_convert_f32 (m->w.tok_emb->dtype,
                              m->w.tok_emb_data + (gsize) ids[i] * dt * esize, row, dt);
        for (gint64 j = 0; j < dt; j++)
          row[j] += pos[j];
      }
  }
  dump (m, &x, "text.embeddings");

  for (int l = 0; l < c->text.num_hidden_layers; l++)
    {
      if (!pm_stage_packer_wait (m->packer, PM_CLIPSEG_STAGE_TEXT (m, l), cancellable, error))
        return FALSE;
      encoder_layer (arena, &m->w.text_layers[l], &x, c->text.num_attention_heads, eps, TRUE,
                     attention_mask);
      dump (m, &x, "text.layer%d", l);
    }
  pm_op_layer_norm (&x, &x, &m->w.final_ln_w, &m->w.final_ln_b, eps);
  dump (m, &x, "text.final_layer_norm");

  /* Pooling position: legacy configs (eos_token_id 2) take the first position of the
   * largest id; newer ones the first eos_token_id (position 0 if there is none), as HF. */
  if (c->text.eos_token_id == 2)
    {
      eos = 0;
      for (int i = 1; i < n_ids; i++)
        if (ids[i] > ids[eos])
          eos = i;
    }
  else
    {
      eos = 0;
      for (int i = n_ids - 1; i >= 0; i--)
        if (ids[i] == c->text.eos_token_id)
          eos = i;
    }
  pooled = pm_tensor_view_2d (x.data + (gint64) eos * dt, 1, dt);
  dump (m, &pooled, "text.pooled");
  out = pm_tensor_view_2d (embedding, 1, c->projection_dim);
  if (!pm_stage_packer_wait (m->packer, PM_CLIPSEG_STAGE_TEXT (m, c->text.num_hidden_layers),
                             cancellable, error))
    return FALSE;
  pm_op_linear_fused (&out, &pooled, m->w.text_proj_l, NULL);
  dump (m, &out, "conditional_embeddings");
  add_timing (timings, "text encoder", now_ms () - t0);
  return TRUE;
}

/* ---------------------------------------------------------------------------------------
 * Decoder
 * ------------------------------------------------------------------------------------- */

/* The body of pm_clipseg_decode(), inside the BLAS gate. */
static gboolean
decode_in_gate (PmClipseg              *m,
                const PmClipsegVision  *vision,
                const float            *embedding,
                float                  *logits,
                GCancellable           *cancellable,
                PmTimings              *timings,
                GError                **error)
{
  const PmClipsegConfig *c = &m->config;
  const PmClipsegWeights *w = &m->w;
  gint64 t = m->n_tokens, dv = c->vision.hidden_size, r = c->reduce_dim, g = m->grid;
  gint64 s = c->input_height, e = c->projection_dim;
  int n = c->n_extract_layers;
  float eps = (float) c->vision.layer_norm_eps;
  PmArena *arena = m->arena;
  PmTensor x, red, mul, add, cond, feat, tokens;
  double t0 = now_ms ();

  g_return_val_if_fail (vision != NULL && embedding != NULL && logits != NULL, FALSE);
  if (vision->n != n || vision->tokens != t || vision->width != dv || vision->reduce != r)
    {
      g_set_error (error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_INPUT,
                   "vision activations do not belong to this model");
      return FALSE;
    }
  if (!check_cancel (cancellable, error))
    return FALSE;
  pm_arena_reset (arena);
  pm_ops_profile_set_scope ("decoder");
  if (!pm_stage_packer_wait (m->packer, PM_CLIPSEG_STAGE_DECODER (m), cancellable, error))
    return FALSE;

  /* FiLM parameters from the conditional embedding: mul, add [R] */
  cond = pm_tensor_view_2d ((float *) embedding, 1, e);
  mul = pm_arena_tensor_2d (arena, 1, r);
  add = pm_arena_tensor_2d (arena, 1, r);
  pm_op_linear (&mul, &cond, &w->film_mul_w, &w->film_mul_b);
  pm_op_linear (&add, &cond, &w->film_add_w, &w->film_add_b);

  /* Transformer over the extracted activations, deepest first:
   * out = reduce_i(act[n−1−i]) (+ out); FiLM at conditional_layer; layer_i. */
  x = pm_arena_tensor_2d (arena, t, r);
  red = pm_arena_tensor_2d (arena, t, r);
  for (int i = 0; i < n; i++)
    {
      PmTensor red = pm_tensor_view_2d (vision->reduced + (gsize) i * t * r, t, r);

      if (!check_cancel (cancellable, error))
        return FALSE;
      if (i == 0)
        memcpy (x.data, red.data, (gsize) t * r * sizeof (float));
      else
        pm_op_add (&x, &x, &red);
      dump (m, &x, "decoder.reduce%d", i);
      if (i == c->conditional_layer)
        {
          pm_op_film (&x, &x, &mul, &add);
          dump (m, &x, "decoder.film");
        }
      decoder_layer (arena, &w->dec_layers[i], &x, c->decoder_num_attention_heads, eps);
      dump (m, &x, "decoder.layer%d", i);
    }

  /* Drop the class token; tokens [g², R] → feature map [R, g, g] */
  tokens = pm_tensor_view_2d (x.data + r, g * g, r);
  feat = pm_tensor_view_2d (red.data, r, g * g);
  pm_op_transpose (&feat, &tokens);
  feat = pm_tensor_view_3d (red.data, r, g, g);
  dump (m, &feat, "decoder.feature_map");

  if (c->use_complex_transposed_convolution)
    {
      /* Conv2d 3×3 pad 1 → ReLU → ConvT k=s=p/4 (R → R/2) → ReLU → ConvT (R/2 → 1) */
      gint64 k = c->vision.patch_size / 4;
      PmTensor h0 = pm_arena_tensor_3d (arena, r, g, g);
      PmTensor h1 = pm_arena_tensor_3d (arena, r / 2, g * k, g * k);
      PmTensor out = pm_tensor_view_3d (logits, 1, s, s);
      PmTensor scratch;
      gsize need = MAX (pm_op_conv2d_scratch_size (&feat, &w->conv0_w, 1, 1),
                        MAX (pm_op_conv_transpose2d_scratch_size (&h0, &w->convt1_w),
                             pm_op_conv_transpose2d_scratch_size (&h1, &w->convt2_w)));

      scratch = pm_arena_tensor (arena, 1, (gint64[]) { (gint64) need });
      pm_op_conv2d (&h0, &feat, &w->conv0_w, &w->conv0_b, 1, 1, &scratch);
      dump (m, &h0, "decoder.transposed_convolution.0");
      pm_op_relu (&h0, &h0);
      dump (m, &h0, "decoder.transposed_convolution.1");
      pm_op_conv_transpose2d (&h1, &h0, &w->convt1_w, &w->convt1_b, (int) k, &scratch);
      dump (m, &h1, "decoder.transposed_convolution.2");
      pm_op_relu (&h1, &h1);
      dump (m, &h1, "decoder.transposed_convolution.3");
      pm_op_conv_transpose2d (&out, &h1, &w->convt2_w, &w->convt2_b, (int) k, &scratch);
      dump (m, &out, "decoder.transposed_convolution.4");
    }
  else
    {
      /* ConvT k=s=p (R → 1) */
      PmTensor out = pm_tensor_view_3d (logits, 1, s, s);
      PmTensor scratch = pm_arena_tensor (arena, 1, (gint64[]) {
        (gint64) pm_op_conv_transpose2d_scratch_size (&feat, &w->convt_w) });

      pm_op_conv_transpose2d (&out, &feat, &w->convt_w, &w->convt_b, c->vision.patch_size,
                              &scratch);
      dump (m, &out, "decoder.transposed_convolution");
    }
  add_timing (timings, "decoder", now_ms () - t0);
  return TRUE;
}

/**
 * pm_clipseg_encode_image:
 * @model: a model
 * @pixel_values: [3, S, S] preprocessed pixels
 * @progress: (nullable): per-layer progress
 * @progress_data: its data
 * @cancellable: (nullable): checked between layers
 * @timings: (nullable): receives "vision embeddings" and "vision encoder"
 * @error: return location
 *
 * Returns: (transfer full): what the decoder needs of the image: the residual stream after
 * each extracted layer, through the decoder's reduce projections.
 */
PmClipsegVision *
pm_clipseg_encode_image (PmClipseg       *m,
                         const float     *pixel_values,
                         PmProgressFunc   progress,
                         gpointer         progress_data,
                         GCancellable    *cancellable,
                         PmTimings       *timings,
                         GError         **error)
{
  PmClipsegVision *vision;

  pm_ops_blas_begin ();
  vision = encode_image_in_gate (m, pixel_values, progress, progress_data, cancellable, timings,
                                 error);
  pm_ops_blas_end ();
  return vision;
}

/**
 * pm_clipseg_encode_text:
 * @model: a model
 * @ids: token ids, BOS … EOS (possibly padded)
 * @n_ids: their number (the real length is used, not 77)
 * @attention_mask: (nullable): 1 for real tokens, 0 for padding
 * @embedding: (out caller-allocates): projection_dim floats
 * @cancellable: (nullable): checked between layers
 * @timings: (nullable): receives "text encoder"
 * @error: return location
 *
 * Causal CLIP text transformer; the pooled vector is the final-layer-normed state at the
 * EOS position, projected by text_projection (not normalised).
 */
gboolean
pm_clipseg_encode_text (PmClipseg     *m,
                        const gint32  *ids,
                        int            n_ids,
                        const guint8  *attention_mask,
                        float         *embedding,
                        GCancellable  *cancellable,
                        PmTimings     *timings,
                        GError       **error)
{
  gboolean ok;

  pm_ops_blas_begin ();
  ok = encode_text_in_gate (m, ids, n_ids, attention_mask, embedding, cancellable, timings,
                            error);
  pm_ops_blas_end ();
  return ok;
}

/**
 * pm_clipseg_decode:
 * @model: a model
 * @vision: activations from pm_clipseg_encode_image() on this model
 * @embedding: projection_dim floats from pm_clipseg_encode_text()
 * @logits: (out caller-allocates): S×S floats
 * @cancellable: (nullable): checked between layers
 * @timings: (nullable): receives "decoder"
 * @error: return location
 */
gboolean
pm_clipseg_decode (PmClipseg              *m,
                   const PmClipsegVision  *vision,
                   const float            *embedding,
                   float                  *logits,
                   GCancellable           *cancellable,
                   PmTimings              *timings,
                   GError                **error)
{
  gboolean ok;

  pm_ops_blas_begin ();
  ok = decode_in_gate (m, vision, embedding, logits, cancellable, timings, error);
  pm_ops_blas_end ();
  return ok;
}

gboolean
pm_clipseg_forward (PmClipseg     *m,
                    const float   *pixel_values,
                    const gint32  *ids,
                    int            n_ids,
                    float         *logits,
                    GCancellable  *cancellable,
                    PmTimings     *timings,
                    GError       **error)
{
  g_autoptr(PmClipsegVision) vision = NULL;
  g_autofree float *emb = g_new (float, m->config.projection_dim);

  if (!pm_clipseg_encode_text (m, ids, n_ids, NULL, emb, cancellable, timings, error))
    return FALSE;
  vision = pm_clipseg_encode_image (m, pixel_values, NULL, NULL, cancellable, timings, error);
  if (vision == NULL)
    return FALSE;
  return pm_clipseg_decode (m, vision, emb, logits, cancellable, timings, error);
}
