/* pm-dataset-export.c: a dataset project written as COCO JSON, PNG masks and YOLO labels.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One pass over the exported images loads each draft's current mask once and feeds all
 * three outputs, so memory holds one mask at a time whatever the project's size. COCO JSON
 * is streamed: `images` is written first from the rows alone, then `annotations` as the
 * masks are read. The formats are described in pm-dataset-io.h.
 */
#define G_LOG_DOMAIN "pm-dataset"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "pm-dataset-io.h"
#include "pm-maskio.h"
#include "pm-polygon.h"
#include "pm-store-private.h"

void
pm_dataset_report_init (PmDatasetReport *report)
{
  memset (report, 0, sizeof *report);
  report->problems = g_ptr_array_new_with_free_func (g_free);
}

void
pm_dataset_report_clear (PmDatasetReport *report)
{
  g_clear_pointer (&report->problems, g_ptr_array_unref);
}

typedef struct {
  PmStore                      *store;
  const PmDatasetExportOptions *options;
  PmDatasetReport              *report;
  PmProjectInfo                *project;
  GPtrArray                    *labels;      /* of PmLabelInfo */
  GHashTable                   *label_by_id; /* id → PmLabelInfo (borrowed) */
  GPtrArray                    *images;      /* of PmProjectImage, exported ones */
  GHashTable                   *outputs;     /* output stem → image path */
  FILE                         *coco;
  char                         *coco_tmp;
  gboolean                      first_annotation;
  guint                         next_annotation_id;
} Export;

static void
export_clear (Export *ex)
{
  if (ex->coco != NULL)
    fclose (ex->coco);
  if (ex->coco_tmp != NULL)
    g_unlink (ex->coco_tmp);
  g_free (ex->coco_tmp);
  g_clear_pointer (&ex->project, pm_project_info_free);
  g_clear_pointer (&ex->labels, g_ptr_array_unref);
  g_clear_pointer (&ex->label_by_id, g_hash_table_unref);
  g_clear_pointer (&ex->images, g_ptr_array_unref);
  g_clear_pointer (&ex->outputs, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Export, export_clear)

static void G_GNUC_PRINTF (2, 3)
add_problem (Export     *ex,
             const char *format,
             ...)
{
  va_list args;
  char *line;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  g_strdelimit (line, "\r\n", ' ');
  g_ptr_array_add (ex->report->problems, line);
}

/* The outer outlines of @mask, each simplified within PM_DATASET_POLYGON_TOLERANCE or less
 * for a small one. */
static GPtrArray *
export_outlines (const PmMask *mask)
{
  GPtrArray *outlines = pm_mask_trace_outlines (mask, 0.0);

  for (guint i = 0; i < outlines->len; i++)
    {
      PmPolygon *p = outlines->pdata[i];
      double size = sqrt (pm_polygon_area2 (p) / 2.0);

      pm_polygon_simplify (p, MIN (PM_DATASET_POLYGON_TOLERANCE,
                                   PM_DATASET_POLYGON_RELATIVE_TOLERANCE * size));
    }
  return outlines;
}

/* ------------------------------------------------------------------ JSON out */

/* @text as a JSON string: quotes, backslashes and control characters escaped; UTF-8 kept
 * (invalid sequences replaced). */
static void
put_json_string (GString    *out,
                 const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);

  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) valid; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char) *p);
        }
      else if (*p < 0x20)
        g_string_append_printf (out, "\\u%04x", *p);
      else
        g_string_append_c (out, (char) *p);
    }
  g_string_append_c (out, '"');
}

static gboolean
write_chunk (Export   *ex,
             GString  *chunk,
             GError  **error)
{
  if (fwrite (chunk->str, 1, chunk->len, ex->coco) != chunk->len)
    {
      int errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "cannot write %s: %s", ex->options->coco_path, g_strerror (errsv));
      return FALSE;
    }
  g_string_truncate (chunk, 0);
  return TRUE;
}

