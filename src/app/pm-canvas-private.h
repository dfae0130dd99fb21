/* pm-canvas-private.h: PmCanvas's state and image pyramid, shared by pm-canvas*.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include "pm-canvas.h"

G_BEGIN_DECLS

#define PM_CANVAS_MAX_LEVELS   12
#define PM_CANVAS_NEAREST_ZOOM 2.0   /* from here on, pixels are drawn as squares */
#define PM_CANVAS_CPU_ZOOM     0.75  /* from here on, the visible part is composited on the CPU */

/* A pyramid level: the photo, edit and mask halved k times, with their textures. */
typedef struct {
  int         w, h;
  GBytes     *original;        /* RGBA */
  GBytes     *edited;          /* or NULL */
  guint8     *mask;            /* 0/1, or NULL */
  int         bx0, by0, bx1, by1; /* mask bounding box, [x0, x1) */
  GdkTexture *original_tex;    /* textures are created on the main thread, when drawn */
  GdkTexture *edited_tex;
  GdkTexture *fill_tex;        /* overlay colour with alpha = mask, over the bounding box */
  GdkTexture *contour_tex;     /* outline (2 texels) and halo, over the box grown by 2 */
} PmLevel;

/* The outline texture's margin around the mask's bounding box, in level texels. */
#define PM_LEVEL_OUTLINE_MARGIN 2

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
  int          mx0, my0, mx1, my1; /* out: bounding box of mask0, [x0, x1); empty if x1 <= x0 */
  PmLevel      levels[PM_CANVAS_MAX_LEVELS];
} PmPyramid;

struct _PmCanvas
{
  GtkWidget      parent_instance;

  /* owned: pixels */
  int            width, height;
  GBytes        *original_bytes;   /* RGBA, width * height * 4 */
  GBytes        *edited_bytes;     /* or NULL */
  guint8        *mask;             /* 0/1 per pixel, or NULL */
  int            mx0, my0, mx1, my1; /* the mask's bounding box, [x0, x1) */
  double         cx, cy, radius;   /* mask centroid and reveal radius, image pixels */
  PmLevel        levels[PM_CANVAS_MAX_LEVELS]; /* [k]: halved k times; [0] unused */
  int            n_levels;
  guint          image_serial;     /* bumps per image / result: stale pyramids are dropped */
  guint          result_serial;
  guint          pending;          /* pyramid jobs in flight */
  guint          result_ready : 1; /* the result's pyramid and mask have arrived */
  guint          animate_result : 1;
  GdkRGBA        overlay_color;    /* the user's choice, opaque */
  GdkRGBA        halo_color;       /* black or white, whichever stands out from it */

  /* owned: view state */
  GtkAdjustment *hadj, *vadj;
  gulong         hadj_handler, vadj_handler;
  guint          hscroll_policy : 1;
  guint          vscroll_policy : 1;
  guint          fit : 1;
  guint          show_overlay : 1;
  guint          show_original : 1;
  guint          outline_only : 1;  /* the overlay view: outline without the fill */
  guint          over_original : 1; /* the overlay is drawn over the photo, not the edit */
  double         zoom;
  double         overlay_opacity;
  double         reveal;           /* 0..1; 1 = settled */
  AdwAnimation  *reveal_anim;

  /* gesture state */
  double         pointer_x, pointer_y;
  double         drag_h0, drag_v0;
  double         pinch_zoom0;
};

/* pm-canvas-overlay.c */
void        pm_canvas_init_overlay    (PmCanvas      *self);
gboolean    pm_canvas_showing_edit    (PmCanvas      *self);
void        pm_canvas_stroke_outline  (PmCanvas      *self,
                                       cairo_t       *cr,
                                       int            x0,
                                       int            y0,
                                       int            x1,
                                       int            y1,
                                       double         ox,
                                       double         oy);
GdkTexture *pm_level_outline_texture  (const PmLevel *level,
                                       const GdkRGBA *color,
                                       const GdkRGBA *halo);

/* pm-canvas-content.c */
void        pm_canvas_init_reveal     (PmCanvas      *self);

/* pm-canvas-draw.c; (ox, oy) is the widget position of image pixel (0, 0). */
void        pm_canvas_draw_textures   (PmCanvas      *self,
                                       GtkSnapshot   *snapshot);
void        pm_canvas_draw_cpu        (PmCanvas      *self,
                                       GtkSnapshot   *snapshot,
                                       double         ox,
                                       double         oy);
/* pm-canvas-input.c */
void        pm_canvas_init_input      (PmCanvas      *self);

/* pm-canvas-pyramid.c */
PmPyramid  *pm_pyramid_new            (int            width,
                                       int            height);
void        pm_pyramid_free           (PmPyramid     *pyramid);
void        pm_pyramid_build          (PmPyramid     *pyramid);

void        pm_level_clear_overlay    (PmLevel       *level);
void        pm_level_clear_result     (PmLevel       *level);
void        pm_level_clear            (PmLevel       *level);
GdkTexture *pm_level_mask_texture     (const PmLevel *level,
                                       const GdkRGBA *color);
GdkTexture *pm_texture_new_rgba       (GBytes        *bytes,
                                       int            width,
                                       int            height);

G_END_DECLS
