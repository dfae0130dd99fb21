/* pm-canvas-tools.c: PmCanvas's mask correction tools: their state, pointer input (from
 * pm-canvas-input.c), keys, and what they draw over the view.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The tools only report what the pointer did, in image coordinates (see pm-canvas.h); the
 * owner of the mask applies it. Keys work while the canvas has the focus: B brush, E eraser,
 * L lasso, R box, C clicks; [ and ] change the brush size, { and } its hardness; Enter (or a
 * double click) closes a lasso, Backspace takes back its last point; Esc drops what is in
 * progress, then the tool.
 */
#define G_LOG_DOMAIN "pm-canvas"

#include "config.h"

#include <math.h>

#include "pm-canvas-private.h"
#include "pm-mask-paint.h"

#define BRUSH_STEP        1.2    /* [ and ] */
#define HARDNESS_STEP     0.25   /* { and } */
#define LASSO_SPACING     3.0    /* widget pixels between the points of a dragged lasso */
#define SPLIT_GRAB        8.0    /* widget pixels either side of the split line */
#define CLICK_RADIUS      5.0

/* ---------------------------------------------------------------- state */

static void
clear_clicks (PmCanvas *self)
{
  gboolean had = self->clicks->len > 0;

  g_array_set_size (self->clicks, 0);
  if (had)
    g_signal_emit (self, pm_canvas_signals[PM_CANVAS_SIGNAL_CLICKS_CLEARED], 0);
}

/* Ends a stroke in progress (the tool changed under it). */
static void
end_stroke (PmCanvas *self)
{
  if (!self->stroking)
    return;
  self->stroking = FALSE;
  g_signal_emit (self, pm_canvas_signals[PM_CANVAS_SIGNAL_STROKE_END], 0);
}

/**
 * pm_canvas_cancel_tool:
 * @self: a #PmCanvas
 *
 * Drops a lasso or box in progress and the click tool's clicks.
 */
