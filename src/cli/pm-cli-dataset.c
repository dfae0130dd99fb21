/* pm-cli-dataset.c: `paintmask export` and `paintmask import`, and what they share with
 * `paintmask batch`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "paintmask-cli"

#include "config.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "pm-cli-dataset.h"

/* ---------------------------------------------------------------- shared */

PmStore *
pm_cli_dataset_open_store (const char *command,
                           const char *db)
{
  g_autofree char *path = db != NULL ? g_strdup (db) : pm_store_default_path ();
  g_autoptr(GError) error = NULL;
  PmStore *store = pm_store_open (path, &error);

  if (store == NULL)
    pm_cli_error (command, "%s", error->message);
  return store;
}

/* Whether a file can be created in @dir (access() says yes to root everywhere). */
static gboolean
folder_writable (const char *dir,
                 int        *errsv)
{
  g_autofree char *probe = g_build_filename (dir, ".paintmask-probe-XXXXXX", NULL);
  int fd = g_mkstemp (probe);

  if (fd < 0)
    {
      *errsv = errno;
      return FALSE;
    }
  close (fd);
  g_unlink (probe);
  return TRUE;
}

int
pm_cli_dataset_check_file (const char *command,
                           const char *option,
                           const char *path)
{
  g_autofree char *dir = NULL;
  int errsv = 0;

  if (path[0] == '\0')
    {
      pm_cli_error (command, "%s: the output path is empty", option);
      return PM_EXIT_USAGE;
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      pm_cli_error (command, "%s %s: is a folder; give a file name", option, path);
      return PM_EXIT_USAGE;
    }
  dir = g_path_get_dirname (path);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      pm_cli_error (command, "%s %s: folder %s does not exist", option, path, dir);
      return PM_EXIT_ERROR;
    }
  if (!folder_writable (dir, &errsv))
    {
      pm_cli_error (command, "%s %s: cannot write in that folder (%s)", option, path,
                    g_strerror (errsv));
      return PM_EXIT_ERROR;
    }
  return PM_EXIT_OK;
}

int
pm_cli_dataset_check_dir (const char *command,
                          const char *option,
                          const char *path)
{
  int errsv = 0;

  if (path[0] == '\0')
    {
      pm_cli_error (command, "%s: the output folder is empty", option);
      return PM_EXIT_USAGE;
    }
  if (g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      pm_cli_error (command, "%s %s: is a file, not a folder", option, path);
      return PM_EXIT_USAGE;
    }
  if (g_mkdir_with_parents (path, 0777) != 0)
    {
      errsv = errno;
      pm_cli_error (command, "%s %s: cannot create the folder (%s)", option, path,
                    g_strerror (errsv));
      return PM_EXIT_ERROR;
    }
  if (!folder_writable (path, &errsv))
    {
      pm_cli_error (command, "%s %s: cannot write in that folder (%s)", option, path,
                    g_strerror (errsv));
      return PM_EXIT_ERROR;
    }
  return PM_EXIT_OK;
}

char *
pm_cli_format_duration (double seconds)
{
  gint64 s = (gint64) (seconds + 0.5);

  if (s < 3600)
    return g_strdup_printf ("%d:%02d", (int) (s / 60), (int) (s % 60));
  return g_strdup_printf ("%d h %02d min", (int) (s / 3600), (int) (s / 60 % 60));
}

typedef struct {
  PmCliProgress *line;
  gint64         started_us;
} ExportProgress;

static void
export_progress (guint    done,
                 guint    total,
                 gpointer user_data)
{
  ExportProgress *progress = user_data;
  g_autofree char *stage = g_strdup_printf ("exporting %u/%u", done, total);

  pm_cli_progress_update (stage, total > 0 ? (double) done / total : 1.0, progress->line);
}

int
pm_cli_dataset_export (const char             *command,
                       PmStore                *store,
                       gint64                  project_id,
                       PmDatasetExportOptions *options,
                       gboolean                quiet,
                       PmDatasetReport        *report)
{
  g_autoptr(PmCliProgress) line = pm_cli_progress_new (!quiet);
  g_autoptr(GError) error = NULL;
  ExportProgress progress = { .line = line, .started_us = g_get_monotonic_time () };
  gboolean ok;

  options->progress = export_progress;
  options->progress_data = &progress;
  ok = pm_dataset_export (store, project_id, options, report, &error);
  pm_cli_progress_clear (line);
  for (guint i = 0; i < report->problems->len; i++)
    pm_cli_error (command, "%s", (const char *) report->problems->pdata[i]);
  if (!ok)
    {
      pm_cli_error (command, "%s", error->message);
      return PM_EXIT_ERROR;
    }
  return report->problems->len > 0 ? PM_EXIT_ERROR : PM_EXIT_OK;
}

