/* pm-mask-history.h: undo and redo for a mask being corrected, in dirty-tile patches.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A PmMaskHistory owns the current mask and a list of steps; undo and redo restore the
 * mask bit for bit. A step stores only the 64 × 64 tiles it changed, before and after, so a
 * brush stroke costs memory in proportion to what it touched. Two ways to make a step:
 *
 *   in place (strokes):   mask = pm_mask_history_begin (h);
 *                         for each segment: pm_mask_history_touch (h, &bounds);
 *                                           pm_mask_paint_segment (mask, …);
 *                         pm_mask_history_commit (h, "brush", &dirty);
 *   whole mask (ops):     pm_mask_history_replace (h, new_mask, "grow 3", &dirty);
 *
 * Making a step drops the steps that were undone (the redo branch).
 */
#pragma once

#include "pm-image.h"
#include "pm-mask-region.h"

G_BEGIN_DECLS

typedef struct _PmMaskHistory PmMaskHistory;

/* Starts from a copy of @mask, with no steps. */
PmMaskHistory *pm_mask_history_new          (const PmMask    *mask);
void           pm_mask_history_free         (PmMaskHistory   *history);
const PmMask  *pm_mask_history_get_mask     (PmMaskHistory   *history);

/* Opens an in-place step and returns the mask to change; every pixel changed must first be
 * announced with pm_mask_history_touch(). */
PmMask        *pm_mask_history_begin        (PmMaskHistory   *history);
void           pm_mask_history_touch        (PmMaskHistory   *history,
                                             const PmRect    *rect);
/* Closes the step. FALSE (and no step) if no pixel changed; @dirty gets the bounding box
 * of the changed pixels. */
gboolean       pm_mask_history_commit       (PmMaskHistory   *history,
                                             const char      *label,
                                             PmRect          *dirty);
/* Closes the step by restoring what it touched (a stroke given up). */
void           pm_mask_history_abort        (PmMaskHistory   *history,
                                             PmRect          *dirty);
gboolean       pm_mask_history_in_step      (PmMaskHistory   *history);

/* One step that turns the mask into @mask (same size). FALSE if nothing changed. */
gboolean       pm_mask_history_replace      (PmMaskHistory   *history,
                                             const PmMask    *mask,
                                             const char      *label,
                                             PmRect          *dirty);

gboolean       pm_mask_history_can_undo     (PmMaskHistory   *history);
gboolean       pm_mask_history_can_redo     (PmMaskHistory   *history);
gboolean       pm_mask_history_undo         (PmMaskHistory   *history,
                                             PmRect          *dirty);
gboolean       pm_mask_history_redo         (PmMaskHistory   *history,
                                             PmRect          *dirty);
/* Steps in the list (done and undone), and how many are done: the mask is the base with
 * steps 0 … position − 1 applied. */
guint          pm_mask_history_get_n_steps  (PmMaskHistory   *history);
guint          pm_mask_history_get_position (PmMaskHistory   *history);
const char    *pm_mask_history_get_label    (PmMaskHistory   *history,
                                             guint            step);
/* Bytes held by the steps' tiles. */
gsize          pm_mask_history_get_size     (PmMaskHistory   *history);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmMaskHistory, pm_mask_history_free)

G_END_DECLS
