/* test-metrics.c: tests of IoU, gIoU, cIoU and P@X (pm-metrics.c), computed by hand.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-metrics.h"

/* A mask from a string of '0'/'1' (row-major), or '.' for a soft 0.3 and '+' for 0.7. */
static PmMask *
mask_from (int         width,
           int         height,
           const char *cells)
{
  PmMask *mask = pm_mask_new (width, height);

  for (int i = 0; i < width * height; i++)
    {
      g_assert (cells[i] != '\0');
      mask->data[i] = cells[i] == '1' ? 1.0f : cells[i] == '+' ? 0.7f :
                      cells[i] == '.' ? 0.3f : 0.0f;
    }
  g_assert (cells[width * height] == '\0');
  return mask;
}

static void
test_iou (void)
{
  /* a: 4 pixels, b: 3 pixels, 2 shared → I = 2, U = 5, IoU = 0.4 */
  g_autoptr(PmMask) a = mask_from (3, 3, "110"
                                         "110"
                                         "000");
  g_autoptr(PmMask) b = mask_from (3, 3, "010"
                                         "011"
                                         "000");
  gint64 inter = -1, uni = -1;

  g_assert_cmpfloat_with_epsilon (pm_mask_iou (a, b, &inter, &uni), 0.4, 1e-12);
  g_assert_cmpint (inter, ==, 2);
  g_assert_cmpint (uni, ==, 5);
  /* symmetric, and optional outputs */
  g_assert_cmpfloat_with_epsilon (pm_mask_iou (b, a, NULL, NULL), 0.4, 1e-12);
  /* identical → 1 */
  g_assert_cmpfloat (pm_mask_iou (a, a, &inter, &uni), ==, 1.0);
  g_assert_cmpint (inter, ==, 4);
  g_assert_cmpint (uni, ==, 4);
}

static void
test_iou_edge_cases (void)
{
  g_autoptr(PmMask) empty1 = mask_from (2, 2, "0000");
  g_autoptr(PmMask) empty2 = mask_from (2, 2, "0000");
  g_autoptr(PmMask) full = mask_from (2, 2, "1111");
  g_autoptr(PmMask) soft = mask_from (2, 2, ".+.+");   /* 0.3 is background, 0.7 foreground */
  gint64 inter, uni;

  g_assert_cmpfloat (pm_mask_iou (empty1, empty2, &inter, &uni), ==, 1.0);
  g_assert_cmpint (inter, ==, 0);
  g_assert_cmpint (uni, ==, 0);
  g_assert_cmpfloat (pm_mask_iou (empty1, full, &inter, &uni), ==, 0.0);
  g_assert_cmpint (uni, ==, 4);
  g_assert_cmpfloat (pm_mask_iou (soft, full, &inter, &uni), ==, 0.5);
  g_assert_cmpint (inter, ==, 2);
  g_assert_cmpint (uni, ==, 4);
}

static void
test_iou_size_mismatch (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(PmMask) a = pm_mask_new (2, 2);
      g_autoptr(PmMask) b = pm_mask_new (3, 2);

      g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
      pm_mask_iou (a, b, NULL, NULL);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*pm_mask_iou*");
}

