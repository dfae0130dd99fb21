/* pm-json.c: json-glib helpers shared by the CLI, the store and the app.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-json"

#include "pm-json.h"

#include <math.h>

static void
add_string_or_null (JsonBuilder *builder,
                    const char  *name,
                    const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_color (JsonBuilder *builder,
           const char  *name,
           gboolean     has,
           PmRgb        rgb)
{
  g_autofree char *hex = has ? pm_color_to_hex (rgb) : NULL;

  add_string_or_null (builder, name, hex);
}

/**
 * pm_instruction_to_json:
 * @instruction: a parsed instruction
 *
 * The parsed instruction as a JSON object. Enumerations are their strings
 * (pm_position_to_string() …); "none" values and absent colours are null. The members
 * describe item 0; a list adds "items", one object of the same members per item (its
 * "text" the item's own words).
 *
 * Returns: (transfer full): a JSON object node
 */
/* One item's fields (the instruction's own for item 0). */
static void
add_item_members (JsonBuilder         *builder,
                  const PmInstruction *ins)
{
  add_string_or_null (builder, "text", ins->text);
  add_string_or_null (builder, "action", pm_action_to_string (ins->action));
  add_string_or_null (builder, "target", ins->target != NULL ? ins->target : "");
  add_color (builder, "color", ins->has_color, ins->color);
  add_string_or_null (builder, "color_name", ins->has_color ? ins->color_name : NULL);
  add_color (builder, "object_color", ins->has_object_color, ins->object_color);
  add_string_or_null (builder, "object_color_name",
                      ins->has_object_color ? ins->object_color_name : NULL);
  add_string_or_null (builder, "position", ins->position != PM_POSITION_NONE ?
                      pm_position_to_string (ins->position) : NULL);
  json_builder_set_member_name (builder, "ordinal");
  json_builder_add_int_value (builder, ins->ordinal);
  add_string_or_null (builder, "ordinal_from", ins->ordinal_from != PM_POSITION_NONE ?
                      pm_position_to_string (ins->ordinal_from) : NULL);
  add_string_or_null (builder, "size_rank", ins->size_rank != PM_SIZE_RANK_NONE ?
                      pm_size_rank_to_string (ins->size_rank) : NULL);
}

JsonNode *
pm_instruction_to_json (const PmInstruction *instruction)
{
  g_autoptr(JsonBuilder) builder = NULL;
  guint n;

  g_return_val_if_fail (instruction != NULL, NULL);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  add_item_members (builder, instruction);
  n = pm_instruction_get_n_items (instruction);
  if (n > 1)
    {
      json_builder_set_member_name (builder, "items");
      json_builder_begin_array (builder);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(PmInstruction) item = pm_instruction_copy_item (instruction, i);

          json_builder_begin_object (builder);
          add_item_members (builder, item);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/**
 * pm_instruction_to_json_string:
 * @instruction: a parsed instruction
 *
 * Returns: (transfer full): pm_instruction_to_json() as compact JSON text
 */
char *
pm_instruction_to_json_string (const PmInstruction *instruction)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (instruction != NULL, NULL);

  node = pm_instruction_to_json (instruction);
  return pm_json_to_string (node, FALSE);
}

/**
 * pm_timings_to_json:
 * @timings: stage timings
 *
 * Returns: (transfer full): a JSON object mapping each stage name to its total
 *   milliseconds (rounded to 1/256 ms), stages in order of first appearance
 */
JsonNode *
pm_timings_to_json (const PmTimings *timings)
{
  g_autoptr(JsonObject) object = json_object_new ();
  JsonNode *node;

  g_return_val_if_fail (timings != NULL, NULL);

  for (guint i = 0; i < timings->items->len; i++)
    {
      const PmTiming *t = &g_array_index (timings->items, PmTiming, i);
      const char *stage = t->stage != NULL ? t->stage : "";
      double ms = t->ms;

      if (json_object_has_member (object, stage))
        continue;
      /* json-glib prints doubles with 17 significant digits; a multiple of 1/256 ms (4 µs,
       * plenty) is exact in binary, so it prints in at most 8 decimals instead. */
      ms = round (pm_timings_get (timings, stage) * 256.0) / 256.0;
      json_object_set_double_member (object, stage, ms);
    }
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, object);
  return node;
}

