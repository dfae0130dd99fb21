/* pm-project-private.h: PmProject's struct, shared by pm-project.c and its background batch
 * (pm-project-batch.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-project.h"

G_BEGIN_DECLS

struct _PmProject
{
  GObject                 parent_instance;

  /* owned */
  PmAppStore             *store;
  char                   *root;
  gint64                  id;
  GListStore             *items;
  GHashTable             *by_id;        /* image id → PmProjectItem (borrowed from items) */
  GPtrArray              *labels;       /* of PmLabelInfo */
  gboolean                refreshing;
  gboolean                refresh_again;

  /* the background batch */
  PmDatasetBatchControl  *control;      /* non-NULL while one runs */
  guint                   batch_done;
  guint                   batch_total;
};

void pm_project_emit_batch_changed  (PmProject  *self);
void pm_project_emit_batch_finished (PmProject  *self,
                                     const char *summary);

G_END_DECLS
