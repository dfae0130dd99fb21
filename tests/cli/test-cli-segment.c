/* test-cli-segment.c: `paintmask segment` against the SAM fixture: outputs, order, JSON,
 * and refusals that write nothing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <unistd.h>
#include <json-glib/json-glib.h>

#include "pm-image.h"
#include "pm-npy.h"
#include "pm-ops.h"
#include "pm-test-util.h"

static char *
fixture_path (const char *rel)
{
  g_autofree char *p = g_build_filename ("data", "sam-fixture", rel, NULL);
  return pm_test_shared_path (p);
}

static float *
load_npy (const char *path,
          gint64     *shape)
{
  g_autoptr(GError) error = NULL;
  int nd;
  float *d = pm_npy_load (path, &nd, shape, &error);

  g_assert_no_error (error);
  g_assert_cmpint (nd, >=, 1);
  return d;
}

/* IoU of a 0/255 PNG with the expected masks file's mask @index (bool npy). */
static double
png_iou_with_expected (const char *png,
                       const char *expected_rel,
                       int         index)
{
  g_autofree char *path = fixture_path (expected_rel);
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmImage) img = pm_image_load (png, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  gsize len, n, inter = 0, uni = 0;
  guint16 hlen;
  const guint8 *want;

  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  memcpy (&hlen, data + 8, 2);
  n = (gsize) img->width * img->height;
  want = (const guint8 *) data + 10 + hlen + (gsize) index * n;
  for (gsize i = 0; i < n; i++)
    {
      gboolean a = img->data[4 * i] > 127, b = want[i] != 0;
      inter += a && b;
      uni += a || b;
    }
  return uni ? (double) inter / uni : 1.0;
}

static JsonObject *
parse_json (const char *text,
            JsonParser *parser)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

/* case01: one point, one mask; the logits and the mask match Meta's. */
static void
test_single (void)
{
  g_autofree char *model = fixture_path ("tiny-f32");
  g_autofree char *image = fixture_path ("images/cat.jpg");
  g_autofree char *want_path = fixture_path ("expected/case01_lowres.npy");
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *mask = g_build_filename (dir, "m.png", NULL);
  g_autofree char *logits = g_build_filename (dir, "l.npy", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autofree float *got = NULL, *want = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gint64 shape[PM_NPY_MAX_DIMS], wshape[PM_NPY_MAX_DIMS];
  const char *args[] = { "segment", image, "--point", "250,170", "--model-dir", model,
                         "--mask", mask, "--logits", logits, "--json", "--threads", "1",
                         "--precision", "f32", NULL };
  JsonObject *root;
  JsonArray *masks;

  g_assert_cmpint (pm_test_run_cli (args, &out, &err), ==, 0);
  root = parse_json (out, parser);
  g_assert_cmpuint (json_object_get_size (root), ==, 3);
  g_assert_true (json_object_has_member (root, "iou"));
  g_assert_true (json_object_has_member (root, "timings_ms"));
  masks = json_object_get_array_member (root, "masks");
  g_assert_cmpuint (json_array_get_length (masks), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (masks, 0),
                                                  "path"), ==, mask);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (masks, 0), "area"),
                   >, 0);
  g_assert_cmpfloat_with_epsilon (json_array_get_double_element (
                                    json_object_get_array_member (root, "iou"), 0),
                                  -0.12950003, 1e-4);
  got = load_npy (logits, shape);
  want = load_npy (want_path, wshape);
  g_assert_cmpint (shape[0], ==, 1);
  g_assert_cmpint (shape[1], ==, 256);
  g_assert_cmpfloat (pm_tensor_max_abs_diff (got, want, 256 * 256), <=, 1e-4);
  g_assert_cmpfloat (png_iou_with_expected (mask, "expected/case01_masks.npy", 0), >=, 0.995);
  pm_test_rmdir (dir);
}

