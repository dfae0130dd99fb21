/* pm-window-history.c: PmWindow's run recording and restoring, and .paintmask files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every store call goes through the application's PmAppStore (one connection on one
 * worker thread, calls in order). Jobs copy what they need; results come back to the
 * main thread, where widgets and the timeline are updated.
 */
#define G_LOG_DOMAIN "pm-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-window-private.h"

/* The application's history store, or NULL. */
PmAppStore *
pm_window_get_store (PmWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return app != NULL ? pm_application_get_store (PM_APPLICATION (app)) : NULL;
}


/* Orders PmRunInfo pointers by start time, then id. */
gint
pm_window_compare_runs (gconstpointer a,
                        gconstpointer b)
{
  const PmRunInfo *ra = *(PmRunInfo **) a, *rb = *(PmRunInfo **) b;

  if (ra->started_at != rb->started_at)
    return ra->started_at < rb->started_at ? -1 : 1;
  return ra->id < rb->id ? -1 : ra->id > rb->id;
}

/* ---------------------------------------------------------------- simple calls */

void
pm_id_job_free (gpointer data)
{
  PmIdJob *job = data;

  g_free (job->path);
  g_free (job);
}

PmIdJob *
pm_id_job_new (gint64      id,
               const char *path)
{
  PmIdJob *job = g_new0 (PmIdJob, 1);

  job->id = id;
  job->path = g_strdup (path);
  return job;
}

/* ---------------------------------------------------------------- recording */

typedef struct {
  PmPhoto    *photo;
  PmRunEntry *entry;
  gint64      parent_run_id;
  char       *params_json;
  char       *timings_json;
  char       *color;
  char       *model;
  char       *message;
  gint64      started_at;
  double      duration_ms;
} RecordJob;

typedef struct {
  gint64 session_id;
  gint64 run_id;
} RecordResult;

static void
record_job_free (gpointer data)
{
  RecordJob *job = data;

  pm_photo_unref (job->photo);
  pm_run_entry_unref (job->entry);
  g_free (job->params_json);
  g_free (job->timings_json);
  g_free (job->color);
  g_free (job->model);
  g_free (job->message);
  g_free (job);
}

static gpointer
record_func (PmStore  *store,
             gpointer  data,
             GError  **error)
{
  RecordJob *job = data;
  PmRunRecord record = { 0 };
  RecordResult *res = g_new0 (RecordResult, 1);

  res->session_id = pm_store_ensure_session (store, job->photo->image, job->photo->path, error);
  if (res->session_id <= 0)
    {
      g_free (res);
      return NULL;
    }
  record.session_id = res->session_id;
  record.parent_run_id = job->parent_run_id;
  record.instruction = job->entry->instruction;
  record.engine = job->entry->engine;
  record.model = job->model;
  record.params_json = job->params_json;
  record.color = job->color;
  record.status = "ok";
  record.message = job->message;
  record.started_at = job->started_at;
  record.duration_ms = job->duration_ms;
  record.timings_json = job->timings_json;
  record.edited = job->entry->edited;
  record.soft_mask = job->entry->soft_mask;
  record.derived_mask = job->entry->mask;
  res->run_id = pm_store_add_run (store, &record, error);
  if (res->run_id <= 0)
    {
      g_free (res);
      return NULL;
    }
  return res;
}

typedef struct {
  PmWindow   *self;
  PmPhoto    *photo;
  PmRunEntry *entry;
} RecordCall;

static void
record_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  RecordCall *call = user_data;
  PmWindow *self = call->self;
  g_autoptr(GError) error = NULL;
  RecordResult *res = pm_app_store_call_finish (PM_APP_STORE (source), result, &error);

  pm_window_release (self);
  if (res == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("The run was not saved in the history: %s"),
                                              error->message);
      if (self->timeline != NULL)
        pm_window_error (self, msg);
    }
  else
    {
      call->entry->run_id = res->run_id;
      call->photo->session_id = res->session_id;
      if (self->timeline != NULL)
        {
          if (self->history_session != 0 && self->history_session != res->session_id)
            self->history_session = res->session_id;
          pm_window_update_actions (self);
          pm_window_reload_history (self);
        }
      g_free (res);
    }
  g_object_unref (call->self);
  pm_photo_unref (call->photo);
  pm_run_entry_unref (call->entry);
  g_free (call);
}

