/* test-clipseg.c: the CLIPSeg forward pass against the reference fixture.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pm-clipseg.h"
#include "pm-cpu.h"
#include "pm-npy.h"
#include "pm-ops.h"
#include "pm-safetensors.h"
#include "pm-test-util.h"

typedef struct {
  char   *name;
  char   *model;
  char   *image;
  char   *text;
  gint32  ids[80];
  int     n_ids;
  char   *pixels;
  char   *logits;
} Case;

static GPtrArray *cases;

static char *
fixture_path (const char *rel)
{
  g_autofree char *p = g_build_filename ("data", "clipseg-fixture", rel, NULL);
  return pm_test_shared_path (p);
}

static void
case_free (gpointer p)
{
  Case *c = p;
  g_free (c->name);
  g_free (c->model);
  g_free (c->image);
  g_free (c->text);
  g_free (c->pixels);
  g_free (c->logits);
  g_free (c);
}

static gboolean
load_cases (void)
{
  g_autofree char *path = fixture_path ("cases.tsv");
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  cases = g_ptr_array_new_with_free_func (case_free);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (int i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], "\t", -1);
      g_auto(GStrv) ids = NULL;
      Case *c;

      if (g_strv_length (f) < 7)
        continue;
      c = g_new0 (Case, 1);
      c->name = g_strdup (f[0]);
      c->model = g_strdup (f[1]);
      c->image = g_strdup (f[2]);
      c->text = g_strdup (f[3]);
      ids = g_strsplit (f[4], ",", -1);
      for (int j = 0; ids[j] != NULL && j < 80; j++)
        c->ids[c->n_ids++] = (gint32) g_ascii_strtoll (ids[j], NULL, 10);
      c->pixels = g_strdup (f[5]);
      c->logits = g_strdup (f[6]);
      g_ptr_array_add (cases, c);
    }
  return cases->len > 0;
}

static float *
load_npy (const char *rel,
          gint64     *numel)
{
  g_autofree char *path = fixture_path (rel);
  g_autoptr(GError) error = NULL;
  gint64 shape[PM_NPY_MAX_DIMS];
  int nd;
  float *d = pm_npy_load (path, &nd, shape, &error);

  g_assert_no_error (error);
  *numel = 1;
  for (int i = 0; i < nd; i++)
    *numel *= shape[i];
  return d;
}

static PmClipseg *
load_model_with_precision (const char  *name,
                           PmPrecision  precision)
{
  g_autofree char *dir = fixture_path (name);
  g_autoptr(GError) error = NULL;
  PmClipseg *m = pm_clipseg_load_with_precision (dir, precision, &error);

  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

/* Exact f32: the parity tests. */
static PmClipseg *
load_model (const char *name)
{
  g_autofree char *dir = fixture_path (name);
  g_autoptr(GError) error = NULL;
  PmClipseg *m = pm_clipseg_load (dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

/* The image as the product loads it (pm_image_load: gdk-pixbuf, EXIF orientation, RGBA). */
static PmImage *
load_image (const char *rel)
{
  g_autofree char *path = fixture_path (rel);
  g_autoptr(GError) error = NULL;
  PmImage *img = pm_image_load (path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);

  g_assert_no_error (error);
  g_assert_nonnull (img);
  return img;
}

static void
image_free (PmImage *img)
{
  pm_image_free (img);
}

/* ------------------------------------------------------------------------------------- */

static void
test_preprocess (void)
{
  for (guint i = 0; i < cases->len; i++)
    {
      Case *c = g_ptr_array_index (cases, i);
      g_autoptr(PmClipseg) m = load_model (c->model);
      int s = pm_clipseg_get_input_size (m);
      g_autofree float *out = g_new (float, 3 * s * s);
      gint64 n;
      g_autofree float *want = load_npy (c->pixels, &n);
      PmImage *img = load_image (c->image);
      g_autoptr(GError) error = NULL;
      double d;

      g_assert_cmpint (n, ==, 3 * s * s);
      g_assert_true (pm_clipseg_preprocess (m, img, out, &error));
      g_assert_no_error (error);
      d = pm_tensor_max_abs_diff (out, want, n);
      g_test_message ("%s: preprocessed pixels max |Δ| = %.3g", c->name, d);
      g_assert_cmpfloat (d, <=, 1e-5);
      image_free (img);
    }
}

static void
test_logits_from_pixels (void)
{
  for (guint i = 0; i < cases->len; i++)
    {
      Case *c = g_ptr_array_index (cases, i);
      g_autoptr(PmClipseg) m = load_model (c->model);
      int s = pm_clipseg_get_input_size (m);
      gint64 np, nl;
      g_autofree float *pixels = load_npy (c->pixels, &np);
      g_autofree float *want = load_npy (c->logits, &nl);
      g_autofree float *logits = g_new (float, s * s);
      g_autoptr(GError) error = NULL;
      double d;

      g_assert_cmpint (nl, ==, s * s);
      g_assert_true (pm_clipseg_forward (m, pixels, c->ids, c->n_ids, logits, NULL, NULL,
                                         &error));
      g_assert_no_error (error);
      d = pm_tensor_max_abs_diff (logits, want, nl);
      g_test_message ("%s (%s): logits max |Δ| = %.3g", c->name, c->model, d);
      g_assert_cmpfloat (d, <=, 1e-4);
    }
}

/* BF16 (where the CPU has it) against the f32 reference logits of the tiny models: bf16
 * keeps 8 significant bits of every weight and activation entering a product. */
static void
test_logits_bf16 (void)
{
  for (guint i = 0; i < cases->len; i++)
    {
      Case *c = g_ptr_array_index (cases, i);
      g_autoptr(PmClipseg) m = load_model_with_precision (c->model, PM_PRECISION_BF16);
      int s = pm_clipseg_get_input_size (m);
      gint64 np, nl;
      g_autofree float *pixels = load_npy (c->pixels, &np);
      g_autofree float *want = load_npy (c->logits, &nl);
      g_autofree float *logits = g_new (float, s * s);
      g_autoptr(GError) error = NULL;
      double d, e;

      g_assert_cmpint (pm_clipseg_get_precision (m), ==,
                       pm_precision_resolve (PM_PRECISION_BF16));
      g_assert_true (pm_clipseg_forward (m, pixels, c->ids, c->n_ids, logits, NULL, NULL,
                                         &error));
      g_assert_no_error (error);
      d = pm_tensor_max_abs_diff (logits, want, nl);
      e = pm_tensor_nrmse (logits, want, nl);
      g_test_message ("%s (%s, %s): logits max |Δ| = %.3g, normalised error %.3g", c->name,
                      c->model, pm_precision_to_string (pm_clipseg_get_precision (m)), d, e);
      /* measured: max |Δ| ≤ 0.22, normalised error ≤ 0.013 (the tiny fixture's weights
       * are far larger than a trained model's) */
      g_assert_cmpfloat (d, <=, 0.3);
      g_assert_cmpfloat (e, <=, 0.02);
    }
}

static void
test_logits_end_to_end (void)
{
  for (guint i = 0; i < cases->len; i++)
    {
      Case *c = g_ptr_array_index (cases, i);
      g_autoptr(PmClipseg) m = load_model (c->model);
      int s = pm_clipseg_get_input_size (m);
      gint64 nl;
      g_autofree float *want = load_npy (c->logits, &nl);
      g_autofree float *pixels = g_new (float, 3 * s * s);
      g_autofree float *logits = g_new (float, s * s);
      PmImage *img = load_image (c->image);
      g_autoptr(GError) error = NULL;
      double d;

      g_assert_true (pm_clipseg_preprocess (m, img, pixels, &error));
      g_assert_true (pm_clipseg_forward (m, pixels, c->ids, c->n_ids, logits, NULL, NULL,
                                         &error));
      g_assert_no_error (error);
      d = pm_tensor_max_abs_diff (logits, want, nl);
      g_test_message ("%s (%s): end-to-end logits max |Δ| = %.3g", c->name, c->model, d);
      g_assert_cmpfloat (d, <=, 1e-3);
      image_free (img);
    }
}

typedef struct {
  int    n_checked;
  double worst;
  char  *worst_name;
} DumpState;

static void
compare_dump (const char     *name,
              const PmTensor *t,
              gpointer        user_data)
{
  DumpState *st = user_data;
  g_autofree char *rel = g_strdup_printf ("expected/case03-dump/%s.npy", name);
  g_autofree char *path = fixture_path (rel);
  g_autofree float *want = NULL;
  gint64 n;
  double d, scale = 0;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return;
  want = load_npy (rel, &n);
  g_assert_cmpint (n, ==, pm_tensor_numel (t));
  for (gint64 i = 0; i < n; i++)
    scale = MAX (scale, fabs (want[i]));
  d = pm_tensor_max_abs_diff (t->data, want, n);
  g_test_message ("case03 %-36s max |Δ| = %.3g (max |x| = %.3g)", name, d, scale);
  /* relative to the stage's magnitude: activations grow along the residual stream */
  g_assert_cmpfloat (d, <=, 1e-5 * MAX (scale, 1.0));
  st->n_checked++;
}

static void
test_dump_case03 (void)
{
  Case *c = g_ptr_array_index (cases, 2);
  g_autoptr(PmClipseg) m = load_model (c->model);
  int s = pm_clipseg_get_input_size (m);
  gint64 np;
  g_autofree float *pixels = load_npy ("expected/case03-dump/pixel_values.npy", &np);
  g_autofree float *logits = g_new (float, s * s);
  g_autoptr(GError) error = NULL;
  DumpState st = { 0 };

  g_assert_cmpstr (c->name, ==, "case03");
  pm_clipseg_set_dump_func (m, compare_dump, &st);
  g_assert_true (pm_clipseg_forward (m, pixels, c->ids, c->n_ids, logits, NULL, NULL, &error));
  g_assert_no_error (error);
  /* every stage of the dump except pixel_values / eos index / logits */
  g_assert_cmpint (st.n_checked, >=, 24);
}

/* Padding with EOS (49407) plus an attention mask leaves the logits unchanged. */
static void
test_padding (void)
{
  Case *c = g_ptr_array_index (cases, 0);
  g_autoptr(PmClipseg) m = load_model (c->model);
  int s = pm_clipseg_get_input_size (m), e = pm_clipseg_get_embedding_dim (m);
  gint64 np;
  g_autofree float *pixels = load_npy (c->pixels, &np);
  g_autofree float *a = g_new (float, s * s), *b = g_new (float, s * s);
  g_autofree float *ea = g_new (float, e), *eb = g_new (float, e);
  gint32 ids[77];
  guint8 mask[77];
  g_autoptr(PmClipsegVision) vision = NULL;
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < 77; i++)
    {
      ids[i] = i < c->n_ids ? c->ids[i] : 49407;
      mask[i] = i < c->n_ids;
    }
  vision = pm_clipseg_encode_image (m, pixels, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (pm_clipseg_encode_text (m, c->ids, c->n_ids, NULL, ea, NULL, NULL, &error));
  g_assert_true (pm_clipseg_encode_text (m, ids, 77, mask, eb, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (pm_tensor_max_abs_diff (ea, eb, e), <=, 1e-5);
  g_assert_true (pm_clipseg_decode (m, vision, ea, a, NULL, NULL, &error));
  g_assert_true (pm_clipseg_decode (m, vision, eb, b, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (pm_tensor_max_abs_diff (a, b, s * s), <=, 1e-5);
}

/* One vision pass shared by several phrases gives the same logits as separate passes. */
static void
test_shared_vision (void)
{
  g_autoptr(PmClipseg) m = load_model ("tiny-f32");
  int s = pm_clipseg_get_input_size (m), e = pm_clipseg_get_embedding_dim (m);
  g_autoptr(PmClipsegVision) vision = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *emb = g_new (float, e), *logits = g_new (float, s * s);

  for (guint i = 0; i < 2; i++)
    {
      Case *c = g_ptr_array_index (cases, i);   /* case01, case02: same image */
      gint64 np, nl;
      g_autofree float *pixels = load_npy (c->pixels, &np);
      g_autofree float *want = load_npy (c->logits, &nl);

      if (vision == NULL)
        vision = pm_clipseg_encode_image (m, pixels, NULL, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (pm_clipseg_encode_text (m, c->ids, c->n_ids, NULL, emb, NULL, NULL,
                                             &error));
      g_assert_true (pm_clipseg_decode (m, vision, emb, logits, NULL, NULL, &error));
      g_assert_cmpfloat (pm_tensor_max_abs_diff (logits, want, nl), <=, 1e-4);
    }
}

static void
test_bad_input (void)
{
  g_autoptr(PmClipseg) m = load_model ("tiny-f32");
  g_autofree float *emb = g_new (float, pm_clipseg_get_embedding_dim (m));
  gint32 bad[] = { 49406, 60000, 49407 };
  gint32 many[78] = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  gint32 ok[] = { 49406, 49407 };

  g_assert_false (pm_clipseg_encode_text (m, bad, 3, NULL, emb, NULL, NULL, &error));
  g_assert_error (error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_INPUT);
  g_clear_error (&error);
  g_assert_false (pm_clipseg_encode_text (m, many, 78, NULL, emb, NULL, NULL, &error));
  g_assert_error (error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_INPUT);
  g_clear_error (&error);
  g_assert_false (pm_clipseg_encode_text (m, bad, 0, NULL, emb, NULL, NULL, &error));
  g_assert_error (error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_INPUT);
  g_clear_error (&error);
  g_cancellable_cancel (cancel);
  g_assert_false (pm_clipseg_encode_text (m, ok, 2, NULL, emb, cancel, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* ---------------------------------------------------------------------------------------
 * Malformed models: a copy of tiny-f32 with one tensor dropped or reshaped
 * ------------------------------------------------------------------------------------- */

static void
copy_file (const char *from,
           const char *dir,
           const char *name)
{
  g_autofree char *src = g_build_filename (from, name, NULL);
  g_autofree char *dst = g_build_filename (dir, name, NULL);
  g_autofree char *data = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (src, &data, &len, NULL));
  g_assert_true (g_file_set_contents (dst, data, (gssize) len, NULL));
}

/* Rewrites the header of tiny-f32's model.safetensors: @drop removed, or @reshape given the
 * shape @new_shape (same byte count); data region unchanged. */
static void
write_modified (const char *dir,
                const char *drop,
                const char *reshape,
                const char *new_shape)
{
  g_autofree char *src_dir = fixture_path ("tiny-f32");
  g_autofree char *src = g_build_filename (src_dir, "model.safetensors", NULL);
  g_autofree char *dst = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *data = NULL;
  gsize len;
  guint64 hlen = 0;
  g_autofree char *header = NULL;
  GString *out;
  guint64 old_hlen;

  g_assert_true (g_file_get_contents (src, &data, &len, NULL));
  for (int i = 7; i >= 0; i--)
    hlen = (hlen << 8) | (guint8) data[i];
  old_hlen = hlen;
  header = g_strndup (data + 8, hlen);
  if (drop != NULL)
    {
      g_autofree char *key = g_strdup_printf ("\"%s\":", drop);
      char *start = strstr (header, key), *end;
      g_assert_nonnull (start);
      end = strchr (start, '}');
      g_assert_nonnull (end);
      end++;
      if (*end == ',')
        end++;
      else if (start > header && start[-1] == ',')
        start--;
      memmove (start, end, strlen (end) + 1);
    }
  if (reshape != NULL)
    {
      g_autofree char *key = g_strdup_printf ("\"%s\":", reshape);
      char *start = strstr (header, key), *sh, *close;
      g_autofree char *rest = NULL, *head = NULL;
      g_assert_nonnull (start);
      sh = strstr (start, "\"shape\":");
      g_assert_nonnull (sh);
      sh = strchr (sh, '[');
      close = strchr (sh, ']');
      rest = g_strdup (close + 1);
      head = g_strndup (header, sh - header);
      g_free (header);
      header = g_strconcat (head, new_shape, rest, NULL);
    }
  out = g_string_new (NULL);
  hlen = strlen (header);
  for (int i = 0; i < 8; i++)
    g_string_append_c (out, (char) ((hlen >> (8 * i)) & 0xff));
  g_string_append (out, header);
  g_string_append_len (out, data + 8 + old_hlen, (gssize) (len - 8 - old_hlen));
  g_assert_true (g_file_set_contents (dst, out->str, (gssize) out->len, NULL));
  g_string_free (out, TRUE);
}

static void
expect_load_error (const char *drop,
                   const char *reshape,
                   const char *new_shape,
                   const char *must_mention)
{
  g_autofree char *src_dir = fixture_path ("tiny-f32");
  g_autofree char *dir = pm_test_tmpdir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmClipseg) m = NULL;

  copy_file (src_dir, dir, "config.json");
  copy_file (src_dir, dir, "preprocessor_config.json");
  write_modified (dir, drop, reshape, new_shape);
  m = pm_clipseg_load (dir, &error);
  g_assert_null (m);
  g_assert_error (error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_WEIGHTS);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, must_mention));
  pm_test_rmdir (dir);
}

static void
test_malformed_model (void)
{
  expect_load_error ("decoder.film_mul.bias", NULL, NULL, "decoder.film_mul.bias");
  expect_load_error ("clip.vision_model.encoder.layers.1.mlp.fc2.weight", NULL, NULL,
                     "layers.1.mlp.fc2.weight");
  expect_load_error (NULL, "decoder.reduces.0.weight", "[64, 16]", "decoder.reduces.0.weight");
  expect_load_error (NULL, "clip.text_projection.weight", "[1024]", "expected [32, 32]");
}

/* Valid files whose config would need terabytes of scratch: a clear error, no abort. */
static void
test_huge_scratch (void)
{
  g_autofree char *dir = pm_test_source_path ("tests/fixtures/clipseg-huge-scratch");
  g_autoptr(GError) error = NULL;
  g_autoptr(PmClipseg) m = pm_clipseg_load (dir, &error);

  g_assert_null (m);
  g_assert_error (error, PM_CLIPSEG_ERROR, PM_CLIPSEG_ERROR_WEIGHTS);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "scratch"));
}

/* The vision layer after the deepest extracted one is not needed. */
static void
test_skips_unused_layers (void)
{
  g_autofree char *src_dir = fixture_path ("tiny-f32");
  g_autofree char *dir = pm_test_tmpdir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmClipseg) m = NULL;

  copy_file (src_dir, dir, "config.json");
  copy_file (src_dir, dir, "preprocessor_config.json");
  write_modified (dir, "clip.vision_model.encoder.layers.3.mlp.fc2.weight", NULL, NULL);
  m = pm_clipseg_load (dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  pm_test_rmdir (dir);
}

/* ---------------------------------------------------------------------------------------
 * Second reference (tests/fixtures/clipseg-alt, from make-alt-reference.py): simple head,
 * FiLM at layer 1, unordered extract layers, shrunk position grid, BF16 weights, masks.
 * ------------------------------------------------------------------------------------- */

static void
test_alt_reference (void)
{
  g_autofree char *dir = pm_test_source_path ("tests/fixtures/clipseg-alt");
  g_autofree char *tsv_path = g_build_filename (dir, "cases.tsv", NULL);
  g_autofree char *px_path = g_build_filename (dir, "pixel_values.npy", NULL);
  g_autofree char *tsv = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmClipseg) m = pm_clipseg_load (dir, &error);
  g_autoptr(PmClipsegVision) vision = NULL;
  g_autofree float *pixels = NULL, *emb = NULL, *logits = NULL;
  gint64 shape[PM_NPY_MAX_DIMS];
  int nd, s, n_cases = 0;

  g_assert_no_error (error);
  s = pm_clipseg_get_input_size (m);
  g_assert_cmpint (s, ==, 48);
  pixels = pm_npy_load (px_path, &nd, shape, &error);
  g_assert_no_error (error);
  g_assert_cmpint (nd, ==, 4);
  g_assert_cmpint (shape[3], ==, s);
  vision = pm_clipseg_encode_image (m, pixels, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  emb = g_new (float, pm_clipseg_get_embedding_dim (m));
  logits = g_new (float, s * s);

  g_assert_true (g_file_get_contents (tsv_path, &tsv, NULL, NULL));
  lines = g_strsplit (tsv, "\n", -1);
  for (int i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], "\t", -1);
      g_auto(GStrv) ids_s = g_strsplit (f[0], ",", -1);
      g_autofree char *lpath = g_build_filename (dir, f[2], NULL);
      g_autofree float *want = pm_npy_load (lpath, &nd, shape, &error);
      int n = (int) g_strv_length (ids_s), n_real = atoi (f[1]);
      gint32 ids[16];
      guint8 mask[16];
      double d;

      g_assert_no_error (error);
      g_assert_cmpint (n, <=, 16);
      for (int j = 0; j < n; j++)
        {
          ids[j] = atoi (ids_s[j]);
          mask[j] = j < n_real;
        }
      g_assert_true (pm_clipseg_encode_text (m, ids, n, mask, emb, NULL, NULL, &error));
      g_assert_true (pm_clipseg_decode (m, vision, emb, logits, NULL, NULL, &error));
      g_assert_no_error (error);
      d = pm_tensor_max_abs_diff (logits, want, s * s);
      g_test_message ("alt case %d (%d tokens, %d real): logits max |Δ| = %.3g", i, n, n_real, d);
      g_assert_cmpfloat (d, <=, 1e-4);
      n_cases++;
    }
  g_assert_cmpint (n_cases, ==, 3);
}

/* ---------------------------------------------------------------------------------------
 * Progress and cancellation between vision layers
 * ------------------------------------------------------------------------------------- */

typedef struct {
  int           calls;
  int           cancel_at;
  GCancellable *cancellable;
  char         *last;
} ProgressState;

static void
on_progress (const char *stage,
             double      fraction,
             gpointer    user_data)
{
  ProgressState *st = user_data;

  g_assert_cmpfloat (fraction, >=, 0.0);
  g_assert_cmpfloat (fraction, <=, 1.0);
  st->calls++;
  g_free (st->last);
  st->last = g_strdup (stage);
  if (st->calls == st->cancel_at)
    g_cancellable_cancel (st->cancellable);
}

static void
test_progress_cancel (void)
{
  g_autoptr(PmClipseg) m = load_model ("tiny-f32");
  Case *c = g_ptr_array_index (cases, 0);
  gint64 np;
  g_autofree float *pixels = load_npy (c->pixels, &np);
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  ProgressState st = { 0, -1, cancel, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(PmClipsegVision) v = NULL;

  v = pm_clipseg_encode_image (m, pixels, on_progress, &st, cancel, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (v);
  /* 3 of the 4 layers run (extract_layers [0, 1, 2]), plus the final report */
  g_assert_cmpint (st.calls, ==, 4);
  g_clear_pointer (&v, pm_clipseg_vision_free);

  st.calls = 0;
  st.cancel_at = 2;
  v = pm_clipseg_encode_image (m, pixels, on_progress, &st, cancel, NULL, &error);
  g_assert_null (v);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (st.last, ==, "vision layer 2/3");
  g_free (st.last);
}

/* ---------------------------------------------------------------------------------------
 * Full-size model: random F16 weights with the real dimensions (tests/fixtures/
 * make-full-model.py) and reference logits from an independent PyTorch forward
 * (tests/fixtures/make-full-reference.py), generated once per build folder.
 * ------------------------------------------------------------------------------------- */

/* Runs /usr/bin/python3 SCRIPT ARGS…; FALSE (test failed) if it does not succeed. */
static gboolean
run_python (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_test_fail_printf ("%s failed: %s", argv[1], err);
      return FALSE;
    }
  return TRUE;
}

/* The model and reference folders under the build folder, made when their generators'
 * text changed; NULL (test ended) when python3 or its modules are missing. */
static char *
ensure_full_model (char **ref_out)
{
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  g_autofree char *model_script = pm_test_source_path ("tests/fixtures/make-full-model.py");
  g_autofree char *ref_script = pm_test_source_path ("tests/fixtures/make-full-reference.py");
  g_autofree char *torch_script = pm_test_source_path ("tests/bench/clipseg-onnx/export.py");
  g_autofree char *config = fixture_path ("full-config");
  g_autofree char *texts = NULL;
  g_autofree char *sum = NULL;
  g_autofree char *stamp_text = NULL;
  g_autofree char *stamp = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *ref = NULL;
  const char * const scripts[] = { model_script, ref_script, torch_script };
  GString *all = g_string_new (NULL);

  if (!pm_test_have_python ("numpy, torch"))
    {
      g_string_free (all, TRUE);
      return NULL;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (scripts); i++)
    {
      g_autofree char *text = NULL;
      g_autoptr(GError) error = NULL;
      g_file_get_contents (scripts[i], &text, NULL, &error);
      g_assert_no_error (error);
      g_string_append (all, text);
    }
  texts = g_string_free (all, FALSE);
  sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, texts, -1);
  /* Never the current folder: a run from the source tree must not leave 300 MB there. */
  dir = g_build_filename (builddir != NULL ? builddir : g_get_tmp_dir (), "clipseg-full-f16", NULL);
  ref = g_build_filename (dir, "reference", NULL);
  stamp = g_build_filename (dir, "stamp", NULL);
  if (!g_file_get_contents (stamp, &stamp_text, NULL, NULL) || !g_str_equal (stamp_text, sum))
    {
      const char *make_model[] = { "/usr/bin/python3", model_script, config, dir, "--dtype",
                                   "F16", NULL };
      const char *make_ref[] = { "/usr/bin/python3", ref_script, dir, ref, NULL };

      if (!run_python (make_model) || !run_python (make_ref))
        return NULL;
      g_assert_true (g_file_set_contents (stamp, sum, -1, NULL));
    }
  *ref_out = g_steal_pointer (&ref);
  return g_steal_pointer (&dir);
}

static float *
load_ref_npy (const char *dir,
              const char *name,
              gint64      numel)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  gint64 shape[PM_NPY_MAX_DIMS];
  int n_dims = 0;
  float *data = pm_npy_load (path, &n_dims, shape, &error);
  gint64 n = 1;

  g_assert_no_error (error);
  for (int d = 0; d < n_dims; d++)
    n *= shape[d];
  if (numel > 0)
    g_assert_cmpint (n, ==, numel);
  return data;
}

/* The full-size model (352×352, 12 + 12 layers, the real widths) against the PyTorch
 * forward, logit by logit, for two prompts. */
static void
test_full_size (void)
{
  g_autofree char *ref = NULL;
  g_autofree char *dir = ensure_full_model (&ref);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmClipseg) m = NULL;
  g_autoptr(PmClipseg) fast = NULL;
  g_autofree float *pixels = NULL, *logits = NULL, *fast_logits = NULL;
  int s;

  if (dir == NULL)
    return;
  m = pm_clipseg_load (dir, &error);
  g_assert_no_error (error);
  s = pm_clipseg_get_input_size (m);
  g_assert_cmpint (s, ==, 352);
  g_assert_cmpint (pm_clipseg_get_embedding_dim (m), ==, 512);
  g_assert_cmpint (pm_clipseg_config_get_vision_layers_needed (pm_clipseg_get_config (m)), ==, 10);
  pixels = load_ref_npy (ref, "pixels.npy", (gint64) 3 * s * s);
  logits = g_new (float, s * s);
  /* the fast precision (bf16 where the CPU has it) on the same inputs */
  fast = pm_clipseg_load_with_precision (dir, PM_PRECISION_AUTO, &error);
  g_assert_no_error (error);
  fast_logits = g_new (float, s * s);
  for (int k = 0; k < 2; k++)
    {
      g_autofree char *ids_name = g_strdup_printf ("ids%d.npy", k);
      g_autofree char *logits_name = g_strdup_printf ("logits%d.npy", k);
      g_autofree float *ids_f = load_ref_npy (ref, ids_name, -1);
      g_autofree float *want = load_ref_npy (ref, logits_name, (gint64) s * s);
      gint32 ids[16];
      int n_ids = 0;
      double max_err = 0, max_ref = 0, sum = 0, sq = 0, std;

      for (int i = 0; ids_f[i] != 49407.0f; i++)
        ids[n_ids++] = (gint32) ids_f[i];
      ids[n_ids++] = 49407;
      g_assert_true (pm_clipseg_forward (m, pixels, ids, n_ids, logits, NULL, NULL, &error));
      g_assert_no_error (error);
      for (int i = 0; i < s * s; i++)
        {
          g_assert_true (isfinite (logits[i]));
          max_err = MAX (max_err, fabs (logits[i] - want[i]));
          max_ref = MAX (max_ref, fabs (want[i]));
          sum += want[i];
          sq += (double) want[i] * want[i];
        }
      std = sqrt (MAX (sq / (s * s) - (sum / (s * s)) * (sum / (s * s)), 0.0));
      g_test_message ("full-size prompt %d (%d tokens): max |ours - torch| %.3g, max |torch| "
                      "%.3g, std %.3g", k, n_ids, max_err, max_ref, std);
      /* The reference map varies (measured std 0.0043; a flat map would match anything)… */
      g_assert_cmpfloat (std, >, 0.003);
      /* … and ours agrees within float32 rounding (measured 3.4e-8 = 5e-7 of the largest). */
      g_assert_cmpfloat (max_err, <, 2e-6 * max_ref);

      /* bf16 within the bound the speed work promises (2e-2; measured 1.7e-4, 4 % of the
       * map's spread) */
      g_assert_true (pm_clipseg_forward (fast, pixels, ids, n_ids, fast_logits, NULL, NULL,
                                         &error));
      g_assert_no_error (error);
      max_err = pm_tensor_max_abs_diff (fast_logits, want, s * s);
      g_test_message ("full-size prompt %d, %s: max |ours - torch| %.3g", k,
                      pm_precision_to_string (pm_clipseg_get_precision (fast)), max_err);
      g_assert_cmpfloat (max_err, <, 6e-4);
    }
}

