/* test-gemm.c: the GEMM micro-kernels, their packing and epilogues, the fused attention
 * and the thread pool, on every instruction set this CPU has, against naive loops in
 * double (normalised error).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "pm-cpu.h"
#include "pm-gemm.h"
#include "pm-ops.h"
#include "pm-pool.h"
#include "pm-test-util.h"

/* Normalised error bounds, a little above the worst measured here (f32 4.8e-7, bf16 3.3e-3):
 * f32 sums against double; bf16 operands keep 8 significant bits (2⁻⁹ relative rounding
 * of each operand), summed in f32. */
#define TOL_F32  1e-6
#define TOL_BF16 5e-3

static GRand *rnd;

static float *
random_floats (gsize  n,
               double scale)
{
  float *v = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    v[i] = (float) (scale * g_rand_double_range (rnd, -1.0, 1.0));
  return v;
}

static double
tolerance (PmPrecision precision)
{
  return pm_precision_resolve (precision) == PM_PRECISION_BF16 ? TOL_BF16 : TOL_F32;
}

/* Every ISA up to the native one that has kernels. */
static int
kernel_isas (PmIsa *out)
{
  int n = 0;

  for (PmIsa isa = PM_ISA_AVX2; isa <= pm_cpu_get_native_isa (); isa++)
    out[n++] = isa;
  return n;
}

/* ---------------------------------------------------------------------------------------
 * GEMM
 * ------------------------------------------------------------------------------------- */

typedef struct {
  gint64 m, n, k;
} Shape;

/* Edge shapes: 1s, less than a tile, not multiples of MR (6, 12), NR (16, 32) or the k
 * chunk (16), odd, and a few real ones. */
static const Shape shapes[] = {
  { 1, 1, 1 }, { 1, 7, 3 }, { 5, 1, 17 }, { 7, 5, 3 }, { 13, 33, 17 }, { 12, 32, 16 },
  { 6, 16, 32 }, { 25, 65, 47 }, { 11, 31, 15 }, { 3, 200, 100 }, { 97, 70, 64 },
  { 49, 96, 129 }, { 130, 48, 31 }, { 61, 129, 768 },
};

static void
check_gemm (PmIsa          isa,
            PmPrecision    precision,
            const Shape   *s,
            gboolean       ln,
            PmActivation   act,
            gboolean       with_bias,
            gboolean       accumulate,
            gboolean       row_scale,
            int            n_parts)
{
  gint64 m = s->m, n = s->n, k = s->k, lda = k + 3, ldo = n + 5;
  g_autofree float *a = random_floats (m * lda, 1.0);
  g_autofree float *w = random_floats (n * k, 1.0 / sqrt ((double) k));
  g_autofree float *bias = random_floats (n, 0.5);
  g_autofree float *gamma = random_floats (k, 1.0);
  g_autofree float *beta = random_floats (k, 0.3);
  g_autofree float *scale = random_floats (m, 2.0);
  g_autofree float *got = random_floats (m * ldo, 1.0);
  g_autofree float *want = g_memdup2 (got, m * ldo * sizeof (float));
  g_autofree float *before = g_memdup2 (got, m * ldo * sizeof (float));
  const float *parts[3];
  gint64 part_n[3];
  PmGemmA ga = { a, lda, ln ? gamma : NULL, ln ? beta : NULL, 1e-5f, NULL };
  PmGemmOut go = { got, ldo, row_scale ? scale : NULL, with_bias ? bias : NULL, act,
                   accumulate, NULL };
  PmGemmOut wo = go;
  PmGemmB *b;
  double err, diff = 0, norm = 0;

  /* stacked parts of uneven sizes */
  n_parts = (int) MIN (n_parts, n);
  for (int p = 0, row = 0; p < n_parts; p++)
    {
      gint64 rows = p < n_parts - 1 ? (n / n_parts) + (p == 0 ? 1 : 0) : n - row;
      parts[p] = w + row * k;
      part_n[p] = rows;
      row += (int) rows;
    }
  g_assert_cmpint (pm_cpu_set_isa (isa), ==, isa);
  b = pm_gemm_b_new_nk (n_parts, parts, part_n, k, k, precision);
  g_assert_nonnull (b);
  g_assert_cmpint (pm_gemm_b_get_n (b), ==, n);
  g_assert_cmpint (pm_gemm_b_get_isa (b), ==, isa == PM_ISA_AVX512_BF16 &&
                   precision == PM_PRECISION_F32 ? PM_ISA_AVX512 : isa);
  pm_gemm (m, &ga, b, &go);
  wo.data = want;
  pm_gemm_reference (m, n, k, &ga, w, k, &wo);

  /* the error relative to the product (not to what accumulate adds it to) */
  for (gint64 i = 0; i < m; i++)
    for (gint64 j = 0; j < ldo; j++)
      {
        gint64 at = i * ldo + j;
        double d = (double) got[at] - want[at];
        double v = (double) want[at] - (accumulate ? before[at] : 0.0);

        if (j >= n)
          g_assert_cmpfloat (got[at], ==, before[at]);   /* past N: untouched */
        diff += d * d;
        norm += v * v;
      }
  err = sqrt (diff) / MAX (sqrt (norm), 1e-30);
  if (err > tolerance (precision))
    g_test_message ("%s %s m=%" G_GINT64_FORMAT " n=%" G_GINT64_FORMAT " k=%" G_GINT64_FORMAT
                    " ln=%d act=%d bias=%d acc=%d scale=%d parts=%d: error %.3g",
                    pm_isa_to_string (isa), pm_precision_to_string (precision), m, n, k, ln,
                    act, with_bias, accumulate, row_scale, n_parts, err);
  g_assert_cmpfloat (err, <=, tolerance (precision));
  pm_gemm_b_free (b);
}

