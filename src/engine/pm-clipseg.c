/* pm-clipseg.c: CLIPSegForImageSegmentation forward pass (vision, text, decoder).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shapes: S = input side (352), p = patch (16), g = S/p (22), T = g² + 1 tokens (485),
 * Dv/Dt = vision/text width (768/512), R = reduce_dim (64), E = projection_dim (512),
 * n = number of extracted layers (3). Every activation is [tokens, width], row-major.
 */
#define G_LOG_DOMAIN "pm-clipseg"

#include "pm-clipseg.h"

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

/* ---------------------------------------------------------------------------------------
 * Weights
 * ------------------------------------------------------------------------------------- */

/* One transformer layer; prefix "<model>.encoder.layers.<i>." (clip.text_model,
 * clip.vision_model) or "decoder.layers.<i>.". D = width, I = intermediate size. */
typedef struct {
  PmTensor q_w, q_b;      /* [D, D], [D]  self_attn.q_proj.{weight,bias} */
  PmTensor k_w, k_b;      /* [D, D], [D]  self_attn.k_proj */
  PmTensor v_w, v_b;      /* [D, D], [D]  self_attn.v_proj */
  PmTensor o_w, o_b;      /* [D, D], [D]  self_attn.out_proj */
  PmTensor ln1_w, ln1_b;  /* [D]          layer_norm1 */
  PmTensor fc1_w, fc1_b;  /* [I, D], [I]  mlp.fc1 */
  PmTensor fc2_w, fc2_b;  /* [D, I], [D]  mlp.fc2 */
  PmTensor ln2_w, ln2_b;  /* [D]          layer_norm2 */
} PmClipsegLayer;

typedef struct {
  /* text: clip.text_model.* */
  /* [V, Dt] embeddings.token_embedding.weight: left as stored (rows converted on use,
   * so a 100 MB table is never widened in full) */
  const PmSafetensorsInfo *tok_emb;
  const guint8   *tok_emb_data;
  PmTensor        pos_emb;      /* [P, Dt]  embeddings.position_embedding.weight (P = 77) */
  PmClipsegLayer *text_layers;  /* [Lt]     encoder.layers.<i> */
  PmTensor        final_ln_w;   /* [Dt]     final_layer_norm.weight */
  PmTensor        final_ln_b;   /* [Dt]     final_layer_norm.bias */
  PmTensor        text_proj;    /* [E, Dt]  clip.text_projection.weight (no bias) */

  /* vision: clip.vision_model.* (post_layernorm, visual_projection are unused) */
  PmTensor        class_emb;    /* [Dv]              embeddings.class_embedding */
  PmTensor        patch_w;      /* [Dv, 3, p, p]     embeddings.patch_embedding.weight */
  PmTensor        vpos_emb;     /* [G0² + 1, Dv]     embeddings.position_embedding.weight */
  PmTensor        pre_ln_w;     /* [Dv]              pre_layrnorm.weight */
  PmTensor        pre_ln_b;     /* [Dv]              pre_layrnorm.bias */
  PmClipsegLayer *vision_layers;/* [needed]          encoder.layers.<i>, i < deepest extract */

  /* decoder.* */
  PmTensor        film_mul_w;   /* [R, E]  film_mul.weight */
  PmTensor        film_mul_b;   /* [R]     film_mul.bias */
  PmTensor        film_add_w;   /* [R, E]  film_add.weight */
  PmTensor        film_add_b;   /* [R]     film_add.bias */
  PmTensor       *reduce_w;     /* n × [R, Dv]  reduces.<i>.weight */
  PmTensor       *reduce_b;     /* n × [R]      reduces.<i>.bias */
  PmClipsegLayer *dec_layers;   /* [n]          layers.<i> (D = R, ReLU, post-norm) */
  /* complex head: transposed_convolution.{0,2,4}; k = p / 4 */
  PmTensor        conv0_w;      /* [R, R, 3, 3]       transposed_convolution.0.weight */
  PmTensor        conv0_b;      /* [R] */
  PmTensor        convt1_w;     /* [R, R/2, k, k]     transposed_convolution.2.weight */
  PmTensor        convt1_b;     /* [R/2] */
  PmTensor        convt2_w;     /* [R/2, 1, k, k]     transposed_convolution.4.weight */
  PmTensor        convt2_b;     /* [1] */
  /* simple head: transposed_convolution */
  PmTensor        convt_w;      /* [R, 1, p, p]       transposed_convolution.weight */
  PmTensor        convt_b;      /* [1]                transposed_convolution.bias */
} PmClipsegWeights;

