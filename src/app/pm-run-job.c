/* pm-run-job.c: the document's worker jobs: load a photo, run an instruction, import an edit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-document"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "pm-maskio.h"
#include "pm-run-job.h"

static char load_tag, run_tag, import_tag, export_tag;  /* GTask source tags */

/* ---------------------------------------------------------------- loading */

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GFile *file = task_data;
  GError *error = NULL;
  PmImage *image = NULL;
  g_autofree char *path = g_file_get_path (file);

  if (path != NULL)
    image = pm_image_load (path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  else
    {
      g_autoptr(GBytes) bytes = g_file_load_bytes (file, cancellable, NULL, &error);
      if (bytes != NULL)
        image = pm_image_load_bytes (bytes, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
    }
  /* A decode cannot be interrupted; a cancelled load drops its result. */
  if (image != NULL && g_cancellable_set_error_if_cancelled (cancellable, &error))
    g_clear_pointer (&image, pm_image_free);
  if (image == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, image, (GDestroyNotify) pm_image_free);
}

/**
 * pm_load_job_async:
 * @file: a photo
 * @cancellable: (nullable): drops the load
 *
 * Decodes @file in a worker (EXIF orientation applied).
 */
void
pm_load_job_async (GFile               *file,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, &load_tag);
  g_task_set_name (task, "[paintmask] load photo");
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, load_thread);
}

/**
 * pm_load_job_finish:
 *
 * Returns: (transfer full) (nullable): the photo's pixels
 */
PmImage *
pm_load_job_finish (GAsyncResult  *result,
                    GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == &load_tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---------------------------------------------------------------- running */

typedef struct {
  PmEngineRequest   *request;
  PmPhoto           *photo;
  PmRunEntry        *input;     /* NULL: the photo */
  char              *instruction;
  PmPipelineOptions  options;
  PmProgressRelay   *relay;
  PmEngine          *used;      /* written by the worker, read after it returned */
} RunJob;

static void
run_job_free (gpointer data)
{
  RunJob *job = data;

  pm_engine_request_unref (job->request);
  pm_photo_unref (job->photo);
  g_clear_pointer (&job->input, pm_run_entry_unref);
  g_free (job->instruction);
  g_clear_pointer (&job->relay, pm_progress_relay_unref);
  g_clear_pointer (&job->used, pm_engine_unref);
  g_free (job);
}

static void
run_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  RunJob *job = task_data;
  const PmImage *image = job->input != NULL ? job->input->edited : job->photo->image;
  PmProgressFunc progress = job->relay != NULL ? pm_progress_relay_post : NULL;
  GError *error = NULL;
  PmPipelineResult *result;

  if (progress != NULL)
    progress ("loading model", 0.0, job->relay);
  job->used = pm_engine_request_get_engine (job->request, &error);
  if (job->used == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  result = pm_pipeline_run (job->used, image, job->instruction, &job->options, progress,
                            job->relay, cancellable, &error);
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) pm_pipeline_result_free);
}

/**
 * pm_run_job_async:
 * @engine: how to get the engine
 * @photo: the photo
 * @input: (nullable): the run whose edit is painted over (loaded); NULL for the photo
 * @instruction: the instruction
 * @options: (nullable): pipeline options (copied)
 * @progress: (nullable): where progress goes
 * @cancellable: (nullable): stops the run between stages
 *
 * Runs the pipeline in a worker on the shared pixels of @input or @photo.
 */
void
pm_run_job_async (PmEngineRequest         *engine,
                  PmPhoto                 *photo,
                  PmRunEntry              *input,
                  const char              *instruction,
                  const PmPipelineOptions *options,
                  PmProgressRelay         *progress,
                  GCancellable            *cancellable,
                  GAsyncReadyCallback      callback,
                  gpointer                 user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  RunJob *job = g_new0 (RunJob, 1);

  g_return_if_fail (input == NULL || input->edited != NULL);

  job->request = pm_engine_request_ref (engine);
  job->photo = pm_photo_ref (photo);
  job->input = input != NULL ? pm_run_entry_ref (input) : NULL;
  job->instruction = g_strdup (instruction);
  if (options != NULL)
    job->options = *options;
  else
    pm_pipeline_options_init (&job->options);
  job->relay = progress != NULL ? pm_progress_relay_ref (progress) : NULL;
  g_task_set_source_tag (task, &run_tag);
  g_task_set_name (task, "[paintmask] run");
  g_task_set_task_data (task, job, run_job_free);
  g_task_run_in_thread (task, run_thread);
}

/**
 * pm_run_job_finish:
 * @engine: (out) (transfer full) (optional) (nullable): the engine the run used
 *
 * Returns: (transfer full) (nullable): the pipeline's result
 */
PmPipelineResult *
pm_run_job_finish (GAsyncResult  *result,
                   PmEngine     **engine,
                   GError       **error)
{
  RunJob *job;

  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == &run_tag, NULL);
  job = g_task_get_task_data (G_TASK (result));
  if (engine != NULL)
    *engine = job->used != NULL ? pm_engine_ref (job->used) : NULL;
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---------------------------------------------------------------- importing */

typedef struct {
  PmPhoto *photo;
  GFile   *file;
  char    *instruction;
} ImportJob;

