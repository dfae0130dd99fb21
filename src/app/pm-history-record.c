/* pm-history-record.c: the app's calls that write runs and corrections to the history, run
 * in the store's thread (the other calls are in pm-history-jobs.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-history"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-history-jobs.h"
#include "pm-store-record.h"

/* ---------------------------------------------------------------- recording a run */

/**
 * pm_record_request_new:
 * @photo: the photo the run was made on
 * @entry: the run
 * @parent: (nullable): the run whose edit @entry painted over
 *
 * Returns: (transfer full): a request to fill in
 */
PmRecordRequest *
pm_record_request_new (PmPhoto    *photo,
                       PmRunEntry *entry,
                       PmRunEntry *parent)
{
  PmRecordRequest *request = g_new0 (PmRecordRequest, 1);

  request->photo = pm_photo_ref (photo);
  request->entry = pm_run_entry_ref (entry);
  request->parent = parent != NULL ? pm_run_entry_ref (parent) : NULL;
  request->duration_ms = -1;
  return request;
}

/**
 * pm_record_request_take_result:
 * @result: (transfer full): the pipeline's result
 *
 * Records @result. If the entry took its pixels (pm_run_entry_set_result() with the result's
 * buffers stolen), they are read from the entry: no copy of a 12 MP image.
 */
void
pm_record_request_take_result (PmRecordRequest  *request,
                               PmPipelineResult *result)
{
  PmRunEntry *entry = request->entry;

  g_return_if_fail (request->result == NULL);
  request->result = result;
  if (result->edited == NULL && result->mask == NULL && pm_run_entry_is_loaded (entry))
    {
      result->edited = entry->edited;
      result->mask = entry->base;
      result->soft_mask = entry->soft_mask;
      request->borrowed = TRUE;
    }
}

void
pm_record_request_free (PmRecordRequest *request)
{
  if (request == NULL)
    return;
  if (request->borrowed)
    {
      request->result->edited = NULL;
      request->result->mask = NULL;
      request->result->soft_mask = NULL;
    }
  g_clear_pointer (&request->result, pm_pipeline_result_free);
  pm_photo_unref (request->photo);
  pm_run_entry_unref (request->entry);
  g_clear_pointer (&request->parent, pm_run_entry_unref);
  g_clear_error (&request->failure);
  g_free (request->params_json);
  g_free (request);
}

typedef struct {
  gint64 session_id;
  gint64 run_id;
} RecordResult;

/* The app records a run as the CLI does: through pm_store_record_run(). */
static gpointer
record_func (PmStore  *store,
             gpointer  data,
             GError  **error)
{
  PmRecordRequest *request = data;
  PmRunEntry *entry = request->entry;
  PmRunRequest run = { 0 };
  RecordResult result = { 0 };

  run.image = request->photo->image;
  run.source_path = request->photo->path;
  run.parent_run_id = request->parent != NULL ? request->parent->store_run_id : 0;
  run.instruction = entry->instruction;
  run.engine = entry->engine;
  run.params_json = request->params_json;
  run.started_at = request->started_at;
  run.duration_ms = request->duration_ms;
  result.run_id = pm_store_record_run (store, &run, request->result, request->failure,
                                       &result.session_id, error);
  if (result.run_id <= 0)
    return NULL;
  entry->store_run_id = result.run_id;
  return g_memdup2 (&result, sizeof result);
}

/**
 * pm_history_record_run_async:
 * @request: (transfer full): what to record
 *
 * Stores a run with its artifacts in one transaction, finding or making its session.
 */
void
pm_history_record_run_async (PmAppStore          *store,
                             PmRecordRequest     *request,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  pm_app_store_call_async (store, record_func, request,
                           (GDestroyNotify) pm_record_request_free, g_free, NULL,
                           callback, user_data);
}

gboolean
pm_history_record_run_finish (PmAppStore    *store,
                              GAsyncResult  *result,
                              gint64        *session_id,
                              gint64        *run_id,
                              GError       **error)
{
  g_autofree RecordResult *res = pm_app_store_call_finish (store, result, error);

  if (res == NULL)
    return FALSE;
  *session_id = res->session_id;
  *run_id = res->run_id;
  return TRUE;
}

/* ---------------------------------------------------------------- corrections */

typedef struct {
  PmRunEntry   *entry;
  PmRevision   *revision;     /* the state stored (NULL: the run's own mask); gets its id */
  PmRevision   *parent;       /* what it was made from (NULL: the run's own mask) */
  PmSharedMask *mask;
  char         *label;        /* NULL: the revision's */
} CorrectionJob;

static void
correction_job_free (gpointer data)
{
  CorrectionJob *job = data;

  pm_run_entry_unref (job->entry);
  g_clear_pointer (&job->revision, pm_revision_unref);
  g_clear_pointer (&job->parent, pm_revision_unref);
  pm_shared_mask_unref (job->mask);
  g_free (job->label);
  g_free (job);
}

static gpointer
correction_func (PmStore  *store,
                 gpointer  data,
                 GError  **error)
{
  CorrectionJob *job = data;
  gint64 id;

  if (job->entry->store_run_id <= 0)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                   _("The run “%s” is not in the history"), job->entry->instruction);
      return NULL;
    }
  /* Its parent: the revision it was made on, or the run's own mask (-1). An object of a run
   * of several has its own chain (pm_document_set_correction_target()). */
  id = pm_store_add_item_correction (store, job->entry->store_run_id, MAX (job->entry->item, 0),
                                     job->parent != NULL ? job->parent->store_artifact_id : -1,
                                     job->mask->mask,
                                     job->label != NULL ? job->label
                                       : job->revision != NULL ? job->revision->label : NULL,
                                     NULL, error);
  if (id <= 0)
    return NULL;
  if (job->revision != NULL)
    job->revision->store_artifact_id = id;
  return g_memdup2 (&id, sizeof id);
}

/**
 * pm_history_record_correction_async:
 * @entry: the run corrected
 * @revision: the correction
 * @parent: (nullable): the revision it was made on; NULL for the run's own mask
 * @mask: the mask after @revision
 */
void
pm_history_record_correction_async (PmAppStore          *store,
                                    PmRunEntry          *entry,
                                    PmRevision          *revision,
                                    PmRevision          *parent,
                                    PmSharedMask        *mask,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  CorrectionJob *job = g_new0 (CorrectionJob, 1);

  job->entry = pm_run_entry_ref (entry);
  job->revision = pm_revision_ref (revision);
  job->parent = parent != NULL ? pm_revision_ref (parent) : NULL;
  job->mask = pm_shared_mask_ref (mask);
  pm_app_store_call_async (store, correction_func, job, correction_job_free, g_free, NULL,
                           callback, user_data);
}

void
pm_history_record_state_async (PmAppStore          *store,
                               PmRunEntry          *entry,
                               PmRevision          *revision,
                               PmSharedMask        *mask,
                               const char          *label,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  CorrectionJob *job = g_new0 (CorrectionJob, 1);

  job->entry = pm_run_entry_ref (entry);
  job->revision = revision != NULL ? pm_revision_ref (revision) : NULL;
  job->parent = revision != NULL ? pm_revision_ref (revision) : NULL;
  job->mask = pm_shared_mask_ref (mask);
  job->label = g_strdup (label);
  pm_app_store_call_async (store, correction_func, job, correction_job_free, g_free, NULL,
                           callback, user_data);
}

gint64
pm_history_record_correction_finish (PmAppStore    *store,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_autofree gint64 *id = pm_app_store_call_finish (store, result, error);

  return id != NULL ? *id : 0;
}
