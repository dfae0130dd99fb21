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
#include "pm-rowops-private.h"

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

/* A float cube root for x ≥ 0 (below 1e-30 taken as 1e-30): a guess from the exponent and
 * two Halley steps, within a few float ulps. Not bit-exact with cbrt(). */
static inline float
pm_cbrtf_approx (float x)
{
  union { float f; guint32 u; } v;
  float y, y3;

  x = MAX (x, 1e-30f);
  v.f = x;
  v.u = v.u / 3 + 0x2A514067u;
  y = v.f;
  for (int i = 0; i < 2; i++)
    {
      y3 = y * y * y;
      y = y * (y3 + 2 * x) / (2 * y3 + x);
    }
  return y;
}

/* OKLab from linear RGB in float with pm_cbrtf_approx(): within about 1e-6 of
 * pm_linear_to_oklab(), for comparisons that need no bit-exactness. */
static inline PmOklab
pm_linear_to_oklab_approx (float r,
                           float g,
                           float b)
{
  float l = 0.4122214708f * r + 0.5363325363f * g + 0.0514459929f * b;
  float m = 0.2119034982f * r + 0.6806995451f * g + 0.1073969566f * b;
  float s = 0.0883024619f * r + 0.2817188376f * g + 0.6299787005f * b;
  float l_ = pm_cbrtf_approx (l), m_ = pm_cbrtf_approx (m), s_ = pm_cbrtf_approx (s);
  PmOklab lab;

  lab.L = 0.2104542553f * l_ + 0.7936177850f * m_ - 0.0040720468f * s_;
  lab.a = 1.9779984951f * l_ - 2.4285922050f * m_ + 0.4505937099f * s_;
  lab.b = 0.0259040371f * l_ + 0.7827717662f * m_ - 0.8086757660f * s_;
  return lab;
}

typedef guint32 PmV4u __attribute__ ((vector_size (16)));
typedef gint32  PmV4i __attribute__ ((vector_size (16)));

/* pm_cbrtf_approx() of four values: lane by lane the same operations, so the same bits. */
static inline PmV4f
pm_cbrtf_approx_v4 (PmV4f x)
{
  PmV4f lo = pm_v4f_splat (1e-30f), two = pm_v4f_splat (2.0f), y, y3;
  PmV4i keep = (PmV4i) (x > lo);   /* MAX (x, 1e-30f), NaN included */
  PmV4u u;

  x = (PmV4f) (((PmV4i) x & keep) | ((PmV4i) lo & ~keep));
  memcpy (&u, &x, sizeof u);
  u = u / 3 + 0x2A514067u;
  memcpy (&y, &u, sizeof y);
  for (int i = 0; i < 2; i++)
    {
      y3 = y * y * y;
      y = y * (y3 + two * x) / (two * y3 + x);
    }
  return y;
}

/* pm_linear_to_oklab_approx() of four pixels (planes of r, g and b), bit for bit. */
static inline void
pm_linear_to_oklab_approx_v4 (PmV4f    r,
                              PmV4f    g,
                              PmV4f    b,
                              PmOklab *out)
{
  PmV4f l = 0.4122214708f * r + 0.5363325363f * g + 0.0514459929f * b;
  PmV4f m = 0.2119034982f * r + 0.6806995451f * g + 0.1073969566f * b;
  PmV4f s = 0.0883024619f * r + 0.2817188376f * g + 0.6299787005f * b;
  PmV4f l_ = pm_cbrtf_approx_v4 (l), m_ = pm_cbrtf_approx_v4 (m), s_ = pm_cbrtf_approx_v4 (s);
  PmV4f L = 0.2104542553f * l_ + 0.7936177850f * m_ - 0.0040720468f * s_;
  PmV4f A = 1.9779984951f * l_ - 2.4285922050f * m_ + 0.4505937099f * s_;
  PmV4f B = 0.0259040371f * l_ + 0.7827717662f * m_ - 0.8086757660f * s_;

  for (int i = 0; i < 4; i++)
    {
      out[i].L = L[i];
      out[i].a = A[i];
      out[i].b = B[i];
    }
}

G_END_DECLS
