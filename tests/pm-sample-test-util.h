/* pm-sample-test-util.h: a photo of the shared evaluation set (data/eval-public) with its
 * true mask, as the tests that score masks load it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-image.h"
#include "pm-maskio.h"
#include "pm-test-util.h"

typedef struct {
  PmImage *photo;
  PmMask  *truth;
} PmTestSample;

/* Loads data/eval-public/@stem.jpg (as the product loads photos) and the mask
 * data/eval-public/@mask. */
static inline void
pm_test_sample_load (PmTestSample *s,
                     const char   *stem,
                     const char   *mask)
{
  g_autofree char *ip = g_strdup_printf ("data/eval-public/%s.jpg", stem);
  g_autofree char *mp = g_strdup_printf ("data/eval-public/%s", mask);
  g_autofree char *image_path = pm_test_shared_path (ip);
  g_autofree char *mask_path = pm_test_shared_path (mp);
  GError *error = NULL;

  s->photo = pm_image_load (image_path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  g_assert_no_error (error);
  s->truth = pm_mask_load_png (mask_path, &error);
  g_assert_no_error (error);
}

static inline void
pm_test_sample_clear (PmTestSample *s)
{
  pm_image_free (s->photo);
  pm_mask_free (s->truth);
}
