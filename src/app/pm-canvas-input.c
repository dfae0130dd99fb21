/* pm-canvas-input.c: PmCanvas's pointer input: wheel and pinch zoom; a drag pans, moves the
 * split line, or goes to the tool (pm-canvas-tools.c).
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
  double ix, iy;

  self->pointer_x = x;
  self->pointer_y = y;
  self->pointer_inside = TRUE;
  if (self->original_bytes == NULL)
    return;
  pm_canvas_widget_to_image (self, x, y, &ix, &iy);
  g_signal_emit (self, pm_canvas_signals[PM_CANVAS_SIGNAL_POINTER_MOVED], 0, ix, iy,
                 ix >= 0 && iy >= 0 && ix < self->width && iy < self->height);
  pm_canvas_update_cursor (self);
  /* The brush circle and a lasso's last segment follow the pointer. */
  if (self->tool != PM_CANVAS_TOOL_NONE)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
leave_cb (GtkEventControllerMotion *controller,
          PmCanvas                 *self)
{
  self->pointer_inside = FALSE;
  g_signal_emit (self, pm_canvas_signals[PM_CANVAS_SIGNAL_POINTER_MOVED], 0, -1.0, -1.0, FALSE);
  if (self->tool != PM_CANVAS_TOOL_NONE)
    gtk_widget_queue_draw (GTK_WIDGET (self));
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
set_split_from (PmCanvas *self,
                double    x)
{
  double ix, iy;

  pm_canvas_widget_to_image (self, x, 0, &ix, &iy);
  if (self->width > 0)
    pm_canvas_set_split_position (self, ix / self->width);
}

/* The primary button drags the split line when it grabs it, else goes to the tool; the
 * middle button, and any button without a tool, pans. */
static void
drag_begin_cb (GtkGestureDrag *gesture,
               double          x,
               double          y,
               PmCanvas       *self)
{
  GtkEventController *controller = GTK_EVENT_CONTROLLER (gesture);
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));
  GdkModifierType state = gtk_event_controller_get_current_event_state (controller);
  guint32 time = gtk_event_controller_get_current_event_time (controller);

  gtk_widget_grab_focus (GTK_WIDGET (self));
  self->drag_x0 = x;
  self->drag_y0 = y;
  if (button == GDK_BUTTON_PRIMARY && pm_canvas_near_split (self, x, y))
    {
      self->drag_mode = PM_DRAG_SPLIT;
      set_split_from (self, x);
      return;
    }
  if (pm_canvas_tool_press (self, button, state, time, x, y))
    {
      self->drag_mode = PM_DRAG_TOOL;
      return;
    }
  self->drag_mode = PM_DRAG_PAN;
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
  switch (self->drag_mode)
    {
    case PM_DRAG_SPLIT:
      set_split_from (self, self->drag_x0 + dx);
      break;
    case PM_DRAG_TOOL:
      self->pointer_x = self->drag_x0 + dx;
      self->pointer_y = self->drag_y0 + dy;
      pm_canvas_tool_drag (self, self->pointer_x, self->pointer_y);
      break;
    case PM_DRAG_PAN:
      gtk_adjustment_set_value (self->hadj, self->drag_h0 - dx);
      gtk_adjustment_set_value (self->vadj, self->drag_v0 - dy);
      break;
    default:
      break;
    }
}

static void
drag_end_cb (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             PmCanvas       *self)
{
  GdkModifierType state =
    gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));

  if (self->drag_mode == PM_DRAG_TOOL)
    pm_canvas_tool_release (self, state, self->drag_x0 + dx, self->drag_y0 + dy);
  self->drag_mode = PM_DRAG_NONE;
  pm_canvas_update_cursor (self);
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
  g_signal_connect (controller, "leave", G_CALLBACK (leave_cb), self);
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
