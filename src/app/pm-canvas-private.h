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

/* Result textures of a level come in tiles of this many texels, so that a correction
 * uploads the few tiles it touched rather than the level. */
#define PM_CANVAS_TILE 256

/* What a level tile shows of the result. */
typedef enum {
  PM_TILE_EDITED,
  PM_TILE_FILL,                /* white, alpha = mask */
  PM_TILE_CONTOUR,             /* the outline: colour and halo */
  PM_TILE_COMPARE,             /* the compare mask's outline */
  PM_TILE_N_KINDS,
} PmTileKind;

/* Each texture is made when first drawn; @empty remembers that there was nothing to draw. */
typedef struct {
  GdkTexture *tex[PM_TILE_N_KINDS];
  guint8      empty[PM_TILE_N_KINDS];
} PmTile;

/* A pyramid level: the photo, edit and mask halved k times, with their textures. */
typedef struct {
  int         w, h;
  GBytes     *original;        /* RGBA */
  GBytes     *edited;          /* RGBA, or NULL; in the pyramid only (see edited_px) */
  guint8     *edited_px;       /* RGBA, or NULL: the level's edit, updated in place */
  guint8     *mask;            /* 0/1, or NULL */
  guint8     *compare;         /* 0/1, or NULL: the compare mask */
  GdkTexture *original_tex;    /* textures are created on the main thread, when drawn */
  int         tiles_x, tiles_y;
  PmTile     *tiles;           /* or NULL */
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
  int          mx0, my0, mx1, my1; /* out: bounding box of mask0, [x0, x1); empty if x1 <= x0 */
  PmLevel      levels[PM_CANVAS_MAX_LEVELS];
} PmPyramid;

/* Everything the CPU composite of the visible part depends on besides the pixels, which
 * change only through pm_canvas_update_result_rect() (that patches the cached composite).
 * Compared with memcmp(): made with memset() first. */
typedef struct {
  const guint8 *original, *edited, *mask;
  guint         image_serial, result_serial;
  int           x0, y0, x1, y1;   /* the image rectangle composited */
  gboolean      fill, bw;
  guint8        tint[4];
  double        opacity, split_x, reveal, reveal_radius, reveal_alpha, cx, cy;
} PmCpuKey;

struct _PmCanvas
{
  GtkWidget      parent_instance;

  /* owned: pixels */
  int            width, height;
  GBytes        *original_bytes;   /* RGBA, width * height * 4 */
  GBytes        *edited_bytes;     /* or NULL */
  guint8        *edited_copy;      /* a writable copy once a correction changed the edit */
  guint8        *mask;             /* 0/1 per pixel, or NULL */
  guint8        *compare;          /* 0/1 per pixel, or NULL: pm_canvas_set_compare_mask() */
  int            mx0, my0, mx1, my1; /* the mask's bounding box, [x0, x1) (grows with
                                    * corrections, never shrinks) */
  int            cx0, cy0, cx1, cy1; /* the compare mask's bounding box */
  double         cx, cy, radius;   /* mask centroid and reveal radius, image pixels */
  PmLevel        levels[PM_CANVAS_MAX_LEVELS]; /* [k]: halved k times; [0] unused */
  int            n_levels;
  guint          image_serial;     /* bumps per image / result: stale pyramids are dropped */
  guint          result_serial;
  guint          pending;          /* pyramid jobs in flight */
  guint          result_ready : 1; /* the result's pyramid and mask have arrived */
  cairo_surface_t *cpu_surface;    /* zoomed in: the visible part composited, or NULL */
  PmCpuKey       cpu_key;          /* what cpu_surface shows */
  guint          animate_result : 1;
  GdkRGBA        overlay_color;    /* the user's choice, opaque */
  GdkRGBA        halo_color;       /* black or white, whichever stands out from it */
  GdkRGBA        compare_color;    /* the compare mask's outline: stands out from the overlay */

