/* pm-sam-config.c: SAM config.json / preprocessor_config.json reading and validation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-sam-config"

#include "pm-sam-config.h"

#include "pm-model.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "pm-config-json.h"

G_DEFINE_QUARK (pm-sam-config-error-quark, pm_sam_config_error)

/* Sanity bounds: far above any SAM checkpoint (ViT-H is 1280 wide, 32 layers), low enough
 * that sizes derived from them cannot overflow. */
#define MAX_WIDTH      8192
#define MAX_MLP        65536
#define MAX_IMAGE_SIDE 4096
#define MAX_OUTPUTS    16

/**
 * pm_sam_config_init_defaults:
 * @config: (out caller-allocates): filled with Hugging Face's defaults
 */
void
pm_sam_config_init_defaults (PmSamConfig *config)
{
  PmSamVisionConfig *v = &config->vision;
  PmSamPromptConfig *p = &config->prompt;
  PmSamDecoderConfig *d = &config->decoder;

  memset (config, 0, sizeof *config);
  v->hidden_size = 768;
  v->output_channels = 256;
  v->num_hidden_layers = 12;
  v->num_attention_heads = 12;
  v->num_channels = 3;
  v->image_size = 1024;
  v->patch_size = 16;
  g_strlcpy (v->hidden_act, "gelu", sizeof v->hidden_act);
  v->layer_norm_eps = 1e-6;
  v->qkv_bias = TRUE;
  v->mlp_ratio = 4.0;
  v->mlp_dim = -1;   /* derived after reading */
  v->use_abs_pos = TRUE;
  v->use_rel_pos = TRUE;
  v->window_size = 14;
  v->n_global = 4;
  v->global_attn_indexes[0] = 2;
  v->global_attn_indexes[1] = 5;
  v->global_attn_indexes[2] = 8;
  v->global_attn_indexes[3] = 11;
  v->num_pos_feats = 128;

  p->hidden_size = 256;
  p->image_size = 1024;
  p->patch_size = 16;
  p->mask_input_channels = 16;
  p->num_point_embeddings = 4;
  g_strlcpy (p->hidden_act, "gelu", sizeof p->hidden_act);
  p->layer_norm_eps = 1e-6;

  d->hidden_size = 256;
  g_strlcpy (d->hidden_act, "relu", sizeof d->hidden_act);
  d->mlp_dim = 2048;
  d->num_hidden_layers = 2;
  d->num_attention_heads = 8;
  d->attention_downsample_rate = 2;
  d->num_multimask_outputs = 3;
  d->iou_head_depth = 3;
  d->iou_head_hidden_dim = 256;
  d->layer_norm_eps = 1e-6;

  config->do_resize = TRUE;
  config->longest_edge = 1024;
  config->resample = 2;
  config->do_rescale = TRUE;
  config->rescale_factor = 1.0 / 255.0;
  config->do_normalize = TRUE;
  config->image_mean[0] = 0.485;
  config->image_mean[1] = 0.456;
  config->image_mean[2] = 0.406;
  config->image_std[0] = 0.229;
  config->image_std[1] = 0.224;
  config->image_std[2] = 0.225;
  config->do_pad = TRUE;
  config->pad_height = 1024;
  config->pad_width = 1024;
}

/* ---------------------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------------------- */

