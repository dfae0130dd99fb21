/* test-sam.c: the SAM forward pass against Meta's predictor on the reference fixture
 * (../shared/data/sam-fixture), configuration defaults, loading errors and prompt checks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-glib/json-glib.h>

#include <glib/gstdio.h>

#include "pm-cpu.h"
#include "pm-npy.h"
#include "pm-ops.h"
#include "pm-safetensors.h"
#include "pm-sam.h"
#include "pm-test-util.h"

/* Tolerances of issue 11 against the float32 PyTorch reference. */
#define TOL_LOGITS_F32 1e-4
#define TOL_LOGITS_F16 1e-3
#define TOL_IOU        1e-4
#define TOL_EMBED      1e-4
#define MIN_MASK_IOU   0.995

typedef struct {
  char       *name;
  char       *model;
  char       *image;
  PmSamPoint  points[PM_SAM_MAX_POINTS];
  int         n_points;
  gboolean    has_box;
  float       box[4];
  gboolean    multimask;
} Case;

static GPtrArray *cases;

static char *
fixture_path (const char *rel)
{
  g_autofree char *p = g_build_filename ("data", "sam-fixture", rel, NULL);
  return pm_test_shared_path (p);
}

static void
case_free (gpointer p)
{
  Case *c = p;
  g_free (c->name);
  g_free (c->model);
  g_free (c->image);
  g_free (c);
}

static gboolean
load_cases (void)
{
  g_autofree char *path = fixture_path ("cases.tsv");
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  cases = g_ptr_array_new_with_free_func (case_free);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (int i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], "\t", -1);
      g_auto(GStrv) pts = NULL;
      Case *c;

      if (g_strv_length (f) < 6)
        continue;
      c = g_new0 (Case, 1);
      c->name = g_strdup (f[0]);
      c->model = g_strdup (f[1]);
      c->image = g_strdup (f[2]);
      pts = g_strsplit (f[3], ";", -1);
      for (int j = 0; pts[j] != NULL && pts[j][0] != '\0'; j++)
        {
          g_auto(GStrv) v = g_strsplit (pts[j], ",", -1);
          g_assert_cmpint (g_strv_length (v), ==, 3);
          c->points[c->n_points].x = (float) g_ascii_strtod (v[0], NULL);
          c->points[c->n_points].y = (float) g_ascii_strtod (v[1], NULL);
          c->points[c->n_points].label = (int) g_ascii_strtoll (v[2], NULL, 10);
          c->n_points++;
        }
      if (f[4][0] != '\0')
        {
          g_auto(GStrv) v = g_strsplit (f[4], ",", -1);
          g_assert_cmpint (g_strv_length (v), ==, 4);
          for (int j = 0; j < 4; j++)
            c->box[j] = (float) g_ascii_strtod (v[j], NULL);
          c->has_box = TRUE;
        }
      c->multimask = g_ascii_strtoll (f[5], NULL, 10) == 1;
      g_ptr_array_add (cases, c);
    }
  return cases->len > 0;
}

static float *
load_npy (const char *rel,
          int        *n_dims,
          gint64     *shape)
{
  g_autofree char *path = fixture_path (rel);
  g_autoptr(GError) error = NULL;
  float *d = pm_npy_load (path, n_dims, shape, &error);

  g_assert_no_error (error);
  return d;
}

/* The boolean masks file ([N, H, W] of '|b1'), read by hand: pm-npy reads float32 only. */
static guint8 *
load_bool_npy (const char *rel,
               gint64     *numel)
{
  g_autofree char *path = fixture_path (rel);
  g_autofree char *data = NULL;
  gsize len;
  guint16 hlen;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpint (len, >, 10);
  g_assert_true (memcmp (data, "\x93NUMPY\x01\x00", 8) == 0);
  memcpy (&hlen, data + 8, 2);
  g_assert_nonnull (g_strstr_len (data + 10, hlen, "'|b1'"));
  *numel = (gint64) (len - 10 - hlen);
  return g_memdup2 (data + 10 + hlen, len - 10 - hlen);
}

