/* test-cli-remote.c: `paintmask edit|eval --engine remote` against the local fake editor.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE   /* memmem */
#include <string.h>
#include <json-glib/json-glib.h>

#include "pm-image.h"
#include "pm-maskio.h"
#include "pm-metrics.h"
#include "pm-fake-editor-util.h"

static PmFakeEditor *editor;

static JsonObject *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  GError *error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* edit --engine remote writes the server's edit and a derived mask close to the truth. */
static void
test_edit (void)
{
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *photo = pm_test_shared_path ("data/eval-public/coco_000000274272.jpg");
  g_autofree char *truth_path = pm_test_shared_path ("data/eval-public/coco_000000274272_bus.png");
  g_autofree char *edited = g_build_filename (dir, "edited.png", NULL);
  g_autofree char *mask = g_build_filename (dir, "mask.png", NULL);
  const char *args[] = { "edit", photo, "make the bus blue", "--engine", "remote",
                         "--endpoint", editor->base_url, "-o", edited, "--mask", mask,
                         "--json", NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonObject) json = NULL;
  g_autoptr(PmMask) derived = NULL;
  g_autoptr(PmMask) truth = NULL;
  g_autoptr(PmImage) original = NULL;
  g_autoptr(PmImage) result = NULL;
  GError *error = NULL;
  double iou;

  g_assert_cmpint (pm_test_run_cli (args, &out, &err), ==, 0);
  json = parse_json (out);
  g_assert_cmpstr (json_object_get_string_member (json, "engine"), ==, "remote");

  original = pm_image_load (photo, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  g_assert_no_error (error);
  result = pm_image_load (edited, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->width, ==, original->width);   /* resampled back */
  g_assert_cmpint (result->height, ==, original->height);

  derived = pm_mask_load_png (mask, &error);
  g_assert_no_error (error);
  truth = pm_mask_load_png (truth_path, &error);
  g_assert_no_error (error);
  iou = pm_mask_iou (derived, truth, NULL, NULL);
  g_test_message ("derived mask IoU %.3f", iou);
  g_assert_cmpfloat (iou, >=, 0.9);
  pm_test_rmdir (dir);
}

/* An editor that changed nothing: "result" is "empty", nothing is painted (the edited file
 * is the photo, bit for bit) and the mask is empty. */
static void
test_edit_empty (void)
{
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *photo = pm_test_shared_path ("data/eval-public/coco_000000274272.jpg");
  g_autofree char *edited = g_build_filename (dir, "edited.png", NULL);
  g_autofree char *mask = g_build_filename (dir, "mask.png", NULL);
  g_autofree char *url = pm_fake_editor_url (editor, "nochange");
  const char *args[] = { "edit", photo, "make the bus blue", "--engine", "remote",
                         "--endpoint", url, "-o", edited, "--mask", mask, "--json", NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonObject) json = NULL;
  g_autoptr(PmImage) original = NULL;
  g_autoptr(PmImage) result = NULL;
  g_autoptr(PmMask) m = NULL;
  GError *error = NULL;

  g_assert_cmpint (pm_test_run_cli (args, &out, &err), ==, 0);
  json = parse_json (out);
  g_assert_cmpstr (json_object_get_string_member (json, "result"), ==, "empty");
  g_assert_cmpint (json_object_get_int_member (json, "mask_pixels"), ==, 0);
  g_assert_cmpfloat (json_object_get_double_member (json, "mask_share"), ==, 0.0);
  original = pm_image_load (photo, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  g_assert_no_error (error);
  result = pm_image_load (edited, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (result->data, (gsize) result->width * result->height * 4,
                   original->data, (gsize) original->width * original->height * 4);
  m = pm_mask_load_png (mask, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_mask_count (m), ==, 0);
  pm_test_rmdir (dir);
}

/* eval --engine remote runs every row through the server and reports the derived IoU. */
static void
test_eval (void)
{
  g_autofree char *index = pm_test_shared_path ("data/eval-public/index.tsv");
  g_autofree char *root = g_path_get_dirname (index);
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *tsv = g_build_filename (dir, "subset.tsv", NULL);
  const char *rows =
    "image\tmask\tphrase\n"
    "coco_000000094336.jpg\tcoco_000000094336_cat.png\tthe cat sitting in the bathroom sink\n"
    "davis_dog_00020.jpg\tdavis_dog_00020_dog.png\tthe dog walking on the dry grass\n"
    "coco_000000522940.jpg\tcoco_000000522940_stop-sign.png\tthe stop sign\n";
  const char *args[] = { "eval", tsv, "--root", root, "--engine", "remote",
                         "--endpoint", editor->base_url, "--json", NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonObject) json = NULL;
  JsonObject *summary;
  JsonArray *list;
  GError *error = NULL;

  g_file_set_contents (tsv, rows, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_test_run_cli (args, &out, &err), ==, 0);
  json = parse_json (out);
  list = json_object_get_array_member (json, "rows");
  g_assert_cmpuint (json_array_get_length (list), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      double iou = json_object_get_double_member (json_array_get_object_element (list, i), "iou");
      g_test_message ("row %u: IoU %.3f", i, iou);
      g_assert_cmpfloat (iou, >=, 0.9);
    }
  summary = json_object_get_object_member (json, "summary");
  g_assert_cmpfloat (json_object_get_double_member (summary, "giou"), >=, 0.9);
  g_assert_cmpfloat (json_object_get_double_member (summary, "ciou"), >=, 0.9);
  pm_test_rmdir (dir);
}

/* Server errors reach the user as one line with the server's own message; exit code 1. */
static void
test_errors (void)
{
  g_autofree char *photo = pm_test_shared_path ("data/eval-public/coco_000000274272.jpg");
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *edited = g_build_filename (dir, "edited.png", NULL);
  g_autofree char *url401 = pm_fake_editor_url (editor, "401");
  g_autofree char *hang = pm_fake_editor_url (editor, "hang");
  const char *a401[] = { "edit", photo, "make the bus blue", "--engine", "remote",
                         "--endpoint", url401, "-o", edited, NULL };
  const char *ahang[] = { "edit", photo, "make the bus blue", "--engine", "remote",
                          "--endpoint", hang, "--timeout", "1", "-o", edited, NULL };
  const char *anone[] = { "edit", photo, "make the bus blue", "--engine", "remote",
                          "-o", edited, NULL };
  g_autofree char *out1 = NULL, *err1 = NULL, *out2 = NULL, *err2 = NULL;
  g_autofree char *out3 = NULL, *err3 = NULL;

  g_assert_cmpint (pm_test_run_cli (a401, &out1, &err1), ==, 1);
  g_assert_nonnull (strstr (err1, "Invalid API key provided"));
  g_assert_true (g_str_has_suffix (err1, "\n"));
  g_assert_true (strchr (err1, '\n') == err1 + strlen (err1) - 1);   /* one line */
  g_assert_false (g_file_test (edited, G_FILE_TEST_EXISTS));

  g_assert_cmpint (pm_test_run_cli (ahang, &out2, &err2), ==, 1);
  g_assert_nonnull (strstr (err2, "did not answer within 1 s"));

  g_assert_cmpint (pm_test_run_cli (anone, &out3, &err3), !=, 0);
  g_assert_nonnull (strstr (err3, "endpoint"));
  pm_test_rmdir (dir);
}

/* ---------------------------------------------------------------- every profile */

static const char * const profiles[] = {
  "openai", "openai-compatible", "sdcpp", "comfyui", "gemini", "fal", NULL
};

/* edit and eval through each profile's fake server: the derived masks match the truth. */
static void
test_profiles_edit_eval (void)
{
  g_autofree char *photo = pm_test_shared_path ("data/eval-public/coco_000000274272.jpg");
  g_autofree char *truth_path = pm_test_shared_path ("data/eval-public/coco_000000274272_bus.png");
  g_autofree char *index = pm_test_shared_path ("data/eval-public/index.tsv");
  g_autofree char *root = g_path_get_dirname (index);
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *tsv = g_build_filename (dir, "subset.tsv", NULL);
  g_autofree char *edited = g_build_filename (dir, "edited.png", NULL);
  g_autofree char *mask = g_build_filename (dir, "mask.png", NULL);
  const char *rows =
    "image\tmask\tphrase\n"
    "coco_000000094336.jpg\tcoco_000000094336_cat.png\tthe cat sitting in the bathroom sink\n"
    "coco_000000522940.jpg\tcoco_000000522940_stop-sign.png\tthe stop sign\n"
    "davis_dog_00020.jpg\tdavis_dog_00020_dog.png\tthe dog walking on the dry grass\n";
  g_autoptr(PmMask) truth = NULL;
  GError *error = NULL;

  g_file_set_contents (tsv, rows, -1, &error);
  g_assert_no_error (error);
  truth = pm_mask_load_png (truth_path, &error);
  g_assert_no_error (error);

  for (guint p = 0; profiles[p] != NULL; p++)
    {
      PmFakeEditor *fe = pm_fake_editor_start_profile (profiles[p], NULL, "cli-key-42", 300);
      const char *edit_args[] = { "edit", photo, "make the bus blue", "--engine", "remote",
                                  "--remote-profile", profiles[p], "--endpoint", fe->base_url,
                                  "-o", edited, "--mask", mask, "--json", NULL };
      const char *eval_args[] = { "eval", tsv, "--root", root, "--engine", "remote",
                                  "--remote-profile", profiles[p], "--endpoint", fe->base_url,
                                  "--json", NULL };
      g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL;
      g_autoptr(JsonObject) json = NULL;
      g_autoptr(JsonObject) ejson = NULL;
      g_autoptr(PmMask) derived = NULL;
      JsonArray *list;
      double iou;

      g_setenv ("PAINTMASK_API_KEY", "cli-key-42", TRUE);
      g_assert_cmpint (pm_test_run_cli (edit_args, &out, &err), ==, 0);
      json = parse_json (out);
      g_assert_cmpstr (json_object_get_string_member (json, "engine"), ==, "remote");
      derived = pm_mask_load_png (mask, &error);
      g_assert_no_error (error);
      iou = pm_mask_iou (derived, truth, NULL, NULL);
      g_test_message ("%s edit: IoU %.3f (%s)", profiles[p], iou,
                      json_object_get_string_member_with_default (json, "message", "-"));
      g_assert_cmpfloat (iou, >=, 0.9);

      g_assert_cmpint (pm_test_run_cli (eval_args, &out2, &err2), ==, 0);
      g_unsetenv ("PAINTMASK_API_KEY");
      ejson = parse_json (out2);
      list = json_object_get_array_member (ejson, "rows");
      g_assert_cmpuint (json_array_get_length (list), ==, 3);
      for (guint i = 0; i < 3; i++)
        {
          double r = json_object_get_double_member (json_array_get_object_element (list, i), "iou");
          g_test_message ("%s eval row %u: IoU %.3f", profiles[p], i, r);
          g_assert_cmpfloat (r, >=, 0.9);
        }
      g_test_message ("%s eval: gIoU %.3f cIoU %.3f", profiles[p],
                      json_object_get_double_member (json_object_get_object_member (ejson, "summary"), "giou"),
                      json_object_get_double_member (json_object_get_object_member (ejson, "summary"), "ciou"));
      pm_fake_editor_stop (fe);
    }
  pm_test_rmdir (dir);
}

/* Usage errors: exit 2, one line naming the value. */
static void
test_profile_usage (void)
{
  g_autofree char *photo = pm_test_shared_path ("data/eval-public/coco_000000274272.jpg");
  g_autofree char *index = pm_test_shared_path ("data/eval-public/index.tsv");
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *edited = g_build_filename (dir, "edited.png", NULL);
  const char *bad_profile[] = { "edit", photo, "make the bus blue", "--engine", "remote",
                                "--remote-profile", "dall-e", "--endpoint", "http://127.0.0.1:9/v1",
                                "-o", edited, NULL };
  const char *bad_option[] = { "edit", photo, "make the bus blue", "--engine", "remote",
                               "--remote-profile", "openai", "--remote-option", "seed=3",
                               "-o", edited, NULL };
  const char *bad_value[] = { "eval", index, "--engine", "remote", "--endpoint",
                              "http://127.0.0.1:9/v1", "--remote-option", "num_inference_steps=0",
                              NULL };
  const char *bad_workflow[] = { "edit", photo, "make the bus blue", "--engine", "remote",
                                 "--remote-profile", "comfyui", "--remote-option",
                                 "workflow=/nonexistent/flow.json", "-o", edited, NULL };
  g_autofree char *o1 = NULL, *e1 = NULL, *o2 = NULL, *e2 = NULL, *o3 = NULL, *e3 = NULL;
  g_autofree char *o4 = NULL, *e4 = NULL;

  g_assert_cmpint (pm_test_run_cli (bad_profile, &o1, &e1), ==, 2);
  g_assert_nonnull (strstr (e1, "dall-e"));
  g_assert_cmpint (pm_test_run_cli (bad_option, &o2, &e2), ==, 2);
  g_assert_nonnull (strstr (e2, "seed"));
  g_assert_cmpint (pm_test_run_cli (bad_value, &o3, &e3), ==, 2);
  g_assert_nonnull (strstr (e3, "num_inference_steps"));
  g_assert_cmpint (pm_test_run_cli (bad_workflow, &o4, &e4), ==, 1);
  g_assert_nonnull (strstr (e4, "/nonexistent/flow.json"));
  g_assert_true (strchr (e4, '\n') == e4 + strlen (e4) - 1);
  g_assert_false (g_file_test (edited, G_FILE_TEST_EXISTS));
  pm_test_rmdir (dir);
}

/* ---------------------------------------------------------------- the key stays secret */

static const char secret[] = "sk-live-Zq7WfT3uPx91LmN";

/* Neither the key nor a recognisable piece of it is in @len bytes at @data (@what says
 * where they came from). */
static void
assert_no_key (const char    *what,
               gconstpointer  data,
               gsize          len)
{
  static const char * const pieces[] = { secret, "Zq7WfT3u", "Px91LmN", NULL };

  for (guint i = 0; pieces[i] != NULL; i++)
    if (data != NULL && memmem (data, len, pieces[i], strlen (pieces[i])) != NULL)
      g_error ("the API key (%s) is in %s", pieces[i], what);
}

static void
assert_no_key_in_text (const char *what,
                       const char *text)
{
  assert_no_key (what, text, text != NULL ? strlen (text) : 0);
}

static void
assert_no_key_in_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  if (g_file_get_contents (path, &data, &len, NULL))
    assert_no_key (path, data, len);
}

/* Runs `paintmask ARGS…` with every debug message on (G_MESSAGES_DEBUG=all); through
 * `sh` when @crash_after_ms >= 0, which sends it SIGSEGV after that long, so that @out and
 * @err hold what a crash prints. Returns the exit code, -1 for a signal. */
static int
run_cli_logged (const char * const *args,
                int                 crash_after_ms,
                char              **out,
                char              **err)
{
  g_auto(GStrv) env = g_environ_setenv (g_get_environ (), "G_MESSAGES_DEBUG", "all", TRUE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (crash_after_ms >= 0)
    {
      g_ptr_array_add (argv, g_strdup ("/bin/sh"));
      g_ptr_array_add (argv, g_strdup ("-c"));
      g_ptr_array_add (argv, g_strdup_printf ("\"$0\" \"$@\" & p=$!; sleep %d.%03d; "
                                              "kill -SEGV $p; wait $p; echo \"exit $?\"",
                                              crash_after_ms / 1000, crash_after_ms % 1000));
    }
  g_ptr_array_add (argv, g_strdup (g_getenv ("PAINTMASK_BIN")));
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, out, err,
                &status, &error);
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* Every way the fake servers can fail, with the key set: it never shows up in the output
 * (--json and G_MESSAGES_DEBUG=all logs), the error messages, what a crash prints, the
 * history database (with its WAL) the runs were recorded in, `history list|show --json` or
 * the files written. */
static void
test_key_grep (void)
{
  g_autofree char *photo = pm_test_shared_path ("data/eval-public/coco_000000094336.jpg");
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *edited = g_build_filename (dir, "edited.png", NULL);
  g_autofree char *db = g_build_filename (dir, "history.sqlite3", NULL);
  /* key: the server wants another key (and echoes the one it got); crash: SIGSEGV after
   * that many ms; url: "refused" (no server there), "tls" (https to a plain HTTP server). */
  struct {
    const char *profile, *mode; int delay; const char *key; int crash; const char *url;
  } cases[] = {
    { "openai", NULL, -1, "other", -1, NULL }, { "openai", "401", -1, NULL, -1, NULL },
    { "openai-compatible", NULL, -1, "other", -1, NULL },
    { "openai-compatible", "401", -1, NULL, -1, NULL },
    { "openai-compatible", "garbage", -1, NULL, -1, NULL },
    { "openai-compatible", "evilurl", -1, NULL, -1, NULL },
    { "openai-compatible", "hang", -1, NULL, -1, NULL },
    { "openai-compatible", "badb64", -1, NULL, -1, NULL },
    { "openai-compatible", "notpng", -1, NULL, -1, NULL },
    { "openai-compatible", "huge", -1, NULL, -1, NULL },
    { "openai-compatible", "huge-cl", -1, NULL, -1, NULL },
    { "openai-compatible", "trickle", -1, NULL, -1, NULL },
    { "openai-compatible", "redirect-9", -1, NULL, -1, NULL },
    { "openai-compatible", "500once", -1, NULL, -1, NULL },
    { "openai-compatible", "429once", -1, NULL, -1, NULL },
    { "openai-compatible", "url", -1, NULL, -1, NULL },
    { "openai-compatible", "reshaped", -1, NULL, -1, NULL },
    { "openai-compatible", "unrelated", -1, NULL, -1, NULL },
    { "openai-compatible", "nochange", -1, NULL, -1, NULL },
    { "openai-compatible", NULL, -1, NULL, -1, NULL },
    { "openai-compatible", NULL, -1, NULL, -1, "refused" },
    { "openai-compatible", NULL, -1, NULL, -1, "tls" },
    { "openai-compatible", "hang", -1, NULL, 700, NULL },
    { "sdcpp", NULL, -1, "other", -1, NULL }, { "comfyui", NULL, 200, "other", -1, NULL },
    { "comfyui", "execfail", 200, NULL, -1, NULL },
    { "comfyui", NULL, 60000, NULL, -1, NULL }, { "comfyui", NULL, 60000, NULL, 700, NULL },
    { "gemini", NULL, -1, "other", -1, NULL }, { "gemini", "blocked", -1, NULL, -1, NULL },
    { "fal", NULL, 200, "other", -1, NULL }, { "fal", "failed", 200, NULL, -1, NULL },
    { "fal", "evilurl", 200, NULL, -1, NULL }, { "fal", NULL, 60000, NULL, 700, NULL },
  };
  static const char * const failing_modes[] = {
    "401", "garbage", "evilurl", "hang", "badb64", "notpng", "huge", "huge-cl", "trickle",
    "redirect-9", "unrelated", "execfail", "blocked", "failed", NULL
  };
  guint failures = 0, crashes = 0;

  g_setenv ("PAINTMASK_API_KEY", secret, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      PmFakeEditor *fe = pm_fake_editor_start_profile (cases[i].profile, NULL, cases[i].key,
                                                       cases[i].delay);
      g_autofree char *url = pm_fake_editor_url (fe, cases[i].mode);
      const char *args[] = { "edit", photo, "paint the cat purple", "--engine", "remote",
                             "--remote-profile", cases[i].profile, "--endpoint", url,
                             "--timeout", "2", "-o", edited, "--json", "--record", "--db", db,
                             NULL };
      g_autofree char *out = NULL, *err = NULL;
      int rc;

      if (g_strcmp0 (cases[i].url, "refused") == 0)
        {
          g_free (url);
          url = g_strdup ("http://127.0.0.1:9/v1");
        }
      else if (g_strcmp0 (cases[i].url, "tls") == 0)
        {
          g_autofree char *plain = g_steal_pointer (&url);
          url = g_strconcat ("https", plain + strlen ("http"), NULL);
        }
      args[8] = url;
      rc = run_cli_logged (args, cases[i].crash, &out, &err);
      g_test_message ("%s %s%s%s: exit %d: %s", cases[i].profile,
                      cases[i].mode != NULL ? cases[i].mode : "-",
                      cases[i].url != NULL ? " " : "", cases[i].url != NULL ? cases[i].url : "",
                      rc, cases[i].crash >= 0 ? "(crashed)" : g_strchomp (err));
      assert_no_key_in_text ("the output", out);
      assert_no_key_in_text ("the error output", err);
      if (cases[i].crash >= 0)
        {
          /* Died of a signal: SIGSEGV, or SIGABRT where a sanitizer caught it. */
          const char *line = g_strrstr (out, "exit ");
          g_assert_nonnull (line);
          g_assert_cmpint (atoi (line + 5), >, 128);
          crashes++;
        }
      else if (cases[i].key != NULL || cases[i].url != NULL ||
               (cases[i].mode != NULL && g_strv_contains (failing_modes, cases[i].mode)) ||
               cases[i].delay > 10000)
        {
          g_assert_cmpint (rc, ==, 1);
          failures++;
        }
      assert_no_key_in_file (edited);
      pm_fake_editor_stop (fe);
    }

  /* The history of all those runs, failed ones with their messages. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *path = g_strconcat (db, (const char *[]) { "", "-wal", "-shm" }[i],
                                           NULL);
      assert_no_key_in_file (path);
    }
  {
    const char *list[] = { "history", "list", "--db", db, "--json", NULL };
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(GError) error = NULL;
    JsonArray *runs;
    guint n_failed = 0;

    g_assert_cmpint (run_cli_logged (list, -1, &out, &err), ==, 0);
    assert_no_key_in_text ("history list", out);
    assert_no_key_in_text ("history list's log", err);
    json_parser_load_from_data (parser, out, -1, &error);
    g_assert_no_error (error);
    runs = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                         "runs");
    for (guint i = 0; i < json_array_get_length (runs); i++)
      {
        JsonObject *run = json_array_get_object_element (runs, i);
        g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT,
                                               json_object_get_int_member (run, "id"));
        const char *show[] = { "history", "show", id, "--db", db, "--json", NULL };
        g_autofree char *sout = NULL, *serr = NULL;

        g_assert_cmpint (run_cli_logged (show, -1, &sout, &serr), ==, 0);
        assert_no_key_in_text ("history show", sout);
        assert_no_key_in_text ("history show's log", serr);
        if (g_strcmp0 (json_object_get_string_member_with_default (run, "result", ""),
                       "failed") == 0)
          n_failed++;
      }
    g_test_message ("%u cases (%u failing, %u crashed), %u runs recorded (%u failed): no "
                    "trace of the key", (guint) G_N_ELEMENTS (cases), failures, crashes,
                    json_array_get_length (runs), n_failed);
    /* Every failure was recorded with its message, which was searched too. */
    g_assert_cmpuint (n_failed, >=, failures);
  }
  g_unsetenv ("PAINTMASK_API_KEY");
  pm_test_rmdir (dir);
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
  if (!pm_test_program_needs_shared ("/cli/remote/shared-data", "data/eval-public/index.tsv"))
    return g_test_run ();
  editor = pm_fake_editor_start (NULL, NULL);
  g_test_add_func ("/cli/remote/edit", test_edit);
  g_test_add_func ("/cli/remote/edit-empty", test_edit_empty);
  g_test_add_func ("/cli/remote/eval", test_eval);
  g_test_add_func ("/cli/remote/errors", test_errors);
  g_test_add_func ("/cli/remote/profiles", test_profiles_edit_eval);
  g_test_add_func ("/cli/remote/profile-usage", test_profile_usage);
  g_test_add_func ("/cli/remote/key-grep", test_key_grep);
  ret = g_test_run ();
  pm_fake_editor_stop (editor);
  return ret;
}
