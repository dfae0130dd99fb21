/* pm-window-export.c: PmWindow's export of the edited image and masks into a folder, and
 * import of an edited version made elsewhere.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-window"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "pm-derive.h"
#include "pm-maskio.h"
#include "pm-window-private.h"

/* ---------------------------------------------------------------- export */

/* What Export writes, in this order: "<stem>-edited.png", "<stem>-mask.png" (0/255) and
 * "<stem>-soft-mask.png" (0..255). */
static const char * const export_suffixes[] = { "edited", "mask", "soft-mask" };
#define N_EXPORTS G_N_ELEMENTS (export_suffixes)

typedef struct {
  PmRunEntry *entry;
  char       *dir;
  char       *paths[N_EXPORTS];
} ExportJob;

static void
export_job_free (gpointer data)
{
  ExportJob *job = data;

  pm_run_entry_unref (job->entry);
  g_free (job->dir);
  for (guint i = 0; i < N_EXPORTS; i++)
    g_free (job->paths[i]);
  g_free (job);
}

/**
 * pm_window_get_photo_stem:
 *
 * Returns: (transfer full): the photo's file name without its extension ("coffee"), the
 *   stem of every file exported from it
 */
char *
pm_window_get_photo_stem (PmWindow *self)
{
  g_autofree char *base = NULL;
  char *dot;

  if (self->photo == NULL || self->photo->path == NULL)
    return g_strdup (_("pasted-photo"));
  base = g_path_get_basename (self->photo->path);
  dot = strrchr (base, '.');
  if (dot != NULL && dot != base)
    *dot = '\0';
  return g_steal_pointer (&base);
}

static gboolean
write_export (const PmRunEntry  *entry,
              guint              kind,
              const char        *path,
              GError           **error)
{
  switch (kind)
    {
    case 0:
      return pm_image_save_png (entry->edited, path, error);
    case 1:
      return pm_mask_save_png (entry->mask, path, FALSE, error);
    default:
      /* An imported or restored run may lack its soft mask: the binary one stands in. */
      return pm_mask_save_png (entry->soft_mask != NULL ? entry->soft_mask : entry->mask, path,
                               TRUE, error);
    }
}

/* Writes every file next to its final name first, then renames them all: a failure leaves
 * none of the three half-written or mixed with an older export. */
static void
export_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  g_autofree char *parts[N_EXPORTS] = { NULL };
  GError *error = NULL;
  guint written = 0;

  for (; written < N_EXPORTS; written++)
    {
      parts[written] = g_strconcat (job->paths[written], ".part", NULL);
      if (!write_export (job->entry, written, parts[written], &error))
        break;
    }
  for (guint i = 0; error == NULL && i < N_EXPORTS; i++)
    if (g_rename (parts[i], job->paths[i]) != 0)
      {
        int saved = errno;
        g_autofree char *name = g_path_get_basename (job->paths[i]);
        g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (saved), _("Cannot write “%s”: %s"),
                     name, g_strerror (saved));
      }
  if (error != NULL)
    {
      for (guint i = 0; i < N_EXPORTS; i++)
        if (parts[i] != NULL)
          g_unlink (parts[i]);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  PmWindow *self = PM_WINDOW (source);
  ExportJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = g_path_get_basename (job->dir);

  pm_window_release (self);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *msg = g_strdup_printf (_("Could not export to “%s”: %s"), folder,
                                              error->message);
      pm_window_error (self, msg);
      return;
    }
  if (self->timeline != NULL)   /* not disposed */
    {
      g_autofree char *uri = g_filename_to_uri (job->dir, NULL, NULL);
      g_autofree char *edited = g_path_get_basename (job->paths[0]);
      AdwToast *toast = adw_toast_new_format (_("Exported “%s”, its mask and soft mask to “%s”"),
                                              edited, folder);

      adw_toast_set_timeout (toast, 6);
      adw_toast_set_button_label (toast, _("Open _Folder"));
      adw_toast_set_action_name (toast, "win.open-folder");
      adw_toast_set_action_target_value (toast, g_variant_new_string (uri ? uri : ""));
      adw_toast_overlay_add_toast (self->toast_overlay, toast);
    }
}

