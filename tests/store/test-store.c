/* test-store.c: the SQLite history: schema, migrations, round trips, crash safety,
 * concurrent writers and refusal of damaged or newer databases.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The crash and concurrency tests run this binary again as a child process
 * (`test-store --child MODE DB …`) so that a real process can be SIGKILLed in the middle of
 * a transaction or race another one for the write lock.
 */
#define G_LOG_DOMAIN "test-store"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>

#include "pm-test-util.h"
#include "pm-store-test-util.h"
#include "pm-maskio.h"
#include "pm-store-dataset.h"
#include "pm-store-private.h"

/* ------------------------------------------------------------------------------------- */
/* Fixtures                                                                               */
/* ------------------------------------------------------------------------------------- */

static void
assert_images_equal (const PmImage *a,
                     const PmImage *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  g_assert_true (memcmp (a->data, b->data, (gsize) a->width * a->height * 4) == 0);
}

static void
assert_masks_equal (const PmMask *a,
                    const PmMask *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  for (gsize i = 0; i < (gsize) a->width * a->height; i++)
    g_assert_cmpfloat_with_epsilon (a->data[i], b->data[i], 1e-6);
}

static sqlite3 *
raw_open (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  return db;
}

static void
raw_exec (sqlite3    *db,
          const char *sql)
{
  char *msg = NULL;
  int rc = sqlite3_exec (db, sql, NULL, NULL, &msg);

  if (rc != SQLITE_OK)
    g_error ("SQL failed: %s: %s", msg, sql);
}

static GBytes *
read_file (const char *path)
{
  char *data = NULL;
  gsize len = 0;
  GError *error = NULL;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

static void
assert_file_unchanged (const char *path,
                       GBytes     *before)
{
  g_autoptr(GBytes) after = read_file (path);
  g_assert_true (g_bytes_equal (before, after));
}

typedef struct {
  char *dir;
  char *db;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = pm_test_tmpdir ();
  f->db = g_build_filename (f->dir, "sub", "dir", "history.sqlite3", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  pm_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->db);
}

/* ------------------------------------------------------------------------------------- */
/* Child processes                                                                        */
/* ------------------------------------------------------------------------------------- */

static char *self_exe;

static void
child_pause_hook (gpointer user_data)
{
  /* Every row of the run is written (its pages partly spilled to the WAL), nothing is
   * committed: tell the parent and wait for SIGKILL. */
  fputs ("in-transaction\n", stdout);
  fflush (stdout);
  for (;;)
    pause ();
}

static int
child_main (int    argc,
            char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = NULL;
  g_autoptr(PmImage) image = pm_test_noise_image (64, 48, 1, FALSE);
  const char *mode = argv[2];
  gint64 session;

  store = pm_store_open (argv[3], &error);
  if (store == NULL)
    goto fail;
  session = pm_store_ensure_session (store, image, "/photos/shared.png", &error);
  if (session == 0)
    goto fail;

  if (g_str_equal (mode, "crash"))
    {
      /* A run whose artifacts are far bigger than the page cache. */
      g_autoptr(PmImage) edited = pm_test_noise_image (1200, 1000, 99, FALSE);
      g_autoptr(PmMask) soft = pm_test_noise_mask (1200, 1000, TRUE, 98);
      g_autoptr(PmMask) derived = pm_test_noise_mask (1200, 1000, FALSE, 97);
      PmRunRecord record = {
        .session_id = session, .instruction = "the half run",
        .edited = edited, .soft_mask = soft, .derived_mask = derived,
      };

      pm_store_set_test_hook (store, child_pause_hook, NULL);
      pm_store_add_run (store, &record, &error);
      goto fail; /* not reached: the hook pauses */
    }
  else if (g_str_equal (mode, "loop"))
    {
      /* Adds runs until killed, announcing each commit. */
      for (guint i = 0;; i++)
        {
          g_autofree char *text = g_strdup_printf ("loop run %u", i);
          gint64 id = pm_test_store_add_run (store, session, text, 300, 200, i);
          printf ("committed %" G_GINT64_FORMAT "\n", id);
          fflush (stdout);
        }
    }
  else if (g_str_equal (mode, "writer"))
    {
      int n = atoi (argv[4]);
      for (int i = 0; i < n; i++)
        {
          g_autofree char *text = g_strdup_printf ("writer %d run %d", (int) getpid (), i);
          g_autoptr(PmImage) edited = pm_test_noise_image (40, 30, (guint32) i, FALSE);
          g_autoptr(PmMask) derived = pm_test_noise_mask (40, 30, FALSE, (guint32) i);
          PmRunRecord record = {
            .session_id = session, .instruction = text,
            .edited = edited, .derived_mask = derived,
          };
          if (pm_store_add_run (store, &record, &error) == 0)
            goto fail;
        }
      return 0;
    }
  g_printerr ("unknown child mode %s\n", mode);
  return 2;

fail:
  g_printerr ("child %s: %s\n", mode, error ? error->message : "failed");
  return 1;
}

static GPid
spawn_child (const char *mode,
             const char *db,
             const char *arg,
             int        *stdout_fd)
{
  const char *argv[] = { self_exe, "--child", mode, db, arg, NULL };
  g_autoptr(GError) error = NULL;
  GPid pid = 0;

  g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                            NULL, &pid, NULL, stdout_fd, NULL, &error);
  g_assert_no_error (error);
  return pid;
}

static int
wait_child (GPid pid)
{
  int status = 0;

  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  return status;
}

/* Reads one line from @fd (blocking); NULL at end of file. */
static char *
read_line (int fd)
{
  GString *line = g_string_new (NULL);
  char c;

  while (read (fd, &c, 1) == 1)
    {
      if (c == '\n')
        return g_string_free (line, FALSE);
      g_string_append_c (line, c);
    }
  g_string_free (line, TRUE);
  return NULL;
}

/* ------------------------------------------------------------------------------------- */
/* Schema and migrations                                                                  */
/* ------------------------------------------------------------------------------------- */

