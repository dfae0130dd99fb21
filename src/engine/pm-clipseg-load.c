/* pm-clipseg-load.c: loading a CLIPSeg model folder: config, weights (every tensor checked
 * by name and shape), position table, scratch arena.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-clipseg"

#include <math.h>
#include <string.h>

#include "pm-clipseg-private.h"
#include "pm-model.h"
#include "pm-ops.h"

/* A forward pass of the real model needs about 5 M floats; refuse configs whose token
 * count or widths would ask for absurd amounts (here 2 G floats, 8 GB). */
#define PM_CLIPSEG_MAX_SCRATCH_FLOATS ((gsize) 1 << 31)

typedef PmWeightReader Loader;

/* Looks @name up and checks its shape; NULL (and ld->ok FALSE) if missing or misshaped. */
static const PmSafetensorsInfo *
check_weight (Loader       *ld,
              int           n_dims,
              const gint64 *shape,
              const char   *name)
{
  const PmSafetensorsInfo *info;
  gboolean same;

  if (!ld->ok)
    return NULL;
  info = pm_safetensors_lookup (ld->st, name);
  if (info == NULL)
    {
      g_set_error (ld->error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_WEIGHTS,
                   "%s: tensor “%s” is missing", pm_safetensors_get_path (ld->st), name);
      ld->ok = FALSE;
      return NULL;
    }
  same = info->n_dims == n_dims;
  for (int i = 0; same && i < n_dims; i++)
    same = info->shape[i] == shape[i];
  if (!same)
    {
      g_autofree char *want = pm_tensor_shape_to_string (n_dims, shape);
      g_autofree char *got = pm_tensor_shape_to_string (info->n_dims, info->shape);
      g_set_error (ld->error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_WEIGHTS,
                   "%s: tensor “%s” has shape %s, expected %s",
                   pm_safetensors_get_path (ld->st), name, got, want);
      ld->ok = FALSE;
      return NULL;
    }
  if (info->dtype != PM_DTYPE_F32 && info->dtype != PM_DTYPE_F16 &&
      info->dtype != PM_DTYPE_BF16 && info->dtype != PM_DTYPE_F64)
    {
      g_set_error (ld->error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_WEIGHTS,
                   "%s: tensor “%s” has dtype %s, expected a floating-point type",
                   pm_safetensors_get_path (ld->st), name, pm_dtype_to_string (info->dtype));
      ld->ok = FALSE;
      return NULL;
    }
  return info;
}

static const PmSafetensorsInfo *
get_raw_weight (Loader       *ld,
                int           n_dims,
                const gint64 *shape,
                const char   *name)
{
  const PmSafetensorsInfo *info = check_weight (ld, n_dims, shape, name);

  if (info != NULL)
    {
      gint64 numel = 1;
      for (int i = 0; i < n_dims; i++)
        numel *= shape[i];
      ld->bytes += (gsize) numel * sizeof (float);
    }
  return info;
}

/* A weight named by @fmt, checked by name, shape and dtype (with this engine's error),
 * then read (pm_weight_reader_read ()). */
static void load_weight (Loader       *ld,
                         PmTensor     *out,
                         gboolean      packed,
                         int           n_dims,
                         const gint64 *shape,
                         const char   *fmt,
                         ...) G_GNUC_PRINTF (6, 7);

static void
load_weight (Loader       *ld,
             PmTensor     *out,
             gboolean      packed,
             int           n_dims,
             const gint64 *shape,
             const char   *fmt,
             ...)
{
  g_autofree char *name = NULL;
  va_list ap;

  if (!ld->ok)
    return;
  va_start (ap, fmt);
  name = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (check_weight (ld, n_dims, shape, name) != NULL)
    pm_weight_reader_read (ld, out, packed, n_dims, shape, name);
}

/* A weight read as stored, scanned for NaN and infinity now. */
#define get_weight(ld, out, ...) load_weight (ld, out, FALSE, __VA_ARGS__)
/* A weight the packing thread packs (see stage_weights ()): where the kernels pack, its
 * scan for NaN and infinity is made there, just before it is packed (which reads it
 * anyway), so that the load does not read the whole file once more (545 MB, most of the
 * load's time). A damaged weight then fails the first forward pass that needs it, with
 * the same message. */
