/* pm-cli-derive.c: `paintmask derive ORIGINAL EDITED`: the mask of what an edit changed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "paintmask-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pm-cli-util.h"
#include "pm-derive.h"
#include "pm-maskio.h"

#define COMMAND "derive"

typedef struct {
  gboolean  force;
  char     *output;
  char     *soft_mask;
  char     *color;
  gboolean  json;
} DeriveArgs;

static void
derive_args_clear (DeriveArgs *args)
{
  g_free (args->output);
  g_free (args->soft_mask);
  g_free (args->color);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DeriveArgs, derive_args_clear)

int
pm_cli_derive (int    argc,
               char **argv)
{
  g_auto(DeriveArgs) args = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) rest = NULL;
  g_autoptr(PmImage) original = NULL;
  g_autoptr(PmImage) edited = NULL;
  g_autoptr(PmMask) mask = NULL;
  g_autoptr(PmMask) soft = NULL;
  g_autoptr(PmTimings) timings = pm_timings_new ();
  g_autoptr(GError) error = NULL;
  PmDeriveOptions options;
  const char *original_path, *edited_path;
  double t, t_start;
  gint64 mask_pixels;
  int exit_code;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &args.output,
      "Write the mask here (0/255 PNG; default: EDITED-STEM-mask.png)", "MASK.png" },
    { "soft-mask", 0, 0, G_OPTION_ARG_FILENAME, &args.soft_mask,
      "Also write the soft mask (0-255)", "SOFT.png" },
    { "color", 'c', 0, G_OPTION_ARG_STRING, &args.color,
      "The colour the object was painted, a hint (name or #rrggbb)", "C" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &args.json,
      "Print one JSON object on stdout", NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &args.force,
      "Derive even if EDITED does not look like an edit of ORIGINAL", NULL },
    { NULL }
  };

  context = pm_cli_context_new (COMMAND, "ORIGINAL EDITED",
                                "Derives the mask of the object an editor changed, from the "
                                "original image and the edited one\n(made by Paintmask or by "
                                "any other editor; it may be resized, re-compressed or toned).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!pm_cli_parse (context, COMMAND, argc, argv, &rest))
    return PM_EXIT_USAGE;
  if (g_strv_length (rest) != 2)
    {
      pm_cli_error (COMMAND, "expected ORIGINAL and EDITED, got %u argument%s "
                    "(see 'paintmask derive --help')", g_strv_length (rest),
                    g_strv_length (rest) == 1 ? "" : "s");
      return PM_EXIT_USAGE;
    }
  original_path = rest[0];
  edited_path = rest[1];

  pm_derive_options_init (&options);
  if (args.color != NULL)
    {
      if (!pm_cli_parse_color (COMMAND, "--color", args.color, &options.color_hint))
        return PM_EXIT_USAGE;
      options.has_color_hint = TRUE;
    }

  if (args.output == NULL)
    {
      g_autofree char *stem = pm_cli_path_stem (edited_path);
      args.output = g_strdup_printf ("%s-mask.png", stem);
    }
  exit_code = pm_cli_check_output (COMMAND, "-o", args.output);
  if (exit_code == PM_EXIT_OK && args.soft_mask != NULL)
    exit_code = pm_cli_check_output (COMMAND, "--soft-mask", args.soft_mask);
  if (exit_code != PM_EXIT_OK)
    return exit_code;
  if (pm_cli_same_file (args.output, original_path) || pm_cli_same_file (args.output, edited_path))
    {
      pm_cli_error (COMMAND, "-o %s: would overwrite an input image", args.output);
      return PM_EXIT_ERROR;
    }
  if (args.soft_mask != NULL && (strcmp (args.soft_mask, args.output) == 0 ||
                                 pm_cli_same_file (args.soft_mask, original_path) ||
                                 pm_cli_same_file (args.soft_mask, edited_path)))
    {
      pm_cli_error (COMMAND, "--soft-mask %s: would overwrite an input or the mask",
                    args.soft_mask);
      return PM_EXIT_ERROR;
    }

  t_start = t = pm_now_ms ();
  original = pm_cli_load_image (COMMAND, original_path);
  if (original == NULL)
    return PM_EXIT_ERROR;
  edited = pm_cli_load_image (COMMAND, edited_path);
  if (edited == NULL)
    return PM_EXIT_ERROR;
  pm_timings_add (timings, "load", pm_now_ms () - t);

  /* The shape always; the picture's structure unless --force. */
  if (!(args.force ? pm_derive_check_shape (original, edited, &error)
                   : pm_derive_check_edit (original, edited, &error)))
    {
      if (g_error_matches (error, PM_DERIVE_ERROR, PM_DERIVE_ERROR_UNRELATED))
        pm_cli_error (COMMAND, "%s does not look like an edit of %s (the pictures differ "
                      "everywhere; --force derives anyway)", edited_path, original_path);
      else
        pm_cli_error (COMMAND, "%s (%d×%d) does not match %s (%d×%d): the shapes differ, so "
                      "it is not an edit of that image", edited_path, edited->width,
                      edited->height, original_path, original->width, original->height);
      return PM_EXIT_ERROR;
    }

  t = pm_now_ms ();
  mask = pm_mask_derive (original, edited, &options, &soft, &error);
  if (mask == NULL)
    {
      pm_cli_error (COMMAND, "%s", error->message);
      return PM_EXIT_ERROR;
    }
  pm_timings_add (timings, "derive", pm_now_ms () - t);

  if (!pm_mask_save_png (mask, args.output, FALSE, &error))
    {
      pm_cli_error_file (COMMAND, args.output, error);
      return PM_EXIT_ERROR;
    }
  if (args.soft_mask != NULL && !pm_mask_save_png (soft, args.soft_mask, TRUE, &error))
    {
      pm_cli_error_file (COMMAND, args.soft_mask, error);
      return PM_EXIT_ERROR;
    }
  pm_timings_add (timings, "total", pm_now_ms () - t_start);
  mask_pixels = pm_mask_count (mask);

  if (args.json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autofree char *hex = args.color != NULL ? pm_color_to_hex (options.color_hint) : NULL;

      json_builder_begin_object (builder);
      pm_cli_json_add_string (builder, "original", original_path);
      pm_cli_json_add_string (builder, "edited", edited_path);
      pm_cli_json_add_string (builder, "color", hex);
      json_builder_set_member_name (builder, "timings_ms");
      json_builder_add_value (builder, pm_cli_timings_to_json (timings));
      json_builder_set_member_name (builder, "outputs");
      json_builder_begin_object (builder);
      pm_cli_json_add_string (builder, "mask", args.output);
      pm_cli_json_add_string (builder, "soft_mask", args.soft_mask);
      json_builder_end_object (builder);
      json_builder_set_member_name (builder, "mask_pixels");
      json_builder_add_int_value (builder, mask_pixels);
      json_builder_set_member_name (builder, "width");
      json_builder_add_int_value (builder, original->width);
      json_builder_set_member_name (builder, "height");
      json_builder_add_int_value (builder, original->height);
      json_builder_end_object (builder);
      pm_cli_print_json (json_builder_get_root (builder));
    }
  else
    {
      if (mask_pixels == 0)
        printf ("note: no changed object found; the mask is empty\n");
      printf ("mask: %s (%" G_GINT64_FORMAT " pixels, %.1f%%)\n", args.output, mask_pixels,
              100.0 * mask_pixels / ((double) original->width * original->height));
      if (args.soft_mask != NULL)
        printf ("soft mask: %s\n", args.soft_mask);
    }
  return PM_EXIT_OK;
}
