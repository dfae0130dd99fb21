/* pm-clipseg-config.c: CLIPSeg config.json / preprocessor_config.json reading.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-clipseg-config"

#include "pm-clipseg-config.h"
#include "pm-config-json.h"

#include "pm-model.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK (pm-clipseg-config-error-quark, pm_clipseg_config_error)

/* Sanity bounds: far above any CLIP model, low enough that sizes derived from them cannot
 * overflow and a hostile config cannot ask for absurd scratch memory. */
#define MAX_WIDTH   16384
#define MAX_LAYERS  256
#define MAX_VOCAB   (1 << 24)
#define MAX_POS     4096
#define PM_MAX_INPUT_SIDE   2048

/**
 * pm_clipseg_config_init_defaults:
 * @config: (out caller-allocates): filled with Hugging Face's defaults
 *
 * CLIPSegTextConfig, CLIPSegVisionConfig, CLIPSegConfig and ViTImageProcessor defaults.
 */
void
pm_clipseg_config_init_defaults (PmClipsegConfig *config)
{
  memset (config, 0, sizeof *config);

  config->text.vocab_size = 49408;
  config->text.hidden_size = 512;
  config->text.intermediate_size = 2048;
  config->text.num_hidden_layers = 12;
  config->text.num_attention_heads = 8;
  config->text.max_position_embeddings = 77;
  config->text.layer_norm_eps = 1e-5;
  config->text.eos_token_id = 49407;
  g_strlcpy (config->text.hidden_act, "quick_gelu", sizeof config->text.hidden_act);

  config->vision.hidden_size = 768;
  config->vision.intermediate_size = 3072;
  config->vision.num_hidden_layers = 12;
  config->vision.num_attention_heads = 12;
  config->vision.num_channels = 3;
  config->vision.image_size = 224;
  config->vision.patch_size = 32;
  config->vision.layer_norm_eps = 1e-5;
  g_strlcpy (config->vision.hidden_act, "quick_gelu", sizeof config->vision.hidden_act);

  config->projection_dim = 512;
  config->n_extract_layers = 3;
  config->extract_layers[0] = 3;
  config->extract_layers[1] = 6;
  config->extract_layers[2] = 9;
  config->reduce_dim = 64;
  config->decoder_num_attention_heads = 4;
  config->decoder_intermediate_size = 2048;
  config->conditional_layer = 0;
  config->use_complex_transposed_convolution = FALSE;
  g_strlcpy (config->decoder_hidden_act, "quick_gelu", sizeof config->decoder_hidden_act);

  config->do_resize = TRUE;
  config->do_rescale = TRUE;
  config->do_normalize = TRUE;
  config->input_height = 224;
  config->input_width = 224;
  config->resample = 2;
  config->rescale_factor = 1.0 / 255.0;
  for (int i = 0; i < 3; i++)
    {
      config->image_mean[i] = 0.5;
      config->image_std[i] = 0.5;
    }
}

/* ---------------------------------------------------------------------------------------
 * Reading: absent → keep the default; present with the wrong type → error
 * (pm-config-json.h).
 * ------------------------------------------------------------------------------------- */

typedef PmConfigJson Ctx;

static gboolean
read_text (Ctx                 *ctx,
           JsonObject          *o,
           PmClipsegTextConfig *t)
{
  return pm_config_json_read_int (ctx, o, "vocab_size", &t->vocab_size) &&
         pm_config_json_read_int (ctx, o, "hidden_size", &t->hidden_size) &&
         pm_config_json_read_int (ctx, o, "intermediate_size", &t->intermediate_size) &&
         pm_config_json_read_int (ctx, o, "num_hidden_layers", &t->num_hidden_layers) &&
         pm_config_json_read_int (ctx, o, "num_attention_heads", &t->num_attention_heads) &&
         pm_config_json_read_int (ctx, o, "max_position_embeddings",
                                  &t->max_position_embeddings) &&
         pm_config_json_read_int (ctx, o, "eos_token_id", &t->eos_token_id) &&
         pm_config_json_read_double (ctx, o, "layer_norm_eps", &t->layer_norm_eps) &&
         pm_config_json_read_string (ctx, o, "hidden_act", t->hidden_act, sizeof t->hidden_act);
}

