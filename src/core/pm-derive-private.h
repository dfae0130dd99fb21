/* pm-derive-private.h: helpers shared by pm-derive.c and pm-derive-match.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Planes are float, row-major, @channels interleaved; RGB planes hold sRGB in 0..1.
 */
#pragma once

#include "pm-derive.h"
#include "pm-image.h"
#include "pm-morph.h"

G_BEGIN_DECLS

/* In-place separable Gaussian blur; edges clamp. */
void   pm_derive_blur_plane      (float         *data,
                                  int            width,
                                  int            height,
                                  int            channels,
                                  double         sigma);
/* 3 floats per pixel (sRGB 0..1) from an RGBA image; pm_scratch_free() the result. */
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
/* @rgb resampled at (x + dx, y + dy); pm_scratch_free() the result. */
float *pm_derive_apply_shift     (const float   *rgb,
                                  int            width,
                                  int            height,
                                  float          dx,
                                  float          dy);
/* Blurs @orig as much as @edit looks blurred relative to it, judged on about @samples
 * pixels (0: the default, 60 000). */
void   pm_derive_match_softness  (float         *orig,
                                  const float   *edit,
                                  int            width,
                                  int            height,
                                  gsize          samples);
/* Maps @orig to @edit's global tone (per-channel gain and offset, robust fit on about
 * @samples pixels, 0: the default 120 000); the fit into @gain_out and @offset_out when
 * not %NULL. */
void   pm_derive_match_tone      (float         *orig,
                                  const float   *edit,
                                  gsize          n,
                                  gsize          samples,
                                  double        *gain_out,
                                  double        *offset_out);

/* What a derivation at a working size leaves for deciding the edge at full size
 * (pm-derive-band.c). */
typedef struct {
  int       width, height;   /* the working size */
  float     dx, dy;          /* the shift applied to the edit, working pixels */
  double    gain[3], offset[3];
  float     t_lo;            /* the weak threshold of the difference */
  guint8   *bin;             /* the final binary mask; NULL when nothing changed */
  float    *local;           /* the interior's mean change near the edge, < 0 elsewhere */
} PmDeriveWork;

void     pm_derive_work_clear    (PmDeriveWork  *work);
/* @image averaged over @k × @k blocks (the last ones partial): ceil (w / k) × ceil (h / k)
 * into @out, its data from pm_scratch_alloc(). */
void     pm_derive_box_down      (const PmImage *image,
                                  int            k,
                                  PmImage       *out);
/* The full-size binary mask from a working-size derivation @work of @original and
 * @edited: the working mask scaled up, and near its edge each pixel decided again from
 * the full-size difference. @k: the box factor (0 when @work's size came from a
 * resampler). */
PmMask  *pm_derive_full_band     (const PmImage      *original,
                                  const PmImage      *edited,
                                  const PmDeriveWork *work,
                                  int                 k);
/* 3×3 erosion or dilation of a 0/1 byte plane, in place; pm-derive.c. */
void     pm_derive_morph3        (guint8        *bin,
                                  int            width,
                                  int            height,
                                  gboolean       dilate);
/* sRGB (0..1) → linear by an interpolated table; pm-derive-diff.c. */
float    pm_derive_srgb_to_linear (float v);
/* OKLab of @n pixels of sRGB floats @rgb, converted in place (@rgb, from pm-scratch, belongs to the result);
 * @approx: in float (pm_linear_to_oklab_approx()), else as pm_linear_to_oklab(). */
PmOklab *pm_derive_rgbf_to_oklab  (float         *rgb,
                                   gsize          n,
                                   gboolean       approx);
/* Per pixel the distance from the edited colour to the closest original colour in its
 * 3×3 neighbourhood, into @plain; with a usable colour hint in @options, the same with
 * changes away from the hint's hue damped into @hinted, and TRUE; pm-derive-diff.c. */
gboolean pm_derive_difference_map (const PmOklab         *orig,
                                   const PmOklab         *edit,
                                   int                    width,
                                   int                    height,
                                   const PmDeriveOptions *options,
                                   float                 *plain,
                                   float                 *hinted);

/* A run of equal pixels in a row, x0 … x1 inclusive. */
typedef struct {
  int x0, x1;
  int y;
} PmDeriveRun;

/* 8-connected components as runs (pm-derive-label.c): the runs in raster order, each
 * run's component (1 … n), the components' areas and boxes. */
typedef struct {
  int           n_runs;
  PmDeriveRun  *runs;
  int          *label;
  int           n;
  PmComponent  *components;
} PmDeriveRuns;

PmDeriveRuns *pm_derive_runs        (const guint8 *bin,
                                     int           width,
                                     int           height,
                                     guint8        value);
void          pm_derive_runs_free   (PmDeriveRuns *runs);
/* 8-connected components of the pixels of @bin equal to @value (label, area and bounding
 * box filled in); pm-derive-label.c. */
PmComponents *pm_derive_label_bytes (const guint8 *bin,
                                     int           width,
                                     int           height,
                                     guint8        value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmDeriveRuns, pm_derive_runs_free)

G_END_DECLS
