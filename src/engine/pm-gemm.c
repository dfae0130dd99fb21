/* pm-gemm.c: the GEMM driver: kernel choice, B packing, tiling over the pool, and a
 * naive reference for tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-gemm"

#include "pm-gemm-private.h"

#include <math.h>
#include <string.h>

#include "pm-pool.h"

/* A tile's A part should stay well inside L2 while B panels stream past it. */
#define TILE_A_BYTES (256 * 1024)

const PmGemmKernels *
pm_gemm_kernels_get (PmIsa       isa,
                     PmPrecision precision)
{
#if defined(__GNUC__) && defined(__x86_64__)
  switch (isa)
    {
    case PM_ISA_AVX512_BF16:
      return precision == PM_PRECISION_BF16 ? &pm_gemm_kernels_avx512_bf16
                                            : &pm_gemm_kernels_avx512_f32;
    case PM_ISA_AVX512:
      return &pm_gemm_kernels_avx512_f32;
    case PM_ISA_AVX2:
      return &pm_gemm_kernels_avx2_f32;
    case PM_ISA_GENERIC:
    default:
      return NULL;
    }
#else
  return NULL;
#endif
}

PmPrecision
pm_precision_resolve (PmPrecision request)
{
  if (request != PM_PRECISION_F32 && pm_cpu_get_isa () == PM_ISA_AVX512_BF16)
    return PM_PRECISION_BF16;
  return PM_PRECISION_F32;
}

const char *
pm_precision_to_string (PmPrecision precision)
{
  switch (precision)
    {
    case PM_PRECISION_F32:
      return "f32";
    case PM_PRECISION_BF16:
      return "bf16";
    case PM_PRECISION_AUTO:
    default:
      return "auto";
    }
}

gboolean
pm_precision_from_string (const char  *text,
                          PmPrecision *out)
{
  if (g_ascii_strcasecmp (text, "auto") == 0)
    *out = PM_PRECISION_AUTO;
  else if (g_ascii_strcasecmp (text, "f32") == 0)
    *out = PM_PRECISION_F32;
  else if (g_ascii_strcasecmp (text, "bf16") == 0)
    *out = PM_PRECISION_BF16;
  else
    return FALSE;
  return TRUE;
}

/* ---------------------------------------------------------------------------------------
 * Packed B
 * ------------------------------------------------------------------------------------- */

typedef struct {
  PmGemmB             *b;
  int                  n_parts;
  const float * const *w;
  const gint64        *n;
  gint64               ldw;
} PackBJob;

/* Row pointer of output column @col across the stacked parts (NULL past the end). */
static const float *
part_row (const PackBJob *job,
          gint64          col)
{
  for (int p = 0; p < job->n_parts; p++)
    {
      if (col < job->n[p])
        return job->w[p] + col * job->ldw;
      col -= job->n[p];
    }
  return NULL;
}

static void
pack_b_task (gint64   panel,
             int      worker,
             gpointer data)
{
  PackBJob *job = data;
  PmGemmB *b = job->b;
  const float *rows[64];

  g_assert (b->kr->nr <= (int) G_N_ELEMENTS (rows));
  for (int j = 0; j < b->kr->nr; j++)
    rows[j] = part_row (job, panel * b->kr->nr + j);
  b->kr->pack_b_nk (rows, b->k, b->k_pad, b->data + panel * b->panel_bytes);
}

gboolean
pm_gemm_packs (PmPrecision precision)
{
  return pm_gemm_kernels_get (pm_cpu_get_isa (), pm_precision_resolve (precision)) != NULL;
}

/* The B that packs K×N at @precision for the ISA in use: @reuse when its storage is large
 * enough, else a new one (@reuse is freed). Sizes are set, the panels are not packed.
 * NULL (with @reuse freed) when the ISA has no kernels (PM_ISA_GENERIC). */
