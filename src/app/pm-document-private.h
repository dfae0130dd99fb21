/* pm-document-private.h: PmDocument's state, shared by pm-document.c (photo, timeline, undo),
 * pm-document-run.c (runs, imports), pm-document-mask.c (corrections) and
 * pm-document-history.c (the history store's side).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-document.h"
#include "pm-history-jobs.h"

G_BEGIN_DECLS

struct _PmDocument
{
  GObject        parent_instance;

  PmAppStore    *store;              /* nullable */
  PmPhoto       *photo;              /* NULL before the first photo */
  GPtrArray     *timeline;           /* of PmRunEntry */
  int            position;           /* index into timeline; -1 = the photo itself */
  gboolean       from_original;      /* runs start from the photo, not the edit on screen */
  guint          photo_serial;       /* bumps on each photo switch: stale results compare */

  /* loading */
  GCancellable  *load_cancellable;
  guint          load_serial;

  /* the run */
  GCancellable  *run_cancellable;    /* the running run, or NULL */
  guint          run_serial;
  char          *running_instruction;
  char          *stage;
  double         fraction;

  /* the correction in progress */
  PmRunEntry    *target;             /* an object of the run on screen to correct, or NULL */
  GPtrArray     *items;              /* of PmRunEntry: objects of the run on screen with
                                      * entries of their own, painted over its edit */
  PmMask        *working;            /* NULL when not correcting */
  PmRect         dirty;
  char          *correction_label;

  /* the edit shown for a corrected mask (pm-document-edit.c) */
  PmImage       *shown;              /* NULL: the run's own edit is shown */
  PmImage       *shown_spare;        /* a copy of the run's edit, ready for @shown */
  PmRunEntry    *shown_entry;        /* the run being prepared or shown */
  GCancellable  *lightness_cancellable; /* the preparation in a worker */

  /* bookkeeping */
  guint          pending;            /* jobs and store calls in flight */
  guint          saving;             /* history writes in flight */
  GApplication  *held;               /* held while saving */
  gboolean       notified_undo, notified_redo, notified_busy, notified_saving;
  PmRunEntry    *notified_current;   /* borrowed: only compared */
};

enum {
  PM_DOCUMENT_SIGNAL_RUN_STARTED,
  PM_DOCUMENT_SIGNAL_RUN_FINISHED,
  PM_DOCUMENT_SIGNAL_CURRENT_CHANGED,
  PM_DOCUMENT_SIGNAL_MASK_CHANGED,
  PM_DOCUMENT_SIGNAL_HISTORY_CHANGED,
  PM_DOCUMENT_SIGNAL_MESSAGE,
  PM_DOCUMENT_N_SIGNALS
};

enum {
  PM_DOCUMENT_PROP_0,
  PROP_STORE,
  PROP_PHOTO,
  PROP_TITLE,
  PROP_SESSION_ID,
  PROP_CURRENT_RUN,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  PROP_BUSY,
  PROP_SAVING,
  PROP_RUNNING,
  PROP_STAGE,
  PROP_FRACTION,
  PROP_START_FROM_ORIGINAL,
  PROP_CORRECTING,
  PM_DOCUMENT_N_PROPS
};

extern GParamSpec *pm_document_properties[PM_DOCUMENT_N_PROPS];
extern guint pm_document_signals[PM_DOCUMENT_N_SIGNALS];

/* pm-document-edit.c */
void        pm_document_follow_mask      (PmDocument    *self,
                                          const PmRect  *rect);
void        pm_document_drop_shown       (PmDocument    *self);

/* pm-document.c */
void        pm_document_update_state     (PmDocument    *self);
void        pm_document_hold             (PmDocument    *self);
void        pm_document_release          (PmDocument    *self);
void        pm_document_message          (PmDocument    *self,
                                          const char    *text,
                                          gboolean       is_error);
void        pm_document_show             (PmDocument    *self,
                                          int            position,
                                          gboolean       animate);
void        pm_document_take_photo       (PmDocument    *self,
                                          PmPhoto       *photo);
void        pm_document_replace_timeline (PmDocument    *self,
                                          GPtrArray     *timeline,
                                          int            position);
void        pm_document_append_entry     (PmDocument    *self,
                                          PmRunEntry    *entry);
void        pm_document_emit_mask_changed (PmDocument   *self,
                                          const PmRect  *rect);

/* pm-document-history.c */
void        pm_document_saving_begin     (PmDocument    *self);
void        pm_document_saving_end       (PmDocument    *self);
void        pm_document_record           (PmDocument    *self,
                                          PmRecordRequest *request);
void        pm_document_record_state     (PmDocument    *self,
                                          PmRunEntry    *entry,
                                          const char    *label);
void        pm_document_record_correction (PmDocument   *self,
                                          PmRunEntry    *entry,
                                          PmRevision    *revision);
void        pm_document_load_entry       (PmDocument    *self,
                                          PmRunEntry    *entry);

G_END_DECLS
