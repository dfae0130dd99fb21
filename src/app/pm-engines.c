/* pm-engines.c: which engines can run, from the settings; the loaded engines they share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-engines"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-endpoints.h"
#include "pm-engines.h"
#include "pm-model.h"

struct _PmEngines
{
  GObject     parent_instance;

  GSettings  *settings;
  GWeakRef    models;      /* PmModelManager: what verification found */
  GHashTable *loaded;      /* name → PmEngine that later runs share (CLIPSeg) */
  PmEngine   *override;    /* tests: used for every run */
  guint       generation;  /* bumps when the engine settings change */
};

struct _PmEngineRequest
{
  char            *name;
  PmEngine        *engine;     /* NULL: made by pm_engine_request_get_engine() */
  PmEngineOptions  options;
  guint            generation;
  gboolean         shareable;  /* keep the engine for later runs */
  GWeakRef         engines;
};

G_DEFINE_FINAL_TYPE (PmEngines, pm_engines, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char * const engine_keys[] = {
  "default-engine", "model-folder", "threads", "remote-endpoints", "remote-endpoint-selected",
  "remote-endpoint", "remote-model", "remote-timeout", "remote-prompt", "refine-with-sam",
};

/* ---------------------------------------------------------------- labels */

/**
 * pm_engines_get_label:
 * @name: an engine name
 *
 * Returns: the name to show for the engine
 */
const char *
pm_engines_get_label (const char *name)
{
  if (g_strcmp0 (name, "builtin") == 0)
    return _("Built-in");
  if (g_strcmp0 (name, "clipseg") == 0)
    return _("CLIPSeg");
  if (g_strcmp0 (name, "remote") == 0)
    return _("Remote");
  return name;
}

/**
 * pm_engines_get_hint:
 * @name: an engine name
 *
 * Returns: how to make the engine available, or ""
 */
const char *
pm_engines_get_hint (const char *name)
{
  /* Every command named here works as written. */
  if (g_strcmp0 (name, "clipseg") == 0)
    return _("Download it with “Download CLIPSeg…” below (or “paintmask model download” "
             "in a terminal), or choose a model folder in Preferences.");
  if (g_strcmp0 (name, "remote") == 0)
    return _("Add a server in Preferences, Remote Servers, with its key.");
  return "";
}

/* ---------------------------------------------------------------- settings */

/**
 * pm_engines_get_sam_refine:
 *
 * Cheap: reads a setting and looks at the installed SAM model's folder; loads nothing.
 *
 * Returns: whether CLIPSeg runs are refined with Segment Anything (`--refine sam`): the
 *   Preferences switch is on and the default SAM model (slimsam-77) is installed
 */
gboolean
pm_engines_get_sam_refine (PmEngines *self)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (PM_IS_ENGINES (self), FALSE);
  if (!g_settings_get_boolean (self->settings, "refine-with-sam"))
    return FALSE;
  dir = pm_model_get_default_dir (PM_MODEL_SAM_DEFAULT_NAME);
  return pm_model_dir_is_complete_for (dir, "sam", NULL);
}

static void
read_options (PmEngines       *self,
              const char      *name,
              PmEngineOptions *options)
{
  g_autoptr(PmEndpoint) server = pm_endpoints_get_selected (self->settings);

  options->model_dir = g_settings_get_string (self->settings, "model-folder");
  if (server != NULL)
    pm_endpoint_fill_options (server, options);
  options->prompt_template = g_settings_get_string (self->settings, "remote-prompt");
  options->timeout_s = g_settings_get_double (self->settings, "remote-timeout");
  options->threads = pm_engines_get_threads (self);
  if (g_str_equal (name, "clipseg") && pm_engines_get_sam_refine (self))
    options->refine = g_strdup ("sam");
  if (*options->model_dir == '\0')
    g_clear_pointer (&options->model_dir, g_free);
  if (*options->prompt_template == '\0')
    g_clear_pointer (&options->prompt_template, g_free);
}

/**
 * pm_engines_get_threads:
 *
 * Returns: the compute threads a run may use: the setting, or all cores but one (the UI's)
 */
int
pm_engines_get_threads (PmEngines *self)
{
  int threads;

  g_return_val_if_fail (PM_IS_ENGINES (self), 1);
  threads = g_settings_get_int (self->settings, "threads");
  if (threads <= 0)
    threads = MAX (1, (int) g_get_num_processors () - 1);
  return threads;
}

static void
settings_changed_cb (PmEngines *self)
{
  g_hash_table_remove_all (self->loaded);
  self->generation++;
  g_signal_emit (self, signals[CHANGED], 0);
}

