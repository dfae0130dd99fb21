/* pm-cli-util.c: option parsing, one-line errors, the terminal progress line, JSON output.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "paintmask-cli"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <glib/gi18n.h>

#include "pm-cli-util.h"
#include "pm-json.h"

/* ---------------------------------------------------------------- errors */

/* Folds control characters (newlines from nested errors, escape codes from file names)
 * into spaces so an error stays one harmless line. */
static char *
one_line (const char *text)
{
  char *line = g_utf8_make_valid (text != NULL ? text : "", -1);

  for (char *p = line; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  g_strchomp (line);
  return line;
}

void
pm_cli_error (const char *command,
              const char *format,
              ...)
{
  g_autofree char *message = NULL;
  g_autofree char *line = NULL;
  va_list args;

  /* Messages are marked through xgettext's --keyword=pm_cli_error:2 (po/meson.build). */
  va_start (args, format);
  message = g_strdup_vprintf (_(format), args);
  va_end (args);
  line = one_line (message);
  fflush (stdout);
  fprintf (stderr, "paintmask %s: %s\n", command, line);
}

char *
pm_cli_file_error_text (const char   *path,
                        const GError *error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *base = g_path_get_basename (path);

  /* Loaders tend to name the file by its base name; don't say it twice. */
  if (strstr (error->message, display) != NULL || strstr (error->message, path) != NULL ||
      (base[0] != '\0' && strcmp (base, ".") != 0 && strstr (error->message, base) != NULL))
    return g_strdup (error->message);
  return g_strdup_printf ("%s: %s", display, error->message);
}

void
pm_cli_error_file (const char   *command,
                   const char   *path,
                   const GError *error)
{
  g_autofree char *text = pm_cli_file_error_text (path, error);

  pm_cli_error (command, "%s", text);
}

int
pm_cli_exit_code (const GError *error)
{
  if (error == NULL)
    return PM_EXIT_OK;
  if (error->domain == G_OPTION_ERROR)
    return PM_EXIT_USAGE;
  if (error->domain == PM_ENGINE_ERROR && error->code == PM_ENGINE_ERROR_UNKNOWN)
    return PM_EXIT_USAGE;
  return PM_EXIT_ERROR;
}

/* ---------------------------------------------------------------- options */

GOptionContext *
pm_cli_context_new (const char *command,
                    const char *parameter_string,
                    const char *summary)
{
  GOptionContext *context = g_option_context_new (parameter_string);
  g_autofree char *prgname = g_strdup_printf ("paintmask %s", command);

  /* --help shows "Usage: paintmask COMMAND [OPTION…] …" */
  g_set_prgname (prgname);
  /* The summary, the parameter string and the options' descriptions in the user's language. */
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, summary);
  g_option_context_set_help_enabled (context, TRUE);
  return context;
}

gboolean
pm_cli_parse (GOptionContext  *context,
              const char      *command,
              int              argc,
              char           **argv,
              GStrv           *args_out)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = g_new0 (char *, argc + 1);

  for (int i = 0; i < argc; i++)
    args[i] = g_strdup (argv[i]);

  /* --help prints the usage and exits with 0 from inside this call. */
  if (!g_option_context_parse_strv (context, &args, &error))
    {
      pm_cli_error (command, _("%s (see 'paintmask %s --help')"), error->message, command);
      return FALSE;
    }

  /* Drop argv[0] (the command name) and the "--" separator GOption leaves in place. */
  g_free (pm_cli_drop_separator (args, 1));
  *args_out = g_strdupv (args + 1);
  return TRUE;
}

char *
pm_cli_drop_separator (char **args,
                       int    from)
{
  for (int i = from; args[i] != NULL; i++)
    if (strcmp (args[i], "--") == 0)
      {
        char *separator = args[i];
        memmove (args + i, args + i + 1, sizeof (char *) * (g_strv_length (args + i + 1) + 1));
        return separator;
      }
  return NULL;
}

gboolean
pm_cli_parse_color (const char *command,
                    const char *option,
                    const char *text,
                    PmRgb      *out)
{
  if (text != NULL && pm_color_parse (text, out))
    return TRUE;
  pm_cli_error (command, "%s: unknown colour “%s” (use a name such as purple or sky blue, "
                "or #rrggbb)", option, text != NULL ? text : "");
  return FALSE;
}

