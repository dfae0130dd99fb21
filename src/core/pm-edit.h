/* pm-edit.h: the colour-edit renderer (recolour a soft-masked region in OKLCh).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-image.h"
#include "pm-color.h"
#include "pm-mask-region.h"

G_BEGIN_DECLS

typedef struct {
  float chroma_boost;     /* 1.0: target chroma as is; scales the target chroma */
  float lightness_keep;   /* 0..1: share of each pixel's own lightness that is kept (default 1) */
  float lightness_shift;  /* 0..1: how far the region's mean lightness moves toward the target's
                           * (a uniform shift, so texture survives). Default 0.35; achromatic
                           * targets (white, grey, black) use at least 0.7 so they show. */
} PmEditParams;

void     pm_edit_params_init   (PmEditParams       *params);

/* Recolours @image where @mask > 0: hue and chroma move to @color, lightness is kept so
 * shading and texture survive; blends by the mask value. Where mask == 0 the output is
 * bit-identical to the input. @params may be NULL for defaults. */
PmImage *pm_edit_recolor       (const PmImage      *image,
                                const PmMask       *mask,
                                PmRgb               color,
                                const PmEditParams *params);

/* The mask-weighted mean OKLab lightness of the region; -1 if the mask is empty. */
float    pm_edit_region_lightness (const PmImage   *image,
                                   const PmMask    *mask);
/* The same on every @step-th row and column: for views that need it at once. */
float    pm_edit_region_lightness_sampled (const PmImage *image,
                                           const PmMask  *mask,
                                           int            step);
/* Re-renders @out (the edit of @image) inside @rect from @mask, with the region lightness
 * the edit was made with: the same pixels pm_edit_recolor() gives there. */
void     pm_edit_recolor_rect  (const PmImage      *image,
                                const PmMask       *mask,
                                PmRgb               color,
                                const PmEditParams *params,
                                float               region_lightness,
                                const PmRect       *rect,
                                PmImage            *out);

/* The edit shown for a corrected mask, inside @rect: @edited where @mask equals @base (the
 * mask @edited was made with), the recolour of @mask where a correction changed it. With
 * @edited NULL, @out is left as it is where @mask equals @base: one object of an edit that
 * painted several follows its corrections without undoing the others'. */
void     pm_edit_follow_rect   (const PmImage      *image,
                                const PmImage      *edited,
                                const PmMask       *base,
                                const PmMask       *mask,
                                PmRgb               color,
                                const PmEditParams *params,
                                float               region_lightness,
                                const PmRect       *rect,
                                PmImage            *out);

G_END_DECLS
