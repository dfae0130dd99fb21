/* pm-model-manager.c: the models the app knows, their status, and downloads, verification
 * and removal in worker threads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GTK-free. Every file system and network call runs in a GTask worker; the manager's state
 * changes only in the main context, which it announces with "changed" (status, task or
 * progress of a model) and "finished" (a task ended, with its error or NULL). Download
 * progress goes through the pipeline's relay (pm_progress_relay_post()): coalesced, and
 * always dispatched from the main loop, never run in the worker.
 */
#define G_LOG_DOMAIN "pm-model-manager"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "pm-model-manager.h"
#include "pm-pipeline.h"

static char task_tag;  /* GTask source tag */

/* ---------------------------------------------------------------- progress */

/* A download's byte count, written by the worker, read in the main context. */
typedef struct {
  GMutex        lock;
  gint64        done, total;
  GWeakRef      manager;
  char         *name;
} Progress;

static void
progress_clear (gpointer data)
{
  Progress *p = data;

  g_mutex_clear (&p->lock);
  g_weak_ref_clear (&p->manager);
  g_free (p->name);
}

static void
progress_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, progress_clear);
}

/* ---------------------------------------------------------------- state */

typedef struct {
  const PmModelSpec *spec;
  PmModelStatus      status;
  char              *detail;       /* why it is incomplete or corrupt */
  char              *error;        /* why the last task failed (not for a cancel), or NULL */
  gboolean           bad_hash;     /* verify failed: corrupt until downloaded or removed */
  char              *bad_detail;   /* what verify found */
  PmModelTask        task;
  GCancellable      *cancellable;
  Progress          *progress;     /* while downloading */
  gint64             done, total;  /* bytes, as last relayed */
} Model;

struct _PmModelManager
{
  GObject     parent_instance;

  char       *models_dir;
  GPtrArray  *models;      /* of Model */
  gboolean    checked;     /* a first status check has finished */
  guint       checking;    /* refreshes in flight */
};

G_DEFINE_FINAL_TYPE (PmModelManager, pm_model_manager, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
model_free (gpointer data)
{
  Model *m = data;

  if (m->cancellable != NULL)
    g_cancellable_cancel (m->cancellable);
  g_clear_object (&m->cancellable);
  g_clear_pointer (&m->progress, progress_unref);
  g_free (m->detail);
  g_free (m->error);
  g_free (m->bad_detail);
  g_free (m);
}

static Model *
find_model (PmModelManager *self,
            const char     *name)
{
  for (guint i = 0; i < self->models->len; i++)
    {
      Model *m = g_ptr_array_index (self->models, i);
      if (g_strcmp0 (m->spec->name, name) == 0)
        return m;
    }
  return NULL;
}

static void
emit_changed (PmModelManager *self,
              Model          *m)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, m->spec->name);
}

/* ---------------------------------------------------------------- workers */

typedef struct {
  const PmModelSpec *spec;
  char              *dir;
  PmModelTask        task;
  Progress          *progress;   /* downloads only */
  PmProgressRelay   *relay;      /* downloads only: to the main context */
  gint64            *before;     /* bytes of the files before file i (downloads only) */
} Job;

typedef struct {
  PmModelStatus status;
  char         *detail;
  GError       *error;       /* the task's failure, or NULL */
} Outcome;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_free (job->dir);
  g_clear_pointer (&job->progress, progress_unref);
  g_clear_pointer (&job->relay, pm_progress_relay_unref);
  g_free (job->before);
  g_free (job);
}

static void
outcome_free (gpointer data)
{
  Outcome *o = data;

  g_free (o->detail);
  g_clear_error (&o->error);
  g_free (o);
}

/* In the main context (the relay's function): the newest byte count reaches the model. */
static void
progress_main_cb (const char *stage,
                  double      fraction,
                  gpointer    data)
{
  Progress *p = data;
  g_autoptr(PmModelManager) self = g_weak_ref_get (&p->manager);
  gint64 done, total;
  Model *m;

  g_mutex_lock (&p->lock);
  done = p->done;
  total = p->total;
  g_mutex_unlock (&p->lock);

  if (self == NULL || (m = find_model (self, p->name)) == NULL || m->progress != p)
    return;
  m->done = done;
  m->total = total;
  emit_changed (self, m);
}

