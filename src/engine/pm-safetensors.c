/* pm-safetensors.c: validating, memory-mapped .safetensors reader.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Layout: u64 little-endian header length N, N bytes of JSON
 *   { "name": {"dtype": "F32", "shape": [d0, …], "data_offsets": [begin, end]}, …,
 *     "__metadata__": {"key": "value", …} }
 * then the data region; offsets are relative to its start (byte 8 + N).
 */
#define G_LOG_DOMAIN "pm-safetensors"

#include "pm-safetensors-private.h"

#include <json-glib/json-glib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#include <unistd.h>
#endif

G_DEFINE_QUARK (pm-safetensors-error-quark, pm_safetensors_error)

static const struct {
  const char *name;
  PmDtype     dtype;
  gsize       size;
} dtypes[] = {
  { "F32", PM_DTYPE_F32, 4 },
  { "F16", PM_DTYPE_F16, 2 },
  { "BF16", PM_DTYPE_BF16, 2 },
  { "F64", PM_DTYPE_F64, 8 },
  { "I64", PM_DTYPE_I64, 8 },
  { "I32", PM_DTYPE_I32, 4 },
  { "I16", PM_DTYPE_I16, 2 },
  { "I8", PM_DTYPE_I8, 1 },
  { "U8", PM_DTYPE_U8, 1 },
  { "BOOL", PM_DTYPE_BOOL, 1 },
  { "F8_E4M3", PM_DTYPE_F8_E4M3, 1 },
  { "F8_E5M2", PM_DTYPE_F8_E5M2, 1 },
};

const char *
pm_dtype_to_string (PmDtype dtype)
{
  for (guint i = 0; i < G_N_ELEMENTS (dtypes); i++)
    if (dtypes[i].dtype == dtype)
      return dtypes[i].name;
  return "?";
}

gsize
pm_dtype_size (PmDtype dtype)
{
  for (guint i = 0; i < G_N_ELEMENTS (dtypes); i++)
    if (dtypes[i].dtype == dtype)
      return dtypes[i].size;
  return 0;
}

/* ---------------------------------------------------------------------------------------
 * Header validation
 * ------------------------------------------------------------------------------------- */

static void
info_free (gpointer p)
{
  PmSafetensorsInfo *info = p;
  g_free ((char *) info->name);
  g_free (info);
}

static int
compare_begin (gconstpointer a,
               gconstpointer b)
{
  const PmSafetensorsInfo *x = *(PmSafetensorsInfo * const *) a;
  const PmSafetensorsInfo *y = *(PmSafetensorsInfo * const *) b;

  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  return x->end < y->end ? -1 : (x->end > y->end ? 1 : 0);
}

/* Reads a non-negative JSON integer. */
static gboolean
get_uint (JsonNode *node,
          guint64  *out)
{
  gint64 v;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (node);
  if (v < 0)
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

#define TENSOR_FAIL(...) G_STMT_START { \
    g_autofree char *m_ = g_strdup_printf (__VA_ARGS__); \
    g_set_error (error, PM_SAFETENSORS_ERROR, PM_SAFETENSORS_ERROR_TENSOR, \
                 "%s: tensor “%s”: %s", st->path, name, m_); \
    return FALSE; } G_STMT_END

