/* pm-tokenizer-files.c: strict readers of CLIP's vocab.json and merges.txt.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-tokenizer"

#include "pm-tokenizer-private.h"

#include <string.h>

/* An upper bound that keeps hostile files cheap. */
#define MAX_VOCAB_ID (1 << 22)

/* vocab.json is a flat JSON object of string → integer with ~50k entries; a small strict
 * parser reads it several times faster than building a JSON tree. */
typedef struct {
  const char *p, *end, *start, *path;
} VocabParser;

static gboolean
vocab_fail (VocabParser *vp,
            GError     **error,
            const char  *what)
{
  g_set_error (error, PM_TOKENIZER_ERROR, PM_TOKENIZER_ERROR_MALFORMED,
               "Vocabulary “%s” is not valid: %s at byte %" G_GSIZE_FORMAT, vp->path, what,
               (gsize) (vp->p - vp->start));
  return FALSE;
}

static void
vocab_skip_ws (VocabParser *vp)
{
  while (vp->p < vp->end && (*vp->p == ' ' || *vp->p == '\n' || *vp->p == '\r' ||
                             *vp->p == '\t'))
    vp->p++;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
vocab_read_hex4 (VocabParser *vp,
                 gunichar    *out)
{
  gunichar v = 0;

  if (vp->end - vp->p < 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    {
      int h = hex_value (vp->p[i]);
      if (h < 0)
        return FALSE;
      v = v * 16 + h;
    }
  vp->p += 4;
  *out = v;
  return TRUE;
}

/* A JSON string (the opening quote already consumed) into @out. */
static gboolean
vocab_read_string (VocabParser *vp,
                   GString     *out,
                   GError     **error)
{
  g_string_truncate (out, 0);
  while (vp->p < vp->end)
    {
      char c = *vp->p++;

      if (c == '"')
        return TRUE;
      if ((guchar) c < 0x20)
        return vocab_fail (vp, error, "control character in a string");
      if (c != '\\')
        {
          g_string_append_c (out, c);
          continue;
        }
      if (vp->p >= vp->end)
        break;
      c = *vp->p++;
      switch (c)
        {
        case '"': case '\\': case '/':
          g_string_append_c (out, c);
          break;
        case 'b': g_string_append_c (out, '\b'); break;
        case 'f': g_string_append_c (out, '\f'); break;
        case 'n': g_string_append_c (out, '\n'); break;
        case 'r': g_string_append_c (out, '\r'); break;
        case 't': g_string_append_c (out, '\t'); break;
        case 'u':
          {
            gunichar u, low;
            if (!vocab_read_hex4 (vp, &u))
              return vocab_fail (vp, error, "bad \\u escape");
            if (u >= 0xD800 && u <= 0xDBFF)
              {
                if (vp->end - vp->p < 2 || vp->p[0] != '\\' || vp->p[1] != 'u')
                  return vocab_fail (vp, error, "unpaired surrogate");
                vp->p += 2;
                if (!vocab_read_hex4 (vp, &low) || low < 0xDC00 || low > 0xDFFF)
                  return vocab_fail (vp, error, "unpaired surrogate");
                u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
              }
            else if (u >= 0xDC00 && u <= 0xDFFF)
              return vocab_fail (vp, error, "unpaired surrogate");
            if (u == 0)
              return vocab_fail (vp, error, "NUL in a string");
            g_string_append_unichar (out, u);
          }
          break;
        default:
          return vocab_fail (vp, error, "bad escape");
        }
    }
  return vocab_fail (vp, error, "unterminated string");
}

gboolean
pm_tokenizer_load_vocab (PmTokenizer *self,
                         const char  *path,
                         GError     **error)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GString) key = g_string_new (NULL);
  VocabParser vp = { 0 };
  int max_id = -1;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, PM_TOKENIZER_ERROR, PM_TOKENIZER_ERROR_IO,
                   "Vocabulary “%s” does not exist", path);
      return FALSE;
    }
  file = g_mapped_file_new (path, FALSE, &local_error);
  if (file == NULL)
    {
      g_set_error (error, PM_TOKENIZER_ERROR, PM_TOKENIZER_ERROR_IO,
                   "Cannot read vocabulary “%s”: %s", path, local_error->message);
      return FALSE;
    }
  /* An empty file maps to NULL, and NULL + 0 is undefined (found by fuzz-tokenizer). */
  vp.start = vp.p = g_mapped_file_get_contents (file);
  vp.end = vp.p != NULL ? vp.p + g_mapped_file_get_length (file) : NULL;
  vp.path = path;
  if (vp.p == NULL || !g_utf8_validate (vp.p, vp.end - vp.p, NULL))
    {
      g_set_error (error, PM_TOKENIZER_ERROR, PM_TOKENIZER_ERROR_MALFORMED,
                   "Vocabulary “%s” is empty or not UTF-8", path);
      return FALSE;
    }

  vocab_skip_ws (&vp);
  if (vp.p >= vp.end || *vp.p != '{')
    {
      g_set_error (error, PM_TOKENIZER_ERROR, PM_TOKENIZER_ERROR_MALFORMED,
                   "Vocabulary “%s” is not a JSON object of token → id", path);
      return FALSE;
    }
  vp.p++;
  vocab_skip_ws (&vp);
  if (vp.p < vp.end && *vp.p == '}')
    vp.p++;
  else
    for (;;)
      {
        gint64 id = 0;
        gboolean negative = FALSE;
        const char *digits;

        vocab_skip_ws (&vp);
        if (vp.p >= vp.end || *vp.p != '"')
          return vocab_fail (&vp, error, "expected a token string");
        vp.p++;
        if (!vocab_read_string (&vp, key, error))
          return FALSE;
        vocab_skip_ws (&vp);
        if (vp.p >= vp.end || *vp.p != ':')
          return vocab_fail (&vp, error, "expected ':'");
        vp.p++;
        vocab_skip_ws (&vp);
        if (vp.p < vp.end && *vp.p == '-')
          {
            negative = TRUE;
            vp.p++;
          }
        digits = vp.p;
        while (vp.p < vp.end && g_ascii_isdigit (*vp.p) && vp.p - digits < 12)
          id = id * 10 + (*vp.p++ - '0');
        if (vp.p == digits || (vp.p < vp.end && (*vp.p == '.' || *vp.p == 'e' ||
                                                 *vp.p == 'E' || g_ascii_isdigit (*vp.p))))
          {
            if (vp.p == digits && vp.p < vp.end && *vp.p != '"' && *vp.p != '[' &&
                *vp.p != '{' && *vp.p != 't' && *vp.p != 'f' && *vp.p != 'n')
              return vocab_fail (&vp, error, "expected a value");
            g_set_error (error, PM_TOKENIZER_ERROR, PM_TOKENIZER_ERROR_MALFORMED,
                         "Vocabulary “%s”: the id of token “%s” is not an integer", path,
                         key->str);
            return FALSE;
          }
        if (negative)
          id = -id;
        if (id < 0 || id >= MAX_VOCAB_ID)
          {
            g_set_error (error, PM_TOKENIZER_ERROR, PM_TOKENIZER_ERROR_MALFORMED,
                         "Vocabulary “%s”: token “%s” has id %" G_GINT64_FORMAT " out of range",
                         path, key->str, id);
            return FALSE;
          }
        if (key->len == 0)
          {
            g_set_error (error, PM_TOKENIZER_ERROR, PM_TOKENIZER_ERROR_MALFORMED,
                         "Vocabulary “%s” has an empty token", path);
            return FALSE;
          }
        g_hash_table_replace (self->vocab, g_strndup (key->str, key->len),
                              GINT_TO_POINTER ((int) id + 1));
        max_id = MAX (max_id, (int) id);

        vocab_skip_ws (&vp);
        if (vp.p < vp.end && *vp.p == ',')
          {
            vp.p++;
            continue;
          }
        if (vp.p < vp.end && *vp.p == '}')
          {
            vp.p++;
            break;
          }
        return vocab_fail (&vp, error, "expected ',' or '}'");
      }
  vocab_skip_ws (&vp);
  if (vp.p != vp.end)
    return vocab_fail (&vp, error, "trailing data after the object");
  if (max_id < 0)
    {
      g_set_error (error, PM_TOKENIZER_ERROR, PM_TOKENIZER_ERROR_MALFORMED,
                   "Vocabulary “%s” is empty", path);
      return FALSE;
    }

  self->n_ids = max_id + 1;
  self->id_to_token = g_new0 (char *, self->n_ids);
  {
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init (&iter, self->vocab);
    while (g_hash_table_iter_next (&iter, &key, &value))
      {
        int id = GPOINTER_TO_INT (value) - 1;
        glong chars;

        if (self->id_to_token[id] != NULL)
          {
            g_set_error (error, PM_TOKENIZER_ERROR, PM_TOKENIZER_ERROR_MALFORMED,
                         "Vocabulary “%s”: id %d is used by both “%s” and “%s”", path, id,
                         self->id_to_token[id], (const char *) key);
            return FALSE;
          }
        self->id_to_token[id] = key;
        chars = g_utf8_strlen (key, -1);
        self->max_token_chars = MAX (self->max_token_chars, (int) MIN (chars, 1024));
      }
  }

  self->bos = GPOINTER_TO_INT (g_hash_table_lookup (self->vocab, BOS_TOKEN)) - 1;
  self->eos = GPOINTER_TO_INT (g_hash_table_lookup (self->vocab, EOS_TOKEN)) - 1;
  if (self->bos < 0 || self->eos < 0)
    {
      g_set_error (error, PM_TOKENIZER_ERROR, PM_TOKENIZER_ERROR_MALFORMED,
                   "Vocabulary “%s” lacks %s or %s", path, BOS_TOKEN, EOS_TOKEN);
      return FALSE;
    }
  for (int b = 0; b < 256; b++)
    if (!g_hash_table_contains (self->vocab, self->byte_char[b]))
      {
        g_set_error (error, PM_TOKENIZER_ERROR, PM_TOKENIZER_ERROR_MALFORMED,
                     "Vocabulary “%s” lacks the byte symbol “%s” (byte 0x%02x)", path,
                     self->byte_char[b], b);
        return FALSE;
      }
  return TRUE;
}

