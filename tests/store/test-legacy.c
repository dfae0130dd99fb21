/* test-legacy.c: the one-time move of data and settings kept under the old app ID
 * (src/store/pm-legacy.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-legacy"

#include <string.h>

#include "pm-test-util.h"
#include "pm-store-test-util.h"
#include "pm-legacy.h"
#include "pm-store.h"

#define INSTRUCTION "paint the legacy cup purple"

/* A history database with one run, at @path. */
static void
make_history (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = pm_store_open (path, &error);
  g_autoptr(PmImage) image = pm_test_noise_image (8, 6, 1, TRUE);
  gint64 session;

  g_assert_no_error (error);
  session = pm_store_ensure_session (store, image, "/photos/cup.png", &error);
  g_assert_no_error (error);
  pm_test_store_add_run (store, session, INSTRUCTION, 8, 6, 2);
}

/* The runs' instructions in the database at @path, joined by '|'. */
static char *
history_instructions (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = pm_store_open (path, &error);
  g_autoptr(GPtrArray) runs = NULL;
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  runs = pm_store_list_runs (store, 0, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < runs->len; i++)
    {
      PmRunInfo *run = g_ptr_array_index (runs, i);
      g_string_append_printf (out, "%s%s", i > 0 ? "|" : "", run->instruction);
    }
  return g_string_free (out, FALSE);
}

