/* pm-dataset-import.c: COCO JSON read into a dataset project, item by item.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The file is checked in two passes. The first reads categories, images and annotations
 * and refuses, one line each, the items that cannot be used (wrong types, duplicate ids,
 * paths outside the root, references to nothing); what is left is consistent. The second
 * goes image by image: it reads the photo (which must exist and have the size the file
 * says), decodes and merges the annotations of each category, and stores one draft per
 * category, so a problem with one image or one mask never stops the others.
 */
#define G_LOG_DOMAIN "pm-dataset"

#include <math.h>
#include <string.h>
#include <json-glib/json-glib.h>

#include "pm-color.h"
#include "pm-dataset-io.h"
#include "pm-maskio.h"
#include "pm-polygon.h"
#include "pm-store-private.h"

typedef struct {
  gint64      coco_id;
  const char *file_name;   /* borrowed from the parser */
  int         width, height;
  guint       index;       /* in "images" */
  GArray     *annotations; /* of guint: indices in "annotations" */
} ImportImage;

typedef struct {
  PmStore          *store;
  PmDatasetReport  *report;
  char             *json_name;    /* basename, for run records */
  char             *root;
  JsonArray        *images_json;
  JsonArray        *annotations_json;
  GHashTable       *labels;       /* category id (gint64*) → label id (gint64*) */
  GHashTable       *label_names;  /* label id → name (borrowed) */
  GHashTable       *images;       /* COCO image id → ImportImage */
  GPtrArray        *image_order;  /* ImportImage, as in the file */
  gint64            project_id;
} Import;

static void
import_image_free (ImportImage *image)
{
  g_array_unref (image->annotations);
  g_free (image);
}

static void
import_clear (Import *im)
{
  g_free (im->json_name);
  g_free (im->root);
  g_clear_pointer (&im->labels, g_hash_table_unref);
  g_clear_pointer (&im->label_names, g_hash_table_unref);
  g_clear_pointer (&im->images, g_hash_table_unref);
  g_clear_pointer (&im->image_order, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Import, import_clear)

static void G_GNUC_PRINTF (2, 3)
add_problem (Import     *im,
             const char *format,
             ...)
{
  va_list args;
  char *line;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  g_strdelimit (line, "\r\n", ' ');
  g_ptr_array_add (im->report->problems, line);
}

static gint64 *
int64_dup (gint64 v)
{
  return g_memdup2 (&v, sizeof v);
}

/* An integer member: a JSON integer, or a number with an integral value. */
static gboolean
get_int (JsonObject  *object,
         const char  *member,
         gint64      *value)
{
  JsonNode *node = json_object_get_member (object, member);
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    {
      *value = json_node_get_int (node);
      return TRUE;
    }
  if (type == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);

      if (d != floor (d) || fabs (d) > 9e15)
        return FALSE;
      *value = (gint64) d;
      return TRUE;
    }
  return FALSE;
}