static void
test_schema_create (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = pm_store_open (f->db, &error);
  g_autofree char *mode = NULL;
  sqlite3 *db;

  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_true (g_file_test (f->db, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpstr (pm_store_get_path (store), ==, f->db);

  db = pm_store_get_db (store);
  g_assert_cmpint (pm_test_sql_int (db, "PRAGMA user_version"), ==, PM_STORE_SCHEMA_VERSION);
  g_assert_cmpint (pm_test_sql_int (db, "PRAGMA application_id"), ==, PM_STORE_APPLICATION_ID);
  g_assert_cmpint (pm_test_sql_int (db, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (pm_test_sql_int (db, "PRAGMA synchronous"), ==, 2); /* FULL */
  g_assert_cmpint (pm_test_sql_int (db, "PRAGMA auto_vacuum"), ==, 2); /* INCREMENTAL */
  g_assert_cmpint (pm_test_sql_int (db, "PRAGMA page_size"), ==, 16384);
  mode = pm_test_sql_text (db, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                        "AND name IN ('images', 'sessions', 'runs', 'artifacts')"),
                   ==, 4);
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM pragma_table_info('runs') "
                                        "WHERE name = 'message'"), ==, 1);
}

/* Schema v1 exactly as it shipped, written out independently of pm-store-schema.c. */
static const char schema_v1[] =
  "CREATE TABLE images (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE,"
  "  width INTEGER NOT NULL CHECK (width > 0), height INTEGER NOT NULL CHECK (height > 0),"
  "  format TEXT NOT NULL DEFAULT 'png', data BLOB NOT NULL, source_path TEXT,"
  "  added_at INTEGER NOT NULL);"
  "CREATE TABLE sessions (id INTEGER PRIMARY KEY,"
  "  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE RESTRICT, title TEXT,"
  "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
  "CREATE INDEX sessions_image ON sessions (image_id);"
  "CREATE TABLE runs (id INTEGER PRIMARY KEY,"
  "  session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
  "  parent_run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,"
  "  instruction TEXT NOT NULL, parsed TEXT, engine TEXT, model TEXT, params TEXT,"
  "  colour TEXT, status TEXT NOT NULL DEFAULT 'ok', error TEXT,"
  "  started_at INTEGER NOT NULL, duration_ms REAL, timings TEXT);"
  "CREATE INDEX runs_session ON runs (session_id);"
  "CREATE INDEX runs_parent ON runs (parent_run_id);"
  "CREATE TABLE artifacts (id INTEGER PRIMARY KEY,"
  "  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  kind TEXT NOT NULL CHECK (kind IN ('edited', 'soft_mask', 'derived_mask',"
  "  'corrected_mask')), width INTEGER NOT NULL, height INTEGER NOT NULL,"
  "  png BLOB NOT NULL, sha256 TEXT NOT NULL, created_at INTEGER NOT NULL);"
  "CREATE INDEX artifacts_run ON artifacts (run_id, kind);"
  "PRAGMA application_id = 1347244875;"
  "PRAGMA user_version = 1;";

static void
bind_png (sqlite3_stmt *stmt,
          int           col,
          GBytes       *png)
{
  gsize size = 0;
  gconstpointer p = g_bytes_get_data (png, &size);
  sqlite3_bind_blob (stmt, col, p, (int) size, SQLITE_TRANSIENT);
}

/* Writes a v1 database by hand: one image, one session, two runs (the second a child of
 * the first), the first with an edited image and a derived mask. */
static void
write_v1_database (const char    *path,
                   const PmImage *image,
                   const PmImage *edited,
                   const PmMask  *derived)
{
  g_autoptr(GBytes) image_png = pm_image_encode_png (image, NULL);
  g_autoptr(GBytes) edited_png = pm_image_encode_png (edited, NULL);
  g_autoptr(GBytes) mask_png = pm_mask_encode_png (derived, FALSE, NULL);
  sqlite3 *db = raw_open (path);
  sqlite3_stmt *stmt = NULL;

  raw_exec (db, schema_v1);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO images VALUES (7, 'abc', ?1, ?2, "
                                       "'png', ?3, '/old/photo.png', 1600000000)", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_int (stmt, 1, image->width);
  sqlite3_bind_int (stmt, 2, image->height);
  bind_png (stmt, 3, image_png);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  raw_exec (db,
            "INSERT INTO sessions VALUES (3, 7, 'photo.png', 1600000000, 1600000100);"
            "INSERT INTO runs VALUES (10, 3, NULL, 'paint the cup red', '{}', 'builtin', "
            "  'grabcut', '{}', '#ff0000', 'ok', NULL, 1600000000000000, 250.0, '{}');"
            "INSERT INTO runs VALUES (11, 3, 10, 'make it blue', NULL, 'builtin', NULL, "
            "  NULL, '#0000ff', 'error', 'engine failed', 1600000001000000, 10.0, NULL);");
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO artifacts (run_id, kind, width, "
                                       "height, png, sha256, created_at) VALUES (10, ?1, ?2, "
                                       "?3, ?4, 'x', 1600000000)", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, "edited", -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, edited->width);
  sqlite3_bind_int (stmt, 3, edited->height);
  bind_png (stmt, 4, edited_png);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_reset (stmt);
  sqlite3_bind_text (stmt, 1, "derived_mask", -1, SQLITE_STATIC);
  bind_png (stmt, 4, mask_png);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

static void
check_v1_data (PmStore       *store,
               const PmImage *image,
               const PmImage *edited,
               const PmMask  *derived)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmRunInfo) run = NULL;
  g_autoptr(PmRunInfo) child = NULL;
  g_autoptr(PmImage) got_image = NULL;
  g_autoptr(PmImage) got_edited = NULL;
  g_autoptr(PmMask) got_mask = NULL;
  g_autoptr(GPtrArray) runs = NULL;

  run = pm_store_get_run (store, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->session_id, ==, 3);
  g_assert_cmpstr (run->instruction, ==, "paint the cup red");
  g_assert_cmpstr (run->color, ==, "#ff0000");
  g_assert_cmpstr (run->model, ==, "grabcut");
  g_assert_cmpint (run->started_at, ==, 1600000000000000);
  g_assert_cmpfloat (run->duration_ms, ==, 250.0);

  child = pm_store_get_run (store, 11, &error);
  g_assert_no_error (error);
  g_assert_cmpint (child->parent_run_id, ==, 10);
  g_assert_cmpstr (child->status, ==, "error");
  g_assert_cmpstr (child->error, ==, "engine failed");

  got_image = pm_store_get_session_image (store, 3, &error);
  g_assert_no_error (error);
  assert_images_equal (got_image, image);
  got_edited = pm_store_get_artifact_image (store, 10, PM_ARTIFACT_EDITED, &error);
  g_assert_no_error (error);
  assert_images_equal (got_edited, edited);
  got_mask = pm_store_get_artifact_mask (store, 10, PM_ARTIFACT_DERIVED_MASK, &error);
  g_assert_no_error (error);
  assert_masks_equal (got_mask, derived);

  runs = pm_store_list_runs (store, 3, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 2);
}

/* v1 → v2 as it shipped. */
static const char schema_v2_from_v1[] =
  "ALTER TABLE runs ADD COLUMN message TEXT;"
  "CREATE INDEX runs_started ON runs (started_at, id);"
  "PRAGMA user_version = 2;";

/* v2 → v3 as it shipped. */
static const char schema_v3_from_v2[] =
  "ALTER TABLE images ADD COLUMN thumbnail BLOB;"
  "ALTER TABLE artifacts ADD COLUMN thumbnail BLOB;"
  "PRAGMA user_version = 3;";

/* v3 → v4 as it shipped: every table rebuilt with AUTOINCREMENT ids. */
static const char schema_v4_from_v3[] =
  "CREATE TABLE images_v4 (id INTEGER PRIMARY KEY AUTOINCREMENT, sha256 TEXT NOT NULL UNIQUE,"
  "  width INTEGER NOT NULL CHECK (width > 0), height INTEGER NOT NULL CHECK (height > 0),"
  "  format TEXT NOT NULL DEFAULT 'png', data BLOB NOT NULL, source_path TEXT,"
  "  added_at INTEGER NOT NULL, thumbnail BLOB);"
  "INSERT INTO images_v4 SELECT id, sha256, width, height, format, data, source_path,"
  "  added_at, thumbnail FROM images ORDER BY id;"
  "CREATE TABLE sessions_v4 (id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE RESTRICT, title TEXT,"
  "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
  "INSERT INTO sessions_v4 SELECT id, image_id, title, created_at, updated_at FROM sessions"
  "  ORDER BY id;"
  "CREATE TABLE runs_v4 (id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
  "  parent_run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,"
  "  instruction TEXT NOT NULL, parsed TEXT, engine TEXT, model TEXT, params TEXT,"
  "  colour TEXT, status TEXT NOT NULL DEFAULT 'ok', error TEXT,"
  "  started_at INTEGER NOT NULL, duration_ms REAL, timings TEXT, message TEXT);"
  "INSERT INTO runs_v4 SELECT id, session_id, parent_run_id, instruction, parsed, engine,"
  "  model, params, colour, status, error, started_at, duration_ms, timings, message"
  "  FROM runs ORDER BY id;"
  "CREATE TABLE artifacts_v4 (id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  kind TEXT NOT NULL CHECK (kind IN ('edited', 'soft_mask', 'derived_mask',"
  "  'corrected_mask')), width INTEGER NOT NULL, height INTEGER NOT NULL,"
  "  png BLOB NOT NULL, sha256 TEXT NOT NULL, created_at INTEGER NOT NULL, thumbnail BLOB);"
  "INSERT INTO artifacts_v4 SELECT id, run_id, kind, width, height, png, sha256, created_at,"
  "  thumbnail FROM artifacts ORDER BY id;"
  "DROP TABLE artifacts; DROP TABLE runs; DROP TABLE sessions; DROP TABLE images;"
  "ALTER TABLE images_v4 RENAME TO images;"
  "ALTER TABLE sessions_v4 RENAME TO sessions;"
  "ALTER TABLE runs_v4 RENAME TO runs;"
  "ALTER TABLE artifacts_v4 RENAME TO artifacts;"
  "CREATE INDEX sessions_image ON sessions (image_id);"
  "CREATE INDEX runs_session ON runs (session_id);"
  "CREATE INDEX runs_parent ON runs (parent_run_id);"
  "CREATE INDEX runs_started ON runs (started_at, id);"
  "CREATE INDEX artifacts_run ON artifacts (run_id, kind);"
  "PRAGMA user_version = 4;";

/* v4 → v5 as it shipped (dataset projects; run with foreign keys off, as the store did). */
static const char schema_v5_from_v4[] =
  "CREATE TABLE projects ("
  "  id          INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  root        TEXT NOT NULL UNIQUE,"
  "  name        TEXT,"
  "  created_at  INTEGER NOT NULL,"
  "  updated_at  INTEGER NOT NULL"
  ");"
  "CREATE TABLE project_labels ("
  "  id          INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,"
  "  position    INTEGER NOT NULL,"
  "  name        TEXT NOT NULL,"
  "  instruction TEXT NOT NULL DEFAULT 'segment the {label}',"
  "  engine      TEXT NOT NULL DEFAULT 'builtin',"
  "  colour      TEXT,"
  "  UNIQUE (project_id, name)"
  ");"
  "CREATE TABLE project_images ("
  "  id          INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,"
  "  path        TEXT NOT NULL,"
  "  width       INTEGER CHECK (width IS NULL OR width > 0),"
  "  height      INTEGER CHECK (height IS NULL OR height > 0),"
  "  status      TEXT NOT NULL DEFAULT 'todo'"
  "              CHECK (status IN ('todo', 'drafted', 'reviewed', 'rejected')),"
  "  error       TEXT,"
  "  added_at    INTEGER NOT NULL,"
  "  updated_at  INTEGER NOT NULL,"
  "  thumbnail   BLOB,"
  "  UNIQUE (project_id, path)"
  ");"
  "CREATE INDEX project_images_status ON project_images (project_id, status);"
  "CREATE TABLE sessions_v5 ("
  "  id               INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  image_id         INTEGER REFERENCES images (id) ON DELETE RESTRICT,"
  "  title            TEXT,"
  "  created_at       INTEGER NOT NULL,"
  "  updated_at       INTEGER NOT NULL,"
  "  project_image_id INTEGER UNIQUE REFERENCES project_images (id) ON DELETE CASCADE,"
  "  CHECK ((image_id IS NULL) <> (project_image_id IS NULL))"
  ");"
  "INSERT INTO sessions_v5 (id, image_id, title, created_at, updated_at)"
  "  SELECT id, image_id, title, created_at, updated_at FROM sessions ORDER BY id;"
  "DELETE FROM sqlite_sequence WHERE name = 'sessions_v5';"
  "INSERT INTO sqlite_sequence (name, seq)"
  "  SELECT 'sessions_v5', seq FROM sqlite_sequence WHERE name = 'sessions';"
  "DROP TABLE sessions;"
  "ALTER TABLE sessions_v5 RENAME TO sessions;"
  "CREATE INDEX sessions_image ON sessions (image_id);"
  "CREATE TABLE project_drafts ("
  "  image_id    INTEGER NOT NULL REFERENCES project_images (id) ON DELETE CASCADE,"
  "  label_id    INTEGER NOT NULL REFERENCES project_labels (id) ON DELETE CASCADE,"
  "  run_id      INTEGER NOT NULL UNIQUE REFERENCES runs (id) ON DELETE CASCADE,"
  "  PRIMARY KEY (image_id, label_id)"
  ") WITHOUT ROWID;"
  "CREATE INDEX project_drafts_label ON project_drafts (label_id);"
  "PRAGMA user_version = 5;";

/* v5 → v6 as it shipped (result states, the "mask" kind; foreign keys off). */
static const char schema_v6_from_v5[] =
  "CREATE TABLE artifacts_v6 ("
  "  id          INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  kind        TEXT NOT NULL CHECK (kind IN ('edited', 'mask', 'soft_mask', 'derived_mask',"
  "                                            'corrected_mask')),"
  "  width       INTEGER NOT NULL,"
  "  height      INTEGER NOT NULL,"
  "  png         BLOB NOT NULL,"
  "  sha256      TEXT NOT NULL,"
  "  created_at  INTEGER NOT NULL,"
  "  thumbnail   BLOB"
  ");"
  "INSERT INTO artifacts_v6 (id, run_id, kind, width, height, png, sha256, created_at,"
  "                          thumbnail)"
  "  SELECT id, run_id, kind, width, height, png, sha256, created_at, thumbnail"
  "  FROM artifacts ORDER BY id;"
  "INSERT INTO sqlite_sequence (name, seq) SELECT 'artifacts_v6', 0"
  "  WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'artifacts_v6');"
  "UPDATE sqlite_sequence SET seq = max (seq, coalesce ((SELECT max (seq) FROM sqlite_sequence"
  "                                                      WHERE name = 'artifacts'), 0))"
  "  WHERE name = 'artifacts_v6';"
  "DROP TABLE artifacts;"
  "ALTER TABLE artifacts_v6 RENAME TO artifacts;"
  "CREATE INDEX artifacts_run ON artifacts (run_id, kind);"
  "ALTER TABLE runs ADD COLUMN result TEXT"
  "  CHECK (result IN ('found', 'guess', 'empty', 'failed'));"
  "ALTER TABLE runs ADD COLUMN mask_pixels INTEGER;"
  "UPDATE runs SET result = 'failed' WHERE status != 'ok';"
  "PRAGMA user_version = 6;";

/* v6 → v7 as it shipped (revisions of corrections). */
static const char schema_v7_from_v6[] =
  "ALTER TABLE artifacts ADD COLUMN parent_id INTEGER REFERENCES artifacts (id) "
  "  ON DELETE SET NULL;"
  "ALTER TABLE artifacts ADD COLUMN revision INTEGER;"
  "ALTER TABLE artifacts ADD COLUMN operation TEXT;"
  "UPDATE artifacts SET"
  "  revision = (SELECT count(*) FROM artifacts b WHERE b.run_id = artifacts.run_id"
  "              AND b.kind = 'corrected_mask' AND b.id <= artifacts.id),"
  "  parent_id = coalesce ("
  "    (SELECT max (b.id) FROM artifacts b WHERE b.run_id = artifacts.run_id"
  "     AND b.kind = 'corrected_mask' AND b.id < artifacts.id),"
  "    (SELECT max (b.id) FROM artifacts b WHERE b.run_id = artifacts.run_id"
  "     AND b.kind = 'mask'),"
  "    (SELECT max (b.id) FROM artifacts b WHERE b.run_id = artifacts.run_id"
  "     AND b.kind = 'derived_mask'))"
  "  WHERE kind = 'corrected_mask';"
  "CREATE UNIQUE INDEX artifacts_revision ON artifacts (run_id, revision)"
  "  WHERE revision IS NOT NULL;"
  "CREATE INDEX artifacts_parent ON artifacts (parent_id);"
  "PRAGMA user_version = 7;";

/* Two hand corrections of run 10 as schema 1 to 6 stored them: no revision, no parent
 * (artifact ids 3 and 4, after the edited image 1 and the derived mask 2). */
static void
add_old_corrections (const char   *path,
                     const PmMask *first,
                     const PmMask *second)
{
  const PmMask *masks[] = { first, second };
  sqlite3 *db = raw_open (path);

  for (guint i = 0; i < G_N_ELEMENTS (masks); i++)
    {
      g_autoptr(GBytes) png = pm_mask_encode_png (masks[i], FALSE, NULL);
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO artifacts (id, run_id, kind, "
                                           "width, height, png, sha256, created_at) VALUES "
                                           "(?1, 10, 'corrected_mask', ?2, ?3, ?4, 'x', "
                                           "1600000000)", -1, &stmt, NULL), ==, SQLITE_OK);
      sqlite3_bind_int (stmt, 1, 3 + i);
      sqlite3_bind_int (stmt, 2, masks[i]->width);
      sqlite3_bind_int (stmt, 3, masks[i]->height);
      bind_png (stmt, 4, png);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      sqlite3_finalize (stmt);
    }
  sqlite3_close (db);
}

