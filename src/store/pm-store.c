/* pm-store.c: the session history in SQLite: opening it (sessions, runs and artifacts are
 * written by pm-store-sessions.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The database is in WAL mode with foreign keys on and a 5 s busy timeout, so a second
 * window or a `paintmask edit --record` in a terminal waits for the write lock instead of
 * failing. Every write is one BEGIN IMMEDIATE … COMMIT: taking the write lock up front
 * means a transaction never has to upgrade from reading to writing, which in WAL mode can
 * fail with SQLITE_BUSY_SNAPSHOT regardless of the timeout. PNG encoding happens before
 * the transaction so the lock is held only for the inserts.
 *
 * synchronous = FULL: WAL with NORMAL already survives a killed process, but may drop the
 * last commits on power loss. A run costs seconds of computation; one fsync per commit costs
 * milliseconds (about 15 ms on this machine's disk), so a run the user saw recorded stays
 * recorded.
 */
#define G_LOG_DOMAIN "pm-store"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "pm-maskio.h"
#include "pm-store-private.h"

G_DEFINE_QUARK (pm-store-error-quark, pm_store_error)

const char * const pm_store_artifact_kind_names[] = {
  [PM_ARTIFACT_EDITED] = "edited",
  [PM_ARTIFACT_SOFT_MASK] = "soft_mask",
  [PM_ARTIFACT_DERIVED_MASK] = "derived_mask",
  [PM_ARTIFACT_CORRECTED_MASK] = "corrected_mask",
  [PM_ARTIFACT_MASK] = "mask",
};

/* ------------------------------------------------------------------------------------- */
/* Small helpers                                                                          */
/* ------------------------------------------------------------------------------------- */

/**
 * pm_artifact_kind_to_string:
 * @kind: an artifact kind
 *
 * Returns: (transfer none): the name used in the database and the CLI, e.g. "soft_mask".
 */
const char *
pm_artifact_kind_to_string (PmArtifactKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (pm_store_artifact_kind_names), "unknown");
  return pm_store_artifact_kind_names[kind];
}

/**
 * pm_artifact_kind_from_string:
 * @str: a kind name; "-" and "_" are interchangeable
 * @kind: (out): the kind
 *
 * Returns: %TRUE if @str names a kind.
 */
gboolean
pm_artifact_kind_from_string (const char     *str,
                              PmArtifactKind *kind)
{
  g_autofree char *norm = NULL;

  if (str == NULL)
    return FALSE;
  norm = g_strdelimit (g_strdup (str), "-", '_');
  for (guint i = 0; i < G_N_ELEMENTS (pm_store_artifact_kind_names); i++)
    if (g_ascii_strcasecmp (norm, pm_store_artifact_kind_names[i]) == 0)
      {
        *kind = (PmArtifactKind) i;
        return TRUE;
      }
  return FALSE;
}

gint64
pm_store_now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* ------------------------------------------------------------------------------------- */
/* Opening                                                                                */
/* ------------------------------------------------------------------------------------- */

/**
 * pm_store_default_path:
 *
 * Returns: (transfer full): $PAINTMASK_DB if set and not empty, else
 *   $XDG_DATA_HOME/paintmask/history.sqlite3.
 */
char *
pm_store_default_path (void)
{
  const char *env = g_getenv ("PAINTMASK_DB");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  return g_build_filename (g_get_user_data_dir (), "paintmask", "history.sqlite3", NULL);
}

static gboolean
pragma_text (PmStore     *store,
             const char  *sql,
             char       **value,
             GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = pm_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      pm_store_set_sqlite_error (store, error, rc, sql);
      return FALSE;
    }
  if (value != NULL)
    *value = rc == SQLITE_ROW ? pm_store_dup_column (stmt, 0) : NULL;
  return TRUE;
}

/* Switching the journal mode needs an exclusive lock and does not wait for it through the
 * busy handler, so two processes opening a new database at once would see SQLITE_BUSY:
 * wait here instead, up to the busy timeout. */
static gboolean
switch_to_wal (PmStore  *store,
               char    **mode,
               GError  **error)
{
  for (int waited_ms = 0;; waited_ms += 10)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;
      int rc;

      if (!pragma_text (store, "PRAGMA main.journal_mode", mode, error))
        return FALSE;
      if (g_strcmp0 (*mode, "wal") == 0)
        return TRUE;
      g_clear_pointer (mode, g_free);

      stmt = pm_store_prepare (store, "PRAGMA main.journal_mode = WAL", error);
      if (stmt == NULL)
        return FALSE;
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          *mode = pm_store_dup_column (stmt, 0);
          return TRUE;
        }
      if (((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) ||
          waited_ms >= PM_STORE_BUSY_TIMEOUT_MS)
        {
          pm_store_set_sqlite_error (store, error, rc, "switching to WAL mode");
          return FALSE;
        }
      g_usleep (10 * 1000);
    }
}

