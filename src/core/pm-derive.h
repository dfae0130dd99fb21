/* pm-derive.h: derive a mask from an original image and its colour edit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-image.h"
#include "pm-color.h"

G_BEGIN_DECLS

typedef struct {
  gboolean has_color_hint;
  PmRgb    color_hint;       /* the colour the object was painted, when known */
  gint64   min_component;    /* drop components smaller than this (pixels); <0: automatic */
} PmDeriveOptions;

void     pm_derive_options_init (PmDeriveOptions       *options);

/* Derives a binary mask (0/1) at the original's size. @edited may differ in size (it is
 * resampled), in global tone (compensated), and carry JPEG artefacts and mild noise.
 * @soft_out, if not NULL, receives a soft mask (0..1) of the same size. */
PmMask  *pm_mask_derive         (const PmImage         *original,
                                 const PmImage         *edited,
                                 const PmDeriveOptions *options,
                                 PmMask               **soft_out,
                                 GError               **error);

/* The naive baseline: mean absolute RGB difference (0..255) above @threshold. */
PmMask  *pm_mask_derive_naive   (const PmImage         *original,
                                 const PmImage         *edited,
                                 float                  threshold);

G_END_DECLS
