/* pm-engines.h: which engines can run, from the settings; the loaded engines they share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No widgets (GIO only). Checking an engine never loads weights or asks the keyring: the
 * CLIPSeg folder is checked for completeness, the remote engine for an endpoint. A run
 * gets a PmEngineRequest, and its worker turns it into an engine: CLIPSeg is loaded there
 * once and then kept; the remote engine is made afresh for every run, in the worker, so
 * its key (libsecret) is never looked up on the main thread and a key saved in Preferences
 * is used by the next run.
 */
#pragma once

#include <gio/gio.h>
#include "pm-engine.h"
#include "pm-model-manager.h"

G_BEGIN_DECLS

#define PM_TYPE_ENGINES (pm_engines_get_type ())
G_DECLARE_FINAL_TYPE (PmEngines, pm_engines, PM, ENGINES, GObject)

/* What a run's worker needs to get its engine (atomic rc box; immutable). */
typedef struct _PmEngineRequest PmEngineRequest;

PmEngines       *pm_engines_new              (GSettings        *settings);
const char * const *pm_engines_list          (PmEngines        *self);
gboolean         pm_engines_check            (PmEngines        *self,
                                              const char       *name,
                                              GError          **error);
const char      *pm_engines_get_label        (const char       *name);
const char      *pm_engines_get_hint         (const char       *name);
const char      *pm_engines_get_default      (PmEngines        *self);
int              pm_engines_get_threads      (PmEngines        *self);
gboolean         pm_engines_get_sam_refine   (PmEngines        *self);
void             pm_engines_set_models       (PmEngines        *self,
                                              PmModelManager   *models);
void             pm_engines_set_override     (PmEngines        *self,
                                              PmEngine         *engine);
gboolean         pm_engines_has_override     (PmEngines        *self);
PmEngine        *pm_engines_get_loaded       (PmEngines        *self,
                                              const char       *name);
PmEngineRequest *pm_engines_request          (PmEngines        *self,
                                              const char       *name,
                                              GError          **error);

PmEngineRequest *pm_engine_request_ref       (PmEngineRequest  *request);
void             pm_engine_request_unref     (PmEngineRequest  *request);
const char      *pm_engine_request_get_name  (PmEngineRequest  *request);
/* In a worker: the engine (new reference), made now if the request holds none. */
PmEngine        *pm_engine_request_get_engine (PmEngineRequest *request,
                                              GError          **error);
/* On the main thread, after a run: keeps @engine for later runs if it may be shared and the
 * settings did not change meanwhile. */
void             pm_engine_request_done      (PmEngineRequest  *request,
                                              PmEngine         *engine);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmEngineRequest, pm_engine_request_unref)

G_END_DECLS
