/* test-ops.c: each tensor op against a naive loop (in double), by normalised error.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "pm-cpu.h"
#include "pm-ops.h"
#include "pm-parallel.h"
#include "pm-test-util.h"

#define TOL 1e-5   /* normalised error ‖a − b‖ / ‖b‖ for float32 vs double references */

static GRand *rnd;

static PmTensor *
random_tensor (int           n_dims,
               const gint64 *shape,
               double        scale)
{
  PmTensor *t = pm_tensor_new (n_dims, shape);

  for (gint64 i = 0; i < pm_tensor_numel (t); i++)
    t->data[i] = (float) (scale * g_rand_double_range (rnd, -1.0, 1.0));
  return t;
}

#define RAND(scale, ...) random_tensor (sizeof ((gint64[]) { __VA_ARGS__ }) / sizeof (gint64), \
                                        (gint64[]) { __VA_ARGS__ }, scale)

static void
check_close (const char  *what,
             const float *got,
             const float *want,
             gsize        n)
{
  double err = pm_tensor_nrmse (got, want, n);

  g_test_message ("%-28s normalised error %.3g", what, err);
  g_assert_cmpfloat (err, <=, TOL);
}

/* ------------------------------------------------------------------------------------- */

static void
naive_linear (float       *out,
              const float *x,
              const float *w,
              const float *b,
              gint64       m,
              gint64       k,
              gint64       n)
{
  for (gint64 i = 0; i < m; i++)
    for (gint64 j = 0; j < n; j++)
      {
        double acc = b != NULL ? b[j] : 0.0;
        for (gint64 l = 0; l < k; l++)
          acc += (double) x[i * k + l] * w[j * k + l];
        out[i * n + j] = (float) acc;
      }
}

/* m ≤ 16 takes the few-rows kernel, larger m sgemm */
static void
check_linear (gint64 m)
{
  gint64 k = 33, n = 19;
  g_autoptr(PmTensor) x = RAND (1, m, 33);
  g_autoptr(PmTensor) w = RAND (0.5, 19, 33);
  g_autoptr(PmTensor) b = RAND (1, 19);
  g_autoptr(PmTensor) out = pm_tensor_new_2d (m, n);
  g_autoptr(PmTensor) acc = RAND (1, m, 19);
  g_autoptr(PmTensor) want = pm_tensor_new_2d (m, n);
  g_autoptr(PmTensor) x3 = RAND (1, 2, 3, 33);
  g_autoptr(PmTensor) out3 = pm_tensor_new_3d (2, 3, n);

  pm_op_linear (out, x, w, b);
  naive_linear (want->data, x->data, w->data, b->data, m, k, n);
  check_close ("linear", out->data, want->data, m * n);
  pm_op_linear (out, x, w, NULL);
  naive_linear (want->data, x->data, w->data, NULL, m, k, n);
  check_close ("linear (no bias)", out->data, want->data, m * n);

  /* linear_acc: acc += x·wᵀ + b */
  naive_linear (want->data, x->data, w->data, b->data, m, k, n);
  for (gint64 i = 0; i < m * n; i++)
    want->data[i] += acc->data[i];
  pm_op_linear_acc (acc, x, w, b);
  check_close ("linear_acc", acc->data, want->data, m * n);

  /* leading dims are flattened */
  pm_op_linear (out3, x3, w, b);
  {
    g_autofree float *w3 = g_new (float, 6 * n);
    naive_linear (w3, x3->data, w->data, b->data, 6, k, n);
    check_close ("linear (3-d input)", out3->data, w3, 6 * n);
  }
}

/* A few rows through a large matrix: with two threads allowed the kernel splits the
 * output columns between two threads. */
static void
test_linear_split (void)
{
  gint64 m = 9, k = 520, n = 650;
  g_autoptr(PmTensor) x = RAND (1, 9, 520);
  g_autoptr(PmTensor) w = RAND (0.1, 650, 520);
  g_autoptr(PmTensor) b = RAND (1, 650);
  g_autoptr(PmTensor) out = pm_tensor_new_2d (m, n);
  g_autoptr(PmTensor) want = pm_tensor_new_2d (m, n);
  int saved = pm_ops_get_threads ();

  naive_linear (want->data, x->data, w->data, b->data, m, k, n);
  pm_ops_set_threads (2);
  pm_op_linear (out, x, w, b);
  pm_ops_set_threads (saved);
  check_close ("linear (few rows, 2 threads)", out->data, want->data, m * n);
  pm_op_linear (out, x, w, b);
  check_close ("linear (few rows, 1 thread)", out->data, want->data, m * n);
}

/* --threads (and the app's setting) reach the per-pixel loops of src/core too. */
static void
test_threads_core_loops (void)
{
  int saved = pm_ops_get_threads ();

  pm_ops_set_threads (1);
  g_assert_cmpint (pm_parallel_get_threads (), ==, 1);
  pm_ops_set_threads (3);
  g_assert_cmpint (pm_parallel_get_threads (), ==, 3);
  pm_ops_set_threads (0);   /* leaves the setting */
  g_assert_cmpint (pm_parallel_get_threads (), ==, 3);
  pm_ops_set_threads (saved);
  g_assert_cmpint (pm_parallel_get_threads (), ==, saved);
}

