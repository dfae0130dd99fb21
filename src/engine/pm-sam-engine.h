/* pm-sam-engine.h: the "sam" engine: Segment Anything masks from points and boxes, with the
 * image embedding cached, for click/box refine and for refining CLIPSeg's masks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Encoding an image costs a second or more; a prompt on an encoded image costs tens of
 * milliseconds. The engine keeps the embeddings of the two images it used last, keyed by
 * pm_engine_image_fingerprint () like CLIPSeg's vision cache (pm_engine_warm () encodes the
 * next image of a list without evicting the one in use), so:
 *
 *   - call pm_sam_engine_encode () (or _async) as soon as a photo is opened, in the
 *     background;
 *   - call pm_sam_engine_segment () (or _async) for each click or box: it reuses the
 *     embedding, or encodes first if the image changed.
 *
 * Every call may come from any thread; calls are serialised by the engine's lock (a
 * segment call made while the same image is being encoded waits for that encoding and then
 * reuses it). Coordinates are pixels of the image as given (after EXIF orientation, as
 * pm_image_load () returns it). pm_engine_run () on this engine fails: SAM takes points and
 * boxes, not text.
 */
#pragma once

#include "pm-engine.h"
#include "pm-mask-refine.h"
#include "pm-sam.h"

G_BEGIN_DECLS

/**
 * PmSamResult:
 * @n_masks: masks returned (1, or 3 with multimask)
 * @width: image width
 * @height: image height
 * @masks: (array length=n_masks): binary masks (0 or 1) at @width × @height, in the
 *   model's order (only the best one, the others NULL, with %PM_SAM_SEGMENT_BEST_ONLY)
 * @iou: (array length=n_masks): the model's predicted IoU of each mask
 * @order: (array length=n_masks): mask indices by predicted IoU, best first
 * @lowres_size: L, the side of the low-resolution logits (256)
 * @lowres: @n_masks × L × L logits before upsampling, in the model's order
 *
 * What one prompt gave.
 */
typedef struct {
  int      n_masks;
  int      width;
  int      height;
  PmMask **masks;
  float   *iou;
  int     *order;
  int      lowres_size;
  float   *lowres;
} PmSamResult;

/* What pm_sam_engine_segment_keyed () makes besides the low-res logits. */
typedef enum {
  PM_SAM_SEGMENT_DEFAULT   = 0,
  /* Only the best-rated mask at the image size (masks[order[0]]); the others' entries
   * of @masks are NULL (their low-res logits are all in @lowres). A 12 MP mask costs
   * more than the decoder: a click that keeps the best of three makes one, not three. */
  PM_SAM_SEGMENT_BEST_ONLY = 1 << 0,
} PmSamSegmentFlags;

void         pm_sam_result_free            (PmSamResult           *result);
/* The mask the model rates best (transfer none). */
const PmMask *pm_sam_result_get_best       (const PmSamResult     *result);

typedef struct {
  guint encoder_runs;    /* image encodings */
  guint warmed;          /* encodings made ahead by pm_engine_warm () */
  guint cache_hits;      /* prompts answered from a cached embedding */
  guint decoder_runs;    /* prompts decoded */
} PmSamEngineStats;

/* pm_sam_engine_new () is declared in pm-engine.h. */

gboolean     pm_sam_engine_encode          (PmEngine              *engine,
                                            const PmImage         *image,
                                            PmProgressFunc         progress,
                                            gpointer               progress_data,
                                            GCancellable          *cancellable,
                                            PmTimings             *timings,
                                            GError               **error);
/* The same with the image's fingerprint (pm_engine_image_fingerprint ()) computed once
 * by the caller for pixels that never change: a prompt then makes no pass over the photo
 * (≈ 10 ms on 12 MP). NULL computes it, as the calls above do. */
gboolean     pm_sam_engine_encode_keyed    (PmEngine              *engine,
                                            const PmImage         *image,
                                            const char            *fingerprint,
                                            PmProgressFunc         progress,
                                            gpointer               progress_data,
                                            GCancellable          *cancellable,
                                            PmTimings             *timings,
                                            GError               **error);
/* TRUE if @image's embedding is cached (a prompt on it costs only the decoder). */
gboolean     pm_sam_engine_has_image       (PmEngine              *engine,
                                            const PmImage         *image);
gboolean     pm_sam_engine_has_fingerprint (PmEngine              *engine,
                                            const char            *fingerprint);
/* The same, and the embedding becomes the most recently used of the two kept. */
gboolean     pm_sam_engine_keep_fingerprint (PmEngine             *engine,
                                             const char           *fingerprint);
