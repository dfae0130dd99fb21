/* pm-run-job.h: the document's worker jobs: loading a photo, running an instruction,
 * deriving the mask of an edit made elsewhere.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No widgets (GIO only). Each job is a GTask in a worker thread over immutable, shared
 * inputs (a PmPhoto, a PmRunEntry's edit): nothing is copied on the main thread. Progress
 * reaches the caller's main context through the pipeline's PmProgressRelay only.
 */
#pragma once

#include <gio/gio.h>
#include "pm-engines.h"
#include "pm-pipeline.h"
#include "pm-run-entry.h"

G_BEGIN_DECLS

void              pm_load_job_async     (GFile                   *file,
                                         GCancellable            *cancellable,
                                         GAsyncReadyCallback      callback,
                                         gpointer                 user_data);
PmImage          *pm_load_job_finish    (GAsyncResult            *result,
                                         GError                 **error);

/* Runs @instruction on @input's edit, or on @photo when @input is NULL. */
void              pm_run_job_async      (PmEngineRequest         *engine,
                                         PmPhoto                 *photo,
                                         PmRunEntry              *input,
                                         const char              *instruction,
                                         const PmPipelineOptions *options,
                                         PmProgressRelay         *progress,
                                         GCancellable            *cancellable,
                                         GAsyncReadyCallback      callback,
                                         gpointer                 user_data);
/* *@engine receives the engine the run used (for pm_engine_request_done()), even when the
 * run failed after making it. */
PmPipelineResult *pm_run_job_finish     (GAsyncResult            *result,
                                         PmEngine               **engine,
                                         GError                 **error);

/* pm_pipeline_import() of @file, an edit of @photo made elsewhere, recorded as
 * @instruction: checked to be an edit of it, resampled, its mask derived. */
void              pm_import_job_async   (PmPhoto                 *photo,
                                         GFile                   *file,
                                         const char              *instruction,
                                         GCancellable            *cancellable,
                                         GAsyncReadyCallback      callback,
                                         gpointer                 user_data);
PmPipelineResult *pm_import_job_finish  (GAsyncResult            *result,
                                         GError                 **error);

/* The files Export writes, in this order: "<stem>-edited.png", "<stem>-mask.png" (0/255),
 * "<stem>-soft-mask.png" (0..255). */
#define PM_EXPORT_N_FILES 3
extern const char * const pm_export_suffixes[PM_EXPORT_N_FILES];

/* Writes @entry's edit (or @edited, taken, if not NULL), @mask and its soft mask (@mask
 * itself once corrected) to @paths, each first as "PATH.part", renamed when all three are
 * written. */
void              pm_export_job_async   (PmRunEntry              *entry,
                                         PmSharedMask            *mask,
                                         PmImage                 *edited,
                                         char                   **paths,
                                         GCancellable            *cancellable,
                                         GAsyncReadyCallback      callback,
                                         gpointer                 user_data);
gboolean          pm_export_job_finish  (GAsyncResult            *result,
                                         GError                 **error);

G_END_DECLS