/* ---------------------------------------------------------------- checks */

/**
 * pm_engines_list:
 *
 * Returns: (transfer none): the engine names, NULL-terminated
 */
const char * const *
pm_engines_list (PmEngines *self)
{
  return pm_engine_list_names ();
}

/**
 * pm_engines_check:
 * @name: an engine name
 * @error: why it cannot run
 *
 * Cheap: reads settings and looks at the model folder; loads nothing.
 *
 * Returns: whether engine @name can run
 */
gboolean
pm_engines_check (PmEngines   *self,
                  const char  *name,
                  GError     **error)
{
  g_return_val_if_fail (PM_IS_ENGINES (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (self->override != NULL || g_hash_table_contains (self->loaded, name) ||
      g_str_equal (name, "builtin"))
    return TRUE;
  if (g_str_equal (name, "remote"))
    {
      /* Reads settings only: the key is looked up by the run's worker. */
      g_autoptr(PmEndpoint) server = pm_endpoints_get_selected (self->settings);

      if (server != NULL)
        return TRUE;
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                           _("No remote server is configured"));
      return FALSE;
    }
  if (g_str_equal (name, "clipseg"))
    {
      g_autofree char *folder = g_settings_get_string (self->settings, "model-folder");
      g_autofree char *dir = *folder ? g_strdup (folder)
                                     : pm_model_get_default_dir (PM_MODEL_DEFAULT_NAME);
      g_autofree char *missing = NULL;

      g_autoptr(PmModelManager) models = g_weak_ref_get (&self->models);

      if (!pm_model_dir_is_complete (dir, &missing))
        {
          g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                       _("No complete CLIPSeg model in “%s” (%s missing)"), dir, missing);
          return FALSE;
        }
      /* The installed model failed verification: running it would only fail to load. */
      if (folder != NULL && *folder == '\0' && models != NULL &&
          pm_model_manager_get_status (models, PM_MODEL_DEFAULT_NAME) == PM_MODEL_STATUS_CORRUPT)
        {
          g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                       _("The CLIPSeg model is damaged (%s)"),
                       pm_model_manager_get_detail (models, PM_MODEL_DEFAULT_NAME));
          return FALSE;
        }
      return TRUE;
    }
  g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNKNOWN, _("No engine called “%s”"), name);
  return FALSE;
}

/**
 * pm_engines_get_default:
 *
 * Returns: the engine chosen in the settings if it can run, else the first one that can
 */
const char *
pm_engines_get_default (PmEngines *self)
{
  g_autofree char *preferred = NULL;
  const char * const *names = pm_engines_list (self);

  g_return_val_if_fail (PM_IS_ENGINES (self), "builtin");
  if (self->override != NULL)
    return "builtin";
  preferred = g_settings_get_string (self->settings, "default-engine");
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], preferred) && pm_engines_check (self, names[i], NULL))
      return names[i];
  for (guint i = 0; names[i] != NULL; i++)
    if (pm_engines_check (self, names[i], NULL))
      return names[i];
  return "builtin";
}

/**
 * pm_engines_set_override:
 * @engine: (nullable): an engine used for every run whatever is selected
 *
 * For tests.
 */
void
pm_engines_set_override (PmEngines *self,
                         PmEngine  *engine)
{
  g_return_if_fail (PM_IS_ENGINES (self));
  g_clear_pointer (&self->override, pm_engine_unref);
  if (engine != NULL)
    self->override = pm_engine_ref (engine);
  settings_changed_cb (self);
}

/**
 * pm_engines_set_models:
 * @models: (nullable): the model manager whose verification results count
 *
 * A CLIPSeg model that failed verification is then reported unavailable.
 */
void
pm_engines_set_models (PmEngines      *self,
                       PmModelManager *models)
{
  g_return_if_fail (PM_IS_ENGINES (self));
  g_weak_ref_set (&self->models, models);
}

/**
 * pm_engines_get_loaded:
 * @name: an engine name
 *
 * Returns: (transfer full) (nullable): the engine runs of @name share, if it is loaded
 *   already (the test override whatever @name); never loads one
 */
PmEngine *
pm_engines_get_loaded (PmEngines  *self,
                       const char *name)
{
  PmEngine *engine;

  g_return_val_if_fail (PM_IS_ENGINES (self), NULL);
  engine = self->override != NULL ? self->override
                                   : name != NULL ? g_hash_table_lookup (self->loaded, name)
                                                  : NULL;
  return engine != NULL ? pm_engine_ref (engine) : NULL;
}

