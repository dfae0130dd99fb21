/* fuzz-coco.c: COCO JSON import (shape checks, categories, images, RLE and polygon
 * segmentations) into a history database.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The project folder holds a.png (8×6) and b.png (4×4); file_names may name them, anything
 * else, "..", absolute paths.
 */
#include "pm-fuzz.h"
#include "pm-dataset-io.h"
#include "pm-image.h"
#include "pm-store.h"

#include <glib/gstdio.h>
#include <string.h>

static char *root;

static void
write_image (const char *name,
             int         width,
             int         height)
{
  g_autoptr(PmImage) image = pm_image_new (width, height);
  g_autofree char *path = g_build_filename (root, name, NULL);
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < width * height * 4; i++)
    image->data[i] = (guint8) (i * 37);
  if (!pm_image_save_png (image, path, &error))
    g_error ("%s", error->message);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *path = NULL;
  g_autoptr(PmCocoFile) file = NULL;
  g_autoptr(GError) error = NULL;
  PmDatasetReport report;

  pm_fuzz_init ();
  if (root == NULL)
    {
      root = g_build_filename (pm_fuzz_dir (), "root", NULL);
      g_mkdir (root, 0700);
      write_image ("a.png", 8, 6);
      write_image ("b.png", 4, 4);
    }
  path = pm_fuzz_write ("in.json", data, size);
  file = pm_coco_file_load (path, &error);
  if (file == NULL)
    {
      g_assert (error != NULL && strchr (error->message, '\n') == NULL);
      return 0;
    }
  pm_dataset_report_init (&report);
  if (!pm_dataset_import_coco (pm_fuzz_store (), file, root, NULL, NULL, NULL, &report,
                               &error))
    g_error ("import failed on a database that works: %s", error->message);
  for (guint i = 0; i < report.problems->len; i++)
    g_assert (strchr (report.problems->pdata[i], '\n') == NULL);
  pm_dataset_report_clear (&report);
  return 0;
}
