/* pm-canvas.h: the photo view: zoom, pan, edit reveal, mask overlay and before/after.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include "pm-image.h"

G_BEGIN_DECLS

#define PM_CANVAS_ZOOM_MIN 0.02
#define PM_CANVAS_ZOOM_MAX 32.0

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
void       pm_canvas_set_overlay_outline_only (PmCanvas *self,
                                               gboolean  outline_only);
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

G_END_DECLS
