/* pm-history-panel.h: the history side panel: sessions, their runs, restoring and deleting.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include "pm-document.h"

G_BEGIN_DECLS

#define PM_TYPE_HISTORY_PANEL (pm_history_panel_get_type ())
G_DECLARE_FINAL_TYPE (PmHistoryPanel, pm_history_panel, PM, HISTORY_PANEL, GtkWidget)

GtkWidget  *pm_history_panel_new           (void);
void        pm_history_panel_set_document  (PmHistoryPanel *self,
                                            PmDocument     *document);
PmDocument *pm_history_panel_get_document  (PmHistoryPanel *self);
void        pm_history_panel_set_active    (PmHistoryPanel *self,
                                            gboolean        active);
void        pm_history_panel_reload        (PmHistoryPanel *self);
void        pm_history_panel_show_session  (PmHistoryPanel *self,
                                            gint64          session_id);

gboolean    pm_history_panel_is_loading    (PmHistoryPanel *self);

/* For tests: rows and their delete buttons carry the store id as data "pm-id64". */
gint64      pm_history_panel_get_session   (PmHistoryPanel *self);
const char *pm_history_panel_get_page      (PmHistoryPanel *self);
GtkListBox *pm_history_panel_get_session_list (PmHistoryPanel *self);
GtkListBox *pm_history_panel_get_run_list  (PmHistoryPanel *self);
GtkWidget  *pm_history_panel_get_delete_session_button (PmHistoryPanel *self);
/* The toast of the newest deletion still waiting (its Undo button), or NULL. */
AdwToast   *pm_history_panel_get_pending_toast (PmHistoryPanel *self);

G_END_DECLS
