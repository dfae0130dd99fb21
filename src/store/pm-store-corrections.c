/* pm-store-corrections.c: hand corrections of a run's mask as a chain of revisions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A correction is a corrected_mask artifact with a revision number (1, 2, … per run, in the
 * order they were made) and the artifact it was made from (parent_id: the run's mask or
 * derived mask, or an earlier correction). The newest revision is the run's final mask; following parents
 * back gives how it was reached, branches that were undone and corrected otherwise
 * included. The PNG is 8-bit grey with soft values kept (a soft brush edge).
 */
#define G_LOG_DOMAIN "pm-store"

#include "pm-maskio.h"
#include "pm-store-private.h"

/* The photo's size for @run_id, 0 × 0 when not known yet (a project image not read yet);
 * FALSE with NOT_FOUND if there is no such run. */
static gboolean
run_photo_size (PmStore  *store,
                gint64    run_id,
                int      *width,
                int      *height,
                GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = pm_store_prepare (store,
                           "SELECT coalesce (i.width, p.width, 0), "
                           "coalesce (i.height, p.height, 0) FROM runs r "
                           "JOIN sessions s ON s.id = r.session_id "
                           "LEFT JOIN images i ON i.id = s.image_id "
                           "LEFT JOIN project_images p ON p.id = s.project_image_id "
                           "WHERE r.id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *width = sqlite3_column_int (stmt, 0);
      *height = sqlite3_column_int (stmt, 1);
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                 "no run %" G_GINT64_FORMAT " in %s", run_id, store->path);
  else
    pm_store_set_sqlite_error (store, error, rc, "looking up the run");
  return FALSE;
}

/* The newest mask of @run_id's object @item (0: the run as a whole) to correct, or 0: its
 * newest correction, else its mask, else its derived mask; with @own, its own mask (its mask,
 * else its derived mask), corrections aside. */
static gboolean
newest_mask (PmStore  *store,
             gint64    run_id,
             int       item,
             gboolean  own,
             gint64   *id,
             GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  *id = 0;
  stmt = pm_store_prepare (store, own
                           ? "SELECT id FROM artifacts WHERE run_id = ?1 AND item IS ?2 AND kind "
                             "IN ('mask', 'derived_mask') ORDER BY kind = 'mask' DESC, id DESC "
                             "LIMIT 1"
                           : "SELECT id FROM artifacts WHERE run_id = ?1 AND item IS ?2 AND kind "
                             "IN ('corrected_mask', 'mask', 'derived_mask') ORDER BY "
                             "kind = 'corrected_mask' DESC, kind = 'mask' DESC, id DESC LIMIT 1",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run_id);
  if (item > 0)
    sqlite3_bind_int (stmt, 2, item);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *id = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    {
      pm_store_set_sqlite_error (store, error, rc, "looking up the mask to correct");
      return FALSE;
    }
  return TRUE;
}

/* Checks that @parent_id is a mask of @run_id's object @item; 0 picks its current mask,
 * below 0 its own mask (see newest_mask()); either may be none (0). */
static gboolean
resolve_parent (PmStore  *store,
                gint64    run_id,
                int       item,
                gint64   *parent_id,
                GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (*parent_id <= 0)
    return newest_mask (store, run_id, item, *parent_id < 0, parent_id, error);

  stmt = pm_store_prepare (store, "SELECT run_id, kind, item FROM artifacts WHERE id = ?1",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, *parent_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                     "no artifact %" G_GINT64_FORMAT " in %s to correct", *parent_id,
                     store->path);
      else
        pm_store_set_sqlite_error (store, error, rc, "looking up the parent mask");
      return FALSE;
    }
  if (sqlite3_column_int64 (stmt, 0) != run_id)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED,
                   "artifact %" G_GINT64_FORMAT " belongs to run %" G_GINT64_FORMAT
                   ", not to run %" G_GINT64_FORMAT, *parent_id,
                   (gint64) sqlite3_column_int64 (stmt, 0), run_id);
      return FALSE;
    }
  if (g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), "mask") != 0 &&
      g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), "derived_mask") != 0 &&
      g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), "corrected_mask") != 0)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED,
                   "artifact %" G_GINT64_FORMAT " is a %s, not a mask to correct",
                   *parent_id, (const char *) sqlite3_column_text (stmt, 1));
      return FALSE;
    }
  if (sqlite3_column_int (stmt, 2) != item)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED,
                   "artifact %" G_GINT64_FORMAT " is a mask of another object of run %"
                   G_GINT64_FORMAT, *parent_id, run_id);
      return FALSE;
    }
  return TRUE;
}