void
pm_cli_add_engine_options (GOptionContext  *context,
                           PmCliEngineArgs *args)
{
  const GOptionEntry entries[] = {
    { "engine", 'e', 0, G_OPTION_ARG_STRING, &args->engine,
      N_("Engine: builtin (default), clipseg or remote (bench: also sam)"), "NAME" },
    { "model-dir", 0, 0, G_OPTION_ARG_FILENAME, &args->model_dir,
      N_("clipseg (bench: sam): the model folder (default: the installed model)"), "DIR" },
    { "remote-profile", 0, 0, G_OPTION_ARG_STRING, &args->remote_profile,
      N_("remote: the server's protocol: openai, openai-compatible (default), sdcpp, comfyui, "
      "gemini or fal"), "PROFILE" },
    { "endpoint", 0, 0, G_OPTION_ARG_STRING, &args->endpoint,
      N_("remote: the server, e.g. http://127.0.0.1:8000/v1 (openai-compatible: the base URL "
      "before /images/edits; openai, sdcpp, comfyui, gemini and fal have defaults)"), "URL" },
    { "remote-model", 0, 0, G_OPTION_ARG_STRING, &args->remote_model,
      N_("remote: the model (openai-compatible: sent only when given; comfyui: the bundled "
      "workflow; fal: the model id)"), "NAME" },
    { "remote-option", 0, 0, G_OPTION_ARG_STRING_ARRAY, &args->remote_options,
      N_("remote: KEY=VALUE, repeatable: seed, num_inference_steps, true_cfg_scale, "
      "guidance_scale, negative_prompt, size, workflow (comfyui), aspect_ratio (gemini), "
      "input_fidelity, quality (openai), max_pixels"), "KEY=VALUE" },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &args->timeout_s,
      N_("remote: give up after this many seconds"), "S" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &args->threads,
      N_("Compute threads (default: every core)"), "N" },
    { "precision", 0, 0, G_OPTION_ARG_STRING, &args->precision,
      N_("clipseg, sam: bf16 (fast, where the CPU has AVX512_BF16) or f32 (exact); default "
         "auto"),
      "P" },
    { "refine", 0, 0, G_OPTION_ARG_STRING, &args->refine,
      N_("clipseg: refine the mask with Segment Anything (sam) or not (none, default)"), "HOW" },
    { "sam-model-dir", 0, 0, G_OPTION_ARG_FILENAME, &args->sam_model_dir,
      N_("--refine sam: the SAM model folder (default: the installed slimsam-77)"), "DIR" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

void
pm_cli_engine_args_clear (PmCliEngineArgs *args)
{
  g_clear_pointer (&args->engine, g_free);
  g_clear_pointer (&args->model_dir, g_free);
  g_clear_pointer (&args->remote_profile, g_free);
  g_clear_pointer (&args->endpoint, g_free);
  g_clear_pointer (&args->remote_model, g_free);
  g_clear_pointer (&args->precision, g_free);
  g_clear_pointer (&args->remote_options, g_strfreev);
  g_clear_pointer (&args->refine, g_free);
  g_clear_pointer (&args->sam_model_dir, g_free);
}

/* Checks @args and fills @options (owned copies; pm_engine_options_clear() them). On a bad
 * value prints the error, stores the exit code and returns FALSE. */
gboolean
pm_cli_engine_options_init (const char            *command,
                            const PmCliEngineArgs *args,
                            PmEngineOptions       *options,
                            int                   *exit_code)
{
  const char *name = args->engine != NULL ? args->engine : "builtin";

  *options = (PmEngineOptions) { 0 };
  if (args->timeout_s < 0 || args->timeout_s > 24 * 3600)
    {
      pm_cli_error (command, "--timeout: %g is not a number of seconds between 0 and 86400",
                    args->timeout_s);
      *exit_code = PM_EXIT_USAGE;
      return FALSE;
    }
  if (args->threads < 0 || args->threads > 1024)
    {
      pm_cli_error (command, "--threads: %d is not a thread count between 0 and 1024",
                    args->threads);
      *exit_code = PM_EXIT_USAGE;
      return FALSE;
    }

  if (args->precision != NULL &&
      !pm_precision_from_string (args->precision, &options->precision))
    {
      pm_cli_error (command, "--precision: “%s” is not one of auto, bf16, f32", args->precision);
      *exit_code = PM_EXIT_USAGE;
      return FALSE;
    }
  if (args->refine != NULL && strcmp (args->refine, "none") != 0)
    {
      if (strcmp (args->refine, "sam") != 0)
        {
          pm_cli_error (command, "--refine %s: unknown refinement (use sam or none)",
                        args->refine);
          *exit_code = PM_EXIT_USAGE;
          return FALSE;
        }
      if (strcmp (name, "clipseg") != 0)
        {
          pm_cli_error (command, "--refine sam refines CLIPSeg's masks: use it with "
                        "--engine clipseg");
          *exit_code = PM_EXIT_USAGE;
          return FALSE;
        }
    }
  if (args->sam_model_dir != NULL && (args->refine == NULL || strcmp (args->refine, "sam") != 0))
    {
      pm_cli_error (command, "--sam-model-dir goes with --refine sam");
      *exit_code = PM_EXIT_USAGE;
      return FALSE;
    }

  options->model_dir = g_strdup (args->model_dir);
  options->refine = g_strdup (args->refine);
  options->sam_model_dir = g_strdup (args->sam_model_dir);
  options->remote_profile = g_strdup (args->remote_profile);
  options->endpoint = g_strdup (args->endpoint);
  options->remote_model = g_strdup (args->remote_model);
  options->remote_options = g_strdupv (args->remote_options);
  options->timeout_s = args->timeout_s;
  options->threads = args->threads;
  return TRUE;
}

PmEngine *
pm_cli_engine_new (const char            *command,
                   const PmCliEngineArgs *args,
                   int                   *exit_code)
{
  PmEngineOptions options;
  g_autoptr(GError) error = NULL;
  const char *name = args->engine != NULL ? args->engine : "builtin";
  PmEngine *engine;

  if (!pm_cli_engine_options_init (command, args, &options, exit_code))
    return NULL;
  engine = pm_engine_new (name, &options, &error);
  pm_engine_options_clear (&options);

  if (engine == NULL)
    {
      pm_cli_error (command, "--engine %s: %s", name, error->message);
      *exit_code = pm_cli_exit_code (error);
    }
  return engine;
}

/* ---------------------------------------------------------------- files */

PmImage *
pm_cli_load_image (const char *command,
                   const char *path)
{
  g_autoptr(GError) error = NULL;
  PmImage *image = NULL;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *display = g_filename_display_name (path);
      pm_cli_error (command, "%s: is a folder, not an image", display);
      return NULL;
    }
  image = pm_image_load (path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  if (image == NULL)
    {
      pm_cli_error_file (command, path, error);
      return NULL;
    }
  if (image->width <= 0 || image->height <= 0)
    {
      g_autofree char *display = g_filename_display_name (path);
      pm_cli_error (command, "%s: the image is empty (%d×%d pixels)", display,
                    image->width, image->height);
      pm_image_free (image);
      return NULL;
    }
  return image;
}

int
pm_cli_check_output (const char *command,
                     const char *option,
                     const char *path)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *dir = NULL;

  if (path[0] == '\0')
    {
      pm_cli_error (command, "%s: the output path is empty", option);
      return PM_EXIT_USAGE;
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      pm_cli_error (command, "%s %s: is a folder; give a file name", option, display);
      return PM_EXIT_USAGE;
    }
  {
    /* Outputs are always PNG (masks must be lossless); a .jpg name would lie about that. */
    static const char * const other_formats[] = { ".jpg", ".jpeg", ".webp", ".tif", ".tiff",
                                                  ".bmp", ".gif", ".avif", ".heic", NULL };
    const char *dot = strrchr (path, '.');
    for (int i = 0; dot != NULL && other_formats[i] != NULL; i++)
      if (g_ascii_strcasecmp (dot, other_formats[i]) == 0)
        {
          pm_cli_error (command, "%s %s: outputs are PNG files; use a .png name", option,
                        display);
          return PM_EXIT_USAGE;
        }
  }
  dir = g_path_get_dirname (path);
  if (g_file_test (dir, G_FILE_TEST_EXISTS) && !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *ddir = g_filename_display_name (dir);
      pm_cli_error (command, "%s %s: %s is not a folder", option, display, ddir);
      return PM_EXIT_ERROR;
    }
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *ddir = g_filename_display_name (dir);
      pm_cli_error (command, "%s %s: folder %s does not exist", option, display, ddir);
      return PM_EXIT_ERROR;
    }
  if (g_file_test (path, G_FILE_TEST_EXISTS) && g_access (path, W_OK) != 0)
    {
      pm_cli_error (command, "%s %s: cannot write there (%s)", option, display,
                    g_strerror (errno));
      return PM_EXIT_ERROR;
    }
  {
    /* access() says yes to root everywhere; creating a file is the honest test. */
    g_autofree char *probe = g_build_filename (dir, ".paintmask-probe-XXXXXX", NULL);
    int fd = g_mkstemp (probe);
    if (fd < 0)
      {
        int saved = errno;
        pm_cli_error (command, "%s %s: cannot write in that folder (%s)", option, display,
                      g_strerror (saved));
        return PM_EXIT_ERROR;
      }
    close (fd);
    g_unlink (probe);
  }
  return PM_EXIT_OK;
}

