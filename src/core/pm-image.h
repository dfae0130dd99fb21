/* pm-image.h: RGBA8 image buffers and float planes (masks), loading and saving.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Conventions: PmImage is 8-bit RGBA, non-premultiplied, row-major, rows packed
 * (stride = width * 4). PmMask is a float plane of width × height values, row-major;
 * soft masks hold 0..1, binary masks hold exactly 0 or 1.
 */
#pragma once

#include <glib.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define PM_IMAGE_ERROR (pm_image_error_quark ())
GQuark pm_image_error_quark (void);

typedef enum {
  PM_IMAGE_ERROR_LOAD,      /* unreadable, corrupt or unsupported file */
  PM_IMAGE_ERROR_TOO_LARGE, /* over the pixel limit */
  PM_IMAGE_ERROR_EMPTY,     /* zero width or height */
  PM_IMAGE_ERROR_SAVE,
  PM_IMAGE_ERROR_SIZE,      /* two buffers that must match do not */
} PmImageError;

/* Default limit on width × height when loading: 100 megapixels. */
#define PM_IMAGE_DEFAULT_MAX_PIXELS ((gint64) 100 * 1000 * 1000)

typedef struct {
  int     width;
  int     height;
  guint8 *data;     /* width * height * 4 bytes, RGBA */
} PmImage;

typedef struct {
  int    width;
  int    height;
  float *data;      /* width * height floats */
} PmMask;

PmImage   *pm_image_new               (int              width,
                                       int              height);
PmImage   *pm_image_copy              (const PmImage   *image);
void       pm_image_free              (PmImage         *image);
PmImage   *pm_image_load              (const char      *path,
                                       gint64           max_pixels,
                                       GError         **error);
PmImage   *pm_image_load_cancellable  (const char      *path,
                                       gint64           max_pixels,
                                       GCancellable    *cancellable,
                                       GError         **error);
PmImage   *pm_image_load_bytes        (GBytes          *bytes,
                                       gint64           max_pixels,
                                       GError         **error);
PmImage   *pm_image_new_from_pixbuf   (GdkPixbuf       *pixbuf,
                                       gint64           max_pixels,
                                       GError         **error);
GdkPixbuf *pm_image_to_pixbuf         (const PmImage   *image);
gboolean   pm_image_save_png          (const PmImage   *image,
                                       const char      *path,
                                       GError         **error);
GBytes    *pm_image_encode_png        (const PmImage   *image,
                                       GError         **error);
PmImage   *pm_image_resize            (const PmImage   *image,
                                       int              width,
                                       int              height);
char      *pm_image_checksum          (const PmImage   *image);

PmMask    *pm_mask_new                (int              width,
                                       int              height);
PmMask    *pm_mask_copy               (const PmMask    *mask);
void       pm_mask_free               (PmMask          *mask);
PmMask    *pm_mask_resize             (const PmMask    *mask,
                                       int              width,
                                       int              height);
PmMask    *pm_mask_threshold          (const PmMask    *mask,
                                       float            threshold);
gint64     pm_mask_count              (const PmMask    *mask);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmImage, pm_image_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmMask, pm_mask_free)

G_END_DECLS
