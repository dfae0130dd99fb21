/* pm-cli-mask.c: `paintmask mask OPS IN.png -o OUT.png`: the app's mask corrections,
 * headless.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The operations run in the order they are given on the command line (GOption calls the
 * callbacks in that order), each with pm_mask_op_apply(), the function behind the app's mask
 * menu. Everything is checked and computed before OUT.png is written, and it is written
 * atomically: an error leaves no file.
 */
#define G_LOG_DOMAIN "paintmask-cli"

#include "config.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm-cli-util.h"
#include "pm-mask-ops.h"
#include "pm-maskio.h"

#define COMMAND "mask"

/* A radius or an island size beyond this is a typo, not a request. */
#define MAX_AMOUNT 100000

typedef struct {
  GArray   *ops;        /* of PmMaskOp, in command-line order */
  char     *output;
  char     *image;
  gboolean  json;
  gboolean  quiet;
} MaskArgs;

static void
mask_args_clear (MaskArgs *args)
{
  g_clear_pointer (&args->ops, g_array_unref);
  g_clear_pointer (&args->output, g_free);
  g_clear_pointer (&args->image, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MaskArgs, mask_args_clear)

/* Parses a whole number in [min, max]; FALSE if @text is anything else. */
static gboolean
parse_int (const char *text,
           gint64      min,
           gint64      max,
           int        *out)
{
  gint64 v;

  if (text == NULL || !g_ascii_string_to_signed (text, 10, min, max, &v, NULL))
    return FALSE;
  *out = (int) v;
  return TRUE;
}

static gboolean
parse_box (const char *text,
           PmRect     *box)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  int v[4];

  if (g_strv_length (parts) != 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    if (!parse_int (g_strstrip (parts[i]), 0, G_MAXINT / 2, &v[i]))
      return FALSE;
  if (v[2] <= v[0] || v[3] <= v[1])
    return FALSE;
  *box = (PmRect) { v[0], v[1], v[2] - v[0], v[3] - v[1] };
  return TRUE;
}

static const struct {
  const char   *option;
  PmMaskOpKind  kind;
} option_kinds[] = {
  { "--fill-holes", PM_MASK_OP_FILL_HOLES },
  { "--remove-islands", PM_MASK_OP_REMOVE_ISLANDS },
  { "--grow", PM_MASK_OP_GROW },
  { "--shrink", PM_MASK_OP_SHRINK },
  { "--invert", PM_MASK_OP_INVERT },
  { "--grabcut-box", PM_MASK_OP_GRABCUT_BOX },
};

/* GOption callback for every operation flag: appends the operation in the order given. */
static gboolean
add_op (const char  *option_name,
        const char  *value,
        gpointer     data,
        GError     **error)
{
  MaskArgs *args = data;
  PmMaskOp op = { 0 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (option_kinds); i++)
    if (strcmp (option_name, option_kinds[i].option) == 0)
      break;
  g_assert (i < G_N_ELEMENTS (option_kinds));
  op.kind = option_kinds[i].kind;

  switch (op.kind)
    {
    case PM_MASK_OP_REMOVE_ISLANDS:
    case PM_MASK_OP_GROW:
    case PM_MASK_OP_SHRINK:
      if (!parse_int (value, op.kind == PM_MASK_OP_REMOVE_ISLANDS ? 1 : 0, MAX_AMOUNT,
                      &op.amount))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "%s %s: expected a whole number of pixels from %d to %d", option_name,
                       value, op.kind == PM_MASK_OP_REMOVE_ISLANDS ? 1 : 0, MAX_AMOUNT);
          return FALSE;
        }
      break;
    case PM_MASK_OP_GRABCUT_BOX:
      if (!parse_box (value, &op.box))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "%s %s: expected X0,Y0,X1,Y1, four whole numbers with X0 < X1 and "
                       "Y0 < Y1 (pixels; X1 and Y1 exclusive)", option_name, value);
          return FALSE;
        }
      break;
    case PM_MASK_OP_FILL_HOLES:
    case PM_MASK_OP_INVERT:
    case PM_MASK_OP_CLEAR:
    default:
      break;
    }
  g_array_append_val (args->ops, op);
  return TRUE;
}

