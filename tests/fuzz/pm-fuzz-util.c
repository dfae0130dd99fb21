/* pm-fuzz-util.c: the scratch folder and input splitting for the fuzz harnesses.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-fuzz"

#include "pm-fuzz.h"
#include "pm-store.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

static char *scratch;

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
              !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            remove_tree (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

static void
remove_scratch (void)
{
  if (scratch != NULL)
    remove_tree (scratch);
  g_clear_pointer (&scratch, g_free);
}

static void
abort_on_log (const char     *domain,
              GLogLevelFlags  level,
              const char     *message,
              gpointer        data)
{
  g_log_default_handler (domain, level, message, data);
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_FLAG_FATAL |
               G_LOG_LEVEL_ERROR))
    abort ();
}

void
pm_fuzz_init (void)
{
  GError *error = NULL;

  if (scratch != NULL)
    return;
  /* Fatal logs end in abort(), not G_BREAKPOINT's SIGTRAP, which libFuzzer would not catch
   * (and so not save the input for). */
  g_log_set_default_handler (abort_on_log, NULL);
  scratch = g_dir_make_tmp ("pm-fuzz-XXXXXX", &error);
  if (scratch == NULL)
    g_error ("Cannot make a scratch folder: %s", error->message);
  atexit (remove_scratch);
}

const char *
pm_fuzz_dir (void)
{
  pm_fuzz_init ();
  return scratch;
}

char *
pm_fuzz_write (const char   *name,
               const guint8 *data,
               gsize         size)
{
  char *path = g_build_filename (pm_fuzz_dir (), name, NULL);
  GError *error = NULL;

  if (!g_file_set_contents (path, (const char *) data, size, &error))
    g_error ("Cannot write %s: %s", path, error->message);
  return path;
}

gsize
pm_fuzz_split (const guint8  *data,
               gsize          size,
               const char    *sep,
               const guint8 **parts,
               gsize         *sizes,
               gsize          max)
{
  gsize sep_len = strlen (sep), n = 0, start = 0;

  g_assert (max > 0);
  for (gsize i = 0; n + 1 < max && sep_len <= size && i <= size - sep_len; )
    {
      if (memcmp (data + i, sep, sep_len) == 0)
        {
          parts[n] = data + start;
          sizes[n] = i - start;
          n++;
          i += sep_len;
          start = i;
        }
      else
        i++;
    }
  parts[n] = data + start;
  sizes[n] = size - start;
  return n + 1;
}

static PmStore *store;
static guint store_uses;

static void
close_store (void)
{
  g_clear_pointer (&store, pm_store_close);
}

PmStore *
pm_fuzz_store (void)
{
  if (store != NULL && ++store_uses % 256 != 0)
    return store;
  if (store == NULL)
    atexit (close_store);
  close_store ();
  {
    g_autofree char *path = g_build_filename (pm_fuzz_dir (), "history.sqlite3", NULL);
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);
    GError *error = NULL;

    g_unlink (path);
    g_unlink (wal);
    g_unlink (shm);
    store = pm_store_open (path, &error);
    if (store == NULL)
      g_error ("Cannot open %s: %s", path, error->message);
  }
  return store;
}
