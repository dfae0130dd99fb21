/* pm-cli-batch-private.h: what the two halves of `paintmask batch` share: the plan
 * (pm-cli-batch.c) and the workers that carry it out (pm-cli-batch-run.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-cli-dataset.h"
#include "pm-pipeline.h"

G_BEGIN_DECLS

#define PM_BATCH_COMMAND "batch"

typedef struct {
  PmCliEngineArgs engine;
  char          **labels;
  char           *instruction;
  char           *db;
  char           *coco;
  char           *masks;
  char           *yolo;
  int             jobs;
  gboolean        redo;
  gboolean        polygons;
  gboolean        json;
  gboolean        quiet;
} PmBatchArgs;

/* One label as the workers need it (immutable while they run). */
typedef struct {
  gint64  id;
  char   *name;
  char   *instruction;   /* expanded */
  char   *engine;
  char   *params_json;
} PmBatchLabel;

/* An image to draft, and what came of it. */
typedef struct {
  gint64      image_id;
  char       *path;       /* relative to the root */
  char       *file;
  GArray     *labels;     /* of guint: indices of the labels to draft */
  gboolean    replace;
  /* results, filled by a worker */
  char       *error;      /* the image could not be read */
  GPtrArray  *drafts;     /* one per label tried (private to pm-cli-batch-run.c) */
  GBytes     *thumbnail;
  int         width, height;
} PmBatchJob;

typedef struct {
  PmBatchArgs     *args;
  GPtrArray       *labels;      /* of PmBatchLabel */
  int              threads;     /* compute threads per engine; 0 = the engine's default */
} PmBatchWork;

typedef struct {
  guint      n_done;       /* images finished (drafted or failed) */
  guint      n_drafts;
  GPtrArray *failures;     /* one line per failed image */
  GPtrArray *failed;       /* their paths (borrowed from the jobs) */
  double     elapsed_s;
} PmBatchOutcome;

void      pm_batch_label_free   (PmBatchLabel  *label);
void      pm_batch_job_free     (PmBatchJob    *job);
char     *pm_batch_node_to_string (JsonNode    *node);   /* takes @node */
/* The engine @name for one thread, created on first use and kept in @engines. */
PmEngine *pm_batch_engine       (PmBatchWork   *work,
                                 GHashTable    *engines,
                                 const char    *name,
                                 GError       **error);
/* Drafts @jobs on work->args->jobs threads and stores each result as it comes, with a
 * progress line. FALSE if the database failed (the error is printed). */
gboolean  pm_batch_run_jobs     (PmStore        *store,
                                 PmBatchWork    *work,
                                 GPtrArray      *jobs,
                                 PmBatchOutcome *outcome);

G_END_DECLS