struct _PmClipseg {
  PmClipsegConfig   config;
  PmClipsegWeights  w;
  PmSafetensors    *st;           /* owns the mapping and converted buffers */
  PmTensor         *pos_table;    /* [T, Dv]: class row + bicubic-resized grid, at load */
  PmArena          *arena;        /* scratch for one call at a time */
  int               grid;         /* g */
  int               n_tokens;     /* T */
  int               n_vision;     /* vision layers run (deepest extract + 1) */
  gsize             weights_bytes;
  PmClipsegDumpFunc dump;
  gpointer          dump_data;
};

struct _PmClipsegVision {
  int    n;       /* extracted layers, in config order */
  int    tokens;  /* T */
  int    width;   /* Dv */
  float *acts;    /* [n, T, Dv] */
};

typedef struct {
  PmSafetensors *st;
  gsize          bytes;
  GError       **error;
  gboolean       ok;
} Loader;

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

static void
get_weight (Loader       *ld,
            PmTensor     *out,
            int           n_dims,
            const gint64 *shape,
            const char   *fmt,
            ...) G_GNUC_PRINTF (5, 6);

static void
get_weight (Loader       *ld,
            PmTensor     *out,
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

  if (check_weight (ld, n_dims, shape, name) == NULL)
    return;
  if (!pm_safetensors_get_f32 (ld->st, name, out, ld->error))
    {
      ld->ok = FALSE;
      return;
    }
  ld->bytes += (gsize) pm_tensor_numel (out) * sizeof (float);
}

#define SHAPE(...) (sizeof ((gint64[]) { __VA_ARGS__ }) / sizeof (gint64)), (gint64[]) { __VA_ARGS__ }

static void
load_layer (Loader         *ld,
            PmClipsegLayer *l,
            const char     *prefix,
            int             i,
            gint64          d,
            gint64          inter)
{
  get_weight (ld, &l->q_w, SHAPE (d, d), "%s.%d.self_attn.q_proj.weight", prefix, i);
  get_weight (ld, &l->q_b, SHAPE (d), "%s.%d.self_attn.q_proj.bias", prefix, i);
  get_weight (ld, &l->k_w, SHAPE (d, d), "%s.%d.self_attn.k_proj.weight", prefix, i);
  get_weight (ld, &l->k_b, SHAPE (d), "%s.%d.self_attn.k_proj.bias", prefix, i);
  get_weight (ld, &l->v_w, SHAPE (d, d), "%s.%d.self_attn.v_proj.weight", prefix, i);
  get_weight (ld, &l->v_b, SHAPE (d), "%s.%d.self_attn.v_proj.bias", prefix, i);
  get_weight (ld, &l->o_w, SHAPE (d, d), "%s.%d.self_attn.out_proj.weight", prefix, i);
  get_weight (ld, &l->o_b, SHAPE (d), "%s.%d.self_attn.out_proj.bias", prefix, i);
  get_weight (ld, &l->ln1_w, SHAPE (d), "%s.%d.layer_norm1.weight", prefix, i);
  get_weight (ld, &l->ln1_b, SHAPE (d), "%s.%d.layer_norm1.bias", prefix, i);
  get_weight (ld, &l->fc1_w, SHAPE (inter, d), "%s.%d.mlp.fc1.weight", prefix, i);
  get_weight (ld, &l->fc1_b, SHAPE (inter), "%s.%d.mlp.fc1.bias", prefix, i);
  get_weight (ld, &l->fc2_w, SHAPE (d, inter), "%s.%d.mlp.fc2.weight", prefix, i);
  get_weight (ld, &l->fc2_b, SHAPE (d), "%s.%d.mlp.fc2.bias", prefix, i);
  get_weight (ld, &l->ln2_w, SHAPE (d), "%s.%d.layer_norm2.weight", prefix, i);
  get_weight (ld, &l->ln2_b, SHAPE (d), "%s.%d.layer_norm2.bias", prefix, i);
}

