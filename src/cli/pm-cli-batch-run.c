/* pm-cli-batch-run.c: the workers of `paintmask batch` and the main thread that stores
 * what they draft.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each worker owns its engines (an engine runs one image at a time) and runs the pipeline on
 * one image, every label it needs, then hands the binary masks back. The main thread owns
 * the database and stores each draft in its own transaction as it arrives; at most two
 * images per worker are in flight, since a 12 MP result holds 48 MB per mask.
 */
#define G_LOG_DOMAIN "paintmask-cli"

#include "config.h"

#include "pm-cli-batch-private.h"
#include "pm-json.h"

typedef struct {
  guint              label;   /* index */
  PmPipelineResult  *result;  /* NULL if it failed */
  char              *error;
  gint64             started_at;
} Draft;

static void
draft_free (Draft *draft)
{
  g_clear_pointer (&draft->result, pm_pipeline_result_free);
  g_free (draft->error);
  g_free (draft);
}

void
pm_batch_job_free (PmBatchJob *job)
{
  g_free (job->path);
  g_free (job->file);
  g_array_unref (job->labels);
  g_free (job->error);
  g_clear_pointer (&job->drafts, g_ptr_array_unref);
  g_clear_pointer (&job->thumbnail, g_bytes_unref);
  g_free (job);
}

void
pm_batch_label_free (PmBatchLabel *label)
{
  g_free (label->name);
  g_free (label->instruction);
  g_free (label->engine);
  g_free (label->params_json);
  g_free (label);
}

/* The queues between the main thread and the workers. */
typedef struct {
  PmBatchWork *work;
  GAsyncQueue *todo;    /* PmBatchJob, or &stop */
  GAsyncQueue *done;    /* PmBatchJob */
} Queues;

static int stop;   /* its address is the "no more jobs" marker */

/* ---------------------------------------------------------------- workers */

PmEngine *
pm_batch_engine (PmBatchWork  *work,
                 GHashTable   *engines,
                 const char   *name,
                 GError      **error)
{
  PmEngine *engine = g_hash_table_lookup (engines, name);
  PmEngineOptions options = { 0 };

  if (engine != NULL)
    return engine;
  options.model_dir = g_strdup (work->args->engine.model_dir);
  options.endpoint = g_strdup (work->args->engine.endpoint);
  options.remote_model = g_strdup (work->args->engine.remote_model);
  options.timeout_s = work->args->engine.timeout_s;
  options.threads = work->threads;
  engine = pm_engine_new (name, &options, error);
  pm_engine_options_clear (&options);
  if (engine != NULL)
    g_hash_table_insert (engines, g_strdup (name), engine);
  return engine;
}

/* Drafts every label of @job on its photo; keeps only what the store needs. */
static void
run_job (PmBatchWork  *work,
         GHashTable   *engines,
         PmBatchJob   *job)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmImage) photo = pm_image_load (job->file, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  PmPipelineOptions options;

  job->drafts = g_ptr_array_new_with_free_func ((GDestroyNotify) draft_free);
  if (photo == NULL)
    {
      job->error = pm_cli_file_error_text (job->path, error);
      return;
    }
  job->width = photo->width;
  job->height = photo->height;
  job->thumbnail = pm_project_encode_thumbnail (photo, NULL);
  pm_pipeline_options_init (&options);

  for (guint i = 0; i < job->labels->len; i++)
    {
      PmBatchLabel *label = work->labels->pdata[g_array_index (job->labels, guint, i)];
      Draft *draft = g_new0 (Draft, 1);
      g_autoptr(GError) run_error = NULL;
      PmEngine *engine = pm_batch_engine (work, engines, label->engine, &run_error);

      draft->label = g_array_index (job->labels, guint, i);
      draft->started_at = g_get_real_time ();
      if (engine != NULL)
        draft->result = pm_pipeline_run (engine, photo, label->instruction, &options, NULL,
                                         NULL, NULL, &run_error);
      if (draft->result == NULL)
        draft->error = g_strdup_printf ("%s: %s", label->name, run_error->message);
      else
        {
          /* Only the binary mask is stored: drop the full-size pictures now. */
          g_clear_pointer (&draft->result->edited, pm_image_free);
          g_clear_pointer (&draft->result->soft_mask, pm_mask_free);
          g_clear_pointer (&draft->result->derived_mask, pm_mask_free);
        }
      g_ptr_array_add (job->drafts, draft);
    }
}

static gpointer
worker_main (gpointer data)
{
  Queues *queues = data;
  PmBatchWork *work = queues->work;
  g_autoptr(GHashTable) engines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) pm_engine_unref);

  for (;;)
    {
      PmBatchJob *job = g_async_queue_pop (queues->todo);

      if (job == (gpointer) &stop)
        break;
      run_job (work, engines, job);
      g_async_queue_push (queues->done, job);
    }
  return NULL;
}

/* ---------------------------------------------------------------- storing */

char *
pm_batch_node_to_string (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  json_node_unref (node);
  return json_generator_to_data (generator, NULL);
}

/* Stores the finished drafts of @job; failures are added to @failures as lines. FALSE only
 * if the database failed (then *@error is set). */
