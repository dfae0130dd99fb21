/* pm-fuzz-driver.c: runs a fuzz harness over files without libFuzzer, for the test suite.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `fuzz-NAME FILE_OR_DIR…` feeds each file (each regular file of a folder, in name order)
 * to LLVMFuzzerTestOneInput() once, as libFuzzer does when given files, and prints how many
 * ran. Each input is copied to a buffer of its exact size so that the sanitizers see reads
 * past its end. Arguments starting with '-' (libFuzzer flags) are ignored.
 */
#define G_LOG_DOMAIN "pm-fuzz"

#include "pm-fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static guint
run_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize size = 0;
  GError *error = NULL;
  guint8 *copy;

  if (!g_file_get_contents (path, &contents, &size, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      exit (1);
    }
  copy = g_malloc (MAX (size, 1));
  memcpy (copy, contents, size);
  LLVMFuzzerTestOneInput (copy, size);
  g_free (copy);
  return 1;
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static guint
run_dir (const char *path)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GError *error = NULL;
  GDir *dir = g_dir_open (path, 0, &error);
  const char *name;
  guint n = 0;

  if (dir == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      exit (1);
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_dir_close (dir);
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    if (g_file_test (names->pdata[i], G_FILE_TEST_IS_REGULAR))
      n += run_file (names->pdata[i]);
  return n;
}

int
main (int    argc,
      char **argv)
{
  guint n = 0;

  for (int i = 1; i < argc; i++)
    {
      if (argv[i][0] == '-')
        continue;
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        n += run_dir (argv[i]);
      else
        n += run_file (argv[i]);
    }
  if (n == 0)
    {
      fprintf (stderr, "%s: no inputs\n", argv[0]);
      return 1;
    }
  printf ("%s: %u inputs, no crash\n", argv[0], n);
  return 0;
}
