/* pm-stage-packer.h: a thread that prepares a model's weights stage by stage (packing them
 * for the kernels) while the model is already in use, and the waits for one stage.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A model numbers its stages 0 … n − 1 in the order its calls need them. The packer runs
 * them in that order in its own thread; a call waits for the stage it is about to use,
 * so the load returns as soon as the files are checked and the first call overlaps the
 * packing of the later stages. Freeing the packer stops it between two stages and joins
 * the thread, so a model may be freed while it is packing.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _PmStagePacker PmStagePacker;

/**
 * PmStagePackFunc:
 * @model: the model given to pm_stage_packer_new ()
 * @stage: the stage to pack, 0 … n − 1, each once and in order
 * @error: return location
 *
 * Runs in the packer's thread (or in the caller's, if no thread could be started). The
 * stages before @stage are done; nothing else writes what a stage fills in.
 *
 * Returns: FALSE with @error set to stop packing: waits for this stage or a later one
 *   then fail with that error.
 */
typedef gboolean (*PmStagePackFunc) (gpointer   model,
                                     int        stage,
                                     GError   **error);

/**
 * PmStageReleaseFunc:
 * @model: the model
 * @stage: a stage that is done
 *
 * Gives back what @stage no longer needs (the mapped pages of the weights it copied).
 * Called once @stage is packed, again once the next stage is, and once more when all are
 * done: reading a stage's weights may map the ends of its neighbours in the file again.
 */
typedef void (*PmStageReleaseFunc) (gpointer model,
                                    int      stage);

PmStagePacker *pm_stage_packer_new          (const char          *name,
                                             int                  n_stages,
                                             PmStagePackFunc      pack_stage,
                                             PmStageReleaseFunc   release_stage,
                                             gpointer             model);
void           pm_stage_packer_free         (PmStagePacker       *packer);

gboolean       pm_stage_packer_wait         (PmStagePacker       *packer,
                                             int                  stage,
                                             GCancellable        *cancellable,
                                             GError             **error);
int            pm_stage_packer_get_n_stages (PmStagePacker       *packer);
double         pm_stage_packer_get_pack_ms  (PmStagePacker       *packer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmStagePacker, pm_stage_packer_free)

G_END_DECLS