/* In the worker: the bytes of the whole model done so far, relayed once per queue slot. */
static void
download_progress_cb (const char *file,
                      int         file_index,
                      int         n_files,
                      gint64      done,
                      gint64      total,
                      gpointer    user_data)
{
  Job *job = user_data;
  Progress *p = job->progress;
  double fraction;

  g_mutex_lock (&p->lock);
  p->done = job->before[file_index] + done;
  fraction = p->total > 0 ? (double) p->done / p->total : 0.0;
  g_mutex_unlock (&p->lock);
  pm_progress_relay_post (file, fraction, job->relay);
}

static void
task_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Job *job = task_data;
  Outcome *o = g_new0 (Outcome, 1);

  switch (job->task)
    {
    case PM_MODEL_TASK_DOWNLOADING:
      {
        PmDownloadOptions options = { 0 };

        options.dest_dir = job->dir;
        options.progress = download_progress_cb;
        options.progress_data = job;
        pm_model_download (job->spec, &options, NULL, cancellable, &o->error);
        break;
      }
    case PM_MODEL_TASK_VERIFYING:
      pm_model_verify (job->dir, job->spec, NULL, cancellable, &o->error);
      break;
    case PM_MODEL_TASK_REMOVING:
      pm_model_remove (job->spec, job->dir, &o->error);
      break;
    case PM_MODEL_TASK_CHECKING:
    case PM_MODEL_TASK_NONE:
    default:
      break;
    }
  o->status = pm_model_get_status (job->spec, job->dir, &o->detail);
  g_task_return_pointer (task, o, outcome_free);
}

/* A task's failure as people read it: the file rather than its path and digests, the
 * status rather than the URL. The model's errors start with the file's path
 * ("DIR/config.json: SHA-256 … does not match") or are "HTTP 404 Not Found for URL". */
static char *
describe_failure (const GError *error)
{
  if (g_error_matches (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HASH))
    {
      const char *colon = strstr (error->message, ": ");
      g_autofree char *path = colon ? g_strndup (error->message, colon - error->message) : NULL;
      g_autofree char *name = path ? g_path_get_basename (path) : NULL;

      if (name != NULL)
        return g_strdup_printf (_("%s differs from the published file"), name);
    }
  if (g_error_matches (error, PM_MODEL_ERROR, PM_MODEL_ERROR_NETWORK))
    return g_strdup (_("Cannot reach the download server; check the network connection"));
  if (g_error_matches (error, PM_MODEL_ERROR, PM_MODEL_ERROR_INCOMPLETE))
    return g_strdup (_("The download stopped early; Resume continues it"));
  if (g_error_matches (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HTTP))
    {
      const char *for_url = strstr (error->message, " for ");
      if (for_url != NULL)
        return g_strdup_printf (_("The server answered %.*s"),
                                (int) (for_url - error->message), error->message);
    }
  return g_strdup (error->message);
}

/* Applies what a worker found to @m, main context. */
static void
apply_outcome (Model       *m,
               PmModelTask  task,
               Outcome     *o)
{
  gboolean cancelled = g_error_matches (o->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  gboolean verify_failed = task == PM_MODEL_TASK_VERIFYING && o->error != NULL && !cancelled &&
                           (g_error_matches (o->error, PM_MODEL_ERROR, PM_MODEL_ERROR_HASH) ||
                            g_error_matches (o->error, PM_MODEL_ERROR, PM_MODEL_ERROR_INVALID));

  /* What verify found stands until the files change: a good download, a good verify,
   * removal, or a folder that no longer looks installed. */
  if (verify_failed)
    {
      m->bad_hash = TRUE;
      g_free (m->bad_detail);
      m->bad_detail = describe_failure (o->error);
    }
  else if ((task == PM_MODEL_TASK_VERIFYING && o->error == NULL) ||
           (task == PM_MODEL_TASK_DOWNLOADING && o->error == NULL) ||
           task == PM_MODEL_TASK_REMOVING || o->status != PM_MODEL_STATUS_INSTALLED)
    {
      m->bad_hash = FALSE;
      g_clear_pointer (&m->bad_detail, g_free);
    }

  m->status = o->status;
  g_free (m->detail);
  m->detail = g_steal_pointer (&o->detail);
  if (m->bad_hash && m->status == PM_MODEL_STATUS_INSTALLED)
    {
      m->status = PM_MODEL_STATUS_CORRUPT;
      g_free (m->detail);
      m->detail = g_strdup (m->bad_detail);
    }
  g_clear_pointer (&m->error, g_free);
  if (o->error != NULL && !cancelled && !verify_failed)
    m->error = describe_failure (o->error);
}

static void
task_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  PmModelManager *self = PM_MODEL_MANAGER (source);
  Job *job = g_task_get_task_data (G_TASK (result));
  Outcome *o = g_task_propagate_pointer (G_TASK (result), NULL);
  Model *m = find_model (self, job->spec->name);

  if (job->task == PM_MODEL_TASK_CHECKING)
    {
      self->checking--;
      self->checked = TRUE;
    }
  if (m == NULL || o == NULL)
    {
      g_clear_pointer (&o, outcome_free);
      return;
    }
  /* A status check does not overwrite what a running task will report. */
  if (job->task == PM_MODEL_TASK_CHECKING && m->task != PM_MODEL_TASK_CHECKING &&
      m->task != PM_MODEL_TASK_NONE)
    {
      outcome_free (o);
      return;
    }
  apply_outcome (m, job->task, o);
  m->task = PM_MODEL_TASK_NONE;
  g_clear_object (&m->cancellable);
  g_clear_pointer (&m->progress, progress_unref);
  emit_changed (self, m);
  if (job->task != PM_MODEL_TASK_CHECKING)
    g_signal_emit (self, signals[SIGNAL_FINISHED], 0, m->spec->name, (int) job->task, o->error);
  outcome_free (o);
}

