/* pm-remote-common.c: what every remote profile builds with: prompts, base64, JSON and
 * multipart bodies, the common error shapes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-remote"

#include "pm-remote-private.h"

#include <string.h>

/* ---------------------------------------------------------------- items and prompts */

static const char *
position_phrase (PmPosition position)
{
  switch (position)
    {
    case PM_POSITION_LEFT: return "on the left";
    case PM_POSITION_RIGHT: return "on the right";
    case PM_POSITION_TOP: return "at the top";
    case PM_POSITION_BOTTOM: return "at the bottom";
    case PM_POSITION_TOP_LEFT: return "in the upper left";
    case PM_POSITION_TOP_RIGHT: return "in the upper right";
    case PM_POSITION_BOTTOM_LEFT: return "in the lower left";
    case PM_POSITION_BOTTOM_RIGHT: return "in the lower right";
    case PM_POSITION_CENTER: return "in the centre";
    case PM_POSITION_NONE:
    default: return NULL;
    }
}

static const char *
side_word (PmPosition position)
{
  switch (position)
    {
    case PM_POSITION_LEFT: return "left";
    case PM_POSITION_RIGHT: return "right";
    case PM_POSITION_TOP: return "top";
    case PM_POSITION_BOTTOM: return "bottom";
    default: return NULL;
    }
}

/* "the second banana from the left in the upper right", rebuilt from the parsed qualifiers
 * so the remote model sees them even though the target phrase no longer carries them. */
static char *
describe_target (const PmInstruction *instruction)
{
  static const char *ordinals[] = { NULL, "first", "second", "third", "fourth", "fifth",
                                    "sixth", "seventh", "eighth", "ninth", "tenth" };
  GString *s = g_string_new (NULL);
  const char *target = instruction->target != NULL && *instruction->target != '\0'
                       ? instruction->target : "main object";
  const char *pos = position_phrase (instruction->position);

  if (instruction->size_rank == PM_SIZE_RANK_LARGEST)
    g_string_append (s, "largest ");
  else if (instruction->size_rank == PM_SIZE_RANK_SMALLEST)
    g_string_append (s, "smallest ");
  if (instruction->ordinal == -1)
    g_string_append (s, "last ");
  else if (instruction->ordinal < -1 && -instruction->ordinal < (int) G_N_ELEMENTS (ordinals))
    g_string_append_printf (s, "%s to last ", ordinals[-instruction->ordinal]);
  else if (instruction->ordinal > 0 && instruction->ordinal < (int) G_N_ELEMENTS (ordinals))
    g_string_append_printf (s, "%s ", ordinals[instruction->ordinal]);
  g_string_append (s, target);
  if (instruction->ordinal != 0 && side_word (instruction->ordinal_from) != NULL)
    g_string_append_printf (s, " from the %s", side_word (instruction->ordinal_from));
  if (pos != NULL)
    g_string_append_printf (s, " %s", pos);
  return g_string_free (s, FALSE);
}

void
pm_remote_item_free (PmRemoteItem *item)
{
  if (item == NULL)
    return;
  g_free (item->target);
  g_free (item->color);
  g_free (item);
}

/**
 * pm_remote_item_new_from_instruction:
 * @instruction: a parsed instruction
 *
 * The one thing @instruction asks the editor to paint: its described target and its colour
 * in words (a name, "the colour #rrggbb", or "bright magenta" when it names none).
 *
 * Returns: (transfer full): the item
 */
PmRemoteItem *
pm_remote_item_new_from_instruction (const PmInstruction *instruction)
{
  PmRemoteItem *item = g_new0 (PmRemoteItem, 1);

  g_return_val_if_fail (instruction != NULL, NULL);
  item->target = describe_target (instruction);
  if (instruction->has_color && instruction->color_name != NULL &&
      instruction->color_name[0] != '#')
    item->color = g_strdup (instruction->color_name);
  else if (instruction->has_color)
    item->color = g_strdup_printf ("the colour %s", instruction->color_name != NULL
                                   ? instruction->color_name : "magenta");
  else
    item->color = g_strdup ("bright magenta");
  return item;
}

/**
 * pm_remote_prompt_build:
 * @template_: (nullable): the prompt with {target} and {color}; %NULL for the default
 * @items: (element-type PmRemoteItem): what to paint, at least one
 *
 * The one place a remote prompt is worded. With one item, {target} and {color} are its
 * target and colour. With several, each "{target} {color}" pair of the template becomes
 * the list "the cat purple, the dog green and the ball red".
 *
 * Returns: (transfer full): the prompt
 */
char *
pm_remote_prompt_build (const char *template_,
                        GPtrArray  *items)
{
  GString *out = g_string_new (NULL);
  const char *p;

  g_return_val_if_fail (items != NULL && items->len > 0, NULL);
  if (template_ == NULL || *template_ == '\0')
    template_ = PM_REMOTE_DEFAULT_PROMPT;

  for (p = template_; *p != '\0'; )
    {
      const PmRemoteItem *first = items->pdata[0];

      if (g_str_has_prefix (p, "{target} {color}") && items->len > 1)
        {
          /* "the cat purple, the dog green and the ball red": each item takes the article
           * the template puts before the first. */
          const char *article = g_str_has_suffix (out->str, "the ") ? "the " : "";
          for (guint i = 0; i < items->len; i++)
            {
              const PmRemoteItem *item = items->pdata[i];
              if (i > 0)
                g_string_append_printf (out, "%s%s", i + 1 == items->len ? " and " : ", ",
                                        article);
              g_string_append_printf (out, "%s %s", item->target, item->color);
            }
          p += strlen ("{target} {color}");
        }
      else if (g_str_has_prefix (p, "{target}"))
        {
          g_string_append (out, first->target);
          p += strlen ("{target}");
        }
      else if (g_str_has_prefix (p, "{color}"))
        {
          g_string_append (out, first->color);
          p += strlen ("{color}");
        }
      else
        g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

char *
pm_remote_build_prompt (const char          *template_,
                        const PmInstruction *instruction)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_remote_item_free);

  g_ptr_array_add (items, pm_remote_item_new_from_instruction (instruction));
  return pm_remote_prompt_build (template_, items);
}

