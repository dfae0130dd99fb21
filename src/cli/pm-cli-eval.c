/* pm-cli-eval.c: `paintmask eval INDEX.tsv`: referring-segmentation scores of an engine
 * through the whole pipeline (the run's mask is scored, and the derived mask beside it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "paintmask-cli"

#include "config.h"

#include <glib/gi18n.h>

#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "pm-cli-util.h"
#include "pm-maskio.h"
#include "pm-metrics.h"
#include "pm-pipeline.h"

#define COMMAND "eval"

/* An index is a small text file; refuse anything absurd before reading it whole. */
#define MAX_INDEX_BYTES (64 * 1024 * 1024)

typedef struct {
  PmCliEngineArgs engine;
  char           *root;
  char           *mask_value;
  gboolean        json;
  gboolean        quiet;
  int             limit;
} EvalArgs;

static void
eval_args_clear (EvalArgs *args)
{
  pm_cli_engine_args_clear (&args->engine);
  g_free (args->root);
  g_free (args->mask_value);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EvalArgs, eval_args_clear)

typedef struct {
  int     line;          /* in the TSV, 1-based */
  char   *image;         /* as written in the index */
  char   *mask;
  char   *phrase;
  /* outcome */
  char   *error;         /* NULL if the row ran; a failed row scores IoU 0 */
  gint64  truth_pixels;  /* of the true mask; 0 when it could not be read */
  double  iou;           /* the run's mask vs truth */
  gint64  inter, uni;
  double  derived_iou;   /* the derived mask vs truth */
  double  agreement;     /* the derived mask vs the run's mask (PmPipelineResult.derived_iou) */
  gint64  derived_inter, derived_uni;
  double  ms;
} EvalRow;

static void
eval_row_free (gpointer data)
{
  EvalRow *row = data;

  g_free (row->image);
  g_free (row->mask);
  g_free (row->phrase);
  g_free (row->error);
  g_free (row);
}

/* ---------------------------------------------------------------- the index */

static int
find_column (char       **header,
             const char  *name)
{
  for (int i = 0; header[i] != NULL; i++)
    {
      g_autofree char *cell = g_strstrip (g_strdup (header[i]));
      if (g_ascii_strcasecmp (cell, name) == 0)
        return i;
    }
  return -1;
}

/* Reads the rows of @path; on a malformed file sets @error naming it. */
static GPtrArray *
read_index (const char  *path,
            GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *display = g_filename_display_name (path);
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) header = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (eval_row_free);
  gsize length = 0;
  int c_image, c_mask, c_phrase, first = -1;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR, "%s: is a folder, not a TSV index",
                   display);
      return NULL;
    }
  {
    GStatBuf st;
    if (g_stat (path, &st) == 0 && st.st_size > MAX_INDEX_BYTES)
      {
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: too large for an index (%"
                     G_GINT64_FORMAT " bytes)", display, (gint64) st.st_size);
        return NULL;
      }
  }
  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  if (memchr (contents, '\0', length) != NULL || !g_utf8_validate (contents, length, NULL))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not a UTF-8 text file",
                   display);
      return NULL;
    }

  /* Spreadsheets like to start UTF-8 files with a byte-order mark. */
  lines = g_strsplit (g_str_has_prefix (contents, "\xef\xbb\xbf") ? contents + 3 : contents,
                      "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    {
      g_strchomp (lines[i]);   /* also drops a \r of CRLF files */
      if (lines[i][0] != '\0' && lines[i][0] != '#')
        {
          first = i;
          break;
        }
    }
  if (first < 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: empty index (expected a "
                   "header row with image, mask and phrase columns)", display);
      return NULL;
    }

  header = g_strsplit (lines[first], "\t", -1);
  c_image = find_column (header, "image");
  c_mask = find_column (header, "mask");
  c_phrase = find_column (header, "phrase");
  if (c_image < 0 || c_mask < 0 || c_phrase < 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s: the header row (line %d) lacks the “%s” column (tab-separated image, "
                   "mask and phrase are required)", display, first + 1,
                   c_image < 0 ? "image" : c_mask < 0 ? "mask" : "phrase");
      return NULL;
    }

  for (int i = first + 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) cells = NULL;
      EvalRow *row;
      guint n;

      g_strchomp (lines[i]);
      if (lines[i][0] == '\0' || lines[i][0] == '#')
        continue;
      cells = g_strsplit (lines[i], "\t", -1);
      n = g_strv_length (cells);
      row = g_new0 (EvalRow, 1);
      row->line = i + 1;
      row->image = g_strdup ((guint) c_image < n ? g_strstrip (cells[c_image]) : "");
      row->mask = g_strdup ((guint) c_mask < n ? g_strstrip (cells[c_mask]) : "");
      row->phrase = g_strdup ((guint) c_phrase < n ? g_strstrip (cells[c_phrase]) : "");
      if (row->image[0] == '\0' || row->mask[0] == '\0')
        row->error = g_strdup_printf ("missing %s",
                                      row->image[0] == '\0' ? "image" : "mask");
      g_ptr_array_add (rows, row);
    }
  return g_steal_pointer (&rows);
}