static void
test_gemm_shapes (void)
{
  PmIsa isas[4];
  int n_isas = kernel_isas (isas);

  for (int i = 0; i < n_isas; i++)
    for (PmPrecision p = PM_PRECISION_F32; p <= PM_PRECISION_BF16; p++)
      for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
        check_gemm (isas[i], p, &shapes[s], FALSE, PM_ACT_NONE, FALSE, FALSE, FALSE, 1);
  pm_cpu_set_isa (pm_cpu_get_native_isa ());
}

static void
test_gemm_epilogues (void)
{
  PmIsa isas[4];
  int n_isas = kernel_isas (isas);
  const Shape s = { 29, 45, 37 };

  for (int i = 0; i < n_isas; i++)
    for (PmPrecision p = PM_PRECISION_F32; p <= PM_PRECISION_BF16; p++)
      {
        for (PmActivation act = PM_ACT_NONE; act <= PM_ACT_GELU; act++)
          check_gemm (isas[i], p, &s, FALSE, act, TRUE, FALSE, FALSE, 1);
        check_gemm (isas[i], p, &s, TRUE, PM_ACT_NONE, TRUE, FALSE, FALSE, 1);
        check_gemm (isas[i], p, &s, TRUE, PM_ACT_QUICK_GELU, TRUE, FALSE, FALSE, 1);
        check_gemm (isas[i], p, &s, FALSE, PM_ACT_NONE, TRUE, TRUE, FALSE, 1);
        check_gemm (isas[i], p, &s, FALSE, PM_ACT_NONE, FALSE, FALSE, TRUE, 1);
        check_gemm (isas[i], p, &s, TRUE, PM_ACT_RELU, TRUE, TRUE, TRUE, 3);
        check_gemm (isas[i], p, &shapes[G_N_ELEMENTS (shapes) - 1], TRUE, PM_ACT_GELU, TRUE,
                    TRUE, FALSE, 3);
      }
  pm_cpu_set_isa (pm_cpu_get_native_isa ());
}

/* Per-call operands: W[N,K] packed with pm_gemm_b_renew_nk and its transpose B[K,N] with
 * pm_gemm_b_new_kn, each first into a larger then into a smaller earlier B (storage reused,
 * layout rebuilt), give the product the reference gives. */
