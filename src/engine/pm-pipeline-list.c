/* pm-pipeline-list.c: the pipeline for lists: several objects, each its own colour, in one
 * edit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "paint the cup blue and the saucer green", "segment the dog, the cat and the ball":
 *   colours   an item's colour is its --color (options' item colours), else the one it
 *             names, else one chosen for it (pm_color_choose(): far in hue from the others
 *             and from the photo's own colours where the object is);
 *   local     the engine runs once per item (each item on its own, pm_instruction_copy_item);
 *             where two items' masks overlap the higher-scoring item keeps the pixels
 *             (pm_masks_make_exclusive(): score = 1 if the engine found the item, 0 if it
 *             guessed, plus its mean soft-mask value over the overlap); colours for items
 *             that name none are then chosen over the objects' regions, and every item is
 *             painted into one edit. The run's label map is the engine's; the one read off
 *             the edit (pm_mask_derive_multi()) is its check (derived_iou per item);
 *   remote    one run with the whole list: one prompt names every item and its colour
 *             (colours for items that name none are chosen over the whole photo, since
 *             where the objects are is not known before the edit); the label map is read
 *             off the edit by colour, as for an edit imported from elsewhere.
 * The run's mask, soft mask and derived mask are the union of the items'; its state is
 * FOUND if any item was found, else GUESS if any was guessed, else EMPTY.
 */
#define G_LOG_DOMAIN "pm-pipeline"

#include "pm-pipeline-private.h"

#include <string.h>
#include "pm-color-choose.h"
#include "pm-derive-multi.h"
#include "pm-edit.h"
#include "pm-maskio.h"
#include "pm-metrics.h"

/* ---------------------------------------------------------------- items */

void
pm_pipeline_result_clear_items (PmPipelineResult *result)
{
  for (guint i = 0; result->items != NULL && i < result->n_items; i++)
    {
      PmPipelineItem *item = &result->items[i];

      g_free (item->color_name);
      g_free (item->message);
      if (result->n_items > 1)
        {
          pm_mask_free (item->mask);
          pm_mask_free (item->soft_mask);
        }
    }
  g_clear_pointer (&result->items, g_free);
  g_clear_pointer (&result->labels, pm_labels_free);
  g_clear_pointer (&result->derived_labels, pm_labels_free);
  result->n_items = 0;
}

void
pm_pipeline_result_set_single_item (PmPipelineResult *result)
{
  PmPipelineItem *item;
  const PmInstruction *ins = result->instruction;

  pm_pipeline_result_clear_items (result);
  result->n_items = 1;
  result->items = item = g_new0 (PmPipelineItem, 1);
  item->instruction = ins;
  item->color = result->color;
  if (ins->has_color && ins->color_name != NULL && ins->color.r == result->color.r &&
      ins->color.g == result->color.g && ins->color.b == result->color.b)
    item->color_name = g_strdup (ins->color_name);
  else
    item->color_name = pm_color_to_hex (result->color);
  item->state = result->state;
  item->mask = result->mask;
  item->soft_mask = result->soft_mask;
  item->mask_pixels = result->mask_pixels;
  item->derived_iou = result->derived_iou;
}

/**
 * pm_pipeline_result_dup_labels:
 * @result: a result
 *
 * Returns: (transfer full): the run's label map (0 = nothing, i + 1 = item i); for a single
 *   object, its mask as label 1
 */
PmLabels *
pm_pipeline_result_dup_labels (const PmPipelineResult *result)
{
  PmLabels *labels;

  g_return_val_if_fail (result != NULL && result->mask != NULL, NULL);
  if (result->labels != NULL)
    return pm_labels_copy (result->labels);
  labels = pm_labels_new (result->mask->width, result->mask->height);
  pm_labels_set_mask (labels, result->mask, 1);
  return labels;
}

/**
 * pm_pipeline_result_take_item:
 * @result: a run of several objects
 * @index: an item
 *
 * Returns: (transfer full): item @index as a single-object result; @result keeps no masks
 *   of that item
 */
