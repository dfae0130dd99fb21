/* pm-preferences-window.c: preferences kept in GSettings.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-preferences"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pm-models-page.h"
#include "pm-endpoints.h"
#include "pm-endpoints-page.h"
#include "pm-preferences-window.h"
#include "pm-remote.h"
#include "pm-settings-color.h"

struct _PmPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  /* template children */
  AdwComboRow          *engine_row;
  AdwActionRow         *model_row;
  GtkButton            *model_button;
  GtkButton            *model_clear_button;
  GtkSpinButton        *threads_spin;
  AdwActionRow         *refine_row;
  GtkSwitch            *refine_switch;
  GtkColorButton       *highlight_button;
  GtkColorButton       *overlay_color_button;
  AdwEntryRow          *database_row;

  /* owned */
  GSettings            *settings;
  GtkFileChooserNative *chooser;
  PmModelManager       *models;

  /* borrowed */
  GtkWidget            *models_page;
  GtkWidget            *endpoints_page;
};

G_DEFINE_FINAL_TYPE (PmPreferencesWindow, pm_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static const char * const engine_ids[] = { "builtin", "clipseg", "remote" };

static gboolean
engine_get_mapping (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  const char *id = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (engine_ids); i++)
    if (g_strcmp0 (id, engine_ids[i]) == 0)
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  g_value_set_uint (value, 0);
  return TRUE;
}

static GVariant *
engine_set_mapping (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  guint i = g_value_get_uint (value);

  return g_variant_new_string (engine_ids[i < G_N_ELEMENTS (engine_ids) ? i : 0]);
}

static void
update_model_row (PmPreferencesWindow *self)
{
  g_autofree char *folder = g_settings_get_string (self->settings, "model-folder");

  adw_action_row_set_subtitle (self->model_row,
                               *folder ? folder : _("Installed default"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->model_clear_button), *folder != '\0');
}

static void
model_chosen_cb (GtkNativeDialog     *dialog,
                 int                  response,
                 PmPreferencesWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path != NULL)
        g_settings_set_string (self->settings, "model-folder", path);
    }
  g_clear_object (&self->chooser);
}

static void
model_button_clicked_cb (PmPreferencesWindow *self)
{
  self->chooser = gtk_file_chooser_native_new (_("CLIPSeg Model Folder"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (model_chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
model_clear_clicked_cb (PmPreferencesWindow *self)
{
  g_settings_set_string (self->settings, "model-folder", "");
}

/* ---------------------------------------------------------------- default engine */

/* Why engine @id cannot run with the current settings (transfer full), or NULL. */
static char *
engine_problem (PmPreferencesWindow *self,
                const char          *id)
{
  if (g_str_equal (id, "clipseg"))
    {
      g_autofree char *folder = g_settings_get_string (self->settings, "model-folder");
      g_autofree char *missing = NULL;

      if (*folder != '\0')
        return pm_model_dir_is_complete (folder, &missing)
               ? NULL
               : g_strdup_printf (_("The CLIPSeg model folder “%s” lacks %s"), folder, missing);
      if (pm_model_manager_get_status (self->models, PM_MODEL_DEFAULT_NAME) !=
          PM_MODEL_STATUS_INSTALLED)
        return g_strdup (_("CLIPSeg is not installed: download it on the Models page"));
    }
  else if (g_str_equal (id, "remote"))
    {
      g_autoptr(PmEndpoint) server = pm_endpoints_get_selected (self->settings);
      g_autoptr(GError) error = NULL;

      if (server == NULL)
        return g_strdup (_("The remote engine needs a server: add one on the Remote Servers page"));
      if (!pm_endpoint_check (server, &error))
        return g_strdup (error->message);
    }
  return NULL;
}

static const char *
selected_engine (PmPreferencesWindow *self)
{
  guint i = adw_combo_row_get_selected (self->engine_row);

  return engine_ids[i < G_N_ELEMENTS (engine_ids) ? i : 0];
}

/* The row says whether the chosen default can run; windows fall back to the built-in
 * engine when it cannot. */
static void
update_engine_row (PmPreferencesWindow *self)
{
  g_autofree char *problem = engine_problem (self, selected_engine (self));

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->engine_row),
                               problem != NULL ? problem : _("Selected when a window opens"));
  if (problem != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->engine_row), "pm-warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->engine_row), "pm-warning");
}

static void
engine_selected_cb (PmPreferencesWindow *self)
{
  const char *id = selected_engine (self);
  g_autofree char *problem = engine_problem (self, id);
  AdwToast *toast;

  update_engine_row (self);
  if (problem == NULL)
    return;
  toast = adw_toast_new (problem);
  if (g_str_equal (id, "clipseg"))
    {
      adw_toast_set_button_label (toast, _("Show _Models"));
      adw_toast_set_action_name (toast, "prefs.show-models");
    }
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
}

static void
show_models_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  pm_preferences_window_show_model (PM_PREFERENCES_WINDOW (widget), NULL);
}

/* ---------------------------------------------------------------- entry rows */

static void
bind_entry_row (PmPreferencesWindow *self,
                AdwEntryRow         *row,
                const char          *key)
{
  g_autofree char *value = g_settings_get_string (self->settings, key);

  gtk_editable_set_text (GTK_EDITABLE (row), value);
  g_object_set_data_full (G_OBJECT (row), "pm-key", g_strdup (key), g_free);
}

static void
entry_row_apply_cb (AdwEntryRow         *row,
                    PmPreferencesWindow *self)
{
  const char *key = g_object_get_data (G_OBJECT (row), "pm-key");

  g_settings_set_string (self->settings, key, gtk_editable_get_text (GTK_EDITABLE (row)));
}

static void
pm_preferences_window_dispose (GObject *object)
{
  PmPreferencesWindow *self = PM_PREFERENCES_WINDOW (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_object (&self->settings);
  if (self->models != NULL)
    g_signal_handlers_disconnect_by_data (self->models, self);
  g_clear_object (&self->models);
  G_OBJECT_CLASS (pm_preferences_window_parent_class)->dispose (object);
}

static void
pm_preferences_window_class_init (PmPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pm_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/paintmask/Paintmask/ui/pm-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, engine_row);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, model_row);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, model_button);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, model_clear_button);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, threads_spin);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, refine_row);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, refine_switch);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, highlight_button);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, overlay_color_button);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, database_row);
  gtk_widget_class_install_action (widget_class, "prefs.show-models", NULL, show_models_action);
}

