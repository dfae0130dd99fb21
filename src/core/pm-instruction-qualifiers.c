/* pm-instruction-qualifiers.c: position, ordinal and size-rank qualifiers of instructions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the instruction parser (rules at the top of pm-instruction.c): each function
 * finds its qualifier words among the tokens, records them and removes them.
 */
#define G_LOG_DOMAIN "pm-instruction"

#include "pm-instruction-private.h"

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

/* ------------------------------------------------------------ positions */

/* Adds the position word @key ("left", "top", "upper-right", "centre") to @acc.
 * Returns FALSE (and leaves @acc alone) if @key is not a position word or conflicts. */
static gboolean
pos_apply_word (PmPosAcc   *acc,
                const char *key)
{
  g_auto(GStrv) parts = g_strsplit (key, "-", -1);
  PmPosAcc tmp = *acc;
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

PmPosition
pm_pos_acc_to_enum (const PmPosAcc *acc)
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
               PmPosAcc  *acc)
{
  PmPosAcc tmp = { 0, 0, FALSE };
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
pos_merge (PmPosAcc       *into,
           const PmPosAcc *acc)
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
         key_in (tokens, i, pm_instruction_relation_words) ||
         key_in (tokens, i, pm_instruction_colour_preps) ||
         key_in (tokens, i, pm_instruction_colour_words) ||
         key_in (tokens, i, pm_instruction_colour_modifiers) ||
         key_in (tokens, i, pm_instruction_articles) ||
         pm_instruction_color_starting_at (tokens, i, tokens->len) > 0;
}

/* "on the left", "in the upper-right corner of the image", anywhere. */
void
pm_instruction_take_prep_positions (GPtrArray *tokens,
                                    PmPosAcc  *pos)
{
  for (guint i = 0; i < tokens->len; i++)
    {
      PmPosAcc acc;
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
void
pm_instruction_take_bare_positions (GPtrArray *tokens,
                                    PmPosAcc  *pos)
{
  guint limit = head_end (tokens, 0);

  for (guint i = 0; i < limit; i++)
    {
      PmPosAcc acc;
      guint n = read_position (tokens, i, &acc);
      gboolean after_article = i > 0 && key_in (tokens, i - 1, pm_instruction_articles);

      if (n == 0)
        continue;
      /* "tank top" is a noun: a bare position word needs a noun after it, an article
       * before it, or "far" ("the man far right"). */
      if (i + n >= limit && !after_article && !key_is (tokens, i, "far"))
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

void
pm_instruction_take_ordinal (PmInstruction *ins,
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

      /* "left-most", "right most" */
      {
        g_autofree char *base = g_str_has_suffix (key, "-most") ?
                                g_strndup (key, strlen (key) - strlen ("-most")) : NULL;
        gboolean split = base == NULL && key_is (tokens, i + 1, "most");
        PmPosition from;
        gboolean is_end;

        if ((base != NULL || split) &&
            from_direction (base != NULL ? base : key, &from, &is_end) && !is_end)
          {
            ins->ordinal = 1;
            ins->ordinal_from = from;
            remove_range (tokens, i, split ? 2 : 1);
            return;
          }
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

void
pm_instruction_take_rank (PmInstruction *ins,
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
