/* test-download.c: model download against a local Hub-like HTTP server.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The test starts a SoupServer on 127.0.0.1 (random port) that serves the tiny fixture
 * model under the Hub layout `/{repo}/resolve/{revision}/{file}`; model.safetensors answers
 * with a 302 to `/lfs/…` carrying `X-Linked-Etag` like the Hub. Downloads run in a worker
 * thread while the main thread runs the server.
 */
#include <string.h>
#include <libsoup/soup.h>

#include "pm-model.h"
#include "pm-test-util.h"

#define REPO "test-org/tiny-clipseg"
#define REVISION "0123456789abcdef0123456789abcdef01234567"

typedef enum {
  MODE_NORMAL,
  MODE_TRUNCATE,   /* model.safetensors: headers promise the full size, half is sent */
  MODE_CORRUPT,    /* model.safetensors: one byte flipped (X-Linked-Etag still the real hash) */
  MODE_IGNORE_RANGE,
} ServerMode;

typedef struct {
  SoupServer *server;
  char       *url;
  GHashTable *files;      /* name → GBytes */
  char       *lfs_sha;
  ServerMode  mode;
  int         n_requests;
  int         n_range_requests;
} Server;

static const char *fixture_files[] = {
  "config.json", "preprocessor_config.json", "vocab.json", "merges.txt", "model.safetensors",
};

static GBytes *
read_fixture (const char *name)
{
  g_autofree char *path = NULL;
  g_autofree char *rel = g_build_filename ("data/clipseg-fixture/tiny-f32", name, NULL);
  char *contents = NULL;
  gsize len = 0;
  GError *error = NULL;

  path = pm_test_shared_path (rel);
  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

static void
serve_bytes (SoupServerMessage *msg,
             Server            *server,
             GBytes            *bytes)
{
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *resp = soup_server_message_get_response_headers (msg);
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  SoupRange *ranges = NULL;
  int n_ranges = 0;

  if (server->mode != MODE_IGNORE_RANGE &&
      soup_message_headers_get_ranges (req, size, &ranges, &n_ranges) && n_ranges == 1)
    {
      goffset start = ranges[0].start, end = ranges[0].end;
      server->n_range_requests++;
      soup_message_headers_free_ranges (req, ranges);
      if (start >= (goffset) size)
        {
          soup_server_message_set_status (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, NULL);
          return;
        }
      soup_message_headers_set_content_range (resp, start, end, size);
      soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                        (const char *) data + start, end - start + 1);
      return;
    }
  /* SoupServer would answer a Range itself; a server that ignores it must hide it. */
  if (server->mode == MODE_IGNORE_RANGE)
    soup_message_headers_remove (req, "Range");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                    (const char *) data, size);
}

static void
serve_truncated (SoupServerMessage *msg,
                 GBytes            *bytes)
{
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);
  GOutputStream *out = g_io_stream_get_output_stream (stream);
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  g_autofree char *head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
                                           "Connection: close\r\n\r\n", size);

  g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL);
  g_output_stream_write_all (out, data, size / 2, NULL, NULL, NULL);
  g_io_stream_close (stream, NULL, NULL);
}

static void
handle (SoupServer        *soup_server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  Server *server = user_data;
  const char *prefix = "/" REPO "/resolve/" REVISION "/";

  server->n_requests++;
  if (g_str_has_prefix (path, prefix))
    {
      const char *name = path + strlen (prefix);
      GBytes *bytes = g_hash_table_lookup (server->files, name);

      if (bytes == NULL)
        {
          soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
          return;
        }
      if (strcmp (name, "model.safetensors") == 0)
        {
          SoupMessageHeaders *resp = soup_server_message_get_response_headers (msg);
          g_autofree char *etag = g_strdup_printf ("\"%s\"", server->lfs_sha);
          g_autofree char *size = g_strdup_printf ("%zu", g_bytes_get_size (bytes));
          g_autofree char *location = g_strdup_printf ("/lfs/%s?signature=abc", name);

          soup_message_headers_replace (resp, "X-Linked-Etag", etag);
          soup_message_headers_replace (resp, "X-Linked-Size", size);
          soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, location);
          return;
        }
      serve_bytes (msg, server, bytes);
      return;
    }
  if (g_str_has_prefix (path, "/lfs/"))
    {
      GBytes *bytes = g_hash_table_lookup (server->files, path + 5);
      if (bytes == NULL)
        {
          soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
          return;
        }
      if (server->mode == MODE_TRUNCATE)
        {
          serve_truncated (msg, bytes);
          return;
        }
      if (server->mode == MODE_CORRUPT)
        {
          gsize size = 0;
          const guint8 *data = g_bytes_get_data (bytes, &size);
          g_autofree guint8 *copy = g_memdup2 (data, size);
          g_autoptr(GBytes) bad = NULL;
          copy[size / 3] ^= 0x40;
          bad = g_bytes_new (copy, size);
          serve_bytes (msg, server, bad);
          return;
        }
      serve_bytes (msg, server, bytes);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static Server *
server_new (void)
{
  Server *server = g_new0 (Server, 1);
  GError *error = NULL;
  GSList *uris;

  server->files = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) g_bytes_unref);
  for (guint i = 0; i < G_N_ELEMENTS (fixture_files); i++)
    g_hash_table_insert (server->files, (gpointer) fixture_files[i],
                         read_fixture (fixture_files[i]));
  {
    GBytes *model = g_hash_table_lookup (server->files, "model.safetensors");
    server->lfs_sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, model);
  }
  server->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server->server, NULL, handle, server, NULL);
  soup_server_listen_local (server->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server->server);
  g_assert_nonnull (uris);
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
  g_free (server->lfs_sha);
  g_free (server->url);
  g_free (server);
}

