/* test-pipeline-list.c: the pipeline on lists ("paint the cup blue and the saucer green"):
 * one engine run per item for local engines, one for a remote one, overlaps, chosen
 * colours, empty items, imports, and the built-in engine end to end.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-pipeline-list"

#include <math.h>
#include <string.h>

#include "pm-pipeline.h"
#include "pm-color-choose.h"
#include "pm-edit.h"
#include "pm-metrics.h"
#include "pm-test-util.h"

#define W 240
#define H 160

/* ---------------------------------------------------------------- the photo */

/* Grey with shading and noise; a red disk on the left, a blue square on the right, and a
 * wide green band at the bottom that overlaps neither. @truth gets their masks. */
static PmImage *
make_photo (PmMask *truth[3])
{
  PmImage *img = pm_image_new (W, H);
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);

  for (int k = 0; k < 3; k++)
    truth[k] = pm_mask_new (W, H);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        guint8 *p = img->data + ((gsize) y * W + x) * 4;
        int base[3] = { 128, 128, 128 };
        double dx = x + 0.5 - 60, dy = y + 0.5 - 65, shade = 0.85 + 0.3 * (double) y / H;
        int k = -1;

        if (dx * dx + dy * dy <= 40 * 40)
          k = 0, base[0] = 200, base[1] = 40, base[2] = 40;
        else if (x >= 140 && x < 210 && y >= 30 && y < 100)
          k = 1, base[0] = 40, base[1] = 60, base[2] = 190;
        else if (y >= 125 && y < 150 && x >= 20 && x < 220)
          k = 2, base[0] = 60, base[1] = 150, base[2] = 60;
        if (k >= 0)
          truth[k]->data[(gsize) y * W + x] = 1.0f;
        for (int c = 0; c < 3; c++)
          p[c] = (guint8) CLAMP (base[c] * shade + g_rand_int_range (rand, -10, 11), 0, 255);
        p[3] = 255;
      }
  return img;
}

static double
iou (const PmMask *a,
     const PmMask *b)
{
  return pm_mask_iou (a, b, NULL, NULL);
}

static double
hue_gap_deg (PmRgb a,
             PmRgb b)
{
  PmOklch x = pm_oklab_to_oklch (pm_rgb_to_oklab (a));
  PmOklch y = pm_oklab_to_oklch (pm_rgb_to_oklab (b));

  return fabs (remainder (x.h - y.h, 2 * G_PI)) * 180 / G_PI;
}

/* ---------------------------------------------------------------- a fake engine */

/* Answers by the item's target: "disk", "square", "band" (the true masks, feathered),
 * "wide" (disk and square and what is between, alpha 0.8), "nothing" (EMPTY); a target
 * ending in "guess" is a GUESS. A remote fake (paints_lists) paints every item it is given
 * in the item's colour and answers a resized edit. */
typedef struct {
  PmEngine  parent;
  PmMask   *truth[3];
  int       runs;
  guint     seen_items;        /* items of the last instruction given */
  gboolean  seen_colors;       /* every item carried a colour */
  char     *seen_names[4];
} FakeEngine;

