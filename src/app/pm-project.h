/* pm-project.h: a dataset project opened in the app: its images as a list model with their
 * review status and drafts, status changes saved to the history, and background drafting.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No widgets (GIO only). The filmstrip shows pm_project_get_model(); the window opens the
 * selected image's draft in its PmDocument. Reads and writes go through the app's store
 * thread (PmAppStore); a batch run (pm_dataset_batch_run()) has a connection of its own on a
 * thread of its own, and each image it finishes is read back into its item.
 */
#pragma once

#include <gio/gio.h>
#include "pm-app-store.h"
#include "pm-dataset-batch.h"

G_BEGIN_DECLS

/* ---------------------------------------------------------------- one image */

#define PM_TYPE_PROJECT_ITEM (pm_project_item_get_type ())
G_DECLARE_FINAL_TYPE (PmProjectItem, pm_project_item, PM, PROJECT_ITEM, GObject)

gint64         pm_project_item_get_id         (PmProjectItem *self);
const char    *pm_project_item_get_path       (PmProjectItem *self);
const char    *pm_project_item_get_file       (PmProjectItem *self);
PmImageStatus  pm_project_item_get_status     (PmProjectItem *self);
const char    *pm_project_item_get_error      (PmProjectItem *self);
/* The run of the draft of the label at @position, or 0 if it has none. */
gint64         pm_project_item_get_draft      (PmProjectItem *self,
                                               guint          position);
/* Bit n set: the label at position n has a draft. */
guint64        pm_project_item_get_drafted_labels (PmProjectItem *self);

/* ---------------------------------------------------------------- the project */

#define PM_TYPE_PROJECT (pm_project_get_type ())
G_DECLARE_FINAL_TYPE (PmProject, pm_project, PM, PROJECT, GObject)

PmProject     *pm_project_new                 (PmAppStore          *store);
void           pm_project_open_async          (PmProject           *self,
                                               const char          *root,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean       pm_project_open_finish         (PmProject           *self,
                                               GAsyncResult        *result,
                                               GError             **error);
const char    *pm_project_get_root            (PmProject           *self);
gint64         pm_project_get_id              (PmProject           *self);
GListModel    *pm_project_get_model           (PmProject           *self);
PmAppStore    *pm_project_get_store           (PmProject           *self);
GPtrArray     *pm_project_get_labels          (PmProject           *self); /* of PmLabelInfo */
PmProjectItem *pm_project_find_item           (PmProject           *self,
                                               gint64               image_id);
void           pm_project_set_status          (PmProject           *self,
                                               PmProjectItem       *item,
                                               PmImageStatus        status);
/* Reads the labels and every image's status and drafts again (items are kept). */
void           pm_project_refresh             (PmProject           *self);

/* ---------------------------------------------------------------- drafting */

/* Starts drafting every image for @labels (NULL-terminated names; NULL: the project's) with
 * @engine (nullable: each label's) in the background; FALSE with @error if one runs. */
gboolean       pm_project_start_batch         (PmProject           *self,
                                               const char * const  *labels,
                                               const char          *engine,
                                               const PmEngineOptions *options,
                                               GError             **error);
void           pm_project_pause_batch         (PmProject           *self,
                                               gboolean             paused);
void           pm_project_cancel_batch        (PmProject           *self);
gboolean       pm_project_get_batch_running   (PmProject           *self);
gboolean       pm_project_get_batch_paused    (PmProject           *self);
void           pm_project_get_batch_progress  (PmProject           *self,
                                               guint               *done,
                                               guint               *total);

G_END_DECLS