/* ---------------------------------------------------------------- one row */

static char *
resolve (const char *base,
         const char *path)
{
  if (g_path_is_absolute (path))
    return g_strdup (path);
  return g_build_filename (base, path, NULL);
}

static void
run_row (PmEngine      *engine,
         EvalRow       *row,
         const char    *base,
         const char    *mask_value,
         PmCliProgress *progress,
         char         **model)
{
  g_autofree char *image_path = resolve (base, row->image);
  g_autofree char *mask_path = resolve (base, row->mask);
  g_autofree char *instruction = g_strdup_printf ("segment %s", row->phrase);
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmMask) truth = NULL;
  g_autoptr(PmPipelineResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) truth_error = NULL;
  double t = pm_now_ms ();

  /* The truth is read even when the photo is not: a failed row still counts its true
   * pixels in the cIoU union. */
  truth = pm_mask_load_labels (mask_path, mask_value, &truth_error);
  if (truth != NULL)
    row->truth_pixels = pm_mask_count (truth);
  /* A picked value that occurs nowhere in the mask is allowed (the object may be absent),
   * but it is more often a wrong value: say so. */
  if (truth != NULL && row->truth_pixels == 0 && mask_value != NULL && *mask_value != '\0')
    {
      pm_cli_progress_clear (progress);
      g_printerr (_("eval: warning: %s has no pixel of value %s\n"), row->mask, mask_value);
    }
  image = pm_image_load (image_path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  if (image == NULL)
    {
      row->error = pm_cli_file_error_text (row->image, error);
      return;
    }
  if (truth == NULL)
    {
      row->error = pm_cli_file_error_text (row->mask, truth_error);
      return;
    }
  if (truth->width != image->width || truth->height != image->height)
    {
      row->error = g_strdup_printf ("%s is %d×%d but %s is %d×%d", row->mask,
                                    truth->width, truth->height, row->image,
                                    image->width, image->height);
      return;
    }

  result = pm_pipeline_run (engine, image, instruction, NULL, pm_cli_progress_update, progress,
                            NULL, &error);
  if (result == NULL)
    {
      row->error = g_strdup_printf ("%s: %s", row->image, error->message);
      return;
    }
  row->ms = pm_now_ms () - t;
  if (*model == NULL && result->model != NULL)
    *model = g_strdup (result->model);
  row->iou = pm_mask_iou (result->mask, truth, &row->inter, &row->uni);
  row->derived_iou = pm_mask_iou (result->derived_mask, truth, &row->derived_inter,
                                  &row->derived_uni);
  row->agreement = result->derived_iou;
}

/* ---------------------------------------------------------------- output */

static void
add_metrics_json (JsonBuilder     *builder,
                  const PmMetrics *metrics)
{
  json_builder_set_member_name (builder, "n");
  json_builder_add_int_value (builder, metrics->n);
  json_builder_set_member_name (builder, "giou");
  json_builder_add_double_value (builder, pm_metrics_giou (metrics));
  json_builder_set_member_name (builder, "ciou");
  json_builder_add_double_value (builder, pm_metrics_ciou (metrics));
  json_builder_set_member_name (builder, "precision");
  json_builder_begin_object (builder);
  for (int k = 0; k < PM_METRICS_N_PREC; k++)
    {
      g_autofree char *key = g_strdup_printf ("%.1f", pm_metrics_prec_threshold (k));
      json_builder_set_member_name (builder, key);
      json_builder_add_double_value (builder, pm_metrics_prec (metrics, k));
    }
  json_builder_end_object (builder);
}

static void
print_table_row (const char      *label,
                 const PmMetrics *metrics)
{
  printf ("%-14s", label);
  for (int k = 0; k < PM_METRICS_N_PREC; k++)
    printf (" %6.1f", 100.0 * pm_metrics_prec (metrics, k));
  printf (" %6.1f %6.1f\n", 100.0 * pm_metrics_giou (metrics), 100.0 * pm_metrics_ciou (metrics));
}

