/* fuzz-rle.c: COCO RLE decoding (pycocotools' compressed counts string).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: width and height (one byte each, 1…256), then the counts string. A decoded mask
 * must survive encoding and decoding again unchanged.
 */
#include "pm-fuzz.h"
#include "pm-maskio.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *counts = NULL;
  g_autoptr(PmMask) mask = NULL;
  g_autoptr(PmMask) again = NULL;
  g_autofree char *encoded = NULL;
  g_autoptr(GError) error = NULL;
  int width, height;

  pm_fuzz_init ();
  if (size < 2)
    return 0;
  width = data[0] + 1;
  height = data[1] + 1;
  counts = g_strndup ((const char *) data + 2, size - 2);
  mask = pm_mask_from_rle (counts, width, height, &error);
  if (mask == NULL)
    {
      g_assert (error != NULL && strchr (error->message, '\n') == NULL);
      return 0;
    }
  g_assert_cmpint (mask->width, ==, width);
  g_assert_cmpint (mask->height, ==, height);
  encoded = pm_mask_to_rle (mask);
  again = pm_mask_from_rle (encoded, width, height, &error);
  g_assert_no_error (error);
  g_assert (memcmp (mask->data, again->data, sizeof (float) * width * height) == 0);
  return 0;
}
