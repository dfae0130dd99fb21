/* test-image.c: tests for pm-image (buffers, loading hostile files, saving, resampling).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <math.h>

#include "pm-image.h"
#include "pm-test-util.h"

/* ---------------------------------------------------------------------------------------- */

static PmImage *
make_pattern (int width,
              int height)
{
  PmImage *image = pm_image_new (width, height);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = image->data + ((gsize) y * width + x) * 4;
        p[0] = (guint8) (x * 7 + y);
        p[1] = (guint8) (y * 5);
        p[2] = (guint8) ((x ^ y) * 3);
        p[3] = (guint8) (255 - (x + y) % 64);
      }
  return image;
}

static char *
write_file (const char   *dir,
            const char   *name,
            const void   *data,
            gsize         len)
{
  GError *error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
  return path;
}

static guint32
crc32_png (const guint8 *data,
           gsize         len)
{
  guint32 crc = 0xffffffffu;

  for (gsize i = 0; i < len; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
  return crc ^ 0xffffffffu;
}

static void
put_be32 (guint8  *p,
          guint32  v)
{
  p[0] = (guint8) (v >> 24);
  p[1] = (guint8) (v >> 16);
  p[2] = (guint8) (v >> 8);
  p[3] = (guint8) v;
}

/* A PNG signature plus a valid IHDR chunk (with its CRC) claiming @width × @height, then
 * an empty IDAT and IEND: a header that lies about the size. 8 + 25 + 12 + 12 bytes. */
static GBytes *
make_png_header (guint32 width,
                 guint32 height)
{
  static const guint8 sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  guint8 buf[57];
  guint8 *p = buf;

  memcpy (p, sig, 8); p += 8;
  put_be32 (p, 13); p += 4;
  memcpy (p, "IHDR", 4);
  put_be32 (p + 4, width);
  put_be32 (p + 8, height);
  p[12] = 8;  /* bit depth */
  p[13] = 6;  /* RGBA */
  p[14] = 0; p[15] = 0; p[16] = 0;
  put_be32 (p + 17, crc32_png (p, 17));
  p += 21;
  put_be32 (p, 0); p += 4;
  memcpy (p, "IDAT", 4);
  put_be32 (p + 4, crc32_png (p, 4));
  p += 8;
  put_be32 (p, 0); p += 4;
  memcpy (p, "IEND", 4);
  put_be32 (p + 4, crc32_png (p, 4));
  p += 8;
  g_assert_cmpint (p - buf, ==, sizeof buf);
  return g_bytes_new (buf, sizeof buf);
}

static GBytes *
encode_jpeg (const PmImage *image,
             int            quality)
{
  g_autoptr(GdkPixbuf) pixbuf = pm_image_to_pixbuf (image);
  g_autoptr(GdkPixbuf) rgb = NULL;
  g_autofree char *q = g_strdup_printf ("%d", quality);
  GError *error = NULL;
  char *buf = NULL;
  gsize len = 0;

  /* JPEG has no alpha. */
  rgb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, image->width, image->height);
  gdk_pixbuf_fill (rgb, 0);
  gdk_pixbuf_composite (pixbuf, rgb, 0, 0, image->width, image->height, 0, 0, 1, 1,
                        GDK_INTERP_NEAREST, 255);
  gdk_pixbuf_save_to_buffer (rgb, &buf, &len, "jpeg", &error, "quality", q, NULL);
  g_assert_no_error (error);
  return g_bytes_new_take (buf, len);
}

/* ---------------------------------------------------------------------------------------- */

