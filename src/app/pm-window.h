/* pm-window.h: the main window: a view of one PmDocument (canvas, history panel,
 * instruction bar, status line).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include "pm-application.h"
#include "pm-canvas.h"
#include "pm-document.h"
#include "pm-history-panel.h"
#include "pm-mask-tools.h"
#include "pm-project.h"

G_BEGIN_DECLS

#define PM_TYPE_WINDOW (pm_window_get_type ())
G_DECLARE_FINAL_TYPE (PmWindow, pm_window, PM, WINDOW, AdwApplicationWindow)

PmWindow      *pm_window_new             (PmApplication *app);
PmWindow      *pm_window_new_for_document (PmApplication *app,
                                           PmDocument    *document);
PmDocument    *pm_window_get_document    (PmWindow      *self);
void           pm_window_open_file       (PmWindow      *self,
                                          GFile         *file);
gboolean       pm_window_has_image       (PmWindow      *self);
void           pm_window_run             (PmWindow      *self,
                                          const char    *instruction);
void           pm_window_reload_history  (PmWindow      *self);
void           pm_window_restore_run     (PmWindow      *self,
                                          gint64         run_id);
void           pm_window_import_edited   (PmWindow      *self,
                                          GFile         *file);
void           pm_window_export_session_to (PmWindow    *self,
                                            const char  *path);
void           pm_window_show_error      (PmWindow      *self,
                                          const char    *message);
void           pm_window_export_to_folder (PmWindow     *self,
                                           const char   *folder);
void           pm_window_open_folder     (PmWindow      *self,
                                          const char    *path);
void           pm_window_open_project    (PmWindow      *self,
                                          const char    *path);
gboolean       pm_window_is_project_path (const char    *path);
const char    *pm_window_get_project_file (PmWindow     *self);
void           pm_window_use_history     (PmWindow      *self);
void           pm_window_set_history_store (PmWindow    *self,
                                            PmAppStore  *store);
PmProject     *pm_window_get_project     (PmWindow      *self);

/* Mostly for tests. */
gboolean       pm_window_is_busy         (PmWindow      *self);
PmCanvas      *pm_window_get_canvas      (PmWindow      *self);
PmHistoryPanel *pm_window_get_history_panel (PmWindow   *self);
PmMaskTools   *pm_window_get_tools       (PmWindow      *self);
const PmImage *pm_window_get_image       (PmWindow      *self);
const PmImage *pm_window_get_edited      (PmWindow      *self);
const PmMask  *pm_window_get_mask        (PmWindow      *self);
gint64         pm_window_get_run_id      (PmWindow      *self);
const char    *pm_window_get_last_error  (PmWindow      *self);
void           pm_window_clear_last_error (PmWindow     *self);
const char    *pm_window_get_status_text (PmWindow      *self);
void           pm_window_set_engine      (PmWindow      *self,
                                          PmEngine      *engine);

G_END_DECLS