void
pm_window_record_run (PmWindow   *self,
                      PmRunEntry *entry,
                      const char *params_json,
                      const char *timings_json,
                      const char *color,
                      const char *model,
                      const char *message,
                      gint64      started_at,
                      double      duration_ms)
{
  PmAppStore *store = pm_window_get_store (self);
  RecordJob *job;
  RecordCall *call;

  if (store == NULL || self->photo == NULL)
    return;

  job = g_new0 (RecordJob, 1);
  job->photo = pm_photo_ref (self->photo);
  job->entry = pm_run_entry_ref (entry);
  if (self->position > 0)
    job->parent_run_id = ((PmRunEntry *) self->timeline->pdata[self->position - 1])->run_id;
  job->params_json = g_strdup (params_json);
  job->timings_json = g_strdup (timings_json);
  job->color = g_strdup (color);
  job->model = g_strdup (model);
  job->message = g_strdup (message);
  job->started_at = started_at;
  job->duration_ms = duration_ms;

  call = g_new0 (RecordCall, 1);
  call->self = g_object_ref (self);
  call->photo = pm_photo_ref (self->photo);
  call->entry = pm_run_entry_ref (entry);
  pm_window_hold (self);
  pm_app_store_call_async (store, record_func, job, record_job_free, g_free, NULL,
                           record_done_cb, call);
}

/* ---------------------------------------------------------------- restoring */

typedef struct {
  gint64     run_id;
  gint64     session_id;      /* the caller's photo session; image loaded if different */
  gboolean   runs_only;       /* load the session's run list and the run's artifacts */
} RestoreJob;

typedef struct {
  gint64     run_id;
  gint64     session_id;
  PmImage   *image;           /* the session photo, when it differs */
  char      *source_path;
  char      *title;
  GPtrArray *runs;            /* of PmRunInfo, in order */
  PmImage   *edited;
  PmMask    *mask;
  PmMask    *soft_mask;
} RestoreResult;

static void
restore_result_free (gpointer data)
{
  RestoreResult *res = data;

  g_clear_pointer (&res->image, pm_image_free);
  g_free (res->source_path);
  g_free (res->title);
  g_clear_pointer (&res->runs, g_ptr_array_unref);
  g_clear_pointer (&res->edited, pm_image_free);
  g_clear_pointer (&res->mask, pm_mask_free);
  g_clear_pointer (&res->soft_mask, pm_mask_free);
  g_free (res);
}

static gpointer
restore_func (PmStore  *store,
              gpointer  data,
              GError  **error)
{
  RestoreJob *job = data;
  RestoreResult *res = g_new0 (RestoreResult, 1);
  g_autoptr(PmRunInfo) info = pm_store_get_run (store, job->run_id, error);

  if (info == NULL)
    goto fail;
  res->run_id = info->id;
  res->session_id = info->session_id;
  res->edited = pm_store_get_artifact_image (store, info->id, PM_ARTIFACT_EDITED, error);
  if (res->edited == NULL)
    goto fail;
  res->mask = pm_store_get_run_mask (store, info->id, error);
  if (res->mask == NULL)
    goto fail;
  res->soft_mask = pm_store_get_artifact_mask (store, info->id, PM_ARTIFACT_SOFT_MASK, NULL);

  if (!job->runs_only)
    {
      res->runs = pm_store_list_runs (store, info->session_id, NULL, error);
      if (res->runs == NULL)
        goto fail;
      g_ptr_array_sort (res->runs, pm_window_compare_runs);
    }
  if (!job->runs_only && info->session_id != job->session_id)
    {
      g_autoptr(GPtrArray) sessions = pm_store_list_sessions (store, NULL, error);

      res->image = pm_store_get_session_image (store, info->session_id, error);
      if (res->image == NULL || sessions == NULL)
        goto fail;
      for (guint i = 0; i < sessions->len; i++)
        {
          PmSessionInfo *s = sessions->pdata[i];
          if (s->id == info->session_id)
            {
              res->source_path = g_strdup (s->source_path);
              res->title = g_strdup (s->title);
            }
        }
    }
  return res;

fail:
  restore_result_free (res);
  return NULL;
}

typedef struct {
  PmWindow   *self;
  guint       photo_serial;
  PmRunEntry *entry;          /* set when loading one timeline entry */
} RestoreCall;

