/* pm-npy.c: float32 NumPy .npy reading and writing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Format: "\x93NUMPY", major, minor, header length (u16 for 1.x, u32 for 2.x/3.x, LE),
 * then a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (…), }
 * padded with spaces to a multiple of 64 bytes and ending in '\n', then the raw data.
 */
#define G_LOG_DOMAIN "pm-npy"

#include "pm-npy.h"

#include <string.h>

G_DEFINE_QUARK (pm-npy-error-quark, pm_npy_error)

#define NPY_MAX_HEADER 65536

GBytes *
pm_npy_encode (const float  *data,
               int           n_dims,
               const gint64 *shape)
{
  GString *dict = g_string_new ("{'descr': '<f4', 'fortran_order': False, 'shape': (");
  GByteArray *out = g_byte_array_new ();
  gint64 numel = 1;
  guint16 hlen;
  gsize total;

  g_return_val_if_fail (n_dims >= 0 && n_dims <= PM_NPY_MAX_DIMS, NULL);
  for (int i = 0; i < n_dims; i++)
    {
      /* (3,) for one dim, (1, 3, 64, 64) for more, () for a scalar */
      g_string_append_printf (dict, "%s%" G_GINT64_FORMAT "%s", i ? ", " : "", shape[i],
                              n_dims == 1 ? "," : "");
      numel *= shape[i];
    }
  g_string_append (dict, "), }");
  /* magic (6) + version (2) + len (2) + dict + padding + '\n' ≡ 0 mod 64 */
  total = 10 + dict->len + 1;
  while (total % 64 != 0)
    {
      g_string_append_c (dict, ' ');
      total++;
    }
  g_string_append_c (dict, '\n');
  hlen = GUINT16_TO_LE ((guint16) dict->len);

  g_byte_array_append (out, (const guint8 *) "\x93NUMPY\x01\x00", 8);
  g_byte_array_append (out, (const guint8 *) &hlen, 2);
  g_byte_array_append (out, (const guint8 *) dict->str, dict->len);
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  g_byte_array_append (out, (const guint8 *) data, (guint) (numel * sizeof (float)));
#else
#error "big-endian hosts are not supported"
#endif
  g_string_free (dict, TRUE);
  return g_byte_array_free_to_bytes (out);
}

/**
 * pm_npy_save:
 * @path: file to write
 * @data: numel floats
 * @n_dims: number of dims (0..8)
 * @shape: sizes, outermost first
 * @error: return location
 *
 * Writes a float32 little-endian C-order .npy file.
 */
gboolean
pm_npy_save (const char   *path,
             const float  *data,
             int           n_dims,
             const gint64 *shape,
             GError      **error)
{
  g_autoptr(GBytes) bytes = pm_npy_encode (data, n_dims, shape);
  g_autoptr(GError) local = NULL;
  gsize len;
  const char *buf = g_bytes_get_data (bytes, &len);

  if (!g_file_set_contents (path, buf, (gssize) len, &local))
    {
      g_set_error (error, PM_NPY_ERROR, PM_NPY_ERROR_IO, "%s: cannot write: %s", path,
                   local->message);
      return FALSE;
    }
  return TRUE;
}

/* Finds `'key':` in the dict and returns the text after it (skipping spaces). */
static const char *
find_key (const char *dict,
          const char *key)
{
  g_autofree char *pat1 = g_strdup_printf ("'%s':", key);
  g_autofree char *pat2 = g_strdup_printf ("\"%s\":", key);
  const char *p = strstr (dict, pat1);

  if (p == NULL)
    p = strstr (dict, pat2);
  if (p == NULL)
    return NULL;
  p += strlen (pat1);
  while (*p == ' ')
    p++;
  return p;
}