static PmGemmB *
b_prepare (PmGemmB     *reuse,
           PmPrecision  precision,
           gint64       k,
           gint64       n)
{
  const PmGemmKernels *kr = pm_gemm_kernels_get (pm_cpu_get_isa (),
                                                 pm_precision_resolve (precision));
  gint64 k_pad, n_panels;
  gsize panel_bytes;
  PmGemmB *b = reuse;

  if (kr == NULL)
    {
      pm_gemm_b_free (reuse);
      return NULL;
    }
  k_pad = pm_gemm_round_up (k, PM_GEMM_KC);
  n_panels = (n + kr->nr - 1) / kr->nr;
  panel_bytes = (gsize) k_pad * kr->nr * kr->elem;
  if (b == NULL || b->n_panels * b->panel_bytes < n_panels * panel_bytes)
    {
      pm_gemm_b_free (b);
      b = g_new0 (PmGemmB, 1);
      b->data = g_aligned_alloc (n_panels, panel_bytes, 64);
    }
  b->kr = kr;
  b->k = k;
  b->n = n;
  b->k_pad = k_pad;
  b->n_panels = n_panels;
  b->panel_bytes = panel_bytes;
  return b;
}

/**
 * pm_gemm_b_new_nk:
 * @n_parts: number of W blocks stacked along N
 * @w: (array length=n_parts): each block's first row
 * @n: (array length=n_parts): each block's rows
 * @k: columns of every block (K)
 * @ldw: row stride of every block, ≥ K
 * @precision: requested (BF16 becomes F32 without AVX512_BF16)
 *
 * Returns: (transfer full) (nullable): the packed B, NULL on PM_ISA_GENERIC
 */
PmGemmB *
pm_gemm_b_new_nk (int                  n_parts,
                  const float * const *w,
                  const gint64        *n,
                  gint64               k,
                  gint64               ldw,
                  PmPrecision          precision)
{
  PackBJob job = { NULL, n_parts, w, n, ldw };
  gint64 n_total = 0;

  g_return_val_if_fail (n_parts >= 1 && k >= 1 && ldw >= k, NULL);
  for (int p = 0; p < n_parts; p++)
    n_total += n[p];
  job.b = b_prepare (NULL, precision, k, n_total);
  if (job.b != NULL)
    pm_pool_run (job.b->n_panels, pack_b_task, &job);
  return job.b;
}

typedef struct {
  PmGemmB     *b;
  const float *src;
  gint64       ldb;
} PackKnJob;

static void
pack_kn_task (gint64   panel,
              int      worker,
              gpointer data)
{
  PackKnJob *job = data;
  PmGemmB *b = job->b;

  b->kr->pack_b_kn (job->src + panel * b->kr->nr, job->ldb,
                    (int) MIN (b->kr->nr, b->n - panel * b->kr->nr), b->k, b->k_pad,
                    b->data + panel * b->panel_bytes);
}

/**
 * pm_gemm_b_new_kn:
 * @reuse: (nullable) (transfer full): a B to repack into when its storage is large enough
 *   (it is freed otherwise)
 * @b: B[K, N] row-major (an activation such as attention values, not a weight)
 * @k: rows of B
 * @n: columns of B
 * @ldb: row stride, ≥ N
 * @precision: requested (BF16 becomes F32 without AVX512_BF16)
 *
 * Packs B as it is (not transposed) for the ISA in use, over the pool.
 *
 * Returns: (transfer full) (nullable): the packed B, NULL on PM_ISA_GENERIC
 */
PmGemmB *
pm_gemm_b_new_kn (PmGemmB     *reuse,
                  const float *b,
                  gint64       k,
                  gint64       n,
                  gint64       ldb,
                  PmPrecision  precision)
{
  PackKnJob job = { NULL, b, ldb };

  g_return_val_if_fail (k >= 1 && n >= 1 && ldb >= n, NULL);
  job.b = b_prepare (reuse, precision, k, n);
  if (job.b != NULL)
    pm_pool_run (job.b->n_panels, pack_kn_task, &job);
  return job.b;
}

/**
 * pm_gemm_b_renew_nk:
 * @reuse: (nullable) (transfer full): a B to repack into when its storage is large enough
 *   (it is freed otherwise)
 * @w: W[N, K] row-major (row n at w + n·ldw)
 * @n: rows of W
 * @k: columns of W
 * @ldw: row stride, ≥ K
 * @precision: requested
 *
 * pm_gemm_b_new_nk () of one part into reused storage (per-call operands such as an
 * attention's keys).
 *
 * Returns: (transfer full) (nullable): the packed B, NULL on PM_ISA_GENERIC
 */
