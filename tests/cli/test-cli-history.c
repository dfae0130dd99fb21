/* test-cli-history.c: `paintmask history` against a temporary database seeded through the
 * store API.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-cli-history"

#include <string.h>
#include <json-glib/json-glib.h>

#include "pm-test-util.h"
#include "pm-store-test-util.h"
#include "pm-maskio.h"
#include "pm-store.h"

typedef struct {
  char   *dir;
  char   *db;
  gint64  session_a, session_b;
  gint64  run_a1, run_a2, run_b1;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = NULL;
  g_autoptr(PmImage) a = pm_test_noise_image (40, 30, 1, TRUE);
  g_autoptr(PmImage) b = pm_test_noise_image (20, 10, 2, TRUE);
  g_autoptr(PmImage) edited = pm_test_noise_image (40, 30, 3, TRUE);
  g_autoptr(PmMask) soft = pm_test_noise_mask (40, 30, TRUE, 4);
  g_autoptr(PmMask) derived = pm_test_noise_mask (40, 30, FALSE, 5);
  PmRunRecord r1 = {
    .instruction = "paint the banana purple", .engine = "builtin", .model = "grabcut",
    .parsed_json = "{\"action\":\"paint\",\"target\":\"banana\"}",
    .params_json = "{\"iterations\":5}", .color = "#800080", .status = "ok",
    .started_at = 1760000000000000, .duration_ms = 321.5,
    .timings_json = "{\"engine\":300.0}",
    .edited = edited, .soft_mask = soft, .derived_mask = derived,
  };
  PmRunRecord r2 = { .instruction = "segment the cup", .engine = "clipseg",
                     .status = "error", .error = "model not installed",
                     .started_at = 1760000001000000 };
  PmRunRecord r3 = { .instruction = "paint the 100% sky blue", .engine = "builtin",
                     .message = "two\nlines and an \033[31mescape",
                     .started_at = 1760000002000000 };

  f->dir = pm_test_tmpdir ();
  f->db = g_build_filename (f->dir, "history.sqlite3", NULL);
  store = pm_store_open (f->db, &error);
  g_assert_no_error (error);
  f->session_a = pm_store_ensure_session (store, a, "/photos/fruit.png", &error);
  g_assert_no_error (error);
  f->session_b = pm_store_ensure_session (store, b, "/photos/sky.png", &error);
  g_assert_no_error (error);
  r1.session_id = f->session_a;
  f->run_a1 = pm_store_add_run (store, &r1, &error);
  g_assert_no_error (error);
  r2.session_id = f->session_a;
  r2.parent_run_id = f->run_a1;
  f->run_a2 = pm_store_add_run (store, &r2, &error);
  g_assert_no_error (error);
  r3.session_id = f->session_b;
  f->run_b1 = pm_store_add_run (store, &r3, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  pm_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->db);
}

/* Runs the CLI, asserting the exit code; an error is one line starting with the command. */
static char *
run_cli (int          want_status,
         char       **err_out,
         const char  *first,
         ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *err = NULL;
  char *out = NULL;
  const char *arg;
  va_list ap;
  int status;

  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  status = pm_test_run_cli ((const char * const *) args->pdata, &out, &err);
  if (status != want_status)
    g_error ("exit %d, wanted %d; stdout: %s; stderr: %s", status, want_status, out, err);
  if (want_status != 0)
    {
      g_assert_true (g_str_has_prefix (err, "paintmask history: "));
      g_assert_true (g_str_has_suffix (err, "\n"));
      g_assert_true (strchr (err, '\n') == err + strlen (err) - 1); /* one line */
    }
  if (err_out != NULL)
    *err_out = g_steal_pointer (&err);
  return out;
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static void
test_list_json (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *out_search = NULL;
  g_autofree char *out_session = NULL;
  g_autofree char *out_sessions = NULL;
  g_autofree char *session_text = g_strdup_printf ("%" G_GINT64_FORMAT, f->session_a);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) search = NULL;
  g_autoptr(JsonNode) by_session = NULL;
  g_autoptr(JsonNode) sessions = NULL;
  JsonArray *runs;
  JsonObject *first;

  out = run_cli (0, NULL, "history", "list", "--json", "--db", f->db, NULL);
  root = parse_json (out);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (root), "database"),
                   ==, f->db);
  runs = json_object_get_array_member (json_node_get_object (root), "runs");
  g_assert_cmpuint (json_array_get_length (runs), ==, 3);
  first = json_array_get_object_element (runs, 0);
  g_assert_cmpint (json_object_get_int_member (first, "id"), ==, f->run_a1);
  g_assert_cmpint (json_object_get_int_member (first, "session_id"), ==, f->session_a);
  g_assert_cmpstr (json_object_get_string_member (first, "instruction"), ==,
                   "paint the banana purple");
  g_assert_cmpstr (json_object_get_string_member (first, "engine"), ==, "builtin");
  g_assert_cmpstr (json_object_get_string_member (first, "color"), ==, "#800080");
  g_assert_cmpstr (json_object_get_string_member (first, "started_at"), ==,
                   "2025-10-09T08:53:20Z");
  g_assert_cmpfloat (json_object_get_double_member (first, "duration_ms"), ==, 321.5);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (runs, 1),
                                                  "error"), ==, "model not installed");

  out_search = run_cli (0, NULL, "history", "list", "--json", "--search", "100%", "--db",
                        f->db, NULL);
  search = parse_json (out_search);
  runs = json_object_get_array_member (json_node_get_object (search), "runs");
  g_assert_cmpuint (json_array_get_length (runs), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (runs, 0), "id"),
                   ==, f->run_b1);

  out_session = run_cli (0, NULL, "history", "list", "--json", "--session", session_text,
                         "--db", f->db, NULL);
  by_session = parse_json (out_session);
  runs = json_object_get_array_member (json_node_get_object (by_session), "runs");
  g_assert_cmpuint (json_array_get_length (runs), ==, 2);

  /* --db may come before the subcommand. */
  {
    g_autofree char *before = run_cli (0, NULL, "history", "--db", f->db, "list", "--json",
                                       NULL);
    g_autoptr(JsonNode) node = parse_json (before);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                        json_node_get_object (node), "runs")), ==, 3);
  }

  /* PAINTMASK_DB points the command at the database when --db is absent. */
  g_setenv ("PAINTMASK_DB", f->db, TRUE);
  out_sessions = run_cli (0, NULL, "history", "list", "--sessions", "--json", NULL);
  g_unsetenv ("PAINTMASK_DB");
  sessions = parse_json (out_sessions);
  runs = json_object_get_array_member (json_node_get_object (sessions), "sessions");
  g_assert_cmpuint (json_array_get_length (runs), ==, 2);
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

