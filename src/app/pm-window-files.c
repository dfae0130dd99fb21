/* pm-window-files.c: PmWindow's files: open and recent photos, paste and drop, import of an
 * edit made elsewhere.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-window-private.h"

#define MAX_RECENT 8

/* ---------------------------------------------------------------- dialogs */

GtkFileFilter *
pm_window_image_filter (void)
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

void
pm_window_finish_dialog (PmWindow *self)
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
  pm_window_finish_dialog (self);
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
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), pm_window_image_filter ());
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Paintmask Projects and History Files"));
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
      g_autofree char *label = NULL;

      if (app_name == NULL || !gtk_recent_info_has_application (info, app_name) ||
          !pm_window_is_recent_photo (info) || !gtk_recent_info_exists (info))
        continue;
      label = pm_window_escape_mnemonic (gtk_recent_info_get_display_name (info));
      item = g_menu_item_new (label, NULL);
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
  /* Not an image of the project file open in the window: recorded in the history. */
  pm_window_use_history (self);
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