/* ---------------------------------------------------------------- base64 and images */

GBytes *
pm_remote_base64_decode (const char  *text,
                         gsize        length,
                         GError     **error)
{
  g_autofree char *clean = g_malloc (length + 1);
  gsize n = 0, pad = 0;
  guchar *out;
  gsize out_len = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];
      if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
        continue;
      if (c == '=')
        {
          pad++;
          clean[n++] = c;
          continue;
        }
      if (pad > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        {
          g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                       "The server's image is not valid base64 (bad character at offset %"
                       G_GSIZE_FORMAT ")", i);
          return NULL;
        }
      clean[n++] = c;
    }
  if (n == 0 || n % 4 != 0 || pad > 2)
    {
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                           "The server's image is not valid base64 (bad length or padding)");
      return NULL;
    }
  clean[n] = '\0';
  out = g_base64_decode (clean, &out_len);
  return g_bytes_new_take (out, out_len);
}

PmImage *
pm_remote_decode_image (const char  *b64,
                        GError     **error)
{
  g_autoptr(GBytes) bytes = pm_remote_base64_decode (b64, strlen (b64), error);
  g_autoptr(GError) local = NULL;
  PmImage *image;

  if (bytes == NULL)
    return NULL;
  image = pm_image_load_bytes (bytes, PM_IMAGE_DEFAULT_MAX_PIXELS, &local);
  if (image == NULL)
    g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                 "The server's image could not be read: %s", local->message);
  return image;
}

/* ---------------------------------------------------------------- JSON and bodies */

JsonObject *
pm_remote_parse_object (GBytes  *body,
                        GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize size = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &size) : NULL;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, data != NULL ? data : "", size, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                           "The server's reply is not a JSON object");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

GBytes *
pm_remote_json_body (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  gsize len = 0;
  char *text;

  json_node_set_object (node, object);
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, &len);
  return g_bytes_new_take (text, len);
}

GBytes *
pm_remote_multipart_body (SoupMultipart  *multipart,
                          char          **content_type)
{
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_MULTIPART);
  GBytes *body = NULL;

  soup_multipart_to_message (multipart, headers, &body);
  *content_type = g_strdup (soup_message_headers_get_one (headers, "Content-Type"));
  return body;
}

const char *
pm_remote_get_string (JsonObject *obj,
                      const char *name)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* FastAPI's validation list: "msg (at body.field)" of the first entry. */
static char *
detail_list_message (JsonArray *list)
{
  JsonNode *first;
  JsonObject *obj;
  const char *msg;
  JsonArray *loc;
  GString *where;

  if (json_array_get_length (list) == 0 ||
      !JSON_NODE_HOLDS_OBJECT (first = json_array_get_element (list, 0)))
    return NULL;
  obj = json_node_get_object (first);
  msg = pm_remote_get_string (obj, "msg");
  if (msg == NULL)
    return NULL;
  if (!json_object_has_member (obj, "loc") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (obj, "loc")))
    return g_strdup (msg);
  loc = json_object_get_array_member (obj, "loc");
  where = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (loc); i++)
    {
      JsonNode *part = json_array_get_element (loc, i);
      if (JSON_NODE_HOLDS_VALUE (part) && json_node_get_value_type (part) == G_TYPE_STRING)
        g_string_append_printf (where, "%s%s", where->len > 0 ? "." : "",
                                json_node_get_string (part));
    }
  if (where->len == 0)
    {
      g_string_free (where, TRUE);
      return g_strdup (msg);
    }
  {
    g_autofree char *at = g_string_free (where, FALSE);
    return g_strdup_printf ("%s (at %s)", msg, at);
  }
}

char *
pm_remote_error_message_common (GBytes *body)
{
  g_autoptr(JsonObject) obj = NULL;
  JsonNode *node;
  const char *s;

  if (body == NULL || g_bytes_get_size (body) == 0)
    return NULL;
  obj = pm_remote_parse_object (body, NULL);
  if (obj == NULL)
    return NULL;

  /* OpenAI, Gemini, vLLM: {"error": {"message": …}}; sd-server: {"error": "…"} */
  node = json_object_get_member (obj, "error");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node) &&
      (s = pm_remote_get_string (json_node_get_object (node), "message")) != NULL)
    return g_strdup (s);
  /* sd-server's 500: {"error": "server_error", "message": "…"} */
  if ((s = pm_remote_get_string (obj, "message")) != NULL)
    return g_strdup (s);
  if ((s = pm_remote_get_string (obj, "error")) != NULL)
    return g_strdup (s);
  /* FastAPI (vLLM-Omni, Xinference, fal): {"detail": "…"} or {"detail": [{"msg", "loc"}]} */
  if ((s = pm_remote_get_string (obj, "detail")) != NULL)
    return g_strdup (s);
  node = json_object_get_member (obj, "detail");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    return detail_list_message (json_node_get_array (node));
  return NULL;
}

JsonObject *
pm_remote_get_object (JsonObject *obj,
                      const char *name)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
pm_remote_get_array (JsonObject *obj,
                     const char *name)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

JsonObject *
pm_remote_array_get_object (JsonArray *array,
                            guint      index)
{
  JsonNode *node;

  if (array == NULL || index >= json_array_get_length (array))
    return NULL;
  node = json_array_get_element (array, index);
  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}
