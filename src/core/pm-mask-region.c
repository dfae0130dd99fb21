/* pm-mask-region.c: rectangles of masks (dirty rectangles of corrections).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-mask-region"

#include "pm-mask-region.h"

/**
 * pm_rect_is_empty:
 * @rect: (nullable): a rectangle
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
