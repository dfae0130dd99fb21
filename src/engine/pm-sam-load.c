/* pm-sam-load.c: loading a SAM model folder: config, weights (every tensor checked by name
 * and shape against the config), the grid's positional encoding, scratch arena.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-sam"

#include <math.h>
#include <string.h>

#include "pm-ops.h"
#include "pm-model.h"
#include "pm-sam-private.h"

G_DEFINE_QUARK (pm-sam-error-quark, pm_sam_error)

/* ViT-H needs about 200 M floats of scratch; refuse configs that ask for more than 2 G
 * floats (8 GB). */
#define PM_SAM_MAX_SCRATCH_FLOATS ((gsize) 1 << 31)
/* Longest relative-position table accepted (it is resampled to the attention side). */
#define PM_SAM_MAX_REL_POS 16384

typedef PmWeightReader Loader;

/* SHAPE (a, b) expands to the two arguments "2, (gint64[]) { a, b }". */
#define SHAPE(...) \
  (sizeof ((gint64[]) { __VA_ARGS__ }) / sizeof (gint64)), (gint64[]) { __VA_ARGS__ }

/* A weight read as stored, scanned for NaN and infinity now. */
#define get_weight(ld, out, ...) pm_weight_reader_get (ld, out, FALSE, __VA_ARGS__)
/* A weight the packing thread packs (pm_sam_release_stage_sources () lists them): where
 * the kernels pack, its scan is made there, just before it is packed (check_stage () in
 * pm-sam-pack.c), not by the load. */
#define get_packed_weight(ld, out, ...) pm_weight_reader_get (ld, out, TRUE, __VA_ARGS__)

/* Rows [i·n, (i+1)·n) of a [3n, …] tensor as a view. */
static PmTensor
third (const PmTensor *t,
       int             i)
{
  gint64 n = t->shape[0] / 3;

  if (t->n_dims == 1)
    return pm_tensor_view_1d (t->data + i * n, n);
  return pm_tensor_view_2d (t->data + i * n * t->shape[1], n, t->shape[1]);
}

/* A learned relative-position table [L, hd] resampled to [2s − 1, hd] like
 * F.interpolate (mode="linear", align_corners=False) along L; a view when L = 2s − 1. */
static void
get_rel_pos (Loader           *ld,
             PmSamVisionLayer *l,
             int               which,
             int               layer,
             gint64            side,
             gint64            hd)
{
  g_autofree char *name = g_strdup_printf ("vision_encoder.layers.%d.attn.rel_pos_%c", layer,
                                           which == 0 ? 'h' : 'w');
  const PmSafetensorsInfo *info;
  PmTensor raw, *dst = which == 0 ? &l->rel_h : &l->rel_w;
  gint64 len, want = 2 * side - 1;

  if (!ld->ok)
    return;
  info = pm_safetensors_lookup (ld->st, name);
  len = info != NULL && info->n_dims == 2 ? info->shape[0] : 0;
  if (info != NULL && (info->n_dims != 2 || info->shape[1] != hd || len < 1 ||
                       len > PM_SAM_MAX_REL_POS))
    len = want;   /* a wrong shape: let the shaped getter name it */
  get_weight (ld, &raw, SHAPE (len, hd), "%s", name);
  if (!ld->ok)
    return;
  if (len == want)
    {
      *dst = raw;
      return;
    }
  l->rel_owned[which] = pm_tensor_new_2d (want, hd);
  {
    g_autoptr(PmTensor) in = pm_tensor_new_3d (1, hd, len);
    g_autoptr(PmTensor) out = pm_tensor_new_3d (1, hd, want);
    PmTensor in2 = pm_tensor_view_2d (in->data, hd, len);
    PmTensor out2 = pm_tensor_view_2d (out->data, hd, want);
    PmTensor src = pm_tensor_view_3d (in->data, hd, 1, len);
    PmTensor res = pm_tensor_view_3d (out->data, hd, 1, want);

    /* [L, hd] → [hd, L] → linear resize along L (the 2-D op with one row) → [2s − 1, hd] */
    pm_op_transpose (&in2, &raw);
    pm_op_resize_bilinear (&res, &src);
    pm_op_transpose (l->rel_owned[which], &out2);
  }
  *dst = *l->rel_owned[which];
}

