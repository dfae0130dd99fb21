/* pm-mask-tools-private.h: PmMaskTools' struct, shared by pm-mask-tools.c (strokes, jobs,
 * status) and pm-mask-tools-sam.c (the SAM engine and background encoding).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-mask-paint.h"
#include "pm-mask-tools.h"

G_BEGIN_DECLS

struct _PmMaskTools
{
  GObject        parent_instance;

  /* borrowed */
  PmCanvas      *canvas;
  PmDocument    *document;

  /* owned */
  GSignalGroup  *canvas_signals;
  GSignalGroup  *document_signals;
  PmBrush        brush;
  gboolean       stroking;
  double         last_x, last_y;
  guint          generation;       /* bumps on every change of the mask or run on screen */
  GCancellable  *job;              /* the refine or operation in a worker, if any */
  GArray        *clicks;           /* of PmClick: the click session */
  PmMask        *click_base;       /* the mask the session refines */
  guint          click_generation; /* the generation after the session's last result */
  gboolean       committing_clicks; /* the session's own result is being applied */
  gboolean       compare;
  PmEngine      *sam;              /* the SAM engine, or NULL for GrabCut */
  gboolean       sam_looked_up;
  char          *sam_failure;      /* the last reason SAM failed that the user was told */
  GCancellable  *encoding;         /* the photo's SAM encoding in the background */
  char          *encoding_key;     /* the fingerprint of the photo it encodes */
  char          *pointer_status;
  double         pointer_x, pointer_y; /* where the pointer was last seen, image pixels */
  gboolean       pointer_inside;
  char          *compare_status;
  guint          compare_idle;
};

/* pm-mask-tools-sam.c */
void pm_mask_tools_look_up_sam  (PmMaskTools *self);
void pm_mask_tools_encode_photo (PmMaskTools *self);

G_END_DECLS
