/* fuzz-config.c: CLIPSeg and SAM config.json + preprocessor_config.json.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: a first byte choosing the model (even: CLIPSeg, odd: SAM), then config.json, and
 * optionally PM_FUZZ_SEP and preprocessor_config.json.
 */
#include "pm-fuzz.h"
#include "pm-clipseg-config.h"
#include "pm-sam-config.h"

#include <string.h>

static void
check_error (GError *error)
{
  g_assert (error != NULL && error->message[0] != '\0');
  g_assert (strchr (error->message, '\n') == NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const guint8 *parts[2];
  gsize sizes[2], n;
  g_autoptr(GError) error = NULL;
  const char *pre;

  pm_fuzz_init ();
  if (size < 1)
    return 0;
  n = pm_fuzz_split (data + 1, size - 1, PM_FUZZ_SEP, parts, sizes, 2);
  pre = n > 1 ? (const char *) parts[1] : NULL;
  if (data[0] % 2 == 0)
    {
      PmClipsegConfig config;

      if (pm_clipseg_config_load_data (&config, (const char *) parts[0], sizes[0], pre,
                                       n > 1 ? (gssize) sizes[1] : 0, "fuzz", &error))
        {
          if (pm_clipseg_config_validate (&config, &error))
            {
              (void) pm_clipseg_config_get_vision_layers_needed (&config);
              (void) pm_clipseg_config_get_grid (&config);
            }
          else
            check_error (error);
        }
      else
        check_error (error);
    }
  else
    {
      PmSamConfig config;

      (void) pm_sam_config_json_is_sam ((const char *) parts[0], sizes[0]);
      if (pm_sam_config_load_data (&config, (const char *) parts[0], sizes[0], pre,
                                   n > 1 ? (gssize) sizes[1] : 0, "fuzz", &error))
        {
          if (pm_sam_config_validate (&config, &error))
            {
              (void) pm_sam_config_get_grid (&config);
              for (int l = 0; l < config.vision.num_hidden_layers; l++)
                (void) pm_sam_config_is_global (&config, l);
            }
          else
            check_error (error);
        }
      else
        check_error (error);
    }
  return 0;
}
