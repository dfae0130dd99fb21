/* pm-window-files.c: PmWindow's files: open and recent photos, paste and drop, export of the
 * edit and masks, session files, import of an edit made elsewhere.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-window"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pm-maskio.h"
#include "pm-window-private.h"

#define MAX_RECENT 8

/* ---------------------------------------------------------------- dialogs */

static GtkFileFilter *
image_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Photos"));
  gtk_file_filter_add_pixbuf_formats (filter);
  return filter;
}

/* Keeps @dialog (one at a time) until it answers or the window goes. */
void
pm_window_track_dialog (PmWindow             *self,
                        GtkFileChooserNative *dialog)
{
  if (self->dialog != NULL)
    gtk_native_dialog_destroy (self->dialog);
  g_clear_object (&self->dialog);
  self->dialog = GTK_NATIVE_DIALOG (dialog);
  gtk_native_dialog_set_modal (self->dialog, TRUE);
}

static void
finish_dialog (PmWindow *self)
{
  g_clear_object (&self->dialog);
}

/* ---------------------------------------------------------------- open */

static void
open_response_cb (GtkNativeDialog *dialog,
                  int              response,
                  PmWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (file != NULL)
        pm_window_open_file (self, file);
    }
  finish_dialog (self);
}

void
pm_window_open_action (GSimpleAction *action,
                       GVariant      *param,
                       gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);
  GtkFileChooserNative *dialog;
  GtkFileFilter *filter;

  dialog = gtk_file_chooser_native_new (_("Open a Photo"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), image_filter ());
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Paintmask History Files"));
  gtk_file_filter_add_pattern (filter, "*.paintmask");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  pm_window_track_dialog (self, dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (open_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

void
pm_window_open_recent_action (GSimpleAction *action,
                              GVariant      *param,
                              gpointer       user_data)
{
  g_autoptr(GFile) file = g_file_new_for_uri (g_variant_get_string (param, NULL));

  pm_window_open_file (PM_WINDOW (user_data), file);
}

static gint
compare_recent (gconstpointer a,
                gconstpointer b)
{
  GDateTime *ma = gtk_recent_info_get_modified ((GtkRecentInfo *) a);
  GDateTime *mb = gtk_recent_info_get_modified ((GtkRecentInfo *) b);

  return g_date_time_compare (mb, ma);
}

static void
rebuild_recent_menu (PmWindow *self)
{
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  const char *app_name = g_get_application_name ();
  guint n = 0;

  g_menu_remove_all (self->recent_menu);
  items = g_list_sort (items, compare_recent);
  for (GList *l = items; l != NULL && n < MAX_RECENT; l = l->next)
    {
      GtkRecentInfo *info = l->data;
      g_autoptr(GMenuItem) item = NULL;

      if (app_name == NULL || !gtk_recent_info_has_application (info, app_name) ||
          !gtk_recent_info_exists (info))
        continue;
      item = g_menu_item_new (gtk_recent_info_get_display_name (info), NULL);
      g_menu_item_set_action_and_target (item, "win.open-recent", "s",
                                         gtk_recent_info_get_uri (info));
      g_menu_append_item (self->recent_menu, item);
      n++;
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
  if (n == 0)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (_("No Recent Photos"), "win.none");
      g_menu_append_item (self->recent_menu, item);
    }
}

/* ---------------------------------------------------------------- paste, drop */

static PmImage *
image_from_texture (GdkTexture *texture)
{
  int w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  g_autofree guint8 *argb = NULL;
  PmImage *image;

  if ((gint64) w * h > PM_IMAGE_DEFAULT_MAX_PIXELS || w <= 0 || h <= 0)
    return NULL;
  /* gdk_texture_download() gives premultiplied CAIRO_FORMAT_ARGB32 (native endian). */
  argb = g_malloc ((gsize) w * h * 4);
  gdk_texture_download (texture, argb, (gsize) w * 4);
  image = pm_image_new (w, h);
  for (gsize i = 0; i < (gsize) w * h; i++)
    {
      guint32 p = ((guint32 *) argb)[i];
      guint a = p >> 24;
      guint8 *o = image->data + i * 4;
      guint c[3] = { (p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff };

      for (int k = 0; k < 3; k++)
        o[k] = a ? (guint8) MIN (255u, (c[k] * 255 + a / 2) / a) : 0;
      o[3] = (guint8) a;
    }
  return image;
}

static void
open_texture (PmWindow   *self,
              GdkTexture *texture)
{
  PmImage *image = image_from_texture (texture);

  if (image == NULL)
    {
      pm_window_show_error (self, _("The pasted image is empty or too large"));
      return;
    }
  pm_document_set_image (self->document, image, NULL, _("Pasted Photo"));
}

static gboolean
open_value (PmWindow     *self,
            const GValue *value)
{
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = gdk_file_list_get_files (g_value_get_boxed (value));
      gboolean any = files != NULL;

      if (any)
        pm_window_open_file (self, files->data);
      g_slist_free (files);
      return any;
    }
  if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    {
      pm_window_open_file (self, g_value_get_object (value));
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE))
    {
      open_texture (self, g_value_get_object (value));
      return TRUE;
    }
  return FALSE;
}

static void
paste_texture_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(PmWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source),
                                                                      result, &error);
  if (texture == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("Could not paste: %s"), error->message);
      pm_window_show_error (self, msg);
      return;
    }
  if (self->document != NULL)
    open_texture (self, texture);
}

