/* test-maskio.c: tests of mask PNG I/O (pm-maskio.c) and COCO RLE (pm-rle.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "pm-maskio.h"
#include "pm-test-util.h"

static PmMask *
mask_from (int         width,
           int         height,
           const char *cells)   /* row-major '0'/'1' */
{
  PmMask *mask = pm_mask_new (width, height);

  g_assert_cmpuint (strlen (cells), ==, (gsize) width * height);
  for (int i = 0; i < width * height; i++)
    mask->data[i] = cells[i] == '1' ? 1.0f : 0.0f;
  return mask;
}

static PmMask *
random_mask (GRand *rand,
             int    width,
             int    height,
             double density)
{
  PmMask *mask = pm_mask_new (width, height);
  float v = 0;

  /* Runs of random length, so the RLE has both short and long runs. */
  for (int i = 0; i < width * height; i++)
    {
      if (g_rand_double (rand) < density)
        v = v > 0.5f ? 0.0f : 1.0f;
      mask->data[i] = v;
    }
  return mask;
}

static void
assert_masks_equal (const PmMask *a,
                    const PmMask *b)
{
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  for (int i = 0; i < a->width * a->height; i++)
    if (a->data[i] != b->data[i])
      g_error ("masks differ at pixel %d (%d, %d): %g vs %g", i, i % a->width, i / a->width,
               a->data[i], b->data[i]);
}

/* ------------------------------------------------------------------ PNG */

static void
test_png_binary_roundtrip (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "mask.png", NULL);
  int sizes[][2] = { { 1, 1 }, { 7, 3 }, { 64, 48 }, { 301, 17 }, { 1, 500 } };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr(PmMask) mask = random_mask (rand, sizes[s][0], sizes[s][1], 0.05);
      g_autoptr(PmMask) back = NULL;
      g_autoptr(GError) error = NULL;

      /* soft values: binary output thresholds at 0.5 */
      mask->data[0] = 0.51f;
      if (sizes[s][0] * sizes[s][1] > 1)
        mask->data[1] = 0.49f;
      g_assert_true (pm_mask_save_png (mask, path, FALSE, &error));
      g_assert_no_error (error);
      back = pm_mask_load_png (path, &error);
      g_assert_no_error (error);
      for (int i = 0; i < mask->width * mask->height; i++)
        mask->data[i] = mask->data[i] > 0.5f ? 1.0f : 0.0f;
      assert_masks_equal (mask, back);
    }
  pm_test_rmdir (dir);
}

static void
test_png_is_grey (void)
{
  g_autoptr(PmMask) mask = mask_from (3, 2, "101010");
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  const guint8 *data;
  gsize len;

  png = pm_mask_encode_png (mask, FALSE, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (png, &len);
  g_assert_cmpuint (len, >, 8 + 25 + 12 + 12);
  g_assert_cmpmem (data, 8, "\x89PNG\r\n\x1a\n", 8);
  /* IHDR: width 3, height 2, depth 8, colour type 0 (grey) */
  g_assert_cmpmem (data + 12, 4, "IHDR", 4);
  g_assert_cmpint (data[16 + 3], ==, 3);
  g_assert_cmpint (data[20 + 3], ==, 2);
  g_assert_cmpint (data[24], ==, 8);
  g_assert_cmpint (data[25], ==, 0);
  g_assert_cmpmem (data + len - 12, 12, "\0\0\0\0IEND\xae\x42\x60\x82", 12);

  /* An independent decoder (gdk-pixbuf's libpng loader) reads the same pixels: this also
   * checks the CRCs and the zlib stream. */
  stream = g_memory_input_stream_new_from_bytes (png);
  pixbuf = gdk_pixbuf_new_from_stream (stream, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 3);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 2);
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 3; x++)
      {
        const guint8 *p = gdk_pixbuf_read_pixels (pixbuf) +
                          y * gdk_pixbuf_get_rowstride (pixbuf) +
                          x * gdk_pixbuf_get_n_channels (pixbuf);
        guint8 want = mask->data[y * 3 + x] > 0.5f ? 255 : 0;

        g_assert_cmpint (p[0], ==, want);
        g_assert_cmpint (p[1], ==, want);
        g_assert_cmpint (p[2], ==, want);
      }
}