static gboolean
store_job (PmStore      *store,
           PmBatchWork  *work,
           PmBatchJob   *job,
           GPtrArray    *failures,
           guint        *n_drafts,
           GError      **error)
{
  g_autoptr(GString) failed = g_string_new (NULL);
  g_autoptr(GError) local_error = NULL;
  gboolean thumbnail_stored = FALSE;

  if (job->error != NULL)
    {
      g_ptr_array_add (failures, g_strdup (job->error));
      return pm_store_set_image_error (store, job->image_id, job->error, error);
    }
  for (guint i = 0; i < job->drafts->len; i++)
    {
      Draft *draft = job->drafts->pdata[i];
      PmBatchLabel *label = work->labels->pdata[draft->label];
      PmPipelineResult *result = draft->result;
      g_autofree char *parsed = NULL, *timings = NULL, *color = NULL;
      PmRunRecord run = { 0 };
      PmDraftRecord record = { .image_id = job->image_id, .label_id = label->id,
                               .replace = job->replace, .run = &run,
                               .image_width = job->width, .image_height = job->height };

      if (result == NULL)
        {
          g_string_append_printf (failed, "%s%s", failed->len ? "; " : "", draft->error);
          continue;
        }
      parsed = pm_instruction_to_json_string (result->instruction);
      timings = pm_timings_to_json_string (result->timings);
      color = pm_color_to_hex (result->color);
      run.instruction = label->instruction;
      run.parsed_json = parsed;
      run.engine = result->engine;
      run.model = result->model;
      run.params_json = label->params_json;
      run.color = color;
      run.status = "ok";
      run.message = result->message;
      run.started_at = draft->started_at;
      run.duration_ms = pm_timings_get (result->timings, "total");
      run.timings_json = timings;
      run.result = pm_result_state_to_string (result->state);
      run.mask_pixels = result->mask_pixels;
      record.mask = result->mask;
      record.thumbnail_png = thumbnail_stored ? NULL : job->thumbnail;
      if (pm_store_add_draft (store, &record, &local_error) == 0)
        {
          /* Another batch on the same database drafted it meanwhile: keep theirs. */
          if (g_error_matches (local_error, PM_STORE_ERROR, PM_STORE_ERROR_EXISTS))
            {
              g_clear_error (&local_error);
              continue;
            }
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      thumbnail_stored = TRUE;
      (*n_drafts)++;
    }
  if (failed->len > 0)
    {
      g_autofree char *line = g_strdup_printf ("%s: %s", job->path, failed->str);

      g_ptr_array_add (failures, g_strdup (line));
      return pm_store_set_image_error (store, job->image_id, line, error);
    }
  return TRUE;
}

/* ---------------------------------------------------------------- running */

static void
show_progress (PmCliProgress *line,
               guint          done,
               guint          total,
               gint64         started_us,
               const char    *last)
{
  double elapsed = (g_get_monotonic_time () - started_us) / 1e6;
  double rate = elapsed > 0 ? done / elapsed : 0;
  g_autofree char *eta = rate > 0 ? pm_cli_format_duration ((total - done) / rate)
                                  : g_strdup ("?");
  g_autofree char *stage = g_strdup_printf ("%u/%u images, %.2f/s, ETA %s, %s", done, total,
                                            rate, eta, last);

  pm_cli_progress_update (stage, total > 0 ? (double) done / total : 1.0, line);
}

/**
 * pm_batch_run_jobs:
 * @store: the database (used from this thread only)
 * @work: labels and engine settings
 * @jobs: (element-type PmBatchJob): what to draft
 * @outcome: (inout): counts and failures
 *
 * Returns: %FALSE if storing failed (the error is printed; the workers are drained).
 */
gboolean
pm_batch_run_jobs (PmStore         *store,
                   PmBatchWork     *work,
                   GPtrArray       *jobs,
                   PmBatchOutcome  *outcome)
{
  g_autoptr(GAsyncQueue) todo = g_async_queue_new ();
  g_autoptr(GAsyncQueue) done = g_async_queue_new ();
  Queues queues = { .work = work, .todo = todo, .done = done };
  g_autoptr(PmCliProgress) line = pm_cli_progress_new (!work->args->quiet);
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  gint64 started_us = g_get_monotonic_time ();
  guint n_jobs = (guint) work->args->jobs, next = 0, in_flight = 0;
  gboolean ok = TRUE;

  for (guint i = 0; i < n_jobs; i++)
    g_ptr_array_add (threads, g_thread_new ("batch-worker", worker_main, &queues));
  /* Two images per worker at most: one running, one waiting. */
  while (next < jobs->len && in_flight < 2 * n_jobs)
    {
      g_async_queue_push (todo, jobs->pdata[next++]);
      in_flight++;
    }
  while (in_flight > 0)
    {
      PmBatchJob *job = g_async_queue_pop (done);
      guint failures_before = outcome->failures->len;

      in_flight--;
      if (ok && !store_job (store, work, job, outcome->failures, &outcome->n_drafts, &error))
        {
          pm_cli_progress_clear (line);
          pm_cli_error (PM_BATCH_COMMAND, "%s", error->message);
          ok = FALSE;   /* drain the workers, start nothing new */
        }
      if (outcome->failures->len > failures_before)
        {
          pm_cli_progress_clear (line);
          pm_cli_error (PM_BATCH_COMMAND, "%s",
                        (const char *) outcome->failures->pdata[failures_before]);
          g_ptr_array_add (outcome->failed, job->path);
        }
      outcome->n_done++;
      if (ok)
        show_progress (line, outcome->n_done, jobs->len, started_us, job->path);
      g_clear_pointer (&job->drafts, g_ptr_array_unref);   /* the masks */
      if (ok && next < jobs->len)
        {
          g_async_queue_push (todo, jobs->pdata[next++]);
          in_flight++;
        }
    }
  for (guint i = 0; i < threads->len; i++)
    g_async_queue_push (todo, &stop);
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (threads->pdata[i]);
  pm_cli_progress_clear (line);
  outcome->elapsed_s = (g_get_monotonic_time () - started_us) / 1e6;
  return ok;
}