static gint64
insert_correction (PmStore     *store,
                   gint64       run_id,
                   int          item,
                   gint64       parent_id,
                   int          revision,
                   const char  *operation,
                   const PmMask *mask,
                   GBytes      *png,
                   GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, png);

  stmt = pm_store_prepare (store,
                           "INSERT INTO artifacts (run_id, kind, width, height, png, sha256, "
                           "created_at, parent_id, revision, operation, item) VALUES (?1, "
                           "'corrected_mask', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, run_id);
  sqlite3_bind_int (stmt, 2, mask->width);
  sqlite3_bind_int (stmt, 3, mask->height);
  sqlite3_bind_blob64 (stmt, 4, g_bytes_get_data (png, NULL), g_bytes_get_size (png),
                       SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, sha, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, g_get_real_time () / G_USEC_PER_SEC);
  if (parent_id > 0)
    sqlite3_bind_int64 (stmt, 7, parent_id);
  sqlite3_bind_int (stmt, 8, revision);
  sqlite3_bind_text (stmt, 9, operation, -1, SQLITE_STATIC);
  if (item > 0)
    sqlite3_bind_int (stmt, 10, item);
  if (!pm_store_step_done (store, stmt, "storing the correction", error))
    return 0;
  return sqlite3_last_insert_rowid (store->db);
}

/**
 * pm_store_add_correction:
 * @store: a store
 * @run_id: the run whose mask was corrected
 * @parent_id: the artifact (mask, derived or corrected mask of @run_id) the correction was
 *   made from; 0 for the run's newest correction, else its mask, else its derived mask; -1
 *   for the run's own mask (a correction after all the others were undone)
 * @mask: the corrected mask, the size of the run's photo
 * @operation: (nullable): what was done ("brush", "grow 3")
 * @revision: (out) (optional): the revision number it got
 * @error: return location for a #GError
 *
 * Stores the correction as the run's next revision, in one transaction.
 *
 * Returns: the artifact id, or 0 with @error set
 */
gint64
pm_store_add_correction (PmStore       *store,
                         gint64         run_id,
                         gint64         parent_id,
                         const PmMask  *mask,
                         const char    *operation,
                         int           *revision,
                         GError       **error)
{
  return pm_store_add_item_correction (store, run_id, 0, parent_id, mask, operation, revision,
                                       error);
}

/**
 * pm_store_add_item_correction:
 * @store: a store
 * @run_id: the run
 * @item: the object of a run of several (1, 2, …); 0 for the run as a whole
 * @parent_id: as pm_store_add_correction(), among @item's masks
 * @mask: the corrected mask of that object
 * @operation: (nullable): what was done
 * @revision: (out) (optional): the revision number it got (numbered per run)
 * @error: return location for a #GError
 *
 * pm_store_add_correction() for one object of a run that painted several.
 *
 * Returns: the artifact id, or 0 with @error set
 */
gint64
pm_store_add_item_correction (PmStore       *store,
                              gint64         run_id,
                              int            item,
                              gint64         parent_id,
                              const PmMask  *mask,
                              const char    *operation,
                              int           *revision,
                              GError       **error)
{
  g_autoptr(GBytes) png = NULL;
  gint64 next = 0, id = 0;
  int width = 0, height = 0;

  g_return_val_if_fail (store != NULL, 0);
  g_return_val_if_fail (mask != NULL, 0);
  g_return_val_if_fail (item >= 0, 0);

  /* Encode outside the transaction: the lock should not wait for zlib. */
  png = pm_mask_encode_png (mask, TRUE, error);
  if (png == NULL)
    return 0;
  if (!pm_store_begin (store, error))
    return 0;
  if (!run_photo_size (store, run_id, &width, &height, error))
    goto fail;
  if (width > 0 && (mask->width != width || mask->height != height))
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED,
                   "the corrected mask is %d×%d but run %" G_GINT64_FORMAT "'s photo is %d×%d",
                   mask->width, mask->height, run_id, width, height);
      goto fail;
    }
  if (!resolve_parent (store, run_id, item, &parent_id, error) ||
      !pm_store_query_int64 (store, "SELECT coalesce (max (revision), 0) + 1 FROM artifacts "
                             "WHERE run_id = ?1 AND kind = 'corrected_mask'", run_id, &next,
                             error))
    goto fail;
  id = insert_correction (store, run_id, item, parent_id, (int) next, operation, mask, png,
                          error);
  if (id == 0 ||
      !pm_store_exec_with_id (store, "UPDATE sessions SET updated_at = "
                              "max (updated_at, CAST (strftime ('%s', 'now') AS INTEGER)) "
                              "WHERE id = (SELECT session_id FROM runs WHERE id = ?1)", run_id,
                              "updating the session", error) ||
      !pm_store_commit (store, error))
    goto fail;
  if (revision != NULL)
    *revision = (int) next;
  return id;

