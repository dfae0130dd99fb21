/* pm-store-schema.c: the history database's schema, its checks and its migrations.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PRAGMA user_version holds the schema version. Version N of a database is reached by
 * running migrations[0 … N-1] in order, so a database of any older version is brought up
 * to date by the same steps a new one takes. Never edit a migration that has shipped;
 * append a new one and bump PM_STORE_SCHEMA_VERSION.
 */
#define G_LOG_DOMAIN "pm-store"

#include <string.h>

#include "pm-store-private.h"

/* v0 → v1: the tables of DESIGN.md §3.
 *
 * images:    each distinct picture once; sha256 is over the RGBA pixels (with the size), so
 *            the same photo loaded twice is one row whatever PNG encoder wrote `data`.
 * sessions:  work on one image. Deleting a session deletes its runs (CASCADE); an image no
 *            session uses is removed by pm_store_delete_session().
 * runs:      one instruction on the session's image and what came of it.
 * artifacts: PNG outputs of a run; sha256 is over the PNG bytes. */
static const char migration_v1[] =
  "CREATE TABLE images ("
  "  id          INTEGER PRIMARY KEY,"
  "  sha256      TEXT NOT NULL UNIQUE,"
  "  width       INTEGER NOT NULL CHECK (width > 0),"
  "  height      INTEGER NOT NULL CHECK (height > 0),"
  "  format      TEXT NOT NULL DEFAULT 'png',"
  "  data        BLOB NOT NULL,"
  "  source_path TEXT,"
  "  added_at    INTEGER NOT NULL"
  ");"
  "CREATE TABLE sessions ("
  "  id          INTEGER PRIMARY KEY,"
  "  image_id    INTEGER NOT NULL REFERENCES images (id) ON DELETE RESTRICT,"
  "  title       TEXT,"
  "  created_at  INTEGER NOT NULL,"
  "  updated_at  INTEGER NOT NULL"
  ");"
  "CREATE INDEX sessions_image ON sessions (image_id);"
  "CREATE TABLE runs ("
  "  id            INTEGER PRIMARY KEY,"
  "  session_id    INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
  "  parent_run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,"
  "  instruction   TEXT NOT NULL,"
  "  parsed        TEXT,"
  "  engine        TEXT,"
  "  model         TEXT,"
  "  params        TEXT,"
  "  colour        TEXT,"
  "  status        TEXT NOT NULL DEFAULT 'ok',"
  "  error         TEXT,"
  "  started_at    INTEGER NOT NULL,"
  "  duration_ms   REAL,"
  "  timings       TEXT"
  ");"
  "CREATE INDEX runs_session ON runs (session_id);"
  "CREATE INDEX runs_parent ON runs (parent_run_id);"
  "CREATE TABLE artifacts ("
  "  id          INTEGER PRIMARY KEY,"
  "  run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  kind        TEXT NOT NULL CHECK (kind IN ('edited', 'soft_mask', 'derived_mask',"
  "                                            'corrected_mask')),"
  "  width       INTEGER NOT NULL,"
  "  height      INTEGER NOT NULL,"
  "  png         BLOB NOT NULL,"
  "  sha256      TEXT NOT NULL,"
  "  created_at  INTEGER NOT NULL"
  ");"
  "CREATE INDEX artifacts_run ON artifacts (run_id, kind);";

/* v1 → v2: a free-text message per run (a note, or why it failed in the user's words) and
 * an index for listing runs by time across sessions. */
static const char migration_v2[] =
  "ALTER TABLE runs ADD COLUMN message TEXT;"
  "CREATE INDEX runs_started ON runs (started_at, id);";

/* v2 → v3: small PNG previews (long side PM_STORE_THUMBNAIL_SIZE) of each image and each
 * edited artifact, so that a history list does not decode 12 MP PNGs. Rows from before
 * have NULL and get theirs when first asked for. */
static const char migration_v3[] =
  "ALTER TABLE images ADD COLUMN thumbnail BLOB;"
  "ALTER TABLE artifacts ADD COLUMN thumbnail BLOB;";

