/* pm-mask-refine.h: GrabCut corrections of an existing mask: refine inside a box, or from
 * foreground/background clicks (the click tool's fallback when no SAM model is installed).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include "pm-grabcut.h"
#include "pm-image.h"
#include "pm-mask-region.h"

G_BEGIN_DECLS

typedef struct {
  double   x, y;         /* image pixels */
  gboolean foreground;   /* TRUE: this belongs to the object; FALSE: it does not */
} PmClick;

/* GrabCut inside @box (clipped to the image; empty is an error), initialised from @mask
 * there when it holds some of the box, else from the box alone. Outside @box the result
 * equals @mask. @dirty (optional) gets the rectangle that may differ. */
PmMask  *pm_mask_refine_box     (const PmImage          *image,
                                 const PmMask           *mask,
                                 const PmRect           *box,
                                 const PmGrabcutParams  *params,
                                 PmRect                 *dirty,
                                 GCancellable           *cancellable,
                                 GError                **error);
/* GrabCut around the mask and the foreground clicks: each click is a small disk of sure
 * foreground or background, the mask seeds the rest. Outside the region worked on (the
 * rectangle @dirty gets) the result equals @mask. Clicks outside the image are ignored. */
PmMask  *pm_mask_refine_clicks  (const PmImage          *image,
                                 const PmMask           *mask,
                                 const PmClick          *clicks,
                                 gsize                   n_clicks,
                                 const PmGrabcutParams  *params,
                                 PmRect                 *dirty,
                                 GCancellable           *cancellable,
                                 GError                **error);

G_END_DECLS
