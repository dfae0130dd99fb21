/* pm-rle.c: masks as COCO run-length encodings in pycocotools' compressed string form.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The format: the mask is read column by column (Fortran order: down the first column,
 * then the second …). Runs alternate background/foreground and start with background, so a
 * mask whose first pixel is foreground starts with a run of 0. Each run count x is turned
 * into a delta (x − counts[i−2] for i > 2; the first three stay absolute) and written as a
 * little-endian series of 5-bit chunks, each as one character '0' + value, where bit 0x20
 * says "more chunks follow" and, in the last chunk, bit 0x10 is the sign (the number is
 * sign-extended from there).
 */
#define G_LOG_DOMAIN "pm-rle"

#include "pm-maskio.h"

#include <string.h>

/* Longest number we read: 12 chunks = 60 bits, far above any real run. */
#define MAX_CHUNKS 12

/* floor (x / 32) without relying on how >> treats negative numbers */
static gint64
floor_div32 (gint64 x)
{
  return x >= 0 ? x / 32 : -((-x + 31) / 32);
}

static void
append_number (GString *out,
               gint64   x)
{
  gboolean more = TRUE;

  while (more)
    {
      int c = (int) (x - floor_div32 (x) * 32);   /* low 5 bits, 0..31 */

      x = floor_div32 (x);
      more = (c & 0x10) ? x != -1 : x != 0;
      if (more)
        c |= 0x20;
      g_string_append_c (out, (char) (c + 48));
    }
}

/* Side of the square tiles the transposes go through: a tile's rows and columns both stay
 * in the cache, where walking a 12 MP mask column by column would miss on every pixel. */
#define TILE 64

/* @mask as bytes (1 = foreground) in column-major order. */
static guint8 *
to_column_major (const PmMask *mask)
{
  int w = mask->width, h = mask->height;
  guint8 *out = g_malloc ((gsize) w * h);

  for (int y0 = 0; y0 < h; y0 += TILE)
    for (int x0 = 0; x0 < w; x0 += TILE)
      for (int y = y0; y < MIN (y0 + TILE, h); y++)
        {
          const float *row = mask->data + (gsize) y * w;

          for (int x = x0; x < MIN (x0 + TILE, w); x++)
            out[(gsize) x * h + y] = row[x] > 0.5f;
        }
  return out;
}

/* The other way: column-major bytes into @mask's rows as 0/1. */
static void
from_column_major (const guint8 *columns,
                   PmMask       *mask)
{
  int w = mask->width, h = mask->height;

  for (int x0 = 0; x0 < w; x0 += TILE)
    for (int y0 = 0; y0 < h; y0 += TILE)
      for (int y = y0; y < MIN (y0 + TILE, h); y++)
        {
          float *row = mask->data + (gsize) y * w;

          for (int x = x0; x < MIN (x0 + TILE, w); x++)
            row[x] = columns[(gsize) x * h + y];
        }
}

/**
 * pm_mask_to_rle:
 * @mask: a mask (foreground is > 0.5)
 *
 * Encodes @mask as the "counts" string of a COCO compressed RLE (pycocotools'
 * `mask.encode(...)["counts"]`). The "size" that goes with it is [height, width].
 *
 * Returns: (transfer full): the counts string
 */
char *
pm_mask_to_rle (const PmMask *mask)
{
  g_autoptr(GArray) counts = NULL;
  g_autofree guint8 *columns = NULL;
  gsize n;
  guint8 current = 0;
  gint64 run = 0;

  g_return_val_if_fail (mask != NULL, NULL);

  columns = to_column_major (mask);
  n = (gsize) mask->width * mask->height;
  counts = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (gsize i = 0; i < n; i++)
    {
      if (columns[i] != current)
        {
          g_array_append_val (counts, run);
          run = 0;
          current = columns[i];
        }
      run++;
    }
  g_array_append_val (counts, run);

  return pm_rle_compress_counts ((const gint64 *) (gpointer) counts->data, counts->len);
}

/**
 * pm_rle_compress_counts:
 * @counts: (array length=n_counts): run lengths, alternating background/foreground and
 *   starting with background (an uncompressed COCO RLE's "counts")
 * @n_counts: number of runs
 *
 * Returns: (transfer full): the compressed string form of the same runs
 */
