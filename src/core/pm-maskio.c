/* pm-maskio.c: masks as greyscale PNG files (8-bit, or 1-bit for storage), and any image
 * loaded as a mask.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * gdk-pixbuf only writes RGB/RGBA PNGs, so masks are written by a small PNG encoder of our
 * own: one IHDR (8- or 1-bit greyscale), one zlib-compressed IDAT (GIO's GZlibCompressor) and
 * IEND, with a per-row filter picked by the usual minimum-sum-of-absolute-differences rule.
 * Reading goes through pm_image_load(), so any format gdk-pixbuf reads works, with its
 * pixel limit and EXIF orientation.
 */
#define G_LOG_DOMAIN "pm-maskio"

#include "pm-maskio-private.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------ PNG out */

static guint32 crc_table[256];

static gpointer
crc_table_init (gpointer data)
{
  for (guint32 n = 0; n < 256; n++)
    {
      guint32 c = n;

      for (int k = 0; k < 8; k++)
        c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      crc_table[n] = c;
    }
  return NULL;
}

/* CRC-32 as PNG uses it (ISO 3309), over @len bytes, continuing @crc (start with 0). */
static guint32
png_crc (guint32       crc,
         const guint8 *data,
         gsize         len)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, crc_table_init, NULL);
  crc ^= 0xFFFFFFFFu;
  for (gsize i = 0; i < len; i++)
    crc = crc_table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

