/* pm-run-entry.h: what a document holds: the photo, and per run its result and the chain
 * of mask revisions (derived mask → each hand correction) with undo and redo.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No widgets (GLib only). PmPhoto and PmRunEntry are atomic rc boxes shared with workers:
 * their pixels never change once set, so workers and views may read them without locks.
 * A mask correction never writes into a mask a view may hold: each revision's mask is a
 * new PmSharedMask; undo and redo rebuild it from the dirty rectangle's pixels before and
 * after, so a long chain of corrections costs two small patches each, not a full mask.
 */
#pragma once

#include <glib-object.h>
#include "pm-color.h"
#include "pm-engine.h"
#include "pm-image.h"
#include "pm-mask-region.h"

G_BEGIN_DECLS

/* ---------------------------------------------------------------- photo */

typedef struct {
  PmImage *image;
  char    *path;       /* NULL for pasted photos */
  char    *title;
  gint64   session_id; /* in the history; 0 = not known yet (main thread only) */
  char    *fingerprint;/* pm_photo_get_fingerprint ()'s, made on first use (atomic) */
} PmPhoto;

#define PM_TYPE_PHOTO (pm_photo_get_type ())
GType       pm_photo_get_type            (void) G_GNUC_CONST;
PmPhoto    *pm_photo_new                 (PmImage        *image,
                                          const char     *path,
                                          const char     *title);
PmPhoto    *pm_photo_ref                 (PmPhoto        *photo);
void        pm_photo_unref               (PmPhoto        *photo);
const char *pm_photo_get_fingerprint     (PmPhoto        *photo);

/* ---------------------------------------------------------------- shared masks */

/* One revision's mask pixels (atomic rc box); never written once made. */
typedef struct {
  PmMask *mask;
} PmSharedMask;

PmSharedMask *pm_shared_mask_new         (PmMask         *mask);
PmSharedMask *pm_shared_mask_ref         (PmSharedMask   *shared);
void        pm_shared_mask_unref         (PmSharedMask   *shared);

/* ---------------------------------------------------------------- runs */

/* One correction: the dirty rectangle's mask pixels before and after (atomic rc box). */
typedef struct {
  PmRect  rect;
  PmMask *before;
  PmMask *after;
  char   *label;             /* "Brush", "Fill Holes", … */
  gint64  artifact_id;       /* its corrected_mask artifact; 0 until stored (main thread) */
  gint64  store_artifact_id; /* the same, written and read by the store thread only */
} PmRevision;

PmRevision *pm_revision_new_between      (const PmMask   *before,
                                          const PmMask   *after,
                                          const char     *label,
                                          gint64          artifact_id);
PmRevision *pm_revision_ref              (PmRevision     *revision);
void        pm_revision_unref            (PmRevision     *revision);

/* One run of the timeline. Views read the fields; the document writes them, on the main
 * thread, except store_run_id (the store thread's). */
typedef struct {
  gint64         run_id;        /* 0 until recorded */
  gint64         store_run_id;  /* the same, written and read by the store thread only */
  char          *instruction;
  char          *engine;
  char          *message;       /* the engine's explanation, or NULL */
  PmResultState  state;
  PmImage       *edited;        /* NULL while not loaded from the history */
  PmMask        *base;          /* the run's mask (0/1), revision 0: what the engine found,
                                 * or the derived mask (remote engines, imports) */
  PmMask        *soft_mask;     /* the edit's alpha; may be NULL */
  PmSharedMask  *mask;          /* the current revision; NULL while not loaded */
  GPtrArray     *revisions;     /* of PmRevision, oldest first */
  guint          n_applied;     /* revisions [0, n_applied) make up @mask */
  int            item;          /* 0: a run; else an object (1, 2, …) of a run of several,
                                 * an entry of its own whose mask is that object's
                                 * (pm_document_set_correction_target()) */
  PmRgb          color;         /* the paint colour (the highlight colour if none was kept);
                                 * a corrected mask's edit is painted in it */
  float          lightness;     /* the edit's reference lightness (pm_edit_region_lightness);
                                 * < 0 until computed (main thread) */
} PmRunEntry;

#define PM_TYPE_RUN_ENTRY (pm_run_entry_get_type ())
GType       pm_run_entry_get_type        (void) G_GNUC_CONST;
PmRunEntry *pm_run_entry_new             (const char     *instruction,
                                          const char     *engine);
PmRunEntry *pm_run_entry_ref             (PmRunEntry     *entry);
void        pm_run_entry_unref           (PmRunEntry     *entry);
gboolean    pm_run_entry_is_loaded       (PmRunEntry     *entry);
/* Takes the three; @mask is the current revision (a stored correction), or NULL for @base. */
void        pm_run_entry_set_result      (PmRunEntry     *entry,
                                          PmImage        *edited,
                                          PmMask         *base,
                                          PmMask         *soft_mask,
                                          PmMask         *mask);
const PmMask *pm_run_entry_get_mask      (PmRunEntry     *entry);
gint64      pm_run_entry_get_mask_area   (PmRunEntry     *entry);

/* The revision chain. */
void        pm_run_entry_set_revisions   (PmRunEntry     *entry,
                                          GPtrArray      *revisions);
PmRevision *pm_run_entry_push_revision   (PmRunEntry     *entry,
                                          PmMask         *mask,
                                          const PmRect   *rect,
                                          const char     *label);
gboolean    pm_run_entry_can_undo_revision (PmRunEntry   *entry);
gboolean    pm_run_entry_can_redo_revision (PmRunEntry   *entry);
PmRevision *pm_run_entry_undo_revision   (PmRunEntry     *entry);
PmRevision *pm_run_entry_redo_revision   (PmRunEntry     *entry);
void        pm_run_entry_drop_redo       (PmRunEntry     *entry);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmPhoto, pm_photo_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmSharedMask, pm_shared_mask_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmRevision, pm_revision_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmRunEntry, pm_run_entry_unref)

G_END_DECLS
