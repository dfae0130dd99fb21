/* pm-remote-sdcpp.c: the profile "sdcpp": stable-diffusion.cpp's sd-server.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * From leejet/stable-diffusion.cpp examples/server (api.md, routes_openai.cpp): POST
 * /v1/images/edits takes multipart prompt, image[] (or the legacy image), mask, n, size,
 * output_format, output_compression; there is no model or response_format field, and the
 * answer is always data[].b64_json. Native controls ride inside the prompt as
 * <sd_cpp_extra_args>{JSON}</sd_cpp_extra_args>, parsed with the sdcpp API schema
 * (examples/common/common.cpp from_json_str): integer "seed", "negative_prompt",
 * "sample_params": {"sample_steps" (integer), "guidance": {"txt_cfg", "distilled_guidance"}}.
 * The block is cut from the prompt before generation. Errors: 400 {"error": "…"}, 500
 * {"error": "server_error", "message": "…"}.
 */
#define G_LOG_DOMAIN "pm-remote"

#include "pm-remote-private.h"

#include <stdio.h>

/* The <sd_cpp_extra_args> JSON for the job's sampling options, or NULL when none is set. */
static char *
extra_args (const PmRemoteJob *job)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  const char *negative = pm_remote_job_get_option (job, "negative_prompt");
  gboolean any = FALSE;

  json_builder_begin_object (b);
  if (pm_remote_job_get_option (job, "seed") != NULL)
    {
      json_builder_set_member_name (b, "seed");
      json_builder_add_int_value (b, pm_remote_job_get_int (job, "seed", 0));
      any = TRUE;
    }
  if (negative != NULL)
    {
      json_builder_set_member_name (b, "negative_prompt");
      json_builder_add_string_value (b, negative);
      any = TRUE;
    }
  if (pm_remote_job_get_option (job, "num_inference_steps") != NULL ||
      pm_remote_job_get_option (job, "true_cfg_scale") != NULL ||
      pm_remote_job_get_option (job, "guidance_scale") != NULL)
    {
      json_builder_set_member_name (b, "sample_params");
      json_builder_begin_object (b);
      if (pm_remote_job_get_option (job, "num_inference_steps") != NULL)
        {
          json_builder_set_member_name (b, "sample_steps");
          json_builder_add_int_value (b, pm_remote_job_get_int (job, "num_inference_steps", 0));
        }
      json_builder_set_member_name (b, "guidance");
      json_builder_begin_object (b);
      /* sd.cpp's txt_cfg is the real CFG scale (Qwen-Image-Edit's true CFG); its
       * distilled_guidance is FLUX's guidance input (Kontext's 2.5). */
      if (pm_remote_job_get_option (job, "true_cfg_scale") != NULL)
        {
          json_builder_set_member_name (b, "txt_cfg");
          json_builder_add_double_value (b, pm_remote_job_get_double (job, "true_cfg_scale", 0));
        }
      if (pm_remote_job_get_option (job, "guidance_scale") != NULL)
        {
          json_builder_set_member_name (b, "distilled_guidance");
          json_builder_add_double_value (b, pm_remote_job_get_double (job, "guidance_scale", 0));
        }
      json_builder_end_object (b);
      json_builder_end_object (b);
      any = TRUE;
    }
  json_builder_end_object (b);
  if (!any)
    return NULL;
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

/* The one place the sdcpp prompt is made: the shared wording, then the native controls. */
static char *
sdcpp_prompt (const PmRemoteJob *job)
{
  g_autofree char *text = pm_remote_prompt_build (job->prompt_template, job->items);
  g_autofree char *extra = extra_args (job);

  if (extra == NULL)
    return g_steal_pointer (&text);
  return g_strdup_printf ("%s <sd_cpp_extra_args>%s</sd_cpp_extra_args>", text, extra);
}

PmImage *
pm_remote_sdcpp_edit (PmRemoteCall  *call,
                      PmRemoteJob   *job,
                      GError       **error)
{
  g_autofree char *prompt = sdcpp_prompt (job);
  g_autoptr(SoupMultipart) multipart = soup_multipart_new (SOUP_FORM_MIME_TYPE_MULTIPART);
  g_autofree char *url = pm_remote_call_url (call, "/images/edits");
  g_autofree char *size = g_strdup (pm_remote_job_get_option (job, "size"));
  g_autofree char *content_type = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) reply = NULL;
  int w, h;

  /* sd.cpp's latents want sides that are multiples of 16 for Qwen-Image and FLUX. */
  pm_remote_job_rounded_size (job, 16, &w, &h);
  if (size == NULL)
    size = g_strdup_printf ("%dx%d", w, h);
  if (sscanf (size, "%dx%d", &job->asked_width, &job->asked_height) != 2)
    job->asked_width = job->asked_height = 0;

  soup_multipart_append_form_file (multipart, "image[]", "image.png", "image/png",
                                   job->upload_png);
  soup_multipart_append_form_string (multipart, "prompt", prompt);
  soup_multipart_append_form_string (multipart, "n", "1");
  if (g_strcmp0 (size, "auto") != 0)
    soup_multipart_append_form_string (multipart, "size", size);
  soup_multipart_append_form_string (multipart, "output_format", "png");

  body = pm_remote_multipart_body (multipart, &content_type);
  pm_remote_call_progress (call, "waiting for the editor", 0.1);
  reply = pm_remote_call_request (call, "POST", url, content_type, body,
                                  pm_remote_error_message_common, error);
  if (reply == NULL)
    return NULL;
  pm_remote_call_progress (call, "receiving the edited image", 0.8);
  return pm_remote_openai_read_reply (call, reply, error);
}
