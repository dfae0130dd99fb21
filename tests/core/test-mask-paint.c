/* test-mask-paint.c: brush, eraser and polygon fills (src/core/pm-mask-paint.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "pm-mask-paint.h"
#include "pm-maskio.h"

/* Distance from (px, py) to the segment a–b, by projection. */
static double
segment_distance (double px, double py, double ax, double ay, double bx, double by)
{
  double vx = bx - ax, vy = by - ay, wx = px - ax, wy = py - ay;
  double len2 = vx * vx + vy * vy;
  double t = len2 > 0 ? (wx * vx + wy * vy) / len2 : 0;

  t = CLAMP (t, 0.0, 1.0);
  return hypot (wx - t * vx, wy - t * vy);
}

/* Bounding box of the pixels where a and b differ. */
static PmRect
naive_diff (const PmMask *a,
            const PmMask *b)
{
  int x0 = G_MAXINT, y0 = G_MAXINT, x1 = -1, y1 = -1;

  for (int y = 0; y < a->height; y++)
    for (int x = 0; x < a->width; x++)
      if (a->data[y * a->width + x] != b->data[y * b->width + x])
        {
          x0 = MIN (x0, x);
          y0 = MIN (y0, y);
          x1 = MAX (x1, x);
          y1 = MAX (y1, y);
        }
  if (x1 < 0)
    return (PmRect) { 0, 0, 0, 0 };
  return (PmRect) { x0, y0, x1 - x0 + 1, y1 - y0 + 1 };
}

static void
assert_rect_eq (const PmRect *a,
                const PmRect *b)
{
  g_assert_cmpint (a->x, ==, b->x);
  g_assert_cmpint (a->y, ==, b->y);
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
}

