/* pm-window-dataset.c: PmWindow's dataset mode: a folder opened for review beside the photo,
 * keyboard review (→ ← Enter Delete 1–9) and drafting in the background.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The filmstrip (PmFilmstrip) shows the project (PmProject); selecting an image restores its
 * draft of the chosen label into the window's PmDocument (a dataset draft is a run of the
 * image's session, painted again from photo and mask), so the correction tools, undo and the
 * history work on it unchanged, and each correction is stored as the draft's newest
 * revision, which export takes. Review keys are read in the capture phase while a project is
 * open and the focus is not in a text field; with the lasso tool, Enter still closes the
 * lasso.
 */
#define G_LOG_DOMAIN "pm-window-dataset"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-history-jobs.h"
#include "pm-window-private.h"

/* ---------------------------------------------------------------- stores */

static PmAppStore *
history_store (PmWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return PM_IS_APPLICATION (app) ? pm_application_get_store (PM_APPLICATION (app))
                                 : pm_document_get_store (self->document);
}

/* The document records in @store from now on (a project file's images in that file, any
 * other photo in the history); a stroke under way is stored where it was made. */
static void
use_store (PmWindow   *self,
           PmAppStore *store)
{
  if (store == NULL || pm_document_get_store (self->document) == store)
    return;
  pm_document_commit_correction (self->document);
  pm_document_set_store (self->document, store);
}

/**
 * pm_window_use_history:
 *
 * Photos opened outside the project are recorded in the app's history, not in the
 * .paintmask file a project was opened from.
 */
void
pm_window_use_history (PmWindow *self)
{
  g_return_if_fail (PM_IS_WINDOW (self));
  if (self->project_store != NULL)
    use_store (self, history_store (self));
}

/**
 * pm_window_set_history_store:
 * @store: the app's history store (its database changed)
 *
 * The document follows the new history unless it shows an image of a project file.
 */
void
pm_window_set_history_store (PmWindow   *self,
                             PmAppStore *store)
{
  g_return_if_fail (PM_IS_WINDOW (self));
  if (self->project_store == NULL || pm_document_get_store (self->document) != self->project_store)
    pm_document_set_store (self->document, store);
}

/**
 * pm_window_get_project_file:
 *
 * Returns: (nullable): the .paintmask file the open project is stored in, or %NULL when
 *   it lives in the history (or none is open)
 */
const char *
pm_window_get_project_file (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), NULL);
  return self->project_store != NULL ? pm_app_store_get_path (self->project_store) : NULL;
}

/* ---------------------------------------------------------------- showing an image */

/* ---------------------------------------------------------------- warming the next image */

typedef struct {
  char     *file;
  PmEngine *engine;   /* the window's engine, if loaded and it keeps per-image work */
  PmEngine *sam;      /* the box and click tools' SAM, if any */
} WarmJob;

static void
warm_job_free (WarmJob *job)
{
  g_free (job->file);
  g_clear_pointer (&job->engine, pm_engine_unref);
  g_clear_pointer (&job->sam, pm_engine_unref);
  g_free (job);
}

/* One engine's warm-up. A run or a click on that engine preempts a warm-up (the user's
 * work comes first); the warm-up then starts again once that work has the engine, until it
 * is done or the window cancels it. */
static gboolean
warm_engine (PmEngine      *engine,
             const PmImage *image,
             GCancellable  *cancellable,
             GError       **error)
{
  for (;;)
    {
      GError *local_error = NULL;

      if (pm_engine_warm (engine, image, cancellable, &local_error))
        return TRUE;
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          g_cancellable_is_cancelled (cancellable))
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
      g_clear_error (&local_error);
      /* Preempted: let the preempting call take the engine first (it locks it right after
       * preempting), then queue behind it. */
      g_usleep (50 * 1000);
    }
}

/* A worker thread: the photo read as the store reads it for the document (same pixels,
 * same cache key), then each engine's per-image work. */
