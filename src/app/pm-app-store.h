/* pm-app-store.h: the app's history store, owned by one worker thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include "pm-store.h"

G_BEGIN_DECLS

#define PM_TYPE_APP_STORE (pm_app_store_get_type ())
G_DECLARE_FINAL_TYPE (PmAppStore, pm_app_store, PM, APP_STORE, GObject)

/* Runs in the store thread with the open connection. Returns a result for
 * pm_app_store_call_finish() (may be NULL on success), or NULL with @error set. */
typedef gpointer (*PmAppStoreFunc) (PmStore  *store,
                                    gpointer  data,
                                    GError  **error);

PmAppStore *pm_app_store_new          (const char          *path);
const char *pm_app_store_get_path     (PmAppStore          *self);
void        pm_app_store_call_async   (PmAppStore          *self,
                                       PmAppStoreFunc       func,
                                       gpointer             data,
                                       GDestroyNotify       data_free,
                                       GDestroyNotify       result_free,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
gpointer    pm_app_store_call_finish  (PmAppStore          *self,
                                       GAsyncResult        *result,
                                       GError             **error);

G_END_DECLS
