/* pm-draft-bar.h: a dataset project's Draft All row and its background drafting's progress,
 * pause and stop.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include "pm-project.h"

G_BEGIN_DECLS

#define PM_TYPE_DRAFT_BAR (pm_draft_bar_get_type ())
G_DECLARE_FINAL_TYPE (PmDraftBar, pm_draft_bar, PM, DRAFT_BAR, GtkWidget)

GtkWidget *pm_draft_bar_new             (void);
void       pm_draft_bar_set_project     (PmDraftBar *self,
                                         PmProject  *project);
/* Shows the entry for labels to draft (for a project that has none yet). */
void       pm_draft_bar_set_asks_labels (PmDraftBar *self,
                                         gboolean    asks);

G_END_DECLS
