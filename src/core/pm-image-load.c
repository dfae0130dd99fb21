/* pm-image-load.c: loading images safely (format check, pixel limit, truncation, EXIF).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-image"

#include "pm-image.h"

#include <string.h>

/* ------------------------------------------------------------------------------------------
 * Loading
 *
 * Everything goes through a GdkPixbufLoader: its "size-prepared" signal tells the size from
 * the header, before any pixel memory is allocated; asking the loader for a 0×0 size there
 * makes it stop. A PNG header is also checked by hand, so that a 0×0 PNG reports "empty".
 * ---------------------------------------------------------------------------------------- */

typedef struct {
  gint64   max_pixels;
  int      width;
  int      height;
  gboolean refused;
} LoadState;

static void
on_size_prepared (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  LoadState *state = user_data;

  state->width = width;
  state->height = height;
  if (width <= 0 || height <= 0 || (gint64) width * height > state->max_pixels)
    {
      state->refused = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);
    }
}

static gboolean
load_state_check (const LoadState *state,
                  const char      *name,
                  GError         **error)
{
  gint64 pixels = (gint64) state->width * state->height;

  if (state->width <= 0 || state->height <= 0)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_EMPTY,
                   "%s is empty (%d×%d pixels)", name, state->width, state->height);
      return FALSE;
    }
  if (pixels > state->max_pixels && state->max_pixels >= 1000000)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_TOO_LARGE,
                   "%s is %d×%d (%" G_GINT64_FORMAT " MP), over the %" G_GINT64_FORMAT
                   " MP limit", name, state->width, state->height,
                   (pixels + 500000) / 1000000, state->max_pixels / 1000000);
      return FALSE;
    }
  if (pixels > state->max_pixels)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_TOO_LARGE,
                   "%s is %d×%d (%" G_GINT64_FORMAT " pixels), over the limit of %"
                   G_GINT64_FORMAT " pixels", name, state->width, state->height, pixels,
                   state->max_pixels);
      return FALSE;
    }
  return TRUE;
}

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* For PNG data, reads the IHDR size (so 0×0 and oversized images are refused before
 * libpng sees them). Returns FALSE if @data is not a PNG with a readable IHDR. */
static gboolean
sniff_png_size (const guint8 *data,
                gsize         len,
                gint64       *width,
                gint64       *height)
{
  static const guint8 sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

  if (len < 24 || memcmp (data, sig, 8) != 0 || memcmp (data + 12, "IHDR", 4) != 0)
    return FALSE;
  *width = read_be32 (data + 16);
  *height = read_be32 (data + 20);
  return TRUE;
}

/* gdk-pixbuf hands back a partly grey image, without an error, for a PNG or JPEG cut
 * short. Walk the container structure to make sure the data ends where the format says. */
static gboolean
png_is_complete (const guint8 *data,
                 gsize         len)
{
  gsize pos = 8;

  while (pos + 12 <= len)
    {
      guint32 chunk = read_be32 (data + pos);

      if (memcmp (data + pos + 4, "IEND", 4) == 0)
        return TRUE;
      if (chunk > len - pos - 12)
        return FALSE;
      pos += 12 + (gsize) chunk;
    }
  return FALSE;
}

typedef enum {
  JPEG_COMPLETE,   /* ends with EOI */
  JPEG_NO_EOI,     /* the data runs out inside the last scan: missing EOI, or cut short */
  JPEG_BROKEN,     /* the marker structure does not hold */
} JpegEnd;

static JpegEnd
jpeg_end (const guint8 *data,
          gsize         len)
{
  gsize pos = 2;

  while (pos + 2 <= len)
    {
      guint8 marker;
      gsize seg;

      if (data[pos] != 0xff)
        return JPEG_BROKEN;
      marker = data[pos + 1];
      if (marker == 0xff)             /* fill byte */
        {
          pos++;
          continue;
        }
      if (marker == 0xd9)             /* EOI */
        return JPEG_COMPLETE;
      if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7))
        {
          pos += 2;
          continue;
        }
      if (pos + 4 > len)
        return JPEG_BROKEN;
      seg = ((gsize) data[pos + 2] << 8) | data[pos + 3];
      if (seg < 2 || seg > len - pos - 2)
        return JPEG_BROKEN;
      pos += 2 + seg;
      if (marker == 0xda)             /* SOS: skip entropy-coded data to the next marker */
        {
          while (pos + 1 < len &&
                 !(data[pos] == 0xff && data[pos + 1] != 0x00 &&
                   !(data[pos + 1] >= 0xd0 && data[pos + 1] <= 0xd7)))
            pos++;
          if (pos + 1 >= len)
            return JPEG_NO_EOI;
        }
    }
  return JPEG_BROKEN;
}