void
pm_cli_dataset_report_json (JsonBuilder           *builder,
                            const PmDatasetReport *report)
{
  json_builder_set_member_name (builder, "images");
  json_builder_add_int_value (builder, report->n_images);
  json_builder_set_member_name (builder, "annotations");
  json_builder_add_int_value (builder, report->n_annotations);
  json_builder_set_member_name (builder, "mask_files");
  json_builder_add_int_value (builder, report->n_mask_files);
  json_builder_set_member_name (builder, "yolo_files");
  json_builder_add_int_value (builder, report->n_yolo_files);
  json_builder_set_member_name (builder, "problems");
  json_builder_begin_array (builder);
  for (guint i = 0; i < report->problems->len; i++)
    {
      g_autofree char *valid = g_utf8_make_valid (report->problems->pdata[i], -1);
      json_builder_add_string_value (builder, valid);
    }
  json_builder_end_array (builder);
}

/* ---------------------------------------------------------------- export */

typedef struct {
  char     *coco;
  char     *masks;
  char     *yolo;
  char     *status;
  char     *db;
  gboolean  polygons;
  gboolean  json;
  gboolean  quiet;
} ExportArgs;

static void
export_args_clear (ExportArgs *args)
{
  g_free (args->coco);
  g_free (args->masks);
  g_free (args->yolo);
  g_free (args->status);
  g_free (args->db);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ExportArgs, export_args_clear)

/* PROJECT_OR_DB: a project folder (looked up in --db or the history), or a database file
 * holding exactly one project. Opens the store and sets *@project_id. */
static PmStore *
open_project (const char  *target,
              const char  *db,
              gint64      *project_id,
              int         *exit_code)
{
  g_autoptr(PmStore) store = NULL;
  g_autoptr(GError) error = NULL;

  *exit_code = PM_EXIT_ERROR;
  if (g_file_test (target, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *path = db != NULL ? g_strdup (db) : pm_store_default_path ();

      /* Exporting never creates a database. */
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          pm_cli_error ("export", "%s: no such database", path);
          return NULL;
        }
      store = pm_cli_dataset_open_store ("export", path);
      if (store == NULL)
        return NULL;
      *project_id = pm_store_find_project (store, target, &error);
      if (*project_id == 0)
        {
          pm_cli_error ("export", "%s: no dataset project for this folder in %s (run "
                        "'paintmask batch %s --label …' or 'paintmask import' first)", target,
                        pm_store_get_path (store), target);
          return NULL;
        }
      return g_steal_pointer (&store);
    }
  if (!g_file_test (target, G_FILE_TEST_IS_REGULAR))
    {
      pm_cli_error ("export", "%s: no such project folder or database file", target);
      return NULL;
    }
  if (db != NULL)
    {
      pm_cli_error ("export", "give either a database file or --db with a project folder, "
                    "not both");
      *exit_code = PM_EXIT_USAGE;
      return NULL;
    }
  store = pm_cli_dataset_open_store ("export", target);
  if (store == NULL)
    return NULL;
  {
    g_autoptr(GPtrArray) projects = pm_store_list_projects (store, &error);

    if (projects == NULL)
      {
        pm_cli_error ("export", "%s", error->message);
        return NULL;
      }
    if (projects->len != 1)
      {
        pm_cli_error ("export", "%s holds %u dataset projects; name the folder: "
                      "'paintmask export FOLDER --db %s …'%s%s", target, projects->len,
                      target, projects->len > 0 ? " (first: " : "",
                      projects->len > 0 ? ((PmProjectInfo *) projects->pdata[0])->root : "");
        return NULL;
      }
    *project_id = ((PmProjectInfo *) projects->pdata[0])->id;
  }
  return g_steal_pointer (&store);
}