static void
test_list_text (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *out = run_cli (0, NULL, "history", "list", "--db", f->db, NULL);
  g_autofree char *err = NULL;
  g_autofree char *none = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "never.sqlite3", NULL);

  g_assert_nonnull (strstr (out, "paint the banana purple"));
  g_assert_nonnull (strstr (out, "segment the cup"));
  g_assert_nonnull (strstr (out, "INSTRUCTION"));
  g_assert_cmpint (count_lines (out), ==, 4); /* header + 3 runs */

  /* Control characters stored in the history never reach the terminal. */
  {
    g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, f->run_b1);
    g_autofree char *shown = run_cli (0, NULL, "history", "show", id, "--db", f->db, NULL);
    g_assert_null (strchr (shown, '\033'));
    g_assert_nonnull (strstr (shown, "two lines and an  [31mescape"));
  }

  /* A database that was never written lists nothing and is not created. */
  none = run_cli (0, &err, "history", "list", "--db", missing, NULL);
  g_assert_cmpstr (none, ==, "");
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
}

static void
test_show (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, f->run_a1);
  g_autofree char *id2 = g_strdup_printf ("%" G_GINT64_FORMAT, f->run_a2);
  g_autofree char *text = run_cli (0, NULL, "history", "show", id, "--db", f->db, NULL);
  g_autofree char *json = run_cli (0, NULL, "history", "show", "--json", id, "--db", f->db,
                                   NULL);
  g_autofree char *json2 = run_cli (0, NULL, "history", "show", "--json", id2, "--db", f->db,
                                    NULL);
  g_autoptr(JsonNode) root = parse_json (json);
  g_autoptr(JsonNode) root2 = parse_json (json2);
  JsonObject *run = json_node_get_object (root);
  JsonArray *artifacts;

  g_assert_nonnull (strstr (text, "paint the banana purple"));
  g_assert_nonnull (strstr (text, "fruit.png"));
  g_assert_nonnull (strstr (text, "derived_mask"));

  g_assert_cmpint (json_object_get_int_member (run, "id"), ==, f->run_a1);
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (run, "parsed"), "target"), ==, "banana");
  g_assert_cmpint (json_object_get_int_member (
                     json_object_get_object_member (run, "params"), "iterations"), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (run, "session"), "source_path"), ==,
                   "/photos/fruit.png");
  artifacts = json_object_get_array_member (run, "artifacts");
  g_assert_cmpuint (json_array_get_length (artifacts), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (artifacts, 0),
                                                  "kind"), ==, "edited");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (artifacts, 0),
                                               "width"), ==, 40);

  g_assert_cmpint (json_object_get_int_member (json_node_get_object (root2), "parent_run_id"),
                   ==, f->run_a1);
  g_assert_cmpuint (json_array_get_length (
                      json_object_get_array_member (json_node_get_object (root2),
                                                    "artifacts")), ==, 0);
}

