/* pm-store.c: the session history in SQLite: opening, sessions, runs and artifacts.
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

static char *
sha256_bytes (GBytes *bytes)
{
  gsize size = 0;
  gconstpointer data = g_bytes_get_data (bytes, &size);

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, size);
}

/* The identity of a picture: SHA-256 over its size and RGBA pixels. */
static char *
sha256_pixels (const PmImage *image)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *header = g_strdup_printf ("RGBA8 %dx%d\n", image->width, image->height);

  g_checksum_update (sum, (const guchar *) header, -1);
  g_checksum_update (sum, image->data, (gssize) image->width * image->height * 4);
  return g_strdup (g_checksum_get_string (sum));
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

static GBytes *
encode_thumbnail (const PmImage  *image,
                  GError        **error)
{
  g_autoptr(PmImage) thumb = pm_store_make_thumbnail (image);

  return pm_image_encode_png (thumb, error);
}

/* ------------------------------------------------------------------------------------- */
/* Writing                                                                                */
/* ------------------------------------------------------------------------------------- */

typedef struct {
  PmArtifactKind kind;
  int            width, height;
  GBytes        *png;
  GBytes        *thumbnail;   /* edited images only */
  char          *sha256;
  int            item;        /* 0: the run as a whole; else the object */
} Encoded;

static void
encoded_clear (Encoded *enc)
{
  g_clear_pointer (&enc->png, g_bytes_unref);
  g_clear_pointer (&enc->thumbnail, g_bytes_unref);
  g_clear_pointer (&enc->sha256, g_free);
}

static gboolean
encode_artifact (PmArtifactKind   kind,
                 const PmImage   *image,
                 const PmMask    *mask,
                 Encoded         *enc,
                 GError         **error)
{
  if ((guint) kind >= G_N_ELEMENTS (pm_store_artifact_kind_names))
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED,
                   "unknown artifact kind %d", (int) kind);
      return FALSE;
    }
  if ((kind == PM_ARTIFACT_EDITED) != (image != NULL) || (image != NULL) == (mask != NULL))
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED,
                   "artifact %s needs %s", pm_store_artifact_kind_names[kind],
                   kind == PM_ARTIFACT_EDITED ? "an image and no mask"
                                              : "a mask and no image");
      return FALSE;
    }

  enc->kind = kind;
  if (image != NULL)
    {
      enc->width = image->width;
      enc->height = image->height;
      enc->png = pm_image_encode_png (image, error);
      if (enc->png != NULL)
        enc->thumbnail = encode_thumbnail (image, error);
      if (enc->thumbnail == NULL)
        return FALSE;
    }
  else
    {
      enc->width = mask->width;
      enc->height = mask->height;
      /* Soft and corrected masks keep 0..255 (a soft brush edge); the others are binary. */
      enc->png = pm_mask_encode_png (mask, kind == PM_ARTIFACT_SOFT_MASK ||
                                     kind == PM_ARTIFACT_CORRECTED_MASK, error);
    }
  if (enc->png == NULL)
    return FALSE;
  enc->sha256 = sha256_bytes (enc->png);
  return TRUE;
}

static gint64
insert_artifact (PmStore        *store,
                 gint64          run_id,
                 const Encoded  *enc,
                 GError        **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gsize size = 0;
  gconstpointer data = g_bytes_get_data (enc->png, &size);

  stmt = pm_store_prepare (store,
                           "INSERT INTO artifacts (run_id, kind, width, height, png, sha256, "
                           "created_at, thumbnail, item) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                           "?8, ?9)", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, run_id);
  sqlite3_bind_text (stmt, 2, pm_store_artifact_kind_names[enc->kind], -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, enc->width);
  sqlite3_bind_int (stmt, 4, enc->height);
  sqlite3_bind_blob64 (stmt, 5, data, size, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, enc->sha256, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 7, pm_store_now_seconds ());
  if (enc->thumbnail != NULL)
    sqlite3_bind_blob64 (stmt, 8, g_bytes_get_data (enc->thumbnail, NULL),
                         g_bytes_get_size (enc->thumbnail), SQLITE_STATIC);
  if (enc->item > 0)
    sqlite3_bind_int (stmt, 9, enc->item);
  if (!pm_store_step_done (store, stmt, "storing an artifact", error))
    return 0;
  return sqlite3_last_insert_rowid (store->db);
}

