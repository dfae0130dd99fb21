/* pm-clipseg-engine.c: the "clipseg" engine (vision cache, warm-up, runs, SAM refine); from
 * logits to a mask is pm-clipseg-post.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-clipseg-engine"

#include "pm-clipseg-engine.h"

#include <math.h>
#include <string.h>

#include "pm-engine-cache.h"
#include "pm-guided-filter.h"
#include "pm-sam-engine.h"
#include "pm-model.h"
#include "pm-morph.h"
#include "pm-tokenizer.h"

typedef struct {
  PmEngine             parent;

  GMutex               lock;          /* one run at a time; guards everything below */
  char                *model_dir;
  char                *model_name;
  PmClipseg           *model;
  PmTokenizer         *tokenizer;
  PmClipsegPostParams  post;
  PmEngine            *sam;           /* --refine sam: refines each mask; else NULL */

  /* The vision activations of the two images last used (the one in use and the one
   * warmed ahead), keyed by their fingerprints. */
  PmImageCache         vision_cache;
  /* Text embeddings of the phrases last encoded (TextEntry, most recent first): a second
   * instruction naming the same object in another colour or place skips the text
   * encoder. Deterministic, so a hit gives exactly what a pass would. */
  GQueue               text_cache;
  PmClipsegEngineStats stats;
  PmWarmGate           warm_gate;     /* its own lock */
} PmClipsegEngine;

#define TEXT_CACHE_SIZE 16

typedef struct {
  GBytes *ids;        /* the token ids */
  float  *embedding;  /* projection_dim floats */
} TextEntry;

static void
text_entry_free (TextEntry *entry)
{
  g_bytes_unref (entry->ids);
  g_free (entry->embedding);
  g_free (entry);
}

static PmClipsegEngine *
get_self (PmEngine *engine)
{
  g_assert (engine != NULL && strcmp (engine->klass->name, "clipseg") == 0);
  return (PmClipsegEngine *) engine;
}

/* ---------------------------------------------------------------- progress */

typedef struct {
  PmProgressFunc func;
  gpointer       data;
  double         base;
  double         span;
} ProgressScale;

static void
scaled_progress (const char *stage,
                 double      fraction,
                 gpointer    user_data)
{
  ProgressScale *p = user_data;
  if (p->func != NULL)
    p->func (stage, p->base + p->span * CLAMP (fraction, 0.0, 1.0), p->data);
}

static void
report (PmProgressFunc progress,
        gpointer       data,
        const char    *stage,
        double         fraction)
{
  if (progress != NULL)
    progress (stage, fraction, data);
}

/* ---------------------------------------------------------------- runs */

/* With the lock held: the vision activations of @image, from the cache or computed. */
static const PmClipsegVision *
get_vision (PmClipsegEngine *self,
            const PmImage   *image,
            const char      *image_checksum,
            ProgressScale   *scale,
            GCancellable    *cancellable,
            PmTimings       *timings,
            GError         **error)
{
  g_autofree float *pixels = NULL;
  PmClipsegVision *vision;
  int s = pm_clipseg_get_input_size (self->model);
  double t0;

  vision = pm_image_cache_lookup (&self->vision_cache, image_checksum);
  if (vision != NULL)
    {
      self->stats.cache_hits++;
      return vision;
    }

  t0 = pm_now_ms ();
  pixels = g_new (float, (gsize) 3 * s * s);
  if (!pm_clipseg_preprocess (self->model, image, pixels, error))
    return NULL;
  if (timings != NULL)
    pm_timings_add (timings, "preprocess", pm_now_ms () - t0);
  vision = pm_clipseg_encode_image (self->model, pixels, scaled_progress, scale, cancellable,
                                    timings, error);
  if (vision == NULL)
    return NULL;
  self->stats.vision_runs++;
  pm_image_cache_insert (&self->vision_cache, image_checksum, vision);
  return vision;
}

/* With the lock held: the text embedding of @ids into @embedding (@e floats), from the
 * cache or encoded (and then cached). */
