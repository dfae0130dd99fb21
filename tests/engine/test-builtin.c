/* test-builtin.c: the built-in engine on synthetic scenes (colour, position and ordinal
 * cues, fallback message, progress, cancellation) and on the public eval set.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-engine.h"
#include "pm-metrics.h"
#include "pm-test-util.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- scenes */

typedef enum { SHAPE_DISK, SHAPE_SQUARE } Shape;

typedef struct {
  Shape  shape;
  double cx, cy, r;      /* pixels; r = radius or half side */
  guint8 rgb[3];
} Object;

/* Grey (128 ± noise) with the objects drawn on it; @truths receives one mask each. */
static PmImage *
scene (int           w,
       int           h,
       const Object *objects,
       int           n,
       guint32       seed,
       PmMask      **truths)
{
  PmImage *img = pm_image_new (w, h);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  for (int k = 0; k < n; k++)
    truths[k] = pm_mask_new (w, h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *p = img->data + ((gsize) y * w + x) * 4;
        int base[3] = { 128, 128, 128 };
        /* Lighting gradient: shading must not matter. */
        double shade = 0.85 + 0.3 * (double) y / h;

        for (int k = 0; k < n; k++)
          {
            const Object *o = &objects[k];
            double dx = x + 0.5 - o->cx, dy = y + 0.5 - o->cy;
            gboolean in = o->shape == SHAPE_DISK ? dx * dx + dy * dy <= o->r * o->r
                                                 : fabs (dx) <= o->r && fabs (dy) <= o->r;
            if (in)
              {
                for (int c = 0; c < 3; c++)
                  base[c] = o->rgb[c];
                truths[k]->data[(gsize) y * w + x] = 1.0f;
              }
          }
        for (int c = 0; c < 3; c++)
          p[c] = (guint8) CLAMP (base[c] * shade + g_rand_int_range (rand, -12, 13), 0, 255);
        p[3] = 255;
      }
  return img;
}

/* An instruction as the parser would produce for "segment the <target> …". Written by
 * hand so these tests pin the engine's behaviour independently of the parser. */
static PmInstruction
instruction (const char *target,
             PmPosition  position,
             int         ordinal,
             PmPosition  ordinal_from,
             PmSizeRank  rank)
{
  PmInstruction ins = { 0 };

  ins.text = (char *) target;
  ins.action = PM_ACTION_SEGMENT;
  ins.target = (char *) target;
  ins.position = position;
  ins.ordinal = ordinal;
  ins.ordinal_from = ordinal_from;
  ins.size_rank = rank;
  return ins;
}

typedef struct {
  GPtrArray    *stages;
  GCancellable *cancel_on;
  const char   *cancel_stage;
} Progress;

static void
on_progress (const char *stage,
             double      fraction,
             gpointer    user_data)
{
  Progress *p = user_data;

  g_assert_cmpfloat (fraction, >=, 0.0);
  g_assert_cmpfloat (fraction, <=, 1.0);
  if (p->stages != NULL)
    g_ptr_array_add (p->stages, g_strdup (stage));
  if (p->cancel_on != NULL && g_str_equal (stage, p->cancel_stage))
    g_cancellable_cancel (p->cancel_on);
}

