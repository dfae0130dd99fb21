/* test-mask-ops.c: whole-mask corrections (src/core/pm-mask-ops.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "pm-mask-ops.h"
#include "pm-mask-paint.h"

static PmMask *
disk_mask (int    w,
           int    h,
           double cx,
           double cy,
           double r)
{
  PmMask *m = pm_mask_new (w, h);
  PmBrush brush;

  pm_brush_init (&brush, r);
  pm_mask_paint_segment (m, &brush, cx, cy, cx, cy, NULL);
  return m;
}

static gboolean
masks_equal (const PmMask *a,
             const PmMask *b)
{
  return a->width == b->width && a->height == b->height &&
         memcmp (a->data, b->data, sizeof (float) * a->width * a->height) == 0;
}

static gint64
count_diff (const PmMask *a,
            const PmMask *b)
{
  gint64 n = 0;

  for (gsize i = 0; i < (gsize) a->width * a->height; i++)
    n += (a->data[i] > 0.5f) != (b->data[i] > 0.5f);
  return n;
}

static void
apply (PmMask       *mask,
       PmMaskOpKind  kind,
       int           amount)
{
  g_autoptr(GError) error = NULL;
  PmMaskOp op = { kind, amount, { 0, 0, 0, 0 } };

  g_assert_true (pm_mask_op_apply (mask, &op, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
test_invert_clear (void)
{
  g_autoptr(PmMask) mask = pm_mask_new (40, 30);
  g_autoptr(PmMask) orig = NULL;
  PmBrush brush;

  pm_brush_init (&brush, 9);
  brush.hardness = 0.3;    /* soft values on the 8-bit levels */
  pm_mask_paint_segment (mask, &brush, 12, 14, 30, 15, NULL);
  orig = pm_mask_copy (mask);
  apply (mask, PM_MASK_OP_INVERT, 0);
  for (int i = 0; i < 40 * 30; i++)
    {
      g_assert_cmpfloat_with_epsilon (mask->data[i], 1.0f - orig->data[i], 1e-6);
      g_assert_cmpfloat (mask->data[i], ==, (float) lrintf (mask->data[i] * 255) / 255.0f);
    }
  apply (mask, PM_MASK_OP_INVERT, 0);
  g_assert_true (masks_equal (mask, orig));
  apply (mask, PM_MASK_OP_CLEAR, 0);
  g_assert_cmpint (pm_mask_count (mask), ==, 0);
  for (int i = 0; i < 40 * 30; i++)
    g_assert_cmpfloat (mask->data[i], ==, 0.0f);
}

static void
test_grow_shrink_convex (void)
{
  /* Closing a convex shape by a disk gives it back: grow then shrink restores it (when the
   * grown shape fits in the mask; see border-kept for what the frame does). */
  const int radii[] = { 1, 2, 3, 7, 15, 30 };
  const PmPoint hexagon[] = { { 70.3, 60.2 }, { 150.7, 52.9 }, { 200.1, 100.4 },
                              { 170.6, 160.8 }, { 90.2, 168.1 }, { 55.9, 120.5 } };

  for (guint i = 0; i < G_N_ELEMENTS (radii); i++)
    {
      g_autoptr(PmMask) disk = disk_mask (260, 220, 120.3, 111.7, 41.2);
      g_autoptr(PmMask) poly = pm_mask_new (260, 220);
      g_autoptr(PmMask) a = NULL;
      g_autoptr(PmMask) b = NULL;
      gint64 area;

      pm_mask_fill_polygon (poly, hexagon, G_N_ELEMENTS (hexagon), PM_FILL_NONZERO, 1.0f,
                            NULL);
      a = pm_mask_copy (disk);
      b = pm_mask_copy (poly);
      apply (a, PM_MASK_OP_GROW, radii[i]);
      area = pm_mask_count (a);
      /* Growing a disk of radius R by r gives about a disk of R + r. */
      g_assert_cmpfloat (fabs (area / (G_PI * pow (41.2 + radii[i], 2)) - 1), <, 0.02);
      apply (a, PM_MASK_OP_SHRINK, radii[i]);
      apply (b, PM_MASK_OP_GROW, radii[i]);
      apply (b, PM_MASK_OP_SHRINK, radii[i]);
      g_test_message ("radius %d: disk differs in %" G_GINT64_FORMAT ", hexagon in %"
                      G_GINT64_FORMAT " pixels", radii[i], count_diff (a, disk),
                      count_diff (b, poly));
      g_assert_true (masks_equal (a, disk));
      g_assert_true (masks_equal (b, poly));
    }
}

static void
test_border_kept (void)
{
  /* An object cut by the frame goes on beyond it: shrinking does not eat in from the
   * frame, growing then shrinking keeps it. */
  g_autoptr(PmMask) half = disk_mask (100, 80, 0, 40, 25);
  g_autoptr(PmMask) m = pm_mask_copy (half);

  apply (m, PM_MASK_OP_SHRINK, 5);
  g_assert_cmpfloat (m->data[40 * 100 + 0], ==, 1.0f);
  g_assert_cmpfloat (m->data[40 * 100 + 19], ==, 1.0f);
  g_assert_cmpfloat (m->data[40 * 100 + 20], ==, 0.0f);
  g_assert_cmpfloat (m->data[(40 - 22) * 100 + 0], ==, 0.0f);
  pm_mask_free (m);
  m = pm_mask_copy (half);
  apply (m, PM_MASK_OP_GROW, 6);
  apply (m, PM_MASK_OP_SHRINK, 6);
  g_assert_true (masks_equal (m, half));
}

