/* test-cli-hostile.c: the CLI on hostile inputs: extreme aspect ratios and pixel counts,
 * instructions of hundreds of kilobytes, a remote server with an invalid TLS certificate.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each ends in a result or in one line on stderr naming the input and exit status 1, with
 * nothing written in the failing case, and never in a crash (the sanitizer build runs these
 * with leak detection on).
 */
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pm-image.h"
#include "pm-safetensors.h"
#include "pm-test-util.h"

static char *tmpdir;

static char *
save_image (const char *name,
            int         width,
            int         height)
{
  g_autoptr(PmImage) image = pm_image_new (width, height);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (tmpdir, name, NULL);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = image->data + ((gsize) y * width + x) * 4;
        gboolean red = (x > width / 3 && x < 2 * width / 3) || (y > height / 3 && y < 2 * height / 3);
        p[0] = red ? 220 : 40;
        p[1] = red ? 30 : 120;
        p[2] = red ? 30 : 200;
        p[3] = 255;
      }
  g_assert_true (pm_image_save_png (image, path, &error));
  g_assert_no_error (error);
  return path;
}

static gboolean
exists (const char *name)
{
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
remove_file (const char *name)
{
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);

  g_unlink (path);
}

/* An error is one line (plus the newline) that names @what. */
static void
assert_one_line_error (const char *err,
                       const char *what)
{
  g_test_message ("stderr: %s", err);
  g_assert_nonnull (strstr (err, what));
  g_assert_nonnull (strchr (err, '\n'));
  g_assert_cmpstr (strchr (err, '\n') + 1, ==, "");
}

/* edit, then derive, on an image of @width × @height: a mask of the image's size, or one
 * error line and nothing written. */
