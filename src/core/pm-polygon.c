/* pm-polygon.c: outlines of a mask's regions along pixel edges, their simplification, and
 * polygons filled at pixel centres.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tracing. Every side of a foreground pixel that faces the background (or the border) is a
 * directed edge between two corners of the pixel grid, oriented so that the foreground is on
 * its right-hand side on screen (y grows downwards): outer outlines then run clockwise and
 * holes counter-clockwise. Each grid corner keeps the directions of the edges leaving it as
 * four bits. A corner where two pixels touch only diagonally has two edges leaving it; taking
 * the right turn there keeps following the same pixel, so regions are 4-connected and every
 * outline is a simple loop. Loops are followed from the first corner (in raster order) that
 * still has an edge; only their corners (changes of direction) are kept.
 *
 * Filling. The even-odd rule at pixel centres: for each row, the crossings of the polygon's
 * edges with the line y + 0.5 are sorted and the pixels whose centre lies between the first
 * and the second, the third and the fourth … are set. An edge counts for the rows whose centre
 * is in [min y, max y), so a vertex on a row's centre line is counted once.
 */
#define G_LOG_DOMAIN "pm-polygon"

#include "pm-polygon.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { DIR_RIGHT, DIR_DOWN, DIR_LEFT, DIR_UP };
static const int dir_dx[4] = { 1, 0, -1, 0 };
static const int dir_dy[4] = { 0, 1, 0, -1 };

/**
 * pm_polygon_new:
 * @n_points: number of vertices
 *
 * Returns: (transfer full): a polygon with room for @n_points vertices, all at 0.
 */
PmPolygon *
pm_polygon_new (guint n_points)
{
  PmPolygon *polygon = g_new0 (PmPolygon, 1);

  polygon->n_points = n_points;
  polygon->xy = g_new0 (double, (gsize) n_points * 2);
  return polygon;
}

void
pm_polygon_free (PmPolygon *polygon)
{
  if (polygon == NULL)
    return;
  g_free (polygon->xy);
  g_free (polygon);
}

/**
 * pm_polygon_area2:
 * @polygon: a polygon
 *
 * Returns: twice its signed area; positive when it runs clockwise on screen.
 */
double
pm_polygon_area2 (const PmPolygon *polygon)
{
  double sum = 0.0;

  g_return_val_if_fail (polygon != NULL, 0.0);
  for (guint i = 0; i < polygon->n_points; i++)
    {
      guint j = (i + 1) % polygon->n_points;

      sum += polygon->xy[2 * i] * polygon->xy[2 * j + 1] -
             polygon->xy[2 * j] * polygon->xy[2 * i + 1];
    }
  return sum;
}

/* ------------------------------------------------------------------ tracing */

static gboolean
is_fg (const PmMask *mask,
       int           x,
       int           y)
{
  return x >= 0 && y >= 0 && x < mask->width && y < mask->height &&
         mask->data[(gsize) y * mask->width + x] > 0.5f;
}

/* For each grid corner (stride width + 1), the directions of the edges leaving it. */
static guint8 *
collect_edges (const PmMask *mask)
{
  gsize stride = (gsize) mask->width + 1;
  guint8 *bits = g_malloc0 (stride * ((gsize) mask->height + 1));

  for (int y = 0; y < mask->height; y++)
    for (int x = 0; x < mask->width; x++)
      {
        if (!is_fg (mask, x, y))
          continue;
        if (!is_fg (mask, x, y - 1))
          bits[(gsize) y * stride + x] |= 1 << DIR_RIGHT;
        if (!is_fg (mask, x + 1, y))
          bits[(gsize) y * stride + x + 1] |= 1 << DIR_DOWN;
        if (!is_fg (mask, x, y + 1))
          bits[(gsize) (y + 1) * stride + x + 1] |= 1 << DIR_LEFT;
        if (!is_fg (mask, x - 1, y))
          bits[(gsize) (y + 1) * stride + x] |= 1 << DIR_UP;
      }
  return bits;
}