void
pm_canvas_cancel_tool (PmCanvas *self)
{
  g_return_if_fail (PM_IS_CANVAS (self));
  g_array_set_size (self->lasso, 0);
  self->boxing = FALSE;
  clear_clicks (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * pm_canvas_clear_clicks:
 * @self: a #PmCanvas
 *
 * Drops the click tool's clicks (the mask they made was changed by something else), and
 * emits #PmCanvas::clicks-cleared if there were any. A lasso or box in progress stays.
 */
void
pm_canvas_clear_clicks (PmCanvas *self)
{
  g_return_if_fail (PM_IS_CANVAS (self));
  clear_clicks (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pm_canvas_update_cursor (PmCanvas *self)
{
  const char *name = "grab";

  if (self->split && self->pointer_inside &&
      pm_canvas_near_split (self, self->pointer_x, self->pointer_y))
    name = "col-resize";
  else if (self->tool == PM_CANVAS_TOOL_BRUSH || self->tool == PM_CANVAS_TOOL_ERASER)
    name = "none";   /* the brush circle is the cursor */
  else if (self->tool != PM_CANVAS_TOOL_NONE)
    name = "crosshair";
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), name);
}

/**
 * pm_canvas_set_tool:
 * @self: a #PmCanvas
 * @tool: what a primary-button drag does; %PM_CANVAS_TOOL_NONE pans
 *
 * Changing the tool ends a stroke and drops a lasso, box or clicks in progress.
 */
void
pm_canvas_set_tool (PmCanvas     *self,
                    PmCanvasTool  tool)
{
  g_return_if_fail (PM_IS_CANVAS (self));
  if (self->tool == tool)
    return;
  end_stroke (self);
  pm_canvas_cancel_tool (self);
  self->tool = tool;
  self->has_last = FALSE;
  pm_canvas_update_cursor (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  pm_canvas_notify (self, "tool");
}

PmCanvasTool
pm_canvas_get_tool (PmCanvas *self)
{
  g_return_val_if_fail (PM_IS_CANVAS (self), PM_CANVAS_TOOL_NONE);
  return self->tool;
}

/**
 * pm_canvas_set_brush_radius:
 * @self: a #PmCanvas
 * @radius: the brush and eraser radius in image pixels
 */
void
pm_canvas_set_brush_radius (PmCanvas *self,
                            double    radius)
{
  g_return_if_fail (PM_IS_CANVAS (self));
  radius = CLAMP (radius, PM_CANVAS_BRUSH_MIN, PM_CANVAS_BRUSH_MAX);
  if (self->brush_radius == radius)
    return;
  self->brush_radius = radius;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  pm_canvas_notify (self, "brush-radius");
}

double
pm_canvas_get_brush_radius (PmCanvas *self)
{
  g_return_val_if_fail (PM_IS_CANVAS (self), 1.0);
  return self->brush_radius;
}

/**
 * pm_canvas_set_brush_hardness:
 * @self: a #PmCanvas
 * @hardness: 1 for a hard edge; below, the share of the radius painted fully before the
 *   edge fades out
 */
void
pm_canvas_set_brush_hardness (PmCanvas *self,
                              double    hardness)
{
  g_return_if_fail (PM_IS_CANVAS (self));
  hardness = CLAMP (hardness, 0.0, 1.0);
  if (self->brush_hardness == hardness)
    return;
  self->brush_hardness = hardness;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  pm_canvas_notify (self, "brush-hardness");
}

double
pm_canvas_get_brush_hardness (PmCanvas *self)
{
  g_return_val_if_fail (PM_IS_CANVAS (self), 1.0);
  return self->brush_hardness;
}

/* ---------------------------------------------------------------- pointer */

gboolean
pm_canvas_near_split (PmCanvas *self,
                      double    x,
                      double    y)
{
  double wx, wy;

  if (!self->split || self->original_bytes == NULL)
    return FALSE;
  pm_canvas_image_to_widget (self, self->split_position * self->width, 0, &wx, &wy);
  return fabs (x - wx) <= SPLIT_GRAB;
}

static void
close_lasso (PmCanvas        *self,
             GdkModifierType  state)
{
  guint n = self->lasso->len;

  if (n >= 3)
    {
      gboolean remove = self->lasso_remove || (state & GDK_ALT_MASK) != 0;
      g_autoptr(GArray) points = g_array_ref (self->lasso);

      /* Emit a copy's worth: handlers may change the tool (and clear the lasso). */
      self->lasso = g_array_new (FALSE, FALSE, sizeof (PmPoint));
      g_signal_emit (self, pm_canvas_signals[PM_CANVAS_SIGNAL_LASSO_DONE], 0, points->data,
                     n, remove);
    }
  else
    g_array_set_size (self->lasso, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Whether a press at widget (x, y) at @time repeats the last lasso press (a double click). */
static gboolean
is_double_click (PmCanvas *self,
                 double    x,
                 double    y,
                 guint32   time)
{
  GtkSettings *settings = gtk_widget_get_settings (GTK_WIDGET (self));
  int max_time = 400, max_distance = 5;
  gboolean repeat;

  g_object_get (settings, "gtk-double-click-time", &max_time,
                "gtk-double-click-distance", &max_distance, NULL);
  repeat = self->lasso->len > 0 && time - self->last_press_time <= (guint32) max_time &&
           fabs (x - self->last_press_x) <= max_distance &&
           fabs (y - self->last_press_y) <= max_distance;
  self->last_press_time = time;
  self->last_press_x = x;
  self->last_press_y = y;
  return repeat;
}

static void
add_lasso_point (PmCanvas *self,
                 double    ix,
                 double    iy)
{
  PmPoint p = { ix, iy };

  g_array_append_val (self->lasso, p);
}

static void
add_click (PmCanvas *self,
           double    ix,
           double    iy,
           gboolean  foreground)
{
  PmCanvasClick click = { ix, iy, foreground };

  if (ix < 0 || iy < 0 || ix >= self->width || iy >= self->height)
    return;
  g_array_append_val (self->clicks, click);
  g_signal_emit (self, pm_canvas_signals[PM_CANVAS_SIGNAL_CLICK_ADDED], 0, ix, iy, foreground);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* A press at widget (x, y). TRUE if the tool takes the drag that follows (else it pans). */
gboolean
pm_canvas_tool_press (PmCanvas        *self,
                      guint            button,
                      GdkModifierType  state,
                      guint32          time,
                      double           x,
                      double           y)
{
  double ix, iy;

  if (self->original_bytes == NULL)
    return FALSE;
  pm_canvas_widget_to_image (self, x, y, &ix, &iy);
  switch (self->tool)
    {
    case PM_CANVAS_TOOL_BRUSH:
    case PM_CANVAS_TOOL_ERASER:
      if (button != GDK_BUTTON_PRIMARY)
        return FALSE;
      self->stroking = TRUE;
      if ((state & GDK_SHIFT_MASK) && self->has_last)
        {
          /* A straight line from where the last stroke ended. */
          g_signal_emit (self, pm_canvas_signals[PM_CANVAS_SIGNAL_STROKE_BEGIN], 0,
                         self->last_x, self->last_y);
          g_signal_emit (self, pm_canvas_signals[PM_CANVAS_SIGNAL_STROKE_TO], 0, ix, iy);
        }
      else
        g_signal_emit (self, pm_canvas_signals[PM_CANVAS_SIGNAL_STROKE_BEGIN], 0, ix, iy);
      self->last_x = ix;
      self->last_y = iy;
      self->has_last = TRUE;
      return TRUE;
    case PM_CANVAS_TOOL_LASSO:
      if (button != GDK_BUTTON_PRIMARY)
        return FALSE;
      if (is_double_click (self, x, y, time))
        {
          close_lasso (self, state);
          return TRUE;
        }
      if (self->lasso->len == 0)
        self->lasso_remove = (state & GDK_ALT_MASK) != 0;
      add_lasso_point (self, ix, iy);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return TRUE;
    case PM_CANVAS_TOOL_BOX:
      if (button != GDK_BUTTON_PRIMARY)
        return FALSE;
      self->boxing = TRUE;
      self->box_x0 = self->box_x1 = ix;
      self->box_y0 = self->box_y1 = iy;
      return TRUE;
    case PM_CANVAS_TOOL_CLICK:
      if (button != GDK_BUTTON_PRIMARY && button != GDK_BUTTON_SECONDARY)
        return FALSE;
      add_click (self, ix, iy, button == GDK_BUTTON_PRIMARY);
      return TRUE;
    case PM_CANVAS_TOOL_NONE:
    default:
      return FALSE;
    }
}

void
pm_canvas_tool_drag (PmCanvas *self,
                     double    x,
                     double    y)
{
  double ix, iy;

  pm_canvas_widget_to_image (self, x, y, &ix, &iy);
  if (self->stroking)
    {
      if (ix == self->last_x && iy == self->last_y)
        return;
      g_signal_emit (self, pm_canvas_signals[PM_CANVAS_SIGNAL_STROKE_TO], 0, ix, iy);
      self->last_x = ix;
      self->last_y = iy;
    }
  else if (self->tool == PM_CANVAS_TOOL_LASSO && self->lasso->len > 0)
    {
      const PmPoint *p = &g_array_index (self->lasso, PmPoint, self->lasso->len - 1);

      if (hypot (ix - p->x, iy - p->y) * self->zoom >= LASSO_SPACING)
        add_lasso_point (self, ix, iy);
    }
  else if (self->boxing)
    {
      self->box_x1 = ix;
      self->box_y1 = iy;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pm_canvas_tool_release (PmCanvas        *self,
                        GdkModifierType  state,
                        double           x,
                        double           y)
{
  pm_canvas_tool_drag (self, x, y);
  if (self->stroking)
    end_stroke (self);
  else if (self->boxing)
    {
      int x0 = (int) floor (CLAMP (MIN (self->box_x0, self->box_x1), 0, self->width));
      int y0 = (int) floor (CLAMP (MIN (self->box_y0, self->box_y1), 0, self->height));
      int x1 = (int) ceil (CLAMP (MAX (self->box_x0, self->box_x1), 0, self->width));
      int y1 = (int) ceil (CLAMP (MAX (self->box_y0, self->box_y1), 0, self->height));

      self->boxing = FALSE;
      if (x1 - x0 >= 2 && y1 - y0 >= 2)
        g_signal_emit (self, pm_canvas_signals[PM_CANVAS_SIGNAL_BOX_DONE], 0, x0, y0,
                       x1 - x0, y1 - y0);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---------------------------------------------------------------- keys */

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                PmCanvas              *self)
{
  static const struct { guint keyval; PmCanvasTool tool; } tool_keys[] = {
    { GDK_KEY_b, PM_CANVAS_TOOL_BRUSH }, { GDK_KEY_e, PM_CANVAS_TOOL_ERASER },
    { GDK_KEY_l, PM_CANVAS_TOOL_LASSO }, { GDK_KEY_r, PM_CANVAS_TOOL_BOX },
    { GDK_KEY_c, PM_CANVAS_TOOL_CLICK },
  };

  if (state & (GDK_CONTROL_MASK | GDK_SUPER_MASK))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (tool_keys); i++)
    if (keyval == tool_keys[i].keyval && !(state & GDK_SHIFT_MASK) && self->original_bytes)
      {
        pm_canvas_set_tool (self, tool_keys[i].tool);
        return TRUE;
      }
  switch (keyval)
    {
    case GDK_KEY_bracketleft:
      pm_canvas_set_brush_radius (self, self->brush_radius / BRUSH_STEP);
      return TRUE;
    case GDK_KEY_bracketright:
      pm_canvas_set_brush_radius (self, self->brush_radius * BRUSH_STEP);
      return TRUE;
    case GDK_KEY_braceleft:
      pm_canvas_set_brush_hardness (self, self->brush_hardness - HARDNESS_STEP);
      return TRUE;
    case GDK_KEY_braceright:
      pm_canvas_set_brush_hardness (self, self->brush_hardness + HARDNESS_STEP);
      return TRUE;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
      if (self->tool != PM_CANVAS_TOOL_LASSO || self->lasso->len == 0)
        return FALSE;
      close_lasso (self, state);
      return TRUE;
    case GDK_KEY_BackSpace:
      if (self->tool != PM_CANVAS_TOOL_LASSO || self->lasso->len == 0)
        return FALSE;
      g_array_set_size (self->lasso, self->lasso->len - 1);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return TRUE;
    case GDK_KEY_Escape:
      if (self->lasso->len > 0 || self->clicks->len > 0 || self->boxing)
        pm_canvas_cancel_tool (self);
      else if (self->tool != PM_CANVAS_TOOL_NONE)
        pm_canvas_set_tool (self, PM_CANVAS_TOOL_NONE);
      else
        return FALSE;
      return TRUE;
    default:
      return FALSE;
    }
}

/* ---------------------------------------------------------------- drawing */

static void
stroke_twice (cairo_t *cr)
{
  /* Dark under light: visible on any photo. */
  cairo_set_source_rgba (cr, 0, 0, 0, 0.7);
  cairo_set_line_width (cr, 3.0);
  cairo_stroke_preserve (cr);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.95);
  cairo_set_line_width (cr, 1.2);
  cairo_stroke (cr);
}

static void
draw_brush (PmCanvas *self,
            cairo_t  *cr)
{
  double r = MAX (self->brush_radius * self->zoom, 1.5);

  cairo_arc (cr, self->pointer_x, self->pointer_y, r, 0, 2 * G_PI);
  stroke_twice (cr);
  if (self->brush_hardness < 1.0 && r * self->brush_hardness >= 2)
    {
      static const double dash[] = { 3, 3 };

      cairo_set_dash (cr, dash, 2, 0);
      cairo_arc (cr, self->pointer_x, self->pointer_y, r * self->brush_hardness, 0, 2 * G_PI);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.8);
      cairo_set_line_width (cr, 1.0);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }
  if (self->tool == PM_CANVAS_TOOL_ERASER)
    {
      /* A minus sign inside tells the eraser from the brush. */
      double d = MIN (r * 0.4, 6.0);
      cairo_move_to (cr, self->pointer_x - d, self->pointer_y);
      cairo_line_to (cr, self->pointer_x + d, self->pointer_y);
      stroke_twice (cr);
    }
}

static void
draw_lasso (PmCanvas *self,
            cairo_t  *cr)
{
  for (guint i = 0; i < self->lasso->len; i++)
    {
      const PmPoint *p = &g_array_index (self->lasso, PmPoint, i);
      double wx, wy;

      pm_canvas_image_to_widget (self, p->x, p->y, &wx, &wy);
      if (i == 0)
        cairo_move_to (cr, wx, wy);
      else
        cairo_line_to (cr, wx, wy);
    }
  if (self->pointer_inside)
    cairo_line_to (cr, self->pointer_x, self->pointer_y);
  stroke_twice (cr);
}

static void
draw_clicks (PmCanvas *self,
             cairo_t  *cr)
{
  for (guint i = 0; i < self->clicks->len; i++)
    {
      const PmCanvasClick *c = &g_array_index (self->clicks, PmCanvasClick, i);
      double wx, wy;

      pm_canvas_image_to_widget (self, c->x, c->y, &wx, &wy);
      cairo_arc (cr, wx, wy, CLICK_RADIUS, 0, 2 * G_PI);
      if (c->foreground)
        cairo_set_source_rgb (cr, 0.18, 0.76, 0.49);   /* green: on the object */
      else
        cairo_set_source_rgb (cr, 0.88, 0.11, 0.14);   /* red: off it */
      cairo_fill_preserve (cr);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
    }
}

static void
draw_split (PmCanvas *self,
            cairo_t  *cr,
            double    height)
{
  double wx, wy;

  pm_canvas_image_to_widget (self, self->split_position * self->width, 0, &wx, &wy);
  wx = floor (wx) + 0.5;
  cairo_move_to (cr, wx, 0);
  cairo_line_to (cr, wx, height);
  stroke_twice (cr);
  cairo_arc (cr, wx, height / 2, 9, 0, 2 * G_PI);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.95);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.7);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);
}

/* What the tools draw over the view, in widget coordinates. */
void
pm_canvas_draw_tools (PmCanvas    *self,
                      GtkSnapshot *snapshot)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));
  gboolean brush = (self->tool == PM_CANVAS_TOOL_BRUSH || self->tool == PM_CANVAS_TOOL_ERASER) &&
                   self->pointer_inside;
  cairo_t *cr;

  if (!brush && self->lasso->len == 0 && !self->boxing && self->clicks->len == 0 &&
      !self->split)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  if (self->split)
    draw_split (self, cr, h);
  if (self->lasso->len > 0)
    draw_lasso (self, cr);
  if (self->boxing)
    {
      double x0, y0, x1, y1;
      static const double dash[] = { 5, 4 };

      pm_canvas_image_to_widget (self, self->box_x0, self->box_y0, &x0, &y0);
      pm_canvas_image_to_widget (self, self->box_x1, self->box_y1, &x1, &y1);
      cairo_rectangle (cr, MIN (x0, x1), MIN (y0, y1), fabs (x1 - x0), fabs (y1 - y0));
      cairo_set_dash (cr, dash, 2, 0);
      stroke_twice (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }
  draw_clicks (self, cr);
  if (brush)
    draw_brush (self, cr);
  cairo_destroy (cr);
}

/* ---------------------------------------------------------------- setup */

void
pm_canvas_init_tools (PmCanvas *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  self->brush_radius = 12.0;
  self->brush_hardness = 1.0;
  self->lasso = g_array_new (FALSE, FALSE, sizeof (PmPoint));
  self->clicks = g_array_new (FALSE, FALSE, sizeof (PmCanvasClick));
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}

void
pm_canvas_finalize_tools (PmCanvas *self)
{
  g_clear_pointer (&self->lasso, g_array_unref);
  g_clear_pointer (&self->clicks, g_array_unref);
}
