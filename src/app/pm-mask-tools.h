/* pm-mask-tools.h: the mask correction tools: what the canvas's tools report, applied to
 * the document's mask as corrections (one undo step each).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include "pm-canvas.h"
#include "pm-document.h"
#include "pm-engine.h"
#include "pm-mask-ops.h"

G_BEGIN_DECLS

#define PM_TYPE_MASK_TOOLS (pm_mask_tools_get_type ())
G_DECLARE_FINAL_TYPE (PmMaskTools, pm_mask_tools, PM, MASK_TOOLS, GObject)

/* Connects to @canvas's tool signals and applies them to @document's mask. Both are borrowed:
 * call pm_mask_tools_detach() before either goes. */
PmMaskTools *pm_mask_tools_new              (PmCanvas       *canvas,
                                             PmDocument     *document);
void         pm_mask_tools_detach           (PmMaskTools    *self);

/* A whole-mask operation as one correction (in a worker; GrabCut and large morphology take
 * a moment on a big photo). @amount: the radius or island size where it has one. */
void         pm_mask_tools_apply_op         (PmMaskTools    *self,
                                             PmMaskOpKind    kind,
                                             int             amount);
gboolean     pm_mask_tools_get_working      (PmMaskTools    *self);
/* The box and the clicks go to this SAM engine (GrabCut if NULL or if it fails); by default
 * the installed SAM model, looked up when the box or click tool is first picked. */
void         pm_mask_tools_set_sam          (PmMaskTools    *self,
                                             PmEngine       *sam);
gboolean     pm_mask_tools_has_sam          (PmMaskTools    *self);
PmEngine    *pm_mask_tools_get_sam          (PmMaskTools    *self);

/* Shows the run's own mask (what the engine found) as a second contour, and the IoU of the
 * mask on screen with it in ::compare-status. */
void         pm_mask_tools_set_compare      (PmMaskTools    *self,
                                             gboolean        compare);
gboolean     pm_mask_tools_get_compare      (PmMaskTools    *self);
/* "x 120 y 45 · RGB 200 180 40 · mask 1.00", or "" when the pointer is off the photo. */
const char  *pm_mask_tools_get_pointer_status (PmMaskTools  *self);
/* "IoU 0.953 with the engine's mask", or "" when not comparing. */
const char  *pm_mask_tools_get_compare_status (PmMaskTools  *self);

G_END_DECLS
