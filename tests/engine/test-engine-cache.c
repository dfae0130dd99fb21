/* test-engine-cache.c: warming the next image (pm_engine_warm): the two-entry image cache,
 * the gate by which a run preempts a warm-up, and CLIPSeg (with and without SAM refine)
 * and SAM keeping both the image in use and the one warmed ahead.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "pm-clipseg-engine.h"
#include "pm-engine-cache.h"
#include "pm-sam-engine.h"
#include "pm-test-util.h"
#include "pm-engine-test-util.h"

/* ---------------------------------------------------------------- the cache */

static guint n_freed;

static void
count_free (gpointer data)
{
  n_freed++;
  g_free (data);
}

static void
test_lru (void)
{
  PmImageCache cache;

  n_freed = 0;
  pm_image_cache_init (&cache, count_free);
  g_assert_null (pm_image_cache_lookup (&cache, "a"));
  pm_image_cache_insert (&cache, "a", g_strdup ("A"));
  pm_image_cache_insert (&cache, "b", g_strdup ("B"));   /* b warmed beside a */
  g_assert_cmpuint (pm_image_cache_get_size (&cache), ==, 2);
  g_assert_true (pm_image_cache_contains (&cache, "a"));
  g_assert_true (pm_image_cache_contains (&cache, "b"));
  g_assert_false (pm_image_cache_contains (&cache, "c"));
  g_assert_false (pm_image_cache_contains (&cache, NULL));
  g_assert_cmpuint (n_freed, ==, 0);

  /* Using a makes it the most recent: c then evicts b, not a. */
  g_assert_cmpstr (pm_image_cache_lookup (&cache, "a"), ==, "A");
  pm_image_cache_insert (&cache, "c", g_strdup ("C"));
  g_assert_cmpuint (n_freed, ==, 1);
  g_assert_true (pm_image_cache_contains (&cache, "a"));
  g_assert_false (pm_image_cache_contains (&cache, "b"));
  g_assert_cmpstr (pm_image_cache_lookup (&cache, "c"), ==, "C");

  /* The same key again replaces its value and keeps the other entry. */
  pm_image_cache_insert (&cache, "a", g_strdup ("A2"));
  g_assert_cmpuint (n_freed, ==, 2);
  g_assert_cmpstr (pm_image_cache_lookup (&cache, "a"), ==, "A2");
  g_assert_cmpstr (pm_image_cache_lookup (&cache, "c"), ==, "C");
  g_assert_cmpuint (pm_image_cache_get_size (&cache), ==, 2);

  pm_image_cache_clear (&cache);
  g_assert_cmpuint (n_freed, ==, 4);
  g_assert_cmpuint (pm_image_cache_get_size (&cache), ==, 0);
  g_assert_null (pm_image_cache_lookup (&cache, "c"));
}

static void
test_gate (void)
{
  PmWarmGate gate;
  g_autoptr(GCancellable) caller = g_cancellable_new ();
  g_autoptr(GCancellable) done = g_cancellable_new ();
  PmWarm *a, *b, *c;

  pm_warm_gate_init (&gate);
  a = pm_warm_gate_begin (&gate, caller);
  b = pm_warm_gate_begin (&gate, NULL);
  g_assert_false (g_cancellable_is_cancelled (pm_warm_get_cancellable (a)));

  /* The caller's cancellable reaches its warm-up only. */
  g_cancellable_cancel (caller);
  g_assert_true (g_cancellable_is_cancelled (pm_warm_get_cancellable (a)));
  g_assert_false (g_cancellable_is_cancelled (pm_warm_get_cancellable (b)));
  pm_warm_gate_end (&gate, a);

  /* A run preempts every warm-up under way, and none that begins after it. */
  pm_warm_gate_preempt (&gate);
  g_assert_true (g_cancellable_is_cancelled (pm_warm_get_cancellable (b)));
  pm_warm_gate_end (&gate, b);
  c = pm_warm_gate_begin (&gate, NULL);
  g_assert_false (g_cancellable_is_cancelled (pm_warm_get_cancellable (c)));
  pm_warm_gate_end (&gate, c);

  /* Begun with a cancellable cancelled already: cancelled at once. */
  g_cancellable_cancel (done);
  c = pm_warm_gate_begin (&gate, done);
  g_assert_true (g_cancellable_is_cancelled (pm_warm_get_cancellable (c)));
  pm_warm_gate_end (&gate, c);
  pm_warm_gate_clear (&gate);
}

