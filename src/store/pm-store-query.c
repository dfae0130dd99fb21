/* pm-store-query.c: reading the history: sessions, runs and artifacts (their pictures are
 * read by pm-store-pictures.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-store"

#include "pm-maskio.h"
#include "pm-store-private.h"

/* ------------------------------------------------------------------------------------- */
/* Reading                                                                                */
/* ------------------------------------------------------------------------------------- */

void
pm_session_info_free (PmSessionInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->title);
  g_free (info->source_path);
  g_free (info);
}

void
pm_run_info_free (PmRunInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->instruction);
  g_free (info->parsed_json);
  g_free (info->engine);
  g_free (info->model);
  g_free (info->params_json);
  g_free (info->color);
  g_free (info->status);
  g_free (info->error);
  g_free (info->message);
  g_free (info->timings_json);
  g_free (info->result);
  g_free (info->items_json);
  g_free (info);
}

void
pm_artifact_info_free (PmArtifactInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->sha256);
  g_free (info->operation);
  g_free (info);
}

/* A dataset image's session has no images row: its path and size come from the project. */
#define SESSION_COLUMNS \
  "s.id, coalesce (s.image_id, 0), s.title, " \
  "coalesce (i.source_path, p.root || '/' || pi.path), coalesce (i.width, pi.width, 0), " \
  "coalesce (i.height, pi.height, 0), s.created_at, " \
  "s.updated_at, (SELECT count(*) FROM runs r WHERE r.session_id = s.id) " \
  "FROM sessions s LEFT JOIN images i ON i.id = s.image_id " \
  "LEFT JOIN project_images pi ON pi.id = s.project_image_id " \
  "LEFT JOIN projects p ON p.id = pi.project_id "

static PmSessionInfo *
session_from_row (sqlite3_stmt *stmt)
{
  PmSessionInfo *info = g_new0 (PmSessionInfo, 1);

  info->id = sqlite3_column_int64 (stmt, 0);
  info->image_id = sqlite3_column_int64 (stmt, 1);
  info->title = pm_store_dup_column (stmt, 2);
  info->source_path = pm_store_dup_column (stmt, 3);
  info->width = sqlite3_column_int (stmt, 4);
  info->height = sqlite3_column_int (stmt, 5);
  info->created_at = sqlite3_column_int64 (stmt, 6);
  info->updated_at = sqlite3_column_int64 (stmt, 7);
  info->n_runs = sqlite3_column_int (stmt, 8);
  return info;
}

#define RUN_COLUMNS \
  "id, session_id, parent_run_id, instruction, parsed, engine, model, params, colour, " \
  "status, error, message, started_at, duration_ms, timings, result, mask_pixels, items, " \
  "coalesce (json_array_length (items), 1) FROM runs "

static PmRunInfo *
run_from_row (sqlite3_stmt *stmt)
{
  PmRunInfo *info = g_new0 (PmRunInfo, 1);

  info->id = sqlite3_column_int64 (stmt, 0);
  info->session_id = sqlite3_column_int64 (stmt, 1);
  info->parent_run_id = sqlite3_column_int64 (stmt, 2);
  info->instruction = pm_store_dup_column (stmt, 3);
  info->parsed_json = pm_store_dup_column (stmt, 4);
  info->engine = pm_store_dup_column (stmt, 5);
  info->model = pm_store_dup_column (stmt, 6);
  info->params_json = pm_store_dup_column (stmt, 7);
  info->color = pm_store_dup_column (stmt, 8);
  info->status = pm_store_dup_column (stmt, 9);
  info->error = pm_store_dup_column (stmt, 10);
  info->message = pm_store_dup_column (stmt, 11);
  info->started_at = sqlite3_column_int64 (stmt, 12);
  info->duration_ms = sqlite3_column_double (stmt, 13);
  info->timings_json = pm_store_dup_column (stmt, 14);
  info->result = pm_store_dup_column (stmt, 15);
  info->mask_pixels = sqlite3_column_type (stmt, 16) == SQLITE_NULL
                      ? -1 : sqlite3_column_int64 (stmt, 16);
  info->items_json = pm_store_dup_column (stmt, 17);
  info->n_items = sqlite3_column_int (stmt, 18);
  return info;
}

typedef gpointer (*RowFunc) (sqlite3_stmt *stmt);

