/* pm-mask-refine.c: GrabCut corrections of an existing mask (box and clicks).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both work on a crop around the region in question, so their cost follows the object's
 * size rather than the photo's: the box with a margin of background around it, the clicks
 * with the mask's bounding box grown by a quarter. In the crop the mask gives GrabCut its
 * first guess (probably foreground / probably background) and the user's input the sure
 * labels: outside the box is background; a click is a small disk of sure foreground or
 * background. The crop's edges that are not the photo's are sure background, so the
 * result never runs into the cut.
 */
#define G_LOG_DOMAIN "pm-mask-refine"

#include "pm-mask-refine.h"

#include <math.h>
#include <string.h>

/* A mask covering less than this share of the box does not describe the object: the box
 * alone initialises GrabCut. */
#define MIN_MASK_SHARE 0.02

static PmImage *
crop_image (const PmImage *image,
            const PmRect  *r)
{
  PmImage *out = pm_image_new (r->width, r->height);

  for (int y = 0; y < r->height; y++)
    memcpy (out->data + (gsize) y * r->width * 4,
            image->data + ((gsize) (r->y + y) * image->width + r->x) * 4,
            (gsize) r->width * 4);
  return out;
}

/* Copies @part (the crop at @crop) into a copy of @mask, inside @where only. */
static PmMask *
paste_result (const PmMask *mask,
              const PmMask *part,
              const PmRect *crop,
              const PmRect *where)
{
  PmMask *out = pm_mask_copy (mask);

  for (int y = where->y; y < where->y + where->height; y++)
    memcpy (out->data + (gsize) y * mask->width + where->x,
            part->data + (gsize) (y - crop->y) * crop->width + (where->x - crop->x),
            sizeof (float) * where->width);
  return out;
}

/* Sure background on the crop's edges that lie inside the photo. */
static void
mark_inner_edges (guint8       *trimap,
                  const PmRect *crop,
                  int           width,
                  int           height)
{
  int w = crop->width, h = crop->height;

  for (int x = 0; x < w; x++)
    {
      if (crop->y > 0)
        trimap[x] = PM_TRIMAP_BG;
      if (crop->y + h < height)
        trimap[(gsize) (h - 1) * w + x] = PM_TRIMAP_BG;
    }
  for (int y = 0; y < h; y++)
    {
      if (crop->x > 0)
        trimap[(gsize) y * w] = PM_TRIMAP_BG;
      if (crop->x + w < width)
        trimap[(gsize) y * w + w - 1] = PM_TRIMAP_BG;
    }
}

static gboolean
check_sizes (const PmImage  *image,
             const PmMask   *mask,
             GError        **error)
{
  if (image->width != mask->width || image->height != mask->height)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_SIZE,
                   "the photo is %d×%d but the mask is %d×%d", image->width, image->height,
                   mask->width, mask->height);
      return FALSE;
    }
  return TRUE;
}

static void
grow_rect (PmRect *r,
           int     margin,
           int     width,
           int     height)
{
  *r = (PmRect) { r->x - margin, r->y - margin, r->width + 2 * margin,
                  r->height + 2 * margin };
  pm_rect_clip (r, width, height);
}

/**
 * pm_mask_refine_box:
 * @image: the photo
 * @mask: the current mask, same size
 * @box: the box around the object
 * @params: (nullable): GrabCut parameters, %NULL for the defaults
 * @dirty: (out) (optional): the rectangle where the result may differ from @mask
 * @cancellable: (nullable): checked between GrabCut iterations
 * @error: return location for a #GError
 *
 * Snaps the mask inside @box to the object there: GrabCut with everything outside the box
 * as sure background, started from @mask inside the box (or from the whole box when @mask
 * holds little of it). Outside the box the result is @mask.
 *
 * Returns: (transfer full): the new mask, or %NULL with @error
 */
