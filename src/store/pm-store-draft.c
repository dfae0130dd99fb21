/* pm-store-draft.c: the drafts of a dataset project: one run per (image, label), its mask
 * stored as a 1-bit PNG, and the photo read from the project folder when asked for.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A draft is written in one transaction with everything that depends on it (the run, the
 * mask, the (image, label) link, the image's status), so a process killed at any moment
 * leaves either the whole draft or nothing; the (image, label) primary key makes a second
 * draft for the same label impossible, whatever two processes race.
 */
#define G_LOG_DOMAIN "pm-store"

#include "pm-edit.h"
#include "pm-maskio.h"
#include "pm-store-dataset.h"
#include "pm-store-private.h"

/* What add_draft() checks before writing. */
typedef struct {
  gint64  image_project;
  gint64  label_project;
  int     width, height;     /* 0 if unknown */
  char   *path;
} DraftTarget;

static void
draft_target_clear (DraftTarget *target)
{
  g_free (target->path);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DraftTarget, draft_target_clear)

static gboolean
read_target (PmStore              *store,
             const PmDraftRecord  *draft,
             DraftTarget          *target,
             GError              **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = pm_store_prepare (store, "SELECT i.project_id, l.project_id, i.width, i.height, "
                           "i.path FROM project_images i, project_labels l "
                           "WHERE i.id = ?1 AND l.id = ?2", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, draft->image_id);
  sqlite3_bind_int64 (stmt, 2, draft->label_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                   "no project image %" G_GINT64_FORMAT " or no label %" G_GINT64_FORMAT
                   " in %s", draft->image_id, draft->label_id, store->path);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    {
      pm_store_set_sqlite_error (store, error, rc, "reading the draft's image");
      return FALSE;
    }
  target->image_project = sqlite3_column_int64 (stmt, 0);
  target->label_project = sqlite3_column_int64 (stmt, 1);
  target->width = sqlite3_column_int (stmt, 2);
  target->height = sqlite3_column_int (stmt, 3);
  target->path = pm_store_dup_column (stmt, 4);
  if (target->image_project != target->label_project)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID,
                   "image %s and label %" G_GINT64_FORMAT " belong to different projects",
                   target->path, draft->label_id);
      return FALSE;
    }
  if (draft->image_width > 0 &&
      (draft->image_width != draft->mask->width || draft->image_height != draft->mask->height))
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID,
                   "the mask for %s is %d×%d but the photo is %d×%d", target->path,
                   draft->mask->width, draft->mask->height, draft->image_width,
                   draft->image_height);
      return FALSE;
    }
  if (draft->image_width <= 0 && target->width > 0 &&
      (target->width != draft->mask->width || target->height != draft->mask->height))
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID,
                   "the mask for %s is %d×%d but the photo is %d×%d", target->path,
                   draft->mask->width, draft->mask->height, target->width, target->height);
      return FALSE;
    }
  return TRUE;
}

/* Removes the current draft of (image, label) if @replace; FALSE with EXISTS otherwise. */
static gboolean
clear_previous (PmStore              *store,
                const PmDraftRecord  *draft,
                const char           *path,
                GError              **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 previous;
  int rc;

  stmt = pm_store_prepare (store, "SELECT run_id FROM project_drafts WHERE image_id = ?1 "
                           "AND label_id = ?2", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, draft->image_id);
  sqlite3_bind_int64 (stmt, 2, draft->label_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc != SQLITE_ROW)
    {
      pm_store_set_sqlite_error (store, error, rc, "looking for an earlier draft");
      return FALSE;
    }
  previous = sqlite3_column_int64 (stmt, 0);
  if (!draft->replace)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_EXISTS,
                   "%s already has a draft for label %" G_GINT64_FORMAT " (run %"
                   G_GINT64_FORMAT ")", path, draft->label_id, previous);
      return FALSE;
    }
  /* The run's artifacts and the project_drafts row go with it (ON DELETE CASCADE). */
  return pm_store_exec_with_id (store, "DELETE FROM runs WHERE id = ?1", previous,
                                "replacing the earlier draft", error);
}

/* The session of a project image, created on its first draft. */
static gint64
ensure_image_session (PmStore     *store,
                      gint64       image_id,
                      const char  *path,
                      GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 id = 0;
  GError *local_error = NULL;

  if (pm_store_query_int64 (store, "SELECT id FROM sessions WHERE project_image_id = ?1",
                            image_id, &id, &local_error))
    return id;
  if (!g_error_matches (local_error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, local_error);
      return 0;
    }
  g_clear_error (&local_error);
  stmt = pm_store_prepare (store, "INSERT INTO sessions (project_image_id, title, created_at, "
                           "updated_at) VALUES (?1, ?2, ?3, ?3)", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, image_id);
  sqlite3_bind_text (stmt, 2, path, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, pm_store_now_seconds ());
  if (!pm_store_step_done (store, stmt, "creating the image's session", error))
    return 0;
  return sqlite3_last_insert_rowid (store->db);
}

/* After a draft: size, preview, error cleared, and the status that follows from the
 * drafts (rejected stays rejected). */
