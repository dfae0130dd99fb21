/* pm-attention.c: fused multi-head attention on the GEMM micro-kernels.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For each head, in two runs over the pool:
 *   1. K_h and V_h are packed once as B panels (K_h with keys as columns, V_h with head
 *      dims as columns), straight from the fused projection qkv[T, 3D];
 *   2. for each block of query rows: S = Q_blk · K_hᵀ into a per-thread tile (cache-sized:
 *      rows × T floats), softmax numerators packed directly as the next product's A
 *      operand, and O_blk = P · V_h with 1/Σ applied in the epilogue as it is written into
 *      out's column block. No [T, T] matrix, transpose or copy between the steps.
 * Several independent sequences (SAM's windows) run as one job; relative-position terms
 * (SAM's) are added to each block of scores before its softmax.
 */
#define G_LOG_DOMAIN "pm-gemm"

#include "pm-gemm-private.h"

#include <string.h>

#include "pm-pool.h"

/* Query rows per task, in A groups. */
#define QUERY_GROUPS 4

typedef struct {
  const PmGemmKernels *kr;
  float               *out;
  gint64               ld_out;
  const float         *qkv;
  gint64               n_seq, t, d, hd;
  int                  n_heads;
  float                scale;
  gboolean             causal;
  const guint8        *key_mask;
  const PmAttentionRelPos *rel;
  float               *rh_t, *rw_t;   /* rel's tables transposed, rows reversed */

  guint8              *kv;          /* per head: K panels, then V panels */
  gsize                head_bytes;
  gint64               qk_kpad;     /* hd padded: the QKᵀ contraction */
  gint64               n_kpanels;   /* key panels */
  gsize                kpanel_bytes;
  gint64               pv_kpad;     /* T padded: the PV contraction */
  gint64               n_vpanels;   /* head-dim panels */
  gsize                vpanel_bytes;
  gint64               lds;         /* score row stride */
  gint64               qb;          /* query rows per task */
  gint64               n_qblocks;
} AttnJob;

static void
pack_kv_task (gint64   task,
              int      worker,
              gpointer data)
{
  AttnJob *job = data;
  const PmGemmKernels *kr = job->kr;
  gint64 sh = task / 2, seq = sh / job->n_heads, h = sh % job->n_heads, ld = 3 * job->d;
  const float *qkv = job->qkv + seq * job->t * ld;
  guint8 *base = job->kv + sh * job->head_bytes;

  if (task % 2 == 0)
    {
      /* K_h as B[hd, T]: column j is key j's row */
      const float *k = qkv + job->d + h * job->hd;
      const float *rows[64];

      for (gint64 p = 0; p < job->n_kpanels; p++)
        {
          for (int j = 0; j < kr->nr; j++)
            {
              gint64 key = p * kr->nr + j;
              rows[j] = key < job->t ? k + key * ld : NULL;
            }
          kr->pack_b_nk (rows, job->hd, job->qk_kpad, base + p * job->kpanel_bytes);
        }
    }
  else
    {
      /* V_h as B[T, hd] */
      const float *v = qkv + 2 * job->d + h * job->hd;
      guint8 *vbase = base + job->n_kpanels * job->kpanel_bytes;

      for (gint64 p = 0; p < job->n_vpanels; p++)
        kr->pack_b_kn (v + p * kr->nr, ld, (int) MIN (kr->nr, job->hd - p * kr->nr), job->t,
                       job->pv_kpad, vbase + p * job->vpanel_bytes);
    }
}