PmMask *
pm_mask_refine_box (const PmImage          *image,
                    const PmMask           *mask,
                    const PmRect           *box,
                    const PmGrabcutParams  *params,
                    PmRect                 *dirty,
                    GCancellable           *cancellable,
                    GError                **error)
{
  g_autoptr(PmImage) part = NULL;
  g_autoptr(PmMask) result = NULL;
  g_autofree guint8 *trimap = NULL;
  PmRect inside, crop;
  gint64 n_fg = 0;
  gboolean from_mask;

  g_return_val_if_fail (image != NULL && mask != NULL && box != NULL, NULL);
  if (!check_sizes (image, mask, error))
    return NULL;
  inside = *box;
  if (!pm_rect_clip (&inside, image->width, image->height))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "the box %d,%d,%d,%d is empty or outside the %d×%d photo", box->x,
                   box->y, box->x + box->width, box->y + box->height, image->width,
                   image->height);
      return NULL;
    }
  crop = inside;
  grow_rect (&crop, MAX (8, MAX (inside.width, inside.height) / 10), image->width,
             image->height);

  for (int y = inside.y; y < inside.y + inside.height; y++)
    for (int x = inside.x; x < inside.x + inside.width; x++)
      n_fg += mask->data[(gsize) y * mask->width + x] > 0.5f;
  from_mask = n_fg >= MIN_MASK_SHARE * inside.width * inside.height;

  trimap = g_malloc0 ((gsize) crop.width * crop.height);   /* PM_TRIMAP_BG */
  for (int y = inside.y; y < inside.y + inside.height; y++)
    for (int x = inside.x; x < inside.x + inside.width; x++)
      {
        gboolean fg = !from_mask || mask->data[(gsize) y * mask->width + x] > 0.5f;

        trimap[(gsize) (y - crop.y) * crop.width + (x - crop.x)] =
          fg ? PM_TRIMAP_PROBABLY_FG : PM_TRIMAP_PROBABLY_BG;
      }

  part = crop_image (image, &crop);
  result = pm_grabcut_trimap (part, trimap, params, cancellable, error);
  if (result == NULL)
    return NULL;
  if (dirty != NULL)
    *dirty = inside;
  return paste_result (mask, result, &crop, &inside);
}

/* The bounding box of the mask's foreground and the clicks; empty if neither the mask nor
 * a foreground click says where the object is. */
static PmRect
object_bounds (const PmMask  *mask,
               const PmClick *clicks,
               gsize          n_clicks)
{
  int x0 = mask->width, y0 = mask->height, x1 = -1, y1 = -1;
  gboolean any_fg = FALSE;

  for (int y = 0; y < mask->height; y++)
    {
      const float *row = mask->data + (gsize) y * mask->width;

      for (int x = 0; x < mask->width; x++)
        if (row[x] > 0.5f)
          {
            x0 = MIN (x0, x);
            x1 = MAX (x1, x);
            y0 = MIN (y0, y);
            y1 = MAX (y1, y);
            any_fg = TRUE;
          }
    }
  for (gsize i = 0; i < n_clicks; i++)
    {
      int x = (int) floor (clicks[i].x), y = (int) floor (clicks[i].y);

      x0 = MIN (x0, x);
      x1 = MAX (x1, x);
      y0 = MIN (y0, y);
      y1 = MAX (y1, y);
      any_fg |= clicks[i].foreground;
    }
  if (!any_fg)
    return (PmRect) { 0, 0, 0, 0 };
  return (PmRect) { x0, y0, x1 - x0 + 1, y1 - y0 + 1 };
}

/* Sets the disk of @radius around @click to @label; only over @only unless it is 0xff. */
static void
mark_disk (guint8        *trimap,
           const PmRect  *crop,
           const PmClick *click,
           int            radius,
           guint8         label,
           guint8         only)
{
  int cx = (int) floor (click->x) - crop->x, cy = (int) floor (click->y) - crop->y;

  for (int y = MAX (cy - radius, 0); y <= MIN (cy + radius, crop->height - 1); y++)
    for (int x = MAX (cx - radius, 0); x <= MIN (cx + radius, crop->width - 1); x++)
      {
        guint8 *t = &trimap[(gsize) y * crop->width + x];

        if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius &&
            (only == 0xff || *t == only))
          *t = label;
      }
}

