/* test-remote.c: the remote generative-editor engine against a local fake editor.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-derive.h"
#include "pm-engine.h"
#include "pm-maskio.h"
#include "pm-metrics.h"
#include "pm-remote.h"
#include "pm-remote-private.h"
#include "pm-fake-editor-util.h"
#include "pm-sample-test-util.h"

static PmFakeEditor *editor;

/* Runs the engine at @url on @photo; returns the engine's edited image or NULL + error. */
static PmImage *
run_remote_message (const char    *url,
                    const char    *key,
                    double         timeout_s,
                    const PmImage *photo,
                    const char    *instruction,
                    GCancellable  *cancellable,
                    char         **message,
                    GError       **error)
{
  PmEngineOptions options = { 0 };
  g_autoptr(PmEngine) engine = NULL;
  g_autoptr(PmInstruction) ins = pm_instruction_parse (instruction);
  PmEngineResult result = { 0 };
  PmImage *edited;

  options.endpoint = (char *) url;
  options.api_key = (char *) key;
  options.timeout_s = timeout_s;
  engine = pm_engine_new ("remote", &options, error);
  if (engine == NULL)
    return NULL;
  if (!pm_engine_run (engine, photo, ins, NULL, NULL, cancellable, &result, error))
    return NULL;
  g_assert_null (result.soft_mask);
  edited = g_steal_pointer (&result.edited);
  if (message != NULL)
    *message = g_steal_pointer (&result.message);
  pm_engine_result_clear (&result);
  return edited;
}

static PmImage *
run_remote (const char    *url,
            const char    *key,
            double         timeout_s,
            const PmImage *photo,
            const char    *instruction,
            GCancellable  *cancellable,
            GError       **error)
{
  return run_remote_message (url, key, timeout_s, photo, instruction, cancellable, NULL, error);
}

/* The derived mask of a degraded generative edit (tone shift, noise, resize, JPEG 80)
 * matches the known object. */
static void
test_derive_quality (void)
{
  static const char *cases[][3] = {
    { "coco_000000094336", "coco_000000094336_cat.png", "paint the cat purple" },
    { "coco_000000274272", "coco_000000274272_bus.png", "make the bus blue" },
    { "davis_dog_00020", "davis_dog_00020_dog.png", "paint the dog green" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      PmTestSample s = { 0 };
      GError *error = NULL;
      g_autoptr(PmImage) edited = NULL;
      g_autoptr(PmMask) mask = NULL;
      g_autoptr(PmInstruction) ins = pm_instruction_parse (cases[i][2]);
      PmDeriveOptions opts;
      double iou;

      pm_test_sample_load (&s, cases[i][0], cases[i][1]);
      g_autofree char *message = NULL;

      edited = run_remote_message (editor->base_url, NULL, 60, s.photo, cases[i][2], NULL,
                                   &message, &error);
      g_assert_no_error (error);
      /* The editor answers at the size asked (multiples of 16); the engine hands back the
       * photo's size, and says when it had to resample. */
      g_test_message ("%s: %s", cases[i][0], message != NULL ? message : "same size");
      g_assert_true ((message != NULL) == (s.photo->width % 16 != 0 || s.photo->height % 16 != 0));
      g_assert_cmpint (edited->width, ==, s.photo->width);
      g_assert_cmpint (edited->height, ==, s.photo->height);

      pm_derive_options_init (&opts);
      opts.has_color_hint = ins->has_color;
      opts.color_hint = ins->color;
      mask = pm_mask_derive (s.photo, edited, &opts, NULL, &error);
      g_assert_no_error (error);
      iou = pm_mask_iou (mask, s.truth, NULL, NULL);
      g_test_message ("%s: IoU %.3f", cases[i][0], iou);
      g_assert_cmpfloat (iou, >=, 0.9);
      pm_test_sample_clear (&s);
    }
}

static void
expect_failure (const char *mode,
                double      timeout_s,
                const char *needle)
{
  PmTestSample s = { 0 };
  GError *error = NULL;
  g_autofree char *url = pm_fake_editor_url (editor, mode);
  g_autoptr(PmImage) edited = NULL;

  pm_test_sample_load (&s, "coco_000000094336", "coco_000000094336_cat.png");
  edited = run_remote (url, NULL, timeout_s, s.photo, "paint the cat purple", NULL, &error);
  g_assert_null (edited);
  g_assert_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK);
  g_test_message ("%s: %s", mode, error->message);
  g_assert_nonnull (strstr (error->message, needle));
  g_assert_null (strchr (error->message, '\n'));
  g_error_free (error);
  pm_test_sample_clear (&s);
}

