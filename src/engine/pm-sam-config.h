/* pm-sam-config.h: Segment Anything hyper-parameters from a Hugging Face `SamModel` folder
 * (config.json and preprocessor_config.json).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every field the files leave out takes Hugging Face's default (SamVisionConfig,
 * SamPromptEncoderConfig, SamMaskDecoderConfig, SamImageProcessor); the real checkpoints
 * state little more than the vision widths, so the defaults matter. A config.json of
 * another architecture (CLIPSeg, …) is refused with a message naming it, and dimensions
 * that cannot work together (a prompt encoder narrower than the neck, heads that do not
 * divide a width, …) are invalid values.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PM_SAM_CONFIG_ERROR (pm_sam_config_error_quark ())
GQuark pm_sam_config_error_quark (void);

typedef enum {
  PM_SAM_CONFIG_ERROR_IO,            /* file missing or unreadable */
  PM_SAM_CONFIG_ERROR_PARSE,         /* not JSON, or a field of the wrong type */
  PM_SAM_CONFIG_ERROR_INVALID,       /* a value that cannot describe a working model */
  PM_SAM_CONFIG_ERROR_ARCHITECTURE,  /* config.json describes another kind of model */
} PmSamConfigError;

#define PM_SAM_MAX_LAYERS 128

/* vision_config (SamVisionConfig). */
typedef struct {
  int      hidden_size;           /* 768 */
  int      output_channels;       /* 256: the neck's width, the image embedding's channels */
  int      num_hidden_layers;     /* 12 */
  int      num_attention_heads;   /* 12 */
  int      num_channels;          /* 3 */
  int      image_size;            /* 1024 */
  int      patch_size;            /* 16 */
  char     hidden_act[32];        /* "gelu" */
  double   layer_norm_eps;        /* 1e-6 */
  gboolean qkv_bias;              /* TRUE */
  double   mlp_ratio;             /* 4.0 */
  int      mlp_dim;               /* hidden_size × mlp_ratio unless given */
  gboolean use_abs_pos;           /* TRUE */
  gboolean use_rel_pos;           /* TRUE */
  int      window_size;           /* 14 (0: every layer global) */
  int      n_global;              /* 4 */
  int      global_attn_indexes[PM_SAM_MAX_LAYERS];  /* [2, 5, 8, 11] */
  int      num_pos_feats;         /* 128: random-Fourier features (output 2 × this) */
} PmSamVisionConfig;

/* prompt_encoder_config (SamPromptEncoderConfig). */
typedef struct {
  int    hidden_size;             /* 256 */
  int    image_size;              /* 1024 */
  int    patch_size;              /* 16 */
  int    mask_input_channels;     /* 16 (mask prompts; not used by Paintmask) */
  int    num_point_embeddings;    /* 4: negative, positive, box corner 1, box corner 2 */
  char   hidden_act[32];          /* "gelu" */
  double layer_norm_eps;          /* 1e-6 */
} PmSamPromptConfig;

/* mask_decoder_config (SamMaskDecoderConfig). */
typedef struct {
  int    hidden_size;             /* 256 */
  char   hidden_act[32];          /* "relu" (the two-way transformer's MLP) */
  int    mlp_dim;                 /* 2048 */
  int    num_hidden_layers;       /* 2 */
  int    num_attention_heads;     /* 8 */
  int    attention_downsample_rate; /* 2: cross-attention works at hidden / 2 */
  int    num_multimask_outputs;   /* 3 */
  int    iou_head_depth;          /* 3 */
  int    iou_head_hidden_dim;     /* 256 */
  double layer_norm_eps;          /* 1e-6 (Meta's original uses 1e-5 here; see the README) */
} PmSamDecoderConfig;

typedef struct {
  PmSamVisionConfig  vision;
  PmSamPromptConfig  prompt;
  PmSamDecoderConfig decoder;

  /* preprocessor_config.json (SamImageProcessor) */
  gboolean do_resize;             /* TRUE */
  int      longest_edge;          /* size.longest_edge, 1024 */
  int      resample;              /* 2 = PIL BILINEAR, the only one supported */
  gboolean do_rescale;            /* TRUE */
  double   rescale_factor;        /* 1/255 */
  gboolean do_normalize;          /* TRUE */
  double   image_mean[3];         /* ImageNet [0.485, 0.456, 0.406] */
  double   image_std[3];          /* ImageNet [0.229, 0.224, 0.225] */
  gboolean do_pad;                /* TRUE */
  int      pad_height;            /* pad_size.height, 1024 */
  int      pad_width;             /* pad_size.width, 1024 */
} PmSamConfig;

void     pm_sam_config_init_defaults (PmSamConfig       *config);
/* Reads config.json text (and preprocessor_config.json text when non-NULL); @name labels
 * messages (e.g. the folder). Checks the architecture and validates. */
gboolean pm_sam_config_load_data     (PmSamConfig       *config,
                                      const char        *config_json,
                                      gssize             config_len,
                                      const char        *preprocessor_json,
                                      gssize             preprocessor_len,
                                      const char        *name,
                                      GError           **error);
/* DIR/config.json and DIR/preprocessor_config.json (the latter may be absent: defaults). */
gboolean pm_sam_config_load_dir      (PmSamConfig       *config,
                                      const char        *model_dir,
                                      GError           **error);
gboolean pm_sam_config_validate      (const PmSamConfig *config,
                                      GError           **error);
/* TRUE if vision layer @layer attends globally (window_size 0 or listed in
 * global_attn_indexes). */
gboolean pm_sam_config_is_global     (const PmSamConfig *config,
                                      int                layer);
/* Patch grid side (image_size / patch_size, 64). */
int      pm_sam_config_get_grid      (const PmSamConfig *config);
/* TRUE if @config_json names a SAM checkpoint (model_type "sam" or architectures
 * ["SamModel"]); for telling model folders apart without a full parse. */
gboolean pm_sam_config_json_is_sam   (const char        *config_json,
                                      gssize             len);

G_END_DECLS