static gboolean
encode_text_cached (PmClipsegEngine *self,
                    GArray          *ids,
                    float           *embedding,
                    int              e,
                    GCancellable    *cancellable,
                    PmTimings       *timings,
                    GError         **error)
{
  g_autoptr(GBytes) key = g_bytes_new (ids->data, (gsize) ids->len * sizeof (gint32));
  TextEntry *entry;

  for (GList *l = self->text_cache.head; l != NULL; l = l->next)
    {
      entry = l->data;
      if (g_bytes_equal (entry->ids, key))
        {
          memcpy (embedding, entry->embedding, sizeof (float) * e);
          g_queue_unlink (&self->text_cache, l);
          g_queue_push_head_link (&self->text_cache, l);
          self->stats.text_cache_hits++;
          return TRUE;
        }
    }
  if (!pm_clipseg_encode_text (self->model, (const gint32 *) ids->data, ids->len, NULL,
                               embedding, cancellable, timings, error))
    return FALSE;
  self->stats.text_runs++;
  entry = g_new (TextEntry, 1);
  entry->ids = g_steal_pointer (&key);
  entry->embedding = g_memdup2 (embedding, sizeof (float) * e);
  g_queue_push_head (&self->text_cache, entry);
  if (self->text_cache.length > TEXT_CACHE_SIZE)
    text_entry_free (g_queue_pop_tail (&self->text_cache));
  return TRUE;
}

static void
clear_text_cache (PmClipsegEngine *self)
{
  g_queue_clear_full (&self->text_cache, (GDestroyNotify) text_entry_free);
}

/* With the lock held. */
static gboolean
run_phrases_locked (PmClipsegEngine     *self,
                    const PmImage       *image,
                    const char * const  *phrases,
                    int                  n,
                    const PmInstruction *instruction,
                    PmMask             **masks_out,
                    float               *logits_out,
                    PmProgressFunc       progress,
                    gpointer             progress_data,
                    GCancellable        *cancellable,
                    PmTimings           *timings,
                    GError             **error)
{
  g_autofree char *checksum = NULL;
  g_autofree float *embedding = NULL;
  g_autofree float *logits = NULL;
  const PmClipsegVision *vision;
  gboolean cached;
  int s = pm_clipseg_get_input_size (self->model);
  int e = pm_clipseg_get_embedding_dim (self->model);
  ProgressScale scale = { progress, progress_data, 0, 0 };
  double vision_share, per_phrase, t0;

  checksum = pm_engine_image_fingerprint (image);
  cached = pm_image_cache_contains (&self->vision_cache, checksum);
  /* Shares of the run for the progress fraction: vision dominates when it runs. */
  vision_share = cached ? 0.0 : 0.8;
  per_phrase = (1.0 - vision_share) / n;

  if (!cached)
    report (progress, progress_data, "encoding image", 0.0);
  scale.base = 0.0;
  scale.span = vision_share;
  vision = get_vision (self, image, checksum, &scale, cancellable, timings, error);
  if (vision == NULL)
    return FALSE;

  embedding = g_new (float, e);
  logits = g_new (float, (gsize) s * s);
  for (int p = 0; p < n; p++)
    {
      g_autoptr(GArray) ids = NULL;
      const char *phrase = phrases[p] != NULL ? phrases[p] : "";
      double base = vision_share + p * per_phrase;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      report (progress, progress_data, "encoding text", base);
      t0 = pm_now_ms ();
      ids = pm_tokenizer_encode (self->tokenizer, phrase, -1, 0);
      if (timings != NULL)
        pm_timings_add (timings, "tokenize", pm_now_ms () - t0);
      if (!encode_text_cached (self, ids, embedding, e, cancellable, timings, error))
        return FALSE;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      report (progress, progress_data, "decoding", base + 0.3 * per_phrase);
      if (!pm_clipseg_decode (self->model, vision, embedding, logits, cancellable, timings,
                              error))
        return FALSE;
      self->stats.decoder_runs++;
      if (logits_out != NULL)
        memcpy (logits_out + (gsize) p * s * s, logits, sizeof (float) * s * s);

      if (masks_out != NULL)
        {
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          report (progress, progress_data, "refining edges", base + 0.6 * per_phrase);
          t0 = pm_now_ms ();
          masks_out[p] = pm_clipseg_logits_to_mask (logits, s, image, instruction, &self->post);
          if (timings != NULL)
            pm_timings_add (timings, "upsample/refine", pm_now_ms () - t0);
        }
    }
  report (progress, progress_data, "done", 1.0);
  return TRUE;
}