static gboolean
parse_tensor (PmSafetensors *st,
              const char    *name,
              JsonNode      *node,
              GError       **error)
{
  JsonObject *obj;
  JsonNode *dn, *sn, *on;
  JsonArray *shape, *offsets;
  const char *dtype_name;
  PmSafetensorsInfo *info;
  guint64 numel = 1, nbytes, begin, end;
  gsize esize = 0;
  PmDtype dtype = PM_DTYPE_F32;
  guint n_dims;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    TENSOR_FAIL ("entry is not an object");
  obj = json_node_get_object (node);
  dn = json_object_get_member (obj, "dtype");
  sn = json_object_get_member (obj, "shape");
  on = json_object_get_member (obj, "data_offsets");
  if (dn == NULL || json_node_get_value_type (dn) != G_TYPE_STRING)
    TENSOR_FAIL ("“dtype” missing or not a string");
  dtype_name = json_node_get_string (dn);
  for (guint i = 0; i < G_N_ELEMENTS (dtypes); i++)
    if (g_strcmp0 (dtypes[i].name, dtype_name) == 0)
      {
        dtype = dtypes[i].dtype;
        esize = dtypes[i].size;
      }
  if (esize == 0)
    TENSOR_FAIL ("unknown dtype “%s”", dtype_name);

  if (sn == NULL || !JSON_NODE_HOLDS_ARRAY (sn))
    TENSOR_FAIL ("“shape” missing or not an array");
  shape = json_node_get_array (sn);
  n_dims = json_array_get_length (shape);
  if (n_dims > PM_SAFETENSORS_MAX_DIMS)
    TENSOR_FAIL ("%u dimensions (at most %d supported)", n_dims, PM_SAFETENSORS_MAX_DIMS);

  info = g_new0 (PmSafetensorsInfo, 1);
  info->name = g_strdup (name);
  info->dtype = dtype;
  info->n_dims = (int) n_dims;
  /* owned by st from here on, so early returns do not leak */
  g_hash_table_insert (st->by_name, (char *) info->name, info);

  for (guint i = 0; i < n_dims; i++)
    {
      guint64 d;

      if (!get_uint (json_array_get_element (shape, i), &d) || d > G_MAXINT64)
        TENSOR_FAIL ("shape entry %u is not a non-negative integer", i);
      if (!g_uint64_checked_mul (&numel, numel, d))
        TENSOR_FAIL ("shape overflows 64 bits");
      info->shape[i] = (gint64) d;
    }
  if (!g_uint64_checked_mul (&nbytes, numel, esize))
    TENSOR_FAIL ("byte size overflows 64 bits");

  if (on == NULL || !JSON_NODE_HOLDS_ARRAY (on) ||
      json_array_get_length (json_node_get_array (on)) != 2)
    TENSOR_FAIL ("“data_offsets” missing or not [begin, end]");
  offsets = json_node_get_array (on);
  if (!get_uint (json_array_get_element (offsets, 0), &begin) ||
      !get_uint (json_array_get_element (offsets, 1), &end))
    TENSOR_FAIL ("“data_offsets” entries are not non-negative integers");
  if (end < begin)
    TENSOR_FAIL ("data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "] end before begin",
                 begin, end);
  if (end > st->data_size)
    TENSOR_FAIL ("data_offsets end %" G_GUINT64_FORMAT " past the data region (%"
                 G_GUINT64_FORMAT " bytes)", end, st->data_size);
  if (end - begin != nbytes)
    {
      g_autofree char *s = pm_tensor_shape_to_string (info->n_dims, info->shape);
      TENSOR_FAIL ("shape %s × %s needs %" G_GUINT64_FORMAT " bytes but data_offsets span %"
                   G_GUINT64_FORMAT, s, dtype_name, nbytes, end - begin);
    }
  info->begin = begin;
  info->end = end;
  g_ptr_array_add (st->infos, info);
  return TRUE;
}

static gboolean
parse_header (PmSafetensors *st,
              const guint8  *buf,
              guint64        len,
              GError       **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local = NULL;
  guint64 hlen = 0;
  JsonNode *root;
  JsonObject *obj;
  g_autoptr(GList) members = NULL;

#define HEADER_FAIL(...) G_STMT_START { \
    g_autofree char *m_ = g_strdup_printf (__VA_ARGS__); \
    g_set_error (error, PM_SAFETENSORS_ERROR, PM_SAFETENSORS_ERROR_HEADER, "%s: %s", \
                 st->path, m_); \
    return FALSE; } G_STMT_END

  if (len < 8)
    HEADER_FAIL ("file too short (%" G_GUINT64_FORMAT " bytes) for a safetensors header", len);
  for (int i = 7; i >= 0; i--)
    hlen = (hlen << 8) | buf[i];
  if (hlen > PM_SAFETENSORS_MAX_HEADER)
    HEADER_FAIL ("header length %" G_GUINT64_FORMAT " exceeds the %" G_GUINT64_FORMAT
                 "-byte limit", hlen, PM_SAFETENSORS_MAX_HEADER);
  if (hlen > len - 8)
    HEADER_FAIL ("header length %" G_GUINT64_FORMAT " past the end of the file (%"
                 G_GUINT64_FORMAT " bytes)", hlen, len);
  if (hlen < 2)
    HEADER_FAIL ("header too short");
  if (memchr (buf + 8, '\0', hlen) != NULL)
    HEADER_FAIL ("NUL byte in the JSON header");
  st->data = buf + 8 + hlen;
  st->data_size = len - 8 - hlen;

  if (!json_parser_load_from_data (parser, (const char *) buf + 8, (gssize) hlen, &local))
    HEADER_FAIL ("header is not valid JSON: %s", local->message);
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    HEADER_FAIL ("header is not a JSON object");
  obj = json_node_get_object (root);
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (obj, name);

      if (g_strcmp0 (name, "__metadata__") == 0)
        {
          JsonObject *meta;
          g_autoptr(GList) keys = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            HEADER_FAIL ("“__metadata__” is not an object");
          meta = json_node_get_object (node);
          keys = json_object_get_members (meta);
          for (GList *k = keys; k != NULL; k = k->next)
            {
              JsonNode *v = json_object_get_member (meta, k->data);
              if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
                HEADER_FAIL ("“__metadata__” value for “%s” is not a string",
                             (const char *) k->data);
              g_hash_table_insert (st->metadata, g_strdup (k->data),
                                   g_strdup (json_node_get_string (v)));
            }
          continue;
        }
      if (!parse_tensor (st, name, node, error))
        return FALSE;
    }

  /* Non-overlapping: sorted by begin, each starts at or after the previous end. */
  g_ptr_array_sort (st->infos, compare_begin);
  for (guint i = 1; i < st->infos->len; i++)
    {
      const PmSafetensorsInfo *prev = g_ptr_array_index (st->infos, i - 1);
      const PmSafetensorsInfo *cur = g_ptr_array_index (st->infos, i);

      if (cur->begin < prev->end)
        {
          g_set_error (error, PM_SAFETENSORS_ERROR, PM_SAFETENSORS_ERROR_TENSOR,
                       "%s: tensor “%s”: data overlaps tensor “%s”", st->path, cur->name,
                       prev->name);
          return FALSE;
        }
    }
