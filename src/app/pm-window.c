/* pm-window.c: the main window: a view of one PmDocument.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window observes its document (signals and properties) and calls its methods; it holds
 * no photo or run state of its own. The canvas shows the run on screen, the status line
 * under it says what that run found, the entry shows its instruction, the history panel
 * (its own widget) lists the history. Actions and keys are in pm-window-actions.c, file
 * dialogs, paste and drop in pm-window-files.c.
 */
#define G_LOG_DOMAIN "pm-window"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "pm-endpoint-menu.h"
#include "pm-engine-text.h"
#include "pm-model.h"
#include "pm-settings-color.h"
#include "pm-window-private.h"
#include "pm-items-overlay.h"
#include "pm-items-panel.h"

#define MAX_RECENT_INSTRUCTIONS 50

G_DEFINE_FINAL_TYPE (PmWindow, pm_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---------------------------------------------------------------- feedback */

void
pm_window_toast (PmWindow   *self,
                 const char *message)
{
  AdwToast *toast;

  if (self->document == NULL)  /* disposed */
    return;
  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/**
 * pm_window_show_error:
 * @message: one line
 *
 * Shows an error in a toast (and keeps it for pm_window_get_last_error()).
 */
void
pm_window_show_error (PmWindow   *self,
                      const char *message)
{
  AdwToast *toast;

  g_return_if_fail (PM_IS_WINDOW (self));
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  g_debug ("%s", message);
  if (self->document == NULL)
    return;
  toast = adw_toast_new (message);
  if (g_utf8_strlen (message, -1) > 80)
    {
      /* A toast's title is one line cut short with "…", and a long error puts what matters
       * (the tensor, the reason) after a path: such a one wraps over up to three lines. */
      GtkWidget *label = gtk_label_new (message);

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_lines (GTK_LABEL (label), 3);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 90);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_tooltip_text (label, message);
      adw_toast_set_custom_title (toast, label);
    }
  adw_toast_set_timeout (toast, 8);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
message_cb (PmWindow   *self,
            const char *text,
            gboolean    is_error)
{
  if (is_error)
    pm_window_show_error (self, text);
  else
    pm_window_toast (self, text);
}

/* ---------------------------------------------------------------- the document's view */

static void
update_title (PmWindow *self)
{
  const PmImage *image = pm_document_get_image (self->document);
  const char *title = pm_document_get_title (self->document);
  g_autofree char *size = NULL;

  if (image == NULL)
    {
      adw_window_title_set_title (self->window_title, _("Paintmask"));
      adw_window_title_set_subtitle (self->window_title, NULL);
      gtk_window_set_title (GTK_WINDOW (self), _("Paintmask"));
      return;
    }
  size = g_strdup_printf ("%d × %d", image->width, image->height);
  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, size);
  gtk_window_set_title (GTK_WINDOW (self), title);
}

/* The entry shows @text without popping up completions. */
static void
set_entry_text (PmWindow   *self,
                const char *text)
{
  GtkEntryCompletion *completion = gtk_entry_get_completion (self->instruction_entry);

  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->instruction_entry)), text) == 0)
    return;
  gtk_entry_completion_set_popup_completion (completion, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->instruction_entry), text);
  gtk_editable_set_position (GTK_EDITABLE (self->instruction_entry), -1);
  gtk_entry_completion_set_popup_completion (completion, TRUE);
}

static void
photo_changed_cb (PmWindow *self)
{
  PmPhoto *photo = pm_document_get_photo (self->document);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  self->canvas_entry = NULL;
  if (photo == NULL)
    {
      pm_canvas_set_image (self->canvas, NULL);
      gtk_stack_set_visible_child_name (self->view_stack, "empty");
    }
  else
    {
      pm_canvas_set_image_shared (self->canvas, photo->image, pm_photo_ref (photo),
                                  (GDestroyNotify) pm_photo_unref);
      gtk_stack_set_visible_child_name (self->view_stack, "image");
      if (photo->path != NULL)
        {
          g_autoptr(GFile) file = g_file_new_for_path (photo->path);
          pm_window_remember_photo (self, file);
        }
      /* Ready to type the first instruction (not re-grabbed: that would select the text);
       * in a review, ready for the review keys and the correction tools. */
      if (self->project != NULL)
        gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
      else if (focus == NULL ||
               !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->instruction_entry)))
        gtk_widget_grab_focus (GTK_WIDGET (self->instruction_entry));
    }
  pm_window_show_status (self, NULL);
  update_title (self);
  pm_window_update_actions (self);
}

