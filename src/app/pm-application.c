/* pm-application.c: the Paintmask application: windows, settings, the history store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-application"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-app-config.h"
#include "pm-application.h"
#include "pm-legacy.h"
#include "pm-preferences-window.h"
#include "pm-window.h"

struct _PmApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  PmAppStore     *store;     /* created on first use; recreated when the location changes */
  PmEngines      *engines;   /* shared by the windows: a loaded model serves them all */
  PmModelManager *models;    /* created on first use */
};

G_DEFINE_FINAL_TYPE (PmApplication, pm_application, ADW_TYPE_APPLICATION)

GSettings *
pm_application_get_settings (PmApplication *self)
{
  g_return_val_if_fail (PM_IS_APPLICATION (self), NULL);
  return self->settings;
}

/**
 * pm_application_get_store:
 *
 * Returns: (transfer none): the shared history store (one connection, one thread)
 */
PmAppStore *
pm_application_get_store (PmApplication *self)
{
  g_return_val_if_fail (PM_IS_APPLICATION (self), NULL);

  if (self->store == NULL)
    {
      g_autofree char *path = g_settings_get_string (self->settings, "history-database");
      self->store = pm_app_store_new (path);
    }
  return self->store;
}

/**
 * pm_application_get_engines:
 *
 * Returns: (transfer none): the engines the windows run, from the settings
 */
PmEngines *
pm_application_get_engines (PmApplication *self)
{
  g_return_val_if_fail (PM_IS_APPLICATION (self), NULL);

  if (self->engines == NULL)
    {
      self->engines = pm_engines_new (self->settings);
      pm_engines_set_models (self->engines, pm_application_get_models (self));
    }
  return self->engines;
}

/**
 * pm_application_get_models:
 *
 * Returns: (transfer none): the models every window and Preferences share
 */
PmModelManager *
pm_application_get_models (PmApplication *self)
{
  g_return_val_if_fail (PM_IS_APPLICATION (self), NULL);

  if (self->models == NULL)
    self->models = pm_model_manager_new (NULL);
  return self->models;
}

static void
history_database_changed_cb (PmApplication *self)
{
  g_clear_object (&self->store);
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; l = l->next)
    if (PM_IS_WINDOW (l->data))
      pm_window_set_history_store (PM_WINDOW (l->data), pm_application_get_store (self));
}

static PmWindow *
get_window (PmApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (PM_IS_WINDOW (window))
    return PM_WINDOW (window);
  return pm_window_new (self);
}

static void
pm_application_activate (GApplication *app)
{
  gtk_window_present (GTK_WINDOW (get_window (PM_APPLICATION (app))));
}

typedef struct {
  PmApplication *self;
  GFile         *file;
} OpenCall;

/* A file opened beside the active window gets its own window once it has loaded; if it
 * cannot be loaded, the active window says why (no new empty window). */
static void
open_loaded_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  OpenCall *call = user_data;
  PmDocument *document = PM_DOCUMENT (source);
  g_autoptr(GError) error = NULL;

  if (pm_document_load_file_finish (document, result, &error))
    gtk_window_present (GTK_WINDOW (pm_window_new_for_document (call->self, document)));
  else
    pm_window_show_error (get_window (call->self), error->message);
  g_application_release (G_APPLICATION (call->self));
  g_object_unref (call->file);
  g_free (call);
}

static void
pm_application_open (GApplication  *app,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  PmApplication *self = PM_APPLICATION (app);
  PmWindow *window = get_window (self);

  gtk_window_present (GTK_WINDOW (window));
  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *path = g_file_get_path (files[i]);
      g_autoptr(PmDocument) document = NULL;
      OpenCall *call;

      /* A folder or a .paintmask file (a project, or sessions) opens in the active window. */
      if (pm_window_is_project_path (path))
        {
          pm_window_open_project (window, path);
          continue;
        }

      /* The first photo goes to an empty active window. */
      if (i == 0 && !pm_window_has_image (window))
        {
          pm_window_open_file (window, files[i]);
          continue;
        }
      document = pm_document_new (pm_application_get_store (self));
      call = g_new0 (OpenCall, 1);
      call->self = self;
      call->file = g_object_ref (files[i]);
      g_application_hold (app);
      pm_document_load_file_async (document, files[i], NULL, open_loaded_cb, call);
    }
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  GtkApplication *app = user_data;
  const char *developers[] = { "The Paintmask developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "application-name", _("Paintmask"),
                        "application-icon", PM_APP_ID,
                        "version", PACKAGE_VERSION,
                        "comments", _("Select objects in photos by describing how to repaint "
                                      "them: the mask is derived from the edit."),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "developers", developers,
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static GtkWindow *
show_preferences (PmApplication *self)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWindow *prefs = pm_preferences_window_new_full (self->settings,
                                                     pm_application_get_models (self));

  gtk_window_set_transient_for (prefs, parent);
  gtk_window_present (prefs);
  return prefs;
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       user_data)
{
  show_preferences (PM_APPLICATION (user_data));
}