/* The weights are packed by a thread the load starts: freeing the model at once (packing
 * still under way) and asking for the pack time (which waits for it) are both safe. */
/* ---------------------------------------------------------------------------------------
 * Background packing: the load returns while a thread packs the weights; the forward
 * waits stage by stage, freeing the model mid-packing is safe, and once a stage is packed
 * the mapped f32 pages it copied leave the resident set (read again from the file if
 * touched), which changes no result.
 * ------------------------------------------------------------------------------------- */

/* @c's logits [S, S] from @m (the caller frees them). */
static float *
run_case (PmClipseg  *m,
          const Case *c)
{
  int s = pm_clipseg_get_input_size (m);
  g_autofree float *pixels = g_new (float, 3 * s * s);
  float *logits = g_new (float, s * s);
  g_autoptr(GError) error = NULL;
  PmImage *img = load_image (c->image);

  g_assert_true (pm_clipseg_preprocess (m, img, pixels, &error));
  g_assert_true (pm_clipseg_forward (m, pixels, c->ids, c->n_ids, logits, NULL, NULL, &error));
  g_assert_no_error (error);
  image_free (img);
  return logits;
}

static void
test_background_packing (void)
{
  g_autofree char *dir = fixture_path ("tiny-f32");
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *weights = realpath (path, NULL);   /* as /proc/self/smaps names it */
  g_autofree float *want = NULL;
  const Case *c = NULL;
  gsize bytes;

  for (guint i = 0; i < cases->len; i++)
    if (g_str_equal (((Case *) g_ptr_array_index (cases, i))->name, "case03"))
      c = g_ptr_array_index (cases, i);
  g_assert_nonnull (c);
  g_assert_cmpstr (c->model, ==, "tiny-f32");

  /* freed at once, packing under way (in both precisions) */
  for (int i = 0; i < 4; i++)
    {
      g_autoptr(PmClipseg) m = load_model_with_precision ("tiny-f32", i % 2 ? PM_PRECISION_BF16
                                                                           : PM_PRECISION_F32);
      if (i >= 2)
        g_assert_cmpfloat (pm_clipseg_get_pack_ms (m), >=, 0.0);
    }

  /* every stage packed and its pages released, then run … */
  {
    g_autoptr(PmClipseg) m = load_model ("tiny-f32");
    gint64 rss_kb, file_kb;
    GStatBuf sb;

    g_assert_cmpfloat (pm_clipseg_get_pack_ms (m), >=, 0.0);
    rss_kb = pm_test_mapped_rss_kb (weights);
    g_assert_cmpint (g_stat (weights, &sb), ==, 0);
    file_kb = (gint64) sb.st_size / 1024;
    g_test_message ("mapped weights resident after packing: %" G_GINT64_FORMAT " of %"
                    G_GINT64_FORMAT " kB", rss_kb, file_kb);
    /* the token table (6176 kB), checked at load and then read a few rows at a time,
     * is given back on every path */
    g_assert_cmpint (rss_kb, >=, 0);
    g_assert_cmpint (rss_kb, <=, file_kb - 6100);
    if (pm_cpu_get_isa () != PM_ISA_GENERIC)
      {
        /* and so are the Linear weights of the stages (patch 192 kB, the 3 vision layers
         * run 3 × 192 kB, the text layers, projection and decoder) less the partial pages
         * at their ends: 328 kB stay (7240 kB without any release, 6500 kB with the packed
         * weights' alone, 1068 kB with the token table's alone) */
        g_assert_cmpint (rss_kb, <=, file_kb - 6900);
      }
    want = run_case (m, c);
    /* the forward reads the small tensors next to the released weights from copies, so
     * they stay out (a read fault may map a whole large page-cache folio); its token rows
     * come back (648 kB here), at most the whole table */
    rss_kb = pm_test_mapped_rss_kb (weights);
    g_test_message ("and after a forward: %" G_GINT64_FORMAT " kB", rss_kb);
    if (pm_cpu_get_isa () != PM_ISA_GENERIC)
      g_assert_cmpint (rss_kb, <=, file_kb - 800);
  }
  /* … gives the logits bit for bit that a forward started at once (waiting for each
   * stage as packing goes on) gives */
  for (int i = 0; i < 2; i++)
    {
      g_autoptr(PmClipseg) m = load_model ("tiny-f32");
      g_autofree float *logits = run_case (m, c);

      bytes = (gsize) pm_clipseg_get_input_size (m) * pm_clipseg_get_input_size (m) *
              sizeof (float);
      g_assert_cmpmem (logits, bytes, want, bytes);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  if (!pm_test_program_needs_shared ("/engine/clipseg/fixture", "data/clipseg-fixture/cases.tsv"))
    return g_test_run ();
  g_assert_true (load_cases ());
  g_test_add_func ("/engine/clipseg/dump-case03", test_dump_case03);
  g_test_add_func ("/engine/clipseg/logits-from-pixels", test_logits_from_pixels);
  g_test_add_func ("/engine/clipseg/logits-bf16", test_logits_bf16);
  g_test_add_func ("/engine/clipseg/background-packing", test_background_packing);
  g_test_add_func ("/engine/clipseg/preprocess", test_preprocess);
  g_test_add_func ("/engine/clipseg/logits-end-to-end", test_logits_end_to_end);
  g_test_add_func ("/engine/clipseg/padding", test_padding);
  g_test_add_func ("/engine/clipseg/shared-vision", test_shared_vision);
  g_test_add_func ("/engine/clipseg/bad-input", test_bad_input);
  g_test_add_func ("/engine/clipseg/malformed-model", test_malformed_model);
  g_test_add_func ("/engine/clipseg/skips-unused-layers", test_skips_unused_layers);
  g_test_add_func ("/engine/clipseg/huge-scratch", test_huge_scratch);
  g_test_add_func ("/engine/clipseg/alt-reference", test_alt_reference);
  g_test_add_func ("/engine/clipseg/progress-cancel", test_progress_cancel);
  g_test_add_func ("/engine/clipseg/full-size", test_full_size);
  {
    int ret = g_test_run ();
    g_ptr_array_unref (cases);
    return ret;
  }
}
