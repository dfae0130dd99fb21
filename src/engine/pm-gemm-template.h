/* pm-gemm-template.h: packing, epilogue and softmax code shared by the per-ISA kernel
 * files; each includes it once, compiled for its own instruction set, after defining
 *   PM_T_MR, PM_T_NR   micro-tile rows and columns
 *   PM_T_BF16          1: elements are bf16 (pairs for vdpbf16ps), 0: f32
 *   PM_T_ISA, PM_T_TABLE  the PmIsa value and the name of the table to define
 *   t_kernel ()        the micro-kernel (see PmGemmKernels.kernel)
 * and optionally, in vector intrinsics (compilers use narrower vectors than they could):
 *   PM_T_EXP_BLOCK     t_exp_block (): v[i] = eˣ for 16·n values, pm_expf's function
 *   PM_T_PACK_A        t_pack_a () (and TElem)
 *   PM_T_PACK_B_NK     t_pack_b_nk ()
 *   PM_T_SOFTMAX_PACK  t_softmax_pack ()
 * The loops here are plain C written to vectorise (fixed-width inner loops, no
 * reductions in an order that would need -ffast-math).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "pm-gemm-private.h"
#include "pm-ops-private.h"

#ifndef PM_T_PACK_A   /* the AVX-512 files define TElem with their row code */
#if PM_T_BF16
typedef guint16 TElem;
#else
typedef float TElem;
#endif
#endif

#define T_LANES 16   /* fixed-order lanes of the row reductions */

G_STATIC_ASSERT (T_LANES == PM_GEMM_KC);

#ifndef PM_T_EXP_BLOCK
/* v[i] = e^v[i] for i < n (n a multiple of 16) */
static inline void
t_exp_block (float *v,
             int    n)
{
  for (int i = 0; i < n; i++)
    v[i] = pm_expf (v[i]);
}
#endif

/* f32 → bf16, rounding to nearest even (NaN stays NaN). */
static inline guint16
t_bf16 (float f)
{
  guint32 u, r;

  memcpy (&u, &f, sizeof u);
  r = u + 0x7fffu + ((u >> 16) & 1u);
  r = (u & 0x7fffffffu) > 0x7f800000u ? (u | 0x00400000u) : r;
  return (guint16) (r >> 16);
}

static inline TElem
t_elem (float v)
{
#if PM_T_BF16
  return t_bf16 (v);
#else
  return v;
#endif
}

/* Position of element (kk, j) in a B panel. */
static inline gsize
t_b_index (gint64 kk,
           int    j)
{
#if PM_T_BF16
  return (gsize) (kk >> 1) * (2 * PM_T_NR) + 2 * j + (kk & 1);
#else
  return (gsize) kk * PM_T_NR + j;
#endif
}

/* ---------------------------------------------------------------------------------------
 * A
 * ------------------------------------------------------------------------------------- */

#ifndef PM_T_PACK_A
/* Mean and 1/σ of a row, as torch.nn.LayerNorm (biased variance), in T_LANES lanes. */
static void
t_row_stats (const float *x,
             gint64       k,
             float        eps,
             float       *mean_out,
             float       *rstd_out)
{
  float lane[T_LANES] = { 0 }, sum = 0, sq = 0, mean;
  gint64 k16 = k / T_LANES * T_LANES;

  for (gint64 i = 0; i < k16; i += T_LANES)
    for (int l = 0; l < T_LANES; l++)
      lane[l] += x[i + l];
  for (int l = 0; l < T_LANES; l++)
    sum += lane[l];
  for (gint64 i = k16; i < k; i++)
    sum += x[i];
  mean = sum / (float) k;
  for (int l = 0; l < T_LANES; l++)
    lane[l] = 0;
  for (gint64 i = 0; i < k16; i += T_LANES)
    for (int l = 0; l < T_LANES; l++)
      {
        float c = x[i + l] - mean;
        lane[l] += c * c;
      }
  for (int l = 0; l < T_LANES; l++)
    sq += lane[l];
  for (gint64 i = k16; i < k; i++)
    sq += (x[i] - mean) * (x[i] - mean);
  *mean_out = mean;
  *rstd_out = 1.0f / sqrtf (sq / (float) k + eps);
}

