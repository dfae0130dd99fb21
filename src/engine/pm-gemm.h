/* pm-gemm.h: matrix products on our own micro-kernels (AVX-512 BF16/F32, AVX2 F32).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * C[M,N] = A[M,K] · B[K,N], where B is packed once (weights at load, or a head's keys and
 * values inside attention) into the kernels' panel layout and A is packed per call from
 * f32 rows, optionally layer-normed on the way (the norm costs no pass of its own). The
 * result goes through an epilogue (row scale, bias, activation, accumulate) straight
 * from the micro-tile, so a Linear + bias + GELU, or a residual add, is one pass.
 *
 * Packing layouts (elements are f32, or bf16 pairs for vdpbf16ps; k is padded with zeros to
 * a multiple of 16, n to the panel width NR, m to the micro-tile height MR):
 *   A, per group of MR rows:  [k/16][MR][16]
 *   B, per panel of NR cols:  f32 [k][NR];  bf16 [k/16][8][NR][2] (k pairs interleaved)
 * Work is split into tiles of (groups × panels) over pm-pool's threads.
 */
#pragma once

#include <glib.h>
#include "pm-cpu.h"

G_BEGIN_DECLS

typedef enum {
  PM_PRECISION_AUTO,   /* the fastest the CPU has: BF16 with AVX512_BF16, else F32 */
  PM_PRECISION_F32,    /* f32 operands: the exact mode */
  PM_PRECISION_BF16,   /* bf16 operands, f32 accumulation (AVX512_BF16 only) */
} PmPrecision;

typedef enum {
  PM_ACT_NONE,
  PM_ACT_RELU,
  PM_ACT_QUICK_GELU,   /* x · σ(1.702 x), CLIP */
  PM_ACT_GELU,         /* x · Φ(x) with erf, BERT/ViT/SAM */
} PmActivation;

/* The precision the kernels in use give for a request (F32 or BF16): BF16 needs
 * AVX512_BF16; AUTO is BF16 where it is available. */
PmPrecision pm_precision_resolve   (PmPrecision request);
const char *pm_precision_to_string (PmPrecision precision);
gboolean    pm_precision_from_string (const char  *text,
                                      PmPrecision *out);

/* ---------------------------------------------------------------------------------------
 * Packed B
 * ------------------------------------------------------------------------------------- */

typedef struct _PmGemmB PmGemmB;

/* Whether pm_gemm_b_new_nk () packs at @precision on this CPU (FALSE on PM_ISA_GENERIC,
 * where Linears read their weights as stored). */
gboolean    pm_gemm_packs          (PmPrecision          precision);

/* Packs B = Wᵀ from W[N,K] (row n at w + n·ldw; a PyTorch Linear weight) for the ISA in
 * use. Parts: several W blocks stacked along N (q, k, v weights into one [3D, K] B).
 * Returns NULL when the ISA has no kernels (PM_ISA_GENERIC). Uses the pool. */
PmGemmB    *pm_gemm_b_new_nk       (int                  n_parts,
                                    const float * const *w,
                                    const gint64        *n,
                                    gint64               k,
                                    gint64               ldw,
                                    PmPrecision          precision);
/* Packs B[K,N] itself (row k at b + k·ldb; an activation, e.g. attention values), reusing
 * @reuse's storage when it is large enough (else freeing it). NULL on PM_ISA_GENERIC. */
PmGemmB    *pm_gemm_b_new_kn       (PmGemmB             *reuse,
                                    const float         *b,
                                    gint64               k,
                                    gint64               n,
                                    gint64               ldb,
                                    PmPrecision          precision);
/* pm_gemm_b_new_nk () of one W[N,K] into @reuse's storage when large enough (else freeing
 * it): per-call operands. NULL on PM_ISA_GENERIC. */
PmGemmB    *pm_gemm_b_renew_nk     (PmGemmB             *reuse,
                                    const float         *w,
                                    gint64               n,
                                    gint64               k,
                                    gint64               ldw,
                                    PmPrecision          precision);
