/* pm-canvas-draw.c: PmCanvas's two drawing paths (see pm-canvas.c): pyramid textures when
 * zoomed out, the visible part composited on the CPU when zoomed in; the mask views, the
 * before/after split and, from 800 %, the pixel grid.
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
      pm_level_draw_overlay (self, l, snapshot, fx, fy, &white, 1.0, FALSE, compare);
      return;
    }
  if (pm_canvas_showing_edit (self) && l->edited_px != NULL)
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
    pm_level_draw_overlay (self, l, snapshot, fx, fy, &self->overlay_color,
                           overlay && self->mask_style == PM_CANVAS_MASK_OVERLAY
                             ? self->overlay_opacity : 0.0,
                           overlay, compare);
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

/* What compositing [x0, x1) × [y0, y1) depends on now (see PmCpuKey). */
static void
cpu_key_init (PmCanvas *self,
              PmCpuKey *key,
              int       x0,
              int       y0,
              int       x1,
              int       y1)
{
  gboolean overlay = showing_mask (self);

  memset (key, 0, sizeof *key);
  key->original = g_bytes_get_data (self->original_bytes, NULL);
  key->edited = pm_canvas_showing_edit (self) ? pm_canvas_edited_pixels (self) : NULL;
  key->mask = overlay ? self->mask : NULL;
  key->image_serial = self->image_serial;
  key->result_serial = self->result_serial;
  key->x0 = x0;
  key->y0 = y0;
  key->x1 = x1;
  key->y1 = y1;
  key->fill = overlay && self->mask_style == PM_CANVAS_MASK_OVERLAY;
  key->bw = overlay && self->mask_style == PM_CANVAS_MASK_ONLY;
  key->tint[0] = to_byte (self->overlay_color.red);
  key->tint[1] = to_byte (self->overlay_color.green);
  key->tint[2] = to_byte (self->overlay_color.blue);
  key->opacity = self->overlay_opacity;
  key->split_x = split_x (self);
  key->reveal = self->reveal;
  key->reveal_radius = reveal_radius (self);
  key->reveal_alpha = reveal_alpha (self);
  key->cx = self->cx;
  key->cy = self->cy;
}

/* Composites the image rectangle [rx0, rx1) × [ry0, ry1) as @key says into @dst, a
 * premultiplied ARGB32 buffer whose first pixel is image pixel (key->x0, key->y0): the
 * photo, the edit (with its reveal), the mask's fill or the black-and-white mask. The
 * outlines are stroked over it (pm_canvas_stroke_mask_outline). */
static void
composite_rect (const PmCanvas *self,
                const PmCpuKey *key,
                guint8         *dst,
                int             stride,
                int             rx0,
                int             ry0,
                int             rx1,
                int             ry1)
{
  double rr = key->reveal_radius, o = key->opacity;

  for (int y = ry0; y < ry1; y++)
    {
      guint32 *row = (guint32 *) (dst + (gsize) (y - key->y0) * stride);
      for (int x = rx0; x < rx1; x++)
        {
          gsize i = (gsize) y * self->width + x;
          gboolean after = x + 0.5 >= key->split_x;
          guint8 px[4];

          memcpy (px, key->original + i * 4, 4);
          if (key->edited != NULL && after)
            {
              const guint8 *e = key->edited + i * 4;
              double t = 1.0;
              if (key->reveal < 1.0)
                {
                  double dx = x + 0.5 - key->cx, dy = y + 0.5 - key->cy;
                  t = dx * dx + dy * dy <= rr * rr ? key->reveal_alpha : 0.0;
                }
              /* Settled or outside the circle: a copy, not four roundings. */
              if (t >= 1.0)
                memcpy (px, e, 4);
              else if (t > 0.0)
                for (int c = 0; c < 4; c++)
                  px[c] = mix8 (px[c], e[c], t);
            }
          if (key->bw && after)
            {
              px[0] = px[1] = px[2] = key->mask[i] ? 255 : 0;
              px[3] = 255;
            }
          else if (key->fill && after && key->mask[i])
            {
              for (int c = 0; c < 3; c++)
                px[c] = mix8 (px[c], key->tint[c], o);
              px[3] = mix8 (px[3], 255, o);
            }
          row[x - key->x0] = ((guint32) px[3] << 24) |
                             ((guint32) (px[0] * px[3] / 255) << 16) |
                             ((guint32) (px[1] * px[3] / 255) << 8) |
                             (guint32) (px[2] * px[3] / 255);
        }
    }
}

