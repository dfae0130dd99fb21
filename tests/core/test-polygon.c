/* test-polygon.c: tests of pm-polygon.c: outlines, their simplification, filling polygons at
 * pixel centres, and bounding boxes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "pm-metrics.h"
#include "pm-polygon.h"
#include "pm-test-util.h"

static PmMask *
mask_from (int         width,
           int         height,
           const char *cells)   /* row-major '.'/'#' */
{
  PmMask *mask = pm_mask_new (width, height);

  g_assert_cmpuint (strlen (cells), ==, (gsize) width * height);
  for (int i = 0; i < width * height; i++)
    mask->data[i] = cells[i] == '#' ? 1.0f : 0.0f;
  return mask;
}

/* Blobs and specks: random discs plus salt noise. */
static PmMask *
random_blobs (GRand *rand,
              int    width,
              int    height)
{
  PmMask *mask = pm_mask_new (width, height);
  int n = g_rand_int_range (rand, 1, 6);

  for (int k = 0; k < n; k++)
    {
      double cx = g_rand_double_range (rand, 0, width);
      double cy = g_rand_double_range (rand, 0, height);
      double r = g_rand_double_range (rand, 1, width / 3.0);
      gboolean hole = g_rand_boolean (rand);

      for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
          {
            double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
            if (d2 <= r * r)
              mask->data[y * width + x] = hole && d2 < r * r / 9 ? 0.0f : 1.0f;
          }
    }
  for (int i = 0; i < width * height; i++)
    if (g_rand_double (rand) < 0.02)
      mask->data[i] = 1.0f - mask->data[i];
  return mask;
}

/* @mask with every background pixel that cannot reach the border through background
 * (8-connected) set: what the outer outlines of its 4-connected regions enclose. */
static PmMask *
reference_filled (const PmMask *mask)
{
  int w = mask->width, h = mask->height;
  PmMask *out = pm_mask_copy (mask);
  g_autofree guint8 *outside = g_new0 (guint8, (gsize) w * h);
  g_autoptr(GArray) queue = g_array_new (FALSE, FALSE, sizeof (int));

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if ((x == 0 || y == 0 || x == w - 1 || y == h - 1) && mask->data[y * w + x] < 0.5f)
        {
          int i = y * w + x;
          outside[i] = 1;
          g_array_append_val (queue, i);
        }
  for (guint q = 0; q < queue->len; q++)
    {
      int i = g_array_index (queue, int, q), x = i % w, y = i / w;

      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
          {
            int nx = x + dx, ny = y + dy, j = ny * w + nx;

            if (nx < 0 || ny < 0 || nx >= w || ny >= h || outside[j] ||
                mask->data[j] > 0.5f)
              continue;
            outside[j] = 1;
            g_array_append_val (queue, j);
          }
    }
  for (int i = 0; i < w * h; i++)
    if (!outside[i])
      out->data[i] = 1.0f;
  return out;
}

static void
assert_masks_equal (const PmMask *a,
                    const PmMask *b)
{
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  for (int i = 0; i < a->width * a->height; i++)
    if ((a->data[i] > 0.5f) != (b->data[i] > 0.5f))
      g_error ("masks differ at (%d, %d)", i % a->width, i / a->width);
}

static PmPolygon *
polygon_from (guint         n,
              const double *xy)
{
  PmPolygon *polygon = pm_polygon_new (n);

  memcpy (polygon->xy, xy, sizeof (double) * 2 * n);
  return polygon;
}

/* ---------------------------------------------------------------- outlines */

