/* pm-engine.h: the engine interface: an instruction and an image in, a soft mask or an
 * edited image out.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An engine is a small ref-counted struct with a vtable. run() is called from a worker
 * thread; an engine serialises its own runs (one at a time) and may keep caches between
 * them (CLIPSeg keeps the vision activations of the last image). Engines report progress
 * as (stage, fraction) and check the GCancellable between stages and layers.
 */
#pragma once

#include <gio/gio.h>
#include "pm-gemm.h"
#include "pm-image.h"
#include "pm-instruction.h"

G_BEGIN_DECLS

#define PM_ENGINE_ERROR (pm_engine_error_quark ())
GQuark pm_engine_error_quark (void);

typedef enum {
  PM_ENGINE_ERROR_UNKNOWN,      /* no engine of that name */
  PM_ENGINE_ERROR_UNAVAILABLE,  /* e.g. no model installed, no endpoint configured */
  PM_ENGINE_ERROR_MODEL,        /* model files missing or malformed */
  PM_ENGINE_ERROR_NETWORK,      /* remote engine: connection, HTTP, timeout */
  PM_ENGINE_ERROR_FAILED,
} PmEngineError;

/* Stage timings, in order. */
typedef struct {
  char   *stage;
  double  ms;
} PmTiming;

typedef struct {
  GArray *items;   /* of PmTiming */
} PmTimings;

PmTimings *pm_timings_new   (void);
void       pm_timings_free  (PmTimings  *timings);
void       pm_timings_add   (PmTimings  *timings,
                             const char *stage,
                             double      ms);
void       pm_timings_append (PmTimings       *timings,
                              const PmTimings *other);
double     pm_timings_get   (const PmTimings *timings,
                             const char      *stage);  /* sum over entries named @stage; 0 if none */
double     pm_now_ms        (void);                    /* monotonic clock in ms */

/* Called with a short stage name ("encoding text", "vision layer 7/12", "refining edges")
 * and the fraction (0..1) of the whole run done so far. May be called from a worker thread. */
typedef void (*PmProgressFunc) (const char *stage,
                                double      fraction,
                                gpointer    user_data);

/* How a run ended (DESIGN.md §8), so that neither a person nor a script mistakes a guess or
 * an empty mask for a finding:
 *   FOUND   the engine found what the instruction named;
 *   GUESS   it fell back to a prior (the built-in engine's saliency when it does not know
 *           the noun): the mask is something, maybe not the thing;
 *   EMPTY   nothing was found: the mask has no pixels and nothing was painted;
 *   FAILED  the run ended in an error (or was cancelled): no result.
 * Engines report FOUND or GUESS (or EMPTY when they know they found nothing); the pipeline
 * turns any result whose mask has no pixels into EMPTY. */
typedef enum {
  PM_RESULT_FOUND,
  PM_RESULT_GUESS,
  PM_RESULT_EMPTY,
  PM_RESULT_FAILED,
} PmResultState;

/* "found", "guess", "empty", "failed". */
const char *pm_result_state_to_string   (PmResultState  state);
/* FALSE (and *@state untouched) if @str is none of those. */
gboolean    pm_result_state_from_string (const char    *str,
                                         PmResultState *state);

typedef struct {
  PmResultState state;   /* FOUND unless the engine says otherwise */
  PmMask    *soft_mask;  /* local engines: 0..1 at the image's size */
  PmImage   *edited;     /* remote engines: the edited image (any size) */
  char      *message;    /* one line for the user, or NULL */
  char      *model;      /* model identity, or NULL */
  PmTimings *timings;    /* engine stages; engines add to it, never NULL during run() */
} PmEngineResult;

void pm_engine_result_clear (PmEngineResult *result);

typedef struct _PmEngine PmEngine;

typedef struct {
  const char *name;
  gboolean  (*run)      (PmEngine             *engine,
                         const PmImage        *image,
                         const PmInstruction  *instruction,
                         PmProgressFunc        progress,
                         gpointer              progress_data,
                         GCancellable         *cancellable,
                         PmEngineResult       *result,
                         GError              **error);
  void      (*finalize) (PmEngine             *engine);
  /* Optional: the per-image work a run would start with, kept for a later run (see
   * pm_engine_warm ()). NULL: the engine keeps nothing per image. */
  gboolean  (*warm)     (PmEngine             *engine,
                         const PmImage        *image,
                         GCancellable         *cancellable,
                         GError              **error);
  /* run() is given a whole list instruction and paints every item in one edited image (a
   * generative editor). Otherwise the pipeline runs it once per item of a list. */
  gboolean    paints_lists;
} PmEngineClass;