static void
check_repack (PmIsa        isa,
              PmPrecision  precision,
              const Shape *s,
              PmGemmB    **nk,
              PmGemmB    **kn)
{
  gint64 m = s->m, n = s->n, k = s->k, ldb = n + 3;
  g_autofree float *a = random_floats (m * k, 1.0);
  g_autofree float *w = random_floats (n * k, 1.0 / sqrt ((double) k));
  g_autofree float *bt = g_new0 (float, k * ldb);
  g_autofree float *want = g_new0 (float, m * n);
  g_autofree float *got = g_new0 (float, m * n);
  PmGemmA ga = { a, k, NULL, NULL, 0, NULL };
  PmGemmOut go = { got, n, NULL, NULL, PM_ACT_NONE, FALSE, NULL };
  PmGemmOut wo = { want, n, NULL, NULL, PM_ACT_NONE, FALSE, NULL };
  PmGemmB **packs[2] = { nk, kn };

  for (gint64 i = 0; i < n; i++)
    for (gint64 j = 0; j < k; j++)
      bt[j * ldb + i] = w[i * k + j];
  g_assert_cmpint (pm_cpu_set_isa (isa), ==, isa);
  pm_gemm_reference (m, n, k, &ga, w, k, &wo);
  *nk = pm_gemm_b_renew_nk (*nk, w, n, k, k, precision);
  *kn = pm_gemm_b_new_kn (*kn, bt, k, n, ldb, precision);
  for (int i = 0; i < 2; i++)
    {
      double diff = 0, norm = 0;

      g_assert_nonnull (*packs[i]);
      g_assert_cmpint (pm_gemm_b_get_n (*packs[i]), ==, n);
      g_assert_cmpint (pm_gemm_b_get_k (*packs[i]), ==, k);
      memset (got, 0, m * n * sizeof (float));
      pm_gemm (m, &ga, *packs[i], &go);
      for (gint64 j = 0; j < m * n; j++)
        {
          diff += ((double) got[j] - want[j]) * ((double) got[j] - want[j]);
          norm += (double) want[j] * want[j];
        }
      g_assert_cmpfloat (sqrt (diff) / MAX (sqrt (norm), 1e-30), <=, tolerance (precision));
    }
}

static void
test_gemm_repack (void)
{
  PmIsa isas[4];
  int n_isas = kernel_isas (isas);

  for (int i = 0; i < n_isas; i++)
    for (PmPrecision p = PM_PRECISION_F32; p <= PM_PRECISION_BF16; p++)
      {
        PmGemmB *nk = NULL, *kn = NULL;

        /* large first, then smaller ones into the same storage, then larger again */
        check_repack (isas[i], p, &shapes[G_N_ELEMENTS (shapes) - 1], &nk, &kn);
        for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
          check_repack (isas[i], p, &shapes[s], &nk, &kn);
        pm_gemm_b_free (nk);
        pm_gemm_b_free (kn);
      }
  pm_cpu_set_isa (pm_cpu_get_native_isa ());
}

/* The activations on their own, at values where the approximations matter. */
static void
test_gemm_activations (void)
{
  const float xs[] = { -12.f, -5.f, -2.5f, -1.f, -0.3f, -1e-3f, 0.f, 1e-3f, 0.4f, 1.f, 2.f,
                       4.5f, 9.f };
  gint64 m = G_N_ELEMENTS (xs);
  float one = 1.0f, got[G_N_ELEMENTS (xs)], want[G_N_ELEMENTS (xs)];
  const float *parts[1] = { &one };
  gint64 part_n[1] = { 1 };
  PmIsa isas[4];
  int n_isas = kernel_isas (isas);

  for (int i = 0; i < n_isas; i++)
    for (PmActivation act = PM_ACT_RELU; act <= PM_ACT_GELU; act++)
      {
        PmGemmA a = { xs, 1, NULL, NULL, 0 };
        PmGemmOut o = { got, 1, NULL, NULL, act, FALSE };
        PmGemmOut r = { want, 1, NULL, NULL, act, FALSE };
        PmGemmB *b;

        pm_cpu_set_isa (isas[i]);
        b = pm_gemm_b_new_nk (1, parts, part_n, 1, 1, PM_PRECISION_F32);
        pm_gemm (m, &a, b, &o);
        pm_gemm_reference (m, 1, 1, &a, &one, 1, &r);
        for (gint64 j = 0; j < m; j++)
          g_assert_cmpfloat (fabs (got[j] - want[j]), <=, 2e-7 * MAX (1.0, fabs (want[j])));
        pm_gemm_b_free (b);
      }
  pm_cpu_set_isa (pm_cpu_get_native_isa ());
}

