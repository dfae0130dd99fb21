/* pm-settings-color.h: a colour setting ("#rrggbb") bound to a widget's GdkRGBA property.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void pm_settings_bind_color (GSettings  *settings,
                             const char *key,
                             gpointer    object,
                             const char *property);

G_END_DECLS
