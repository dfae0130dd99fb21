/* test-clipseg-engine.c: the clipseg engine's mechanics on the tiny random-weight fixture:
 * vision cache, several phrases per vision pass, component choice, refinement, progress,
 * cancellation, missing or broken models.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "pm-clipseg-engine.h"
#include "pm-model.h"
#include "pm-npy.h"
#include "pm-test-util.h"
#include "pm-engine-test-util.h"

#define FIXTURE "data/clipseg-fixture/"

static char *
fixture (const char *relative)
{
  g_autofree char *rel = g_build_filename ("data/clipseg-fixture", relative, NULL);
  return pm_test_shared_path (rel);
}

static PmEngine *
new_engine (const char *model)
{
  g_autofree char *dir = fixture (model);
  /* exact f32: these compare with the PyTorch reference */
  PmEngineOptions options = { .model_dir = dir, .threads = 1, .precision = PM_PRECISION_F32 };
  GError *error = NULL;
  PmEngine *engine = pm_engine_new ("clipseg", &options, &error);

  g_assert_no_error (error);
  g_assert_nonnull (engine);
  g_assert_cmpstr (pm_engine_get_name (engine), ==, "clipseg");
  return engine;
}

static void
assert_soft_mask (const PmMask *mask, const PmImage *image)
{
  g_assert_nonnull (mask);
  g_assert_cmpint (mask->width, ==, image->width);
  g_assert_cmpint (mask->height, ==, image->height);
  for (gsize i = 0; i < (gsize) mask->width * mask->height; i++)
    g_assert_true (mask->data[i] >= 0.f && mask->data[i] <= 1.f);
}

/* ---------------------------------------------------------------- model availability */

static void
test_missing_model (void)
{
  g_autofree char *tmp = pm_test_tmpdir ();
  g_autofree char *broken = g_build_filename (tmp, "broken", NULL);
  g_autofree char *config = g_build_filename (broken, "config.json", NULL);
  g_autofree char *src = fixture ("tiny-f32");
  const char *files[] = { "preprocessor_config.json", "vocab.json", "merges.txt",
                          "model.safetensors" };
  PmEngineOptions options = { 0 };
  GError *error = NULL;
  PmEngine *engine;

  /* Nothing installed under XDG_DATA_HOME. */
  g_setenv ("XDG_DATA_HOME", tmp, TRUE);
  engine = pm_engine_new ("clipseg", &options, &error);
  g_assert_null (engine);
  g_assert_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE);
  g_assert_cmpstr (error->message, ==,
                   "No CLIPSeg model installed; run 'paintmask model download'");
  g_clear_error (&error);
  g_unsetenv ("XDG_DATA_HOME");

  /* An explicit folder that does not exist. */
  options.model_dir = (char *) "/nonexistent/model";
  engine = pm_engine_new ("clipseg", &options, &error);
  g_assert_null (engine);
  g_assert_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "/nonexistent/model"));
  g_clear_error (&error);

  /* A complete folder with a broken config: MODEL, one line. */
  pm_test_copy_files (src, broken, files, G_N_ELEMENTS (files));
  g_file_set_contents (config, "{\"vision_config\": {\"num_attention_heads\": 0}}", -1, &error);
  g_assert_no_error (error);
  options.model_dir = broken;
  engine = pm_engine_new ("clipseg", &options, &error);
  g_assert_null (engine);
  g_assert_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_MODEL);
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);

  pm_test_rmdir (tmp);
}

/* ---------------------------------------------------------------- cache */