static void
t_pack_a (const PmGemmA *a,
          gint64         row0,
          int            rows,
          gint64         k,
          gint64         k_pad,
          void          *dst)
{
  TElem *out = dst;
  gint64 n_chunks = k_pad / PM_GEMM_KC, full = k / PM_GEMM_KC;

  for (int r = 0; r < PM_T_MR; r++)
    {
      gint64 src = r >= rows ? -1 : a->rows != NULL ? a->rows[row0 + r] : row0 + r;
      const float *x = a->data + MAX (src, 0) * a->ld;
      float mean = 0, rstd = 1;

      if (src < 0)
        {
          for (gint64 c = 0; c < n_chunks; c++)
            memset (out + (c * PM_T_MR + r) * PM_GEMM_KC, 0, PM_GEMM_KC * sizeof (TElem));
          continue;
        }
      if (a->ln_gamma != NULL)
        t_row_stats (x, k, a->ln_eps, &mean, &rstd);
      for (gint64 c = 0; c < n_chunks; c++)
        {
          TElem *o = out + (c * PM_T_MR + r) * PM_GEMM_KC;
          const float *xc = x + c * PM_GEMM_KC;

          if (c < full && a->ln_gamma != NULL)
            {
              const float *g = a->ln_gamma + c * PM_GEMM_KC, *b = a->ln_beta + c * PM_GEMM_KC;
              for (int e = 0; e < PM_GEMM_KC; e++)
                o[e] = t_elem ((xc[e] - mean) * rstd * g[e] + b[e]);
            }
          else if (c < full)
            for (int e = 0; e < PM_GEMM_KC; e++)
              o[e] = t_elem (xc[e]);
          else
            for (int e = 0; e < PM_GEMM_KC; e++)
              {
                gint64 i = c * PM_GEMM_KC + e;
                float v = 0;
                if (i < k)
                  v = a->ln_gamma != NULL ?
                      (x[i] - mean) * rstd * a->ln_gamma[i] + a->ln_beta[i] : x[i];
                o[e] = t_elem (v);
              }
        }
    }
}
#endif

/* ---------------------------------------------------------------------------------------
 * B
 * ------------------------------------------------------------------------------------- */

#ifndef PM_T_PACK_B_NK
static void
t_pack_b_nk (const float * const *rows,
             gint64               k,
             gint64               k_pad,
             void                *dst)
{
  gint64 full = k / PM_GEMM_KC * PM_GEMM_KC;

  for (int j = 0; j < PM_T_NR; j++)
    {
      const float *w = rows[j];
      TElem tmp[PM_GEMM_KC];

      for (gint64 kk = 0; kk < k_pad; kk += PM_GEMM_KC)
        {
          if (w != NULL && kk < full)
            for (int e = 0; e < PM_GEMM_KC; e++)
              tmp[e] = t_elem (w[kk + e]);
          else
            for (int e = 0; e < PM_GEMM_KC; e++)
              tmp[e] = t_elem (w != NULL && kk + e < k ? w[kk + e] : 0.0f);
#if PM_T_BF16
          /* k pairs are 32-bit words: word (kk/2 + p, j) */
          {
            guint32 *out = (guint32 *) dst + (gsize) (kk / 2) * PM_T_NR + j;
            for (int p = 0; p < PM_GEMM_KC / 2; p++)
              {
                guint32 pair;
                memcpy (&pair, tmp + 2 * p, sizeof pair);
                out[p * PM_T_NR] = pair;
              }
          }
#else
          {
            float *out = (float *) dst + (gsize) kk * PM_T_NR + j;
            for (int e = 0; e < PM_GEMM_KC; e++)
              out[e * PM_T_NR] = tmp[e];
          }
#endif
        }
    }
}
#endif

static void
t_pack_b_kn (const float *b,
             gint64       ldb,
             int          cols,
             gint64       k,
             gint64       k_pad,
             void        *dst)
{
  float zero[PM_T_NR] = { 0 };

#if PM_T_BF16
  /* word (q, j) = (row 2q, row 2q + 1) at column j */
  for (gint64 q = 0; q < k_pad / 2; q++)
    {
      const float *r0 = 2 * q < k ? b + 2 * q * ldb : zero;
      const float *r1 = 2 * q + 1 < k ? b + (2 * q + 1) * ldb : zero;
      guint32 *out = (guint32 *) dst + (gsize) q * PM_T_NR;

      if (cols == PM_T_NR)
        for (int j = 0; j < PM_T_NR; j++)
          out[j] = (guint32) t_bf16 (r0[j]) | ((guint32) t_bf16 (r1[j]) << 16);
      else
        for (int j = 0; j < PM_T_NR; j++)
          out[j] = j < cols ? (guint32) t_bf16 (r0[j]) | ((guint32) t_bf16 (r1[j]) << 16) : 0;
    }
#else
  for (gint64 kk = 0; kk < k_pad; kk++)
    {
      const float *row = kk < k ? b + kk * ldb : zero;
      float *out = (float *) dst + (gsize) kk * PM_T_NR;

      if (cols == PM_T_NR)
        for (int j = 0; j < PM_T_NR; j++)
          out[j] = row[j];
      else
        for (int j = 0; j < PM_T_NR; j++)
          out[j] = j < cols ? row[j] : 0.0f;
    }
#endif
}