static void
test_gemm_generic (void)
{
  float w = 1.0f;
  const float *parts[1] = { &w };
  gint64 part_n[1] = { 1 };

  g_assert_cmpint (pm_cpu_set_isa (PM_ISA_GENERIC), ==, PM_ISA_GENERIC);
  g_assert_null (pm_gemm_b_new_nk (1, parts, part_n, 1, 1, PM_PRECISION_F32));
  g_assert_cmpint (pm_precision_resolve (PM_PRECISION_BF16), ==, PM_PRECISION_F32);
  pm_cpu_set_isa (pm_cpu_get_native_isa ());
  g_assert_cmpint (pm_cpu_get_isa (), ==, pm_cpu_get_native_isa ());
}

static void
test_isa_names (void)
{
  PmIsa isa;

  for (PmIsa i = PM_ISA_GENERIC; i <= PM_ISA_AVX512_BF16; i++)
    {
      g_assert_true (pm_isa_from_string (pm_isa_to_string (i), &isa));
      g_assert_cmpint (isa, ==, i);
    }
  g_assert_false (pm_isa_from_string ("sse2", &isa));
  g_assert_false (pm_isa_from_string ("", &isa));
}

static void
test_precision_names (void)
{
  PmPrecision p;

  for (PmPrecision i = PM_PRECISION_AUTO; i <= PM_PRECISION_BF16; i++)
    {
      g_assert_true (pm_precision_from_string (pm_precision_to_string (i), &p));
      g_assert_cmpint (p, ==, i);
    }
  g_assert_false (pm_precision_from_string ("fp16", &p));
  g_assert_cmpint (pm_precision_resolve (PM_PRECISION_F32), ==, PM_PRECISION_F32);
  g_assert_cmpint (pm_precision_resolve (PM_PRECISION_AUTO), ==,
                   pm_cpu_get_isa () == PM_ISA_AVX512_BF16 ? PM_PRECISION_BF16
                                                           : PM_PRECISION_F32);
}

/* ---------------------------------------------------------------------------------------
 * Attention
 * ------------------------------------------------------------------------------------- */

/* Naive attention on qkv[n_seq·T, 3D] in double, sequence by sequence, with relative
 * positions over a gh × gw grid when @rel is given. */
static void
naive_attention (float                   *out,
                 const float             *qkv,
                 gint64                   n_seq,
                 gint64                   t,
                 gint64                   d,
                 int                      heads,
                 float                    scale,
                 gboolean                 causal,
                 const guint8            *mask,
                 const PmAttentionRelPos *rel)
{
  gint64 hd = d / heads;
  g_autofree double *p = g_new (double, t);

  for (gint64 sq = 0; sq < n_seq; sq++)
    for (int h = 0; h < heads; h++)
      for (gint64 i = 0; i < t; i++)
        {
          const float *qi = qkv + (sq * t + i) * 3 * d + h * hd;
          double max = -INFINITY, sum = 0;

          for (gint64 j = 0; j < t; j++)
            {
              const float *kj = qkv + (sq * t + j) * 3 * d + d + h * hd;
              double s = 0, bias = 0;

              for (gint64 c = 0; c < hd; c++)
                s += (double) qi[c] * kj[c];
              if (rel != NULL)
                {
                  gint64 qy = i / rel->gw, qx = i % rel->gw, ky = j / rel->gw, kx = j % rel->gw;
                  const float *rh = rel->rel_h + (qy - ky + rel->gh - 1) * hd;
                  const float *rw = rel->rel_w + (qx - kx + rel->gw - 1) * hd;

                  for (gint64 c = 0; c < hd; c++)
                    bias += (double) qi[c] * (rh[c] + rw[c]);
                }
              p[j] = (causal && j > i) || (mask != NULL && mask[j] == 0) ? -INFINITY
                                                                        : s * scale + bias;
              max = MAX (max, p[j]);
            }
          for (gint64 j = 0; j < t; j++)
            {
              p[j] = max == -INFINITY ? 0 : exp (p[j] - max);
              sum += p[j];
            }
          for (gint64 c = 0; c < hd; c++)
            {
              double acc = 0;
              for (gint64 j = 0; j < t; j++)
                acc += p[j] * qkv[(sq * t + j) * 3 * d + 2 * d + h * hd + c];
              out[(sq * t + i) * d + h * hd + c] = (float) (sum > 0 ? acc / sum : 0);
            }
        }
}

