/* pm-window.c: the main window: photo, engines, runs and their timeline.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: a run is pm_pipeline_run() in a GTask worker (sharing the photo's pixels, not
 * copying them on the main thread); its progress and result
 * arrive in the main context and are matched against run_serial, so a run that was
 * superseded or whose window closed is dropped. A new instruction while one runs cancels
 * the old one and says so in a toast. Photos decode in a worker too.
 */
#define G_LOG_DOMAIN "pm-window"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#ifdef PM_HAVE_PM_MODEL
#include "pm-model.h"
#endif
#include "pm-pipeline.h"
#include "pm-window-private.h"

G_DEFINE_FINAL_TYPE (PmWindow, pm_window, ADW_TYPE_APPLICATION_WINDOW)

const char * const pm_window_engine_ids[3] = { "builtin", "clipseg", "remote" };

#define MAX_RECENT_INSTRUCTIONS 50

static char load_tag; /* GTask source tags */
#ifdef PM_HAVE_PM_PIPELINE
static char run_tag;
#endif

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
  options->model_dir = g_settings_get_string (self->settings, "model-folder");
  options->endpoint = g_settings_get_string (self->settings, "remote-endpoint");
  options->remote_model = g_settings_get_string (self->settings, "remote-model");
  options->timeout_s = g_settings_get_double (self->settings, "remote-timeout");
  options->threads = default_threads (self->settings);
  if (*options->model_dir == '\0')
    g_clear_pointer (&options->model_dir, g_free);
  if (*options->remote_model == '\0')
    g_clear_pointer (&options->remote_model, g_free);
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
  if (g_str_equal (name, "remote") && *options.endpoint == '\0')
    g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                         _("No remote endpoint is configured"));
#if defined (PM_HAVE_PM_MODEL) && defined (PM_HAVE_PM_CLIPSEG_ENGINE)
  else if (g_str_equal (name, "clipseg"))
    {
      g_autofree char *dir = options.model_dir ? g_strdup (options.model_dir)
                                               : pm_model_get_default_dir (PM_MODEL_DEFAULT_NAME);
      g_autofree char *missing = NULL;

      if (!pm_model_dir_is_complete (dir, &missing))
        g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                     _("No complete CLIPSeg model in “%s” (%s missing)"), dir, missing);
    }
#endif
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

static const char *
engine_hint (const char *id)
{
  if (g_str_equal (id, "clipseg"))
    return _("Install the model with “paintmask model download clipseg” or choose a model "
             "folder in Preferences.");
  if (g_str_equal (id, "remote"))
    return _("Set an endpoint in Preferences and the key in PAINTMASK_API_KEY.");
  return "";
}

static void
select_engine (PmWindow   *self,
               const char *id)
{
  g_free (self->engine_name);
  self->engine_name = g_strdup (id);
  gtk_menu_button_set_label (self->engine_button, engine_label (id));
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

/* Probes each engine; unavailable ones become insensitive with a tooltip saying why. */
static void
refresh_engines (PmWindow *self)
{
  g_autofree char *preferred = g_settings_get_string (self->settings, "default-engine");
  const char *fallback = NULL;

  g_hash_table_remove_all (self->engines);
  g_hash_table_remove_all (self->engine_errors);
  self->engine_generation++;

  for (guint i = 0; i < G_N_ELEMENTS (pm_window_engine_ids); i++)
    {
      const char *id = pm_window_engine_ids[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(PmEngine) engine = NULL;
      GtkWidget *check = self->engine_checks[i];

      if (get_engine (self, id, &engine, &error))
        {
          gtk_widget_set_sensitive (check, TRUE);
          gtk_widget_set_tooltip_text (check, NULL);
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
        }
    }

  if (g_hash_table_contains (self->engine_errors, preferred) && self->engine_override == NULL)
    select_engine (self, fallback != NULL ? fallback : "builtin");
  else
    select_engine (self, self->engine_override ? "builtin" : preferred);
}

static void
engine_settings_changed_cb (PmWindow *self)
{
  refresh_engines (self);
}

static void
build_engine_popover (PmWindow *self)
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
  refresh_engines (self);
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
      g_autofree char *uri = g_file_get_uri (file);
      g_autoptr(PmPhoto) photo = pm_photo_new (image, path, title);

      pm_window_set_photo (self, photo);
      gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
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

/* ---------------------------------------------------------------- runs */

#ifdef PM_HAVE_PM_PIPELINE
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
#endif

#ifdef PM_HAVE_PM_PIPELINE
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
      gtk_label_set_text (self->stage_label, stage);
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
      run_progress_cb (_("loading the model"), 0.0, job);
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
#endif

static void
end_run_ui (PmWindow *self)
{
  g_clear_object (&self->run_cancellable);
  g_clear_pointer (&self->running_instruction, g_free);
  gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
  pm_window_update_actions (self);
}

static char *
rgb_to_hex (PmRgb rgb)
{
  return g_strdup_printf ("#%02x%02x%02x", (int) lround (CLAMP (rgb.r, 0, 1) * 255),
                          (int) lround (CLAMP (rgb.g, 0, 1) * 255),
                          (int) lround (CLAMP (rgb.b, 0, 1) * 255));
}

#ifdef PM_HAVE_PM_PIPELINE
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
    g_autofree char *color = rgb_to_hex (res->color);
    g_autofree char *highlight = rgb_to_hex (run->highlight);
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
}
#endif

#ifdef PM_HAVE_PM_PIPELINE
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
#endif

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

#ifdef PM_HAVE_PM_PIPELINE
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
    gtk_label_set_text (self->stage_label, _("Starting"));
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
#else
  pm_window_error (self, _("This build cannot run instructions (no pipeline)"));
#endif
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
  g_autofree char *hex = rgb_to_hex ((PmRgb) { rgba->red, rgba->green, rgba->blue });

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
  build_engine_popover (self);

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
    "default-engine", "model-folder", "threads", "remote-endpoint", "remote-model",
    "remote-timeout",
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
      g_signal_connect_object (self->settings, signal, G_CALLBACK (engine_settings_changed_cb),
                               self, G_CONNECT_SWAPPED);
    }

  setup_completion (self);
  refresh_engines (self);
  pm_window_init_actions (self);
  pm_window_init_history (self);
  update_title (self);
  pm_window_update_actions (self);
  return self;
}
