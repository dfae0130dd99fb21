/* pm-cli-edit.c: `paintmask edit IMAGE "INSTRUCTION"`: the whole pipeline on one image.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "paintmask-cli"

#include "config.h"

#include <glib/gi18n.h>

#include <stdio.h>
#include <string.h>

#include "pm-cli-items.h"
#include "pm-maskio.h"
#include "pm-pipeline.h"
#include "pm-json.h"
#include "pm-store-record.h"

#define COMMAND "edit"

typedef struct {
  PmCliEngineArgs engine;
  char           *output;
  char           *mask;
  char           *soft_mask;
  char          **colors;     /* --color, once per item at most */
  char           *labels;
  char           *masks;      /* folder */
  char           *db;
  gboolean        json;
  gboolean        record;
  gboolean        quiet;
} EditArgs;

static void
edit_args_clear (EditArgs *args)
{
  pm_cli_engine_args_clear (&args->engine);
  g_free (args->output);
  g_free (args->mask);
  g_free (args->soft_mask);
  g_strfreev (args->colors);
  g_free (args->labels);
  g_free (args->masks);
  g_free (args->db);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EditArgs, edit_args_clear)

/* Stores the run in the history database: the finished run with its images, or (when
 * @result is NULL) the failed attempt with @failure. Returns the run id or 0 with @error set. */
static gint64
record_run (PmStore                *store,
            const EditArgs         *args,
            const char             *image_path,
            const PmImage          *image,
            const char             *instruction,
            const char             *engine_name,
            const PmPipelineResult *result,
            const GError           *failure,
            gint64                  started_at,
            GError                **error)
{
  g_autofree char *abs_path = g_canonicalize_filename (image_path, NULL);
  g_autoptr(JsonBuilder) params = json_builder_new ();
  g_autoptr(JsonNode) params_node = NULL;
  g_autofree char *params_json = NULL;
  PmRunRequest request = { 0 };

  json_builder_begin_object (params);
  pm_cli_json_add_string (params, "color_option", args->colors != NULL ? args->colors[0] : NULL);
  if (args->colors != NULL && args->colors[1] != NULL)
    {
      json_builder_set_member_name (params, "color_options");
      json_builder_begin_array (params);
      for (guint i = 0; args->colors[i] != NULL; i++)
        json_builder_add_string_value (params, args->colors[i]);
      json_builder_end_array (params);
    }
  pm_cli_json_add_string (params, "model_dir", args->engine.model_dir);
  pm_cli_json_add_string (params, "remote_profile", args->engine.remote_profile);
  pm_cli_json_add_string (params, "endpoint", args->engine.endpoint);
  pm_cli_json_add_string (params, "remote_model", args->engine.remote_model);
  if (args->engine.remote_options != NULL)
    {
      json_builder_set_member_name (params, "remote_options");
      json_builder_begin_array (params);
      for (guint i = 0; args->engine.remote_options[i] != NULL; i++)
        json_builder_add_string_value (params, args->engine.remote_options[i]);
      json_builder_end_array (params);
    }
  json_builder_end_object (params);
  params_node = json_builder_get_root (params);
  params_json = pm_json_to_string (params_node, FALSE);

  request.image = image;
  request.source_path = abs_path;
  request.instruction = instruction;
  request.engine = engine_name;
  request.params_json = params_json;
  request.started_at = started_at;
  request.duration_ms = -1;
  return pm_store_record_run (store, &request, result, failure, NULL, error);
}

