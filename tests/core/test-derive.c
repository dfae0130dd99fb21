/* test-derive.c: tests for mask derivation (pm-derive) on synthetic and real edits.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The eval tests run the public photos with simulated edits, and with edits made by other
 * code (Pillow), on the tuning half and the held-out half of eval-public separately
 * (pm-derive-sim.h): each half stays near its measured mean IoU and above the naive
 * RGB-difference threshold at its best threshold.
 */
#include "pm-derive-sim.h"

#define N_NAIVE 64

/* Mean IoU per half of eval-public ([0] tuning, [1] held-out; see pm-derive-sim.h). */
typedef struct {
  double ours[2];
  double naive[2];   /* the naive baseline at its best threshold for that half */
  int    best_t[2];
} HalfScores;

/* Runs every eval case through @flags. FALSE (test ended) without the shared data. */
static gboolean
run_eval (SimFlags    flags,
          int         quality,
          HalfScores *out)
{
  g_autoptr(GPtrArray) cases = NULL;
  double naive[2][N_NAIVE] = { { 0, } }, sum[2] = { 0, };
  int n[2] = { 0, };

  memset (out, 0, sizeof *out);
  if (!pm_test_have_shared ("data/eval-public/index.tsv"))
    return FALSE;
  cases = sim_load_cases ();
  g_assert_nonnull (cases);
  for (guint i = 0; i < cases->len; i++)
    {
      SimCase *c = cases->pdata[i];
      g_autoptr(PmImage) edited = sim_edit (c, sim_color (i, c->image, c->truth), flags,
                                            quality, 1000 + i);
      g_autoptr(PmMask) mask = NULL;
      GError *error = NULL;
      double iou;

      mask = pm_mask_derive (c->image, edited, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (mask->width, ==, c->image->width);
      g_assert_cmpint (mask->height, ==, c->image->height);
      iou = sim_iou (mask, c->truth);
      g_test_message ("  %-36s %s IoU %.4f", c->name, c->held_out ? "held-out" : "tuning  ",
                      iou);
      sum[c->held_out] += iou;
      n[c->held_out]++;
      /* Resample once here; pm_mask_derive_naive would do it on every call. */
      if (edited->width != c->image->width || edited->height != c->image->height)
        {
          PmImage *r = pm_image_resize (edited, c->image->width, c->image->height);
          pm_image_free (edited);
          edited = r;
        }
      for (int t = 1; t <= N_NAIVE; t++)
        {
          g_autoptr(PmMask) m = pm_mask_derive_naive (c->image, edited, (float) t);
          naive[c->held_out][t - 1] += sim_iou (m, c->truth);
        }
    }
  g_assert_cmpint (n[0], ==, 10);
  g_assert_cmpint (n[1], ==, 9);
  for (int h = 0; h < 2; h++)
    {
      out->ours[h] = sum[h] / n[h];
      for (int t = 1; t <= N_NAIVE; t++)
        if (naive[h][t - 1] / n[h] > out->naive[h])
          {
            out->naive[h] = naive[h][t - 1] / n[h];
            out->best_t[h] = t;
          }
    }
  return TRUE;
}

static void
test_eval_clean (void)
{
  HalfScores s;

  if (!run_eval (0, 0, &s))
    return;
  g_test_message ("clean: mean IoU tuning %.4f, held-out %.4f; naive %.4f / %.4f",
                  s.ours[0], s.ours[1], s.naive[0], s.naive[1]);
  /* Measured 0.9880 / 0.9877. */
  g_assert_cmpfloat (s.ours[0], >=, 0.98);
  g_assert_cmpfloat (s.ours[1], >=, 0.98);
  g_assert_cmpfloat (s.ours[0], >, s.naive[0]);
  g_assert_cmpfloat (s.ours[1], >, s.naive[1]);
}

static void
test_eval_perturbed (void)
{
  HalfScores s;

  if (!run_eval (SIM_TONE | SIM_RESIZE | SIM_NOISE | SIM_JPEG, 75, &s))
    return;
  g_test_message ("tone ±5%% + resize + noise σ 2.5/255 + JPEG q75: mean IoU tuning %.4f, "
                  "held-out %.4f; naive %.4f / %.4f", s.ours[0], s.ours[1], s.naive[0],
                  s.naive[1]);
  /* Measured 0.9762 / 0.9837. */
  g_assert_cmpfloat (s.ours[0], >=, 0.965);
  g_assert_cmpfloat (s.ours[1], >=, 0.975);
  g_assert_cmpfloat (s.ours[0], >, s.naive[0]);
  g_assert_cmpfloat (s.ours[1], >, s.naive[1]);
}

/* Edits made by other code (Pillow: HSV recolour, one pixel of shift, blur, 98 % scale,
 * JPEG q85; tests/fixtures/make-foreign-edits.py), derived without a colour hint. */
static void
test_foreign_edits (void)
{
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *eval = pm_test_shared_path ("data/eval-public");
  g_autofree char *script = pm_test_source_path ("tests/fixtures/make-foreign-edits.py");
  const char *argv[] = { "/usr/bin/python3", script, eval, dir, NULL };
  g_autoptr(GPtrArray) cases = NULL;
  double sum[2] = { 0, };
  int n[2] = { 0, }, status = 0;
  GError *error = NULL;

  if (!pm_test_have_shared ("data/eval-public/index.tsv") || !pm_test_have_python ("PIL"))
    return;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  cases = sim_load_cases ();
  for (guint i = 0; i < cases->len; i++)
    {
      SimCase *c = cases->pdata[i];
      g_autofree char *stem = g_strndup (c->name, strlen (c->name) - strlen (".png"));
      g_autofree char *file = g_strdup_printf ("%s.jpg", stem);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_autoptr(PmImage) edited = pm_image_load (path, 0, &error);
      g_autoptr(PmMask) mask = NULL;
      double iou;

      g_assert_no_error (error);
      g_assert_cmpint (edited->width, !=, c->image->width);   /* rescaled by the editor */
      g_assert_true (pm_derive_check_edit (c->image, edited, &error));
      g_assert_no_error (error);
      mask = pm_mask_derive (c->image, edited, NULL, NULL, &error);
      g_assert_no_error (error);
      iou = sim_iou (mask, c->truth);
      g_test_message ("  %-36s %s IoU %.4f", c->name, c->held_out ? "held-out" : "tuning  ",
                      iou);
      sum[c->held_out] += iou;
      n[c->held_out]++;
    }
  g_test_message ("Pillow edits: mean IoU tuning %.4f, held-out %.4f", sum[0] / n[0],
                  sum[1] / n[1]);
  /* Measured 0.9533 / 0.9710. */
  g_assert_cmpfloat (sum[0] / n[0], >=, 0.94);
  g_assert_cmpfloat (sum[1] / n[1], >=, 0.96);
  pm_test_rmdir (dir);
}

/* ---- Synthetic cases ------------------------------------------------------------------ */

/* A smooth, textured scene with an ellipse as the object. */
static void
make_scene (int       width,
            int       height,
            PmImage **image,
            PmMask  **truth)
{
  GRand *rand = g_rand_new_with_seed (42);

  *image = pm_image_new (width, height);
  *truth = pm_mask_new (width, height);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = (*image)->data + ((gsize) y * width + x) * 4;
        double ex = (x - width * 0.55) / (width * 0.25), ey = (y - height * 0.45) / (height * 0.3);
        gboolean in = ex * ex + ey * ey <= 1.0;
        double n = g_rand_double_range (rand, -12, 12);

        if (in)
          {
            p[0] = (guint8) CLAMP (180 + 40 * ey + n, 0, 255);
            p[1] = (guint8) CLAMP (150 + 40 * ey + n, 0, 255);
            p[2] = (guint8) CLAMP (60 + n, 0, 255);
          }
        else
          {
            p[0] = (guint8) CLAMP (70 + 60.0 * x / width + n, 0, 255);
            p[1] = (guint8) CLAMP (110 + 50.0 * y / height + n, 0, 255);
            p[2] = (guint8) CLAMP (140 + n, 0, 255);
          }
        p[3] = 255;
        (*truth)->data[(gsize) y * width + x] = in ? 1.0f : 0.0f;
      }
  g_rand_free (rand);
}