static PmMask *
fake_region (FakeEngine *self,
             const char *target,
             float       alpha)
{
  PmMask *m = pm_mask_new (W, H);

  for (gsize p = 0; p < (gsize) W * H; p++)
    {
      gboolean disk = self->truth[0]->data[p] > 0.5f, square = self->truth[1]->data[p] > 0.5f;
      int x = p % W, y = p / W;
      gboolean in = FALSE;

      if (g_str_has_prefix (target, "disk"))
        in = disk;
      else if (g_str_has_prefix (target, "square"))
        in = square;
      else if (g_str_has_prefix (target, "band"))
        in = self->truth[2]->data[p] > 0.5f;
      else if (g_str_has_prefix (target, "wide"))
        in = disk || square || (x >= 60 && x < 175 && y >= 45 && y < 85);
      m->data[p] = in ? alpha : 0.0f;
    }
  return m;
}

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
  guint n = pm_instruction_get_n_items (instruction);

  self->runs++;
  self->seen_items = n;
  self->seen_colors = TRUE;
  for (guint i = 0; i < n && i < 4; i++)
    {
      const PmInstruction *item = pm_instruction_get_item (instruction, i);

      self->seen_colors = self->seen_colors && item->has_color;
      g_free (self->seen_names[i]);
      self->seen_names[i] = g_strdup (item->color_name);
    }
  if (progress != NULL)
    progress ("fake", 1.0, progress_data);

  if (engine->klass->paints_lists)
    {
      g_autoptr(PmImage) edited = pm_image_copy (image);

      for (guint i = 0; i < n; i++)
        {
          const PmInstruction *item = pm_instruction_get_item (instruction, i);
          g_autoptr(PmMask) region = fake_region (self, item->target, 1.0f);
          PmImage *next = pm_edit_recolor (edited, region, item->color, NULL);

          pm_image_free (edited);
          edited = next;
        }
      result->edited = pm_image_resize (edited, W * 9 / 10, H * 9 / 10);
      return TRUE;
    }

  g_assert_cmpuint (n, ==, 1);
  result->soft_mask = fake_region (self, instruction->target,
                                   g_str_has_prefix (instruction->target, "wide") ? 0.8f : 1.0f);
  result->state = g_str_has_suffix (instruction->target, "guess") ? PM_RESULT_GUESS
                  : g_str_has_prefix (instruction->target, "nothing") ? PM_RESULT_EMPTY
                  : PM_RESULT_FOUND;
  result->message = g_strdup_printf ("fake %s", instruction->target);
  result->model = g_strdup ("fake-model");
  return TRUE;
}

static void
fake_finalize (PmEngine *engine)
{
  FakeEngine *self = (FakeEngine *) engine;

  for (int k = 0; k < 3; k++)
    pm_mask_free (self->truth[k]);
  for (int k = 0; k < 4; k++)
    g_free (self->seen_names[k]);
  g_free (self);
}

static const PmEngineClass local_class = {
  .name = "fake-local",
  .run = fake_run,
  .finalize = fake_finalize,
};

static const PmEngineClass remote_class = {
  .name = "fake-remote",
  .run = fake_run,
  .finalize = fake_finalize,
  .paints_lists = TRUE,
};

static PmEngine *
fake_new (gboolean   remote,
          PmImage  **photo)
{
  FakeEngine *self = g_new0 (FakeEngine, 1);

  self->parent.klass = remote ? &remote_class : &local_class;
  self->parent.ref_count = 1;
  *photo = make_photo (self->truth);
  return &self->parent;
}

