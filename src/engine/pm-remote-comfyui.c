/* pm-remote-comfyui.c: the profile "comfyui": a workflow run on a ComfyUI server.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * From ComfyUI's server.py and execution.py: POST /upload/image (multipart "image", plus
 * "overwrite" and "type") answers {"name", "subfolder", "type"}; POST /prompt with
 * {"prompt": <workflow in API format>, "client_id"} answers {"prompt_id", "number",
 * "node_errors"}, or 400 {"error": {"type", "message", "details"}, "node_errors": {id:
 * {"errors": [{"message", "details"}], "class_type"}}} when validation fails; GET
 * /history/{prompt_id} answers {} until the prompt is done, then {id: {"outputs": {node:
 * {"images": [{"filename", "subfolder", "type"}]}}, "status": {"status_str", "completed",
 * "messages": [[event, data], …]}}} (status added by ComfyUI PR #2523; a failed run has
 * status_str "error" and an "execution_error" message with node_id, node_type and
 * exception_message); GET /view?filename=&subfolder=&type=output serves the file. The
 * websocket is not needed: /history is polled with back-off.
 */
#define G_LOG_DOMAIN "pm-remote"

#include "pm-remote-private.h"

#include <string.h>

#define POLL_FIRST_S 0.25
#define POLL_MAX_S   2.0

/* ---------------------------------------------------------------- errors */

static const char *
or_else (const char *s,
         const char *fallback)
{
  return s != NULL ? s : fallback;
}

/* "Prompt outputs failed validation: LoadImage (node 4): Value not in list: image: …" */
static char *
comfyui_error_message (GBytes *body)
{
  g_autoptr(JsonObject) obj = pm_remote_parse_object (body, NULL);
  JsonObject *err, *node_errors;
  GString *out;
  g_autoptr(GList) ids = NULL;

  if (obj == NULL)
    return NULL;
  err = pm_remote_get_object (obj, "error");
  node_errors = pm_remote_get_object (obj, "node_errors");
  if (err == NULL && node_errors == NULL)
    return pm_remote_error_message_common (body);

  out = g_string_new (NULL);
  if (pm_remote_get_string (err, "message") != NULL)
    g_string_append (out, pm_remote_get_string (err, "message"));
  else if (pm_remote_get_string (obj, "error") != NULL)
    g_string_append (out, pm_remote_get_string (obj, "error"));
  ids = node_errors != NULL ? json_object_get_members (node_errors) : NULL;
  if (ids != NULL)
    {
      JsonObject *node = pm_remote_get_object (node_errors, ids->data);
      JsonObject *first = pm_remote_array_get_object (pm_remote_get_array (node, "errors"), 0);
      const char *cls = pm_remote_get_string (node, "class_type");
      const char *msg = pm_remote_get_string (first, "message");
      const char *details = pm_remote_get_string (first, "details");

      g_string_append_printf (out, "%s%s (node %s)", out->len > 0 ? ": " : "",
                              cls != NULL ? cls : "node", (const char *) ids->data);
      if (msg != NULL)
        g_string_append_printf (out, ": %s", msg);
      if (details != NULL && *details != '\0')
        g_string_append_printf (out, ": %s", details);
    }
  else if (pm_remote_get_string (err, "details") != NULL &&
           *pm_remote_get_string (err, "details") != '\0')
    g_string_append_printf (out, ": %s", pm_remote_get_string (err, "details"));
  return g_string_free (out, out->len == 0);
}

/* The failure a finished history entry reports, or NULL when it succeeded. */
static char *
history_failure (JsonObject *entry)
{
  JsonObject *status = pm_remote_get_object (entry, "status");
  JsonArray *messages = pm_remote_get_array (status, "messages");
  const char *status_str = pm_remote_get_string (status, "status_str");

  if (g_strcmp0 (status_str, "error") != 0)
    return NULL;
  for (guint i = 0; messages != NULL && i < json_array_get_length (messages); i++)
    {
      JsonNode *m = json_array_get_element (messages, i);
      JsonArray *pair = JSON_NODE_HOLDS_ARRAY (m) ? json_node_get_array (m) : NULL;
      JsonNode *event = pair != NULL && json_array_get_length (pair) == 2
                        ? json_array_get_element (pair, 0) : NULL;
      JsonObject *data = pair != NULL ? pm_remote_array_get_object (pair, 1) : NULL;

      if (event == NULL || data == NULL || !JSON_NODE_HOLDS_VALUE (event) ||
          json_node_get_value_type (event) != G_TYPE_STRING)
        continue;
      if (strcmp (json_node_get_string (event), "execution_error") == 0)
        return g_strdup_printf ("ComfyUI's workflow failed in %s (node %s): %s",
                                or_else (pm_remote_get_string (data, "node_type"), "a node"),
                                or_else (pm_remote_get_string (data, "node_id"), "?"),
                                or_else (pm_remote_get_string (data, "exception_message"),
                                         "no message"));
      if (strcmp (json_node_get_string (event), "execution_interrupted") == 0)
        return g_strdup ("ComfyUI's workflow was interrupted");
    }
  return g_strdup ("ComfyUI's workflow failed (no message)");
}

