/* pm-endpoints-page.h: the Remote Servers page of Preferences: the saved servers (add,
 * edit, test, remove) and what every remote run shares (prompt, timeout).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PM_TYPE_ENDPOINTS_PAGE (pm_endpoints_page_get_type ())
G_DECLARE_FINAL_TYPE (PmEndpointsPage, pm_endpoints_page, PM, ENDPOINTS_PAGE, AdwPreferencesPage)

GtkWidget *pm_endpoints_page_new      (GSettings       *settings);
/* Adds a server of @profile (NULL: the default profile) and returns its row. */
GtkWidget *pm_endpoints_page_add      (PmEndpointsPage *self,
                                       const char      *profile);
/* The row of the server called @name (a #PmEndpointRow), or NULL. */
GtkWidget *pm_endpoints_page_get_row  (PmEndpointsPage *self,
                                       const char      *name);

G_END_DECLS
