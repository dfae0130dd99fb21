/* pm-window-private.h: PmWindow's widgets and state, shared by pm-window.c (the document's
 * view), pm-window-actions.c (actions and keys), pm-window-files.c (opening, paste, drop,
 * import), pm-window-export.c (export) and pm-window-view.c (view settings, engine texts).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-engines.h"
#include "pm-filmstrip.h"
#include "pm-project.h"
#include "pm-run-items.h"
#include "pm-mask-tools.h"
#include "pm-window.h"

G_BEGIN_DECLS

struct _PmWindow
{
  AdwApplicationWindow  parent_instance;

  /* template children */
  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  AdwSplitButton       *open_button;
  GtkToggleButton      *history_button;
  GtkToggleButton      *overlay_button;
  GtkButton            *compare_button;
  AdwFlap              *flap;
  PmHistoryPanel       *history_panel;
  GtkStack             *view_stack;
  GtkScrolledWindow    *canvas_scroller;
  PmCanvas             *canvas;
  GtkRevealer          *progress_revealer;
  GtkLabel             *stage_label;
  GtkProgressBar       *progress_bar;
  GtkRevealer          *status_revealer;
  GtkImage             *status_icon;
  GtkLabel             *status_label;
  GtkLabel             *status_area;
  GtkLabel             *pointer_label;
  GtkLabel             *compare_label;
  GtkWidget            *tools_bar;
  GtkAdjustment        *brush_size_adjustment;
  GtkEntry             *instruction_entry;
  GtkMenuButton        *engine_button;
  GtkBox               *engine_box;
  GtkWidget            *endpoint_menu;   /* PmEndpointMenu, in engine_box */
  GtkColorButton       *color_button;
  GtkToggleButton      *original_button;
  GtkScale             *opacity_scale;
  GtkAdjustment        *opacity_adjustment;
  GtkMenuButton        *zoom_button;
  GMenu                *recent_menu;
  AdwStatusPage        *empty_page;
  GtkBox               *instruction_bar;
  GtkMenuButton        *help_button;
  GtkLabel             *help_label;
  AdwSqueezer          *view_squeezer;
  GtkPopoverMenu       *view_popover;
  GtkRevealer          *dataset_revealer;

  /* owned */
  GSettings            *settings;
  PmEngines            *engines;
  PmDocument           *document;
  GSignalGroup         *document_signals;
  PmRunItems           *run_items;         /* the objects of a run of several */
  PmMaskTools          *tools;
  PmRunEntry           *canvas_entry;      /* borrowed, only compared: the run on the canvas */
  char                 *engine_name;
  GPtrArray            *engine_checks;     /* of GtkCheckButton, in pm_engines_list() order */
  GtkListStore         *completion_store;
  GtkNativeDialog      *dialog;            /* the open file chooser, if any */
  char                 *last_error;
  gboolean              closing;           /* waiting for history writes to close */
  GtkWidget            *filmstrip;         /* PmFilmstrip, in dataset_revealer */
  PmProject            *project;           /* the dataset open for review, if any */
  PmProjectItem        *dataset_item;      /* borrowed, only compared: the image shown */
  PmAppStore           *project_store;     /* the .paintmask file the project is in, if any */
  GCancellable         *resolve_cancellable; /* finding what a path opens as */
  GCancellable         *warm_cancellable;  /* warming the engines for the next image */
};

/* pm-window.c */
void           pm_window_toast             (PmWindow      *self,
                                            const char    *message);
void           pm_window_update_actions    (PmWindow      *self);
void           pm_window_focus_canvas      (PmWindow      *self);

/* pm-window-engines.c */
void           pm_window_init_engines      (PmWindow      *self);
void           pm_window_refresh_engines   (PmWindow      *self);

/* pm-window-status.c */
void           pm_window_show_status       (PmWindow      *self,
                                            PmRunEntry    *entry);

/* pm-window-actions.c */
void           pm_window_init_actions      (PmWindow      *self);
void           pm_window_dispose_actions   (PmWindow      *self);

/* pm-window-tools.c */
void           pm_window_init_tools        (PmWindow      *self);
void           pm_window_dispose_tools     (PmWindow      *self);
void           pm_window_update_tool_actions (PmWindow    *self,
                                            gboolean       result);
gboolean       pm_window_mask_changed      (PmWindow      *self,
                                            const PmRect  *rect);

/* pm-window-view.c */
void           pm_window_init_view         (PmWindow      *self);
void           pm_window_remember_photo    (PmWindow      *self,
                                            GFile         *file);
gboolean       pm_window_is_recent_photo   (GtkRecentInfo *info);
char          *pm_window_escape_mnemonic   (const char    *label);

/* pm-window-export.c */
void           pm_window_init_export       (PmWindow      *self);
char          *pm_window_get_photo_stem    (PmWindow      *self);
void           pm_window_export_action     (GSimpleAction *action,
                                            GVariant      *param,
                                            gpointer       user_data);
void           pm_window_export_session_action (GSimpleAction *action,
                                            GVariant      *param,
                                            gpointer       user_data);

/* pm-window-dataset.c */
void           pm_window_init_dataset      (PmWindow      *self);
void           pm_window_dispose_dataset   (PmWindow      *self);

/* pm-window-files.c */
void           pm_window_init_files        (PmWindow      *self);
GtkFileFilter *pm_window_image_filter      (void);
void           pm_window_track_dialog      (PmWindow      *self,
                                            GtkFileChooserNative *dialog);
void           pm_window_finish_dialog     (PmWindow      *self);
void           pm_window_open_action       (GSimpleAction *action,
                                            GVariant      *param,
                                            gpointer       user_data);
void           pm_window_open_recent_action (GSimpleAction *action,
                                            GVariant      *param,
                                            gpointer       user_data);
void           pm_window_paste_action      (GSimpleAction *action,
                                            GVariant      *param,
                                            gpointer       user_data);
void           pm_window_import_edited_action (GSimpleAction *action,
                                            GVariant      *param,
                                            gpointer       user_data);

G_END_DECLS