static void
print_json (const char             *image_path,
            const PmImage          *image,
            const PmPipelineResult *result,
            const char             *color_hex,
            const EditArgs         *args,
            char                  **mask_paths,
            gint64                  run_id)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  pm_cli_json_add_string (builder, "image", image_path);
  json_builder_set_member_name (builder, "instruction");
  json_builder_add_value (builder, pm_cli_instruction_to_json (result->instruction));
  pm_cli_json_add_string (builder, "engine", result->engine);
  pm_cli_json_add_string (builder, "model", result->model);
  pm_cli_json_add_string (builder, "result", pm_result_state_to_string (result->state));
  pm_cli_json_add_string (builder, "message", result->message);
  pm_cli_json_add_string (builder, "color", color_hex);
  json_builder_set_member_name (builder, "timings_ms");
  json_builder_add_value (builder, pm_cli_timings_to_json (result->timings));
  json_builder_set_member_name (builder, "outputs");
  json_builder_begin_object (builder);
  pm_cli_json_add_string (builder, "edited", args->output);
  pm_cli_json_add_string (builder, "mask", args->mask);
  pm_cli_json_add_string (builder, "soft_mask", args->soft_mask);
  pm_cli_json_add_string (builder, "labels", args->labels);
  pm_cli_json_add_string (builder, "masks", args->masks);
  json_builder_end_object (builder);
  pm_cli_json_add_items (builder, result, mask_paths);
  json_builder_set_member_name (builder, "unassigned_pixels");
  json_builder_add_int_value (builder, result->unassigned_pixels);
  json_builder_set_member_name (builder, "mask_pixels");
  json_builder_add_int_value (builder, result->mask_pixels);
  json_builder_set_member_name (builder, "mask_share");
  json_builder_add_double_value (builder, result->mask_share);
  json_builder_set_member_name (builder, "derived_iou");
  json_builder_add_double_value (builder, result->derived_iou);
  json_builder_set_member_name (builder, "width");
  json_builder_add_int_value (builder, image->width);
  json_builder_set_member_name (builder, "height");
  json_builder_add_int_value (builder, image->height);
  if (run_id > 0)
    {
      json_builder_set_member_name (builder, "run_id");
      json_builder_add_int_value (builder, run_id);
    }
  json_builder_end_object (builder);
  pm_cli_print_json (json_builder_get_root (builder));
}

/* Refuses an output that would overwrite the input image or another output. */
static int
check_outputs (const char     *image_path,
               const EditArgs *args)
{
  const struct { const char *option; const char *path; } outs[] = {
    { "-o", args->output }, { "--mask", args->mask }, { "--soft-mask", args->soft_mask },
    { "--labels", args->labels },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (outs); i++)
    {
      if (outs[i].path == NULL)
        continue;
      int code = pm_cli_check_output (COMMAND, outs[i].option, outs[i].path);
      if (code != PM_EXIT_OK)
        return code;
      if (pm_cli_same_file (outs[i].path, image_path))
        {
          pm_cli_error (COMMAND, "%s %s: would overwrite the input image", outs[i].option,
                        outs[i].path);
          return PM_EXIT_ERROR;
        }
      for (gsize j = 0; j < i; j++)
        if (outs[j].path != NULL && strcmp (outs[i].path, outs[j].path) == 0)
          {
            pm_cli_error (COMMAND, "%s and %s both name %s", outs[j].option, outs[i].option,
                          outs[i].path);
            return PM_EXIT_USAGE;
          }
    }
  return PM_EXIT_OK;
}

/* --color: once for a single object (over the instruction's colour), at most once per
 * object of a list, in order. */
static int
parse_colors (const char        *instruction,
              EditArgs          *args,
              PmPipelineOptions *options)
{
  g_autoptr(PmInstruction) parsed = pm_instruction_parse (instruction);
  guint n_items = pm_instruction_get_n_items (parsed);
  g_autofree char *too_many = g_strdup_printf ("but the instruction names %u object%s",
                                               n_items, n_items == 1 ? "" : "s");

  pm_pipeline_options_init (options);
  if (!pm_cli_parse_colors (COMMAND, args->colors, n_items, too_many, options->item_colors,
                            &options->n_item_colors))
    return PM_EXIT_USAGE;
  if (options->n_item_colors > 0)
    {
      options->has_color = TRUE;
      options->color = options->item_colors[0];
    }
  return PM_EXIT_OK;
}

/* --labels and --masks. */
static gboolean
write_items (const PmPipelineResult *result,
             const EditArgs         *args,
             GStrv                  *mask_paths)
{
  if (args->labels != NULL)
    {
      g_autoptr(PmLabels) labels = pm_pipeline_result_dup_labels (result);

      if (!pm_cli_write_labels (COMMAND, args->labels, labels))
        return FALSE;
    }
  if (args->masks != NULL)
    {
      g_autofree PmMask **masks = g_new (PmMask *, result->n_items);
      g_autofree const char **names = g_new (const char *, result->n_items);

      for (guint i = 0; i < result->n_items; i++)
        {
          masks[i] = result->items[i].mask;
          names[i] = result->items[i].instruction->target;
        }
      if (!pm_cli_write_item_masks (COMMAND, args->masks, result->n_items, masks, names,
                                    mask_paths))
        return FALSE;
    }
  return TRUE;
}

