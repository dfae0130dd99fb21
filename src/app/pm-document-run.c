/* pm-document-run.c: PmDocument's runs (an instruction on the result on screen) and imports
 * of edits made elsewhere.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A run is a worker (pm-run-job.c) over shared pixels; its progress comes back through the
 * pipeline's PmProgressRelay, its result to run_done_cb(), matched against the run and
 * photo serials. Every run that ends is recorded (failed and cancelled ones too); one with
 * a result other than empty becomes a new run of the timeline. Export writes the run on
 * screen as three files.
 */
#define G_LOG_DOMAIN "pm-document"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pm-document-private.h"
#include "pm-run-job.h"

/* ---------------------------------------------------------------- runs */

gboolean
pm_document_get_running (PmDocument *self)
{
  g_return_val_if_fail (PM_IS_DOCUMENT (self), FALSE);
  return self->run_cancellable != NULL;
}

const char *
pm_document_get_running_instruction (PmDocument *self)
{
  g_return_val_if_fail (PM_IS_DOCUMENT (self), NULL);
  return self->running_instruction;
}

const char *
pm_document_get_stage (PmDocument *self)
{
  g_return_val_if_fail (PM_IS_DOCUMENT (self), NULL);
  return self->stage;
}

double
pm_document_get_fraction (PmDocument *self)
{
  g_return_val_if_fail (PM_IS_DOCUMENT (self), 0.0);
  return self->fraction;
}

gboolean
pm_document_get_start_from_original (PmDocument *self)
{
  g_return_val_if_fail (PM_IS_DOCUMENT (self), FALSE);
  return self->from_original;
}

/**
 * pm_document_set_start_from_original:
 * @from_original: whether runs paint the photo rather than the edit on screen
 *
 * By default a run paints the result on screen (edits stack); with @from_original it
 * paints the photo itself.
 */
void
pm_document_set_start_from_original (PmDocument *self,
                                     gboolean    from_original)
{
  g_return_if_fail (PM_IS_DOCUMENT (self));
  if (self->from_original == !!from_original)
    return;
  self->from_original = !!from_original;
  g_object_notify_by_pspec (G_OBJECT (self), pm_document_properties[PROP_START_FROM_ORIGINAL]);
}

static void
set_stage (PmDocument *self,
           const char *stage,
           double      fraction)
{
  g_free (self->stage);
  self->stage = g_strdup (stage);
  self->fraction = CLAMP (fraction, 0.0, 1.0);
  g_object_notify_by_pspec (G_OBJECT (self), pm_document_properties[PROP_STAGE]);
  g_object_notify_by_pspec (G_OBJECT (self), pm_document_properties[PROP_FRACTION]);
}

static void
end_run (PmDocument *self)
{
  g_clear_object (&self->run_cancellable);
  g_clear_pointer (&self->running_instruction, g_free);
  g_object_notify_by_pspec (G_OBJECT (self), pm_document_properties[PROP_RUNNING]);
  pm_document_update_state (self);
}

/**
 * pm_document_cancel_run:
 *
 * Stops the run in progress, if any; its result will be dropped.
 */
void
pm_document_cancel_run (PmDocument *self)
{
  g_return_if_fail (PM_IS_DOCUMENT (self));
  if (self->run_cancellable == NULL)
    return;
  g_cancellable_cancel (self->run_cancellable);
  self->run_serial++;
  end_run (self);
}

/* Progress of one run, relayed to the main context by the pipeline's relay. */
typedef struct {
  GWeakRef document;
  guint    serial;
} ProgressData;

static void
progress_data_free (gpointer data)
{
  ProgressData *p = data;

  g_weak_ref_clear (&p->document);
  g_free (p);
}

static void
progress_cb (const char *stage,
             double      fraction,
             gpointer    data)
{
  ProgressData *p = data;
  g_autoptr(PmDocument) self = g_weak_ref_get (&p->document);

  if (self != NULL && p->serial == self->run_serial && self->run_cancellable != NULL)
    set_stage (self, stage, fraction);
}

