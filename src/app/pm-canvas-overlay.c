/* pm-canvas-overlay.c: PmCanvas's mask overlay: its colour, its views (fill and outline,
 * outline only; over the original photo or over the edit) and its outline.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The overlay has one colour, the user's (not a new one per run), drawn by default over the
 * original photo so that tint and paint never mix. Its outline is 2 px of that colour with a
 * 1 px halo on each side in black or white, whichever differs more from the colour, so that
 * it shows on light and on dark photos alike. Zoomed in, the outline is stroked along the
 * pixel edges between mask and background at screen resolution; zoomed out, it is a texture
 * of the pyramid level (2 texels of colour straddling the edge, a texel of halo each side).
 */
#define G_LOG_DOMAIN "pm-canvas"

#include "config.h"

#include <math.h>

#include "pm-canvas-private.h"

#define OUTLINE_WIDTH 2.0
#define HALO_WIDTH    1.0
#define HALO_ALPHA    0.75

/* ---------------------------------------------------------------- colours, views */

static double
luminance (const GdkRGBA *c)
{
  return 0.2126 * c->red + 0.7152 * c->green + 0.0722 * c->blue;
}

static void
clear_overlay_textures (PmCanvas *self)
{
  for (int k = 0; k < PM_CANVAS_MAX_LEVELS; k++)
    pm_level_clear_overlay (&self->levels[k]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Distance of two hues on the colour circle (0..0.5). */
static double
hue_distance (double a,
              double b)
{
  double d = fabs (a - b);

  return MIN (d, 1.0 - d);
}

/**
 * pm_canvas_set_overlay_color:
 * @color: the overlay's colour (its alpha is ignored; the opacity slider sets the fill's)
 *
 * Sets the one colour of the mask overlay: its fill and its outline.
 */
void
pm_canvas_set_overlay_color (PmCanvas      *self,
                             const GdkRGBA *color)
{
  GdkRGBA c;

  g_return_if_fail (PM_IS_CANVAS (self));
  g_return_if_fail (color != NULL);

  c = *color;
  c.alpha = 1.0;
  if (gdk_rgba_equal (&c, &self->overlay_color))
    return;
  self->overlay_color = c;
  /* The halo is the extreme farther from the colour in lightness. */
  if (luminance (&c) > 0.45)
    self->halo_color = (GdkRGBA) { 0, 0, 0, HALO_ALPHA };
  else
    self->halo_color = (GdkRGBA) { 1, 1, 1, HALO_ALPHA };
  /* The compare outline: magenta, or orange when the overlay is about magenta itself. */
  {
    float h, sat, v;

    gtk_rgb_to_hsv (c.red, c.green, c.blue, &h, &sat, &v);
    gdk_rgba_parse (&self->compare_color,
                    sat > 0.2 && hue_distance (h, 0.88) < 0.12 ? "#ff7800" : "#e01b9a");
  }
  clear_overlay_textures (self);
}

/**
 * pm_canvas_get_overlay_color:
 * @color: (out): the overlay's colour
 */
void
pm_canvas_get_overlay_color (PmCanvas *self,
                             GdkRGBA  *color)
{
  g_return_if_fail (PM_IS_CANVAS (self));
  *color = self->overlay_color;
}

/**
 * pm_canvas_set_overlay_over_original:
 * @over_original: draw the overlay over the original photo (%TRUE, the default) or over
 *   the edit
 */
void
pm_canvas_set_overlay_over_original (PmCanvas *self,
                                     gboolean  over_original)
{
  g_return_if_fail (PM_IS_CANVAS (self));
  self->over_original = !!over_original;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Whether the edit is drawn over the photo now: a result has arrived, the user is not holding
 * "show original", and the overlay is not set to show the mask over the original. */
gboolean
pm_canvas_showing_edit (PmCanvas *self)
{
  if (self->edited_bytes == NULL || !self->result_ready || self->show_original)
    return FALSE;
  return !(self->show_overlay && self->over_original && self->mask != NULL &&
           self->mask_style != PM_CANVAS_MASK_ONLY);
}

void
pm_canvas_init_overlay (PmCanvas *self)
{
  GdkRGBA color;

  self->over_original = TRUE;
  gdk_rgba_parse (&color, "#00c8ff");
  pm_canvas_set_overlay_color (self, &color);
}

/* ---------------------------------------------------------------- zoomed in: strokes */

/* Adds the unit edges between mask and non-mask pixels of the image rectangle
 * [x0, x1) × [y0, y1) to @cr's path, in widget coordinates; runs along a row or a column
 * are merged into one segment. Outside the image counts as background. */
static void
add_edges (PmCanvas     *self,
           cairo_t      *cr,
           const guint8 *m,
           int           x0,
           int           y0,
           int           x1,
           int           y1,
           double        ox,
           double        oy)
{
  int w = self->width, h = self->height;
  double z = self->zoom;
  /* Open vertical runs: start row of the run on the edge left of column x, or -1. */
  g_autofree int *vstart = g_new (int, x1 - x0 + 1);

#define AT(x, y) ((x) >= 0 && (x) < w && (y) >= 0 && (y) < h && m[(gsize) (y) * w + (x)])
  for (int i = 0; i <= x1 - x0; i++)
    vstart[i] = -1;
  for (int y = y0; y <= y1; y++)
    {
      int hstart = -1;

      for (int x = x0; x <= x1; x++)
        {
          /* The horizontal edge above pixel (x, y), for x < x1 and y in [y0, y1]. */
          gboolean hedge = x < x1 && AT (x, y - 1) != AT (x, y);
          /* The vertical edge left of pixel (x, y), for y < y1 and x in [x0, x1]. */
          gboolean vedge = y < y1 && AT (x - 1, y) != AT (x, y);

          if (hedge && hstart < 0)
            hstart = x;
          else if (!hedge && hstart >= 0)
            {
              cairo_move_to (cr, ox + hstart * z, oy + y * z);
              cairo_line_to (cr, ox + x * z, oy + y * z);
              hstart = -1;
            }
          if (vedge && vstart[x - x0] < 0)
            vstart[x - x0] = y;
          else if (!vedge && vstart[x - x0] >= 0)
            {
              cairo_move_to (cr, ox + x * z, oy + vstart[x - x0] * z);
              cairo_line_to (cr, ox + x * z, oy + y * z);
              vstart[x - x0] = -1;
            }
        }
    }
#undef AT
}

void
pm_canvas_stroke_mask_outline (PmCanvas      *self,
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
                               double         oy)
{
  /* Only the mask's bounding box (one pixel around it) can hold edges. */
  x0 = MAX (x0, box[0] - 1);
  y0 = MAX (y0, box[1] - 1);
  x1 = MIN (x1, box[2] + 1);
  y1 = MIN (y1, box[3] + 1);
  if (mask == NULL || x1 <= x0 || y1 <= y0)
    return;

  cairo_save (cr);
  cairo_new_path (cr);
  add_edges (self, cr, mask, x0, y0, x1, y1, ox, oy);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_SQUARE);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_MITER);
  gdk_cairo_set_source_rgba (cr, halo);
  cairo_set_line_width (cr, OUTLINE_WIDTH + 2 * HALO_WIDTH);
  cairo_stroke_preserve (cr);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, OUTLINE_WIDTH);
  cairo_stroke (cr);
  cairo_restore (cr);
}

