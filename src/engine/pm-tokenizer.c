/* pm-tokenizer.c: the CLIP byte-level BPE tokenizer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-tokenizer"

#include "pm-tokenizer-private.h"
#include "pm-model.h"

#include <string.h>

G_DEFINE_QUARK (pm-tokenizer-error-quark, pm_tokenizer_error)

#define END_OF_WORD "</w>"
/* An upper bound that keeps hostile texts cheap. */
#define MAX_CACHE_ENTRIES 20000

/* ---------------------------------------------------------------- bytes → unicode */

/* GPT-2's table: printable Latin-1 bytes stand for themselves, the other 68 bytes map in
 * order to U+0100, U+0101, … so that every byte has a visible, non-space character. */
static void
init_byte_chars (PmTokenizer *self)
{
  int next = 0;

  for (int b = 0; b < 256; b++)
    {
      gunichar c;
      char buf[8];
      int n;

      if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF))
        c = b;
      else
        c = 256 + next++;
      n = g_unichar_to_utf8 (c, buf);
      self->byte_char[b] = g_strndup (buf, n);
    }
}

/* ---------------------------------------------------------------- life cycle */

PmTokenizer *
pm_tokenizer_new_from_files (const char  *vocab_path,
                             const char  *merges_path,
                             GError     **error)
{
  g_autoptr(PmTokenizer) self = g_new0 (PmTokenizer, 1);

  g_return_val_if_fail (vocab_path != NULL, NULL);
  g_return_val_if_fail (merges_path != NULL, NULL);

  self->vocab = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->ranks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_array_unref);
  g_mutex_init (&self->cache_lock);
  init_byte_chars (self);

  if (!pm_model_file_check (vocab_path, PM_MODEL_MAX_TOKENIZER_BYTES, error) ||
      !pm_model_file_check (merges_path, PM_MODEL_MAX_TOKENIZER_BYTES, error))
    return NULL;
  if (!pm_tokenizer_load_vocab (self, vocab_path, error))
    return NULL;
  if (!pm_tokenizer_load_merges (self, merges_path, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * pm_tokenizer_new_from_dir:
 * @model_dir: a Hugging Face model folder holding `vocab.json` and `merges.txt`
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the tokenizer, or %NULL with @error set
 */
PmTokenizer *
pm_tokenizer_new_from_dir (const char  *model_dir,
                           GError     **error)
{
  g_autofree char *vocab = NULL;
  g_autofree char *merges = NULL;

  g_return_val_if_fail (model_dir != NULL, NULL);
  vocab = g_build_filename (model_dir, "vocab.json", NULL);
  merges = g_build_filename (model_dir, "merges.txt", NULL);
  return pm_tokenizer_new_from_files (vocab, merges, error);
}

void
pm_tokenizer_free (PmTokenizer *self)
{
  if (self == NULL)
    return;
  g_free (self->id_to_token);
  g_clear_pointer (&self->vocab, g_hash_table_unref);
  g_clear_pointer (&self->ranks, g_hash_table_unref);
  g_clear_pointer (&self->cache, g_hash_table_unref);
  for (int b = 0; b < 256; b++)
    g_free (self->byte_char[b]);
  g_mutex_clear (&self->cache_lock);
  g_free (self);
}

int
pm_tokenizer_get_bos (const PmTokenizer *self)
{
  return self->bos;
}

int
pm_tokenizer_get_eos (const PmTokenizer *self)
{
  return self->eos;
}

int
pm_tokenizer_get_vocab_size (const PmTokenizer *self)
{
  return self->n_ids;
}

const char *
pm_tokenizer_id_to_token (const PmTokenizer *self,
                          int                id)
{
  if (id < 0 || id >= self->n_ids)
    return NULL;
  return self->id_to_token[id];
}

/* ---------------------------------------------------------------- cleaning */

/* Python's str.isspace(), which CLIP's `\s` means. Also U+0345 COMBINING GREEK
 * YPOGEGRAMMENI: under CLIP's IGNORECASE pattern it matches neither [\p{L}] nor
 * [^\s\p{L}\p{N}] (its case fold is the letter ι), so the reference drops it. */
static gboolean
is_space (gunichar c)
{
  return c == 0x0345 || g_unichar_isspace (c) || (c >= 0x1c && c <= 0x1f) || c == 0x85;
}

static gboolean
is_letter (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_LOWERCASE_LETTER:
    case G_UNICODE_MODIFIER_LETTER:
    case G_UNICODE_OTHER_LETTER:
    case G_UNICODE_TITLECASE_LETTER:
    case G_UNICODE_UPPERCASE_LETTER:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
is_number (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_DECIMAL_NUMBER:
    case G_UNICODE_LETTER_NUMBER:
    case G_UNICODE_OTHER_NUMBER:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Unicode "cased" (Lu, Ll, Lt, Other_Lowercase, Other_Uppercase), for the final-sigma rule. */
static gboolean
is_cased (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_LOWERCASE_LETTER:
    case G_UNICODE_UPPERCASE_LETTER:
    case G_UNICODE_TITLECASE_LETTER:
      return TRUE;
    default:
      break;
    }
  return c == 0x00AA || c == 0x00BA || c == 0x0345 || (c >= 0x02B0 && c <= 0x02B8) ||
         (c >= 0x02C0 && c <= 0x02C1) || (c >= 0x02E0 && c <= 0x02E4) ||
         (c >= 0x1D2C && c <= 0x1D6A) || (c >= 0x2160 && c <= 0x217F) ||
         (c >= 0x24B6 && c <= 0x24E9);
}

/* Unicode "case-ignorable": marks, format characters, modifiers and the word-internal
 * punctuation of Word_Break MidLetter/MidNumLet/Single_Quote. */
static gboolean
is_case_ignorable (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_NON_SPACING_MARK:
    case G_UNICODE_ENCLOSING_MARK:
    case G_UNICODE_FORMAT:
    case G_UNICODE_MODIFIER_LETTER:
    case G_UNICODE_MODIFIER_SYMBOL:
      return TRUE;
    default:
      break;
    }
  return c == '\'' || c == '.' || c == ':' || c == 0x00B7 || c == 0x0387 || c == 0x05F4 ||
         c == 0x2018 || c == 0x2019 || c == 0x2024 || c == 0x2027 || c == 0xFE13 ||
         c == 0xFE52 || c == 0xFE55 || c == 0xFF07 || c == 0xFF0E || c == 0xFF1A;
}

/* Python's str.lower(), which CLIP's reference tokenizer uses: the default (locale-free)
 * lower-case mapping, İ → i̇, Σ → ς at the end of a word (Final_Sigma), and the
 * Other_Uppercase symbols Ⅰ…Ⅿ, Ⓐ…Ⓩ that GLib leaves alone. */
static char *
lower_like_python (const char *text)
{
  glong n = 0;
  g_autofree gunichar *chars = g_utf8_to_ucs4_fast (text, -1, &n);
  GString *out = g_string_sized_new (strlen (text));

  for (glong i = 0; i < n; i++)
    {
      gunichar c = chars[i];

      if (c == 0x03A3)
        {
          gboolean before = FALSE, after = FALSE;
          for (glong j = i - 1; j >= 0; j--)
            if (!is_case_ignorable (chars[j]))
              {
                before = is_cased (chars[j]);
                break;
              }
          for (glong j = i + 1; j < n; j++)
            if (!is_case_ignorable (chars[j]))
              {
                after = is_cased (chars[j]);
                break;
              }
          g_string_append_unichar (out, before && !after ? 0x03C2 : 0x03C3);
          continue;
        }
      if (c == 0x0130)
        {
          g_string_append (out, "i\xcc\x87");
          continue;
        }
      if (c >= 0x2160 && c <= 0x216F)
        c += 0x10;
      else if (c >= 0x24B6 && c <= 0x24CF)
        c += 26;
      else
        c = g_unichar_tolower (c);
      g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

/**
 * pm_tokenizer_clean_text:
 * @text: any bytes
 * @length: length of @text, or -1 if NUL-terminated
 *
 * CLIP's clean-up without ftfy: repair invalid UTF-8, NFC, collapse runs of whitespace to one
 * space, strip, lower-case.
 *
 * Returns: (transfer full): the cleaned text, valid UTF-8
 */
char *
pm_tokenizer_clean_text (const char *text,
                         gssize      length)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", text != NULL ? length : 0);
  g_autofree char *nfc = g_utf8_normalize (valid, -1, G_NORMALIZE_NFC);
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean pending_space = FALSE;

  for (const char *p = nfc != NULL ? nfc : valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_space (c))
        {
          pending_space = out->len > 0;
          continue;
        }
      if (pending_space)
        g_string_append_c (out, ' ');
      pending_space = FALSE;
      g_string_append_unichar (out, c);
    }
  return lower_like_python (out->str);
}

/* ---------------------------------------------------------------- BPE */

static int
pair_rank (PmTokenizer *self,
           GString     *key,
           const char  *left,
           const char  *right)
{
  g_string_assign (key, left);
  g_string_append_c (key, ' ');
  g_string_append (key, right);
  return GPOINTER_TO_INT (g_hash_table_lookup (self->ranks, key->str)) - 1;
}

/* BPE of one word given in mapped characters; returns its ids. */
static GArray *
bpe_word (PmTokenizer *self,
          const char  *word)
{
  g_autoptr(GPtrArray) symbols = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) key = g_string_new (NULL);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint32));

  for (const char *p = word; *p != '\0'; p = g_utf8_next_char (p))
    g_ptr_array_add (symbols, g_strndup (p, g_utf8_next_char (p) - p));
  if (symbols->len == 0)
    return ids;
  {
    /* The last symbol carries the end-of-word mark. */
    char *last = symbols->pdata[symbols->len - 1];
    symbols->pdata[symbols->len - 1] = g_strconcat (last, END_OF_WORD, NULL);
    g_free (last);
  }

  while (symbols->len > 1)
    {
      int best = -1, best_rank = G_MAXINT;
      g_autofree char *first = NULL;
      g_autofree char *second = NULL;
      guint kept = 0;

      for (guint i = 0; i + 1 < symbols->len; i++)
        {
          int rank = pair_rank (self, key, symbols->pdata[i], symbols->pdata[i + 1]);
          if (rank >= 0 && rank < best_rank)
            {
              best_rank = rank;
              best = i;
            }
        }
      if (best < 0)
        break;

      /* Merge every non-overlapping occurrence of the best pair, left to right, in place:
       * symbols[kept] receives each result. The pair is copied because its slots are
       * overwritten on the way. */
      first = g_strdup (symbols->pdata[best]);
      second = g_strdup (symbols->pdata[best + 1]);
      for (guint i = 0; i < symbols->len; kept++)
        {
          if (i + 1 < symbols->len && strcmp (symbols->pdata[i], first) == 0 &&
              strcmp (symbols->pdata[i + 1], second) == 0)
            {
              char *pair = g_strconcat (first, second, NULL);
              g_free (symbols->pdata[i]);
              g_free (symbols->pdata[i + 1]);
              symbols->pdata[kept] = pair;
              i += 2;
            }
          else
            {
              symbols->pdata[kept] = symbols->pdata[i];
              i++;
            }
        }
      /* The slots past @kept were moved or freed above: clear them so that shrinking frees
       * nothing twice. */
      for (guint i = kept; i < symbols->len; i++)
        symbols->pdata[i] = NULL;
      g_ptr_array_set_size (symbols, kept);
    }

  for (guint i = 0; i < symbols->len; i++)
    {
      int id = GPOINTER_TO_INT (g_hash_table_lookup (self->vocab, symbols->pdata[i])) - 1;
      gint32 v = id >= 0 ? id : self->eos;   /* unknown symbol → unk, which CLIP sets to EOS */
      g_array_append_val (ids, v);
    }
  return ids;
}

