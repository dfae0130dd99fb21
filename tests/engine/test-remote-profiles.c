/* test-remote-profiles.c: every remote server profile against its strict fake server.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <json-glib/json-glib.h>

#include "pm-derive.h"
#include "pm-engine.h"
#include "pm-maskio.h"
#include "pm-metrics.h"
#include "pm-remote.h"
#include "pm-remote-private.h"
#include "pm-fake-editor-util.h"
#include "pm-sample-test-util.h"

static const char * const all_profiles[] = {
  "openai", "openai-compatible", "sdcpp", "comfyui", "gemini", "fal", NULL
};

typedef struct {
  const char  *profile;
  const char  *url;
  const char  *model;
  const char  *key;
  const char **options;
  double       timeout_s;
  GCancellable *cancellable;
} Run;

/* Runs the engine as @run says on @photo; the edited image or NULL + error. */
static PmImage *
run_engine (const Run     *run,
            const PmImage *photo,
            const char    *instruction,
            char         **message,
            GError       **error)
{
  PmEngineOptions options = { 0 };
  g_autoptr(PmEngine) engine = NULL;
  g_autoptr(PmInstruction) ins = pm_instruction_parse (instruction);
  PmEngineResult result = { 0 };
  PmImage *edited;

  options.remote_profile = (char *) run->profile;
  options.endpoint = (char *) run->url;
  options.remote_model = (char *) run->model;
  options.api_key = (char *) run->key;
  options.remote_options = (char **) run->options;
  options.timeout_s = run->timeout_s > 0 ? run->timeout_s : 60;
  engine = pm_engine_new ("remote", &options, error);
  if (engine == NULL)
    return NULL;
  if (!pm_engine_run (engine, photo, ins, NULL, NULL, run->cancellable, &result, error))
    return NULL;
  edited = g_steal_pointer (&result.edited);
  if (message != NULL)
    *message = g_steal_pointer (&result.message);
  pm_engine_result_clear (&result);
  return edited;
}

static JsonObject *
last_request (PmFakeEditor *fe)
{
  g_autofree char *text = pm_fake_editor_last_request (fe);
  g_autoptr(JsonParser) parser = json_parser_new ();
  GError *error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* ---------------------------------------------------------------- names, options, prompts */

static void
test_names (void)
{
  for (int i = 0; all_profiles[i] != NULL; i++)
    {
      PmRemoteProfile p;
      g_assert_true (pm_remote_profile_from_string (all_profiles[i], &p));
      g_assert_cmpstr (pm_remote_profile_to_string (p), ==, all_profiles[i]);
      g_assert_nonnull (pm_remote_profile_get_title (p));
    }
  {
    PmRemoteProfile p;
    g_assert_false (pm_remote_profile_from_string ("dall-e", &p));
  }
}

static void
expect_option_error (PmRemoteProfile  profile,
                     const char      *option,
                     const char      *needle)
{
  const char *opts[] = { option, NULL };
  GError *error = NULL;

  g_assert_false (pm_remote_options_validate (profile, opts, &error));
  g_assert_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNKNOWN);
  g_test_message ("%s: %s", option, error->message);
  g_assert_nonnull (strstr (error->message, needle));
  g_error_free (error);
}

static void
test_options (void)
{
  const char *good[] = { "seed=7", "num_inference_steps=50", "true_cfg_scale=4.5",
                         "guidance_scale=2.5", "negative_prompt=blurry", "size=1024x768", NULL };
  GError *error = NULL;

  g_assert_true (pm_remote_options_validate (PM_REMOTE_PROFILE_OPENAI_COMPATIBLE, good, &error));
  g_assert_no_error (error);
  g_assert_true (pm_remote_options_validate (PM_REMOTE_PROFILE_SDCPP, good, &error));
  g_assert_no_error (error);

  expect_option_error (PM_REMOTE_PROFILE_OPENAI, "seed=1", "not one of profile openai");
  expect_option_error (PM_REMOTE_PROFILE_OPENAI, "size=512x512", "1536x1024");
  expect_option_error (PM_REMOTE_PROFILE_OPENAI, "input_fidelity=max", "high or low");
  expect_option_error (PM_REMOTE_PROFILE_OPENAI_COMPATIBLE, "seed=abc", "whole number");
  expect_option_error (PM_REMOTE_PROFILE_OPENAI_COMPATIBLE, "true_cfg_scale=99", "0 to 20");
  expect_option_error (PM_REMOTE_PROFILE_OPENAI_COMPATIBLE, "size=10x10", "WIDTHxHEIGHT");
  expect_option_error (PM_REMOTE_PROFILE_GEMINI, "aspect_ratio=7:3", "16:9");
  expect_option_error (PM_REMOTE_PROFILE_FAL, "true_cfg_scale=4", "not one of profile fal");
  expect_option_error (PM_REMOTE_PROFILE_COMFYUI, "seed", "KEY=VALUE");
}