static void
load_vision_layer (Loader           *ld,
                   const PmSamConfig *c,
                   int               i,
                   PmSamVisionLayer *l)
{
  const PmSamVisionConfig *v = &c->vision;
  gint64 d = v->hidden_size, m = v->mlp_dim, hd = d / v->num_attention_heads;
  PmTensor qkv_w, qkv_b;

  l->global = pm_sam_config_is_global (c, i);
  l->has_qkv_bias = v->qkv_bias;
#define LAYER "vision_encoder.layers.%d."
  get_weight (ld, &l->ln1_w, SHAPE (d), LAYER "layer_norm1.weight", i);
  get_weight (ld, &l->ln1_b, SHAPE (d), LAYER "layer_norm1.bias", i);
  get_packed_weight (ld, &qkv_w, SHAPE (3 * d, d), LAYER "attn.qkv.weight", i);
  if (v->qkv_bias)
    get_weight (ld, &qkv_b, SHAPE (3 * d), LAYER "attn.qkv.bias", i);
  get_packed_weight (ld, &l->proj_w, SHAPE (d, d), LAYER "attn.proj.weight", i);
  get_weight (ld, &l->proj_b, SHAPE (d), LAYER "attn.proj.bias", i);
  if (v->use_rel_pos)
    {
      gint64 side = l->global ? pm_sam_config_get_grid (c) : v->window_size;
      get_rel_pos (ld, l, 0, i, side, hd);
      get_rel_pos (ld, l, 1, i, side, hd);
    }
  get_weight (ld, &l->ln2_w, SHAPE (d), LAYER "layer_norm2.weight", i);
  get_weight (ld, &l->ln2_b, SHAPE (d), LAYER "layer_norm2.bias", i);
  get_packed_weight (ld, &l->fc1_w, SHAPE (m, d), LAYER "mlp.lin1.weight", i);
  get_weight (ld, &l->fc1_b, SHAPE (m), LAYER "mlp.lin1.bias", i);
  get_packed_weight (ld, &l->fc2_w, SHAPE (d, m), LAYER "mlp.lin2.weight", i);
  get_weight (ld, &l->fc2_b, SHAPE (d), LAYER "mlp.lin2.bias", i);
#undef LAYER
  if (!ld->ok)
    return;
  l->q_w = third (&qkv_w, 0);
  l->k_w = third (&qkv_w, 1);
  l->v_w = third (&qkv_w, 2);
  if (v->qkv_bias)
    {
      l->q_b = third (&qkv_b, 0);
      l->k_b = third (&qkv_b, 1);
      l->v_b = third (&qkv_b, 2);
    }
}

/* The small tensors of vision layer @i (or, for −1, of the neck) read as stored on every
 * encoding (norms, relative positions), copied, when the packer releases the big weights
 * around them (see pm_safetensors_detach ()). */
static void
own_small_vision_tensors (PmSam *m,
                          int    i)
{
  PmSamWeights *w = &m->w;

  if (i >= 0)
    {
      PmSamVisionLayer *l = &w->layers[i];
      PmTensor *small[] = { &l->ln1_w, &l->ln1_b, &l->ln2_w, &l->ln2_b, &l->rel_h, &l->rel_w };

      /* (resampled tables are copies already: left as they are) */
      for (guint j = 0; j < G_N_ELEMENTS (small); j++)
        pm_safetensors_detach (m->st, small[j]);
    }
  else
    {
      pm_safetensors_detach (m->st, &w->neck_ln1_w);
      pm_safetensors_detach (m->st, &w->neck_ln1_b);
      pm_safetensors_detach (m->st, &w->neck_ln2_w);
      pm_safetensors_detach (m->st, &w->neck_ln2_b);
    }
}

