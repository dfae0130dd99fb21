/* pm-ops-linear.c: packed Linear layers and fused attention on our GEMM kernels, with
 * an OpenBLAS path for CPUs without them, and the op profile.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-ops"

#include <math.h>
#include <string.h>
#include <time.h>

#include "pm-ops.h"
#include "pm-pool.h"
#include "pm-ops-private.h"   /* last: its pragma covers only the ops */

struct _PmLinear {
  gint64       n, k;
  PmPrecision  precision;   /* resolved: F32 or BF16 */
  PmGemmB     *packed;      /* NULL on the generic path */
  float       *bias;        /* [N], the parts' biases side by side; NULL if none */
  int          n_parts;
  PmTensor    *w;           /* the parts' weight views (the generic path reads them) */
};

/* ---------------------------------------------------------------------------------------
 * Profile
 * ------------------------------------------------------------------------------------- */

static GMutex profile_lock;
static gboolean profile_on;
static const char *profile_scope = "";
static GArray *profile_entries;

void
pm_ops_profile_enable (gboolean enable)
{
  g_mutex_lock (&profile_lock);
  profile_on = enable;
  g_mutex_unlock (&profile_lock);
}

void
pm_ops_profile_set_scope (const char *scope)
{
  g_mutex_lock (&profile_lock);
  profile_scope = scope != NULL ? scope : "";
  g_mutex_unlock (&profile_lock);
}

GArray *
pm_ops_profile_take (void)
{
  GArray *out;

  g_mutex_lock (&profile_lock);
  out = profile_entries != NULL ? profile_entries
                                : g_array_new (FALSE, TRUE, sizeof (PmOpProfileEntry));
  profile_entries = NULL;
  g_mutex_unlock (&profile_lock);
  return out;
}

static gboolean
profiling (void)
{
  gboolean on;

  g_mutex_lock (&profile_lock);
  on = profile_on;
  g_mutex_unlock (&profile_lock);
  return on;
}

/* Nanoseconds, not g_get_monotonic_time ()'s microseconds: the small ops of a small model
 * take less than a microsecond, and would add up to 0 ms (and "0 GFLOP/s"). */
static double
profile_now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
profile_add (const char *op,
             gint64      m,
             gint64      n,
             gint64      k,
             double      ms,
             double      flops,
             double      bytes)
{
  PmOpProfileEntry *e = NULL;

  g_mutex_lock (&profile_lock);
  if (profile_entries == NULL)
    profile_entries = g_array_new (FALSE, TRUE, sizeof (PmOpProfileEntry));
  for (guint i = 0; i < profile_entries->len && e == NULL; i++)
    {
      PmOpProfileEntry *c = &g_array_index (profile_entries, PmOpProfileEntry, i);
      if (c->scope == profile_scope && c->op == op && c->m == m && c->n == n && c->k == k)
        e = c;
    }
  if (e == NULL)
    {
      PmOpProfileEntry fresh = { profile_scope, op, m, n, k, 0, 0, 0, 0 };
      g_array_append_val (profile_entries, fresh);
      e = &g_array_index (profile_entries, PmOpProfileEntry, profile_entries->len - 1);
    }
  e->calls++;
  e->ms += ms;
  e->flops += flops;
  e->bytes += bytes;
  g_mutex_unlock (&profile_lock);
}

/* ---------------------------------------------------------------------------------------
 * Packed Linear
 * ------------------------------------------------------------------------------------- */

/**
 * pm_linear_new_stacked:
 * @n_parts: number of Linears (≥ 1)
 * @w: (array length=n_parts): weights [N_i, K], same K
 * @b: (array length=n_parts) (nullable): biases [N_i], or NULL for none
 * @precision: requested precision (resolved against the CPU)
 *
 * Returns: (transfer full): the packed layer
 */
