/* pm-maskio-png1.c: a direct reader for 1-bit greyscale PNGs, the form stored masks take.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * gdk-pixbuf reads these too, but expands them to 8-bit RGBA first: about a second for a
 * 12 MP mask, which an export of thousands of drafts pays for each one. This reader inflates
 * the IDAT stream into the packed rows, undoes the row filters (on bytes, as the PNG
 * specification says for depths below 8) and unpacks the bits, at a fraction of the cost.
 * It takes only what pm_mask_encode_png_1bit() writes (bit depth 1, colour type 0, no
 * interlace, no transparency chunk) and says "not mine" for anything else, which then goes
 * through gdk-pixbuf; what it takes it checks like hostile input: chunk lengths inside the
 * data, the exact inflated size, known filter types.
 */
#define G_LOG_DOMAIN "pm-maskio"

#include "pm-maskio-private.h"

#include <gio/gio.h>
#include <string.h>

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static guint8
paeth (int a,
       int b,
       int c)
{
  int p = a + b - c;
  int pa = ABS (p - a), pb = ABS (p - b), pc = ABS (p - c);

  if (pa <= pb && pa <= pc)
    return (guint8) a;
  return (guint8) (pb <= pc ? b : c);
}

/* Undoes the filter of one row in place; @prev is the previous unfiltered row or NULL. */
static gboolean
unfilter_row (guint8        filter,
              guint8       *row,
              const guint8 *prev,
              gsize         n)
{
  switch (filter)
    {
    case 0:
      return TRUE;
    case 1:
      for (gsize i = 1; i < n; i++)
        row[i] = (guint8) (row[i] + row[i - 1]);
      return TRUE;
    case 2:
      if (prev != NULL)
        for (gsize i = 0; i < n; i++)
          row[i] = (guint8) (row[i] + prev[i]);
      return TRUE;
    case 3:
      for (gsize i = 0; i < n; i++)
        row[i] = (guint8) (row[i] + (((i > 0 ? row[i - 1] : 0) + (prev ? prev[i] : 0)) >> 1));
      return TRUE;
    case 4:
      for (gsize i = 0; i < n; i++)
        row[i] = (guint8) (row[i] + paeth (i > 0 ? row[i - 1] : 0, prev ? prev[i] : 0,
                                           i > 0 && prev ? prev[i - 1] : 0));
      return TRUE;
    default:
      return FALSE;
    }
}

/* Inflates @in into exactly @out_len bytes of @out. */
static gboolean
inflate_exact (const guint8  *in,
               gsize          in_len,
               guint8        *out,
               gsize          out_len,
               GError       **error)
{
  g_autoptr(GZlibDecompressor) z = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB);
  gsize read_total = 0, written_total = 0;
  guint8 spill[64];

  for (;;)
    {
      gsize bytes_read = 0, bytes_written = 0;
      gboolean full = written_total == out_len;
      GConverterResult r;

      r = g_converter_convert (G_CONVERTER (z), in + read_total, in_len - read_total,
                               full ? spill : out + written_total,
                               full ? sizeof spill : out_len - written_total,
                               G_CONVERTER_INPUT_AT_END, &bytes_read, &bytes_written, error);
      if (r == G_CONVERTER_ERROR)
        return FALSE;
      read_total += bytes_read;
      if (full && bytes_written > 0)
        break;   /* more data than the rows hold */
      written_total += bytes_written;
      if (r == G_CONVERTER_FINISHED)
        {
          if (written_total == out_len)
            return TRUE;
          break;
        }
      if (bytes_read == 0 && bytes_written == 0)
        break;
    }
  g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
               "PNG image data has the wrong size for its rows");
  return FALSE;
}

/* Collects the IDAT payload of a 1-bit grey PNG; FALSE (and *@mine FALSE) if the file is of
 * another kind. */
static gboolean
read_chunks (const guint8  *data,
             gsize          len,
             int           *width,
             int           *height,
             GByteArray    *idat,
             gboolean      *mine,
             GError       **error)
{
  static const guint8 signature[8] = { 137, 80, 78, 71, 13, 10, 26, 10 };
  gsize pos = 8;
  gboolean header = FALSE;

  *mine = FALSE;
  if (len < 8 + 25 || memcmp (data, signature, 8) != 0)
    return FALSE;
  while (pos + 12 <= len)
    {
      guint32 n = be32 (data + pos);
      const guint8 *type = data + pos + 4;
      const guint8 *body = data + pos + 8;

      if (n > len - pos - 12)
        break;
      if (!header)
        {
          if (memcmp (type, "IHDR", 4) != 0 || n != 13 || body[8] != 1 || body[9] != 0 ||
              body[10] != 0 || body[11] != 0 || body[12] != 0)
            return FALSE;
          *width = (int) MIN (be32 (body), (guint32) G_MAXINT);
          *height = (int) MIN (be32 (body + 4), (guint32) G_MAXINT);
          header = TRUE;
          *mine = TRUE;
        }
      else if (memcmp (type, "tRNS", 4) == 0)
        {
          *mine = FALSE;   /* transparency changes what the mask is: leave it to gdk-pixbuf */
          return FALSE;
        }
      else if (memcmp (type, "IDAT", 4) == 0)
        g_byte_array_append (idat, body, n);
      else if (memcmp (type, "IEND", 4) == 0)
        return TRUE;
      pos += 12 + (gsize) n;
    }
  if (*mine)
    g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD, "PNG data is truncated");
  return FALSE;
}

/**
 * pm_mask_decode_png_1bit:
 * @data: PNG bytes
 * @len: their length
 * @mine: (out): %TRUE if @data is a 1-bit greyscale PNG this reader takes
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the mask (white = 1), or %NULL: with *@mine %FALSE when the
 *   data is of another kind (no error set), with @error set when it is broken.
 */
PmMask *
pm_mask_decode_png_1bit (const guint8  *data,
                         gsize          len,
                         gboolean      *mine,
                         GError       **error)
{
  g_autoptr(GByteArray) idat = g_byte_array_new ();
  g_autoptr(PmMask) mask = NULL;
  g_autofree guint8 *raw = NULL;
  int width = 0, height = 0;
  gsize row_bytes, stride;

  if (!read_chunks (data, len, &width, &height, idat, mine, error))
    return NULL;
  if (width <= 0 || height <= 0 ||
      (gint64) width * height > PM_IMAGE_DEFAULT_MAX_PIXELS)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_TOO_LARGE,
                   "PNG mask size %d×%d is empty or over the limit", width, height);
      return NULL;
    }
  row_bytes = ((gsize) width + 7) / 8;
  stride = row_bytes + 1;
  raw = g_malloc (stride * height);
  if (!inflate_exact (idat->data, idat->len, raw, stride * height, error))
    return NULL;

  mask = pm_mask_new (width, height);
  for (int y = 0; y < height; y++)
    {
      guint8 *row = raw + (gsize) y * stride + 1;
      const guint8 *prev = y > 0 ? raw + (gsize) (y - 1) * stride + 1 : NULL;
      float *out = mask->data + (gsize) y * width;

      if (!unfilter_row (row[-1], row, prev, row_bytes))
        {
          g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                       "PNG row %d has an unknown filter type %d", y, row[-1]);
          return NULL;
        }
      for (int x = 0; x < width; x++)
        out[x] = (row[x >> 3] >> (7 - (x & 7))) & 1;
    }
  return g_steal_pointer (&mask);
}