typedef struct {
  PmDocument      *self;
  PmEngineRequest *request;
  PmPhoto         *photo;
  PmRunEntry      *input;
  char            *instruction;
  guint            serial;
  guint            photo_serial;
  gint64           started_at;
  double           started_ms;
  char            *params_json;
} RunCall;

static void
run_call_free (RunCall *call)
{
  pm_engine_request_unref (call->request);
  pm_photo_unref (call->photo);
  g_clear_pointer (&call->input, pm_run_entry_unref);
  g_free (call->instruction);
  g_free (call->params_json);
  g_free (call);
}

static PmRecordRequest *
record_request (RunCall    *call,
                PmRunEntry *entry)
{
  PmRecordRequest *request = pm_record_request_new (call->photo, entry, call->input);

  request->params_json = g_strdup (call->params_json);
  request->started_at = call->started_at;
  return request;
}

static void
run_failed (PmDocument   *self,
            RunCall      *call,
            const GError *error,
            gboolean      current)
{
  g_autoptr(PmRunEntry) entry = pm_run_entry_new (call->instruction,
                                                  pm_engine_request_get_name (call->request));

  entry->state = PM_RESULT_FAILED;
  entry->message = g_strdup (error->message);
  if (call->photo_serial == self->photo_serial)
    {
      PmRecordRequest *request = record_request (call, entry);

      request->failure = g_error_copy (error);
      request->duration_ms = pm_now_ms () - call->started_ms;
      pm_document_record (self, request);
    }
  if (!current)
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    pm_document_message (self, _("Run cancelled"), FALSE);
  else
    {
      g_autofree char *msg = g_strdup_printf (_("“%s” failed: %s"), call->instruction,
                                              error->message);
      pm_document_message (self, msg, TRUE);
    }
  g_signal_emit (self, pm_document_signals[PM_DOCUMENT_SIGNAL_RUN_FINISHED], 0, entry, error);
}

/* A run with a result: recorded; unless empty, added after the run on screen and shown. */
static void
add_result (PmDocument       *self,
            PmRunEntry       *entry,
            PmPipelineResult *res,
            PmRecordRequest  *request)
{
  entry->state = res->state;
  entry->message = g_strdup (res->message);
  entry->color = res->color;
  if (res->state != PM_RESULT_EMPTY)
    pm_run_entry_set_result (entry, g_steal_pointer (&res->edited),
                             g_steal_pointer (&res->mask), g_steal_pointer (&res->soft_mask),
                             NULL);
  pm_record_request_take_result (request, res);
  pm_document_record (self, request);
  /* An empty result paints nothing: the edit on screen stays. */
  if (entry->state != PM_RESULT_EMPTY)
    pm_document_append_entry (self, entry);
  g_signal_emit (self, pm_document_signals[PM_DOCUMENT_SIGNAL_RUN_FINISHED], 0, entry, NULL);
}

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  RunCall *call = user_data;
  PmDocument *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmEngine) engine = NULL;
  g_autoptr(PmPipelineResult) res = pm_run_job_finish (result, &engine, &error);
  gboolean current = call->serial == self->run_serial && self->run_cancellable != NULL &&
                     call->photo_serial == self->photo_serial;

  pm_engine_request_done (call->request, engine);
  if (current)
    end_run (self);
  if (res != NULL && !current)
    {
      /* Superseded after it finished: what the user saw is a cancelled run. */
      g_clear_pointer (&res, pm_pipeline_result_free);
      g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
    }
  if (res == NULL)
    run_failed (self, call, error, current);
  else
    {
      g_autoptr(PmRunEntry) entry = pm_run_entry_new (call->instruction, res->engine);

      add_result (self, entry, g_steal_pointer (&res), record_request (call, entry));
    }
  run_call_free (call);
  pm_document_release (self);
}

static char *
params_json (const PmPipelineOptions *options)
{
  g_autofree char *highlight = pm_color_to_hex (options->highlight);

  return g_strdup_printf ("{\"highlight\":\"%s\"}", highlight);
}

