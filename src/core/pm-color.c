/* pm-color.c: sRGB, linear RGB, OKLab and OKLCh conversions; parsing colours.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-color"

#include "pm-color.h"
#include "pm-color-private.h"
#include "pm-oklab-private.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------
 * Transfer functions (IEC 61966-2-1)
 * ---------------------------------------------------------------------------------------- */

/**
 * pm_srgb_to_linear:
 * @v: an sRGB-encoded value in 0..1
 *
 * Returns: the linear-light value
 */
float
pm_srgb_to_linear (float v)
{
  if (v <= 0.04045f)
    return v / 12.92f;
  return (float) pow ((v + 0.055) / 1.055, 2.4);
}

/**
 * pm_linear_to_srgb:
 * @v: a linear-light value in 0..1
 *
 * Returns: the sRGB-encoded value
 */
float
pm_linear_to_srgb (float v)
{
  if (v <= 0.0031308f)
    return v * 12.92f;
  return (float) (1.055 * pow (v, 1.0 / 2.4) - 0.055);
}

static float srgb8_table[256];

static gpointer
build_srgb8_table (gpointer data)
{
  for (int i = 0; i < 256; i++)
    srgb8_table[i] = pm_srgb_to_linear (i / 255.0f);
  return NULL;
}

/**
 * pm_srgb8_to_linear:
 * @v: an 8-bit sRGB value
 *
 * Returns: the linear-light value in 0..1 (from a 256-entry table)
 */
float
pm_srgb8_to_linear (guint8 v)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, build_srgb8_table, NULL);
  return srgb8_table[v];
}

/* ------------------------------------------------------------------------------------------
 * OKLab (Björn Ottosson, 2020)
 * ---------------------------------------------------------------------------------------- */

/**
 * pm_linear_to_oklab:
 * @r: linear red
 * @g: linear green
 * @b: linear blue
 *
 * Returns: the OKLab coordinates
 */
PmOklab
pm_linear_to_oklab (float r,
                    float g,
                    float b)
{
  double l, m, s;

  pm_oklab_lms (r, g, b, &l, &m, &s);
  return pm_oklab_from_lms_cbrt (cbrt (l), cbrt (m), cbrt (s));
}

static void
oklab_to_linear_d (double  L,
                   double  a,
                   double  b,
                   double *r,
                   double *g,
                   double *bl)
{
  double l_ = L + 0.3963377774 * a + 0.2158037573 * b;
  double m_ = L - 0.1055613458 * a - 0.0638541728 * b;
  double s_ = L - 0.0894841775 * a - 1.2914855480 * b;
  double l = l_ * l_ * l_, m = m_ * m_ * m_, s = s_ * s_ * s_;

  *r = 4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s;
  *g = -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s;
  *bl = -0.0041960863 * l - 0.7034186147 * m + 1.7076147010 * s;
}

/**
 * pm_oklab_to_linear:
 * @lab: OKLab coordinates
 * @r: (out): linear red (may be out of 0..1 for colours outside sRGB)
 * @g: (out): linear green
 * @b: (out): linear blue
 */
void
pm_oklab_to_linear (PmOklab lab,
                    float  *r,
                    float  *g,
                    float  *b)
{
  double rr, gg, bb;

  oklab_to_linear_d (lab.L, lab.a, lab.b, &rr, &gg, &bb);
  *r = (float) rr;
  *g = (float) gg;
  *b = (float) bb;
}

/**
 * pm_rgb_to_oklab:
 * @rgb: an sRGB colour (0..1)
 *
 * Returns: its OKLab coordinates
 */
PmOklab
pm_rgb_to_oklab (PmRgb rgb)
{
  return pm_linear_to_oklab (pm_srgb_to_linear (rgb.r), pm_srgb_to_linear (rgb.g),
                             pm_srgb_to_linear (rgb.b));
}

static gboolean
linear_in_gamut (double r,
                 double g,
                 double b)
{
  const double eps = 1e-5;
  return r >= -eps && r <= 1 + eps && g >= -eps && g <= 1 + eps && b >= -eps && b <= 1 + eps;
}