static void
put_u32 (GByteArray *out,
         guint32     v)
{
  guint8 b[4] = { v >> 24, (v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF };

  g_byte_array_append (out, b, 4);
}

static void
put_chunk (GByteArray   *out,
           const char   *type,
           const guint8 *data,
           gsize         len)
{
  guint32 crc;

  g_assert (len <= G_MAXINT32);
  put_u32 (out, (guint32) len);
  g_byte_array_append (out, (const guint8 *) type, 4);
  if (len > 0)
    g_byte_array_append (out, data, (guint) len);
  crc = png_crc (0, (const guint8 *) type, 4);
  crc = png_crc (crc, data, len);
  put_u32 (out, crc);
}

static guint8
mask_byte (float    v,
           gboolean soft)
{
  if (!soft)
    return v > 0.5f ? 255 : 0;
  if (!(v > 0.0f))   /* also NaN */
    return 0;
  if (v >= 1.0f)
    return 255;
  return (guint8) lrintf (v * 255.0f);
}

/**
 * pm_mask_quantize:
 * @mask: a soft mask, changed in place
 *
 * Rounds every value to the 8-bit level a soft PNG stores (k/255, NaN and negatives to 0,
 * 1 and above to 1), so that a mask written with pm_mask_save_png() and read back is
 * exactly the mask used.
 */
void
pm_mask_quantize (PmMask *mask)
{
  gsize n;

  g_return_if_fail (mask != NULL);
  n = (gsize) mask->width * mask->height;
  for (gsize i = 0; i < n; i++)
    mask->data[i] = mask_byte (mask->data[i], TRUE) / 255.0f;
}

/* PNG's Paeth predictor */
static guint8
paeth (int a,
       int b,
       int c)
{
  int p = a + b - c;
  int pa = ABS (p - a);
  int pb = ABS (p - b);
  int pc = ABS (p - c);

  if (pa <= pb && pa <= pc)
    return (guint8) a;
  return (guint8) (pb <= pc ? b : c);
}

/* Sum of the residuals of a filtered row read as signed bytes: the usual heuristic for
 * which filter will compress best. */
static guint64
residual_sum (const guint8 *dst,
              int           width)
{
  guint64 sum = 0;

  for (int x = 0; x < width; x++)
    sum += dst[x] < 128 ? dst[x] : 256 - dst[x];
  return sum;
}

/* Writes the filtered row (filter byte + @width bytes) into @out, choosing among the five
 * PNG filters (none, sub, up, average, Paeth) the one with the smallest residual sum.
 * Each filter is its own simple loop so the compiler can vectorise it. */
static void
filter_row (const guint8 *row,
            const guint8 *prev,     /* NULL for the first row */
            int           width,
            guint8       *out,
            guint8       *scratch)  /* 5 * width bytes */
{
  guint8 *none = scratch;
  guint8 *sub = scratch + (gsize) width;
  guint8 *up = scratch + (gsize) width * 2;
  guint8 *avg = scratch + (gsize) width * 3;
  guint8 *pae = scratch + (gsize) width * 4;
  guint64 best_sum;
  int best = 0;

  memcpy (none, row, width);
  sub[0] = row[0];
  for (int x = 1; x < width; x++)
    sub[x] = (guint8) (row[x] - row[x - 1]);
  if (prev != NULL)
    {
      for (int x = 0; x < width; x++)
        up[x] = (guint8) (row[x] - prev[x]);
      avg[0] = (guint8) (row[0] - prev[0] / 2);
      for (int x = 1; x < width; x++)
        avg[x] = (guint8) (row[x] - (row[x - 1] + prev[x]) / 2);
      pae[0] = (guint8) (row[0] - prev[0]);
      for (int x = 1; x < width; x++)
        pae[x] = (guint8) (row[x] - paeth (row[x - 1], prev[x], prev[x - 1]));
    }
  else
    {
      /* Above the first row everything is 0: up = none, average = sub / 2, Paeth = sub. */
      memcpy (up, row, width);
      avg[0] = row[0];
      for (int x = 1; x < width; x++)
        avg[x] = (guint8) (row[x] - row[x - 1] / 2);
      memcpy (pae, sub, width);
    }

  best_sum = residual_sum (none, width);
  for (int f = 1; f < 5 && best_sum > 0; f++)
    {
      guint64 sum = residual_sum (scratch + (gsize) f * width, width);

      if (sum < best_sum)
        {
          best_sum = sum;
          best = f;
        }
    }
  out[0] = (guint8) best;
  memcpy (out + 1, scratch + (gsize) best * width, width);
}

static GBytes *
zlib_compress (const guint8 *data,
               gsize         len,
               GError      **error)
{
  g_autoptr(GZlibCompressor) compressor = NULL;
  g_autoptr(GOutputStream) memory = NULL;
  g_autoptr(GOutputStream) stream = NULL;

  compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 6);
  memory = g_memory_output_stream_new_resizable ();
  stream = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  if (!g_output_stream_write_all (stream, data, len, NULL, NULL, error) ||
      !g_output_stream_close (stream, NULL, error))
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

/* Packs row @y of @mask into @row: one byte per pixel at depth 8, eight pixels per byte
 * (most significant bit first, as PNG orders them) at depth 1. */
static void
pack_row (const PmMask *mask,
          int           y,
          int           depth,
          gboolean      soft,
          guint8       *row)
{
  const float *src = mask->data + (gsize) y * mask->width;

  if (depth == 8)
    {
      for (int x = 0; x < mask->width; x++)
        row[x] = mask_byte (src[x], soft);
      return;
    }
  memset (row, 0, ((gsize) mask->width + 7) / 8);
  for (int x = 0; x < mask->width; x++)
    if (src[x] > 0.5f)
      row[x >> 3] |= (guint8) (0x80 >> (x & 7));
}

/* A greyscale PNG of @mask at @depth 8 (0..255 or 0/255) or 1 (0/1). For depth 1 the
 * filters work on whole bytes, as the PNG specification says for depths below 8. */
static GBytes *
encode_grey_png (const PmMask  *mask,
                 int            depth,
                 gboolean       soft,
                 GError       **error)
{
  static const guint8 signature[8] = { 137, 80, 78, 71, 13, 10, 26, 10 };
  g_autoptr(GByteArray) out = NULL;
  g_autoptr(GBytes) compressed = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree guint8 *raw = NULL;
  g_autofree guint8 *rows = NULL;
  g_autofree guint8 *scratch = NULL;
  guint8 ihdr[13];
  int row_bytes;
  gsize stride;
  gsize zlen = 0;
  const guint8 *zdata;

  if (mask->width <= 0 || mask->height <= 0)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_EMPTY,
                   "Cannot write a %d×%d mask as PNG: it is empty", mask->width, mask->height);
      return NULL;
    }

  /* Filtered scanlines: one filter byte then the row. */
  row_bytes = depth == 8 ? mask->width : (mask->width + 7) / 8;
  stride = (gsize) row_bytes + 1;
  raw = g_malloc (stride * mask->height);
  rows = g_malloc ((gsize) row_bytes * 2);
  scratch = g_malloc ((gsize) row_bytes * 5);
  for (int y = 0; y < mask->height; y++)
    {
      guint8 *row = rows + (gsize) (y & 1) * row_bytes;
      const guint8 *prev = y > 0 ? rows + (gsize) ((y - 1) & 1) * row_bytes : NULL;

      pack_row (mask, y, depth, soft, row);
      filter_row (row, prev, row_bytes, raw + (gsize) y * stride, scratch);
    }

  compressed = zlib_compress (raw, stride * mask->height, &local_error);
  if (compressed == NULL)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_SAVE,
                   "Cannot compress %d×%d mask: %s", mask->width, mask->height,
                   local_error->message);
      return NULL;
    }
  zdata = g_bytes_get_data (compressed, &zlen);
  if (zlen > G_MAXINT32)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_SAVE,
                   "Cannot write %d×%d mask: compressed data over 2 GiB",
                   mask->width, mask->height);
      return NULL;
    }

  out = g_byte_array_new ();
  g_byte_array_append (out, signature, sizeof signature);
  ihdr[0] = (guint8) (mask->width >> 24);
  ihdr[1] = (guint8) (mask->width >> 16);
  ihdr[2] = (guint8) (mask->width >> 8);
  ihdr[3] = (guint8) mask->width;
  ihdr[4] = (guint8) (mask->height >> 24);
  ihdr[5] = (guint8) (mask->height >> 16);
  ihdr[6] = (guint8) (mask->height >> 8);
  ihdr[7] = (guint8) mask->height;
  ihdr[8] = (guint8) depth;
  ihdr[9] = 0;    /* colour type: greyscale */
  ihdr[10] = 0;   /* deflate */
  ihdr[11] = 0;   /* adaptive filtering */
  ihdr[12] = 0;   /* no interlace */
  put_chunk (out, "IHDR", ihdr, sizeof ihdr);
  put_chunk (out, "IDAT", zdata, zlen);
  put_chunk (out, "IEND", NULL, 0);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/**
 * pm_mask_encode_png:
 * @mask: a mask
 * @soft: %FALSE for a binary PNG (0/255, foreground is > 0.5), %TRUE for 0..255
 * @error: return location for a #GError
 *
 * Encodes @mask as an 8-bit greyscale PNG.
 *
 * Returns: (transfer full): the PNG data, or %NULL with @error set
 */