static void
expect_success (const char *mode)
{
  PmTestSample s = { 0 };
  GError *error = NULL;
  g_autofree char *url = pm_fake_editor_url (editor, mode);
  g_autoptr(PmImage) edited = NULL;

  pm_test_sample_load (&s, "coco_000000094336", "coco_000000094336_cat.png");
  edited = run_remote (url, NULL, 60, s.photo, "paint the cat purple", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (edited);
  pm_test_sample_clear (&s);
}

static void test_http_401 (void) { expect_failure ("401", 30, "401"); }
static void test_http_401_message (void) { expect_failure ("401", 30, "Invalid API key provided"); }
static void test_retry_500 (void) { expect_success ("500once"); }
static void test_retry_429 (void) { expect_success ("429once"); }
static void test_url_reply (void) { expect_success ("url"); }
static void test_garbage (void) { expect_failure ("garbage", 30, "not a JSON object"); }
static void test_bad_base64 (void) { expect_failure ("badb64", 30, "base64"); }
static void test_not_png (void) { expect_failure ("notpng", 30, "could not be read"); }
static void test_huge_chunked (void) { expect_failure ("huge", 60, "too large"); }
static void test_huge_declared (void) { expect_failure ("huge-cl", 30, "too large"); }
static void test_hung_timeout (void) { expect_failure ("hang", 2, "did not answer within"); }
static void test_trickle_timeout (void) { expect_failure ("trickle", 2, "did not answer within"); }
/* libsoup's I/O timeout and the call's watchdog count the same seconds; whichever fires
 * first (on a busy machine the watchdog thread may run late), the user reads the same
 * message, not "Could not reach" a server that was reached. */
static void
test_io_timeout_message (void)
{
  PmRemoteCall *call = pm_remote_call_new ("http://127.0.0.1:9/v1", NULL, PM_REMOTE_AUTH_BEARER,
                                           30, NULL, NULL, NULL);
  GError *local = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Socket I/O timed out");
  g_autoptr(GError) error = NULL;

  g_assert_false (pm_remote_call_end (call, FALSE, local, &error));
  g_assert_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK);
  g_assert_cmpstr (error->message, ==, "127.0.0.1:9 did not answer within 30 s");
}

static void test_foreign_url (void) { expect_failure ("evilurl", 30, "another server"); }

/* A reply of another shape or another picture is refused by the rule `derive` uses. */
static void
expect_not_an_edit (const char *mode,
                    const char *needle)
{
  PmTestSample s = { 0 };
  GError *error = NULL;
  g_autofree char *url = pm_fake_editor_url (editor, mode);
  g_autoptr(PmImage) edited = NULL;

  pm_test_sample_load (&s, "coco_000000094336", "coco_000000094336_cat.png");
  edited = run_remote (url, NULL, 30, s.photo, "paint the cat purple", NULL, &error);
  g_assert_null (edited);
  g_assert_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_FAILED);
  g_test_message ("%s: %s", mode, error->message);
  g_assert_nonnull (strstr (error->message, "not an edit of the photo"));
  g_assert_nonnull (strstr (error->message, needle));
  g_error_free (error);
  pm_test_sample_clear (&s);
}

static void test_reshaped (void) { expect_not_an_edit ("reshaped", "shapes differ"); }
static void test_unrelated (void) { expect_not_an_edit ("unrelated", "does not look like"); }

/* A 3xx on the edit request is an error naming where it pointed, and nothing (neither the
 * photo nor the key) reaches that other server. */