gboolean
pm_tokenizer_load_merges (PmTokenizer *self,
                          const char  *path,
                          GError     **error)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *p, *end;
  int line_no = 0, rank = 0;

  file = g_mapped_file_new (path, FALSE, &local_error);
  if (file == NULL)
    {
      g_set_error (error, PM_TOKENIZER_ERROR, PM_TOKENIZER_ERROR_IO,
                   "Cannot read merges “%s”: %s", path, local_error->message);
      return FALSE;
    }
  p = g_mapped_file_get_contents (file);
  end = p != NULL ? p + g_mapped_file_get_length (file) : NULL;   /* empty: NULL */
  if (p == NULL || !g_utf8_validate (p, end - p, NULL))
    {
      g_set_error (error, PM_TOKENIZER_ERROR, PM_TOKENIZER_ERROR_MALFORMED,
                   "Merges “%s” is empty or not UTF-8 text", path);
      return FALSE;
    }

  while (p < end)
    {
      const char *eol = memchr (p, '\n', end - p);
      const char *line_end = eol != NULL ? eol : end;
      const char *space;
      gsize len;

      line_no++;
      len = line_end - p;
      if (len > 0 && p[len - 1] == '\r')
        len--;
      if (line_no == 1 && len > 0 && p[0] == '#')
        goto next;   /* "#version: 0.2" */
      if (len == 0)
        goto next;
      space = memchr (p, ' ', len);
      if (space == NULL || space == p || space == p + len - 1 ||
          memchr (space + 1, ' ', p + len - space - 1) != NULL)
        {
          g_set_error (error, PM_TOKENIZER_ERROR, PM_TOKENIZER_ERROR_MALFORMED,
                       "Merges “%s” line %d is not two symbols separated by one space",
                       path, line_no);
          return FALSE;
        }
      {
        char *key = g_strndup (p, len);
        /* The first listing of a pair wins, as in CLIP's dict construction order. */
        if (!g_hash_table_contains (self->ranks, key))
          g_hash_table_insert (self->ranks, key, GINT_TO_POINTER (rank + 1));
        else
          g_free (key);
        rank++;
      }
    next:
      p = line_end + (eol != NULL ? 1 : 0);
    }
  if (rank == 0)
    {
      g_set_error (error, PM_TOKENIZER_ERROR, PM_TOKENIZER_ERROR_MALFORMED,
                   "Merges “%s” holds no merge rules", path);
      return FALSE;
    }
  return TRUE;
}