#undef HEADER_FAIL
  return TRUE;
}

/* Tensor names and JSON parser messages come from the file: an error stays one line. */
gboolean
pm_safetensors_fold_error_lines (GError **error)
{
  if (error != NULL && *error != NULL)
    for (char *c = (*error)->message; *c != '\0'; c++)
      if (*c == '\n' || *c == '\r')
        *c = ' ';
  return FALSE;
}

static PmSafetensors *
safetensors_new (const char *path)
{
  PmSafetensors *st = g_new0 (PmSafetensors, 1);

  st->path = g_strdup (path);
  st->infos = g_ptr_array_new ();
  st->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, info_free);
  st->converted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  st->finite = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  st->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  st->copies = g_ptr_array_new_with_free_func (g_free);
  return st;
}

/**
 * pm_safetensors_open:
 * @path: a .safetensors file
 * @error: return location
 *
 * Maps and validates the file.
 *
 * Returns: (transfer full): the reader, or NULL with @error naming the file and tensor.
 */
PmSafetensors *
pm_safetensors_open (const char *path,
                     GError    **error)
{
  g_autoptr(PmSafetensors) st = safetensors_new (path);
  g_autoptr(GError) local = NULL;

  st->mapped = g_mapped_file_new (path, FALSE, &local);
  if (st->mapped == NULL)
    {
      g_set_error (error, PM_SAFETENSORS_ERROR, PM_SAFETENSORS_ERROR_IO, "%s: %s", path,
                   local->message);
      return NULL;
    }
  if (!parse_header (st, (const guint8 *) g_mapped_file_get_contents (st->mapped),
                     g_mapped_file_get_length (st->mapped), error))
    {
      pm_safetensors_fold_error_lines (error);
      return NULL;
    }
  return g_steal_pointer (&st);
}

PmSafetensors *
pm_safetensors_open_bytes (GBytes     *bytes,
                           const char *name,
                           GError    **error)
{
  g_autoptr(PmSafetensors) st = safetensors_new (name);
  gsize len;
  const guint8 *buf;

  /* copy so the data has malloc alignment, like a mapping */
  buf = g_bytes_get_data (bytes, &len);
  st->bytes = g_bytes_new (buf, len);
  buf = g_bytes_get_data (st->bytes, &len);
  if (!parse_header (st, buf != NULL ? buf : (const guint8 *) "", len, error))
    {
      pm_safetensors_fold_error_lines (error);
      return NULL;
    }
  return g_steal_pointer (&st);
}

/* Whether [data, data + bytes) lies in the file's mapping. */
static gboolean
in_mapping (PmSafetensors *st,
            const void    *data,
            gsize          bytes)
{
  const guint8 *base, *p = data;

  if (st->mapped == NULL || data == NULL)
    return FALSE;
  base = (const guint8 *) g_mapped_file_get_contents (st->mapped);
  return p >= base && bytes <= g_mapped_file_get_length (st->mapped) &&
         p - base <= (gssize) (g_mapped_file_get_length (st->mapped) - bytes);
}

