/* pm-sam-decoder.c: SAM's prompt side: random-Fourier prompt encoding, the two-way
 * transformer, transposed-convolution upscaling, hypernetwork MLPs and the IoU head.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-sam"

#include <math.h>
#include <string.h>

#include "pm-ops.h"
#include "pm-sam-private.h"

/* ---------------------------------------------------------------------------------------
 * Prompt encoding
 * ------------------------------------------------------------------------------------- */

/**
 * pm_sam_fourier:
 * @model: a model
 * @x01: x in [0, 1] (a pixel coordinate divided by the input side)
 * @y01: y in [0, 1]
 * @out: C floats
 *
 * out = [sin (2π u·G), cos (2π u·G)] with u = (2x − 1, 2y − 1) and G the [2, F] random
 * matrix: the positional encoding of points, box corners and grid cells.
 */
void
pm_sam_fourier (PmSam  *m,
                double  x01,
                double  y01,
                float  *out)
{
  const PmTensor *g = &m->w.fourier;
  gint64 f = g->shape[1];
  double u = 2.0 * x01 - 1.0, v = 2.0 * y01 - 1.0;

  for (gint64 i = 0; i < f; i++)
    {
      double proj = 2.0 * G_PI * (u * g->data[i] + v * g->data[f + i]);

      out[i] = (float) sin (proj);
      out[f + i] = (float) cos (proj);
    }
}

/**
 * pm_sam_prompt_check:
 * @prompt: points and/or a box in original-image pixels
 * @width: image width
 * @height: image height
 * @error: return location
 *
 * Returns: %TRUE if the model can take @prompt on such an image
 */
gboolean
pm_sam_prompt_check (const PmSamPrompt *prompt,
                     int                width,
                     int                height,
                     GError           **error)
{
  const float *b = prompt->box;

  if (prompt->n_points < 0 || prompt->n_points > PM_SAM_MAX_POINTS ||
      (prompt->n_points > 0 && prompt->points == NULL))
    {
      g_set_error (error, PM_SAM_ERROR, PM_SAM_ERROR_INPUT,
                   "a prompt holds 0 to %d points, not %d", PM_SAM_MAX_POINTS, prompt->n_points);
      return FALSE;
    }
  if (prompt->n_points == 0 && !prompt->has_box)
    {
      g_set_error (error, PM_SAM_ERROR, PM_SAM_ERROR_INPUT, "the prompt has no point and no box");
      return FALSE;
    }
  for (int i = 0; i < prompt->n_points; i++)
    {
      const PmSamPoint *p = &prompt->points[i];

      if (p->label != 0 && p->label != 1)
        {
          g_set_error (error, PM_SAM_ERROR, PM_SAM_ERROR_INPUT,
                       "point %d,%d has label %d; use 1 (foreground) or 0 (background)",
                       (int) p->x, (int) p->y, p->label);
          return FALSE;
        }
      if (!(p->x >= 0 && p->y >= 0 && p->x < width && p->y < height))
        {
          g_set_error (error, PM_SAM_ERROR, PM_SAM_ERROR_INPUT,
                       "point %g,%g is outside the %d×%d image", p->x, p->y, width, height);
          return FALSE;
        }
    }
  if (prompt->has_box)
    {
      if (!(isfinite (b[0]) && isfinite (b[1]) && isfinite (b[2]) && isfinite (b[3])) ||
          b[2] < b[0] || b[3] < b[1])
        {
          g_set_error (error, PM_SAM_ERROR, PM_SAM_ERROR_INPUT,
                       "box %g,%g,%g,%g has x1 < x0 or y1 < y0", b[0], b[1], b[2], b[3]);
          return FALSE;
        }
      if (b[2] == b[0] || b[3] == b[1])
        {
          g_set_error (error, PM_SAM_ERROR, PM_SAM_ERROR_INPUT, "box %g,%g,%g,%g is empty",
                       b[0], b[1], b[2], b[3]);
          return FALSE;
        }
      if (b[0] < 0 || b[1] < 0 || b[2] > width || b[3] > height)
        {
          g_set_error (error, PM_SAM_ERROR, PM_SAM_ERROR_INPUT,
                       "box %g,%g,%g,%g is outside the %d×%d image", b[0], b[1], b[2], b[3],
                       width, height);
          return FALSE;
        }
    }
  return TRUE;
}

