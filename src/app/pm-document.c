/* pm-document.c: the work on one photo: the photo, the timeline of runs, undo and redo,
 * properties and signals. No widgets.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs and imports are in pm-document-run.c, mask corrections in pm-document-mask.c, the
 * store's side (recording, restoring, session files, deleting) in pm-document-history.c;
 * workers are in pm-run-job.c. Everything here runs on the main
 * thread; results of workers are matched against serials (photo, load, run), so a result
 * that was superseded is dropped.
 */
#define G_LOG_DOMAIN "pm-document"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-derive.h"
#include "pm-document-private.h"
#include "pm-run-job.h"

G_DEFINE_FINAL_TYPE (PmDocument, pm_document, G_TYPE_OBJECT)

GParamSpec *pm_document_properties[PM_DOCUMENT_N_PROPS];
guint pm_document_signals[PM_DOCUMENT_N_SIGNALS];

/* ---------------------------------------------------------------- state */

/* Notifies the derived properties that changed since the last call. */
void
pm_document_update_state (PmDocument *self)
{
  gboolean undo = pm_document_get_can_undo (self), redo = pm_document_get_can_redo (self);
  gboolean busy = pm_document_get_busy (self), saving = self->saving > 0;
  PmRunEntry *current = pm_document_get_current (self);

  g_object_freeze_notify (G_OBJECT (self));
  if (undo != self->notified_undo)
    g_object_notify_by_pspec (G_OBJECT (self), pm_document_properties[PROP_CAN_UNDO]);
  if (redo != self->notified_redo)
    g_object_notify_by_pspec (G_OBJECT (self), pm_document_properties[PROP_CAN_REDO]);
  if (busy != self->notified_busy)
    g_object_notify_by_pspec (G_OBJECT (self), pm_document_properties[PROP_BUSY]);
  if (saving != self->notified_saving)
    g_object_notify_by_pspec (G_OBJECT (self), pm_document_properties[PROP_SAVING]);
  if (current != self->notified_current)
    g_object_notify_by_pspec (G_OBJECT (self), pm_document_properties[PROP_CURRENT_RUN]);
  self->notified_undo = undo;
  self->notified_redo = redo;
  self->notified_busy = busy;
  self->notified_saving = saving;
  self->notified_current = current;
  g_object_thaw_notify (G_OBJECT (self));
}

void
pm_document_hold (PmDocument *self)
{
  g_object_ref (self);
  self->pending++;
  pm_document_update_state (self);
}

/* Drops the hold of pm_document_hold() (and its reference: @self may be gone after). */
void
pm_document_release (PmDocument *self)
{
  g_assert (self->pending > 0);
  self->pending--;
  pm_document_update_state (self);
  g_object_unref (self);
}

/* Something to tell the user; the document shows nothing itself. */
void
pm_document_message (PmDocument *self,
                     const char *text,
                     gboolean    is_error)
{
  g_debug ("%s", text);
  g_signal_emit (self, pm_document_signals[PM_DOCUMENT_SIGNAL_MESSAGE], 0, text, is_error);
}

/* ---------------------------------------------------------------- the photo */

/* Makes @photo the document's photo, with an empty timeline. */
void
pm_document_take_photo (PmDocument *self,
                        PmPhoto    *photo)
{
  pm_document_cancel_run (self);
  pm_document_cancel_correction (self);
  g_clear_pointer (&self->photo, pm_photo_unref);
  /* The previous photo's derivation planes need not stay: the next one may not come soon,
   * nor be of that size. */
  pm_derive_trim_memory ();
  self->photo = pm_photo_ref (photo);
  self->photo_serial++;
  g_ptr_array_set_size (self->timeline, 0);
  self->position = -1;

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), pm_document_properties[PROP_PHOTO]);
  g_object_notify_by_pspec (G_OBJECT (self), pm_document_properties[PROP_TITLE]);
  g_object_notify_by_pspec (G_OBJECT (self), pm_document_properties[PROP_SESSION_ID]);
  g_signal_emit (self, pm_document_signals[PM_DOCUMENT_SIGNAL_CURRENT_CHANGED], 0, FALSE);
  pm_document_update_state (self);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * pm_document_set_image:
 * @image: (transfer full): the pixels (e.g. pasted)
 * @path: (nullable): the file they came from
 * @title: the photo's name
 *
 * Makes @image the photo, with no runs.
 */