static PmSam *
load_model (const char *name)
{
  g_autofree char *dir = fixture_path (name);
  g_autoptr(GError) error = NULL;
  PmSam *m = pm_sam_load (dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

static PmImage *
load_image (const char *rel)
{
  g_autofree char *path = fixture_path (rel);
  g_autoptr(GError) error = NULL;
  PmImage *img = pm_image_load (path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);

  g_assert_no_error (error);
  return img;
}

static PmSamEmbedding *
encode (PmSam         *m,
        const PmImage *img)
{
  int s = pm_sam_get_input_size (m);
  g_autofree float *pixels = g_new (float, (gsize) 3 * s * s);
  g_autoptr(GError) error = NULL;
  PmSamEmbedding *e;

  g_assert_true (pm_sam_preprocess (m, img, pixels, &error));
  e = pm_sam_encode_image (m, pixels, img->width, img->height, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (e);
  return e;
}

static double
mask_iou (const PmMask *got,
          const guint8 *want)
{
  gsize inter = 0, uni = 0;

  for (gsize i = 0; i < (gsize) got->width * got->height; i++)
    {
      gboolean a = got->data[i] > 0.5f, b = want[i] != 0;
      inter += a && b;
      uni += a || b;
    }
  return uni == 0 ? 1.0 : (double) inter / uni;
}

/* One fixture case end to end: image → embedding → prompt → logits, IoU, masks. */
static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(PmSam) m = load_model (c->model);
  g_autoptr(PmImage) img = load_image (c->image);
  g_autoptr(PmSamEmbedding) e = encode (m, img);
  g_autoptr(GError) error = NULL;
  g_autofree char *rel = NULL;
  g_autofree float *lowres = NULL, *iou = NULL, *want_lowres = NULL, *want_iou = NULL;
  g_autofree guint8 *want_masks = NULL;
  PmSamPrompt prompt = { c->points, c->n_points, c->has_box, { 0 }, c->multimask };
  gboolean f16 = strstr (c->model, "f16") != NULL;
  int nd, n, l = pm_sam_get_lowres_size (m);
  gint64 shape[PM_NPY_MAX_DIMS], numel;
  double d;

  memcpy (prompt.box, c->box, sizeof prompt.box);
  n = pm_sam_get_n_masks (m, c->multimask);
  lowres = g_new (float, (gsize) n * l * l);
  iou = g_new (float, n);
  g_assert_true (pm_sam_decode (m, e, &prompt, lowres, iou, NULL, NULL, &error));
  g_assert_no_error (error);

  rel = g_strdup_printf ("expected/%s_embed.npy", c->name);
  {
    g_autofree char *path = fixture_path (rel);
    if (g_file_test (path, G_FILE_TEST_EXISTS))
      {
        g_autofree float *want = load_npy (rel, &nd, shape);
        const PmTensor *t = pm_sam_embedding_get_tensor (e);

        g_assert_cmpint (pm_tensor_numel (t), ==, shape[0] * shape[1] * shape[2]);
        d = pm_tensor_max_abs_diff (t->data, want, pm_tensor_numel (t));
        g_test_message ("%s: embedding max |Δ| %.3g", c->name, d);
        g_assert_cmpfloat (d, <=, TOL_EMBED);
      }
  }

  g_free (rel);
  rel = g_strdup_printf ("expected/%s_lowres.npy", c->name);
  want_lowres = load_npy (rel, &nd, shape);
  g_assert_cmpint (nd, ==, 3);
  g_assert_cmpint (shape[0], ==, n);
  g_assert_cmpint (shape[1], ==, l);
  d = pm_tensor_max_abs_diff (lowres, want_lowres, (gsize) n * l * l);
  g_test_message ("%s: low-res logits max |Δ| %.3g (%s)", c->name, d, f16 ? "f16" : "f32");
  g_assert_cmpfloat (d, <=, f16 ? TOL_LOGITS_F16 : TOL_LOGITS_F32);

  g_free (rel);
  rel = g_strdup_printf ("expected/%s_iou.npy", c->name);
  want_iou = load_npy (rel, &nd, shape);
  g_assert_cmpint (shape[0], ==, n);
  d = pm_tensor_max_abs_diff (iou, want_iou, n);
  g_test_message ("%s: IoU predictions max |Δ| %.3g", c->name, d);
  g_assert_cmpfloat (d, <=, TOL_IOU);

  g_free (rel);
  rel = g_strdup_printf ("expected/%s_masks.npy", c->name);
  want_masks = load_bool_npy (rel, &numel);
  g_assert_cmpint (numel, ==, (gint64) n * img->width * img->height);
  for (int i = 0; i < n; i++)
    {
      g_autoptr(PmMask) mask = pm_sam_logits_to_mask (m, lowres + (gsize) i * l * l,
                                                      img->width, img->height, NULL);
      double v = mask_iou (mask, want_masks + (gsize) i * img->width * img->height);

      g_test_message ("%s: mask %d IoU with Meta's %.5f", c->name, i, v);
      g_assert_cmpfloat (v, >=, MIN_MASK_IOU);
    }
}

/* ---------------------------------------------------------------------------------------
 * Configuration, loading errors, prompt checks
 * ------------------------------------------------------------------------------------- */

static void
test_config_defaults (void)
{
  g_autofree char *dir = fixture_path ("tiny-f32");
  g_autoptr(GError) error = NULL;
  PmSamConfig c;

  /* the fixture's config states only the vision widths: the rest is Hugging Face's */
  g_assert_true (pm_sam_config_load_dir (&c, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.vision.hidden_size, ==, 48);
  g_assert_cmpint (c.vision.mlp_dim, ==, 136);
  g_assert_cmpint (c.vision.n_global, ==, 2);
  g_assert_true (pm_sam_config_is_global (&c, 1) && pm_sam_config_is_global (&c, 3));
  g_assert_false (pm_sam_config_is_global (&c, 0) || pm_sam_config_is_global (&c, 2));
  g_assert_cmpint (c.vision.window_size, ==, 14);
  g_assert_cmpint (c.vision.output_channels, ==, 256);
  g_assert_cmpint (c.vision.num_pos_feats, ==, 128);
  g_assert_cmpint (pm_sam_config_get_grid (&c), ==, 64);
  g_assert_cmpfloat (c.vision.layer_norm_eps, ==, 1e-6);
  g_assert_cmpint (c.decoder.mlp_dim, ==, 2048);
  g_assert_cmpint (c.decoder.num_attention_heads, ==, 8);
  g_assert_cmpint (c.decoder.num_multimask_outputs, ==, 3);
  g_assert_cmpint (c.decoder.iou_head_depth, ==, 3);
  g_assert_cmpstr (c.decoder.hidden_act, ==, "relu");
  g_assert_cmpint (c.prompt.num_point_embeddings, ==, 4);
  g_assert_cmpint (c.longest_edge, ==, 1024);
  g_assert_cmpfloat_with_epsilon (c.image_std[2], 0.225, 1e-12);

  /* nothing but the model type: a ViT-B-sized encoder, mlp_dim from mlp_ratio */
  g_assert_true (pm_sam_config_load_data (&c, "{\"model_type\": \"sam\"}", -1, NULL, 0, "x",
                                          &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.vision.hidden_size, ==, 768);
  g_assert_cmpint (c.vision.mlp_dim, ==, 3072);
  g_assert_cmpint (c.vision.global_attn_indexes[3], ==, 11);
  g_assert_true (pm_sam_config_load_data (&c, "{\"vision_config\": {\"hidden_size\": 168, "
                                          "\"mlp_ratio\": 2.0}}", -1, NULL, 0, "x", &error));
  g_assert_cmpint (c.vision.mlp_dim, ==, 336);
}

static void
expect_config_error (const char *json,
                     int         code,
                     const char *needle)
{
  g_autoptr(GError) error = NULL;
  PmSamConfig c;

  g_assert_false (pm_sam_config_load_data (&c, json, -1, NULL, 0, "dir", &error));
  g_assert_error (error, PM_SAM_CONFIG_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, needle));
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_config_errors (void)
{
  const int A = PM_SAM_CONFIG_ERROR_ARCHITECTURE, P = PM_SAM_CONFIG_ERROR_PARSE;
  const int I = PM_SAM_CONFIG_ERROR_INVALID;

  expect_config_error ("{\"architectures\": [\"CLIPSegForImageSegmentation\"], "
                       "\"model_type\": \"clipseg\"}", A, "CLIPSegForImageSegmentation");
  expect_config_error ("{\"model_type\": \"sam_hq\"}", A, "sam_hq");
  expect_config_error ("not json", P, "config.json");
  expect_config_error ("{\"vision_config\": 3}", P, "vision_config");
  expect_config_error ("{\"vision_config\": {\"hidden_size\": \"big\"}}", P,
                       "vision_config.hidden_size");
  expect_config_error ("{\"vision_config\": {\"hidden_size\": 100}}", I, "heads");
  expect_config_error ("{\"vision_config\": {\"output_channels\": 128}}", I, "widths disagree");
  expect_config_error ("{\"vision_config\": {\"global_attn_indexes\": [2, 12]}}", I, "12");
  expect_config_error ("{\"vision_config\": {\"patch_size\": 15}}", I, "patch_size");
  expect_config_error ("{\"vision_config\": {\"hidden_act\": \"swish\"}}", I, "swish");
  expect_config_error ("{\"mask_decoder_config\": {\"attention_downsample_rate\": 3}}", I,
                       "downsample");
  expect_config_error ("{\"prompt_encoder_config\": {\"image_size\": 512}}", I, "grid");
}

/* A copy of the tiny model whose config.json is replaced by @config. */
static char *
model_with_config (const char *config)
{
  g_autofree char *src = fixture_path ("tiny-f32/model.safetensors");
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *cfg = g_build_filename (dir, "config.json", NULL);
  g_autofree char *dst = g_build_filename (dir, "model.safetensors", NULL);

  g_assert_true (g_file_set_contents (cfg, config, -1, NULL));
  /* A copy, not a link: a model folder's links may not lead out of it. */
  {
    g_autofree char *weights = NULL;
    gsize len;
    g_assert_true (g_file_get_contents (src, &weights, &len, NULL));
    g_assert_true (g_file_set_contents (dst, weights, len, NULL));
  }
  return g_steal_pointer (&dir);
}

static void
test_load_errors (void)
{
  const char *wrong_width = "{\"model_type\": \"sam\", \"vision_config\": {\"hidden_size\": 64, "
                            "\"mlp_dim\": 136, \"num_hidden_layers\": 4, \"num_attention_heads\": 4, "
                            "\"global_attn_indexes\": [1, 3]}}";
  const char *more_layers = "{\"model_type\": \"sam\", \"vision_config\": {\"hidden_size\": 48, "
                            "\"mlp_dim\": 136, \"num_hidden_layers\": 5, \"num_attention_heads\": 4, "
                            "\"global_attn_indexes\": [1, 3]}}";
  const char *cases_[][2] = {
    { wrong_width, "has shape [48, 3, 16, 16], expected [64, 3, 16, 16]" },
    { more_layers, "vision_encoder.layers.4.layer_norm1.weight" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases_); i++)
    {
      g_autofree char *dir = model_with_config (cases_[i][0]);
      g_autoptr(GError) error = NULL;
      g_autoptr(PmSam) m = pm_sam_load (dir, &error);

      g_assert_null (m);
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases_[i][1]));
      pm_test_rmdir (dir);
    }
  {
    /* a CLIPSeg checkpoint is refused by its config, before any tensor is read */
    g_autofree char *clipseg = pm_test_shared_path ("data/clipseg-fixture/tiny-f32");
    g_autoptr(GError) error = NULL;
    g_autoptr(PmSam) m = NULL;

    if (g_file_test (clipseg, G_FILE_TEST_IS_DIR))
      {
        m = pm_sam_load (clipseg, &error);
        g_assert_null (m);
        g_assert_error (error, PM_SAM_CONFIG_ERROR, PM_SAM_CONFIG_ERROR_ARCHITECTURE);
      }
  }
}

/* ---------------------------------------------------------------------------------------
 * Relative-position tables of another length than 2·side − 1 (a checkpoint trained at
 * another input size) are resampled at load like F.interpolate (linear, align_corners=False)
 * ------------------------------------------------------------------------------------- */

typedef struct {
  const char  *name;
  const float *data;
  gint64       rows, cols;
} Replacement;

/* A copy of the tiny model with the tensors of @repl replaced (F32, new shapes). */
static char *
model_with_tensors (const Replacement *repl,
                    guint              n_repl)
{
  g_autofree char *src = fixture_path ("tiny-f32/model.safetensors");
  g_autofree char *cfg_src = fixture_path ("tiny-f32/config.json");
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *cfg = g_build_filename (dir, "config.json", NULL);
  g_autofree char *dst = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *data = NULL, *header = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GByteArray) file = g_byte_array_new ();
  g_autoptr(GList) names = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *in;
  gsize len, hlen;
  guint64 n;

  g_assert_true (g_file_get_contents (src, &data, &len, NULL));
  memcpy (&n, data, 8);
  g_assert_true (json_parser_load_from_data (parser, data + 8, (gssize) n, &error));
  g_assert_no_error (error);
  in = json_node_get_object (json_parser_get_root (parser));
  names = json_object_get_members (in);
  json_builder_begin_object (b);
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonObject *t;
      JsonArray *off;
      const Replacement *r = NULL;
      gsize start = body->len;

      if (g_str_equal (name, "__metadata__"))
        continue;
      t = json_object_get_object_member (in, name);
      for (guint i = 0; i < n_repl; i++)
        if (g_str_equal (repl[i].name, name))
          r = &repl[i];
      json_builder_set_member_name (b, name);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "dtype");
      json_builder_add_string_value (b, r != NULL ? "F32" : json_object_get_string_member (t, "dtype"));
      json_builder_set_member_name (b, "shape");
      json_builder_begin_array (b);
      if (r != NULL)
        {
          json_builder_add_int_value (b, r->rows);
          json_builder_add_int_value (b, r->cols);
          g_byte_array_append (body, (const guint8 *) r->data,
                               (guint) (r->rows * r->cols * sizeof (float)));
        }
      else
        {
          JsonArray *shape = json_object_get_array_member (t, "shape");

          for (guint d = 0; d < json_array_get_length (shape); d++)
            json_builder_add_int_value (b, json_array_get_int_element (shape, d));
          off = json_object_get_array_member (t, "data_offsets");
          g_byte_array_append (body, (const guint8 *) data + 8 + n +
                                     json_array_get_int_element (off, 0),
                               (guint) (json_array_get_int_element (off, 1) -
                                        json_array_get_int_element (off, 0)));
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "data_offsets");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, (gint64) start);
      json_builder_add_int_value (b, (gint64) body->len);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  json_generator_set_root (gen, json_builder_get_root (b));
  header = json_generator_to_data (gen, &hlen);
  n = (hlen + 7) / 8 * 8;
  g_byte_array_append (file, (const guint8 *) &n, 8);
  g_byte_array_append (file, (const guint8 *) header, (guint) hlen);
  for (gsize i = hlen; i < n; i++)
    g_byte_array_append (file, (const guint8 *) " ", 1);
  g_byte_array_append (file, body->data, body->len);
  g_assert_true (g_file_set_contents (dst, (const char *) file->data, file->len, NULL));
  /* A copy, not a link: a model folder's links may not lead out of it. */
  {
    g_autofree char *text = NULL;
    gsize len;
    g_assert_true (g_file_get_contents (cfg_src, &text, &len, NULL));
    g_assert_true (g_file_set_contents (cfg, text, len, NULL));
  }
  return g_steal_pointer (&dir);
}