#define get_packed_weight(ld, out, ...) load_weight (ld, out, TRUE, __VA_ARGS__)

/* SHAPE (a, b) expands to the two arguments "2, (gint64[]) { a, b }". */
#define SHAPE(...) \
  (sizeof ((gint64[]) { __VA_ARGS__ }) / sizeof (gint64)), (gint64[]) { __VA_ARGS__ }

static void
load_layer (Loader         *ld,
            PmClipsegLayer *l,
            const char     *prefix,
            int             i,
            gint64          d,
            gint64          inter)
{
  get_packed_weight (ld, &l->q_w, SHAPE (d, d), "%s.%d.self_attn.q_proj.weight", prefix,
                     i);
  get_weight (ld, &l->q_b, SHAPE (d), "%s.%d.self_attn.q_proj.bias", prefix, i);
  get_packed_weight (ld, &l->k_w, SHAPE (d, d), "%s.%d.self_attn.k_proj.weight", prefix,
                     i);
  get_weight (ld, &l->k_b, SHAPE (d), "%s.%d.self_attn.k_proj.bias", prefix, i);
  get_packed_weight (ld, &l->v_w, SHAPE (d, d), "%s.%d.self_attn.v_proj.weight", prefix,
                     i);
  get_weight (ld, &l->v_b, SHAPE (d), "%s.%d.self_attn.v_proj.bias", prefix, i);
  get_packed_weight (ld, &l->o_w, SHAPE (d, d), "%s.%d.self_attn.out_proj.weight", prefix,
                     i);
  get_weight (ld, &l->o_b, SHAPE (d), "%s.%d.self_attn.out_proj.bias", prefix, i);
  get_weight (ld, &l->ln1_w, SHAPE (d), "%s.%d.layer_norm1.weight", prefix, i);
  get_weight (ld, &l->ln1_b, SHAPE (d), "%s.%d.layer_norm1.bias", prefix, i);
  get_packed_weight (ld, &l->fc1_w, SHAPE (inter, d), "%s.%d.mlp.fc1.weight", prefix, i);
  get_weight (ld, &l->fc1_b, SHAPE (inter), "%s.%d.mlp.fc1.bias", prefix, i);
  get_packed_weight (ld, &l->fc2_w, SHAPE (d, inter), "%s.%d.mlp.fc2.weight", prefix, i);
  get_weight (ld, &l->fc2_b, SHAPE (d), "%s.%d.mlp.fc2.bias", prefix, i);
  get_weight (ld, &l->ln2_w, SHAPE (d), "%s.%d.layer_norm2.weight", prefix, i);
  get_weight (ld, &l->ln2_b, SHAPE (d), "%s.%d.layer_norm2.bias", prefix, i);
}

/* The f32 weights @stage packs (at most 6 per layer), into @ws; returns how many. */
static int
stage_weights (PmClipseg       *m,
               int              stage,
               const PmTensor **ws)
{
  const PmClipsegConfig *c = &m->config;
  PmClipsegWeights *w = &m->w;
  int n_text = c->text.num_hidden_layers, n = 0;
  const PmClipsegLayer *layers = NULL;
  int n_layers = 0;

  if (stage == PM_CLIPSEG_STAGE_PATCH)
    ws[n++] = &w->patch_w;
  else if (stage < PM_CLIPSEG_STAGE_TEXT (m, 0))
    layers = &w->vision_layers[stage - PM_CLIPSEG_STAGE_VISION (m, 0)], n_layers = 1;
  else if (stage < PM_CLIPSEG_STAGE_TEXT (m, n_text))
    layers = &w->text_layers[stage - PM_CLIPSEG_STAGE_TEXT (m, 0)], n_layers = 1;
  else if (stage == PM_CLIPSEG_STAGE_TEXT (m, n_text))
    ws[n++] = &w->text_proj;
  else
    {
      for (int i = 0; i < c->n_extract_layers; i++)
        ws[n++] = &w->reduce_w[i];
      layers = w->dec_layers, n_layers = c->n_extract_layers;
    }
  for (int i = 0; i < n_layers; i++)
    {
      const PmClipsegLayer *l = &layers[i];

      ws[n++] = &l->q_w; ws[n++] = &l->k_w; ws[n++] = &l->v_w;
      ws[n++] = &l->o_w; ws[n++] = &l->fc1_w; ws[n++] = &l->fc2_w;
    }
  return n;
}