/* Inserts an artifact whose PNG is already encoded (inside the caller's transaction). */
gint64
pm_store_insert_artifact_png (PmStore         *store,
                              gint64           run_id,
                              PmArtifactKind   kind,
                              int              width,
                              int              height,
                              GBytes          *png,
                              GError         **error)
{
  Encoded enc = { .kind = kind, .width = width, .height = height };
  gint64 id;

  g_assert ((guint) kind < G_N_ELEMENTS (pm_store_artifact_kind_names));
  enc.png = g_bytes_ref (png);
  enc.sha256 = sha256_bytes (png);
  id = insert_artifact (store, run_id, &enc, error);
  encoded_clear (&enc);
  return id;
}

static gint64
find_session_for_hash (PmStore     *store,
                       const char  *sha,
                       GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = pm_store_prepare (store,
                           "SELECT s.id FROM sessions s JOIN images i ON i.id = s.image_id "
                           "WHERE i.sha256 = ?1 ORDER BY s.updated_at DESC, s.id DESC LIMIT 1",
                           error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, sha, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  if (rc == SQLITE_DONE)
    return 0;
  pm_store_set_sqlite_error (store, error, rc, "looking up the image");
  return -1;
}

/**
 * pm_store_ensure_session:
 * @store: a store
 * @image: the original image
 * @source_path: (nullable): where it was loaded from, for the title
 * @error: return location for a #GError
 *
 * Finds the most recently used session on the same pixels as @image, or creates one,
 * storing the image once (as PNG) if it is new.
 *
 * Returns: the session id, or 0 with @error set.
 */
gint64
pm_store_ensure_session (PmStore        *store,
                         const PmImage  *image,
                         const char     *source_path,
                         GError        **error)
{
  g_autofree char *sha = NULL;
  g_autofree char *title = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GBytes) thumbnail = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 session_id, image_id = 0;
  gint64 now = pm_store_now_seconds ();
  gsize size = 0;
  gconstpointer data;

  g_return_val_if_fail (store != NULL, 0);
  g_return_val_if_fail (image != NULL && image->width > 0 && image->height > 0, 0);

  sha = sha256_pixels (image);
  session_id = find_session_for_hash (store, sha, error);
  if (session_id != 0)
    return MAX (session_id, 0);

  /* Encode outside the transaction: a 24 MP PNG takes seconds, the lock should not. */
  png = pm_image_encode_png (image, error);
  if (png == NULL)
    return 0;
  thumbnail = encode_thumbnail (image, error);
  if (thumbnail == NULL)
    return 0;
  data = g_bytes_get_data (png, &size);
  if (source_path != NULL)
    title = g_path_get_basename (source_path);
  else
    title = g_strdup_printf ("Image %d×%d", image->width, image->height);

  if (!pm_store_begin (store, error))
    return 0;

  /* Another process may have added it meanwhile. */
  session_id = find_session_for_hash (store, sha, error);
  if (session_id != 0)
    goto done;

  stmt = pm_store_prepare (store,
                           "INSERT OR IGNORE INTO images "
                           "(sha256, width, height, format, data, source_path, added_at, "
                           "thumbnail) VALUES (?1, ?2, ?3, 'png', ?4, ?5, ?6, ?7)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, sha, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, image->width);
  sqlite3_bind_int (stmt, 3, image->height);
  sqlite3_bind_blob64 (stmt, 4, data, size, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, source_path, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, now);
  sqlite3_bind_blob64 (stmt, 7, g_bytes_get_data (thumbnail, NULL),
                       g_bytes_get_size (thumbnail), SQLITE_STATIC);
  if (!pm_store_step_done (store, stmt, "storing the image", error))
    goto fail;
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = pm_store_prepare (store, "SELECT id FROM images WHERE sha256 = ?1", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, sha, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      pm_store_set_sqlite_error (store, error, sqlite3_errcode (store->db),
                                 "finding the stored image");
      goto fail;
    }
  image_id = sqlite3_column_int64 (stmt, 0);
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = pm_store_prepare (store,
                           "INSERT INTO sessions (image_id, title, created_at, updated_at) "
                           "VALUES (?1, ?2, ?3, ?3)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, image_id);
  sqlite3_bind_text (stmt, 2, title, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, now);
  if (!pm_store_step_done (store, stmt, "creating the session", error))
    goto fail;
  session_id = sqlite3_last_insert_rowid (store->db);

done:
  if (session_id < 0 || !pm_store_commit (store, error))
    goto fail;
  return session_id;

fail:
  pm_store_rollback (store);
  return 0;
}

/* Inserts the runs row of @record into @session_id (inside the caller's transaction);
 * returns its id or 0 with @error set. */
gint64
pm_store_insert_run (PmStore            *store,
                     const PmRunRecord  *record,
                     gint64              session_id,
                     GError            **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = pm_store_prepare (store,
                           "INSERT INTO runs (session_id, parent_run_id, instruction, parsed, "
                           "engine, model, params, colour, status, error, message, started_at, "
                           "duration_ms, timings, result, mask_pixels, items) VALUES (?1, ?2, "
                           "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                           error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, session_id);
  if (record->parent_run_id > 0)
    sqlite3_bind_int64 (stmt, 2, record->parent_run_id);
  sqlite3_bind_text (stmt, 3, record->instruction ? record->instruction : "", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, record->parsed_json, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, record->engine, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, record->model, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, record->params_json, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, record->color, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 9, record->status ? record->status : "ok", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 10, record->error, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 11, record->message, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 12, record->started_at > 0 ? record->started_at
                                                       : g_get_real_time ());
  sqlite3_bind_double (stmt, 13, record->duration_ms);
  sqlite3_bind_text (stmt, 14, record->timings_json, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 15, record->result, -1, SQLITE_STATIC);
  if (record->result != NULL && g_strcmp0 (record->result, "failed") != 0 &&
      record->mask_pixels >= 0)
    sqlite3_bind_int64 (stmt, 16, record->mask_pixels);
  sqlite3_bind_text (stmt, 17, record->n_items > 1 ? record->items_json : NULL, -1,
                     SQLITE_STATIC);
  if (!pm_store_step_done (store, stmt, "storing the run", error))
    return 0;
  return sqlite3_last_insert_rowid (store->db);
}

/**
 * pm_store_add_run:
 * @store: a store
 * @record: the run; strings may be %NULL, as may each artifact
 * @error: return location for a #GError
 *
 * Records a run and its artifacts in one transaction: after a crash either all of it is
 * in the database or none of it.
 *
 * Returns: the run id, or 0 with @error set.
 */
gint64
pm_store_add_run (PmStore            *store,
                  const PmRunRecord  *record,
                  GError            **error)
{
  g_autofree Encoded *enc = NULL;
  guint n_enc = 0, n_items;
  gint64 run_id = 0;

  g_return_val_if_fail (store != NULL, 0);
  g_return_val_if_fail (record != NULL, 0);

  n_items = record->n_items > 1 ? record->n_items : 0;
  enc = g_new0 (Encoded, 4 + 2 * n_items);
  if ((record->edited != NULL &&
       !encode_artifact (PM_ARTIFACT_EDITED, record->edited, NULL, &enc[n_enc++], error)) ||
      (record->mask != NULL &&
       !encode_artifact (PM_ARTIFACT_MASK, NULL, record->mask, &enc[n_enc++], error)) ||
      (record->soft_mask != NULL &&
       !encode_artifact (PM_ARTIFACT_SOFT_MASK, NULL, record->soft_mask, &enc[n_enc++],
                         error)) ||
      (record->derived_mask != NULL &&
       !encode_artifact (PM_ARTIFACT_DERIVED_MASK, NULL, record->derived_mask, &enc[n_enc++],
                         error)))
    goto out;
  /* Each object's mask and soft mask, with its label. */
  for (guint i = 0; i < n_items; i++)
    {
      if (record->item_masks != NULL && record->item_masks[i] != NULL)
        {
          enc[n_enc].item = i + 1;
          if (!encode_artifact (PM_ARTIFACT_MASK, NULL, record->item_masks[i], &enc[n_enc++],
                                error))
            goto out;
        }
      if (record->item_soft_masks != NULL && record->item_soft_masks[i] != NULL)
        {
          enc[n_enc].item = i + 1;
          if (!encode_artifact (PM_ARTIFACT_SOFT_MASK, NULL, record->item_soft_masks[i],
                                &enc[n_enc++], error))
            goto out;
        }
    }

  if (!pm_store_begin (store, error))
    goto out;
  if (!pm_store_check_exists (store, "sessions", record->session_id, error) ||
      (record->parent_run_id > 0 &&
       !pm_store_check_exists (store, "runs", record->parent_run_id, error)))
    goto fail;

  run_id = pm_store_insert_run (store, record, record->session_id, error);
  if (run_id == 0)
    goto fail;

  for (guint i = 0; i < n_enc; i++)
    if (insert_artifact (store, run_id, &enc[i], error) == 0)
      goto fail;

  if (!pm_store_exec_with_id (store, "UPDATE sessions SET updated_at = "
                     "max (updated_at, CAST (strftime ('%s', 'now') AS INTEGER)) WHERE id = ?1",
                     record->session_id, "updating the session", error))
    goto fail;

  if (store->test_hook != NULL)
    store->test_hook (store->test_hook_data);

  if (!pm_store_commit (store, error))
    goto fail;
  goto out;

fail:
  pm_store_rollback (store);
  run_id = 0;
out:
  for (guint i = 0; i < n_enc; i++)
    encoded_clear (&enc[i]);
  return run_id;
}

/**
 * pm_store_add_artifact:
 * @store: a store
 * @run_id: an existing run
 * @kind: what it is; %PM_ARTIFACT_EDITED takes @image, the mask kinds take @mask
 * @image: (nullable): the edited image
 * @mask: (nullable): the mask
 * @error: return location for a #GError
 *
 * Adds one artifact to a recorded run. A corrected mask becomes the run's next revision,
 * made from its newest mask (pm_store_add_correction() with parent 0).
 *
 * Returns: the artifact id, or 0 with @error set.
 */
gint64
pm_store_add_artifact (PmStore         *store,
                       gint64           run_id,
                       PmArtifactKind   kind,
                       const PmImage   *image,
                       const PmMask    *mask,
                       GError         **error)
{
  Encoded enc = { 0 };
  gint64 id = 0;

  g_return_val_if_fail (store != NULL, 0);

  if (kind == PM_ARTIFACT_CORRECTED_MASK && image == NULL && mask != NULL)
    return pm_store_add_correction (store, run_id, 0, mask, NULL, NULL, error);
  if (!encode_artifact (kind, image, mask, &enc, error))
    goto out;
  if (!pm_store_begin (store, error))
    goto out;
  if (!pm_store_check_exists (store, "runs", run_id, error) ||
      (id = insert_artifact (store, run_id, &enc, error)) == 0 ||
      !pm_store_exec_with_id (store, "UPDATE sessions SET updated_at = "
                              "max (updated_at, CAST (strftime ('%s', 'now') AS INTEGER)) "
                              "WHERE id = (SELECT session_id FROM runs WHERE id = ?1)", run_id,
                              "updating the session", error) ||
      !pm_store_commit (store, error))
    {
      pm_store_rollback (store);
      id = 0;
    }
out:
  encoded_clear (&enc);
  return id;
}

