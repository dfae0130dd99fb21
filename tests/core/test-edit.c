/* test-edit.c: tests for the colour-edit renderer (pm-edit).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "pm-edit.h"
#include "pm-mask-paint.h"

static PmImage *
make_textured (int     width,
               int     height,
               guint32 seed)
{
  PmImage *image = pm_image_new (width, height);
  GRand *rand = g_rand_new_with_seed (seed);

  /* A brownish, shaded surface with noise: something with texture to keep. */
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = image->data + ((gsize) y * width + x) * 4;
        double shade = 0.25 + 0.6 * (double) x / width + g_rand_double_range (rand, -0.1, 0.1);
        p[0] = (guint8) CLAMP (shade * 230, 0, 255);
        p[1] = (guint8) CLAMP (shade * 160, 0, 255);
        p[2] = (guint8) CLAMP (shade * 90, 0, 255);
        p[3] = (guint8) g_rand_int_range (rand, 100, 256);
      }
  g_rand_free (rand);
  return image;
}

static PmOklab
lab_at (const PmImage *image,
        gsize          i)
{
  const guint8 *p = image->data + i * 4;
  return pm_rgb_to_oklab ((PmRgb) { p[0] / 255.0f, p[1] / 255.0f, p[2] / 255.0f });
}

/* Mask: 0 on the left third, a soft ramp in the middle, 1 on the right third. */
static PmMask *
make_mask (int width,
           int height)
{
  PmMask *mask = pm_mask_new (width, height);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        float t = (float) (x - width / 3) / (width / 3);
        mask->data[y * width + x] = CLAMP (t, 0.0f, 1.0f);
      }
  return mask;
}

static void
test_outside_identical (void)
{
  const char *colors[] = { "purple", "blue", "green", "orange", "white", "black", "#ff00ff" };

  for (gsize c = 0; c < G_N_ELEMENTS (colors); c++)
    {
      g_autoptr(PmImage) image = make_textured (60, 40, 7 + c);
      g_autoptr(PmMask) mask = make_mask (60, 40);
      g_autoptr(PmImage) edited = NULL;
      PmRgb rgb;
      gsize changed = 0;

      g_assert_true (pm_color_parse (colors[c], &rgb));
      edited = pm_edit_recolor (image, mask, rgb, NULL);
      for (gsize i = 0; i < 60 * 40; i++)
        {
          /* Alpha is kept everywhere. */
          g_assert_cmpint (edited->data[i * 4 + 3], ==, image->data[i * 4 + 3]);
          if (mask->data[i] == 0.0f)
            g_assert_cmpmem (edited->data + i * 4, 4, image->data + i * 4, 4);
          else if (mask->data[i] == 1.0f)
            changed += memcmp (edited->data + i * 4, image->data + i * 4, 4) != 0;
        }
      /* Inside, something visible happened. */
      g_assert_cmpuint (changed, >, 60 * 40 / 4);
    }
}

static void
test_empty_mask (void)
{
  g_autoptr(PmImage) image = make_textured (20, 10, 3);
  g_autoptr(PmMask) mask = pm_mask_new (20, 10);
  g_autoptr(PmImage) edited = pm_edit_recolor (image, mask, (PmRgb) { 1, 0, 1 }, NULL);

  g_assert_cmpmem (edited->data, 20 * 10 * 4, image->data, 20 * 10 * 4);
}