static void
test_hint_and_size (void)
{
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmMask) truth = NULL;
  g_autoptr(PmImage) edited = NULL;
  g_autoptr(PmImage) big = NULL;
  g_autoptr(PmMask) soft_truth = NULL;
  g_autoptr(PmMask) mask = NULL;
  g_autoptr(PmMask) hinted = NULL;
  g_autoptr(PmMask) soft = NULL;
  PmDeriveOptions options;
  PmRgb purple;
  GError *error = NULL;
  double iou_plain, iou_hint;

  make_scene (160, 120, &image, &truth);
  soft_truth = sim_soft_mask (truth);
  g_assert_true (pm_color_parse ("purple", &purple));
  edited = pm_edit_recolor (image, soft_truth, purple, NULL);
  /* The edit comes back twice as big, re-saved as JPEG. */
  big = pm_image_resize (edited, 320, 240);
  {
    PmImage *j = sim_jpeg (big, 80);
    pm_image_free (big);
    big = j;
  }

  mask = pm_mask_derive (image, big, NULL, &soft, &error);
  g_assert_no_error (error);
  pm_derive_options_init (&options);
  options.has_color_hint = TRUE;
  options.color_hint = purple;
  hinted = pm_mask_derive (image, big, &options, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpint (mask->width, ==, 160);
  g_assert_cmpint (mask->height, ==, 120);
  iou_plain = sim_iou (mask, truth);
  iou_hint = sim_iou (hinted, truth);
  g_test_message ("2× edited + JPEG: IoU %.4f, with hint %.4f", iou_plain, iou_hint);
  g_assert_cmpfloat (iou_plain, >=, 0.95);
  g_assert_cmpfloat (iou_hint, >=, 0.95);

  /* The soft mask is 0..1 and agrees with the binary mask at 0.5. */
  g_assert_nonnull (soft);
  g_assert_cmpint (soft->width, ==, 160);
  for (gsize i = 0; i < 160 * 120; i++)
    {
      g_assert_true (soft->data[i] >= 0.0f && soft->data[i] <= 1.0f);
      g_assert_true ((soft->data[i] > 0.5f) == (mask->data[i] > 0.5f));
      g_assert_true (mask->data[i] == 0.0f || mask->data[i] == 1.0f);
    }
}

