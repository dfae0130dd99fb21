/* test-components.c: 8-connected labelling, statistics and picking on hand-made masks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-morph.h"
#include "pm-derive-private.h"

#include <string.h>

static PmMask *
mask_from_rows (const char * const *rows)
{
  int h = 0, w = (int) strlen (rows[0]);
  PmMask *m;

  while (rows[h] != NULL)
    h++;
  m = pm_mask_new (w, h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      m->data[y * w + x] = rows[y][x] == '#' ? 1.0f : 0.0f;
  return m;
}

static void
test_label (void)
{
  /* A U shape whose arms meet only at the bottom (union-find must merge labels 1 and 2),
   * a diagonal chain (8-connected), and a single pixel. */
  const char *rows[] = {
    "#.#....#",
    "#.#...#.",
    "###..#..",
    "........",
    "......#.",
    NULL };
  const int expected[] = {
    1, 0, 1, 0, 0, 0, 0, 2,
    1, 0, 1, 0, 0, 0, 2, 0,
    1, 1, 1, 0, 0, 2, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 3, 0,
  };
  g_autoptr(PmMask) m = mask_from_rows (rows);
  g_autoptr(PmComponents) c = pm_components_label (m);

  g_assert_cmpint (c->n, ==, 3);
  g_assert_cmpint (c->width, ==, 8);
  g_assert_cmpint (c->height, ==, 5);
  for (int i = 0; i < 40; i++)
    g_assert_cmpint (c->labels[i], ==, expected[i]);

  g_assert_cmpint (c->components[0].label, ==, 1);
  g_assert_cmpint (c->components[0].area, ==, 7);
  g_assert_cmpint (c->components[0].x0, ==, 0);
  g_assert_cmpint (c->components[0].y0, ==, 0);
  g_assert_cmpint (c->components[0].x1, ==, 2);
  g_assert_cmpint (c->components[0].y1, ==, 2);
  /* x: 0,2,0,2,0,1,2 → 7/7 = 1; y: 0,0,1,1,2,2,2 → 8/7 */
  g_assert_cmpfloat_with_epsilon (c->components[0].cx, 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (c->components[0].cy, 8.0 / 7.0, 1e-12);

  g_assert_cmpint (c->components[1].area, ==, 3);
  g_assert_cmpint (c->components[1].x0, ==, 5);
  g_assert_cmpint (c->components[1].x1, ==, 7);
  g_assert_cmpint (c->components[1].y0, ==, 0);
  g_assert_cmpint (c->components[1].y1, ==, 2);
  g_assert_cmpfloat_with_epsilon (c->components[1].cx, 6.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (c->components[1].cy, 1.0, 1e-12);

  g_assert_cmpint (c->components[2].area, ==, 1);
  g_assert_cmpfloat_with_epsilon (c->components[2].cx, 6.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (c->components[2].cy, 4.0, 1e-12);
}

static void
test_label_spiral (void)
{
  /* Many provisional labels merging late: a comb whose teeth join at the bottom. */
  const char *rows[] = {
    "#.#.#.#.#.#",
    "#.#.#.#.#.#",
    "###########",
    NULL };
  g_autoptr(PmMask) m = mask_from_rows (rows);
  g_autoptr(PmComponents) c = pm_components_label (m);

  g_assert_cmpint (c->n, ==, 1);
  g_assert_cmpint (c->components[0].area, ==, 23);
  for (int i = 0; i < 33; i++)
    g_assert_cmpint (c->labels[i], ==, rows[i / 11][i % 11] == '#' ? 1 : 0);
}

static void
test_label_empty (void)
{
  g_autoptr(PmMask) m = pm_mask_new (4, 3);
  g_autoptr(PmComponents) c = pm_components_label (m);
  g_autoptr(PmMask) e = NULL;

  g_assert_cmpint (c->n, ==, 0);
  g_assert_cmpint (pm_components_pick (c, PM_POSITION_LEFT, 0, 0, 0), ==, -1);
  g_assert_cmpint (pm_components_pick (c, 0, 2, PM_POSITION_LEFT, 0), ==, -1);
  e = pm_components_extract (c, 0);
  g_assert_cmpint (pm_mask_count (e), ==, 0);
}

/* Scene for picking (20 × 10):
 *   A: 4×3 block at x 1..4, y 1..3 (area 12, centroid (2.5, 2))
 *   B: 5×5 block at x 8..12, y 4..8 (area 25, centroid (10, 6))
 *   C: 2×2 block at x 16..17, y 1..2 (area 4, centroid (16.5, 1.5))
 *   D: speck at (19, 9) (area 1 < 5% of 25 → ignored by every rule)
 */
static PmComponents *
pick_scene (void)
{
  const char *rows[] = {
    "....................",
    ".####...........##..",
    ".####...........##..",
    ".####...............",
    "........#####.......",
    "........#####.......",
    "........#####.......",
    "........#####.......",
    "........#####.......",
    "...................#",
    NULL };
  g_autoptr(PmMask) m = mask_from_rows (rows);
  PmComponents *c = pm_components_label (m);

  g_assert_cmpint (c->n, ==, 4);
  g_assert_cmpint (c->components[0].area, ==, 12);  /* A */
  g_assert_cmpint (c->components[1].area, ==, 4);   /* C (first pixel at y 1, x 16) */
  g_assert_cmpint (c->components[2].area, ==, 25);  /* B */
  g_assert_cmpint (c->components[3].area, ==, 1);   /* D */
  return c;
}

enum { A = 0, C = 1, B = 2, D = 3 };

static void
test_pick_default_and_rank (void)
{
  g_autoptr(PmComponents) c = pick_scene ();

  g_assert_cmpint (pm_components_pick (c, 0, 0, 0, 0), ==, B);
  g_assert_cmpint (pm_components_pick (c, 0, 0, 0, PM_SIZE_RANK_LARGEST), ==, B);
  /* The speck is not "the smallest": C is. */
  g_assert_cmpint (pm_components_pick (c, 0, 0, 0, PM_SIZE_RANK_SMALLEST), ==, C);
  /* Largest on the left half: B's centroid is just right of the middle, so A. */
  g_assert_cmpint (pm_components_pick (c, PM_POSITION_LEFT, 0, 0, PM_SIZE_RANK_LARGEST), ==, A);
  g_assert_cmpint (pm_components_pick (c, PM_POSITION_TOP, 0, 0, PM_SIZE_RANK_LARGEST), ==, A);
  g_assert_cmpint (pm_components_pick (c, PM_POSITION_TOP, 0, 0, PM_SIZE_RANK_SMALLEST), ==, C);
  g_assert_cmpint (pm_components_pick (c, PM_POSITION_BOTTOM, 0, 0, PM_SIZE_RANK_SMALLEST), ==, B);
}

static void
test_pick_position (void)
{
  g_autoptr(PmComponents) c = pick_scene ();

  g_assert_cmpint (pm_components_pick (c, PM_POSITION_LEFT, 0, 0, 0), ==, A);
  /* The speck D is furthest right, but too small to count. */
  g_assert_cmpint (pm_components_pick (c, PM_POSITION_RIGHT, 0, 0, 0), ==, C);
  g_assert_cmpint (pm_components_pick (c, PM_POSITION_BOTTOM, 0, 0, 0), ==, B);
  g_assert_cmpint (pm_components_pick (c, PM_POSITION_TOP_RIGHT, 0, 0, 0), ==, C);
  g_assert_cmpint (pm_components_pick (c, PM_POSITION_TOP_LEFT, 0, 0, 0), ==, A);
  g_assert_cmpint (pm_components_pick (c, PM_POSITION_BOTTOM_RIGHT, 0, 0, 0), ==, B);
  g_assert_cmpint (pm_components_pick (c, PM_POSITION_CENTER, 0, 0, 0), ==, B);
  /* TOP: A (t = 0.75 + 0.25·√(12/25) = 0.923) vs C (t = 0.8 + 0.25·√(4/25) = 0.9): C is
   * a little higher, but A is three times larger. */
  g_assert_cmpint (pm_components_pick (c, PM_POSITION_TOP, 0, 0, 0), ==, A);
}

static void
test_pick_ordinal (void)
{
  g_autoptr(PmComponents) c = pick_scene ();

  g_assert_cmpint (pm_components_pick (c, 0, 1, PM_POSITION_LEFT, 0), ==, A);
  g_assert_cmpint (pm_components_pick (c, 0, 2, PM_POSITION_LEFT, 0), ==, B);
  g_assert_cmpint (pm_components_pick (c, 0, 3, PM_POSITION_LEFT, 0), ==, C);
  g_assert_cmpint (pm_components_pick (c, 0, -1, PM_POSITION_LEFT, 0), ==, C);
  g_assert_cmpint (pm_components_pick (c, 0, 9, PM_POSITION_LEFT, 0), ==, C);
  g_assert_cmpint (pm_components_pick (c, 0, 1, PM_POSITION_RIGHT, 0), ==, C);
  g_assert_cmpint (pm_components_pick (c, 0, 2, PM_POSITION_RIGHT, 0), ==, B);
  g_assert_cmpint (pm_components_pick (c, 0, -1, PM_POSITION_RIGHT, 0), ==, A);
  g_assert_cmpint (pm_components_pick (c, 0, 1, PM_POSITION_TOP, 0), ==, C);
  g_assert_cmpint (pm_components_pick (c, 0, 2, PM_POSITION_TOP, 0), ==, A);
  g_assert_cmpint (pm_components_pick (c, 0, 1, PM_POSITION_BOTTOM, 0), ==, B);
  /* No side given: counted from the left. */
  g_assert_cmpint (pm_components_pick (c, 0, 2, PM_POSITION_NONE, 0), ==, B);
  /* Counting from the end: -2 is the second to last. */
  g_assert_cmpint (pm_components_pick (c, 0, -2, PM_POSITION_LEFT, 0), ==, B);
  g_assert_cmpint (pm_components_pick (c, 0, -3, PM_POSITION_LEFT, 0), ==, A);
  g_assert_cmpint (pm_components_pick (c, 0, -9, PM_POSITION_LEFT, 0), ==, A);
  /* An ordinal with a size rank and no side ranks by size: areas B 25, A 12, C 4. */
  g_assert_cmpint (pm_components_pick (c, 0, 1, PM_POSITION_NONE, PM_SIZE_RANK_LARGEST), ==, B);
  g_assert_cmpint (pm_components_pick (c, 0, 2, PM_POSITION_NONE, PM_SIZE_RANK_LARGEST), ==, A);
  g_assert_cmpint (pm_components_pick (c, 0, 2, PM_POSITION_NONE, PM_SIZE_RANK_SMALLEST), ==, A);
  g_assert_cmpint (pm_components_pick (c, 0, 1, PM_POSITION_NONE, PM_SIZE_RANK_SMALLEST), ==, C);
  /* Ordinal wins over the other qualifiers. */
  g_assert_cmpint (pm_components_pick (c, PM_POSITION_RIGHT, 1, PM_POSITION_LEFT,
                                       PM_SIZE_RANK_LARGEST), ==, A);
}

static void
test_extract (void)
{
  g_autoptr(PmComponents) c = pick_scene ();
  g_autoptr(PmMask) b = pm_components_extract (c, B);
  g_autoptr(PmMask) none = pm_components_extract (c, 7);

  g_assert_cmpint (b->width, ==, 20);
  g_assert_cmpint (b->height, ==, 10);
  g_assert_cmpint (pm_mask_count (b), ==, 25);
  for (int y = 0; y < 10; y++)
    for (int x = 0; x < 20; x++)
      {
        gboolean in = x >= 8 && x <= 12 && y >= 4 && y <= 8;
        g_assert_cmpfloat (b->data[y * 20 + x], ==, in ? 1.0f : 0.0f);
      }
  g_assert_cmpint (pm_mask_count (none), ==, 0);
}

/* Derivation's run-based labeller gives pm_components_label()'s partition (the same
 * labels: both number components in raster order of their first pixel), areas and
 * boxes, for both values, on random masks of several densities, blobs and one-pixel
 * rows and columns. */
static void
test_label_bytes (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  static const int sizes[][2] = { { 1, 1 }, { 1, 37 }, { 41, 1 }, { 64, 48 }, { 257, 129 } };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (int density = 1; density <= 9; density += 2)
      for (int value = 0; value <= 1; value++)
        {
          int w = sizes[s][0], h = sizes[s][1];
          g_autofree guint8 *bin = g_new (guint8, w * h);
          g_autoptr(PmMask) mask = pm_mask_new (w, h);
          g_autoptr(PmComponents) ref = NULL;
          g_autoptr(PmComponents) runs = NULL;

          for (int i = 0; i < w * h; i++)
            {
              bin[i] = g_rand_int_range (rand, 0, 10) < density;
              mask->data[i] = bin[i] == value;
            }
          ref = pm_components_label (mask);
          runs = pm_derive_label_bytes (bin, w, h, (guint8) value);
          g_assert_cmpint (runs->n, ==, ref->n);
          g_assert_cmpmem (runs->labels, sizeof (int) * w * h, ref->labels, sizeof (int) * w * h);
          for (int k = 0; k < ref->n; k++)
            {
              const PmComponent *a = &ref->components[k], *b = &runs->components[k];
              g_assert_cmpint (a->label, ==, b->label);
              g_assert_cmpint (a->area, ==, b->area);
              g_assert_true (a->x0 == b->x0 && a->y0 == b->y0 && a->x1 == b->x1 &&
                             a->y1 == b->y1);
            }
        }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/components/label", test_label);
  g_test_add_func ("/core/components/label-comb", test_label_spiral);
  g_test_add_func ("/core/components/label-empty", test_label_empty);
  g_test_add_func ("/core/components/label-bytes", test_label_bytes);
  g_test_add_func ("/core/components/pick-default-rank", test_pick_default_and_rank);
  g_test_add_func ("/core/components/pick-position", test_pick_position);
  g_test_add_func ("/core/components/pick-ordinal", test_pick_ordinal);
  g_test_add_func ("/core/components/extract", test_extract);
  return g_test_run ();
}
