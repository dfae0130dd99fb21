/* pm-history-jobs.c: the app's calls to the history store, run in the store's thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each call is a PmAppStoreFunc with its job and result types, and an async/finish pair.
 * Calls run one at a time in the order made, so a correction queued after its run's record
 * finds the run id the record wrote (PmRunEntry.store_run_id, store thread only). The calls
 * that record runs and corrections are in pm-history-record.c.
 */
#define G_LOG_DOMAIN "pm-history"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-history-jobs.h"
#include "pm-edit.h"
#include "pm-store-dataset.h"
#include "pm-store-record.h"

/* ---------------------------------------------------------------- restoring */

/**
 * pm_history_compare_runs:
 *
 * Orders PmRunInfo pointers by start time, then id.
 */
gint
pm_history_compare_runs (gconstpointer a,
                         gconstpointer b)
{
  const PmRunInfo *ra = *(PmRunInfo **) a, *rb = *(PmRunInfo **) b;

  if (ra->started_at != rb->started_at)
    return ra->started_at < rb->started_at ? -1 : 1;
  return ra->id < rb->id ? -1 : ra->id > rb->id;
}

void
pm_restore_result_free (PmRestoreResult *res)
{
  if (res == NULL)
    return;
  g_clear_pointer (&res->image, pm_image_free);
  g_free (res->source_path);
  g_free (res->title);
  g_clear_pointer (&res->runs, g_ptr_array_unref);
  g_free (res->message);
  g_clear_pointer (&res->edited, pm_image_free);
  g_clear_pointer (&res->mask, pm_mask_free);
  g_clear_pointer (&res->soft_mask, pm_mask_free);
  g_clear_pointer (&res->corrected, pm_mask_free);
  g_clear_pointer (&res->revisions, g_ptr_array_unref);
  g_free (res);
}

/* How many stored corrections a restored run can undo one by one; older ones are one step. */
#define MAX_RESTORED_REVISIONS 32

/* The run's stored corrections (of the run as a whole) that lead to the newest one: from
 * it back through each one's parent to the run's own mask, oldest first. Undo and redo
 * states (a copy of the mask they return to) are in the chain as corrections of their
 * own; they change nothing, so they make no revision. */
static GPtrArray *
correction_chain (GPtrArray *artifacts)
{
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  GPtrArray *chain = g_ptr_array_new ();
  PmArtifactInfo *step = NULL;

  for (guint i = 0; i < artifacts->len; i++)
    {
      PmArtifactInfo *a = artifacts->pdata[i];

      if (a->kind != PM_ARTIFACT_CORRECTED_MASK || a->item != 0)
        continue;
      g_hash_table_insert (by_id, &a->id, a);
      if (step == NULL || a->revision > step->revision)
        step = a;
    }
  /* at most one visit per correction, whatever the parent links say */
  while (step != NULL && chain->len < g_hash_table_size (by_id))
    {
      g_ptr_array_add (chain, step);
      step = g_hash_table_lookup (by_id, &step->parent_id);
    }
  for (guint i = 0; i < chain->len / 2; i++)
    {
      gpointer t = chain->pdata[i];

      chain->pdata[i] = chain->pdata[chain->len - 1 - i];
      chain->pdata[chain->len - 1 - i] = t;
    }
  return chain;
}

/* The revisions of the chain above, made from the stored masks (at most
 * MAX_RESTORED_REVISIONS: the oldest kept one then starts from @base); NULL if there are
 * none, if a mask cannot be read, or if the chain does not end at @newest. */
static GPtrArray *
load_revisions (PmStore      *store,
                gint64        run_id,
                const PmMask *base,
                const PmMask *newest)
{
  g_autoptr(GPtrArray) artifacts = pm_store_list_artifacts (store, run_id, NULL);
  g_autoptr(GPtrArray) chain = NULL;
  g_autoptr(GPtrArray) revisions = NULL;
  g_autoptr(PmMask) prev = NULL;
  guint first;

  if (artifacts == NULL)
    return NULL;
  chain = correction_chain (artifacts);
  first = chain->len > MAX_RESTORED_REVISIONS ? chain->len - MAX_RESTORED_REVISIONS : 0;
  revisions = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_revision_unref);
  prev = pm_mask_copy (base);
  for (guint i = first; i < chain->len; i++)
    {
      PmArtifactInfo *step = chain->pdata[i];
      g_autoptr(PmMask) mask = pm_store_get_correction_mask (store, run_id, step->revision,
                                                             NULL);
      PmRevision *revision;

      if (mask == NULL || mask->width != base->width || mask->height != base->height)
        return NULL;
      revision = pm_revision_new_between (prev, mask, step->operation, step->id);
      if (revision != NULL)
        g_ptr_array_add (revisions, revision);
      pm_mask_free (prev);
      prev = g_steal_pointer (&mask);
    }
  if (revisions->len == 0 || !pm_mask_equal (prev, newest))
    return NULL;
  return g_steal_pointer (&revisions);
}