static void
query_task (gint64   task,
            int      worker,
            gpointer data)
{
  AttnJob *job = data;
  const PmGemmKernels *kr = job->kr;
  gint64 sh = task / job->n_qblocks, q0 = (task % job->n_qblocks) * job->qb;
  gint64 seq = sh / job->n_heads, h = sh % job->n_heads;
  const float *qkv = job->qkv + seq * job->t * 3 * job->d;
  int rows = (int) MIN (job->qb, job->t - q0);
  int groups = (rows + kr->mr - 1) / kr->mr;
  gsize q_group = (gsize) kr->mr * job->qk_kpad * kr->elem;
  gsize p_group = (gsize) kr->mr * job->pv_kpad * kr->elem;
  gsize s_bytes = (gsize) job->qb * job->lds * sizeof (float);
  gsize rel_floats = job->rel != NULL ? job->rel->gh + job->rel->gw : 0;
  guint8 *scratch = pm_pool_scratch (worker, QUERY_GROUPS * (q_group + p_group) + s_bytes +
                                     (job->qb + rel_floats) * sizeof (float));
  guint8 *qpack = scratch, *ppack = qpack + QUERY_GROUPS * q_group;
  float *s = (float *) (ppack + QUERY_GROUPS * p_group);
  float *inv_sums = s + job->qb * job->lds;
  float *rel_tmp = inv_sums + job->qb;
  const guint8 *kbase = job->kv + sh * job->head_bytes;
  const guint8 *vbase = kbase + job->n_kpanels * job->kpanel_bytes;
  PmGemmA qa = { qkv + h * job->hd, 3 * job->d, NULL, NULL, 0, NULL };
  PmGemmOut o_out = { job->out + (seq * job->t + q0) * job->ld_out + h * job->hd, job->ld_out,
                      inv_sums, NULL, PM_ACT_NONE, FALSE, NULL };
  float c[16 * 32] __attribute__ ((aligned (64)));

  /* Q block as A groups */
  for (int g = 0; g < groups; g++)
    kr->pack_a (&qa, q0 + g * kr->mr, MIN (kr->mr, rows - g * kr->mr), job->hd, job->qk_kpad,
                qpack + g * q_group);

  /* S = Q_blk · K_hᵀ, written by the kernel straight into the score rows (unscaled;
   * padded keys give 0 and the softmax masks them; rows past the block are never read) */
  for (gint64 p = 0; p < job->n_kpanels; p++)
    for (int g = 0; g < groups; g++)
      kr->kernel (job->qk_kpad / PM_GEMM_KC, qpack + g * q_group,
                  kbase + p * job->kpanel_bytes, s + (g * kr->mr) * job->lds + p * kr->nr,
                  job->lds);

  if (job->rel != NULL)
    kr->relpos_add (s, job->lds, rows, q0, qkv + q0 * 3 * job->d + h * job->hd, 3 * job->d,
                    job->hd, job->rel->gh, job->rel->gw, job->rh_t, job->rw_t,
                    1.0f / job->scale, rel_tmp);

  /* P = exp (S·scale − max) as A groups (unused rows of the last group zeroed) */
  memset (ppack, 0, groups * p_group);
  kr->softmax_pack (s, job->lds, rows, q0, job->t, job->pv_kpad, job->scale, job->causal,
                    job->key_mask, ppack, inv_sums);

  /* O_blk = (P · V_h) / Σ into out's column block of head h */
  for (gint64 p = 0; p < job->n_vpanels; p++)
    for (int g = 0; g < groups; g++)
      {
        kr->kernel (job->pv_kpad / PM_GEMM_KC, ppack + g * p_group,
                    vbase + p * job->vpanel_bytes, c, kr->nr);
        kr->store (c, MIN (kr->mr, rows - g * kr->mr),
                   (int) MIN (kr->nr, job->hd - p * kr->nr), g * kr->mr, p * kr->nr, &o_out);
      }
}

/**
 * pm_attention_qkv:
 * @out: [n_seq·T, D] output (row stride @ld_out ≥ D); must not overlap @qkv
 * @ld_out: its row stride
 * @qkv: [n_seq·T, 3D], the q, k and v projections side by side
 * @n_seq: independent sequences (one, or SAM's windows)
 * @t: tokens of each
 * @d: width (divisible by @n_heads)
 * @n_heads: heads
 * @scale: score scale (1/√(D/H) usually)
 * @causal: mask keys after the query
 * @key_mask: (nullable): T entries, 0 = padding
 * @rel: (nullable): relative positions over a grid of T = gh·gw tokens
 * @precision: BF16 or F32 (resolved against the CPU)
 */