int
pm_cli_export (int    argc,
               char **argv)
{
  g_auto(ExportArgs) args = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) rest = NULL;
  g_autoptr(PmStore) store = NULL;
  g_autoptr(GError) error = NULL;
  PmDatasetExportOptions options = { 0 };
  PmDatasetReport report;
  gint64 project_id = 0;
  int code;
  const GOptionEntry entries[] = {
    { "coco", 0, 0, G_OPTION_ARG_FILENAME, &args.coco,
      N_("Write COCO JSON (RLE masks) here"), "OUT.json" },
    { "masks", 0, 0, G_OPTION_ARG_FILENAME, &args.masks,
      N_("Write one PNG mask per image and label here (<image stem>_<label>.png)"), "DIR" },
    { "yolo", 0, 0, G_OPTION_ARG_FILENAME, &args.yolo,
      N_("Write YOLO segmentation labels and data.yaml here"), "DIR" },
    { "status", 0, 0, G_OPTION_ARG_STRING, &args.status,
      N_("Export images with this status (todo, drafted, reviewed, rejected; several with "
      "commas; default: drafted,reviewed)"), "STATUS" },
    { "polygons", 0, 0, G_OPTION_ARG_NONE, &args.polygons,
      N_("COCO segmentation as polygons (holes are filled) instead of RLE"), NULL },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &args.db,
      N_("The database holding the project folder's project (default: $PAINTMASK_DB or the "
      "history)"), "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &args.json, N_("Print a JSON summary on stdout"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &args.quiet, N_("No progress line"), NULL },
    { NULL }
  };

  context = pm_cli_context_new ("export", "PROJECT_OR_DB",
                                "Exports a dataset project's masks (each draft's latest "
                                "correction) as COCO JSON, PNG masks and/or YOLO labels.\n"
                                "PROJECT_OR_DB is the project's folder, or a database file "
                                "(e.g. a .paintmask file) holding one project.");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!pm_cli_parse (context, "export", argc, argv, &rest))
    return PM_EXIT_USAGE;
  if (g_strv_length (rest) != 1)
    {
      pm_cli_error ("export", "expected one PROJECT_OR_DB, got %u (see 'paintmask export "
                    "--help')", g_strv_length (rest));
      return PM_EXIT_USAGE;
    }
  if (args.coco == NULL && args.masks == NULL && args.yolo == NULL)
    {
      pm_cli_error ("export", "nothing to write: give --coco, --masks and/or --yolo");
      return PM_EXIT_USAGE;
    }
  if (args.status != NULL && !pm_image_status_parse_set (args.status, &options.status_flags,
                                                         &error))
    {
      pm_cli_error ("export", "--status: %s", error->message);
      return PM_EXIT_USAGE;
    }
  if ((args.coco != NULL && (code = pm_cli_dataset_check_file ("export", "--coco",
                                                               args.coco)) != PM_EXIT_OK) ||
      (args.masks != NULL && (code = pm_cli_dataset_check_dir ("export", "--masks",
                                                               args.masks)) != PM_EXIT_OK) ||
      (args.yolo != NULL && (code = pm_cli_dataset_check_dir ("export", "--yolo",
                                                              args.yolo)) != PM_EXIT_OK))
    return code;

  store = open_project (rest[0], args.db, &project_id, &code);
  if (store == NULL)
    return code;

  options.coco_path = args.coco;
  options.masks_dir = args.masks;
  options.yolo_dir = args.yolo;
  options.polygons = args.polygons;
  pm_dataset_report_init (&report);
  code = pm_cli_dataset_export ("export", store, project_id, &options, args.quiet, &report);
  if (args.json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(PmProjectInfo) project = pm_store_get_project (store, project_id, NULL);

      json_builder_begin_object (builder);
      pm_cli_json_add_string (builder, "project", project != NULL ? project->root : NULL);
      pm_cli_json_add_string (builder, "db", pm_store_get_path (store));
      pm_cli_json_add_string (builder, "coco", args.coco);
      pm_cli_json_add_string (builder, "masks", args.masks);
      pm_cli_json_add_string (builder, "yolo", args.yolo);
      pm_cli_dataset_report_json (builder, &report);
      json_builder_end_object (builder);
      pm_cli_print_json (json_builder_get_root (builder));
    }
  else if (code == PM_EXIT_OK || report.n_images > 0)
    printf ("exported %u images, %u annotations, %u mask files, %u label files\n",
            report.n_images, report.n_annotations, report.n_mask_files, report.n_yolo_files);
  pm_dataset_report_clear (&report);
  return code;
}