/* The ops' threads are the pool's, resized at once (runs are serialised against it);
 * OpenBLAS runs single-threaded inside the pool's tasks, and its own count never changes
 * while BLAS work is in flight: a request made meanwhile is applied when the last bracket
 * closes. */
static void
test_threads_gate (void)
{
  int saved = pm_ops_get_threads ();
  int other = saved == 1 ? 2 : 1;

  openblas_set_num_threads (2);   /* as a library user might have left it */
  pm_ops_blas_begin ();
  pm_ops_set_threads (other);
  g_assert_cmpint (pm_ops_get_threads (), ==, other);
  g_assert_cmpint (openblas_get_num_threads (), ==, 2);
  pm_ops_blas_begin ();   /* nested work, e.g. a forward pass inside an engine run */
  pm_ops_blas_end ();
  g_assert_cmpint (openblas_get_num_threads (), ==, 2);
  pm_ops_blas_end ();
  g_assert_cmpint (openblas_get_num_threads (), ==, 1);

  /* With nothing in flight it applies at once. */
  openblas_set_num_threads (2);
  pm_ops_set_threads (saved);
  g_assert_cmpint (pm_ops_get_threads (), ==, saved);
  g_assert_cmpint (openblas_get_num_threads (), ==, 1);
  /* ≤ 0 leaves the pool as it is. */
  pm_ops_set_threads (0);
  g_assert_cmpint (pm_ops_get_threads (), ==, saved);
}

static void
test_linear (void)
{
  check_linear (1);
  check_linear (7);
  check_linear (16);
  check_linear (17);
  check_linear (100);
  test_linear_split ();
}

static void
test_matmul (void)
{
  g_autoptr(PmTensor) a = RAND (1, 5, 8);
  g_autoptr(PmTensor) b = RAND (1, 8, 6);
  g_autoptr(PmTensor) bt = pm_tensor_new_2d (6, 8);
  g_autoptr(PmTensor) out = pm_tensor_new_2d (5, 6);
  g_autoptr(PmTensor) want = pm_tensor_new_2d (5, 6);

  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 6; j++)
      {
        double acc = 0;
        for (int l = 0; l < 8; l++)
          acc += (double) a->data[i * 8 + l] * b->data[l * 6 + j];
        want->data[i * 6 + j] = (float) acc;
      }
  pm_op_matmul (out, a, b, FALSE);
  check_close ("matmul", out->data, want->data, 30);
  pm_op_transpose (bt, b);
  pm_op_matmul (out, a, bt, TRUE);
  check_close ("matmul (b transposed)", out->data, want->data, 30);
}

static void
test_layer_norm (void)
{
  gint64 r = 9, d = 37;
  g_autoptr(PmTensor) x = RAND (3, 9, 37);
  g_autoptr(PmTensor) g = RAND (1, 37);
  g_autoptr(PmTensor) b = RAND (1, 37);
  g_autoptr(PmTensor) out = pm_tensor_new_2d (r, d);
  g_autoptr(PmTensor) want = pm_tensor_new_2d (r, d);

  for (gint64 i = 0; i < r; i++)
    {
      double mean = 0, var = 0;
      for (gint64 j = 0; j < d; j++)
        mean += x->data[i * d + j];
      mean /= d;
      for (gint64 j = 0; j < d; j++)
        var += (x->data[i * d + j] - mean) * (x->data[i * d + j] - mean);
      var /= d;
      for (gint64 j = 0; j < d; j++)
        want->data[i * d + j] = (float) ((x->data[i * d + j] - mean) / sqrt (var + 1e-5) *
                                         g->data[j] + b->data[j]);
    }
  pm_op_layer_norm (out, x, g, b, 1e-5f);
  check_close ("layer_norm", out->data, want->data, r * d);
  pm_op_layer_norm (x, x, g, b, 1e-5f);   /* in place */
  check_close ("layer_norm (in place)", x->data, want->data, r * d);
}

static void
test_softmax (void)
{
  gint64 r = 6, d = 45;
  g_autoptr(PmTensor) x = RAND (20, 6, 45);
  g_autoptr(PmTensor) out = pm_tensor_new_2d (r, d);
  g_autoptr(PmTensor) want = pm_tensor_new_2d (r, d);

  x->data[3] = -INFINITY;          /* masked entries */
  x->data[d + 7] = -INFINITY;
  for (gint64 j = 0; j < d; j++)   /* an entirely masked row gives zeros */
    x->data[5 * d + j] = -INFINITY;
  for (gint64 i = 0; i < r; i++)
    {
      double max = -INFINITY, sum = 0;
      for (gint64 j = 0; j < d; j++)
        max = MAX (max, x->data[i * d + j]);
      for (gint64 j = 0; j < d; j++)
        sum += max == -INFINITY ? 0 : exp (x->data[i * d + j] - max);
      for (gint64 j = 0; j < d; j++)
        want->data[i * d + j] = max == -INFINITY ? 0.0f
                                : (float) (exp (x->data[i * d + j] - max) / sum);
    }
  pm_op_softmax (out, x);
  check_close ("softmax", out->data, want->data, r * d);
  g_assert_cmpfloat (out->data[3], ==, 0.0f);
  g_assert_cmpfloat (out->data[5 * d], ==, 0.0f);
}

