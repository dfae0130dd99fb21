/* pm-metrics.c: IoU per sample and the set metrics gIoU, cIoU and P@X.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * As in the referring-segmentation papers: gIoU is the mean of the per-sample IoUs, cIoU is
 * the sum of intersections over the sum of unions (large objects weigh more), and P@X is the
 * share of samples whose IoU is strictly above X. A sample whose prediction and truth are
 * both empty has IoU 1.
 */
#define G_LOG_DOMAIN "pm-metrics"

#include "pm-metrics.h"

static const double prec_thresholds[PM_METRICS_N_PREC] = { 0.5, 0.6, 0.7, 0.8, 0.9 };

/**
 * pm_mask_iou:
 * @a: a mask
 * @b: a mask of the same size
 * @intersection: (out) (optional): foreground pixels in both
 * @union_: (out) (optional): foreground pixels in either
 *
 * Intersection over union of the binary masks (value > 0.5) of @a and @b.
 *
 * Returns: the IoU in 0..1; 1 when both masks are empty
 */
double
pm_mask_iou (const PmMask *a,
             const PmMask *b,
             gint64       *intersection,
             gint64       *union_)
{
  gint64 inter = 0;
  gint64 uni = 0;
  gsize n;

  if (intersection != NULL)
    *intersection = 0;
  if (union_ != NULL)
    *union_ = 0;
  g_return_val_if_fail (a != NULL && b != NULL, 0.0);
  g_return_val_if_fail (a->width == b->width && a->height == b->height, 0.0);

  n = (gsize) a->width * (gsize) a->height;
  for (gsize i = 0; i < n; i++)
    {
      gboolean fa = a->data[i] > 0.5f;
      gboolean fb = b->data[i] > 0.5f;

      inter += fa && fb;
      uni += fa || fb;
    }

  if (intersection != NULL)
    *intersection = inter;
  if (union_ != NULL)
    *union_ = uni;
  return uni == 0 ? 1.0 : (double) inter / (double) uni;
}

/**
 * pm_metrics_init:
 * @metrics: an accumulator
 *
 * Empties @metrics.
 */
void
pm_metrics_init (PmMetrics *metrics)
{
  g_return_if_fail (metrics != NULL);
  *metrics = (PmMetrics) { 0 };
}

/**
 * pm_metrics_add:
 * @metrics: an accumulator
 * @intersection: the sample's intersection, in pixels
 * @union_: the sample's union, in pixels (0: both masks empty, IoU 1)
 *
 * Adds one sample.
 */
void
pm_metrics_add (PmMetrics *metrics,
                gint64     intersection,
                gint64     union_)
{
  double iou;

  g_return_if_fail (metrics != NULL);
  g_return_if_fail (intersection >= 0 && union_ >= intersection);

  iou = union_ == 0 ? 1.0 : (double) intersection / (double) union_;
  metrics->n++;
  metrics->sum_iou += iou;
  metrics->sum_intersection += (double) intersection;
  metrics->sum_union += (double) union_;
  /* IoU ≥ X, as the referring-segmentation evaluation code counts it. */
  for (int k = 0; k < PM_METRICS_N_PREC; k++)
    if (iou >= prec_thresholds[k])
      metrics->prec_hits[k]++;
}

/**
 * pm_metrics_add_failed:
 * @metrics: an accumulator
 * @truth_pixels: pixels of the sample's true mask, 0 when it could not be read
 *
 * Adds a sample that failed (unreadable image, engine error): IoU 0 in gIoU and P@X, and
 * its true mask all in the union of cIoU, none in the intersection.
 */
void
pm_metrics_add_failed (PmMetrics *metrics,
                       gint64     truth_pixels)
{
  g_return_if_fail (metrics != NULL);
  g_return_if_fail (truth_pixels >= 0);

  metrics->n++;
  metrics->sum_union += (double) truth_pixels;
}

/**
 * pm_metrics_giou:
 * @metrics: an accumulator
 *
 * Returns: the mean per-sample IoU; 0 for no samples
 */
double
pm_metrics_giou (const PmMetrics *metrics)
{
  g_return_val_if_fail (metrics != NULL, 0.0);
  return metrics->n > 0 ? metrics->sum_iou / metrics->n : 0.0;
}

/**
 * pm_metrics_ciou:
 * @metrics: an accumulator
 *
 * Returns: Σ intersections / Σ unions; 1 if every sample was empty on both sides, 0 for
 *   no samples
 */
double
pm_metrics_ciou (const PmMetrics *metrics)
{
  g_return_val_if_fail (metrics != NULL, 0.0);
  if (metrics->n == 0)
    return 0.0;
  if (metrics->sum_union <= 0)
    return 1.0;
  return metrics->sum_intersection / metrics->sum_union;
}

/**
 * pm_metrics_prec:
 * @metrics: an accumulator
 * @index: 0 for P@0.5 … 4 for P@0.9
 *
 * Returns: the share (0..1) of samples with IoU at or above the threshold; 0 for no samples
 */
double
pm_metrics_prec (const PmMetrics *metrics,
                 int              index)
{
  g_return_val_if_fail (metrics != NULL, 0.0);
  g_return_val_if_fail (index >= 0 && index < PM_METRICS_N_PREC, 0.0);
  return metrics->n > 0 ? (double) metrics->prec_hits[index] / metrics->n : 0.0;
}

/**
 * pm_metrics_prec_threshold:
 * @index: 0 … 4
 *
 * Returns: the IoU threshold of P@X for @index: 0.5, 0.6, 0.7, 0.8, 0.9
 */
double
pm_metrics_prec_threshold (int index)
{
  g_return_val_if_fail (index >= 0 && index < PM_METRICS_N_PREC, 0.0);
  return prec_thresholds[index];
}
