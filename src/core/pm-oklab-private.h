/* pm-oklab-private.h: OKLab's forward matrices (Björn Ottosson, 2020), shared by
 * pm_linear_to_oklab() (pm-color.c) and its cheaper variants (pm-color-fast-private.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each takes its own cube roots of l, m and s; the coefficients live here once.
 */
#pragma once

#include "pm-color.h"

G_BEGIN_DECLS

/* The cone responses l, m, s of linear sRGB (OKLab's M1), in double. */
static inline void
pm_oklab_lms (float   r,
              float   g,
              float   b,
              double *l,
              double *m,
              double *s)
{
  *l = 0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b;
  *m = 0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b;
  *s = 0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b;
}

/* OKLab from the cube roots of l, m and s (OKLab's M2), rounded to float. */
static inline PmOklab
pm_oklab_from_lms_cbrt (double l_,
                        double m_,
                        double s_)
{
  PmOklab lab;

  lab.L = (float) (0.2104542553 * l_ + 0.7936177850 * m_ - 0.0040720468 * s_);
  lab.a = (float) (1.9779984951 * l_ - 2.4285922050 * m_ + 0.4505937099 * s_);
  lab.b = (float) (0.0259040371 * l_ + 0.7827717662 * m_ - 0.8086757660 * s_);
  return lab;
}

G_END_DECLS
