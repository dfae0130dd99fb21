/* pm-instruction-private.h: what the instruction parser's files share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>

#include "pm-instruction.h"

G_BEGIN_DECLS

/* One word of the instruction. */
typedef struct {
  char     *word;          /* as written */
  char     *key;           /* lower case, with typographic apostrophes and hyphens made ASCII */
  gboolean  comma_before;  /* a comma (or semicolon) separates it from the word before */
} PmToken;

/* NULL-terminated word lists (pm-instruction.c). */
extern const char * const pm_instruction_relation_words[];
extern const char * const pm_instruction_articles[];
extern const char * const pm_instruction_colour_words[];
extern const char * const pm_instruction_colour_modifiers[];
extern const char * const pm_instruction_colour_preps[];
extern const char * const pm_instruction_segment_verbs[];
extern const char * const pm_instruction_paint_verbs[];

/* Position words read so far: −1/+1 on each axis, and "centre". */
typedef struct {
  int      h;       /* −1 left, +1 right */
  int      v;       /* −1 top, +1 bottom */
  gboolean center;
} PmPosAcc;

/* Tokens are a GPtrArray of PmToken; indices past the end read as NULL. */

static inline const char *
key_at (GPtrArray *tokens,
        guint      i)
{
  return i < tokens->len ? ((PmToken *) tokens->pdata[i])->key : NULL;
}

static inline gboolean
key_is (GPtrArray  *tokens,
        guint       i,
        const char *word)
{
  return g_strcmp0 (key_at (tokens, i), word) == 0;
}

static inline gboolean
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

static inline gboolean
key_in (GPtrArray          *tokens,
        guint               i,
        const char * const *set)
{
  return in_set (key_at (tokens, i), set);
}

static inline void
remove_range (GPtrArray *tokens,
              guint      start,
              guint      n)
{
  g_assert (start + n <= tokens->len);
  if (n > 0)
    g_ptr_array_remove_range (tokens, start, n);
}

guint      pm_instruction_color_starting_at     (GPtrArray     *tokens,
                                                 guint          start,
                                                 guint          limit);
guint      pm_instruction_color_ending_at       (GPtrArray     *tokens,
                                                 guint          end,
                                                 guint          min_start,
                                                 gboolean       skip_long);
char      *pm_instruction_join_words            (GPtrArray     *tokens,
                                                 guint          start,
                                                 guint          end,
                                                 gboolean       keys);

/* Index of the first relation word after @from: the end of the head noun phrase.
 * "and"/"or" between two colours ("the black and white cat") do not end it. */
static inline guint
head_end (GPtrArray *tokens,
          guint      from)
{
  for (guint i = from + 1; i < tokens->len; i++)
    {
      if (!key_in (tokens, i, pm_instruction_relation_words))
        continue;
      if ((key_is (tokens, i, "and") || key_is (tokens, i, "or")) &&
          pm_instruction_color_starting_at (tokens, i - 1, i) > 0 &&
          pm_instruction_color_starting_at (tokens, i + 1, tokens->len) > 0)
        continue;
      return i;
    }
  return tokens->len;
}
void       pm_instruction_take_ordinal          (PmInstruction *ins,
                                                 GPtrArray     *tokens);
void       pm_instruction_take_prep_positions   (GPtrArray     *tokens,
                                                 PmPosAcc      *pos);
void       pm_instruction_take_rank             (PmInstruction *ins,
                                                 GPtrArray     *tokens);
void       pm_instruction_take_bare_positions   (GPtrArray     *tokens,
                                                 PmPosAcc      *pos);
PmPosition pm_pos_acc_to_enum                   (const PmPosAcc *acc);

/* Lists (pm-instruction-list.c). One item's words: tokens [start, end). */
typedef struct {
  guint    start;
  guint    end;
} PmItemSpan;

/* Splits @tokens (the verb already taken; @action is its action) into item spans, at least
 * one. */
GArray    *pm_instruction_split_items           (GPtrArray     *tokens,
                                                 PmAction       action);
/* Whether @key is a verb; its action in @action. */
gboolean   pm_instruction_verb_action           (const char    *key,
                                                 PmAction      *action);
/* Items without a paint colour take the colour of the next item that names one. */
void       pm_instruction_share_colors          (PmInstruction *ins);

G_END_DECLS
