/* pm-polygon.h: masks as polygons and back: outlines of a mask's regions, simplified, and
 * polygons filled as COCO tools fill them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Coordinates are those of COCO and YOLO files: pixel (x, y) covers [x, x+1) × [y, y+1), so
 * its centre is (x + 0.5, y + 0.5) and an outline traced along pixel edges has integer
 * vertices. A polygon covers the pixels whose centre is inside it (even-odd rule), which is
 * what pycocotools' rleFrPoly() computes; an annotation made of several polygons covers
 * their union, so a polygon list cannot express a hole.
 */
#pragma once

#include "pm-image.h"

G_BEGIN_DECLS

typedef struct {
  double *xy;     /* x0, y0, x1, y1, …: n_points vertices, the last joined to the first */
  guint   n_points;
} PmPolygon;

PmPolygon *pm_polygon_new        (guint             n_points);
void       pm_polygon_free       (PmPolygon        *polygon);
/* Twice the signed area (shoelace); > 0 for an outer outline, clockwise on screen. */
double     pm_polygon_area2      (const PmPolygon  *polygon);
/* Drops vertices (Douglas–Peucker) while the outline stays within @tolerance pixels of
 * the original; keeps it as is if fewer than 3 vertices would remain. */
void       pm_polygon_simplify   (PmPolygon        *polygon,
                                  double            tolerance);

/* The outer outlines of @mask's regions (foreground > 0.5, 4-connected), one polygon per
 * region, largest area first. Holes are not returned (see above). The outlines run along
 * pixel edges; @tolerance > 0 simplifies them (Douglas–Peucker, in pixels), 0 keeps every
 * corner so that filling them gives @mask back exactly (holes aside). */
GPtrArray *pm_mask_trace_outlines (const PmMask    *mask,
                                   double           tolerance); /* of PmPolygon */

/* Fills @polygons into a new @width × @height binary mask: each polygon by the even-odd
 * rule at pixel centres, the result their union. */
PmMask    *pm_mask_from_polygons (int               width,
                                  int               height,
                                  PmPolygon * const *polygons,
                                  guint             n_polygons);

/* The tight box [x, y, w, h] and the area (pixels) of @mask's foreground, as pycocotools'
 * toBbox() and area() give them for its RLE; all 0 for an empty mask. */
void       pm_mask_bbox          (const PmMask     *mask,
                                  int               bbox[4],
                                  gint64           *area);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmPolygon, pm_polygon_free)

G_END_DECLS