/* out[j] for j < @want from in[0…len): linear, align_corners=False, as PyTorch computes it
 * (source index (j + ½)·len/want − ½, clamped at 0), one column of a [len, cols] table;
 * with @align_corners the other convention (j·(len − 1)/(want − 1)), to show it differs. */
static void
resample_rows (float       *out,
               const float *in,
               gint64       len,
               gint64       want,
               gint64       cols,
               gboolean     align_corners)
{
  for (gint64 j = 0; j < want; j++)
    {
      double src = align_corners ? (double) j * (len - 1) / (want - 1)
                                 : MAX ((j + 0.5) * len / want - 0.5, 0.0);
      gint64 i0 = MIN ((gint64) src, len - 1), i1 = MIN (i0 + 1, len - 1);
      double f = src - i0;

      for (gint64 c = 0; c < cols; c++)
        out[j * cols + c] = (float) ((1 - f) * in[i0 * cols + c] + f * in[i1 * cols + c]);
    }
}

static void
test_rel_pos_resampled (void)
{
  /* layer 0 is windowed (14 × 14: tables of 27 rows), layer 1 global (64 × 64: 127 rows) */
  const char *names[] = { "vision_encoder.layers.0.attn.rel_pos_h",
                          "vision_encoder.layers.0.attn.rel_pos_w",
                          "vision_encoder.layers.1.attn.rel_pos_h",
                          "vision_encoder.layers.1.attn.rel_pos_w" };
  const gint64 short_len[] = { 15, 15, 200, 63 }, want_len[] = { 27, 27, 127, 127 }, hd = 12;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(PmImage) img = load_image ("images/synthetic.png");
  g_autoptr(PmSam) plain = load_model ("tiny-f32");
  g_autoptr(PmSamEmbedding) e0 = encode (plain, img);
  Replacement given[4], resampled[4], corners[4];
  float *tables[12];
  g_autofree char *dir_a = NULL, *dir_b = NULL, *dir_c = NULL;
  double d;

  for (int i = 0; i < 4; i++)
    {
      tables[i] = g_new (float, short_len[i] * hd);
      tables[4 + i] = g_new (float, want_len[i] * hd);
      tables[8 + i] = g_new (float, want_len[i] * hd);
      for (gint64 j = 0; j < short_len[i] * hd; j++)
        tables[i][j] = (float) g_rand_double_range (rand, -1.5, 1.5);
      resample_rows (tables[4 + i], tables[i], short_len[i], want_len[i], hd, FALSE);
      resample_rows (tables[8 + i], tables[i], short_len[i], want_len[i], hd, TRUE);
      given[i] = (Replacement) { names[i], tables[i], short_len[i], hd };
      resampled[i] = (Replacement) { names[i], tables[4 + i], want_len[i], hd };
      corners[i] = (Replacement) { names[i], tables[8 + i], want_len[i], hd };
    }
  dir_a = model_with_tensors (given, 4);
  dir_b = model_with_tensors (resampled, 4);
  dir_c = model_with_tensors (corners, 4);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(PmSam) a = pm_sam_load (dir_a, &error);
    g_autoptr(PmSam) b = NULL;
    g_autoptr(PmSamEmbedding) ea = NULL, eb = NULL;
    const PmTensor *ta, *tb;

    g_assert_no_error (error);
    b = pm_sam_load (dir_b, &error);
    g_assert_no_error (error);
    ea = encode (a, img);
    eb = encode (b, img);
    ta = pm_sam_embedding_get_tensor (ea);
    tb = pm_sam_embedding_get_tensor (eb);
    d = pm_tensor_max_abs_diff (ta->data, tb->data, pm_tensor_numel (ta));
    g_test_message ("tables given short vs resampled here: embedding max |Δ| %.3g", d);
    g_assert_cmpfloat (d, <=, 1e-4);   /* measured 2.3e-5: float rounding of the tables */
    /* the other resampling convention gives another embedding */
    {
      g_autoptr(PmSam) c = pm_sam_load (dir_c, &error);
      g_autoptr(PmSamEmbedding) ec = NULL;

      g_assert_no_error (error);
      ec = encode (c, img);
      d = pm_tensor_max_abs_diff (ta->data, pm_sam_embedding_get_tensor (ec)->data,
                                  pm_tensor_numel (ta));
      g_test_message ("against align_corners=True tables: max |Δ| %.3g", d);
      g_assert_cmpfloat (d, >, 1e-3);
    }
    /* the tables matter: the fixture's own give another embedding */
    d = pm_tensor_max_abs_diff (ta->data, pm_sam_embedding_get_tensor (e0)->data,
                                pm_tensor_numel (ta));
    g_test_message ("against the fixture's tables: max |Δ| %.3g", d);
    g_assert_cmpfloat (d, >, 1e-3);
  }
  for (int i = 0; i < 12; i++)
    g_free (tables[i]);
  pm_test_rmdir (dir_a);
  pm_test_rmdir (dir_b);
  pm_test_rmdir (dir_c);
}

