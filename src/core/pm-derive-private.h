/* pm-derive-private.h: helpers shared by pm-derive.c and pm-derive-match.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Planes are float, row-major, @channels interleaved; RGB planes hold sRGB in 0..1.
 */
#pragma once

#include "pm-image.h"
#include "pm-morph.h"

G_BEGIN_DECLS

/* In-place separable Gaussian blur; edges clamp. */
void   pm_derive_blur_plane      (float         *data,
                                  int            width,
                                  int            height,
                                  int            channels,
                                  double         sigma);
/* 3 floats per pixel (sRGB 0..1) from an RGBA image; g_free() the result. */
float *pm_derive_image_to_rgbf   (const PmImage *image);
/* Approximate @q quantile (0..1) of @n values in 0..1. */
float  pm_derive_quantile        (const float   *values,
                                  gsize          n,
                                  double         q);
/* (dx, dy) such that edit (x + dx, y + dy) ≈ orig (x, y), within ±2 px. */
void   pm_derive_estimate_shift  (const float   *orig,
                                  const float   *edit,
                                  int            width,
                                  int            height,
                                  float         *out_dx,
                                  float         *out_dy);
/* @rgb resampled at (x + dx, y + dy); g_free() the result. */
float *pm_derive_apply_shift     (const float   *rgb,
                                  int            width,
                                  int            height,
                                  float          dx,
                                  float          dy);
/* Blurs @orig as much as @edit looks blurred relative to it. */
void   pm_derive_match_softness  (float         *orig,
                                  const float   *edit,
                                  int            width,
                                  int            height);
/* Maps @orig to @edit's global tone (per-channel gain and offset, robust fit). */
void   pm_derive_match_tone      (float         *orig,
                                  const float   *edit,
                                  gsize          n);

/* 8-connected components of the pixels of @bin equal to @value (label, area and bounding
 * box filled in); pm-derive-label.c. */
PmComponents *pm_derive_label_bytes (const guint8 *bin,
                                     int           width,
                                     int           height,
                                     guint8        value);

G_END_DECLS