/* v3 → v4: ids are never reused. With a plain INTEGER PRIMARY KEY, deleting the newest
 * session or run let the next one take its id, so an id still held elsewhere (an app
 * window's undo timeline, a script) could come to name another row. AUTOINCREMENT keeps
 * the largest id ever used in sqlite_sequence. SQLite cannot add it to an existing table,
 * so each table is rebuilt (https://www.sqlite.org/lang_altertable.html, "Making Other
 * Kinds Of Table Schema Changes"): new tables whose references already name the final
 * tables, rows copied with their ids, old tables dropped, new ones renamed, indexes made
 * again. Columns keep their order. pm_store_schema_migrate() runs this with foreign keys
 * off (so that DROP TABLE deletes nothing through ON DELETE actions) and checks them all
 * before COMMIT. */
static const char migration_v4[] =
  "CREATE TABLE images_v4 ("
  "  id          INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  sha256      TEXT NOT NULL UNIQUE,"
  "  width       INTEGER NOT NULL CHECK (width > 0),"
  "  height      INTEGER NOT NULL CHECK (height > 0),"
  "  format      TEXT NOT NULL DEFAULT 'png',"
  "  data        BLOB NOT NULL,"
  "  source_path TEXT,"
  "  added_at    INTEGER NOT NULL,"
  "  thumbnail   BLOB"
  ");"
  "INSERT INTO images_v4 (id, sha256, width, height, format, data, source_path, added_at,"
  "                       thumbnail)"
  "  SELECT id, sha256, width, height, format, data, source_path, added_at, thumbnail"
  "  FROM images ORDER BY id;"
  "CREATE TABLE sessions_v4 ("
  "  id          INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  image_id    INTEGER NOT NULL REFERENCES images (id) ON DELETE RESTRICT,"
  "  title       TEXT,"
  "  created_at  INTEGER NOT NULL,"
  "  updated_at  INTEGER NOT NULL"
  ");"
  "INSERT INTO sessions_v4 (id, image_id, title, created_at, updated_at)"
  "  SELECT id, image_id, title, created_at, updated_at FROM sessions ORDER BY id;"
  "CREATE TABLE runs_v4 ("
  "  id            INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  session_id    INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
  "  parent_run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,"
  "  instruction   TEXT NOT NULL,"
  "  parsed        TEXT,"
  "  engine        TEXT,"
  "  model         TEXT,"
  "  params        TEXT,"
  "  colour        TEXT,"
  "  status        TEXT NOT NULL DEFAULT 'ok',"
  "  error         TEXT,"
  "  started_at    INTEGER NOT NULL,"
  "  duration_ms   REAL,"
  "  timings       TEXT,"
  "  message       TEXT"
  ");"
  "INSERT INTO runs_v4 (id, session_id, parent_run_id, instruction, parsed, engine, model,"
  "                     params, colour, status, error, started_at, duration_ms, timings,"
  "                     message)"
  "  SELECT id, session_id, parent_run_id, instruction, parsed, engine, model, params,"
  "         colour, status, error, started_at, duration_ms, timings, message"
  "  FROM runs ORDER BY id;"
  "CREATE TABLE artifacts_v4 ("
  "  id          INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  kind        TEXT NOT NULL CHECK (kind IN ('edited', 'soft_mask', 'derived_mask',"
  "                                            'corrected_mask')),"
  "  width       INTEGER NOT NULL,"
  "  height      INTEGER NOT NULL,"
  "  png         BLOB NOT NULL,"
  "  sha256      TEXT NOT NULL,"
  "  created_at  INTEGER NOT NULL,"
  "  thumbnail   BLOB"
  ");"
  "INSERT INTO artifacts_v4 (id, run_id, kind, width, height, png, sha256, created_at,"
  "                          thumbnail)"
  "  SELECT id, run_id, kind, width, height, png, sha256, created_at, thumbnail"
  "  FROM artifacts ORDER BY id;"
  /* Dropping a table drops its indexes. */
  "DROP TABLE artifacts;"
  "DROP TABLE runs;"
  "DROP TABLE sessions;"
  "DROP TABLE images;"
  "ALTER TABLE images_v4 RENAME TO images;"
  "ALTER TABLE sessions_v4 RENAME TO sessions;"
  "ALTER TABLE runs_v4 RENAME TO runs;"
  "ALTER TABLE artifacts_v4 RENAME TO artifacts;"
  "CREATE INDEX sessions_image ON sessions (image_id);"
  "CREATE INDEX runs_session ON runs (session_id);"
  "CREATE INDEX runs_parent ON runs (parent_run_id);"
  "CREATE INDEX runs_started ON runs (started_at, id);"
  "CREATE INDEX artifacts_run ON artifacts (run_id, kind);";

