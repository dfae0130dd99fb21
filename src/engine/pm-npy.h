/* pm-npy.h: reading and writing float32 NumPy .npy files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Only little-endian float32 ('<f4') is supported, format versions 1.0–3.0; files are
 * written in C order, Fortran-order files are reordered to C order when read.
 * The header is validated (magic, lengths, dict keys, shape) before the data is read.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PM_NPY_ERROR (pm_npy_error_quark ())
GQuark pm_npy_error_quark (void);

typedef enum {
  PM_NPY_ERROR_IO,
  PM_NPY_ERROR_FORMAT,
} PmNpyError;

#define PM_NPY_MAX_DIMS 8

/* Writes @data with @shape (outermost first; n_dims may be 0 for a scalar). */
gboolean pm_npy_save       (const char    *path,
                            const float   *data,
                            int            n_dims,
                            const gint64  *shape,
                            GError       **error);
/* Encodes to memory. */
GBytes  *pm_npy_encode     (const float   *data,
                            int            n_dims,
                            const gint64  *shape);
/* Returns newly allocated data (g_free); fills @n_dims and @shape[PM_NPY_MAX_DIMS]. */
float   *pm_npy_load       (const char    *path,
                            int           *n_dims,
                            gint64        *shape,
                            GError       **error);
float   *pm_npy_decode     (const guint8  *buf,
                            gsize          len,
                            const char    *name,
                            int           *n_dims,
                            gint64        *shape,
                            GError       **error);

G_END_DECLS