static gboolean
update_drafted_image (PmStore              *store,
                      const PmDraftRecord  *draft,
                      GError              **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = pm_store_prepare (store,
                           "UPDATE project_images SET "
                           "width = ?2, height = ?3, thumbnail = coalesce (?4, thumbnail), "
                           "error = NULL, updated_at = ?5, status = CASE "
                           "  WHEN status = 'rejected' THEN 'rejected' "
                           "  WHEN EXISTS (SELECT 1 FROM project_labels l "
                           "    WHERE l.project_id = project_images.project_id AND NOT EXISTS "
                           "    (SELECT 1 FROM project_drafts d WHERE d.image_id = ?1 "
                           "     AND d.label_id = l.id)) THEN 'todo' "
                           "  ELSE 'drafted' END "
                           "WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, draft->image_id);
  sqlite3_bind_int (stmt, 2, draft->mask->width);
  sqlite3_bind_int (stmt, 3, draft->mask->height);
  if (draft->thumbnail_png != NULL)
    sqlite3_bind_blob64 (stmt, 4, g_bytes_get_data (draft->thumbnail_png, NULL),
                         g_bytes_get_size (draft->thumbnail_png), SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, pm_store_now_seconds ());
  return pm_store_step_done (store, stmt, "updating the image's status", error);
}

/**
 * pm_store_add_draft:
 * @store: a store
 * @draft: the draft
 * @error: return location for a #GError
 *
 * Stores @draft in one transaction (see pm-store-dataset.h). The mask must have the photo's
 * size when that is known.
 *
 * Returns: the new run's id, or 0 with @error set; %PM_STORE_ERROR_EXISTS when the image
 *   already has a draft of that label and @draft->replace is %FALSE.
 */
gint64
pm_store_add_draft (PmStore              *store,
                    const PmDraftRecord  *draft,
                    GError              **error)
{
  g_auto(DraftTarget) target = { 0 };
  g_autoptr(GBytes) png = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 session_id, run_id;

  g_return_val_if_fail (store != NULL && draft != NULL, 0);
  g_return_val_if_fail (draft->run != NULL && draft->mask != NULL, 0);

  png = pm_mask_encode_png_1bit (draft->mask, error);
  if (png == NULL)
    return 0;

  if (!pm_store_begin (store, error))
    return 0;
  if (!read_target (store, draft, &target, error) ||
      !clear_previous (store, draft, target.path, error))
    goto fail;
  session_id = ensure_image_session (store, draft->image_id, target.path, error);
  if (session_id == 0)
    goto fail;
  run_id = pm_store_insert_run (store, draft->run, session_id, error);
  if (run_id == 0 ||
      pm_store_insert_artifact_png (store, run_id, PM_ARTIFACT_MASK,
                                    draft->mask->width, draft->mask->height, png, error) == 0)
    goto fail;

  stmt = pm_store_prepare (store, "INSERT INTO project_drafts (image_id, label_id, run_id) "
                           "VALUES (?1, ?2, ?3)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, draft->image_id);
  sqlite3_bind_int64 (stmt, 2, draft->label_id);
  sqlite3_bind_int64 (stmt, 3, run_id);
  if (!pm_store_step_done (store, stmt, "linking the draft", error) ||
      !update_drafted_image (store, draft, error) ||
      !pm_store_exec_with_id (store, "UPDATE sessions SET updated_at = "
                              "max (updated_at, CAST (strftime ('%s', 'now') AS INTEGER)) "
                              "WHERE id = ?1", session_id, "updating the session", error))
    goto fail;

  if (store->test_hook != NULL)
    store->test_hook (store->test_hook_data);
  if (!pm_store_commit (store, error))
    goto fail;
  return run_id;

fail:
  pm_store_rollback (store);
  return 0;
}

/**
 * pm_store_list_drafts:
 * @store: a store
 * @project_id: the project (used when @image_id is 0)
 * @image_id: one image, or 0 for every image of the project whose status is in
 *   @status_flags
 * @status_flags: PM_IMAGE_STATUS_FLAG() bits, 0 for all
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PmDraftInfo): the drafts, by image path and label
 *   position.
 */
GArray *
pm_store_list_drafts (PmStore     *store,
                      gint64       project_id,
                      gint64       image_id,
                      guint        status_flags,
                      GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GArray) drafts = NULL;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  stmt = pm_store_prepare (store,
                           "SELECT d.image_id, d.label_id, d.run_id FROM project_drafts d "
                           "JOIN project_images i ON i.id = d.image_id "
                           "JOIN project_labels l ON l.id = d.label_id "
                           "WHERE CASE WHEN ?1 > 0 THEN d.image_id = ?1 ELSE "
                           "i.project_id = ?2 AND (?3 = 0 OR (?3 >> (CASE i.status "
                           "WHEN 'todo' THEN 0 WHEN 'drafted' THEN 1 WHEN 'reviewed' THEN 2 "
                           "ELSE 3 END)) & 1) END ORDER BY i.path, l.position", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, image_id);
  sqlite3_bind_int64 (stmt, 2, project_id);
  sqlite3_bind_int64 (stmt, 3, status_flags);
  drafts = g_array_new (FALSE, FALSE, sizeof (PmDraftInfo));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PmDraftInfo info = {
        .image_id = sqlite3_column_int64 (stmt, 0),
        .label_id = sqlite3_column_int64 (stmt, 1),
        .run_id = sqlite3_column_int64 (stmt, 2),
      };
      g_array_append_val (drafts, info);
    }
  if (rc != SQLITE_DONE)
    {
      pm_store_set_sqlite_error (store, error, rc, "listing the drafts");
      return NULL;
    }
  return g_steal_pointer (&drafts);
}