/* Which edge to leave a corner by, arriving in direction @in, among @choices. */
static int
next_direction (guint8 choices,
                int    in)
{
  int right = (in + 1) % 4;

  if (choices & (1 << right))
    return right;   /* a diagonal touch, or a plain right turn */
  for (int d = 0; d < 4; d++)
    if (choices & (1 << d))
      return d;
  g_assert_not_reached ();
}

/* Follows the loop starting at corner (@x0, @y0), consuming its edges; returns its corners
 * as a polygon. */
static PmPolygon *
trace_loop (guint8 *bits,
            gsize   stride,
            int     x0,
            int     y0)
{
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (double));
  int start = next_direction (bits[(gsize) y0 * stride + x0], DIR_UP);
  int d = start, x = x0, y = y0;
  PmPolygon *polygon;

  bits[(gsize) y0 * stride + x0] &= (guint8) ~(1 << start);
  for (;;)
    {
      guint8 *here;
      int next;

      x += dir_dx[d];
      y += dir_dy[d];
      here = &bits[(gsize) y * stride + x];
      if (x == x0 && y == y0)
        {
          next = next_direction (*here | (1 << start), d);
          if (next == start)
            break;
        }
      else
        next = next_direction (*here, d);
      if (next != d)
        {
          double p[2] = { x, y };
          g_array_append_vals (points, p, 2);
        }
      *here &= (guint8) ~(1 << next);
      d = next;
    }
  if (d != start)   /* the start is a corner too */
    {
      double p[2] = { x0, y0 };
      g_array_prepend_vals (points, p, 2);
    }

  polygon = g_new0 (PmPolygon, 1);
  polygon->n_points = points->len / 2;
  polygon->xy = (double *) (gpointer) g_array_free (g_steal_pointer (&points), FALSE);
  return polygon;
}

/* Squared distance from point @p to the segment @a–@b. */
static double
segment_distance2 (const double *p,
                   const double *a,
                   const double *b)
{
  double dx = b[0] - a[0], dy = b[1] - a[1];
  double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2 : 0.0;
  double ex, ey;

  t = CLAMP (t, 0.0, 1.0);
  ex = a[0] + t * dx - p[0];
  ey = a[1] + t * dy - p[1];
  return ex * ex + ey * ey;
}

/* Douglas–Peucker on the open chain @first..@last of @xy (indices modulo @n), marking the
 * vertices to keep in @keep. An explicit stack: chains can have 10⁵ vertices. */
static void
simplify_chain (const double *xy,
                guint         n,
                guint         first,
                guint         last,    /* may be < first: the chain wraps */
                double        tol2,
                gboolean     *keep)
{
  g_autoptr(GArray) stack = g_array_new (FALSE, FALSE, sizeof (guint) * 2);
  guint span[2] = { first, last < first ? last + n : last };

  g_array_append_val (stack, span);
  while (stack->len > 0)
    {
      guint *top = &g_array_index (stack, guint, (stack->len - 1) * 2);
      guint a = top[0], b = top[1], best = a;
      double best_d2 = -1.0;

      g_array_set_size (stack, stack->len - 1);
      for (guint i = a + 1; i < b; i++)
        {
          double d2 = segment_distance2 (xy + 2 * (i % n), xy + 2 * (a % n), xy + 2 * (b % n));

          if (d2 > best_d2)
            {
              best_d2 = d2;
              best = i;
            }
        }
      if (best_d2 > tol2)
        {
          guint left[2] = { a, best }, right[2] = { best, b };

          keep[best % n] = TRUE;
          g_array_append_val (stack, left);
          g_array_append_val (stack, right);
        }
    }
}

/**
 * pm_polygon_simplify:
 * @polygon: a closed outline
 * @tolerance: the largest distance, in pixels, from a dropped vertex to the new outline
 *
 * Simplifies @polygon in place (Douglas–Peucker on the loop split at its first vertex and
 * the vertex farthest from it); keeps it as is if fewer than 3 vertices would remain.
 */
