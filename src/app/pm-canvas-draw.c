/* pm-canvas-draw.c: PmCanvas's two drawing paths (see pm-canvas.c): pyramid textures when
 * zoomed out, the visible part composited on the CPU when zoomed in.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-canvas"

#include "config.h"

#include <math.h>

#include "pm-canvas-private.h"

static guint8
to_byte (double v)
{
  return (guint8) CLAMP (lround (v * 255.0), 0, 255);
}

/* Uploads level k's photo and edit textures (when first drawn); NULL while its pyramid is
 * being built. */
static PmLevel *
ensure_level (PmCanvas *self,
              int       k)
{
  PmLevel *l = &self->levels[k];

  if (l->original == NULL)
    return NULL;
  if (l->original_tex == NULL)
    l->original_tex = pm_texture_new_rgba (l->original, l->w, l->h);
  if (l->edited_tex == NULL && l->edited != NULL)
    l->edited_tex = pm_texture_new_rgba (l->edited, l->w, l->h);
  return l;
}

/* Builds the level's overlay textures when the overlay is first shown at that level (it is
 * hidden by default, and a result may never show it); FALSE when there is nothing to draw. */
static gboolean
ensure_overlay (PmCanvas *self,
                PmLevel  *l)
{
  if (l->mask == NULL)
    return FALSE;
  if (l->fill_tex == NULL)
    {
      l->fill_tex = pm_level_mask_texture (l, &self->overlay_color);
      l->contour_tex = pm_level_outline_texture (l, &self->overlay_color, &self->halo_color);
    }
  return l->fill_tex != NULL && l->contour_tex != NULL;
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

void
pm_canvas_draw_textures (PmCanvas    *self,
                         GtkSnapshot *snapshot)
{
  double z = self->zoom;
  PmLevel *l = ensure_level (self, level_for_zoom (self));
  graphene_rect_t full = GRAPHENE_RECT_INIT (0, 0, self->width * z, self->height * z);
  double fx, fy;

  if (l == NULL)
    return;  /* the pyramid is on its way */
  /* Level texels → widget pixels (levels are a bit larger than 1/2^k for odd sizes). */
  fx = self->width * z / l->w;
  fy = self->height * z / l->h;

  gtk_snapshot_append_texture (snapshot, l->original_tex, &full);

  if (pm_canvas_showing_edit (self) && l->edited_tex != NULL)
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
          gtk_snapshot_append_texture (snapshot, l->edited_tex, &full);
          gtk_snapshot_pop (snapshot);
          gtk_snapshot_pop (snapshot);
        }
      else
        gtk_snapshot_append_texture (snapshot, l->edited_tex, &full);
    }

  if (self->show_overlay && self->result_ready && ensure_overlay (self, l))
    {
      graphene_rect_t box = GRAPHENE_RECT_INIT (l->bx0 * fx, l->by0 * fy,
                                                (l->bx1 - l->bx0) * fx,
                                                (l->by1 - l->by0) * fy);
      int cx0 = MAX (0, l->bx0 - PM_LEVEL_OUTLINE_MARGIN);
      int cy0 = MAX (0, l->by0 - PM_LEVEL_OUTLINE_MARGIN);
      int cx1 = MIN (l->w, l->bx1 + PM_LEVEL_OUTLINE_MARGIN);
      int cy1 = MIN (l->h, l->by1 + PM_LEVEL_OUTLINE_MARGIN);
      graphene_rect_t outline = GRAPHENE_RECT_INIT (cx0 * fx, cy0 * fy, (cx1 - cx0) * fx,
                                                    (cy1 - cy0) * fy);

      if (!self->outline_only)
        {
          gtk_snapshot_push_opacity (snapshot, self->overlay_opacity);
          gtk_snapshot_append_texture (snapshot, l->fill_tex, &box);
          gtk_snapshot_pop (snapshot);
        }
      gtk_snapshot_append_texture (snapshot, l->contour_tex, &outline);
    }
}

static inline guint8
mix8 (guint8 a,
      guint8 b,
      double t)
{
  return (guint8) lround (a + (b - a) * t);
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
  const guint8 *edit = pm_canvas_showing_edit (self) ? g_bytes_get_data (self->edited_bytes, NULL) : NULL;
  gboolean fill = self->show_overlay && self->result_ready && self->mask != NULL &&
                  !self->outline_only;
  double rr = reveal_radius (self), ra = reveal_alpha (self);
  guint8 tr = to_byte (self->overlay_color.red), tg = to_byte (self->overlay_color.green);
  guint8 tb = to_byte (self->overlay_color.blue);

  cairo_surface_flush (surface);
  for (int y = y0; y < y1; y++)
    {
      guint32 *row = (guint32 *) (dst + (gsize) (y - y0) * stride);
      for (int x = x0; x < x1; x++)
        {
          gsize i = (gsize) y * self->width + x;
          const guint8 *p = orig + i * 4;
          guint8 r = p[0], g = p[1], b = p[2], a = p[3];

          if (edit != NULL)
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
                r = e[0], g = e[1], b = e[2], a = e[3];
              else if (t > 0.0)
                {
                  r = mix8 (r, e[0], t); g = mix8 (g, e[1], t); b = mix8 (b, e[2], t);
                  a = mix8 (a, e[3], t);
                }
            }
          if (fill && self->mask[i])
            {
              double o = self->overlay_opacity;
              r = mix8 (r, tr, o); g = mix8 (g, tg, o); b = mix8 (b, tb, o);
              a = mix8 (a, 255, o);
            }
          row[x - x0] = ((guint32) a << 24) | ((guint32) (r * a / 255) << 16) |
                        ((guint32) (g * a / 255) << 8) | (guint32) (b * a / 255);
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
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
  if (self->show_overlay && self->result_ready)
    {
      /* Room for the outline, which straddles the mask's edge. */
      graphene_rect_t view = GRAPHENE_RECT_INIT (0, 0, vw, vh);
      graphene_rect_inset (&bounds, -4, -4);
      graphene_rect_intersection (&bounds, &view, &bounds);
    }
  cr = gtk_snapshot_append_cairo (snapshot, &bounds);
  cairo_save (cr);
  cairo_translate (cr, ox + x0 * z, oy + y0 * z);
  cairo_scale (cr, z, z);
  cairo_rectangle (cr, 0, 0, x1 - x0, y1 - y0);
  cairo_clip (cr);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr),
                            z >= PM_CANVAS_NEAREST_ZOOM ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD);
  cairo_paint (cr);
  cairo_restore (cr);
  if (self->show_overlay && self->result_ready)
    pm_canvas_stroke_outline (self, cr, x0, y0, x1, y1, ox, oy);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}
