/* pm-ops.c: tensor operations for the CLIPSeg forward pass (OpenBLAS sgemm underneath):
 * matrix products, norms, activations, attention. Image-shaped ops are in pm-ops-image.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-ops"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "pm-ops.h"
#include "pm-parallel.h"
#include "pm-pool.h"
#include "pm-ops-private.h"   /* last: its pragma covers only the ops */

/* ---------------------------------------------------------------------------------------
 * Threads: one pool (pm-pool) for every op; OpenBLAS runs single-threaded inside its
 * tasks, so the two never compete for the cores.
 * ------------------------------------------------------------------------------------- */

/* openblas_set_num_threads() resizes OpenBLAS's one, process-wide thread pool and is not
 * thread-safe: called while an sgemm runs in another thread, it can crash that call or
 * leave the pool half-built. OpenBLAS is only ever asked for one thread (the parallelism is
 * the pool's), and that request is applied only while no BLAS work is in flight: work is
 * bracketed by pm_ops_blas_begin()/_end(), and a request made meanwhile waits for the last
 * bracket to close (or the next to open). */
static GMutex blas_gate;
static int    blas_in_flight;
static gboolean blas_wanted;   /* single-threaded asked for, not yet applied */

/* With blas_gate held and nothing in flight. */
static void
apply_wanted_threads (void)
{
  if (blas_wanted)
    {
      if (openblas_get_num_threads () != 1)
        openblas_set_num_threads (1);
      blas_wanted = FALSE;
    }
}

/* Asks for OpenBLAS to run single-threaded (inside the pool's tasks). */
static void
blas_single_thread (void)
{
  if (openblas_get_num_threads () == 1)
    return;
  g_mutex_lock (&blas_gate);
  blas_wanted = TRUE;
  if (blas_in_flight == 0)
    apply_wanted_threads ();
  g_mutex_unlock (&blas_gate);
}

/**
 * pm_ops_set_threads:
 * @n_threads: threads for the ops (the pool's); ≤ 0 leaves the current setting
 *
 * Process-wide: there is one pool. Safe from any thread: the pool resizes between runs,
 * OpenBLAS (single-threaded) only when no BLAS work is in flight.
 */
void
pm_ops_set_threads (int n_threads)
{
  blas_single_thread ();
  if (n_threads > 0)
    {
      pm_pool_set_threads (n_threads);
      /* The per-pixel loops of src/core (render, derive) follow the same setting. */
      pm_parallel_set_threads (n_threads);
    }
}

/**
 * pm_ops_blas_begin:
 *
 * Marks the start of work that calls BLAS (a forward pass, an encoder): until the matching
 * pm_ops_blas_end(), OpenBLAS's thread count is not touched. Nests; any thread.
 */
void
pm_ops_blas_begin (void)
{
  g_mutex_lock (&blas_gate);
  if (blas_in_flight == 0)
    apply_wanted_threads ();
  blas_in_flight++;
  g_mutex_unlock (&blas_gate);
}

/**
 * pm_ops_blas_end:
 *
 * Ends what pm_ops_blas_begin() started; the last one applies a pending request.
 */
void
pm_ops_blas_end (void)
{
  g_mutex_lock (&blas_gate);
  g_assert (blas_in_flight > 0);
  if (--blas_in_flight == 0)
    apply_wanted_threads ();
  g_mutex_unlock (&blas_gate);
}

int
pm_ops_get_threads (void)
{
  return pm_pool_get_threads ();
}

typedef struct {
  gboolean     trans_a, trans_b, by_rows;
  gint64       m, n, k, chunk;
  float        alpha, beta;
  const float *a, *b;
  gint64       lda, ldb, ldc;
  float       *c;
} SgemmJob;