static void
check_attention (PmIsa       isa,
                 PmPrecision precision,
                 gint64      n_seq,
                 gint64      t,
                 gint64      d,
                 int         heads,
                 gboolean    causal,
                 gboolean    masked,
                 int         gh)
{
  gint64 hd = d / heads;
  int gw = gh > 0 ? (int) (t / gh) : 0;
  g_autofree float *qkv = random_floats (n_seq * t * 3 * d, 2.0);
  g_autofree float *got = random_floats (n_seq * t * d, 1.0);
  g_autofree float *want = g_new (float, n_seq * t * d);
  g_autofree guint8 *mask = g_new (guint8, t);
  g_autofree float *rel_h = gh > 0 ? random_floats ((2 * gh - 1) * hd, 0.5) : NULL;
  g_autofree float *rel_w = gh > 0 ? random_floats ((2 * gw - 1) * hd, 0.5) : NULL;
  PmAttentionRelPos rel = { gh, gw, rel_h, rel_w };
  float scale = 1.0f / sqrtf ((float) hd);
  double err;

  for (gint64 j = 0; j < t; j++)
    mask[j] = (j % 5) != 3;
  pm_cpu_set_isa (isa);
  pm_attention_qkv (got, d, qkv, n_seq, t, d, heads, scale, causal, masked ? mask : NULL,
                    gh > 0 ? &rel : NULL, precision);
  naive_attention (want, qkv, n_seq, t, d, heads, scale, causal, masked ? mask : NULL,
                   gh > 0 ? &rel : NULL);
  err = pm_tensor_nrmse (got, want, n_seq * t * d);
  if (err > tolerance (precision))
    g_test_message ("attention %s %s n_seq=%" G_GINT64_FORMAT " t=%" G_GINT64_FORMAT " d=%"
                    G_GINT64_FORMAT " heads=%d causal=%d masked=%d grid=%d: error %.3g",
                    pm_isa_to_string (isa), pm_precision_to_string (precision), n_seq, t, d,
                    heads, causal, masked, gh, err);
  g_assert_cmpfloat (err, <=, tolerance (precision));
}

static void
test_attention (void)
{
  PmIsa isas[4];
  int n_isas = kernel_isas (isas);
  static const struct { gint64 t, d; int heads; } cases[] = {
    { 1, 16, 1 }, { 7, 64, 4 }, { 13, 96, 2 }, { 33, 40, 5 }, { 50, 128, 2 }, { 101, 64, 1 },
  };

  for (int i = 0; i < n_isas; i++)
    for (PmPrecision p = PM_PRECISION_F32; p <= PM_PRECISION_BF16; p++)
      for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
        for (int variant = 0; variant < 3; variant++)
          check_attention (isas[i], p, 1, cases[c].t, cases[c].d, cases[c].heads,
                           variant == 1, variant == 2, 0);
  pm_cpu_set_isa (pm_cpu_get_native_isa ());
}

/* Several sequences at once (SAM's windows), with relative positions over grids (a
 * square window, a wide one, a 1 × n one, and a grid past a query block). */