/* v4 → v5: dataset projects. A project is a folder (root, absolute) with labels and the
 * images found under it, referred to by path relative to the root; the photos are never
 * copied into the database.
 *
 * project_labels: position orders them (COCO category id = position + 1, YOLO class =
 *                 position); instruction is a template where {label} stands for the name.
 * project_images: status is todo (not every label drafted), drafted, reviewed or rejected;
 *                 width and height are NULL until the file was read; error keeps the last
 *                 failure to read or draft it.
 * project_drafts: the one current draft of each (image, label): a run in the image's
 *                 session. The primary key is what makes a resumed or repeated batch unable
 *                 to leave two drafts for one label.
 * sessions:       a session now works either on a stored image (image_id) or on a project
 *                 image (project_image_id), never both. SQLite cannot drop NOT NULL from a
 *                 column, so the table is rebuilt as in v4, carrying its AUTOINCREMENT
 *                 counter over so that no deleted session id is taken again. */
static const char migration_v5[] =
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
  "CREATE INDEX project_drafts_label ON project_drafts (label_id);";

/* v5 → v6: result states (DESIGN.md §8) and the run's own mask.
 * runs.result:      'found', 'guess', 'empty' or 'failed'; NULL for a successful run recorded
 *                   before result states existed (unknown), 'failed' for a failed one.
 * runs.mask_pixels: pixels in the run's mask; NULL when unknown or failed.
 * artifacts.kind:   gains 'mask', the run's mask as handed to the user (for local engines the
 *                   engine's own, for remote engines and imports the derived one; see
 *                   pm-store.h). A CHECK constraint cannot be changed in place, so the table
 *                   is rebuilt as in v4 and v5, and its AUTOINCREMENT counter is carried over so
 *                   that ids of deleted artifacts are still never reused. */
static const char migration_v6[] =
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
  "UPDATE runs SET result = 'failed' WHERE status != 'ok';";

/* v6 → v7: hand corrections form a chain of revisions. A corrected_mask gets its number
 * (1, 2, … per run, in the order made), the mask it was made from (parent_id: the run's
 * mask, its derived mask or an earlier correction; NULL when that is deleted) and what was
 * done (operation). Corrections from before are numbered in id order, each the child of the
 * one before it, the first the child of the run's mask (before schema 6: its derived
 * mask). */
static const char migration_v7[] =
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
  "CREATE INDEX artifacts_parent ON artifacts (parent_id);";

/* v7 → v8: several objects in one run ("paint the cup blue and the saucer green").
 * artifacts.item: NULL for the run as a whole (every artifact before), else the object
 *                 (1, 2, …: its label in the run's label map) whose mask, soft mask or
 *                 correction it is.
 * runs.items:     NULL for a single object, else a JSON array with one object per item
 *                 (target, color, color_name, color_chosen, result, mask_pixels). */
static const char migration_v8[] =
  "ALTER TABLE artifacts ADD COLUMN item INTEGER CHECK (item IS NULL OR item >= 1);"
  "ALTER TABLE runs ADD COLUMN items TEXT;"
  "CREATE INDEX artifacts_item ON artifacts (run_id, item) WHERE item IS NOT NULL;";

static const char * const migrations[PM_STORE_SCHEMA_VERSION] = {
  migration_v1,
  migration_v2,
  migration_v3,
  migration_v4,
  migration_v5,
  migration_v6,
  migration_v7,
  migration_v8,
};

int
pm_store_error_code (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return PM_STORE_ERROR_CORRUPT;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      return PM_STORE_ERROR_OPEN;
    default:
      return PM_STORE_ERROR_FAILED;
    }
}

static void
set_db_error (GError     **error,
              sqlite3     *db,
              int          rc,
              const char  *path,
              const char  *what)
{
  int code = pm_store_error_code (rc);
  g_autofree char *why = pm_store_describe_sqlite_error (db, rc);

  if (code == PM_STORE_ERROR_CORRUPT)
    g_set_error (error, PM_STORE_ERROR, code,
                 "%s is damaged or not a database (%s: %s); it was left untouched",
                 path, what, why);
  else
    g_set_error (error, PM_STORE_ERROR, code, "%s: %s failed: %s", path, what, why);
}

/* Runs a one-row, one-column integer query. */
/* Prepares @sql and steps to its first row; NULL with @error set if that fails or there
 * is no row. */
static sqlite3_stmt *
first_row (sqlite3     *db,
           const char  *path,
           const char  *sql,
           GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      set_db_error (error, db, rc, path, sql);
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
}

