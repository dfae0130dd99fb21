/* pm-mask-region.h: rectangles of masks: crop, paste, where two masks differ.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A PmRect is in image pixels, [x, x + width) × [y, y + height); an empty rect has
 * width or height <= 0. These are the pieces a mask correction is undone and redone with:
 * the document keeps the dirty rectangle's pixels before and after each correction.
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

/* A copy of @rect of @mask (which @rect must lie in). */
PmMask   *pm_mask_crop            (const PmMask  *mask,
                                   const PmRect  *rect);
/* Copies @patch into @mask with its top-left corner at (@x, @y); the part outside @mask
 * is ignored. */
void      pm_mask_paste           (PmMask        *mask,
                                   const PmMask  *patch,
                                   int            x,
                                   int            y);
/* The bounding box of the pixels where @a and @b (same size) differ; FALSE if none. */
gboolean  pm_mask_diff_rect       (const PmMask  *a,
                                   const PmMask  *b,
                                   PmRect        *out);
/* Whether the two masks have the same size and identical values. */
gboolean  pm_mask_equal           (const PmMask  *a,
                                   const PmMask  *b);

G_END_DECLS
