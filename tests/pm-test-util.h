/* pm-test-util.h: helpers shared by the test programs (paths, temp dirs, running the CLI).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>

/* Path under ../shared (PM_SHARED_DIR); the caller frees it. Skips the test if missing. */
static inline char *
pm_test_shared_path (const char *relative)
{
  const char *dir = g_getenv ("PM_SHARED_DIR");
  char *path;

  if (dir == NULL)
    dir = "../shared";
  path = g_build_filename (dir, relative, NULL);
  return path;
}

/* Path under the source tree (PM_SOURCE_ROOT). */
static inline char *
pm_test_source_path (const char *relative)
{
  const char *dir = g_getenv ("PM_SOURCE_ROOT");
  return g_build_filename (dir != NULL ? dir : ".", relative, NULL);
}

/* A fresh temporary directory; removed by pm_test_rmdir(). */
static inline char *
pm_test_tmpdir (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("paintmask-test-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

static inline void
pm_test_rmdir (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        pm_test_rmdir (path);
      else
        g_unlink (path);
      g_free (path);
    }
  g_dir_close (d);
  g_rmdir (dir);
}

/* Runs `paintmask ARGS…` (PAINTMASK_BIN) and returns its exit code; -1 if it died of a
 * signal. @out and @err receive its output (may be NULL). @args is NULL-terminated. */
static inline int
pm_test_run_cli (const char * const *args,
                 char              **out,
                 char              **err)
{
  const char *bin = g_getenv ("PAINTMASK_BIN");
  GPtrArray *argv = g_ptr_array_new ();
  GError *error = NULL;
  int status = 0;
  char *o = NULL, *e = NULL;

  g_assert_nonnull (bin);
  g_ptr_array_add (argv, (gpointer) bin);
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &o, &e, &status, &error);
  g_assert_no_error (error);
  g_ptr_array_free (argv, TRUE);

  if (out) *out = o; else g_free (o);
  if (err) *err = e; else g_free (e);

  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return -1;
}
