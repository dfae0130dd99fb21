/* pm-engine-cache.h: what an engine keeps per image between runs: the work of the two
 * images last used (the one under review and the next one, warmed ahead), and the gate by
 * which a run preempts a warm-up.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Engine-internal (CLIPSeg's vision activations, SAM's image embeddings). Neither type is
 * thread-safe on its own except PmWarmGate: the engine's lock guards a PmImageCache.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Two entries keyed by pm_engine_image_fingerprint (); [0] is the most recently used. */
typedef struct {
  char           *keys[2];
  gpointer        values[2];
  GDestroyNotify  free_value;
} PmImageCache;

void      pm_image_cache_init     (PmImageCache       *cache,
                                   GDestroyNotify      free_value);
void      pm_image_cache_clear    (PmImageCache       *cache);
/* The value kept for @key, which becomes the most recent; NULL if none. */
gpointer  pm_image_cache_lookup   (PmImageCache       *cache,
                                   const char         *key);
gboolean  pm_image_cache_contains (const PmImageCache *cache,
                                   const char         *key);
/* Keeps @value (taken) for @key as the most recent; the older of two is freed. */
void      pm_image_cache_insert   (PmImageCache       *cache,
                                   const char         *key,
                                   gpointer            value);
guint     pm_image_cache_get_size (const PmImageCache *cache);

/* Warm-ups under way, which runs cancel so that a person's run never waits for one. */
typedef struct {
  GMutex     lock;
  GPtrArray *warming;   /* of PmWarm */
} PmWarmGate;

typedef struct _PmWarm PmWarm;

void          pm_warm_gate_init       (PmWarmGate   *gate);
void          pm_warm_gate_clear      (PmWarmGate   *gate);
/* Before a warm-up takes the engine's lock. Its cancellable is cancelled by @cancellable
 * (nullable) or by pm_warm_gate_preempt (). End it with pm_warm_gate_end (). */
PmWarm       *pm_warm_gate_begin      (PmWarmGate   *gate,
                                       GCancellable *cancellable);
GCancellable *pm_warm_get_cancellable (PmWarm       *warm);
void          pm_warm_gate_end        (PmWarmGate   *gate,
                                       PmWarm       *warm);
/* Before a run takes the engine's lock: cancels every warm-up under way. */
void          pm_warm_gate_preempt    (PmWarmGate   *gate);

G_END_DECLS