static gboolean
coco_begin (Export   *ex,
            GError  **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = g_date_time_format_iso8601 (now);
  g_autofree char *description = g_strdup_printf ("Paintmask dataset %s",
                                                  ex->project->root);
  int fd;

  ex->coco_tmp = g_strdup_printf ("%s.part-%d", ex->options->coco_path, (int) getpid ());
  fd = g_open (ex->coco_tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
  if (fd < 0 || (ex->coco = fdopen (fd, "w")) == NULL)
    {
      int errsv = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "cannot write %s: %s", ex->options->coco_path, g_strerror (errsv));
      g_clear_pointer (&ex->coco_tmp, g_free);
      return FALSE;
    }

  g_string_append (out, "{\n  \"info\": {\"description\": ");
  put_json_string (out, description);
  g_string_append_printf (out, ", \"version\": \"1.0\", \"date_created\": \"%s\"},\n"
                          "  \"licenses\": [],\n  \"categories\": [", date);
  for (guint i = 0; i < ex->labels->len; i++)
    {
      PmLabelInfo *label = ex->labels->pdata[i];

      g_string_append_printf (out, "%s\n    {\"id\": %d, \"name\": ", i ? "," : "",
                              label->position + 1);
      put_json_string (out, label->name);
      g_string_append (out, ", \"supercategory\": \"\"}");
    }
  g_string_append (out, "\n  ],\n  \"images\": [");
  for (guint i = 0; i < ex->images->len; i++)
    {
      PmProjectImage *image = ex->images->pdata[i];

      g_string_append_printf (out, "%s\n    {\"id\": %" G_GINT64_FORMAT ", \"file_name\": ",
                              i ? "," : "", image->id);
      put_json_string (out, image->path);
      g_string_append_printf (out, ", \"width\": %d, \"height\": %d}", image->width,
                              image->height);
      if (out->len > 65536 && !write_chunk (ex, out, error))
        return FALSE;
    }
  g_string_append (out, "\n  ],\n  \"annotations\": [");
  ex->first_annotation = TRUE;
  ex->next_annotation_id = 1;
  return write_chunk (ex, out, error);
}

static void
put_segmentation (GString      *out,
                  const PmMask *mask,
                  gboolean      polygons)
{
  if (!polygons)
    {
      g_autofree char *counts = pm_mask_to_rle (mask);

      g_string_append_printf (out, "{\"size\": [%d, %d], \"counts\": ", mask->height,
                              mask->width);
      put_json_string (out, counts);
      g_string_append_c (out, '}');
      return;
    }

  {
    g_autoptr(GPtrArray) outlines = export_outlines (mask);

    g_string_append_c (out, '[');
    for (guint i = 0; i < outlines->len; i++)
      {
        PmPolygon *p = outlines->pdata[i];

        g_string_append (out, i ? ", [" : "[");
        for (guint k = 0; k < p->n_points * 2; k++)
          g_string_append_printf (out, "%s%.10g", k ? ", " : "", p->xy[k]);
        g_string_append_c (out, ']');
      }
    g_string_append_c (out, ']');
  }
}

static gboolean
coco_annotation (Export              *ex,
                 const PmProjectImage *image,
                 const PmLabelInfo    *label,
                 const PmMask         *mask,
                 GError              **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  int bbox[4];
  gint64 area;

  pm_mask_bbox (mask, bbox, &area);
  if (area == 0)
    return TRUE;   /* nothing of this label here: no annotation */
  g_string_append_printf (out, "%s\n    {\"id\": %u, \"image_id\": %" G_GINT64_FORMAT
                          ", \"category_id\": %d, \"segmentation\": ",
                          ex->first_annotation ? "" : ",", ex->next_annotation_id++,
                          image->id, label->position + 1);
  put_segmentation (out, mask, ex->options->polygons);
  g_string_append_printf (out, ", \"area\": %" G_GINT64_FORMAT ", \"bbox\": [%d, %d, %d, %d], "
                          "\"iscrowd\": 0}", area, bbox[0], bbox[1], bbox[2], bbox[3]);
  ex->first_annotation = FALSE;
  ex->report->n_annotations++;
  return write_chunk (ex, out, error);
}

static gboolean
coco_end (Export   *ex,
          GError  **error)
{
  g_autoptr(GString) out = g_string_new ("\n  ]\n}\n");
  FILE *file;

  if (!write_chunk (ex, out, error))
    return FALSE;
  file = g_steal_pointer (&ex->coco);
  if (fflush (file) != 0 || fsync (fileno (file)) != 0 || fclose (file) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "cannot write %s: %s", ex->options->coco_path, g_strerror (errsv));
      return FALSE;
    }
  if (g_rename (ex->coco_tmp, ex->options->coco_path) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "cannot write %s: %s", ex->options->coco_path, g_strerror (errsv));
      return FALSE;
    }
  g_clear_pointer (&ex->coco_tmp, g_free);
  return TRUE;
}

/* ------------------------------------------------------------ masks and YOLO */