static const char *
get_string (JsonObject *object,
            const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
element_object (JsonArray *array,
                guint      index)
{
  JsonNode *node = json_array_get_element (array, index);

  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* ------------------------------------------------------------ first pass */

static gboolean
read_categories (Import     *im,
                 JsonArray  *categories,
                 GError    **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint k = 0; k < json_array_get_length (categories); k++)
    {
      JsonObject *cat = element_object (categories, k);
      const char *name = cat != NULL ? get_string (cat, "name") : NULL;
      g_autoptr(GError) name_error = NULL;
      gint64 id;

      if (cat == NULL || !get_int (cat, "id", &id) || name == NULL)
        {
          add_problem (im, "categories[%u]: not an object with an integer id and a name; "
                       "skipped", k);
          continue;
        }
      if (g_hash_table_contains (seen, &id))
        {
          add_problem (im, "categories[%u]: duplicate id %" G_GINT64_FORMAT "; skipped", k, id);
          continue;
        }
      if (!pm_label_name_check (name, &name_error))
        {
          add_problem (im, "categories[%u] (id %" G_GINT64_FORMAT "): %s; skipped", k, id,
                       name_error->message);
          continue;
        }
      g_hash_table_add (seen, int64_dup (id));
      g_array_append_val (order, k);
    }

  /* Labels are created in the order of the category ids, so that ids 1…N come back as the
   * same ids on export. */
  for (guint i = 0; i < order->len; i++)
    for (guint j = i + 1; j < order->len; j++)
      {
        gint64 a, b;
        get_int (element_object (categories, g_array_index (order, guint, i)), "id", &a);
        get_int (element_object (categories, g_array_index (order, guint, j)), "id", &b);
        if (b < a)
          {
            guint t = g_array_index (order, guint, i);
            g_array_index (order, guint, i) = g_array_index (order, guint, j);
            g_array_index (order, guint, j) = t;
          }
      }
  for (guint i = 0; i < order->len; i++)
    {
      JsonObject *cat = element_object (categories, g_array_index (order, guint, i));
      const char *name = get_string (cat, "name");
      gint64 id, label;

      get_int (cat, "id", &id);
      label = pm_store_ensure_label (im->store, im->project_id, name, NULL, NULL, error);
      if (label == 0)
        return FALSE;
      g_hash_table_insert (im->labels, int64_dup (id), int64_dup (label));
      g_hash_table_insert (im->label_names, int64_dup (label), (gpointer) name);
    }
  return TRUE;
}

static void
read_images (Import *im)
{
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint k = 0; k < json_array_get_length (im->images_json); k++)
    {
      JsonObject *obj = element_object (im->images_json, k);
      const char *file_name = obj != NULL ? get_string (obj, "file_name") : NULL;
      g_autoptr(GError) path_error = NULL;
      gint64 id, width, height;
      ImportImage *image;

      if (obj == NULL || !get_int (obj, "id", &id) || file_name == NULL ||
          !get_int (obj, "width", &width) || !get_int (obj, "height", &height) ||
          width <= 0 || height <= 0 || width > G_MAXINT || height > G_MAXINT)
        {
          add_problem (im, "images[%u]: not an object with an integer id, a file_name and "
                       "a positive width and height; skipped", k);
          continue;
        }
      if (g_hash_table_contains (im->images, &id))
        {
          add_problem (im, "images[%u] (%s): duplicate id %" G_GINT64_FORMAT "; skipped", k,
                       file_name, id);
          continue;
        }
      if (!pm_project_path_check (file_name, &path_error))
        {
          add_problem (im, "images[%u] (id %" G_GINT64_FORMAT "): file_name %s; skipped", k,
                       id, path_error->message);
          continue;
        }
      {
        g_autofree char *file = g_build_filename (im->root, file_name, NULL);

        if (!g_file_test (file, G_FILE_TEST_IS_REGULAR))
          {
            add_problem (im, "images[%u] (id %" G_GINT64_FORMAT "): %s is not in %s; skipped",
                         k, id, file_name, im->root);
            continue;
          }
      }
      if (g_hash_table_contains (names, file_name))
        {
          add_problem (im, "images[%u] (id %" G_GINT64_FORMAT "): %s is listed twice; "
                       "skipped", k, id, file_name);
          continue;
        }
      g_hash_table_add (names, (gpointer) file_name);
      image = g_new0 (ImportImage, 1);
      image->coco_id = id;
      image->file_name = file_name;
      image->width = (int) width;
      image->height = (int) height;
      image->index = k;
      image->annotations = g_array_new (FALSE, FALSE, sizeof (guint));
      g_hash_table_insert (im->images, int64_dup (id), image);
      g_ptr_array_add (im->image_order, image);
    }
}

static void
read_annotations (Import *im)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  for (guint k = 0; im->annotations_json != NULL &&
                    k < json_array_get_length (im->annotations_json); k++)
    {
      JsonObject *obj = element_object (im->annotations_json, k);
      gint64 id, image_id, category_id;
      ImportImage *image;

      if (obj == NULL || !get_int (obj, "id", &id) || !get_int (obj, "image_id", &image_id) ||
          !get_int (obj, "category_id", &category_id) ||
          !json_object_has_member (obj, "segmentation"))
        {
          add_problem (im, "annotations[%u]: not an object with integer id, image_id, "
                       "category_id and a segmentation; skipped", k);
          continue;
        }
      if (g_hash_table_contains (seen, &id))
        {
          add_problem (im, "annotations[%u]: duplicate id %" G_GINT64_FORMAT "; skipped", k, id);
          continue;
        }
      g_hash_table_add (seen, int64_dup (id));
      image = g_hash_table_lookup (im->images, &image_id);
      if (image == NULL)
        {
          add_problem (im, "annotations[%u] (id %" G_GINT64_FORMAT "): image_id %"
                       G_GINT64_FORMAT " is not among the usable images; skipped", k, id,
                       image_id);
          continue;
        }
      if (!g_hash_table_contains (im->labels, &category_id))
        {
          add_problem (im, "annotations[%u] (id %" G_GINT64_FORMAT "): category_id %"
                       G_GINT64_FORMAT " is not among the usable categories; skipped", k, id,
                       category_id);
          continue;
        }
      g_array_append_val (image->annotations, k);
    }
}

