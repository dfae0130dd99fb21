/* pm-image-resample.c: resizing images and masks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Separable: each output index gets a list of (source index, weight). Enlarging uses
 * bilinear interpolation between pixel centres; shrinking averages the source area each
 * output pixel covers (a box filter with fractional edges), which does not alias.
 *
 * The output is made in bands of rows, in parallel (pm-parallel): a band runs the
 * horizontal pass over just the source rows it needs (an image's bytes are converted to
 * floats one row at a time), then the vertical pass. Every output value is the same sum,
 * in the same order, as a whole-image horizontal then vertical pass gives, so the result
 * does not depend on the bands or the threads.
 */
#define G_LOG_DOMAIN "pm-image"

#include "pm-image.h"
#include "pm-image-private.h"
#include "pm-parallel.h"
#include "pm-rowops-private.h"

#include <math.h>
#include <string.h>

#define ROWS_PER_TASK 32

typedef struct {
  int   *start;   /* per output index: first tap in idx/weight */
  int   *count;
  int   *idx;
  float *weight;
} Taps;

static void
taps_free (Taps *taps)
{
  g_free (taps->start);
  g_free (taps->count);
  g_free (taps->idx);
  g_free (taps->weight);
}

static void
taps_init (Taps *taps,
           int   src,
           int   dst)
{
  double scale = (double) src / dst;
  int max_taps = scale > 1.0 ? (int) ceil (scale) + 2 : 2;
  int n = 0;

  taps->start = g_new (int, dst);
  taps->count = g_new (int, dst);
  taps->idx = g_new (int, (gsize) dst * max_taps);
  taps->weight = g_new (float, (gsize) dst * max_taps);

  for (int o = 0; o < dst; o++)
    {
      taps->start[o] = n;
      if (scale > 1.0)
        {
          double lo = o * scale, hi = (o + 1) * scale;
          int first = (int) floor (lo), last = MIN ((int) ceil (hi), src);
          double total = 0;

          for (int i = first; i < last; i++)
            {
              double w = MIN (hi, i + 1.0) - MAX (lo, (double) i);
              if (w <= 1e-9)
                continue;
              taps->idx[n] = i;
              taps->weight[n] = (float) w;
              total += w;
              n++;
            }
          for (int k = taps->start[o]; k < n; k++)
            taps->weight[k] = (float) (taps->weight[k] / total);
        }
      else
        {
          double c = (o + 0.5) * scale - 0.5;
          int i0;
          double f;

          c = CLAMP (c, 0.0, (double) (src - 1));
          i0 = (int) floor (c);
          f = c - i0;
          taps->idx[n] = i0;
          taps->weight[n] = (float) (1.0 - f);
          n++;
          if (i0 + 1 < src && f > 0)
            {
              taps->idx[n] = i0 + 1;
              taps->weight[n] = (float) f;
              n++;
            }
        }
      taps->count[o] = n - taps->start[o];
    }
}

/* One resize: the source is a float plane (@fsrc) or an RGBA image (@image, weighted by
 * alpha); the destination a float plane (@fdst) or an RGBA image (@bdst). */
typedef struct {
  const float   *fsrc;
  const PmImage *image;
  int            sw, sh, dw, dh, channels;
  Taps           tx, ty;
  float         *fdst;
  guint8        *bdst;
  PmResizeRowFunc row_func;   /* no destination: each finished row goes here */
  gpointer        row_data;
} Resample;

/* The horizontal pass of one row; @channels is a constant where it is inlined. */
static inline __attribute__ ((always_inline)) void
hpass_row (const float *srow,
           float       *trow,
           const Taps  *tx,
           int          dw,
           int          channels)
{
  memset (trow, 0, sizeof (float) * dw * channels);
  for (int x = 0; x < dw; x++)
    for (int k = tx->start[x]; k < tx->start[x] + tx->count[x]; k++)
      {
        const float *s = srow + (gsize) tx->idx[k] * channels;
        float w = tx->weight[k];
        for (int c = 0; c < channels; c++)
          trow[x * channels + c] += w * s[c];
      }
}

