/* test-tokenizer.c: the CLIP BPE tokenizer against known ids.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "pm-tokenizer.h"
#include "pm-test-util.h"

static PmTokenizer *shared_tokenizer;

static PmTokenizer *
get_tokenizer (void)
{
  if (shared_tokenizer == NULL)
    {
      g_autofree char *dir = pm_test_shared_path ("data/clip-tokenizer");
      GError *error = NULL;
      shared_tokenizer = pm_tokenizer_new_from_dir (dir, &error);
      g_assert_no_error (error);
      g_assert_nonnull (shared_tokenizer);
    }
  return shared_tokenizer;
}

static char *
ids_to_string (GArray *ids)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (s, "%s%d", i ? " " : "", g_array_index (ids, gint32, i));
  return g_string_free (s, FALSE);
}

static void
assert_tokens (const char *text,
               const char *expected)
{
  g_autoptr(GArray) ids = pm_tokenizer_encode (get_tokenizer (), text, -1, 0);
  g_autofree char *got = ids_to_string (ids);
  g_assert_cmpstr (got, ==, expected);
}

static void
test_photo_of_cat (void)
{
  PmTokenizer *tok = get_tokenizer ();

  assert_tokens ("a photo of a cat", "49406 320 1125 539 320 2368 49407");
  g_assert_cmpint (pm_tokenizer_get_bos (tok), ==, 49406);
  g_assert_cmpint (pm_tokenizer_get_eos (tok), ==, 49407);
  g_assert_cmpint (pm_tokenizer_get_vocab_size (tok), ==, 49408);
  g_assert_cmpstr (pm_tokenizer_id_to_token (tok, 2368), ==, "cat</w>");
  g_assert_null (pm_tokenizer_id_to_token (tok, 49408));
  g_assert_null (pm_tokenizer_id_to_token (tok, -1));
  /* Case and whitespace do not matter. */
  assert_tokens ("  A   PHOTO\tof a\n cat  ", "49406 320 1125 539 320 2368 49407");
}

static void
test_cases_tsv (void)
{
  g_autofree char *path = pm_test_shared_path ("data/clipseg-fixture/cases.tsv");
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  GError *error = NULL;
  int n = 0;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (int i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) cols = NULL;
      g_autofree char *expected = NULL;

      if (lines[i][0] == '\0')
        continue;
      cols = g_strsplit (lines[i], "\t", -1);
      g_assert_cmpuint (g_strv_length (cols), >=, 5);
      {
        g_auto(GStrv) parts = g_strsplit (cols[4], ",", -1);
        expected = g_strjoinv (" ", parts);
      }
      assert_tokens (cols[3], expected);
      n++;
    }
  g_assert_cmpint (n, >=, 5);
}

/* Texts and ids from make-tokenizer-cases.py (an independent Python implementation). */
static void
test_reference_tsv (gconstpointer data)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "engine", "data",
                                                 (const char *) data, NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  GError *error = NULL;
  int n = 0;

  if (!pm_test_have_shared ("data/clip-tokenizer"))
    return;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    {
      const char *tab = strchr (lines[i], '\t');
      g_autoptr(GString) text = g_string_new (NULL);

      if (lines[i][0] == '\0')
        continue;
      g_assert_nonnull (tab);
      for (const char *p = lines[i]; p < tab; p++)
        {
          if (*p == '\\' && p + 1 < tab)
            {
              p++;
              g_string_append_c (text, *p == 't' ? '\t' : *p == 'n' ? '\n' : *p);
            }
          else
            g_string_append_c (text, *p);
        }
      assert_tokens (text->str, tab + 1);
      n++;
    }
  g_assert_cmpint (n, >=, 60);
  /* The same texts again, now from the cache. */
  if (g_str_equal (data, "tokenizer-cases.tsv"))
    {
      g_autoptr(GArray) ids = pm_tokenizer_encode (get_tokenizer (), "the cat's toy", -1, 0);
      g_autofree char *got = ids_to_string (ids);
      g_assert_cmpstr (got, ==, "49406 518 2368 568 5988 49407");
    }
}

static void
test_words (void)
{
  /* Punctuation runs, numbers one digit at a time, contractions. */
  g_autoptr(GArray) a = pm_tokenizer_encode (get_tokenizer (), "it's 2024!!", -1, 0);
  g_autoptr(GArray) b = pm_tokenizer_encode (get_tokenizer (), "it 's 2 0 2 4 !!", -1, 0);
  g_autofree char *sa = ids_to_string (a);
  g_autofree char *sb = ids_to_string (b);
  g_assert_cmpstr (sa, ==, sb);
  /* 2 0 2 4 are four single-digit tokens. */
  g_assert_cmpuint (a->len, ==, 1 + 2 + 4 + 1 + 1);

  /* Special tokens written in the text map to their ids. */
  assert_tokens ("cat<|endoftext|>", "49406 2368 49407 49407");
}