/**
 * pm_clipseg_engine_run_phrases:
 * @engine: a clipseg engine
 * @image: the image
 * @phrases: (array length=n): the prompts
 * @n: number of prompts (≥ 1)
 * @instruction: (nullable): qualifiers for component choice
 * @masks_out: (array length=n) (out) (optional): soft masks at the image size
 * @logits_out: (optional): n × S × S raw logits
 * @progress: (nullable): progress callback
 * @progress_data: its data
 * @cancellable: (nullable): a #GCancellable
 * @timings: (nullable): receives the stage times
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success; on failure no masks are returned
 */
gboolean
pm_clipseg_engine_run_phrases (PmEngine             *engine,
                               const PmImage        *image,
                               const char * const   *phrases,
                               int                   n,
                               const PmInstruction  *instruction,
                               PmMask              **masks_out,
                               float                *logits_out,
                               PmProgressFunc        progress,
                               gpointer              progress_data,
                               GCancellable         *cancellable,
                               PmTimings            *timings,
                               GError              **error)
{
  PmClipsegEngine *self = get_self (engine);
  gboolean ok;

  g_return_val_if_fail (image != NULL && phrases != NULL && n >= 1, FALSE);
  if (masks_out != NULL)
    memset (masks_out, 0, sizeof (PmMask *) * n);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  /* A warm-up of the next image gives way to a run (it is redone later if need be). */
  pm_warm_gate_preempt (&self->warm_gate);
  g_mutex_lock (&self->lock);
  ok = run_phrases_locked (self, image, phrases, n, instruction, masks_out, logits_out,
                           progress, progress_data, cancellable, timings, error);
  g_mutex_unlock (&self->lock);

  if (!ok && masks_out != NULL)
    for (int p = 0; p < n; p++)
      g_clear_pointer (&masks_out[p], pm_mask_free);
  return ok;
}

/* --refine sam: replaces result->soft_mask by SAM's when it agrees with the heatmap, and
 * says which mask was kept. */
static gboolean
refine_with_sam (PmClipsegEngine     *self,
                 const PmImage       *image,
                 const PmInstruction *instruction,
                 const float         *logits,
                 PmProgressFunc       progress,
                 gpointer             progress_data,
                 GCancellable        *cancellable,
                 PmEngineResult      *result,
                 GError             **error)
{
  g_autoptr(PmMask) soft = NULL;
  PmSamRefineInfo info;
  const char *sam_name = pm_sam_engine_get_model_name (self->sam);
  int s = pm_clipseg_get_input_size (self->model);

  if (progress != NULL)
    progress ("refining with SAM", 0.9, progress_data);
  if (!pm_sam_refine_logits (self->sam, image, logits, s, instruction, &soft, &info,
                             cancellable, result->timings, error))
    return FALSE;
  g_free (result->model);
  result->model = g_strdup_printf ("%s+%s", self->model_name, sam_name);
  if (!info.asked)
    return TRUE;
  if (soft != NULL)
    {
      g_clear_pointer (&result->soft_mask, pm_mask_free);
      result->soft_mask = g_steal_pointer (&soft);
      result->state = pm_clipseg_mask_state (result->soft_mask);
    }
  else if (result->message == NULL)
    result->message = g_strdup_printf ("Kept CLIPSeg's mask: SAM's best mask agrees only "
                                       "%.2f (< %.2f) with the heatmap", info.agreement,
                                       pm_sam_refine_min_agreement ());
  return TRUE;
}

