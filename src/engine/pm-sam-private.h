/* pm-sam-private.h: the SAM model's structs, shared by pm-sam*.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shapes: S = input side (1024), p = patch (16), g = S/p (64), N = g² tokens (4096),
 * D = vision width (768; 168 for SlimSAM-77), H = vision heads, hd = D/H, M = vision MLP
 * width, w = window (14), C = neck / prompt / decoder width (256), I = C / downsample
 * (128, the cross-attention width), K = mask tokens (4), L = 4g (256, low-res logits),
 * F = random-Fourier features (C/2). Token activations are [N, width] row-major with
 * token = y·g + x; image-shaped ones are [channels, g, g].
 */
#pragma once

#include "pm-ops.h"
#include "pm-sam.h"
#include "pm-safetensors.h"
#include "pm-stage-packer.h"

G_BEGIN_DECLS

/* ---------------------------------------------------------------------------------------
 * Weights
 * ------------------------------------------------------------------------------------- */

/* vision_encoder.layers.<i>. */
typedef struct {
  PmTensor  ln1_w, ln1_b;   /* [D]              layer_norm1.{weight,bias} */
  PmTensor  q_w, k_w, v_w;  /* [D, D] each      rows 0..D, D..2D, 2D..3D of attn.qkv.weight */
  PmTensor  q_b, k_b, v_b;  /* [D] each         the same thirds of attn.qkv.bias (if qkv_bias) */
  PmTensor  proj_w, proj_b; /* [D, D], [D]      attn.proj */
  PmTensor  rel_h, rel_w;   /* [2s − 1, hd]     attn.rel_pos_{h,w}, resampled to the layer's
                             *                  attention side s (w, or g when global) */
  PmTensor *rel_owned[2];   /* resampled copies, when the checkpoint's length differs */
  PmTensor  ln2_w, ln2_b;   /* [D]              layer_norm2 */
  PmTensor  fc1_w, fc1_b;   /* [M, D], [M]      mlp.lin1 */
  PmTensor  fc2_w, fc2_b;   /* [D, M], [D]      mlp.lin2 */
  gboolean  global;         /* attends over the whole grid (window 0) */
  gboolean  has_qkv_bias;
  /* packed by pm-sam-pack.c */
  PmLinear *qkv;            /* [3D, D] */
  PmLinear *proj;           /* [D, D] */
  PmLinear *fc1;            /* [M, D] */
  PmLinear *fc2;            /* [D, M] */
} PmSamVisionLayer;

/* A two-way attention (q_proj, k_proj, v_proj, out_proj): Wq/Wk/Wv [Ia, C], Wo [C, Ia]
 * with Ia = C for the tokens' self-attention and I for the cross-attentions. */
typedef struct {
  PmTensor q_w, q_b, k_w, k_b, v_w, v_b, o_w, o_b;
  int      inner;   /* Ia */
} PmSamAttention;

/* mask_decoder.transformer.layers.<i>. */
typedef struct {
  PmSamAttention self_attn;              /* self_attn */
  PmTensor       ln1_w, ln1_b;           /* [C] layer_norm1 */
  PmSamAttention token_to_image;         /* cross_attn_token_to_image */
  PmTensor       ln2_w, ln2_b;           /* [C] layer_norm2 */
  PmTensor       mlp1_w, mlp1_b;         /* [Md, C], [Md]  mlp.lin1 */
  PmTensor       mlp2_w, mlp2_b;         /* [C, Md], [C]   mlp.lin2 */
  PmTensor       ln3_w, ln3_b;           /* [C] layer_norm3 */
  PmSamAttention image_to_token;         /* cross_attn_image_to_token */
  PmTensor       ln4_w, ln4_b;           /* [C] layer_norm4 */
} PmSamTwoWayLayer;

/* A SamFeedForward: proj_in, ReLU, layers.<j> + ReLU …, proj_out. */
typedef struct {
  PmTensor  in_w, in_b;      /* [Hh, C], [Hh]   proj_in */
  PmTensor *mid_w, *mid_b;   /* n_mid × [Hh, Hh], [Hh]   layers.<j> */
  int       n_mid;           /* depth − 2 */
  PmTensor  out_w, out_b;    /* [O, Hh], [O]   proj_out */
} PmSamMlp;