static void
pm_preferences_window_init (PmPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * pm_preferences_window_new:
 * @settings: the io.github.paintmask.Paintmask settings
 *
 * Returns: (transfer full): a preferences window bound to @settings, with a model manager
 *   of its own
 */
GtkWindow *
pm_preferences_window_new (GSettings *settings)
{
  g_autoptr(PmModelManager) models = pm_model_manager_new (NULL);

  return pm_preferences_window_new_full (settings, models);
}

/**
 * pm_preferences_window_new_full:
 * @settings: the io.github.paintmask.Paintmask settings
 * @models: the application's models
 *
 * Returns: (transfer full): a preferences window bound to @settings and @models
 */
GtkWindow *
pm_preferences_window_new_full (GSettings      *settings,
                                PmModelManager *models)
{
  PmPreferencesWindow *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (PM_IS_MODEL_MANAGER (models), NULL);

  self = g_object_new (PM_TYPE_PREFERENCES_WINDOW, NULL);
  self->settings = g_object_ref (settings);
  self->models = g_object_ref (models);
  self->models_page = pm_models_page_new (models);
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                              ADW_PREFERENCES_PAGE (self->models_page));
  self->endpoints_page = pm_endpoints_page_new (settings);
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                              ADW_PREFERENCES_PAGE (self->endpoints_page));

  g_settings_bind_with_mapping (settings, "default-engine", self->engine_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, engine_get_mapping, engine_set_mapping,
                                NULL, NULL);
  pm_settings_bind_color (settings, "highlight-color", self->highlight_button, "rgba");
  pm_settings_bind_color (settings, "overlay-color", self->overlay_color_button, "rgba");
  g_settings_bind (settings, "threads", self->threads_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "refine-with-sam", self->refine_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);

  /* Entry rows apply on Enter / the apply button, not on every keystroke (the history
   * location reopens the database). */
  bind_entry_row (self, self->database_row, "history-database");
  g_signal_connect (self->database_row, "apply", G_CALLBACK (entry_row_apply_cb), self);

  g_signal_connect_object (settings, "changed::model-folder",
                           G_CALLBACK (update_model_row), self, G_CONNECT_SWAPPED);
  g_signal_connect_swapped (self->model_button, "clicked",
                            G_CALLBACK (model_button_clicked_cb), self);
  g_signal_connect_swapped (self->model_clear_button, "clicked",
                            G_CALLBACK (model_clear_clicked_cb), self);
  update_model_row (self);

  /* After the binding set the initial value: only the user's choices raise a toast. */
  update_engine_row (self);
  g_signal_connect_object (self->engine_row, "notify::selected",
                           G_CALLBACK (engine_selected_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (models, "changed", G_CALLBACK (update_engine_row), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::model-folder", G_CALLBACK (update_engine_row),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::remote-endpoints", G_CALLBACK (update_engine_row),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::remote-endpoint-selected",
                           G_CALLBACK (update_engine_row), self, G_CONNECT_SWAPPED);

  return GTK_WINDOW (self);
}

/**
 * pm_preferences_window_show_model:
 * @name: (nullable): a model's name
 *
 * Shows the Models page and, when @name is given, gives that model's row the focus.
 */
void
pm_preferences_window_show_model (PmPreferencesWindow *self,
                                  const char          *name)
{
  GtkWidget *row;

  g_return_if_fail (PM_IS_PREFERENCES_WINDOW (self));
  adw_preferences_window_set_visible_page (ADW_PREFERENCES_WINDOW (self),
                                           ADW_PREFERENCES_PAGE (self->models_page));
  row = name != NULL ? pm_models_page_get_row (PM_MODELS_PAGE (self->models_page), name) : NULL;
  if (row != NULL)
    gtk_widget_grab_focus (row);
}

/**
 * pm_preferences_window_get_models_page:
 *
 * Returns: (transfer none): the Models page (a #PmModelsPage)
 */
GtkWidget *
pm_preferences_window_get_models_page (PmPreferencesWindow *self)
{
  g_return_val_if_fail (PM_IS_PREFERENCES_WINDOW (self), NULL);
  return self->models_page;
}