/**
 * pm_window_export_to_folder:
 * @folder: an existing folder
 *
 * Writes the run on screen as `<stem>-edited.png`, `<stem>-mask.png` and
 * `<stem>-soft-mask.png` into @folder (replacing files of those names), in a worker; a toast
 * offers to open the folder.
 */
void
pm_window_export_to_folder (PmWindow   *self,
                            const char *folder)
{
  PmRunEntry *entry;
  g_autoptr(GTask) task = NULL;
  g_autofree char *stem = NULL;
  ExportJob *job;

  g_return_if_fail (PM_IS_WINDOW (self));
  g_return_if_fail (folder != NULL);

  entry = pm_window_get_entry (self);
  if (entry == NULL || entry->edited == NULL || entry->mask == NULL)
    {
      pm_window_error (self, _("Nothing to export yet: run an instruction first"));
      return;
    }
  stem = pm_window_get_photo_stem (self);
  job = g_new0 (ExportJob, 1);
  job->entry = pm_run_entry_ref (entry);
  job->dir = g_strdup (folder);
  for (guint i = 0; i < N_EXPORTS; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%s.png", stem, export_suffixes[i]);
      job->paths[i] = g_build_filename (folder, name, NULL);
    }
  task = g_task_new (self, NULL, export_done_cb, NULL);
  g_task_set_task_data (task, job, export_job_free);
  pm_window_hold (self);
  g_task_run_in_thread (task, export_thread);
}

/* The files an export into @folder would replace, as a list for a message (or NULL). */
static char *
existing_exports (PmWindow   *self,
                  const char *folder)
{
  g_autofree char *stem = pm_window_get_photo_stem (self);
  GString *names = NULL;

  for (guint i = 0; i < N_EXPORTS; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%s.png", stem, export_suffixes[i]);
      g_autofree char *path = g_build_filename (folder, name, NULL);

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      if (names == NULL)
        names = g_string_new (NULL);
      else
        g_string_append (names, ", ");
      g_string_append (names, name);
    }
  return names != NULL ? g_string_free (names, FALSE) : NULL;
}

static void
replace_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     PmWindow         *self)
{
  const char *folder = g_object_get_data (G_OBJECT (dialog), "pm-folder");

  if (g_strcmp0 (response, "replace") == 0)
    pm_window_export_to_folder (self, folder);
}

static void
export_folder_chosen (PmWindow   *self,
                      const char *folder)
{
  g_autofree char *existing = existing_exports (self, folder);
  GtkWidget *dialog;

  if (existing == NULL)
    {
      pm_window_export_to_folder (self, folder);
      return;
    }
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Replace the Earlier Export?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("The folder already has %s."), existing);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "replace", _("_Replace"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "replace",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "pm-folder", g_strdup (folder), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (replace_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    PmWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *folder = file != NULL ? g_file_get_path (file) : NULL;

      if (folder == NULL)
        pm_window_error (self, _("Export needs a local folder"));
      else
        export_folder_chosen (self, folder);
    }
  pm_window_finish_dialog (self);
}

/* The photo's folder, else Pictures. */
static GFile *
default_export_folder (PmWindow *self)
{
  const char *pictures = g_get_user_special_dir (G_USER_DIRECTORY_PICTURES);

  if (self->photo != NULL && self->photo->path != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (self->photo->path);
      return g_file_get_parent (file);
    }
  return g_file_new_for_path (pictures != NULL ? pictures : g_get_home_dir ());
}

void
pm_window_export_action (GSimpleAction *action,
                         GVariant      *param,
                         gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);
  GtkFileChooserNative *dialog;
  g_autoptr(GFile) folder = NULL;

  if (pm_window_get_edited (self) == NULL)
    return;
  dialog = gtk_file_chooser_native_new (_("Export the Edited Image and Masks to a Folder"),
                                        GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Export"),
                                        _("_Cancel"));
  folder = default_export_folder (self);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), folder, NULL);
  pm_window_track_dialog (self, dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
open_folder_action (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       user_data)
{
  const char *uri = g_variant_get_string (param, NULL);

  if (*uri != '\0')
    gtk_show_uri (GTK_WINDOW (user_data), uri, GDK_CURRENT_TIME);
}

void
pm_window_init_export (PmWindow *self)
{
  static const GActionEntry actions[] = {
    { "open-folder", open_folder_action, "s" },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);
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
