/* pm-document-history.c: PmDocument's side of the history store: recording runs and
 * corrections, restoring runs, session files, deleting.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every write counts in "saving" and holds the default GApplication until it is committed,
 * so closing the last window or quitting right after a run loses nothing: the process
 * stays until the store thread has written it.
 */
#define G_LOG_DOMAIN "pm-document"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-document-private.h"

/* ---------------------------------------------------------------- saving */

void
pm_document_saving_begin (PmDocument *self)
{
  if (self->saving++ == 0)
    {
      GApplication *app = g_application_get_default ();

      if (app != NULL)
        {
          self->held = g_object_ref (app);
          g_application_hold (app);
        }
    }
  pm_document_hold (self);
}

void
pm_document_saving_end (PmDocument *self)
{
  g_assert (self->saving > 0);
  if (--self->saving == 0 && self->held != NULL)
    {
      g_application_release (self->held);
      g_clear_object (&self->held);
    }
  pm_document_release (self);
}

static void
history_changed (PmDocument *self)
{
  g_signal_emit (self, pm_document_signals[PM_DOCUMENT_SIGNAL_HISTORY_CHANGED], 0);
}

/* ---------------------------------------------------------------- recording */

typedef struct {
  PmDocument *self;
  PmPhoto    *photo;
  PmRunEntry *entry;
} RecordCall;

static void
record_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  RecordCall *call = user_data;
  PmDocument *self = call->self;
  g_autoptr(GError) error = NULL;
  gint64 session_id = 0, run_id = 0;

  if (!pm_history_record_run_finish (PM_APP_STORE (source), result, &session_id, &run_id,
                                     &error))
    {
      g_autofree char *msg = g_strdup_printf (_("The run was not saved in the history: %s"),
                                              error->message);
      pm_document_message (self, msg, TRUE);
    }
  else
    {
      call->entry->run_id = run_id;
      if (call->photo->session_id != session_id)
        {
          call->photo->session_id = session_id;
          if (call->photo == self->photo)
            g_object_notify (G_OBJECT (self), "session-id");
        }
      history_changed (self);
    }
  pm_photo_unref (call->photo);
  pm_run_entry_unref (call->entry);
  g_free (call);
  pm_document_saving_end (self);
}

/* Records a run (finished, failed or imported); takes @request. */
void
pm_document_record (PmDocument      *self,
                    PmRecordRequest *request)
{
  RecordCall *call;

  if (self->store == NULL)
    {
      pm_record_request_free (request);
      return;
    }
  call = g_new0 (RecordCall, 1);
  call->self = self;
  call->photo = pm_photo_ref (request->photo);
  call->entry = pm_run_entry_ref (request->entry);
  pm_document_saving_begin (self);
  pm_history_record_run_async (self->store, request, record_done_cb, call);
}

typedef struct {
  PmDocument *self;
  PmRevision *revision;
} CorrectionCall;

static void
correction_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  CorrectionCall *call = user_data;
  PmDocument *self = call->self;
  g_autoptr(GError) error = NULL;
  gint64 id = pm_history_record_correction_finish (PM_APP_STORE (source), result, &error);

  if (id <= 0)
    {
      g_autofree char *msg = g_strdup_printf (_("The correction was not saved in the "
                                                "history: %s"), error->message);
      pm_document_message (self, msg, TRUE);
    }
  else
    {
      if (call->revision != NULL)
        call->revision->artifact_id = id;
      history_changed (self);
    }
  g_clear_pointer (&call->revision, pm_revision_unref);
  g_free (call);
  pm_document_saving_end (self);
}

/* Stores the mask of @entry after @revision (its newest) as a corrected_mask artifact. */
void
pm_document_record_correction (PmDocument *self,
                               PmRunEntry *entry,
                               PmRevision *revision)
{
  PmRevision *parent = NULL;
  CorrectionCall *call;

  if (self->store == NULL)
    return;
  g_assert (entry->n_applied > 0 && entry->revisions->pdata[entry->n_applied - 1] == revision);
  if (entry->n_applied >= 2)
    parent = entry->revisions->pdata[entry->n_applied - 2];
  call = g_new0 (CorrectionCall, 1);
  call->self = self;
  call->revision = pm_revision_ref (revision);
  pm_document_saving_begin (self);
  pm_history_record_correction_async (self->store, entry, revision, parent, entry->mask,
                                      correction_done_cb, call);
}

/* After an undo or redo of @entry's corrections: stores its mask as it now is, so that the
 * history's newest correction is what is on screen (and a restart shows it). */
void
pm_document_record_state (PmDocument *self,
                          PmRunEntry *entry,
                          const char *label)
{
  PmRevision *current = NULL;
  CorrectionCall *call;

  if (self->store == NULL)
    return;
  if (entry->n_applied > 0)
    current = entry->revisions->pdata[entry->n_applied - 1];
  call = g_new0 (CorrectionCall, 1);
  call->self = self;
  call->revision = current != NULL ? pm_revision_ref (current) : NULL;
  pm_document_saving_begin (self);
  pm_history_record_state_async (self->store, entry, current, entry->mask, label,
                                 correction_done_cb, call);
}

