/* pm-instruction-list.c: instructions that name several objects, and the item accessors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "paint the cup blue and the saucer green", "segment the dog, the cat(,) and the ball",
 * "make the left car red and the right car yellow": after the verb, the words are split
 * into items at "and" and at commas (", and" is one separator), and each item is parsed on
 * its own (qualifiers, paint colour, target), so each has its own target, colour and
 * qualifiers. A separator splits when:
 *   - the next item starts with a verb and an article ("… and paint the cat red"); that
 *     item takes the verb's action, later items inherit it;
 *   - for painting, the words before end with a paint colour ("the cup blue and …");
 *   - the next item starts with an article or determiner ("… and the saucer"), unless the
 *     words before hold "between"/"among" (the pair's "and"), or a relation whose object
 *     may be a list ("with", "wearing", "holding", "of", …) and the next item is indefinite
 *     ("the man with a hat and a scarf" stays one object; "the girl with the red mask and
 *     the dog" is two).
 * It never splits between two colours ("the black and white cat", "red, white and blue"),
 * nor off an item of nothing but articles. Anything else ("the cup and saucer") stays one
 * object. After parsing, an item with no paint colour takes the colour of the next item
 * that names one ("paint the cup and the saucer blue": both blue); one with none after it
 * keeps none (the pipeline picks a colour).
 */
#define G_LOG_DOMAIN "pm-instruction"

#include "pm-instruction-private.h"

/* Words an item may start with (besides a verb). */
static const char * const item_determiners[] = {
  "the", "a", "an", "this", "that", "these", "those", "each", "every", "both", "all", "my",
  "your", "his", "her", "its", "our", "their", NULL
};

/* Determiners of a definite thing: a new item even after "with …". */
static const char * const definite_determiners[] = {
  "the", "this", "that", "these", "those", "my", "your", "his", "her", "its", "our", "their",
  NULL
};

/* Relations that take two things joined by "and". */
static const char * const pair_relations[] = {
  "between", "among", "amongst", NULL
};

/* Relations whose object may be a list of indefinite things. */
static const char * const conjunct_relations[] = {
  "with", "without", "wearing", "holding", "carrying", "having", "of", "like", "including",
  NULL
};

/**
 * pm_instruction_verb_action:
 * @key: a lower-case word
 * @action: (out): its action, when it is a verb
 *
 * Returns: whether @key is one of the parser's verbs
 */
gboolean
pm_instruction_verb_action (const char *key,
                            PmAction   *action)
{
  if (in_set (key, pm_instruction_segment_verbs))
    *action = PM_ACTION_SEGMENT;
  else if (in_set (key, pm_instruction_paint_verbs))
    *action = PM_ACTION_PAINT;
  else
    return FALSE;
  return TRUE;
}

/* Whether tokens [start, end) hold a word that is not an article or a colour
 * preposition. */
static gboolean
has_words (GPtrArray *tokens,
           guint      start,
           guint      end)
{
  for (guint i = start; i < end && i < tokens->len; i++)
    if (!key_in (tokens, i, pm_instruction_articles) &&
        !key_in (tokens, i, pm_instruction_colour_preps))
      return TRUE;
  return FALSE;
}

/* Whether tokens [start, end) end with a paint colour after some target words
 * ("the cup blue", "the cup a red colour"; not "the red"). */
static gboolean
ends_with_paint_color (GPtrArray *tokens,
                       guint      start,
                       guint      end)
{
  guint last = end - 1;
  guint n;

  if (end <= start)
    return FALSE;
  if (key_in (tokens, last, pm_instruction_colour_words) && last > start)
    last--;
  n = pm_instruction_color_ending_at (tokens, last, start, FALSE);
  if (n == 0)
    return FALSE;
  return has_words (tokens, start, last + 1 - n);
}

