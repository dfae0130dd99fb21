/* test-safetensors.c: the safetensors reader on valid and malformed files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "pm-safetensors.h"
#include "pm-test-util.h"

static char *tmpdir;

/* Writes u64 header length + @header (padded with @pad spaces) + @data_len bytes of @data
 * (zeros if NULL) and returns the path. @hlen_override replaces the length field if ≠ 0. */
static char *
write_file (const char   *name,
            const char   *header,
            const guint8 *data,
            gsize         data_len,
            guint64       hlen_override)
{
  char *path = g_build_filename (tmpdir, name, NULL);
  GByteArray *b = g_byte_array_new ();
  guint64 hlen = hlen_override ? hlen_override : strlen (header);
  guint8 le[8];
  g_autofree guint8 *zeros = g_malloc0 (data_len + 1);

  for (int i = 0; i < 8; i++)
    le[i] = (guint8) (hlen >> (8 * i));
  g_byte_array_append (b, le, 8);
  g_byte_array_append (b, (const guint8 *) header, (guint) strlen (header));
  g_byte_array_append (b, data != NULL ? data : zeros, (guint) data_len);
  g_assert_true (g_file_set_contents (path, (const char *) b->data, b->len, NULL));
  g_byte_array_unref (b);
  return path;
}

static void
expect_error (const char *name,
              const char *header,
              gsize       data_len,
              guint64     hlen_override,
              int         code,
              const char *mention)
{
  g_autofree char *path = write_file (name, header, NULL, data_len, hlen_override);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSafetensors) st = pm_safetensors_open (path, &error);

  g_assert_null (st);
  g_assert_error (error, PM_SAFETENSORS_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, name));
  if (mention != NULL)
    g_assert_nonnull (strstr (error->message, mention));
}

static void
test_valid (void)
{
  /* F32 [2,3] at 0..24, F16 [4] at 24..32, BF16 [2] at 32..36, scalar F32 at 36..40,
   * I64 [1] at 40..48 */
  const char *header =
    "{\"__metadata__\":{\"format\":\"pt\"},"
    "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
    "\"h\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[24,32]},"
    "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[32,36]},"
    "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[36,40]},"
    "\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[40,48]}}";
  guint8 data[48] = { 0 };
  float a[6] = { 1, -2, 3.5f, 0, 1e-3f, -7 };
  guint16 h[4] = { 0x3c00, 0xc000, 0x3800, 0x7bff };   /* 1, −2, 0.5, 65504 */
  guint16 bf[2] = { 0x3f80, 0xc0a0 };                  /* 1, −5 */
  float s = 42.0f;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSafetensors) st = NULL;
  PmTensor t;

  memcpy (data, a, 24);
  memcpy (data + 24, h, 8);
  memcpy (data + 32, bf, 4);
  memcpy (data + 36, &s, 4);
  path = write_file ("valid.safetensors", header, data, sizeof data, 0);
  st = pm_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pm_safetensors_get_n_tensors (st), ==, 5);
  g_assert_cmpstr (pm_safetensors_get_metadata (st, "format"), ==, "pt");
  g_assert_cmpstr (pm_safetensors_get_nth (st, 0)->name, ==, "a");
  g_assert_null (pm_safetensors_lookup (st, "nope"));

  g_assert_true (pm_safetensors_get_f32 (st, "a", &t, &error));
  g_assert_cmpint (t.n_dims, ==, 2);
  g_assert_cmpint (t.shape[0], ==, 2);
  g_assert_cmpint (t.shape[1], ==, 3);
  g_assert_cmpmem (t.data, 24, a, 24);
  g_assert_true (pm_safetensors_get_f32 (st, "h", &t, &error));
  g_assert_cmpfloat (t.data[0], ==, 1.0f);
  g_assert_cmpfloat (t.data[1], ==, -2.0f);
  g_assert_cmpfloat (t.data[2], ==, 0.5f);
  g_assert_cmpfloat (t.data[3], ==, 65504.0f);
  g_assert_true (pm_safetensors_get_f32 (st, "b", &t, &error));
  g_assert_cmpfloat (t.data[0], ==, 1.0f);
  g_assert_cmpfloat (t.data[1], ==, -5.0f);
  g_assert_true (pm_safetensors_get_f32 (st, "s", &t, &error));
  g_assert_cmpint (t.n_dims, ==, 0);
  g_assert_cmpfloat (t.data[0], ==, 42.0f);
  g_assert_no_error (error);

  g_assert_false (pm_safetensors_get_f32 (st, "i", &t, &error));
  g_assert_error (error, PM_SAFETENSORS_ERROR, PM_SAFETENSORS_ERROR_DTYPE);
  g_clear_error (&error);
  g_assert_false (pm_safetensors_get_f32 (st, "nope", &t, &error));
  g_assert_error (error, PM_SAFETENSORS_ERROR, PM_SAFETENSORS_ERROR_MISSING);
}