/* The sparse prompt embedding [Ns, C] (points, then a padding point when there is no box,
 * then the two box corners) into @out's first rows; returns Ns. A coordinate is scaled like
 * the image, moved to the pixel centre (+½) and divided by the input side. */
static int
embed_prompt (PmSam                *m,
              const PmSamEmbedding *e,
              const PmSamPrompt    *prompt,
              float                *out)
{
  const PmSamWeights *w = &m->w;
  gint64 cw = m->config.decoder.hidden_size;
  double sx = (double) e->resized_w / e->width, sy = (double) e->resized_h / e->height;
  double side = m->config.vision.image_size;
  int n = 0;

  for (int i = 0; i < prompt->n_points; i++, n++)
    {
      const PmSamPoint *p = &prompt->points[i];
      const float *label = w->point_embed[p->label].data;
      float *row = out + n * cw;

      pm_sam_fourier (m, (p->x * sx + 0.5) / side, (p->y * sy + 0.5) / side, row);
      for (gint64 c = 0; c < cw; c++)
        row[c] += label[c];
    }
  if (prompt->n_points > 0 && !prompt->has_box)
    {
      /* the "not a point" padding: its position encoding is replaced, not added to */
      memcpy (out + n * cw, w->not_a_point.data, cw * sizeof (float));
      n++;
    }
  if (prompt->has_box)
    for (int corner = 0; corner < 2; corner++, n++)
      {
        const float *label = w->point_embed[2 + corner].data;
        float *row = out + n * cw;

        pm_sam_fourier (m, (prompt->box[2 * corner] * sx + 0.5) / side,
                        (prompt->box[2 * corner + 1] * sy + 0.5) / side, row);
        for (gint64 c = 0; c < cw; c++)
          row[c] += label[c];
      }
  return n;
}

/* ---------------------------------------------------------------------------------------
 * Two-way transformer
 * ------------------------------------------------------------------------------------- */

/* out (+)= out_proj (attention (q_proj (q_in), k_proj (k_in), v_proj (v_in))). Either
 * projected side may be given precomputed (@k_pre, @v_pre: [Nk, Ia]) instead of its input. */
static void
two_way_attention (PmSam                *m,
                   const PmSamAttention *a,
                   const PmTensor       *q_in,
                   const PmTensor       *k_in,
                   const PmTensor       *v_in,
                   const PmTensor       *k_pre,
                   const PmTensor       *v_pre,
                   PmTensor             *out,
                   gboolean              accumulate)
{
  PmArena *arena = m->arena;
  gsize mark = pm_arena_mark (arena);
  int heads = m->config.decoder.num_attention_heads;
  gint64 nq = pm_tensor_rows (q_in), nk = k_pre != NULL ? pm_tensor_rows (k_pre)
                                                         : pm_tensor_rows (k_in);
  PmTensor q = pm_arena_tensor_2d (arena, nq, a->inner);
  PmTensor k, v, o, scratch;

  pm_op_linear (&q, q_in, &a->q_w, &a->q_b);
  if (k_pre != NULL)
    k = *k_pre;
  else
    {
      k = pm_arena_tensor_2d (arena, nk, a->inner);
      pm_op_linear (&k, k_in, &a->k_w, &a->k_b);
    }
  if (v_pre != NULL)
    v = *v_pre;
  else
    {
      v = pm_arena_tensor_2d (arena, nk, a->inner);
      pm_op_linear (&v, v_in, &a->v_w, &a->v_b);
    }
  o = pm_arena_tensor_2d (arena, nq, a->inner);
  scratch = pm_arena_tensor_2d (arena, 1, pm_op_attention_scratch_size (nq, nk));
  pm_op_attention (&o, &q, &k, &v, heads, (float) (1.0 / sqrt ((double) a->inner / heads)),
                   FALSE, NULL, &scratch);
  if (accumulate)
    pm_op_linear_acc (out, &o, &a->o_w, &a->o_b);
  else
    pm_op_linear (out, &o, &a->o_w, &a->o_b);
  pm_arena_release (arena, mark);
}