void        pm_gemm_b_free         (PmGemmB             *b);
gint64      pm_gemm_b_get_n        (const PmGemmB       *b);
gint64      pm_gemm_b_get_k        (const PmGemmB       *b);
PmPrecision pm_gemm_b_get_precision (const PmGemmB      *b);
PmIsa       pm_gemm_b_get_isa      (const PmGemmB       *b);
gsize       pm_gemm_b_get_bytes    (const PmGemmB       *b);

/* ---------------------------------------------------------------------------------------
 * The product
 * ------------------------------------------------------------------------------------- */

typedef struct {
  const float *data;      /* row i at data + i·ld, K floats */
  gint64       ld;
  const float *ln_gamma;  /* both or neither: each row is layer-normed first */
  const float *ln_beta;
  float        ln_eps;
  const gint32 *rows;     /* NULL, or [M]: A's row i is data row rows[i], a zero row if < 0
                           * (a gather: windows of a token grid, with padding) */
} PmGemmA;

typedef struct {
  float        *data;     /* row i at data + i·ld, N floats */
  gint64        ld;
  const float  *row_scale;/* [M] or NULL: multiplies A·B first */
  const float  *bias;     /* [N] or NULL */
  PmActivation  act;
  gboolean      accumulate; /* data += result (a residual) instead of = */
  const gint32 *rows;     /* NULL, or [M]: result row i goes to data row rows[i], nowhere if
                           * < 0 (a scatter: windows back onto the grid) */
} PmGemmOut;

/* out = act (row_scale ⊙ (A · B) + bias), or out += that. @b must match the ISA in use. */
void        pm_gemm                (gint64               m,
                                    const PmGemmA       *a,
                                    const PmGemmB       *b,
                                    const PmGemmOut     *out);

/* out = act1 (A · B1 + bias1) · B2 through @out's epilogue, the same numbers as two
 * pm_gemm () calls through an [M, N1] buffer, one group of A's rows at a time through both
 * (the hidden rows stay in cache). @b1 and @b2 share the ISA and precision; b2's K = b1's N. */
void        pm_gemm_mlp            (gint64               m,
                                    const PmGemmA       *a,
                                    const PmGemmB       *b1,
                                    const float         *bias1,
                                    PmActivation         act1,
                                    const PmGemmB       *b2,
                                    const PmGemmOut     *out);

/* The same computed naively in double (for tests): w is W[N,K] as for pm_gemm_b_new_nk. */
void        pm_gemm_reference      (gint64               m,
                                    gint64               n,
                                    gint64               k,
                                    const PmGemmA       *a,
                                    const float         *w,
                                    gint64               ldw,
                                    const PmGemmOut     *out);

/* Decomposed relative positions (MViTv2, SAM): each sequence is a gh × gw grid of tokens
 * (row-major), and query (qy, qx) adds to its score with key (ky, kx)
 *   q · rel_h[qy − ky + gh − 1] + q · rel_w[qx − kx + gw − 1]
 * (q unscaled), rel_h [2·gh − 1, hd] and rel_w [2·gw − 1, hd] being the layer's tables. */
typedef struct {
  int          gh, gw;
  const float *rel_h;
  const float *rel_w;
} PmAttentionRelPos;

/* Scaled dot-product attention on a fused projection qkv[n_seq·T, 3D] (q | k | v column
 * blocks; head h uses columns h·D/H … of each block; @n_seq independent sequences of @t
 * rows each): out[n_seq·T, D] (row stride @ld_out). Scores are (q·kᵀ)·scale (+ @rel's
 * terms); @causal masks keys j > i; @key_mask (T entries, may be NULL) masks keys whose
 * entry is 0. Runs on the kernels in use (ISA ≠ generic). */
void        pm_attention_qkv       (float               *out,
                                    gint64               ld_out,
                                    const float         *qkv,
                                    gint64               n_seq,
                                    gint64               t,
                                    gint64               d,
                                    int                  n_heads,
                                    float                scale,
                                    gboolean             causal,
                                    const guint8        *key_mask,
                                    const PmAttentionRelPos *rel,
                                    PmPrecision          precision);

G_END_DECLS
