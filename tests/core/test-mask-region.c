/* test-mask-region.c: rectangles, crop, paste and mask differences.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-mask-region.h"

static PmMask *
ramp_mask (int w,
           int h)
{
  PmMask *m = pm_mask_new (w, h);

  for (int i = 0; i < w * h; i++)
    m->data[i] = (float) i / (w * h);
  return m;
}

static void
test_rects (void)
{
  PmRect a = { 2, 3, 4, 5 }, b = { 5, 1, 10, 3 }, empty = { 7, 7, 0, 3 }, out;

  g_assert_false (pm_rect_is_empty (&a));
  g_assert_true (pm_rect_is_empty (&empty));
  g_assert_true (pm_rect_is_empty (NULL));

  pm_rect_union (&a, &b, &out);
  g_assert_cmpint (out.x, ==, 2);
  g_assert_cmpint (out.y, ==, 1);
  g_assert_cmpint (out.width, ==, 13);
  g_assert_cmpint (out.height, ==, 7);
  pm_rect_union (&empty, &b, &out);
  g_assert_cmpmem (&out, sizeof out, &b, sizeof b);
  pm_rect_union (&a, &empty, &out);
  g_assert_cmpmem (&out, sizeof out, &a, sizeof a);

  g_assert_true (pm_rect_intersect (&a, &b, &out));
  g_assert_cmpint (out.x, ==, 5);
  g_assert_cmpint (out.y, ==, 3);
  g_assert_cmpint (out.width, ==, 1);
  g_assert_cmpint (out.height, ==, 1);
  b.x = 6;
  g_assert_false (pm_rect_intersect (&a, &b, &out));
  g_assert_true (pm_rect_is_empty (&out));

  out = (PmRect) { -3, -2, 10, 10 };
  g_assert_true (pm_rect_clip (&out, 5, 20));
  g_assert_cmpint (out.x, ==, 0);
  g_assert_cmpint (out.y, ==, 0);
  g_assert_cmpint (out.width, ==, 5);
  g_assert_cmpint (out.height, ==, 8);
  out = (PmRect) { 30, 0, 10, 10 };
  g_assert_false (pm_rect_clip (&out, 5, 20));
}

static void
test_crop_paste (void)
{
  g_autoptr(PmMask) m = ramp_mask (9, 7);
  g_autoptr(PmMask) orig = pm_mask_copy (m);
  PmRect r = { 2, 1, 4, 3 };
  g_autoptr(PmMask) crop = pm_mask_crop (m, &r);
  g_autoptr(PmMask) ones = pm_mask_new (4, 3);
  PmRect diff;

  g_assert_cmpint (crop->width, ==, 4);
  g_assert_cmpint (crop->height, ==, 3);
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 4; x++)
      g_assert_cmpfloat (crop->data[y * 4 + x], ==, m->data[(y + 1) * 9 + x + 2]);

  /* Paste a patch of ones: exactly that rect changes, and pasting the crop undoes it. */
  for (int i = 0; i < 12; i++)
    ones->data[i] = 1.0f;
  pm_mask_paste (m, ones, r.x, r.y);
  g_assert_true (pm_mask_diff_rect (m, orig, &diff));
  g_assert_cmpmem (&diff, sizeof diff, &r, sizeof r);
  pm_mask_paste (m, crop, r.x, r.y);
  g_assert_true (pm_mask_equal (m, orig));
  g_assert_false (pm_mask_diff_rect (m, orig, &diff));
  g_assert_true (pm_rect_is_empty (&diff));

  /* A patch hanging over the top-left and bottom-right corners is clipped. */
  pm_mask_paste (m, ones, -2, -1);
  g_assert_true (pm_mask_diff_rect (m, orig, &diff));
  g_assert_cmpint (diff.x, ==, 0);
  g_assert_cmpint (diff.y, ==, 0);
  g_assert_cmpint (diff.width, ==, 2);
  g_assert_cmpint (diff.height, ==, 2);
  g_assert_cmpfloat (m->data[0], ==, 1.0f);
  pm_mask_paste (m, orig, 0, 0);
  pm_mask_paste (m, ones, 7, 5);
  g_assert_true (pm_mask_diff_rect (m, orig, &diff));
  g_assert_cmpint (diff.x, ==, 7);
  g_assert_cmpint (diff.y, ==, 5);
  g_assert_cmpint (diff.width, ==, 2);
  g_assert_cmpint (diff.height, ==, 2);
  pm_mask_paste (m, ones, 20, 20);  /* entirely outside: nothing */
  g_assert_cmpint (diff.width, ==, 2);
}

static void
test_diff_single_pixels (void)
{
  g_autoptr(PmMask) a = pm_mask_new (50, 40);
  g_autoptr(PmMask) b = pm_mask_new (50, 40);
  g_autoptr(PmMask) c = pm_mask_new (50, 41);
  PmRect d;

  b->data[13 * 50 + 49] = 0.5f;
  b->data[39 * 50 + 3] = 1.0f;
  g_assert_true (pm_mask_diff_rect (a, b, &d));
  g_assert_cmpint (d.x, ==, 3);
  g_assert_cmpint (d.y, ==, 13);
  g_assert_cmpint (d.width, ==, 47);
  g_assert_cmpint (d.height, ==, 27);
  g_assert_false (pm_mask_equal (a, b));
  g_assert_false (pm_mask_equal (a, c));
  g_assert_true (pm_mask_equal (NULL, NULL));
  g_assert_false (pm_mask_equal (a, NULL));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/mask-region/rects", test_rects);
  g_test_add_func ("/core/mask-region/crop-paste", test_crop_paste);
  g_test_add_func ("/core/mask-region/diff", test_diff_single_pixels);
  return g_test_run ();
}