static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, f->run_a1);
  g_autofree char *id2 = g_strdup_printf ("%" G_GINT64_FORMAT, f->run_a2);
  g_autofree char *edited = g_build_filename (f->dir, "e.png", NULL);
  g_autofree char *mask = g_build_filename (f->dir, "m.png", NULL);
  g_autofree char *soft = g_build_filename (f->dir, "s.png", NULL);
  g_autofree char *original = g_build_filename (f->dir, "o.png", NULL);
  g_autofree char *none = g_build_filename (f->dir, "none.png", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *err2 = NULL;
  g_autofree char *err3 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmImage) got_edited = NULL, got_original = NULL;
  g_autoptr(PmImage) want_edited = pm_test_noise_image (40, 30, 3, TRUE);
  g_autoptr(PmImage) want_original = pm_test_noise_image (40, 30, 1, TRUE);
  g_autoptr(PmMask) got_mask = NULL, got_soft = NULL;
  g_autoptr(PmMask) want_mask = pm_test_noise_mask (40, 30, FALSE, 5);
  g_autoptr(PmMask) want_soft = pm_test_noise_mask (40, 30, TRUE, 4);

  out = run_cli (0, NULL, "history", "export", id, "--edited", edited, "--mask", mask,
                 "--soft-mask", soft, "--original", original, "--db", f->db, NULL);

  got_edited = pm_image_load (edited, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (got_edited->width, ==, 40);
  g_assert_true (memcmp (got_edited->data, want_edited->data, 40 * 30 * 4) == 0);
  got_original = pm_image_load (original, 0, &error);
  g_assert_no_error (error);
  g_assert_true (memcmp (got_original->data, want_original->data, 40 * 30 * 4) == 0);
  got_mask = pm_mask_load_png (mask, &error);
  g_assert_no_error (error);
  got_soft = pm_mask_load_png (soft, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 40 * 30; i++)
    {
      g_assert_cmpfloat_with_epsilon (got_mask->data[i], want_mask->data[i], 1e-6);
      g_assert_cmpfloat_with_epsilon (got_soft->data[i], want_soft->data[i], 1e-6);
    }

  /* A run without artifacts: exit 1 naming what is missing, and no file written. */
  g_free (run_cli (1, &err, "history", "export", id2, "--edited", none, "--db", f->db, NULL));
  g_assert_nonnull (strstr (err, "has no edited"));
  g_assert_false (g_file_test (none, G_FILE_TEST_EXISTS));

  /* Nothing asked for is a usage error. */
  g_free (run_cli (2, &err2, "history", "export", id, "--db", f->db, NULL));
  g_assert_nonnull (strstr (err2, "--edited"));

  /* An unwritable destination. */
  g_free (run_cli (1, &err3, "history", "export", id, "--edited", "/nonexistent/dir/e.png",
                   "--db", f->db, NULL));
  g_assert_nonnull (strstr (err3, "--edited"));
}

/* --corrected-mask writes the newest correction, --revision N an earlier one, byte for byte
 * as stored; --mask stays the derived mask. */
