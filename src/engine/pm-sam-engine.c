/* pm-sam-engine.c: the "sam" engine (embedding cache, prompts, masks at the image size).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-sam-engine"

#include "pm-sam-engine.h"

#include <string.h>

#include "pm-engine-cache.h"
#include "pm-model.h"

typedef struct {
  PmEngine          parent;

  GMutex            lock;          /* one call at a time; guards everything below */
  char             *model_dir;
  char             *model_name;
  PmSam            *model;

  /* the embeddings of the two images last used (the one in use and the one warmed ahead),
   * keyed by their fingerprints */
  PmImageCache      cache;
  PmSamEngineStats  stats;
  PmWarmGate        warm_gate;     /* its own lock */
} PmSamEngine;

static PmSamEngine *
get_self (PmEngine *engine)
{
  g_assert (engine != NULL && strcmp (engine->klass->name, "sam") == 0);
  return (PmSamEngine *) engine;
}

/* ---------------------------------------------------------------- results */

void
pm_sam_result_free (PmSamResult *result)
{
  if (result == NULL)
    return;
  for (int i = 0; result->masks != NULL && i < result->n_masks; i++)
    pm_mask_free (result->masks[i]);
  g_free (result->masks);
  g_free (result->iou);
  g_free (result->order);
  g_free (result->lowres);
  g_free (result);
}

/**
 * pm_sam_result_get_best:
 * @result: a result
 *
 * Returns: (transfer none): the mask with the highest predicted IoU
 */
const PmMask *
pm_sam_result_get_best (const PmSamResult *result)
{
  g_return_val_if_fail (result != NULL && result->n_masks > 0, NULL);
  return result->masks[result->order[0]];
}

/* ---------------------------------------------------------------- encode */

/* With the lock held: the embedding of @image, from the cache or computed. */
static const PmSamEmbedding *
get_embedding (PmSamEngine    *self,
               const PmImage  *image,
               const char     *key,
               PmProgressFunc  progress,
               gpointer        progress_data,
               GCancellable   *cancellable,
               PmTimings      *timings,
               GError        **error)
{
  int s = pm_sam_get_input_size (self->model);
  g_autofree float *pixels = NULL;
  PmSamEmbedding *e;
  double t0;

  e = pm_image_cache_lookup (&self->cache, key);
  if (e != NULL)
    {
      self->stats.cache_hits++;
      return e;
    }
  t0 = pm_now_ms ();
  pixels = g_try_new (float, (gsize) 3 * s * s);
  if (pixels == NULL)
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_FAILED,
                   "Not enough memory for SAM's %d×%d input", s, s);
      return NULL;
    }
  if (!pm_sam_preprocess (self->model, image, pixels, error))
    return NULL;
  if (timings != NULL)
    pm_timings_add (timings, "preprocess", pm_now_ms () - t0);
  e = pm_sam_encode_image (self->model, pixels, image->width, image->height, progress,
                           progress_data, cancellable, timings, error);
  if (e == NULL)
    return NULL;
  self->stats.encoder_runs++;
  pm_image_cache_insert (&self->cache, key, e);
  return e;
}

/* TRUE if @fingerprint may be @image's: NULL (computed here), or one that names an image
 * of @image's size. */
static gboolean
fingerprint_fits (const PmImage *image,
                  const char    *fingerprint)
{
  g_autofree char *size = NULL;

  if (fingerprint == NULL)
    return TRUE;
  size = g_strdup_printf ("%dx%d-", image->width, image->height);
  return g_str_has_prefix (fingerprint, size);
}

/* The cache key of @image: @fingerprint when the caller has it, else computed (a full pass
 * over the pixels). */
static char *
image_key (const PmImage *image,
           const char    *fingerprint)
{
  return fingerprint != NULL ? g_strdup (fingerprint) : pm_engine_image_fingerprint (image);
}

/**
 * pm_sam_engine_encode:
 * @engine: a sam engine
 * @image: the photo
 * @progress: (nullable): per-layer progress, called in this thread
 * @progress_data: its data
 * @cancellable: (nullable): checked between layers
 * @timings: (nullable): receives the stages
 * @error: return location
 *
 * Encodes @image unless its embedding is already cached.
 *
 * Returns: %TRUE when the embedding is cached
 */
gboolean
pm_sam_engine_encode (PmEngine       *engine,
                      const PmImage  *image,
                      PmProgressFunc  progress,
                      gpointer        progress_data,
                      GCancellable   *cancellable,
                      PmTimings      *timings,
                      GError        **error)
{
  return pm_sam_engine_encode_keyed (engine, image, NULL, progress, progress_data,
                                     cancellable, timings, error);
}

