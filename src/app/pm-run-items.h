/* pm-run-items.h: the objects of the run on screen, when it painted several (“paint the cup
 * blue and the saucer green”): each object's name, colour, state and mask, and which one is
 * selected. No widgets.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-document.h"

G_BEGIN_DECLS

#define PM_TYPE_RUN_ITEMS (pm_run_items_get_type ())
G_DECLARE_FINAL_TYPE (PmRunItems, pm_run_items, PM, RUN_ITEMS, GObject)

typedef struct {
  char          *target;
  char          *color_name;
  PmRgb          color;
  PmResultState  state;
  gint64         pixels;
  PmMask        *mask;       /* the object's newest mask (its latest correction, if any) */
  PmMask        *base;       /* the mask the run painted it with */
  PmMask        *soft;       /* nullable: the alpha the run painted it with */
} PmRunItem;

PmRunItems      *pm_run_items_new          (PmDocument  *document);
/* 0 when the run on screen painted one object (or none is on screen). */
guint            pm_run_items_get_n_items  (PmRunItems  *self);
const PmRunItem *pm_run_items_get_item     (PmRunItems  *self,
                                            guint        index);
gint64           pm_run_items_get_run_id   (PmRunItems  *self);
/* -1: none. */
int              pm_run_items_get_selected (PmRunItems  *self);
void             pm_run_items_set_selected (PmRunItems  *self,
                                            int          index);

G_END_DECLS