static gboolean
read_vision (Ctx                   *ctx,
             JsonObject            *o,
             PmClipsegVisionConfig *v)
{
  return pm_config_json_read_int (ctx, o, "hidden_size", &v->hidden_size) &&
         pm_config_json_read_int (ctx, o, "intermediate_size", &v->intermediate_size) &&
         pm_config_json_read_int (ctx, o, "num_hidden_layers", &v->num_hidden_layers) &&
         pm_config_json_read_int (ctx, o, "num_attention_heads", &v->num_attention_heads) &&
         pm_config_json_read_int (ctx, o, "num_channels", &v->num_channels) &&
         pm_config_json_read_int (ctx, o, "image_size", &v->image_size) &&
         pm_config_json_read_int (ctx, o, "patch_size", &v->patch_size) &&
         pm_config_json_read_double (ctx, o, "layer_norm_eps", &v->layer_norm_eps) &&
         pm_config_json_read_string (ctx, o, "hidden_act", v->hidden_act, sizeof v->hidden_act);
}

/* text_config / text_config_dict (and vision): as transformers does, a *_config_dict is
 * completed with the defaults and then overrides everything in *_config. */
static gboolean
read_sub_config (Ctx             *ctx,
                 JsonObject      *root,
                 gboolean         text,
                 PmClipsegConfig *config)
{
  const char *key = text ? "text_config" : "vision_config";
  g_autofree char *dict_key = g_strconcat (key, "_dict", NULL);
  gboolean bad = FALSE;
  JsonObject *sub = pm_config_json_get_section (root, key, &bad);
  JsonObject *dict;
  PmClipsegConfig defaults;

  if (bad)
    return pm_config_json_fail (ctx, PM_CLIPSEG_CONFIG_ERROR_PARSE, key, "is not an object");
  dict = pm_config_json_get_section (root, dict_key, &bad);
  if (bad)
    return pm_config_json_fail (ctx, PM_CLIPSEG_CONFIG_ERROR_PARSE, dict_key,
                                "is not an object");
  if (dict != NULL)
    {
      pm_clipseg_config_init_defaults (&defaults);
      sub = dict;
      key = dict_key;
      if (text)
        config->text = defaults.text;
      else
        config->vision = defaults.vision;
    }
  if (sub == NULL)
    return TRUE;
  ctx->section = key;
  if (text ? !read_text (ctx, sub, &config->text) : !read_vision (ctx, sub, &config->vision))
    return FALSE;
  ctx->section = NULL;
  return TRUE;
}

static gboolean
read_main (Ctx             *ctx,
           JsonObject      *root,
           PmClipsegConfig *config)
{
  int n = -1;

  if (!read_sub_config (ctx, root, TRUE, config) ||
      !read_sub_config (ctx, root, FALSE, config))
    return FALSE;
  if (!pm_config_json_read_int (ctx, root, "projection_dim", &config->projection_dim) ||
      !pm_config_json_read_int (ctx, root, "reduce_dim", &config->reduce_dim) ||
      !pm_config_json_read_int (ctx, root, "decoder_num_attention_heads",
                                &config->decoder_num_attention_heads) ||
      !pm_config_json_read_int (ctx, root, "decoder_intermediate_size",
                                &config->decoder_intermediate_size) ||
      !pm_config_json_read_int (ctx, root, "conditional_layer", &config->conditional_layer) ||
      !pm_config_json_read_bool (ctx, root, "use_complex_transposed_convolution",
                                 &config->use_complex_transposed_convolution) ||
      !pm_config_json_read_string (ctx, root, "decoder_hidden_act", config->decoder_hidden_act,
                                   sizeof config->decoder_hidden_act))
    return FALSE;

  if (!pm_config_json_read_int_list (ctx, root, "extract_layers", config->extract_layers,
                                     PM_CLIPSEG_MAX_EXTRACT, &n))
    return FALSE;
  if (n == 0)
    return pm_config_json_fail (ctx, PM_CLIPSEG_CONFIG_ERROR_INVALID, "extract_layers",
                                "must list 1 to 16 layers");
  if (n > 0)
    config->n_extract_layers = n;
  return TRUE;
}