static void
test_fast_stroke_covers (void)
{
  /* A fast mouse: a few positions far apart. Every pixel whose centre is within the radius
   * of the polyline is painted, and no other. */
  const double radii[] = { 0.5, 1.0, 3.7, 12.0, 40.0 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  int w = 320, h = 200;

  for (guint ri = 0; ri < G_N_ELEMENTS (radii); ri++)
    for (int trial = 0; trial < 4; trial++)
      {
        g_autoptr(PmMask) mask = pm_mask_new (w, h);
        g_autoptr(PmMask) empty = pm_mask_new (w, h);
        PmPoint pts[7];
        PmBrush brush;
        PmRect dirty, expect;
        gint64 n_set = 0;
        gsize n = G_N_ELEMENTS (pts);

        for (gsize i = 0; i < n; i++)
          {
            /* Up to 150 px between samples; some just outside the mask. */
            pts[i].x = g_rand_double_range (rand, -10, w + 10);
            pts[i].y = g_rand_double_range (rand, -10, h + 10);
          }
        pm_brush_init (&brush, radii[ri]);
        g_assert_true (pm_mask_paint_stroke (mask, &brush, pts, n, &dirty));

        for (int y = 0; y < h; y++)
          for (int x = 0; x < w; x++)
            {
              double d = HUGE_VAL;
              float v = mask->data[y * w + x];

              for (gsize i = 0; i < n; i++)
                {
                  const PmPoint *a = &pts[i > 0 ? i - 1 : 0];
                  d = MIN (d, segment_distance (x + 0.5, y + 0.5, a->x, a->y, pts[i].x,
                                                pts[i].y));
                }
              g_assert_true (v == 0.0f || v == 1.0f);
              if (d < radii[ri] - 1e-9)
                g_assert_cmpfloat (v, ==, 1.0f);
              else if (d > radii[ri] + 1e-9)
                g_assert_cmpfloat (v, ==, 0.0f);
              n_set += v > 0;
            }
        g_assert_cmpint (n_set, >, 0);
        expect = naive_diff (mask, empty);
        assert_rect_eq (&dirty, &expect);
      }
}

static void
test_thin_line_connected (void)
{
  /* The thinnest brush still leaves an 8-connected line at any slope: every column (or
   * row, for steep lines) between the ends holds a painted pixel. */
  g_autoptr(PmMask) mask = pm_mask_new (200, 200);
  PmBrush brush;

  pm_brush_init (&brush, 0.1);   /* raised to PM_BRUSH_MIN_RADIUS */
  g_assert_cmpfloat (brush.radius, ==, PM_BRUSH_MIN_RADIUS);
  pm_mask_paint_segment (mask, &brush, 3.3, 10.2, 196.8, 71.9, NULL);
  for (int x = 4; x < 196; x++)
    {
      gboolean any = FALSE;
      for (int y = 0; y < 200; y++)
        any |= mask->data[y * 200 + x] > 0;
      g_assert_true (any);
    }
}

static void
test_soft_edge (void)
{
  g_autoptr(PmMask) mask = pm_mask_new (64, 64);
  g_autoptr(PmMask) back = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) error = NULL;
  PmBrush brush;
  int n_partial = 0;

  pm_brush_init (&brush, 20);
  brush.hardness = 0.4;
  pm_mask_paint_segment (mask, &brush, 32, 32, 32, 32, NULL);
  for (int y = 0; y < 64; y++)
    for (int x = 0; x < 64; x++)
      {
        float v = mask->data[y * 64 + x];
        double d = hypot (x + 0.5 - 32, y + 0.5 - 32);
        long level = lrintf (v * 255);

        g_assert_cmpfloat ((float) level / 255.0f, ==, v);   /* on the 8-bit levels */
        if (d <= 8 - 1e-9)
          g_assert_cmpfloat (v, ==, 1.0f);
        if (d > 20)
          g_assert_cmpfloat (v, ==, 0.0f);
        n_partial += v > 0 && v < 1;
        /* Falls off with distance along the row through the centre. */
        if (y == 32 && x > 32)
          g_assert_cmpfloat (v, <=, mask->data[y * 64 + x - 1]);
      }
  g_assert_cmpint (n_partial, >, 500);

  /* A soft PNG holds it exactly. */
  png = pm_mask_encode_png (mask, TRUE, &error);
  g_assert_no_error (error);
  back = pm_mask_load_bytes (png, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (back->data, 64 * 64 * sizeof (float), mask->data, 64 * 64 * sizeof (float));
}

static void
test_eraser (void)
{
  g_autoptr(PmMask) mask = pm_mask_new (100, 80);
  g_autoptr(PmMask) before = NULL;
  PmBrush brush;
  PmRect dirty, expect;

  for (int i = 0; i < 100 * 80; i++)
    mask->data[i] = 1.0f;
  before = pm_mask_copy (mask);
  pm_brush_init (&brush, 6);
  brush.erase = TRUE;
  g_assert_true (pm_mask_paint_segment (mask, &brush, 10, 40, 90, 40, &dirty));
  expect = naive_diff (mask, before);
  assert_rect_eq (&dirty, &expect);
  for (int y = 0; y < 80; y++)
    for (int x = 0; x < 100; x++)
      {
        double d = segment_distance (x + 0.5, y + 0.5, 10, 40, 90, 40);
        g_assert_cmpfloat (mask->data[y * 100 + x], ==, d <= 6 ? 0.0f : 1.0f);
      }
  /* Erasing the same again changes nothing: strokes do not accumulate. */
  g_assert_false (pm_mask_paint_segment (mask, &brush, 10, 40, 90, 40, &dirty));
  g_assert_true (pm_rect_is_empty (&dirty));
  brush.erase = FALSE;
  g_assert_true (pm_mask_paint_segment (mask, &brush, 10, 40, 90, 40, NULL));
  g_assert_cmpmem (mask->data, 100 * 80 * sizeof (float), before->data,
                   100 * 80 * sizeof (float));
}

static void
test_outside (void)
{
  g_autoptr(PmMask) mask = pm_mask_new (20, 20);
  PmBrush brush;
  PmRect dirty;

  pm_brush_init (&brush, 3);
  g_assert_false (pm_mask_paint_segment (mask, &brush, -50, -50, -10, 100, &dirty));
  g_assert_true (pm_rect_is_empty (&dirty));
  /* Absurd coordinates are clamped, not overflowed. */
  g_assert_true (pm_mask_paint_segment (mask, &brush, -1e300, 10.5, 1e300, 10.5, &dirty));
  g_assert_cmpint (dirty.x, ==, 0);
  g_assert_cmpint (dirty.width, ==, 20);
  brush.radius = 1e30;
  g_assert_true (pm_mask_paint_segment (mask, &brush, 5, 5, 5, 5, &dirty));
  g_assert_cmpint (pm_mask_count (mask), ==, 400);
}

/* ---------------------------------------------------------------- polygons */

/* The reference: a point-in-polygon test per pixel, straight from the rule in the header. */
static gboolean
reference_inside (const PmPoint *pts,
                  gsize          n,
                  PmFillRule     rule,
                  double         px,
                  double         py)
{
  int winding = 0, crossings = 0;

  for (gsize i = 0; i < n; i++)
    {
      const PmPoint *a = &pts[i], *b = &pts[(i + 1) % n];
      int dir;
      double xi;

      if (a->y <= py && py < b->y)
        dir = 1;
      else if (b->y <= py && py < a->y)
        dir = -1;
      else
        continue;
      xi = a->x + (py - a->y) * (b->x - a->x) / (b->y - a->y);
      if (px < xi)
        {
          winding += dir;
          crossings++;
        }
    }
  return rule == PM_FILL_NONZERO ? winding != 0 : (crossings & 1) != 0;
}

static void
check_polygon (const PmPoint *pts,
               gsize          n,
               PmFillRule     rule,
               int            w,
               int            h)
{
  g_autoptr(PmMask) mask = pm_mask_new (w, h);
  g_autoptr(PmMask) empty = pm_mask_new (w, h);
  PmRect dirty, expect;

  pm_mask_fill_polygon (mask, pts, n, rule, 1.0f, &dirty);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        gboolean in = reference_inside (pts, n, rule, x + 0.5, y + 0.5);
        if ((mask->data[y * w + x] == 1.0f) != in)
          g_error ("pixel (%d, %d): fill %g, reference %d", x, y, mask->data[y * w + x], in);
      }
  expect = naive_diff (mask, empty);
  assert_rect_eq (&dirty, &expect);
}

