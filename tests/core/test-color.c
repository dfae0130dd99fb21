/* test-color.c: tests for pm-color (transfer functions, OKLab/OKLCh, colour names).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "pm-color.h"
#include "pm-color-private.h"
#include "pm-color-fast-private.h"

static void
test_transfer (void)
{
  /* Known points of the sRGB curve. */
  g_assert_cmpfloat_with_epsilon (pm_srgb_to_linear (0.0f), 0.0f, 1e-7);
  g_assert_cmpfloat_with_epsilon (pm_srgb_to_linear (1.0f), 1.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (pm_srgb_to_linear (0.5f), 0.2140411f, 1e-6);
  g_assert_cmpfloat_with_epsilon (pm_srgb_to_linear (0.04f), 0.04f / 12.92f, 1e-7);

  for (int i = 0; i < 256; i++)
    {
      float v = i / 255.0f;
      g_assert_cmpfloat_with_epsilon (pm_srgb8_to_linear ((guint8) i), pm_srgb_to_linear (v),
                                      1e-7);
      g_assert_cmpfloat_with_epsilon (pm_linear_to_srgb (pm_srgb_to_linear (v)), v, 1e-5);
    }
  for (int i = 1; i < 256; i++)
    g_assert_cmpfloat (pm_srgb8_to_linear ((guint8) i), >, pm_srgb8_to_linear ((guint8) (i - 1)));
}

static void
test_oklab_known (void)
{
  PmOklab white = pm_rgb_to_oklab ((PmRgb) { 1, 1, 1 });
  PmOklab black = pm_rgb_to_oklab ((PmRgb) { 0, 0, 0 });
  PmOklab red = pm_rgb_to_oklab ((PmRgb) { 1, 0, 0 });
  PmOklab green = pm_rgb_to_oklab ((PmRgb) { 0, 1, 0 });
  PmOklab blue = pm_rgb_to_oklab ((PmRgb) { 0, 0, 1 });

  g_assert_cmpfloat_with_epsilon (white.L, 1.0f, 1e-4);
  g_assert_cmpfloat_with_epsilon (white.a, 0.0f, 1e-4);
  g_assert_cmpfloat_with_epsilon (white.b, 0.0f, 1e-4);
  g_assert_cmpfloat_with_epsilon (black.L, 0.0f, 1e-6);

  g_assert_cmpfloat_with_epsilon (red.L, 0.6279554f, 1e-4);
  g_assert_cmpfloat_with_epsilon (red.a, 0.2248631f, 1e-4);
  g_assert_cmpfloat_with_epsilon (red.b, 0.1258463f, 1e-4);
  g_assert_cmpfloat_with_epsilon (green.L, 0.8664396f, 1e-4);
  g_assert_cmpfloat_with_epsilon (green.a, -0.2338876f, 1e-4);
  g_assert_cmpfloat_with_epsilon (green.b, 0.1794985f, 1e-4);
  g_assert_cmpfloat_with_epsilon (blue.L, 0.4520137f, 1e-4);
  g_assert_cmpfloat_with_epsilon (blue.a, -0.0324570f, 1e-4);
  g_assert_cmpfloat_with_epsilon (blue.b, -0.3115281f, 1e-4);

  /* Greys have no chroma. */
  for (int i = 0; i <= 10; i++)
    {
      PmOklab grey = pm_rgb_to_oklab ((PmRgb) { i / 10.0f, i / 10.0f, i / 10.0f });
      g_assert_cmpfloat (fabsf (grey.a), <, 1e-4);
      g_assert_cmpfloat (fabsf (grey.b), <, 1e-4);
    }
}

static void
test_oklab_roundtrip (void)
{
  double max_err = 0;
  int n = 0;

  for (int r = 0; r <= 255; r += 15)
    for (int g = 0; g <= 255; g += 15)
      for (int b = 0; b <= 255; b += 15)
        {
          PmRgb in = { r / 255.0f, g / 255.0f, b / 255.0f };
          PmOklab lab = pm_rgb_to_oklab (in);
          PmOklch lch = pm_oklab_to_oklch (lab);
          PmRgb out = pm_oklab_to_rgb (pm_oklch_to_oklab (lch));
          float lr, lg, lb;

          max_err = MAX (max_err, fabsf (out.r - in.r));
          max_err = MAX (max_err, fabsf (out.g - in.g));
          max_err = MAX (max_err, fabsf (out.b - in.b));

          pm_oklab_to_linear (lab, &lr, &lg, &lb);
          g_assert_cmpfloat_with_epsilon (lr, pm_srgb_to_linear (in.r), 1e-4);
          g_assert_cmpfloat_with_epsilon (lg, pm_srgb_to_linear (in.g), 1e-4);
          g_assert_cmpfloat_with_epsilon (lb, pm_srgb_to_linear (in.b), 1e-4);
          n++;
        }
  g_test_message ("OKLab round trip over %d colours: max error %.2e (of 1.0)", n, max_err);
  g_assert_cmpfloat (max_err, <, 1e-4);
}

