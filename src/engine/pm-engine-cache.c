/* pm-engine-cache.c: the per-image cache of two entries and the warm-up gate.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-engine"

#include "pm-engine-cache.h"

/* ---------------------------------------------------------------- PmImageCache */

void
pm_image_cache_init (PmImageCache   *cache,
                     GDestroyNotify  free_value)
{
  cache->keys[0] = cache->keys[1] = NULL;
  cache->values[0] = cache->values[1] = NULL;
  cache->free_value = free_value;
}

static void
drop (PmImageCache *cache,
      guint         i)
{
  if (cache->values[i] != NULL)
    cache->free_value (cache->values[i]);
  cache->values[i] = NULL;
  g_clear_pointer (&cache->keys[i], g_free);
}

void
pm_image_cache_clear (PmImageCache *cache)
{
  drop (cache, 0);
  drop (cache, 1);
}

gboolean
pm_image_cache_contains (const PmImageCache *cache,
                         const char         *key)
{
  return key != NULL &&
         ((cache->values[0] != NULL && g_strcmp0 (cache->keys[0], key) == 0) ||
          (cache->values[1] != NULL && g_strcmp0 (cache->keys[1], key) == 0));
}

gpointer
pm_image_cache_lookup (PmImageCache *cache,
                       const char   *key)
{
  if (key == NULL)
    return NULL;
  if (cache->values[0] != NULL && g_strcmp0 (cache->keys[0], key) == 0)
    return cache->values[0];
  if (cache->values[1] != NULL && g_strcmp0 (cache->keys[1], key) == 0)
    {
      char *k = cache->keys[1];
      gpointer v = cache->values[1];

      cache->keys[1] = cache->keys[0];
      cache->values[1] = cache->values[0];
      cache->keys[0] = k;
      cache->values[0] = v;
      return v;
    }
  return NULL;
}

void
pm_image_cache_insert (PmImageCache *cache,
                       const char   *key,
                       gpointer      value)
{
  g_return_if_fail (key != NULL && value != NULL);

  /* The same key again replaces its entry. */
  if (cache->values[1] != NULL && g_strcmp0 (cache->keys[1], key) == 0)
    drop (cache, 1);
  if (cache->values[0] != NULL && g_strcmp0 (cache->keys[0], key) == 0)
    drop (cache, 0);
  if (cache->values[0] != NULL)
    {
      drop (cache, 1);
      cache->keys[1] = cache->keys[0];
      cache->values[1] = cache->values[0];
    }
  else
    g_free (cache->keys[0]);
  cache->keys[0] = g_strdup (key);
  cache->values[0] = value;
}

guint
pm_image_cache_get_size (const PmImageCache *cache)
{
  return (cache->values[0] != NULL) + (cache->values[1] != NULL);
}

/* ---------------------------------------------------------------- PmWarmGate */

struct _PmWarm {
  GCancellable *cancellable;   /* ours, handed to the engine's work */
  GCancellable *caller;        /* nullable */
  gulong        handler;
};

static void
caller_cancelled_cb (GCancellable *caller,
                     gpointer      data)
{
  g_cancellable_cancel (data);
}

void
pm_warm_gate_init (PmWarmGate *gate)
{
  g_mutex_init (&gate->lock);
  gate->warming = g_ptr_array_new ();
}

void
pm_warm_gate_clear (PmWarmGate *gate)
{
  g_warn_if_fail (gate->warming->len == 0);
  g_ptr_array_unref (gate->warming);
  g_mutex_clear (&gate->lock);
}

PmWarm *
pm_warm_gate_begin (PmWarmGate   *gate,
                    GCancellable *cancellable)
{
  PmWarm *warm = g_new0 (PmWarm, 1);

  warm->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      warm->caller = g_object_ref (cancellable);
      /* Runs at once if @cancellable is cancelled already. */
      warm->handler = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                             warm->cancellable, NULL);
    }
  g_mutex_lock (&gate->lock);
  g_ptr_array_add (gate->warming, warm);
  g_mutex_unlock (&gate->lock);
  return warm;
}

GCancellable *
pm_warm_get_cancellable (PmWarm *warm)
{
  return warm->cancellable;
}

void
pm_warm_gate_end (PmWarmGate *gate,
                  PmWarm     *warm)
{
  g_mutex_lock (&gate->lock);
  g_ptr_array_remove_fast (gate->warming, warm);
  g_mutex_unlock (&gate->lock);
  if (warm->caller != NULL)
    {
      g_cancellable_disconnect (warm->caller, warm->handler);
      g_object_unref (warm->caller);
    }
  g_object_unref (warm->cancellable);
  g_free (warm);
}

void
pm_warm_gate_preempt (PmWarmGate *gate)
{
  g_mutex_lock (&gate->lock);
  for (guint i = 0; i < gate->warming->len; i++)
    g_cancellable_cancel (((PmWarm *) gate->warming->pdata[i])->cancellable);
  g_mutex_unlock (&gate->lock);
}
