/* test-cli-sam-model.c: the SAM models in the registry: download of slimsam-77 at its pinned
 * revision from a local Hub-like server (pinned sizes, LFS hash, resume, a corrupt body),
 * then `paintmask model download/list/info/verify` on it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server answers `/Zigeng/SlimSAM-uniform-77/resolve/<pinned revision>/<file>` with the
 * tiny SAM fixture; its config.json and preprocessor_config.json are padded with spaces to
 * the sizes the registry pins (364 and 466 bytes, valid JSON still), model.safetensors
 * redirects to `/lfs/…` with `X-Linked-Etag` like the Hub.
 */
#include <string.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "pm-model.h"
#include "pm-test-util.h"

typedef struct {
  SoupServer *server;
  char       *url;
  char       *prefix;       /* /REPO/resolve/REVISION/ */
  GHashTable *files;        /* name → GBytes */
  char       *lfs_sha;
  gboolean    corrupt;      /* flip a byte of model.safetensors (the etag stays right) */
  int         n_range_requests;
} Server;

static GBytes *
fixture_file (const char *name,
              gsize       pad_to)
{
  g_autofree char *rel = g_build_filename ("data/sam-fixture/tiny-f32", name, NULL);
  g_autofree char *path = pm_test_shared_path (rel);
  char *contents = NULL;
  gsize len = 0;
  GError *error = NULL;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  if (pad_to > 0)
    {
      /* compact first if the file is too long, then pad with spaces before the end */
      if (len > pad_to)
        {
          g_autoptr(JsonParser) p = json_parser_new ();
          g_autoptr(JsonGenerator) gen = json_generator_new ();
          g_assert_true (json_parser_load_from_data (p, contents, len, NULL));
          json_generator_set_root (gen, json_parser_get_root (p));
          g_free (contents);
          contents = json_generator_to_data (gen, &len);
        }
      g_assert_cmpuint (len, <=, pad_to);
      contents = g_realloc (contents, pad_to);
      memset (contents + len, ' ', pad_to - len);
      len = pad_to;
    }
  return g_bytes_new_take (contents, len);
}

static void
serve (SoupServerMessage *msg,
       Server            *server,
       GBytes            *bytes)
{
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  goffset start = 0, end = -1;
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  g_autofree guint8 *copy = NULL;
  SoupRange *ranges = NULL;
  int n_ranges = 0;

  if (server->corrupt && g_bytes_get_size (bytes) > 1000)
    {
      copy = g_memdup2 (data, size);
      copy[size / 2] ^= 0x20;
      data = copy;
    }
  if (soup_message_headers_get_ranges (req, size, &ranges, &n_ranges) && n_ranges == 1)
    {
      start = ranges[0].start;
      end = ranges[0].end;
      server->n_range_requests++;
      soup_message_headers_free_ranges (req, ranges);
      soup_message_headers_set_content_range (soup_server_message_get_response_headers (msg),
                                              start, end, size);
      soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                        (const char *) data + start, end - start + 1);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                    (const char *) data, size);
}

static void
handle (SoupServer        *soup_server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  Server *server = user_data;
  const char *name = NULL;
  GBytes *bytes;

  if (g_str_has_prefix (path, server->prefix))
    name = path + strlen (server->prefix);
  else if (g_str_has_prefix (path, "/lfs/"))
    name = path + 5;
  bytes = name != NULL ? g_hash_table_lookup (server->files, name) : NULL;
  if (bytes == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  if (g_str_has_prefix (path, server->prefix) && strcmp (name, "model.safetensors") == 0)
    {
      SoupMessageHeaders *resp = soup_server_message_get_response_headers (msg);
      g_autofree char *etag = g_strdup_printf ("\"%s\"", server->lfs_sha);

      soup_message_headers_replace (resp, "X-Linked-Etag", etag);
      soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, "/lfs/model.safetensors");
      return;
    }
  serve (msg, server, bytes);
}

static Server *
server_new (const PmModelSpec *spec)
{
  Server *server = g_new0 (Server, 1);
  GError *error = NULL;
  GSList *uris;

  server->prefix = g_strdup_printf ("/%s/resolve/%s/", spec->repo, spec->revision);
  server->files = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) g_bytes_unref);
  for (int i = 0; i < spec->n_files; i++)
    g_hash_table_insert (server->files, (gpointer) spec->files[i].name,
                         fixture_file (spec->files[i].name,
                                       spec->files[i].size > 0 ? spec->files[i].size : 0));
  server->lfs_sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256,
                                                  g_hash_table_lookup (server->files,
                                                                       "model.safetensors"));
  server->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server->server, NULL, handle, server, NULL);
  soup_server_listen_local (server->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server->server);
  {
    g_autofree char *s = g_uri_to_string (uris->data);
    server->url = g_strndup (s, strlen (s) - (g_str_has_suffix (s, "/") ? 1 : 0));
  }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return server;
}

