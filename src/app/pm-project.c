/* pm-project.c: a dataset project opened in the app (see pm-project.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-project"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-project-private.h"

/* ================================================================ PmProjectItem */

struct _PmProjectItem
{
  GObject        parent_instance;

  gint64         id;
  char          *path;
  char          *file;
  PmImageStatus  status;
  char          *error;
  GArray        *drafts;   /* of gint64: run id per label position, 0 = none */
};

G_DEFINE_FINAL_TYPE (PmProjectItem, pm_project_item, G_TYPE_OBJECT)

enum { ITEM_PROP_0, ITEM_PROP_STATUS, ITEM_N_PROPS };
static GParamSpec *item_props[ITEM_N_PROPS];

static void
pm_project_item_finalize (GObject *object)
{
  PmProjectItem *self = PM_PROJECT_ITEM (object);

  g_free (self->path);
  g_free (self->file);
  g_free (self->error);
  g_array_unref (self->drafts);
  G_OBJECT_CLASS (pm_project_item_parent_class)->finalize (object);
}

static void
pm_project_item_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  PmProjectItem *self = PM_PROJECT_ITEM (object);

  if (prop_id == ITEM_PROP_STATUS)
    g_value_set_int (value, self->status);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
pm_project_item_class_init (PmProjectItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pm_project_item_finalize;
  object_class->get_property = pm_project_item_get_property;
  /* Notified when the status, the error or the drafts change. */
  item_props[ITEM_PROP_STATUS] =
    g_param_spec_int ("status", NULL, NULL, PM_IMAGE_STATUS_TODO, PM_IMAGE_STATUS_REJECTED,
                      PM_IMAGE_STATUS_TODO, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ITEM_N_PROPS, item_props);
}

static void
pm_project_item_init (PmProjectItem *self)
{
  self->drafts = g_array_new (FALSE, TRUE, sizeof (gint64));
}

gint64
pm_project_item_get_id (PmProjectItem *self)
{
  g_return_val_if_fail (PM_IS_PROJECT_ITEM (self), 0);
  return self->id;
}

const char *
pm_project_item_get_path (PmProjectItem *self)
{
  g_return_val_if_fail (PM_IS_PROJECT_ITEM (self), NULL);
  return self->path;
}

/**
 * pm_project_item_get_file:
 *
 * Returns: (transfer none): the image's file (the project root + its path)
 */
const char *
pm_project_item_get_file (PmProjectItem *self)
{
  g_return_val_if_fail (PM_IS_PROJECT_ITEM (self), NULL);
  return self->file;
}

PmImageStatus
pm_project_item_get_status (PmProjectItem *self)
{
  g_return_val_if_fail (PM_IS_PROJECT_ITEM (self), PM_IMAGE_STATUS_TODO);
  return self->status;
}

const char *
pm_project_item_get_error (PmProjectItem *self)
{
  g_return_val_if_fail (PM_IS_PROJECT_ITEM (self), NULL);
  return self->error;
}

/**
 * pm_project_item_get_draft:
 * @position: a label's position in the project
 *
 * Returns: the run of the image's draft for that label, or 0 if there is none
 */
gint64
pm_project_item_get_draft (PmProjectItem *self,
                           guint          position)
{
  g_return_val_if_fail (PM_IS_PROJECT_ITEM (self), 0);
  return position < self->drafts->len ? g_array_index (self->drafts, gint64, position) : 0;
}

guint64
pm_project_item_get_drafted_labels (PmProjectItem *self)
{
  guint64 bits = 0;

  g_return_val_if_fail (PM_IS_PROJECT_ITEM (self), 0);
  for (guint i = 0; i < self->drafts->len && i < 64; i++)
    if (g_array_index (self->drafts, gint64, i) > 0)
      bits |= G_GUINT64_CONSTANT (1) << i;
  return bits;
}

/* ================================================================ PmProject */

G_DEFINE_FINAL_TYPE (PmProject, pm_project, G_TYPE_OBJECT)

