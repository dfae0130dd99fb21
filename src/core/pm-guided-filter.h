/* pm-guided-filter.h: edge-aware smoothing of a mask guided by an image (He et al.).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The guided filter (K. He, J. Sun, X. Tang, "Guided Image Filtering", TPAMI 2013) models
 * the output as a local linear function of the guide, q = a·I + b in every (2r+1)² window,
 * fitted to the input p by least squares with regulariser eps. Where the guide has an edge,
 * the output gets one too, so a coarse mask snaps to the photo's boundaries. Box means use
 * running sums, O(1) per pixel whatever the radius. The colour version may run on a
 * subsampled grid and upsample a and b ("Fast Guided Filter", He & Sun 2015).
 *
 * Guide intensities are taken in 0..1 (8-bit values / 255). Outputs are clamped to 0..1.
 */
#pragma once

#include "pm-image.h"

G_BEGIN_DECLS

/* Mean of @in over the (2r+1)² window around each pixel, clipped at the borders (the mean
 * is over the pixels inside the image). @out may equal @in. */
void pm_box_filter_mean        (const float   *in,
                                float         *out,
                                int            width,
                                int            height,
                                int            radius);

/* Grey guide (a PmMask-shaped plane in 0..1). @out must have the size of @input and
 * @guide; it may be @input. */
void pm_guided_filter_grey     (const PmMask  *guide,
                                const PmMask  *input,
                                int            radius,
                                float          eps,
                                PmMask        *out);

/* Colour guide (RGB of @guide; alpha ignored), 3×3 covariance per window. @subsample ≥ 1
 * runs the fit on a grid @subsample times coarser (radius scaled accordingly). @out must
 * have the size of @input and @guide; it may be @input. */
void pm_guided_filter_color    (const PmImage *guide,
                                const PmMask  *input,
                                int            radius,
                                float          eps,
                                int            subsample,
                                PmMask        *out);

/* Same, with the input already on the coarse grid (⌈w/@subsample⌉ × ⌈h/@subsample⌉, one
 * value per @subsample² block): only q = a·I + b is computed at full resolution. */
void pm_guided_filter_color_coarse (const PmImage *guide,
                                    const PmMask  *input_low,
                                    int            radius,
                                    float          eps,
                                    int            subsample,
                                    PmMask        *out);

G_END_DECLS
