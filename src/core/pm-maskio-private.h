/* pm-maskio-private.h: what pm-maskio.c shares with its 1-bit PNG reader.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-maskio.h"

G_BEGIN_DECLS

/* A mask from a 1-bit greyscale PNG (pm-maskio-png1.c); NULL with *@mine FALSE (and no
 * error) when @data is another kind of image. */
PmMask *pm_mask_decode_png_1bit (const guint8  *data,
                                 gsize          len,
                                 gboolean      *mine,
                                 GError       **error);

G_END_DECLS
