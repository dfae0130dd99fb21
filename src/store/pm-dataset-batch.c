/* pm-dataset-batch.c: drafting a dataset project on worker threads (see
 * pm-dataset-batch.h): the plan, the workers, and storing their drafts (the folder scan is
 * pm-dataset-folder.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each worker owns its engines (an engine runs one image at a time) and runs the pipeline on
 * one image, every label it needs, then hands the binary masks back. The calling thread owns
 * the database and stores each draft in its own transaction as it arrives; at most two images
 * per worker are in flight, since a 12 MP result holds 48 MB per mask.
 */
#define G_LOG_DOMAIN "pm-dataset"

#include <string.h>
#include <json-glib/json-glib.h>

#include "pm-dataset-batch.h"
#include "pm-json.h"
#include "pm-pipeline.h"

/* One label as the workers need it (immutable while they run). */
typedef struct {
  gint64  id;
  char   *name;
  char   *instruction;   /* expanded */
  char   *engine;
  char   *params_json;
} Label;

/* One image's labels to draft, and what came of them. */
typedef struct {
  gint64      image_id;
  char       *path;       /* relative to the root */
  char       *file;
  GArray     *labels;     /* of guint: indices of the labels to draft */
  gboolean    replace;
  /* filled by the loader */
  PmImage    *photo;      /* decoded ahead of the worker; the worker frees it */
  char       *error;      /* the image could not be read */
  /* filled by a worker */
  gboolean    cancelled;  /* not (fully) drafted: the batch was cancelled */
  GPtrArray  *drafts;     /* of Draft, one per label tried */
  GBytes     *thumbnail;
  int         width, height;
} Job;

typedef struct {
  guint              label;   /* index */
  PmPipelineResult  *result;  /* NULL if it failed */
  char              *error;
  gboolean           cancelled;
  gint64             started_at;
} Draft;

struct _PmDatasetBatchControl {
  GMutex        lock;
  GCond         resumed;
  gboolean      paused;
  GCancellable *cancellable;
};

typedef struct {
  const PmDatasetBatchOptions *options;
  GPtrArray                   *labels;   /* of Label */
  GCancellable                *cancellable;
  GAsyncQueue                 *todo;     /* Job, or &stop: for the loader */
  GAsyncQueue                 *loaded;   /* Job with its photo, or &stop: for the workers */
  GAsyncQueue                 *done;     /* Job */
  guint                        n_workers;
} Work;

static int stop;   /* its address is the "no more jobs" marker */

static void
label_free (Label *label)
{
  g_free (label->name);
  g_free (label->instruction);
  g_free (label->engine);
  g_free (label->params_json);
  g_free (label);
}

static void
draft_free (Draft *draft)
{
  g_clear_pointer (&draft->result, pm_pipeline_result_free);
  g_free (draft->error);
  g_free (draft);
}

static void
job_free (Job *job)
{
  g_free (job->path);
  g_free (job->file);
  g_array_unref (job->labels);
  g_free (job->error);
  g_clear_pointer (&job->photo, pm_image_free);
  g_clear_pointer (&job->drafts, g_ptr_array_unref);
  g_clear_pointer (&job->thumbnail, g_bytes_unref);
  g_free (job);
}

/* ---------------------------------------------------------------- control */

/**
 * pm_dataset_batch_control_new:
 *
 * Returns: (transfer full): a control, neither paused nor cancelled.
 */
PmDatasetBatchControl *
pm_dataset_batch_control_new (void)
{
  PmDatasetBatchControl *control = g_new0 (PmDatasetBatchControl, 1);

  g_mutex_init (&control->lock);
  g_cond_init (&control->resumed);
  control->cancellable = g_cancellable_new ();
  return control;
}

void
pm_dataset_batch_control_free (PmDatasetBatchControl *control)
{
  if (control == NULL)
    return;
  g_mutex_clear (&control->lock);
  g_cond_clear (&control->resumed);
  g_object_unref (control->cancellable);
  g_free (control);
}

/**
 * pm_dataset_batch_control_pause:
 * @control: a control
 * @paused: %TRUE to pause, %FALSE to go on
 *
 * While paused no new image is started; the images under way finish and are stored.
 */
void
pm_dataset_batch_control_pause (PmDatasetBatchControl *control,
                                gboolean               paused)
{
  g_return_if_fail (control != NULL);
  g_mutex_lock (&control->lock);
  control->paused = paused;
  g_cond_broadcast (&control->resumed);
  g_mutex_unlock (&control->lock);
}

