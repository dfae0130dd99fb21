/* pm-pipeline-private.h: what pm-pipeline.c and pm-pipeline-list.c share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-pipeline.h"

G_BEGIN_DECLS

/* Share of the overall progress given to each step. The engine dominates the run time,
 * so it gets most of the bar; parsing is instant. */
#define PROGRESS_ENGINE_START 0.02
#define PROGRESS_ENGINE_END   0.85
#define PROGRESS_PAINT_END    0.90

/* Maps stage reports onto one bar for the whole run. */
typedef struct {
  PmProgressFunc func;
  gpointer       data;
  double         last;
} PmProgressMap;

void              pm_pipeline_progress       (PmProgressMap           *map,
                                              const char              *stage,
                                              double                   fraction);
PmPipelineResult *pm_pipeline_result_new     (const char              *engine,
                                              const char              *instruction,
                                              const PmPipelineOptions *options);
gboolean          pm_pipeline_check_image    (const PmImage           *image,
                                              GError                 **error);
/* Sets the run's mask (taken), its size and state: EMPTY when the mask has no pixels. */
void              pm_pipeline_set_mask       (PmPipelineResult        *result,
                                              PmMask                  *mask,
                                              PmResultState            state);
/* Nothing painted: the edit is the original, every mask 0, state EMPTY. */
void              pm_pipeline_make_empty     (PmPipelineResult        *result,
                                              const PmImage           *image);

/* Lists (pm-pipeline-list.c). */
gboolean          pm_pipeline_run_list       (PmPipelineResult        *result,
                                              PmEngine                *engine,
                                              const PmImage           *image,
                                              const PmPipelineOptions *options,
                                              PmProgressMap           *map,
                                              GCancellable            *cancellable,
                                              GError                 **error);
gboolean          pm_pipeline_import_list    (PmPipelineResult        *result,
                                              const PmImage           *image,
                                              const PmPipelineOptions *options,
                                              GError                 **error);
/* A single-object run's items[0], its masks borrowed from the run. */
void              pm_pipeline_result_set_single_item (PmPipelineResult *result);
void              pm_pipeline_result_clear_items     (PmPipelineResult *result);

G_END_DECLS
