/* pm-instruction.c: parse English edit/segment instructions into a PmInstruction.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The parser works on words, not on a grammar. It strips, in this order:
 *   1. politeness ("please", "can you", "could you please", "thanks") at both ends;
 *   2. the verb (first word only): segment/select/find/mask/outline/… → SEGMENT,
 *      paint/make/colour/turn/highlight/recolor/change/dye/tint/… → PAINT;
 *   3. an ordinal ("the second …", "2nd", "last", "leftmost") in the head noun phrase and
 *      its direction ("… from the left");
 *   4. position phrases led by a preposition anywhere ("on the left side",
 *      "in the upper-right corner of the image") unless they relate the target to another
 *      thing ("to the left of the car" stays in the target);
 *   5. size ranks (biggest/largest/smallest/tiniest) and bare position adjectives
 *      ("the left dog", "the top-right banana") in the head noun phrase;
 *   6. for PAINT only, the paint colour at the end: "[in|to|into|with|using|as]
 *      [the|a] [colour] C [colour]" where C is a colour name of one or two words or #hex;
 *   7. leading articles and dangling words.
 * What remains is the target phrase, words as written.
 *
 * The head noun phrase is the target up to its first preposition or relative word
 * ("girl" in "girl with the red mask"). Object colour rule: a colour word in the head noun
 * phrase that is followed by another word of it (the noun it modifies) is the object colour:
 * "red car" → red, "the yellow thing" → yellow, "girl with the red mask" → none (the colour
 * modifies "mask", not the head), "the orange" → none (the colour is the noun itself).
 */
#define G_LOG_DOMAIN "pm-instruction"

#include "pm-instruction.h"

#include <string.h>

typedef struct {
  char *word;   /* as written */
  char *key;    /* lower case, with typographic apostrophes and hyphens made ASCII */
} Token;

static void
token_free (gpointer data)
{
  Token *t = data;

  g_free (t->word);
  g_free (t->key);
  g_free (t);
}

/* ------------------------------------------------------------- word lists */

static const char * const segment_verbs[] = {
  "segment", "select", "find", "mask", "outline", "detect", "locate", "identify",
  "isolate", "extract", "show", "cut", "pick", "get", NULL
};

static const char * const paint_verbs[] = {
  "paint", "make", "colour", "color", "turn", "highlight", "recolor", "recolour",
  "change", "dye", "tint", "repaint", "colorize", "colourize", "fill", "shade", NULL
};

/* Multi-word politeness and framing, stripped from the front (repeatedly). */
static const char * const lead_phrases[] = {
  "please", "pls", "plz", "kindly", "hey", "hi", "hello", "ok", "okay", "now", "just", "so",
  "then", "also", "and", "oh", "can you", "could you", "would you", "will you", "can u",
  "could u", "would u", "i want you to", "i need you to", "i'd like you to",
  "i would like you to", "i want to", "i'd like to", "i would like to", "go ahead and",
  "try to", "help me", "let's", "lets", "you should", "you can", NULL
};

static const char * const trail_phrases[] = {
  "please", "pls", "plz", "thanks", "thank you", "thx", "for me", "now", "asap", NULL
};

/* Words that end the head noun phrase. */
static const char * const relation_words[] = {
  "with", "in", "on", "at", "of", "near", "next", "behind", "under", "underneath",
  "beneath", "above", "below", "beside", "besides", "between", "by", "inside", "outside",
  "over", "wearing", "holding", "carrying", "that", "which", "who", "whose", "where", "and",
  "or", "from", "to", "into", "for", "against", "along", "across", "around", "among",
  "without", "having", "like", "is", "are", NULL
};

static const char * const articles[] = {
  "the", "a", "an", "this", "that", "these", "those", NULL
};

static const char * const position_preps[] = {
  "in", "on", "at", "to", "towards", "toward", "near", NULL
};

static const char * const position_side_nouns[] = {
  "side", "hand", "corner", "part", "half", "edge", "area", "region", "portion", "section",
  "quadrant", NULL
};

static const char * const image_nouns[] = {
  "image", "picture", "photo", "photograph", "frame", "scene", "screen", "pic", "shot",
  "view", "img", NULL
};

static const char * const colour_words[] = {
  "colour", "color", "shade", "tone", "coloured", "colored", "paint", NULL
};

static const char * const colour_modifiers[] = {
  "bright", "vivid", "deep", "pure", "strong", "vibrant", "rich", "bold", "dark", "light",
  "pale", "soft", "pastel", "neon", NULL
};