/* The formats accepted, by their magic bytes. Other gdk-pixbuf loaders (PNM, TGA, XPM,
 * ICO, ANI, …) are older and less robust on hostile data, and photos do not need them. */
static const char *
sniff_format (const guint8 *data,
              gsize         len)
{
  static const guint8 png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

  if (len >= 8 && memcmp (data, png_sig, 8) == 0)
    return "png";
  if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
    return "jpeg";
  if (len >= 6 && (memcmp (data, "GIF87a", 6) == 0 || memcmp (data, "GIF89a", 6) == 0))
    return "gif";
  if (len >= 14 && data[0] == 'B' && data[1] == 'M')
    return "bmp";
  if (len >= 4 && (memcmp (data, "II*\0", 4) == 0 || memcmp (data, "MM\0*", 4) == 0))
    return "tiff";
  if (len >= 12 && memcmp (data, "RIFF", 4) == 0 && memcmp (data + 8, "WEBP", 4) == 0)
    return "webp";
  return NULL;
}

static gboolean
data_is_complete (const char   *format,
                  const guint8 *data,
                  gsize         len)
{
  if (g_str_equal (format, "png"))
    return png_is_complete (data, len);
  if (g_str_equal (format, "jpeg"))
    return jpeg_end (data, len) == JPEG_COMPLETE;
  if (g_str_equal (format, "bmp"))
    {
      /* The file header states the file size (0 is allowed and says nothing). */
      guint32 size = data[2] | ((guint32) data[3] << 8) | ((guint32) data[4] << 16) |
                     ((guint32) data[5] << 24);
      return size == 0 || len >= size;
    }
  return TRUE;
}

/* gdk-pixbuf's BMP loader allocates the info header's stated size before it reads any
 * pixel: a 200-byte file saying 4 GB made it ask for 4 GB (found by fuzz-image). The
 * header sizes BMP defines are 12 to 124 bytes (OS/2 v1 … BITMAPV5HEADER), and the pixel
 * data cannot start past the end of the file. */
static gboolean
bmp_header_ok (const guint8 *data,
               gsize         len)
{
  guint32 offset, header;

  if (len < 18)
    return FALSE;
  offset = data[10] | ((guint32) data[11] << 8) | ((guint32) data[12] << 16) |
           ((guint32) data[13] << 24);
  header = data[14] | ((guint32) data[15] << 8) | ((guint32) data[16] << 16) |
           ((guint32) data[17] << 24);
  if (header < 12 || header > 124 || offset > len)
    return FALSE;
  /* The colour table (4 bytes an entry, biClrUsed of them) must fit in the file: a count
   * of 700 million made the loader allocate 2.8 GB (found by fuzz-image). */
  if (header >= 40 && len >= 50)
    {
      guint32 colours = data[46] | ((guint32) data[47] << 8) | ((guint32) data[48] << 16) |
                        ((guint32) data[49] << 24);
      if ((guint64) 14 + header + (guint64) colours * 4 > len)
        return FALSE;
    }
  return TRUE;
}

/* Decodes @data with gdk-pixbuf's loader for @format, refusing images over @max_pixels as
 * soon as their header is read, and stopping between chunks when @cancellable is
 * cancelled. Returns a new reference, or NULL with @error set. */
