/* pm-mask-paint.c: painting on masks: brush and eraser strokes, polygon (lasso) fills.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A stroke is a chain of capsules: the set of points within the brush radius of the segment
 * between two successive pointer positions. However far apart the positions are (a fast
 * mouse), every pixel whose centre lies within the radius of the polyline is painted, and
 * since each pixel takes max (mask, coverage) (brush) or min (mask, 1 − coverage) (eraser),
 * overlapping capsules do not add up: a stroke is as even as one long capsule.
 *
 * Coverage at distance d from the segment, radius r, inner radius r_i = r × hardness:
 * 1 for d ≤ r_i, 0 for d > r, and smoothstep ((r − d) / (r − r_i)) between; quantised to
 * k / 255 so the mask stays on the levels of an 8-bit PNG.
 *
 * Polygons are filled by scanline at pixel centres with the crossing rule spelled out in
 * pm-mask-paint.h, which a point-in-polygon test per pixel reproduces exactly.
 */
#define G_LOG_DOMAIN "pm-mask-paint"

#include "pm-mask-paint.h"

#include <math.h>
#include <stdlib.h>

/* Coordinates beyond this are clamped before any int conversion. */
#define COORD_LIMIT 1e8

static inline double
clamp_coord (double v)
{
  return CLAMP (v, -COORD_LIMIT, COORD_LIMIT);
}

/* Grows the box [*x0, *x1) × [*y0, *y1) by one pixel. */
static inline void
extend_box (int *x0, int *y0, int *x1, int *y1, int x, int y)
{
  *x0 = MIN (*x0, x);
  *y0 = MIN (*y0, y);
  *x1 = MAX (*x1, x + 1);
  *y1 = MAX (*y1, y + 1);
}

static void
box_to_rect (int     x0,
             int     y0,
             int     x1,
             int     y1,
             PmRect *out)
{
  if (out == NULL)
    return;
  if (x1 <= x0 || y1 <= y0)
    *out = (PmRect) { 0, 0, 0, 0 };
  else
    *out = (PmRect) { x0, y0, x1 - x0, y1 - y0 };
}

/**
 * pm_brush_init:
 * @brush: (out): the brush to set up
 * @radius: its radius in pixels
 *
 * A hard-edged brush (not an eraser) of @radius.
 */
void
pm_brush_init (PmBrush *brush,
               double   radius)
{
  g_return_if_fail (brush != NULL);
  brush->radius = MAX (radius, PM_BRUSH_MIN_RADIUS);
  brush->hardness = 1.0;
  brush->erase = FALSE;
}

static double
brush_radius (const PmBrush *brush)
{
  double r = brush->radius;

  if (!(r >= PM_BRUSH_MIN_RADIUS))   /* also NaN */
    r = PM_BRUSH_MIN_RADIUS;
  return MIN (r, COORD_LIMIT);
}

/**
 * pm_brush_segment_bounds:
 * @brush: a brush
 * @x0: start x
 * @y0: start y
 * @x1: end x
 * @y1: end y
 * @width: the mask width
 * @height: the mask height
 * @out: (out): the pixels the segment can paint, clipped to the mask (maybe empty)
 */
void
pm_brush_segment_bounds (const PmBrush *brush,
                         double         x0,
                         double         y0,
                         double         x1,
                         double         y1,
                         int            width,
                         int            height,
                         PmRect        *out)
{
  double r;
  int bx0, by0, bx1, by1;

  g_return_if_fail (brush != NULL && out != NULL);
  r = brush_radius (brush);
  x0 = clamp_coord (x0);
  x1 = clamp_coord (x1);
  y0 = clamp_coord (y0);
  y1 = clamp_coord (y1);
  /* A pixel centre c = x + 0.5 is within reach when min − r ≤ c ≤ max + r. */
  bx0 = (int) floor (MIN (x0, x1) - r - 0.5);
  bx1 = (int) ceil (MAX (x0, x1) + r - 0.5) + 1;
  by0 = (int) floor (MIN (y0, y1) - r - 0.5);
  by1 = (int) ceil (MAX (y0, y1) + r - 0.5) + 1;
  *out = (PmRect) { bx0, by0, bx1 - bx0, by1 - by0 };
  pm_rect_clip (out, width, height);
}

/* Coverage of a pixel at squared distance @d2 from the segment, in 1/255 steps. */
static inline int
coverage_level (double d2,
                double r,
                double r2,
                double inner)
{
  double d, t;

  if (d2 > r2)
    return 0;
  if (inner >= r)
    return 255;
  d = sqrt (d2);
  if (d <= inner)
    return 255;
  t = (r - d) / (r - inner);
  return (int) lrint (255.0 * t * t * (3.0 - 2.0 * t));
}

/**
 * pm_mask_paint_segment:
 * @mask: the mask, changed in place
 * @brush: the brush (or eraser)
 * @x0: start x, in image pixels
 * @y0: start y
 * @x1: end x
 * @y1: end y
 * @dirty: (out) (optional): the bounding box of the pixels that changed
 *
 * Paints the capsule from (@x0, @y0) to (@x1, @y1): every pixel whose centre lies within
 * the brush radius of the segment. Equal points paint a round dab.
 *
 * Returns: whether any pixel changed
 */
