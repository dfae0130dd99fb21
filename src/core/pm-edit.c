/* pm-edit.c: the colour-edit renderer: recolour a soft-masked region in OKLCh.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Per pixel (where the mask is > 0):
 *   L' = L shifted toward the target's lightness by a uniform, headroom-scaled amount
 *        (monotonic in L, so shading and texture keep their order)
 *   h' = target hue
 *   C' = target chroma × boost, scaled down where L' nears black or white (as the sRGB
 *        gamut narrows there), then gamut-clipped at constant L' and h'
 *   out = mix (in, recoloured, mask) in linear RGB; alpha untouched.
 * Where the mask is 0 the four bytes are copied, so the output is bit-identical there.
 */
#define G_LOG_DOMAIN "pm-edit"

#include "pm-edit.h"

#include <math.h>

/* Below this chroma a target counts as achromatic (white, grey, black). */
#define ACHROMATIC_CHROMA      0.04f
#define ACHROMATIC_MIN_SHIFT   0.7f
#define DEFAULT_LIGHTNESS_SHIFT 0.35f

/**
 * pm_edit_params_init:
 * @params: (out): parameters to fill with defaults
 */
void
pm_edit_params_init (PmEditParams *params)
{
  g_return_if_fail (params != NULL);

  params->chroma_boost = 1.0f;
  params->lightness_keep = 1.0f;
  params->lightness_shift = DEFAULT_LIGHTNESS_SHIFT;
}

static inline PmOklab
pixel_to_oklab (const guint8 *p)
{
  return pm_linear_to_oklab (pm_srgb8_to_linear (p[0]), pm_srgb8_to_linear (p[1]),
                             pm_srgb8_to_linear (p[2]));
}

static inline guint8
encode8 (float linear)
{
  float v = pm_linear_to_srgb (CLAMP (linear, 0.0f, 1.0f));
  return (guint8) lrintf (v * 255.0f);
}

/* Moves @L by @shift, scaled by the headroom left on that side relative to the region's
 * mean @mean, so values stay in 0..1 and their order is kept. */
static inline float
shift_lightness (float L,
                 float mean,
                 float shift)
{
  if (shift > 0)
    return L + shift * (1.0f - L) / MAX (1.0f - mean, 1e-3f);
  if (shift < 0)
    return L + shift * L / MAX (mean, 1e-3f);
  return L;
}

/**
 * pm_edit_recolor:
 * @image: the image
 * @mask: a soft mask (0..1) of the same size
 * @color: the target colour (sRGB)
 * @params: (nullable): parameters, or %NULL for the defaults
 *
 * Recolours @image where @mask > 0: hue and chroma move to @color, each pixel keeps its
 * lightness up to a uniform shift toward the target's (so "make it white" is visible),
 * blended by the mask in linear RGB. Where @mask is 0 the output is bit-identical to the
 * input; alpha is always kept.
 *
 * Returns: (transfer full): the edited image
 */
PmImage *
pm_edit_recolor (const PmImage      *image,
                 const PmMask       *mask,
                 PmRgb               color,
                 const PmEditParams *params)
{
  PmEditParams defaults;
  PmOklch target;
  PmImage *out;
  gsize n;
  double sum_w = 0, sum_L = 0;
  float mean_L, shift, alpha, keep, chroma;
  gboolean achromatic;

  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (mask != NULL, NULL);
  g_return_val_if_fail (mask->width == image->width && mask->height == image->height, NULL);

  if (params == NULL)
    {
      pm_edit_params_init (&defaults);
      params = &defaults;
    }

  target = pm_oklab_to_oklch (pm_rgb_to_oklab (color));
  chroma = MAX (target.C * params->chroma_boost, 0.0f);
  achromatic = target.C < ACHROMATIC_CHROMA;
  keep = CLAMP (params->lightness_keep, 0.0f, 1.0f);
  alpha = CLAMP (params->lightness_shift, 0.0f, 1.0f);
  if (achromatic)
    alpha = MAX (alpha, ACHROMATIC_MIN_SHIFT);

  out = pm_image_copy (image);
  n = (gsize) image->width * image->height;

  /* The region's mean lightness, weighted by the mask. */
  for (gsize i = 0; i < n; i++)
    {
      float m = mask->data[i];
      if (m > 0)
        {
          sum_w += MIN (m, 1.0f);
          sum_L += MIN (m, 1.0f) * pixel_to_oklab (image->data + i * 4).L;
        }
    }
  if (sum_w <= 0)
    return out;
  mean_L = (float) (sum_L / sum_w);
  shift = alpha * (target.L - mean_L);

  for (gsize i = 0; i < n; i++)
    {
      float m = mask->data[i];
      const guint8 *src = image->data + i * 4;
      guint8 *dst = out->data + i * 4;
      PmOklab lab;
      PmOklch lch;
      float L, C, r, g, b, r0, g0, b0;
      float ref_L, scale;

      if (!(m > 0))
        continue;
      m = MIN (m, 1.0f);

      lab = pixel_to_oklab (src);
      L = shift_lightness (lab.L, mean_L, shift);
      L = keep * L + (1.0f - keep) * target.L;
      L = CLAMP (L, 0.0f, 1.0f);

      /* The gamut narrows toward black and white: scale chroma with the distance to the
       * nearer end, relative to where the target colour itself sits. */
      ref_L = CLAMP (target.L, 0.05f, 0.95f);
      scale = L < ref_L ? L / ref_L : (1.0f - L) / (1.0f - ref_L);
      C = chroma * CLAMP (scale, 0.0f, 1.0f);

      lch.L = L;
      lch.C = C;
      lch.h = target.h;
      {
        PmRgb rgb = pm_oklab_to_rgb (pm_oklch_to_oklab (lch));
        r = pm_srgb_to_linear (rgb.r);
        g = pm_srgb_to_linear (rgb.g);
        b = pm_srgb_to_linear (rgb.b);
      }

      if (m < 1.0f)
        {
          r0 = pm_srgb8_to_linear (src[0]);
          g0 = pm_srgb8_to_linear (src[1]);
          b0 = pm_srgb8_to_linear (src[2]);
          r = r0 + m * (r - r0);
          g = g0 + m * (g - g0);
          b = b0 + m * (b - b0);
        }
      dst[0] = encode8 (r);
      dst[1] = encode8 (g);
      dst[2] = encode8 (b);
      dst[3] = src[3];
    }
  return out;
}
