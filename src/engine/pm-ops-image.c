/* pm-ops-image.c: image-shaped tensor ops of the CLIPSeg decoder: FiLM, conv2d (im2col +
 * sgemm), conv-transpose2d, bilinear and bicubic resize.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-ops"

#include <math.h>

#include "pm-ops.h"
#include "pm-ops-private.h"   /* last: its pragma covers only the ops */

/* ---------------------------------------------------------------------------------------
 * FiLM
 * ------------------------------------------------------------------------------------- */

void
pm_op_film (PmTensor       *out,
            const PmTensor *x,
            const PmTensor *mul,
            const PmTensor *add)
{
  gint64 d = pm_tensor_cols (x);
  gint64 rows = pm_tensor_rows (x);

  ASSERT_SAME_NUMEL (out, x);
  g_assert_cmpint (pm_tensor_numel (mul), ==, d);
  g_assert_cmpint (pm_tensor_numel (add), ==, d);
  for (gint64 r = 0; r < rows; r++)
    {
      const float *src = x->data + r * d, *pm = mul->data, *pa = add->data;
      float *dst = out->data + r * d;
      for (gint64 i = 0; i < d; i++)
        dst[i] = pm[i] * src[i] + pa[i];
    }
}

/* ---------------------------------------------------------------------------------------
 * LayerNorm over channels
 * ------------------------------------------------------------------------------------- */

#define LN2D_BLOCK 64

/**
 * pm_op_layer_norm_channels:
 * @out: [C, H, W] (may be @x)
 * @x: [C, H, W]
 * @gamma: [C]
 * @beta: [C]
 * @eps: added to the (biased) variance
 *
 * Statistics per pixel over the C channels, in double, for blocks of pixels at a time so
 * that the channel-major reads stay sequential.
 */
void
pm_op_layer_norm_channels (PmTensor       *out,
                           const PmTensor *x,
                           const PmTensor *gamma,
                           const PmTensor *beta,
                           float           eps)
{
  gint64 c = x->shape[0], hw;

  g_assert_cmpint (x->n_dims, ==, 3);
  ASSERT_SAME_NUMEL (out, x);
  g_assert_cmpint (pm_tensor_numel (gamma), ==, c);
  g_assert_cmpint (pm_tensor_numel (beta), ==, c);
  hw = x->shape[1] * x->shape[2];
  for (gint64 p0 = 0; p0 < hw; p0 += LN2D_BLOCK)
    {
      gint64 n = MIN (LN2D_BLOCK, hw - p0);
      double mean[LN2D_BLOCK] = { 0 }, var[LN2D_BLOCK] = { 0 };
      float meanf[LN2D_BLOCK], inv[LN2D_BLOCK];

      for (gint64 ch = 0; ch < c; ch++)
        {
          const float *src = x->data + ch * hw + p0;
          for (gint64 i = 0; i < n; i++)
            mean[i] += src[i];
        }
      for (gint64 i = 0; i < n; i++)
        mean[i] /= c;
      for (gint64 ch = 0; ch < c; ch++)
        {
          const float *src = x->data + ch * hw + p0;
          for (gint64 i = 0; i < n; i++)
            {
              double d = src[i] - mean[i];
              var[i] += d * d;
            }
        }
      for (gint64 i = 0; i < n; i++)
        {
          meanf[i] = (float) mean[i];
          inv[i] = (float) (1.0 / sqrt (var[i] / c + eps));
        }
      for (gint64 ch = 0; ch < c; ch++)
        {
          const float *src = x->data + ch * hw + p0;
          float *dst = out->data + ch * hw + p0;
          float g = gamma->data[ch], b = beta->data[ch];
          for (gint64 i = 0; i < n; i++)
            dst[i] = (src[i] - meanf[i]) * inv[i] * g + b;
        }
    }
}

/* ---------------------------------------------------------------------------------------
 * Convolutions
 * ------------------------------------------------------------------------------------- */