/* The 1-bit form: exact round trip through an independent decoder (libpng via gdk-pixbuf)
 * for widths on and off byte boundaries, and under 3/4 of the 8-bit form (0.73 measured). */
static void
test_png_1bit (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  int sizes[][2] = { { 1, 1 }, { 7, 3 }, { 8, 2 }, { 9, 5 }, { 301, 17 }, { 1, 500 },
                     { 640, 480 } };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr(PmMask) mask = random_mask (rand, sizes[s][0], sizes[s][1], 0.02);
      g_autoptr(PmMask) back = NULL;
      g_autoptr(GBytes) png = NULL;
      g_autoptr(GBytes) png8 = NULL;
      g_autoptr(GError) error = NULL;
      const guint8 *data;

      png = pm_mask_encode_png_1bit (mask, &error);
      g_assert_no_error (error);
      data = g_bytes_get_data (png, NULL);
      g_assert_cmpint (data[24], ==, 1);   /* bit depth */
      g_assert_cmpint (data[25], ==, 0);   /* greyscale */
      back = pm_mask_load_bytes (png, &error);
      g_assert_no_error (error);
      assert_masks_equal (mask, back);
      if (sizes[s][0] * sizes[s][1] >= 640 * 480)
        {
          png8 = pm_mask_encode_png (mask, FALSE, &error);
          g_test_message ("640×480 random runs: 1-bit %zu bytes, 8-bit %zu bytes",
                          g_bytes_get_size (png), g_bytes_get_size (png8));
          g_assert_cmpuint (g_bytes_get_size (png) * 4, <, g_bytes_get_size (png8) * 3);
        }
    }
}

/* The direct 1-bit reader on damaged data: flipped bytes and truncations give an error or a
 * mask, never a crash (run under ASan); a PNG it does not take (8-bit) still loads through
 * gdk-pixbuf. */
static void
test_png_1bit_hostile (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_autoptr(PmMask) mask = random_mask (rand, 67, 45, 0.05);
  g_autoptr(GBytes) png = pm_mask_encode_png_1bit (mask, NULL);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (png, &len);
  int errors = 0;

  for (int round = 0; round < 400; round++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, len);
      gsize cut = round % 4 == 0 ? (gsize) g_rand_int_range (rand, 0, (gint32) len) : len;
      g_autoptr(GBytes) bad = NULL;
      g_autoptr(PmMask) back = NULL;
      g_autoptr(GError) error = NULL;

      for (int k = 0; k < 1 + round % 3; k++)
        copy[g_rand_int_range (rand, 8, (gint32) len)] ^= (guint8) g_rand_int_range (rand, 1, 256);
      bad = g_bytes_new (copy, cut);
      back = pm_mask_load_bytes (bad, &error);
      if (back == NULL)
        {
          g_assert_nonnull (error);
          errors++;
        }
      else
        g_assert_true (back->width > 0 && back->height > 0);
    }
  g_test_message ("%d of 400 damaged PNGs refused", errors);
  g_assert_cmpint (errors, >=, 380);   /* 395 measured: zlib's checksum catches most */

  {
    /* An 8-bit PNG is not for the direct reader: gdk-pixbuf reads it. */
    g_autoptr(PmMask) one = mask_from (3, 1, "101");
    g_autoptr(GBytes) eight = pm_mask_encode_png (one, FALSE, NULL);
    g_autoptr(PmMask) back = pm_mask_load_bytes (eight, NULL);

    assert_masks_equal (back, one);
  }
}

/* A 1-bit grey PNG around @raw (filtered rows), CRCs left at 0: the direct reader does not
 * need them (zlib checks the data). */
