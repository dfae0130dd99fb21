/* pm-document-mask.c: PmDocument's mask corrections: a working copy between begin and
 * commit, dirty rectangles, one undo step per correction.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The tools (src/core mask operations driven from the canvas) write into the working mask
 * and report the rectangles they changed; views redraw those. The committed revisions are
 * a PmRunEntry's chain (pm-run-entry.c); each is stored as a corrected_mask artifact.
 */
#define G_LOG_DOMAIN "pm-document"

#include "config.h"

#include "pm-document-private.h"

/* ---------------------------------------------------------------- corrections */

/**
 * pm_document_begin_correction:
 * @label: what the user is doing ("Brush"), shown with the undo step
 *
 * Starts a correction of the mask on screen: pm_document_get_working_mask() is then a
 * private copy that the tool changes, reporting each change with pm_document_mark_dirty().
 *
 * Returns: FALSE when there is no mask on screen to correct
 */
gboolean
pm_document_begin_correction (PmDocument *self,
                              const char *label)
{
  PmRunEntry *entry;

  g_return_val_if_fail (PM_IS_DOCUMENT (self), FALSE);
  entry = pm_document_get_current (self);
  if (entry == NULL || !pm_run_entry_is_loaded (entry))
    return FALSE;
  pm_document_commit_correction (self);
  self->working = pm_mask_copy (pm_run_entry_get_mask (entry));
  self->dirty = (PmRect) { 0, 0, 0, 0 };
  g_free (self->correction_label);
  self->correction_label = g_strdup (label);
  g_object_notify_by_pspec (G_OBJECT (self), pm_document_properties[PROP_CORRECTING]);
  pm_document_update_state (self);
  return TRUE;
}

gboolean
pm_document_get_correcting (PmDocument *self)
{
  g_return_val_if_fail (PM_IS_DOCUMENT (self), FALSE);
  return self->working != NULL;
}

/**
 * pm_document_get_working_mask:
 *
 * Returns: (transfer none) (nullable): the mask being corrected (writable, main thread,
 *   until the correction is committed or cancelled), or NULL when not correcting
 */
PmMask *
pm_document_get_working_mask (PmDocument *self)
{
  g_return_val_if_fail (PM_IS_DOCUMENT (self), NULL);
  return self->working;
}

/**
 * pm_document_mark_dirty:
 * @rect: where the working mask was changed
 *
 * Adds @rect to the correction's dirty rectangle and emits ::mask-changed for it.
 */
void
pm_document_mark_dirty (PmDocument   *self,
                        const PmRect *rect)
{
  PmRect r;

  g_return_if_fail (PM_IS_DOCUMENT (self));
  g_return_if_fail (self->working != NULL);
  g_return_if_fail (rect != NULL);

  r = *rect;
  if (!pm_rect_clip (&r, self->working->width, self->working->height))
    return;
  pm_rect_union (&self->dirty, &r, &self->dirty);
  pm_document_emit_mask_changed (self, &r);
}

/**
 * pm_document_apply_mask_patch:
 * @patch: new pixels for a rectangle of the working mask
 * @x: where @patch's left column goes
 * @y: where @patch's top row goes
 *
 * Writes @patch into the working mask and marks its rectangle dirty.
 */
void
pm_document_apply_mask_patch (PmDocument   *self,
                              const PmMask *patch,
                              int           x,
                              int           y)
{
  g_return_if_fail (PM_IS_DOCUMENT (self));
  g_return_if_fail (self->working != NULL);
  g_return_if_fail (patch != NULL);

  pm_mask_paste (self->working, patch, x, y);
  pm_document_mark_dirty (self, &(PmRect) { x, y, patch->width, patch->height });
}

/**
 * pm_document_replace_working_mask:
 * @mask: (transfer full): the whole new mask, the photo's size
 * @rect: (nullable): where it differs from the working mask; NULL to compute it
 *
 * For operations that compute a new mask (fill holes, grow, invert…).
 */
void
pm_document_replace_working_mask (PmDocument   *self,
                                  PmMask       *mask,
                                  const PmRect *rect)
{
  PmRect r;

  g_return_if_fail (PM_IS_DOCUMENT (self));
  g_return_if_fail (self->working != NULL);
  g_return_if_fail (mask != NULL && mask->width == self->working->width &&
                    mask->height == self->working->height);

  if (rect != NULL)
    r = *rect;
  else
    pm_mask_diff_rect (self->working, mask, &r);
  pm_mask_free (self->working);
  self->working = mask;
  if (!pm_rect_is_empty (&r))
    pm_document_mark_dirty (self, &r);
}

/**
 * pm_document_commit_correction:
 *
 * Ends the correction in progress: if it changed the mask, it becomes one undo step and a
 * corrected_mask artifact in the history (its parent: the revision it was made on).
 * Does nothing when not correcting.
 *
 * Returns: whether a new revision was made
 */
gboolean
pm_document_commit_correction (PmDocument *self)
{
  PmRunEntry *entry;
  PmRevision *revision;
  PmRect dirty;

  g_return_val_if_fail (PM_IS_DOCUMENT (self), FALSE);
  if (self->working == NULL)
    return FALSE;
  entry = pm_document_get_current (self);
  dirty = self->dirty;
  g_assert (entry != NULL);

  revision = pm_run_entry_push_revision (entry, g_steal_pointer (&self->working), &dirty,
                                         self->correction_label);
  g_clear_pointer (&self->correction_label, g_free);
  self->dirty = (PmRect) { 0, 0, 0, 0 };
  if (revision != NULL)
    {
      /* What could be redone after this run goes, as in any editor. */
      g_ptr_array_set_size (self->timeline, self->position + 1);
      pm_document_record_correction (self, entry, revision);
    }
  g_object_notify_by_pspec (G_OBJECT (self), pm_document_properties[PROP_CORRECTING]);
  if (!pm_rect_is_empty (&dirty))
    pm_document_emit_mask_changed (self, &dirty);
  pm_document_update_state (self);
  return revision != NULL;
}

/**
 * pm_document_cancel_correction:
 *
 * Drops the correction in progress: the mask is as before it began.
 */
void
pm_document_cancel_correction (PmDocument *self)
{
  PmRect dirty;

  g_return_if_fail (PM_IS_DOCUMENT (self));
  if (self->working == NULL)
    return;
  dirty = self->dirty;
  g_clear_pointer (&self->working, pm_mask_free);
  g_clear_pointer (&self->correction_label, g_free);
  self->dirty = (PmRect) { 0, 0, 0, 0 };
  g_object_notify_by_pspec (G_OBJECT (self), pm_document_properties[PROP_CORRECTING]);
  if (!pm_rect_is_empty (&dirty))
    pm_document_emit_mask_changed (self, &dirty);
  pm_document_update_state (self);
}