/* ---------------------------------------------------------------------------------------
 * Attention between a few tokens and the image, in low-rank form
 *
 * With Nt tokens and H heads, the image side of an attention only ever meets H·Nt
 * vectors, so when H·Nt ≤ I the products with the N image tokens can be taken in that
 * space instead of through the I-wide projections (exact up to rounding):
 *   image → token: score_h[n, j] = s·q_h[n]·k_h[j] = kpe[n]·(s Wq_hᵀ k_h[j]) + s bq_h·k_h[j],
 *     and out[n] = Σ_h P_h[n, ·] (v_h Wo_hᵀ) + bo: two [N, C] × [C, H·Nt] products;
 *   token → image: score_h[i, n] = (s q_h[i] Wk_h)·kpe[n] (+ a constant per row, which the
 *     softmax ignores), and attn_h[i] = (P_h[i, ·] keys) Wv_hᵀ + bv_h (rows of P sum to 1).
 *
 * Their products run in the model's precision: exact f32 for pm_sam_load () (the parity
 * mode), bf16 operands with f32 accumulation in the fast one (full-size random model, fast
 * vs the f32 reference: mask IoU 0.99694 point, 0.99456 box; 0.99711 and 0.99474 with
 * these products in f32; bound 0.99, test /engine/sam/full-size).
 * ------------------------------------------------------------------------------------- */

static gboolean
use_lowrank (const PmSam          *m,
             const PmSamAttention *a,
             gint64                nt)
{
  return (gint64) m->config.decoder.num_attention_heads * nt <= a->inner;
}

/* out[h·Nt + j, :] = scale · Σ_d x[j, h·hd + d] · w[h·hd + d, :]: the tokens' projected
 * rows pulled back through a [I, C] projection, per head. */
static void
pull_back (float       *out,
           const float *x,
           const float *w,
           gint64       nt,
           int          heads,
           gint64       hd,
           gint64       c,
           float        scale)
{
  gint64 inner = heads * hd;

  for (int h = 0; h < heads; h++)
    for (gint64 j = 0; j < nt; j++)
      {
        float *row = out + (h * nt + j) * c;

        memset (row, 0, c * sizeof (float));
        for (gint64 d = 0; d < hd; d++)
          {
            const float *wr = w + (h * hd + d) * c;
            float xv = scale * x[j * inner + h * hd + d];

            for (gint64 k = 0; k < c; k++)
              row[k] += xv * wr[k];
          }
      }
}

/* delta[N, C] (+)= out_proj (attention (q = kpe, k = qtok, v = vtok)), the image side's
 * update (added to @delta in the product's epilogue when @accumulate: the residual add
 * without a pass of its own). With @q_img (q_proj (kpe), cached for the first layer) the
 * scores are per-head products with it: [N, I] · a block-diagonal [I, H·Nt]. */