/* A background click also names the region around it that looks like it: the pixels
 * 4-connected to the click through colours within TOLERANCE (each channel) of the click's
 * own (the mean of its 5×5 neighbourhood), among those near the clicks (sure labels stop
 * it). They become sure background, in the mask or not: GrabCut can neither keep nor take
 * in that region (a dark sink beside a dark cat). Runs before the clicks' disks are marked. */
#define BACKGROUND_TOLERANCE 12

static void
mark_similar_background (guint8        *trimap,
                         const PmImage *part,
                         const PmRect  *crop,
                         const PmClick *click)
{
  int w = crop->width, h = crop->height;
  int cx = (int) floor (click->x) - crop->x, cy = (int) floor (click->y) - crop->y;
  double mean[3] = { 0, 0, 0 };
  g_autofree guint8 *seen = NULL;
  g_autofree int *stack = NULL;
  gsize top = 0;
  int n = 0;

  if (cx < 0 || cy < 0 || cx >= w || cy >= h)
    return;
  for (int y = MAX (cy - 2, 0); y <= MIN (cy + 2, h - 1); y++)
    for (int x = MAX (cx - 2, 0); x <= MIN (cx + 2, w - 1); x++, n++)
      for (int c = 0; c < 3; c++)
        mean[c] += part->data[((gsize) y * w + x) * 4 + c];
  for (int c = 0; c < 3; c++)
    mean[c] /= n;

  seen = g_malloc0 ((gsize) w * h);
  stack = g_new (int, (gsize) w * h);
  seen[(gsize) cy * w + cx] = 1;
  stack[top++] = cy * w + cx;
  while (top > 0)
    {
      int i = stack[--top], x = i % w, y = i / w;
      const int next[4][2] = { { x - 1, y }, { x + 1, y }, { x, y - 1 }, { x, y + 1 } };

      trimap[i] = PM_TRIMAP_BG;
      for (int k = 0; k < 4; k++)
        {
          int nx = next[k][0], ny = next[k][1], j;
          gboolean near = TRUE;

          if (nx < 0 || ny < 0 || nx >= w || ny >= h)
            continue;
          j = ny * w + nx;
          /* Sure labels (far from the clicks, the crop's edge) stop the region. */
          if (seen[j] || (trimap[j] != PM_TRIMAP_PROBABLY_BG && trimap[j] != PM_TRIMAP_PROBABLY_FG))
            continue;
          for (int c = 0; c < 3 && near; c++)
            near = fabs (part->data[(gsize) j * 4 + c] - mean[c]) <= BACKGROUND_TOLERANCE;
          if (near)
            {
              seen[j] = 1;
              stack[top++] = j;
            }
        }
    }
}

/**
 * pm_mask_refine_clicks:
 * @image: the photo
 * @mask: the current mask, same size
 * @clicks: (array length=n_clicks): the clicks, oldest first (a later one wins where two
 *   overlap)
 * @n_clicks: how many
 * @params: (nullable): GrabCut parameters, %NULL for the defaults
 * @dirty: (out) (optional): the rectangle where the result may differ from @mask
 * @cancellable: (nullable): checked between GrabCut iterations
 * @error: return location for a #GError
 *
 * Re-segments the region around the object (the mask and the clicks, grown by a quarter of
 * its size and at least a quarter of the photo's long side) with GrabCut: each click marks
 * a small disk as sure foreground or background, the mask is the first guess near the
 * clicks (within a quarter of the photo's long side, or half the object's diagonal if that
 * is more) and is kept as it is beyond, a foreground click off the mask adds a larger
 * disk of probable foreground around it, and a background click makes the region around it
 * that looks like it (connected, each channel within 12 of the click's colour) sure
 * background.
 * With neither a mask nor a foreground click there is nothing to refine and the result is
 * a copy of @mask.
 *
 * Returns: (transfer full): the new mask, or %NULL with @error
 */
