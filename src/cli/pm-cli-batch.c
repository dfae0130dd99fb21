/* pm-cli-batch.c: `paintmask batch FOLDER --label L …`: draft a mask for every image and
 * label of a folder, resumably, then export.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The folder is scanned and new images are added to its project; then every (image, label)
 * pair without a draft (with --redo: every pair of the images not yet reviewed or
 * rejected) is drafted. Workers (--jobs) each own their engines and run the pipeline on one
 * image at a time; the main thread owns the database and stores each draft in its own
 * transaction as it arrives. Killed at any moment, the next run finds every finished draft
 * and redoes only what was missing: a draft is in the database whole or not at all, and
 * (image, label) is its primary key.
 */
#define G_LOG_DOMAIN "paintmask-cli"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pm-cli-batch-private.h"

#define COMMAND PM_BATCH_COMMAND
#define MAX_JOBS 64

static void
batch_args_clear (PmBatchArgs *args)
{
  pm_cli_engine_args_clear (&args->engine);
  g_strfreev (args->labels);
  g_free (args->instruction);
  g_free (args->db);
  g_free (args->coco);
  g_free (args->masks);
  g_free (args->yolo);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PmBatchArgs, batch_args_clear)

static const char * const image_extensions[] = {
  ".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".gif", NULL
};

/* ---------------------------------------------------------------- the folder */

