/* pm-store-images.c: the images of dataset projects: adding them, their rows, statuses,
 * errors and previews (projects and labels are in pm-store-dataset.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-store"

#include <string.h>

#include "pm-store-dataset.h"
#include "pm-store-private.h"

/* ------------------------------------------------------------------------------------- */
/* Images                                                                                 */
/* ------------------------------------------------------------------------------------- */

/**
 * pm_store_add_project_images:
 * @store: a store
 * @project_id: the project
 * @paths: (array length=n_paths): paths relative to the project root
 * @n_paths: how many
 * @n_added: (out) (optional): how many were new
 * @error: return location for a #GError
 *
 * Adds the images not yet in the project, all in one transaction. Every path is checked
 * first (pm_project_path_check()); one bad path adds nothing.
 *
 * Returns: %TRUE on success.
 */
gboolean
pm_store_add_project_images (PmStore             *store,
                             gint64               project_id,
                             const char * const  *paths,
                             guint                n_paths,
                             guint               *n_added,
                             GError             **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 now = pm_store_now_seconds ();
  guint added = 0;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (paths != NULL || n_paths == 0, FALSE);

  for (guint i = 0; i < n_paths; i++)
    if (!pm_project_path_check (paths[i], error))
      return FALSE;
  if (!pm_store_begin (store, error))
    return FALSE;
  if (!pm_store_check_exists (store, "projects", project_id, error))
    goto fail;
  stmt = pm_store_prepare (store, "INSERT OR IGNORE INTO project_images (project_id, path, "
                           "added_at, updated_at) VALUES (?1, ?2, ?3, ?3)", error);
  if (stmt == NULL)
    goto fail;
  for (guint i = 0; i < n_paths; i++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, project_id);
      sqlite3_bind_text (stmt, 2, paths[i], -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, now);
      if (!pm_store_step_done (store, stmt, "adding an image to the project", error))
        goto fail;
      added += (guint) sqlite3_changes (store->db);
    }
  if (added > 0 &&
      !pm_store_exec_with_id (store, "UPDATE projects SET updated_at = "
                              "CAST (strftime ('%s', 'now') AS INTEGER) WHERE id = ?1",
                              project_id, "updating the project", error))
    goto fail;
  if (!pm_store_commit (store, error))
    goto fail;
  if (n_added != NULL)
    *n_added = added;
  return TRUE;

fail:
  pm_store_rollback (store);
  return FALSE;
}

#define IMAGE_COLUMNS \
  "i.id, i.project_id, i.path, i.width, i.height, i.status, i.error, " \
  "(SELECT s.id FROM sessions s WHERE s.project_image_id = i.id), " \
  "(SELECT count(*) FROM project_drafts d WHERE d.image_id = i.id) FROM project_images i "

static PmProjectImage *
image_from_row (sqlite3_stmt *stmt)
{
  PmProjectImage *image = g_new0 (PmProjectImage, 1);
  PmImageStatus status = PM_IMAGE_STATUS_TODO;

  image->id = sqlite3_column_int64 (stmt, 0);
  image->project_id = sqlite3_column_int64 (stmt, 1);
  image->path = pm_store_dup_column (stmt, 2);
  image->width = sqlite3_column_int (stmt, 3);
  image->height = sqlite3_column_int (stmt, 4);
  pm_image_status_from_string ((const char *) sqlite3_column_text (stmt, 5), &status);
  image->status = status;
  image->error = pm_store_dup_column (stmt, 6);
  image->session_id = sqlite3_column_int64 (stmt, 7);
  image->n_drafts = sqlite3_column_int (stmt, 8);
  return image;
}

/* SQL true when the status named by column @column is in @flags (bound as ?N). */
#define STATUS_IN(column, param) \
  "(" param " = 0 OR (" param " >> (CASE " column " WHEN 'todo' THEN 0 WHEN 'drafted' " \
  "THEN 1 WHEN 'reviewed' THEN 2 ELSE 3 END)) & 1)"

/**
 * pm_store_list_project_images:
 * @store: a store
 * @project_id: the project
 * @status_flags: PM_IMAGE_STATUS_FLAG() bits, 0 for every status
 * @label_id: a label, or 0: only images with a draft of that label
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PmProjectImage): the images, by path.
 */