static void
image_to_token_lowrank (PmSam                *m,
                        const PmSamAttention *a,
                        const PmTensor       *kpe,
                        const PmTensor       *q_img,
                        const PmTensor       *qtok,
                        const PmTensor       *vtok,
                        PmTensor             *delta,
                        gboolean              accumulate)
{
  PmArena *arena = m->arena;
  gsize mark = pm_arena_mark (arena);
  int heads = m->config.decoder.num_attention_heads;
  gint64 nt = pm_tensor_rows (qtok), n = pm_tensor_rows (delta), c = pm_tensor_cols (delta);
  gint64 inner = a->inner, hd = inner / heads, r = heads * nt;
  float scale = (float) (1.0 / sqrt ((double) hd));
  PmTensor k = pm_arena_tensor_2d (arena, nt, inner);
  PmTensor v = pm_arena_tensor_2d (arena, nt, inner);
  PmTensor bt = pm_arena_tensor_2d (arena, c, r);      /* value projection [C, H·Nt] */
  PmTensor p = pm_arena_tensor_2d (arena, n, r);
  PmLinear *score, *value;
  PmLinearOptions acc = { NULL, NULL, 0, PM_ACT_NONE, TRUE, 0, NULL, NULL };

  pm_op_linear (&k, qtok, &a->k_w, &a->k_b);
  pm_op_linear (&v, vtok, &a->v_w, &a->v_b);
  if (q_img != NULL)
    {
      /* row h·Nt + j: s · k_h[j] in head h's columns, zeros elsewhere */
      PmTensor kb = pm_arena_tensor_2d (arena, r, inner);

      memset (kb.data, 0, r * inner * sizeof (float));
      for (int h = 0; h < heads; h++)
        for (gint64 j = 0; j < nt; j++)
          for (gint64 d = 0; d < hd; d++)
            kb.data[(h * nt + j) * inner + h * hd + d] = scale * k.data[j * inner + h * hd + d];
      score = pm_linear_new (&kb, NULL, m->precision);
    }
  else
    {
      PmTensor at = pm_arena_tensor_2d (arena, r, c);      /* score projection [H·Nt, C] */
      PmTensor cb = pm_arena_tensor_2d (arena, 1, r);      /* score offsets [H·Nt] */

      pull_back (at.data, k.data, a->q_w.data, nt, heads, hd, c, scale);
      for (int h = 0; h < heads; h++)
        for (gint64 j = 0; j < nt; j++)
          {
            double acc = 0;
            for (gint64 d = 0; d < hd; d++)
              acc += (double) k.data[j * inner + h * hd + d] * a->q_b.data[h * hd + d];
            cb.data[h * nt + j] = (float) (scale * acc);
          }
      score = pm_linear_new (&at, &cb, m->precision);
    }
  for (gint64 o = 0; o < c; o++)
    for (int h = 0; h < heads; h++)
      for (gint64 j = 0; j < nt; j++)
        {
          const float *wo = a->o_w.data + o * inner + h * hd, *vj = v.data + j * inner + h * hd;
          float acc = 0;
          for (gint64 d = 0; d < hd; d++)
            acc += wo[d] * vj[d];
          bt.data[o * r + h * nt + j] = acc;
        }
  value = pm_linear_new (&bt, &a->o_b, m->precision);

  /* scores [N, H·Nt], a softmax per head's Nt columns, then delta = P · btᵀ + bo */
  pm_op_linear_fused (&p, q_img != NULL ? q_img : kpe, score, NULL);
  pm_sam_softmax_segments (&p, nt);
  pm_op_linear_fused (delta, &p, value, accumulate ? &acc : NULL);
  pm_linear_free (score);
  pm_linear_free (value);
  pm_arena_release (arena, mark);
}

/* queries[Nt, C] += out_proj (attention (q = qtok, k = kpe, v = keys)). */
static void
token_to_image_lowrank (PmSam                *m,
                        const PmSamAttention *a,
                        const PmTensor       *qtok,
                        const PmTensor       *kpe,
                        const PmTensor       *keys,
                        PmTensor             *queries)
{
  PmArena *arena = m->arena;
  gsize mark = pm_arena_mark (arena);
  int heads = m->config.decoder.num_attention_heads;
  gint64 nt = pm_tensor_rows (qtok), n = pm_tensor_rows (kpe), c = pm_tensor_cols (kpe);
  gint64 inner = a->inner, hd = inner / heads, r = heads * nt;
  float scale = (float) (1.0 / sqrt ((double) hd));
  PmTensor q = pm_arena_tensor_2d (arena, nt, inner);
  PmTensor g = pm_arena_tensor_2d (arena, r, c);
  PmTensor p = pm_arena_tensor_2d (arena, r, n);
  PmTensor z = pm_arena_tensor_2d (arena, r, c);
  PmTensor attn = pm_arena_tensor_2d (arena, nt, inner);

  pm_op_linear (&q, qtok, &a->q_w, &a->q_b);
  pull_back (g.data, q.data, a->k_w.data, nt, heads, hd, c, scale);
  /* scores [H·Nt, N] = G · kpeᵀ (the k bias adds a constant per row: dropped), then
   * Z [H·Nt, C] = P · keys, on the packed kernels (kpe and keys packed as B; their
   * storage is kept by the model from click to click) */
  m->op_b[0] = pm_gemm_b_renew_nk (m->op_b[0], kpe->data, n, c, c, m->precision);
  if (m->op_b[0] != NULL)
    {
      PmGemmA ga = { g.data, c, NULL, NULL, 0, NULL };
      PmGemmOut go = { p.data, n, NULL, NULL, PM_ACT_NONE, FALSE, NULL };
      pm_gemm (r, &ga, m->op_b[0], &go);
    }
  else
    pm_op_matmul (&p, &g, kpe, TRUE);
  pm_sam_softmax_rows (&p);
  m->op_b[1] = pm_gemm_b_new_kn (m->op_b[1], keys->data, n, c, c, m->precision);
  if (m->op_b[1] != NULL)
    {
      PmGemmA ga = { p.data, n, NULL, NULL, 0, NULL };
      PmGemmOut go = { z.data, c, NULL, NULL, PM_ACT_NONE, FALSE, NULL };
      pm_gemm (r, &ga, m->op_b[1], &go);
    }
  else
    pm_op_matmul (&z, &p, keys, FALSE);
  /* attn_h[i] = Z[h·Nt + i] · Wv_hᵀ + bv_h */
  for (int h = 0; h < heads; h++)
    for (gint64 i = 0; i < nt; i++)
      for (gint64 d = 0; d < hd; d++)
        {
          const float *zr = z.data + (h * nt + i) * c, *wv = a->v_w.data + (h * hd + d) * c;
          float acc = a->v_b.data[h * hd + d];
          for (gint64 k = 0; k < c; k++)
            acc += zr[k] * wv[k];
          attn.data[i * inner + h * hd + d] = acc;
        }
  pm_op_linear_acc (queries, &attn, &a->o_w, &a->o_b);
  pm_arena_release (arena, mark);
}

