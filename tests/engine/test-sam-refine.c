/* test-sam-refine.c: text → SAM: heatmaps into prompts, the agreement rule, and the
 * CLIPSeg engine with --refine sam end to end, and the box and click tools' SAM half.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "pm-sam-engine.h"
#include "pm-test-util.h"

#define S 64        /* heatmap grid */
#define W 400       /* image */
#define H 300

static char *
fixture_path (const char *rel)
{
  g_autofree char *p = g_build_filename ("data", "sam-fixture", rel, NULL);
  return pm_test_shared_path (p);
}

/* Adds a paraboloid blob of logits: +peak at (cx, cy), 0 at radius r·√(1 − 2/peak)… */
static void
add_blob (float *logits,
          double cx,
          double cy,
          double r,
          double peak)
{
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      {
        double d2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (r * r);
        float v = (float) (peak * (1.0 - d2));

        logits[y * S + x] = MAX (logits[y * S + x], v);
      }
}

static float *
flat_logits (float value)
{
  float *l = g_new (float, S * S);

  for (int i = 0; i < S * S; i++)
    l[i] = value;
  return l;
}

static void
test_prompt_blob (void)
{
  g_autofree float *l = flat_logits (-10);
  PmSamPoint pts[PM_SAM_REFINE_MAX_POINTS];
  PmSamPrompt p;
  float gx = W / (float) S, gy = H / (float) S;

  add_blob (l, 20, 30, 10, 10);   /* region: radius ≈ 10 cells around (20, 30) */
  g_assert_true (pm_sam_refine_make_prompt (l, S, W, H, NULL, pts, &p));
  g_assert_true (p.has_box && p.multimask);
  /* the box holds the region (cells 10…30, 20…40) grown by 5 %, within the image */
  g_assert_cmpfloat (p.box[0], <, 11 * gx);
  g_assert_cmpfloat (p.box[0], >, 8 * gx);
  g_assert_cmpfloat (p.box[2], >, 30 * gx);
  g_assert_cmpfloat (p.box[2], <, 33 * gx);
  g_assert_cmpfloat (p.box[1], <, 21 * gy);
  g_assert_cmpfloat (p.box[3], >, 40 * gy);
  /* first point: the peak, positive; a cold corner of the box: negative */
  g_assert_cmpint (pts[0].label, ==, 1);
  g_assert_cmpfloat (fabs (pts[0].x - 20.5f * gx), <, 1e-3);
  g_assert_cmpfloat (fabs (pts[0].y - 30.5f * gy), <, 1e-3);
  g_assert_cmpint (p.n_points, >=, 2);
  g_assert_cmpint (pts[p.n_points - 1].label, ==, 0);
  g_assert_true (pts[p.n_points - 1].x >= p.box[0] && pts[p.n_points - 1].x <= p.box[2]);
  {
    g_autoptr(GError) error = NULL;
    g_assert_true (pm_sam_prompt_check (&p, W, H, &error));
  }
}

/* Two blobs: the bigger by default, the left one when asked; the other's peak is a
 * negative point only when it lies in the box. */