static void
load_attention (Loader         *ld,
                PmSamAttention *a,
                gint64          c,
                gint64          inner,
                const char     *prefix)
{
  a->inner = (int) inner;
  get_weight (ld, &a->q_w, SHAPE (inner, c), "%s.q_proj.weight", prefix);
  get_weight (ld, &a->q_b, SHAPE (inner), "%s.q_proj.bias", prefix);
  get_weight (ld, &a->k_w, SHAPE (inner, c), "%s.k_proj.weight", prefix);
  get_weight (ld, &a->k_b, SHAPE (inner), "%s.k_proj.bias", prefix);
  get_weight (ld, &a->v_w, SHAPE (inner, c), "%s.v_proj.weight", prefix);
  get_weight (ld, &a->v_b, SHAPE (inner), "%s.v_proj.bias", prefix);
  get_weight (ld, &a->o_w, SHAPE (c, inner), "%s.out_proj.weight", prefix);
  get_weight (ld, &a->o_b, SHAPE (c), "%s.out_proj.bias", prefix);
}

static void
load_two_way_layer (Loader            *ld,
                    const PmSamConfig *c,
                    int                i,
                    PmSamTwoWayLayer  *l)
{
  const PmSamDecoderConfig *d = &c->decoder;
  gint64 w = d->hidden_size, inner = w / d->attention_downsample_rate, md = d->mlp_dim;
  g_autofree char *p = g_strdup_printf ("mask_decoder.transformer.layers.%d", i);
  g_autofree char *sa = g_strconcat (p, ".self_attn", NULL);
  g_autofree char *ti = g_strconcat (p, ".cross_attn_token_to_image", NULL);
  g_autofree char *it = g_strconcat (p, ".cross_attn_image_to_token", NULL);

  load_attention (ld, &l->self_attn, w, w, sa);
  load_attention (ld, &l->token_to_image, w, inner, ti);
  load_attention (ld, &l->image_to_token, w, inner, it);
  get_weight (ld, &l->mlp1_w, SHAPE (md, w), "%s.mlp.lin1.weight", p);
  get_weight (ld, &l->mlp1_b, SHAPE (md), "%s.mlp.lin1.bias", p);
  get_weight (ld, &l->mlp2_w, SHAPE (w, md), "%s.mlp.lin2.weight", p);
  get_weight (ld, &l->mlp2_b, SHAPE (w), "%s.mlp.lin2.bias", p);
  get_weight (ld, &l->ln1_w, SHAPE (w), "%s.layer_norm1.weight", p);
  get_weight (ld, &l->ln1_b, SHAPE (w), "%s.layer_norm1.bias", p);
  get_weight (ld, &l->ln2_w, SHAPE (w), "%s.layer_norm2.weight", p);
  get_weight (ld, &l->ln2_b, SHAPE (w), "%s.layer_norm2.bias", p);
  get_weight (ld, &l->ln3_w, SHAPE (w), "%s.layer_norm3.weight", p);
  get_weight (ld, &l->ln3_b, SHAPE (w), "%s.layer_norm3.bias", p);
  get_weight (ld, &l->ln4_w, SHAPE (w), "%s.layer_norm4.weight", p);
  get_weight (ld, &l->ln4_b, SHAPE (w), "%s.layer_norm4.bias", p);
}

static void
load_mlp (Loader     *ld,
          PmSamMlp   *mlp,
          gint64      in,
          gint64      hidden,
          gint64      out,
          int         depth,
          const char *prefix)
{
  mlp->n_mid = depth - 2;
  mlp->mid_w = g_new0 (PmTensor, MAX (mlp->n_mid, 1));
  mlp->mid_b = g_new0 (PmTensor, MAX (mlp->n_mid, 1));
  get_weight (ld, &mlp->in_w, SHAPE (hidden, in), "%s.proj_in.weight", prefix);
  get_weight (ld, &mlp->in_b, SHAPE (hidden), "%s.proj_in.bias", prefix);
  for (int j = 0; j < mlp->n_mid; j++)
    {
      get_weight (ld, &mlp->mid_w[j], SHAPE (hidden, hidden), "%s.layers.%d.weight", prefix, j);
      get_weight (ld, &mlp->mid_b[j], SHAPE (hidden), "%s.layers.%d.bias", prefix, j);
    }
  get_weight (ld, &mlp->out_w, SHAPE (out, hidden), "%s.proj_out.weight", prefix);
  get_weight (ld, &mlp->out_b, SHAPE (out), "%s.proj_out.bias", prefix);
}

