/* pm-ops-relpos.c: attention over token grids with decomposed relative positions (the
 * image encoder of Segment Anything, after MViTv2), fused per block of query rows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SAM's heads are narrow (hd = 14 for SlimSAM, 64 for ViT-B) and its global layers attend
 * over 4096 tokens. Through sgemm each head would write a 4096 × 4096 score matrix, read
 * it back for the softmax and again for the product with V, with K = 14 too small for the
 * BLAS kernels to pay for their packing. Here a block of ROWS query rows keeps its scores
 * in cache: kᵀ and vᵀ of the head are laid out once, the scores start from the position
 * terms, take q·k in 8-lane vectors, go through exp, and meet vᵀ in the same block. Heads
 * (and windows) are independent work items shared by the compute threads.
 */
#define G_LOG_DOMAIN "pm-ops"

#include <math.h>

#include "pm-ops.h"
#include "pm-pool.h"
#include "pm-ops-private.h"   /* last: its pragma covers only the ops */

/* Query rows per block (their scores stay in L1/L2: 4 × 4096 floats = 64 KB). */
#define ROWS 4

/* The kernels also get an AVX-512 clone: the exp pass runs 16 lanes wide there. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define RELPOS_CLONES __attribute__ ((target_clones ("arch=x86-64-v4", "arch=x86-64-v3", \
                                                    "default")))
#else
#define RELPOS_CLONES
#endif

/* 8 floats; the _u variant may sit at any 4-byte boundary. */
typedef float v8sf __attribute__ ((vector_size (32)));
typedef float v8sf_u __attribute__ ((vector_size (32), aligned (4)));
typedef gint32 v8si __attribute__ ((vector_size (32)));

/* Macros, not functions: a 32-byte vector crossing a call would change the ABI of the
 * non-AVX clone. */
#define LOAD8(p)      (*(const v8sf_u *) (p))
#define STORE8(p, v)  (*(v8sf_u *) (p) = (v))
#define MAX8(a, b)    __extension__ ({ v8si m_ = (a) > (b); \
                                       (v8sf) (((v8si) (a) & m_) | ((v8si) (b) & ~m_)); })
#define HSUM8(v)      ((((v)[0] + (v)[1]) + ((v)[2] + (v)[3])) + \
                       (((v)[4] + (v)[5]) + ((v)[6] + (v)[7])))

static gsize
align16 (gsize n)
{
  return (n + 15) / 16 * 16;
}

/* Floats of one thread's slice: kᵀ and vᵀ of a head, the block's scores, position terms. */
static gsize
thread_floats (gint64 gh,
               gint64 gw,
               gint64 hd)
{
  gint64 t = gh * gw;

  return 2 * align16 ((gsize) (hd * t)) + align16 ((gsize) (ROWS * t)) +
         align16 ((gsize) (ROWS * (gh + gw))) + 2 * align16 ((gsize) (ROWS * hd)) + 16;
}

/**
 * pm_op_attention_rel_pos_scratch_size:
 * @gh: grid rows
 * @gw: grid columns
 * @head_dim: width of one head
 *
 * The position tables, laid out for the kernel; each thread's working memory is the
 * pool's (pm_pool_scratch ()).
 *
 * Returns: floats of scratch pm_op_attention_rel_pos () needs for grids of that size
 */
gsize
pm_op_attention_rel_pos_scratch_size (gint64 gh,
                                      gint64 gw,
                                      gint64 head_dim)
{
  return align16 ((gsize) (head_dim * (2 * gh - 1))) + align16 ((gsize) (head_dim * (2 * gw - 1)));
}

/* tab_t[c, j] = tab[2n − 2 − j, c]: reversed and transposed, so that for a query at grid
 * coordinate p the position terms of keys p' = 0…n−1 (table index p − p' + n − 1) are the
 * contiguous run tab_t[c, n − 1 − p …]. */
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

typedef struct {
  /* the problem */
  float       *out;
  const float *q, *k, *v;
  gint64       d, hd, gh, gw, t;
  int          n_heads, n_grids;
  float        scale;
  const float *rel_h_t, *rel_w_t;   /* NULL without position terms */
  gsize        slice_floats;        /* per thread */
} Job;

/* The position terms of query row @i: bh[y'] = q·rel_h[y − y' + gh − 1] and
 * bw[x'] = q·rel_w[x − x' + gw − 1] (unscaled q), and, when @row is not NULL, the row's
 * initial scores row[y'·gw + x'] = bh[y'] + bw[x'] (zeros without position terms). */