static void
test_defaults (void)
{
  struct { PmRemoteProfile p; const char *model; const char *want; const char *absent; } cases[] = {
    { PM_REMOTE_PROFILE_OPENAI, NULL, "input_fidelity=high", "seed=" },
    { PM_REMOTE_PROFILE_OPENAI_COMPATIBLE, NULL, "true_cfg_scale=4.0", "guidance_scale" },
    { PM_REMOTE_PROFILE_OPENAI_COMPATIBLE, NULL, "num_inference_steps=40", NULL },
    { PM_REMOTE_PROFILE_OPENAI_COMPATIBLE, "black-forest-labs/FLUX.1-Kontext-dev",
      "guidance_scale=2.5", "true_cfg_scale" },
    { PM_REMOTE_PROFILE_SDCPP, "flux1-kontext-dev", "true_cfg_scale=1.0", NULL },
    { PM_REMOTE_PROFILE_COMFYUI, NULL, "seed=42", NULL },
    { PM_REMOTE_PROFILE_FAL, NULL, "guidance_scale=4.0", "true_cfg_scale" },
    { PM_REMOTE_PROFILE_FAL, "fal-ai/flux-kontext/dev", "guidance_scale=2.5", NULL },
    { PM_REMOTE_PROFILE_GEMINI, NULL, "seed=42", "steps" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *d = pm_remote_profile_describe_defaults (cases[i].p, cases[i].model);
      g_test_message ("%s %s: %s", pm_remote_profile_to_string (cases[i].p),
                      cases[i].model != NULL ? cases[i].model : "(default)", d);
      g_assert_nonnull (strstr (d, cases[i].want));
      if (cases[i].absent != NULL)
        g_assert_null (strstr (d, cases[i].absent));
    }
}

/* Several (target, colour) items make one prompt: what multi-object edits will send. */
static void
test_prompt_items (void)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_remote_item_free);
  g_autoptr(PmInstruction) a = pm_instruction_parse ("paint the cat purple");
  g_autoptr(PmInstruction) b = pm_instruction_parse ("paint the second dog from the left green");
  g_autoptr(PmInstruction) c = pm_instruction_parse ("make the ball #00ff00");
  g_autofree char *one = NULL, *three = NULL;

  g_ptr_array_add (items, pm_remote_item_new_from_instruction (a));
  one = pm_remote_prompt_build (NULL, items);
  g_assert_cmpstr (one, ==, "Paint the cat purple. Keep everything else in the image exactly unchanged.");
  g_ptr_array_add (items, pm_remote_item_new_from_instruction (b));
  g_ptr_array_add (items, pm_remote_item_new_from_instruction (c));
  three = pm_remote_prompt_build (NULL, items);
  g_assert_cmpstr (three, ==, "Paint the cat purple, the second dog from the left green and the "
                              "ball the colour #00ff00. Keep everything else in the image exactly "
                              "unchanged.");
}

