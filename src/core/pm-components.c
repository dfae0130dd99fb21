/* pm-components.c: 8-connected component labelling, per-component statistics, and picking
 * one component by position, ordinal or size rank.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-components"

#include "pm-morph.h"

#include <math.h>
#include <stdlib.h>

/* Components smaller than this share of the largest are "specks": they never win a
 * position or ordinal pick (they still count when they are all there is). */
#define PICK_MIN_SHARE 0.05
/* Weight of the size term in the position score (see pick_by_position). */
#define PICK_SIZE_WEIGHT 0.25

/* ---------------------------------------------------------------- labelling */

static int
uf_find (int *parent,
         int  x)
{
  int root = x;

  while (parent[root] != root)
    root = parent[root];
  while (parent[x] != root)   /* path compression */
    {
      int next = parent[x];
      parent[x] = root;
      x = next;
    }
  return root;
}

static void
uf_union (int *parent,
          int  a,
          int  b)
{
  a = uf_find (parent, a);
  b = uf_find (parent, b);
  if (a < b)
    parent[b] = a;
  else if (b < a)
    parent[a] = b;
}

/**
 * pm_components_label:
 * @mask: a mask; pixels > 0.5 are foreground
 *
 * Labels the 8-connected foreground components with a two-pass union-find. Labels are
 * 1-based and numbered in raster order of each component's first pixel (top to bottom,
 * left to right). Computes area, inclusive bounding box and centroid of each.
 *
 * Returns: (transfer full): the labelling; free with pm_components_free()
 */
PmComponents *
pm_components_label (const PmMask *mask)
{
  PmComponents *comps;
  int w, h, next = 1;
  gsize n;
  g_autofree int *parent = NULL;
  g_autofree int *remap = NULL;
  g_autofree double *sx = NULL;
  g_autofree double *sy = NULL;

  g_return_val_if_fail (mask != NULL, NULL);

  w = MAX (mask->width, 0);
  h = MAX (mask->height, 0);
  n = (gsize) w * h;
  comps = g_new0 (PmComponents, 1);
  comps->width = w;
  comps->height = h;
  comps->labels = g_new0 (int, MAX (n, 1));

  /* First pass: provisional labels; at most one new label per pixel. The union-find
   * array grows as needed (labels are far fewer than pixels in practice). */
  {
    gsize cap = 256;
    parent = g_new (int, cap);
    parent[0] = 0;

    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        {
          gsize i = (gsize) y * w + x;
          int nb[4], nn = 0, l;

          if (mask->data[i] <= 0.5f)
            continue;
          /* Already-visited neighbours: W, NW, N, NE. */
          if (x > 0 && comps->labels[i - 1])
            nb[nn++] = comps->labels[i - 1];
          if (y > 0)
            {
              if (x > 0 && comps->labels[i - w - 1])
                nb[nn++] = comps->labels[i - w - 1];
              if (comps->labels[i - w])
                nb[nn++] = comps->labels[i - w];
              if (x < w - 1 && comps->labels[i - w + 1])
                nb[nn++] = comps->labels[i - w + 1];
            }
          if (nn == 0)
            {
              if ((gsize) next >= cap)
                {
                  cap *= 2;
                  parent = g_renew (int, parent, cap);
                }
              parent[next] = next;
              comps->labels[i] = next++;
              continue;
            }
          l = nb[0];
          for (int k = 1; k < nn; k++)
            {
              uf_union (parent, l, nb[k]);
              l = MIN (l, nb[k]);
            }
          comps->labels[i] = l;
        }
  }

  /* Second pass: resolve to roots and renumber compactly in raster order. Because
   * unions keep the smaller label as root and labels are created in raster order, the
   * root is the component's first-created label, so first appearance order is kept. */
  remap = g_new0 (int, next);
  comps->n = 0;
  for (int l = 1; l < next; l++)
    {
      int r = uf_find (parent, l);
      if (r == l)
        remap[l] = ++comps->n;
    }
  comps->components = g_new0 (PmComponent, MAX (comps->n, 1));
  sx = g_new0 (double, MAX (comps->n, 1));
  sy = g_new0 (double, MAX (comps->n, 1));
  for (int k = 0; k < comps->n; k++)
    {
      PmComponent *c = &comps->components[k];
      c->label = k + 1;
      c->x0 = w;
      c->y0 = h;
      c->x1 = -1;
      c->y1 = -1;
    }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        gsize i = (gsize) y * w + x;
        PmComponent *c;
        int l = comps->labels[i];

        if (l == 0)
          continue;
        l = remap[uf_find (parent, l)];
        comps->labels[i] = l;
        c = &comps->components[l - 1];
        c->area++;
        sx[l - 1] += x;
        sy[l - 1] += y;
        c->x0 = MIN (c->x0, x);
        c->y0 = MIN (c->y0, y);
        c->x1 = MAX (c->x1, x);
        c->y1 = MAX (c->y1, y);
      }
  for (int k = 0; k < comps->n; k++)
    {
      PmComponent *c = &comps->components[k];
      c->cx = sx[k] / (double) c->area;
      c->cy = sy[k] / (double) c->area;
    }
  return comps;
}