static gboolean
read_vision (PmConfigJson      *ctx,
             JsonObject        *o,
             PmSamVisionConfig *v)
{
  return pm_config_json_read_int (ctx, o, "hidden_size", &v->hidden_size) &&
         pm_config_json_read_int (ctx, o, "output_channels", &v->output_channels) &&
         pm_config_json_read_int (ctx, o, "num_hidden_layers", &v->num_hidden_layers) &&
         pm_config_json_read_int (ctx, o, "num_attention_heads", &v->num_attention_heads) &&
         pm_config_json_read_int (ctx, o, "num_channels", &v->num_channels) &&
         pm_config_json_read_int (ctx, o, "image_size", &v->image_size) &&
         pm_config_json_read_int (ctx, o, "patch_size", &v->patch_size) &&
         pm_config_json_read_string (ctx, o, "hidden_act", v->hidden_act, sizeof v->hidden_act) &&
         pm_config_json_read_double (ctx, o, "layer_norm_eps", &v->layer_norm_eps) &&
         pm_config_json_read_bool (ctx, o, "qkv_bias", &v->qkv_bias) &&
         pm_config_json_read_double (ctx, o, "mlp_ratio", &v->mlp_ratio) &&
         pm_config_json_read_int (ctx, o, "mlp_dim", &v->mlp_dim) &&
         pm_config_json_read_bool (ctx, o, "use_abs_pos", &v->use_abs_pos) &&
         pm_config_json_read_bool (ctx, o, "use_rel_pos", &v->use_rel_pos) &&
         pm_config_json_read_int (ctx, o, "window_size", &v->window_size) &&
         pm_config_json_read_int_list (ctx, o, "global_attn_indexes", v->global_attn_indexes,
                                       PM_SAM_MAX_LAYERS, &v->n_global) &&
         pm_config_json_read_int (ctx, o, "num_pos_feats", &v->num_pos_feats);
}

static gboolean
read_prompt (PmConfigJson      *ctx,
             JsonObject        *o,
             PmSamPromptConfig *p)
{
  return pm_config_json_read_int (ctx, o, "hidden_size", &p->hidden_size) &&
         pm_config_json_read_int (ctx, o, "image_size", &p->image_size) &&
         pm_config_json_read_int (ctx, o, "patch_size", &p->patch_size) &&
         pm_config_json_read_int (ctx, o, "mask_input_channels", &p->mask_input_channels) &&
         pm_config_json_read_int (ctx, o, "num_point_embeddings", &p->num_point_embeddings) &&
         pm_config_json_read_string (ctx, o, "hidden_act", p->hidden_act, sizeof p->hidden_act) &&
         pm_config_json_read_double (ctx, o, "layer_norm_eps", &p->layer_norm_eps);
}

static gboolean
read_decoder (PmConfigJson       *ctx,
              JsonObject         *o,
              PmSamDecoderConfig *d)
{
  return pm_config_json_read_int (ctx, o, "hidden_size", &d->hidden_size) &&
         pm_config_json_read_string (ctx, o, "hidden_act", d->hidden_act, sizeof d->hidden_act) &&
         pm_config_json_read_int (ctx, o, "mlp_dim", &d->mlp_dim) &&
         pm_config_json_read_int (ctx, o, "num_hidden_layers", &d->num_hidden_layers) &&
         pm_config_json_read_int (ctx, o, "num_attention_heads", &d->num_attention_heads) &&
         pm_config_json_read_int (ctx, o, "attention_downsample_rate",
                                  &d->attention_downsample_rate) &&
         pm_config_json_read_int (ctx, o, "num_multimask_outputs", &d->num_multimask_outputs) &&
         pm_config_json_read_int (ctx, o, "iou_head_depth", &d->iou_head_depth) &&
         pm_config_json_read_int (ctx, o, "iou_head_hidden_dim", &d->iou_head_hidden_dim) &&
         pm_config_json_read_double (ctx, o, "layer_norm_eps", &d->layer_norm_eps);
}

