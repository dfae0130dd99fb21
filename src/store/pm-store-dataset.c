/* pm-store-dataset.c: dataset projects: their folders and labels, and the checks of names
 * and paths.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A project's images (rows, statuses, previews) are in pm-store-images.c, their drafts (the
 * masks) in pm-store-draft.c. Names and paths are checked here, at the store's door,
 * because they end up in file names (`<stem>_<label>.png`) and in paths joined to the
 * project root: a label "../x" or an image path "/etc/passwd" never gets in.
 */
#define G_LOG_DOMAIN "pm-store"

#include <string.h>

#include "pm-store-dataset.h"
#include "pm-store-private.h"

static const char * const status_names[] = {
  [PM_IMAGE_STATUS_TODO] = "todo",
  [PM_IMAGE_STATUS_DRAFTED] = "drafted",
  [PM_IMAGE_STATUS_REVIEWED] = "reviewed",
  [PM_IMAGE_STATUS_REJECTED] = "rejected",
};

/* ------------------------------------------------------------------------------------- */
/* Names, paths and statuses                                                              */
/* ------------------------------------------------------------------------------------- */

/**
 * pm_image_status_to_string:
 * @status: a status
 *
 * Returns: (transfer none): "todo", "drafted", "reviewed" or "rejected".
 */
const char *
pm_image_status_to_string (PmImageStatus status)
{
  g_return_val_if_fail ((guint) status < G_N_ELEMENTS (status_names), "todo");
  return status_names[status];
}

/**
 * pm_image_status_from_string:
 * @str: a status name (ASCII case is ignored)
 * @status: (out): the status
 *
 * Returns: %TRUE if @str names a status.
 */
gboolean
pm_image_status_from_string (const char    *str,
                             PmImageStatus *status)
{
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (status_names); i++)
    if (g_ascii_strcasecmp (str, status_names[i]) == 0)
      {
        *status = (PmImageStatus) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * pm_image_status_parse_set:
 * @str: one status or several separated by commas ("drafted,reviewed")
 * @flags: (out): PM_IMAGE_STATUS_FLAG() bits
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success; %FALSE with %PM_STORE_ERROR_INVALID naming the unknown word.
 */
gboolean
pm_image_status_parse_set (const char  *str,
                           guint       *flags,
                           GError     **error)
{
  g_auto(GStrv) words = g_strsplit (str != NULL ? str : "", ",", -1);
  guint set = 0;

  for (guint i = 0; words[i] != NULL; i++)
    {
      PmImageStatus status;

      if (!pm_image_status_from_string (g_strstrip (words[i]), &status))
        {
          g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID,
                       "unknown status '%s' (expected todo, drafted, reviewed or rejected)",
                       words[i]);
          return FALSE;
        }
      set |= PM_IMAGE_STATUS_FLAG (status);
    }
  if (set == 0)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID, "no status given");
      return FALSE;
    }
  *flags = set;
  return TRUE;
}

static gboolean
has_control_char (const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    if (*p < 0x20 || *p == 0x7f)
      return TRUE;
  return FALSE;
}

/**
 * pm_label_name_check:
 * @name: a label name
 * @error: return location for a #GError
 *
 * Returns: %TRUE if @name can be a label (and so a part of a file name); %FALSE with
 *   %PM_STORE_ERROR_INVALID saying why otherwise.
 */
gboolean
pm_label_name_check (const char  *name,
                     GError     **error)
{
  const char *fault = NULL;

  if (name == NULL || *name == '\0')
    fault = "is empty";
  else if (!g_utf8_validate (name, -1, NULL))
    fault = "is not valid UTF-8";
  else if (strlen (name) > 200)
    fault = "is longer than 200 bytes";
  else if (strchr (name, '/') != NULL || strchr (name, '\\') != NULL)
    fault = "contains a slash (labels become file names)";
  else if (has_control_char (name))
    fault = "contains a control character";
  else if (g_str_equal (name, ".") || g_str_equal (name, ".."))
    fault = "is not a usable file name";
  if (fault == NULL)
    return TRUE;
  if (name != NULL && g_utf8_validate (name, -1, NULL) && !has_control_char (name))
    g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID, "label '%s' %s", name, fault);
  else
    g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID, "a label %s", fault);
  return FALSE;
}

