/* pm-derive.h: derive a mask from an original image and its colour edit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-image.h"
#include "pm-color.h"

G_BEGIN_DECLS

#define PM_DERIVE_ERROR (pm_derive_error_quark ())
GQuark pm_derive_error_quark (void);

typedef enum {
  PM_DERIVE_ERROR_UNRELATED,   /* the "edit" is another picture */
} PmDeriveError;

/* An edit may be resampled, not reshaped: the largest relative change of the aspect ratio
 * accepted (generators round sizes), beyond two pixels of rounding. */
#define PM_DERIVE_MAX_ASPECT_CHANGE 0.05
/* Below this luma correlation of thumbnails, two images are different pictures … */
#define PM_DERIVE_MIN_STRUCTURE_CORRELATION 0.25
/* … unless at least this share of the thumbnail is the same (a few levels apart after the
 * global shift): an edit that changed an object's lightness in a simple picture (a red disc
 * on grey painted bright green) inverts the correlation, yet leaves the rest alone.
 * Measured on eval-public: unrelated pairs ≤ 0.15, edits with tone shift, noise, resize
 * and JPEG ≥ 0.65. */
#define PM_DERIVE_MIN_UNCHANGED_SHARE 0.4

/* Is @edited an edit of @original? (pm-derive-check.c; the one rule for derive, the remote
 * engine and imports.) The shape alone (PM_IMAGE_ERROR_SIZE), or the shape and the
 * picture's structure (PM_DERIVE_ERROR_UNRELATED). */
gboolean pm_derive_check_shape           (const PmImage  *original,
                                          const PmImage  *edited,
                                          GError        **error);
gboolean pm_derive_check_edit            (const PmImage  *original,
                                          const PmImage  *edited,
                                          GError        **error);
double   pm_derive_structure_correlation (const PmImage  *original,
                                          const PmImage  *edited);
double   pm_derive_unchanged_share       (const PmImage  *original,
                                          const PmImage  *edited);

typedef struct {
  gboolean has_color_hint;
  PmRgb    color_hint;       /* the colour the object was painted, when known */
  gint64   min_component;    /* drop components smaller than this (pixels); <0: automatic */
} PmDeriveOptions;

void     pm_derive_options_init (PmDeriveOptions       *options);

/* Derives a binary mask (0/1) at the original's size. @edited may differ in size (it is
 * resampled; its shape must pass pm_derive_check_shape()), in global tone (compensated), and carry JPEG artefacts and mild noise.
 * @soft_out, if not NULL, receives a soft mask (0..1) of the same size. */
PmMask  *pm_mask_derive         (const PmImage         *original,
                                 const PmImage         *edited,
                                 const PmDeriveOptions *options,
                                 PmMask               **soft_out,
                                 GError               **error);

/* Gives back the working memory pm_mask_derive() keeps between calls (up to 64 MB of
 * planes, so that the next derivation does not fault its pages in again). For when the
 * photo being worked on goes away; the next derivation allocates afresh. Thread-safe:
 * buffers a derivation is using are not touched. */
void     pm_derive_trim_memory  (void);

/* The naive baseline: mean absolute RGB difference (0..255) above @threshold. */
PmMask  *pm_mask_derive_naive   (const PmImage         *original,
                                 const PmImage         *edited,
                                 float                  threshold);

G_END_DECLS
