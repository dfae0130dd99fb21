/* test-pipeline-states.c: result states (found, guess, empty) and exactly what is painted.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-pipeline-states"

#include <math.h>
#include <string.h>

#include "pm-pipeline.h"
#include "pm-edit.h"
#include "pm-maskio.h"
#include "pm-metrics.h"
#include "pm-test-util.h"

/* An engine that answers what the test sets: a soft mask, or an edited image, and a state. */
typedef struct {
  PmEngine       parent;
  PmMask        *mask;
  PmImage       *edited;
  PmResultState  state;
} StubEngine;

static gboolean
stub_run (PmEngine             *engine,
          const PmImage        *image,
          const PmInstruction  *instruction,
          PmProgressFunc        progress,
          gpointer              progress_data,
          GCancellable         *cancellable,
          PmEngineResult       *result,
          GError              **error)
{
  StubEngine *self = (StubEngine *) engine;

  result->state = self->state;
  if (self->mask != NULL)
    result->soft_mask = pm_mask_copy (self->mask);
  else
    result->edited = pm_image_copy (self->edited);
  return TRUE;
}

static void
stub_finalize (PmEngine *engine)
{
  StubEngine *self = (StubEngine *) engine;

  g_clear_pointer (&self->mask, pm_mask_free);
  g_clear_pointer (&self->edited, pm_image_free);
  g_free (self);
}

static const PmEngineClass stub_class = {
  .name = "stub",
  .run = stub_run,
  .finalize = stub_finalize,
};

static StubEngine *
stub_new (PmMask        *mask,
          PmImage       *edited,
          PmResultState  state)
{
  StubEngine *self = g_new0 (StubEngine, 1);

  self->parent.klass = &stub_class;
  self->parent.ref_count = 1;
  self->mask = mask;
  self->edited = edited;
  self->state = state;
  return self;
}

static PmImage *
load_photo (void)
{
  g_autofree char *path = pm_test_source_path ("data/samples/coffee.png");
  GError *error = NULL;
  PmImage *image = pm_image_load (path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);

  g_assert_no_error (error);
  return image;
}

/* A disc with a smooth edge that runs out in values far below one 8-bit step. */
static PmMask *
feathered_disc (int    width,
                int    height,
                double radius,
                float  peak)
{
  PmMask *mask = pm_mask_new (width, height);
  double cx = width * 0.45, cy = height * 0.55;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        double d = hypot (x - cx, y - cy) - radius;
        mask->data[(gsize) y * width + x] = (float) (peak / (1.0 + exp (d / 3.0)));
      }
  return mask;
}

static gsize
count_changed (const PmImage *a,
               const PmImage *b)
{
  gsize n = 0;

  for (gsize i = 0; i < (gsize) a->width * a->height; i++)
    n += memcmp (a->data + 4 * i, b->data + 4 * i, 4) != 0;
  return n;
}

static void
assert_nothing_painted (const PmPipelineResult *result,
                        const PmImage          *image)
{
  gsize n = (gsize) image->width * image->height;

  g_assert_cmpint (result->state, ==, PM_RESULT_EMPTY);
  g_assert_cmpint (result->mask_pixels, ==, 0);
  g_assert_cmpfloat (result->mask_share, ==, 0.0);
  g_assert_cmpmem (result->edited->data, n * 4, image->data, n * 4);
  g_assert_cmpint (pm_mask_count (result->mask), ==, 0);
  g_assert_cmpint (pm_mask_count (result->derived_mask), ==, 0);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat (result->soft_mask->data[i], ==, 0.0f);
}

/* The engine's state reaches the result, with the mask's size and share. */
static void
test_found_and_guess (void)
{
  g_autoptr(PmImage) image = load_photo ();
  int w = image->width, h = image->height;

  for (int s = PM_RESULT_FOUND; s <= PM_RESULT_GUESS; s++)
    {
      g_autoptr(PmEngine) engine = (PmEngine *) stub_new (feathered_disc (w, h, h / 5.0, 1.0f),
                                                          NULL, s);
      g_autoptr(PmPipelineResult) result = NULL;
      GError *error = NULL;

      result = pm_pipeline_run (engine, image, "paint the cup blue", NULL, NULL, NULL, NULL,
                                &error);
      g_assert_no_error (error);
      g_assert_cmpint (result->state, ==, s);
      g_assert_cmpint (result->mask_pixels, ==, pm_mask_count (result->mask));
      g_assert_cmpint (result->mask_pixels, >, 0);
      g_assert_cmpfloat_with_epsilon (result->mask_share,
                                      (double) result->mask_pixels / ((double) w * h), 1e-12);
      g_assert_cmpfloat (result->mask_share, >, 0.05);
      g_assert_cmpfloat (result->mask_share, <, 0.5);
    }
}

/* No pixels, only faint alpha, or an engine that says it found nothing: nothing is
 * painted, and the result says so. */
static void
test_empty (void)
{
  g_autoptr(PmImage) image = load_photo ();
  int w = image->width, h = image->height;
  struct { PmMask *mask; PmResultState state; const char *what; } cases[] = {
    { pm_mask_new (w, h), PM_RESULT_FOUND, "zero mask" },
    { feathered_disc (w, h, h / 5.0, 0.45f), PM_RESULT_FOUND, "faint alpha only" },
    { feathered_disc (w, h, h / 5.0, 1.0f), PM_RESULT_EMPTY, "engine says empty" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PmEngine) engine = (PmEngine *) stub_new (cases[i].mask, NULL, cases[i].state);
      g_autoptr(PmPipelineResult) result = NULL;
      GError *error = NULL;

      g_test_message ("%s", cases[i].what);
      result = pm_pipeline_run (engine, image, "paint the elephant purple", NULL, NULL, NULL,
                                NULL, &error);
      g_assert_no_error (error);
      assert_nothing_painted (result, image);
    }
}