static GBytes *
png_1bit_from_raw (int           width,
                   int           height,
                   const guint8 *raw,
                   gsize         raw_len)
{
  g_autoptr(GZlibCompressor) z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 0);
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (mem, G_CONVERTER (z));
  g_autoptr(GBytes) zdata = NULL;
  GByteArray *png = g_byte_array_new ();
  guint8 ihdr[] = { 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, (guint8) width, 0, 0, 0,
                    (guint8) height, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
  guint8 head[8] = { 0, 0, 0, 0, 'I', 'D', 'A', 'T' };
  guint8 tail[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0, 0, 0, 0 };
  gsize zlen;

  g_assert_true (g_output_stream_write_all (out, raw, raw_len, NULL, NULL, NULL));
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  zdata = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
  zlen = g_bytes_get_size (zdata);
  head[2] = (guint8) (zlen >> 8);
  head[3] = (guint8) zlen;
  g_byte_array_append (png, (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
  g_byte_array_append (png, ihdr, sizeof ihdr);
  g_byte_array_append (png, head, sizeof head);
  g_byte_array_append (png, g_bytes_get_data (zdata, NULL), zlen);
  g_byte_array_append (png, tail, sizeof tail);
  return g_byte_array_free_to_bytes (png);
}

/* Every PNG filter type undone right, and the faults a reader must refuse. Rows of 10 px
 * (2 bytes): the wanted bytes are 0xA5 0xC0 then 0x3C 0x40; each row is written with
 * filter f from the previous row as PNG defines it. */
static void
test_png_1bit_filters (void)
{
  const guint8 want[2][2] = { { 0xA5, 0xC0 }, { 0x3C, 0x40 } };

  for (int f = 0; f <= 4; f++)
    {
      guint8 raw[6] = { 0, want[0][0], want[0][1], (guint8) f, 0, 0 };
      g_autoptr(GBytes) png = NULL;
      g_autoptr(PmMask) back = NULL;
      g_autoptr(GError) error = NULL;

      for (int i = 0; i < 2; i++)
        {
          int a = i > 0 ? want[1][i - 1] : 0, b = want[0][i], c = i > 0 ? want[0][i - 1] : 0;
          int p = a + b - c, pa = ABS (p - a), pb = ABS (p - b), pc = ABS (p - c);
          int pred[5] = { 0, a, b, (a + b) / 2,
                          pa <= pb && pa <= pc ? a : pb <= pc ? b : c };

          raw[4 + i] = (guint8) (want[1][i] - pred[f]);
        }
      png = png_1bit_from_raw (10, 2, raw, sizeof raw);
      back = pm_mask_load_bytes (png, &error);
      g_assert_no_error (error);
      g_assert_cmpint (back->width, ==, 10);
      for (int y = 0; y < 2; y++)
        for (int x = 0; x < 10; x++)
          g_assert_cmpfloat (back->data[y * 10 + x], ==, (want[y][x / 8] >> (7 - x % 8)) & 1);
    }

  {
    const guint8 bad_filter[6] = { 9, 0, 0, 0, 0, 0 };
    const guint8 short_rows[5] = { 0, 0, 0, 0, 0 };
    const guint8 long_rows[7] = { 0 };
    const struct { const guint8 *raw; gsize len; const char *says; } cases[] = {
      { bad_filter, sizeof bad_filter, "filter type 9" },
      { short_rows, sizeof short_rows, "wrong size" },
      { long_rows, sizeof long_rows, "wrong size" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr(GBytes) png = png_1bit_from_raw (10, 2, cases[i].raw, cases[i].len);
        g_autoptr(GError) error = NULL;
        g_autoptr(PmMask) back = pm_mask_load_bytes (png, &error);

        g_assert_null (back);
        g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD);
        g_assert_nonnull (strstr (error->message, cases[i].says));
      }
  }
}

static void
test_png_soft_roundtrip (void)
{
  g_autoptr(PmMask) mask = pm_mask_new (256, 3);
  g_autoptr(PmMask) back = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) error = NULL;

  /* every level, in three row orders (so every PNG filter gets used) */
  for (int x = 0; x < 256; x++)
    {
      mask->data[x] = x / 255.0f;
      mask->data[256 + x] = (255 - x) / 255.0f;
      mask->data[512 + x] = ((x * 97) % 256) / 255.0f;
    }
  png = pm_mask_encode_png (mask, TRUE, &error);
  g_assert_no_error (error);
  back = pm_mask_load_bytes (png, &error);
  g_assert_no_error (error);
  assert_masks_equal (mask, back);

  /* out-of-range and NaN values are clamped */
  mask->data[0] = -3.0f;
  mask->data[1] = 7.0f;
  mask->data[2] = NAN;
  mask->data[3] = 0.5f;   /* 127.5 rounds to even: 128 */
  g_clear_pointer (&png, g_bytes_unref);
  g_clear_pointer (&back, pm_mask_free);
  png = pm_mask_encode_png (mask, TRUE, &error);
  g_assert_no_error (error);
  back = pm_mask_load_bytes (png, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (back->data[0], ==, 0.0f);
  g_assert_cmpfloat (back->data[1], ==, 1.0f);
  g_assert_cmpfloat (back->data[2], ==, 0.0f);
  g_assert_cmpfloat (back->data[3], ==, 128 / 255.0f);
}

static void
test_png_load_rgb_and_alpha (void)
{
  g_autoptr(GdkPixbuf) rgb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 2, 1);
  g_autoptr(GdkPixbuf) rgba = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 2, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmMask) a = NULL;
  g_autoptr(PmMask) b = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint8 *p;
  char *buf = NULL;
  gsize len = 0;

  /* RGB: luma, Rec. 601 weights: (255, 0, 0) → 76, (0, 0, 255) → 29 */
  p = gdk_pixbuf_get_pixels (rgb);
  p[0] = 255; p[1] = 0; p[2] = 0;
  p[3] = 0; p[4] = 0; p[5] = 255;
  g_assert_true (gdk_pixbuf_save_to_buffer (rgb, &buf, &len, "png", &error, NULL));
  bytes = g_bytes_new_take (buf, len);
  a = pm_mask_load_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (a->data[0], 76 / 255.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (a->data[1], 29 / 255.0f, 1e-6);
  g_clear_pointer (&bytes, g_bytes_unref);

  /* RGBA with one flat colour and varying alpha: the alpha is the mask */
  p = gdk_pixbuf_get_pixels (rgba);
  p[0] = 255; p[1] = 255; p[2] = 255; p[3] = 0;
  p[4] = 255; p[5] = 255; p[6] = 255; p[7] = 200;
  g_assert_true (gdk_pixbuf_save_to_buffer (rgba, &buf, &len, "png", &error, NULL));
  bytes = g_bytes_new_take (buf, len);
  b = pm_mask_load_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (b->data[0], ==, 0.0f);
  g_assert_cmpfloat_with_epsilon (b->data[1], 200 / 255.0f, 1e-6);
}

static void
test_png_errors (void)
{
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *txt = g_build_filename (dir, "not-a-mask.png", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.png", NULL);
  g_autofree char *bad_dir = g_build_filename (dir, "no-such-dir", "out.png", NULL);
  g_autoptr(PmMask) mask = pm_mask_new (2, 2);
  g_autoptr(GBytes) garbage = g_bytes_new_static ("\x89PNG\r\n\x1a\n\0\0", 10);
  PmMask empty = { 0, 0, NULL };
  GError *error = NULL;

  g_assert_true (g_file_set_contents (txt, "hello, I am text", -1, NULL));
  g_assert_null (pm_mask_load_png (txt, &error));
  g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD);
  g_clear_error (&error);

  g_assert_null (pm_mask_load_png (missing, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "missing.png"));
  g_clear_error (&error);

  g_assert_null (pm_mask_load_bytes (garbage, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_assert_false (pm_mask_save_png (mask, bad_dir, FALSE, &error));
  g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_SAVE);
  g_assert_nonnull (strstr (error->message, "out.png"));
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);

  g_assert_null (pm_mask_encode_png (&empty, FALSE, &error));
  g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_EMPTY);
  g_clear_error (&error);

  pm_test_rmdir (dir);
}

