/* pm-grabcut.h: GrabCut segmentation (colour GMMs + graph cut), box or trimap initialised.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include "pm-image.h"

G_BEGIN_DECLS

/* Trimap labels, one byte per pixel. */
typedef enum {
  PM_TRIMAP_BG = 0,         /* sure background */
  PM_TRIMAP_FG = 1,         /* sure foreground */
  PM_TRIMAP_PROBABLY_BG = 2,
  PM_TRIMAP_PROBABLY_FG = 3,
} PmTrimapLabel;

/* Same shape as PmProgressFunc (pm-engine.h): a stage name ("grabcut 2/4",
 * "refining edges") and the fraction of the GrabCut run done. */
typedef void (*PmGrabcutProgressFunc) (const char *stage,
                                       double      fraction,
                                       gpointer    user_data);

typedef struct {
  int   iterations;     /* default 4 */
  int   n_components;   /* GMM components per model, default 5 */
  float gamma;          /* smoothness weight, default 50 */
  int   max_side;       /* work on a copy scaled so its longer side is at most this (0 = full);
                         * default 640. The result is upscaled and its edges refined by a
                         * graph cut at full resolution in a band around the boundary. */
  PmGrabcutProgressFunc progress;       /* optional; default NULL */
  gpointer              progress_data;
} PmGrabcutParams;

void     pm_grabcut_params_init (PmGrabcutParams       *params);

/* Refines @trimap in place (sizes must match the image) and returns a binary mask.
 * Cancellation returns NULL with G_IO_ERROR_CANCELLED. */
PmMask  *pm_grabcut_trimap      (const PmImage         *image,
                                 guint8                *trimap,
                                 const PmGrabcutParams *params,
                                 GCancellable          *cancellable,
                                 GError               **error);
/* Box initialisation: outside the rectangle is sure background. */
PmMask  *pm_grabcut_rect        (const PmImage         *image,
                                 int                    x,
                                 int                    y,
                                 int                    width,
                                 int                    height,
                                 const PmGrabcutParams *params,
                                 GCancellable          *cancellable,
                                 GError               **error);

G_END_DECLS