/**
 * pm_document_run:
 * @instruction: e.g. "paint the cup purple"
 * @engine: the engine to run
 * @options: (nullable): pipeline options
 * @error: why the run cannot start
 *
 * Starts a run on the result on screen (or the photo, see
 * pm_document_set_start_from_original()). A run in progress is cancelled, with a ::message.
 * The end is told by ::run-finished; a result that is not empty becomes a new run of the
 * timeline, shown, and every run (even failed) is recorded in the history.
 *
 * Returns: whether the run started
 */
gboolean
pm_document_run (PmDocument              *self,
                 const char              *instruction,
                 PmEngineRequest         *engine,
                 const PmPipelineOptions *options,
                 GError                 **error)
{
  g_autofree char *text = NULL;
  g_autoptr(PmProgressRelay) relay = NULL;
  PmPipelineOptions defaults;
  PmRunEntry *current;
  ProgressData *progress;
  RunCall *call;

  g_return_val_if_fail (PM_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (engine != NULL, FALSE);

  text = g_strstrip (g_strdup (instruction != NULL ? instruction : ""));
  if (self->photo == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Open a photo first"));
      return FALSE;
    }
  if (*text == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("Type an instruction first, such as “paint the cup purple”"));
      return FALSE;
    }
  if (options == NULL)
    {
      pm_pipeline_options_init (&defaults);
      options = &defaults;
    }
  pm_document_commit_correction (self);
  if (self->run_cancellable != NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("Cancelled “%s” to run “%s”"),
                                              self->running_instruction, text);
      pm_document_cancel_run (self);
      pm_document_message (self, msg, FALSE);
    }

  current = pm_document_get_current (self);
  call = g_new0 (RunCall, 1);
  call->self = self;
  call->request = pm_engine_request_ref (engine);
  call->photo = pm_photo_ref (self->photo);
  if (!self->from_original && current != NULL && pm_run_entry_is_loaded (current))
    call->input = pm_run_entry_ref (current);
  call->instruction = g_strdup (text);
  call->serial = ++self->run_serial;
  call->photo_serial = self->photo_serial;
  call->started_at = g_get_real_time ();
  call->started_ms = pm_now_ms ();
  call->params_json = params_json (options);

  progress = g_new0 (ProgressData, 1);
  g_weak_ref_init (&progress->document, self);
  progress->serial = call->serial;
  relay = pm_progress_relay_new (progress_cb, progress, progress_data_free);

  self->run_cancellable = g_cancellable_new ();
  self->running_instruction = g_strdup (text);
  set_stage (self, "starting", 0.0);
  pm_document_hold (self);
  pm_run_job_async (engine, self->photo, call->input, text, options, relay,
                    self->run_cancellable, run_done_cb, call);
  g_object_notify_by_pspec (G_OBJECT (self), pm_document_properties[PROP_RUNNING]);
  g_signal_emit (self, pm_document_signals[PM_DOCUMENT_SIGNAL_RUN_STARTED], 0, text);
  return TRUE;
}

/* ---------------------------------------------------------------- importing an edit */

typedef struct {
  PmDocument *self;
  PmPhoto    *photo;
  char       *instruction;
  guint       photo_serial;
  gint64      started_at;
  double      started_ms;
} ImportCall;

static void
import_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ImportCall *call = user_data;
  PmDocument *self = call->self;
  g_autoptr(GError) error = NULL;
  PmPipelineResult *res = pm_import_job_finish (result, &error);

  if (res == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("Could not import the edited result: %s"),
                                              error->message);
      pm_document_message (self, msg, TRUE);
    }
  else if (call->photo_serial != self->photo_serial)
    pm_pipeline_result_free (res);
  else
    {
      g_autoptr(PmRunEntry) entry = pm_run_entry_new (call->instruction, res->engine);
      PmRecordRequest *request = pm_record_request_new (call->photo, entry, NULL);

      request->started_at = call->started_at;
      request->duration_ms = pm_now_ms () - call->started_ms;
      add_result (self, entry, res, request);
    }
  pm_photo_unref (call->photo);
  g_free (call->instruction);
  g_free (call);
  pm_document_release (self);
}

/**
 * pm_document_import_edited:
 * @file: an edited version of the photo made elsewhere (any size; it is resampled)
 *
 * "Bring your own editor": checks that @file is an edit of the photo, derives its mask
 * against the photo (pm_pipeline_import()) and adds it after the run on screen, in the
 * timeline and the history, as a run of engine "import".
 */