static void
sgemm_task (gint64   task,
            int      worker,
            gpointer data)
{
  SgemmJob *j = data;
  gint64 i0 = task * j->chunk;
  gint64 len = MIN (j->chunk, (j->by_rows ? j->m : j->n) - i0);
  const float *a = j->a, *b = j->b;
  float *c = j->c;

  if (j->by_rows)
    {
      a += j->trans_a ? i0 : i0 * j->lda;   /* rows i0… of op(A) */
      c += i0 * j->ldc;
    }
  else
    {
      b += j->trans_b ? i0 * j->ldb : i0;   /* columns i0… of op(B) */
      c += i0;
    }
  cblas_sgemm (CblasRowMajor, j->trans_a ? CblasTrans : CblasNoTrans,
               j->trans_b ? CblasTrans : CblasNoTrans,
               (int) (j->by_rows ? len : j->m), (int) (j->by_rows ? j->n : len), (int) j->k,
               j->alpha, a, (int) j->lda, b, (int) j->ldb, j->beta, c, (int) j->ldc);
}

/**
 * pm_sgemm:
 *
 * Row-major C[M,N] = α·op(A)·op(B) + β·C (cblas_sgemm's arguments), split over the pool
 * by rows of C (columns when there are few rows) once each piece is worth a task.
 */
void
pm_sgemm (gboolean     trans_a,
          gboolean     trans_b,
          gint64       m,
          gint64       n,
          gint64       k,
          float        alpha,
          const float *a,
          gint64       lda,
          const float *b,
          gint64       ldb,
          float        beta,
          float       *c,
          gint64       ldc)
{
  SgemmJob job = { trans_a, trans_b, m >= n || m >= 256, m, n, k, 0, alpha, beta, a, b,
                   lda, ldb, ldc, c };
  gint64 len = job.by_rows ? m : n;
  double flops = 2.0 * m * n * k;
  gint64 tasks;

  blas_single_thread ();
  /* a few tasks per thread, each at least ~2 MFLOP and 16 rows or columns */
  tasks = MIN (4 * pm_pool_get_threads (), (gint64) (flops / 2e6));
  tasks = CLAMP (tasks, 1, MAX (1, len / 16));
  job.chunk = (len + tasks - 1) / tasks;
  pm_pool_run ((len + job.chunk - 1) / job.chunk, sgemm_task, &job);
}

/* ---------------------------------------------------------------------------------------
 * Matrix products
 * ------------------------------------------------------------------------------------- */

/* A Linear on a few rows (the text encoder's prompt, a pooled vector). sgemm would pack
 * the whole weight matrix to use each value a handful of times; here each weight row is
 * read once and dotted with the (cache-resident) input rows. Dots use 8 lanes in a fixed
 * order so they vectorise. out[i,j] = (acc ? out[i,j] : 0) + b[j] + x[i]·w[j]. */
#define PM_FEW_ROWS 16

