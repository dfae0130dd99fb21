/* pm-test-util.h: helpers shared by the test programs (paths, temp dirs, running the CLI).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

/* Tests that need the shared data folder (../shared, or $PM_SHARED_DIR) or python3 run
 * everywhere those exist. Where one is missing, a test stops with one line naming what: a
 * skip on a developer's machine, a failure in CI (CI=true), which has them all, so that
 * nothing is silently skipped there. */

/* Whether this is a CI run ($CI is "true" or "1", as CI services set it). */
static inline gboolean
pm_test_in_ci (void)
{
  const char *ci = g_getenv ("CI");

  return ci != NULL && (g_ascii_strcasecmp (ci, "true") == 0 || g_str_equal (ci, "1"));
}

/* Ends the current test because @what is missing: skipped outside CI, failed in CI. The
 * caller returns at once. */
static inline void
pm_test_missing (const char *what)
{
  if (pm_test_in_ci ())
    g_test_fail_printf ("missing in CI: %s", what);
  else
    g_test_skip_printf ("missing: %s", what);
}

/* Path under ../shared (PM_SHARED_DIR); the caller frees it. Does not check it exists: see
 * pm_test_have_shared(). */
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

/* TRUE if @relative exists under the shared folder; otherwise ends the test (see
 * pm_test_missing()) and returns FALSE. */
static inline gboolean
pm_test_have_shared (const char *relative)
{
  g_autofree char *path = pm_test_shared_path (relative);
  g_autofree char *what = NULL;

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  what = g_strdup_printf ("%s (the shared data folder; set PM_SHARED_DIR)", path);
  pm_test_missing (what);
  return FALSE;
}

typedef struct {
  GTestFunc   func;
  const char *needs;
} PmTestNeeds;

static inline void
pm_test_needs_run (gconstpointer data)
{
  const PmTestNeeds *needs = data;

  if (pm_test_have_shared (needs->needs) && needs->func != NULL)
    needs->func ();
}

/* g_test_add_func() for a test that needs @needs under the shared folder. */
static inline void
pm_test_add_shared_func (const char *path,
                         const char *needs,
                         GTestFunc   func)
{
  /* Static storage: GLib frees a test's data only when that test runs, so heap data of
   * the tests a "-p" run or a test subprocess leaves out would show up as leaks. */
  static PmTestNeeds pool[64];
  static guint used;
  PmTestNeeds *data;

  g_assert_cmpuint (used, <, G_N_ELEMENTS (pool));
  data = &pool[used++];
  data->func = func;
  data->needs = needs;
  g_test_add_data_func (path, data, pm_test_needs_run);
}

/* For a test program that cannot even start without @needs under the shared folder: when
 * it is missing, registers one test @path that says so (skip, or failure in CI) and returns
 * FALSE; main() then returns g_test_run () at once. */
static inline gboolean
pm_test_program_needs_shared (const char *path,
                              const char *needs)
{
  g_autofree char *full = pm_test_shared_path (needs);

  if (g_file_test (full, G_FILE_TEST_EXISTS))
    return TRUE;
  pm_test_add_shared_func (path, needs, NULL);
  return FALSE;
}

/* TRUE if /usr/bin/python3 runs and imports @modules (comma-separated, e.g. "numpy,torch");
 * otherwise ends the test (see pm_test_missing()) and returns FALSE. */
static inline gboolean
pm_test_have_python (const char *modules)
{
  g_autofree char *code = g_strdup_printf ("import %s", modules);
  const char *argv[] = { "/usr/bin/python3", "-c", code, NULL };
  g_autofree char *what = NULL;
  int status = 0;

  if (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
                    G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL) &&
      g_spawn_check_wait_status (status, NULL))
    return TRUE;
  what = g_strdup_printf ("/usr/bin/python3 with %s (build-aux/install-deps.sh --tests)",
                          modules);
  pm_test_missing (what);
  return FALSE;
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

/* Copies the files @names (@n of them) of the folder @src into @dst, made if missing: a
 * copy, not a link (a model folder's links may not lead out of it). */
static inline void
pm_test_copy_files (const char         *src,
                    const char         *dst,
                    const char * const *names,
                    guint               n)
{
  g_assert_cmpint (g_mkdir_with_parents (dst, 0755), ==, 0);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *from = g_build_filename (src, names[i], NULL);
      g_autofree char *to = g_build_filename (dst, names[i], NULL);
      g_autofree char *contents = NULL;
      GError *error = NULL;
      gsize len;

      g_file_get_contents (from, &contents, &len, &error);
      g_assert_no_error (error);
      g_file_set_contents (to, contents, len, &error);
      g_assert_no_error (error);
    }
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

/* Runs `paintmask ARGS…` (PAINTMASK_BIN) in the folder @cwd (NULL: this one) and returns
 * its exit code; -1 if it died of a signal. @out and @err receive its output (may be NULL).
 * @args is NULL-terminated. */
static inline int
pm_test_run_cli_in (const char         *cwd,
                    const char * const *args,
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

  g_spawn_sync (cwd, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &o, &e, &status, &error);
  g_assert_no_error (error);
  g_ptr_array_free (argv, TRUE);

  if (out) *out = o; else g_free (o);
  if (err) *err = e; else g_free (e);

  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return -1;
}

/* pm_test_run_cli_in() in this folder. */
static inline int
pm_test_run_cli (const char * const *args,
                 char              **out,
                 char              **err)
{
  return pm_test_run_cli_in (NULL, args, out, err);
}

/* Resident kB of this process's mapping(s) of @path (as /proc/self/smaps names it: the
 * real path), −1 if none. */
static inline gint64
pm_test_mapped_rss_kb (const char *path)
{
  g_autofree char *smaps = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean in_file = FALSE;
  gint64 kb = -1;

  if (!g_file_get_contents ("/proc/self/smaps", &smaps, NULL, NULL))
    return -1;
  lines = g_strsplit (smaps, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    {
      const char *l = lines[i];
      /* a mapping's header: "start-end perms offset dev inode [path]" */
      if (g_ascii_isxdigit (l[0]) && strchr (l, '-') != NULL && strchr (l, '-') < strchr (l, ' '))
        in_file = g_str_has_suffix (l, path);
      else if (in_file && g_str_has_prefix (l, "Rss:"))
        kb = MAX (kb, 0) + g_ascii_strtoll (l + 4, NULL, 10);
    }
  return kb;
}
