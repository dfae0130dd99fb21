/* pm-store.h: the session history in SQLite (sessions, runs, images, artifacts).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One PmStore is one connection; use it from one thread at a time. Every run is written in
 * one transaction. A corrupt database or one written by a newer Paintmask is refused with
 * a clear error and never modified.
 */
#pragma once

#include <gio/gio.h>
#include "pm-image.h"

G_BEGIN_DECLS

#define PM_STORE_ERROR (pm_store_error_quark ())
GQuark pm_store_error_quark (void);

typedef enum {
  PM_STORE_ERROR_OPEN,
  PM_STORE_ERROR_CORRUPT,
  PM_STORE_ERROR_TOO_NEW,
  PM_STORE_ERROR_NOT_FOUND,
  PM_STORE_ERROR_FAILED,
  PM_STORE_ERROR_EXISTS,     /* e.g. a draft for that image and label already exists */
  PM_STORE_ERROR_INVALID,    /* a name or path the store refuses */
} PmStoreError;

typedef struct _PmStore PmStore;

/* The long side of stored previews, in pixels. */
#define PM_STORE_THUMBNAIL_SIZE 128

/* A run's artifacts, each with one meaning everywhere (the CLI's files, --json, the app):
 *   edited          the edited image. An empty result has none: nothing was painted, so
 *                   its edit is the session's image.
 *   mask            the run's mask, binary: what the user gets. For a local engine the
 *                   pixels it painted with alpha > 0.5 (exactly what the engine found); for a
 *                   remote engine or an imported edit, the derived mask.
 *   soft_mask       the alpha of the edit, 0..255 (0..1): for a local engine exactly the
 *                   weights the colour edit blended with, so where it is 0 the edited image
 *                   equals the original bit for bit; for a remote engine or an import, the
 *                   derived estimate of them. Never a derivation's by-product beside a
 *                   painted alpha.
 *   derived_mask    pm_mask_derive (original, edited), binary: the mask read off the edit
 *                   alone. Runs recorded before schema 5 have no "mask"; their derived_mask
 *                   was their mask (pm_store_get_run_mask() falls back to it).
 *   corrected_mask  a hand correction of the mask, 0..255: binary but where a soft brush
 *                   left a soft edge (> 0.5 is in the mask). Corrections form a chain of
 *                   revisions (1, 2, … per run, each with the mask it was made from); the
 *                   newest is the current mask. */
typedef enum {
  PM_ARTIFACT_EDITED,
  PM_ARTIFACT_SOFT_MASK,
  PM_ARTIFACT_DERIVED_MASK,
  PM_ARTIFACT_CORRECTED_MASK,
  PM_ARTIFACT_MASK,
} PmArtifactKind;

typedef struct {
  gint64  id;
  gint64  image_id;
  char   *title;
  char   *source_path;
  int     width, height;
  gint64  created_at;     /* unix seconds */
  gint64  updated_at;
  int     n_runs;
} PmSessionInfo;

typedef struct {
  gint64  id;
  gint64  session_id;
  gint64  parent_run_id;  /* 0 = none */
  char   *instruction;
  char   *parsed_json;
  char   *engine;
  char   *model;
  char   *params_json;
  char   *color;          /* "#rrggbb" */
  char   *status;         /* "ok", "error", "cancelled" */
  char   *error;
  char   *message;
  gint64  started_at;     /* unix microseconds */
  double  duration_ms;
  char   *timings_json;
  char   *result;         /* "found", "guess", "empty", "failed"; NULL: recorded before
                           * result states (schema < 5) */
  gint64  mask_pixels;    /* pixels in the run's mask; −1 when unknown */
  /* A run that painted several objects ("paint the cup blue and the saucer green"): their
   * number (1 for a single object) and a JSON array describing them (NULL for one). */
  int     n_items;
  char   *items_json;
} PmRunInfo;

typedef struct {
  gint64          id;
  gint64          run_id;
  PmArtifactKind  kind;
  int             width, height;
  gsize           png_size;   /* bytes */
  char           *sha256;     /* of the PNG bytes */
  gint64          created_at; /* unix seconds */
  /* Corrections (PM_ARTIFACT_CORRECTED_MASK) only; 0 / NULL for the others: */
  int             revision;   /* 1, 2, … in the order they were made, per run */
  gint64          parent_id;  /* the mask it was made from (the run's mask or derived mask,
                               * or an earlier correction); 0 if none or deleted */
  char           *operation;  /* what was done: "brush", "grow 3", … (may be NULL) */
  int             item;       /* 0: the run as a whole; else the object (1, 2, …) it is of */
} PmArtifactInfo;

