/* pm-gemm-avx2.c: the AVX2 + FMA F32 micro-kernel (6 × 16) and its packing code.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * 6 rows × 2 ymm of accumulators (12 of the 16 registers); per k two loads of the B panel
 * row, six broadcasts of A, 12 FMAs.
 */
#define G_LOG_DOMAIN "pm-gemm"

#include <glib.h>

#if defined(__GNUC__) && defined(__x86_64__)
#ifdef __clang__   /* clang (the fuzzing build) has no GCC target pragma */
#pragma clang attribute push (__attribute__ ((target ("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target ("avx2,fma")
#endif
#include <immintrin.h>

#define PM_T_MR 6
#define PM_T_NR 16
#define PM_T_BF16 0
#define PM_T_ISA PM_ISA_AVX2
#define PM_T_TABLE pm_gemm_kernels_avx2_f32

#include "pm-gemm-private.h"

#define ROWS6(X) X (0) X (1) X (2) X (3) X (4) X (5)

static void
t_kernel (gint64      n_chunks,
          const void *pa,
          const void *pb,
          float      *c,
          gint64      ldc)
{
  const float *a = pa, *b = pb;
#define DECL(r) __m256 c##r##_0 = _mm256_setzero_ps (), c##r##_1 = _mm256_setzero_ps ();
  ROWS6 (DECL)
#undef DECL

  for (gint64 ch = 0; ch < n_chunks; ch++, a += PM_T_MR * PM_GEMM_KC, b += PM_GEMM_KC * PM_T_NR)
    {
#pragma GCC unroll 8
      for (int kk = 0; kk < PM_GEMM_KC; kk++)
        {
          __m256 b0 = _mm256_load_ps (b + kk * PM_T_NR);
          __m256 b1 = _mm256_load_ps (b + kk * PM_T_NR + 8);
#define STEP(r) { __m256 ar = _mm256_broadcast_ss (a + (r) * PM_GEMM_KC + kk); \
                  c##r##_0 = _mm256_fmadd_ps (ar, b0, c##r##_0);             \
                  c##r##_1 = _mm256_fmadd_ps (ar, b1, c##r##_1); }
          ROWS6 (STEP)
#undef STEP
        }
    }
#define SAVE(r) _mm256_storeu_ps (c + (r) * ldc, c##r##_0); \
                _mm256_storeu_ps (c + (r) * ldc + 8, c##r##_1);
  ROWS6 (SAVE)
#undef SAVE
}

#include "pm-gemm-template.h"

#ifdef __clang__
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
