/* pm-rowops-private.h: row operations written with GCC vector extensions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Lane by lane the same IEEE operations, in the same order, as the scalar loops they
 * replace (a multiply, then an add; never fused), so results are bit-identical; the
 * compiler turns them into SIMD instructions, which it does not do for the plain loops
 * at -O2.
 */
#pragma once

#include <glib.h>
#include <string.h>

typedef float PmV4f __attribute__ ((vector_size (16)));

static inline PmV4f
pm_v4f_load (const float *p)
{
  PmV4f v;
  memcpy (&v, p, sizeof v);
  return v;
}

static inline void
pm_v4f_store (float *p,
              PmV4f  v)
{
  memcpy (p, &v, sizeof v);
}

static inline PmV4f
pm_v4f_splat (float w)
{
  return (PmV4f) { w, w, w, w };
}

/* d[i] += w * s[i] for i < n. */
static inline void
pm_row_axpy (float       *d,
             const float *s,
             float        w,
             gsize        n)
{
  PmV4f wv = pm_v4f_splat (w);
  gsize i = 0;

  for (; i + 16 <= n; i += 16)
    {
      pm_v4f_store (d + i, pm_v4f_load (d + i) + wv * pm_v4f_load (s + i));
      pm_v4f_store (d + i + 4, pm_v4f_load (d + i + 4) + wv * pm_v4f_load (s + i + 4));
      pm_v4f_store (d + i + 8, pm_v4f_load (d + i + 8) + wv * pm_v4f_load (s + i + 8));
      pm_v4f_store (d + i + 12, pm_v4f_load (d + i + 12) + wv * pm_v4f_load (s + i + 12));
    }
  for (; i + 4 <= n; i += 4)
    pm_v4f_store (d + i, pm_v4f_load (d + i) + wv * pm_v4f_load (s + i));
  for (; i < n; i++)
    d[i] += w * s[i];
}

/* lrintf (x) for 0 ≤ x < 2²² in the default rounding mode (to nearest, ties to even):
 * adding 1.5 × 2²³ leaves no fraction bits, so the sum is rounded exactly as lrintf
 * rounds; without SSE4.1, lrintf is a library call. */
static inline int
pm_round_small (float x)
{
  const float big = 12582912.0f;
  return (int) ((x + big) - big);
}