static void
test_attention_grids (void)
{
  PmIsa isas[4];
  int n_isas = kernel_isas (isas);
  static const struct { gint64 n_seq, t, d; int heads, gh; } cases[] = {
    { 3, 16, 32, 2, 4 }, { 2, 15, 24, 1, 3 }, { 4, 7, 28, 2, 1 }, { 1, 70, 64, 2, 7 },
    { 5, 9, 48, 3, 0 },
  };

  for (int i = 0; i < n_isas; i++)
    for (PmPrecision p = PM_PRECISION_F32; p <= PM_PRECISION_BF16; p++)
      for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
        check_attention (isas[i], p, cases[c].n_seq, cases[c].t, cases[c].d, cases[c].heads,
                         FALSE, FALSE, cases[c].gh);
  pm_cpu_set_isa (pm_cpu_get_native_isa ());
}

/* Gathered A rows (zeros for < 0, not normed) and scattered output rows (dropped for < 0):
 * a window partition and its inverse, on every path. */
static void
test_gemm_row_maps (void)
{
  PmIsa isas[4];
  int n_isas = kernel_isas (isas);
  gint64 src_rows = 23, m = 30, n = 37, k = 45;
  g_autofree float *a = random_floats (src_rows * k, 1.0);
  g_autofree float *w = random_floats (n * k, 0.2);
  g_autofree float *bias = random_floats (n, 0.5);
  g_autofree float *gamma = random_floats (k, 1.0);
  g_autofree float *beta = random_floats (k, 0.3);
  g_autofree gint32 *gather = g_new (gint32, m);
  g_autofree gint32 *scatter = g_new (gint32, m);
  const float *parts[1] = { w };

  for (gint64 i = 0; i < m; i++)
    {
      gather[i] = i % 7 == 6 ? -1 : (gint32) ((i * 5) % src_rows);
      scatter[i] = i % 6 == 5 ? -1 : (gint32) ((i * 7) % m);   /* a permutation where ≥ 0 */
    }
  for (int i = 0; i < n_isas; i++)
    for (PmPrecision p = PM_PRECISION_F32; p <= PM_PRECISION_BF16; p++)
      {
        g_autofree float *got = random_floats (m * n, 1.0);
        g_autofree float *want = g_memdup2 (got, m * n * sizeof (float));
        PmGemmA ga = { a, k, gamma, beta, 1e-5f, gather };
        PmGemmOut go = { got, n, NULL, bias, PM_ACT_GELU, TRUE, scatter };
        PmGemmOut wo = go;
        PmGemmB *b;
        double err;

        pm_cpu_set_isa (isas[i]);
        b = pm_gemm_b_new_nk (1, parts, &n, k, k, p);
        pm_gemm (m, &ga, b, &go);
        wo.data = want;
        pm_gemm_reference (m, n, k, &ga, w, k, &wo);
        err = pm_tensor_nrmse (got, want, m * n);
        g_assert_cmpfloat (err, <=, tolerance (p));
        pm_gemm_b_free (b);
      }
  pm_cpu_set_isa (pm_cpu_get_native_isa ());
}

/* pm_gemm_mlp gives bit for bit what two pm_gemm () calls through a hidden buffer give
 * (the same kernels, packing and epilogues; only the order of the work differs), on row
 * counts that are and are not multiples of the A group, with a layer norm on the way in
 * and a residual on the way out, on one thread and on two. */