PmPipelineResult *
pm_pipeline_result_take_item (PmPipelineResult *result,
                              guint             index)
{
  PmPipelineResult *one;
  PmPipelineItem *item;

  g_return_val_if_fail (result != NULL && result->n_items > 1, NULL);
  g_return_val_if_fail (index < result->n_items, NULL);

  item = &result->items[index];
  one = g_new0 (PmPipelineResult, 1);
  one->instruction = pm_instruction_copy_item (result->instruction, index);
  one->engine = g_strdup (result->engine);
  one->model = g_strdup (result->model);
  one->message = g_strdup (item->message);
  one->color = item->color;
  one->state = item->state;
  one->mask = g_steal_pointer (&item->mask);
  one->soft_mask = g_steal_pointer (&item->soft_mask);
  one->mask_pixels = pm_mask_count (one->mask);
  one->mask_share = (double) one->mask_pixels / ((double) one->mask->width * one->mask->height);
  one->derived_iou = item->derived_iou;
  one->timings = pm_timings_new ();
  pm_timings_append (one->timings, result->timings);
  pm_pipeline_result_set_single_item (one);
  return one;
}

/* The colours given for each item (option, then name); fixed[i] says which are. */
static void
items_init (PmPipelineResult        *result,
            const PmPipelineOptions *options,
            gboolean                *fixed)
{
  guint n = pm_instruction_get_n_items (result->instruction);

  result->n_items = n;
  result->items = g_new0 (PmPipelineItem, n);
  for (guint i = 0; i < n; i++)
    {
      PmPipelineItem *item = &result->items[i];
      const PmInstruction *ins = pm_instruction_get_item (result->instruction, i);

      item->instruction = ins;
      fixed[i] = TRUE;
      if (i < options->n_item_colors || (i == 0 && options->has_color))
        {
          item->color = i < options->n_item_colors ? options->item_colors[i] : options->color;
          item->color_name = pm_color_to_hex (item->color);
        }
      else if (ins->has_color)
        {
          item->color = ins->color;
          item->color_name = g_strdup (ins->color_name);
        }
      else
        fixed[i] = FALSE;
    }
}

/* Colours for the items that have none, over @regions (nullable: the whole photo). */
static void
items_choose_colors (PmPipelineResult     *result,
                     const PmImage        *image,
                     const PmMask * const *regions,
                     const gboolean       *fixed)
{
  guint n = result->n_items;
  g_autofree PmRgb *colors = g_new0 (PmRgb, n);
  g_autofree const char **names = g_new0 (const char *, n);

  for (guint i = 0; i < n; i++)
    colors[i] = result->items[i].color;
  pm_color_choose (image, regions, n, fixed, colors, names);
  for (guint i = 0; i < n; i++)
    if (!fixed[i])
      {
        result->items[i].color = colors[i];
        result->items[i].color_name = g_strdup (names[i]);
        result->items[i].color_chosen = TRUE;
      }
  result->color = result->items[0].color;
}

static PmResultState
overall_state (const PmPipelineResult *result)
{
  gboolean guess = FALSE;

  for (guint i = 0; i < result->n_items; i++)
    if (result->items[i].state == PM_RESULT_FOUND)
      return PM_RESULT_FOUND;
    else if (result->items[i].state == PM_RESULT_GUESS)
      guess = TRUE;
  return guess ? PM_RESULT_GUESS : PM_RESULT_EMPTY;
}

/* The run's masks from the items' (exclusive) masks: the union, the highest alpha, the
 * label map. */
static void
set_union (PmPipelineResult *result,
           const PmImage    *image)
{
  gsize np = (gsize) image->width * image->height;
  PmMask *mask = pm_mask_new (image->width, image->height);

  result->soft_mask = pm_mask_new (image->width, image->height);
  result->labels = pm_labels_new (image->width, image->height);
  for (guint i = 0; i < result->n_items; i++)
    {
      const PmPipelineItem *item = &result->items[i];

      for (gsize p = 0; p < np; p++)
        {
          if (item->mask->data[p] > 0.5f)
            {
              mask->data[p] = 1.0f;
              result->labels->data[p] = (guint8) (i + 1);
            }
          result->soft_mask->data[p] = MAX (result->soft_mask->data[p], item->soft_mask->data[p]);
        }
    }
  pm_pipeline_set_mask (result, mask, overall_state (result));
}