static void
test_hint_helps_close_colour (void)
{
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmMask) truth = NULL;
  g_autoptr(PmMask) soft_truth = NULL;
  g_autoptr(PmImage) edited = NULL;
  g_autoptr(PmMask) plain = NULL;
  g_autoptr(PmMask) hinted = NULL;
  PmDeriveOptions options;
  PmOklch lch;
  PmRgb color;
  GError *error = NULL;
  double a, b;

  /* Paint the yellowish ellipse a colour only 35° of hue away, then add noise and JPEG. */
  make_scene (160, 120, &image, &truth);
  soft_truth = sim_soft_mask (truth);
  lch = sim_object_color (image, truth);
  lch.h += (float) (35 * G_PI / 180);
  color = pm_oklab_to_rgb (pm_oklch_to_oklab (lch));
  edited = pm_edit_recolor (image, soft_truth, color, NULL);
  sim_noise (edited, 2.5, 5);
  {
    PmImage *j = sim_jpeg (edited, 80);
    pm_image_free (edited);
    edited = j;
  }

  plain = pm_mask_derive (image, edited, NULL, NULL, &error);
  g_assert_no_error (error);
  pm_derive_options_init (&options);
  options.has_color_hint = TRUE;
  options.color_hint = color;
  hinted = pm_mask_derive (image, edited, &options, NULL, &error);
  g_assert_no_error (error);
  a = sim_iou (plain, truth);
  b = sim_iou (hinted, truth);
  g_test_message ("close colour: IoU %.4f, with hint %.4f", a, b);
  g_assert_cmpfloat (b, >=, 0.9);
  g_assert_cmpfloat (b, >=, a - 0.01);
}

