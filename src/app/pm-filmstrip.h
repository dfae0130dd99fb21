/* pm-filmstrip.h: the images of a dataset project as a recycling list with previews and
 * status, filters by status and label, and the background drafting's controls (a
 * PmDraftBar, pm-draft-bar.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include "pm-project.h"
#include "pm-thumbnailer.h"

G_BEGIN_DECLS

#define PM_TYPE_FILMSTRIP (pm_filmstrip_get_type ())
G_DECLARE_FINAL_TYPE (PmFilmstrip, pm_filmstrip, PM, FILMSTRIP, GtkWidget)

GtkWidget     *pm_filmstrip_new              (void);
void           pm_filmstrip_set_project      (PmFilmstrip   *self,
                                              PmProject     *project);
PmProject     *pm_filmstrip_get_project      (PmFilmstrip   *self);
const char    *pm_filmstrip_get_counts_text  (PmFilmstrip   *self);
PmProjectItem *pm_filmstrip_get_selected     (PmFilmstrip   *self);
guint          pm_filmstrip_get_position     (PmFilmstrip   *self);
/* Selects the item @step rows away in the filtered list; FALSE at either end. */
gboolean       pm_filmstrip_step             (PmFilmstrip   *self,
                                              int            step);
PmProjectItem *pm_filmstrip_peek             (PmFilmstrip   *self,
                                              int            step);
/* The label the review shows (0-based position), and how many the project has. */
guint          pm_filmstrip_get_label        (PmFilmstrip   *self);
gboolean       pm_filmstrip_set_label        (PmFilmstrip   *self,
                                              guint          position);
/* Filters: PM_IMAGE_STATUS_FLAG bits (0 = all) and a label position (-1 = all). */
void           pm_filmstrip_set_filter       (PmFilmstrip   *self,
                                              guint          status_flags,
                                              int            label);
GtkListView   *pm_filmstrip_get_list_view    (PmFilmstrip   *self);
PmThumbnailer *pm_filmstrip_get_thumbnailer  (PmFilmstrip   *self);

G_END_DECLS