/**
 * pm_safetensors_detach:
 * @st: a reader
 * @tensor: a float32 view @st returned
 *
 * Points @tensor at a copy @st owns (the same floats) if it is a view into the mapping:
 * for small tensors read on every call that lie between weights whose pages
 * pm_safetensors_release_pages () gives back, since a read fault on the mapping may map
 * the whole page-cache folio around the address (up to 2 MB with large folios) and so
 * bring the released neighbours back. Does nothing for converted or in-memory data.
 */
void
pm_safetensors_detach (PmSafetensors *st,
                       PmTensor      *t)
{
  gsize bytes = (gsize) pm_tensor_numel (t) * sizeof (float);
  float *copy;

  if (!in_mapping (st, t->data, bytes))
    return;
  copy = g_memdup2 (t->data, MAX (bytes, 1));
  g_ptr_array_add (st->copies, copy);
  t->data = copy;
}

/**
 * pm_safetensors_release_pages:
 * @st: a reader
 * @data: bytes inside the mapping (a tensor's data, as returned as a view)
 * @bytes: their length
 *
 * Tells the kernel that the mapped pages wholly inside the range are not needed for now
 * (after they were copied, e.g. packed): they leave the resident set and are read again
 * from the file if touched. Does nothing for converted or in-memory data.
 */
void
pm_safetensors_release_pages (PmSafetensors *st,
                              const void    *data,
                              gsize          bytes)
{
#ifdef __linux__
  const guint8 *p = data;
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  guintptr start, end;

  if (bytes == 0 || !in_mapping (st, data, bytes))
    return;
  start = ((guintptr) p + page - 1) & ~(guintptr) (page - 1);
  end = ((guintptr) p + bytes) & ~(guintptr) (page - 1);
  if (end > start)
    madvise ((void *) start, end - start, MADV_DONTNEED);
#endif
}

void
pm_safetensors_free (PmSafetensors *st)
{
  if (st == NULL)
    return;
  g_ptr_array_unref (st->infos);
  g_hash_table_unref (st->by_name);
  g_hash_table_unref (st->converted);
  g_hash_table_unref (st->finite);
  g_hash_table_unref (st->metadata);
  g_ptr_array_unref (st->copies);
  g_clear_pointer (&st->mapped, g_mapped_file_unref);
  g_clear_pointer (&st->bytes, g_bytes_unref);
  g_free (st->path);
  g_free (st);
}

const char *
pm_safetensors_get_path (PmSafetensors *st)
{
  return st->path;
}

guint
pm_safetensors_get_n_tensors (PmSafetensors *st)
{
  return st->infos->len;
}

const PmSafetensorsInfo *
pm_safetensors_get_nth (PmSafetensors *st,
                        guint          i)
{
  g_return_val_if_fail (i < st->infos->len, NULL);
  return g_ptr_array_index (st->infos, i);
}

const PmSafetensorsInfo *
pm_safetensors_lookup (PmSafetensors *st,
                       const char    *name)
{
  return g_hash_table_lookup (st->by_name, name);
}

const guint8 *
pm_safetensors_get_data (PmSafetensors           *st,
                         const PmSafetensorsInfo *info)
{
  return st->data + info->begin;
}

const char *
pm_safetensors_get_metadata (PmSafetensors *st,
                             const char    *key)
{
  return g_hash_table_lookup (st->metadata, key);
}

/* A float32 view of @name (converted and cached unless aligned F32 used as stored),
 * scanned for NaN and infinity unless @check is FALSE and it is used as stored. */
static gboolean
get_f32 (PmSafetensors *st,
         const char    *name,
         gboolean       check,
         PmTensor      *out,
         GError       **error)
{
  const PmSafetensorsInfo *info = pm_safetensors_lookup (st, name);
  const guint8 *src;
  float *buf;
  guint64 numel;

  if (info == NULL)
    {
      g_set_error (error, PM_SAFETENSORS_ERROR, PM_SAFETENSORS_ERROR_MISSING,
                   "%s: no tensor “%s”", st->path, name);
      return pm_safetensors_fold_error_lines (error);
    }
  if (info->n_dims > PM_TENSOR_MAX_DIMS)
    {
      g_set_error (error, PM_SAFETENSORS_ERROR, PM_SAFETENSORS_ERROR_TENSOR,
                   "%s: tensor “%s”: %d dimensions, at most %d supported", st->path, name,
                   info->n_dims, PM_TENSOR_MAX_DIMS);
      return pm_safetensors_fold_error_lines (error);
    }
  numel = (info->end - info->begin) / pm_dtype_size (info->dtype);
  src = st->data + info->begin;
  if ((check || info->dtype != PM_DTYPE_F32 || ((guintptr) src % 4) != 0) &&
      !pm_safetensors_check_finite (st, info, error))
    return FALSE;
  buf = g_hash_table_lookup (st->converted, name);

  if (buf == NULL && info->dtype == PM_DTYPE_F32 && ((guintptr) src % 4) == 0)
    buf = (float *) src;
  else if (buf == NULL)
    {
      buf = g_new (float, MAX (numel, 1));
      if (!pm_dtype_convert_f32 (info->dtype, src, buf, numel))
        {
          g_free (buf);
          g_set_error (error, PM_SAFETENSORS_ERROR, PM_SAFETENSORS_ERROR_DTYPE,
                       "%s: tensor “%s”: dtype %s is not a floating-point weight", st->path,
                       name, pm_dtype_to_string (info->dtype));
          return pm_safetensors_fold_error_lines (error);
        }
      g_hash_table_insert (st->converted, g_strdup (name), buf);
    }

  *out = pm_tensor_view (buf, info->n_dims, info->shape);
  return TRUE;
}