static void
paste_files_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(PmWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  const GValue *value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (source), result, &error);

  if (self->document != NULL && (value == NULL || !open_value (self, value)))
    pm_window_show_error (self, _("Could not paste: the clipboard holds no file"));
}

void
pm_window_paste_action (GSimpleAction *action,
                        GVariant      *param,
                        gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT, NULL,
                                    paste_files_cb, g_object_ref (self));
  else if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE) ||
           gdk_content_formats_contain_mime_type (formats, "image/png"))
    gdk_clipboard_read_texture_async (clipboard, NULL, paste_texture_cb, g_object_ref (self));
  else if (focus != NULL && (GTK_IS_EDITABLE (focus) || GTK_IS_TEXT (focus)))
    gtk_widget_activate_action (focus, "clipboard.paste", NULL);
  else
    pm_window_show_error (self, _("The clipboard holds no image"));
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         PmWindow      *self)
{
  return open_value (self, value);
}

/* ---------------------------------------------------------------- export */

typedef struct {
  PmRunEntry   *entry;
  PmSharedMask *mask;
  char         *path;
  char         *kind;
} ExportJob;

static void
export_job_free (gpointer data)
{
  ExportJob *job = data;

  pm_run_entry_unref (job->entry);
  pm_shared_mask_unref (job->mask);
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
    ok = pm_mask_save_png (job->mask->mask, job->path, FALSE, &error);
  else if (g_str_equal (job->kind, "soft"))
    ok = pm_mask_save_png (job->entry->soft_mask != NULL ? job->entry->soft_mask
                                                          : job->mask->mask,
                           job->path, TRUE, &error);
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
  g_autoptr(PmWindow) self = user_data;
  ExportJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_path_get_basename (job->path);
  g_autofree char *msg = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      msg = g_strdup_printf (_("Could not export “%s”: %s"), name, error->message);
      pm_window_show_error (self, msg);
      return;
    }
  msg = g_strdup_printf (_("Exported “%s”"), name);
  pm_window_toast (self, msg);
}

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    PmWindow        *self)
{
  PmRunEntry *entry = pm_document_get_current (self->document);

  if (response == GTK_RESPONSE_ACCEPT && entry != NULL && pm_run_entry_is_loaded (entry))
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      const char *kind = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (dialog), "kind");
      g_autoptr(GTask) task = g_task_new (NULL, NULL, export_done_cb, g_object_ref (self));
      ExportJob *job = g_new0 (ExportJob, 1);

      job->entry = pm_run_entry_ref (entry);
      job->mask = pm_shared_mask_ref (entry->mask);
      job->path = file ? g_file_get_path (file) : NULL;
      job->kind = g_strdup (kind ? kind : "edited");
      g_task_set_task_data (task, job, export_job_free);
      if (job->path == NULL)
        pm_window_show_error (self, _("Export needs a local file"));
      else
        g_task_run_in_thread (task, export_thread);
    }
  finish_dialog (self);
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

  if (pm_document_get_edited (self->document) == NULL)
    return;
  dialog = gtk_file_chooser_native_new (_("Export"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                        _("_Cancel"));
  gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (dialog), "kind", _("Export"), ids, labels);
  gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (dialog), "kind", "edited");
  stem = g_strdup (pm_document_get_title (self->document));
  if (strrchr (stem, '.') != NULL)
    *strrchr (stem, '.') = '\0';
  suggested = g_strdup_printf ("%s-edited.png", stem);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), suggested);
  pm_window_track_dialog (self, dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* ---------------------------------------------------------------- session files */

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
  finish_dialog (self);
}

void
pm_window_export_session_action (GSimpleAction *action,
                                 GVariant      *param,
                                 gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);
  GtkFileChooserNative *dialog;
  g_autofree char *name = NULL;

  if (pm_document_get_session_id (self->document) <= 0)
    {
      pm_window_show_error (self, _("Run an instruction first: the session is not in the "
                                    "history yet"));
      return;
    }
  dialog = gtk_file_chooser_native_new (_("Export Session"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                        _("_Cancel"));
  name = g_strdup_printf ("%s.paintmask", pm_document_get_title (self->document));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  pm_window_track_dialog (self, dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (export_session_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* ---------------------------------------------------------------- import */

static void
import_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    PmWindow        *self)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT &&
      (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))) != NULL)
    pm_window_import_edited (self, file);
  finish_dialog (self);
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
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), image_filter ());
  pm_window_track_dialog (self, dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (import_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* ---------------------------------------------------------------- setup */

void
pm_window_init_files (PmWindow *self)
{
  GtkDropTarget *drop;
  GType drop_types[] = { GDK_TYPE_FILE_LIST, GDK_TYPE_TEXTURE };

  drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop, drop_types, G_N_ELEMENTS (drop_types));
  g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->view_stack), GTK_EVENT_CONTROLLER (drop));
  g_signal_connect_object (gtk_recent_manager_get_default (), "changed",
                           G_CALLBACK (rebuild_recent_menu), self, G_CONNECT_SWAPPED);
  rebuild_recent_menu (self);
}