static void
write_file (const char *dir,
            const char *name,
            const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static char *
read_file (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return text;
}

/* History (with a model folder beside it) moves; the database opens with its run. */
static void
test_data_dir_moves (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("pm-legacy-XXXXXX", NULL);
  g_autofree char *old_dir = g_build_filename (tmp, "old", "paintmask", NULL);
  g_autofree char *new_dir = g_build_filename (tmp, "new", "paintmask", NULL);
  g_autofree char *old_db = g_build_filename (old_dir, "history.sqlite3", NULL);
  g_autofree char *new_db = g_build_filename (new_dir, "history.sqlite3", NULL);
  g_autofree char *runs = NULL;
  g_autofree char *weights = NULL;
  g_autofree char *note = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (old_dir, 0700), ==, 0);
  make_history (old_db);
  write_file (old_dir, "models/clipseg-rd64-refined/config.json", "{\"weights\": 1}");

  g_assert_true (pm_legacy_migrate_data_dir (old_dir, new_dir, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (old_db, G_FILE_TEST_EXISTS));
  runs = history_instructions (new_db);
  g_assert_cmpstr (runs, ==, INSTRUCTION);
  weights = read_file (new_dir, "models/clipseg-rd64-refined/config.json");
  g_assert_cmpstr (weights, ==, "{\"weights\": 1}");
  note = read_file (old_dir, "MOVED-TO-NEW-ID.txt");
  g_assert_nonnull (strstr (note, new_dir));

  /* A second call finds the history at the new place and does nothing. */
  g_assert_true (pm_legacy_migrate_data_dir (old_dir, new_dir, &error));
  g_assert_no_error (error);
  pm_test_rmdir (tmp);
}

/* A history already at the new place wins: nothing of the old folder moves or is lost. */
static void
test_data_dir_keeps_new (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("pm-legacy-XXXXXX", NULL);
  g_autofree char *old_dir = g_build_filename (tmp, "old", NULL);
  g_autofree char *new_dir = g_build_filename (tmp, "new", NULL);
  g_autofree char *old_text = NULL;
  g_autofree char *new_text = NULL;
  g_autoptr(GError) error = NULL;

  write_file (old_dir, "history.sqlite3", "old");
  write_file (old_dir, "models/a.txt", "old model");
  write_file (new_dir, "history.sqlite3", "new");

  g_assert_true (pm_legacy_migrate_data_dir (old_dir, new_dir, &error));
  g_assert_no_error (error);
  old_text = read_file (old_dir, "history.sqlite3");
  new_text = read_file (new_dir, "history.sqlite3");
  g_assert_cmpstr (old_text, ==, "old");
  g_assert_cmpstr (new_text, ==, "new");
  g_assert_true (g_file_test (tmp, G_FILE_TEST_IS_DIR));
  g_assert_null (read_file (new_dir, "models/a.txt"));
  pm_test_rmdir (tmp);
}

/* An interrupted move (journal moved, database not yet) is finished; a name already at the
 * new place is not overwritten. Nothing to move is not an error. */
static void
test_data_dir_resumes (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("pm-legacy-XXXXXX", NULL);
  g_autofree char *old_dir = g_build_filename (tmp, "old", NULL);
  g_autofree char *new_dir = g_build_filename (tmp, "new", NULL);
  g_autofree char *missing = g_build_filename (tmp, "missing", NULL);
  g_autofree char *db = NULL;
  g_autofree char *wal = NULL;
  g_autofree char *kept = NULL;
  g_autoptr(GError) error = NULL;

  write_file (old_dir, "history.sqlite3", "db");
  write_file (old_dir, "notes.txt", "old notes");
  write_file (new_dir, "history.sqlite3-wal", "wal");
  write_file (new_dir, "notes.txt", "new notes");

  g_assert_true (pm_legacy_migrate_data_dir (old_dir, new_dir, &error));
  g_assert_no_error (error);
  db = read_file (new_dir, "history.sqlite3");
  wal = read_file (new_dir, "history.sqlite3-wal");
  kept = read_file (new_dir, "notes.txt");
  g_assert_cmpstr (db, ==, "db");
  g_assert_cmpstr (wal, ==, "wal");
  g_assert_cmpstr (kept, ==, "new notes");

  g_assert_true (pm_legacy_migrate_data_dir (missing, new_dir, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  pm_test_rmdir (tmp);
}

/* The CLI inside a Flatpak (FLATPAK_ID set) finds the history of the old ID's sandbox. */
static void
test_cli_moves_flatpak_data (void)
{
  g_autofree char *home = g_dir_make_tmp ("pm-legacy-home-XXXXXX", NULL);
  g_autofree char *old_dir = g_build_filename (home, ".var", "app", PM_LEGACY_APP_ID, "data",
                                               "paintmask", NULL);
  g_autofree char *data_home = g_build_filename (home, ".var", "app",
                                                 "io.github.paintmask.Paintmask", "data", NULL);
  g_autofree char *old_db = g_build_filename (old_dir, "history.sqlite3", NULL);
  g_autofree char *new_db = g_build_filename (data_home, "paintmask", "history.sqlite3", NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (old_dir, 0700), ==, 0);
  make_history (old_db);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_home, TRUE);
  g_subprocess_launcher_setenv (launcher, "FLATPAK_ID", "io.github.paintmask.Paintmask", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "PAINTMASK_DB");
  proc = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("PAINTMASK_BIN"),
                                      "history", "list", "--json", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_nonnull (strstr (out, INSTRUCTION));
  g_assert_true (g_file_test (new_db, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (old_db, G_FILE_TEST_EXISTS));
  pm_test_rmdir (home);
}

static void
count_changed (guint *count)
{
  (*count)++;
}

static GSettings *
settings_at (const char *path)
{
  g_autoptr(GSettingsSchemaSource) source = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GError) error = NULL;

  /* The schema compiled in the build tree (data/), not an installed one. */
  source = g_settings_schema_source_new_from_directory (PM_TEST_SCHEMA_DIR, NULL, FALSE,
                                                        &error);
  g_assert_no_error (error);
  if (path == NULL)
    schema = g_settings_schema_source_lookup (source, "io.github.paintmask.Paintmask", FALSE);
  else
    schema = g_settings_schema_source_lookup (source, "io.github.paintmask.Paintmask.Legacy",
                                              FALSE);
  g_assert_nonnull (schema);
  return g_settings_new_full (schema, NULL, path);
}

/* Keys set under the old path are copied once; keys already set at the new path, values out
 * of range and keys left at their default are not. */
static void
test_settings (void)
{
  g_autoptr(GSettings) legacy = settings_at (PM_LEGACY_SETTINGS_PATH);
  g_autoptr(GSettings) settings = settings_at (NULL);
  g_auto(GStrv) recent = NULL;
  g_autofree char *engine = NULL;
  g_autofree char *overlay = NULL;
  const char *instructions[] = { "segment the cat", "paint the car blue", NULL };

  g_settings_set_string (legacy, "default-engine", "clipseg");
  g_settings_set_double (legacy, "overlay-opacity", 0.8);
  g_settings_set_strv (legacy, "recent-instructions", instructions);
  g_settings_set_string (legacy, "overlay-color", "#123456");
  g_settings_set_string (settings, "overlay-color", "#abcdef");

  g_assert_cmpuint (pm_legacy_migrate_settings (legacy, settings), ==, 3);
  engine = g_settings_get_string (settings, "default-engine");
  overlay = g_settings_get_string (settings, "overlay-color");
  recent = g_settings_get_strv (settings, "recent-instructions");
  g_assert_cmpstr (engine, ==, "clipseg");
  g_assert_cmpstr (overlay, ==, "#abcdef");
  g_assert_cmpfloat (g_settings_get_double (settings, "overlay-opacity"), ==, 0.8);
  g_assert_cmpstrv (recent, instructions);
  g_assert_null (g_settings_get_user_value (settings, "threads"));
  g_assert_true (g_settings_get_boolean (settings, "legacy-settings-migrated"));

  /* The settings object still writes through (the app keeps using it). */
  {
    g_autoptr(GSettings) other = settings_at (NULL);
    g_autofree char *color = NULL;

    g_settings_set_string (settings, "highlight-color", "#00ff00");
    color = g_settings_get_string (other, "highlight-color");
    g_assert_cmpstr (color, ==, "#00ff00");
  }

  /* Once only: a later change at the old path is not copied again. */
  g_settings_set_string (legacy, "default-engine", "remote");
  g_assert_cmpuint (pm_legacy_migrate_settings (legacy, settings), ==, 0);
  g_free (engine);
  engine = g_settings_get_string (settings, "default-engine");
  g_assert_cmpstr (engine, ==, "clipseg");
}

/* Every key of the legacy schema (the old path's keys) is in the app's schema with the same
 * type, the marker is not; and a GSettings object of the app's schema emits "changed" (an "extends"
 * schema did not, which broke every view that follows a setting). */
static void
test_settings_schemas (void)
{
  g_autoptr(GSettings) legacy = settings_at (PM_LEGACY_SETTINGS_PATH);
  g_autoptr(GSettings) settings = settings_at (NULL);
  g_autoptr(GSettings) other = settings_at (NULL);
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchema) legacy_schema = NULL;
  g_auto(GStrv) keys = NULL;
  g_auto(GStrv) legacy_keys = NULL;
  guint changed = 0;

  g_object_get (settings, "settings-schema", &schema, NULL);
  g_object_get (legacy, "settings-schema", &legacy_schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  legacy_keys = g_settings_schema_list_keys (legacy_schema);
  /* The keys the old ID had (21 at the change, and refine-with-sam added meanwhile). */
  g_assert_cmpuint (g_strv_length (legacy_keys), >=, 22);
  g_assert_cmpuint (g_strv_length (legacy_keys), <, g_strv_length (keys));
  g_assert_false (g_settings_schema_has_key (legacy_schema, "legacy-settings-migrated"));
  for (guint i = 0; legacy_keys[i] != NULL; i++)
    {
      g_autoptr(GSettingsSchemaKey) old_key = g_settings_schema_get_key (legacy_schema,
                                                                         legacy_keys[i]);
      g_autoptr(GSettingsSchemaKey) key = NULL;

      g_assert_true (g_settings_schema_has_key (schema, legacy_keys[i]));
      key = g_settings_schema_get_key (schema, legacy_keys[i]);
      g_assert_true (g_variant_type_equal (g_settings_schema_key_get_value_type (key),
                                           g_settings_schema_key_get_value_type (old_key)));
    }

  g_signal_connect_swapped (other, "changed::threads", G_CALLBACK (count_changed), &changed);
  g_assert_cmpint (g_settings_get_int (other, "threads"), ==, 0);
  g_settings_set_int (settings, "threads", 3);
  for (int i = 0; i < 20 && changed == 0; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (changed, >=, 1);
  g_settings_reset (settings, "threads");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/legacy/data-dir-moves", test_data_dir_moves);
  g_test_add_func ("/store/legacy/data-dir-keeps-new", test_data_dir_keeps_new);
  g_test_add_func ("/store/legacy/data-dir-resumes", test_data_dir_resumes);
  g_test_add_func ("/store/legacy/cli-moves-flatpak-data", test_cli_moves_flatpak_data);
  g_test_add_func ("/store/legacy/settings", test_settings);
  g_test_add_func ("/store/legacy/settings-schemas", test_settings_schemas);
  return g_test_run ();
}
