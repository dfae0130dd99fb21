/* pm-document-items.c: PmDocument's side of runs that painted several objects: which one
 * the corrections act on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A run of several objects keeps the run's own mask (their union) as its revision chain; an
 * object being corrected gets an entry of its own (PmRunEntry.item, made by whoever lists
 * the objects, PmRunItems) whose revisions are that object's corrections, stored with its
 * item index. While it is the correction target, the correction API, undo and redo act on
 * it; showing another run drops it. The edit on screen is the run's, with each object's
 * corrections painted over it in that object's colour (pm-document-edit.c).
 */
#define G_LOG_DOMAIN "pm-document"

#include "config.h"

#include "pm-document-private.h"

/* The whole photo, for views to redraw the mask and the edit after a change of target. */
static void
emit_all_changed (PmDocument *self)
{
  const PmImage *image = pm_document_get_image (self);

  if (image != NULL)
    pm_document_emit_mask_changed (self, &(PmRect) { 0, 0, image->width, image->height });
}

/**
 * pm_document_add_item_entry:
 * @item_entry: an object of the run on screen (item > 0), loaded
 *
 * Paints @item_entry's corrections over the run's edit from now on (its mask where it
 * differs from the mask the run painted it with), as long as the run is on screen. The
 * correction target is added by pm_document_set_correction_target(); an object corrected
 * before (read back from the history) is added by whoever lists the objects.
 */
void
pm_document_add_item_entry (PmDocument *self,
                            PmRunEntry *item_entry)
{
  PmRect changed;

  g_return_if_fail (PM_IS_DOCUMENT (self));
  g_return_if_fail (item_entry != NULL && item_entry->item > 0);
  g_return_if_fail (pm_run_entry_is_loaded (item_entry) && item_entry->base != NULL);

  if (pm_document_get_current (self) == NULL ||
      g_ptr_array_find (self->items, item_entry, NULL))
    return;
  g_ptr_array_add (self->items, pm_run_entry_ref (item_entry));
  if (pm_mask_diff_rect (item_entry->base, pm_run_entry_get_mask (item_entry), &changed))
    pm_document_emit_mask_changed (self, &changed);
}

/**
 * pm_document_set_correction_target:
 * @item_entry: (nullable): an object of the run on screen (item > 0), or NULL for the run
 *
 * Makes the corrections, undo and redo act on @item_entry's mask, which becomes the mask on
 * screen (pm_document_get_shown_mask()). A correction in progress is committed first.
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
    {
      pm_document_add_item_entry (self, item_entry);
      self->target = pm_run_entry_ref (item_entry);
    }
  emit_all_changed (self);
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

/**
 * pm_document_get_items_mask:
 *
 * The mask of the run on screen with its objects' corrections: the run's mask, and
 * wherever an object's mask differs from the one the run painted it with, that object's
 * (the last object added wins where two were corrected on the same pixel).
 *
 * Returns: (transfer full) (nullable): the mask, or NULL when no object of the run on screen
 *   was corrected
 */
PmMask *
pm_document_get_items_mask (PmDocument *self)
{
  PmRunEntry *run;
  PmMask *out = NULL;

  g_return_val_if_fail (PM_IS_DOCUMENT (self), NULL);
  run = pm_document_get_current (self);
  if (run == NULL || !pm_run_entry_is_loaded (run))
    return NULL;
  for (guint i = 0; i < self->items->len; i++)
    {
      PmRunEntry *item = self->items->pdata[i];
      const PmMask *mask = pm_run_entry_get_mask (item);

      if (mask->width != run->mask->mask->width || mask->height != run->mask->mask->height ||
          pm_mask_equal (mask, item->base))
        continue;
      if (out == NULL)
        out = pm_mask_copy (pm_run_entry_get_mask (run));
      for (gsize p = 0; p < (gsize) mask->width * mask->height; p++)
        if (mask->data[p] != item->base->data[p])
          out->data[p] = mask->data[p];
    }
  return out;
}
