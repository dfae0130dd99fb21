/* pm-window-run.c: PmWindow's engines and runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: a run is pm_pipeline_run() in a GTask worker (sharing the photo's pixels, not
 * copying them on the main thread); its coalesced progress and its result arrive in the
 * main context and are matched against run_serial, so a run that was superseded or whose
 * window closed is dropped. A new instruction while one runs cancels the old one and says
 * so in a toast. CLIPSeg is created in the worker too (loading weights takes a while).
 */
#define G_LOG_DOMAIN "pm-window"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "pm-model.h"
#include "pm-endpoint-menu.h"
#include "pm-endpoints.h"
#include "pm-engine-text.h"
#include "pm-pipeline.h"
#include "pm-window-private.h"

#define MAX_RECENT_INSTRUCTIONS 50

static char run_tag;  /* GTask source tag */

/* ---------------------------------------------------------------- engines */

static int
default_threads (GSettings *settings)
{
  int threads = g_settings_get_int (settings, "threads");

  /* Leave a core for the UI thread. */
  if (threads <= 0)
    threads = MAX (1, (int) g_get_num_processors () - 1);
  return threads;
}

static void
read_engine_options (PmWindow        *self,
                     PmEngineOptions *options)
{
  g_autoptr(PmEndpoint) server = pm_endpoints_get_selected (self->settings);

  options->model_dir = g_settings_get_string (self->settings, "model-folder");
  if (server != NULL)
    pm_endpoint_fill_options (server, options);
  options->prompt_template = g_settings_get_string (self->settings, "remote-prompt");
  options->timeout_s = g_settings_get_double (self->settings, "remote-timeout");
  options->threads = default_threads (self->settings);
  if (*options->model_dir == '\0')
    g_clear_pointer (&options->model_dir, g_free);
  if (*options->prompt_template == '\0')
    g_clear_pointer (&options->prompt_template, g_free);
}

/* Whether engine @name can run. *@engine receives it (a new reference), or NULL when it
 * is created by the run's worker: loading CLIPSeg weights must not block the window, so
 * here its model folder is only checked for completeness. */
static gboolean
get_engine (PmWindow    *self,
            const char  *name,
            PmEngine   **engine,
            GError     **error)
{
  PmEngineOptions options = { 0 };
  const char *why;
  PmEngine *cached;

  *engine = NULL;
  if (self->engine_override != NULL)
    {
      *engine = pm_engine_ref (self->engine_override);
      return TRUE;
    }
  cached = g_hash_table_lookup (self->engines, name);
  if (cached != NULL)
    {
      *engine = pm_engine_ref (cached);
      return TRUE;
    }
  why = g_hash_table_lookup (self->engine_errors, name);
  if (why != NULL)
    {
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE, why);
      return FALSE;
    }

  read_engine_options (self, &options);
  if (g_str_equal (name, "remote") && options.remote_profile == NULL)
    g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                         _("No remote server is configured"));
  else if (g_str_equal (name, "clipseg"))
    {
      g_autofree char *dir = options.model_dir ? g_strdup (options.model_dir)
                                               : pm_model_get_default_dir (PM_MODEL_DEFAULT_NAME);
      g_autofree char *missing = NULL;

      GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
      PmModelManager *models = PM_IS_APPLICATION (app)
                               ? pm_application_get_models (PM_APPLICATION (app)) : NULL;

      if (!pm_model_dir_is_complete (dir, &missing))
        g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                     _("No complete CLIPSeg model in “%s” (%s missing)"), dir, missing);
      /* The installed model failed verification: running it would only fail to load. */
      else if (options.model_dir == NULL && models != NULL &&
               pm_model_manager_get_status (models, PM_MODEL_DEFAULT_NAME) ==
               PM_MODEL_STATUS_CORRUPT)
        g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                     _("The CLIPSeg model is damaged (%s)"),
                     pm_model_manager_get_detail (models, PM_MODEL_DEFAULT_NAME));
    }
  else
    *engine = pm_engine_new (name, &options, error);
  pm_engine_options_clear (&options);

  if (error != NULL && *error != NULL)
    {
      g_hash_table_insert (self->engine_errors, g_strdup (name), g_strdup ((*error)->message));
      return FALSE;
    }
  if (*engine != NULL)
    g_hash_table_insert (self->engines, g_strdup (name), pm_engine_ref (*engine));
  return TRUE;
}

