/* test-cli-model.c: `paintmask model …` end to end.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "pm-npy.h"
#include "pm-test-util.h"

#define REPO "test-org/tiny-clipseg"
#define REVISION "fedcba9876543210fedcba9876543210fedcba98"

static const char *fixture_files[] = {
  "config.json", "preprocessor_config.json", "vocab.json", "merges.txt", "model.safetensors",
};

static char *
fixture_dir (void)
{
  return pm_test_shared_path ("data/clipseg-fixture/tiny-f32");
}

static void
copy_fixture (const char *dest)
{
  g_autofree char *src = fixture_dir ();

  pm_test_copy_files (src, dest, fixture_files, G_N_ELEMENTS (fixture_files));
}

static int
count_lines (const char *s)
{
  int n = 0;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}

static void
test_tokenize (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *out = NULL, *err = NULL;
  int rc;

  rc = pm_test_run_cli ((const char *[]) { "model", "tokenize", "--model-dir", dir,
                                           "a photo of a cat", NULL }, &out, &err);
  g_assert_cmpint (rc, ==, 0);
  g_assert_cmpstr (out, ==, "49406 320 1125 539 320 2368 49407\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  rc = pm_test_run_cli ((const char *[]) { "model", "tokenize", "--model-dir", dir, "", NULL },
                        &out, &err);
  g_assert_cmpint (rc, ==, 0);
  g_assert_cmpstr (out, ==, "49406 49407\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Usage errors exit 2 with one line. */
  rc = pm_test_run_cli ((const char *[]) { "model", "tokenize", "--model-dir", dir, NULL },
                        &out, &err);
  g_assert_cmpint (rc, ==, 2);
  g_assert_cmpint (count_lines (err), ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  rc = pm_test_run_cli ((const char *[]) { "model", "frobnicate", NULL }, &out, &err);
  g_assert_cmpint (rc, ==, 2);
  g_assert_cmpint (count_lines (err), ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A folder without the files: runtime error, one line. */
  rc = pm_test_run_cli ((const char *[]) { "model", "tokenize", "--model-dir", "/nonexistent",
                                           "cat", NULL }, &out, &err);
  g_assert_cmpint (rc, ==, 1);
  g_assert_cmpint (count_lines (err), ==, 1);
  g_assert_nonnull (strstr (err, "/nonexistent"));
}

/* Writes a model folder whose files have the pinned sizes of @spec_name's files (sparse:
 * nothing is written but a length) and returns it. */
static char *
fake_install (const char *data_home,
              const char *spec_name,
              const char *wrong_file)
{
  char *dir = g_build_filename (data_home, "paintmask", "models", spec_name, NULL);
  const char *names[] = { "config.json", "preprocessor_config.json", "vocab.json", "merges.txt",
                          "model.safetensors" };
  const gint64 sizes[] = { 4732, 380, 1059962, 524619, 603049496 };

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      FILE *f = fopen (path, "w");

      g_assert_nonnull (f);
      g_assert_cmpint (ftruncate (fileno (f), sizes[i] - (g_strcmp0 (names[i], wrong_file) == 0)),
                       ==, 0);
      fclose (f);
    }
  return dir;
}

static JsonObject *
known_model (JsonParser *parser,
             const char *out,
             const char *name)
{
  JsonArray *known;
  GError *error = NULL;

  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  known = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                        "known");
  for (guint i = 0; i < json_array_get_length (known); i++)
    {
      JsonObject *o = json_array_get_object_element (known, i);
      if (g_strcmp0 (json_object_get_string_member (o, "name"), name) == 0)
        return o;
    }
  g_assert_not_reached ();
}