/* "cup: …; saucer: …" from the items' messages, or NULL. */
static char *
join_messages (const PmPipelineResult *result)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < result->n_items; i++)
    if (result->items[i].message != NULL)
      g_string_append_printf (s, "%s%s: %s", s->len > 0 ? "; " : "",
                              result->items[i].instruction->target,
                              result->items[i].message);
  return s->len > 0 ? g_string_free (s, FALSE) : (g_string_free (s, TRUE), NULL);
}

/* ---------------------------------------------------------------- progress */

/* One engine run's progress as a slice [lo, hi] of the engine's share of the bar. */
typedef struct {
  PmProgressMap *map;
  double         lo, hi;
} Slice;

static void
slice_progress_cb (const char *stage,
                   double      fraction,
                   gpointer    user_data)
{
  Slice *s = user_data;
  double f = s->lo + CLAMP (fraction, 0.0, 1.0) * (s->hi - s->lo);

  pm_pipeline_progress (s->map, stage != NULL ? stage : "running engine",
                        PROGRESS_ENGINE_START + f * (PROGRESS_ENGINE_END - PROGRESS_ENGINE_START));
}

/* ---------------------------------------------------------------- reading the edit */

/* Items and run masks read off result->edited by colour (remote engines and imports). */
static gboolean
read_labels (PmPipelineResult *result,
             const PmImage    *image,
             GError          **error)
{
  guint n = result->n_items;
  g_autofree PmRgb *colors = g_new (PmRgb, n);
  g_autoptr(PmDeriveMulti) multi = NULL;

  for (guint i = 0; i < n; i++)
    colors[i] = result->items[i].color;
  multi = pm_mask_derive_multi (image, result->edited, colors, n, NULL, error);
  if (multi == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      PmPipelineItem *item = &result->items[i];

      item->mask = pm_labels_get_mask (multi->labels, (guint8) (i + 1));
      item->soft_mask = g_steal_pointer (&multi->soft[i]);
      pm_mask_quantize (item->soft_mask);
      item->mask_pixels = multi->pixels[i];
      item->state = item->mask_pixels > 0 ? PM_RESULT_FOUND : PM_RESULT_EMPTY;
      item->derived_iou = 1.0;
    }
  set_union (result, image);
  result->derived_mask = pm_mask_copy (result->mask);
  result->derived_iou = 1.0;
  result->derived_labels = g_steal_pointer (&multi->labels);
  result->unassigned_pixels = multi->unassigned_pixels;
  if (result->state == PM_RESULT_EMPTY)
    pm_pipeline_make_empty (result, image);
  return TRUE;
}

/* ---------------------------------------------------------------- local engines */

/* Runs @engine on item @i; its alpha (image size) in *@alpha. */
static gboolean
run_item (PmPipelineResult *result,
          PmEngine         *engine,
          const PmImage    *image,
          guint             i,
          Slice            *slice,
          GCancellable     *cancellable,
          PmMask          **alpha,
          GError          **error)
{
  g_autoptr(PmInstruction) sub = pm_instruction_copy_item (result->instruction, i);
  PmPipelineItem *item = &result->items[i];
  PmEngineResult er = { 0 };

  er.timings = pm_timings_new ();
  if (!pm_engine_run (engine, image, sub, slice_progress_cb, slice, cancellable, &er, error))
    {
      pm_engine_result_clear (&er);
      return FALSE;
    }
  pm_timings_append (result->timings, er.timings);
  if (result->model == NULL)
    result->model = g_steal_pointer (&er.model);
  item->message = g_steal_pointer (&er.message);
  item->state = er.state;
  g_assert (er.soft_mask != NULL);
  if (er.soft_mask->width != image->width || er.soft_mask->height != image->height)
    *alpha = pm_mask_resize (er.soft_mask, image->width, image->height);
  else
    *alpha = g_steal_pointer (&er.soft_mask);
  if (item->state == PM_RESULT_EMPTY)
    memset ((*alpha)->data, 0, sizeof (float) * image->width * image->height);
  pm_engine_result_clear (&er);
  return TRUE;
}