static void
test_activations (void)
{
  gint64 n = 1001;
  g_autoptr(PmTensor) x = pm_tensor_new_1d (n);
  g_autoptr(PmTensor) out = pm_tensor_new_1d (n);
  g_autoptr(PmTensor) want = pm_tensor_new_1d (n);
  double max_rel = 0;

  /* −100 … 100: covers exp's clamped ranges on both sides */
  for (gint64 i = 0; i < n; i++)
    x->data[i] = (float) (-100.0 + 200.0 * i / (n - 1));
  for (gint64 i = 0; i < n; i++)
    want->data[i] = (float) (x->data[i] / (1.0 + exp (-1.702 * x->data[i])));
  pm_op_quick_gelu (out, x);
  check_close ("quick_gelu", out->data, want->data, n);
  for (gint64 i = 0; i < n; i++)
    if (fabs (want->data[i]) > 1e-30)
      max_rel = MAX (max_rel, fabs (out->data[i] - want->data[i]) / fabs (want->data[i]));
  g_test_message ("quick_gelu max relative error %.3g", max_rel);
  g_assert_cmpfloat (max_rel, <=, 1e-5);
  g_assert_true (isfinite (out->data[0]) && isfinite (out->data[n - 1]));

  for (gint64 i = 0; i < n; i++)
    want->data[i] = x->data[i] > 0 ? x->data[i] : 0;
  pm_op_relu (out, x);
  g_assert_cmpmem (out->data, n * 4, want->data, n * 4);
}

/* The exact GELU against erf in double: absolute error well below float32 noise of the
 * model (1.5e-7 from the erf approximation, scaled by |x|/2). */
static void
test_gelu (void)
{
  gint64 n = 4001;
  g_autoptr(PmTensor) x = pm_tensor_new_1d (n);
  g_autoptr(PmTensor) out = pm_tensor_new_1d (n);
  double max_err = 0;

  for (gint64 i = 0; i < n; i++)
    x->data[i] = (float) (-20.0 + 40.0 * i / (n - 1));
  pm_op_gelu (out, x);
  for (gint64 i = 0; i < n; i++)
    {
      double v = x->data[i], want = 0.5 * v * (1.0 + erf (v / sqrt (2.0)));
      max_err = MAX (max_err, fabs (out->data[i] - want) / MAX (1.0, fabs (v)));
    }
  g_test_message ("gelu max error / max(1, |x|) %.3g", max_err);
  g_assert_cmpfloat (max_err, <=, 2e-7);
  g_assert_cmpfloat (out->data[0], ==, 0.0f);   /* −20: erf is −1 in float */
  g_assert_cmpfloat (fabs (out->data[n - 1] - 20.0f), <=, 2e-6);
  pm_op_gelu (x, x);                            /* in place */
  g_assert_cmpmem (x->data, n * 4, out->data, n * 4);
}

static void
test_layer_norm_channels (void)
{
  gint64 c = 37, h = 5, w = 29, hw = h * w;   /* pixel count not a multiple of the block */
  g_autoptr(PmTensor) x = RAND (3, c, h, w);
  g_autoptr(PmTensor) gamma = RAND (1, c);
  g_autoptr(PmTensor) beta = RAND (1, c);
  g_autoptr(PmTensor) out = pm_tensor_new_3d (c, h, w);
  g_autoptr(PmTensor) want = pm_tensor_new_3d (c, h, w);

  for (gint64 p = 0; p < hw; p++)
    {
      double mean = 0, var = 0;
      for (gint64 ch = 0; ch < c; ch++)
        mean += x->data[ch * hw + p];
      mean /= c;
      for (gint64 ch = 0; ch < c; ch++)
        var += (x->data[ch * hw + p] - mean) * (x->data[ch * hw + p] - mean);
      var /= c;
      for (gint64 ch = 0; ch < c; ch++)
        want->data[ch * hw + p] = (float) ((x->data[ch * hw + p] - mean) / sqrt (var + 1e-6) *
                                           gamma->data[ch] + beta->data[ch]);
    }
  pm_op_layer_norm_channels (out, x, gamma, beta, 1e-6f);
  check_close ("layer_norm_channels", out->data, want->data, c * hw);
  pm_op_layer_norm_channels (x, x, gamma, beta, 1e-6f);
  check_close ("layer_norm_channels (in place)", x->data, want->data, c * hw);
}

