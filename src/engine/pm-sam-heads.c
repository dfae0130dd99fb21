/* pm-sam-heads.c: the mask decoder's heads: hypernetwork / IoU MLPs and the mask head
 * (transposed-convolution upscaling and the product with the hypernetwork vectors).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The upscaling keeps its pixels in "sub-pixel order" instead of moving them to their
 * places after each transposed convolution: a 2×2 stride-2 transposed convolution is a
 * Linear that turns pixel p's row into its four output pixels' rows side by side, so its
 * output [P, 4·Co] is already, read as [4·P, Co], the output image with row 4p + k for
 * sub-pixel k = ky·2 + kx. Only the final logits are written at their (y, x), straight
 * from the second product's rows.
 */
#define G_LOG_DOMAIN "pm-sam"

#include <string.h>

#include "pm-ops.h"
#include "pm-pool.h"
#include "pm-sam-private.h"
#include "pm-ops-private.h"   /* last: its pragma covers the loops below */

/**
 * pm_sam_feed_forward:
 * @m: a model
 * @mlp: a SamFeedForward
 * @in: one row of its input width
 * @out: one row of its output width
 *
 * SamFeedForward on one row: ReLU after every layer but the last.
 */
void
pm_sam_feed_forward (PmSam          *m,
                     const PmSamMlp *mlp,
                     const float    *in,
                     float          *out)
{
  gsize mark = pm_arena_mark (m->arena);
  gint64 hidden = mlp->in_w.shape[0];
  PmTensor x = pm_tensor_view_2d ((float *) in, 1, mlp->in_w.shape[1]);
  PmTensor h = pm_arena_tensor_2d (m->arena, 1, hidden);
  PmTensor h2 = pm_arena_tensor_2d (m->arena, 1, hidden);
  PmTensor o = pm_tensor_view_2d (out, 1, mlp->out_w.shape[0]);

  pm_op_linear (&h, &x, &mlp->in_w, &mlp->in_b);
  pm_op_relu (&h, &h);
  for (int j = 0; j < mlp->n_mid; j++)
    {
      PmTensor tmp;

      pm_op_linear (&h2, &h, &mlp->mid_w[j], &mlp->mid_b[j]);
      pm_op_relu (&h2, &h2);
      tmp = h;
      h = h2;
      h2 = tmp;
    }
  pm_op_linear (&o, &h, &mlp->out_w, &mlp->out_b);
  pm_arena_release (m->arena, mark);
}

/* Rows per task of the element-wise passes. */
#define ROWS_PER_TASK 512

typedef struct {
  PmTensor       *x;       /* [R, D], normed and activated in place */
  const PmTensor *gamma, *beta;
} NormGeluJob;

static void
norm_gelu_task (gint64   task,
                int      worker,
                gpointer data)
{
  NormGeluJob *j = data;
  gint64 rows = pm_tensor_rows (j->x), d = pm_tensor_cols (j->x);
  gint64 r0 = task * ROWS_PER_TASK, r1 = MIN (rows, r0 + ROWS_PER_TASK);
  PmTensor part = pm_tensor_view_2d (j->x->data + r0 * d, r1 - r0, d);

  pm_op_layer_norm (&part, &part, j->gamma, j->beta, 1e-6f);
  pm_op_gelu (&part, &part);
}

typedef struct {
  const float *up;         /* [g², 4·4·Co2]: the second product, sub-pixel order */
  const float *hyper;      /* [count, Co2] */
  int          count;
  int          g;          /* the image embedding's grid */
  gint64       co;         /* Co2 = C/8 */
  float       *lowres;     /* [count, 4g, 4g] */
} MasksJob;

