/* pm-canvas-private.h: PmCanvas's image pyramid, built in a worker thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PM_CANVAS_MAX_LEVELS 12

/* A pyramid level: the photo, edit and mask halved k times, with their textures. */
typedef struct {
  int         w, h;
  GBytes     *original;        /* RGBA */
  GBytes     *edited;          /* or NULL */
  guint8     *mask;            /* 0/1, or NULL */
  int         bx0, by0, bx1, by1; /* mask bounding box, [x0, x1) */
  GdkTexture *original_tex;    /* textures are created on the main thread, when drawn */
  GdkTexture *edited_tex;
  GdkTexture *fill_tex;        /* tint with alpha = mask, over the bounding box */
  GdkTexture *contour_tex;     /* one-texel contour, over the bounding box */
} PmLevel;

/* Work for one worker: pyramids of whichever inputs are set. Immutable inputs are shared
 * (GBytes that keep their owner alive); outputs are handed to the canvas. */
typedef struct {
  int          width, height;
  int          n_levels;       /* levels [1, n_levels) are built */
  GBytes      *original;       /* in, or NULL */
  GBytes      *edited;         /* in, or NULL */
  const float *mask;           /* in, or NULL; kept alive by mask_owner */
  GBytes      *mask_owner;
  float       *mask_copy;      /* owned copy when nothing else keeps the mask alive */
  guint8      *mask0;          /* out: the binary mask at full size */
  double       cx, cy, radius; /* out: mask centroid and a radius covering the image */
  gboolean     has_paint;      /* out: mean edited colour inside the mask (0..1) */
  double       paint[3];
  PmLevel      levels[PM_CANVAS_MAX_LEVELS];
} PmPyramid;

int         pm_pyramid_count_levels   (int            width,
                                       int            height);
PmPyramid  *pm_pyramid_new            (int            width,
                                       int            height);
void        pm_pyramid_free           (PmPyramid     *pyramid);
void        pm_pyramid_build          (PmPyramid     *pyramid);

void        pm_level_clear_overlay    (PmLevel       *level);
void        pm_level_clear_result     (PmLevel       *level);
void        pm_level_clear            (PmLevel       *level);
GdkTexture *pm_level_mask_texture     (const PmLevel *level,
                                       const GdkRGBA *color,
                                       gboolean       contour);
gboolean    pm_mask_boundary          (const guint8  *mask,
                                       int            width,
                                       int            height,
                                       int            x,
                                       int            y);
GdkTexture *pm_texture_new_rgba       (GBytes        *bytes,
                                       int            width,
                                       int            height);

G_END_DECLS