GBytes *
pm_mask_encode_png (const PmMask *mask,
                    gboolean      soft,
                    GError      **error)
{
  g_return_val_if_fail (mask != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return encode_grey_png (mask, 8, soft, error);
}

/**
 * pm_mask_encode_png_1bit:
 * @mask: a mask (foreground is > 0.5)
 * @error: return location for a #GError
 *
 * Encodes @mask as a 1-bit greyscale PNG: the compact form a stored dataset draft takes
 * (an eighth of the 8-bit form before compression). Any PNG reader, pm_mask_load_bytes()
 * included, reads it back as 0 and 1 (white).
 *
 * Returns: (transfer full): the PNG data, or %NULL with @error set
 */
GBytes *
pm_mask_encode_png_1bit (const PmMask  *mask,
                         GError       **error)
{
  g_return_val_if_fail (mask != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return encode_grey_png (mask, 1, FALSE, error);
}

/**
 * pm_mask_save_png:
 * @mask: a mask
 * @path: the file to write (replaced atomically)
 * @soft: %FALSE for binary 0/255, %TRUE for 0..255
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
pm_mask_save_png (const PmMask *mask,
                  const char   *path,
                  gboolean      soft,
                  GError      **error)
{
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize len = 0;
  const char *data;

  g_return_val_if_fail (mask != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  png = pm_mask_encode_png (mask, soft, error);
  if (png == NULL)
    return FALSE;
  data = g_bytes_get_data (png, &len);
  if (!g_file_set_contents_full (path, data, len, G_FILE_SET_CONTENTS_CONSISTENT, 0666,
                                 &local_error))
    {
      g_autofree char *name = g_filename_display_name (path);

      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_SAVE,
                   "Cannot write mask %s: %s", name, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------- PNG in */

static PmMask *
mask_from_image (const PmImage *image)
{
  PmMask *mask = pm_mask_new (image->width, image->height);
  gsize n = (gsize) image->width * image->height;
  const guint8 *px = image->data;
  gboolean rgb_uniform = TRUE;
  gboolean alpha_varies = FALSE;

  /* A mask drawn as transparency over one flat colour: the alpha is the mask. */
  for (gsize i = 1; i < n && (rgb_uniform || !alpha_varies); i++)
    {
      const guint8 *p = px + i * 4;

      if (p[0] != px[0] || p[1] != px[1] || p[2] != px[2])
        rgb_uniform = FALSE;
      if (p[3] != px[3])
        alpha_varies = TRUE;
    }

  for (gsize i = 0; i < n; i++)
    {
      const guint8 *p = px + i * 4;

      if (rgb_uniform && alpha_varies)
        mask->data[i] = p[3] / 255.0f;
      else
        {
          /* Rec. 601 luma in integers, so grey pixels map exactly to v / 255. */
          guint luma = (299u * p[0] + 587u * p[1] + 114u * p[2] + 500u) / 1000u;

          mask->data[i] = luma / 255.0f;
        }
    }
  return mask;
}

/**
 * pm_mask_load_png:
 * @path: an image file (PNG or anything gdk-pixbuf reads)
 * @error: return location for a #GError
 *
 * Loads an image as a soft mask: luma / 255, or alpha / 255 when the colour is the same
 * everywhere and only the alpha varies. Threshold it for a binary mask.
 *
 * Returns: (transfer full): the mask, or %NULL with @error set
 */
PmMask *
pm_mask_load_png (const char *path,
                  GError    **error)
{
  g_autoptr(PmImage) image = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  image = pm_image_load (path, PM_IMAGE_DEFAULT_MAX_PIXELS, error);
  if (image == NULL)
    return NULL;
  return mask_from_image (image);
}

/**
 * pm_mask_load_bytes:
 * @bytes: encoded image data
 * @error: return location for a #GError
 *
 * Like pm_mask_load_png() for data in memory.
 *
 * Returns: (transfer full): the mask, or %NULL with @error set
 */
PmMask *
pm_mask_load_bytes (GBytes  *bytes,
                    GError **error)
{
  g_autoptr(PmImage) image = NULL;
  gboolean mine = FALSE;
  gsize len = 0;
  const guint8 *data;
  PmMask *mask;

  g_return_val_if_fail (bytes != NULL, NULL);

  /* Stored masks are 1-bit PNGs: read those directly, everything else through gdk-pixbuf. */
  data = g_bytes_get_data (bytes, &len);
  mask = pm_mask_decode_png_1bit (data, len, &mine, error);
  if (mask != NULL || mine)
    return mask;
  image = pm_image_load_bytes (bytes, PM_IMAGE_DEFAULT_MAX_PIXELS, error);
  if (image == NULL)
    return NULL;
  return mask_from_image (image);
}
