/* pm-canvas-tiles.c: PmCanvas's result textures in tiles, and updating a rectangle of the
 * result (a mask correction) without rebuilding the pyramid.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Below 75 % zoom the canvas draws a pyramid level (pm-canvas.c). Its edit, mask fill,
 * outline and compare outline are cut into PM_CANVAS_TILE² tiles, each a texture made when
 * first drawn. A correction rewrites the rectangle it changed at every level (halving just
 * that part) and drops the textures of the tiles it touched: a brush dab uploads a few small
 * tiles, never a level. The fill tiles are white with the mask as alpha and get their colour
 * when drawn (a colour matrix), so the black and white view draws the same tiles; the
 * outlines carry their colour and halo (pm_level_outline_tile()).
 */
#define G_LOG_DOMAIN "pm-canvas"

#include "config.h"

#include <string.h>

#include "pm-canvas-private.h"

/* ---------------------------------------------------------------- tiles */

void
pm_level_ensure_tiles (PmLevel *level)
{
  if (level->tiles != NULL || level->w <= 0)
    return;
  level->tiles_x = (level->w + PM_CANVAS_TILE - 1) / PM_CANVAS_TILE;
  level->tiles_y = (level->h + PM_CANVAS_TILE - 1) / PM_CANVAS_TILE;
  level->tiles = g_new0 (PmTile, (gsize) level->tiles_x * level->tiles_y);
}

static void
tile_clear_kind (PmTile     *tile,
                 PmTileKind  kind)
{
  g_clear_object (&tile->tex[kind]);
  tile->empty[kind] = FALSE;
}

static void
tile_clear (PmTile   *tile,
            gboolean  edited,
            gboolean  overlay,
            gboolean  compare)
{
  if (edited)
    tile_clear_kind (tile, PM_TILE_EDITED);
  if (overlay)
    {
      tile_clear_kind (tile, PM_TILE_FILL);
      tile_clear_kind (tile, PM_TILE_CONTOUR);
    }
  if (compare)
    tile_clear_kind (tile, PM_TILE_COMPARE);
}

void
pm_level_clear_tiles (PmLevel  *level,
                      gboolean  edited,
                      gboolean  overlay,
                      gboolean  compare)
{
  if (level->tiles == NULL)
    return;
  for (int i = 0; i < level->tiles_x * level->tiles_y; i++)
    tile_clear (&level->tiles[i], edited, overlay, compare);
}

/* Drops the textures of the tiles that [x0, x1) × [y0, y1) (level texels) touches; the mask
 * textures of the texels around too, whose contour may change. */
static void
level_invalidate (PmLevel *level,
                  int      x0,
                  int      y0,
                  int      x1,
                  int      y1,
                  gboolean edited,
                  gboolean overlay)
{
  if (level->tiles == NULL)
    return;
  x0 = MAX (x0 - 1, 0);
  y0 = MAX (y0 - 1, 0);
  x1 = MIN (x1 + 1, level->w);
  y1 = MIN (y1 + 1, level->h);
  for (int ty = y0 / PM_CANVAS_TILE; ty <= (y1 - 1) / PM_CANVAS_TILE; ty++)
    for (int tx = x0 / PM_CANVAS_TILE; tx <= (x1 - 1) / PM_CANVAS_TILE; tx++)
      tile_clear (&level->tiles[ty * level->tiles_x + tx], edited, overlay, FALSE);
}

static void
tile_rect (const PmLevel *level,
           int            tx,
           int            ty,
           int           *x,
           int           *y,
           int           *w,
           int           *h)
{
  *x = tx * PM_CANVAS_TILE;
  *y = ty * PM_CANVAS_TILE;
  *w = MIN (PM_CANVAS_TILE, level->w - *x);
  *h = MIN (PM_CANVAS_TILE, level->h - *y);
}

static GdkTexture *
edited_texture (const PmLevel *level,
                int            x,
                int            y,
                int            w,
                int            h)
{
  guint8 *px = g_malloc ((gsize) w * h * 4);
  g_autoptr(GBytes) bytes = NULL;

  for (int row = 0; row < h; row++)
    memcpy (px + (gsize) row * w * 4, level->edited_px + ((gsize) (y + row) * level->w + x) * 4,
            (gsize) w * 4);
  bytes = g_bytes_new_take (px, (gsize) w * h * 4);
  return pm_texture_new_rgba (bytes, w, h);
}

