/* test-sam-engine.c: the "sam" engine: embedding cache, prompts, masks, async calls, errors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "pm-damaged-model-util.h"
#include "pm-sam-engine.h"
#include "pm-test-util.h"

static char *
fixture_path (const char *rel)
{
  g_autofree char *p = g_build_filename ("data", "sam-fixture", rel, NULL);
  return pm_test_shared_path (p);
}

static PmEngine *
new_engine (void)
{
  g_autofree char *dir = fixture_path ("tiny-f32");
  PmEngineOptions options = { 0 };
  g_autoptr(GError) error = NULL;
  PmEngine *e;

  options.model_dir = dir;
  options.threads = 1;
  e = pm_engine_new ("sam", &options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (e);
  return e;
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

/* Two prompts on one image: one encoding; the masks are those of the model itself. */
static void
test_cache (void)
{
  g_autoptr(PmEngine) engine = new_engine ();
  g_autoptr(PmImage) cat = load_image ("images/cat.jpg");
  g_autoptr(PmImage) synth = load_image ("images/synthetic.png");
  PmSamPoint pts[] = { { 250, 170, 1 }, { 60, 40, 0 } };
  PmSamPrompt p1 = { pts, 1, FALSE, { 0 }, FALSE };
  PmSamPrompt p2 = { pts, 2, FALSE, { 0 }, TRUE };
  g_autoptr(PmSamResult) r1 = NULL, r2 = NULL, r3 = NULL;
  g_autoptr(GError) error = NULL;
  PmSamEngineStats st;

  g_assert_false (pm_sam_engine_has_image (engine, cat));
  r1 = pm_sam_engine_segment (engine, cat, &p1, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (pm_sam_engine_has_image (engine, cat));
  r2 = pm_sam_engine_segment (engine, cat, &p2, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  pm_sam_engine_get_stats (engine, &st);
  g_assert_cmpuint (st.encoder_runs, ==, 1);
  g_assert_cmpuint (st.cache_hits, ==, 1);
  g_assert_cmpuint (st.decoder_runs, ==, 2);

  g_assert_cmpint (r1->n_masks, ==, 1);
  g_assert_cmpint (r2->n_masks, ==, 3);
  g_assert_cmpint (r2->width, ==, cat->width);
  g_assert_cmpint (r2->masks[0]->height, ==, cat->height);
  /* order: best predicted IoU first */
  g_assert_cmpfloat (r2->iou[r2->order[0]], >=, r2->iou[r2->order[1]]);
  g_assert_cmpfloat (r2->iou[r2->order[1]], >=, r2->iou[r2->order[2]]);
  g_assert_true (pm_sam_result_get_best (r2) == r2->masks[r2->order[0]]);
  /* the binary masks hold 0 and 1 only, and something */
  {
    gint64 on = pm_mask_count (r1->masks[0]);
    g_assert_cmpint (on, >, 0);
    g_assert_cmpint (on, <, (gint64) cat->width * cat->height);
    for (gsize i = 0; i < (gsize) cat->width * cat->height; i++)
      g_assert_true (r1->masks[0]->data[i] == 0.0f || r1->masks[0]->data[i] == 1.0f);
  }

  /* another image: encoded; the first stays cached beside it (two images are kept, the
   * one in use and the next one warmed, see pm_engine_warm ()); clearing drops both */
  r3 = pm_sam_engine_segment (engine, synth, &p1, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  pm_sam_engine_get_stats (engine, &st);
  g_assert_cmpuint (st.encoder_runs, ==, 2);
  g_assert_true (pm_sam_engine_has_image (engine, cat));
  pm_sam_engine_clear_cache (engine);
  g_assert_false (pm_sam_engine_has_image (engine, synth));
  g_assert_false (pm_sam_engine_has_image (engine, cat));
}

/* A bad prompt fails before any encoding, with a one-line error. */
static void
test_bad_prompt (void)
{
  g_autoptr(PmEngine) engine = new_engine ();
  g_autoptr(PmImage) cat = load_image ("images/cat.jpg");
  PmSamPoint outside = { 600, 10, 1 };
  PmSamPrompt p = { &outside, 1, FALSE, { 0 }, FALSE };
  PmSamPrompt box = { NULL, 0, TRUE, { 100, 100, 50, 200 }, FALSE };
  g_autoptr(GError) error = NULL;
  PmSamEngineStats st;

  g_assert_null (pm_sam_engine_segment (engine, cat, &p, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, PM_SAM_ERROR, PM_SAM_ERROR_INPUT);
  g_clear_error (&error);
  g_assert_null (pm_sam_engine_segment (engine, cat, &box, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, PM_SAM_ERROR, PM_SAM_ERROR_INPUT);
  g_assert_null (strchr (error->message, '\n'));
  pm_sam_engine_get_stats (engine, &st);
  g_assert_cmpuint (st.encoder_runs, ==, 0);
}

static void
test_errors (void)
{
  g_autofree char *clipseg = pm_test_shared_path ("data/clipseg-fixture/tiny-f32");
  g_autofree char *empty = pm_test_tmpdir ();
  PmEngineOptions options = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(PmEngine) engine = NULL;
  g_autoptr(PmImage) cat = load_image ("images/cat.jpg");
  PmInstruction *instruction = pm_instruction_parse ("segment the cat");
  PmEngineResult result = { 0 };

  options.model_dir = empty;
  g_assert_null (pm_engine_new ("sam", &options, &error));
  g_assert_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  options.model_dir = clipseg;
  g_assert_null (pm_engine_new ("sam", &options, &error));
  g_assert_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_MODEL);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "CLIPSegForImageSegmentation"));
  g_clear_error (&error);
  pm_test_rmdir (empty);

  /* text goes elsewhere */
  engine = new_engine ();
  result.timings = pm_timings_new ();
  g_assert_false (pm_engine_run (engine, cat, instruction, NULL, NULL, NULL, &result, &error));
  g_assert_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE);
  pm_engine_result_clear (&result);
  pm_instruction_free (instruction);
}

typedef struct {
  GMainLoop   *loop;
  PmSamResult *result;
  gboolean     encoded;
  GError      *error;
  int          pending;
} Async;

static void
on_encoded (GObject      *source,
            GAsyncResult *res,
            gpointer      data)
{
  Async *a = data;

  a->encoded = pm_sam_engine_encode_finish (NULL, res, &a->error);
  if (--a->pending == 0)
    g_main_loop_quit (a->loop);
}

static void
on_segmented (GObject      *source,
              GAsyncResult *res,
              gpointer      data)
{
  Async *a = data;

  a->result = pm_sam_engine_segment_finish (NULL, res, &a->error);
  if (--a->pending == 0)
    g_main_loop_quit (a->loop);
}

/* encode_async as a photo opens, segment_async right after a click: one encoding. */
static void
test_async (void)
{
  g_autoptr(PmEngine) engine = new_engine ();
  g_autoptr(PmImage) cat = load_image ("images/cat.jpg");
  PmSamPoint pt = { 250, 170, 1 };
  PmSamPrompt p = { &pt, 1, FALSE, { 0 }, TRUE };
  Async a = { g_main_loop_new (NULL, FALSE), NULL, FALSE, NULL, 2 };
  PmSamEngineStats st;

  pm_sam_engine_encode_async (engine, cat, NULL, on_encoded, &a);
  pt.x = 250;   /* the prompt is copied: changing it now has no effect */
  pm_sam_engine_segment_async (engine, cat, &p, NULL, on_segmented, &a);
  pt.x = 9999;
  g_main_loop_run (a.loop);
  g_assert_no_error (a.error);
  g_assert_true (a.encoded);
  g_assert_nonnull (a.result);
  g_assert_cmpint (a.result->n_masks, ==, 3);
  pm_sam_engine_get_stats (engine, &st);
  g_assert_cmpuint (st.encoder_runs, ==, 1);
  g_assert_cmpuint (st.decoder_runs, ==, 1);
  pm_sam_result_free (a.result);
  g_main_loop_unref (a.loop);
}

/* Cancelling an encoding leaves nothing cached. */
static void
test_cancel (void)
{
  g_autoptr(PmEngine) engine = new_engine ();
  g_autoptr(PmImage) cat = load_image ("images/cat.jpg");
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancel);
  g_assert_false (pm_sam_engine_encode (engine, cat, NULL, NULL, cancel, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (pm_sam_engine_has_image (engine, cat));
}

/* Only the best mask at the image size: the same pixels as without the flag, NULL for the
 * others; the low-res logits all there. */
static void
test_best_only (void)
{
  g_autoptr(PmEngine) engine = new_engine ();
  g_autoptr(PmImage) cat = load_image ("images/cat.jpg");
  PmSamPoint pt = { 120, 200, 1 };
  PmSamPrompt p = { &pt, 1, FALSE, { 0 }, TRUE };
  g_autoptr(PmSamResult) all = NULL, best = NULL;
  g_autoptr(GError) error = NULL;
  gsize n = (gsize) cat->width * cat->height;

  all = pm_sam_engine_segment (engine, cat, &p, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  best = pm_sam_engine_segment_keyed (engine, cat, NULL, &p, PM_SAM_SEGMENT_BEST_ONLY, NULL,
                                      NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (best->n_masks, ==, 3);
  g_assert_cmpmem (best->order, 3 * sizeof (int), all->order, 3 * sizeof (int));
  g_assert_cmpmem (best->lowres, sizeof (float) * 3 * best->lowres_size * best->lowres_size,
                   all->lowres, sizeof (float) * 3 * all->lowres_size * all->lowres_size);
  for (int i = 0; i < 3; i++)
    if (i == best->order[0])
      g_assert_cmpmem (best->masks[i]->data, n * sizeof (float), all->masks[i]->data,
                       n * sizeof (float));
    else
      g_assert_null (best->masks[i]);
  g_assert_true (pm_sam_result_get_best (best) == best->masks[best->order[0]]);
  g_assert_cmpint (pm_mask_count (pm_sam_result_get_best (best)), >, 0);
}

static int
count_stage (const PmTimings *t,
             const char      *stage)
{
  int n = 0;

  for (guint i = 0; i < t->items->len; i++)
    n += strcmp (g_array_index (t->items, PmTiming, i).stage, stage) == 0;
  return n;
}

/* A fingerprint computed once by the caller: the prompt answers exactly as with the engine
 * hashing the photo itself, without a "fingerprint" stage; a photo changed in one pixel,
 * with its own fingerprint, is encoded anew (never answered from the other's embedding);
 * keeping a fingerprint saves it from the next encoding; a fingerprint of another size is
 * refused. */
static void
test_fingerprint (void)
{
  g_autoptr(PmEngine) engine = new_engine ();
  g_autoptr(PmImage) cat = load_image ("images/cat.jpg");
  g_autoptr(PmImage) changed = pm_image_copy (cat);
  g_autoptr(PmImage) synth = load_image ("images/synthetic.png");
  g_autofree char *key = pm_engine_image_fingerprint (cat);
  g_autofree char *changed_key = NULL, *synth_key = pm_engine_image_fingerprint (synth);
  PmSamPoint pt = { 250, 170, 1 };
  PmSamPrompt p = { &pt, 1, FALSE, { 0 }, TRUE };
  g_autoptr(PmSamResult) plain = NULL, keyed = NULL, other = NULL;
  g_autoptr(PmTimings) t_plain = pm_timings_new (), t_keyed = pm_timings_new ();
  g_autoptr(GError) error = NULL;
  PmSamEngineStats st;
  gsize px = ((gsize) 170 * cat->width + 250) * 4;

  g_assert_false (pm_sam_engine_has_fingerprint (engine, key));
  g_assert_true (pm_sam_engine_encode_keyed (engine, cat, key, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (pm_sam_engine_has_fingerprint (engine, key));
  g_assert_true (pm_sam_engine_has_image (engine, cat));
  keyed = pm_sam_engine_segment_keyed (engine, cat, key, &p, PM_SAM_SEGMENT_DEFAULT, NULL, NULL,
                                       NULL, t_keyed, &error);
  g_assert_no_error (error);
  plain = pm_sam_engine_segment (engine, cat, &p, NULL, NULL, NULL, t_plain, &error);
  g_assert_no_error (error);
  pm_sam_engine_get_stats (engine, &st);
  g_assert_cmpuint (st.encoder_runs, ==, 1);
  g_assert_cmpuint (st.cache_hits, ==, 2);
  g_assert_cmpint (count_stage (t_plain, "fingerprint"), ==, 1);
  g_assert_cmpint (count_stage (t_keyed, "fingerprint"), ==, 0);
  g_assert_cmpint (keyed->n_masks, ==, 3);
  g_assert_cmpmem (keyed->lowres, sizeof (float) * 3 * keyed->lowres_size * keyed->lowres_size,
                   plain->lowres, sizeof (float) * 3 * plain->lowres_size * plain->lowres_size);

  /* one pixel changed: another key, another encoding, other logits */
  changed->data[px] ^= 0xff;
  changed_key = pm_engine_image_fingerprint (changed);
  g_assert_cmpstr (changed_key, !=, key);
  g_assert_false (pm_sam_engine_has_fingerprint (engine, changed_key));
  g_assert_false (pm_sam_engine_has_image (engine, changed));
  other = pm_sam_engine_segment_keyed (engine, changed, changed_key, &p,
                                       PM_SAM_SEGMENT_DEFAULT, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  pm_sam_engine_get_stats (engine, &st);
  g_assert_cmpuint (st.encoder_runs, ==, 2);
  g_assert_cmpuint (st.cache_hits, ==, 2);
  g_assert_true (memcmp (other->lowres, keyed->lowres,
                         sizeof (float) * 3 * keyed->lowres_size * keyed->lowres_size) != 0);
  g_assert_true (pm_sam_engine_has_fingerprint (engine, key));
  g_assert_true (pm_sam_engine_has_fingerprint (engine, changed_key));

  /* Two embeddings are kept: the photo that comes on screen is kept as the most recent, so
   * the next encoding pushes out the other (the changed photo, encoded last). */
  g_assert_true (pm_sam_engine_keep_fingerprint (engine, key));
  g_assert_true (pm_sam_engine_encode_keyed (engine, synth, synth_key, NULL, NULL, NULL, NULL,
                                             &error));
  g_assert_no_error (error);
  g_assert_true (pm_sam_engine_has_fingerprint (engine, key));
  g_assert_false (pm_sam_engine_has_fingerprint (engine, changed_key));
  g_assert_true (pm_sam_engine_has_fingerprint (engine, synth_key));
  g_assert_false (pm_sam_engine_keep_fingerprint (engine, changed_key));
  pm_sam_engine_get_stats (engine, &st);
  g_assert_cmpuint (st.encoder_runs, ==, 3);

  /* a fingerprint of an image of another size is a programming error: refused */
  g_assert_cmpint (synth->width * 1000 + synth->height, !=, cat->width * 1000 + cat->height);
  g_test_expect_message ("pm-sam-engine", G_LOG_LEVEL_CRITICAL, "*fingerprint_fits*");
  g_assert_null (pm_sam_engine_segment_keyed (engine, cat, synth_key, &p,
                                              PM_SAM_SEGMENT_DEFAULT, NULL, NULL, NULL, NULL,
                                              &error));
  g_test_assert_expected_messages ();
  g_test_expect_message ("pm-sam-engine", G_LOG_LEVEL_CRITICAL, "*fingerprint_fits*");
  g_assert_false (pm_sam_engine_encode_keyed (engine, cat, synth_key, NULL, NULL, NULL, NULL,
                                              &error));
  g_test_assert_expected_messages ();
  /* (the refused calls encoded nothing: the three encodings above) */
  pm_sam_engine_get_stats (engine, &st);
  g_assert_cmpuint (st.encoder_runs, ==, 3);
  g_assert_cmpuint (st.decoder_runs, ==, 3);
}

/* A copy of the tiny model with one value of @tensor set to +infinity. */
static char *
damaged_copy (const char *tmp,
              const char *tensor)
{
  g_autofree char *src = fixture_path ("tiny-f32");
  char *dir = g_build_filename (tmp, "damaged", NULL);

  pm_test_damaged_model_copy (src, dir, tensor);
  return dir;
}

/* A damaged weight that the encoder packs is found by the packing thread (the load leaves
 * its scan there): the load succeeds, the first encoding fails naming the tensor and the
 * element, as does pm_sam_check_weights (), in both precisions; a norm read as stored is
 * still refused by the load. */
static void
test_damaged (void)
{
  g_autofree char *tmp = pm_test_tmpdir ();
  g_autoptr(PmImage) cat = load_image ("images/cat.jpg");
  PmSamPoint pts[] = { { 250, 170, 1 } };
  PmSamPrompt prompt = { pts, 1, FALSE, { 0 }, FALSE };

  for (int precision = 0; precision < 2; precision++)
    {
      g_autofree char *dir = damaged_copy (tmp, "vision_encoder.layers.1.mlp.lin1.weight");
      PmEngineOptions options = { .model_dir = dir, .threads = 1,
                                  .precision = precision ? PM_PRECISION_AUTO
                                                         : PM_PRECISION_F32 };
      g_autoptr(GError) error = NULL;
      g_autoptr(PmEngine) e = pm_engine_new ("sam", &options, &error);
      g_autoptr(PmSamResult) r = NULL;
      g_autoptr(PmSam) model = NULL;

      g_assert_no_error (error);
      r = pm_sam_engine_segment (e, cat, &prompt, NULL, NULL, NULL, NULL, &error);
      g_assert_null (r);
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "vision_encoder.layers.1.mlp.lin1.weight"));
      g_assert_nonnull (strstr (error->message, "element 7 is NaN or infinite"));
      g_clear_error (&error);
      model = pm_sam_load (dir, &error);
      g_assert_no_error (error);
      g_assert_false (pm_sam_check_weights (model, &error));
      g_assert_nonnull (strstr (error->message, "element 7 is NaN or infinite"));
      pm_test_rmdir (dir);
    }
  {
    g_autofree char *dir = damaged_copy (tmp, "vision_encoder.layers.0.layer_norm1.weight");
    g_autoptr(GError) error = NULL;
    g_autoptr(PmSam) model = pm_sam_load (dir, &error);

    g_assert_null (model);
    g_assert_nonnull (strstr (error->message, "vision_encoder.layers.0.layer_norm1.weight"));
    pm_test_rmdir (dir);
  }
  pm_test_rmdir (tmp);
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
  g_test_add_func ("/engine/sam-engine/cache", test_cache);
  g_test_add_func ("/engine/sam-engine/fingerprint", test_fingerprint);
  g_test_add_func ("/engine/sam-engine/best-only", test_best_only);
  g_test_add_func ("/engine/sam-engine/bad-prompt", test_bad_prompt);
  g_test_add_func ("/engine/sam-engine/errors", test_errors);
  g_test_add_func ("/engine/sam-engine/async", test_async);
  g_test_add_func ("/engine/sam-engine/cancel", test_cancel);
  g_test_add_func ("/engine/sam-engine/damaged", test_damaged);
  return g_test_run ();
}