static GdkPixbuf *
decode (const guint8  *data,
        gsize          len,
        const char    *format,
        const char    *name,
        gint64         max_pixels,
        GCancellable  *cancellable,
        GError       **error)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) local_error = NULL;
  LoadState state = { 0, };
  GdkPixbuf *pixbuf;
  gboolean closed = FALSE;
  gsize offset = 0;

  state.max_pixels = max_pixels;
  loader = gdk_pixbuf_loader_new_with_type (format, &local_error);
  if (loader == NULL)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                   "%s: %s images cannot be read on this system (%s)", name, format,
                   local_error->message);
      return NULL;
    }
  g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared), &state);

  /* Feed in chunks so an oversized image stops being read as soon as its header is seen. */
  while (offset < len && !state.refused)
    {
      gsize chunk = MIN (len - offset, 65536);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          gdk_pixbuf_loader_close (loader, NULL);
          return NULL;
        }

      if (!gdk_pixbuf_loader_write (loader, data + offset, chunk, &local_error))
        {
          /* A failed write closes the loader itself. */
          closed = TRUE;
          break;
        }
      offset += chunk;
    }
  if (!closed)
    gdk_pixbuf_loader_close (loader, local_error == NULL ? &local_error : NULL);

  if (state.refused)
    {
      load_state_check (&state, name, error);
      return NULL;
    }
  pixbuf = local_error == NULL ? gdk_pixbuf_loader_get_pixbuf (loader) : NULL;
  if (pixbuf == NULL)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                   "%s could not be read as an image: %s", name,
                   local_error != NULL ? local_error->message : "unknown or truncated data");
      return NULL;
    }
  return g_object_ref (pixbuf);
}

static gboolean
pixbufs_equal (GdkPixbuf *a,
               GdkPixbuf *b)
{
  int h = gdk_pixbuf_get_height (a);
  gsize row = (gsize) gdk_pixbuf_get_width (a) * gdk_pixbuf_get_n_channels (a);

  if (gdk_pixbuf_get_width (b) != gdk_pixbuf_get_width (a) || gdk_pixbuf_get_height (b) != h ||
      gdk_pixbuf_get_n_channels (b) != gdk_pixbuf_get_n_channels (a))
    return FALSE;
  for (int y = 0; y < h; y++)
    if (memcmp (gdk_pixbuf_read_pixels (a) + (gsize) y * gdk_pixbuf_get_rowstride (a),
                gdk_pixbuf_read_pixels (b) + (gsize) y * gdk_pixbuf_get_rowstride (b), row) != 0)
      return FALSE;
  return TRUE;
}

/* @data, then @n_pad bytes 0xAA, then an EOI marker. */
static guint8 *
jpeg_with_end (const guint8 *data,
               gsize         len,
               gsize         n_pad)
{
  guint8 *out = g_malloc (len + n_pad + 2);

  memcpy (out, data, len);
  memset (out + len, 0xaa, n_pad);
  out[len + n_pad] = 0xff;
  out[len + n_pad + 1] = 0xd9;
  return out;
}

/* A JPEG whose last scan ends at the end of the data without an EOI marker. Real datasets
 * hold such files whose scan is whole; libjpeg reads them, adding the marker itself, but
 * gdk-pixbuf's incremental decoder waits for more data and drops the last row of blocks.
 * Decoded twice, with the marker put back and with filler bytes before it: a whole scan
 * never reads the filler, so both agree; a scan cut short reads it as image data, so they
 * differ, and the file is refused as truncated. */
static GdkPixbuf *
decode_jpeg_without_eoi (const guint8  *data,
                         gsize          len,
                         const char    *name,
                         gint64         max_pixels,
                         GCancellable  *cancellable,
                         GError       **error)
{
  const gsize n_pad = 256;
  g_autofree guint8 *ended = jpeg_with_end (data, len, 0);
  g_autofree guint8 *padded = jpeg_with_end (data, len, n_pad);
  g_autoptr(GdkPixbuf) a = decode (ended, len + 2, "jpeg", name, max_pixels, cancellable, error);
  g_autoptr(GdkPixbuf) b = NULL;

  if (a == NULL)
    return NULL;
  b = decode (padded, len + n_pad + 2, "jpeg", name, max_pixels, cancellable, NULL);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (b == NULL || !pixbufs_equal (a, b))
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                   "%s is truncated or corrupt (the image data ends early)", name);
      return NULL;
    }
  g_message ("%s has no end-of-image marker; its image data is complete, so it was read",
             name);
  return g_steal_pointer (&a);
}

