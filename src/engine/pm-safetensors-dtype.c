/* pm-safetensors-dtype.c: conversions of a checkpoint's half-precision and other float
 * dtypes to float32 (the reader itself is pm-safetensors.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-safetensors"

#include "pm-safetensors.h"

#include <string.h>

/* ---------------------------------------------------------------------------------------
 * Half-precision conversions
 * ------------------------------------------------------------------------------------- */

static inline float
bits_to_f32 (guint32 u)
{
  float f;
  memcpy (&f, &u, 4);
  return f;
}

static inline guint32
f32_to_bits (float f)
{
  guint32 u;
  memcpy (&u, &f, 4);
  return u;
}

float
pm_f16_to_f32 (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 exp = (h >> 10) & 0x1f;
  guint32 man = h & 0x3ff;

  if (exp == 0x1f)                      /* inf / NaN */
    return bits_to_f32 (sign | 0x7f800000u | (man << 13));
  if (exp == 0)
    {
      /* zero or subnormal: man · 2^−24 */
      float v = (float) man * (1.0f / 16777216.0f);
      return sign ? -v : v;
    }
  return bits_to_f32 (sign | ((exp + 112) << 23) | (man << 13));
}

float
pm_bf16_to_f32 (guint16 h)
{
  return bits_to_f32 ((guint32) h << 16);
}

guint16
pm_f32_to_f16 (float f)
{
  guint32 u = f32_to_bits (f);
  guint32 sign = (u >> 16) & 0x8000;
  gint32 exp = (gint32) ((u >> 23) & 0xff) - 127 + 15;
  guint32 man = u & 0x7fffff;

  if (((u >> 23) & 0xff) == 0xff)
    return (guint16) (sign | 0x7c00 | (man ? 0x200 : 0));
  if (exp >= 0x1f)
    return (guint16) (sign | 0x7c00);
  if (exp <= 0)
    {
      /* subnormal: shift the mantissa (with its implicit 1) right, round to nearest even */
      guint32 m, shift, r, half;
      if (exp < -10)
        return (guint16) sign;
      m = man | 0x800000;
      shift = (guint32) (14 - exp);
      r = m >> shift;
      half = 1u << (shift - 1);
      if ((m & ((1u << shift) - 1)) > half || ((m & ((1u << shift) - 1)) == half && (r & 1)))
        r++;
      return (guint16) (sign | r);
    }
  else
    {
      guint32 r = ((guint32) exp << 10) | (man >> 13);
      guint32 rest = man & 0x1fff;
      if (rest > 0x1000 || (rest == 0x1000 && (r & 1)))
        r++;                             /* may carry into the exponent: still correct */
      return (guint16) (sign | r);
    }
}

/* All 65536 halves widened once: bulk conversion becomes a table lookup. */
static const float *
f16_table (void)
{
  static float table[65536];
  static gsize done;

  if (g_once_init_enter (&done))
    {
      for (guint i = 0; i < 65536; i++)
        table[i] = pm_f16_to_f32 ((guint16) i);
      g_once_init_leave (&done, 1);
    }
  return table;
}

/* clang 14 cannot ask __builtin_cpu_supports for f16c: its builds (fuzzing) use the table. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#include <immintrin.h>
#define F16C_PATH 1

/* Eight halves per instruction with the F16C conversion (exact, like the table). */
__attribute__ ((target ("avx,f16c"))) static gsize
f16_to_f32_f16c (const guint8 *src,
                 float        *dst,
                 gsize         n)
{
  gsize i = 0;

  for (; i + 8 <= n; i += 8)
    {
      __m128i h = _mm_loadu_si128 ((const __m128i *) (const void *) (src + 2 * i));
      _mm256_storeu_ps (dst + i, _mm256_cvtph_ps (h));
    }
  return i;
}
#endif

gboolean
pm_dtype_convert_f32 (PmDtype       dtype,
                      const guint8 *src,
                      float        *dst,
                      gsize         n)
{
#if G_BYTE_ORDER != G_LITTLE_ENDIAN
#error "big-endian hosts are not supported"
#endif
  switch (dtype)
    {
    case PM_DTYPE_F32:
      memcpy (dst, src, n * 4);
      return TRUE;
    case PM_DTYPE_F16:
      {
        const float *table = f16_table ();
        gsize i = 0;

#ifdef F16C_PATH
        if (__builtin_cpu_supports ("f16c"))
          i = f16_to_f32_f16c (src, dst, n);
#endif
        for (; i < n; i++)
          {
            guint16 h;
            memcpy (&h, src + 2 * i, 2);
            dst[i] = table[h];
          }
        return TRUE;
      }
    case PM_DTYPE_BF16:
      for (gsize i = 0; i < n; i++)
        {
          guint16 h;
          memcpy (&h, src + 2 * i, 2);
          dst[i] = pm_bf16_to_f32 (h);
        }
      return TRUE;
    case PM_DTYPE_F64:
      for (gsize i = 0; i < n; i++)
        {
          double d;
          memcpy (&d, src + 8 * i, 8);
          dst[i] = (float) d;
        }
      return TRUE;
    case PM_DTYPE_I64:
    case PM_DTYPE_I32:
    case PM_DTYPE_I16:
    case PM_DTYPE_I8:
    case PM_DTYPE_U8:
    case PM_DTYPE_BOOL:
    case PM_DTYPE_F8_E4M3:
    case PM_DTYPE_F8_E5M2:
    default:
      return FALSE;
    }
}
