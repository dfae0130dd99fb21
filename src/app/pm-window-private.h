/* pm-window-private.h: PmWindow's state, shared by pm-window*.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-window.h"

G_BEGIN_DECLS

/* The photo being edited; shared (atomic rc box) with workers that outlive a switch. */
typedef struct {
  PmImage *image;
  char    *path;      /* NULL for pasted photos */
  char    *title;
  gint64   session_id; /* in the history; 0 = not known yet (main thread only) */
} PmPhoto;

/* One run in the window's timeline (atomic rc box). Immutable once loaded, except run_id,
 * which only the main thread sets. */
typedef struct {
  gint64   run_id;    /* 0 until recorded */
  char    *instruction;
  char    *engine;
  PmImage *edited;    /* NULL while not loaded from the history */
  PmMask  *mask;
  PmMask  *soft_mask;
} PmRunEntry;

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
  GtkSearchEntry       *history_search;
  GtkStack             *history_stack;
  AdwStatusPage        *history_status;
  GtkListBox           *session_list;
  GtkListBox           *run_list;
  GtkLabel             *runs_title;
  GtkButton            *history_back_button;
  GtkButton            *delete_session_button;
  GtkStack             *view_stack;
  GtkScrolledWindow    *canvas_scroller;
  PmCanvas             *canvas;
  GtkRevealer          *progress_revealer;
  GtkLabel             *stage_label;
  GtkProgressBar       *progress_bar;
  GtkEntry             *instruction_entry;
  GtkMenuButton        *engine_button;
  GtkBox               *engine_box;
  GtkWidget            *endpoint_menu;   /* PmEndpointMenu, in engine_box */
  GtkColorButton       *color_button;
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

  /* owned */
  GSettings            *settings;
  PmPhoto              *photo;            /* NULL before the first photo */
  GPtrArray            *timeline;         /* of PmRunEntry (refs) */
  int                   position;         /* index into timeline; -1 = the original */
  GCancellable         *run_cancellable;  /* the running run, or NULL */
  char                 *running_instruction;
  guint                 run_serial;       /* bumps on each run; stale callbacks compare */
  guint                 photo_serial;     /* bumps on each photo switch */
  guint                 pending;          /* loads, runs, store calls in flight */
  GHashTable           *engines;          /* name → PmEngine, created on demand */
  GHashTable           *engine_errors;    /* name → why it is unavailable */
  guint                 engine_generation; /* bumps when engine settings change */
  PmEngine             *engine_override;
  char                 *engine_name;
  GtkWidget            *engine_checks[3];
  GtkListStore         *completion_store;
  GtkNativeDialog      *dialog;           /* the open file chooser, if any */
  char                 *last_error;
  gint64                history_session;  /* session shown in the runs page; 0 = list */
  guint                 history_search_serial;
};

extern const char * const pm_window_engine_ids[3];

PmPhoto    *pm_photo_new                 (PmImage       *image,
                                          const char    *path,
                                          const char    *title);
PmPhoto    *pm_photo_ref                 (PmPhoto       *photo);
void        pm_photo_unref               (PmPhoto       *photo);
PmRunEntry *pm_run_entry_new             (void);
PmRunEntry *pm_run_entry_ref             (PmRunEntry    *entry);
void        pm_run_entry_unref           (PmRunEntry    *entry);

/* pm-window.c */
void        pm_window_toast              (PmWindow      *self,
                                          const char    *message);
void        pm_window_error              (PmWindow      *self,
                                          const char    *message);
void        pm_window_set_photo          (PmWindow      *self,
                                          PmPhoto       *photo);
void        pm_window_show_position      (PmWindow      *self,
                                          int            position,
                                          gboolean       animate);
void        pm_window_append_entry       (PmWindow      *self,
                                          PmRunEntry    *entry,
                                          gboolean       animate);
void        pm_window_cancel_run         (PmWindow      *self);
void        pm_window_update_actions     (PmWindow      *self);
PmRunEntry *pm_window_get_entry          (PmWindow      *self);
void        pm_window_hold               (PmWindow      *self);
void        pm_window_release            (PmWindow      *self);
gboolean    pm_window_load_image_async   (PmWindow      *self,
                                          GFile         *file,
                                          GAsyncReadyCallback callback,
                                          gpointer       user_data);
PmImage    *pm_window_load_image_finish  (GAsyncResult  *result,
                                          GError       **error);

/* pm-window-run.c */
void        pm_window_build_engine_popover (PmWindow    *self);
void        pm_window_refresh_engines    (PmWindow      *self);
void        pm_window_engine_settings_changed (PmWindow *self);
char       *pm_rgb_to_hex                (PmRgb          rgb);

/* pm-window-view.c */
void        pm_window_init_view          (PmWindow      *self);
void        pm_window_remember_photo     (PmWindow      *self,
                                          GFile         *file);
gboolean    pm_window_is_recent_photo    (GtkRecentInfo *info);
char       *pm_window_escape_mnemonic    (const char    *label);

/* pm-window-actions.c */
void        pm_window_init_actions       (PmWindow      *self);
void        pm_window_dispose_actions    (PmWindow      *self);
GtkFileFilter *pm_window_image_filter    (void);
void        pm_window_track_dialog       (PmWindow      *self,
                                          GtkFileChooserNative *dialog);
void        pm_window_finish_dialog      (PmWindow      *self);

/* pm-window-export.c (window actions) */
void        pm_window_init_export        (PmWindow      *self);
char       *pm_window_get_photo_stem     (PmWindow      *self);
void        pm_window_export_action      (GSimpleAction *action,
                                          GVariant      *param,
                                          gpointer       user_data);
void        pm_window_export_session_action (GSimpleAction *action,
                                          GVariant      *param,
                                          gpointer       user_data);
void        pm_window_import_edited_action (GSimpleAction *action,
                                          GVariant      *param,
                                          gpointer       user_data);

/* A store call's job: an id (and a second one, or a flag) and a path. */
typedef struct {
  gint64  id;
  gint64  id2;
  char   *path;
} PmIdJob;

/* pm-window-history.c */
PmAppStore *pm_window_get_store          (PmWindow      *self);
gint        pm_window_compare_runs       (gconstpointer  a,
                                          gconstpointer  b);
PmIdJob    *pm_id_job_new                (gint64         id,
                                          const char    *path);
void        pm_id_job_free               (gpointer       data);
void        pm_window_record_run         (PmWindow      *self,
                                          PmRunEntry    *entry,
                                          const char    *params_json,
                                          const char    *timings_json,
                                          const char    *color,
                                          const char    *model,
                                          const char    *message,
                                          gint64         started_at,
                                          double         duration_ms);
void        pm_window_load_entry         (PmWindow      *self,
                                          PmRunEntry    *entry);
void        pm_window_open_session_file  (PmWindow      *self,
                                          GFile         *file);
void        pm_window_export_session     (PmWindow      *self);

/* pm-window-history-list.c */
void        pm_window_init_history       (PmWindow      *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmPhoto, pm_photo_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmRunEntry, pm_run_entry_unref)

G_END_DECLS