/* case02 with --multimask: three files, best first, logits in the same order. */
static void
test_multimask (void)
{
  g_autofree char *model = fixture_path ("tiny-f32");
  g_autofree char *image = fixture_path ("images/cat.jpg");
  g_autofree char *want_path = fixture_path ("expected/case02_lowres.npy");
  g_autofree char *iou_path = fixture_path ("expected/case02_iou.npy");
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *mask = g_build_filename (dir, "m.png", NULL);
  g_autofree char *logits = g_build_filename (dir, "l.npy", NULL);
  g_autofree char *out = NULL;
  g_autofree float *got = NULL, *want = NULL, *want_iou = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gint64 shape[PM_NPY_MAX_DIMS], wshape[PM_NPY_MAX_DIMS], ishape[PM_NPY_MAX_DIMS];
  const char *args[] = { "segment", image, "--point", "250,170,1", "--point", "60, 40, 0",
                         "--multimask", "--model-dir", model, "--mask", mask, "--logits",
                         logits, "--json", "-q", "--precision", "f32", NULL };
  JsonArray *iou, *masks;
  int order[3] = { 0, 1, 2 };

  g_assert_cmpint (pm_test_run_cli (args, &out, NULL), ==, 0);
  iou = json_object_get_array_member (parse_json (out, parser), "iou");
  masks = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                        "masks");
  g_assert_cmpuint (json_array_get_length (iou), ==, 3);
  g_assert_cmpuint (json_array_get_length (masks), ==, 3);
  want_iou = load_npy (iou_path, ishape);
  /* expected order: Meta's masks sorted by their predicted IoU */
  for (int i = 0; i < 3; i++)
    for (int j = i + 1; j < 3; j++)
      if (want_iou[order[j]] > want_iou[order[i]])
        {
          int t = order[i];
          order[i] = order[j];
          order[j] = t;
        }
  got = load_npy (logits, shape);
  want = load_npy (want_path, wshape);
  g_assert_cmpint (shape[0], ==, 3);
  for (int rank = 0; rank < 3; rank++)
    {
      const char *path = json_object_get_string_member (
        json_array_get_object_element (masks, rank), "path");
      g_autofree char *expected_path = rank == 0 ? g_strdup (mask)
                                                 : g_strdup_printf ("%s/m-%d.png", dir, rank + 1);

      g_assert_cmpstr (path, ==, expected_path);
      g_assert_cmpfloat_with_epsilon (json_array_get_double_element (iou, rank),
                                      want_iou[order[rank]], 1e-4);
      g_assert_cmpfloat (pm_tensor_max_abs_diff (got + rank * 65536,
                                                 want + order[rank] * 65536, 65536), <=, 1e-4);
      g_assert_cmpfloat (png_iou_with_expected (path, "expected/case02_masks.npy",
                                                order[rank]), >=, 0.995);
    }
  pm_test_rmdir (dir);
}

/* Exit code, a one-line error naming @needle, and no file in the output folder. */
static void
expect_refusal (const char * const *extra,
                int                 code,
                const char         *needle,
                const char         *model)
{
  g_autofree char *image = fixture_path ("images/cat.jpg");
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *mask = g_build_filename (dir, "m.png", NULL);
  g_autofree char *logits = g_build_filename (dir, "l.npy", NULL);
  g_autofree char *err = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GDir) d = NULL;

  g_ptr_array_add (args, "segment");
  g_ptr_array_add (args, image);
  for (int i = 0; extra[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) extra[i]);
  g_ptr_array_add (args, "--model-dir");
  g_ptr_array_add (args, (gpointer) model);
  g_ptr_array_add (args, "--mask");
  g_ptr_array_add (args, mask);
  g_ptr_array_add (args, "--logits");
  g_ptr_array_add (args, logits);
  g_ptr_array_add (args, NULL);
  g_assert_cmpint (pm_test_run_cli ((const char * const *) args->pdata, NULL, &err), ==, code);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, needle));
  g_assert_true (g_str_has_suffix (err, "\n"));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);   /* one line */
  d = g_dir_open (dir, 0, NULL);
  g_assert_null (g_dir_read_name (d));
  pm_test_rmdir (dir);
}

static void
test_refusals (void)
{
  g_autofree char *model = fixture_path ("tiny-f32");
  g_autofree char *clipseg = pm_test_shared_path ("data/clipseg-fixture/tiny-f32");
  g_autofree char *bad = pm_test_tmpdir ();
  g_autofree char *bad_config = g_build_filename (bad, "config.json", NULL);
  g_autofree char *bad_weights = g_build_filename (bad, "model.safetensors", NULL);
  g_autofree char *weights = fixture_path ("tiny-f32/model.safetensors");
  const char *outside[] = { "--point", "500,10", NULL };
  const char *negative[] = { "--point", "-1,10", NULL };
  const char *empty_box[] = { "--box", "40,60,40,280", NULL };
  const char *flipped[] = { "--box", "300,60,40,280", NULL };
  const char *box_out[] = { "--box", "40,60,300,400", NULL };
  const char *garbage[] = { "--point", "250;170", NULL };
  const char *label[] = { "--point", "250,170,2", NULL };
  const char *none[] = { "--multimask", NULL };
  const char *good[] = { "--point", "250,170", NULL };

  expect_refusal (outside, 1, "point 500,10 is outside the 500×336 image", model);
  expect_refusal (negative, 1, "outside", model);
  expect_refusal (empty_box, 1, "is empty", model);
  expect_refusal (flipped, 1, "x1 < x0", model);
  expect_refusal (box_out, 1, "outside", model);
  expect_refusal (garbage, 2, "--point 250;170", model);
  expect_refusal (label, 2, "LABEL", model);
  expect_refusal (none, 2, "--point", model);

  /* a config whose widths disagree with the tensors; another architecture's checkpoint */
  g_assert_true (g_file_set_contents (bad_config, "{\"model_type\": \"sam\", \"vision_config\": "
                                      "{\"hidden_size\": 64, \"num_hidden_layers\": 4, "
                                      "\"num_attention_heads\": 4, \"global_attn_indexes\": "
                                      "[1, 3]}}", -1, NULL));
  /* A copy, not a link: a model folder's links may not lead out of it. */
  {
    g_autofree char *w = NULL;
    gsize len;
    g_assert_true (g_file_get_contents (weights, &w, &len, NULL));
    g_assert_true (g_file_set_contents (bad_weights, w, len, NULL));
  }
  expect_refusal (good, 1, "expected [64, 3, 16, 16]", bad);
  if (g_file_test (clipseg, G_FILE_TEST_IS_DIR))
    expect_refusal (good, 1, "CLIPSegForImageSegmentation", clipseg);
  pm_test_rmdir (bad);
}

