/* pm-canvas-content.c: PmCanvas's content: the photo and a run's result, their pyramid jobs
 * (built in a worker, see pm-canvas-pyramid.c) and the reveal animation of the edit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-canvas"

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "pm-canvas-private.h"

#define REVEAL_MS      900

/* ---------------------------------------------------------------- reveal */

static void
reveal_cb (double   value,
           gpointer user_data)
{
  PmCanvas *self = user_data;

  self->reveal = value;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
stop_reveal (PmCanvas *self)
{
  if (self->reveal_anim != NULL)
    adw_animation_reset (self->reveal_anim);
  self->reveal = 1.0;
}

void
pm_canvas_init_reveal (PmCanvas *self)
{
  self->reveal = 1.0;
  self->reveal_anim = adw_timed_animation_new (GTK_WIDGET (self), 0.0, 1.0, REVEAL_MS,
                                               adw_callback_animation_target_new (reveal_cb,
                                                                                  self, NULL));
  adw_timed_animation_set_easing (ADW_TIMED_ANIMATION (self->reveal_anim), ADW_LINEAR);
}

/* ---------------------------------------------------------------- content */

/* Copies @image's pixels, or, with an @owner that keeps them alive and unchanged, wraps
 * them (a 24 MP copy on the main thread is a visible stall). */
static GBytes *
bytes_from_image (const PmImage  *image,
                  gpointer        owner,
                  GDestroyNotify  owner_unref)
{
  gsize size = (gsize) image->width * image->height * 4;

  if (owner == NULL)
    return g_bytes_new (image->data, size);
  return g_bytes_new_with_free_func (image->data, size, owner_unref, owner);
}

/* ---------------------------------------------------------------- pyramid jobs */

typedef struct {
  PmCanvas *self;      /* strong */
  guint     image_serial;
  guint     result_serial;
  gboolean  is_result;
} PyramidCall;

static void
pyramid_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  gint64 t0 = g_get_monotonic_time ();

  pm_pyramid_build (task_data);
  g_debug ("pyramid of %d levels built in %.1f ms (worker)",
           ((PmPyramid *) task_data)->n_levels, (g_get_monotonic_time () - t0) / 1000.0);
  g_task_return_boolean (task, TRUE);
}

static void
pyramid_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PyramidCall *call = user_data;
  PmCanvas *self = call->self;
  PmPyramid *p = g_task_get_task_data (G_TASK (result));

  self->pending--;
  if (call->image_serial != self->image_serial ||
      (call->is_result && call->result_serial != self->result_serial))
    goto out;  /* superseded */

  for (int k = 1; k < p->n_levels && k < PM_CANVAS_MAX_LEVELS; k++)
    {
      PmLevel *dst = &self->levels[k], *src = &p->levels[k];

      dst->w = src->w;
      dst->h = src->h;
      if (src->original != NULL)
        dst->original = g_steal_pointer (&src->original);
      if (src->edited != NULL)
        {
          /* The pyramid holds the only reference: this takes the pixels, no copy. */
          gsize size;
          dst->edited_px = g_bytes_unref_to_data (g_steal_pointer (&src->edited), &size);
        }
      if (src->mask != NULL)
        dst->mask = g_steal_pointer (&src->mask);
    }

  if (call->is_result)
    {
      self->mask = g_steal_pointer (&p->mask0);
      self->cx = p->cx;
      self->cy = p->cy;
      self->radius = p->radius;
      self->mx0 = p->mx0; self->my0 = p->my0;
      self->mx1 = p->mx1; self->my1 = p->my1;
      self->result_ready = TRUE;
      if (self->animate_result && self->edited_bytes != NULL)
        {
          self->reveal = 0.0;
          adw_animation_play (self->reveal_anim);
        }
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));

out:
  g_object_unref (call->self);
  g_free (call);
}

static void
start_pyramid (PmCanvas  *self,
               PmPyramid *pyramid,
               gboolean   is_result)
{
  g_autoptr(GTask) task = NULL;
  PyramidCall *call = g_new0 (PyramidCall, 1);

  call->self = g_object_ref (self);
  call->image_serial = self->image_serial;
  call->result_serial = self->result_serial;
  call->is_result = is_result;
  task = g_task_new (NULL, NULL, pyramid_done_cb, call);
  g_task_set_task_data (task, pyramid, (GDestroyNotify) pm_pyramid_free);
  self->pending++;
  g_task_run_in_thread (task, pyramid_thread);
}

void
pm_canvas_set_image (PmCanvas      *self,
                     const PmImage *image)
{
  pm_canvas_set_image_shared (self, image, NULL, NULL);
}

/**
 * pm_canvas_set_image_shared:
 * @image: (nullable): the photo
 * @owner: (nullable): keeps @image alive and unchanged while referenced; NULL to copy
 * @owner_unref: drops one reference of @owner (called once, when the canvas lets go)
 *
 * Shows a photo (at fit zoom) and clears the result. @owner_unref is called even when
 * @image is NULL.
 */
