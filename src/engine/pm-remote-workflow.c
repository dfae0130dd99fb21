/* pm-remote-workflow.c: ComfyUI workflows in API format, with named placeholders.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A workflow in ComfyUI's API format (what "Export (API)" writes and POST /prompt takes) is
 * an object of nodes: {"id": {"class_type": "…", "inputs": {name: value or [node, output]}}}.
 * Paintmask fills these placeholders in input values:
 *   {{image}}     the uploaded photo's name (required)
 *   {{prompt}}    the instruction (required)
 *   {{negative_prompt}}
 *   {{seed}} {{steps}} {{cfg}} {{guidance}} {{width}} {{height}}
 * A value that is exactly one placeholder becomes a number for the numeric ones. The bundled
 * templates (data/comfyui/) cover Qwen-Image-Edit 2509 and 2511 and FLUX.1 Kontext [dev],
 * built from the nodes of ComfyUI's core (comfy_extras/nodes_qwen.py
 * TextEncodeQwenImageEditPlus: clip, prompt, vae, image1; nodes_flux.py FluxGuidance and
 * FluxKontextImageScale; ReferenceLatent) with the model files ComfyUI's own example
 * workflows load.
 */
#define G_LOG_DOMAIN "pm-remote"

#include "pm-remote-private.h"
#include "pm-remote-resources.h"

#include <string.h>

#define RESOURCE_PREFIX "/io/github/paintmask/Paintmask/comfyui/"

static const char * const templates[] = {
  "qwen-image-edit-2509", "qwen-image-edit-2511", "flux1-kontext-dev", NULL
};
static const char * const placeholders[] = {
  "image", "prompt", "negative_prompt", "seed", "steps", "cfg", "guidance", "width",
  "height", NULL
};
static const char * const integer_placeholders[] = { "seed", "steps", "width", "height", NULL };
static const char * const number_placeholders[] = { "cfg", "guidance", NULL };

const char * const *
pm_remote_workflow_list_templates (void)
{
  return templates;
}

typedef gboolean (*PlaceholderFunc) (JsonObject  *inputs,
                                     const char  *member,
                                     const char  *value,
                                     gpointer     data,
                                     GError     **error);

/* Calls @func for every string input value of every node. */
static gboolean
foreach_string_input (JsonObject       *workflow,
                      PlaceholderFunc   func,
                      gpointer          data,
                      GError          **error)
{
  g_autoptr(GList) ids = json_object_get_members (workflow);

  for (GList *l = ids; l != NULL; l = l->next)
    {
      JsonObject *node = pm_remote_get_object (workflow, l->data);
      JsonObject *inputs = pm_remote_get_object (node, "inputs");
      /* Node names stay: only inputs change. */
      g_autoptr(GList) names = inputs != NULL ? json_object_get_members (inputs) : NULL;

      for (GList *n = names; n != NULL; n = n->next)
        {
          /* Copies: func may replace the member, which frees its name and value. */
          g_autofree char *member = g_strdup (n->data);
          g_autofree char *value = g_strdup (pm_remote_get_string (inputs, member));

          if (value != NULL && !func (inputs, member, value, data, error))
            return FALSE;
        }
    }
  return TRUE;
}

/* Collects the placeholder names in @value into the set @data; refuses unknown ones. */
static gboolean
collect_placeholders (JsonObject  *inputs,
                      const char  *member,
                      const char  *value,
                      gpointer     data,
                      GError     **error)
{
  GHashTable *seen = data;
  const char *p = value;

  while ((p = strstr (p, "{{")) != NULL)
    {
      const char *end = strstr (p + 2, "}}");
      g_autofree char *name = NULL;

      if (end == NULL)
        break;
      name = g_strndup (p + 2, end - p - 2);
      if (!g_strv_contains (placeholders, name))
        {
          g_autofree char *list = g_strjoinv ("}}, {{", (char **) placeholders);
          g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                       "Unknown placeholder {{%s}} in input “%s” (known: {{%s}})", name,
                       member, list);
          return FALSE;
        }
      g_hash_table_add (seen, g_steal_pointer (&name));
      p = end + 2;
    }
  return TRUE;
}