/* Room for stage_weights (): the decoder stage's reduces and layers. */
#define MAX_STAGE_WEIGHTS(m) (7 * (m)->config.n_extract_layers + 6)

/* Gives back the mapped pages of the f32 weights that @stage packs: the packed panels are
 * copies (bf16, or f32 in the exact mode), so the stored floats are read only while
 * packing (touched again, they are read from the file). Only when pm_gemm_packs (): on
 * the generic path the Linears read them as stored. */
static void
release_stage (gpointer model,
               int      stage)
{
  PmClipseg *m = model;
  g_autofree const PmTensor **ws = NULL;
  int n;

  if (!pm_gemm_packs (m->precision))
    return;
  ws = g_new (const PmTensor *, MAX_STAGE_WEIGHTS (m));
  n = stage_weights (m, stage, ws);
  for (int i = 0; i < n; i++)
    pm_safetensors_release_pages (m->st, ws[i]->data,
                                  (gsize) pm_tensor_numel (ws[i]) * sizeof (float));
}

/* The scan for NaN and infinity the load left to packing (get_packed_weight ()). */
static gboolean
check_stage (PmClipseg  *m,
             int         stage,
             GError    **error)
{
  g_autofree const PmTensor **ws = g_new (const PmTensor *, MAX_STAGE_WEIGHTS (m));
  int n = stage_weights (m, stage, ws);

  for (int i = 0; i < n; i++)
    if (!pm_safetensors_check_finite_data (m->st, ws[i]->data, error))
      return FALSE;
  return TRUE;
}

/* Once a stage's weights are checked (so read): the tensors read as stored next to them
 * (the norms of @layers, and @small, NULL-terminated) copied out of the mapping (see
 * pm_safetensors_detach ()), then the pages of the weights @stage packs given back, so the
 * whole file is never resident at once (the packer reads each again as it packs it). Only
 * where the kernels pack. */
static void
give_back (PmClipseg      *m,
           const Loader   *ld,
           int             stage,
           PmClipsegLayer *layers,
           int             n_layers,
           PmTensor      **small)
{
  if (!ld->ok || !pm_gemm_packs (m->precision))
    return;
  for (int i = 0; i < n_layers; i++)
    {
      PmClipsegLayer *l = &layers[i];
      PmTensor *norms[] = { &l->ln1_w, &l->ln1_b, &l->ln2_w, &l->ln2_b };

      for (guint j = 0; j < G_N_ELEMENTS (norms); j++)
        pm_safetensors_detach (m->st, norms[j]);
    }
  for (; small != NULL && *small != NULL; small++)
    pm_safetensors_detach (m->st, *small);
  release_stage (m, stage);
}

