/* pm-preferences-window.h: preferences kept in GSettings.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include "pm-model-manager.h"

G_BEGIN_DECLS

#define PM_TYPE_PREFERENCES_WINDOW (pm_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (PmPreferencesWindow, pm_preferences_window, PM, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

GtkWindow *pm_preferences_window_new        (GSettings           *settings);
GtkWindow *pm_preferences_window_new_full   (GSettings           *settings,
                                             PmModelManager      *models);
void       pm_preferences_window_show_model (PmPreferencesWindow *self,
                                             const char          *name);
GtkWidget *pm_preferences_window_get_models_page (PmPreferencesWindow *self);

G_END_DECLS
