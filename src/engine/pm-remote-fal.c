/* pm-remote-fal.c: the profile "fal": fal's queue (hosted Qwen-Image-Edit, FLUX.1 Kontext).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * From fal's docs (Model APIs, "Asynchronous inference" / queue): POST
 * https://queue.fal.run/{model_id} with "Authorization: Key …" and the model's JSON input
 * answers {request_id, status_url, response_url, cancel_url}; GET status_url gives
 * {"status": IN_QUEUE (with queue_position) | IN_PROGRESS | COMPLETED}; GET response_url
 * gives the model's output. Model inputs (fal.ai/models/fal-ai/qwen-image-edit, …/flux-kontext):
 * prompt, image_url (a URL or a data URI), seed, num_inference_steps, guidance_scale,
 * negative_prompt, output_format; the -plus (2509) models take image_urls. Output:
 * images[].url on fal's CDN (*.fal.media), width, height. Errors: model validation 422
 * {"detail": [{"loc", "msg", "type"}]}; request errors {"detail": "…", "error_type": …}; a
 * status of FAILED (or COMPLETED with an "error") ends the request.
 */
#define G_LOG_DOMAIN "pm-remote"

#include "pm-remote-private.h"

#include <string.h>

#define POLL_FIRST_S 0.25
#define POLL_MAX_S   3.0

/* fal serves results from its CDN, not from the queue host: these hosts (https only) may
 * be fetched, without the key. */
static const char * const fal_result_domains[] = { "fal.media", NULL };

gboolean
pm_remote_fal_result_host_allowed (const char *url)
{
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL) : NULL;
  const char *host;

  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 ||
      (host = g_uri_get_host (uri)) == NULL || g_uri_get_userinfo (uri) != NULL ||
      (g_uri_get_port (uri) > 0 && g_uri_get_port (uri) != 443))
    return FALSE;
  for (guint i = 0; fal_result_domains[i] != NULL; i++)
    {
      const char *d = fal_result_domains[i];
      gsize hl = strlen (host), dl = strlen (d);

      if (g_ascii_strcasecmp (host, d) == 0 ||
          (hl > dl + 1 && host[hl - dl - 1] == '.' && g_ascii_strcasecmp (host + hl - dl, d) == 0))
        return TRUE;
    }
  return FALSE;
}

/* The one place the fal prompt is made. */
static char *
fal_prompt (const PmRemoteJob *job)
{
  return pm_remote_prompt_build (job->prompt_template, job->items);
}

static gboolean
takes_image_list (const char *model)
{
  return strstr (model, "-plus") != NULL || strstr (model, "2509") != NULL ||
         strstr (model, "2511") != NULL;
}

static GBytes *
request_body (const PmRemoteJob *job,
              const char        *model)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autofree char *prompt = fal_prompt (job);
  g_autofree char *b64 = g_base64_encode (g_bytes_get_data (job->upload_png, NULL),
                                          g_bytes_get_size (job->upload_png));
  g_autofree char *data_url = g_strconcat ("data:image/png;base64,", b64, NULL);
  const char *negative = pm_remote_job_get_option (job, "negative_prompt");

  json_object_set_string_member (obj, "prompt", prompt);
  if (takes_image_list (model))
    {
      JsonArray *list = json_array_new ();
      json_array_add_string_element (list, data_url);
      json_object_set_array_member (obj, "image_urls", list);
    }
  else
    json_object_set_string_member (obj, "image_url", data_url);
  if (pm_remote_job_get_option (job, "seed") != NULL)
    json_object_set_int_member (obj, "seed", pm_remote_job_get_int (job, "seed", 0));
  if (pm_remote_job_get_option (job, "num_inference_steps") != NULL)
    json_object_set_int_member (obj, "num_inference_steps",
                                pm_remote_job_get_int (job, "num_inference_steps", 0));
  if (pm_remote_job_get_option (job, "guidance_scale") != NULL)
    json_object_set_double_member (obj, "guidance_scale",
                                   pm_remote_job_get_double (job, "guidance_scale", 0));
  if (negative != NULL)
    json_object_set_string_member (obj, "negative_prompt", negative);
  json_object_set_string_member (obj, "output_format", "png");
  return pm_remote_json_body (obj);
}