/**
 * pm_store_get_draft_mask:
 * @store: a store
 * @run_id: a draft's run (any run works)
 * @error: return location for a #GError
 *
 * The latest revision of the run's mask: its newest correction
 * (pm_store_get_correction_mask()), or when it was never corrected its mask
 * (pm_store_get_run_mask()), thresholded at 0.5 since corrections keep soft edges.
 *
 * Returns: (transfer full): a binary mask (0/1), or %NULL with @error set
 *   (%PM_STORE_ERROR_NOT_FOUND if the run has no mask).
 */
PmMask *
pm_store_get_draft_mask (PmStore     *store,
                         gint64       run_id,
                         GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  PmMask *mask;

  g_return_val_if_fail (store != NULL, NULL);

  mask = pm_store_get_correction_mask (store, run_id, 0, &local_error);
  if (mask == NULL)
    {
      if (!g_error_matches (local_error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      mask = pm_store_get_run_mask (store, run_id, error);
      if (mask == NULL)
        return NULL;
    }
  for (gsize i = 0; i < (gsize) mask->width * mask->height; i++)
    mask->data[i] = mask->data[i] > 0.5f ? 1.0f : 0.0f;
  return mask;
}

/* The project image behind @session_id: 1 if it is one (*@file set), 0 if the session has a
 * stored image, -1 on error. */
int
pm_store_session_project_file (PmStore     *store,
                               gint64       session_id,
                               char       **file,
                               GError     **error)
{
  gint64 image_id = 0;

  if (!pm_store_query_int64 (store, "SELECT coalesce (project_image_id, 0) FROM sessions "
                             "WHERE id = ?1", session_id, &image_id, error))
    {
      if (error != NULL && g_error_matches (*error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND))
        {
          g_clear_error (error);
          g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                       "no session %" G_GINT64_FORMAT " in %s", session_id, store->path);
        }
      return -1;
    }
  if (image_id == 0)
    return 0;
  *file = pm_store_get_project_image_file (store, image_id, error);
  return *file != NULL ? 1 : -1;
}

/**
 * pm_store_render_draft:
 * @store: a store
 * @run_id: a draft's run
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the photo recoloured with the run's colour inside the draft's
 *   current mask, or %NULL with @error set.
 */
PmImage *
pm_store_render_draft (PmStore     *store,
                       gint64       run_id,
                       GError     **error)
{
  g_autoptr(PmRunInfo) run = NULL;
  g_autoptr(PmImage) photo = NULL;
  g_autoptr(PmMask) mask = NULL;
  PmRgb color;

  g_return_val_if_fail (store != NULL, NULL);

  run = pm_store_get_run (store, run_id, error);
  if (run == NULL)
    return NULL;
  if (!pm_color_parse (run->color != NULL ? run->color : PM_COLOR_HIGHLIGHT_HEX, &color))
    pm_color_parse (PM_COLOR_HIGHLIGHT_HEX, &color);
  photo = pm_store_get_session_image (store, run->session_id, error);
  if (photo == NULL)
    return NULL;
  mask = pm_store_get_draft_mask (store, run_id, error);
  if (mask == NULL)
    return NULL;
  if (mask->width != photo->width || mask->height != photo->height)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED,
                   "the photo of run %" G_GINT64_FORMAT " is now %d×%d but its mask is "
                   "%d×%d (was the file replaced?)", run_id, photo->width, photo->height,
                   mask->width, mask->height);
      return NULL;
    }
  return pm_edit_recolor (photo, mask, color, NULL);
}

/**
 * pm_store_get_draft_of_run:
 * @store: a store
 * @run_id: a run
 * @draft: (out) (optional): its image, label and run
 * @error: return location for a #GError
 *
 * Returns: %TRUE if @run_id is the current draft of a project image and label; %FALSE
 *   (with no error) if it is not, or with @error set if the database failed.
 */
gboolean
pm_store_get_draft_of_run (PmStore      *store,
                           gint64        run_id,
                           PmDraftInfo  *draft,
                           GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (store != NULL, FALSE);

  stmt = pm_store_prepare (store, "SELECT image_id, label_id FROM project_drafts "
                           "WHERE run_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      if (draft != NULL)
        {
          draft->image_id = sqlite3_column_int64 (stmt, 0);
          draft->label_id = sqlite3_column_int64 (stmt, 1);
          draft->run_id = run_id;
        }
      return TRUE;
    }
  if (rc != SQLITE_DONE)
    pm_store_set_sqlite_error (store, error, rc, "looking up a draft");
  return FALSE;
}
