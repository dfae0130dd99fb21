/* pm-pipeline.c: instruction → engine → colour edit → derived mask, sync and in a GTask.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-pipeline"

#include "pm-pipeline.h"

#include <string.h>
#include "pm-edit.h"
#include "pm-maskio.h"
#include "pm-metrics.h"

/* Share of the overall progress given to each step. The engine dominates the run time,
 * so it gets most of the bar; parsing is instant. */
#define PROGRESS_ENGINE_START 0.02
#define PROGRESS_ENGINE_END   0.85
#define PROGRESS_PAINT_END    0.90

/**
 * pm_pipeline_options_init:
 * @options: options to initialise
 *
 * Sets @options to the defaults: the instruction decides the paint colour, and
 * "segment …" instructions paint in %PM_COLOR_HIGHLIGHT_HEX.
 */
void
pm_pipeline_options_init (PmPipelineOptions *options)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof *options);
  /* PM_COLOR_HIGHLIGHT_HEX, spelled out so this needs no parsing. */
  options->highlight = (PmRgb) { 1.0f, 0.0f, 1.0f };
}

/**
 * pm_pipeline_result_free:
 * @result: (nullable): a result
 *
 * Frees @result and everything it owns.
 */
void
pm_pipeline_result_free (PmPipelineResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->instruction, pm_instruction_free);
  g_clear_pointer (&result->engine, g_free);
  g_clear_pointer (&result->model, g_free);
  g_clear_pointer (&result->message, g_free);
  g_clear_pointer (&result->edited, pm_image_free);
  g_clear_pointer (&result->mask, pm_mask_free);
  g_clear_pointer (&result->soft_mask, pm_mask_free);
  g_clear_pointer (&result->derived_mask, pm_mask_free);
  g_clear_pointer (&result->timings, pm_timings_free);
  g_free (result);
}

/* ---------------------------------------------------------------- progress */

/* Maps stage reports onto one bar for the whole run and never lets it go backwards,
 * even if an engine's own fractions do. */
typedef struct {
  PmProgressFunc func;
  gpointer       data;
  double         last;
} ProgressMap;

static void
progress_report (ProgressMap *map,
                 const char  *stage,
                 double       fraction)
{
  if (map->func == NULL)
    return;
  if (!(fraction >= map->last))   /* also catches NaN */
    fraction = map->last;
  if (fraction > 1.0)
    fraction = 1.0;
  map->last = fraction;
  map->func (stage, fraction, map->data);
}

static void
engine_progress_cb (const char *stage,
                    double      fraction,
                    gpointer    user_data)
{
  ProgressMap *map = user_data;

  fraction = CLAMP (fraction, 0.0, 1.0);
  progress_report (map, stage != NULL ? stage : "running engine",
                   PROGRESS_ENGINE_START +
                   fraction * (PROGRESS_ENGINE_END - PROGRESS_ENGINE_START));
}

/* ---------------------------------------------------------------- result states */

/* Sets the run's mask, its size and state: EMPTY (nothing painted) when @state says so or
 * the mask has no pixels. */
static void
set_mask (PmPipelineResult *result,
          PmMask           *mask,
          PmResultState     state)
{
  result->mask = mask;
  result->mask_pixels = pm_mask_count (mask);
  result->mask_share = (double) result->mask_pixels / ((double) mask->width * mask->height);
  result->state = result->mask_pixels == 0 ? PM_RESULT_EMPTY : state;
}

/* An empty result paints nothing, so that neither the pixels nor the masks suggest a
 * finding: the edit is the original and every mask is zero. */
static void
make_empty (PmPipelineResult *result,
            const PmImage    *image)
{
  gsize n = (gsize) image->width * image->height;

  g_clear_pointer (&result->edited, pm_image_free);
  result->edited = pm_image_copy (image);
  memset (result->mask->data, 0, n * sizeof (float));
  result->mask_pixels = 0;
  result->mask_share = 0;
  if (result->soft_mask != NULL)
    memset (result->soft_mask->data, 0, n * sizeof (float));
  g_clear_pointer (&result->derived_mask, pm_mask_free);
  result->derived_mask = pm_mask_new (image->width, image->height);
  result->derived_iou = 1.0;
  result->state = PM_RESULT_EMPTY;
}

/* ---------------------------------------------------------------- steps */

/* A local engine's soft mask: the alpha to paint with, quantised to the 8-bit levels the
 * soft-mask PNG stores, so the written soft mask is exactly the alpha used; the run's mask is
 * what it painted over half. Takes @engine_mask. */