/* A white texture whose alpha is @mask over the tile; NULL when the tile holds nothing of
 * it. */
static GdkTexture *
fill_texture (const PmLevel *level,
              const guint8  *mask,
              int            x,
              int            y,
              int            w,
              int            h)
{
  guint8 *px = g_malloc ((gsize) w * h * 4);
  g_autoptr(GBytes) bytes = NULL;
  gboolean found = FALSE;

  for (int row = 0; row < h; row++)
    for (int col = 0; col < w; col++)
      {
        guint8 *o = px + ((gsize) row * w + col) * 4;
        int lx = x + col, ly = y + row;
        gboolean on = mask[(gsize) ly * level->w + lx] != 0;

        o[0] = o[1] = o[2] = 255;
        o[3] = on ? 255 : 0;
        found |= on;
      }
  if (!found)
    {
      g_free (px);
      return NULL;
    }
  bytes = g_bytes_new_take (px, (gsize) w * h * 4);
  return pm_texture_new_rgba (bytes, w, h);
}

void
pm_level_draw_edited (PmLevel     *level,
                      GtkSnapshot *snapshot,
                      double       fx,
                      double       fy)
{
  if (level->edited_px == NULL)
    return;
  pm_level_ensure_tiles (level);
  for (int ty = 0; ty < level->tiles_y; ty++)
    for (int tx = 0; tx < level->tiles_x; tx++)
      {
        PmTile *tile = &level->tiles[ty * level->tiles_x + tx];
        int x, y, w, h;

        tile_rect (level, tx, ty, &x, &y, &w, &h);
        if (tile->tex[PM_TILE_EDITED] == NULL)
          tile->tex[PM_TILE_EDITED] = edited_texture (level, x, y, w, h);
        gtk_snapshot_append_texture (snapshot, tile->tex[PM_TILE_EDITED],
                                     &GRAPHENE_RECT_INIT (x * fx, y * fy, w * fx, h * fy));
      }
}

/* Pushes a colour matrix that paints white-with-alpha textures in @color. */
static void
push_tint (GtkSnapshot   *snapshot,
           const GdkRGBA *color)
{
  graphene_matrix_t matrix;
  graphene_vec4_t offset;

  graphene_matrix_init_from_float (&matrix, (float[16]) { 0, 0, 0, 0,  0, 0, 0, 0,
                                                          0, 0, 0, 0,  0, 0, 0, 1 });
  graphene_vec4_init (&offset, color->red, color->green, color->blue, 0);
  gtk_snapshot_push_color_matrix (snapshot, &matrix, &offset);
}

/* Appends every tile's mask texture of @kind (made when missing, unless known empty); the
 * outlines in @color with @halo. */
static void
draw_mask_tiles (PmLevel       *level,
                 GtkSnapshot   *snapshot,
                 double         fx,
                 double         fy,
                 PmTileKind     kind,
                 const GdkRGBA *color,
                 const GdkRGBA *halo)
{
  const guint8 *mask = kind == PM_TILE_COMPARE ? level->compare : level->mask;

  for (int ty = 0; ty < level->tiles_y; ty++)
    for (int tx = 0; tx < level->tiles_x; tx++)
      {
        PmTile *tile = &level->tiles[ty * level->tiles_x + tx];
        int x, y, w, h;

        if (tile->empty[kind])
          continue;
        tile_rect (level, tx, ty, &x, &y, &w, &h);
        if (tile->tex[kind] == NULL)
          {
            tile->tex[kind] = kind == PM_TILE_FILL
                                ? fill_texture (level, mask, x, y, w, h)
                                : pm_level_outline_tile (level, mask, x, y, w, h, color, halo);
            tile->empty[kind] = tile->tex[kind] == NULL;
            if (tile->empty[kind])
              continue;
          }
        gtk_snapshot_append_texture (snapshot, tile->tex[kind],
                                     &GRAPHENE_RECT_INIT (x * fx, y * fy, w * fx, h * fy));
      }
}

