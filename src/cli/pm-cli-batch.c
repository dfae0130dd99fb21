/* pm-cli-batch.c: `paintmask batch FOLDER --label L …`: draft a mask for every image and
 * label of a folder, resumably, then export.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The drafting is pm_dataset_batch_run() (src/store/pm-dataset-batch.c), the code the app
 * runs too: the folder is scanned and new images are added to its project, then every
 * (image, label) pair without a draft (with --redo: every pair of the images not yet
 * reviewed or rejected) is drafted on --jobs workers, each draft stored in its own
 * transaction. Killed at any moment, the next run finds every finished draft and redoes only
 * what was missing. This file adds the options, the progress line, the summary and the
 * exports.
 */
#define G_LOG_DOMAIN "paintmask-cli"

#include "config.h"

#include <glib/gi18n.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pm-cli-dataset.h"
#include "pm-dataset-batch.h"
#include "pm-remote.h"

#define COMMAND "batch"
#define MAX_JOBS 64

typedef struct {
  PmCliEngineArgs engine;
  char          **labels;
  char           *instruction;
  char           *db;
  char           *coco;
  char           *masks;
  char           *yolo;
  int             jobs;
  gboolean        redo;
  gboolean        one_edit;
  gboolean        polygons;
  gboolean        json;
  gboolean        quiet;
} BatchArgs;

static void
batch_args_clear (BatchArgs *args)
{
  pm_cli_engine_args_clear (&args->engine);
  g_strfreev (args->labels);
  g_free (args->instruction);
  g_free (args->db);
  g_free (args->coco);
  g_free (args->masks);
  g_free (args->yolo);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BatchArgs, batch_args_clear)

/* The progress line: n/N, rate and time left; each failure as a line of its own. */
typedef struct {
  PmCliProgress *line;
  gint64         started_us;
} Progress;

static void
on_image_done (const char *path,
               const char *error,
               guint       done,
               guint       total,
               gpointer    user_data)
{
  Progress *progress = user_data;
  double elapsed = (g_get_monotonic_time () - progress->started_us) / 1e6;
  double rate = elapsed > 0 ? done / elapsed : 0;
  g_autofree char *eta = rate > 0 ? pm_cli_format_duration ((total - done) / rate)
                                  : g_strdup ("?");
  g_autofree char *stage = g_strdup_printf ("%u/%u images, %.2f/s, ETA %s, %s", done, total,
                                            rate, eta, path);

  if (error != NULL)
    {
      pm_cli_progress_clear (progress->line);
      pm_cli_error (COMMAND, "%s", error);
    }
  pm_cli_progress_update (stage, total > 0 ? (double) done / total : 1.0, progress->line);
}

static void
on_planned (guint    n_to_draft,
            guint    n_skipped,
            guint    n_added,
            gpointer user_data)
{
  Progress *progress = user_data;

  progress->started_us = g_get_monotonic_time ();
}

