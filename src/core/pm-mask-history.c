/* pm-mask-history.c: undo and redo for a mask being corrected, in dirty-tile patches.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The mask is cut into TILE × TILE tiles. While a step is open, the first touch of a tile
 * saves its pixels ("before"); closing the step compares each saved tile with the mask and
 * keeps the ones that differ together with their new pixels ("after"). Undo writes the
 * befores back, redo the afters: plain copies, so both are bit-exact.
 */
#define G_LOG_DOMAIN "pm-mask-history"

#include "pm-mask-history.h"

#include <string.h>

#define TILE 64

typedef struct {
  PmRect  rect;       /* the tile, clipped to the mask */
  float  *before;     /* rect.width × rect.height */
  float  *after;
} Patch;

typedef struct {
  char   *label;
  GArray *patches;    /* of Patch */
  PmRect  dirty;      /* bounding box of the changed pixels */
} Step;

struct _PmMaskHistory {
  PmMask     *mask;
  GPtrArray  *steps;     /* of Step */
  guint       position;  /* steps[0 … position − 1] are applied */
  gsize       size;      /* bytes in patches */
  int         tiles_x, tiles_y;

  gboolean    in_step;
  float     **saved;     /* per tile while a step is open: its pixels before, or NULL */
  GArray     *touched;   /* of int: indices of the saved tiles, in order */
};

static void
patch_clear (gpointer data)
{
  Patch *p = data;

  g_free (p->before);
  g_free (p->after);
}

static void
step_free (gpointer data)
{
  Step *step = data;

  g_free (step->label);
  g_array_unref (step->patches);
  g_free (step);
}

static PmRect
tile_rect (PmMaskHistory *h,
           int            index)
{
  PmRect r = { (index % h->tiles_x) * TILE, (index / h->tiles_x) * TILE, TILE, TILE };

  pm_rect_clip (&r, h->mask->width, h->mask->height);
  return r;
}

static float *
copy_out (const PmMask *mask,
          const PmRect *r)
{
  float *out = g_new (float, (gsize) r->width * r->height);

  for (int y = 0; y < r->height; y++)
    memcpy (out + (gsize) y * r->width, mask->data + (gsize) (r->y + y) * mask->width + r->x,
            sizeof (float) * r->width);
  return out;
}

static void
copy_in (PmMask       *mask,
         const PmRect *r,
         const float  *pixels)
{
  for (int y = 0; y < r->height; y++)
    memcpy (mask->data + (gsize) (r->y + y) * mask->width + r->x, pixels + (gsize) y * r->width,
            sizeof (float) * r->width);
}

/* The bounding box (in mask coordinates) of the pixels of @r whose bits differ between
 * @pixels (rows @stride floats apart) and @mask; empty if none. */
static PmRect
diff_rect_strided (const PmMask *mask,
                   const PmRect *r,
                   const float  *pixels,
                   gsize         stride)
{
  int x0 = G_MAXINT, y0 = G_MAXINT, x1 = -1, y1 = -1;

  for (int y = 0; y < r->height; y++)
    {
      const float *a = pixels + (gsize) y * stride;
      const float *b = mask->data + (gsize) (r->y + y) * mask->width + r->x;

      if (memcmp (a, b, sizeof (float) * r->width) == 0)
        continue;
      for (int x = 0; x < r->width; x++)
        if (memcmp (a + x, b + x, sizeof (float)) != 0)
          {
            x0 = MIN (x0, x);
            x1 = MAX (x1, x);
          }
      y0 = MIN (y0, y);
      y1 = y;
    }
  if (x1 < 0)
    return (PmRect) { 0, 0, 0, 0 };
  return (PmRect) { r->x + x0, r->y + y0, x1 - x0 + 1, y1 - y0 + 1 };
}

/* Likewise for a tile copy (@r->width floats a row). */
static PmRect
diff_rect (const PmMask *mask,
           const PmRect *r,
           const float  *pixels)
{
  return diff_rect_strided (mask, r, pixels, r->width);
}

/**
 * pm_mask_history_new:
 * @mask: the mask to start from (copied)
 *
 * Returns: (transfer full): a history holding a copy of @mask and no steps
 */
