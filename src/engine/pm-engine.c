/* pm-engine.c: the engine registry, ref counting and stage timings.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-engine"

#include "pm-engine.h"
#include "pm-ops.h"

#include <string.h>

G_DEFINE_QUARK (pm-engine-error-quark, pm_engine_error)

/* ---------------------------------------------------------------- timings */

PmTimings *
pm_timings_new (void)
{
  PmTimings *timings = g_new0 (PmTimings, 1);
  timings->items = g_array_new (FALSE, TRUE, sizeof (PmTiming));
  return timings;
}

void
pm_timings_free (PmTimings *timings)
{
  if (timings == NULL)
    return;
  for (guint i = 0; i < timings->items->len; i++)
    g_free (g_array_index (timings->items, PmTiming, i).stage);
  g_array_unref (timings->items);
  g_free (timings);
}

void
pm_timings_add (PmTimings  *timings,
                const char *stage,
                double      ms)
{
  PmTiming t = { g_strdup (stage), ms };

  g_return_if_fail (timings != NULL);
  g_array_append_val (timings->items, t);
}

void
pm_timings_append (PmTimings       *timings,
                   const PmTimings *other)
{
  g_return_if_fail (timings != NULL);
  if (other == NULL)
    return;
  for (guint i = 0; i < other->items->len; i++)
    {
      const PmTiming *t = &g_array_index (other->items, PmTiming, i);
      pm_timings_add (timings, t->stage, t->ms);
    }
}

double
pm_timings_get (const PmTimings *timings,
                const char      *stage)
{
  double sum = 0;

  g_return_val_if_fail (timings != NULL, 0);
  for (guint i = 0; i < timings->items->len; i++)
    {
      const PmTiming *t = &g_array_index (timings->items, PmTiming, i);
      if (g_strcmp0 (t->stage, stage) == 0)
        sum += t->ms;
    }
  return sum;
}

double
pm_now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

/* ---------------------------------------------------------------- results, options */

static const char * const result_state_names[] = { "found", "guess", "empty", "failed" };

/**
 * pm_result_state_to_string:
 * @state: a result state
 *
 * Returns: "found", "guess", "empty" or "failed" (static)
 */
const char *
pm_result_state_to_string (PmResultState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (result_state_names), "failed");
  return result_state_names[state];
}

/**
 * pm_result_state_from_string:
 * @str: (nullable): "found", "guess", "empty" or "failed"
 * @state: (out): the state
 *
 * Returns: %TRUE if @str names a state
 */
gboolean
pm_result_state_from_string (const char    *str,
                             PmResultState *state)
{
  g_return_val_if_fail (state != NULL, FALSE);
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (result_state_names); i++)
    if (strcmp (str, result_state_names[i]) == 0)
      {
        *state = (PmResultState) i;
        return TRUE;
      }
  return FALSE;
}

void
pm_engine_result_clear (PmEngineResult *result)
{
  if (result == NULL)
    return;
  result->state = PM_RESULT_FOUND;
  g_clear_pointer (&result->soft_mask, pm_mask_free);
  g_clear_pointer (&result->edited, pm_image_free);
  g_clear_pointer (&result->message, g_free);
  g_clear_pointer (&result->model, g_free);
  g_clear_pointer (&result->timings, pm_timings_free);
}

void
pm_engine_options_clear (PmEngineOptions *options)
{
  if (options == NULL)
    return;
  g_clear_pointer (&options->model_dir, g_free);
  g_clear_pointer (&options->remote_profile, g_free);
  g_clear_pointer (&options->endpoint, g_free);
  g_clear_pointer (&options->remote_options, g_strfreev);
  g_clear_pointer (&options->remote_model, g_free);
  g_clear_pointer (&options->api_key, g_free);
  g_clear_pointer (&options->prompt_template, g_free);
  g_clear_pointer (&options->refine, g_free);
  g_clear_pointer (&options->sam_model_dir, g_free);
}

/* ---------------------------------------------------------------- image fingerprint */

