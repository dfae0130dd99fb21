/* pm-store-dataset.h: dataset projects in the history database: a folder of images, labels,
 * per-image review status and one draft mask per (image, label).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A project is keyed by its root folder (an absolute path). Its images are referred to by
 * paths relative to the root, '/'-separated, and are never copied into the database. Each
 * project image has a session of its own (see pm_store_get_session_image(), which reads the
 * photo from its file), and each draft is an ordinary run in that session whose mask is a
 * derived_mask artifact stored as a 1-bit PNG; no edited image and no soft mask are kept
 * (pm_store_render_draft() paints the edit again from photo, mask and colour). Hand
 * corrections are corrected_mask artifacts of the same run; the newest one is the draft's
 * current mask (pm_store_get_draft_mask()).
 */
#pragma once

#include "pm-store.h"

G_BEGIN_DECLS

#define PM_LABEL_DEFAULT_INSTRUCTION "segment the {label}"
#define PM_LABEL_DEFAULT_ENGINE      "builtin"

typedef enum {
  PM_IMAGE_STATUS_TODO,       /* not every label has a draft yet */
  PM_IMAGE_STATUS_DRAFTED,    /* every label drafted, waiting for review */
  PM_IMAGE_STATUS_REVIEWED,   /* accepted by a person */
  PM_IMAGE_STATUS_REJECTED,   /* left out of the dataset by a person */
} PmImageStatus;

/* A set of statuses for filters: 1 << PmImageStatus; 0 means all. */
#define PM_IMAGE_STATUS_FLAG(status) (1u << (status))

typedef struct {
  gint64  id;
  char   *root;           /* absolute folder */
  char   *name;
  gint64  created_at;     /* unix seconds */
  gint64  updated_at;
  int     n_images;
  int     n_labels;
} PmProjectInfo;

typedef struct {
  gint64  id;
  gint64  project_id;
  int     position;       /* 0, 1, …: the YOLO class; the COCO category id is position + 1 */
  char   *name;
  char   *instruction;    /* template: {label} stands for the name */
  char   *engine;
  char   *color;          /* "#rrggbb" or NULL for the default highlight */
} PmLabelInfo;

typedef struct {
  gint64         id;
  gint64         project_id;
  char          *path;        /* relative to the project root */
  int            width;       /* 0 until the file was read */
  int            height;
  PmImageStatus  status;
  char          *error;       /* last failure to read or draft it, or NULL */
  gint64         session_id;  /* 0 until its first draft */
  int            n_drafts;
} PmProjectImage;

typedef struct {
  gint64  image_id;
  gint64  label_id;
  gint64  run_id;
} PmDraftInfo;

/* A draft to store: the run (its session_id, edited image and soft mask are ignored; only
 * @mask is kept) and, optionally, what reading the photo taught (size and preview). */
typedef struct {
  gint64             image_id;
  gint64             label_id;
  gboolean           replace;        /* FALSE: fail with PM_STORE_ERROR_EXISTS if drafted */
  const PmRunRecord *run;
  const PmMask      *mask;           /* binary, at the photo's size */
  int                image_width;    /* 0 = leave as is */
  int                image_height;
  GBytes            *thumbnail_png;  /* nullable */
} PmDraftRecord;

const char     *pm_image_status_to_string   (PmImageStatus     status);
gboolean        pm_image_status_from_string (const char       *str,
                                             PmImageStatus    *status);
/* Parses "reviewed" or "drafted,reviewed" into PM_IMAGE_STATUS_FLAG bits. */
gboolean        pm_image_status_parse_set   (const char       *str,
                                             guint            *flags,
                                             GError          **error);

/* A label name becomes part of file names (<stem>_<label>.png): not empty, valid UTF-8, no
 * '/', '\\' or control characters, not "." or "..", at most 200 bytes. */
gboolean        pm_label_name_check         (const char       *name,
                                             GError          **error);
/* A path relative to a project root: not empty, not absolute, no "..", "." or empty
 * component, no '\\' or control characters. */
gboolean        pm_project_path_check       (const char       *path,
                                             GError          **error);
/* The preview a project image keeps: @photo scaled to fit PM_STORE_THUMBNAIL_SIZE, as PNG. */
GBytes         *pm_project_encode_thumbnail (const PmImage    *photo,
                                             GError          **error);
/* @template with every "{label}" replaced by @label. */
char           *pm_label_expand_instruction (const char       *template_,
                                             const char       *label);

/* ---- projects ---- */

/* Finds the project rooted at @root (made absolute and canonical) or creates it. */
gint64          pm_store_ensure_project     (PmStore          *store,
                                             const char       *root,
                                             GError          **error);
/* 0 with PM_STORE_ERROR_NOT_FOUND if no project has that root. */
gint64          pm_store_find_project       (PmStore          *store,
                                             const char       *root,
                                             GError          **error);
GPtrArray      *pm_store_list_projects      (PmStore          *store,
                                             GError          **error); /* of PmProjectInfo */
