/* pm-store-pictures.c: reading the history's pictures: session photos, artifact images and
 * masks, and their cached previews (the rows are read by pm-store-query.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-store"

#include "pm-maskio.h"
#include "pm-store-private.h"

/* The PNG in column 0 of the first row of @sql and its size (columns 1 and 2), with ?1 bound
 * to @id, ?2 to @kind unless it is NULL and ?3 to @item if it is positive. Returns FALSE with
 * @error set if reading failed; TRUE with *@png NULL if there is no row, so that each caller
 * can say what is missing. */
static gboolean
read_png (PmStore      *store,
          const char   *sql,
          gint64        id,
          const char   *kind,
          int           item,
          GBytes      **png,
          int          *width,
          int          *height,
          GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = pm_store_prepare (store, sql, error);
  int rc;

  *png = NULL;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (kind != NULL)
    sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_STATIC);
  if (item > 0)
    sqlite3_bind_int (stmt, 3, item);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc != SQLITE_ROW)
    {
      pm_store_set_sqlite_error (store, error, rc, "reading a picture");
      return FALSE;
    }
  *width = sqlite3_column_int (stmt, 1);
  *height = sqlite3_column_int (stmt, 2);
  *png = g_bytes_new (sqlite3_column_blob (stmt, 0), (gsize) sqlite3_column_bytes (stmt, 0));
  return TRUE;
}

static GBytes *
get_session_png (PmStore     *store,
                 gint64       session_id,
                 int         *width,
                 int         *height,
                 GError     **error)
{
  GBytes *png;

  if (!read_png (store, "SELECT i.data, i.width, i.height FROM images i "
                 "JOIN sessions s ON s.image_id = i.id WHERE s.id = ?1", session_id, NULL, 0,
                 &png, width, height, error))
    return NULL;
  if (png == NULL)
    g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                 "no session %" G_GINT64_FORMAT " in %s", session_id, store->path);
  return png;
}

/* The newest artifact of @kind of the run as a whole (@item 0) or of object @item. */
static GBytes *
get_artifact_png (PmStore         *store,
                  gint64           run_id,
                  int              item,
                  PmArtifactKind   kind,
                  int             *width,
                  int             *height,
                  GError         **error)
{
  const char *name;
  GBytes *png;

  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (pm_store_artifact_kind_names), NULL);

  name = pm_store_artifact_kind_names[kind];
  if (!read_png (store, "SELECT png, width, height FROM artifacts "
                 "WHERE run_id = ?1 AND kind = ?2 AND item IS ?3 "
                 "ORDER BY id DESC LIMIT 1", run_id, name, item, &png, width, height, error))
    return NULL;
  if (png != NULL || !pm_store_check_exists (store, "runs", run_id, error))
    return png;
  if (item > 0)
    g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                 "run %" G_GINT64_FORMAT " in %s has no %s of object %d", run_id,
                 store->path, name, item);
  else
    g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                 "run %" G_GINT64_FORMAT " in %s has no %s", run_id, store->path, name);
  return NULL;
}

/* Decodes a stored PNG and checks it has the size the row says. */
static PmImage *
decode_image (PmStore     *store,
              GBytes      *png,
              int          width,
              int          height,
              const char  *what,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(PmImage) image = NULL;

  image = pm_image_load_bytes (png, (gint64) width * height, &local_error);
  if (image == NULL)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_CORRUPT,
                   "%s: the stored %s cannot be decoded: %s", store->path, what,
                   local_error->message);
      return NULL;
    }
  if (image->width != width || image->height != height)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_CORRUPT,
                   "%s: the stored %s is %d×%d, its row says %d×%d", store->path, what,
                   image->width, image->height, width, height);
      return NULL;
    }
  return g_steal_pointer (&image);
}

/**
 * pm_store_get_session_image_png:
 * @store: a store
 * @session_id: the session
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the session's original image as stored (PNG bytes).
 */