static void
warm_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  WarmJob *job = data;
  g_autoptr(PmImage) image = NULL;
  GError *error = NULL;
  double t0 = pm_now_ms ();

  image = pm_image_load (job->file, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  if (image == NULL ||
      (job->engine != NULL && !warm_engine (job->engine, image, cancellable, &error)) ||
      (job->sam != NULL && !warm_engine (job->sam, image, cancellable, &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  g_debug ("warmed %s%s for %s in %.0f ms", job->engine != NULL ? "the engine" : "",
           job->sam != NULL ? (job->engine != NULL ? " and SAM" : "SAM") : "", job->file,
           pm_now_ms () - t0);
  g_task_return_boolean (task, TRUE);
}

static void
warm_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("could not warm the next image: %s", error->message);
}

static void
cancel_warm (PmWindow *self)
{
  if (self->warm_cancellable != NULL)
    g_cancellable_cancel (self->warm_cancellable);
  g_clear_object (&self->warm_cancellable);
}

/* While this image is reviewed, the engines do in the background the per-image work a run
 * on @next would start with (CLIPSeg's vision pass, SAM's image embedding), keeping it
 * beside this image's; a warm-up for an image the user left behind is cancelled. Engines
 * that are not loaded yet are not loaded for this. */
static void
warm_next (PmWindow      *self,
           PmProjectItem *next)
{
  g_autoptr(PmEngine) engine = NULL;
  PmEngine *sam;
  WarmJob *job;
  GTask *task;

  cancel_warm (self);
  if (next == NULL)
    return;
  engine = pm_engines_get_loaded (self->engines, self->engine_name);
  if (engine != NULL && !pm_engine_can_warm (engine))
    g_clear_pointer (&engine, pm_engine_unref);
  sam = pm_mask_tools_get_sam (self->tools);
  if (engine == NULL && sam == NULL)
    return;
  job = g_new0 (WarmJob, 1);
  job->file = g_strdup (pm_project_item_get_file (next));
  job->engine = g_steal_pointer (&engine);
  job->sam = sam != NULL ? pm_engine_ref (sam) : NULL;
  self->warm_cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->warm_cancellable, warm_done_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) warm_job_free);
  g_task_run_in_thread (task, warm_thread);
  g_object_unref (task);
}

/* The next image of the list is read and painted in the store thread while this one is
 * reviewed (after its own restore, which was asked first), so → and Enter show it at once;
 * the engines warm up for it meanwhile. */
static void
prefetch_next (PmWindow *self,
               guint     label)
{
  PmProjectItem *next = pm_filmstrip_peek (PM_FILMSTRIP (self->filmstrip), 1);
  gint64 run_id = next != NULL ? pm_project_item_get_draft (next, label) : 0;

  if (run_id > 0)
    pm_history_prefetch (pm_document_get_store (self->document), run_id);
  warm_next (self, next);
}

static void
show_item (PmWindow      *self,
           PmProjectItem *item)
{
  guint label;
  gint64 run_id;

  if (item == NULL)
    return;
  label = pm_filmstrip_get_label (PM_FILMSTRIP (self->filmstrip));
  run_id = pm_project_item_get_draft (item, label);
  self->dataset_item = item;
  if (self->project != NULL)
    use_store (self, pm_project_get_store (self->project));
  if (run_id > 0)
    {
      if (run_id != pm_document_get_run_id (self->document))
        pm_document_restore_run (self->document, run_id);
    }
  else
    {
      g_autoptr(GFile) file = g_file_new_for_path (pm_project_item_get_file (item));

      pm_document_load_file (self->document, file);
    }
  prefetch_next (self, label);
}

static void
item_selected_cb (PmFilmstrip   *filmstrip,
                  PmProjectItem *item,
                  PmWindow      *self)
{
  show_item (self, item);
}

static void
label_changed_cb (PmFilmstrip *filmstrip,
                  PmWindow    *self)
{
  show_item (self, pm_filmstrip_get_selected (filmstrip));
}

/* ---------------------------------------------------------------- review */

static void
decide (PmWindow      *self,
        PmImageStatus  status)
{
  PmProjectItem *item = pm_filmstrip_get_selected (PM_FILMSTRIP (self->filmstrip));

  if (item == NULL)
    return;
  /* A stroke under way is one undo step and is stored with the image it was made on. */
  pm_document_commit_correction (self->document);
  pm_project_set_status (self->project, item, status);
  if (!pm_filmstrip_step (PM_FILMSTRIP (self->filmstrip), 1))
    pm_window_toast (self, _("That was the last image of the list"));
}

