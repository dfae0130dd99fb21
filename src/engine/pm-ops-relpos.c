/* pm-ops-relpos.c: attention over a token grid with decomposed relative positions (the
 * image encoder of Segment Anything, after MViTv2), on OpenBLAS.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-ops"

#include <cblas.h>
#include <math.h>

#include "pm-ops.h"
#include "pm-ops-private.h"   /* last: its pragma covers only the ops */

/* Scores of one block of queries: about a megabyte, so they stay in L2 between the
 * product, the softmax and the product with V. */
#define RELPOS_BLOCK_FLOATS (256 * 1024)

/* Grid rows per query block (at least one). */
static gint64
block_rows (gint64 gh,
            gint64 gw)
{
  gint64 per_row = gw * gh * gw;   /* scores of one grid row of queries */

  return CLAMP (RELPOS_BLOCK_FLOATS / MAX (per_row, 1), 1, gh);
}

static gsize
align16 (gsize n)
{
  return (n + 15) / 16 * 16;
}

/**
 * pm_op_attention_rel_pos_scratch_size:
 * @gh: grid rows
 * @gw: grid columns
 * @head_dim: width of one head
 *
 * Returns: floats of scratch pm_op_attention_rel_pos () needs for that grid
 */
gsize
pm_op_attention_rel_pos_scratch_size (gint64 gh,
                                      gint64 gw,
                                      gint64 head_dim)
{
  gint64 bq = block_rows (gh, gw) * gw, t = gh * gw;

  return align16 ((gsize) head_dim * (2 * gh - 1)) + align16 ((gsize) head_dim * (2 * gw - 1)) +
         align16 ((gsize) (bq * gh)) + align16 ((gsize) (bq * gw)) + align16 ((gsize) (bq * t));
}

/* tabT[c, j] = tab[2n − 2 − j, c]: reversed and transposed, so that for a query at grid
 * coordinate p the position terms of keys p' = 0…n−1 are the contiguous run
 * tabT[c, n − 1 − p …] (index p − p' + n − 1 of the table, reversed). */
static void
reverse_transpose (float          *tab_t,
                   const PmTensor *tab,
                   gint64          n,
                   gint64          hd)
{
  gint64 len = 2 * n - 1;

  g_assert (pm_tensor_has_shape (tab, 2, (gint64[]) { len, hd }));
  for (gint64 j = 0; j < len; j++)
    for (gint64 c = 0; c < hd; c++)
      tab_t[c * len + j] = tab->data[(len - 1 - j) * hd + c];
}

/* Adds the position terms to the score rows of queries [i0, i1) of one head:
 * row[y'·gw + x'] += Σc q[c]·rel_h[y − y' + gh − 1, c] + Σc q[c]·rel_w[x − x' + gw − 1, c]. */
PM_HOT_CLONES static void
add_rel_pos (float       *scores,
             const float *q,
             gint64       ldq,
             gint64       i0,
             gint64       i1,
             gint64       gh,
             gint64       gw,
             gint64       hd,
             const float *rel_h_t,
             const float *rel_w_t,
             float       *bh,
             float       *bw)
{
  gint64 t = gh * gw, lh = 2 * gh - 1, lw = 2 * gw - 1;

  for (gint64 i = i0; i < i1; i++)
    {
      const float *qi = q + i * ldq;
      gint64 y = i / gw, x = i % gw;
      float *row = scores + (i - i0) * t;

      for (gint64 k = 0; k < gh; k++)
        bh[k] = 0.0f;
      for (gint64 k = 0; k < gw; k++)
        bw[k] = 0.0f;
      for (gint64 c = 0; c < hd; c++)
        {
          const float *th = rel_h_t + c * lh + (gh - 1 - y);
          const float *tw = rel_w_t + c * lw + (gw - 1 - x);
          float qc = qi[c];

          for (gint64 k = 0; k < gh; k++)
            bh[k] += qc * th[k];
          for (gint64 k = 0; k < gw; k++)
            bw[k] += qc * tw[k];
        }
      for (gint64 ky = 0; ky < gh; ky++)
        {
          float *r = row + ky * gw;
          float b = bh[ky];

          for (gint64 kx = 0; kx < gw; kx++)
            r[kx] += b + bw[kx];
        }
    }
}