static gboolean
clipseg_run (PmEngine             *engine,
             const PmImage        *image,
             const PmInstruction  *instruction,
             PmProgressFunc        progress,
             gpointer              progress_data,
             GCancellable         *cancellable,
             PmEngineResult       *result,
             GError              **error)
{
  PmClipsegEngine *self = get_self (engine);
  const char *phrase = instruction->target;
  g_autofree float *logits = NULL;
  PmMask *mask = NULL;
  float peak = 0.f;

  /* "paint it red" leaves no target: prompt with the whole instruction. */
  if (phrase == NULL || phrase[0] == '\0')
    phrase = instruction->text != NULL ? instruction->text : "";
  if (self->sam != NULL)
    logits = g_new (float, (gsize) pm_clipseg_get_input_size (self->model) *
                           pm_clipseg_get_input_size (self->model));
  if (!pm_clipseg_engine_run_phrases (engine, image, &phrase, 1, instruction, &mask, logits,
                                      progress, progress_data, cancellable, result->timings,
                                      error))
    return FALSE;

  for (gsize i = 0; i < (gsize) mask->width * mask->height; i++)
    peak = MAX (peak, mask->data[i]);
  result->soft_mask = mask;
  result->model = g_strdup (self->model_name);
  result->state = pm_clipseg_mask_state (mask);
  if (peak < 0.5f)
    result->message = g_strdup_printf ("CLIPSeg found nothing confidently matching “%s”",
                                       phrase);
  else if (result->state == PM_RESULT_EMPTY)
    result->message = g_strdup_printf ("CLIPSeg's map for “%s” is flat: no region stands "
                                       "out, so nothing was painted", phrase);
  if (self->sam != NULL && peak >= 0.5f &&
      !refine_with_sam (self, image, instruction, logits, progress, progress_data, cancellable,
                        result, error))
    return FALSE;
  return TRUE;
}

/* ---------------------------------------------------------------- lifecycle, accessors */

static void
clipseg_finalize (PmEngine *engine)
{
  PmClipsegEngine *self = get_self (engine);

  pm_image_cache_clear (&self->vision_cache);
  clear_text_cache (self);
  pm_warm_gate_clear (&self->warm_gate);
  g_clear_pointer (&self->sam, pm_engine_unref);
  g_clear_pointer (&self->model, pm_clipseg_free);
  g_clear_pointer (&self->tokenizer, pm_tokenizer_free);
  g_free (self->model_dir);
  g_free (self->model_name);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* The vision activations of @image (and, refining with SAM, its SAM embedding), computed
 * ahead of a run. */
static gboolean
clipseg_warm (PmEngine      *engine,
              const PmImage *image,
              GCancellable  *cancellable,
              GError       **error)
{
  PmClipsegEngine *self = get_self (engine);
  g_autofree char *checksum = pm_engine_image_fingerprint (image);
  PmWarm *warm = pm_warm_gate_begin (&self->warm_gate, cancellable);
  GCancellable *c = pm_warm_get_cancellable (warm);
  ProgressScale scale = { NULL, NULL, 0.0, 1.0 };
  gboolean ok = TRUE;

  g_mutex_lock (&self->lock);
  if (g_cancellable_set_error_if_cancelled (c, error))
    ok = FALSE;
  else if (!pm_image_cache_contains (&self->vision_cache, checksum))
    {
      ok = get_vision (self, image, checksum, &scale, c, NULL, error) != NULL;
      if (ok)
        self->stats.warmed++;
    }
  if (ok && self->sam != NULL)
    ok = pm_engine_warm (self->sam, image, c, error);
  g_mutex_unlock (&self->lock);
  pm_warm_gate_end (&self->warm_gate, warm);
  return ok;
}

static const PmEngineClass clipseg_engine_class = {
  .name = "clipseg",
  .run = clipseg_run,
  .finalize = clipseg_finalize,
  .warm = clipseg_warm,
};

/**
 * pm_clipseg_engine_new:
 * @options: model folder (NULL: the installed default) and thread count
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the engine, or %NULL (PM_ENGINE_ERROR_UNAVAILABLE when no
 * model is installed, PM_ENGINE_ERROR_MODEL when the files are malformed)
 */
PmEngine *
pm_clipseg_engine_new (const PmEngineOptions *options,
                       GError               **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *missing = NULL;
  g_autoptr(GError) local_error = NULL;
  PmClipsegEngine *self;

  if (options != NULL && options->model_dir != NULL)
    dir = g_strdup (options->model_dir);
  else
    dir = pm_model_get_default_dir (PM_MODEL_DEFAULT_NAME);

  if (!pm_model_dir_is_complete (dir, &missing))
    {
      if (options != NULL && options->model_dir != NULL)
        g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                     "No CLIPSeg model in “%s” (%s missing)", dir, missing);
      else
        g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                     "No CLIPSeg model installed; run 'paintmask model download'");
      return NULL;
    }

  self = g_new0 (PmClipsegEngine, 1);
  self->parent.klass = &clipseg_engine_class;
  self->parent.ref_count = 1;
  g_mutex_init (&self->lock);
  pm_image_cache_init (&self->vision_cache, (GDestroyNotify) pm_clipseg_vision_free);
  pm_warm_gate_init (&self->warm_gate);
  pm_clipseg_post_params_init (&self->post);
  self->model_dir = g_strdup (dir);
  self->model_name = g_path_get_basename (dir);

  self->tokenizer = pm_tokenizer_new_from_dir (dir, &local_error);
  if (self->tokenizer != NULL)
    self->model = pm_clipseg_load_with_precision (dir, options != NULL ? options->precision
                                                                       : PM_PRECISION_AUTO,
                                                  &local_error);
  if (self->model == NULL)
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_MODEL, "%s", local_error->message);
      clipseg_finalize (&self->parent);
      return NULL;
    }

  /* --refine sam: the SAM engine comes with it (its model must be installed) */
  if (options != NULL && options->refine != NULL && strcmp (options->refine, "none") != 0)
    {
      PmEngineOptions sam_options = { 0 };

      if (strcmp (options->refine, "sam") != 0)
        {
          g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNKNOWN,
                       "Unknown refinement “%s” (known: none, sam)", options->refine);
          clipseg_finalize (&self->parent);
          return NULL;
        }
      sam_options.model_dir = options->sam_model_dir;
      sam_options.threads = options->threads;
      self->sam = pm_sam_engine_new (&sam_options, &local_error);
      if (self->sam == NULL)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      "--refine sam: ");
          clipseg_finalize (&self->parent);
          return NULL;
        }
    }
  return &self->parent;
}

