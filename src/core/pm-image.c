/* pm-image.c: RGBA8 image buffers and float planes: loading, saving, resampling.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-image"

#include "pm-image.h"
#include "pm-image-private.h"
#include "pm-parallel.h"

#include <string.h>
#include <math.h>

G_DEFINE_QUARK (pm-image-error-quark, pm_image_error)

/* Bytes needed for @width × @height × @bpp, or 0 for an empty or absurd size. Buffers are
 * capped at G_MAXINT / 4 pixels so that width × height × 4 fits in an int: callers may
 * index pixels with plain ints without overflow. */
gsize
pm_image_byte_size (int   width,
                    int   height,
                    gsize bpp)
{
  gsize n;

  if (width <= 0 || height <= 0)
    return 0;
  if ((gint64) width * height > G_MAXINT / 4)
    return 0;
  if (!g_size_checked_mul (&n, (gsize) width * height, bpp))
    return 0;
  return n;
}

/* ------------------------------------------------------------------------------------------
 * Images
 * ---------------------------------------------------------------------------------------- */

/**
 * pm_image_new:
 * @width: width in pixels, > 0
 * @height: height in pixels, > 0
 *
 * Allocates a transparent black RGBA image.
 *
 * Returns: (transfer full): the new image
 */
PmImage *
pm_image_new (int width,
              int height)
{
  PmImage *image;
  gsize size = pm_image_byte_size (width, height, 4);

  g_return_val_if_fail (size > 0, NULL);

  image = g_new0 (PmImage, 1);
  image->width = width;
  image->height = height;
  image->data = g_malloc0 (size);
  return image;
}

/**
 * pm_image_copy:
 * @image: an image
 *
 * Returns: (transfer full): a deep copy of @image
 */
PmImage *
pm_image_copy (const PmImage *image)
{
  PmImage *copy;

  g_return_val_if_fail (image != NULL, NULL);

  copy = g_new0 (PmImage, 1);
  copy->width = image->width;
  copy->height = image->height;
  copy->data = g_memdup2 (image->data, pm_image_byte_size (image->width, image->height, 4));
  return copy;
}

/**
 * pm_image_free:
 * @image: (nullable): an image
 *
 * Frees @image and its pixels.
 */
void
pm_image_free (PmImage *image)
{
  if (image == NULL)
    return;
  g_free (image->data);
  g_free (image);
}

/**
 * pm_image_new_from_pixbuf:
 * @pixbuf: a pixbuf (grey, RGB or RGBA, 8 bits per sample)
 * @max_pixels: the largest width × height accepted; <= 0 for the default limit
 * @error: return location for an error
 *
 * Copies @pixbuf into an RGBA image. Pixbufs without alpha become opaque.
 *
 * Returns: (transfer full): the image, or %NULL with @error set
 */
PmImage *
pm_image_new_from_pixbuf (GdkPixbuf *pixbuf,
                          gint64     max_pixels,
                          GError   **error)
{
  int width, height, stride, channels;
  const guint8 *pixels;
  PmImage *image;

  g_return_val_if_fail (GDK_IS_PIXBUF (pixbuf), NULL);

  if (max_pixels <= 0)
    max_pixels = PM_IMAGE_DEFAULT_MAX_PIXELS;

  width = gdk_pixbuf_get_width (pixbuf);
  height = gdk_pixbuf_get_height (pixbuf);
  if (width <= 0 || height <= 0)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_EMPTY,
                   "Image is empty (%d×%d pixels)", width, height);
      return NULL;
    }
  if ((gint64) width * height > max_pixels)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_TOO_LARGE,
                   "Image is %d×%d (%" G_GINT64_FORMAT " MP), over the %" G_GINT64_FORMAT
                   " MP limit", width, height, (gint64) width * height / 1000000,
                   max_pixels / 1000000);
      return NULL;
    }
  if (gdk_pixbuf_get_bits_per_sample (pixbuf) != 8 ||
      gdk_pixbuf_get_colorspace (pixbuf) != GDK_COLORSPACE_RGB)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                   "Unsupported pixel format (%d bits per sample)",
                   gdk_pixbuf_get_bits_per_sample (pixbuf));
      return NULL;
    }

  channels = gdk_pixbuf_get_n_channels (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);
  pixels = gdk_pixbuf_read_pixels (pixbuf);
  if (channels < 1 || channels > 4 || pixels == NULL)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                   "Unsupported pixel format (%d channels)", channels);
      return NULL;
    }

  image = pm_image_new (width, height);
  for (int y = 0; y < height; y++)
    {
      const guint8 *src = pixels + (gsize) y * stride;
      guint8 *dst = image->data + (gsize) y * width * 4;

      for (int x = 0; x < width; x++, src += channels, dst += 4)
        {
          switch (channels)
            {
            case 1:
              dst[0] = dst[1] = dst[2] = src[0];
              dst[3] = 255;
              break;
            case 2:
              dst[0] = dst[1] = dst[2] = src[0];
              dst[3] = src[1];
              break;
            case 3:
              dst[0] = src[0]; dst[1] = src[1]; dst[2] = src[2];
              dst[3] = 255;
              break;
            default:
              memcpy (dst, src, 4);
              break;
            }
        }
    }
  return image;
}

