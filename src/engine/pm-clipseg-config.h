/* pm-clipseg-config.h: CLIPSeg hyper-parameters from config.json and preprocessor_config.json.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fields missing from the files take Hugging Face's defaults (configuration_clipseg.py,
 * ViTImageProcessor). Old configs that carry `text_config_dict` / `vision_config_dict`
 * are read the way transformers does: such a dict, completed with the defaults, takes
 * precedence over `text_config` / `vision_config`. Impossible values are rejected.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PM_CLIPSEG_CONFIG_ERROR (pm_clipseg_config_error_quark ())
GQuark pm_clipseg_config_error_quark (void);

typedef enum {
  PM_CLIPSEG_CONFIG_ERROR_IO,       /* file missing or unreadable */
  PM_CLIPSEG_CONFIG_ERROR_PARSE,    /* not JSON, or a field of the wrong type */
  PM_CLIPSEG_CONFIG_ERROR_INVALID,  /* a value that cannot describe a working model */
} PmClipsegConfigError;

#define PM_CLIPSEG_MAX_EXTRACT 16

typedef struct {
  int    vocab_size;               /* 49408 */
  int    hidden_size;              /* 512 */
  int    intermediate_size;        /* 2048 */
  int    num_hidden_layers;        /* 12 */
  int    num_attention_heads;      /* 8 */
  int    max_position_embeddings;  /* 77 */
  double layer_norm_eps;           /* 1e-5 */
  int    eos_token_id;             /* 49407 (legacy configs say 2: pool at argmax id) */
  char   hidden_act[32];           /* "quick_gelu" */
} PmClipsegTextConfig;

typedef struct {
  int    hidden_size;              /* 768 */
  int    intermediate_size;        /* 3072 */
  int    num_hidden_layers;        /* 12 */
  int    num_attention_heads;      /* 12 */
  int    num_channels;             /* 3 */
  int    image_size;               /* 224 (position-embedding grid = image_size / patch) */
  int    patch_size;               /* 32 (HF default; the real model says 16) */
  double layer_norm_eps;           /* 1e-5 */
  char   hidden_act[32];           /* "quick_gelu" */
} PmClipsegVisionConfig;

typedef struct {
  PmClipsegTextConfig   text;
  PmClipsegVisionConfig vision;
  int      projection_dim;                          /* 512 */
  int      n_extract_layers;                        /* 3 */
  int      extract_layers[PM_CLIPSEG_MAX_EXTRACT];  /* [3, 6, 9] */
  int      reduce_dim;                              /* 64 */
  int      decoder_num_attention_heads;             /* 4 */
  int      decoder_intermediate_size;               /* 2048 */
  int      conditional_layer;                       /* 0 */
  gboolean use_complex_transposed_convolution;      /* FALSE */
  char     decoder_hidden_act[32];                  /* "quick_gelu" (ignored: HF uses ReLU) */

  /* preprocessor_config.json (ViTImageProcessor) */
  gboolean do_resize;           /* TRUE */
  gboolean do_rescale;          /* TRUE */
  gboolean do_normalize;        /* TRUE */
  int      input_height;        /* size.height, 224 by default (352 for CLIPSeg) */
  int      input_width;         /* size.width */
  int      resample;            /* 2 = PIL BILINEAR, the only one supported */
  double   rescale_factor;      /* 1/255 */
  double   image_mean[3];       /* [0.5, 0.5, 0.5] by default */
  double   image_std[3];        /* [0.5, 0.5, 0.5] by default */
} PmClipsegConfig;

/* Hugging Face's defaults (a valid, if unusual, config). */
void     pm_clipseg_config_init_defaults   (PmClipsegConfig  *config);

/* Reads @config_json (config.json text) and, if non-NULL, @preprocessor_json; @name
 * appears in error messages. Validates the result. */
gboolean pm_clipseg_config_load_data       (PmClipsegConfig  *config,
                                            const char       *config_json,
                                            gssize            config_len,
                                            const char       *preprocessor_json,
                                            gssize            preprocessor_len,
                                            const char       *name,
                                            GError          **error);
/* Reads DIR/config.json and DIR/preprocessor_config.json (both required). */
gboolean pm_clipseg_config_load_dir        (PmClipsegConfig  *config,
                                            const char       *model_dir,
                                            GError          **error);
gboolean pm_clipseg_config_validate        (const PmClipsegConfig *config,
                                            GError               **error);

/* The deepest extracted layer + 1: vision layers beyond it are never run. */
int      pm_clipseg_config_get_vision_layers_needed (const PmClipsegConfig *config);
/* Patch grid side for the input size (input / patch). */
int      pm_clipseg_config_get_grid         (const PmClipsegConfig *config);

G_END_DECLS
