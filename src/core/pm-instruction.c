/* pm-instruction.c: parse English edit/segment instructions into a PmInstruction.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The parser works on words, not on a grammar. It strips, in this order:
 *   1. politeness ("please", "can you", "could you please", "thanks") at both ends;
 *   2. the verb (first word only): segment/select/find/mask/outline/… → SEGMENT,
 *      paint/make/colour/turn/highlight/recolor/change/dye/tint/… → PAINT;
 *   3. an ordinal ("the second …", "2nd", "last", "leftmost", "right most") in the head
 *      noun phrase and its direction ("… from the left");
 *   4. position phrases led by a preposition anywhere ("on the left side",
 *      "in the upper-right corner of the image") unless they relate the target to another
 *      thing ("to the left of the car", "on the left bench" stay in the target);
 *   5. size ranks (biggest/largest/smallest/tiniest) and bare position adjectives
 *      ("the left dog", "the top-right banana") in the head noun phrase; a bare position
 *      word needs a word after it or an article before it ("tank top" stays);
 *   6. for PAINT only, the paint colour at the end: "[in|to|into|with|using|as]
 *      [the|a] [colour] [bright] C [colour]" where C is a colour name of one or two words
 *      or #hex. If nothing but articles would be left, the colour is the target ("paint
 *      the orange"); with nothing at all before it, it is a colour for whatever the engine
 *      picks ("paint red");
 *   7. leading articles, "colour of", dangling prepositions and a lone "one".
 * What remains is the target phrase, words as written, joined by single spaces
 * (punctuation is dropped; apostrophes and hyphens inside words stay). Colour names are
 * recorded lower-case. Past 200 words only steps 1–2 run.
 *
 * The head noun phrase is the target up to its first preposition or relative word
 * ("girl" in "girl with the red mask"). Object colour rule: a colour word in the head noun
 * phrase that is followed by another word of it (the noun it modifies) is the object colour:
 * "red car" → red, "the yellow thing" → yellow, "girl with the red mask" → none (the colour
 * modifies "mask", not the head), "the orange" → none (the colour is the noun itself).
 */
#define G_LOG_DOMAIN "pm-instruction"

#include "pm-instruction-private.h"

/* Longer instructions are not analysed beyond their verb. */
#define MAX_ANALYSED_WORDS 200

static void
token_free (gpointer data)
{
  PmToken *t = data;

  g_free (t->word);
  g_free (t->key);
  g_free (t);
}

/* ------------------------------------------------------------- word lists */

const char * const pm_instruction_segment_verbs[] = {
  "segment", "select", "find", "mask", "outline", "detect", "locate", "identify",
  "isolate", "extract", "show", "cut", "pick", "get", NULL
};

const char * const pm_instruction_paint_verbs[] = {
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
const char * const pm_instruction_relation_words[] = {
  "with", "in", "on", "at", "of", "near", "next", "behind", "under", "underneath",
  "beneath", "above", "below", "beside", "besides", "between", "by", "inside", "outside",
  "over", "wearing", "holding", "carrying", "that", "which", "who", "whose", "where", "and",
  "or", "from", "to", "into", "for", "against", "along", "across", "around", "among",
  "without", "having", "like", "is", "are", NULL
};

const char * const pm_instruction_articles[] = {
  "the", "a", "an", "this", "that", "these", "those", NULL
};

const char * const pm_instruction_colour_words[] = {
  "colour", "color", "shade", "tone", "coloured", "colored", "paint", NULL
};

const char * const pm_instruction_colour_modifiers[] = {
  "bright", "vivid", "deep", "pure", "strong", "vibrant", "rich", "bold", "dark", "light",
  "pale", "soft", "pastel", "neon", NULL
};

const char * const pm_instruction_colour_preps[] = {
  "in", "into", "to", "with", "using", "as", NULL
};

static const char * const trailing_junk[] = {
  "the", "a", "an", "and", "or", "of", "in", "on", "at", "to", "with", "from", "into",
  "that", "which", "who", "is", "are", "being", NULL
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
      gboolean comma = FALSE;

      while (*p != '\0' && !is_word_char (g_utf8_get_char (p)))
        {
          gunichar c = g_utf8_get_char (p);

          comma = comma || c == ',' || c == ';' || c == 0xFF0C /* fullwidth comma */;
          p = g_utf8_next_char (p);
        }
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
        PmToken *t = g_new0 (PmToken, 1);

        t->word = g_strndup (start, end - start);
        t->key = make_key (t->word);
        t->comma_before = comma;
        g_ptr_array_add (tokens, t);
      }
    }
  return tokens;
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