/**
 * pm_oklab_to_rgb:
 * @lab: OKLab coordinates
 *
 * Converts to sRGB. A colour outside the sRGB gamut keeps its lightness and hue and loses
 * chroma until it fits (found by bisection), so a too-vivid target stays the same hue.
 *
 * Returns: the sRGB colour, each channel in 0..1
 */
PmRgb
pm_oklab_to_rgb (PmOklab lab)
{
  double r, g, b;
  PmRgb out;

  if (lab.L <= 0.0f)
    return (PmRgb) { 0, 0, 0 };
  if (lab.L >= 1.0f)
    return (PmRgb) { 1, 1, 1 };

  oklab_to_linear_d (lab.L, lab.a, lab.b, &r, &g, &b);
  if (!linear_in_gamut (r, g, b))
    {
      double lo = 0.0, hi = 1.0;

      for (int i = 0; i < 24; i++)
        {
          double mid = 0.5 * (lo + hi);
          oklab_to_linear_d (lab.L, lab.a * mid, lab.b * mid, &r, &g, &b);
          if (linear_in_gamut (r, g, b))
            lo = mid;
          else
            hi = mid;
        }
      oklab_to_linear_d (lab.L, lab.a * lo, lab.b * lo, &r, &g, &b);
    }

  out.r = pm_linear_to_srgb ((float) CLAMP (r, 0.0, 1.0));
  out.g = pm_linear_to_srgb ((float) CLAMP (g, 0.0, 1.0));
  out.b = pm_linear_to_srgb ((float) CLAMP (b, 0.0, 1.0));
  return out;
}

/**
 * pm_oklab_to_oklch:
 * @lab: OKLab coordinates
 *
 * Returns: the polar form (h in radians, −π..π)
 */
PmOklch
pm_oklab_to_oklch (PmOklab lab)
{
  PmOklch lch;

  lch.L = lab.L;
  lch.C = hypotf (lab.a, lab.b);
  lch.h = atan2f (lab.b, lab.a);
  return lch;
}

/**
 * pm_oklch_to_oklab:
 * @lch: OKLCh coordinates (h in radians)
 *
 * Returns: the Cartesian form
 */
PmOklab
pm_oklch_to_oklab (PmOklch lch)
{
  PmOklab lab;

  lab.L = lch.L;
  lab.a = lch.C * cosf (lch.h);
  lab.b = lch.C * sinf (lch.h);
  return lab;
}

/* ------------------------------------------------------------------------------------------
 * Parsing
 * ---------------------------------------------------------------------------------------- */

static int
hex_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c = g_ascii_tolower (c);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

static gboolean
parse_hex (const char *text,
           PmRgb      *out)
{
  gsize len = strlen (text);
  int v[6];

  if (text[0] != '#' || (len != 4 && len != 7))
    return FALSE;
  for (gsize i = 1; i < len; i++)
    if ((v[i - 1] = hex_digit (text[i])) < 0)
      return FALSE;
  if (len == 4)
    {
      out->r = (v[0] * 17) / 255.0f;
      out->g = (v[1] * 17) / 255.0f;
      out->b = (v[2] * 17) / 255.0f;
    }
  else
    {
      out->r = (v[0] * 16 + v[1]) / 255.0f;
      out->g = (v[2] * 16 + v[3]) / 255.0f;
      out->b = (v[4] * 16 + v[5]) / 255.0f;
    }
  return TRUE;
}

static PmRgb
rgb_from_hex24 (guint32 hex)
{
  return (PmRgb) { ((hex >> 16) & 0xff) / 255.0f, ((hex >> 8) & 0xff) / 255.0f,
                   (hex & 0xff) / 255.0f };
}

/* Lower-case, drop spaces, hyphens and underscores: "Sky-Blue" → "skyblue".
 * Returns NULL if @text has anything but ASCII letters and those separators. */
static char *
normalize_name (const char *text)
{
  GString *s = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ' ' || *p == '-' || *p == '_' || *p == '\t')
        continue;
      if (!g_ascii_isalpha (*p))
        {
          g_string_free (s, TRUE);
          return NULL;
        }
      g_string_append_c (s, g_ascii_tolower (*p));
    }
  if (s->len == 0)
    {
      g_string_free (s, TRUE);
      return NULL;
    }
  return g_string_free (s, FALSE);
}