PM_HOT_CLONES static void
linear_few_rows (float       *out,
                 const float *x,
                 const float *w,
                 const float *b,
                 gint64       m,
                 gint64       k,
                 gint64       n,
                 gint64       j_begin,
                 gint64       j_end,
                 gboolean     acc)
{
  gint64 k8 = k / 8 * 8;

  for (gint64 j = j_begin; j < j_end; j++)
    {
      const float *wj = w + j * k;
      float bias = b != NULL ? b[j] : 0.0f;

      /* four rows at a time: four independent 8-lane accumulators per weight chunk */
      for (gint64 i0 = 0; i0 < m; i0 += 4)
        {
          int rows = (int) MIN (4, m - i0);
          const float *x0 = x + i0 * k;
          const float *x1 = x + (i0 + (rows > 1 ? 1 : 0)) * k;
          const float *x2 = x + (i0 + (rows > 2 ? 2 : 0)) * k;
          const float *x3 = x + (i0 + (rows > 3 ? 3 : 0)) * k;
          float l0[8] = { 0 }, l1[8] = { 0 }, l2[8] = { 0 }, l3[8] = { 0 };
          float sums[4];

          for (gint64 l = 0; l < k8; l += 8)
            for (int q = 0; q < 8; q++)
              {
                float wv = wj[l + q];
                l0[q] += x0[l + q] * wv;
                l1[q] += x1[l + q] * wv;
                l2[q] += x2[l + q] * wv;
                l3[q] += x3[l + q] * wv;
              }
          sums[0] = ((l0[0] + l0[1]) + (l0[2] + l0[3])) + ((l0[4] + l0[5]) + (l0[6] + l0[7]));
          sums[1] = ((l1[0] + l1[1]) + (l1[2] + l1[3])) + ((l1[4] + l1[5]) + (l1[6] + l1[7]));
          sums[2] = ((l2[0] + l2[1]) + (l2[2] + l2[3])) + ((l2[4] + l2[5]) + (l2[6] + l2[7]));
          sums[3] = ((l3[0] + l3[1]) + (l3[2] + l3[3])) + ((l3[4] + l3[5]) + (l3[6] + l3[7]));
          for (int r = 0; r < rows; r++)
            {
              const float *xr = x + (i0 + r) * k;
              float sum = sums[r];
              float *o = out + (i0 + r) * n + j;

              for (gint64 l = k8; l < k; l++)
                sum += xr[l] * wj[l];
              sum += bias;
              *o = acc ? *o + sum : sum;
            }
        }
    }
}

typedef struct {
  float       *out;
  const float *x, *w, *b;
  gint64       m, k, n, chunk;
  gboolean     acc;
} FewRowsJob;

static void
few_rows_task (gint64   task,
               int      worker,
               gpointer data)
{
  FewRowsJob *job = data;
  gint64 j0 = task * job->chunk;

  linear_few_rows (job->out, job->x, job->w, job->b, job->m, job->k, job->n, j0,
                   MIN (job->n, j0 + job->chunk), job->acc);
}

/* The few-rows kernel is bound by reading the weights: a large matrix is split by output
 * columns over the pool. */
static void
linear_few_rows_run (float       *out,
                     const float *x,
                     const float *w,
                     const float *b,
                     gint64       m,
                     gint64       k,
                     gint64       n,
                     gboolean     acc)
{
  FewRowsJob job = { out, x, w, b, m, k, n, n, acc };
  gint64 tasks = MIN (2 * pm_pool_get_threads (), n * k / (1 << 17));

  tasks = CLAMP (tasks, 1, MAX (1, n / 16));
  job.chunk = (n + tasks - 1) / tasks;
  pm_pool_run ((n + job.chunk - 1) / job.chunk, few_rows_task, &job);
}

/* out = x · wᵀ + b, or out += x · wᵀ + b when @acc. */
static void
linear (PmTensor       *out,
        const PmTensor *x,
        const PmTensor *w,
        const PmTensor *b,
        gboolean        acc)
{
  gint64 k = pm_tensor_cols (x);
  gint64 m = pm_tensor_rows (x);
  gint64 n;

  g_assert_cmpint (w->n_dims, ==, 2);
  n = w->shape[0];
  g_assert_cmpint (w->shape[1], ==, k);
  g_assert_cmpint (pm_tensor_cols (out), ==, n);
  g_assert_cmpint (pm_tensor_rows (out), ==, m);
  g_assert (out->data != x->data);
  if (b != NULL)
    g_assert_cmpint (pm_tensor_numel (b), ==, n);
  if (m <= PM_FEW_ROWS)
    {
      linear_few_rows_run (out->data, x->data, w->data, b != NULL ? b->data : NULL, m, k, n, acc);
      return;
    }
  if (b != NULL)
    {
      const float *bias = b->data;

      for (gint64 i = 0; i < m; i++)
        {
          float *row = out->data + i * n;

          if (acc)
            for (gint64 j = 0; j < n; j++)
              row[j] += bias[j];
          else
            memcpy (row, bias, n * sizeof (float));
        }
    }
  /* Row-major C[M,N] = A[M,K] · B[N,K]ᵀ + β·C: B, the PyTorch weight [out, in], is the
   * transposed side (ldb = K); β = 1 when C already holds the bias or is added to. */
  pm_sgemm (FALSE, TRUE, m, n, k, 1.0f, x->data, k, w->data, k,
            acc || b != NULL ? 1.0f : 0.0f, out->data, n);
}