/**
 * pm_project_path_check:
 * @path: a path meant to be relative to a project root
 * @error: return location for a #GError
 *
 * Returns: %TRUE if @path stays inside the root; %FALSE with %PM_STORE_ERROR_INVALID.
 */
gboolean
pm_project_path_check (const char  *path,
                       GError     **error)
{
  g_auto(GStrv) parts = NULL;
  const char *fault = NULL;

  if (path == NULL || *path == '\0')
    fault = "is empty";
  else if (!g_utf8_validate (path, -1, NULL))
    fault = "is not valid UTF-8";
  else if (g_path_is_absolute (path) || path[0] == '/' || path[0] == '~')
    fault = "is absolute; it must be relative to the project folder";
  else if (strchr (path, '\\') != NULL || has_control_char (path))
    fault = "contains a backslash or a control character";
  if (fault == NULL)
    {
      parts = g_strsplit (path, "/", -1);
      for (guint i = 0; parts[i] != NULL && fault == NULL; i++)
        if (g_str_equal (parts[i], ".."))
          fault = "leads out of the project folder ('..')";
        else if (parts[i][0] == '\0' || g_str_equal (parts[i], "."))
          fault = "has an empty or '.' component";
    }
  if (fault == NULL)
    return TRUE;
  if (path != NULL && g_utf8_validate (path, -1, NULL) && !has_control_char (path))
    g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID, "path '%s' %s", path, fault);
  else
    g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID, "an image path %s", fault);
  return FALSE;
}

/**
 * pm_label_expand_instruction:
 * @template_: an instruction template such as "segment the {label}"
 * @label: the label name
 *
 * Returns: (transfer full): @template_ with every "{label}" replaced by @label.
 */
char *
pm_label_expand_instruction (const char *template_,
                             const char *label)
{
  g_autoptr(GString) out = g_string_new (template_);

  g_string_replace (out, "{label}", label, 0);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * pm_project_encode_thumbnail:
 * @photo: a project image's photo
 * @error: return location for a #GError
 *
 * Returns: (transfer full): its preview as PNG, for pm_store_set_image_thumbnail() and
 *   #PmDraftRecord, or %NULL with @error set.
 */
GBytes *
pm_project_encode_thumbnail (const PmImage  *photo,
                             GError        **error)
{
  g_autoptr(PmImage) thumb = NULL;

  g_return_val_if_fail (photo != NULL, NULL);
  thumb = pm_store_make_thumbnail (photo);
  return pm_image_encode_png (thumb, error);
}

void
pm_project_info_free (PmProjectInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->root);
  g_free (info->name);
  g_free (info);
}

void
pm_label_info_free (PmLabelInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->instruction);
  g_free (info->engine);
  g_free (info->color);
  g_free (info);
}

void
pm_project_image_free (PmProjectImage *image)
{
  if (image == NULL)
    return;
  g_free (image->path);
  g_free (image->error);
  g_free (image);
}

/* ------------------------------------------------------------------------------------- */
/* Projects                                                                               */
/* ------------------------------------------------------------------------------------- */

static char *
canonical_root (const char *root)
{
  return g_canonicalize_filename (root, NULL);
}

/* The id of the project at @root (canonical), 0 if none, -1 on error. */
static gint64
lookup_project (PmStore     *store,
                const char  *root,
                GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = pm_store_prepare (store,
                                                   "SELECT id FROM projects WHERE root = ?1",
                                                   error);
  int rc;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, root, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  if (rc == SQLITE_DONE)
    return 0;
  pm_store_set_sqlite_error (store, error, rc, "looking up the project");
  return -1;
}

/**
 * pm_store_find_project:
 * @store: a store
 * @root: the project folder
 * @error: return location for a #GError
 *
 * Returns: the project id, or 0 with %PM_STORE_ERROR_NOT_FOUND (or another error).
 */
