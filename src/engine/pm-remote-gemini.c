/* pm-remote-gemini.c: the profile "gemini": Gemini generateContent (gemini-2.5-flash-image).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * From Google's Gemini API image-generation docs and REST reference: POST
 * {base}/v1beta/models/{model}:generateContent with the key in the x-goog-api-key header;
 * body contents[0].parts = [{inlineData: {mimeType, data}}, {text}], and
 * generationConfig.responseModalities ["TEXT", "IMAGE"], generationConfig.imageConfig.aspectRatio
 * one of 1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9 (the AspectRatio enum of the
 * Vertex reference), generationConfig.seed. The image comes back as base64 in
 * candidates[].content.parts[].inlineData.data next to text parts; a refused prompt has no
 * candidates and promptFeedback.blockReason; a candidate without an image carries a
 * finishReason. Errors: {"error": {"code", "message", "status"}}; unknown JSON fields are
 * rejected (400 "Invalid JSON payload received. Unknown name …").
 */
#define G_LOG_DOMAIN "pm-remote"

#include "pm-remote-private.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The listed aspect ratio nearest the photo's (in log terms). */
static const char *
nearest_ratio (const PmImage *image)
{
  const char * const *ratios = pm_remote_gemini_aspect_ratios ();
  double want = log ((double) image->width / image->height);
  const char *best = "1:1";
  double best_d = G_MAXDOUBLE;

  for (guint i = 0; ratios[i] != NULL; i++)
    {
      int a, b;
      double d;

      if (sscanf (ratios[i], "%d:%d", &a, &b) != 2)
        continue;
      d = fabs (log ((double) a / b) - want);
      if (d < best_d)
        {
          best_d = d;
          best = ratios[i];
        }
    }
  return best;
}

/* The one place the Gemini prompt is made. */
static char *
gemini_prompt (const PmRemoteJob *job)
{
  return pm_remote_prompt_build (job->prompt_template, job->items);
}

static GBytes *
request_body (PmRemoteJob *job,
              const char  *ratio)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *b64 = g_base64_encode (g_bytes_get_data (job->upload_png, NULL),
                                          g_bytes_get_size (job->upload_png));
  g_autofree char *prompt = gemini_prompt (job);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "contents");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, "user");
  json_builder_set_member_name (b, "parts");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "inlineData");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "mimeType");
  json_builder_add_string_value (b, "image/png");
  json_builder_set_member_name (b, "data");
  json_builder_add_string_value (b, b64);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, prompt);
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_array (b);

  json_builder_set_member_name (b, "generationConfig");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "responseModalities");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "TEXT");
  json_builder_add_string_value (b, "IMAGE");
  json_builder_end_array (b);
  if (pm_remote_job_get_option (job, "seed") != NULL)
    {
      json_builder_set_member_name (b, "seed");
      json_builder_add_int_value (b, pm_remote_job_get_int (job, "seed", 0));
    }
  json_builder_set_member_name (b, "imageConfig");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "aspectRatio");
  json_builder_add_string_value (b, ratio);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  return pm_remote_json_body (json_node_get_object (root));
}

/* The first inline image of the first candidate, or NULL. Also gives the candidate's text
 * and finish reason for the error when there is none. */
static const char *
find_image (JsonObject  *reply,
            const char **text,
            const char **finish)
{
  JsonObject *candidate = pm_remote_array_get_object (pm_remote_get_array (reply, "candidates"), 0);
  JsonArray *parts;

  if (candidate == NULL)
    return NULL;
  *finish = pm_remote_get_string (candidate, "finishReason");
  parts = pm_remote_get_array (pm_remote_get_object (candidate, "content"), "parts");
  if (parts == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (parts); i++)
    {
      JsonObject *part = pm_remote_array_get_object (parts, i);
      JsonObject *inline_data;
      const char *data;

      if (part == NULL)
        continue;
      /* The API writes camelCase; its JSON parser also takes snake_case. */
      inline_data = pm_remote_get_object (part, "inlineData");
      if (inline_data == NULL)
        inline_data = pm_remote_get_object (part, "inline_data");
      data = pm_remote_get_string (inline_data, "data");
      if (data != NULL)
        return data;
      if (*text == NULL)
        *text = pm_remote_get_string (part, "text");
    }
  return NULL;
}

static void
set_no_image_error (JsonObject  *reply,
                    const char  *text,
                    const char  *finish,
                    GError     **error)
{
  const char *block = pm_remote_get_string (pm_remote_get_object (reply, "promptFeedback"),
                                           "blockReason");
  if (block != NULL)
    g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                 "Gemini refused the request (blockReason %s)", block);
  else if (text != NULL)
    {
      g_autofree char *one = g_utf8_substring (text, 0, MIN (g_utf8_strlen (text, -1), 200));
      g_strdelimit (one, "\r\n", ' ');
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                   "Gemini answered without an image (finishReason %s): %s",
                   finish != NULL ? finish : "none", one);
    }
  else
    g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                 "Gemini answered without an image (finishReason %s)",
                 finish != NULL ? finish : "none");
}

PmImage *
pm_remote_gemini_edit (PmRemoteCall  *call,
                       PmRemoteJob   *job,
                       GError       **error)
{
  const char *model = job->model != NULL ? job->model
                      : pm_remote_profile_get_default_model (PM_REMOTE_PROFILE_GEMINI);
  const char *ratio = pm_remote_job_get_option (job, "aspect_ratio");
  g_autofree char *escaped = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonObject) reply = NULL;
  const char *data, *text = NULL, *finish = NULL;

  if (g_str_has_prefix (model, "models/"))
    model += strlen ("models/");
  escaped = g_uri_escape_string (model, NULL, FALSE);
  url = pm_remote_call_url (call, "/v1beta/models/%s:generateContent", escaped);
  if (ratio == NULL)
    ratio = nearest_ratio (job->upload);
  if (sscanf (ratio, "%d:%d", &job->asked_width, &job->asked_height) != 2)
    job->asked_width = job->asked_height = 0;

  body = request_body (job, ratio);
  pm_remote_call_progress (call, "waiting for Gemini", 0.1);
  reply = pm_remote_call_request_json (call, "POST", url, "application/json", body,
                                       pm_remote_error_message_common, error);
  if (reply == NULL)
    return NULL;
  data = find_image (reply, &text, &finish);
  if (data == NULL)
    {
      set_no_image_error (reply, text, finish, error);
      return NULL;
    }
  pm_remote_call_progress (call, "receiving the edited image", 0.8);
  return pm_remote_decode_image (data, error);
}