gboolean
pm_dataset_batch_control_get_paused (PmDatasetBatchControl *control)
{
  gboolean paused;

  g_return_val_if_fail (control != NULL, FALSE);
  g_mutex_lock (&control->lock);
  paused = control->paused;
  g_mutex_unlock (&control->lock);
  return paused;
}

/**
 * pm_dataset_batch_control_cancel:
 * @control: a control
 *
 * Stops the batch: the engines stop at their next check, no new image starts, and
 * pm_dataset_batch_run() returns with @report->cancelled set. Finished drafts stay.
 */
void
pm_dataset_batch_control_cancel (PmDatasetBatchControl *control)
{
  g_return_if_fail (control != NULL);
  g_cancellable_cancel (control->cancellable);
  g_mutex_lock (&control->lock);
  g_cond_broadcast (&control->resumed);
  g_mutex_unlock (&control->lock);
}

GCancellable *
pm_dataset_batch_control_get_cancellable (PmDatasetBatchControl *control)
{
  g_return_val_if_fail (control != NULL, NULL);
  return control->cancellable;
}

/* Blocks while @control is paused; FALSE once it is cancelled. */
static gboolean
wait_while_paused (PmDatasetBatchControl *control)
{
  gboolean go_on;

  if (control == NULL)
    return TRUE;
  g_mutex_lock (&control->lock);
  while (control->paused && !g_cancellable_is_cancelled (control->cancellable))
    g_cond_wait (&control->resumed, &control->lock);
  go_on = !g_cancellable_is_cancelled (control->cancellable);
  g_mutex_unlock (&control->lock);
  return go_on;
}

void
pm_dataset_batch_report_init (PmDatasetBatchReport *report)
{
  memset (report, 0, sizeof *report);
  report->failures = g_ptr_array_new_with_free_func (g_free);
  report->failed_paths = g_ptr_array_new_with_free_func (g_free);
}

void
pm_dataset_batch_report_clear (PmDatasetBatchReport *report)
{
  g_clear_pointer (&report->failures, g_ptr_array_unref);
  g_clear_pointer (&report->failed_paths, g_ptr_array_unref);
}

static gboolean
add_folder_images (PmStore                      *store,
                   gint64                        project_id,
                   const char                   *root,
                   const PmDatasetBatchOptions  *options,
                   guint                        *n_added,
                   GError                      **error)
{
  return pm_dataset_add_folder (store, project_id, root, options->skip_dirs, n_added, error);
}

/* ---------------------------------------------------------------- labels and engines */

static char *
node_to_string (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  json_node_unref (node);
  return json_generator_to_data (generator, NULL);
}

static void
add_string (JsonBuilder *builder,
            const char  *key,
            const char  *value)
{
  json_builder_set_member_name (builder, key);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static Label *
label_new (const PmLabelInfo            *info,
           const char                   *root,
           const PmDatasetBatchOptions  *options)
{
  g_autoptr(JsonBuilder) params = json_builder_new ();
  Label *label = g_new0 (Label, 1);

  label->id = info->id;
  label->name = g_strdup (info->name);
  label->instruction = pm_label_expand_instruction (info->instruction, info->name);
  label->engine = g_strdup (info->engine);
  json_builder_begin_object (params);
  add_string (params, "project", root);
  add_string (params, "label", info->name);
  add_string (params, "template", info->instruction);
  add_string (params, "model_dir", options->engine_options != NULL
                                   ? options->engine_options->model_dir : NULL);
  json_builder_end_object (params);
  label->params_json = node_to_string (json_builder_get_root (params));
  return label;
}

/* The labels to draft, stored first with the options' template and engine. */
static GPtrArray *
prepare_labels (PmStore                      *store,
                gint64                        project_id,
                const char                   *root,
                const PmDatasetBatchOptions  *options,
                GError                      **error)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func ((GDestroyNotify) label_free);
  g_autoptr(GPtrArray) stored = NULL;

  for (guint i = 0; options->labels != NULL && options->labels[i] != NULL; i++)
    if (pm_store_ensure_label (store, project_id, options->labels[i], options->instruction,
                               options->engine, error) == 0)
      return NULL;
  stored = pm_store_list_labels (store, project_id, error);
  if (stored == NULL)
    return NULL;
  for (guint k = 0; k < stored->len; k++)
    {
      PmLabelInfo *info = stored->pdata[k];
      gboolean wanted = options->labels == NULL;

      for (guint i = 0; !wanted && options->labels[i] != NULL; i++)
        wanted = g_str_equal (info->name, options->labels[i]);
      if (wanted)
        g_ptr_array_add (labels, label_new (info, root, options));
    }
  return g_steal_pointer (&labels);
}