PmLinear *
pm_linear_new_stacked (int             n_parts,
                       const PmTensor *w,
                       const PmTensor *b,
                       PmPrecision     precision)
{
  PmLinear *l;
  g_autofree const float **rows = g_new (const float *, n_parts);
  g_autofree gint64 *ns = g_new (gint64, n_parts);

  g_return_val_if_fail (n_parts >= 1 && w != NULL, NULL);
  l = g_new0 (PmLinear, 1);
  l->k = w[0].shape[1];
  l->n_parts = n_parts;
  l->w = g_new (PmTensor, n_parts);
  for (int p = 0; p < n_parts; p++)
    {
      g_assert_cmpint (w[p].n_dims, ==, 2);
      g_assert_cmpint (w[p].shape[1], ==, l->k);
      if (b != NULL)
        g_assert_cmpint (pm_tensor_numel (&b[p]), ==, w[p].shape[0]);
      l->w[p] = w[p];
      rows[p] = w[p].data;
      ns[p] = w[p].shape[0];
      l->n += ns[p];
    }
  if (b != NULL)
    {
      gint64 at = 0;
      l->bias = g_new (float, l->n);
      for (int p = 0; p < n_parts; p++)
        {
          memcpy (l->bias + at, b[p].data, ns[p] * sizeof (float));
          at += ns[p];
        }
    }
  l->packed = pm_gemm_b_new_nk (n_parts, rows, ns, l->k, l->k, precision);
  l->precision = l->packed != NULL ? pm_gemm_b_get_precision (l->packed) : PM_PRECISION_F32;
  return l;
}

PmLinear *
pm_linear_new (const PmTensor *w,
               const PmTensor *b,
               PmPrecision     precision)
{
  return pm_linear_new_stacked (1, w, b, precision);
}

void
pm_linear_free (PmLinear *l)
{
  if (l == NULL)
    return;
  pm_gemm_b_free (l->packed);
  g_free (l->bias);
  g_free (l->w);
  g_free (l);
}

gint64
pm_linear_get_in (const PmLinear *l)
{
  return l->k;
}

gint64
pm_linear_get_out (const PmLinear *l)
{
  return l->n;
}

PmPrecision
pm_linear_get_precision (const PmLinear *l)
{
  return l->precision;
}

gsize
pm_linear_get_packed_bytes (const PmLinear *l)
{
  return l->packed != NULL ? pm_gemm_b_get_bytes (l->packed) : 0;
}

/* ---------------------------------------------------------------------------------------
 * The generic path (OpenBLAS)
 * ------------------------------------------------------------------------------------- */

static float
activate (float        v,
          PmActivation act)
{
  switch (act)
    {
    case PM_ACT_RELU:
      return v > 0.0f ? v : 0.0f;
    case PM_ACT_QUICK_GELU:
      return v / (1.0f + pm_expf (-1.702f * v));
    case PM_ACT_GELU:
      return 0.5f * v * (1.0f + erff (v * 0.70710678118654752f));
    case PM_ACT_NONE:
    default:
      return v;
    }
}

static void
linear_generic (float                 *out,
                const float           *x,
                gint64                 m,
                const PmLinear        *l,
                const PmLinearOptions *o)
{
  gint64 n = l->n, k = l->k, col = 0;
  float *y;

  pm_pool_lock ();
  if (o->ln_gamma != NULL || o->gather != NULL)
    {
      /* the rows as A sees them: gathered (zeros for < 0), then normed */
      float *h = pm_pool_scratch (PM_POOL_SLOT_SHARED + 2, (gsize) m * k * sizeof (float));
      PmTensor hx = pm_tensor_view_2d (h, m, k);

      for (gint64 i = 0; i < m; i++)
        {
          gint64 src = o->gather != NULL ? o->gather[i] : i;
          if (src >= 0)
            memcpy (h + i * k, x + src * k, k * sizeof (float));
          else
            memset (h + i * k, 0, k * sizeof (float));
        }
      if (o->ln_gamma != NULL)
        {
          pm_op_layer_norm (&hx, &hx, o->ln_gamma, o->ln_beta, o->ln_eps);
          for (gint64 i = 0; o->gather != NULL && i < m; i++)
            if (o->gather[i] < 0)
              memset (h + i * k, 0, k * sizeof (float));   /* padding stays zero */
        }
      x = h;
    }
  y = pm_pool_scratch (PM_POOL_SLOT_SHARED + 3, (gsize) m * n * sizeof (float));
  /* y[M, N_p block] = x · W_pᵀ per part (W_p, [N_p, K], is the transposed side) */
  for (int p = 0; p < l->n_parts; p++)
    {
      pm_sgemm (FALSE, TRUE, m, l->w[p].shape[0], k, 1.0f, x, k, l->w[p].data, k, 0.0f,
                y + col, n);
      col += l->w[p].shape[0];
    }
  for (gint64 i = 0; i < m; i++)
    {
      gint64 at = o->scatter != NULL ? o->scatter[i] : i;

      for (gint64 j = 0; at >= 0 && j < n; j++)
        {
          float v = activate (y[i * n + j] + (l->bias != NULL ? l->bias[j] : 0.0f), o->act);
          out[at * n + j] = o->accumulate ? out[at * n + j] + v : v;
        }
    }
  pm_pool_unlock ();
}

