/* pm-model-manager.h: the models the app knows, their status, and downloads, verification
 * and removal in worker threads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include "pm-model.h"

G_BEGIN_DECLS

/* What the manager is doing with a model. */
typedef enum {
  PM_MODEL_TASK_NONE,
  PM_MODEL_TASK_CHECKING,
  PM_MODEL_TASK_DOWNLOADING,
  PM_MODEL_TASK_VERIFYING,
  PM_MODEL_TASK_REMOVING,
} PmModelTask;

#define PM_TYPE_MODEL_MANAGER (pm_model_manager_get_type ())
G_DECLARE_FINAL_TYPE (PmModelManager, pm_model_manager, PM, MODEL_MANAGER, GObject)

PmModelManager    *pm_model_manager_new           (const char          *models_dir);
PmModelManager    *pm_model_manager_new_for_specs (const PmModelSpec * const *specs,
                                                   const char          *models_dir);
guint              pm_model_manager_get_n_models  (PmModelManager      *self);
const PmModelSpec *pm_model_manager_get_spec      (PmModelManager      *self,
                                                   guint                index);
char              *pm_model_manager_get_dir       (PmModelManager      *self,
                                                   const char          *name);
PmModelStatus      pm_model_manager_get_status    (PmModelManager      *self,
                                                   const char          *name);
const char        *pm_model_manager_get_detail    (PmModelManager      *self,
                                                   const char          *name);
const char        *pm_model_manager_get_error     (PmModelManager      *self,
                                                   const char          *name);
PmModelTask        pm_model_manager_get_task      (PmModelManager      *self,
                                                   const char          *name);
double             pm_model_manager_get_progress  (PmModelManager      *self,
                                                   const char          *name,
                                                   gint64              *done,
                                                   gint64              *total);
gboolean           pm_model_manager_is_checked    (PmModelManager      *self);
void               pm_model_manager_refresh       (PmModelManager      *self);
void               pm_model_manager_download      (PmModelManager      *self,
                                                   const char          *name);
void               pm_model_manager_verify        (PmModelManager      *self,
                                                   const char          *name);
void               pm_model_manager_remove        (PmModelManager      *self,
                                                   const char          *name);
void               pm_model_manager_cancel        (PmModelManager      *self,
                                                   const char          *name);
void               pm_model_manager_cancel_all    (PmModelManager      *self);

G_END_DECLS
