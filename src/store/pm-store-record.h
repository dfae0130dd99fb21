/* pm-store-record.h: recording a run (a pipeline result, a failure or an import) in the
 * history, the one way the CLI and the app both do it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-pipeline.h"
#include "pm-store.h"

G_BEGIN_DECLS

/* What the caller knows about a run besides its result. */
typedef struct {
  const PmImage *image;          /* the original; its session is found or created … */
  gint64         session_id;     /* … unless this is > 0 (a session the caller knows) */
  const char    *source_path;    /* nullable: where @image came from, for a new session */
  gint64         parent_run_id;  /* the run whose result this one started from; 0 = none */
  const char    *instruction;    /* as typed */
  const char    *engine;         /* the engine's name, for a failure (a result has its own) */
  const char    *params_json;    /* nullable: the options that shaped the run, a JSON object */
  gint64         started_at;     /* unix microseconds; 0 = now */
  double         duration_ms;    /* wall time; < 0: the result's "total" timing, or for a
                                  * failure the time since @started_at */
} PmRunRequest;

gint64 pm_store_record_run (PmStore                *store,
                            const PmRunRequest     *request,
                            const PmPipelineResult *result,
                            const GError           *failure,
                            gint64                 *session_id_out,
                            GError                **error);

G_END_DECLS
