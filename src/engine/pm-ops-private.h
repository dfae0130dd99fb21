/* pm-ops-private.h: compiler settings and asserts shared by pm-ops*.c. Include it after
 * every other header: the optimize pragma applies to the rest of the file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>

#include "pm-tensor.h"

/* The element-wise loops of the ops are written to vectorise (no reductions in float order
 * that would need -ffast-math); GCC's -O2 cost model only vectorises loops without an
 * epilogue, so ask for the dynamic model here; no-trapping-math lets the clamps in pm_expf
 * become blends (results unchanged). Hot kernels are also cloned for x86-64-v3 (AVX2 + FMA),
 * dispatched on CPU features. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize ("tree-vectorize", "vect-cost-model=dynamic", "no-trapping-math")
#endif
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define PM_HOT_CLONES __attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#else
#define PM_HOT_CLONES
#endif

#define ASSERT_SAME_NUMEL(a, b) g_assert_cmpint (pm_tensor_numel (a), ==, pm_tensor_numel (b))

/* e^x in float, branch-free so loops over it vectorise: x = n·ln2 + r with |r| ≤ ln2/2
 * (n rounded with the 1.5·2²³ trick, ln2 split in two for exactness), e^r by Cephes'
 * degree-6 polynomial, 2ⁿ assembled in the exponent bits. About 1 ulp; 0 below −87.3. */
static inline float
pm_expf (float x)
{
  float xc = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = xc - n * 0.693359375f + n * 2.12194440e-4f;
  float r2 = r * r;
  float p = 1.9875691500e-4f;
  gint32 bits;
  float scale, y;

  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  y = 1.0f + r + r2 * p;
  bits = ((gint32) n + 127) << 23;
  memcpy (&scale, &bits, sizeof scale);
  y *= scale;
  return x < -87.0f ? 0.0f : y;
}

/* Row-major C[M,N] = α·op(A)·op(B) + β·C, cblas_sgemm's arguments, spread over pm-pool
 * (OpenBLAS single-threaded in each task). */
void pm_sgemm (gboolean     trans_a,
               gboolean     trans_b,
               gint64       m,
               gint64       n,
               gint64       k,
               float        alpha,
               const float *a,
               gint64       lda,
               const float *b,
               gint64       ldb,
               float        beta,
               float       *c,
               gint64       ldc);

/* Softmax of one row in place (pm-ops.c): −∞ entries get weight 0, an all −∞ row zeros. */
void pm_softmax_row (float  *row,
                     gint64  n);