static void
test_hue_and_texture (void)
{
  const char *colors[] = { "purple", "blue", "green", "orange", "red", "gold" };

  for (gsize c = 0; c < G_N_ELEMENTS (colors); c++)
    {
      g_autoptr(PmImage) image = make_textured (64, 32, 11);
      g_autoptr(PmMask) mask = pm_mask_new (64, 32);
      g_autoptr(PmImage) edited = NULL;
      PmRgb rgb;
      PmOklch target;
      GArray *pairs = g_array_new (FALSE, FALSE, sizeof (float) * 2);
      double max_dh = 0;
      int inversions = 0;

      for (int i = 0; i < 64 * 32; i++)
        mask->data[i] = 1.0f;
      g_assert_true (pm_color_parse (colors[c], &rgb));
      target = pm_oklab_to_oklch (pm_rgb_to_oklab (rgb));
      edited = pm_edit_recolor (image, mask, rgb, NULL);

      for (gsize i = 0; i < 64 * 32; i++)
        {
          PmOklch before = pm_oklab_to_oklch (lab_at (image, i));
          PmOklch after = pm_oklab_to_oklch (lab_at (edited, i));
          float pair[2] = { before.L, after.L };

          /* Hue is only meaningful with some chroma (8-bit rounding dominates below). */
          if (after.C > 0.05f)
            max_dh = MAX (max_dh, fabs (remainder (after.h - target.h, 2 * G_PI)));
          g_array_append_vals (pairs, pair, 1);
        }

      /* Lightness order is kept: brighter before means brighter after (up to rounding). */
      for (guint i = 0; i < pairs->len; i++)
        for (guint j = i + 1; j < pairs->len; j += 7)
          {
            float *a = &g_array_index (pairs, float, 2 * i);
            float *b = &g_array_index (pairs, float, 2 * j);
            if (a[0] + 0.01f < b[0] && a[1] > b[1] + 0.01f)
              inversions++;
            if (b[0] + 0.01f < a[0] && b[1] > a[1] + 0.01f)
              inversions++;
          }
      g_test_message ("%s: max hue error %.4f rad, %d lightness inversions", colors[c],
                      max_dh, inversions);
      g_assert_cmpfloat (max_dh, <, 0.05);
      g_assert_cmpint (inversions, ==, 0);
      g_array_unref (pairs);
    }
}

static void
test_achromatic_targets (void)
{
  g_autoptr(PmImage) image = make_textured (40, 20, 5);
  g_autoptr(PmMask) mask = pm_mask_new (40, 20);
  g_autoptr(PmImage) white = NULL;
  g_autoptr(PmImage) black = NULL;
  double L0 = 0, Lw = 0, Lb = 0, Cw = 0, C0 = 0;

  for (int i = 0; i < 40 * 20; i++)
    mask->data[i] = 1.0f;
  white = pm_edit_recolor (image, mask, (PmRgb) { 1, 1, 1 }, NULL);
  black = pm_edit_recolor (image, mask, (PmRgb) { 0, 0, 0 }, NULL);
  for (gsize i = 0; i < 40 * 20; i++)
    {
      L0 += lab_at (image, i).L;
      C0 += pm_oklab_to_oklch (lab_at (image, i)).C;
      Lw += lab_at (white, i).L;
      Cw += pm_oklab_to_oklch (lab_at (white, i)).C;
      Lb += lab_at (black, i).L;
    }
  L0 /= 800; Lw /= 800; Lb /= 800; C0 /= 800; Cw /= 800;
  g_test_message ("mean L: original %.3f, white %.3f, black %.3f; chroma %.3f → %.3f",
                  L0, Lw, Lb, C0, Cw);
  g_assert_cmpfloat (Lw, >, L0 + 0.15);
  g_assert_cmpfloat (Lb, <, L0 - 0.15);
  g_assert_cmpfloat (Cw, <, 0.01);
}

static void
test_params (void)
{
  g_autoptr(PmImage) image = make_textured (30, 20, 9);
  g_autoptr(PmMask) mask = pm_mask_new (30, 20);
  g_autoptr(PmImage) flat = NULL;
  g_autoptr(PmImage) grey = NULL;
  PmEditParams params;
  PmRgb blue;
  PmOklab target;

  for (int i = 0; i < 30 * 20; i++)
    mask->data[i] = 1.0f;
  g_assert_true (pm_color_parse ("royal blue", &blue));
  target = pm_rgb_to_oklab (blue);

  /* lightness_keep = 0: every pixel takes the target's lightness (a flat fill). */
  pm_edit_params_init (&params);
  g_assert_cmpfloat (params.lightness_keep, ==, 1.0f);
  g_assert_cmpfloat (params.chroma_boost, ==, 1.0f);
  params.lightness_keep = 0.0f;
  flat = pm_edit_recolor (image, mask, blue, &params);
  for (gsize i = 0; i < 30 * 20; i++)
    g_assert_cmpfloat_with_epsilon (lab_at (flat, i).L, target.L, 0.01);

  /* chroma_boost = 0: no chroma, a grey rendering of the region. */
  pm_edit_params_init (&params);
  params.chroma_boost = 0.0f;
  grey = pm_edit_recolor (image, mask, blue, &params);
  for (gsize i = 0; i < 30 * 20; i++)
    g_assert_cmpfloat (pm_oklab_to_oklch (lab_at (grey, i)).C, <, 0.01f);
}

