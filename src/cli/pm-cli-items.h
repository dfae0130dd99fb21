/* pm-cli-items.h: what `edit` and `derive` share for edits of several objects: per-item
 * colours, mask files and label maps, and the items in --json.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-cli-util.h"
#include "pm-labels.h"
#include "pm-pipeline.h"

G_BEGIN_DECLS

/* Parses the values of a repeated --color (NULL: none) into @colors, at most @max of them;
 * *@n gets how many. Prints a usage error naming the bad one (or "given N times") and
 * returns FALSE. */
gboolean  pm_cli_parse_colors      (const char          *command,
                                    char               **texts,
                                    guint                max,
                                    const char          *too_many,
                                    PmRgb               *colors,
                                    guint               *n);
/* "<index>-<name>.png": @name lower-cased, anything but letters and digits made '-' and
 * runs of them one ("1-cup.png", "2-left-car.png", "3-ff8800.png"); "object" when nothing
 * is left. @index counts from 1, as labels do. */
char     *pm_cli_item_file_name    (guint                index,
                                    const char          *name);
/* Checks the --labels and --masks outputs before any work; --masks DIR is created. */
int       pm_cli_check_item_outputs (const char         *command,
                                    const char          *labels,
                                    const char          *masks,
                                    const char * const  *inputs);
/* Writes @masks[i] (binary) to DIR/<i + 1>-<names[i]>.png; @paths_out (optional) gets the
 * paths written (NULL-terminated). Prints the error and returns FALSE on failure. */
gboolean  pm_cli_write_item_masks  (const char          *command,
                                    const char          *dir,
                                    guint                n,
                                    PmMask * const      *masks,
                                    const char * const  *names,
                                    GStrv               *paths_out);
gboolean  pm_cli_write_labels      (const char          *command,
                                    const char          *path,
                                    const PmLabels      *labels);
/* Adds "items": one object per item of @result (index, target, action, color, color_name,
 * color_chosen, result, message, mask_pixels, derived_iou, mask: @mask_paths[i] or null). */
void      pm_cli_json_add_items    (JsonBuilder            *builder,
                                    const PmPipelineResult *result,
                                    char                  **mask_paths);

G_END_DECLS
