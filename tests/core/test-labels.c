/* test-labels.c: tests of label maps and of making items' soft masks exclusive
 * (pm-labels.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-labels.h"
#include "pm-maskio.h"
#include "pm-test-util.h"

/* Label maps as 8-bit PNGs: the samples are the labels. */
static void
test_labels_png (void)
{
  g_autoptr(PmLabels) labels = pm_labels_new (5, 3);
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "labels.png", NULL);
  g_autoptr(PmMask) two = NULL;
  g_autoptr(PmMask) back = NULL;
  GError *error = NULL;

  labels->data[1] = 1;
  labels->data[7] = 2;
  labels->data[8] = 2;
  labels->data[14] = 200;
  g_assert_true (pm_labels_save_png (labels, path, &error));
  g_assert_no_error (error);
  two = pm_mask_load_labels (path, "2", &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_mask_count (two), ==, 2);
  g_assert_cmpfloat (two->data[7], ==, 1.0f);
  back = pm_mask_load_labels (path, "200", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (back->data[14], ==, 1.0f);
  g_assert_cmpint (pm_labels_count (labels, 2), ==, 2);
  pm_test_rmdir (dir);
}

/* Rectangles [x0, x1) × [y0, y1) at @value on a @w × @h mask. */
static PmMask *
rect_mask (int   w,
           int   h,
           int   x0,
           int   x1,
           float value)
{
  PmMask *m = pm_mask_new (w, h);

  for (int y = 0; y < h; y++)
    for (int x = x0; x < x1; x++)
      m->data[(gsize) y * w + x] = value;
  return m;
}

/* An overlap goes whole to the item with the higher mean alpha there; a found item beats a
 * guessed one whatever its alpha; soft edges go pixel by pixel. */
static void
test_exclusive (void)
{
  int w = 20, h = 4;
  PmMask *m[3];
  int ranks[3] = { 0, 0, 0 };

  /* a: 0.9 on x 0..11; b: 0.7 on x 8..19 → the overlap 8..11 is a's. */
  m[0] = rect_mask (w, h, 0, 12, 0.9f);
  m[1] = rect_mask (w, h, 8, 20, 0.7f);
  pm_masks_make_exclusive (m, ranks, 2);
  g_assert_cmpfloat (m[0]->data[10], ==, 0.9f);
  g_assert_cmpfloat (m[1]->data[10], ==, 0.0f);
  g_assert_cmpfloat (m[1]->data[12], ==, 0.7f);
  g_assert_cmpfloat (m[0]->data[12], ==, 0.0f);

  /* … unless b was found and a only guessed. */
  for (int i = 0; i < 2; i++)
    pm_mask_free (m[i]);
  m[0] = rect_mask (w, h, 0, 12, 0.9f);
  m[1] = rect_mask (w, h, 8, 20, 0.7f);
  ranks[1] = 1;
  pm_masks_make_exclusive (m, ranks, 2);
  g_assert_cmpfloat (m[0]->data[10], ==, 0.0f);
  g_assert_cmpfloat (m[1]->data[10], ==, 0.7f);
  g_assert_cmpfloat (m[0]->data[7], ==, 0.9f);

  /* Soft edges (both under 0.5): the higher alpha keeps the pixel; ties to the first. */
  for (int i = 0; i < 2; i++)
    pm_mask_free (m[i]);
  m[0] = rect_mask (w, h, 0, 10, 0.3f);
  m[1] = rect_mask (w, h, 5, 20, 0.4f);
  m[2] = rect_mask (w, h, 0, 3, 0.3f);
  pm_masks_make_exclusive (m, NULL, 3);
  g_assert_cmpfloat (m[0]->data[6], ==, 0.0f);
  g_assert_cmpfloat (m[1]->data[6], ==, 0.4f);
  g_assert_cmpfloat (m[0]->data[1], ==, 0.3f);
  g_assert_cmpfloat (m[2]->data[1], ==, 0.0f);
  for (gsize p = 0; p < (gsize) w * h; p++)
    g_assert_cmpint ((m[0]->data[p] > 0) + (m[1]->data[p] > 0) + (m[2]->data[p] > 0), <=, 1);
  for (int i = 0; i < 3; i++)
    pm_mask_free (m[i]);
}

static void
test_masks (void)
{
  g_autoptr(PmLabels) labels = pm_labels_new (4, 2);
  g_autoptr(PmMask) m = pm_mask_new (4, 2);
  g_autoptr(PmMask) back = NULL;
  g_autoptr(PmLabels) copy = NULL;

  m->data[1] = 1.0f;
  m->data[6] = 0.7f;
  m->data[7] = 0.2f;
  pm_labels_set_mask (labels, m, 3);
  g_assert_cmpint (pm_labels_count (labels, 3), ==, 2);
  g_assert_cmpint (pm_labels_count (labels, 0), ==, 6);
  back = pm_labels_get_mask (labels, 3);
  g_assert_cmpfloat (back->data[6], ==, 1.0f);
  g_assert_cmpfloat (back->data[7], ==, 0.0f);
  copy = pm_labels_copy (labels);
  g_assert_cmpmem (copy->data, 8, labels->data, 8);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/labels/png", test_labels_png);
  g_test_add_func ("/core/labels/masks", test_masks);
  g_test_add_func ("/core/labels/exclusive", test_exclusive);
  return g_test_run ();
}
