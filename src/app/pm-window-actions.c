/* pm-window-actions.c: PmWindow's actions, keys, file dialogs, drag-and-drop and paste.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-window-private.h"

#define MAX_RECENT 8

/* ---------------------------------------------------------------- helpers */

static void
set_action_enabled (PmWindow   *self,
                    const char *name,
                    gboolean    enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  if (action != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

void
pm_window_update_actions (PmWindow *self)
{
  gboolean photo = self->photo != NULL;
  PmRunEntry *entry = pm_window_get_entry (self);
  gboolean result = entry != NULL && entry->edited != NULL;

  set_action_enabled (self, "run", photo);
  set_action_enabled (self, "cancel", self->run_cancellable != NULL);
  set_action_enabled (self, "undo", photo && self->position >= 0);
  set_action_enabled (self, "redo", photo && self->position + 1 < (int) self->timeline->len);
  set_action_enabled (self, "export", result);
  /* Enabled with a photo: when there is nothing to export yet, it says why. */
  set_action_enabled (self, "export-session", photo);
  set_action_enabled (self, "import-edited", photo);
  set_action_enabled (self, "overlay", photo);
  set_action_enabled (self, "zoom-fit", photo);
  set_action_enabled (self, "zoom-100", photo);
  set_action_enabled (self, "zoom-in", photo);
  set_action_enabled (self, "zoom-out", photo);
  gtk_widget_set_sensitive (GTK_WIDGET (self->compare_button), result);
}

static gboolean
focus_in_text (PmWindow *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  return focus != NULL && (GTK_IS_EDITABLE (focus) || GTK_IS_TEXT (focus));
}

GtkFileFilter *
pm_window_image_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Photos"));
  gtk_file_filter_add_pixbuf_formats (filter);
  return filter;
}

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

static void
open_action (GSimpleAction *action,
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
  gtk_file_filter_set_name (filter, _("Paintmask History Files"));
  gtk_file_filter_add_pattern (filter, "*.paintmask");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  pm_window_track_dialog (self, dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (open_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
open_recent_action (GSimpleAction *action,
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
  g_autoptr(PmPhoto) photo = NULL;

  if (image == NULL)
    {
      pm_window_error (self, _("The pasted image is empty or too large"));
      return;
    }
  photo = pm_photo_new (image, NULL, _("Pasted Photo"));
  pm_window_set_photo (self, photo);
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
      pm_window_error (self, msg);
      return;
    }
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

  if (value == NULL || !open_value (self, value))
    pm_window_error (self, _("Could not paste: the clipboard holds no file"));
}

static void
paste_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);

  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT, NULL,
                                    paste_files_cb, g_object_ref (self));
  else if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE) ||
           gdk_content_formats_contain_mime_type (formats, "image/png"))
    gdk_clipboard_read_texture_async (clipboard, NULL, paste_texture_cb, g_object_ref (self));
  else if (focus_in_text (self))
    gtk_widget_activate_action (gtk_root_get_focus (GTK_ROOT (self)), "clipboard.paste", NULL);
  else
    pm_window_error (self, _("The clipboard holds no image"));
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

/* ---------------------------------------------------------------- run, history */

static void
run_action (GSimpleAction *action,
            GVariant      *param,
            gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);

  pm_window_run (self, gtk_editable_get_text (GTK_EDITABLE (self->instruction_entry)));
}

static void
cancel_action (GSimpleAction *action,
               GVariant      *param,
               gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);

  if (self->run_cancellable != NULL)
    {
      pm_window_cancel_run (self);
      pm_window_toast (self, _("Run cancelled"));
    }
}

static void
undo_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);

  if (self->position >= 0)
    pm_window_show_position (self, self->position - 1, FALSE);
}

static void
redo_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);

  if (self->position + 1 < (int) self->timeline->len)
    pm_window_show_position (self, self->position + 1, FALSE);
}

static void
focus_instruction_action (GSimpleAction *action,
                          GVariant      *param,
                          gpointer       user_data)
{
  gtk_widget_grab_focus (GTK_WIDGET (PM_WINDOW (user_data)->instruction_entry));
}

/* ---------------------------------------------------------------- zoom */

static void
update_zoom_label (PmWindow *self)
{
  g_autofree char *label = g_strdup_printf ("%.0f %%", pm_canvas_get_zoom (self->canvas) * 100);

  gtk_menu_button_set_label (self->zoom_button, label);
}

static void
zoom_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);
  double zoom = pm_canvas_get_zoom (self->canvas);

  const char *name = g_action_get_name (G_ACTION (action));

  if (g_str_equal (name, "zoom-fit"))
    pm_canvas_zoom_fit (self->canvas);
  else if (g_str_equal (name, "zoom-100"))
    pm_canvas_set_zoom (self->canvas, 1.0);
  else if (g_str_equal (name, "zoom-in"))
    pm_canvas_set_zoom (self->canvas, zoom * 1.25);
  else
    pm_canvas_set_zoom (self->canvas, zoom / 1.25);
}

/* ---------------------------------------------------------------- keys, compare */

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                PmWindow              *self)
{
  if (focus_in_text (self) || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)))
    return FALSE;

  switch (keyval)
    {
    case GDK_KEY_m:
    case GDK_KEY_M:
      gtk_widget_activate_action (GTK_WIDGET (self), "win.overlay", NULL);
      return TRUE;
    case GDK_KEY_backslash:
      pm_canvas_set_show_original (self->canvas, TRUE);
      return TRUE;
    case GDK_KEY_plus:
    case GDK_KEY_equal:
    case GDK_KEY_KP_Add:
      gtk_widget_activate_action (GTK_WIDGET (self), "win.zoom-in", NULL);
      return TRUE;
    case GDK_KEY_minus:
    case GDK_KEY_KP_Subtract:
      gtk_widget_activate_action (GTK_WIDGET (self), "win.zoom-out", NULL);
      return TRUE;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
      gtk_widget_activate_action (GTK_WIDGET (self), "win.run", NULL);
      return TRUE;
    default:
      return FALSE;
    }
}