void
pm_polygon_simplify (PmPolygon *polygon,
                     double     tolerance)
{
  guint n = polygon->n_points, far = 0, m = 0;
  g_autofree gboolean *keep = NULL;
  double far_d2 = -1.0;

  g_return_if_fail (polygon != NULL);
  if (n <= 4 || tolerance <= 0.0)
    return;
  /* Split the loop at its first vertex and the vertex farthest from it. */
  for (guint i = 1; i < n; i++)
    {
      double dx = polygon->xy[2 * i] - polygon->xy[0];
      double dy = polygon->xy[2 * i + 1] - polygon->xy[1];

      if (dx * dx + dy * dy > far_d2)
        {
          far_d2 = dx * dx + dy * dy;
          far = i;
        }
    }
  keep = g_new0 (gboolean, n);
  keep[0] = keep[far] = TRUE;
  simplify_chain (polygon->xy, n, 0, far, tolerance * tolerance, keep);
  simplify_chain (polygon->xy, n, far, 0, tolerance * tolerance, keep);
  for (guint i = 0; i < n; i++)
    m += keep[i];
  if (m < 3)
    return;
  m = 0;
  for (guint i = 0; i < n; i++)
    if (keep[i])
      {
        polygon->xy[2 * m] = polygon->xy[2 * i];
        polygon->xy[2 * m + 1] = polygon->xy[2 * i + 1];
        m++;
      }
  polygon->n_points = m;
}

static int
compare_area (gconstpointer a,
              gconstpointer b)
{
  double aa = pm_polygon_area2 (*(PmPolygon * const *) a);
  double bb = pm_polygon_area2 (*(PmPolygon * const *) b);

  return aa < bb ? 1 : aa > bb ? -1 : 0;
}

/**
 * pm_mask_trace_outlines:
 * @mask: a mask (foreground is > 0.5)
 * @tolerance: simplification tolerance in pixels; 0 keeps every corner
 *
 * Returns: (transfer full) (element-type PmPolygon): the outer outline of each 4-connected
 *   region, clockwise on screen, largest first.
 */
GPtrArray *
pm_mask_trace_outlines (const PmMask *mask,
                        double        tolerance)
{
  g_autoptr(GPtrArray) outlines = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_polygon_free);
  g_autofree guint8 *bits = NULL;
  gsize stride;

  g_return_val_if_fail (mask != NULL, NULL);

  bits = collect_edges (mask);
  stride = (gsize) mask->width + 1;
  for (int y = 0; y <= mask->height; y++)
    for (int x = 0; x <= mask->width; x++)
      while (bits[(gsize) y * stride + x] != 0)
        {
          PmPolygon *loop = trace_loop (bits, stride, x, y);

          if (pm_polygon_area2 (loop) <= 0)
            {
              pm_polygon_free (loop);   /* a hole */
              continue;
            }
          pm_polygon_simplify (loop, tolerance);
          g_ptr_array_add (outlines, loop);
        }
  g_ptr_array_sort (outlines, compare_area);
  return g_steal_pointer (&outlines);
}

/* ------------------------------------------------------------------ filling */

static gboolean
polygon_is_finite (const PmPolygon *polygon)
{
  for (guint i = 0; i < polygon->n_points * 2; i++)
    if (!isfinite (polygon->xy[i]))
      return FALSE;
  return polygon->n_points >= 3;
}

/* The rows whose centre y + 0.5 lies in [min (y0, y1), max (y0, y1)), clipped to the mask. */
static gboolean
edge_rows (double  y0,
           double  y1,
           int     height,
           int    *first,
           int    *last)
{
  double lo = MIN (y0, y1), hi = MAX (y0, y1);

  if (lo == hi)
    return FALSE;
  *first = (int) CLAMP (ceil (lo - 0.5), 0.0, (double) height);
  *last = (int) CLAMP (ceil (hi - 0.5), 0.0, (double) height) - 1;
  return *first <= *last;
}

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

/* ORs the even-odd fill of @polygon into @mask. Crossings are gathered per row with a
 * counting pass first, so the work is the sum of the edges' heights. */
