/* pm-history-jobs.h: the app's calls to the history store, each an async/finish pair that
 * runs in the store's thread (PmAppStore) and hands plain results back.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No widgets (GIO only). Jobs copy or reference what they need; nothing here knows the
 * document or a view.
 */
#pragma once

#include "pm-app-store.h"
#include "pm-pipeline.h"
#include "pm-run-entry.h"

G_BEGIN_DECLS

/* ---------------------------------------------------------------- recording a run */

/* What is recorded for one run (finished, failed or imported). The job owns it. */
typedef struct {
  PmPhoto          *photo;
  PmRunEntry       *entry;         /* the run in the timeline (or only in the history) */
  PmRunEntry       *parent;        /* (nullable) the run whose edit it painted over */
  PmPipelineResult *result;        /* (nullable: a failed run) see
                                    * pm_record_request_take_result() */
  gboolean          borrowed;      /* result's edited, mask, soft_mask are @entry's */
  GError           *failure;       /* a failed run's error */
  char             *params_json;
  gint64            started_at;    /* unix µs */
  double            duration_ms;   /* < 0: the result's "total" */
} PmRecordRequest;

PmRecordRequest *pm_record_request_new   (PmPhoto          *photo,
                                          PmRunEntry       *entry,
                                          PmRunEntry       *parent);
void        pm_record_request_free       (PmRecordRequest  *request);
void        pm_record_request_take_result (PmRecordRequest *request,
                                          PmPipelineResult *result);
void        pm_history_record_run_async  (PmAppStore       *store,
                                          PmRecordRequest  *request,
                                          GAsyncReadyCallback callback,
                                          gpointer          user_data);
gboolean    pm_history_record_run_finish (PmAppStore       *store,
                                          GAsyncResult     *result,
                                          gint64           *session_id,
                                          gint64           *run_id,
                                          GError          **error);

/* ---------------------------------------------------------------- corrections */

/* Stores @mask as a corrected_mask artifact of @entry's run, made by @revision from
 * @parent (NULL: from the run's own mask). Returns the artifact id. */
void        pm_history_record_correction_async  (PmAppStore   *store,
                                                 PmRunEntry   *entry,
                                                 PmRevision   *revision,
                                                 PmRevision   *parent,
                                                 PmSharedMask *mask,
                                                 GAsyncReadyCallback callback,
                                                 gpointer      user_data);
/* After an undo or a redo: stores @mask (the run's mask now, i.e. after @revision, or the
 * run's own mask when @revision is NULL) as a corrected_mask made from that state, labelled
 * @label, so the newest stored correction is always what is on screen. @revision then
 * stands for the new artifact. Finish with pm_history_record_correction_finish(). */
void        pm_history_record_state_async       (PmAppStore   *store,
                                                 PmRunEntry   *entry,
                                                 PmRevision   *revision,
                                                 PmSharedMask *mask,
                                                 const char   *label,
                                                 GAsyncReadyCallback callback,
                                                 gpointer      user_data);
gint64      pm_history_record_correction_finish (PmAppStore   *store,
                                                 GAsyncResult *result,
                                                 GError      **error);

/* ---------------------------------------------------------------- restoring */

typedef struct {
  gint64      run_id;
  gint64      session_id;
  PmImage    *image;       /* the session's photo, when it is not the caller's */
  char       *source_path;
  char       *title;
  GPtrArray  *runs;        /* of PmRunInfo, in order; NULL for pm_history_load_run_async() */
  PmResultState state;
  char       *message;
  PmImage    *edited;
  PmMask     *mask;        /* the run's mask */
  PmMask     *soft_mask;
  PmMask     *corrected;   /* the newest correction, or NULL */
  GPtrArray  *revisions;   /* of PmRevision: the stored corrections that lead from @mask to
                            * @corrected, oldest first; NULL if none or unreadable */
} PmRestoreResult;

void        pm_restore_result_free       (PmRestoreResult  *result);
/* The run with its session's run list, and its session's photo unless it is @have_session. */
void        pm_history_restore_async     (PmAppStore       *store,
                                          gint64            run_id,
                                          gint64            have_session,
                                          GAsyncReadyCallback callback,
                                          gpointer          user_data);
/* Only the run's artifacts. */
void        pm_history_load_run_async    (PmAppStore       *store,
                                          gint64            run_id,
                                          GAsyncReadyCallback callback,
                                          gpointer          user_data);
/* Restores @run_id ahead of time for the next restore of it (one kept at a time). */
void        pm_history_prefetch          (PmAppStore       *store,
                                          gint64            run_id);
PmRestoreResult *pm_history_restore_finish (PmAppStore     *store,
                                          GAsyncResult     *result,
                                          GError          **error);
gint        pm_history_compare_runs      (gconstpointer     a,
                                          gconstpointer     b);

/* ---------------------------------------------------------------- lists */

typedef struct {
  GPtrArray *infos;        /* of PmSessionInfo (session_id 0) or PmRunInfo */
  GPtrArray *thumbs;       /* of PmImage or NULL, parallel, small */
  GArray    *states;       /* of PmResultState, parallel (runs only) */
} PmHistoryList;

void        pm_history_list_free         (PmHistoryList    *list);
void        pm_history_list_async        (PmAppStore       *store,
                                          gint64            session_id,
                                          const char       *search,
                                          int               thumb_size,
                                          GAsyncReadyCallback callback,
                                          gpointer          user_data);
PmHistoryList *pm_history_list_finish    (PmAppStore       *store,
                                          GAsyncResult     *result,
                                          GError          **error);

/* ---------------------------------------------------------------- files, deleting */

/* Imports a .paintmask file; *session_id is its first session, *run_id that session's
 * newest run with a result (0 if none). */
void        pm_history_import_file_async (PmAppStore       *store,
                                          const char       *path,
                                          GAsyncReadyCallback callback,
                                          gpointer          user_data);
gboolean    pm_history_import_file_finish (PmAppStore      *store,
                                          GAsyncResult     *result,
                                          gint64           *session_id,
                                          gint64           *run_id,
                                          GError          **error);
void        pm_history_export_session_async (PmAppStore    *store,
                                          gint64            session_id,
                                          const char       *path,
                                          GAsyncReadyCallback callback,
                                          gpointer          user_data);
/* @forget (of PmRunEntry, nullable): runs whose store ids go with the deletion. */
void        pm_history_delete_async      (PmAppStore       *store,
                                          gint64            id,
                                          gboolean          is_session,
                                          GPtrArray        *forget,
                                          GAsyncReadyCallback callback,
                                          gpointer          user_data);
/* For export and delete. */
gboolean    pm_history_call_finish       (PmAppStore       *store,
                                          GAsyncResult     *result,
                                          GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmRecordRequest, pm_record_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmRestoreResult, pm_restore_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmHistoryList, pm_history_list_free)

G_END_DECLS
