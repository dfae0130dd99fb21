/* pm-cli-derive.c: `paintmask derive ORIGINAL EDITED`: the mask of what an edit changed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "paintmask-cli"

#include "config.h"

#include <glib/gi18n.h>

#include <stdio.h>
#include <string.h>

#include "pm-cli-items.h"
#include "pm-derive.h"
#include "pm-derive-multi.h"
#include "pm-maskio.h"

#define COMMAND "derive"
/* Label maps are 8-bit, and 255 is no item. */
#define MAX_COLORS 254

typedef struct {
  gboolean  force;
  char     *output;
  char     *soft_mask;
  char    **colors;
  char     *labels;
  char     *masks;
  gboolean  json;
} DeriveArgs;

static void
derive_args_clear (DeriveArgs *args)
{
  g_free (args->output);
  g_free (args->soft_mask);
  g_strfreev (args->colors);
  g_free (args->labels);
  g_free (args->masks);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DeriveArgs, derive_args_clear)

/* The run's mask and soft mask for several colours: every pixel given to one of them. */
static void
union_of_items (const PmDeriveMulti *multi,
                PmMask             **mask,
                PmMask             **soft)
{
  int w = multi->labels->width, h = multi->labels->height;

  *mask = pm_mask_new (w, h);
  *soft = pm_mask_new (w, h);
  for (gsize p = 0; p < (gsize) w * h; p++)
    {
      (*mask)->data[p] = multi->labels->data[p] != 0 ? 1.0f : 0.0f;
      for (guint i = 0; i < multi->n; i++)
        (*soft)->data[p] = MAX ((*soft)->data[p], multi->soft[i]->data[p]);
    }
}

static gboolean
write_items (const PmDeriveMulti *multi,
             const DeriveArgs    *args,
             GStrv               *mask_paths)
{
  if (args->labels != NULL && !pm_cli_write_labels (COMMAND, args->labels, multi->labels))
    return FALSE;
  if (args->masks != NULL)
    {
      g_autoptr(GPtrArray) masks = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_mask_free);

      for (guint i = 0; i < multi->n; i++)
        g_ptr_array_add (masks, pm_labels_get_mask (multi->labels, (guint8) (i + 1)));
      if (!pm_cli_write_item_masks (COMMAND, args->masks, multi->n, (PmMask **) masks->pdata,
                                    (const char * const *) args->colors, mask_paths))
        return FALSE;
    }
  return TRUE;
}

static void
items_json (JsonBuilder         *builder,
            const PmDeriveMulti *multi,
            const PmRgb         *colors,
            char               **mask_paths)
{
  json_builder_set_member_name (builder, "items");
  json_builder_begin_array (builder);
  for (guint i = 0; i < multi->n; i++)
    {
      g_autofree char *hex = pm_color_to_hex (colors[i]);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "index");
      json_builder_add_int_value (builder, i + 1);
      pm_cli_json_add_string (builder, "color", hex);
      json_builder_set_member_name (builder, "mask_pixels");
      json_builder_add_int_value (builder, multi->pixels[i]);
      pm_cli_json_add_string (builder, "mask", mask_paths != NULL ? mask_paths[i] : NULL);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "unassigned_pixels");
  json_builder_add_int_value (builder, multi->unassigned_pixels);
}

