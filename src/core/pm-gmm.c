/* pm-gmm.c: Gaussian mixture models of RGB colours (full covariance) for GrabCut.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-gmm"

#include "pm-gmm-private.h"

#include <math.h>
#include <string.h>

void
pm_gmm_init (PmGmm *gmm,
             int    n_components)
{
  memset (gmm, 0, sizeof *gmm);
  gmm->k = CLAMP (n_components, 1, PM_GMM_MAX_COMPONENTS);
}

void
pm_gmm_learn_begin (PmGmm *gmm)
{
  memset (gmm->sum, 0, sizeof gmm->sum);
  memset (gmm->prod, 0, sizeof gmm->prod);
  memset (gmm->count, 0, sizeof gmm->count);
}

void
pm_gmm_learn_add (PmGmm       *gmm,
                  int          c,
                  const float *color)
{
  g_assert (c >= 0 && c < gmm->k);
  for (int i = 0; i < 3; i++)
    {
      gmm->sum[c][i] += color[i];
      for (int j = 0; j < 3; j++)
        gmm->prod[c][i][j] += (double) color[i] * color[j];
    }
  gmm->count[c]++;
}

void
pm_gmm_learn_add_stats (PmGmm               *gmm,
                        int                  c,
                        const PmGmmIntStats *st)
{
  g_assert (c >= 0 && c < gmm->k);
  for (int i = 0; i < 3; i++)
    {
      gmm->sum[c][i] += (double) st->sum[i];
      for (int j = 0; j < 3; j++)
        gmm->prod[c][i][j] += (double) st->prod[i][j];
    }
  gmm->count[c] += st->count;
}

/* Inverse of a symmetric positive-definite 3 × 3 matrix by cofactors; returns det. */
static double
invert3 (const double m[3][3],
         double       inv[3][3])
{
  double c00 = m[1][1] * m[2][2] - m[1][2] * m[2][1];
  double c01 = m[1][2] * m[2][0] - m[1][0] * m[2][2];
  double c02 = m[1][0] * m[2][1] - m[1][1] * m[2][0];
  double det = m[0][0] * c00 + m[0][1] * c01 + m[0][2] * c02;

  inv[0][0] = c00 / det;
  inv[1][0] = c01 / det;
  inv[2][0] = c02 / det;
  inv[0][1] = (m[0][2] * m[2][1] - m[0][1] * m[2][2]) / det;
  inv[1][1] = (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det;
  inv[2][1] = (m[0][1] * m[2][0] - m[0][0] * m[2][1]) / det;
  inv[0][2] = (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / det;
  inv[1][2] = (m[0][2] * m[1][0] - m[0][0] * m[1][2]) / det;
  inv[2][2] = (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / det;
  return det;
}

void
pm_gmm_learn_end (PmGmm *gmm)
{
  gint64 total = 0;

  for (int c = 0; c < gmm->k; c++)
    total += gmm->count[c];

  for (int c = 0; c < gmm->k; c++)
    {
      double n = (double) gmm->count[c], det;

      if (gmm->count[c] == 0)
        {
          gmm->weight[c] = 0;
          gmm->log_norm[c] = -HUGE_VAL;
          continue;
        }
      gmm->weight[c] = n / (double) total;
      for (int i = 0; i < 3; i++)
        gmm->mean[c][i] = gmm->sum[c][i] / n;
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
          gmm->cov[c][i][j] = gmm->prod[c][i][j] / n - gmm->mean[c][i] * gmm->mean[c][j];
      for (int i = 0; i < 3; i++)
        gmm->cov[c][i][i] += PM_GMM_REGULARIZATION;
      det = invert3 ((const double (*)[3]) gmm->cov[c], gmm->inv[c]);
      if (!(det > 0))
        {
          /* Numerically broken (cancellation in prod/n − mean²): fall back to isotropic. */
          memset (gmm->cov[c], 0, sizeof gmm->cov[c]);
          for (int i = 0; i < 3; i++)
            gmm->cov[c][i][i] = PM_GMM_REGULARIZATION;
          det = invert3 ((const double (*)[3]) gmm->cov[c], gmm->inv[c]);
        }
      gmm->log_norm[c] = log (gmm->weight[c]) - 0.5 * log (det) - 1.5 * log (2 * G_PI);
    }
}

static double
component_log_density (const PmGmm *gmm,
                       int          c,
                       const float *color)
{
  double d[3], q = 0;

  for (int i = 0; i < 3; i++)
    d[i] = color[i] - gmm->mean[c][i];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      q += d[i] * gmm->inv[c][i][j] * d[j];
  return gmm->log_norm[c] - 0.5 * q;
}

int
pm_gmm_best_component (const PmGmm *gmm,
                       const float *color)
{
  int best = 0;
  double best_v = -HUGE_VAL;

  for (int c = 0; c < gmm->k; c++)
    {
      double v;

      if (gmm->weight[c] <= 0)
        continue;
      v = component_log_density (gmm, c, color);
      if (v > best_v)
        {
          best_v = v;
          best = c;
        }
    }
  return best;
}

double
pm_gmm_log_likelihood (const PmGmm *gmm,
                       const float *color)
{
  double v[PM_GMM_MAX_COMPONENTS], max = -HUGE_VAL, sum = 0;

  for (int c = 0; c < gmm->k; c++)
    {
      v[c] = gmm->weight[c] > 0 ? component_log_density (gmm, c, color) : -HUGE_VAL;
      max = MAX (max, v[c]);
    }
  if (max == -HUGE_VAL)
    return -1e30;   /* an empty model explains nothing */
  for (int c = 0; c < gmm->k; c++)
    if (v[c] > -HUGE_VAL)
      sum += exp (v[c] - max);
  return max + log (sum);
}

/* ---------------------------------------------------------------- Orchard–Bouman */

typedef struct {
  double n, sum[3], prod[3][3];
} ClusterStats;

/* Largest eigenvalue and its eigenvector of a symmetric 3 × 3 matrix, by power iteration
 * (enough to choose a splitting direction). */
static double
principal_axis (const double m[3][3],
                double       e[3])
{
  double v[3] = { 1, 1, 1 }, lambda = 0;

  /* Start from the column with the largest diagonal, which cannot be orthogonal to the
   * principal axis of a positive semi-definite matrix unless that column is zero. */
  int j = 0;
  if (m[1][1] > m[j][j])
    j = 1;
  if (m[2][2] > m[j][j])
    j = 2;
  for (int i = 0; i < 3; i++)
    v[i] = m[i][j];
  if (v[0] == 0 && v[1] == 0 && v[2] == 0)
    {
      e[0] = 1;
      e[1] = e[2] = 0;
      return 0;
    }
  for (int it = 0; it < 50; it++)
    {
      double w[3], norm;
      for (int i = 0; i < 3; i++)
        w[i] = m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2];
      norm = sqrt (w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
      if (norm <= 0)
        break;
      lambda = norm;
      for (int i = 0; i < 3; i++)
        v[i] = w[i] / norm;
    }
  memcpy (e, v, sizeof v);
  return lambda;
}

void
pm_gmm_init_clusters (PmGmm       *gmm,
                      const float *samples,
                      gsize        n,
                      int         *labels)
{
  ClusterStats st[PM_GMM_MAX_COMPONENTS];
  int n_clusters = 1;

  for (gsize s = 0; s < n; s++)
    labels[s] = 0;

  while (n_clusters < gmm->k && n > 0)
    {
      double best_lambda = 0, axis[3] = { 0 }, mean[3] = { 0 }, cut;
      int split = -1;

      memset (st, 0, sizeof st);
      for (gsize s = 0; s < n; s++)
        {
          ClusterStats *c = &st[labels[s]];
          const float *x = samples + 3 * s;
          c->n++;
          for (int i = 0; i < 3; i++)
            {
              c->sum[i] += x[i];
              for (int j = 0; j < 3; j++)
                c->prod[i][j] += (double) x[i] * x[j];
            }
        }
      for (int c = 0; c < n_clusters; c++)
        {
          double cov[3][3], m[3], e[3], lambda;

          if (st[c].n < 2)
            continue;
          for (int i = 0; i < 3; i++)
            m[i] = st[c].sum[i] / st[c].n;
          for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
              cov[i][j] = st[c].prod[i][j] / st[c].n - m[i] * m[j];
          lambda = principal_axis ((const double (*)[3]) cov, e);
          if (lambda > best_lambda)
            {
              best_lambda = lambda;
              split = c;
              memcpy (axis, e, sizeof e);
              memcpy (mean, m, sizeof m);
            }
        }
      /* Nothing left to split (all clusters are one colour): keep fewer components. */
      if (split < 0 || best_lambda < 1e-6)
        break;
      cut = axis[0] * mean[0] + axis[1] * mean[1] + axis[2] * mean[2];
      for (gsize s = 0; s < n; s++)
        {
          const float *x = samples + 3 * s;
          if (labels[s] == split && axis[0] * x[0] + axis[1] * x[1] + axis[2] * x[2] > cut)
            labels[s] = n_clusters;
        }
      n_clusters++;
    }

  pm_gmm_learn_begin (gmm);
  for (gsize s = 0; s < n; s++)
    pm_gmm_learn_add (gmm, labels[s], samples + 3 * s);
  pm_gmm_learn_end (gmm);
}
