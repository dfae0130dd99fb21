/* pm-store-transfer.c: deleting runs and sessions; exporting and importing .paintmask files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A .paintmask file is a history database with the same schema holding one session (or
 * more), in rollback-journal mode so that it is one self-contained file. Rows are copied
 * with INSERT … SELECT between ATTACHed databases, so the PNG blobs never pass through C.
 */
#define G_LOG_DOMAIN "pm-store"

#include <errno.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "pm-store-dataset.h"
#include "pm-store-private.h"

/* Gives the pages of deleted blobs back to the file system (auto_vacuum = INCREMENTAL).
 * Best effort: the rows are already gone, a failure here only leaves the file larger. */
static void
reclaim_space (PmStore *store)
{
  if (sqlite3_exec (store->db, "PRAGMA incremental_vacuum", NULL, NULL, NULL) != SQLITE_OK)
    g_debug ("%s: incremental_vacuum failed: %s", store->path, sqlite3_errmsg (store->db));
}

/**
 * pm_store_delete_run:
 * @store: a store
 * @run_id: the run
 * @error: return location for a #GError
 *
 * Deletes a run and its artifacts. Runs that were derived from it keep their data and
 * lose their parent link.
 *
 * Returns: %TRUE on success; %FALSE with %PM_STORE_ERROR_NOT_FOUND if there is no such run.
 */
gboolean
pm_store_delete_run (PmStore  *store,
                     gint64    run_id,
                     GError  **error)
{
  g_return_val_if_fail (store != NULL, FALSE);

  if (!pm_store_begin (store, error))
    return FALSE;
  if (!pm_store_check_exists (store, "runs", run_id, error) ||
      !pm_store_exec_with_id (store, "DELETE FROM runs WHERE id = ?1", run_id,
                              "deleting the run", error) ||
      !pm_store_commit (store, error))
    {
      pm_store_rollback (store);
      return FALSE;
    }
  reclaim_space (store);
  return TRUE;
}

/**
 * pm_store_delete_session:
 * @store: a store
 * @session_id: the session
 * @error: return location for a #GError
 *
 * Deletes a session with its runs and artifacts, and its image unless another session
 * uses it.
 *
 * Returns: %TRUE on success; %FALSE with %PM_STORE_ERROR_NOT_FOUND if there is no such
 *   session.
 */
gboolean
pm_store_delete_session (PmStore  *store,
                         gint64    session_id,
                         GError  **error)
{
  gint64 image_id = 0;

  g_return_val_if_fail (store != NULL, FALSE);

  if (!pm_store_begin (store, error))
    return FALSE;
  if (!pm_store_check_exists (store, "sessions", session_id, error) ||
      !pm_store_query_int64 (store, "SELECT image_id FROM sessions WHERE id = ?1", session_id,
                             &image_id, error) ||
      !pm_store_exec_with_id (store, "DELETE FROM sessions WHERE id = ?1", session_id,
                              "deleting the session", error) ||
      !pm_store_exec_with_id (store,
                              "DELETE FROM images WHERE id = ?1 AND NOT EXISTS "
                              "(SELECT 1 FROM sessions WHERE image_id = ?1)", image_id,
                              "deleting the session's image", error) ||
      !pm_store_commit (store, error))
    {
      pm_store_rollback (store);
      return FALSE;
    }
  reclaim_space (store);
  return TRUE;
}

static gboolean
attach (PmStore     *store,
        const char  *path,
        const char  *name,
        GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("ATTACH DATABASE ?1 AS %s", name);
  g_autoptr(sqlite3_stmt) stmt = pm_store_prepare (store, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, path, -1, SQLITE_STATIC);
  return pm_store_step_done (store, stmt, "attaching a database", error);
}