static void
test_polygon_reference (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  /* A pentagram: the rules differ in its centre. */
  const PmPoint star[] = { { 50, 5 }, { 76.5, 86 }, { 7.5, 36 }, { 92.5, 36 }, { 23.5, 86 } };
  /* Vertices on pixel centres and edges through them: the tie-breaking cases. */
  const PmPoint ties[] = { { 10.5, 10.5 }, { 40.5, 10.5 }, { 40.5, 40.5 }, { 25.5, 25.5 },
                           { 10.5, 40.5 } };
  /* A loop drawn twice around (winding 2). */
  const PmPoint twice[] = { { 20, 20 }, { 80, 20 }, { 80, 70 }, { 20, 70 }, { 20, 20 },
                            { 80, 20 }, { 80, 70 }, { 20, 70 } };

  for (int rule = PM_FILL_NONZERO; rule <= PM_FILL_EVEN_ODD; rule++)
    {
      check_polygon (star, G_N_ELEMENTS (star), rule, 100, 100);
      check_polygon (ties, G_N_ELEMENTS (ties), rule, 60, 60);
      check_polygon (twice, G_N_ELEMENTS (twice), rule, 100, 100);
      for (int trial = 0; trial < 40; trial++)
        {
          /* Random lassos, self-crossing, partly outside the mask; every third on the
           * half-pixel grid. */
          PmPoint pts[24];
          gsize n = g_rand_int_range (rand, 3, 25);

          for (gsize i = 0; i < n; i++)
            {
              pts[i].x = g_rand_double_range (rand, -20, 140);
              pts[i].y = g_rand_double_range (rand, -20, 110);
              if (trial % 3 == 0)
                {
                  pts[i].x = floor (pts[i].x * 2) / 2;
                  pts[i].y = floor (pts[i].y * 2) / 2;
                }
            }
          check_polygon (pts, n, rule, 120, 90);
        }
    }

  /* And the two rules really differ on the star. */
  {
    g_autoptr(PmMask) a = pm_mask_new (100, 100);
    g_autoptr(PmMask) b = pm_mask_new (100, 100);

    pm_mask_fill_polygon (a, star, 5, PM_FILL_NONZERO, 1.0f, NULL);
    pm_mask_fill_polygon (b, star, 5, PM_FILL_EVEN_ODD, 1.0f, NULL);
    g_assert_cmpfloat (a->data[50 * 100 + 50], ==, 1.0f);
    g_assert_cmpfloat (b->data[50 * 100 + 50], ==, 0.0f);
  }
}

static void
test_polygon_rect_and_remove (void)
{
  g_autoptr(PmMask) mask = pm_mask_new (30, 20);
  const PmPoint rect[] = { { 2, 3 }, { 10, 3 }, { 10, 8 }, { 2, 8 } };
  const PmPoint line[] = { { 2, 3 }, { 10, 3 } };
  PmRect dirty;

  g_assert_true (pm_mask_fill_polygon (mask, rect, 4, PM_FILL_NONZERO, 1.0f, &dirty));
  g_assert_cmpint (pm_mask_count (mask), ==, 8 * 5);
  g_assert_cmpint (dirty.x, ==, 2);
  g_assert_cmpint (dirty.y, ==, 3);
  g_assert_cmpint (dirty.width, ==, 8);
  g_assert_cmpint (dirty.height, ==, 5);
  /* Filling again changes nothing; removing clears exactly it. */
  g_assert_false (pm_mask_fill_polygon (mask, rect, 4, PM_FILL_EVEN_ODD, 1.0f, NULL));
  g_assert_true (pm_mask_fill_polygon (mask, rect, 4, PM_FILL_EVEN_ODD, 0.0f, NULL));
  g_assert_cmpint (pm_mask_count (mask), ==, 0);
  /* Fewer than three points fill nothing. */
  g_assert_false (pm_mask_fill_polygon (mask, line, 2, PM_FILL_NONZERO, 1.0f, &dirty));
  g_assert_true (pm_rect_is_empty (&dirty));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/mask-paint/fast-stroke-covers", test_fast_stroke_covers);
  g_test_add_func ("/core/mask-paint/thin-line-connected", test_thin_line_connected);
  g_test_add_func ("/core/mask-paint/soft-edge", test_soft_edge);
  g_test_add_func ("/core/mask-paint/eraser", test_eraser);
  g_test_add_func ("/core/mask-paint/outside", test_outside);
  g_test_add_func ("/core/mask-paint/polygon-reference", test_polygon_reference);
  g_test_add_func ("/core/mask-paint/polygon-rect-and-remove", test_polygon_rect_and_remove);
  return g_test_run ();
}