static gboolean
review_key_cb (GtkEventControllerKey *controller,
               guint                  keyval,
               guint                  keycode,
               GdkModifierType        state,
               PmWindow              *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  if (self->project == NULL || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) ||
      (focus != NULL && (GTK_IS_EDITABLE (focus) || GTK_IS_TEXT (focus))))
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Right:
      pm_filmstrip_step (PM_FILMSTRIP (self->filmstrip), 1);
      return TRUE;
    case GDK_KEY_Left:
      pm_filmstrip_step (PM_FILMSTRIP (self->filmstrip), -1);
      return TRUE;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
      if (pm_canvas_get_tool (self->canvas) == PM_CANVAS_TOOL_LASSO)
        return FALSE;
      decide (self, PM_IMAGE_STATUS_REVIEWED);
      return TRUE;
    case GDK_KEY_Delete:
    case GDK_KEY_KP_Delete:
      decide (self, PM_IMAGE_STATUS_REJECTED);
      return TRUE;
    default:
      if (keyval >= GDK_KEY_1 && keyval <= GDK_KEY_9)
        return pm_filmstrip_set_label (PM_FILMSTRIP (self->filmstrip), keyval - GDK_KEY_1);
      if (keyval >= GDK_KEY_KP_1 && keyval <= GDK_KEY_KP_9)
        return pm_filmstrip_set_label (PM_FILMSTRIP (self->filmstrip), keyval - GDK_KEY_KP_1);
      return FALSE;
    }
}

/* ---------------------------------------------------------------- drafting */

static void
draft_requested_cb (PmFilmstrip *filmstrip,
                    const char  *typed,
                    PmWindow    *self)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) parts = typed != NULL ? g_strsplit (typed, ",", -1) : NULL;
  PmEngineOptions options = { 0 };
  const char *engine = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; parts != NULL && parts[i] != NULL; i++)
    {
      char *name = g_strstrip (parts[i]);

      if (*name != '\0')
        g_ptr_array_add (labels, g_strdup (name));
    }
  g_ptr_array_add (labels, NULL);
  /* The window's engine when it is a local one; a remote server needs settings a label
   * does not carry, so labels keep their own engine then (builtin for new ones). */
  if (g_strcmp0 (self->engine_name, "builtin") == 0 ||
      g_strcmp0 (self->engine_name, "clipseg") == 0)
    engine = self->engine_name;
  options.threads = pm_engines_get_threads (self->engines);
  if (!pm_project_start_batch (self->project, (const char * const *) labels->pdata, engine,
                               &options, &error))
    pm_window_show_error (self, error->message);
}

static void
batch_finished_cb (PmProject  *project,
                   const char *summary,
                   PmWindow   *self)
{
  pm_window_toast (self, summary);
}

static void
project_message_cb (PmProject  *project,
                    const char *message,
                    gboolean    is_error,
                    PmWindow   *self)
{
  if (is_error)
    pm_window_show_error (self, message);
  else
    pm_window_toast (self, message);
}

/* The first image shown once its drafts arrive (a batch started on a new folder). */
static void
project_batch_changed_cb (PmProject *project,
                          PmWindow  *self)
{
  PmProjectItem *item = pm_filmstrip_get_selected (PM_FILMSTRIP (self->filmstrip));
  guint label = pm_filmstrip_get_label (PM_FILMSTRIP (self->filmstrip));

  if (item != NULL && item == self->dataset_item &&
      pm_project_item_get_draft (item, label) > 0 &&
      pm_project_item_get_draft (item, label) != pm_document_get_run_id (self->document) &&
      !pm_document_get_busy (self->document))
    show_item (self, item);
}

/* ---------------------------------------------------------------- opening */

static void
open_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(PmWindow) self = user_data;
  PmProject *project = PM_PROJECT (source);
  g_autoptr(GError) error = NULL;
  guint n_items, resumed;

  if (!pm_project_open_finish (project, result, &error))
    {
      g_autofree char *msg = g_strdup_printf (_("Could not open the folder “%s”: %s"),
                                              pm_project_get_root (project), error->message);
      pm_window_show_error (self, msg);
      return;
    }
  if (self->project != project)
    return;
  pm_filmstrip_set_project (PM_FILMSTRIP (self->filmstrip), project);
  gtk_revealer_set_reveal_child (self->dataset_revealer, TRUE);
  /* The review keys act at once (not while the instruction entry has the focus). */
  pm_window_focus_canvas (self);
  n_items = g_list_model_get_n_items (pm_project_get_model (project));
  resumed = pm_filmstrip_get_position (PM_FILMSTRIP (self->filmstrip));
  if (n_items == 0)
    pm_window_toast (self, _("The folder has no images"));
  else if (resumed > 0 && resumed < n_items)
    {
      g_autofree char *msg = g_strdup_printf (_("Resuming the review at image %u of %u"),
                                              resumed + 1, n_items);
      pm_window_toast (self, msg);
    }
}

