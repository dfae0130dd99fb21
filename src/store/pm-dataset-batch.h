/* pm-dataset-batch.h: drafting a dataset project: every (image, label) without a draft gets
 * one, resumably, on worker threads; the same code for `paintmask batch` and the app.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pm_dataset_batch_run() scans the project folder (new images are added), plans the
 * (image, label) pairs to draft (with @redo also those already drafted on images not yet
 * reviewed or rejected), runs the pipeline on @jobs worker threads (each owns its engines;
 * one image at a time per worker, all its labels) and stores each draft in its own
 * transaction from the calling thread, which owns @store. Killed at any moment, a later run
 * finds every finished draft and does only what is missing.
 *
 * The calling thread may be any thread (the CLI's main thread, a GTask thread of the app);
 * the callbacks are called from it. A #PmDatasetBatchControl pauses (no new image is
 * started; those under way finish and are stored) and cancels (the engines stop at their
 * next check; unfinished images are left for the next run) from any thread.
 */
#pragma once

#include "pm-engine.h"
#include "pm-store-dataset.h"

G_BEGIN_DECLS

typedef struct {
  const char          *root;          /* the project folder */
  const char * const  *labels;        /* NULL-terminated; NULL: every label of the project */
  const char          *instruction;   /* nullable: new template for these labels */
  const char          *engine;        /* nullable: new engine for these labels */
  const PmEngineOptions *engine_options; /* nullable: model folder, endpoint, threads … */
  int                  jobs;          /* worker threads, ≥ 1 */
  gboolean             redo;
  const char * const  *skip_dirs;     /* nullable, NULL-terminated: folders not to scan */
  gboolean             one_edit;      /* draft an image's labels in one edit: their
                                       * instructions joined into one list (one generation
                                       * per image with a remote engine) */
} PmDatasetBatchOptions;

typedef struct {
  /* After planning: how many images will be drafted, skipped, and were new. */
  void (*planned)    (guint       n_to_draft,
                      guint       n_skipped,
                      guint       n_added,
                      gpointer    user_data);
  /* After each image is stored (or failed: @error is its one-line reason). */
  void (*image_done) (const char *path,
                      const char *error,
                      guint       done,
                      guint       total,
                      gpointer    user_data);
} PmDatasetBatchCallbacks;

typedef struct {
  gint64     project_id;
  guint      n_added;        /* images new in the folder */
  guint      n_to_draft;     /* images with something to draft */
  guint      n_skipped;      /* images with nothing to draft (or rejected) */
  guint      n_done;         /* images finished (drafted or failed) */
  guint      n_drafts;       /* drafts stored */
  GPtrArray *failures;       /* one line per failed image */
  GPtrArray *failed_paths;   /* their paths */
  double     elapsed_s;      /* drafting, from the first job to the last */
  gboolean   cancelled;
} PmDatasetBatchReport;

typedef struct _PmDatasetBatchControl PmDatasetBatchControl;

PmDatasetBatchControl *pm_dataset_batch_control_new    (void);
void                   pm_dataset_batch_control_free   (PmDatasetBatchControl *control);
void                   pm_dataset_batch_control_pause  (PmDatasetBatchControl *control,
                                                        gboolean               paused);
gboolean               pm_dataset_batch_control_get_paused (PmDatasetBatchControl *control);
void                   pm_dataset_batch_control_cancel (PmDatasetBatchControl *control);
GCancellable          *pm_dataset_batch_control_get_cancellable (PmDatasetBatchControl *control);

/* Adds the images under @root the project does not have yet (as a batch run does first). */
gboolean  pm_dataset_add_folder         (PmStore                       *store,
                                         gint64                         project_id,
                                         const char                    *root,
                                         const char * const            *skip_dirs,
                                         guint                         *n_added,
                                         GError                       **error);

void      pm_dataset_batch_report_init  (PmDatasetBatchReport          *report);
void      pm_dataset_batch_report_clear (PmDatasetBatchReport          *report);

/* Ensures the project and its labels (checking every engine can start), then drafts. FALSE
 * with @error for a bad label or template, an engine that cannot start, or a database
 * failure (drafts stored until then stay); a failed image is not an error but a line in
 * @report->failures. */
gboolean  pm_dataset_batch_run          (PmStore                       *store,
                                         const PmDatasetBatchOptions   *options,
                                         const PmDatasetBatchCallbacks *callbacks,
                                         gpointer                       user_data,
                                         PmDatasetBatchControl         *control,
                                         PmDatasetBatchReport          *report,
                                         GError                       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmDatasetBatchControl, pm_dataset_batch_control_free)

G_END_DECLS