static void
test_no_redirect (void)
{
  PmFakeEditor *other = pm_fake_editor_start (NULL, NULL);
  g_autofree char *other_port = g_strdup (strrchr (other->base_url, ':') + 1);
  g_autofree char *mode = NULL;
  g_autofree char *url = NULL;
  g_autofree char *target = NULL;
  g_autoptr(PmImage) edited = NULL;
  GError *error = NULL;
  PmTestSample s = { 0 };

  *strchr (other_port, '/') = '\0';
  mode = g_strdup_printf ("redirect-%s", other_port);
  url = pm_fake_editor_url (editor, mode);
  target = g_strdup_printf ("127.0.0.1:%s", other_port);
  g_assert_cmpuint (pm_fake_editor_requests (other), ==, 0);

  pm_test_sample_load (&s, "coco_000000094336", "coco_000000094336_cat.png");
  edited = run_remote (url, "sk-not-for-others", 30, s.photo, "paint the cat purple", NULL,
                       &error);
  g_assert_null (edited);
  g_assert_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "307"));
  g_assert_nonnull (strstr (error->message, target));
  g_assert_null (strstr (error->message, "sk-not-for-others"));
  g_assert_null (strchr (error->message, '\n'));
  g_error_free (error);
  g_assert_cmpuint (pm_fake_editor_requests (other), ==, 0);
  pm_test_sample_clear (&s);
  pm_fake_editor_stop (other);
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
  return G_SOURCE_REMOVE;
}

static gpointer
cancel_thread (gpointer data)
{
  g_usleep (300 * 1000);
  cancel_later (data);
  return NULL;
}

/* A hung server does not hold a run that the user cancels. */
static void
test_hung_cancel (void)
{
  PmTestSample s = { 0 };
  GError *error = NULL;
  g_autofree char *url = pm_fake_editor_url (editor, "hang");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(PmImage) edited = NULL;
  GThread *thread;

  pm_test_sample_load (&s, "coco_000000094336", "coco_000000094336_cat.png");
  thread = g_thread_new ("cancel", cancel_thread, cancellable);
  edited = run_remote (url, NULL, 600, s.photo, "paint the cat purple", cancellable, &error);
  g_thread_join (thread);
  g_assert_null (edited);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_error_free (error);
  pm_test_sample_clear (&s);
}

static void
test_dead_server (void)
{
  PmTestSample s = { 0 };
  GError *error = NULL;
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                          G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  g_autoptr(PmImage) edited = NULL;

  /* A port that was just free and has no listener. */
  g_socket_bind (sock, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (sock, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u/v1",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (sock, NULL);

  pm_test_sample_load (&s, "coco_000000094336", "coco_000000094336_cat.png");
  edited = run_remote (url, NULL, 10, s.photo, "paint the cat purple", NULL, &error);
  g_assert_null (edited);
  g_assert_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "Could not reach 127.0.0.1"));
  g_error_free (error);
  pm_test_sample_clear (&s);
}

/* The bearer key reaches the server but never an error message. */
static void
test_api_key (void)
{
  PmFakeEditor *keyed = pm_fake_editor_start (NULL, "sk-right-key");
  PmTestSample s = { 0 };
  GError *error = NULL;
  g_autoptr(PmImage) ok = NULL;
  g_autoptr(PmImage) bad = NULL;

  pm_test_sample_load (&s, "coco_000000094336", "coco_000000094336_cat.png");
  ok = run_remote (keyed->base_url, "sk-right-key", 60, s.photo, "paint the cat red", NULL,
                   &error);
  g_assert_no_error (error);
  g_assert_nonnull (ok);

  g_setenv ("PAINTMASK_API_KEY", "sk-wrong-secret-123", TRUE);
  bad = run_remote (keyed->base_url, NULL, 60, s.photo, "paint the cat red", NULL, &error);
  g_unsetenv ("PAINTMASK_API_KEY");
  g_assert_null (bad);
  g_assert_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "401"));
  g_assert_null (strstr (error->message, "sk-wrong-secret-123"));
  g_error_free (error);
  pm_test_sample_clear (&s);
  pm_fake_editor_stop (keyed);
}

static void
test_bad_endpoint (void)
{
  static const char *bad[] = { "", "ftp://example.org/v1", "not a url", "http://", NULL };
  PmEngineOptions options = { 0 };
  GError *error = NULL;
  PmEngine *engine;

  engine = pm_engine_new ("remote", &options, &error);
  g_assert_null (engine);
  g_assert_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  for (int i = 0; bad[i] != NULL; i++)
    {
      options.endpoint = (char *) bad[i];
      engine = pm_engine_new ("remote", &options, &error);
      g_assert_null (engine);
      g_assert_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE);
      g_clear_error (&error);
    }
}