/**
 * pm_op_linear:
 * @out: [M, N]
 * @x: [M, K] (leading dims flattened)
 * @w: [N, K], a PyTorch Linear weight
 * @b: (nullable): [N]
 *
 * out = x · wᵀ + b. Few rows use a dedicated kernel, otherwise one sgemm.
 */
void
pm_op_linear (PmTensor       *out,
              const PmTensor *x,
              const PmTensor *w,
              const PmTensor *b)
{
  linear (out, x, w, b, FALSE);
}

/**
 * pm_op_linear_acc:
 * @out: [M, N], added to
 * @x: [M, K]
 * @w: [N, K]
 * @b: (nullable): [N]
 *
 * out += x · wᵀ + b (a residual branch in one sgemm with β = 1).
 */
void
pm_op_linear_acc (PmTensor       *out,
                  const PmTensor *x,
                  const PmTensor *w,
                  const PmTensor *b)
{
  linear (out, x, w, b, TRUE);
}

/**
 * pm_op_matmul:
 * @out: [M, N]
 * @a: [M, K]
 * @b: [K, N], or [N, K] when @trans_b
 * @trans_b: whether @b is stored transposed
 */
void
pm_op_matmul (PmTensor       *out,
              const PmTensor *a,
              const PmTensor *b,
              gboolean        trans_b)
{
  gint64 m, k, n;

  g_assert_cmpint (a->n_dims, ==, 2);
  g_assert_cmpint (b->n_dims, ==, 2);
  m = a->shape[0];
  k = a->shape[1];
  n = trans_b ? b->shape[0] : b->shape[1];
  g_assert_cmpint (trans_b ? b->shape[1] : b->shape[0], ==, k);
  g_assert_cmpint (pm_tensor_rows (out), ==, m);
  g_assert_cmpint (pm_tensor_cols (out), ==, n);
  /* Row-major C[M,N] = A[M,K] · (B[K,N] or B[N,K]ᵀ). */
  pm_sgemm (FALSE, trans_b, m, n, k, 1.0f, a->data, k, b->data, b->shape[1], 0.0f,
            out->data, n);
}

/* ---------------------------------------------------------------------------------------
 * Element-wise and row-wise ops
 * ------------------------------------------------------------------------------------- */

/**
 * pm_op_layer_norm:
 * @out: same shape as @x (may be @x)
 * @x: [rows, D]
 * @gamma: [D]
 * @beta: [D]
 * @eps: added to the (biased) variance
 */
/* One row: mean and variance in double, four lanes in a fixed order (so the loops
 * vectorise and the result does not depend on the vector width). */
PM_HOT_CLONES static void
layer_norm_row (float       *yr,
                const float *xr,
                const float *gw,
                const float *gb,
                gint64       d,
                float        eps)
{
  double s[4] = { 0 }, q[4] = { 0 }, sum, sq, mean, var;
  gint64 d4 = d / 4 * 4;
  float inv, meanf;

  for (gint64 i = 0; i < d4; i += 4)
    for (int l = 0; l < 4; l++)
      s[l] += xr[i + l];
  sum = (s[0] + s[1]) + (s[2] + s[3]);
  for (gint64 i = d4; i < d; i++)
    sum += xr[i];
  mean = sum / d;
  for (gint64 i = 0; i < d4; i += 4)
    for (int l = 0; l < 4; l++)
      {
        double c = xr[i + l] - mean;
        q[l] += c * c;
      }
  sq = (q[0] + q[1]) + (q[2] + q[3]);
  for (gint64 i = d4; i < d; i++)
    {
      double c = xr[i] - mean;
      sq += c * c;
    }
  var = sq / d;   /* biased, as torch.nn.LayerNorm */
  inv = (float) (1.0 / sqrt (var + eps));
  meanf = (float) mean;
  for (gint64 i = 0; i < d; i++)
    yr[i] = (xr[i] - meanf) * inv * gw[i] + gb[i];
}