static void
test_builtin (void)
{
  g_autoptr(PmEngine) engine = pm_builtin_engine_new ();
  g_autoptr(PmImage) image = pm_image_new (8, 8);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (pm_engine_can_warm (engine));
  g_assert_true (pm_engine_warm (engine, image, NULL, &error));
  g_assert_no_error (error);
  g_cancellable_cancel (cancellable);
  g_assert_false (pm_engine_warm (engine, image, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* ---------------------------------------------------------------- engines */

static char *
fixture (const char *relative)
{
  return pm_test_shared_path (relative);
}

static void
run_ok (PmEngine      *engine,
        const PmImage *image)
{
  PmInstruction *in = pm_test_target_instruction_new ("a red circle", PM_POSITION_NONE,
                                                     PM_SIZE_RANK_NONE);
  PmEngineResult result = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_engine_run (engine, image, in, NULL, NULL, NULL, &result, &error));
  g_assert_no_error (error);
  pm_engine_result_clear (&result);
  pm_instruction_free (in);
}

/* A review: image A in use, B (the next) warmed ahead; neither evicts the other. */
static void
test_clipseg (void)
{
  g_autofree char *dir = fixture ("data/clipseg-fixture/tiny-f32");
  PmEngineOptions options = { .model_dir = dir, .threads = 1 };
  g_autoptr(PmEngine) engine = NULL;
  g_autoptr(PmImage) a = pm_test_load_shared_image ("data/clipseg-fixture/images/synthetic.png");
  g_autoptr(PmImage) b = pm_test_load_shared_image ("data/clipseg-fixture/images/cat.jpg");
  g_autoptr(PmImage) c = pm_image_copy (b);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  PmClipsegEngineStats stats;

  engine = pm_engine_new ("clipseg", &options, &error);
  g_assert_no_error (error);
  g_assert_true (pm_engine_can_warm (engine));
  c->data[0] ^= 1;   /* another image */

  run_ok (engine, a);
  g_assert_true (pm_engine_warm (engine, b, NULL, &error));
  g_assert_no_error (error);
  pm_clipseg_engine_get_stats (engine, &stats);
  g_assert_cmpuint (stats.vision_runs, ==, 2);
  g_assert_cmpuint (stats.warmed, ==, 1);

  /* Warm again: nothing to do. A run on A (still under review) and then on B: no pass. */
  g_assert_true (pm_engine_warm (engine, b, NULL, &error));
  run_ok (engine, a);
  run_ok (engine, b);
  pm_clipseg_engine_get_stats (engine, &stats);
  g_assert_cmpuint (stats.vision_runs, ==, 2);
  g_assert_cmpuint (stats.warmed, ==, 1);
  g_assert_cmpuint (stats.cache_hits, ==, 2);

  /* A cancelled warm-up does nothing. */
  g_cancellable_cancel (cancellable);
  g_assert_false (pm_engine_warm (engine, c, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  pm_clipseg_engine_get_stats (engine, &stats);
  g_assert_cmpuint (stats.vision_runs, ==, 2);

  /* Reviewing B, C warmed: A (least recently used) goes, B stays. */
  g_assert_true (pm_engine_warm (engine, c, NULL, &error));
  run_ok (engine, b);
  pm_clipseg_engine_get_stats (engine, &stats);
  g_assert_cmpuint (stats.vision_runs, ==, 3);
  g_assert_cmpuint (stats.cache_hits, ==, 3);
  run_ok (engine, a);
  pm_clipseg_engine_get_stats (engine, &stats);
  g_assert_cmpuint (stats.vision_runs, ==, 4);
}

/* With SAM refine, warming also encodes the image for SAM, beside the image in use. */
static void
test_clipseg_sam (void)
{
  g_autofree char *dir = fixture ("data/clipseg-fixture/tiny-f32");
  g_autofree char *sam_dir = fixture ("data/sam-fixture/tiny-f32");
  PmEngineOptions options = { .model_dir = dir, .threads = 1, .refine = (char *) "sam",
                              .sam_model_dir = sam_dir };
  g_autoptr(PmEngine) engine = NULL;
  g_autoptr(PmImage) a = pm_test_load_shared_image ("data/sam-fixture/images/cat.jpg");
  g_autoptr(PmImage) b = pm_image_copy (a);
  g_autoptr(GError) error = NULL;
  PmEngine *sam;
  PmSamEngineStats stats;

  if (!g_file_test (sam_dir, G_FILE_TEST_IS_DIR))
    {
      if (g_getenv ("CI") != NULL)
        g_error ("SAM fixture not found under $PM_SHARED_DIR");
      g_test_skip ("no SAM fixture");
      return;
    }
  engine = pm_engine_new ("clipseg", &options, &error);
  g_assert_no_error (error);
  sam = pm_clipseg_engine_get_sam (engine);
  g_assert_nonnull (sam);
  b->data[4] ^= 1;

  g_assert_true (pm_engine_warm (engine, a, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (pm_engine_warm (engine, b, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (pm_sam_engine_has_image (sam, a));
  g_assert_true (pm_sam_engine_has_image (sam, b));
  pm_sam_engine_get_stats (sam, &stats);
  g_assert_cmpuint (stats.encoder_runs, ==, 2);
  g_assert_cmpuint (stats.warmed, ==, 2);
}

/* The "sam" engine (click and box tools): the photo on screen and the next one. */
static void
test_sam (void)
{
  g_autofree char *dir = fixture ("data/sam-fixture/tiny-f32");
  PmEngineOptions options = { .model_dir = dir, .threads = 1 };
  g_autoptr(PmEngine) sam = NULL;
  g_autoptr(PmImage) a = pm_test_load_shared_image ("data/sam-fixture/images/cat.jpg");
  g_autoptr(PmImage) b = pm_image_copy (a);
  g_autoptr(PmSamResult) result = NULL;
  g_autoptr(GError) error = NULL;
  PmSamPoint point = { 20, 20, 1 };
  PmSamPrompt prompt = { .points = &point, .n_points = 1 };
  PmSamEngineStats stats;

  sam = pm_engine_new ("sam", &options, &error);
  g_assert_no_error (error);
  g_assert_true (pm_engine_can_warm (sam));
  b->data[8] ^= 1;
  g_assert_true (pm_sam_engine_encode (sam, a, NULL, NULL, NULL, NULL, &error));
  g_assert_true (pm_engine_warm (sam, b, NULL, &error));
  g_assert_no_error (error);
  result = pm_sam_engine_segment (sam, a, &prompt, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  pm_sam_engine_get_stats (sam, &stats);
  g_assert_cmpuint (stats.encoder_runs, ==, 2);
  g_assert_cmpuint (stats.warmed, ==, 1);
  g_assert_cmpuint (stats.cache_hits, ==, 1);
  g_assert_true (pm_sam_engine_has_image (sam, b));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/cache/lru", test_lru);
  g_test_add_func ("/engine/cache/gate", test_gate);
  g_test_add_func ("/engine/cache/builtin", test_builtin);
  pm_test_add_shared_func ("/engine/cache/clipseg", "data/clipseg-fixture", test_clipseg);
  pm_test_add_shared_func ("/engine/cache/clipseg-sam", "data/clipseg-fixture",
                           test_clipseg_sam);
  pm_test_add_shared_func ("/engine/cache/sam", "data/sam-fixture", test_sam);
  return g_test_run ();
}
