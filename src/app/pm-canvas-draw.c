/* pm-canvas-draw.c: PmCanvas's two drawing paths (see pm-canvas.c): pyramid textures when
 * zoomed out, the visible part composited on the CPU when zoomed in.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-canvas"

#include "config.h"

#include <math.h>
#include <string.h>

#include "pm-canvas-private.h"

static guint8
to_byte (double v)
{
  return (guint8) CLAMP (lround (v * 255.0), 0, 255);
}

/* Uploads level k's photo texture (when first drawn); NULL while its pyramid is being
 * built. The result's textures are tiles (pm-canvas-tiles.c). */
static PmLevel *
ensure_level (PmCanvas *self,
              int       k)
{
  PmLevel *l = &self->levels[k];

  if (l->original == NULL)
    return NULL;
  if (l->original_tex == NULL)
    l->original_tex = pm_texture_new_rgba (l->original, l->w, l->h);
  return l;
}

/* The level for zooms below CPU_ZOOM: texture scale within [0.7, 1.4] of the zoom. */
static int
level_for_zoom (PmCanvas *self)
{
  int k = MAX (1, (int) floor (log2 (1.0 / self->zoom) + 0.5));

  return MIN (k, self->n_levels - 1);
}

static double
ease_out_cubic (double t)
{
  double u = 1 - t;
  return 1 - u * u * u;
}

static double
reveal_radius (PmCanvas *self)
{
  return ease_out_cubic (self->reveal) * self->radius;
}

static double
reveal_alpha (PmCanvas *self)
{
  return MIN (1.0, self->reveal * 1.6);
}

static gboolean
showing_edit (PmCanvas *self)
{
  return self->edited_bytes != NULL && self->result_ready && !self->show_original;
}

static gboolean
showing_mask (PmCanvas *self)
{
  return self->show_overlay && self->result_ready && self->mask != NULL;
}

/* The image x where the split view changes from before to after; 0 without a split. */
static double
split_x (PmCanvas *self)
{
  return self->split ? self->split_position * self->width : 0.0;
}

/* The edit (with its reveal) and the mask views, for the level in image units × @z. */
static void
draw_level_result (PmCanvas    *self,
                   GtkSnapshot *snapshot,
                   PmLevel     *l,
                   double       fx,
                   double       fy)
{
  double z = self->zoom;
  gboolean overlay = showing_mask (self);
  const GdkRGBA *compare = self->compare != NULL ? &self->compare_color : NULL;

  if (self->mask_style == PM_CANVAS_MASK_ONLY && overlay)
    {
      static const GdkRGBA white = { 1, 1, 1, 1 }, black = { 0, 0, 0, 1 };

      gtk_snapshot_append_color (snapshot, &black,
                                 &GRAPHENE_RECT_INIT (0, 0, self->width * z, self->height * z));
      pm_level_draw_overlay (l, snapshot, fx, fy, &white, &white, compare, 1.0, FALSE);
      return;
    }
  if (showing_edit (self) && l->edited_px != NULL)
    {
      if (self->reveal < 1.0)
        {
          GskRoundedRect circle;
          double r = reveal_radius (self) * z;
          graphene_rect_t box = GRAPHENE_RECT_INIT (self->cx * z - r, self->cy * z - r,
                                                    2 * r, 2 * r);

          gsk_rounded_rect_init_from_rect (&circle, &box, r);
          gtk_snapshot_push_rounded_clip (snapshot, &circle);
          gtk_snapshot_push_opacity (snapshot, reveal_alpha (self));
          pm_level_draw_edited (l, snapshot, fx, fy);
          gtk_snapshot_pop (snapshot);
          gtk_snapshot_pop (snapshot);
        }
      else
        pm_level_draw_edited (l, snapshot, fx, fy);
    }
  if (overlay || compare != NULL)
    pm_level_draw_overlay (l, snapshot, fx, fy, &self->tint, &self->contour_color, compare,
                           overlay && self->mask_style == PM_CANVAS_MASK_OVERLAY
                             ? self->overlay_opacity : 0.0,
                           overlay);
}

void
pm_canvas_draw_textures (PmCanvas    *self,
                         GtkSnapshot *snapshot)
{
  double z = self->zoom;
  PmLevel *l = ensure_level (self, level_for_zoom (self));
  graphene_rect_t full = GRAPHENE_RECT_INIT (0, 0, self->width * z, self->height * z);
  double fx, fy, sx;

  if (l == NULL)
    return;  /* the pyramid is on its way */
  /* Level texels → widget pixels (levels are a bit larger than 1/2^k for odd sizes). */
  fx = self->width * z / l->w;
  fy = self->height * z / l->h;

  gtk_snapshot_append_texture (snapshot, l->original_tex, &full);
  /* Split view: the original alone left of the line, the result right of it. */
  sx = split_x (self) * z;
  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (sx, 0, full.size.width - sx,
                                                         full.size.height));
  draw_level_result (self, snapshot, l, fx, fy);
  gtk_snapshot_pop (snapshot);
}

static inline guint8
mix8 (guint8 a,
      guint8 b,
      double t)
{
  return (guint8) lround (a + (b - a) * t);
}

typedef struct {
  guint8 r, g, b;
} Rgb8;

static Rgb8
rgb8 (const GdkRGBA *c)
{
  return (Rgb8) { to_byte (c->red), to_byte (c->green), to_byte (c->blue) };
}

