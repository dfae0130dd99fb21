/* pm-cli.h: the `paintmask` subcommands and their shared helpers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Exit codes: 0 success, 1 runtime error, 2 usage error. Errors are one line on stderr.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

enum {
  PM_EXIT_OK = 0,
  PM_EXIT_ERROR = 1,
  PM_EXIT_USAGE = 2,
};

/* Each takes argv with argv[0] = the command name ("edit", …). */
int pm_cli_edit    (int argc, char **argv);
int pm_cli_derive  (int argc, char **argv);
int pm_cli_eval    (int argc, char **argv);
int pm_cli_mask    (int argc, char **argv);
int pm_cli_model   (int argc, char **argv);
int pm_cli_segment (int argc, char **argv);
int pm_cli_history (int argc, char **argv);
int pm_cli_bench   (int argc, char **argv);
int pm_cli_batch   (int argc, char **argv);
int pm_cli_export  (int argc, char **argv);
int pm_cli_import  (int argc, char **argv);

/* The GUI entry point (src/app), when built. */
int pm_app_run     (int argc, char **argv);

G_END_DECLS