/* Grid row y: logits of its 16·g low-res pixels for every mask asked for. */
PM_HOT_CLONES static void
masks_task (gint64   y,
            int      worker,
            gpointer data)
{
  const MasksJob *j = data;
  gint64 l = 4 * (gint64) j->g, co = j->co;

  for (int x = 0; x < j->g; x++)
    for (int k1 = 0; k1 < 4; k1++)
      for (int k2 = 0; k2 < 4; k2++)
        {
          const float *row = j->up + ((((gint64) y * j->g + x) * 4 + k1) * 4 + k2) * co;
          gint64 oy = 2 * (2 * y + k1 / 2) + k2 / 2, ox = 2 * (2 * x + k1 % 2) + k2 % 2;

          for (int i = 0; i < j->count; i++)
            {
              const float *h = j->hyper + i * co;
              float lane[8] = { 0 }, acc;
              gint64 c8 = co / 8 * 8;

              /* eight lanes in a fixed order, so the loop vectorises */
              for (gint64 c = 0; c < c8; c += 8)
                for (int k = 0; k < 8; k++)
                  lane[k] += h[c + k] * row[c + k];
              acc = ((lane[0] + lane[1]) + (lane[2] + lane[3])) +
                    ((lane[4] + lane[5]) + (lane[6] + lane[7]));
              for (gint64 c = c8; c < co; c++)
                acc += h[c] * row[c];
              j->lowres[i * l * l + oy * l + ox] = acc;
            }
        }
}

/**
 * pm_sam_mask_head:
 * @m: a model
 * @keys: [g², C] the two-way transformer's image side
 * @hyper: [count, C/8] the hypernetwork outputs of the masks asked for
 * @count: masks
 * @lowres: (out caller-allocates): [count, 4g, 4g] logits
 *
 * ConvT 2×2/2 → LayerNorm2d → GELU → ConvT 2×2/2 → GELU, then each mask's logits are the
 * product of its hypernetwork vector with the upscaled features (HF SamMaskDecoder).
 */
void
pm_sam_mask_head (PmSam          *m,
                  const PmTensor *keys,
                  const float    *hyper,
                  int             count,
                  float          *lowres)
{
  const PmSamWeights *w = &m->w;
  gsize mark = pm_arena_mark (m->arena);
  int g = m->grid;
  gint64 n = (gint64) g * g, c1 = pm_linear_get_out (w->up1) / 4;
  gint64 c2 = pm_linear_get_out (w->up2) / 4;
  PmTensor t1 = pm_arena_tensor_2d (m->arena, n, 4 * c1);
  PmTensor up1 = pm_tensor_view_2d (t1.data, 4 * n, c1);
  PmTensor t2 = pm_arena_tensor_2d (m->arena, 4 * n, 4 * c2);
  PmLinearOptions gelu = { NULL, NULL, 0, PM_ACT_GELU, FALSE, 0, NULL, NULL };
  NormGeluJob nj = { &up1, &w->up_ln_w, &w->up_ln_b };
  MasksJob mj = { t2.data, hyper, count, g, c2, lowres };

  pm_op_linear_fused (&t1, keys, w->up1, NULL);
  pm_pool_run ((4 * n + ROWS_PER_TASK - 1) / ROWS_PER_TASK, norm_gelu_task, &nj);
  pm_op_linear_fused (&t2, &up1, w->up2, &gelu);
  pm_pool_run (g, masks_task, &mj);
  pm_arena_release (m->arena, mark);
}

/* ---------------------------------------------------------------------------------------
 * Row-parallel passes of the two-way transformer's image side
 * ------------------------------------------------------------------------------------- */

typedef struct {
  PmTensor       *out;     /* [N, C] */
  PmTensor       *out_pe;  /* [N, C] or NULL */
  const PmTensor *a, *b;   /* [N, C]; b may be NULL; a may be out */
  const PmTensor *gamma, *beta, *pe;
  float           eps;
} ResidualNormJob;

static void
residual_norm_task (gint64   task,
                    int      worker,
                    gpointer data)
{
  ResidualNormJob *j = data;
  gint64 rows = pm_tensor_rows (j->out), c = pm_tensor_cols (j->out);
  gint64 r0 = task * ROWS_PER_TASK / 4, r1 = MIN (rows, r0 + ROWS_PER_TASK / 4);
  PmTensor o = pm_tensor_view_2d (j->out->data + r0 * c, r1 - r0, c);
  PmTensor a = pm_tensor_view_2d (j->a->data + r0 * c, r1 - r0, c);

  if (j->b != NULL)
    {
      PmTensor b = pm_tensor_view_2d (j->b->data + r0 * c, r1 - r0, c);
      pm_op_add (&o, &a, &b);
    }
  else if (o.data != a.data)
    memcpy (o.data, a.data, (r1 - r0) * c * sizeof (float));
  pm_op_layer_norm (&o, &o, j->gamma, j->beta, j->eps);
  if (j->out_pe != NULL)
    {
      PmTensor ope = pm_tensor_view_2d (j->out_pe->data + r0 * c, r1 - r0, c);
      PmTensor pe = pm_tensor_view_2d (j->pe->data + r0 * c, r1 - r0, c);
      pm_op_add (&ope, &o, &pe);
    }
}