static void
test_outline_shapes (void)
{
  /* Two squares touching at a corner are two regions; the ring's hole is not an outline. */
  g_autoptr(PmMask) mask = mask_from (7, 5,
                                      "##....."
                                      "##....."
                                      "..#####"
                                      "..#.#.#"
                                      "..#####");
  g_autoptr(GPtrArray) outlines = pm_mask_trace_outlines (mask, 0.0);
  const double ring[] = { 2, 2, 7, 2, 7, 5, 2, 5 };
  const double square[] = { 0, 0, 2, 0, 2, 2, 0, 2 };
  PmPolygon *first, *second;

  g_assert_cmpuint (outlines->len, ==, 2);
  first = outlines->pdata[0];
  second = outlines->pdata[1];
  /* Largest first, corners only, clockwise on screen from the top-left corner. */
  g_assert_cmpuint (first->n_points, ==, 4);
  g_assert_cmpmem (first->xy, sizeof ring, ring, sizeof ring);
  g_assert_cmpfloat (pm_polygon_area2 (first), ==, 30.0);
  g_assert_cmpuint (second->n_points, ==, 4);
  g_assert_cmpmem (second->xy, sizeof square, square, sizeof square);

  {
    g_autoptr(PmMask) empty = pm_mask_new (5, 5);
    g_autoptr(GPtrArray) none = pm_mask_trace_outlines (empty, 0.0);
    g_assert_cmpuint (none->len, ==, 0);
  }
  {
    /* An L and a C whose tips touch diagonally, the full frame included. */
    g_autoptr(PmMask) c = mask_from (5, 5,
                                     "#####"
                                     "#...."
                                     "#..#."
                                     "#...#"
                                     "#####");
    g_autoptr(GPtrArray) loops = pm_mask_trace_outlines (c, 0.0);
    g_autoptr(PmMask) filled = pm_mask_from_polygons (5, 5, (PmPolygon **) loops->pdata,
                                                      loops->len);
    g_autoptr(PmMask) expected = reference_filled (c);

    assert_masks_equal (filled, expected);
  }
}

/* Without simplification, filling the outlines gives the mask back with its holes filled,
 * pixel for pixel, on random masks. */
static void
test_outline_roundtrip (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (2024);

  for (int round = 0; round < 60; round++)
    {
      int w = g_rand_int_range (rand, 1, 90), h = g_rand_int_range (rand, 1, 70);
      g_autoptr(PmMask) mask = random_blobs (rand, w, h);
      g_autoptr(GPtrArray) outlines = pm_mask_trace_outlines (mask, 0.0);
      g_autoptr(PmMask) filled = pm_mask_from_polygons (w, h, (PmPolygon **) outlines->pdata,
                                                        outlines->len);
      g_autoptr(PmMask) expected = reference_filled (mask);

      for (guint i = 0; i < outlines->len; i++)
        g_assert_cmpfloat (pm_polygon_area2 (outlines->pdata[i]), >, 0.0);
      assert_masks_equal (filled, expected);
    }
}

/* Simplifying a large disc's staircase outline keeps few vertices and the same pixels to
 * within a thin band. */
static void
test_outline_simplify (void)
{
  const double tolerances[] = { 0.5, 1.0 };
  /* Measured: 466 corners of 564 and IoU 1.0 at 0.5 px; 72 and IoU 0.9968 at 1 px. */
  const double min_iou[] = { 0.9999, 0.996 };
  const guint max_points[] = { 480, 80 };
  g_autoptr(PmMask) disc = pm_mask_new (400, 300);
  guint exact_points;

  for (int y = 0; y < 300; y++)
    for (int x = 0; x < 400; x++)
      disc->data[y * 400 + x] = hypot (x + 0.5 - 210, y + 0.5 - 140) < 120 ? 1.0f : 0.0f;
  {
    g_autoptr(GPtrArray) exact = pm_mask_trace_outlines (disc, 0.0);
    exact_points = ((PmPolygon *) exact->pdata[0])->n_points;
  }
  for (guint t = 0; t < G_N_ELEMENTS (tolerances); t++)
    {
      g_autoptr(GPtrArray) outlines = pm_mask_trace_outlines (disc, tolerances[t]);
      g_autoptr(PmMask) filled = NULL;
      PmPolygon *p;
      double iou;

      g_assert_cmpuint (outlines->len, ==, 1);
      p = outlines->pdata[0];
      filled = pm_mask_from_polygons (400, 300, &p, 1);
      iou = pm_mask_iou (filled, disc, NULL, NULL);
      g_test_message ("tolerance %.1f: %u of %u corners kept, IoU %.5f", tolerances[t],
                      p->n_points, exact_points, iou);
      g_assert_cmpuint (p->n_points, <=, max_points[t]);
      g_assert_cmpuint (p->n_points, >=, 16);
      g_assert_cmpfloat (iou, >=, min_iou[t]);
    }
}