enum {
  SIGNAL_LABELS_CHANGED,
  SIGNAL_MESSAGE,
  SIGNAL_BATCH_CHANGED,
  SIGNAL_BATCH_FINISHED,
  SIGNAL_STATUSES_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

/* What the store thread reads for the project. */
typedef struct {
  gint64     project_id;
  guint      n_added;
  GPtrArray *labels;   /* of PmLabelInfo */
  GPtrArray *images;   /* of PmProjectImage */
  GArray    *drafts;   /* of PmDraftInfo */
} Snapshot;

static void
snapshot_free (Snapshot *snap)
{
  g_clear_pointer (&snap->labels, g_ptr_array_unref);
  g_clear_pointer (&snap->images, g_ptr_array_unref);
  g_clear_pointer (&snap->drafts, g_array_unref);
  g_free (snap);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Snapshot, snapshot_free)

typedef struct {
  char    *root;
  gint64   project_id;   /* 0: find or create the project of @root and scan its folder */
  gint64   image_id;     /* > 0: only this image */
} SnapshotJob;

static void
snapshot_job_free (SnapshotJob *job)
{
  g_free (job->root);
  g_free (job);
}

static gpointer
snapshot_func (PmStore  *store,
               gpointer  data,
               GError  **error)
{
  SnapshotJob *job = data;
  g_autoptr(Snapshot) snap = g_new0 (Snapshot, 1);

  snap->project_id = job->project_id;
  if (snap->project_id == 0)
    {
      snap->project_id = pm_store_ensure_project (store, job->root, error);
      if (snap->project_id == 0 ||
          !pm_dataset_add_folder (store, snap->project_id, job->root, NULL, &snap->n_added,
                                  error))
        return NULL;
    }
  if (job->image_id > 0)
    {
      PmProjectImage *image = pm_store_get_project_image (store, job->image_id, error);

      if (image == NULL)
        return NULL;
      snap->images = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_project_image_free);
      g_ptr_array_add (snap->images, image);
    }
  else
    {
      snap->labels = pm_store_list_labels (store, snap->project_id, error);
      if (snap->labels == NULL)
        return NULL;
      snap->images = pm_store_list_project_images (store, snap->project_id, 0, 0, error);
      if (snap->images == NULL)
        return NULL;
    }
  snap->drafts = pm_store_list_drafts (store, snap->project_id, job->image_id, 0, error);
  if (snap->drafts == NULL)
    return NULL;
  return g_steal_pointer (&snap);
}

static void
call_snapshot (PmProject           *self,
               gint64               image_id,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  SnapshotJob *job = g_new0 (SnapshotJob, 1);

  job->root = g_strdup (self->root);
  job->project_id = self->id;
  job->image_id = image_id;
  pm_app_store_call_async (self->store, snapshot_func, job, (GDestroyNotify) snapshot_job_free,
                           (GDestroyNotify) snapshot_free, cancellable, callback, user_data);
}

/* ---------------------------------------------------------------- applying a snapshot */

static guint
label_position (PmProject *self,
                gint64     label_id)
{
  for (guint i = 0; i < self->labels->len; i++)
    if (((PmLabelInfo *) self->labels->pdata[i])->id == label_id)
      return ((PmLabelInfo *) self->labels->pdata[i])->position;
  return G_MAXUINT;
}

/* Updates (or makes) the item of @image; TRUE if it is new. Its drafts are cleared. */
static gboolean
update_item (PmProject       *self,
             PmProjectImage  *image,
             PmProjectItem  **out)
{
  PmProjectItem *item = g_hash_table_lookup (self->by_id, &image->id);
  gboolean is_new = item == NULL;

  if (is_new)
    {
      item = g_object_new (PM_TYPE_PROJECT_ITEM, NULL);
      item->id = image->id;
      item->path = g_strdup (image->path);
      item->file = g_build_filename (self->root, image->path, NULL);
    }
  item->status = image->status;
  g_free (item->error);
  item->error = g_strdup (image->error);
  g_array_set_size (item->drafts, 0);
  *out = item;
  return is_new;
}

static void
apply_drafts (PmProject *self,
              GArray    *drafts)
{
  for (guint i = 0; i < drafts->len; i++)
    {
      PmDraftInfo *d = &g_array_index (drafts, PmDraftInfo, i);
      PmProjectItem *item = g_hash_table_lookup (self->by_id, &d->image_id);
      guint pos = label_position (self, d->label_id);

      if (item == NULL || pos == G_MAXUINT)
        continue;
      if (item->drafts->len <= pos)
        g_array_set_size (item->drafts, pos + 1);
      g_array_index (item->drafts, gint64, pos) = d->run_id;
    }
}