struct _PmEngine {
  const PmEngineClass *klass;
  gint                 ref_count;
};

typedef struct {
  char   *model_dir;        /* clipseg: model folder; NULL = installed default */
  char   *remote_profile;   /* remote: "openai", "openai-compatible" (NULL), "sdcpp", … */
  char   *endpoint;         /* remote: the server (its meaning depends on the profile) */
  char   *remote_model;     /* remote: model name sent to the server */
  char  **remote_options;   /* remote: "KEY=VALUE" strings (sampling fields, workflow) */
  char   *api_key;          /* remote: bearer key; NULL = PAINTMASK_API_KEY / keyring */
  char   *prompt_template;  /* remote: NULL = default */
  double  timeout_s;        /* remote: 0 = default */
  int     threads;          /* compute threads; 0 = default (every core) */
  PmPrecision precision;    /* clipseg: the kernels' precision; AUTO (0) = bf16 where the
                             * CPU has AVX512_BF16, F32 = exact */
  char   *refine;           /* clipseg: "sam" refines each mask with Segment Anything
                             * (pm-sam-refine.c); NULL or "none": off */
  char   *sam_model_dir;    /* clipseg + refine: the SAM folder; NULL = installed slimsam-77 */
} PmEngineOptions;

void      pm_engine_options_clear (PmEngineOptions      *options);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PmEngineOptions, pm_engine_options_clear)

/* Creates the engine called @name ("builtin", "clipseg", "remote"; "sam" too, which
 * answers prompts through pm-sam-engine.h rather than pm_engine_run ()). */
PmEngine *pm_engine_new           (const char            *name,
                                   const PmEngineOptions *options,
                                   GError               **error);
/* Names of all engines, NULL-terminated, static. */
const char * const *pm_engine_list_names (void);
PmEngine *pm_engine_ref           (PmEngine              *engine);
void      pm_engine_unref         (PmEngine              *engine);
const char *pm_engine_get_name    (PmEngine              *engine);
gboolean  pm_engine_paints_lists  (PmEngine              *engine);
gboolean  pm_engine_run           (PmEngine              *engine,
                                   const PmImage         *image,
                                   const PmInstruction   *instruction,
                                   PmProgressFunc         progress,
                                   gpointer               progress_data,
                                   GCancellable          *cancellable,
                                   PmEngineResult        *result,
                                   GError               **error);

/* Does now, for @image, the per-image work a later run on it would start with, and keeps
 * it beside the image in use: CLIPSeg's vision activations (and, refining with SAM, SAM's
 * image embedding); a "sam" engine's image embedding. Engines keep two images warm (the
 * one in use and the one warmed), so warming the next image while this one is reviewed
 * evicts neither. Call it from a worker thread; a run waiting for the engine cancels a
 * warm-up under way (a run never waits for one). Builtin and remote engines keep nothing:
 * TRUE at once. FALSE with @error when cancelled or the work failed. */
gboolean  pm_engine_warm          (PmEngine              *engine,
                                   const PmImage         *image,
                                   GCancellable          *cancellable,
                                   GError               **error);
/* Whether pm_engine_warm () does anything for this engine. */
gboolean  pm_engine_can_warm      (PmEngine              *engine);

/* Cache key of an image (size + 256-bit pixel fingerprint; not cryptographic): engines
 * that keep per-image work (CLIPSeg, SAM) key it by this (transfer full). */
char     *pm_engine_image_fingerprint (const PmImage      *image);

/* Engine constructors (each in its own file). */
PmEngine *pm_builtin_engine_new   (void);
PmEngine *pm_clipseg_engine_new   (const PmEngineOptions *options,
                                   GError               **error);
PmEngine *pm_remote_engine_new    (const PmEngineOptions *options,
                                   GError               **error);
/* Points and boxes, not text (pm-sam-engine.h). */
PmEngine *pm_sam_engine_new       (const PmEngineOptions *options,
                                   GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmEngine, pm_engine_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmTimings, pm_timings_free)

G_END_DECLS