/**
 * pm_sam_engine_encode_keyed:
 * @engine: a sam engine
 * @image: the photo
 * @fingerprint: (nullable): pm_engine_image_fingerprint (@image), computed once by the
 *   caller for pixels that do not change, or %NULL to compute it here
 * @progress: (nullable): per-layer progress, called in this thread
 * @progress_data: its data
 * @cancellable: (nullable): checked between layers
 * @timings: (nullable): receives the stages
 * @error: return location
 *
 * pm_sam_engine_encode () without hashing @image again.
 *
 * Returns: %TRUE when the embedding is cached
 */
gboolean
pm_sam_engine_encode_keyed (PmEngine       *engine,
                            const PmImage  *image,
                            const char     *fingerprint,
                            PmProgressFunc  progress,
                            gpointer        progress_data,
                            GCancellable   *cancellable,
                            PmTimings      *timings,
                            GError        **error)
{
  PmSamEngine *self = get_self (engine);
  g_autofree char *key = NULL;
  gboolean ok;

  g_return_val_if_fail (image != NULL, FALSE);
  g_return_val_if_fail (fingerprint_fits (image, fingerprint), FALSE);
  key = image_key (image, fingerprint);
  pm_warm_gate_preempt (&self->warm_gate);
  g_mutex_lock (&self->lock);
  ok = get_embedding (self, image, key, progress, progress_data, cancellable, timings,
                      error) != NULL;
  g_mutex_unlock (&self->lock);
  return ok;
}

gboolean
pm_sam_engine_has_image (PmEngine      *engine,
                         const PmImage *image)
{
  g_autofree char *key = pm_engine_image_fingerprint (image);

  return pm_sam_engine_has_fingerprint (engine, key);
}

/* Whether the embedding for @fingerprint is cached; with @keep it becomes the most recent. */
static gboolean
cache_has (PmEngine   *engine,
           const char *fingerprint,
           gboolean    keep)
{
  PmSamEngine *self = get_self (engine);
  gboolean hit;

  g_return_val_if_fail (fingerprint != NULL, FALSE);
  g_mutex_lock (&self->lock);
  hit = keep ? pm_image_cache_lookup (&self->cache, fingerprint) != NULL
             : pm_image_cache_contains (&self->cache, fingerprint);
  g_mutex_unlock (&self->lock);
  return hit;
}

/**
 * pm_sam_engine_has_fingerprint:
 * @engine: a sam engine
 * @fingerprint: pm_engine_image_fingerprint () of an image
 *
 * Returns: %TRUE if the embedding of the image with this fingerprint is cached
 */
gboolean
pm_sam_engine_has_fingerprint (PmEngine   *engine,
                               const char *fingerprint)
{
  return cache_has (engine, fingerprint, FALSE);
}

/**
 * pm_sam_engine_keep_fingerprint:
 * @engine: a "sam" engine
 * @fingerprint: pm_engine_image_fingerprint () of an image
 *
 * Like pm_sam_engine_has_fingerprint (), and a cached embedding becomes the most recently
 * used, so that the encoding of another photo (the next one, warmed ahead) pushes out the
 * older one and not this one. For the photo that comes on screen.
 *
 * Returns: %TRUE if the embedding of the image with this fingerprint is cached
 */
gboolean
pm_sam_engine_keep_fingerprint (PmEngine   *engine,
                                const char *fingerprint)
{
  return cache_has (engine, fingerprint, TRUE);
}

/* ---------------------------------------------------------------- segment */

static int
compare_iou (gconstpointer a,
             gconstpointer b,
             gpointer      data)
{
  const float *iou = data;
  int i = *(const int *) a, j = *(const int *) b;

  if (iou[i] != iou[j])
    return iou[i] > iou[j] ? -1 : 1;
  return i - j;
}