/* ------------------------------------------------------------------ RLE */

/* Hand-computed from the algorithm (column-major runs starting with 0s; deltas against
 * counts[i-2] for i > 2; 5-bit chunks, 0x20 = more, 0x10 = sign in the last chunk; +48):
 *
 * a) 3×3, rows "010" "011" "000". Columns top to bottom: 0 0 0 | 1 1 0 | 0 1 0, so the runs
 *    are 3 2 2 1 1. Values written: 3, 2, 2, 1−2 = −1, 1−2 = −1. −1 is the chunk 31 (0x1f,
 *    sign bit set, nothing left) → '0' + 31 = 'O'. String "322OO".
 * b) 10×10 all foreground: runs 0 100. 100 = 3·32 + 4: chunk 4 with "more" (36 → 'T'),
 *    then 3 → '3'. String "0T3".
 * c) 4×3 (w 4, h 3), rows "1100" "1001" "0011". Columns: 110 | 100 | 001 | 011, runs
 *    0 2 1 1 4 1 1 2 → written 0, 2, 1, 1−2 = −1 'O', 4−1 = 3, 1−1 = 0, 1−4 = −3 (chunk 29
 *    → 'M'), 2−1 = 1. String "021O30M1".
 * d) runs 0 1000 24 2000 (h 3024, w 1): 1000 = 31·32 + 8: chunk 8 + more ('X'), chunk 31
 *    has the sign bit but the number is positive, so one more chunk: 31 + more ('o'),
 *    then 0 ('0'). 24 (i = 2, absolute) also has the sign bit: 24 + more ('h'), '0'.
 *    2000 − 1000 = 1000 again. String "0" "Xo0" "h0" "Xo0".
 * e) runs 5 40 60 3 (12×9 = 108 px): 5 → '5'; 40 = 32 + 8 → 'X' '1'; 60 = 32 + 28: chunk 28
 *    (sign bit set, more) → 'l', then '1'; 3 − 40 = −37: low 5 bits 27 + more → 'k', then
 *    −2 → chunk 30 → 'N'. String "5X1l1kN". */
