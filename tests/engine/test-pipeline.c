/* test-pipeline.c: the pipeline with a fake engine whose soft mask is known.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-pipeline"

#include <math.h>
#include <string.h>

#include "pm-pipeline.h"
#include "pm-edit.h"
#include "pm-maskio.h"
#include "pm-metrics.h"
#include "pm-test-util.h"

/* ---------------------------------------------------------------- a fake engine */

typedef struct {
  PmEngine      parent;
  PmMask       *mask;          /* what run() answers (a local engine) */
  gboolean      remote;        /* answer an edited image instead, at another size */
  PmRgb         remote_color;
  GCancellable *cancel_in_run; /* cancelled from inside run(), as a user would mid-run */
  int           runs;
  gboolean      seen_has_color;  /* the paint colour the engine was given */
  PmRgb         seen_color;
  /* A burst of progress reports, then a signal to the test (see test_async_coalesced). */
  int           burst;
  GMutex        burst_lock;
  GCond         burst_cond;
  gboolean      burst_done;
} FakeEngine;

static gboolean
fake_run (PmEngine             *engine,
          const PmImage        *image,
          const PmInstruction  *instruction,
          PmProgressFunc        progress,
          gpointer              progress_data,
          GCancellable         *cancellable,
          PmEngineResult       *result,
          GError              **error)
{
  FakeEngine *self = (FakeEngine *) engine;
  /* Includes a step backwards (0.5 after 0.6) that the pipeline must not pass on. */
  static const double steps[] = { 0.0, 0.3, 0.6, 0.5, 1.0 };

  g_atomic_int_inc (&self->runs);
  self->seen_has_color = instruction->has_color;
  self->seen_color = instruction->color;
  for (gsize i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autofree char *stage = g_strdup_printf ("fake step %u", (guint) i);
      if (progress != NULL)
        progress (stage, steps[i], progress_data);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
    }
  if (self->burst > 0)
    {
      for (int i = 0; i < self->burst; i++)
        if (progress != NULL)
          progress ("fake burst", (double) i / self->burst, progress_data);
      g_mutex_lock (&self->burst_lock);
      self->burst_done = TRUE;
      g_cond_signal (&self->burst_cond);
      g_mutex_unlock (&self->burst_lock);
    }
  pm_timings_add (result->timings, "fake-encode", 1.5);
  pm_timings_add (result->timings, "fake-decode", 2.5);

  if (self->remote)
    {
      g_autoptr(PmImage) full = pm_edit_recolor (image, self->mask, self->remote_color, NULL);
      result->edited = pm_image_resize (full, image->width / 2 + 1, image->height / 2 + 1);
    }
  else
    {
      result->soft_mask = pm_mask_copy (self->mask);
    }
  result->message = g_strdup ("fake message");
  result->model = g_strdup ("fake-model-1");

  if (self->cancel_in_run != NULL)
    g_cancellable_cancel (self->cancel_in_run);
  return TRUE;
}

static void
fake_finalize (PmEngine *engine)
{
  FakeEngine *self = (FakeEngine *) engine;

  pm_mask_free (self->mask);
  g_mutex_clear (&self->burst_lock);
  g_cond_clear (&self->burst_cond);
  g_free (self);
}

static const PmEngineClass fake_class = {
  .name = "fake",
  .run = fake_run,
  .finalize = fake_finalize,
};

/* A real photo and its true object mask (the fake engine's answer): the derived mask must
 * recover an object from the pixels. Arbitrary shapes would not do: white and black pixels
 * cannot be recoloured while keeping their lightness, so no edit (and no mask) shows there. */
#define SAMPLE_IMAGE "data/eval-public/coco_000000094336.jpg"
#define SAMPLE_MASK  "data/eval-public/coco_000000094336_cat.png"

static gboolean
have_sample (void)
{
  return pm_test_have_shared (SAMPLE_IMAGE) && pm_test_have_shared (SAMPLE_MASK);
}