static void
test_large (void)
{
  /* Over the 4 MP working size: compared scaled down, mask returned at full size. */
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmMask) truth = NULL;
  g_autoptr(PmMask) soft_truth = NULL;
  g_autoptr(PmImage) edited = NULL;
  g_autoptr(PmMask) mask = NULL;
  g_autoptr(PmMask) soft = NULL;
  GError *error = NULL;
  double iou;

  make_scene (2400, 1800, &image, &truth);
  soft_truth = sim_soft_mask (truth);
  edited = pm_edit_recolor (image, soft_truth, (PmRgb) { 0.1f, 0.3f, 0.9f }, NULL);
  mask = pm_mask_derive (image, edited, NULL, &soft, &error);
  g_assert_no_error (error);
  g_assert_cmpint (mask->width, ==, 2400);
  g_assert_cmpint (mask->height, ==, 1800);
  g_assert_cmpint (soft->width, ==, 2400);
  iou = sim_iou (mask, truth);
  g_test_message ("4.3 MP: IoU %.4f", iou);
  g_assert_cmpfloat (iou, >=, 0.97);
}

static void
test_big_object (void)
{
  /* The object covers about 80 % of the picture, and the whole edit is toned: the tone fit
   * and the noise floor must still find the untouched minority. */
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmMask) ellipse = NULL;
  g_autoptr(PmMask) truth = NULL;
  g_autoptr(PmMask) soft_truth = NULL;
  g_autoptr(PmImage) edited = NULL;
  g_autoptr(PmMask) mask = NULL;
  GError *error = NULL;
  double iou;

  make_scene (200, 150, &image, &ellipse);
  truth = pm_mask_new (200, 150);
  for (int y = 0; y < 150; y++)
    for (int x = 0; x < 200; x++)
      truth->data[y * 200 + x] = (x >= 12 && x < 188 && y >= 8 && y < 142) ? 1.0f : 0.0f;
  soft_truth = sim_soft_mask (truth);
  edited = pm_edit_recolor (image, soft_truth, (PmRgb) { 0.5f, 0.0f, 0.5f }, NULL);
  sim_tone (edited, 9);
  mask = pm_mask_derive (image, edited, NULL, NULL, &error);
  g_assert_no_error (error);
  iou = sim_iou (mask, truth);
  g_test_message ("80 %% object + tone shift: IoU %.4f", iou);
  g_assert_cmpfloat (iou, >=, 0.95);
}

static void
test_identical (void)
{
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmMask) truth = NULL;
  g_autoptr(PmMask) mask = NULL;
  g_autoptr(PmMask) soft = NULL;
  g_autoptr(PmImage) toned = NULL;
  g_autoptr(PmMask) tone_mask = NULL;
  GError *error = NULL;

  make_scene (80, 60, &image, &truth);
  mask = pm_mask_derive (image, image, NULL, &soft, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_mask_count (mask), ==, 0);
  for (gsize i = 0; i < 80 * 60; i++)
    g_assert_cmpfloat (soft->data[i], ==, 0.0f);

  /* A global tone shift alone is not an edit. */
  toned = pm_image_copy (image);
  sim_tone (toned, 3);
  tone_mask = pm_mask_derive (image, toned, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_mask_count (tone_mask), <=, 80 * 60 / 100);
}

static void
test_degenerate (void)
{
  static const int sizes[][2] = { { 1, 1 }, { 2, 1 }, { 1, 7 }, { 3, 3 }, { 1, 300 }, { 9, 5 } };

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int w = sizes[s][0], h = sizes[s][1];
      g_autoptr(PmImage) a = pm_image_new (w, h);
      g_autoptr(PmImage) b = pm_image_new (w, h);
      g_autoptr(PmMask) same = NULL;
      g_autoptr(PmMask) diff = NULL;
      g_autoptr(PmMask) naive = NULL;
      g_autoptr(PmMask) soft = NULL;
      GError *error = NULL;

      for (gsize i = 0; i < (gsize) w * h; i++)
        {
          a->data[i * 4] = 200; a->data[i * 4 + 1] = 180; a->data[i * 4 + 3] = 255;
          b->data[i * 4 + 2] = 255; b->data[i * 4 + 3] = 255;
        }
      same = pm_mask_derive (a, a, NULL, &soft, &error);
      g_assert_no_error (error);
      g_assert_cmpint (pm_mask_count (same), ==, 0);
      diff = pm_mask_derive (a, b, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (diff->width, ==, w);
      g_assert_cmpint (diff->height, ==, h);
      naive = pm_mask_derive_naive (a, b, 10);
      g_assert_cmpint (pm_mask_count (naive), ==, (gint64) w * h);
    }
}