/* With the lock held. */
static PmSamResult *
segment_locked (PmSamEngine       *self,
                const PmImage     *image,
                const char        *key,
                const PmSamPrompt *prompt,
                PmSamSegmentFlags  flags,
                PmProgressFunc     progress,
                gpointer           progress_data,
                GCancellable      *cancellable,
                PmTimings         *timings,
                GError           **error)
{
  g_autoptr(PmSamResult) r = NULL;
  const PmSamEmbedding *e;
  int l = pm_sam_get_lowres_size (self->model);
  double t0;

  e = get_embedding (self, image, key, progress, progress_data, cancellable, timings, error);
  if (e == NULL)
    return NULL;
  r = g_new0 (PmSamResult, 1);
  r->n_masks = pm_sam_get_n_masks (self->model, prompt->multimask);
  r->width = image->width;
  r->height = image->height;
  r->lowres_size = l;
  r->lowres = g_new (float, (gsize) r->n_masks * l * l);
  r->iou = g_new (float, r->n_masks);
  if (progress != NULL)
    progress ("decoding the prompt", 0.95, progress_data);
  if (!pm_sam_decode (self->model, e, prompt, r->lowres, r->iou, cancellable, timings, error))
    return NULL;
  self->stats.decoder_runs++;

  t0 = pm_now_ms ();
  r->masks = g_new0 (PmMask *, r->n_masks);
  r->order = g_new (int, r->n_masks);
  for (int i = 0; i < r->n_masks; i++)
    r->order[i] = i;
  g_qsort_with_data (r->order, r->n_masks, sizeof (int), compare_iou, r->iou);
  for (int i = 0; i < r->n_masks; i++)
    if (i == r->order[0] || !(flags & PM_SAM_SEGMENT_BEST_ONLY))
      r->masks[i] = pm_sam_logits_to_mask (self->model, r->lowres + (gsize) i * l * l,
                                           image->width, image->height, NULL);
  if (timings != NULL)
    pm_timings_add (timings, "postprocess", pm_now_ms () - t0);
  if (progress != NULL)
    progress ("done", 1.0, progress_data);
  return g_steal_pointer (&r);
}

/**
 * pm_sam_engine_segment:
 * @engine: a sam engine
 * @image: the photo (encoded first unless its embedding is cached)
 * @prompt: points and/or a box in @image's pixels
 * @progress: (nullable): progress, called in this thread
 * @progress_data: its data
 * @cancellable: (nullable): a #GCancellable
 * @timings: (nullable): receives the stages
 * @error: return location (PM_SAM_ERROR_INPUT for a prompt outside the image, an empty
 *   box, …; checked before any encoding)
 *
 * Returns: (transfer full): the masks, or %NULL with @error set
 */
PmSamResult *
pm_sam_engine_segment (PmEngine          *engine,
                       const PmImage     *image,
                       const PmSamPrompt *prompt,
                       PmProgressFunc     progress,
                       gpointer           progress_data,
                       GCancellable      *cancellable,
                       PmTimings         *timings,
                       GError           **error)
{
  return pm_sam_engine_segment_keyed (engine, image, NULL, prompt, PM_SAM_SEGMENT_DEFAULT,
                                      progress, progress_data, cancellable, timings, error);
}

/**
 * pm_sam_engine_segment_keyed:
 * @engine: a sam engine
 * @image: the photo (encoded first unless its embedding is cached)
 * @fingerprint: (nullable): pm_engine_image_fingerprint (@image), computed once by the
 *   caller for pixels that do not change (a click then costs no pass over the photo), or
 *   %NULL to compute it here
 * @prompt: points and/or a box in @image's pixels
 * @flags: %PM_SAM_SEGMENT_BEST_ONLY to make only the best mask at the image size
 * @progress: (nullable): progress, called in this thread
 * @progress_data: its data
 * @cancellable: (nullable): a #GCancellable
 * @timings: (nullable): receives the stages
 * @error: return location
 *
 * pm_sam_engine_segment () without hashing @image again. A fingerprint that is not
 * @image's own makes the engine answer from another image's embedding: pass only what
 * pm_engine_image_fingerprint () returned for these very pixels.
 *
 * Returns: (transfer full): the masks, or %NULL with @error set
 */
PmSamResult *
pm_sam_engine_segment_keyed (PmEngine          *engine,
                             const PmImage     *image,
                             const char        *fingerprint,
                             const PmSamPrompt *prompt,
                             PmSamSegmentFlags  flags,
                             PmProgressFunc     progress,
                             gpointer           progress_data,
                             GCancellable      *cancellable,
                             PmTimings         *timings,
                             GError           **error)
{
  PmSamEngine *self = get_self (engine);
  g_autofree char *key = NULL;
  PmSamResult *r;
  double t0;

  g_return_val_if_fail (image != NULL && prompt != NULL, NULL);
  g_return_val_if_fail (fingerprint_fits (image, fingerprint), NULL);
  if (!pm_sam_prompt_check (prompt, image->width, image->height, error))
    return NULL;
  t0 = pm_now_ms ();
  key = image_key (image, fingerprint);
  if (timings != NULL && fingerprint == NULL)
    pm_timings_add (timings, "fingerprint", pm_now_ms () - t0);
  pm_warm_gate_preempt (&self->warm_gate);
  g_mutex_lock (&self->lock);
  r = segment_locked (self, image, key, prompt, flags, progress, progress_data, cancellable, timings,
                      error);
  g_mutex_unlock (&self->lock);
  return r;
}

