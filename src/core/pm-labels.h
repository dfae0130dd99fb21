/* pm-labels.h: 8-bit label maps (0 = nothing, i = item i), as a multi-object edit gives.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-image.h"

G_BEGIN_DECLS

typedef struct {
  int     width;
  int     height;
  guint8 *data;     /* width × height labels, row-major */
} PmLabels;

PmLabels *pm_labels_new        (int              width,
                                int              height);
PmLabels *pm_labels_copy       (const PmLabels  *labels);
void      pm_labels_free       (PmLabels        *labels);
/* Binary mask (0/1) of the pixels labelled @label. */
PmMask   *pm_labels_get_mask   (const PmLabels  *labels,
                                guint8           label);
/* Sets @label wherever @mask > 0.5. */
void      pm_labels_set_mask   (PmLabels        *labels,
                                const PmMask    *mask,
                                guint8           label);
gint64    pm_labels_count      (const PmLabels  *labels,
                                guint8           label);
/* 8-bit greyscale PNG whose samples are the labels (0, 1, 2, …). */
GBytes   *pm_labels_encode_png (const PmLabels  *labels,
                                GError         **error);
gboolean  pm_labels_save_png   (const PmLabels  *labels,
                                const char      *path,
                                GError         **error);

/* Makes the soft masks of @n items exclusive: afterwards each pixel keeps at most one
 * item's alpha. A pixel two items both claim over 0.5 goes with their whole overlap to the
 * item with the higher score there, score = @ranks[i] (nullable: all 0; e.g. 1 for an
 * object the engine found, 0 for a guess) + the item's mean alpha over the overlap; ties go
 * to the earlier item. Any other pixel keeps its highest alpha. */
void      pm_masks_make_exclusive (PmMask      **alphas,
                                   const int    *ranks,
                                   guint         n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmLabels, pm_labels_free)

G_END_DECLS