/* ----------------------------------------------------------------- filling */

/* Even-odd point-in-polygon, the textbook way, for the reference. */
static gboolean
inside (const PmPolygon *p,
        double           x,
        double           y)
{
  gboolean in = FALSE;

  for (guint i = 0, j = p->n_points - 1; i < p->n_points; j = i++)
    {
      double xi = p->xy[2 * i], yi = p->xy[2 * i + 1];
      double xj = p->xy[2 * j], yj = p->xy[2 * j + 1];

      if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
        in = !in;
    }
  return in;
}

static void
test_fill_reference (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (99);

  for (int round = 0; round < 40; round++)
    {
      guint n = (guint) g_rand_int_range (rand, 3, 12);
      g_autoptr(PmPolygon) p = pm_polygon_new (n);
      g_autoptr(PmMask) mask = NULL;
      int mismatches = 0;

      /* Off-grid vertices (so no centre lies on an edge), some outside the mask. */
      for (guint i = 0; i < 2 * n; i++)
        p->xy[i] = g_rand_double_range (rand, -10, 60) + 0.123;
      mask = pm_mask_from_polygons (50, 40, &p, 1);
      for (int y = 0; y < 40; y++)
        for (int x = 0; x < 50; x++)
          mismatches += (mask->data[y * 50 + x] > 0.5f) != inside (p, x + 0.5, y + 0.5);
      g_assert_cmpint (mismatches, ==, 0);
    }
}

static void
test_fill_cases (void)
{
  const double rect[] = { 1.2, 0.8, 4.6, 0.8, 4.6, 3.2, 1.2, 3.2 };
  const double far_away[] = { 100, 100, 200, 100, 150, 200 };
  const double nan_poly[] = { 0, 0, NAN, 0, 3, 3 };
  const double two[] = { 0, 0, 5, 5 };
  g_autoptr(PmPolygon) r = polygon_from (4, rect);
  g_autoptr(PmPolygon) f = polygon_from (3, far_away);
  g_autoptr(PmPolygon) bad = polygon_from (3, nan_poly);
  g_autoptr(PmPolygon) line = polygon_from (2, two);
  PmPolygon *all[] = { r, f, bad, line };
  g_autoptr(PmMask) mask = pm_mask_from_polygons (6, 4, all, G_N_ELEMENTS (all));
  /* Centres x + 0.5 in [1.2, 4.6): columns 1..4; y + 0.5 in [0.8, 3.2): rows 1..2. */
  g_autoptr(PmMask) expected = mask_from (6, 4,
                                          "......"
                                          ".####."
                                          ".####."
                                          "......");
  assert_masks_equal (mask, expected);
}

static void
test_bbox (void)
{
  g_autoptr(PmMask) mask = mask_from (6, 4,
                                      "......"
                                      "..#..."
                                      "....#."
                                      "...#..");
  g_autoptr(PmMask) empty = pm_mask_new (3, 3);
  int bbox[4];
  gint64 area = -1;

  pm_mask_bbox (mask, bbox, &area);
  g_assert_cmpint (bbox[0], ==, 2);
  g_assert_cmpint (bbox[1], ==, 1);
  g_assert_cmpint (bbox[2], ==, 3);
  g_assert_cmpint (bbox[3], ==, 3);
  g_assert_cmpint (area, ==, 3);
  pm_mask_bbox (empty, bbox, &area);
  g_assert_cmpint (bbox[0] | bbox[1] | bbox[2] | bbox[3], ==, 0);
  g_assert_cmpint (area, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/polygon/outline-shapes", test_outline_shapes);
  g_test_add_func ("/core/polygon/outline-roundtrip", test_outline_roundtrip);
  g_test_add_func ("/core/polygon/outline-simplify", test_outline_simplify);
  g_test_add_func ("/core/polygon/fill-reference", test_fill_reference);
  g_test_add_func ("/core/polygon/fill-cases", test_fill_cases);
  g_test_add_func ("/core/polygon/bbox", test_bbox);
  return g_test_run ();
}