/* What the app and the CLI hand to pm_store_add_run(); the store copies what it needs. */
typedef struct {
  gint64         session_id;
  gint64         parent_run_id;
  const char    *instruction;
  const char    *parsed_json;
  const char    *engine;
  const char    *model;
  const char    *params_json;
  const char    *color;
  const char    *status;
  const char    *error;
  const char    *message;
  gint64         started_at;
  double         duration_ms;
  const char    *timings_json;
  const char    *result;        /* "found", "guess", "empty", "failed", or NULL */
  gint64         mask_pixels;   /* stored with a result other than "failed"; < 0: unknown */
  const PmImage *edited;        /* each may be NULL */
  const PmMask  *mask;
  const PmMask  *soft_mask;
  const PmMask  *derived_mask;
  /* Several objects: each object's mask and soft mask (item i + 1), and the JSON array
   * describing them. The artifacts above are then the union of the objects'. */
  guint          n_items;
  const PmMask * const *item_masks;
  const PmMask * const *item_soft_masks;
  const char    *items_json;
} PmRunRecord;

/* The default database: $PAINTMASK_DB, else $XDG_DATA_HOME/paintmask/history.sqlite3. */
char          *pm_store_default_path      (void);
PmStore       *pm_store_open              (const char       *path,
                                           GError          **error);
void           pm_store_close             (PmStore          *store);
const char    *pm_store_get_path          (PmStore          *store);
/* A full PRAGMA integrity_check (slow on a big history: it reads every page). pm_store_open()
 * already checks a database up to 256 MB fully, and the rest but the artifacts above that. */
gboolean       pm_store_check             (PmStore          *store,
                                           GError          **error);

/* Finds or creates the session for @image (by pixel hash); stores the image once. */
gint64         pm_store_ensure_session    (PmStore          *store,
                                           const PmImage    *image,
                                           const char       *source_path,
                                           GError          **error);
gint64         pm_store_add_run           (PmStore          *store,
                                           const PmRunRecord *record,
                                           GError          **error);
/* A corrected mask goes through pm_store_add_correction() (parent 0, no operation). */
gint64         pm_store_add_artifact      (PmStore          *store,
                                           gint64            run_id,
                                           PmArtifactKind    kind,
                                           const PmImage    *image,   /* one of image/mask */
                                           const PmMask     *mask,
                                           GError          **error);

/* Records a hand correction of the run's mask as the next revision (1, 2, …) of its
 * corrected_mask, made from @parent_id (0: the run's newest correction, else its mask, else
 * its derived mask; -1: the run's own mask, else its derived mask). @mask must have the photo's size (when known); it is stored as an
 * 8-bit PNG, soft values kept.
 * Returns the artifact id (and the revision in @revision), or 0 with @error set. */
gint64         pm_store_add_correction    (PmStore          *store,
                                           gint64            run_id,
                                           gint64            parent_id,
                                           const PmMask     *mask,
                                           const char       *operation,
                                           int              *revision,
                                           GError          **error);
/* The same for object @item (1, 2, …) of a run that painted several; revisions are
 * numbered per run. */
gint64         pm_store_add_item_correction (PmStore        *store,
                                           gint64            run_id,
                                           int               item,
                                           gint64            parent_id,
                                           const PmMask     *mask,
                                           const char       *operation,
                                           int              *revision,
                                           GError          **error);
PmMask        *pm_store_get_item_correction_mask (PmStore   *store,
                                           gint64            run_id,
                                           int               item,
                                           int               revision,
                                           GError          **error);
/* Revision @revision of the run's correction (0: the newest), as stored / as a mask;
 * NOT_FOUND if the run has no such revision. */
GBytes        *pm_store_get_correction_png (PmStore         *store,
                                           gint64            run_id,
                                           int               revision,
                                           GError          **error);
PmMask        *pm_store_get_correction_mask (PmStore        *store,
                                           gint64            run_id,
                                           int               revision,
                                           GError          **error);

