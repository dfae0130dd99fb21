/* pm-config-json.c: typed readers for Hugging Face configuration files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-config-json"

#include "pm-config-json.h"

gboolean
pm_config_json_fail (PmConfigJson *ctx,
                     int           code,
                     const char   *key,
                     const char   *what)
{
  if (ctx->section != NULL)
    g_set_error (ctx->error, ctx->domain, code, "%s: %s.%s %s", ctx->file, ctx->section, key,
                 what);
  else
    g_set_error (ctx->error, ctx->domain, code, "%s: %s %s", ctx->file, key, what);
  return FALSE;
}

static JsonNode *
get_member (JsonObject *obj,
            const char *key)
{
  JsonNode *n = json_object_get_member (obj, key);

  return n == NULL || JSON_NODE_HOLDS_NULL (n) ? NULL : n;
}

gboolean
pm_config_json_read_int (PmConfigJson *ctx,
                         JsonObject   *obj,
                         const char   *key,
                         int          *out)
{
  JsonNode *n = get_member (obj, key);
  gint64 v;

  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return pm_config_json_fail (ctx, ctx->parse_code, key, "is not an integer");
  v = json_node_get_int (n);
  if (v < G_MININT32 || v > G_MAXINT32)
    return pm_config_json_fail (ctx, ctx->invalid_code, key, "is out of range");
  *out = (int) v;
  return TRUE;
}

static gboolean
node_get_number (JsonNode *n,
                 double   *out)
{
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  if (json_node_get_value_type (n) == G_TYPE_INT64)
    *out = (double) json_node_get_int (n);
  else if (json_node_get_value_type (n) == G_TYPE_DOUBLE)
    *out = json_node_get_double (n);
  else
    return FALSE;
  return TRUE;
}

gboolean
pm_config_json_read_double (PmConfigJson *ctx,
                            JsonObject   *obj,
                            const char   *key,
                            double       *out)
{
  JsonNode *n = get_member (obj, key);

  if (n == NULL)
    return TRUE;
  if (!node_get_number (n, out))
    return pm_config_json_fail (ctx, ctx->parse_code, key, "is not a number");
  return TRUE;
}

gboolean
pm_config_json_read_bool (PmConfigJson *ctx,
                          JsonObject   *obj,
                          const char   *key,
                          gboolean     *out)
{
  JsonNode *n = get_member (obj, key);

  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return pm_config_json_fail (ctx, ctx->parse_code, key, "is not a boolean");
  *out = json_node_get_boolean (n);
  return TRUE;
}

gboolean
pm_config_json_read_string (PmConfigJson *ctx,
                            JsonObject   *obj,
                            const char   *key,
                            char         *out,
                            gsize         size)
{
  JsonNode *n = get_member (obj, key);

  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return pm_config_json_fail (ctx, ctx->parse_code, key, "is not a string");
  g_strlcpy (out, json_node_get_string (n), size);
  return TRUE;
}

gboolean
pm_config_json_read_int_list (PmConfigJson *ctx,
                              JsonObject   *obj,
                              const char   *key,
                              int          *out,
                              int           max,
                              int          *n_out)
{
  JsonNode *n = get_member (obj, key);
  JsonArray *a;
  guint len;

  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (n))
    return pm_config_json_fail (ctx, ctx->parse_code, key, "is not an array");
  a = json_node_get_array (n);
  len = json_array_get_length (a);
  if (len > (guint) max)
    {
      g_autofree char *what = g_strdup_printf ("lists more than %d values", max);
      return pm_config_json_fail (ctx, ctx->invalid_code, key, what);
    }
  for (guint i = 0; i < len; i++)
    {
      JsonNode *e = json_array_get_element (a, i);

      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64)
        return pm_config_json_fail (ctx, ctx->parse_code, key, "holds a non-integer");
      out[i] = (int) CLAMP (json_node_get_int (e), -1, G_MAXINT32);
    }
  *n_out = (int) len;
  return TRUE;
}

gboolean
pm_config_json_read_numbers (PmConfigJson *ctx,
                             JsonObject   *obj,
                             const char   *key,
                             double       *out,
                             int           count)
{
  JsonNode *n = get_member (obj, key);

  if (n == NULL)
    return TRUE;
  if (JSON_NODE_HOLDS_ARRAY (n))
    {
      JsonArray *a = json_node_get_array (n);

      if (json_array_get_length (a) != (guint) count)
        {
          g_autofree char *what = g_strdup_printf ("must have %d values", count);
          return pm_config_json_fail (ctx, ctx->invalid_code, key, what);
        }
      for (int i = 0; i < count; i++)
        if (!node_get_number (json_array_get_element (a, i), &out[i]))
          return pm_config_json_fail (ctx, ctx->parse_code, key, "holds a non-number");
      return TRUE;
    }
  if (node_get_number (n, &out[0]))
    {
      for (int i = 1; i < count; i++)
        out[i] = out[0];
      return TRUE;
    }
  return pm_config_json_fail (ctx, ctx->parse_code, key, "is not a number list");
}

JsonObject *
pm_config_json_get_section (JsonObject *obj,
                            const char *key,
                            gboolean   *bad)
{
  JsonNode *n = get_member (obj, key);

  if (n == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (n))
    {
      *bad = TRUE;
      return NULL;
    }
  return json_node_get_object (n);
}

JsonObject *
pm_config_json_parse (PmConfigJson *ctx,
                      JsonParser   *parser,
                      const char   *data,
                      gssize        len)
{
  g_autoptr(GError) local = NULL;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, data, len, &local))
    {
      /* The parser quotes the text at fault, newlines included: keep one line. */
      g_strdelimit (local->message, "\r\n", ' ');
      g_set_error (ctx->error, ctx->domain, ctx->parse_code, "%s: not valid JSON: %s",
                   ctx->file, local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (ctx->error, ctx->domain, ctx->parse_code, "%s: not a JSON object",
                   ctx->file);
      return NULL;
    }
  return json_node_get_object (root);
}

char *
pm_config_json_get_architecture (JsonObject *root)
{
  JsonNode *node = get_member (root, "architectures");
  JsonNode *first;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (json_node_get_array (node)) == 0)
    return NULL;
  first = json_array_get_element (json_node_get_array (node), 0);
  if (!JSON_NODE_HOLDS_VALUE (first) || json_node_get_value_type (first) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (first));
}

gboolean
pm_config_json_fold_error (GError **error)
{
  if (error != NULL && *error != NULL)
    g_strdelimit ((*error)->message, "\r\n", ' ');
  return FALSE;
}