/**
 * pm_sam_residual_norm:
 * @m: a model
 * @out: [N, C]
 * @out_pe: (nullable): [N, C], receives @out + the grid's positional encoding
 * @a: [N, C] (may be @out)
 * @b: (nullable): [N, C], added to @a
 * @gamma: [C]
 * @beta: [C]
 * @eps: the norm's eps
 *
 * out = LN (a + b), out_pe = out + key_pe, in one pass over the pool.
 */
void
pm_sam_residual_norm (PmSam          *m,
                      PmTensor       *out,
                      PmTensor       *out_pe,
                      const PmTensor *a,
                      const PmTensor *b,
                      const PmTensor *gamma,
                      const PmTensor *beta,
                      float           eps)
{
  ResidualNormJob j = { out, out_pe, a, b, gamma, beta, m->key_pe, eps };
  gint64 rows = pm_tensor_rows (out), per = ROWS_PER_TASK / 4;

  g_assert_cmpint (pm_tensor_numel (a), ==, pm_tensor_numel (out));
  g_assert (b == NULL || pm_tensor_numel (b) == pm_tensor_numel (out));
  g_assert (out_pe == NULL || pm_tensor_numel (out_pe) == pm_tensor_numel (out));
  pm_pool_run ((rows + per - 1) / per, residual_norm_task, &j);
}

typedef struct {
  float  *p;
  gint64  rows, seg, n_seg;
} SegmentsJob;

PM_HOT_CLONES static void
segments_task (gint64   task,
               int      worker,
               gpointer data)
{
  SegmentsJob *j = data;
  gint64 r0 = task * ROWS_PER_TASK, r1 = MIN (j->rows, r0 + ROWS_PER_TASK);

  for (gint64 r = r0; r < r1; r++)
    for (gint64 s = 0; s < j->n_seg; s++)
      {
        float *v = j->p + (r * j->n_seg + s) * j->seg, max = v[0], sum = 0, inv;

        for (gint64 i = 1; i < j->seg; i++)
          max = v[i] > max ? v[i] : max;
        for (gint64 i = 0; i < j->seg; i++)
          {
            v[i] = pm_expf (v[i] - max);
            sum += v[i];
          }
        inv = 1.0f / sum;
        for (gint64 i = 0; i < j->seg; i++)
          v[i] *= inv;
      }
}

/**
 * pm_sam_softmax_segments:
 * @p: [R, n_seg · seg] scores (finite)
 * @seg: columns per segment
 *
 * A softmax over each run of @seg columns of every row (one per head), over the pool.
 */
void
pm_sam_softmax_segments (PmTensor *p,
                         gint64    seg)
{
  gint64 rows = pm_tensor_rows (p);
  SegmentsJob j = { p->data, rows, seg, pm_tensor_cols (p) / seg };

  g_assert_cmpint (pm_tensor_cols (p) % seg, ==, 0);
  pm_pool_run ((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, segments_task, &j);
}

static void
softmax_rows_task (gint64   row,
                   int      worker,
                   gpointer data)
{
  PmTensor *p = data;

  pm_softmax_row (p->data + row * pm_tensor_cols (p), pm_tensor_cols (p));
}

/**
 * pm_sam_softmax_rows:
 * @p: [R, D]
 *
 * A row softmax (pm_op_softmax) with the rows spread over the pool.
 */
void
pm_sam_softmax_rows (PmTensor *p)
{
  pm_pool_run (pm_tensor_rows (p), softmax_rows_task, p);
}