static void
print_table (const char      *engine,
             const char      *model,
             GPtrArray       *rows,
             const PmMetrics *mask_metrics,
             const PmMetrics *derived_metrics,
             int              failed)
{
  double agreement = 0;
  int n_agreement = 0;

  /* IoU of the run's mask and of the derived mask with the truth, and how far the derived
   * mask agrees with the run's (1 when they are the same mask). */
  printf ("%4s  %6s  %6s  %6s  %8s  %s\n", "#", "IoU", "derivd", "agree", "ms",
          "phrase (image)");
  for (guint i = 0; i < rows->len; i++)
    {
      const EvalRow *row = g_ptr_array_index (rows, i);
      if (row->error != NULL)
        printf ("%4u  %6.3f  %6.3f  %6s  %8s  %s (%s): failed: %s\n", i + 1, 0.0, 0.0, "-",
                "-", row->phrase, row->image, row->error);
      else
        {
          printf ("%4u  %6.3f  %6.3f  %6.3f  %8.0f  %s (%s)\n", i + 1, row->iou,
                  row->derived_iou, row->agreement, row->ms, row->phrase, row->image);
          agreement += row->agreement;
          n_agreement++;
        }
    }
  printf ("\nengine %s", engine);
  if (model != NULL)
    printf (" (%s)", model);
  printf (": %d image%s scored", mask_metrics->n, mask_metrics->n == 1 ? "" : "s");
  if (failed > 0)
    printf (", %d failed (scored IoU 0)", failed);
  if (n_agreement > 0)
    printf ("; the derived mask agrees with the mask at mean IoU %.3f",
            agreement / n_agreement);
  printf ("\n%-14s", "mask");
  for (int k = 0; k < PM_METRICS_N_PREC; k++)
    printf ("  P@%.1f", pm_metrics_prec_threshold (k));
  printf ("   gIoU   cIoU\n");
  print_table_row ("mask", mask_metrics);
  if (derived_metrics->n > 0)
    print_table_row ("derived", derived_metrics);
}

static void
print_json (const char      *engine,
            const char      *model,
            GPtrArray       *rows,
            const PmMetrics *mask_metrics,
            const PmMetrics *derived_metrics,
            int              failed)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  pm_cli_json_add_string (builder, "engine", engine);
  pm_cli_json_add_string (builder, "model", model);
  json_builder_set_member_name (builder, "rows");
  json_builder_begin_array (builder);
  for (guint i = 0; i < rows->len; i++)
    {
      const EvalRow *row = g_ptr_array_index (rows, i);
      json_builder_begin_object (builder);
      pm_cli_json_add_string (builder, "image", row->image);
      pm_cli_json_add_string (builder, "mask", row->mask);
      pm_cli_json_add_string (builder, "phrase", row->phrase);
      /* A failed row scores 0, as it counts in the summary. */
      json_builder_set_member_name (builder, "iou");
      json_builder_add_double_value (builder, row->error == NULL ? row->iou : 0.0);
      json_builder_set_member_name (builder, "derived_iou");
      json_builder_add_double_value (builder, row->error == NULL ? row->derived_iou : 0.0);
      json_builder_set_member_name (builder, "derived_agreement");
      if (row->error == NULL)
        json_builder_add_double_value (builder, row->agreement);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "ms");
      if (row->error == NULL)
        json_builder_add_double_value (builder, row->ms);
      else
        json_builder_add_null_value (builder);
      if (row->error != NULL)
        pm_cli_json_add_string (builder, "error", row->error);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "failed");
  json_builder_begin_array (builder);
  for (guint i = 0; i < rows->len; i++)
    {
      const EvalRow *row = g_ptr_array_index (rows, i);
      if (row->error == NULL)
        continue;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "line");
      json_builder_add_int_value (builder, row->line);
      pm_cli_json_add_string (builder, "image", row->image);
      pm_cli_json_add_string (builder, "mask", row->mask);
      pm_cli_json_add_string (builder, "phrase", row->phrase);
      pm_cli_json_add_string (builder, "error", row->error);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "summary");
  json_builder_begin_object (builder);
  add_metrics_json (builder, mask_metrics);
  json_builder_set_member_name (builder, "failed");
  json_builder_add_int_value (builder, failed);
  json_builder_set_member_name (builder, "derived");
  json_builder_begin_object (builder);
  add_metrics_json (builder, derived_metrics);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  pm_cli_print_json (json_builder_get_root (builder));
}

/* ---------------------------------------------------------------- the command */