typedef struct {
  /* vision_encoder.* */
  PmTensor          patch_w;        /* [D, 3, p, p]  patch_embed.projection.weight */
  PmTensor          patch_b;        /* [D]           patch_embed.projection.bias */
  PmTensor          pos_embed;      /* [1, g, g, D]  pos_embed (if use_abs_pos) */
  PmSamVisionLayer *layers;         /* [n_layers] */
  PmTensor          neck1_w;        /* [C, D] view of neck.conv1.weight [C, D, 1, 1] (no bias) */
  PmTensor          neck_ln1_w, neck_ln1_b;   /* [C] neck.layer_norm1 */
  PmTensor          neck2_w;        /* [C, C, 3, 3]  neck.conv2.weight (no bias) */
  PmTensor          neck_ln2_w, neck_ln2_b;   /* [C] neck.layer_norm2 */
  /* packed by pm-sam-pack.c */
  PmLinear         *patch;          /* [D, 3·p·p]: the patch conv on patch rows */
  PmLinear         *neck1;          /* [C, D] */
  PmLinear         *neck2[9];       /* [C, C] per 3 × 3 tap (ky·3 + kx) */
  PmTensor         *neck2_taps[9];  /* their weights */
  gint32           *shift_rows[9];  /* [N]: the token each tap reads for each token, −1 outside */

  /* shared_image_embedding.positional_embedding and prompt_encoder.* */
  PmTensor          fourier;        /* [2, F]  random-Fourier matrix */
  PmTensor         *point_embed;    /* [n_point_embeddings] × [1, C]  point_embed.<i>.weight */
  PmTensor          not_a_point;    /* [1, C]  not_a_point_embed.weight */
  PmTensor          no_mask;        /* [1, C]  no_mask_embed.weight */

  /* mask_decoder.* */
  PmTensor          iou_token;      /* [1, C]  iou_token.weight */
  PmTensor          mask_tokens;    /* [K, C]  mask_tokens.weight */
  PmSamTwoWayLayer *tw_layers;      /* [n_dec_layers]  transformer.layers.<i> */
  PmSamAttention    final_attn;     /* transformer.final_attn_token_to_image */
  PmTensor          final_ln_w, final_ln_b;   /* [C] transformer.layer_norm_final_attn */
  PmTensor          up1_w, up1_b;   /* [C, C/4, 2, 2], [C/4]  upscale_conv1 */
  PmTensor          up_ln_w, up_ln_b;         /* [C/4] upscale_layer_norm */
  PmTensor          up2_w, up2_b;   /* [C/4, C/8, 2, 2], [C/8]  upscale_conv2 */
  /* the two transposed convolutions as Linears on token-major pixels (built at load):
   * row (ky·2 + kx)·Co + o of the weight is W[:, o, ky, kx], the bias repeats b */
  PmTensor         *up1_lin_w, *up1_lin_b;   /* [4·C/4, C], [4·C/4] */
  PmTensor         *up2_lin_w, *up2_lin_b;   /* [4·C/8, C/4], [4·C/8] */
  PmLinear         *up1, *up2;      /* those packed (pm-sam-pack.c) */
  PmSamMlp         *hyper;          /* [K] output_hypernetworks_mlps.<i> (C → C → C/8) */
  PmSamMlp          iou_head;       /* iou_prediction_head (C → Hi … → K) */
} PmSamWeights;

struct _PmSam {
  PmSamConfig    config;
  PmSamWeights   w;
  PmSafetensors *st;            /* owns the mapping and converted buffers */
  PmTensor      *key_pe;        /* [N, C]: the dense positional encoding of the grid */
  PmArena       *arena;         /* scratch for one call at a time */
  int            grid;          /* g */
  int            n_mask_tokens; /* K */
  gsize          weights_bytes;
  PmPrecision    precision;     /* the encoder's, as asked for */
  gint32        *win_rows;      /* [win_n_rows]: window-major rows → grid token, −1 = padding */
  gint64         win_n_rows;
  PmGemmB       *op_b[2];      /* the decoder's per-click packed operands (storage kept) */
  PmSamDumpFunc  dump;
  gpointer       dump_data;
  PmStagePacker *packer;       /* packs the PM_SAM_STAGE_*s after the load (pm-sam-pack.c) */
};

struct _PmSamEmbedding {
  int       width, height;          /* the original image */
  int       resized_w, resized_h;   /* after the longest-side resize */
  PmTensor *image;                  /* [C, g, g]  the image embedding */
  PmTensor *keys;                   /* [N, C]  image + no-mask embedding, token-major */
  PmTensor *k0, *v0;                /* [N, I]  first two-way layer's token→image keys and
                                     * values: depend on the image only */
  PmTensor *q0;                     /* [N, I]  its image→token queries q_proj (keys + pe),
                                     * image-only too */
};

/* pm-sam-load.c */
gsize     pm_sam_encoder_scratch_floats (const PmSamConfig *config);
gsize     pm_sam_decoder_scratch_floats (const PmSamConfig *config);

/* pm-sam-pack.c. Packing stages, in order: the mask head's upscaling (every click needs
 * it), the patch embedding, each vision layer, the neck. */
#define PM_SAM_STAGE_DECODER 0
#define PM_SAM_STAGE_PATCH 1
#define PM_SAM_STAGE_LAYER(i) (2 + (i))
#define PM_SAM_STAGE_NECK(m) (2 + (m)->config.vision.num_hidden_layers)

void      pm_sam_build_window_rows      (PmSam             *model);
void      pm_sam_release_stage_sources  (PmSam             *model,
                                         int                stage);
void      pm_sam_pack_start             (PmSam             *model);
void      pm_sam_unpack                 (PmSam             *model);

/* pm-sam-decoder.c: fills e->keys, e->k0, e->v0 from e->image (uses the arena). */
void      pm_sam_build_decoder_cache    (PmSam             *model,
                                         PmSamEmbedding    *embedding);
/* pm-sam-heads.c */
void      pm_sam_feed_forward           (PmSam             *model,
                                         const PmSamMlp    *mlp,
                                         const float       *in,
                                         float             *out);
void      pm_sam_mask_head              (PmSam             *model,
                                         const PmTensor    *keys,
                                         const float       *hyper,
                                         int                count,
                                         float             *lowres);
void      pm_sam_residual_norm          (PmSam             *model,
                                         PmTensor          *out,
                                         PmTensor          *out_pe,
                                         const PmTensor    *a,
                                         const PmTensor    *b,
                                         const PmTensor    *gamma,
                                         const PmTensor    *beta,
                                         float              eps);
void      pm_sam_softmax_segments       (PmTensor          *p,
                                         gint64             seg);
void      pm_sam_softmax_rows           (PmTensor          *p);
/* Random-Fourier encoding of a point in [0, 1]² into out[C] (sin | cos). */
void      pm_sam_fourier                (PmSam             *model,
                                         double             x01,
                                         double             y01,
                                         float             *out);

static inline void
pm_sam_dump (PmSam          *m,
             const char     *name,
             const PmTensor *t)
{
  if (m->dump != NULL)
    m->dump (name, t, m->dump_data);
}

G_END_DECLS