/* get_f32 () for a tensor whose shape is known in advance. */
static gboolean
get_f32_shaped (PmSafetensors *st,
                const char    *name,
                int            n_dims,
                const gint64  *shape,
                gboolean       check,
                PmTensor      *out,
                GError       **error)
{
  const PmSafetensorsInfo *info = pm_safetensors_lookup (st, name);
  gboolean same;

  if (info == NULL)
    {
      g_set_error (error, PM_SAFETENSORS_ERROR, PM_SAFETENSORS_ERROR_MISSING,
                   "%s: tensor “%s” is missing", st->path, name);
      return FALSE;
    }
  same = info->n_dims == n_dims;
  for (int i = 0; same && i < n_dims; i++)
    same = info->shape[i] == shape[i];
  if (!same)
    {
      g_autofree char *want = pm_tensor_shape_to_string (n_dims, shape);
      g_autofree char *got = pm_tensor_shape_to_string (info->n_dims, info->shape);

      g_set_error (error, PM_SAFETENSORS_ERROR, PM_SAFETENSORS_ERROR_TENSOR,
                   "%s: tensor “%s” has shape %s, expected %s (config and weights disagree)",
                   st->path, name, got, want);
      return FALSE;
    }
  return get_f32 (st, name, check, out, error);
}

/**
 * pm_safetensors_get_f32:
 * @st: a reader
 * @name: tensor name
 * @out: (out): a float32 view (owned by @st)
 * @error: return location
 *
 * F32 data aligned to 4 bytes is returned in place; anything else is converted once and
 * cached.
 */
gboolean
pm_safetensors_get_f32 (PmSafetensors *st,
                        const char    *name,
                        PmTensor      *out,
                        GError       **error)
{
  return get_f32 (st, name, TRUE, out, error);
}

/**
 * pm_safetensors_get_f32_shaped:
 * @st: an open file
 * @name: tensor name
 * @n_dims: expected number of dimensions
 * @shape: expected sizes, outermost first
 * @out: (out): the float32 view
 * @error: return location
 *
 * pm_safetensors_get_f32 () for a tensor whose shape is known in advance (from a config):
 * a different shape is a TENSOR error naming both shapes, a non-float dtype a DTYPE error.
 *
 * Returns: %TRUE if @out was filled
 */
gboolean
pm_safetensors_get_f32_shaped (PmSafetensors *st,
                               const char    *name,
                               int            n_dims,
                               const gint64  *shape,
                               PmTensor      *out,
                               GError       **error)
{
  return get_f32_shaped (st, name, n_dims, shape, TRUE, out, error);
}

/* ---------------------------------------------------------------------------------------
 * PmWeightReader
 */

void
pm_weight_reader_read (PmWeightReader *reader,
                       PmTensor       *out,
                       gboolean        packed,
                       int             n_dims,
                       const gint64   *shape,
                       const char     *name)
{
  if (!reader->ok)
    return;
  if (!get_f32_shaped (reader->st, name, n_dims, shape, !(packed && reader->defer), out,
                       reader->error))
    {
      reader->ok = FALSE;
      return;
    }
  reader->bytes += (gsize) pm_tensor_numel (out) * sizeof (float);
}

void
pm_weight_reader_get (PmWeightReader *reader,
                      PmTensor       *out,
                      gboolean        packed,
                      int             n_dims,
                      const gint64   *shape,
                      const char     *fmt,
                      ...)
{
  g_autofree char *name = NULL;
  va_list ap;

  if (!reader->ok)
    return;
  va_start (ap, fmt);
  name = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  pm_weight_reader_read (reader, out, packed, n_dims, shape, name);
}