/* ---------------------------------------------------------------- import */

static void
import_progress (guint    done,
                 guint    total,
                 gpointer user_data)
{
  g_autofree char *stage = g_strdup_printf ("importing %u/%u", done, total);

  pm_cli_progress_update (stage, total > 0 ? (double) done / total : 1.0, user_data);
}

int
pm_cli_import (int    argc,
               char **argv)
{
  g_autofree char *root = NULL;
  g_autofree char *db = NULL;
  gboolean json = FALSE, quiet = FALSE;
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) rest = NULL;
  g_autoptr(PmStore) store = NULL;
  g_autoptr(PmCliProgress) line = NULL;
  g_autoptr(PmCocoFile) file = NULL;
  g_autoptr(GError) error = NULL;
  PmDatasetReport report;
  gint64 project_id = 0;
  gboolean ok;
  const GOptionEntry entries[] = {
    { "root", 0, 0, G_OPTION_ARG_FILENAME, &root,
      N_("The folder the file_names are relative to: the project's folder"), "DIR" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db,
      N_("Database to import into (default: $PAINTMASK_DB or the history)"), "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print a JSON summary on stdout"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("No progress line"), NULL },
    { NULL }
  };

  context = pm_cli_context_new ("import", "COCO.json",
                                "Brings COCO annotations (RLE or polygons) into the dataset "
                                "project of --root for review: one draft per image and "
                                "category.\nA bad item (missing image, duplicate id, mask of "
                                "the wrong size …) is reported and the rest imports.");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!pm_cli_parse (context, "import", argc, argv, &rest))
    return PM_EXIT_USAGE;
  if (g_strv_length (rest) != 1 || root == NULL)
    {
      pm_cli_error ("import", "expected COCO.json and --root DIR (see 'paintmask import "
                    "--help')");
      return PM_EXIT_USAGE;
    }
  if (!g_file_test (rest[0], G_FILE_TEST_IS_REGULAR))
    {
      pm_cli_error ("import", "%s: no such file", rest[0]);
      return PM_EXIT_ERROR;
    }
  if (!g_file_test (root, G_FILE_TEST_IS_DIR))
    {
      pm_cli_error ("import", "--root %s: no such folder", root);
      return PM_EXIT_ERROR;
    }
  /* Read the file before the database: a file that is not COCO changes nothing. */
  file = pm_coco_file_load (rest[0], &error);
  if (file == NULL)
    {
      pm_cli_error ("import", "%s", error->message);
      return PM_EXIT_ERROR;
    }
  store = pm_cli_dataset_open_store ("import", db);
  if (store == NULL)
    return PM_EXIT_ERROR;

  pm_dataset_report_init (&report);
  line = pm_cli_progress_new (!quiet);
  ok = pm_dataset_import_coco (store, file, root, import_progress, line, &project_id,
                               &report, &error);
  pm_cli_progress_clear (line);
  for (guint i = 0; i < report.problems->len; i++)
    pm_cli_error ("import", "%s", (const char *) report.problems->pdata[i]);
  if (!ok)
    {
      pm_cli_error ("import", "%s", error->message);
      pm_dataset_report_clear (&report);
      return PM_EXIT_ERROR;
    }
  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(PmProjectInfo) project = pm_store_get_project (store, project_id, NULL);

      json_builder_begin_object (builder);
      pm_cli_json_add_string (builder, "project", project != NULL ? project->root : NULL);
      pm_cli_json_add_string (builder, "db", pm_store_get_path (store));
      json_builder_set_member_name (builder, "drafts");
      json_builder_add_int_value (builder, report.n_drafts);
      json_builder_set_member_name (builder, "kept");
      json_builder_add_int_value (builder, report.n_kept);
      pm_cli_dataset_report_json (builder, &report);
      json_builder_end_object (builder);
      pm_cli_print_json (json_builder_get_root (builder));
    }
  else
    printf ("imported %u images (%u masks) into %s; %u kept as reviewed or rejected; "
            "%u problems\n", report.n_images, report.n_drafts, pm_store_get_path (store),
            report.n_kept, report.problems->len);
  ok = report.problems->len == 0;
  pm_dataset_report_clear (&report);
  return ok ? PM_EXIT_OK : PM_EXIT_ERROR;
}