RELPOS_CLONES static void
row_position_terms (const Job   *job,
                    const float *q,
                    gint64       i,
                    float       *bh,
                    float       *bw,
                    float       *row)
{
  gint64 gh = job->gh, gw = job->gw, lh = 2 * gh - 1, lw = 2 * gw - 1;
  gint64 y = i / gw, x = i % gw;

  if (job->rel_h_t == NULL)
    {
      for (gint64 j = 0; row != NULL && j < job->t; j++)
        row[j] = 0.0f;
      return;
    }
  for (gint64 k = 0; k < gh; k++)
    bh[k] = 0.0f;
  for (gint64 k = 0; k < gw; k++)
    bw[k] = 0.0f;
  for (gint64 c = 0; c < job->hd; c++)
    {
      const float *th = job->rel_h_t + c * lh + (gh - 1 - y);
      const float *tw = job->rel_w_t + c * lw + (gw - 1 - x);
      float qc = q[c];

      for (gint64 k = 0; k < gh; k++)
        bh[k] += qc * th[k];
      for (gint64 k = 0; k < gw; k++)
        bw[k] += qc * tw[k];
    }
  for (gint64 ky = 0; row != NULL && ky < gh; ky++)
    for (gint64 kx = 0; kx < gw; kx++)
      row[ky * gw + kx] = bh[ky] + bw[kx];
}

/* s[r, j] = init + Σc qs[r, c] · kt[c, j] for ROWS rows (qs already scaled), where init
 * is s[r, j] itself or, with @bh (folded position terms, gw a multiple of 16), bh[r, j / gw]
 * + bw[r, j % gw]; @max receives each row's maximum. Sixteen keys per step: the four
 * broadcasts of qs[·, c] serve two vectors. */
RELPOS_CLONES static void
block_scores (float       *s,
              const float *qs,
              const float *kt,
              gint64       hd,
              gint64       t,
              const float *bh,
              const float *bw,
              gint64       gh,
              gint64       gw,
              float       *max)
{
  gint64 t16 = t / 16 * 16;
  v8sf m0, m1, m2, m3;

  m0 = m1 = m2 = m3 = (v8sf) { 0 } - INFINITY;
  for (gint64 j = 0; j < t16; j += 16)
    {
      float *s0 = s + j, *s1 = s + t + j, *s2 = s + 2 * t + j, *s3 = s + 3 * t + j;
      v8sf a0, a1, a2, a3, b0, b1, b2, b3;

      if (bh != NULL)
        {
          gint64 ky = j / gw, kx = j % gw;
          const float *w0 = bw + kx, *w1 = bw + gw + kx, *w2 = bw + 2 * gw + kx;
          const float *w3 = bw + 3 * gw + kx;

          a0 = bh[ky] + LOAD8 (w0);
          b0 = bh[ky] + LOAD8 (w0 + 8);
          a1 = bh[gh + ky] + LOAD8 (w1);
          b1 = bh[gh + ky] + LOAD8 (w1 + 8);
          a2 = bh[2 * gh + ky] + LOAD8 (w2);
          b2 = bh[2 * gh + ky] + LOAD8 (w2 + 8);
          a3 = bh[3 * gh + ky] + LOAD8 (w3);
          b3 = bh[3 * gh + ky] + LOAD8 (w3 + 8);
        }
      else
        {
          a0 = LOAD8 (s0);
          a1 = LOAD8 (s1);
          a2 = LOAD8 (s2);
          a3 = LOAD8 (s3);
          b0 = LOAD8 (s0 + 8);
          b1 = LOAD8 (s1 + 8);
          b2 = LOAD8 (s2 + 8);
          b3 = LOAD8 (s3 + 8);
        }

      for (gint64 c = 0; c < hd; c++)
        {
          v8sf ka = LOAD8 (kt + c * t + j), kb = LOAD8 (kt + c * t + j + 8);
          float q0 = qs[c], q1 = qs[hd + c], q2 = qs[2 * hd + c], q3 = qs[3 * hd + c];

          a0 += q0 * ka;
          b0 += q0 * kb;
          a1 += q1 * ka;
          b1 += q1 * kb;
          a2 += q2 * ka;
          b2 += q2 * kb;
          a3 += q3 * ka;
          b3 += q3 * kb;
        }
      STORE8 (s0, a0);
      STORE8 (s0 + 8, b0);
      STORE8 (s1, a1);
      STORE8 (s1 + 8, b1);
      STORE8 (s2, a2);
      STORE8 (s2 + 8, b2);
      STORE8 (s3, a3);
      STORE8 (s3 + 8, b3);
      m0 = MAX8 (m0, a0);
      m0 = MAX8 (m0, b0);
      m1 = MAX8 (m1, a1);
      m1 = MAX8 (m1, b1);
      m2 = MAX8 (m2, a2);
      m2 = MAX8 (m2, b2);
      m3 = MAX8 (m3, a3);
      m3 = MAX8 (m3, b3);
    }
  for (int l = 0; l < 8; l++)
    {
      max[0] = l == 0 || m0[l] > max[0] ? m0[l] : max[0];
      max[1] = l == 0 || m1[l] > max[1] ? m1[l] : max[1];
      max[2] = l == 0 || m2[l] > max[2] ? m2[l] : max[2];
      max[3] = l == 0 || m3[l] > max[3] ? m3[l] : max[3];
    }
  for (gint64 j = t16; j < t; j++)
    for (int r = 0; r < ROWS; r++)
      {
        float acc = s[r * t + j];
        for (gint64 c = 0; c < hd; c++)
          acc += qs[r * hd + c] * kt[c * t + j];
        s[r * t + j] = acc;
        max[r] = acc > max[r] ? acc : max[r];
      }
}