/* ---------------------------------------------------------------------------------------
 * Epilogue
 * ------------------------------------------------------------------------------------- */

/* erfc(z) for z ≥ 0 by the Chebyshev fit of Numerical Recipes (relative error < 1.2e-7):
 * t·e^(−z² + P(t)) with t = 1/(1 + z/2); @e receives the exponent, the caller exponentiates. */
static inline float
t_erfc_exponent (float  z,
                 float *t_out)
{
  float t = 1.0f / (1.0f + 0.5f * z);
  float p = 0.17087277f;

  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  *t_out = t;
  return -z * z + p;
}

static void
t_activate (float        *v,
            PmActivation  act)
{
  float e[PM_T_NR] __attribute__ ((aligned (64)));
  float t[PM_T_NR];

  switch (act)
    {
    case PM_ACT_NONE:
      break;
    case PM_ACT_RELU:
      for (int j = 0; j < PM_T_NR; j++)
        v[j] = v[j] > 0.0f ? v[j] : 0.0f;
      break;
    case PM_ACT_QUICK_GELU:
      for (int j = 0; j < PM_T_NR; j++)
        e[j] = -1.702f * v[j];
      t_exp_block (e, PM_T_NR);
      for (int j = 0; j < PM_T_NR; j++)
        v[j] = v[j] / (1.0f + e[j]);
      break;
    case PM_ACT_GELU:
      /* x·Φ(x) = x·(1 − erfc(x/√2)/2) for x ≥ 0, x·erfc(−x/√2)/2 below */
      for (int j = 0; j < PM_T_NR; j++)
        e[j] = t_erfc_exponent (fabsf (v[j] * 0.70710678118654752f), &t[j]);
      t_exp_block (e, PM_T_NR);
      for (int j = 0; j < PM_T_NR; j++)
        {
          float erfc = t[j] * e[j];
          v[j] = v[j] * (v[j] >= 0.0f ? 1.0f - 0.5f * erfc : 0.5f * erfc);
        }
      break;
    }
}

static void
t_store (const float     *c,
         int              rows,
         int              cols,
         gint64           m0,
         gint64           n0,
         const PmGemmOut *out)
{
  float bias[PM_T_NR];

  for (int j = 0; j < PM_T_NR; j++)
    bias[j] = 0;
  if (out->bias != NULL)
    for (int j = 0; j < cols; j++)
      bias[j] = out->bias[n0 + j];
  for (int r = 0; r < rows; r++)
    {
      gint64 at = out->rows != NULL ? out->rows[m0 + r] : m0 + r;
      float *dst = out->data + at * out->ld + n0;
      float s = out->row_scale != NULL ? out->row_scale[m0 + r] : 1.0f;
      float v[PM_T_NR];

      if (at < 0)
        continue;

      for (int j = 0; j < PM_T_NR; j++)
        v[j] = c[r * PM_T_NR + j] * s + bias[j];
      t_activate (v, out->act);
      /* full tiles with fixed trip counts (vector moves, not a call to memcpy) */
      if (cols == PM_T_NR && out->accumulate)
        for (int j = 0; j < PM_T_NR; j++)
          dst[j] += v[j];
      else if (cols == PM_T_NR)
        for (int j = 0; j < PM_T_NR; j++)
          dst[j] = v[j];
      else if (out->accumulate)
        for (int j = 0; j < cols; j++)
          dst[j] += v[j];
      else
        for (int j = 0; j < cols; j++)
          dst[j] = v[j];
    }
}

/* ---------------------------------------------------------------------------------------
 * Attention softmax
 * ------------------------------------------------------------------------------------- */