GPtrArray *
pm_store_list_project_images (PmStore     *store,
                              gint64       project_id,
                              guint        status_flags,
                              gint64       label_id,
                              GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  stmt = pm_store_prepare (store,
                           "SELECT " IMAGE_COLUMNS "WHERE i.project_id = ?1 AND "
                           STATUS_IN ("i.status", "?2") " AND (?3 = 0 OR EXISTS (SELECT 1 "
                           "FROM project_drafts d WHERE d.image_id = i.id AND "
                           "d.label_id = ?3)) ORDER BY i.path", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, project_id);
  sqlite3_bind_int64 (stmt, 2, status_flags);
  sqlite3_bind_int64 (stmt, 3, label_id);
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_project_image_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, image_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      pm_store_set_sqlite_error (store, error, rc, "listing the project's images");
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/**
 * pm_store_get_project_image:
 * @store: a store
 * @image_id: a project image
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the image, or %NULL with %PM_STORE_ERROR_NOT_FOUND.
 */
PmProjectImage *
pm_store_get_project_image (PmStore     *store,
                            gint64       image_id,
                            GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (store != NULL, NULL);

  stmt = pm_store_query_row (store, "SELECT " IMAGE_COLUMNS "WHERE i.id = ?1", image_id,
                             "reading a project image", error,
                             "no project image %" G_GINT64_FORMAT " in %s", image_id,
                             store->path);
  if (stmt == NULL)
    return NULL;
  return image_from_row (stmt);
}

/**
 * pm_store_find_project_image:
 * @store: a store
 * @project_id: the project
 * @path: the image's path relative to the root
 * @error: return location for a #GError
 *
 * Returns: the image id, or 0 with %PM_STORE_ERROR_NOT_FOUND (or another error).
 */
gint64
pm_store_find_project_image (PmStore     *store,
                             gint64       project_id,
                             const char  *path,
                             GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (store != NULL && path != NULL, 0);

  stmt = pm_store_prepare (store, "SELECT id FROM project_images WHERE project_id = ?1 "
                           "AND path = ?2", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, project_id);
  sqlite3_bind_text (stmt, 2, path, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  if (rc == SQLITE_DONE)
    g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                 "the project has no image %s", path);
  else
    pm_store_set_sqlite_error (store, error, rc, "looking up a project image");
  return 0;
}

/**
 * pm_store_get_project_image_file:
 * @store: a store
 * @image_id: a project image
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the image's file (root and relative path joined), or %NULL
 *   with %PM_STORE_ERROR_NOT_FOUND.
 */
char *
pm_store_get_project_image_file (PmStore     *store,
                                 gint64       image_id,
                                 GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  const char *path;

  g_return_val_if_fail (store != NULL, NULL);

  stmt = pm_store_query_row (store, "SELECT p.root, i.path FROM project_images i JOIN "
                             "projects p ON p.id = i.project_id WHERE i.id = ?1", image_id,
                             "reading a project image", error,
                             "no project image %" G_GINT64_FORMAT " in %s", image_id,
                             store->path);
  if (stmt == NULL)
    return NULL;
  path = (const char *) sqlite3_column_text (stmt, 1);
  /* Rows may come from a file someone else wrote: never leave the root. */
  if (!pm_project_path_check (path, error))
    return NULL;
  return g_build_filename ((const char *) sqlite3_column_text (stmt, 0), path, NULL);
}

/* Runs @sql (?1 = image id, ?2 = @text) in its own transaction, checking the image. */
static gboolean
update_image (PmStore     *store,
              gint64       image_id,
              const char  *sql,
              const char  *text,
              const char  *what,
              GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (!pm_store_begin (store, error))
    return FALSE;
  if (!pm_store_check_exists (store, "project_images", image_id, error))
    goto fail;
  stmt = pm_store_prepare (store, sql, error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, image_id);
  sqlite3_bind_text (stmt, 2, text, -1, SQLITE_STATIC);
  if (!pm_store_step_done (store, stmt, what, error) || !pm_store_commit (store, error))
    goto fail;
  return TRUE;

fail:
  pm_store_rollback (store);
  return FALSE;
}

/**
 * pm_store_set_image_status:
 * @store: a store
 * @image_id: a project image
 * @status: its new status
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success.
 */
gboolean
pm_store_set_image_status (PmStore        *store,
                           gint64          image_id,
                           PmImageStatus   status,
                           GError        **error)
{
  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail ((guint) status <= PM_IMAGE_STATUS_REJECTED, FALSE);

  return update_image (store, image_id, "UPDATE project_images SET status = ?2, updated_at = "
                       "CAST (strftime ('%s', 'now') AS INTEGER) WHERE id = ?1",
                       pm_image_status_to_string (status), "setting the image's status", error);
}

/**
 * pm_store_set_image_error:
 * @store: a store
 * @image_id: a project image
 * @message: (nullable): why reading or drafting it failed; %NULL clears it
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success.
 */
gboolean
pm_store_set_image_error (PmStore     *store,
                          gint64       image_id,
                          const char  *message,
                          GError     **error)
{
  g_return_val_if_fail (store != NULL, FALSE);

  return update_image (store, image_id, "UPDATE project_images SET error = ?2, updated_at = "
                       "CAST (strftime ('%s', 'now') AS INTEGER) WHERE id = ?1", message,
                       "recording the image's error", error);
}

/**
 * pm_store_set_image_thumbnail:
 * @store: a store
 * @image_id: a project image
 * @width: the photo's width
 * @height: the photo's height
 * @thumbnail_png: its preview
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success.
 */
gboolean
pm_store_set_image_thumbnail (PmStore     *store,
                              gint64       image_id,
                              int          width,
                              int          height,
                              GBytes      *thumbnail_png,
                              GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (store != NULL && thumbnail_png != NULL, FALSE);
  g_return_val_if_fail (width > 0 && height > 0, FALSE);

  stmt = pm_store_prepare (store, "UPDATE project_images SET width = ?2, height = ?3, "
                           "thumbnail = ?4 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, image_id);
  sqlite3_bind_int (stmt, 2, width);
  sqlite3_bind_int (stmt, 3, height);
  sqlite3_bind_blob64 (stmt, 4, g_bytes_get_data (thumbnail_png, NULL),
                       g_bytes_get_size (thumbnail_png), SQLITE_STATIC);
  if (!pm_store_step_done (store, stmt, "storing a preview", error))
    return FALSE;
  if (sqlite3_changes (store->db) == 0)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                   "no project image %" G_GINT64_FORMAT " in %s", image_id, store->path);
      return FALSE;
    }
  return TRUE;
}