PmSamResult *pm_sam_engine_segment         (PmEngine              *engine,
                                            const PmImage         *image,
                                            const PmSamPrompt     *prompt,
                                            PmProgressFunc         progress,
                                            gpointer               progress_data,
                                            GCancellable          *cancellable,
                                            PmTimings             *timings,
                                            GError               **error);
PmSamResult *pm_sam_engine_segment_keyed   (PmEngine              *engine,
                                            const PmImage         *image,
                                            const char            *fingerprint,
                                            const PmSamPrompt     *prompt,
                                            PmSamSegmentFlags      flags,
                                            PmProgressFunc         progress,
                                            gpointer               progress_data,
                                            GCancellable          *cancellable,
                                            PmTimings             *timings,
                                            GError               **error);

/* The same in a GTask worker thread, on a copy of @image (and of @prompt's points).
 * @progress runs in the worker thread: use it only for thread-safe work. */
void         pm_sam_engine_encode_async    (PmEngine              *engine,
                                            const PmImage         *image,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data);
gboolean     pm_sam_engine_encode_finish   (PmEngine              *engine,
                                            GAsyncResult          *result,
                                            GError               **error);
void         pm_sam_engine_segment_async   (PmEngine              *engine,
                                            const PmImage         *image,
                                            const PmSamPrompt     *prompt,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data);
PmSamResult *pm_sam_engine_segment_finish  (PmEngine              *engine,
                                            GAsyncResult          *result,
                                            GError               **error);

void         pm_sam_engine_clear_cache     (PmEngine              *engine);
void         pm_sam_engine_get_stats       (PmEngine              *engine,
                                            PmSamEngineStats      *stats);
const char  *pm_sam_engine_get_model_dir   (PmEngine              *engine);
/* The model name reported with results (the folder's name). */
const char  *pm_sam_engine_get_model_name  (PmEngine              *engine);
gsize        pm_sam_engine_get_weights_bytes (PmEngine            *engine);
/* The loaded model (transfer none; use it only while holding no other engine call). */
PmSam       *pm_sam_engine_get_model       (PmEngine              *engine);

/* ---------------------------------------------------------------------------------------
 * Text → SAM: refining a CLIPSeg heatmap (the rule and its constants: pm-sam-refine.c)
 * ------------------------------------------------------------------------------------- */

typedef struct {
  gboolean asked;        /* the heatmap had a region, SAM was prompted */
  gboolean refined;      /* SAM's mask replaced CLIPSeg's */
  double   agreement;    /* IoU of SAM's best-agreeing mask with the heatmap's region */
  int      n_positive;   /* points of the prompt */
  int      n_negative;
  float    box[4];       /* the prompt's box, image pixels */
} PmSamRefineInfo;

gboolean     pm_sam_refine_logits          (PmEngine              *sam,
                                            const PmImage         *image,
                                            const float           *logits,
                                            int                    s,
                                            const PmInstruction   *instruction,
                                            PmMask               **soft_out,
                                            PmSamRefineInfo       *info,
                                            GCancellable          *cancellable,
                                            PmTimings             *timings,
                                            GError               **error);
/* Below this agreement CLIPSeg's own mask is kept (0.3). */
double       pm_sam_refine_min_agreement   (void);

/* The rule's two halves on their own (for tests and tools). */
#define PM_SAM_REFINE_MAX_POINTS 4
gboolean     pm_sam_refine_make_prompt     (const float           *logits,
                                            int                    s,
                                            int                    width,
                                            int                    height,
                                            const PmInstruction   *instruction,
                                            PmSamPoint            *points,
                                            PmSamPrompt           *prompt);
int          pm_sam_refine_choose          (const float           *logits,
                                            int                    s,
                                            const PmInstruction   *instruction,
                                            PmMask * const        *masks,
                                            int                    n,
                                            double                *agreement);

/* ---------------------------------------------------------------------------------------
 * A box or clicks → SAM: correcting a mask by hand (the box and click tools; GrabCut's
 * counterparts are in pm-mask-refine.h)
 * ------------------------------------------------------------------------------------- */

PmMask      *pm_sam_refine_box             (PmEngine              *sam,
                                            const PmImage         *image,
                                            const char            *fingerprint,
                                            const PmMask          *mask,
                                            const PmRect          *box,
                                            GCancellable          *cancellable,
                                            GError               **error);
PmMask      *pm_sam_refine_clicks          (PmEngine              *sam,
                                            const PmImage         *image,
                                            const char            *fingerprint,
                                            const PmMask          *mask,
                                            const PmClick         *clicks,
                                            gsize                  n_clicks,
                                            GCancellable          *cancellable,
                                            GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmSamResult, pm_sam_result_free)

G_END_DECLS