/* "sub/dir/photo" for "sub/dir/photo.jpg": where an image's outputs go, extension off. */
static char *
output_stem (const char *path)
{
  const char *slash = strrchr (path, '/');
  const char *base = slash != NULL ? slash + 1 : path;
  const char *dot = strrchr (base, '.');

  if (dot == NULL || dot == base)
    return g_strdup (path);
  return g_strndup (path, dot - path);
}

static gboolean
ensure_parent (const char  *file,
               GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (file);

  if (g_mkdir_with_parents (dir, 0777) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "cannot create folder %s: %s", dir, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_mask_file (Export         *ex,
                 const char     *stem,
                 const PmLabelInfo *label,
                 const PmMask   *mask,
                 GError        **error)
{
  g_autofree char *name = g_strdup_printf ("%s_%s.png", stem, label->name);
  g_autofree char *file = g_build_filename (ex->options->masks_dir, name, NULL);

  if (!ensure_parent (file, error) || !pm_mask_save_png (mask, file, FALSE, error))
    return FALSE;
  ex->report->n_mask_files++;
  return TRUE;
}

static void
append_yolo_lines (GString           *lines,
                   const PmLabelInfo *label,
                   const PmMask      *mask)
{
  g_autoptr(GPtrArray) outlines = export_outlines (mask);

  for (guint i = 0; i < outlines->len; i++)
    {
      PmPolygon *p = outlines->pdata[i];

      g_string_append_printf (lines, "%d", label->position);
      for (guint k = 0; k < p->n_points; k++)
        g_string_append_printf (lines, " %.6f %.6f", p->xy[2 * k] / mask->width,
                                p->xy[2 * k + 1] / mask->height);
      g_string_append_c (lines, '\n');
    }
}

static gboolean
write_yolo_file (Export      *ex,
                 const char  *stem,
                 GString     *lines,
                 GError     **error)
{
  g_autofree char *name = g_strdup_printf ("%s.txt", stem);
  g_autofree char *file = g_build_filename (ex->options->yolo_dir, name, NULL);

  if (!ensure_parent (file, error) ||
      !g_file_set_contents_full (file, lines->str, (gssize) lines->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0666, error))
    return FALSE;
  ex->report->n_yolo_files++;
  return TRUE;
}

/* YAML double-quoted scalar. */
static void
put_yaml_string (GString    *out,
                 const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static gboolean
write_data_yaml (Export   *ex,
                 GError  **error)
{
  g_autoptr(GString) out = g_string_new ("# Classes of a Paintmask dataset; label files are "
                                         "<folder>/<image stem>.txt beside this file.\n"
                                         "path: ");
  g_autofree char *file = g_build_filename (ex->options->yolo_dir, "data.yaml", NULL);

  put_yaml_string (out, ex->project->root);
  g_string_append_printf (out, "\nnc: %u\nnames:\n", ex->labels->len);
  for (guint i = 0; i < ex->labels->len; i++)
    {
      PmLabelInfo *label = ex->labels->pdata[i];

      g_string_append_printf (out, "  %d: ", label->position);
      put_yaml_string (out, label->name);
      g_string_append_c (out, '\n');
    }
  return g_file_set_contents_full (file, out->str, (gssize) out->len,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0666, error);
}

/* ------------------------------------------------------------------ driving */

/* Every draft of @image into every output. */
static gboolean
export_image (Export          *ex,
              PmProjectImage  *image,
              GError         **error)
{
  g_autoptr(GArray) drafts = NULL;
  g_autoptr(GString) yolo = g_string_new (NULL);
  g_autofree char *stem = output_stem (image->path);
  gboolean files = ex->options->masks_dir != NULL || ex->options->yolo_dir != NULL;
  const char *other;

  drafts = pm_store_list_drafts (ex->store, 0, image->id, 0, error);
  if (drafts == NULL)
    return FALSE;
  other = g_hash_table_lookup (ex->outputs, stem);
  if (files && other != NULL)
    {
      add_problem (ex, "%s: its mask and label files would overwrite those of %s (same name "
                   "but the extension); skipped", image->path, other);
      files = FALSE;
    }
  else
    g_hash_table_insert (ex->outputs, g_strdup (stem), image->path);

  for (guint i = 0; i < drafts->len; i++)
    {
      PmDraftInfo *draft = &g_array_index (drafts, PmDraftInfo, i);
      PmLabelInfo *label = g_hash_table_lookup (ex->label_by_id, &draft->label_id);
      g_autoptr(PmMask) mask = NULL;
      g_autoptr(GError) local_error = NULL;

      mask = pm_store_get_draft_mask (ex->store, draft->run_id, &local_error);
      if (mask == NULL)
        {
          add_problem (ex, "%s: the %s mask cannot be read: %s", image->path, label->name,
                       local_error->message);
          continue;
        }
      if (mask->width != image->width || mask->height != image->height)
        {
          add_problem (ex, "%s: the %s mask is %d×%d but the image is %d×%d; skipped",
                       image->path, label->name, mask->width, mask->height, image->width,
                       image->height);
          continue;
        }
      if ((ex->coco != NULL && !coco_annotation (ex, image, label, mask, error)) ||
          (files && ex->options->masks_dir != NULL &&
           !write_mask_file (ex, stem, label, mask, error)))
        return FALSE;
      if (files && ex->options->yolo_dir != NULL)
        append_yolo_lines (yolo, label, mask);
    }
  /* An image without objects gets an empty label file: "nothing here", not "not done". */
  if (files && ex->options->yolo_dir != NULL && !write_yolo_file (ex, stem, yolo, error))
    return FALSE;
  ex->report->n_images++;
  return TRUE;
}

static gboolean
load_project (Export   *ex,
              gint64    project_id,
              GError  **error)
{
  guint flags = ex->options->status_flags;
  g_autoptr(GPtrArray) all = NULL;

  if (flags == 0)
    flags = PM_IMAGE_STATUS_FLAG (PM_IMAGE_STATUS_DRAFTED) |
            PM_IMAGE_STATUS_FLAG (PM_IMAGE_STATUS_REVIEWED);
  ex->project = pm_store_get_project (ex->store, project_id, error);
  if (ex->project == NULL)
    return FALSE;
  ex->labels = pm_store_list_labels (ex->store, project_id, error);
  if (ex->labels == NULL)
    return FALSE;
  ex->label_by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  for (guint i = 0; i < ex->labels->len; i++)
    {
      PmLabelInfo *label = ex->labels->pdata[i];
      g_hash_table_insert (ex->label_by_id, &label->id, label);
    }
  all = pm_store_list_project_images (ex->store, project_id, flags, 0, error);
  if (all == NULL)
    return FALSE;
  ex->images = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_project_image_free);
  for (guint i = 0; i < all->len; i++)
    {
      PmProjectImage *image = all->pdata[i];

      if (image->width <= 0 || image->height <= 0)
        add_problem (ex, "%s: never read, its size is unknown; skipped", image->path);
      else
        g_ptr_array_add (ex->images, g_steal_pointer (&all->pdata[i]));
    }
  ex->outputs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return TRUE;
}

/**
 * pm_dataset_export:
 * @store: a store
 * @project_id: the project
 * @options: what to write
 * @report: (out caller-allocates): counts and per-image problems
 *   (pm_dataset_report_init() first)
 * @error: return location for a #GError
 *
 * Exports the project's images whose status is in @options->status_flags, with the
 * current mask of each draft, as described in pm-dataset-io.h.
 *
 * Returns: %TRUE if every output was written (problems with single images aside).
 */
gboolean
pm_dataset_export (PmStore                      *store,
                   gint64                        project_id,
                   const PmDatasetExportOptions *options,
                   PmDatasetReport              *report,
                   GError                      **error)
{
  g_auto(Export) ex = { .store = store, .options = options, .report = report };
  const char *dirs[] = { options->masks_dir, options->yolo_dir };

  g_return_val_if_fail (store != NULL && options != NULL && report != NULL, FALSE);
  g_return_val_if_fail (report->problems != NULL, FALSE);

  if (!load_project (&ex, project_id, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    if (dirs[i] != NULL && g_mkdir_with_parents (dirs[i], 0777) != 0)
      {
        int errsv = errno;
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                     "cannot create folder %s: %s", dirs[i], g_strerror (errsv));
        return FALSE;
      }
  if (options->coco_path != NULL && !coco_begin (&ex, error))
    return FALSE;

  for (guint i = 0; i < ex.images->len; i++)
    {
      if (!export_image (&ex, ex.images->pdata[i], error))
        return FALSE;
      if (options->progress != NULL)
        options->progress (i + 1, ex.images->len, options->progress_data);
    }

  if ((options->coco_path != NULL && !coco_end (&ex, error)) ||
      (options->yolo_dir != NULL && !write_data_yaml (&ex, error)))
    return FALSE;
  return TRUE;
}