/* Opens @path, naming it @display_name in messages (the import opens a temporary copy). */
PmStore *
pm_store_open_as (const char  *path,
                  const char  *display_name,
                  GError     **error)
{
  g_autoptr(PmStore) store = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *journal_mode = NULL;
  int version = 0;
  int rc;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int errsv = errno;
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_OPEN,
                   "%s: cannot create folder %s: %s", display_name, dir, g_strerror (errsv));
      return NULL;
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_OPEN,
                   "%s is a folder, not a history database", display_name);
      return NULL;
    }

  store = g_new0 (PmStore, 1);
  store->path = g_strdup (display_name);
  rc = sqlite3_open_v2 (path, &store->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc != SQLITE_OK)
    {
      g_autofree char *msg = store->db != NULL ? pm_store_sqlite_errmsg (store->db)
                                               : g_strdup (sqlite3_errstr (rc));

      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_OPEN, "%s: cannot open: %s",
                   display_name, msg);
      return NULL;
    }
  sqlite3_extended_result_codes (store->db, 1);
  sqlite3_busy_timeout (store->db, PM_STORE_BUSY_TIMEOUT_MS);
  /* Closing the last connection to a WAL database copies the WAL into it. Until the file
   * has passed the checks, closing must not write to it, whatever WAL it came with. */
  sqlite3_db_config (store->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);

  if (sqlite3_db_readonly (store->db, "main") == 1)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_OPEN,
                   "%s is read-only; Paintmask needs to write its history there",
                   display_name);
      return NULL;
    }

  /* Everything up to here only reads; a refused file is never modified. */
  if (!pm_store_schema_check (store->db, display_name, &version, error))
    return NULL;

  /* page_size and auto_vacuum only take effect on a database without tables and before
   * it switches to WAL. Harmless if another process wins the race to create the tables.
   * - 16 KiB pages: the history is mostly PNG blobs in overflow chains; a quarter as many
   *   pages made quick_check 3-5x and reading blobs about 2x faster than 4 KiB here.
   * - incremental auto_vacuum lets deletes give space back without a full VACUUM. */
  if (version == 0 &&
      (!pm_store_exec (store, "PRAGMA main.page_size = 16384", "setting the page size",
                       error) ||
       !pm_store_exec (store, "PRAGMA main.auto_vacuum = INCREMENTAL", "setting auto_vacuum",
                       error)))
    return NULL;

  if (!pm_store_exec (store, "PRAGMA foreign_keys = ON", "enabling foreign keys", error) ||
      !switch_to_wal (store, &journal_mode, error) ||
      !pm_store_exec (store, "PRAGMA main.synchronous = FULL", "setting synchronous", error) ||
      !pragma_text (store, "PRAGMA main.journal_size_limit = 67108864", NULL, error))
    return NULL;
  if (g_strcmp0 (journal_mode, "wal") != 0)
    g_debug ("%s: journal mode is %s, not wal (file system without shared memory?)",
             display_name, journal_mode);

  if (!pm_store_schema_migrate (store->db, display_name, error))
    return NULL;
  sqlite3_db_config (store->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, NULL);

  return g_steal_pointer (&store);
}

/**
 * pm_store_open:
 * @path: the database file; it and its folder are created when missing
 * @error: return location for a #GError
 *
 * Opens (creating or migrating) a history database. A file that is damaged, not an SQLite
 * database, another program's database or of a newer schema is refused with
 * %PM_STORE_ERROR_CORRUPT, %PM_STORE_ERROR_OPEN or %PM_STORE_ERROR_TOO_NEW and left
 * byte-for-byte unchanged.
 *
 * Returns: (transfer full): the store, or %NULL with @error set.
 */
PmStore *
pm_store_open (const char  *path,
               GError     **error)
{
  g_return_val_if_fail (path != NULL && *path != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return pm_store_open_as (path, path, error);
}

/**
 * pm_store_close:
 * @store: (nullable): a store
 *
 * Closes the connection and frees @store.
 */
void
pm_store_close (PmStore *store)
{
  if (store == NULL)
    return;
  if (store->db != NULL)
    sqlite3_close_v2 (store->db);
  g_free (store->path);
  g_free (store);
}

/**
 * pm_store_get_path:
 * @store: a store
 *
 * Returns: (transfer none): the database file name as given to pm_store_open().
 */
const char *
pm_store_get_path (PmStore *store)
{
  g_return_val_if_fail (store != NULL, NULL);
  return store->path;
}

/**
 * pm_store_check:
 * @store: a store
 * @error: return location for a #GError
 *
 * Verifies every page, row and index of the database (PRAGMA integrity_check).
 *
 * Returns: %TRUE if the database is sound; %FALSE with %PM_STORE_ERROR_CORRUPT and the
 *   first problem found otherwise.
 */
gboolean
pm_store_check (PmStore  *store,
                GError  **error)
{
  g_return_val_if_fail (store != NULL, FALSE);
  return pm_store_run_check (store->db, store->path, "PRAGMA integrity_check(1)", error);
}

void
pm_store_set_test_hook (PmStore         *store,
                        PmStoreTestHook  hook,
                        gpointer         user_data)
{
  store->test_hook = hook;
  store->test_hook_data = user_data;
}

sqlite3 *
pm_store_get_db (PmStore *store)
{
  return store->db;
}

PmImage *
pm_store_make_thumbnail (const PmImage *image)
{
  int longest = MAX (image->width, image->height);
  double scale = (double) PM_STORE_THUMBNAIL_SIZE / longest;

  if (longest <= PM_STORE_THUMBNAIL_SIZE)
    return pm_image_copy (image);
  return pm_image_resize (image, MAX (1, (int) (image->width * scale + 0.5)),
                          MAX (1, (int) (image->height * scale + 0.5)));
}
