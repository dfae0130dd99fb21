/* pm-project-batch.c: drafting a project's images in the background (PmProject's batch:
 * start, pause, cancel, progress; see pm-project.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-project"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-project-private.h"

/* ================================================================ the background batch */

/* One batch run, shared by its thread and the main thread. */
typedef struct {
  gint                    ref_count;
  PmProject              *self;        /* owned: the project outlives its batch */
  char                   *db_path;
  char                   *root;
  char                  **labels;
  char                   *engine;
  PmEngineOptions         engine_options;
  PmDatasetBatchControl  *control;
  PmDatasetBatchReport    report;
  GError                 *error;
} BatchRun;

static BatchRun *
batch_run_ref (BatchRun *run)
{
  g_atomic_int_inc (&run->ref_count);
  return run;
}

static void
batch_run_unref (BatchRun *run)
{
  if (!g_atomic_int_dec_and_test (&run->ref_count))
    return;
  g_object_unref (run->self);
  g_free (run->db_path);
  g_free (run->root);
  g_strfreev (run->labels);
  g_free (run->engine);
  pm_engine_options_clear (&run->engine_options);
  pm_dataset_batch_control_free (run->control);
  pm_dataset_batch_report_clear (&run->report);
  g_clear_error (&run->error);
  g_free (run);
}

typedef struct {
  BatchRun *run;
  guint     done;
  guint     total;
  gboolean  planned;
} BatchProgress;

static void
batch_progress_free (gpointer data)
{
  BatchProgress *progress = data;

  batch_run_unref (progress->run);
  g_free (progress);
}

/* Main thread: the numbers of an image finished (or of the plan). */
static gboolean
batch_progress_main (gpointer data)
{
  BatchProgress *progress = data;
  PmProject *self = progress->run->self;

  if (self->control != progress->run->control)
    return G_SOURCE_REMOVE;
  self->batch_total = progress->total;
  self->batch_done = progress->done;
  pm_project_emit_batch_changed (self);
  /* New images of the folder and the finished drafts show up in the list. */
  pm_project_refresh (self);
  return G_SOURCE_REMOVE;
}

static void
batch_post_progress (BatchRun *run,
                     guint     done,
                     guint     total)
{
  BatchProgress *progress = g_new0 (BatchProgress, 1);

  progress->run = batch_run_ref (run);
  progress->done = done;
  progress->total = total;
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, batch_progress_main, progress,
                              batch_progress_free);
}

static void
batch_planned_cb (guint    n_to_draft,
                  guint    n_skipped,
                  guint    n_added,
                  gpointer user_data)
{
  batch_post_progress (user_data, 0, n_to_draft);
}

static void
batch_image_done_cb (const char *path,
                     const char *error,
                     guint       done,
                     guint       total,
                     gpointer    user_data)
{
  batch_post_progress (user_data, done, total);
}

static char *
batch_summary (BatchRun *run)
{
  PmDatasetBatchReport *r = &run->report;

  if (run->error != NULL)
    return g_strdup_printf (_("Drafting stopped: %s"), run->error->message);
  if (r->cancelled)
    return g_strdup_printf (_("Drafting cancelled after %u of %u images"), r->n_done,
                            r->n_to_draft);
  if (r->failures->len > 0)
    return g_strdup_printf (_("Drafted %u images; %u failed (first: %s)"),
                            r->n_done - r->failures->len, r->failures->len,
                            (const char *) r->failures->pdata[0]);
  return g_strdup_printf (_("Drafted %u images (%u already done)"), r->n_done, r->n_skipped);
}

static gboolean
batch_finished_main (gpointer data)
{
  BatchRun *run = data;
  PmProject *self = run->self;
  g_autofree char *summary = batch_summary (run);

  if (self->control == run->control)
    self->control = NULL;
  pm_project_emit_batch_changed (self);
  pm_project_emit_batch_finished (self, summary);
  if (self->id > 0)
    pm_project_refresh (self);
  return G_SOURCE_REMOVE;
}

/* The batch's thread: a connection of its own (SQLite in WAL mode lets the app's store
 * thread read and write beside it). */