static void
server_free (Server *server)
{
  soup_server_disconnect (server->server);
  g_object_unref (server->server);
  g_hash_table_unref (server->files);
  g_free (server->prefix);
  g_free (server->lfs_sha);
  g_free (server->url);
  g_free (server);
}

static void
on_child_exit (GObject      *source,
               GAsyncResult *res,
               gpointer      data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  *(gboolean *) data = TRUE;
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
  g_subprocess_wait_async (proc, NULL, on_child_exit, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_subprocess_communicate (proc, NULL, NULL, &out_bytes, &err_bytes, &error);
  g_assert_no_error (error);
  *out = g_strndup (g_bytes_get_data (out_bytes, NULL), g_bytes_get_size (out_bytes));
  *err = g_strndup (g_bytes_get_data (err_bytes, NULL), g_bytes_get_size (err_bytes));
  return g_subprocess_get_exit_status (proc);
}

static gboolean
same_as_served (Server     *server,
                const char *dir,
                const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *contents = NULL;
  gsize len;
  g_autoptr(GBytes) got = NULL;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return FALSE;
  got = g_bytes_new (contents, len);
  return g_bytes_equal (got, g_hash_table_lookup (server->files, name));
}

/* The registry knows both SAM models, pinned to 40-hex revisions. */
static void
test_registry (void)
{
  const char *names[] = { "slimsam-77", "sam-vit-base" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const PmModelSpec *spec = pm_model_lookup (names[i]);

      g_assert_nonnull (spec);
      g_assert_cmpstr (spec->engine, ==, "sam");
      g_assert_cmpuint (strlen (spec->revision), ==, 40);
      g_assert_cmpstr (spec->license, ==, "Apache-2.0");
      g_assert_cmpint (spec->n_files, ==, 3);
    }
  g_assert_cmpstr (pm_model_lookup (PM_MODEL_SAM_DEFAULT_NAME)->name, ==, "slimsam-77");
}

static void
test_download (void)
{
  const PmModelSpec *spec = pm_model_lookup ("slimsam-77");
  Server *server = server_new (spec);
  g_autofree char *tmp = pm_test_tmpdir ();
  g_autofree char *dest = g_build_filename (tmp, "slimsam-77", NULL);
  g_autofree char *weights = g_build_filename (dest, "model.safetensors", NULL);
  g_autofree char *part = g_strconcat (weights, ".part", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  GBytes *model = g_hash_table_lookup (server->files, "model.safetensors");
  int rc;

  /* an interrupted earlier download left half of the weights */
  g_assert_cmpint (g_mkdir_with_parents (dest, 0755), ==, 0);
  g_assert_true (g_file_set_contents (part, g_bytes_get_data (model, NULL),
                                      g_bytes_get_size (model) / 2, NULL));
  g_assert_cmpint (pm_model_get_status (spec, dest, NULL), ==, PM_MODEL_STATUS_INCOMPLETE);
  rc = run_cli_async ((const char *[]) { "model", "download", "slimsam-77", "--hub-url",
                                         server->url, "--model-dir", dest, NULL }, &out, &err);
  g_test_message ("%s%s", out, err);
  g_assert_cmpint (rc, ==, 0);
  g_assert_nonnull (strstr (out, "3 downloaded, 1 resumed"));
  g_assert_nonnull (strstr (out, "Next: paintmask segment PHOTO.jpg --point X,Y"));
  g_assert_cmpint (server->n_range_requests, ==, 1);
  for (int i = 0; i < spec->n_files; i++)
    g_assert_true (same_as_served (server, dest, spec->files[i].name));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  g_assert_cmpint (pm_model_get_status (spec, dest, NULL), ==, PM_MODEL_STATUS_INSTALLED);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* verify loads it as a SAM model; info describes it as one */
  rc = pm_test_run_cli ((const char *[]) { "model", "verify", "slimsam-77", "--model-dir", dest,
                                           NULL }, &out, &err);
  g_assert_cmpint (rc, ==, 0);
  g_assert_nonnull (strstr (out, "SAM encoder 4 layers × 48"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  rc = pm_test_run_cli ((const char *[]) { "model", "info", "--model-dir", dest, "--json", NULL },
                        &out, &err);
  g_assert_cmpint (rc, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  {
    JsonObject *o = json_node_get_object (json_parser_get_root (parser));
    JsonArray *global = json_object_get_array_member (o, "global_attn_layers");

    g_assert_cmpstr (json_object_get_string_member (o, "engine"), ==, "sam");
    g_assert_cmpstr (json_object_get_string_member (o, "architecture"), ==, "SamModel");
    g_assert_cmpint (json_object_get_int_member (o, "vision_hidden"), ==, 48);
    g_assert_cmpint (json_object_get_int_member (o, "window_size"), ==, 14);
    g_assert_cmpuint (json_array_get_length (global), ==, 2);
    g_assert_cmpint (json_array_get_int_element (global, 1), ==, 3);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the folder is listed among the installed models */
  {
    g_auto(GStrv) installed = pm_model_list_installed (tmp);
    g_assert_cmpuint (g_strv_length (installed), ==, 1);
    g_assert_cmpstr (installed[0], ==, "slimsam-77");
  }

  /* a body that does not hash to the LFS id is not installed */
  g_assert_cmpint (g_unlink (weights), ==, 0);
  server->corrupt = TRUE;
  rc = run_cli_async ((const char *[]) { "model", "download", "slimsam-77", "--hub-url",
                                         server->url, "--model-dir", dest, NULL }, &out, &err);
  g_test_message ("%s", err);
  g_assert_cmpint (rc, ==, 1);
  g_assert_nonnull (strstr (err, "SHA-256"));
  g_assert_false (g_file_test (weights, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  server_free (server);
  pm_test_rmdir (tmp);
}

/* A config.json of another size than the pinned one is refused before it is installed. */
static void
test_pinned_size (void)
{
  const PmModelSpec *spec = pm_model_lookup ("slimsam-77");
  Server *server = server_new (spec);
  g_autofree char *tmp = pm_test_tmpdir ();
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *cfg = g_build_filename (tmp, "config.json", NULL);
  int rc;

  g_hash_table_insert (server->files, (gpointer) "config.json",
                       g_bytes_new_static ("{\"model_type\": \"sam\"}", 21));
  rc = run_cli_async ((const char *[]) { "model", "download", "slimsam-77", "--hub-url",
                                         server->url, "--model-dir", tmp, NULL }, &out, &err);
  g_test_message ("%s", err);
  g_assert_cmpint (rc, ==, 1);
  g_assert_nonnull (strstr (err, "expected 364"));
  g_assert_false (g_file_test (cfg, G_FILE_TEST_EXISTS));
  server_free (server);
  pm_test_rmdir (tmp);
}

static void
test_list (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *known;
  int found = 0;

  g_assert_cmpint (pm_test_run_cli ((const char *[]) { "model", "list", "--json", NULL }, &out,
                                    &err), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  known = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                        "known");
  for (guint i = 0; i < json_array_get_length (known); i++)
    {
      JsonObject *m = json_array_get_object_element (known, i);
      const char *name = json_object_get_string_member (m, "name");

      if (strcmp (name, "slimsam-77") == 0 || strcmp (name, "sam-vit-base") == 0)
        {
          g_assert_cmpstr (json_object_get_string_member (m, "engine"), ==, "sam");
          found++;
        }
    }
  g_assert_cmpint (found, ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = pm_test_shared_path ("data/sam-fixture/tiny-f32");
  g_autofree char *xdg = NULL;

  g_test_init (&argc, &argv, NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      if (g_getenv ("CI") != NULL)
        g_error ("SAM fixture not found under $PM_SHARED_DIR");
      g_test_skip ("SAM fixture not found (../shared/data/sam-fixture)");
      return g_test_run ();
    }
  /* the user's real models folder is never looked at */
  xdg = pm_test_tmpdir ();
  g_setenv ("XDG_DATA_HOME", xdg, TRUE);
  g_test_add_func ("/cli/sam-model/registry", test_registry);
  g_test_add_func ("/cli/sam-model/download", test_download);
  g_test_add_func ("/cli/sam-model/pinned-size", test_pinned_size);
  g_test_add_func ("/cli/sam-model/list", test_list);
  {
    int ret = g_test_run ();
    pm_test_rmdir (xdg);
    return ret;
  }
}