static void
test_new_copy (void)
{
  g_autoptr(PmImage) image = make_pattern (13, 7);
  g_autoptr(PmImage) copy = pm_image_copy (image);
  g_autoptr(PmImage) blank = pm_image_new (3, 2);
  g_autofree char *sum1 = pm_image_checksum (image);
  g_autofree char *sum2 = pm_image_checksum (copy);
  g_autofree char *sum3 = NULL;
  g_autofree char *sum4 = NULL;

  g_assert_cmpint (copy->width, ==, 13);
  g_assert_cmpint (copy->height, ==, 7);
  g_assert_true (copy->data != image->data);
  g_assert_cmpmem (copy->data, 13 * 7 * 4, image->data, 13 * 7 * 4);
  g_assert_cmpstr (sum1, ==, sum2);
  g_assert_cmpuint (strlen (sum1), ==, 64);

  copy->data[5] ^= 1;
  sum3 = pm_image_checksum (copy);
  g_assert_cmpstr (sum1, !=, sum3);

  for (int i = 0; i < 3 * 2 * 4; i++)
    g_assert_cmpint (blank->data[i], ==, 0);

  /* Same bytes, other shape: another checksum. */
  {
    g_autoptr(PmImage) a = pm_image_new (2, 3);
    g_autofree char *sa = pm_image_checksum (a);
    sum4 = pm_image_checksum (blank);
    g_assert_cmpstr (sa, !=, sum4);
  }
}

static void
test_new_overflow (void)
{
  if (g_test_subprocess ())
    {
      PmImage *image = pm_image_new (G_MAXINT, G_MAXINT);
      g_assert_null (image);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*");
}

static void
test_png_roundtrip (void)
{
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "pattern.png", NULL);
  g_autoptr(PmImage) image = make_pattern (31, 17);
  g_autoptr(PmImage) loaded = NULL;
  g_autoptr(PmImage) from_bytes = NULL;
  g_autoptr(GBytes) png = NULL;
  GError *error = NULL;
  g_autofree char *s1 = NULL, *s2 = NULL, *s3 = NULL;

  g_assert_true (pm_image_save_png (image, path, &error));
  g_assert_no_error (error);
  loaded = pm_image_load (path, 0, &error);
  g_assert_no_error (error);
  s1 = pm_image_checksum (image);
  s2 = pm_image_checksum (loaded);
  g_assert_cmpstr (s1, ==, s2);

  png = pm_image_encode_png (image, &error);
  g_assert_no_error (error);
  from_bytes = pm_image_load_bytes (png, 0, &error);
  g_assert_no_error (error);
  s3 = pm_image_checksum (from_bytes);
  g_assert_cmpstr (s1, ==, s3);

  /* Opaque images are written as RGB; they come back identical, alpha 255. */
  {
    g_autoptr(PmImage) opaque = pm_image_copy (image);
    g_autoptr(GBytes) opng = NULL;
    g_autoptr(PmImage) back = NULL;
    g_autofree char *a = NULL, *b = NULL;

    for (gsize i = 0; i < (gsize) opaque->width * opaque->height; i++)
      opaque->data[i * 4 + 3] = 255;
    opng = pm_image_encode_png (opaque, &error);
    g_assert_no_error (error);
    /* PNG IHDR colour type at byte 25: 2 = RGB, 6 = RGBA */
    g_assert_cmpint (((const guint8 *) g_bytes_get_data (opng, NULL))[25], ==, 2);
    back = pm_image_load_bytes (opng, 0, &error);
    g_assert_no_error (error);
    a = pm_image_checksum (opaque);
    b = pm_image_checksum (back);
    g_assert_cmpstr (a, ==, b);
  }

  /* Overwriting works and leaves no temporary files behind. */
  g_assert_true (pm_image_save_png (loaded, path, &error));
  g_assert_no_error (error);
  {
    GDir *d = g_dir_open (dir, 0, NULL);
    int n = 0;
    while (g_dir_read_name (d) != NULL)
      n++;
    g_dir_close (d);
    g_assert_cmpint (n, ==, 1);
  }

  pm_test_rmdir (dir);
}

static void
test_save_error (void)
{
  g_autoptr(PmImage) image = make_pattern (4, 4);
  GError *error = NULL;

  g_assert_false (pm_image_save_png (image, "/nonexistent-dir/sub/out.png", &error));
  g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_SAVE);
  g_assert_nonnull (strstr (error->message, "out.png"));
  g_clear_error (&error);
}

