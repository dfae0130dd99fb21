/* pm-clipseg-private.h: the CLIPSeg model's structs, shared by pm-clipseg*.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shapes: S = input side (352), p = patch (16), g = S/p (22), T = g² + 1 tokens (485),
 * Dv/Dt = vision/text width (768/512), R = reduce_dim (64), E = projection_dim (512),
 * n = number of extracted layers (3). Every activation is [tokens, width], row-major.
 */
#pragma once

#include "pm-clipseg.h"
#include "pm-ops.h"
#include "pm-safetensors.h"
#include "pm-stage-packer.h"

G_BEGIN_DECLS

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
  /* packed at load (pm_linear_*) for the kernels in use */
  PmLinear *qkv;          /* [3D, D] q | k | v stacked */
  PmLinear *o;            /* [D, D] */
  PmLinear *fc1;          /* [I, D] */
  PmLinear *fc2;          /* [D, I] */
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

  /* packed at load */
  PmLinear       *patch;        /* [Dv, 3·p·p]: the patch conv as a Linear on patch rows */
  PmLinear       *text_proj_l;  /* [E, Dt] */
  PmLinear      **reduce;       /* n × [R, Dv] */
} PmClipsegWeights;

struct _PmClipseg {
  PmClipsegConfig   config;
  PmPrecision       precision;    /* as asked for: F32, BF16 or AUTO (the layers resolve it) */
  PmClipsegWeights  w;
  PmSafetensors    *st;           /* owns the mapping and converted buffers */
  PmTensor         *pos_table;    /* [T, Dv]: class row + bicubic-resized grid, at load */
  PmArena          *arena;        /* scratch for one call at a time */
  int               grid;         /* g */
  int               n_tokens;     /* T */
  int               n_vision;     /* vision layers run (deepest extract + 1) */
  gsize             weights_bytes;

  /* Packing runs in a thread started by the load, in the order the forward needs the
   * layers (PM_CLIPSEG_STAGE_*, pm-clipseg-load.c); the forward waits for each stage it
   * uses. */
  PmStagePacker    *packer;
  PmClipsegDumpFunc dump;
  gpointer          dump_data;
};

/* What the decoder needs of an image: the extracted layers already through the decoder's
 * reduce projections (they do not depend on the text), so a second instruction on the same
 * image skips them; 12× smaller than the activations themselves. */
struct _PmClipsegVision {
  int    n;        /* extracted layers */
  int    tokens;   /* T */
  int    width;    /* Dv of the activations they were reduced from */
  int    reduce;   /* R */
  float *reduced;  /* [n, T, R]: reduced[i] = reduce_i (act[n − 1 − i]), decoder order */
};

/* Packing stages, in order: the patch embedding, the vision layers, the text layers and
 * projection, then the decoder (reduces and layers). */
#define PM_CLIPSEG_STAGE_PATCH 0
#define PM_CLIPSEG_STAGE_VISION(m, i) (1 + (i))
#define PM_CLIPSEG_STAGE_TEXT(m, i) (1 + (m)->n_vision + (i))
#define PM_CLIPSEG_STAGE_DECODER(m) (1 + (m)->n_vision + (m)->config.text.num_hidden_layers + 1)

G_END_DECLS