static void
test_export_corrected (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, f->run_a1);
  g_autofree char *id2 = g_strdup_printf ("%" G_GINT64_FORMAT, f->run_a2);
  g_autofree char *newest = g_build_filename (f->dir, "c.png", NULL);
  g_autofree char *first = g_build_filename (f->dir, "c1.png", NULL);
  g_autofree char *mask = g_build_filename (f->dir, "m.png", NULL);
  g_autofree char *none = g_build_filename (f->dir, "none.png", NULL);
  g_autofree char *show = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmMask) c1 = pm_test_noise_mask (40, 30, TRUE, 8);
  g_autoptr(PmMask) c2 = pm_test_noise_mask (40, 30, FALSE, 9);
  g_autoptr(PmMask) got = NULL;
  g_autoptr(GBytes) want1 = NULL, want2 = NULL;
  g_autofree char *bytes = NULL;
  gsize len = 0;

  {
    g_autoptr(PmStore) store = pm_store_open (f->db, &error);

    g_assert_no_error (error);
    pm_store_add_correction (store, f->run_a1, 0, c1, "brush", NULL, &error);
    pm_store_add_correction (store, f->run_a1, 0, c2, "grow 2", NULL, &error);
    g_assert_no_error (error);
    want1 = pm_store_get_correction_png (store, f->run_a1, 1, &error);
    want2 = pm_store_get_correction_png (store, f->run_a1, 2, &error);
    g_assert_no_error (error);
  }

  g_free (run_cli (0, NULL, "history", "export", id, "--corrected-mask", newest, "--mask", mask,
                   "--db", f->db, NULL));
  g_assert_true (g_file_get_contents (newest, &bytes, &len, NULL));
  g_assert_cmpmem (bytes, len, g_bytes_get_data (want2, NULL), g_bytes_get_size (want2));
  g_clear_pointer (&bytes, g_free);
  got = pm_mask_load_png (mask, &error);
  g_assert_no_error (error);
  {
    g_autoptr(PmMask) derived = pm_test_noise_mask (40, 30, FALSE, 5);
    g_assert_cmpmem (got->data, 40 * 30 * sizeof (float), derived->data,
                     40 * 30 * sizeof (float));
  }
  g_free (run_cli (0, NULL, "history", "export", id, "--corrected-mask", first, "--revision",
                   "1", "--db", f->db, NULL));
  g_assert_true (g_file_get_contents (first, &bytes, &len, NULL));
  g_assert_cmpmem (bytes, len, g_bytes_get_data (want1, NULL), g_bytes_get_size (want1));
  g_clear_pointer (&got, pm_mask_free);
  got = pm_mask_load_png (first, &error);   /* the soft values, exactly */
  g_assert_no_error (error);
  g_assert_cmpmem (got->data, 40 * 30 * sizeof (float), c1->data, 40 * 30 * sizeof (float));

  /* show lists the chain. */
  show = run_cli (0, NULL, "history", "show", id, "--db", f->db, NULL);
  g_assert_nonnull (strstr (show, "revision 1 (brush)"));
  g_assert_nonnull (strstr (show, "revision 2 (grow 2)"));

  /* Errors: no such revision (1), none at all (1), bad numbers and --revision alone (2). */
  {
    const struct { int status; const char *revision; const char *out; const char *run;
                   const char *expect; } cases[] = {
      { 1, "3", none, NULL, "no corrected_mask revision 3 (it has 1 to 2)" },
      { 1, NULL, none, "a2", "has no corrected_mask" },
      { 2, "0", none, NULL, "--revision 0" },
      { 2, "-1", none, NULL, "--revision -1" },
      { 2, "two", none, NULL, "--revision two" },
      { 2, "1", NULL, NULL, "--corrected-mask" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *err = NULL;
        g_autoptr(GPtrArray) argv = g_ptr_array_new ();
        int status;

        g_ptr_array_add (argv, (gpointer) "history");
        g_ptr_array_add (argv, (gpointer) "export");
        g_ptr_array_add (argv, cases[i].run ? id2 : id);
        if (cases[i].out != NULL)
          {
            g_ptr_array_add (argv, (gpointer) "--corrected-mask");
            g_ptr_array_add (argv, (gpointer) cases[i].out);
          }
        else
          {
            g_ptr_array_add (argv, (gpointer) "--mask");
            g_ptr_array_add (argv, (gpointer) none);
          }
        if (cases[i].revision != NULL)
          {
            g_ptr_array_add (argv, (gpointer) "--revision");
            g_ptr_array_add (argv, (gpointer) cases[i].revision);
          }
        g_ptr_array_add (argv, (gpointer) "--db");
        g_ptr_array_add (argv, f->db);
        g_ptr_array_add (argv, NULL);
        status = pm_test_run_cli ((const char * const *) argv->pdata, NULL, &err);
        g_test_message ("case %u: exit %d: %s", i, status, err);
        g_assert_cmpint (status, ==, cases[i].status);
        g_assert_true (g_str_has_prefix (err, "paintmask history: "));
        g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
        g_assert_nonnull (strstr (err, cases[i].expect));
        g_assert_false (g_file_test (none, G_FILE_TEST_EXISTS));
      }
  }
}