static void
import_job_free (gpointer data)
{
  ImportJob *job = data;

  pm_photo_unref (job->photo);
  g_object_unref (job->file);
  g_free (job->instruction);
  g_free (job);
}

static void
import_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ImportJob *job = task_data;
  g_autofree char *path = g_file_get_path (job->file);
  g_autoptr(PmImage) edited = NULL;
  PmPipelineResult *result = NULL;
  GError *error = NULL;

  if (path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "%s", _("Import needs a local file"));
      return;
    }
  edited = pm_image_load (path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  if (edited != NULL)
    result = pm_pipeline_import (job->photo->image, edited, job->instruction, NULL, &error);
  if (edited == NULL || result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) pm_pipeline_result_free);
}

/**
 * pm_import_job_async:
 * @photo: the photo
 * @file: an edited version (any size: it is resampled)
 * @instruction: what the edit was, for the record
 *
 * Loads @file and imports it as an edit of @photo, in a worker.
 */
void
pm_import_job_async (PmPhoto             *photo,
                     GFile               *file,
                     const char          *instruction,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ImportJob *job = g_new0 (ImportJob, 1);

  job->photo = pm_photo_ref (photo);
  job->file = g_object_ref (file);
  job->instruction = g_strdup (instruction);
  g_task_set_source_tag (task, &import_tag);
  g_task_set_name (task, "[paintmask] import edit");
  g_task_set_task_data (task, job, import_job_free);
  g_task_run_in_thread (task, import_thread);
}

/**
 * pm_import_job_finish:
 *
 * Returns: (transfer full) (nullable): the imported edit and its masks
 */
PmPipelineResult *
pm_import_job_finish (GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == &import_tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---------------------------------------------------------------- exporting */

const char * const pm_export_suffixes[PM_EXPORT_N_FILES] = { "edited", "mask", "soft-mask" };

typedef struct {
  PmRunEntry   *entry;
  PmSharedMask *mask;
  PmImage      *edited;   /* nullable: written instead of the run's edit */
  char        **paths;
} ExportJob;

static void
export_job_free (gpointer data)
{
  ExportJob *job = data;

  pm_run_entry_unref (job->entry);
  pm_shared_mask_unref (job->mask);
  g_clear_pointer (&job->edited, pm_image_free);
  g_strfreev (job->paths);
  g_free (job);
}

static gboolean
write_export (ExportJob   *job,
              guint        kind,
              const char  *path,
              GError     **error)
{
  const PmMask *mask = job->mask->mask;
  /* The soft mask is the edit's alpha; once the mask was corrected, the mask stands in. */
  const PmMask *soft = job->entry->soft_mask != NULL && job->entry->n_applied == 0 &&
                       job->edited == NULL ? job->entry->soft_mask : mask;

  switch (kind)
    {
    case 0:
      return pm_image_save_png (job->edited != NULL ? job->edited : job->entry->edited, path,
                                error);
    case 1:
      return pm_mask_save_png (mask, path, FALSE, error);
    default:
      return pm_mask_save_png (soft, path, TRUE, error);
    }
}

/* Writes every file next to its final name first, then renames them all: a failure leaves
 * none of the three half-written or mixed with an older export. */
static void
export_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  char *parts[PM_EXPORT_N_FILES] = { NULL };
  GError *error = NULL;

  for (guint i = 0; error == NULL && i < PM_EXPORT_N_FILES; i++)
    {
      parts[i] = g_strconcat (job->paths[i], ".part", NULL);
      write_export (job, i, parts[i], &error);
    }
  for (guint i = 0; error == NULL && i < PM_EXPORT_N_FILES; i++)
    if (g_rename (parts[i], job->paths[i]) != 0)
      {
        int saved = errno;
        g_autofree char *name = g_path_get_basename (job->paths[i]);

        g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (saved),
                     _("Cannot write “%s”: %s"), name, g_strerror (saved));
      }
  for (guint i = 0; i < PM_EXPORT_N_FILES; i++)
    {
      if (error != NULL && parts[i] != NULL)
        g_unlink (parts[i]);
      g_free (parts[i]);
    }
  if (error == NULL)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * pm_export_job_async:
 * @entry: a loaded run
 * @mask: the mask revision to write
 * @edited: (transfer full) (nullable): the edit to write instead of @entry's (the objects of
 *   a run of several, corrected); @mask then stands in for the soft mask
 * @paths: (array zero-terminated=1): PM_EXPORT_N_FILES paths, in pm_export_suffixes order
 *
 * Writes the three files in a worker.
 */
void
pm_export_job_async (PmRunEntry          *entry,
                     PmSharedMask        *mask,
                     PmImage             *edited,
                     char               **paths,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ExportJob *job = g_new0 (ExportJob, 1);

  g_return_if_fail (pm_run_entry_is_loaded (entry));
  g_return_if_fail (g_strv_length (paths) == PM_EXPORT_N_FILES);

  job->entry = pm_run_entry_ref (entry);
  job->mask = pm_shared_mask_ref (mask);
  job->edited = edited;
  job->paths = g_strdupv (paths);
  g_task_set_source_tag (task, &export_tag);
  g_task_set_name (task, "[paintmask] export");
  g_task_set_task_data (task, job, export_job_free);
  g_task_run_in_thread (task, export_thread);
}

gboolean
pm_export_job_finish (GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == &export_tag, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