static gboolean
is_image_name (const char *name)
{
  const char *dot = strrchr (name, '.');

  for (int i = 0; dot != NULL && image_extensions[i] != NULL; i++)
    if (g_ascii_strcasecmp (dot, image_extensions[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Adds the images under @dir (relative path @rel) to @paths, skipping hidden entries,
 * symbolic links to folders and the folders in @skip (our own outputs). */
static void
scan_folder (const char  *dir,
             const char  *rel,
             GHashTable  *skip,
             GPtrArray   *paths)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  if (handle == NULL)
    return;
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *full = g_build_filename (dir, name, NULL);
      g_autofree char *sub = rel != NULL ? g_strconcat (rel, "/", name, NULL) : g_strdup (name);

      if (name[0] == '.' || g_hash_table_contains (skip, full) ||
          !g_utf8_validate (name, -1, NULL) || !pm_project_path_check (sub, NULL))
        continue;
      if (g_file_test (full, G_FILE_TEST_IS_DIR))
        {
          if (!g_file_test (full, G_FILE_TEST_IS_SYMLINK))
            scan_folder (full, sub, skip, paths);
        }
      else if (is_image_name (name) && g_file_test (full, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (paths, g_steal_pointer (&sub));
    }
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Scans @root and adds new images to the project; *@n_added says how many. */
static gboolean
add_folder_images (PmStore            *store,
                   gint64              project_id,
                   const char         *root,
                   const PmBatchArgs  *args,
                   guint              *n_added)
{
  g_autoptr(GHashTable) skip = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *outputs[] = { args->masks, args->yolo };

  for (guint i = 0; i < G_N_ELEMENTS (outputs); i++)
    if (outputs[i] != NULL)
      g_hash_table_add (skip, g_canonicalize_filename (outputs[i], NULL));
  scan_folder (root, NULL, skip, paths);
  g_ptr_array_sort (paths, compare_strings);
  if (!pm_store_add_project_images (store, project_id, (const char * const *) paths->pdata,
                                    paths->len, n_added, &error))
    {
      pm_cli_error (COMMAND, "%s", error->message);
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------- planning */

/* The labels given on the command line, stored (with --instruction/--engine) and expanded. */
static GPtrArray *
prepare_labels (PmStore            *store,
                gint64              project_id,
                const PmBatchArgs  *args,
                const char         *root)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_batch_label_free);
  g_autoptr(GPtrArray) stored = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; args->labels[i] != NULL; i++)
    if (pm_store_ensure_label (store, project_id, args->labels[i], args->instruction,
                               args->engine.engine, &error) == 0)
      {
        pm_cli_error (COMMAND, "--label: %s", error->message);
        return NULL;
      }
  stored = pm_store_list_labels (store, project_id, &error);
  if (stored == NULL)
    {
      pm_cli_error (COMMAND, "%s", error->message);
      return NULL;
    }
  for (guint i = 0; args->labels[i] != NULL; i++)
    for (guint k = 0; k < stored->len; k++)
      {
        PmLabelInfo *info = stored->pdata[k];
        g_autoptr(JsonBuilder) params = NULL;
        PmBatchLabel *label;

        if (!g_str_equal (info->name, args->labels[i]))
          continue;
        label = g_new0 (PmBatchLabel, 1);
        label->id = info->id;
        label->name = g_strdup (info->name);
        label->instruction = pm_label_expand_instruction (info->instruction, info->name);
        label->engine = g_strdup (info->engine);
        params = json_builder_new ();
        json_builder_begin_object (params);
        pm_cli_json_add_string (params, "project", root);
        pm_cli_json_add_string (params, "label", info->name);
        pm_cli_json_add_string (params, "template", info->instruction);
        pm_cli_json_add_string (params, "model_dir", args->engine.model_dir);
        json_builder_end_object (params);
        label->params_json = pm_batch_node_to_string (json_builder_get_root (params));
        g_ptr_array_add (labels, label);
      }
  return g_steal_pointer (&labels);
}

/* Fails early (before any drafting) when an engine the labels need cannot start. */
static gboolean
check_engines (PmBatchWork *work)
{
  g_autoptr(GHashTable) engines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) pm_engine_unref);

  for (guint i = 0; i < work->labels->len; i++)
    {
      PmBatchLabel *label = work->labels->pdata[i];
      g_autoptr(GError) error = NULL;

      if (pm_batch_engine (work, engines, label->engine, &error) == NULL)
        {
          pm_cli_error (COMMAND, "label %s: engine %s: %s", label->name, label->engine,
                        error->message);
          return FALSE;
        }
    }
  return TRUE;
}

/* The jobs: per image, the labels that need a draft. */
static GPtrArray *
plan_jobs (PmStore      *store,
           gint64        project_id,
           const char   *root,
           PmBatchWork  *work,
           guint        *n_skipped)
{
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_batch_job_free);
  g_autoptr(GPtrArray) images = NULL;
  g_autoptr(GError) error = NULL;

  images = pm_store_list_project_images (store, project_id, 0, 0, &error);
  if (images == NULL)
    {
      pm_cli_error (COMMAND, "%s", error->message);
      return NULL;
    }
  *n_skipped = 0;
  for (guint i = 0; i < images->len; i++)
    {
      PmProjectImage *image = images->pdata[i];
      g_autoptr(GArray) drafts = NULL;
      g_autoptr(GArray) needed = g_array_new (FALSE, FALSE, sizeof (guint));
      gboolean replace = work->args->redo && (image->status == PM_IMAGE_STATUS_TODO ||
                                              image->status == PM_IMAGE_STATUS_DRAFTED);
      PmBatchJob *job;

      if (image->status == PM_IMAGE_STATUS_REJECTED)
        {
          (*n_skipped)++;
          continue;
        }
      drafts = pm_store_list_drafts (store, project_id, image->id, 0, &error);
      if (drafts == NULL)
        {
          pm_cli_error (COMMAND, "%s", error->message);
          return NULL;
        }
      for (guint l = 0; l < work->labels->len; l++)
        {
          PmBatchLabel *label = work->labels->pdata[l];
          gboolean has = FALSE;

          for (guint d = 0; d < drafts->len; d++)
            has |= g_array_index (drafts, PmDraftInfo, d).label_id == label->id;
          if (!has || replace)
            g_array_append_val (needed, l);
        }
      if (needed->len == 0)
        {
          (*n_skipped)++;
          continue;
        }
      job = g_new0 (PmBatchJob, 1);
      job->image_id = image->id;
      job->path = g_strdup (image->path);
      job->file = g_build_filename (root, image->path, NULL);
      job->labels = g_steal_pointer (&needed);
      job->replace = replace;
      g_ptr_array_add (jobs, job);
    }
  return g_steal_pointer (&jobs);
}

/* ---------------------------------------------------------------- the command */

static int
check_args (PmBatchArgs  *args,
            char        **rest)
{
  int code;

  if (g_strv_length (rest) != 1)
    {
      pm_cli_error (COMMAND, "expected one FOLDER, got %u (see 'paintmask batch --help')",
                    g_strv_length (rest));
      return PM_EXIT_USAGE;
    }
  if (args->labels == NULL || args->labels[0] == NULL)
    {
      pm_cli_error (COMMAND, "give at least one --label (e.g. --label cat --label dog)");
      return PM_EXIT_USAGE;
    }
  for (guint i = 0; args->labels[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!pm_label_name_check (args->labels[i], &error))
        {
          pm_cli_error (COMMAND, "--label: %s", error->message);
          return PM_EXIT_USAGE;
        }
      for (guint k = 0; k < i; k++)
        if (g_str_equal (args->labels[i], args->labels[k]))
          {
            pm_cli_error (COMMAND, "--label %s is given twice", args->labels[i]);
            return PM_EXIT_USAGE;
          }
    }
  if (args->instruction != NULL &&
      (!g_utf8_validate (args->instruction, -1, NULL) || *g_strstrip (args->instruction) == '\0'))
    {
      pm_cli_error (COMMAND, "--instruction: the template is empty or not UTF-8 (e.g. "
                    "\"segment the {label}\")");
      return PM_EXIT_USAGE;
    }
  if (args->jobs == 0)
    args->jobs = 1;
  if (args->jobs < 1 || args->jobs > MAX_JOBS)
    {
      pm_cli_error (COMMAND, "--jobs: %d is not between 1 and %d", args->jobs, MAX_JOBS);
      return PM_EXIT_USAGE;
    }
  if (args->engine.engine != NULL)
    {
      gboolean known = FALSE;

      for (const char * const *n = pm_engine_list_names (); *n != NULL; n++)
        known |= g_str_equal (*n, args->engine.engine);
      if (!known)
        {
          pm_cli_error (COMMAND, "--engine: unknown engine '%s' (builtin, clipseg or remote)",
                        args->engine.engine);
          return PM_EXIT_USAGE;
        }
    }
  if (!g_file_test (rest[0], G_FILE_TEST_IS_DIR))
    {
      pm_cli_error (COMMAND, "%s: no such folder", rest[0]);
      return PM_EXIT_ERROR;
    }
  if ((args->coco != NULL &&
       (code = pm_cli_dataset_check_file (COMMAND, "--coco", args->coco)) != PM_EXIT_OK) ||
      (args->masks != NULL &&
       (code = pm_cli_dataset_check_dir (COMMAND, "--masks", args->masks)) != PM_EXIT_OK) ||
      (args->yolo != NULL &&
       (code = pm_cli_dataset_check_dir (COMMAND, "--yolo", args->yolo)) != PM_EXIT_OK))
    return code;
  return PM_EXIT_OK;
}

static void
print_summary (PmStore                *store,
               gint64                  project_id,
               const char             *root,
               const PmBatchArgs      *args,
               guint                   n_added,
               guint                   n_jobs,
               guint                   n_skipped,
               const PmBatchOutcome   *outcome,
               const PmDatasetReport  *report)
{
  int counts[4] = { 0 };
  double rate = outcome->elapsed_s > 0 ? outcome->n_done / outcome->elapsed_s : 0;

  pm_store_count_project_images (store, project_id, counts, NULL);
  if (!args->json)
    {
      printf ("%u images drafted (%u masks), %u skipped, %u failed, %u new in the folder; "
              "%.2f images/s\n", outcome->n_done - outcome->failures->len, outcome->n_drafts,
              n_skipped, outcome->failures->len, n_added, rate);
      printf ("project %s: %d todo, %d drafted, %d reviewed, %d rejected (%s)\n", root,
              counts[0], counts[1], counts[2], counts[3], pm_store_get_path (store));
      if (report != NULL)
        printf ("exported %u images, %u annotations, %u mask files, %u label files\n",
                report->n_images, report->n_annotations, report->n_mask_files,
                report->n_yolo_files);
      return;
    }

  {
    g_autoptr(JsonBuilder) b = json_builder_new ();

    json_builder_begin_object (b);
    pm_cli_json_add_string (b, "folder", root);
    pm_cli_json_add_string (b, "db", pm_store_get_path (store));
    json_builder_set_member_name (b, "labels");
    json_builder_begin_array (b);
    for (guint i = 0; args->labels[i] != NULL; i++)
      json_builder_add_string_value (b, args->labels[i]);
    json_builder_end_array (b);
    json_builder_set_member_name (b, "added");
    json_builder_add_int_value (b, n_added);
    json_builder_set_member_name (b, "to_draft");
    json_builder_add_int_value (b, n_jobs);
    json_builder_set_member_name (b, "skipped");
    json_builder_add_int_value (b, n_skipped);
    json_builder_set_member_name (b, "drafted");
    json_builder_add_int_value (b, outcome->n_done - outcome->failures->len);
    json_builder_set_member_name (b, "drafts");
    json_builder_add_int_value (b, outcome->n_drafts);
    json_builder_set_member_name (b, "failed");
    json_builder_begin_array (b);
    for (guint i = 0; i < outcome->failures->len; i++)
      {
        g_autofree char *valid = g_utf8_make_valid (outcome->failures->pdata[i], -1);
        json_builder_add_string_value (b, valid);
      }
    json_builder_end_array (b);
    json_builder_set_member_name (b, "elapsed_s");
    json_builder_add_double_value (b, round (outcome->elapsed_s * 1000) / 1000);
    json_builder_set_member_name (b, "images_per_s");
    json_builder_add_double_value (b, round (rate * 1000) / 1000);
    json_builder_set_member_name (b, "status");
    json_builder_begin_object (b);
    for (int s = 0; s < 4; s++)
      {
        json_builder_set_member_name (b, pm_image_status_to_string ((PmImageStatus) s));
        json_builder_add_int_value (b, counts[s]);
      }
    json_builder_end_object (b);
    json_builder_set_member_name (b, "export");
    if (report == NULL)
      json_builder_add_null_value (b);
    else
      {
        json_builder_begin_object (b);
        pm_cli_json_add_string (b, "coco", args->coco);
        pm_cli_json_add_string (b, "masks", args->masks);
        pm_cli_json_add_string (b, "yolo", args->yolo);
        pm_cli_dataset_report_json (b, report);
        json_builder_end_object (b);
      }
    json_builder_end_object (b);
    pm_cli_print_json (json_builder_get_root (b));
  }
}

int
pm_cli_batch (int    argc,
              char **argv)
{
  g_auto(PmBatchArgs) args = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) rest = NULL;
  g_autoptr(PmStore) store = NULL;
  g_autoptr(GPtrArray) labels = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) failures = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) failed = g_ptr_array_new ();
  g_autofree char *root = NULL;
  PmDatasetReport report = { 0 };
  gboolean exported = FALSE;
  PmBatchOutcome outcome = { .failures = failures, .failed = failed };
  PmBatchWork work = { .args = &args };
  guint n_added = 0, n_skipped = 0;
  gint64 project_id;
  int code;
  const GOptionEntry entries[] = {
    { "label", 'l', 0, G_OPTION_ARG_STRING_ARRAY, &args.labels,
      "A label to draft a mask for (repeat for several)", "LABEL" },
    { "instruction", 'i', 0, G_OPTION_ARG_STRING, &args.instruction,
      "Instruction template for these labels; {label} is replaced (default: "
      PM_LABEL_DEFAULT_INSTRUCTION ")", "TEMPLATE" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &args.db,
      "Database holding the project, e.g. a .paintmask file (default: $PAINTMASK_DB or the "
      "history)", "FILE" },
    { "coco", 0, 0, G_OPTION_ARG_FILENAME, &args.coco,
      "Then write COCO JSON here", "OUT.json" },
    { "masks", 0, 0, G_OPTION_ARG_FILENAME, &args.masks,
      "Then write PNG masks here (<image stem>_<label>.png)", "DIR" },
    { "yolo", 0, 0, G_OPTION_ARG_FILENAME, &args.yolo,
      "Then write YOLO segmentation labels and data.yaml here", "DIR" },
    { "polygons", 0, 0, G_OPTION_ARG_NONE, &args.polygons,
      "COCO segmentation as polygons instead of RLE", NULL },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &args.jobs,
      "Images drafted at once (default 1)", "N" },
    { "redo", 0, 0, G_OPTION_ARG_NONE, &args.redo,
      "Draft again the images already drafted (reviewed and rejected ones are kept)", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &args.json, "Print a JSON summary on stdout", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &args.quiet, "No progress line", NULL },
    { NULL }
  };

  context = pm_cli_context_new (COMMAND, "FOLDER",
                                "Drafts a mask for every image of FOLDER (and its subfolders) "
                                "and every --label, stores them in the project of FOLDER, then "
                                "writes the exports asked for.\nRun it again to resume: images "
                                "already drafted are skipped and new images are added. Photos "
                                "are never copied.");
  g_option_context_add_main_entries (context, entries, NULL);
  pm_cli_add_engine_options (context, &args.engine);
  if (!pm_cli_parse (context, COMMAND, argc, argv, &rest))
    return PM_EXIT_USAGE;
  code = check_args (&args, rest);
  if (code != PM_EXIT_OK)
    return code;
  root = g_canonicalize_filename (rest[0], NULL);
  work.threads = args.engine.threads > 0 ? args.engine.threads
                 : args.jobs > 1 ? MAX (1, (int) g_get_num_processors () / args.jobs) : 0;

  store = pm_cli_dataset_open_store (COMMAND, args.db);
  if (store == NULL)
    return PM_EXIT_ERROR;
  project_id = pm_store_ensure_project (store, root, &error);
  if (project_id == 0)
    {
      pm_cli_error (COMMAND, "%s", error->message);
      return PM_EXIT_ERROR;
    }
  labels = prepare_labels (store, project_id, &args, root);
  if (labels == NULL)
    return PM_EXIT_ERROR;
  work.labels = labels;
  if (!check_engines (&work) || !add_folder_images (store, project_id, root, &args, &n_added))
    return PM_EXIT_ERROR;
  jobs = plan_jobs (store, project_id, root, &work, &n_skipped);
  if (jobs == NULL)
    return PM_EXIT_ERROR;
  if (!pm_batch_run_jobs (store, &work, jobs, &outcome))
    return PM_EXIT_ERROR;

  code = outcome.failures->len > 0 ? PM_EXIT_ERROR : PM_EXIT_OK;
  if (args.coco != NULL || args.masks != NULL || args.yolo != NULL)
    {
      PmDatasetExportOptions options = { .coco_path = args.coco, .masks_dir = args.masks,
                                         .yolo_dir = args.yolo, .polygons = args.polygons };

      pm_dataset_report_init (&report);
      exported = TRUE;
      if (pm_cli_dataset_export (COMMAND, store, project_id, &options, args.quiet,
                                 &report) != PM_EXIT_OK)
        code = PM_EXIT_ERROR;
    }
  print_summary (store, project_id, root, &args, n_added, jobs->len, n_skipped, &outcome,
                 exported ? &report : NULL);
  if (outcome.failed->len > 0)
    {
      g_autoptr(GString) list = g_string_new (NULL);

      for (guint i = 0; i < outcome.failed->len; i++)
        g_string_append_printf (list, "%s%s", i ? ", " : "",
                                (const char *) outcome.failed->pdata[i]);
      pm_cli_error (COMMAND, "%u image%s failed: %s", outcome.failed->len,
                    outcome.failed->len == 1 ? "" : "s", list->str);
    }
  if (exported)
    pm_dataset_report_clear (&report);
  return code;
}