/* ---------------------------------------------------------------------------------------
 * Ops
 * ------------------------------------------------------------------------------------- */

/**
 * pm_op_linear_fused:
 * @out: [M, N]
 * @x: [M, K] (leading dims flattened)
 * @linear: the packed layer
 * @options: (nullable): layer norm of @x, activation, accumulate
 *
 * out = act (LN (x) · wᵀ + b), or out += that.
 */
void
pm_op_linear_fused (PmTensor              *out,
                    const PmTensor        *x,
                    const PmLinear        *l,
                    const PmLinearOptions *options)
{
  static const PmLinearOptions plain = { NULL, NULL, 0, PM_ACT_NONE, FALSE, 0, NULL, NULL };
  const PmLinearOptions *o = options != NULL ? options : &plain;
  gboolean mapped = o->gather != NULL || o->scatter != NULL;
  gint64 m = mapped ? o->n_rows : pm_tensor_rows (x), k = pm_tensor_cols (x);
  gboolean prof = profiling ();
  double t0 = prof ? profile_now_ms () : 0;

  g_assert_cmpint (k, ==, l->k);
  g_assert_cmpint (pm_tensor_cols (out), ==, l->n);
  g_assert (out->data != x->data);
  if (o->gather == NULL)
    g_assert_cmpint (pm_tensor_rows (x), ==, m);
  if (o->scatter == NULL)
    g_assert_cmpint (pm_tensor_rows (out), ==, m);
  for (gint64 i = 0; mapped && i < m; i++)
    {
      if (o->gather != NULL)
        g_assert_cmpint (o->gather[i], <, pm_tensor_rows (x));
      if (o->scatter != NULL)
        g_assert_cmpint (o->scatter[i], <, pm_tensor_rows (out));
    }
  g_assert ((o->ln_gamma == NULL) == (o->ln_beta == NULL));
  if (o->ln_gamma != NULL)
    {
      g_assert_cmpint (pm_tensor_numel (o->ln_gamma), ==, k);
      g_assert_cmpint (pm_tensor_numel (o->ln_beta), ==, k);
    }
  if (l->packed != NULL)
    {
      PmGemmA a = { x->data, k, o->ln_gamma != NULL ? o->ln_gamma->data : NULL,
                    o->ln_beta != NULL ? o->ln_beta->data : NULL, o->ln_eps, o->gather };
      PmGemmOut c = { out->data, l->n, NULL, l->bias, o->act, o->accumulate, o->scatter };

      pm_gemm (m, &a, l->packed, &c);
    }
  else
    linear_generic (out->data, x->data, m, l, o);
  if (prof)
    profile_add ("linear", m, l->n, k, profile_now_ms () - t0,
                 2.0 * m * l->n * k,
                 4.0 * m * k + (l->packed != NULL ? pm_gemm_b_get_bytes (l->packed)
                                                  : 4.0 * l->n * k) +
                 4.0 * m * l->n * (o->accumulate ? 2 : 1));
}

/**
 * pm_op_mlp_fused:
 * @out: [M, N2]
 * @x: [M, K]
 * @fc1: [N1, K] (with bias)
 * @fc1_options: (nullable): layer norm of @x and activation (no accumulate, no row maps)
 * @fc2: [N2, N1]
 * @accumulate: out += … (a residual branch) instead of =
 *
 * out (=|+=) fc2 (act (fc1 (LN (x)))): the same numbers as pm_op_linear_fused () twice
 * through an [M, N1] buffer; on our kernels the hidden rows stay in cache, a group of rows
 * at a time (pm_gemm_mlp ()).
 */
