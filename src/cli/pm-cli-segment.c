/* pm-cli-segment.c: `paintmask segment IMAGE --point X,Y[,LABEL]… --box X0,Y0,X1,Y1`:
 * Segment Anything masks from points and a box.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything is checked before the model runs (the points against the image, the box,
 * the output names) and every output is encoded before the first is written; a failure
 * writes nothing. With --multimask the three masks go best first: the best (highest
 * predicted IoU) to --mask, the others beside it as NAME-2.png and NAME-3.png; --logits
 * and the --json "iou" list follow the same order.
 */
#define G_LOG_DOMAIN "paintmask-cli"

#include "config.h"

#include <glib/gi18n.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "pm-cli-util.h"
#include "pm-maskio.h"
#include "pm-npy.h"
#include "pm-sam-engine.h"

#define COMMAND "segment"

typedef struct {
  char    **points;
  char     *box;
  gboolean  multimask;
  char     *model_dir;
  char     *mask;
  char     *logits;
  gboolean  json;
  gboolean  quiet;
  int       threads;
  char     *precision;
} SegmentArgs;

static void
segment_args_clear (SegmentArgs *args)
{
  g_strfreev (args->points);
  g_free (args->box);
  g_free (args->precision);
  g_free (args->model_dir);
  g_free (args->mask);
  g_free (args->logits);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SegmentArgs, segment_args_clear)

/* "1.5,2" or "1.5,2,0": @n_min..@n_max comma-separated finite numbers. */
static int
parse_numbers (const char *text,
               double     *out,
               int         n_min,
               int         n_max)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  int n = (int) g_strv_length (parts);

  if (n < n_min || n > n_max)
    return -1;
  for (int i = 0; i < n; i++)
    {
      char *end = NULL;
      g_strstrip (parts[i]);
      out[i] = g_ascii_strtod (parts[i], &end);
      if (parts[i][0] == '\0' || end == NULL || *end != '\0' || !isfinite (out[i]))
        return -1;
    }
  return n;
}

/* Fills @prompt from the options; prints a usage error and returns FALSE on bad syntax. */
static gboolean
parse_prompt (const SegmentArgs *args,
              GArray            *points,
              PmSamPrompt       *prompt)
{
  for (int i = 0; args->points != NULL && args->points[i] != NULL; i++)
    {
      double v[3];
      int n = parse_numbers (args->points[i], v, 2, 3);
      PmSamPoint p;

      if (n < 0 || (n == 3 && v[2] != 0 && v[2] != 1))
        {
          pm_cli_error (COMMAND, "--point %s: expected X,Y or X,Y,LABEL with LABEL 1 "
                        "(foreground) or 0 (background)", args->points[i]);
          return FALSE;
        }
      p.x = (float) v[0];
      p.y = (float) v[1];
      p.label = n == 3 ? (int) v[2] : 1;
      g_array_append_val (points, p);
    }
  if (points->len > PM_SAM_MAX_POINTS)
    {
      pm_cli_error (COMMAND, "%u points given; at most %d", points->len, PM_SAM_MAX_POINTS);
      return FALSE;
    }
  if (args->box != NULL)
    {
      double v[4];

      if (parse_numbers (args->box, v, 4, 4) < 0)
        {
          pm_cli_error (COMMAND, "--box %s: expected X0,Y0,X1,Y1", args->box);
          return FALSE;
        }
      for (int i = 0; i < 4; i++)
        prompt->box[i] = (float) v[i];
      prompt->has_box = TRUE;
    }
  if (points->len == 0 && !prompt->has_box)
    {
      pm_cli_error (COMMAND, "give at least one --point X,Y[,LABEL] or a --box X0,Y0,X1,Y1 "
                    "(see 'paintmask segment --help')");
      return FALSE;
    }
  prompt->points = (const PmSamPoint *) (gpointer) points->data;
  prompt->n_points = (int) points->len;
  prompt->multimask = args->multimask;
  return TRUE;
}

/* "out.png" → "out-2.png" for the mask ranked @rank (0 = best, which keeps the name). */
static char *
mask_path (const char *base,
           int         rank)
{
  const char *dot = strrchr (base, '.');
  const char *slash = strrchr (base, G_DIR_SEPARATOR);

  if (rank == 0)
    return g_strdup (base);
  if (dot == NULL || (slash != NULL && dot < slash))
    return g_strdup_printf ("%s-%d", base, rank + 1);
  return g_strdup_printf ("%.*s-%d%s", (int) (dot - base), base, rank + 1, dot);
}

