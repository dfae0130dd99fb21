/* pm-ops-private.h: compiler settings and asserts shared by pm-ops*.c. Include it after
 * every other header: the optimize pragma applies to the rest of the file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

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