GPtrArray     *pm_store_list_sessions     (PmStore          *store,
                                           const char       *search,  /* NULL = all */
                                           GError          **error);  /* of PmSessionInfo */
GPtrArray     *pm_store_list_runs         (PmStore          *store,
                                           gint64            session_id, /* 0 = all */
                                           const char       *search,
                                           GError          **error);  /* of PmRunInfo */
PmRunInfo     *pm_store_get_run           (PmStore          *store,
                                           gint64            run_id,
                                           GError          **error);
PmSessionInfo *pm_store_get_session       (PmStore          *store,
                                           gint64            session_id,
                                           GError          **error);
/* The artifacts of a run, oldest first (of PmArtifactInfo). */
GPtrArray     *pm_store_list_artifacts    (PmStore          *store,
                                           gint64            run_id,
                                           GError          **error);
/* The stored PNG bytes, unchanged: for exporting without re-encoding. */
GBytes        *pm_store_get_session_image_png (PmStore      *store,
                                           gint64            session_id,
                                           GError          **error);
GBytes        *pm_store_get_artifact_png  (PmStore          *store,
                                           gint64            run_id,
                                           PmArtifactKind    kind,
                                           GError          **error);
PmImage       *pm_store_get_session_image (PmStore          *store,
                                           gint64            session_id,
                                           GError          **error);
/* The newest artifact of @kind for the run; NULL with PM_STORE_ERROR_NOT_FOUND if none. */
PmImage       *pm_store_get_artifact_image (PmStore         *store,
                                            gint64           run_id,
                                            PmArtifactKind   kind,
                                            GError         **error);
PmMask        *pm_store_get_artifact_mask  (PmStore         *store,
                                            gint64           run_id,
                                            PmArtifactKind   kind,
                                            GError         **error);
/* Object @item's (1, 2, …) newest artifact of @kind (mask or soft_mask) in a run that
 * painted several; NULL with PM_STORE_ERROR_NOT_FOUND if none. */
GBytes        *pm_store_get_item_png       (PmStore         *store,
                                            gint64           run_id,
                                            int              item,
                                            PmArtifactKind   kind,
                                            GError         **error);
PmMask        *pm_store_get_item_mask      (PmStore         *store,
                                            gint64           run_id,
                                            int              item,
                                            PmArtifactKind   kind,
                                            GError         **error);
/* The run's mask: its "mask" artifact, or for runs recorded before schema 5 their
 * derived_mask. NULL with PM_STORE_ERROR_NOT_FOUND if it has neither. */
PmMask        *pm_store_get_run_mask       (PmStore         *store,
                                            gint64           run_id,
                                            GError         **error);
/* Previews no larger than PM_STORE_THUMBNAIL_SIZE on the long side, cheap to read. A run
 * without an edited image shows its session's image. */
PmImage       *pm_store_get_session_thumbnail (PmStore      *store,
                                           gint64            session_id,
                                           GError          **error);
PmImage       *pm_store_get_run_thumbnail (PmStore          *store,
                                           gint64            run_id,
                                           GError          **error);
gboolean       pm_store_delete_run        (PmStore          *store,
                                           gint64            run_id,
                                           GError          **error);
gboolean       pm_store_delete_session    (PmStore          *store,
                                           gint64            session_id,
                                           GError          **error);
/* Writes one session (its image, runs and artifacts) to a new database file at @path. */
gboolean       pm_store_export_session    (PmStore          *store,
                                           gint64            session_id,
                                           const char       *path,
                                           GError          **error);
/* Copies all sessions of the .paintmask file at @path into @store; returns the new ids. */
GArray        *pm_store_import_file       (PmStore          *store,
                                           const char       *path,
                                           GError          **error);

void           pm_session_info_free       (PmSessionInfo    *info);
void           pm_run_info_free           (PmRunInfo        *info);
void           pm_artifact_info_free      (PmArtifactInfo   *info);
const char    *pm_artifact_kind_to_string (PmArtifactKind    kind);
/* "edited", "soft_mask"/"soft-mask", …; FALSE if @str names no kind. */
gboolean       pm_artifact_kind_from_string (const char     *str,
                                           PmArtifactKind   *kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmStore, pm_store_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmRunInfo, pm_run_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmSessionInfo, pm_session_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmArtifactInfo, pm_artifact_info_free)

G_END_DECLS