PmMaskHistory *
pm_mask_history_new (const PmMask *mask)
{
  PmMaskHistory *h;

  g_return_val_if_fail (mask != NULL && mask->width > 0 && mask->height > 0, NULL);
  h = g_new0 (PmMaskHistory, 1);
  h->mask = pm_mask_copy (mask);
  h->steps = g_ptr_array_new_with_free_func (step_free);
  h->tiles_x = (mask->width + TILE - 1) / TILE;
  h->tiles_y = (mask->height + TILE - 1) / TILE;
  h->saved = g_new0 (float *, (gsize) h->tiles_x * h->tiles_y);
  h->touched = g_array_new (FALSE, FALSE, sizeof (int));
  return h;
}

static void
drop_saved (PmMaskHistory *h)
{
  for (guint i = 0; i < h->touched->len; i++)
    g_clear_pointer (&h->saved[g_array_index (h->touched, int, i)], g_free);
  g_array_set_size (h->touched, 0);
}

/**
 * pm_mask_history_free:
 * @history: (transfer full): a history
 */
void
pm_mask_history_free (PmMaskHistory *history)
{
  if (history == NULL)
    return;
  drop_saved (history);
  g_free (history->saved);
  g_array_unref (history->touched);
  g_ptr_array_unref (history->steps);
  pm_mask_free (history->mask);
  g_free (history);
}

/**
 * pm_mask_history_get_mask:
 * @history: a history
 *
 * Returns: (transfer none): the current mask (changed by undo, redo and steps)
 */
const PmMask *
pm_mask_history_get_mask (PmMaskHistory *history)
{
  g_return_val_if_fail (history != NULL, NULL);
  return history->mask;
}

/**
 * pm_mask_history_begin:
 * @history: a history with no open step
 *
 * Opens an in-place step.
 *
 * Returns: (transfer none): the mask to change; announce each rectangle with
 *   pm_mask_history_touch() before changing it
 */
PmMask *
pm_mask_history_begin (PmMaskHistory *history)
{
  g_return_val_if_fail (history != NULL, NULL);
  g_return_val_if_fail (!history->in_step, NULL);
  history->in_step = TRUE;
  return history->mask;
}

/**
 * pm_mask_history_in_step:
 * @history: a history
 *
 * Returns: whether a step opened by pm_mask_history_begin() is still open
 */
gboolean
pm_mask_history_in_step (PmMaskHistory *history)
{
  g_return_val_if_fail (history != NULL, FALSE);
  return history->in_step;
}

/**
 * pm_mask_history_touch:
 * @history: a history with an open step
 * @rect: pixels about to change (clipped to the mask)
 *
 * Saves the tiles under @rect that the step has not saved yet.
 */
void
pm_mask_history_touch (PmMaskHistory *history,
                       const PmRect  *rect)
{
  PmRect r;

  g_return_if_fail (history != NULL && rect != NULL);
  g_return_if_fail (history->in_step);
  r = *rect;
  if (!pm_rect_clip (&r, history->mask->width, history->mask->height))
    return;
  for (int ty = r.y / TILE; ty <= (r.y + r.height - 1) / TILE; ty++)
    for (int tx = r.x / TILE; tx <= (r.x + r.width - 1) / TILE; tx++)
      {
        int index = ty * history->tiles_x + tx;
        PmRect t;

        if (history->saved[index] != NULL)
          continue;
        t = tile_rect (history, index);
        history->saved[index] = copy_out (history->mask, &t);
        g_array_append_val (history->touched, index);
      }
}

/* Drops the redo branch and appends @step as the newest applied one. */
static void
push_step (PmMaskHistory *h,
           Step          *step)
{
  while (h->steps->len > h->position)
    {
      Step *old = g_ptr_array_index (h->steps, h->steps->len - 1);

      for (guint i = 0; i < old->patches->len; i++)
        {
          Patch *p = &g_array_index (old->patches, Patch, i);
          h->size -= 2 * sizeof (float) * p->rect.width * p->rect.height;
        }
      g_ptr_array_set_size (h->steps, h->steps->len - 1);
    }
  g_ptr_array_add (h->steps, step);
  h->position = h->steps->len;
}

