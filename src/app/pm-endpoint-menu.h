/* pm-endpoint-menu.h: the saved remote servers, by name, in the window's engine menu.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PM_TYPE_ENDPOINT_MENU (pm_endpoint_menu_get_type ())
G_DECLARE_FINAL_TYPE (PmEndpointMenu, pm_endpoint_menu, PM, ENDPOINT_MENU, GtkBox)

/* One choice per saved server (remote-endpoints). Choosing one writes
 * remote-endpoint-selected and emits "chosen". */
GtkWidget  *pm_endpoint_menu_new          (GSettings      *settings);
/* The button of the server called @name, for tests. */
GtkWidget  *pm_endpoint_menu_get_button   (PmEndpointMenu *self,
                                           const char     *name);
/* The selected server's name, or NULL when none is saved (transfer full). */
char       *pm_endpoint_menu_dup_selected (PmEndpointMenu *self);
/* The servers' buttons join @group (the engine menu's radio group), so choosing a server
 * is choosing the remote engine. */
void        pm_endpoint_menu_set_group    (PmEndpointMenu *self,
                                           GtkCheckButton *group);
/* Whether the window runs the remote engine: then the selected server's button is the
 * group's active one. */
void        pm_endpoint_menu_set_in_use   (PmEndpointMenu *self,
                                           gboolean        in_use);
/* Re-reads the saved servers now (it also does so by itself when they change). */
void        pm_endpoint_menu_reload       (PmEndpointMenu *self);
/* Whether any server is saved (the menu then stands for "Remote"). */
gboolean    pm_endpoint_menu_has_servers  (PmEndpointMenu *self);

G_END_DECLS
