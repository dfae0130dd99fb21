/* pm-thumbnailer.h: small previews of image files as textures, decoded on one worker
 * thread, newest request first, and kept in a bounded cache.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The filmstrip asks for the rows it binds and cancels the requests of rows it unbinds, so
 * scrolling fast through 10,000 images only decodes what stays on screen. The cache keeps
 * textures, so a row bound again shows the same texture without converting pixels.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PM_TYPE_THUMBNAILER (pm_thumbnailer_get_type ())
G_DECLARE_FINAL_TYPE (PmThumbnailer, pm_thumbnailer, PM, THUMBNAILER, GObject)

/* Called on the main thread with the preview, or NULL if the file could not be read. */
typedef void (*PmThumbnailFunc) (GdkTexture *texture,
                                 gpointer    user_data);

PmThumbnailer *pm_thumbnailer_new      (int              width,
                                        int              height,
                                        guint            cache_size);
GdkTexture    *pm_thumbnailer_lookup   (PmThumbnailer   *self,
                                        const char      *file);
void           pm_thumbnailer_request  (PmThumbnailer   *self,
                                        const char      *file,
                                        GCancellable    *cancellable,
                                        PmThumbnailFunc  callback,
                                        gpointer         user_data,
                                        GDestroyNotify   user_data_free);
guint          pm_thumbnailer_get_n_made (PmThumbnailer *self);

G_END_DECLS