static void
key_released_cb (GtkEventControllerKey *controller,
                 guint                  keyval,
                 guint                  keycode,
                 GdkModifierType        state,
                 PmWindow              *self)
{
  if (keyval == GDK_KEY_backslash)
    pm_canvas_set_show_original (self->canvas, FALSE);
}

static void
compare_pressed_cb (GtkGestureClick *gesture,
                    int              n_press,
                    double           x,
                    double           y,
                    PmWindow        *self)
{
  pm_canvas_set_show_original (self->canvas, TRUE);
}

static void
compare_released_cb (GtkGestureClick *gesture,
                     int              n_press,
                     double           x,
                     double           y,
                     PmWindow        *self)
{
  pm_canvas_set_show_original (self->canvas, FALSE);
}

static void
compare_cancel_cb (GtkGesture       *gesture,
                   GdkEventSequence *sequence,
                   PmWindow         *self)
{
  pm_canvas_set_show_original (self->canvas, FALSE);
}

/* The pointer left the button while held: no "released" follows, so end the compare here
 * (else the original would stick on screen). */
static void
compare_stopped_cb (GtkGestureClick *gesture,
                    PmWindow        *self)
{
  pm_canvas_set_show_original (self->canvas, FALSE);
}

/* ---------------------------------------------------------------- stateful actions */

static void
overlay_state_cb (PmWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "overlay");

  g_simple_action_set_state (G_SIMPLE_ACTION (action),
                             g_variant_new_boolean (pm_canvas_get_show_overlay (self->canvas)));
}

static void
toggle_overlay (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  PmWindow *self = user_data;
  gboolean show = !pm_canvas_get_show_overlay (self->canvas);

  pm_canvas_set_show_overlay (self->canvas, show);
  g_settings_set_boolean (self->settings, "show-overlay", show);
}

static void
toggle_history (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  PmWindow *self = user_data;
  gboolean show = !adw_flap_get_reveal_flap (self->flap);

  adw_flap_set_reveal_flap (self->flap, show);
  g_simple_action_set_state (action, g_variant_new_boolean (show));
  g_settings_set_boolean (self->settings, "show-history", show);
  if (show)
    pm_window_reload_history (self);
}

static const GActionEntry window_actions[] = {
  { "open", open_action },
  { "open-recent", open_recent_action, "s" },
  { "paste", paste_action },
  { "run", run_action },
  { "cancel", cancel_action },
  { "undo", undo_action },
  { "redo", redo_action },
  { "zoom-fit", zoom_action },
  { "zoom-100", zoom_action },
  { "zoom-in", zoom_action },
  { "zoom-out", zoom_action },
  { "export", pm_window_export_action },
  { "export-session", pm_window_export_session_action },
  { "import-edited", pm_window_import_edited_action },
  { "focus-instruction", focus_instruction_action },
  { "overlay", toggle_overlay, NULL, "false" },
  { "show-history", toggle_history, NULL, "false" },
};

static gboolean
close_request_cb (PmWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  return FALSE;
}

/* ---------------------------------------------------------------- setup */

void
pm_window_init_actions (PmWindow *self)
{
  GtkEventController *controller;
  GtkDropTarget *drop;
  GtkGesture *gesture;
  GType drop_types[] = { GDK_TYPE_FILE_LIST, GDK_TYPE_TEXTURE };

  /* GActionMap actions (not class actions) so that they can be disabled. */
  g_action_map_add_action_entries (G_ACTION_MAP (self), window_actions,
                                   G_N_ELEMENTS (window_actions), self);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  g_signal_connect (controller, "key-released", G_CALLBACK (key_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop, drop_types, G_N_ELEMENTS (drop_types));
  g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->view_stack), GTK_EVENT_CONTROLLER (drop));

  gesture = gtk_gesture_click_new ();
  g_signal_connect (gesture, "pressed", G_CALLBACK (compare_pressed_cb), self);
  g_signal_connect (gesture, "released", G_CALLBACK (compare_released_cb), self);
  g_signal_connect (gesture, "cancel", G_CALLBACK (compare_cancel_cb), self);
  g_signal_connect (gesture, "stopped", G_CALLBACK (compare_stopped_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->compare_button), GTK_EVENT_CONTROLLER (gesture));

  g_signal_connect_object (self->canvas, "notify::show-overlay",
                           G_CALLBACK (overlay_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->canvas, "notify::zoom",
                           G_CALLBACK (update_zoom_label), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_recent_manager_get_default (), "changed",
                           G_CALLBACK (rebuild_recent_menu), self, G_CONNECT_SWAPPED);
  g_signal_connect (self, "close-request", G_CALLBACK (close_request_cb), NULL);

  pm_canvas_set_show_overlay (self->canvas,
                              g_settings_get_boolean (self->settings, "show-overlay"));
  if (g_settings_get_boolean (self->settings, "show-history"))
    g_action_group_activate_action (G_ACTION_GROUP (self), "show-history", NULL);
  rebuild_recent_menu (self);
  update_zoom_label (self);
}

void
pm_window_dispose_actions (PmWindow *self)
{
  if (self->dialog != NULL)
    gtk_native_dialog_destroy (self->dialog);
  g_clear_object (&self->dialog);
}
