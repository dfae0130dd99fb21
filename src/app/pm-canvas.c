/* pm-canvas.c: the photo view: zoom, pan, edit reveal, mask overlay and before/after.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two drawing paths, so that a frame costs about as much as the viewport, never as much
 * as a 24 MP photo:
 * - zoomed out (below 75 %): texture nodes of a pyramid level (the photo halved k times,
 *   built once in a worker, uploaded when first drawn), so the renderer never minifies a huge
 *   texture (GTK 4.8 has no mipmaps); the mask outline is two texels of that level;
 * - from 75 % on: the visible part alone is composited on the CPU (photo, edit, reveal,
 *   overlay fill) into a cairo node, and the outline is stroked over it, 2 px wide at any
 *   zoom. From 200 % the pattern filter is NEAREST, so pixels stay square for boundary
 *   inspection (GTK 4.8 has no nearest-neighbour texture node).
 *
 * The edit differs from the original only inside the soft mask, so revealing the edited
 * texture through a growing circle centred on the mask (with rising opacity) animates the
 * recolouring of exactly the masked object. Drawing is in pm-canvas-draw.c, pointer input
 * in pm-canvas-input.c, the pyramid in pm-canvas-pyramid.c, the photo and result setters,
 * their pyramid jobs and the reveal animation in pm-canvas-content.c, the overlay's colour,
 * view options and outline in pm-canvas-overlay.c.
 */
#define G_LOG_DOMAIN "pm-canvas"

#include "config.h"

#include <adwaita.h>
#include <math.h>

#include "pm-canvas.h"
#include "pm-canvas-private.h"

static void pm_canvas_scrollable_init (GtkScrollableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PmCanvas, pm_canvas, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SCROLLABLE,
                                                      pm_canvas_scrollable_init))

G_DEFINE_ENUM_TYPE (PmCanvasTool, pm_canvas_tool,
  G_DEFINE_ENUM_VALUE (PM_CANVAS_TOOL_NONE, "none"),
  G_DEFINE_ENUM_VALUE (PM_CANVAS_TOOL_BRUSH, "brush"),
  G_DEFINE_ENUM_VALUE (PM_CANVAS_TOOL_ERASER, "eraser"),
  G_DEFINE_ENUM_VALUE (PM_CANVAS_TOOL_LASSO, "lasso"),
  G_DEFINE_ENUM_VALUE (PM_CANVAS_TOOL_BOX, "box"),
  G_DEFINE_ENUM_VALUE (PM_CANVAS_TOOL_CLICK, "click"))

G_DEFINE_ENUM_TYPE (PmCanvasMaskStyle, pm_canvas_mask_style,
  G_DEFINE_ENUM_VALUE (PM_CANVAS_MASK_OVERLAY, "overlay"),
  G_DEFINE_ENUM_VALUE (PM_CANVAS_MASK_CONTOUR, "contour"),
  G_DEFINE_ENUM_VALUE (PM_CANVAS_MASK_ONLY, "mask"))

enum {
  PROP_0,
  PROP_ZOOM,
  PROP_FIT,
  PROP_SHOW_OVERLAY,
  PROP_SHOW_ORIGINAL,
  PROP_OVERLAY_OPACITY,
  PROP_MASK_STYLE,
  PROP_SPLIT,
  PROP_SPLIT_POSITION,
  PROP_TOOL,
  PROP_BRUSH_RADIUS,
  PROP_BRUSH_HARDNESS,
  N_PROPS,
  PROP_HADJUSTMENT = N_PROPS,
  PROP_VADJUSTMENT,
  PROP_HSCROLL_POLICY,
  PROP_VSCROLL_POLICY,
};

static GParamSpec *properties[N_PROPS];
guint pm_canvas_signals[PM_CANVAS_N_SIGNALS];

void
pm_canvas_notify (PmCanvas   *self,
                  const char *property)
{
  g_object_notify (G_OBJECT (self), property);
}

static void pm_canvas_set_hadjustment (PmCanvas      *self,
                                       GtkAdjustment *adj);
static void pm_canvas_set_vadjustment (PmCanvas      *self,
                                       GtkAdjustment *adj);

