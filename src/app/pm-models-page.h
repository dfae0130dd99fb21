/* pm-models-page.h: the Models page of Preferences: each known model with its status, size
 * and licence, and Download (with progress and Cancel), Verify and Remove.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include "pm-model-manager.h"

G_BEGIN_DECLS

#define PM_TYPE_MODELS_PAGE (pm_models_page_get_type ())
G_DECLARE_FINAL_TYPE (PmModelsPage, pm_models_page, PM, MODELS_PAGE, AdwPreferencesPage)

GtkWidget      *pm_models_page_new          (PmModelManager *manager);
PmModelManager *pm_models_page_get_manager  (PmModelsPage   *self);
/* The row of model @name (an AdwActionRow), for focusing it and for tests. */
GtkWidget      *pm_models_page_get_row      (PmModelsPage   *self,
                                             const char     *name);
/* The row's status line as shown ("Installed · 604.6 MB · Apache-2.0"). */
const char     *pm_models_page_get_status_text (PmModelsPage *self,
                                                const char   *name);
/* The row's button for @what ("download", "verify", "remove", "cancel"), for tests. */
GtkWidget      *pm_models_page_get_button   (PmModelsPage   *self,
                                             const char     *name,
                                             const char     *what);

G_END_DECLS