/* app.show-model("NAME"): Preferences on the Models page, at NAME's row ("" for none). */
static void
show_model_action (GSimpleAction *action,
                   GVariant      *param,
                   gpointer       user_data)
{
  GtkWindow *prefs = show_preferences (PM_APPLICATION (user_data));
  const char *name = g_variant_get_string (param, NULL);

  pm_preferences_window_show_model (PM_PREFERENCES_WINDOW (prefs), *name ? name : NULL);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  GtkApplication *app = user_data;
  GList *windows = g_list_copy (gtk_application_get_windows (app));

  for (GList *l = windows; l; l = l->next)
    gtk_window_destroy (l->data);
  g_list_free (windows);
}

static void
new_window_action (GSimpleAction *action,
                   GVariant      *param,
                   gpointer       user_data)
{
  gtk_window_present (GTK_WINDOW (pm_window_new (PM_APPLICATION (user_data))));
}

static const GActionEntry app_actions[] = {
  { "about", about_action },
  { "preferences", preferences_action },
  { "show-model", show_model_action, "s" },
  { "quit", quit_action },
  { "new-window", new_window_action },
};

static void
set_accels (GtkApplication *app)
{
  static const struct { const char *action; const char *accels[3]; } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "app.new-window", { "<Control>n", NULL } },
    { "win.open", { "<Control>o", NULL } },
    { "win.open-dataset", { "<Control><Shift>o", NULL } },
    { "win.paste", { "<Control>v", NULL } },
    { "win.export", { "<Control>e", NULL } },
    { "win.export-session", { "<Control><Shift>e", NULL } },
    { "win.zoom-fit", { "<Control>0", NULL } },
    { "win.zoom-100", { "<Control>1", NULL } },
    { "win.zoom-in", { "<Control>plus", "<Control>equal", NULL } },
    { "win.zoom-out", { "<Control>minus", NULL } },
    { "win.cancel", { "Escape", NULL } },
    { "win.show-history", { "F9", NULL } },
    { "win.focus-instruction", { "<Control>l", NULL } },
    { "window.close", { "<Control>w", NULL } },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (app, accels[i].action, accels[i].accels);
}

/* The installed schema @id, else the one compiled in the build tree (running uninstalled). */
static GSettingsSchema *
lookup_schema (const char *id)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchemaSource) build_source = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, id, TRUE);
  if (schema == NULL)
    {
      build_source = g_settings_schema_source_new_from_directory (PM_BUILD_SCHEMA_DIR, source,
                                                                  FALSE, NULL);
      if (build_source != NULL)
        schema = g_settings_schema_source_lookup (build_source, id, FALSE);
    }
  if (schema == NULL)
    g_error ("The settings schema %s is not installed "
             "(set GSETTINGS_SCHEMA_DIR to a folder with gschemas.compiled)", id);
  return g_steal_pointer (&schema);
}

/* The settings, with those saved under the old ID copied in the first time. */
static GSettings *
new_settings (void)
{
  g_autoptr(GSettingsSchema) schema = lookup_schema (PM_APP_ID_BASE);
  g_autoptr(GSettingsSchema) keys = lookup_schema (PM_APP_ID_BASE ".Legacy");
  g_autoptr(GSettings) legacy = g_settings_new_full (keys, NULL, PM_LEGACY_SETTINGS_PATH);
  GSettings *settings = g_settings_new_full (schema, NULL, NULL);
  guint copied = pm_legacy_migrate_settings (legacy, settings);

  if (copied > 0)
    g_debug ("Copied %u settings from %s", copied, PM_LEGACY_SETTINGS_PATH);
  return settings;
}

static void
pm_application_startup (GApplication *app)
{
  PmApplication *self = PM_APPLICATION (app);

  G_APPLICATION_CLASS (pm_application_parent_class)->startup (app);

  self->settings = new_settings ();
  g_signal_connect_object (self->settings, "changed::history-database",
                           G_CALLBACK (history_database_changed_cb), self, G_CONNECT_SWAPPED);
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  set_accels (GTK_APPLICATION (app));
  gtk_window_set_default_icon_name (PM_APP_ID);
}

static void
pm_application_shutdown (GApplication *app)
{
  PmApplication *self = PM_APPLICATION (app);

  g_clear_object (&self->store);
  if (self->models != NULL)
    pm_model_manager_cancel_all (self->models);
  G_APPLICATION_CLASS (pm_application_parent_class)->shutdown (app);
}

static void
pm_application_dispose (GObject *object)
{
  PmApplication *self = PM_APPLICATION (object);

  g_clear_object (&self->store);
  g_clear_object (&self->engines);
  g_clear_object (&self->models);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (pm_application_parent_class)->dispose (object);
}

static void
pm_application_class_init (PmApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = pm_application_dispose;
  app_class->activate = pm_application_activate;
  app_class->open = pm_application_open;
  app_class->startup = pm_application_startup;
  app_class->shutdown = pm_application_shutdown;
}

static void
pm_application_init (PmApplication *self)
{
}

/**
 * pm_application_new:
 * @extra_flags: flags added to %G_APPLICATION_HANDLES_OPEN (tests use NON_UNIQUE)
 *
 * Returns: (transfer full): the application
 */
PmApplication *
pm_application_new (GApplicationFlags extra_flags)
{
  return g_object_new (PM_TYPE_APPLICATION,
                       "application-id", PM_APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN | extra_flags,
                       "resource-base-path", "/io/github/paintmask/Paintmask",
                       NULL);
}