PmMask *
pm_mask_refine_clicks (const PmImage          *image,
                       const PmMask           *mask,
                       const PmClick          *clicks,
                       gsize                   n_clicks,
                       const PmGrabcutParams  *params,
                       PmRect                 *dirty,
                       GCancellable           *cancellable,
                       GError                **error)
{
  g_autoptr(PmImage) part = NULL;
  g_autoptr(PmMask) result = NULL;
  g_autoptr(GArray) inside = g_array_new (FALSE, FALSE, sizeof (PmClick));
  g_autofree guint8 *trimap = NULL;
  PmRect crop;
  int radius;
  double reach;

  g_return_val_if_fail (image != NULL && mask != NULL, NULL);
  g_return_val_if_fail (clicks != NULL || n_clicks == 0, NULL);
  if (!check_sizes (image, mask, error))
    return NULL;
  if (dirty != NULL)
    *dirty = (PmRect) { 0, 0, 0, 0 };

  for (gsize i = 0; i < n_clicks; i++)
    if (clicks[i].x >= 0 && clicks[i].x < image->width &&
        clicks[i].y >= 0 && clicks[i].y < image->height)
      g_array_append_val (inside, clicks[i]);

  crop = object_bounds (mask, (const PmClick *) inside->data, inside->len);
  if (pm_rect_is_empty (&crop))
    return pm_mask_copy (mask);
  reach = MAX (MAX (image->width, image->height) / 4.0, hypot (crop.width, crop.height) / 2);
  grow_rect (&crop, MAX (MAX (crop.width, crop.height) / 4,
                         MAX (8, MAX (image->width, image->height) / 4)),
             image->width, image->height);

  /* The mask is the first guess near the clicks; farther than @reach from every click it is
   * kept as it is (sure labels), so a click never undoes corrections elsewhere. */
  trimap = g_new (guint8, (gsize) crop.width * crop.height);
  for (int y = 0; y < crop.height; y++)
    for (int x = 0; x < crop.width; x++)
      {
        gboolean fg = mask->data[(gsize) (crop.y + y) * mask->width + crop.x + x] > 0.5f;
        gboolean near = FALSE;

        for (guint i = 0; i < inside->len && !near; i++)
          {
            const PmClick *c = &g_array_index (inside, PmClick, i);
            near = hypot (crop.x + x + 0.5 - c->x, crop.y + y + 0.5 - c->y) <= reach;
          }
        trimap[(gsize) y * crop.width + x] =
          near ? (fg ? PM_TRIMAP_PROBABLY_FG : PM_TRIMAP_PROBABLY_BG)
               : (fg ? PM_TRIMAP_FG : PM_TRIMAP_BG);
      }
  mark_inner_edges (trimap, &crop, image->width, image->height);
  part = crop_image (image, &crop);
  for (guint i = 0; i < inside->len; i++)
    {
      const PmClick *c = &g_array_index (inside, PmClick, i);

      if (!c->foreground)
        mark_similar_background (trimap, part, &crop, c);
    }
  radius = MAX (2, MAX (crop.width, crop.height) / 100);
  /* A foreground click off the mask also gives GrabCut a first guess of the object around
   * it, so its colour model is not the background's alone. */
  for (guint i = 0; i < inside->len; i++)
    {
      const PmClick *c = &g_array_index (inside, PmClick, i);

      if (c->foreground)
        mark_disk (trimap, &crop, c, 6 * radius, PM_TRIMAP_PROBABLY_FG, PM_TRIMAP_PROBABLY_BG);
    }
  for (guint i = 0; i < inside->len; i++)
    {
      const PmClick *c = &g_array_index (inside, PmClick, i);

      mark_disk (trimap, &crop, c, radius, c->foreground ? PM_TRIMAP_FG : PM_TRIMAP_BG, 0xff);
    }

  result = pm_grabcut_trimap (part, trimap, params, cancellable, error);
  if (result == NULL)
    return NULL;
  if (dirty != NULL)
    *dirty = crop;
  return paste_result (mask, result, &crop, &crop);
}