/* Refuses a config.json that says it is another kind of model. */
static gboolean
check_architecture (PmConfigJson *ctx,
                    JsonObject   *root)
{
  g_autofree char *arch = pm_config_json_get_architecture (root);
  char model_type[64] = "";

  if (!pm_config_json_read_string (ctx, root, "model_type", model_type, sizeof model_type))
    return FALSE;
  if ((arch != NULL && strcmp (arch, "SamModel") != 0) ||
      (model_type[0] != '\0' && strcmp (model_type, "sam") != 0))
    {
      g_set_error (ctx->error, PM_SAM_CONFIG_ERROR, PM_SAM_CONFIG_ERROR_ARCHITECTURE,
                   "%s: describes a %s checkpoint, not a Segment Anything SamModel", ctx->file,
                   arch != NULL ? arch : model_type);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_section (PmConfigJson *ctx,
              JsonObject   *root,
              const char   *key,
              PmSamConfig  *config)
{
  gboolean bad = FALSE, ok;
  JsonObject *sub = pm_config_json_get_section (root, key, &bad);

  if (bad)
    return pm_config_json_fail (ctx, PM_SAM_CONFIG_ERROR_PARSE, key, "is not an object");
  if (sub == NULL)
    return TRUE;
  ctx->section = key;
  if (strcmp (key, "vision_config") == 0)
    ok = read_vision (ctx, sub, &config->vision);
  else if (strcmp (key, "prompt_encoder_config") == 0)
    ok = read_prompt (ctx, sub, &config->prompt);
  else
    ok = read_decoder (ctx, sub, &config->decoder);
  ctx->section = NULL;
  return ok;
}

/* size {"longest_edge": N} (or a plain number), pad_size {"height", "width"}. */
static gboolean
read_preprocessor (PmConfigJson *ctx,
                   JsonObject   *root,
                   PmSamConfig  *config)
{
  JsonNode *n;
  gboolean bad = FALSE;
  JsonObject *pad;

  if (!pm_config_json_read_bool (ctx, root, "do_resize", &config->do_resize) ||
      !pm_config_json_read_int (ctx, root, "resample", &config->resample) ||
      !pm_config_json_read_bool (ctx, root, "do_rescale", &config->do_rescale) ||
      !pm_config_json_read_double (ctx, root, "rescale_factor", &config->rescale_factor) ||
      !pm_config_json_read_bool (ctx, root, "do_normalize", &config->do_normalize) ||
      !pm_config_json_read_numbers (ctx, root, "image_mean", config->image_mean, 3) ||
      !pm_config_json_read_numbers (ctx, root, "image_std", config->image_std, 3) ||
      !pm_config_json_read_bool (ctx, root, "do_pad", &config->do_pad))
    return FALSE;

  n = json_object_get_member (root, "size");
  if (n != NULL && JSON_NODE_HOLDS_OBJECT (n))
    {
      JsonObject *o = json_node_get_object (n);

      if (!json_object_has_member (o, "longest_edge"))
        return pm_config_json_fail (ctx, PM_SAM_CONFIG_ERROR_INVALID, "size",
                                    "must give longest_edge");
      ctx->section = "size";
      if (!pm_config_json_read_int (ctx, o, "longest_edge", &config->longest_edge))
        return FALSE;
      ctx->section = NULL;
    }
  else if (n != NULL && !JSON_NODE_HOLDS_NULL (n) &&
           !pm_config_json_read_int (ctx, root, "size", &config->longest_edge))
    return FALSE;

  pad = pm_config_json_get_section (root, "pad_size", &bad);
  if (bad)
    return pm_config_json_fail (ctx, PM_SAM_CONFIG_ERROR_PARSE, "pad_size", "is not an object");
  if (pad != NULL)
    {
      ctx->section = "pad_size";
      if (!pm_config_json_read_int (ctx, pad, "height", &config->pad_height) ||
          !pm_config_json_read_int (ctx, pad, "width", &config->pad_width))
        return FALSE;
      ctx->section = NULL;
    }
  return TRUE;
}

/**
 * pm_sam_config_load_data:
 * @config: (out caller-allocates): the result
 * @config_json: config.json contents
 * @config_len: its length, or -1 if NUL-terminated
 * @preprocessor_json: (nullable): preprocessor_config.json contents
 * @preprocessor_len: its length, or -1
 * @name: label for messages (e.g. the model folder)
 * @error: return location
 *
 * Returns: %TRUE if the files describe a SAM model that can run
 */
gboolean
pm_sam_config_load_data (PmSamConfig *config,
                         const char  *config_json,
                         gssize       config_len,
                         const char  *preprocessor_json,
                         gssize       preprocessor_len,
                         const char  *name,
                         GError     **error)
{
  g_autoptr(JsonParser) p1 = json_parser_new ();
  g_autoptr(JsonParser) p2 = json_parser_new ();
  g_autofree char *f1 = g_build_filename (name, "config.json", NULL);
  g_autofree char *f2 = g_build_filename (name, "preprocessor_config.json", NULL);
  PmConfigJson ctx = { f1, NULL, PM_SAM_CONFIG_ERROR, PM_SAM_CONFIG_ERROR_PARSE,
                       PM_SAM_CONFIG_ERROR_INVALID, error };
  JsonObject *root;

  pm_sam_config_init_defaults (config);
  root = pm_config_json_parse (&ctx, p1, config_json, config_len);
  if (root == NULL || !check_architecture (&ctx, root) ||
      !read_section (&ctx, root, "vision_config", config) ||
      !read_section (&ctx, root, "prompt_encoder_config", config) ||
      !read_section (&ctx, root, "mask_decoder_config", config))
    return pm_config_json_fold_error (error);
  if (config->vision.mlp_dim < 0 && config->vision.mlp_ratio > 0 &&
      config->vision.mlp_ratio < MAX_MLP)
    config->vision.mlp_dim = (int) (config->vision.hidden_size * config->vision.mlp_ratio);
  if (preprocessor_json != NULL)
    {
      ctx.file = f2;
      root = pm_config_json_parse (&ctx, p2, preprocessor_json, preprocessor_len);
      if (root == NULL || !read_preprocessor (&ctx, root, config))
        return pm_config_json_fold_error (error);
    }
  if (!pm_sam_config_validate (config, error))
    {
      g_prefix_error (error, "%s: ", name);
      return pm_config_json_fold_error (error);
    }
  return TRUE;
}

gboolean
pm_sam_config_load_dir (PmSamConfig *config,
                        const char  *model_dir,
                        GError     **error)
{
  g_autofree char *p1 = g_build_filename (model_dir, "config.json", NULL);
  g_autofree char *p2 = g_build_filename (model_dir, "preprocessor_config.json", NULL);
  g_autofree char *c1 = NULL, *c2 = NULL;
  gsize l1 = 0, l2 = 0;
  g_autoptr(GError) local = NULL;

  if (!pm_model_file_check (p1, PM_MODEL_MAX_JSON_BYTES, error) ||
      !pm_model_file_check (p2, PM_MODEL_MAX_JSON_BYTES, error))
    return FALSE;
  if (!g_file_get_contents (p1, &c1, &l1, &local) ||
      (g_file_test (p2, G_FILE_TEST_EXISTS) && !g_file_get_contents (p2, &c2, &l2, &local)))
    {
      g_set_error (error, PM_SAM_CONFIG_ERROR, PM_SAM_CONFIG_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  return pm_sam_config_load_data (config, c1, (gssize) l1, c2, (gssize) l2, model_dir, error);
}

gboolean
pm_sam_config_json_is_sam (const char *config_json,
                           gssize      len)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local = NULL;
  PmConfigJson ctx = { "config.json", NULL, PM_SAM_CONFIG_ERROR, PM_SAM_CONFIG_ERROR_PARSE,
                       PM_SAM_CONFIG_ERROR_INVALID, &local };
  JsonObject *root = pm_config_json_parse (&ctx, parser, config_json, len);
  g_autofree char *arch = NULL;
  char model_type[64] = "";

  if (root == NULL)
    return FALSE;
  arch = pm_config_json_get_architecture (root);
  pm_config_json_read_string (&ctx, root, "model_type", model_type, sizeof model_type);
  return g_strcmp0 (arch, "SamModel") == 0 || strcmp (model_type, "sam") == 0;
}

/* ---------------------------------------------------------------------------------------
 * Validation
 * ------------------------------------------------------------------------------------- */

#define INVALID(...) G_STMT_START { \
    g_set_error (error, PM_SAM_CONFIG_ERROR, PM_SAM_CONFIG_ERROR_INVALID, __VA_ARGS__); \
    return FALSE; } G_STMT_END

static gboolean
check_width (const char *what,
             int         width,
             int         heads,
             GError    **error)
{
  if (width <= 0 || width > MAX_WIDTH)
    INVALID ("%s width %d is out of range (1..%d)", what, width, MAX_WIDTH);
  if (heads <= 0 || heads > width || width % heads != 0)
    INVALID ("%s width %d is not divisible by its %d attention heads", what, width, heads);
  return TRUE;
}

static gboolean
check_activation (const char *what,
                  const char *act,
                  GError    **error)
{
  if (strcmp (act, "gelu") != 0 && strcmp (act, "relu") != 0)
    INVALID ("%s hidden_act “%s” is not supported (gelu or relu)", what, act);
  return TRUE;
}

static gboolean
validate_vision (const PmSamVisionConfig *v,
                 GError                 **error)
{
  if (!check_width ("vision encoder", v->hidden_size, v->num_attention_heads, error) ||
      !check_activation ("vision_config", v->hidden_act, error))
    return FALSE;
  if (v->num_hidden_layers <= 0 || v->num_hidden_layers > PM_SAM_MAX_LAYERS)
    INVALID ("vision num_hidden_layers %d is out of range (1..%d)", v->num_hidden_layers,
             PM_SAM_MAX_LAYERS);
  if (v->mlp_dim <= 0 || v->mlp_dim > MAX_MLP)
    INVALID ("vision mlp_dim %d is out of range", v->mlp_dim);
  if (v->output_channels <= 0 || v->output_channels > MAX_WIDTH)
    INVALID ("vision output_channels %d is out of range", v->output_channels);
  if (v->num_channels != 3)
    INVALID ("vision num_channels is %d; only RGB (3) is supported", v->num_channels);
  if (v->patch_size <= 0 || v->image_size <= 0 || v->image_size > MAX_IMAGE_SIDE ||
      v->image_size % v->patch_size != 0)
    INVALID ("vision patch_size %d does not divide image_size %d", v->patch_size,
             v->image_size);
  if (v->window_size < 0 || v->window_size > v->image_size / v->patch_size)
    INVALID ("vision window_size %d is out of range (0..%d)", v->window_size,
             v->image_size / v->patch_size);
  if (!(v->layer_norm_eps > 0 && v->layer_norm_eps < 1))
    INVALID ("vision layer_norm_eps %g is out of range", v->layer_norm_eps);
  for (int i = 0; i < v->n_global; i++)
    if (v->global_attn_indexes[i] < 0 || v->global_attn_indexes[i] >= v->num_hidden_layers)
      INVALID ("global attention layer %d is out of range (the encoder has %d layers)",
               v->global_attn_indexes[i], v->num_hidden_layers);
  if (v->num_pos_feats <= 0 || v->num_pos_feats > MAX_WIDTH)
    INVALID ("vision num_pos_feats %d is out of range", v->num_pos_feats);
  return TRUE;
}

static gboolean
validate_decoder (const PmSamConfig *c,
                  GError           **error)
{
  const PmSamDecoderConfig *d = &c->decoder;
  int rate = d->attention_downsample_rate;

  if (!check_width ("mask decoder", d->hidden_size, d->num_attention_heads, error) ||
      !check_activation ("mask_decoder_config", d->hidden_act, error))
    return FALSE;
  if (rate <= 0 || d->hidden_size % rate != 0 ||
      (d->hidden_size / rate) % d->num_attention_heads != 0)
    INVALID ("mask decoder attention_downsample_rate %d does not split width %d into %d heads",
             rate, d->hidden_size, d->num_attention_heads);
  if (d->hidden_size % 8 != 0)
    INVALID ("mask decoder width %d is not a multiple of 8 (the upscaling quarters and "
             "eighths it)", d->hidden_size);
  if (d->num_hidden_layers <= 0 || d->num_hidden_layers > 64)
    INVALID ("mask decoder num_hidden_layers %d is out of range", d->num_hidden_layers);
  if (d->mlp_dim <= 0 || d->mlp_dim > MAX_MLP)
    INVALID ("mask decoder mlp_dim %d is out of range", d->mlp_dim);
  if (d->num_multimask_outputs < 1 || d->num_multimask_outputs > MAX_OUTPUTS)
    INVALID ("mask decoder num_multimask_outputs %d is out of range (1..%d)",
             d->num_multimask_outputs, MAX_OUTPUTS);
  if (d->iou_head_depth < 2 || d->iou_head_depth > 64)
    INVALID ("mask decoder iou_head_depth %d is out of range (2..64)", d->iou_head_depth);
  if (d->iou_head_hidden_dim <= 0 || d->iou_head_hidden_dim > MAX_WIDTH)
    INVALID ("mask decoder iou_head_hidden_dim %d is out of range", d->iou_head_hidden_dim);
  if (!(d->layer_norm_eps > 0 && d->layer_norm_eps < 1))
    INVALID ("mask decoder layer_norm_eps %g is out of range", d->layer_norm_eps);
  return TRUE;
}

/* The pieces have to fit: neck width = prompt width = decoder width = 2 × Fourier features,
 * one embedding grid, one input size. */
static gboolean
validate_joints (const PmSamConfig *c,
                 GError           **error)
{
  const PmSamVisionConfig *v = &c->vision;
  const PmSamPromptConfig *p = &c->prompt;
  int width = c->decoder.hidden_size;

  if (v->output_channels != width || p->hidden_size != width || 2 * v->num_pos_feats != width)
    INVALID ("widths disagree: vision output_channels %d, prompt encoder %d, mask decoder %d, "
             "2 × num_pos_feats %d", v->output_channels, p->hidden_size, width,
             2 * v->num_pos_feats);
  if (p->image_size != v->image_size || p->patch_size != v->patch_size)
    INVALID ("prompt encoder grid %d/%d differs from the vision encoder's %d/%d",
             p->image_size, p->patch_size, v->image_size, v->patch_size);
  if (p->num_point_embeddings < 4 || p->num_point_embeddings > 64)
    INVALID ("prompt encoder num_point_embeddings %d is out of range (4..64)",
             p->num_point_embeddings);
  if (c->resample != 2)
    INVALID ("preprocessor resample %d is not supported (only 2, bilinear)", c->resample);
  if (!c->do_pad || c->pad_height != v->image_size || c->pad_width != v->image_size)
    INVALID ("preprocessor pad_size %d×%d differs from the encoder's input %d×%d",
             c->pad_width, c->pad_height, v->image_size, v->image_size);
  if (!c->do_resize || c->longest_edge <= 0 || c->longest_edge > v->image_size)
    INVALID ("preprocessor longest_edge %d is out of range (1..%d)", c->longest_edge,
             v->image_size);
  if (!(c->rescale_factor > 0 && isfinite (c->rescale_factor)))
    INVALID ("preprocessor rescale_factor %g is not positive", c->rescale_factor);
  for (int i = 0; i < 3; i++)
    if (!(c->image_std[i] > 0 && isfinite (c->image_std[i])) || !isfinite (c->image_mean[i]))
      INVALID ("preprocessor image_mean/image_std[%d] = %g/%g is unusable", i,
               c->image_mean[i], c->image_std[i]);
  return TRUE;
}

gboolean
pm_sam_config_validate (const PmSamConfig *config,
                        GError           **error)
{
  return validate_vision (&config->vision, error) &&
         validate_decoder (config, error) &&
         validate_joints (config, error);
}

gboolean
pm_sam_config_is_global (const PmSamConfig *config,
                         int                layer)
{
  if (config->vision.window_size == 0)
    return TRUE;
  for (int i = 0; i < config->vision.n_global; i++)
    if (config->vision.global_attn_indexes[i] == layer)
      return TRUE;
  return FALSE;
}

int
pm_sam_config_get_grid (const PmSamConfig *config)
{
  return config->vision.image_size / config->vision.patch_size;
}
