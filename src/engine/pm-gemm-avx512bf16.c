/* pm-gemm-avx512bf16.c: the AVX512_BF16 micro-kernel (12 × 32, vdpbf16ps) and its packing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vdpbf16ps multiplies 16 pairs of bf16 and adds both products to 16 f32 lanes: per k
 * pair, two loads of the B panel (32 columns × 2 k), twelve broadcasts of an A pair (one
 * 32-bit word), 24 dot-products into 24 zmm accumulators. Twice the FMA rate of f32, with
 * f32 accumulation.
 */
#define G_LOG_DOMAIN "pm-gemm"

#include <glib.h>

#if defined(__GNUC__) && defined(__x86_64__)
#ifdef __clang__   /* clang (the fuzzing build) has no GCC target pragma */
#pragma clang attribute push (__attribute__ ((target ("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,fma,avx2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target ("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,fma,avx2")
#endif
#include <immintrin.h>
#include <string.h>

#define PM_T_MR 12
#define PM_T_NR 32
#define PM_T_BF16 1
#define PM_T_ISA PM_ISA_AVX512_BF16
#define PM_T_TABLE pm_gemm_kernels_avx512_bf16

#include "pm-gemm-private.h"

#define ROWS12(X) X (0) X (1) X (2) X (3) X (4) X (5) X (6) X (7) X (8) X (9) X (10) X (11)

static inline __m512bh
pair_bcast (const guint16 *p)
{
  gint32 v;

  memcpy (&v, p, sizeof v);
  return (__m512bh) _mm512_set1_epi32 (v);
}

static void
t_kernel (gint64      n_chunks,
          const void *pa,
          const void *pb,
          float      *c,
          gint64      ldc)
{
  const guint16 *a = pa, *b = pb;
#define DECL(r) __m512 c##r##_0 = _mm512_setzero_ps (), c##r##_1 = _mm512_setzero_ps ();
  ROWS12 (DECL)
#undef DECL

  for (gint64 ch = 0; ch < n_chunks; ch++, a += PM_T_MR * PM_GEMM_KC, b += PM_GEMM_KC * PM_T_NR)
    {
#pragma GCC unroll 4
      for (int q = 0; q < PM_GEMM_KC / 2; q++)
        {
          __m512bh b0 = (__m512bh) _mm512_load_si512 (b + q * 2 * PM_T_NR);
          __m512bh b1 = (__m512bh) _mm512_load_si512 (b + q * 2 * PM_T_NR + 32);
#define STEP(r) { __m512bh ar = pair_bcast (a + (r) * PM_GEMM_KC + 2 * q); \
                  c##r##_0 = _mm512_dpbf16_ps (c##r##_0, ar, b0);          \
                  c##r##_1 = _mm512_dpbf16_ps (c##r##_1, ar, b1); }
          ROWS12 (STEP)
#undef STEP
        }
    }
#define SAVE(r) _mm512_storeu_ps (c + (r) * ldc, c##r##_0); \
                _mm512_storeu_ps (c + (r) * ldc + 16, c##r##_1);
  ROWS12 (SAVE)
#undef SAVE
}

typedef guint16 TElem;

/* 16 lanes rounded to bf16 (nearest even) */
static inline void
t_store16 (guint16 *o,
           __m512   v)
{
  _mm256_storeu_si256 ((__m256i *) o, (__m256i) _mm512_cvtneps_pbh (v));
}

#include "pm-gemm-avx512-common.h"
#include "pm-gemm-template.h"

#ifdef __clang__
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