static void
test_fal_hosts (void)
{
  g_assert_true (pm_remote_fal_result_host_allowed ("https://v3.fal.media/files/monkey/x.png"));
  g_assert_true (pm_remote_fal_result_host_allowed ("https://fal.media/files/x.png"));
  g_assert_false (pm_remote_fal_result_host_allowed ("http://v3.fal.media/files/x.png"));
  g_assert_false (pm_remote_fal_result_host_allowed ("https://fal.media.evil.example/x.png"));
  g_assert_false (pm_remote_fal_result_host_allowed ("https://evilfal.media/x.png"));
  g_assert_false (pm_remote_fal_result_host_allowed ("https://user@v3.fal.media/x.png"));
  g_assert_false (pm_remote_fal_result_host_allowed ("https://v3.fal.media:8443/x.png"));
  g_assert_false (pm_remote_fal_result_host_allowed ("https://queue.fal.run/x.png"));
  g_assert_false (pm_remote_fal_result_host_allowed (NULL));
}

/* ---------------------------------------------------------------- workflows */

static void
test_workflow_templates (void)
{
  const char * const *names = pm_remote_workflow_list_templates ();

  for (guint i = 0; names[i] != NULL; i++)
    {
      GError *error = NULL;
      g_autoptr(JsonObject) wf = pm_remote_workflow_load (names[i], &error);
      g_autoptr(GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
      JsonObject *sampler;

      g_assert_no_error (error);
      g_hash_table_insert (values, "image", "photo.png");
      g_hash_table_insert (values, "prompt", "Paint the cat purple.");
      g_hash_table_insert (values, "negative_prompt", "");
      g_hash_table_insert (values, "seed", "42");
      g_hash_table_insert (values, "steps", "40");
      g_hash_table_insert (values, "cfg", "4.0");
      g_hash_table_insert (values, "guidance", "2.5");
      g_assert_true (pm_remote_workflow_fill (wf, values, &error));
      g_assert_no_error (error);
      sampler = json_object_get_object_member (json_object_get_object_member (wf, "11"), "inputs");
      g_assert_cmpint (json_object_get_int_member (sampler, "seed"), ==, 42);
      g_assert_cmpint (json_object_get_int_member (sampler, "steps"), ==, 40);
      g_assert_cmpfloat (json_object_get_double_member (sampler, "cfg"), ==, 4.0);
      g_assert_cmpstr (json_object_get_string_member (
                           json_object_get_object_member (json_object_get_object_member (wf, "4"),
                                                          "inputs"), "image"), ==, "photo.png");
    }
}

static void
expect_workflow_error (const char *json,
                       const char *needle)
{
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "wf.json", NULL);
  GError *error = NULL;
  JsonObject *wf;

  g_file_set_contents (path, json, -1, &error);
  g_assert_no_error (error);
  wf = pm_remote_workflow_load (path, &error);
  g_assert_null (wf);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "wf.json"));
  g_assert_nonnull (strstr (error->message, needle));
  g_error_free (error);
  pm_test_rmdir (dir);
}

static void
test_workflow_files (void)
{
  GError *error = NULL;

  expect_workflow_error ("{\"nodes\":[],\"links\":[]}", "Export (API)");
  expect_workflow_error ("{\"1\":{\"class_type\":\"LoadImage\",\"inputs\":{\"image\":\"{{image}}\"}}}",
                         "{{prompt}}");
  expect_workflow_error ("{\"1\":{\"class_type\":\"LoadImage\",\"inputs\":{\"image\":\"{{image}}\","
                         "\"x\":\"{{prompt}} {{colour}}\"}}}", "{{colour}}");
  expect_workflow_error ("[1, 2]", "not a JSON object");
  expect_workflow_error ("{\"1\":{\"inputs\":{}}}", "class_type");
  g_assert_null (pm_remote_workflow_load ("/nonexistent/wf.json", &error));
  g_assert_nonnull (strstr (error->message, "/nonexistent/wf.json"));
  g_clear_error (&error);
  g_assert_null (pm_remote_workflow_load ("qwen-image-edit-1999", &error));
  g_assert_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNKNOWN);
  g_assert_nonnull (strstr (error->message, "qwen-image-edit-2509"));
  g_clear_error (&error);
}

/* ---------------------------------------------------------------- against the fakes */

typedef struct {
  const char *stem;
  const char *mask;
  const char *instruction;
} Case;

/* A landscape COCO photo, a portrait one, a wide DAVIS frame. */
static const Case cases[] = {
  { "coco_000000094336", "coco_000000094336_cat.png", "paint the cat purple" },
  { "coco_000000522940", "coco_000000522940_stop-sign.png", "make the stop sign blue" },
  { "davis_dog_00020", "davis_dog_00020_dog.png", "paint the dog green" },
};