float *
pm_npy_decode (const guint8 *buf,
               gsize         len,
               const char   *name,
               int          *n_dims,
               gint64       *shape,
               GError      **error)
{
  guint major;
  gsize hlen, off;
  g_autofree char *dict = NULL;
  const char *p;
  guint64 numel = 1;
  int nd = 0;
  gint64 dims[PM_NPY_MAX_DIMS];
  gboolean fortran = FALSE;
  float *data;

#define FAIL(...) G_STMT_START { \
    g_autofree char *m_ = g_strdup_printf (__VA_ARGS__); \
    g_set_error (error, PM_NPY_ERROR, PM_NPY_ERROR_FORMAT, "%s: %s", name, m_); \
    return NULL; } G_STMT_END

  if (len < 10 || memcmp (buf, "\x93NUMPY", 6) != 0)
    FAIL ("not a .npy file");
  major = buf[6];
  if (major == 1)
    {
      hlen = buf[8] | ((gsize) buf[9] << 8);
      off = 10;
    }
  else if (major == 2 || major == 3)
    {
      if (len < 12)
        FAIL ("truncated header");
      hlen = buf[8] | ((gsize) buf[9] << 8) | ((gsize) buf[10] << 16) | ((gsize) buf[11] << 24);
      off = 12;
    }
  else
    FAIL ("unsupported format version %u", major);
  if (hlen > NPY_MAX_HEADER || hlen > len - off)
    FAIL ("header length %" G_GSIZE_FORMAT " past the end of the file", hlen);
  dict = g_strndup ((const char *) buf + off, hlen);
  if (strlen (dict) != hlen)
    FAIL ("NUL byte in header");

  p = find_key (dict, "descr");
  if (p == NULL || !(g_str_has_prefix (p, "'<f4'") || g_str_has_prefix (p, "\"<f4\"")))
    FAIL ("dtype is not little-endian float32 ('<f4')");
  p = find_key (dict, "fortran_order");
  if (p != NULL && g_str_has_prefix (p, "True"))
    fortran = TRUE;
  else if (p == NULL || !g_str_has_prefix (p, "False"))
    FAIL ("no valid fortran_order");
  p = find_key (dict, "shape");
  if (p == NULL || *p != '(')
    FAIL ("no shape");
  p++;
  for (;;)
    {
      char *end;
      guint64 v;

      while (*p == ' ' || *p == ',')
        p++;
      if (*p == ')')
        break;
      if (!g_ascii_isdigit (*p))
        FAIL ("malformed shape");
      v = g_ascii_strtoull (p, &end, 10);
      if (end == p || v > G_MAXINT32 || nd >= PM_NPY_MAX_DIMS)
        FAIL ("malformed shape");
      if (v != 0 && numel > G_MAXUINT64 / v)
        FAIL ("shape overflows");
      numel *= v;
      dims[nd++] = (gint64) v;
      p = end;
    }
  off += hlen;
  if (numel > (len - off) / sizeof (float) || numel * sizeof (float) != len - off)
    FAIL ("data size does not match the shape (%" G_GSIZE_FORMAT " bytes for %"
          G_GUINT64_FORMAT " floats)", len - off, numel);
#undef FAIL

  data = g_new (float, MAX (numel, 1));
  if (!fortran || nd < 2)
    memcpy (data, buf + off, numel * sizeof (float));
  else
    {
      /* column-major on disk: reorder to C order (first index slowest) */
      const guint8 *src = buf + off;
      gint64 idx[PM_NPY_MAX_DIMS] = { 0 };

      for (guint64 c = 0; c < numel; c++)
        {
          gint64 f = 0, stride = 1;

          for (int d = 0; d < nd; d++)
            {
              f += idx[d] * stride;
              stride *= dims[d];
            }
          memcpy (data + c, src + f * sizeof (float), sizeof (float));
          for (int d = nd - 1; d >= 0; d--)
            {
              if (++idx[d] < dims[d])
                break;
              idx[d] = 0;
            }
        }
    }
  *n_dims = nd;
  for (int i = 0; i < nd; i++)
    shape[i] = dims[i];
  return data;
}

/**
 * pm_npy_load:
 * @path: a .npy file
 * @n_dims: (out): number of dims
 * @shape: (out): PM_NPY_MAX_DIMS entries
 * @error: return location
 *
 * Returns: (transfer full): the data, or NULL with @error set.
 */
float *
pm_npy_load (const char *path,
             int        *n_dims,
             gint64     *shape,
             GError    **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local = NULL;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, &local))
    {
      g_set_error (error, PM_NPY_ERROR, PM_NPY_ERROR_IO, "%s: %s", path, local->message);
      return NULL;
    }
  return pm_npy_decode ((const guint8 *) contents, len, path, n_dims, shape, error);
}