static void
detach (PmStore    *store,
        const char *name)
{
  g_autofree char *sql = g_strdup_printf ("DETACH DATABASE %s", name);

  if (sqlite3_exec (store->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    g_debug ("%s: detaching %s failed: %s", store->path, name, sqlite3_errmsg (store->db));
}

static void
unlink_database (const char *path)
{
  const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
      g_unlink (file);
    }
}

/* Creates an empty database with the current schema at @path, in rollback-journal mode so
 * the result is a single file. */
static gboolean
create_single_file_store (const char  *path,
                          const char  *display_name,
                          GError     **error)
{
  g_autoptr(PmStore) out = pm_store_open_as (path, display_name, error);

  if (out == NULL)
    return FALSE;
  return pm_store_exec (out, "PRAGMA main.journal_mode = DELETE", "leaving WAL mode", error);
}

static const char * const export_sql[] = {
  "INSERT INTO pm_export.images (id, sha256, width, height, format, data, source_path, "
  "added_at, thumbnail) SELECT i.id, i.sha256, i.width, i.height, i.format, i.data, "
  "i.source_path, i.added_at, i.thumbnail FROM main.images i "
  "JOIN main.sessions s ON s.image_id = i.id WHERE s.id = ?1",

  "INSERT INTO pm_export.sessions (id, image_id, title, created_at, updated_at) "
  "SELECT id, image_id, title, created_at, updated_at FROM main.sessions WHERE id = ?1",

  /* A parent in another session is not exported, so the link is dropped. */
  "INSERT INTO pm_export.runs (id, session_id, parent_run_id, instruction, parsed, engine, "
  "model, params, colour, status, error, message, started_at, duration_ms, timings, result, "
  "mask_pixels, items) "
  "SELECT r.id, r.session_id, (SELECT p.id FROM main.runs p "
  "  WHERE p.id = r.parent_run_id AND p.session_id = ?1), r.instruction, r.parsed, "
  "r.engine, r.model, r.params, r.colour, r.status, r.error, r.message, r.started_at, "
  "r.duration_ms, r.timings, r.result, r.mask_pixels, r.items FROM main.runs r "
  "WHERE r.session_id = ?1 ORDER BY r.id",

  "INSERT INTO pm_export.artifacts (id, run_id, kind, width, height, png, sha256, "
  "created_at, thumbnail, parent_id, revision, operation, item) SELECT a.id, a.run_id, "
  "a.kind, a.width, a.height, a.png, a.sha256, a.created_at, a.thumbnail, a.parent_id, "
  "a.revision, a.operation, a.item FROM main.artifacts a JOIN main.runs r ON r.id = a.run_id "
  "WHERE r.session_id = ?1 ORDER BY a.id",
};

/**
 * pm_store_export_session:
 * @store: a store
 * @session_id: the session
 * @path: the new file (conventionally `NAME.paintmask`); must not exist
 * @error: return location for a #GError
 *
 * Writes the session with its image, runs and artifacts to a new database file that
 * pm_store_open() and pm_store_import_file() accept. The file appears complete or not at
 * all (it is written under a temporary name and renamed).
 *
 * Returns: %TRUE on success.
 */
gboolean
pm_store_export_session (PmStore     *store,
                         gint64       session_id,
                         const char  *path,
                         GError     **error)
{
  g_autofree char *tmp = NULL;
  gboolean attached = FALSE;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!pm_store_check_exists (store, "sessions", session_id, error))
    return FALSE;
  {
    g_autofree char *file = NULL;
    int project = pm_store_session_project_file (store, session_id, &file, error);

    if (project < 0)
      return FALSE;
    if (project > 0)
      {
        g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED,
                     "session %" G_GINT64_FORMAT " is the dataset image %s, whose photo "
                     "stays in its folder; export its project instead", session_id, file);
        return FALSE;
      }
  }
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED,
                   "%s already exists; choose another name or remove it first", path);
      return FALSE;
    }

  tmp = g_strdup_printf ("%s.part-%d", path, (int) getpid ());
  unlink_database (tmp);
  if (!create_single_file_store (tmp, path, error))
    goto fail;
  if (!attach (store, tmp, "pm_export", error))
    goto fail;
  attached = TRUE;

  if (!pm_store_begin (store, error))
    goto fail;
  /* Parents may come after children in id order only through imports; check at COMMIT. */
  if (!pm_store_exec (store, "PRAGMA defer_foreign_keys = ON", "deferring foreign keys",
                      error))
    goto fail_tx;
  for (guint i = 0; i < G_N_ELEMENTS (export_sql); i++)
    if (!pm_store_exec_with_id (store, export_sql[i], session_id, "exporting the session",
                                error))
      goto fail_tx;
  if (!pm_store_commit (store, error))
    goto fail_tx;
  detach (store, "pm_export");
  attached = FALSE;

  if (g_rename (tmp, path) != 0)
    {
      int errsv = errno;
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED, "cannot write %s: %s",
                   path, g_strerror (errsv));
      goto fail;
    }
  return TRUE;