static void
check_mlp (PmIsa       isa,
           PmPrecision p,
           gint64      m,
           int         threads)
{
  gint64 k = 37, n1 = 70, n2 = 29;
  g_autofree float *a = random_floats (m * k, 1.0);
  g_autofree float *w1 = random_floats (n1 * k, 0.3);
  g_autofree float *b1 = random_floats (n1, 0.5);
  g_autofree float *w2 = random_floats (n2 * n1, 0.2);
  g_autofree float *b2 = random_floats (n2, 0.5);
  g_autofree float *gamma = random_floats (k, 1.0);
  g_autofree float *beta = random_floats (k, 0.3);
  g_autofree float *hidden = g_new (float, m * n1);
  g_autofree float *got = random_floats (m * n2, 1.0);
  g_autofree float *want = g_memdup2 (got, m * n2 * sizeof (float));
  g_autofree float *ref_hidden = g_new (float, m * n1);
  g_autofree float *ref = g_memdup2 (got, m * n2 * sizeof (float));
  const float *parts1[1] = { w1 }, *parts2[1] = { w2 };
  PmGemmA ga = { a, k, gamma, beta, 1e-5f, NULL };
  PmGemmA ha = { hidden, n1, NULL, NULL, 0, NULL };
  PmGemmA ra = { ref_hidden, n1, NULL, NULL, 0, NULL };
  PmGemmOut ho = { hidden, n1, NULL, b1, PM_ACT_RELU, FALSE, NULL };
  PmGemmOut rho = { ref_hidden, n1, NULL, b1, PM_ACT_RELU, FALSE, NULL };
  PmGemmOut go = { got, n2, NULL, b2, PM_ACT_NONE, TRUE, NULL };
  PmGemmOut wo = { want, n2, NULL, b2, PM_ACT_NONE, TRUE, NULL };
  PmGemmOut ro = { ref, n2, NULL, b2, PM_ACT_NONE, TRUE, NULL };
  PmGemmB *pb1, *pb2;

  pm_cpu_set_isa (isa);
  pm_pool_set_threads (threads);
  pb1 = pm_gemm_b_new_nk (1, parts1, &n1, k, k, p);
  pb2 = pm_gemm_b_new_nk (1, parts2, &n2, n1, n1, p);
  pm_gemm_mlp (m, &ga, pb1, b1, PM_ACT_RELU, pb2, &go);
  pm_gemm (m, &ga, pb1, &ho);
  pm_gemm (m, &ha, pb2, &wo);
  g_assert_cmpmem (got, m * n2 * sizeof (float), want, m * n2 * sizeof (float));
  pm_gemm_reference (m, n1, k, &ga, w1, k, &rho);
  pm_gemm_reference (m, n2, n1, &ra, w2, n1, &ro);
  g_assert_cmpfloat (pm_tensor_nrmse (got, ref, m * n2), <=, 2 * tolerance (p));
  pm_gemm_b_free (pb1);
  pm_gemm_b_free (pb2);
}

static void
test_gemm_mlp (void)
{
  PmIsa isas[4];
  int n_isas = kernel_isas (isas), threads = pm_pool_get_threads ();
  const gint64 rows[] = { 1, 12, 13, 50 };

  for (int i = 0; i < n_isas; i++)
    for (PmPrecision p = PM_PRECISION_F32; p <= PM_PRECISION_BF16; p++)
      for (guint r = 0; r < G_N_ELEMENTS (rows); r++)
        for (int t = 1; t <= 2; t++)
          check_mlp (isas[i], p, rows[r], t);
  pm_cpu_set_isa (pm_cpu_get_native_isa ());
  pm_pool_set_threads (threads);
}

/* ---------------------------------------------------------------------------------------
 * Pool
 * ------------------------------------------------------------------------------------- */

typedef struct {
  gint *hits;
  gint  nested_sum;
} PoolData;

static void
count_task (gint64   task,
            int      worker,
            gpointer data)
{
  PoolData *d = data;

  g_assert_cmpint (worker, >=, 0);
  g_assert_cmpint (worker, <, pm_pool_get_threads ());
  g_atomic_int_inc (&d->hits[task]);
}

static void
nested_task (gint64   task,
             int      worker,
             gpointer data)
{
  PoolData *d = data;
  gint local[3] = { 0 };
  PoolData inner = { local, 0 };

  /* a run from inside a task runs inline, on this worker */
  pm_pool_run (3, count_task, &inner);
  g_assert_cmpint (local[0] + local[1] + local[2], ==, 3);
  g_atomic_int_add (&d->nested_sum, 3);
  g_atomic_int_inc (&d->hits[task]);
}