static gboolean
span_has (GPtrArray          *tokens,
          guint               start,
          guint               end,
          const char * const *set)
{
  for (guint j = start; j < end; j++)
    if (key_in (tokens, j, set))
      return TRUE;
  return FALSE;
}

/* Whether the separator at @i (next item from @next) ends the item that started at
 * @start, whose action is @action. */
static gboolean
splits_here (GPtrArray *tokens,
             guint      start,
             guint      i,
             guint      next,
             PmAction   action)
{
  PmAction verb;

  if (next >= tokens->len || !has_words (tokens, start, i))
    return FALSE;
  /* "the black and white cat", "red, white and blue" */
  if (pm_instruction_color_ending_at (tokens, i - 1, start, FALSE) > 0 &&
      pm_instruction_color_starting_at (tokens, next, tokens->len) > 0)
    return FALSE;
  /* "… and paint the cat red" */
  if (pm_instruction_verb_action (key_at (tokens, next), &verb) &&
      key_in (tokens, next + 1, item_determiners))
    return TRUE;
  /* "paint the cup blue and the saucer green", "… blue and saucer green" */
  if (action == PM_ACTION_PAINT && ends_with_paint_color (tokens, start, i))
    return TRUE;
  if (!key_in (tokens, next, item_determiners))
    return FALSE;
  /* "the cat between the car and the tree" */
  if (span_has (tokens, start, i, pair_relations))
    return FALSE;
  /* "the man with a hat and a scarf" */
  if (span_has (tokens, start, i, conjunct_relations) &&
      !key_in (tokens, next, definite_determiners))
    return FALSE;
  return TRUE;
}

/**
 * pm_instruction_split_items:
 * @tokens: the words after the verb
 * @action: the verb's action
 *
 * Returns: (transfer full): spans of #PmItemSpan, one per item, at least one
 */
GArray *
pm_instruction_split_items (GPtrArray *tokens,
                            PmAction   action)
{
  GArray *spans = g_array_new (FALSE, FALSE, sizeof (PmItemSpan));
  PmItemSpan span = { 0, 0 };

  for (guint i = 1; i < tokens->len && spans->len + 1 < PM_INSTRUCTION_MAX_ITEMS; i++)
    {
      PmToken *t = tokens->pdata[i];
      gboolean is_and = strcmp (t->key, "and") == 0;
      guint next = is_and ? i + 1 : i;
      PmAction next_action = action;

      if (!is_and && !t->comma_before)
        continue;
      if (!splits_here (tokens, span.start, i, next, action))
        continue;
      /* An item of nothing but articles is no item ("the dog and the"). */
      {
        guint end = tokens->len;

        for (guint j = next + 1; j < tokens->len; j++)
          if (((PmToken *) tokens->pdata[j])->comma_before || key_is (tokens, j, "and"))
            {
              end = j;
              break;
            }
        if (!has_words (tokens, next, end))
          continue;
      }
      span.end = i;
      g_array_append_val (spans, span);
      span.start = next;
      if (pm_instruction_verb_action (key_at (tokens, next), &next_action))
        action = next_action;
      i = next;
    }
  span.end = tokens->len;
  g_array_append_val (spans, span);
  return spans;
}

static void
take_color_of (PmInstruction       *item,
               const PmInstruction *from)
{
  item->has_color = TRUE;
  item->color = from->color;
  g_free (item->color_name);
  item->color_name = g_strdup (from->color_name);
}

/**
 * pm_instruction_share_colors:
 * @ins: a parsed list
 *
 * A painted item without a colour takes the colour of the next item that names one:
 * "paint the cup red, the saucer and the spoon blue" paints the saucer blue.
 */
void
pm_instruction_share_colors (PmInstruction *ins)
{
  const PmInstruction *carry = NULL;

  for (guint k = pm_instruction_get_n_items (ins); k-- > 0; )
    {
      PmInstruction *item = (PmInstruction *) pm_instruction_get_item (ins, k);

      if (item->has_color)
        carry = item;
      else if (carry != NULL && item->action == PM_ACTION_PAINT)
        take_color_of (item, carry);
    }
}