/* GOptionEntry.arg_data is a gpointer; ISO C has no direct conversion from a function
 * pointer, but one through an integer is defined. */
#define OP_CALLBACK ((gpointer) (guintptr) add_op)

static gboolean
needs_image (const MaskArgs *args)
{
  for (guint i = 0; i < args->ops->len; i++)
    if (g_array_index (args->ops, PmMaskOp, i).kind == PM_MASK_OP_GRABCUT_BOX)
      return TRUE;
  return FALSE;
}

/* Usage checks after parsing: one input, an output, at least one operation. */
static int
check_usage (MaskArgs  *args,
             GStrv      rest)
{
  if (g_strv_length (rest) != 1)
    {
      pm_cli_error (COMMAND, ngettext ("expected one input mask IN.png, got %u argument "
                                       "(see 'paintmask mask --help')",
                                       "expected one input mask IN.png, got %u arguments "
                                       "(see 'paintmask mask --help')", g_strv_length (rest)),
                    g_strv_length (rest));
      return PM_EXIT_USAGE;
    }
  if (args->ops->len == 0)
    {
      pm_cli_error (COMMAND, "no operation given (--fill-holes, --remove-islands N, --grow N, "
                    "--shrink N, --invert, --grabcut-box X0,Y0,X1,Y1)");
      return PM_EXIT_USAGE;
    }
  if (args->output == NULL)
    {
      pm_cli_error (COMMAND, "say where to write the result with -o OUT.png");
      return PM_EXIT_USAGE;
    }
  if (needs_image (args) && args->image == NULL)
    {
      pm_cli_error (COMMAND, "--grabcut-box needs --image IMG, the photo the mask belongs to");
      return PM_EXIT_USAGE;
    }
  if (pm_cli_same_file (args->output, rest[0]) ||
      (args->image != NULL && pm_cli_same_file (args->output, args->image)))
    {
      pm_cli_error (COMMAND, "-o %s: would overwrite an input", args->output);
      return PM_EXIT_ERROR;
    }
  return pm_cli_check_output (COMMAND, "-o", args->output);
}

/* Runs the operations in order; prints the error and returns FALSE on the first failure. */
static gboolean
apply_ops (const MaskArgs *args,
           PmMask         *mask,
           const PmImage  *image,
           PmTimings      *timings)
{
  g_autoptr(PmCliProgress) progress = pm_cli_progress_new (!args->quiet && !args->json);
  PmGrabcutParams params;

  pm_grabcut_params_init (&params);
  params.progress = pm_cli_progress_update;
  params.progress_data = progress;
  for (guint i = 0; i < args->ops->len; i++)
    {
      const PmMaskOp *op = &g_array_index (args->ops, PmMaskOp, i);
      g_autofree char *what = pm_mask_op_describe (op);
      g_autoptr(GError) error = NULL;
      double t = pm_now_ms ();

      pm_cli_progress_set_prefix (progress, what);
      if (!pm_mask_op_apply (mask, op, image, &params, NULL, &error))
        {
          pm_cli_progress_clear (progress);
          pm_cli_error (COMMAND, "--%s: %s", what, error->message);
          return FALSE;
        }
      pm_timings_add (timings, pm_mask_op_kind_to_string (op->kind), pm_now_ms () - t);
    }
  pm_cli_progress_clear (progress);
  return TRUE;
}

static void
print_result (const MaskArgs *args,
              const char     *input,
              const PmMask   *mask,
              PmTimings      *timings)
{
  gint64 n = pm_mask_count (mask);
  double share = 100.0 * n / ((double) mask->width * mask->height);

  if (args->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      pm_cli_json_add_string (builder, "input", input);
      pm_cli_json_add_string (builder, "output", args->output);
      pm_cli_json_add_string (builder, "image", args->image);
      json_builder_set_member_name (builder, "operations");
      json_builder_begin_array (builder);
      for (guint i = 0; i < args->ops->len; i++)
        {
          g_autofree char *what = pm_mask_op_describe (&g_array_index (args->ops, PmMaskOp, i));
          json_builder_add_string_value (builder, what);
        }
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "mask_pixels");
      json_builder_add_int_value (builder, n);
      json_builder_set_member_name (builder, "width");
      json_builder_add_int_value (builder, mask->width);
      json_builder_set_member_name (builder, "height");
      json_builder_add_int_value (builder, mask->height);
      json_builder_set_member_name (builder, "timings_ms");
      json_builder_add_value (builder, pm_cli_timings_to_json (timings));
      json_builder_end_object (builder);
      pm_cli_print_json (json_builder_get_root (builder));
      return;
    }
  printf ("mask: %s (%" G_GINT64_FORMAT " pixels, %.1f%%)\n", args->output, n, share);
}

