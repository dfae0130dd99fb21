/* pm-pipeline.h: instruction → engine → colour edit → derived mask, for the CLI and the app.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-engine.h"
#include "pm-derive.h"

G_BEGIN_DECLS

typedef struct {
  gboolean has_color;      /* override the instruction's paint colour (--color) */
  PmRgb    color;
  gboolean has_highlight;  /* colour for "segment …" without a colour; default PM_COLOR_HIGHLIGHT_HEX */
  PmRgb    highlight;
} PmPipelineOptions;

void pm_pipeline_options_init (PmPipelineOptions *options);

/* What a run hands over. The masks, one meaning each everywhere (CLI files, --json, the
 * history's artifacts, the app):
 *   mask          the run's mask, binary 0/1: what the user gets. Local engines: the pixels
 *                 the engine painted with alpha > 0.5 (soft_mask > 0.5), exactly what the
 *                 engine found; remote engines and imported edits: derived_mask.
 *   soft_mask     the alpha of the edit, 0..1 in steps of 1/255: local engines: exactly the
 *                 weights the colour edit blended with (so where it is 0 the edit equals the
 *                 original bit for bit); remote engines and imports: the derived estimate.
 *   derived_mask  pm_mask_derive (original, edited): the mask read off the edit alone. For
 *                 local engines a check of the round trip (derived_iou); otherwise = mask.
 * An EMPTY result paints nothing: edited is a copy of the original and every mask is 0. */
typedef struct {
  PmInstruction *instruction;
  char          *engine;        /* engine name ("import" for pm_pipeline_import()) */
  char          *model;         /* may be NULL */
  char          *message;       /* engine message, may be NULL */
  PmRgb          color;         /* the paint colour used */
  PmResultState  state;         /* FOUND, GUESS or EMPTY (a failed run has no result) */
  PmImage       *edited;        /* the colour edit (or the remote engine's image, resampled) */
  PmMask        *mask;          /* see above; original size */
  PmMask        *soft_mask;
  PmMask        *derived_mask;
  double         derived_iou;   /* IoU of derived_mask with mask (1 when both are empty) */
  gint64         mask_pixels;   /* pixels in mask */
  double         mask_share;    /* mask_pixels / (width × height), 0..1 */
  PmTimings     *timings;       /* "parse", engine stages, "edit", "derive", "total" */
} PmPipelineResult;

void              pm_pipeline_result_free  (PmPipelineResult        *result);

/* Runs synchronously in the calling thread. */
PmPipelineResult *pm_pipeline_run          (PmEngine                *engine,
                                            const PmImage           *image,
                                            const char              *instruction,
                                            const PmPipelineOptions *options,
                                            PmProgressFunc           progress,
                                            gpointer                 progress_data,
                                            GCancellable            *cancellable,
                                            GError                 **error);

/* An edit made elsewhere (the app's "Import edited result", a generative editor's file):
 * checks that @edited is an edit of @image (pm_derive_check_edit()), resamples it, derives
 * the mask. @instruction (nullable) is what the edit was asked to do, for the record; the
 * paint colour is a hint when @options has one or @instruction names one. Engine "import",
 * state FOUND, or EMPTY when nothing changed (then edited is a copy of @image). */
PmPipelineResult *pm_pipeline_import       (const PmImage           *image,
                                            const PmImage           *edited,
                                            const char              *instruction,
                                            const PmPipelineOptions *options,
                                            GError                 **error);

/* Runs in a GTask worker thread on a copy of @image. @progress is invoked in the
 * thread-default main context of the caller (safe for widgets). */
void              pm_pipeline_run_async    (PmEngine                *engine,
                                            const PmImage           *image,
                                            const char              *instruction,
                                            const PmPipelineOptions *options,
                                            PmProgressFunc           progress,
                                            gpointer                 progress_data,
                                            GDestroyNotify           progress_destroy,
                                            GCancellable            *cancellable,
                                            GAsyncReadyCallback      callback,
                                            gpointer                 user_data);
PmPipelineResult *pm_pipeline_run_finish   (GAsyncResult            *result,
                                            GError                 **error);

/* The one way progress reaches a main context from a worker, for the app and for
 * pm_pipeline_run_async(): pm_progress_relay_post() is a PmProgressFunc that may be called
 * from any thread; it stores the newest (stage, fraction) and schedules at most one call of
 * the relay's function at a time in the main context that was thread-default when the relay
 * was made, always from that context's loop (never at once in the posting thread). */
typedef struct _PmProgressRelay PmProgressRelay;

PmProgressRelay  *pm_progress_relay_new    (PmProgressFunc           func,
                                            gpointer                 data,
                                            GDestroyNotify           destroy);
PmProgressRelay  *pm_progress_relay_ref    (PmProgressRelay         *relay);
void              pm_progress_relay_unref  (PmProgressRelay         *relay);
void              pm_progress_relay_post   (const char              *stage,
                                            double                   fraction,
                                            gpointer                 data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmPipelineResult, pm_pipeline_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmProgressRelay, pm_progress_relay_unref)

G_END_DECLS
