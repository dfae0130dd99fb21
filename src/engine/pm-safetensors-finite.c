/* pm-safetensors-finite.c: the scan of a tensor's values for NaN and infinity (every
 * weight a model uses is scanned once: at load where it is used as stored or copied, by a
 * model's packing thread where it is packed).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-safetensors"

#include "pm-safetensors-private.h"

#include <string.h>

/* Index of the first value of @n at @src (elements of @size bytes, little-endian, any
 * alignment) whose exponent bits under @mask are all ones, or -1. Checked in blocks so the
 * common case (none) is one branch per block; one loop per element size, so each is a
 * fixed-width load the compiler vectorises (every weight of a checkpoint is read once). */
#define DEFINE_FIND_ALL_ONES(name, type)                                        \
  static gint64                                                               \
  name (const guint8 *src,                                                    \
        gsize         n,                                                      \
        type          mask)                                                   \
  {                                                                           \
    for (gsize b = 0; b < n; b += 4096)                                       \
      {                                                                       \
        gsize e = MIN (n, b + 4096);                                          \
        type bad = 0;                                                         \
                                                                              \
        for (gsize i = b; i < e; i++)                                         \
          {                                                                   \
            type u;                                                           \
            memcpy (&u, src + i * sizeof (type), sizeof (type));              \
            bad |= (type) ((u & mask) == mask);                               \
          }                                                                   \
        if (bad)                                                              \
          for (gsize i = b; i < e; i++)                                       \
            {                                                                 \
              type u;                                                         \
              memcpy (&u, src + i * sizeof (type), sizeof (type));            \
              if ((u & mask) == mask)                                         \
                return (gint64) i;                                            \
            }                                                                 \
      }                                                                       \
    return -1;                                                                \
  }

DEFINE_FIND_ALL_ONES (find_all_ones_8, guint8)
DEFINE_FIND_ALL_ONES (find_all_ones_scalar_16, guint16)
DEFINE_FIND_ALL_ONES (find_all_ones_scalar_32, guint32)
DEFINE_FIND_ALL_ONES (find_all_ones_64, guint64)

/* F32, F16 and BF16 (nearly all weights): 64 bytes an iteration in four 16-byte vectors
 * (GCC/Clang vector extensions, SSE2 or NEON), then the exact scalar search in the 4096
 * elements of a block that holds a match. */
typedef guint32 PmV4u __attribute__ ((vector_size (16)));

static gboolean
any_all_ones_64b (const guint8 *src,
                  gsize         n_bytes,
                  PmV4u         mask)
{
  PmV4u bad = { 0, 0, 0, 0 };
  gsize i = 0;

  for (; i + 64 <= n_bytes; i += 64)
    {
      PmV4u a, b, c, d;

      memcpy (&a, src + i, 16);
      memcpy (&b, src + i + 16, 16);
      memcpy (&c, src + i + 32, 16);
      memcpy (&d, src + i + 48, 16);
      bad |= (PmV4u) ((a & mask) == mask) | (PmV4u) ((b & mask) == mask) |
             (PmV4u) ((c & mask) == mask) | (PmV4u) ((d & mask) == mask);
    }
  return (bad[0] | bad[1] | bad[2] | bad[3]) != 0 || i < n_bytes;
}

static gint64
find_all_ones_32 (const guint8 *src,
                  gsize         n,
                  guint32       mask)
{
  PmV4u vmask = { mask, mask, mask, mask };

  for (gsize b = 0; b < n; b += 4096)
    {
      gsize e = MIN (n, b + 4096);

      /* a short tail (not a multiple of 16 elements) is searched exactly */
      if (any_all_ones_64b (src + b * 4, (e - b) * 4, vmask))
        {
          gint64 at = find_all_ones_scalar_32 (src + b * 4, e - b, mask);

          if (at >= 0)
            return (gint64) b + at;
        }
    }
  return -1;
}

static gint64
find_all_ones_16 (const guint8 *src,
                  gsize         n,
                  guint16       mask)
{
  /* Both halves of each 32-bit lane: the low element's mask and the high one's. */
  guint32 m2 = (guint32) mask | ((guint32) mask << 16);

  for (gsize b = 0; b < n; b += 4096)
    {
      gsize e = MIN (n, b + 4096);
      PmV4u lo = { mask, mask, mask, mask };
      PmV4u hi = { m2 & 0xffff0000u, m2 & 0xffff0000u, m2 & 0xffff0000u, m2 & 0xffff0000u };

      if (any_all_ones_64b (src + b * 2, (e - b) * 2, lo) ||
          any_all_ones_64b (src + b * 2, (e - b) * 2, hi))
        {
          gint64 at = find_all_ones_scalar_16 (src + b * 2, e - b, mask);

          if (at >= 0)
            return (gint64) b + at;
        }
    }
  return -1;
}