static void
apply_snapshot (PmProject *self,
                Snapshot  *snap)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) changed = g_ptr_array_new ();
  gboolean rebuild = FALSE;

  if (snap->labels != NULL)
    {
      gboolean labels_changed = self->labels->len != snap->labels->len;

      g_ptr_array_unref (self->labels);
      self->labels = g_steal_pointer (&snap->labels);
      if (labels_changed)
        g_signal_emit (self, signals[SIGNAL_LABELS_CHANGED], 0);
    }
  for (guint i = 0; i < snap->images->len; i++)
    {
      PmProjectItem *item;

      if (update_item (self, snap->images->pdata[i], &item))
        {
          rebuild = TRUE;
          g_hash_table_insert (self->by_id, &item->id, item);
          g_ptr_array_add (items, item);
        }
      else
        g_ptr_array_add (items, g_object_ref (item));
      g_ptr_array_add (changed, item);
    }
  apply_drafts (self, snap->drafts);
  /* A whole reading that found new images lays the list out again, in path order. */
  if (rebuild && snap->labels == NULL && snap->images->len == 1)
    g_list_store_append (self->items, items->pdata[0]);
  else if (rebuild)
    g_list_store_splice (self->items, 0, g_list_model_get_n_items (G_LIST_MODEL (self->items)),
                         items->pdata, items->len);
  for (guint i = 0; i < changed->len; i++)
    g_object_notify_by_pspec (changed->pdata[i], item_props[ITEM_PROP_STATUS]);
  if (changed->len > 0)
    g_signal_emit (self, signals[SIGNAL_STATUSES_CHANGED], 0);
}

/* ---------------------------------------------------------------- GObject */

static void
pm_project_dispose (GObject *object)
{
  PmProject *self = PM_PROJECT (object);

  if (self->control != NULL)
    pm_dataset_batch_control_cancel (self->control);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (pm_project_parent_class)->dispose (object);
}

static void
pm_project_finalize (GObject *object)
{
  PmProject *self = PM_PROJECT (object);

  g_free (self->root);
  g_hash_table_unref (self->by_id);
  g_object_unref (self->items);
  g_ptr_array_unref (self->labels);
  G_OBJECT_CLASS (pm_project_parent_class)->finalize (object);
}

static void
pm_project_class_init (PmProjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pm_project_dispose;
  object_class->finalize = pm_project_finalize;

  signals[SIGNAL_LABELS_CHANGED] =
    g_signal_new ("labels-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* (message, is_error): something the user should read. */
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
  /* The batch started, progressed, paused or resumed. */
  signals[SIGNAL_BATCH_CHANGED] =
    g_signal_new ("batch-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* (summary): the batch ended (finished, cancelled or failed). */
  signals[SIGNAL_BATCH_FINISHED] =
    g_signal_new ("batch-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* The status of one or more items changed (read back from the store, or set). */
  signals[SIGNAL_STATUSES_CHANGED] =
    g_signal_new ("statuses-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
pm_project_init (PmProject *self)
{
  self->items = g_list_store_new (PM_TYPE_PROJECT_ITEM);
  self->by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->labels = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_label_info_free);
}

/**
 * pm_project_new:
 * @store: the app's history store
 *
 * Returns: (transfer full): a project not yet opened
 */
PmProject *
pm_project_new (PmAppStore *store)
{
  PmProject *self;

  g_return_val_if_fail (PM_IS_APP_STORE (store), NULL);
  self = g_object_new (PM_TYPE_PROJECT, NULL);
  self->store = g_object_ref (store);
  return self;
}

/* ---------------------------------------------------------------- opening */

static int open_tag;

static void
open_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PmProject *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr(Snapshot) snap = pm_app_store_call_finish (PM_APP_STORE (source), result, &error);

  if (snap == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  self->id = snap->project_id;
  apply_snapshot (self, snap);
  g_task_return_boolean (task, TRUE);
}

/**
 * pm_project_open_async:
 * @root: the project's folder
 *
 * Finds or creates the project of @root in the history, adds the images of the folder it
 * does not have yet, and reads its labels, images and drafts.
 */
void
pm_project_open_async (PmProject           *self,
                       const char          *root,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PM_IS_PROJECT (self));
  g_return_if_fail (self->root == NULL && root != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, &open_tag);
  self->root = g_canonicalize_filename (root, NULL);
  call_snapshot (self, 0, cancellable, open_done_cb, task);
}

gboolean
pm_project_open_finish (PmProject     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

const char *
pm_project_get_root (PmProject *self)
{
  g_return_val_if_fail (PM_IS_PROJECT (self), NULL);
  return self->root;
}

gint64
pm_project_get_id (PmProject *self)
{
  g_return_val_if_fail (PM_IS_PROJECT (self), 0);
  return self->id;
}

/**
 * pm_project_get_model:
 *
 * Returns: (transfer none): the images, a #GListModel of #PmProjectItem in path order
 */
/**
 * pm_project_get_store:
 *
 * Returns: (transfer none): the store the project is read from and written to (the
 *   history, or a .paintmask file's)
 */
PmAppStore *
pm_project_get_store (PmProject *self)
{
  g_return_val_if_fail (PM_IS_PROJECT (self), NULL);
  return self->store;
}

GListModel *
pm_project_get_model (PmProject *self)
{
  g_return_val_if_fail (PM_IS_PROJECT (self), NULL);
  return G_LIST_MODEL (self->items);
}

/**
 * pm_project_get_labels:
 *
 * Returns: (transfer none) (element-type PmLabelInfo): the labels in position order
 */
GPtrArray *
pm_project_get_labels (PmProject *self)
{
  g_return_val_if_fail (PM_IS_PROJECT (self), NULL);
  return self->labels;
}

/**
 * pm_project_find_item:
 *
 * Returns: (transfer none) (nullable): the item of @image_id
 */
PmProjectItem *
pm_project_find_item (PmProject *self,
                      gint64     image_id)
{
  g_return_val_if_fail (PM_IS_PROJECT (self), NULL);
  return g_hash_table_lookup (self->by_id, &image_id);
}

/* ---------------------------------------------------------------- reading again */

static void
refresh_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(PmProject) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(Snapshot) snap = pm_app_store_call_finish (PM_APP_STORE (source), result, &error);

  self->refreshing = FALSE;
  if (snap == NULL)
    g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, error->message, TRUE);
  else
    apply_snapshot (self, snap);
  if (self->refresh_again)
    {
      self->refresh_again = FALSE;
      pm_project_refresh (self);
    }
}

/**
 * pm_project_refresh:
 *
 * Reads the labels and every image's status and drafts again; calls made while one reading
 * is under way are folded into one more.
 */
void
pm_project_refresh (PmProject *self)
{
  g_return_if_fail (PM_IS_PROJECT (self));
  g_return_if_fail (self->id > 0);

  if (self->refreshing)
    {
      self->refresh_again = TRUE;
      return;
    }
  self->refreshing = TRUE;
  call_snapshot (self, 0, NULL, refresh_done_cb, g_object_ref (self));
}

/* ---------------------------------------------------------------- review */

typedef struct {
  gint64         image_id;
  PmImageStatus  status;
} StatusJob;

static gpointer
status_func (PmStore  *store,
             gpointer  data,
             GError  **error)
{
  StatusJob *job = data;

  if (!pm_store_set_image_status (store, job->image_id, job->status, error))
    return NULL;
  return GINT_TO_POINTER (1);
}

typedef struct {
  PmProject     *self;
  PmProjectItem *item;
  PmImageStatus  before;
} StatusCall;

static void
status_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  StatusCall *call = user_data;
  g_autoptr(GError) error = NULL;

  if (pm_app_store_call_finish (PM_APP_STORE (source), result, &error) == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("Could not set the status of “%s”: %s"),
                                              call->item->path, error->message);
      call->item->status = call->before;
      g_object_notify_by_pspec (G_OBJECT (call->item), item_props[ITEM_PROP_STATUS]);
      g_signal_emit (call->self, signals[SIGNAL_STATUSES_CHANGED], 0);
      g_signal_emit (call->self, signals[SIGNAL_MESSAGE], 0, msg, TRUE);
    }
  g_object_unref (call->item);
  g_object_unref (call->self);
  g_free (call);
}