static void
test_list_status (void)
{
  g_autofree char *tmp = pm_test_tmpdir ();
  g_autofree char *dir = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *clipseg;
  int rc;

  g_setenv ("XDG_DATA_HOME", tmp, TRUE);

  /* Nothing there: not installed, with the size a download takes and the licence. */
  rc = pm_test_run_cli ((const char *[]) { "model", "list", "--json", NULL }, &out, &err);
  g_assert_cmpint (rc, ==, 0);
  clipseg = known_model (parser, out, "clipseg-rd64-refined");
  g_assert_cmpstr (json_object_get_string_member (clipseg, "status"), ==, "not-installed");
  g_assert_cmpstr (json_object_get_string_member (clipseg, "license"), ==, "Apache-2.0");
  g_assert_cmpstr (json_object_get_string_member (clipseg, "title"), ==, "CLIPSeg");
  g_assert_cmpint (json_object_get_int_member (clipseg, "size"), ==, 604639189);
  g_assert_false (json_object_get_boolean_member (clipseg, "installed"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Every file at its pinned size: installed (judged without reading 600 MB). */
  dir = fake_install (tmp, "clipseg-rd64-refined", NULL);
  rc = pm_test_run_cli ((const char *[]) { "model", "list", "--json", NULL }, &out, &err);
  g_assert_cmpint (rc, ==, 0);
  clipseg = known_model (parser, out, "clipseg-rd64-refined");
  g_assert_cmpstr (json_object_get_string_member (clipseg, "status"), ==, "installed");
  g_assert_true (json_object_get_boolean_member (clipseg, "installed"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  rc = pm_test_run_cli ((const char *[]) { "model", "list", NULL }, &out, &err);
  g_assert_cmpint (rc, ==, 0);
  g_assert_nonnull (strstr (out, "  installed\n"));
  g_assert_nonnull (strstr (out, "604.6 MB, licence Apache-2.0"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Verify reads the bytes: the same folder fails its first pinned hash, one line, exit 1. */
  rc = pm_test_run_cli ((const char *[]) { "model", "verify", NULL }, &out, &err);
  g_assert_cmpint (rc, ==, 1);
  g_assert_cmpint (count_lines (err), ==, 1);
  g_assert_nonnull (strstr (err, "config.json: SHA-256"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* One byte short: corrupt, saying which file. */
  pm_test_rmdir (dir);
  g_free (dir);
  dir = fake_install (tmp, "clipseg-rd64-refined", "model.safetensors");
  rc = pm_test_run_cli ((const char *[]) { "model", "list", "--json", NULL }, &out, &err);
  g_assert_cmpint (rc, ==, 0);
  clipseg = known_model (parser, out, "clipseg-rd64-refined");
  g_assert_cmpstr (json_object_get_string_member (clipseg, "status"), ==, "corrupt");
  g_assert_nonnull (strstr (json_object_get_string_member (clipseg, "status_detail"),
                            "model.safetensors is 603049495 bytes"));

  g_unsetenv ("XDG_DATA_HOME");
  pm_test_rmdir (tmp);
}

static void
test_list_verify (void)
{
  g_autofree char *tmp = pm_test_tmpdir ();
  g_autofree char *models = g_build_filename (tmp, "paintmask", "models", NULL);
  g_autofree char *tiny = g_build_filename (models, "tiny", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  GError *error = NULL;
  int rc;

  copy_fixture (tiny);
  g_setenv ("XDG_DATA_HOME", tmp, TRUE);

  rc = pm_test_run_cli ((const char *[]) { "model", "list", NULL }, &out, &err);
  g_assert_cmpint (rc, ==, 0);
  g_assert_nonnull (strstr (out, "clipseg-rd64-refined"));
  g_assert_nonnull (strstr (out, "not installed"));
  g_assert_nonnull (strstr (out, "  tiny\n"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  rc = pm_test_run_cli ((const char *[]) { "model", "list", "--json", "--model-dir", tiny, NULL },
                        &out, &err);
  g_assert_cmpint (rc, ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  {
    JsonObject *root = json_node_get_object (json_parser_get_root (parser));
    JsonArray *installed = json_object_get_array_member (root, "installed");
    JsonArray *known = json_object_get_array_member (root, "known");
    g_assert_cmpuint (json_array_get_length (installed), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (installed, 0),
                                                    "name"), ==, "tiny");
    g_assert_false (json_object_get_boolean_member (json_array_get_object_element (known, 0),
                                                    "installed"));
    g_assert_true (json_object_get_boolean_member (
      json_object_get_object_member (root, "model_dir"), "complete"));
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  rc = pm_test_run_cli ((const char *[]) { "model", "verify", "--model-dir", tiny, NULL },
                        &out, &err);
  g_assert_cmpint (rc, ==, 0);
  g_assert_nonnull (strstr (out, "OK"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The pinned hashes of the real model do not match the tiny one. */
  rc = pm_test_run_cli ((const char *[]) { "model", "verify", "clipseg-rd64-refined",
                                           "--model-dir", tiny, "--json", NULL }, &out, &err);
  g_assert_cmpint (rc, ==, 1);
  g_assert_nonnull (strstr (out, "\"ok\" : false"));
  g_assert_cmpint (count_lines (err), ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A broken vocabulary fails verify with a line naming the file. */
  {
    g_autofree char *vocab = g_build_filename (tiny, "vocab.json", NULL);
    g_file_set_contents (vocab, "{\"a\": ", -1, &error);
    g_assert_no_error (error);
  }
  rc = pm_test_run_cli ((const char *[]) { "model", "verify", "--model-dir", tiny, NULL },
                        &out, &err);
  g_assert_cmpint (rc, ==, 1);
  g_assert_nonnull (strstr (err, "vocab.json"));
  g_assert_cmpint (count_lines (err), ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The default model is not installed: one clear line. */
  rc = pm_test_run_cli ((const char *[]) { "model", "verify", NULL }, &out, &err);
  g_assert_cmpint (rc, ==, 1);
  g_assert_nonnull (strstr (err, "paintmask model download"));
  g_assert_cmpint (count_lines (err), ==, 1);

  g_unsetenv ("XDG_DATA_HOME");
  pm_test_rmdir (tmp);
}

static void
test_logits (void)
{
  const char *cases[][4] = {
    { "tiny-f32", "images/synthetic.png", "a red circle", "expected/case01.logits.npy" },
    { "tiny-f16", "images/cat.jpg", "cat", "expected/case04.logits.npy" },
  };
  g_autofree char *tmp = pm_test_tmpdir ();

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *fixture = pm_test_shared_path ("data/clipseg-fixture");
      g_autofree char *dir = g_build_filename (fixture, cases[c][0], NULL);
      g_autofree char *image = g_build_filename (fixture, cases[c][1], NULL);
      g_autofree char *expected_path = g_build_filename (fixture, cases[c][3], NULL);
      g_autofree char *out_path = g_build_filename (tmp, "logits.npy", NULL);
      g_autofree char *out = NULL, *err = NULL;
      g_autofree float *got = NULL, *expected = NULL;
      gint64 shape[PM_NPY_MAX_DIMS], eshape[PM_NPY_MAX_DIMS];
      int n_dims = 0, e_dims = 0;
      GError *error = NULL;
      double max_diff = 0;
      int rc;

      rc = pm_test_run_cli ((const char *[]) { "model", "logits", "--model-dir", dir, image,
                                               cases[c][2], "-o", out_path, NULL }, &out, &err);
      if (rc != 0)
        g_printerr ("%s", err);
      g_assert_cmpint (rc, ==, 0);
      got = pm_npy_load (out_path, &n_dims, shape, &error);
      g_assert_no_error (error);
      expected = pm_npy_load (expected_path, &e_dims, eshape, &error);
      g_assert_no_error (error);
      g_assert_cmpint (n_dims, ==, 3);
      g_assert_cmpint (e_dims, ==, 3);
      for (int d = 0; d < 3; d++)
        g_assert_cmpint (shape[d], ==, eshape[d]);
      g_assert_cmpint (shape[0], ==, 1);
      for (gint64 i = 0; i < shape[1] * shape[2]; i++)
        max_diff = MAX (max_diff, fabs ((double) got[i] - expected[i]));
      g_test_message ("%s: max |Δ| = %g", cases[c][3], max_diff);
      g_assert_cmpfloat (max_diff, <=, 1e-3);
    }

  /* Missing -o, unreadable image. */
  {
    g_autofree char *dir = fixture_dir ();
    g_autofree char *out = NULL, *err = NULL;
    g_autofree char *out_path = g_build_filename (tmp, "x.npy", NULL);
    int rc = pm_test_run_cli ((const char *[]) { "model", "logits", "--model-dir", dir,
                                                 "/nonexistent.png", "cat", NULL }, &out, &err);
    g_assert_cmpint (rc, ==, 2);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    rc = pm_test_run_cli ((const char *[]) { "model", "logits", "--model-dir", dir,
                                             "/nonexistent.png", "cat", "-o", out_path, NULL },
                          &out, &err);
    g_assert_cmpint (rc, ==, 1);
    g_assert_cmpint (count_lines (err), ==, 1);
    g_assert_nonnull (strstr (err, "nonexistent.png"));
  }
  pm_test_rmdir (tmp);
}

static void
test_info (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  GError *error = NULL;
  JsonObject *root;
  int rc;

  rc = pm_test_run_cli ((const char *[]) { "model", "info", "--model-dir", dir, "--json", NULL },
                        &out, &err);
  g_assert_cmpint (rc, ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "architecture"), ==,
                   "CLIPSegForImageSegmentation");
  g_assert_cmpstr (json_object_get_string_member (root, "dtype"), ==, "F32");
  g_assert_cmpint (json_object_get_int_member (root, "input_size"), ==, 64);
  g_assert_cmpint (json_object_get_int_member (root, "vision_layers"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (root, "text_hidden"), ==, 32);
  g_assert_cmpint (json_object_get_int_member (root, "reduce_dim"), ==, 16);
  /* 7,542,000-byte file: params × 4 plus the header. */
  g_assert_cmpint (json_object_get_int_member (root, "weights_bytes"), ==, 7542000);
  g_assert_cmpint (json_object_get_int_member (root, "params") * 4, <, 7542000);
  g_assert_cmpint (json_object_get_int_member (root, "params") * 4, >, 7400000);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  rc = pm_test_run_cli ((const char *[]) { "model", "info", "--model-dir", dir, NULL },
                        &out, &err);
  g_assert_cmpint (rc, ==, 0);
  g_assert_nonnull (strstr (out, "extract layers [0, 1, 2]"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  rc = pm_test_run_cli ((const char *[]) { "model", "info", "--model-dir", "/nonexistent", NULL },
                        &out, &err);
  g_assert_cmpint (rc, ==, 1);
  g_assert_cmpint (count_lines (err), ==, 1);
}

static void
test_bench (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *image = pm_test_shared_path ("data/clipseg-fixture/images/synthetic.png");
  const char *engines[] = { "clipseg", "builtin" };

  for (guint e = 0; e < G_N_ELEMENTS (engines); e++)
    {
      g_autofree char *out = NULL, *err = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();
      const char *keys[] = { "forward_ms", "cache_hit_ms", "cache_hit_cpu_ms", "total_cpu_ms",
                             "load_ms", "load_cpu_ms", "peak_rss_mb" };
      GError *error = NULL;
      JsonObject *root;
      int rc;

      rc = pm_test_run_cli ((const char *[]) { "bench", "--engine", engines[e], "--model-dir",
                                               dir, image, "--runs", "1", "--json", NULL },
                            &out, &err);
      if (rc != 0)
        g_printerr ("%s", err);
      g_assert_cmpint (rc, ==, 0);
      json_parser_load_from_data (parser, out, -1, &error);
      g_assert_no_error (error);
      root = json_node_get_object (json_parser_get_root (parser));
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        {
          g_assert_true (json_object_has_member (root, keys[k]));
          g_assert_cmpfloat (json_object_get_double_member (root, keys[k]), >=, 0);
        }
      g_assert_cmpfloat (json_object_get_double_member (root, "peak_rss_mb"), >, 0);
      g_assert_nonnull (json_object_get_object_member (root, "stages_ms"));
      if (e == 0)
        {
          JsonObject *stages = json_object_get_object_member (root, "stages_ms");
          g_assert_true (json_object_has_member (stages, "vision encoder"));
          g_assert_true (json_object_has_member (stages, "text encoder"));
          g_assert_true (json_object_has_member (stages, "decoder"));
          g_assert_true (json_object_has_member (stages, "upsample/refine"));
        }
      /* the compute report: kernels, peak, and per-op GFLOP/s of the model's products */
      g_assert_true (json_object_has_member (root, "isa"));
      g_assert_cmpint (json_object_get_int_member (root, "threads"), >=, 1);
      g_assert_cmpfloat (json_object_get_double_member (root, "peak_gflops"), >, 0);
      if (e == 0)
        {
          JsonArray *ops = json_object_get_array_member (root, "ops");
          gboolean vision_linear = FALSE, vision_attention = FALSE;

          g_assert_cmpuint (json_array_get_length (ops), >, 0);
          for (guint i = 0; i < json_array_get_length (ops); i++)
            {
              JsonObject *op = json_array_get_object_element (ops, i);
              const char *scope = json_object_get_string_member (op, "scope");
              const char *kind = json_object_get_string_member (op, "op");

              g_assert_cmpint (json_object_get_int_member (op, "calls"), >=, 1);
              g_assert_cmpfloat (json_object_get_double_member (op, "gflops"), >, 0);
              g_assert_cmpuint (json_array_get_length (json_object_get_array_member (op, "shape")),
                                ==, 3);
              vision_linear |= strcmp (scope, "vision") == 0 && strcmp (kind, "linear") == 0;
              vision_attention |= strcmp (scope, "vision") == 0 && strcmp (kind, "attention") == 0;
            }
          g_assert_true (vision_linear && vision_attention);
          g_assert_cmpint (json_object_get_int_member (root, "vision_layers"), >=, 1);
          g_assert_cmpfloat (json_object_get_double_member (root, "vision_layer_mb_moved"), >, 0);
          g_assert_cmpfloat (json_object_get_double_member (root, "pack_ms"), >, 0);
          g_assert_true (strcmp (json_object_get_string_member (root, "precision"), "f32") == 0 ||
                         strcmp (json_object_get_string_member (root, "precision"), "bf16") == 0);
        }
    }

  /* Usage errors. */
  {
    g_autofree char *out = NULL, *err = NULL;
    int rc = pm_test_run_cli ((const char *[]) { "bench", "--engine", "nope", image, NULL },
                              &out, &err);
    g_assert_cmpint (rc, ==, 2);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    rc = pm_test_run_cli ((const char *[]) { "bench", NULL }, &out, &err);
    g_assert_cmpint (rc, ==, 2);
  }
}

/* ---------------------------------------------------------------- download via the CLI */

static void
handle (SoupServer        *server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  const char *prefix = "/" REPO "/resolve/" REVISION "/";
  g_autofree char *dir = fixture_dir ();
  g_autofree char *file = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (g_str_has_prefix (path, prefix))
    file = g_build_filename (dir, path + strlen (prefix), NULL);
  if (file == NULL || strstr (path, "..") != NULL ||
      !g_file_get_contents (file, &contents, &len, NULL))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  if (g_str_has_suffix (path, ".safetensors"))
    {
      g_autofree char *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                          (guint8 *) contents, len);
      g_autofree char *etag = g_strdup_printf ("\"%s\"", sha);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "X-Linked-Etag", etag);
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                    contents, len);
}

static void
on_child_exit (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *done = user_data;
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

/* Runs the CLI while this process serves HTTP on the main context. */
static int
run_cli_async (const char * const *args,
               char              **out,
               char              **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GBytes) out_bytes = NULL, err_bytes = NULL;
  GError *error = NULL;
  gboolean done = FALSE;

  g_ptr_array_add (argv, (gpointer) g_getenv ("PAINTMASK_BIN"));
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  g_assert_no_error (error);
  /* Read the pipes after exit: the outputs here are small. */
  g_subprocess_wait_async (proc, NULL, on_child_exit, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_subprocess_communicate (proc, NULL, NULL, &out_bytes, &err_bytes, &error);
  g_assert_no_error (error);
  *out = g_strndup (g_bytes_get_data (out_bytes, NULL), g_bytes_get_size (out_bytes));
  *err = g_strndup (g_bytes_get_data (err_bytes, NULL), g_bytes_get_size (err_bytes));
  g_assert_true (g_subprocess_get_if_exited (proc));
  return g_subprocess_get_exit_status (proc);
}

static void
test_download (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autofree char *tmp = pm_test_tmpdir ();
  g_autofree char *dest = g_build_filename (tmp, "tiny", NULL);
  g_autofree char *url = NULL;
  g_autofree char *out = NULL, *err = NULL;
  GError *error = NULL;
  GSList *uris;
  int rc;

  soup_server_add_handler (server, NULL, handle, NULL, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  rc = run_cli_async ((const char *[]) { "model", "download", "--repo", REPO, "--revision",
                                         REVISION, "--hub-url", url, "--model-dir", dest, NULL },
                      &out, &err);
  if (rc != 0)
    g_printerr ("%s", err);
  g_assert_cmpint (rc, ==, 0);
  g_assert_nonnull (strstr (out, "5 downloaded"));
  g_assert_nonnull (strstr (out, "Next: paintmask edit"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Downloaded folder is usable. */
  rc = pm_test_run_cli ((const char *[]) { "model", "tokenize", "--model-dir", dest, "cat",
                                           NULL }, &out, &err);
  g_assert_cmpint (rc, ==, 0);
  g_assert_cmpstr (out, ==, "49406 2368 49407\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Again: nothing to fetch. */
  rc = run_cli_async ((const char *[]) { "model", "download", "--repo", REPO, "--revision",
                                         REVISION, "--hub-url", url, "--model-dir", dest, NULL },
                      &out, &err);
  g_assert_cmpint (rc, ==, 0);
  g_assert_nonnull (strstr (out, "5 already present"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* An unknown revision: HTTP 404, one line, exit 1. */
  rc = run_cli_async ((const char *[]) { "model", "download", "--repo", REPO, "--revision",
                                         "main", "--hub-url", url, "--model-dir", tmp, NULL },
                      &out, &err);
  g_assert_cmpint (rc, ==, 1);
  g_assert_nonnull (strstr (err, "404"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  soup_server_disconnect (server);

  /* Offline (nobody listening any more): one clear line, exit 1. */
  rc = run_cli_async ((const char *[]) { "model", "download", "--hub-url", url, "--model-dir",
                                         tmp, NULL }, &out, &err);
  g_assert_cmpint (rc, ==, 1);
  g_assert_nonnull (strstr (err, "Cannot reach"));
  g_assert_cmpint (count_lines (err), ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Unknown model names are usage errors. */
  rc = run_cli_async ((const char *[]) { "model", "download", "nope", NULL }, &out, &err);
  g_assert_cmpint (rc, ==, 2);

  pm_test_rmdir (tmp);
}

/* "--" ends the options of every model subcommand: what follows is taken as it is, even
 * when it starts with a dash. */
static void
test_dashes (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *fixture = pm_test_shared_path ("data/clipseg-fixture");
  g_autofree char *image = g_build_filename (fixture, "images/synthetic.png", NULL);
  g_autofree char *tmp = pm_test_tmpdir ();
  g_autofree char *npy = g_build_filename (tmp, "-logits.npy", NULL);
  g_autofree char *out = NULL, *err = NULL;
  int rc;

  /* A text of dashes: an unknown option without "--", a text after it. */
  rc = pm_test_run_cli ((const char *[]) { "model", "tokenize", "--model-dir", dir,
                                           "---===***", NULL }, &out, &err);
  g_assert_cmpint (rc, ==, 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  rc = pm_test_run_cli ((const char *[]) { "model", "tokenize", "--model-dir", dir, "--",
                                           "---===***", NULL }, &out, &err);
  g_assert_cmpint (rc, ==, 0);
  g_assert_true (g_str_has_prefix (out, "49406 "));
  g_assert_true (g_str_has_suffix (out, " 49407\n"));
  g_assert_cmpuint (strlen (out), >, strlen ("49406 49407\n"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* logits: a text starting with a dash after "--". */
  rc = pm_test_run_cli ((const char *[]) { "model", "logits", "--model-dir", dir, "-o", npy,
                                           "--", image, "-a red circle", NULL }, &out, &err);
  g_assert_cmpint (rc, ==, 0);
  g_assert_true (g_file_test (npy, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* info, verify, download take a NAME: "-x" is a name after "--" (and no model has it), an
   * unknown option before. list takes none, and "--" alone is fine. */
  rc = pm_test_run_cli ((const char *[]) { "model", "list", "--json", "--", NULL }, &out, &err);
  g_assert_cmpint (rc, ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    static const char * const subs[] = { "info", "verify", "download" };
    for (gsize i = 0; i < G_N_ELEMENTS (subs); i++)
      {
        rc = pm_test_run_cli ((const char *[]) { "model", subs[i], "-x", NULL }, &out, &err);
        g_assert_cmpint (rc, ==, 2);
        g_assert_nonnull (strstr (err, "Unknown option"));
        g_clear_pointer (&out, g_free);
        g_clear_pointer (&err, g_free);
        rc = pm_test_run_cli ((const char *[]) { "model", subs[i], "--", "-x", NULL }, &out,
                              &err);
        g_test_message ("model %s -- -x: %d %s", subs[i], rc, err);
        g_assert_cmpint (rc, !=, 0);
        g_assert_null (strstr (err, "Unknown option"));
        g_assert_nonnull (strstr (err, "-x"));
        g_clear_pointer (&out, g_free);
        g_clear_pointer (&err, g_free);
      }
  }
  pm_test_rmdir (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pm_test_add_shared_func ("/cli/model/tokenize", "data/clipseg-fixture", test_tokenize);
  pm_test_add_shared_func ("/cli/model/list-verify", "data/clipseg-fixture", test_list_verify);
  pm_test_add_shared_func ("/cli/model/list-status", "data/clipseg-fixture", test_list_status);
  pm_test_add_shared_func ("/cli/model/logits", "data/clipseg-fixture", test_logits);
  pm_test_add_shared_func ("/cli/model/info", "data/clipseg-fixture", test_info);
  pm_test_add_shared_func ("/cli/model/bench", "data/clipseg-fixture", test_bench);
  pm_test_add_shared_func ("/cli/model/download", "data/clipseg-fixture", test_download);
  pm_test_add_shared_func ("/cli/model/dashes", "data/clipseg-fixture", test_dashes);
  return g_test_run ();
}