static void
test_pixbuf_formats (void)
{
  GError *error = NULL;
  g_autoptr(GdkPixbuf) rgb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 5, 3);
  g_autoptr(GdkPixbuf) rgba = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 5, 3);
  g_autoptr(PmImage) a = NULL;
  g_autoptr(PmImage) b = NULL;

  gdk_pixbuf_fill (rgb, 0x10203040);
  gdk_pixbuf_fill (rgba, 0x10203040);
  a = pm_image_new_from_pixbuf (rgb, 0, &error);
  g_assert_no_error (error);
  b = pm_image_new_from_pixbuf (rgba, 0, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 15; i++)
    {
      g_assert_cmpint (a->data[i * 4 + 0], ==, 0x10);
      g_assert_cmpint (a->data[i * 4 + 1], ==, 0x20);
      g_assert_cmpint (a->data[i * 4 + 2], ==, 0x30);
      g_assert_cmpint (a->data[i * 4 + 3], ==, 255);
      g_assert_cmpint (b->data[i * 4 + 3], ==, 0x40);
    }

  /* Limit applies to pixbufs too. */
  g_assert_null (pm_image_new_from_pixbuf (rgb, 10, &error));
  g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_TOO_LARGE);
  g_clear_error (&error);
}

static void
test_grey_png (void)
{
  /* A greyscale PNG written by PIL-free means: gdk-pixbuf saves RGB only, so build a
   * grey+alpha PNG by hand is overkill; instead check an RGB (no alpha) PNG becomes RGBA. */
  g_autofree char *dir = pm_test_tmpdir ();
  g_autoptr(GdkPixbuf) rgb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 6, 4);
  g_autofree char *path = g_build_filename (dir, "rgb.png", NULL);
  g_autoptr(PmImage) image = NULL;
  GError *error = NULL;

  gdk_pixbuf_fill (rgb, 0xc08040ff);
  gdk_pixbuf_save (rgb, path, "png", &error, NULL);
  g_assert_no_error (error);
  image = pm_image_load (path, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->width, ==, 6);
  g_assert_cmpint (image->height, ==, 4);
  g_assert_cmpint (image->data[0], ==, 0xc0);
  g_assert_cmpint (image->data[1], ==, 0x80);
  g_assert_cmpint (image->data[2], ==, 0x40);
  g_assert_cmpint (image->data[3], ==, 0xff);
  pm_test_rmdir (dir);
}

/* Inserts an EXIF APP1 segment with one Orientation entry right after the JPEG's SOI. */
static GBytes *
jpeg_with_orientation (GBytes *jpeg,
                       int     orientation)
{
  static const guint8 app1_head[] = {
    0xff, 0xe1, 0x00, 0x22,                   /* APP1, length 34 */
    'E', 'x', 'i', 'f', 0, 0,
    'M', 'M', 0x00, 0x2a, 0, 0, 0, 8,         /* big-endian TIFF, IFD0 at 8 */
    0x00, 0x01,                               /* one entry */
    0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1,       /* Orientation, SHORT, count 1 */
  };
  gsize len;
  const guint8 *data = g_bytes_get_data (jpeg, &len);
  GByteArray *out = g_byte_array_new ();
  guint8 value[4] = { 0, (guint8) orientation, 0, 0 };
  guint8 next[4] = { 0, 0, 0, 0 };

  g_assert_cmpint (data[0], ==, 0xff);
  g_assert_cmpint (data[1], ==, 0xd8);
  g_byte_array_append (out, data, 2);
  g_byte_array_append (out, app1_head, sizeof app1_head);
  g_byte_array_append (out, value, 4);
  g_byte_array_append (out, next, 4);
  g_assert_cmpuint (out->len, ==, 2 + 2 + 0x22);
  g_byte_array_append (out, data + 2, len - 2);
  return g_byte_array_free_to_bytes (out);
}