static void
test_golden (void)
{
  /* A 4×2 image, mask 1, 1, 0.5, 0 on each row, painted purple (#800080). Reference
   * bytes from this implementation, checked by eye; tolerance ±1 for libm differences. */
  static const guint8 input[8 * 4] = {
    200, 180, 40, 255,   120, 60, 30, 255,   90, 140, 200, 255,   10, 20, 30, 255,
    250, 250, 250, 128,  5, 5, 5, 255,       128, 128, 128, 255,  60, 160, 60, 0,
  };
  static const float mask_values[8] = { 1, 1, 0.5f, 0, 1, 1, 0.5f, 0 };
  static const guint8 expected[8 * 4] = {
    191, 132, 188, 255,  113, 0, 113, 255,    133, 116, 182, 255,  10, 20, 30, 255,
    233, 211, 231, 128,  11, 0, 11, 255,      143, 105, 142, 255,  60, 160, 60, 0,
  };
  g_autoptr(PmImage) image = pm_image_new (4, 2);
  g_autoptr(PmMask) mask = pm_mask_new (4, 2);
  g_autoptr(PmImage) edited = NULL;
  PmRgb purple;
  GString *got = g_string_new (NULL);

  memcpy (image->data, input, sizeof input);
  memcpy (mask->data, mask_values, sizeof mask_values);
  g_assert_true (pm_color_parse ("purple", &purple));
  edited = pm_edit_recolor (image, mask, purple, NULL);
  for (int i = 0; i < 32; i++)
    g_string_append_printf (got, "%d, ", edited->data[i]);
  g_test_message ("golden: %s", got->str);
  g_string_free (got, TRUE);
  for (int i = 0; i < 32; i++)
    g_assert_cmpint (ABS ((int) edited->data[i] - (int) expected[i]), <=, 1);
}

static void
test_rect_rerender (void)
{
  /* A correction re-renders only its dirty rectangle, and gets the pixels a full render of
   * the corrected mask (with the edit's region lightness) gives. */
  g_autoptr(PmImage) image = make_textured (120, 90, 5);
  g_autoptr(PmMask) mask = make_mask (120, 90);
  g_autoptr(PmImage) edited = NULL;
  g_autoptr(PmImage) full = pm_image_copy (image);
  PmRgb green;
  PmBrush brush;
  PmRect added, erased, dirty;
  float lightness;

  g_assert_true (pm_color_parse ("green", &green));
  edited = pm_edit_recolor (image, mask, green, NULL);
  lightness = pm_edit_region_lightness (image, mask);
  g_assert_cmpfloat (lightness, >, 0.0f);

  pm_brush_init (&brush, 7);
  brush.hardness = 0.5;
  g_assert_true (pm_mask_paint_segment (mask, &brush, 5, 10, 30, 40, &added));
  brush.erase = TRUE;
  g_assert_true (pm_mask_paint_segment (mask, &brush, 100, 20, 110, 80, &erased));
  pm_rect_union (&added, &erased, &dirty);
  pm_edit_recolor_rect (image, mask, green, NULL, lightness, &added, edited);
  pm_edit_recolor_rect (image, mask, green, NULL, lightness, &erased, edited);

  pm_edit_recolor_rect (image, mask, green, NULL, lightness,
                        &(PmRect) { 0, 0, 120, 90 }, full);
  g_assert_cmpmem (edited->data, 120 * 90 * 4, full->data, 120 * 90 * 4);
  /* Where the eraser went, the photo is back; where the brush went, it is painted. */
  g_assert_cmpmem (edited->data + (50 * 120 + 105) * 4, 4, image->data + (50 * 120 + 105) * 4, 4);
  g_assert_true (memcmp (edited->data + (25 * 120 + 17) * 4, image->data + (25 * 120 + 17) * 4,
                         3) != 0);

  /* A rect outside the image renders nothing; an empty mask has no region lightness. */
  pm_edit_recolor_rect (image, mask, green, NULL, lightness,
                        &(PmRect) { 200, 0, 10, 10 }, full);
  g_assert_cmpmem (edited->data, 120 * 90 * 4, full->data, 120 * 90 * 4);
  {
    g_autoptr(PmMask) empty = pm_mask_new (120, 90);
    g_assert_cmpfloat (pm_edit_region_lightness (image, empty), <, 0.0f);
  }
}