GBytes *
pm_store_get_session_image_png (PmStore     *store,
                                gint64       session_id,
                                GError     **error)
{
  int width, height;

  g_return_val_if_fail (store != NULL, NULL);
  return get_session_png (store, session_id, &width, &height, error);
}

/**
 * pm_store_get_session_image:
 * @store: a store
 * @session_id: the session
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the session's original image, pixel-identical to the one
 *   given to pm_store_ensure_session(); for the session of a dataset image, the photo as
 *   its file in the project folder holds it now.
 */
PmImage *
pm_store_get_session_image (PmStore     *store,
                            gint64       session_id,
                            GError     **error)
{
  g_autoptr(GBytes) png = NULL;
  int width, height;

  g_autofree char *file = NULL;
  int project;

  g_return_val_if_fail (store != NULL, NULL);
  /* A dataset image stays in its folder: read it from there. */
  project = pm_store_session_project_file (store, session_id, &file, error);
  if (project < 0)
    return NULL;
  if (project > 0)
    return pm_image_load (file, PM_IMAGE_DEFAULT_MAX_PIXELS, error);
  png = get_session_png (store, session_id, &width, &height, error);
  if (png == NULL)
    return NULL;
  return decode_image (store, png, width, height, "session image", error);
}

/**
 * pm_store_get_artifact_png:
 * @store: a store
 * @run_id: the run
 * @kind: which artifact
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the newest artifact of @kind as stored (PNG bytes), or %NULL
 *   with %PM_STORE_ERROR_NOT_FOUND.
 */
GBytes *
pm_store_get_artifact_png (PmStore         *store,
                           gint64           run_id,
                           PmArtifactKind   kind,
                           GError         **error)
{
  int width, height;

  g_return_val_if_fail (store != NULL, NULL);
  return get_artifact_png (store, run_id, 0, kind, &width, &height, error);
}

/**
 * pm_store_get_artifact_image:
 * @store: a store
 * @run_id: the run
 * @kind: which artifact (a mask comes back as a grey RGBA image)
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the newest artifact of @kind, or %NULL with
 *   %PM_STORE_ERROR_NOT_FOUND.
 */
PmImage *
pm_store_get_artifact_image (PmStore         *store,
                             gint64           run_id,
                             PmArtifactKind   kind,
                             GError         **error)
{
  g_autoptr(GBytes) png = NULL;
  int width, height;

  g_return_val_if_fail (store != NULL, NULL);
  png = get_artifact_png (store, run_id, 0, kind, &width, &height, error);
  if (png == NULL)
    return NULL;
  return decode_image (store, png, width, height, pm_store_artifact_kind_names[kind], error);
}

/* The newest artifact of @kind of the run (@item 0) or of object @item, as a mask. */
static PmMask *
get_mask (PmStore         *store,
          gint64           run_id,
          int              item,
          PmArtifactKind   kind,
          GError         **error)
{
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(PmMask) mask = NULL;
  int width, height;

  png = get_artifact_png (store, run_id, item, kind, &width, &height, error);
  if (png == NULL)
    return NULL;
  mask = pm_mask_load_bytes (png, &local_error);
  if (mask == NULL)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_CORRUPT,
                   "%s: the stored %s of run %" G_GINT64_FORMAT " cannot be decoded: %s",
                   store->path, pm_store_artifact_kind_names[kind], run_id, local_error->message);
      return NULL;
    }
  if (mask->width != width || mask->height != height)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_CORRUPT,
                   "%s: the stored %s of run %" G_GINT64_FORMAT " is %d×%d, its row says %d×%d",
                   store->path, pm_store_artifact_kind_names[kind], run_id, mask->width,
                   mask->height, width, height);
      return NULL;
    }
  return g_steal_pointer (&mask);
}

/**
 * pm_store_get_artifact_mask:
 * @store: a store
 * @run_id: the run
 * @kind: which artifact
 * @error: return location for a #GError
 *
 * Soft masks come back quantized to 1/255 steps; binary masks exactly.
 *
 * Returns: (transfer full): the newest artifact of @kind as a mask, or %NULL with
 *   %PM_STORE_ERROR_NOT_FOUND.
 */