PmProjectInfo  *pm_store_get_project        (PmStore          *store,
                                             gint64            project_id,
                                             GError          **error);
/* The roots of the projects in the database file @path, read without changing it (most
 * recently changed first; empty for a file of sessions only). In pm-store-transfer.c. */
GPtrArray      *pm_store_file_project_roots (const char       *path,
                                             GError          **error); /* of char * */

/* ---- labels ---- */

/* Finds or appends the label @name. @instruction and @engine (each nullable: keep, or the
 * default for a new label) replace what is stored. */
gint64          pm_store_ensure_label       (PmStore          *store,
                                             gint64            project_id,
                                             const char       *name,
                                             const char       *instruction,
                                             const char       *engine,
                                             GError          **error);
GPtrArray      *pm_store_list_labels        (PmStore          *store,
                                             gint64            project_id,
                                             GError          **error); /* of PmLabelInfo */

/* ---- images ---- */

/* Adds the paths not yet in the project, in one transaction; *@n_added says how many. */
gboolean        pm_store_add_project_images (PmStore          *store,
                                             gint64            project_id,
                                             const char * const *paths,
                                             guint             n_paths,
                                             guint            *n_added,
                                             GError          **error);
/* The images whose status is in @status_flags (0 = all) and, if @label_id > 0, that have a
 * draft of that label, sorted by path. */
GPtrArray      *pm_store_list_project_images (PmStore         *store,
                                             gint64            project_id,
                                             guint             status_flags,
                                             gint64            label_id,
                                             GError          **error); /* of PmProjectImage */
PmProjectImage *pm_store_get_project_image  (PmStore          *store,
                                             gint64            image_id,
                                             GError          **error);
/* 0 with PM_STORE_ERROR_NOT_FOUND if the project has no image at @path. */
gint64          pm_store_find_project_image (PmStore          *store,
                                             gint64            project_id,
                                             const char       *path,
                                             GError          **error);
/* The file of a project image: root + path. */
char           *pm_store_get_project_image_file (PmStore      *store,
                                             gint64            image_id,
                                             GError          **error);
gboolean        pm_store_set_image_status   (PmStore          *store,
                                             gint64            image_id,
                                             PmImageStatus     status,
                                             GError          **error);
/* Records why reading or drafting the image failed (NULL clears it). */
gboolean        pm_store_set_image_error    (PmStore          *store,
                                             gint64            image_id,
                                             const char       *message,
                                             GError          **error);
/* Stores a preview (PNG no larger than PM_STORE_THUMBNAIL_SIZE) and the photo's size. */
gboolean        pm_store_set_image_thumbnail (PmStore         *store,
                                             gint64            image_id,
                                             int               width,
                                             int               height,
                                             GBytes           *thumbnail_png,
                                             GError          **error);
/* The stored preview; NULL with PM_STORE_ERROR_NOT_FOUND if none was made yet. */
PmImage        *pm_store_get_image_thumbnail (PmStore         *store,
                                             gint64            image_id,
                                             GError          **error);
/* Counts of the project's images by status, indexed by PmImageStatus. */
gboolean        pm_store_count_project_images (PmStore        *store,
                                             gint64            project_id,
                                             int               counts[4],
                                             GError          **error);

/* ---- drafts ---- */

/* Stores a draft in one transaction: the run, its mask, the (image, label) link, the
 * image's size, preview and status (drafted once every label of the project has a draft;
 * rejected stays rejected). With @draft->replace the previous draft's run is deleted.
 * Returns the run id, or 0 with @error set (PM_STORE_ERROR_EXISTS if already drafted). */
gint64          pm_store_add_draft          (PmStore          *store,
                                             const PmDraftRecord *draft,
                                             GError          **error);
/* The drafts of one image (@image_id > 0) or of every image of @project_id whose status is
 * in @status_flags, ordered by image path then label position. */
GArray         *pm_store_list_drafts        (PmStore          *store,
                                             gint64            project_id,
                                             gint64            image_id,
                                             guint             status_flags,
                                             GError          **error); /* of PmDraftInfo */
/* The current mask of a draft: its newest corrected_mask, else its derived_mask. */
PmMask         *pm_store_get_draft_mask     (PmStore          *store,
                                             gint64            run_id,
                                             GError          **error);
/* The draft's edited image, painted again from the photo, the current mask and the run's
 * colour (dataset drafts do not store it). */
PmImage        *pm_store_render_draft       (PmStore          *store,
                                             gint64            run_id,
                                             GError          **error);
/* TRUE (with *@draft filled) if @run_id is the current draft of a project image. */
gboolean        pm_store_get_draft_of_run   (PmStore          *store,
                                             gint64            run_id,
                                             PmDraftInfo      *draft,
                                             GError          **error);

void            pm_project_info_free        (PmProjectInfo    *info);
void            pm_label_info_free          (PmLabelInfo      *info);
void            pm_project_image_free       (PmProjectImage   *image);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmProjectInfo, pm_project_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmLabelInfo, pm_label_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmProjectImage, pm_project_image_free)

G_END_DECLS