/* A queue URL from fal's answer: it gets the key, so it must be on the queue's origin. */
static char *
queue_url (PmRemoteCall  *call,
           JsonObject    *obj,
           const char    *member,
           GError       **error)
{
  const char *url = pm_remote_get_string (obj, member);
  g_autoptr(GUri) base = g_uri_parse (pm_remote_call_get_endpoint (call), SOUP_HTTP_URI_FLAGS, NULL);
  g_autoptr(GUri) target = url != NULL && base != NULL
                           ? g_uri_parse_relative (base, url, SOUP_HTTP_URI_FLAGS, NULL) : NULL;

  /* "https:status" parses relative to the base with no host (found by fuzz-remote). */
  if (target == NULL || g_uri_get_host (target) == NULL || g_uri_get_host (base) == NULL ||
      g_ascii_strcasecmp (g_uri_get_scheme (target), g_uri_get_scheme (base)) != 0 ||
      g_ascii_strcasecmp (g_uri_get_host (target), g_uri_get_host (base)) != 0 ||
      g_uri_get_port (target) != g_uri_get_port (base))
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                   "fal's answer has no usable %s (missing, or on another server)", member);
      return NULL;
    }
  return g_uri_to_string (target);
}

/* Polls @status_url until the request is done. */
static gboolean
wait_for_result (PmRemoteCall  *call,
                 const char    *status_url,
                 GError       **error)
{
  double wait = POLL_FIRST_S;

  for (;;)
    {
      g_autoptr(JsonObject) st = pm_remote_call_request_json (call, "GET", status_url, NULL,
                                                              NULL, pm_remote_error_message_common,
                                                              error);
      const char *status, *err;
      g_autofree char *stage = NULL;

      if (st == NULL)
        return FALSE;
      status = pm_remote_get_string (st, "status");
      if (status == NULL)
        status = "";
      err = pm_remote_get_string (st, "error");
      if (strcmp (status, "FAILED") == 0 || strcmp (status, "CANCELED") == 0 ||
          strcmp (status, "CANCELLED") == 0 || (strcmp (status, "COMPLETED") == 0 && err != NULL))
        {
          g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                       "fal could not edit the photo (%s): %s", status,
                       err != NULL ? err : "no reason given");
          return FALSE;
        }
      if (strcmp (status, "COMPLETED") == 0)
        return TRUE;
      if (strcmp (status, "IN_QUEUE") == 0)
        {
          JsonNode *pos = json_object_get_member (st, "queue_position");
          if (pos != NULL && JSON_NODE_HOLDS_VALUE (pos) &&
              json_node_get_value_type (pos) == G_TYPE_INT64)
            stage = g_strdup_printf ("in fal's queue (position %" G_GINT64_FORMAT ")",
                                     json_node_get_int (pos));
          else
            stage = g_strdup ("in fal's queue");
        }
      else if (strcmp (status, "IN_PROGRESS") == 0)
        stage = g_strdup ("fal is editing the photo");
      else
        {
          g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                       "fal answered an unknown status “%s”", status);
          return FALSE;
        }
      pm_remote_call_progress (call, stage, 0.3);
      if (!pm_remote_call_sleep (call, wait, error))
        return FALSE;
      wait = MIN (wait * 1.5, POLL_MAX_S);
    }
}

PmImage *
pm_remote_fal_edit (PmRemoteCall  *call,
                    PmRemoteJob   *job,
                    GError       **error)
{
  const char *model = job->model != NULL ? job->model
                      : pm_remote_profile_get_default_model (PM_REMOTE_PROFILE_FAL);
  g_autofree char *url = NULL;
  g_autoptr(GBytes) body = request_body (job, model);
  g_autoptr(JsonObject) queued = NULL;
  g_autoptr(JsonObject) result = NULL;
  g_autofree char *status_url = NULL, *response_url = NULL;
  g_autoptr(GError) local = NULL;
  JsonObject *first;

  while (*model == '/')
    model++;
  url = pm_remote_call_url (call, "/%s", model);
  pm_remote_call_progress (call, "queueing the edit at fal", 0.1);
  queued = pm_remote_call_request_json (call, "POST", url, "application/json", body,
                                        pm_remote_error_message_common, error);
  if (queued == NULL ||
      (status_url = queue_url (call, queued, "status_url", error)) == NULL ||
      (response_url = queue_url (call, queued, "response_url", error)) == NULL)
    return NULL;
  if (!wait_for_result (call, status_url, &local))
    {
      /* Cancelled or out of time: withdraw the request (fal cancels one still queued). */
      g_autofree char *cancel_url = NULL;
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          (cancel_url = queue_url (call, queued, "cancel_url", NULL)) != NULL)
        pm_remote_call_abandon (call, "PUT", cancel_url, NULL, NULL);
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }

  result = pm_remote_call_request_json (call, "GET", response_url, NULL, NULL,
                                        pm_remote_error_message_common, error);
  if (result == NULL)
    return NULL;
  first = pm_remote_array_get_object (pm_remote_get_array (result, "images"), 0);
  if (first == NULL)
    {
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                           "fal's result has no image (no “images” list)");
      return NULL;
    }
  return pm_remote_call_fetch_image (call, pm_remote_get_string (first, "url"),
                                     pm_remote_fal_result_host_allowed, error);
}