static void
test_export_session (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *sid = g_strdup_printf ("%" G_GINT64_FORMAT, f->session_a);
  g_autofree char *file = g_build_filename (f->dir, "fruit.paintmask", NULL);
  g_autofree char *other = g_build_filename (f->dir, "other.sqlite3", NULL);
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;
  g_autofree char *imported = NULL;
  g_autofree char *listed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = NULL;
  g_autoptr(GPtrArray) sessions = NULL;
  g_autoptr(JsonNode) root = NULL;

  out = run_cli (0, NULL, "history", "export-session", sid, "-o", file, "--db", f->db, NULL);
  g_assert_nonnull (strstr (out, "Exported session"));

  store = pm_store_open (file, &error);
  g_assert_no_error (error);
  sessions = pm_store_list_sessions (store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sessions->len, ==, 1);
  g_assert_cmpint (((PmSessionInfo *) sessions->pdata[0])->n_runs, ==, 2);
  g_clear_pointer (&store, pm_store_close);

  /* No silent overwrite; --force replaces. */
  g_free (run_cli (1, &err, "history", "export-session", sid, "-o", file, "--db", f->db,
                   NULL));
  g_assert_nonnull (strstr (err, "already exists"));
  g_free (run_cli (0, NULL, "history", "export-session", sid, "-o", file, "--force", "--db",
                   f->db, NULL));
  g_free (run_cli (2, NULL, "history", "export-session", sid, "--db", f->db, NULL));

  /* Without --db or PAINTMASK_DB the history lives under $XDG_DATA_HOME. */
  {
    g_autofree char *xdg = g_build_filename (f->dir, "xdg", NULL);
    g_autofree char *want = g_build_filename (xdg, "paintmask", "history.sqlite3", NULL);
    g_autofree char *old_xdg = g_strdup (g_getenv ("XDG_DATA_HOME"));
    g_autofree char *old_db = g_strdup (g_getenv ("PAINTMASK_DB"));

    g_setenv ("XDG_DATA_HOME", xdg, TRUE);
    g_unsetenv ("PAINTMASK_DB");
    g_free (run_cli (0, NULL, "history", "import", file, NULL));
    if (old_xdg != NULL)
      g_setenv ("XDG_DATA_HOME", old_xdg, TRUE);
    else
      g_unsetenv ("XDG_DATA_HOME");
    if (old_db != NULL)
      g_setenv ("PAINTMASK_DB", old_db, TRUE);
    g_assert_true (g_file_test (want, G_FILE_TEST_IS_REGULAR));
  }

  /* Import into another database, then list it there. */
  imported = run_cli (0, NULL, "history", "import", file, "--db", other, NULL);
  g_assert_nonnull (strstr (imported, "Imported session"));
  listed = run_cli (0, NULL, "history", "list", "--json", "--db", other, NULL);
  root = parse_json (listed);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_node_get_object (root), "runs")), ==, 2);
}