/**
 * pm_project_set_status:
 * @item: an image of the project
 * @status: its new status (a person's decision: reviewed or rejected; or drafted again)
 *
 * Shows the new status at once and saves it; if saving fails the item goes back and
 * ::message says why.
 */
void
pm_project_set_status (PmProject     *self,
                       PmProjectItem *item,
                       PmImageStatus  status)
{
  StatusJob *job;
  StatusCall *call;

  g_return_if_fail (PM_IS_PROJECT (self));
  g_return_if_fail (PM_IS_PROJECT_ITEM (item));

  job = g_new0 (StatusJob, 1);
  job->image_id = item->id;
  job->status = status;
  call = g_new0 (StatusCall, 1);
  call->self = g_object_ref (self);
  call->item = g_object_ref (item);
  call->before = item->status;
  item->status = status;
  g_object_notify_by_pspec (G_OBJECT (item), item_props[ITEM_PROP_STATUS]);
  g_signal_emit (self, signals[SIGNAL_STATUSES_CHANGED], 0);
  pm_app_store_call_async (self->store, status_func, job, g_free, NULL, NULL,
                           status_done_cb, call);
}

/* For pm-project-batch.c: the batch's numbers or state changed. */
void
pm_project_emit_batch_changed (PmProject *self)
{
  g_signal_emit (self, signals[SIGNAL_BATCH_CHANGED], 0);
}

/* For pm-project-batch.c: the batch ended, with its one-line @summary. */
void
pm_project_emit_batch_finished (PmProject  *self,
                                const char *summary)
{
  g_signal_emit (self, signals[SIGNAL_BATCH_FINISHED], 0, summary);
}