char *
pm_rle_compress_counts (const gint64 *counts,
                        gsize         n_counts)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (counts != NULL || n_counts == 0, NULL);

  for (gsize i = 0; i < n_counts; i++)
    append_number (out, i > 2 ? counts[i] - counts[i - 2] : counts[i]);
  return g_string_free (out, FALSE);
}

/**
 * pm_mask_from_rle:
 * @counts: the "counts" string of a COCO compressed RLE
 * @width: mask width (COCO "size"[1])
 * @height: mask height (COCO "size"[0])
 * @error: return location for a #GError
 *
 * Decodes a compressed RLE string. The runs must cover exactly @width × @height pixels.
 *
 * Returns: (transfer full): a binary mask (0/1), or %NULL with @error set
 */
PmMask *
pm_mask_from_rle (const char *counts,
                  int         width,
                  int         height,
                  GError    **error)
{
  g_autoptr(GArray) runs = NULL;
  g_autoptr(PmMask) mask = NULL;
  gint64 npix;
  gint64 total = 0;
  g_autofree guint8 *columns = NULL;
  const char *p;
  guint8 value = 0;
  gsize pos = 0;

  g_return_val_if_fail (counts != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (width <= 0 || height <= 0)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_EMPTY,
                   "RLE mask size %d×%d is empty", width, height);
      return NULL;
    }
  npix = (gint64) width * height;
  if (npix > PM_IMAGE_DEFAULT_MAX_PIXELS)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_TOO_LARGE,
                   "RLE mask size %d×%d is over the limit of %" G_GINT64_FORMAT " pixels",
                   width, height, PM_IMAGE_DEFAULT_MAX_PIXELS);
      return NULL;
    }

  runs = g_array_new (FALSE, FALSE, sizeof (gint64));
  p = counts;
  while (*p != '\0')
    {
      guint64 bits = 0;
      gint64 x;
      int k = 0;
      gboolean more = TRUE;
      gsize start = p - counts;

      while (more)
        {
          int c;

          if (*p == '\0')
            {
              g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                           "RLE counts end inside a number (offset %" G_GSIZE_FORMAT ")",
                           start);
              return NULL;
            }
          c = (guchar) *p - 48;
          if (c < 0 || c > 63)
            {
              g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                           "RLE counts have an invalid character 0x%02x at offset %"
                           G_GSIZE_FORMAT, (guchar) *p, (gsize) (p - counts));
              return NULL;
            }
          if (k >= MAX_CHUNKS)
            {
              g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                           "RLE counts have a number too long at offset %" G_GSIZE_FORMAT,
                           start);
              return NULL;
            }
          bits |= (guint64) (c & 0x1f) << (5 * k);
          more = (c & 0x20) != 0;
          p++;
          k++;
          if (!more && (c & 0x10))
            bits |= ~(guint64) 0 << (5 * k);   /* sign-extend; 5 * k ≤ 60 */
        }

      x = (gint64) bits;
      if (runs->len > 2)
        x += g_array_index (runs, gint64, runs->len - 2);
      if (x < 0 || x > npix - total)
        {
          g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                       x < 0 ? "RLE run %u is negative (%" G_GINT64_FORMAT ")"
                             : "RLE run %u (%" G_GINT64_FORMAT ") goes past the %d×%d mask",
                       runs->len, x, width, height);
          return NULL;
        }
      total += x;
      g_array_append_val (runs, x);
    }

  if (total != npix)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                   "RLE runs cover %" G_GINT64_FORMAT " pixels but the mask is %d×%d",
                   total, width, height);
      return NULL;
    }

  columns = g_malloc ((gsize) npix);
  for (guint i = 0; i < runs->len; i++)
    {
      gint64 n = g_array_index (runs, gint64, i);

      memset (columns + pos, value, (gsize) n);
      pos += (gsize) n;
      value = !value;
    }
  mask = pm_mask_new (width, height);
  from_column_major (columns, mask);
  return g_steal_pointer (&mask);
}
