/* pm-gemm-avx512.c: the AVX-512 F32 micro-kernel (12 × 32) and its packing code.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A micro-tile is 12 rows × 2 zmm of accumulators (24 of the 32 registers). Per k: two
 * loads of the B panel row, twelve broadcasts of A, 24 FMAs: FMA-bound, with the A group
 * (12 × 16 floats per chunk) and the B panel streaming from L1/L2.
 */
#define G_LOG_DOMAIN "pm-gemm"

#include <glib.h>

#if defined(__GNUC__) && defined(__x86_64__)
#ifdef __clang__   /* clang (the fuzzing build) has no GCC target pragma */
#pragma clang attribute push (__attribute__ ((target ("avx512f,avx512bw,avx512vl,avx512dq,fma,avx2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target ("avx512f,avx512bw,avx512vl,avx512dq,fma,avx2")
#endif
#include <immintrin.h>

#define PM_T_MR 12
#define PM_T_NR 32
#define PM_T_BF16 0
#define PM_T_ISA PM_ISA_AVX512
#define PM_T_TABLE pm_gemm_kernels_avx512_f32

#include "pm-gemm-private.h"

#define ROWS12(X) X (0) X (1) X (2) X (3) X (4) X (5) X (6) X (7) X (8) X (9) X (10) X (11)

static void
t_kernel (gint64      n_chunks,
          const void *pa,
          const void *pb,
          float      *c,
          gint64      ldc)
{
  const float *a = pa, *b = pb;
#define DECL(r) __m512 c##r##_0 = _mm512_setzero_ps (), c##r##_1 = _mm512_setzero_ps ();
  ROWS12 (DECL)
#undef DECL

  for (gint64 ch = 0; ch < n_chunks; ch++, a += PM_T_MR * PM_GEMM_KC, b += PM_GEMM_KC * PM_T_NR)
    {
#pragma GCC unroll 4
      for (int kk = 0; kk < PM_GEMM_KC; kk++)
        {
          __m512 b0 = _mm512_load_ps (b + kk * PM_T_NR);
          __m512 b1 = _mm512_load_ps (b + kk * PM_T_NR + 16);
#define STEP(r) { __m512 ar = _mm512_set1_ps (a[(r) * PM_GEMM_KC + kk]); \
                  c##r##_0 = _mm512_fmadd_ps (ar, b0, c##r##_0);          \
                  c##r##_1 = _mm512_fmadd_ps (ar, b1, c##r##_1); }
          ROWS12 (STEP)
#undef STEP
        }
    }
#define SAVE(r) _mm512_storeu_ps (c + (r) * ldc, c##r##_0); \
                _mm512_storeu_ps (c + (r) * ldc + 16, c##r##_1);
  ROWS12 (SAVE)
#undef SAVE
}

typedef float TElem;

static inline void
t_store16 (float  *o,
           __m512  v)
{
  _mm512_storeu_ps (o, v);
}

#include "pm-gemm-avx512-common.h"
#include "pm-gemm-template.h"

#ifdef __clang__
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