static gboolean
query_int (sqlite3     *db,
           const char  *path,
           const char  *sql,
           gint64      *value,
           GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = first_row (db, path, sql, error);

  if (stmt == NULL)
    return FALSE;
  *value = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

static gboolean
exec_sql (sqlite3     *db,
          const char  *path,
          const char  *sql,
          const char  *what,
          GError     **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      set_db_error (error, db, rc, path, what);
      return FALSE;
    }
  return TRUE;
}

gint64 pm_store_full_check_max_bytes = PM_STORE_FULL_CHECK_MAX_BYTES;

gboolean
pm_store_run_check (sqlite3     *db,
                    const char  *path,
                    const char  *sql,
                    GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = first_row (db, path, sql, error);
  const char *result;

  if (stmt == NULL)
    return FALSE;
  result = (const char *) sqlite3_column_text (stmt, 0);
  if (g_strcmp0 (result, "ok") != 0)
    {
      /* The finding may span lines ("*** in database main ***\nPage 7: …"). */
      g_autofree char *finding = g_strdup (result ? result : "no result");
      const char *prefix = "*** in database main ***";
      char *text = finding;

      g_strdelimit (finding, "\r\n", ' ');
      if (g_str_has_prefix (text, prefix))
        text += strlen (prefix);
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_CORRUPT,
                   "%s is damaged (%s); it was left untouched, move it aside to start "
                   "a new history", path, g_strstrip (text));
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_snapshot (sqlite3     *db,
                const char  *path,
                int         *version,
                GError     **error)
{
  gint64 app_id = 0, user_version = 0, n_tables = 0, size = 0;

  /* Reading the header is where a file of random bytes fails ("file is not a database"). */
  if (!query_int (db, path, "PRAGMA application_id", &app_id, error) ||
      !query_int (db, path, "PRAGMA user_version", &user_version, error) ||
      !query_int (db, path, "SELECT count(*) FROM sqlite_master", &n_tables, error))
    return FALSE;

  if (app_id != 0 && app_id != PM_STORE_APPLICATION_ID)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_OPEN,
                   "%s is an SQLite database of another program (application_id 0x%08x), "
                   "not a Paintmask history; it was left untouched",
                   path, (guint) app_id);
      return FALSE;
    }
  if (user_version > PM_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_TOO_NEW,
                   "%s was written by a newer Paintmask (schema %" G_GINT64_FORMAT
                   "; this one knows %d); it was left untouched",
                   path, user_version, PM_STORE_SCHEMA_VERSION);
      return FALSE;
    }
  if (user_version < 0)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_CORRUPT,
                   "%s has an invalid schema version %" G_GINT64_FORMAT
                   "; it was left untouched", path, user_version);
      return FALSE;
    }
  if (user_version == 0 && n_tables > 0)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_OPEN,
                   "%s is an SQLite database without a Paintmask schema; "
                   "it was left untouched", path);
      return FALSE;
    }

  /* Set before the checks: an open that went on with 0 would treat the file as new and
   * write its page size and auto_vacuum mode again, which fails on a full disk. */
  *version = (int) user_version;

  /* A truncated or overwritten file can have a good header and broken pages. */
  if (!query_int (db, path, "SELECT page_count * page_size FROM pragma_page_count, "
                  "pragma_page_size", &size, error))
    return FALSE;
  if (size <= pm_store_full_check_max_bytes)
    return pm_store_run_check (db, path, "PRAGMA quick_check(1)", error);

  /* quick_check reads every page, about 1.3 ms per MB here: over a second for a big
   * history. Past the limit, check every table but the artifacts' PNG blobs at open
   * (pm_store_check() does them all); damage there still reads as SQLITE_CORRUPT. */
  {
    g_autoptr(GPtrArray) checks = g_ptr_array_new_with_free_func (g_free);
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2 (db, "SELECT name FROM sqlite_master WHERE type = 'table' "
                                 "AND name != 'artifacts'", -1, &stmt, NULL);

    while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        char *quoted = sqlite3_mprintf ("PRAGMA quick_check(\"%w\")",
                                        (const char *) sqlite3_column_text (stmt, 0));
        g_ptr_array_add (checks, g_strdup (quoted));
        sqlite3_free (quoted);
        rc = SQLITE_OK;
      }
    sqlite3_finalize (stmt);
    if (rc != SQLITE_DONE)
      {
        set_db_error (error, db, rc, path, "listing the tables");
        return FALSE;
      }
    for (guint i = 0; i < checks->len; i++)
      if (!pm_store_run_check (db, path, checks->pdata[i], error))
        return FALSE;
  }
  return TRUE;
}