static void
start_task (PmModelManager *self,
            Model          *m,
            PmModelTask     task)
{
  g_autoptr(GTask) gtask = NULL;
  Job *job;

  g_return_if_fail (m->task == PM_MODEL_TASK_NONE || m->task == PM_MODEL_TASK_CHECKING);

  job = g_new0 (Job, 1);
  job->spec = m->spec;
  job->dir = pm_model_manager_get_dir (self, m->spec->name);
  job->task = task;
  m->task = task;
  if (task != PM_MODEL_TASK_CHECKING)
    g_clear_pointer (&m->error, g_free);
  g_clear_object (&m->cancellable);
  m->cancellable = g_cancellable_new ();
  m->done = 0;
  m->total = pm_model_spec_get_download_size (m->spec, NULL);
  if (task == PM_MODEL_TASK_DOWNLOADING)
    {
      Progress *p = g_atomic_rc_box_new0 (Progress);

      g_mutex_init (&p->lock);
      g_weak_ref_init (&p->manager, self);
      p->name = g_strdup (m->spec->name);
      p->total = m->total;
      g_clear_pointer (&m->progress, progress_unref);
      m->progress = p;
      job->progress = g_atomic_rc_box_acquire (p);
      job->relay = pm_progress_relay_new (progress_main_cb, g_atomic_rc_box_acquire (p),
                                          progress_unref);
      job->before = g_new0 (gint64, m->spec->n_files + 1);
      for (int i = 0; i < m->spec->n_files; i++)
        job->before[i + 1] = job->before[i] + MAX (0, m->spec->files[i].size);
    }
  if (task == PM_MODEL_TASK_CHECKING)
    self->checking++;

  gtask = g_task_new (self, m->cancellable, task_done_cb, NULL);
  g_task_set_source_tag (gtask, &task_tag);
  /* The outcome (the folder's new status) matters after a cancel too. */
  g_task_set_check_cancellable (gtask, FALSE);
  g_task_set_task_data (gtask, job, job_free);
  g_task_run_in_thread (gtask, task_thread);
  emit_changed (self, m);
}

/* ---------------------------------------------------------------- public */

/**
 * pm_model_manager_get_n_models:
 *
 * Returns: how many models the manager lists (every model of the registry)
 */
guint
pm_model_manager_get_n_models (PmModelManager *self)
{
  g_return_val_if_fail (PM_IS_MODEL_MANAGER (self), 0);
  return self->models->len;
}

/**
 * pm_model_manager_get_spec:
 * @index: from 0 to the number of models − 1
 *
 * Returns: (transfer none): the model's registry entry
 */
const PmModelSpec *
pm_model_manager_get_spec (PmModelManager *self,
                           guint           index)
{
  g_return_val_if_fail (PM_IS_MODEL_MANAGER (self), NULL);
  g_return_val_if_fail (index < self->models->len, NULL);
  return ((Model *) g_ptr_array_index (self->models, index))->spec;
}

/**
 * pm_model_manager_get_dir:
 * @name: a model's name
 *
 * Returns: (transfer full): the folder the model is installed in
 */