/* Long tensors go through the vectorised scan (64 bytes at a time, blocks of 4096
 * elements): a single bad element is found wherever it sits (first, in the middle of a
 * vector, at a block's edge, in the odd half of a 32-bit lane, in the tail) and named by
 * its index; near-misses (all exponent bits but one) pass. */
static void
test_nonfinite_long (void)
{
  const struct {
    const char *dtype;
    gsize       size;
    guint32     bad_bits;
    guint32     finite_bits;
  } kinds[] = {
    { "F32", 4, 0x7f800000, 0x7f7fffff },
    { "F16", 2, 0xfc00, 0x7bff },
    { "BF16", 2, 0x7fc1, 0x7f7f },
  };
  const gsize n = 10000;   /* two full blocks and a tail that is not a multiple of 16 */
  const gsize where[] = { 0, 5, 6, 17, 4095, 4096, 4097, 8191, 9990, 9999 };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (guint w = 0; w <= G_N_ELEMENTS (where); w++)
      {
        gsize sz = kinds[k].size;
        g_autofree char *header = g_strdup_printf ("{\"w\":{\"dtype\":\"%s\",\"shape\":[%"
                                                   G_GSIZE_FORMAT "],\"data_offsets\":[0,%"
                                                   G_GSIZE_FORMAT "]}}", kinds[k].dtype, n,
                                                   n * sz);
        g_autofree char *name = g_strdup_printf ("long-%u-%u.safetensors", k, w);
        g_autofree guint8 *data = g_malloc (n * sz);
        g_autofree char *path = NULL;
        g_autofree char *expected = NULL;
        g_autoptr(PmSafetensors) st = NULL;
        g_autoptr(GError) error = NULL;
        gboolean finite;

        for (gsize i = 0; i < n; i++)
          memcpy (data + i * sz, &kinds[k].finite_bits, sz);
        if (w < G_N_ELEMENTS (where))
          memcpy (data + where[w] * sz, &kinds[k].bad_bits, sz);
        path = write_file (name, header, data, n * sz, 0);
        st = pm_safetensors_open (path, &error);
        g_assert_no_error (error);
        finite = pm_safetensors_check_finite (st, pm_safetensors_lookup (st, "w"), &error);
        if (w == G_N_ELEMENTS (where))
          {
            g_assert_no_error (error);
            g_assert_true (finite);
            continue;
          }
        g_assert_false (finite);
        g_assert_error (error, PM_SAFETENSORS_ERROR, PM_SAFETENSORS_ERROR_TENSOR);
        expected = g_strdup_printf ("element %" G_GSIZE_FORMAT " is NaN or infinite", where[w]);
        g_assert_nonnull (strstr (error->message, expected));
      }
}

/* A NaN or an infinity in any float dtype is refused naming the tensor and the element;
 * the same bit patterns in an integer tensor are fine. */
