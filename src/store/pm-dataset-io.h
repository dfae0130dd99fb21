/* pm-dataset-io.h: a dataset project out as COCO JSON, per-object PNG masks and YOLO
 * segmentation labels, and COCO JSON in.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Formats (what each file holds is documented once, here):
 * - COCO: `categories` (id = label position + 1, name), `images` (id = the project image's
 *   id, file_name relative to the project root, width and height of the photo as shown, i.e.
 *   with its EXIF orientation applied), `annotations`: one per (image, label) whose mask is
 *   not empty, with `segmentation` as compressed RLE ({"size": [h, w], "counts": "…"},
 *   column-major as pycocotools encodes it) or, with polygons, a list of outlines
 *   ([[x1, y1, x2, y2, …], …], pixel-edge coordinates simplified to within 1 px, less
 *   for small regions), `area`
 *   (pixels of the mask), `bbox` ([x, y, w, h], tight), `iscrowd` 0. A polygon list cannot
 *   hold a hole (pycocotools fills each polygon and takes their union), so holes are filled
 *   in polygon exports; RLE keeps them.
 * - PNG masks: `DIR/<folder>/<image stem>_<label>.png`, 8-bit grey 0/255, one per draft,
 *   where <folder> is the image's folder under the root (nothing for images at the top).
 * - YOLO: `DIR/<folder>/<image stem>.txt`, one line per outline: `class x1 y1 x2 y2 …` with
 *   class = label position and coordinates divided by the width and height; holes are
 *   dropped as in COCO polygons. `DIR/data.yaml` names the classes (`nc`, `names`) and the
 *   project root (`path`).
 * Only the current mask of each draft is exported: its newest correction if it has one.
 */
#pragma once

#include "pm-store-dataset.h"

G_BEGIN_DECLS

/* Exported outlines are simplified to within 1 px, and within 2 % of the square root of
 * their area for small regions, so that a 20 px object keeps its shape (IoU 0.9968 with
 * the mask on a 240 px disc at 1 px, tests/core/test-polygon.c). */
#define PM_DATASET_POLYGON_TOLERANCE       1.0
#define PM_DATASET_POLYGON_RELATIVE_TOLERANCE 0.02

typedef void (*PmDatasetProgressFunc) (guint     done,
                                       guint     total,
                                       gpointer  user_data);

typedef struct {
  guint        status_flags;  /* images to export; 0 = drafted and reviewed */
  gboolean     polygons;      /* COCO segmentation as polygons instead of RLE */
  const char  *coco_path;     /* each nullable: that output is not written */
  const char  *masks_dir;
  const char  *yolo_dir;
  PmDatasetProgressFunc progress;
  gpointer     progress_data;
} PmDatasetExportOptions;

typedef struct {
  guint      n_images;        /* images exported */
  guint      n_annotations;   /* COCO annotations written */
  guint      n_mask_files;
  guint      n_yolo_files;
  guint      n_drafts;        /* imports: drafts stored */
  guint      n_kept;          /* imports: images left alone (reviewed or rejected) */
  GPtrArray *problems;        /* one line each: what and why, e.g. "a.jpg: no such file" */
} PmDatasetReport;

void      pm_dataset_report_init   (PmDatasetReport              *report);
void      pm_dataset_report_clear  (PmDatasetReport              *report);

/* Writes the outputs named in @options. A failure to write an output is an error (%FALSE);
 * a problem with one image (an unreadable stored mask, two images whose outputs would have
 * the same name) is added to @report->problems and the rest is exported. COCO JSON is
 * written under a temporary name and renamed, so it appears whole or not at all. */
gboolean  pm_dataset_export        (PmStore                      *store,
                                    gint64                        project_id,
                                    const PmDatasetExportOptions *options,
                                    PmDatasetReport              *report,
                                    GError                      **error);

typedef struct _PmCocoFile PmCocoFile;

/* Reads and checks the shape of a COCO JSON file (an object with "images" and "categories"
 * lists, and "annotations"); NULL with %PM_STORE_ERROR_INVALID otherwise. Nothing is
 * written, so a file that is not COCO JSON changes no database. */
PmCocoFile *pm_coco_file_load      (const char                   *path,
                                    GError                      **error);
void        pm_coco_file_free      (PmCocoFile                   *file);

/* Imports @file into the project rooted at @root: categories become labels, images are
 * found relative to @root, and the annotations of each (image, category) are merged into
 * one draft mask (replacing an earlier draft, except on reviewed and rejected images, which
 * are kept). Each imported image becomes drafted. A bad item (duplicate id, missing image,
 * mask of the wrong size, file_name that is absolute or has "..") is a line in
 * @report->problems and the rest imports; %FALSE only when the database fails. */
gboolean    pm_dataset_import_coco (PmStore                      *store,
                                    PmCocoFile                   *file,
                                    const char                   *root,
                                    PmDatasetProgressFunc         progress,
                                    gpointer                      progress_data,
                                    gint64                       *project_id,
                                    PmDatasetReport              *report,
                                    GError                      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmCocoFile, pm_coco_file_free)

G_END_DECLS