void
pm_op_layer_norm (PmTensor       *out,
                  const PmTensor *x,
                  const PmTensor *gamma,
                  const PmTensor *beta,
                  float           eps)
{
  gint64 d = pm_tensor_cols (x);
  gint64 rows = pm_tensor_rows (x);

  ASSERT_SAME_NUMEL (out, x);
  g_assert_cmpint (pm_tensor_numel (gamma), ==, d);
  g_assert_cmpint (pm_tensor_numel (beta), ==, d);
  for (gint64 r = 0; r < rows; r++)
    layer_norm_row (out->data + r * d, x->data + r * d, gamma->data, beta->data, d, eps);
}

/* Row softmax. Max and sum use 8 independent lanes (a fixed order, so results do not
 * depend on the vector width), which lets the loops vectorise. */
PM_HOT_CLONES void
pm_softmax_row (float  *row,
                gint64  n)
{
  float *restrict v = row;
  float lane_max[8], lane_sum[8] = { 0 };
  float max = -INFINITY, sum = 0, inv;
  gint64 n8 = n / 8 * 8;

  for (int j = 0; j < 8; j++)
    lane_max[j] = -INFINITY;
  for (gint64 i = 0; i < n8; i += 8)
    for (int j = 0; j < 8; j++)
      lane_max[j] = v[i + j] > lane_max[j] ? v[i + j] : lane_max[j];
  for (int j = 0; j < 8; j++)
    max = lane_max[j] > max ? lane_max[j] : max;
  for (gint64 i = n8; i < n; i++)
    max = v[i] > max ? v[i] : max;
  if (max == -INFINITY)
    {
      /* every entry masked: no key to attend to */
      memset (row, 0, n * sizeof (float));
      return;
    }
  for (gint64 i = 0; i < n; i++)
    v[i] = pm_expf (v[i] - max);
  for (gint64 i = 0; i < n8; i += 8)
    for (int j = 0; j < 8; j++)
      lane_sum[j] += v[i + j];
  for (int j = 0; j < 8; j++)
    sum += lane_sum[j];
  for (gint64 i = n8; i < n; i++)
    sum += v[i];
  inv = 1.0f / sum;
  for (gint64 i = 0; i < n; i++)
    v[i] *= inv;
}

/**
 * pm_op_softmax:
 * @out: same shape as @x (may be @x)
 * @x: [rows, D]; −∞ entries get weight 0, an all −∞ row gives zeros
 */
void
pm_op_softmax (PmTensor       *out,
               const PmTensor *x)
{
  gint64 d = pm_tensor_cols (x);
  gint64 rows = pm_tensor_rows (x);

  ASSERT_SAME_NUMEL (out, x);
  if (out->data != x->data)
    memcpy (out->data, x->data, pm_tensor_numel (x) * sizeof (float));
  for (gint64 r = 0; r < rows; r++)
    pm_softmax_row (out->data + r * d, d);
}

/**
 * pm_op_quick_gelu:
 * @out: same numel as @x (may be @x)
 * @x: any shape
 *
 * x · σ(1.702 x), CLIP's activation.
 */
PM_HOT_CLONES void
pm_op_quick_gelu (PmTensor       *out,
                  const PmTensor *x)
{
  gint64 n = pm_tensor_numel (x);

  const float *src = x->data;
  float *dst = out->data;

  ASSERT_SAME_NUMEL (out, x);
  for (gint64 i = 0; i < n; i++)
    {
      float v = src[i];
      dst[i] = v / (1.0f + pm_expf (-1.702f * v));
    }
}

