/* pm-remote-openai.c: the OpenAI-compatible image-edit protocol (POST {base}/images/edits).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Request: multipart/form-data with image (PNG), prompt, model, n=1,
 * response_format=b64_json. Reply: {"data":[{"b64_json": "…"}]} or {"data":[{"url": "…"}]};
 * errors: {"error":{"message": "…"}}.
 */
#define G_LOG_DOMAIN "pm-remote"

#include "pm-remote.h"

#include <string.h>
#include <json-glib/json-glib.h>

static SoupMessage *
openai_build_request (const PmRemoteRequest *request,
                      GError               **error)
{
  g_autoptr(SoupMultipart) multipart = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GUri) uri = NULL;
  SoupMessage *msg;
  gsize len = strlen (request->base_url);

  while (len > 0 && request->base_url[len - 1] == '/')
    len--;
  url = g_strdup_printf ("%.*s/images/edits", (int) len, request->base_url);
  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL || (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
                      g_strcmp0 (g_uri_get_scheme (uri), "https") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                   "Endpoint “%s” is not an http:// or https:// URL", request->base_url);
      return NULL;
    }

  multipart = soup_multipart_new (SOUP_FORM_MIME_TYPE_MULTIPART);
  soup_multipart_append_form_file (multipart, "image", "image.png", "image/png",
                                   request->image_png);
  soup_multipart_append_form_string (multipart, "prompt", request->prompt);
  soup_multipart_append_form_string (multipart, "model", request->model);
  soup_multipart_append_form_string (multipart, "n", "1");
  soup_multipart_append_form_string (multipart, "response_format", "b64_json");

  msg = soup_message_new_from_multipart (url, multipart);
  if (msg == NULL)
    g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                 "Endpoint “%s” is not a valid URL", request->base_url);
  return msg;
}

static JsonObject *
parse_object (GBytes  *body,
              GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize size = 0;
  const char *data = g_bytes_get_data (body, &size);
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

static gboolean
openai_parse_reply (GBytes         *body,
                    PmRemoteReply  *reply,
                    GError        **error)
{
  g_autoptr(JsonObject) obj = parse_object (body, error);
  JsonNode *data_node;
  JsonArray *data;
  JsonObject *first;
  const char *b64, *url;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) local = NULL;

  if (obj == NULL)
    return FALSE;
  data_node = json_object_get_member (obj, "data");
  if (data_node == NULL || !JSON_NODE_HOLDS_ARRAY (data_node) ||
      json_array_get_length (data = json_node_get_array (data_node)) == 0 ||
      !JSON_NODE_HOLDS_OBJECT (json_array_get_element (data, 0)))
    {
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                           "The server's reply has no image (no “data” list)");
      return FALSE;
    }
  first = json_array_get_object_element (data, 0);
  b64 = json_object_has_member (first, "b64_json")
        ? json_object_get_string_member_with_default (first, "b64_json", NULL) : NULL;
  url = json_object_has_member (first, "url")
        ? json_object_get_string_member_with_default (first, "url", NULL) : NULL;

  if (b64 != NULL)
    {
      png = pm_remote_base64_decode (b64, strlen (b64), error);
      if (png == NULL)
        return FALSE;
      reply->image = pm_image_load_bytes (png, PM_IMAGE_DEFAULT_MAX_PIXELS, &local);
      if (reply->image == NULL)
        {
          g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                       "The server's image could not be read: %s", local->message);
          return FALSE;
        }
      return TRUE;
    }
  if (url != NULL && *url != '\0')
    {
      reply->url = g_strdup (url);
      return TRUE;
    }
  g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                       "The server's reply has neither “b64_json” nor “url”");
  return FALSE;
}

static char *
openai_error_message (GBytes *body)
{
  g_autoptr(JsonObject) obj = NULL;
  JsonNode *err;

  if (body == NULL || g_bytes_get_size (body) == 0)
    return NULL;
  obj = parse_object (body, NULL);
  if (obj == NULL)
    return NULL;
  err = json_object_get_member (obj, "error");
  if (err == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (err) && json_node_get_value_type (err) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (err));
  if (JSON_NODE_HOLDS_OBJECT (err))
    {
      const char *m = json_object_get_string_member_with_default (json_node_get_object (err),
                                                                  "message", NULL);
      return m != NULL ? g_strdup (m) : NULL;
    }
  return NULL;
}

const PmRemoteProtocol pm_remote_protocol_openai = {
  .name = "openai-images-edits",
  .build_request = openai_build_request,
  .parse_reply = openai_parse_reply,
  .error_message = openai_error_message,
};