static void
test_oklch (void)
{
  PmOklab lab = { 0.7f, 0.1f, -0.1f };
  PmOklch lch = pm_oklab_to_oklch (lab);
  PmOklab back = pm_oklch_to_oklab (lch);

  g_assert_cmpfloat_with_epsilon (lch.L, 0.7f, 1e-6);
  g_assert_cmpfloat_with_epsilon (lch.C, sqrtf (0.02f), 1e-6);
  g_assert_cmpfloat_with_epsilon (lch.h, -G_PI / 4, 1e-6);
  g_assert_cmpfloat_with_epsilon (back.a, lab.a, 1e-6);
  g_assert_cmpfloat_with_epsilon (back.b, lab.b, 1e-6);
}

static void
test_gamut_clip (void)
{
  /* A very vivid OKLCh colour: chroma far outside sRGB at these hues. */
  for (int k = 0; k < 12; k++)
    {
      PmOklch lch = { 0.65f, 0.5f, (float) (k * G_PI / 6) };
      PmRgb rgb = pm_oklab_to_rgb (pm_oklch_to_oklab (lch));
      PmOklch back = pm_oklab_to_oklch (pm_rgb_to_oklab (rgb));
      float dh = remainderf (back.h - lch.h, (float) (2 * G_PI));

      g_assert_true (rgb.r >= 0 && rgb.r <= 1 && rgb.g >= 0 && rgb.g <= 1 &&
                     rgb.b >= 0 && rgb.b <= 1);
      /* Lightness and hue are kept; only chroma went down. */
      g_assert_cmpfloat_with_epsilon (back.L, lch.L, 2e-3);
      g_assert_cmpfloat (fabsf (dh), <, 0.02f);
      g_assert_cmpfloat (back.C, <, lch.C);
      g_assert_cmpfloat (back.C, >, 0.05f);
    }

  /* Out of range lightness gives black/white. */
  PmRgb black = pm_oklab_to_rgb ((PmOklab) { -0.2f, 0.1f, 0.1f });
  PmRgb white = pm_oklab_to_rgb ((PmOklab) { 1.3f, 0.1f, 0.1f });
  g_assert_cmpfloat (black.r + black.g + black.b, ==, 0.0f);
  g_assert_cmpfloat (white.r + white.g + white.b, ==, 3.0f);
}

static void
assert_parses (const char *text,
               const char *hex)
{
  PmRgb rgb;
  g_autofree char *got = NULL;

  if (!pm_color_parse (text, &rgb))
    g_error ("“%s” did not parse", text);
  got = pm_color_to_hex (rgb);
  g_assert_cmpstr (got, ==, hex);
}

static void
test_names (void)
{
  g_assert_cmpuint (pm_color_names_css_count (), ==, 148);

  assert_parses ("red", "#ff0000");
  assert_parses ("Purple", "#800080");
  assert_parses ("REBECCAPURPLE", "#663399");
  assert_parses ("violet", "#ee82ee");
  assert_parses ("pink", "#ffc0cb");
  assert_parses ("orange", "#ffa500");
  assert_parses ("gold", "#ffd700");
  assert_parses ("sky blue", "#87ceeb");
  assert_parses ("sky-blue", "#87ceeb");
  assert_parses ("  skyblue ", "#87ceeb");
  assert_parses ("dark green", "#006400");
  assert_parses ("Light Blue", "#add8e6");
  assert_parses ("brown", "#a52a2a");
  assert_parses ("beige", "#f5f5dc");
  assert_parses ("turquoise", "#40e0d0");
  assert_parses ("cyan", "#00ffff");
  assert_parses ("magenta", "#ff00ff");
  assert_parses ("lime", "#00ff00");
  assert_parses ("navy", "#000080");
  assert_parses ("maroon", "#800000");
  assert_parses ("teal", "#008080");
  assert_parses ("silver", "#c0c0c0");
  assert_parses ("grey", "#808080");
  assert_parses ("gray", "#808080");
  assert_parses ("dark slate grey", "#2f4f4f");
  assert_parses ("light goldenrod yellow", "#fafad2");
  assert_parses ("white", "#ffffff");
  assert_parses ("black", "#000000");
  assert_parses ("navy blue", "#000080");
  assert_parses ("burgundy", "#800020");

  /* Everyday words without a CSS keyword still parse. */
  const char *words[] = { "golden", "cream", "mint", "lilac", "mustard", "emerald", "amber",
                          "light purple", "dark yellow", "pale pink", "deep blue",
                          "bright green", "light brown", "dark pink", "light orange" };
  for (gsize i = 0; i < G_N_ELEMENTS (words); i++)
    {
      g_assert_true (pm_color_parse (words[i], NULL));
      g_assert_true (pm_color_is_name (words[i]));
    }

  /* Derived shades are lighter or darker than their base colour. */
  {
    PmRgb base, light, dark;
    g_assert_true (pm_color_parse ("purple", &base));
    g_assert_true (pm_color_parse ("light purple", &light));
    g_assert_true (pm_color_parse ("dark purple", &dark));
    g_assert_cmpfloat (pm_rgb_to_oklab (light).L, >, pm_rgb_to_oklab (base).L + 0.1f);
    g_assert_cmpfloat (pm_rgb_to_oklab (dark).L, <, pm_rgb_to_oklab (base).L - 0.1f);
  }

  g_assert_true (pm_color_is_name ("purple"));
  g_assert_true (pm_color_is_name ("Sky Blue"));
  g_assert_false (pm_color_is_name ("#ff00ff"));
  g_assert_false (pm_color_is_name ("banana"));
}

