/* pm-safetensors.h: a validating, memory-mapped reader for .safetensors files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The file is treated as hostile: the header length, JSON, dtypes, shapes and offsets are
 * all checked (with overflow-checked arithmetic) when the file is opened, before any tensor
 * byte is read. Tensors are returned as float32 PmTensor views: F32 data points straight
 * into the mapping when it is 4-byte aligned (otherwise it is copied once); F16 and BF16
 * (and F64) are converted once, on first access, into a buffer owned by the
 * PmSafetensors. Views stay valid until pm_safetensors_free ().
 */
#pragma once

#include <glib.h>
#include "pm-tensor.h"

G_BEGIN_DECLS

#define PM_SAFETENSORS_ERROR (pm_safetensors_error_quark ())
GQuark pm_safetensors_error_quark (void);

typedef enum {
  PM_SAFETENSORS_ERROR_IO,        /* cannot open or map the file */
  PM_SAFETENSORS_ERROR_HEADER,    /* header length, JSON or structure invalid */
  PM_SAFETENSORS_ERROR_TENSOR,    /* one tensor's dtype, shape or offsets invalid */
  PM_SAFETENSORS_ERROR_MISSING,   /* no tensor of that name */
  PM_SAFETENSORS_ERROR_DTYPE,     /* valid dtype that cannot be converted to float32 */
} PmSafetensorsError;

/* Header length bound. */
#define PM_SAFETENSORS_MAX_HEADER ((guint64) 100 * 1000 * 1000)
#define PM_SAFETENSORS_MAX_DIMS 8

typedef enum {
  PM_DTYPE_F32,
  PM_DTYPE_F16,
  PM_DTYPE_BF16,
  PM_DTYPE_F64,
  PM_DTYPE_I64,
  PM_DTYPE_I32,
  PM_DTYPE_I16,
  PM_DTYPE_I8,
  PM_DTYPE_U8,
  PM_DTYPE_BOOL,
  PM_DTYPE_F8_E4M3,
  PM_DTYPE_F8_E5M2,
} PmDtype;

typedef struct {
  const char *name;
  PmDtype     dtype;
  int         n_dims;
  gint64      shape[PM_SAFETENSORS_MAX_DIMS];
  guint64     begin;      /* byte offset in the data region */
  guint64     end;        /* exclusive */
} PmSafetensorsInfo;

typedef struct _PmSafetensors PmSafetensors;

PmSafetensors *pm_safetensors_open        (const char           *path,
                                           GError              **error);
/* Same checks on a buffer in memory (copied); @name is used in error messages. */
PmSafetensors *pm_safetensors_open_bytes  (GBytes               *bytes,
                                           const char           *name,
                                           GError              **error);
void           pm_safetensors_free        (PmSafetensors        *st);

const char    *pm_safetensors_get_path    (PmSafetensors        *st);
guint          pm_safetensors_get_n_tensors (PmSafetensors      *st);
/* Tensors in file order of their offsets. */
const PmSafetensorsInfo *pm_safetensors_get_nth (PmSafetensors  *st,
                                                 guint           i);
/* NULL if absent. */
const PmSafetensorsInfo *pm_safetensors_lookup  (PmSafetensors  *st,
                                                 const char     *name);
/* Value of `__metadata__[key]`, or NULL. */
const char    *pm_safetensors_get_metadata (PmSafetensors       *st,
                                            const char          *key);

/* Fills @out with a float32 view of tensor @name (converted if needed; owned by @st).
 * Errors: MISSING, DTYPE (integer/bool/fp8 tensors). */
gboolean       pm_safetensors_get_f32     (PmSafetensors        *st,
                                           const char           *name,
                                           PmTensor             *out,
                                           GError              **error);

/* Same, checking the shape first (TENSOR error naming both shapes when it differs). */
gboolean       pm_safetensors_get_f32_shaped (PmSafetensors     *st,
                                              const char        *name,
                                              int                n_dims,
                                              const gint64      *shape,
                                              PmTensor          *out,
                                              GError           **error);

/* FALSE with a TENSOR error naming @info and the first NaN or infinite element (float dtypes;
 * integers pass). pm_safetensors_get_f32() checks this itself; callers of
 * pm_safetensors_get_data() on weights call it. */
gboolean       pm_safetensors_check_finite (PmSafetensors           *st,
                                            const PmSafetensorsInfo *info,
                                            GError                 **error);
/* The check of a weight read as stored but left to the thread that packs it (a
 * PmWeightReader with @defer), made later, in any thread, on the view's data. */
gboolean       pm_safetensors_check_finite_data (PmSafetensors      *st,
                                            gconstpointer            data,
                                            GError                 **error);
/* A model's loader reads its weights one after another through this: after the first
 * failure (in @error) the others do nothing and @ok stays FALSE; @bytes adds up their size
 * in float32. With @defer, the weights read as packed (ones a packing thread copies into
 * its own layout, reading them anyway) are not scanned for NaN and infinity here when they
 * are used as stored (aligned F32): the packing thread calls
 * pm_safetensors_check_finite_data () on each before packing it. */
typedef struct {
  PmSafetensors *st;
  GError       **error;
  gboolean       ok;
  gboolean       defer;
  gsize          bytes;
} PmWeightReader;

/* Fills @out with tensor @name, which must have shape @shape (pm_safetensors_get_f32_shaped
 * ()); @packed: a weight the packing thread packs (see above). */
void           pm_weight_reader_read      (PmWeightReader       *reader,
                                           PmTensor             *out,
                                           gboolean              packed,
                                           int                   n_dims,
                                           const gint64         *shape,
                                           const char           *name);
/* The same, the tensor's name made from @fmt. */
void           pm_weight_reader_get       (PmWeightReader       *reader,
                                           PmTensor             *out,
                                           gboolean              packed,
                                           int                   n_dims,
                                           const gint64         *shape,
                                           const char           *fmt,
                                           ...) G_GNUC_PRINTF (6, 7);

/* Raw stored bytes of a tensor (end − begin bytes, any alignment), for callers that
 * convert slices themselves (e.g. embedding rows on demand). */
const guint8  *pm_safetensors_get_data    (PmSafetensors           *st,
                                           const PmSafetensorsInfo *info);
/* The mapped pages wholly inside [data, data + bytes) may leave memory (after a copy was
 * made): read again from the file if touched. No-op for converted data. */
void           pm_safetensors_release_pages (PmSafetensors       *st,
                                             const void          *data,
                                             gsize                bytes);
/* Points @tensor (a view of @st's) at a copy @st owns if it views the mapping, so that
 * reading it does not map pages released around it. */
void           pm_safetensors_detach      (PmSafetensors        *st,
                                           PmTensor             *tensor);
/* Converts @n values of @dtype at @src (little-endian, any alignment) to float32.
 * Returns FALSE for dtypes that are not floating point. */
gboolean       pm_dtype_convert_f32       (PmDtype               dtype,
                                           const guint8         *src,
                                           float                *dst,
                                           gsize                 n);

const char    *pm_dtype_to_string         (PmDtype               dtype);
gsize          pm_dtype_size              (PmDtype               dtype);

/* Converters (exposed for tests). */
float          pm_f16_to_f32              (guint16               h);
float          pm_bf16_to_f32             (guint16               h);
guint16        pm_f32_to_f16              (float                 f);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmSafetensors, pm_safetensors_free)

G_END_DECLS