gboolean
pm_mask_paint_segment (PmMask        *mask,
                       const PmBrush *brush,
                       double         x0,
                       double         y0,
                       double         x1,
                       double         y1,
                       PmRect        *dirty)
{
  PmRect bounds;
  double r, r2, inner, dx, dy, len2;
  int cx0 = G_MAXINT, cy0 = G_MAXINT, cx1 = G_MININT, cy1 = G_MININT;

  g_return_val_if_fail (mask != NULL && brush != NULL, FALSE);
  g_return_val_if_fail (isfinite (x0) && isfinite (y0) && isfinite (x1) && isfinite (y1),
                        FALSE);

  box_to_rect (0, 0, 0, 0, dirty);
  pm_brush_segment_bounds (brush, x0, y0, x1, y1, mask->width, mask->height, &bounds);
  if (pm_rect_is_empty (&bounds))
    return FALSE;
  x0 = clamp_coord (x0);
  x1 = clamp_coord (x1);
  y0 = clamp_coord (y0);
  y1 = clamp_coord (y1);
  r = brush_radius (brush);
  r2 = r * r;
  inner = brush->hardness >= 1.0 ? r : r * CLAMP (brush->hardness, 0.0, 1.0);
  dx = x1 - x0;
  dy = y1 - y0;
  len2 = dx * dx + dy * dy;

  for (int y = bounds.y; y < bounds.y + bounds.height; y++)
    {
      float *row = mask->data + (gsize) y * mask->width;
      double py = y + 0.5 - y0;

      for (int x = bounds.x; x < bounds.x + bounds.width; x++)
        {
          double px = x + 0.5 - x0, t = 0.0, ex, ey;
          float value;
          int level;

          /* The closest point of the segment: p0 + t (p1 − p0), t clamped to [0, 1]. */
          if (len2 > 0.0)
            t = CLAMP ((px * dx + py * dy) / len2, 0.0, 1.0);
          ex = px - t * dx;
          ey = py - t * dy;
          level = coverage_level (ex * ex + ey * ey, r, r2, inner);
          if (level == 0)
            continue;
          if (brush->erase)
            {
              value = (float) (255 - level) / 255.0f;
              if (!(value < row[x]))
                continue;
            }
          else
            {
              value = (float) level / 255.0f;
              if (!(value > row[x]))
                continue;
            }
          row[x] = value;
          extend_box (&cx0, &cy0, &cx1, &cy1, x, y);
        }
    }
  box_to_rect (cx0, cy0, cx1, cy1, dirty);
  return cx1 > cx0;
}

/**
 * pm_mask_paint_stroke:
 * @mask: the mask, changed in place
 * @brush: the brush (or eraser)
 * @points: (array length=n_points): the pointer positions, in order
 * @n_points: how many
 * @dirty: (out) (optional): the bounding box of the pixels that changed
 *
 * Paints a dab at the first point and a capsule between each two successive points.
 *
 * Returns: whether any pixel changed
 */
gboolean
pm_mask_paint_stroke (PmMask        *mask,
                      const PmBrush *brush,
                      const PmPoint *points,
                      gsize          n_points,
                      PmRect        *dirty)
{
  PmRect all = { 0, 0, 0, 0 };
  gboolean changed = FALSE;

  g_return_val_if_fail (mask != NULL && brush != NULL, FALSE);
  g_return_val_if_fail (points != NULL || n_points == 0, FALSE);

  for (gsize i = 0; i < n_points; i++)
    {
      const PmPoint *a = &points[i > 0 ? i - 1 : 0], *b = &points[i];
      PmRect one;

      if (pm_mask_paint_segment (mask, brush, a->x, a->y, b->x, b->y, &one))
        {
          changed = TRUE;
          pm_rect_union (&all, &one, &all);
        }
    }
  if (dirty != NULL)
    *dirty = all;
  return changed;
}

/* ------------------------------------------------------------------------------------- */
/* Polygons                                                                               */
/* ------------------------------------------------------------------------------------- */

/**
 * pm_polygon_bounds:
 * @points: (array length=n_points): the vertices
 * @n_points: how many
 * @width: the mask width
 * @height: the mask height
 * @out: (out): the pixels whose centre may lie inside, clipped to the mask
 */
void
pm_polygon_bounds (const PmPoint *points,
                   gsize          n_points,
                   int            width,
                   int            height,
                   PmRect        *out)
{
  double x0 = HUGE_VAL, y0 = HUGE_VAL, x1 = -HUGE_VAL, y1 = -HUGE_VAL;
  int bx0, by0, bx1, by1;

  g_return_if_fail (out != NULL);
  *out = (PmRect) { 0, 0, 0, 0 };
  if (n_points < 3)
    return;
  for (gsize i = 0; i < n_points; i++)
    {
      x0 = MIN (x0, clamp_coord (points[i].x));
      x1 = MAX (x1, clamp_coord (points[i].x));
      y0 = MIN (y0, clamp_coord (points[i].y));
      y1 = MAX (y1, clamp_coord (points[i].y));
    }
  bx0 = (int) floor (x0 - 0.5);
  bx1 = (int) ceil (x1 - 0.5) + 1;
  by0 = (int) floor (y0 - 0.5);
  by1 = (int) ceil (y1 - 0.5) + 1;
  *out = (PmRect) { bx0, by0, bx1 - bx0, by1 - by0 };
  pm_rect_clip (out, width, height);
}