/* The engine's masks made exclusive and painted, each item in its colour. */
static void
paint_items (PmPipelineResult *result,
             const PmImage    *image,
             PmMask          **alphas,
             const gboolean   *fixed)
{
  guint n = result->n_items;
  g_autofree int *ranks = g_new0 (int, n);
  PmImage *edited = pm_image_copy (image);

  for (guint i = 0; i < n; i++)
    ranks[i] = result->items[i].state == PM_RESULT_FOUND;
  pm_masks_make_exclusive (alphas, ranks, n);
  items_choose_colors (result, image, (const PmMask * const *) alphas, fixed);

  for (guint i = 0; i < n; i++)
    {
      PmPipelineItem *item = &result->items[i];

      pm_mask_quantize (alphas[i]);
      item->soft_mask = alphas[i];
      item->mask = pm_mask_threshold (alphas[i], 0.5f);
      item->mask_pixels = pm_mask_count (item->mask);
      if (item->mask_pixels == 0)
        item->state = PM_RESULT_EMPTY;
      else
        {
          PmImage *next = pm_edit_recolor (edited, alphas[i], item->color, NULL);
          pm_image_free (edited);
          edited = next;
        }
    }
  result->edited = edited;
  set_union (result, image);
  result->message = join_messages (result);
}

/* The label map read off the edit, as a check of the engine's. */
static gboolean
derive_check (PmPipelineResult *result,
              const PmImage    *image,
              GError          **error)
{
  guint n = result->n_items;
  g_autofree PmRgb *colors = g_new (PmRgb, n);
  g_autoptr(PmDeriveMulti) multi = NULL;

  if (result->state == PM_RESULT_EMPTY)
    {
      pm_pipeline_make_empty (result, image);
      result->derived_labels = pm_labels_new (image->width, image->height);
      return TRUE;
    }
  for (guint i = 0; i < n; i++)
    colors[i] = result->items[i].color;
  multi = pm_mask_derive_multi (image, result->edited, colors, n, NULL, error);
  if (multi == NULL)
    return FALSE;
  result->derived_mask = pm_mask_new (image->width, image->height);
  for (gsize p = 0; p < (gsize) image->width * image->height; p++)
    result->derived_mask->data[p] = multi->labels->data[p] != 0 ? 1.0f : 0.0f;
  result->derived_iou = pm_mask_iou (result->derived_mask, result->mask, NULL, NULL);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PmMask) label = pm_labels_get_mask (multi->labels, (guint8) (i + 1));
      result->items[i].derived_iou = pm_mask_iou (label, result->items[i].mask, NULL, NULL);
    }
  result->derived_labels = g_steal_pointer (&multi->labels);
  result->unassigned_pixels = multi->unassigned_pixels;
  return TRUE;
}

static gboolean
run_local (PmPipelineResult *result,
           PmEngine         *engine,
           const PmImage    *image,
           const gboolean   *fixed,
           PmProgressMap    *map,
           GCancellable     *cancellable,
           GError          **error)
{
  guint n = result->n_items;
  PmMask **alphas = g_new0 (PmMask *, n);
  gboolean ok = TRUE;
  double t;

  for (guint i = 0; i < n && ok; i++)
    {
      Slice slice = { map, (double) i / n, (double) (i + 1) / n };

      ok = run_item (result, engine, image, i, &slice, cancellable, &alphas[i], error) &&
           !g_cancellable_set_error_if_cancelled (cancellable, error);
    }
  if (!ok)
    {
      for (guint i = 0; i < n; i++)
        pm_mask_free (alphas[i]);
      g_free (alphas);
      return FALSE;
    }

  pm_pipeline_progress (map, "painting", PROGRESS_ENGINE_END);
  t = pm_now_ms ();
  paint_items (result, image, alphas, fixed);   /* takes the alphas */
  g_free (alphas);
  pm_timings_add (result->timings, "edit", pm_now_ms () - t);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  pm_pipeline_progress (map, "deriving mask", PROGRESS_PAINT_END);
  t = pm_now_ms ();
  if (!derive_check (result, image, error))
    return FALSE;
  pm_timings_add (result->timings, "derive", pm_now_ms () - t);
  return TRUE;
}