/* One line per object of a list. */
static void
print_items (const PmPipelineResult *result,
             char                  **mask_paths)
{
  if (result->n_items < 2 && mask_paths == NULL)
    return;
  for (guint i = 0; i < result->n_items; i++)
    {
      const PmPipelineItem *item = &result->items[i];

      printf ("item %u: %s, %s%s, %s, %" G_GINT64_FORMAT " pixels%s%s\n", i + 1,
              item->instruction->target[0] != '\0' ? item->instruction->target : "(object)",
              item->color_name, item->color_chosen ? " (chosen)" : "",
              pm_result_state_to_string (item->state), item->mask_pixels,
              mask_paths != NULL ? ": " : "", mask_paths != NULL ? mask_paths[i] : "");
    }
}

int
pm_cli_edit (int    argc,
             char **argv)
{
  g_auto(EditArgs) args = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) rest = NULL;
  g_autoptr(PmEngine) engine = NULL;
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmPipelineResult) result = NULL;
  g_autoptr(PmCliProgress) progress = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *color_hex = NULL;
  g_auto(GStrv) mask_paths = NULL;
  PmPipelineOptions options;
  const char *image_path, *instruction;
  gint64 run_id = 0;
  gint64 started_at;
  int exit_code = PM_EXIT_ERROR;
  g_autoptr(PmStore) store = NULL;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &args.output,
      N_("Write the edited image here (default: STEM-edited.png)"), "EDITED.png" },
    { "mask", 'm', 0, G_OPTION_ARG_FILENAME, &args.mask,
      N_("Write the derived mask here (default: STEM-mask.png)"), "MASK.png" },
    { "soft-mask", 0, 0, G_OPTION_ARG_FILENAME, &args.soft_mask,
      N_("Also write the soft mask: the alpha the edit was painted with (0-255)"), "SOFT.png" },
    { "color", 'c', 0, G_OPTION_ARG_STRING_ARRAY, &args.colors,
      N_("Paint with this colour instead of the instruction's (name or #rrggbb); for a list, "
      "once per object in order"), "C" },
    { "labels", 0, 0, G_OPTION_ARG_FILENAME, &args.labels,
      N_("Also write the label map: an 8-bit PNG, 0 = nothing, n = the n-th object"),
      "LABELS.png" },
    { "masks", 0, 0, G_OPTION_ARG_FILENAME, &args.masks,
      N_("Also write one mask per object, DIR/<n>-<target>.png"), "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &args.json,
      N_("Print one JSON object describing the run on stdout"), NULL },
    { "record", 0, 0, G_OPTION_ARG_NONE, &args.record,
      N_("Store the run in the history database"), NULL },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &args.db,
      N_("History database (default: $PAINTMASK_DB or the user's data folder)"), "FILE" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &args.quiet,
      N_("No progress line"), NULL },
    { NULL }
  };

  context = pm_cli_context_new (COMMAND, "IMAGE \"INSTRUCTION\"",
                                "Runs an instruction such as \"paint the red saucer blue\" or "
                                "\"segment the cat\" on IMAGE:\nthe engine finds the object, "
                                "Paintmask paints it and derives the mask from the edit.\n"
                                "A list (\"paint the cup blue and the saucer green\", "
                                "\"segment the dog, the cat and the ball\")\npaints each "
                                "object its own colour in one edit.\n"
                                "Files are written to the current folder unless -o/--mask say "
                                "otherwise.");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  pm_cli_add_engine_options (context, &args.engine);
  if (!pm_cli_parse (context, COMMAND, argc, argv, &rest))
    return PM_EXIT_USAGE;

  if (g_strv_length (rest) != 2)
    {
      pm_cli_error (COMMAND, ngettext ("expected IMAGE and \"INSTRUCTION\", got %u argument "
                                       "(see 'paintmask edit --help')",
                                       "expected IMAGE and \"INSTRUCTION\", got %u arguments "
                                       "(see 'paintmask edit --help')", g_strv_length (rest)),
                    g_strv_length (rest));
      return PM_EXIT_USAGE;
    }
  image_path = rest[0];
  instruction = rest[1];

  if (!g_utf8_validate (instruction, -1, NULL))
    {
      pm_cli_error (COMMAND, "the instruction is not valid UTF-8 text");
      return PM_EXIT_USAGE;
    }
  {
    g_autofree char *stripped = g_strstrip (g_strdup (instruction));
    if (stripped[0] == '\0')
      {
        pm_cli_error (COMMAND, "the instruction is empty (try \"segment the cup\" or "
                      "\"paint the car blue\")");
        return PM_EXIT_USAGE;
      }
  }
  exit_code = parse_colors (instruction, &args, &options);
  if (exit_code != PM_EXIT_OK)
    return exit_code;

  /* Default outputs go to the current folder, named after the input. */
  {
    g_autofree char *stem = pm_cli_path_stem (image_path);
    if (args.output == NULL)
      args.output = g_strdup_printf ("%s-edited.png", stem);
    if (args.mask == NULL)
      args.mask = g_strdup_printf ("%s-mask.png", stem);
  }
  exit_code = check_outputs (image_path, &args);
  if (exit_code == PM_EXIT_OK)
    {
      const char *inputs[] = { image_path, NULL };
      exit_code = pm_cli_check_item_outputs (COMMAND, NULL, args.masks, inputs);
    }
  if (exit_code != PM_EXIT_OK)
    return exit_code;
  exit_code = PM_EXIT_ERROR;

  engine = pm_cli_engine_new (COMMAND, &args.engine, &exit_code);
  if (engine == NULL)
    return exit_code;

  image = pm_cli_load_image (COMMAND, image_path);
  if (image == NULL)
    return PM_EXIT_ERROR;

  /* Open the history first: a bad database should fail before minutes of work. */
  if (args.record)
    {
      g_autofree char *db_path = args.db != NULL ? g_strdup (args.db)
                                                 : pm_store_default_path ();
      store = pm_store_open (db_path, &error);
      if (store == NULL)
        {
          pm_cli_error (COMMAND, "--record: %s", error->message);
          return PM_EXIT_ERROR;
        }
    }

  progress = pm_cli_progress_new (!args.quiet);
  started_at = g_get_real_time ();
  result = pm_pipeline_run (engine, image, instruction, &options, pm_cli_progress_update,
                            progress, NULL, &error);
  pm_cli_progress_clear (progress);
  if (result == NULL)
    {
      pm_cli_error (COMMAND, "%s", error->message);
      /* The history keeps failed attempts too; failing to store one changes nothing. */
      if (store != NULL)
        record_run (store, &args, image_path, image, instruction, pm_engine_get_name (engine),
                    NULL, error, started_at, NULL);
      return PM_EXIT_ERROR;
    }

  if (!pm_image_save_png (result->edited, args.output, &error))
    {
      pm_cli_error_file (COMMAND, args.output, error);
      return PM_EXIT_ERROR;
    }
  if (!pm_mask_save_png (result->mask, args.mask, FALSE, &error))
    {
      pm_cli_error_file (COMMAND, args.mask, error);
      return PM_EXIT_ERROR;
    }
  if (args.soft_mask != NULL && !pm_mask_save_png (result->soft_mask, args.soft_mask, TRUE,
                                                   &error))
    {
      pm_cli_error_file (COMMAND, args.soft_mask, error);
      return PM_EXIT_ERROR;
    }

  if (!write_items (result, &args, &mask_paths))
    return PM_EXIT_ERROR;
  color_hex = pm_color_to_hex (result->color);

  if (args.record)
    {
      run_id = record_run (store, &args, image_path, image, instruction, result->engine,
                           result, NULL, started_at, &error);
      if (run_id <= 0)
        {
          pm_cli_error (COMMAND, "--record: %s",
                        error != NULL ? error->message : "the run was not stored");
          return PM_EXIT_ERROR;
        }
    }

  if (args.json)
    {
      print_json (image_path, image, result, color_hex, &args, mask_paths, run_id);
    }
  else
    {
      if (result->message != NULL)
        printf ("note: %s\n", result->message);
      if (result->state == PM_RESULT_EMPTY)
        printf ("note: nothing found; nothing was painted and the mask is empty\n");
      else if (result->state == PM_RESULT_GUESS)
        printf ("note: this is a guess, not a finding\n");
      printf ("result: %s\n", pm_result_state_to_string (result->state));
      print_items (result, mask_paths);
      printf ("edited: %s\n", args.output);
      printf ("mask: %s (%" G_GINT64_FORMAT " pixels, %.1f%%)\n", args.mask,
              result->mask_pixels, 100.0 * result->mask_share);
      if (args.soft_mask != NULL)
        printf ("soft mask: %s\n", args.soft_mask);
      if (args.labels != NULL)
        printf ("labels: %s\n", args.labels);
      if (run_id > 0)
        printf ("run: %" G_GINT64_FORMAT "\n", run_id);
    }
  return PM_EXIT_OK;
}