static void
hpass_row1 (const float *srow, float *trow, const Taps *tx, int dw)
{
  hpass_row (srow, trow, tx, dw, 1);
}

/* hpass_row (…, 4) with the four channels of a pixel as one vector. */
static void
hpass_row4 (const float *srow, float *trow, const Taps *tx, int dw)
{
  for (int x = 0; x < dw; x++)
    {
      PmV4f acc = pm_v4f_splat (0.0f);

      for (int k = tx->start[x]; k < tx->start[x] + tx->count[x]; k++)
        acc += pm_v4f_splat (tx->weight[k]) * pm_v4f_load (srow + (gsize) tx->idx[k] * 4);
      pm_v4f_store (trow + x * 4, acc);
    }
}

static float alpha_table[256];

static gpointer
build_alpha_table (gpointer data)
{
  for (int i = 0; i < 256; i++)
    alpha_table[i] = i / 255.0f;
  return NULL;
}

/* Source row @y as floats: colour premultiplied by alpha for an image. */
static const float *
source_row (const Resample *rs,
            int             y,
            float          *line)
{
  const guint8 *p;

  if (rs->fsrc != NULL)
    return rs->fsrc + (gsize) y * rs->sw * rs->channels;
  p = rs->image->data + (gsize) y * rs->sw * 4;
  for (int x = 0; x < rs->sw; x++, p += 4)
    {
      float a = alpha_table[p[3]];   /* p[3] / 255.0f */
      line[x * 4 + 0] = p[0] * a;
      line[x * 4 + 1] = p[1] * a;
      line[x * 4 + 2] = p[2] * a;
      line[x * 4 + 3] = a;
    }
  return line;
}

static void
store_bytes (const float *row,
             guint8      *q,
             int          width)
{
  for (int x = 0; x < width; x++, q += 4)
    {
      const float *p = row + x * 4;
      float a = p[3];

      if (a <= 1e-6f)
        {
          q[0] = q[1] = q[2] = q[3] = 0;
          continue;
        }
      for (int c = 0; c < 3; c++)
        q[c] = (guint8) CLAMP (pm_round_small (p[c] / a), 0, 255);
      q[3] = (guint8) CLAMP (pm_round_small (a * 255.0f), 0, 255);
    }
}

static void
resample_band (gint64   task,
               gpointer data)
{
  const Resample *rs = data;
  int y0 = (int) task * ROWS_PER_TASK, y1 = MIN (y0 + ROWS_PER_TASK, rs->dh);
  gsize row_len = (gsize) rs->dw * rs->channels;
  int lo = G_MAXINT, hi = -1;
  float *tmp, *line = NULL, *acc = NULL;

  for (int y = y0; y < y1; y++)
    for (int k = rs->ty.start[y]; k < rs->ty.start[y] + rs->ty.count[y]; k++)
      {
        lo = MIN (lo, rs->ty.idx[k]);
        hi = MAX (hi, rs->ty.idx[k]);
      }
  tmp = g_new (float, (gsize) (hi - lo + 1) * row_len);
  if (rs->fsrc == NULL)
    line = g_new (float, (gsize) rs->sw * 4);
  if (rs->fdst == NULL)
    acc = g_new (float, row_len);

  for (int sy = lo; sy <= hi; sy++)
    {
      const float *srow = source_row (rs, sy, line);
      float *trow = tmp + (gsize) (sy - lo) * row_len;

      if (rs->channels == 4)
        hpass_row4 (srow, trow, &rs->tx, rs->dw);
      else if (rs->channels == 1)
        hpass_row1 (srow, trow, &rs->tx, rs->dw);
      else
        hpass_row (srow, trow, &rs->tx, rs->dw, rs->channels);
    }

  for (int y = y0; y < y1; y++)
    {
      float *drow = acc != NULL ? acc : rs->fdst + (gsize) y * row_len;

      memset (drow, 0, sizeof (float) * row_len);
      for (int k = rs->ty.start[y]; k < rs->ty.start[y] + rs->ty.count[y]; k++)
        {
          const float *trow = tmp + (gsize) (rs->ty.idx[k] - lo) * row_len;
          pm_row_axpy (drow, trow, rs->ty.weight[k], row_len);
        }
      if (rs->bdst != NULL)
        store_bytes (acc, rs->bdst + (gsize) y * rs->dw * 4, rs->dw);
      else if (rs->row_func != NULL)
        rs->row_func (y, acc, rs->row_data);
    }
  g_free (acc);
  g_free (line);
  g_free (tmp);
}