PmGemmB *
pm_gemm_b_renew_nk (PmGemmB     *reuse,
                    const float *w,
                    gint64       n,
                    gint64       k,
                    gint64       ldw,
                    PmPrecision  precision)
{
  PackBJob job = { NULL, 1, &w, &n, ldw };

  g_return_val_if_fail (n >= 1 && k >= 1 && ldw >= k, NULL);
  job.b = b_prepare (reuse, precision, k, n);
  if (job.b != NULL)
    pm_pool_run (job.b->n_panels, pack_b_task, &job);
  return job.b;
}

void
pm_gemm_b_free (PmGemmB *b)
{
  if (b == NULL)
    return;
  g_aligned_free (b->data);
  g_free (b);
}

gint64
pm_gemm_b_get_n (const PmGemmB *b)
{
  return b->n;
}

gint64
pm_gemm_b_get_k (const PmGemmB *b)
{
  return b->k;
}

PmPrecision
pm_gemm_b_get_precision (const PmGemmB *b)
{
  return b->kr->precision;
}

PmIsa
pm_gemm_b_get_isa (const PmGemmB *b)
{
  return b->kr->isa;
}

gsize
pm_gemm_b_get_bytes (const PmGemmB *b)
{
  return b->n_panels * b->panel_bytes;
}

/* ---------------------------------------------------------------------------------------
 * The product
 * ------------------------------------------------------------------------------------- */

typedef struct {
  const PmGemmKernels *kr;
  const PmGemmA       *a;
  const PmGemmB       *b;
  const PmGemmOut     *out;
  gint64               m;
  guint8              *pa;           /* packed A, groups × a_group_bytes */
  gsize                a_group_bytes;
  gint64               groups;
  gint64               groups_per_pack;
  gint64               gb, pb;       /* tile: groups × panels */
  gint64               n_gblocks;
} GemmJob;

static void
pack_a_task (gint64   task,
             int      worker,
             gpointer data)
{
  GemmJob *job = data;
  gint64 g0 = task * job->groups_per_pack, g1 = MIN (job->groups, g0 + job->groups_per_pack);
  int mr = job->kr->mr;

  for (gint64 g = g0; g < g1; g++)
    job->kr->pack_a (job->a, g * mr, (int) MIN (mr, job->m - g * mr), job->b->k,
                     job->b->k_pad, job->pa + g * job->a_group_bytes);
}

static void
tile_task (gint64   task,
           int      worker,
           gpointer data)
{
  GemmJob *job = data;
  const PmGemmKernels *kr = job->kr;
  const PmGemmB *b = job->b;
  gint64 gblock = task % job->n_gblocks, pblock = task / job->n_gblocks;
  gint64 g0 = gblock * job->gb, g1 = MIN (job->groups, g0 + job->gb);
  gint64 p0 = pblock * job->pb, p1 = MIN (b->n_panels, p0 + job->pb);
  gint64 n_chunks = b->k_pad / PM_GEMM_KC;
  float c[16 * 32] __attribute__ ((aligned (64)));

  g_assert (kr->mr * kr->nr <= (int) G_N_ELEMENTS (c));
  for (gint64 p = p0; p < p1; p++)
    {
      const guint8 *panel = b->data + p * b->panel_bytes;
      int cols = (int) MIN (kr->nr, b->n - p * kr->nr);

      for (gint64 g = g0; g < g1; g++)
        {
          kr->kernel (n_chunks, job->pa + g * job->a_group_bytes, panel, c, kr->nr);
          kr->store (c, (int) MIN (kr->mr, job->m - g * kr->mr), cols, g * kr->mr,
                     p * kr->nr, job->out);
        }
    }
}

/**
 * pm_gemm:
 * @m: rows of A and of the output
 * @a: A (f32 rows, K = pm_gemm_b_get_k (b)), optionally layer-normed
 * @b: packed B for the ISA in use
 * @out: output rows and epilogue
 *
 * out = act (row_scale ⊙ (A · B) + bias) (or += with accumulate). @out must not overlap @a.
 */