/* ---------------------------------------------------------------- zoomed out: texture */

static inline gboolean
level_at (const PmLevel *l,
          const guint8  *mask,
          int            x,
          int            y)
{
  return x >= 0 && x < l->w && y >= 0 && y < l->h && mask[(gsize) y * l->w + x];
}

/* A texel on either side of an edge between mask and background (4-neighbourhood). */
static gboolean
on_edge (const PmLevel *l,
         const guint8  *mask,
         int            x,
         int            y)
{
  gboolean v = level_at (l, mask, x, y);

  return level_at (l, mask, x - 1, y) != v || level_at (l, mask, x + 1, y) != v ||
         level_at (l, mask, x, y - 1) != v || level_at (l, mask, x, y + 1) != v;
}

GdkTexture *
pm_level_outline_tile (const PmLevel *level,
                       const guint8  *mask,
                       int            x0,
                       int            y0,
                       int            w,
                       int            h,
                       const GdkRGBA *color,
                       const GdkRGBA *halo)
{
  /* Edges over the tile and a texel around it, for the halo at the tile's border. */
  int ew = w + 2, eh = h + 2;
  g_autofree guint8 *edge = g_malloc ((gsize) ew * eh);
  g_autoptr(GBytes) bytes = NULL;
  gboolean any = FALSE;
  guint8 *px;

  for (int y = 0; y < eh; y++)
    for (int x = 0; x < ew; x++)
      {
        int lx = x0 + x - 1, ly = y0 + y - 1;
        gboolean e = lx >= 0 && ly >= 0 && lx < level->w && ly < level->h &&
                     on_edge (level, mask, lx, ly);

        edge[(gsize) y * ew + x] = e;
        any |= e;
      }
  if (!any)
    return NULL;

  px = g_malloc0 ((gsize) w * h * 4);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const guint8 *e = edge + (gsize) (y + 1) * ew + x + 1;
        guint8 *o = px + ((gsize) y * w + x) * 4;
        const GdkRGBA *c = NULL;

        if (*e)
          c = color;
        else if (e[-1] || e[1] || e[-ew] || e[ew])
          c = halo;
        if (c == NULL)
          continue;
        o[0] = (guint8) lround (c->red * 255);
        o[1] = (guint8) lround (c->green * 255);
        o[2] = (guint8) lround (c->blue * 255);
        o[3] = (guint8) lround (c->alpha * 255);
      }
  bytes = g_bytes_new_take (px, (gsize) w * h * 4);
  return pm_texture_new_rgba (bytes, w, h);
}
