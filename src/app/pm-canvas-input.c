/* pm-canvas-input.c: PmCanvas's pointer input: wheel and pinch zoom, drag to pan.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-canvas"

#include "config.h"

#include <math.h>

#include "pm-canvas-private.h"

#define ZOOM_STEP_WHEEL 1.2

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           PmCanvas                 *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
}

static gboolean
scroll_cb (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           PmCanvas                 *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  GdkScrollUnit unit = gtk_event_controller_scroll_get_unit (controller);

  if (self->original_bytes == NULL)
    return FALSE;
  /* A mouse wheel (or Ctrl + touchpad) zooms; touchpad scrolling pans (the scrolled window). */
  if (unit != GDK_SCROLL_UNIT_WHEEL && !(state & GDK_CONTROL_MASK))
    return FALSE;
  if (dy == 0)
    return FALSE;
  if (unit != GDK_SCROLL_UNIT_WHEEL)
    dy /= 20.0;
  pm_canvas_zoom_at (self, self->zoom * pow (ZOOM_STEP_WHEEL, -dy),
                     self->pointer_x, self->pointer_y);
  return TRUE;
}

static void
drag_begin_cb (GtkGestureDrag *gesture,
               double          x,
               double          y,
               PmCanvas       *self)
{
  self->drag_h0 = gtk_adjustment_get_value (self->hadj);
  self->drag_v0 = gtk_adjustment_get_value (self->vadj);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
}

static void
drag_update_cb (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                PmCanvas       *self)
{
  gtk_adjustment_set_value (self->hadj, self->drag_h0 - dx);
  gtk_adjustment_set_value (self->vadj, self->drag_v0 - dy);
}

static void
drag_end_cb (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             PmCanvas       *self)
{
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grab");
}

static void
zoom_begin_cb (GtkGesture       *gesture,
               GdkEventSequence *sequence,
               PmCanvas         *self)
{
  self->pinch_zoom0 = self->zoom;
}

static void
zoom_scale_changed_cb (GtkGestureZoom *gesture,
                       double          scale,
                       PmCanvas       *self)
{
  double x, y;

  if (!gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y))
    x = self->pointer_x, y = self->pointer_y;
  pm_canvas_zoom_at (self, self->pinch_zoom0 * scale, x, y);
}

void
pm_canvas_init_input (PmCanvas *self)
{
  GtkEventController *controller;
  GtkGesture *gesture;

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "enter", G_CALLBACK (motion_cb), self);
  g_signal_connect (controller, "motion", G_CALLBACK (motion_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (controller, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  gesture = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), 0);
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (gesture, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_zoom_new ();
  g_signal_connect (gesture, "begin", G_CALLBACK (zoom_begin_cb), self);
  g_signal_connect (gesture, "scale-changed", G_CALLBACK (zoom_scale_changed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));
}