void
pm_attention_qkv (float        *out,
                  gint64        ld_out,
                  const float  *qkv,
                  gint64        n_seq,
                  gint64        t,
                  gint64        d,
                  int           n_heads,
                  float         scale,
                  gboolean      causal,
                  const guint8 *key_mask,
                  const PmAttentionRelPos *rel,
                  PmPrecision   precision)
{
  AttnJob job = { 0 };
  void (*run) (gint64, PmPoolFunc, gpointer);
  const PmGemmKernels *kr = pm_gemm_kernels_get (pm_cpu_get_isa (),
                                                 pm_precision_resolve (precision));

  g_return_if_fail (kr != NULL);
  g_return_if_fail (t >= 1 && n_heads >= 1 && d % n_heads == 0 && ld_out >= d);
  g_return_if_fail (scale > 0 && n_seq >= 1);
  g_return_if_fail (rel == NULL || (gint64) rel->gh * rel->gw == t);
  job.kr = kr;
  job.out = out;
  job.ld_out = ld_out;
  job.qkv = qkv;
  job.n_seq = n_seq;
  job.t = t;
  job.d = d;
  job.hd = d / n_heads;
  job.n_heads = n_heads;
  job.scale = scale;
  job.causal = causal;
  job.key_mask = key_mask;
  job.rel = rel;
  job.qk_kpad = pm_gemm_round_up (job.hd, PM_GEMM_KC);
  job.n_kpanels = (t + kr->nr - 1) / kr->nr;
  job.kpanel_bytes = (gsize) job.qk_kpad * kr->nr * kr->elem;
  job.pv_kpad = pm_gemm_round_up (t, PM_GEMM_KC);
  job.n_vpanels = (job.hd + kr->nr - 1) / kr->nr;
  job.vpanel_bytes = (gsize) job.pv_kpad * kr->nr * kr->elem;
  job.head_bytes = job.n_kpanels * job.kpanel_bytes + job.n_vpanels * job.vpanel_bytes;
  /* score rows: padded off a power of two so the 12 rows a kernel writes do not share
   * cache sets */
  job.lds = MAX (job.n_kpanels * kr->nr, job.pv_kpad) + 16;
  job.qb = (gint64) QUERY_GROUPS * kr->mr;
  job.n_qblocks = (t + job.qb - 1) / job.qb;

  pm_pool_lock ();
  job.kv = pm_pool_scratch (PM_POOL_SLOT_SHARED + 1, n_seq * n_heads * job.head_bytes +
                            (rel != NULL ? (2 * (rel->gh + rel->gw) - 2) * job.hd *
                                           sizeof (float) : 0));
  if (rel != NULL)
    {
      /* [hd, 2g − 1] with t[c][j] = table[2g − 2 − j][c] */
      gint64 lh = 2 * rel->gh - 1, lw = 2 * rel->gw - 1;

      job.rh_t = (float *) (job.kv + n_seq * n_heads * job.head_bytes);
      job.rw_t = job.rh_t + lh * job.hd;
      for (gint64 j = 0; j < lh; j++)
        for (gint64 c = 0; c < job.hd; c++)
          job.rh_t[c * lh + j] = rel->rel_h[(lh - 1 - j) * job.hd + c];
      for (gint64 j = 0; j < lw; j++)
        for (gint64 c = 0; c < job.hd; c++)
          job.rw_t[c * lw + j] = rel->rel_w[(lw - 1 - j) * job.hd + c];
    }
  run = 4.0 * n_seq * t * t * d < PM_GEMM_SERIAL_FLOPS ? pm_pool_run_here : pm_pool_run;
  run (2 * n_seq * n_heads, pack_kv_task, &job);
  run (n_seq * n_heads * job.n_qblocks, query_task, &job);
  pm_pool_unlock ();
}