static void
edit_and_derive (int width,
                 int height)
{
  g_autofree char *name = g_strdup_printf ("strip-%dx%d.png", width, height);
  g_autofree char *photo = save_image (name, width, height);
  g_autofree char *out = NULL, *err = NULL;
  const char *edit[] = { "edit", photo, "paint the red thing blue", "-o", "e.png",
                         "--mask", "m.png", "-q", NULL };
  int rc = pm_test_run_cli_in (tmpdir, edit, &out, &err);

  g_test_message ("%d×%d: edit exit %d", width, height, rc);
  g_assert_true (rc == 0 || rc == 1);
  if (rc == 0)
    {
      g_autofree char *mask_path = g_build_filename (tmpdir, "m.png", NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(PmImage) mask = pm_image_load (mask_path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
      const char *derive[] = { "derive", photo, "e.png", "-o", "d.png", NULL };
      g_autofree char *out2 = NULL, *err2 = NULL;

      g_assert_no_error (error);
      g_assert_cmpint (mask->width, ==, width);
      g_assert_cmpint (mask->height, ==, height);
      rc = pm_test_run_cli_in (tmpdir, derive, &out2, &err2);
      g_test_message ("%d×%d: derive exit %d %s", width, height, rc, err2);
      g_assert_cmpint (rc, ==, 0);
      g_assert_true (exists ("d.png"));
    }
  else
    {
      assert_one_line_error (err, name);
      g_assert_false (exists ("e.png"));
      g_assert_false (exists ("m.png"));
    }
  remove_file ("e.png");
  remove_file ("m.png");
  remove_file ("d.png");
  g_unlink (photo);
}

static void
test_extreme_aspect (void)
{
  edit_and_derive (1, 1);
  edit_and_derive (1, 3000);
  edit_and_derive (3000, 1);
  edit_and_derive (2, 2500);
  edit_and_derive (4000, 3);
}

/* A PNG that declares 60000 × 60000 pixels (3.6 gigapixels): refused before decoding. */
static void
test_huge_declared (void)
{
  g_autofree char *small = save_image ("tiny.png", 1, 1);
  g_autofree char *huge = g_build_filename (tmpdir, "huge.png", NULL);
  g_autofree char *data = NULL;
  g_autofree char *out = NULL, *err = NULL;
  const char *edit[] = { "edit", huge, "paint the cat purple", "-o", "e.png", "--mask", "m.png",
                         "-q", NULL };
  gsize len;
  guint32 side = GUINT32_TO_BE (60000);

  g_assert_true (g_file_get_contents (small, &data, &len, NULL));
  memcpy (data + 16, &side, 4);   /* IHDR width, height */
  memcpy (data + 20, &side, 4);
  g_assert_true (g_file_set_contents (huge, data, len, NULL));
  g_assert_cmpint (pm_test_run_cli_in (tmpdir, edit, &out, &err), ==, 1);
  assert_one_line_error (err, "huge.png");
  g_assert_false (exists ("e.png"));
  g_assert_false (exists ("m.png"));
}

/* Instructions of 100 kB (argv's per-argument limit is 128 kB): a result or one line, in
 * bounded time (the test's timeout), for a long phrase and for a long list. */
static void
test_long_instruction (void)
{
  g_autofree char *photo = save_image ("photo.png", 64, 48);
  GString *phrase = g_string_new ("paint the ");
  GString *list = g_string_new ("paint ");

  while (phrase->len < 100000)
    g_string_append (phrase, "very ");
  g_string_append (phrase, "red thing blue");
  for (int i = 0; list->len < 100000; i++)
    g_string_append_printf (list, "the %s thing %s, ", i % 2 ? "red" : "blue",
                            i % 3 ? "green" : "yellow");
  g_string_append (list, "and the cup purple");

  for (int k = 0; k < 2; k++)
    {
      const char *text = k == 0 ? phrase->str : list->str;
      const char *edit[] = { "edit", photo, text, "-o", "e.png", "--mask", "m.png", "-q", NULL };
      g_autofree char *out = NULL, *err = NULL;
      int rc = pm_test_run_cli_in (tmpdir, edit, &out, &err);

      g_test_message ("%s instruction of %zu bytes: exit %d", k == 0 ? "phrase" : "list",
                      strlen (text), rc);
      g_assert_true (rc == 0 || rc == 1);
      if (rc == 1)
        {
          assert_one_line_error (err, "");
          g_assert_false (exists ("e.png"));
        }
      else
        g_assert_true (exists ("e.png") && exists ("m.png"));
      remove_file ("e.png");
      remove_file ("m.png");
    }
  g_string_free (phrase, TRUE);
  g_string_free (list, TRUE);
}

/* ---------------------------------------------------------------- invalid TLS */

/* The TLS server runs in a forked child, so that this process has no server threads
 * (LeakSanitizer's exit check cannot stop some of them). The child writes its port to @fd,
 * then one byte per request that reaches its handler. */
static void
tls_handler (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           data)
{
  int fd = GPOINTER_TO_INT (data);

  if (write (fd, "r", 1) != 1)
    _exit (3);
  soup_server_message_set_status (msg, 500, NULL);
}

static G_GNUC_NORETURN void
tls_child (int fd)
{
  g_autofree char *pem = pm_test_source_path ("tests/fixtures/tls-selfsigned.pem");
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) cert = g_tls_certificate_new_from_file (pem, &error);
  g_autoptr(SoupServer) server = NULL;
  GSList *uris;
  guint16 port;

  if (cert == NULL)
    _exit (2);
  server = soup_server_new ("tls-certificate", cert, NULL);
  soup_server_add_handler (server, NULL, tls_handler, GINT_TO_POINTER (fd), NULL);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_HTTPS |
                                 SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    _exit (2);
  uris = soup_server_get_uris (server);
  port = (guint16) g_uri_get_port (uris->data);
  if (write (fd, &port, sizeof port) != sizeof port)
    _exit (3);
  for (;;)
    g_main_context_iteration (NULL, TRUE);
}

/* A server whose certificate nothing vouches for: one line naming it, no request (with the
 * key) ever reaches it, nothing written. */
static void
test_invalid_tls (void)
{
  g_autofree char *photo = save_image ("photo.png", 64, 48);
  g_autofree char *endpoint = NULL;
  g_autofree char *out = NULL, *err = NULL;
  int fds[2], status = 0;
  guint16 port = 0;
  char byte;
  pid_t pid;

  g_assert_cmpint (pipe (fds), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      close (fds[0]);
      tls_child (fds[1]);
    }
  close (fds[1]);
  g_assert_cmpint (read (fds[0], &port, sizeof port), ==, sizeof port);
  g_assert_cmpint (port, >, 0);

  endpoint = g_strdup_printf ("https://127.0.0.1:%u/v1", port);
  {
    const char *edit[] = { "edit", photo, "paint the red thing blue", "--engine", "remote",
                           "--endpoint", endpoint, "--timeout", "20", "-o", "e.png", "--mask",
                           "m.png", "-q", NULL };
    int rc;

    g_setenv ("PAINTMASK_API_KEY", "sk-tls-test-0123456789-SECRET", TRUE);
    rc = pm_test_run_cli_in (tmpdir, edit, &out, &err);
    g_unsetenv ("PAINTMASK_API_KEY");
    g_assert_cmpint (rc, ==, 1);
  }
  kill (pid, SIGKILL);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  /* The child is gone: a read returns a request byte if one arrived, or 0 at the end. */
  g_assert_cmpint (read (fds[0], &byte, 1), ==, 0);
  close (fds[0]);

  assert_one_line_error (err, "127.0.0.1");
  g_assert_nonnull (strstr (err, "TLS"));
  g_assert_null (strstr (err, "SECRET"));
  g_assert_null (strstr (err, "0123456789"));
  g_assert_false (exists ("e.png"));
  g_assert_false (exists ("m.png"));
}

/* ---------------------------------------------------------------- NaN weights */

static void
copy_file (const char *from,
           const char *to)
{
  g_autofree char *data = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (from, &data, &len, NULL));
  g_assert_true (g_file_set_contents (to, data, len, NULL));
}

