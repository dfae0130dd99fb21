/* pm-cli-dataset.h: what `paintmask batch`, `export` and `import` share: the database,
 * output checks and the export step.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-cli-util.h"
#include "pm-dataset-io.h"

G_BEGIN_DECLS

/* Opens @db (or $PAINTMASK_DB / the history database when NULL); prints the error. */
PmStore *pm_cli_dataset_open_store  (const char                   *command,
                                     const char                   *db);
/* Checks, before any work, that @path can be written as a JSON file: prints why not and
 * returns PM_EXIT_USAGE or PM_EXIT_ERROR, else PM_EXIT_OK. */
int      pm_cli_dataset_check_file  (const char                   *command,
                                     const char                   *option,
                                     const char                   *path);
/* The same for an output folder (created when missing). */
int      pm_cli_dataset_check_dir   (const char                   *command,
                                     const char                   *option,
                                     const char                   *path);
/* Runs pm_dataset_export() with a progress line unless @quiet; prints each problem as one
 * line. Returns PM_EXIT_OK, or PM_EXIT_ERROR if an output failed or an image had a
 * problem. */
int      pm_cli_dataset_export      (const char                   *command,
                                     PmStore                      *store,
                                     gint64                        project_id,
                                     PmDatasetExportOptions       *options,
                                     gboolean                      quiet,
                                     PmDatasetReport              *report);
/* Adds "images", "annotations", "mask_files", "yolo_files" and "problems" members. */
void     pm_cli_dataset_report_json (JsonBuilder                  *builder,
                                     const PmDatasetReport        *report);
/* "1:05" or "2 h 03 min": a duration for the progress line. */
char    *pm_cli_format_duration     (double                        seconds);

G_END_DECLS