/* SAM's attention in double, straight from the definition. */
static void
naive_attention_rel_pos (float       *out,
                         const float *q,
                         const float *k,
                         const float *v,
                         int          gh,
                         int          gw,
                         gint64       d,
                         int          heads,
                         double       scale,
                         const float *rel_h,
                         const float *rel_w)
{
  gint64 hd = d / heads, t = (gint64) gh * gw;
  g_autofree double *s = g_new (double, t);

  for (int h = 0; h < heads; h++)
    for (gint64 i = 0; i < t; i++)
      {
        int y = (int) (i / gw), x = (int) (i % gw);
        double max = -INFINITY, sum = 0;

        for (gint64 j = 0; j < t; j++)
          {
            int y2 = (int) (j / gw), x2 = (int) (j % gw);
            double acc = 0, ph = 0, pw = 0;

            for (gint64 l = 0; l < hd; l++)
              {
                double qv = q[i * d + h * hd + l];
                acc += qv * k[j * d + h * hd + l];
                if (rel_h != NULL)
                  {
                    ph += qv * rel_h[(y - y2 + gh - 1) * hd + l];
                    pw += qv * rel_w[(x - x2 + gw - 1) * hd + l];
                  }
              }
            s[j] = acc * scale + ph + pw;
            max = MAX (max, s[j]);
          }
        for (gint64 j = 0; j < t; j++)
          sum += (s[j] = exp (s[j] - max));
        for (gint64 l = 0; l < hd; l++)
          {
            double acc = 0;
            for (gint64 j = 0; j < t; j++)
              acc += s[j] / sum * v[j * d + h * hd + l];
            out[i * d + h * hd + l] = (float) acc;
          }
      }
}

/* @n_grids independent grids in one call, as SAM's windows are run. */
static void
check_attention_rel_pos (int      n_grids,
                         int      gh,
                         int      gw,
                         int      heads,
                         gint64   hd,
                         gboolean rel)
{
  gint64 d = heads * hd, t = (gint64) gh * gw;
  g_autoptr(PmTensor) q = RAND (1, n_grids * t, d);
  g_autoptr(PmTensor) k = RAND (1, n_grids * t, d);
  g_autoptr(PmTensor) v = RAND (1, n_grids * t, d);
  g_autoptr(PmTensor) rh = RAND (0.5, 2 * gh - 1, hd);
  g_autoptr(PmTensor) rw = RAND (0.5, 2 * gw - 1, hd);
  g_autoptr(PmTensor) out = pm_tensor_new_2d (n_grids * t, d);
  g_autoptr(PmTensor) want = pm_tensor_new_2d (n_grids * t, d);
  g_autoptr(PmTensor) scratch = pm_tensor_new_1d (pm_op_attention_rel_pos_scratch_size (gh, gw,
                                                                                         hd));
  double scale = 1.0 / sqrt ((double) hd);
  g_autofree char *what = g_strdup_printf ("attention_rel_pos %d × %d×%d h%d hd%" G_GINT64_FORMAT
                                           "%s", n_grids, gh, gw, heads, hd,
                                           rel ? "" : " (no rel)");

  pm_op_attention_rel_pos (out, q, k, v, heads, (float) scale, gh, gw, rel ? rh : NULL,
                           rel ? rw : NULL, scratch);
  for (int b = 0; b < n_grids; b++)
    naive_attention_rel_pos (want->data + b * t * d, q->data + b * t * d, k->data + b * t * d,
                             v->data + b * t * d, gh, gw, d, heads, scale,
                             rel ? rh->data : NULL, rel ? rw->data : NULL);
  check_close (what, out->data, want->data, n_grids * t * d);
}

static void
test_attention_rel_pos (void)
{
  int threads = pm_ops_get_threads ();

  check_attention_rel_pos (1, 14, 14, 3, 14, TRUE);   /* a SAM window, SlimSAM head width */
  check_attention_rel_pos (1, 5, 7, 2, 9, TRUE);      /* not square, odd widths */
  check_attention_rel_pos (1, 40, 40, 2, 8, TRUE);    /* several query blocks */
  check_attention_rel_pos (2, 5, 32, 3, 14, TRUE);    /* position terms folded (gw 32) */
  check_attention_rel_pos (1, 6, 6, 4, 5, FALSE);     /* use_rel_pos off */
  check_attention_rel_pos (2, 3, 1, 2, 6, TRUE);      /* fewer rows than a block per grid */
  check_attention_rel_pos (5, 7, 7, 3, 16, TRUE);     /* several windows */
  /* the same with the work shared by three threads */
  pm_ops_set_threads (3);
  check_attention_rel_pos (5, 7, 7, 3, 16, TRUE);
  check_attention_rel_pos (1, 10, 10, 1, 8, TRUE);    /* one item: one thread works */
  pm_ops_set_threads (threads);
}

static void
test_elementwise (void)
{
  g_autoptr(PmTensor) a = RAND (1, 5, 12);
  g_autoptr(PmTensor) b = RAND (1, 5, 12);
  g_autoptr(PmTensor) mul = RAND (1, 12);
  g_autoptr(PmTensor) add = RAND (1, 12);
  g_autoptr(PmTensor) out = pm_tensor_new_2d (5, 12);
  g_autoptr(PmTensor) t = pm_tensor_new_2d (12, 5);

  pm_op_add (out, a, b);
  for (int i = 0; i < 60; i++)
    g_assert_cmpfloat (out->data[i], ==, a->data[i] + b->data[i]);
  pm_op_film (out, a, mul, add);
  for (int i = 0; i < 60; i++)
    g_assert_cmpfloat_with_epsilon (out->data[i],
                                    mul->data[i % 12] * a->data[i] + add->data[i % 12], 1e-6);
  pm_op_transpose (t, a);
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 12; j++)
      g_assert_cmpfloat (t->data[j * 5 + i], ==, a->data[i * 12 + j]);
}