  /* owned: view state */
  GtkAdjustment *hadj, *vadj;
  gulong         hadj_handler, vadj_handler;
  guint          hscroll_policy : 1;
  guint          vscroll_policy : 1;
  guint          fit : 1;
  guint          show_overlay : 1;
  guint          show_original : 1;
  guint          over_original : 1; /* the overlay is drawn over the photo, not the edit */
  double         zoom;
  double         overlay_opacity;
  double         reveal;           /* 0..1; 1 = settled */
  AdwAnimation  *reveal_anim;
  PmCanvasMaskStyle mask_style;
  guint          split : 1;
  double         split_position;   /* 0..1 of the width: original left of it */

  /* owned: tools */
  PmCanvasTool   tool;
  double         brush_radius;     /* image pixels */
  double         brush_hardness;   /* 0..1 */
  GArray        *lasso;            /* of PmPoint, image coordinates; empty when idle */
  GArray        *clicks;           /* of PmCanvasClick */
  guint          stroking : 1;     /* a brush or eraser stroke is in progress */
  guint          has_last : 1;     /* last_x/y: where the previous stroke ended */
  guint          boxing : 1;
  guint          lasso_remove : 1; /* Alt was held at the lasso's first point */
  double         last_x, last_y;
  guint32        last_press_time;  /* the lasso's double click */
  double         last_press_x, last_press_y;
  double         box_x0, box_y0, box_x1, box_y1;

  /* gesture state */
  double         pointer_x, pointer_y;
  guint          pointer_inside : 1;
  guint          drag_mode : 3;    /* PmDragMode */
  double         drag_x0, drag_y0; /* widget coordinates where the drag began */
  double         drag_h0, drag_v0;
  double         pinch_zoom0;
};

typedef struct {
  double   x, y;
  gboolean foreground;
} PmCanvasClick;


typedef enum {
  PM_DRAG_NONE,
  PM_DRAG_PAN,
  PM_DRAG_TOOL,
  PM_DRAG_SPLIT,
} PmDragMode;

enum {
  PM_CANVAS_SIGNAL_STROKE_BEGIN,
  PM_CANVAS_SIGNAL_STROKE_TO,
  PM_CANVAS_SIGNAL_STROKE_END,
  PM_CANVAS_SIGNAL_LASSO_DONE,
  PM_CANVAS_SIGNAL_BOX_DONE,
  PM_CANVAS_SIGNAL_CLICK_ADDED,
  PM_CANVAS_SIGNAL_CLICKS_CLEARED,
  PM_CANVAS_SIGNAL_POINTER_MOVED,
  PM_CANVAS_N_SIGNALS,
};

extern guint pm_canvas_signals[PM_CANVAS_N_SIGNALS];

/* pm-canvas.c */
void        pm_canvas_get_origin      (PmCanvas      *self,
                                       double        *ox,
                                       double        *oy);
void        pm_canvas_notify          (PmCanvas      *self,
                                       const char    *property);

/* pm-canvas-overlay.c */
void        pm_canvas_init_overlay    (PmCanvas      *self);
gboolean    pm_canvas_showing_edit    (PmCanvas      *self);
/* Strokes the outline of @mask (the canvas's size; bounding box @box = x0, y0, x1, y1)
 * inside image rectangle [x0, x1) × [y0, y1) onto @cr, in widget coordinates where image
 * pixel (0, 0) is at (@ox, @oy): @color with a @halo either side. */
void        pm_canvas_stroke_mask_outline (PmCanvas  *self,
                                       cairo_t       *cr,
                                       const guint8  *mask,
                                       const int      box[4],
                                       const GdkRGBA *color,
                                       const GdkRGBA *halo,
                                       int            x0,
                                       int            y0,
                                       int            x1,
                                       int            y1,
                                       double         ox,
                                       double         oy);
/* The outline of a level mask (or compare mask) over a tile: @color on the texels either
 * side of an edge, @halo on those next to them; NULL when there is none. */
GdkTexture *pm_level_outline_tile     (const PmLevel *level,
                                       const guint8  *mask,
                                       int            x,
                                       int            y,
                                       int            w,
                                       int            h,
                                       const GdkRGBA *color,
                                       const GdkRGBA *halo);