static void
test_prompt_choice (void)
{
  g_autofree float *l = flat_logits (-10);
  g_autoptr(PmInstruction) left = pm_instruction_parse ("segment the cat on the left");
  PmSamPoint pts[PM_SAM_REFINE_MAX_POINTS];
  PmSamPrompt p;

  add_blob (l, 12, 32, 6, 8);     /* small, left */
  add_blob (l, 44, 32, 12, 8);    /* big, right */
  g_assert_true (pm_sam_refine_make_prompt (l, S, W, H, NULL, pts, &p));
  g_assert_cmpfloat (pts[0].x, >, W / 2);
  for (int i = 0; i < p.n_points; i++)
    g_assert_cmpfloat (pts[i].x, >, 20.0 * W / S);   /* no point on the small one */
  g_assert_true (pm_sam_refine_make_prompt (l, S, W, H, left, pts, &p));
  g_assert_cmpfloat (pts[0].x, <, W / 2);
  g_assert_cmpfloat (p.box[2], <, W / 2);

  /* a "C" around a small blob: the C is chosen, the blob inside its box is a negative */
  {
    g_autofree float *c = flat_logits (-10);
    gboolean negative_on_blob = FALSE;

    for (int y = 0; y < S; y++)
      for (int x = 0; x < S; x++)
        {
          double r = hypot (x - 32, y - 32);
          if (r > 16 && r < 26 && x < 40)
            c[y * S + x] = 6;
        }
    add_blob (c, 32, 32, 4, 5);
    g_assert_true (pm_sam_refine_make_prompt (c, S, W, H, NULL, pts, &p));
    g_assert_true (pts[0].label == 1);
    for (int i = 0; i < p.n_points; i++)
      if (pts[i].label == 0 && fabs (pts[i].x - 32.5f * W / S) < 1 &&
          fabs (pts[i].y - 32.5f * H / S) < 1)
        negative_on_blob = TRUE;
    g_assert_true (negative_on_blob);
  }

  /* nothing reaches 0.5: no prompt */
  {
    g_autofree float *cold = flat_logits (-0.1f);
    g_assert_false (pm_sam_refine_make_prompt (cold, S, W, H, NULL, pts, &p));
  }
}

/* The mask that matches the heatmap's region is kept; none is kept below 0.3. */
static void
test_choose (void)
{
  g_autofree float *l = flat_logits (-10);
  g_autoptr(PmMask) empty = pm_mask_new (W, H);
  g_autoptr(PmMask) same = pm_mask_new (W, H);
  g_autoptr(PmMask) full = pm_mask_new (W, H);
  g_autoptr(PmMask) elsewhere = pm_mask_new (W, H);
  PmMask *set1[] = { empty, same, full };
  PmMask *set2[] = { empty, elsewhere };
  double agreement;

  add_blob (l, 20, 30, 10, 10);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        int gx = x * S / W, gy = y * S / H;
        same->data[y * W + x] = l[gy * S + gx] >= 0 ? 1.0f : 0.0f;
        full->data[y * W + x] = 1.0f;
        elsewhere->data[y * W + x] = x > W * 3 / 4 ? 1.0f : 0.0f;
      }
  g_assert_cmpint (pm_sam_refine_choose (l, S, NULL, set1, 3, &agreement), ==, 1);
  g_assert_cmpfloat (agreement, >, 0.99);
  g_assert_cmpint (pm_sam_refine_choose (l, S, NULL, set2, 2, &agreement), ==, -1);
  g_assert_cmpfloat (agreement, <, pm_sam_refine_min_agreement ());
}

/* With the tiny (random) SAM: the rule runs, and keeps SAM's mask exactly when the
 * agreement reaches the threshold. */
static void
test_engine (void)
{
  g_autofree char *dir = fixture_path ("tiny-f32");
  g_autofree char *image_path = fixture_path ("images/cat.jpg");
  g_autofree float *l = flat_logits (-10);
  PmEngineOptions options = { 0 };
  g_autoptr(PmEngine) sam = NULL;
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmMask) soft = NULL;
  g_autoptr(PmTimings) timings = pm_timings_new ();
  g_autoptr(GError) error = NULL;
  PmSamRefineInfo info;

  options.model_dir = dir;
  options.threads = 1;
  sam = pm_engine_new ("sam", &options, &error);
  g_assert_no_error (error);
  image = pm_image_load (image_path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  g_assert_no_error (error);
  add_blob (l, 30, 34, 14, 10);
  g_assert_true (pm_sam_refine_logits (sam, image, l, S, NULL, &soft, &info, NULL, timings,
                                       &error));
  g_assert_no_error (error);
  g_assert_true (info.asked);
  g_assert_cmpint (info.n_positive, >=, 1);
  g_test_message ("agreement %.3f, refined %d", info.agreement, info.refined);
  g_assert_cmpint (info.refined, ==, info.agreement >= pm_sam_refine_min_agreement ());
  g_assert_true ((soft != NULL) == info.refined);
  if (soft != NULL)
    {
      g_assert_cmpint (soft->width, ==, image->width);
      for (gsize i = 0; i < (gsize) soft->width * soft->height; i++)
        g_assert_true (soft->data[i] >= 0.0f && soft->data[i] <= 1.0f);
    }
  g_assert_cmpfloat (pm_timings_get (timings, "sam encode"), >, 0);

  /* a flat heatmap asks SAM nothing */
  g_clear_pointer (&soft, pm_mask_free);
  {
    g_autofree float *cold = flat_logits (-3);
    g_assert_true (pm_sam_refine_logits (sam, image, cold, S, NULL, &soft, &info, NULL, NULL,
                                         &error));
    g_assert_false (info.asked);
    g_assert_null (soft);
  }
}

