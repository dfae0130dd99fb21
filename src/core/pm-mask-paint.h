/* pm-mask-paint.h: painting on masks: brush and eraser strokes, polygon (lasso) fills.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Coordinates are in image pixels, continuous: pixel (x, y) covers [x, x + 1) × [y, y + 1)
 * and is sampled at its centre (x + 0.5, y + 0.5). Painting writes values on the 8-bit
 * levels k / 255, so a mask that starts on them (a binary one does) stays on them and a
 * soft PNG (pm_mask_encode_png) holds it exactly.
 */
#pragma once

#include "pm-image.h"
#include "pm-mask-region.h"

G_BEGIN_DECLS

typedef struct {
  double x, y;
} PmPoint;

/* The smallest brush radius: a thinner line could miss pixels between its samples. */
#define PM_BRUSH_MIN_RADIUS 0.5

typedef struct {
  double   radius;    /* pixels, at least PM_BRUSH_MIN_RADIUS */
  double   hardness;  /* 1: hard edge (binary); below 1 the coverage falls off smoothly from
                       * radius × hardness to radius */
  gboolean erase;     /* FALSE: raise the mask to the coverage (brush); TRUE: lower it to
                       * 1 − coverage (eraser) */
} PmBrush;

typedef enum {
  PM_FILL_NONZERO,    /* inside where the winding number is not 0 (a loop drawn twice fills) */
  PM_FILL_EVEN_ODD,   /* inside where a ray crosses the outline an odd number of times */
} PmFillRule;

void      pm_brush_init              (PmBrush        *brush,
                                      double          radius);
/* The pixels a segment from (@x0, @y0) to (@x1, @y1) can touch, clipped to the mask;
 * what to save before painting it. */
void      pm_brush_segment_bounds    (const PmBrush  *brush,
                                      double          x0,
                                      double          y0,
                                      double          x1,
                                      double          y1,
                                      int             width,
                                      int             height,
                                      PmRect         *out);
/* Paints the capsule swept by the brush from (@x0, @y0) to (@x1, @y1) (a dab when the two
 * points are equal). Returns whether a pixel changed; @dirty (nullable) gets their
 * bounding box. */
gboolean  pm_mask_paint_segment      (PmMask         *mask,
                                      const PmBrush  *brush,
                                      double          x0,
                                      double          y0,
                                      double          x1,
                                      double          y1,
                                      PmRect         *dirty);
/* A whole stroke: a dab at the first point, then a segment to each next one. */
gboolean  pm_mask_paint_stroke       (PmMask         *mask,
                                      const PmBrush  *brush,
                                      const PmPoint  *points,
                                      gsize           n_points,
                                      PmRect         *dirty);
/* The pixels a polygon can touch, clipped to the mask. */
void      pm_polygon_bounds          (const PmPoint  *points,
                                      gsize           n_points,
                                      int             width,
                                      int             height,
                                      PmRect         *out);
/* Sets the pixels whose centre lies inside the closed polygon to @value (1 adds, 0 removes).
 * An edge counts for the rows whose centre y is in [min y, max y) of the edge, and a pixel
 * is inside when its centre is strictly left of a crossing, so a pixel is filled by at most
 * one of two polygons sharing an edge. Returns whether a pixel changed. */
gboolean  pm_mask_fill_polygon       (PmMask         *mask,
                                      const PmPoint  *points,
                                      gsize           n_points,
                                      PmFillRule      rule,
                                      float           value,
                                      PmRect         *dirty);

G_END_DECLS
