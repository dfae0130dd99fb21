/* pm-damaged-model-util.h: a copy of a model folder with one weight damaged, for the tests of
 * what a damaged weight does (test-sam-engine, test-app-tools).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <string.h>

#include "pm-safetensors.h"
#include "pm-test-util.h"

/* Copies config.json, preprocessor_config.json and model.safetensors of @src into @dst
 * (made if missing) and sets element 7 of @tensor (F32) to +infinity in the copy. */
static inline void
pm_test_damaged_model_copy (const char *src,
                            const char *dst,
                            const char *tensor)
{
  const char *files[] = { "config.json", "preprocessor_config.json", "model.safetensors" };
  g_autofree char *weights = g_build_filename (dst, "model.safetensors", NULL);
  g_autofree char *data = NULL;
  g_autoptr(PmSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;
  const PmSafetensorsInfo *info;
  const guint32 inf_bits = 0x7f800000;
  guint64 hlen = 0;
  gsize len;

  pm_test_copy_files (src, dst, files, G_N_ELEMENTS (files));
  st = pm_safetensors_open (weights, &error);
  g_assert_no_error (error);
  info = pm_safetensors_lookup (st, tensor);
  g_assert_nonnull (info);
  g_assert_true (g_file_get_contents (weights, &data, &len, NULL));
  for (int i = 7; i >= 0; i--)
    hlen = (hlen << 8) | (guint8) data[i];
  g_assert_cmpuint (8 + hlen + info->begin + 4 * 8, <=, len);
  memcpy (data + 8 + hlen + info->begin + 4 * 7, &inf_bits, 4);
  g_assert_true (g_file_set_contents (weights, data, len, NULL));
}
