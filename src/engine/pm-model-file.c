/* pm-model-file.c: the checks every model file passes before it is read.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A model folder comes from the internet: a symbolic link in it could make Paintmask read
 * (and report on) any file of the user's, and a 50 GB "config.json" would be read whole.
 * So each file must be a regular file no larger than its kind's limit, and a link must stay
 * inside the folder — or, for a Hugging Face cache snapshot
 * (…/models--ORG--NAME/snapshots/REV/, whose files link to ../../blobs/), inside that
 * model's cache folder.
 */
#define G_LOG_DOMAIN "pm-model"

#include "pm-model.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

/* TRUE if @path is @root or below it (both canonical). */
static gboolean
path_is_under (const char *path,
               const char *root)
{
  gsize n = strlen (root);

  if (strncmp (path, root, n) != 0)
    return FALSE;
  return path[n] == '\0' || path[n] == G_DIR_SEPARATOR || (n > 0 && root[n - 1] == G_DIR_SEPARATOR);
}

/* The folder links in @dir may point into (canonical, resolved): @dir itself, or the model's
 * cache folder when @dir is a Hugging Face snapshot. */
static char *
allowed_root (const char *dir)
{
  g_autofree char *real = g_canonicalize_filename (dir, NULL);
  g_autofree char *parent = g_path_get_dirname (real);
  g_autofree char *grand = g_path_get_dirname (parent);
  g_autofree char *parent_name = g_path_get_basename (parent);
  g_autofree char *grand_name = g_path_get_basename (grand);
  char *resolved;

  if (g_str_equal (parent_name, "snapshots") && g_str_has_prefix (grand_name, "models--"))
    resolved = realpath (grand, NULL);
  else
    resolved = realpath (real, NULL);
  return resolved != NULL ? resolved : g_steal_pointer (&real);
}

/**
 * pm_model_file_check:
 * @path: a file of a model folder
 * @max_bytes: the largest size accepted for this kind of file
 * @error: return location
 *
 * Refuses, with one line naming @path (%PM_MODEL_ERROR_INVALID), a file that is not a
 * regular file, a symbolic link leading out of its folder, or larger than @max_bytes. A
 * missing file (or a dangling link) passes: its reader reports it in its own words.
 *
 * Returns: %TRUE unless @path must not be read
 */
gboolean
pm_model_file_check (const char  *path,
                     gint64       max_bytes,
                     GError     **error)
{
  GStatBuf st;

  g_return_val_if_fail (path != NULL, FALSE);

  if (g_lstat (path, &st) != 0)
    return TRUE;
  if (S_ISLNK (st.st_mode))
    {
      g_autofree char *dir = g_path_get_dirname (path);
      g_autofree char *root = allowed_root (dir);
      g_autofree char *target = realpath (path, NULL);

      if (target == NULL)
        return TRUE;
      if (!path_is_under (target, root))
        {
          g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_INVALID,
                       "%s is a symbolic link to %s, outside the model folder; refused",
                       path, target);
          return FALSE;
        }
      if (g_stat (path, &st) != 0)
        return TRUE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_INVALID,
                   "%s is not a regular file; refused", path);
      return FALSE;
    }
  if ((gint64) st.st_size > max_bytes)
    {
      g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_INVALID,
                   "%s is %" G_GINT64_FORMAT " bytes, more than the %" G_GINT64_FORMAT
                   " a file of its kind may have; refused", path, (gint64) st.st_size,
                   max_bytes);
      return FALSE;
    }
  return TRUE;
}