static gint64
find_all_ones (const guint8 *src,
               gsize         n,
               gsize         size,
               guint64       mask)
{
  switch (size)
    {
    case 1: return find_all_ones_8 (src, n, (guint8) mask);
    case 2: return find_all_ones_16 (src, n, (guint16) mask);
    case 4: return find_all_ones_32 (src, n, (guint32) mask);
    case 8: return find_all_ones_64 (src, n, mask);
    default: g_return_val_if_reached (-1);
    }
}

/* The first NaN or infinite element of @info, or −1 (float dtypes; integers have none). */
static gint64
find_not_finite (PmSafetensors           *st,
                 const PmSafetensorsInfo *info)
{
  const guint8 *src = st->data + info->begin;
  gsize n = (info->end - info->begin) / pm_dtype_size (info->dtype);

  switch (info->dtype)
    {
    case PM_DTYPE_F32:     return find_all_ones (src, n, 4, 0x7f800000u);
    case PM_DTYPE_F16:     return find_all_ones (src, n, 2, 0x7c00u);
    case PM_DTYPE_BF16:    return find_all_ones (src, n, 2, 0x7f80u);
    case PM_DTYPE_F64:     return find_all_ones (src, n, 8, G_GUINT64_CONSTANT (0x7ff0000000000000));
    case PM_DTYPE_F8_E4M3: return find_all_ones (src, n, 1, 0x7fu);  /* NaN only */
    case PM_DTYPE_F8_E5M2: return find_all_ones (src, n, 1, 0x7cu);
    default:               return -1;
    }
}

static gboolean
not_finite_error (PmSafetensors           *st,
                  const PmSafetensorsInfo *info,
                  gint64                   bad,
                  GError                 **error)
{
  g_set_error (error, PM_SAFETENSORS_ERROR, PM_SAFETENSORS_ERROR_TENSOR,
               "%s: tensor “%s”: element %" G_GINT64_FORMAT " is NaN or infinite; the "
               "weights are damaged", st->path, info->name, bad);
  return pm_safetensors_fold_error_lines (error);
}

/**
 * pm_safetensors_check_finite:
 * @st: an open file
 * @info: one of its tensors
 * @error: return location
 *
 * Refuses a floating-point tensor that holds a NaN or an infinity (a damaged or hostile
 * checkpoint would otherwise turn every mask into noise), naming the tensor and the first
 * such element. Integer tensors always pass. Each tensor is scanned once.
 *
 * Returns: %TRUE if every value is finite
 */
gboolean
pm_safetensors_check_finite (PmSafetensors           *st,
                             const PmSafetensorsInfo *info,
                             GError                 **error)
{
  gint64 bad;

  if (g_hash_table_contains (st->finite, info->name))
    return TRUE;
  bad = find_not_finite (st, info);
  if (bad >= 0)
    return not_finite_error (st, info, bad, error);
  g_hash_table_add (st->finite, g_strdup (info->name));
  return TRUE;
}

/**
 * pm_safetensors_check_finite_data:
 * @st: an open file
 * @data: a view pm_safetensors_get_f32_unchecked () returned (its first element)
 * @error: return location
 *
 * pm_safetensors_check_finite () for the tensor whose stored data starts at @data, for a
 * check made later than the load, in another thread (it changes nothing in @st: the same
 * tensor may be scanned again). Data that is not a view of the file (a converted copy,
 * checked when it was made) passes.
 *
 * Returns: %TRUE if every value is finite
 */
gboolean
pm_safetensors_check_finite_data (PmSafetensors  *st,
                                  gconstpointer   data,
                                  GError        **error)
{
  const guint8 *p = data;
  guint lo = 0, hi = st->infos->len;
  const PmSafetensorsInfo *info;
  gint64 bad;

  if (st->infos->len == 0 || p < st->data || p >= st->data + st->data_size)
    return TRUE;
  /* the tensor of the largest begin ≤ p (infos are sorted by begin) */
  while (hi - lo > 1)
    {
      guint mid = lo + (hi - lo) / 2;

      if (((const PmSafetensorsInfo *) st->infos->pdata[mid])->begin <= (guint64) (p - st->data))
        lo = mid;
      else
        hi = mid;
    }
  info = st->infos->pdata[lo];
  if (st->data + info->begin != p)
    return TRUE;
  bad = find_not_finite (st, info);
  return bad < 0 || not_finite_error (st, info, bad, error);
}
