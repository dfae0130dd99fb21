/* pm-application.h: the Paintmask application: windows, settings, the history store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include "pm-app-store.h"
#include "pm-engines.h"
#include "pm-model-manager.h"

G_BEGIN_DECLS

#define PM_TYPE_APPLICATION (pm_application_get_type ())
G_DECLARE_FINAL_TYPE (PmApplication, pm_application, PM, APPLICATION, AdwApplication)

PmApplication *pm_application_new          (GApplicationFlags  extra_flags);
GSettings     *pm_application_get_settings (PmApplication     *self);
PmAppStore    *pm_application_get_store    (PmApplication     *self);
PmEngines     *pm_application_get_engines  (PmApplication     *self);
PmModelManager *pm_application_get_models  (PmApplication     *self);

G_END_DECLS
