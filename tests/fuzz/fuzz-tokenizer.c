/* fuzz-tokenizer.c: loading vocab.json + merges.txt, and encoding arbitrary text.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input with two PM_FUZZ_SEP: vocab.json, merges.txt, then text encoded with that tokenizer.
 * Any other input is text for the committed small CLIP tokenizer (tests/fuzz/data/tokenizer:
 * the byte tokens, the first 2,000 merges of CLIP's and the specials).
 */
#include "pm-fuzz.h"
#include "pm-tokenizer.h"

#include <string.h>

static PmTokenizer *small;

static void
encode (PmTokenizer  *tok,
        const guint8 *text,
        gsize         len)
{
  int max_lengths[] = { PM_TOKENIZER_MAX_LENGTH, 0, 3 };

  for (guint i = 0; i < G_N_ELEMENTS (max_lengths); i++)
    {
      g_autoptr(GArray) ids = pm_tokenizer_encode (tok, (const char *) text, len, max_lengths[i]);

      g_assert (ids->len >= 2);
      if (max_lengths[i] > 0)
        g_assert_cmpuint (ids->len, <=, max_lengths[i]);
      g_assert_cmpint (g_array_index (ids, gint32, 0), ==, pm_tokenizer_get_bos (tok));
      for (guint k = 0; k < ids->len; k++)
        g_assert (pm_tokenizer_id_to_token (tok, g_array_index (ids, gint32, k)) != NULL);
    }
  g_free (pm_tokenizer_clean_text ((const char *) text, len));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const guint8 *parts[3];
  gsize sizes[3], n;

  pm_fuzz_init ();
  n = pm_fuzz_split (data, size, PM_FUZZ_SEP, parts, sizes, 3);
  if (n == 3)
    {
      g_autofree char *vocab = pm_fuzz_write ("vocab.json", parts[0], sizes[0]);
      g_autofree char *merges = pm_fuzz_write ("merges.txt", parts[1], sizes[1]);
      g_autoptr(GError) error = NULL;
      g_autoptr(PmTokenizer) tok = pm_tokenizer_new_from_files (vocab, merges, &error);

      if (tok == NULL)
        {
          g_assert (error != NULL && strchr (error->message, '\n') == NULL);
          return 0;
        }
      encode (tok, parts[2], sizes[2]);
      return 0;
    }

  if (small == NULL)
    {
      g_autoptr(GError) error = NULL;

      small = pm_tokenizer_new_from_dir (PM_FUZZ_DATADIR "/tokenizer", &error);
      g_assert_no_error (error);
    }
  encode (small, data, size);
  return 0;
}