/**
 * pm_timings_to_json_string:
 * @timings: stage timings
 *
 * Returns: (transfer full): pm_timings_to_json() as compact JSON text (for the store)
 */
char *
pm_timings_to_json_string (const PmTimings *timings)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (timings != NULL, NULL);

  node = pm_timings_to_json (timings);
  return pm_json_to_string (node, FALSE);
}

/**
 * pm_mask_to_coco_rle_json:
 * @mask: a mask (foreground is > 0.5)
 *
 * Returns: (transfer full): { "size": [height, width], "counts": "…" }, the compressed
 *   RLE that pycocotools' `mask.encode()` returns and `mask.decode()` reads
 */
JsonNode *
pm_mask_to_coco_rle_json (const PmMask *mask)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *counts = NULL;

  g_return_val_if_fail (mask != NULL, NULL);

  counts = pm_mask_to_rle (mask);
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "size");
  json_builder_begin_array (builder);
  json_builder_add_int_value (builder, mask->height);
  json_builder_add_int_value (builder, mask->width);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "counts");
  json_builder_add_string_value (builder, counts);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static gboolean
get_int (JsonNode *node,
         gint64    max,
         gint64   *out)
{
  double d;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    *out = json_node_get_int (node);
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      /* JSON written by Python may say 3.0 */
      d = json_node_get_double (node);
      if (!(d >= 0 && d <= (double) max) || d != (double) (gint64) d)
        return FALSE;
      *out = (gint64) d;
    }
  else
    return FALSE;
  return *out >= 0 && *out <= max;
}

/* Uncompressed counts (a list of run lengths) → the compressed string, so one decoder
 * (pm_mask_from_rle) checks everything. */
static char *
counts_array_to_string (JsonArray  *array,
                        GError    **error)
{
  guint n = json_array_get_length (array);
  g_autofree gint64 *runs = g_new (gint64, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    if (!get_int (json_array_get_element (array, i), PM_IMAGE_DEFAULT_MAX_PIXELS, &runs[i]))
      {
        g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                     "COCO RLE counts[%u] is not a run length", i);
        return NULL;
      }
  return pm_rle_compress_counts (runs, n);
}

/**
 * pm_mask_from_coco_rle_json:
 * @node: a COCO RLE object: { "size": [height, width], "counts": "…" or [runs…] }
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the binary mask, or %NULL with @error set
 */
PmMask *
pm_mask_from_coco_rle_json (JsonNode  *node,
                            GError   **error)
{
  JsonObject *object;
  JsonNode *size;
  JsonNode *counts;
  JsonArray *dims;
  gint64 height, width;
  g_autofree char *compressed = NULL;

  g_return_val_if_fail (node != NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                   "COCO RLE segmentation is not a JSON object");
      return NULL;
    }
  object = json_node_get_object (node);
  size = json_object_get_member (object, "size");
  counts = json_object_get_member (object, "counts");
  if (size == NULL || !JSON_NODE_HOLDS_ARRAY (size) ||
      json_array_get_length (dims = json_node_get_array (size)) != 2 ||
      !get_int (json_array_get_element (dims, 0), G_MAXINT, &height) ||
      !get_int (json_array_get_element (dims, 1), G_MAXINT, &width))
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                   "COCO RLE \"size\" is not [height, width]");
      return NULL;
    }
  if (counts != NULL && JSON_NODE_HOLDS_VALUE (counts) &&
      json_node_get_value_type (counts) == G_TYPE_STRING)
    compressed = g_strdup (json_node_get_string (counts));
  else if (counts != NULL && JSON_NODE_HOLDS_ARRAY (counts))
    {
      compressed = counts_array_to_string (json_node_get_array (counts), error);
      if (compressed == NULL)
        return NULL;
    }
  else
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                   "COCO RLE \"counts\" is neither a string nor a list of runs");
      return NULL;
    }
  return pm_mask_from_rle (compressed, (int) width, (int) height, error);
}

/**
 * pm_json_to_string:
 * @node: a JSON node
 * @pretty: indent with two spaces
 *
 * Returns: (transfer full): @node as JSON text
 */
char *
pm_json_to_string (JsonNode *node,
                   gboolean  pretty)
{
  g_autoptr(JsonGenerator) generator = NULL;

  g_return_val_if_fail (node != NULL, NULL);

  generator = json_generator_new ();
  json_generator_set_pretty (generator, pretty);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, NULL);
}