/* A remote edit that changed nothing is empty too, and paints nothing. */
static void
test_remote_empty (void)
{
  g_autoptr(PmImage) image = load_photo ();
  g_autoptr(PmEngine) engine = (PmEngine *) stub_new (NULL, pm_image_copy (image),
                                                      PM_RESULT_FOUND);
  g_autoptr(PmPipelineResult) result = NULL;
  GError *error = NULL;

  result = pm_pipeline_run (engine, image, "paint the cup blue", NULL, NULL, NULL, NULL,
                            &error);
  g_assert_no_error (error);
  assert_nothing_painted (result, image);
}

/* Where the soft mask handed over is 0, the edit equals the original bit for bit, and the
 * soft mask is the alpha used, quantised as its PNG stores it (here a feathered edge whose
 * tail is far below one 8-bit step). */
static void
test_soft_mask_exact (void)
{
  g_autoptr(PmImage) image = load_photo ();
  int w = image->width, h = image->height;
  g_autoptr(PmMask) disc = feathered_disc (w, h, h / 5.0, 1.0f);
  g_autoptr(PmEngine) engine = (PmEngine *) stub_new (pm_mask_copy (disc), NULL,
                                                      PM_RESULT_FOUND);
  g_autoptr(PmPipelineResult) result = NULL;
  g_autoptr(PmImage) repainted = NULL;
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "soft.png", NULL);
  g_autoptr(PmMask) reread = NULL;
  GError *error = NULL;
  gsize n = (gsize) w * h, changed_at_zero = 0, tail = 0;

  result = pm_pipeline_run (engine, image, "paint the cup blue", NULL, NULL, NULL, NULL,
                            &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    {
      if (disc->data[i] > 0.0f && disc->data[i] < 0.5f / 255.0f)
        tail++;
      if (result->soft_mask->data[i] == 0.0f &&
          memcmp (image->data + 4 * i, result->edited->data + 4 * i, 4) != 0)
        changed_at_zero++;
    }
  g_assert_cmpuint (tail, >, 1000);   /* the case is a real one */
  g_assert_cmpuint (changed_at_zero, ==, 0);

  /* The written soft mask reads back as the very alpha painted with. */
  g_assert_true (pm_mask_save_png (result->soft_mask, path, TRUE, &error));
  g_assert_no_error (error);
  reread = pm_mask_load_png (path, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (reread->data, n * sizeof (float), result->soft_mask->data, n * sizeof (float));
  repainted = pm_edit_recolor (image, reread, result->color, NULL);
  g_assert_cmpuint (count_changed (repainted, result->edited), ==, 0);
  /* The run's mask is the painted alpha over one half. */
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat (result->mask->data[i], ==, result->soft_mask->data[i] > 0.5f ? 1.0f : 0.0f);
  pm_test_rmdir (dir);
}

/* An edit from elsewhere: found; another picture: refused with the one rule. */
static void
test_import (void)
{
  g_autoptr(PmImage) image = load_photo ();
  g_autoptr(PmMask) disc = feathered_disc (image->width, image->height, image->height / 5.0, 1.0f);
  g_autoptr(PmImage) edit = pm_edit_recolor (image, disc, (PmRgb) { 0.1f, 0.3f, 1.0f }, NULL);
  g_autoptr(PmImage) small = pm_image_resize (edit, image->width / 2, image->height / 2);
  g_autoptr(PmImage) square = pm_image_resize (edit, image->width, image->width);
  g_autoptr(PmPipelineResult) result = NULL;
  g_autoptr(PmMask) truth = pm_mask_threshold (disc, 0.5f);
  GError *error = NULL;
  double iou;

  result = pm_pipeline_import (image, small, "make the cup blue", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result->engine, ==, "import");
  g_assert_cmpint (result->state, ==, PM_RESULT_FOUND);
  g_assert_cmpint (result->edited->width, ==, image->width);
  iou = pm_mask_iou (result->mask, truth, NULL, NULL);
  /* Measured 0.829: the disc covers the cup's white rim and dark coffee, where a recolour
   * that keeps lightness barely shows (the reason local engines hand over their own mask). */
  g_test_message ("import of a half-size edit: IoU %.3f", iou);
  g_assert_cmpfloat (iou, >, 0.80);
  g_assert_null (pm_pipeline_import (image, square, NULL, NULL, &error));
  g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_SIZE);
  g_clear_error (&error);
}

static void
test_state_strings (void)
{
  static const char * const names[] = { "found", "guess", "empty", "failed" };
  PmResultState state = PM_RESULT_FOUND;

  for (int s = PM_RESULT_FOUND; s <= PM_RESULT_FAILED; s++)
    {
      g_assert_cmpstr (pm_result_state_to_string (s), ==, names[s]);
      g_assert_true (pm_result_state_from_string (names[s], &state));
      g_assert_cmpint (state, ==, s);
    }
  g_assert_false (pm_result_state_from_string ("Found", &state));
  g_assert_false (pm_result_state_from_string (NULL, &state));
  g_assert_cmpint (state, ==, PM_RESULT_FAILED);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/pipeline-states/strings", test_state_strings);
  g_test_add_func ("/engine/pipeline-states/found-and-guess", test_found_and_guess);
  g_test_add_func ("/engine/pipeline-states/empty", test_empty);
  g_test_add_func ("/engine/pipeline-states/remote-empty", test_remote_empty);
  g_test_add_func ("/engine/pipeline-states/soft-mask-exact", test_soft_mask_exact);
  g_test_add_func ("/engine/pipeline-states/import", test_import);
  return g_test_run ();
}