fail_tx:
  pm_store_rollback (store);
fail:
  if (attached)
    detach (store, "pm_export");
  unlink_database (tmp);
  return FALSE;
}

/* Copies @path (and a -wal beside it, holding its newest commits) to a temporary file. */
static char *
copy_to_temp (const char  *path,
              GError     **error)
{
  g_autofree char *tmp = NULL;
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GFile) src = g_file_new_for_path (path);
  g_autoptr(GFile) dst = NULL;
  int fd;

  fd = g_file_open_tmp ("paintmask-import-XXXXXX.sqlite3", &tmp, &local_error);
  if (fd < 0)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED,
                   "cannot import %s: %s", path, local_error->message);
      return NULL;
    }
  close (fd);
  dst = g_file_new_for_path (tmp);
  if (!g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &local_error))
    goto fail;
  if (g_file_test (wal, G_FILE_TEST_EXISTS))
    {
      g_autofree char *tmp_wal = g_strconcat (tmp, "-wal", NULL);
      g_autoptr(GFile) src_wal = g_file_new_for_path (wal);
      g_autoptr(GFile) dst_wal = g_file_new_for_path (tmp_wal);

      if (!g_file_copy (src_wal, dst_wal, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL,
                        &local_error))
        goto fail;
    }
  return g_steal_pointer (&tmp);

fail:
  g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_OPEN, "cannot read %s: %s", path,
               local_error->message);
  unlink_database (tmp);
  return NULL;
}

/* Rows keep their relative ids, shifted past the ids ever used: ?1 sessions, ?2 runs,
 * ?3 artifacts. Images are matched by pixel hash and stored once. */
static const char * const import_sql[] = {
  "INSERT OR IGNORE INTO main.images (sha256, width, height, format, data, source_path, "
  "added_at, thumbnail) SELECT sha256, width, height, format, data, source_path, added_at, "
  "thumbnail FROM pm_import.images ORDER BY id",

  "INSERT INTO main.sessions (id, image_id, title, created_at, updated_at) "
  "SELECT s.id + ?1, (SELECT m.id FROM main.images m JOIN pm_import.images i "
  "  ON i.sha256 = m.sha256 WHERE i.id = s.image_id), s.title, s.created_at, s.updated_at "
  "FROM pm_import.sessions s WHERE s.image_id IS NOT NULL ORDER BY s.id",

  "INSERT INTO main.runs (id, session_id, parent_run_id, instruction, parsed, engine, "
  "model, params, colour, status, error, message, started_at, duration_ms, timings, result, "
  "mask_pixels, items) "
  "SELECT id + ?2, session_id + ?1, parent_run_id + ?2, instruction, parsed, engine, model, "
  "params, colour, status, error, message, started_at, duration_ms, timings, result, "
  "mask_pixels, items FROM pm_import.runs WHERE session_id IN (SELECT id FROM "
  "pm_import.sessions WHERE image_id IS NOT NULL) ORDER BY id",

  "INSERT INTO main.artifacts (id, run_id, kind, width, height, png, sha256, created_at, "
  "thumbnail, parent_id, revision, operation, item) SELECT id + ?3, run_id + ?2, kind, "
  "width, height, png, sha256, created_at, thumbnail, parent_id + ?3, revision, operation, "
  "item FROM pm_import.artifacts WHERE run_id IN (SELECT r.id FROM pm_import.runs r "
  "JOIN pm_import.sessions s ON s.id = r.session_id WHERE s.image_id IS NOT NULL) "
  "ORDER BY id",
};