static inline guint64
mix64 (guint64 x)
{
  /* splitmix64's finaliser */
  x ^= x >> 30;
  x *= G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= G_GUINT64_CONSTANT (0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

/**
 * pm_engine_image_fingerprint:
 * @image: an image
 *
 * The cache key of an image for the engines' per-image caches (CLIPSeg's vision
 * activations, SAM's image embedding): its size plus a 256-bit fingerprint of the pixels
 * from four independent multiply-rotate lanes (several GB/s, where SHA-256 would cost
 * 150 ms on a 12-megapixel photo). Not cryptographic: both images come from the same user,
 * and a collision could only make an engine reuse the other image's activations.
 *
 * Returns: (transfer full): "WxH-" and 64 hex digits
 */
char *
pm_engine_image_fingerprint (const PmImage *image)
{
  const guint64 prime = G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  guint64 lane[4] = { G_GUINT64_CONSTANT (0x243f6a8885a308d3),
                      G_GUINT64_CONSTANT (0x13198a2e03707344),
                      G_GUINT64_CONSTANT (0xa4093822299f31d0),
                      G_GUINT64_CONSTANT (0x082efa98ec4e6c89) };
  gsize n = (gsize) image->width * image->height * 4, i = 0;
  const guint8 *p = image->data;

  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 4; k++)
      {
        guint64 v;
        memcpy (&v, p + i + 8 * k, 8);
        lane[k] = ((lane[k] ^ v) * prime);
        lane[k] = (lane[k] << 29) | (lane[k] >> 35);
      }
  for (; i < n; i++)
    lane[i % 4] = (lane[i % 4] ^ p[i]) * prime;
  for (int k = 0; k < 4; k++)
    lane[k] = mix64 (lane[k] ^ n ^ ((guint64) k << 56));
  return g_strdup_printf ("%dx%d-%016" G_GINT64_MODIFIER "x%016" G_GINT64_MODIFIER "x%016"
                          G_GINT64_MODIFIER "x%016" G_GINT64_MODIFIER "x", image->width,
                          image->height, lane[0], lane[1], lane[2], lane[3]);
}

/* ---------------------------------------------------------------- registry */

static const char * const engine_names[] = { "builtin", "clipseg", "remote", NULL };

const char * const *
pm_engine_list_names (void)
{
  return engine_names;
}

PmEngine *
pm_engine_new (const char            *name,
               const PmEngineOptions *options,
               GError               **error)
{
  PmEngineOptions defaults = { 0 };

  g_return_val_if_fail (name != NULL, NULL);
  if (options == NULL)
    options = &defaults;

  /* The compute pool's size (process-wide): every core unless told otherwise; the app
   * asks for one less so that its main loop keeps a core. */
  pm_ops_set_threads (options->threads > 0 ? options->threads
                                           : (int) g_get_num_processors ());
  if (strcmp (name, "builtin") == 0)
    return pm_builtin_engine_new ();
  if (strcmp (name, "clipseg") == 0)
    return pm_clipseg_engine_new (options, error);
  if (strcmp (name, "remote") == 0)
    return pm_remote_engine_new (options, error);
  if (strcmp (name, "sam") == 0)
    return pm_sam_engine_new (options, error);
  g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNKNOWN,
               "Unknown engine “%s” (known: builtin, clipseg, remote)", name);
  return NULL;
}

PmEngine *
pm_engine_ref (PmEngine *engine)
{
  g_return_val_if_fail (engine != NULL, NULL);
  g_atomic_int_inc (&engine->ref_count);
  return engine;
}

void
pm_engine_unref (PmEngine *engine)
{
  if (engine == NULL)
    return;
  if (g_atomic_int_dec_and_test (&engine->ref_count))
    engine->klass->finalize (engine);
}

const char *
pm_engine_get_name (PmEngine *engine)
{
  g_return_val_if_fail (engine != NULL, NULL);
  return engine->klass->name;
}

/**
 * pm_engine_paints_lists:
 * @engine: an engine
 *
 * Returns: whether @engine paints every item of a list instruction in one run (a remote
 *   editor); otherwise it finds one object per run
 */
gboolean
pm_engine_paints_lists (PmEngine *engine)
{
  g_return_val_if_fail (engine != NULL, FALSE);
  return engine->klass->paints_lists;
}

/**
 * pm_engine_warm:
 * @engine: an engine
 * @image: the image a run will come for (the next one of a list)
 * @cancellable: (nullable): cancels the warm-up
 * @error: return location for a #GError
 *
 * Does the per-image work of a run on @image ahead of it (see pm-engine.h); a later
 * pm_engine_run () on the same pixels reuses it.
 *
 * Returns: %TRUE when @image is warm (or the engine keeps nothing per image)
 */
gboolean
pm_engine_warm (PmEngine       *engine,
                const PmImage  *image,
                GCancellable   *cancellable,
                GError        **error)
{
  g_return_val_if_fail (engine != NULL, FALSE);
  g_return_val_if_fail (image != NULL, FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (engine->klass->warm == NULL)
    return TRUE;
  return engine->klass->warm (engine, image, cancellable, error);
}

gboolean
pm_engine_can_warm (PmEngine *engine)
{
  g_return_val_if_fail (engine != NULL, FALSE);
  return engine->klass->warm != NULL;
}

gboolean
pm_engine_run (PmEngine             *engine,
               const PmImage        *image,
               const PmInstruction  *instruction,
               PmProgressFunc        progress,
               gpointer              progress_data,
               GCancellable         *cancellable,
               PmEngineResult       *result,
               GError              **error)
{
  g_return_val_if_fail (engine != NULL, FALSE);
  g_return_val_if_fail (image != NULL, FALSE);
  g_return_val_if_fail (instruction != NULL, FALSE);
  g_return_val_if_fail (result != NULL, FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (result->timings == NULL)
    result->timings = pm_timings_new ();
  if (!engine->klass->run (engine, image, instruction, progress, progress_data, cancellable,
                           result, error))
    {
      pm_engine_result_clear (result);
      return FALSE;
    }
  g_assert (result->soft_mask != NULL || result->edited != NULL);
  return TRUE;
}
