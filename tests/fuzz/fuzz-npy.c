/* fuzz-npy.c: reading .npy files; what is read must encode and read back the same.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-fuzz.h"
#include "pm-npy.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autofree float *values = NULL;
  g_autofree float *again = NULL;
  g_autoptr(GBytes) encoded = NULL;
  gint64 shape[PM_NPY_MAX_DIMS], shape2[PM_NPY_MAX_DIMS];
  int n_dims = -1, n_dims2 = -1;
  gsize numel = 1, len;
  const guint8 *buf;

  pm_fuzz_init ();
  values = pm_npy_decode (data, size, "fuzz.npy", &n_dims, shape, &error);
  if (values == NULL)
    {
      g_assert (error != NULL && strchr (error->message, '\n') == NULL);
      return 0;
    }
  g_assert (n_dims >= 0 && n_dims <= PM_NPY_MAX_DIMS);
  for (int d = 0; d < n_dims; d++)
    numel *= shape[d];
  encoded = pm_npy_encode (values, n_dims, shape);
  buf = g_bytes_get_data (encoded, &len);
  again = pm_npy_decode (buf, len, "again.npy", &n_dims2, shape2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n_dims2, ==, n_dims);
  g_assert (memcmp (shape, shape2, sizeof (gint64) * n_dims) == 0);
  g_assert (numel == 0 || memcmp (values, again, sizeof (float) * numel) == 0);
  return 0;
}