static void
test_follow_mask (void)
{
  /* The run's edit stays where the mask was not corrected; a correction's pixels are the
   * recolour of the corrected mask (or the photo, erased); the order of corrections does
   * not matter. */
  g_autoptr(PmImage) image = make_textured (90, 60, 9);
  g_autoptr(PmMask) soft = make_mask (90, 60);
  g_autoptr(PmMask) base = pm_mask_threshold (soft, 0.5f);
  g_autoptr(PmMask) fixed = pm_mask_copy (base);
  g_autoptr(PmImage) edited = NULL;
  g_autoptr(PmImage) shown = NULL;
  g_autoptr(PmImage) again = NULL;
  PmRgb blue;
  PmBrush brush;
  PmRect a, b, all = { 0, 0, 90, 60 };
  float lightness;

  g_assert_true (pm_color_parse ("blue", &blue));
  edited = pm_edit_recolor (image, soft, blue, NULL);
  lightness = pm_edit_region_lightness (image, soft);
  /* On a grid of every third pixel the mean moves a little (0.0019 here, on a steep ramp). */
  g_assert_cmpfloat_with_epsilon (pm_edit_region_lightness_sampled (image, soft, 3), lightness,
                                  0.0025);
  g_assert_cmpfloat (pm_edit_region_lightness_sampled (image, soft, 1), ==, lightness);
  shown = pm_image_copy (edited);

  pm_brush_init (&brush, 6);
  g_assert_true (pm_mask_paint_segment (fixed, &brush, 5, 30, 25, 30, &a));      /* adds */
  brush.erase = TRUE;
  g_assert_true (pm_mask_paint_segment (fixed, &brush, 80, 10, 80, 50, &b));     /* erases */
  pm_edit_follow_rect (image, edited, base, fixed, blue, NULL, lightness, &a, shown);
  pm_edit_follow_rect (image, edited, base, fixed, blue, NULL, lightness, &b, shown);

  for (int i = 0; i < 90 * 60; i++)
    {
      const guint8 *got = shown->data + i * 4;

      if (fixed->data[i] == base->data[i])
        g_assert_cmpmem (got, 4, edited->data + i * 4, 4);
      else if (fixed->data[i] == 0.0f)
        g_assert_cmpmem (got, 4, image->data + i * 4, 4);
      else
        g_assert_true (memcmp (got, image->data + i * 4, 3) != 0);
    }

  /* Rendering everything at once gives the same pixels; so does the base mask itself (no
   * correction: the run's edit, soft edge and all). */
  again = pm_image_copy (image);
  pm_edit_follow_rect (image, edited, base, fixed, blue, NULL, lightness, &all, again);
  g_assert_cmpmem (again->data, 90 * 60 * 4, shown->data, 90 * 60 * 4);
  pm_edit_follow_rect (image, edited, base, base, blue, NULL, lightness, &all, again);
  g_assert_cmpmem (again->data, 90 * 60 * 4, edited->data, 90 * 60 * 4);

  /* Without @edited, only the corrected pixels are written: over a canvas of grey the
   * correction's pixels are those above and the rest stays grey (one object of several
   * painted over the others' corrections). */
  memset (again->data, 77, (gsize) 90 * 60 * 4);
  pm_edit_follow_rect (image, NULL, base, fixed, blue, NULL, lightness, &all, again);
  for (int i = 0; i < 90 * 60; i++)
    {
      if (fixed->data[i] == base->data[i])
        g_assert_cmpmem (again->data + i * 4, 4, "\x4d\x4d\x4d\x4d", 4);
      else
        g_assert_cmpmem (again->data + i * 4, 4, shown->data + i * 4, 4);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/edit/outside-identical", test_outside_identical);
  g_test_add_func ("/core/edit/empty-mask", test_empty_mask);
  g_test_add_func ("/core/edit/hue-and-texture", test_hue_and_texture);
  g_test_add_func ("/core/edit/achromatic", test_achromatic_targets);
  g_test_add_func ("/core/edit/params", test_params);
  g_test_add_func ("/core/edit/golden", test_golden);
  g_test_add_func ("/core/edit/rect-rerender", test_rect_rerender);
  g_test_add_func ("/core/edit/follow-mask", test_follow_mask);

  return g_test_run ();
}