/* ---------------------------------------------------------------- items */

static PmInstruction *
copy_one (const PmInstruction *instruction)
{
  PmInstruction *copy = g_memdup2 (instruction, sizeof *instruction);

  copy->text = g_strdup (instruction->text);
  copy->target = g_strdup (instruction->target);
  copy->color_name = g_strdup (instruction->color_name);
  copy->object_color_name = g_strdup (instruction->object_color_name);
  copy->item_text = NULL;
  copy->more = NULL;
  copy->n_items = 1;
  return copy;
}

/**
 * pm_instruction_copy:
 * @instruction: an instruction
 *
 * Returns: (transfer full): a deep copy of @instruction, all its items included
 */
PmInstruction *
pm_instruction_copy (const PmInstruction *instruction)
{
  PmInstruction *copy;
  guint n;

  g_return_val_if_fail (instruction != NULL, NULL);

  copy = copy_one (instruction);
  n = pm_instruction_get_n_items (instruction);
  if (n > 1)
    {
      copy->n_items = n;
      copy->item_text = g_strdup (instruction->item_text);
      copy->more = g_new0 (PmInstruction *, n - 1);
      for (guint k = 1; k < n; k++)
        copy->more[k - 1] = copy_one (instruction->more[k - 1]);
    }
  return copy;
}

/**
 * pm_instruction_copy_item:
 * @instruction: an instruction
 * @index: an item, below pm_instruction_get_n_items()
 *
 * Item @index as an instruction of its own (one item): what an engine that finds one
 * object at a time is given. Its text is the item's own words ("the saucer green"); for a
 * single-object instruction this is a plain copy.
 *
 * Returns: (transfer full): the item
 */
PmInstruction *
pm_instruction_copy_item (const PmInstruction *instruction,
                          guint                index)
{
  PmInstruction *copy;

  g_return_val_if_fail (instruction != NULL, NULL);
  g_return_val_if_fail (index < pm_instruction_get_n_items (instruction), NULL);

  copy = copy_one (pm_instruction_get_item (instruction, index));
  if (index == 0 && instruction->item_text != NULL)
    {
      g_free (copy->text);
      copy->text = g_strdup (instruction->item_text);
    }
  return copy;
}

/**
 * pm_instruction_get_n_items:
 * @instruction: an instruction
 *
 * Returns: the number of objects it names: 1, or more for a list
 */
guint
pm_instruction_get_n_items (const PmInstruction *instruction)
{
  g_return_val_if_fail (instruction != NULL, 1);
  return MAX (instruction->n_items, 1);
}

/**
 * pm_instruction_get_item:
 * @instruction: an instruction
 * @index: an item, below pm_instruction_get_n_items()
 *
 * Returns: (transfer none): item @index: @instruction itself for 0, else a single-object
 *   instruction owned by @instruction
 */
const PmInstruction *
pm_instruction_get_item (const PmInstruction *instruction,
                         guint                index)
{
  g_return_val_if_fail (instruction != NULL, NULL);
  g_return_val_if_fail (index < pm_instruction_get_n_items (instruction), NULL);
  return index == 0 ? instruction : instruction->more[index - 1];
}

/**
 * pm_instruction_free:
 * @instruction: (nullable): an instruction
 *
 * Frees @instruction, its items and their strings.
 */
void
pm_instruction_free (PmInstruction *instruction)
{
  if (instruction == NULL)
    return;
  if (instruction->more != NULL)
    for (guint k = 0; k + 1 < instruction->n_items; k++)
      pm_instruction_free (instruction->more[k]);
  g_free (instruction->more);
  g_free (instruction->item_text);
  g_free (instruction->text);
  g_free (instruction->target);
  g_free (instruction->color_name);
  g_free (instruction->object_color_name);
  g_free (instruction);
}