/**
 * pm_image_to_pixbuf:
 * @image: an image
 *
 * Returns: (transfer full): an RGBA pixbuf holding a copy of the pixels
 */
GdkPixbuf *
pm_image_to_pixbuf (const PmImage *image)
{
  GBytes *bytes;
  GdkPixbuf *pixbuf;

  g_return_val_if_fail (image != NULL, NULL);

  bytes = g_bytes_new (image->data, pm_image_byte_size (image->width, image->height, 4));
  pixbuf = gdk_pixbuf_new_from_bytes (bytes, GDK_COLORSPACE_RGB, TRUE, 8,
                                      image->width, image->height, image->width * 4);
  g_bytes_unref (bytes);
  return pixbuf;
}

/* ------------------------------------------------------------------------------------------
 * Saving
 * ---------------------------------------------------------------------------------------- */

/* Opaque images go out as RGB: a quarter less data to compress and store. */
static GdkPixbuf *
pixbuf_for_png (const PmImage *image)
{
  gsize n = (gsize) image->width * image->height;
  GdkPixbuf *rgb;
  guint8 *dst;
  int stride;

  for (gsize i = 0; i < n; i++)
    if (image->data[i * 4 + 3] != 255)
      return pm_image_to_pixbuf (image);

  rgb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, image->width, image->height);
  if (rgb == NULL)
    return pm_image_to_pixbuf (image);
  dst = gdk_pixbuf_get_pixels (rgb);
  stride = gdk_pixbuf_get_rowstride (rgb);
  for (int y = 0; y < image->height; y++)
    {
      const guint8 *src = image->data + (gsize) y * image->width * 4;
      guint8 *row = dst + (gsize) y * stride;
      for (int x = 0; x < image->width; x++)
        {
          row[x * 3 + 0] = src[x * 4 + 0];
          row[x * 3 + 1] = src[x * 4 + 1];
          row[x * 3 + 2] = src[x * 4 + 2];
        }
    }
  return rgb;
}

static GBytes *
encode_png (const PmImage *image,
            const char    *level,
            GError       **error)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) local_error = NULL;
  char *buffer = NULL;
  gsize len = 0;

  pixbuf = pixbuf_for_png (image);
  if (!gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &len, "png", &local_error,
                                  "compression", level, NULL))
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_SAVE,
                   "Cannot encode %d×%d image as PNG: %s", image->width, image->height,
                   local_error->message);
      return NULL;
    }
  return g_bytes_new_take (buffer, len);
}

/**
 * pm_image_encode_png:
 * @image: an image
 * @error: return location for an error
 *
 * Encodes fast (zlib level 1): this is what the history stores on every run, where a
 * 12 MP photo takes about a quarter of the time of level 6 for about 30 % more bytes.
 * Files the user asks for go through pm_image_save_png(), which compresses harder.
 *
 * Returns: (transfer full): the image as PNG data, or %NULL with @error set
 */
GBytes *
pm_image_encode_png (const PmImage *image,
                     GError       **error)
{
  g_return_val_if_fail (image != NULL, NULL);
  return encode_png (image, "1", error);
}

/**
 * pm_image_save_png:
 * @image: an image
 * @path: destination file name
 * @error: return location for an error
 *
 * Writes @image as PNG. The file is written to a temporary name and renamed, so a reader
 * never sees a half-written file and a failure leaves an existing file untouched.
 *
 * Returns: %TRUE on success
 */
