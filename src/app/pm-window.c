/* pm-window.c: the main window: its photo, its timeline of runs, construction.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Engines and runs are in pm-window-run.c, actions in pm-window-actions.c, the history in
 * pm-window-history.c; they share PmWindow's struct through pm-window-private.h.
 * Photos decode in a worker; the canvas shares their pixels (no copies).
 */
#define G_LOG_DOMAIN "pm-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-window-private.h"

G_DEFINE_FINAL_TYPE (PmWindow, pm_window, ADW_TYPE_APPLICATION_WINDOW)

const char * const pm_window_engine_ids[3] = { "builtin", "clipseg", "remote" };

static char load_tag; /* GTask source tag */

/* ---------------------------------------------------------------- photo, entries */

static void
photo_clear (gpointer data)
{
  PmPhoto *photo = data;

  pm_image_free (photo->image);
  g_free (photo->path);
  g_free (photo->title);
}

/* Takes @image. */
PmPhoto *
pm_photo_new (PmImage    *image,
              const char *path,
              const char *title)
{
  PmPhoto *photo = g_atomic_rc_box_new0 (PmPhoto);

  photo->image = image;
  photo->path = g_strdup (path);
  photo->title = g_strdup (title);
  return photo;
}

PmPhoto *
pm_photo_ref (PmPhoto *photo)
{
  return g_atomic_rc_box_acquire (photo);
}

void
pm_photo_unref (PmPhoto *photo)
{
  g_atomic_rc_box_release_full (photo, photo_clear);
}

static void
entry_clear (gpointer data)
{
  PmRunEntry *entry = data;

  g_free (entry->instruction);
  g_free (entry->engine);
  g_clear_pointer (&entry->edited, pm_image_free);
  g_clear_pointer (&entry->mask, pm_mask_free);
  g_clear_pointer (&entry->soft_mask, pm_mask_free);
}

PmRunEntry *
pm_run_entry_new (void)
{
  return g_atomic_rc_box_new0 (PmRunEntry);
}

PmRunEntry *
pm_run_entry_ref (PmRunEntry *entry)
{
  return g_atomic_rc_box_acquire (entry);
}

void
pm_run_entry_unref (PmRunEntry *entry)
{
  g_atomic_rc_box_release_full (entry, entry_clear);
}

/* ---------------------------------------------------------------- feedback */

void
pm_window_toast (PmWindow   *self,
                 const char *message)
{
  AdwToast *toast;

  if (self->timeline == NULL)  /* disposed */
    return;
  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
pm_window_error (PmWindow   *self,
                 const char *message)
{
  AdwToast *toast;

  g_free (self->last_error);
  self->last_error = g_strdup (message);
  g_debug ("%s", message);
  if (self->timeline == NULL)  /* disposed */
    return;
  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 8);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
pm_window_hold (PmWindow *self)
{
  self->pending++;
}

void
pm_window_release (PmWindow *self)
{
  g_assert (self->pending > 0);
  self->pending--;
}

/* ---------------------------------------------------------------- photos */

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GFile *file = task_data;
  GError *error = NULL;
  PmImage *image = NULL;
  g_autofree char *path = g_file_get_path (file);

  if (path != NULL)
    image = pm_image_load (path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  else
    {
      g_autoptr(GBytes) bytes = g_file_load_bytes (file, cancellable, NULL, &error);
      if (bytes != NULL)
        image = pm_image_load_bytes (bytes, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
    }
  if (image == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, image, (GDestroyNotify) pm_image_free);
}

gboolean
pm_window_load_image_async (PmWindow            *self,
                            GFile               *file,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);

  g_task_set_source_tag (task, &load_tag);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, load_thread);
  return TRUE;
}