static gpointer
batch_thread (gpointer data)
{
  BatchRun *run = data;
  PmDatasetBatchOptions options = { 0 };
  PmDatasetBatchCallbacks callbacks = { batch_planned_cb, batch_image_done_cb };
  PmStore *store = pm_store_open (run->db_path, &run->error);

  if (store != NULL)
    {
      options.root = run->root;
      options.labels = (const char * const *) run->labels;
      options.engine = run->engine;
      options.engine_options = &run->engine_options;
      options.jobs = 1;
      pm_dataset_batch_run (store, &options, &callbacks, run, run->control, &run->report,
                            &run->error);
      pm_store_close (store);
    }
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, batch_finished_main, run,
                              (GDestroyNotify) batch_run_unref);
  return NULL;
}

/**
 * pm_project_start_batch:
 * @labels: (nullable) (array zero-terminated=1): the labels to draft; NULL: the project's
 * @engine: (nullable): the engine for them; NULL: each label's own
 * @options: (nullable): engine options (the model folder and threads are used)
 * @error: return location for a #GError
 *
 * Drafts every image of the project that lacks a draft of one of @labels, one image at a
 * time, on a thread of its own; ::batch-changed reports progress and ::batch-finished the
 * end. Finished images can be reviewed meanwhile.
 *
 * Returns: %FALSE with @error if a batch runs already or the project has no label
 */
gboolean
pm_project_start_batch (PmProject              *self,
                        const char * const     *labels,
                        const char             *engine,
                        const PmEngineOptions  *options,
                        GError                **error)
{
  BatchRun *run;
  GThread *thread;

  g_return_val_if_fail (PM_IS_PROJECT (self), FALSE);
  g_return_val_if_fail (self->id > 0, FALSE);

  if (self->control != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, _("The project is being drafted already"));
      return FALSE;
    }
  if ((labels == NULL || labels[0] == NULL) && self->labels->len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The project has no label to draft: name one"));
      return FALSE;
    }
  run = g_new0 (BatchRun, 1);
  run->ref_count = 2;   /* the thread's, and its end on the main thread */
  run->self = g_object_ref (self);
  run->db_path = pm_app_store_get_path (self->store) != NULL
                 ? g_strdup (pm_app_store_get_path (self->store)) : pm_store_default_path ();
  run->root = g_strdup (self->root);
  run->labels = labels != NULL && labels[0] != NULL ? g_strdupv ((char **) labels) : NULL;
  run->engine = g_strdup (engine);
  if (options != NULL)
    {
      run->engine_options.model_dir = g_strdup (options->model_dir);
      run->engine_options.threads = options->threads;
    }
  run->control = pm_dataset_batch_control_new ();
  pm_dataset_batch_report_init (&run->report);
  self->control = run->control;
  self->batch_done = 0;
  self->batch_total = 0;
  thread = g_thread_new ("dataset-batch", batch_thread, run);
  g_thread_unref (thread);
  /* The thread's finishing idle drops the second reference. */
  batch_run_unref (run);
  pm_project_emit_batch_changed (self);
  return TRUE;
}

void
pm_project_pause_batch (PmProject *self,
                        gboolean   paused)
{
  g_return_if_fail (PM_IS_PROJECT (self));

  if (self->control == NULL)
    return;
  pm_dataset_batch_control_pause (self->control, paused);
  pm_project_emit_batch_changed (self);
}

void
pm_project_cancel_batch (PmProject *self)
{
  g_return_if_fail (PM_IS_PROJECT (self));

  if (self->control != NULL)
    pm_dataset_batch_control_cancel (self->control);
}

gboolean
pm_project_get_batch_running (PmProject *self)
{
  g_return_val_if_fail (PM_IS_PROJECT (self), FALSE);
  return self->control != NULL;
}

gboolean
pm_project_get_batch_paused (PmProject *self)
{
  g_return_val_if_fail (PM_IS_PROJECT (self), FALSE);
  return self->control != NULL && pm_dataset_batch_control_get_paused (self->control);
}

void
pm_project_get_batch_progress (PmProject *self,
                               guint     *done,
                               guint     *total)
{
  g_return_if_fail (PM_IS_PROJECT (self));
  *done = self->batch_done;
  *total = self->batch_total;
}