static void
expect_prompt_error (const PmSamPrompt *p,
                     const char        *needle)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (pm_sam_prompt_check (p, 500, 336, &error));
  g_assert_error (error, PM_SAM_ERROR, PM_SAM_ERROR_INPUT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, needle));
}

static void
test_prompt_check (void)
{
  PmSamPoint inside = { 499, 335, 1 }, outside = { 500, 10, 1 }, neg = { -1, 10, 0 };
  PmSamPoint bad_label = { 10, 10, 2 };
  PmSamPrompt p = { &inside, 1, FALSE, { 0 }, FALSE };
  PmSamPrompt box = { NULL, 0, TRUE, { 10, 20, 300, 200 }, TRUE };
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_sam_prompt_check (&p, 500, 336, &error));
  g_assert_true (pm_sam_prompt_check (&box, 500, 336, &error));
  box.box[2] = 500;
  box.box[3] = 336;   /* the far edges are inside */
  g_assert_true (pm_sam_prompt_check (&box, 500, 336, &error));
  g_assert_no_error (error);

  p.points = &outside;
  expect_prompt_error (&p, "outside");
  p.points = &neg;
  expect_prompt_error (&p, "outside");
  p.points = &bad_label;
  expect_prompt_error (&p, "label 2");
  p.n_points = 0;
  expect_prompt_error (&p, "no point and no box");
  box.box[2] = 5;
  expect_prompt_error (&box, "x1 < x0");
  box.box[2] = 10;
  expect_prompt_error (&box, "empty");
  box.box[2] = 501;
  expect_prompt_error (&box, "outside");
}