/* What the canvas holds on to: the run (its edit) and the mask revision shown. */
typedef struct {
  PmRunEntry   *entry;
  PmSharedMask *mask;
} Shown;

static void
shown_free (gpointer data)
{
  Shown *shown = data;

  pm_run_entry_unref (shown->entry);
  pm_shared_mask_unref (shown->mask);
  g_free (shown);
}

static void
show_result (PmWindow   *self,
             PmRunEntry *entry,
             gboolean    animate)
{
  const PmImage *shown_edit;
  Shown *shown;

  self->canvas_entry = NULL;
  if (entry == NULL || !pm_run_entry_is_loaded (entry))
    {
      pm_canvas_clear_result (self->canvas);
      return;
    }
  self->canvas_entry = entry;
  shown_edit = pm_document_get_shown_edit (self->document);
  if (shown_edit != NULL && shown_edit != entry->edited)
    {
      /* A corrected run: its edit follows the correction and changes, so the canvas gets
       * a copy. */
      pm_canvas_set_result (self->canvas, shown_edit,
                            pm_document_get_shown_mask (self->document), animate);
      return;
    }
  /* The mask of what corrections act on: the run's, or the object of it picked. */
  shown = g_new0 (Shown, 1);
  shown->entry = pm_run_entry_ref (entry);
  shown->mask = pm_shared_mask_ref (pm_document_get_correction_entry (self->document)->mask);
  pm_canvas_set_result_shared (self->canvas, entry->edited, shown->mask->mask, shown,
                               shown_free, animate);
}

static void
current_changed_cb (PmWindow *self,
                    gboolean  animate)
{
  PmRunEntry *entry = pm_document_get_current (self->document);

  if (pm_document_get_photo (self->document) == NULL)
    return;
  show_result (self, entry, animate);
  if (entry != NULL)
    set_entry_text (self, entry->instruction);
  if (!pm_document_get_running (self->document))
    pm_window_show_status (self, entry != NULL && pm_run_entry_is_loaded (entry) ? entry : NULL);
  pm_window_update_actions (self);
}

/* A correction (a brush dab, a commit, an undo): the canvas redraws the rectangle that
 * changed, at every level of its pyramid, and nothing else. */
static void
mask_changed_cb (PmWindow *self,
                 int       x,
                 int       y,
                 int       width,
                 int       height)
{
  PmRunEntry *entry = pm_document_get_current (self->document);

  if (entry == NULL || entry != self->canvas_entry ||
      !pm_window_mask_changed (self, &(PmRect) { x, y, width, height }))
    show_result (self, entry, FALSE);
  if (pm_document_get_correcting (self->document))
    return;
  pm_window_show_status (self, entry);
  pm_window_update_actions (self);
}

static void
progress_cb (PmWindow *self)
{
  const char *stage = pm_document_get_stage (self->document);
  g_autofree char *text = g_strcmp0 (stage, "starting") == 0
                          ? g_strdup (_("Starting…"))
                          : pm_engine_text_describe_stage (stage);

  gtk_label_set_text (self->stage_label, text);
  gtk_progress_bar_set_fraction (self->progress_bar, pm_document_get_fraction (self->document));
}

static void
running_cb (PmWindow *self)
{
  gboolean running = pm_document_get_running (self->document);

  gtk_revealer_set_reveal_child (self->progress_revealer, running);
  if (running)
    pm_window_show_status (self, NULL);
  pm_window_update_actions (self);
}

