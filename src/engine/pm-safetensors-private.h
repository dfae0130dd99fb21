/* pm-safetensors-private.h: the reader's state, shared by pm-safetensors.c (header,
 * mapping, reads) and pm-safetensors-finite.c (the scan for NaN and infinity).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-safetensors.h"

G_BEGIN_DECLS

struct _PmSafetensors {
  char              *path;       /* for messages */
  GMappedFile       *mapped;     /* either this … */
  GBytes            *bytes;      /* … or this holds the file */
  const guint8      *data;       /* start of the data region */
  guint64            data_size;
  GPtrArray         *infos;      /* PmSafetensorsInfo*, sorted by begin */
  GHashTable        *by_name;    /* name → PmSafetensorsInfo* */
  GHashTable        *converted;  /* name → float* (owned), F16/BF16/F64/unaligned F32 */
  GHashTable        *finite;     /* names of tensors checked free of NaN and infinity */
  GHashTable        *metadata;   /* key → value */
  GPtrArray         *copies;     /* float* (owned): tensors pm_safetensors_detach () copied */
};

/* Makes @error's message one line (names come from the file); returns FALSE. */
gboolean pm_safetensors_fold_error_lines (GError **error);

G_END_DECLS