/* One SamTwoWayAttentionBlock on queries[Nt, C] and keys[N, C]; @tokens is the query
 * positional encoding (the initial tokens), @m->key_pe the keys'. The first layer reads
 * its keys from the embedding's cache and writes them to @keys; @kpe holds keys + key_pe
 * after every layer (and before it, but for the first). */
static void
two_way_layer (PmSam                  *m,
               const PmSamTwoWayLayer *l,
               int                     index,
               const PmSamEmbedding   *e,
               const PmTensor         *tokens,
               PmTensor               *queries,
               PmTensor               *keys,
               PmTensor               *kpe)
{
  const PmSamDecoderConfig *dc = &m->config.decoder;
  PmArena *arena = m->arena;
  gsize mark = pm_arena_mark (arena);
  gint64 nt = pm_tensor_rows (queries), n = pm_tensor_rows (keys), cw = dc->hidden_size;
  float eps = (float) dc->layer_norm_eps;
  const PmTensor *src = index == 0 ? e->keys : keys;
  PmTensor qpe = pm_arena_tensor_2d (arena, nt, cw);
  PmTensor hid = pm_arena_tensor_2d (arena, nt, dc->mlp_dim);

  /* self-attention of the tokens; the first layer has no residual and no position */
  if (index == 0)
    {
      PmTensor tmp = pm_arena_tensor_2d (arena, nt, cw);
      two_way_attention (m, &l->self_attn, queries, queries, queries, NULL, NULL, &tmp, FALSE);
      memcpy (queries->data, tmp.data, nt * cw * sizeof (float));
    }
  else
    {
      pm_op_add (&qpe, queries, tokens);
      two_way_attention (m, &l->self_attn, &qpe, &qpe, queries, NULL, NULL, queries, TRUE);
    }
  pm_op_layer_norm (queries, queries, &l->ln1_w, &l->ln1_b, eps);

  /* tokens attend to the image (the first layer's keys and values are cached) */
  pm_op_add (&qpe, queries, tokens);
  if (index == 0)
    two_way_attention (m, &l->token_to_image, &qpe, NULL, NULL, e->k0, e->v0, queries, TRUE);
  else if (use_lowrank (m, &l->token_to_image, nt))
    token_to_image_lowrank (m, &l->token_to_image, &qpe, kpe, keys, queries);
  else
    two_way_attention (m, &l->token_to_image, &qpe, kpe, keys, NULL, NULL, queries, TRUE);
  pm_op_layer_norm (queries, queries, &l->ln2_w, &l->ln2_b, eps);

  /* MLP on the tokens */
  pm_op_linear (&hid, queries, &l->mlp1_w, &l->mlp1_b);
  if (strcmp (dc->hidden_act, "gelu") == 0)
    pm_op_gelu (&hid, &hid);
  else
    pm_op_relu (&hid, &hid);
  pm_op_linear_acc (queries, &hid, &l->mlp2_w, &l->mlp2_b);
  pm_op_layer_norm (queries, queries, &l->ln3_w, &l->ln3_b, eps);

  /* the image attends to the tokens: keys = LN (src + update), kpe = keys + key_pe */
  pm_op_add (&qpe, queries, tokens);
  if (use_lowrank (m, &l->image_to_token, nt) && index == 0)
    {
      PmTensor delta = pm_arena_tensor_2d (arena, n, cw);

      image_to_token_lowrank (m, &l->image_to_token, NULL, e->q0, &qpe, queries, &delta,
                              FALSE);
      pm_sam_residual_norm (m, keys, kpe, src, &delta, &l->ln4_w, &l->ln4_b, eps);
    }
  else if (use_lowrank (m, &l->image_to_token, nt))
    {
      /* keys += the update in the product's epilogue (src is keys) */
      image_to_token_lowrank (m, &l->image_to_token, kpe, NULL, &qpe, queries, keys, TRUE);
      pm_sam_residual_norm (m, keys, kpe, keys, NULL, &l->ln4_w, &l->ln4_b, eps);
    }
  else
    {
      if (index == 0)
        {
          memcpy (keys->data, src->data, n * cw * sizeof (float));
          pm_op_add (kpe, keys, m->key_pe);
        }
      two_way_attention (m, &l->image_to_token, kpe, &qpe, queries, NULL, NULL, keys, TRUE);
      pm_sam_residual_norm (m, keys, kpe, keys, NULL, &l->ln4_w, &l->ln4_b, eps);
    }
  pm_arena_release (arena, mark);
}

