/* pm-canvas.h: the photo view: zoom, pan, edit reveal, mask views, before/after, and the
 * mask correction tools' pointer input.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The canvas shows; it never changes a mask. A tool turns pointer input into signals in
 * image coordinates (pixel (x, y) covers [x, x + 1) × [y, y + 1)): strokes, a closed lasso,
 * a box, clicks. Whoever owns the mask (the window, through its document) applies them and
 * hands the changed rectangle back with pm_canvas_update_result_rect().
 */
#pragma once

#include <gtk/gtk.h>
#include "pm-image.h"
#include "pm-mask-region.h"

G_BEGIN_DECLS

#define PM_CANVAS_ZOOM_MIN 0.02
#define PM_CANVAS_ZOOM_MAX 32.0
/* From this zoom on a pixel grid is drawn. */
#define PM_CANVAS_GRID_ZOOM 8.0
#define PM_CANVAS_BRUSH_MIN 0.5
#define PM_CANVAS_BRUSH_MAX 2000.0

typedef enum {
  PM_CANVAS_TOOL_NONE,     /* drag pans */
  PM_CANVAS_TOOL_BRUSH,    /* B: adds to the mask */
  PM_CANVAS_TOOL_ERASER,   /* E: removes from it */
  PM_CANVAS_TOOL_LASSO,    /* L: click points or drag; Enter or double-click closes */
  PM_CANVAS_TOOL_BOX,      /* R: drag a box around the object */
  PM_CANVAS_TOOL_CLICK,    /* C: left click on the object, right click off it */
} PmCanvasTool;

typedef enum {
  PM_CANVAS_MASK_OVERLAY,  /* tint and contour over the edit */
  PM_CANVAS_MASK_CONTOUR,  /* the contour alone */
  PM_CANVAS_MASK_ONLY,     /* the mask in black and white */
} PmCanvasMaskStyle;

#define PM_TYPE_CANVAS_TOOL (pm_canvas_tool_get_type ())
GType pm_canvas_tool_get_type (void) G_GNUC_CONST;
#define PM_TYPE_CANVAS_MASK_STYLE (pm_canvas_mask_style_get_type ())
GType pm_canvas_mask_style_get_type (void) G_GNUC_CONST;

#define PM_TYPE_CANVAS (pm_canvas_get_type ())
G_DECLARE_FINAL_TYPE (PmCanvas, pm_canvas, PM, CANVAS, GtkWidget)

GtkWidget *pm_canvas_new              (void);
void       pm_canvas_set_image        (PmCanvas      *self,
                                       const PmImage *image);
void       pm_canvas_set_image_shared (PmCanvas      *self,
                                       const PmImage *image,
                                       gpointer       owner,
                                       GDestroyNotify owner_unref);
gboolean   pm_canvas_has_image        (PmCanvas      *self);
void       pm_canvas_set_result       (PmCanvas      *self,
                                       const PmImage *edited,
                                       const PmMask  *mask,
                                       gboolean       animate);
void       pm_canvas_set_result_shared (PmCanvas     *self,
                                        const PmImage *edited,
                                        const PmMask *mask,
                                        gpointer      owner,
                                        GDestroyNotify owner_unref,
                                        gboolean      animate);
void       pm_canvas_clear_result     (PmCanvas      *self);
gboolean   pm_canvas_has_result       (PmCanvas      *self);
gboolean   pm_canvas_is_revealing     (PmCanvas      *self);

double     pm_canvas_get_zoom         (PmCanvas      *self);
void       pm_canvas_set_zoom         (PmCanvas      *self,
                                       double         zoom);
void       pm_canvas_zoom_at          (PmCanvas      *self,
                                       double         zoom,
                                       double         widget_x,
                                       double         widget_y);
void       pm_canvas_zoom_fit         (PmCanvas      *self);
gboolean   pm_canvas_get_fit          (PmCanvas      *self);

void       pm_canvas_set_show_overlay (PmCanvas      *self,
                                       gboolean       show);
gboolean   pm_canvas_get_show_overlay (PmCanvas      *self);
void       pm_canvas_set_overlay_opacity (PmCanvas   *self,
                                          double      opacity);
void       pm_canvas_set_overlay_color (PmCanvas     *self,
                                        const GdkRGBA *color);
void       pm_canvas_get_overlay_color (PmCanvas     *self,
                                        GdkRGBA      *color);
void       pm_canvas_set_overlay_over_original (PmCanvas *self,
                                                gboolean  over_original);
void       pm_canvas_set_show_original (PmCanvas     *self,
                                        gboolean      show);
gboolean   pm_canvas_get_show_original (PmCanvas     *self);

void       pm_canvas_image_to_widget  (PmCanvas      *self,
                                       double         image_x,
                                       double         image_y,
                                       double        *widget_x,
                                       double        *widget_y);
void       pm_canvas_widget_to_image  (PmCanvas      *self,
                                       double         widget_x,
                                       double         widget_y,
                                       double        *image_x,
                                       double        *image_y);

/* Views. */
void       pm_canvas_set_mask_style   (PmCanvas      *self,
                                       PmCanvasMaskStyle style);
PmCanvasMaskStyle pm_canvas_get_mask_style (PmCanvas *self);
void       pm_canvas_set_split        (PmCanvas      *self,
                                       gboolean       split);
gboolean   pm_canvas_get_split        (PmCanvas      *self);
void       pm_canvas_set_split_position (PmCanvas    *self,
                                         double       position);
double     pm_canvas_get_split_position (PmCanvas    *self);
/* A second mask drawn as a contour in another colour (e.g. the engine's beside the
 * corrected one); NULL removes it. Copied. */
void       pm_canvas_set_compare_mask (PmCanvas      *self,
                                       const PmMask  *mask);
gboolean   pm_canvas_has_compare_mask (PmCanvas      *self);

/* The result changed inside @rect (a correction): copies the edit's and the mask's pixels
 * there and updates only that part of the view and its pyramid. FALSE (nothing done) while
 * the result's pyramid is still being built: show the result again instead. */
gboolean   pm_canvas_update_result_rect (PmCanvas    *self,
                                         const PmImage *edited,
                                         const PmMask *mask,
                                         const PmRect *rect);

/* Tools. */
void       pm_canvas_set_tool         (PmCanvas      *self,
                                       PmCanvasTool   tool);
PmCanvasTool pm_canvas_get_tool       (PmCanvas      *self);
void       pm_canvas_set_brush_radius (PmCanvas      *self,
                                       double         radius);
double     pm_canvas_get_brush_radius (PmCanvas      *self);
void       pm_canvas_set_brush_hardness (PmCanvas    *self,
                                         double       hardness);
double     pm_canvas_get_brush_hardness (PmCanvas    *self);
/* Drops a lasso in progress and the click tool's clicks (emits ::clicks-cleared if any). */
void       pm_canvas_cancel_tool      (PmCanvas      *self);
void       pm_canvas_clear_clicks     (PmCanvas      *self);

G_END_DECLS