static void
test_prompt (void)
{
  static const char *cases[][2] = {
    { "paint the banana purple",
      "Paint the banana purple. Keep everything else in the image exactly unchanged." },
    { "segment the cat",
      "Paint the cat bright magenta. Keep everything else in the image exactly unchanged." },
    { "make the second car from the left blue",
      "Paint the second car from the left blue. Keep everything else in the image exactly unchanged." },
    { "paint the cup in the upper-right #00ff00",
      "Paint the cup in the upper right the colour #00ff00. Keep everything else in the image exactly unchanged." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PmInstruction) ins = pm_instruction_parse (cases[i][0]);
      g_autofree char *prompt = pm_remote_build_prompt (NULL, ins);
      g_assert_cmpstr (prompt, ==, cases[i][1]);
    }
  {
    g_autoptr(PmInstruction) ins = pm_instruction_parse ("paint the dog orange");
    g_autofree char *prompt = pm_remote_build_prompt ("Recolour {target} to {color}!", ins);
    g_assert_cmpstr (prompt, ==, "Recolour dog to orange!");
  }
}

static void
test_base64 (void)
{
  GError *error = NULL;
  g_autoptr(GBytes) ok = pm_remote_base64_decode ("aGVs\nbG8=", 9, &error);
  GBytes *bad;

  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (ok, NULL), g_bytes_get_size (ok), "hello", 5);
  bad = pm_remote_base64_decode ("aGV$bG8=", 8, &error);
  g_assert_null (bad);
  g_assert_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK);
  g_clear_error (&error);
  bad = pm_remote_base64_decode ("aGVsbG8", 7, &error);
  g_assert_null (bad);
  g_clear_error (&error);
  bad = pm_remote_base64_decode ("aG=sbG8=", 8, &error);
  g_assert_null (bad);
  g_clear_error (&error);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("PAINTMASK_API_KEY");
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  /* The fake editor serves the public evaluation photos. */
  if (!pm_test_program_needs_shared ("/engine/remote/shared-data", "data/eval-public/index.tsv"))
    return g_test_run ();
  editor = pm_fake_editor_start (NULL, NULL);

  g_test_add_func ("/engine/remote/prompt", test_prompt);
  g_test_add_func ("/engine/remote/base64", test_base64);
  g_test_add_func ("/engine/remote/bad-endpoint", test_bad_endpoint);
  g_test_add_func ("/engine/remote/derive-quality", test_derive_quality);
  g_test_add_func ("/engine/remote/http-401", test_http_401);
  g_test_add_func ("/engine/remote/http-401-message", test_http_401_message);
  g_test_add_func ("/engine/remote/retry-500", test_retry_500);
  g_test_add_func ("/engine/remote/retry-429", test_retry_429);
  g_test_add_func ("/engine/remote/url-reply", test_url_reply);
  g_test_add_func ("/engine/remote/foreign-url", test_foreign_url);
  g_test_add_func ("/engine/remote/no-redirect", test_no_redirect);
  g_test_add_func ("/engine/remote/reshaped", test_reshaped);
  g_test_add_func ("/engine/remote/unrelated", test_unrelated);
  g_test_add_func ("/engine/remote/garbage", test_garbage);
  g_test_add_func ("/engine/remote/bad-base64", test_bad_base64);
  g_test_add_func ("/engine/remote/not-png", test_not_png);
  g_test_add_func ("/engine/remote/huge-chunked", test_huge_chunked);
  g_test_add_func ("/engine/remote/huge-declared", test_huge_declared);
  g_test_add_func ("/engine/remote/hung-timeout", test_hung_timeout);
  g_test_add_func ("/engine/remote/hung-cancel", test_hung_cancel);
  g_test_add_func ("/engine/remote/io-timeout-message", test_io_timeout_message);
  g_test_add_func ("/engine/remote/trickle-timeout", test_trickle_timeout);
  g_test_add_func ("/engine/remote/dead-server", test_dead_server);
  g_test_add_func ("/engine/remote/api-key", test_api_key);

  ret = g_test_run ();
  pm_fake_editor_stop (editor);
  return ret;
}