/* A prompt outside the image is refused by pm_sam_decode too, before any work. */
static void
test_decode_refuses (void)
{
  g_autoptr(PmSam) m = load_model ("tiny-f32");
  g_autoptr(PmImage) img = load_image ("images/synthetic.png");
  g_autoptr(PmSamEmbedding) e = encode (m, img);
  PmSamPoint far = { 10, 400, 1 };
  PmSamPrompt p = { &far, 1, FALSE, { 0 }, FALSE };
  g_autofree float *lowres = g_new (float, 256 * 256);
  float iou;
  g_autoptr(GError) error = NULL;

  g_assert_false (pm_sam_decode (m, e, &p, lowres, &iou, NULL, NULL, &error));
  g_assert_error (error, PM_SAM_ERROR, PM_SAM_ERROR_INPUT);
}

/* ---------------------------------------------------------------------------------------
 * Full-size model: SlimSAM-77's dimensions with random F16 weights and the outputs of
 * tests/fixtures/sam_reference.py, generated once per build directory.
 * ------------------------------------------------------------------------------------- */

/* Measured: embedding 4e-6, logits 2e-5 (values up to 5), IoU 1e-6. */
#define TOL_FULL_EMBED  1e-4
#define TOL_FULL_LOGITS 5e-4
#define TOL_FULL_IOU    1e-4