static void
test_pool (void)
{
  const int counts[] = { 1, 2, 3, 17, 1000 };

  for (int threads = 1; threads <= 4; threads++)
    {
      pm_pool_set_threads (threads);
      g_assert_cmpint (pm_pool_get_threads (), ==, threads);
      for (guint c = 0; c < G_N_ELEMENTS (counts); c++)
        for (int rep = 0; rep < 20; rep++)
          {
            g_autofree gint *hits = g_new0 (gint, counts[c]);
            PoolData d = { hits, 0 };

            pm_pool_run (counts[c], rep % 2 ? nested_task : count_task, &d);
            for (int i = 0; i < counts[c]; i++)
              g_assert_cmpint (hits[i], ==, 1);
            g_assert_cmpint (d.nested_sum, ==, rep % 2 ? 3 * counts[c] : 0);
          }
    }
  pm_pool_run (0, count_task, NULL);
  pm_pool_set_threads (0);
  g_assert_cmpint (pm_pool_get_threads (), ==, (int) g_get_num_processors ());
}

/* pm_pool_run_here: every task once, in order, on the caller as worker 0; from inside a
 * task, on that task's worker; never on another thread. */
typedef struct {
  GThread *caller;
  int      worker;   /* the worker the tasks must see */
  gint64   next;
} HereData;

static void
here_task (gint64   task,
           int      worker,
           gpointer data)
{
  HereData *d = data;

  g_assert_true (g_thread_self () == d->caller);
  g_assert_cmpint (worker, ==, d->worker);
  g_assert_cmpint (task, ==, d->next);
  d->next++;
}

static void
here_nested_task (gint64   task,
                  int      worker,
                  gpointer data)
{
  HereData inner = { g_thread_self (), worker, 0 };
  gint *hits = data;

  pm_pool_run_here (5, here_task, &inner);
  g_assert_cmpint (inner.next, ==, 5);
  g_atomic_int_inc (&hits[task]);
}

static void
test_pool_here (void)
{
  for (int threads = 1; threads <= 2; threads++)
    {
      gint hits[40] = { 0 };
      HereData d = { g_thread_self (), 0, 0 };

      pm_pool_set_threads (threads);
      pm_pool_run_here (100, here_task, &d);
      g_assert_cmpint (d.next, ==, 100);
      pm_pool_run_here (0, here_task, &d);
      g_assert_cmpint (d.next, ==, 100);
      pm_pool_run (G_N_ELEMENTS (hits), here_nested_task, hits);
      for (guint i = 0; i < G_N_ELEMENTS (hits); i++)
        g_assert_cmpint (hits[i], ==, 1);
    }
  pm_pool_set_threads (0);
}

static void
test_pool_scratch (void)
{
  guint8 *a = pm_pool_scratch (0, 100);
  guint8 *b;

  g_assert_nonnull (a);
  g_assert_cmpuint ((guintptr) a % 64, ==, 0);
  memset (a, 1, 100);
  b = pm_pool_scratch (PM_POOL_SLOT_SHARED, 1 << 20);
  g_assert_cmpuint ((guintptr) b % 64, ==, 0);
  memset (b, 2, 1 << 20);
  g_assert_true (pm_pool_scratch (0, 50) == a);   /* not regrown */
}

int
main (int    argc,
      char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  rnd = g_rand_new_with_seed (20241);
  g_test_add_func ("/engine/gemm/isa-names", test_isa_names);
  g_test_add_func ("/engine/gemm/precision-names", test_precision_names);
  g_test_add_func ("/engine/gemm/pool", test_pool);
  g_test_add_func ("/engine/gemm/pool-scratch", test_pool_scratch);
  g_test_add_func ("/engine/gemm/pool-here", test_pool_here);
  g_test_add_func ("/engine/gemm/shapes", test_gemm_shapes);
  g_test_add_func ("/engine/gemm/epilogues", test_gemm_epilogues);
  g_test_add_func ("/engine/gemm/repack", test_gemm_repack);
  g_test_add_func ("/engine/gemm/activations", test_gemm_activations);
  g_test_add_func ("/engine/gemm/generic", test_gemm_generic);
  g_test_add_func ("/engine/gemm/attention", test_attention);
  g_test_add_func ("/engine/gemm/attention-grids", test_attention_grids);
  g_test_add_func ("/engine/gemm/row-maps", test_gemm_row_maps);
  g_test_add_func ("/engine/gemm/mlp", test_gemm_mlp);
  rc = g_test_run ();
  g_rand_free (rnd);
  return rc;
}