static void
test_nonfinite (void)
{
  const struct {
    const char *dtype;
    gsize       size;
    guint64     bits;     /* element 1; elements 0 and 2 are zero */
    gboolean    bad;
  } cases[] = {
    { "F32", 4, 0x7fc00000, TRUE },          /* NaN */
    { "F32", 4, 0xff800000, TRUE },          /* −inf */
    { "F32", 4, 0x7f7fffff, FALSE },         /* the largest finite float */
    { "F16", 2, 0x7c00, TRUE },              /* +inf */
    { "F16", 2, 0x7e01, TRUE },              /* NaN */
    { "F16", 2, 0x7bff, FALSE },             /* 65504 */
    { "BF16", 2, 0x7fc0, TRUE },
    { "BF16", 2, 0xff80, TRUE },
    { "BF16", 2, 0x7f7f, FALSE },
    { "F64", 8, G_GUINT64_CONSTANT (0x7ff8000000000000), TRUE },
    { "F8_E4M3", 1, 0xff, TRUE },            /* its only NaN pattern (no inf) */
    { "F8_E4M3", 1, 0x7e, FALSE },           /* 448 */
    { "F8_E5M2", 1, 0x7c, TRUE },
    { "I32", 4, 0x7fc00000, FALSE },
    { "I16", 2, 0x7c00, FALSE },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      gsize sz = cases[c].size;
      g_autofree char *header = g_strdup_printf ("{\"w\":{\"dtype\":\"%s\",\"shape\":[3],"
                                                 "\"data_offsets\":[0,%" G_GSIZE_FORMAT "]}}",
                                                 cases[c].dtype, 3 * sz);
      g_autofree char *name = g_strdup_printf ("nonfinite-%u.safetensors", c);
      g_autofree char *path = NULL;
      g_autoptr(PmSafetensors) st = NULL;
      g_autoptr(GError) error = NULL;
      guint8 data[24] = { 0 };
      gboolean finite;
      PmTensor t;

      memcpy (data + sz, &cases[c].bits, sz);
      path = write_file (name, header, data, 3 * sz, 0);
      st = pm_safetensors_open (path, &error);
      g_assert_no_error (error);
      finite = pm_safetensors_check_finite (st, pm_safetensors_lookup (st, "w"), &error);
      g_assert_cmpint (finite, ==, !cases[c].bad);
      if (!cases[c].bad)
        {
          g_assert_no_error (error);
          continue;
        }
      g_assert_error (error, PM_SAFETENSORS_ERROR, PM_SAFETENSORS_ERROR_TENSOR);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, name));
      g_assert_nonnull (strstr (error->message, "“w”"));
      g_assert_nonnull (strstr (error->message, "element 1 is NaN or infinite"));
      g_clear_error (&error);
      /* Every way to the values refuses them. */
      g_assert_false (pm_safetensors_get_f32 (st, "w", &t, &error));
      g_assert_error (error, PM_SAFETENSORS_ERROR, PM_SAFETENSORS_ERROR_TENSOR);
    }

  /* Far into a large tensor (past the first block of the scan). */
  {
    const char *header = "{\"big\":{\"dtype\":\"F32\",\"shape\":[10000],"
                         "\"data_offsets\":[0,40000]}}";
    g_autofree float *values = g_new0 (float, 10000);
    g_autofree char *path = NULL;
    g_autoptr(PmSafetensors) st = NULL;
    g_autoptr(GError) error = NULL;
    PmTensor t;

    values[9876] = INFINITY;
    path = write_file ("nonfinite-big.safetensors", header, (const guint8 *) values,
                       40000, 0);
    st = pm_safetensors_open (path, &error);
    g_assert_no_error (error);
    g_assert_false (pm_safetensors_get_f32 (st, "big", &t, &error));
    g_assert_error (error, PM_SAFETENSORS_ERROR, PM_SAFETENSORS_ERROR_TENSOR);
    g_assert_nonnull (strstr (error->message, "element 9876 "));
  }
}

/* Found by fuzz-safetensors: a raw newline in the JSON header (the parser's message) or an
 * escaped one in a tensor name made a multi-line error. Every error is one line. */