static void
restore_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  RestoreCall *call = user_data;
  PmWindow *self = call->self;
  g_autoptr(GError) error = NULL;
  RestoreResult *res = pm_app_store_call_finish (PM_APP_STORE (source), result, &error);

  pm_window_release (self);
  if (self->timeline == NULL)
    goto out;
  if (res == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("Could not restore the run: %s"), error->message);
      pm_window_error (self, msg);
      goto out;
    }

  if (call->entry != NULL)
    {
      /* One timeline entry was loaded. */
      if (call->entry->edited == NULL)
        {
          call->entry->edited = g_steal_pointer (&res->edited);
          call->entry->mask = g_steal_pointer (&res->mask);
          call->entry->soft_mask = g_steal_pointer (&res->soft_mask);
        }
      if (call->photo_serial == self->photo_serial && pm_window_get_entry (self) == call->entry)
        pm_window_show_position (self, self->position, FALSE);
      goto out;
    }

  if (res->image != NULL)
    {
      g_autofree char *title = res->title ? g_strdup (res->title)
                               : res->source_path ? g_path_get_basename (res->source_path)
                               : g_strdup (_("Untitled"));
      g_autoptr(PmPhoto) photo = pm_photo_new (g_steal_pointer (&res->image), res->source_path,
                                               title);
      photo->session_id = res->session_id;
      pm_window_set_photo (self, photo);
    }
  else if (call->photo_serial != self->photo_serial)
    goto out;

  /* The timeline becomes the session's runs; loaded entries are kept. */
  {
    g_autoptr(GPtrArray) old = g_steal_pointer (&self->timeline);
    int position = -1;

    self->timeline = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_run_entry_unref);
    for (guint i = 0; i < res->runs->len; i++)
      {
        PmRunInfo *info = res->runs->pdata[i];
        PmRunEntry *entry = NULL;

        for (guint j = 0; j < old->len && entry == NULL; j++)
          if (((PmRunEntry *) old->pdata[j])->run_id == info->id)
            entry = pm_run_entry_ref (old->pdata[j]);
        if (entry == NULL)
          {
            entry = pm_run_entry_new ();
            entry->run_id = info->id;
            entry->instruction = g_strdup (info->instruction);
            entry->engine = g_strdup (info->engine);
          }
        if (info->id == res->run_id)
          {
            position = i;
            if (entry->edited == NULL)
              {
                entry->edited = g_steal_pointer (&res->edited);
                entry->mask = g_steal_pointer (&res->mask);
                entry->soft_mask = g_steal_pointer (&res->soft_mask);
              }
          }
        g_ptr_array_add (self->timeline, entry);
      }
    self->position = -1;
    pm_window_show_position (self, position, TRUE);
  }

out:
  if (res != NULL)
    restore_result_free (res);
  g_object_unref (call->self);
  g_clear_pointer (&call->entry, pm_run_entry_unref);
  g_free (call);
}

/**
 * pm_window_restore_run:
 * @run_id: a run in the history
 *
 * Shows the run's edit and mask, switching to its session's photo if needed; undo and redo
 * then move through that session's runs.
 */
void
pm_window_restore_run (PmWindow *self,
                       gint64    run_id)
{
  PmAppStore *store = pm_window_get_store (self);
  RestoreJob *job;
  RestoreCall *call;

  g_return_if_fail (PM_IS_WINDOW (self));
  if (store == NULL)
    return;

  pm_window_cancel_run (self);
  job = g_new0 (RestoreJob, 1);
  job->run_id = run_id;
  job->session_id = self->photo ? self->photo->session_id : -1;
  if (job->session_id == 0)
    job->session_id = -1;
  call = g_new0 (RestoreCall, 1);
  call->self = g_object_ref (self);
  call->photo_serial = self->photo_serial;
  pm_window_hold (self);
  pm_app_store_call_async (store, restore_func, job, g_free, restore_result_free, NULL,
                           restore_done_cb, call);
}

void
pm_window_load_entry (PmWindow   *self,
                      PmRunEntry *entry)
{
  PmAppStore *store = pm_window_get_store (self);
  RestoreJob *job;
  RestoreCall *call;

  if (store == NULL || entry->run_id == 0)
    return;
  job = g_new0 (RestoreJob, 1);
  job->run_id = entry->run_id;
  job->runs_only = TRUE;
  call = g_new0 (RestoreCall, 1);
  call->self = g_object_ref (self);
  call->photo_serial = self->photo_serial;
  call->entry = pm_run_entry_ref (entry);
  pm_window_hold (self);
  pm_app_store_call_async (store, restore_func, job, g_free, restore_result_free, NULL,
                           restore_done_cb, call);
}

/* ---------------------------------------------------------------- .paintmask files */