static void
fill_polygon (PmMask          *mask,
              const PmPolygon *polygon)
{
  g_autofree guint *start = g_new0 (guint, (gsize) mask->height + 1);
  g_autofree guint *fill = NULL;
  g_autofree double *xs = NULL;
  guint n = polygon->n_points;

  for (guint i = 0; i < n; i++)
    {
      const double *a = polygon->xy + 2 * i, *b = polygon->xy + 2 * ((i + 1) % n);
      int r0, r1;

      if (edge_rows (a[1], b[1], mask->height, &r0, &r1))
        for (int r = r0; r <= r1; r++)
          start[r + 1]++;
    }
  for (int r = 0; r < mask->height; r++)
    start[r + 1] += start[r];
  xs = g_new (double, MAX (start[mask->height], 1));
  fill = g_memdup2 (start, sizeof (guint) * ((gsize) mask->height + 1));

  for (guint i = 0; i < n; i++)
    {
      const double *a = polygon->xy + 2 * i, *b = polygon->xy + 2 * ((i + 1) % n);
      int r0, r1;

      if (edge_rows (a[1], b[1], mask->height, &r0, &r1))
        for (int r = r0; r <= r1; r++)
          {
            double yc = r + 0.5;

            xs[fill[r]++] = a[0] + (yc - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
          }
    }

  for (int r = 0; r < mask->height; r++)
    {
      double *row = xs + start[r];
      guint count = start[r + 1] - start[r];

      qsort (row, count, sizeof (double), compare_double);
      for (guint k = 0; k + 1 < count; k += 2)
        {
          /* Pixels whose centre x + 0.5 is in [row[k], row[k + 1]). */
          double from = CLAMP (ceil (row[k] - 0.5), 0.0, (double) mask->width);
          double to = CLAMP (ceil (row[k + 1] - 0.5), 0.0, (double) mask->width);

          for (int x = (int) from; x < (int) to; x++)
            mask->data[(gsize) r * mask->width + x] = 1.0f;
        }
    }
}

/**
 * pm_mask_from_polygons:
 * @width: mask width
 * @height: mask height
 * @polygons: (array length=n_polygons): polygons in pixel coordinates
 * @n_polygons: how many
 *
 * Fills each polygon by the even-odd rule at pixel centres and returns their union. Parts
 * outside the mask are clipped; a polygon with fewer than 3 vertices or a coordinate that
 * is not finite fills nothing.
 *
 * Returns: (transfer full): a binary mask (0/1)
 */
PmMask *
pm_mask_from_polygons (int                width,
                       int                height,
                       PmPolygon * const *polygons,
                       guint              n_polygons)
{
  PmMask *mask;

  g_return_val_if_fail (width > 0 && height > 0, NULL);
  g_return_val_if_fail (polygons != NULL || n_polygons == 0, NULL);

  mask = pm_mask_new (width, height);
  for (guint i = 0; i < n_polygons; i++)
    if (polygon_is_finite (polygons[i]))
      fill_polygon (mask, polygons[i]);
  return mask;
}

/**
 * pm_mask_bbox:
 * @mask: a mask (foreground is > 0.5)
 * @bbox: (out caller-allocates) (array fixed-size=4): x, y, width, height
 * @area: (out) (optional): the number of foreground pixels
 *
 * The tight bounding box of the foreground: pixel columns x … x + width − 1 and rows
 * y … y + height − 1. All zero for an empty mask.
 */
void
pm_mask_bbox (const PmMask *mask,
              int           bbox[4],
              gint64       *area)
{
  int x0 = mask->width, y0 = mask->height, x1 = -1, y1 = -1;
  gint64 count = 0;

  g_return_if_fail (mask != NULL);

  for (int y = 0; y < mask->height; y++)
    {
      const float *row = mask->data + (gsize) y * mask->width;

      for (int x = 0; x < mask->width; x++)
        if (row[x] > 0.5f)
          {
            count++;
            x0 = MIN (x0, x);
            x1 = MAX (x1, x);
            y0 = MIN (y0, y);
            y1 = y;
          }
    }
  if (count == 0)
    memset (bbox, 0, sizeof (int) * 4);
  else
    {
      bbox[0] = x0;
      bbox[1] = y0;
      bbox[2] = x1 - x0 + 1;
      bbox[3] = y1 - y0 + 1;
    }
  if (area != NULL)
    *area = count;
}
