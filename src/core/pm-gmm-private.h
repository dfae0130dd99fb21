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
/* Statistics of 8-bit colours (0‥255 in each channel) as integers: sums of integers are
 * exact, so they can be split across threads and added up in any order. As doubles they
 * equal what pm_gmm_learn_add () sums sample by sample (also exact, below 2⁵³). */
typedef struct {
  gint64  count;
  guint64 sum[3];
  guint64 prod[3][3];
} PmGmmIntStats;

static inline void
pm_gmm_int_stats_add (PmGmmIntStats *st,
                      const guint8  *rgb)
{
  st->count++;
  for (int i = 0; i < 3; i++)
    {
      st->sum[i] += rgb[i];
      for (int j = 0; j < 3; j++)
        st->prod[i][j] += (guint64) (rgb[i] * rgb[j]);
    }
}

static inline void
pm_gmm_int_stats_merge (PmGmmIntStats       *st,
                        const PmGmmIntStats *other)
{
  st->count += other->count;
  for (int i = 0; i < 3; i++)
    {
      st->sum[i] += other->sum[i];
      for (int j = 0; j < 3; j++)
        st->prod[i][j] += other->prod[i][j];
    }
}

/* Adds a component's samples at once (between learn_begin and learn_end). */
void   pm_gmm_learn_add_stats (PmGmm               *gmm,
                               int                  component,
                               const PmGmmIntStats *stats);
/* The component most likely to have produced @color. */
int    pm_gmm_best_component (const PmGmm  *gmm,
                               const float  *color);
/* log p(color) under the mixture. */
double pm_gmm_log_likelihood  (const PmGmm  *gmm,
                               const float  *color);

G_END_DECLS