static void
run_finished_cb (PmWindow     *self,
                 PmRunEntry   *entry,
                 const GError *error)
{
  if (entry != NULL)
    pm_window_show_status (self, entry);
  /* An imported edit is there to be inspected. */
  if (entry != NULL && g_strcmp0 (entry->engine, "import") == 0)
    pm_canvas_set_show_overlay (self->canvas, TRUE);
  pm_window_update_actions (self);
}

static void
connect_document (PmWindow *self)
{
  GSignalGroup *group = self->document_signals;

  g_signal_group_connect_swapped (group, "message", G_CALLBACK (message_cb), self);
  g_signal_group_connect_swapped (group, "notify::photo", G_CALLBACK (photo_changed_cb), self);
  g_signal_group_connect_swapped (group, "notify::title", G_CALLBACK (update_title), self);
  g_signal_group_connect_swapped (group, "current-changed", G_CALLBACK (current_changed_cb),
                                  self);
  g_signal_group_connect_swapped (group, "mask-changed", G_CALLBACK (mask_changed_cb), self);
  g_signal_group_connect_swapped (group, "notify::stage", G_CALLBACK (progress_cb), self);
  g_signal_group_connect_swapped (group, "notify::fraction", G_CALLBACK (progress_cb), self);
  g_signal_group_connect_swapped (group, "notify::running", G_CALLBACK (running_cb), self);
  g_signal_group_connect_swapped (group, "run-finished", G_CALLBACK (run_finished_cb), self);
  g_signal_group_connect_swapped (group, "notify::can-undo",
                                  G_CALLBACK (pm_window_update_actions), self);
  g_signal_group_connect_swapped (group, "notify::can-redo",
                                  G_CALLBACK (pm_window_update_actions), self);
  g_signal_group_connect_swapped (group, "history-changed",
                                  G_CALLBACK (pm_window_update_actions), self);
  g_signal_group_connect_swapped (group, "notify::saving",
                                  G_CALLBACK (pm_window_update_actions), self);
}

/* ---------------------------------------------------------------- runs */

static void
remember_instruction (PmWindow   *self,
                      const char *instruction)
{
  g_auto(GStrv) old = g_settings_get_strv (self->settings, "recent-instructions");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) recent = NULL;
  guint n = 1;
  GtkTreeIter iter;

  g_strv_builder_add (builder, instruction);
  for (guint i = 0; old[i] != NULL && n < MAX_RECENT_INSTRUCTIONS; i++)
    if (g_strcmp0 (old[i], instruction) != 0)
      {
        g_strv_builder_add (builder, old[i]);
        n++;
      }
  recent = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-instructions", (const char * const *) recent);

  gtk_list_store_clear (self->completion_store);
  for (guint i = 0; recent[i] != NULL; i++)
    gtk_list_store_insert_with_values (self->completion_store, &iter, -1, 0, recent[i], -1);
}

/**
 * pm_window_run:
 * @instruction: e.g. "paint the cup purple"
 *
 * Runs @instruction with the selected engine on the result on screen (or the photo, with
 * "Start from the original"). A run in progress is cancelled (with a toast).
 */
void
pm_window_run (PmWindow   *self,
               const char *instruction)
{
  g_autoptr(PmEngineRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  PmPipelineOptions options;
  GdkRGBA rgba;

  g_return_if_fail (PM_IS_WINDOW (self));

  text = g_strstrip (g_strdup (instruction != NULL ? instruction : ""));
  request = pm_engines_request (self->engines, self->engine_name, &error);
  if (request == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("The %s engine is unavailable: %s"),
                                              pm_engines_get_label (self->engine_name),
                                              error->message);
      pm_window_show_error (self, msg);
      return;
    }
  gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (self->color_button), &rgba);
  pm_pipeline_options_init (&options);
  options.has_highlight = TRUE;
  options.highlight = (PmRgb) { rgba.red, rgba.green, rgba.blue };
  if (!pm_document_run (self->document, text, request, &options, &error))
    {
      pm_window_show_error (self, error->message);
      return;
    }
  set_entry_text (self, text);
  remember_instruction (self, text);
}