static const char * const colour_preps[] = {
  "in", "into", "to", "with", "using", "as", NULL
};

static const char * const trailing_junk[] = {
  "the", "a", "an", "and", "or", "of", "in", "on", "at", "to", "with", "from", "into",
  "that", "which", "who", "is", "are", "being", NULL
};

static const struct { const char *word; int n; } ordinal_words[] = {
  { "first", 1 }, { "second", 2 }, { "third", 3 }, { "fourth", 4 }, { "fifth", 5 },
  { "sixth", 6 }, { "seventh", 7 }, { "eighth", 8 }, { "ninth", 9 }, { "tenth", 10 },
  { "last", -1 }, { "penultimate", -2 },
};

static const struct { const char *word; int n; PmPosition from; } extreme_words[] = {
  { "leftmost", 1, PM_POSITION_LEFT }, { "rightmost", 1, PM_POSITION_RIGHT },
  { "topmost", 1, PM_POSITION_TOP }, { "uppermost", 1, PM_POSITION_TOP },
  { "highest", 1, PM_POSITION_TOP }, { "bottommost", 1, PM_POSITION_BOTTOM },
  { "lowermost", 1, PM_POSITION_BOTTOM }, { "lowest", 1, PM_POSITION_BOTTOM },
};

static const struct { const char *word; PmSizeRank rank; } rank_words[] = {
  { "biggest", PM_SIZE_RANK_LARGEST }, { "largest", PM_SIZE_RANK_LARGEST },
  { "smallest", PM_SIZE_RANK_SMALLEST }, { "tiniest", PM_SIZE_RANK_SMALLEST },
};

/* ---------------------------------------------------------------- tokens */

static gboolean
is_word_char (gunichar c)
{
  if (g_unichar_isalnum (c) || c == '#' || c == '_')
    return TRUE;
  if (c == 0xFFFD)   /* what g_utf8_make_valid() put in place of broken bytes */
    return FALSE;
  switch (g_unichar_type (c))
    {
    case G_UNICODE_NON_SPACING_MARK:
    case G_UNICODE_SPACING_MARK:
    case G_UNICODE_ENCLOSING_MARK:
    case G_UNICODE_OTHER_SYMBOL:      /* emoji and pictographs */
      return TRUE;
    default:
      /* zero-width joiner and skin-tone modifiers inside emoji sequences */
      return c == 0x200D || (c >= 0x1F3FB && c <= 0x1F3FF);
    }
}

static gboolean
is_joiner_char (gunichar c)
{
  return c == '\'' || c == 0x2019 || c == '-' || c == 0x2010 || c == 0x2011;
}

static char *
make_key (const char *word)
{
  g_autofree char *down = g_utf8_strdown (word, -1);
  GString *key = g_string_sized_new (strlen (down));

  for (const char *p = down; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == 0x2019)
        g_string_append_c (key, '\'');
      else if (c == 0x2010 || c == 0x2011)
        g_string_append_c (key, '-');
      else
        g_string_append_unichar (key, c);
    }
  return g_string_free (key, FALSE);
}

/* Splits @text (valid UTF-8) into words; punctuation separates words and is dropped.
 * Apostrophes and hyphens between two word characters stay inside the word. */