/* Edits three photos through @profile's fake and checks the derived masks. */
static void
check_quality (const char *profile,
               const char *model)
{
  PmFakeEditor *fe = pm_fake_editor_start_profile (profile, NULL, NULL, 300);
  Run run = { profile, fe->base_url, model, NULL, NULL, 60, NULL };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      PmTestSample s = { 0 };
      GError *error = NULL;
      g_autoptr(PmImage) edited = NULL;
      g_autoptr(PmMask) mask = NULL;
      g_autoptr(PmInstruction) ins = pm_instruction_parse (c->instruction);
      g_autofree char *message = NULL;
      PmDeriveOptions opts;
      double iou;

      pm_test_sample_load (&s, c->stem, c->mask);
      edited = run_engine (&run, s.photo, c->instruction, &message, &error);
      g_assert_no_error (error);
      g_assert_cmpint (edited->width, ==, s.photo->width);
      g_assert_cmpint (edited->height, ==, s.photo->height);
      pm_derive_options_init (&opts);
      opts.has_color_hint = ins->has_color;
      opts.color_hint = ins->color;
      mask = pm_mask_derive (s.photo, edited, &opts, NULL, &error);
      g_assert_no_error (error);
      iou = pm_mask_iou (mask, s.truth, NULL, NULL);
      g_test_message ("%s %s: IoU %.3f (%s)", profile, c->stem, iou,
                      message != NULL ? message : "same size");
      g_assert_cmpfloat (iou, >=, 0.9);
      pm_test_sample_clear (&s);
    }
  pm_fake_editor_stop (fe);
}

static void test_quality_openai (void) { check_quality ("openai", NULL); }
static void test_quality_compatible (void) { check_quality ("openai-compatible", NULL); }
static void test_quality_sdcpp (void) { check_quality ("sdcpp", NULL); }
static void test_quality_comfyui (void) { check_quality ("comfyui", NULL); }
static void test_quality_comfyui_kontext (void) { check_quality ("comfyui", "flux1-kontext-dev"); }
static void test_quality_gemini (void) { check_quality ("gemini", NULL); }
static void test_quality_fal (void) { check_quality ("fal", NULL); }
static void test_quality_fal_kontext (void) { check_quality ("fal", "fal-ai/flux-kontext/dev"); }

/* One edit of the cat photo through @fe; returns the error (or NULL) and the message. */
static GError *
edit_cat (const Run *run,
          char     **message)
{
  PmTestSample s = { 0 };
  GError *error = NULL;
  g_autoptr(PmImage) edited = NULL;

  pm_test_sample_load (&s, "coco_000000094336", "coco_000000094336_cat.png");
  edited = run_engine (run, s.photo, "paint the cat purple", message, &error);
  g_assert_true ((edited == NULL) == (error != NULL));
  pm_test_sample_clear (&s);
  return error;
}

static void
expect_error (const Run  *run,
              const char *needle)
{
  GError *error = edit_cat (run, NULL);

  g_assert_nonnull (error);
  g_test_message ("%s: %s", run->profile, error->message);
  g_assert_nonnull (strstr (error->message, needle));
  g_assert_null (strchr (error->message, '\n'));
  g_error_free (error);
}

/* What each profile puts on the wire. */
static void
test_request_openai (void)
{
  PmFakeEditor *fe = pm_fake_editor_start_profile ("openai", NULL, NULL, -1);
  Run run = { "openai", fe->base_url, NULL, NULL, NULL, 60, NULL };
  g_autoptr(JsonObject) req = NULL;
  g_autofree char *message = NULL;
  GError *error = edit_cat (&run, &message);

  g_assert_no_error (error);
  req = last_request (fe);
  g_assert_false (json_object_has_member (req, "response_format"));
  g_assert_cmpstr (json_object_get_string_member (req, "input_fidelity"), ==, "high");
  g_assert_cmpstr (json_object_get_string_member (req, "size"), ==, "1536x1024");  /* 500×336 */
  g_assert_cmpstr (json_object_get_string_member (req, "model"), ==, "gpt-image-1");
  g_assert_nonnull (strstr (message, "1536×1024"));   /* another size, resampled */

  /* The OpenAI-compatible dialect sends response_format: OpenAI refuses it, with its
   * own words reaching the user. */
  run.profile = "openai-compatible";
  run.model = "gpt-image-1";
  expect_error (&run, "Unknown parameter: 'response_format'.");
  pm_fake_editor_stop (fe);
}