/* Ids of one pre-token (raw UTF-8 bytes), through the cache. */
static void
encode_word (PmTokenizer *self,
             const char  *bytes,
             gsize        len,
             GArray      *out)
{
  g_autofree char *raw = g_strndup (bytes, len);
  g_autoptr(GArray) ids = NULL;
  GString *mapped;

  g_mutex_lock (&self->cache_lock);
  ids = g_hash_table_lookup (self->cache, raw);
  if (ids != NULL)
    g_array_ref (ids);
  g_mutex_unlock (&self->cache_lock);

  if (ids == NULL)
    {
      mapped = g_string_new (NULL);
      for (gsize i = 0; i < len; i++)
        g_string_append (mapped, self->byte_char[(guint8) bytes[i]]);
      ids = bpe_word (self, mapped->str);
      g_string_free (mapped, TRUE);

      g_mutex_lock (&self->cache_lock);
      if (g_hash_table_size (self->cache) >= MAX_CACHE_ENTRIES)
        g_hash_table_remove_all (self->cache);
      g_hash_table_replace (self->cache, g_steal_pointer (&raw), g_array_ref (ids));
      g_mutex_unlock (&self->cache_lock);
    }
  g_array_append_vals (out, ids->data, ids->len);
}

/* ---------------------------------------------------------------- encoding */