static void
decode_roundtrip (GArray *ids, GString *out)
{
  PmTokenizer *tok = get_tokenizer ();
  for (guint i = 1; i + 1 < ids->len; i++)
    {
      const char *t = pm_tokenizer_id_to_token (tok, g_array_index (ids, gint32, i));
      g_assert_nonnull (t);
      g_string_append (out, t);
    }
}

static void
test_unicode (void)
{
  PmTokenizer *tok = get_tokenizer ();
  const char *texts[] = {
    "café crème brûlée",
    "Ünïcödé ÀÉÎÕÜ",
    "猫が好き 一只猫",
    "🐱 cat 🍌🍌 👩‍👩‍👧",
    "e\xcc\x81",  /* e + combining acute: NFC makes é */
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GArray) ids = pm_tokenizer_encode (tok, texts[i], -1, 0);
      g_autoptr(GString) joined = g_string_new (NULL);

      g_assert_cmpuint (ids->len, >=, 3);
      g_assert_cmpint (g_array_index (ids, gint32, 0), ==, 49406);
      g_assert_cmpint (g_array_index (ids, gint32, ids->len - 1), ==, 49407);
      for (guint j = 1; j + 1 < ids->len; j++)
        g_assert_cmpint (g_array_index (ids, gint32, j), <, 49406);
      decode_roundtrip (ids, joined);
      g_assert_true (g_str_has_suffix (joined->str, "</w>"));
    }

  /* NFC: decomposed and composed spellings tokenize alike; accents are kept. */
  {
    g_autoptr(GArray) a = pm_tokenizer_encode (tok, "cafe\xcc\x81", -1, 0);
    g_autoptr(GArray) b = pm_tokenizer_encode (tok, "café", -1, 0);
    g_autoptr(GArray) c = pm_tokenizer_encode (tok, "cafe", -1, 0);
    g_autofree char *sa = ids_to_string (a);
    g_autofree char *sb = ids_to_string (b);
    g_autofree char *sc = ids_to_string (c);
    g_assert_cmpstr (sa, ==, sb);
    g_assert_cmpstr (sb, !=, sc);
  }
  /* Lower-casing is Unicode-aware. */
  {
    g_autoptr(GArray) a = pm_tokenizer_encode (tok, "ÉCOLE", -1, 0);
    g_autoptr(GArray) b = pm_tokenizer_encode (tok, "école", -1, 0);
    g_autofree char *sa = ids_to_string (a);
    g_autofree char *sb = ids_to_string (b);
    g_assert_cmpstr (sa, ==, sb);
  }
  /* CJK letters form one word; the cat emoji is 4 bytes. */
  {
    g_autoptr(GArray) ids = pm_tokenizer_encode (tok, "🐱", -1, 0);
    g_autoptr(GString) joined = g_string_new (NULL);
    decode_roundtrip (ids, joined);
    /* GPT-2 characters of F0 9F 90 B1, then the end-of-word mark. */
    g_assert_cmpstr (joined->str, ==, "ðŁĲ±</w>");
  }
}