/* pm-canvas-content.c */
void        pm_canvas_init_reveal     (PmCanvas      *self);

/* pm-canvas-draw.c; (ox, oy) is the widget position of image pixel (0, 0). */
void        pm_canvas_draw_textures   (PmCanvas      *self,
                                       GtkSnapshot   *snapshot);
void        pm_canvas_cpu_update_rect (PmCanvas      *self,
                                       const PmRect  *rect);
void        pm_canvas_cpu_drop        (PmCanvas      *self);
void        pm_canvas_draw_cpu        (PmCanvas      *self,
                                       GtkSnapshot   *snapshot,
                                       double         ox,
                                       double         oy);
/* pm-canvas-input.c */
void        pm_canvas_init_input      (PmCanvas      *self);

/* pm-canvas-tools.c: the tools' input (called by pm-canvas-input.c with widget
 * coordinates), keys, and their drawing over the view. */
void        pm_canvas_init_tools      (PmCanvas      *self);
void        pm_canvas_finalize_tools  (PmCanvas      *self);
gboolean    pm_canvas_tool_press      (PmCanvas      *self,
                                       guint          button,
                                       GdkModifierType state,
                                       guint32        time,
                                       double         x,
                                       double         y);
void        pm_canvas_tool_drag       (PmCanvas      *self,
                                       double         x,
                                       double         y);
void        pm_canvas_tool_release    (PmCanvas      *self,
                                       GdkModifierType state,
                                       double         x,
                                       double         y);
void        pm_canvas_draw_tools      (PmCanvas      *self,
                                       GtkSnapshot   *snapshot);
/* Whether widget point (x, y) grabs the split line. */
gboolean    pm_canvas_near_split      (PmCanvas      *self,
                                       double         x,
                                       double         y);
void        pm_canvas_update_cursor   (PmCanvas      *self);

/* pm-canvas-tiles.c: the tiled result textures of the levels and their updates. */
void        pm_level_ensure_tiles     (PmLevel       *level);
void        pm_level_clear_tiles      (PmLevel       *level,
                                       gboolean       edited,
                                       gboolean       overlay,
                                       gboolean       compare);
void        pm_level_draw_edited      (PmLevel       *level,
                                       GtkSnapshot   *snapshot,
                                       double         fx,
                                       double         fy);
/* Draws the fill (in @fill with @fill_alpha; 0 for none), the outline and the compare
 * outline tiles (pm-canvas-tiles.c). */
void        pm_level_draw_overlay     (PmCanvas      *self,
                                       PmLevel       *level,
                                       GtkSnapshot   *snapshot,
                                       double         fx,
                                       double         fy,
                                       const GdkRGBA *fill,
                                       double         fill_alpha,
                                       gboolean       outline,
                                       const GdkRGBA *compare);
const guint8 *pm_canvas_edited_pixels (PmCanvas      *self);

/* pm-canvas-pyramid.c */
PmPyramid  *pm_pyramid_new            (int            width,
                                       int            height);
void        pm_pyramid_free           (PmPyramid     *pyramid);
void        pm_pyramid_build          (PmPyramid     *pyramid);

void        pm_level_clear_overlay    (PmLevel       *level);
void        pm_level_clear_result     (PmLevel       *level);
void        pm_level_clear            (PmLevel       *level);
/* 2×2 halving of [x0, x1) × [y0, y1) of a level into the next (coordinates there). */
void        pm_halve_rgba_region      (const guint8  *in,
                                       int            w,
                                       int            h,
                                       guint8        *out,
                                       int            x0,
                                       int            y0,
                                       int            x1,
                                       int            y1);
void        pm_halve_mask_region      (const guint8  *in,
                                       int            w,
                                       int            h,
                                       guint8        *out,
                                       int            x0,
                                       int            y0,
                                       int            x1,
                                       int            y1);
guint8     *pm_halve_mask             (const guint8  *in,
                                       int            w,
                                       int            h);
GdkTexture *pm_texture_new_rgba       (GBytes        *bytes,
                                       int            width,
                                       int            height);

G_END_DECLS
