/* pm-maskio.h: masks as PNG files and as COCO run-length encodings.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-image.h"

G_BEGIN_DECLS

/* Binary: 0/255 8-bit grey PNG (mask > 0.5). Soft: 0..255. */
gboolean pm_mask_save_png       (const PmMask  *mask,
                                 const char    *path,
                                 gboolean       soft,
                                 GError       **error);
GBytes  *pm_mask_encode_png     (const PmMask  *mask,
                                 gboolean       soft,
                                 GError       **error);
/* Rounds @mask in place to the 8-bit levels a soft PNG holds (k/255). */
void     pm_mask_quantize       (PmMask        *mask);
/* Binary as a 1-bit grey PNG: the compact form the store keeps dataset drafts in. */
GBytes  *pm_mask_encode_png_1bit (const PmMask *mask,
                                 GError       **error);
/* Loads any image as a soft mask (luma/255, or alpha if the image is otherwise uniform). */
PmMask  *pm_mask_load_png       (const char    *path,
                                 GError       **error);
PmMask  *pm_mask_load_bytes     (GBytes        *bytes,
                                 GError       **error);
/* A ground-truth mask by its stored values (pm-mask-labels.c): 0/1, 0/255, palette
 * indices, 16-bit labels, colour or alpha; the object is where the label is not 0, or is
 * @pick ("12" or "#rrggbb") when given. Binary result. */
PmMask  *pm_mask_load_labels    (const char    *path,
                                 const char    *pick,
                                 GError       **error);
/* Whether @pick is empty, a number 0-65535 or a colour #rrggbb. */
gboolean pm_mask_label_pick_is_valid (const char *pick);
/* COCO RLE in pycocotools' compressed string form (column-major runs, starting with 0s). */
char    *pm_mask_to_rle         (const PmMask  *mask);
PmMask  *pm_mask_from_rle       (const char    *counts,
                                 int            width,
                                 int            height,
                                 GError       **error);
/* Run lengths (uncompressed COCO RLE, starting with 0s) → the compressed string form. */
char    *pm_rle_compress_counts (const gint64  *counts,
                                 gsize          n_counts);

G_END_DECLS