static void
test_set_metrics (void)
{
  PmMetrics m;

  /* Samples (I, U): (2, 5) IoU 0.4; (9, 10) 0.9; (30, 40) 0.75; (0, 0) 1 (both empty);
   * (6, 10) 0.6.
   * gIoU = (0.4 + 0.9 + 0.75 + 1 + 0.6) / 5 = 3.65 / 5 = 0.73
   * cIoU = (2 + 9 + 30 + 0 + 6) / (5 + 10 + 40 + 0 + 10) = 47 / 65
   * P@X counts IoU ≥ X, as the referring-segmentation evaluation code does:
   * P@0.5: 0.9, 0.75, 1, 0.6 → 4/5;   P@0.6: 0.9, 0.75, 1, 0.6 → 4/5;
   * P@0.7: 0.9, 0.75, 1 → 3/5;        P@0.8: 0.9, 1 → 2/5;   P@0.9: 0.9, 1 → 2/5 */
  pm_metrics_init (&m);
  g_assert_cmpfloat (pm_metrics_giou (&m), ==, 0.0);
  g_assert_cmpfloat (pm_metrics_ciou (&m), ==, 0.0);
  g_assert_cmpfloat (pm_metrics_prec (&m, 0), ==, 0.0);

  pm_metrics_add (&m, 2, 5);
  pm_metrics_add (&m, 9, 10);
  pm_metrics_add (&m, 30, 40);
  pm_metrics_add (&m, 0, 0);
  pm_metrics_add (&m, 6, 10);

  g_assert_cmpint (m.n, ==, 5);
  g_assert_cmpfloat_with_epsilon (pm_metrics_giou (&m), 0.73, 1e-12);
  g_assert_cmpfloat_with_epsilon (pm_metrics_ciou (&m), 47.0 / 65.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (pm_metrics_prec (&m, 0), 0.8, 1e-12);
  g_assert_cmpfloat_with_epsilon (pm_metrics_prec (&m, 1), 0.8, 1e-12);
  g_assert_cmpfloat_with_epsilon (pm_metrics_prec (&m, 2), 0.6, 1e-12);
  g_assert_cmpfloat_with_epsilon (pm_metrics_prec (&m, 3), 0.4, 1e-12);
  g_assert_cmpfloat_with_epsilon (pm_metrics_prec (&m, 4), 0.4, 1e-12);

  /* A failed sample counts IoU 0 (gIoU, P@X) and its true pixels in the cIoU union; one
   * whose truth is unknown (or empty) is still a 0, never the 1 of "both empty". */
  pm_metrics_add_failed (&m, 35);
  pm_metrics_add_failed (&m, 0);
  g_assert_cmpint (m.n, ==, 7);
  g_assert_cmpfloat_with_epsilon (pm_metrics_giou (&m), 3.65 / 7, 1e-12);
  g_assert_cmpfloat_with_epsilon (pm_metrics_ciou (&m), 47.0 / 100.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (pm_metrics_prec (&m, 0), 4.0 / 7, 1e-12);
  g_assert_cmpfloat_with_epsilon (pm_metrics_prec (&m, 4), 2.0 / 7, 1e-12);

  /* reset */
  pm_metrics_init (&m);
  g_assert_cmpint (m.n, ==, 0);
  g_assert_cmpint (m.prec_hits[0], ==, 0);
}

static void
test_ciou_weights_large_objects (void)
{
  PmMetrics m;

  /* A perfect small object and a missed large one: gIoU 0.5, cIoU 10 / 1010. */
  pm_metrics_init (&m);
  pm_metrics_add (&m, 10, 10);
  pm_metrics_add (&m, 0, 1000);
  g_assert_cmpfloat_with_epsilon (pm_metrics_giou (&m), 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (pm_metrics_ciou (&m), 10.0 / 1010.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (pm_metrics_prec (&m, 4), 0.5, 1e-12);

  /* Only empty-vs-empty samples: every IoU is 1, and so is cIoU. */
  pm_metrics_init (&m);
  pm_metrics_add (&m, 0, 0);
  g_assert_cmpfloat (pm_metrics_ciou (&m), ==, 1.0);
  g_assert_cmpfloat (pm_metrics_giou (&m), ==, 1.0);
}

static void
test_from_masks (void)
{
  g_autoptr(PmMask) truth = mask_from (4, 2, "1100"
                                             "1100");
  g_autoptr(PmMask) pred = mask_from (4, 2, "0110"
                                            "0110");
  PmMetrics m;
  gint64 inter, uni;
  double iou = pm_mask_iou (pred, truth, &inter, &uni);

  /* I = 2, U = 6 */
  g_assert_cmpfloat_with_epsilon (iou, 1.0 / 3.0, 1e-12);
  pm_metrics_init (&m);
  pm_metrics_add (&m, inter, uni);
  g_assert_cmpfloat_with_epsilon (pm_metrics_giou (&m), iou, 1e-12);
  g_assert_cmpfloat_with_epsilon (pm_metrics_ciou (&m), iou, 1e-12);
  g_assert_cmpfloat (pm_metrics_prec (&m, 0), ==, 0.0);
}

static void
test_thresholds (void)
{
  g_assert_cmpfloat (pm_metrics_prec_threshold (0), ==, 0.5);
  g_assert_cmpfloat (pm_metrics_prec_threshold (1), ==, 0.6);
  g_assert_cmpfloat (pm_metrics_prec_threshold (2), ==, 0.7);
  g_assert_cmpfloat (pm_metrics_prec_threshold (3), ==, 0.8);
  g_assert_cmpfloat (pm_metrics_prec_threshold (4), ==, 0.9);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/metrics/iou", test_iou);
  g_test_add_func ("/core/metrics/iou-edge-cases", test_iou_edge_cases);
  g_test_add_func ("/core/metrics/iou-size-mismatch", test_iou_size_mismatch);
  g_test_add_func ("/core/metrics/set-metrics", test_set_metrics);
  g_test_add_func ("/core/metrics/ciou-weights-large-objects", test_ciou_weights_large_objects);
  g_test_add_func ("/core/metrics/from-masks", test_from_masks);
  g_test_add_func ("/core/metrics/thresholds", test_thresholds);
  return g_test_run ();
}