static void
test_rle_known (void)
{
  g_autoptr(PmMask) a = mask_from (3, 3, "010011000");
  g_autoptr(PmMask) b = pm_mask_new (10, 10);
  g_autoptr(PmMask) c = mask_from (4, 3, "110010010011");
  g_autoptr(PmMask) e = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sa = pm_mask_to_rle (a);
  g_autofree char *sb = NULL;
  g_autofree char *sc = pm_mask_to_rle (c);
  g_autofree char *se = NULL;

  for (int i = 0; i < 100; i++)
    b->data[i] = 1.0f;
  sb = pm_mask_to_rle (b);
  g_assert_cmpstr (sa, ==, "322OO");
  g_assert_cmpstr (sb, ==, "0T3");
  g_assert_cmpstr (sc, ==, "021O30M1");

  /* decode d) and check the runs column-major */
  {
    g_autoptr(PmMask) d = pm_mask_from_rle ("0Xo0h0Xo0", 1, 3024, &error);
    g_autofree char *sd = NULL;

    g_assert_no_error (error);
    g_assert_cmpint (d->width, ==, 1);
    g_assert_cmpint (d->height, ==, 3024);
    g_assert_cmpint (pm_mask_count (d), ==, 3000);
    g_assert_cmpfloat (d->data[999], ==, 1.0f);
    g_assert_cmpfloat (d->data[1000], ==, 0.0f);
    g_assert_cmpfloat (d->data[1023], ==, 0.0f);
    g_assert_cmpfloat (d->data[1024], ==, 1.0f);
    sd = pm_mask_to_rle (d);
    g_assert_cmpstr (sd, ==, "0Xo0h0Xo0");
  }

  /* decode e): 12 wide, 9 high; pixel k in column order is (k / 9, k % 9) */
  e = pm_mask_from_rle ("5X1l1kN", 12, 9, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_mask_count (e), ==, 40 + 3);
  g_assert_cmpfloat (e->data[4 * 12 + 0], ==, 0.0f);    /* k = 4 */
  g_assert_cmpfloat (e->data[5 * 12 + 0], ==, 1.0f);    /* k = 5: column 0, row 5 */
  g_assert_cmpfloat (e->data[8 * 12 + 4], ==, 1.0f);    /* k = 44: column 4, row 8 */
  g_assert_cmpfloat (e->data[0 * 12 + 5], ==, 0.0f);    /* k = 45 */
  g_assert_cmpfloat (e->data[3 * 12 + 11], ==, 0.0f);   /* k = 102 */
  g_assert_cmpfloat (e->data[6 * 12 + 11], ==, 1.0f);   /* k = 105: last run 105..107 */
  g_assert_cmpfloat (e->data[8 * 12 + 11], ==, 1.0f);
  se = pm_mask_to_rle (e);
  g_assert_cmpstr (se, ==, "5X1l1kN");

  /* the same runs compressed directly */
  {
    static const gint64 runs_a[] = { 3, 2, 2, 1, 1 };
    static const gint64 runs_d[] = { 0, 1000, 24, 2000 };
    static const gint64 runs_e[] = { 5, 40, 60, 3 };
    g_autofree char *ca = pm_rle_compress_counts (runs_a, G_N_ELEMENTS (runs_a));
    g_autofree char *cd = pm_rle_compress_counts (runs_d, G_N_ELEMENTS (runs_d));
    g_autofree char *ce = pm_rle_compress_counts (runs_e, G_N_ELEMENTS (runs_e));
    g_autofree char *none = pm_rle_compress_counts (NULL, 0);

    g_assert_cmpstr (ca, ==, "322OO");
    g_assert_cmpstr (cd, ==, "0Xo0h0Xo0");
    g_assert_cmpstr (ce, ==, "5X1l1kN");
    g_assert_cmpstr (none, ==, "");
  }

  /* decode a) back */
  {
    g_autoptr(PmMask) back = pm_mask_from_rle (sa, 3, 3, &error);

    g_assert_no_error (error);
    assert_masks_equal (a, back);
  }
}

