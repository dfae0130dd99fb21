/* pm-gemm-avx512-common.h: AVX-512 versions of the row code around the kernels (e^x,
 * A packing with the fused layer norm, the attention softmax), shared by the F32 and BF16
 * kernel files; each defines t_store16 () (16 f32 lanes into its element type) first.
 * Included only under their AVX-512 target pragma.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <math.h>

/* e^x on 16 lanes: pm_expf's algorithm (range reduction by ln 2, Cephes polynomial). */
static inline __m512
v_exp (__m512 x)
{
  __m512 xc = _mm512_min_ps (_mm512_max_ps (x, _mm512_set1_ps (-87.0f)), _mm512_set1_ps (88.0f));
  __m512 big = _mm512_set1_ps (12582912.0f);
  __m512 n = _mm512_sub_ps (_mm512_fmadd_ps (xc, _mm512_set1_ps (1.44269504088896341f), big),
                            big);
  __m512 r = _mm512_fnmadd_ps (n, _mm512_set1_ps (0.693359375f), xc);
  __m512 r2, p, y;
  __m512i bits;

  r = _mm512_fmadd_ps (n, _mm512_set1_ps (2.12194440e-4f), r);
  r2 = _mm512_mul_ps (r, r);
  p = _mm512_fmadd_ps (_mm512_set1_ps (1.9875691500e-4f), r, _mm512_set1_ps (1.3981999507e-3f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (8.3334519073e-3f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (4.1665795894e-2f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (1.6666665459e-1f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (5.0000001201e-1f));
  y = _mm512_fmadd_ps (r2, p, _mm512_add_ps (r, _mm512_set1_ps (1.0f)));
  bits = _mm512_slli_epi32 (_mm512_add_epi32 (_mm512_cvttps_epi32 (n), _mm512_set1_epi32 (127)),
                            23);
  y = _mm512_mul_ps (y, _mm512_castsi512_ps (bits));
  return _mm512_maskz_mov_ps (_mm512_cmp_ps_mask (x, _mm512_set1_ps (-87.0f), _CMP_NLT_UQ), y);
}

#define PM_T_EXP_BLOCK 1
static inline void
t_exp_block (float *v,
             int    n)
{
  for (int i = 0; i < n; i += 16)
    _mm512_storeu_ps (v + i, v_exp (_mm512_loadu_ps (v + i)));
}

/* The first n (< 16) lanes. */
static inline __mmask16
v_head (gint64 n)
{
  return (__mmask16) ((1u << n) - 1u);
}

/* Mean and 1/σ of a row in 16 lanes (as the generic t_row_stats). */
static inline void
v_row_stats (const float *x,
             gint64       k,
             float        eps,
             float       *mean_out,
             float       *rstd_out)
{
  __m512 acc = _mm512_setzero_ps (), vmean;
  gint64 k16 = k / 16 * 16;
  float mean;

  for (gint64 i = 0; i < k16; i += 16)
    acc = _mm512_add_ps (acc, _mm512_loadu_ps (x + i));
  if (k16 < k)
    acc = _mm512_add_ps (acc, _mm512_maskz_loadu_ps (v_head (k - k16), x + k16));
  mean = _mm512_reduce_add_ps (acc) / (float) k;
  vmean = _mm512_set1_ps (mean);
  acc = _mm512_setzero_ps ();
  for (gint64 i = 0; i < k16; i += 16)
    {
      __m512 c = _mm512_sub_ps (_mm512_loadu_ps (x + i), vmean);
      acc = _mm512_fmadd_ps (c, c, acc);
    }
  if (k16 < k)
    {
      __mmask16 m = v_head (k - k16);
      __m512 c = _mm512_maskz_sub_ps (m, _mm512_maskz_loadu_ps (m, x + k16), vmean);
      acc = _mm512_fmadd_ps (c, c, acc);
    }
  *mean_out = mean;
  *rstd_out = 1.0f / sqrtf (_mm512_reduce_add_ps (acc) / (float) k + eps);
}

#define PM_T_PACK_A 1
static void
t_pack_a (const PmGemmA *a,
          gint64         row0,
          int            rows,
          gint64         k,
          gint64         k_pad,
          void          *dst)
{
  TElem *out = dst;
  gint64 n_chunks = k_pad / PM_GEMM_KC;

  for (int r = 0; r < PM_T_MR; r++)
    {
      gint64 src = r >= rows ? -1 : a->rows != NULL ? a->rows[row0 + r] : row0 + r;
      const float *x = a->data + MAX (src, 0) * a->ld;
      __m512 vmean = _mm512_setzero_ps (), vrstd = _mm512_set1_ps (1.0f);

      if (src < 0)
        {
          for (gint64 c = 0; c < n_chunks; c++)
            t_store16 (out + (c * PM_T_MR + r) * PM_GEMM_KC, _mm512_setzero_ps ());
          continue;
        }
      if (a->ln_gamma != NULL)
        {
          float mean, rstd;
          v_row_stats (x, k, a->ln_eps, &mean, &rstd);
          vmean = _mm512_set1_ps (mean);
          vrstd = _mm512_set1_ps (rstd);
        }
      for (gint64 c = 0; c < n_chunks; c++)
        {
          gint64 i = c * PM_GEMM_KC;
          __mmask16 m = i + 16 <= k ? (__mmask16) 0xffff : v_head (MAX (0, k - i));
          __m512 v = _mm512_maskz_loadu_ps (m, x + i);

          if (a->ln_gamma != NULL)
            v = _mm512_maskz_fmadd_ps (m, _mm512_mul_ps (_mm512_sub_ps (v, vmean), vrstd),
                                       _mm512_maskz_loadu_ps (m, a->ln_gamma + i),
                                       _mm512_maskz_loadu_ps (m, a->ln_beta + i));
          t_store16 (out + (c * PM_T_MR + r) * PM_GEMM_KC, v);
        }
    }
}

#define PM_T_SOFTMAX_PACK 1
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
      __m512 vmax = _mm512_set1_ps (-INFINITY), vsum = _mm512_setzero_ps (), vscale, vm;
      float max;

      /* masked keys and those past the last one (up to k_pad) become −∞ */
      if (key_mask != NULL)
        for (gint64 j = 0; j < limit; j++)
          row[j] = key_mask[j] != 0 ? row[j] : -INFINITY;
      for (gint64 j = limit; j < k_pad; j++)
        row[j] = -INFINITY;
      for (gint64 j = 0; j < k_pad; j += 16)
        vmax = _mm512_max_ps (vmax, _mm512_loadu_ps (row + j));
      max = _mm512_reduce_max_ps (vmax);
      max = max == -INFINITY ? INFINITY : max * scale;   /* all masked: every e^… is 0 */

      /* numerators e^(s·scale − max), their sum, packed as A, chunk by chunk */
      vscale = _mm512_set1_ps (scale);
      vm = _mm512_set1_ps (max);
      for (gint64 c = 0; c < k_pad / PM_GEMM_KC; c++)
        {
          __m512 e = v_exp (_mm512_fmsub_ps (_mm512_loadu_ps (row + c * 16), vscale, vm));
          vsum = _mm512_add_ps (vsum, e);
          t_store16 (group + (c * PM_T_MR + lane) * PM_GEMM_KC, e);
        }
      {
        float sum = _mm512_reduce_add_ps (vsum);
        inv_sums[r] = sum > 0 ? 1.0f / sum : 0.0f;
      }
    }
}

/* In-place transpose of a 16 × 16 matrix of 32-bit words, r[i] = row i: 64 shuffles
 * (interleave words, then pairs, then 128-bit lanes twice). */
static inline void
v_transpose16 (__m512i r[16])
{
  __m512i a[16], b[16];

  for (int i = 0; i < 8; i++)
    {
      a[2 * i] = _mm512_unpacklo_epi32 (r[2 * i], r[2 * i + 1]);
      a[2 * i + 1] = _mm512_unpackhi_epi32 (r[2 * i], r[2 * i + 1]);
    }
  /* b[4i + c], 128-bit lane L: column 4L + c of rows 4i … 4i + 3 */
  for (int i = 0; i < 4; i++)
    {
      b[4 * i + 0] = _mm512_unpacklo_epi64 (a[4 * i], a[4 * i + 2]);
      b[4 * i + 1] = _mm512_unpackhi_epi64 (a[4 * i], a[4 * i + 2]);
      b[4 * i + 2] = _mm512_unpacklo_epi64 (a[4 * i + 1], a[4 * i + 3]);
      b[4 * i + 3] = _mm512_unpackhi_epi64 (a[4 * i + 1], a[4 * i + 3]);
    }
  for (int c = 0; c < 4; c++)
    {
      __m512i e0 = _mm512_shuffle_i32x4 (b[c], b[4 + c], 0x44);
      __m512i e1 = _mm512_shuffle_i32x4 (b[c], b[4 + c], 0xee);
      __m512i e2 = _mm512_shuffle_i32x4 (b[8 + c], b[12 + c], 0x44);
      __m512i e3 = _mm512_shuffle_i32x4 (b[8 + c], b[12 + c], 0xee);

      r[c] = _mm512_shuffle_i32x4 (e0, e2, 0x88);
      r[4 + c] = _mm512_shuffle_i32x4 (e0, e2, 0xdd);
      r[8 + c] = _mm512_shuffle_i32x4 (e1, e3, 0x88);
      r[12 + c] = _mm512_shuffle_i32x4 (e1, e3, 0xdd);
    }
}

/* 16 floats of a row from @i on, zeros past @k (or for a NULL row). */
static inline __m512
v_load_row (const float *w,
            gint64       i,
            gint64       k)
{
  if (w == NULL || i >= k)
    return _mm512_setzero_ps ();
  return _mm512_maskz_loadu_ps (i + 16 <= k ? (__mmask16) 0xffff : v_head (k - i), w + i);
}

/* B panels from W rows by 16 × 16 transposes of 32-bit words (an f32 value, or a bf16
 * k pair) instead of one scattered store per element. */
#define PM_T_PACK_B_NK 1
static void
t_pack_b_nk (const float * const *rows,
             gint64               k,
             gint64               k_pad,
             void                *dst)
{
  __m512i r[16];

  for (int j0 = 0; j0 < PM_T_NR; j0 += 16)
    {
#if PM_T_BF16
      guint32 *out = (guint32 *) dst + j0;

      /* 32 k (16 pairs) of 16 columns per round */
      for (gint64 kk = 0; kk < k_pad; kk += 32)
        {
          for (int i = 0; i < 16; i++)
            r[i] = (__m512i) _mm512_cvtne2ps_pbh (v_load_row (rows[j0 + i], kk + 16, k),
                                                  v_load_row (rows[j0 + i], kk, k));
          v_transpose16 (r);
          for (int q = 0; q < 16 && kk / 2 + q < k_pad / 2; q++)
            _mm512_store_si512 (out + (kk / 2 + q) * PM_T_NR, r[q]);
        }
#else
      float *out = (float *) dst + j0;

      for (gint64 kk = 0; kk < k_pad; kk += 16)
        {
          for (int i = 0; i < 16; i++)
            r[i] = _mm512_castps_si512 (v_load_row (rows[j0 + i], kk, k));
          v_transpose16 (r);
          for (int q = 0; q < 16; q++)
            _mm512_store_si512 (out + (kk + q) * PM_T_NR, r[q]);
        }
#endif
    }
}