static PmEngine *
worker_engine (Work        *work,
               GHashTable  *engines,
               const char  *name,
               GError     **error)
{
  PmEngine *engine = g_hash_table_lookup (engines, name);

  if (engine != NULL)
    return engine;
  engine = pm_engine_new (name, work->options->engine_options, error);
  if (engine != NULL)
    g_hash_table_insert (engines, g_strdup (name), engine);
  return engine;
}

/* Fails early, before any drafting, when an engine the labels need cannot start. */
static gboolean
check_engines (Work    *work,
               GError **error)
{
  g_autoptr(GHashTable) engines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) pm_engine_unref);

  for (guint i = 0; i < work->labels->len; i++)
    {
      Label *label = work->labels->pdata[i];
      g_autoptr(GError) local_error = NULL;

      if (worker_engine (work, engines, label->engine, &local_error) == NULL)
        {
          g_set_error (error, local_error->domain, local_error->code,
                       "label %s: engine %s: %s", label->name, label->engine,
                       local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

/* --one-edit: the labels' instructions as one list ("segment the cat and segment the dog"),
 * or NULL with @error when they share no engine or do not read as one item each. */
static char *
one_edit_instruction (GPtrArray  *labels,
                      GArray     *which,
                      GError    **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(PmInstruction) parsed = NULL;
  const Label *first = labels->pdata[which != NULL ? g_array_index (which, guint, 0) : 0];
  guint n = which != NULL ? which->len : labels->len;

  for (guint i = 0; i < n; i++)
    {
      const Label *label = labels->pdata[which != NULL ? g_array_index (which, guint, i) : i];

      if (g_strcmp0 (label->engine, first->engine) != 0)
        {
          g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID,
                       "--one-edit: labels %s and %s use different engines (%s, %s)",
                       first->name, label->name, first->engine, label->engine);
          return NULL;
        }
      g_string_append_printf (text, "%s%s", i > 0 ? " and " : "", label->instruction);
    }
  parsed = pm_instruction_parse (text->str);
  if (pm_instruction_get_n_items (parsed) != n)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID,
                   "--one-edit: the labels' instructions do not read as one object each "
                   "(“%s”); use templates such as “segment the {label}”", text->str);
      return NULL;
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* ---------------------------------------------------------------- the plan */

static GPtrArray *
plan_jobs (PmStore      *store,
           gint64        project_id,
           const char   *root,
           Work         *work,
           guint        *n_skipped,
           GError      **error)
{
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  g_autoptr(GPtrArray) images = pm_store_list_project_images (store, project_id, 0, 0, error);

  if (images == NULL)
    return NULL;
  *n_skipped = 0;
  for (guint i = 0; i < images->len; i++)
    {
      PmProjectImage *image = images->pdata[i];
      g_autoptr(GArray) drafts = NULL;
      g_autoptr(GArray) needed = g_array_new (FALSE, FALSE, sizeof (guint));
      gboolean replace = work->options->redo && (image->status == PM_IMAGE_STATUS_TODO ||
                                                 image->status == PM_IMAGE_STATUS_DRAFTED);
      Job *job;

      if (image->status == PM_IMAGE_STATUS_REJECTED)
        {
          (*n_skipped)++;
          continue;
        }
      drafts = pm_store_list_drafts (store, project_id, image->id, 0, error);
      if (drafts == NULL)
        return NULL;
      for (guint l = 0; l < work->labels->len; l++)
        {
          Label *label = work->labels->pdata[l];
          gboolean has = FALSE;

          for (guint d = 0; d < drafts->len; d++)
            has |= g_array_index (drafts, PmDraftInfo, d).label_id == label->id;
          if (!has || replace)
            g_array_append_val (needed, l);
        }
      if (needed->len == 0)
        {
          (*n_skipped)++;
          continue;
        }
      job = g_new0 (Job, 1);
      job->image_id = image->id;
      job->path = g_strdup (image->path);
      job->file = g_build_filename (root, image->path, NULL);
      job->labels = g_steal_pointer (&needed);
      job->replace = replace;
      g_ptr_array_add (jobs, job);
    }
  return g_steal_pointer (&jobs);
}

/* ---------------------------------------------------------------- workers */

/* Only the mask is stored: drop the full-size pictures now. */
static void
drop_pictures (PmPipelineResult *result)
{
  g_clear_pointer (&result->edited, pm_image_free);
  g_clear_pointer (&result->soft_mask, pm_mask_free);
  g_clear_pointer (&result->derived_mask, pm_mask_free);
}

/* --one-edit: every label of @job in one edit, then one draft per label. */
static void
run_job_one_edit (Work          *work,
                  GHashTable    *engines,
                  Job           *job,
                  const PmImage *photo)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmPipelineResult) result = NULL;
  g_autofree char *instruction = one_edit_instruction (work->labels, job->labels, &error);
  const Label *first = work->labels->pdata[g_array_index (job->labels, guint, 0)];
  PmEngine *engine = instruction != NULL ? worker_engine (work, engines, first->engine, &error)
                                         : NULL;
  gint64 started_at = g_get_real_time ();

  if (engine != NULL)
    result = pm_pipeline_run (engine, photo, instruction, NULL, NULL, NULL, work->cancellable,
                              &error);
  for (guint i = 0; i < job->labels->len; i++)
    {
      Draft *draft = g_new0 (Draft, 1);

      draft->label = g_array_index (job->labels, guint, i);
      draft->started_at = started_at;
      if (result != NULL)
        {
          draft->result = pm_pipeline_result_take_item (result, i);
          drop_pictures (draft->result);
        }
      else
        {
          draft->cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          job->cancelled |= draft->cancelled;
          draft->error = g_strdup_printf ("%s: %s",
                                          ((Label *) work->labels->pdata[draft->label])->name,
                                          error->message);
        }
      g_ptr_array_add (job->drafts, draft);
    }
}