static int
check_args (BatchArgs  *args,
            char      **rest)
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
  if (args->engine.remote_profile != NULL &&
      !pm_remote_profile_from_string (args->engine.remote_profile, &(PmRemoteProfile) { 0 }))
    {
      pm_cli_error (COMMAND, "--remote-profile: unknown profile '%s' (openai, "
                    "openai-compatible, sdcpp, comfyui, gemini or fal)",
                    args->engine.remote_profile);
      return PM_EXIT_USAGE;
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
print_summary (PmStore                     *store,
               const char                  *root,
               const BatchArgs             *args,
               const PmDatasetBatchReport  *outcome,
               const PmDatasetReport       *report)
{
  int counts[4] = { 0 };
  double rate = outcome->elapsed_s > 0 ? outcome->n_done / outcome->elapsed_s : 0;

  pm_store_count_project_images (store, outcome->project_id, counts, NULL);
  if (!args->json)
    {
      printf ("%u images drafted (%u masks), %u skipped, %u failed, %u new in the folder; "
              "%.2f images/s\n", outcome->n_done - outcome->failures->len, outcome->n_drafts,
              outcome->n_skipped, outcome->failures->len, outcome->n_added, rate);
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
    json_builder_add_int_value (b, outcome->n_added);
    json_builder_set_member_name (b, "to_draft");
    json_builder_add_int_value (b, outcome->n_to_draft);
    json_builder_set_member_name (b, "skipped");
    json_builder_add_int_value (b, outcome->n_skipped);
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
  g_auto(BatchArgs) args = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) rest = NULL;
  g_autoptr(PmStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmCliProgress) line = NULL;
  g_autofree char *root = NULL;
  g_auto(PmEngineOptions) engine_options = { 0 };
  PmDatasetBatchOptions options = { 0 };
  PmDatasetBatchCallbacks callbacks = { .planned = on_planned, .image_done = on_image_done };
  PmDatasetBatchReport outcome;
  PmDatasetReport report = { 0 };
  Progress progress = { 0 };
  const char *skip_dirs[3] = { NULL };
  gboolean exported = FALSE, ok;
  int code;
  const GOptionEntry entries[] = {
    { "label", 'l', 0, G_OPTION_ARG_STRING_ARRAY, &args.labels,
      N_("A label to draft a mask for (repeat for several)"), "LABEL" },
    { "instruction", 'i', 0, G_OPTION_ARG_STRING, &args.instruction,
      "Instruction template for these labels; {label} is replaced (default: "
      PM_LABEL_DEFAULT_INSTRUCTION ")", "TEMPLATE" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &args.db,
      N_("Database holding the project, e.g. a .paintmask file (default: $PAINTMASK_DB or the "
      "history)"), "FILE" },
    { "coco", 0, 0, G_OPTION_ARG_FILENAME, &args.coco,
      N_("Then write COCO JSON here"), "OUT.json" },
    { "masks", 0, 0, G_OPTION_ARG_FILENAME, &args.masks,
      N_("Then write PNG masks here (<image stem>_<label>.png)"), "DIR" },
    { "yolo", 0, 0, G_OPTION_ARG_FILENAME, &args.yolo,
      N_("Then write YOLO segmentation labels and data.yaml here"), "DIR" },
    { "polygons", 0, 0, G_OPTION_ARG_NONE, &args.polygons,
      N_("COCO segmentation as polygons instead of RLE"), NULL },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &args.jobs,
      N_("Images drafted at once (default 1)"), "N" },
    { "one-edit", 0, 0, G_OPTION_ARG_NONE, &args.one_edit,
      N_("Draft all labels of an image in one edit (one generation per image with a remote "
      "engine; every label needs the same engine)"), NULL },
    { "redo", 0, 0, G_OPTION_ARG_NONE, &args.redo,
      N_("Draft again the images already drafted (reviewed and rejected ones are kept)"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &args.json, N_("Print a JSON summary on stdout"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &args.quiet, N_("No progress line"), NULL },
    { NULL }
  };

  context = pm_cli_context_new (COMMAND, "FOLDER",
                                "Drafts a mask for every image of FOLDER (and its subfolders) "
                                "and every --label, stores them in the project of FOLDER, then "
                                "writes the exports asked for.\nRun it again to resume: images "
                                "already drafted are skipped and new images are added. Photos "
                                "are never copied.");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  pm_cli_add_engine_options (context, &args.engine);
  if (!pm_cli_parse (context, COMMAND, argc, argv, &rest))
    return PM_EXIT_USAGE;
  code = check_args (&args, rest);
  if (code != PM_EXIT_OK)
    return code;
  /* the same checks as edit's: --precision, --refine and the rest are used, or refused */
  if (!pm_cli_engine_options_init (COMMAND, &args.engine, &engine_options, &code))
    return code;
  root = g_canonicalize_filename (rest[0], NULL);
  store = pm_cli_dataset_open_store (COMMAND, args.db);
  if (store == NULL)
    return PM_EXIT_ERROR;

  /* Each worker runs its own engines: share the cores among them. */
  engine_options.threads = args.engine.threads > 0 ? args.engine.threads
                           : args.jobs > 1 ? MAX (1, (int) g_get_num_processors () / args.jobs)
                           : 0;
  skip_dirs[0] = args.masks != NULL ? args.masks : args.yolo;
  skip_dirs[1] = args.masks != NULL ? args.yolo : NULL;
  options.root = root;
  options.labels = (const char * const *) args.labels;
  options.instruction = args.instruction;
  options.engine = args.engine.engine;
  options.engine_options = &engine_options;
  options.jobs = args.jobs;
  options.redo = args.redo;
  options.skip_dirs = skip_dirs;
  options.one_edit = args.one_edit;

  line = pm_cli_progress_new (!args.quiet);
  progress.line = line;
  progress.started_us = g_get_monotonic_time ();
  pm_dataset_batch_report_init (&outcome);
  ok = pm_dataset_batch_run (store, &options, &callbacks, &progress, NULL, &outcome, &error);
  pm_cli_progress_clear (line);
  if (!ok)
    {
      pm_cli_error (COMMAND, "%s", error->message);
      pm_dataset_batch_report_clear (&outcome);
      return pm_cli_exit_code (error);
    }

  code = outcome.failures->len > 0 ? PM_EXIT_ERROR : PM_EXIT_OK;
  if (args.coco != NULL || args.masks != NULL || args.yolo != NULL)
    {
      PmDatasetExportOptions export_options = {
        .coco_path = args.coco, .masks_dir = args.masks, .yolo_dir = args.yolo,
        .polygons = args.polygons,
      };

      pm_dataset_report_init (&report);
      exported = TRUE;
      if (pm_cli_dataset_export (COMMAND, store, outcome.project_id, &export_options,
                                 args.quiet, &report) != PM_EXIT_OK)
        code = PM_EXIT_ERROR;
    }
  print_summary (store, root, &args, &outcome, exported ? &report : NULL);
  if (outcome.failed_paths->len > 0)
    {
      g_autoptr(GString) list = g_string_new (NULL);

      for (guint i = 0; i < outcome.failed_paths->len; i++)
        g_string_append_printf (list, "%s%s", i ? ", " : "",
                                (const char *) outcome.failed_paths->pdata[i]);
      pm_cli_error (COMMAND, ngettext ("%u image failed: %s", "%u images failed: %s",
                                       outcome.failed_paths->len),
                    outcome.failed_paths->len, list->str);
    }
  if (exported)
    pm_dataset_report_clear (&report);
  pm_dataset_batch_report_clear (&outcome);
  return code;
}