/* ---------------------------------------------------------------- geometry */

static double
fit_zoom (PmCanvas *self)
{
  int vw = gtk_widget_get_width (GTK_WIDGET (self));
  int vh = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->width == 0 || vw <= 0 || vh <= 0)
    return 1.0;
  /* Fit large photos; enlarge small ones at most twice (beyond that they look soft). */
  return CLAMP (MIN ((double) vw / self->width, (double) vh / self->height),
                PM_CANVAS_ZOOM_MIN, 2.0);
}

/* Widget position of image pixel (0, 0). */
void
pm_canvas_get_origin (PmCanvas *self,
                      double   *ox,
                      double   *oy)
{
  int vw = gtk_widget_get_width (GTK_WIDGET (self));
  int vh = gtk_widget_get_height (GTK_WIDGET (self));
  double cw = self->width * self->zoom;
  double ch = self->height * self->zoom;

  *ox = cw < vw ? floor ((vw - cw) / 2) : -floor (gtk_adjustment_get_value (self->hadj));
  *oy = ch < vh ? floor ((vh - ch) / 2) : -floor (gtk_adjustment_get_value (self->vadj));
}

static void
configure_adjustment (GtkAdjustment *adj,
                      double         content,
                      double         page,
                      double         value)
{
  double upper = MAX (content, page);

  gtk_adjustment_configure (adj, CLAMP (value, 0, upper - page), 0, upper,
                            page * 0.1, page * 0.9, page);
}

static void
update_adjustments (PmCanvas *self,
                    double    hvalue,
                    double    vvalue)
{
  int vw = gtk_widget_get_width (GTK_WIDGET (self));
  int vh = gtk_widget_get_height (GTK_WIDGET (self));

  configure_adjustment (self->hadj, self->width * self->zoom, vw, hvalue);
  configure_adjustment (self->vadj, self->height * self->zoom, vh, vvalue);
}

void
pm_canvas_image_to_widget (PmCanvas *self,
                           double    image_x,
                           double    image_y,
                           double   *widget_x,
                           double   *widget_y)
{
  double ox, oy;

  g_return_if_fail (PM_IS_CANVAS (self));
  pm_canvas_get_origin (self, &ox, &oy);
  *widget_x = ox + image_x * self->zoom;
  *widget_y = oy + image_y * self->zoom;
}

void
pm_canvas_widget_to_image (PmCanvas *self,
                           double    widget_x,
                           double    widget_y,
                           double   *image_x,
                           double   *image_y)
{
  double ox, oy;

  g_return_if_fail (PM_IS_CANVAS (self));
  pm_canvas_get_origin (self, &ox, &oy);
  *image_x = (widget_x - ox) / self->zoom;
  *image_y = (widget_y - oy) / self->zoom;
}

/* ---------------------------------------------------------------- drawing */
static void
pm_canvas_snapshot (GtkWidget   *widget,
                    GtkSnapshot *snapshot)
{
  PmCanvas *self = PM_CANVAS (widget);
  graphene_rect_t view = GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget),
                                             gtk_widget_get_height (widget));
  double ox, oy;

  if (self->original_bytes == NULL)
    return;

  pm_canvas_get_origin (self, &ox, &oy);
  gtk_snapshot_push_clip (snapshot, &view);
  if (self->zoom >= PM_CANVAS_CPU_ZOOM)
    pm_canvas_draw_cpu (self, snapshot, ox, oy);
  else
    {
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (ox, oy));
      pm_canvas_draw_textures (self, snapshot);
      gtk_snapshot_restore (snapshot);
    }
  pm_canvas_draw_tools (self, snapshot);
  gtk_snapshot_pop (snapshot);
}

/* ---------------------------------------------------------------- zoom */

