/* pm-window-export.c: PmWindow's export of the edited image and masks, and import of an
 * edited version made elsewhere.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-window"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pm-derive.h"
#include "pm-maskio.h"
#include "pm-window-private.h"

/* ---------------------------------------------------------------- export */

typedef struct {
  PmRunEntry *entry;
  char       *path;
  char       *kind;
} ExportJob;

static void
export_job_free (gpointer data)
{
  ExportJob *job = data;

  pm_run_entry_unref (job->entry);
  g_free (job->path);
  g_free (job->kind);
  g_free (job);
}

static void
export_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  GError *error = NULL;
  gboolean ok;

  if (g_str_equal (job->kind, "mask"))
    ok = pm_mask_save_png (job->entry->mask, job->path, FALSE, &error);
  else if (g_str_equal (job->kind, "soft"))
    ok = job->entry->soft_mask != NULL
         ? pm_mask_save_png (job->entry->soft_mask, job->path, TRUE, &error)
         : pm_mask_save_png (job->entry->mask, job->path, TRUE, &error);
  else
    ok = pm_image_save_png (job->entry->edited, job->path, &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  PmWindow *self = PM_WINDOW (source);
  ExportJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_path_get_basename (job->path);

  pm_window_release (self);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *msg = g_strdup_printf (_("Could not export “%s”: %s"), name,
                                              error->message);
      pm_window_error (self, msg);
    }
  else
    {
      g_autofree char *msg = g_strdup_printf (_("Exported “%s”"), name);
      pm_window_toast (self, msg);
    }
}

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    PmWindow        *self)
{
  PmRunEntry *entry = pm_window_get_entry (self);

  if (response == GTK_RESPONSE_ACCEPT && entry != NULL && entry->edited != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      const char *kind = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (dialog), "kind");
      g_autoptr(GTask) task = g_task_new (self, NULL, export_done_cb, NULL);
      ExportJob *job = g_new0 (ExportJob, 1);

      job->entry = pm_run_entry_ref (entry);
      job->path = file ? g_file_get_path (file) : NULL;
      job->kind = g_strdup (kind ? kind : "edited");
      g_task_set_task_data (task, job, export_job_free);
      if (job->path == NULL)
        pm_window_error (self, _("Export needs a local file"));
      else
        {
          pm_window_hold (self);
          g_task_run_in_thread (task, export_thread);
        }
    }
  pm_window_finish_dialog (self);
}

void
pm_window_export_action (GSimpleAction *action,
                         GVariant      *param,
                         gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);
  GtkFileChooserNative *dialog;
  static const char *ids[] = { "edited", "mask", "soft", NULL };
  const char *labels[] = { _("Edited image"), _("Mask (black and white)"),
                           _("Soft mask (greyscale)"), NULL };
  g_autofree char *stem = NULL;
  g_autofree char *suggested = NULL;

  if (pm_window_get_edited (self) == NULL)
    return;
  dialog = gtk_file_chooser_native_new (_("Export"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                        _("_Cancel"));
  gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (dialog), "kind", _("Export"),
                               ids, labels);
  gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (dialog), "kind", "edited");
  stem = g_strdup (self->photo->title);
  if (strrchr (stem, '.') != NULL)
    *strrchr (stem, '.') = '\0';
  suggested = g_strdup_printf ("%s-edited.png", stem);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), suggested);
  pm_window_track_dialog (self, dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

void
pm_window_export_session_action (GSimpleAction *action,
                                 GVariant      *param,
                                 gpointer       user_data)
{
  pm_window_export_session (PM_WINDOW (user_data));
}

/* ---------------------------------------------------------------- import edited result */

typedef struct {
  PmPhoto *photo;
  GFile   *file;
} ImportJob;

typedef struct {
  PmImage *edited;   /* at the photo's size */
  PmMask  *mask;
  PmMask  *soft;
} ImportResult;

static void
import_job_free (gpointer data)
{
  ImportJob *job = data;

  pm_photo_unref (job->photo);
  g_object_unref (job->file);
  g_free (job);
}

static void
import_result_free (gpointer data)
{
  ImportResult *res = data;

  g_clear_pointer (&res->edited, pm_image_free);
  g_clear_pointer (&res->mask, pm_mask_free);
  g_clear_pointer (&res->soft, pm_mask_free);
  g_free (res);
}

static void
import_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ImportJob *job = task_data;
  const PmImage *original = job->photo->image;
  g_autofree char *path = g_file_get_path (job->file);
  g_autoptr(PmImage) edited = NULL;
  PmDeriveOptions options;
  ImportResult *res;
  GError *error = NULL;

  if (path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "%s", _("Import needs a local file"));
      return;
    }
  edited = pm_image_load (path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  if (edited == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  res = g_new0 (ImportResult, 1);
  pm_derive_options_init (&options);
  res->mask = pm_mask_derive (original, edited, &options, &res->soft, &error);
  if (res->mask == NULL)
    {
      import_result_free (res);
      g_task_return_error (task, error);
      return;
    }
  if (edited->width != original->width || edited->height != original->height)
    res->edited = pm_image_resize (edited, original->width, original->height);
  else
    res->edited = g_steal_pointer (&edited);
  g_task_return_pointer (task, res, import_result_free);
}

static void
import_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  PmWindow *self = PM_WINDOW (source);
  ImportJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  ImportResult *res = g_task_propagate_pointer (G_TASK (result), &error);

  pm_window_release (self);
  if (res == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("Could not import the edited result: %s"),
                                              error->message);
      pm_window_error (self, msg);
      return;
    }
  if (job->photo == self->photo)
    {
      g_autoptr(PmRunEntry) entry = pm_run_entry_new ();
      g_autofree char *name = g_file_get_basename (job->file);

      entry->instruction = g_strdup_printf (_("Imported %s"), name);
      entry->engine = g_strdup ("import");
      entry->edited = g_steal_pointer (&res->edited);
      entry->mask = g_steal_pointer (&res->mask);
      entry->soft_mask = g_steal_pointer (&res->soft);
      pm_window_append_entry (self, entry, TRUE);
      pm_canvas_set_show_overlay (self->canvas, TRUE);
    }
  import_result_free (res);
}

/**
 * pm_window_import_edited:
 * @file: an edited version of the current photo (any size; it is resampled)
 *
 * Derives the mask from @file and the photo (issue 5's "bring your own editor") and shows
 * it as a new entry of the timeline, with the overlay on.
 */
void
pm_window_import_edited (PmWindow *self,
                         GFile    *file)
{
  g_autoptr(GTask) task = NULL;
  ImportJob *job;

  g_return_if_fail (PM_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->photo == NULL)
    {
      pm_window_error (self, _("Open a photo first"));
      return;
    }
  task = g_task_new (self, NULL, import_done_cb, NULL);
  job = g_new0 (ImportJob, 1);
  job->photo = pm_photo_ref (self->photo);
  job->file = g_object_ref (file);
  g_task_set_task_data (task, job, import_job_free);
  pm_window_hold (self);
  g_task_run_in_thread (task, import_thread);
}

static void
import_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    PmWindow        *self)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT &&
      (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))) != NULL)
    pm_window_import_edited (self, file);
  pm_window_finish_dialog (self);
}

void
pm_window_import_edited_action (GSimpleAction *action,
                                GVariant      *param,
                                gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("Import an Edited Version of This Photo"),
                                        GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Import"), _("_Cancel"));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), pm_window_image_filter ());
  pm_window_track_dialog (self, dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (import_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}