/* `paintmask bench --engine sam --json` reports the fields issue 11 names (load, encode, one
 * click on the cached embedding, peak RSS) and the precision it ran in. */
static void
test_bench_json (void)
{
  g_autofree char *model = fixture_path ("tiny-f32");
  g_autofree char *image = fixture_path ("images/cat.jpg");
  const char *keys[] = { "load_ms", "load_cpu_ms", "encode_ms", "encode_cpu_ms", "prompt_ms",
                         "prompt_multimask_ms", "prompt_cpu_ms", "peak_rss_mb" };

  for (int f32 = 0; f32 < 2; f32++)
    {
      g_autofree char *out = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();
      const char *args[] = { "bench", "--engine", "sam", "--model-dir", model, "--runs", "1",
                             "--threads", "1", "--json", image,
                             f32 ? "--precision" : NULL, "f32", NULL };
      JsonObject *root, *stages;

      g_assert_cmpint (pm_test_run_cli (args, &out, NULL), ==, 0);
      root = parse_json (out, parser);
      g_assert_cmpstr (json_object_get_string_member (root, "engine"), ==, "sam");
      g_assert_cmpstr (json_object_get_string_member (root, "model"), ==, "tiny-f32");
      for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
        {
          g_test_message ("%s %g", keys[i], json_object_get_double_member (root, keys[i]));
          g_assert_cmpfloat (json_object_get_double_member (root, keys[i]), >, 0);
        }
      /* the embedding is the encoder's work: an encoding costs more than a click */
      g_assert_cmpfloat (json_object_get_double_member (root, "encode_ms"), >,
                         json_object_get_double_member (root, "prompt_ms"));
      g_assert_cmpfloat (json_object_get_double_member (root, "peak_rss_mb"), <, 2000);
      if (f32)
        g_assert_cmpstr (json_object_get_string_member (root, "precision"), ==, "f32");
      else
        g_assert_true (g_str_equal (json_object_get_string_member (root, "precision"), "f32") ||
                       g_str_equal (json_object_get_string_member (root, "precision"), "bf16"));
      /* the encoder's ops with their GFLOP/s against the cores' measured peak */
      g_assert_cmpint (json_object_get_int_member (root, "threads"), ==, 1);
      g_assert_cmpfloat (json_object_get_double_member (root, "peak_gflops"), >, 0);
      g_assert_cmpint (json_object_get_int_member (root, "vision_layers"), ==, 4);
      {
        JsonArray *ops = json_object_get_array_member (root, "ops");
        gboolean gemm = FALSE;

        g_assert_cmpuint (json_array_get_length (ops), >, 0);
        for (guint i = 0; i < json_array_get_length (ops); i++)
          {
            JsonObject *op = json_array_get_object_element (ops, i);

            g_assert_cmpstr (json_object_get_string_member (op, "scope"), ==, "encoder");
            g_assert_cmpfloat (json_object_get_double_member (op, "gflops"), >=, 0);
            gemm |= json_object_get_double_member (op, "gflops") > 0;
          }
        g_assert_true (gemm);
      }
      stages = json_object_get_object_member (root, "stages_ms");
      g_assert_true (json_object_has_member (stages, "encoder layers"));
      g_assert_true (json_object_has_member (stages, "two-way transformer"));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = fixture_path ("tiny-f32");

  g_test_init (&argc, &argv, NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      if (g_getenv ("CI") != NULL)
        g_error ("SAM fixture not found under $PM_SHARED_DIR");
      g_test_skip ("SAM fixture not found (../shared/data/sam-fixture)");
      return g_test_run ();
    }
  g_test_add_func ("/cli/segment/single", test_single);
  g_test_add_func ("/cli/segment/multimask", test_multimask);
  g_test_add_func ("/cli/segment/refusals", test_refusals);
  g_test_add_func ("/cli/segment/bench-json", test_bench_json);
  return g_test_run ();
}