static void
naive_attention (float        *out,
                 const float  *q,
                 const float  *k,
                 const float  *v,
                 gint64        tq,
                 gint64        tk,
                 gint64        d,
                 int           heads,
                 double        scale,
                 gboolean      causal,
                 const guint8 *mask)
{
  gint64 hd = d / heads;
  g_autofree double *s = g_new (double, tk);

  for (int h = 0; h < heads; h++)
    for (gint64 i = 0; i < tq; i++)
      {
        double max = -INFINITY, sum = 0;
        for (gint64 j = 0; j < tk; j++)
          {
            double acc = 0;
            for (gint64 l = 0; l < hd; l++)
              acc += (double) q[i * d + h * hd + l] * k[j * d + h * hd + l];
            s[j] = acc * scale;
            if ((causal && j > i) || (mask != NULL && !mask[j]))
              s[j] = -INFINITY;
            max = MAX (max, s[j]);
          }
        for (gint64 j = 0; j < tk; j++)
          sum += (s[j] = exp (s[j] - max));
        for (gint64 l = 0; l < hd; l++)
          {
            double acc = 0;
            for (gint64 j = 0; j < tk; j++)
              acc += s[j] / sum * v[j * d + h * hd + l];
            out[i * d + h * hd + l] = (float) acc;
          }
      }
}

static void
test_attention (void)
{
  gint64 t = 11, d = 24;
  int heads = 3;
  g_autoptr(PmTensor) q = RAND (2, 11, 24);
  g_autoptr(PmTensor) k = RAND (2, 11, 24);
  g_autoptr(PmTensor) v = RAND (1, 11, 24);
  g_autoptr(PmTensor) out = pm_tensor_new_2d (t, d);
  g_autoptr(PmTensor) want = pm_tensor_new_2d (t, d);
  g_autoptr(PmTensor) scratch = pm_tensor_new_1d (pm_op_attention_scratch_size (t, t));
  guint8 mask[11] = { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0 };
  float scale = 1.0f / sqrtf (8.0f);

  pm_op_attention (out, q, k, v, heads, scale, FALSE, NULL, scratch);
  naive_attention (want->data, q->data, k->data, v->data, t, t, d, heads, scale, FALSE, NULL);
  check_close ("attention", out->data, want->data, t * d);
  pm_op_attention (out, q, k, v, heads, scale, TRUE, NULL, scratch);
  naive_attention (want->data, q->data, k->data, v->data, t, t, d, heads, scale, TRUE, NULL);
  check_close ("attention (causal)", out->data, want->data, t * d);
  pm_op_attention (out, q, k, v, heads, scale, TRUE, mask, scratch);
  naive_attention (want->data, q->data, k->data, v->data, t, t, d, heads, scale, TRUE, mask);
  check_close ("attention (causal + mask)", out->data, want->data, t * d);
}

static void
naive_conv2d (float          *out,
              const PmTensor *in,
              const PmTensor *w,
              const float    *b,
              int             stride,
              int             pad,
              gint64          ho,
              gint64          wo)
{
  gint64 ci = in->shape[0], h = in->shape[1], wd = in->shape[2];
  gint64 co = w->shape[0], kh = w->shape[2], kw = w->shape[3];

  for (gint64 o = 0; o < co; o++)
    for (gint64 y = 0; y < ho; y++)
      for (gint64 x = 0; x < wo; x++)
        {
          double acc = b != NULL ? b[o] : 0;
          for (gint64 c = 0; c < ci; c++)
            for (gint64 ky = 0; ky < kh; ky++)
              for (gint64 kx = 0; kx < kw; kx++)
                {
                  gint64 iy = y * stride + ky - pad, ix = x * stride + kx - pad;
                  if (iy >= 0 && iy < h && ix >= 0 && ix < wd)
                    acc += (double) in->data[(c * h + iy) * wd + ix] *
                           w->data[((o * ci + c) * kh + ky) * kw + kx];
                }
          out[(o * ho + y) * wo + x] = (float) acc;
        }
}

static void
check_conv2d (const char *what,
              gint64      ci,
              gint64      h,
              gint64      co,
              gint64      k,
              int         stride,
              int         pad,
              gboolean    bias)
{
  g_autoptr(PmTensor) b = RAND (1, co);
  g_autoptr(PmTensor) in = RAND (1, ci, h, h + 1);
  g_autoptr(PmTensor) w = RAND (1, co, ci, k, k);
  gint64 ho = (h + 2 * pad - k) / stride + 1, wo = (h + 1 + 2 * pad - k) / stride + 1;
  g_autoptr(PmTensor) out = pm_tensor_new_3d (co, ho, wo);
  g_autoptr(PmTensor) want = pm_tensor_new_3d (co, ho, wo);
  g_autoptr(PmTensor) scratch = NULL;

  scratch = pm_tensor_new_1d (pm_op_conv2d_scratch_size (in, w, stride, pad));
  pm_op_conv2d (out, in, w, bias ? b : NULL, stride, pad, scratch);
  naive_conv2d (want->data, in, w, bias ? b->data : NULL, stride, pad, ho, wo);
  check_close (what, out->data, want->data, pm_tensor_numel (out));
}