static gboolean
load_weights (PmClipseg *m,
              GError   **error)
{
  const PmClipsegConfig *c = &m->config;
  PmClipsegWeights *w = &m->w;
  Loader ld = { .st = m->st, .error = error, .ok = TRUE,
                .defer = pm_gemm_packs (m->precision) };
  gint64 dt = c->text.hidden_size, dv = c->vision.hidden_size, r = c->reduce_dim;
  gint64 e = c->projection_dim, p = c->vision.patch_size;
  gint64 g0 = c->vision.image_size / c->vision.patch_size;
  int n = c->n_extract_layers;

  w->tok_emb = get_raw_weight (&ld, SHAPE (c->text.vocab_size, dt),
                               "clip.text_model.embeddings.token_embedding.weight");
  if (w->tok_emb != NULL && ld.ok && !pm_safetensors_check_finite (m->st, w->tok_emb, error))
    {
      ld.ok = FALSE;
      w->tok_emb = NULL;
    }
  if (w->tok_emb != NULL)
    {
      /* checked, so read in full: its pages given back, as a prompt reads a few rows
       * (which come again from the file, or the page cache) */
      w->tok_emb_data = pm_safetensors_get_data (m->st, w->tok_emb);
      pm_safetensors_release_pages (m->st, w->tok_emb_data, w->tok_emb->end - w->tok_emb->begin);
    }
  get_weight (&ld, &w->pos_emb, SHAPE (c->text.max_position_embeddings, dt),
              "clip.text_model.embeddings.position_embedding.weight");
  w->text_layers = g_new0 (PmClipsegLayer, c->text.num_hidden_layers);
  for (int i = 0; i < c->text.num_hidden_layers; i++)
    {
      load_layer (&ld, &w->text_layers[i], "clip.text_model.encoder.layers", i, dt,
                  c->text.intermediate_size);
      give_back (m, &ld, PM_CLIPSEG_STAGE_TEXT (m, i), &w->text_layers[i], 1, NULL);
    }
  get_weight (&ld, &w->final_ln_w, SHAPE (dt), "clip.text_model.final_layer_norm.weight");
  get_weight (&ld, &w->final_ln_b, SHAPE (dt), "clip.text_model.final_layer_norm.bias");
  get_packed_weight (&ld, &w->text_proj, SHAPE (e, dt), "clip.text_projection.weight");
  give_back (m, &ld, PM_CLIPSEG_STAGE_TEXT (m, c->text.num_hidden_layers), NULL, 0,
             (PmTensor *[]) { &w->pos_emb, &w->final_ln_w, &w->final_ln_b, NULL });

  get_weight (&ld, &w->class_emb, SHAPE (dv), "clip.vision_model.embeddings.class_embedding");
  get_packed_weight (&ld, &w->patch_w, SHAPE (dv, 3, p, p),
                     "clip.vision_model.embeddings.patch_embedding.weight");
  get_weight (&ld, &w->vpos_emb, SHAPE (g0 * g0 + 1, dv),
              "clip.vision_model.embeddings.position_embedding.weight");
  get_weight (&ld, &w->pre_ln_w, SHAPE (dv), "clip.vision_model.pre_layrnorm.weight");
  get_weight (&ld, &w->pre_ln_b, SHAPE (dv), "clip.vision_model.pre_layrnorm.bias");
  give_back (m, &ld, PM_CLIPSEG_STAGE_PATCH, NULL, 0,
             (PmTensor *[]) { &w->class_emb, &w->pre_ln_w, &w->pre_ln_b, NULL });
  w->vision_layers = g_new0 (PmClipsegLayer, m->n_vision);
  for (int i = 0; i < m->n_vision; i++)
    {
      load_layer (&ld, &w->vision_layers[i], "clip.vision_model.encoder.layers", i, dv,
                  c->vision.intermediate_size);
      give_back (m, &ld, PM_CLIPSEG_STAGE_VISION (m, i), &w->vision_layers[i], 1, NULL);
    }

  get_weight (&ld, &w->film_mul_w, SHAPE (r, e), "decoder.film_mul.weight");
  get_weight (&ld, &w->film_mul_b, SHAPE (r), "decoder.film_mul.bias");
  get_weight (&ld, &w->film_add_w, SHAPE (r, e), "decoder.film_add.weight");
  get_weight (&ld, &w->film_add_b, SHAPE (r), "decoder.film_add.bias");
  w->reduce_w = g_new0 (PmTensor, n);
  w->reduce_b = g_new0 (PmTensor, n);
  w->dec_layers = g_new0 (PmClipsegLayer, n);
  for (int i = 0; i < n; i++)
    {
      get_packed_weight (&ld, &w->reduce_w[i], SHAPE (r, dv), "decoder.reduces.%d.weight", i);
      get_weight (&ld, &w->reduce_b[i], SHAPE (r), "decoder.reduces.%d.bias", i);
      load_layer (&ld, &w->dec_layers[i], "decoder.layers", i, r,
                  c->decoder_intermediate_size);
    }
  if (c->use_complex_transposed_convolution)
    {
      gint64 k = p / 4;
      get_weight (&ld, &w->conv0_w, SHAPE (r, r, 3, 3), "decoder.transposed_convolution.0.weight");
      get_weight (&ld, &w->conv0_b, SHAPE (r), "decoder.transposed_convolution.0.bias");
      get_weight (&ld, &w->convt1_w, SHAPE (r, r / 2, k, k),
                  "decoder.transposed_convolution.2.weight");
      get_weight (&ld, &w->convt1_b, SHAPE (r / 2), "decoder.transposed_convolution.2.bias");
      get_weight (&ld, &w->convt2_w, SHAPE (r / 2, 1, k, k),
                  "decoder.transposed_convolution.4.weight");
      get_weight (&ld, &w->convt2_b, SHAPE (1), "decoder.transposed_convolution.4.bias");
    }
  else
    {
      get_weight (&ld, &w->convt_w, SHAPE (r, 1, p, p), "decoder.transposed_convolution.weight");
      get_weight (&ld, &w->convt_b, SHAPE (1), "decoder.transposed_convolution.bias");
    }
  give_back (m, &ld, PM_CLIPSEG_STAGE_DECODER (m), w->dec_layers, n,
             (PmTensor *[]) { &w->film_mul_w, &w->film_mul_b, &w->film_add_w, &w->film_add_b,
                              &w->conv0_w, &w->conv0_b, &w->convt1_w, &w->convt1_b,
                              &w->convt2_w, &w->convt2_b, &w->convt_w, &w->convt_b, NULL });
  m->weights_bytes = ld.bytes;
  return ld.ok;
}