/* ---------------------------------------------------------------- running a download */

static PmModelFile test_files[G_N_ELEMENTS (fixture_files)];

static PmModelSpec
test_spec (void)
{
  PmModelSpec spec = {
    .name = "tiny", .repo = REPO, .revision = REVISION, .engine = "clipseg",
    .description = "test", .files = test_files, .n_files = G_N_ELEMENTS (fixture_files),
  };
  for (guint i = 0; i < G_N_ELEMENTS (fixture_files); i++)
    {
      test_files[i].name = fixture_files[i];
      test_files[i].size = -1;
      test_files[i].sha256 = NULL;
    }
  return spec;
}

typedef struct {
  const PmModelSpec *spec;
  PmDownloadOptions  options;
  PmDownloadStats    stats;
  GCancellable      *cancellable;
  gboolean           ok;
  GError            *error;
  gint               done;
  gint64             last_done;
  int                n_progress;
} Run;

static void
on_progress (const char *file,
             int         index,
             int         n_files,
             gint64      done,
             gint64      total,
             gpointer    user_data)
{
  Run *run = user_data;
  g_assert_cmpint (index, <, n_files);
  g_assert_true (total < 0 || done <= total);
  run->last_done = done;
  run->n_progress++;
  /* Cancel in the middle of model.safetensors when asked to. */
  if (run->cancellable != NULL && g_str_equal (file, "model.safetensors") && done > 0)
    g_cancellable_cancel (run->cancellable);
}

static gpointer
run_thread (gpointer data)
{
  Run *run = data;
  run->ok = pm_model_download (run->spec, &run->options, &run->stats, run->cancellable,
                               &run->error);
  g_atomic_int_set (&run->done, 1);
  return NULL;
}