void
pm_document_set_image (PmDocument *self,
                       PmImage    *image,
                       const char *path,
                       const char *title)
{
  g_autoptr(PmPhoto) photo = NULL;

  g_return_if_fail (PM_IS_DOCUMENT (self));
  g_return_if_fail (image != NULL);

  pm_document_cancel_load (self);
  photo = pm_photo_new (image, path, title);
  pm_document_take_photo (self, photo);
}

static char load_tag;  /* GTask source tag */

typedef struct {
  GFile *file;
  guint  serial;
} LoadCall;

static void
load_call_free (gpointer data)
{
  LoadCall *call = data;

  g_object_unref (call->file);
  g_free (call);
}

static void
load_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PmDocument *self = g_task_get_source_object (task);
  LoadCall *call = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(PmImage) image = pm_load_job_finish (result, &error);

  if (call->serial != self->load_serial)
    {
      /* A later load (or a pasted photo) replaced this one. */
      g_clear_error (&error);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s",
                               _("Replaced by a later photo"));
    }
  else if (image == NULL)
    {
      g_autofree char *name = g_file_get_parse_name (call->file);

      g_task_return_new_error (task, error->domain, error->code, _("Could not open “%s”: %s"),
                               name, error->message);
      g_clear_error (&error);
    }
  else
    {
      g_autofree char *path = g_file_get_path (call->file);
      g_autofree char *title = g_file_get_basename (call->file);
      g_autoptr(PmPhoto) photo = pm_photo_new (g_steal_pointer (&image), path, title);

      g_clear_object (&self->load_cancellable);
      pm_document_take_photo (self, photo);
      g_task_return_boolean (task, TRUE);
    }
  pm_document_release (self);
}

/**
 * pm_document_load_file_async:
 * @file: a photo
 * @cancellable: (nullable): drops the load
 *
 * Loads @file in a worker and makes it the photo. A later load, a pasted photo or
 * pm_document_cancel_load() drops this one (it then fails with %G_IO_ERROR_CANCELLED).
 */
void
pm_document_load_file_async (PmDocument          *self,
                             GFile               *file,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;
  LoadCall *call;

  g_return_if_fail (PM_IS_DOCUMENT (self));
  g_return_if_fail (G_IS_FILE (file));

  pm_document_cancel_load (self);
  self->load_cancellable = cancellable != NULL ? g_object_ref (cancellable)
                                               : g_cancellable_new ();
  call = g_new0 (LoadCall, 1);
  call->file = g_object_ref (file);
  call->serial = self->load_serial;
  task = g_task_new (self, self->load_cancellable, callback, user_data);
  g_task_set_source_tag (task, &load_tag);
  g_task_set_task_data (task, call, load_call_free);
  pm_document_hold (self);
  pm_load_job_async (file, self->load_cancellable, load_done_cb, task);
}