static void
test_empty_and_truncation (void)
{
  PmTokenizer *tok = get_tokenizer ();
  g_autoptr(GString) long_text = g_string_new (NULL);
  g_autoptr(GArray) ids = NULL;

  assert_tokens ("", "49406 49407");
  assert_tokens ("   \t\n ", "49406 49407");
  {
    g_autoptr(GArray) e = pm_tokenizer_encode (tok, NULL, 0, 0);
    g_assert_cmpuint (e->len, ==, 2);
  }

  for (int i = 0; i < 200; i++)
    g_string_append (long_text, "a photo of a cat ");
  ids = pm_tokenizer_encode (tok, long_text->str, -1, 0);
  g_assert_cmpuint (ids->len, ==, 77);
  g_assert_cmpint (g_array_index (ids, gint32, 0), ==, 49406);
  g_assert_cmpint (g_array_index (ids, gint32, 1), ==, 320);
  g_assert_cmpint (g_array_index (ids, gint32, 5), ==, 2368);
  g_assert_cmpint (g_array_index (ids, gint32, 6), ==, 320);
  g_assert_cmpint (g_array_index (ids, gint32, 73), ==, 539);   /* 73rd text token: "of" */
  g_assert_cmpint (g_array_index (ids, gint32, 75), ==, 2368);  /* 75th: "cat" */
  g_assert_cmpint (g_array_index (ids, gint32, 76), ==, 49407);

  /* Exactly 75 text tokens fit untruncated. */
  {
    g_autoptr(GString) t = g_string_new (NULL);
    g_autoptr(GArray) x = NULL;
    for (int i = 0; i < 75; i++)
      g_string_append (t, "cat ");
    x = pm_tokenizer_encode (tok, t->str, -1, 0);
    g_assert_cmpuint (x->len, ==, 77);
    g_assert_cmpint (g_array_index (x, gint32, 75), ==, 2368);
  }
  /* A custom maximum. */
  {
    g_autoptr(GArray) x = pm_tokenizer_encode (tok, "a photo of a cat", -1, 4);
    g_autofree char *s = ids_to_string (x);
    g_assert_cmpstr (s, ==, "49406 320 1125 49407");
  }
  /* One enormous word is cut without a quadratic blow-up and still ends in EOS. */
  {
    g_autoptr(GString) t = g_string_new (NULL);
    g_autoptr(GArray) x = NULL;
    for (int i = 0; i < 200000; i++)
      g_string_append (t, "ab");
    x = pm_tokenizer_encode (tok, t->str, -1, 0);
    g_assert_cmpuint (x->len, ==, 77);
    g_assert_cmpint (g_array_index (x, gint32, 76), ==, 49407);
  }
}

static void
test_random_bytes (void)
{
  PmTokenizer *tok = get_tokenizer ();
  GRand *rand = g_rand_new_with_seed (1234);

  for (int round = 0; round < 300; round++)
    {
      int len = g_rand_int_range (rand, 0, 300);
      g_autofree char *buf = g_malloc (len + 1);
      g_autoptr(GArray) ids = NULL;

      for (int i = 0; i < len; i++)
        buf[i] = (char) g_rand_int_range (rand, 0, 256);
      buf[len] = '\0';
      ids = pm_tokenizer_encode (tok, buf, len, 0);
      g_assert_cmpuint (ids->len, >=, 2);
      g_assert_cmpuint (ids->len, <=, 77);
      g_assert_cmpint (g_array_index (ids, gint32, 0), ==, 49406);
      g_assert_cmpint (g_array_index (ids, gint32, ids->len - 1), ==, 49407);
      for (guint i = 0; i < ids->len; i++)
        {
          gint32 id = g_array_index (ids, gint32, i);
          g_assert_cmpint (id, >=, 0);
          g_assert_cmpint (id, <, 49408);
        }
    }
  /* Invalid UTF-8 is repaired (U+FFFD), not dropped. */
  {
    g_autofree char *clean = pm_tokenizer_clean_text ("ab\xff\xfe cd", -1);
    g_assert_true (g_utf8_validate (clean, -1, NULL));
    g_assert_nonnull (strstr (clean, "\xef\xbf\xbd"));
  }
  g_rand_free (rand);
}

static void
write_file (const char *dir, const char *name, const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
expect_malformed (const char *vocab, const char *merges, const char *fragment)
{
  g_autofree char *dir = pm_test_tmpdir ();
  g_autoptr(PmTokenizer) tok = NULL;
  GError *error = NULL;

  if (vocab != NULL)
    write_file (dir, "vocab.json", vocab);
  if (merges != NULL)
    write_file (dir, "merges.txt", merges);
  tok = pm_tokenizer_new_from_dir (dir, &error);
  g_assert_null (tok);
  g_assert_nonnull (error);
  g_assert_true (error->domain == PM_TOKENIZER_ERROR);
  g_assert_null (strchr (error->message, '\n'));
  if (g_test_verbose ())
    g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, fragment));
  g_error_free (error);
  pm_test_rmdir (dir);
}

static char *
byte_vocab (const char *extra)
{
  /* A minimal valid vocabulary: the 256 byte characters plus the specials. */
  GString *s = g_string_new ("{");
  int id = 0, next = 0;
  for (int b = 0; b < 256; b++)
    {
      gunichar c;
      char buf[8];
      if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF))
        c = b;
      else
        c = 256 + next++;
      buf[g_unichar_to_utf8 (c, buf)] = '\0';
      if (c == '"' || c == '\\')
        g_string_append_printf (s, "\"\\%s\": %d, ", buf, id++);
      else
        g_string_append_printf (s, "\"%s\": %d, ", buf, id++);
    }
  g_string_append_printf (s, "\"<|startoftext|>\": %d, \"<|endoftext|>\": %d%s}", id, id + 1,
                          extra);
  return g_string_free (s, FALSE);
}