static Step *
step_new (const char *label)
{
  Step *step = g_new0 (Step, 1);

  step->label = g_strdup (label != NULL ? label : "");
  step->patches = g_array_new (FALSE, FALSE, sizeof (Patch));
  g_array_set_clear_func (step->patches, patch_clear);
  return step;
}

/* Adds a patch of @r (before = @before, taken; after = the mask now) if it changed. */
static void
step_add_patch (PmMaskHistory *h,
                Step          *step,
                const PmRect  *r,
                float         *before)
{
  PmRect changed = diff_rect (h->mask, r, before);
  Patch p;

  if (pm_rect_is_empty (&changed))
    {
      g_free (before);
      return;
    }
  p.rect = *r;
  p.before = before;
  p.after = copy_out (h->mask, r);
  g_array_append_val (step->patches, p);
  h->size += 2 * sizeof (float) * r->width * r->height;
  pm_rect_union (&step->dirty, &changed, &step->dirty);
}

/* Appends @step if it holds a change (TRUE), else frees it. */
static gboolean
finish_step (PmMaskHistory *h,
             Step          *step,
             PmRect        *dirty)
{
  if (dirty != NULL)
    *dirty = step->dirty;
  if (step->patches->len == 0)
    {
      step_free (step);
      return FALSE;
    }
  push_step (h, step);
  return TRUE;
}

/**
 * pm_mask_history_commit:
 * @history: a history with an open step
 * @label: (nullable): what the step did ("brush", "grow 3")
 * @dirty: (out) (optional): the bounding box of the pixels that changed
 *
 * Closes the step opened by pm_mask_history_begin(), keeping the tiles that changed.
 *
 * Returns: whether anything changed (if not, no step is added)
 */
gboolean
pm_mask_history_commit (PmMaskHistory *history,
                        const char    *label,
                        PmRect        *dirty)
{
  Step *step;

  g_return_val_if_fail (history != NULL, FALSE);
  g_return_val_if_fail (history->in_step, FALSE);
  step = step_new (label);
  for (guint i = 0; i < history->touched->len; i++)
    {
      int index = g_array_index (history->touched, int, i);
      PmRect t = tile_rect (history, index);

      step_add_patch (history, step, &t, g_steal_pointer (&history->saved[index]));
    }
  g_array_set_size (history->touched, 0);
  history->in_step = FALSE;
  return finish_step (history, step, dirty);
}

/**
 * pm_mask_history_abort:
 * @history: a history with an open step
 * @dirty: (out) (optional): the rectangle that was restored
 *
 * Closes the open step by putting back every tile it touched; no step is added.
 */
void
pm_mask_history_abort (PmMaskHistory *history,
                       PmRect        *dirty)
{
  PmRect all = { 0, 0, 0, 0 };

  g_return_if_fail (history != NULL);
  g_return_if_fail (history->in_step);
  for (guint i = 0; i < history->touched->len; i++)
    {
      int index = g_array_index (history->touched, int, i);
      PmRect t = tile_rect (history, index);
      PmRect changed = diff_rect (history->mask, &t, history->saved[index]);

      copy_in (history->mask, &t, history->saved[index]);
      pm_rect_union (&all, &changed, &all);
    }
  drop_saved (history);
  history->in_step = FALSE;
  if (dirty != NULL)
    *dirty = all;
}

/**
 * pm_mask_history_replace:
 * @history: a history with no open step
 * @mask: the new mask, same size
 * @label: (nullable): what the step did
 * @dirty: (out) (optional): the bounding box of the pixels that changed
 *
 * Makes the current mask a copy of @mask as one step (storing only the tiles that differ).
 *
 * Returns: whether anything changed (if not, no step is added)
 */
gboolean
pm_mask_history_replace (PmMaskHistory *history,
                         const PmMask  *mask,
                         const char    *label,
                         PmRect        *dirty)
{
  Step *step;
  int n_tiles;

  g_return_val_if_fail (history != NULL && mask != NULL, FALSE);
  g_return_val_if_fail (!history->in_step, FALSE);
  g_return_val_if_fail (mask->width == history->mask->width &&
                        mask->height == history->mask->height, FALSE);

  step = step_new (label);
  n_tiles = history->tiles_x * history->tiles_y;
  for (int index = 0; index < n_tiles; index++)
    {
      PmRect t = tile_rect (history, index);
      const float *next = mask->data + (gsize) t.y * mask->width + t.x;
      PmRect changed = diff_rect_strided (history->mask, &t, next, mask->width);
      float *before;

      if (pm_rect_is_empty (&changed))
        continue;
      before = copy_out (history->mask, &t);
      for (int y = 0; y < t.height; y++)
        memcpy (history->mask->data + (gsize) (t.y + y) * mask->width + t.x,
                next + (gsize) y * mask->width, sizeof (float) * t.width);
      step_add_patch (history, step, &t, before);
    }
  return finish_step (history, step, dirty);
}