static void
test_request_compatible (void)
{
  PmFakeEditor *fe = pm_fake_editor_start_profile ("openai-compatible", NULL, NULL, -1);
  Run run = { "openai-compatible", fe->base_url, NULL, NULL, NULL, 60, NULL };
  const char *opts[] = { "seed=7", "num_inference_steps=50", NULL };
  g_autoptr(JsonObject) req = NULL;
  GError *error = edit_cat (&run, NULL);

  g_assert_no_error (error);
  req = last_request (fe);
  g_assert_false (json_object_has_member (req, "model"));
  g_assert_cmpstr (json_object_get_string_member (req, "response_format"), ==, "b64_json");
  g_assert_cmpstr (json_object_get_string_member (req, "size"), ==, "496x336");
  g_assert_cmpstr (json_object_get_string_member (req, "seed"), ==, "42");
  g_assert_cmpstr (json_object_get_string_member (req, "true_cfg_scale"), ==, "4.0");
  g_assert_cmpstr (json_object_get_string_member (req, "num_inference_steps"), ==, "40");
  g_assert_true (json_object_has_member (req, "negative_prompt"));
  g_clear_pointer (&req, json_object_unref);

  /* The user's options win over the defaults. */
  run.options = opts;
  error = edit_cat (&run, NULL);
  g_assert_no_error (error);
  req = last_request (fe);
  g_assert_cmpstr (json_object_get_string_member (req, "seed"), ==, "7");
  g_assert_cmpstr (json_object_get_string_member (req, "num_inference_steps"), ==, "50");

  /* vLLM-Omni refuses a model it does not serve; FastAPI's detail reaches the user. */
  run.options = NULL;
  run.model = "Qwen/Qwen-Image-Edit";
  expect_error (&run, "does not match the served model");
  pm_fake_editor_stop (fe);
}

static void
test_request_sdcpp (void)
{
  PmFakeEditor *fe = pm_fake_editor_start_profile ("sdcpp", NULL, NULL, -1);
  Run run = { "sdcpp", fe->base_url, "flux1-kontext-dev", NULL, NULL, 60, NULL };
  g_autoptr(JsonObject) req = NULL;
  const char *prompt;
  GError *error = edit_cat (&run, NULL);

  g_assert_no_error (error);
  req = last_request (fe);
  g_assert_false (json_object_has_member (req, "model"));
  g_assert_false (json_object_has_member (req, "response_format"));
  prompt = json_object_get_string_member (req, "prompt");
  g_test_message ("%s", prompt);
  g_assert_true (g_str_has_prefix (prompt, "Paint the cat purple."));
  g_assert_nonnull (strstr (prompt, "<sd_cpp_extra_args>{\"seed\":42,"));
  g_assert_nonnull (strstr (prompt, "\"sample_steps\":28"));
  g_assert_nonnull (strstr (prompt, "\"distilled_guidance\":2.5"));
  g_assert_nonnull (strstr (prompt, "\"txt_cfg\":1"));
  g_assert_true (g_str_has_suffix (prompt, "</sd_cpp_extra_args>"));
  pm_fake_editor_stop (fe);
}

static void
test_request_gemini (void)
{
  PmFakeEditor *fe = pm_fake_editor_start_profile ("gemini", NULL, "g-key-0123456789", -1);
  Run run = { "gemini", fe->base_url, NULL, "g-key-0123456789", NULL, 60, NULL };
  g_autoptr(JsonObject) req = NULL;
  JsonObject *gen;
  g_autofree char *message = NULL;
  GError *error = edit_cat (&run, &message);

  g_assert_no_error (error);
  req = last_request (fe);
  gen = json_object_get_object_member (req, "generationConfig");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (gen, "imageConfig"),
                                                  "aspectRatio"), ==, "3:2");
  g_assert_cmpint (json_object_get_int_member (gen, "seed"), ==, 42);
  g_assert_nonnull (strstr (message, "1248×832"));

  run.model = "imagen-3";
  expect_error (&run, "is not found for API version v1beta");
  run.model = NULL;
  run.url = pm_fake_editor_url (fe, "blocked");
  expect_error (&run, "blockReason PROHIBITED_CONTENT");
  g_free ((char *) run.url);
  pm_fake_editor_stop (fe);
}