/**
 * pm_sam_build_decoder_cache:
 *
 * keys = the image embedding token-major plus the no-mask dense embedding; the first
 * two-way layer's token→image keys k_proj (keys + pe) and values v_proj (keys), and its
 * image→token queries q_proj (keys + pe), depend on nothing else, so every prompt on this
 * image reuses them.
 */
void
pm_sam_build_decoder_cache (PmSam          *m,
                            PmSamEmbedding *e)
{
  const PmSamDecoderConfig *dc = &m->config.decoder;
  const PmSamAttention *a = &m->w.tw_layers[0].token_to_image;
  const PmSamAttention *i2t = &m->w.tw_layers[0].image_to_token;
  gsize mark = pm_arena_mark (m->arena);
  gint64 n = (gint64) m->grid * m->grid, cw = dc->hidden_size;
  PmTensor img = pm_tensor_view_2d (e->image->data, cw, n);
  PmTensor kpe = pm_arena_tensor_2d (m->arena, n, cw);

  e->keys = pm_tensor_new_2d (n, cw);
  pm_op_transpose (e->keys, &img);
  for (gint64 i = 0; i < n; i++)
    {
      float *row = e->keys->data + i * cw;
      for (gint64 c = 0; c < cw; c++)
        row[c] += m->w.no_mask.data[c];
    }
  e->k0 = pm_tensor_new_2d (n, a->inner);
  e->v0 = pm_tensor_new_2d (n, a->inner);
  e->q0 = pm_tensor_new_2d (n, i2t->inner);
  pm_op_add (&kpe, e->keys, m->key_pe);
  pm_op_linear (e->k0, &kpe, &a->k_w, &a->k_b);
  pm_op_linear (e->v0, e->keys, &a->v_w, &a->v_b);
  pm_op_linear (e->q0, &kpe, &i2t->q_w, &i2t->q_b);
  pm_arena_release (m->arena, mark);
}

/* ---------------------------------------------------------------------------------------
 * Heads
 * ------------------------------------------------------------------------------------- */

/* ---------------------------------------------------------------------------------------
 * Decode
 * ------------------------------------------------------------------------------------- */