/**
 * pm_clipseg_engine_has_sam_refine:
 *
 * Returns: whether the engine's masks are refined with Segment Anything (`--refine sam`)
 */
gboolean
pm_clipseg_engine_has_sam_refine (PmEngine *engine)
{
  return get_self (engine)->sam != NULL;
}

PmEngine *
pm_clipseg_engine_get_sam (PmEngine *engine)
{
  return get_self (engine)->sam;
}

void
pm_clipseg_engine_get_stats (PmEngine             *engine,
                             PmClipsegEngineStats *stats)
{
  PmClipsegEngine *self = get_self (engine);

  g_mutex_lock (&self->lock);
  *stats = self->stats;
  g_mutex_unlock (&self->lock);
}

void
pm_clipseg_engine_clear_cache (PmEngine *engine)
{
  PmClipsegEngine *self = get_self (engine);

  g_mutex_lock (&self->lock);
  pm_image_cache_clear (&self->vision_cache);
  clear_text_cache (self);
  g_mutex_unlock (&self->lock);
}

/**
 * pm_clipseg_engine_clear_text_cache:
 * @engine: a clipseg engine
 *
 * Forgets the cached text embeddings only (benchmarks: a second instruction with a new
 * phrase).
 */
void
pm_clipseg_engine_clear_text_cache (PmEngine *engine)
{
  PmClipsegEngine *self = get_self (engine);

  g_mutex_lock (&self->lock);
  clear_text_cache (self);
  g_mutex_unlock (&self->lock);
}

const char *
pm_clipseg_engine_get_model_dir (PmEngine *engine)
{
  return get_self (engine)->model_dir;
}

int
pm_clipseg_engine_get_input_size (PmEngine *engine)
{
  return pm_clipseg_get_input_size (get_self (engine)->model);
}

gsize
pm_clipseg_engine_get_weights_bytes (PmEngine *engine)
{
  return pm_clipseg_get_weights_bytes (get_self (engine)->model);
}

PmPrecision
pm_clipseg_engine_get_precision (PmEngine *engine)
{
  return pm_clipseg_get_precision (get_self (engine)->model);
}

double
pm_clipseg_engine_get_pack_ms (PmEngine *engine)
{
  return pm_clipseg_get_pack_ms (get_self (engine)->model);
}

void
pm_clipseg_engine_set_post_params (PmEngine                  *engine,
                                   const PmClipsegPostParams *params)
{
  PmClipsegEngine *self = get_self (engine);

  g_mutex_lock (&self->lock);
  self->post = *params;
  g_mutex_unlock (&self->lock);
}