static void
test_errors_comfyui (void)
{
  PmFakeEditor *fe = pm_fake_editor_start_profile ("comfyui", NULL, NULL, 200);
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *wf_path = g_build_filename (dir, "bad.json", NULL);
  g_autofree char *wf_opt = g_strdup_printf ("workflow=%s", wf_path);
  g_autofree char *fail_url = pm_fake_editor_url (fe, "execfail");
  const char *opts[] = { wf_opt, NULL };
  Run run = { "comfyui", fail_url, NULL, NULL, NULL, 60, NULL };
  g_autoptr(JsonObject) req = NULL;
  JsonObject *sampler;
  GError *error = NULL;

  /* A run that fails on the GPU reports the node and ComfyUI's message. */
  expect_error (&run, "ComfyUI's workflow failed in KSampler (node 11): Allocation on device");

  /* A workflow ComfyUI refuses: node_errors name the node and the fault. */
  g_file_set_contents (wf_path,
                       "{\"4\":{\"class_type\":\"LoadImage\",\"inputs\":{\"image\":\"{{image}}\"}},"
                       "\"6\":{\"class_type\":\"CLIPTextEncode\",\"inputs\":{\"text\":\"{{prompt}}\"}},"
                       "\"11\":{\"class_type\":\"KSampler\",\"inputs\":{\"positive\":[\"6\",0],"
                       "\"seed\":\"{{negative_prompt}}\",\"steps\":\"{{steps}}\"}},"
                       "\"13\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"11\",0]}}}",
                       -1, &error);
  g_assert_no_error (error);
  run.url = fe->base_url;
  run.options = opts;
  expect_error (&run, "Prompt outputs failed validation: KSampler (node 11): Failed to convert "
                      "an input value to a INT value");

  /* The bundled workflow is filled with typed values. */
  run.options = NULL;
  error = edit_cat (&run, NULL);
  g_assert_no_error (error);
  req = last_request (fe);
  sampler = json_object_get_object_member (json_object_get_object_member (
                json_object_get_object_member (req, "prompt"), "11"), "inputs");
  g_assert_cmpint (json_object_get_int_member (sampler, "seed"), ==, 42);
  g_assert_cmpint (json_object_get_int_member (sampler, "steps"), ==, 40);
  g_assert_cmpfloat (json_object_get_double_member (sampler, "cfg"), ==, 4.0);
  pm_test_rmdir (dir);
  pm_fake_editor_stop (fe);
}

static void
test_errors_fal (void)
{
  PmFakeEditor *fe = pm_fake_editor_start_profile ("fal", NULL, NULL, 200);
  g_autofree char *failed = pm_fake_editor_url (fe, "failed");
  g_autofree char *evil = pm_fake_editor_url (fe, "evilurl");
  const char *neg[] = { "negative_prompt=blurry", NULL };
  Run run = { "fal", failed, NULL, NULL, NULL, 60, NULL };
  g_autoptr(JsonObject) req = NULL;
  GError *error = NULL;

  expect_error (&run, "fal could not edit the photo (FAILED): Runner crashed");
  run.url = evil;
  expect_error (&run, "another server");
  /* Kontext takes no negative prompt: fal's 422 names the field. */
  run.url = fe->base_url;
  run.model = "fal-ai/flux-kontext/dev";
  run.options = neg;
  expect_error (&run, "extra fields not permitted (at body.negative_prompt)");

  run.model = NULL;
  run.options = NULL;
  error = edit_cat (&run, NULL);
  g_assert_no_error (error);
  req = last_request (fe);
  g_assert_cmpint (json_object_get_int_member (req, "seed"), ==, 42);
  g_assert_cmpint (json_object_get_int_member (req, "num_inference_steps"), ==, 40);
  g_assert_cmpfloat (json_object_get_double_member (req, "guidance_scale"), ==, 4.0);
  pm_fake_editor_stop (fe);
}