static gboolean
read_preprocessor (Ctx             *ctx,
                   JsonObject      *root,
                   PmClipsegConfig *config)
{
  JsonNode *n;

  if (!pm_config_json_read_bool (ctx, root, "do_resize", &config->do_resize) ||
      !pm_config_json_read_bool (ctx, root, "do_rescale", &config->do_rescale) ||
      !pm_config_json_read_bool (ctx, root, "do_normalize", &config->do_normalize) ||
      !pm_config_json_read_int (ctx, root, "resample", &config->resample) ||
      !pm_config_json_read_double (ctx, root, "rescale_factor", &config->rescale_factor))
    return FALSE;

  n = json_object_get_member (root, "size");
  if (n != NULL && !JSON_NODE_HOLDS_NULL (n))
    {
      if (JSON_NODE_HOLDS_VALUE (n))
        {
          int s = config->input_width;
          if (!pm_config_json_read_int (ctx, root, "size", &s))
            return FALSE;
          config->input_width = config->input_height = s;
        }
      else if (JSON_NODE_HOLDS_OBJECT (n))
        {
          JsonObject *o = json_node_get_object (n);
          if (!json_object_has_member (o, "height") || !json_object_has_member (o, "width"))
            return pm_config_json_fail (ctx, PM_CLIPSEG_CONFIG_ERROR_INVALID, "size",
                                        "must give height and width");
          ctx->section = "size";
          if (!pm_config_json_read_int (ctx, o, "height", &config->input_height) ||
              !pm_config_json_read_int (ctx, o, "width", &config->input_width))
            return FALSE;
          ctx->section = NULL;
        }
      else
        return pm_config_json_fail (ctx, PM_CLIPSEG_CONFIG_ERROR_PARSE, "size",
                                    "is not an object");
    }

  return pm_config_json_read_numbers (ctx, root, "image_mean", config->image_mean, 3) &&
         pm_config_json_read_numbers (ctx, root, "image_std", config->image_std, 3);
}

/**
 * pm_clipseg_config_load_data:
 * @config: (out caller-allocates): the result
 * @config_json: config.json contents
 * @config_len: its length, or -1 if NUL-terminated
 * @preprocessor_json: (nullable): preprocessor_config.json contents
 * @preprocessor_len: its length, or -1
 * @name: label for messages (e.g. the model folder)
 * @error: return location
 *
 * Returns: %TRUE if the config was read and describes a possible model.
 */
gboolean
pm_clipseg_config_load_data (PmClipsegConfig *config,
                             const char      *config_json,
                             gssize           config_len,
                             const char      *preprocessor_json,
                             gssize           preprocessor_len,
                             const char      *name,
                             GError         **error)
{
  g_autoptr(JsonParser) p1 = json_parser_new ();
  g_autoptr(JsonParser) p2 = json_parser_new ();
  g_autofree char *f1 = g_build_filename (name, "config.json", NULL);
  g_autofree char *f2 = g_build_filename (name, "preprocessor_config.json", NULL);
  JsonObject *root;
  Ctx ctx = { f1, NULL, PM_CLIPSEG_CONFIG_ERROR, PM_CLIPSEG_CONFIG_ERROR_PARSE,
              PM_CLIPSEG_CONFIG_ERROR_INVALID, error };

  pm_clipseg_config_init_defaults (config);
  root = pm_config_json_parse (&ctx, p1, config_json, config_len);
  if (root == NULL || !read_main (&ctx, root, config))
    return pm_config_json_fold_error (error);
  if (preprocessor_json != NULL)
    {
      ctx.file = f2;
      root = pm_config_json_parse (&ctx, p2, preprocessor_json, preprocessor_len);
      if (root == NULL || !read_preprocessor (&ctx, root, config))
        return pm_config_json_fold_error (error);
    }
  if (!pm_clipseg_config_validate (config, error))
    {
      g_prefix_error (error, "%s: ", name);
      return pm_config_json_fold_error (error);
    }
  return TRUE;
}