gboolean
pm_image_save_png (const PmImage *image,
                   const char    *path,
                   GError       **error)
{
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (image != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  name = g_filename_display_name (path);
  png = encode_png (image, "6", error);
  if (png == NULL)
    return FALSE;
  if (!g_file_set_contents (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png),
                            &local_error))
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_SAVE,
                   "Cannot write %s: %s", name, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/**
 * pm_image_checksum:
 * @image: an image
 *
 * A SHA-256 over the width and height (32-bit little-endian each) followed by the pixels.
 *
 * Returns: (transfer full): the checksum as 64 hex digits
 */
char *
pm_image_checksum (const PmImage *image)
{
  g_autoptr(GChecksum) sum = NULL;
  guint8 header[8];

  g_return_val_if_fail (image != NULL, NULL);

  for (int i = 0; i < 4; i++)
    {
      header[i] = (guint8) ((guint32) image->width >> (8 * i));
      header[4 + i] = (guint8) ((guint32) image->height >> (8 * i));
    }
  sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, header, sizeof header);
  g_checksum_update (sum, image->data, pm_image_byte_size (image->width, image->height, 4));
  return g_strdup (g_checksum_get_string (sum));
}

/* ------------------------------------------------------------------------------------------
 * Masks
 * ---------------------------------------------------------------------------------------- */

/**
 * pm_mask_new:
 * @width: width, > 0
 * @height: height, > 0
 *
 * Returns: (transfer full): a mask filled with zeros
 */
PmMask *
pm_mask_new (int width,
             int height)
{
  PmMask *mask;

  g_return_val_if_fail (pm_image_byte_size (width, height, sizeof (float)) > 0, NULL);

  mask = g_new0 (PmMask, 1);
  mask->width = width;
  mask->height = height;
  mask->data = g_new0 (float, (gsize) width * height);
  return mask;
}

/**
 * pm_mask_copy:
 * @mask: a mask
 *
 * Returns: (transfer full): a deep copy
 */
PmMask *
pm_mask_copy (const PmMask *mask)
{
  PmMask *copy;

  g_return_val_if_fail (mask != NULL, NULL);

  copy = g_new0 (PmMask, 1);
  copy->width = mask->width;
  copy->height = mask->height;
  copy->data = g_memdup2 (mask->data, pm_image_byte_size (mask->width, mask->height,
                                                          sizeof (float)));
  return copy;
}

/**
 * pm_mask_free:
 * @mask: (nullable): a mask
 */
void
pm_mask_free (PmMask *mask)
{
  if (mask == NULL)
    return;
  g_free (mask->data);
  g_free (mask);
}

#define THRESHOLD_PIXELS (1 << 18)

typedef struct {
  const float *in;
  float       *out;
  gsize        n;
  float        threshold;
} Threshold;

static void
threshold_task (gint64   task,
                gpointer data)
{
  const Threshold *t = data;
  gsize i0 = (gsize) task * THRESHOLD_PIXELS, i1 = MIN (i0 + THRESHOLD_PIXELS, t->n);

  for (gsize i = i0; i < i1; i++)
    t->out[i] = t->in[i] > t->threshold ? 1.0f : 0.0f;
}

/**
 * pm_mask_threshold:
 * @mask: a mask
 * @threshold: the cut
 *
 * Returns: (transfer full): a binary mask, 1 where @mask > @threshold, else 0
 */
PmMask *
pm_mask_threshold (const PmMask *mask,
                   float         threshold)
{
  PmMask *out;
  gsize n;

  g_return_val_if_fail (mask != NULL, NULL);

  out = pm_mask_new (mask->width, mask->height);
  n = (gsize) mask->width * mask->height;
  {
    Threshold t = { mask->data, out->data, n, threshold };

    pm_parallel_for ((gint64) ((n + THRESHOLD_PIXELS - 1) / THRESHOLD_PIXELS), threshold_task, &t);
  }
  return out;
}

/**
 * pm_mask_count:
 * @mask: a mask
 *
 * Returns: the number of values > 0.5
 */
gint64
pm_mask_count (const PmMask *mask)
{
  gint64 count = 0;
  gsize n;

  g_return_val_if_fail (mask != NULL, 0);

  n = (gsize) mask->width * mask->height;
  for (gsize i = 0; i < n; i++)
    count += mask->data[i] > 0.5f;
  return count;
}