/* ------------------------------------------------------------ decoding */

/* The polygons of a COCO polygon segmentation, or NULL with @error. */
static GPtrArray *
read_polygons (JsonArray  *list,
               GError    **error)
{
  g_autoptr(GPtrArray) polygons = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_polygon_free);

  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonNode *node = json_array_get_element (list, i);
      JsonArray *coords = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
      guint n = coords != NULL ? json_array_get_length (coords) : 0;
      PmPolygon *polygon;

      if (coords == NULL || n < 6 || n % 2 != 0)
        {
          g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID,
                       "polygon %u is not a list of at least 3 x, y pairs", i);
          return NULL;
        }
      polygon = pm_polygon_new (n / 2);
      g_ptr_array_add (polygons, polygon);
      for (guint k = 0; k < n; k++)
        {
          JsonNode *v = json_array_get_element (coords, k);
          GType type = JSON_NODE_HOLDS_VALUE (v) ? json_node_get_value_type (v) : G_TYPE_NONE;

          if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
            {
              g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID,
                           "polygon %u has a coordinate that is not a number", i);
              return NULL;
            }
          polygon->xy[k] = json_node_get_double (v);
        }
    }
  return g_steal_pointer (&polygons);
}

/* An uncompressed RLE's counts as the compressed string form. */
static char *
compress_counts (JsonArray  *counts,
                 GError    **error)
{
  g_autoptr(GArray) runs = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < json_array_get_length (counts); i++)
    {
      JsonNode *v = json_array_get_element (counts, i);
      gint64 run;

      if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_INT64 ||
          (run = json_node_get_int (v)) < 0)
        {
          g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID,
                       "RLE counts[%u] is not a non-negative integer", i);
          return NULL;
        }
      g_array_append_val (runs, run);
    }
  return pm_rle_compress_counts ((const gint64 *) (gpointer) runs->data, runs->len);
}

static gboolean
array_int (JsonArray *array,
           guint      index,
           gint64    *value)
{
  JsonNode *v = json_array_get_element (array, index);

  if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_INT64)
    return FALSE;
  *value = json_node_get_int (v);
  return TRUE;
}

/* Decodes a segmentation (RLE or polygons) at the image's size. */
static PmMask *
decode_segmentation (JsonNode           *segmentation,
                     const ImportImage  *image,
                     GError            **error)
{
  if (JSON_NODE_HOLDS_ARRAY (segmentation))
    {
      g_autoptr(GPtrArray) polygons = read_polygons (json_node_get_array (segmentation), error);

      if (polygons == NULL)
        return NULL;
      return pm_mask_from_polygons (image->width, image->height,
                                    (PmPolygon **) polygons->pdata, polygons->len);
    }
  if (JSON_NODE_HOLDS_OBJECT (segmentation))
    {
      JsonObject *rle = json_node_get_object (segmentation);
      JsonNode *size = json_object_get_member (rle, "size");
      JsonNode *counts = json_object_get_member (rle, "counts");
      JsonArray *size_array = size != NULL && JSON_NODE_HOLDS_ARRAY (size)
                              ? json_node_get_array (size) : NULL;
      g_autofree char *compressed = NULL;
      gint64 h, w;

      if (size_array == NULL || json_array_get_length (size_array) != 2 || counts == NULL)
        {
          g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID,
                       "RLE segmentation without a [height, width] size and counts");
          return NULL;
        }
      if (!array_int (size_array, 0, &h) || !array_int (size_array, 1, &w))
        {
          g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID,
                       "RLE size is not a pair of integers");
          return NULL;
        }
      if (h != image->height || w != image->width)
        {
          g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID,
                       "the mask is %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT " but %s is %d×%d",
                       w, h, image->file_name, image->width, image->height);
          return NULL;
        }
      if (JSON_NODE_HOLDS_ARRAY (counts))
        compressed = compress_counts (json_node_get_array (counts), error);
      else if (JSON_NODE_HOLDS_VALUE (counts) &&
               json_node_get_value_type (counts) == G_TYPE_STRING)
        compressed = g_strdup (json_node_get_string (counts));
      else
        g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID,
                     "RLE counts are neither a string nor a list of integers");
      if (compressed == NULL)
        return NULL;
      return pm_mask_from_rle (compressed, image->width, image->height, error);
    }
  g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID,
               "segmentation is neither a list of polygons nor an RLE object");
  return NULL;
}