static void
conv_out_size (const PmTensor *in,
               const PmTensor *w,
               int             stride,
               int             pad,
               gint64         *ho,
               gint64         *wo)
{
  g_assert_cmpint (in->n_dims, ==, 3);
  g_assert_cmpint (w->n_dims, ==, 4);
  g_assert_cmpint (stride, >, 0);
  g_assert_cmpint (pad, >=, 0);
  g_assert_cmpint (in->shape[1] + 2 * pad, >=, w->shape[2]);
  g_assert_cmpint (in->shape[2] + 2 * pad, >=, w->shape[3]);
  *ho = (in->shape[1] + 2 * pad - w->shape[2]) / stride + 1;
  *wo = (in->shape[2] + 2 * pad - w->shape[3]) / stride + 1;
}

gsize
pm_op_conv2d_scratch_size (const PmTensor *in,
                           const PmTensor *w,
                           int             stride,
                           int             pad)
{
  gint64 ho, wo;

  conv_out_size (in, w, stride, pad, &ho, &wo);
  return (gsize) (w->shape[1] * w->shape[2] * w->shape[3] * ho * wo);
}

/**
 * pm_op_conv2d:
 * @out: [Co, Ho, Wo]
 * @in: [Ci, H, W]
 * @w: [Co, Ci, kh, kw]
 * @b: (nullable): [Co]
 * @stride: stride in both directions
 * @pad: zero padding on every side
 * @scratch: pm_op_conv2d_scratch_size() floats (im2col buffer)
 */
void
pm_op_conv2d (PmTensor       *out,
              const PmTensor *in,
              const PmTensor *w,
              const PmTensor *b,
              int             stride,
              int             pad,
              PmTensor       *scratch)
{
  gint64 ci = in->shape[0], h = in->shape[1], wd = in->shape[2];
  gint64 co = w->shape[0], kh = w->shape[2], kw = w->shape[3];
  gint64 ho, wo, kdim, p;
  float *col = scratch->data;
  const float *src = in->data;

  conv_out_size (in, w, stride, pad, &ho, &wo);
  g_assert_cmpint (w->shape[1], ==, ci);
  g_assert (pm_tensor_has_shape (out, 3, (gint64[]) { co, ho, wo }));
  g_assert_cmpint (pm_tensor_numel (scratch), >=,
                   (gint64) pm_op_conv2d_scratch_size (in, w, stride, pad));
  kdim = ci * kh * kw;
  p = ho * wo;

  /* im2col: col[(c·kh + ky)·kw + kx, oy·Wo + ox] = in[c, oy·s + ky − pad, ox·s + kx − pad] */
  for (gint64 c = 0; c < ci; c++)
    for (gint64 ky = 0; ky < kh; ky++)
      for (gint64 kx = 0; kx < kw; kx++)
        {
          float *dst = col + ((c * kh + ky) * kw + kx) * p;

          for (gint64 oy = 0; oy < ho; oy++)
            {
              gint64 iy = oy * stride + ky - pad;

              for (gint64 ox = 0; ox < wo; ox++)
                {
                  gint64 ix = ox * stride + kx - pad;

                  dst[oy * wo + ox] = (iy >= 0 && iy < h && ix >= 0 && ix < wd)
                                      ? src[(c * h + iy) * wd + ix] : 0.0f;
                }
            }
        }

  if (b != NULL)
    {
      g_assert_cmpint (pm_tensor_numel (b), ==, co);
      for (gint64 o = 0; o < co; o++)
        {
          float *dst = out->data + o * p;
          for (gint64 i = 0; i < p; i++)
            dst[i] = b->data[o];
        }
    }
  /* out[Co, P] = W[Co, K] · col[K, P]: no transposition; the output is already CHW. */
  pm_sgemm (FALSE, FALSE, co, p, kdim, 1.0f, w->data, kdim, col, p,
            b != NULL ? 1.0f : 0.0f, out->data, p);
}

gsize
pm_op_conv_transpose2d_scratch_size (const PmTensor *in,
                                     const PmTensor *w)
{
  g_assert_cmpint (in->n_dims, ==, 3);
  g_assert_cmpint (w->n_dims, ==, 4);
  return (gsize) (w->shape[1] * w->shape[2] * w->shape[3] * in->shape[1] * in->shape[2]);
}