char *
pm_instruction_join_words (GPtrArray *tokens,
                           guint      start,
                           guint      end,
                           gboolean   keys)
{
  GString *s = g_string_new (NULL);

  for (guint i = start; i < end && i < tokens->len; i++)
    {
      PmToken *t = tokens->pdata[i];

      if (s->len > 0)
        g_string_append_c (s, ' ');
      g_string_append (s, keys ? t->key : t->word);
    }
  return g_string_free (s, FALSE);
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
guint
pm_instruction_color_ending_at (GPtrArray *tokens,
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
      g_autofree char *two = pm_instruction_join_words (tokens, end - 1, end + 1, TRUE);

      if (pm_color_is_name (two))
        return 2;
    }
  return pm_color_is_name (key) ? 1 : 0;
}

/* Number of words (2, 1) of a colour starting at @start and ending before @limit. */
guint
pm_instruction_color_starting_at (GPtrArray *tokens,
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
      g_autofree char *two = pm_instruction_join_words (tokens, start, start + 2, TRUE);

      if (pm_color_is_name (two))
        return 2;
    }
  return pm_color_is_name (key) ? 1 : 0;
}

static void
set_color (gboolean   *has,
           PmRgb      *rgb,
           char      **name,
           GPtrArray  *tokens,
           guint       start,
           guint       n)
{
  g_autofree char *joined = pm_instruction_join_words (tokens, start, start + n, TRUE);
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
    if (!key_in (tokens, i, pm_instruction_articles) &&
        !key_in (tokens, i, pm_instruction_colour_preps))
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
      if (key_in (tokens, end, pm_instruction_colour_words) && end > from)
        end--;
      n = pm_instruction_color_ending_at (tokens, end, from, skip_long);
      if (n == 0)
        {
          if (attempt == 0)
            continue;
          return;
        }
      start = end + 1 - n;
      k = start;
      /* "bright red" when that is not a colour name of its own: the base colour */
      if (k > from && key_in (tokens, k - 1, pm_instruction_colour_modifiers))
        k--;
      /* "the colour red", "a red colour", "with the colour red", "to red", "look red" */
      if (k > from && key_in (tokens, k - 1, pm_instruction_colour_words))
        k--;
      if (k > from && key_in (tokens, k - 1, pm_instruction_articles))
        k--;
      if (k > from && key_in (tokens, k - 1, pm_instruction_colour_preps))
        k--;
      if (k > from && (key_is (tokens, k - 1, "look") || key_is (tokens, k - 1, "looks") ||
                       key_is (tokens, k - 1, "appear") || key_is (tokens, k - 1, "become") ||
                       key_is (tokens, k - 1, "be")))
        k--;
      if (!has_content (tokens, from, k))
        {
          /* Nothing but the colour phrase. "paint the orange": an article right before
           * the colour makes it a noun, the target. "paint red", "paint in red", "paint
           * dark green": a colour for whatever the engine finds. "paint sky blue": the
           * first word of a two-word name that is not a shade modifier is more likely the
           * target, so try the one-word colour first. */
          gboolean noun_use = start > from && key_in (tokens, start - 1, pm_instruction_articles);
          gboolean shade = n == 2 && key_in (tokens, start, pm_instruction_colour_modifiers);

          if (k > from || noun_use || (n == 2 && !shade && !skip_long))
            continue;
        }

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
      guint n = pm_instruction_color_starting_at (tokens, i, limit);

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

/* ---------------------------------------------------------------- parse */

static void
strip_lead_phrases (GPtrArray *tokens)
{
  gboolean changed = TRUE;
  guint start = 0;

  /* Find where the instruction proper starts, then remove once (linear time even for
   * "please please please …"). */
  while (changed && start < tokens->len)
    {
      changed = FALSE;
      for (guint k = 0; lead_phrases[k] != NULL; k++)
        {
          guint n = match_phrase (tokens, start, lead_phrases[k]);

          /* Never strip the whole instruction ("now" alone stays a target). */
          if (n > 0 && start + n < tokens->len)
            {
              start += n;
              changed = TRUE;
              break;
            }
        }
    }
  remove_range (tokens, 0, start);
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
  if (!pm_instruction_verb_action (key, &ins->action))
    return FALSE;

  colour_verb = strcmp (key, "colour") == 0 || strcmp (key, "color") == 0;
  remove_range (tokens, 0, 1);

  /* "find me the dog", "cut out the dog", "colour in the shirt green" */
  if (key_is (tokens, 0, "me") || key_is (tokens, 0, "out"))
    remove_range (tokens, 0, 1);
  if ((colour_verb || key_is (tokens, 0, "over")) && tokens->len > 1 &&
      (key_is (tokens, 0, "in") || key_is (tokens, 0, "over")) &&
      key_in (tokens, 1, pm_instruction_articles))
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
      if (key_in (tokens, 0, pm_instruction_articles) || key_is (tokens, 0, "me") ||
          key_is (tokens, 0, "out"))
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
          PmToken *prev;
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

/* Steps 3–7 on one item's words: qualifiers, paint colour, target. */
static void
parse_item (PmInstruction *ins,
            GPtrArray     *tokens)
{
  PmPosAcc pos = { 0, 0, FALSE };

  pm_instruction_take_ordinal (ins, tokens);
  pm_instruction_take_prep_positions (tokens, &pos);
  pm_instruction_take_rank (ins, tokens);
  pm_instruction_take_bare_positions (tokens, &pos);
  ins->position = pm_pos_acc_to_enum (&pos);

  if (ins->action == PM_ACTION_PAINT)
    take_paint_color (ins, tokens, 0);

  clean_target (ins, tokens);
  take_object_color (ins, tokens);
  ins->target = pm_instruction_join_words (tokens, 0, tokens->len, FALSE);
}

static PmToken *
token_copy (const PmToken *t)
{
  PmToken *copy = g_new0 (PmToken, 1);

  copy->word = g_strdup (t->word);
  copy->key = g_strdup (t->key);
  copy->comma_before = t->comma_before;
  return copy;
}

/* The items of a list: item 0 is @ins itself, the others go to ins->more. Each item starts
 * with the action of the one before unless it has its own verb ("… and paint the cat"). */
static void
parse_list (PmInstruction *ins,
            GPtrArray     *tokens,
            GArray        *spans)
{
  PmAction action = ins->action;

  ins->n_items = spans->len;
  ins->more = g_new0 (PmInstruction *, spans->len - 1);
  for (guint k = 0; k < spans->len; k++)
    {
      const PmItemSpan *span = &g_array_index (spans, PmItemSpan, k);
      g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func (token_free);
      PmInstruction *item = ins;

      for (guint i = span->start; i < span->end; i++)
        g_ptr_array_add (words, token_copy (tokens->pdata[i]));
      if (k > 0)
        {
          item = ins->more[k - 1] = g_new0 (PmInstruction, 1);
          item->n_items = 1;
          item->action = action;
          item->text = pm_instruction_join_words (words, 0, words->len, FALSE);
          take_verb (item, words);
          action = item->action;
        }
      else
        ins->item_text = pm_instruction_join_words (words, 0, words->len, FALSE);
      parse_item (item, words);
    }
  pm_instruction_share_colors (ins);
}

/**
 * pm_instruction_parse:
 * @text: (nullable): the instruction, any bytes; invalid UTF-8 is repaired
 *
 * Parses an English edit or segment instruction, a single object or a list of them
 * ("paint the cup blue and the saucer green"). It never fails: whatever is not
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
  g_autoptr(GArray) spans = NULL;

  ins->text = g_utf8_make_valid (text != NULL ? text : "", -1);
  ins->action = PM_ACTION_SEGMENT;
  ins->n_items = 1;
  normal = g_utf8_normalize (ins->text, -1, G_NORMALIZE_DEFAULT_COMPOSE);
  if (normal == NULL)
    normal = g_strdup (ins->text);

  tokens = tokenize (normal);
  strip_lead_phrases (tokens);
  strip_trail_phrases (tokens);
  take_verb (ins, tokens);

  /* Nobody types an instruction of hundreds of words; past that, everything after the
   * verb is the target (this also keeps the parser linear on huge inputs). */
  if (tokens->len > MAX_ANALYSED_WORDS)
    {
      ins->target = pm_instruction_join_words (tokens, 0, tokens->len, FALSE);
      return ins;
    }

  spans = pm_instruction_split_items (tokens, ins->action);
  if (spans->len > 1)
    parse_list (ins, tokens, spans);
  else
    parse_item (ins, tokens);
  return ins;
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

/**
 * pm_action_to_string:
 * @action: an action
 *
 * Returns: "segment" or "paint" (static)
 */
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

/**
 * pm_position_to_string:
 * @position: a position
 *
 * Returns: "none", "left", "top-right", "center", … (static)
 */
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

/**
 * pm_size_rank_to_string:
 * @rank: a size rank
 *
 * Returns: "none", "largest" or "smallest" (static)
 */
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