static void
test_hex (void)
{
  assert_parses ("#ff00ff", "#ff00ff");
  assert_parses ("#FF8800", "#ff8800");
  assert_parses ("#f80", "#ff8800");
  assert_parses ("#000", "#000000");
  assert_parses ("#123456", "#123456");

  g_autofree char *h1 = pm_color_to_hex ((PmRgb) { 1.5f, -0.2f, 0.5f });
  g_assert_cmpstr (h1, ==, "#ff0080");
}

static void
test_junk (void)
{
  const char *junk[] = { "", " ", "#", "#ff", "#ff00f", "#ff00ff0", "#gg0000", "ff00ff",
                         "banana", "reddish", "light", "dark", "lightdark", "red!",
                         "r e d x", "purple2", "\xff\xfe", "ünicode", "#ffffff ff",
                         "light banana", "dark dark" };
  PmRgb rgb = { 0.25f, 0.25f, 0.25f };

  for (gsize i = 0; i < G_N_ELEMENTS (junk); i++)
    {
      if (pm_color_parse (junk[i], &rgb))
        g_error ("“%s” parsed as a colour", junk[i]);
      g_assert_false (pm_color_is_name (junk[i]));
    }
  g_assert_false (pm_color_parse (NULL, &rgb));
  g_assert_false (pm_color_is_name (NULL));
  /* A failed parse leaves the output alone. */
  g_assert_cmpfloat (rgb.r, ==, 0.25f);
}

/* The fast OKLab (pm-color-fast-private.h) rounds to the same floats as pm_linear_to_oklab:
 * L on every 5th 8-bit colour (the renderer's use; the header's claim is all of them), L, a
 * and b on 500,000 random linear colours and a few edge values (derivation's use); a and b
 * of greys only to 1e-9. */
static void
test_oklab_fast (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  static const float edges[] = { 0.0f, 1e-30f, 1e-7f, 0.5f, 1.0f };
  gint64 checked = 0;

  for (guint32 c = 0; c < (1u << 24); c += 5, checked++)
    {
      float r = pm_srgb8_to_linear (c >> 16), g = pm_srgb8_to_linear ((c >> 8) & 255);
      float b = pm_srgb8_to_linear (c & 255);

      if (pm_linear_to_oklab (r, g, b).L != pm_linear_to_oklab_L_fast (r, g, b))
        g_error ("L differs at #%06x", c);
    }
  for (int i = 0; i < 500000 + 125; i++, checked++)
    {
      float r, g, b;
      PmOklab ref, fast;

      if (i < 125)
        {
          r = edges[i % 5];
          g = edges[(i / 5) % 5];
          b = edges[i / 25];
        }
      else
        {
          r = (float) g_rand_double (rand);
          g = (float) g_rand_double (rand);
          b = (float) g_rand_double (rand);
        }
      ref = pm_linear_to_oklab (r, g, b);
      fast = pm_linear_to_oklab_fast (r, g, b);
      g_assert_true (ref.L == fast.L);
      if (r == g && g == b)
        {
          /* a and b of a grey are what is left of a cancellation, ~1e-10: not to the bit */
          g_assert_cmpfloat (fabsf (ref.a - fast.a), <=, 1e-9f);
          g_assert_cmpfloat (fabsf (ref.b - fast.b), <=, 1e-9f);
        }
      else
        g_assert_true (ref.a == fast.a && ref.b == fast.b);
    }
  g_assert_cmpint (checked, >, 3800000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/color/transfer", test_transfer);
  g_test_add_func ("/core/color/oklab-known", test_oklab_known);
  g_test_add_func ("/core/color/oklab-roundtrip", test_oklab_roundtrip);
  g_test_add_func ("/core/color/oklch", test_oklch);
  g_test_add_func ("/core/color/oklab-fast", test_oklab_fast);
  g_test_add_func ("/core/color/gamut-clip", test_gamut_clip);
  g_test_add_func ("/core/color/names", test_names);
  g_test_add_func ("/core/color/hex", test_hex);
  g_test_add_func ("/core/color/junk", test_junk);

  return g_test_run ();
}
