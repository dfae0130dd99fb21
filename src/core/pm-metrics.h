/* pm-metrics.h: IoU, gIoU, cIoU and precision at IoU thresholds, as in the
 * referring-segmentation papers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-image.h"

G_BEGIN_DECLS

#define PM_METRICS_N_PREC 5   /* P@0.5, 0.6, 0.7, 0.8, 0.9 */

typedef struct {
  int     n;
  double  sum_iou;
  double  sum_intersection;
  double  sum_union;
  int     prec_hits[PM_METRICS_N_PREC];
} PmMetrics;

/* IoU of two binary masks of equal size (> 0.5 is foreground). Both empty: IoU 1. */
double pm_mask_iou        (const PmMask *a,
                           const PmMask *b,
                           gint64       *intersection,
                           gint64       *union_);
void   pm_metrics_init    (PmMetrics    *metrics);
void   pm_metrics_add     (PmMetrics    *metrics,
                           gint64        intersection,
                           gint64        union_);
/* A failed sample: IoU 0; its true mask (if known) counts in the cIoU union. */
void   pm_metrics_add_failed (PmMetrics *metrics,
                              gint64     truth_pixels);
double pm_metrics_giou    (const PmMetrics *metrics);
double pm_metrics_ciou    (const PmMetrics *metrics);
/* Share of samples with IoU ≥ X; index 0 → P@0.5 … 4 → P@0.9. */
double pm_metrics_prec    (const PmMetrics *metrics,
                           int              index);
double pm_metrics_prec_threshold (int index);

G_END_DECLS