int
pm_cli_eval (int    argc,
             char **argv)
{
  g_auto(EvalArgs) args = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) rest = NULL;
  g_autoptr(PmEngine) engine = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(PmCliProgress) progress = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  g_autofree char *model = NULL;
  PmMetrics mask_metrics, derived_metrics;
  int exit_code = PM_EXIT_ERROR, failed = 0;
  guint n_rows;
  const GOptionEntry entries[] = {
    { "root", 'r', 0, G_OPTION_ARG_FILENAME, &args.root,
      N_("Resolve image and mask paths against DIR (default: the index's folder)"), "DIR" },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &args.limit,
      N_("Evaluate only the first N rows"), "N" },
    { "mask-value", 0, 0, G_OPTION_ARG_STRING, &args.mask_value,
      N_("The label that marks the object in the true masks: a number (grey level, palette "
      "index, 16-bit label) or #rrggbb (default: any label but 0)"), "V" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &args.json,
      N_("Print one JSON object (rows and summary) on stdout"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &args.quiet,
      N_("No progress line"), NULL },
    { NULL }
  };

  context = pm_cli_context_new (COMMAND, "INDEX.tsv",
                                "Runs \"segment PHRASE\" on every row of a tab-separated index "
                                "(header row with image, mask and\nphrase columns) and scores "
                                "the run's mask (and the derived mask) against the true mask: "
                                "per-row IoU, then\nP@0.5-0.9 (IoU >= X), gIoU and cIoU in "
                                "percent, as in the referring-segmentation papers.\n"
                                "A row that fails scores IoU 0. True masks are read by their "
                                "values: any label but 0 is the object\n(0/1, 0/255, palette "
                                "indices, 16-bit labels, colours, alpha) unless --mask-value "
                                "picks one.");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  pm_cli_add_engine_options (context, &args.engine);
  if (!pm_cli_parse (context, COMMAND, argc, argv, &rest))
    return PM_EXIT_USAGE;
  if (g_strv_length (rest) != 1)
    {
      pm_cli_error (COMMAND, "expected one INDEX.tsv, got %u arguments "
                    "(see 'paintmask eval --help')", g_strv_length (rest));
      return PM_EXIT_USAGE;
    }
  if (args.limit < 0)
    {
      pm_cli_error (COMMAND, "--limit: %d is not a row count", args.limit);
      return PM_EXIT_USAGE;
    }
  if (!pm_mask_label_pick_is_valid (args.mask_value))
    {
      pm_cli_error (COMMAND, "--mask-value: “%s” is not a number (0-65535) or a colour "
                    "#rrggbb", args.mask_value);
      return PM_EXIT_USAGE;
    }
  if (args.root != NULL && !g_file_test (args.root, G_FILE_TEST_IS_DIR))
    {
      pm_cli_error (COMMAND, "--root %s: not a folder", args.root);
      return PM_EXIT_ERROR;
    }

  rows = read_index (rest[0], &error);
  if (rows == NULL)
    {
      pm_cli_error_file (COMMAND, rest[0], error);
      return PM_EXIT_ERROR;
    }
  if (args.limit > 0 && (guint) args.limit < rows->len)
    g_ptr_array_set_size (rows, args.limit);
  if (rows->len == 0)
    {
      pm_cli_error (COMMAND, "%s: no rows after the header", rest[0]);
      return PM_EXIT_ERROR;
    }
  base = args.root != NULL ? g_strdup (args.root) : g_path_get_dirname (rest[0]);

  engine = pm_cli_engine_new (COMMAND, &args.engine, &exit_code);
  if (engine == NULL)
    return exit_code;

  progress = pm_cli_progress_new (!args.quiet);
  pm_metrics_init (&mask_metrics);
  pm_metrics_init (&derived_metrics);
  n_rows = rows->len;
  for (guint i = 0; i < n_rows; i++)
    {
      EvalRow *row = g_ptr_array_index (rows, i);
      g_autofree char *prefix = g_strdup_printf ("[%u/%u] ", i + 1, n_rows);

      pm_cli_progress_set_prefix (progress, prefix);
      if (row->error == NULL)
        run_row (engine, row, base, args.mask_value, progress, &model);
      pm_cli_progress_clear (progress);
      if (row->error != NULL)
        {
          /* Reported, and scored IoU 0 as the papers count a failure; a bad row does not
           * stop the evaluation. */
          failed++;
          pm_cli_error (COMMAND, "%s: line %d: %s", rest[0], row->line, row->error);
          pm_metrics_add_failed (&mask_metrics, row->truth_pixels);
          pm_metrics_add_failed (&derived_metrics, row->truth_pixels);
          continue;
        }
      pm_metrics_add (&mask_metrics, row->inter, row->uni);
      pm_metrics_add (&derived_metrics, row->derived_inter, row->derived_uni);
    }

  if (args.json)
    print_json (pm_engine_get_name (engine), model, rows, &mask_metrics, &derived_metrics,
                failed);
  else
    print_table (pm_engine_get_name (engine), model, rows, &mask_metrics, &derived_metrics,
                 failed);
  return failed > 0 ? PM_EXIT_ERROR : PM_EXIT_OK;
}
