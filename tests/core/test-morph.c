/* test-morph.c: binary morphology on small hand-made masks with exact expected results.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-morph.h"

#include <string.h>

/* Builds a mask from rows of '#' (1) and '.' (0). */
static PmMask *
mask_from_rows (const char * const *rows)
{
  int h = 0, w = (int) strlen (rows[0]);
  PmMask *m;

  while (rows[h] != NULL)
    h++;
  m = pm_mask_new (w, h);
  for (int y = 0; y < h; y++)
    {
      g_assert_cmpint ((int) strlen (rows[y]), ==, w);
      for (int x = 0; x < w; x++)
        m->data[y * w + x] = rows[y][x] == '#' ? 1.0f : 0.0f;
    }
  return m;
}

static void
assert_mask_rows (const PmMask       *m,
                  const char * const *rows)
{
  g_autoptr(PmMask) expected = mask_from_rows (rows);
  GString *got = g_string_new (NULL);
  gboolean same = TRUE;

  g_assert_cmpint (m->width, ==, expected->width);
  g_assert_cmpint (m->height, ==, expected->height);
  for (int y = 0; y < m->height; y++)
    {
      for (int x = 0; x < m->width; x++)
        {
          float v = m->data[y * m->width + x];
          g_assert_true (v == 0.0f || v == 1.0f);
          g_string_append_c (got, v > 0.5f ? '#' : '.');
          if (v != expected->data[y * m->width + x])
            same = FALSE;
        }
      g_string_append_c (got, '\n');
    }
  if (!same)
    g_test_message ("got:\n%s", got->str);
  g_string_free (got, TRUE);
  g_assert_true (same);
}

static void
test_dilate_point (void)
{
  const char *in[] = { ".......", ".......", ".......", "...#...", ".......", ".......",
                       ".......", NULL };
  const char *r1[] = { ".......", ".......", "...#...", "..###..", "...#...", ".......",
                       ".......", NULL };
  const char *r2[] = { ".......", "...#...", "..###..", ".#####.", "..###..", "...#...",
                       ".......", NULL };
  const char *r3[] = { "...#...", ".#####.", ".#####.", "#######", ".#####.", ".#####.",
                       "...#...", NULL };
  g_autoptr(PmMask) m = mask_from_rows (in);

  pm_morph_dilate (m, 1);
  assert_mask_rows (m, r1);
  g_clear_pointer (&m, pm_mask_free);
  m = mask_from_rows (in);
  pm_morph_dilate (m, 2);
  assert_mask_rows (m, r2);
  g_clear_pointer (&m, pm_mask_free);
  m = mask_from_rows (in);
  pm_morph_dilate (m, 3);
  assert_mask_rows (m, r3);
  g_assert_cmpint (pm_mask_count (m), ==, 29);
}

static void
test_dilate_empty_and_zero (void)
{
  const char *in[] = { "....", "....", NULL };
  const char *one[] = { "....", ".#..", NULL };
  g_autoptr(PmMask) m = mask_from_rows (in);

  pm_morph_dilate (m, 100);
  assert_mask_rows (m, in);
  pm_mask_free (m);
  m = mask_from_rows (one);
  pm_morph_dilate (m, 0);
  assert_mask_rows (m, one);
  pm_morph_erode (m, 0);
  assert_mask_rows (m, one);
  pm_morph_dilate (m, 1000);
  g_assert_cmpint (pm_mask_count (m), ==, 8);
}

static void
test_erode (void)
{
  const char *in[] = { "#######", "#######", "#######", "#######", "###.###", "#######",
                       NULL };
  /* The border does not erode; the hole at (3,4) eats its radius-1 cross. */
  const char *r1[] = { "#######", "#######", "#######", "###.###", "##...##", "###.###",
                       NULL };
  const char *r2[] = { "#######", "#######", "###.###", "##...##", "#.....#", "##...##",
                       NULL };
  g_autoptr(PmMask) m = mask_from_rows (in);

  pm_morph_erode (m, 1);
  assert_mask_rows (m, r1);
  g_clear_pointer (&m, pm_mask_free);
  m = mask_from_rows (in);
  pm_morph_erode (m, 2);
  assert_mask_rows (m, r2);
}