static void
test_shape_mismatch (void)
{
  g_autoptr(PmImage) a = pm_image_new (100, 100);
  g_autoptr(PmImage) b = pm_image_new (100, 300);
  g_autoptr(PmImage) c = pm_image_new (205, 200);
  g_autoptr(PmMask) ok = NULL;
  GError *error = NULL;

  g_assert_null (pm_mask_derive (a, b, NULL, NULL, &error));
  g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_SIZE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "100×300"));
  g_clear_error (&error);

  /* Tiny images: a pixel of rounding is not a different shape. */
  {
    g_autoptr(PmImage) t1 = pm_image_new (1, 3);
    g_autoptr(PmImage) t2 = pm_image_new (1, 2);
    g_autoptr(PmMask) m = pm_mask_derive (t1, t2, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (m->height, ==, 3);
  }

  /* 2 % off in aspect (a generator's rounding) is fine. */
  ok = pm_mask_derive (a, c, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ok->width, ==, 100);
}

/* One rule decides whether an image can be an edit of another: the aspect tolerance at its
 * edge, and the picture's structure. */
static void
test_check_edit (void)
{
  g_autofree char *path = pm_test_source_path ("data/samples/coffee.png");
  g_autoptr(PmImage) photo = NULL;
  g_autoptr(PmMask) mask = NULL;
  g_autoptr(PmImage) edit = NULL;
  g_autoptr(PmImage) wider_ok = NULL;
  g_autoptr(PmImage) wider_bad = NULL;
  g_autoptr(PmImage) other = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  GError *error = NULL;
  int w, h;

  photo = pm_image_load (path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  g_assert_no_error (error);
  w = photo->width;
  h = photo->height;
  mask = pm_mask_new (w, h);
  for (int y = h / 4; y < h / 2; y++)
    for (int x = w / 4; x < w / 2; x++)
      mask->data[(gsize) y * w + x] = 1.0f;
  edit = pm_edit_recolor (photo, mask, (PmRgb) { 0, 0, 1 }, NULL);
  g_assert_true (pm_derive_check_edit (photo, edit, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (pm_derive_structure_correlation (photo, edit), >, 0.9);

  /* Within the tolerance (4 % wider), and beyond it (7 %). */
  wider_ok = pm_image_resize (edit, (int) lround (w * 1.04), h);
  g_assert_true (pm_derive_check_edit (photo, wider_ok, &error));
  g_assert_no_error (error);
  wider_bad = pm_image_resize (edit, (int) lround (w * (1.0 + PM_DERIVE_MAX_ASPECT_CHANGE + 0.02)),
                               h);
  g_assert_false (pm_derive_check_shape (photo, wider_bad, &error));
  g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_SIZE);
  g_clear_error (&error);
  g_assert_false (pm_derive_check_edit (photo, wider_bad, &error));
  g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_SIZE);
  g_clear_error (&error);

  /* Another picture of the same size: blocks of random grey. */
  other = pm_image_new (w, h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *p = other->data + ((gsize) y * w + x) * 4;
        p[0] = (x % 16 == 0 && y % 16 == 0) ? (guint8) g_rand_int_range (rand, 0, 256)
               : other->data[((gsize) (y - y % 16) * w + (x - x % 16)) * 4];
        p[1] = p[2] = p[0];
        p[3] = 255;
      }
  g_assert_true (pm_derive_check_shape (photo, other, &error));
  g_assert_false (pm_derive_check_edit (photo, other, &error));
  g_assert_error (error, PM_DERIVE_ERROR, PM_DERIVE_ERROR_UNRELATED);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
}

/* A disc image with @disc inside a circle of radius 18 around (32, 32), grey elsewhere. */
static PmImage *
disc_image (const guint8 disc[3])
{
  PmImage *image = pm_image_new (64, 64);

  for (int y = 0; y < 64; y++)
    for (int x = 0; x < 64; x++)
      {
        guint8 *p = image->data + ((gsize) y * 64 + x) * 4;
        gboolean in = (x - 32) * (x - 32) + (y - 32) * (y - 32) <= 18 * 18;
        for (int c = 0; c < 3; c++)
          p[c] = in ? disc[c] : 128;
        p[3] = 255;
      }
  return image;
}

/* The app's Test Connection picture, a red disc on grey, painted as a generative editor
 * paints (bright green, white, yellow: lighter than the grey where the red was darker): the
 * luma correlation turns negative, yet three quarters of the picture are untouched, so it
 * is an edit, and its mask is the disc. A picture of random blocks is still refused. */
static void
test_check_edit_simple_picture (void)
{
  static const guint8 red[3] = { 220, 30, 30 };
  static const guint8 paints[][3] = { { 40, 200, 40 }, { 250, 250, 250 }, { 240, 230, 40 },
                                      { 240, 120, 30 } };
  g_autoptr(PmImage) photo = disc_image (red);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(PmImage) other = pm_image_new (64, 64);
  GError *error = NULL;

  for (gsize k = 0; k < G_N_ELEMENTS (paints); k++)
    {
      g_autoptr(PmImage) edit = disc_image (paints[k]);
      g_autoptr(PmMask) mask = NULL;
      gint64 n;

      g_test_message ("paint %u,%u,%u: correlation %.2f, unchanged %.2f", paints[k][0],
                      paints[k][1], paints[k][2], pm_derive_structure_correlation (photo, edit),
                      pm_derive_unchanged_share (photo, edit));
      g_assert_true (pm_derive_check_edit (photo, edit, &error));
      g_assert_no_error (error);
      mask = pm_mask_derive (photo, edit, NULL, NULL, &error);
      g_assert_no_error (error);
      n = pm_mask_count (mask);
      g_assert_cmpint (n, >=, 950);    /* the disc has 1005 pixels */
      g_assert_cmpint (n, <=, 1060);
    }

  for (gsize i = 0; i < 64 * 64; i++)
    {
      guint8 *p = other->data + i * 4;
      p[0] = p[1] = p[2] = (i % 64) % 8 == 0 && (i / 64) % 8 == 0
                           ? (guint8) g_rand_int_range (rand, 0, 256)
                           : other->data[((i / 64 - (i / 64) % 8) * 64 + (i % 64 - (i % 64) % 8)) * 4];
      p[3] = 255;
    }
  g_test_message ("random blocks: unchanged %.2f", pm_derive_unchanged_share (photo, other));
  g_assert_cmpfloat (pm_derive_unchanged_share (photo, other), <, PM_DERIVE_MIN_UNCHANGED_SHARE);
  g_assert_false (pm_derive_check_edit (photo, other, &error));
  g_assert_error (error, PM_DERIVE_ERROR, PM_DERIVE_ERROR_UNRELATED);
  g_clear_error (&error);
}

static void
test_naive (void)
{
  g_autoptr(PmImage) a = pm_image_new (4, 1);
  g_autoptr(PmImage) b = pm_image_new (4, 1);
  g_autoptr(PmMask) m = NULL;
  static const guint8 delta[4] = { 0, 10, 11, 200 };

  for (int i = 0; i < 4; i++)
    b->data[i * 4] = (guint8) (delta[i] * 3 <= 255 ? delta[i] * 3 : 255);
  /* Mean |ΔRGB| per pixel: 0, 10, 11, 85. */
  m = pm_mask_derive_naive (a, b, 10.0f);
  g_assert_cmpfloat (m->data[0], ==, 0.0f);
  g_assert_cmpfloat (m->data[1], ==, 0.0f);
  g_assert_cmpfloat (m->data[2], ==, 1.0f);
  g_assert_cmpfloat (m->data[3], ==, 1.0f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/derive/naive", test_naive);
  g_test_add_func ("/core/derive/identical", test_identical);
  g_test_add_func ("/core/derive/degenerate", test_degenerate);
  g_test_add_func ("/core/derive/shape-mismatch", test_shape_mismatch);
  g_test_add_func ("/core/derive/check-edit", test_check_edit);
  g_test_add_func ("/core/derive/check-edit-simple-picture", test_check_edit_simple_picture);
  g_test_add_func ("/core/derive/hint-and-size", test_hint_and_size);
  g_test_add_func ("/core/derive/large", test_large);
  g_test_add_func ("/core/derive/big-object", test_big_object);
  g_test_add_func ("/core/derive/hint-close-colour", test_hint_helps_close_colour);
  g_test_add_func ("/core/derive/eval-clean", test_eval_clean);
  g_test_add_func ("/core/derive/eval-perturbed", test_eval_perturbed);
  g_test_add_func ("/core/derive/foreign-edits", test_foreign_edits);

  return g_test_run ();
}