static char *
ensure_full_model (void)
{
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  g_autofree char *script = pm_test_source_path ("tests/fixtures/make-sam-full-model.py");
  g_autofree char *refpy = pm_test_source_path ("tests/fixtures/sam_reference.py");
  g_autofree char *image = fixture_path ("images/cat.jpg");
  g_autofree char *t1 = NULL, *t2 = NULL, *sum = NULL, *stamp_text = NULL, *stamp = NULL;
  g_autoptr(GError) error = NULL;
  char *dir;
  int status = 0;

  if (!g_file_get_contents (script, &t1, NULL, NULL) ||
      !g_file_get_contents (refpy, &t2, NULL, NULL) ||
      !g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    return NULL;
  {
    g_autofree char *both = g_strconcat (t1, t2, NULL);
    sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, both, -1);
  }
  dir = g_build_filename (builddir != NULL ? builddir : g_get_tmp_dir (), "sam-full-f16", NULL);
  stamp = g_build_filename (dir, "stamp", NULL);
  if (g_file_get_contents (stamp, &stamp_text, NULL, NULL) && g_str_equal (stamp_text, sum))
    return dir;
  {
    const char *argv[] = { "/usr/bin/python3", script, dir, "--dtype", "F16", "--reference",
                           image, NULL };
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                  &error);
  }
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_free (dir);
      return NULL;
    }
  g_assert_true (g_file_set_contents (stamp, sum, -1, NULL));
  return dir;
}

static float *
load_full_npy (const char *dir,
               const char *name,
               gint64     *numel)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  gint64 shape[PM_NPY_MAX_DIMS];
  int nd;
  float *d = pm_npy_load (path, &nd, shape, &error);

  g_assert_no_error (error);
  *numel = 1;
  for (int i = 0; i < nd; i++)
    *numel *= shape[i];
  return d;
}

