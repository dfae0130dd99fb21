/* pm-mask-region.c: rectangles of masks: crop, paste, where two masks differ.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-mask-region"

#include "pm-mask-region.h"

#include <string.h>

/**
 * pm_rect_is_empty:
 * @rect: a rectangle
 *
 * Returns: whether @rect covers no pixel
 */
gboolean
pm_rect_is_empty (const PmRect *rect)
{
  return rect == NULL || rect->width <= 0 || rect->height <= 0;
}

/**
 * pm_rect_union:
 * @a: a rectangle (may be empty)
 * @b: a rectangle (may be empty)
 * @out: (out): the smallest rectangle holding both; may be @a or @b
 */
void
pm_rect_union (const PmRect *a,
               const PmRect *b,
               PmRect       *out)
{
  int x0, y0, x1, y1;

  if (pm_rect_is_empty (a))
    {
      *out = pm_rect_is_empty (b) ? (PmRect) { 0, 0, 0, 0 } : *b;
      return;
    }
  if (pm_rect_is_empty (b))
    {
      *out = *a;
      return;
    }
  x0 = MIN (a->x, b->x);
  y0 = MIN (a->y, b->y);
  x1 = MAX (a->x + a->width, b->x + b->width);
  y1 = MAX (a->y + a->height, b->y + b->height);
  *out = (PmRect) { x0, y0, x1 - x0, y1 - y0 };
}

/**
 * pm_rect_intersect:
 * @a: a rectangle
 * @b: a rectangle
 * @out: (out): their overlap; may be @a or @b
 *
 * Returns: whether they overlap (@out is empty when not)
 */
gboolean
pm_rect_intersect (const PmRect *a,
                   const PmRect *b,
                   PmRect       *out)
{
  int x0 = MAX (a->x, b->x), y0 = MAX (a->y, b->y);
  int x1 = MIN (a->x + a->width, b->x + b->width);
  int y1 = MIN (a->y + a->height, b->y + b->height);

  if (pm_rect_is_empty (a) || pm_rect_is_empty (b) || x1 <= x0 || y1 <= y0)
    {
      *out = (PmRect) { 0, 0, 0, 0 };
      return FALSE;
    }
  *out = (PmRect) { x0, y0, x1 - x0, y1 - y0 };
  return TRUE;
}

/**
 * pm_rect_clip:
 * @rect: (inout): a rectangle
 * @width: the image width
 * @height: the image height
 *
 * Returns: whether anything of @rect is left inside the image
 */
gboolean
pm_rect_clip (PmRect *rect,
              int     width,
              int     height)
{
  PmRect image = { 0, 0, width, height };

  return pm_rect_intersect (rect, &image, rect);
}

/**
 * pm_mask_crop:
 * @mask: a mask
 * @rect: a non-empty rectangle inside @mask
 *
 * Returns: (transfer full): the pixels of @rect, as a @rect-sized mask
 */
PmMask *
pm_mask_crop (const PmMask *mask,
              const PmRect *rect)
{
  PmMask *out;

  g_return_val_if_fail (mask != NULL && rect != NULL, NULL);
  g_return_val_if_fail (!pm_rect_is_empty (rect), NULL);
  g_return_val_if_fail (rect->x >= 0 && rect->y >= 0 &&
                        rect->x + rect->width <= mask->width &&
                        rect->y + rect->height <= mask->height, NULL);

  out = pm_mask_new (rect->width, rect->height);
  for (int y = 0; y < rect->height; y++)
    memcpy (out->data + (gsize) y * rect->width,
            mask->data + (gsize) (rect->y + y) * mask->width + rect->x,
            sizeof (float) * rect->width);
  return out;
}

/**
 * pm_mask_paste:
 * @mask: the mask written to
 * @patch: the pixels to write
 * @x: where @patch's left column goes in @mask
 * @y: where @patch's top row goes in @mask
 *
 * Copies @patch into @mask; what falls outside @mask is ignored.
 */
void
pm_mask_paste (PmMask       *mask,
               const PmMask *patch,
               int           x,
               int           y)
{
  PmRect dst = { x, y, patch->width, patch->height };

  g_return_if_fail (mask != NULL && patch != NULL);
  if (!pm_rect_clip (&dst, mask->width, mask->height))
    return;
  for (int row = 0; row < dst.height; row++)
    memcpy (mask->data + (gsize) (dst.y + row) * mask->width + dst.x,
            patch->data + (gsize) (dst.y - y + row) * patch->width + (dst.x - x),
            sizeof (float) * dst.width);
}

/**
 * pm_mask_diff_rect:
 * @a: a mask
 * @b: a mask of the same size
 * @out: (out): the bounding box of the differing pixels, empty if none
 *
 * Returns: whether any pixel differs
 */
gboolean
pm_mask_diff_rect (const PmMask *a,
                   const PmMask *b,
                   PmRect       *out)
{
  int x0 = a->width, y0 = a->height, x1 = -1, y1 = -1;

  g_return_val_if_fail (a->width == b->width && a->height == b->height, FALSE);

  for (int y = 0; y < a->height; y++)
    {
      const float *ra = a->data + (gsize) y * a->width, *rb = b->data + (gsize) y * b->width;
      int first = -1, last = -1;

      if (memcmp (ra, rb, sizeof (float) * a->width) == 0)
        continue;
      for (int x = 0; x < a->width; x++)
        if (ra[x] != rb[x])
          {
            if (first < 0)
              first = x;
            last = x;
          }
      if (first < 0)
        continue;  /* only -0.0 against 0.0: equal values */
      x0 = MIN (x0, first);
      x1 = MAX (x1, last);
      y0 = MIN (y0, y);
      y1 = y;
    }
  if (x1 < 0)
    {
      *out = (PmRect) { 0, 0, 0, 0 };
      return FALSE;
    }
  *out = (PmRect) { x0, y0, x1 - x0 + 1, y1 - y0 + 1 };
  return TRUE;
}

/**
 * pm_mask_equal:
 * @a: (nullable): a mask
 * @b: (nullable): a mask
 *
 * Returns: whether both are %NULL, or have the same size and the same bytes
 */
gboolean
pm_mask_equal (const PmMask *a,
               const PmMask *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return a->width == b->width && a->height == b->height &&
         memcmp (a->data, b->data, sizeof (float) * a->width * a->height) == 0;
}