static const char *
engine_label (const char *id)
{
  if (g_str_equal (id, "clipseg"))
    return _("CLIPSeg");
  if (g_str_equal (id, "remote"))
    return _("Remote");
  return _("Built-in");
}

/* How to make engine @id available; every command named here works as written. */
static const char *
engine_hint (const char *id)
{
  if (g_str_equal (id, "clipseg"))
    return _("Download it with “Download CLIPSeg…” below (or “paintmask model download” "
             "in a terminal), or choose a model folder in Preferences.");
  if (g_str_equal (id, "remote"))
    return _("Add a server in Preferences, Remote Servers, with its key.");
  return "";
}

static void
select_engine (PmWindow   *self,
               const char *id)
{
  g_autofree char *server = NULL;

  g_free (self->engine_name);
  self->engine_name = g_strdup (id);
  /* The remote engine goes by the saved server's name. */
  if (g_str_equal (id, "remote") && self->endpoint_menu != NULL)
    server = pm_endpoint_menu_dup_selected (PM_ENDPOINT_MENU (self->endpoint_menu));
  gtk_menu_button_set_label (self->engine_button, server != NULL ? server : engine_label (id));
  /* With saved servers, the servers stand for "Remote" in the menu. */
  if (g_str_equal (id, "remote") && self->endpoint_menu != NULL &&
      pm_endpoint_menu_has_servers (PM_ENDPOINT_MENU (self->endpoint_menu)))
    {
      pm_endpoint_menu_set_in_use (PM_ENDPOINT_MENU (self->endpoint_menu), TRUE);
      return;
    }
  if (self->endpoint_menu != NULL)
    pm_endpoint_menu_set_in_use (PM_ENDPOINT_MENU (self->endpoint_menu), FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (pm_window_engine_ids); i++)
    if (g_str_equal (pm_window_engine_ids[i], id))
      gtk_check_button_set_active (GTK_CHECK_BUTTON (self->engine_checks[i]), TRUE);
}

static void
engine_toggled_cb (GtkCheckButton *check,
                   PmWindow       *self)
{
  const char *id = g_object_get_data (G_OBJECT (check), "pm-engine");

  if (gtk_check_button_get_active (check) && g_strcmp0 (id, self->engine_name) != 0)
    select_engine (self, id);
}

static void
endpoint_chosen_cb (PmWindow *self)
{
  /* The settings change re-creates the remote engine (pm_window_engine_settings_changed). */
  select_engine (self, "remote");
}

/* The saved remote servers, by name, under "Remote" (once the window has its settings):
 * choosing one selects the remote engine. */
static void
ensure_endpoint_menu (PmWindow *self)
{
  if (self->endpoint_menu != NULL)
    return;
  self->endpoint_menu = pm_endpoint_menu_new (self->settings);
  pm_endpoint_menu_set_group (PM_ENDPOINT_MENU (self->endpoint_menu),
                              GTK_CHECK_BUTTON (self->engine_checks[0]));
  gtk_box_insert_child_after (self->engine_box, self->endpoint_menu,
                              self->engine_checks[G_N_ELEMENTS (pm_window_engine_ids) - 1]);
  g_signal_connect_swapped (self->endpoint_menu, "chosen", G_CALLBACK (endpoint_chosen_cb), self);
}

/* The "Remote" choice gives way to the saved servers, listed by name. */
static void
update_remote_check (PmWindow *self)
{
  gboolean servers;

  /* The window hears of a change before the menu does: have it read the servers now. */
  pm_endpoint_menu_reload (PM_ENDPOINT_MENU (self->endpoint_menu));
  servers = pm_endpoint_menu_has_servers (PM_ENDPOINT_MENU (self->endpoint_menu));
  GtkWidget *remote = self->engine_checks[G_N_ELEMENTS (pm_window_engine_ids) - 1];

  gtk_widget_set_visible (remote, !servers);
}