gint64
pm_store_find_project (PmStore     *store,
                       const char  *root,
                       GError     **error)
{
  g_autofree char *canonical = NULL;
  gint64 id;

  g_return_val_if_fail (store != NULL && root != NULL, 0);

  canonical = canonical_root (root);
  id = lookup_project (store, canonical, error);
  if (id == 0)
    g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                 "%s has no project for folder %s", store->path, canonical);
  return MAX (id, 0);
}

/**
 * pm_store_ensure_project:
 * @store: a store
 * @root: the project folder (made absolute and canonical; it need not exist)
 * @error: return location for a #GError
 *
 * Returns: the id of the project at @root, created if needed, or 0 with @error set.
 */
gint64
pm_store_ensure_project (PmStore     *store,
                         const char  *root,
                         GError     **error)
{
  g_autofree char *canonical = NULL;
  g_autofree char *name = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 id, now = pm_store_now_seconds ();

  g_return_val_if_fail (store != NULL && root != NULL, 0);

  canonical = canonical_root (root);
  if (!g_utf8_validate (canonical, -1, NULL))
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID,
                   "the project folder's name is not valid UTF-8");
      return 0;
    }
  id = lookup_project (store, canonical, error);
  if (id != 0)
    return MAX (id, 0);

  name = g_path_get_basename (canonical);
  if (!pm_store_begin (store, error))
    return 0;
  stmt = pm_store_prepare (store, "INSERT OR IGNORE INTO projects (root, name, created_at, "
                           "updated_at) VALUES (?1, ?2, ?3, ?3)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, canonical, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, now);
  if (!pm_store_step_done (store, stmt, "creating the project", error))
    goto fail;
  /* Another process may have created it meanwhile: read the id back either way. */
  id = lookup_project (store, canonical, error);
  if (id <= 0 || !pm_store_commit (store, error))
    goto fail;
  return id;

fail:
  pm_store_rollback (store);
  return 0;
}

static PmProjectInfo *
project_from_row (sqlite3_stmt *stmt)
{
  PmProjectInfo *info = g_new0 (PmProjectInfo, 1);

  info->id = sqlite3_column_int64 (stmt, 0);
  info->root = pm_store_dup_column (stmt, 1);
  info->name = pm_store_dup_column (stmt, 2);
  info->created_at = sqlite3_column_int64 (stmt, 3);
  info->updated_at = sqlite3_column_int64 (stmt, 4);
  info->n_images = sqlite3_column_int (stmt, 5);
  info->n_labels = sqlite3_column_int (stmt, 6);
  return info;
}

#define PROJECT_COLUMNS \
  "p.id, p.root, p.name, p.created_at, p.updated_at, " \
  "(SELECT count(*) FROM project_images i WHERE i.project_id = p.id), " \
  "(SELECT count(*) FROM project_labels l WHERE l.project_id = p.id) FROM projects p "

/**
 * pm_store_list_projects:
 * @store: a store
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PmProjectInfo): every project, by root.
 */