/* The composite of [x0, x1) × [y0, y1): the cached one while nothing it depends on changed
 * (a brush circle moving over the view, a redraw after a dab, which patched it), else made
 * again. */
static cairo_surface_t *
composite_region (PmCanvas *self,
                  int       x0,
                  int       y0,
                  int       x1,
                  int       y1)
{
  PmCpuKey key;
  cairo_surface_t *surface;

  cpu_key_init (self, &key, x0, y0, x1, y1);
  if (self->cpu_surface != NULL && memcmp (&key, &self->cpu_key, sizeof key) == 0)
    return self->cpu_surface;
  pm_canvas_cpu_drop (self);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, x1 - x0, y1 - y0);
  cairo_surface_flush (surface);
  composite_rect (self, &key, cairo_image_surface_get_data (surface),
                  cairo_image_surface_get_stride (surface), x0, y0, x1, y1);
  cairo_surface_mark_dirty (surface);
  self->cpu_surface = surface;
  self->cpu_key = key;
  return surface;
}

/**
 * pm_canvas_cpu_update_rect:
 * @rect: image pixels whose edit or mask changed
 *
 * Composites @rect again into the cached composite of the visible part, if there is one
 * and it still shows the current state (else it is dropped, and the next draw makes it).
 */
void
pm_canvas_cpu_update_rect (PmCanvas     *self,
                           const PmRect *rect)
{
  PmCpuKey key;
  int x0, y0, x1, y1;

  if (self->cpu_surface == NULL)
    return;
  cpu_key_init (self, &key, self->cpu_key.x0, self->cpu_key.y0, self->cpu_key.x1,
                self->cpu_key.y1);
  if (memcmp (&key, &self->cpu_key, sizeof key) != 0)
    {
      pm_canvas_cpu_drop (self);
      return;
    }
  x0 = MAX (rect->x, key.x0);
  y0 = MAX (rect->y, key.y0);
  x1 = MIN (rect->x + rect->width, key.x1);
  y1 = MIN (rect->y + rect->height, key.y1);
  if (x1 <= x0 || y1 <= y0)
    return;
  /* Flush first: a render node may still hold a snapshot of the old pixels. */
  cairo_surface_flush (self->cpu_surface);
  composite_rect (self, &key, cairo_image_surface_get_data (self->cpu_surface),
                  cairo_image_surface_get_stride (self->cpu_surface), x0, y0, x1, y1);
  cairo_surface_mark_dirty_rectangle (self->cpu_surface, x0 - key.x0, y0 - key.y0, x1 - x0,
                                      y1 - y0);
}

/* Drops the cached composite. */
void
pm_canvas_cpu_drop (PmCanvas *self)
{
  g_clear_pointer (&self->cpu_surface, cairo_surface_destroy);
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
  gboolean outline = showing_mask (self) && self->mask_style != PM_CANVAS_MASK_ONLY;
  graphene_rect_t bounds;
  cairo_surface_t *surface;
  cairo_t *cr;

  if (x1 <= x0 || y1 <= y0)
    return;

  surface = composite_region (self, x0, y0, x1, y1);
  bounds = GRAPHENE_RECT_INIT (ox + x0 * z, oy + y0 * z, (x1 - x0) * z, (y1 - y0) * z);
  if (outline || self->compare != NULL)
    {
      /* Room for the outlines, which straddle the mask's edge. */
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
  if (z >= PM_CANVAS_GRID_ZOOM)
    draw_grid (self, cr, ox, oy, x0, y0, x1, y1);
  /* The outlines: on the result's side of a split only. */
  if (self->split)
    {
      double wx = ox + split_x (self) * z;
      cairo_rectangle (cr, wx, 0, vw - wx, vh);
      cairo_clip (cr);
    }
  if (outline)
    pm_canvas_stroke_mask_outline (self, cr, self->mask,
                                   (const int[4]) { self->mx0, self->my0, self->mx1, self->my1 },
                                   &self->overlay_color, &self->halo_color, x0, y0, x1, y1,
                                   ox, oy);
  if (self->compare != NULL)
    pm_canvas_stroke_mask_outline (self, cr, self->compare,
                                   (const int[4]) { self->cx0, self->cy0, self->cx1, self->cy1 },
                                   &self->compare_color, &self->halo_color, x0, y0, x1, y1,
                                   ox, oy);
  cairo_destroy (cr);
}