static void
test_exif_orientation (void)
{
  /* 40×20: left half red, right half blue. Orientation 6 means "rotate 90° clockwise to
   * display", so the loaded image is 20×40 with red on top and blue below. */
  g_autoptr(PmImage) image = pm_image_new (40, 20);
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(GBytes) tagged = NULL;
  g_autoptr(PmImage) plain = NULL;
  g_autoptr(PmImage) rotated = NULL;
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *path = NULL;
  GError *error = NULL;

  for (int y = 0; y < 20; y++)
    for (int x = 0; x < 40; x++)
      {
        guint8 *p = image->data + (y * 40 + x) * 4;
        p[0] = x < 20 ? 255 : 0;
        p[1] = 0;
        p[2] = x < 20 ? 0 : 255;
        p[3] = 255;
      }
  jpeg = encode_jpeg (image, 95);
  plain = pm_image_load_bytes (jpeg, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (plain->width, ==, 40);

  tagged = jpeg_with_orientation (jpeg, 6);
  path = write_file (dir, "rotated.jpg", g_bytes_get_data (tagged, NULL),
                     g_bytes_get_size (tagged));
  rotated = pm_image_load (path, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rotated->width, ==, 20);
  g_assert_cmpint (rotated->height, ==, 40);
  {
    const guint8 *top = rotated->data + (5 * 20 + 10) * 4;
    const guint8 *bottom = rotated->data + (35 * 20 + 10) * 4;
    g_assert_cmpint (top[0], >, 200);
    g_assert_cmpint (top[2], <, 60);
    g_assert_cmpint (bottom[0], <, 60);
    g_assert_cmpint (bottom[2], >, 200);
  }
  pm_test_rmdir (dir);
}

static void
assert_load_error (const char *path,
                   int         code,
                   const char *must_contain)
{
  GError *error = NULL;
  PmImage *image = pm_image_load (path, 0, &error);

  g_assert_null (image);
  g_assert_error (error, PM_IMAGE_ERROR, code);
  g_test_message ("%s", error->message);
  if (strstr (error->message, must_contain) == NULL)
    g_error ("message “%s” does not mention “%s”", error->message, must_contain);
  g_assert_null (strchr (error->message, '\n'));
  g_error_free (error);
}

/* A JPEG whose end-of-image marker is missing but whose data is whole is read, the same
 * as with the marker (with a message); one cut short, even by a few bytes, is refused. */
static void
test_jpeg_without_eoi (void)
{
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *sample = pm_test_source_path ("data/samples/coffee.png");
  g_autoptr(PmImage) photo = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(PmImage) whole = NULL;
  g_autoptr(PmImage) no_eoi = NULL;
  g_autofree char *no_eoi_path = NULL;
  g_autofree char *cut_path = NULL;
  const guint8 *data;
  gsize len;
  GError *error = NULL;

  photo = pm_image_load (sample, 0, &error);
  g_assert_no_error (error);
  jpeg = encode_jpeg (photo, 90);
  data = g_bytes_get_data (jpeg, &len);
  g_assert_cmpint (data[len - 2], ==, 0xff);
  g_assert_cmpint (data[len - 1], ==, 0xd9);
  whole = pm_image_load_bytes (jpeg, 0, &error);
  g_assert_no_error (error);

  no_eoi_path = write_file (dir, "no-eoi.jpg", data, len - 2);
  g_test_expect_message ("pm-image", G_LOG_LEVEL_MESSAGE, "*no-eoi.jpg has no end-of-image marker*");
  no_eoi = pm_image_load (no_eoi_path, 0, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpint (no_eoi->width, ==, whole->width);
  g_assert_cmpint (no_eoi->height, ==, whole->height);
  g_assert_cmpmem (no_eoi->data, (gsize) whole->width * whole->height * 4,
                   whole->data, (gsize) whole->width * whole->height * 4);

  /* Cut inside the last scan: the decoder fills the rest with grey; refused. */
  for (gsize cut = 40; cut <= len / 2; cut *= 4)
    {
      g_autofree char *name = g_strdup_printf ("cut-%u.jpg", (guint) cut);
      g_free (cut_path);
      cut_path = write_file (dir, name, data, len - 2 - cut);
      assert_load_error (cut_path, PM_IMAGE_ERROR_LOAD, name);
    }
  pm_test_rmdir (dir);
}

/* A cancelled load stops with G_IO_ERROR_CANCELLED; an uncancelled one is a normal load. */
static void
test_load_cancellable (void)
{
  g_autofree char *sample = pm_test_source_path ("data/samples/coffee.png");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(PmImage) ok = NULL;
  g_autoptr(PmImage) none = NULL;
  GError *error = NULL;

  ok = pm_image_load_cancellable (sample, 0, cancellable, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ok->width, ==, 600);
  g_cancellable_cancel (cancellable);
  none = pm_image_load_cancellable (sample, 0, cancellable, &error);
  g_assert_null (none);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
}

static void
test_bad_inputs (void)
{
  g_autofree char *dir = pm_test_tmpdir ();
  g_autoptr(PmImage) image = make_pattern (64, 48);
  g_autoptr(GBytes) png = pm_image_encode_png (image, NULL);
  g_autoptr(GBytes) jpeg = encode_jpeg (image, 90);
  g_autofree char *trunc_png = write_file (dir, "trunc.png", g_bytes_get_data (png, NULL),
                                           g_bytes_get_size (png) / 2);
  g_autofree char *trunc_jpeg = write_file (dir, "trunc.jpg", g_bytes_get_data (jpeg, NULL),
                                            g_bytes_get_size (jpeg) / 2);
  g_autofree char *text = write_file (dir, "notes.png", "hello, this is text\n", 20);
  g_autofree char *empty = write_file (dir, "empty.png", "", 0);
  g_autofree char *missing = g_build_filename (dir, "missing.png", NULL);

  assert_load_error (trunc_png, PM_IMAGE_ERROR_LOAD, "trunc.png");
  assert_load_error (trunc_jpeg, PM_IMAGE_ERROR_LOAD, "trunc.jpg");
  assert_load_error (text, PM_IMAGE_ERROR_LOAD, "notes.png");
  assert_load_error (empty, PM_IMAGE_ERROR_LOAD, "empty.png");
  assert_load_error (missing, PM_IMAGE_ERROR_LOAD, "missing.png");
  assert_load_error (dir, PM_IMAGE_ERROR_LOAD, "paintmask-test");

  /* Bytes too. */
  {
    g_autoptr(GBytes) half = g_bytes_new_from_bytes (png, 0, g_bytes_get_size (png) / 2);
    g_autoptr(GBytes) nothing = g_bytes_new (NULL, 0);
    GError *error = NULL;

    g_assert_null (pm_image_load_bytes (half, 0, &error));
    g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD);
    g_clear_error (&error);
    g_assert_null (pm_image_load_bytes (nothing, 0, &error));
    g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD);
    g_clear_error (&error);
  }
  pm_test_rmdir (dir);
}