PmImage *
pm_window_load_image_finish (GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
update_title (PmWindow *self)
{
  if (self->photo == NULL)
    {
      adw_window_title_set_title (self->window_title, _("Paintmask"));
      adw_window_title_set_subtitle (self->window_title, NULL);
      gtk_window_set_title (GTK_WINDOW (self), _("Paintmask"));
      return;
    }
  {
    g_autofree char *size = g_strdup_printf ("%d × %d", self->photo->image->width,
                                             self->photo->image->height);
    adw_window_title_set_title (self->window_title, self->photo->title);
    adw_window_title_set_subtitle (self->window_title, size);
    gtk_window_set_title (GTK_WINDOW (self), self->photo->title);
  }
}

/* Shows @photo with an empty timeline. */
void
pm_window_set_photo (PmWindow *self,
                     PmPhoto  *photo)
{
  pm_window_cancel_run (self);
  g_clear_pointer (&self->photo, pm_photo_unref);
  self->photo = pm_photo_ref (photo);
  self->photo_serial++;
  g_ptr_array_set_size (self->timeline, 0);
  self->position = -1;

  pm_canvas_set_image_shared (self->canvas, photo->image, pm_photo_ref (photo),
                              (GDestroyNotify) pm_photo_unref);
  gtk_stack_set_visible_child_name (self->view_stack, "image");
  update_title (self);
  pm_window_update_actions (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->instruction_entry));
}

static void
open_loaded_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  PmWindow *self = PM_WINDOW (source);
  g_autoptr(GFile) file = user_data;
  g_autoptr(GError) error = NULL;
  PmImage *image = pm_window_load_image_finish (result, &error);

  pm_window_release (self);
  if (self->timeline == NULL)  /* the window closed meanwhile */
    g_clear_pointer (&image, pm_image_free);
  else if (image == NULL)
    {
      g_autofree char *name = g_file_get_parse_name (file);
      g_autofree char *msg = g_strdup_printf (_("Could not open “%s”: %s"), name,
                                              error->message);
      pm_window_error (self, msg);
    }
  else
    {
      g_autofree char *path = g_file_get_path (file);
      g_autofree char *title = g_file_get_basename (file);
      g_autoptr(PmPhoto) photo = pm_photo_new (image, path, title);

      pm_window_set_photo (self, photo);
      pm_window_remember_photo (self, file);
    }
  g_object_unref (self);
}

void
pm_window_open_file (PmWindow *self,
                     GFile    *file)
{
  g_autofree char *basename = NULL;

  g_return_if_fail (PM_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  basename = g_file_get_basename (file);
  if (basename != NULL && g_str_has_suffix (basename, ".paintmask"))
    {
      pm_window_open_session_file (self, file);
      return;
    }
  pm_window_hold (self);
  pm_window_load_image_async (g_object_ref (self), file, open_loaded_cb, g_object_ref (file));
}

gboolean
pm_window_has_image (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), FALSE);
  return self->photo != NULL;
}

/* ---------------------------------------------------------------- timeline */

PmRunEntry *
pm_window_get_entry (PmWindow *self)
{
  if (self->position < 0 || (guint) self->position >= self->timeline->len)
    return NULL;
  return g_ptr_array_index (self->timeline, self->position);
}

/* Shows the original (-1) or a run of the timeline, loading it from the history if needed. */
void
pm_window_show_position (PmWindow *self,
                         int       position,
                         gboolean  animate)
{
  PmRunEntry *entry;

  g_return_if_fail (position >= -1 && position < (int) self->timeline->len);

  self->position = position;
  entry = pm_window_get_entry (self);
  if (entry == NULL)
    pm_canvas_clear_result (self->canvas);
  else if (entry->edited == NULL && entry->mask == NULL)
    {
      pm_canvas_clear_result (self->canvas);
      pm_window_load_entry (self, entry);
    }
  else
    pm_canvas_set_result_shared (self->canvas, entry->edited, entry->mask,
                                 pm_run_entry_ref (entry), (GDestroyNotify) pm_run_entry_unref,
                                 animate);
  pm_window_update_actions (self);
}