/* Since schema 7 the old corrections form a chain: revisions 1 and 2, the first made from
 * the run's (derived) mask, the second from the first; a new one continues it. */
static void
check_old_corrections (PmStore      *store,
                       const PmMask *first,
                       const PmMask *second)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) artifacts = NULL;
  g_autoptr(PmMask) got1 = NULL;
  g_autoptr(PmMask) got2 = NULL;
  g_autoptr(PmMask) latest = NULL;
  PmArtifactInfo *a;
  int revision = 0;
  gint64 id;

  artifacts = pm_store_list_artifacts (store, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (artifacts->len, ==, 4);
  a = artifacts->pdata[1];
  g_assert_cmpint (a->kind, ==, PM_ARTIFACT_DERIVED_MASK);
  g_assert_cmpint (a->revision, ==, 0);
  g_assert_cmpint (a->parent_id, ==, 0);
  a = artifacts->pdata[2];
  g_assert_cmpint (a->revision, ==, 1);
  g_assert_cmpint (a->parent_id, ==, 2);
  g_assert_null (a->operation);
  a = artifacts->pdata[3];
  g_assert_cmpint (a->revision, ==, 2);
  g_assert_cmpint (a->parent_id, ==, 3);
  got1 = pm_store_get_correction_mask (store, 10, 1, &error);
  g_assert_no_error (error);
  assert_masks_equal (got1, first);
  got2 = pm_store_get_correction_mask (store, 10, 0, &error);
  g_assert_no_error (error);
  assert_masks_equal (got2, second);
  id = pm_store_add_correction (store, 10, 0, first, "brush", &revision, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 4);
  g_assert_cmpint (revision, ==, 3);
  latest = pm_store_get_artifact_mask (store, 10, PM_ARTIFACT_CORRECTED_MASK, &error);
  g_assert_no_error (error);
  assert_masks_equal (latest, first);
  g_clear_pointer (&artifacts, g_ptr_array_unref);
  artifacts = pm_store_list_artifacts (store, 10, &error);
  g_assert_no_error (error);
  a = artifacts->pdata[artifacts->len - 1];
  g_assert_cmpint (a->id, ==, id);
  g_assert_cmpint (a->parent_id, ==, 4);
  g_assert_cmpstr (a->operation, ==, "brush");
}

/* The current schema: since 4 every table's id is AUTOINCREMENT and since 5 there are
 * dataset projects (since 6, result states: check_v6_schema(); since 7 a correction points
 * to the mask it was made from); references and indexes are exactly these, and no leftover
 * of a rebuild remains. */
static void
check_current_schema (sqlite3 *db)
{
  const char * const tables[] = { "images", "sessions", "runs", "artifacts", "projects",
                                  "project_labels", "project_images" };
  g_autofree char *fks = NULL;
  g_autofree char *indexes = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM sqlite_master WHERE "
                                              "type = 'table' AND name = '%s' AND sql LIKE "
                                              "'%%id%%INTEGER PRIMARY KEY AUTOINCREMENT%%'",
                                              tables[i]);
      g_assert_cmpint (pm_test_sql_int (db, sql), ==, 1);
    }
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM sqlite_master "
                                        "WHERE name LIKE '%\\_v_' ESCAPE '\\' "
                                        "OR sql LIKE '%\\_v4%' ESCAPE '\\' "
                                        "OR sql LIKE '%\\_v5%' ESCAPE '\\' "
                                        "OR sql LIKE '%\\_v6%' ESCAPE '\\'"), ==, 0);
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM sqlite_master WHERE name = "
                                        "'sqlite_sequence'"), ==, 1);
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM sqlite_sequence WHERE name LIKE "
                                        "'%\\_v_' ESCAPE '\\'"), ==, 0);
  fks = pm_test_sql_text (db, "SELECT group_concat (t, ' ') FROM (SELECT m.name || '.' || "
                              "f.\"from\" || '->' || f.\"table\" || '.' || f.\"to\" || ':' || "
                              "f.on_delete AS t "
                              "FROM sqlite_master m, pragma_foreign_key_list (m.name) f "
                              "WHERE m.type = 'table' ORDER BY t)");
  g_assert_cmpstr (fks, ==, "artifacts.parent_id->artifacts.id:SET NULL "
                            "artifacts.run_id->runs.id:CASCADE "
                            "project_drafts.image_id->project_images.id:CASCADE "
                            "project_drafts.label_id->project_labels.id:CASCADE "
                            "project_drafts.run_id->runs.id:CASCADE "
                            "project_images.project_id->projects.id:CASCADE "
                            "project_labels.project_id->projects.id:CASCADE "
                            "runs.parent_run_id->runs.id:SET NULL "
                            "runs.session_id->sessions.id:CASCADE "
                            "sessions.image_id->images.id:RESTRICT "
                            "sessions.project_image_id->project_images.id:CASCADE");
  indexes = pm_test_sql_text (db, "SELECT group_concat (name, ' ') FROM (SELECT name FROM "
                                  "sqlite_master WHERE type = 'index' ORDER BY name)");
  g_assert_cmpstr (indexes, ==, "artifacts_item artifacts_parent artifacts_revision "
                                "artifacts_run "
                                "project_drafts_label project_images_status "
                                "runs_parent runs_session runs_started sessions_image "
                                "sqlite_autoindex_images_1 sqlite_autoindex_project_drafts_1 "
                                "sqlite_autoindex_project_images_1 "
                                "sqlite_autoindex_project_labels_1 "
                                "sqlite_autoindex_projects_1 sqlite_autoindex_sessions_1");
  g_assert_cmpint (pm_test_sql_int (db, "PRAGMA foreign_keys"), ==, 1);
}

/* Since schema 6 runs carry a result state and mask size, and "mask" is an artifact kind;
 * runs from before have no state (NULL) unless they failed. */
static void
check_v6_schema (PmStore *store,
                 int      from)
{
  sqlite3 *db = pm_store_get_db (store);

  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM pragma_table_info ('runs') "
                                        "WHERE name IN ('result', 'mask_pixels')"), ==, 2);
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM sqlite_master "
                                        "WHERE name = 'artifacts' "
                                        "AND sql LIKE '%''mask'', ''soft_mask''%'"), ==, 1);
  if (from >= 1)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PmRunInfo) ok = pm_store_get_run (store, 10, &error);
      g_autoptr(PmRunInfo) failed = pm_store_get_run (store, 11, &error);
      g_autoptr(PmMask) run_mask = NULL;

      g_assert_no_error (error);
      g_assert_null (ok->result);
      g_assert_cmpint (ok->mask_pixels, ==, -1);
      g_assert_cmpstr (failed->result, ==, "failed");
      /* An old run's mask is its derived mask. */
      run_mask = pm_store_get_run_mask (store, 10, &error);
      g_assert_no_error (error);
      g_assert_nonnull (run_mask);
    }
  /* A bad state is refused by the database itself. */
  if (from >= 1)
    g_assert_cmpint (sqlite3_exec (db, "UPDATE runs SET result = 'maybe'", NULL, NULL, NULL) & 0xff,
                     ==, SQLITE_CONSTRAINT);
}

/* Since schema 8 artifacts may belong to one object of a run and runs may describe their
 * objects; everything from before belongs to the run as a whole, one object. */