static void
test_malformed (void)
{
  g_autofree char *good_vocab = byte_vocab ("");
  g_autofree char *dup_vocab = byte_vocab (", \"xx\": 3");

  expect_malformed (NULL, "#version: 0.2\na b\n", "vocab.json");
  expect_malformed ("{\"a\": ", "#version: 0.2\na b\n", "vocab.json");
  expect_malformed ("[1, 2]", "#version: 0.2\na b\n", "not a JSON object");
  expect_malformed ("{\"a\": \"x\"}", "#version: 0.2\na b\n", "not an integer");
  expect_malformed ("{\"a\": -4}", "#version: 0.2\na b\n", "out of range");
  expect_malformed ("{\"a\": 0}", "#version: 0.2\na b\n", "lacks");
  expect_malformed (dup_vocab, "#version: 0.2\na b\n", "id 3");
  expect_malformed ("{\"a\": 1} x", "#version: 0.2\na b\n", "trailing data");
  expect_malformed ("{\"a\": 1.5}", "#version: 0.2\na b\n", "not an integer");
  expect_malformed ("{\"a\\q\": 1}", "#version: 0.2\na b\n", "bad escape");
  expect_malformed ("{\"\\ud800\": 1}", "#version: 0.2\na b\n", "surrogate");
  expect_malformed ("{\"a\": 1 \"b\": 2}", "#version: 0.2\na b\n", "expected ','");
  expect_malformed ("{\"a\": 99999999999999999}", "#version: 0.2\na b\n", "not an integer");
  expect_malformed ("\"a\"", "#version: 0.2\na b\n", "not a JSON object");
  expect_malformed (good_vocab, NULL, "merges.txt");
  expect_malformed (good_vocab, "#version: 0.2\na b\nc\n", "line 3");
  expect_malformed (good_vocab, "#version: 0.2\na b c\n", "line 2");
  expect_malformed (good_vocab, "#version: 0.2\n", "no merge rules");
  expect_malformed (good_vocab, "a \xff\n", "not UTF-8");
  /* Empty files (an empty file maps to no memory at all; found by fuzz-tokenizer). */
  expect_malformed ("", "#version: 0.2\na b\n", "empty or not UTF-8");
  expect_malformed (good_vocab, "", "empty or not UTF-8");

  /* The minimal vocabulary with one merge works. */
  {
    g_autofree char *dir = pm_test_tmpdir ();
    g_autoptr(PmTokenizer) tok = NULL;
    g_autoptr(GArray) ids = NULL;
    GError *error = NULL;

    write_file (dir, "vocab.json", good_vocab);
    write_file (dir, "merges.txt", "#version: 0.2\na b</w>\n");
    tok = pm_tokenizer_new_from_dir (dir, &error);
    g_assert_no_error (error);
    /* "ab": a + b</w> would merge into "ab</w>", which is not in this vocabulary → unk. */
    ids = pm_tokenizer_encode (tok, "ab", -1, 0);
    g_assert_cmpuint (ids->len, ==, 3);
    g_assert_cmpint (g_array_index (ids, gint32, 1), ==, 257);
    pm_test_rmdir (dir);
  }
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  pm_test_add_shared_func ("/engine/tokenizer/photo-of-cat", "data/clip-tokenizer", test_photo_of_cat);
  pm_test_add_shared_func ("/engine/tokenizer/cases-tsv", "data/clipseg-fixture/cases.tsv", test_cases_tsv);
  g_test_add_data_func ("/engine/tokenizer/reference-tsv", "tokenizer-cases.tsv",
                        test_reference_tsv);
  g_test_add_data_func ("/engine/tokenizer/reference-random", "tokenizer-random.tsv",
                        test_reference_tsv);
  pm_test_add_shared_func ("/engine/tokenizer/words", "data/clip-tokenizer", test_words);
  pm_test_add_shared_func ("/engine/tokenizer/unicode", "data/clip-tokenizer", test_unicode);
  pm_test_add_shared_func ("/engine/tokenizer/empty-and-truncation", "data/clip-tokenizer", test_empty_and_truncation);
  pm_test_add_shared_func ("/engine/tokenizer/random-bytes", "data/clip-tokenizer", test_random_bytes);
  pm_test_add_shared_func ("/engine/tokenizer/malformed", "data/clip-tokenizer", test_malformed);
  ret = g_test_run ();
  pm_tokenizer_free (shared_tokenizer);
  return ret;
}