PmMask *
pm_store_get_artifact_mask (PmStore         *store,
                            gint64           run_id,
                            PmArtifactKind   kind,
                            GError         **error)
{
  g_return_val_if_fail (store != NULL, NULL);
  return get_mask (store, run_id, 0, kind, error);
}

/**
 * pm_store_get_item_png:
 * @store: a store
 * @run_id: a run that painted several objects
 * @item: the object, 1 for the first
 * @kind: %PM_ARTIFACT_MASK or %PM_ARTIFACT_SOFT_MASK
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the object's newest artifact of @kind as stored (PNG bytes),
 *   or %NULL with %PM_STORE_ERROR_NOT_FOUND
 */
GBytes *
pm_store_get_item_png (PmStore         *store,
                       gint64           run_id,
                       int              item,
                       PmArtifactKind   kind,
                       GError         **error)
{
  int width, height;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (item >= 1, NULL);
  return get_artifact_png (store, run_id, item, kind, &width, &height, error);
}

/**
 * pm_store_get_item_mask:
 * @store: a store
 * @run_id: a run that painted several objects
 * @item: the object, 1 for the first
 * @kind: %PM_ARTIFACT_MASK or %PM_ARTIFACT_SOFT_MASK
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the object's newest artifact of @kind as a mask, or %NULL with
 *   %PM_STORE_ERROR_NOT_FOUND
 */
PmMask *
pm_store_get_item_mask (PmStore         *store,
                        gint64           run_id,
                        int              item,
                        PmArtifactKind   kind,
                        GError         **error)
{
  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (item >= 1, NULL);
  return get_mask (store, run_id, item, kind, error);
}

/**
 * pm_store_get_run_mask:
 * @store: a store
 * @run_id: the run
 * @error: return location for a #GError
 *
 * The run's mask (see #PmArtifactKind): its "mask" artifact, or for a run recorded before
 * schema 5, when the derived mask was the run's mask, its "derived_mask".
 *
 * Returns: (transfer full): the mask, or %NULL with %PM_STORE_ERROR_NOT_FOUND if the run
 *   has neither
 */
PmMask *
pm_store_get_run_mask (PmStore  *store,
                       gint64    run_id,
                       GError  **error)
{
  g_autoptr(GError) local_error = NULL;
  PmMask *mask;

  mask = pm_store_get_artifact_mask (store, run_id, PM_ARTIFACT_MASK, &local_error);
  if (mask != NULL || !g_error_matches (local_error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND))
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return mask;
    }
  return pm_store_get_artifact_mask (store, run_id, PM_ARTIFACT_DERIVED_MASK, error);
}

/* ------------------------------------------------------------------------------------- */
/* Previews                                                                               */
/* ------------------------------------------------------------------------------------- */

PmImage *
pm_store_decode_thumbnail (PmStore        *store,
                           sqlite3_stmt   *stmt,
                           int             col,
                           GError        **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (sqlite3_column_blob (stmt, col),
                                         (gsize) sqlite3_column_bytes (stmt, col));
  g_autoptr(GError) local_error = NULL;
  PmImage *image;

  image = pm_image_load_bytes (bytes, (gint64) PM_STORE_THUMBNAIL_SIZE * PM_STORE_THUMBNAIL_SIZE,
                               &local_error);
  if (image == NULL)
    g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_CORRUPT,
                 "%s: a stored preview cannot be decoded: %s", store->path,
                 local_error->message);
  return image;
}

/* Stores a preview made from the full picture for rows written before schema 3. Best
 * effort: failing to cache only means computing it again next time. */