/* ------------------------------------------------------------ second pass */

/* Merges the annotations of @image into one mask per label (label id → PmMask). */
static GHashTable *
merge_annotations (Import       *im,
                   ImportImage  *image)
{
  GHashTable *masks = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                             (GDestroyNotify) pm_mask_free);

  for (guint i = 0; i < image->annotations->len; i++)
    {
      guint k = g_array_index (image->annotations, guint, i);
      JsonObject *obj = element_object (im->annotations_json, k);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(PmMask) mask = NULL;
      gint64 id = 0, category_id = 0, *label;
      PmMask *merged;

      get_int (obj, "id", &id);
      get_int (obj, "category_id", &category_id);
      label = g_hash_table_lookup (im->labels, &category_id);
      mask = decode_segmentation (json_object_get_member (obj, "segmentation"), image,
                                  &local_error);
      if (mask == NULL)
        {
          add_problem (im, "annotations[%u] (id %" G_GINT64_FORMAT "): %s; skipped", k, id,
                       local_error->message);
          continue;
        }
      merged = g_hash_table_lookup (masks, label);
      if (merged == NULL)
        g_hash_table_insert (masks, int64_dup (*label), g_steal_pointer (&mask));
      else
        for (gsize p = 0; p < (gsize) mask->width * mask->height; p++)
          merged->data[p] = MAX (merged->data[p], mask->data[p]);
    }
  return masks;
}

/* Stores one image's drafts and marks it drafted; FALSE only for a store failure. */
static gboolean
import_image (Import       *im,
              ImportImage  *image,
              GError      **error)
{
  g_autofree char *file = g_build_filename (im->root, image->file_name, NULL);
  g_autofree char *instruction = g_strdup_printf ("imported from %s", im->json_name);
  g_autoptr(PmProjectImage) row = NULL;
  g_autoptr(PmImage) photo = NULL;
  g_autoptr(PmImage) thumb = NULL;
  g_autoptr(GBytes) thumb_png = NULL;
  g_autoptr(GHashTable) masks = NULL;
  g_autoptr(GError) local_error = NULL;
  GHashTableIter iter;
  gpointer key, value;
  gint64 image_id;

  image_id = pm_store_find_project_image (im->store, im->project_id, image->file_name, error);
  row = image_id > 0 ? pm_store_get_project_image (im->store, image_id, error) : NULL;
  if (row == NULL)
    return FALSE;
  if (row->status == PM_IMAGE_STATUS_REVIEWED || row->status == PM_IMAGE_STATUS_REJECTED)
    {
      im->report->n_kept++;
      return TRUE;
    }
  photo = pm_image_load (file, PM_IMAGE_DEFAULT_MAX_PIXELS, &local_error);
  if (photo == NULL)
    {
      add_problem (im, "images[%u] (%s): %s; skipped", image->index, image->file_name,
                   local_error->message);
      return TRUE;
    }
  if (photo->width != image->width || photo->height != image->height)
    {
      add_problem (im, "images[%u] (%s): the file says %d×%d but the photo is %d×%d; skipped",
                   image->index, image->file_name, image->width, image->height, photo->width,
                   photo->height);
      return TRUE;
    }
  thumb = pm_store_make_thumbnail (photo);
  thumb_png = pm_image_encode_png (thumb, error);
  if (thumb_png == NULL ||
      !pm_store_set_image_thumbnail (im->store, image_id, photo->width, photo->height,
                                     thumb_png, error))
    return FALSE;

  masks = merge_annotations (im, image);
  g_hash_table_iter_init (&iter, masks);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gint64 pixels = pm_mask_count (value);
      PmRunRecord run = { .instruction = instruction, .engine = "import",
                          .color = PM_COLOR_HIGHLIGHT_HEX, .status = "ok",
                          .message = g_hash_table_lookup (im->label_names, key),
                          .result = pixels > 0 ? "found" : "empty", .mask_pixels = pixels };
      PmDraftRecord draft = { .image_id = image_id, .label_id = *(gint64 *) key,
                              .replace = TRUE, .run = &run, .mask = value };

      if (pm_store_add_draft (im->store, &draft, error) == 0)
        return FALSE;
      im->report->n_drafts++;
    }
  /* The file is the whole truth about this image: a category it does not annotate is
   * absent, so the image is ready for review. */
  if (!pm_store_set_image_status (im->store, image_id, PM_IMAGE_STATUS_DRAFTED, error))
    return FALSE;
  im->report->n_images++;
  return TRUE;
}