static void
test_one_line_errors (void)
{
  const char *headers[] = {
    "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\n\":[0,4]}}",
    "{\"a\\nb\":{\"dtype\":\"F17\",\"shape\":[1],\"data_offsets\":[0,4]}}",
    "{\"a\\r\\nb\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
    {
      g_autofree char *name = g_strdup_printf ("lines-%u.safetensors", i);
      g_autofree char *path = write_file (name, headers[i], NULL, 4, 0);
      g_autoptr(GError) error = NULL;
      g_autoptr(PmSafetensors) st = pm_safetensors_open (path, &error);

      g_assert_null (st);
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_null (strchr (error->message, '\n'));
      g_assert_null (strchr (error->message, '\r'));
    }
  {
    g_autofree char *path = write_file ("lines-nan.safetensors",
                                        "{\"x\\ny\":{\"dtype\":\"F32\",\"shape\":[1],"
                                        "\"data_offsets\":[0,4]}}",
                                        (const guint8 *) "\x00\x00\xc0\x7f", 4, 0);
    g_autoptr(GError) error = NULL;
    g_autoptr(PmSafetensors) st = pm_safetensors_open (path, &error);
    PmTensor t;

    g_assert_no_error (error);
    g_assert_false (pm_safetensors_get_f32 (st, "x\ny", &t, &error));
    g_assert_error (error, PM_SAFETENSORS_ERROR, PM_SAFETENSORS_ERROR_TENSOR);
    g_assert_null (strchr (error->message, '\n'));
    g_clear_error (&error);
    g_assert_false (pm_safetensors_get_f32 (st, "no\nsuch", &t, &error));
    g_assert_null (strchr (error->message, '\n'));
  }
}

/* A header whose length is not a multiple of 4 puts F32 data off alignment: it is copied. */
static void
test_unaligned (void)
{
  const char *header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}  ";
  float a[3] = { 1.5f, -2.25f, 3 };
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSafetensors) st = NULL;
  PmTensor t;

  g_assert_cmpint (strlen (header) % 4, !=, 0);
  path = write_file ("unaligned.safetensors", header, (const guint8 *) a, 12, 0);
  st = pm_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (pm_safetensors_get_f32 (st, "a", &t, &error));
  g_assert_cmpuint ((guintptr) t.data % 4, ==, 0);
  g_assert_cmpmem (t.data, 12, a, 12);
}