/**
 * pm_store_get_image_thumbnail:
 * @store: a store
 * @image_id: a project image
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the stored preview, or %NULL with %PM_STORE_ERROR_NOT_FOUND if
 *   there is none (yet).
 */
PmImage *
pm_store_get_image_thumbnail (PmStore     *store,
                              gint64       image_id,
                              GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (store != NULL, NULL);

  stmt = pm_store_query_row (store, "SELECT thumbnail FROM project_images WHERE id = ?1 AND "
                             "thumbnail IS NOT NULL", image_id, "reading a preview", error,
                             "project image %" G_GINT64_FORMAT " has no preview in %s",
                             image_id, store->path);
  if (stmt == NULL)
    return NULL;
  return pm_store_decode_thumbnail (store, stmt, 0, error);
}

/**
 * pm_store_count_project_images:
 * @store: a store
 * @project_id: the project
 * @counts: (out caller-allocates) (array fixed-size=4): images per PmImageStatus
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success.
 */
gboolean
pm_store_count_project_images (PmStore     *store,
                               gint64       project_id,
                               int          counts[4],
                               GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (store != NULL, FALSE);

  memset (counts, 0, sizeof (int) * 4);
  stmt = pm_store_prepare (store, "SELECT status, count(*) FROM project_images "
                           "WHERE project_id = ?1 GROUP BY status", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, project_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PmImageStatus status;

      if (pm_image_status_from_string ((const char *) sqlite3_column_text (stmt, 0), &status))
        counts[status] = sqlite3_column_int (stmt, 1);
    }
  if (rc != SQLITE_DONE)
    {
      pm_store_set_sqlite_error (store, error, rc, "counting the project's images");
      return FALSE;
    }
  return TRUE;
}