static void
test_full_size (void)
{
  g_autofree char *dir = ensure_full_model ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSam) m = NULL;
  g_autoptr(PmImage) img = NULL;
  g_autoptr(PmSamEmbedding) e = NULL;
  g_autofree float *want = NULL;
  const PmTensor *t;
  PmSamPoint pts_a[] = { { 250, 170, 1 }, { 60, 40, 0 } }, pts_b[] = { { 150, 150, 1 } };
  PmSamPrompt prompts[] = {
    { pts_a, 2, FALSE, { 0 }, FALSE },
    { pts_b, 1, TRUE, { 40, 60, 300, 280 }, TRUE },
  };
  const char *names[] = { "point", "box" };
  gint64 numel;
  double d, t0;

  if (dir == NULL)
    {
      if (g_getenv ("CI") != NULL)
        g_error ("cannot generate the full-size SAM model (needs /usr/bin/python3 + torch)");
      g_test_skip ("cannot generate the full-size SAM model (needs /usr/bin/python3 + torch)");
      return;
    }
  m = pm_sam_load (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_sam_get_config (m)->vision.hidden_size, ==, 168);
  g_assert_cmpint (pm_sam_get_config (m)->vision.num_attention_heads, ==, 12);
  img = load_image ("images/cat.jpg");
  t0 = g_get_monotonic_time ();
  e = encode (m, img);
  g_test_message ("full-size encode %.0f ms", (g_get_monotonic_time () - t0) / 1000.0);

  want = load_full_npy (dir, "ref-embed.npy", &numel);
  t = pm_sam_embedding_get_tensor (e);
  g_assert_cmpint (numel, ==, pm_tensor_numel (t));
  d = pm_tensor_max_abs_diff (t->data, want, numel);
  g_test_message ("full-size embedding max |Δ| %.3g, normalised %.3g", d,
                  pm_tensor_nrmse (t->data, want, numel));
  g_assert_cmpfloat (d, <=, TOL_FULL_EMBED);

  for (guint i = 0; i < G_N_ELEMENTS (prompts); i++)
    {
      int n = pm_sam_get_n_masks (m, prompts[i].multimask), l = pm_sam_get_lowres_size (m);
      g_autofree float *lowres = g_new (float, (gsize) n * l * l);
      g_autofree float *iou = g_new (float, n);
      g_autofree char *f1 = g_strdup_printf ("ref-%s-lowres.npy", names[i]);
      g_autofree char *f2 = g_strdup_printf ("ref-%s-iou.npy", names[i]);
      g_autofree float *wl = load_full_npy (dir, f1, &numel);
      g_autofree float *wi = NULL;

      t0 = g_get_monotonic_time ();
      g_assert_true (pm_sam_decode (m, e, &prompts[i], lowres, iou, NULL, NULL, &error));
      g_test_message ("full-size %s prompt %.1f ms", names[i],
                      (g_get_monotonic_time () - t0) / 1000.0);
      g_assert_cmpint (numel, ==, (gint64) n * l * l);
      d = pm_tensor_max_abs_diff (lowres, wl, numel);
      g_test_message ("full-size %s: logits max |Δ| %.3g", names[i], d);
      g_assert_cmpfloat (d, <=, TOL_FULL_LOGITS);
      wi = load_full_npy (dir, f2, &numel);
      g_assert_cmpint (numel, ==, n);
      d = pm_tensor_max_abs_diff (iou, wi, n);
      g_test_message ("full-size %s: IoU max |Δ| %.3g", names[i], d);
      g_assert_cmpfloat (d, <=, TOL_FULL_IOU);
    }

  /* The fast precision (bf16 where the CPU has it) against the reference: the masks
   * (logits > 0) agree to IoU ≥ 0.99, the bound the speed work promises. */
  {
    g_autoptr(PmSam) fast = pm_sam_load_with_precision (dir, PM_PRECISION_AUTO, &error);
    g_autoptr(PmSamEmbedding) fe = NULL;

    g_assert_no_error (error);
    fe = encode (fast, img);
    t = pm_sam_embedding_get_tensor (fe);
    want = (g_free (want), load_full_npy (dir, "ref-embed.npy", &numel));
    g_test_message ("full-size embedding, %s: normalised error %.3g",
                    pm_precision_to_string (pm_sam_get_precision (fast)),
                    pm_tensor_nrmse (t->data, want, numel));
    g_assert_cmpfloat (pm_tensor_nrmse (t->data, want, numel), <=, 0.01);   /* measured 0.0066 */
    for (guint i = 0; i < G_N_ELEMENTS (prompts); i++)
      {
        int n = pm_sam_get_n_masks (fast, prompts[i].multimask), l = pm_sam_get_lowres_size (fast);
        g_autofree float *lowres = g_new (float, (gsize) n * l * l);
        g_autofree float *iou = g_new (float, n);
        g_autofree char *f1 = g_strdup_printf ("ref-%s-lowres.npy", names[i]);
        g_autofree float *wl = load_full_npy (dir, f1, &numel);
        double inter = 0, uni = 0;

        g_assert_true (pm_sam_decode (fast, fe, &prompts[i], lowres, iou, NULL, NULL, &error));
        for (gint64 j = 0; j < numel; j++)
          {
            gboolean a = lowres[j] > 0, b = wl[j] > 0;
            inter += a && b;
            uni += a || b;
          }
        g_test_message ("full-size %s, %s: mask IoU with the reference %.5f", names[i],
                        pm_precision_to_string (pm_sam_get_precision (fast)),
                        uni > 0 ? inter / uni : 1.0);
        g_assert_cmpfloat (uni > 0 ? inter / uni : 1.0, >=, 0.99);
      }
  }
}

