/* pm-mask-tools-sam.c: PmMaskTools' SAM engine: the installed model, looked up once, and
 * each photo on screen encoded in the background so that a box or click costs the decoder
 * alone.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-mask-tools"

#include "config.h"

#include "pm-mask-tools-private.h"
#include "pm-sam-engine.h"

static void
encode_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!pm_sam_engine_encode_finish ((PmEngine *) user_data, result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("SAM could not encode the photo: %s", error->message);
  pm_engine_unref (user_data);
}

/* Encodes the photo on screen for SAM in the background, so that the first box or click is
 * answered by the decoder alone. */
void
pm_mask_tools_encode_photo (PmMaskTools *self)
{
  PmPhoto *photo = self->document ? pm_document_get_photo (self->document) : NULL;
  g_autofree char *key = NULL;

  if (self->sam == NULL || photo == NULL)
    return;
  /* the photo's fingerprint, made once here and reused by every click on it */
  key = g_strdup (pm_photo_get_fingerprint (photo));
  if (pm_sam_engine_keep_fingerprint (self->sam, key))
    {
      /* (warmed ahead while the previous photo was on screen) kept as the most recent, so
       * that warming the next photo pushes out the previous one, not this one; an encoding
       * of a photo no longer on screen is dropped */
      g_debug ("SAM: the photo on screen is encoded already");
      if (self->encoding != NULL && g_strcmp0 (key, self->encoding_key) != 0)
        g_cancellable_cancel (self->encoding);
      return;
    }
  /* already under way (another run of the same photo came on screen) */
  if (self->encoding != NULL && !g_cancellable_is_cancelled (self->encoding) &&
      g_strcmp0 (key, self->encoding_key) == 0)
    return;
  if (self->encoding != NULL)
    g_cancellable_cancel (self->encoding);
  g_clear_object (&self->encoding);
  g_free (self->encoding_key);
  self->encoding_key = g_steal_pointer (&key);
  self->encoding = g_cancellable_new ();
  pm_sam_engine_encode_async (self->sam, photo->image, self->encoding, encode_done_cb,
                              pm_engine_ref (self->sam));
}

/**
 * pm_mask_tools_set_sam:
 * @sam: (nullable): a SAM engine (pm_sam_engine_new()) for the box and the clicks, or %NULL
 *   for GrabCut
 *
 * Without a call, the tools look for an installed SAM model when the first photo is shown
 * (or the box or click tool is picked), and encode each photo in the background as soon as
 * it is shown.
 */
void
pm_mask_tools_set_sam (PmMaskTools *self,
                       PmEngine    *sam)
{
  g_return_if_fail (PM_IS_MASK_TOOLS (self));
  self->sam_looked_up = TRUE;
  if (self->encoding != NULL)
    g_cancellable_cancel (self->encoding);
  g_clear_object (&self->encoding);
  g_clear_pointer (&self->sam, pm_engine_unref);
  g_clear_pointer (&self->sam_failure, g_free);
  self->sam = sam != NULL ? pm_engine_ref (sam) : NULL;
}

/**
 * pm_mask_tools_get_sam:
 *
 * Returns: (transfer none) (nullable): the SAM engine of the box and click tools, if one
 *   was found
 */
PmEngine *
pm_mask_tools_get_sam (PmMaskTools *self)
{
  g_return_val_if_fail (PM_IS_MASK_TOOLS (self), NULL);
  pm_mask_tools_look_up_sam (self);
  return self->sam;
}

gboolean
pm_mask_tools_has_sam (PmMaskTools *self)
{
  g_return_val_if_fail (PM_IS_MASK_TOOLS (self), FALSE);
  return self->sam != NULL;
}

/* Looks for the installed SAM model once (mapping it is cheap: nothing is computed). */
void
pm_mask_tools_look_up_sam (PmMaskTools *self)
{
  g_autoptr(GError) error = NULL;

  if (self->sam_looked_up)
    return;
  self->sam_looked_up = TRUE;
  self->sam = pm_sam_engine_new (NULL, &error);
  if (self->sam == NULL)
    g_debug ("box and click refine use GrabCut: %s", error->message);
}