static void
cache_thumbnail (PmStore       *store,
                 const char    *sql,
                 gint64         row_id,
                 const PmImage *thumb)
{
  g_autoptr(GBytes) png = pm_image_encode_png (thumb, NULL);
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (png == NULL || (stmt = pm_store_prepare (store, sql, NULL)) == NULL)
    return;
  sqlite3_bind_int64 (stmt, 1, row_id);
  sqlite3_bind_blob64 (stmt, 2, g_bytes_get_data (png, NULL), g_bytes_get_size (png),
                       SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    g_debug ("%s: caching a preview failed: %s", store->path, sqlite3_errmsg (store->db));
}

/**
 * pm_store_get_session_thumbnail:
 * @store: a store
 * @session_id: the session
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the session's image scaled to fit PM_STORE_THUMBNAIL_SIZE, or
 *   %NULL with %PM_STORE_ERROR_NOT_FOUND.
 */
PmImage *
pm_store_get_session_thumbnail (PmStore     *store,
                                gint64       session_id,
                                GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(PmImage) full = NULL;
  PmImage *thumb;
  gint64 image_id, project_image_id;

  g_return_val_if_fail (store != NULL, NULL);

  /* A dataset image's preview is kept with the project image. */
  stmt = pm_store_query_row (store,
                             "SELECT coalesce (i.id, 0), coalesce (i.thumbnail, p.thumbnail), "
                             "coalesce (s.project_image_id, 0) FROM sessions s "
                             "LEFT JOIN images i ON i.id = s.image_id "
                             "LEFT JOIN project_images p ON p.id = s.project_image_id "
                             "WHERE s.id = ?1", session_id, "reading a preview", error,
                             "no session %" G_GINT64_FORMAT " in %s", session_id, store->path);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_column_type (stmt, 1) == SQLITE_BLOB)
    return pm_store_decode_thumbnail (store, stmt, 1, error);
  image_id = sqlite3_column_int64 (stmt, 0);
  project_image_id = sqlite3_column_int64 (stmt, 2);
  g_clear_pointer (&stmt, sqlite3_finalize);

  full = pm_store_get_session_image (store, session_id, error);
  if (full == NULL)
    return NULL;
  thumb = pm_store_make_thumbnail (full);
  if (project_image_id > 0)
    cache_thumbnail (store, "UPDATE project_images SET thumbnail = ?2 WHERE id = ?1",
                     project_image_id, thumb);
  else
    cache_thumbnail (store, "UPDATE images SET thumbnail = ?2 WHERE id = ?1", image_id, thumb);
  return thumb;
}

/**
 * pm_store_get_run_thumbnail:
 * @store: a store
 * @run_id: the run
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the run's newest edited image scaled to fit
 *   PM_STORE_THUMBNAIL_SIZE, its session's if it has none, or %NULL with
 *   %PM_STORE_ERROR_NOT_FOUND if there is no such run.
 */
PmImage *
pm_store_get_run_thumbnail (PmStore     *store,
                            gint64       run_id,
                            GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(PmImage) full = NULL;
  gint64 session_id = 0, artifact_id;
  PmImage *thumb;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  if (!pm_store_check_exists (store, "runs", run_id, error))
    return NULL;
  stmt = pm_store_prepare (store,
                           "SELECT id, thumbnail FROM artifacts WHERE run_id = ?1 "
                           "AND kind = 'edited' ORDER BY id DESC LIMIT 1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, run_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      if (!pm_store_query_int64 (store, "SELECT session_id FROM runs WHERE id = ?1", run_id,
                                 &session_id, error))
        return NULL;
      return pm_store_get_session_thumbnail (store, session_id, error);
    }
  if (rc != SQLITE_ROW)
    {
      pm_store_set_sqlite_error (store, error, rc, "reading a preview");
      return NULL;
    }
  if (sqlite3_column_type (stmt, 1) == SQLITE_BLOB)
    return pm_store_decode_thumbnail (store, stmt, 1, error);
  artifact_id = sqlite3_column_int64 (stmt, 0);
  g_clear_pointer (&stmt, sqlite3_finalize);

  full = pm_store_get_artifact_image (store, run_id, PM_ARTIFACT_EDITED, error);
  if (full == NULL)
    return NULL;
  thumb = pm_store_make_thumbnail (full);
  cache_thumbnail (store, "UPDATE artifacts SET thumbnail = ?2 WHERE id = ?1", artifact_id,
                   thumb);
  return thumb;
}