void
pm_canvas_zoom_at (PmCanvas *self,
                   double    zoom,
                   double    widget_x,
                   double    widget_y)
{
  double ox, oy, ix, iy, old_zoom;

  g_return_if_fail (PM_IS_CANVAS (self));

  zoom = CLAMP (zoom, PM_CANVAS_ZOOM_MIN, PM_CANVAS_ZOOM_MAX);
  old_zoom = self->zoom;
  pm_canvas_get_origin (self, &ox, &oy);
  /* Keep the image point under (widget_x, widget_y) in place. */
  ix = (widget_x - ox) / old_zoom;
  iy = (widget_y - oy) / old_zoom;
  self->zoom = zoom;
  update_adjustments (self, ix * zoom - widget_x, iy * zoom - widget_y);

  if (self->fit)
    {
      self->fit = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIT]);
    }
  if (old_zoom != zoom)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pm_canvas_set_zoom (PmCanvas *self,
                    double    zoom)
{
  g_return_if_fail (PM_IS_CANVAS (self));
  pm_canvas_zoom_at (self, zoom, gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
                     gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
}

double
pm_canvas_get_zoom (PmCanvas *self)
{
  g_return_val_if_fail (PM_IS_CANVAS (self), 1.0);
  return self->zoom;
}

gboolean
pm_canvas_get_fit (PmCanvas *self)
{
  g_return_val_if_fail (PM_IS_CANVAS (self), FALSE);
  return self->fit;
}

static void
apply_fit (PmCanvas *self)
{
  double zoom = fit_zoom (self);

  if (zoom != self->zoom)
    {
      self->zoom = zoom;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
    }
  update_adjustments (self, 0, 0);
}

void
pm_canvas_zoom_fit (PmCanvas *self)
{
  g_return_if_fail (PM_IS_CANVAS (self));
  if (!self->fit)
    {
      self->fit = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIT]);
    }
  apply_fit (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---------------------------------------------------------------- toggles */

void
pm_canvas_set_show_overlay (PmCanvas *self,
                            gboolean  show)
{
  g_return_if_fail (PM_IS_CANVAS (self));
  show = !!show;
  if (self->show_overlay == show)
    return;
  self->show_overlay = show;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_OVERLAY]);
}

gboolean
pm_canvas_get_show_overlay (PmCanvas *self)
{
  g_return_val_if_fail (PM_IS_CANVAS (self), FALSE);
  return self->show_overlay;
}

void
pm_canvas_set_overlay_opacity (PmCanvas *self,
                               double    opacity)
{
  g_return_if_fail (PM_IS_CANVAS (self));
  opacity = CLAMP (opacity, 0.0, 1.0);
  if (self->overlay_opacity == opacity)
    return;
  self->overlay_opacity = opacity;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OVERLAY_OPACITY]);
}

void
pm_canvas_set_show_original (PmCanvas *self,
                             gboolean  show)
{
  g_return_if_fail (PM_IS_CANVAS (self));
  show = !!show;
  if (self->show_original == show)
    return;
  self->show_original = show;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_ORIGINAL]);
}

gboolean
pm_canvas_get_show_original (PmCanvas *self)
{
  g_return_val_if_fail (PM_IS_CANVAS (self), FALSE);
  return self->show_original;
}

/**
 * pm_canvas_set_mask_style:
 * @self: a #PmCanvas
 * @style: how the mask is drawn when shown: tint and contour, the contour alone, or the
 *   mask alone in black and white
 */
void
pm_canvas_set_mask_style (PmCanvas          *self,
                          PmCanvasMaskStyle  style)
{
  g_return_if_fail (PM_IS_CANVAS (self));
  if (self->mask_style == style)
    return;
  self->mask_style = style;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MASK_STYLE]);
}

PmCanvasMaskStyle
pm_canvas_get_mask_style (PmCanvas *self)
{
  g_return_val_if_fail (PM_IS_CANVAS (self), PM_CANVAS_MASK_OVERLAY);
  return self->mask_style;
}

/**
 * pm_canvas_set_split:
 * @self: a #PmCanvas
 * @split: whether to show the original left of a line and the result right of it; the line
 *   can be dragged
 */
void
pm_canvas_set_split (PmCanvas *self,
                     gboolean  split)
{
  g_return_if_fail (PM_IS_CANVAS (self));
  split = !!split;
  if (self->split == split)
    return;
  self->split = split;
  pm_canvas_update_cursor (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPLIT]);
}