/**
 * pm_level_draw_overlay:
 * @fill: the fill's colour
 * @fill_alpha: its opacity; 0 draws no fill
 * @outline: whether to draw the mask's outline (in the overlay colour, with its halo)
 * @compare: (nullable): the compare mask's outline colour, or %NULL for none
 *
 * Draws the level's mask views from its tiles, in level texels × (@fx, @fy).
 */
void
pm_level_draw_overlay (PmCanvas      *self,
                       PmLevel       *level,
                       GtkSnapshot   *snapshot,
                       double         fx,
                       double         fy,
                       const GdkRGBA *fill,
                       double         fill_alpha,
                       gboolean       outline,
                       const GdkRGBA *compare)
{
  pm_level_ensure_tiles (level);
  if (level->mask != NULL && fill_alpha > 0)
    {
      gtk_snapshot_push_opacity (snapshot, fill_alpha);
      push_tint (snapshot, fill);
      draw_mask_tiles (level, snapshot, fx, fy, PM_TILE_FILL, NULL, NULL);
      gtk_snapshot_pop (snapshot);
      gtk_snapshot_pop (snapshot);
    }
  if (level->mask != NULL && outline)
    draw_mask_tiles (level, snapshot, fx, fy, PM_TILE_CONTOUR, &self->overlay_color,
                     &self->halo_color);
  if (level->compare != NULL && compare != NULL)
    draw_mask_tiles (level, snapshot, fx, fy, PM_TILE_COMPARE, compare, &self->halo_color);
}

/* ---------------------------------------------------------------- updates */

/* The edit as drawn at full size: the canvas's copy once a correction changed it. */
const guint8 *
pm_canvas_edited_pixels (PmCanvas *self)
{
  if (self->edited_copy != NULL)
    return self->edited_copy;
  return self->edited_bytes != NULL ? g_bytes_get_data (self->edited_bytes, NULL) : NULL;
}

/* Copies rows [y0, y1) of columns [x0, x1) of the w-wide RGBA @src into @dst. */
static void
copy_rgba_rect (guint8       *dst,
                const guint8 *src,
                int           w,
                const PmRect *r)
{
  for (int y = r->y; y < r->y + r->height; y++)
    memcpy (dst + ((gsize) y * w + r->x) * 4, src + ((gsize) y * w + r->x) * 4,
            (gsize) r->width * 4);
}

/**
 * pm_canvas_update_result_rect:
 * @self: a #PmCanvas showing a result
 * @edited: (nullable): the edit, at the photo's size; only @rect is read
 * @mask: (nullable): the mask, at the photo's size; only @rect is read
 * @rect: what changed
 *
 * Takes the result's new pixels inside @rect and redraws that part: the full-size buffers
 * and each pyramid level are rewritten there, and only the level tiles it touches are
 * uploaded again.
 *
 * Returns: %FALSE when the result is not ready yet (its pyramid is being built)
 */