/* ---------------------------------------------------------------------------------------
 * Scratch sizing
 * ------------------------------------------------------------------------------------- */

/* Floats one encoder/decoder layer needs besides the residual stream x[T,D]:
 * h, q, k, v, attention output [T,D] each, MLP hidden [T,I], scores [T,T]. */
static gsize
layer_scratch (gsize t,
               gsize d,
               gsize inter)
{
  return 5 * t * d + t * inter + t * t + 7 * 16;
}

static gsize
compute_scratch (const PmClipsegConfig *c,
                 int                    grid)
{
  gsize g2 = (gsize) grid * grid, t = g2 + 1;
  gsize dv = c->vision.hidden_size, dt = c->text.hidden_size, r = c->reduce_dim;
  gsize p = c->vision.patch_size, s = (gsize) c->input_height;
  gsize vision, text, dec, head, embed;

  embed = 3 * p * p * g2 + dv * g2;
  vision = t * dv + MAX (embed, layer_scratch (t, dv, c->vision.intermediate_size));
  text = (gsize) c->text.max_position_embeddings * dt * 2 + dt +
         layer_scratch (c->text.max_position_embeddings, dt, c->text.intermediate_size);
  if (c->use_complex_transposed_convolution)
    {
      gsize k = p / 4, gk = grid * k;
      head = 2 * r * g2 + r * 9 * g2 + (r / 2) * k * k * g2 + (r / 2) * gk * gk + k * k * gk * gk;
    }
  else
    head = r * g2 + p * p * g2 + s * s;
  dec = 2 * t * r + 3 * r + MAX (layer_scratch (t, r, c->decoder_intermediate_size), head);
  return MAX (MAX (vision, text), dec) + 64 * 16;
}

/* ---------------------------------------------------------------------------------------
 * Packing for the kernels
 * ------------------------------------------------------------------------------------- */

static void
pack_layer (PmClipsegLayer *l,
            PmPrecision     precision)
{
  const PmTensor qkv_w[3] = { l->q_w, l->k_w, l->v_w };
  const PmTensor qkv_b[3] = { l->q_b, l->k_b, l->v_b };

  l->qkv = pm_linear_new_stacked (3, qkv_w, qkv_b, precision);
  l->o = pm_linear_new (&l->o_w, &l->o_b, precision);
  l->fc1 = pm_linear_new (&l->fc1_w, &l->fc1_b, precision);
  l->fc2 = pm_linear_new (&l->fc2_w, &l->fc2_b, precision);
}

