/* fuzz-safetensors.c: the safetensors header and tensor table, and reading each tensor.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-fuzz.h"
#include "pm-safetensors.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(PmSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;

  pm_fuzz_init ();
  bytes = g_bytes_new (data, size);
  st = pm_safetensors_open_bytes (bytes, "fuzz.safetensors", &error);
  if (st == NULL)
    {
      g_assert (error != NULL && error->message[0] != '\0');
      g_assert (strchr (error->message, '\n') == NULL);
      return 0;
    }
  (void) pm_safetensors_get_metadata (st, "format");
  for (guint i = 0; i < pm_safetensors_get_n_tensors (st); i++)
    {
      const PmSafetensorsInfo *info = pm_safetensors_get_nth (st, i);
      g_autoptr(GError) local = NULL;
      PmTensor t;

      g_assert (pm_safetensors_lookup (st, info->name) == info);
      g_assert (info->begin <= info->end);
      (void) pm_safetensors_get_data (st, info);
      if (pm_safetensors_get_f32 (st, info->name, &t, &local))
        {
          volatile float sink = 0;
          gint64 numel = 1;
          for (int d = 0; d < t.n_dims; d++)
            numel *= t.shape[d];
          for (gint64 k = 0; k < numel; k++)
            sink += t.data[k];
          (void) sink;
        }
    }
  return 0;
}
