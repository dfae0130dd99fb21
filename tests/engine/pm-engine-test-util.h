/* pm-engine-test-util.h: set-up shared by the engine tests (fixture images from the shared
 * folder, instructions built without the parser).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-image.h"
#include "pm-instruction.h"
#include "pm-test-util.h"

/* @relative under the shared folder, loaded as the product loads it (pm_image_load:
 * gdk-pixbuf, EXIF orientation, RGBA). */
static inline PmImage *
pm_test_load_shared_image (const char *relative)
{
  g_autofree char *path = pm_test_shared_path (relative);
  GError *error = NULL;
  PmImage *image = pm_image_load (path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);

  g_assert_no_error (error);
  return image;
}

/* A segment instruction with only a target and qualifiers (no parser needed); free it with
 * pm_instruction_free(). */
static inline PmInstruction *
pm_test_target_instruction_new (const char *target,
                                PmPosition  position,
                                PmSizeRank  rank)
{
  PmInstruction *in = g_new0 (PmInstruction, 1);

  in->text = g_strdup (target);
  in->target = g_strdup (target);
  in->action = PM_ACTION_SEGMENT;
  in->position = position;
  in->size_rank = rank;
  return in;
}