char *
pm_model_manager_get_dir (PmModelManager *self,
                          const char     *name)
{
  g_return_val_if_fail (PM_IS_MODEL_MANAGER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return g_build_filename (self->models_dir, name, NULL);
}

/**
 * pm_model_manager_get_status:
 * @name: a model's name
 *
 * Returns: the status last found (NOT_INSTALLED until the first check ends)
 */
PmModelStatus
pm_model_manager_get_status (PmModelManager *self,
                             const char     *name)
{
  Model *m;

  g_return_val_if_fail (PM_IS_MODEL_MANAGER (self), PM_MODEL_STATUS_NOT_INSTALLED);
  m = find_model (self, name);
  return m != NULL ? m->status : PM_MODEL_STATUS_NOT_INSTALLED;
}

/**
 * pm_model_manager_get_detail:
 * @name: a model's name
 *
 * Returns: (nullable): one line on why the model is incomplete or corrupt
 */
const char *
pm_model_manager_get_detail (PmModelManager *self,
                             const char     *name)
{
  Model *m;

  g_return_val_if_fail (PM_IS_MODEL_MANAGER (self), NULL);
  m = find_model (self, name);
  return m != NULL ? m->detail : NULL;
}

/**
 * pm_model_manager_get_error:
 * @name: a model's name
 *
 * Returns: (nullable): why the model's last download, verification or removal failed, in
 *   words for people (a cancel is not a failure); %NULL once another task starts
 */
const char *
pm_model_manager_get_error (PmModelManager *self,
                            const char     *name)
{
  Model *m;

  g_return_val_if_fail (PM_IS_MODEL_MANAGER (self), NULL);
  m = find_model (self, name);
  return m != NULL ? m->error : NULL;
}

/**
 * pm_model_manager_get_task:
 * @name: a model's name
 *
 * Returns: what the manager is doing with the model
 */
PmModelTask
pm_model_manager_get_task (PmModelManager *self,
                           const char     *name)
{
  Model *m;

  g_return_val_if_fail (PM_IS_MODEL_MANAGER (self), PM_MODEL_TASK_NONE);
  m = find_model (self, name);
  return m != NULL ? m->task : PM_MODEL_TASK_NONE;
}

/**
 * pm_model_manager_get_progress:
 * @name: a model's name
 * @done: (out) (optional): bytes of the model downloaded so far
 * @total: (out) (optional): bytes of the whole model, or -1
 *
 * Returns: the share of a download done, 0..1 (0 when nothing is downloading)
 */
double
pm_model_manager_get_progress (PmModelManager *self,
                               const char     *name,
                               gint64         *done,
                               gint64         *total)
{
  Model *m;

  g_return_val_if_fail (PM_IS_MODEL_MANAGER (self), 0);
  m = find_model (self, name);
  if (done != NULL)
    *done = m != NULL ? m->done : 0;
  if (total != NULL)
    *total = m != NULL ? m->total : -1;
  if (m == NULL || m->task != PM_MODEL_TASK_DOWNLOADING || m->total <= 0)
    return 0;
  return CLAMP ((double) m->done / m->total, 0.0, 1.0);
}

/**
 * pm_model_manager_is_checked:
 *
 * Returns: whether the statuses have been checked at least once
 */
gboolean
pm_model_manager_is_checked (PmModelManager *self)
{
  g_return_val_if_fail (PM_IS_MODEL_MANAGER (self), FALSE);
  return self->checked && self->checking == 0;
}

/**
 * pm_model_manager_refresh:
 *
 * Checks every idle model's folder again (names and sizes, in a worker).
 */
void
pm_model_manager_refresh (PmModelManager *self)
{
  g_return_if_fail (PM_IS_MODEL_MANAGER (self));
  for (guint i = 0; i < self->models->len; i++)
    {
      Model *m = g_ptr_array_index (self->models, i);
      if (m->task == PM_MODEL_TASK_NONE)
        start_task (self, m, PM_MODEL_TASK_CHECKING);
    }
}

static Model *
idle_model (PmModelManager *self,
            const char     *name)
{
  Model *m = find_model (self, name);

  if (m == NULL)
    {
      g_warning ("No model “%s” in the registry", name);
      return NULL;
    }
  if (m->task != PM_MODEL_TASK_NONE && m->task != PM_MODEL_TASK_CHECKING)
    return NULL;
  return m;
}

/**
 * pm_model_manager_download:
 * @name: a model's name
 *
 * Starts downloading the model (resuming unfinished files); "changed" reports progress and
 * "finished" the end. Does nothing while another task runs on the model.
 */
void
pm_model_manager_download (PmModelManager *self,
                           const char     *name)
{
  Model *m;

  g_return_if_fail (PM_IS_MODEL_MANAGER (self));
  if ((m = idle_model (self, name)) != NULL)
    start_task (self, m, PM_MODEL_TASK_DOWNLOADING);
}

/**
 * pm_model_manager_verify:
 * @name: a model's name
 *
 * Checks every file's hash and that the model loads; a failure marks it corrupt.
 */
void
pm_model_manager_verify (PmModelManager *self,
                         const char     *name)
{
  Model *m;

  g_return_if_fail (PM_IS_MODEL_MANAGER (self));
  if ((m = idle_model (self, name)) != NULL)
    start_task (self, m, PM_MODEL_TASK_VERIFYING);
}

/**
 * pm_model_manager_remove:
 * @name: a model's name
 *
 * Deletes the model's files (see pm_model_remove()).
 */
void
pm_model_manager_remove (PmModelManager *self,
                         const char     *name)
{
  Model *m;

  g_return_if_fail (PM_IS_MODEL_MANAGER (self));
  if ((m = idle_model (self, name)) != NULL)
    start_task (self, m, PM_MODEL_TASK_REMOVING);
}

/**
 * pm_model_manager_cancel:
 * @name: a model's name
 *
 * Cancels the model's download or verification; "finished" follows with a
 * %G_IO_ERROR_CANCELLED error. Unfinished files are kept for the next download to resume.
 */
void
pm_model_manager_cancel (PmModelManager *self,
                         const char     *name)
{
  Model *m;

  g_return_if_fail (PM_IS_MODEL_MANAGER (self));
  m = find_model (self, name);
  if (m != NULL && m->cancellable != NULL)
    g_cancellable_cancel (m->cancellable);
}

/**
 * pm_model_manager_cancel_all:
 *
 * Cancels every running task (when the application quits).
 */
void
pm_model_manager_cancel_all (PmModelManager *self)
{
  g_return_if_fail (PM_IS_MODEL_MANAGER (self));
  for (guint i = 0; i < self->models->len; i++)
    {
      Model *m = g_ptr_array_index (self->models, i);
      if (m->cancellable != NULL)
        g_cancellable_cancel (m->cancellable);
    }
}

/* ---------------------------------------------------------------- GObject */

static void
pm_model_manager_finalize (GObject *object)
{
  PmModelManager *self = PM_MODEL_MANAGER (object);

  g_ptr_array_unref (self->models);
  g_free (self->models_dir);
  G_OBJECT_CLASS (pm_model_manager_parent_class)->finalize (object);
}

static void
pm_model_manager_class_init (PmModelManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pm_model_manager_finalize;

  /**
   * PmModelManager::changed:
   * @name: the model
   *
   * The model's status, task or download progress changed.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * PmModelManager::finished:
   * @name: the model
   * @task: the #PmModelTask that ended
   * @error: (nullable): why it failed, or %NULL
   */
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_INT,
                                           G_TYPE_ERROR);
}