typedef struct {
  double x;
  int    dir;
} Crossing;

static int
crossing_cmp (const void *a,
              const void *b)
{
  double xa = ((const Crossing *) a)->x, xb = ((const Crossing *) b)->x;

  return (xa > xb) - (xa < xb);
}

/* The first pixel whose centre is at or right of @x: x + 0.5 ≥ @x, compared exactly. */
static int
first_pixel_from (double x)
{
  int px;

  x = clamp_coord (x);
  px = (int) ceil (x - 0.5);
  while (px + 0.5 < x)
    px++;
  while (px - 0.5 >= x)
    px--;
  return px;
}

/* Fills row @y between its crossings; extends the changed box. */
static void
fill_row (PmMask         *mask,
          int             y,
          const PmRect   *bounds,
          Crossing       *crossings,
          int             n,
          PmFillRule      rule,
          float           value,
          int            *box)
{
  float *row = mask->data + (gsize) y * mask->width;
  int suffix = 0;

  qsort (crossings, n, sizeof (Crossing), crossing_cmp);
  /* Walking from the right, @suffix is the winding number (or crossing count) of the
   * centres in [crossings[k].x, crossings[k + 1].x). */
  for (int k = n - 2; k >= 0; k--)
    {
      int xa, xb;
      gboolean inside;

      suffix += rule == PM_FILL_NONZERO ? crossings[k + 1].dir : 1;
      inside = rule == PM_FILL_NONZERO ? suffix != 0 : (suffix & 1) != 0;
      if (!inside)
        continue;
      xa = MAX (first_pixel_from (crossings[k].x), bounds->x);
      xb = MIN (first_pixel_from (crossings[k + 1].x), bounds->x + bounds->width);
      for (int x = xa; x < xb; x++)
        if (row[x] != value)
          {
            row[x] = value;
            extend_box (&box[0], &box[1], &box[2], &box[3], x, y);
          }
    }
}

/**
 * pm_mask_fill_polygon:
 * @mask: the mask, changed in place
 * @points: (array length=n_points): the vertices; the last joins the first
 * @n_points: how many (fewer than 3 fill nothing)
 * @rule: which pixels count as inside where the outline crosses itself
 * @value: what inside pixels become (1 adds the area, 0 removes it)
 * @dirty: (out) (optional): the bounding box of the pixels that changed
 *
 * Fills the pixels whose centres lie inside the polygon. Along a row through centre
 * y_c, edge (a, b) crosses when min (a.y, b.y) ≤ y_c < max (a.y, b.y), at
 * x = a.x + (y_c − a.y) (b.x − a.x) / (b.y − a.y); a centre is inside when the
 * crossings strictly right of it give a non-zero winding number (%PM_FILL_NONZERO) or
 * an odd count (%PM_FILL_EVEN_ODD).
 *
 * Returns: whether any pixel changed
 */
gboolean
pm_mask_fill_polygon (PmMask         *mask,
                      const PmPoint  *points,
                      gsize           n_points,
                      PmFillRule      rule,
                      float           value,
                      PmRect         *dirty)
{
  g_autofree Crossing *crossings = NULL;
  PmRect bounds;
  int box[4] = { G_MAXINT, G_MAXINT, G_MININT, G_MININT };

  g_return_val_if_fail (mask != NULL, FALSE);
  g_return_val_if_fail (points != NULL || n_points == 0, FALSE);
  for (gsize i = 0; i < n_points; i++)
    g_return_val_if_fail (isfinite (points[i].x) && isfinite (points[i].y), FALSE);

  box_to_rect (0, 0, 0, 0, dirty);
  pm_polygon_bounds (points, n_points, mask->width, mask->height, &bounds);
  if (pm_rect_is_empty (&bounds))
    return FALSE;
  crossings = g_new (Crossing, n_points);

  for (int y = bounds.y; y < bounds.y + bounds.height; y++)
    {
      double yc = y + 0.5;
      int n = 0;

      for (gsize i = 0; i < n_points; i++)
        {
          const PmPoint *a = &points[i], *b = &points[(i + 1) % n_points];
          int dir;

          if (a->y <= yc && yc < b->y)
            dir = 1;
          else if (b->y <= yc && yc < a->y)
            dir = -1;
          else
            continue;
          crossings[n].x = a->x + (yc - a->y) * (b->x - a->x) / (b->y - a->y);
          crossings[n].dir = dir;
          n++;
        }
      if (n >= 2)
        fill_row (mask, y, &bounds, crossings, n, rule, value, box);
    }
  box_to_rect (box[0], box[1], box[2], box[3], dirty);
  return box[2] > box[0];
}