typedef struct {
  gint64   run_id;
  gint64   have_session;  /* the caller's session: its image is not loaded again */
  gboolean runs_only;     /* only the run's artifacts */
} RestoreJob;

/* Whether @info's run left a result: not failed, and with an edited image. */
static gboolean
run_has_result (PmStore         *store,
                const PmRunInfo *info)
{
  g_autoptr(GPtrArray) artifacts = NULL;

  if (g_strcmp0 (info->status, "ok") != 0)
    return FALSE;
  /* A dataset draft keeps no edited image: it is painted again when shown. */
  if (pm_store_get_draft_of_run (store, info->id, NULL, NULL))
    return TRUE;
  artifacts = pm_store_list_artifacts (store, info->id, NULL);
  for (guint i = 0; artifacts != NULL && i < artifacts->len; i++)
    if (((PmArtifactInfo *) artifacts->pdata[i])->kind == PM_ARTIFACT_EDITED)
      return TRUE;
  return FALSE;
}

/* How a stored run ended; runs recorded before result states: from what they left. */
static PmResultState
run_state (PmStore         *store,
           const PmRunInfo *info)
{
  PmResultState state;

  if (pm_result_state_from_string (info->result, &state))
    return state;
  if (g_strcmp0 (info->status, "ok") != 0)
    return PM_RESULT_FAILED;
  return run_has_result (store, info) ? PM_RESULT_FOUND : PM_RESULT_EMPTY;
}

static gboolean
restore_session (PmStore          *store,
                 RestoreJob       *job,
                 PmRestoreResult  *res,
                 GError          **error)
{
  g_autoptr(GPtrArray) runs = pm_store_list_runs (store, res->session_id, NULL, error);
  g_autoptr(PmSessionInfo) session = NULL;

  if (runs == NULL)
    return FALSE;
  g_ptr_array_sort (runs, pm_history_compare_runs);
  res->runs = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_run_info_free);
  for (guint i = 0; i < runs->len; i++)
    if (run_has_result (store, runs->pdata[i]))
      g_ptr_array_add (res->runs, g_steal_pointer (&runs->pdata[i]));

  if (res->session_id == job->have_session)
    return TRUE;
  session = pm_store_get_session (store, res->session_id, error);
  if (session == NULL)
    return FALSE;
  if (res->image == NULL)
    res->image = pm_store_get_session_image (store, res->session_id, error);
  if (res->image == NULL)
    return FALSE;
  res->source_path = g_strdup (session->source_path);
  res->title = g_strdup (session->title);
  return TRUE;
}

/* A dataset draft's edit, painted again from its photo (kept in @res->image for the
 * session when the caller does not have it) and the run's own mask (@res->mask); the
 * document paints the corrections over it. */
static PmImage *
render_draft (PmStore          *store,
              const PmRunInfo  *info,
              PmRestoreResult  *res,
              RestoreJob       *job,
              GError          **error)
{
  g_autoptr(PmImage) photo = pm_store_get_session_image (store, info->session_id, error);
  PmImage *edited;
  PmRgb color;

  if (photo == NULL)
    return NULL;
  if (photo->width != res->mask->width || photo->height != res->mask->height)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED,
                   _("The photo of “%s” is now %d×%d but its mask is %d×%d"),
                   info->instruction, photo->width, photo->height, res->mask->width,
                   res->mask->height);
      return NULL;
    }
  if (info->color == NULL || !pm_color_parse (info->color, &color))
    pm_color_parse (PM_COLOR_HIGHLIGHT_HEX, &color);
  edited = pm_edit_recolor (photo, res->mask, color, NULL);
  if (!job->runs_only && info->session_id != job->have_session)
    res->image = g_steal_pointer (&photo);
  return edited;
}

/* One run restored ahead of time (the next image of a review), kept for the store thread
 * that made it. Jobs of one store run in order, so a correction stored before the
 * prefetch is in it, and none can be made to that run before it is shown. */
