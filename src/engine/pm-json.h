/* pm-json.h: json-glib helpers shared by the CLI, the store and the app.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "pm-engine.h"
#include "pm-instruction.h"
#include "pm-maskio.h"

G_BEGIN_DECLS

/* { "text", "action", "target", "color" (#rrggbb or null), "color_name" (or null),
 *   "object_color" (#rrggbb or null), "object_color_name" (or null),
 *   "position" (or null), "ordinal" (0 = none, −1 = last), "ordinal_from" (or null),
 *   "size_rank" (or null) } */
JsonNode *pm_instruction_to_json        (const PmInstruction *instruction);
char     *pm_instruction_to_json_string (const PmInstruction *instruction);
/* { "<stage>": ms, … } in order of first appearance; repeated stage names are summed. */
JsonNode *pm_timings_to_json            (const PmTimings     *timings);
char     *pm_timings_to_json_string     (const PmTimings     *timings);
/* A COCO RLE segmentation object { "size": [height, width], "counts": "<compressed>" },
 * as pycocotools' mask.encode() gives it. */
JsonNode *pm_mask_to_coco_rle_json      (const PmMask        *mask);
/* Reads a COCO RLE object with compressed (string) or uncompressed (array) counts. */
PmMask   *pm_mask_from_coco_rle_json    (JsonNode            *node,
                                         GError             **error);
/* Pretty (@pretty) or compact JSON text of @node. */
char     *pm_json_to_string             (JsonNode            *node,
                                         gboolean             pretty);

G_END_DECLS
