/* pm-gmm-private.h: Gaussian mixture models of RGB colours for GrabCut.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Colours are 3-vectors in 0..255. Each component has a full covariance, regularised by
 * adding PM_GMM_REGULARIZATION to its diagonal so flat (noise-free) regions stay invertible.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PM_GMM_MAX_COMPONENTS 16
#define PM_GMM_REGULARIZATION 4.0   /* variance added on the diagonal, in (0..255)² */

typedef struct {
  int    k;                                  /* number of components */
  double weight[PM_GMM_MAX_COMPONENTS];
  double mean[PM_GMM_MAX_COMPONENTS][3];
  double cov[PM_GMM_MAX_COMPONENTS][3][3];
  double inv[PM_GMM_MAX_COMPONENTS][3][3];   /* inverse covariance */
  double log_norm[PM_GMM_MAX_COMPONENTS];    /* log (weight / √((2π)³ det)) */
  /* learning accumulators */
  double sum[PM_GMM_MAX_COMPONENTS][3];
  double prod[PM_GMM_MAX_COMPONENTS][3][3];
  gint64 count[PM_GMM_MAX_COMPONENTS];
} PmGmm;

void   pm_gmm_init            (PmGmm        *gmm,
                               int           n_components);
/* Orchard–Bouman initial clustering: repeatedly splits the cluster with the largest
 * colour variance along its principal axis. @samples are n × 3 colours; @labels (n)
 * receives a component per sample. Then learns the model from that clustering. */
void   pm_gmm_init_clusters   (PmGmm        *gmm,
                               const float  *samples,
                               gsize         n,
                               int          *labels);
void   pm_gmm_learn_begin     (PmGmm        *gmm);
void   pm_gmm_learn_add       (PmGmm        *gmm,
                               int           component,
                               const float  *color);
void   pm_gmm_learn_end       (PmGmm        *gmm);
/* The component most likely to have produced @color. */
int    pm_gmm_best_component (const PmGmm  *gmm,
                               const float  *color);
/* log p(color) under the mixture. */
double pm_gmm_log_likelihood  (const PmGmm  *gmm,
                               const float  *color);

G_END_DECLS