static gboolean
download_full (const PmModelSpec *spec,
               const char        *hub,
               const char        *dest,
               GCancellable      *cancellable,
               PmDownloadStats   *stats,
               GError           **error)
{
  Run run = { 0 };
  GThread *thread;

  run.spec = spec;
  run.cancellable = cancellable;
  run.options.hub_url = hub;
  run.options.dest_dir = dest;
  run.options.timeout_s = 20;
  run.options.progress = on_progress;
  run.options.progress_data = &run;
  thread = g_thread_new ("download", run_thread, &run);
  while (!g_atomic_int_get (&run.done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  /* Let the server finish closing connections. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (stats != NULL)
    *stats = run.stats;
  if (run.error != NULL)
    g_propagate_error (error, run.error);
  if (run.ok && run.stats.n_downloaded > 0)
    g_assert_cmpint (run.n_progress, >, 0);
  return run.ok;
}

static gboolean
download (const PmModelSpec *spec,
          const char        *hub,
          const char        *dest,
          PmDownloadStats   *stats,
          GError           **error)
{
  return download_full (spec, hub, dest, NULL, stats, error);
}

/* The main context must wake up when the worker finishes: a timeout source keeps it
 * iterating. */
static gboolean
tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
assert_same_as_fixture (const char *dir,
                        const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GBytes) expected = read_fixture (name);
  char *contents = NULL;
  gsize len = 0;
  GError *error = NULL;
  g_autoptr(GBytes) got = NULL;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  got = g_bytes_new_take (contents, len);
  g_assert_true (g_bytes_equal (got, expected));
}

static gboolean
file_exists (const char *dir,
             const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* ---------------------------------------------------------------- tests */

static void
test_full_download (void)
{
  Server *server = server_new ();
  g_autofree char *tmp = pm_test_tmpdir ();
  g_autofree char *dest = g_build_filename (tmp, "models", "tiny", NULL);
  PmModelSpec spec = test_spec ();
  PmDownloadStats stats;
  GError *error = NULL;
  g_autoptr(GString) report = g_string_new (NULL);

  g_assert_true (download (&spec, server->url, dest, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stats.n_downloaded, ==, 5);
  g_assert_cmpint (stats.n_skipped, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (fixture_files); i++)
    {
      g_autofree char *part = g_strconcat (fixture_files[i], ".part", NULL);
      assert_same_as_fixture (dest, fixture_files[i]);
      g_assert_false (file_exists (dest, part));
    }
  g_assert_true (pm_model_dir_is_complete (dest, NULL));
  {
    g_autofree char *models = g_build_filename (tmp, "models", NULL);
    g_auto(GStrv) installed = pm_model_list_installed (models);
    g_assert_cmpuint (g_strv_length (installed), ==, 1);
    g_assert_cmpstr (installed[0], ==, "tiny");
  }

  /* Again: everything is present, nothing is fetched. */
  server->n_requests = 0;
  g_assert_true (download (&spec, server->url, dest, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stats.n_skipped, ==, 5);
  g_assert_cmpint (stats.n_downloaded, ==, 0);
  g_assert_cmpint (server->n_requests, ==, 0);

  /* With pinned hashes (as the real table has), present files are re-checked and kept. */
  for (guint i = 0; i < G_N_ELEMENTS (fixture_files); i++)
    {
      g_autoptr(GBytes) b = read_fixture (fixture_files[i]);
      test_files[i].sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, b);
      test_files[i].size = g_bytes_get_size (b);
    }
  g_assert_true (download (&spec, server->url, dest, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stats.n_skipped, ==, 5);
  g_assert_true (pm_model_verify (dest, &spec, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (report->str, "model.safetensors sha256"));

  /* A damaged installed file fails verify and is fetched again by download. */
  {
    g_autofree char *cfg = g_build_filename (dest, "config.json", NULL);
    g_file_set_contents (cfg, "{}", -1, &error);
    g_assert_no_error (error);
    g_assert_false (pm_model_verify (dest, &spec, NULL, NULL, &error));
    g_assert_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HASH);
    g_clear_error (&error);
    g_assert_true (download (&spec, server->url, dest, &stats, &error));
    g_assert_no_error (error);
    g_assert_cmpint (stats.n_downloaded, ==, 1);
    assert_same_as_fixture (dest, "config.json");
  }
  for (guint i = 0; i < G_N_ELEMENTS (fixture_files); i++)
    g_free ((char *) test_files[i].sha256);

  pm_test_rmdir (tmp);
  server_free (server);
}

static void
write_part (const char *dest,
            const char *name,
            gsize       n)
{
  g_autoptr(GBytes) bytes = read_fixture (name);
  g_autofree char *part = g_strdup_printf ("%s/%s.part", dest, name);
  GError *error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dest, 0755), ==, 0);
  g_file_set_contents (part, g_bytes_get_data (bytes, NULL), n, &error);
  g_assert_no_error (error);
}

static void
test_resume (void)
{
  Server *server = server_new ();
  g_autofree char *dest = pm_test_tmpdir ();
  PmModelSpec spec = test_spec ();
  PmDownloadStats stats;
  GError *error = NULL;

  write_part (dest, "model.safetensors", 1000000);
  write_part (dest, "vocab.json", 4096);
  g_assert_true (download (&spec, server->url, dest, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stats.n_resumed, ==, 2);
  g_assert_cmpint (server->n_range_requests, ==, 2);
  {
    gint64 expected = 0;
    for (guint i = 0; i < G_N_ELEMENTS (fixture_files); i++)
      {
        g_autoptr(GBytes) b = read_fixture (fixture_files[i]);
        expected += g_bytes_get_size (b);
      }
    expected -= 1000000 + 4096;
    g_assert_cmpint (stats.bytes, ==, expected);
  }
  assert_same_as_fixture (dest, "model.safetensors");
  assert_same_as_fixture (dest, "vocab.json");
  pm_test_rmdir (dest);

  /* A server that ignores Range: the download starts over and is still right. */
  dest = (g_free (dest), pm_test_tmpdir ());
  server->mode = MODE_IGNORE_RANGE;
  write_part (dest, "model.safetensors", 5000);
  g_assert_true (download (&spec, server->url, dest, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stats.n_resumed, ==, 0);
  assert_same_as_fixture (dest, "model.safetensors");
  pm_test_rmdir (dest);

  /* A .part as long as the file: the server says 416, the download starts over. */
  dest = (g_free (dest), pm_test_tmpdir ());
  server->mode = MODE_NORMAL;
  write_part (dest, "merges.txt", 0);
  {
    g_autoptr(GBytes) merges = read_fixture ("merges.txt");
    g_autofree char *part = g_build_filename (dest, "merges.txt.part", NULL);
    g_file_set_contents (part, g_bytes_get_data (merges, NULL), g_bytes_get_size (merges),
                         &error);
    g_assert_no_error (error);
  }
  g_assert_true (download (&spec, server->url, dest, &stats, &error));
  g_assert_no_error (error);
  assert_same_as_fixture (dest, "merges.txt");
  pm_test_rmdir (dest);
  server_free (server);
}

static void
test_truncated (void)
{
  Server *server = server_new ();
  g_autofree char *dest = pm_test_tmpdir ();
  g_autofree char *part = g_build_filename (dest, "model.safetensors.part", NULL);
  PmModelSpec spec = test_spec ();
  g_autoptr(GBytes) model = read_fixture ("model.safetensors");
  PmDownloadStats stats;
  GError *error = NULL;
  GStatBuf st;

  server->mode = MODE_TRUNCATE;
  g_assert_false (download (&spec, server->url, dest, &stats, &error));
  g_assert_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_INCOMPLETE);
  g_assert_null (strchr (error->message, '\n'));
  g_assert_nonnull (strstr (error->message, "model.safetensors"));
  g_clear_error (&error);
  g_assert_false (file_exists (dest, "model.safetensors"));
  g_assert_cmpint (g_stat (part, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, g_bytes_get_size (model) / 2);

  /* The next attempt resumes from the kept half. */
  server->mode = MODE_NORMAL;
  g_assert_true (download (&spec, server->url, dest, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stats.n_resumed, ==, 1);
  g_assert_cmpint (stats.bytes, ==, g_bytes_get_size (model) - g_bytes_get_size (model) / 2);
  assert_same_as_fixture (dest, "model.safetensors");
  pm_test_rmdir (dest);
  server_free (server);
}

static void
test_wrong_hash (void)
{
  Server *server = server_new ();
  g_autofree char *dest = pm_test_tmpdir ();
  PmModelSpec spec = test_spec ();
  PmDownloadStats stats;
  GError *error = NULL;

  /* The LFS file does not match the X-Linked-Etag the Hub sent. */
  server->mode = MODE_CORRUPT;
  g_assert_false (download (&spec, server->url, dest, &stats, &error));
  g_assert_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HASH);
  g_assert_nonnull (strstr (error->message, server->lfs_sha));
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);
  g_assert_false (file_exists (dest, "model.safetensors"));
  g_assert_false (file_exists (dest, "model.safetensors.part"));

  /* A pinned hash that the served file does not have. */
  server->mode = MODE_NORMAL;
  test_files[0].sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
  pm_test_rmdir (dest);
  g_assert_false (download (&spec, server->url, dest, &stats, &error));
  g_assert_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HASH);
  g_assert_nonnull (strstr (error->message, "config.json"));
  g_clear_error (&error);
  g_assert_false (file_exists (dest, "config.json"));

  /* A pinned size the server disagrees with. */
  test_files[0].sha256 = NULL;
  test_files[0].size = 3;
  g_assert_false (download (&spec, server->url, dest, &stats, &error));
  g_assert_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HASH);
  g_clear_error (&error);
  g_assert_false (file_exists (dest, "config.json"));

  pm_test_rmdir (dest);
  server_free (server);
}

static void
test_http_errors (void)
{
  Server *server = server_new ();
  g_autofree char *dest = pm_test_tmpdir ();
  PmModelSpec spec = test_spec ();
  GError *error = NULL;

  g_hash_table_remove (server->files, "merges.txt");
  g_assert_false (download (&spec, server->url, dest, NULL, &error));
  g_assert_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HTTP);
  g_assert_nonnull (strstr (error->message, "404"));
  g_assert_nonnull (strstr (error->message, "merges.txt"));
  g_clear_error (&error);
  g_assert_false (file_exists (dest, "merges.txt"));
  pm_test_rmdir (dest);
  server_free (server);
}

static void
test_cancel (void)
{
  Server *server = server_new ();
  g_autofree char *dest = pm_test_tmpdir ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  PmModelSpec spec = test_spec ();
  PmDownloadStats stats;
  GError *error = NULL;

  g_assert_false (download_full (&spec, server->url, dest, cancellable, &stats, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (file_exists (dest, "model.safetensors"));
  g_assert_true (file_exists (dest, "model.safetensors.part"));
  g_assert_true (file_exists (dest, "config.json"));

  /* Resumed afterwards. */
  g_assert_true (download (&spec, server->url, dest, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stats.n_resumed, ==, 1);
  assert_same_as_fixture (dest, "model.safetensors");
  pm_test_rmdir (dest);
  server_free (server);
}

static void
test_dead_port (void)
{
  g_autofree char *dest = pm_test_tmpdir ();
  PmModelSpec spec = test_spec ();
  GError *error = NULL;
  g_autofree char *url = NULL;
  guint16 port;

  /* A port that was free a moment ago and has nobody listening. */
  {
    g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                              G_SOCKET_PROTOCOL_TCP, &error);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
    g_autoptr(GSocketAddress) bound = NULL;
    g_assert_no_error (error);
    g_socket_bind (socket, any, FALSE, &error);
    g_assert_no_error (error);
    bound = g_socket_get_local_address (socket, &error);
    g_assert_no_error (error);
    port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
    g_socket_close (socket, NULL);
  }
  url = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_assert_false (download (&spec, url, dest, NULL, &error));
  g_assert_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);
  pm_test_rmdir (dest);
}

static void
test_table (void)
{
  const PmModelSpec *spec = pm_model_lookup ("clipseg-rd64-refined");
  g_autofree char *url = NULL;
  g_autofree char *dir = NULL;

  g_assert_nonnull (spec);
  g_assert_cmpstr (spec->repo, ==, "CIDAS/clipseg-rd64-refined");
  g_assert_cmpuint (strlen (spec->revision), ==, 40);
  g_assert_cmpint (spec->n_files, ==, 5);
  for (int i = 0; i < spec->n_files; i++)
    g_assert_cmpuint (strlen (spec->files[i].sha256), ==, 64);
  g_assert_null (pm_model_lookup ("nope"));
  g_assert_true (pm_model_list_known ()[0] == spec);

  url = pm_model_file_url ("http://x/", spec, "model.safetensors");
  g_assert_cmpstr (url, ==, "http://x/CIDAS/clipseg-rd64-refined/resolve/"
                   "999e0328d9e10b484360c477313983f9afdd7050/model.safetensors");
  g_setenv ("PAINTMASK_HUB_URL", "http://mirror.example/", TRUE);
  {
    g_autofree char *hub = pm_model_get_hub_url (NULL);
    g_assert_cmpstr (hub, ==, "http://mirror.example");
  }
  g_unsetenv ("PAINTMASK_HUB_URL");
  {
    g_autofree char *hub = pm_model_get_hub_url (NULL);
    g_assert_cmpstr (hub, ==, "https://huggingface.co");
  }
  dir = pm_model_get_default_dir (NULL);
  g_assert_true (g_str_has_suffix (dir, "paintmask/models/clipseg-rd64-refined"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_timeout_add (50, tick, NULL);
  g_test_add_func ("/engine/download/table", test_table);
  pm_test_add_shared_func ("/engine/download/full", "data/clipseg-fixture/tiny-f32", test_full_download);
  pm_test_add_shared_func ("/engine/download/resume", "data/clipseg-fixture/tiny-f32", test_resume);
  pm_test_add_shared_func ("/engine/download/truncated", "data/clipseg-fixture/tiny-f32", test_truncated);
  pm_test_add_shared_func ("/engine/download/wrong-hash", "data/clipseg-fixture/tiny-f32", test_wrong_hash);
  pm_test_add_shared_func ("/engine/download/http-errors", "data/clipseg-fixture/tiny-f32", test_http_errors);
  pm_test_add_shared_func ("/engine/download/cancel", "data/clipseg-fixture/tiny-f32", test_cancel);
  pm_test_add_shared_func ("/engine/download/dead-port", "data/clipseg-fixture/tiny-f32", test_dead_port);
  return g_test_run ();
}