static PmMask *
run (PmEngine            *engine,
     const PmImage       *img,
     const PmInstruction *ins,
     char               **message)
{
  PmEngineResult result = { 0 };
  g_autoptr(GError) error = NULL;
  PmMask *mask;

  g_assert_true (pm_engine_run (engine, img, ins, NULL, NULL, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_nonnull (result.soft_mask);
  g_assert_cmpint (result.soft_mask->width, ==, img->width);
  g_assert_cmpint (result.soft_mask->height, ==, img->height);
  for (gsize i = 0; i < (gsize) img->width * img->height; i++)
    g_assert_true (result.soft_mask->data[i] >= 0.0f && result.soft_mask->data[i] <= 1.0f);
  g_assert_nonnull (result.message);
  if (message)
    *message = g_strdup (result.message);
  mask = g_steal_pointer (&result.soft_mask);
  pm_engine_result_clear (&result);
  return mask;
}

static const Object disk_and_square[] = {
  { SHAPE_DISK,   90, 100, 45, { 210, 40, 35 } },
  { SHAPE_SQUARE, 240, 110, 40, { 40, 70, 200 } },
};

static void
test_color (void)
{
  PmMask *truth[2];
  g_autoptr(PmImage) img = scene (320, 220, disk_and_square, 2, 1, truth);
  g_autoptr(PmEngine) engine = pm_engine_new ("builtin", NULL, NULL);
  PmInstruction red = instruction ("red thing", 0, 0, 0, 0);
  PmInstruction blue = instruction ("blue thing", 0, 0, 0, 0);
  PmInstruction parsed = instruction ("thing", 0, 0, 0, 0);
  g_autofree char *message = NULL;
  g_autoptr(PmMask) m = NULL;
  double score;

  g_assert_nonnull (engine);
  g_assert_cmpstr (pm_engine_get_name (engine), ==, "builtin");

  m = run (engine, img, &red, &message);
  score = pm_mask_iou (m, truth[0], NULL, NULL);
  g_test_message ("red thing: IoU %.3f (%s)", score, message);
  g_assert_cmpfloat (score, >, 0.9);
  g_assert_nonnull (strstr (message, "red"));
  g_clear_pointer (&m, pm_mask_free);

  m = run (engine, img, &blue, NULL);
  score = pm_mask_iou (m, truth[1], NULL, NULL);
  g_test_message ("blue thing: IoU %.3f", score);
  g_assert_cmpfloat (score, >, 0.9);
  g_clear_pointer (&m, pm_mask_free);

  /* The parser's object colour is used too ("the red thing" → object colour red). */
  parsed.has_object_color = TRUE;
  parsed.object_color = (PmRgb) { 1, 0, 0 };
  parsed.object_color_name = (char *) "red";
  m = run (engine, img, &parsed, NULL);
  g_assert_cmpfloat (pm_mask_iou (m, truth[0], NULL, NULL), >, 0.9);
  g_clear_pointer (&m, pm_mask_free);

  /* The paint colour is not a cue: "paint the square on the left red" is the disk. */
  parsed = instruction ("square", PM_POSITION_LEFT, 0, 0, 0);
  parsed.action = PM_ACTION_PAINT;
  parsed.has_color = TRUE;
  parsed.color = (PmRgb) { 0, 0, 1 };
  m = run (engine, img, &parsed, NULL);
  g_assert_cmpfloat (pm_mask_iou (m, truth[0], NULL, NULL), >, 0.9);

  pm_mask_free (truth[0]);
  pm_mask_free (truth[1]);
}

static void
test_position (void)
{
  PmMask *truth[2];
  g_autoptr(PmImage) img = scene (320, 220, disk_and_square, 2, 2, truth);
  g_autoptr(PmEngine) engine = pm_builtin_engine_new ();
  PmInstruction right = instruction ("square", PM_POSITION_RIGHT, 0, 0, 0);
  PmInstruction left = instruction ("thing", PM_POSITION_LEFT, 0, 0, 0);
  g_autofree char *message = NULL;
  g_autoptr(PmMask) m = NULL;
  double score;

  m = run (engine, img, &right, &message);
  score = pm_mask_iou (m, truth[1], NULL, NULL);
  g_test_message ("square on the right: IoU %.3f (%s)", score, message);
  g_assert_cmpfloat (score, >, 0.9);
  g_assert_nonnull (strstr (message, "on the right"));
  g_clear_pointer (&m, pm_mask_free);

  m = run (engine, img, &left, NULL);
  score = pm_mask_iou (m, truth[0], NULL, NULL);
  g_test_message ("thing on the left: IoU %.3f", score);
  g_assert_cmpfloat (score, >, 0.9);

  pm_mask_free (truth[0]);
  pm_mask_free (truth[1]);
}

static void
test_ordinal (void)
{
  /* Three green blobs of different sizes, not in size order. */
  const Object blobs[] = {
    { SHAPE_DISK, 60, 90, 30, { 40, 160, 60 } },
    { SHAPE_DISK, 170, 100, 38, { 40, 160, 60 } },
    { SHAPE_DISK, 290, 80, 26, { 40, 160, 60 } },
  };
  PmMask *truth[3];
  g_autoptr(PmImage) img = scene (360, 180, blobs, 3, 3, truth);
  g_autoptr(PmEngine) engine = pm_builtin_engine_new ();
  struct {
    PmInstruction ins;
    int           expected;
  } cases[] = {
    { instruction ("green blob", 0, 2, PM_POSITION_LEFT, 0), 1 },
    { instruction ("green blob", 0, 1, PM_POSITION_LEFT, 0), 0 },
    { instruction ("green blob", 0, -1, PM_POSITION_LEFT, 0), 2 },
    { instruction ("green blob", 0, 1, PM_POSITION_RIGHT, 0), 2 },
    { instruction ("green blob", 0, 0, 0, PM_SIZE_RANK_SMALLEST), 2 },
    { instruction ("green blob", 0, 0, 0, PM_SIZE_RANK_LARGEST), 1 },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *message = NULL;
      g_autoptr(PmMask) m = run (engine, img, &cases[c].ins, &message);
      double score = pm_mask_iou (m, truth[cases[c].expected], NULL, NULL);

      g_test_message ("case %u: IoU %.3f (%s)", c, score, message);
      g_assert_cmpfloat (score, >, 0.9);
    }
  for (int k = 0; k < 3; k++)
    pm_mask_free (truth[k]);
}

static void
test_fallback_message (void)
{
  PmMask *truth[2];
  g_autoptr(PmImage) img = scene (200, 140, disk_and_square, 1, 4, truth);
  g_autoptr(PmEngine) engine = pm_builtin_engine_new ();
  PmInstruction banana = instruction ("banana", 0, 0, 0, 0);
  g_autofree char *message = NULL;
  g_autoptr(PmMask) m = run (engine, img, &banana, &message);

  g_assert_cmpstr (message, ==, "No colour or position cue in “banana”: the built-in engine "
                                "picked the most salient object; install CLIPSeg to find "
                                "objects by name");
  /* The only object is the most salient one. */
  g_test_message ("salient IoU %.3f", pm_mask_iou (m, truth[0], NULL, NULL));
  g_assert_cmpfloat (pm_mask_iou (m, truth[0], NULL, NULL), >, 0.8);
  pm_mask_free (truth[0]);
}

static PmResultState
run_state (PmEngine            *engine,
           const PmImage       *img,
           const PmInstruction *ins)
{
  PmEngineResult result = { 0 };
  g_autoptr(GError) error = NULL;
  PmResultState state;

  g_assert_true (pm_engine_run (engine, img, ins, NULL, NULL, NULL, &result, &error));
  g_assert_no_error (error);
  state = result.state;
  pm_engine_result_clear (&result);
  return state;
}

/* Found when a colour or (for a phrase naming nothing else) a position picked the region;
 * a guess when saliency stood in for a name the engine cannot recognise. */
static void
test_states (void)
{
  PmMask *truth[2];
  g_autoptr(PmImage) img = scene (320, 220, disk_and_square, 2, 1, truth);
  g_autoptr(PmEngine) engine = pm_builtin_engine_new ();
  struct { PmInstruction ins; PmResultState state; } cases[] = {
    { instruction ("red thing", 0, 0, 0, 0), PM_RESULT_FOUND },
    { instruction ("blue square", 0, 0, 0, 0), PM_RESULT_FOUND },
    { instruction ("thing", PM_POSITION_LEFT, 0, 0, 0), PM_RESULT_FOUND },
    { instruction ("", 0, 0, 0, PM_SIZE_RANK_LARGEST), PM_RESULT_FOUND },
    { instruction ("banana", 0, 0, 0, 0), PM_RESULT_GUESS },
    { instruction ("square", PM_POSITION_RIGHT, 0, 0, 0), PM_RESULT_GUESS },
    { instruction ("green thing", 0, 0, 0, 0), PM_RESULT_GUESS },   /* no green there */
    /* A position cannot make up for a colour that is not there. */
    { instruction ("green thing", PM_POSITION_LEFT, 0, 0, 0), PM_RESULT_GUESS },
    { instruction ("green thing", 0, 0, 0, PM_SIZE_RANK_LARGEST), PM_RESULT_GUESS },
    { instruction ("it", 0, 0, 0, 0), PM_RESULT_GUESS },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      PmResultState state = run_state (engine, img, &cases[c].ins);
      g_test_message ("“%s”: %s", cases[c].ins.target, pm_result_state_to_string (state));
      g_assert_cmpint (state, ==, cases[c].state);
    }
  pm_mask_free (truth[0]);
  pm_mask_free (truth[1]);
}

static void
test_progress_and_cancel (void)
{
  PmMask *truth[2];
  g_autoptr(PmImage) img = scene (320, 220, disk_and_square, 2, 5, truth);
  g_autoptr(PmEngine) engine = pm_builtin_engine_new ();
  PmInstruction red = instruction ("red thing", 0, 0, 0, 0);
  g_autoptr(GPtrArray) stages = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  PmEngineResult result = { 0 };
  Progress p = { stages, NULL, NULL };

  g_assert_true (pm_engine_run (engine, img, &red, on_progress, &p, cancellable, &result,
                                &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_ptr_array_index (stages, 0), ==, "finding cues");
  g_assert_true (g_ptr_array_find_with_equal_func (stages, "grabcut 1/4", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (stages, "refining edges", g_str_equal,
                                                   NULL));
  g_assert_cmpfloat (pm_timings_get (result.timings, "grabcut"), >=, 0.0);
  pm_engine_result_clear (&result);

  /* Cancelled mid-GrabCut. */
  p.cancel_on = cancellable;
  p.cancel_stage = "grabcut 2/4";
  g_assert_false (pm_engine_run (engine, img, &red, on_progress, &p, cancellable, &result,
                                 &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (result.soft_mask);
  g_clear_error (&error);

  /* Cancelled before the start. */
  g_assert_false (pm_engine_run (engine, img, &red, NULL, NULL, cancellable, &result,
                                 &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  pm_mask_free (truth[0]);
  pm_mask_free (truth[1]);
}

static void
test_tiny_and_flat (void)
{
  g_autoptr(PmEngine) engine = pm_builtin_engine_new ();
  g_autoptr(PmImage) one = pm_image_new (1, 1);
  g_autoptr(PmImage) flat = pm_image_new (50, 30);
  PmInstruction ins = instruction ("red thing", 0, 0, 0, 0);
  PmInstruction none = instruction ("", 0, 0, 0, 0);
  g_autoptr(PmMask) m = NULL;

  memset (one->data, 200, 4);
  memset (flat->data, 90, 50 * 30 * 4);
  m = run (engine, one, &ins, NULL);
  g_clear_pointer (&m, pm_mask_free);
  m = run (engine, flat, &ins, NULL);
  g_clear_pointer (&m, pm_mask_free);
  m = run (engine, flat, &none, NULL);
}

static void
test_parsed_instructions (void)
{
  /* The same scenes through the instruction parser, as the CLI and the app run them. */
  const Object blobs[] = {
    { SHAPE_DISK, 60, 90, 30, { 230, 200, 40 } },
    { SHAPE_DISK, 170, 100, 38, { 230, 200, 40 } },
    { SHAPE_DISK, 290, 80, 26, { 230, 200, 40 } },
  };
  PmMask *truth2[2], *truth3[3];
  g_autoptr(PmImage) two = scene (320, 220, disk_and_square, 2, 6, truth2);
  g_autoptr(PmImage) three = scene (360, 180, blobs, 3, 7, truth3);
  g_autoptr(PmEngine) engine = pm_builtin_engine_new ();
  struct {
    const char    *text;
    const PmImage *image;
    PmMask       **truth;
    int            expected;
  } cases[] = {
    { "segment the red thing", two, truth2, 0 },
    { "paint the blue thing orange", two, truth2, 1 },
    { "segment the square on the right", two, truth2, 1 },
    { "make the thing on the left purple", two, truth2, 0 },
    { "segment the yellow thing on the right", three, truth3, 2 },
    { "segment the second yellow blob from the left", three, truth3, 1 },
    { "segment the biggest yellow blob", three, truth3, 1 },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(PmInstruction) ins = pm_instruction_parse (cases[c].text);
      g_autofree char *message = NULL;
      g_autoptr(PmMask) m = run (engine, cases[c].image, ins, &message);
      double score = pm_mask_iou (m, cases[c].truth[cases[c].expected], NULL, NULL);

      g_test_message ("“%s”: IoU %.3f (%s)", cases[c].text, score, message);
      g_assert_cmpfloat (score, >, 0.9);
    }
  for (int k = 0; k < 2; k++)
    pm_mask_free (truth2[k]);
  for (int k = 0; k < 3; k++)
    pm_mask_free (truth3[k]);
}

typedef struct {
  PmEngine            *engine;
  const PmImage       *image;
  const PmInstruction *ins;
  PmMask              *mask;
} ThreadJob;

static gpointer
thread_run (gpointer data)
{
  ThreadJob *job = data;
  PmEngineResult result = { 0 };
  GError *error = NULL;

  if (pm_engine_run (job->engine, job->image, job->ins, NULL, NULL, NULL, &result, &error))
    job->mask = g_steal_pointer (&result.soft_mask);
  g_clear_error (&error);
  pm_engine_result_clear (&result);
  return NULL;
}

static void
test_threads (void)
{
  /* One engine, two runs at once: the same masks as one after the other. */
  PmMask *truth[2];
  g_autoptr(PmImage) img = scene (320, 220, disk_and_square, 2, 8, truth);
  g_autoptr(PmEngine) engine = pm_builtin_engine_new ();
  PmInstruction red = instruction ("red thing", 0, 0, 0, 0);
  PmInstruction right = instruction ("thing", PM_POSITION_RIGHT, 0, 0, 0);
  ThreadJob jobs[2] = { { engine, img, &red, NULL }, { engine, img, &right, NULL } };
  GThread *threads[2];

  for (int k = 0; k < 2; k++)
    threads[k] = g_thread_new ("builtin-run", thread_run, &jobs[k]);
  for (int k = 0; k < 2; k++)
    g_thread_join (threads[k]);
  for (int k = 0; k < 2; k++)
    {
      g_autoptr(PmMask) sequential = run (engine, img, jobs[k].ins, NULL);

      g_assert_nonnull (jobs[k].mask);
      g_assert_cmpmem (jobs[k].mask->data, sizeof (float) * 320 * 220,
                       sequential->data, sizeof (float) * 320 * 220);
      g_test_message ("job %d: IoU %.3f", k, pm_mask_iou (jobs[k].mask, truth[k], NULL, NULL));
      g_assert_cmpfloat (pm_mask_iou (jobs[k].mask, truth[k], NULL, NULL), >, 0.9);
      pm_mask_free (jobs[k].mask);
      pm_mask_free (truth[k]);
    }
}

/* ---------------------------------------------------------------- eval set */

static PmMask *
load_truth (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmImage) img = pm_image_load (path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  PmMask *m;

  g_assert_no_error (error);
  m = pm_mask_new (img->width, img->height);
  for (gsize i = 0; i < (gsize) img->width * img->height; i++)
    m->data[i] = img->data[4 * i] > 127 ? 1.0f : 0.0f;
  return m;
}

static void
test_eval_public (void)
{
  g_autofree char *dir = pm_test_shared_path ("data/eval-public");
  g_autofree char *index = g_build_filename (dir, "index.tsv", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) header = NULL;
  g_autoptr(PmEngine) engine = pm_builtin_engine_new ();
  int col_image = -1, col_mask = -1, col_phrase = -1, rows = 0;
  double sum_iou = 0, sum_i = 0, sum_u = 0;

  if (!pm_test_have_shared ("data/eval-public/index.tsv"))
    return;
  g_assert_true (g_file_get_contents (index, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  header = g_strsplit (lines[0], "\t", -1);
  for (int c = 0; header[c] != NULL; c++)
    {
      if (g_str_equal (header[c], "image"))
        col_image = c;
      else if (g_str_equal (header[c], "mask"))
        col_mask = c;
      else if (g_str_equal (header[c], "phrase"))
        col_phrase = c;
    }
  g_assert_cmpint (col_image, >=, 0);
  g_assert_cmpint (col_mask, >=, 0);
  g_assert_cmpint (col_phrase, >=, 0);

  for (int l = 1; lines[l] != NULL; l++)
    {
      g_auto(GStrv) f = g_strsplit (lines[l], "\t", -1);
      g_autofree char *image_path = NULL;
      g_autofree char *mask_path = NULL;
      g_autofree char *text = NULL;
      g_autofree char *message = NULL;
      g_autoptr(PmImage) img = NULL;
      g_autoptr(PmMask) truth = NULL;
      g_autoptr(PmMask) m = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(PmInstruction) ins = NULL;
      gint64 inter, uni;
      double score;

      if (g_strv_length (f) <= (guint) MAX (col_phrase, MAX (col_image, col_mask)))
        continue;
      image_path = g_build_filename (dir, f[col_image], NULL);
      mask_path = g_build_filename (dir, f[col_mask], NULL);
      img = pm_image_load (image_path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
      g_assert_no_error (error);
      truth = load_truth (mask_path);
      g_assert_cmpint (truth->width, ==, img->width);
      g_assert_cmpint (truth->height, ==, img->height);

      text = g_strdup_printf ("segment %s", f[col_phrase]);
      ins = pm_instruction_parse (text);
      m = run (engine, img, ins, &message);
      score = pm_mask_iou (m, truth, &inter, &uni);
      sum_iou += score;
      sum_i += inter;
      sum_u += uni;
      rows++;
      g_test_message ("%-28s IoU %.3f  %s — %s", f[col_image], score, text, message);
    }
  g_assert_cmpint (rows, >, 0);
  g_test_message ("builtin on eval-public (%d rows): gIoU %.4f  cIoU %.4f", rows,
                  sum_iou / rows, sum_u > 0 ? sum_i / sum_u : 1.0);
  /* Measured gIoU 0.380, cIoU 0.336 (19 rows): a regression of more than three points
   * fails. A classical engine is the floor the CLIPSeg engine is there to beat. */
  g_assert_cmpint (rows, ==, 19);
  g_assert_cmpfloat (sum_iou / rows, >=, 0.35);
  g_assert_cmpfloat (sum_i / sum_u, >=, 0.306);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/builtin/color", test_color);
  g_test_add_func ("/engine/builtin/position", test_position);
  g_test_add_func ("/engine/builtin/ordinal-rank", test_ordinal);
  g_test_add_func ("/engine/builtin/fallback-message", test_fallback_message);
  g_test_add_func ("/engine/builtin/states", test_states);
  g_test_add_func ("/engine/builtin/progress-cancel", test_progress_and_cancel);
  g_test_add_func ("/engine/builtin/tiny-flat", test_tiny_and_flat);
  g_test_add_func ("/engine/builtin/parsed", test_parsed_instructions);
  g_test_add_func ("/engine/builtin/threads", test_threads);
  g_test_add_func ("/engine/builtin/eval-public", test_eval_public);
  return g_test_run ();
}