static gboolean
has_prefix (const char *p,
            const char *prefix)
{
  return strncmp (p, prefix, strlen (prefix)) == 0;
}

/**
 * pm_tokenizer_encode:
 * @tokenizer: a #PmTokenizer
 * @text: the text, any bytes
 * @length: length of @text in bytes, or -1 if NUL-terminated
 * @max_length: the longest sequence to return (at least 2), 0 for 77
 *
 * Returns: (transfer full): a #GArray of gint32 ids, BOS … EOS, unpadded
 */
GArray *
pm_tokenizer_encode (PmTokenizer *self,
                     const char  *text,
                     gssize       length,
                     int          max_length)
{
  static const char * const contractions[] = { "'s", "'t", "'re", "'ve", "'m", "'ll", "'d" };
  g_autofree char *clean = pm_tokenizer_clean_text (text, length);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  gint32 bos, eos;
  glong max_word_chars;
  const char *p = clean;

  g_return_val_if_fail (self != NULL, ids);
  if (max_length <= 0)
    max_length = PM_TOKENIZER_MAX_LENGTH;
  max_length = MAX (max_length, 2);
  bos = self->bos;
  eos = self->eos;
  /* A word longer than this yields more tokens than fit; its tail cannot change the ids kept. */
  max_word_chars = (glong) (max_length + 8) * MAX (self->max_token_chars, 1);

  g_array_append_val (ids, bos);
  while (*p != '\0' && (int) ids->len < max_length)
    {
      gunichar c = g_utf8_get_char (p);
      const char *start = p;
      gboolean matched = FALSE, is_bos;

      if (is_space (c))
        {
          p = g_utf8_next_char (p);
          continue;
        }
      /* <|startoftext|>|<|endoftext|> */
      is_bos = has_prefix (p, BOS_TOKEN);
      if (is_bos || has_prefix (p, EOS_TOKEN))
        {
          gint32 special = is_bos ? bos : eos;
          g_array_append_val (ids, special);
          p += is_bos ? strlen (BOS_TOKEN) : strlen (EOS_TOKEN);
          continue;
        }
      /* 's|'t|'re|'ve|'m|'ll|'d */
      for (guint i = 0; i < G_N_ELEMENTS (contractions) && !matched; i++)
        if (has_prefix (p, contractions[i]))
          {
            p += strlen (contractions[i]);
            matched = TRUE;
          }
      if (!matched)
        {
          if (is_letter (c))
            {
              /* [\p{L}]+ */
              while (*p != '\0' && is_letter (g_utf8_get_char (p)))
                p = g_utf8_next_char (p);
            }
          else if (is_number (c))
            {
              /* [\p{N}] */
              p = g_utf8_next_char (p);
            }
          else
            {
              /* [^\s\p{L}\p{N}]+ */
              while (*p != '\0')
                {
                  gunichar d = g_utf8_get_char (p);
                  if (is_space (d) || is_letter (d) || is_number (d))
                    break;
                  p = g_utf8_next_char (p);
                }
            }
        }
      {
        /* Only the head of an overlong word can be among the ids kept. */
        const char *cut = start;
        for (glong n = 0; cut < p && n < max_word_chars; n++)
          cut = g_utf8_next_char (cut);
        encode_word (self, start, cut - start, ids);
      }
    }

  if ((int) ids->len > max_length - 1)
    g_array_set_size (ids, max_length - 1);
  g_array_append_val (ids, eos);
  return ids;
}