static GBytes *
encode_pixbuf (const PmImage *image,
               const char    *type)
{
  g_autoptr(GdkPixbuf) pixbuf = pm_image_to_pixbuf (image);
  GError *error = NULL;
  char *buf = NULL;
  gsize len = 0;

  gdk_pixbuf_save_to_buffer (pixbuf, &buf, &len, type, &error, NULL);
  g_assert_no_error (error);
  return g_bytes_new_take (buf, len);
}

static void
test_formats (void)
{
  g_autoptr(PmImage) image = make_pattern (40, 30);
  g_autoptr(GBytes) bmp = encode_pixbuf (image, "bmp");
  g_autoptr(GBytes) tiff = encode_pixbuf (image, "tiff");
  g_autoptr(GBytes) half = NULL;
  g_autoptr(GBytes) ppm = g_bytes_new_static ("P6\n2 2\n255\n\0\0\0\0\0\0\0\0\0\0\0\0", 23);
  GError *error = NULL;

  /* BMP and TIFF load (BMP has no alpha: colours only). */
  {
    g_autoptr(PmImage) a = pm_image_load_bytes (bmp, 0, &error);
    g_autoptr(PmImage) b = pm_image_load_bytes (tiff, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpint (a->width, ==, 40);
    g_assert_cmpint (b->height, ==, 30);
  }

  /* A BMP cut short is refused, not returned half grey. */
  half = g_bytes_new_from_bytes (bmp, 0, g_bytes_get_size (bmp) / 2);
  g_assert_null (pm_image_load_bytes (half, 0, &error));
  g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD);
  g_clear_error (&error);

  /* Formats outside the list (here PNM) are refused by name. */
  g_assert_null (pm_image_load_bytes (ppm, 0, &error));
  g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD);
  g_assert_nonnull (strstr (error->message, "not a PNG, JPEG"));
  g_clear_error (&error);
}

/* Random byte changes and cuts of valid files: each load returns an image or an error,
 * without a warning (fatal here), crash or sanitizer report. */