static void
resample_run (Resample *rs)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, build_alpha_table, NULL);
  taps_init (&rs->tx, rs->sw, rs->dw);
  taps_init (&rs->ty, rs->sh, rs->dh);
  pm_parallel_for (pm_parallel_row_tasks (rs->dh, ROWS_PER_TASK), resample_band, rs);
  taps_free (&rs->tx);
  taps_free (&rs->ty);
}

/**
 * pm_image_resize:
 * @image: an image
 * @width: new width, > 0
 * @height: new height, > 0
 *
 * Resamples @image (bilinear when enlarging, area-averaging when shrinking), with colour
 * weighted by alpha so transparent pixels do not bleed into the result.
 *
 * Returns: (transfer full): the resized image (a copy if the size is unchanged)
 */
PmImage *
pm_image_resize (const PmImage *image,
                 int            width,
                 int            height)
{
  Resample rs = { 0, };
  PmImage *out;

  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (pm_image_byte_size (width, height, 4 * sizeof (float)) > 0, NULL);

  if (width == image->width && height == image->height)
    return pm_image_copy (image);

  out = pm_image_new (width, height);
  rs.image = image;
  rs.sw = image->width;
  rs.sh = image->height;
  rs.dw = width;
  rs.dh = height;
  rs.channels = 4;
  rs.bdst = out->data;
  resample_run (&rs);
  return out;
}

/**
 * pm_mask_resize:
 * @mask: a mask
 * @width: new width, > 0
 * @height: new height, > 0
 *
 * Resamples @mask: bilinear when enlarging, area-averaging when shrinking. The result is
 * soft; threshold it with pm_mask_threshold() for a binary mask.
 *
 * Returns: (transfer full): the resized mask (a copy if the size is unchanged)
 */
PmMask *
pm_mask_resize (const PmMask *mask,
                int           width,
                int           height)
{
  Resample rs = { 0, };
  PmMask *out;

  g_return_val_if_fail (mask != NULL, NULL);
  g_return_val_if_fail (pm_image_byte_size (width, height, sizeof (float)) > 0, NULL);

  if (width == mask->width && height == mask->height)
    return pm_mask_copy (mask);

  out = g_new0 (PmMask, 1);
  out->width = width;
  out->height = height;
  out->data = g_new (float, (gsize) width * height);
  rs.fsrc = mask->data;
  rs.sw = mask->width;
  rs.sh = mask->height;
  rs.dw = width;
  rs.dh = height;
  rs.channels = 1;
  rs.fdst = out->data;
  resample_run (&rs);
  return out;
}

void
pm_mask_resample_rows (const PmMask    *mask,
                       int              width,
                       int              height,
                       PmResizeRowFunc  row_func,
                       gpointer         data)
{
  Resample rs = { 0, };

  g_return_if_fail (mask != NULL && row_func != NULL);
  g_return_if_fail (pm_image_byte_size (width, height, sizeof (float)) > 0);

  if (width == mask->width && height == mask->height)
    {
      for (int y = 0; y < height; y++)
        row_func (y, mask->data + (gsize) y * width, data);
      return;
    }
  rs.fsrc = mask->data;
  rs.sw = mask->width;
  rs.sh = mask->height;
  rs.dw = width;
  rs.dh = height;
  rs.channels = 1;
  rs.row_func = row_func;
  rs.row_data = data;
  resample_run (&rs);
}