static void
load_vision (Loader *ld,
             PmSam  *m)
{
  const PmSamConfig *c = &m->config;
  PmSamWeights *w = &m->w;
  gint64 d = c->vision.hidden_size, p = c->vision.patch_size, g = m->grid;
  gint64 ch = c->vision.output_channels;
  PmTensor neck1;

  /* The pages of the weights the packer copies are given back at once (the packer scans
   * and reads each when it packs it), so the whole file is never resident. The small
   * tensors between them are copied first. */
  gboolean release = pm_gemm_packs (m->precision);

  get_packed_weight (ld, &w->patch_w, SHAPE (d, 3, p, p),
                     "vision_encoder.patch_embed.projection.weight");
  get_weight (ld, &w->patch_b, SHAPE (d), "vision_encoder.patch_embed.projection.bias");
  if (ld->ok && release)
    pm_sam_release_stage_sources (m, PM_SAM_STAGE_PATCH);
  if (c->vision.use_abs_pos)
    get_weight (ld, &w->pos_embed, SHAPE (1, g, g, d), "vision_encoder.pos_embed");
  w->layers = g_new0 (PmSamVisionLayer, c->vision.num_hidden_layers);
  for (int i = 0; i < c->vision.num_hidden_layers; i++)
    {
      load_vision_layer (ld, c, i, &w->layers[i]);
      if (ld->ok && release)
        {
          own_small_vision_tensors (m, i);
          pm_sam_release_stage_sources (m, PM_SAM_STAGE_LAYER (i));
        }
    }
  get_packed_weight (ld, &neck1, SHAPE (ch, d, 1, 1), "vision_encoder.neck.conv1.weight");
  get_weight (ld, &w->neck_ln1_w, SHAPE (ch), "vision_encoder.neck.layer_norm1.weight");
  get_weight (ld, &w->neck_ln1_b, SHAPE (ch), "vision_encoder.neck.layer_norm1.bias");
  get_packed_weight (ld, &w->neck2_w, SHAPE (ch, ch, 3, 3), "vision_encoder.neck.conv2.weight");
  get_weight (ld, &w->neck_ln2_w, SHAPE (ch), "vision_encoder.neck.layer_norm2.weight");
  get_weight (ld, &w->neck_ln2_b, SHAPE (ch), "vision_encoder.neck.layer_norm2.bias");
  if (ld->ok)
    w->neck1_w = pm_tensor_view_2d (neck1.data, ch, d);
  if (ld->ok && release)
    {
      own_small_vision_tensors (m, -1);
      pm_sam_release_stage_sources (m, PM_SAM_STAGE_NECK (m));
    }
}

