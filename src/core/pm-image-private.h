/* pm-image-private.h: what pm-image.c and pm-image-resample.c share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-image.h"

G_BEGIN_DECLS

/* Bytes needed for @width × @height × @bpp, or 0 for an empty or absurd size. */
G_GNUC_INTERNAL
gsize pm_image_byte_size (int   width,
                          int   height,
                          gsize bpp);

/* Called with each finished row @y of a resampled mask, from the thread that made it. */
typedef void (*PmResizeRowFunc) (int          y,
                                 const float *row,
                                 gpointer     data);

/* Resamples @mask to @width × @height exactly as pm_mask_resize() does, but stores
 * nothing: each output row goes to @row_func (in parallel, in any order) while it is still
 * in the cache. */
G_GNUC_INTERNAL
void pm_mask_resample_rows (const PmMask    *mask,
                            int              width,
                            int              height,
                            PmResizeRowFunc  row_func,
                            gpointer         data);

G_END_DECLS
