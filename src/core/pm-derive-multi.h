/* pm-derive-multi.h: a label map read off an edit that painted several objects, each its
 * own colour.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-derive.h"
#include "pm-labels.h"

G_BEGIN_DECLS

/* What pm_mask_derive_multi() reads off the edit. Item i (0-based) is colours[i] and has
 * label i + 1. */
typedef struct {
  guint      n;                   /* items */
  PmLabels  *labels;              /* 0 = unchanged (or unassigned), i + 1 = item i */
  PmMask   **soft;                /* n soft masks (0..1): the edit's alpha for each item */
  PmMask    *changed;             /* binary: every changed pixel (pm_mask_derive()) */
  PmMask    *unassigned;          /* binary: changed, but toward none of the colours */
  gint64    *pixels;              /* n: pixels labelled i + 1 */
  gint64     unassigned_pixels;
} PmDeriveMulti;

void           pm_derive_multi_free  (PmDeriveMulti         *multi);

PmDeriveMulti *pm_mask_derive_multi  (const PmImage         *original,
                                      const PmImage         *edited,
                                      const PmRgb           *colors,
                                      guint                  n,
                                      const PmDeriveOptions *options,
                                      GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmDeriveMulti, pm_derive_multi_free)

G_END_DECLS
