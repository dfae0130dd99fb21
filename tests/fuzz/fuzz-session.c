/* fuzz-session.c: importing a .paintmask session file (an SQLite database) into a history.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-fuzz.h"
#include "pm-store.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *path = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GError) error = NULL;

  pm_fuzz_init ();
  path = pm_fuzz_write ("in.paintmask", data, size);
  ids = pm_store_import_file (pm_fuzz_store (), path, &error);
  if (ids == NULL)
    g_assert (error != NULL && strchr (error->message, '\n') == NULL);
  return 0;
}