/**
 * pm_components_free:
 * @components: (nullable): a labelling
 */
void
pm_components_free (PmComponents *components)
{
  if (components == NULL)
    return;
  g_free (components->labels);
  g_free (components->components);
  g_free (components);
}

/* ---------------------------------------------------------------- picking */

/* Unit direction for a position, in image coordinates (y grows downwards). */
static void
position_direction (PmPosition position,
                    double    *dx,
                    double    *dy)
{
  const double d = M_SQRT1_2;

  *dx = *dy = 0;
  switch (position)
    {
    case PM_POSITION_LEFT:         *dx = -1; break;
    case PM_POSITION_RIGHT:        *dx = 1; break;
    case PM_POSITION_TOP:          *dy = -1; break;
    case PM_POSITION_BOTTOM:       *dy = 1; break;
    case PM_POSITION_TOP_LEFT:     *dx = -d; *dy = -d; break;
    case PM_POSITION_TOP_RIGHT:    *dx = d; *dy = -d; break;
    case PM_POSITION_BOTTOM_LEFT:  *dx = -d; *dy = d; break;
    case PM_POSITION_BOTTOM_RIGHT: *dx = d; *dy = d; break;
    case PM_POSITION_NONE:
    case PM_POSITION_CENTER:
    default:
      break;
    }
}

/* How far component @c lies towards @position, 0 (opposite side) … 1 (at that edge or
 * corner); for CENTER, 1 at the centre and 0 at the corners. */
static double
position_coordinate (const PmComponents *comps,
                     const PmComponent  *c,
                     PmPosition          position)
{
  double u = (c->cx + 0.5) / MAX (comps->width, 1) - 0.5;   /* −0.5 … 0.5 */
  double v = (c->cy + 0.5) / MAX (comps->height, 1) - 0.5;
  double dx, dy;

  if (position == PM_POSITION_CENTER)
    return 1.0 - sqrt (u * u + v * v) / M_SQRT1_2;
  position_direction (position, &dx, &dy);
  if (dx != 0 && dy != 0)
    return (u * dx + v * dy) / M_SQRT2 + 0.5;   /* projection is ±√½ at the corners */
  return u * dx + v * dy + 0.5;
}

static gint64
largest_area (const PmComponents *comps)
{
  gint64 max = 0;

  for (int k = 0; k < comps->n; k++)
    max = MAX (max, comps->components[k].area);
  return max;
}

static gboolean
is_candidate (const PmComponent *c,
              gint64             max_area)
{
  return (double) c->area >= PICK_MIN_SHARE * (double) max_area;
}

typedef struct {
  double key;
  int    index;
} SortItem;

static int
sort_item_cmp (const void *a,
               const void *b)
{
  const SortItem *x = a, *y = b;

  if (x->key < y->key)
    return -1;
  if (x->key > y->key)
    return 1;
  return x->index - y->index;
}

/* Sort keys: along a side, or by size when @size_rank is set ("the second largest"). */
static int
pick_by_ordinal (const PmComponents *comps,
                 int                 ordinal,
                 PmPosition          from,
                 PmSizeRank          size_rank,
                 gint64              max_area)
{
  g_autofree SortItem *items = g_new (SortItem, comps->n);
  int m = 0, idx;

  for (int k = 0; k < comps->n; k++)
    {
      const PmComponent *c = &comps->components[k];
      if (!is_candidate (c, max_area))
        continue;
      if (size_rank != PM_SIZE_RANK_NONE)
        items[m].key = size_rank == PM_SIZE_RANK_SMALLEST ? (double) c->area : -(double) c->area;
      else switch (from)
        {
        case PM_POSITION_RIGHT:  items[m].key = -c->cx; break;
        case PM_POSITION_TOP:    items[m].key = c->cy; break;
        case PM_POSITION_BOTTOM: items[m].key = -c->cy; break;
        case PM_POSITION_LEFT:
        default:                 items[m].key = c->cx; break;
        }
      items[m].index = k;
      m++;
    }
  qsort (items, m, sizeof (SortItem), sort_item_cmp);
  if (ordinal > m)
    idx = m - 1;                    /* past the end: the last there is */
  else if (ordinal < 0)
    idx = MAX (0, m + ordinal);     /* -1 the last, -2 the second to last, … */
  else
    idx = ordinal - 1;
  return items[idx].index;
}