static void
test_rle_roundtrip (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1234);

  for (int n = 0; n < 300; n++)
    {
      int w = g_rand_int_range (rand, 1, 70);
      int h = g_rand_int_range (rand, 1, 70);
      double density = n % 3 == 0 ? 0.5 : n % 3 == 1 ? 0.05 : 0.002;
      g_autoptr(PmMask) mask = random_mask (rand, w, h, density);
      g_autoptr(PmMask) back = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *rle = pm_mask_to_rle (mask);

      for (const char *p = rle; *p; p++)
        g_assert_true (*p >= 48 && *p <= 111);
      back = pm_mask_from_rle (rle, w, h, &error);
      g_assert_no_error (error);
      assert_masks_equal (mask, back);
    }

  /* a large mask with very long runs */
  {
    g_autoptr(PmMask) big = pm_mask_new (2000, 1500);
    g_autoptr(PmMask) back = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *rle = NULL;

    for (int y = 100; y < 1400; y++)
      for (int x = 10; x < 1990; x++)
        big->data[y * 2000 + x] = 1.0f;
    rle = pm_mask_to_rle (big);
    back = pm_mask_from_rle (rle, 2000, 1500, &error);
    g_assert_no_error (error);
    assert_masks_equal (big, back);
  }
}

static void
test_rle_errors (void)
{
  static const struct { const char *counts; int w, h; int code; } bad[] = {
    { "322O ", 3, 3, PM_IMAGE_ERROR_LOAD },     /* space is below '0' */
    { "32p", 3, 3, PM_IMAGE_ERROR_LOAD },       /* 'p' is above 'o' */
    { "32\xff", 3, 3, PM_IMAGE_ERROR_LOAD },
    { "0T", 10, 10, PM_IMAGE_ERROR_LOAD },      /* ends inside a number */
    { "0T3", 5, 5, PM_IMAGE_ERROR_LOAD },       /* 100 pixels in a 25-pixel mask */
    { "0T3", 10, 11, PM_IMAGE_ERROR_LOAD },     /* covers 100 of 110 pixels */
    { "", 3, 3, PM_IMAGE_ERROR_LOAD },
    { "322OO1", 3, 3, PM_IMAGE_ERROR_LOAD },    /* one run too many */
    { "32O", 3, 3, PM_IMAGE_ERROR_LOAD },       /* run −1 (no delta before i = 3) */
    { "322M", 3, 3, PM_IMAGE_ERROR_LOAD },      /* −3 + 2: a negative run */
    { "ooooooooooooo0", 3, 3, PM_IMAGE_ERROR_LOAD },  /* number too long */
    { "0", 0, 0, PM_IMAGE_ERROR_EMPTY },
    { "0", -3, 3, PM_IMAGE_ERROR_EMPTY },
    { "0", 100000, 100000, PM_IMAGE_ERROR_TOO_LARGE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      GError *error = NULL;
      PmMask *mask = pm_mask_from_rle (bad[i].counts, bad[i].w, bad[i].h, &error);
      g_autofree char *escaped = g_strescape (bad[i].counts, NULL);

      g_test_message ("“%s” %d×%d", escaped, bad[i].w, bad[i].h);
      g_assert_null (mask);
      g_assert_error (error, PM_IMAGE_ERROR, bad[i].code);
      g_assert_null (strchr (error->message, '\n'));
      g_clear_error (&error);
    }
}

static void
test_rle_fuzz (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (99);

  /* Random strings of valid characters: decoding either fails cleanly or gives a mask
   * whose re-encoding decodes to the same mask. */
  for (int n = 0; n < 3000; n++)
    {
      int len = g_rand_int_range (rand, 0, 12);
      char buf[16];
      int w = g_rand_int_range (rand, 1, 8);
      int h = g_rand_int_range (rand, 1, 8);
      GError *error = NULL;
      g_autoptr(PmMask) mask = NULL;

      for (int i = 0; i < len; i++)
        buf[i] = (char) g_rand_int_range (rand, 40, 120);
      buf[len] = '\0';
      mask = pm_mask_from_rle (buf, w, h, &error);
      if (mask == NULL)
        {
          g_assert_nonnull (error);
          g_clear_error (&error);
        }
      else
        {
          g_autofree char *again = pm_mask_to_rle (mask);
          g_autoptr(PmMask) back = pm_mask_from_rle (again, w, h, &error);

          g_assert_no_error (error);
          assert_masks_equal (mask, back);
        }
    }
}

/* ---------------------------------------------------------------- ground-truth labels */

/* The layout of make-label-masks.py: which objects (1 = A, 2 = B) a mask holds. */
static void
assert_objects (const PmMask *mask,
                int           objects,
                const char   *what)
{
  g_assert_cmpint (mask->width, ==, 40);
  g_assert_cmpint (mask->height, ==, 30);
  for (int y = 0; y < 30; y++)
    for (int x = 0; x < 40; x++)
      {
        gboolean in_a = x >= 5 && x < 15 && y >= 5 && y < 15;
        gboolean in_b = x >= 20 && x < 35 && y >= 10 && y < 25;
        gboolean want = ((objects & 1) && in_a) || ((objects & 2) && in_b);
        if ((mask->data[(gsize) y * 40 + x] == 1.0f) != want)
          g_error ("%s: pixel (%d, %d) is %g, wanted %d", what, x, y,
                   mask->data[(gsize) y * 40 + x], want);
      }
}

/* Masks stored as 0/1, 0/255, 1-bit, palette (8- and 2-bit), 16-bit labels, RGB, RGBA cutout,
 * RGBA colours and grey + alpha, written by Pillow: any non-zero label is the object, and a
 * picked value selects one. */
static void
test_labels (void)
{
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *script = pm_test_source_path ("tests/fixtures/make-label-masks.py");
  const char *argv[] = { "/usr/bin/python3", script, dir, NULL };
  static const struct { const char *file; const char *pick; int objects; } cases[] = {
    { "grey-01.png", NULL, 3 },       { "grey-01.png", "1", 3 },
    { "grey-0255.png", NULL, 3 },
    { "grey-0255.png", "255", 3 },    { "grey-1bit.png", NULL, 3 },
    { "palette.png", NULL, 3 },       { "palette.png", "1", 1 },
    { "palette.png", "2", 2 },        { "palette-2bit.png", NULL, 3 },
    { "palette-2bit.png", "2", 2 },   { "grey-16bit.png", NULL, 3 },
    { "grey-16bit.png", "1000", 1 },  { "grey-16bit.png", "2000", 2 },
    { "rgb.png", NULL, 3 },           { "rgb.png", "255", 3 },
    { "rgb.png", "#ffffff", 3 },      { "rgba-cutout.png", NULL, 3 },
    { "rgba-colour.png", NULL, 3 },   { "rgba-colour.png", "#0000ff", 2 },
    { "rgba-colour.png", "#ff0000", 1 }, { "grey-alpha.png", NULL, 3 },
    { "grey-alpha.png", "200", 3 },   { "grey-alpha.png", "#c8c8c8", 3 },
    /* A colour in a palette image picks the indices of that colour (VOC masks by colour). */
    { "palette.png", "#800000", 1 },  { "palette.png", "#008000", 2 },
    { "palette-2bit.png", "#008000", 2 },
  };
  /* Values the file cannot hold are refused, not read as an empty object. */
  static const struct { const char *file; const char *pick; } impossible[] = {
    { "palette.png", "#0000ff" },     { "grey-01.png", "#ff0000" },
    { "grey-1bit.png", "2" },         { "palette-2bit.png", "4" },
    { "rgb.png", "256" },
  };
  GError *error = NULL;
  int status = 0;

  if (!pm_test_have_python ("numpy, PIL"))
    return;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *path = g_build_filename (dir, cases[c].file, NULL);
      g_autofree char *what = g_strdup_printf ("%s (value %s)", cases[c].file,
                                               cases[c].pick ? cases[c].pick : "any");
      g_autoptr(PmMask) mask = pm_mask_load_labels (path, cases[c].pick, &error);

      g_assert_no_error (error);
      assert_objects (mask, cases[c].objects, what);
    }
  for (gsize c = 0; c < G_N_ELEMENTS (impossible); c++)
    {
      g_autofree char *path = g_build_filename (dir, impossible[c].file, NULL);
      g_autoptr(PmMask) mask = pm_mask_load_labels (path, impossible[c].pick, &error);

      g_assert_null (mask);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, impossible[c].file));
      g_assert_null (strchr (error->message, '\n'));
      g_clear_error (&error);
    }

  /* A bad value is refused, and so is a pick in a JPEG (no exact values). */
  {
    g_autofree char *path = g_build_filename (dir, "grey-01.png", NULL);
    g_assert_false (pm_mask_label_pick_is_valid ("blue"));
    g_assert_false (pm_mask_label_pick_is_valid ("-3"));
    g_assert_false (pm_mask_label_pick_is_valid ("#12345"));
    g_assert_true (pm_mask_label_pick_is_valid ("#a0B0c0"));
    g_assert_null (pm_mask_load_labels (path, "blue", &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
  pm_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/maskio/png-binary-roundtrip", test_png_binary_roundtrip);
  g_test_add_func ("/core/maskio/png-is-grey", test_png_is_grey);
  g_test_add_func ("/core/maskio/png-1bit", test_png_1bit);
  g_test_add_func ("/core/maskio/png-1bit-hostile", test_png_1bit_hostile);
  g_test_add_func ("/core/maskio/png-1bit-filters", test_png_1bit_filters);
  g_test_add_func ("/core/maskio/png-soft-roundtrip", test_png_soft_roundtrip);
  g_test_add_func ("/core/maskio/png-load-rgb-and-alpha", test_png_load_rgb_and_alpha);
  g_test_add_func ("/core/maskio/png-errors", test_png_errors);
  g_test_add_func ("/core/maskio/rle-known", test_rle_known);
  g_test_add_func ("/core/maskio/rle-roundtrip", test_rle_roundtrip);
  g_test_add_func ("/core/maskio/rle-errors", test_rle_errors);
  g_test_add_func ("/core/maskio/rle-fuzz", test_rle_fuzz);
  g_test_add_func ("/core/maskio/labels", test_labels);
  return g_test_run ();
}