void
pm_canvas_set_image_shared (PmCanvas       *self,
                            const PmImage  *image,
                            gpointer        owner,
                            GDestroyNotify  owner_unref)
{
  g_return_if_fail (PM_IS_CANVAS (self));

  pm_canvas_clear_result (self);
  pm_canvas_cancel_tool (self);
  for (int k = 0; k < PM_CANVAS_MAX_LEVELS; k++)
    pm_level_clear (&self->levels[k]);
  g_clear_pointer (&self->compare, g_free);
  g_clear_pointer (&self->original_bytes, g_bytes_unref);
  self->width = self->height = 0;
  self->image_serial++;

  if (image != NULL)
    {
      PmPyramid *pyramid = pm_pyramid_new (image->width, image->height);

      self->width = image->width;
      self->height = image->height;
      self->n_levels = pyramid->n_levels;
      self->original_bytes = bytes_from_image (image, owner, owner_unref);
      pyramid->original = g_bytes_ref (self->original_bytes);
      start_pyramid (self, pyramid, FALSE);
    }
  else if (owner != NULL)
    owner_unref (owner);
  pm_canvas_zoom_fit (self);
}

gboolean
pm_canvas_has_image (PmCanvas *self)
{
  g_return_val_if_fail (PM_IS_CANVAS (self), FALSE);
  return self->original_bytes != NULL;
}

void
pm_canvas_clear_result (PmCanvas *self)
{
  g_return_if_fail (PM_IS_CANVAS (self));

  stop_reveal (self);
  pm_canvas_cpu_drop (self);
  self->result_serial++;
  self->result_ready = FALSE;
  self->mx0 = self->my0 = self->mx1 = self->my1 = 0;
  g_clear_pointer (&self->edited_bytes, g_bytes_unref);
  g_clear_pointer (&self->edited_copy, g_free);
  g_clear_pointer (&self->mask, g_free);
  for (int k = 0; k < PM_CANVAS_MAX_LEVELS; k++)
    pm_level_clear_result (&self->levels[k]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
pm_canvas_has_result (PmCanvas *self)
{
  g_return_val_if_fail (PM_IS_CANVAS (self), FALSE);
  return self->edited_bytes != NULL || self->result_ready;
}

gboolean
pm_canvas_is_revealing (PmCanvas *self)
{
  g_return_val_if_fail (PM_IS_CANVAS (self), FALSE);
  return self->reveal < 1.0 || self->pending > 0;
}

/**
 * pm_canvas_set_result:
 * @self: a #PmCanvas with an image
 * @edited: (nullable): the colour edit, at the image's size
 * @mask: (nullable): the derived binary mask, at the image's size
 * @animate: whether to reveal the edit progressively
 *
 * Shows a run's result. Both buffers are copied (and uploaded) once.
 */
void
pm_canvas_set_result (PmCanvas      *self,
                      const PmImage *edited,
                      const PmMask  *mask,
                      gboolean       animate)
{
  pm_canvas_set_result_shared (self, edited, mask, NULL, NULL, animate);
}

/**
 * pm_canvas_set_result_shared:
 * @owner: (nullable): keeps @edited alive and unchanged while referenced; NULL to copy
 * @owner_unref: drops one reference of @owner
 *
 * Like pm_canvas_set_result() without copying: @owner keeps both @edited and @mask alive.
 */
void
pm_canvas_set_result_shared (PmCanvas       *self,
                             const PmImage  *edited,
                             const PmMask   *mask,
                             gpointer        owner,
                             GDestroyNotify  owner_unref,
                             gboolean        animate)
{
  PmPyramid *pyramid;

  g_return_if_fail (PM_IS_CANVAS (self));
  g_return_if_fail (self->original_bytes != NULL);
  g_return_if_fail (edited == NULL ||
                    (edited->width == self->width && edited->height == self->height));
  g_return_if_fail (mask == NULL ||
                    (mask->width == self->width && mask->height == self->height));

  pyramid = pm_pyramid_new (self->width, self->height);
  pm_canvas_clear_result (self);
  if (edited != NULL)
    {
      self->edited_bytes = bytes_from_image (edited, owner, owner_unref);
      pyramid->edited = g_bytes_ref (self->edited_bytes);
    }
  else if (owner != NULL)
    owner_unref (owner);
  if (mask != NULL)
    {
      if (owner != NULL && edited != NULL)
        {
          /* The owner keeps the mask alive too, as long as the edited bytes live. */
          pyramid->mask = mask->data;
          pyramid->mask_owner = g_bytes_ref (self->edited_bytes);
        }
      else
        pyramid->mask_copy = g_memdup2 (mask->data,
                                        (gsize) mask->width * mask->height * sizeof (float));
    }
  /* The edit appears (revealed, if @animate) once its pyramid arrives. */
  self->animate_result = animate;
  start_pyramid (self, pyramid, TRUE);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