/* Probes each engine; unavailable ones become insensitive with a tooltip saying why. */
void
pm_window_refresh_engines (PmWindow *self)
{
  g_autofree char *preferred = g_settings_get_string (self->settings, "default-engine");
  const char *fallback = NULL;

  ensure_endpoint_menu (self);
  update_remote_check (self);

  g_hash_table_remove_all (self->engines);
  g_hash_table_remove_all (self->engine_errors);
  self->engine_generation++;

  for (guint i = 0; i < G_N_ELEMENTS (pm_window_engine_ids); i++)
    {
      const char *id = pm_window_engine_ids[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(PmEngine) engine = NULL;
      GtkWidget *check = self->engine_checks[i];

      GtkWidget *setup = g_object_get_data (G_OBJECT (check), "pm-setup");

      if (get_engine (self, id, &engine, &error))
        {
          gtk_widget_set_sensitive (check, TRUE);
          gtk_widget_set_tooltip_text (check, NULL);
          if (setup != NULL)
            gtk_widget_set_visible (setup, FALSE);
          if (fallback == NULL)
            fallback = id;
        }
      else
        {
          g_autofree char *tip = g_strdup_printf ("%s. %s",
                                                  error ? error->message : _("Unavailable"),
                                                  engine_hint (id));
          gtk_widget_set_sensitive (check, FALSE);
          gtk_widget_set_tooltip_text (check, tip);
          if (setup != NULL)
            gtk_widget_set_visible (setup, self->engine_override == NULL);
        }
    }

  if (g_hash_table_contains (self->engine_errors, preferred) && self->engine_override == NULL)
    {
      const char *using = fallback != NULL ? fallback : "builtin";

      select_engine (self, using);
      /* Say once per chosen default why another engine is selected. */
      if (g_strcmp0 (g_object_get_data (G_OBJECT (self), "pm-default-warned"), preferred) != 0)
        {
          g_autofree char *msg = g_strdup_printf (_("The default engine, %s, is unavailable: "
                                                    "using %s (the engine menu says why)"),
                                                  engine_label (preferred), engine_label (using));
          g_object_set_data_full (G_OBJECT (self), "pm-default-warned", g_strdup (preferred),
                                  g_free);
          pm_window_toast (self, msg);
        }
    }
  else
    select_engine (self, self->engine_override ? "builtin" : preferred);
}

void
pm_window_engine_settings_changed (PmWindow *self)
{
  pm_window_refresh_engines (self);
}

void
pm_window_build_engine_popover (PmWindow *self)
{
  GtkCheckButton *group = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (pm_window_engine_ids); i++)
    {
      GtkWidget *check = gtk_check_button_new_with_label (engine_label (pm_window_engine_ids[i]));
      g_object_set_data (G_OBJECT (check), "pm-engine", (gpointer) pm_window_engine_ids[i]);
      if (group != NULL)
        gtk_check_button_set_group (GTK_CHECK_BUTTON (check), group);
      else
        group = GTK_CHECK_BUTTON (check);
      g_signal_connect (check, "toggled", G_CALLBACK (engine_toggled_cb), self);
      gtk_box_append (self->engine_box, check);
      self->engine_checks[i] = check;
    }
  /* What to do about an unavailable engine, shown below the list while it is unavailable. */
  for (guint i = 0; i < G_N_ELEMENTS (pm_window_engine_ids); i++)
    {
      const char *id = pm_window_engine_ids[i];
      GtkWidget *setup;

      if (g_str_equal (id, "clipseg"))
        {
          setup = gtk_button_new_with_mnemonic (_("_Download CLIPSeg…"));
          gtk_actionable_set_action_name (GTK_ACTIONABLE (setup), "app.show-model");
          gtk_actionable_set_action_target (GTK_ACTIONABLE (setup), "s", PM_MODEL_DEFAULT_NAME);
        }
      else if (g_str_equal (id, "remote"))
        {
          setup = gtk_button_new_with_mnemonic (_("Set Up the _Remote Engine…"));
          gtk_actionable_set_action_name (GTK_ACTIONABLE (setup), "app.preferences");
        }
      else
        continue;
      gtk_widget_add_css_class (setup, "flat");
      gtk_widget_set_visible (setup, FALSE);
      g_object_set_data (G_OBJECT (self->engine_checks[i]), "pm-setup", setup);
      gtk_box_append (self->engine_box, setup);
    }
}

/**
 * pm_window_set_engine:
 * @engine: (nullable): an engine used for every run instead of the selected one
 *
 * For tests: runs use @engine whatever the selector says.
 */
