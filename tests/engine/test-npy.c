/* test-npy.c: float32 .npy reading and writing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "pm-npy.h"
#include "pm-test-util.h"

static void
test_roundtrip (void)
{
  g_autofree char *dir = pm_test_tmpdir ();
  const gint64 shapes[][3] = { { 0 }, { 5 }, { 2, 3, 4 } };
  const int nds[] = { 0, 1, 3 };

  for (guint c = 0; c < G_N_ELEMENTS (nds); c++)
    {
      g_autofree char *path = g_strdup_printf ("%s/a%u.npy", dir, c);
      float data[24];
      gint64 shape[PM_NPY_MAX_DIMS];
      int nd = -1;
      gint64 numel = 1;
      g_autoptr(GError) error = NULL;
      g_autofree float *back = NULL;
      g_autofree char *raw = NULL;
      gsize len;

      for (int i = 0; i < nds[c]; i++)
        numel *= shapes[c][i];
      for (int i = 0; i < 24; i++)
        data[i] = 0.5f * i - 3.0f;
      g_assert_true (pm_npy_save (path, data, nds[c], shapes[c], &error));
      g_assert_no_error (error);
      /* header padded so the data starts on a 64-byte boundary, ending in '\n' */
      g_assert_true (g_file_get_contents (path, &raw, &len, NULL));
      g_assert_cmpuint ((len - numel * 4) % 64, ==, 0);
      g_assert_cmpint (raw[len - numel * 4 - 1], ==, '\n');
      back = pm_npy_load (path, &nd, shape, &error);
      g_assert_no_error (error);
      g_assert_cmpint (nd, ==, nds[c]);
      for (int i = 0; i < nd; i++)
        g_assert_cmpint (shape[i], ==, shapes[c][i]);
      g_assert_cmpmem (back, numel * 4, data, numel * 4);
    }
  pm_test_rmdir (dir);
}

/* Files written by NumPy: the fixture (C order and a Fortran-order dump). */
static void
test_numpy_files (void)
{
  g_autofree char *p1 = pm_test_shared_path ("data/clipseg-fixture/expected/case01.logits.npy");
  g_autofree char *p2 =
    pm_test_shared_path ("data/clipseg-fixture/expected/case03-dump/vision.patch_embeds.npy");
  g_autofree char *p3 =
    pm_test_shared_path ("data/clipseg-fixture/expected/case03-dump/text.eos_index.npy");
  g_autoptr(GError) error = NULL;
  gint64 shape[PM_NPY_MAX_DIMS];
  int nd;
  g_autofree float *a = NULL, *b = NULL;

  a = pm_npy_load (p1, &nd, shape, &error);
  g_assert_no_error (error);
  g_assert_cmpint (nd, ==, 3);
  g_assert_cmpint (shape[0], ==, 1);
  g_assert_cmpint (shape[1], ==, 64);
  b = pm_npy_load (p2, &nd, shape, &error);
  g_assert_no_error (error);
  g_assert_cmpint (nd, ==, 3);
  g_assert_cmpint (shape[2], ==, 64);
  /* int64: a clear error */
  g_assert_null (pm_npy_load (p3, &nd, shape, &error));
  g_assert_error (error, PM_NPY_ERROR, PM_NPY_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "float32"));
}

/* Fortran order is reordered to C order. */
static void
test_fortran (void)
{
  const char hdr[] = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }";
  GByteArray *b = g_byte_array_new ();
  float col_major[6] = { 0, 3, 1, 4, 2, 5 };   /* [[0,1,2],[3,4,5]] column by column */
  guint16 hlen = sizeof hdr - 1;
  g_autoptr(GError) error = NULL;
  gint64 shape[PM_NPY_MAX_DIMS];
  int nd;
  g_autofree float *d = NULL;

  g_byte_array_append (b, (const guint8 *) "\x93NUMPY\x01\x00", 8);
  g_byte_array_append (b, (const guint8 *) &hlen, 2);
  g_byte_array_append (b, (const guint8 *) hdr, hlen);
  g_byte_array_append (b, (const guint8 *) col_major, sizeof col_major);
  d = pm_npy_decode (b->data, b->len, "f.npy", &nd, shape, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat (d[i], ==, (float) i);
  g_byte_array_unref (b);
}

static void
expect_bad (const guint8 *buf,
            gsize         len,
            const char   *mention)
{
  g_autoptr(GError) error = NULL;
  gint64 shape[PM_NPY_MAX_DIMS];
  int nd;

  g_assert_null (pm_npy_decode (buf, len, "bad.npy", &nd, shape, &error));
  g_assert_error (error, PM_NPY_ERROR, PM_NPY_ERROR_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "bad.npy"));
  g_assert_nonnull (strstr (error->message, mention));
}

static void
expect_bad_header (const char *dict,
                   gsize       data_len,
                   const char *mention)
{
  GByteArray *b = g_byte_array_new ();
  guint16 hlen = (guint16) strlen (dict);
  g_autofree guint8 *zeros = g_malloc0 (data_len + 1);

  g_byte_array_append (b, (const guint8 *) "\x93NUMPY\x01\x00", 8);
  g_byte_array_append (b, (const guint8 *) &hlen, 2);
  g_byte_array_append (b, (const guint8 *) dict, hlen);
  g_byte_array_append (b, zeros, (guint) data_len);
  expect_bad (b->data, b->len, mention);
  g_byte_array_unref (b);
}

static void
test_malformed (void)
{
  expect_bad ((const guint8 *) "hello world", 11, "not a .npy");
  expect_bad ((const guint8 *) "\x93NUMPY\x09\x00\x10\x00", 10, "version");
  expect_bad ((const guint8 *) "\x93NUMPY\x01\x00\xff\x7f{}", 12, "past the end");
  expect_bad ((const guint8 *) "\x93NUMPY\x02\x00\xff\xff", 10, "truncated");
  expect_bad_header ("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16, "float32");
  expect_bad_header ("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8, "float32");
  expect_bad_header ("{'descr': '<f4', 'shape': (2,), }", 8, "fortran_order");
  expect_bad_header ("{'descr': '<f4', 'fortran_order': False, }", 8, "shape");
  expect_bad_header ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", 8, "shape");
  expect_bad_header ("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8, "shape");
  expect_bad_header ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 8, "size");
  expect_bad_header ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 9, "size");
  expect_bad_header ("{'descr': '<f4', 'fortran_order': False, "
                     "'shape': (4294967295, 4294967295, 4294967295), }", 8, "shape");
  expect_bad_header ("{'descr': '<f4', 'fortran_order': False, "
                     "'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }", 4, "shape");
}

static void
test_missing_file (void)
{
  g_autoptr(GError) error = NULL;
  gint64 shape[PM_NPY_MAX_DIMS];
  int nd;

  g_assert_null (pm_npy_load ("/nonexistent/x.npy", &nd, shape, &error));
  g_assert_error (error, PM_NPY_ERROR, PM_NPY_ERROR_IO);
  g_clear_error (&error);
  g_assert_false (pm_npy_save ("/nonexistent/x.npy", (float[]) { 1 }, 1, (gint64[]) { 1 },
                               &error));
  g_assert_error (error, PM_NPY_ERROR, PM_NPY_ERROR_IO);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/npy/roundtrip", test_roundtrip);
  pm_test_add_shared_func ("/engine/npy/numpy-files", "data/clipseg-fixture/expected", test_numpy_files);
  g_test_add_func ("/engine/npy/fortran", test_fortran);
  g_test_add_func ("/engine/npy/malformed", test_malformed);
  g_test_add_func ("/engine/npy/missing-file", test_missing_file);
  return g_test_run ();
}