static void
free_layer (PmClipsegLayer *l)
{
  g_clear_pointer (&l->qkv, pm_linear_free);
  g_clear_pointer (&l->o, pm_linear_free);
  g_clear_pointer (&l->fc1, pm_linear_free);
  g_clear_pointer (&l->fc2, pm_linear_free);
}

/* One packing stage (see PM_CLIPSEG_STAGE_*): every Linear of the three transformers,
 * the patch embedding (a conv with stride = kernel is a Linear on the patches' pixel
 * rows) and the projections, each checked for NaN and infinity first (a damaged weight
 * fails the stage, and every wait for it or a later one). */
static gboolean
pack_stage (gpointer   model,
            int        stage,
            GError   **error)
{
  PmClipseg *m = model;
  const PmClipsegConfig *c = &m->config;
  PmClipsegWeights *w = &m->w;
  int n_text = c->text.num_hidden_layers;

  if (!check_stage (m, stage, error))
    return FALSE;
  if (stage == PM_CLIPSEG_STAGE_PATCH)
    {
      gint64 dv = c->vision.hidden_size, p = c->vision.patch_size;
      PmTensor patch_rows = pm_tensor_view_2d (w->patch_w.data, dv, 3 * p * p);

      w->patch = pm_linear_new (&patch_rows, NULL, m->precision);
    }
  else if (stage < PM_CLIPSEG_STAGE_TEXT (m, 0))
    pack_layer (&w->vision_layers[stage - PM_CLIPSEG_STAGE_VISION (m, 0)], m->precision);
  else if (stage < PM_CLIPSEG_STAGE_TEXT (m, n_text))
    pack_layer (&w->text_layers[stage - PM_CLIPSEG_STAGE_TEXT (m, 0)], m->precision);
  else if (stage == PM_CLIPSEG_STAGE_TEXT (m, n_text))
    w->text_proj_l = pm_linear_new (&w->text_proj, NULL, m->precision);
  else
    {
      w->reduce = g_new0 (PmLinear *, c->n_extract_layers);
      for (int i = 0; i < c->n_extract_layers; i++)
        {
          w->reduce[i] = pm_linear_new (&w->reduce_w[i], &w->reduce_b[i], m->precision);
          pack_layer (&w->dec_layers[i], m->precision);
        }
    }
  return TRUE;
}

/* Starts packing in a thread (so the load returns once the files are checked); the pages
 * of the weights each stage copied are given back after it. */
static void
start_packing (PmClipseg *m)
{
  m->packer = pm_stage_packer_new ("pm-clipseg-pack", PM_CLIPSEG_STAGE_DECODER (m) + 1,
                                   pack_stage, release_stage, m);
}

static void
free_packed (PmClipseg *m)
{
  const PmClipsegConfig *c = &m->config;
  PmClipsegWeights *w = &m->w;

  g_clear_pointer (&w->patch, pm_linear_free);
  g_clear_pointer (&w->text_proj_l, pm_linear_free);
  if (w->text_layers != NULL)
    for (int i = 0; i < c->text.num_hidden_layers; i++)
      free_layer (&w->text_layers[i]);
  if (w->vision_layers != NULL)
    for (int i = 0; i < m->n_vision; i++)
      free_layer (&w->vision_layers[i]);
  if (w->dec_layers != NULL)
    for (int i = 0; i < c->n_extract_layers; i++)
      free_layer (&w->dec_layers[i]);
  if (w->reduce != NULL)
    for (int i = 0; i < c->n_extract_layers; i++)
      pm_linear_free (w->reduce[i]);
  g_clear_pointer (&w->reduce, g_free);
}

/* ---------------------------------------------------------------------------------------
 * Load
 * ------------------------------------------------------------------------------------- */

/* Position table for the input's patch grid: the class row as is, the G0×G0 grid resized
 * to g×g with bicubic interpolation (identity when g == G0). */