fail:
  pm_store_rollback (store);
  return 0;
}

/* The PNG of revision @revision (0: the newest) with its size. */
static GBytes *
get_correction (PmStore  *store,
                gint64    run_id,
                int       item,
                int       revision,
                int      *width,
                int      *height,
                GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (!pm_store_check_exists (store, "runs", run_id, error))
    return NULL;
  stmt = pm_store_prepare (store,
                           "SELECT png, width, height FROM artifacts WHERE run_id = ?1 AND "
                           "kind = 'corrected_mask' AND (?2 = 0 OR revision = ?2) AND "
                           "item IS ?3 ORDER BY revision DESC, id DESC LIMIT 1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, run_id);
  sqlite3_bind_int (stmt, 2, revision);
  if (item > 0)
    sqlite3_bind_int (stmt, 3, item);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *width = sqlite3_column_int (stmt, 1);
      *height = sqlite3_column_int (stmt, 2);
      return g_bytes_new (sqlite3_column_blob (stmt, 0), (gsize) sqlite3_column_bytes (stmt, 0));
    }
  if (rc != SQLITE_DONE)
    {
      pm_store_set_sqlite_error (store, error, rc, "reading a correction");
      return NULL;
    }
  if (item > 0)
    g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                 "object %d of run %" G_GINT64_FORMAT " in %s has no corrected_mask%s", item,
                 run_id, store->path, revision > 0 ? " of that revision" : "");
  else if (revision == 0)
    g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                 "run %" G_GINT64_FORMAT " in %s has no corrected_mask", run_id, store->path);
  else
    {
      gint64 newest = 0;

      pm_store_query_int64 (store, "SELECT coalesce (max (revision), 0) FROM artifacts "
                            "WHERE run_id = ?1 AND kind = 'corrected_mask' AND item IS NULL",
                            run_id, &newest, NULL);
      if (newest == 0)
        g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                     "run %" G_GINT64_FORMAT " in %s has no corrected_mask", run_id,
                     store->path);
      else
        g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                     "run %" G_GINT64_FORMAT " in %s has no corrected_mask revision %d "
                     "(it has 1 to %" G_GINT64_FORMAT ")", run_id, store->path, revision,
                     newest);
    }
  return NULL;
}

/**
 * pm_store_get_correction_png:
 * @store: a store
 * @run_id: the run
 * @revision: the revision, 1 for the first; 0 for the newest
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the corrected mask as stored (PNG bytes), or %NULL with
 *   %PM_STORE_ERROR_NOT_FOUND
 */
GBytes *
pm_store_get_correction_png (PmStore  *store,
                             gint64    run_id,
                             int       revision,
                             GError  **error)
{
  int width, height;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (revision >= 0, NULL);
  return get_correction (store, run_id, 0, revision, &width, &height, error);
}

/**
 * pm_store_get_correction_mask:
 * @store: a store
 * @run_id: the run
 * @revision: the revision, 1 for the first; 0 for the newest
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the corrected mask, bit for bit the one stored when its values
 *   are on the 8-bit levels k / 255 (as brush strokes and binary masks are); %NULL with
 *   %PM_STORE_ERROR_NOT_FOUND
 */
PmMask *
pm_store_get_correction_mask (PmStore  *store,
                              gint64    run_id,
                              int       revision,
                              GError  **error)
{
  return pm_store_get_item_correction_mask (store, run_id, 0, revision, error);
}

/**
 * pm_store_get_item_correction_mask:
 * @store: a store
 * @run_id: the run
 * @item: the object (1, 2, …); 0 for the run as a whole
 * @revision: the revision; 0 for the object's newest
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the object's corrected mask, as pm_store_get_correction_mask()
 */
PmMask *
pm_store_get_item_correction_mask (PmStore  *store,
                                   gint64    run_id,
                                   int       item,
                                   int       revision,
                                   GError  **error)
{
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(PmMask) mask = NULL;
  int width, height;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (revision >= 0, NULL);
  png = get_correction (store, run_id, item, revision, &width, &height, error);
  if (png == NULL)
    return NULL;
  mask = pm_mask_load_bytes (png, &local_error);
  if (mask == NULL || mask->width != width || mask->height != height)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_CORRUPT,
                   "%s: the stored corrected_mask of run %" G_GINT64_FORMAT " %s", store->path,
                   run_id, mask == NULL ? local_error->message : "does not have its row's size");
      return NULL;
    }
  return g_steal_pointer (&mask);
}