void
pm_gemm (gint64           m,
         const PmGemmA   *a,
         const PmGemmB   *b,
         const PmGemmOut *out)
{
  GemmJob job = { 0 };
  void (*run) (gint64, PmPoolFunc, gpointer);
  int threads;
  gint64 tasks_wanted, work;

  g_return_if_fail (m >= 0 && a != NULL && b != NULL && out != NULL);
  g_assert (b->kr == pm_gemm_kernels_get (pm_cpu_get_isa (), b->kr->precision));
  g_assert (a->ld >= b->k && out->ld >= b->n);
  if (m == 0)
    return;
  job.kr = b->kr;
  job.a = a;
  job.b = b;
  job.out = out;
  job.m = m;
  job.groups = (m + b->kr->mr - 1) / b->kr->mr;
  job.a_group_bytes = (gsize) b->kr->mr * b->k_pad * b->kr->elem;

  run = 2.0 * m * b->n * b->k < PM_GEMM_SERIAL_FLOPS ? pm_pool_run_here : pm_pool_run;
  pm_pool_lock ();
  threads = pm_pool_get_threads ();
  job.pa = pm_pool_scratch (PM_POOL_SLOT_SHARED, job.groups * job.a_group_bytes);
  job.groups_per_pack = MAX (1, job.groups / (4 * threads));
  run ((job.groups + job.groups_per_pack - 1) / job.groups_per_pack, pack_a_task, &job);

  /* Tiles: as many groups as fit TILE_A_BYTES, panels so that there are a few tasks per
   * thread (a slow core then costs one small task, not half the product). */
  job.gb = CLAMP ((gint64) (TILE_A_BYTES / job.a_group_bytes), 1, 16);
  job.gb = MIN (job.gb, job.groups);
  job.n_gblocks = (job.groups + job.gb - 1) / job.gb;
  tasks_wanted = 4 * threads;
  work = job.n_gblocks * b->n_panels;
  job.pb = CLAMP (work / tasks_wanted, 1, 8);
  run (job.n_gblocks * ((b->n_panels + job.pb - 1) / job.pb), tile_task, &job);
  pm_pool_unlock ();
}

/* ---------------------------------------------------------------------------------------
 * Two products in a row (a transformer's MLP)
 * ------------------------------------------------------------------------------------- */

typedef struct {
  const PmGemmKernels *kr;
  const PmGemmA       *a;
  const PmGemmB       *b1, *b2;
  const float         *bias1;
  PmActivation         act1;
  const PmGemmOut     *out;
  gint64               m;
} MlpJob;

/* Rows B1 (or B2) panel by panel into @out: the micro-kernel over every panel of one A
 * group, each tile through the epilogue at (m0, panel's first column). */
static void
group_times_b (const PmGemmKernels *kr,
               const guint8        *pa,
               const PmGemmB       *b,
               int                  rows,
               gint64               m0,
               const PmGemmOut     *out)
{
  float c[16 * 32] __attribute__ ((aligned (64)));

  g_assert (kr->mr * kr->nr <= (int) G_N_ELEMENTS (c));
  for (gint64 p = 0; p < b->n_panels; p++)
    {
      kr->kernel (b->k_pad / PM_GEMM_KC, pa, b->data + p * b->panel_bytes, c, kr->nr);
      kr->store (c, rows, (int) MIN (kr->nr, b->n - p * kr->nr), m0, p * kr->nr, out);
    }
}

/* One A group through both products: its hidden rows (mr × N1 floats) and both packed A
 * groups live in the worker's scratch, in cache, and never in memory as a whole. */
static void
mlp_task (gint64   group,
          int      worker,
          gpointer data)
{
  MlpJob *job = data;
  const PmGemmKernels *kr = job->kr;
  gint64 m0 = group * kr->mr, n1 = job->b1->n;
  int rows = (int) MIN (kr->mr, job->m - m0);
  gsize a1_bytes = (gsize) kr->mr * job->b1->k_pad * kr->elem;
  gsize a2_bytes = (gsize) kr->mr * job->b2->k_pad * kr->elem;
  guint8 *pa1 = pm_pool_scratch (worker, a1_bytes + a2_bytes + kr->mr * n1 * sizeof (float));
  guint8 *pa2 = pa1 + a1_bytes;
  float *hidden = (float *) (pa2 + a2_bytes);
  PmGemmOut h_out = { hidden, n1, NULL, job->bias1, job->act1, FALSE, NULL };
  PmGemmA h_in = { hidden, n1, NULL, NULL, 0, NULL };

  kr->pack_a (job->a, m0, rows, job->b1->k, job->b1->k_pad, pa1);
  group_times_b (kr, pa1, job->b1, rows, 0, &h_out);
  kr->pack_a (&h_in, 0, rows, job->b2->k, job->b2->k_pad, pa2);
  group_times_b (kr, pa2, job->b2, rows, m0, job->out);
}