/* exp (row − max) in place; returns the sum (8 lanes in a fixed order). */
RELPOS_CLONES static float
row_exp (float  *row,
         gint64  t,
         float   max)
{
  float lane_sum[8] = { 0 }, sum = 0.0f;
  gint64 t8 = t / 8 * 8;

  for (gint64 j = 0; j < t8; j += 8)
    for (int l = 0; l < 8; l++)
      {
        float e = pm_expf (row[j + l] - max);
        row[j + l] = e;
        lane_sum[l] += e;
      }
  for (int l = 0; l < 8; l++)
    sum += lane_sum[l];
  for (gint64 j = t8; j < t; j++)
    {
      row[j] = pm_expf (row[j] - max);
      sum += row[j];
    }
  return sum;
}

/* o[r, c] = Σj p[r, j] · vt[c, j] · inv[r] for ROWS rows (o rows of stride @ldo); two
 * value columns per pass share the loads of p. */
RELPOS_CLONES static void
block_values (float       *o,
              gint64       ldo,
              const float *p,
              const float *vt,
              const float *inv,
              gint64       hd,
              gint64       t)
{
  gint64 t8 = t / 8 * 8;

  for (gint64 c = 0; c < hd; c += 2)
    {
      gint64 c2 = MIN (c + 1, hd - 1);   /* an odd last column is done twice */
      const float *va = vt + c * t, *vb = vt + c2 * t;
      v8sf a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
      v8sf b0 = { 0 }, b1 = { 0 }, b2 = { 0 }, b3 = { 0 };
      float sa[ROWS], sb[ROWS];

      for (gint64 j = 0; j < t8; j += 8)
        {
          v8sf x = LOAD8 (va + j), y = LOAD8 (vb + j);
          v8sf p0 = LOAD8 (p + j), p1 = LOAD8 (p + t + j);
          v8sf p2 = LOAD8 (p + 2 * t + j), p3 = LOAD8 (p + 3 * t + j);

          a0 += p0 * x;
          b0 += p0 * y;
          a1 += p1 * x;
          b1 += p1 * y;
          a2 += p2 * x;
          b2 += p2 * y;
          a3 += p3 * x;
          b3 += p3 * y;
        }
      sa[0] = HSUM8 (a0);
      sa[1] = HSUM8 (a1);
      sa[2] = HSUM8 (a2);
      sa[3] = HSUM8 (a3);
      sb[0] = HSUM8 (b0);
      sb[1] = HSUM8 (b1);
      sb[2] = HSUM8 (b2);
      sb[3] = HSUM8 (b3);
      for (gint64 j = t8; j < t; j++)
        for (int r = 0; r < ROWS; r++)
          {
            sa[r] += p[r * t + j] * va[j];
            sb[r] += p[r * t + j] * vb[j];
          }
      for (int r = 0; r < ROWS; r++)
        {
          o[r * ldo + c] = sa[r] * inv[r];
          o[r * ldo + c2] = sb[r] * inv[r];
        }
    }
}