struct _PmCocoFile {
  char       *path;
  JsonParser *parser;
  JsonArray  *images;        /* borrowed from the parser */
  JsonArray  *categories;
  JsonArray  *annotations;   /* NULL if the file has none */
};

void
pm_coco_file_free (PmCocoFile *file)
{
  if (file == NULL)
    return;
  g_free (file->path);
  g_clear_object (&file->parser);
  g_free (file);
}

static JsonArray *
member_array (JsonObject *object,
              const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/**
 * pm_coco_file_load:
 * @path: a COCO JSON file
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the parsed file, or %NULL with %PM_STORE_ERROR_INVALID if it is
 *   not JSON or not shaped like COCO.
 */
PmCocoFile *
pm_coco_file_load (const char  *path,
                   GError     **error)
{
  g_autoptr(PmCocoFile) file = g_new0 (PmCocoFile, 1);
  g_autoptr(GError) local_error = NULL;
  JsonNode *root, *annotations;
  JsonObject *object;

  g_return_val_if_fail (path != NULL, NULL);

  file->path = g_strdup (path);
  file->parser = json_parser_new_immutable ();
  if (!json_parser_load_from_mapped_file (file->parser, path, &local_error))
    {
      /* The parser quotes the text at fault, newlines included (found by fuzz-coco). */
      g_strdelimit (local_error->message, "\r\n", ' ');
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID, "%s is not valid JSON: %s",
                   path, local_error->message);
      return NULL;
    }
  root = json_parser_get_root (file->parser);
  object = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  file->images = member_array (object, "images");
  file->categories = member_array (object, "categories");
  file->annotations = member_array (object, "annotations");
  annotations = object != NULL ? json_object_get_member (object, "annotations") : NULL;
  if (file->images == NULL || file->categories == NULL ||
      (annotations != NULL && file->annotations == NULL && !JSON_NODE_HOLDS_NULL (annotations)))
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID,
                   "%s is not COCO JSON: it needs an object with \"images\" and "
                   "\"categories\" lists (and \"annotations\")", path);
      return NULL;
    }
  return g_steal_pointer (&file);
}

/**
 * pm_dataset_import_coco:
 * @store: a store
 * @file: a COCO file from pm_coco_file_load()
 * @root: the folder its file_names are relative to; the project is the one rooted there
 * @progress: (nullable): called after each image
 * @progress_data: its data
 * @project_id: (out) (optional): the project
 * @report: (out caller-allocates): counts and per-item problems
 *   (pm_dataset_report_init() first)
 * @error: return location for a #GError
 *
 * See pm-dataset-io.h.
 *
 * Returns: %TRUE unless the database failed (problems with single items aside).
 */
gboolean
pm_dataset_import_coco (PmStore                *store,
                        PmCocoFile             *file,
                        const char             *root,
                        PmDatasetProgressFunc   progress,
                        gpointer                progress_data,
                        gint64                 *project_id,
                        PmDatasetReport        *report,
                        GError                **error)
{
  g_auto(Import) im = { .store = store, .report = report };
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();

  g_return_val_if_fail (store != NULL && file != NULL && root != NULL, FALSE);
  g_return_val_if_fail (report != NULL && report->problems != NULL, FALSE);

  if (!g_file_test (root, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND, "%s is not a folder", root);
      return FALSE;
    }
  im.images_json = file->images;
  im.annotations_json = file->annotations;
  im.json_name = g_path_get_basename (file->path);
  im.root = g_canonicalize_filename (root, NULL);
  im.labels = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  im.label_names = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  im.images = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  im.image_order = g_ptr_array_new_with_free_func ((GDestroyNotify) import_image_free);

  im.project_id = pm_store_ensure_project (store, im.root, error);
  if (im.project_id == 0 || !read_categories (&im, file->categories, error))
    return FALSE;
  read_images (&im);
  read_annotations (&im);

  for (guint i = 0; i < im.image_order->len; i++)
    g_ptr_array_add (paths, (gpointer) ((ImportImage *) im.image_order->pdata[i])->file_name);
  if (!pm_store_add_project_images (store, im.project_id, (const char * const *) paths->pdata,
                                    paths->len, NULL, error))
    return FALSE;
  for (guint i = 0; i < im.image_order->len; i++)
    {
      if (!import_image (&im, im.image_order->pdata[i], error))
        return FALSE;
      if (progress != NULL)
        progress (i + 1, im.image_order->len, progress_data);
    }
  if (project_id != NULL)
    *project_id = im.project_id;
  return TRUE;
}