gboolean
pm_clipseg_config_load_dir (PmClipsegConfig *config,
                            const char      *model_dir,
                            GError         **error)
{
  g_autofree char *p1 = g_build_filename (model_dir, "config.json", NULL);
  g_autofree char *p2 = g_build_filename (model_dir, "preprocessor_config.json", NULL);
  g_autofree char *c1 = NULL, *c2 = NULL;
  gsize l1, l2;
  g_autoptr(GError) local = NULL;

  if (!pm_model_file_check (p1, PM_MODEL_MAX_JSON_BYTES, error) ||
      !pm_model_file_check (p2, PM_MODEL_MAX_JSON_BYTES, error))
    return FALSE;
  if (!g_file_get_contents (p1, &c1, &l1, &local) ||
      !g_file_get_contents (p2, &c2, &l2, &local))
    {
      g_set_error (error, PM_CLIPSEG_CONFIG_ERROR, PM_CLIPSEG_CONFIG_ERROR_IO, "%s",
                   local->message);
      return FALSE;
    }
  return pm_clipseg_config_load_data (config, c1, (gssize) l1, c2, (gssize) l2, model_dir,
                                      error);
}

/* ---------------------------------------------------------------------------------------
 * Validation
 * ------------------------------------------------------------------------------------- */

static gboolean
check_width (const char *what,
             int         hidden,
             int         heads,
             GError    **error)
{
  if (hidden <= 0 || hidden > MAX_WIDTH)
    {
      g_set_error (error, PM_CLIPSEG_CONFIG_ERROR, PM_CLIPSEG_CONFIG_ERROR_INVALID,
                   "%s hidden size %d is out of range (1..%d)", what, hidden, MAX_WIDTH);
      return FALSE;
    }
  if (heads <= 0 || heads > hidden)
    {
      g_set_error (error, PM_CLIPSEG_CONFIG_ERROR, PM_CLIPSEG_CONFIG_ERROR_INVALID,
                   "%s has %d attention heads", what, heads);
      return FALSE;
    }
  if (hidden % heads != 0)
    {
      g_set_error (error, PM_CLIPSEG_CONFIG_ERROR, PM_CLIPSEG_CONFIG_ERROR_INVALID,
                   "%s hidden size %d is not divisible by its %d attention heads", what,
                   hidden, heads);
      return FALSE;
    }
  return TRUE;
}

#define INVALID(...) G_STMT_START { \
    g_set_error (error, PM_CLIPSEG_CONFIG_ERROR, PM_CLIPSEG_CONFIG_ERROR_INVALID, __VA_ARGS__); \
    return FALSE; } G_STMT_END

