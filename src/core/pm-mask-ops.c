/* pm-mask-ops.c: whole-mask corrections and their names.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The morphology itself is in pm-morph.c (exact Euclidean disks through a distance
 * transform, so grow and shrink cost the same at any radius) and GrabCut in
 * pm-grabcut.c / pm-mask-refine.c; this file gives them one vocabulary.
 */
#define G_LOG_DOMAIN "pm-mask-ops"

#include "pm-mask-ops.h"
#include "pm-mask-refine.h"
#include "pm-morph.h"

#include <math.h>
#include <string.h>

static const char * const op_names[] = {
  [PM_MASK_OP_FILL_HOLES] = "fill-holes",
  [PM_MASK_OP_REMOVE_ISLANDS] = "remove-islands",
  [PM_MASK_OP_GROW] = "grow",
  [PM_MASK_OP_SHRINK] = "shrink",
  [PM_MASK_OP_INVERT] = "invert",
  [PM_MASK_OP_CLEAR] = "clear",
  [PM_MASK_OP_GRABCUT_BOX] = "grabcut-box",
};

/**
 * pm_mask_op_kind_to_string:
 * @kind: an operation
 *
 * Returns: its name as the command line spells it ("fill-holes", "grow", …)
 */
const char *
pm_mask_op_kind_to_string (PmMaskOpKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (op_names), NULL);
  return op_names[kind];
}

/**
 * pm_mask_op_describe:
 * @op: an operation
 *
 * Returns: (transfer full): the operation with its parameter, as the command line takes it:
 *   "grow 3", "remove-islands 50", "grabcut-box 10,20,110,90" (corners, right and bottom
 *   exclusive), "invert"
 */
char *
pm_mask_op_describe (const PmMaskOp *op)
{
  const char *name;

  g_return_val_if_fail (op != NULL, NULL);
  name = pm_mask_op_kind_to_string (op->kind);
  switch (op->kind)
    {
    case PM_MASK_OP_REMOVE_ISLANDS:
    case PM_MASK_OP_GROW:
    case PM_MASK_OP_SHRINK:
      return g_strdup_printf ("%s %d", name, op->amount);
    case PM_MASK_OP_GRABCUT_BOX:
      return g_strdup_printf ("%s %d,%d,%d,%d", name, op->box.x, op->box.y,
                              op->box.x + op->box.width, op->box.y + op->box.height);
    case PM_MASK_OP_FILL_HOLES:
    case PM_MASK_OP_INVERT:
    case PM_MASK_OP_CLEAR:
    default:
      return g_strdup (name);
    }
}

/**
 * pm_mask_invert:
 * @mask: a mask, changed in place
 *
 * 1 − m for every value; values on the 8-bit levels k / 255 go to (255 − k) / 255, so
 * inverting twice gives the same bits back.
 */
void
pm_mask_invert (PmMask *mask)
{
  gsize n;

  g_return_if_fail (mask != NULL);
  n = (gsize) mask->width * mask->height;
  for (gsize i = 0; i < n; i++)
    {
      float v = mask->data[i];
      long level = lrintf (v * 255.0f);

      if (v >= 0.0f && v <= 1.0f && (float) level / 255.0f == v)
        mask->data[i] = (float) (255 - level) / 255.0f;
      else
        mask->data[i] = 1.0f - v;
    }
}

/**
 * pm_mask_clear:
 * @mask: a mask, set to 0 everywhere
 */
void
pm_mask_clear (PmMask *mask)
{
  g_return_if_fail (mask != NULL);
  memset (mask->data, 0, sizeof (float) * mask->width * mask->height);
}

/* The binary ops leave soft values (a soft brush's edge) on one side of 0.5. */
static void
binarize (PmMask *mask)
{
  gsize n = (gsize) mask->width * mask->height;

  for (gsize i = 0; i < n; i++)
    mask->data[i] = mask->data[i] > 0.5f ? 1.0f : 0.0f;
}

static gboolean
apply_grabcut_box (PmMask                 *mask,
                   const PmMaskOp         *op,
                   const PmImage          *image,
                   const PmGrabcutParams  *params,
                   GCancellable           *cancellable,
                   GError                **error)
{
  g_autoptr(PmMask) refined = NULL;

  if (image == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "grabcut-box needs the photo the mask belongs to");
      return FALSE;
    }
  if (image->width != mask->width || image->height != mask->height)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_SIZE,
                   "grabcut-box: the photo is %d×%d but the mask is %d×%d",
                   image->width, image->height, mask->width, mask->height);
      return FALSE;
    }
  refined = pm_mask_refine_box (image, mask, &op->box, params, NULL, cancellable, error);
  if (refined == NULL)
    return FALSE;
  memcpy (mask->data, refined->data, sizeof (float) * mask->width * mask->height);
  return TRUE;
}

/**
 * pm_mask_op_apply:
 * @mask: the mask, changed in place
 * @op: the operation
 * @image: (nullable): the photo, same size as @mask; only %PM_MASK_OP_GRABCUT_BOX needs it
 * @params: (nullable): GrabCut parameters (progress included), %NULL for the defaults
 * @cancellable: (nullable): for GrabCut
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success; %FALSE with @error (a missing or mismatched image, a box
 *   outside the mask, cancelled) leaves @mask as it was
 */
gboolean
pm_mask_op_apply (PmMask                 *mask,
                  const PmMaskOp         *op,
                  const PmImage          *image,
                  const PmGrabcutParams  *params,
                  GCancellable           *cancellable,
                  GError                **error)
{
  g_return_val_if_fail (mask != NULL && op != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  switch (op->kind)
    {
    case PM_MASK_OP_FILL_HOLES:
      pm_morph_fill_holes (mask);
      return TRUE;
    case PM_MASK_OP_REMOVE_ISLANDS:
      binarize (mask);
      pm_morph_remove_small (mask, op->amount);
      return TRUE;
    case PM_MASK_OP_GROW:
      binarize (mask);
      pm_morph_dilate (mask, op->amount);
      return TRUE;
    case PM_MASK_OP_SHRINK:
      binarize (mask);
      pm_morph_erode (mask, op->amount);
      return TRUE;
    case PM_MASK_OP_INVERT:
      pm_mask_invert (mask);
      return TRUE;
    case PM_MASK_OP_CLEAR:
      pm_mask_clear (mask);
      return TRUE;
    case PM_MASK_OP_GRABCUT_BOX:
      return apply_grabcut_box (mask, op, image, params, cancellable, error);
    default:
      g_return_val_if_reached (FALSE);
    }
}