/* Opens the project of @root, stored in the database file @db (NULL: the history). */
static void
open_project (PmWindow   *self,
              const char *root,
              const char *db)
{
  PmProject *project;
  PmAppStore *store;

  if (self->project != NULL)
    {
      pm_project_cancel_batch (self->project);
      g_signal_handlers_disconnect_by_data (self->project, self);
      g_clear_object (&self->project);
    }
  self->dataset_item = NULL;
  if (db == NULL)
    {
      pm_window_use_history (self);
      g_clear_object (&self->project_store);
      store = history_store (self);
    }
  else
    {
      if (self->project_store == NULL ||
          g_strcmp0 (pm_app_store_get_path (self->project_store), db) != 0)
        {
          g_clear_object (&self->project_store);
          self->project_store = pm_app_store_new (db);
        }
      store = self->project_store;
    }
  use_store (self, store);
  project = pm_project_new (store);
  self->project = project;
  g_signal_connect (project, "batch-finished", G_CALLBACK (batch_finished_cb), self);
  g_signal_connect (project, "batch-changed", G_CALLBACK (project_batch_changed_cb), self);
  g_signal_connect (project, "message", G_CALLBACK (project_message_cb), self);
  pm_project_open_async (project, root, NULL, open_done_cb, g_object_ref (self));
}

/* What a folder or a .paintmask file opens as, found in a worker thread. */
typedef struct {
  char     *path;        /* as asked */
  gboolean  is_folder;
  char     *root;        /* the project's folder; NULL: @path is a file of sessions */
  char     *db;          /* the file the project is stored in; NULL: the history */
  guint     n_projects;  /* in @db */
} Resolve;

static void
resolve_free (Resolve *r)
{
  g_free (r->path);
  g_free (r->root);
  g_free (r->db);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Resolve, resolve_free)

static gboolean
holds_root (GPtrArray  *roots,
            const char *root)
{
  for (guint i = 0; roots != NULL && i < roots->len; i++)
    if (g_strcmp0 (roots->pdata[i], root) == 0)
      return TRUE;
  return FALSE;
}

/* A folder's project is in a .paintmask file beside it ("photos.paintmask") or in it
 * ("photos/project.paintmask") when `paintmask batch --db` put it there; else in the
 * history. */
static void
resolve_folder (Resolve *r)
{
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = g_dir_open (r->root, 0, NULL);
  const char *name;

  g_ptr_array_add (candidates, g_strconcat (r->root, ".paintmask", NULL));
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".paintmask"))
      g_ptr_array_add (candidates, g_build_filename (r->root, name, NULL));
  g_ptr_array_sort (candidates, (GCompareFunc) g_strcmp0);
  for (guint i = 0; i < candidates->len; i++)
    {
      g_autoptr(GPtrArray) roots = pm_store_file_project_roots (candidates->pdata[i], NULL);

      if (holds_root (roots, r->root))
        {
          r->db = g_strdup (candidates->pdata[i]);
          r->n_projects = roots->len;
          return;
        }
    }
}

static void
resolve_thread (GTask        *task,
                gpointer      source,
                gpointer      data,
                GCancellable *cancellable)
{
  const char *path = data;
  g_autoptr(Resolve) r = g_new0 (Resolve, 1);
  GError *error = NULL;

  r->path = g_strdup (path);
  r->is_folder = g_file_test (path, G_FILE_TEST_IS_DIR);
  if (r->is_folder)
    {
      r->root = g_canonicalize_filename (path, NULL);
      resolve_folder (r);
    }
  else
    {
      g_autoptr(GPtrArray) roots = pm_store_file_project_roots (path, &error);

      if (roots == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      if (roots->len > 0)
        {
          r->root = g_strdup (roots->pdata[0]);
          r->db = g_canonicalize_filename (path, NULL);
          r->n_projects = roots->len;
        }
    }
  g_task_return_pointer (task, g_steal_pointer (&r), (GDestroyNotify) resolve_free);
}

static void
resolve_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PmWindow *self = PM_WINDOW (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(Resolve) r = g_task_propagate_pointer (G_TASK (result), &error);

  if (r == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *msg = g_strdup_printf (_("Could not open the Paintmask file: %s"),
                                                  error->message);
          pm_window_show_error (self, msg);
        }
      return;
    }
  g_clear_object (&self->resolve_cancellable);
  if (r->root == NULL)
    {
      /* A file of sessions: they are copied into the history, as before. */
      g_autoptr(GFile) file = g_file_new_for_path (r->path);

      pm_window_use_history (self);
      pm_document_load_file (self->document, file);
      return;
    }
  open_project (self, r->root, r->db);
  if (r->n_projects > 1)
    {
      g_autofree char *name = g_path_get_basename (r->root);
      g_autofree char *msg = g_strdup_printf (_("This file holds %u projects; opened the one "
                                                "changed last, “%s”"), r->n_projects, name);
      pm_window_toast (self, msg);
    }
}