/* Appends @entry after the current position (dropping the redo branch) and shows it. */
void
pm_window_append_entry (PmWindow   *self,
                        PmRunEntry *entry,
                        gboolean    animate)
{
  g_ptr_array_set_size (self->timeline, self->position + 1);
  g_ptr_array_add (self->timeline, pm_run_entry_ref (entry));
  pm_window_show_position (self, self->timeline->len - 1, animate);
}

/* ---------------------------------------------------------------- accessors */

gboolean
pm_window_is_busy (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), FALSE);
  return self->pending > 0 || pm_canvas_is_revealing (self->canvas);
}

PmCanvas *
pm_window_get_canvas (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), NULL);
  return self->canvas;
}

const PmImage *
pm_window_get_image (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), NULL);
  return self->photo ? self->photo->image : NULL;
}

const PmImage *
pm_window_get_edited (PmWindow *self)
{
  PmRunEntry *entry;

  g_return_val_if_fail (PM_IS_WINDOW (self), NULL);
  entry = pm_window_get_entry (self);
  return entry ? entry->edited : NULL;
}

const PmMask *
pm_window_get_mask (PmWindow *self)
{
  PmRunEntry *entry;

  g_return_val_if_fail (PM_IS_WINDOW (self), NULL);
  entry = pm_window_get_entry (self);
  return entry ? entry->mask : NULL;
}

gint64
pm_window_get_run_id (PmWindow *self)
{
  PmRunEntry *entry;

  g_return_val_if_fail (PM_IS_WINDOW (self), 0);
  entry = pm_window_get_entry (self);
  return entry ? entry->run_id : 0;
}

const char *
pm_window_get_last_error (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), NULL);
  return self->last_error;
}

/* ---------------------------------------------------------------- GObject */

static gboolean
color_get_mapping (GValue   *value,
                   GVariant *variant,
                   gpointer  user_data)
{
  GdkRGBA rgba;

  if (!gdk_rgba_parse (&rgba, g_variant_get_string (variant, NULL)))
    gdk_rgba_parse (&rgba, "#ff00ff");
  g_value_set_boxed (value, &rgba);
  return TRUE;
}

static GVariant *
color_set_mapping (const GValue       *value,
                   const GVariantType *expected_type,
                   gpointer            user_data)
{
  const GdkRGBA *rgba = g_value_get_boxed (value);
  g_autofree char *hex = pm_rgb_to_hex ((PmRgb) { rgba->red, rgba->green, rgba->blue });

  return g_variant_new_string (hex);
}

static void
instruction_activate_cb (PmWindow *self)
{
  pm_window_run (self, gtk_editable_get_text (GTK_EDITABLE (self->instruction_entry)));
}

static void
setup_completion (PmWindow *self)
{
  g_autoptr(GtkEntryCompletion) completion = gtk_entry_completion_new ();
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-instructions");
  GtkTreeIter iter;

  self->completion_store = gtk_list_store_new (1, G_TYPE_STRING);
  for (guint i = 0; recent[i] != NULL; i++)
    gtk_list_store_insert_with_values (self->completion_store, &iter, -1, 0, recent[i], -1);
  gtk_entry_completion_set_model (completion, GTK_TREE_MODEL (self->completion_store));
  gtk_entry_completion_set_text_column (completion, 0);
  gtk_entry_completion_set_inline_completion (completion, FALSE);
  gtk_entry_completion_set_popup_single_match (completion, TRUE);
  gtk_entry_set_completion (self->instruction_entry, completion);
}

static void
pm_window_dispose (GObject *object)
{
  PmWindow *self = PM_WINDOW (object);

  pm_window_cancel_run (self);
  self->run_serial++;
  pm_window_dispose_actions (self);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->photo, pm_photo_unref);
  g_clear_pointer (&self->timeline, g_ptr_array_unref);
  g_clear_pointer (&self->engines, g_hash_table_unref);
  g_clear_pointer (&self->engine_errors, g_hash_table_unref);
  g_clear_pointer (&self->engine_override, pm_engine_unref);
  g_clear_object (&self->completion_store);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_WINDOW);
  G_OBJECT_CLASS (pm_window_parent_class)->dispose (object);
}