void
pm_op_mlp_fused (PmTensor              *out,
                 const PmTensor        *x,
                 const PmLinear        *fc1,
                 const PmLinearOptions *fc1_options,
                 const PmLinear        *fc2,
                 gboolean               accumulate)
{
  static const PmLinearOptions plain = { NULL, NULL, 0, PM_ACT_NONE, FALSE, 0, NULL, NULL };
  const PmLinearOptions *o = fc1_options != NULL ? fc1_options : &plain;
  gint64 m = pm_tensor_rows (x), k = pm_tensor_cols (x);
  gboolean prof = profiling ();
  double t0 = prof ? profile_now_ms () : 0;

  g_assert (!o->accumulate && o->gather == NULL && o->scatter == NULL);
  g_assert_cmpint (k, ==, fc1->k);
  g_assert_cmpint (fc2->k, ==, fc1->n);
  g_assert_cmpint (pm_tensor_cols (out), ==, fc2->n);
  g_assert_cmpint (pm_tensor_rows (out), ==, m);
  g_assert (out->data != x->data);
  g_assert ((o->ln_gamma == NULL) == (o->ln_beta == NULL));
  if (o->ln_gamma != NULL)
    {
      g_assert_cmpint (pm_tensor_numel (o->ln_gamma), ==, k);
      g_assert_cmpint (pm_tensor_numel (o->ln_beta), ==, k);
    }
  if (fc1->packed != NULL && fc2->packed != NULL &&
      pm_gemm_b_get_precision (fc1->packed) == pm_gemm_b_get_precision (fc2->packed))
    {
      PmGemmA a = { x->data, k, o->ln_gamma != NULL ? o->ln_gamma->data : NULL,
                    o->ln_beta != NULL ? o->ln_beta->data : NULL, o->ln_eps, NULL };
      PmGemmOut c = { out->data, fc2->n, NULL, fc2->bias, PM_ACT_NONE, accumulate, NULL };

      pm_gemm_mlp (m, &a, fc1->packed, fc1->bias, o->act, fc2->packed, &c);
    }
  else
    {
      PmLinearOptions second = { NULL, NULL, 0, PM_ACT_NONE, accumulate, 0, NULL, NULL };
      g_autofree float *hidden = g_new (float, (gsize) m * fc1->n);
      PmTensor h = pm_tensor_view_2d (hidden, m, fc1->n);

      pm_op_linear_fused (&h, x, fc1, o);
      pm_op_linear_fused (out, &h, fc2, &second);
    }
  if (prof)
    profile_add ("mlp", m, fc2->n, k, profile_now_ms () - t0,
                 2.0 * m * fc1->n * (k + fc2->n),
                 4.0 * m * k + pm_linear_get_packed_bytes (fc1) +
                 pm_linear_get_packed_bytes (fc2) + 4.0 * m * fc2->n * (accumulate ? 2 : 1));
}

/**
 * pm_op_attention_qkv:
 * @out: [T, D]
 * @qkv: [T, 3D]
 * @n_heads: heads (D divisible by it)
 * @scale: score scale
 * @causal: mask keys after the query
 * @key_mask: (nullable): T entries, 0 = padding
 * @precision: F32, BF16 or AUTO (resolved against the CPU)
 */
void
pm_op_attention_qkv (PmTensor       *out,
                     const PmTensor *qkv,
                     int             n_heads,
                     float           scale,
                     gboolean        causal,
                     const guint8   *key_mask,
                     PmPrecision     precision)
{
  gint64 t = pm_tensor_rows (qkv), d = pm_tensor_cols (out);
  gboolean prof = profiling ();
  double t0 = prof ? profile_now_ms () : 0;

  g_assert_cmpint (pm_tensor_cols (qkv), ==, 3 * d);
  g_assert_cmpint (pm_tensor_rows (out), ==, t);
  g_assert_cmpint (n_heads, >, 0);
  g_assert_cmpint (d % n_heads, ==, 0);
  g_assert (out->data != qkv->data);
  if (pm_cpu_get_isa () != PM_ISA_GENERIC)
    pm_attention_qkv (out->data, d, qkv->data, 1, t, d, n_heads, scale, causal, key_mask, NULL,
                      precision);
  else
    {
      /* contiguous q, k, v for pm_op_attention */
      float *buf;
      PmTensor q, k, v, s;

      pm_pool_lock ();
      buf = pm_pool_scratch (PM_POOL_SLOT_SHARED + 2, (gsize) (3 * t * d + t * t) * sizeof (float));
      q = pm_tensor_view_2d (buf, t, d);
      k = pm_tensor_view_2d (buf + t * d, t, d);
      v = pm_tensor_view_2d (buf + 2 * t * d, t, d);
      s = pm_tensor_view_2d (buf + 3 * t * d, t, t);
      for (gint64 i = 0; i < t; i++)
        {
          memcpy (q.data + i * d, qkv->data + i * 3 * d, d * sizeof (float));
          memcpy (k.data + i * d, qkv->data + i * 3 * d + d, d * sizeof (float));
          memcpy (v.data + i * d, qkv->data + i * 3 * d + 2 * d, d * sizeof (float));
        }
      pm_op_attention (out, &q, &k, &v, n_heads, scale, causal, key_mask, &s);
      pm_pool_unlock ();
    }
  if (prof)
    profile_add ("attention", t, d, n_heads, profile_now_ms () - t0,
                 4.0 * t * t * d, 4.0 * t * 3 * d + 4.0 * t * d);
}

