/* pm-items-panel.h: the objects of a run of several, listed beside the canvas; picking one
 * selects it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include "pm-run-items.h"

G_BEGIN_DECLS

#define PM_TYPE_ITEMS_PANEL (pm_items_panel_get_type ())
G_DECLARE_FINAL_TYPE (PmItemsPanel, pm_items_panel, PM, ITEMS_PANEL, GtkWidget)

GtkWidget *pm_items_panel_new (PmRunItems *items);

G_END_DECLS