/* The tiny CLIPSeg fixture with one weight of @tensor set to NaN: edit refuses it in one
 * line naming the tensor, and writes nothing. */
static void
nan_weights (const char *tensor)
{
  const char *files[] = { "config.json", "preprocessor_config.json", "vocab.json",
                          "merges.txt", "model.safetensors" };
  g_autofree char *fixture = pm_test_shared_path ("data/clipseg-fixture/tiny-f32");
  g_autofree char *dir = g_build_filename (tmpdir, "nan-model", NULL);
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *photo = save_image ("photo.png", 64, 48);
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *data = NULL;
  gsize len;

  if (!pm_test_have_shared ("data/clipseg-fixture/tiny-f32"))
    return;
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *from = g_build_filename (fixture, files[i], NULL);
      g_autofree char *to = g_build_filename (dir, files[i], NULL);
      copy_file (from, to);
    }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(PmSafetensors) st = pm_safetensors_open (weights, &error);
    const PmSafetensorsInfo *info;
    guint64 hlen = 0;
    const guint32 nan_bits = 0x7fc00000;

    g_assert_no_error (error);
    info = pm_safetensors_lookup (st, tensor);
    g_assert_nonnull (info);
    g_assert_true (g_file_get_contents (weights, &data, &len, NULL));
    for (int i = 7; i >= 0; i--)
      hlen = (hlen << 8) | (guint8) data[i];
    memcpy (data + 8 + hlen + info->begin + 4 * 5, &nan_bits, 4);
    g_assert_true (g_file_set_contents (weights, data, len, NULL));
  }
  {
    const char *edit[] = { "edit", photo, "paint the cup blue", "--engine", "clipseg",
                           "--model-dir", dir, "-o", "e.png", "--mask", "m.png", "-q", NULL };
    g_assert_cmpint (pm_test_run_cli_in (tmpdir, edit, &out, &err), ==, 1);
  }
  assert_one_line_error (err, tensor);
  g_assert_nonnull (strstr (err, "element 5 is NaN or infinite"));
  g_assert_false (exists ("e.png"));
  g_assert_false (exists ("m.png"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    /* `model verify` waits for the whole model's scan */
    const char *verify[] = { "model", "verify", "--model-dir", dir, NULL };
    g_assert_cmpint (pm_test_run_cli_in (tmpdir, verify, &out, &err), ==, 1);
  }
  g_assert_nonnull (strstr (err, tensor));
  g_assert_nonnull (strstr (err, "element 5 is NaN or infinite"));
  pm_test_rmdir (dir);
}

/* A norm (checked as the model loads) and a weight that is packed for the kernels (checked
 * by the packing thread just before it packs it, which the first forward pass waits for). */
static void
test_nan_weights (void)
{
  nan_weights ("clip.text_model.final_layer_norm.weight");
  nan_weights ("clip.vision_model.encoder.layers.0.mlp.fc1.weight");
  nan_weights ("clip.text_model.encoder.layers.1.self_attn.k_proj.weight");
  nan_weights ("decoder.reduces.0.weight");
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = pm_test_tmpdir ();
  g_test_add_func ("/cli/hostile/extreme-aspect", test_extreme_aspect);
  g_test_add_func ("/cli/hostile/huge-declared", test_huge_declared);
  g_test_add_func ("/cli/hostile/long-instruction", test_long_instruction);
  g_test_add_func ("/cli/hostile/invalid-tls", test_invalid_tls);
  g_test_add_func ("/cli/hostile/nan-weights", test_nan_weights);
  ret = g_test_run ();
  pm_test_rmdir (tmpdir);
  g_free (tmpdir);
  return ret;
}
