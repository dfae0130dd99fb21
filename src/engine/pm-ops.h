/* pm-ops.h: the tensor operations of the CLIPSeg forward pass, on OpenBLAS.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One function per op: pm_op_<name> (out, in…, params). Each asserts the shapes it is
 * given (a mismatch is a programming error, not a GError) and allocates nothing: ops that
 * need temporary memory take a caller-provided scratch tensor whose required size is given
 * by a pm_op_<name>_scratch_size () helper. Shapes follow pm-tensor.h (outermost first,
 * last dim contiguous). Unless stated otherwise @out may not alias an input; the
 * element-wise ops (layer norm, activations, add, film) accept out == in.
 */
#pragma once

#include "pm-gemm.h"
#include "pm-tensor.h"

G_BEGIN_DECLS

/* Threads of the ops' one pool (pm-pool; n ≤ 0: keep the current number). OpenBLAS, where
 * it is still used, runs single-threaded inside the pool's tasks; its own thread count
 * (process-wide, and not safe to change while any BLAS call runs) is set to 1 only when no
 * work bracketed by pm_ops_blas_begin()/_end() is in flight (at once, or when the last such
 * work ends). Code that calls BLAS directly brackets its work so; the CLIPSeg encoders and
 * decoder do. */
void   pm_ops_set_threads            (int              n_threads);
int    pm_ops_get_threads            (void);
void   pm_ops_blas_begin             (void);
void   pm_ops_blas_end               (void);

/* ---------------------------------------------------------------------------------------
 * Packed Linear layers (pm-ops-linear.c): weights packed once for our GEMM kernels
 * (pm-gemm.h), with the layer norm before and bias, activation and residual after the
 * product fused into it. On a CPU without the kernels (PM_ISA_GENERIC) the same calls run
 * on OpenBLAS from the weights as stored.
 * ------------------------------------------------------------------------------------- */

typedef struct _PmLinear PmLinear;

/* @w[N, K] (a PyTorch Linear weight) and @b[N] (may be NULL). The views must outlive the
 * PmLinear only on the generic path; the packed copy is its own. */
PmLinear   *pm_linear_new                (const PmTensor  *w,
                                          const PmTensor  *b,
                                          PmPrecision      precision);
/* Several Linears on the same input stacked into one (q, k, v → [3D, K]): the output's
 * columns are part 0's, then part 1's… Biases are all present or all NULL. */
PmLinear   *pm_linear_new_stacked        (int              n_parts,
                                          const PmTensor  *w,
                                          const PmTensor  *b,
                                          PmPrecision      precision);
void        pm_linear_free               (PmLinear        *linear);
gint64      pm_linear_get_in             (const PmLinear  *linear);
gint64      pm_linear_get_out            (const PmLinear  *linear);
/* F32 or BF16 (what the CPU gave), F32 on the generic path. */
PmPrecision pm_linear_get_precision      (const PmLinear  *linear);
/* Bytes of packed weights (0 on the generic path). */
gsize       pm_linear_get_packed_bytes   (const PmLinear  *linear);

typedef struct {
  const PmTensor *ln_gamma;    /* both or neither: x rows are layer-normed first */
  const PmTensor *ln_beta;
  float           ln_eps;
  PmActivation    act;
  gboolean        accumulate;  /* out += … (a residual branch) */
  /* Row maps (SAM's windows without partition copies): with either set, the product has
   * n_rows rows; row i reads x row gather[i] (a zero row if < 0, not normed) and writes out
   * row scatter[i] (nothing if < 0). NULL: the identity. */
  gint64          n_rows;
  const gint32   *gather;
  const gint32   *scatter;
} PmLinearOptions;

/* out[M, N] (=|+=) act (LN (x)[M, K] · wᵀ + b). @options may be NULL (plain Linear).
 * @out must not overlap @x. */
void   pm_op_linear_fused            (PmTensor              *out,
                                      const PmTensor        *x,
                                      const PmLinear        *linear,
                                      const PmLinearOptions *options);

/* out[M, N2] (=|+= with @accumulate) fc2 (act (fc1 (LN (x)))): a transformer's MLP in one
 * op (@fc1_options: layer norm and activation only, may be NULL), the same numbers as two
 * pm_op_linear_fused () calls through an [M, N1] buffer, which on our kernels it never
 * writes in full. @out must not overlap @x. */
void   pm_op_mlp_fused               (PmTensor              *out,
                                      const PmTensor        *x,
                                      const PmLinear        *fc1,
                                      const PmLinearOptions *fc1_options,
                                      const PmLinear        *fc2,
                                      gboolean               accumulate);

/* Self-attention on a stacked projection qkv[T, 3D] (q | k | v): out[T, D], heads are
 * column blocks; scores (q·kᵀ)·scale; @causal and @key_mask (T entries, 0 = padding, may
 * be NULL) as pm_op_attention. Fused on our kernels in @precision (F32 or BF16), else
 * pm_op_attention on OpenBLAS. @out must not overlap @qkv. */