/**
 * pm_op_attention_qkv_grid:
 * @out: [n_grids·gh·gw, D]
 * @qkv: [n_grids·gh·gw, 3D]
 * @n_heads: heads (D divisible by it)
 * @scale: score scale
 * @gh: grid height
 * @gw: grid width
 * @rel_h: (nullable): [2·gh − 1, D/heads]
 * @rel_w: (nullable): [2·gw − 1, D/heads]
 * @precision: F32, BF16 or AUTO (resolved against the CPU)
 */
void
pm_op_attention_qkv_grid (PmTensor       *out,
                          const PmTensor *qkv,
                          int             n_heads,
                          float           scale,
                          int             gh,
                          int             gw,
                          const PmTensor *rel_h,
                          const PmTensor *rel_w,
                          PmPrecision     precision)
{
  gint64 rows = pm_tensor_rows (qkv), d = pm_tensor_cols (out), t = (gint64) gh * gw, hd;
  gboolean prof = profiling ();
  double t0 = prof ? profile_now_ms () : 0;

  g_assert_cmpint (pm_tensor_cols (qkv), ==, 3 * d);
  g_assert_cmpint (pm_tensor_rows (out), ==, rows);
  g_assert_cmpint (n_heads, >, 0);
  g_assert_cmpint (d % n_heads, ==, 0);
  g_assert_cmpint (t, >, 0);
  g_assert_cmpint (rows % t, ==, 0);
  g_assert ((rel_h == NULL) == (rel_w == NULL));
  g_assert (out->data != qkv->data);
  hd = d / n_heads;
  if (rel_h != NULL)
    {
      g_assert_cmpint (pm_tensor_numel (rel_h), ==, (2 * gh - 1) * hd);
      g_assert_cmpint (pm_tensor_numel (rel_w), ==, (2 * gw - 1) * hd);
    }
  if (pm_cpu_get_isa () != PM_ISA_GENERIC)
    {
      PmAttentionRelPos rel = { gh, gw, rel_h != NULL ? rel_h->data : NULL,
                                rel_w != NULL ? rel_w->data : NULL };

      pm_attention_qkv (out->data, d, qkv->data, rows / t, t, d, n_heads, scale, FALSE, NULL,
                        rel_h != NULL ? &rel : NULL, precision);
    }
  else
    {
      float *buf;
      PmTensor q, k, v, s;

      pm_pool_lock ();
      buf = pm_pool_scratch (PM_POOL_SLOT_SHARED + 2,
                             (3 * rows * d + pm_op_attention_rel_pos_scratch_size (gh, gw, hd)) *
                             sizeof (float));
      q = pm_tensor_view_2d (buf, rows, d);
      k = pm_tensor_view_2d (buf + rows * d, rows, d);
      v = pm_tensor_view_2d (buf + 2 * rows * d, rows, d);
      s = pm_tensor_view_1d (buf + 3 * rows * d, pm_op_attention_rel_pos_scratch_size (gh, gw, hd));
      for (gint64 i = 0; i < rows; i++)
        {
          memcpy (q.data + i * d, qkv->data + i * 3 * d, d * sizeof (float));
          memcpy (k.data + i * d, qkv->data + i * 3 * d + d, d * sizeof (float));
          memcpy (v.data + i * d, qkv->data + i * 3 * d + 2 * d, d * sizeof (float));
        }
      pm_op_attention_rel_pos (out, &q, &k, &v, n_heads, scale, gh, gw, rel_h, rel_w, &s);
      pm_pool_unlock ();
    }
  if (prof)
    profile_add ("attention", rows, d, n_heads, profile_now_ms () - t0,
                 4.0 * rows * t * d, 4.0 * rows * 3 * d + 4.0 * rows * d);
}