GPtrArray *
pm_store_list_projects (PmStore     *store,
                        GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  stmt = pm_store_prepare (store, "SELECT " PROJECT_COLUMNS "ORDER BY p.root", error);
  if (stmt == NULL)
    return NULL;
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_project_info_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, project_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      pm_store_set_sqlite_error (store, error, rc, "listing the projects");
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/**
 * pm_store_get_project:
 * @store: a store
 * @project_id: a project
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the project, or %NULL with %PM_STORE_ERROR_NOT_FOUND.
 */
PmProjectInfo *
pm_store_get_project (PmStore     *store,
                      gint64       project_id,
                      GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  stmt = pm_store_prepare (store, "SELECT " PROJECT_COLUMNS "WHERE p.id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, project_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return project_from_row (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                 "no project %" G_GINT64_FORMAT " in %s", project_id, store->path);
  else
    pm_store_set_sqlite_error (store, error, rc, "reading a project");
  return NULL;
}

/* ------------------------------------------------------------------------------------- */
/* Labels                                                                                 */
/* ------------------------------------------------------------------------------------- */

/**
 * pm_store_ensure_label:
 * @store: a store
 * @project_id: the project
 * @name: the label (see pm_label_name_check())
 * @instruction: (nullable): its instruction template; %NULL keeps the stored one (or
 *   %PM_LABEL_DEFAULT_INSTRUCTION for a new label)
 * @engine: (nullable): the engine that drafts it; %NULL keeps the stored one (or
 *   %PM_LABEL_DEFAULT_ENGINE)
 * @error: return location for a #GError
 *
 * Returns: the label id, or 0 with @error set.
 */
gint64
pm_store_ensure_label (PmStore     *store,
                       gint64       project_id,
                       const char  *name,
                       const char  *instruction,
                       const char  *engine,
                       GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 id = 0;

  g_return_val_if_fail (store != NULL, 0);

  if (!pm_label_name_check (name, error))
    return 0;
  if (instruction != NULL && (*instruction == '\0' || !g_utf8_validate (instruction, -1, NULL)))
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID,
                   "the instruction template for label '%s' is empty or not UTF-8", name);
      return 0;
    }
  if (!pm_store_begin (store, error))
    return 0;
  if (!pm_store_check_exists (store, "projects", project_id, error))
    goto fail;
  stmt = pm_store_prepare (store,
                           "INSERT INTO project_labels (project_id, position, name, "
                           "instruction, engine) VALUES (?1, (SELECT coalesce (max (position) "
                           "+ 1, 0) FROM project_labels WHERE project_id = ?1), ?2, "
                           "coalesce (?3, ?5), coalesce (?4, ?6)) "
                           "ON CONFLICT (project_id, name) DO UPDATE SET "
                           "instruction = coalesce (?3, instruction), "
                           "engine = coalesce (?4, engine)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, project_id);
  sqlite3_bind_text (stmt, 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, instruction, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, engine, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, PM_LABEL_DEFAULT_INSTRUCTION, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, PM_LABEL_DEFAULT_ENGINE, -1, SQLITE_STATIC);
  if (!pm_store_step_done (store, stmt, "storing the label", error))
    goto fail;
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = pm_store_prepare (store, "SELECT id FROM project_labels WHERE project_id = ?1 "
                           "AND name = ?2", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, project_id);
  sqlite3_bind_text (stmt, 2, name, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      pm_store_set_sqlite_error (store, error, sqlite3_errcode (store->db),
                                 "reading the label back");
      goto fail;
    }
  id = sqlite3_column_int64 (stmt, 0);
  if (!pm_store_commit (store, error))
    goto fail;
  return id;

fail:
  pm_store_rollback (store);
  return 0;
}

static PmLabelInfo *
label_from_row (sqlite3_stmt *stmt)
{
  PmLabelInfo *info = g_new0 (PmLabelInfo, 1);

  info->id = sqlite3_column_int64 (stmt, 0);
  info->project_id = sqlite3_column_int64 (stmt, 1);
  info->position = sqlite3_column_int (stmt, 2);
  info->name = pm_store_dup_column (stmt, 3);
  info->instruction = pm_store_dup_column (stmt, 4);
  info->engine = pm_store_dup_column (stmt, 5);
  info->color = pm_store_dup_column (stmt, 6);
  return info;
}

/**
 * pm_store_list_labels:
 * @store: a store
 * @project_id: the project
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PmLabelInfo): its labels by position.
 */
GPtrArray *
pm_store_list_labels (PmStore     *store,
                      gint64       project_id,
                      GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  stmt = pm_store_prepare (store, "SELECT id, project_id, position, name, instruction, "
                           "engine, colour FROM project_labels WHERE project_id = ?1 "
                           "ORDER BY position, id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, project_id);
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_label_info_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, label_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      pm_store_set_sqlite_error (store, error, rc, "listing the labels");
      return NULL;
    }
  return g_steal_pointer (&rows);
}