/**
 * pm_window_open_project:
 * @path: a folder of images, or a .paintmask file
 *
 * Opens a dataset project for review: a folder's project is the one a .paintmask file
 * beside or inside it holds for it (made by `paintmask batch FOLDER --db FILE`), else the
 * history's (made if new); a .paintmask file opens the project it holds (the one changed
 * last if several), its reviews and corrections stored in that file. A .paintmask file
 * without projects is a file of sessions, copied into the history as before. The review
 * resumes at the first image neither reviewed nor rejected.
 */
void
pm_window_open_project (PmWindow   *self,
                        const char *path)
{
  GTask *task;

  g_return_if_fail (PM_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  if (self->resolve_cancellable != NULL)
    g_cancellable_cancel (self->resolve_cancellable);
  g_clear_object (&self->resolve_cancellable);
  self->resolve_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->resolve_cancellable, resolve_done_cb, NULL);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, resolve_thread);
  g_object_unref (task);
}

/**
 * pm_window_open_folder:
 * @path: a folder of images
 *
 * Opens @path as a dataset project: see pm_window_open_project().
 */
void
pm_window_open_folder (PmWindow   *self,
                       const char *path)
{
  pm_window_open_project (self, path);
}

/**
 * pm_window_is_project_path:
 * @path: a local path
 *
 * Returns: whether pm_window_open_project() is the way to open @path (a folder or a
 *   .paintmask file)
 */
gboolean
pm_window_is_project_path (const char *path)
{
  return path != NULL && (g_str_has_suffix (path, ".paintmask") ||
                          g_file_test (path, G_FILE_TEST_IS_DIR));
}

/**
 * pm_window_get_project:
 *
 * Returns: (transfer none) (nullable): the dataset project open in the window
 */
PmProject *
pm_window_get_project (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), NULL);
  return self->project;
}

static void
folder_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    PmWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *folder = file != NULL ? g_file_get_path (file) : NULL;

      if (folder == NULL)
        pm_window_show_error (self, _("Review needs a local folder"));
      else
        pm_window_open_folder (self, folder);
    }
  pm_window_finish_dialog (self);
}

static void
open_dataset_action (GSimpleAction *action,
                     GVariant      *param,
                     gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("Open a Folder of Images for Review"),
                                        GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Open"),
                                        _("_Cancel"));
  pm_window_track_dialog (self, dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (folder_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* ---------------------------------------------------------------- setup */

void
pm_window_init_dataset (PmWindow *self)
{
  static const GActionEntry entries[] = {
    { "open-dataset", open_dataset_action },
  };
  GtkEventController *keys = gtk_event_controller_key_new ();

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  self->filmstrip = pm_filmstrip_new ();
  gtk_revealer_set_child (self->dataset_revealer, self->filmstrip);
  g_signal_connect (self->filmstrip, "item-selected", G_CALLBACK (item_selected_cb), self);
  g_signal_connect (self->filmstrip, "label-changed", G_CALLBACK (label_changed_cb), self);
  g_signal_connect (self->filmstrip, "draft-requested", G_CALLBACK (draft_requested_cb), self);
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (review_key_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}

void
pm_window_dispose_dataset (PmWindow *self)
{
  if (self->project != NULL)
    {
      pm_project_cancel_batch (self->project);
      g_signal_handlers_disconnect_by_data (self->project, self);
      g_clear_object (&self->project);
    }
  if (self->resolve_cancellable != NULL)
    g_cancellable_cancel (self->resolve_cancellable);
  g_clear_object (&self->resolve_cancellable);
  cancel_warm (self);
  g_clear_object (&self->project_store);
  self->dataset_item = NULL;
}
