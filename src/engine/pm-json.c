/* pm-json.c: json-glib helpers shared by the CLI, the store and the app.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-json"

#include "pm-json.h"

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
 * (pm_position_to_string() …); "none" values and absent colours are null.
 *
 * Returns: (transfer full): a JSON object node
 */
JsonNode *
pm_instruction_to_json (const PmInstruction *instruction)
{
  g_autoptr(JsonBuilder) builder = NULL;
  const PmInstruction *ins = instruction;

  g_return_val_if_fail (instruction != NULL, NULL);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
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
 *   milliseconds, stages in order of first appearance
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
        ms += json_object_get_double_member (object, stage);
      json_object_set_double_member (object, stage, ms);
    }
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, object);
  return node;
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