/* Checks every output name before any work; the input image is never overwritten. */
static int
check_outputs (const char        *image_path,
               const SegmentArgs *args,
               int                n_masks)
{
  for (int r = 0; r < n_masks; r++)
    {
      g_autofree char *path = mask_path (args->mask, r);
      int code = pm_cli_check_output (COMMAND, "--mask", path);

      if (code != PM_EXIT_OK)
        return code;
      if (pm_cli_same_file (path, image_path))
        {
          pm_cli_error (COMMAND, "--mask %s: would overwrite the input image", path);
          return PM_EXIT_ERROR;
        }
      if (args->logits != NULL && strcmp (path, args->logits) == 0)
        {
          pm_cli_error (COMMAND, "--mask and --logits both name %s", path);
          return PM_EXIT_USAGE;
        }
    }
  if (args->logits != NULL)
    {
      if (!g_str_has_suffix (args->logits, ".npy"))
        {
          pm_cli_error (COMMAND, "--logits %s: the logits are a NumPy file; use a .npy name",
                        args->logits);
          return PM_EXIT_USAGE;
        }
      if (pm_cli_same_file (args->logits, image_path))
        {
          pm_cli_error (COMMAND, "--logits %s: would overwrite the input image", args->logits);
          return PM_EXIT_ERROR;
        }
    }
  return PM_EXIT_OK;
}

/* Encodes every output, then writes them; on a failure removes what was written. */
static gboolean
write_outputs (const SegmentArgs *args,
               const PmSamResult *r,
               GPtrArray         *paths,
               GError           **error)
{
  g_autoptr(GPtrArray) blobs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gsize plane = (gsize) r->lowres_size * r->lowres_size;

  for (int rank = 0; rank < r->n_masks; rank++)
    {
      GBytes *png = pm_mask_encode_png (r->masks[r->order[rank]], FALSE, error);

      if (png == NULL)
        return FALSE;
      g_ptr_array_add (blobs, png);
      g_ptr_array_add (paths, mask_path (args->mask, rank));
    }
  if (args->logits != NULL)
    {
      g_autofree float *ordered = g_new (float, r->n_masks * plane);
      gint64 shape[3] = { r->n_masks, r->lowres_size, r->lowres_size };

      for (int rank = 0; rank < r->n_masks; rank++)
        memcpy (ordered + rank * plane, r->lowres + r->order[rank] * plane,
                plane * sizeof (float));
      g_ptr_array_add (blobs, pm_npy_encode (ordered, 3, shape));
      g_ptr_array_add (paths, g_strdup (args->logits));
    }
  for (guint i = 0; i < blobs->len; i++)
    {
      gsize len;
      const char *data = g_bytes_get_data (blobs->pdata[i], &len);

      if (!g_file_set_contents (paths->pdata[i], data, (gssize) len, error))
        {
          for (guint j = 0; j < i; j++)
            g_unlink (paths->pdata[j]);
          return FALSE;
        }
    }
  return TRUE;
}

static void
print_result (const SegmentArgs *args,
              const PmSamResult *r,
              GPtrArray         *paths,
              const PmTimings   *timings)
{
  if (args->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "iou");
      json_builder_begin_array (b);
      for (int rank = 0; rank < r->n_masks; rank++)
        json_builder_add_double_value (b, r->iou[r->order[rank]]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "masks");
      json_builder_begin_array (b);
      for (int rank = 0; rank < r->n_masks; rank++)
        {
          json_builder_begin_object (b);
          pm_cli_json_add_string (b, "path", paths->pdata[rank]);
          json_builder_set_member_name (b, "area");
          json_builder_add_int_value (b, pm_mask_count (r->masks[r->order[rank]]));
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "timings_ms");
      json_builder_add_value (b, pm_cli_timings_to_json (timings));
      json_builder_end_object (b);
      pm_cli_print_json (json_builder_get_root (b));
      return;
    }
  for (int rank = 0; rank < r->n_masks; rank++)
    printf ("mask: %s (%" G_GINT64_FORMAT " pixels, predicted IoU %.3f)\n",
            (const char *) paths->pdata[rank], pm_mask_count (r->masks[r->order[rank]]),
            r->iou[r->order[rank]]);
  if (args->logits != NULL)
    printf ("logits: %s\n", args->logits);
}