gboolean
pm_canvas_get_split (PmCanvas *self)
{
  g_return_val_if_fail (PM_IS_CANVAS (self), FALSE);
  return self->split;
}

void
pm_canvas_set_split_position (PmCanvas *self,
                              double    position)
{
  g_return_if_fail (PM_IS_CANVAS (self));
  position = CLAMP (position, 0.0, 1.0);
  if (self->split_position == position)
    return;
  self->split_position = position;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPLIT_POSITION]);
}

double
pm_canvas_get_split_position (PmCanvas *self)
{
  g_return_val_if_fail (PM_IS_CANVAS (self), 0.5);
  return self->split_position;
}

/* ---------------------------------------------------------------- GtkWidget */

static void
pm_canvas_size_allocate (GtkWidget *widget,
                         int        width,
                         int        height,
                         int        baseline)
{
  PmCanvas *self = PM_CANVAS (widget);

  if (self->fit)
    apply_fit (self);
  else
    update_adjustments (self, gtk_adjustment_get_value (self->hadj),
                        gtk_adjustment_get_value (self->vadj));
}

static void
pm_canvas_measure (GtkWidget      *widget,
                   GtkOrientation  orientation,
                   int             for_size,
                   int            *minimum,
                   int            *natural,
                   int            *minimum_baseline,
                   int            *natural_baseline)
{
  *minimum = 64;
  *natural = 480;
}