static GPtrArray *
tokenize (const char *text)
{
  GPtrArray *tokens = g_ptr_array_new_with_free_func (token_free);
  const char *p = text;

  while (*p != '\0')
    {
      const char *start;
      const char *end;

      while (*p != '\0' && !is_word_char (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      if (*p == '\0')
        break;

      start = p;
      end = p;
      while (*p != '\0')
        {
          gunichar c = g_utf8_get_char (p);

          if (is_word_char (c))
            {
              p = g_utf8_next_char (p);
              end = p;
            }
          else if (is_joiner_char (c))
            {
              const char *next = g_utf8_next_char (p);

              if (*next == '\0' || !is_word_char (g_utf8_get_char (next)))
                break;
              p = next;
            }
          else
            break;
        }

      {
        Token *t = g_new0 (Token, 1);

        t->word = g_strndup (start, end - start);
        t->key = make_key (t->word);
        g_ptr_array_add (tokens, t);
      }
    }
  return tokens;
}

static const char *
key_at (GPtrArray *tokens,
        guint      i)
{
  return i < tokens->len ? ((Token *) tokens->pdata[i])->key : NULL;
}

static gboolean
key_is (GPtrArray  *tokens,
        guint       i,
        const char *word)
{
  return g_strcmp0 (key_at (tokens, i), word) == 0;
}

static gboolean
in_set (const char         *key,
        const char * const *set)
{
  if (key == NULL)
    return FALSE;
  for (guint i = 0; set[i] != NULL; i++)
    if (strcmp (key, set[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
key_in (GPtrArray          *tokens,
        guint               i,
        const char * const *set)
{
  return in_set (key_at (tokens, i), set);
}

/* Number of words of @phrase ("can you") if the tokens at @i spell it, else 0. */
static guint
match_phrase (GPtrArray  *tokens,
              guint       i,
              const char *phrase)
{
  g_auto(GStrv) words = g_strsplit (phrase, " ", -1);
  guint n = g_strv_length (words);

  for (guint k = 0; k < n; k++)
    if (!key_is (tokens, i + k, words[k]))
      return 0;
  return n;
}

static void
remove_range (GPtrArray *tokens,
              guint      start,
              guint      n)
{
  g_assert (start + n <= tokens->len);
  if (n > 0)
    g_ptr_array_remove_range (tokens, start, n);
}

static char *
join_words (GPtrArray *tokens,
            guint      start,
            guint      end,
            gboolean   keys)
{
  GString *s = g_string_new (NULL);

  for (guint i = start; i < end && i < tokens->len; i++)
    {
      Token *t = tokens->pdata[i];

      if (s->len > 0)
        g_string_append_c (s, ' ');
      g_string_append (s, keys ? t->key : t->word);
    }
  return g_string_free (s, FALSE);
}

/* Index of the first relation word at or after @from: the end of the head noun phrase. */
static guint
head_end (GPtrArray *tokens,
          guint      from)
{
  for (guint i = from; i < tokens->len; i++)
    if (key_in (tokens, i, relation_words) && i > from)
      return i;
  return tokens->len;
}

/* -------------------------------------------------------------- colours */

static gboolean
key_is_hex_color (const char *key)
{
  PmRgb rgb;

  return key != NULL && key[0] == '#' && pm_color_parse (key, &rgb);
}

/* Number of words (2, 1) of a colour name or #hex ending at @end (inclusive), trying the
 * longest first and not starting before @min_start; 0 if none. @skip_long skips two-word
 * names. */
static guint
color_ending_at (GPtrArray *tokens,
                 guint      end,
                 guint      min_start,
                 gboolean   skip_long)
{
  const char *key = key_at (tokens, end);

  if (key == NULL)
    return 0;
  if (key_is_hex_color (key))
    return 1;
  if (!skip_long && end >= min_start + 1)
    {
      g_autofree char *two = join_words (tokens, end - 1, end + 1, TRUE);

      if (pm_color_is_name (two))
        return 2;
    }
  return pm_color_is_name (key) ? 1 : 0;
}

/* Number of words (2, 1) of a colour starting at @start and ending before @limit. */
static guint
color_starting_at (GPtrArray *tokens,
                   guint      start,
                   guint      limit)
{
  const char *key = key_at (tokens, start);

  if (key == NULL || start >= limit)
    return 0;
  if (key_is_hex_color (key))
    return 1;
  if (start + 1 < limit)
    {
      g_autofree char *two = join_words (tokens, start, start + 2, TRUE);

      if (pm_color_is_name (two))
        return 2;
    }
  return pm_color_is_name (key) ? 1 : 0;
}

static void
set_color (gboolean  *has,
           PmRgb     *rgb,
           char     **name,
           GPtrArray *tokens,
           guint      start,
           guint      n)
{
  g_autofree char *joined = join_words (tokens, start, start + n, TRUE);
  PmRgb parsed;

  if (!pm_color_parse (joined, &parsed))
    return;
  *has = TRUE;
  *rgb = parsed;
  g_free (*name);
  *name = g_steal_pointer (&joined);
}

/* Whether tokens [start, end) hold something besides articles and fillers. */
static gboolean
has_content (GPtrArray *tokens,
             guint      start,
             guint      end)
{
  for (guint i = start; i < end && i < tokens->len; i++)
    if (!key_in (tokens, i, articles) && !key_in (tokens, i, colour_preps))
      return TRUE;
  return FALSE;
}

/* Finds and removes the paint colour phrase at the end of @tokens (from @from). */
static void
take_paint_color (PmInstruction *ins,
                  GPtrArray     *tokens,
                  guint          from)
{
  for (int attempt = 0; attempt < 2; attempt++)
    {
      gboolean skip_long = attempt == 1;
      guint end;
      guint n;
      guint start;
      guint k;

      if (tokens->len <= from)
        return;
      end = tokens->len - 1;
      /* "red colour" */
      if (key_in (tokens, end, colour_words) && end > from)
        end--;
      n = color_ending_at (tokens, end, from, skip_long);
      if (n == 0)
        {
          if (attempt == 0)
            continue;
          return;
        }
      start = end + 1 - n;
      k = start;
      /* "bright red" when that is not a colour name of its own: the base colour */
      if (k > from && key_in (tokens, k - 1, colour_modifiers))
        k--;
      /* "the colour red", "a red colour", "with the colour red", "to red", "look red" */
      if (k > from && key_in (tokens, k - 1, colour_words))
        k--;
      if (k > from && key_in (tokens, k - 1, articles))
        k--;
      if (k > from && key_in (tokens, k - 1, colour_preps))
        k--;
      if (k > from && (key_is (tokens, k - 1, "look") || key_is (tokens, k - 1, "looks") ||
                       key_is (tokens, k - 1, "appear") || key_is (tokens, k - 1, "become") ||
                       key_is (tokens, k - 1, "be")))
        k--;
      if (!has_content (tokens, from, k))
        continue;   /* "paint the orange": the colour word is the target */

      set_color (&ins->has_color, &ins->color, &ins->color_name, tokens, start, n);
      if (!ins->has_color)
        return;
      remove_range (tokens, k, tokens->len - k);
      return;
    }
}

static void
take_object_color (PmInstruction *ins,
                   GPtrArray     *tokens)
{
  guint limit = head_end (tokens, 0);

  for (guint i = 0; i + 1 < limit; i++)
    {
      guint n = color_starting_at (tokens, i, limit);

      /* The colour must modify a following word of the head noun phrase. */
      if (n > 0 && i + n < limit)
        {
          set_color (&ins->has_object_color, &ins->object_color, &ins->object_color_name,
                     tokens, i, n);
          if (ins->has_object_color)
            return;
        }
    }
}

/* ------------------------------------------------------------ positions */

typedef struct {
  int      h;       /* −1 left, +1 right */
  int      v;       /* −1 top, +1 bottom */
  gboolean center;
} PosAcc;

/* Adds the position word @key ("left", "top", "upper-right", "centre") to @acc.
 * Returns FALSE (and leaves @acc alone) if @key is not a position word or conflicts. */
static gboolean
pos_apply_word (PosAcc     *acc,
                const char *key)
{
  g_auto(GStrv) parts = g_strsplit (key, "-", -1);
  PosAcc tmp = *acc;
  gboolean any = FALSE;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *p = parts[i];
      int h = 0, v = 0;

      if (strcmp (p, "left") == 0)
        h = -1;
      else if (strcmp (p, "right") == 0)
        h = 1;
      else if (strcmp (p, "top") == 0 || strcmp (p, "upper") == 0)
        v = -1;
      else if (strcmp (p, "bottom") == 0 || strcmp (p, "lower") == 0)
        v = 1;
      else if (strcmp (p, "centre") == 0 || strcmp (p, "center") == 0 ||
               strcmp (p, "middle") == 0 || strcmp (p, "central") == 0)
        {
          tmp.center = TRUE;
          any = TRUE;
          continue;
        }
      else if (strcmp (p, "hand") == 0 && any)
        continue;
      else
        return FALSE;

      if ((h != 0 && tmp.h != 0 && tmp.h != h) || (v != 0 && tmp.v != 0 && tmp.v != v))
        return FALSE;
      if (h != 0)
        tmp.h = h;
      if (v != 0)
        tmp.v = v;
      any = TRUE;
    }
  if (any)
    *acc = tmp;
  return any;
}

static PmPosition
pos_to_enum (const PosAcc *acc)
{
  static const PmPosition table[3][3] = {
    { PM_POSITION_TOP_LEFT, PM_POSITION_TOP, PM_POSITION_TOP_RIGHT },
    { PM_POSITION_LEFT, PM_POSITION_CENTER, PM_POSITION_RIGHT },
    { PM_POSITION_BOTTOM_LEFT, PM_POSITION_BOTTOM, PM_POSITION_BOTTOM_RIGHT },
  };

  if (acc->h == 0 && acc->v == 0 && !acc->center)
    return PM_POSITION_NONE;
  return table[acc->v + 1][acc->h + 1];
}

/* Reads "[far] P [P] [side nouns] [of|in [the] image]" at @i. Returns the number of words
 * read (0 if none) and sets @acc. Refuses "left of the car" (a relation to another thing). */
static guint
read_position (GPtrArray *tokens,
               guint      i,
               PosAcc    *acc)
{
  PosAcc tmp = { 0, 0, FALSE };
  guint j = i;
  guint nwords = 0;
  guint nside = 0;

  if (key_is (tokens, j, "far") || key_is (tokens, j, "very") || key_is (tokens, j, "extreme"))
    j++;
  while (j < tokens->len && nwords < 2 && pos_apply_word (&tmp, key_at (tokens, j)))
    {
      j++;
      nwords++;
    }
  if (nwords == 0)
    return 0;
  while (nside < 2 && key_in (tokens, j, position_side_nouns))
    {
      j++;
      nside++;
    }
  if (key_is (tokens, j, "of") || key_is (tokens, j, "in"))
    {
      guint k = j + 1;

      if (key_is (tokens, k, "the") || key_is (tokens, k, "this"))
        k++;
      if (key_in (tokens, k, image_nouns))
        j = k + 1;
      else if (key_is (tokens, j, "of"))
        return 0;
    }
  *acc = tmp;
  return j - i;
}

static gboolean
pos_merge (PosAcc       *into,
           const PosAcc *acc)
{
  if ((into->h != 0 && acc->h != 0 && into->h != acc->h) ||
      (into->v != 0 && acc->v != 0 && into->v != acc->v))
    return FALSE;
  if (acc->h != 0)
    into->h = acc->h;
  if (acc->v != 0)
    into->v = acc->v;
  into->center = into->center || acc->center;
  return TRUE;
}

/* Whether the word at @i may follow a position phrase: "on the left bench" is about a
 * left bench, but "on the left", "on the left in red", "on the left with a hat" are
 * positions. */
static gboolean
ends_phrase (GPtrArray *tokens,
             guint      i)
{
  return i >= tokens->len ||
         key_in (tokens, i, relation_words) ||
         key_in (tokens, i, colour_preps) ||
         key_in (tokens, i, colour_words) ||
         key_in (tokens, i, colour_modifiers) ||
         key_in (tokens, i, articles) ||
         color_starting_at (tokens, i, tokens->len) > 0;
}

/* "on the left", "in the upper-right corner of the image", anywhere. */
static void
take_prep_positions (GPtrArray *tokens,
                     PosAcc    *pos)
{
  for (guint i = 0; i < tokens->len; i++)
    {
      PosAcc acc;
      guint j;
      guint n;

      if (!key_in (tokens, i, position_preps))
        continue;
      j = i + 1;
      if (key_is (tokens, j, "the"))
        j++;
      n = read_position (tokens, j, &acc);
      if (n == 0 || !ends_phrase (tokens, j + n) || !pos_merge (pos, &acc))
        continue;
      remove_range (tokens, i, j + n - i);
      i--;   /* re-examine the word that moved into slot i (unsigned wrap is fine) */
    }
}

/* "the left dog", "the top-right banana", "the left one": within the head noun phrase. */
static void
take_bare_positions (GPtrArray *tokens,
                     PosAcc    *pos)
{
  guint limit = head_end (tokens, 0);

  for (guint i = 0; i < limit; i++)
    {
      PosAcc acc;
      guint n = read_position (tokens, i, &acc);
      gboolean after_article = i > 0 && key_in (tokens, i - 1, articles);

      if (n == 0)
        continue;
      /* "tank top" is a noun: a bare position word needs a noun after it or an article
       * before it. */
      if (i + n >= limit && !after_article)
        continue;
      if (!pos_merge (pos, &acc))
        continue;
      remove_range (tokens, i, n);
      limit -= n;
      i--;
    }
}

/* ------------------------------------------------------- ordinals, ranks */

static gboolean
parse_numeric_ordinal (const char *key,
                       int        *n)
{
  const char *p = key;
  guint64 v = 0;

  if (!g_ascii_isdigit (*p))
    return FALSE;
  while (g_ascii_isdigit (*p))
    {
      v = v * 10 + (guint64) (*p - '0');
      if (v > 1000)
        return FALSE;
      p++;
    }
  if (v == 0)
    return FALSE;
  if (strcmp (p, "st") != 0 && strcmp (p, "nd") != 0 && strcmp (p, "rd") != 0 &&
      strcmp (p, "th") != 0)
    return FALSE;
  *n = (int) v;
  return TRUE;
}

/* Ordinal value of the word @key, or 0. */
static int
ordinal_value (const char *key)
{
  int n;

  if (key == NULL)
    return 0;
  for (guint k = 0; k < G_N_ELEMENTS (ordinal_words); k++)
    if (strcmp (key, ordinal_words[k].word) == 0)
      return ordinal_words[k].n;
  if (parse_numeric_ordinal (key, &n))
    return n;
  return 0;
}

/* Direction of "from the left"; "from the end" gives NONE and sets @is_end. */
static gboolean
from_direction (const char *key,
                PmPosition *from,
                gboolean   *is_end)
{
  *is_end = FALSE;
  if (g_strcmp0 (key, "left") == 0)
    *from = PM_POSITION_LEFT;
  else if (g_strcmp0 (key, "right") == 0)
    *from = PM_POSITION_RIGHT;
  else if (g_strcmp0 (key, "top") == 0)
    *from = PM_POSITION_TOP;
  else if (g_strcmp0 (key, "bottom") == 0)
    *from = PM_POSITION_BOTTOM;
  else if (g_strcmp0 (key, "end") == 0)
    {
      *from = PM_POSITION_NONE;
      *is_end = TRUE;
    }
  else
    return FALSE;
  return TRUE;
}

static void
take_ordinal (PmInstruction *ins,
              GPtrArray     *tokens)
{
  guint limit = head_end (tokens, 0);

  for (guint i = 0; i < limit; i++)
    {
      const char *key = key_at (tokens, i);
      int n = 0;
      guint len = 1;

      for (guint k = 0; k < G_N_ELEMENTS (extreme_words); k++)
        if (strcmp (key, extreme_words[k].word) == 0)
          {
            ins->ordinal = extreme_words[k].n;
            ins->ordinal_from = extreme_words[k].from;
            remove_range (tokens, i, 1);
            return;
          }

      /* "second to last", "second-to-last", "next to last", "last but one" */
      if (g_str_has_suffix (key, "-to-last"))
        {
          g_autofree char *head = g_strndup (key, strlen (key) - strlen ("-to-last"));

          n = g_strcmp0 (head, "next") == 0 ? 2 : ordinal_value (head);
          n = n > 0 ? -n : 0;
        }
      else if ((ordinal_value (key) > 0 || strcmp (key, "next") == 0) &&
               key_is (tokens, i + 1, "to") && key_is (tokens, i + 2, "last"))
        {
          n = strcmp (key, "next") == 0 ? -2 : -ordinal_value (key);
          len = 3;
        }
      else if (strcmp (key, "last") == 0 && key_is (tokens, i + 1, "but") &&
               key_is (tokens, i + 2, "one"))
        {
          n = -2;
          len = 3;
        }
      else
        n = ordinal_value (key);

      if (n == 0)
        continue;

      ins->ordinal = n;
      remove_range (tokens, i, len);

      /* "… from the left", anywhere after the ordinal */
      for (guint j = i; j < tokens->len; j++)
        {
          guint k = j + 1;
          PmPosition from;
          gboolean is_end;

          if (!key_is (tokens, j, "from"))
            continue;
          if (key_is (tokens, k, "the"))
            k++;
          if (!from_direction (key_at (tokens, k), &from, &is_end))
            continue;
          k++;
          if (key_is (tokens, k, "side") || key_is (tokens, k, "edge"))
            k++;
          if (key_is (tokens, k, "of") && key_in (tokens, k + 1, image_nouns))
            k += 2;
          else if (key_is (tokens, k, "of") && key_is (tokens, k + 1, "the") &&
                   key_in (tokens, k + 2, image_nouns))
            k += 3;
          if (is_end)
            ins->ordinal = ins->ordinal > 0 ? -ins->ordinal : ins->ordinal;
          else
            ins->ordinal_from = from;
          remove_range (tokens, j, k - j);
          break;
        }
      return;
    }
}

static void
take_rank (PmInstruction *ins,
           GPtrArray     *tokens)
{
  guint limit = head_end (tokens, 0);

  for (guint i = 0; i < limit; i++)
    for (guint k = 0; k < G_N_ELEMENTS (rank_words); k++)
      if (key_is (tokens, i, rank_words[k].word))
        {
          ins->size_rank = rank_words[k].rank;
          remove_range (tokens, i, 1);
          return;
        }
}

/* ---------------------------------------------------------------- parse */

static void
strip_lead_phrases (GPtrArray *tokens)
{
  gboolean changed = TRUE;

  while (changed && tokens->len > 0)
    {
      changed = FALSE;
      for (guint k = 0; lead_phrases[k] != NULL; k++)
        {
          guint n = match_phrase (tokens, 0, lead_phrases[k]);

          /* Never strip the whole instruction ("now" alone stays a target). */
          if (n > 0 && n < tokens->len)
            {
              remove_range (tokens, 0, n);
              changed = TRUE;
              break;
            }
        }
    }
}

static void
strip_trail_phrases (GPtrArray *tokens)
{
  gboolean changed = TRUE;

  while (changed && tokens->len > 1)
    {
      changed = FALSE;
      for (guint k = 0; trail_phrases[k] != NULL; k++)
        {
          g_auto(GStrv) words = g_strsplit (trail_phrases[k], " ", -1);
          guint n = g_strv_length (words);

          if (n < tokens->len && match_phrase (tokens, tokens->len - n, trail_phrases[k]) == n)
            {
              remove_range (tokens, tokens->len - n, n);
              changed = TRUE;
              break;
            }
        }
    }
}

/* Takes the verb at the front; returns whether there was one. */
static gboolean
take_verb (PmInstruction *ins,
           GPtrArray     *tokens)
{
  const char *key = key_at (tokens, 0);
  gboolean colour_verb;

  if (key == NULL)
    return FALSE;
  if (match_phrase (tokens, 0, "where is") || match_phrase (tokens, 0, "where are"))
    {
      ins->action = PM_ACTION_SEGMENT;
      remove_range (tokens, 0, 2);
      return TRUE;
    }
  if (in_set (key, segment_verbs))
    ins->action = PM_ACTION_SEGMENT;
  else if (in_set (key, paint_verbs))
    ins->action = PM_ACTION_PAINT;
  else
    return FALSE;

  colour_verb = strcmp (key, "colour") == 0 || strcmp (key, "color") == 0;
  remove_range (tokens, 0, 1);

  /* "find me the dog", "cut out the dog", "colour in the shirt green" */
  if (key_is (tokens, 0, "me") || key_is (tokens, 0, "out"))
    remove_range (tokens, 0, 1);
  if ((colour_verb || key_is (tokens, 0, "over")) && tokens->len > 1 &&
      (key_is (tokens, 0, "in") || key_is (tokens, 0, "over")) && key_in (tokens, 1, articles))
    remove_range (tokens, 0, 1);
  return TRUE;
}

static void
clean_target (PmInstruction *ins,
              GPtrArray     *tokens)
{
  gboolean changed = TRUE;

  while (changed && tokens->len > 0)
    {
      changed = FALSE;
      if (key_in (tokens, 0, articles) || key_is (tokens, 0, "me") || key_is (tokens, 0, "out"))
        {
          remove_range (tokens, 0, 1);
          changed = TRUE;
        }
      else if ((key_is (tokens, 0, "colour") || key_is (tokens, 0, "color")) &&
               key_is (tokens, 1, "of") && tokens->len > 2)
        {
          remove_range (tokens, 0, 2);
          changed = TRUE;
        }
    }

  changed = TRUE;
  while (changed && tokens->len > 0)
    {
      guint last = tokens->len - 1;

      changed = FALSE;
      if (key_in (tokens, last, trailing_junk) && tokens->len > 1)
        {
          remove_range (tokens, last, 1);
          changed = TRUE;
        }
      else if (ins->has_color && (key_is (tokens, last, "colour") ||
                                  key_is (tokens, last, "color")) && tokens->len > 1)
        {
          Token *prev;
          const char *w;
          glong len;

          remove_range (tokens, last, 1);
          changed = TRUE;
          /* "the car's colour" → "car" */
          prev = tokens->pdata[last - 1];
          w = prev->word;
          len = g_utf8_strlen (w, -1);
          if (len > 2 && (g_str_has_suffix (prev->key, "'s")))
            {
              const char *cut = g_utf8_offset_to_pointer (w, len - 2);
              char *shorter = g_strndup (w, cut - w);
              char *key = g_strndup (prev->key, strlen (prev->key) - 2);

              g_free (prev->word);
              g_free (prev->key);
              prev->word = shorter;
              prev->key = key;
            }
        }
    }

  if (tokens->len == 1 && (key_is (tokens, 0, "one") || key_is (tokens, 0, "ones")))
    remove_range (tokens, 0, 1);
}

/**
 * pm_instruction_parse:
 * @text: (nullable): the instruction, any bytes; invalid UTF-8 is repaired
 *
 * Parses an English edit or segment instruction. It never fails: whatever is not
 * understood stays in the target phrase.
 *
 * Returns: (transfer full): the parsed instruction
 */
PmInstruction *
pm_instruction_parse (const char *text)
{
  PmInstruction *ins = g_new0 (PmInstruction, 1);
  g_autofree char *normal = NULL;
  g_autoptr(GPtrArray) tokens = NULL;
  PosAcc pos = { 0, 0, FALSE };

  ins->text = g_utf8_make_valid (text != NULL ? text : "", -1);
  ins->action = PM_ACTION_SEGMENT;
  normal = g_utf8_normalize (ins->text, -1, G_NORMALIZE_DEFAULT_COMPOSE);
  if (normal == NULL)
    normal = g_strdup (ins->text);

  tokens = tokenize (normal);
  strip_lead_phrases (tokens);
  strip_trail_phrases (tokens);
  take_verb (ins, tokens);

  take_ordinal (ins, tokens);
  take_prep_positions (tokens, &pos);
  take_rank (ins, tokens);
  take_bare_positions (tokens, &pos);
  ins->position = pos_to_enum (&pos);

  if (ins->action == PM_ACTION_PAINT)
    take_paint_color (ins, tokens, 0);

  clean_target (ins, tokens);
  take_object_color (ins, tokens);
  ins->target = join_words (tokens, 0, tokens->len, FALSE);
  return ins;
}

/**
 * pm_instruction_copy:
 * @instruction: an instruction
 *
 * Returns: (transfer full): a deep copy of @instruction
 */
PmInstruction *
pm_instruction_copy (const PmInstruction *instruction)
{
  PmInstruction *copy;

  g_return_val_if_fail (instruction != NULL, NULL);

  copy = g_memdup2 (instruction, sizeof *instruction);
  copy->text = g_strdup (instruction->text);
  copy->target = g_strdup (instruction->target);
  copy->color_name = g_strdup (instruction->color_name);
  copy->object_color_name = g_strdup (instruction->object_color_name);
  return copy;
}

void
pm_instruction_free (PmInstruction *instruction)
{
  if (instruction == NULL)
    return;
  g_free (instruction->text);
  g_free (instruction->target);
  g_free (instruction->color_name);
  g_free (instruction->object_color_name);
  g_free (instruction);
}

/**
 * pm_instruction_get_paint_color:
 * @instruction: an instruction
 * @fallback: the colour to use when the instruction names none (the highlight colour)
 *
 * Returns: the colour to paint the target with
 */
PmRgb
pm_instruction_get_paint_color (const PmInstruction *instruction,
                                PmRgb                fallback)
{
  g_return_val_if_fail (instruction != NULL, fallback);
  return instruction->has_color ? instruction->color : fallback;
}

const char *
pm_action_to_string (PmAction action)
{
  switch (action)
    {
    case PM_ACTION_SEGMENT: return "segment";
    case PM_ACTION_PAINT: return "paint";
    default: return "unknown";
    }
}

const char *
pm_position_to_string (PmPosition position)
{
  switch (position)
    {
    case PM_POSITION_NONE: return "none";
    case PM_POSITION_LEFT: return "left";
    case PM_POSITION_RIGHT: return "right";
    case PM_POSITION_TOP: return "top";
    case PM_POSITION_BOTTOM: return "bottom";
    case PM_POSITION_TOP_LEFT: return "top-left";
    case PM_POSITION_TOP_RIGHT: return "top-right";
    case PM_POSITION_BOTTOM_LEFT: return "bottom-left";
    case PM_POSITION_BOTTOM_RIGHT: return "bottom-right";
    case PM_POSITION_CENTER: return "center";
    default: return "unknown";
    }
}

const char *
pm_size_rank_to_string (PmSizeRank rank)
{
  switch (rank)
    {
    case PM_SIZE_RANK_NONE: return "none";
    case PM_SIZE_RANK_LARGEST: return "largest";
    case PM_SIZE_RANK_SMALLEST: return "smallest";
    default: return "unknown";
    }
}
