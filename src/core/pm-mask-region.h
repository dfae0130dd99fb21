/* pm-mask-region.h: rectangles of masks (dirty rectangles of corrections).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A PmRect is in image pixels, [x, x + width) × [y, y + height); an empty rect has
 * width or height <= 0.
 */
#pragma once

#include "pm-image.h"

G_BEGIN_DECLS

typedef struct {
  int x, y;
  int width, height;
} PmRect;

gboolean  pm_rect_is_empty        (const PmRect  *rect);
/* The smallest rect holding @a and @b (either may be empty). */
void      pm_rect_union           (const PmRect  *a,
                                   const PmRect  *b,
                                   PmRect        *out);
/* FALSE (and @out empty) when they do not overlap. */
gboolean  pm_rect_intersect       (const PmRect  *a,
                                   const PmRect  *b,
                                   PmRect        *out);
/* Clips @rect to a width × height image. */
gboolean  pm_rect_clip            (PmRect        *rect,
                                   int            width,
                                   int            height);

G_END_DECLS