/* ---------------------------------------------------------------------------------------
 * Background packing: the load returns while a thread packs the weights; the encoder
 * waits stage by stage, freeing the model mid-packing is safe, and once a stage is packed
 * the mapped f32 pages it copied leave the resident set (read again from the file if
 * touched), which changes no result.
 * ------------------------------------------------------------------------------------- */

static void
test_background_packing (void)
{
  g_autofree char *dir = fixture_path ("tiny-f32");
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *weights = realpath (path, NULL);   /* as /proc/self/smaps names it */
  g_autoptr(PmImage) img = load_image ("images/cat.jpg");
  g_autoptr(PmSamEmbedding) want = NULL;
  g_autoptr(GError) error = NULL;
  const PmTensor *t;

  /* freed at once, packing under way (in both precisions) */
  for (int i = 0; i < 4; i++)
    {
      g_autoptr(PmSam) m = pm_sam_load_with_precision (dir, i % 2 ? PM_PRECISION_AUTO
                                                                   : PM_PRECISION_F32, &error);
      g_assert_no_error (error);
      if (i >= 2)
        g_assert_cmpfloat (pm_sam_get_pack_ms (m), >=, 0.0);
    }

  /* every stage packed and its pages released, then encoded … */
  {
    g_autoptr(PmSam) m = load_model ("tiny-f32");
    gint64 rss_kb, file_kb;

    g_assert_cmpfloat (pm_sam_get_pack_ms (m), >=, 0.0);
    rss_kb = pm_test_mapped_rss_kb (weights);
    {
      GStatBuf sb;
      g_assert_cmpint (g_stat (weights, &sb), ==, 0);
      file_kb = (gint64) sb.st_size / 1024;
    }
    g_test_message ("mapped weights resident after packing: %" G_GINT64_FORMAT " of %"
                    G_GINT64_FORMAT " kB", rss_kb, file_kb);
    if (pm_cpu_get_isa () != PM_ISA_GENERIC)
      {
        /* the encoder's Linear weights (neck 2.4 MB, patch 0.15 MB, layers 0.35 MB) less
         * the partial pages at their ends */
        g_assert_cmpint (rss_kb, >=, 0);
        g_assert_cmpint (rss_kb, <=, file_kb - 2700);
      }
    want = encode (m, img);
    /* the encoding reads the small tensors next to the released weights from copies, so
     * they stay out (a read fault may map a whole large page-cache folio) */
    rss_kb = pm_test_mapped_rss_kb (weights);
    g_test_message ("and after an encoding: %" G_GINT64_FORMAT " kB", rss_kb);
    if (pm_cpu_get_isa () != PM_ISA_GENERIC)
      g_assert_cmpint (rss_kb, <=, file_kb - 2700);
  }
  /* … gives the embedding bit for bit that an encode started at once (waiting for each
   * stage as packing goes on) gives */
  for (int i = 0; i < 2; i++)
    {
      g_autoptr(PmSam) m = load_model ("tiny-f32");
      g_autoptr(PmSamEmbedding) e = encode (m, img);

      t = pm_sam_embedding_get_tensor (e);
      g_assert_cmpmem (t->data, pm_tensor_numel (t) * sizeof (float),
                       pm_sam_embedding_get_tensor (want)->data, pm_tensor_numel (t) * sizeof (float));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  if (!load_cases ())
    {
      if (g_getenv ("CI") != NULL)
        g_error ("SAM fixture not found under $PM_SHARED_DIR");
      g_test_skip ("SAM fixture not found (../shared/data/sam-fixture)");
      return g_test_run ();
    }
  g_test_add_func ("/engine/sam/config-defaults", test_config_defaults);
  g_test_add_func ("/engine/sam/config-errors", test_config_errors);
  g_test_add_func ("/engine/sam/load-errors", test_load_errors);
  g_test_add_func ("/engine/sam/rel-pos-resampled", test_rel_pos_resampled);
  g_test_add_func ("/engine/sam/prompt-check", test_prompt_check);
  g_test_add_func ("/engine/sam/decode-refuses", test_decode_refuses);
  g_test_add_func ("/engine/sam/full-size", test_full_size);
  g_test_add_func ("/engine/sam/background-packing", test_background_packing);
  for (guint i = 0; i < cases->len; i++)
    {
      Case *c = g_ptr_array_index (cases, i);
      g_autofree char *path = g_strdup_printf ("/engine/sam/fixture/%s", c->name);
      g_test_add_data_func (path, c, test_case);
    }
  {
    int ret = g_test_run ();
    g_ptr_array_unref (cases);
    return ret;
  }
}