gboolean
pm_store_schema_check (sqlite3     *db,
                       const char  *path,
                       int         *version,
                       GError     **error)
{
  gboolean ok;

  /* One read transaction, so that all of this sees one snapshot even while another process
   * creates the schema. A deferred BEGIN writes nothing. */
  if (!exec_sql (db, path, "BEGIN", "reading the schema", error))
    return FALSE;
  ok = check_snapshot (db, path, version, error);
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  return ok;
}

/* pm_store_schema_migrate() once foreign keys are off. */
static gboolean
migrate_in_transaction (sqlite3     *db,
                        const char  *path,
                        GError     **error)
{
  gint64 version = 0, n_tables = 0, n_broken = 0;
  g_autofree char *set_version = NULL;

  if (!exec_sql (db, path, "BEGIN IMMEDIATE", "starting the schema migration", error))
    return FALSE;

  /* Another process may have migrated while we waited for the write lock. */
  if (!query_int (db, path, "PRAGMA user_version", &version, error) ||
      !query_int (db, path, "SELECT count(*) FROM sqlite_master", &n_tables, error))
    goto fail;
  if (version == PM_STORE_SCHEMA_VERSION)
    {
      if (!exec_sql (db, path, "COMMIT", "ending the schema migration", error))
        goto fail;
      return TRUE;
    }
  if (version > PM_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_TOO_NEW,
                   "%s was written by a newer Paintmask (schema %" G_GINT64_FORMAT
                   "; this one knows %d)", path, version, PM_STORE_SCHEMA_VERSION);
      goto fail;
    }
  if (version == 0 && n_tables > 0)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_OPEN,
                   "%s is an SQLite database without a Paintmask schema", path);
      goto fail;
    }

  for (gint64 v = version; v < PM_STORE_SCHEMA_VERSION; v++)
    {
      g_autofree char *what = g_strdup_printf ("migrating the schema to version %d",
                                               (int) v + 1);
      if (!exec_sql (db, path, migrations[v], what, error))
        goto fail;
    }

  /* Every reference must still lead to its row (the rebuild copied ids unchanged). */
  if (!query_int (db, path, "SELECT count(*) FROM pragma_foreign_key_check", &n_broken,
                  error))
    goto fail;
  if (n_broken > 0)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_CORRUPT,
                   "%s has %" G_GINT64_FORMAT " rows whose references lead nowhere "
                   "(schema %" G_GINT64_FORMAT "); its migration was rolled back",
                   path, n_broken, version);
      goto fail;
    }

  set_version = g_strdup_printf ("PRAGMA application_id = %d; PRAGMA user_version = %d",
                                 PM_STORE_APPLICATION_ID, PM_STORE_SCHEMA_VERSION);
  if (!exec_sql (db, path, set_version, "setting the schema version", error) ||
      !exec_sql (db, path, "COMMIT", "committing the schema migration", error))
    goto fail;

  if (version > 0)
    g_debug ("%s: migrated schema %d -> %d", path, (int) version, PM_STORE_SCHEMA_VERSION);
  return TRUE;

fail:
  if (!sqlite3_get_autocommit (db))
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

gboolean
pm_store_schema_migrate (sqlite3     *db,
                         const char  *path,
                         GError     **error)
{
  gint64 version = 0, foreign_keys = 0;
  gboolean ok;

  if (!query_int (db, path, "PRAGMA user_version", &version, error))
    return FALSE;
  if (version == PM_STORE_SCHEMA_VERSION)
    return TRUE;

  /* Rebuilding tables (v4) needs foreign keys off, and that setting cannot change inside a
   * transaction: turn them off around it and back on after COMMIT or ROLLBACK. */
  if (!query_int (db, path, "PRAGMA foreign_keys", &foreign_keys, error) ||
      !exec_sql (db, path, "PRAGMA foreign_keys = OFF", "disabling foreign keys", error))
    return FALSE;
  ok = migrate_in_transaction (db, path, error);
  if (foreign_keys != 0 &&
      !exec_sql (db, path, "PRAGMA foreign_keys = ON", "enabling foreign keys",
                 ok ? error : NULL))
    return FALSE;
  return ok;
}