static void
test_open_close (void)
{
  const char *in[] = { "..........", ".####.....", ".####...#.", ".####.....", ".####.....",
                       "..........", NULL };
  const char *opened[] = { "..........", "..##......", ".####.....", ".####.....", "..##......",
                           "..........", NULL };
  const char *gap[] = { "...........", "...........", "..###.###..", "..###.###..",
                        "..###.###..", "...........", "...........", NULL };
  /* A one-pixel gap between two squares: closing bridges it except at its two ends,
   * where the disk reaches background beyond the squares' edges. */
  const char *closed[] = { "...........", "...........", "..###.###..", "..#######..",
                           "..###.###..", "...........", "...........", NULL };
  const char *wide[] = { ".........", ".........", "..#####..", "..#####..", "..##.##..",
                         "..#####..", "..#####..", ".........", ".........", NULL };
  const char *wide_closed[] = { ".........", ".........", "..#####..", "..#####..", "..#####..",
                                "..#####..", "..#####..", ".........", ".........", NULL };
  g_autoptr(PmMask) m = mask_from_rows (in);

  pm_morph_open (m, 1);
  assert_mask_rows (m, opened);
  pm_mask_free (m);
  m = mask_from_rows (gap);
  pm_morph_close (m, 1);
  assert_mask_rows (m, closed);
  pm_mask_free (m);
  m = mask_from_rows (wide);
  pm_morph_close (m, 1);
  assert_mask_rows (m, wide_closed);
}

static void
test_fill_holes (void)
{
  const char *in[] = { "#####....", "#...#....", "#.#.#..#.", "#...#.#.#", "#####..#.",
                       "......#.#", ".....#..#", NULL };
  /* The ring's inside is filled; the diamond's centre (7,3) is enclosed by a diagonal
   * (8-connected) ring and filled too; the open shape at the bottom right is not. */
  const char *out[] = { "#####....", "#####....", "#####..#.", "#####.###", "#####..#.",
                        "......#.#", ".....#..#", NULL };
  g_autoptr(PmMask) m = mask_from_rows (in);

  pm_morph_fill_holes (m);
  assert_mask_rows (m, out);
}

static void
test_remove_small (void)
{
  const char *in[] = { "##....#", "##.....", "...#...", "....#..", "#......", NULL };
  const char *min2[] = { "##.....", "##.....", "...#...", "....#..", ".......", NULL };
  const char *min3[] = { "##.....", "##.....", ".......", ".......", ".......", NULL };
  g_autoptr(PmMask) m = mask_from_rows (in);

  pm_morph_remove_small (m, 2);
  assert_mask_rows (m, min2);
  pm_morph_remove_small (m, 3);
  assert_mask_rows (m, min3);
}

static void
test_large_radius_matches_naive (void)
{
  /* A random mask: compare the distance-transform dilation/erosion with a naive disk loop. */
  int w = 37, h = 23;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(PmMask) m = pm_mask_new (w, h);

  for (int i = 0; i < w * h; i++)
    m->data[i] = g_rand_int_range (rand, 0, 100) < 8 ? 1.0f : 0.0f;
  for (int r = 1; r <= 6; r++)
    for (int erode = 0; erode <= 1; erode++)
      {
        g_autoptr(PmMask) out = pm_mask_copy (m);
        if (erode)
          pm_morph_erode (out, r);
        else
          pm_morph_dilate (out, r);
        for (int y = 0; y < h; y++)
          for (int x = 0; x < w; x++)
            {
              gboolean hit = FALSE;
              for (int dy = -r; dy <= r && !hit; dy++)
                for (int dx = -r; dx <= r && !hit; dx++)
                  {
                    int xx = x + dx, yy = y + dy;
                    if (dx * dx + dy * dy > r * r || xx < 0 || yy < 0 || xx >= w || yy >= h)
                      continue;
                    if ((m->data[yy * w + xx] > 0.5f) != erode)
                      hit = TRUE;
                  }
              g_assert_cmpfloat (out->data[y * w + x], ==, (hit != erode) ? 1.0f : 0.0f);
            }
      }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/morph/dilate-point", test_dilate_point);
  g_test_add_func ("/core/morph/dilate-empty-zero", test_dilate_empty_and_zero);
  g_test_add_func ("/core/morph/erode", test_erode);
  g_test_add_func ("/core/morph/open-close", test_open_close);
  g_test_add_func ("/core/morph/fill-holes", test_fill_holes);
  g_test_add_func ("/core/morph/remove-small", test_remove_small);
  g_test_add_func ("/core/morph/matches-naive", test_large_radius_matches_naive);
  return g_test_run ();
}