/* ---------------------------------------------------------------- restoring */

typedef struct {
  PmDocument *self;
  guint       photo_serial;
  PmRunEntry *entry;          /* set when loading one timeline entry */
} RestoreCall;

static void
set_entry_result (PmRunEntry      *entry,
                  PmRestoreResult *res)
{
  if (pm_run_entry_is_loaded (entry))
    return;
  pm_run_entry_set_result (entry, g_steal_pointer (&res->edited),
                           g_steal_pointer (&res->mask), g_steal_pointer (&res->soft_mask),
                           g_steal_pointer (&res->corrected));
  /* Undo walks back through the corrections stored with it, as before a restart. */
  if (res->revisions != NULL)
    pm_run_entry_set_revisions (entry, res->revisions);
}

static void
load_entry_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  RestoreCall *call = user_data;
  PmDocument *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmRestoreResult) res = pm_history_restore_finish (PM_APP_STORE (source), result,
                                                              &error);

  if (res == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("Could not load “%s” from the history: %s"),
                                              call->entry->instruction, error->message);
      pm_document_message (self, msg, TRUE);
    }
  else
    {
      set_entry_result (call->entry, res);
      if (call->photo_serial == self->photo_serial &&
          pm_document_get_current (self) == call->entry)
        g_signal_emit (self, pm_document_signals[PM_DOCUMENT_SIGNAL_CURRENT_CHANGED], 0,
                       FALSE);
    }
  pm_run_entry_unref (call->entry);
  g_free (call);
  pm_document_release (self);
}

/* Loads the edit and masks of a run of the timeline that is only in the history. */
void
pm_document_load_entry (PmDocument *self,
                        PmRunEntry *entry)
{
  RestoreCall *call;

  if (self->store == NULL || entry->run_id <= 0)
    return;
  call = g_new0 (RestoreCall, 1);
  call->self = self;
  call->photo_serial = self->photo_serial;
  call->entry = pm_run_entry_ref (entry);
  pm_document_hold (self);
  pm_history_load_run_async (self->store, entry->run_id, load_entry_done_cb, call);
}

/* The timeline of a restored session: its runs with results, reusing loaded entries. */
static GPtrArray *
session_timeline (PmDocument      *self,
                  PmRestoreResult *res,
                  int             *position)
{
  GPtrArray *timeline = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_run_entry_unref);

  *position = -1;
  for (guint i = 0; i < res->runs->len; i++)
    {
      PmRunInfo *info = res->runs->pdata[i];
      PmRunEntry *entry = NULL;

      for (guint j = 0; j < self->timeline->len && entry == NULL; j++)
        if (((PmRunEntry *) self->timeline->pdata[j])->run_id == info->id)
          entry = pm_run_entry_ref (self->timeline->pdata[j]);
      if (entry == NULL)
        {
          entry = pm_run_entry_new (info->instruction, info->engine);
          entry->run_id = info->id;
          /* Not shared yet: the store thread sees it only through later calls. */
          entry->store_run_id = info->id;
          entry->message = g_strdup (info->message);
          if (info->color != NULL)
            pm_color_parse (info->color, &entry->color);
        }
      if (info->id == res->run_id)
        {
          *position = i;
          entry->state = res->state;
          set_entry_result (entry, res);
        }
      g_ptr_array_add (timeline, entry);
    }
  return timeline;
}

static void
restore_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  RestoreCall *call = user_data;
  PmDocument *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmRestoreResult) res = pm_history_restore_finish (PM_APP_STORE (source), result,
                                                              &error);
  GPtrArray *timeline;
  int position = -1;

  if (res == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("Could not restore the run: %s"),
                                              error->message);
      pm_document_message (self, msg, TRUE);
    }
  else if (res->image != NULL || call->photo_serial == self->photo_serial)
    {
      if (res->image != NULL)
        {
          g_autofree char *title = res->title != NULL ? g_strdup (res->title)
                                   : res->source_path != NULL
                                   ? g_path_get_basename (res->source_path)
                                   : g_strdup (_("Untitled"));
          g_autoptr(PmPhoto) photo = pm_photo_new (g_steal_pointer (&res->image),
                                                   res->source_path, title);

          photo->session_id = res->session_id;
          pm_document_cancel_load (self);
          pm_document_take_photo (self, photo);
        }
      timeline = session_timeline (self, res, &position);
      pm_document_replace_timeline (self, timeline, position);
    }
  g_free (call);
  pm_document_release (self);
}

/**
 * pm_document_restore_run:
 * @run_id: a run in the history
 *
 * Shows the run's edit and mask (its newest correction, if any), switching to its session's
 * photo if needed; the timeline becomes that session's runs.
 */