/* Modifiers that derive a shade from a known colour: "light purple", "deep red". */
typedef enum { MOD_LIGHT, MOD_DARK, MOD_BRIGHT } Modifier;

static const struct { const char *prefix; Modifier mod; } modifiers[] = {
  { "light", MOD_LIGHT }, { "pale", MOD_LIGHT }, { "pastel", MOD_LIGHT },
  { "dark", MOD_DARK }, { "deep", MOD_DARK },
  { "bright", MOD_BRIGHT }, { "vivid", MOD_BRIGHT }, { "neon", MOD_BRIGHT },
};

static PmRgb
apply_modifier (PmRgb    rgb,
                Modifier mod)
{
  PmOklch lch = pm_oklab_to_oklch (pm_rgb_to_oklab (rgb));

  switch (mod)
    {
    case MOD_LIGHT:
      lch.L = lch.L + (1.0f - lch.L) * 0.45f;
      lch.C *= 0.7f;
      break;
    case MOD_DARK:
      lch.L *= 0.62f;
      break;
    case MOD_BRIGHT:
      lch.C = lch.C * 1.3f + 0.02f;
      break;
    default:
      g_assert_not_reached ();
    }
  return pm_oklab_to_rgb (pm_oklch_to_oklab (lch));
}

static gboolean
parse_name (const char *text,
            PmRgb      *out)
{
  g_autofree char *key = normalize_name (text);
  guint32 hex;

  if (key == NULL)
    return FALSE;
  if (pm_color_names_lookup (key, &hex))
    {
      if (out != NULL)
        *out = rgb_from_hex24 (hex);
      return TRUE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (modifiers); i++)
    {
      gsize n = strlen (modifiers[i].prefix);

      if (g_str_has_prefix (key, modifiers[i].prefix) && key[n] != '\0' &&
          pm_color_names_lookup (key + n, &hex))
        {
          if (out != NULL)
            *out = apply_modifier (rgb_from_hex24 (hex), modifiers[i].mod);
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * pm_color_parse:
 * @text: a colour name ("purple", "sky blue", "dark green"), "#rgb" or "#rrggbb"
 * @out: (out) (optional): the colour
 *
 * Parses a colour, case-insensitively. Names are the CSS Color 4 named colours plus
 * everyday words; "light", "dark", "pale", "deep", "bright" in front of a known name
 * derive a shade of it. Surrounding spaces are ignored.
 *
 * Returns: %TRUE if @text is a colour
 */
gboolean
pm_color_parse (const char *text,
                PmRgb      *out)
{
  g_autofree char *stripped = NULL;
  PmRgb rgb;
  gboolean ok;

  if (text == NULL)
    return FALSE;
  stripped = g_strstrip (g_strdup (text));
  if (stripped[0] == '#')
    ok = parse_hex (stripped, &rgb);
  else
    ok = parse_name (stripped, &rgb);
  if (ok && out != NULL)
    *out = rgb;
  return ok;
}

/**
 * pm_color_is_name:
 * @word: one or two words
 *
 * Whether @word is a colour name that pm_color_parse() knows. Hex codes are not names.
 *
 * Returns: %TRUE for a known name
 */
gboolean
pm_color_is_name (const char *word)
{
  g_autofree char *stripped = NULL;

  if (word == NULL)
    return FALSE;
  stripped = g_strstrip (g_strdup (word));
  if (stripped[0] == '#')
    return FALSE;
  return parse_name (stripped, NULL);
}

/**
 * pm_color_to_hex:
 * @rgb: an sRGB colour (clamped to 0..1)
 *
 * Returns: (transfer full): "#rrggbb" in lower case
 */
char *
pm_color_to_hex (PmRgb rgb)
{
  int r = (int) lrintf (CLAMP (rgb.r, 0.0f, 1.0f) * 255.0f);
  int g = (int) lrintf (CLAMP (rgb.g, 0.0f, 1.0f) * 255.0f);
  int b = (int) lrintf (CLAMP (rgb.b, 0.0f, 1.0f) * 255.0f);

  return g_strdup_printf ("#%02x%02x%02x", r, g, b);
}