#ifndef PM_T_SOFTMAX_PACK
static void
t_softmax_pack (float        *s,
                gint64        lds,
                int           rows,
                gint64        q0,
                gint64        tk,
                gint64        k_pad,
                float         scale,
                gboolean      causal,
                const guint8 *key_mask,
                void         *dst,
                float        *inv_sums)
{
  for (int r = 0; r < rows; r++)
    {
      float *row = s + r * lds;
      TElem *group = (TElem *) dst + (gsize) (r / PM_T_MR) * PM_T_MR * k_pad;
      int lane = r % PM_T_MR;
      gint64 limit = causal ? MIN (tk, q0 + r + 1) : tk;
      float lmax[T_LANES], lsum[T_LANES], max = -INFINITY, sum = 0;

      /* masked keys and those past the last one (up to k_pad) become −∞ */
      if (key_mask != NULL)
        for (gint64 j = 0; j < limit; j++)
          row[j] = key_mask[j] != 0 ? row[j] : -INFINITY;
      for (gint64 j = limit; j < k_pad; j++)
        row[j] = -INFINITY;
      for (int l = 0; l < T_LANES; l++)
        lmax[l] = -INFINITY;
      for (gint64 j = 0; j < k_pad; j += T_LANES)
        for (int l = 0; l < T_LANES; l++)
          lmax[l] = row[j + l] > lmax[l] ? row[j + l] : lmax[l];
      for (int l = 0; l < T_LANES; l++)
        max = lmax[l] > max ? lmax[l] : max;
      max = max == -INFINITY ? INFINITY : max * scale;   /* all masked: every e^… is 0 */

      /* numerators e^(s·scale − max) (scale > 0, so −∞ stays −∞ and gives 0), their sum,
       * packed as A, chunk by chunk */
      for (int l = 0; l < T_LANES; l++)
        lsum[l] = 0;
      for (gint64 c = 0; c < k_pad / PM_GEMM_KC; c++)
        {
          TElem *o = group + (c * PM_T_MR + lane) * PM_GEMM_KC;
          float x[PM_GEMM_KC] __attribute__ ((aligned (64)));

          for (int e = 0; e < PM_GEMM_KC; e++)
            x[e] = row[c * PM_GEMM_KC + e] * scale - max;
          t_exp_block (x, PM_GEMM_KC);   /* −∞ → 0 */
          for (int e = 0; e < PM_GEMM_KC; e++)
            {
              lsum[e] += x[e];
              o[e] = t_elem (x[e]);
            }
        }
      for (int l = 0; l < T_LANES; l++)
        sum += lsum[l];
      inv_sums[r] = sum > 0 ? 1.0f / sum : 0.0f;
    }
}
#endif

/* ---------------------------------------------------------------------------------------
 * Attention: relative positions
 * ------------------------------------------------------------------------------------- */

/* Row by row: bh[ky] = q · rel_h[qy − ky + gh − 1] as hd multiply-adds of contiguous
 * runs of the reversed, transposed table (vectorised over ky), the same for bw, then
 * s[ky·gw + kx] += bh[ky] + bw[kx]. */
static void
t_relpos_add (float       *s,
              gint64       lds,
              int          rows,
              gint64       q0,
              const float *q,
              gint64       ldq,
              gint64       hd,
              int          gh,
              int          gw,
              const float *rh_t,
              const float *rw_t,
              float        inv_scale,
              float       *tmp)
{
  float *bh = tmp, *bw = tmp + gh;
  gint64 lh = 2 * gh - 1, lw = 2 * gw - 1;

  for (int r = 0; r < rows; r++)
    {
      const float *qr = q + r * ldq;
      gint64 i = q0 + r, qy = i / gw, qx = i % gw;
      float *row = s + r * lds;

      for (int ky = 0; ky < gh; ky++)
        bh[ky] = 0;
      for (int kx = 0; kx < gw; kx++)
        bw[kx] = 0;
      for (gint64 c = 0; c < hd; c++)
        {
          float qc = qr[c] * inv_scale;
          const float *th = rh_t + c * lh + (gh - 1 - qy);
          const float *tw = rw_t + c * lw + (gw - 1 - qx);

          for (int ky = 0; ky < gh; ky++)
            bh[ky] += qc * th[ky];
          for (int kx = 0; kx < gw; kx++)
            bw[kx] += qc * tw[kx];
        }
      for (int ky = 0; ky < gh; ky++)
        {
          float *seg = row + ky * gw;
          float h = bh[ky];
          for (int kx = 0; kx < gw; kx++)
            seg[kx] += h + bw[kx];
        }
    }
}

const PmGemmKernels PM_T_TABLE = {
  .isa = PM_T_ISA,
  .precision = PM_T_BF16 ? PM_PRECISION_BF16 : PM_PRECISION_F32,
  .mr = PM_T_MR,
  .nr = PM_T_NR,
  .elem = sizeof (TElem),
  .kernel = t_kernel,
  .pack_a = t_pack_a,
  .pack_b_nk = t_pack_b_nk,
  .pack_b_kn = t_pack_b_kn,
  .store = t_store,
  .softmax_pack = t_softmax_pack,
  .relpos_add = t_relpos_add,
};