static void
test_shrink_radius (void)
{
  g_autoptr(PmMask) disk = disk_mask (120, 120, 60, 60, 40);

  apply (disk, PM_MASK_OP_SHRINK, 10);
  g_assert_cmpfloat (fabs (pm_mask_count (disk) / (G_PI * 30 * 30) - 1), <, 0.03);
  /* A soft edge is cut at 0.5 first. */
  {
    g_autoptr(PmMask) soft = pm_mask_new (50, 50);
    PmBrush brush;

    pm_brush_init (&brush, 20);
    brush.hardness = 0.0;
    pm_mask_paint_segment (soft, &brush, 25, 25, 25, 25, NULL);
    apply (soft, PM_MASK_OP_GROW, 0);
    for (int i = 0; i < 50 * 50; i++)
      g_assert_true (soft->data[i] == 0.0f || soft->data[i] == 1.0f);
  }
}

static void
test_fill_holes (void)
{
  g_autoptr(PmMask) ring = disk_mask (100, 100, 50, 50, 30);
  g_autoptr(PmMask) hole = disk_mask (100, 100, 50, 50, 12);
  g_autoptr(PmMask) full = disk_mask (100, 100, 50, 50, 30);
  PmBrush brush;

  /* A ring with a hole, plus a bay open to the border (not a hole). */
  for (int i = 0; i < 100 * 100; i++)
    ring->data[i] = ring->data[i] > 0 && hole->data[i] == 0 ? 1.0f : 0.0f;
  pm_brush_init (&brush, 4);
  pm_mask_paint_segment (ring, &brush, 0, 5, 20, 5, NULL);
  pm_mask_paint_segment (ring, &brush, 20, 5, 20, 15, NULL);
  pm_mask_paint_segment (ring, &brush, 0, 15, 20, 15, NULL);
  pm_mask_paint_segment (full, &brush, 0, 5, 20, 5, NULL);
  pm_mask_paint_segment (full, &brush, 20, 5, 20, 15, NULL);
  pm_mask_paint_segment (full, &brush, 0, 15, 20, 15, NULL);
  apply (ring, PM_MASK_OP_FILL_HOLES, 0);
  g_assert_true (masks_equal (ring, full));
  g_assert_cmpfloat (ring->data[10 * 100 + 3], ==, 0.0f);   /* the bay stays open */
}

static void
test_remove_islands (void)
{
  g_autoptr(PmMask) mask = pm_mask_new (100, 60);
  const int sizes[] = { 1, 5, 19, 20, 21, 100 };

  /* Rows of pixels of the given areas, far apart. */
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    for (int k = 0; k < sizes[i]; k++)
      mask->data[(5 + 9 * i + k / 25) * 100 + 10 + k % 25] = 1.0f;
  apply (mask, PM_MASK_OP_REMOVE_ISLANDS, 20);
  g_assert_cmpint (pm_mask_count (mask), ==, 20 + 21 + 100);
  g_assert_cmpfloat (mask->data[(5 + 9 * 2) * 100 + 10], ==, 0.0f);
  g_assert_cmpfloat (mask->data[(5 + 9 * 3) * 100 + 10], ==, 1.0f);
  /* 0 or 1 removes nothing. */
  apply (mask, PM_MASK_OP_REMOVE_ISLANDS, 1);
  g_assert_cmpint (pm_mask_count (mask), ==, 141);
}

static void
test_describe (void)
{
  const struct { PmMaskOp op; const char *text; } cases[] = {
    { { PM_MASK_OP_FILL_HOLES, 0, { 0 } }, "fill-holes" },
    { { PM_MASK_OP_REMOVE_ISLANDS, 50, { 0 } }, "remove-islands 50" },
    { { PM_MASK_OP_GROW, 3, { 0 } }, "grow 3" },
    { { PM_MASK_OP_SHRINK, 2, { 0 } }, "shrink 2" },
    { { PM_MASK_OP_INVERT, 0, { 0 } }, "invert" },
    { { PM_MASK_OP_CLEAR, 0, { 0 } }, "clear" },
    { { PM_MASK_OP_GRABCUT_BOX, 0, { 10, 20, 100, 70 } }, "grabcut-box 10,20,110,90" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = pm_mask_op_describe (&cases[i].op);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_grabcut_box_errors (void)
{
  g_autoptr(PmMask) mask = disk_mask (40, 30, 20, 15, 8);
  g_autoptr(PmMask) orig = pm_mask_copy (mask);
  g_autoptr(PmImage) small = pm_image_new (20, 30);
  g_autoptr(PmImage) image = pm_image_new (40, 30);
  PmMaskOp op = { PM_MASK_OP_GRABCUT_BOX, 0, { 5, 5, 20, 20 } };
  GError *error = NULL;

  g_assert_false (pm_mask_op_apply (mask, &op, NULL, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (pm_mask_op_apply (mask, &op, small, NULL, NULL, &error));
  g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_SIZE);
  g_assert_nonnull (strstr (error->message, "20×30"));
  g_clear_error (&error);
  op.box = (PmRect) { 50, 5, 10, 10 };
  g_assert_false (pm_mask_op_apply (mask, &op, image, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "outside"));
  g_clear_error (&error);
  g_assert_true (masks_equal (mask, orig));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/mask-ops/invert-clear", test_invert_clear);
  g_test_add_func ("/core/mask-ops/grow-shrink-convex", test_grow_shrink_convex);
  g_test_add_func ("/core/mask-ops/border-kept", test_border_kept);
  g_test_add_func ("/core/mask-ops/shrink-radius", test_shrink_radius);
  g_test_add_func ("/core/mask-ops/fill-holes", test_fill_holes);
  g_test_add_func ("/core/mask-ops/remove-islands", test_remove_islands);
  g_test_add_func ("/core/mask-ops/describe", test_describe);
  g_test_add_func ("/core/mask-ops/grabcut-box-errors", test_grabcut_box_errors);
  return g_test_run ();
}