static void
paint_local (PmPipelineResult *result,
             const PmImage    *image,
             PmMask           *engine_mask,
             PmResultState     state)
{
  PmMask *alpha = engine_mask;

  if (alpha->width != image->width || alpha->height != image->height)
    {
      /* Engines should answer at the image's size; be lenient rather than fail. */
      alpha = pm_mask_resize (engine_mask, image->width, image->height);
      pm_mask_free (engine_mask);
    }
  pm_mask_quantize (alpha);
  result->soft_mask = alpha;
  set_mask (result, pm_mask_threshold (alpha, 0.5f), state);
  if (state == PM_RESULT_EMPTY || result->state == PM_RESULT_EMPTY)
    make_empty (result, image);
  else
    result->edited = pm_edit_recolor (image, alpha, result->color, NULL);
}

/* Derives the mask of result->edited against @image. A local engine's result only gets the
 * derived mask and its agreement; otherwise the derived masks are the run's masks. */
static gboolean
derive (PmPipelineResult *result,
        const PmImage    *image,
        gboolean          has_hint,
        PmResultState     state,
        GError          **error)
{
  PmDeriveOptions options;
  PmMask *soft = NULL;
  PmMask *derived;

  if (result->mask != NULL && result->state == PM_RESULT_EMPTY)
    return TRUE;   /* nothing was painted: make_empty() set the derived mask */

  pm_derive_options_init (&options);
  options.has_color_hint = has_hint;
  options.color_hint = result->color;
  derived = pm_mask_derive (image, result->edited, &options,
                            result->mask == NULL ? &soft : NULL, error);
  if (derived == NULL)
    return FALSE;
  result->derived_mask = derived;
  if (result->mask != NULL)
    {
      result->derived_iou = pm_mask_iou (derived, result->mask, NULL, NULL);
      return TRUE;
    }

  result->soft_mask = soft;
  pm_mask_quantize (result->soft_mask);
  result->derived_iou = 1.0;
  set_mask (result, pm_mask_copy (derived), state);
  if (result->state == PM_RESULT_EMPTY)
    make_empty (result, image);
  return TRUE;
}

static PmPipelineResult *
result_new (const char              *engine,
            const char              *instruction,
            const PmPipelineOptions *options)
{
  PmPipelineResult *result = g_new0 (PmPipelineResult, 1);
  double t = pm_now_ms ();

  result->timings = pm_timings_new ();
  result->engine = g_strdup (engine);
  /* The parser never fails; anything it does not understand is the target. */
  result->instruction = pm_instruction_parse (instruction != NULL ? instruction : "");
  pm_timings_add (result->timings, "parse", pm_now_ms () - t);
  if (options->has_color)
    result->color = options->color;
  else
    result->color = pm_instruction_get_paint_color (result->instruction,
                                                    options->has_highlight
                                                    ? options->highlight
                                                    : (PmRgb) { 1.0f, 0.0f, 1.0f });
  return result;
}

static gboolean
check_image (const PmImage  *image,
             GError        **error)
{
  if (image->width <= 0 || image->height <= 0 || image->data == NULL)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_EMPTY,
                   "The image is empty (%d×%d pixels)", image->width, image->height);
      return FALSE;
    }
  return TRUE;
}

/* The instruction the engine sees carries the colour actually used: a generative editor is
 * asked to paint with it, so a --color override or a custom highlight colour must reach the
 * prompt. The recorded instruction stays as parsed. */
static PmInstruction *
engine_instruction (const PmPipelineResult  *result,
                    const PmPipelineOptions *options)
{
  PmInstruction *ins = pm_instruction_copy (result->instruction);

  if (options->has_color || (!ins->has_color && options->has_highlight))
    {
      ins->has_color = TRUE;
      ins->color = result->color;
      g_free (ins->color_name);
      ins->color_name = pm_color_to_hex (result->color);
    }
  return ins;
}

/* ---------------------------------------------------------------- synchronous run */