gboolean
pm_canvas_update_result_rect (PmCanvas      *self,
                              const PmImage *edited,
                              const PmMask  *mask,
                              const PmRect  *rect)
{
  PmRect r;
  const guint8 *pe, *pm;
  int x0, y0, x1, y1, pw, ph;

  g_return_val_if_fail (PM_IS_CANVAS (self), FALSE);
  g_return_val_if_fail (rect != NULL, FALSE);
  g_return_val_if_fail (edited == NULL ||
                        (edited->width == self->width && edited->height == self->height), FALSE);
  g_return_val_if_fail (mask == NULL ||
                        (mask->width == self->width && mask->height == self->height), FALSE);

  if (!self->result_ready)
    return FALSE;
  r = *rect;
  if (!pm_rect_clip (&r, self->width, self->height))
    return TRUE;

  if (edited != NULL && self->edited_bytes != NULL)
    {
      if (self->edited_copy == NULL)
        self->edited_copy = g_memdup2 (g_bytes_get_data (self->edited_bytes, NULL),
                                       (gsize) self->width * self->height * 4);
      copy_rgba_rect (self->edited_copy, edited->data, self->width, &r);
    }
  if (mask != NULL && self->mask != NULL)
    {
      for (int y = r.y; y < r.y + r.height; y++)
        for (int x = r.x; x < r.x + r.width; x++)
          {
            gsize i = (gsize) y * self->width + x;
            self->mask[i] = mask->data[i] >= 0.5f;
          }
      /* The outline looks for edges in the mask's box: it may only grow. */
      if (self->mx1 <= self->mx0 || self->my1 <= self->my0)
        {
          self->mx0 = r.x; self->my0 = r.y;
          self->mx1 = r.x + r.width; self->my1 = r.y + r.height;
        }
      else
        {
          self->mx0 = MIN (self->mx0, r.x); self->my0 = MIN (self->my0, r.y);
          self->mx1 = MAX (self->mx1, r.x + r.width);
          self->my1 = MAX (self->my1, r.y + r.height);
        }
    }

  /* Each level: the changed texels are those whose 2×2 sources changed. */
  pe = edited != NULL ? pm_canvas_edited_pixels (self) : NULL;
  pm = mask != NULL ? self->mask : NULL;
  pw = self->width;
  ph = self->height;
  x0 = r.x; y0 = r.y; x1 = r.x + r.width; y1 = r.y + r.height;
  for (int k = 1; k < self->n_levels; k++)
    {
      PmLevel *l = &self->levels[k];

      if (l->w <= 0)
        break;
      x0 /= 2; y0 /= 2; x1 = MIN ((x1 + 1) / 2, l->w); y1 = MIN ((y1 + 1) / 2, l->h);
      if (pe != NULL && l->edited_px != NULL)
        pm_halve_rgba_region (pe, pw, ph, l->edited_px, x0, y0, x1, y1);
      if (pm != NULL && l->mask != NULL)
        pm_halve_mask_region (pm, pw, ph, l->mask, x0, y0, x1, y1);
      level_invalidate (l, x0, y0, x1, y1, pe != NULL, pm != NULL);
      pe = pe != NULL ? l->edited_px : NULL;
      pm = pm != NULL ? l->mask : NULL;
      pw = l->w;
      ph = l->h;
    }
  /* Zoomed in: the composite of the visible part, there only. */
  pm_canvas_cpu_update_rect (self, &r);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return TRUE;
}

/**
 * pm_canvas_set_compare_mask:
 * @self: a #PmCanvas with a photo
 * @mask: (nullable): a mask at the photo's size, or %NULL to remove it
 *
 * Draws @mask's contour too, in a colour of its own, e.g. the engine's mask beside a
 * corrected one. The mask is copied.
 */
void
pm_canvas_set_compare_mask (PmCanvas     *self,
                            const PmMask *mask)
{
  const guint8 *above;
  int pw, ph;

  g_return_if_fail (PM_IS_CANVAS (self));
  g_return_if_fail (mask == NULL || (mask->width == self->width && mask->height == self->height));

  g_clear_pointer (&self->compare, g_free);
  for (int k = 0; k < PM_CANVAS_MAX_LEVELS; k++)
    {
      g_clear_pointer (&self->levels[k].compare, g_free);
      pm_level_clear_tiles (&self->levels[k], FALSE, FALSE, TRUE);
    }
  if (mask != NULL)
    {
      gsize n = (gsize) mask->width * mask->height;

      self->compare = g_malloc (n);
      self->cx0 = self->width; self->cy0 = self->height; self->cx1 = self->cy1 = 0;
      for (gsize i = 0; i < n; i++)
        {
          int x = (int) (i % self->width), y = (int) (i / self->width);

          self->compare[i] = mask->data[i] >= 0.5f;
          if (self->compare[i])
            {
              self->cx0 = MIN (self->cx0, x); self->cx1 = MAX (self->cx1, x + 1);
              self->cy0 = MIN (self->cy0, y); self->cy1 = MAX (self->cy1, y + 1);
            }
        }
      above = self->compare;
      pw = self->width;
      ph = self->height;
      for (int k = 1; k < self->n_levels && self->levels[k].w > 0; k++)
        {
          self->levels[k].compare = pm_halve_mask (above, pw, ph);
          above = self->levels[k].compare;
          pw = self->levels[k].w;
          ph = self->levels[k].h;
        }
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
pm_canvas_has_compare_mask (PmCanvas *self)
{
  g_return_val_if_fail (PM_IS_CANVAS (self), FALSE);
  return self->compare != NULL;
}