/* A file can claim the current schema version and still lack what the import reads (a
 * table dropped, a column renamed by another program): each table the import copies must
 * have every column of ours, or the file is refused naming what is missing. */
static gboolean
check_import_schema (PmStore     *store,
                     const char  *path,
                     GError     **error)
{
  const char * const tables[] = { "images", "sessions", "runs", "artifacts" };

  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autoptr(sqlite3_stmt) stmt = pm_store_prepare (store,
        "SELECT m.name FROM pragma_table_info (?1, 'main') m WHERE m.name NOT IN "
        "(SELECT name FROM pragma_table_info (?1, 'pm_import'))", error);
      int rc;

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, tables[i], -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_CORRUPT,
                       "%s is not a Paintmask session file: its table “%s” lacks column “%s”",
                       path, tables[i], (const char *) sqlite3_column_text (stmt, 0));
          return FALSE;
        }
      if (rc != SQLITE_DONE)
        {
          pm_store_set_sqlite_error (store, error, rc, "checking the imported file");
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
import_rows (PmStore  *store,
             GArray   *ids,
             GError  **error)
{
  gint64 off[3] = { 0, 0, 0 };
  /* Past the largest id ever used (sqlite_sequence), not just the largest in use, so
   * that an imported row never takes the id of a deleted one. */
  const char * const max_sql[3] = {
    "SELECT max (coalesce ((SELECT max (id) FROM main.sessions), 0), coalesce ((SELECT seq "
    "FROM main.sqlite_sequence WHERE name = 'sessions'), 0))",
    "SELECT max (coalesce ((SELECT max (id) FROM main.runs), 0), coalesce ((SELECT seq "
    "FROM main.sqlite_sequence WHERE name = 'runs'), 0))",
    "SELECT max (coalesce ((SELECT max (id) FROM main.artifacts), 0), coalesce ((SELECT seq "
    "FROM main.sqlite_sequence WHERE name = 'artifacts'), 0))",
  };
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  for (guint i = 0; i < 3; i++)
    if (!pm_store_query_int64 (store, max_sql[i], 0, &off[i], error))
      return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (import_sql); i++)
    {
      g_autoptr(sqlite3_stmt) insert = pm_store_prepare (store, import_sql[i], error);
      int n = 0;

      if (insert == NULL)
        return FALSE;
      n = sqlite3_bind_parameter_count (insert);
      for (int p = 0; p < n; p++)
        sqlite3_bind_int64 (insert, p + 1, off[p]);
      if (!pm_store_step_done (store, insert, "importing", error))
        return FALSE;
    }

  stmt = pm_store_prepare (store, "SELECT id + ?1 FROM pm_import.sessions "
                           "WHERE image_id IS NOT NULL ORDER BY id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, off[0]);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  if (rc != SQLITE_DONE)
    {
      pm_store_set_sqlite_error (store, error, rc, "importing");
      return FALSE;
    }
  return TRUE;
}

/**
 * pm_store_import_file:
 * @store: a store
 * @path: a .paintmask file (or any history database)
 * @error: return location for a #GError
 *
 * Copies every session of @path, with images, runs and artifacts, into @store in one
 * transaction. @path is only read: a file of an older schema is migrated in a temporary
 * copy; a damaged or newer one is refused like pm_store_open() refuses it. Importing the
 * same file twice gives two copies of its sessions (the image is stored once). Dataset
 * projects in @path are not copied (their photos are not in the file): open it as the
 * database instead.
 *
 * Returns: (transfer full) (element-type gint64): the new session ids, or %NULL with
 *   @error set.
 */
GArray *
pm_store_import_file (PmStore     *store,
                      const char  *path,
                      GError     **error)
{
  g_autofree char *tmp = NULL;
  g_autoptr(GArray) ids = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_OPEN, "%s: no such file", path);
      return NULL;
    }
  tmp = copy_to_temp (path, error);
  if (tmp == NULL)
    return NULL;
  if (!create_single_file_store (tmp, path, error))
    goto out;
  if (!attach (store, tmp, "pm_import", error))
    goto out;
  if (!check_import_schema (store, path, error))
    {
      detach (store, "pm_import");
      goto out;
    }

  ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (pm_store_begin (store, error))
    {
      ok = pm_store_exec (store, "PRAGMA defer_foreign_keys = ON", "deferring foreign keys",
                          error) &&
           import_rows (store, ids, error) &&
           pm_store_commit (store, error);
      if (!ok)
        pm_store_rollback (store);
    }
  detach (store, "pm_import");