void
pm_window_set_engine (PmWindow *self,
                      PmEngine *engine)
{
  g_return_if_fail (PM_IS_WINDOW (self));
  g_clear_pointer (&self->engine_override, pm_engine_unref);
  if (engine != NULL)
    self->engine_override = pm_engine_ref (engine);
  pm_window_refresh_engines (self);
}


/* ---------------------------------------------------------------- runs */

typedef struct {
  PmWindow *self;       /* strong */
  guint     serial;
  char     *instruction;
  char     *engine;
  gint64    started_at;
  double    started_ms;
  PmRgb     highlight;
  int       threads;
} RunData;

static void
run_data_free (gpointer data)
{
  RunData *run = data;

  g_object_unref (run->self);
  g_free (run->instruction);
  g_free (run->engine);
  g_free (run);
}

/* The worker's job. It shares the photo (no 24 MP copy on the main thread) and holds no
 * window reference, so it may be freed in the worker. */
typedef struct {
  PmEngine          *engine;    /* NULL: created here from engine_name and engine_options */
  char              *engine_name;
  PmEngineOptions    engine_options;
  guint              engine_generation;
  PmPhoto           *photo;
  char              *instruction;
  PmPipelineOptions  options;
  guint              serial;
  struct _Progress  *progress;
} RunJob;

/* The latest stage of a run (atomic rc box, shared by the worker and the main context).
 * Reports are coalesced: at most one is queued in the main context at a time, however
 * often the engine reports. */
typedef struct _Progress {
  GMutex        lock;
  char         *stage;
  double        fraction;
  gboolean      queued;
  guint         serial;
  GWeakRef      window;
  GMainContext *context;
} Progress;

static void
progress_clear (gpointer data)
{
  Progress *p = data;

  g_mutex_clear (&p->lock);
  g_free (p->stage);
  g_weak_ref_clear (&p->window);
  g_main_context_unref (p->context);
}

static void
progress_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, progress_clear);
}

/* What the worker hands back: the result and the engine (cached for the next run). */
typedef struct {
  PmPipelineResult *result;
  PmEngine         *engine;
  guint             engine_generation;
} RunOutput;

static void
run_output_free (gpointer data)
{
  RunOutput *out = data;

  pm_pipeline_result_free (out->result);
  pm_engine_unref (out->engine);
  g_free (out);
}

static void
run_job_free (gpointer data)
{
  RunJob *job = data;

  g_clear_pointer (&job->engine, pm_engine_unref);
  g_free (job->engine_name);
  pm_engine_options_clear (&job->engine_options);
  pm_photo_unref (job->photo);
  g_free (job->instruction);
  progress_unref (job->progress);
  g_free (job);
}

static gboolean
progress_main_cb (gpointer data)
{
  Progress *p = data;
  g_autoptr(PmWindow) self = g_weak_ref_get (&p->window);
  g_autofree char *stage = NULL;
  double fraction;

  g_mutex_lock (&p->lock);
  stage = g_steal_pointer (&p->stage);
  fraction = p->fraction;
  p->queued = FALSE;
  g_mutex_unlock (&p->lock);

  if (self != NULL && stage != NULL && p->serial == self->run_serial &&
      self->run_cancellable != NULL)
    {
      g_autofree char *text = pm_engine_text_describe_stage (stage);

      gtk_label_set_text (self->stage_label, text);
      gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0.0, 1.0));
    }
  return G_SOURCE_REMOVE;
}

/* Called in the worker: records the stage and queues one update if none is queued. */
static void
run_progress_cb (const char *stage,
                 double      fraction,
                 gpointer    user_data)
{
  RunJob *job = user_data;
  Progress *p = job->progress;
  gboolean queue;

  g_mutex_lock (&p->lock);
  g_free (p->stage);
  p->stage = g_strdup (stage);
  p->fraction = fraction;
  queue = !p->queued;
  p->queued = TRUE;
  g_mutex_unlock (&p->lock);

  if (queue)
    g_main_context_invoke_full (p->context, G_PRIORITY_DEFAULT, progress_main_cb,
                                g_atomic_rc_box_acquire (p), progress_unref);
}