static void
test_malformed (void)
{
  g_autofree char *p = g_build_filename (tmpdir, "short.safetensors", NULL);
  g_autoptr(GError) error = NULL;

  /* shorter than the length field */
  g_assert_true (g_file_set_contents (p, "abc", 3, NULL));
  g_assert_null (pm_safetensors_open (p, &error));
  g_assert_error (error, PM_SAFETENSORS_ERROR, PM_SAFETENSORS_ERROR_HEADER);
  g_clear_error (&error);
  /* missing file */
  g_assert_null (pm_safetensors_open ("/nonexistent/model.safetensors", &error));
  g_assert_error (error, PM_SAFETENSORS_ERROR, PM_SAFETENSORS_ERROR_IO);

  /* header length past the end, huge, tiny */
  expect_error ("truncated-header.safetensors", "{\"a\":{", 0, 500,
                PM_SAFETENSORS_ERROR_HEADER, "past the end");
  expect_error ("huge-header.safetensors", "{}", 0, G_MAXUINT64,
                PM_SAFETENSORS_ERROR_HEADER, "limit");
  expect_error ("huge-header2.safetensors", "{}", 0, (guint64) 200 * 1000 * 1000,
                PM_SAFETENSORS_ERROR_HEADER, "limit");
  /* not JSON / not an object / NUL inside */
  expect_error ("bad-json.safetensors", "{\"a\": {\"dtype\": \"F32\",", 0, 0,
                PM_SAFETENSORS_ERROR_HEADER, "JSON");
  expect_error ("array.safetensors", "[1, 2, 3]", 0, 0, PM_SAFETENSORS_ERROR_HEADER, NULL);
  expect_error ("entry-not-object.safetensors", "{\"a\": 3}", 0, 0,
                PM_SAFETENSORS_ERROR_TENSOR, "“a”");
  /* dtypes */
  expect_error ("unknown-dtype.safetensors",
                "{\"w\":{\"dtype\":\"F17\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, 0,
                PM_SAFETENSORS_ERROR_TENSOR, "F17");
  expect_error ("no-dtype.safetensors",
                "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, 0,
                PM_SAFETENSORS_ERROR_TENSOR, "dtype");
  expect_error ("dtype-number.safetensors",
                "{\"w\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, 0,
                PM_SAFETENSORS_ERROR_TENSOR, "“w”");
  /* shapes */
  expect_error ("shape-mismatch.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20, 0,
                PM_SAFETENSORS_ERROR_TENSOR, "“w”");
  expect_error ("shape-not-array.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":6,\"data_offsets\":[0,24]}}", 24, 0,
                PM_SAFETENSORS_ERROR_TENSOR, "shape");
  expect_error ("shape-negative.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2,3],\"data_offsets\":[0,24]}}", 24, 0,
                PM_SAFETENSORS_ERROR_TENSOR, "shape");
  expect_error ("shape-float.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,10]}}", 10, 0,
                PM_SAFETENSORS_ERROR_TENSOR, "shape");
  expect_error ("shape-string.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", 8, 0,
                PM_SAFETENSORS_ERROR_TENSOR, "shape");
  expect_error ("shape-overflow.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],"
                "\"data_offsets\":[0,0]}}", 0, 0, PM_SAFETENSORS_ERROR_TENSOR, "overflow");
  expect_error ("bytes-overflow.safetensors",
                "{\"w\":{\"dtype\":\"F64\",\"shape\":[4611686018427387904],"
                "\"data_offsets\":[0,0]}}", 0, 0, PM_SAFETENSORS_ERROR_TENSOR, "overflow");
  expect_error ("shape-huge-number.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1e30],\"data_offsets\":[0,0]}}", 0, 0,
                PM_SAFETENSORS_ERROR_TENSOR, "shape");
  expect_error ("too-many-dims.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],"
                "\"data_offsets\":[0,4]}}", 4, 0, PM_SAFETENSORS_ERROR_TENSOR, "dimensions");
  /* offsets */
  expect_error ("offsets-past-eof.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 16, 0,
                PM_SAFETENSORS_ERROR_TENSOR, "past");
  expect_error ("offsets-reversed.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 16, 0,
                PM_SAFETENSORS_ERROR_TENSOR, "“w”");
  expect_error ("offsets-negative.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 16, 0,
                PM_SAFETENSORS_ERROR_TENSOR, "data_offsets");
  expect_error ("offsets-short.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 16, 0,
                PM_SAFETENSORS_ERROR_TENSOR, "data_offsets");
  expect_error ("offsets-missing.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 16, 0,
                PM_SAFETENSORS_ERROR_TENSOR, "data_offsets");
  expect_error ("overlap.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16, 0,
                PM_SAFETENSORS_ERROR_TENSOR, "overlaps");
  /* metadata must map strings to strings */
  expect_error ("metadata.safetensors", "{\"__metadata__\":{\"n\":3}}", 0, 0,
                PM_SAFETENSORS_ERROR_HEADER, "__metadata__");
  expect_error ("metadata2.safetensors", "{\"__metadata__\":[1]}", 0, 0,
                PM_SAFETENSORS_ERROR_HEADER, "__metadata__");
}