static void
build_pos_table (PmClipseg *m)
{
  const PmClipsegConfig *c = &m->config;
  gint64 dv = c->vision.hidden_size, g0 = c->vision.image_size / c->vision.patch_size;
  gint64 g = m->grid;
  g_autoptr(PmTensor) grid_in = pm_tensor_new_3d (dv, g0, g0);
  g_autoptr(PmTensor) grid_out = pm_tensor_new_3d (dv, g, g);
  PmTensor rows_in = pm_tensor_view_2d (m->w.vpos_emb.data + dv, g0 * g0, dv);
  PmTensor rows_out, flat_out = pm_tensor_view_2d (grid_out->data, dv, g * g);

  m->pos_table = pm_tensor_new_2d (g * g + 1, dv);
  memcpy (m->pos_table->data, m->w.vpos_emb.data, dv * sizeof (float));
  rows_out = pm_tensor_view_2d (m->pos_table->data + dv, g * g, dv);
  /* [G0², Dv] → [Dv, G0, G0] → bicubic → [Dv, g, g] → [g², Dv] */
  {
    PmTensor flat_in = pm_tensor_view_2d (grid_in->data, dv, g0 * g0);
    pm_op_transpose (&flat_in, &rows_in);
  }
  pm_op_resize_bicubic (grid_out, grid_in);
  pm_op_transpose (&rows_out, &flat_out);
  /* the stored table is not read again */
  pm_safetensors_release_pages (m->st, m->w.vpos_emb.data,
                                (gsize) pm_tensor_numel (&m->w.vpos_emb) * sizeof (float));
}

/**
 * pm_clipseg_load_files_with_precision:
 * @config_path: config.json
 * @preprocessor_path: preprocessor_config.json
 * @weights_path: model.safetensors
 * @precision: the kernels' precision (F32 exact; BF16 or AUTO where the CPU has it)
 * @error: return location
 *
 * Reads and validates the config, maps the weights, checks every tensor the model needs
 * (name and shape) and packs the Linear layers for the kernels.
 *
 * Returns: (transfer full): the model, or NULL with @error set.
 */
PmClipseg *
pm_clipseg_load_files_with_precision (const char *config_path,
                                      const char *preprocessor_path,
                                      const char *weights_path,
                                      PmPrecision precision,
                                      GError    **error)
{
  g_autoptr(PmClipseg) m = g_new0 (PmClipseg, 1);
  g_autofree char *c1 = NULL, *c2 = NULL, *dir = g_path_get_dirname (config_path);
  g_autoptr(GError) local = NULL;
  gsize l1, l2, scratch;

  if (!pm_model_file_check (config_path, PM_MODEL_MAX_JSON_BYTES, error) ||
      !pm_model_file_check (preprocessor_path, PM_MODEL_MAX_JSON_BYTES, error) ||
      !pm_model_file_check (weights_path, PM_MODEL_MAX_WEIGHTS_BYTES, error))
    return NULL;
  if (!g_file_get_contents (config_path, &c1, &l1, &local) ||
      !g_file_get_contents (preprocessor_path, &c2, &l2, &local))
    {
      g_set_error (error, PM_CLIPSEG_CONFIG_ERROR, PM_CLIPSEG_CONFIG_ERROR_IO, "%s",
                   local->message);
      return NULL;
    }
  if (!pm_clipseg_config_load_data (&m->config, c1, (gssize) l1, c2, (gssize) l2, dir, error))
    return NULL;
  m->grid = pm_clipseg_config_get_grid (&m->config);
  m->n_tokens = m->grid * m->grid + 1;
  m->n_vision = pm_clipseg_config_get_vision_layers_needed (&m->config);

  m->precision = precision;
  m->st = pm_safetensors_open (weights_path, error);
  if (m->st == NULL || !load_weights (m, error))
    return NULL;
  build_pos_table (m);
  scratch = compute_scratch (&m->config, m->grid);
  if (scratch > PM_CLIPSEG_MAX_SCRATCH_FLOATS ||
      (m->arena = pm_arena_try_new (scratch)) == NULL)
    {
      g_set_error (error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_WEIGHTS,
                   "%s: the model needs %.1f GB of scratch memory, more than is available",
                   weights_path, scratch * 4.0 / 1e9);
      return NULL;
    }
  start_packing (m);
  return g_steal_pointer (&m);
}