gboolean
pm_clipseg_config_validate (const PmClipsegConfig *c,
                            GError               **error)
{
  const PmClipsegTextConfig *t = &c->text;
  const PmClipsegVisionConfig *v = &c->vision;

  if (!check_width ("text model", t->hidden_size, t->num_attention_heads, error) ||
      !check_width ("vision model", v->hidden_size, v->num_attention_heads, error) ||
      !check_width ("decoder (reduce_dim)", c->reduce_dim, c->decoder_num_attention_heads,
                    error))
    return FALSE;
  if (t->vocab_size <= 0 || t->vocab_size > MAX_VOCAB)
    INVALID ("text vocab_size %d is out of range", t->vocab_size);
  if (t->max_position_embeddings < 2 || t->max_position_embeddings > MAX_POS)
    INVALID ("text max_position_embeddings %d is out of range", t->max_position_embeddings);
  if (t->num_hidden_layers <= 0 || t->num_hidden_layers > MAX_LAYERS)
    INVALID ("text num_hidden_layers %d is out of range", t->num_hidden_layers);
  if (v->num_hidden_layers <= 0 || v->num_hidden_layers > MAX_LAYERS)
    INVALID ("vision num_hidden_layers %d is out of range", v->num_hidden_layers);
  if (t->intermediate_size <= 0 || t->intermediate_size > 4 * MAX_WIDTH)
    INVALID ("text intermediate_size %d is out of range", t->intermediate_size);
  if (v->intermediate_size <= 0 || v->intermediate_size > 4 * MAX_WIDTH)
    INVALID ("vision intermediate_size %d is out of range", v->intermediate_size);
  if (c->decoder_intermediate_size <= 0 || c->decoder_intermediate_size > 4 * MAX_WIDTH)
    INVALID ("decoder_intermediate_size %d is out of range", c->decoder_intermediate_size);
  if (c->projection_dim <= 0 || c->projection_dim > MAX_WIDTH)
    INVALID ("projection_dim %d is out of range", c->projection_dim);
  if (!(t->layer_norm_eps > 0 && t->layer_norm_eps < 1))
    INVALID ("text layer_norm_eps %g is out of range", t->layer_norm_eps);
  if (!(v->layer_norm_eps > 0 && v->layer_norm_eps < 1))
    INVALID ("vision layer_norm_eps %g is out of range", v->layer_norm_eps);
  if (g_strcmp0 (t->hidden_act, "quick_gelu") != 0)
    INVALID ("text hidden_act “%s” is not supported (only quick_gelu)", t->hidden_act);
  if (g_strcmp0 (v->hidden_act, "quick_gelu") != 0)
    INVALID ("vision hidden_act “%s” is not supported (only quick_gelu)", v->hidden_act);
  if (v->num_channels != 3)
    INVALID ("vision num_channels is %d; only RGB (3) is supported", v->num_channels);
  if (v->patch_size <= 0 || v->patch_size > PM_MAX_INPUT_SIDE)
    INVALID ("vision patch_size %d is out of range", v->patch_size);
  if (v->image_size <= 0 || v->image_size > PM_MAX_INPUT_SIDE)
    INVALID ("vision image_size %d is out of range", v->image_size);
  if (v->image_size % v->patch_size != 0)
    INVALID ("vision patch_size %d does not divide image_size %d", v->patch_size,
             v->image_size);

  if (c->n_extract_layers <= 0 || c->n_extract_layers > PM_CLIPSEG_MAX_EXTRACT)
    INVALID ("extract_layers must list 1 to %d layers", PM_CLIPSEG_MAX_EXTRACT);
  for (int i = 0; i < c->n_extract_layers; i++)
    if (c->extract_layers[i] < 0 || c->extract_layers[i] >= v->num_hidden_layers)
      INVALID ("extract layer %d is out of range (the vision model has %d layers)",
               c->extract_layers[i], v->num_hidden_layers);
  if (c->conditional_layer < 0 || c->conditional_layer >= c->n_extract_layers)
    INVALID ("conditional_layer %d is out of range (%d decoder layers)",
             c->conditional_layer, c->n_extract_layers);
  if (c->use_complex_transposed_convolution &&
      (v->patch_size % 4 != 0 || c->reduce_dim < 2 || c->reduce_dim % 2 != 0))
    INVALID ("the complex transposed convolution needs patch_size divisible by 4 (got %d) "
             "and an even reduce_dim (got %d)", v->patch_size, c->reduce_dim);

  if (c->input_height != c->input_width)
    INVALID ("input size %d×%d is not square", c->input_width, c->input_height);
  if (c->input_height <= 0 || c->input_height > PM_MAX_INPUT_SIDE)
    INVALID ("input size %d is out of range (1..%d)", c->input_height, PM_MAX_INPUT_SIDE);
  if (c->input_height % v->patch_size != 0)
    INVALID ("patch_size %d does not divide the input size %d", v->patch_size,
             c->input_height);
  if (c->resample != 2)
    INVALID ("preprocessor resample %d is not supported (only 2, bilinear)", c->resample);
  if (!(c->rescale_factor > 0 && isfinite (c->rescale_factor)))
    INVALID ("preprocessor rescale_factor %g is not positive", c->rescale_factor);
  for (int i = 0; i < 3; i++)
    {
      if (!(c->image_std[i] > 0 && isfinite (c->image_std[i])))
        INVALID ("preprocessor image_std[%d] = %g is not positive", i, c->image_std[i]);
      if (!isfinite (c->image_mean[i]))
        INVALID ("preprocessor image_mean[%d] is not finite", i);
    }
  return TRUE;
}

int
pm_clipseg_config_get_vision_layers_needed (const PmClipsegConfig *config)
{
  int deepest = 0;

  for (int i = 0; i < config->n_extract_layers; i++)
    deepest = MAX (deepest, config->extract_layers[i]);
  return deepest + 1;
}

int
pm_clipseg_config_get_grid (const PmClipsegConfig *config)
{
  return config->input_height / config->vision.patch_size;
}
