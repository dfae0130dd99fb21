/* pm-document-items.c: PmDocument's side of runs that painted several objects: which one
 * the corrections act on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A run of several objects keeps the run's own mask (their union) as its revision chain; an
 * object being corrected gets an entry of its own (PmRunEntry.item, made by whoever lists
 * the objects, PmRunItems) whose revisions are that object's corrections, stored with its
 * item index. While it is the correction target, the correction API, undo and redo act on
 * it; showing another run drops it.
 */
#define G_LOG_DOMAIN "pm-document"

#include "config.h"

#include "pm-document-private.h"

/**
 * pm_document_set_correction_target:
 * @item_entry: (nullable): an object of the run on screen (item > 0), or NULL for the run
 *
 * Makes the corrections, undo and redo act on @item_entry's mask. A correction in progress
 * is committed first.
 */
void
pm_document_set_correction_target (PmDocument *self,
                                   PmRunEntry *item_entry)
{
  g_return_if_fail (PM_IS_DOCUMENT (self));
  g_return_if_fail (item_entry == NULL || item_entry->item > 0);

  if (item_entry == self->target)
    return;
  pm_document_commit_correction (self);
  g_clear_pointer (&self->target, pm_run_entry_unref);
  if (item_entry != NULL && pm_document_get_current (self) != NULL)
    self->target = pm_run_entry_ref (item_entry);
  pm_document_update_state (self);
}

/**
 * pm_document_get_correction_entry:
 *
 * Returns: (transfer none) (nullable): what corrections act on: the object set by
 *   pm_document_set_correction_target(), else the run on screen
 */
PmRunEntry *
pm_document_get_correction_entry (PmDocument *self)
{
  g_return_val_if_fail (PM_IS_DOCUMENT (self), NULL);
  if (self->target != NULL && pm_document_get_current (self) != NULL)
    return self->target;
  return pm_document_get_current (self);
}
