/* pm-sam-post.c: SAM's low-resolution logits to a mask at the original image size, as
 * Meta's predictor does it (upsample to the input side, crop the padding, resize, > 0).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-sam"

#include <string.h>

#include "pm-pool.h"
#include "pm-sam-private.h"

typedef struct {
  const float *in;
  int          in_w, in_h;
  float        sy;
  const int   *x0, *x1;
  const float *lx;
  float       *out;      /* NULL, or out_w × out_h: the resized values */
  int          out_w, out_h;
  float       *mask;     /* NULL, or out_w × out_h: value > 0 as 0/1 */
} ResizeJob;

#define RESIZE_ROWS 32

/* Input row @r resized horizontally, from the one of the two @slot buffers holding it, or
 * made into the one not holding row @keep. */
static const float *
horizontal_row (const ResizeJob *j,
                int              r,
                int              keep,
                float           *slot[2],
                int              held[2])
{
  const float *in = j->in + (gsize) r * j->in_w;
  float *out;
  int s;

  if (held[0] == r)
    return slot[0];
  if (held[1] == r)
    return slot[1];
  s = held[0] == keep ? 1 : 0;
  out = slot[s];
  for (int x = 0; x < j->out_w; x++)
    {
      float l1 = j->lx[x], l0 = 1.0f - l1;

      out[x] = l0 * in[j->x0[x]] + l1 * in[j->x1[x]];
    }
  held[s] = r;
  return out;
}

/* Bilinear as ly0·(l0·a + l1·b) + ly1·(l0·c + l1·d), taken horizontally first: each input
 * row is resized once for all the output rows that read it (an upscale reads each one
 * 2·out/in times), and the vertical blend runs over contiguous rows. */
static void
resize_rows_task (gint64   task,
                  int      worker,
                  gpointer data)
{
  const ResizeJob *j = data;
  int y1 = MIN (j->out_h, (int) (task + 1) * RESIZE_ROWS);
  g_autofree float *buf = g_new (float, 2 * (gsize) j->out_w);
  float *slot[2] = { buf, buf + j->out_w };
  int held[2] = { -1, -1 };

  for (int y = (int) task * RESIZE_ROWS; y < y1; y++)
    {
      float src = MAX ((y + 0.5f) * j->sy - 0.5f, 0.0f);
      int y0 = MIN ((int) src, j->in_h - 1);
      int yb = y0 + (y0 < j->in_h - 1 ? 1 : 0);
      float ly1 = src - y0, ly0 = 1.0f - ly1;
      const float *h0 = horizontal_row (j, y0, yb, slot, held);
      const float *h1 = horizontal_row (j, yb, y0, slot, held);
      float *mr = j->mask != NULL ? j->mask + (gsize) y * j->out_w : NULL;

      if (j->out != NULL)
        {
          float *dst = j->out + (gsize) y * j->out_w;

          for (int x = 0; x < j->out_w; x++)
            dst[x] = ly0 * h0[x] + ly1 * h1[x];
          if (mr != NULL)
            for (int x = 0; x < j->out_w; x++)
              mr[x] = dst[x] > 0.0f ? 1.0f : 0.0f;
        }
      else
        for (int x = 0; x < j->out_w; x++)
          mr[x] = ly0 * h0[x] + ly1 * h1[x] > 0.0f ? 1.0f : 0.0f;
    }
}

/* The top-left out_w × out_h corner of the bilinear resize of in[in_h, in_w] to
 * virt_w × virt_h (torch.nn.functional.interpolate, align_corners=False, size given: source
 * coordinate (x + ½)·in/virt − ½ clamped at 0, in float as PyTorch computes it on the
 * CPU). Computing only the corner is exact: each output pixel depends on its own taps.
 * Rows are spread over the pool; @out may be NULL when only @mask (nullable) is wanted,
 * which receives out > 0. */
static void
resize_corner (const float *in,
               int          in_w,
               int          in_h,
               int          virt_w,
               int          virt_h,
               float       *out,
               int          out_w,
               int          out_h,
               float       *mask)
{
  g_autofree int *x0 = g_new (int, out_w);
  g_autofree int *x1 = g_new (int, out_w);
  g_autofree float *lx = g_new (float, out_w);
  float sx = (float) in_w / (float) virt_w, sy = (float) in_h / (float) virt_h;
  ResizeJob job = { in, in_w, in_h, sy, x0, x1, lx, out, out_w, out_h, mask };

  for (int x = 0; x < out_w; x++)
    {
      float src = MAX ((x + 0.5f) * sx - 0.5f, 0.0f);

      x0[x] = MIN ((int) src, in_w - 1);
      x1[x] = x0[x] + (x0[x] < in_w - 1 ? 1 : 0);
      lx[x] = src - x0[x];
    }
  pm_pool_run ((out_h + RESIZE_ROWS - 1) / RESIZE_ROWS, resize_rows_task, &job);
}

/**
 * pm_sam_logits_to_mask:
 * @model: a model
 * @lowres: one L × L logit map
 * @width: the original image width
 * @height: its height
 * @logits_out: (nullable): width × height floats, the logits at the original size
 *
 * Returns: (transfer full): a binary mask (0/1) of @width × @height
 */
PmMask *
pm_sam_logits_to_mask (PmSam       *m,
                       const float *lowres,
                       int          width,
                       int          height,
                       float       *logits_out)
{
  int l = pm_sam_get_lowres_size (m), s = m->config.vision.image_size, rw, rh;
  g_autofree float *crop = NULL;
  PmMask *mask;

  g_return_val_if_fail (lowres != NULL && width > 0 && height > 0, NULL);
  pm_sam_get_resized_size (m, width, height, &rw, &rh);
  /* L×L → S×S, of which only the resized image's corner rh × rw is kept */
  crop = g_new (float, (gsize) rw * rh);
  resize_corner (lowres, l, l, s, s, crop, rw, rh, NULL);
  /* rh × rw → height × width, thresholded on the way (the values themselves are kept only
   * when asked for: 48 MB on 12 MP) */
  mask = pm_mask_new (width, height);
  resize_corner (crop, rw, rh, width, height, logits_out, width, height, mask->data);
  return mask;
}