static void
print_items (const PmDeriveMulti *multi,
             const DeriveArgs    *args,
             char               **mask_paths)
{
  for (guint i = 0; i < multi->n; i++)
    printf ("item %u: %s, %" G_GINT64_FORMAT " pixels%s%s\n", i + 1, args->colors[i],
            multi->pixels[i], mask_paths != NULL ? ": " : "",
            mask_paths != NULL ? mask_paths[i] : "");
  if (multi->unassigned_pixels > 0)
    printf ("note: %" G_GINT64_FORMAT " changed pixels went toward none of the colours\n",
            multi->unassigned_pixels);
  if (args->labels != NULL)
    printf ("labels: %s\n", args->labels);
}

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
  g_autoptr(PmDeriveMulti) multi_result = NULL;
  g_auto(GStrv) mask_paths = NULL;
  g_autofree PmRgb *colors = g_new0 (PmRgb, MAX_COLORS);
  guint n_colors = 0;
  gboolean multi;
  g_autoptr(PmTimings) timings = pm_timings_new ();
  g_autoptr(GError) error = NULL;
  PmDeriveOptions options;
  const char *original_path, *edited_path;
  double t, t_start;
  gint64 mask_pixels;
  int exit_code;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &args.output,
      N_("Write the mask here (0/255 PNG; default: EDITED-STEM-mask.png)"), "MASK.png" },
    { "soft-mask", 0, 0, G_OPTION_ARG_FILENAME, &args.soft_mask,
      N_("Also write the soft mask (0-255)"), "SOFT.png" },
    { "color", 'c', 0, G_OPTION_ARG_STRING_ARRAY, &args.colors,
      N_("The colour the object was painted, a hint (name or #rrggbb); several objects in "
      "several colours: once per colour, in label order"), "C" },
    { "labels", 0, 0, G_OPTION_ARG_FILENAME, &args.labels,
      N_("Write the label map (8-bit PNG: 0 = unchanged, n = the n-th --color)"), "LABELS.png" },
    { "masks", 0, 0, G_OPTION_ARG_FILENAME, &args.masks,
      N_("Write one mask per colour, DIR/<n>-<colour>.png"), "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &args.json,
      N_("Print one JSON object on stdout"), NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &args.force,
      N_("Derive even if EDITED does not look like an edit of ORIGINAL"), NULL },
    { NULL }
  };

  context = pm_cli_context_new (COMMAND, "ORIGINAL EDITED",
                                "Derives the mask of the object an editor changed, from the "
                                "original image and the edited one\n(made by Paintmask or by "
                                "any other editor; it may be resized, re-compressed or toned).\n"
                                "With several --color (an edit that painted each object its "
                                "own colour), a label map: --labels, --masks.");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!pm_cli_parse (context, COMMAND, argc, argv, &rest))
    return PM_EXIT_USAGE;
  if (g_strv_length (rest) != 2)
    {
      pm_cli_error (COMMAND, ngettext ("expected ORIGINAL and EDITED, got %u argument "
                                       "(see 'paintmask derive --help')",
                                       "expected ORIGINAL and EDITED, got %u arguments "
                                       "(see 'paintmask derive --help')", g_strv_length (rest)),
                    g_strv_length (rest));
      return PM_EXIT_USAGE;
    }
  original_path = rest[0];
  edited_path = rest[1];

  pm_derive_options_init (&options);
  if (!pm_cli_parse_colors (COMMAND, args.colors, MAX_COLORS, "at most 254 colours are told "
                            "apart", colors, &n_colors))
    return PM_EXIT_USAGE;
  multi = n_colors > 1 || args.labels != NULL || args.masks != NULL;
  if (multi && n_colors == 0)
    {
      pm_cli_error (COMMAND, "%s needs the colours the objects were painted (--color C1 "
                    "--color C2 …, in label order)", args.labels != NULL ? "--labels" : "--masks");
      return PM_EXIT_USAGE;
    }
  if (!multi && n_colors == 1)
    {
      options.color_hint = colors[0];
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
  if (args.labels != NULL && (strcmp (args.labels, args.output) == 0 ||
                              g_strcmp0 (args.labels, args.soft_mask) == 0))
    {
      pm_cli_error (COMMAND, "--labels %s: would overwrite another output", args.labels);
      return PM_EXIT_USAGE;
    }
  {
    const char *inputs[] = { original_path, edited_path, NULL };

    exit_code = pm_cli_check_item_outputs (COMMAND, args.labels, args.masks, inputs);
    if (exit_code != PM_EXIT_OK)
      return exit_code;
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
  if (multi)
    {
      multi_result = pm_mask_derive_multi (original, edited, colors, n_colors, &options, &error);
      if (multi_result != NULL)
        union_of_items (multi_result, &mask, &soft);
    }
  else
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
  if (multi_result != NULL && !write_items (multi_result, &args, &mask_paths))
    return PM_EXIT_ERROR;
  pm_timings_add (timings, "total", pm_now_ms () - t_start);
  mask_pixels = pm_mask_count (mask);

  if (args.json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autofree char *hex = n_colors > 0 ? pm_color_to_hex (colors[0]) : NULL;

      json_builder_begin_object (builder);
      pm_cli_json_add_string (builder, "original", original_path);
      pm_cli_json_add_string (builder, "edited", edited_path);
      pm_cli_json_add_string (builder, "color", hex);
      if (multi_result != NULL)
        items_json (builder, multi_result, colors, mask_paths);
      json_builder_set_member_name (builder, "timings_ms");
      json_builder_add_value (builder, pm_cli_timings_to_json (timings));
      json_builder_set_member_name (builder, "outputs");
      json_builder_begin_object (builder);
      pm_cli_json_add_string (builder, "mask", args.output);
      pm_cli_json_add_string (builder, "soft_mask", args.soft_mask);
      pm_cli_json_add_string (builder, "labels", args.labels);
      pm_cli_json_add_string (builder, "masks", args.masks);
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
      if (multi_result != NULL)
        print_items (multi_result, &args, mask_paths);
    }
  return PM_EXIT_OK;
}
