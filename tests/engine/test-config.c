/* test-config.c: CLIPSeg config.json / preprocessor_config.json reading and validation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "pm-clipseg-config.h"
#include "pm-test-util.h"

static const char *preproc_352 =
  "{\"do_normalize\": true, \"do_rescale\": true, \"do_resize\": true,"
  " \"image_mean\": [0.485, 0.456, 0.406], \"image_std\": [0.229, 0.224, 0.225],"
  " \"resample\": 2, \"rescale_factor\": 0.00392156862745098,"
  " \"size\": {\"height\": 352, \"width\": 352}}";

static void
test_full_config (void)
{
  g_autofree char *dir = pm_test_shared_path ("data/clipseg-fixture/full-config");
  g_autoptr(GError) error = NULL;
  PmClipsegConfig c;

  g_assert_true (pm_clipseg_config_load_dir (&c, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.text.vocab_size, ==, 49408);
  g_assert_cmpint (c.text.hidden_size, ==, 512);
  g_assert_cmpint (c.text.num_hidden_layers, ==, 12);
  g_assert_cmpint (c.text.num_attention_heads, ==, 8);
  g_assert_cmpint (c.text.eos_token_id, ==, 2);
  g_assert_cmpint (c.vision.hidden_size, ==, 768);
  g_assert_cmpint (c.vision.patch_size, ==, 16);
  g_assert_cmpint (c.vision.image_size, ==, 224);
  g_assert_cmpint (c.n_extract_layers, ==, 3);
  g_assert_cmpint (c.extract_layers[0], ==, 3);
  g_assert_cmpint (c.extract_layers[2], ==, 9);
  g_assert_cmpint (c.reduce_dim, ==, 64);
  g_assert_cmpint (c.decoder_num_attention_heads, ==, 4);
  g_assert_true (c.use_complex_transposed_convolution);
  g_assert_cmpint (c.input_height, ==, 352);
  g_assert_cmpfloat_with_epsilon (c.image_mean[0], 0.485, 1e-12);
  g_assert_cmpfloat_with_epsilon (c.image_std[2], 0.225, 1e-12);
  g_assert_cmpint (pm_clipseg_config_get_grid (&c), ==, 22);
  g_assert_cmpint (pm_clipseg_config_get_vision_layers_needed (&c), ==, 10);
}

static void
test_tiny_config (void)
{
  g_autofree char *dir = pm_test_shared_path ("data/clipseg-fixture/tiny-f32");
  g_autoptr(GError) error = NULL;
  PmClipsegConfig c;

  g_assert_true (pm_clipseg_config_load_dir (&c, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.vision.hidden_size, ==, 64);
  g_assert_cmpint (c.vision.image_size, ==, 48);
  g_assert_cmpint (c.input_height, ==, 64);
  g_assert_cmpint (pm_clipseg_config_get_grid (&c), ==, 4);
  g_assert_cmpint (pm_clipseg_config_get_vision_layers_needed (&c), ==, 3);
}

/* Empty files: every field takes Hugging Face's default. */
static void
test_defaults (void)
{
  g_autoptr(GError) error = NULL;
  PmClipsegConfig c;

  g_assert_true (pm_clipseg_config_load_data (&c, "{}", -1, "{}", -1, "empty", &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.text.vocab_size, ==, 49408);
  g_assert_cmpint (c.text.hidden_size, ==, 512);
  g_assert_cmpint (c.text.intermediate_size, ==, 2048);
  g_assert_cmpint (c.text.num_hidden_layers, ==, 12);
  g_assert_cmpint (c.text.num_attention_heads, ==, 8);
  g_assert_cmpint (c.text.max_position_embeddings, ==, 77);
  g_assert_cmpint (c.text.eos_token_id, ==, 49407);
  g_assert_cmpstr (c.text.hidden_act, ==, "quick_gelu");
  g_assert_cmpint (c.vision.hidden_size, ==, 768);
  g_assert_cmpint (c.vision.intermediate_size, ==, 3072);
  g_assert_cmpint (c.vision.num_hidden_layers, ==, 12);
  g_assert_cmpint (c.vision.num_attention_heads, ==, 12);
  g_assert_cmpint (c.vision.image_size, ==, 224);
  g_assert_cmpint (c.vision.patch_size, ==, 32);
  g_assert_cmpfloat (c.vision.layer_norm_eps, ==, 1e-5);
  g_assert_cmpint (c.projection_dim, ==, 512);
  g_assert_cmpint (c.n_extract_layers, ==, 3);
  g_assert_cmpint (c.extract_layers[1], ==, 6);
  g_assert_cmpint (c.reduce_dim, ==, 64);
  g_assert_cmpint (c.decoder_num_attention_heads, ==, 4);
  g_assert_cmpint (c.decoder_intermediate_size, ==, 2048);
  g_assert_cmpint (c.conditional_layer, ==, 0);
  g_assert_false (c.use_complex_transposed_convolution);
  g_assert_cmpint (c.input_height, ==, 224);
  g_assert_cmpint (c.resample, ==, 2);
  g_assert_cmpfloat (c.image_mean[1], ==, 0.5);
  g_assert_cmpfloat_with_epsilon (c.rescale_factor, 1.0 / 255, 1e-15);
}

/* A Hub-style file that omits fields equal to the defaults. */
static void
test_missing_fields (void)
{
  const char *cfg =
    "{\"architectures\": [\"CLIPSegForImageSegmentation\"], \"model_type\": \"clipseg\","
    " \"reduce_dim\": 64, \"use_complex_transposed_convolution\": true,"
    " \"text_config\": {\"bos_token_id\": 0, \"eos_token_id\": 2},"
    " \"vision_config\": {\"patch_size\": 16}, \"torch_dtype\": \"float32\"}";
  g_autoptr(GError) error = NULL;
  PmClipsegConfig c;

  g_assert_true (pm_clipseg_config_load_data (&c, cfg, -1, preproc_352, -1, "hub", &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.vision.patch_size, ==, 16);
  g_assert_cmpint (c.vision.hidden_size, ==, 768);
  g_assert_cmpint (c.text.eos_token_id, ==, 2);
  g_assert_cmpint (c.text.hidden_size, ==, 512);
  g_assert_true (c.use_complex_transposed_convolution);
  g_assert_cmpint (pm_clipseg_config_get_grid (&c), ==, 22);
}

/* Old transformers files: *_config_dict, completed with defaults, wins over *_config. */
static void
test_config_dict (void)
{
  const char *cfg =
    "{\"text_config\": {\"hidden_size\": 1024, \"num_attention_heads\": 16,"
    "                   \"intermediate_size\": 4096},"
    " \"text_config_dict\": {\"hidden_size\": 256, \"num_attention_heads\": 4},"
    " \"vision_config\": null,"
    " \"vision_config_dict\": {\"patch_size\": 16, \"num_hidden_layers\": 10}}";
  g_autoptr(GError) error = NULL;
  PmClipsegConfig c;

  g_assert_true (pm_clipseg_config_load_data (&c, cfg, -1, preproc_352, -1, "old", &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.text.hidden_size, ==, 256);
  g_assert_cmpint (c.text.num_attention_heads, ==, 4);
  g_assert_cmpint (c.text.intermediate_size, ==, 2048);   /* default, not text_config's */
  g_assert_cmpint (c.vision.patch_size, ==, 16);
  g_assert_cmpint (c.vision.num_hidden_layers, ==, 10);
}

static void
expect_invalid (const char *cfg,
                const char *preproc,
                int         code,
                const char *mention)
{
  g_autoptr(GError) error = NULL;
  PmClipsegConfig c;

  g_assert_false (pm_clipseg_config_load_data (&c, cfg, -1, preproc ? preproc : preproc_352,
                                               -1, "bad-model", &error));
  g_assert_error (error, PM_CLIPSEG_CONFIG_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "bad-model"));
  g_assert_nonnull (strstr (error->message, mention));
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_invalid (void)
{
  const int P = PM_CLIPSEG_CONFIG_ERROR_PARSE, I = PM_CLIPSEG_CONFIG_ERROR_INVALID;
  const char *v16 = "\"vision_config\": {\"patch_size\": 16}";
  g_autofree char *c1 = g_strdup_printf ("{%s, \"text_config\": {\"num_attention_heads\": 0}}",
                                         v16);
  g_autofree char *c2 = g_strdup_printf ("{%s, \"text_config\": {\"num_attention_heads\": 7}}",
                                         v16);
  g_autofree char *c3 = g_strdup_printf ("{%s, \"extract_layers\": [3, 6, 12]}", v16);
  g_autofree char *c4 = g_strdup_printf ("{%s, \"extract_layers\": [-1]}", v16);
  g_autofree char *c5 = g_strdup_printf ("{%s, \"extract_layers\": []}", v16);
  g_autofree char *c6 = g_strdup_printf ("{%s, \"conditional_layer\": 3}", v16);
  g_autofree char *c7 = g_strdup_printf ("{%s, \"decoder_num_attention_heads\": 5}", v16);
  g_autofree char *c8 = g_strdup_printf ("{%s, \"reduce_dim\": 0}", v16);
  g_autofree char *c9 = g_strdup_printf ("{%s, \"text_config\": {\"hidden_size\": \"512\"}}", v16);
  g_autofree char *c10 = g_strdup_printf ("{%s, \"text_config\": {\"hidden_act\": \"gelu\"}}", v16);
  g_autofree char *c11 = g_strdup_printf ("{%s, \"extract_layers\": 3}", v16);
  g_autofree char *c12 = g_strdup_printf ("{%s, \"text_config\": 5}", v16);
  g_autofree char *c13 = g_strdup_printf ("{%s, \"use_complex_transposed_convolution\": 1}", v16);

  expect_invalid (c1, NULL, I, "attention heads");
  expect_invalid (c2, NULL, I, "not divisible");
  expect_invalid (c3, NULL, I, "extract layer 12");
  expect_invalid (c4, NULL, I, "extract layer -1");
  expect_invalid (c5, NULL, I, "extract_layers");
  expect_invalid (c6, NULL, I, "conditional_layer");
  expect_invalid (c7, NULL, I, "not divisible");
  expect_invalid (c8, NULL, I, "reduce_dim");
  expect_invalid (c9, NULL, P, "text_config.hidden_size");
  expect_invalid (c10, NULL, I, "gelu");
  expect_invalid (c11, NULL, P, "extract_layers");
  expect_invalid (c12, NULL, P, "text_config");
  expect_invalid (c13, NULL, P, "use_complex_transposed_convolution");
  expect_invalid ("{\"vision_config\": {\"patch_size\": 30}}", NULL, I, "does not divide");
  expect_invalid ("{\"vision_config\": {\"patch_size\": 0}}", NULL, I, "patch_size");
  expect_invalid ("{\"vision_config\": {\"patch_size\": 16, \"num_attention_heads\": 0}}", NULL,
                  I, "attention heads");
  expect_invalid ("{\"vision_config\": {\"patch_size\": 16, \"num_hidden_layers\": 5}}", NULL,
                  I, "extract layer 6");
  expect_invalid ("{\"vision_config\": {\"patch_size\": 16, \"num_channels\": 4}}", NULL, I,
                  "num_channels");
  expect_invalid ("{\"vision_config\": {\"patch_size\": 14}, "
                  "\"use_complex_transposed_convolution\": false}", NULL, I, "352");
  expect_invalid ("{\"vision_config\": {\"patch_size\": 32, \"image_size\": 224}, "
                  "\"use_complex_transposed_convolution\": true, \"reduce_dim\": 63,"
                  " \"decoder_num_attention_heads\": 3}", "{\"size\": 224}", I, "even reduce_dim");
  expect_invalid ("{\"text_config\": {\"layer_norm_eps\": -1}}", "{}", I, "layer_norm_eps");
  expect_invalid ("{\"text_config\": {\"hidden_size\": 99999999999}}", "{}", I, "hidden_size");
  expect_invalid ("not json", NULL, P, "config.json");
  expect_invalid ("[1, 2]", NULL, P, "config.json");
  /* preprocessor */
  expect_invalid ("{}", "{\"resample\": 3}", I, "resample");
  expect_invalid ("{}", "{\"image_std\": [0.2, 0, 0.2]}", I, "image_std");
  expect_invalid ("{}", "{\"image_mean\": [0.2, 0.2]}", I, "image_mean");
  expect_invalid ("{}", "{\"size\": {\"height\": 224, \"width\": 256}}", I, "square");
  expect_invalid ("{}", "{\"size\": {\"shortest_edge\": 224}}", I, "height and width");
  expect_invalid ("{}", "{\"size\": 100000}", I, "input size");
  expect_invalid ("{}", "{\"size\": \"224\"}", P, "size");
  expect_invalid ("{}", "{]", P, "preprocessor_config.json");
}

static void
test_missing_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = pm_test_tmpdir ();
  PmClipsegConfig c;

  g_assert_false (pm_clipseg_config_load_dir (&c, dir, &error));
  g_assert_error (error, PM_CLIPSEG_CONFIG_ERROR, PM_CLIPSEG_CONFIG_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "config.json"));
  pm_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  pm_test_add_shared_func ("/engine/config/full-config", "data/clipseg-fixture/full-config", test_full_config);
  pm_test_add_shared_func ("/engine/config/tiny-config", "data/clipseg-fixture/tiny-f32", test_tiny_config);
  g_test_add_func ("/engine/config/defaults", test_defaults);
  g_test_add_func ("/engine/config/missing-fields", test_missing_fields);
  g_test_add_func ("/engine/config/config-dict", test_config_dict);
  g_test_add_func ("/engine/config/invalid", test_invalid);
  g_test_add_func ("/engine/config/missing-files", test_missing_files);
  return g_test_run ();
}