void   pm_op_attention_qkv           (PmTensor              *out,
                                      const PmTensor        *qkv,
                                      int                    n_heads,
                                      float                  scale,
                                      gboolean               causal,
                                      const guint8          *key_mask,
                                      PmPrecision            precision);

/* The same over n_grids independent grids of gh × gw tokens (SAM's windows, or its whole
 * grid), qkv[n_grids·gh·gw, 3D] → out[n_grids·gh·gw, D], with decomposed relative positions
 * when @rel_h [2gh−1, hd] and @rel_w [2gw−1, hd] are given (both or neither), as
 * pm_op_attention_rel_pos. */
void   pm_op_attention_qkv_grid      (PmTensor              *out,
                                      const PmTensor        *qkv,
                                      int                    n_heads,
                                      float                  scale,
                                      int                    gh,
                                      int                    gw,
                                      const PmTensor        *rel_h,
                                      const PmTensor        *rel_w,
                                      PmPrecision            precision);

/* ---------------------------------------------------------------------------------------
 * Op profile: while enabled, pm_op_linear_fused and pm_op_attention_qkv record their
 * calls (by scope, kind and shape): time, FLOPs and bytes read and written.
 * ------------------------------------------------------------------------------------- */

typedef struct {
  const char *scope;      /* as set by pm_ops_profile_set_scope () ("vision", …) */
  const char *op;         /* "linear", "mlp" (two linears) or "attention" */
  gint64      m, n, k;    /* linear: [M,K]·[K,N]; attention: T, D, heads */
  int         calls;
  double      ms;
  double      flops;
  double      bytes;      /* activations and weights read and written (once each) */
} PmOpProfileEntry;

void   pm_ops_profile_enable         (gboolean               enable);
/* A static string naming what runs next ("vision", "text", "decoder"). */
void   pm_ops_profile_set_scope      (const char            *scope);
/* (transfer container): the entries so far, in first-call order; clears them. */
GArray *pm_ops_profile_take          (void);

/* out[M,N] = x[M,K] · w[N,K]ᵀ + b[N]: a PyTorch Linear (weights [out, in]). @x may have
 * any leading dims (M = numel / K); @b may be NULL. */
void   pm_op_linear                  (PmTensor        *out,
                                      const PmTensor  *x,
                                      const PmTensor  *w,
                                      const PmTensor  *b);
/* out[M,N] += x[M,K] · w[N,K]ᵀ + b[N]: a Linear added onto a residual stream in one sgemm
 * (β = 1), saving a pass. @b may be NULL. */
void   pm_op_linear_acc              (PmTensor        *out,
                                      const PmTensor  *x,
                                      const PmTensor  *w,
                                      const PmTensor  *b);
/* out[M,N] = a[M,K] · b[K,N] (trans_b FALSE) or a[M,K] · b[N,K]ᵀ (trans_b TRUE). */
void   pm_op_matmul                  (PmTensor        *out,
                                      const PmTensor  *a,
                                      const PmTensor  *b,
                                      gboolean         trans_b);
/* Row-wise over the last dim D: (x − mean) / sqrt(var + eps) · gamma[D] + beta[D]. */
void   pm_op_layer_norm              (PmTensor        *out,
                                      const PmTensor  *x,
                                      const PmTensor  *gamma,
                                      const PmTensor  *beta,
                                      float            eps);
/* Row-wise softmax over the last dim. */
void   pm_op_softmax                 (PmTensor        *out,
                                      const PmTensor  *x);
/* x · σ(1.702 x) */
void   pm_op_quick_gelu              (PmTensor        *out,
                                      const PmTensor  *x);
/* x · ½ (1 + erf (x / √2)), the exact GELU (erf to 1.5e-7). */
void   pm_op_gelu                    (PmTensor        *out,
                                      const PmTensor  *x);
void   pm_op_relu                    (PmTensor        *out,
                                      const PmTensor  *x);
/* out = a + b (same shape). */
void   pm_op_add                     (PmTensor        *out,
                                      const PmTensor  *a,
                                      const PmTensor  *b);
/* out[R,C] = in[C,R]ᵀ */
void   pm_op_transpose               (PmTensor        *out,
                                      const PmTensor  *in);
/* FiLM: out[T,D] = x[T,D] · mul[D] + add[D] (every row, class token included). */
void   pm_op_film                    (PmTensor        *out,
                                      const PmTensor  *x,
                                      const PmTensor  *mul,
                                      const PmTensor  *add);

/* LayerNorm over the channels of in[C,H,W] at every pixel (ConvNeXt's and SAM's
 * "LayerNorm2d"): (x − mean_c) / sqrt(var_c + eps) · gamma[C] + beta[C]. @out may be @x. */