/* A photo above max_pixels goes scaled down (and the server is asked for that size); the
 * answer comes back at the photo's size and still gives the object. */
static void
test_max_pixels (void)
{
  PmFakeEditor *fe = pm_fake_editor_start_profile ("openai-compatible", NULL, NULL, -1);
  const char *opts[] = { "max_pixels=40000", NULL };
  Run run = { "openai-compatible", fe->base_url, NULL, NULL, opts, 60, NULL };
  PmTestSample s = { 0 };
  GError *error = NULL;
  g_autoptr(PmImage) edited = NULL;
  g_autoptr(PmMask) mask = NULL;
  g_autoptr(JsonObject) req = NULL;
  g_autofree char *message = NULL;
  PmDeriveOptions dopts;
  double iou;

  pm_test_sample_load (&s, "coco_000000094336", "coco_000000094336_cat.png");
  edited = run_engine (&run, s.photo, "paint the cat purple", &message, &error);
  g_assert_no_error (error);
  req = last_request (fe);
  /* 500×336 scaled by √(40000 / 168000): 243×163, asked as 240×160. */
  g_assert_cmpstr (json_object_get_string_member (req, "size"), ==, "240x160");
  g_assert_cmpint (edited->width, ==, 500);
  g_assert_cmpint (edited->height, ==, 336);
  pm_derive_options_init (&dopts);
  mask = pm_mask_derive (s.photo, edited, &dopts, NULL, &error);
  g_assert_no_error (error);
  iou = pm_mask_iou (mask, s.truth, NULL, NULL);
  g_test_message ("IoU %.3f from a 240×160 edit (%s)", iou, message);
  g_assert_cmpfloat (iou, >=, 0.93);
  pm_test_sample_clear (&s);
  pm_fake_editor_stop (fe);
}

/* ---------------------------------------------------------------- queues, deadlines, cancel */

static void
test_slow_queue_timeout (void)
{
  for (guint i = 0; i < 2; i++)
    {
      const char *profile = i == 0 ? "comfyui" : "fal";
      PmFakeEditor *fe = pm_fake_editor_start_profile (profile, NULL, NULL, 60000);
      Run run = { profile, fe->base_url, NULL, NULL, NULL, 2, NULL };
      gint64 t0 = g_get_monotonic_time ();

      g_autofree char *last = NULL;

      expect_error (&run, "did not answer within 2 s");
      g_assert_cmpint (g_get_monotonic_time () - t0, <, 6 * G_USEC_PER_SEC);
      /* Out of time, the job is withdrawn as on a cancel. */
      last = pm_fake_editor_last_request (fe);
      g_assert_nonnull (strstr (last, i == 0 ? "\"delete\":[\"" : "\"cancelled\":\""));
      pm_fake_editor_stop (fe);
    }
}

