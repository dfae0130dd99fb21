/* pm-store-sessions.c: writing the session history: sessions, runs and their artifacts
 * (opening the database is pm-store.c; its header says how transactions are taken).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-store"

#include <string.h>

#include "pm-maskio.h"
#include "pm-store-private.h"

/* ------------------------------------------------------------------------------------- */
/* Small helpers                                                                          */
/* ------------------------------------------------------------------------------------- */

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