static void
adjustment_changed_cb (GtkAdjustment *adj,
                       PmCanvas      *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
pm_canvas_set_adjustment (PmCanvas       *self,
                          GtkAdjustment **slot,
                          gulong         *handler,
                          GtkAdjustment  *adj)
{
  if (adj == NULL)
    adj = gtk_adjustment_new (0, 0, 0, 0, 0, 0);
  if (*slot == adj)
    return;
  if (*slot != NULL)
    {
      g_clear_signal_handler (handler, *slot);
      g_object_unref (*slot);
    }
  *slot = g_object_ref_sink (adj);
  *handler = g_signal_connect (adj, "value-changed", G_CALLBACK (adjustment_changed_cb), self);
}

static void
pm_canvas_set_hadjustment (PmCanvas      *self,
                           GtkAdjustment *adj)
{
  pm_canvas_set_adjustment (self, &self->hadj, &self->hadj_handler, adj);
}

static void
pm_canvas_set_vadjustment (PmCanvas      *self,
                           GtkAdjustment *adj)
{
  pm_canvas_set_adjustment (self, &self->vadj, &self->vadj_handler, adj);
}

static gboolean
pm_canvas_get_border (GtkScrollable *scrollable,
                      GtkBorder     *border)
{
  return FALSE;
}

static void
pm_canvas_scrollable_init (GtkScrollableInterface *iface)
{
  iface->get_border = pm_canvas_get_border;
}

static void
pm_canvas_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  PmCanvas *self = PM_CANVAS (object);

  switch (prop_id)
    {
    case PROP_ZOOM: g_value_set_double (value, self->zoom); break;
    case PROP_FIT: g_value_set_boolean (value, self->fit); break;
    case PROP_SHOW_OVERLAY: g_value_set_boolean (value, self->show_overlay); break;
    case PROP_SHOW_ORIGINAL: g_value_set_boolean (value, self->show_original); break;
    case PROP_OVERLAY_OPACITY: g_value_set_double (value, self->overlay_opacity); break;
    case PROP_MASK_STYLE: g_value_set_enum (value, self->mask_style); break;
    case PROP_SPLIT: g_value_set_boolean (value, self->split); break;
    case PROP_SPLIT_POSITION: g_value_set_double (value, self->split_position); break;
    case PROP_TOOL: g_value_set_enum (value, self->tool); break;
    case PROP_BRUSH_RADIUS: g_value_set_double (value, self->brush_radius); break;
    case PROP_BRUSH_HARDNESS: g_value_set_double (value, self->brush_hardness); break;
    case PROP_HADJUSTMENT: g_value_set_object (value, self->hadj); break;
    case PROP_VADJUSTMENT: g_value_set_object (value, self->vadj); break;
    case PROP_HSCROLL_POLICY: g_value_set_enum (value, self->hscroll_policy); break;
    case PROP_VSCROLL_POLICY: g_value_set_enum (value, self->vscroll_policy); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_canvas_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  PmCanvas *self = PM_CANVAS (object);

  switch (prop_id)
    {
    case PROP_ZOOM: pm_canvas_set_zoom (self, g_value_get_double (value)); break;
    case PROP_FIT:
      if (g_value_get_boolean (value))
        pm_canvas_zoom_fit (self);
      break;
    case PROP_SHOW_OVERLAY: pm_canvas_set_show_overlay (self, g_value_get_boolean (value)); break;
    case PROP_SHOW_ORIGINAL: pm_canvas_set_show_original (self, g_value_get_boolean (value)); break;
    case PROP_OVERLAY_OPACITY:
      pm_canvas_set_overlay_opacity (self, g_value_get_double (value));
      break;
    case PROP_MASK_STYLE: pm_canvas_set_mask_style (self, g_value_get_enum (value)); break;
    case PROP_SPLIT: pm_canvas_set_split (self, g_value_get_boolean (value)); break;
    case PROP_SPLIT_POSITION:
      pm_canvas_set_split_position (self, g_value_get_double (value));
      break;
    case PROP_TOOL: pm_canvas_set_tool (self, g_value_get_enum (value)); break;
    case PROP_BRUSH_RADIUS: pm_canvas_set_brush_radius (self, g_value_get_double (value)); break;
    case PROP_BRUSH_HARDNESS:
      pm_canvas_set_brush_hardness (self, g_value_get_double (value));
      break;
    case PROP_HADJUSTMENT: pm_canvas_set_hadjustment (self, g_value_get_object (value)); break;
    case PROP_VADJUSTMENT: pm_canvas_set_vadjustment (self, g_value_get_object (value)); break;
    case PROP_HSCROLL_POLICY: self->hscroll_policy = g_value_get_enum (value); break;
    case PROP_VSCROLL_POLICY: self->vscroll_policy = g_value_get_enum (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_canvas_dispose (GObject *object)
{
  PmCanvas *self = PM_CANVAS (object);

  g_clear_object (&self->reveal_anim);
  G_OBJECT_CLASS (pm_canvas_parent_class)->dispose (object);
}

static void
pm_canvas_finalize (GObject *object)
{
  PmCanvas *self = PM_CANVAS (object);

  for (int k = 0; k < PM_CANVAS_MAX_LEVELS; k++)
    pm_level_clear (&self->levels[k]);
  g_clear_pointer (&self->original_bytes, g_bytes_unref);
  g_clear_pointer (&self->edited_bytes, g_bytes_unref);
  g_clear_pointer (&self->edited_copy, g_free);
  g_clear_pointer (&self->mask, g_free);
  g_clear_pointer (&self->compare, g_free);
  pm_canvas_cpu_drop (self);
  pm_canvas_finalize_tools (self);
  if (self->hadj != NULL)
    g_clear_signal_handler (&self->hadj_handler, self->hadj);
  if (self->vadj != NULL)
    g_clear_signal_handler (&self->vadj_handler, self->vadj);
  g_clear_object (&self->hadj);
  g_clear_object (&self->vadj);
  G_OBJECT_CLASS (pm_canvas_parent_class)->finalize (object);
}

static void
pm_canvas_class_init (PmCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = pm_canvas_get_property;
  object_class->set_property = pm_canvas_set_property;
  object_class->dispose = pm_canvas_dispose;
  object_class->finalize = pm_canvas_finalize;
  widget_class->snapshot = pm_canvas_snapshot;
  widget_class->size_allocate = pm_canvas_size_allocate;
  widget_class->measure = pm_canvas_measure;

  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, PM_CANVAS_ZOOM_MIN, PM_CANVAS_ZOOM_MAX, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FIT] =
    g_param_spec_boolean ("fit", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_OVERLAY] =
    g_param_spec_boolean ("show-overlay", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_ORIGINAL] =
    g_param_spec_boolean ("show-original", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_OVERLAY_OPACITY] =
    g_param_spec_double ("overlay-opacity", NULL, NULL, 0, 1, 0.45,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MASK_STYLE] =
    g_param_spec_enum ("mask-style", NULL, NULL, PM_TYPE_CANVAS_MASK_STYLE,
                       PM_CANVAS_MASK_OVERLAY,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SPLIT] =
    g_param_spec_boolean ("split", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SPLIT_POSITION] =
    g_param_spec_double ("split-position", NULL, NULL, 0, 1, 0.5,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOOL] =
    g_param_spec_enum ("tool", NULL, NULL, PM_TYPE_CANVAS_TOOL, PM_CANVAS_TOOL_NONE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BRUSH_RADIUS] =
    g_param_spec_double ("brush-radius", NULL, NULL, PM_CANVAS_BRUSH_MIN, PM_CANVAS_BRUSH_MAX,
                         12.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BRUSH_HARDNESS] =
    g_param_spec_double ("brush-hardness", NULL, NULL, 0, 1, 1,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* ::stroke-begin (x, y), ::stroke-to (x, y), ::stroke-end: a brush or eraser stroke
   * (the tool property says which), in image coordinates. Every ::stroke-to continues the
   * line from the point before; a Shift+click draws one from the end of the last stroke. */
  pm_canvas_signals[PM_CANVAS_SIGNAL_STROKE_BEGIN] =
    g_signal_new ("stroke-begin", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  pm_canvas_signals[PM_CANVAS_SIGNAL_STROKE_TO] =
    g_signal_new ("stroke-to", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  pm_canvas_signals[PM_CANVAS_SIGNAL_STROKE_END] =
    g_signal_new ("stroke-end", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 0);
  /* ::lasso-done (points, n_points, remove): a closed polygon (PmPoint *, image
   * coordinates, valid during the emission); @remove when Alt was held. */
  pm_canvas_signals[PM_CANVAS_SIGNAL_LASSO_DONE] =
    g_signal_new ("lasso-done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 3, G_TYPE_POINTER, G_TYPE_UINT, G_TYPE_BOOLEAN);
  /* ::box-done (x, y, width, height): a box dragged with the box tool, image pixels. */
  pm_canvas_signals[PM_CANVAS_SIGNAL_BOX_DONE] =
    g_signal_new ("box-done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 4, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT);
  /* ::click-added (x, y, foreground): the click tool's left (TRUE) or right click. */
  pm_canvas_signals[PM_CANVAS_SIGNAL_CLICK_ADDED] =
    g_signal_new ("click-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 3, G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_BOOLEAN);
  pm_canvas_signals[PM_CANVAS_SIGNAL_CLICKS_CLEARED] =
    g_signal_new ("clicks-cleared", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 0);
  /* ::pointer-moved (x, y, inside): the pointer over the photo, image coordinates. */
  pm_canvas_signals[PM_CANVAS_SIGNAL_POINTER_MOVED] =
    g_signal_new ("pointer-moved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 3, G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_BOOLEAN);

  g_object_class_override_property (object_class, PROP_HADJUSTMENT, "hadjustment");
  g_object_class_override_property (object_class, PROP_VADJUSTMENT, "vadjustment");
  g_object_class_override_property (object_class, PROP_HSCROLL_POLICY, "hscroll-policy");
  g_object_class_override_property (object_class, PROP_VSCROLL_POLICY, "vscroll-policy");

  gtk_widget_class_set_css_name (widget_class, "pm-canvas");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
pm_canvas_init (PmCanvas *self)
{
  self->zoom = 1.0;
  self->fit = TRUE;
  self->overlay_opacity = 0.45;
  self->split_position = 0.5;
  pm_canvas_set_hadjustment (self, NULL);
  pm_canvas_set_vadjustment (self, NULL);

  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grab");

  pm_canvas_init_input (self);
  pm_canvas_init_tools (self);
  pm_canvas_init_reveal (self);
  pm_canvas_init_overlay (self);
}

GtkWidget *
pm_canvas_new (void)
{
  return g_object_new (PM_TYPE_CANVAS, NULL);
}
