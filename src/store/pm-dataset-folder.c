/* pm-dataset-folder.c: adding the images of a project's folder (see pm-dataset-batch.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-dataset"

#include <string.h>

#include "pm-dataset-batch.h"

static const char * const image_extensions[] = {
  ".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".gif", NULL
};

static gboolean
is_image_name (const char *name)
{
  const char *dot = strrchr (name, '.');

  for (int i = 0; dot != NULL && image_extensions[i] != NULL; i++)
    if (g_ascii_strcasecmp (dot, image_extensions[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Adds the images under @dir (relative path @rel) to @paths, skipping hidden entries,
 * symbolic links to folders and the folders in @skip. */
static void
scan_folder (const char  *dir,
             const char  *rel,
             GHashTable  *skip,
             GPtrArray   *paths)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  if (handle == NULL)
    return;
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *full = g_build_filename (dir, name, NULL);
      g_autofree char *sub = rel != NULL ? g_strconcat (rel, "/", name, NULL) : g_strdup (name);

      if (name[0] == '.' || g_hash_table_contains (skip, full) ||
          !pm_project_path_check (sub, NULL))
        continue;
      if (g_file_test (full, G_FILE_TEST_IS_DIR))
        {
          if (!g_file_test (full, G_FILE_TEST_IS_SYMLINK))
            scan_folder (full, sub, skip, paths);
        }
      else if (is_image_name (name) && g_file_test (full, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (paths, g_steal_pointer (&sub));
    }
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/**
 * pm_dataset_add_folder:
 * @store: a store
 * @project_id: a project
 * @root: its folder
 * @skip_dirs: (nullable): NULL-terminated folders not to scan
 * @n_added: (out) (optional): how many images were new
 * @error: return location for a #GError
 *
 * Adds the images under @root that the project does not have yet (subfolders included,
 * hidden entries skipped), in one transaction.
 *
 * Returns: %TRUE on success
 */
gboolean
pm_dataset_add_folder (PmStore             *store,
                       gint64               project_id,
                       const char          *root,
                       const char * const  *skip_dirs,
                       guint               *n_added,
                       GError             **error)
{
  g_autoptr(GHashTable) skip = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  guint added = 0;

  g_return_val_if_fail (store != NULL && root != NULL, FALSE);

  for (guint i = 0; skip_dirs != NULL && skip_dirs[i] != NULL; i++)
    g_hash_table_add (skip, g_canonicalize_filename (skip_dirs[i], NULL));
  scan_folder (root, NULL, skip, paths);
  g_ptr_array_sort (paths, compare_strings);
  if (!pm_store_add_project_images (store, project_id, (const char * const *) paths->pdata,
                                    paths->len, &added, error))
    return FALSE;
  if (n_added != NULL)
    *n_added = added;
  return TRUE;
}
