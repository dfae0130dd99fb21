/* test-json.c: tests of the json-glib helpers (pm-json.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "pm-json.h"

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_instruction_full (void)
{
  g_autoptr(PmInstruction) ins =
    pm_instruction_parse ("paint the second red car from the left #00FF80");
  g_autofree char *text = pm_instruction_to_json_string (ins);
  g_autoptr(JsonObject) o = parse_object (text);

  g_assert_cmpstr (json_object_get_string_member (o, "text"), ==,
                   "paint the second red car from the left #00FF80");
  g_assert_cmpstr (json_object_get_string_member (o, "action"), ==, "paint");
  g_assert_cmpstr (json_object_get_string_member (o, "target"), ==, "red car");
  g_assert_cmpstr (json_object_get_string_member (o, "color"), ==, "#00ff80");
  g_assert_cmpstr (json_object_get_string_member (o, "color_name"), ==, "#00ff80");
  g_assert_cmpstr (json_object_get_string_member (o, "object_color"), ==, "#ff0000");
  g_assert_cmpstr (json_object_get_string_member (o, "object_color_name"), ==, "red");
  g_assert_true (json_object_get_null_member (o, "position"));
  g_assert_cmpint (json_object_get_int_member (o, "ordinal"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (o, "ordinal_from"), ==, "left");
  g_assert_true (json_object_get_null_member (o, "size_rank"));
  g_assert_cmpuint (json_object_get_size (o), ==, 11);
}

static void
test_instruction_nulls (void)
{
  g_autoptr(PmInstruction) ins = pm_instruction_parse ("segment the biggest dog on the left");
  g_autoptr(JsonNode) node = pm_instruction_to_json (ins);
  JsonObject *o = json_node_get_object (node);

  g_assert_cmpstr (json_object_get_string_member (o, "action"), ==, "segment");
  g_assert_cmpstr (json_object_get_string_member (o, "target"), ==, "dog");
  g_assert_true (json_object_get_null_member (o, "color"));
  g_assert_true (json_object_get_null_member (o, "color_name"));
  g_assert_true (json_object_get_null_member (o, "object_color"));
  g_assert_true (json_object_get_null_member (o, "object_color_name"));
  g_assert_cmpstr (json_object_get_string_member (o, "position"), ==, "left");
  g_assert_cmpint (json_object_get_int_member (o, "ordinal"), ==, 0);
  g_assert_true (json_object_get_null_member (o, "ordinal_from"));
  g_assert_cmpstr (json_object_get_string_member (o, "size_rank"), ==, "largest");
}

static void
test_instruction_escaping (void)
{
  /* quotes, backslashes, control characters and non-ASCII survive the round trip */
  const char *input = "segment the \"crème\" \\ brûlée\t猫\x01";
  g_autoptr(PmInstruction) ins = pm_instruction_parse (input);
  g_autofree char *text = pm_instruction_to_json_string (ins);
  g_autoptr(JsonObject) o = parse_object (text);

  g_assert_null (strchr (text, '\n'));
  g_assert_cmpstr (json_object_get_string_member (o, "text"), ==, input);
  g_assert_cmpstr (json_object_get_string_member (o, "target"), ==, ins->target);

  /* invalid UTF-8 input still gives valid JSON */
  {
    g_autoptr(PmInstruction) bad = pm_instruction_parse ("paint the \xff\xfe car blue");
    g_autofree char *bad_text = pm_instruction_to_json_string (bad);
    g_autoptr(JsonObject) b = parse_object (bad_text);

    g_assert_true (g_utf8_validate (bad_text, -1, NULL));
    g_assert_cmpstr (json_object_get_string_member (b, "target"), ==, "car");
  }
}

/* A list adds "items", each with its own fields; the top-level fields stay item 0's. */
static void
test_instruction_list (void)
{
  g_autoptr(PmInstruction) ins =
    pm_instruction_parse ("paint the cup blue and the saucer on the left green");
  g_autofree char *text = pm_instruction_to_json_string (ins);
  g_autoptr(JsonObject) o = parse_object (text);
  JsonArray *items;
  JsonObject *second;

  g_assert_cmpstr (json_object_get_string_member (o, "target"), ==, "cup");
  g_assert_cmpstr (json_object_get_string_member (o, "color_name"), ==, "blue");
  items = json_object_get_array_member (o, "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0),
                                                  "text"), ==, "the cup blue");
  second = json_array_get_object_element (items, 1);
  g_assert_cmpstr (json_object_get_string_member (second, "target"), ==, "saucer");
  g_assert_cmpstr (json_object_get_string_member (second, "color"), ==, "#008000");
  g_assert_cmpstr (json_object_get_string_member (second, "position"), ==, "left");
  g_assert_false (json_object_has_member (second, "items"));
}

static void
test_timings (void)
{
  g_autoptr(PmTimings) timings = pm_timings_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) empty_node = NULL;
  g_autoptr(PmTimings) empty = pm_timings_new ();
  g_autoptr(GList) members = NULL;
  JsonObject *o;

  pm_timings_add (timings, "load", 12.5);
  pm_timings_add (timings, "vision layer", 3.0);
  pm_timings_add (timings, "decode", 1.25);
  pm_timings_add (timings, "vision layer", 4.0);
  pm_timings_add (timings, "vision layer", 0.5);
  node = pm_timings_to_json (timings);
  o = json_node_get_object (node);

  g_assert_cmpuint (json_object_get_size (o), ==, 3);
  g_assert_cmpfloat (json_object_get_double_member (o, "load"), ==, 12.5);
  g_assert_cmpfloat (json_object_get_double_member (o, "vision layer"), ==, 7.5);
  g_assert_cmpfloat (json_object_get_double_member (o, "decode"), ==, 1.25);

  /* first-appearance order */
  members = json_object_get_members (o);
  g_assert_cmpstr (g_list_nth_data (members, 0), ==, "load");
  g_assert_cmpstr (g_list_nth_data (members, 1), ==, "vision layer");
  g_assert_cmpstr (g_list_nth_data (members, 2), ==, "decode");

  {
    g_autofree char *text = pm_json_to_string (node, FALSE);

    g_autofree char *direct = pm_timings_to_json_string (timings);

    g_assert_cmpstr (text, ==, "{\"load\":12.5,\"vision layer\":7.5,\"decode\":1.25}");
    g_assert_cmpstr (direct, ==, text);
  }

  empty_node = pm_timings_to_json (empty);
  g_assert_cmpuint (json_object_get_size (json_node_get_object (empty_node)), ==, 0);
}