static PmImage *
load_sample (void)
{
  g_autofree char *path = pm_test_shared_path (SAMPLE_IMAGE);
  GError *error = NULL;
  PmImage *image = pm_image_load (path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);

  g_assert_no_error (error);
  g_assert_nonnull (image);
  return image;
}

static PmEngine *
fake_engine_new (const PmImage *image)
{
  FakeEngine *self = g_new0 (FakeEngine, 1);
  g_autofree char *path = pm_test_shared_path (SAMPLE_MASK);
  GError *error = NULL;

  self->parent.klass = &fake_class;
  self->parent.ref_count = 1;
  g_mutex_init (&self->burst_lock);
  g_cond_init (&self->burst_cond);
  self->mask = pm_mask_load_png (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (self->mask->width, ==, image->width);
  g_assert_cmpint (self->mask->height, ==, image->height);
  return &self->parent;
}

/* The engine is given the colour actually painted (a remote editor puts it in its prompt),
 * while the recorded instruction stays as parsed. */
static void
test_engine_sees_color (void)
{
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmEngine) engine = NULL;
  g_autoptr(PmPipelineResult) plain = NULL;
  g_autoptr(PmPipelineResult) forced = NULL;
  PmPipelineOptions options;
  FakeEngine *fake;
  GError *error = NULL;

  if (!have_sample ())
    return;
  image = load_sample ();
  engine = fake_engine_new (image);
  fake = (FakeEngine *) engine;

  pm_pipeline_options_init (&options);
  plain = pm_pipeline_run (engine, image, "segment the cat", &options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (fake->seen_has_color);

  options.has_color = TRUE;
  g_assert_true (pm_color_parse ("orange", &options.color));
  forced = pm_pipeline_run (engine, image, "segment the cat", &options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (fake->seen_has_color);
  g_assert_cmpfloat_with_epsilon (fake->seen_color.r, options.color.r, 1e-6);
  g_assert_cmpfloat_with_epsilon (fake->seen_color.g, options.color.g, 1e-6);
  g_assert_cmpfloat_with_epsilon (fake->seen_color.b, options.color.b, 1e-6);
  g_assert_false (forced->instruction->has_color);
}

static double
iou_vs_fake (const PmMask *derived,
             FakeEngine   *fake)
{
  g_autoptr(PmMask) truth = pm_mask_threshold (fake->mask, 0.5f);
  gint64 inter = 0, uni = 0;

  g_assert_cmpint (derived->width, ==, truth->width);
  g_assert_cmpint (derived->height, ==, truth->height);
  return pm_mask_iou (derived, truth, &inter, &uni);
}

static gboolean
rgb_equal (PmRgb a,
           PmRgb b)
{
  return fabsf (a.r - b.r) < 1e-3f && fabsf (a.g - b.g) < 1e-3f && fabsf (a.b - b.b) < 1e-3f;
}

/* ---------------------------------------------------------------- progress recording */

typedef struct {
  GArray  *fractions;     /* double */
  GPtrArray *stages;
  GThread *expected_thread;  /* NULL: any */
  gboolean wrong_thread;
  int      destroyed;
} ProgressLog;

static void
progress_log_init (ProgressLog *log)
{
  memset (log, 0, sizeof *log);
  log->fractions = g_array_new (FALSE, FALSE, sizeof (double));
  log->stages = g_ptr_array_new_with_free_func (g_free);
}

static void
progress_log_clear (ProgressLog *log)
{
  g_array_unref (log->fractions);
  g_ptr_array_unref (log->stages);
}

static void
progress_log_cb (const char *stage,
                 double      fraction,
                 gpointer    user_data)
{
  ProgressLog *log = user_data;

  if (log->expected_thread != NULL && g_thread_self () != log->expected_thread)
    log->wrong_thread = TRUE;
  g_array_append_val (log->fractions, fraction);
  g_ptr_array_add (log->stages, g_strdup (stage));
}

static void
progress_log_destroy (gpointer user_data)
{
  ProgressLog *log = user_data;

  log->destroyed++;
}

static void
assert_monotonic (ProgressLog *log)
{
  double last = -1;

  g_assert_cmpuint (log->fractions->len, >, 0);
  for (guint i = 0; i < log->fractions->len; i++)
    {
      double f = g_array_index (log->fractions, double, i);
      g_assert_cmpfloat (f, >=, last);
      g_assert_cmpfloat (f, >=, 0.0);
      g_assert_cmpfloat (f, <=, 1.0);
      last = f;
    }
  g_assert_cmpfloat_with_epsilon (last, 1.0, 1e-9);
}

static gboolean
log_has_stage (ProgressLog *log,
               const char  *stage)
{
  for (guint i = 0; i < log->stages->len; i++)
    if (g_strcmp0 (g_ptr_array_index (log->stages, i), stage) == 0)
      return TRUE;
  return FALSE;
}

/* ---------------------------------------------------------------- tests */

static void
test_derived_matches_engine (void)
{
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmEngine) engine = NULL;
  FakeEngine *fake;
  g_autoptr(PmPipelineResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ProgressLog log;
  gsize n_changed_outside = 0;
  double iou;

  if (!have_sample ())
    return;
  image = load_sample ();
  engine = fake_engine_new (image);
  fake = (FakeEngine *) engine;

  progress_log_init (&log);
  result = pm_pipeline_run (engine, image, "segment the cat", NULL, progress_log_cb, &log,
                            NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmpint (fake->runs, ==, 1);

  g_assert_cmpstr (result->engine, ==, "fake");
  g_assert_cmpstr (result->model, ==, "fake-model-1");
  g_assert_cmpstr (result->message, ==, "fake message");
  g_assert_nonnull (result->instruction);
  g_assert_cmpint (result->instruction->action, ==, PM_ACTION_SEGMENT);
  /* No colour anywhere: the highlight colour. */
  g_assert_true (rgb_equal (result->color, (PmRgb) { 1, 0, 1 }));

  g_assert_nonnull (result->edited);
  g_assert_nonnull (result->mask);
  g_assert_nonnull (result->soft_mask);
  g_assert_nonnull (result->derived_mask);
  g_assert_cmpint (result->edited->width, ==, image->width);
  g_assert_cmpint (result->edited->height, ==, image->height);
  g_assert_cmpint (result->soft_mask->width, ==, image->width);
  g_assert_cmpint (result->soft_mask->height, ==, image->height);
  /* The soft mask is the engine's alpha as painted (the fixture is 8-bit already). */
  g_assert_cmpmem (result->soft_mask->data, sizeof (float) * image->width * image->height,
                   fake->mask->data, sizeof (float) * image->width * image->height);
  /* The run's mask is the engine's own, nothing lost. */
  g_assert_cmpfloat (iou_vs_fake (result->mask, fake), ==, 1.0);
  g_assert_cmpint (result->state, ==, PM_RESULT_FOUND);
  g_assert_cmpint (result->mask_pixels, ==, pm_mask_count (result->mask));
  g_assert_cmpfloat_with_epsilon (result->mask_share, (double) result->mask_pixels /
                                  ((double) image->width * image->height), 1e-12);

  /* The derived mask recovers the engine's mask from the pixels alone. */
  iou = iou_vs_fake (result->derived_mask, fake);
  g_test_message ("derived vs engine mask IoU %.4f", iou);
  g_assert_cmpfloat (iou, >, 0.97);
  g_assert_cmpfloat_with_epsilon (result->derived_iou, iou, 1e-12);

  /* Outside the engine's mask the edit is bit-identical. */
  for (gsize i = 0; i < (gsize) image->width * image->height; i++)
    if (fake->mask->data[i] == 0.0f &&
        memcmp (image->data + 4 * i, result->edited->data + 4 * i, 4) != 0)
      n_changed_outside++;
  g_assert_cmpuint (n_changed_outside, ==, 0);

  /* Binary mask is 0/1; soft mask is within 0..1. */
  for (gsize i = 0; i < (gsize) image->width * image->height; i++)
    {
      g_assert_true (result->mask->data[i] == 0.0f || result->mask->data[i] == 1.0f);
      g_assert_cmpfloat (result->soft_mask->data[i], >=, 0.0f);
      g_assert_cmpfloat (result->soft_mask->data[i], <=, 1.0f);
    }

  /* Timings: parse, the engine's stages, edit, derive, total, in that order. */
  {
    static const char * const order[] = { "parse", "fake-encode", "fake-decode", "edit",
                                          "derive", "total" };
    GArray *items = result->timings->items;
    g_assert_cmpuint (items->len, ==, G_N_ELEMENTS (order));
    for (guint i = 0; i < items->len; i++)
      {
        const PmTiming *t = &g_array_index (items, PmTiming, i);
        g_assert_cmpstr (t->stage, ==, order[i]);
        g_assert_cmpfloat (t->ms, >=, 0.0);
      }
    g_assert_cmpfloat (pm_timings_get (result->timings, "fake-decode"), ==, 2.5);
    g_assert_cmpfloat (pm_timings_get (result->timings, "total"), >=,
                       pm_timings_get (result->timings, "derive"));
  }

  /* Progress: monotonic (the fake engine steps back once), ends at 1, names the steps. */
  assert_monotonic (&log);
  g_assert_true (log_has_stage (&log, "fake step 2"));
  g_assert_true (log_has_stage (&log, "painting"));
  g_assert_true (log_has_stage (&log, "deriving mask"));
  progress_log_clear (&log);
}

static void
test_color_choice (void)
{
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmEngine) engine = NULL;
  FakeEngine *fake;
  PmPipelineOptions options;
  g_autoptr(GError) error = NULL;
  PmRgb green = { 0, 1, 0 }, blue = { 0, 0, 1 }, gold = { 1, 0.84f, 0 };

  if (!have_sample ())
    return;
  image = load_sample ();
  engine = fake_engine_new (image);
  fake = (FakeEngine *) engine;

  /* The instruction's colour. */
  {
    g_autoptr(PmPipelineResult) result = pm_pipeline_run (engine, image, "paint the cat blue",
                                                          NULL, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (rgb_equal (result->color, blue));
    g_assert_cmpfloat (iou_vs_fake (result->mask, fake), >, 0.97);
  }

  /* --color wins over the instruction's colour. */
  pm_pipeline_options_init (&options);
  options.has_color = TRUE;
  options.color = green;
  {
    g_autoptr(PmPipelineResult) result = pm_pipeline_run (engine, image, "paint the cat blue",
                                                          &options, NULL, NULL, NULL, &error);
    gsize n_green = 0, n_inside = 0;

    g_assert_no_error (error);
    g_assert_true (rgb_equal (result->color, green));
    for (gsize i = 0; i < (gsize) image->width * image->height; i++)
      if (fake->mask->data[i] == 1.0f)
        {
          const guint8 *p = result->edited->data + 4 * i;
          n_inside++;
          if (p[1] > p[0] && p[1] > p[2])
            n_green++;
        }
    /* Lightness is kept, so very dark or blown-out pixels stay grey; most turn green. */
    g_assert_cmpuint (n_green, >, n_inside * 8 / 10);
    g_assert_cmpfloat (iou_vs_fake (result->mask, fake), >, 0.97);
  }

  /* A custom highlight for "segment …", and --color over it. */
  pm_pipeline_options_init (&options);
  options.has_highlight = TRUE;
  options.highlight = gold;
  {
    g_autoptr(PmPipelineResult) result = pm_pipeline_run (engine, image, "segment the cat",
                                                          &options, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (rgb_equal (result->color, gold));
  }
  options.has_color = TRUE;
  options.color = green;
  {
    g_autoptr(PmPipelineResult) result = pm_pipeline_run (engine, image, "segment the cat",
                                                          &options, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (rgb_equal (result->color, green));
  }
}

static void
test_remote_result (void)
{
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmEngine) engine = NULL;
  FakeEngine *fake;
  g_autoptr(PmPipelineResult) result = NULL;
  g_autoptr(GError) error = NULL;
  double iou;

  if (!have_sample ())
    return;
  image = load_sample ();
  engine = fake_engine_new (image);
  fake = (FakeEngine *) engine;

  /* A remote engine hands back an edited image of another size and no soft mask. */
  fake->remote = TRUE;
  fake->remote_color = (PmRgb) { 0.1f, 0.4f, 1.0f };
  result = pm_pipeline_run (engine, image, "paint the cat blue", NULL, NULL, NULL, NULL,
                            &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->state, ==, PM_RESULT_FOUND);
  g_assert_cmpint (result->edited->width, ==, image->width);
  g_assert_cmpint (result->edited->height, ==, image->height);
  g_assert_cmpint (result->mask->width, ==, image->width);
  g_assert_cmpint (result->mask->height, ==, image->height);
  iou = iou_vs_fake (result->mask, fake);
  g_test_message ("remote (half size) derived vs engine mask IoU %.4f", iou);
  g_assert_cmpfloat (iou, >, 0.90);
  /* For an edit made elsewhere the derived mask is the run's mask. */
  g_assert_cmpfloat (pm_mask_iou (result->derived_mask, result->mask, NULL, NULL), ==, 1.0);
  g_assert_cmpfloat (result->derived_iou, ==, 1.0);
  g_assert_cmpfloat (pm_timings_get (result->timings, "edit"), >=, 0.0);
}

static void
test_cancel (void)
{
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmEngine) engine = NULL;
  FakeEngine *fake;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  PmPipelineResult *result;

  if (!have_sample ())
    return;
  image = load_sample ();
  engine = fake_engine_new (image);
  fake = (FakeEngine *) engine;

  /* Cancelled before the start: the engine never runs. */
  g_cancellable_cancel (cancellable);
  result = pm_pipeline_run (engine, image, "segment the cat", NULL, NULL, NULL, cancellable,
                            &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (fake->runs, ==, 0);
  g_clear_error (&error);

  /* Cancelled while the engine runs: stops before painting. */
  g_cancellable_reset (cancellable);
  fake->cancel_in_run = cancellable;
  result = pm_pipeline_run (engine, image, "segment the cat", NULL, NULL, NULL, cancellable,
                            &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (fake->runs, ==, 1);
  fake->cancel_in_run = NULL;
}

typedef struct {
  GMainLoop        *loop;
  PmPipelineResult *result;
  GError           *error;
  gboolean          done;
} AsyncWait;

static void
async_done_cb (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  AsyncWait *wait = user_data;

  g_assert_null (source);
  wait->result = pm_pipeline_run_finish (res, &wait->error);
  wait->done = TRUE;
  g_main_loop_quit (wait->loop);
}

static void
test_async (void)
{
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmEngine) engine = NULL;
  FakeEngine *fake;
  g_autoptr(GMainContext) context = g_main_context_new ();
  AsyncWait wait = { 0 };
  ProgressLog log;

  if (!have_sample ())
    return;
  image = load_sample ();
  engine = fake_engine_new (image);
  fake = (FakeEngine *) engine;

  /* Use a private context pushed as thread-default, as a GTK app's nested loops would. */
  g_main_context_push_thread_default (context);
  wait.loop = g_main_loop_new (context, FALSE);
  progress_log_init (&log);
  log.expected_thread = g_thread_self ();

  pm_pipeline_run_async (engine, image, "segment the cat", NULL, progress_log_cb, &log,
                         progress_log_destroy, NULL, async_done_cb, &wait);
  /* The job has its own copy of the image: scribbling on ours must not matter. */
  memset (image->data, 0, (gsize) image->width * image->height * 4 / 2);
  g_main_loop_run (wait.loop);

  g_assert_true (wait.done);
  g_assert_no_error (wait.error);
  g_assert_nonnull (wait.result);
  g_assert_cmpfloat (iou_vs_fake (wait.result->mask, fake), >, 0.97);

  /* Drain what is left (the relay's last reference), then the destroy notify has run once. */
  while (log.destroyed == 0)
    g_main_context_iteration (context, TRUE);
  g_assert_cmpint (log.destroyed, ==, 1);
  g_assert_false (log.wrong_thread);
  assert_monotonic (&log);

  pm_pipeline_result_free (wait.result);
  g_main_loop_unref (wait.loop);
  progress_log_clear (&log);
  g_main_context_pop_thread_default (context);
}

static int
count_stage (ProgressLog *log,
             const char  *stage)
{
  int n = 0;

  for (guint i = 0; i < log->stages->len; i++)
    if (g_strcmp0 (g_ptr_array_index (log->stages, i), stage) == 0)
      n++;
  return n;
}

static void
test_async_coalesced (void)
{
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmEngine) engine = NULL;
  FakeEngine *fake;
  AsyncWait wait = { 0 };
  ProgressLog log;

  if (!have_sample ())
    return;
  image = load_sample ();
  engine = fake_engine_new (image);
  fake = (FakeEngine *) engine;
  fake->burst = 10000;

  wait.loop = g_main_loop_new (NULL, FALSE);
  progress_log_init (&log);
  log.expected_thread = g_thread_self ();
  pm_pipeline_run_async (engine, image, "segment the cat", NULL, progress_log_cb, &log,
                         progress_log_destroy, NULL, async_done_cb, &wait);

  /* While this thread does not iterate its main context, the engine reports 10000 times.
   * Coalescing means at most one of those reaches the main loop (the newest). */
  g_mutex_lock (&fake->burst_lock);
  while (!fake->burst_done)
    g_cond_wait (&fake->burst_cond, &fake->burst_lock);
  g_mutex_unlock (&fake->burst_lock);

  g_main_loop_run (wait.loop);
  g_assert_no_error (wait.error);
  g_assert_nonnull (wait.result);
  while (log.destroyed == 0)
    g_main_context_iteration (NULL, TRUE);

  g_test_message ("%u progress calls reached the main loop", log.fractions->len);
  g_assert_cmpint (count_stage (&log, "fake burst"), <=, 1);
  g_assert_cmpuint (log.fractions->len, <, 20);
  g_assert_false (log.wrong_thread);
  assert_monotonic (&log);

  pm_pipeline_result_free (wait.result);
  g_main_loop_unref (wait.loop);
  progress_log_clear (&log);
}

static void
test_async_cancel (void)
{
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmEngine) engine = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncWait wait = { 0 };

  if (!have_sample ())
    return;
  image = load_sample ();
  engine = fake_engine_new (image);

  wait.loop = g_main_loop_new (NULL, FALSE);
  g_cancellable_cancel (cancellable);
  pm_pipeline_run_async (engine, image, "segment the cat", NULL, NULL, NULL, NULL,
                         cancellable, async_done_cb, &wait);
  g_main_loop_run (wait.loop);
  g_assert_null (wait.result);
  g_assert_error (wait.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&wait.error);
  g_main_loop_unref (wait.loop);
}

static void
test_empty_instruction (void)
{
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmEngine) engine = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmPipelineResult) a = NULL;
  g_autoptr(PmPipelineResult) b = NULL;

  if (!have_sample ())
    return;
  image = load_sample ();
  engine = fake_engine_new (image);

  /* The parser never fails; an empty or NULL text reaches the engine as an empty target. */
  a = pm_pipeline_run (engine, image, "", NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (a->instruction->target, ==, "");
  b = pm_pipeline_run (engine, image, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (b->mask);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/pipeline/derived-matches-engine", test_derived_matches_engine);
  g_test_add_func ("/engine/pipeline/color-choice", test_color_choice);
  g_test_add_func ("/engine/pipeline/engine-sees-color", test_engine_sees_color);
  g_test_add_func ("/engine/pipeline/remote-result", test_remote_result);
  g_test_add_func ("/engine/pipeline/cancel", test_cancel);
  g_test_add_func ("/engine/pipeline/async", test_async);
  g_test_add_func ("/engine/pipeline/async-coalesced", test_async_coalesced);
  g_test_add_func ("/engine/pipeline/async-cancel", test_async_cancel);
  g_test_add_func ("/engine/pipeline/empty-instruction", test_empty_instruction);

  return g_test_run ();
}