/* ---------------------------------------------------------------- async */

/* source tags (a function pointer is not a data pointer in ISO C) */
static char encode_tag, segment_tag;

typedef struct {
  PmEngine   *engine;
  PmImage    *image;
  PmSamPrompt prompt;
  PmSamPoint *points;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  pm_engine_unref (job->engine);
  pm_image_free (job->image);
  g_free (job->points);
  g_free (job);
}

static Job *
job_new (PmEngine          *engine,
         const PmImage     *image,
         const PmSamPrompt *prompt)
{
  Job *job = g_new0 (Job, 1);

  job->engine = pm_engine_ref (engine);
  job->image = pm_image_copy (image);
  if (prompt != NULL)
    {
      job->prompt = *prompt;
      if (prompt->n_points > 0)
        job->points = g_memdup2 (prompt->points, sizeof (PmSamPoint) * prompt->n_points);
      job->prompt.points = job->points;
    }
  return job;
}

static void
encode_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;

  if (pm_sam_engine_encode (job->engine, job->image, NULL, NULL, cancellable, NULL, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * pm_sam_engine_encode_async:
 * @engine: a sam engine (kept alive until the task ends)
 * @image: the photo (copied)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called in the caller's thread-default main context
 * @user_data: its data
 */
void
pm_sam_engine_encode_async (PmEngine            *engine,
                            const PmImage       *image,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_return_if_fail (engine != NULL && image != NULL);
  g_task_set_source_tag (task, &encode_tag);
  g_task_set_task_data (task, job_new (engine, image, NULL), job_free);
  g_task_run_in_thread (task, encode_thread);
}

gboolean
pm_sam_engine_encode_finish (PmEngine     *engine,
                             GAsyncResult *result,
                             GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
segment_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;
  PmSamResult *r = pm_sam_engine_segment (job->engine, job->image, &job->prompt, NULL, NULL,
                                          cancellable, NULL, &error);

  if (r != NULL)
    g_task_return_pointer (task, r, (GDestroyNotify) pm_sam_result_free);
  else
    g_task_return_error (task, error);
}

/**
 * pm_sam_engine_segment_async:
 * @engine: a sam engine (kept alive until the task ends)
 * @image: the photo (copied)
 * @prompt: points and/or a box (copied)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called in the caller's thread-default main context
 * @user_data: its data
 */
void
pm_sam_engine_segment_async (PmEngine            *engine,
                             const PmImage       *image,
                             const PmSamPrompt   *prompt,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_return_if_fail (engine != NULL && image != NULL && prompt != NULL);
  g_task_set_source_tag (task, &segment_tag);
  g_task_set_task_data (task, job_new (engine, image, prompt), job_free);
  g_task_run_in_thread (task, segment_thread);
}

/**
 * pm_sam_engine_segment_finish:
 * @engine: a sam engine
 * @result: the #GAsyncResult
 * @error: return location
 *
 * Returns: (transfer full): the masks, or %NULL with @error set
 */
PmSamResult *
pm_sam_engine_segment_finish (PmEngine     *engine,
                              GAsyncResult *result,
                              GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---------------------------------------------------------------- engine vtable, lifecycle */

static gboolean
sam_run (PmEngine             *engine,
         const PmImage        *image,
         const PmInstruction  *instruction,
         PmProgressFunc        progress,
         gpointer              progress_data,
         GCancellable         *cancellable,
         PmEngineResult       *result,
         GError              **error)
{
  g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
               "The SAM engine takes points and boxes, not text: use 'paintmask segment' or "
               "'edit --engine clipseg --refine sam'");
  return FALSE;
}

static void
sam_finalize (PmEngine *engine)
{
  PmSamEngine *self = get_self (engine);

  pm_image_cache_clear (&self->cache);
  pm_warm_gate_clear (&self->warm_gate);
  g_clear_pointer (&self->model, pm_sam_free);
  g_free (self->model_dir);
  g_free (self->model_name);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* The embedding of @image, computed ahead of a prompt; a prompt or an encode preempts it. */
static gboolean
sam_warm (PmEngine      *engine,
          const PmImage *image,
          GCancellable  *cancellable,
          GError       **error)
{
  PmSamEngine *self = get_self (engine);
  g_autofree char *key = pm_engine_image_fingerprint (image);
  PmWarm *warm = pm_warm_gate_begin (&self->warm_gate, cancellable);
  GCancellable *c = pm_warm_get_cancellable (warm);
  gboolean ok = TRUE;

  g_mutex_lock (&self->lock);
  if (g_cancellable_set_error_if_cancelled (c, error))
    ok = FALSE;
  else if (!pm_image_cache_contains (&self->cache, key))
    {
      ok = get_embedding (self, image, key, NULL, NULL, c, NULL, error) != NULL;
      if (ok)
        self->stats.warmed++;
    }
  g_mutex_unlock (&self->lock);
  pm_warm_gate_end (&self->warm_gate, warm);
  return ok;
}

static const PmEngineClass sam_engine_class = {
  .name = "sam",
  .run = sam_run,
  .finalize = sam_finalize,
  .warm = sam_warm,
};

/**
 * pm_sam_engine_new:
 * @options: (nullable): model folder (NULL: the installed default, slimsam-77); the
 *   thread count is pm_engine_new ()'s business
 * @error: return location
 *
 * Returns: (transfer full): the engine, or %NULL (PM_ENGINE_ERROR_UNAVAILABLE when no
 * model is installed, PM_ENGINE_ERROR_MODEL when the folder is not a usable SAM model)
 */
PmEngine *
pm_sam_engine_new (const PmEngineOptions *options,
                   GError               **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *config = NULL;
  g_autofree char *weights = NULL;
  g_autoptr(GError) local_error = NULL;
  PmSamEngine *self;

  if (options != NULL && options->model_dir != NULL)
    dir = g_strdup (options->model_dir);
  else
    dir = pm_model_get_default_dir (PM_MODEL_SAM_DEFAULT_NAME);
  config = g_build_filename (dir, "config.json", NULL);
  weights = g_build_filename (dir, "model.safetensors", NULL);
  if (!g_file_test (config, G_FILE_TEST_IS_REGULAR) ||
      !g_file_test (weights, G_FILE_TEST_IS_REGULAR))
    {
      if (options != NULL && options->model_dir != NULL)
        g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                     "No SAM model in “%s” (%s missing)", dir,
                     g_file_test (config, G_FILE_TEST_IS_REGULAR) ? "model.safetensors"
                                                                  : "config.json");
      else
        g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                     "No SAM model installed; run 'paintmask model download %s'",
                     PM_MODEL_SAM_DEFAULT_NAME);
      return NULL;
    }

  self = g_new0 (PmSamEngine, 1);
  self->parent.klass = &sam_engine_class;
  self->parent.ref_count = 1;
  g_mutex_init (&self->lock);
  pm_image_cache_init (&self->cache, (GDestroyNotify) pm_sam_embedding_free);
  pm_warm_gate_init (&self->warm_gate);
  self->model_dir = g_strdup (dir);
  self->model_name = g_path_get_basename (dir);
  self->model = pm_sam_load_with_precision (dir, options != NULL ? options->precision
                                                                 : PM_PRECISION_AUTO,
                                            &local_error);
  if (self->model == NULL)
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_MODEL, "%s", local_error->message);
      sam_finalize (&self->parent);
      return NULL;
    }
  return &self->parent;
}

void
pm_sam_engine_clear_cache (PmEngine *engine)
{
  PmSamEngine *self = get_self (engine);

  g_mutex_lock (&self->lock);
  pm_image_cache_clear (&self->cache);
  g_mutex_unlock (&self->lock);
}

void
pm_sam_engine_get_stats (PmEngine         *engine,
                         PmSamEngineStats *stats)
{
  PmSamEngine *self = get_self (engine);

  g_mutex_lock (&self->lock);
  *stats = self->stats;
  g_mutex_unlock (&self->lock);
}

const char *
pm_sam_engine_get_model_dir (PmEngine *engine)
{
  return get_self (engine)->model_dir;
}

const char *
pm_sam_engine_get_model_name (PmEngine *engine)
{
  return get_self (engine)->model_name;
}

gsize
pm_sam_engine_get_weights_bytes (PmEngine *engine)
{
  return pm_sam_get_weights_bytes (get_self (engine)->model);
}

PmSam *
pm_sam_engine_get_model (PmEngine *engine)
{
  return get_self (engine)->model;
}