static PmPipelineResult *
run (PmEngine      *engine,
     const PmImage *photo,
     const char    *instruction)
{
  GError *error = NULL;
  PmPipelineResult *result = pm_pipeline_run (engine, photo, instruction, NULL, NULL, NULL,
                                              NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

/* ---------------------------------------------------------------- tests */

/* One engine run per item; each item its named colour; one edit; the label map. */
static void
test_local_items (void)
{
  g_autoptr(PmImage) photo = NULL;
  g_autoptr(PmEngine) engine = fake_new (FALSE, &photo);
  FakeEngine *fake = (FakeEngine *) engine;
  g_autoptr(PmPipelineResult) r = run (engine, photo,
                                       "paint the disk yellow and the square green");
  g_autoptr(PmLabels) labels = NULL;

  g_assert_cmpint (fake->runs, ==, 2);
  g_assert_cmpuint (fake->seen_items, ==, 1);
  g_assert_cmpuint (r->n_items, ==, 2);
  g_assert_cmpint (r->state, ==, PM_RESULT_FOUND);
  g_assert_cmpstr (r->items[0].instruction->target, ==, "disk");
  g_assert_cmpstr (r->items[1].instruction->target, ==, "square");
  g_assert_cmpstr (r->items[0].color_name, ==, "yellow");
  g_assert_cmpstr (r->items[1].color_name, ==, "green");
  g_assert_false (r->items[0].color_chosen);
  g_assert_cmpfloat (iou (r->items[0].mask, fake->truth[0]), ==, 1.0);
  g_assert_cmpfloat (iou (r->items[1].mask, fake->truth[1]), ==, 1.0);
  g_assert_cmpint (r->items[0].mask_pixels, ==, pm_mask_count (fake->truth[0]));
  g_assert_cmpint (r->mask_pixels, ==, r->items[0].mask_pixels + r->items[1].mask_pixels);
  g_assert_cmpstr (r->message, ==, "disk: fake disk; square: fake square");
  g_assert_cmpstr (r->model, ==, "fake-model");

  /* The label map, and the one read back off the edit. */
  g_assert_nonnull (r->labels);
  g_assert_cmpint (pm_labels_count (r->labels, 1), ==, r->items[0].mask_pixels);
  g_assert_cmpint (pm_labels_count (r->labels, 2), ==, r->items[1].mask_pixels);
  labels = pm_pipeline_result_dup_labels (r);
  g_assert_cmpmem (labels->data, W * H, r->labels->data, W * H);
  g_assert_nonnull (r->derived_labels);
  g_assert_cmpfloat (r->items[0].derived_iou, >=, 0.95);
  g_assert_cmpfloat (r->items[1].derived_iou, >=, 0.95);
  g_assert_cmpfloat (r->derived_iou, >=, 0.95);

  /* Painted in both colours, untouched elsewhere. */
  for (gsize p = 0; p < (gsize) W * H; p++)
    if (r->soft_mask->data[p] == 0.0f)
      g_assert_cmpmem (r->edited->data + 4 * p, 4, photo->data + 4 * p, 4);
  g_assert_cmpfloat (hue_gap_deg (r->items[0].color, r->items[1].color), >, 30);
}

/* Where two items overlap, the found one beats the guessed one; between two found, the one
 * with the higher mean alpha on the overlap keeps it. */
static void
test_overlap (void)
{
  g_autoptr(PmImage) photo = NULL;
  g_autoptr(PmEngine) engine = fake_new (FALSE, &photo);
  FakeEngine *fake = (FakeEngine *) engine;
  g_autoptr(PmPipelineResult) a = run (engine, photo, "segment the wide thing and the disk");
  g_autoptr(PmPipelineResult) b = run (engine, photo,
                                       "segment the wide guess and the square guess");
  g_autoptr(PmPipelineResult) c = run (engine, photo, "segment the wide guess and the disk");
  g_autoptr(PmMask) disk = NULL;

  /* wide (0.8) vs disk (1.0): the disk keeps itself; wide keeps the rest. */
  g_assert_cmpfloat (iou (a->items[1].mask, fake->truth[0]), ==, 1.0);
  g_assert_cmpint (a->items[0].mask_pixels, >, 0);
  for (gsize p = 0; p < (gsize) W * H; p++)
    g_assert_false (a->items[0].mask->data[p] > 0.5f && a->items[1].mask->data[p] > 0.5f);

  /* Both guessed: alpha decides (the square's 1.0 beats wide's 0.8). */
  g_assert_cmpint (b->state, ==, PM_RESULT_GUESS);
  g_assert_cmpfloat (iou (b->items[1].mask, fake->truth[1]), ==, 1.0);

  /* A found item beats a guessed one. */
  g_assert_cmpint (c->items[0].state, ==, PM_RESULT_GUESS);
  g_assert_cmpint (c->items[1].state, ==, PM_RESULT_FOUND);
  g_assert_cmpint (c->state, ==, PM_RESULT_FOUND);
  disk = pm_labels_get_mask (c->labels, 2);
  g_assert_cmpfloat (iou (disk, fake->truth[0]), ==, 1.0);
}

/* "segment" items get colours chosen for them: far from each other and from the objects'
 * own (not red on the red disk, not blue on the blue square), and reported. */
static void
test_chosen_colors (void)
{
  g_autoptr(PmImage) photo = NULL;
  g_autoptr(PmEngine) engine = fake_new (FALSE, &photo);
  FakeEngine *fake = (FakeEngine *) engine;
  g_autoptr(PmPipelineResult) r = run (engine, photo,
                                       "segment the disk, the square and the band");

  g_assert_cmpuint (r->n_items, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      PmRgb named;

      g_assert_true (r->items[i].color_chosen);
      g_assert_nonnull (r->items[i].color_name);
      g_assert_true (pm_color_parse (r->items[i].color_name, &named));
      g_assert_cmpfloat (fabsf (named.r - r->items[i].color.r), <, 1e-6);
      g_assert_cmpfloat (pm_color_choose_weak_share (photo, fake->truth[i], r->items[i].color),
                         <, 0.05);
      for (guint j = 0; j < i; j++)
        g_assert_cmpfloat (hue_gap_deg (r->items[i].color, r->items[j].color), >=, 80);
    }
  g_assert_cmpfloat (hue_gap_deg (r->items[0].color, (PmRgb) { 0.78f, 0.16f, 0.16f }), >, 40);
  g_assert_cmpfloat (hue_gap_deg (r->items[1].color, (PmRgb) { 0.16f, 0.24f, 0.75f }), >, 40);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat (r->items[i].derived_iou, >=, 0.9);
}

/* An item the engine does not find is EMPTY and paints nothing; the run is FOUND if any
 * item was. All items empty: an EMPTY run, the edit the original. */
static void
test_empty_items (void)
{
  g_autoptr(PmImage) photo = NULL;
  g_autoptr(PmEngine) engine = fake_new (FALSE, &photo);
  FakeEngine *fake = (FakeEngine *) engine;
  g_autoptr(PmPipelineResult) some = run (engine, photo, "segment the disk and the nothing");
  g_autoptr(PmPipelineResult) none = run (engine, photo,
                                          "segment the nothing and the nothing else");

  g_assert_cmpint (some->state, ==, PM_RESULT_FOUND);
  g_assert_cmpint (some->items[1].state, ==, PM_RESULT_EMPTY);
  g_assert_cmpint (some->items[1].mask_pixels, ==, 0);
  g_assert_cmpint (some->mask_pixels, ==, pm_mask_count (fake->truth[0]));

  g_assert_cmpint (none->state, ==, PM_RESULT_EMPTY);
  g_assert_cmpint (none->mask_pixels, ==, 0);
  g_assert_cmpmem (none->edited->data, W * H * 4, photo->data, W * H * 4);
  g_assert_cmpint (pm_labels_count (none->labels, 0), ==, W * H);
  g_assert_cmpint (pm_labels_count (none->derived_labels, 0), ==, W * H);
}

/* A remote engine is run once with every item and its colour; the items are read off its
 * (resized) edit by colour. */
static void
test_remote (void)
{
  g_autoptr(PmImage) photo = NULL;
  g_autoptr(PmEngine) engine = fake_new (TRUE, &photo);
  FakeEngine *fake = (FakeEngine *) engine;
  g_autoptr(PmPipelineResult) r = run (engine, photo, "paint the disk yellow and the square "
                                       "green and segment the band");

  g_assert_cmpint (fake->runs, ==, 1);
  g_assert_cmpuint (fake->seen_items, ==, 3);
  g_assert_true (fake->seen_colors);
  g_assert_cmpstr (fake->seen_names[0], ==, "yellow");
  g_assert_cmpstr (fake->seen_names[1], ==, "green");
  g_assert_true (r->items[2].color_chosen);
  g_assert_cmpstr (fake->seen_names[2], ==, r->items[2].color_name);
  for (guint i = 0; i < 3; i++)
    {
      g_test_message ("item %u: IoU %.4f", i, iou (r->items[i].mask, fake->truth[i]));
      g_assert_cmpfloat (iou (r->items[i].mask, fake->truth[i]), >=, 0.9);
      g_assert_cmpint (r->items[i].state, ==, PM_RESULT_FOUND);
    }
  g_assert_cmpint (r->edited->width, ==, W);
  g_assert_cmpfloat (iou (r->derived_mask, r->mask), ==, 1.0);
}

/* An edit made elsewhere, with a list instruction: every item needs a colour. */
static void
test_import (void)
{
  g_autoptr(PmImage) photo = NULL;
  g_autoptr(PmEngine) engine = fake_new (TRUE, &photo);
  FakeEngine *fake = (FakeEngine *) engine;
  g_autoptr(PmPipelineResult) made = run (engine, photo, "paint the disk yellow and the square "
                                          "magenta");
  g_autoptr(PmPipelineResult) imported = NULL;
  g_autoptr(PmPipelineResult) refused = NULL;
  PmPipelineOptions options;
  GError *error = NULL;

  imported = pm_pipeline_import (photo, made->edited, "paint the disk yellow and the square "
                                 "magenta", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (imported->engine, ==, "import");
  g_assert_cmpuint (imported->n_items, ==, 2);
  g_assert_cmpfloat (iou (imported->items[0].mask, fake->truth[0]), >=, 0.9);
  g_assert_cmpfloat (iou (imported->items[1].mask, fake->truth[1]), >=, 0.9);

  refused = pm_pipeline_import (photo, made->edited, "segment the disk and the square", NULL,
                                &error);
  g_assert_null (refused);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "names no colour"));
  g_clear_error (&error);

  /* Colours given as options stand for the ones the items do not name. */
  pm_pipeline_options_init (&options);
  options.n_item_colors = 2;
  options.item_colors[0] = (PmRgb) { 1, 1, 0 };
  options.item_colors[1] = (PmRgb) { 1, 0, 1 };
  g_clear_pointer (&imported, pm_pipeline_result_free);
  imported = pm_pipeline_import (photo, made->edited, "segment the disk and the square",
                                 &options, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (iou (imported->items[1].mask, fake->truth[1]), >=, 0.9);
}

/* A single object: one item, which is the run itself; no label map but the mask as 1. */
static void
test_single (void)
{
  g_autoptr(PmImage) photo = NULL;
  g_autoptr(PmEngine) engine = fake_new (FALSE, &photo);
  g_autoptr(PmPipelineResult) r = run (engine, photo, "paint the disk yellow");
  g_autoptr(PmLabels) labels = NULL;

  g_assert_cmpuint (r->n_items, ==, 1);
  g_assert_true (r->items[0].mask == r->mask);
  g_assert_true (r->items[0].instruction == r->instruction);
  g_assert_cmpstr (r->items[0].color_name, ==, "yellow");
  g_assert_null (r->labels);
  labels = pm_pipeline_result_dup_labels (r);
  g_assert_cmpint (pm_labels_count (labels, 1), ==, r->mask_pixels);
}

/* The built-in engine end to end: colour words find each object of a list. */
static void
test_builtin (void)
{
  g_autoptr(PmImage) photo = NULL;
  g_autoptr(PmEngine) fake = fake_new (FALSE, &photo);
  FakeEngine *truth = (FakeEngine *) fake;
  g_autoptr(PmEngine) engine = pm_engine_new ("builtin", NULL, NULL);
  g_autoptr(PmPipelineResult) r = run (engine, photo,
                                       "segment the red ball and the blue box");

  g_assert_cmpuint (r->n_items, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_test_message ("builtin item %u (%s): IoU %.4f, state %s, colour %s", i,
                      r->items[i].instruction->target, iou (r->items[i].mask, truth->truth[i]),
                      pm_result_state_to_string (r->items[i].state), r->items[i].color_name);
      g_assert_cmpfloat (iou (r->items[i].mask, truth->truth[i]), >=, 0.9);
      g_assert_cmpint (r->items[i].state, ==, PM_RESULT_FOUND);
      g_assert_true (r->items[i].color_chosen);
      g_assert_cmpfloat (r->items[i].derived_iou, >=, 0.9);
    }
  g_assert_cmpfloat (hue_gap_deg (r->items[0].color, r->items[1].color), >=, 80);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/pipeline-list/local-items", test_local_items);
  g_test_add_func ("/engine/pipeline-list/overlap", test_overlap);
  g_test_add_func ("/engine/pipeline-list/chosen-colors", test_chosen_colors);
  g_test_add_func ("/engine/pipeline-list/empty-items", test_empty_items);
  g_test_add_func ("/engine/pipeline-list/remote", test_remote);
  g_test_add_func ("/engine/pipeline-list/import", test_import);
  g_test_add_func ("/engine/pipeline-list/single", test_single);
  g_test_add_func ("/engine/pipeline-list/builtin", test_builtin);
  return g_test_run ();
}