static void
run_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  RunJob *job = task_data;
  GError *error = NULL;
  RunOutput *out;
  PmPipelineResult *res;

  if (job->engine == NULL)
    {
      run_progress_cb ("loading model", 0.0, job);
      job->engine = pm_engine_new (job->engine_name, &job->engine_options, &error);
      if (job->engine == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
    }
  res = pm_pipeline_run (job->engine, job->photo->image, job->instruction, &job->options,
                         run_progress_cb, job, cancellable, &error);
  if (res == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  out = g_new0 (RunOutput, 1);
  out->result = res;
  out->engine = pm_engine_ref (job->engine);
  out->engine_generation = job->engine_generation;
  g_task_return_pointer (task, out, run_output_free);
}

static void
end_run_ui (PmWindow *self)
{
  g_clear_object (&self->run_cancellable);
  g_clear_pointer (&self->running_instruction, g_free);
  gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
  pm_window_update_actions (self);
}

char *
pm_rgb_to_hex (PmRgb rgb)
{
  return g_strdup_printf ("#%02x%02x%02x", (int) lround (CLAMP (rgb.r, 0, 1) * 255),
                          (int) lround (CLAMP (rgb.g, 0, 1) * 255),
                          (int) lround (CLAMP (rgb.b, 0, 1) * 255));
}

static char *
timings_to_json (const PmTimings *timings)
{
  GString *json = g_string_new ("[");

  for (guint i = 0; timings != NULL && i < timings->items->len; i++)
    {
      const PmTiming *t = &g_array_index (timings->items, PmTiming, i);
      g_autofree char *stage = g_strescape (t->stage, NULL);
      char ms[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (ms, sizeof ms, "%.3f", t->ms);
      g_string_append_printf (json, "%s{\"stage\":\"%s\",\"ms\":%s}", i ? "," : "", stage, ms);
    }
  g_string_append_c (json, ']');
  return g_string_free (json, FALSE);
}

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  RunData *run = user_data;
  PmWindow *self = run->self;
  g_autoptr(GError) error = NULL;
  RunOutput *out = g_task_propagate_pointer (G_TASK (result), &error);
  PmPipelineResult *res = out ? out->result : NULL;
  gboolean current = run->serial == self->run_serial && self->run_cancellable != NULL;
  gint64 t0 = g_get_monotonic_time ();

  if (out != NULL && self->engines != NULL && out->engine_generation == self->engine_generation &&
      self->engine_override == NULL &&
      !g_hash_table_contains (self->engines, pm_engine_get_name (out->engine)))
    g_hash_table_insert (self->engines, g_strdup (pm_engine_get_name (out->engine)),
                         pm_engine_ref (out->engine));

  pm_window_release (self);
  if (current)
    end_run_ui (self);

  if (res == NULL)
    {
      if (current && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *msg = g_strdup_printf (_("“%s” failed: %s"), run->instruction,
                                                  error->message);
          pm_window_error (self, msg);
        }
      else if (current)
        pm_window_toast (self, _("Run cancelled"));
      run_data_free (run);
      g_clear_pointer (&out, run_output_free);
      return;
    }

  if (!current || res->edited == NULL || res->mask == NULL ||
      self->photo == NULL ||
      res->edited->width != self->photo->image->width ||
      res->edited->height != self->photo->image->height)
    {
      run_data_free (run);
      g_clear_pointer (&out, run_output_free);
      return;
    }

  {
    g_autoptr(PmRunEntry) entry = pm_run_entry_new ();
    g_autofree char *color = pm_rgb_to_hex (res->color);
    g_autofree char *highlight = pm_rgb_to_hex (run->highlight);
    g_autofree char *timings = timings_to_json (res->timings);
    g_autofree char *params = g_strdup_printf ("{\"highlight\":\"%s\",\"threads\":%d}",
                                               highlight, run->threads);
    double total = pm_now_ms () - run->started_ms;

    entry->instruction = g_strdup (run->instruction);
    entry->engine = g_strdup (res->engine ? res->engine : run->engine);
    entry->edited = g_steal_pointer (&res->edited);
    entry->mask = g_steal_pointer (&res->mask);
    entry->soft_mask = g_steal_pointer (&res->soft_mask);
    pm_window_append_entry (self, entry, TRUE);
    if (res->message != NULL)
      pm_window_toast (self, res->message);
    pm_window_record_run (self, entry, params, timings, color, res->model, res->message,
                          run->started_at, total);
  }
  run_data_free (run);
  g_clear_pointer (&out, run_output_free);
  g_debug ("run result handled in %.1f ms", (g_get_monotonic_time () - t0) / 1000.0);
}

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

void
pm_window_cancel_run (PmWindow *self)
{
  if (self->run_cancellable == NULL)
    return;
  g_cancellable_cancel (self->run_cancellable);
  self->run_serial++;
  end_run_ui (self);
}

/**
 * pm_window_run:
 * @instruction: e.g. "paint the cup purple"
 *
 * Starts a run on the current photo. A run in progress is cancelled (with a toast).
 */
void
pm_window_run (PmWindow   *self,
               const char *instruction)
{
  g_autofree char *text = NULL;

  g_return_if_fail (PM_IS_WINDOW (self));

  text = g_strstrip (g_strdup (instruction ? instruction : ""));
  if (self->photo == NULL)
    {
      pm_window_error (self, _("Open a photo first"));
      return;
    }
  if (*text == '\0')
    {
      pm_window_error (self, _("Type an instruction first, such as “paint the cup purple”"));
      return;
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(PmEngine) engine = NULL;
    PmPipelineOptions options;
    GdkRGBA rgba;
    RunData *run;
    RunJob *job;
    g_autoptr(GTask) task = NULL;

    if (!get_engine (self, self->engine_name, &engine, &error))
      {
        g_autofree char *msg = g_strdup_printf (_("The %s engine is unavailable: %s"),
                                                engine_label (self->engine_name),
                                                error->message);
        pm_window_error (self, msg);
        return;
      }

    if (self->run_cancellable != NULL)
      {
        g_autofree char *msg = g_strdup_printf (_("Cancelled “%s” to run “%s”"),
                                                self->running_instruction, text);
        pm_window_cancel_run (self);
        pm_window_toast (self, msg);
      }

    if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->instruction_entry)), text) != 0)
      {
        /* Shown for runs started elsewhere (history, tests), without a completion popup. */
        GtkEntryCompletion *completion = gtk_entry_get_completion (self->instruction_entry);
        gtk_entry_completion_set_popup_completion (completion, FALSE);
        gtk_editable_set_text (GTK_EDITABLE (self->instruction_entry), text);
        gtk_entry_completion_set_popup_completion (completion, TRUE);
      }
    gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (self->color_button), &rgba);
    pm_pipeline_options_init (&options);
    options.has_highlight = TRUE;
    options.highlight = (PmRgb) { rgba.red, rgba.green, rgba.blue };

    run = g_new0 (RunData, 1);
    run->self = g_object_ref (self);
    run->serial = ++self->run_serial;
    run->instruction = g_strdup (text);
    run->engine = g_strdup (engine ? pm_engine_get_name (engine) : self->engine_name);
    run->started_at = g_get_real_time ();
    run->started_ms = pm_now_ms ();
    run->highlight = options.highlight;
    run->threads = default_threads (self->settings);
    job = g_new0 (RunJob, 1);
    job->engine = g_steal_pointer (&engine);
    job->engine_name = g_strdup (self->engine_name);
    read_engine_options (self, &job->engine_options);
    job->engine_generation = self->engine_generation;
    job->photo = pm_photo_ref (self->photo);
    job->instruction = g_strdup (text);
    job->options = options;
    job->serial = run->serial;
    job->progress = g_atomic_rc_box_new0 (Progress);
    g_mutex_init (&job->progress->lock);
    g_weak_ref_init (&job->progress->window, self);
    job->progress->serial = run->serial;
    job->progress->context = g_main_context_ref_thread_default ();

    self->run_cancellable = g_cancellable_new ();
    self->running_instruction = g_strdup (text);
    gtk_label_set_text (self->stage_label, _("Starting…"));
    gtk_progress_bar_set_fraction (self->progress_bar, 0);
    gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);
    remember_instruction (self, text);
    pm_window_hold (self);
    pm_window_update_actions (self);

    task = g_task_new (NULL, self->run_cancellable, run_done_cb, run);
    g_task_set_source_tag (task, &run_tag);
    g_task_set_task_data (task, job, run_job_free);
    g_task_run_in_thread (task, run_thread);
  }
}