static void
test_fuzz (void)
{
  g_autoptr(PmImage) image = make_pattern (48, 40);
  GBytes *seeds[4];
  GRand *rand = g_rand_new_with_seed (1234);
  int loaded = 0, refused = 0;

  seeds[0] = pm_image_encode_png (image, NULL);
  seeds[1] = encode_jpeg (image, 85);
  seeds[2] = encode_pixbuf (image, "bmp");
  seeds[3] = encode_pixbuf (image, "tiff");
  for (int s = 0; s < 4; s++)
    for (int it = 0; it < 150; it++)
      {
        gsize len;
        guint8 *data = g_memdup2 (g_bytes_get_data (seeds[s], &len), g_bytes_get_size (seeds[s]));
        int changes = g_rand_int_range (rand, 1, 8);
        g_autoptr(GBytes) bytes = NULL;
        PmImage *out;
        GError *error = NULL;

        for (int k = 0; k < changes; k++)
          data[g_rand_int_range (rand, 0, (gint32) len)] = (guint8) g_rand_int (rand);
        if (g_rand_boolean (rand))
          len = (gsize) g_rand_int_range (rand, 1, (gint32) len);
        bytes = g_bytes_new_take (data, len);
        out = pm_image_load_bytes (bytes, 0, &error);
        if (out != NULL)
          {
            g_assert_no_error (error);
            g_assert_cmpint (out->width, >, 0);
            loaded++;
            pm_image_free (out);
          }
        else
          {
            g_assert_nonnull (error);
            g_assert_null (strchr (error->message, '\n'));
            refused++;
            g_clear_error (&error);
          }
      }
  g_test_message ("fuzz: %d loaded, %d refused", loaded, refused);
  for (int s = 0; s < 4; s++)
    g_bytes_unref (seeds[s]);
  g_rand_free (rand);
}

static void
test_empty_image (void)
{
  g_autofree char *dir = pm_test_tmpdir ();
  g_autoptr(GBytes) zero = make_png_header (0, 0);
  g_autoptr(GBytes) zero_w = make_png_header (0, 10);
  g_autofree char *path = write_file (dir, "zero.png", g_bytes_get_data (zero, NULL),
                                      g_bytes_get_size (zero));
  GError *error = NULL;

  assert_load_error (path, PM_IMAGE_ERROR_EMPTY, "zero.png");
  g_assert_null (pm_image_load_bytes (zero_w, 0, &error));
  g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_EMPTY);
  g_clear_error (&error);
  pm_test_rmdir (dir);
}

static void
test_too_large (void)
{
  g_autofree char *dir = pm_test_tmpdir ();
  g_autoptr(GBytes) huge = make_png_header (60000, 60000);
  g_autofree char *path = write_file (dir, "photo.png", g_bytes_get_data (huge, NULL),
                                      g_bytes_get_size (huge));
  g_autoptr(PmImage) image = make_pattern (100, 80);
  g_autoptr(GBytes) jpeg = encode_jpeg (image, 90);
  g_autoptr(GBytes) png = pm_image_encode_png (image, NULL);
  GError *error = NULL;

  /* 3.6 gigapixels: refused from the header, with the numbers in the message. */
  assert_load_error (path, PM_IMAGE_ERROR_TOO_LARGE, "photo.png is 60000×60000 (3600 MP)");
  assert_load_error (path, PM_IMAGE_ERROR_TOO_LARGE, "100 MP limit");
  g_assert_null (pm_image_load_bytes (huge, 0, &error));
  g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* A configurable limit, through the decoder's size callback (JPEG) and the PNG header. */
  g_assert_null (pm_image_load_bytes (jpeg, 7999, &error));
  g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_null (pm_image_load_bytes (png, 7999, &error));
  g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_TOO_LARGE);
  g_clear_error (&error);
  {
    g_autoptr(PmImage) ok = pm_image_load_bytes (jpeg, 8000, &error);
    g_assert_no_error (error);
    g_assert_cmpint (ok->width, ==, 100);
  }

  /* A JPEG whose frame header claims 60000×60000: the size callback refuses it. */
  {
    gsize len;
    guint8 *data = g_memdup2 (g_bytes_get_data (jpeg, &len), g_bytes_get_size (jpeg));
    g_autoptr(GBytes) patched = NULL;
    gboolean found = FALSE;

    for (gsize i = 2; i + 9 < len; i++)
      if (data[i] == 0xff && (data[i + 1] == 0xc0 || data[i + 1] == 0xc2))
        {
          /* FFC0 len(2) precision(1) height(2) width(2) */
          data[i + 5] = 0xea; data[i + 6] = 0x60;
          data[i + 7] = 0xea; data[i + 8] = 0x60;
          found = TRUE;
          break;
        }
    g_assert_true (found);
    patched = g_bytes_new_take (data, len);
    g_assert_null (pm_image_load_bytes (patched, 0, &error));
    g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_TOO_LARGE);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, "60000×60000"));
    g_clear_error (&error);
  }
  pm_test_rmdir (dir);
}