/**
 * pm_pipeline_run:
 * @engine: the engine
 * @image: the original image
 * @instruction: the instruction text (any bytes; %NULL counts as empty)
 * @options: (nullable): pipeline options; %NULL for defaults
 * @progress: (nullable) (scope call): progress callback, called in this thread or in the
 *   engine's threads
 * @progress_data: data for @progress
 * @cancellable: (nullable): checked between stages
 * @error: return location for an error
 *
 * Parses @instruction, runs @engine, recolours the engine's soft mask (or takes a remote
 * engine's edited image, resampled to the original's size) and derives the mask from the
 * difference between the original and the edited image. See #PmPipelineResult for which
 * mask is which, and for the result state.
 *
 * Returns: (transfer full) (nullable): the result, or %NULL with @error set
 */
PmPipelineResult *
pm_pipeline_run (PmEngine                *engine,
                 const PmImage           *image,
                 const char              *instruction,
                 const PmPipelineOptions *options,
                 PmProgressFunc           progress,
                 gpointer                 progress_data,
                 GCancellable            *cancellable,
                 GError                 **error)
{
  g_autoptr(PmPipelineResult) result = NULL;
  g_autoptr(PmInstruction) ins = NULL;
  PmPipelineOptions defaults;
  PmEngineResult er = { 0 };
  PmResultState state;
  ProgressMap map = { progress, progress_data, 0.0 };
  double t_start = pm_now_ms (), t;

  g_return_val_if_fail (engine != NULL, NULL);
  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      pm_pipeline_options_init (&defaults);
      options = &defaults;
    }
  if (!check_image (image, error))
    return NULL;

  progress_report (&map, "parsing", 0.0);
  result = result_new (pm_engine_get_name (engine), instruction, options);

  /* Engine: a soft mask (local) or an edited image (remote). */
  progress_report (&map, "running engine", PROGRESS_ENGINE_START);
  er.timings = pm_timings_new ();
  ins = engine_instruction (result, options);
  if (!pm_engine_run (engine, image, ins, engine_progress_cb, &map, cancellable, &er, error))
    {
      pm_engine_result_clear (&er);
      return NULL;
    }
  pm_timings_append (result->timings, er.timings);
  result->model = g_steal_pointer (&er.model);
  result->message = g_steal_pointer (&er.message);
  state = er.state;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      pm_engine_result_clear (&er);
      return NULL;
    }

  /* Colour edit. */
  progress_report (&map, "painting", PROGRESS_ENGINE_END);
  t = pm_now_ms ();
  if (er.soft_mask != NULL)
    paint_local (result, image, g_steal_pointer (&er.soft_mask), state);
  else if (er.edited->width != image->width || er.edited->height != image->height)
    result->edited = pm_image_resize (er.edited, image->width, image->height);
  else
    result->edited = g_steal_pointer (&er.edited);
  pm_timings_add (result->timings, "edit", pm_now_ms () - t);
  pm_engine_result_clear (&er);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  /* Derived mask: from the pixels alone, with the paint colour as a hint. */
  progress_report (&map, "deriving mask", PROGRESS_PAINT_END);
  t = pm_now_ms ();
  if (!derive (result, image, TRUE, state, error))
    return NULL;
  pm_timings_add (result->timings, "derive", pm_now_ms () - t);

  pm_timings_add (result->timings, "total", pm_now_ms () - t_start);
  progress_report (&map, "done", 1.0);
  return g_steal_pointer (&result);
}

/**
 * pm_pipeline_import:
 * @image: the original image
 * @edited: an edit of it made elsewhere (any size that pm_derive_check_shape() accepts)
 * @instruction: (nullable): what the edit was asked to do, for the record
 * @options: (nullable): a colour in @options (has_color) is the paint colour hint
 * @error: return location for an error (%PM_IMAGE_ERROR_SIZE, %PM_DERIVE_ERROR_UNRELATED)
 *
 * The pipeline's last steps for an edit Paintmask did not make: the same checks as
 * `paintmask derive`, then the derived masks as the run's masks.
 *
 * Returns: (transfer full) (nullable): a result with engine "import", or %NULL with @error
 */
PmPipelineResult *
pm_pipeline_import (const PmImage           *image,
                    const PmImage           *edited,
                    const char              *instruction,
                    const PmPipelineOptions *options,
                    GError                 **error)
{
  g_autoptr(PmPipelineResult) result = NULL;
  PmPipelineOptions defaults;
  double t_start = pm_now_ms (), t;

  g_return_val_if_fail (image != NULL && edited != NULL, NULL);
  if (options == NULL)
    {
      pm_pipeline_options_init (&defaults);
      options = &defaults;
    }
  if (!check_image (image, error) || !pm_derive_check_edit (image, edited, error))
    return NULL;

  result = result_new ("import", instruction, options);
  t = pm_now_ms ();
  if (edited->width != image->width || edited->height != image->height)
    result->edited = pm_image_resize (edited, image->width, image->height);
  else
    result->edited = pm_image_copy (edited);
  pm_timings_add (result->timings, "edit", pm_now_ms () - t);

  t = pm_now_ms ();
  if (!derive (result, image, options->has_color || result->instruction->has_color,
               PM_RESULT_FOUND, error))
    return NULL;
  pm_timings_add (result->timings, "derive", pm_now_ms () - t);
  pm_timings_add (result->timings, "total", pm_now_ms () - t_start);
  return g_steal_pointer (&result);
}

