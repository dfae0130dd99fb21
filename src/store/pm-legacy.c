/* pm-legacy.c: one-time moves of the settings and data kept under the old app ID.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Paintmask was org.paintmask.Paintmask before it became io.github.paintmask.Paintmask.
 * The history database and the models live in $XDG_DATA_HOME/paintmask, a folder named
 * after the program, not the ID: on the host it does not move. Inside a Flatpak,
 * $XDG_DATA_HOME is the app's own folder (~/.var/app/<ID>/data), which moves with the ID.
 * The settings moved from /org/paintmask/Paintmask/ to /io/github/paintmask/Paintmask/.
 */
#define G_LOG_DOMAIN "paintmask-legacy"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <glib/gi18n.h>

#include "pm-legacy.h"

#define HISTORY_NAME "history.sqlite3"
#define MOVED_NOTE "MOVED-TO-NEW-ID.txt"

static gboolean
move_entry (const char  *old_dir,
            const char  *new_dir,
            const char  *name,
            GError     **error)
{
  g_autofree char *from = g_build_filename (old_dir, name, NULL);
  g_autofree char *to = g_build_filename (new_dir, name, NULL);

  if (g_file_test (to, G_FILE_TEST_EXISTS))
    return TRUE;   /* never overwrite: what is already at the new place wins */
  if (g_rename (from, to) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not move %s to %s: %s"), from, to, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/**
 * pm_legacy_migrate_data_dir:
 * @old_dir: the data folder used under the old ID
 * @new_dir: the data folder used now
 * @error: return location for an error
 *
 * Moves the history database (with its `-wal` and `-shm` files), the models and anything
 * else from @old_dir into @new_dir, once: nothing happens when @old_dir does not exist or
 * when @new_dir already holds a history database. An entry whose name already exists in
 * @new_dir stays where it is. The database file moves last, after its journal files, so an
 * interrupted move is finished by the next call and never separates a database from its
 * write-ahead log. A note in @old_dir says where everything went.
 *
 * Returns: %TRUE when nothing had to move or everything moved
 */
gboolean
pm_legacy_migrate_data_dir (const char  *old_dir,
                            const char  *new_dir,
                            GError     **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autofree char *new_history = NULL;
  g_autofree char *old_history = NULL;
  g_autofree char *note = NULL;
  g_autofree char *note_text = NULL;
  const char *name;

  g_return_val_if_fail (old_dir != NULL && new_dir != NULL, FALSE);

  if (!g_file_test (old_dir, G_FILE_TEST_IS_DIR))
    return TRUE;
  new_history = g_build_filename (new_dir, HISTORY_NAME, NULL);
  old_history = g_build_filename (old_dir, HISTORY_NAME, NULL);
  if (g_file_test (new_history, G_FILE_TEST_EXISTS))
    return TRUE;
  if (g_mkdir_with_parents (new_dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create the folder %s: %s"), new_dir, g_strerror (saved));
      return FALSE;
    }
  dir = g_dir_open (old_dir, 0, error);
  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (g_str_equal (name, HISTORY_NAME) || g_str_equal (name, MOVED_NOTE))
        continue;
      if (!move_entry (old_dir, new_dir, name, error))
        return FALSE;
    }
  if (g_file_test (old_history, G_FILE_TEST_EXISTS)
      && !move_entry (old_dir, new_dir, HISTORY_NAME, error))
    return FALSE;

  note = g_build_filename (old_dir, MOVED_NOTE, NULL);
  note_text = g_strdup_printf ("Paintmask moved its history and models to %s.\n", new_dir);
  if (!g_file_set_contents (note, note_text, -1, NULL))
    g_debug ("Could not write %s", note);
  return TRUE;
}

/**
 * pm_legacy_data_dir:
 *
 * Returns: (transfer full) (nullable): the data folder of the old ID where it can differ
 *   from today's: inside a Flatpak, ~/.var/app/org.paintmask.Paintmask/data/paintmask;
 *   on the host %NULL ($XDG_DATA_HOME/paintmask did not change)
 */
char *
pm_legacy_data_dir (void)
{
  if (g_getenv ("FLATPAK_ID") == NULL)
    return NULL;
  return g_build_filename (g_get_home_dir (), ".var", "app", PM_LEGACY_APP_ID, "data",
                           "paintmask", NULL);
}

/**
 * pm_legacy_migrate_user_data:
 *
 * Runs pm_legacy_migrate_data_dir() from pm_legacy_data_dir() to $XDG_DATA_HOME/paintmask,
 * before anything opens the history. A failure is reported on the log and leaves the old
 * folder untouched in use by nobody: nothing is deleted.
 */
void
pm_legacy_migrate_user_data (void)
{
  g_autofree char *old_dir = pm_legacy_data_dir ();
  g_autofree char *new_dir = NULL;
  g_autoptr(GError) error = NULL;

  if (old_dir == NULL)
    return;
  new_dir = g_build_filename (g_get_user_data_dir (), "paintmask", NULL);
  if (!pm_legacy_migrate_data_dir (old_dir, new_dir, &error))
    g_warning ("%s", error->message);
}

/**
 * pm_legacy_migrate_settings:
 * @legacy: the settings at the old path (schema io.github.paintmask.Paintmask.Legacy at
 *   %PM_LEGACY_SETTINGS_PATH)
 * @settings: the settings at the new path
 *
 * Copies, once, every key the user set at the old path and has not set at the new one
 * (a value out of the key's range is left out), then sets `legacy-settings-migrated`.
 *
 * Returns: how many keys were copied
 */
guint
pm_legacy_migrate_settings (GSettings *legacy,
                            GSettings *settings)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchema) legacy_schema = NULL;
  g_auto(GStrv) keys = NULL;
  guint copied = 0;

  g_return_val_if_fail (G_IS_SETTINGS (legacy) && G_IS_SETTINGS (settings), 0);

  if (g_settings_get_boolean (settings, "legacy-settings-migrated"))
    return 0;
  g_object_get (settings, "settings-schema", &schema, NULL);
  g_object_get (legacy, "settings-schema", &legacy_schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  /* Not g_settings_delay (): it cannot be undone, and @settings is the app's own object. */
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GSettingsSchemaKey) key = g_settings_schema_get_key (schema, keys[i]);
      g_autoptr(GVariant) old_value = NULL;
      g_autoptr(GVariant) new_value = NULL;

      if (!g_settings_schema_has_key (legacy_schema, keys[i]))
        continue;   /* a key the old ID never had (legacy-settings-migrated) */
      old_value = g_settings_get_user_value (legacy, keys[i]);
      new_value = g_settings_get_user_value (settings, keys[i]);
      if (old_value == NULL || new_value != NULL)
        continue;
      if (!g_variant_is_of_type (old_value, g_settings_schema_key_get_value_type (key))
          || !g_settings_schema_key_range_check (key, old_value))
        continue;
      g_settings_set_value (settings, keys[i], old_value);
      copied++;
    }
  g_settings_set_boolean (settings, "legacy-settings-migrated", TRUE);
  return copied;
}
