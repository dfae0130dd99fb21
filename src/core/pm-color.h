/* pm-color.h: sRGB, linear RGB, OKLab and OKLCh conversions; colour names.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PmRgb holds non-linear sRGB in 0..1. OKLab follows Björn Ottosson's definition
 * (L in 0..1, a/b roughly −0.4..0.4); OKLCh has h in radians.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct { float r, g, b; } PmRgb;
typedef struct { float L, a, b; } PmOklab;
typedef struct { float L, C, h; } PmOklch;

float    pm_srgb_to_linear        (float          v);
float    pm_linear_to_srgb        (float          v);
float    pm_srgb8_to_linear       (guint8         v);   /* table lookup */
PmOklab  pm_linear_to_oklab       (float          r,
                                   float          g,
                                   float          b);
void     pm_oklab_to_linear       (PmOklab        lab,
                                   float         *r,
                                   float         *g,
                                   float         *b);
PmOklab  pm_rgb_to_oklab          (PmRgb          rgb);
PmRgb    pm_oklab_to_rgb          (PmOklab        lab);  /* clipped to gamut */
PmOklch  pm_oklab_to_oklch        (PmOklab        lab);
PmOklab  pm_oklch_to_oklab        (PmOklch        lch);

/* Parses a colour name (CSS named colours, everyday words such as "purple",
 * "gold", "sky blue", "dark green"), "#rgb" or "#rrggbb". Case-insensitive. */
gboolean pm_color_parse           (const char    *text,
                                   PmRgb         *out);
/* Whether @word (one or two words) is a known colour name. */
gboolean pm_color_is_name         (const char    *word);
char    *pm_color_to_hex          (PmRgb          rgb);

/* Default highlight colour for "segment …" (a saturated magenta-violet that is rare in photos). */
#define PM_COLOR_HIGHLIGHT_HEX "#ff00ff"

G_END_DECLS