/* ---------------------------------------------------------------- asynchronous run */

/* Progress state shared by the worker and the caller's main context. The worker stores the
 * newest report and schedules at most one dispatch at a time, so a chatty engine cannot
 * flood the main loop: the caller sees the latest state whenever it gets to it. */
struct _PmProgressRelay {
  gatomicrefcount ref_count;
  GMutex          lock;
  GMainContext   *context;
  PmProgressFunc  func;
  gpointer        data;
  GDestroyNotify  destroy;
  /* protected by lock */
  char           *stage;
  double          fraction;
  gboolean        scheduled;
};

/* Schedules @func in @context, always from its main loop. Unlike g_main_context_invoke_full(),
 * this never runs @func at once in the calling thread: a worker that finds the global default
 * context unowned (the caller is busy, not iterating) would otherwise acquire it and call
 * progress callbacks itself, in the wrong thread. */
static void
run_in_context (GMainContext   *context,
                GSourceFunc     func,
                gpointer        data,
                GDestroyNotify  notify)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "[paintmask] progress relay");
  g_source_attach (source, context);
  g_source_unref (source);
}

/**
 * pm_progress_relay_new:
 * @func: called in the thread-default main context of the caller
 * @data: data for @func
 * @destroy: (nullable): frees @data, in that same context, once the last reference is gone
 *
 * Returns: (transfer full): a relay; pass it as the data of pm_progress_relay_post()
 */
PmProgressRelay *
pm_progress_relay_new (PmProgressFunc func,
                       gpointer       data,
                       GDestroyNotify destroy)
{
  PmProgressRelay *relay;

  g_return_val_if_fail (func != NULL, NULL);

  relay = g_new0 (PmProgressRelay, 1);
  g_atomic_ref_count_init (&relay->ref_count);
  g_mutex_init (&relay->lock);
  relay->context = g_main_context_ref_thread_default ();
  relay->func = func;
  relay->data = data;
  relay->destroy = destroy;
  return relay;
}

/**
 * pm_progress_relay_ref:
 * @relay: a relay
 *
 * Returns: (transfer full): @relay
 */
PmProgressRelay *
pm_progress_relay_ref (PmProgressRelay *relay)
{
  g_return_val_if_fail (relay != NULL, NULL);
  g_atomic_ref_count_inc (&relay->ref_count);
  return relay;
}

static void
progress_relay_free (gpointer data)
{
  PmProgressRelay *relay = data;

  if (relay->destroy != NULL)
    relay->destroy (relay->data);
  g_main_context_unref (relay->context);
  g_mutex_clear (&relay->lock);
  g_free (relay->stage);
  g_free (relay);
}

static gboolean
do_nothing (gpointer data)
{
  return G_SOURCE_REMOVE;
}

/**
 * pm_progress_relay_unref:
 * @relay: (nullable): a relay
 *
 * Drops a reference, from any thread. The last one frees the relay's data in the relay's
 * main context (at once when called there, else from its loop).
 */
void
pm_progress_relay_unref (PmProgressRelay *relay)
{
  if (relay == NULL || !g_atomic_ref_count_dec (&relay->ref_count))
    return;
  if (g_main_context_is_owner (relay->context))
    progress_relay_free (relay);
  else
    run_in_context (relay->context, do_nothing, relay, progress_relay_free);
}

static void
progress_relay_unref_cb (gpointer data)
{
  pm_progress_relay_unref (data);
}

static gboolean
progress_relay_dispatch (gpointer data)
{
  PmProgressRelay *relay = data;
  g_autofree char *stage = NULL;
  double fraction;

  g_mutex_lock (&relay->lock);
  stage = g_steal_pointer (&relay->stage);
  fraction = relay->fraction;
  relay->scheduled = FALSE;
  g_mutex_unlock (&relay->lock);

  relay->func (stage != NULL ? stage : "", fraction, relay->data);
  return G_SOURCE_REMOVE;
}