/* One head of one grid, all query rows. */
static void
run_item (Job   *job,
          int    item,
          float *slice)
{
  gint64 t = job->t, hd = job->hd, d = job->d;
  int grid = item / job->n_heads, h = item % job->n_heads;
  gsize off = (gsize) grid * t * d + (gsize) h * hd;
  const float *q = job->q + off, *k = job->k + off, *v = job->v + off;
  float *out = job->out + off;
  float *kt = slice, *vt = kt + align16 ((gsize) (hd * t));
  float *s = vt + align16 ((gsize) (hd * t));
  float *bh = s + align16 ((gsize) (ROWS * t)), *bw = bh + ROWS * job->gh;
  float *qs = bh + align16 ((gsize) (ROWS * (job->gh + job->gw)));
  float *tail_out = qs + align16 ((gsize) (ROWS * hd));
  /* rows of 16-key multiples take the position terms inside the score loop */
  gboolean fold = job->rel_h_t != NULL && job->gw % 16 == 0;

  /* kᵀ, vᵀ of this head: [hd, T] */
  for (gint64 j = 0; j < t; j++)
    for (gint64 c = 0; c < hd; c++)
      {
        kt[c * t + j] = k[j * d + c];
        vt[c * t + j] = v[j * d + c];
      }

  for (gint64 i0 = 0; i0 < t; i0 += ROWS)
    {
      float inv[ROWS], max[ROWS];
      int rows = (int) MIN (ROWS, t - i0);

      /* a short last block repeats its last row; only real rows are written */
      for (int r = 0; r < ROWS; r++)
        {
          gint64 i = i0 + MIN (r, rows - 1);
          const float *qi = q + i * d;

          row_position_terms (job, qi, i, bh + r * job->gh, bw + r * job->gw,
                              fold ? NULL : s + r * t);
          for (gint64 c = 0; c < hd; c++)
            qs[r * hd + c] = qi[c] * job->scale;
        }
      block_scores (s, qs, kt, hd, t, fold ? bh : NULL, bw, job->gh, job->gw, max);
      for (int r = 0; r < ROWS; r++)
        inv[r] = 1.0f / row_exp (s + r * t, t, max[r]);
      if (rows == ROWS)
        block_values (out + i0 * d, d, s, vt, inv, hd, t);
      else
        {
          block_values (tail_out, hd, s, vt, inv, hd, t);
          for (int r = 0; r < rows; r++)
            for (gint64 c = 0; c < hd; c++)
              out[(i0 + r) * d + c] = tail_out[r * hd + c];
        }
    }
}

/* A pool task: one head of one grid (task = grid · n_heads + head). */
static void
item_task (gint64   task,
           int      worker,
           gpointer data)
{
  Job *job = data;
  float *slice = pm_pool_scratch (worker, job->slice_floats * sizeof (float));

  run_item (job, (int) task, slice);
}

/**
 * pm_op_attention_rel_pos:
 * @out: [B·gh·gw, D]
 * @q: [B·gh·gw, D]
 * @k: [B·gh·gw, D]
 * @v: [B·gh·gw, D]
 * @n_heads: heads (D divisible by it)
 * @scale: applied to q·kᵀ (1/sqrt(hd))
 * @gh: grid rows
 * @gw: grid columns
 * @rel_h: (nullable): [2gh − 1, hd] position table along the rows
 * @rel_w: (nullable): [2gw − 1, hd] position table along the columns
 * @scratch: pm_op_attention_rel_pos_scratch_size () floats
 *
 * B = rows / (gh·gw) independent grids (SAM's windows) attend within themselves. See
 * pm-ops.h for the scores. (grid, head) pairs are the tasks of pm-pool's threads.
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
  gint64 t = (gint64) gh * gw, d = pm_tensor_cols (q), rows = pm_tensor_rows (q), hd;
  Job job = { 0 };

  g_assert_cmpint (n_heads, >, 0);
  g_assert_cmpint (d % n_heads, ==, 0);
  g_assert_cmpint (t, >, 0);
  g_assert_cmpint (rows % t, ==, 0);
  hd = d / n_heads;
  g_assert_cmpint (pm_tensor_rows (k), ==, rows);
  g_assert_cmpint (pm_tensor_rows (v), ==, rows);
  g_assert_cmpint (pm_tensor_rows (out), ==, rows);
  g_assert_cmpint (pm_tensor_cols (k), ==, d);
  g_assert_cmpint (pm_tensor_cols (v), ==, d);
  g_assert_cmpint (pm_tensor_cols (out), ==, d);
  g_assert ((rel_h == NULL) == (rel_w == NULL));
  g_assert (out->data != q->data && out->data != k->data && out->data != v->data);
  g_assert_cmpint (pm_tensor_numel (scratch), >=,
                   (gint64) pm_op_attention_rel_pos_scratch_size (gh, gw, hd));

  job.out = out->data;
  job.q = q->data;
  job.k = k->data;
  job.v = v->data;
  job.d = d;
  job.hd = hd;
  job.gh = gh;
  job.gw = gw;
  job.t = t;
  job.n_heads = n_heads;
  job.n_grids = (int) (rows / t);
  job.scale = scale;
  if (rel_h != NULL)
    {
      float *rh = scratch->data;
      float *rw = rh + align16 ((gsize) (hd * (2 * gh - 1)));

      reverse_transpose (rh, rel_h, gh, hd);
      reverse_transpose (rw, rel_w, gw, hd);
      job.rel_h_t = rh;
      job.rel_w_t = rw;
    }
  job.slice_floats = thread_floats (gh, gw, hd);
  pm_pool_run ((gint64) job.n_grids * n_heads, item_task, &job);
}