static void
pm_model_manager_init (PmModelManager *self)
{
  self->models = g_ptr_array_new_with_free_func (model_free);
}

/**
 * pm_model_manager_new_for_specs:
 * @specs: NULL-terminated models, alive as long as the manager
 * @models_dir: (nullable): where models are installed; %NULL: the default
 *
 * Returns: (transfer full): a manager; the first status check is under way
 */
PmModelManager *
pm_model_manager_new_for_specs (const PmModelSpec * const *specs,
                                const char                *models_dir)
{
  PmModelManager *self = g_object_new (PM_TYPE_MODEL_MANAGER, NULL);

  self->models_dir = models_dir != NULL ? g_strdup (models_dir) : pm_model_get_models_dir ();
  for (int i = 0; specs[i] != NULL; i++)
    {
      Model *m = g_new0 (Model, 1);
      m->spec = specs[i];
      m->status = PM_MODEL_STATUS_NOT_INSTALLED;
      m->total = pm_model_spec_get_download_size (specs[i], NULL);
      g_ptr_array_add (self->models, m);
    }
  pm_model_manager_refresh (self);
  return self;
}

/**
 * pm_model_manager_new:
 * @models_dir: (nullable): where models are installed; %NULL: the default
 *
 * Returns: (transfer full): a manager for every model of the registry
 */
PmModelManager *
pm_model_manager_new (const char *models_dir)
{
  return pm_model_manager_new_for_specs (pm_model_list_known (), models_dir);
}
