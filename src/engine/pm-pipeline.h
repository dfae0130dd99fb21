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

typedef struct {
  PmInstruction *instruction;
  char          *engine;        /* engine name */
  char          *model;         /* may be NULL */
  char          *message;       /* engine message, may be NULL */
  PmRgb          color;         /* the paint colour used */
  PmImage       *edited;        /* the colour edit (or the remote engine's image, resampled) */
  PmMask        *engine_mask;   /* the engine's soft mask (NULL for remote engines) */
  PmMask        *mask;          /* derived binary mask (0/1), original size */
  PmMask        *soft_mask;     /* derived soft mask (0..1), original size */
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
