/* pm-gui-test-disk.h: the photo the GUI tests edit: a red disk on grey, and which pixels are
 * in the disk.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pm-image.h"

#define PM_TEST_DISK_W  320
#define PM_TEST_DISK_H  240
#define PM_TEST_DISK_CX 160.0
#define PM_TEST_DISK_CY 120.0
#define PM_TEST_DISK_R  60.0

/* Whether the centre of pixel (@x, @y) is within @r of the disk's centre. */
static inline gboolean
pm_test_disk_contains (double x,
                       double y,
                       double r)
{
  return (x + 0.5 - PM_TEST_DISK_CX) * (x + 0.5 - PM_TEST_DISK_CX) +
         (y + 0.5 - PM_TEST_DISK_CY) * (y + 0.5 - PM_TEST_DISK_CY) <= r * r;
}

/* Writes the photo to @dir/@name and returns its path: the disk (radius PM_TEST_DISK_R) in
 * red on a grey of level @background. */
static inline char *
pm_test_disk_photo_write (const char *dir,
                          const char *name,
                          guint8      background)
{
  g_autoptr(PmImage) image = pm_image_new (PM_TEST_DISK_W, PM_TEST_DISK_H);
  g_autoptr(GError) error = NULL;
  char *path;

  for (int y = 0; y < PM_TEST_DISK_H; y++)
    for (int x = 0; x < PM_TEST_DISK_W; x++)
      {
        guint8 *p = image->data + ((gsize) y * PM_TEST_DISK_W + x) * 4;
        gboolean disk = pm_test_disk_contains (x, y, PM_TEST_DISK_R);
        /* A little shading so the edit has lightness to keep. */
        int shade = (int) (20.0 * (x - PM_TEST_DISK_CX) / PM_TEST_DISK_W);

        p[0] = disk ? 200 + shade : background;
        p[1] = disk ? 30 : background;
        p[2] = disk ? 30 : background;
        p[3] = 255;
      }
  path = g_build_filename (dir, name, NULL);
  g_assert_true (pm_image_save_png (image, path, &error));
  g_assert_no_error (error);
  return path;
}