static void
test_tall_image (void)
{
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "tall.png", NULL);
  g_autoptr(PmImage) image = pm_image_new (1, 100000);
  g_autoptr(PmImage) loaded = NULL;
  GError *error = NULL;

  for (int y = 0; y < 100000; y++)
    {
      image->data[y * 4] = (guint8) y;
      image->data[y * 4 + 3] = 255;
    }
  g_assert_true (pm_image_save_png (image, path, &error));
  g_assert_no_error (error);
  loaded = pm_image_load (path, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->width, ==, 1);
  g_assert_cmpint (loaded->height, ==, 100000);
  g_assert_cmpmem (loaded->data, 400000, image->data, 400000);
  pm_test_rmdir (dir);
}

static void
test_resize (void)
{
  g_autoptr(PmImage) flat = pm_image_new (10, 6);
  g_autoptr(PmImage) big = NULL;
  g_autoptr(PmImage) small = NULL;
  g_autoptr(PmImage) checker = pm_image_new (8, 8);
  g_autoptr(PmImage) half = NULL;
  g_autoptr(PmImage) same = NULL;

  for (int i = 0; i < 60; i++)
    {
      flat->data[i * 4 + 0] = 200;
      flat->data[i * 4 + 1] = 100;
      flat->data[i * 4 + 2] = 50;
      flat->data[i * 4 + 3] = 255;
    }
  big = pm_image_resize (flat, 23, 17);
  small = pm_image_resize (flat, 3, 2);
  g_assert_cmpint (big->width, ==, 23);
  g_assert_cmpint (big->height, ==, 17);
  for (int i = 0; i < 23 * 17; i++)
    g_assert_cmpmem (big->data + i * 4, 4, flat->data, 4);
  for (int i = 0; i < 6; i++)
    g_assert_cmpmem (small->data + i * 4, 4, flat->data, 4);

  /* Area averaging: a 1-pixel checkerboard halves to mid grey, without aliasing. */
  for (int y = 0; y < 8; y++)
    for (int x = 0; x < 8; x++)
      {
        guint8 *p = checker->data + (y * 8 + x) * 4;
        p[0] = p[1] = p[2] = ((x + y) & 1) ? 255 : 0;
        p[3] = 255;
      }
  half = pm_image_resize (checker, 4, 4);
  for (int i = 0; i < 16; i++)
    {
      g_assert_cmpint (half->data[i * 4], >=, 127);
      g_assert_cmpint (half->data[i * 4], <=, 128);
    }

  same = pm_image_resize (checker, 8, 8);
  g_assert_cmpmem (same->data, 256, checker->data, 256);

  /* Transparent pixels do not bleed colour. */
  {
    g_autoptr(PmImage) edge = pm_image_new (2, 1);
    g_autoptr(PmImage) one = NULL;
    edge->data[0] = 255; edge->data[3] = 255;   /* opaque red, then transparent black */
    one = pm_image_resize (edge, 1, 1);
    g_assert_cmpint (one->data[0], ==, 255);
    g_assert_cmpint (one->data[3], >=, 127);
    g_assert_cmpint (one->data[3], <=, 128);
  }
}

