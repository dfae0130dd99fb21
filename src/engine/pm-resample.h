/* pm-resample.h: Pillow-exact image resampling for model preprocessing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-image.h"

G_BEGIN_DECLS

/* RGB of @image resized to @out_w × @out_h exactly as Pillow's BILINEAR filter does it
 * (8-bit fixed-point coefficients, horizontal then vertical pass, 8-bit intermediate).
 * Returns out_h × out_w × 3 bytes (g_free). */
guint8 *pm_resample_rgb_pil_bilinear (const PmImage *image,
                                      int            out_w,
                                      int            out_h);

G_END_DECLS