/* The result over one pixel (photo or edit in @px), in the current mask view. */
static inline void
composite_mask (PmCanvas *self,
                int       x,
                int       y,
                guint8   *px,
                Rgb8      tint,
                Rgb8      contour)
{
  gsize i = (gsize) y * self->width + x;
  double o = self->overlay_opacity;

  if (self->mask_style == PM_CANVAS_MASK_ONLY)
    {
      px[0] = px[1] = px[2] = self->mask[i] ? 255 : 0;
      px[3] = 255;
      return;
    }
  if (!self->mask[i])
    return;
  if (pm_mask_boundary (self->mask, self->width, self->height, x, y))
    {
      px[0] = contour.r; px[1] = contour.g; px[2] = contour.b; px[3] = 255;
    }
  else if (self->mask_style == PM_CANVAS_MASK_OVERLAY)
    {
      px[0] = mix8 (px[0], tint.r, o); px[1] = mix8 (px[1], tint.g, o);
      px[2] = mix8 (px[2], tint.b, o); px[3] = mix8 (px[3], 255, o);
    }
}

/* Composites the image rectangle [x0, x1) × [y0, y1) into a premultiplied ARGB32 surface. */
static cairo_surface_t *
composite_region (PmCanvas *self,
                  int       x0,
                  int       y0,
                  int       x1,
                  int       y1)
{
  int w = x1 - x0, h = y1 - y0;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  guint8 *dst = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  const guint8 *orig = g_bytes_get_data (self->original_bytes, NULL);
  const guint8 *edit = showing_edit (self) ? pm_canvas_edited_pixels (self) : NULL;
  gboolean overlay = showing_mask (self);
  double rr = reveal_radius (self), ra = reveal_alpha (self), sx = split_x (self);
  Rgb8 tint = rgb8 (&self->tint), contour = rgb8 (&self->contour_color);
  Rgb8 compare = rgb8 (&self->compare_color);

  cairo_surface_flush (surface);
  for (int y = y0; y < y1; y++)
    {
      guint32 *row = (guint32 *) (dst + (gsize) (y - y0) * stride);
      for (int x = x0; x < x1; x++)
        {
          gsize i = (gsize) y * self->width + x;
          gboolean after = x + 0.5 >= sx;
          guint8 px[4];

          memcpy (px, orig + i * 4, 4);
          if (edit != NULL && after)
            {
              const guint8 *e = edit + i * 4;
              double t = 1.0;
              if (self->reveal < 1.0)
                {
                  double dx = x + 0.5 - self->cx, dy = y + 0.5 - self->cy;
                  t = dx * dx + dy * dy <= rr * rr ? ra : 0.0;
                }
              /* Settled or outside the circle: a copy, not four roundings. */
              if (t >= 1.0)
                memcpy (px, e, 4);
              else if (t > 0.0)
                for (int c = 0; c < 4; c++)
                  px[c] = mix8 (px[c], e[c], t);
            }
          if (overlay && after)
            composite_mask (self, x, y, px, tint, contour);
          if (self->compare != NULL && after &&
              pm_mask_boundary (self->compare, self->width, self->height, x, y))
            {
              px[0] = compare.r; px[1] = compare.g; px[2] = compare.b; px[3] = 255;
            }
          row[x - x0] = ((guint32) px[3] << 24) | ((guint32) (px[0] * px[3] / 255) << 16) |
                        ((guint32) (px[1] * px[3] / 255) << 8) | (guint32) (px[2] * px[3] / 255);
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

/* One device pixel of mid grey on each boundary between the pixels of [x0, x1) × [y0, y1):
 * seen on light and dark alike, and the pixels' insides stay their own colour. */
static void
draw_grid (PmCanvas *self,
           cairo_t  *cr,
           double    ox,
           double    oy,
           int       x0,
           int       y0,
           int       x1,
           int       y1)
{
  double z = self->zoom;

  cairo_set_line_width (cr, 1.0);
  cairo_set_source_rgba (cr, 0.5, 0.5, 0.5, 0.55);
  for (int x = x0; x <= x1; x++)
    {
      double wx = floor (ox + x * z) + 0.5;
      cairo_move_to (cr, wx, oy + y0 * z);
      cairo_line_to (cr, wx, oy + y1 * z);
    }
  for (int y = y0; y <= y1; y++)
    {
      double wy = floor (oy + y * z) + 0.5;
      cairo_move_to (cr, ox + x0 * z, wy);
      cairo_line_to (cr, ox + x1 * z, wy);
    }
  cairo_stroke (cr);
}

void
pm_canvas_draw_cpu (PmCanvas    *self,
                    GtkSnapshot *snapshot,
                    double       ox,
                    double       oy)
{
  int vw = gtk_widget_get_width (GTK_WIDGET (self));
  int vh = gtk_widget_get_height (GTK_WIDGET (self));
  double z = self->zoom;
  int x0 = CLAMP ((int) floor (-ox / z), 0, self->width);
  int y0 = CLAMP ((int) floor (-oy / z), 0, self->height);
  int x1 = CLAMP ((int) ceil ((vw - ox) / z), 0, self->width);
  int y1 = CLAMP ((int) ceil ((vh - oy) / z), 0, self->height);
  graphene_rect_t bounds;
  cairo_surface_t *surface;
  cairo_t *cr;

  if (x1 <= x0 || y1 <= y0)
    return;

  surface = composite_region (self, x0, y0, x1, y1);
  bounds = GRAPHENE_RECT_INIT (ox + x0 * z, oy + y0 * z, (x1 - x0) * z, (y1 - y0) * z);
  cr = gtk_snapshot_append_cairo (snapshot, &bounds);
  cairo_translate (cr, bounds.origin.x, bounds.origin.y);
  cairo_scale (cr, z, z);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr),
                            z >= PM_CANVAS_NEAREST_ZOOM ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);

  if (z >= PM_CANVAS_GRID_ZOOM)
    {
      cr = gtk_snapshot_append_cairo (snapshot, &bounds);
      draw_grid (self, cr, ox, oy, x0, y0, x1, y1);
      cairo_destroy (cr);
    }
}
