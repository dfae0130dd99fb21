/* pm-document.h: the work on one photo: its runs, the mask of each as a chain of revisions,
 * undo and redo across runs and corrections, and saving to the history. No widgets.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PmDocument is the model the window, the canvas and the history panel observe (the
 * pattern of gnome-text-editor's EditorDocument). It uses GIO only and never calls a view:
 * views connect to its signals and property notifications and call its methods.
 *
 * The timeline is the list of runs that can be stepped through; each run (PmRunEntry) has
 * its derived mask and, on top, the hand corrections made to it. Undo and redo walk one
 * linear history: back through the corrections of the run on screen, then to the run before
 * it (shown with all its corrections), and so on. A new run or correction drops whatever
 * could be redone, as in any editor; the history store keeps everything.
 *
 * Mask corrections (for the tools, which live in src/core):
 *
 *   pm_document_begin_correction (doc, _("Brush"));
 *   mask = pm_document_get_working_mask (doc);      // a private copy, writable
 *   … write pixels of mask inside rect …
 *   pm_document_mark_dirty (doc, &rect);            // emits ::mask-changed (rect)
 *   … more dabs …
 *   pm_document_commit_correction (doc);            // one undo step, stored in the history
 *
 * or pm_document_apply_mask_patch() (a rect-sized patch) and
 * pm_document_replace_working_mask() (a whole new mask, e.g. from "fill holes") instead of
 * writing into the working mask. pm_document_cancel_correction() puts the mask back. A
 * one-shot operation is begin + replace + commit. The working mask exists only between
 * begin and commit/cancel; pm_document_get_mask() stays the committed revision meanwhile.
 */
#pragma once

#include <gio/gio.h>
#include "pm-app-store.h"
#include "pm-engines.h"
#include "pm-pipeline.h"
#include "pm-run-entry.h"

G_BEGIN_DECLS

#define PM_TYPE_DOCUMENT (pm_document_get_type ())
G_DECLARE_FINAL_TYPE (PmDocument, pm_document, PM, DOCUMENT, GObject)

PmDocument    *pm_document_new                (PmAppStore          *store);
PmAppStore    *pm_document_get_store          (PmDocument          *self);
void           pm_document_set_store          (PmDocument          *self,
                                               PmAppStore          *store);

/* ---------------------------------------------------------------- the photo */

void           pm_document_load_file          (PmDocument          *self,
                                               GFile               *file);
void           pm_document_load_file_async    (PmDocument          *self,
                                               GFile               *file,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean       pm_document_load_file_finish   (PmDocument          *self,
                                               GAsyncResult        *result,
                                               GError             **error);
void           pm_document_cancel_load        (PmDocument          *self);
void           pm_document_set_image          (PmDocument          *self,
                                               PmImage             *image,
                                               const char          *path,
                                               const char          *title);
PmPhoto       *pm_document_get_photo          (PmDocument          *self);
const PmImage *pm_document_get_image          (PmDocument          *self);
const char    *pm_document_get_title          (PmDocument          *self);
gint64         pm_document_get_session_id     (PmDocument          *self);

/* ---------------------------------------------------------------- runs */

gboolean       pm_document_run                (PmDocument          *self,
                                               const char          *instruction,
                                               PmEngineRequest     *engine,
                                               const PmPipelineOptions *options,
                                               GError             **error);
void           pm_document_cancel_run         (PmDocument          *self);
gboolean       pm_document_get_running        (PmDocument          *self);
const char    *pm_document_get_running_instruction (PmDocument     *self);
const char    *pm_document_get_stage          (PmDocument          *self);
double         pm_document_get_fraction       (PmDocument          *self);
gboolean       pm_document_get_start_from_original (PmDocument     *self);
void           pm_document_set_start_from_original (PmDocument     *self,
                                               gboolean             from_original);
void           pm_document_import_edited      (PmDocument          *self,
                                               GFile               *file);

/* ---------------------------------------------------------------- what is on screen */

PmRunEntry    *pm_document_get_current        (PmDocument          *self);
const PmImage *pm_document_get_edited         (PmDocument          *self);
const PmMask  *pm_document_get_mask           (PmDocument          *self);
gint64         pm_document_get_run_id         (PmDocument          *self);
int            pm_document_get_position       (PmDocument          *self);
guint          pm_document_get_n_runs         (PmDocument          *self);
PmRunEntry    *pm_document_get_run            (PmDocument          *self,
                                               guint                index);

/* ---------------------------------------------------------------- undo */

gboolean       pm_document_get_can_undo       (PmDocument          *self);
gboolean       pm_document_get_can_redo       (PmDocument          *self);
void           pm_document_undo               (PmDocument          *self);
void           pm_document_redo               (PmDocument          *self);

/* ---------------------------------------------------------------- corrections */

gboolean       pm_document_begin_correction   (PmDocument          *self,
                                               const char          *label);
gboolean       pm_document_get_correcting     (PmDocument          *self);
PmMask        *pm_document_get_working_mask   (PmDocument          *self);
void           pm_document_mark_dirty         (PmDocument          *self,
                                               const PmRect        *rect);
void           pm_document_apply_mask_patch   (PmDocument          *self,
                                               const PmMask        *patch,
                                               int                  x,
                                               int                  y);
void           pm_document_replace_working_mask (PmDocument        *self,
                                               PmMask              *mask,
                                               const PmRect        *rect);
gboolean       pm_document_commit_correction  (PmDocument          *self);
void           pm_document_cancel_correction  (PmDocument          *self);
/* What is on screen: the working mask while correcting, else the current revision of what
 * corrections act on (the run, or the object picked: pm_document_set_correction_target());
 * and the run's edit as it goes with the corrections (their parts painted again). */
const PmMask  *pm_document_get_shown_mask     (PmDocument          *self);
const PmImage *pm_document_get_shown_edit     (PmDocument          *self);

/* Runs of several objects (pm-document-items.c): corrections, undo and redo act on
 * @item_entry (an entry made for one object of the run on screen, PmRunEntry.item > 0)
 * instead of the run's mask; NULL goes back to the run. Showing another run drops it.
 * Every object added (the target is) has its corrections painted over the run's edit. */
void           pm_document_add_item_entry     (PmDocument          *self,
                                               PmRunEntry          *item_entry);
void           pm_document_set_correction_target (PmDocument       *self,
                                               PmRunEntry          *item_entry);
PmRunEntry    *pm_document_get_correction_entry (PmDocument        *self);
PmMask        *pm_document_get_items_mask     (PmDocument          *self);

/* ---------------------------------------------------------------- the history */

void           pm_document_restore_run        (PmDocument          *self,
                                               gint64               run_id);
void           pm_document_open_session_file  (PmDocument          *self,
                                               GFile               *file);
void           pm_document_export_session_async (PmDocument        *self,
                                               const char          *path,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean       pm_document_export_session_finish (PmDocument       *self,
                                               GAsyncResult        *result,
                                               GError             **error);
char          *pm_document_get_stem           (PmDocument          *self);
char         **pm_document_get_export_paths   (PmDocument          *self,
                                               const char          *folder);
void           pm_document_export_async       (PmDocument          *self,
                                               const char          *folder,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean       pm_document_export_finish      (PmDocument          *self,
                                               GAsyncResult        *result,
                                               GError             **error);
void           pm_document_delete_run         (PmDocument          *self,
                                               gint64               run_id);
void           pm_document_delete_session     (PmDocument          *self,
                                               gint64               session_id);

/* ---------------------------------------------------------------- state */

gboolean       pm_document_get_busy           (PmDocument          *self);
gboolean       pm_document_get_saving         (PmDocument          *self);

G_END_DECLS