static gboolean
load_weights (PmClipseg *m,
              GError   **error)
{
  const PmClipsegConfig *c = &m->config;
  PmClipsegWeights *w = &m->w;
  Loader ld = { m->st, 0, error, TRUE };
  gint64 dt = c->text.hidden_size, dv = c->vision.hidden_size, r = c->reduce_dim;
  gint64 e = c->projection_dim, p = c->vision.patch_size;
  gint64 g0 = c->vision.image_size / c->vision.patch_size;
  int n = c->n_extract_layers;

  w->tok_emb = get_raw_weight (&ld, SHAPE (c->text.vocab_size, dt),
                               "clip.text_model.embeddings.token_embedding.weight");
  if (w->tok_emb != NULL)
    w->tok_emb_data = pm_safetensors_get_data (m->st, w->tok_emb);
  get_weight (&ld, &w->pos_emb, SHAPE (c->text.max_position_embeddings, dt),
              "clip.text_model.embeddings.position_embedding.weight");
  w->text_layers = g_new0 (PmClipsegLayer, c->text.num_hidden_layers);
  for (int i = 0; i < c->text.num_hidden_layers; i++)
    load_layer (&ld, &w->text_layers[i], "clip.text_model.encoder.layers", i, dt,
                c->text.intermediate_size);
  get_weight (&ld, &w->final_ln_w, SHAPE (dt), "clip.text_model.final_layer_norm.weight");
  get_weight (&ld, &w->final_ln_b, SHAPE (dt), "clip.text_model.final_layer_norm.bias");
  get_weight (&ld, &w->text_proj, SHAPE (e, dt), "clip.text_projection.weight");

  get_weight (&ld, &w->class_emb, SHAPE (dv), "clip.vision_model.embeddings.class_embedding");
  get_weight (&ld, &w->patch_w, SHAPE (dv, 3, p, p),
              "clip.vision_model.embeddings.patch_embedding.weight");
  get_weight (&ld, &w->vpos_emb, SHAPE (g0 * g0 + 1, dv),
              "clip.vision_model.embeddings.position_embedding.weight");
  get_weight (&ld, &w->pre_ln_w, SHAPE (dv), "clip.vision_model.pre_layrnorm.weight");
  get_weight (&ld, &w->pre_ln_b, SHAPE (dv), "clip.vision_model.pre_layrnorm.bias");
  w->vision_layers = g_new0 (PmClipsegLayer, m->n_vision);
  for (int i = 0; i < m->n_vision; i++)
    load_layer (&ld, &w->vision_layers[i], "clip.vision_model.encoder.layers", i, dv,
                c->vision.intermediate_size);

  get_weight (&ld, &w->film_mul_w, SHAPE (r, e), "decoder.film_mul.weight");
  get_weight (&ld, &w->film_mul_b, SHAPE (r), "decoder.film_mul.bias");
  get_weight (&ld, &w->film_add_w, SHAPE (r, e), "decoder.film_add.weight");
  get_weight (&ld, &w->film_add_b, SHAPE (r), "decoder.film_add.bias");
  w->reduce_w = g_new0 (PmTensor, n);
  w->reduce_b = g_new0 (PmTensor, n);
  w->dec_layers = g_new0 (PmClipsegLayer, n);
  for (int i = 0; i < n; i++)
    {
      get_weight (&ld, &w->reduce_w[i], SHAPE (r, dv), "decoder.reduces.%d.weight", i);
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
}

/**
 * pm_clipseg_load_files:
 * @config_path: config.json
 * @preprocessor_path: preprocessor_config.json
 * @weights_path: model.safetensors
 * @error: return location
 *
 * Reads and validates the config, maps the weights and checks every tensor the model
 * needs (name and shape).
 *
 * Returns: (transfer full): the model, or NULL with @error set.
 */
PmClipseg *
pm_clipseg_load_files (const char *config_path,
                       const char *preprocessor_path,
                       const char *weights_path,
                       GError    **error)
{
  g_autoptr(PmClipseg) m = g_new0 (PmClipseg, 1);
  g_autofree char *c1 = NULL, *c2 = NULL, *dir = g_path_get_dirname (config_path);
  g_autoptr(GError) local = NULL;
  gsize l1, l2;

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

  m->st = pm_safetensors_open (weights_path, error);
  if (m->st == NULL || !load_weights (m, error))
    return NULL;
  build_pos_table (m);
  m->arena = pm_arena_new (compute_scratch (&m->config, m->grid));
  return g_steal_pointer (&m);
}

PmClipseg *
pm_clipseg_load (const char *model_dir,
                 GError    **error)
{
  g_autofree char *p1 = g_build_filename (model_dir, "config.json", NULL);
  g_autofree char *p2 = g_build_filename (model_dir, "preprocessor_config.json", NULL);
  g_autofree char *p3 = g_build_filename (model_dir, "model.safetensors", NULL);

  return pm_clipseg_load_files (p1, p2, p3, error);
}

void
pm_clipseg_free (PmClipseg *m)
{
  if (m == NULL)
    return;
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

/* Self-attention block on h[T,D] → out[T,D] (out_proj applied, bias included unless
 * @accumulate, in which case the result is added onto @out). */
static void
attention_block (PmArena              *arena,
                 const PmClipsegLayer *l,
                 const PmTensor       *h,
                 int                   n_heads,
                 gboolean              causal,
                 const guint8         *key_mask,
                 PmTensor             *out,
                 gboolean              accumulate)
{
  gint64 t = h->shape[0], d = h->shape[1];
  gsize mark = pm_arena_mark (arena);
  PmTensor q = pm_arena_tensor_2d (arena, t, d);
  PmTensor k = pm_arena_tensor_2d (arena, t, d);
  PmTensor v = pm_arena_tensor_2d (arena, t, d);
  PmTensor a = pm_arena_tensor_2d (arena, t, d);
  PmTensor s = pm_arena_tensor_2d (arena, t, t);

  pm_op_linear (&q, h, &l->q_w, &l->q_b);
  pm_op_linear (&k, h, &l->k_w, &l->k_b);
  pm_op_linear (&v, h, &l->v_w, &l->v_b);
  pm_op_attention (&a, &q, &k, &v, n_heads, 1.0f / sqrtf ((float) (d / n_heads)), causal,
                   key_mask, &s);
  if (accumulate)
    pm_op_linear_acc (out, &a, &l->o_w, &l->o_b);
  else
    pm_op_linear (out, &a, &l->o_w, &l->o_b);
  pm_arena_release (arena, mark);
}

/* CLIP encoder layer (pre-norm, quick-GELU), in place on x[T,D]:
 *   x += out_proj(attn(LN1(x)));  x += fc2(quick_gelu(fc1(LN2(x)))) */
static void
encoder_layer (PmArena              *arena,
               const PmClipsegLayer *l,
               PmTensor             *x,
               int                   n_heads,
               float                 eps,
               gboolean              causal,
               const guint8         *key_mask)
{
  gint64 t = x->shape[0], d = x->shape[1], inter = l->fc1_w.shape[0];
  gsize mark = pm_arena_mark (arena);
  PmTensor h = pm_arena_tensor_2d (arena, t, d);
  PmTensor f = pm_arena_tensor_2d (arena, t, inter);

  pm_op_layer_norm (&h, x, &l->ln1_w, &l->ln1_b, eps);
  attention_block (arena, l, &h, n_heads, causal, key_mask, x, TRUE);
  pm_op_layer_norm (&h, x, &l->ln2_w, &l->ln2_b, eps);
  pm_op_linear (&f, &h, &l->fc1_w, &l->fc1_b);
  pm_op_quick_gelu (&f, &f);
  pm_op_linear_acc (x, &f, &l->fc2_w, &l->fc2_b);
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
  gint64 t = x->shape[0], d = x->shape[1], inter = l->fc1_w.shape[0];
  gsize mark = pm_arena_mark (arena);
  PmTensor h = pm_arena_tensor_2d (arena, t, d);
  PmTensor f = pm_arena_tensor_2d (arena, t, inter);

  memcpy (h.data, x->data, t * d * sizeof (float));
  attention_block (arena, l, x, n_heads, FALSE, NULL, &h, TRUE);
  pm_op_layer_norm (x, &h, &l->ln1_w, &l->ln1_b, eps);
  pm_op_linear (&f, x, &l->fc1_w, &l->fc1_b);
  pm_op_relu (&f, &f);
  memcpy (h.data, x->data, t * d * sizeof (float));
  pm_op_linear_acc (&h, &f, &l->fc2_w, &l->fc2_b);
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
 * Returns: (transfer full): the residual stream after each extracted layer.
 */
PmClipsegVision *
pm_clipseg_encode_image (PmClipseg      *m,
                         const float    *pixel_values,
                         PmProgressFunc  progress,
                         gpointer        progress_data,
                         GCancellable   *cancellable,
                         PmTimings      *timings,
                         GError        **error)
{
  const PmClipsegConfig *c = &m->config;
  gint64 s = c->input_height, g = m->grid, t = m->n_tokens, dv = c->vision.hidden_size;
  float eps = (float) c->vision.layer_norm_eps;
  g_autoptr(PmClipsegVision) vision = NULL;
  PmArena *arena = m->arena;
  PmTensor x, patches, pixels;
  double t0 = now_ms (), t1;

  g_return_val_if_fail (pixel_values != NULL, NULL);
  if (!check_cancel (cancellable, error))
    return NULL;
  pm_arena_reset (arena);
  vision = g_new0 (PmClipsegVision, 1);
  vision->n = c->n_extract_layers;
  vision->tokens = (int) t;
  vision->width = (int) dv;
  vision->acts = g_new (float, (gsize) vision->n * t * dv);

  /* Embeddings: x[0] = class_embedding, x[1 + y·g + x] = patch conv, + position table */
  x = pm_arena_tensor_2d (arena, t, dv);
  {
    gsize mark = pm_arena_mark (arena);
    PmTensor conv = pm_arena_tensor_3d (arena, dv, g, g);
    PmTensor conv_flat = pm_tensor_view_2d (conv.data, dv, g * g);
    PmTensor col;

    pixels = pm_tensor_view_3d ((float *) pixel_values, 3, s, s);
    col = pm_arena_tensor (arena, 1, (gint64[]) {
      (gint64) pm_op_conv2d_scratch_size (&pixels, &m->w.patch_w, c->vision.patch_size, 0) });
    pm_op_conv2d (&conv, &pixels, &m->w.patch_w, NULL, c->vision.patch_size, 0, &col);
    patches = pm_tensor_view_2d (x.data + dv, g * g, dv);
    pm_op_transpose (&patches, &conv_flat);
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
      if (!check_cancel (cancellable, error))
        return NULL;
      encoder_layer (arena, &m->w.vision_layers[i], &x, c->vision.num_attention_heads, eps,
                     FALSE, NULL);
      dump (m, &x, "vision.layer%d", i);
      for (int j = 0; j < c->n_extract_layers; j++)
        if (c->extract_layers[j] == i)
          memcpy (vision->acts + (gsize) j * t * dv, x.data, t * dv * sizeof (float));
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
  g_free (vision->acts);
  g_free (vision);
}

gsize
pm_clipseg_vision_get_bytes (const PmClipsegVision *vision)
{
  return (gsize) vision->n * vision->tokens * vision->width * sizeof (float);
}

/* ---------------------------------------------------------------------------------------
 * Text encoder
 * ------------------------------------------------------------------------------------- */

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
      if (!check_cancel (cancellable, error))
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
  pm_op_linear (&out, &pooled, &m->w.text_proj, NULL);
  dump (m, &out, "conditional_embeddings");
  add_timing (timings, "text encoder", now_ms () - t0);
  return TRUE;
}

/* ---------------------------------------------------------------------------------------
 * Decoder
 * ------------------------------------------------------------------------------------- */

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
pm_clipseg_decode (PmClipseg             *m,
                   const PmClipsegVision *vision,
                   const float           *embedding,
                   float                 *logits,
                   GCancellable          *cancellable,
                   PmTimings             *timings,
                   GError               **error)
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
  if (vision->n != n || vision->tokens != t || vision->width != dv)
    {
      g_set_error (error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_INPUT,
                   "vision activations do not belong to this model");
      return FALSE;
    }
  if (!check_cancel (cancellable, error))
    return FALSE;
  pm_arena_reset (arena);

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
      PmTensor act = pm_tensor_view_2d (vision->acts + (gsize) (n - 1 - i) * t * dv, t, dv);

      if (!check_cancel (cancellable, error))
        return FALSE;
      if (i == 0)
        pm_op_linear (&x, &act, &w->reduce_w[i], &w->reduce_b[i]);
      else
        pm_op_linear_acc (&x, &act, &w->reduce_w[i], &w->reduce_b[i]);
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

/* ---------------------------------------------------------------------------------------
 * Preprocessing: Pillow's BILINEAR resize, bit for bit
 * ------------------------------------------------------------------------------------- */

/* Pillow keeps 8-bit resampling coefficients in fixed point with this many bits. */
#define PIL_PRECISION_BITS (32 - 8 - 2)

typedef struct {
  int  ksize;     /* taps per output pixel */
  int *bounds;    /* [out][2]: first input index, number of taps */
  int *kk;        /* [out][ksize]: fixed-point weights */
} PilCoeffs;

/* Triangle filter (support 1) widened by the downscale factor, normalised per output pixel
 * in double, then rounded half away from zero to PIL_PRECISION_BITS fixed point. */
static void
pil_coeffs (PilCoeffs *co,
            int        in_size,
            int        out_size)
{
  double scale = (double) in_size / out_size;
  double filterscale = scale < 1.0 ? 1.0 : scale;
  double support = 1.0 * filterscale;
  double *k;

  co->ksize = (int) ceil (support) * 2 + 1;
  co->bounds = g_new (int, 2 * out_size);
  co->kk = g_new0 (int, (gsize) out_size * co->ksize);
  k = g_new (double, co->ksize);
  for (int xx = 0; xx < out_size; xx++)
    {
      double center = (xx + 0.5) * scale;
      double ww = 0.0, ss = 1.0 / filterscale;
      int xmin = (int) (center - support + 0.5);
      int xmax = (int) (center + support + 0.5);

      if (xmin < 0)
        xmin = 0;
      if (xmax > in_size)
        xmax = in_size;
      xmax -= xmin;
      for (int x = 0; x < xmax; x++)
        {
          double t = fabs ((x + xmin - center + 0.5) * ss);
          double wt = t < 1.0 ? 1.0 - t : 0.0;
          k[x] = wt;
          ww += wt;
        }
      for (int x = 0; x < xmax; x++)
        {
          double v = ww != 0.0 ? k[x] / ww : k[x];
          co->kk[xx * co->ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PIL_PRECISION_BITS))
                                             : (int) (0.5 + v * (1 << PIL_PRECISION_BITS));
        }
      co->bounds[2 * xx] = xmin;
      co->bounds[2 * xx + 1] = xmax;
    }
  g_free (k);
}

static void
pil_coeffs_clear (PilCoeffs *co)
{
  g_free (co->bounds);
  g_free (co->kk);
}

static inline guint8
pil_clip8 (gint64 v)
{
  v >>= PIL_PRECISION_BITS;
  return v < 0 ? 0 : (v > 255 ? 255 : (guint8) v);
}

/**
 * pm_clipseg_preprocess:
 * @model: a model
 * @image: RGBA image (alpha ignored)
 * @out: (out caller-allocates): 3·S·S floats, channel-major
 * @error: return location
 *
 * Resize to S×S as Pillow's Image.resize (BILINEAR) does: horizontal pass into an 8-bit
 * image, then vertical pass, each with rounding; then x·rescale_factor, − mean, / std.
 */
gboolean
pm_clipseg_preprocess (PmClipseg     *m,
                       const PmImage *image,
                       float         *out,
                       GError       **error)
{
  const PmClipsegConfig *c = &m->config;
  int s = c->input_height, w, h;
  g_autofree guint8 *tmp = NULL, *res = NULL;
  PilCoeffs ch = { 0 }, cv = { 0 };

  g_return_val_if_fail (image != NULL && out != NULL, FALSE);
  w = image->width;
  h = image->height;
  if (w <= 0 || h <= 0 || image->data == NULL)
    {
      g_set_error (error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_INPUT, "image is empty");
      return FALSE;
    }
  if (!c->do_resize && (w != s || h != s))
    {
      g_set_error (error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_INPUT,
                   "image is %d×%d but the model takes %d×%d and do_resize is off", w, h, s, s);
      return FALSE;
    }

  /* horizontal pass: [h, w, 3] → [h, s, 3] */
  tmp = g_new (guint8, (gsize) h * s * 3);
  pil_coeffs (&ch, w, s);
  for (int y = 0; y < h; y++)
    {
      const guint8 *row = image->data + (gsize) y * w * 4;
      for (int x = 0; x < s; x++)
        {
          int xmin = ch.bounds[2 * x], n = ch.bounds[2 * x + 1];
          const int *k = ch.kk + x * ch.ksize;
          for (int cc = 0; cc < 3; cc++)
            {
              gint64 acc = 1 << (PIL_PRECISION_BITS - 1);
              for (int i = 0; i < n; i++)
                acc += (gint64) row[(xmin + i) * 4 + cc] * k[i];
              tmp[((gsize) y * s + x) * 3 + cc] = pil_clip8 (acc);
            }
        }
    }
  /* vertical pass: [h, s, 3] → [s, s, 3] */
  res = g_new (guint8, (gsize) s * s * 3);
  pil_coeffs (&cv, h, s);
  for (int y = 0; y < s; y++)
    {
      int ymin = cv.bounds[2 * y], n = cv.bounds[2 * y + 1];
      const int *k = cv.kk + y * cv.ksize;
      for (int x = 0; x < s * 3; x++)
        {
          gint64 acc = 1 << (PIL_PRECISION_BITS - 1);
          for (int i = 0; i < n; i++)
            acc += (gint64) tmp[(gsize) (ymin + i) * s * 3 + x] * k[i];
          res[(gsize) y * s * 3 + x] = pil_clip8 (acc);
        }
    }
  pil_coeffs_clear (&ch);
  pil_coeffs_clear (&cv);

  /* rescale and normalise into [3, S, S] */
  for (int cc = 0; cc < 3; cc++)
    {
      double mean = c->do_normalize ? c->image_mean[cc] : 0.0;
      double std = c->do_normalize ? c->image_std[cc] : 1.0;
      double scale = c->do_rescale ? c->rescale_factor : 1.0;
      for (gsize i = 0; i < (gsize) s * s; i++)
        out[cc * (gsize) s * s + i] = (float) ((res[i * 3 + cc] * scale - mean) / std);
    }
  return TRUE;
}