static void
test_conv2d (void)
{
  check_conv2d ("conv2d 3x3 pad 1", 5, 7, 4, 3, 1, 1, TRUE);
  check_conv2d ("conv2d 3x3 stride 2 pad 1", 3, 9, 6, 3, 2, 1, TRUE);
  check_conv2d ("conv2d patch 4 stride 4", 3, 16, 8, 4, 4, 0, FALSE);
}

static void
check_conv_transpose2d (const char *what,
                        gint64      ci,
                        gint64      h,
                        gint64      co,
                        gint64      k,
                        int         stride)
{
  gint64 wd = h + 2;
  g_autoptr(PmTensor) b = RAND (1, co);
  g_autoptr(PmTensor) in = RAND (1, ci, h, wd);
  g_autoptr(PmTensor) w = RAND (1, ci, co, k, k);
  gint64 ho = (h - 1) * stride + k, wo = (wd - 1) * stride + k;
  g_autoptr(PmTensor) out = pm_tensor_new_3d (co, ho, wo);
  g_autoptr(PmTensor) want = pm_tensor_new_3d (co, ho, wo);
  g_autoptr(PmTensor) scratch = NULL;
  g_autofree double *acc = g_new0 (double, co * ho * wo);

  /* out[o, y·s + ky, x·s + kx] += in[c, y, x] · w[c, o, ky, kx] */
  for (gint64 o = 0; o < co; o++)
    for (gint64 i = 0; i < ho * wo; i++)
      acc[o * ho * wo + i] = b->data[o];
  for (gint64 c = 0; c < ci; c++)
    for (gint64 y = 0; y < h; y++)
      for (gint64 x = 0; x < wd; x++)
        for (gint64 o = 0; o < co; o++)
          for (gint64 ky = 0; ky < k; ky++)
            for (gint64 kx = 0; kx < k; kx++)
              acc[(o * ho + y * stride + ky) * wo + x * stride + kx] +=
                (double) in->data[(c * h + y) * wd + x] * w->data[((c * co + o) * k + ky) * k + kx];
  for (gint64 i = 0; i < co * ho * wo; i++)
    want->data[i] = (float) acc[i];
  scratch = pm_tensor_new_1d (pm_op_conv_transpose2d_scratch_size (in, w));
  pm_op_conv_transpose2d (out, in, w, b, stride, scratch);
  check_close (what, out->data, want->data, pm_tensor_numel (out));
}

static void
test_conv_transpose2d (void)
{
  check_conv_transpose2d ("conv_transpose2d k4 s4", 6, 5, 3, 4, 4);
  check_conv_transpose2d ("conv_transpose2d k4 s4 → 1", 8, 4, 1, 4, 4);
  check_conv_transpose2d ("conv_transpose2d k3 s2 (overlap)", 4, 5, 2, 3, 2);
}

/* References from torch.nn.functional.interpolate (align_corners=False) on
 * x[i] = 0.1·i² − i, i = 0…11, shape [1, 1, 3, 4]. */
static const float bil_up[35] = {
  0.0f, -0.3214285969734192f, -0.8357142806053162f, -1.2500001192092896f,
  -1.6357144117355347f, -1.9214285612106323f, -2.0999999046325684f, -0.9600000977516174f,
  -1.1671428680419922f, -1.498571515083313f, -1.7300000190734863f, -1.9328572750091553f,
  -2.0357141494750977f, -2.0999999046325684f, -2.4000000953674316f, -2.4357142448425293f,
  -2.492856979370117f, -2.4499998092651367f, -2.3785712718963623f, -2.2071423530578613f,
  -2.0999996662139893f, -1.9199999570846558f, -1.7842854261398315f, -1.5671426057815552f,
  -1.2499996423721313f, -0.9042853713035583f, -0.4585708677768707f, -0.17999951541423798f,
  -1.5999999046325684f, -1.3499996662139893f, -0.9499996304512024f, -0.44999971985816956f,
  0.07857158780097961f, 0.7071433067321777f, 1.1000003814697266f };
static const float bil_down[6] = {
  -0.7166666984558105f, -1.5500000715255737f, -2.049999952316284f,
  -1.716666579246521f, -0.9499998092651367f, 0.15000033378601074f };
