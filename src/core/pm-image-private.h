/* pm-image-private.h: what pm-image.c and pm-image-resample.c share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-image.h"

G_BEGIN_DECLS

/* Bytes needed for @width × @height × @bpp, or 0 for an empty or absurd size. */
G_GNUC_INTERNAL
gsize pm_image_byte_size (int   width,
                          int   height,
                          gsize bpp);

G_END_DECLS
