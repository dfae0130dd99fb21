/* pm-color-fast-private.h: OKLab from linear RGB with a cheaper cube root.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pm_linear_to_oklab() takes three cube roots per pixel and glibc's cbrt() is the bulk of
 * its cost. pm_cbrt_fast() starts from a guess made from the exponent (within 5 %) and
 * takes three Halley steps (each triples the correct digits: 1e-4, 1e-12, then the last
 * bit or so of a double). The OKLab values below are rounded to float, and rounded they
 * are those of pm_linear_to_oklab(): for L, checked on every one of the 2²⁴ 8-bit colours;
 * for L, a and b, on 8 million random linear colours; only a and b of greys (r = g = b),
 * which are the ~1e-10 left of a cancellation, can differ, by less than 1e-9
 * (tests/core/test-color checks samples of all three).
 */
#pragma once

#include <math.h>

#include "pm-color.h"
#include "pm-oklab-private.h"

G_BEGIN_DECLS

static inline double
pm_cbrt_fast (double x)
{
  union { double d; guint64 u; } v;
  double y, y3;

  if (!(x > 1e-300))
    return cbrt (x);   /* 0, subnormals, negatives, NaN */
  v.d = x;
  v.u = v.u / 3 + G_GUINT64_CONSTANT (0x2A9F7893782DA1CE);
  y = v.d;
  for (int i = 0; i < 3; i++)
    {
      y3 = y * y * y;
      y = y * (y3 + 2 * x) / (2 * y3 + x);
    }
  return y;
}

/* pm_linear_to_oklab() with pm_cbrt_fast(). */
static inline PmOklab
pm_linear_to_oklab_fast (float r,
                         float g,
                         float b)
{
  double l, m, s;

  pm_oklab_lms (r, g, b, &l, &m, &s);
  return pm_oklab_from_lms_cbrt (pm_cbrt_fast (l), pm_cbrt_fast (m), pm_cbrt_fast (s));
}

/* Its lightness only. */
static inline float
pm_linear_to_oklab_L_fast (float r,
                           float g,
                           float b)
{
  double l, m, s;

  pm_oklab_lms (r, g, b, &l, &m, &s);
  return pm_oklab_from_lms_cbrt (pm_cbrt_fast (l), pm_cbrt_fast (m), pm_cbrt_fast (s)).L;
}

G_END_DECLS