/* Drafts every label of @job on its photo; keeps only what the store needs. */
static void
run_job (Work        *work,
         GHashTable  *engines,
         Job         *job)
{
  g_autoptr(PmImage) photo = g_steal_pointer (&job->photo);
  PmPipelineOptions options;

  job->drafts = g_ptr_array_new_with_free_func ((GDestroyNotify) draft_free);
  job->cancelled = g_cancellable_is_cancelled (work->cancellable);
  if (job->cancelled || photo == NULL)
    return;
  pm_pipeline_options_init (&options);
  if (work->options->one_edit && job->labels->len > 1)
    {
      run_job_one_edit (work, engines, job, photo);
      return;
    }

  for (guint i = 0; i < job->labels->len; i++)
    {
      Label *label = work->labels->pdata[g_array_index (job->labels, guint, i)];
      Draft *draft = g_new0 (Draft, 1);
      g_autoptr(GError) run_error = NULL;
      PmEngine *engine = worker_engine (work, engines, label->engine, &run_error);

      draft->label = g_array_index (job->labels, guint, i);
      draft->started_at = g_get_real_time ();
      if (engine != NULL)
        draft->result = pm_pipeline_run (engine, photo, label->instruction, &options, NULL,
                                         NULL, work->cancellable, &run_error);
      if (draft->result == NULL)
        {
          draft->cancelled = g_error_matches (run_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          job->cancelled |= draft->cancelled;
          draft->error = g_strdup_printf ("%s: %s", label->name, run_error->message);
        }
      else
        drop_pictures (draft->result);
      g_ptr_array_add (job->drafts, draft);
    }
}

/* Decodes each job's photo (and its thumbnail) ahead of the workers, so reading the next
 * image overlaps drafting the current one even with one worker. run_jobs() keeps at most
 * two jobs a worker in flight, which bounds the photos held. */
static gpointer
loader_main (gpointer data)
{
  Work *work = data;

  for (;;)
    {
      Job *job = g_async_queue_pop (work->todo);
      g_autoptr(GError) error = NULL;

      if (job == (gpointer) &stop)
        break;
      if (!g_cancellable_is_cancelled (work->cancellable))
        {
          job->photo = pm_image_load (job->file, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
          if (job->photo == NULL)
            job->error = g_str_has_prefix (error->message, job->path)
                         ? g_strdup (error->message)
                         : g_strdup_printf ("%s: %s", job->path, error->message);
          else
            {
              job->width = job->photo->width;
              job->height = job->photo->height;
              job->thumbnail = pm_project_encode_thumbnail (job->photo, NULL);
            }
        }
      g_async_queue_push (work->loaded, job);
    }
  for (guint i = 0; i < work->n_workers; i++)
    g_async_queue_push (work->loaded, &stop);
  return NULL;
}

static gpointer
worker_main (gpointer data)
{
  Work *work = data;
  g_autoptr(GHashTable) engines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) pm_engine_unref);

  for (;;)
    {
      Job *job = g_async_queue_pop (work->loaded);

      if (job == (gpointer) &stop)
        break;
      run_job (work, engines, job);
      g_async_queue_push (work->done, job);
    }
  return NULL;
}

