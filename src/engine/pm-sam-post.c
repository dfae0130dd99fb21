/* pm-sam-post.c: SAM's low-resolution logits to a mask at the original image size, as
 * Meta's predictor does it (upsample to the input side, crop the padding, resize, > 0).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-sam"

#include <string.h>

#include "pm-sam-private.h"

/* The top-left out_w × out_h corner of the bilinear resize of in[in_h, in_w] to
 * virt_w × virt_h (torch.nn.functional.interpolate, align_corners=False, size given: source
 * coordinate (x + ½)·in/virt − ½ clamped at 0, in float as PyTorch computes it on the
 * CPU). Computing only the corner is exact: each output pixel depends on its own taps. */
static void
resize_corner (const float *in,
               int          in_w,
               int          in_h,
               int          virt_w,
               int          virt_h,
               float       *out,
               int          out_w,
               int          out_h)
{
  g_autofree int *x0 = g_new (int, out_w);
  g_autofree int *x1 = g_new (int, out_w);
  g_autofree float *lx = g_new (float, out_w);
  float sx = (float) in_w / (float) virt_w, sy = (float) in_h / (float) virt_h;

  for (int x = 0; x < out_w; x++)
    {
      float src = MAX ((x + 0.5f) * sx - 0.5f, 0.0f);

      x0[x] = MIN ((int) src, in_w - 1);
      x1[x] = x0[x] + (x0[x] < in_w - 1 ? 1 : 0);
      lx[x] = src - x0[x];
    }
  for (int y = 0; y < out_h; y++)
    {
      float src = MAX ((y + 0.5f) * sy - 0.5f, 0.0f);
      int y0 = MIN ((int) src, in_h - 1);
      int y1 = y0 + (y0 < in_h - 1 ? 1 : 0);
      float ly1 = src - y0, ly0 = 1.0f - ly1;
      const float *r0 = in + (gsize) y0 * in_w, *r1 = in + (gsize) y1 * in_w;
      float *dst = out + (gsize) y * out_w;

      for (int x = 0; x < out_w; x++)
        {
          float l1 = lx[x], l0 = 1.0f - l1;

          dst[x] = ly0 * (l0 * r0[x0[x]] + l1 * r0[x1[x]]) +
                   ly1 * (l0 * r1[x0[x]] + l1 * r1[x1[x]]);
        }
    }
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
  g_autofree float *full = NULL;
  float *big;
  PmMask *mask;

  g_return_val_if_fail (lowres != NULL && width > 0 && height > 0, NULL);
  pm_sam_get_resized_size (m, width, height, &rw, &rh);
  /* L×L → S×S, of which only the resized image's corner rh × rw is kept */
  crop = g_new (float, (gsize) rw * rh);
  resize_corner (lowres, l, l, s, s, crop, rw, rh);
  /* rh × rw → height × width */
  big = logits_out;
  if (big == NULL)
    big = full = g_new (float, (gsize) width * height);
  resize_corner (crop, rw, rh, width, height, big, width, height);

  mask = pm_mask_new (width, height);
  for (gsize i = 0; i < (gsize) width * height; i++)
    mask->data[i] = big[i] > 0.0f ? 1.0f : 0.0f;
  return mask;
}
