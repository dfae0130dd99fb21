/* fuzz-image.c: the image-loading path (gdk-pixbuf, EXIF orientation) with its pixel limit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The limit is a quarter megapixel here so that huge declared sizes are refused, as the
 * default 100 MP limit refuses them in the app, without the fuzzer spending its time
 * decoding large pictures.
 */
#include "pm-fuzz.h"
#include "pm-image.h"

#include <string.h>

#define FUZZ_MAX_PIXELS ((gint64) 250 * 1000)

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(PmImage) image = NULL;
  g_autoptr(GError) error = NULL;

  pm_fuzz_init ();
  bytes = g_bytes_new (data, size);
  image = pm_image_load_bytes (bytes, FUZZ_MAX_PIXELS, &error);
  if (image == NULL)
    {
      g_assert (error != NULL && strchr (error->message, '\n') == NULL);
      return 0;
    }
  g_assert (image->width > 0 && image->height > 0);
  g_assert_cmpint ((gint64) image->width * image->height, <=, FUZZ_MAX_PIXELS);
  return 0;
}