PmClipseg *
pm_clipseg_load_files (const char *config_path,
                       const char *preprocessor_path,
                       const char *weights_path,
                       GError    **error)
{
  return pm_clipseg_load_files_with_precision (config_path, preprocessor_path, weights_path,
                                               PM_PRECISION_F32, error);
}

PmClipseg *
pm_clipseg_load_with_precision (const char  *model_dir,
                                PmPrecision  precision,
                                GError     **error)
{
  g_autofree char *p1 = g_build_filename (model_dir, "config.json", NULL);
  g_autofree char *p2 = g_build_filename (model_dir, "preprocessor_config.json", NULL);
  g_autofree char *p3 = g_build_filename (model_dir, "model.safetensors", NULL);

  return pm_clipseg_load_files_with_precision (p1, p2, p3, precision, error);
}

PmClipseg *
pm_clipseg_load (const char *model_dir,
                 GError    **error)
{
  return pm_clipseg_load_with_precision (model_dir, PM_PRECISION_F32, error);
}

void
pm_clipseg_free (PmClipseg *m)
{
  if (m == NULL)
    return;
  g_clear_pointer (&m->packer, pm_stage_packer_free);
  free_packed (m);
  g_free (m->w.text_layers);
  g_free (m->w.vision_layers);
  g_free (m->w.reduce_w);
  g_free (m->w.reduce_b);
  g_free (m->w.dec_layers);
  g_clear_pointer (&m->pos_table, pm_tensor_free);
  g_clear_pointer (&m->arena, pm_arena_free);
  g_clear_pointer (&m->st, pm_safetensors_free);
  g_free (m);
}

const PmClipsegConfig *
pm_clipseg_get_config (PmClipseg *m)
{
  return &m->config;
}

int
pm_clipseg_get_input_size (PmClipseg *m)
{
  return m->config.input_height;
}

int
pm_clipseg_get_embedding_dim (PmClipseg *m)
{
  return m->config.projection_dim;
}

gsize
pm_clipseg_get_weights_bytes (PmClipseg *m)
{
  return m->weights_bytes;
}

/**
 * pm_clipseg_get_precision:
 *
 * Returns: the precision the vision encoder's layers run in (F32 or BF16)
 */
PmPrecision
pm_clipseg_get_precision (PmClipseg *m)
{
  if (m->n_vision == 0)
    return pm_precision_resolve (m->precision);
  if (!pm_stage_packer_wait (m->packer, PM_CLIPSEG_STAGE_VISION (m, 0), NULL, NULL))
    return pm_precision_resolve (m->precision);   /* damaged weights: nothing packed */
  return pm_linear_get_precision (m->w.vision_layers[0].qkv);
}

/**
 * pm_clipseg_get_pack_ms:
 *
 * Returns: how long packing the weights took (it runs alongside the first calls after
 * the load); waits for it to finish
 */
double
pm_clipseg_get_pack_ms (PmClipseg *m)
{
  return pm_stage_packer_get_pack_ms (m->packer);
}

/**
 * pm_clipseg_check_weights:
 * @error: return location
 *
 * Waits until every weight is packed, and so scanned for NaN and infinity (the load leaves
 * that scan to the packing thread): for a check of the whole model (`model verify`).
 *
 * Returns: %FALSE with the first damaged weight named in @error
 */
gboolean
pm_clipseg_check_weights (PmClipseg  *m,
                          GError    **error)
{
  return pm_stage_packer_wait (m->packer, PM_CLIPSEG_STAGE_DECODER (m), NULL, error);
}

void
pm_clipseg_set_threads (int n_threads)
{
  pm_ops_set_threads (n_threads);
}

void
pm_clipseg_set_dump_func (PmClipseg         *m,
                          PmClipsegDumpFunc  func,
                          gpointer           user_data)
{
  m->dump = func;
  m->dump_data = user_data;
}