/* SAM's best mask for @prompt, asked directly of the engine (what the tools must put in). */
static PmSamResult *
best_for (PmEngine          *sam,
          const PmImage     *image,
          const char        *fingerprint,
          const PmSamPrompt *prompt)
{
  g_autoptr(GError) error = NULL;
  PmSamResult *r = pm_sam_engine_segment_keyed (sam, image, fingerprint, prompt,
                                                PM_SAM_SEGMENT_BEST_ONLY, NULL, NULL, NULL,
                                                NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

/* The mask the tools start from: a block in the photo's lower-left corner. */
static PmMask *
start_mask (const PmImage *image)
{
  PmMask *m = pm_mask_new (image->width, image->height);

  for (int y = image->height * 3 / 4; y < image->height; y++)
    for (int x = 0; x < image->width / 5; x++)
      m->data[(gsize) y * m->width + x] = 1.0f;
  return m;
}

/* How far from the clicks the documented rule puts SAM's answer in: a quarter of the long
 * side, or half the diagonal of what the mask and the answer cover if that is more. */
static double
documented_reach (const PmMask *mask,
                  const PmMask *answer)
{
  int x0 = mask->width, y0 = mask->height, x1 = -1, y1 = -1;

  for (int y = 0; y < mask->height; y++)
    for (int x = 0; x < mask->width; x++)
      if (mask->data[(gsize) y * mask->width + x] > 0.5f ||
          answer->data[(gsize) y * mask->width + x] > 0.5f)
        {
          x0 = MIN (x0, x); x1 = MAX (x1, x);
          y0 = MIN (y0, y); y1 = MAX (y1, y);
        }
  return MAX (MAX (mask->width, mask->height) / 4.0,
              x1 >= x0 ? hypot (x1 - x0 + 1, y1 - y0 + 1) / 2 : 0.0);
}

/* Checks @out pixel by pixel: SAM's @answer within @reach of a click, @start elsewhere;
 * returns how many pixels took the answer and how many of those changed. */
static void
check_clicks_rule (const PmMask  *start,
                   const PmMask  *answer,
                   const PmMask  *out,
                   const PmClick *clicks,
                   gsize          n,
                   double         reach,
                   gsize         *n_near,
                   gsize         *n_changed)
{
  *n_near = *n_changed = 0;
  for (int y = 0; y < out->height; y++)
    for (int x = 0; x < out->width; x++)
      {
        gsize i = (gsize) y * out->width + x;
        gboolean near = FALSE;

        for (gsize c = 0; c < n && !near; c++)
          near = hypot (x + 0.5 - clicks[c].x, y + 0.5 - clicks[c].y) <= reach;
        if (near)
          {
            g_assert_cmpfloat (out->data[i], ==, answer->data[i]);
            *n_near += 1;
            *n_changed += out->data[i] != start->data[i];
          }
        else
          g_assert_cmpfloat (out->data[i], ==, start->data[i]);
      }
}

/* The box and click tools' SAM half (pm_sam_refine_box/_clicks), which the app calls:
 * SAM's best answer goes in inside the box, or within reach of the clicks, and the mask
 * stays as it was elsewhere; one click asks for three masks and keeps the best; of more
 * clicks than SAM takes, the newest are its prompt; a cancelled call changes nothing. */
static void
test_tools (void)
{
  g_autofree char *dir = fixture_path ("tiny-f32");
  g_autofree char *path = fixture_path ("images/cat.jpg");
  g_autoptr(GError) error = NULL;
  PmEngineOptions options = { .model_dir = dir, .threads = 1 };
  g_autoptr(PmEngine) sam = pm_engine_new ("sam", &options, &error);
  g_autoptr(PmImage) image = pm_image_load (path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  g_autofree char *key = NULL;
  g_autoptr(PmMask) start = NULL;
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  PmClick clicks[PM_SAM_MAX_POINTS + 2];
  PmSamPoint points[PM_SAM_MAX_POINTS];
  gsize n_near, n_changed;

  g_assert_no_error (error);
  key = pm_engine_image_fingerprint (image);
  start = start_mask (image);

  /* a box: SAM's answer inside it, the mask outside */
  {
    PmRect box = { image->width / 4, image->height / 5, image->width / 2, image->height / 2 };
    PmSamPrompt prompt = { .has_box = TRUE,
                           .box = { box.x, box.y, box.x + box.width - 1,
                                    box.y + box.height - 1 } };
    g_autoptr(PmSamResult) r = best_for (sam, image, key, &prompt);
    const PmMask *answer = pm_sam_result_get_best (r);
    g_autoptr(PmMask) out = pm_sam_refine_box (sam, image, key, start, &box, NULL, &error);
    gsize inside = 0, changed = 0;

    g_assert_no_error (error);
    for (int y = 0; y < image->height; y++)
      for (int x = 0; x < image->width; x++)
        {
          gsize i = (gsize) y * image->width + x;

          if (x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height)
            {
              g_assert_cmpfloat (out->data[i], ==, answer->data[i]);
              inside++;
              changed += out->data[i] != start->data[i];
            }
          else
            g_assert_cmpfloat (out->data[i], ==, start->data[i]);
        }
    g_assert_cmpuint (inside, ==, (gsize) box.width * box.height);
    g_test_message ("box: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " pixels changed",
                    changed, inside);
    g_assert_cmpuint (changed, >, 0);
  }

  /* one click: the best of three masks */
  clicks[0] = (PmClick) { image->width * 0.6, image->height * 0.4, TRUE };
  {
    PmSamPoint p = { clicks[0].x, clicks[0].y, 1 };
    PmSamPrompt prompt = { .points = &p, .n_points = 1, .multimask = TRUE };
    g_autoptr(PmSamResult) r = best_for (sam, image, key, &prompt);
    const PmMask *answer = pm_sam_result_get_best (r);
    g_autoptr(PmMask) out = pm_sam_refine_clicks (sam, image, key, start, clicks, 1, NULL,
                                                  &error);

    g_assert_no_error (error);
    check_clicks_rule (start, answer, out, clicks, 1, documented_reach (start, answer),
                       &n_near, &n_changed);
    g_test_message ("one click: %" G_GSIZE_FORMAT " pixels near, %" G_GSIZE_FORMAT
                    " changed", n_near, n_changed);
    g_assert_cmpuint (n_changed, >, 0);
  }

  /* more clicks than SAM takes: the newest PM_SAM_MAX_POINTS are the prompt (one mask) */
  for (gsize c = 1; c < G_N_ELEMENTS (clicks); c++)
    clicks[c] = (PmClick) { image->width * (0.05 + 0.9 * (c * 37 % 67) / 67.0),
                            image->height * (0.05 + 0.9 * (c * 17 % 67) / 67.0), c % 3 != 0 };
  for (int k = 0; k < PM_SAM_MAX_POINTS; k++)
    {
      const PmClick *c = &clicks[G_N_ELEMENTS (clicks) - PM_SAM_MAX_POINTS + k];

      points[k] = (PmSamPoint) { c->x, c->y, c->foreground ? 1 : 0 };
    }
  {
    PmSamPrompt prompt = { .points = points, .n_points = PM_SAM_MAX_POINTS };
    g_autoptr(PmSamResult) r = best_for (sam, image, key, &prompt);
    const PmMask *answer = pm_sam_result_get_best (r);
    g_autoptr(PmMask) out = pm_sam_refine_clicks (sam, image, key, start, clicks,
                                                  G_N_ELEMENTS (clicks), NULL, &error);

    g_assert_no_error (error);
    check_clicks_rule (start, answer, out, clicks, G_N_ELEMENTS (clicks),
                       documented_reach (start, answer), &n_near, &n_changed);
    g_test_message ("%d clicks: %" G_GSIZE_FORMAT " pixels near, %" G_GSIZE_FORMAT
                    " changed", (int) G_N_ELEMENTS (clicks), n_near, n_changed);
    g_assert_cmpuint (n_changed, >, 0);
  }

  /* cancelled: no mask, the error says so */
  g_cancellable_cancel (cancelled);
  {
    PmRect box = { 10, 10, 50, 50 };
    PmMask *none = pm_sam_refine_clicks (sam, image, NULL, start, clicks, 1, cancelled,
                                         &error);

    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_null (none);
    g_clear_error (&error);
    none = pm_sam_refine_box (sam, image, NULL, start, &box, cancelled, &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_null (none);
  }
}

/* `edit --engine clipseg --refine sam` end to end on the tiny models, and its refusals. */
static void
test_cli (void)
{
  g_autofree char *clipseg = pm_test_shared_path ("data/clipseg-fixture/tiny-f32");
  g_autofree char *sam = fixture_path ("tiny-f32");
  g_autofree char *image = fixture_path ("images/cat.jpg");
  g_autofree char *tmp = pm_test_tmpdir ();
  g_autofree char *edited = g_build_filename (tmp, "e.png", NULL);
  g_autofree char *mask = g_build_filename (tmp, "m.png", NULL);
  g_autofree char *out = NULL, *err = NULL;
  const char *ok[] = { "edit", image, "segment the cat", "--engine", "clipseg", "--model-dir",
                       clipseg, "--refine", "sam", "--sam-model-dir", sam, "-o", edited,
                       "--mask", mask, "--json", "--threads", "1", NULL };
  const char *builtin[] = { "edit", image, "segment the cat", "--refine", "sam", "-o", edited,
                            "--mask", mask, NULL };
  const char *unknown[] = { "edit", image, "segment the cat", "--engine", "clipseg",
                            "--model-dir", clipseg, "--refine", "grabcut", "-o", edited,
                            "--mask", mask, NULL };
  const char *no_sam[] = { "edit", image, "segment the cat", "--engine", "clipseg",
                           "--model-dir", clipseg, "--refine", "sam", "--sam-model-dir", tmp,
                           "-o", edited, "--mask", mask, NULL };
  int rc;

  rc = pm_test_run_cli (ok, &out, &err);
  g_test_message ("%s%s", out, err);
  g_assert_cmpint (rc, ==, 0);
  g_assert_nonnull (strstr (out, "\"model\" : \"tiny-f32+tiny-f32\""));
  g_assert_nonnull (strstr (out, "\"sam decode\""));
  g_assert_true (g_file_test (mask, G_FILE_TEST_EXISTS));
  g_unlink (mask);
  g_unlink (edited);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (pm_test_run_cli (builtin, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "--engine clipseg"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (pm_test_run_cli (unknown, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "grabcut"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (pm_test_run_cli (no_sam, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "No SAM model"));
  g_assert_false (g_file_test (mask, G_FILE_TEST_EXISTS));
  pm_test_rmdir (tmp);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = fixture_path ("tiny-f32");

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/sam-refine/prompt-blob", test_prompt_blob);
  g_test_add_func ("/engine/sam-refine/prompt-choice", test_prompt_choice);
  g_test_add_func ("/engine/sam-refine/choose", test_choose);
  if (g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_test_add_func ("/engine/sam-refine/engine", test_engine);
      g_test_add_func ("/engine/sam-refine/cli", test_cli);
      g_test_add_func ("/engine/sam-refine/tools", test_tools);
    }
  else if (g_getenv ("CI") != NULL)
    g_error ("SAM fixture not found under $PM_SHARED_DIR");
  else
    g_printerr ("# SAM fixture not found: engine and CLI cases not run\n");
  return g_test_run ();
}