static void
test_cache (void)
{
  g_autoptr(PmEngine) engine = new_engine ("tiny-f32");
  g_autoptr(PmImage) image = pm_test_load_shared_image (FIXTURE "images/synthetic.png");
  g_autoptr(PmImage) cat = pm_test_load_shared_image (FIXTURE "images/cat.jpg");
  PmInstruction *first = pm_test_target_instruction_new ("a red circle", PM_POSITION_NONE,
                                                         PM_SIZE_RANK_NONE);
  PmInstruction *second = pm_test_target_instruction_new ("the blue square", PM_POSITION_NONE,
                                                          PM_SIZE_RANK_NONE);
  PmEngineResult r1 = { 0 }, r2 = { 0 }, r3 = { 0 }, r4 = { 0 };
  PmClipsegEngineStats stats;
  GError *error = NULL;

  g_assert_true (pm_engine_run (engine, image, first, NULL, NULL, NULL, &r1, &error));
  g_assert_no_error (error);
  assert_soft_mask (r1.soft_mask, image);
  g_assert_cmpstr (r1.model, ==, "tiny-f32");
  g_assert_cmpfloat (pm_timings_get (r1.timings, "vision encoder"), >, 0);
  pm_clipseg_engine_get_stats (engine, &stats);
  g_assert_cmpuint (stats.vision_runs, ==, 1);
  g_assert_cmpuint (stats.cache_hits, ==, 0);

  /* A second instruction on the same image only runs text + decoder. */
  g_assert_true (pm_engine_run (engine, image, second, NULL, NULL, NULL, &r2, &error));
  g_assert_no_error (error);
  pm_clipseg_engine_get_stats (engine, &stats);
  g_assert_cmpuint (stats.vision_runs, ==, 1);
  g_assert_cmpuint (stats.cache_hits, ==, 1);
  g_assert_cmpuint (stats.text_runs, ==, 2);
  g_assert_cmpuint (stats.decoder_runs, ==, 2);
  g_assert_cmpfloat (pm_timings_get (r2.timings, "vision encoder"), ==, 0);
  g_assert_cmpfloat (pm_timings_get (r2.timings, "text encoder"), >, 0);

  /* The cached path gives exactly what a fresh pass gives. */
  g_assert_true (pm_engine_run (engine, image, first, NULL, NULL, NULL, &r3, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (r1.soft_mask->data, sizeof (float) * image->width * image->height,
                   r3.soft_mask->data, sizeof (float) * image->width * image->height);

  /* Another image invalidates the cache; a copy of the first image hits it again. */
  g_assert_true (pm_engine_run (engine, cat, first, NULL, NULL, NULL, &r4, &error));
  g_assert_no_error (error);
  assert_soft_mask (r4.soft_mask, cat);
  pm_clipseg_engine_get_stats (engine, &stats);
  g_assert_cmpuint (stats.vision_runs, ==, 2);
  pm_engine_result_clear (&r4);
  {
    g_autoptr(PmImage) copy = pm_image_copy (cat);
    g_assert_true (pm_engine_run (engine, copy, second, NULL, NULL, NULL, &r4, &error));
    g_assert_no_error (error);
    pm_clipseg_engine_get_stats (engine, &stats);
    g_assert_cmpuint (stats.vision_runs, ==, 2);
    g_assert_cmpuint (stats.cache_hits, ==, 3);
  }
  /* One changed byte is another image. Two images stay cached (the one in use and the
   * next, see pm_engine_warm ()): the cat still hits, the first image, used least
   * recently, was evicted. */
  pm_engine_result_clear (&r4);
  {
    g_autoptr(PmImage) copy = pm_image_copy (cat);
    copy->data[(gsize) copy->width * copy->height * 2 + 1] ^= 1;
    g_assert_true (pm_engine_run (engine, copy, second, NULL, NULL, NULL, &r4, &error));
    g_assert_no_error (error);
    pm_clipseg_engine_get_stats (engine, &stats);
    g_assert_cmpuint (stats.vision_runs, ==, 3);
    pm_engine_result_clear (&r4);
    g_assert_true (pm_engine_run (engine, cat, second, NULL, NULL, NULL, &r4, &error));
    pm_clipseg_engine_get_stats (engine, &stats);
    g_assert_cmpuint (stats.vision_runs, ==, 3);
    g_assert_cmpuint (stats.cache_hits, ==, 4);
    pm_engine_result_clear (&r4);
    g_assert_true (pm_engine_run (engine, image, second, NULL, NULL, NULL, &r4, &error));
    pm_clipseg_engine_get_stats (engine, &stats);
    g_assert_cmpuint (stats.vision_runs, ==, 4);
  }
  pm_clipseg_engine_clear_cache (engine);
  pm_engine_result_clear (&r4);
  g_assert_true (pm_engine_run (engine, cat, second, NULL, NULL, NULL, &r4, &error));
  pm_clipseg_engine_get_stats (engine, &stats);
  g_assert_cmpuint (stats.vision_runs, ==, 5);

  pm_engine_result_clear (&r1);
  pm_engine_result_clear (&r2);
  pm_engine_result_clear (&r3);
  pm_engine_result_clear (&r4);
  pm_instruction_free (first);
  pm_instruction_free (second);
}

/* ---------------------------------------------------------------- several phrases */

static float *
load_npy (const char *relative, gint64 *numel)
{
  g_autofree char *path = fixture (relative);
  gint64 shape[PM_NPY_MAX_DIMS];
  int n_dims = 0;
  GError *error = NULL;
  float *data = pm_npy_load (path, &n_dims, shape, &error);

  g_assert_no_error (error);
  *numel = 1;
  for (int d = 0; d < n_dims; d++)
    *numel *= shape[d];
  return data;
}

static void
test_phrases (void)
{
  g_autoptr(PmEngine) engine = new_engine ("tiny-f32");
  g_autoptr(PmImage) image = pm_test_load_shared_image (FIXTURE "images/synthetic.png");
  const char *phrases[] = { "a red circle", "the blue square on the left", "a red circle" };
  PmMask *masks[3];
  PmClipsegEngineStats stats;
  g_autofree float *logits = NULL;
  g_autofree float *expected1 = NULL, *expected2 = NULL;
  gint64 numel = 0;
  int s = pm_clipseg_engine_get_input_size (engine);
  GError *error = NULL;
  double max_diff = 0;

  g_assert_cmpint (s, ==, 64);
  logits = g_new (float, 3 * s * s);
  g_assert_true (pm_clipseg_engine_run_phrases (engine, image, phrases, 3, NULL, masks, logits,
                                                NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  pm_clipseg_engine_get_stats (engine, &stats);
  g_assert_cmpuint (stats.vision_runs, ==, 1);
  /* The repeated phrase reuses its cached text embedding. */
  g_assert_cmpuint (stats.text_runs, ==, 2);
  g_assert_cmpuint (stats.text_cache_hits, ==, 1);

  /* The raw logits are the model's, end to end from the image file (cases 1 and 2). */
  expected1 = load_npy ("expected/case01.logits.npy", &numel);
  g_assert_cmpint (numel, ==, s * s);
  expected2 = load_npy ("expected/case02.logits.npy", &numel);
  for (int i = 0; i < s * s; i++)
    {
      max_diff = MAX (max_diff, fabs (logits[i] - expected1[i]));
      max_diff = MAX (max_diff, fabs (logits[s * s + i] - expected2[i]));
    }
  g_assert_cmpfloat (max_diff, <=, 1e-3);
  /* The same phrase twice gives the same logits and mask. */
  g_assert_cmpmem (logits, sizeof (float) * s * s, logits + 2 * s * s, sizeof (float) * s * s);
  for (int p = 0; p < 3; p++)
    assert_soft_mask (masks[p], image);
  g_assert_cmpmem (masks[0]->data, sizeof (float) * image->width * image->height,
                   masks[2]->data, sizeof (float) * image->width * image->height);
  for (int p = 0; p < 3; p++)
    pm_mask_free (masks[p]);

  /* Encoded afresh (text cache cleared), the phrase gives the cached run's logits. */
  {
    g_autofree float *fresh = g_new (float, s * s);

    pm_clipseg_engine_clear_text_cache (engine);
    g_assert_true (pm_clipseg_engine_run_phrases (engine, image, phrases, 1, NULL, NULL, fresh,
                                                  NULL, NULL, NULL, NULL, &error));
    g_assert_no_error (error);
    pm_clipseg_engine_get_stats (engine, &stats);
    g_assert_cmpuint (stats.text_runs, ==, 3);
    g_assert_cmpuint (stats.text_cache_hits, ==, 1);
    g_assert_cmpmem (fresh, sizeof (float) * s * s, logits + 2 * s * s, sizeof (float) * s * s);
  }
}

/* ---------------------------------------------------------------- post-processing */

static void
test_resize (void)
{
  const float in[] = { 0, 1, 2, 3 };
  float out[16];
  /* torch.nn.functional.interpolate(x, size=4, mode="bilinear", align_corners=False) */
  const float expected[] = { 0.0f, 0.25f, 0.75f, 1.0f, 0.5f, 0.75f, 1.25f, 1.5f,
                             1.5f, 1.75f, 2.25f, 2.5f, 2.0f, 2.25f, 2.75f, 3.0f };

  pm_clipseg_resize_bilinear (in, 2, 2, out, 4, 4);
  for (int i = 0; i < 16; i++)
    g_assert_cmpfloat_with_epsilon (out[i], expected[i], 1e-6);
  /* Identity at equal sizes; downscaling averages neighbours at half-pixel centres. */
  pm_clipseg_resize_bilinear (in, 2, 2, out, 2, 2);
  g_assert_cmpmem (out, sizeof (float) * 4, in, sizeof (float) * 4);
  pm_clipseg_resize_bilinear (in, 2, 2, out, 1, 1);
  g_assert_cmpfloat_with_epsilon (out[0], 1.5, 1e-6);
}

/* Logits S×S with blobs: big on the left, small on the right. */
static float *
two_blobs (int s)
{
  float *logits = g_new (float, s * s);
  for (int y = 0; y < s; y++)
    for (int x = 0; x < s; x++)
      {
        gboolean big = (x - 8) * (x - 8) + (y - 16) * (y - 16) <= 36;
        gboolean small = (x - 25) * (x - 25) + (y - 10) * (y - 10) <= 9;
        logits[y * s + x] = big || small ? 6.f : -6.f;
      }
  return logits;
}

/* Sum of the mask over a disk (image pixels). */
static double
disk_sum (const PmMask *m, int cx, int cy, int r)
{
  double sum = 0;
  for (int y = MAX (0, cy - r); y <= MIN (m->height - 1, cy + r); y++)
    for (int x = MAX (0, cx - r); x <= MIN (m->width - 1, cx + r); x++)
      if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
        sum += m->data[y * m->width + x];
  return sum;
}

/* Big blob at (32, 64) r 24, small one at (100, 40) r 12 in the 128×128 image. */
static void
check_blobs (const PmMask *mask, gboolean big, gboolean small, double min_center)
{
  double b = disk_sum (mask, 32, 64, 24), s = disk_sum (mask, 100, 40, 12);

  if (big)
    g_assert_cmpfloat (mask->data[64 * 128 + 32], >, min_center);
  else
    g_assert_cmpfloat (b, ==, 0);
  if (small)
    g_assert_cmpfloat (mask->data[40 * 128 + 100], >, min_center);
  else
    g_assert_cmpfloat (s, ==, 0);
}

static void
test_components (void)
{
  const int s = 32;
  g_autofree float *logits = two_blobs (s);
  g_autoptr(PmImage) image = pm_image_new (128, 128);
  PmClipsegPostParams params;
  struct { PmPosition pos; PmSizeRank rank; gboolean big, small; } cases[] = {
    { PM_POSITION_NONE, PM_SIZE_RANK_NONE, TRUE, TRUE },
    { PM_POSITION_LEFT, PM_SIZE_RANK_NONE, TRUE, FALSE },
    { PM_POSITION_RIGHT, PM_SIZE_RANK_NONE, FALSE, TRUE },
    { PM_POSITION_TOP_RIGHT, PM_SIZE_RANK_NONE, FALSE, TRUE },
    { PM_POSITION_NONE, PM_SIZE_RANK_LARGEST, TRUE, FALSE },
    { PM_POSITION_NONE, PM_SIZE_RANK_SMALLEST, FALSE, TRUE },
  };

  /* A flat photo: refinement is a plain smoothing here; the choice is made on the model's
   * mask, before it. */
  memset (image->data, 128, (gsize) 128 * 128 * 4);
  pm_clipseg_post_params_init (&params);
  for (int refine = 0; refine < 2; refine++)
    for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
      {
        PmInstruction *in = pm_test_target_instruction_new ("blob", cases[c].pos, cases[c].rank);
        g_autoptr(PmMask) mask = NULL;

        params.refine = refine;
        mask = pm_clipseg_logits_to_mask (logits, s, image, in, &params);
        assert_soft_mask (mask, image);
        /* Without edges in the photo the filter blurs the small blob (radius 12 px). */
        check_blobs (mask, cases[c].big, cases[c].small, refine ? 0.2 : 0.5);
        pm_instruction_free (in);
      }
  /* "the second from the left" */
  {
    PmInstruction *in = pm_test_target_instruction_new ("blob", PM_POSITION_NONE,
                                                        PM_SIZE_RANK_NONE);
    g_autoptr(PmMask) mask = NULL;
    in->ordinal = 2;
    in->ordinal_from = PM_POSITION_LEFT;
    mask = pm_clipseg_logits_to_mask (logits, s, image, in, NULL);
    check_blobs (mask, FALSE, TRUE, 0.2);
    pm_instruction_free (in);
  }
}

/* The refined mask follows an edge of the photo that the coarse logits blur. */
static void
test_refine_edges (void)
{
  const int s = 8, w = 160, h = 80;
  g_autoptr(PmImage) image = pm_image_new (w, h);
  float logits[8 * 8];
  PmClipsegPostParams params;
  g_autoptr(PmMask) coarse = NULL, refined = NULL;
  int y = h / 2;
  float coarse_jump, refined_jump;

  /* Photo: dark left of x = 100, bright right. Logits: positive right of column 5 (x ≈ 100). */
  for (int yy = 0; yy < h; yy++)
    for (int x = 0; x < w; x++)
      {
        guint8 *px = image->data + ((gsize) yy * w + x) * 4;
        px[0] = px[1] = px[2] = x < 100 ? 40 : 210;
        px[3] = 255;
      }
  for (int i = 0; i < s * s; i++)
    logits[i] = (i % s) >= 5 ? 4.f : -4.f;

  pm_clipseg_post_params_init (&params);
  params.refine = FALSE;
  coarse = pm_clipseg_logits_to_mask (logits, s, image, NULL, &params);
  params.refine = TRUE;
  refined = pm_clipseg_logits_to_mask (logits, s, image, NULL, &params);
  assert_soft_mask (refined, image);

  coarse_jump = coarse->data[y * w + 100] - coarse->data[y * w + 99];
  refined_jump = refined->data[y * w + 100] - refined->data[y * w + 99];
  g_test_message ("jump at the photo's edge: coarse %.3f, refined %.3f", coarse_jump,
                  refined_jump);
  g_assert_cmpfloat (refined_jump, >, 0.4);
  g_assert_cmpfloat (refined_jump, >, 3 * coarse_jump);
  /* Far from the edge the mask keeps its values. */
  g_assert_cmpfloat (refined->data[y * w + 10], <, 0.1);
  g_assert_cmpfloat (refined->data[y * w + 150], >, 0.9);
}

/* ---------------------------------------------------------------- progress, cancellation */

typedef struct {
  GPtrArray    *stages;
  double        last;
  GCancellable *cancel_at_vision;
} ProgressLog;

static void
on_progress (const char *stage, double fraction, gpointer user_data)
{
  ProgressLog *log = user_data;

  g_assert_cmpfloat (fraction, >=, log->last - 1e-9);
  g_assert_cmpfloat (fraction, <=, 1.0);
  log->last = fraction;
  g_ptr_array_add (log->stages, g_strdup (stage));
  if (log->cancel_at_vision != NULL && g_str_has_prefix (stage, "vision layer 1/"))
    g_cancellable_cancel (log->cancel_at_vision);
}

static gboolean
has_stage (GPtrArray *stages, const char *prefix)
{
  for (guint i = 0; i < stages->len; i++)
    if (g_str_has_prefix (stages->pdata[i], prefix))
      return TRUE;
  return FALSE;
}

static void
test_progress_cancel (void)
{
  g_autoptr(PmEngine) engine = new_engine ("tiny-f16");
  g_autoptr(PmImage) image = pm_test_load_shared_image (FIXTURE "images/cat.jpg");
  PmInstruction *in = pm_test_target_instruction_new ("cat", PM_POSITION_NONE, PM_SIZE_RANK_NONE);
  ProgressLog log = { g_ptr_array_new_with_free_func (g_free), 0, NULL };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  PmEngineResult result = { 0 };
  PmClipsegEngineStats stats;
  GError *error = NULL;

  /* Cancelled during the vision encoder: a cancellation error, nothing cached. */
  log.cancel_at_vision = cancellable;
  g_assert_false (pm_engine_run (engine, image, in, on_progress, &log, cancellable, &result,
                                 &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (result.soft_mask);
  pm_clipseg_engine_get_stats (engine, &stats);
  g_assert_cmpuint (stats.vision_runs, ==, 0);
  g_assert_cmpuint (stats.decoder_runs, ==, 0);

  /* Already cancelled: fails at once. */
  g_assert_false (pm_engine_run (engine, image, in, NULL, NULL, cancellable, &result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* The engine still works; stages come in order, fractions rise to 1. */
  g_ptr_array_set_size (log.stages, 0);
  log.last = 0;
  log.cancel_at_vision = NULL;
  g_assert_true (pm_engine_run (engine, image, in, on_progress, &log, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_true (has_stage (log.stages, "encoding image"));
  g_assert_true (has_stage (log.stages, "vision layer 1/"));
  g_assert_true (has_stage (log.stages, "encoding text"));
  g_assert_true (has_stage (log.stages, "decoding"));
  g_assert_true (has_stage (log.stages, "refining edges"));
  g_assert_cmpfloat (log.last, ==, 1.0);
  pm_engine_result_clear (&result);

  /* On a cache hit there is no vision stage. */
  g_ptr_array_set_size (log.stages, 0);
  log.last = 0;
  g_assert_true (pm_engine_run (engine, image, in, on_progress, &log, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_false (has_stage (log.stages, "vision layer"));
  g_assert_true (has_stage (log.stages, "encoding text"));
  pm_engine_result_clear (&result);

  g_ptr_array_unref (log.stages);
  pm_instruction_free (in);
}

/* ---------------------------------------------------------------- threads */

typedef struct {
  PmEngine      *engine;
  const PmImage *image;
  const char    *phrase;
  gboolean       ok;
} Worker;

static gpointer
worker (gpointer data)
{
  Worker *w = data;
  PmInstruction *in = pm_test_target_instruction_new (w->phrase, PM_POSITION_NONE,
                                                      PM_SIZE_RANK_NONE);
  w->ok = TRUE;
  for (int i = 0; i < 3; i++)
    {
      PmEngineResult result = { 0 };
      w->ok &= pm_engine_run (w->engine, w->image, in, NULL, NULL, NULL, &result, NULL);
      w->ok &= result.soft_mask != NULL;
      pm_engine_result_clear (&result);
    }
  pm_instruction_free (in);
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(PmEngine) engine = new_engine ("tiny-f32");
  g_autoptr(PmImage) a = pm_test_load_shared_image (FIXTURE "images/synthetic.png");
  g_autoptr(PmImage) b = pm_test_load_shared_image (FIXTURE "images/cat.jpg");
  Worker w1 = { engine, a, "circle", FALSE }, w2 = { engine, b, "cat", FALSE };
  GThread *t1 = g_thread_new ("w1", worker, &w1);
  GThread *t2 = g_thread_new ("w2", worker, &w2);
  PmClipsegEngineStats stats;

  g_thread_join (t1);
  g_thread_join (t2);
  g_assert_true (w1.ok);
  g_assert_true (w2.ok);
  pm_clipseg_engine_get_stats (engine, &stats);
  g_assert_cmpuint (stats.decoder_runs, ==, 6);
  g_assert_cmpuint (stats.vision_runs + stats.cache_hits, ==, 6);
}

/* The documented rule: empty when nothing reaches 0.5 or nothing stands out. */
static void
test_mask_state (void)
{
  g_autoptr(PmMask) m = pm_mask_new (100, 80);
  gsize n = 100 * 80;

  /* A blob at 0.9 on a background at 0.05: found. */
  for (gsize i = 0; i < n; i++)
    m->data[i] = (i % 100 > 30 && i % 100 < 60 && i / 100 > 20 && i / 100 < 50) ? 0.9f : 0.05f;
  g_assert_cmpint (pm_clipseg_mask_state (m), ==, PM_RESULT_FOUND);
  /* Nothing reaches 0.5. */
  for (gsize i = 0; i < n; i++)
    m->data[i] = MIN (m->data[i], 0.49f);
  g_assert_cmpint (pm_clipseg_mask_state (m), ==, PM_RESULT_EMPTY);
  /* High everywhere: flat. */
  for (gsize i = 0; i < n; i++)
    m->data[i] = 0.8f + 0.15f * (float) (i % 7) / 7.0f;
  g_assert_cmpint (pm_clipseg_mask_state (m), ==, PM_RESULT_EMPTY);
  /* Barely above 0.5 over a background just below it: flat too. */
  for (gsize i = 0; i < n; i++)
    m->data[i] = (i % 100 < 50) ? 0.55f : 0.45f;
  g_assert_cmpint (pm_clipseg_mask_state (m), ==, PM_RESULT_EMPTY);
  /* Contrast just over the limit, with 3 % of background: found. */
  for (gsize i = 0; i < n; i++)
    m->data[i] = (i % 100 < 97) ? 0.75f : 0.75f - PM_CLIPSEG_MIN_CONTRAST - 0.02f;
  g_assert_cmpint (pm_clipseg_mask_state (m), ==, PM_RESULT_FOUND);
  /* … and with 1 % of background (under the 2nd percentile): flat. */
  for (gsize i = 0; i < n; i++)
    m->data[i] = (i % 100 < 99) ? 0.75f : 0.2f;
  g_assert_cmpint (pm_clipseg_mask_state (m), ==, PM_RESULT_EMPTY);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pm_test_add_shared_func ("/engine/clipseg-engine/missing-model", "data/clipseg-fixture", test_missing_model);
  g_test_add_func ("/engine/clipseg-engine/mask-state", test_mask_state);
  pm_test_add_shared_func ("/engine/clipseg-engine/cache", "data/clipseg-fixture", test_cache);
  pm_test_add_shared_func ("/engine/clipseg-engine/phrases", "data/clipseg-fixture", test_phrases);
  pm_test_add_shared_func ("/engine/clipseg-engine/resize", "data/clipseg-fixture", test_resize);
  pm_test_add_shared_func ("/engine/clipseg-engine/components", "data/clipseg-fixture", test_components);
  pm_test_add_shared_func ("/engine/clipseg-engine/refine-edges", "data/clipseg-fixture", test_refine_edges);
  pm_test_add_shared_func ("/engine/clipseg-engine/progress-cancel", "data/clipseg-fixture", test_progress_cancel);
  pm_test_add_shared_func ("/engine/clipseg-engine/threads", "data/clipseg-fixture", test_threads);
  return g_test_run ();
}