/* ---------------------------------------------------------------- storing */

static gboolean
store_draft (PmStore      *store,
             Job          *job,
             Label        *label,
             Draft        *draft,
             gboolean      with_thumbnail,
             GError      **error)
{
  PmPipelineResult *result = draft->result;
  g_autofree char *parsed = pm_instruction_to_json_string (result->instruction);
  g_autofree char *timings = pm_timings_to_json_string (result->timings);
  g_autofree char *color = pm_color_to_hex (result->color);
  PmRunRecord run = {
    .instruction = label->instruction, .parsed_json = parsed, .engine = result->engine,
    .model = result->model, .params_json = label->params_json, .color = color,
    .status = "ok", .message = result->message, .started_at = draft->started_at,
    .duration_ms = pm_timings_get (result->timings, "total"), .timings_json = timings,
    .result = pm_result_state_to_string (result->state), .mask_pixels = result->mask_pixels,
  };
  PmDraftRecord record = {
    .image_id = job->image_id, .label_id = label->id, .replace = job->replace, .run = &run,
    .mask = result->mask, .image_width = job->width, .image_height = job->height,
    .thumbnail_png = with_thumbnail ? job->thumbnail : NULL,
  };

  return pm_store_add_draft (store, &record, error) > 0;
}

/* Stores the finished drafts of @job; a failed image becomes a line in @report. FALSE only
 * if the database failed. */
