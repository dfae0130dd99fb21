/* pm-window-export.c: PmWindow's export dialogs: the edited image and masks into a folder,
 * the session into a .paintmask file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The files are written by the document (pm_document_export_async(),
 * pm_document_export_session_async()); this is the choosing, confirming and telling.
 */
#define G_LOG_DOMAIN "pm-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-window-private.h"

/* ---------------------------------------------------------------- edit and masks */

/**
 * pm_window_get_photo_stem:
 *
 * Returns: (transfer full): the stem of every file exported from the photo ("coffee")
 */
char *
pm_window_get_photo_stem (PmWindow *self)
{
  return pm_document_get_stem (self->document);
}

typedef struct {
  PmWindow *self;
  char     *dir;
} ExportCall;

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autofree ExportCall *call = user_data;
  g_autoptr(PmWindow) self = call->self;
  g_autofree char *dir = call->dir;
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = g_path_get_basename (dir);
  g_autofree char *stem = NULL;
  g_autofree char *uri = NULL;
  AdwToast *toast;

  if (!pm_document_export_finish (PM_DOCUMENT (source), result, &error))
    {
      g_autofree char *msg = g_strdup_printf (_("Could not export to “%s”: %s"), folder,
                                              error->message);
      pm_window_show_error (self, msg);
      return;
    }
  if (self->document == NULL)   /* disposed */
    return;
  stem = pm_document_get_stem (self->document);
  uri = g_filename_to_uri (dir, NULL, NULL);
  toast = adw_toast_new_format (_("Exported “%s-edited.png”, its mask and soft mask to “%s”"),
                                stem, folder);
  adw_toast_set_timeout (toast, 6);
  adw_toast_set_button_label (toast, _("Open _Folder"));
  adw_toast_set_action_name (toast, "win.open-folder");
  adw_toast_set_action_target_value (toast, g_variant_new_string (uri ? uri : ""));
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/**
 * pm_window_export_to_folder:
 * @folder: an existing folder
 *
 * Writes the run on screen as `<stem>-edited.png`, `<stem>-mask.png` and
 * `<stem>-soft-mask.png` into @folder (replacing files of those names); a toast offers to
 * open the folder.
 */
void
pm_window_export_to_folder (PmWindow   *self,
                            const char *folder)
{
  ExportCall *call;

  g_return_if_fail (PM_IS_WINDOW (self));
  g_return_if_fail (folder != NULL);

  call = g_new0 (ExportCall, 1);
  call->self = g_object_ref (self);
  call->dir = g_strdup (folder);
  pm_document_export_async (self->document, folder, NULL, export_done_cb, call);
}

/* The files an export into @folder would replace, as a list for a message (or NULL). */
static char *
existing_exports (PmWindow   *self,
                  const char *folder)
{
  g_auto(GStrv) paths = pm_document_get_export_paths (self->document, folder);
  GString *names = NULL;

  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autofree char *name = g_path_get_basename (paths[i]);

      if (!g_file_test (paths[i], G_FILE_TEST_EXISTS))
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
        pm_window_show_error (self, _("Export needs a local folder"));
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
  PmPhoto *photo = pm_document_get_photo (self->document);

  if (photo != NULL && photo->path != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (photo->path);
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

  if (pm_document_get_edited (self->document) == NULL)
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

/* ---------------------------------------------------------------- session files */

static const char *
nothing_to_export (void)
{
  return _("Nothing to export yet: a session holds this photo's runs, and it has none in "
           "the history. Run an instruction first.");
}

static void
export_session_done_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(PmWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!pm_document_export_session_finish (PM_DOCUMENT (source), result, &error))
    {
      g_autofree char *msg = g_strdup_printf (_("Could not export the session: %s"),
                                              error->message);
      pm_window_show_error (self, msg);
    }
  else
    pm_window_toast (self, _("Session exported"));
}

/**
 * pm_window_export_session_to:
 * @path: the .paintmask file to write
 *
 * Writes the photo's session to @path; a toast reports the outcome.
 */
void
pm_window_export_session_to (PmWindow   *self,
                             const char *path)
{
  g_return_if_fail (PM_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  if (pm_document_get_session_id (self->document) <= 0)
    {
      pm_window_show_error (self, nothing_to_export ());
      return;
    }
  pm_document_export_session_async (self->document, path, NULL, export_session_done_cb,
                                    g_object_ref (self));
}

static void
export_session_response_cb (GtkNativeDialog *dialog,
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
  pm_window_finish_dialog (self);
}

void
pm_window_export_session_action (GSimpleAction *action,
                                 GVariant      *param,
                                 gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);
  GtkFileChooserNative *dialog;
  g_autofree char *stem = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GFile) folder = NULL;

  if (pm_document_get_session_id (self->document) <= 0)
    {
      pm_window_show_error (self, nothing_to_export ());
      return;
    }
  dialog = gtk_file_chooser_native_new (_("Export Session"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                        _("_Cancel"));
  stem = pm_document_get_stem (self->document);
  name = g_strdup_printf ("%s.paintmask", stem);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  folder = default_export_folder (self);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), folder, NULL);
  pm_window_track_dialog (self, dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (export_session_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

void
pm_window_init_export (PmWindow *self)
{
  static const GActionEntry actions[] = {
    { "open-folder", open_folder_action, "s" },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);
}