/* ---------------------------------------------------------------- remote engines */

/* The whole list with every item's colour, for the prompt. */
static PmInstruction *
list_instruction (const PmPipelineResult *result)
{
  PmInstruction *ins = pm_instruction_copy (result->instruction);

  for (guint i = 0; i < result->n_items; i++)
    {
      PmInstruction *item = (PmInstruction *) pm_instruction_get_item (ins, i);

      item->has_color = TRUE;
      item->color = result->items[i].color;
      g_free (item->color_name);
      item->color_name = g_strdup (result->items[i].color_name);
    }
  return ins;
}

static gboolean
run_remote (PmPipelineResult *result,
            PmEngine         *engine,
            const PmImage    *image,
            const gboolean   *fixed,
            PmProgressMap    *map,
            GCancellable     *cancellable,
            GError          **error)
{
  g_autoptr(PmInstruction) ins = NULL;
  PmEngineResult er = { 0 };
  Slice slice = { map, 0.0, 1.0 };
  double t;

  items_choose_colors (result, image, NULL, fixed);
  ins = list_instruction (result);
  er.timings = pm_timings_new ();
  if (!pm_engine_run (engine, image, ins, slice_progress_cb, &slice, cancellable, &er, error))
    {
      pm_engine_result_clear (&er);
      return FALSE;
    }
  pm_timings_append (result->timings, er.timings);
  result->model = g_steal_pointer (&er.model);
  result->message = g_steal_pointer (&er.message);
  g_assert (er.edited != NULL);
  if (er.edited->width != image->width || er.edited->height != image->height)
    result->edited = pm_image_resize (er.edited, image->width, image->height);
  else
    result->edited = g_steal_pointer (&er.edited);
  pm_engine_result_clear (&er);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  pm_pipeline_progress (map, "deriving mask", PROGRESS_PAINT_END);
  t = pm_now_ms ();
  if (!read_labels (result, image, error))
    return FALSE;
  pm_timings_add (result->timings, "derive", pm_now_ms () - t);
  return TRUE;
}

/* ---------------------------------------------------------------- entry points */

/**
 * pm_pipeline_run_list:
 *
 * pm_pipeline_run() for an instruction of several items (see the top of this file).
 */
gboolean
pm_pipeline_run_list (PmPipelineResult        *result,
                      PmEngine                *engine,
                      const PmImage           *image,
                      const PmPipelineOptions *options,
                      PmProgressMap           *map,
                      GCancellable            *cancellable,
                      GError                 **error)
{
  g_autofree gboolean *fixed = g_new0 (gboolean, pm_instruction_get_n_items (result->instruction));

  items_init (result, options, fixed);
  pm_pipeline_progress (map, "running engine", PROGRESS_ENGINE_START);
  if (pm_engine_paints_lists (engine))
    return run_remote (result, engine, image, fixed, map, cancellable, error);
  return run_local (result, engine, image, fixed, map, cancellable, error);
}

/**
 * pm_pipeline_import_list:
 *
 * pm_pipeline_import() for an instruction of several items: every item needs a colour.
 */
gboolean
pm_pipeline_import_list (PmPipelineResult        *result,
                         const PmImage           *image,
                         const PmPipelineOptions *options,
                         GError                 **error)
{
  g_autofree gboolean *fixed = g_new0 (gboolean, pm_instruction_get_n_items (result->instruction));

  items_init (result, options, fixed);
  for (guint i = 0; i < result->n_items; i++)
    if (!fixed[i])
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "Item %u (“%s”) names no colour: an edit's objects are told apart by "
                     "their colours", i + 1, result->items[i].instruction->target);
        return FALSE;
      }
  result->color = result->items[0].color;
  return read_labels (result, image, error);
}