/**
 * pm_op_attention_rel_pos:
 * @out: [gh·gw, D]
 * @q: [gh·gw, D]
 * @k: [gh·gw, D]
 * @v: [gh·gw, D]
 * @n_heads: heads (D divisible by it)
 * @scale: applied to q·kᵀ (1/sqrt(hd))
 * @gh: grid rows
 * @gw: grid columns
 * @rel_h: (nullable): [2gh − 1, hd] position table along the rows
 * @rel_w: (nullable): [2gw − 1, hd] position table along the columns
 * @scratch: pm_op_attention_rel_pos_scratch_size () floats
 *
 * See pm-ops.h for the scores. Each head is a column block read in place (leading
 * dimension D); per block of query rows: one sgemm for q·kᵀ, the position terms, the
 * softmax, one sgemm for the product with v written into out's column block.
 */
void
pm_op_attention_rel_pos (PmTensor       *out,
                         const PmTensor *q,
                         const PmTensor *k,
                         const PmTensor *v,
                         int             n_heads,
                         float           scale,
                         int             gh,
                         int             gw,
                         const PmTensor *rel_h,
                         const PmTensor *rel_w,
                         PmTensor       *scratch)
{
  gint64 t = (gint64) gh * gw, d = pm_tensor_cols (q), hd, rows, bq;
  float *rel_h_t, *rel_w_t, *bh, *bw, *s;

  g_assert_cmpint (n_heads, >, 0);
  g_assert_cmpint (d % n_heads, ==, 0);
  hd = d / n_heads;
  g_assert_cmpint (pm_tensor_rows (q), ==, t);
  g_assert_cmpint (pm_tensor_rows (k), ==, t);
  g_assert_cmpint (pm_tensor_rows (v), ==, t);
  g_assert_cmpint (pm_tensor_rows (out), ==, t);
  g_assert_cmpint (pm_tensor_cols (k), ==, d);
  g_assert_cmpint (pm_tensor_cols (v), ==, d);
  g_assert_cmpint (pm_tensor_cols (out), ==, d);
  g_assert ((rel_h == NULL) == (rel_w == NULL));
  g_assert (out->data != q->data && out->data != k->data && out->data != v->data);
  g_assert_cmpint (pm_tensor_numel (scratch), >=,
                   (gint64) pm_op_attention_rel_pos_scratch_size (gh, gw, hd));

  rows = block_rows (gh, gw);
  bq = rows * gw;
  rel_h_t = scratch->data;
  rel_w_t = rel_h_t + align16 ((gsize) hd * (2 * gh - 1));
  bh = rel_w_t + align16 ((gsize) hd * (2 * gw - 1));
  bw = bh + align16 ((gsize) (bq * gh));
  s = bw + align16 ((gsize) (bq * gw));
  if (rel_h != NULL)
    {
      reverse_transpose (rel_h_t, rel_h, gh, hd);
      reverse_transpose (rel_w_t, rel_w, gw, hd);
    }

  for (int h = 0; h < n_heads; h++)
    {
      const float *qh = q->data + h * hd, *kh = k->data + h * hd, *vh = v->data + h * hd;

      for (gint64 i0 = 0; i0 < t; i0 += bq)
        {
          gint64 m = MIN (bq, t - i0);

          /* S[m, T] = scale · Q_h[i0 : i0 + m] · K_hᵀ: K (leading dimension D) is the
           * transposed side. */
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) m, (int) t, (int) hd,
                       scale, qh + i0 * d, (int) d, kh, (int) d, 0.0f, s, (int) t);
          if (rel_h != NULL)
            add_rel_pos (s, qh, d, i0, i0 + m, gh, gw, hd, rel_h_t, rel_w_t, bh, bw);
          for (gint64 i = 0; i < m; i++)
            pm_softmax_row (s + i * t, t);
          /* O_h[i0 : i0 + m] = P[m, T] · V_h[T, hd], into out's column block (ldc = D). */
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) m, (int) hd, (int) t,
                       1.0f, s, (int) t, vh, (int) d, 0.0f, out->data + i0 * d + h * hd,
                       (int) d);
        }
    }
}
