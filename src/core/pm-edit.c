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
#include "pm-color-fast-private.h"
#include "pm-parallel.h"

#include <math.h>
#include <string.h>

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

/* The OKLab lightness of an 8-bit pixel (pm_linear_to_oklab ().L, to the bit). */
static inline float
pixel_lightness (const guint8 *p)
{
  return pm_linear_to_oklab_L_fast (pm_srgb8_to_linear (p[0]), pm_srgb8_to_linear (p[1]),
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

/* What every pixel of one edit shares. */
typedef struct {
  PmOklch  target;
  float    chroma;     /* target chroma × boost */
  float    keep;       /* share of a pixel's own lightness kept */
  float    mean_L;     /* the region's mean lightness */
  float    shift;      /* how far the region's lightness moves toward the target's */
} Recolor;

static void
recolor_init (Recolor            *rc,
              PmRgb               color,
              const PmEditParams *params,
              float               mean_L)
{
  PmEditParams defaults;
  float alpha;

  if (params == NULL)
    {
      pm_edit_params_init (&defaults);
      params = &defaults;
    }
  rc->target = pm_oklab_to_oklch (pm_rgb_to_oklab (color));
  rc->chroma = MAX (rc->target.C * params->chroma_boost, 0.0f);
  rc->keep = CLAMP (params->lightness_keep, 0.0f, 1.0f);
  alpha = CLAMP (params->lightness_shift, 0.0f, 1.0f);
  if (rc->target.C < ACHROMATIC_CHROMA)
    alpha = MAX (alpha, ACHROMATIC_MIN_SHIFT);
  rc->mean_L = mean_L;
  rc->shift = alpha * (rc->target.L - mean_L);
}

/* The recoloured colour of source pixel @src (before the blend), linear RGB. */
static void
recolor_linear (const Recolor *rc,
                const guint8  *src,
                float         *lin)
{
  PmOklch lch;
  PmRgb rgb;
  float L, C, ref_L, scale;

  L = shift_lightness (pixel_lightness (src), rc->mean_L, rc->shift);
  L = rc->keep * L + (1.0f - rc->keep) * rc->target.L;
  L = CLAMP (L, 0.0f, 1.0f);

  /* The gamut narrows toward black and white: scale chroma with the distance to the
   * nearer end, relative to where the target colour itself sits. */
  ref_L = CLAMP (rc->target.L, 0.05f, 0.95f);
  scale = L < ref_L ? L / ref_L : (1.0f - L) / (1.0f - ref_L);
  C = rc->chroma * CLAMP (scale, 0.0f, 1.0f);

  lch.L = L;
  lch.C = C;
  lch.h = rc->target.h;
  rgb = pm_oklab_to_rgb (pm_oklch_to_oklab (lch));
  lin[0] = pm_srgb_to_linear (rgb.r);
  lin[1] = pm_srgb_to_linear (rgb.g);
  lin[2] = pm_srgb_to_linear (rgb.b);
}

/* One pixel: @src with its recoloured colour @lin blended by mask value @m (0 < m < 1)
 * into @dst. */
static inline void
blend_pixel (const guint8 *src,
             const float  *lin,
             guint8       *dst,
             float         m)
{
  for (int c = 0; c < 3; c++)
    {
      float v0 = pm_srgb8_to_linear (src[c]);
      dst[c] = encode8 (v0 + m * (lin[c] - v0));
    }
  dst[3] = src[3];
}

/* One pixel: @src recoloured by mask value @m (0 < m) into @dst. */
static inline void
recolor_pixel (const Recolor *rc,
               const guint8  *src,
               guint8        *dst,
               float          m)
{
  float lin[3];

  recolor_linear (rc, src, lin);
  if (m < 1.0f)
    {
      blend_pixel (src, lin, dst, m);
      return;
    }
  dst[0] = encode8 (lin[0]);
  dst[1] = encode8 (lin[1]);
  dst[2] = encode8 (lin[2]);
  dst[3] = src[3];
}

/* A pixel's recolour depends on its RGB alone, and a photo repeats its colours: each band
 * of rows keeps the last colours it rendered in a direct-mapped table. Few, large bands
 * (four per thread), so that few colours are rendered more than once. */
#define CACHE_BITS 15
#define BANDS_PER_THREAD 4

typedef struct {
  guint32 key;      /* 0xRRGGBB + 1; 0: empty */
  guint8  out[3];   /* the recolour at m = 1 */
  float   lin[3];   /* the recolour in linear RGB, for blends */
} CacheEntry;

typedef struct {
  const Recolor *rc;
  const PmImage *image;
  const PmMask  *mask;
  PmRect         r;
  int            band_rows;
  PmImage       *out;
} RenderBand;

static void
render_band (gint64   task,
             gpointer data)
{
  const RenderBand *b = data;
  int y0 = b->r.y + (int) task * b->band_rows;
  int y1 = MIN (y0 + b->band_rows, b->r.y + b->r.height);
  CacheEntry *cache = NULL;

  for (int y = y0; y < y1; y++)
    for (int x = b->r.x; x < b->r.x + b->r.width; x++)
      {
        gsize i = (gsize) y * b->image->width + x;
        const guint8 *src = b->image->data + i * 4;
        guint8 *dst = b->out->data + i * 4;
        float m = b->mask->data[i];
        guint32 key;
        CacheEntry *e;

        if (!(m > 0))
          {
            /* the run of unmasked pixels, copied at once */
            int end = x + 1;
            const float *mr = b->mask->data + (gsize) y * b->image->width;

            while (end < b->r.x + b->r.width && !(mr[end] > 0))
              end++;
            memcpy (dst, src, (gsize) (end - x) * 4);
            x = end - 1;
            continue;
          }
        if (cache == NULL)
          cache = g_new0 (CacheEntry, 1 << CACHE_BITS);
        key = ((guint32) src[0] << 16 | (guint32) src[1] << 8 | src[2]) + 1;
        e = &cache[(key * 2654435761u) >> (32 - CACHE_BITS)];
        if (e->key != key)
          {
            e->key = key;
            recolor_linear (b->rc, src, e->lin);
            for (int c = 0; c < 3; c++)
              e->out[c] = encode8 (e->lin[c]);
          }
        if (m < 1.0f)
          blend_pixel (src, e->lin, dst, m);
        else
          {
            dst[0] = e->out[0];
            dst[1] = e->out[1];
            dst[2] = e->out[2];
            dst[3] = src[3];
          }
      }
  g_free (cache);
}

/* One band of rows of sampled_mean_lightness(): the terms of its sums, in raster order. */
typedef struct {
  const PmImage *image;
  const PmMask  *mask;
  const PmRect  *rect;
  int            step, band_rows;
  float        **terms;   /* per band: pairs (weight, weight × lightness) */
  gsize         *n_terms; /* … and their number of floats */
} LightnessBands;

static void
lightness_band (gint64   task,
                gpointer data)
{
  const LightnessBands *lb = data;
  const PmRect *rect = lb->rect;
  int first = (int) task * lb->band_rows;
  int last = MIN (first + lb->band_rows, (rect->height + lb->step - 1) / lb->step);
  guint32 *keys = NULL;
  float *values = NULL, *t = NULL;
  gsize len = 0, cap = 0;

  for (int row = first; row < last; row++)
    {
      int y = rect->y + row * lb->step;

      for (int x = rect->x; x < rect->x + rect->width; x += lb->step)
        {
          gsize i = (gsize) y * lb->image->width + x;
          float m = lb->mask->data[i];

          if (m > 0)
            {
              const guint8 *p = lb->image->data + i * 4;
              guint32 key = ((guint32) p[0] << 16 | (guint32) p[1] << 8 | p[2]) + 1;
              guint32 h = (key * 2654435761u) >> (32 - CACHE_BITS);
              if (keys == NULL)
                {
                  keys = g_new0 (guint32, 1 << CACHE_BITS);
                  values = g_new (float, 1 << CACHE_BITS);
                }
              if (keys[h] != key)
                {
                  keys[h] = key;
                  values[h] = pixel_lightness (p);
                }
              if (len + 2 > cap)
                {
                  cap = MAX (cap * 2, (gsize) 4096);
                  t = g_renew (float, t, cap);
                }
              t[len++] = MIN (m, 1.0f);
              t[len++] = MIN (m, 1.0f) * values[h];
            }
        }
    }
  g_free (keys);
  g_free (values);
  lb->terms[task] = t;
  lb->n_terms[task] = len;
}

/* The mask-weighted mean OKLab lightness of @image over every @step-th row and column of
 * @rect; -1 when the mask is 0 there. The lightness of each pixel is found in bands of
 * rows over threads; the sums are then made in raster order, so they are always the
 * same. */
static float
sampled_mean_lightness (const PmImage *image,
                        const PmMask  *mask,
                        const PmRect  *rect,
                        int            step)
{
  int rows = (rect->height + step - 1) / step;
  int bands = pm_parallel_get_threads () * BANDS_PER_THREAD;
  LightnessBands lb = { image, mask, rect, step, MAX (16, (rows + bands - 1) / bands), NULL,
                        NULL };
  gint64 n_tasks = pm_parallel_row_tasks (rows, lb.band_rows);
  double sum_w = 0, sum_L = 0;

  lb.terms = g_new0 (float *, n_tasks);
  lb.n_terms = g_new0 (gsize, n_tasks);
  pm_parallel_for (n_tasks, lightness_band, &lb);
  for (gint64 t = 0; t < n_tasks; t++)
    {
      const float *v = lb.terms[t];

      for (gsize k = 0; k < lb.n_terms[t]; k += 2)
        {
          sum_w += v[k];
          sum_L += v[k + 1];
        }
      g_free (lb.terms[t]);
    }
  g_free (lb.n_terms);
  g_free (lb.terms);
  if (sum_w <= 0)
    return -1.0f;
  return (float) (sum_L / sum_w);
}

static float
masked_mean_lightness (const PmImage *image,
                       const PmMask  *mask,
                       const PmRect  *rect)
{
  return sampled_mean_lightness (image, mask, rect, 1);
}

/**
 * pm_edit_region_lightness:
 * @image: the image
 * @mask: a soft mask of the same size
 *
 * The mean OKLab lightness of the masked region, weighted by the mask: the reference the
 * recolour shifts lightness against.
 *
 * Returns: the mean lightness (0..1), or -1 when the mask is empty
 */
float
pm_edit_region_lightness (const PmImage *image,
                          const PmMask  *mask)
{
  PmRect all;

  g_return_val_if_fail (image != NULL && mask != NULL, -1.0f);
  g_return_val_if_fail (mask->width == image->width && mask->height == image->height, -1.0f);
  all = (PmRect) { 0, 0, image->width, image->height };
  return masked_mean_lightness (image, mask, &all);
}

/**
 * pm_edit_region_lightness_sampled:
 * @image: the image
 * @mask: a soft mask of the same size
 * @step: read every @step-th row and column (1: all)
 *
 * pm_edit_region_lightness() on a grid of pixels, @step² times faster: an estimate for a
 * view that needs one now, while the exact value (a second on a 12 MP photo) is computed
 * elsewhere. It is close (a few thousandths), but the gamut mapping can turn even that into
 * a visible difference at a few pixels, so render the final pixels with the exact value. A
 * region the grid misses falls back to every pixel.
 *
 * Returns: the mean lightness (0..1), or -1 when the mask is empty
 */
float
pm_edit_region_lightness_sampled (const PmImage *image,
                                  const PmMask  *mask,
                                  int            step)
{
  PmRect all;
  float L;

  g_return_val_if_fail (image != NULL && mask != NULL, -1.0f);
  g_return_val_if_fail (mask->width == image->width && mask->height == image->height, -1.0f);
  all = (PmRect) { 0, 0, image->width, image->height };
  L = sampled_mean_lightness (image, mask, &all, MAX (step, 1));
  if (L < 0 && step > 1)
    L = masked_mean_lightness (image, mask, &all);
  return L;
}

/**
 * pm_edit_recolor_rect:
 * @image: the original image
 * @mask: the (corrected) soft mask, same size
 * @color: the target colour (sRGB)
 * @params: (nullable): parameters, or %NULL for the defaults
 * @region_lightness: the region's mean lightness from pm_edit_region_lightness() of the
 *   mask the edit was first rendered with; below 0, the mask inside @rect gives it
 * @rect: the pixels to render (clipped to the image)
 * @out: the edited image, same size, rewritten inside @rect
 *
 * Renders the edit of @image by @mask inside @rect only: where @mask is 0 @out gets the
 * original pixel back, elsewhere the recolour. With the @region_lightness the whole edit
 * was made with, the pixels are the ones pm_edit_recolor() gives for @mask; so a
 * correction re-renders its dirty rectangle and nothing else changes.
 */
void
pm_edit_recolor_rect (const PmImage      *image,
                      const PmMask       *mask,
                      PmRgb               color,
                      const PmEditParams *params,
                      float               region_lightness,
                      const PmRect       *rect,
                      PmImage            *out)
{
  Recolor rc;
  PmRect r;

  g_return_if_fail (image != NULL && mask != NULL && rect != NULL && out != NULL);
  g_return_if_fail (mask->width == image->width && mask->height == image->height);
  g_return_if_fail (out->width == image->width && out->height == image->height);

  r = *rect;
  if (!pm_rect_clip (&r, image->width, image->height))
    return;
  if (region_lightness < 0)
    region_lightness = masked_mean_lightness (image, mask, &r);
  recolor_init (&rc, color, params, MAX (region_lightness, 0.0f));

  {
    int bands = pm_parallel_get_threads () * BANDS_PER_THREAD;
    RenderBand band = { &rc, image, mask, r, MAX (16, (r.height + bands - 1) / bands), out };

    pm_parallel_for (pm_parallel_row_tasks (r.height, band.band_rows), render_band, &band);
  }
}

/**
 * pm_edit_follow_rect:
 * @image: the original image
 * @edited: the run's edit of @image (by any engine), same size
 * @base: the mask @edited goes with (the run's own mask), same size
 * @mask: the corrected mask, same size
 * @color: the paint colour (sRGB)
 * @params: (nullable): parameters, or %NULL for the defaults
 * @region_lightness: as for pm_edit_recolor_rect(); below 0, @mask inside @rect gives it
 * @rect: the pixels to render (clipped to the image)
 * @out: the shown edit, same size, rewritten inside @rect
 *
 * Makes the edit follow a hand-corrected mask: where @mask equals @base the run's own edit
 * is kept (its soft edges, or a generative editor's pixels), where the correction changed
 * the mask the recolour is rendered from @mask (the original photo where it is 0). The
 * result depends only on the masks, never on the order of the corrections, so undo and
 * redo give back the same pixels.
 */
void
pm_edit_follow_rect (const PmImage      *image,
                     const PmImage      *edited,
                     const PmMask       *base,
                     const PmMask       *mask,
                     PmRgb               color,
                     const PmEditParams *params,
                     float               region_lightness,
                     const PmRect       *rect,
                     PmImage            *out)
{
  Recolor rc;
  PmRect r;

  g_return_if_fail (image != NULL && base != NULL && mask != NULL);
  g_return_if_fail (rect != NULL && out != NULL);
  g_return_if_fail (edited == NULL ||
                    (edited->width == image->width && edited->height == image->height));
  g_return_if_fail (base->width == image->width && base->height == image->height);
  g_return_if_fail (mask->width == image->width && mask->height == image->height);
  g_return_if_fail (out->width == image->width && out->height == image->height);

  r = *rect;
  if (!pm_rect_clip (&r, image->width, image->height))
    return;
  if (region_lightness < 0)
    region_lightness = masked_mean_lightness (image, mask, &r);
  recolor_init (&rc, color, params, MAX (region_lightness, 0.0f));

  for (int y = r.y; y < r.y + r.height; y++)
    for (int x = r.x; x < r.x + r.width; x++)
      {
        gsize i = (gsize) y * image->width + x;
        float m = mask->data[i];

        if (m == base->data[i])
          {
            if (edited != NULL)
              memcpy (out->data + i * 4, edited->data + i * 4, 4);
          }
        else if (m > 0)
          recolor_pixel (&rc, image->data + i * 4, out->data + i * 4, m);
        else
          memcpy (out->data + i * 4, image->data + i * 4, 4);
      }
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
  PmImage *out;
  PmRect all;
  float mean_L;

  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (mask != NULL, NULL);
  g_return_val_if_fail (mask->width == image->width && mask->height == image->height, NULL);

  mean_L = pm_edit_region_lightness (image, mask);
  if (mean_L < 0)
    return pm_image_copy (image);
  out = pm_image_new (image->width, image->height);   /* every pixel is written below */
  all = (PmRect) { 0, 0, image->width, image->height };
  pm_edit_recolor_rect (image, mask, color, params, mean_L, &all, out);
  return out;
}