int
pm_cli_mask (int    argc,
             char **argv)
{
  g_auto(MaskArgs) args = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) rest = NULL;
  g_autoptr(PmMask) mask = NULL;
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmTimings) timings = pm_timings_new ();
  g_autoptr(GError) error = NULL;
  GOptionGroup *group;
  int status;
  const GOptionEntry entries[] = {
    { "fill-holes", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, OP_CALLBACK,
      N_("Fill background regions enclosed by the mask"), NULL },
    { "remove-islands", 0, 0, G_OPTION_ARG_CALLBACK, OP_CALLBACK,
      N_("Remove parts smaller than N pixels (8-connected)"), "N" },
    { "grow", 0, 0, G_OPTION_ARG_CALLBACK, OP_CALLBACK,
      N_("Grow by N pixels (a disk, Euclidean)"), "N" },
    { "shrink", 0, 0, G_OPTION_ARG_CALLBACK, OP_CALLBACK,
      N_("Shrink by N pixels (a disk; not from the image border)"), "N" },
    { "invert", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, OP_CALLBACK,
      N_("Swap mask and background"), NULL },
    { "grabcut-box", 0, 0, G_OPTION_ARG_CALLBACK, OP_CALLBACK,
      N_("Snap the mask inside the box to the object there (GrabCut; needs --image; "
      "X1 and Y1 exclusive)"), "X0,Y0,X1,Y1" },
    { "image", 0, 0, G_OPTION_ARG_FILENAME, &args.image,
      N_("The photo the mask belongs to (for --grabcut-box)"), "IMG" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &args.output,
      N_("Write the result here (8-bit PNG; a binary mask stays 0/255)"), "OUT.png" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &args.json, N_("Print one JSON object on stdout"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &args.quiet, N_("No progress line"), NULL },
    { NULL }
  };

  args.ops = g_array_new (FALSE, FALSE, sizeof (PmMaskOp));
  context = pm_cli_context_new (COMMAND, "OPERATION… IN.png -o OUT.png",
                                "Corrects a mask as the app's mask menu does: the operations "
                                "run in the order given.");
  group = g_option_group_new (COMMAND, N_("Mask operations"), N_("Show the mask operations"),
                              &args, NULL);
  g_option_group_add_entries (group, entries);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_set_main_group (context, group);
  if (!pm_cli_parse (context, COMMAND, argc, argv, &rest))
    return PM_EXIT_USAGE;
  status = check_usage (&args, rest);
  if (status != PM_EXIT_OK)
    return status;

  mask = pm_mask_load_png (rest[0], &error);
  if (mask == NULL)
    {
      pm_cli_error_file (COMMAND, rest[0], error);
      return PM_EXIT_ERROR;
    }
  if (needs_image (&args))
    {
      image = pm_cli_load_image (COMMAND, args.image);
      if (image == NULL)
        return PM_EXIT_ERROR;
      if (image->width != mask->width || image->height != mask->height)
        {
          pm_cli_error (COMMAND, "--image %s is %d×%d but the mask %s is %d×%d", args.image,
                        image->width, image->height, rest[0], mask->width, mask->height);
          return PM_EXIT_ERROR;
        }
    }

  if (!apply_ops (&args, mask, image, timings))
    return PM_EXIT_ERROR;
  if (!pm_mask_save_png (mask, args.output, TRUE, &error))
    {
      pm_cli_error_file (COMMAND, args.output, error);
      return PM_EXIT_ERROR;
    }
  print_result (&args, rest[0], mask, timings);
  return PM_EXIT_OK;
}