static gpointer
import_func (PmStore  *store,
             gpointer  data,
             GError  **error)
{
  PmIdJob *job = data;
  g_autoptr(GArray) ids = pm_store_import_file (store, job->path, error);
  g_autoptr(GPtrArray) runs = NULL;
  gint64 *last;

  if (ids == NULL)
    return NULL;
  if (ids->len == 0)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                   _("“%s” holds no session"), job->path);
      return NULL;
    }
  runs = pm_store_list_runs (store, g_array_index (ids, gint64, 0), NULL, error);
  if (runs == NULL)
    return NULL;
  g_ptr_array_sort (runs, pm_window_compare_runs);
  last = g_new0 (gint64, 2);
  last[0] = g_array_index (ids, gint64, 0);
  last[1] = runs->len > 0 ? ((PmRunInfo *) runs->pdata[runs->len - 1])->id : 0;
  return last;
}

static void
import_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(PmWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gint64 *ids = pm_app_store_call_finish (PM_APP_STORE (source), result, &error);

  pm_window_release (self);
  if (ids == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("Could not open the history file: %s"),
                                              error->message);
      pm_window_error (self, msg);
      return;
    }
  if (ids[1] != 0)
    pm_window_restore_run (self, ids[1]);
  else
    pm_window_toast (self, _("The history file holds no runs"));
  self->history_session = ids[0];
  pm_window_reload_history (self);
}

void
pm_window_open_session_file (PmWindow *self,
                             GFile    *file)
{
  g_autofree char *path = g_file_get_path (file);
  PmAppStore *store = pm_window_get_store (self);

  if (path == NULL || store == NULL)
    {
      pm_window_error (self, _("Only local .paintmask files can be opened"));
      return;
    }
  pm_window_hold (self);
  pm_app_store_call_async (store, import_func, pm_id_job_new (0, path), pm_id_job_free, g_free, NULL,
                           import_done_cb, g_object_ref (self));
}

static gpointer
export_func (PmStore  *store,
             gpointer  data,
             GError  **error)
{
  PmIdJob *job = data;

  return pm_store_export_session (store, job->id, job->path, error) ? GINT_TO_POINTER (1)
                                                                      : NULL;
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(PmWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  pm_window_release (self);
  if (pm_app_store_call_finish (PM_APP_STORE (source), result, &error) == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("Could not export the session: %s"),
                                              error->message);
      pm_window_error (self, msg);
    }
  else
    pm_window_toast (self, _("Session exported"));
}

/**
 * pm_window_export_session_to:
 * @path: the .paintmask file to write
 *
 * Writes the current photo's session (image, runs, artifacts) to @path, in the store's
 * thread; a toast reports the outcome.
 */
void
pm_window_export_session_to (PmWindow   *self,
                             const char *path)
{
  g_return_if_fail (PM_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  if (self->photo == NULL || self->photo->session_id <= 0)
    {
      pm_window_error (self, _("Nothing to export yet: a session holds this photo's runs, and "
                               "it has none in the history. Run an instruction first."));
      return;
    }
  pm_window_hold (self);
  pm_app_store_call_async (pm_window_get_store (self), export_func,
                           pm_id_job_new (self->photo->session_id, path), pm_id_job_free,
                           NULL, NULL, export_done_cb, g_object_ref (self));
}

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    PmWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path != NULL)
        pm_window_export_session_to (self, path);
    }
  g_clear_object (&self->dialog);
}

void
pm_window_export_session (PmWindow *self)
{
  GtkFileChooserNative *dialog;
  g_autofree char *name = NULL;
  g_autofree char *stem = NULL;

  if (self->photo == NULL || self->photo->session_id <= 0)
    {
      pm_window_error (self, _("Nothing to export yet: a session holds this photo's runs, and "
                               "it has none in the history. Run an instruction first."));
      return;
    }
  dialog = gtk_file_chooser_native_new (_("Export Session"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                        _("_Cancel"));
  stem = pm_window_get_photo_stem (self);
  name = g_strdup_printf ("%s.paintmask", stem);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  if (self->photo->path != NULL)
    {
      g_autoptr(GFile) folder = g_file_new_for_path (self->photo->path);
      g_autoptr(GFile) parent = g_file_get_parent (folder);

      if (parent != NULL)
        gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), parent, NULL);
    }
  if (self->dialog != NULL)
    gtk_native_dialog_destroy (self->dialog);
  g_clear_object (&self->dialog);
  self->dialog = GTK_NATIVE_DIALOG (dialog);
  gtk_native_dialog_set_modal (self->dialog, TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (export_response_cb), self);
  gtk_native_dialog_show (self->dialog);
}