/**
 * pm_op_conv_transpose2d:
 * @out: [Co, (H − 1)·stride + kh, (W − 1)·stride + kw]
 * @in: [Ci, H, W]
 * @w: [Ci, Co, kh, kw] (PyTorch ConvTranspose2d layout)
 * @b: (nullable): [Co]
 * @stride: stride in both directions (no padding)
 * @scratch: pm_op_conv_transpose2d_scratch_size() floats
 */
void
pm_op_conv_transpose2d (PmTensor       *out,
                        const PmTensor *in,
                        const PmTensor *w,
                        const PmTensor *b,
                        int             stride,
                        PmTensor       *scratch)
{
  gint64 ci = in->shape[0], h = in->shape[1], wd = in->shape[2];
  gint64 co, kh, kw, ho, wo, ckk, hw;
  float *col = scratch->data;

  g_assert_cmpint (in->n_dims, ==, 3);
  g_assert_cmpint (w->n_dims, ==, 4);
  g_assert_cmpint (w->shape[0], ==, ci);
  g_assert_cmpint (stride, >, 0);
  co = w->shape[1];
  kh = w->shape[2];
  kw = w->shape[3];
  ho = (h - 1) * stride + kh;
  wo = (wd - 1) * stride + kw;
  g_assert (pm_tensor_has_shape (out, 3, (gint64[]) { co, ho, wo }));
  g_assert_cmpint (pm_tensor_numel (scratch), >=,
                   (gint64) pm_op_conv_transpose2d_scratch_size (in, w));
  if (b != NULL)
    g_assert_cmpint (pm_tensor_numel (b), ==, co);
  ckk = co * kh * kw;
  hw = h * wd;

  /* col[Co·kh·kw, H·W] = W[Ci, Co·kh·kw]ᵀ · in[Ci, H·W]: W (PyTorch [in, out, kh, kw]) is
   * the transposed side. */
  pm_sgemm (TRUE, FALSE, ckk, hw, ci, 1.0f, w->data, ckk, in->data, hw, 0.0f, col, hw);

  for (gint64 o = 0; o < co; o++)
    {
      float bias = b != NULL ? b->data[o] : 0.0f;
      float *dst = out->data + o * ho * wo;
      for (gint64 i = 0; i < ho * wo; i++)
        dst[i] = bias;
    }

  /* Scatter (col2im): each input pixel paints a kh×kw block at (y·s, x·s). When the
   * kernel equals the stride, blocks do not overlap and every output gets one term. */
  for (gint64 o = 0; o < co; o++)
    for (gint64 ky = 0; ky < kh; ky++)
      for (gint64 kx = 0; kx < kw; kx++)
        {
          const float *src = col + ((o * kh + ky) * kw + kx) * hw;
          float *dst = out->data + o * ho * wo;

          for (gint64 y = 0; y < h; y++)
            for (gint64 x = 0; x < wd; x++)
              dst[(y * stride + ky) * wo + x * stride + kx] += src[y * wd + x];
        }
}

/* ---------------------------------------------------------------------------------------
 * Resampling
 * ------------------------------------------------------------------------------------- */

/**
 * pm_op_resize_bilinear:
 * @out: [C, Ho, Wo]
 * @in: [C, H, W]
 *
 * torch.nn.functional.interpolate (mode="bilinear", align_corners=False, size given).
 */