/* pm_sam_decode () inside pm_ops_blas_begin/end. */
static gboolean
decode_in_gate (PmSam                *m,
                const PmSamEmbedding *e,
                const PmSamPrompt    *prompt,
                float                *lowres,
                float                *iou,
                GCancellable         *cancellable,
                PmTimings            *timings,
                GError              **error)
{
  const PmSamDecoderConfig *dc = &m->config.decoder;
  PmArena *arena = m->arena;
  int g = m->grid, k = m->n_mask_tokens, first, count, ns;
  gint64 cw = dc->hidden_size, n = (gint64) g * g, nt;
  PmTensor tokens, queries, keys, kpe, hyper;
  g_autofree float *iou_all = g_new (float, k);
  float *sparse;
  double t0 = pm_now_ms ();

  if (!pm_sam_prompt_check (prompt, e->width, e->height, error) ||
      g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  pm_arena_reset (arena);

  /* tokens = [iou token; mask tokens; sparse prompt] */
  sparse = pm_arena_alloc (arena, (gsize) (prompt->n_points + 3) * cw);
  ns = embed_prompt (m, e, prompt, sparse);
  nt = 1 + k + ns;
  tokens = pm_arena_tensor_2d (arena, nt, cw);
  memcpy (tokens.data, m->w.iou_token.data, cw * sizeof (float));
  memcpy (tokens.data + cw, m->w.mask_tokens.data, k * cw * sizeof (float));
  memcpy (tokens.data + (1 + k) * cw, sparse, ns * cw * sizeof (float));
  pm_sam_dump (m, "decoder.tokens", &tokens);
  if (timings != NULL)
    pm_timings_add (timings, "prompt encoder", pm_now_ms () - t0);

  /* two-way transformer */
  t0 = pm_now_ms ();
  queries = pm_arena_tensor_2d (arena, nt, cw);
  keys = pm_arena_tensor_2d (arena, n, cw);
  kpe = pm_arena_tensor_2d (arena, n, cw);
  memcpy (queries.data, tokens.data, nt * cw * sizeof (float));
  if (dc->num_hidden_layers == 0)
    {
      memcpy (keys.data, e->keys->data, n * cw * sizeof (float));
      pm_op_add (&kpe, &keys, m->key_pe);
    }
  for (int i = 0; i < dc->num_hidden_layers; i++)
    two_way_layer (m, &m->w.tw_layers[i], i, e, &tokens, &queries, &keys, &kpe);
  {
    gsize mark = pm_arena_mark (arena);
    PmTensor qpe = pm_arena_tensor_2d (arena, nt, cw);

    pm_op_add (&qpe, &queries, &tokens);
    if (use_lowrank (m, &m->w.final_attn, nt))
      token_to_image_lowrank (m, &m->w.final_attn, &qpe, &kpe, &keys, &queries);
    else
      two_way_attention (m, &m->w.final_attn, &qpe, &kpe, &keys, NULL, NULL, &queries, TRUE);
    /* Hugging Face builds this norm without an eps: torch's default 1e-5 */
    pm_op_layer_norm (&queries, &queries, &m->w.final_ln_w, &m->w.final_ln_b, 1e-5f);
    pm_arena_release (arena, mark);
  }
  if (timings != NULL)
    pm_timings_add (timings, "two-way transformer", pm_now_ms () - t0);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  /* masks = hypernetwork (mask token) · upscaled image, for the tokens asked for */
  t0 = pm_now_ms ();
  first = prompt->multimask ? 1 : 0;
  count = prompt->multimask ? k - 1 : 1;
  hyper = pm_arena_tensor_2d (arena, count, cw / 8);
  for (int i = 0; i < count; i++)
    pm_sam_feed_forward (m, &m->w.hyper[first + i], queries.data + (1 + first + i) * cw,
                         hyper.data + i * (cw / 8));
  pm_sam_mask_head (m, &keys, hyper.data, count, lowres);
  pm_sam_feed_forward (m, &m->w.iou_head, queries.data, iou_all);
  memcpy (iou, iou_all + first, count * sizeof (float));
  if (timings != NULL)
    pm_timings_add (timings, "mask head", pm_now_ms () - t0);
  return TRUE;
}

/**
 * pm_sam_decode:
 * @model: a model
 * @embedding: from pm_sam_encode_image () with this model
 * @prompt: points and/or a box (checked with pm_sam_prompt_check ())
 * @lowres: (out caller-allocates): n × L × L logits
 * @iou: (out caller-allocates): n predicted IoUs
 * @cancellable: (nullable): checked between stages
 * @timings: (nullable): receives "prompt encoder", "two-way transformer" and "mask head"
 * @error: return location
 *
 * Returns: %TRUE on success
 */
gboolean
pm_sam_decode (PmSam                *m,
               const PmSamEmbedding *e,
               const PmSamPrompt    *prompt,
               float                *lowres,
               float                *iou,
               GCancellable         *cancellable,
               PmTimings            *timings,
               GError              **error)
{
  gboolean ok;

  g_return_val_if_fail (e != NULL && prompt != NULL && lowres != NULL && iou != NULL, FALSE);
  /* only the mask head's packing: the encoding @e came from waited for the rest */
  pm_stage_packer_wait (m->packer, PM_SAM_STAGE_DECODER, NULL, NULL);
  pm_ops_blas_begin ();
  ok = decode_in_gate (m, e, prompt, lowres, iou, cancellable, timings, error);
  pm_ops_blas_end ();
  return ok;
}