static void
check_v8_schema (PmStore *store,
                 int      from)
{
  sqlite3 *db = pm_store_get_db (store);

  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM pragma_table_info ('artifacts') "
                                        "WHERE name = 'item'"), ==, 1);
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM pragma_table_info ('runs') "
                                        "WHERE name = 'items'"), ==, 1);
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM artifacts "
                                        "WHERE item IS NOT NULL"), ==, 0);
  if (from >= 1)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PmRunInfo) run = pm_store_get_run (store, 10, &error);

      g_assert_no_error (error);
      g_assert_cmpint (run->n_items, ==, 1);
      g_assert_null (run->items_json);
      g_assert_cmpint (sqlite3_exec (db, "UPDATE artifacts SET item = 0", NULL, NULL, NULL)
                       & 0xff, ==, SQLITE_CONSTRAINT);
    }
}

/* Rows from before schema 3 have no previews: they are made on first request and kept. */
static void
check_v1_thumbnails (PmStore       *store,
                     const PmImage *image,
                     const PmImage *edited)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = pm_store_get_db (store);
  g_autoptr(PmImage) session_thumb = NULL;
  g_autoptr(PmImage) run_thumb = NULL;
  g_autoptr(PmImage) child_thumb = NULL;

  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM images WHERE id = 7 "
                                        "AND thumbnail IS NULL"), ==, 1);
  session_thumb = pm_store_get_session_thumbnail (store, 3, &error);
  g_assert_no_error (error);
  assert_images_equal (session_thumb, image); /* small enough to be its own preview */
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM images WHERE id = 7 "
                                        "AND thumbnail IS NOT NULL"), ==, 1);
  run_thumb = pm_store_get_run_thumbnail (store, 10, &error);
  g_assert_no_error (error);
  assert_images_equal (run_thumb, edited);
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM artifacts WHERE run_id = 10 "
                                        "AND kind = 'edited' AND thumbnail IS NOT NULL"), ==, 1);
  child_thumb = pm_store_get_run_thumbnail (store, 11, &error); /* no edit: the original */
  g_assert_no_error (error);
  assert_images_equal (child_thumb, image);
}

/* Every old user_version is brought up to date with its data kept. */
static void
test_schema_migrate (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(PmImage) image = pm_test_noise_image (33, 21, 5, FALSE);
  g_autoptr(PmImage) edited = pm_test_noise_image (33, 21, 6, FALSE);
  g_autoptr(PmMask) derived = pm_test_noise_mask (33, 21, FALSE, 7);
  g_autoptr(PmMask) corrected1 = pm_test_noise_mask (33, 21, FALSE, 9);
  g_autoptr(PmMask) corrected2 = pm_test_noise_mask (33, 21, FALSE, 10);

  for (int from = 0; from < PM_STORE_SCHEMA_VERSION; from++)
    {
      g_autofree char *path = g_strdup_printf ("%s/from-v%d.sqlite3", f->dir, from);
      g_autoptr(GError) error = NULL;
      g_autoptr(PmStore) store = NULL;
      g_autofree char *check = NULL;
      gint64 run;

      g_test_message ("migrating from user_version %d", from);
      if (from == 0)
        g_assert_true (g_file_set_contents (path, "", 0, NULL)); /* an empty file */
      else if (from == 1)
        write_v1_database (path, image, edited, derived);
      else if (from >= 2 && from <= 7)
        {
          sqlite3 *db;
          write_v1_database (path, image, edited, derived);
          db = raw_open (path);
          raw_exec (db, schema_v2_from_v1);
          raw_exec (db, "UPDATE runs SET message = 'v2 note' WHERE id = 11");
          if (from >= 3)
            raw_exec (db, schema_v3_from_v2);
          if (from >= 4)
            {
              /* A deleted newest session whose id must not come back after v5's rebuild. */
              raw_exec (db, schema_v4_from_v3);
              raw_exec (db, "INSERT INTO sessions (image_id, title, created_at, updated_at) "
                            "VALUES (7, 'gone', 1600000200, 1600000200);"
                            "DELETE FROM sessions WHERE title = 'gone'");
              g_assert_cmpint (pm_test_sql_int (db, "SELECT seq FROM sqlite_sequence "
                                                    "WHERE name = 'sessions'"), ==, 4);
              /* An artifact id used and deleted: never to be reused after v6's rebuild. */
              raw_exec (db, "INSERT INTO artifacts (id, run_id, kind, width, height, png, "
                            "sha256, created_at) VALUES (40, 10, 'corrected_mask', 1, 1, x'00', "
                            "'x', 1600000000); DELETE FROM artifacts WHERE id = 40;");
            }
          if (from >= 5)
            {
              raw_exec (db, "PRAGMA foreign_keys = OFF");
              raw_exec (db, schema_v5_from_v4);
            }
          if (from >= 6)
            raw_exec (db, schema_v6_from_v5);
          sqlite3_close (db);
        }
      else
        g_assert_not_reached (); /* add a fixture for every new schema version */
      if (from >= 1)
        add_old_corrections (path, corrected1, corrected2);
      if (from >= 7)
        {
          /* The corrections above became revisions when v7 was applied to them. */
          sqlite3 *db = raw_open (path);
          raw_exec (db, schema_v7_from_v6);
          sqlite3_close (db);
        }

      store = pm_store_open (path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (pm_test_sql_int (pm_store_get_db (store), "PRAGMA user_version"), ==,
                       PM_STORE_SCHEMA_VERSION);
      check = pm_test_sql_text (pm_store_get_db (store), "PRAGMA integrity_check");
      g_assert_cmpstr (check, ==, "ok");
      g_assert_cmpint (pm_test_sql_int (pm_store_get_db (store),
                                        "SELECT count(*) FROM pragma_foreign_key_check"), ==, 0);
      check_current_schema (pm_store_get_db (store));
      check_v6_schema (store, from);
      check_v8_schema (store, from);
      if (from >= 1)
        {
          g_autoptr(PmRunInfo) child = pm_store_get_run (store, 11, &error);
          g_assert_no_error (error);
          g_assert_cmpstr (child->message, ==, from >= 2 ? "v2 note" : NULL);
          check_v1_data (store, image, edited, derived);
          check_v1_thumbnails (store, image, edited);
        }

      /* The migrated database takes new runs, messages included. */
      {
        gint64 session = pm_store_ensure_session (store, image, NULL, &error);
        PmRunRecord record = { .session_id = session, .instruction = "after migration",
                               .message = "a note" };
        g_autoptr(PmRunInfo) info = NULL;

        g_assert_no_error (error);
        /* The session counter survived v5's rebuild of the table. */
        g_assert_cmpint (session, ==, from >= 4 ? 5 : from >= 1 ? 4 : 1);
        run = pm_store_add_run (store, &record, &error);
        g_assert_no_error (error);
        info = pm_store_get_run (store, run, &error);
        g_assert_no_error (error);
        g_assert_cmpstr (info->message, ==, "a note");
        /* Ids go on from the largest kept one, and a deleted one is not taken again. */
        g_assert_cmpint (run, ==, from >= 1 ? 12 : 1);
        g_assert_true (pm_store_delete_run (store, run, &error));
        g_assert_no_error (error);
        run = pm_store_add_run (store, &record, &error);
        g_assert_no_error (error);
        g_assert_cmpint (run, ==, from >= 1 ? 13 : 2);
        /* Artifact ids too, across the v5 rebuild. */
        {
          g_autoptr(PmMask) m = pm_test_noise_mask (33, 21, FALSE, 8);
          gint64 artifact = pm_store_add_artifact (store, run, PM_ARTIFACT_MASK, NULL, m,
                                                   &error);
          g_assert_no_error (error);
          /* (3 and 4 are the old corrections) */
          g_assert_cmpint (artifact, ==, from >= 4 ? 41 : from >= 1 ? 5 : 1);
        }
      }
      if (from >= 1)
        check_old_corrections (store, corrected1, corrected2);

      /* …and dataset drafts, whose sessions have no stored image. */
      {
        g_autoptr(PmMask) mask = pm_test_noise_mask (33, 21, FALSE, 8);
        g_autoptr(PmMask) got = NULL;
        const char *paths[] = { "a.png" };
        PmRunRecord draft_run = { .instruction = "segment the cup", .engine = "builtin" };
        PmDraftRecord draft = { .run = &draft_run, .mask = mask };
        gint64 project = pm_store_ensure_project (store, f->dir, &error);

        g_assert_no_error (error);
        draft.label_id = pm_store_ensure_label (store, project, "cup", NULL, NULL, &error);
        g_assert_no_error (error);
        g_assert_true (pm_store_add_project_images (store, project, paths, 1, NULL, &error));
        draft.image_id = pm_store_find_project_image (store, project, "a.png", &error);
        g_assert_no_error (error);
        run = pm_store_add_draft (store, &draft, &error);
        g_assert_no_error (error);
        got = pm_store_get_draft_mask (store, run, &error);
        g_assert_no_error (error);
        assert_masks_equal (got, mask);
      }

      /* The rebuilt tables keep their ON DELETE actions. */
      if (from >= 1)
        {
          sqlite3 *db = pm_store_get_db (store);

          g_assert_true (pm_store_delete_run (store, 10, &error));
          g_assert_no_error (error);
          g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM artifacts WHERE run_id = 10"),
                           ==, 0);
          g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM runs WHERE id = 11 AND "
                                                "parent_run_id IS NULL"), ==, 1);
          g_assert_true (pm_store_delete_session (store, 3, &error));
          g_assert_no_error (error);
          g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM runs WHERE session_id = 3"),
                           ==, 0);
          g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM pragma_foreign_key_check"),
                           ==, 0);
        }
      g_clear_pointer (&store, pm_store_close);

      /* Opening again is a no-op. */
      store = pm_store_open (path, &error);
      g_assert_no_error (error);
    }
}

/* ------------------------------------------------------------------------------------- */
/* Round trips, search, delete                                                            */
/* ------------------------------------------------------------------------------------- */

