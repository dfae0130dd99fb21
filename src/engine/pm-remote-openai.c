/* pm-remote-openai.c: the profiles "openai" and "openai-compatible" (POST {base}/images/edits).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * openai (api.openai.com, gpt-image-1/1.5), from OpenAI's image API reference: multipart
 * image, prompt, model, n, size ∈ {1024x1024, 1536x1024, 1024x1536, auto}, input_fidelity
 * (high|low), quality. GPT image models always answer data[].b64_json and reject
 * response_format with 400 "Unknown parameter: 'response_format'." (type
 * invalid_request_error, code unknown_parameter), so it is never sent.
 *
 * openai-compatible, from the servers' own docs: vLLM-Omni (docs/serving/image_edit_api.md:
 * image, prompt, optional model "should match server if specified", size WxH or auto,
 * response_format only b64_json, extension fields negative_prompt, num_inference_steps,
 * guidance_scale, true_cfg_scale, seed; errors as FastAPI {"detail": …}); SGLang diffusion
 * (docs/diffusion/openai_api.md: response_format b64_json or url, the url relative,
 * /v1/images/<id>/content); Xinference, whose response_format defaults to url. So: model only
 * when the user names one, response_format=b64_json always, size = the photo's rounded to a
 * multiple of 16 (Qwen-Image needs sides of at least 16: vLLM-Omni image_api_utils.py), and
 * the sampling fields set by the profile defaults or the user.
 */
#define G_LOG_DOMAIN "pm-remote"

#include "pm-remote-private.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char * const sampling_fields[] = {
  "seed", "num_inference_steps", "true_cfg_scale", "guidance_scale", "negative_prompt", NULL
};

/* ---------------------------------------------------------------- the reply */

PmImage *
pm_remote_openai_read_reply (PmRemoteCall  *call,
                             GBytes        *body,
                             GError       **error)
{
  g_autoptr(JsonObject) obj = pm_remote_parse_object (body, error);
  JsonObject *first;
  const char *b64, *url;

  if (obj == NULL)
    return NULL;
  first = pm_remote_array_get_object (pm_remote_get_array (obj, "data"), 0);
  if (first == NULL)
    {
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                           "The server's reply has no image (no “data” list)");
      return NULL;
    }
  b64 = pm_remote_get_string (first, "b64_json");
  url = pm_remote_get_string (first, "url");

  if (b64 != NULL)
    return pm_remote_decode_image (b64, error);
  if (url != NULL && *url != '\0')
    return pm_remote_call_fetch_image (call, url, NULL, error);
  g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                       "The server's reply has neither “b64_json” nor “url”");
  return NULL;
}

/* ---------------------------------------------------------------- requests */

static SoupMultipart *
multipart_new (const PmRemoteJob *job,
               const char        *prompt)
{
  SoupMultipart *multipart = soup_multipart_new (SOUP_FORM_MIME_TYPE_MULTIPART);

  soup_multipart_append_form_file (multipart, "image", "image.png", "image/png",
                                   job->upload_png);
  soup_multipart_append_form_string (multipart, "prompt", prompt);
  soup_multipart_append_form_string (multipart, "n", "1");
  return multipart;
}

static PmImage *
post_edit (PmRemoteCall  *call,
           SoupMultipart *multipart,
           GError       **error)
{
  g_autofree char *url = pm_remote_call_url (call, "/images/edits");
  g_autofree char *content_type = NULL;
  g_autoptr(GBytes) body = pm_remote_multipart_body (multipart, &content_type);
  g_autoptr(GBytes) reply = NULL;

  pm_remote_call_progress (call, "waiting for the editor", 0.1);
  reply = pm_remote_call_request (call, "POST", url, content_type, body,
                                  pm_remote_error_message_common, error);
  if (reply == NULL)
    return NULL;
  pm_remote_call_progress (call, "receiving the edited image", 0.8);
  return pm_remote_openai_read_reply (call, reply, error);
}

/* gpt-image-1 offers three shapes: the one closest to the photo's aspect ratio (in log
 * terms, so 3:2 and 2:3 are as far from square). */
static const char *
openai_size_for (const PmImage *image)
{
  double r = log ((double) image->width / image->height);
  double half = 0.5 * log (1.5);

  if (r > half)
    return "1536x1024";
  if (r < -half)
    return "1024x1536";
  return "1024x1024";
}

static void
remember_size (PmRemoteJob *job,
               const char  *size)
{
  int w = 0, h = 0;

  if (size != NULL && sscanf (size, "%dx%d", &w, &h) == 2 && w > 0 && h > 0)
    {
      job->asked_width = w;
      job->asked_height = h;
    }
}

PmImage *
pm_remote_openai_edit (PmRemoteCall  *call,
                       PmRemoteJob   *job,
                       GError       **error)
{
  g_autofree char *prompt = pm_remote_prompt_build (job->prompt_template, job->items);
  g_autoptr(SoupMultipart) multipart = multipart_new (job, prompt);
  const char *size = pm_remote_job_get_option (job, "size");
  const char *quality = pm_remote_job_get_option (job, "quality");

  if (size == NULL)
    size = openai_size_for (job->upload);
  remember_size (job, size);
  soup_multipart_append_form_string (multipart, "model",
                                     job->model != NULL ? job->model : "gpt-image-1");
  soup_multipart_append_form_string (multipart, "size", size);
  soup_multipart_append_form_string (multipart, "input_fidelity",
                                     pm_remote_job_get_option (job, "input_fidelity"));
  if (quality != NULL)
    soup_multipart_append_form_string (multipart, "quality", quality);
  return post_edit (call, multipart, error);
}

PmImage *
pm_remote_openai_compatible_edit (PmRemoteCall  *call,
                                  PmRemoteJob   *job,
                                  GError       **error)
{
  g_autofree char *prompt = pm_remote_prompt_build (job->prompt_template, job->items);
  g_autoptr(SoupMultipart) multipart = multipart_new (job, prompt);
  g_autofree char *size = g_strdup (pm_remote_job_get_option (job, "size"));

  if (size == NULL)
    {
      int w, h;
      pm_remote_job_rounded_size (job, 16, &w, &h);
      size = g_strdup_printf ("%dx%d", w, h);
    }
  remember_size (job, size);
  /* vLLM-Omni refuses a model name other than the one it serves: none unless asked. */
  if (job->model != NULL)
    soup_multipart_append_form_string (multipart, "model", job->model);
  soup_multipart_append_form_string (multipart, "response_format", "b64_json");
  soup_multipart_append_form_string (multipart, "size", size);
  for (guint i = 0; sampling_fields[i] != NULL; i++)
    {
      const char *value = pm_remote_job_get_option (job, sampling_fields[i]);
      if (value != NULL)
        soup_multipart_append_form_string (multipart, sampling_fields[i], value);
    }
  return post_edit (call, multipart, error);
}