static PmImage *
load_from_data (const guint8  *data,
                gsize          len,
                const char    *name,
                gint64         max_pixels,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkPixbuf) oriented = NULL;
  g_autoptr(GError) local_error = NULL;
  LoadState state = { 0, };
  const char *format;
  gint64 pw, ph;
  PmImage *image;

  if (max_pixels <= 0)
    max_pixels = PM_IMAGE_DEFAULT_MAX_PIXELS;
  state.max_pixels = max_pixels;

  if (len == 0)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                   "%s is empty (0 bytes), not an image", name);
      return NULL;
    }

  if (sniff_png_size (data, len, &pw, &ph))
    {
      state.width = (int) MIN (pw, G_MAXINT);
      state.height = (int) MIN (ph, G_MAXINT);
      if (!load_state_check (&state, name, error))
        return NULL;
    }

  format = sniff_format (data, len);
  if (format == NULL)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                   "%s is not a PNG, JPEG, WebP, GIF, BMP or TIFF image", name);
      return NULL;
    }
  if (g_str_equal (format, "bmp") && !bmp_header_ok (data, len))
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                   "%s is not a valid BMP image (its header sizes are impossible)", name);
      return NULL;
    }
  if (g_str_equal (format, "jpeg") && jpeg_end (data, len) == JPEG_NO_EOI)
    pixbuf = decode_jpeg_without_eoi (data, len, name, max_pixels, cancellable, error);
  else
    {
      pixbuf = decode (data, len, format, name, max_pixels, cancellable, error);
      /* gdk-pixbuf hands back a partly grey image, without an error, for data cut short. */
      if (pixbuf != NULL && !data_is_complete (format, data, len))
        {
          g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                       "%s is truncated or corrupt (the image data ends early)", name);
          return NULL;
        }
    }
  if (pixbuf == NULL || g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  oriented = gdk_pixbuf_apply_embedded_orientation (pixbuf);
  if (oriented == NULL)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                   "%s could not be rotated to its EXIF orientation", name);
      return NULL;
    }

  image = pm_image_new_from_pixbuf (oriented, max_pixels, &local_error);
  if (image == NULL)
    {
      g_set_error (error, PM_IMAGE_ERROR, local_error->code, "%s: %s", name,
                   local_error->message);
      return NULL;
    }
  return image;
}

/**
 * pm_image_load:
 * @path: a file name
 * @max_pixels: the largest width × height accepted; <= 0 for the default (100 MP)
 * @error: return location for an error
 *
 * Loads an image file (any format gdk-pixbuf reads) as RGBA with its EXIF orientation
 * applied. An image over @max_pixels is refused from its header, before decoding.
 *
 * Returns: (transfer full): the image, or %NULL with @error set
 */
PmImage *
pm_image_load (const char *path,
               gint64      max_pixels,
               GError    **error)
{
  return pm_image_load_cancellable (path, max_pixels, NULL, error);
}

/**
 * pm_image_load_cancellable:
 * @path: a file name
 * @max_pixels: as for pm_image_load()
 * @cancellable: (nullable): stops the decoding between chunks (%G_IO_ERROR_CANCELLED)
 * @error: return location for an error
 *
 * pm_image_load() that a newer load can cancel (the app's photo loads).
 *
 * Returns: (transfer full): the image, or %NULL with @error set
 */
PmImage *
pm_image_load_cancellable (const char    *path,
                           gint64         max_pixels,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  name = g_filename_display_basename (path);
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                   "%s is a folder, not an image", name);
      return NULL;
    }
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD, "%s does not exist", name);
      return NULL;
    }
  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                   "Cannot open %s: %s", name, local_error->message);
      return NULL;
    }
  return load_from_data ((const guint8 *) g_mapped_file_get_contents (mapped),
                         g_mapped_file_get_length (mapped), name, max_pixels, cancellable,
                         error);
}

/**
 * pm_image_load_bytes:
 * @bytes: encoded image data
 * @max_pixels: the largest width × height accepted; <= 0 for the default (100 MP)
 * @error: return location for an error
 *
 * Like pm_image_load() for data in memory.
 *
 * Returns: (transfer full): the image, or %NULL with @error set
 */
PmImage *
pm_image_load_bytes (GBytes  *bytes,
                     gint64   max_pixels,
                     GError **error)
{
  gsize len = 0;
  const guint8 *data;

  g_return_val_if_fail (bytes != NULL, NULL);

  data = g_bytes_get_data (bytes, &len);
  return load_from_data (data, len, "Image data", max_pixels, NULL, error);
}