static void
test_delete (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, f->run_b1);
  g_autofree char *sid = g_strdup_printf ("%" G_GINT64_FORMAT, f->session_a);
  g_autofree char *err = NULL;
  g_autofree char *listed = NULL;
  g_autoptr(JsonNode) root = NULL;

  g_free (run_cli (0, NULL, "history", "delete", id, "--db", f->db, NULL));
  g_free (run_cli (1, &err, "history", "show", id, "--db", f->db, NULL));
  g_assert_nonnull (strstr (err, "no run"));
  g_free (run_cli (0, NULL, "history", "delete-session", sid, "--db", f->db, NULL));
  listed = run_cli (0, NULL, "history", "list", "--json", "--db", f->db, NULL);
  root = parse_json (listed);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_node_get_object (root), "runs")), ==, 0);
}

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *err = NULL;
  g_autofree char *err_bad = NULL;
  g_autofree char *err_sub = NULL;
  g_autofree char *err_corrupt = NULL;
  g_autofree char *junk = g_build_filename (f->dir, "junk.sqlite3", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  {
    g_autofree char *ok = run_cli (0, NULL, "history", "check", "--db", f->db, NULL);
    g_assert_nonnull (strstr (ok, ": ok (2 sessions, 3 runs"));
  }
  g_free (run_cli (1, &err, "history", "show", "999999", "--db", f->db, NULL));
  g_assert_nonnull (strstr (err, "no run 999999"));
  g_assert_nonnull (strstr (err, f->db));
  g_free (run_cli (1, NULL, "history", "export", "999999", "--mask", "x.png", "--db", f->db,
                   NULL));
  g_free (run_cli (1, NULL, "history", "delete", "999999", "--db", f->db, NULL));

  g_free (run_cli (2, &err_bad, "history", "show", "abc", "--db", f->db, NULL));
  g_assert_nonnull (strstr (err_bad, "'abc'"));
  g_free (run_cli (2, NULL, "history", "show", "--db", f->db, NULL));
  g_free (run_cli (2, NULL, "history", "list", "extra", "--db", f->db, NULL));
  g_free (run_cli (2, NULL, "history", "list", "--no-such-option", NULL));
  g_free (run_cli (2, NULL, "history", "--db", f->db, NULL));
  g_free (run_cli (2, &err_sub, "history", "frobnicate", NULL));
  g_assert_nonnull (strstr (err_sub, "frobnicate"));

  /* A damaged database: exit 1 with a clear message, the file left as it was. */
  g_assert_true (g_file_set_contents (junk, "This is not an SQLite database, it is text that "
                                      "is long enough to fill a header and then some more.",
                                      -1, NULL));
  g_assert_true (g_file_get_contents (junk, &before, NULL, NULL));
  g_free (run_cli (1, &err_corrupt, "history", "list", "--db", junk, NULL));
  g_assert_nonnull (strstr (err_corrupt, "damaged"));
  g_free (run_cli (1, NULL, "history", "check", "--db", junk, NULL));
  g_assert_true (g_file_get_contents (junk, &after, NULL, NULL));
  g_assert_cmpstr (before, ==, after);
}

/* `paintmask edit … --record --db` stores the run; `history export` gives back exactly the
 * edited image and mask that `edit` wrote. */