/* Late enough that the job is queued (the fake makes its edit while queueing it). */
static gpointer
cancel_soon (gpointer data)
{
  g_usleep (2000 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_slow_queue_cancel (void)
{
  for (guint i = 0; i < 2; i++)
    {
      const char *profile = i == 0 ? "comfyui" : "fal";
      PmFakeEditor *fe = pm_fake_editor_start_profile (profile, NULL, NULL, 60000);
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      Run run = { profile, fe->base_url, NULL, NULL, NULL, 600, cancellable };
      GThread *thread = g_thread_new ("cancel", cancel_soon, cancellable);
      gint64 t0 = g_get_monotonic_time ();
      GError *error = edit_cat (&run, NULL);

      g_autofree char *last = NULL;

      g_thread_join (thread);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      /* Cancelled after 2 s: the run ends within a second and a half of that. */
      g_assert_cmpint (g_get_monotonic_time () - t0, <, 3.5 * G_USEC_PER_SEC);
      g_error_free (error);
      /* The queued job was withdrawn: ComfyUI's queue delete, fal's cancel URL. */
      last = pm_fake_editor_last_request (fe);
      g_test_message ("%s: %s", profile, last);
      g_assert_nonnull (strstr (last, i == 0 ? "\"delete\":[\"" : "\"cancelled\":\""));
      pm_fake_editor_stop (fe);
    }
}

/* ---------------------------------------------------------------- the key */

/* Does @text hold @key or any 8-character piece of it? */
static gboolean
leaks (const char *text,
       const char *key)
{
  for (gsize i = 0; i + 8 <= strlen (key); i++)
    {
      g_autofree char *piece = g_strndup (key + i, 8);
      if (strstr (text, piece) != NULL)
        return TRUE;
    }
  return FALSE;
}

/* Each server, given a wrong key, echoes it back; the user never sees it. */
static void
test_key_never_shown (void)
{
  const char *wrong = "sk-wrong-secret-98765xyz";

  for (guint i = 0; all_profiles[i] != NULL; i++)
    {
      PmFakeEditor *fe = pm_fake_editor_start_profile (all_profiles[i], NULL, "right-key-0001", 100);
      Run run = { all_profiles[i], fe->base_url, NULL, wrong, NULL, 30, NULL };
      GError *error = edit_cat (&run, NULL);

      g_assert_nonnull (error);
      g_test_message ("%s: %s", all_profiles[i], error->message);
      g_assert_false (leaks (error->message, wrong));
      g_assert_nonnull (strstr (error->message, "[key]"));   /* the server did echo it */
      g_error_free (error);

      run.key = "right-key-0001";
      error = edit_cat (&run, NULL);
      g_assert_no_error (error);
      pm_fake_editor_stop (fe);
    }
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("PAINTMASK_API_KEY");
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");

  g_test_add_func ("/engine/remote-profiles/names", test_names);
  g_test_add_func ("/engine/remote-profiles/options", test_options);
  g_test_add_func ("/engine/remote-profiles/defaults", test_defaults);
  g_test_add_func ("/engine/remote-profiles/prompt-items", test_prompt_items);
  g_test_add_func ("/engine/remote-profiles/fal-hosts", test_fal_hosts);
  g_test_add_func ("/engine/remote-profiles/workflow-templates", test_workflow_templates);
  g_test_add_func ("/engine/remote-profiles/workflow-files", test_workflow_files);
  g_test_add_func ("/engine/remote-profiles/quality/openai", test_quality_openai);
  g_test_add_func ("/engine/remote-profiles/quality/openai-compatible", test_quality_compatible);
  g_test_add_func ("/engine/remote-profiles/quality/sdcpp", test_quality_sdcpp);
  g_test_add_func ("/engine/remote-profiles/quality/comfyui", test_quality_comfyui);
  g_test_add_func ("/engine/remote-profiles/quality/comfyui-kontext", test_quality_comfyui_kontext);
  g_test_add_func ("/engine/remote-profiles/quality/gemini", test_quality_gemini);
  g_test_add_func ("/engine/remote-profiles/quality/fal", test_quality_fal);
  g_test_add_func ("/engine/remote-profiles/quality/fal-kontext", test_quality_fal_kontext);
  g_test_add_func ("/engine/remote-profiles/request/openai", test_request_openai);
  g_test_add_func ("/engine/remote-profiles/request/openai-compatible", test_request_compatible);
  g_test_add_func ("/engine/remote-profiles/request/sdcpp", test_request_sdcpp);
  g_test_add_func ("/engine/remote-profiles/request/gemini", test_request_gemini);
  g_test_add_func ("/engine/remote-profiles/errors/comfyui", test_errors_comfyui);
  g_test_add_func ("/engine/remote-profiles/errors/fal", test_errors_fal);
  g_test_add_func ("/engine/remote-profiles/max-pixels", test_max_pixels);
  g_test_add_func ("/engine/remote-profiles/slow-queue-timeout", test_slow_queue_timeout);
  g_test_add_func ("/engine/remote-profiles/slow-queue-cancel", test_slow_queue_cancel);
  g_test_add_func ("/engine/remote-profiles/key-never-shown", test_key_never_shown);

  ret = g_test_run ();
  return ret;
}