static GMutex prefetch_lock;
static PmStore *prefetch_store;
static gint64 prefetch_run;
static PmRestoreResult *prefetch_result;

static PmRestoreResult *
take_prefetched (PmStore    *store,
                 RestoreJob *job)
{
  PmRestoreResult *res = NULL;

  g_mutex_lock (&prefetch_lock);
  if (prefetch_store == store && prefetch_run == job->run_id && !job->runs_only)
    {
      res = g_steal_pointer (&prefetch_result);
      prefetch_store = NULL;
      prefetch_run = 0;
    }
  g_mutex_unlock (&prefetch_lock);
  if (res != NULL && res->session_id == job->have_session)
    g_clear_pointer (&res->image, pm_image_free);
  return res;
}

static gpointer restore_func (PmStore  *store,
                              gpointer  data,
                              GError  **error);

static gpointer
prefetch_func (PmStore  *store,
               gpointer  data,
               GError  **error)
{
  RestoreJob *job = data;
  PmRestoreResult *res;

  g_mutex_lock (&prefetch_lock);
  if (prefetch_store == store && prefetch_run == job->run_id)
    {
      g_mutex_unlock (&prefetch_lock);
      return GINT_TO_POINTER (1);
    }
  g_clear_pointer (&prefetch_result, pm_restore_result_free);
  prefetch_store = NULL;
  prefetch_run = 0;
  g_mutex_unlock (&prefetch_lock);

  res = restore_func (store, job, error);
  if (res == NULL)
    return NULL;
  g_mutex_lock (&prefetch_lock);
  prefetch_store = store;
  prefetch_run = job->run_id;
  prefetch_result = res;
  g_mutex_unlock (&prefetch_lock);
  return GINT_TO_POINTER (1);
}

/**
 * pm_history_prefetch:
 * @store: the app's store
 * @run_id: a run that will likely be restored next (the next image of a review)
 *
 * Restores @run_id in the store thread ahead of time (its photo read and its edit painted
 * again) and keeps it, one at a time, for the next pm_history_restore_async() of that run.
 */
void
pm_history_prefetch (PmAppStore *store,
                     gint64      run_id)
{
  RestoreJob *job = g_new0 (RestoreJob, 1);

  g_return_if_fail (PM_IS_APP_STORE (store));

  job->run_id = run_id;
  job->have_session = -1;
  pm_app_store_call_async (store, prefetch_func, job, g_free, NULL, NULL, NULL, NULL);
}

static gpointer
restore_func (PmStore  *store,
              gpointer  data,
              GError  **error)
{
  RestoreJob *job = data;
  g_autoptr(PmRestoreResult) res = take_prefetched (store, job);
  g_autoptr(PmRunInfo) info = NULL;
  gboolean is_draft;

  if (res != NULL)
    return g_steal_pointer (&res);
  res = g_new0 (PmRestoreResult, 1);
  info = pm_store_get_run (store, job->run_id, error);
  if (info == NULL)
    return NULL;
  res->run_id = info->id;
  res->session_id = info->session_id;
  res->state = run_state (store, info);
  is_draft = pm_store_get_draft_of_run (store, info->id, NULL, NULL);
  /* An empty draft is still shown: the reviewer paints what the engine missed. */
  if (res->state == PM_RESULT_FAILED || (res->state == PM_RESULT_EMPTY && !is_draft))
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                   _("The run “%s” has no result to show"), info->instruction);
      return NULL;
    }
  res->mask = pm_store_get_run_mask (store, info->id, error);
  if (res->mask == NULL)
    return NULL;
  if (is_draft)
    res->edited = render_draft (store, info, res, job, error);
  else
    res->edited = pm_store_get_artifact_image (store, info->id, PM_ARTIFACT_EDITED, error);
  if (res->edited == NULL)
    return NULL;
  res->message = g_strdup (info->message);
  res->soft_mask = pm_store_get_artifact_mask (store, info->id, PM_ARTIFACT_SOFT_MASK, NULL);
  res->corrected = pm_store_get_artifact_mask (store, info->id, PM_ARTIFACT_CORRECTED_MASK,
                                               NULL);
  if (res->corrected != NULL && (res->corrected->width != res->mask->width ||
                                 res->corrected->height != res->mask->height))
    g_clear_pointer (&res->corrected, pm_mask_free);
  if (res->corrected != NULL)
    res->revisions = load_revisions (store, info->id, res->mask, res->corrected);
  if (!job->runs_only && !restore_session (store, job, res, error))
    return NULL;
  return g_steal_pointer (&res);
}