/* Every half converts and rounds back to itself (NaNs stay NaN). */
static void
test_f16_roundtrip (void)
{
  for (guint i = 0; i < 65536; i++)
    {
      float f = pm_f16_to_f32 ((guint16) i);
      if (isnan (f))
        g_assert_true (isnan (pm_f16_to_f32 (pm_f32_to_f16 (f))));
      else
        g_assert_cmpuint (pm_f32_to_f16 (f), ==, i);
    }
  g_assert_cmpfloat (pm_f16_to_f32 (0x0001), ==, ldexpf (1.0f, -24));

  /* bulk conversion (vectorised where the CPU allows) agrees with the scalar one */
  {
    g_autofree guint16 *halves = g_new (guint16, 65536 + 3);
    g_autofree float *wide = g_new (float, 65536 + 3);

    for (guint i = 0; i < 65536 + 3; i++)
      halves[i] = (guint16) (i * 40503u);   /* every value, in a scrambled order, + tail */
    g_assert_true (pm_dtype_convert_f32 (PM_DTYPE_F16, (const guint8 *) halves, wide,
                                         65536 + 3));
    for (guint i = 0; i < 65536 + 3; i++)
      {
        float want = pm_f16_to_f32 (halves[i]);
        if (isnan (want))
          g_assert_true (isnan (wide[i]));
        else
          g_assert_cmpmem (&wide[i], 4, &want, 4);
      }
  }
  g_assert_cmpuint (pm_f32_to_f16 (1e6f), ==, 0x7c00);
  g_assert_cmpuint (pm_f32_to_f16 (1.0f + ldexpf (1.0f, -11)), ==, 0x3c00);  /* tie → even */
}

/* Random corruptions of a valid file: an error or a valid reader, never a crash. */
static void
test_fuzz (void)
{
  const char *header =
    "{\"__metadata__\":{\"format\":\"pt\"},"
    "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
    "\"h\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[24,32]}}";
  GByteArray *base = g_byte_array_new ();
  guint64 hlen = strlen (header);
  guint8 zeros[32] = { 0 };
  GRand *rand = g_rand_new_with_seed (42);
  int n_ok = 0;

  for (int i = 0; i < 8; i++)
    {
      guint8 byte = (guint8) (hlen >> (8 * i));
      g_byte_array_append (base, &byte, 1);
    }
  g_byte_array_append (base, (const guint8 *) header, (guint) hlen);
  g_byte_array_append (base, zeros, sizeof zeros);

  for (int iter = 0; iter < 3000; iter++)
    {
      g_autofree guint8 *buf = g_memdup2 (base->data, base->len);
      gsize len = base->len;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(PmSafetensors) st = NULL;
      int n_mut = g_rand_int_range (rand, 1, 4);

      for (int k = 0; k < n_mut; k++)
        {
          guint pos;

          if (len == 0)
            break;
          pos = g_rand_int_range (rand, 0, (gint32) len);
          switch (g_rand_int_range (rand, 0, 4))
            {
            case 0: buf[pos] ^= (guint8) (1u << g_rand_int_range (rand, 0, 8)); break;
            case 1:
              buf[pos] = (guint8) "0123456789[]{},:\"-e."[g_rand_int_range (rand, 0, 20)];
              break;
            case 2: len = pos; break;
            default: buf[pos] = (guint8) g_rand_int_range (rand, 0, 256); break;
            }
        }
      bytes = g_bytes_new (buf, len);
      st = pm_safetensors_open_bytes (bytes, "fuzz.safetensors", &error);
      if (st == NULL)
        {
          g_assert_nonnull (error);
          g_assert_nonnull (strstr (error->message, "fuzz.safetensors"));
          continue;
        }
      n_ok++;
      for (guint t = 0; t < pm_safetensors_get_n_tensors (st); t++)
        {
          const PmSafetensorsInfo *info = pm_safetensors_get_nth (st, t);
          PmTensor tensor;
          g_autoptr(GError) e2 = NULL;

          if (pm_safetensors_get_f32 (st, info->name, &tensor, &e2))
            {
              volatile float sink = 0;
              for (gint64 j = 0; j < pm_tensor_numel (&tensor); j++)
                sink += tensor.data[j];
              (void) sink;
            }
        }
    }
  g_test_message ("%d of 3000 corrupted files still valid", n_ok);
  g_rand_free (rand);
  g_byte_array_unref (base);
}

/* Pages released after a copy read back the same values (they come again from the file);
 * ranges outside the mapping and converted data are left alone. Likewise for detaching. */