void
pm_op_resize_bilinear (PmTensor       *out,
                       const PmTensor *in)
{
  gint64 c = in->shape[0], h = in->shape[1], w = in->shape[2];
  gint64 ho, wo;
  float sy, sx;

  g_assert_cmpint (in->n_dims, ==, 3);
  g_assert_cmpint (out->n_dims, ==, 3);
  g_assert_cmpint (out->shape[0], ==, c);
  ho = out->shape[1];
  wo = out->shape[2];
  /* PyTorch (align_corners=False, size given): scale = in/out, src = (dst + ½)·scale − ½,
   * clamped at 0 below; the upper neighbour is clamped to the last row/column. */
  sy = (float) h / (float) ho;
  sx = (float) w / (float) wo;
  for (gint64 oy = 0; oy < ho; oy++)
    {
      float fy = MAX ((oy + 0.5f) * sy - 0.5f, 0.0f);
      gint64 y0 = (gint64) fy;
      gint64 y1 = y0 + (y0 < h - 1 ? 1 : 0);
      float ly1 = fy - y0, ly0 = 1.0f - ly1;

      for (gint64 ox = 0; ox < wo; ox++)
        {
          float fx = MAX ((ox + 0.5f) * sx - 0.5f, 0.0f);
          gint64 x0 = (gint64) fx;
          gint64 x1 = x0 + (x0 < w - 1 ? 1 : 0);
          float lx1 = fx - x0, lx0 = 1.0f - lx1;

          for (gint64 ch = 0; ch < c; ch++)
            {
              const float *p = in->data + ch * h * w;
              out->data[(ch * ho + oy) * wo + ox] =
                ly0 * (lx0 * p[y0 * w + x0] + lx1 * p[y0 * w + x1]) +
                ly1 * (lx0 * p[y1 * w + x0] + lx1 * p[y1 * w + x1]);
            }
        }
    }
}

/* Keys' cubic convolution kernel with a = −0.75 (PyTorch's choice). */
static void
cubic_coeffs (float  t,
              float *cf)
{
  const float a = -0.75f;
  float x;

  x = t + 1.0f;   /* 1 < x < 2 */
  cf[0] = ((a * x - 5.0f * a) * x + 8.0f * a) * x - 4.0f * a;
  x = t;          /* x ≤ 1 */
  cf[1] = ((a + 2.0f) * x - (a + 3.0f)) * x * x + 1.0f;
  x = 1.0f - t;
  cf[2] = ((a + 2.0f) * x - (a + 3.0f)) * x * x + 1.0f;
  x = 2.0f - t;
  cf[3] = ((a * x - 5.0f * a) * x + 8.0f * a) * x - 4.0f * a;
}

static inline gint64
clamp_index (gint64 i,
             gint64 n)
{
  return i < 0 ? 0 : (i >= n ? n - 1 : i);
}

/**
 * pm_op_resize_bicubic:
 * @out: [C, Ho, Wo]
 * @in: [C, H, W]
 *
 * torch.nn.functional.interpolate (mode="bicubic", align_corners=False, size given):
 * a = −0.75, unclamped source coordinates, taps clamped to the border.
 */
void
pm_op_resize_bicubic (PmTensor       *out,
                      const PmTensor *in)
{
  gint64 c = in->shape[0], h = in->shape[1], w = in->shape[2];
  gint64 ho, wo;
  float sy, sx;

  g_assert_cmpint (in->n_dims, ==, 3);
  g_assert_cmpint (out->n_dims, ==, 3);
  g_assert_cmpint (out->shape[0], ==, c);
  ho = out->shape[1];
  wo = out->shape[2];
  sy = (float) h / (float) ho;
  sx = (float) w / (float) wo;
  for (gint64 oy = 0; oy < ho; oy++)
    {
      /* no clamping of the source coordinate for cubic; only the taps are clamped */
      float fy = (oy + 0.5f) * sy - 0.5f;
      gint64 iy = (gint64) floorf (fy);
      float cy[4];

      cubic_coeffs (fy - iy, cy);
      for (gint64 ox = 0; ox < wo; ox++)
        {
          float fx = (ox + 0.5f) * sx - 0.5f;
          gint64 ix = (gint64) floorf (fx);
          float cx[4];

          cubic_coeffs (fx - ix, cx);
          for (gint64 ch = 0; ch < c; ch++)
            {
              const float *p = in->data + ch * h * w;
              float acc = 0.0f;

              for (int j = 0; j < 4; j++)
                {
                  const float *row = p + clamp_index (iy - 1 + j, h) * w;
                  float r = 0.0f;

                  for (int i = 0; i < 4; i++)
                    r += cx[i] * row[clamp_index (ix - 1 + i, w)];
                  acc += cy[j] * r;
                }
              out->data[(ch * ho + oy) * wo + ox] = acc;
            }
        }
    }
}