static void
load_prompt_and_decoder (Loader *ld,
                         PmSam  *m)
{
  const PmSamConfig *c = &m->config;
  const PmSamDecoderConfig *dc = &c->decoder;
  PmSamWeights *w = &m->w;
  gint64 cw = dc->hidden_size, k = m->n_mask_tokens;

  get_weight (ld, &w->fourier, SHAPE (2, c->vision.num_pos_feats),
              "shared_image_embedding.positional_embedding");
  w->point_embed = g_new0 (PmTensor, c->prompt.num_point_embeddings);
  for (int i = 0; i < c->prompt.num_point_embeddings; i++)
    get_weight (ld, &w->point_embed[i], SHAPE (1, cw), "prompt_encoder.point_embed.%d.weight", i);
  get_weight (ld, &w->not_a_point, SHAPE (1, cw), "prompt_encoder.not_a_point_embed.weight");
  get_weight (ld, &w->no_mask, SHAPE (1, cw), "prompt_encoder.no_mask_embed.weight");

  get_weight (ld, &w->iou_token, SHAPE (1, cw), "mask_decoder.iou_token.weight");
  get_weight (ld, &w->mask_tokens, SHAPE (k, cw), "mask_decoder.mask_tokens.weight");
  w->tw_layers = g_new0 (PmSamTwoWayLayer, dc->num_hidden_layers);
  for (int i = 0; i < dc->num_hidden_layers; i++)
    load_two_way_layer (ld, c, i, &w->tw_layers[i]);
  load_attention (ld, &w->final_attn, cw, cw / dc->attention_downsample_rate,
                  "mask_decoder.transformer.final_attn_token_to_image");
  get_weight (ld, &w->final_ln_w, SHAPE (cw), "mask_decoder.transformer.layer_norm_final_attn.weight");
  get_weight (ld, &w->final_ln_b, SHAPE (cw), "mask_decoder.transformer.layer_norm_final_attn.bias");
  get_weight (ld, &w->up1_w, SHAPE (cw, cw / 4, 2, 2), "mask_decoder.upscale_conv1.weight");
  get_weight (ld, &w->up1_b, SHAPE (cw / 4), "mask_decoder.upscale_conv1.bias");
  get_weight (ld, &w->up_ln_w, SHAPE (cw / 4), "mask_decoder.upscale_layer_norm.weight");
  get_weight (ld, &w->up_ln_b, SHAPE (cw / 4), "mask_decoder.upscale_layer_norm.bias");
  get_weight (ld, &w->up2_w, SHAPE (cw / 4, cw / 8, 2, 2), "mask_decoder.upscale_conv2.weight");
  get_weight (ld, &w->up2_b, SHAPE (cw / 8), "mask_decoder.upscale_conv2.bias");
  w->hyper = g_new0 (PmSamMlp, k);
  for (int i = 0; i < k; i++)
    {
      g_autofree char *prefix = g_strdup_printf ("mask_decoder.output_hypernetworks_mlps.%d", i);
      load_mlp (ld, &w->hyper[i], cw, cw, cw / 8, 3, prefix);
    }
  load_mlp (ld, &w->iou_head, cw, dc->iou_head_hidden_dim, k, dc->iou_head_depth,
            "mask_decoder.iou_prediction_head");
}

/* A 2×2 stride-2 ConvTranspose2d weight w[Ci, Co, 2, 2] and bias b[Co] as a Linear from a
 * pixel's Ci channels to its four output pixels' Co channels: out row (ky·2 + kx)·Co + o. */
static void
convt_as_linear (const PmTensor  *w,
                 const PmTensor  *b,
                 PmTensor       **lin_w,
                 PmTensor       **lin_b)
{
  gint64 ci = w->shape[0], co = w->shape[1];

  *lin_w = pm_tensor_new_2d (4 * co, ci);
  *lin_b = pm_tensor_new_1d (4 * co);
  for (int k = 0; k < 4; k++)
    for (gint64 o = 0; o < co; o++)
      {
        float *row = (*lin_w)->data + (k * co + o) * ci;
        for (gint64 c = 0; c < ci; c++)
          row[c] = w->data[(c * co + o) * 4 + k];
        (*lin_b)->data[k * co + o] = b->data[o];
      }
}

/* ---------------------------------------------------------------------------------------
 * Scratch sizing (floats; every block rounded up for the arena's 16-float alignment)
 * ------------------------------------------------------------------------------------- */

#define A(n) (((gsize) (n) + 16) / 16 * 16 + 16)

