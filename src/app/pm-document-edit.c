/* pm-document-edit.c: the edit shown for a corrected mask: the run's own edit where the mask
 * is as the run made it, the recolour of the corrected mask where a correction changed it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A photo editor fixes a spill with the eraser and sees the paint follow. The shown edit is
 * a copy of the run's edit, made at the first change, and every ::mask-changed rectangle is
 * painted again there (pm_edit_follow_rect) before the signal goes out, so views that
 * redraw that rectangle find the new pixels. It depends only on the mask on screen, so undo,
 * redo and a run restored from the history with its corrections give the same pixels.
 *
 * A run of several objects paints each object's corrections over its edit, in that object's
 * colour, where the object's mask differs from the one the run painted it with
 * (pm_document_add_item_entry()).
 *
 * The recolour needs the edit's reference lightness (the mean over the painted region), a
 * second's work on a 12 MP photo, and the shown edit a copy of the run's (a tenth of a
 * second there): as soon as a run is on screen a worker prepares both, so the first brush
 * dab finds them ready. A correction that comes sooner paints with a sampled estimate, and
 * the changed region is painted again with the exact value when it arrives.
 */
#define G_LOG_DOMAIN "pm-document"

#include "config.h"

#include "pm-document-private.h"
#include "pm-edit.h"

/* The estimate's grid: every 8th row and column. */
#define SAMPLE_STEP 8

/**
 * pm_document_get_shown_mask:
 *
 * Returns: (transfer none) (nullable): the mask on screen: the working mask during a
 *   correction, else the current revision of what corrections act on (the run on screen,
 *   or the object of it picked)
 */
const PmMask *
pm_document_get_shown_mask (PmDocument *self)
{
  PmRunEntry *entry;

  g_return_val_if_fail (PM_IS_DOCUMENT (self), NULL);
  if (self->working != NULL)
    return self->working;
  entry = pm_document_get_correction_entry (self);
  return entry != NULL ? pm_run_entry_get_mask (entry) : NULL;
}

/* The mask of @entry (the run, or one of its objects) as it is on screen. */
static const PmMask *
entry_mask (PmDocument *self,
            PmRunEntry *entry)
{
  if (self->working != NULL && entry == pm_document_get_correction_entry (self))
    return self->working;
  return pm_run_entry_get_mask (entry);
}

/* Where the run on screen, @entry, or one of its objects differs from what the run painted:
 * FALSE when nowhere. */
static gboolean
changed_rect (PmDocument *self,
              PmRunEntry *entry,
              PmRect     *out)
{
  PmRect r;

  *out = (PmRect) { 0, 0, 0, 0 };
  if (pm_mask_diff_rect (entry->base, entry_mask (self, entry), &r))
    pm_rect_union (out, &r, out);
  for (guint i = 0; i < self->items->len; i++)
    {
      PmRunEntry *item = self->items->pdata[i];

      if (pm_mask_diff_rect (item->base, entry_mask (self, item), &r))
        pm_rect_union (out, &r, out);
    }
  return !pm_rect_is_empty (out);
}

void
pm_document_drop_shown (PmDocument *self)
{
  g_clear_pointer (&self->shown, pm_image_free);
  g_clear_pointer (&self->shown_spare, pm_image_free);
  g_clear_pointer (&self->shown_entry, pm_run_entry_unref);
  g_cancellable_cancel (self->lightness_cancellable);
  g_clear_object (&self->lightness_cancellable);
}

static float
entry_lightness (PmDocument *self,
                 PmRunEntry *entry)
{
  const PmMask *painted = entry->soft_mask != NULL ? entry->soft_mask : entry->base;

  if (entry->lightness >= 0)
    return entry->lightness;
  return pm_edit_region_lightness_sampled (self->photo->image, painted, SAMPLE_STEP);
}

/* Paints @rect of the shown edit for the masks on screen: the run's, then each object's
 * corrections over it. An object's lightness is its region's in the photo, estimated once
 * (the objects were painted one by one, each with its own). */
static void
follow (PmDocument   *self,
        PmRunEntry   *entry,
        const PmRect *rect)
{
  pm_edit_follow_rect (self->photo->image, entry->edited, entry->base, entry_mask (self, entry),
                       entry->color, NULL, entry_lightness (self, entry), rect, self->shown);
  for (guint i = 0; i < self->items->len; i++)
    {
      PmRunEntry *item = self->items->pdata[i];
      const PmMask *mask = entry_mask (self, item);
      PmRect r;

      if (item->base->width != mask->width || item->base->height != mask->height ||
          mask->width != self->photo->image->width ||
          mask->height != self->photo->image->height ||
          !pm_mask_diff_rect (item->base, mask, &r) || !pm_rect_intersect (&r, rect, &r))
        continue;
      item->lightness = entry_lightness (self, item);
      pm_edit_follow_rect (self->photo->image, NULL, item->base, mask, item->color, NULL,
                           item->lightness, &r, self->shown);
    }
}