static void
restore_call (PmAppStore          *store,
              gint64               run_id,
              gint64               have_session,
              gboolean             runs_only,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  RestoreJob *job = g_new0 (RestoreJob, 1);

  job->run_id = run_id;
  job->have_session = have_session > 0 ? have_session : -1;
  job->runs_only = runs_only;
  pm_app_store_call_async (store, restore_func, job, g_free,
                           (GDestroyNotify) pm_restore_result_free, NULL, callback, user_data);
}

void
pm_history_restore_async (PmAppStore          *store,
                          gint64               run_id,
                          gint64               have_session,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  restore_call (store, run_id, have_session, FALSE, callback, user_data);
}

void
pm_history_load_run_async (PmAppStore          *store,
                           gint64               run_id,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  restore_call (store, run_id, 0, TRUE, callback, user_data);
}

/**
 * pm_history_restore_finish:
 *
 * Returns: (transfer full) (nullable): the run, or NULL with @error set
 */
PmRestoreResult *
pm_history_restore_finish (PmAppStore    *store,
                           GAsyncResult  *result,
                           GError       **error)
{
  return pm_app_store_call_finish (store, result, error);
}

/* ---------------------------------------------------------------- lists */

#define MAX_THUMBS 60

typedef struct {
  gint64  session_id;
  char   *search;
  int     thumb_size;
} ListJob;

static void
list_job_free (gpointer data)
{
  ListJob *job = data;

  g_free (job->search);
  g_free (job);
}

void
pm_history_list_free (PmHistoryList *list)
{
  if (list == NULL)
    return;
  g_clear_pointer (&list->infos, g_ptr_array_unref);
  g_clear_pointer (&list->thumbs, g_ptr_array_unref);
  g_clear_pointer (&list->states, g_array_unref);
  g_free (list);
}

static PmImage *
shrink (PmImage *image,
        int      size)
{
  double s;

  if (image == NULL || (image->width <= size && image->height <= size))
    return image;
  s = (double) size / MAX (image->width, image->height);
  {
    PmImage *small = pm_image_resize (image, MAX (1, (int) (image->width * s + 0.5)),
                                      MAX (1, (int) (image->height * s + 0.5)));
    pm_image_free (image);
    return small;
  }
}

static gpointer
list_func (PmStore  *store,
           gpointer  data,
           GError  **error)
{
  ListJob *job = data;
  g_autoptr(PmHistoryList) list = g_new0 (PmHistoryList, 1);

  list->thumbs = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_image_free);
  list->states = g_array_new (FALSE, TRUE, sizeof (PmResultState));
  if (job->session_id == 0)
    list->infos = pm_store_list_sessions (store, job->search, error);
  else
    list->infos = pm_store_list_runs (store, job->session_id, job->search, error);
  if (list->infos == NULL)
    return NULL;
  if (job->session_id != 0)
    g_ptr_array_sort (list->infos, pm_history_compare_runs);

  for (guint i = 0; i < list->infos->len; i++)
    {
      PmImage *image = NULL;

      /* The store keeps small previews: no full-size decode per row. */
      if (i < MAX_THUMBS && job->session_id == 0)
        image = pm_store_get_session_thumbnail (store,
                                                ((PmSessionInfo *) list->infos->pdata[i])->id,
                                                NULL);
      else if (i < MAX_THUMBS)
        image = pm_store_get_run_thumbnail (store, ((PmRunInfo *) list->infos->pdata[i])->id,
                                            NULL);
      if (job->session_id != 0)
        {
          PmResultState state = run_state (store, list->infos->pdata[i]);
          g_array_append_val (list->states, state);
        }
      g_ptr_array_add (list->thumbs, shrink (image, job->thumb_size));
    }
  return g_steal_pointer (&list);
}

/**
 * pm_history_list_async:
 * @session_id: a session's runs, or 0 for the sessions
 * @search: (nullable): only those whose instructions (or titles) match
 * @thumb_size: the long side of the thumbnails
 */
void
pm_history_list_async (PmAppStore          *store,
                       gint64               session_id,
                       const char          *search,
                       int                  thumb_size,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  ListJob *job = g_new0 (ListJob, 1);

  job->session_id = session_id;
  job->search = search != NULL && *search != '\0' ? g_strdup (search) : NULL;
  job->thumb_size = thumb_size;
  pm_app_store_call_async (store, list_func, job, list_job_free,
                           (GDestroyNotify) pm_history_list_free, NULL, callback, user_data);
}