/* Collects every row of @stmt with @func into a new array. */
static GPtrArray *
collect_rows (PmStore        *store,
              sqlite3_stmt   *stmt,
              RowFunc         func,
              GDestroyNotify  free_func,
              GError        **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (free_func);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, func (stmt));
  if (rc != SQLITE_DONE)
    {
      pm_store_set_sqlite_error (store, error, rc, "reading the history");
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/* Reads with @func the one row that @sql (taking @id as ?1) selects; @what names the kind
 * of row in the error. */
static gpointer
get_row_by_id (PmStore     *store,
               const char  *sql,
               gint64       id,
               RowFunc      func,
               const char  *what,
               GError     **error)
{
  g_autofree char *doing = g_strdup_printf ("reading a %s", what);
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = pm_store_query_row (store, sql, id, doing, error,
                             "no %s %" G_GINT64_FORMAT " in %s", what, id, store->path);
  if (stmt == NULL)
    return NULL;
  return func (stmt);
}

/**
 * pm_store_list_sessions:
 * @store: a store
 * @search: (nullable): text to find in the title, the file name or any instruction
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PmSessionInfo): the sessions, most recently
 *   updated first; the sessions of dataset images are listed by their project instead.
 */
GPtrArray *
pm_store_list_sessions (PmStore     *store,
                        const char  *search,
                        GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *pattern = pm_store_like_pattern (search);

  g_return_val_if_fail (store != NULL, NULL);

  stmt = pm_store_prepare (store,
                           "SELECT " SESSION_COLUMNS
                           "WHERE s.project_image_id IS NULL AND "
                           "(?1 IS NULL OR s.title LIKE ?1 ESCAPE '\\' "
                           "OR i.source_path LIKE ?1 ESCAPE '\\' "
                           "OR EXISTS (SELECT 1 FROM runs r WHERE r.session_id = s.id "
                           "           AND r.instruction LIKE ?1 ESCAPE '\\')) "
                           "ORDER BY s.updated_at DESC, s.id DESC", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, pattern, -1, SQLITE_STATIC);
  return collect_rows (store, stmt, (RowFunc) session_from_row,
                       (GDestroyNotify) pm_session_info_free, error);
}

/**
 * pm_store_get_session:
 * @store: a store
 * @session_id: the session
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the session, or %NULL with %PM_STORE_ERROR_NOT_FOUND.
 */
PmSessionInfo *
pm_store_get_session (PmStore     *store,
                      gint64       session_id,
                      GError     **error)
{
  g_return_val_if_fail (store != NULL, NULL);

  return get_row_by_id (store, "SELECT " SESSION_COLUMNS "WHERE s.id = ?1", session_id,
                        (RowFunc) session_from_row, "session", error);
}

/**
 * pm_store_list_runs:
 * @store: a store
 * @session_id: a session, or 0 for all but those of dataset images
 * @search: (nullable): text to find in the instruction or the message (case-insensitive
 *   for ASCII; `%` and `_` match themselves)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PmRunInfo): the runs, oldest first.
 */
GPtrArray *
pm_store_list_runs (PmStore     *store,
                    gint64       session_id,
                    const char  *search,
                    GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *pattern = pm_store_like_pattern (search);

  g_return_val_if_fail (store != NULL, NULL);

  stmt = pm_store_prepare (store,
                           "SELECT " RUN_COLUMNS
                           "WHERE (?1 = 0 AND session_id IN (SELECT id FROM sessions "
                           "WHERE project_image_id IS NULL) OR session_id = ?1) AND (?2 IS NULL "
                           "OR instruction LIKE ?2 ESCAPE '\\' OR message LIKE ?2 ESCAPE '\\') "
                           "ORDER BY started_at, id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, session_id);
  sqlite3_bind_text (stmt, 2, pattern, -1, SQLITE_STATIC);
  return collect_rows (store, stmt, (RowFunc) run_from_row,
                       (GDestroyNotify) pm_run_info_free, error);
}

/**
 * pm_store_get_run:
 * @store: a store
 * @run_id: the run
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the run, or %NULL with %PM_STORE_ERROR_NOT_FOUND.
 */
PmRunInfo *
pm_store_get_run (PmStore     *store,
                  gint64       run_id,
                  GError     **error)
{
  g_return_val_if_fail (store != NULL, NULL);

  return get_row_by_id (store, "SELECT " RUN_COLUMNS "WHERE id = ?1", run_id,
                        (RowFunc) run_from_row, "run", error);
}

static PmArtifactInfo *
artifact_from_row (sqlite3_stmt *stmt)
{
  PmArtifactInfo *info = g_new0 (PmArtifactInfo, 1);
  PmArtifactKind kind = PM_ARTIFACT_EDITED;

  info->id = sqlite3_column_int64 (stmt, 0);
  info->run_id = sqlite3_column_int64 (stmt, 1);
  pm_artifact_kind_from_string ((const char *) sqlite3_column_text (stmt, 2), &kind);
  info->kind = kind;
  info->width = sqlite3_column_int (stmt, 3);
  info->height = sqlite3_column_int (stmt, 4);
  info->png_size = (gsize) sqlite3_column_int64 (stmt, 5);
  info->sha256 = pm_store_dup_column (stmt, 6);
  info->created_at = sqlite3_column_int64 (stmt, 7);
  info->revision = sqlite3_column_int (stmt, 8);
  info->parent_id = sqlite3_column_int64 (stmt, 9);
  info->operation = pm_store_dup_column (stmt, 10);
  info->item = sqlite3_column_int (stmt, 11);
  return info;
}

/**
 * pm_store_list_artifacts:
 * @store: a store
 * @run_id: the run
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PmArtifactInfo): the run's artifacts, oldest
 *   first (empty if it has none), or %NULL with %PM_STORE_ERROR_NOT_FOUND if no such run.
 */
GPtrArray *
pm_store_list_artifacts (PmStore     *store,
                         gint64       run_id,
                         GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (store != NULL, NULL);

  if (!pm_store_check_exists (store, "runs", run_id, error))
    return NULL;
  stmt = pm_store_prepare (store,
                           "SELECT id, run_id, kind, width, height, length (png), sha256, "
                           "created_at, revision, parent_id, operation, item FROM artifacts "
                           "WHERE run_id = ?1 ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, run_id);
  return collect_rows (store, stmt, (RowFunc) artifact_from_row,
                       (GDestroyNotify) pm_artifact_info_free, error);
}