/* ---------------------------------------------------------------- preparing in a worker */

typedef struct {
  PmDocument *self;
  PmRunEntry *entry;   /* strong */
  PmPhoto    *photo;   /* strong */
  float       lightness;
  PmImage    *copy;    /* out: a copy of the run's edit to paint on */
} PrepareCall;

static void
prepare_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  PrepareCall *call = task_data;
  const PmMask *painted = call->entry->soft_mask != NULL ? call->entry->soft_mask
                                                         : call->entry->base;

  call->copy = pm_image_copy (call->entry->edited);
  call->lightness = call->entry->lightness >= 0 ? call->entry->lightness
                      : pm_edit_region_lightness (call->photo->image, painted);
  g_task_return_boolean (task, TRUE);
}

static void
prepare_call_free (gpointer data)
{
  PrepareCall *call = data;

  pm_run_entry_unref (call->entry);
  pm_photo_unref (call->photo);
  g_clear_pointer (&call->copy, pm_image_free);
  g_free (call);
}

static void
prepare_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PrepareCall *call = g_task_get_task_data (G_TASK (result));
  PmDocument *self = call->self;
  gboolean estimated;
  PmRect changed;

  if (!g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))) &&
      self->shown_entry == call->entry)
    {
      estimated = call->entry->lightness < 0;
      call->entry->lightness = call->lightness;
      if (self->shown == NULL)
        self->shown_spare = g_steal_pointer (&call->copy);
      /* A correction came first and painted with the estimate: paint it again. */
      else if (estimated && changed_rect (self, call->entry, &changed))
        {
          follow (self, call->entry, &changed);
          g_signal_emit (self, pm_document_signals[PM_DOCUMENT_SIGNAL_MASK_CHANGED], 0,
                         changed.x, changed.y, changed.width, changed.height);
        }
    }
  pm_document_release (self);
}

/* Starts preparing @entry's shown edit (once per run on screen). */
static void
prepare (PmDocument *self,
         PmRunEntry *entry)
{
  g_autoptr(GTask) task = NULL;
  PrepareCall *call;

  if (self->shown_entry == entry)
    return;
  pm_document_drop_shown (self);
  self->shown_entry = pm_run_entry_ref (entry);
  call = g_new0 (PrepareCall, 1);
  call->self = self;
  call->entry = pm_run_entry_ref (entry);
  call->photo = pm_photo_ref (self->photo);
  self->lightness_cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->lightness_cancellable, prepare_done_cb, NULL);
  g_task_set_task_data (task, call, prepare_call_free);
  pm_document_hold (self);
  g_task_run_in_thread (task, prepare_thread);
}

/* ---------------------------------------------------------------- the shown edit */

/* Makes the shown edit of @entry: its edit (the prepared copy if it is there), painted
 * again where the mask on screen differs from the run's. */
static void
make_shown (PmDocument *self,
            PmRunEntry *entry)
{
  PmRect changed;

  prepare (self, entry);
  self->shown = self->shown_spare != NULL ? g_steal_pointer (&self->shown_spare)
                                          : pm_image_copy (entry->edited);
  if (changed_rect (self, entry, &changed))
    follow (self, entry, &changed);
}

static PmRunEntry *
shown_entry (PmDocument *self)
{
  PmRunEntry *entry = pm_document_get_current (self);

  if (self->photo == NULL || entry == NULL || !pm_run_entry_is_loaded (entry) ||
      entry->base == NULL || entry->base->width != entry->edited->width ||
      entry->base->height != entry->edited->height)
    return NULL;
  return entry;
}

/**
 * pm_document_get_shown_edit:
 *
 * The edit of the run on screen as it goes with the mask on screen: the run's own edit while
 * its mask is uncorrected, else that edit with the corrected parts painted again.
 *
 * Returns: (transfer none) (nullable): the edit, valid until the next change of the run on
 *   screen or of its mask (main thread)
 */
const PmImage *
pm_document_get_shown_edit (PmDocument *self)
{
  PmRunEntry *entry;
  PmRect changed;

  g_return_val_if_fail (PM_IS_DOCUMENT (self), NULL);
  entry = shown_entry (self);
  if (entry == NULL)
    return NULL;
  if (self->shown != NULL && self->shown_entry == entry)
    return self->shown;
  if (!changed_rect (self, entry, &changed))
    {
      prepare (self, entry);  /* for the first correction */
      return entry->edited;
    }
  make_shown (self, entry);
  return self->shown;
}

/* Called before ::mask-changed goes out: the shown edit follows the mask in @rect. */
void
pm_document_follow_mask (PmDocument   *self,
                         const PmRect *rect)
{
  PmRunEntry *entry = shown_entry (self);
  PmRect changed;

  if (entry == NULL)
    return;
  if (self->shown != NULL && self->shown_entry == entry)
    follow (self, entry, rect);
  else if (changed_rect (self, entry, &changed))
    make_shown (self, entry);
}