static void
test_release_pages (void)
{
  gint64 n = 3 * 4096;   /* several pages of F32 */
  g_autofree char *header = g_strdup_printf ("{\"w\":{\"dtype\":\"F32\",\"shape\":[%" G_GINT64_FORMAT
                                             "],\"data_offsets\":[0,%" G_GINT64_FORMAT "]},"
                                             "\"h\":{\"dtype\":\"F16\",\"shape\":[2],"
                                             "\"data_offsets\":[%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT
                                             "]}}      ", n, 4 * n, 4 * n, 4 * n + 4);
  g_autofree guint8 *data = g_malloc (4 * n + 4);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSafetensors) st = NULL;
  g_autofree float *copy = NULL;
  PmTensor w, h;
  float outside[4] = { 1, 2, 3, 4 };

  /* pad the header so the data region starts 4-byte aligned (8 + header length) */
  while ((8 + strlen (header)) % 8 != 0)
    {
      char *longer = g_strconcat (header, " ", NULL);
      g_free (header);
      header = longer;
    }
  for (gint64 i = 0; i < n; i++)
    {
      float v = (float) i * 0.25f;
      memcpy (data + 4 * i, &v, 4);
    }
  data[4 * n] = 0x00;
  data[4 * n + 1] = 0x3c;   /* 1.0 in f16 */
  data[4 * n + 2] = 0x00;
  data[4 * n + 3] = 0x40;   /* 2.0 */
  path = write_file ("release.safetensors", header, data, 4 * n + 4, 0);
  st = pm_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (pm_safetensors_get_f32 (st, "w", &w, &error));
  g_assert_true (pm_safetensors_get_f32 (st, "h", &h, &error));
  copy = g_memdup2 (w.data, 4 * n);
  pm_safetensors_release_pages (st, w.data, 4 * n);
  g_assert_cmpmem (w.data, 4 * n, copy, 4 * n);
  pm_safetensors_release_pages (st, h.data, 2 * sizeof (float));   /* converted: kept */
  g_assert_cmpfloat (h.data[0], ==, 1.0f);
  g_assert_cmpfloat (h.data[1], ==, 2.0f);
  pm_safetensors_release_pages (st, outside, sizeof outside);     /* not ours: kept */
  g_assert_cmpfloat (outside[3], ==, 4.0f);
  pm_safetensors_release_pages (st, NULL, 0);

  /* detached: the same floats in a copy the reader owns; converted data and data that
   * is not the reader's stay where they are */
  {
    PmTensor wd = w, hd = h, od = pm_tensor_view_2d (outside, 1, 4);

    pm_safetensors_detach (st, &wd);
    g_assert_true (wd.data != w.data);
    g_assert_cmpint (pm_tensor_numel (&wd), ==, n);
    g_assert_cmpmem (wd.data, 4 * n, copy, 4 * n);
    pm_safetensors_detach (st, &hd);
    g_assert_true (hd.data == h.data);
    pm_safetensors_detach (st, &od);
    g_assert_true (od.data == outside);
  }
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = pm_test_tmpdir ();
  g_test_add_func ("/engine/safetensors/valid", test_valid);
  g_test_add_func ("/engine/safetensors/unaligned", test_unaligned);
  g_test_add_func ("/engine/safetensors/malformed", test_malformed);
  g_test_add_func ("/engine/safetensors/f16-roundtrip", test_f16_roundtrip);
  g_test_add_func ("/engine/safetensors/fuzz", test_fuzz);
  g_test_add_func ("/engine/safetensors/nonfinite", test_nonfinite);
  g_test_add_func ("/engine/safetensors/nonfinite-long", test_nonfinite_long);
  g_test_add_func ("/engine/safetensors/one-line-errors", test_one_line_errors);
  g_test_add_func ("/engine/safetensors/release-pages", test_release_pages);
  ret = g_test_run ();
  pm_test_rmdir (tmpdir);
  g_free (tmpdir);
  return ret;
}