/**
 * pm_progress_relay_post:
 * @stage: the stage name
 * @fraction: the fraction of the run done
 * @data: the #PmProgressRelay
 *
 * A #PmProgressFunc for workers and engine threads: records (@stage, @fraction) and, unless
 * a call is already pending, schedules the relay's function in its main context.
 */
void
pm_progress_relay_post (const char *stage,
                        double      fraction,
                        gpointer    data)
{
  PmProgressRelay *relay = data;
  gboolean schedule;

  g_mutex_lock (&relay->lock);
  g_free (relay->stage);
  relay->stage = g_strdup (stage);
  relay->fraction = fraction;
  schedule = !relay->scheduled;
  relay->scheduled = TRUE;
  g_mutex_unlock (&relay->lock);

  if (schedule)
    run_in_context (relay->context, progress_relay_dispatch, pm_progress_relay_ref (relay),
                    progress_relay_unref_cb);
}

/* The task's source tag: -Wpedantic forbids using the function itself as a data pointer. */
static char pipeline_source_tag;

/* The immutable job a worker runs: everything is owned, nothing is shared with the caller. */
typedef struct {
  PmEngine          *engine;
  PmImage           *image;
  char              *instruction;
  PmPipelineOptions  options;
  PmProgressRelay   *relay;    /* NULL without a progress callback */
} PipelineJob;

static void
pipeline_job_free (gpointer data)
{
  PipelineJob *job = data;

  g_clear_pointer (&job->engine, pm_engine_unref);
  g_clear_pointer (&job->image, pm_image_free);
  g_clear_pointer (&job->instruction, g_free);
  /* The task may be finalised in the worker thread: the relay then frees its data in the
   * caller's context. */
  g_clear_pointer (&job->relay, pm_progress_relay_unref);
  g_free (job);
}

static void
pipeline_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  PipelineJob *job = task_data;
  PmPipelineResult *result;
  GError *error = NULL;

  result = pm_pipeline_run (job->engine, job->image, job->instruction, &job->options,
                            job->relay != NULL ? pm_progress_relay_post : NULL, job->relay,
                            cancellable, &error);
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) pm_pipeline_result_free);
}

/**
 * pm_pipeline_run_async:
 * @engine: the engine (a reference is taken)
 * @image: the original image (copied)
 * @instruction: the instruction text (copied)
 * @options: (nullable): pipeline options (copied)
 * @progress: (nullable): progress callback, invoked in the caller's thread-default main context
 * @progress_data: data for @progress
 * @progress_destroy: (nullable): frees @progress_data once no more calls can come
 * @cancellable: (nullable): cancels the run between stages
 * @callback: called in the caller's thread-default main context when the run ends
 * @user_data: data for @callback
 *
 * Runs pm_pipeline_run() in a worker thread on a copy of @image.
 */
void
pm_pipeline_run_async (PmEngine                *engine,
                       const PmImage           *image,
                       const char              *instruction,
                       const PmPipelineOptions *options,
                       PmProgressFunc           progress,
                       gpointer                 progress_data,
                       GDestroyNotify           progress_destroy,
                       GCancellable            *cancellable,
                       GAsyncReadyCallback      callback,
                       gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  PipelineJob *job;

  g_return_if_fail (engine != NULL);
  g_return_if_fail (image != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = g_new0 (PipelineJob, 1);
  job->engine = pm_engine_ref (engine);
  job->image = pm_image_copy (image);
  job->instruction = g_strdup (instruction != NULL ? instruction : "");
  if (options != NULL)
    job->options = *options;
  else
    pm_pipeline_options_init (&job->options);
  if (progress != NULL)
    job->relay = pm_progress_relay_new (progress, progress_data, progress_destroy);
  else if (progress_destroy != NULL)
    progress_destroy (progress_data);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, &pipeline_source_tag);
  g_task_set_name (task, "[paintmask] pipeline");
  g_task_set_task_data (task, job, pipeline_job_free);
  g_task_run_in_thread (task, pipeline_thread);
}

/**
 * pm_pipeline_run_finish:
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for an error (%G_IO_ERROR_CANCELLED when cancelled)
 *
 * Returns: (transfer full) (nullable): the result, or %NULL with @error set
 */
PmPipelineResult *
pm_pipeline_run_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == &pipeline_source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
