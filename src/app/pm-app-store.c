/* pm-app-store.c: the app's history store, owned by one worker thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SQLite work (writing a run with its PNG blobs, decoding thumbnails) must not stall the
 * UI, and a PmStore connection belongs to one thread. So every call is a GTask pushed to
 * an exclusive one-thread pool that opens the connection on first use and keeps it: calls
 * run one at a time, in the order they were made, and complete in the main context.
 */
#define G_LOG_DOMAIN "pm-app-store"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-app-store.h"

struct _PmAppStore
{
  GObject      parent_instance;

  char        *path;
  GThreadPool *pool;
  GThread     *thread;       /* the pool's thread, once it ran a call */
  PmStore     *store;        /* only touched in the pool thread (and finalize, after it) */
  GError      *open_error;   /* likewise */
};

G_DEFINE_FINAL_TYPE (PmAppStore, pm_app_store, G_TYPE_OBJECT)

static char call_tag; /* GTask source tag (a function pointer is not a gpointer in ISO C) */

typedef struct {
  PmAppStoreFunc func;
  gpointer       data;
  GDestroyNotify data_free;
  GDestroyNotify result_free;
} Call;

static void
call_free (Call *call)
{
  if (call->data_free != NULL && call->data != NULL)
    call->data_free (call->data);
  g_free (call);
}

static gboolean
ensure_open (PmAppStore  *self,
             GError     **error)
{
  if (self->store != NULL)
    return TRUE;
  if (self->open_error != NULL)
    {
      /* Do not retry: a corrupt or too new database stays untouched. */
      g_propagate_error (error, g_error_copy (self->open_error));
      return FALSE;
    }
  {
    g_autofree char *path = self->path != NULL ? g_strdup (self->path) : pm_store_default_path ();
    g_autofree char *dir = g_path_get_dirname (path);

    g_mkdir_with_parents (dir, 0700);
    self->store = pm_store_open (path, &self->open_error);
  }
  if (self->store == NULL)
    {
      g_propagate_error (error, g_error_copy (self->open_error));
      return FALSE;
    }
  return TRUE;
}

static void
worker (gpointer task_ptr,
        gpointer user_data)
{
  g_autoptr(GTask) task = task_ptr;
  PmAppStore *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  GError *error = NULL;
  gpointer result;

  self->thread = g_thread_self ();
  if (g_task_return_error_if_cancelled (task))
    return;
  if (!ensure_open (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  result = call->func (self->store, call->data, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, call->result_free);
}

/**
 * pm_app_store_new:
 * @path: (nullable): the database; NULL for pm_store_default_path()
 *
 * Returns: (transfer full): a store whose connection is opened on first use
 */
PmAppStore *
pm_app_store_new (const char *path)
{
  PmAppStore *self = g_object_new (PM_TYPE_APP_STORE, NULL);

  self->path = (path != NULL && *path != '\0') ? g_strdup (path) : NULL;
  return self;
}

const char *
pm_app_store_get_path (PmAppStore *self)
{
  g_return_val_if_fail (PM_IS_APP_STORE (self), NULL);
  return self->path;
}

void
pm_app_store_call_async (PmAppStore          *self,
                         PmAppStoreFunc       func,
                         gpointer             data,
                         GDestroyNotify       data_free,
                         GDestroyNotify       result_free,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;
  Call *call;

  g_return_if_fail (PM_IS_APP_STORE (self));
  g_return_if_fail (func != NULL);

  call = g_new0 (Call, 1);
  call->func = func;
  call->data = data;
  call->data_free = data_free;
  call->result_free = result_free;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, &call_tag);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);
  g_thread_pool_push (self->pool, task, NULL);
}

gpointer
pm_app_store_call_finish (PmAppStore    *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
pm_app_store_finalize (GObject *object)
{
  PmAppStore *self = PM_APP_STORE (object);

  /* Tasks hold a reference, so no call is queued here. The last reference may be dropped
   * by the pool thread itself (with its task); it must not wait for itself. */
  g_thread_pool_free (self->pool, FALSE, g_thread_self () != self->thread);
  g_clear_pointer (&self->store, pm_store_close);
  g_clear_error (&self->open_error);
  g_free (self->path);
  G_OBJECT_CLASS (pm_app_store_parent_class)->finalize (object);
}

static void
pm_app_store_class_init (PmAppStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pm_app_store_finalize;
}

static void
pm_app_store_init (PmAppStore *self)
{
  self->pool = g_thread_pool_new (worker, self, 1, TRUE, NULL);
}
