/* pm-mask-ops.h: whole-mask corrections (fill holes, remove islands, grow, shrink, invert,
 * clear, GrabCut box refine), one value type for them, and their names.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The app's mask menu and `paintmask mask` both apply a PmMaskOp with pm_mask_op_apply(), so
 * they give the same pixels. Fill holes, remove islands, grow and shrink work on the binary
 * mask (> 0.5) and give a binary one; invert keeps soft values (1 − m, on the 8-bit levels
 * when the mask is); clear gives an empty mask.
 */
#pragma once

#include <gio/gio.h>
#include "pm-grabcut.h"
#include "pm-image.h"
#include "pm-mask-region.h"

G_BEGIN_DECLS

typedef enum {
  PM_MASK_OP_FILL_HOLES,      /* background regions not connected to the border */
  PM_MASK_OP_REMOVE_ISLANDS,  /* 8-connected components of fewer than amount pixels */
  PM_MASK_OP_GROW,            /* dilate by a disk of radius amount */
  PM_MASK_OP_SHRINK,          /* erode by a disk of radius amount */
  PM_MASK_OP_INVERT,
  PM_MASK_OP_CLEAR,
  PM_MASK_OP_GRABCUT_BOX,     /* GrabCut inside box (needs the image); outside unchanged */
} PmMaskOpKind;

typedef struct {
  PmMaskOpKind kind;
  int          amount;        /* pixels: the radius, or the island size */
  PmRect       box;           /* PM_MASK_OP_GRABCUT_BOX */
} PmMaskOp;

/* "fill-holes", "remove-islands", "grow", "shrink", "invert", "clear", "grabcut-box". */
const char *pm_mask_op_kind_to_string (PmMaskOpKind     kind);
/* What the history shows and the store keeps: "grow 3", "grabcut-box 10,20,110,90". */
char       *pm_mask_op_describe       (const PmMaskOp  *op);
/* Applies @op to @mask in place. @image (same size) is needed by the GrabCut box only, as
 * are @params (nullable: the defaults). */
gboolean    pm_mask_op_apply          (PmMask          *mask,
                                       const PmMaskOp  *op,
                                       const PmImage   *image,
                                       const PmGrabcutParams *params,
                                       GCancellable    *cancellable,
                                       GError         **error);

void        pm_mask_invert            (PmMask          *mask);
void        pm_mask_clear             (PmMask          *mask);

G_END_DECLS
