/* pm-gemm-private.h: the per-ISA kernel tables behind pm-gemm.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each table is compiled in its own file for its instruction set (pm-gemm-avx2.c,
 * pm-gemm-avx512.c, pm-gemm-avx512bf16.c) from the shared code in pm-gemm-template.h,
 * and only called after pm-cpu has seen that the CPU has that set.
 */
#pragma once

#include "pm-gemm.h"

G_BEGIN_DECLS

/* Products (and attentions) of fewer floating-point operations than this run on the
 * calling thread alone (pm_pool_run_here ()): at some 100 GFLOP/s a core does them in
 * under 50 µs, about what waking a second thread and waiting for its last task cost, and
 * on a busy machine that thread may lose its core in the middle of its task. The small
 * ops of a short text (6 tokens) and of CLIPSeg's decoder (64 wide) are below it. */
#define PM_GEMM_SERIAL_FLOPS 5e6

/* Elements per k chunk: A and B are zero-padded along k to a multiple of it. */
#define PM_GEMM_KC 16

typedef struct {
  PmIsa       isa;
  PmPrecision precision;
  int         mr;      /* rows of a micro-tile (an A group) */
  int         nr;      /* columns of a micro-tile (a B panel) */
  gsize       elem;    /* bytes per packed element: 4 (f32) or 2 (bf16) */

  /* c[mr][nr] (row stride ldc) = A group · B panel, over n_chunks chunks of PM_GEMM_KC */
  void (*kernel)      (gint64          n_chunks,
                       const void     *a,
                       const void     *b,
                       float          *c,
                       gint64          ldc);
  /* A rows [row0, row0 + rows), rows ≤ mr (the rest of the group zero), into one group */
  void (*pack_a)      (const PmGemmA  *a,
                       gint64          row0,
                       int             rows,
                       gint64          k,
                       gint64          k_pad,
                       void           *dst);
  /* One B panel from W rows: column j of the panel is rows[j][0 … k) (NULL: zeros) */
  void (*pack_b_nk)   (const float * const *rows,
                       gint64          k,
                       gint64          k_pad,
                       void           *dst);
  /* One B panel from B[K,N] rows: element (kk, j) at b[kk·ldb + j], j < cols */
  void (*pack_b_kn)   (const float    *b,
                       gint64          ldb,
                       int             cols,
                       gint64          k,
                       gint64          k_pad,
                       void           *dst);
  /* Epilogue of the micro-tile c[mr][nr] at (m0, n0): rows × cols of it are real */
  void (*store)       (const float    *c,
                       int             rows,
                       int             cols,
                       gint64          m0,
                       gint64          n0,
                       const PmGemmOut *out);
  /* Attention: rows of raw scores s (stride lds, keys [0, tk)) → softmax numerators
   * packed as A groups at dst (k = tk padded to k_pad), inv_sums[r] = 1 / Σ (0 if every
   * key is masked). Row r is query q0 + r (for @causal). */
  void (*softmax_pack)(float          *s,
                       gint64          lds,
                       int             rows,
                       gint64          q0,
                       gint64          tk,
                       gint64          k_pad,
                       float           scale,
                       gboolean        causal,
                       const guint8   *key_mask,
                       void           *dst,
                       float          *inv_sums);
  /* Attention: adds the relative-position terms (divided by the score scale, as the
   * softmax scales what it is given) to rows of raw scores s; row r is query q0 + r on a
   * gh × gw grid, whose unscaled q (hd floats) is at q + r·ldq. rh_t [hd, 2gh − 1] and
   * rw_t [hd, 2gw − 1] are the tables transposed with their rows reversed, so that the
   * terms of one query over all key rows are hd contiguous multiply-adds. @tmp holds
   * gh + gw floats. */
  void (*relpos_add)  (float          *s,
                       gint64          lds,
                       int             rows,
                       gint64          q0,
                       const float    *q,
                       gint64          ldq,
                       gint64          hd,
                       int             gh,
                       int             gw,
                       const float    *rh_t,
                       const float    *rw_t,
                       float           inv_scale,
                       float          *tmp);
} PmGemmKernels;

/* The table for @isa and @precision (BF16 falls back to F32 below AVX512_BF16), or NULL
 * for PM_ISA_GENERIC. */
const PmGemmKernels *pm_gemm_kernels_get (PmIsa       isa,
                                          PmPrecision precision);

extern const PmGemmKernels pm_gemm_kernels_avx2_f32;
extern const PmGemmKernels pm_gemm_kernels_avx512_f32;
extern const PmGemmKernels pm_gemm_kernels_avx512_bf16;

struct _PmGemmB {
  const PmGemmKernels *kr;
  gint64               n;
  gint64               k;
  gint64               k_pad;
  gint64               n_panels;
  gsize                panel_bytes;
  guint8              *data;     /* n_panels × panel_bytes, 64-byte aligned */
};

static inline gint64
pm_gemm_round_up (gint64 x,
                  gint64 to)
{
  return (x + to - 1) / to * to;
}

G_END_DECLS