static void
test_edit_record (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *photo = g_build_filename (f->dir, "circle.png", NULL);
  g_autofree char *db = g_build_filename (f->dir, "recorded.sqlite3", NULL);
  g_autofree char *out = g_build_filename (f->dir, "out.png", NULL);
  g_autofree char *mask = g_build_filename (f->dir, "out-mask.png", NULL);
  g_autofree char *e2 = g_build_filename (f->dir, "e2.png", NULL);
  g_autofree char *m2 = g_build_filename (f->dir, "m2.png", NULL);
  g_autofree char *help = NULL;
  g_autofree char *json = NULL;
  g_autofree char *run_text = NULL;
  g_autofree char *shown = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) show = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmImage) image = pm_image_new (120, 90);
  g_autoptr(PmImage) edited = NULL, exported = NULL;
  g_autoptr(PmMask) mask_a = NULL, mask_b = NULL;
  const char *help_args[] = { "edit", "--help", NULL };
  gint64 run_id;

  g_assert_cmpint (pm_test_run_cli (help_args, &help, NULL), ==, 0);

  /* Grey with a yellow disc in the upper right. */
  for (int y = 0; y < 90; y++)
    for (int x = 0; x < 120; x++)
      {
        guint8 *p = image->data + ((gsize) y * 120 + x) * 4;
        gboolean in = (x - 85) * (x - 85) + (y - 35) * (y - 35) < 25 * 25;
        p[0] = in ? 230 : 200;
        p[1] = in ? 200 : 200;
        p[2] = in ? 20 : 200;
        p[3] = 255;
      }
  g_assert_true (pm_image_save_png (image, photo, &error));
  g_assert_no_error (error);

  {
    const char *args[] = { "edit", photo, "paint the yellow circle purple", "--record",
                           "--db", db, "-o", out, "--mask", mask, "--json", NULL };
    g_autofree char *err = NULL;
    int status = pm_test_run_cli (args, &json, &err);
    if (status != 0)
      g_error ("paintmask edit failed (%d): %s", status, err);
  }
  root = parse_json (json);
  run_id = json_object_get_int_member (json_node_get_object (root), "run_id");
  g_assert_cmpint (run_id, >, 0);
  run_text = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);

  shown = run_cli (0, NULL, "history", "show", run_text, "--json", "--db", db, NULL);
  show = parse_json (shown);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (show), "instruction"),
                   ==, "paint the yellow circle purple");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (show), "status"), ==,
                   "ok");
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (json_node_get_object (show), "session"),
                     "title"), ==, "circle.png");

  g_free (run_cli (0, NULL, "history", "export", run_text, "--edited", e2, "--mask", m2,
                   "--db", db, NULL));
  edited = pm_image_load (out, 0, &error);
  g_assert_no_error (error);
  exported = pm_image_load (e2, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (edited->width, ==, exported->width);
  g_assert_cmpint (edited->height, ==, exported->height);
  g_assert_true (memcmp (edited->data, exported->data, 120 * 90 * 4) == 0);
  mask_a = pm_mask_load_png (mask, &error);
  g_assert_no_error (error);
  mask_b = pm_mask_load_png (m2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_mask_count (mask_a), >, 0);
  for (int i = 0; i < 120 * 90; i++)
    g_assert_cmpfloat (mask_a->data[i], ==, mask_b->data[i]);
}

/* "--" ends the options of every history subcommand; a file named with a leading dash can
 * be imported after it. */
static void
test_dashes (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, f->run_a1);
  g_autofree char *id2 = g_strdup_printf ("%" G_GINT64_FORMAT, f->run_a2);
  g_autofree char *session = g_strdup_printf ("%" G_GINT64_FORMAT, f->session_b);
  struct { const char *args[12]; int status; } cases[] = {
    { { "history", "list", "--db", f->db, "--", NULL }, 0 },
    { { "history", "show", "--db", f->db, "--json", "--", id, NULL }, 0 },
    { { "history", "export", "--db", f->db, "--mask", "m.png", "--", id, NULL }, 0 },
    { { "history", "export-session", "--db", f->db, "-o", "-s.paintmask", "--", session,
        NULL }, 0 },
    { { "history", "import", "--db", f->db, "--", "-s.paintmask", NULL }, 0 },
    { { "history", "delete", "--db", f->db, "--", id2, NULL }, 0 },
    { { "history", "delete-session", "--db", f->db, "--", session, NULL }, 0 },
    { { "history", "check", "--db", f->db, "--", NULL }, 0 },
    /* Without "--" a leading dash is an option. */
    { { "history", "import", "--db", f->db, "-s.paintmask", NULL }, 2 },
  };

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *out = NULL, *err = NULL;
      int status = pm_test_run_cli_in (f->dir, cases[c].args, &out, &err);

      g_test_message ("history %s: %d %s", cases[c].args[1], status, err);
      g_assert_cmpint (status, ==, cases[c].status);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/cli/history/list-json", test_list_json);
  ADD ("/cli/history/list-text", test_list_text);
  ADD ("/cli/history/show", test_show);
  ADD ("/cli/history/export", test_export);
  ADD ("/cli/history/export-corrected", test_export_corrected);
  ADD ("/cli/history/export-session", test_export_session);
  ADD ("/cli/history/delete", test_delete);
  ADD ("/cli/history/errors", test_errors);
  ADD ("/cli/history/edit-record", test_edit_record);
  ADD ("/cli/history/dashes", test_dashes);
#undef ADD

  return g_test_run ();
}
