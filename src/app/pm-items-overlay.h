/* pm-items-overlay.h: the objects of a run of several, each in its own colour, drawn over the
 * canvas.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include "pm-canvas.h"
#include "pm-run-items.h"

G_BEGIN_DECLS

#define PM_TYPE_ITEMS_OVERLAY (pm_items_overlay_get_type ())
G_DECLARE_FINAL_TYPE (PmItemsOverlay, pm_items_overlay, PM, ITEMS_OVERLAY, GtkWidget)

GtkWidget *pm_items_overlay_new (PmRunItems *items,
                                 PmCanvas   *canvas);

G_END_DECLS