/* erf by Abramowitz & Stegun 7.1.26: |error| ≤ 1.5e-7 (about one float ulp near 1), branch
 * free so that loops over it vectorise. */
static inline float
pm_erff (float x)
{
  float a = fabsf (x);
  float t = 1.0f / (1.0f + 0.3275911f * a);
  float p = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t +
             0.254829592f) * t;
  float y = 1.0f - p * pm_expf (-a * a);

  return x < 0.0f ? -y : y;
}

/**
 * pm_op_gelu:
 * @out: same numel as @x (may be @x)
 * @x: any shape
 *
 * The exact GELU, x · ½ (1 + erf (x / √2)) (PyTorch's nn.GELU, Hugging Face's "gelu").
 */
PM_HOT_CLONES void
pm_op_gelu (PmTensor       *out,
            const PmTensor *x)
{
  gint64 n = pm_tensor_numel (x);
  const float *src = x->data;
  float *dst = out->data;

  ASSERT_SAME_NUMEL (out, x);
  for (gint64 i = 0; i < n; i++)
    {
      float v = src[i];
      dst[i] = 0.5f * v * (1.0f + pm_erff (v * 0.70710678118654752f));
    }
}

PM_HOT_CLONES void
pm_op_relu (PmTensor       *out,
            const PmTensor *x)
{
  gint64 n = pm_tensor_numel (x);

  const float *src = x->data;
  float *dst = out->data;

  ASSERT_SAME_NUMEL (out, x);
  for (gint64 i = 0; i < n; i++)
    dst[i] = src[i] > 0.0f ? src[i] : 0.0f;
}

void
pm_op_add (PmTensor       *out,
           const PmTensor *a,
           const PmTensor *b)
{
  gint64 n = pm_tensor_numel (a);

  const float *pa = a->data, *pb = b->data;
  float *dst = out->data;

  ASSERT_SAME_NUMEL (out, a);
  ASSERT_SAME_NUMEL (a, b);
  for (gint64 i = 0; i < n; i++)
    dst[i] = pa[i] + pb[i];
}

void
pm_op_transpose (PmTensor       *out,
                 const PmTensor *in)
{
  gint64 r = pm_tensor_rows (in), c = pm_tensor_cols (in);
  const float *src = in->data;
  float *dst = out->data;

  g_assert (out->data != in->data);
  g_assert_cmpint (pm_tensor_rows (out), ==, c);
  g_assert_cmpint (pm_tensor_cols (out), ==, r);
  /* blocked so both sides stay in cache */
  for (gint64 i0 = 0; i0 < r; i0 += 32)
    for (gint64 j0 = 0; j0 < c; j0 += 32)
      for (gint64 i = i0; i < MIN (i0 + 32, r); i++)
        for (gint64 j = j0; j < MIN (j0 + 32, c); j++)
          dst[j * r + i] = src[i * c + j];
}


/* ---------------------------------------------------------------------------------------
 * Attention
 * ------------------------------------------------------------------------------------- */

gsize
pm_op_attention_scratch_size (gint64 tq,
                              gint64 tk)
{
  return (gsize) (tq * tk);
}

typedef struct {
  float       *out;
  const float *q, *k, *v;
  gint64       tq, tk, d, hd;
  float        scale;
  gboolean     causal;
  const guint8 *key_mask;
} AttentionJob;