char *
pm_cli_path_stem (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base)
    *dot = '\0';
  if (base[0] == '\0' || strcmp (base, ".") == 0 || strcmp (base, "/") == 0)
    return g_strdup ("image");
  return g_steal_pointer (&base);
}

gboolean
pm_cli_same_file (const char *a,
                  const char *b)
{
  GStatBuf sa, sb;

  if (g_stat (a, &sa) != 0 || g_stat (b, &sb) != 0)
    return FALSE;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* ---------------------------------------------------------------- progress */

struct _PmCliProgress {
  GMutex    lock;
  gboolean  enabled;
  gboolean  shown;
  char     *prefix;
  char     *stage;
  int       percent;
  gint64    last_draw_us;
};

/* Ctrl-C while the line is shown: erase it so the shell prompt starts clean, then die of
 * the signal as usual. Only async-signal-safe calls here. */
static void
progress_interrupted (int signum)
{
  static const char erase[] = "\r\033[K";
  ssize_t ignored = write (STDERR_FILENO, erase, sizeof erase - 1);

  (void) ignored;
  signal (signum, SIG_DFL);
  raise (signum);
}

PmCliProgress *
pm_cli_progress_new (gboolean enabled)
{
  PmCliProgress *progress = g_new0 (PmCliProgress, 1);

  g_mutex_init (&progress->lock);
  progress->enabled = enabled && isatty (STDERR_FILENO);
  progress->percent = -1;
  if (progress->enabled)
    {
      signal (SIGINT, progress_interrupted);
      signal (SIGTERM, progress_interrupted);
    }
  return progress;
}

void
pm_cli_progress_set_prefix (PmCliProgress *progress,
                            const char    *prefix)
{
  g_mutex_lock (&progress->lock);
  g_free (progress->prefix);
  progress->prefix = g_strdup (prefix);
  g_mutex_unlock (&progress->lock);
}

void
pm_cli_progress_update (const char *stage,
                        double      fraction,
                        gpointer    user_data)
{
  PmCliProgress *progress = user_data;
  int percent;
  gboolean new_stage;
  gint64 now;

  if (progress == NULL || !progress->enabled)
    return;

  percent = (int) (CLAMP (fraction, 0.0, 1.0) * 100.0 + 0.5);
  g_mutex_lock (&progress->lock);
  new_stage = g_strcmp0 (stage, progress->stage) != 0;
  now = g_get_monotonic_time ();
  /* Redraw when something visible changed, at most ~20 times a second within a stage. */
  if (new_stage || (percent != progress->percent && now - progress->last_draw_us > 50000))
    {
      g_autofree char *line = NULL;
      g_autofree char *clean = NULL;

      g_free (progress->stage);
      progress->stage = g_strdup (stage);
      progress->percent = percent;
      progress->last_draw_us = now;
      line = g_strdup_printf ("%s%s %3d%%", progress->prefix != NULL ? progress->prefix : "",
                              stage != NULL ? stage : "", percent);
      clean = one_line (line);
      /* Keep it on one terminal row: \r goes back, ESC[K erases the rest of the row. */
      if (g_utf8_strlen (clean, -1) > 78)
        {
          char *cut = g_utf8_substring (clean, 0, 78);
          g_free (clean);
          clean = cut;
        }
      fprintf (stderr, "\r\033[K%s", clean);
      fflush (stderr);
      progress->shown = TRUE;
    }
  g_mutex_unlock (&progress->lock);
}

void
pm_cli_progress_clear (PmCliProgress *progress)
{
  if (progress == NULL)
    return;
  g_mutex_lock (&progress->lock);
  if (progress->shown)
    {
      fprintf (stderr, "\r\033[K");
      fflush (stderr);
      progress->shown = FALSE;
    }
  g_clear_pointer (&progress->stage, g_free);
  progress->percent = -1;
  g_mutex_unlock (&progress->lock);
}

void
pm_cli_progress_free (PmCliProgress *progress)
{
  if (progress == NULL)
    return;
  pm_cli_progress_clear (progress);
  g_mutex_clear (&progress->lock);
  g_free (progress->prefix);
  g_free (progress->stage);
  g_free (progress);
}

/* ---------------------------------------------------------------- JSON */

void
pm_cli_print_json (JsonNode *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
  fflush (stdout);
  json_node_unref (root);
}

JsonNode *
pm_cli_timings_to_json (const PmTimings *timings)
{
  g_autoptr(PmTimings) none = NULL;

  if (timings == NULL)
    timings = none = pm_timings_new ();
  return pm_timings_to_json (timings);
}

void
pm_cli_json_add_string (JsonBuilder *builder,
                        const char  *key,
                        const char  *value)
{
  json_builder_set_member_name (builder, key);
  if (value != NULL)
    {
      g_autofree char *valid = g_utf8_make_valid (value, -1);
      json_builder_add_string_value (builder, valid);
    }
  else
    json_builder_add_null_value (builder);
}

JsonNode *
pm_cli_instruction_to_json (const PmInstruction *instruction)
{
  return pm_instruction_to_json (instruction);
}