/* Checks the shape of an API-format workflow and its placeholders. */
static gboolean
check_workflow (JsonObject  *workflow,
                GError     **error)
{
  g_autoptr(GList) ids = json_object_get_members (workflow);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (json_object_has_member (workflow, "nodes") && json_object_has_member (workflow, "links"))
    {
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                           "it is in ComfyUI's editor format; save it with “Export (API)”");
      return FALSE;
    }
  if (ids == NULL)
    {
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                           "it has no nodes");
      return FALSE;
    }
  for (GList *l = ids; l != NULL; l = l->next)
    {
      JsonObject *node = pm_remote_get_object (workflow, l->data);
      if (node == NULL || pm_remote_get_string (node, "class_type") == NULL ||
          pm_remote_get_object (node, "inputs") == NULL)
        {
          g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                       "node “%s” has no class_type or inputs (not the API format)",
                       (const char *) l->data);
          return FALSE;
        }
    }
  if (!foreach_string_input (workflow, collect_placeholders, seen, error))
    return FALSE;
  if (!g_hash_table_contains (seen, "image") || !g_hash_table_contains (seen, "prompt"))
    {
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                           "it needs the placeholders {{image}} (in LoadImage) and {{prompt}}");
      return FALSE;
    }
  return TRUE;
}

static GBytes *
load_bytes (const char  *name_or_path,
            char       **display,
            GError     **error)
{
  g_autoptr(GError) local = NULL;
  char *contents = NULL;
  gsize len = 0;

  if (strchr (name_or_path, '/') == NULL && !g_str_has_suffix (name_or_path, ".json"))
    {
      g_autofree char *path = g_strconcat (RESOURCE_PREFIX, name_or_path, ".json", NULL);
      GBytes *bytes = g_resource_lookup_data (pm_remote_get_resource (), path,
                                              G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      *display = g_strdup_printf ("Workflow template “%s”", name_or_path);
      if (bytes == NULL)
        {
          g_autofree char *list = g_strjoinv (", ", (char **) templates);
          g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNKNOWN,
                       "No ComfyUI workflow template “%s” (bundled: %s; or give "
                       "--remote-option workflow=FILE.json)", name_or_path, list);
        }
      return bytes;
    }

  *display = g_strdup_printf ("Workflow %s", name_or_path);
  if (!g_file_get_contents (name_or_path, &contents, &len, &local))
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                   "%s: %s", *display, local->message);
      return NULL;
    }
  return g_bytes_new_take (contents, len);
}

JsonObject *
pm_remote_workflow_load (const char  *name_or_path,
                         GError     **error)
{
  g_autofree char *display = NULL;
  g_autoptr(GBytes) bytes = load_bytes (name_or_path, &display, error);
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local = NULL;
  JsonNode *root;
  gsize len = 0;
  const char *data;

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, len, &local) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      /* The parser quotes the text at fault, newlines included: keep one line. */
      if (local != NULL)
        g_strdelimit (local->message, "\r\n", ' ');
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                   "%s is not a JSON object%s%s", display, local != NULL ? ": " : "",
                   local != NULL ? local->message : "");
      return NULL;
    }
  if (!check_workflow (json_node_get_object (root), &local))
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE, "%s: %s", display,
                   local->message);
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

/* ---------------------------------------------------------------- filling */

static gboolean
fill_value (JsonObject  *inputs,
            const char  *member,
            const char  *value,
            gpointer     data,
            GError     **error)
{
  GHashTable *values = data;
  GString *out;
  const char *p;

  /* A whole placeholder: a typed value. */
  if (g_str_has_prefix (value, "{{") && g_str_has_suffix (value, "}}") &&
      strstr (value + 2, "{{") == NULL)
    {
      g_autofree char *name = g_strndup (value + 2, strlen (value) - 4);
      const char *v = g_hash_table_lookup (values, name);

      if (v == NULL)
        {
          g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                       "The workflow's {{%s}} (input “%s”) has no value; set it with "
                       "--remote-option", name, member);
          return FALSE;
        }
      if (g_strv_contains (integer_placeholders, name))
        json_object_set_int_member (inputs, member, g_ascii_strtoll (v, NULL, 10));
      else if (g_strv_contains (number_placeholders, name))
        json_object_set_double_member (inputs, member, g_ascii_strtod (v, NULL));
      else
        json_object_set_string_member (inputs, member, v);
      return TRUE;
    }

  out = g_string_new (NULL);
  for (p = value; *p != '\0'; )
    {
      const char *end;
      if (g_str_has_prefix (p, "{{") && (end = strstr (p + 2, "}}")) != NULL)
        {
          g_autofree char *name = g_strndup (p + 2, end - p - 2);
          const char *v = g_hash_table_lookup (values, name);
          if (v == NULL)
            {
              g_string_free (out, TRUE);
              g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                           "The workflow's {{%s}} (input “%s”) has no value", name, member);
              return FALSE;
            }
          g_string_append (out, v);
          p = end + 2;
        }
      else
        g_string_append_c (out, *p++);
    }
  json_object_set_string_member (inputs, member, out->str);
  g_string_free (out, TRUE);
  return TRUE;
}

gboolean
pm_remote_workflow_fill (JsonObject  *workflow,
                         GHashTable  *values,
                         GError     **error)
{
  return foreach_string_input (workflow, fill_value, values, error);
}