static void
pm_window_finalize (GObject *object)
{
  PmWindow *self = PM_WINDOW (object);

  g_free (self->engine_name);
  g_free (self->running_instruction);
  g_free (self->last_error);
  G_OBJECT_CLASS (pm_window_parent_class)->finalize (object);
}

static void
pm_window_class_init (PmWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pm_window_dispose;
  object_class->finalize = pm_window_finalize;

  g_type_ensure (PM_TYPE_CANVAS);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/paintmask/Paintmask/ui/pm-window.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, PmWindow, name)
  CHILD (toast_overlay);
  CHILD (window_title);
  CHILD (open_button);
  CHILD (history_button);
  CHILD (overlay_button);
  CHILD (compare_button);
  CHILD (flap);
  CHILD (history_search);
  CHILD (history_stack);
  CHILD (history_status);
  CHILD (session_list);
  CHILD (run_list);
  CHILD (runs_title);
  CHILD (history_back_button);
  CHILD (delete_session_button);
  CHILD (view_stack);
  CHILD (canvas_scroller);
  CHILD (canvas);
  CHILD (progress_revealer);
  CHILD (stage_label);
  CHILD (progress_bar);
  CHILD (instruction_entry);
  CHILD (engine_button);
  CHILD (engine_box);
  CHILD (color_button);
  CHILD (opacity_scale);
  CHILD (opacity_adjustment);
  CHILD (zoom_button);
  CHILD (recent_menu);
  CHILD (empty_page);
  CHILD (instruction_bar);
  CHILD (help_button);
  CHILD (help_label);
  CHILD (view_popover);
  CHILD (view_squeezer);
#undef CHILD
}

static void
pm_window_init (PmWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->timeline = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_run_entry_unref);
  self->position = -1;
  self->engines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) pm_engine_unref);
  self->engine_errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->engine_name = g_strdup ("builtin");
  pm_window_build_engine_popover (self);

  g_signal_connect_swapped (self->instruction_entry, "activate",
                            G_CALLBACK (instruction_activate_cb), self);
}

/**
 * pm_window_new:
 * @app: the application
 *
 * Returns: (transfer none): a new window, owned by @app
 */
PmWindow *
pm_window_new (PmApplication *app)
{
  PmWindow *self = g_object_new (PM_TYPE_WINDOW, "application", app, NULL);
  static const char * const engine_keys[] = {
    "default-engine", "model-folder", "threads", "remote-endpoints", "remote-endpoint-selected",
    "remote-endpoint", "remote-model",
    "remote-timeout", "remote-prompt",
  };

  self->settings = g_object_ref (pm_application_get_settings (app));
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  g_settings_bind_with_mapping (self->settings, "highlight-color", self->color_button, "rgba",
                                G_SETTINGS_BIND_DEFAULT, color_get_mapping, color_set_mapping,
                                NULL, NULL);
  g_settings_bind (self->settings, "overlay-opacity", self->opacity_adjustment, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_object_bind_property (self->opacity_adjustment, "value", self->canvas, "overlay-opacity",
                          G_BINDING_SYNC_CREATE);
  for (guint i = 0; i < G_N_ELEMENTS (engine_keys); i++)
    {
      g_autofree char *signal = g_strconcat ("changed::", engine_keys[i], NULL);
      g_signal_connect_object (self->settings, signal, G_CALLBACK (pm_window_engine_settings_changed),
                               self, G_CONNECT_SWAPPED);
    }

  setup_completion (self);
  pm_window_refresh_engines (self);
  pm_window_init_view (self);
  pm_window_init_actions (self);
  pm_window_init_history (self);
  update_title (self);
  pm_window_update_actions (self);
  return self;
}