static void
test_roundtrip (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = pm_store_open (f->db, &error);
  g_autoptr(PmImage) image = pm_test_noise_image (97, 61, 11, FALSE);
  g_autoptr(PmImage) edited = pm_test_noise_image (97, 61, 12, FALSE);
  g_autoptr(PmMask) soft = pm_test_noise_mask (97, 61, TRUE, 13);
  g_autoptr(PmMask) derived = pm_test_noise_mask (97, 61, FALSE, 14);
  g_autoptr(PmImage) got_image = NULL, got_edited = NULL;
  g_autoptr(PmMask) got_soft = NULL, got_derived = NULL;
  g_autoptr(PmRunInfo) info = NULL;
  g_autoptr(PmSessionInfo) session_info = NULL;
  g_autoptr(GPtrArray) artifacts = NULL;
  g_autoptr(GPtrArray) sessions = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autofree char *png_sha = NULL;
  gint64 session, again, run, child;
  PmRunRecord record = {
    .instruction = "paint the banana in the upper-right purple",
    .parsed_json = "{\"action\":\"paint\",\"target\":\"banana\"}",
    .engine = "clipseg",
    .model = "CIDAS/clipseg-rd64-refined",
    .params_json = "{\"threshold\":0.4}",
    .color = "#800080",
    .status = "ok",
    .message = "looks right",
    .started_at = 1700000000123456,
    .duration_ms = 1234.25,
    .timings_json = "{\"vision\":800,\"decoder\":100}",
    .edited = edited,
    .soft_mask = soft,
    .derived_mask = derived,
  };

  g_assert_no_error (error);
  session = pm_store_ensure_session (store, image, "/photos/fruit bowl.jpg", &error);
  g_assert_no_error (error);
  g_assert_cmpint (session, >, 0);

  /* The same pixels find the same session and the image is stored once. */
  again = pm_store_ensure_session (store, image, "/elsewhere/copy.png", &error);
  g_assert_no_error (error);
  g_assert_cmpint (again, ==, session);
  g_assert_cmpint (pm_test_sql_int (pm_store_get_db (store), "SELECT count(*) FROM images"), ==, 1);

  record.session_id = session;
  run = pm_store_add_run (store, &record, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run, >, 0);

  info = pm_store_get_run (store, run, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->id, ==, run);
  g_assert_cmpint (info->session_id, ==, session);
  g_assert_cmpint (info->parent_run_id, ==, 0);
  g_assert_cmpstr (info->instruction, ==, record.instruction);
  g_assert_cmpstr (info->parsed_json, ==, record.parsed_json);
  g_assert_cmpstr (info->engine, ==, record.engine);
  g_assert_cmpstr (info->model, ==, record.model);
  g_assert_cmpstr (info->params_json, ==, record.params_json);
  g_assert_cmpstr (info->color, ==, record.color);
  g_assert_cmpstr (info->status, ==, "ok");
  g_assert_null (info->error);
  g_assert_cmpstr (info->message, ==, "looks right");
  g_assert_cmpint (info->started_at, ==, record.started_at);
  g_assert_cmpfloat (info->duration_ms, ==, record.duration_ms);
  g_assert_cmpstr (info->timings_json, ==, record.timings_json);

  got_image = pm_store_get_session_image (store, session, &error);
  g_assert_no_error (error);
  assert_images_equal (got_image, image);
  got_edited = pm_store_get_artifact_image (store, run, PM_ARTIFACT_EDITED, &error);
  g_assert_no_error (error);
  assert_images_equal (got_edited, edited);
  got_soft = pm_store_get_artifact_mask (store, run, PM_ARTIFACT_SOFT_MASK, &error);
  g_assert_no_error (error);
  assert_masks_equal (got_soft, soft);
  got_derived = pm_store_get_artifact_mask (store, run, PM_ARTIFACT_DERIVED_MASK, &error);
  g_assert_no_error (error);
  assert_masks_equal (got_derived, derived);

  /* No corrected mask yet: NOT_FOUND with a message naming the run. */
  g_assert_null (pm_store_get_artifact_mask (store, run, PM_ARTIFACT_CORRECTED_MASK, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "corrected_mask"));
  g_clear_error (&error);

  artifacts = pm_store_list_artifacts (store, run, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (artifacts->len, ==, 3);
  g_assert_cmpint (((PmArtifactInfo *) artifacts->pdata[0])->kind, ==, PM_ARTIFACT_EDITED);
  g_assert_cmpint (((PmArtifactInfo *) artifacts->pdata[1])->kind, ==, PM_ARTIFACT_SOFT_MASK);
  g_assert_cmpint (((PmArtifactInfo *) artifacts->pdata[2])->kind, ==,
                   PM_ARTIFACT_DERIVED_MASK);
  g_assert_cmpint (((PmArtifactInfo *) artifacts->pdata[0])->width, ==, 97);
  png = pm_store_get_artifact_png (store, run, PM_ARTIFACT_EDITED, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (png), ==,
                    ((PmArtifactInfo *) artifacts->pdata[0])->png_size);
  png_sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, png);
  g_assert_cmpstr (png_sha, ==, ((PmArtifactInfo *) artifacts->pdata[0])->sha256);

  /* A child run without artifacts, and a hand correction added later. */
  {
    PmRunRecord second = { .session_id = session, .parent_run_id = run,
                           .instruction = "now green", .status = "cancelled" };
    g_autoptr(PmMask) corrected = pm_test_noise_mask (97, 61, FALSE, 15);
    g_autoptr(PmMask) got = NULL;
    g_autoptr(PmRunInfo) child_info = NULL;
    gint64 artifact;

    child = pm_store_add_run (store, &second, &error);
    g_assert_no_error (error);
    child_info = pm_store_get_run (store, child, &error);
    g_assert_no_error (error);
    g_assert_cmpint (child_info->parent_run_id, ==, run);
    g_assert_cmpstr (child_info->status, ==, "cancelled");
    g_assert_true (child_info->started_at > 0);

    artifact = pm_store_add_artifact (store, run, PM_ARTIFACT_CORRECTED_MASK, NULL, corrected,
                                      &error);
    g_assert_no_error (error);
    g_assert_cmpint (artifact, >, 0);
    got = pm_store_get_artifact_mask (store, run, PM_ARTIFACT_CORRECTED_MASK, &error);
    g_assert_no_error (error);
    assert_masks_equal (got, corrected);

    /* Kind and payload must agree; the run must exist. */
    g_assert_cmpint (pm_store_add_artifact (store, run, PM_ARTIFACT_EDITED, NULL, corrected,
                                            &error), ==, 0);
    g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED);
    g_clear_error (&error);
    g_assert_cmpint (pm_store_add_artifact (store, 9999, PM_ARTIFACT_CORRECTED_MASK, NULL,
                                            corrected, &error), ==, 0);
    g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  /* A run for a session that does not exist is refused and leaves nothing behind. */
  {
    PmRunRecord orphan = { .session_id = 4242, .instruction = "orphan", .edited = edited };
    g_assert_cmpint (pm_store_add_run (store, &orphan, &error), ==, 0);
    g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, "4242"));
    g_clear_error (&error);
    g_assert_cmpint (pm_test_sql_int (pm_store_get_db (store), "SELECT count(*) FROM runs"), ==, 2);

    /* Likewise a parent run that does not exist: the artifacts are not kept either. */
    orphan.session_id = session;
    orphan.parent_run_id = 4243;
    g_assert_cmpint (pm_store_add_run (store, &orphan, &error), ==, 0);
    g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_cmpint (pm_test_sql_int (pm_store_get_db (store), "SELECT count(*) FROM runs"), ==, 2);
    g_assert_cmpint (pm_test_sql_int (pm_store_get_db (store), "SELECT count(*) FROM artifacts"),
                     ==, 4);
  }

  session_info = pm_store_get_session (store, session, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (session_info->title, ==, "fruit bowl.jpg");
  g_assert_cmpstr (session_info->source_path, ==, "/photos/fruit bowl.jpg");
  g_assert_cmpint (session_info->width, ==, 97);
  g_assert_cmpint (session_info->height, ==, 61);
  g_assert_cmpint (session_info->n_runs, ==, 2);
  g_assert_true (session_info->created_at > 1600000000);

  sessions = pm_store_list_sessions (store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sessions->len, ==, 1);

  g_assert_null (pm_store_get_run (store, 777, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "777"));
  g_clear_error (&error);
  g_assert_null (pm_store_get_session_image (store, 778, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Everything survives closing and reopening. */
  g_clear_pointer (&store, pm_store_close);
  store = pm_store_open (f->db, &error);
  g_assert_no_error (error);
  g_clear_pointer (&got_edited, pm_image_free);
  got_edited = pm_store_get_artifact_image (store, run, PM_ARTIFACT_EDITED, &error);
  g_assert_no_error (error);
  assert_images_equal (got_edited, edited);
}

static void
test_thumbnails (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = pm_store_open (f->db, &error);
  g_autoptr(PmImage) image = pm_test_noise_image (300, 150, 61, FALSE);
  g_autoptr(PmImage) tall = pm_test_noise_image (10, 1000, 62, FALSE);
  g_autoptr(PmImage) session_thumb = NULL, run_thumb = NULL, tall_thumb = NULL;
  g_autoptr(PmImage) want_session = pm_image_resize (image, 128, 64);
  g_autoptr(PmImage) edited = pm_test_noise_image (300, 150, 63, FALSE);
  g_autoptr(PmImage) want_run = pm_image_resize (edited, 128, 64);
  PmRunRecord record = { .instruction = "edit", .edited = edited };
  gint64 session, run;

  g_assert_no_error (error);
  session = pm_store_ensure_session (store, image, NULL, &error);
  g_assert_no_error (error);
  record.session_id = session;
  run = pm_store_add_run (store, &record, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_test_sql_int (pm_store_get_db (store), "SELECT count(*) FROM artifacts "
                                                             "WHERE thumbnail IS NOT NULL"), ==, 1);

  session_thumb = pm_store_get_session_thumbnail (store, session, &error);
  g_assert_no_error (error);
  assert_images_equal (session_thumb, want_session);
  run_thumb = pm_store_get_run_thumbnail (store, run, &error);
  g_assert_no_error (error);
  assert_images_equal (run_thumb, want_run);

  /* A thin image keeps at least one pixel across. */
  tall_thumb = pm_store_make_thumbnail (tall);
  g_assert_cmpint (tall_thumb->width, ==, 1);
  g_assert_cmpint (tall_thumb->height, ==, PM_STORE_THUMBNAIL_SIZE);

  g_assert_null (pm_store_get_run_thumbnail (store, 4711, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (pm_store_get_session_thumbnail (store, 4712, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
}

static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = pm_store_open (f->db, &error);
  g_autoptr(PmImage) a = pm_test_noise_image (8, 8, 1, FALSE);
  g_autoptr(PmImage) b = pm_test_noise_image (8, 8, 2, FALSE);
  const char *texts[] = { "paint the Banana purple", "segment the cup", "make 100% red",
                          "make 1000 red", "paint x_y blue", "paint xzy blue",
                          "back\\slash" };
  gint64 sa, sb;
  struct { const char *query; gint64 session; guint n_runs; } cases[] = {
    { "banana", 0, 1 },      /* ASCII case-insensitive */
    { "BANANA", 0, 1 },
    { "100%", 0, 1 },        /* % matches itself, not "1000" */
    { "x_y", 0, 1 },         /* _ matches itself, not "xzy" */
    { "\\", 0, 1 },
    { "paint", 0, 3 },
    { "paint", -1, 2 },      /* -1: session a only */
    { "nothing like this", 0, 0 },
    { "", 0, G_N_ELEMENTS (texts) },
    { NULL, 0, G_N_ELEMENTS (texts) },
  };

  g_assert_no_error (error);
  sa = pm_store_ensure_session (store, a, "/p/apple.png", &error);
  sb = pm_store_ensure_session (store, b, "/p/berry.png", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      PmRunRecord r = { .session_id = i % 2 == 0 ? sa : sb, .instruction = texts[i] };
      pm_store_add_run (store, &r, &error);
      g_assert_no_error (error);
    }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) runs = pm_store_list_runs (store, cases[i].session < 0 ? sa : 0,
                                                      cases[i].query, &error);
      g_assert_no_error (error);
      g_test_message ("search '%s'", cases[i].query);
      g_assert_cmpuint (runs->len, ==, cases[i].n_runs);
    }

  /* Sessions match by instruction or file name. */
  {
    g_autoptr(GPtrArray) s1 = pm_store_list_sessions (store, "cup", &error);
    g_autoptr(GPtrArray) s2 = pm_store_list_sessions (store, "berry", &error);
    g_autoptr(GPtrArray) s3 = pm_store_list_sessions (store, "zebra", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (s1->len, ==, 1);
    g_assert_cmpint (((PmSessionInfo *) s1->pdata[0])->id, ==, sb);
    g_assert_cmpuint (s2->len, ==, 1);
    g_assert_cmpint (((PmSessionInfo *) s2->pdata[0])->id, ==, sb);
    g_assert_cmpuint (s3->len, ==, 0);
  }
}

static void
test_delete (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = pm_store_open (f->db, &error);
  g_autoptr(PmImage) image = pm_test_noise_image (50, 40, 3, FALSE);
  g_autoptr(PmImage) other = pm_test_noise_image (50, 40, 4, FALSE);
  g_autoptr(PmRunInfo) info = NULL;
  sqlite3 *db;
  gint64 s1, s2, r1, r2, r3;

  g_assert_no_error (error);
  db = pm_store_get_db (store);
  s1 = pm_store_ensure_session (store, image, NULL, &error);
  s2 = pm_store_ensure_session (store, other, NULL, &error);
  g_assert_no_error (error);
  r1 = pm_test_store_add_run (store, s1, "first", 50, 40, 1);
  {
    PmRunRecord child = { .session_id = s1, .parent_run_id = r1, .instruction = "child" };
    r2 = pm_store_add_run (store, &child, &error);
    g_assert_no_error (error);
  }
  r3 = pm_test_store_add_run (store, s2, "other", 50, 40, 2);
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM artifacts"), ==, 6);

  /* Deleting a run takes its artifacts; its child stays, unlinked. */
  g_assert_true (pm_store_delete_run (store, r1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM artifacts"), ==, 3);
  info = pm_store_get_run (store, r2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->parent_run_id, ==, 0);
  g_assert_false (pm_store_delete_run (store, r1, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Deleting a session takes its runs, their artifacts and its unshared image. */
  g_assert_true (pm_store_delete_session (store, s2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM artifacts"), ==, 0);
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM images"), ==, 1);
  g_assert_null (pm_store_get_run (store, r3, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (pm_store_delete_session (store, s2, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (pm_store_delete_session (store, s1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM runs"), ==, 0);
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM sessions"), ==, 0);
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM images"), ==, 0);
  g_assert_cmpint (pm_test_sql_int (db, "PRAGMA freelist_count"), ==, 0); /* space given back */
}

/* An id, once given, never names another row: deleting the newest run or session does
 * not let the next one take its id, not even across reopening or an import. */
static void
test_ids_not_reused (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = pm_store_open (f->db, &error);
  g_autoptr(GArray) imported = NULL;
  g_autofree char *export_path = g_build_filename (f->dir, "one.paintmask", NULL);
  gint64 sessions[4], runs[4];

  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(PmImage) image = pm_test_noise_image (20, 10, 100 + i, FALSE);
      sessions[i] = pm_store_ensure_session (store, image, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (sessions[i], ==, i + 1);
    }
  for (guint i = 0; i < 3; i++)
    {
      PmRunRecord record = { .session_id = sessions[0], .instruction = "paint it" };
      runs[i] = pm_store_add_run (store, &record, &error);
      g_assert_no_error (error);
      g_assert_cmpint (runs[i], ==, i + 1);
    }

  /* Runs: 1, 2, 3; delete 3 (the newest); the next is 4. */
  g_assert_true (pm_store_delete_run (store, runs[2], &error));
  g_assert_no_error (error);
  {
    PmRunRecord record = { .session_id = sessions[0], .instruction = "again" };
    runs[3] = pm_store_add_run (store, &record, &error);
    g_assert_no_error (error);
    g_assert_cmpint (runs[3], ==, 4);
  }
  g_assert_null (pm_store_get_run (store, 3, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Sessions likewise. */
  g_assert_true (pm_store_delete_session (store, sessions[2], &error));
  g_assert_no_error (error);
  {
    g_autoptr(PmImage) image = pm_test_noise_image (20, 10, 200, FALSE);
    sessions[3] = pm_store_ensure_session (store, image, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (sessions[3], ==, 4);
  }

  /* Still so after reopening, once the newest of each is gone. */
  g_assert_true (pm_store_delete_run (store, runs[3], &error));
  g_assert_no_error (error);
  g_assert_true (pm_store_delete_session (store, sessions[3], &error));
  g_assert_no_error (error);
  g_clear_pointer (&store, pm_store_close);
  store = pm_store_open (f->db, &error);
  g_assert_no_error (error);
  {
    g_autoptr(PmImage) image = pm_test_noise_image (20, 10, 300, FALSE);
    PmRunRecord record = { .session_id = sessions[1], .instruction = "after reopening" };
    gint64 run = pm_store_add_run (store, &record, &error);

    g_assert_no_error (error);
    g_assert_cmpint (run, ==, 5);
    g_assert_cmpint (pm_store_ensure_session (store, image, NULL, &error), ==, 5);
    g_assert_no_error (error);
  }

  /* An import goes past deleted ids too. Left are sessions 1, 2 and runs 1, 2 (both in
   * session 1); 5 is the largest id either ever had. */
  g_assert_true (pm_store_delete_session (store, 5, &error));
  g_assert_no_error (error);
  g_assert_true (pm_store_delete_run (store, 5, &error));
  g_assert_no_error (error);
  g_assert_true (pm_store_export_session (store, sessions[0], export_path, &error));
  g_assert_no_error (error);
  imported = pm_store_import_file (store, export_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (imported->len, ==, 1);
  g_assert_cmpint (g_array_index (imported, gint64, 0), ==, 6);
  {
    g_autoptr(GPtrArray) copied = pm_store_list_runs (store, 6, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (copied->len, ==, 2);
    for (guint i = 0; i < copied->len; i++)
      g_assert_cmpint (((PmRunInfo *) copied->pdata[i])->id, >=, 6);
  }
}

/* ------------------------------------------------------------------------------------- */
/* Export and import                                                                      */
/* ------------------------------------------------------------------------------------- */

static void
test_export_import (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = pm_store_open (f->db, &error);
  g_autoptr(PmImage) image = pm_test_noise_image (70, 30, 21, FALSE);
  g_autoptr(PmImage) other = pm_test_noise_image (70, 30, 22, FALSE);
  g_autofree char *file = g_build_filename (f->dir, "session.paintmask", NULL);
  g_autofree char *wal = g_strconcat (file, "-wal", NULL);
  g_autofree char *db2 = g_build_filename (f->dir, "second.sqlite3", NULL);
  g_autoptr(PmStore) exported = NULL;
  g_autoptr(PmStore) second = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autofree char *mode = NULL;
  gint64 s1, s2, r1, r2;

  g_assert_no_error (error);
  s1 = pm_store_ensure_session (store, image, "/p/one.png", &error);
  s2 = pm_store_ensure_session (store, other, "/p/two.png", &error);
  g_assert_no_error (error);
  pm_test_store_add_run (store, s2, "not exported", 70, 30, 5);
  r1 = pm_test_store_add_run (store, s1, "exported one", 70, 30, 6);
  {
    PmRunRecord child = { .session_id = s1, .parent_run_id = r1, .instruction = "child",
                          .message = "kept" };
    r2 = pm_store_add_run (store, &child, &error);
    g_assert_no_error (error);
  }

  g_assert_true (pm_store_export_session (store, s1, file, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS)); /* one self-contained file */
  {
    sqlite3 *raw = raw_open (file);
    mode = pm_test_sql_text (raw, "PRAGMA journal_mode");
    g_assert_cmpstr (mode, ==, "delete");
    g_assert_cmpint (pm_test_sql_int (raw, "SELECT count(*) FROM sessions"), ==, 1);
    g_assert_cmpint (pm_test_sql_int (raw, "SELECT count(*) FROM runs"), ==, 2);
    g_assert_cmpint (pm_test_sql_int (raw, "SELECT count(*) FROM artifacts"), ==, 3);
    g_assert_cmpint (pm_test_sql_int (raw, "SELECT count(*) FROM images"), ==, 1);
    sqlite3_close (raw);
  }

  /* Refuses to overwrite. */
  before = read_file (file);
  g_assert_false (pm_store_export_session (store, s1, file, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "already exists"));
  g_clear_error (&error);
  assert_file_unchanged (file, before);
  g_assert_false (pm_store_export_session (store, 999, "/nonexistent/x.paintmask", &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Import into a second database: new ids, same content, the file only read. */
  second = pm_store_open (db2, &error);
  g_assert_no_error (error);
  pm_test_store_add_run (second, pm_store_ensure_session (second, other, NULL, &error), "pre",
                         70, 30, 9);
  g_assert_no_error (error);
  ids = pm_store_import_file (second, file, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 1);
  assert_file_unchanged (file, before);
  runs = pm_store_list_runs (second, g_array_index (ids, gint64, 0), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 2);
  {
    PmRunInfo *a = runs->pdata[0], *b = runs->pdata[1];
    g_autoptr(PmImage) got = NULL;
    g_autoptr(PmImage) want = NULL;
    g_autoptr(PmImage) session_image = NULL;

    g_assert_cmpstr (a->instruction, ==, "exported one");
    g_assert_cmpstr (b->instruction, ==, "child");
    g_assert_cmpstr (b->message, ==, "kept");
    g_assert_cmpint (b->parent_run_id, ==, a->id);
    g_assert_cmpint (a->session_id, ==, g_array_index (ids, gint64, 0));
    got = pm_store_get_artifact_image (second, a->id, PM_ARTIFACT_EDITED, &error);
    g_assert_no_error (error);
    want = pm_store_get_artifact_image (store, r1, PM_ARTIFACT_EDITED, &error);
    g_assert_no_error (error);
    assert_images_equal (got, want);
    session_image = pm_store_get_session_image (second, a->session_id, &error);
    g_assert_no_error (error);
    assert_images_equal (session_image, image);
    g_assert_cmpint (pm_test_sql_int (pm_store_get_db (second), "SELECT count(*) FROM artifacts "
                                      "WHERE kind = 'edited' AND thumbnail IS NULL"), ==, 0);
    g_assert_cmpint (pm_test_sql_int (pm_store_get_db (second), "SELECT count(*) FROM images "
                                      "WHERE thumbnail IS NULL"), ==, 0);
  }
  {
    /* The export keeps the session's own ids and links. */
    sqlite3 *raw = raw_open (file);
    g_autofree char *sql = g_strdup_printf ("SELECT parent_run_id FROM runs WHERE id = %"
                                            G_GINT64_FORMAT, r2);
    g_assert_cmpint (pm_test_sql_int (raw, sql), ==, r1);
    sqlite3_close (raw);
  }

  /* The exported file is itself a store. */
  exported = pm_store_open (file, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GPtrArray) s = pm_store_list_sessions (exported, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (s->len, ==, 1);
    g_assert_cmpint (((PmSessionInfo *) s->pdata[0])->n_runs, ==, 2);
  }
  g_clear_pointer (&exported, pm_store_close);

  /* Importing the same session again shares the image, and deleting one copy keeps it. */
  {
    g_autoptr(GArray) again = pm_store_import_file (second, file, &error);
    g_assert_no_error (error);
    g_assert_cmpint (pm_test_sql_int (pm_store_get_db (second),
                                      "SELECT count(*) FROM images"), ==, 2);
    g_assert_true (pm_store_delete_session (second, g_array_index (ids, gint64, 0), &error));
    g_assert_no_error (error);
    g_assert_cmpint (pm_test_sql_int (pm_store_get_db (second),
                                      "SELECT count(*) FROM images"), ==, 2);
    g_assert_cmpint (pm_test_sql_int (pm_store_get_db (second),
                                      "SELECT count(*) FROM runs"), ==, 3);
  }

  /* Missing and damaged files are refused; the damaged one stays as it was. */
  g_assert_null (pm_store_import_file (second, "/nonexistent/x.paintmask", &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_OPEN);
  g_clear_error (&error);
  {
    g_autofree char *junk = g_build_filename (f->dir, "junk.paintmask", NULL);
    g_autoptr(GBytes) junk_bytes = NULL;
    g_assert_true (g_file_set_contents (junk, "definitely not SQLite, but long enough to "
                                        "have a header of a hundred bytes or so......."
                                        "..............................", -1, NULL));
    junk_bytes = read_file (junk);
    g_assert_null (pm_store_import_file (second, junk, &error));
    g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_CORRUPT);
    g_assert_nonnull (strstr (error->message, junk));
    g_clear_error (&error);
    assert_file_unchanged (junk, junk_bytes);
  }
}

/* An old-schema .paintmask file imports through a migrated temporary copy. */
static void
test_import_v1 (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = pm_store_open (f->db, &error);
  g_autoptr(PmImage) image = pm_test_noise_image (20, 10, 31, FALSE);
  g_autoptr(PmImage) edited = pm_test_noise_image (20, 10, 32, FALSE);
  g_autoptr(PmMask) derived = pm_test_noise_mask (20, 10, FALSE, 33);
  g_autofree char *old = g_build_filename (f->dir, "old.paintmask", NULL);
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GPtrArray) runs = NULL;

  g_assert_no_error (error);
  write_v1_database (old, image, edited, derived);
  before = read_file (old);
  ids = pm_store_import_file (store, old, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 1);
  assert_file_unchanged (old, before);
  runs = pm_store_list_runs (store, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 2);
  {
    PmRunInfo *a = runs->pdata[0];
    g_autoptr(PmImage) got = pm_store_get_artifact_image (store, a->id, PM_ARTIFACT_EDITED,
                                                          &error);
    g_assert_no_error (error);
    assert_images_equal (got, edited);
    g_assert_cmpint (((PmRunInfo *) runs->pdata[1])->parent_run_id, ==, a->id);
  }
}

/* ------------------------------------------------------------------------------------- */
/* Crash safety and concurrency                                                           */
/* ------------------------------------------------------------------------------------- */

/* Every run has all of its artifacts or none was ever written: no half run. */
static void
assert_consistent (const char *path,
                   gint64      min_runs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = pm_store_open (path, &error);
  g_autofree char *check = NULL;
  sqlite3 *db;

  g_assert_no_error (error);
  db = pm_store_get_db (store);
  check = pm_test_sql_text (db, "PRAGMA integrity_check");
  g_assert_cmpstr (check, ==, "ok");
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM pragma_foreign_key_check"), ==, 0);
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM runs"), >=, min_runs);
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM runs WHERE instruction = "
                                        "'the half run'"), ==, 0);
  /* Runs written by pm_test_store_add_run carry exactly three artifacts. */
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM runs r "
                                        "WHERE instruction LIKE 'loop%' "
                                        "AND (SELECT count(*) FROM artifacts a "
                                        "WHERE a.run_id = r.id) != 3"), ==, 0);
}

static void
test_crash_mid_transaction (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = pm_store_open (f->db, &error);
  g_autoptr(PmImage) image = pm_test_noise_image (64, 48, 1, FALSE);
  g_autofree char *line = NULL;
  g_autofree char *wal = g_strconcat (f->db, "-wal", NULL);
  gint64 session, runs[3];
  int out = -1, status;
  GPid pid;

  /* Earlier runs, committed by this process, which stays connected throughout. */
  g_assert_no_error (error);
  session = pm_store_ensure_session (store, image, "/photos/shared.png", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    runs[i] = pm_test_store_add_run (store, session, "loop earlier", 120, 90, 40 + i);

  pid = spawn_child ("crash", f->db, NULL, &out);
  line = read_line (out);
  g_assert_cmpstr (line, ==, "in-transaction");
  {
    /* The uncommitted run's pages have spilled into the WAL. */
    GStatBuf st;
    g_assert_cmpint (g_stat (wal, &st), ==, 0);
    g_assert_cmpint (st.st_size, >, 1000000);
  }
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  status = wait_child (pid);
  g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  close (out);

  /* The surviving connection sees only the committed runs and can write again. */
  g_assert_cmpint (pm_test_sql_int (pm_store_get_db (store), "SELECT count(*) FROM runs"), ==, 3);
  pm_test_store_add_run (store, session, "loop after", 120, 90, 50);
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      g_autoptr(PmImage) got = pm_store_get_artifact_image (store, runs[i], PM_ARTIFACT_EDITED,
                                                            &error);
      g_autoptr(PmImage) want = pm_test_noise_image (120, 90, 40 + i, FALSE);
      g_assert_no_error (error);
      assert_images_equal (got, want);
    }
  g_clear_pointer (&store, pm_store_close);

  assert_consistent (f->db, 4);
}

/* A writer killed at arbitrary moments, several times over. */
static void
test_crash_random (Fixture       *f,
                   gconstpointer  data)
{
  GRand *rand = g_rand_new_with_seed (1234);
  gint64 committed = 0;

  for (int round = 0; round < 4; round++)
    {
      int out = -1, status;
      GPid pid = spawn_child ("loop", f->db, NULL, &out);
      int seen = 0;

      /* Let a few runs commit, then kill it somewhere inside a later one. */
      while (seen < 2)
        {
          g_autofree char *line = read_line (out);
          g_assert_nonnull (line);
          g_assert_true (g_str_has_prefix (line, "committed "));
          seen++;
        }
      g_usleep (g_rand_int_range (rand, 0, 60000));
      kill (pid, SIGKILL);
      status = wait_child (pid);
      g_assert_true (WIFSIGNALED (status));
      close (out);
      committed += seen;
      assert_consistent (f->db, committed);
    }
  g_rand_free (rand);
}

/* Opening an existing history writes nothing (so that it opens on a full disk, and a reader
 * never takes the write lock): another connection sees no commit from it. */
static void
test_open_writes_nothing (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = pm_store_open (f->db, &error);
  g_autoptr(PmImage) image = pm_test_noise_image (32, 24, 3, FALSE);
  sqlite3 *db;
  gint64 session, before;

  g_assert_no_error (error);
  session = pm_store_ensure_session (store, image, NULL, &error);
  g_assert_no_error (error);
  pm_test_store_add_run (store, session, "before", 32, 24, 5);
  db = pm_store_get_db (store);
  before = pm_test_sql_int (db, "PRAGMA data_version");
  for (int i = 0; i < 3; i++)
    {
      g_autoptr(PmStore) other = pm_store_open (f->db, &error);

      g_assert_no_error (error);
      g_assert_cmpint (pm_test_sql_int (db, "PRAGMA data_version"), ==, before);
    }
  g_assert_cmpint (pm_test_sql_int (db, "PRAGMA data_version"), ==, before);
}

static void
test_concurrent_writers (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = NULL;
  GPid pids[2];
  g_autofree char *check = NULL;

  /* Both start on a database that does not exist yet, racing to create it too. */
  for (guint i = 0; i < G_N_ELEMENTS (pids); i++)
    pids[i] = spawn_child ("writer", f->db, "50", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (pids); i++)
    {
      int status = wait_child (pids[i]);
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 0);
    }

  store = pm_store_open (f->db, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_test_sql_int (pm_store_get_db (store), "SELECT count(*) FROM runs"), ==, 100);
  g_assert_cmpint (pm_test_sql_int (pm_store_get_db (store), "SELECT count(DISTINCT instruction) "
                                                             "FROM runs"), ==, 100);
  g_assert_cmpint (pm_test_sql_int (pm_store_get_db (store), "SELECT count(*) FROM artifacts"), ==,
                   200);
  /* Both found or created the one session for their shared image. */
  g_assert_cmpint (pm_test_sql_int (pm_store_get_db (store), "SELECT count(*) FROM sessions"),
                   ==, 1);
  check = pm_test_sql_text (pm_store_get_db (store), "PRAGMA integrity_check");
  g_assert_cmpstr (check, ==, "ok");
}

/* ------------------------------------------------------------------------------------- */
/* Refused files                                                                          */
/* ------------------------------------------------------------------------------------- */

static void
assert_refused (const char *path,
                int         code,
                const char *fragment)
{
  g_autoptr(GBytes) before = read_file (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = pm_store_open (path, &error);

  g_assert_null (store);
  g_assert_error (error, PM_STORE_ERROR, code);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, fragment));
  g_assert_null (strchr (error->message, '\n'));
  assert_file_unchanged (path, before);
}

static void
test_corrupt_random (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "random.sqlite3", NULL);
  GRand *rand = g_rand_new_with_seed (77);
  guint8 bytes[65536];

  for (gsize i = 0; i < sizeof bytes; i++)
    bytes[i] = (guint8) g_rand_int_range (rand, 0, 256);
  g_rand_free (rand);
  g_assert_true (g_file_set_contents (path, (const char *) bytes, sizeof bytes, NULL));
  assert_refused (path, PM_STORE_ERROR_CORRUPT, "damaged");
}

/* Writes one session of a @width × @height image with @n_runs full runs into @path, then
 * closes the store (which checkpoints the WAL into the file). */
static void
make_history (const char *path,
              int         width,
              int         height,
              guint       n_runs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = pm_store_open (path, &error);
  g_autoptr(PmImage) image = pm_test_noise_image (width, height, 8, FALSE);
  gint64 session;

  g_assert_no_error (error);
  session = pm_store_ensure_session (store, image, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < n_runs; i++)
    pm_test_store_add_run (store, session, "loop", width, height, i);
}

static void
test_corrupt_truncated (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GBytes) whole = NULL;

  make_history (f->db, 200, 150, 4);
  whole = read_file (f->db);
  g_assert_cmpuint (g_bytes_get_size (whole), >, 100000);
  g_assert_true (g_file_set_contents (f->db, g_bytes_get_data (whole, NULL),
                                      g_bytes_get_size (whole) / 2, NULL));
  assert_refused (f->db, PM_STORE_ERROR_CORRUPT, "damaged");
}

/* Overwrites the b-tree page header of @table's root page with an invalid page type. */
static void
damage_table (const char *path,
              const char *table)
{
  sqlite3 *db = raw_open (path);
  g_autofree char *sql = g_strdup_printf ("SELECT rootpage FROM sqlite_master WHERE name = "
                                          "'%s'", table);
  gint64 root = pm_test_sql_int (db, sql);
  gint64 page_size = pm_test_sql_int (db, "PRAGMA page_size");
  g_autoptr(GBytes) bytes = NULL;
  guint8 *data;
  gsize len;

  sqlite3_close (db);
  g_assert_cmpint (root, >, 1);
  bytes = read_file (path);
  data = g_bytes_unref_to_data (g_steal_pointer (&bytes), &len);
  g_assert_cmpuint (len, >=, (gsize) (root * page_size));
  data[(root - 1) * page_size] = 0x42;
  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) len, NULL));
  g_free (data);
}

static void
test_damaged_pages (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *runs = g_build_filename (f->dir, "runs.sqlite3", NULL);
  g_autofree char *artifacts = g_build_filename (f->dir, "artifacts.sqlite3", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = NULL;
  g_autoptr(GBytes) before = NULL;

  /* A damaged runs table is refused at open. */
  make_history (runs, 30, 20, 3);
  damage_table (runs, "runs");
  assert_refused (runs, PM_STORE_ERROR_CORRUPT, "damaged");

  /* A damaged artifacts table is refused at open while the database is small enough for a
   * full check … */
  make_history (artifacts, 30, 20, 3);
  damage_table (artifacts, "artifacts");
  assert_refused (artifacts, PM_STORE_ERROR_CORRUPT, "damaged");

  /* … and past the limit opens (the check skips the blobs), pm_store_check() finds it and
   * reading it fails cleanly. */
  pm_store_full_check_max_bytes = 0;
  before = read_file (artifacts);
  store = pm_store_open (artifacts, &error);
  pm_store_full_check_max_bytes = PM_STORE_FULL_CHECK_MAX_BYTES;
  g_assert_no_error (error);
  g_assert_false (pm_store_check (store, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_CORRUPT);
  g_clear_error (&error);
  g_assert_null (pm_store_get_artifact_image (store, 1, PM_ARTIFACT_EDITED, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_CORRUPT);
  g_clear_error (&error);
  g_clear_pointer (&store, pm_store_close);

  /* A sound database passes. */
  make_history (f->db, 30, 20, 3);
  store = pm_store_open (f->db, &error);
  g_assert_no_error (error);
  g_assert_true (pm_store_check (store, &error));
  g_assert_no_error (error);
}

static void
test_too_new (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = pm_store_open (f->db, &error);
  g_autofree char *fragment = g_strdup_printf ("newer Paintmask (schema %d; this one knows "
                                               "%d)", PM_STORE_SCHEMA_VERSION + 1,
                                               PM_STORE_SCHEMA_VERSION);
  g_autofree char *future = g_strdup_printf ("PRAGMA journal_mode = DELETE; CREATE TABLE "
                                             "future (x); PRAGMA user_version = %d",
                                             PM_STORE_SCHEMA_VERSION + 1);
  sqlite3 *db;

  g_assert_no_error (error);
  g_clear_pointer (&store, pm_store_close);
  db = raw_open (f->db);
  raw_exec (db, future);
  sqlite3_close (db);
  assert_refused (f->db, PM_STORE_ERROR_TOO_NEW, fragment);
}

/* A newer Paintmask's database in WAL mode with commits still in its WAL (it crashed, or
 * runs right now): neither the file nor the WAL may change. */
static void
test_too_new_wal (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "future.sqlite3", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autoptr(GBytes) wal_before = NULL;
  sqlite3 *db = raw_open (path);

  raw_exec (db, "PRAGMA journal_mode = WAL; PRAGMA application_id = 1347244875; "
                "CREATE TABLE future (x); PRAGMA wal_checkpoint(TRUNCATE); "
                "PRAGMA user_version = 9; INSERT INTO future VALUES (randomblob(50000))");
  g_assert_cmpint (sqlite3_db_config (db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL), ==,
                   SQLITE_OK);
  sqlite3_close (db);
  wal_before = read_file (wal);
  g_assert_cmpuint (g_bytes_get_size (wal_before), >, 50000);

  assert_refused (path, PM_STORE_ERROR_TOO_NEW, "schema 9;");
  assert_file_unchanged (wal, wal_before);
}

static void
test_foreign_database (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *plain = g_build_filename (f->dir, "plain.sqlite3", NULL);
  g_autofree char *other = g_build_filename (f->dir, "other.sqlite3", NULL);
  sqlite3 *db;

  db = raw_open (plain);
  raw_exec (db, "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('x')");
  sqlite3_close (db);
  assert_refused (plain, PM_STORE_ERROR_OPEN, "without a Paintmask schema");

  db = raw_open (other);
  raw_exec (db, "PRAGMA application_id = 1234; PRAGMA user_version = 1");
  sqlite3_close (db);
  assert_refused (other, PM_STORE_ERROR_OPEN, "another program");
}

static void
test_open_errors (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *blocker = g_build_filename (f->dir, "file", NULL);
  g_autofree char *below = g_build_filename (blocker, "history.sqlite3", NULL);

  /* The folder cannot be created: a file is in the way. */
  g_assert_true (g_file_set_contents (blocker, "x", 1, NULL));
  g_assert_null (pm_store_open (below, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_OPEN);
  g_clear_error (&error);

  /* A folder where the file should be. */
  g_assert_null (pm_store_open (f->dir, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_OPEN);
  g_clear_error (&error);
}

static void
test_default_path (void)
{
  g_autofree char *def = NULL;
  g_autofree char *env = NULL;
  g_autofree char *want = g_build_filename (g_get_user_data_dir (), "paintmask",
                                            "history.sqlite3", NULL);
  PmArtifactKind kind;

  g_unsetenv ("PAINTMASK_DB");
  def = pm_store_default_path ();
  g_assert_cmpstr (def, ==, want);
  g_assert_true (g_str_has_suffix (def, "/paintmask/history.sqlite3"));

  g_setenv ("PAINTMASK_DB", "/tmp/elsewhere.sqlite3", TRUE);
  env = pm_store_default_path ();
  g_assert_cmpstr (env, ==, "/tmp/elsewhere.sqlite3");
  g_unsetenv ("PAINTMASK_DB");

  for (int k = PM_ARTIFACT_EDITED; k <= PM_ARTIFACT_CORRECTED_MASK; k++)
    {
      g_assert_true (pm_artifact_kind_from_string (pm_artifact_kind_to_string (k), &kind));
      g_assert_cmpint (kind, ==, k);
    }
  g_assert_true (pm_artifact_kind_from_string ("soft-mask", &kind));
  g_assert_cmpint (kind, ==, PM_ARTIFACT_SOFT_MASK);
  g_assert_false (pm_artifact_kind_from_string ("thumbnail", &kind));
  g_assert_false (pm_artifact_kind_from_string (NULL, &kind));
}

int
main (int    argc,
      char **argv)
{
  if (argc >= 4 && g_str_equal (argv[1], "--child"))
    return child_main (argc, argv);

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_assert_nonnull (self_exe);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/store/schema/create", test_schema_create);
  ADD ("/store/schema/migrate-every-version", test_schema_migrate);
  ADD ("/store/roundtrip", test_roundtrip);
  ADD ("/store/thumbnails", test_thumbnails);
  ADD ("/store/search", test_search);
  ADD ("/store/delete-cascade", test_delete);
  ADD ("/store/ids-not-reused", test_ids_not_reused);
  ADD ("/store/export-import", test_export_import);
  ADD ("/store/import-old-schema", test_import_v1);
  ADD ("/store/crash/kill-mid-transaction", test_crash_mid_transaction);
  ADD ("/store/crash/kill-at-random", test_crash_random);
  ADD ("/store/concurrent-writers", test_concurrent_writers);
  ADD ("/store/open-writes-nothing", test_open_writes_nothing);
  ADD ("/store/refuse/random-bytes", test_corrupt_random);
  ADD ("/store/refuse/truncated", test_corrupt_truncated);
  ADD ("/store/refuse/damaged-pages", test_damaged_pages);
  ADD ("/store/refuse/too-new", test_too_new);
  ADD ("/store/refuse/too-new-wal", test_too_new_wal);
  ADD ("/store/refuse/foreign-database", test_foreign_database);
  ADD ("/store/refuse/unopenable", test_open_errors);
#undef ADD
  g_test_add_func ("/store/default-path", test_default_path);

  return g_test_run ();
}