static void
test_masks (void)
{
  g_autoptr(PmMask) mask = pm_mask_new (10, 10);
  g_autoptr(PmMask) copy = NULL;
  g_autoptr(PmMask) big = NULL;
  g_autoptr(PmMask) bin = NULL;
  g_autoptr(PmMask) back = NULL;

  g_assert_cmpint (pm_mask_count (mask), ==, 0);
  for (int y = 2; y < 6; y++)
    for (int x = 3; x < 8; x++)
      mask->data[y * 10 + x] = 1.0f;
  mask->data[0] = 0.5f;  /* not counted: count is values > 0.5 */
  g_assert_cmpint (pm_mask_count (mask), ==, 20);

  copy = pm_mask_copy (mask);
  g_assert_cmpmem (copy->data, 400, mask->data, 400);

  bin = pm_mask_threshold (mask, 0.4f);
  g_assert_cmpint (pm_mask_count (bin), ==, 21);
  g_assert_cmpfloat (bin->data[0], ==, 1.0f);
  for (int i = 0; i < 100; i++)
    g_assert_true (bin->data[i] == 0.0f || bin->data[i] == 1.0f);

  /* Enlarging 3× then shrinking back keeps the region; values stay within 0..1. */
  big = pm_mask_resize (copy, 30, 30);
  g_assert_cmpint (big->width, ==, 30);
  for (int i = 0; i < 900; i++)
    g_assert_true (big->data[i] >= 0.0f && big->data[i] <= 1.0f);
  g_assert_cmpint (pm_mask_count (big), >=, 20 * 9 - 30);
  g_assert_cmpint (pm_mask_count (big), <=, 20 * 9 + 30);
  back = pm_mask_resize (big, 10, 10);
  for (int y = 2; y < 6; y++)
    for (int x = 3; x < 8; x++)
      g_assert_cmpfloat (back->data[y * 10 + x], >, 0.5f);
  g_assert_cmpfloat (back->data[9 * 10 + 9], ==, 0.0f);
}

/* Found by fuzz-image: a BMP whose info header claims 4 GB made gdk-pixbuf's loader
 * allocate that much before any check of ours could run. Refused from the header alone. */
static void
test_bmp_header_bomb (void)
{
  static const guint8 head[18] = { 0x42, 0x4d, 0xc6, 0, 0, 0, 0, 0, 0, 0,
                                   0x36, 0x37, 0x17, 0xa1, 0x17, 0xee, 0x57, 0xf3 };
  guint8 data[200] = { 0 };

  memcpy (data, head, sizeof head);
  for (int k = 0; k < 3; k++)
    {
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(PmImage) image = NULL;

      if (k == 1)
        {
          /* A sane header size, pixel data said to start past the end of the file. */
          data[14] = 40;
          data[15] = data[16] = data[17] = 0;
        }
      if (k == 2)
        {
          /* Pixel data inside the file, a colour table of 700 million entries. */
          data[10] = 54;
          data[11] = data[12] = data[13] = 0;
          data[46] = 0x25;
          data[47] = 0x69;
          data[48] = 0x7a;
          data[49] = 0x2a;
        }
      bytes = g_bytes_new (data, sizeof data);
      image = pm_image_load_bytes (bytes, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
      g_assert_null (image);
      g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "not a valid BMP"));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/image/new-copy", test_new_copy);
  g_test_add_func ("/core/image/new-overflow", test_new_overflow);
  g_test_add_func ("/core/image/png-roundtrip", test_png_roundtrip);
  g_test_add_func ("/core/image/save-error", test_save_error);
  g_test_add_func ("/core/image/pixbuf-formats", test_pixbuf_formats);
  g_test_add_func ("/core/image/rgb-png", test_grey_png);
  g_test_add_func ("/core/image/exif-orientation", test_exif_orientation);
  g_test_add_func ("/core/image/bad-inputs", test_bad_inputs);
  g_test_add_func ("/core/image/jpeg-without-eoi", test_jpeg_without_eoi);
  g_test_add_func ("/core/image/load-cancellable", test_load_cancellable);
  g_test_add_func ("/core/image/empty", test_empty_image);
  g_test_add_func ("/core/image/formats", test_formats);
  g_test_add_func ("/core/image/fuzz", test_fuzz);
  g_test_add_func ("/core/image/bmp-header-bomb", test_bmp_header_bomb);
  g_test_add_func ("/core/image/too-large", test_too_large);
  g_test_add_func ("/core/image/tall", test_tall_image);
  g_test_add_func ("/core/image/resize", test_resize);
  g_test_add_func ("/core/image/masks", test_masks);

  return g_test_run ();
}
