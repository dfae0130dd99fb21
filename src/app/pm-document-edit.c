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
 * The recolour needs the edit's reference lightness (the mean over the painted region), a
 * second's work on a 12 MP photo: a worker computes it; until it arrives a sampled estimate
 * paints, and then the changed region is painted again with the exact value.
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
 *   correction, else the current revision of the run on screen
 */
const PmMask *
pm_document_get_shown_mask (PmDocument *self)
{
  PmRunEntry *entry;

  g_return_val_if_fail (PM_IS_DOCUMENT (self), NULL);
  if (self->working != NULL)
    return self->working;
  entry = pm_document_get_current (self);
  return entry != NULL ? pm_run_entry_get_mask (entry) : NULL;
}

void
pm_document_drop_shown (PmDocument *self)
{
  g_clear_pointer (&self->shown, pm_image_free);
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

/* Paints @rect of the shown edit for the mask on screen. */
static void
follow (PmDocument   *self,
        PmRunEntry   *entry,
        const PmRect *rect)
{
  pm_edit_follow_rect (self->photo->image, entry->edited, entry->base,
                       pm_document_get_shown_mask (self), entry->color, NULL,
                       entry_lightness (self, entry), rect, self->shown);
}

/* ---------------------------------------------------------------- the exact lightness */

typedef struct {
  PmDocument *self;
  PmRunEntry *entry;   /* strong */
  PmPhoto    *photo;   /* strong */
} LightnessCall;

static void
lightness_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  LightnessCall *call = task_data;
  const PmMask *painted = call->entry->soft_mask != NULL ? call->entry->soft_mask
                                                         : call->entry->base;
  float *L = g_new (float, 1);

  *L = pm_edit_region_lightness (call->photo->image, painted);
  g_task_return_pointer (task, L, g_free);
}

static void
lightness_call_free (gpointer data)
{
  LightnessCall *call = data;

  pm_run_entry_unref (call->entry);
  pm_photo_unref (call->photo);
  g_free (call);
}

static void
lightness_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  LightnessCall *call = g_task_get_task_data (G_TASK (result));
  PmDocument *self = call->self;
  g_autofree float *L = g_task_propagate_pointer (G_TASK (result), NULL);
  PmRect changed;

  if (L != NULL && !g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    {
      call->entry->lightness = *L;
      /* Paint the corrected part again with the exact value. */
      if (self->shown != NULL && self->shown_entry == call->entry &&
          pm_mask_diff_rect (call->entry->base, pm_document_get_shown_mask (self), &changed))
        {
          follow (self, call->entry, &changed);
          g_signal_emit (self, pm_document_signals[PM_DOCUMENT_SIGNAL_MASK_CHANGED], 0,
                         changed.x, changed.y, changed.width, changed.height);
        }
    }
  pm_document_release (self);
}

static void
start_lightness (PmDocument *self,
                 PmRunEntry *entry)
{
  g_autoptr(GTask) task = NULL;
  LightnessCall *call;

  if (entry->lightness >= 0 || self->lightness_cancellable != NULL)
    return;
  call = g_new0 (LightnessCall, 1);
  call->self = self;
  call->entry = pm_run_entry_ref (entry);
  call->photo = pm_photo_ref (self->photo);
  self->lightness_cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->lightness_cancellable, lightness_done_cb, NULL);
  g_task_set_task_data (task, call, lightness_call_free);
  pm_document_hold (self);
  g_task_run_in_thread (task, lightness_thread);
}

/* ---------------------------------------------------------------- the shown edit */

/* Makes the shown edit of @entry: its edit, painted again where the mask on screen differs
 * from the run's. */
static void
make_shown (PmDocument *self,
            PmRunEntry *entry)
{
  PmRect changed;

  pm_document_drop_shown (self);
  self->shown_entry = pm_run_entry_ref (entry);
  self->shown = pm_image_copy (entry->edited);
  start_lightness (self, entry);
  if (pm_mask_diff_rect (entry->base, pm_document_get_shown_mask (self), &changed))
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

  g_return_val_if_fail (PM_IS_DOCUMENT (self), NULL);
  entry = shown_entry (self);
  if (entry == NULL)
    return NULL;
  if (self->shown != NULL && self->shown_entry == entry)
    return self->shown;
  if (pm_mask_equal (entry->base, pm_document_get_shown_mask (self)))
    return entry->edited;
  make_shown (self, entry);
  return self->shown;
}

/* Called before ::mask-changed goes out: the shown edit follows the mask in @rect. */
void
pm_document_follow_mask (PmDocument   *self,
                         const PmRect *rect)
{
  PmRunEntry *entry = shown_entry (self);

  if (entry == NULL)
    return;
  if (self->shown != NULL && self->shown_entry == entry)
    follow (self, entry, rect);
  else if (!pm_mask_equal (entry->base, pm_document_get_shown_mask (self)))
    make_shown (self, entry);
}