void
pm_document_restore_run (PmDocument *self,
                         gint64      run_id)
{
  RestoreCall *call;

  g_return_if_fail (PM_IS_DOCUMENT (self));
  if (self->store == NULL)
    {
      pm_document_message (self, _("There is no history to restore from"), TRUE);
      return;
    }
  pm_document_cancel_run (self);
  call = g_new0 (RestoreCall, 1);
  call->self = self;
  call->photo_serial = self->photo_serial;
  pm_document_hold (self);
  pm_history_restore_async (self->store, run_id, pm_document_get_session_id (self),
                            restore_done_cb, call);
}

/* ---------------------------------------------------------------- session files */

static char export_tag;  /* GTask source tag */

static void
import_file_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  PmDocument *self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 session_id, run_id;

  if (!pm_history_import_file_finish (PM_APP_STORE (source), result, &session_id, &run_id,
                                      &error))
    {
      g_autofree char *msg = g_strdup_printf (_("Could not open the history file: %s"),
                                              error->message);
      pm_document_message (self, msg, TRUE);
    }
  else
    {
      if (run_id != 0)
        pm_document_restore_run (self, run_id);
      else
        pm_document_message (self, _("The history file holds no runs"), FALSE);
      history_changed (self);
    }
  pm_document_saving_end (self);
}

/**
 * pm_document_open_session_file:
 * @file: a .paintmask file
 *
 * Copies its sessions into the history and restores the newest run of the first.
 */
void
pm_document_open_session_file (PmDocument *self,
                               GFile      *file)
{
  g_autofree char *path = g_file_get_path (file);

  g_return_if_fail (PM_IS_DOCUMENT (self));
  if (path == NULL || self->store == NULL)
    {
      pm_document_message (self, _("Only local .paintmask files can be opened"), TRUE);
      return;
    }
  pm_document_saving_begin (self);
  pm_history_import_file_async (self->store, path, import_file_done_cb, self);
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (pm_history_call_finish (PM_APP_STORE (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  pm_document_release (g_task_get_source_object (task));
}

/**
 * pm_document_export_session_async:
 * @path: the .paintmask file to write
 *
 * Writes the photo's session (image, runs, artifacts) to @path in the store's thread.
 */
void
pm_document_export_session_async (PmDocument          *self,
                                  const char          *path,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PM_IS_DOCUMENT (self));
  g_return_if_fail (path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, &export_tag);
  if (self->store == NULL || pm_document_get_session_id (self) <= 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s",
                               _("Run an instruction first: the session is not in the "
                                 "history yet"));
      return;
    }
  pm_document_hold (self);
  pm_history_export_session_async (self->store, pm_document_get_session_id (self), path,
                                   export_done_cb, g_steal_pointer (&task));
}

gboolean
pm_document_export_session_finish (PmDocument    *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---------------------------------------------------------------- deleting */

static void
delete_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  PmDocument *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!pm_history_call_finish (PM_APP_STORE (source), result, &error))
    pm_document_message (self, error->message, TRUE);
  history_changed (self);
  pm_document_saving_end (self);
}

static void
delete_from_store (PmDocument *self,
                   gint64      id,
                   gboolean    is_session,
                   GPtrArray  *forget)
{
  if (self->store == NULL)
    return;
  pm_document_saving_begin (self);
  pm_history_delete_async (self->store, id, is_session, forget, delete_done_cb, self);
}

/**
 * pm_document_delete_run:
 * @run_id: a run in the history
 *
 * Deletes the run from the history. Runs of the timeline keep their pixels but forget that
 * they were recorded.
 */
void
pm_document_delete_run (PmDocument *self,
                        gint64      run_id)
{
  g_autoptr(GPtrArray) forget = NULL;

  g_return_if_fail (PM_IS_DOCUMENT (self));
  forget = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_run_entry_unref);
  for (guint i = 0; i < self->timeline->len; i++)
    {
      PmRunEntry *entry = self->timeline->pdata[i];

      if (entry->run_id == run_id)
        {
          entry->run_id = 0;
          g_ptr_array_add (forget, pm_run_entry_ref (entry));
        }
    }
  delete_from_store (self, run_id, FALSE, forget);
  pm_document_update_state (self);
}

/**
 * pm_document_delete_session:
 * @session_id: a session in the history
 *
 * Deletes the session with its runs; if it is the photo's, the photo and its runs forget
 * that they were recorded (a new run records them again).
 */
void
pm_document_delete_session (PmDocument *self,
                            gint64      session_id)
{
  g_autoptr(GPtrArray) forget = NULL;

  g_return_if_fail (PM_IS_DOCUMENT (self));
  forget = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_run_entry_unref);
  if (self->photo != NULL && self->photo->session_id == session_id)
    {
      self->photo->session_id = 0;
      for (guint i = 0; i < self->timeline->len; i++)
        {
          PmRunEntry *entry = self->timeline->pdata[i];

          entry->run_id = 0;
          g_ptr_array_add (forget, pm_run_entry_ref (entry));
        }
      g_object_notify (G_OBJECT (self), "session-id");
    }
  delete_from_store (self, session_id, TRUE, forget);
  pm_document_update_state (self);
}