static gboolean
store_job (PmStore               *store,
           Work                  *work,
           Job                   *job,
           PmDatasetBatchReport  *report,
           char                 **failure,
           GError               **error)
{
  g_autoptr(GString) failed = g_string_new (NULL);
  gboolean thumbnail_stored = FALSE;

  if (job->error != NULL)
    {
      *failure = g_strdup (job->error);
      return pm_store_set_image_error (store, job->image_id, job->error, error);
    }
  for (guint i = 0; i < job->drafts->len; i++)
    {
      Draft *draft = job->drafts->pdata[i];
      g_autoptr(GError) local_error = NULL;

      if (draft->result == NULL)
        {
          if (!draft->cancelled)
            g_string_append_printf (failed, "%s%s", failed->len ? "; " : "", draft->error);
          continue;
        }
      if (!store_draft (store, job, work->labels->pdata[draft->label], draft,
                        !thumbnail_stored, &local_error))
        {
          /* Another batch on the same database drafted it meanwhile: keep theirs. */
          if (g_error_matches (local_error, PM_STORE_ERROR, PM_STORE_ERROR_EXISTS))
            continue;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      thumbnail_stored = TRUE;
      report->n_drafts++;
    }
  if (failed->len > 0)
    {
      *failure = g_strdup_printf ("%s: %s", job->path, failed->str);
      return pm_store_set_image_error (store, job->image_id, *failure, error);
    }
  return TRUE;
}

/* Runs @jobs on the workers and stores what they return. */
static gboolean
run_jobs (PmStore                        *store,
          Work                           *work,
          GPtrArray                      *jobs,
          const PmDatasetBatchCallbacks  *callbacks,
          gpointer                        user_data,
          PmDatasetBatchControl          *control,
          PmDatasetBatchReport           *report,
          GError                        **error)
{
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  GThread *loader;
  gint64 started_us = g_get_monotonic_time ();
  guint n_threads = (guint) MAX (work->options->jobs, 1), next = 0, in_flight = 0;
  gboolean ok = TRUE, go_on = TRUE;

  work->n_workers = MAX (1, MIN (n_threads, jobs->len));
  loader = g_thread_new ("dataset-loader", loader_main, work);
  for (guint i = 0; i < work->n_workers; i++)
    g_ptr_array_add (threads, g_thread_new ("dataset-worker", worker_main, work));
  while (next < jobs->len && in_flight < 2 * threads->len &&
         (go_on = wait_while_paused (control)))
    {
      g_async_queue_push (work->todo, jobs->pdata[next++]);
      in_flight++;
    }
  while (in_flight > 0)
    {
      Job *job = g_async_queue_pop (work->done);
      g_autofree char *failure = NULL;

      in_flight--;
      if (ok && !store_job (store, work, job, report, &failure, error))
        ok = FALSE;   /* drain the workers, start nothing new */
      if (failure != NULL)
        {
          g_ptr_array_add (report->failures, g_strdup (failure));
          g_ptr_array_add (report->failed_paths, g_strdup (job->path));
        }
      g_clear_pointer (&job->drafts, g_ptr_array_unref);   /* the masks */
      if (!job->cancelled)
        {
          report->n_done++;
          if (ok && callbacks != NULL && callbacks->image_done != NULL)
            callbacks->image_done (job->path, failure, report->n_done, jobs->len, user_data);
        }
      if (ok && go_on && next < jobs->len && (go_on = wait_while_paused (control)))
        {
          g_async_queue_push (work->todo, jobs->pdata[next++]);
          in_flight++;
        }
    }
  g_async_queue_push (work->todo, &stop);   /* the loader passes it on to each worker */
  g_thread_join (loader);
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (threads->pdata[i]);
  report->elapsed_s = (g_get_monotonic_time () - started_us) / 1e6;
  report->cancelled = g_cancellable_is_cancelled (work->cancellable);
  return ok;
}

/**
 * pm_dataset_batch_run:
 * @store: the database, used from the calling thread only
 * @options: what to draft
 * @callbacks: (nullable): progress, called from the calling thread
 * @user_data: for @callbacks
 * @control: (nullable): pause and cancel from other threads
 * @report: (out caller-allocates): counts and failures (pm_dataset_batch_report_init()
 *   first)
 * @error: return location for a #GError
 *
 * See pm-dataset-batch.h.
 *
 * Returns: %TRUE unless a label, template or engine was refused or the database failed.
 */
gboolean
pm_dataset_batch_run (PmStore                        *store,
                      const PmDatasetBatchOptions    *options,
                      const PmDatasetBatchCallbacks  *callbacks,
                      gpointer                        user_data,
                      PmDatasetBatchControl          *control,
                      PmDatasetBatchReport           *report,
                      GError                        **error)
{
  g_autofree char *root = NULL;
  g_autoptr(GPtrArray) labels = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GAsyncQueue) todo = g_async_queue_new ();
  g_autoptr(GAsyncQueue) loaded = g_async_queue_new ();
  g_autoptr(GAsyncQueue) done = g_async_queue_new ();
  g_autoptr(GCancellable) own_cancellable = NULL;
  Work work = { .options = options, .todo = todo, .loaded = loaded, .done = done };

  g_return_val_if_fail (store != NULL && options != NULL && options->root != NULL, FALSE);
  g_return_val_if_fail (report != NULL && report->failures != NULL, FALSE);

  if (control != NULL)
    work.cancellable = control->cancellable;
  else
    work.cancellable = own_cancellable = g_cancellable_new ();
  root = g_canonicalize_filename (options->root, NULL);
  report->project_id = pm_store_ensure_project (store, root, error);
  if (report->project_id == 0)
    return FALSE;
  labels = prepare_labels (store, report->project_id, root, options, error);
  if (labels == NULL)
    return FALSE;
  work.labels = labels;
  if (options->one_edit && labels->len > 1)
    {
      g_autofree char *joined = one_edit_instruction (labels, NULL, error);
      if (joined == NULL)
        return FALSE;
    }
  if (!check_engines (&work, error) ||
      !add_folder_images (store, report->project_id, root, options, &report->n_added, error))
    return FALSE;
  jobs = plan_jobs (store, report->project_id, root, &work, &report->n_skipped, error);
  if (jobs == NULL)
    return FALSE;
  report->n_to_draft = jobs->len;
  if (callbacks != NULL && callbacks->planned != NULL)
    callbacks->planned (jobs->len, report->n_skipped, report->n_added, user_data);
  return run_jobs (store, &work, jobs, callbacks, user_data, control, report, error);
}