gsize
pm_sam_encoder_scratch_floats (const PmSamConfig *c)
{
  const PmSamVisionConfig *v = &c->vision;
  gsize g = (gsize) pm_sam_config_get_grid (c), n = g * g, d = v->hidden_size;
  gsize ws = v->window_size > 0 ? (gsize) v->window_size : g;
  gsize gp = (g + ws - 1) / ws * ws, tw = gp * gp, hd = d / v->num_attention_heads;
  gsize ch = v->output_channels, p = v->patch_size;
  gsize embed, attn, mlp, neck, cache;

  embed = A (3 * p * p * n) + A (d * n);
  attn = A (n * d) + 5 * A (MAX (tw, n) * d) +
         A (MAX (pm_op_attention_rel_pos_scratch_size (ws, ws, hd),
                 pm_op_attention_rel_pos_scratch_size (g, g, hd)));
  mlp = A (n * d) + A (n * (gsize) v->mlp_dim);
  neck = 2 * A (ch * n) + A (ch * 9 * n);
  cache = 2 * A (n * ch);
  return A (n * d) + MAX (MAX (embed, attn), MAX (MAX (mlp, neck), cache)) + 64;
}

gsize
pm_sam_decoder_scratch_floats (const PmSamConfig *c)
{
  const PmSamDecoderConfig *dc = &c->decoder;
  gsize g = (gsize) pm_sam_config_get_grid (c), n = g * g, cw = dc->hidden_size;
  gsize inner = cw / dc->attention_downsample_rate;
  gsize nt = 1 + dc->num_multimask_outputs + 1 + PM_SAM_MAX_POINTS + 1 + 2;
  gsize tokens, layer, up;

  tokens = 4 * A (nt * cw) + A (nt * MAX ((gsize) dc->mlp_dim, MAX (cw, (gsize) dc->iou_head_hidden_dim)));
  layer = 2 * A (n * cw) + 4 * A (n * inner) + 4 * A (nt * cw) + A (n * nt) + A (nt * dc->mlp_dim);
  up = A (cw * n) + A (cw / 4 * 4 * n) + A (cw / 2 * 4 * n) + A (cw / 8 * 16 * n) +
       A ((gsize) (1 + dc->num_multimask_outputs) * cw / 8);
  /* keys and keys + pe, then a layer's or the heads' scratch */
  return 2 * A (n * cw) + tokens + MAX (layer, up) + 64;
}

/* ---------------------------------------------------------------------------------------
 * Load
 * ------------------------------------------------------------------------------------- */

/* The dense positional encoding of the grid: the Fourier encoding of every cell centre
 * ((x + ½)/g, (y + ½)/g), token-major [N, C]. */
static void
build_key_pe (PmSam *m)
{
  int g = m->grid, cw = m->config.decoder.hidden_size;

  m->key_pe = pm_tensor_new_2d ((gint64) g * g, cw);
  for (int y = 0; y < g; y++)
    for (int x = 0; x < g; x++)
      pm_sam_fourier (m, (x + 0.5) / g, (y + 0.5) / g,
                      m->key_pe->data + ((gsize) y * g + x) * cw);
}

/**
 * pm_sam_load_files:
 * @config_path: config.json
 * @preprocessor_path: (nullable): preprocessor_config.json (NULL or absent: defaults)
 * @weights_path: model.safetensors
 * @error: return location
 *
 * Reads and validates the config, maps the weights and checks every tensor the forward
 * pass uses (name and shape, as the config implies them). The weights are packed for the
 * kernels by a thread this starts (the encoder and decoder wait for what they need).
 *
 * Returns: (transfer full): the model, or NULL with @error set
 */
PmSam *
pm_sam_load_files (const char *config_path,
                   const char *preprocessor_path,
                   const char *weights_path,
                   GError    **error)
{
  return pm_sam_load_files_with_precision (config_path, preprocessor_path, weights_path,
                                           PM_PRECISION_F32, error);
}

/**
 * pm_sam_load_files_with_precision:
 * @config_path: config.json
 * @preprocessor_path: (nullable): preprocessor_config.json (NULL or absent: defaults)
 * @weights_path: model.safetensors
 * @precision: the image encoder kernels' precision (F32: exact; BF16 or AUTO: bf16 where the
 *   CPU has AVX512_BF16)
 * @error: return location
 *
 * pm_sam_load_files (), with the image encoder packed for the kernels in @precision.
 *
 * Returns: (transfer full): the model, or NULL with @error set
 */