static const float bic_up[35] = {
  0.3273146450519562f, -0.05466631427407265f, -0.6546297073364258f, -1.1723003387451172f,
  -1.5920836925506592f, -1.9512306451797485f, -2.1572282314300537f, -0.9245880246162415f,
  -1.181827187538147f, -1.5783127546310425f, -1.8970998525619507f, -2.117999792098999f,
  -2.2736690044403076f, -2.3549256324768066f, -2.3900794982910156f, -2.4402239322662354f,
  -2.4988973140716553f, -2.487499952316284f, -2.378215789794922f, -2.196073055267334f,
  -2.070235013961792f, -2.127570390701294f, -1.9706209897994995f, -1.6914820671081543f,
  -1.3498998880386353f, -0.9104316830635071f, -0.3904765844345093f, -0.05754378065466881f,
  -1.6002721786499023f, -1.3185821771621704f, -0.8359652757644653f, -0.29549986124038696f,
  0.34285128116607666f, 1.0662842988967896f, 1.523958444595337f };
static const float bic_down[6] = {
  -0.6695711612701416f, -1.6296875476837158f, -2.1722116470336914f,
  -1.800105094909668f, -0.982812225818634f, 0.2520723044872284f };

static void
test_resize (void)
{
  g_autoptr(PmTensor) in = pm_tensor_new_3d (1, 3, 4);
  g_autoptr(PmTensor) up = pm_tensor_new_3d (1, 5, 7);
  g_autoptr(PmTensor) down = pm_tensor_new_3d (1, 2, 3);
  g_autoptr(PmTensor) same = pm_tensor_new_3d (1, 3, 4);

  for (int i = 0; i < 12; i++)
    in->data[i] = 0.1f * i * i - i;
  pm_op_resize_bilinear (up, in);
  check_close ("bilinear up (torch)", up->data, bil_up, 35);
  pm_op_resize_bilinear (down, in);
  check_close ("bilinear down (torch)", down->data, bil_down, 6);
  pm_op_resize_bicubic (up, in);
  check_close ("bicubic up (torch)", up->data, bic_up, 35);
  pm_op_resize_bicubic (down, in);
  check_close ("bicubic down (torch)", down->data, bic_down, 6);
  pm_op_resize_bicubic (same, in);   /* same size: identity */
  check_close ("bicubic identity", same->data, in->data, 12);
  pm_op_resize_bilinear (same, in);
  check_close ("bilinear identity", same->data, in->data, 12);
}

static void
test_arena (void)
{
  g_autoptr(PmArena) arena = pm_arena_new (1000);
  float *a = pm_arena_alloc (arena, 10);
  gsize mark = pm_arena_mark (arena);
  PmTensor t = pm_arena_tensor_2d (arena, 4, 5);

  g_assert_cmpuint ((guintptr) a % 64, ==, 0);
  g_assert_cmpuint ((guintptr) t.data % 64, ==, 0);
  g_assert_true (t.data >= a + 10);
  pm_arena_release (arena, mark);
  g_assert_true (pm_arena_tensor_2d (arena, 4, 5).data == t.data);
  g_assert_cmpuint (pm_arena_get_peak (arena), >=, 36);
  pm_arena_reset (arena);
  g_assert_true (pm_arena_alloc (arena, 1) == a);
}

/* pm_op_linear_fused on every path (generic OpenBLAS, and each kernel set this CPU has, in
 * f32) against the unfused ops: LayerNorm → Linear → activation → residual add, with q, k, v
 * weights stacked. */
static void
test_linear_fused (void)
{
  gint64 m = 37, k = 40, n0 = 24, n1 = 20, n = n0 + n1;
  g_autoptr(PmTensor) x = RAND (1, 37, 40);
  g_autoptr(PmTensor) w0 = RAND (0.3, 24, 40);
  g_autoptr(PmTensor) w1 = RAND (0.3, 20, 40);
  g_autoptr(PmTensor) b0 = RAND (1, 24);
  g_autoptr(PmTensor) b1 = RAND (1, 20);
  g_autoptr(PmTensor) gamma = RAND (1, 40);
  g_autoptr(PmTensor) beta = RAND (0.5, 40);
  g_autoptr(PmTensor) w = pm_tensor_new_2d (n, k);
  g_autoptr(PmTensor) b = pm_tensor_new_1d (n);
  g_autoptr(PmTensor) h = pm_tensor_new_2d (m, k);
  g_autoptr(PmTensor) y = pm_tensor_new_2d (m, n);
  g_autoptr(PmTensor) base = RAND (1, 37, 44);
  g_autoptr(PmTensor) want = pm_tensor_new_2d (m, n);
  g_autoptr(PmTensor) got = pm_tensor_new_2d (m, n);
  const PmTensor ws[2] = { *w0, *w1 }, bs[2] = { *b0, *b1 };

  memcpy (w->data, w0->data, n0 * k * sizeof (float));
  memcpy (w->data + n0 * k, w1->data, n1 * k * sizeof (float));
  memcpy (b->data, b0->data, n0 * sizeof (float));
  memcpy (b->data + n0, b1->data, n1 * sizeof (float));
  for (PmIsa isa = PM_ISA_GENERIC; isa <= pm_cpu_get_native_isa (); isa++)
    for (PmActivation act = PM_ACT_NONE; act <= PM_ACT_GELU; act++)
      for (int variant = 0; variant < 2; variant++)
        {
          gboolean ln = variant == 1, acc = variant == 1;
          PmLinearOptions o = { ln ? gamma : NULL, ln ? beta : NULL, 1e-5f, act, acc };
          PmLinear *l;

          pm_cpu_set_isa (isa);
          l = pm_linear_new_stacked (2, ws, bs, PM_PRECISION_F32);
          g_assert_cmpint (pm_linear_get_in (l), ==, k);
          g_assert_cmpint (pm_linear_get_out (l), ==, n);
          g_assert_cmpint (pm_linear_get_precision (l), ==, PM_PRECISION_F32);
          g_assert_true ((pm_linear_get_packed_bytes (l) > 0) == (isa != PM_ISA_GENERIC));
          memcpy (got->data, base->data, m * n * sizeof (float));
          memcpy (want->data, base->data, m * n * sizeof (float));
          pm_op_linear_fused (got, x, l, &o);
          /* the same from the unfused ops */
          if (ln)
            pm_op_layer_norm (h, x, gamma, beta, 1e-5f);
          else
            memcpy (h->data, x->data, m * k * sizeof (float));
          pm_op_linear (y, h, w, b);
          if (act == PM_ACT_RELU)
            pm_op_relu (y, y);
          else if (act == PM_ACT_QUICK_GELU)
            pm_op_quick_gelu (y, y);
          else if (act == PM_ACT_GELU)
            pm_op_gelu (y, y);
          if (acc)
            pm_op_add (want, want, y);
          else
            memcpy (want->data, y->data, m * n * sizeof (float));
          check_close ("linear fused", got->data, want->data, m * n);
          pm_linear_free (l);
        }
  pm_cpu_set_isa (pm_cpu_get_native_isa ());
}