/* ---------------------------------------------------------------- steps */

/* Uploads the photo; returns the name LoadImage takes ("subfolder/name" when in one). */
static char *
upload_photo (PmRemoteCall  *call,
              PmRemoteJob   *job,
              GError       **error)
{
  g_autoptr(SoupMultipart) multipart = soup_multipart_new (SOUP_FORM_MIME_TYPE_MULTIPART);
  g_autofree char *checksum = pm_image_checksum (job->upload);
  g_autofree char *filename = g_strdup_printf ("paintmask-%.12s.png", checksum);
  g_autofree char *url = pm_remote_call_url (call, "/upload/image");
  g_autofree char *content_type = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonObject) reply = NULL;
  const char *name, *subfolder;

  soup_multipart_append_form_file (multipart, "image", filename, "image/png", job->upload_png);
  soup_multipart_append_form_string (multipart, "overwrite", "true");
  soup_multipart_append_form_string (multipart, "type", "input");
  body = pm_remote_multipart_body (multipart, &content_type);
  reply = pm_remote_call_request_json (call, "POST", url, content_type, body,
                                       comfyui_error_message, error);
  if (reply == NULL)
    return NULL;
  name = pm_remote_get_string (reply, "name");
  subfolder = pm_remote_get_string (reply, "subfolder");
  if (name == NULL || *name == '\0')
    {
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                           "ComfyUI's upload answer has no file name");
      return NULL;
    }
  if (subfolder != NULL && *subfolder != '\0')
    return g_strdup_printf ("%s/%s", subfolder, name);
  return g_strdup (name);
}

/* The one place the ComfyUI prompt is made, with the rest of the placeholder values. */
static GHashTable *
placeholder_values (PmRemoteJob *job,
                    const char  *image_name)
{
  GHashTable *values = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  const char *negative = pm_remote_job_get_option (job, "negative_prompt");
  static const char * const from_options[][2] = {
    { "seed", "seed" }, { "steps", "num_inference_steps" }, { "cfg", "true_cfg_scale" },
    { "guidance", "guidance_scale" },
  };
  int w, h;

  g_hash_table_insert (values, "image", g_strdup (image_name));
  g_hash_table_insert (values, "prompt", pm_remote_prompt_build (job->prompt_template, job->items));
  g_hash_table_insert (values, "negative_prompt", g_strdup (negative != NULL ? negative : ""));
  for (guint i = 0; i < G_N_ELEMENTS (from_options); i++)
    {
      const char *v = pm_remote_job_get_option (job, from_options[i][1]);
      if (v != NULL)
        g_hash_table_insert (values, (char *) from_options[i][0], g_strdup (v));
    }
  pm_remote_job_rounded_size (job, 16, &w, &h);
  g_hash_table_insert (values, "width", g_strdup_printf ("%d", w));
  g_hash_table_insert (values, "height", g_strdup_printf ("%d", h));
  return values;
}

static char *
queue_prompt (PmRemoteCall  *call,
              JsonObject    *workflow,
              GError       **error)
{
  g_autoptr(JsonObject) request = json_object_new ();
  g_autofree char *client_id = g_uuid_string_random ();
  g_autofree char *url = pm_remote_call_url (call, "/prompt");
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonObject) reply = NULL;
  const char *id;

  json_object_set_object_member (request, "prompt", json_object_ref (workflow));
  json_object_set_string_member (request, "client_id", client_id);
  body = pm_remote_json_body (request);
  reply = pm_remote_call_request_json (call, "POST", url, "application/json", body,
                                       comfyui_error_message, error);
  if (reply == NULL)
    return NULL;
  id = pm_remote_get_string (reply, "prompt_id");
  if (id == NULL || *id == '\0')
    {
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                           "ComfyUI's answer to /prompt has no prompt_id");
      return NULL;
    }
  return g_strdup (id);
}

