/* pm-legacy.h: one-time moves of what was kept under the old app ID, org.paintmask.Paintmask.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The app ID before it became io.github.paintmask.Paintmask, and its settings path. */
#define PM_LEGACY_APP_ID "org.paintmask.Paintmask"
#define PM_LEGACY_SETTINGS_PATH "/org/paintmask/Paintmask/"

gboolean pm_legacy_migrate_data_dir (const char  *old_dir,
                                     const char  *new_dir,
                                     GError     **error);
char    *pm_legacy_data_dir         (void);
void     pm_legacy_migrate_user_data (void);
guint    pm_legacy_migrate_settings (GSettings   *legacy,
                                     GSettings   *settings);

G_END_DECLS