/**
 * pm_mask_history_can_undo:
 * @history: a history
 *
 * Returns: whether a step can be undone
 */
gboolean
pm_mask_history_can_undo (PmMaskHistory *history)
{
  g_return_val_if_fail (history != NULL, FALSE);
  return !history->in_step && history->position > 0;
}

/**
 * pm_mask_history_can_redo:
 * @history: a history
 *
 * Returns: whether an undone step can be redone
 */
gboolean
pm_mask_history_can_redo (PmMaskHistory *history)
{
  g_return_val_if_fail (history != NULL, FALSE);
  return !history->in_step && history->position < history->steps->len;
}

static void
apply_step (PmMaskHistory *h,
            Step          *step,
            gboolean       forward,
            PmRect        *dirty)
{
  for (guint i = 0; i < step->patches->len; i++)
    {
      Patch *p = &g_array_index (step->patches, Patch, i);

      copy_in (h->mask, &p->rect, forward ? p->after : p->before);
    }
  if (dirty != NULL)
    *dirty = step->dirty;
}

/**
 * pm_mask_history_undo:
 * @history: a history
 * @dirty: (out) (optional): the bounding box of the pixels that changed
 *
 * Returns: %FALSE if there was nothing to undo (or a step is open)
 */
gboolean
pm_mask_history_undo (PmMaskHistory *history,
                      PmRect        *dirty)
{
  g_return_val_if_fail (history != NULL, FALSE);
  if (!pm_mask_history_can_undo (history))
    return FALSE;
  history->position--;
  apply_step (history, g_ptr_array_index (history->steps, history->position), FALSE, dirty);
  return TRUE;
}

/**
 * pm_mask_history_redo:
 * @history: a history
 * @dirty: (out) (optional): the bounding box of the pixels that changed
 *
 * Returns: %FALSE if there was nothing to redo (or a step is open)
 */
gboolean
pm_mask_history_redo (PmMaskHistory *history,
                      PmRect        *dirty)
{
  g_return_val_if_fail (history != NULL, FALSE);
  if (!pm_mask_history_can_redo (history))
    return FALSE;
  apply_step (history, g_ptr_array_index (history->steps, history->position), TRUE, dirty);
  history->position++;
  return TRUE;
}

/**
 * pm_mask_history_get_n_steps:
 * @history: a history
 *
 * Returns: the number of steps, applied and undone
 */
guint
pm_mask_history_get_n_steps (PmMaskHistory *history)
{
  g_return_val_if_fail (history != NULL, 0);
  return history->steps->len;
}

/**
 * pm_mask_history_get_position:
 * @history: a history
 *
 * Returns: how many steps are applied (0: the mask the history started from)
 */
guint
pm_mask_history_get_position (PmMaskHistory *history)
{
  g_return_val_if_fail (history != NULL, 0);
  return history->position;
}

/**
 * pm_mask_history_get_label:
 * @history: a history
 * @step: a step index, below pm_mask_history_get_n_steps()
 *
 * Returns: (transfer none): the label the step was made with
 */
const char *
pm_mask_history_get_label (PmMaskHistory *history,
                           guint          step)
{
  g_return_val_if_fail (history != NULL, NULL);
  g_return_val_if_fail (step < history->steps->len, NULL);
  return ((Step *) g_ptr_array_index (history->steps, step))->label;
}

/**
 * pm_mask_history_get_size:
 * @history: a history
 *
 * Returns: the bytes held by the steps' pixels
 */
gsize
pm_mask_history_get_size (PmMaskHistory *history)
{
  g_return_val_if_fail (history != NULL, 0);
  return history->size;
}