PmSam *
pm_sam_load_files_with_precision (const char *config_path,
                                  const char *preprocessor_path,
                                  const char *weights_path,
                                  PmPrecision precision,
                                  GError    **error)
{
  g_autoptr(PmSam) m = g_new0 (PmSam, 1);
  g_autofree char *c1 = NULL, *c2 = NULL, *dir = g_path_get_dirname (config_path);
  g_autoptr(GError) local = NULL;
  gsize l1 = 0, l2 = 0, scratch;
  Loader ld = { .error = error, .ok = TRUE };

  if (!pm_model_file_check (config_path, PM_MODEL_MAX_JSON_BYTES, error) ||
      (preprocessor_path != NULL &&
       !pm_model_file_check (preprocessor_path, PM_MODEL_MAX_JSON_BYTES, error)) ||
      !pm_model_file_check (weights_path, PM_MODEL_MAX_WEIGHTS_BYTES, error))
    return NULL;
  if (!g_file_get_contents (config_path, &c1, &l1, &local) ||
      (preprocessor_path != NULL && g_file_test (preprocessor_path, G_FILE_TEST_EXISTS) &&
       !g_file_get_contents (preprocessor_path, &c2, &l2, &local)))
    {
      g_set_error (error, PM_SAM_CONFIG_ERROR, PM_SAM_CONFIG_ERROR_IO, "%s", local->message);
      return NULL;
    }
  if (!pm_sam_config_load_data (&m->config, c1, (gssize) l1, c2, (gssize) l2, dir, error))
    return NULL;
  m->grid = pm_sam_config_get_grid (&m->config);
  m->n_mask_tokens = m->config.decoder.num_multimask_outputs + 1;

  m->st = pm_safetensors_open (weights_path, error);
  if (m->st == NULL)
    return NULL;
  ld.st = m->st;
  m->precision = precision;
  ld.defer = pm_gemm_packs (precision);
  load_vision (&ld, m);
  load_prompt_and_decoder (&ld, m);
  if (!ld.ok)
    return NULL;
  m->weights_bytes = ld.bytes;
  build_key_pe (m);
  convt_as_linear (&m->w.up1_w, &m->w.up1_b, &m->w.up1_lin_w, &m->w.up1_lin_b);
  convt_as_linear (&m->w.up2_w, &m->w.up2_b, &m->w.up2_lin_w, &m->w.up2_lin_b);
  pm_sam_build_window_rows (m);

  scratch = MAX (pm_sam_encoder_scratch_floats (&m->config),
                 pm_sam_decoder_scratch_floats (&m->config));
  if (scratch > PM_SAM_MAX_SCRATCH_FLOATS || (m->arena = pm_arena_try_new (scratch)) == NULL)
    {
      g_set_error (error, PM_SAM_ERROR, PM_SAM_ERROR_WEIGHTS,
                   "%s: the model needs %.1f GB of scratch memory, more than is available",
                   weights_path, scratch * 4.0 / 1e9);
      return NULL;
    }
  pm_sam_pack_start (m);
  return g_steal_pointer (&m);
}

/**
 * pm_sam_load:
 * @model_dir: a folder with config.json, model.safetensors and (optionally)
 *   preprocessor_config.json
 * @error: return location
 *
 * Returns: (transfer full): the model, or NULL with @error set
 */
PmSam *
pm_sam_load (const char *model_dir,
             GError    **error)
{
  return pm_sam_load_with_precision (model_dir, PM_PRECISION_F32, error);
}

/**
 * pm_sam_load_with_precision:
 * @model_dir: a model folder
 * @precision: the image encoder kernels' precision
 * @error: return location
 *
 * Returns: (transfer full): the model, or NULL with @error set
 */
