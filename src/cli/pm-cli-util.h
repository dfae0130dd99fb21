/* pm-cli-util.h: helpers shared by the `paintmask` commands: option parsing, one-line
 * errors, the terminal progress line and JSON output.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "pm-cli.h"
#include "pm-color.h"
#include "pm-engine.h"
#include "pm-image.h"
#include "pm-instruction.h"

G_BEGIN_DECLS

/* ---- errors ---- */

/* Prints "paintmask COMMAND: MESSAGE" as one line on stderr (newlines are folded). */
void            pm_cli_error              (const char          *command,
                                           const char          *format,
                                           ...) G_GNUC_PRINTF (2, 3);
/* Prints @error; prefixes "PATH: " when the message does not already name @path. */
void            pm_cli_error_file         (const char          *command,
                                           const char          *path,
                                           const GError        *error);
/* @error's message, prefixed with "PATH: " unless it already names the file. */
char           *pm_cli_file_error_text    (const char          *path,
                                           const GError        *error);
/* PM_EXIT_USAGE for errors in what the user typed (bad option, unknown engine),
 * PM_EXIT_ERROR otherwise. */
int             pm_cli_exit_code          (const GError        *error);

/* ---- options ---- */

/* A GOptionContext for `paintmask COMMAND` with @parameter_string ("IMAGE INSTRUCTION")
 * and @summary (shown by --help). */
GOptionContext *pm_cli_context_new        (const char          *command,
                                           const char          *parameter_string,
                                           const char          *summary);
/* Parses @argv (argv[0] = the command name). On success returns TRUE and *@args_out holds
 * the remaining arguments without argv[0]. On a usage error prints it and returns FALSE. */
gboolean        pm_cli_parse              (GOptionContext      *context,
                                           const char          *command,
                                           int                  argc,
                                           char               **argv,
                                           GStrv               *args_out);
/* Removes the first "--" at or after @from from the NULL-terminated @args (GOption stops
 * there and leaves it), so that "--" ends the options everywhere: `tokenize -- "-x"`.
 * Returns the removed string, for the caller to free if it owns @args, or NULL. */
char           *pm_cli_drop_separator     (char               **args,
                                           int                  from);
/* Parses a --color value; prints a usage error naming @text and returns FALSE if unknown. */
gboolean        pm_cli_parse_color        (const char          *command,
                                           const char          *option,
                                           const char          *text,
                                           PmRgb               *out);

/* The engine options every running command accepts. */
typedef struct {
  char   *engine;        /* NULL = builtin */
  char   *model_dir;
  char   *remote_profile; /* NULL = openai-compatible */
  char   *endpoint;
  char   *remote_model;
  char  **remote_options; /* KEY=VALUE, repeatable */
  double  timeout_s;
  int     threads;
  char   *precision;     /* --precision: auto (NULL), bf16 or f32 */
  char   *refine;        /* clipseg: "sam" or "none" (NULL) */
  char   *sam_model_dir; /* --refine sam: NULL = installed slimsam-77 */
} PmCliEngineArgs;

void            pm_cli_add_engine_options (GOptionContext      *context,
                                           PmCliEngineArgs     *args);
void            pm_cli_engine_args_clear  (PmCliEngineArgs     *args);
/* Checks the engine options (bad values are usage errors) and fills @options with copies,
 * for pm_engine_new(); pm_engine_options_clear() them. On failure prints the error, stores
 * the exit code and returns FALSE. */
gboolean        pm_cli_engine_options_init (const char            *command,
                                            const PmCliEngineArgs *args,
                                            PmEngineOptions       *options,
                                            int                   *exit_code);
/* Creates the engine; on failure prints the error and stores the exit code. */
PmEngine       *pm_cli_engine_new         (const char          *command,
                                           const PmCliEngineArgs *args,
                                           int                 *exit_code);

/* ---- files ---- */

/* Loads an image, printing a one-line error naming @path on failure. */
PmImage        *pm_cli_load_image         (const char          *command,
                                           const char          *path);
/* Checks that @path is a sensible output name (not empty, not a folder, a PNG name) and can
 * be created (its folder exists and is writable) before long work. Returns PM_EXIT_OK, or
 * prints an error naming @option and @path and returns PM_EXIT_USAGE (the name) or
 * PM_EXIT_ERROR (the file system). */
int             pm_cli_check_output       (const char          *command,
                                           const char          *option,
                                           const char          *path);
/* "photo" for "dir/photo.jpg". */
char           *pm_cli_path_stem          (const char          *path);
/* Whether two paths name the same existing file. */
gboolean        pm_cli_same_file          (const char          *a,
                                           const char          *b);

/* ---- progress on the terminal ---- */

typedef struct _PmCliProgress PmCliProgress;

/* Shows a single updating line on stderr, only when @enabled and stderr is a terminal. */
PmCliProgress  *pm_cli_progress_new       (gboolean             enabled);
void            pm_cli_progress_set_prefix (PmCliProgress      *progress,
                                            const char         *prefix);
/* A PmProgressFunc; @user_data is the PmCliProgress. Thread-safe. */
void            pm_cli_progress_update    (const char          *stage,
                                           double               fraction,
                                           gpointer             user_data);
/* Erases the line (call before printing anything else). */
void            pm_cli_progress_clear     (PmCliProgress       *progress);
void            pm_cli_progress_free      (PmCliProgress       *progress);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmCliProgress, pm_cli_progress_free)

/* ---- JSON ---- */

/* Prints @root (an object) on stdout followed by a newline; takes ownership. */
void            pm_cli_print_json         (JsonNode            *root);
/* {stage: ms, …} in order of first appearance; repeated stages are summed. */
JsonNode       *pm_cli_timings_to_json    (const PmTimings     *timings);
/* The parsed instruction as JSON. */
JsonNode       *pm_cli_instruction_to_json (const PmInstruction *instruction);
/* Adds "key": value, or null when @value is NULL. */
void            pm_cli_json_add_string    (JsonBuilder         *builder,
                                           const char          *key,
                                           const char          *value);

G_END_DECLS