int
pm_cli_segment (int    argc,
                char **argv)
{
  g_auto(SegmentArgs) args = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) rest = NULL;
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (PmSamPoint));
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmEngine) engine = NULL;
  g_autoptr(PmSamResult) result = NULL;
  g_autoptr(PmCliProgress) progress = NULL;
  g_autoptr(PmTimings) timings = pm_timings_new ();
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  PmEngineOptions options = { 0 };
  PmSamPrompt prompt = { 0 };
  const char *image_path;
  double t0;
  int code;
  const GOptionEntry entries[] = {
    { "point", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &args.points,
      N_("A point in image pixels; LABEL 1 = on the object (default), 0 = not on it; repeat "
      "for several"), "X,Y[,LABEL]" },
    { "box", 'b', 0, G_OPTION_ARG_STRING, &args.box,
      N_("A box around the object, corners in image pixels"), "X0,Y0,X1,Y1" },
    { "multimask", 0, 0, G_OPTION_ARG_NONE, &args.multimask,
      N_("Three candidate masks (whole, part, subpart), best first"), NULL },
    { "model-dir", 0, 0, G_OPTION_ARG_FILENAME, &args.model_dir,
      N_("SAM model folder (default: the installed slimsam-77)"), "DIR" },
    { "mask", 'm', 0, G_OPTION_ARG_FILENAME, &args.mask,
      N_("Write the (best) mask here; with --multimask the others go to NAME-2.png, NAME-3.png "
      "(default: STEM-segment.png)"), "OUT.png" },
    { "logits", 0, 0, G_OPTION_ARG_FILENAME, &args.logits,
      N_("Write the low-resolution logits [N, 256, 256] as float32 .npy, best first"), "OUT.npy" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &args.json,
      N_("Print {\"iou\", \"masks\": [{\"path\", \"area\"}], \"timings_ms\"} on stdout"), NULL },
    { "threads", 0, 0, G_OPTION_ARG_INT, &args.threads,
      N_("Compute threads (default: every core)"), "N" },
    { "precision", 0, 0, G_OPTION_ARG_STRING, &args.precision,
      N_("Image encoder: bf16 (fast, where the CPU has AVX512_BF16) or f32 (exact); default auto"),
      "P" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &args.quiet, N_("No progress line"), NULL },
    { NULL }
  };

  context = pm_cli_context_new (COMMAND, "IMAGE",
                                "Segments the object at the given points and/or box with "
                                "Segment Anything (SAM).\nPoints and boxes are in the "
                                "image's pixels.");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!pm_cli_parse (context, COMMAND, argc, argv, &rest))
    return PM_EXIT_USAGE;
  if (g_strv_length (rest) != 1)
    {
      pm_cli_error (COMMAND, "expected one IMAGE, got %u arguments (see 'paintmask segment "
                    "--help')", g_strv_length (rest));
      return PM_EXIT_USAGE;
    }
  image_path = rest[0];
  if (args.threads < 0)
    {
      pm_cli_error (COMMAND, "--threads %d: give a positive number", args.threads);
      return PM_EXIT_USAGE;
    }
  if (args.precision != NULL && !pm_precision_from_string (args.precision, &options.precision))
    {
      pm_cli_error (COMMAND, "--precision: “%s” is not one of auto, bf16, f32", args.precision);
      return PM_EXIT_USAGE;
    }
  if (!parse_prompt (&args, points, &prompt))
    return PM_EXIT_USAGE;
  if (args.mask == NULL)
    {
      g_autofree char *stem = pm_cli_path_stem (image_path);
      args.mask = g_strdup_printf ("%s-segment.png", stem);
    }
  code = check_outputs (image_path, &args, args.multimask ? 3 : 1);
  if (code != PM_EXIT_OK)
    return code;

  /* the prompt against the image before the model is even loaded */
  image = pm_cli_load_image (COMMAND, image_path);
  if (image == NULL)
    return PM_EXIT_ERROR;
  if (!pm_sam_prompt_check (&prompt, image->width, image->height, &error))
    {
      pm_cli_error (COMMAND, "%s", error->message);
      return PM_EXIT_ERROR;
    }

  t0 = pm_now_ms ();
  options.model_dir = args.model_dir;
  options.threads = args.threads;
  engine = pm_engine_new ("sam", &options, &error);
  if (engine == NULL)
    {
      pm_cli_error (COMMAND, "%s", error->message);
      return PM_EXIT_ERROR;
    }
  pm_timings_add (timings, "load", pm_now_ms () - t0);
  if (args.multimask && pm_sam_get_n_masks (pm_sam_engine_get_model (engine), TRUE) != 3)
    {
      code = check_outputs (image_path, &args,
                            pm_sam_get_n_masks (pm_sam_engine_get_model (engine), TRUE));
      if (code != PM_EXIT_OK)
        return code;
    }

  progress = pm_cli_progress_new (!args.quiet && !args.json);
  result = pm_sam_engine_segment (engine, image, &prompt, pm_cli_progress_update, progress,
                                  NULL, timings, &error);
  pm_cli_progress_clear (progress);
  if (result == NULL)
    {
      pm_cli_error (COMMAND, "%s", error->message);
      return PM_EXIT_ERROR;
    }
  t0 = pm_now_ms ();
  if (!write_outputs (&args, result, paths, &error))
    {
      pm_cli_error (COMMAND, "%s", error->message);
      return PM_EXIT_ERROR;
    }
  pm_timings_add (timings, "write", pm_now_ms () - t0);
  print_result (&args, result, paths, timings);
  return PM_EXIT_OK;
}