static void
attention_head_task (gint64   h,
                     int      worker,
                     gpointer data)
{
  AttentionJob *j = data;
  float *s = pm_pool_scratch (worker, (gsize) j->tq * j->tk * sizeof (float));

  /* S[Tq,Tk] = scale · Q_h[Tq,hd] · K_h[Tk,hd]ᵀ: the heads are column blocks of the
   * [T,D] projections, read in place with leading dimension D (no copies); K is the
   * transposed side. Inside a pool task, so OpenBLAS runs on this thread alone. */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) j->tq, (int) j->tk, (int) j->hd,
               j->scale, j->q + h * j->hd, (int) j->d, j->k + h * j->hd, (int) j->d,
               0.0f, s, (int) j->tk);
  for (gint64 i = 0; i < j->tq; i++)
    {
      float *row = s + i * j->tk;

      if (j->causal)
        for (gint64 c = i + 1; c < j->tk; c++)
          row[c] = -INFINITY;
      if (j->key_mask != NULL)
        for (gint64 c = 0; c < j->tk; c++)
          if (j->key_mask[c] == 0)
            row[c] = -INFINITY;
      pm_softmax_row (row, j->tk);
    }
  /* O_h[Tq,hd] = P[Tq,Tk] · V_h[Tk,hd], written into out's column block (ldc = D). */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) j->tq, (int) j->hd, (int) j->tk,
               1.0f, s, (int) j->tk, j->v + h * j->hd, (int) j->d,
               0.0f, j->out + h * j->hd, (int) j->d);
}

/**
 * pm_op_attention:
 * @out: [Tq, D]
 * @q: [Tq, D]
 * @k: [Tk, D]
 * @v: [Tk, D]
 * @n_heads: heads; D must be divisible by it
 * @scale: applied to q·kᵀ
 * @causal: mask keys after the query position
 * @key_mask: (nullable): Tk entries, 0 = padding
 * @scratch: pm_op_attention_scratch_size() floats
 *
 * Multi-head scaled dot-product attention (projections not included), one head per pool
 * task. Heads are column blocks read in place with a leading dimension, so no copies are
 * made. (The score rows live in the pool's per-thread scratch; @scratch is checked for
 * the size it would need, so callers stay sized for a single-threaded run.)
 */
void
pm_op_attention (PmTensor       *out,
                 const PmTensor *q,
                 const PmTensor *k,
                 const PmTensor *v,
                 int             n_heads,
                 float           scale,
                 gboolean        causal,
                 const guint8   *key_mask,
                 PmTensor       *scratch)
{
  AttentionJob job;
  gint64 tq = pm_tensor_rows (q), tk = pm_tensor_rows (k);
  gint64 d = pm_tensor_cols (q);

  g_assert_cmpint (n_heads, >, 0);
  g_assert_cmpint (d % n_heads, ==, 0);
  g_assert_cmpint (pm_tensor_cols (k), ==, d);
  g_assert_cmpint (pm_tensor_cols (v), ==, d);
  g_assert_cmpint (pm_tensor_rows (v), ==, tk);
  g_assert_cmpint (pm_tensor_rows (out), ==, tq);
  g_assert_cmpint (pm_tensor_cols (out), ==, d);
  g_assert_cmpint (pm_tensor_numel (scratch), >=, (gint64) pm_op_attention_scratch_size (tq, tk));
  g_assert (out->data != q->data && out->data != k->data && out->data != v->data);
  blas_single_thread ();
  job = (AttentionJob) { out->data, q->data, k->data, v->data, tq, tk, d, d / n_heads, scale,
                         causal, key_mask };
  pm_pool_run (n_heads, attention_head_task, &job);
}


/* ---------------------------------------------------------------------------------------
 * Comparison helpers
 * ------------------------------------------------------------------------------------- */

double
pm_tensor_nrmse (const float *a,
                 const float *b,
                 gsize        n)
{
  double num = 0, den = 0;

  for (gsize i = 0; i < n; i++)
    {
      double d = (double) a[i] - (double) b[i];
      num += d * d;
      den += (double) b[i] * (double) b[i];
    }
  return sqrt (num) / MAX (sqrt (den), 1e-30);
}

double
pm_tensor_max_abs_diff (const float *a,
                        const float *b,
                        gsize        n)
{
  double m = 0;

  for (gsize i = 0; i < n; i++)
    {
      double d = fabs ((double) a[i] - (double) b[i]);
      if (!(d <= m))   /* NaN propagates */
        m = d;
    }
  return m;
}