/* pm_op_attention_qkv on every path against pm_op_attention on separate q, k, v. */
static void
test_attention_qkv (void)
{
  gint64 t = 29, d = 48;
  int heads = 3;
  g_autoptr(PmTensor) qkv = RAND (2, 29, 144);
  g_autoptr(PmTensor) q = pm_tensor_new_2d (t, d);
  g_autoptr(PmTensor) k = pm_tensor_new_2d (t, d);
  g_autoptr(PmTensor) v = pm_tensor_new_2d (t, d);
  g_autoptr(PmTensor) out = pm_tensor_new_2d (t, d);
  g_autoptr(PmTensor) want = pm_tensor_new_2d (t, d);
  g_autoptr(PmTensor) scratch = pm_tensor_new_1d (pm_op_attention_scratch_size (t, t));
  guint8 mask[29];
  float scale = 1.0f / 4.0f;

  for (gint64 j = 0; j < t; j++)
    mask[j] = j % 4 != 1;
  for (gint64 i = 0; i < t; i++)
    {
      memcpy (q->data + i * d, qkv->data + i * 3 * d, d * sizeof (float));
      memcpy (k->data + i * d, qkv->data + i * 3 * d + d, d * sizeof (float));
      memcpy (v->data + i * d, qkv->data + i * 3 * d + 2 * d, d * sizeof (float));
    }
  for (PmIsa isa = PM_ISA_GENERIC; isa <= pm_cpu_get_native_isa (); isa++)
    for (int variant = 0; variant < 3; variant++)
      {
        gboolean causal = variant >= 1;
        const guint8 *km = variant == 2 ? mask : NULL;

        pm_cpu_set_isa (isa);
        pm_op_attention_qkv (out, qkv, heads, scale, causal, km, PM_PRECISION_F32);
        pm_op_attention (want, q, k, v, heads, scale, causal, km, scratch);
        check_close ("attention qkv", out->data, want->data, t * d);
      }
  pm_cpu_set_isa (pm_cpu_get_native_isa ());
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  rnd = g_rand_new_with_seed (1234);
  g_test_add_func ("/engine/ops/linear", test_linear);
  g_test_add_func ("/engine/ops/matmul", test_matmul);
  g_test_add_func ("/engine/ops/layer-norm", test_layer_norm);
  g_test_add_func ("/engine/ops/softmax", test_softmax);
  g_test_add_func ("/engine/ops/activations", test_activations);
  g_test_add_func ("/engine/ops/gelu", test_gelu);
  g_test_add_func ("/engine/ops/layer-norm-channels", test_layer_norm_channels);
  g_test_add_func ("/engine/ops/attention-rel-pos", test_attention_rel_pos);
  g_test_add_func ("/engine/ops/elementwise", test_elementwise);
  g_test_add_func ("/engine/ops/attention", test_attention);
  g_test_add_func ("/engine/ops/linear-fused", test_linear_fused);
  g_test_add_func ("/engine/ops/attention-qkv", test_attention_qkv);
  g_test_add_func ("/engine/ops/conv2d", test_conv2d);
  g_test_add_func ("/engine/ops/conv-transpose2d", test_conv_transpose2d);
  g_test_add_func ("/engine/ops/resize", test_resize);
  g_test_add_func ("/engine/ops/arena", test_arena);
  g_test_add_func ("/engine/ops/threads-gate", test_threads_gate);
  g_test_add_func ("/engine/ops/threads-core-loops", test_threads_core_loops);
  ret = g_test_run ();
  g_rand_free (rnd);
  return ret;
}
