/* pm-clipseg-engine.h: the "clipseg" engine: CLIPSeg masks with a vision cache, component
 * choice and edge-aware refinement.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pm_clipseg_engine_new () (declared in pm-engine.h) loads a model folder. A run turns the
 * instruction's target phrase into logits (S×S), resizes them bilinearly to the image,
 * applies the sigmoid, refines the soft mask with a colour guided filter on the
 * full-resolution photo, and, when the instruction has a position or rank qualifier, keeps
 * only the chosen connected component. The vision activations of the two images last used
 * are cached (keyed by size and a fingerprint of the pixels), so a second instruction on the
 * same image runs only the text encoder and the decoder, and pm_engine_warm () can prepare
 * the next image of a list without evicting the one in use. Runs are serialised by a mutex.
 */
#pragma once

#include "pm-engine.h"
#include "pm-clipseg.h"

G_BEGIN_DECLS

typedef struct {
  guint vision_runs;     /* vision encoder passes */
  guint cache_hits;      /* runs that reused cached vision activations */
  guint text_runs;       /* text encoder passes */
  guint text_cache_hits; /* phrases whose embedding was cached */
  guint decoder_runs;    /* decoder passes */
  guint warmed;          /* vision passes made ahead by pm_engine_warm () */
} PmClipsegEngineStats;

/* Refinement and selection parameters (defaults from pm_clipseg_engine_params_init ()). */
typedef struct {
  gboolean refine;           /* guided filter on (TRUE) */
  double   radius_scale;     /* radius = scale × image side / S (4.0, see bench-refine.c) */
  double   eps;              /* guided-filter regulariser, guide in 0..1 (1e-4) */
  int      max_fit_side;     /* fit on a grid no larger than this (640) */
  float    threshold;        /* soft → binary for components (0.5) */
} PmClipsegPostParams;

void      pm_clipseg_post_params_init     (PmClipsegPostParams        *params);

/* Post-processing on its own (for tests and tools): @logits S×S → soft mask at the image
 * size; @instruction (nullable) chooses a component. */
PmMask   *pm_clipseg_logits_to_mask       (const float                *logits,
                                           int                         s,
                                           const PmImage              *image,
                                           const PmInstruction        *instruction,
                                           const PmClipsegPostParams  *params);
/* Bilinear resize like torch.nn.functional.interpolate (align_corners=False). */
void      pm_clipseg_resize_bilinear      (const float                *in,
                                           int                         in_w,
                                           int                         in_h,
                                           float                      *out,
                                           int                         out_w,
                                           int                         out_h);

/* What a soft mask says, by a fixed rule: EMPTY when nothing reaches 0.5 (CLIPSeg matched
 * nothing confidently) or when the map is flat (its peak is less than
 * PM_CLIPSEG_MIN_CONTRAST above its 2nd percentile: no region stands out from the rest,
 * typically a map that is high everywhere); FOUND otherwise. */
#define PM_CLIPSEG_MIN_CONTRAST 0.2f
PmResultState pm_clipseg_mask_state      (const PmMask               *soft);

void      pm_clipseg_engine_get_stats     (PmEngine                   *engine,
                                           PmClipsegEngineStats       *stats);
void      pm_clipseg_engine_clear_text_cache (PmEngine                *engine);
void      pm_clipseg_engine_clear_cache   (PmEngine                   *engine);
const char *pm_clipseg_engine_get_model_dir (PmEngine                 *engine);
gboolean  pm_clipseg_engine_has_sam_refine (PmEngine                  *engine);
/* The SAM engine refining the masks (transfer none), or NULL. */
PmEngine *pm_clipseg_engine_get_sam       (PmEngine                   *engine);
int       pm_clipseg_engine_get_input_size (PmEngine                  *engine);
gsize     pm_clipseg_engine_get_weights_bytes (PmEngine               *engine);
/* The precision the model runs in (F32 or BF16). */
PmPrecision pm_clipseg_engine_get_precision (PmEngine               *engine);
/* How long packing the weights took (waits for it). */
double    pm_clipseg_engine_get_pack_ms     (PmEngine               *engine);
void      pm_clipseg_engine_set_post_params (PmEngine                 *engine,
                                           const PmClipsegPostParams  *params);

/* Several phrases on one vision pass. @masks_out receives @n soft masks at the image size
 * (post-processed with @instruction's qualifiers when non-NULL); @logits_out (nullable)
 * receives n × S × S raw logits. @timings (nullable) gets the stages. */
gboolean  pm_clipseg_engine_run_phrases   (PmEngine                   *engine,
                                           const PmImage              *image,
                                           const char * const         *phrases,
                                           int                         n,
                                           const PmInstruction        *instruction,
                                           PmMask                    **masks_out,
                                           float                      *logits_out,
                                           PmProgressFunc              progress,
                                           gpointer                    progress_data,
                                           GCancellable               *cancellable,
                                           PmTimings                  *timings,
                                           GError                    **error);

G_END_DECLS