/**
 * pm_gemm_mlp:
 * @m: rows of A
 * @a: A[M, K1] (a layer norm and a gather as for pm_gemm ())
 * @b1: the first product's packed B [K1, N1]
 * @bias1: (nullable): [N1]
 * @act1: activation of the first product
 * @b2: the second product's packed B [N1, N2]
 * @out: epilogue of the second product (M × N2)
 *
 * out = act1 (A · B1 + bias1) · B2 through @out's epilogue: the same numbers as pm_gemm ()
 * into an [M, N1] buffer followed by pm_gemm () from it, but a task takes one group of
 * rows through both products, so the hidden rows stay in the core's cache (and the two
 * products cost one run of the pool, not four).
 */
void
pm_gemm_mlp (gint64           m,
             const PmGemmA   *a,
             const PmGemmB   *b1,
             const float     *bias1,
             PmActivation     act1,
             const PmGemmB   *b2,
             const PmGemmOut *out)
{
  MlpJob job = { b1->kr, a, b1, b2, bias1, act1, out, m };

  g_return_if_fail (m >= 0 && a != NULL && out != NULL);
  g_assert (b1->kr == pm_gemm_kernels_get (pm_cpu_get_isa (), b1->kr->precision));
  g_assert (b2->kr == b1->kr);
  g_assert (b2->k == b1->n && a->ld >= b1->k && out->ld >= b2->n);
  if (m == 0)
    return;
  pm_pool_run ((m + job.kr->mr - 1) / job.kr->mr, mlp_task, &job);
}

/* ---------------------------------------------------------------------------------------
 * Reference
 * ------------------------------------------------------------------------------------- */

static double
ref_activate (double       v,
              PmActivation act)
{
  switch (act)
    {
    case PM_ACT_RELU:
      return v > 0 ? v : 0;
    case PM_ACT_QUICK_GELU:
      return v / (1 + exp (-1.702 * v));
    case PM_ACT_GELU:
      return 0.5 * v * (1 + erf (v / sqrt (2.0)));
    case PM_ACT_NONE:
    default:
      return v;
    }
}

void
pm_gemm_reference (gint64           m,
                   gint64           n,
                   gint64           k,
                   const PmGemmA   *a,
                   const float     *w,
                   gint64           ldw,
                   const PmGemmOut *out)
{
  g_autofree double *row = g_new (double, k);

  for (gint64 i = 0; i < m; i++)
    {
      gint64 src = a->rows != NULL ? a->rows[i] : i;
      gint64 at = out->rows != NULL ? out->rows[i] : i;
      const float *x = a->data + MAX (src, 0) * a->ld;

      if (at < 0)
        continue;
      for (gint64 l = 0; l < k; l++)
        row[l] = src >= 0 ? x[l] : 0.0;
      if (a->ln_gamma != NULL && src >= 0)
        {
          double mean = 0, var = 0;
          for (gint64 l = 0; l < k; l++)
            mean += row[l];
          mean /= k;
          for (gint64 l = 0; l < k; l++)
            var += (row[l] - mean) * (row[l] - mean);
          var /= k;
          for (gint64 l = 0; l < k; l++)
            row[l] = (row[l] - mean) / sqrt (var + a->ln_eps) * a->ln_gamma[l] + a->ln_beta[l];
        }
      for (gint64 j = 0; j < n; j++)
        {
          double acc = 0, v;
          float *dst = out->data + at * out->ld + j;

          for (gint64 l = 0; l < k; l++)
            acc += row[l] * w[j * ldw + l];
          if (out->row_scale != NULL)
            acc *= out->row_scale[i];
          if (out->bias != NULL)
            acc += out->bias[j];
          v = ref_activate (acc, out->act);
          *dst = (float) (out->accumulate ? *dst + v : v);
        }
    }
}
