/* pm-color-private.h: the colour-name table shared by pm-color.c and its tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Looks up a normalised name (lower case, no spaces: "skyblue"); @hex gets 0xRRGGBB. */
gboolean pm_color_names_lookup    (const char *key,
                                   guint32    *hex);
/* The number of CSS Color 4 named colours in the table (148). */
guint    pm_color_names_css_count (void);

G_END_DECLS