void   pm_op_layer_norm_channels     (PmTensor        *out,
                                      const PmTensor  *x,
                                      const PmTensor  *gamma,
                                      const PmTensor  *beta,
                                      float            eps);

/* Multi-head scaled dot-product attention without the projections.
 * q[Tq,D], k[Tk,D], v[Tk,D] → out[Tq,D]; head h uses columns [h·D/H, (h+1)·D/H).
 * Scores are (q·kᵀ)·scale (pass 1/sqrt(D/H) for CLIP, whose q_proj output is scaled the
 * same way). @causal masks keys j > i. @key_mask (length Tk, may be NULL) masks keys whose
 * entry is 0 (padding). @scratch holds at least pm_op_attention_scratch_size (Tq, Tk)
 * floats. */
gsize  pm_op_attention_scratch_size  (gint64           tq,
                                      gint64           tk);
void   pm_op_attention               (PmTensor        *out,
                                      const PmTensor  *q,
                                      const PmTensor  *k,
                                      const PmTensor  *v,
                                      int              n_heads,
                                      float            scale,
                                      gboolean         causal,
                                      const guint8    *key_mask,
                                      PmTensor        *scratch);

/* Multi-head attention over the tokens of a gh×gw grid (token t = y·gw + x) with
 * decomposed relative positions (MViTv2, SAM's image encoder): for query i at (y, x) and
 * key j at (y', x') in head h,
 *   score = scale · q_h[i]·k_h[j] + q_h[i]·rel_h[y − y' + gh − 1] + q_h[i]·rel_w[x − x' + gw − 1]
 * (unscaled q in the position terms). q, k, v, out are [gh·gw, D]; heads are column blocks
 * of width hd = D / n_heads; @rel_h [2gh − 1, hd] and @rel_w [2gw − 1, hd] are shared by
 * the heads, or both NULL for plain attention. Queries go in blocks of grid rows so the
 * scores of a block stay in cache. @scratch holds pm_op_attention_rel_pos_scratch_size ()
 * floats. */
gsize  pm_op_attention_rel_pos_scratch_size (gint64       gh,
                                             gint64       gw,
                                             gint64       head_dim);
void   pm_op_attention_rel_pos       (PmTensor        *out,
                                      const PmTensor  *q,
                                      const PmTensor  *k,
                                      const PmTensor  *v,
                                      int              n_heads,
                                      float            scale,
                                      int              gh,
                                      int              gw,
                                      const PmTensor  *rel_h,
                                      const PmTensor  *rel_w,
                                      PmTensor        *scratch);

/* conv2d: in[Ci,H,W], w[Co,Ci,kh,kw], b[Co] or NULL → out[Co,Ho,Wo] with
 * Ho = (H + 2·pad − kh) / stride + 1. im2col into @scratch
 * (pm_op_conv2d_scratch_size floats) then one sgemm. */
gsize  pm_op_conv2d_scratch_size     (const PmTensor  *in,
                                      const PmTensor  *w,
                                      int              stride,
                                      int              pad);
void   pm_op_conv2d                  (PmTensor        *out,
                                      const PmTensor  *in,
                                      const PmTensor  *w,
                                      const PmTensor  *b,
                                      int              stride,
                                      int              pad,
                                      PmTensor        *scratch);
/* conv-transpose2d, no padding: in[Ci,H,W], w[Ci,Co,kh,kw] (PyTorch layout),
 * b[Co] or NULL → out[Co,(H−1)·stride+kh,(W−1)·stride+kw]. One sgemm into @scratch
 * (Co·kh·kw × H·W floats) then a scatter-add onto the bias. */
gsize  pm_op_conv_transpose2d_scratch_size (const PmTensor *in,
                                            const PmTensor *w);
void   pm_op_conv_transpose2d        (PmTensor        *out,
                                      const PmTensor  *in,
                                      const PmTensor  *w,
                                      const PmTensor  *b,
                                      int              stride,
                                      PmTensor        *scratch);

/* Resizes in[C,H,W] → out[C,Ho,Wo] like torch.nn.functional.interpolate with
 * align_corners=False (size given, so scale = in/out). */
void   pm_op_resize_bilinear         (PmTensor        *out,
                                      const PmTensor  *in);
/* Bicubic, a = −0.75, source indices clamped to the border (PyTorch's upsample_bicubic2d). */
void   pm_op_resize_bicubic          (PmTensor        *out,
                                      const PmTensor  *in);

/* Normalised error ‖a − b‖₂ / max(‖b‖₂, tiny) and max |a − b|, for tests. */
double pm_tensor_nrmse               (const float     *a,
                                      const float     *b,
                                      gsize            n);
double pm_tensor_max_abs_diff        (const float     *a,
                                      const float     *b,
                                      gsize            n);

G_END_DECLS