PmSam *
pm_sam_load_with_precision (const char  *model_dir,
                            PmPrecision  precision,
                            GError     **error)
{
  g_autofree char *p1 = g_build_filename (model_dir, "config.json", NULL);
  g_autofree char *p2 = g_build_filename (model_dir, "preprocessor_config.json", NULL);
  g_autofree char *p3 = g_build_filename (model_dir, "model.safetensors", NULL);

  return pm_sam_load_files_with_precision (p1, p2, p3, precision, error);
}

static void
mlp_clear (PmSamMlp *mlp)
{
  g_free (mlp->mid_w);
  g_free (mlp->mid_b);
}

void
pm_sam_free (PmSam *m)
{
  if (m == NULL)
    return;
  g_clear_pointer (&m->packer, pm_stage_packer_free);
  pm_sam_unpack (m);
  for (int i = 0; m->w.layers != NULL && i < m->config.vision.num_hidden_layers; i++)
    {
      g_clear_pointer (&m->w.layers[i].rel_owned[0], pm_tensor_free);
      g_clear_pointer (&m->w.layers[i].rel_owned[1], pm_tensor_free);
    }
  for (int i = 0; m->w.hyper != NULL && i < m->n_mask_tokens; i++)
    mlp_clear (&m->w.hyper[i]);
  mlp_clear (&m->w.iou_head);
  g_free (m->w.layers);
  g_free (m->w.point_embed);
  g_free (m->w.tw_layers);
  g_free (m->w.hyper);
  g_clear_pointer (&m->key_pe, pm_tensor_free);
  g_clear_pointer (&m->w.up1_lin_w, pm_tensor_free);
  g_clear_pointer (&m->w.up1_lin_b, pm_tensor_free);
  g_clear_pointer (&m->w.up2_lin_w, pm_tensor_free);
  g_clear_pointer (&m->w.up2_lin_b, pm_tensor_free);
  g_clear_pointer (&m->arena, pm_arena_free);
  g_clear_pointer (&m->op_b[0], pm_gemm_b_free);
  g_clear_pointer (&m->op_b[1], pm_gemm_b_free);
  g_clear_pointer (&m->st, pm_safetensors_free);
  g_free (m);
}

const PmSamConfig *
pm_sam_get_config (PmSam *m)
{
  return &m->config;
}

int
pm_sam_get_input_size (PmSam *m)
{
  return m->config.vision.image_size;
}

int
pm_sam_get_lowres_size (PmSam *m)
{
  return 4 * m->grid;
}

int
pm_sam_get_n_masks (PmSam    *m,
                    gboolean  multimask)
{
  return multimask ? m->config.decoder.num_multimask_outputs : 1;
}

gsize
pm_sam_get_weights_bytes (PmSam *m)
{
  return m->weights_bytes;
}

/**
 * pm_sam_check_weights:
 * @error: return location
 *
 * Waits until every weight is packed, and so scanned for NaN and infinity (the load leaves
 * that scan to the packing thread): for a check of the whole model (`model verify`).
 *
 * Returns: %FALSE with the first damaged weight named in @error
 */
gboolean
pm_sam_check_weights (PmSam   *m,
                      GError **error)
{
  return pm_stage_packer_wait (m->packer, PM_SAM_STAGE_NECK (m), NULL, error);
}

/**
 * pm_sam_get_precision:
 *
 * Returns: the precision the image encoder runs in (F32 or BF16)
 */
PmPrecision
pm_sam_get_precision (PmSam *m)
{
  if (!pm_stage_packer_wait (m->packer, PM_SAM_STAGE_PATCH, NULL, NULL))
    return pm_precision_resolve (m->precision);   /* damaged weights: nothing packed */
  return m->w.patch != NULL ? pm_linear_get_precision (m->w.patch)
                            : pm_precision_resolve (m->precision);
}

void
pm_sam_set_dump_func (PmSam         *m,
                      PmSamDumpFunc  func,
                      gpointer       user_data)
{
  m->dump = func;
  m->dump_data = user_data;
}