static void
instruction_activate_cb (PmWindow *self)
{
  pm_window_run (self, gtk_editable_get_text (GTK_EDITABLE (self->instruction_entry)));
}

/* ---------------------------------------------------------------- public */

PmDocument *
pm_window_get_document (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), NULL);
  return self->document;
}

/**
 * pm_window_open_file:
 * @file: a photo, a .paintmask file or a folder
 *
 * Loads @file into this window's document; an error shows in this window. Folders and
 * .paintmask files go to pm_window_open_project().
 */
void
pm_window_open_file (PmWindow *self,
                     GFile    *file)
{
  g_autofree char *path = NULL;

  g_return_if_fail (PM_IS_WINDOW (self));
  /* A folder or a .paintmask file may be a dataset project (or a file of sessions). */
  path = g_file_get_path (file);
  if (pm_window_is_project_path (path))
    {
      pm_window_open_project (self, path);
      return;
    }
  pm_window_use_history (self);
  pm_document_load_file (self->document, file);
}

gboolean
pm_window_has_image (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), FALSE);
  return pm_document_get_photo (self->document) != NULL;
}

void
pm_window_reload_history (PmWindow *self)
{
  g_return_if_fail (PM_IS_WINDOW (self));
  pm_history_panel_reload (self->history_panel);
}

void
pm_window_restore_run (PmWindow *self,
                       gint64    run_id)
{
  g_return_if_fail (PM_IS_WINDOW (self));
  pm_document_restore_run (self->document, run_id);
}

void
pm_window_import_edited (PmWindow *self,
                         GFile    *file)
{
  g_return_if_fail (PM_IS_WINDOW (self));
  pm_document_import_edited (self->document, file);
}

gboolean
pm_window_is_busy (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), FALSE);
  return pm_document_get_busy (self->document) || pm_canvas_is_revealing (self->canvas) ||
         pm_history_panel_is_loading (self->history_panel);
}

PmCanvas *
pm_window_get_canvas (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), NULL);
  return self->canvas;
}

PmHistoryPanel *
pm_window_get_history_panel (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), NULL);
  return self->history_panel;
}

const PmImage *
pm_window_get_image (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), NULL);
  return pm_document_get_image (self->document);
}

const PmImage *
pm_window_get_edited (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), NULL);
  return pm_document_get_edited (self->document);
}

const PmMask *
pm_window_get_mask (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), NULL);
  return pm_document_get_mask (self->document);
}

gint64
pm_window_get_run_id (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), 0);
  return pm_document_get_run_id (self->document);
}

const char *
pm_window_get_last_error (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), NULL);
  return self->last_error;
}

void
pm_window_clear_last_error (PmWindow *self)
{
  g_return_if_fail (PM_IS_WINDOW (self));
  g_clear_pointer (&self->last_error, g_free);
}

/* ---------------------------------------------------------------- GObject */

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

  /* The document outlives the window while it saves (it holds the application). */
  if (self->document != NULL)
    {
      pm_document_cancel_run (self->document);
      pm_document_commit_correction (self->document);
    }
  pm_window_dispose_dataset (self);
  pm_window_dispose_actions (self);
  pm_window_dispose_tools (self);
  if (self->document_signals != NULL)
    g_signal_group_set_target (self->document_signals, NULL);
  g_clear_object (&self->document_signals);
  g_clear_object (&self->run_items);
  g_clear_object (&self->document);
  g_clear_object (&self->settings);
  g_clear_object (&self->engines);
  g_clear_object (&self->completion_store);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_WINDOW);
  G_OBJECT_CLASS (pm_window_parent_class)->dispose (object);
}

