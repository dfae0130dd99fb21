/* pm-bar-layout.h: a row layout that keeps its expanding child (the instruction entry) at a
 * usable width and lets an AdwSqueezer child give way first.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PM_TYPE_BAR_LAYOUT (pm_bar_layout_get_type ())
G_DECLARE_FINAL_TYPE (PmBarLayout, pm_bar_layout, PM, BAR_LAYOUT, GtkLayoutManager)

GtkLayoutManager *pm_bar_layout_new (void);

G_END_DECLS
