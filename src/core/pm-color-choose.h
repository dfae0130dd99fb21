/* pm-color-choose.h: paint colours for the items of a list that name none.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-image.h"
#include "pm-color.h"

G_BEGIN_DECLS

/* Number of colours pm_color_choose() picks from. */
#define PM_COLOR_CHOOSE_PALETTE_SIZE 10

void        pm_color_choose            (const PmImage        *image,
                                        const PmMask * const *regions,
                                        guint                 n,
                                        const gboolean       *fixed,
                                        PmRgb                *colors,
                                        const char          **names);
/* The palette's colours and names, in hue order (for tests and help texts). */
const char *pm_color_choose_palette    (guint                 index,
                                        PmRgb                *rgb);
/* Share (0..1) of @region's pixels of @image whose colour a paint of @color would barely
 * change (under 0.05 in OKLab a/b): the derivation's weak case. */
double      pm_color_choose_weak_share (const PmImage        *image,
                                        const PmMask         *region,
                                        PmRgb                 color);

G_END_DECLS