PmHistoryList *
pm_history_list_finish (PmAppStore    *store,
                        GAsyncResult  *result,
                        GError       **error)
{
  return pm_app_store_call_finish (store, result, error);
}

/* ---------------------------------------------------------------- files, deleting */

typedef struct {
  gint64     id;
  gboolean   is_session;
  char      *path;
  GPtrArray *forget;
} IdJob;

static void
id_job_free (gpointer data)
{
  IdJob *job = data;

  g_free (job->path);
  g_clear_pointer (&job->forget, g_ptr_array_unref);
  g_free (job);
}

static IdJob *
id_job_new (gint64      id,
            gboolean    is_session,
            const char *path)
{
  IdJob *job = g_new0 (IdJob, 1);

  job->id = id;
  job->is_session = is_session;
  job->path = g_strdup (path);
  return job;
}

static gpointer
import_func (PmStore  *store,
             gpointer  data,
             GError  **error)
{
  IdJob *job = data;
  g_autoptr(GArray) ids = pm_store_import_file (store, job->path, error);
  g_autoptr(GPtrArray) runs = NULL;
  gint64 *out;

  if (ids == NULL)
    return NULL;
  if (ids->len == 0)
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                   _("“%s” holds no session"), job->path);
      return NULL;
    }
  runs = pm_store_list_runs (store, g_array_index (ids, gint64, 0), NULL, error);
  if (runs == NULL)
    return NULL;
  g_ptr_array_sort (runs, pm_history_compare_runs);
  out = g_new0 (gint64, 2);
  out[0] = g_array_index (ids, gint64, 0);
  for (guint i = runs->len; i > 0 && out[1] == 0; i--)
    if (run_has_result (store, runs->pdata[i - 1]))
      out[1] = ((PmRunInfo *) runs->pdata[i - 1])->id;
  return out;
}

void
pm_history_import_file_async (PmAppStore          *store,
                              const char          *path,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  pm_app_store_call_async (store, import_func, id_job_new (0, FALSE, path), id_job_free,
                           g_free, NULL, callback, user_data);
}

gboolean
pm_history_import_file_finish (PmAppStore    *store,
                               GAsyncResult  *result,
                               gint64        *session_id,
                               gint64        *run_id,
                               GError       **error)
{
  g_autofree gint64 *ids = pm_app_store_call_finish (store, result, error);

  if (ids == NULL)
    return FALSE;
  *session_id = ids[0];
  *run_id = ids[1];
  return TRUE;
}

static gpointer
export_func (PmStore  *store,
             gpointer  data,
             GError  **error)
{
  IdJob *job = data;

  return pm_store_export_session (store, job->id, job->path, error) ? GINT_TO_POINTER (1)
                                                                      : NULL;
}

void
pm_history_export_session_async (PmAppStore          *store,
                                 gint64               session_id,
                                 const char          *path,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  pm_app_store_call_async (store, export_func, id_job_new (session_id, TRUE, path),
                           id_job_free, NULL, NULL, callback, user_data);
}

static gpointer
delete_func (PmStore  *store,
             gpointer  data,
             GError  **error)
{
  IdJob *job = data;
  gboolean ok = job->is_session ? pm_store_delete_session (store, job->id, error)
                                : pm_store_delete_run (store, job->id, error);

  /* Later records must not name a deleted run as their parent. */
  for (guint i = 0; ok && job->forget != NULL && i < job->forget->len; i++)
    ((PmRunEntry *) job->forget->pdata[i])->store_run_id = 0;
  return ok ? GINT_TO_POINTER (1) : NULL;
}

void
pm_history_delete_async (PmAppStore          *store,
                         gint64               id,
                         gboolean             is_session,
                         GPtrArray           *forget,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  IdJob *job = id_job_new (id, is_session, NULL);

  job->forget = forget != NULL ? g_ptr_array_ref (forget) : NULL;
  pm_app_store_call_async (store, delete_func, job, id_job_free, NULL, NULL, callback,
                           user_data);
}

gboolean
pm_history_call_finish (PmAppStore    *store,
                        GAsyncResult  *result,
                        GError       **error)
{
  return pm_app_store_call_finish (store, result, error) != NULL;
}