/* Polls /history/{id} until the prompt has finished; returns its entry. */
static JsonObject *
wait_for_history (PmRemoteCall  *call,
                  const char    *prompt_id,
                  GError       **error)
{
  g_autofree char *escaped = g_uri_escape_string (prompt_id, NULL, FALSE);
  g_autofree char *url = pm_remote_call_url (call, "/history/%s", escaped);
  double wait = POLL_FIRST_S;

  for (;;)
    {
      g_autoptr(JsonObject) history = pm_remote_call_request_json (call, "GET", url, NULL, NULL,
                                                                   comfyui_error_message, error);
      JsonObject *entry;
      g_autofree char *failure = NULL;

      if (history == NULL)
        return NULL;
      entry = pm_remote_get_object (history, prompt_id);
      if (entry != NULL)
        {
          failure = history_failure (entry);
          if (failure != NULL)
            {
              g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK, failure);
              return NULL;
            }
          return json_object_ref (entry);
        }
      pm_remote_call_progress (call, "ComfyUI is running the workflow", 0.3);
      if (!pm_remote_call_sleep (call, wait, error))
        return NULL;
      wait = MIN (wait * 1.5, POLL_MAX_S);
    }
}

/* The first image a node saved (type "output"), else the first image at all. */
static JsonObject *
find_output_image (JsonObject *entry)
{
  JsonObject *outputs = pm_remote_get_object (entry, "outputs");
  g_autoptr(GList) ids = outputs != NULL ? json_object_get_members (outputs) : NULL;
  JsonObject *fallback = NULL;

  for (GList *l = ids; l != NULL; l = l->next)
    {
      JsonArray *images = pm_remote_get_array (pm_remote_get_object (outputs, l->data), "images");
      for (guint i = 0; images != NULL && i < json_array_get_length (images); i++)
        {
          JsonObject *img = pm_remote_array_get_object (images, i);
          if (pm_remote_get_string (img, "filename") == NULL)
            continue;
          if (g_strcmp0 (pm_remote_get_string (img, "type"), "output") == 0)
            return img;
          if (fallback == NULL)
            fallback = img;
        }
    }
  return fallback;
}

PmImage *
pm_remote_comfyui_edit (PmRemoteCall  *call,
                        PmRemoteJob   *job,
                        GError       **error)
{
  const char *workflow_name = pm_remote_job_get_option (job, "workflow");
  g_autoptr(JsonObject) workflow = NULL;
  g_autoptr(GHashTable) values = NULL;
  g_autoptr(JsonObject) entry = NULL;
  g_autofree char *image_name = NULL, *prompt_id = NULL, *view = NULL;
  g_autofree char *f = NULL, *sub = NULL, *type = NULL;
  g_autoptr(GError) local = NULL;
  JsonObject *img;

  if (workflow_name == NULL)
    workflow_name = job->model != NULL ? job->model
                    : pm_remote_profile_get_default_model (PM_REMOTE_PROFILE_COMFYUI);
  workflow = pm_remote_workflow_load (workflow_name, error);
  if (workflow == NULL)
    return NULL;

  pm_remote_call_progress (call, "uploading the photo to ComfyUI", 0.05);
  image_name = upload_photo (call, job, error);
  if (image_name == NULL)
    return NULL;
  values = placeholder_values (job, image_name);
  if (!pm_remote_workflow_fill (workflow, values, error))
    return NULL;
  pm_remote_call_progress (call, "queueing the workflow", 0.1);
  prompt_id = queue_prompt (call, workflow, error);
  if (prompt_id == NULL)
    return NULL;
  entry = wait_for_history (call, prompt_id, &local);
  if (entry == NULL)
    {
      /* Cancelled or out of time: take the prompt out of ComfyUI's queue (POST /queue
       * {"delete": [id]} removes a pending one; a running one is left alone, as /interrupt
       * would stop whatever runs, perhaps someone else's). */
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autoptr(JsonObject) del = json_object_new ();
          g_autoptr(JsonArray) ids = json_array_new ();
          g_autoptr(GBytes) body = NULL;
          g_autofree char *url = pm_remote_call_url (call, "/queue");

          json_array_add_string_element (ids, prompt_id);
          json_object_set_array_member (del, "delete", json_array_ref (ids));
          body = pm_remote_json_body (del);
          pm_remote_call_abandon (call, "POST", url, "application/json", body);
        }
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }

  img = find_output_image (entry);
  if (img == NULL)
    {
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                           "ComfyUI's workflow finished without saving an image");
      return NULL;
    }
  f = g_uri_escape_string (pm_remote_get_string (img, "filename"), NULL, FALSE);
  sub = g_uri_escape_string (or_else (pm_remote_get_string (img, "subfolder"), ""), NULL, FALSE);
  type = g_uri_escape_string (or_else (pm_remote_get_string (img, "type"), "output"), NULL, FALSE);
  view = pm_remote_call_url (call, "/view?filename=%s&subfolder=%s&type=%s", f, sub, type);
  return pm_remote_call_fetch_image (call, view, NULL, error);
}