void
pm_document_import_edited (PmDocument *self,
                           GFile      *file)
{
  g_autofree char *name = NULL;
  ImportCall *call;

  g_return_if_fail (PM_IS_DOCUMENT (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->photo == NULL)
    {
      pm_document_message (self, _("Open a photo first"), TRUE);
      return;
    }
  name = g_file_get_basename (file);
  call = g_new0 (ImportCall, 1);
  call->self = self;
  call->photo = pm_photo_ref (self->photo);
  call->instruction = g_strdup_printf (_("Imported %s"), name);
  call->photo_serial = self->photo_serial;
  call->started_at = g_get_real_time ();
  call->started_ms = pm_now_ms ();
  pm_document_hold (self);
  pm_import_job_async (self->photo, file, call->instruction, NULL, import_done_cb, call);
}


/* ---------------------------------------------------------------- exporting */

/**
 * pm_document_get_stem:
 *
 * Returns: (transfer full): the photo's file name without its extension ("coffee"), the
 *   stem of every file exported from it
 */
char *
pm_document_get_stem (PmDocument *self)
{
  g_autofree char *base = NULL;
  char *dot;

  g_return_val_if_fail (PM_IS_DOCUMENT (self), NULL);
  if (self->photo == NULL || self->photo->path == NULL)
    return g_strdup (_("pasted-photo"));
  base = g_path_get_basename (self->photo->path);
  dot = strrchr (base, '.');
  if (dot != NULL && dot != base)
    *dot = '\0';
  return g_steal_pointer (&base);
}

/**
 * pm_document_get_export_paths:
 * @folder: a folder
 *
 * Returns: (transfer full): the files an export into @folder writes: "<stem>-edited.png",
 *   "<stem>-mask.png", "<stem>-soft-mask.png"
 */
char **
pm_document_get_export_paths (PmDocument *self,
                              const char *folder)
{
  g_autofree char *stem = pm_document_get_stem (self);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < PM_EXPORT_N_FILES; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%s.png", stem, pm_export_suffixes[i]);
      g_autofree char *path = g_build_filename (folder, name, NULL);

      g_strv_builder_add (builder, path);
    }
  return g_strv_builder_end (builder);
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (pm_export_job_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  pm_document_release (g_task_get_source_object (task));
}

/**
 * pm_document_export_async:
 * @folder: an existing folder
 *
 * Writes the run on screen (its current mask revision) into @folder, replacing files of the
 * names pm_document_get_export_paths() gives, in a worker. For a run of several objects
 * with corrected objects, the mask has their corrections (pm_document_get_items_mask())
 * and the edit is the one on screen.
 */
void
pm_document_export_async (PmDocument          *self,
                          const char          *folder,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_auto(GStrv) paths = NULL;
  PmRunEntry *entry;
  PmMask *items_mask;

  g_return_if_fail (PM_IS_DOCUMENT (self));
  g_return_if_fail (folder != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  entry = pm_document_get_current (self);
  if (entry == NULL || !pm_run_entry_is_loaded (entry))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s",
                               _("Nothing to export yet: run an instruction first"));
      return;
    }
  pm_document_commit_correction (self);
  paths = pm_document_get_export_paths (self, folder);
  pm_document_hold (self);
  /* Objects of a run of several corrected one by one: their corrections and the edit as
   * it is on screen. */
  if ((items_mask = pm_document_get_items_mask (self)) != NULL &&
      pm_document_get_shown_edit (self) != NULL)
    {
      g_autoptr(PmSharedMask) shared = pm_shared_mask_new (g_steal_pointer (&items_mask));

      pm_export_job_async (entry, shared, pm_image_copy (pm_document_get_shown_edit (self)),
                           paths, cancellable, export_done_cb, g_steal_pointer (&task));
      return;
    }
  g_clear_pointer (&items_mask, pm_mask_free);
  pm_export_job_async (entry, entry->mask, NULL, paths, cancellable, export_done_cb,
                       g_steal_pointer (&task));
}

gboolean
pm_document_export_finish (PmDocument    *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
