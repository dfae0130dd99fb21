/* pm-clipseg-preprocess.c: CLIPSeg image preprocessing, identical to the Hugging Face
 * processor's (Pillow BILINEAR resize with 8-bit intermediate, rescale, normalise).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-clipseg"

#include <math.h>

#include "pm-clipseg.h"
#include "pm-resample.h"

/**
 * pm_clipseg_preprocess:
 * @model: a model
 * @image: RGBA image (alpha ignored)
 * @out: (out caller-allocates): 3·S·S floats, channel-major
 * @error: return location
 *
 * Resize to S×S as Pillow's Image.resize (BILINEAR) does: horizontal pass into an 8-bit
 * image, then vertical pass, each with rounding; then x·rescale_factor, − mean, / std.
 */
gboolean
pm_clipseg_preprocess (PmClipseg     *m,
                       const PmImage *image,
                       float         *out,
                       GError       **error)
{
  const PmClipsegConfig *c = pm_clipseg_get_config (m);
  int s = c->input_height, w, h;
  g_autofree guint8 *res = NULL;

  g_return_val_if_fail (image != NULL && out != NULL, FALSE);
  w = image->width;
  h = image->height;
  if (w <= 0 || h <= 0 || image->data == NULL)
    {
      g_set_error (error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_INPUT, "image is empty");
      return FALSE;
    }
  if (!c->do_resize && (w != s || h != s))
    {
      g_set_error (error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_INPUT,
                   "image is %d×%d but the model takes %d×%d and do_resize is off", w, h, s, s);
      return FALSE;
    }

  res = pm_resample_rgb_pil_bilinear (image, s, s);

  /* rescale and normalise into [3, S, S] */
  for (int cc = 0; cc < 3; cc++)
    {
      double mean = c->do_normalize ? c->image_mean[cc] : 0.0;
      double std = c->do_normalize ? c->image_std[cc] : 1.0;
      double scale = c->do_rescale ? c->rescale_factor : 1.0;
      for (gsize i = 0; i < (gsize) s * s; i++)
        out[cc * (gsize) s * s + i] = (float) ((res[i * 3 + cc] * scale - mean) / std);
    }
  return TRUE;
}