static int
pick_by_position (const PmComponents *comps,
                  PmPosition          position,
                  gint64              max_area)
{
  int best = -1;
  double best_score = -HUGE_VAL;

  for (int k = 0; k < comps->n; k++)
    {
      const PmComponent *c = &comps->components[k];
      double score;

      if (!is_candidate (c, max_area))
        continue;
      score = position_coordinate (comps, c, position)
              + PICK_SIZE_WEIGHT * sqrt ((double) c->area / (double) max_area);
      if (score > best_score)
        {
          best_score = score;
          best = k;
        }
    }
  return best;
}

static int
pick_by_size (const PmComponents *comps,
              PmSizeRank          rank,
              PmPosition          position,
              gint64              max_area)
{
  int best = -1;

  for (int k = 0; k < comps->n; k++)
    {
      const PmComponent *c = &comps->components[k];

      if (!is_candidate (c, max_area))
        continue;
      if (position != PM_POSITION_NONE && position_coordinate (comps, c, position) < 0.5)
        continue;
      if (best < 0
          || (rank == PM_SIZE_RANK_SMALLEST && c->area < comps->components[best].area)
          || (rank != PM_SIZE_RANK_SMALLEST && c->area > comps->components[best].area))
        best = k;
    }
  return best;
}

/**
 * pm_components_pick:
 * @components: a labelling
 * @position: a position qualifier, or %PM_POSITION_NONE
 * @ordinal: 1-based rank along @ordinal_from, -1 for the last, 0 for none
 * @ordinal_from: the side the ordinal counts from (LEFT, RIGHT, TOP, BOTTOM; others: LEFT)
 * @size_rank: largest/smallest, or %PM_SIZE_RANK_NONE
 *
 * Chooses one component. Components smaller than 5% of the largest ("specks") are
 * ignored by every rule. The rules, first match wins:
 *
 * - @ordinal ≠ 0: sort by centroid x (from the left or right) or y (from the top or
 *   bottom) — or, with a @size_rank and no side, by size ("the second largest") — and take
 *   the @ordinal-th; -n counts from the end (-1 the last); past the end takes the last.
 * - @size_rank set: the largest or smallest; with a @position too, only among the
 *   components on that side of the image centre (all of them if none is).
 * - @position set: the highest score t + 0.25 · √(area / largest area), where t runs
 *   from 0 (at the opposite edge) to 1 (at the named edge or corner; for CENTER, 1 at the
 *   centre and 0 at a corner) and is measured at the centroid. The size term lets a big
 *   object beat a speck that is slightly further out, but never one at the other side.
 * - otherwise the largest (the first in raster order on ties).
 *
 * Returns: an index into components->components, or -1 if there are none
 */
int
pm_components_pick (const PmComponents *components,
                    PmPosition          position,
                    int                 ordinal,
                    PmPosition          ordinal_from,
                    PmSizeRank          size_rank)
{
  gint64 max_area;
  int k;

  g_return_val_if_fail (components != NULL, -1);
  if (components->n <= 0)
    return -1;
  max_area = largest_area (components);

  if (ordinal != 0)
    {
      gboolean by_side = ordinal_from == PM_POSITION_LEFT || ordinal_from == PM_POSITION_RIGHT ||
                         ordinal_from == PM_POSITION_TOP || ordinal_from == PM_POSITION_BOTTOM;
      return pick_by_ordinal (components, ordinal, ordinal_from,
                              by_side ? PM_SIZE_RANK_NONE : size_rank, max_area);
    }
  if (size_rank != PM_SIZE_RANK_NONE)
    {
      k = pick_by_size (components, size_rank, position, max_area);
      if (k < 0)
        k = pick_by_size (components, size_rank, PM_POSITION_NONE, max_area);
      return k;
    }
  if (position != PM_POSITION_NONE)
    return pick_by_position (components, position, max_area);
  return pick_by_size (components, PM_SIZE_RANK_LARGEST, PM_POSITION_NONE, max_area);
}

/**
 * pm_components_extract:
 * @components: a labelling
 * @index: an index into components->components
 *
 * Returns: (transfer full): a binary mask of the labelling's size holding only that
 * component; an empty mask if @index is out of range
 */
PmMask *
pm_components_extract (const PmComponents *components,
                       int                 index)
{
  PmMask *mask;
  gsize n;

  g_return_val_if_fail (components != NULL, NULL);
  mask = pm_mask_new (components->width, components->height);
  if (index < 0 || index >= components->n)
    return mask;
  n = (gsize) components->width * components->height;
  for (gsize i = 0; i < n; i++)
    mask->data[i] = components->labels[i] == index + 1 ? 1.0f : 0.0f;
  return mask;
}