static void
test_pretty (void)
{
  g_autoptr(PmInstruction) ins = pm_instruction_parse ("segment the dog");
  g_autoptr(JsonNode) node = pm_instruction_to_json (ins);
  g_autofree char *pretty = pm_json_to_string (node, TRUE);
  g_autoptr(JsonObject) o = parse_object (pretty);

  g_assert_nonnull (strstr (pretty, "\n  \"action\" : \"segment\""));
  g_assert_cmpstr (json_object_get_string_member (o, "target"), ==, "dog");
}

static JsonNode *
parse_node (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static void
test_coco_rle (void)
{
  g_autoptr(PmMask) mask = pm_mask_new (3, 3);
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  static const char * const same[] = {
    "{\"size\": [3, 3], \"counts\": \"322OO\"}",
    "{\"counts\": [3, 2, 2, 1, 1], \"size\": [3, 3]}",   /* uncompressed (iscrowd) */
    "{\"size\": [3.0, 3.0], \"counts\": [3, 2, 2, 1.0, 1]}",
  };

  /* rows "010" "011" "000" (see tests/core/test-maskio.c for the hand computation) */
  mask->data[1] = mask->data[4] = mask->data[5] = 1.0f;
  node = pm_mask_to_coco_rle_json (mask);
  text = pm_json_to_string (node, FALSE);
  g_assert_cmpstr (text, ==, "{\"size\":[3,3],\"counts\":\"322OO\"}");

  for (guint i = 0; i < G_N_ELEMENTS (same); i++)
    {
      g_autoptr(JsonNode) in = parse_node (same[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(PmMask) back = pm_mask_from_coco_rle_json (in, &error);

      g_assert_no_error (error);
      g_assert_cmpint (back->width, ==, 3);
      g_assert_cmpint (back->height, ==, 3);
      for (int k = 0; k < 9; k++)
        g_assert_cmpfloat (back->data[k], ==, mask->data[k]);
    }

  /* size is [height, width]: a 2-high, 5-wide mask whose first column is foreground */
  {
    g_autoptr(JsonNode) in = parse_node ("{\"size\": [2, 5], \"counts\": [0, 2, 8]}");
    g_autoptr(GError) error = NULL;
    g_autoptr(PmMask) m = pm_mask_from_coco_rle_json (in, &error);

    g_assert_no_error (error);
    g_assert_cmpint (m->width, ==, 5);
    g_assert_cmpint (m->height, ==, 2);
    g_assert_cmpfloat (m->data[0], ==, 1.0f);
    g_assert_cmpfloat (m->data[5], ==, 1.0f);
    g_assert_cmpfloat (m->data[1], ==, 0.0f);
    g_assert_cmpint (pm_mask_count (m), ==, 2);
  }
}

static void
test_coco_rle_errors (void)
{
  static const char * const bad[] = {
    "[1, 2]",
    "{\"counts\": \"322OO\"}",
    "{\"size\": [3], \"counts\": \"322OO\"}",
    "{\"size\": [3, -3], \"counts\": \"322OO\"}",
    "{\"size\": [3, 2.5], \"counts\": \"322OO\"}",
    "{\"size\": [\"3\", 3], \"counts\": \"322OO\"}",
    "{\"size\": [3, 3]}",
    "{\"size\": [3, 3], \"counts\": 9}",
    "{\"size\": [3, 3], \"counts\": [3, \"2\", 4]}",
    "{\"size\": [3, 3], \"counts\": [3, -2, 8]}",
    "{\"size\": [3, 3], \"counts\": [3, 2, 2, 1]}",       /* 8 of 9 pixels */
    "{\"size\": [3, 3], \"counts\": \"322O!\"}",
    "{\"size\": [0, 0], \"counts\": \"0\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) in = parse_node (bad[i]);
      GError *error = NULL;
      PmMask *m = pm_mask_from_coco_rle_json (in, &error);

      g_test_message ("%s", bad[i]);
      g_assert_null (m);
      g_assert_nonnull (error);
      g_assert_true (error->domain == PM_IMAGE_ERROR);
      g_assert_null (strchr (error->message, '\n'));
      g_clear_error (&error);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/json/instruction-full", test_instruction_full);
  g_test_add_func ("/engine/json/instruction-nulls", test_instruction_nulls);
  g_test_add_func ("/engine/json/instruction-escaping", test_instruction_escaping);
  g_test_add_func ("/engine/json/instruction-list", test_instruction_list);
  g_test_add_func ("/engine/json/timings", test_timings);
  g_test_add_func ("/engine/json/pretty", test_pretty);
  g_test_add_func ("/engine/json/coco-rle", test_coco_rle);
  g_test_add_func ("/engine/json/coco-rle-errors", test_coco_rle_errors);
  return g_test_run ();
}