out:
  unlink_database (tmp);
  return ok ? g_steal_pointer (&ids) : NULL;
}

/* ---------------------------------------------------------------- what a file holds */

static gboolean
file_db_error (GError     **error,
               sqlite3     *db,
               int          rc,
               const char  *path)
{
  g_autofree char *msg = db != NULL ? pm_store_sqlite_errmsg (db) : g_strdup (sqlite3_errstr (rc));

  g_set_error (error, PM_STORE_ERROR, pm_store_error_code (rc), "%s: cannot read it as a "
               "Paintmask file: %s", path, msg);
  return FALSE;
}

/* Appends the roots of @db's projects, most recently changed first. */
static gboolean
read_project_roots (sqlite3     *db,
                    const char  *path,
                    GPtrArray   *roots,
                    GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean has_projects = FALSE;
  int rc;

  rc = sqlite3_prepare_v2 (db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                           "name = 'projects'", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return file_db_error (error, db, rc, path);
  rc = sqlite3_step (stmt);
  has_projects = rc == SQLITE_ROW;
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return file_db_error (error, db, rc, path);
  if (!has_projects)
    return TRUE;

  rc = sqlite3_prepare_v2 (db, "SELECT root FROM projects ORDER BY updated_at DESC, root", -1,
                           &stmt, NULL);
  if (rc != SQLITE_OK)
    return file_db_error (error, db, rc, path);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *root = (const char *) sqlite3_column_text (stmt, 0);

      if (root != NULL && g_utf8_validate (root, -1, NULL) && g_path_is_absolute (root))
        g_ptr_array_add (roots, g_strdup (root));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return file_db_error (error, db, rc, path);
  return TRUE;
}

/**
 * pm_store_file_project_roots:
 * @path: a .paintmask file (or any history database)
 * @error: return location for a #GError
 *
 * Tells whether @path holds dataset projects (made by `paintmask batch --db FILE` or
 * `paintmask import --db FILE`), which are opened with the file as the database, or only
 * sessions, which pm_store_import_file() copies. @path is opened read-only and never
 * changed, whatever its schema version. Roots that are not absolute UTF-8 paths are left
 * out.
 *
 * Returns: (transfer full) (element-type utf8): the projects' root folders, most recently
 *   changed first (empty for a file of sessions only), or %NULL with @error set when @path
 *   is missing or not a database.
 */
GPtrArray *
pm_store_file_project_roots (const char  *path,
                             GError     **error)
{
  g_autoptr(GPtrArray) roots = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db = NULL;
  gboolean ok;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_OPEN, "%s: no such file", path);
      return NULL;
    }
  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL);
  if (rc != SQLITE_OK)
    ok = file_db_error (error, db, rc, path);
  else
    {
      sqlite3_busy_timeout (db, PM_STORE_BUSY_TIMEOUT_MS);
      ok = read_project_roots (db, path, roots, error);
    }
  sqlite3_close (db);
  return ok ? g_steal_pointer (&roots) : NULL;
}