gboolean
pm_document_load_file_finish (PmDocument    *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
load_file_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  PmDocument *self = PM_DOCUMENT (source);
  g_autoptr(GError) error = NULL;

  if (!pm_document_load_file_finish (self, result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    pm_document_message (self, error->message, TRUE);
}

/**
 * pm_document_load_file:
 * @file: a photo, or a .paintmask history file
 *
 * Like pm_document_load_file_async(), reporting a failure with ::message; a .paintmask
 * file is opened with pm_document_open_session_file().
 */
void
pm_document_load_file (PmDocument *self,
                       GFile      *file)
{
  g_autofree char *basename = NULL;

  g_return_if_fail (PM_IS_DOCUMENT (self));
  g_return_if_fail (G_IS_FILE (file));

  basename = g_file_get_basename (file);
  if (basename != NULL && g_str_has_suffix (basename, ".paintmask"))
    pm_document_open_session_file (self, file);
  else
    pm_document_load_file_async (self, file, NULL, load_file_cb, NULL);
}

/**
 * pm_document_cancel_load:
 *
 * Drops the photo being loaded, if any: the current photo stays.
 */
void
pm_document_cancel_load (PmDocument *self)
{
  g_return_if_fail (PM_IS_DOCUMENT (self));
  self->load_serial++;
  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
}

/**
 * pm_document_get_photo:
 *
 * Returns: (transfer none) (nullable): the photo
 */
PmPhoto *
pm_document_get_photo (PmDocument *self)
{
  g_return_val_if_fail (PM_IS_DOCUMENT (self), NULL);
  return self->photo;
}

const PmImage *
pm_document_get_image (PmDocument *self)
{
  g_return_val_if_fail (PM_IS_DOCUMENT (self), NULL);
  return self->photo != NULL ? self->photo->image : NULL;
}

const char *
pm_document_get_title (PmDocument *self)
{
  g_return_val_if_fail (PM_IS_DOCUMENT (self), NULL);
  return self->photo != NULL ? self->photo->title : NULL;
}

gint64
pm_document_get_session_id (PmDocument *self)
{
  g_return_val_if_fail (PM_IS_DOCUMENT (self), 0);
  return self->photo != NULL ? self->photo->session_id : 0;
}

/* ---------------------------------------------------------------- the timeline */

/**
 * pm_document_get_current:
 *
 * Returns: (transfer none) (nullable): the run on screen, NULL for the photo itself
 */
PmRunEntry *
pm_document_get_current (PmDocument *self)
{
  g_return_val_if_fail (PM_IS_DOCUMENT (self), NULL);
  if (self->position < 0 || (guint) self->position >= self->timeline->len)
    return NULL;
  return self->timeline->pdata[self->position];
}

const PmImage *
pm_document_get_edited (PmDocument *self)
{
  PmRunEntry *entry = pm_document_get_current (self);

  return entry != NULL ? entry->edited : NULL;
}

/**
 * pm_document_get_mask:
 *
 * Returns: (transfer none) (nullable): the committed mask of the run on screen
 */
const PmMask *
pm_document_get_mask (PmDocument *self)
{
  PmRunEntry *entry = pm_document_get_current (self);

  return entry != NULL ? pm_run_entry_get_mask (entry) : NULL;
}

gint64
pm_document_get_run_id (PmDocument *self)
{
  PmRunEntry *entry = pm_document_get_current (self);

  return entry != NULL ? entry->run_id : 0;
}

int
pm_document_get_position (PmDocument *self)
{
  g_return_val_if_fail (PM_IS_DOCUMENT (self), -1);
  return self->position;
}

guint
pm_document_get_n_runs (PmDocument *self)
{
  g_return_val_if_fail (PM_IS_DOCUMENT (self), 0);
  return self->timeline->len;
}

/**
 * pm_document_get_run:
 * @index: a timeline position
 *
 * Returns: (transfer none): the run at @index
 */
PmRunEntry *
pm_document_get_run (PmDocument *self,
                     guint       index)
{
  g_return_val_if_fail (PM_IS_DOCUMENT (self), NULL);
  g_return_val_if_fail (index < self->timeline->len, NULL);
  return self->timeline->pdata[index];
}

/* Shows the photo (-1) or a run of the timeline, loading it from the history if needed. */
void
pm_document_show (PmDocument *self,
                  int         position,
                  gboolean    animate)
{
  PmRunEntry *entry;

  g_return_if_fail (position >= -1 && position < (int) self->timeline->len);

  pm_document_commit_correction (self);
  g_clear_pointer (&self->target, pm_run_entry_unref);
  g_ptr_array_set_size (self->items, 0);
  pm_document_drop_shown (self);
  self->position = position;
  entry = pm_document_get_current (self);
  if (entry != NULL && !pm_run_entry_is_loaded (entry))
    pm_document_load_entry (self, entry);
  g_signal_emit (self, pm_document_signals[PM_DOCUMENT_SIGNAL_CURRENT_CHANGED], 0, animate);
  pm_document_update_state (self);
}

/* Appends @entry after the run on screen (dropping what could be redone) and shows it. */
void
pm_document_append_entry (PmDocument *self,
              PmRunEntry *entry)
{
  PmRunEntry *current = pm_document_get_current (self);

  if (current != NULL)
    pm_run_entry_drop_redo (current);
  g_ptr_array_set_size (self->timeline, self->position + 1);
  g_ptr_array_add (self->timeline, pm_run_entry_ref (entry));
  pm_document_show (self, self->timeline->len - 1, TRUE);
}

/* Makes @timeline (of PmRunEntry, taken) the document's and shows @position. */
void
pm_document_replace_timeline (PmDocument *self,
                              GPtrArray  *timeline,
                              int         position)
{
  pm_document_commit_correction (self);
  g_ptr_array_unref (self->timeline);
  self->timeline = timeline;
  self->position = -1;
  pm_document_show (self, position, TRUE);
}

/* ---------------------------------------------------------------- undo */

gboolean
pm_document_get_can_undo (PmDocument *self)
{
  PmRunEntry *entry = pm_document_get_correction_entry (self);

  return self->working != NULL || self->position >= 0 ||
         (entry != NULL && pm_run_entry_can_undo_revision (entry));
}

gboolean
pm_document_get_can_redo (PmDocument *self)
{
  PmRunEntry *entry = pm_document_get_correction_entry (self);

  return self->position + 1 < (int) self->timeline->len ||
         (entry != NULL && pm_run_entry_can_redo_revision (entry));
}

void
pm_document_emit_mask_changed (PmDocument   *self,
                               const PmRect *rect)
{
  pm_document_follow_mask (self, rect);
  g_signal_emit (self, pm_document_signals[PM_DOCUMENT_SIGNAL_MASK_CHANGED], 0,
                 rect->x, rect->y, rect->width, rect->height);
}

/**
 * pm_document_undo:
 *
 * Undoes the last correction of the run on screen, or goes back to the run before it (or
 * to the photo). A correction in progress is committed first.
 */
void
pm_document_undo (PmDocument *self)
{
  PmRunEntry *entry;
  PmRevision *revision;

  g_return_if_fail (PM_IS_DOCUMENT (self));
  pm_document_commit_correction (self);
  entry = pm_document_get_correction_entry (self);
  if (entry != NULL && (revision = pm_run_entry_undo_revision (entry)) != NULL)
    {
      pm_document_record_state (self, entry, _("Undo"));
      pm_document_emit_mask_changed (self, &revision->rect);
      pm_document_update_state (self);
    }
  else if (self->position >= 0)
    pm_document_show (self, self->position - 1, FALSE);
}

/**
 * pm_document_redo:
 *
 * Redoes the next correction of the run on screen, or goes to the next run.
 */
void
pm_document_redo (PmDocument *self)
{
  PmRunEntry *entry;
  PmRevision *revision;

  g_return_if_fail (PM_IS_DOCUMENT (self));
  pm_document_commit_correction (self);
  entry = pm_document_get_correction_entry (self);
  if (entry != NULL && (revision = pm_run_entry_redo_revision (entry)) != NULL)
    {
      pm_document_record_state (self, entry, _("Redo"));
      pm_document_emit_mask_changed (self, &revision->rect);
      pm_document_update_state (self);
    }
  else if (self->position + 1 < (int) self->timeline->len)
    pm_document_show (self, self->position + 1, FALSE);
}

/* ---------------------------------------------------------------- busy */

/**
 * pm_document_get_busy:
 *
 * Returns: whether loads, runs or history calls are in flight
 */
gboolean
pm_document_get_busy (PmDocument *self)
{
  g_return_val_if_fail (PM_IS_DOCUMENT (self), FALSE);
  return self->pending > 0;
}

/**
 * pm_document_get_saving:
 *
 * Returns: whether history writes are in flight (the application is held meanwhile)
 */
gboolean
pm_document_get_saving (PmDocument *self)
{
  g_return_val_if_fail (PM_IS_DOCUMENT (self), FALSE);
  return self->saving > 0;
}

/* ---------------------------------------------------------------- GObject */

PmAppStore *
pm_document_get_store (PmDocument *self)
{
  g_return_val_if_fail (PM_IS_DOCUMENT (self), NULL);
  return self->store;
}

/**
 * pm_document_set_store:
 * @store: (nullable): the history store; NULL records nothing
 */
void
pm_document_set_store (PmDocument *self,
                       PmAppStore *store)
{
  g_return_if_fail (PM_IS_DOCUMENT (self));
  if (g_set_object (&self->store, store))
    g_object_notify_by_pspec (G_OBJECT (self), pm_document_properties[PROP_STORE]);
}

static void
pm_document_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  PmDocument *self = PM_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_STORE: g_value_set_object (value, self->store); break;
    case PROP_PHOTO: g_value_set_boxed (value, self->photo); break;
    case PROP_TITLE: g_value_set_string (value, pm_document_get_title (self)); break;
    case PROP_SESSION_ID: g_value_set_int64 (value, pm_document_get_session_id (self)); break;
    case PROP_CURRENT_RUN: g_value_set_boxed (value, pm_document_get_current (self)); break;
    case PROP_CAN_UNDO: g_value_set_boolean (value, pm_document_get_can_undo (self)); break;
    case PROP_CAN_REDO: g_value_set_boolean (value, pm_document_get_can_redo (self)); break;
    case PROP_BUSY: g_value_set_boolean (value, pm_document_get_busy (self)); break;
    case PROP_SAVING: g_value_set_boolean (value, self->saving > 0); break;
    case PROP_RUNNING: g_value_set_boolean (value, self->run_cancellable != NULL); break;
    case PROP_STAGE: g_value_set_string (value, self->stage); break;
    case PROP_FRACTION: g_value_set_double (value, self->fraction); break;
    case PROP_START_FROM_ORIGINAL: g_value_set_boolean (value, self->from_original); break;
    case PROP_CORRECTING: g_value_set_boolean (value, self->working != NULL); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_document_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  PmDocument *self = PM_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_STORE: pm_document_set_store (self, g_value_get_object (value)); break;
    case PROP_START_FROM_ORIGINAL:
      pm_document_set_start_from_original (self, g_value_get_boolean (value));
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_document_dispose (GObject *object)
{
  PmDocument *self = PM_DOCUMENT (object);

  pm_document_cancel_load (self);
  if (self->run_cancellable != NULL)
    g_cancellable_cancel (self->run_cancellable);
  g_clear_object (&self->run_cancellable);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (pm_document_parent_class)->dispose (object);
}

static void
pm_document_finalize (GObject *object)
{
  PmDocument *self = PM_DOCUMENT (object);

  g_assert (self->held == NULL);
  g_clear_pointer (&self->photo, pm_photo_unref);
  g_ptr_array_unref (self->timeline);
  g_free (self->running_instruction);
  g_free (self->stage);
  g_clear_pointer (&self->working, pm_mask_free);
  g_clear_pointer (&self->target, pm_run_entry_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_free (self->correction_label);
  pm_document_drop_shown (self);
  G_OBJECT_CLASS (pm_document_parent_class)->finalize (object);
}

static void
install_properties (GObjectClass *object_class)
{
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamSpec **props = pm_document_properties;

  props[PROP_STORE] = g_param_spec_object ("store", NULL, NULL, PM_TYPE_APP_STORE, rw);
  props[PROP_PHOTO] = g_param_spec_boxed ("photo", NULL, NULL, PM_TYPE_PHOTO, ro);
  props[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, ro);
  props[PROP_SESSION_ID] = g_param_spec_int64 ("session-id", NULL, NULL, 0, G_MAXINT64, 0, ro);
  props[PROP_CURRENT_RUN] = g_param_spec_boxed ("current-run", NULL, NULL, PM_TYPE_RUN_ENTRY,
                                                ro);
  props[PROP_CAN_UNDO] = g_param_spec_boolean ("can-undo", NULL, NULL, FALSE, ro);
  props[PROP_CAN_REDO] = g_param_spec_boolean ("can-redo", NULL, NULL, FALSE, ro);
  props[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, ro);
  props[PROP_SAVING] = g_param_spec_boolean ("saving", NULL, NULL, FALSE, ro);
  props[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, ro);
  props[PROP_STAGE] = g_param_spec_string ("stage", NULL, NULL, NULL, ro);
  props[PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0, ro);
  props[PROP_START_FROM_ORIGINAL] = g_param_spec_boolean ("start-from-original", NULL, NULL,
                                                         FALSE, rw);
  props[PROP_CORRECTING] = g_param_spec_boolean ("correcting", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, PM_DOCUMENT_N_PROPS, props);
}

static void
install_signals (GObjectClass *object_class)
{
  GType type = G_TYPE_FROM_CLASS (object_class);

  /* ::run-started (instruction): a run began; "running", "stage" and "fraction" follow it. */
  pm_document_signals[PM_DOCUMENT_SIGNAL_RUN_STARTED] =
    g_signal_new ("run-started", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
  /* ::run-finished (entry, error): the run on screen ended. @entry tells its state (found,
   * guess, empty: then it was not added to the timeline; failed, with @error). */
  pm_document_signals[PM_DOCUMENT_SIGNAL_RUN_FINISHED] =
    g_signal_new ("run-finished", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, PM_TYPE_RUN_ENTRY, G_TYPE_ERROR);
  /* ::current-changed (animate): what is on screen is another run (or the photo), or the
   * run on screen was loaded from the history. */
  pm_document_signals[PM_DOCUMENT_SIGNAL_CURRENT_CHANGED] =
    g_signal_new ("current-changed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  /* ::mask-changed (x, y, width, height): the mask on screen changed inside that rect (a
   * correction in progress, committed, cancelled, undone or redone). */
  pm_document_signals[PM_DOCUMENT_SIGNAL_MASK_CHANGED] =
    g_signal_new ("mask-changed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT);
  /* ::history-changed: the history store changed (a run or correction recorded, a run or
   * session deleted, a file imported). */
  pm_document_signals[PM_DOCUMENT_SIGNAL_HISTORY_CHANGED] =
    g_signal_new ("history-changed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  /* ::message (text, is_error): something to tell the user. */
  pm_document_signals[PM_DOCUMENT_SIGNAL_MESSAGE] =
    g_signal_new ("message", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
}

static void
pm_document_class_init (PmDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = pm_document_get_property;
  object_class->set_property = pm_document_set_property;
  object_class->dispose = pm_document_dispose;
  object_class->finalize = pm_document_finalize;
  install_properties (object_class);
  install_signals (object_class);
}

static void
pm_document_init (PmDocument *self)
{
  self->timeline = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_run_entry_unref);
  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_run_entry_unref);
  self->position = -1;
}

/**
 * pm_document_new:
 * @store: (nullable): the history store runs are recorded in
 *
 * Returns: (transfer full): an empty document
 */
PmDocument *
pm_document_new (PmAppStore *store)
{
  return g_object_new (PM_TYPE_DOCUMENT, "store", store, NULL);
}