gboolean
pm_engines_has_override (PmEngines *self)
{
  g_return_val_if_fail (PM_IS_ENGINES (self), FALSE);
  return self->override != NULL;
}

/* ---------------------------------------------------------------- requests */

/**
 * pm_engines_request:
 * @name: the engine to run
 * @error: why it cannot run
 *
 * Returns: (transfer full) (nullable): what a worker needs to get engine @name
 */
PmEngineRequest *
pm_engines_request (PmEngines   *self,
                    const char  *name,
                    GError     **error)
{
  PmEngineRequest *request;
  PmEngine *loaded;

  g_return_val_if_fail (PM_IS_ENGINES (self), NULL);
  if (!pm_engines_check (self, name, error))
    return NULL;

  request = g_atomic_rc_box_new0 (PmEngineRequest);
  request->name = g_strdup (self->override != NULL ? pm_engine_get_name (self->override) : name);
  request->generation = self->generation;
  g_weak_ref_init (&request->engines, self);
  loaded = self->override != NULL ? self->override : g_hash_table_lookup (self->loaded, name);
  if (loaded != NULL)
    request->engine = pm_engine_ref (loaded);
  else if (g_str_equal (name, "builtin"))
    request->engine = pm_builtin_engine_new ();
  else
    {
      read_options (self, name, &request->options);
      /* Loading CLIPSeg is worth keeping; the remote engine is cheap to make and must read
       * the key anew each run. */
      request->shareable = g_str_equal (name, "clipseg");
    }
  return request;
}

PmEngineRequest *
pm_engine_request_ref (PmEngineRequest *request)
{
  return g_atomic_rc_box_acquire (request);
}

static void
request_clear (gpointer data)
{
  PmEngineRequest *request = data;

  g_free (request->name);
  g_clear_pointer (&request->engine, pm_engine_unref);
  pm_engine_options_clear (&request->options);
  g_weak_ref_clear (&request->engines);
}

void
pm_engine_request_unref (PmEngineRequest *request)
{
  g_atomic_rc_box_release_full (request, request_clear);
}

const char *
pm_engine_request_get_name (PmEngineRequest *request)
{
  return request->name;
}

/**
 * pm_engine_request_get_engine:
 * @request: a request
 * @error: why the engine could not be made
 *
 * Called in a worker: may load weights or ask the keyring.
 *
 * Returns: (transfer full) (nullable): the engine
 */
PmEngine *
pm_engine_request_get_engine (PmEngineRequest  *request,
                              GError          **error)
{
  if (request->engine != NULL)
    return pm_engine_ref (request->engine);
  return pm_engine_new (request->name, &request->options, error);
}

/**
 * pm_engine_request_done:
 * @request: the request a run was made with
 * @engine: the engine it ran
 *
 * Main thread. Keeps a freshly loaded shareable engine for later runs, unless the settings
 * changed since the request was made.
 */
void
pm_engine_request_done (PmEngineRequest *request,
                        PmEngine        *engine)
{
  g_autoptr(PmEngines) self = g_weak_ref_get (&request->engines);

  if (self == NULL || engine == NULL || !request->shareable || request->engine != NULL ||
      request->generation != self->generation || self->override != NULL)
    return;
  if (!g_hash_table_contains (self->loaded, request->name))
    g_hash_table_insert (self->loaded, g_strdup (request->name), pm_engine_ref (engine));
}

/* ---------------------------------------------------------------- GObject */

static void
pm_engines_dispose (GObject *object)
{
  PmEngines *self = PM_ENGINES (object);

  g_weak_ref_set (&self->models, NULL);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->loaded, g_hash_table_unref);
  g_clear_pointer (&self->override, pm_engine_unref);
  G_OBJECT_CLASS (pm_engines_parent_class)->dispose (object);
}

static void
pm_engines_class_init (PmEnginesClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = pm_engines_dispose;

  /**
   * PmEngines::changed:
   *
   * The engine settings changed: availability and the default may differ.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
pm_engines_init (PmEngines *self)
{
  self->loaded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) pm_engine_unref);
}

/**
 * pm_engines_new:
 * @settings: the io.github.paintmask.Paintmask settings
 *
 * Returns: (transfer full): the engines described by @settings
 */
PmEngines *
pm_engines_new (GSettings *settings)
{
  PmEngines *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (PM_TYPE_ENGINES, NULL);
  self->settings = g_object_ref (settings);
  for (guint i = 0; i < G_N_ELEMENTS (engine_keys); i++)
    {
      g_autofree char *signal = g_strconcat ("changed::", engine_keys[i], NULL);
      g_signal_connect_object (settings, signal, G_CALLBACK (settings_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }
  return self;
}
