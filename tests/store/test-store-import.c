/* test-store-import.c: .paintmask files that are not what they claim (pm-store-transfer.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each hostile file is refused with one line naming it and the fault; the history it was
 * to be imported into keeps exactly its sessions, and the file is left as it was.
 */
#include <sqlite3.h>
#include <string.h>

#include "pm-store.h"
#include "pm-test-util.h"

typedef struct {
  char    *dir;
  char    *good;     /* an exported session */
  PmStore *target;   /* a history with one session */
} Fixture;

static PmImage *
make_image (int     width,
            int     height,
            guint32 seed)
{
  PmImage *image = pm_image_new (width, height);

  for (int i = 0; i < width * height * 4; i++)
    image->data[i] = (guint8) (i * 31 + seed);
  return image;
}

static gint64
add_session_with_run (PmStore    *store,
                      guint32     seed)
{
  g_autoptr(PmImage) image = make_image (20, 10, seed);
  g_autoptr(PmImage) edited = make_image (20, 10, seed + 1);
  g_autoptr(GError) error = NULL;
  gint64 session = pm_store_ensure_session (store, image, NULL, &error);
  PmRunRecord record = {
    .session_id = session,
    .instruction = "paint the cup red",
    .engine = "builtin",
    .status = "ok",
    .edited = edited,
  };

  g_assert_no_error (error);
  g_assert_cmpint (pm_store_add_run (store, &record, &error), >, 0);
  g_assert_no_error (error);
  return session;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  g_autofree char *db2 = NULL;
  g_autoptr(PmStore) source = NULL;
  gint64 session;

  f->dir = g_dir_make_tmp ("pm-import-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (f->dir, "source.sqlite3", NULL);
  db2 = g_build_filename (f->dir, "target.sqlite3", NULL);
  f->good = g_build_filename (f->dir, "good.paintmask", NULL);
  source = pm_store_open (db, &error);
  g_assert_no_error (error);
  session = add_session_with_run (source, 1);
  g_assert_true (pm_store_export_session (source, session, f->good, &error));
  g_assert_no_error (error);
  f->target = pm_store_open (db2, &error);
  g_assert_no_error (error);
  add_session_with_run (f->target, 7);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->target, pm_store_close);
  g_free (f->good);
  pm_test_rmdir (f->dir);
  g_free (f->dir);
}

/* A copy of the good export changed by @sql (run with foreign keys off). */
static char *
altered_copy (Fixture    *f,
              const char *name,
              const char *sql)
{
  g_autofree char *contents = NULL;
  char *path = g_build_filename (f->dir, name, NULL);
  sqlite3 *db = NULL;
  char *message = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (f->good, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (path, contents, len, NULL));
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
  return path;
}

static void
assert_refused (Fixture    *f,
                const char *path,
                const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GPtrArray) sessions = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_len, after_len;

  g_assert_true (g_file_get_contents (path, &before, &before_len, NULL));
  ids = pm_store_import_file (f->target, path, &error);
  g_assert_null (ids);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, fragment));
  g_assert_null (strchr (error->message, '\n'));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_clear_error (&error);
  sessions = pm_store_list_sessions (f->target, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sessions->len, ==, 1);
  g_assert_true (g_file_get_contents (path, &after, &after_len, NULL));
  g_assert_true (before_len == after_len && memcmp (before, after, before_len) == 0);
}

/* The file says it has the current schema but a table is gone: refused by name, not a
 * query error about the user's own history. */
static void
test_missing_table (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *path = altered_copy (f, "no-runs.paintmask",
                                        "PRAGMA foreign_keys = OFF; DROP TABLE runs;");
  assert_refused (f, path, "“runs”");
}

static void
test_renamed_column (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *path = altered_copy (f, "renamed.paintmask",
                                        "ALTER TABLE artifacts RENAME COLUMN png TO picture;");
  assert_refused (f, path, "“png”");
}

static void
test_foreign_schema (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "foreign.paintmask", NULL);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE photos (id INTEGER PRIMARY KEY, data BLOB);"
                                 "INSERT INTO photos VALUES (1, x'00ff');", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);
  assert_refused (f, path, "without a Paintmask schema");
}

static void
test_other_program (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *path = altered_copy (f, "other.paintmask",
                                        "PRAGMA application_id = 1234567;");
  assert_refused (f, path, "another program");
}

static void
test_newer_schema (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *path = altered_copy (f, "newer.paintmask", "PRAGMA user_version = 999;");
  assert_refused (f, path, "newer Paintmask");
}

static void
test_truncated (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *contents = NULL;
  g_autofree char *path = g_build_filename (f->dir, "cut.paintmask", NULL);
  gsize len;

  g_assert_true (g_file_get_contents (f->good, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (path, contents, len / 2, NULL));
  assert_refused (f, path, "cut.paintmask");
}

/* A schema whose SQL text holds a newline and bytes that are not UTF-8 (found by
 * fuzz-session): SQLite quotes that text in its error, which must still reach the user as
 * one line of valid UTF-8. */
static void
test_malformed_schema_text (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *path =
    altered_copy (f, "malformed.paintmask",
                  "PRAGMA writable_schema = ON;"
                  "UPDATE sqlite_master SET sql = 'CREATE TABLE runs (x ''f' || char (10)"
                  "  || CAST (x'fe8f450c' AS TEXT) || ')' WHERE name = 'runs';");
  assert_refused (f, path, "malformed");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/store/import/missing-table", test_missing_table);
  ADD ("/store/import/renamed-column", test_renamed_column);
  ADD ("/store/import/foreign-schema", test_foreign_schema);
  ADD ("/store/import/other-program", test_other_program);
  ADD ("/store/import/newer-schema", test_newer_schema);
  ADD ("/store/import/truncated", test_truncated);
  ADD ("/store/import/malformed-schema-text", test_malformed_schema_text);
#undef ADD
  return g_test_run ();
}