static void
pm_window_finalize (GObject *object)
{
  PmWindow *self = PM_WINDOW (object);

  g_free (self->engine_name);
  g_free (self->last_error);
  g_clear_pointer (&self->engine_checks, g_ptr_array_unref);
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
  g_type_ensure (PM_TYPE_HISTORY_PANEL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/paintmask/Paintmask/ui/pm-window.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, PmWindow, name)
  CHILD (toast_overlay);
  CHILD (window_title);
  CHILD (open_button);
  CHILD (history_button);
  CHILD (overlay_button);
  CHILD (compare_button);
  CHILD (flap);
  CHILD (history_panel);
  CHILD (view_stack);
  CHILD (canvas_scroller);
  CHILD (canvas);
  CHILD (progress_revealer);
  CHILD (stage_label);
  CHILD (progress_bar);
  CHILD (status_revealer);
  CHILD (status_icon);
  CHILD (status_label);
  CHILD (status_area);
  CHILD (pointer_label);
  CHILD (compare_label);
  CHILD (tools_bar);
  CHILD (brush_size_adjustment);
  CHILD (instruction_entry);
  CHILD (engine_button);
  CHILD (engine_box);
  CHILD (color_button);
  CHILD (original_button);
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
  CHILD (dataset_revealer);
#undef CHILD
}

static void
pm_window_init (PmWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->engine_checks = g_ptr_array_new ();
  self->document_signals = g_signal_group_new (PM_TYPE_DOCUMENT);
  connect_document (self);
  g_signal_connect_swapped (self->instruction_entry, "activate",
                            G_CALLBACK (instruction_activate_cb), self);
}

static void
bind_settings (PmWindow *self)
{
  pm_settings_bind_color (self->settings, "highlight-color", self->color_button, "rgba");
  g_settings_bind (self->settings, "overlay-opacity", self->opacity_adjustment, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_object_bind_property (self->opacity_adjustment, "value", self->canvas, "overlay-opacity",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->document, "start-from-original", self->original_button,
                          "active", G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
}

/* Runs of several objects: each in its colour over the canvas, listed beside it. */
static void
add_run_items (PmWindow *self)
{
  GtkOverlay *overlay = GTK_OVERLAY (gtk_widget_get_parent (GTK_WIDGET (self->canvas_scroller)));
  GtkWidget *panel;

  self->run_items = pm_run_items_new (self->document);
  gtk_overlay_add_overlay (overlay, pm_items_overlay_new (self->run_items, self->canvas));
  panel = pm_items_panel_new (self->run_items);
  gtk_widget_set_halign (panel, GTK_ALIGN_END);
  gtk_widget_set_valign (panel, GTK_ALIGN_START);
  gtk_widget_set_margin_top (panel, 12);
  gtk_widget_set_margin_end (panel, 12);
  gtk_overlay_add_overlay (overlay, panel);
}

/**
 * pm_window_new_for_document:
 * @app: the application
 * @document: (transfer none): the document to show
 *
 * Returns: (transfer none): a new window on @document, owned by @app
 */
PmWindow *
pm_window_new_for_document (PmApplication *app,
                            PmDocument    *document)
{
  PmWindow *self = g_object_new (PM_TYPE_WINDOW, "application", app, NULL);

  self->settings = g_object_ref (pm_application_get_settings (app));
  self->engines = g_object_ref (pm_application_get_engines (app));
  self->document = g_object_ref (document);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  bind_settings (self);
  setup_completion (self);
  pm_window_init_engines (self);
  g_signal_connect_object (self->engines, "changed", G_CALLBACK (pm_window_refresh_engines),
                           self, G_CONNECT_SWAPPED);
  pm_window_refresh_engines (self);
  pm_window_init_view (self);
  pm_history_panel_set_document (self->history_panel, document);
  add_run_items (self);
  g_signal_group_set_target (self->document_signals, document);
  pm_window_init_actions (self);
  pm_window_init_tools (self);
  pm_window_init_files (self);
  pm_window_init_dataset (self);
  photo_changed_cb (self);
  current_changed_cb (self, FALSE);
  return self;
}

/**
 * pm_window_new:
 * @app: the application
 *
 * Returns: (transfer none): a new window on an empty document, owned by @app
 */
PmWindow *
pm_window_new (PmApplication *app)
{
  g_autoptr(PmDocument) document = pm_document_new (pm_application_get_store (app));

  return pm_window_new_for_document (app, document);
}
