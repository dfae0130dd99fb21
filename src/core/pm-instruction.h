/* pm-instruction.h: parse English edit/segment instructions into a PmInstruction.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The parser never fails: anything it does not understand stays in the target phrase.
 * It accepts any bytes (invalid UTF-8 is repaired first). The rules (which words are
 * qualifiers, when a colour is the paint colour or the object's colour) are described at
 * the top of pm-instruction.c; how a list ("paint the cup blue and the saucer green") is
 * split into items, at the top of pm-instruction-list.c.
 */
#pragma once

#include <glib.h>
#include "pm-color.h"

G_BEGIN_DECLS

typedef enum {
  PM_ACTION_SEGMENT,   /* "segment the X": paint X in the highlight colour */
  PM_ACTION_PAINT,     /* "paint/make/colour/turn/highlight the X <colour>" */
} PmAction;

typedef enum {
  PM_POSITION_NONE,
  PM_POSITION_LEFT,
  PM_POSITION_RIGHT,
  PM_POSITION_TOP,
  PM_POSITION_BOTTOM,
  PM_POSITION_TOP_LEFT,
  PM_POSITION_TOP_RIGHT,
  PM_POSITION_BOTTOM_LEFT,
  PM_POSITION_BOTTOM_RIGHT,
  PM_POSITION_CENTER,
} PmPosition;

typedef enum {
  PM_SIZE_RANK_NONE,
  PM_SIZE_RANK_LARGEST,
  PM_SIZE_RANK_SMALLEST,
} PmSizeRank;

/* A list instruction has at most this many items; words past the last split stay in the
 * last item. (Label maps are 8-bit; nobody lists more objects in one sentence.) */
#define PM_INSTRUCTION_MAX_ITEMS 16

typedef struct _PmInstruction PmInstruction;

/* An instruction is a list of items, each one object with its own target, colour and
 * qualifiers. The fields below are item 0 (for a single-object instruction, the whole
 * instruction); further items are single-object PmInstructions read through
 * pm_instruction_get_item(). */
struct _PmInstruction {
  char       *text;              /* the instruction as given (valid UTF-8); of items 1…,
                                  * their own words ("the saucer green") */
  PmAction    action;
  char       *target;            /* "banana", "girl with the red mask"; never NULL, may be "" */
  /* The paint colour: what the object becomes. */
  gboolean    has_color;
  PmRgb       color;
  char       *color_name;        /* lower-cased as written ("purple", "#8000ff"), or NULL */
  /* A colour that describes the object as it is ("the red car"), a cue for engines. */
  gboolean    has_object_color;
  PmRgb       object_color;
  char       *object_color_name;
  PmPosition  position;          /* "in the upper-right", "on the left" */
  /* 0 = none, 1 = first, 2 = second, …; -1 = last, -2 = second to last ("penultimate",
   * "second from the end"), -n = n-th from the end. "leftmost" is 1 from LEFT. */
  int         ordinal;
  /* LEFT/RIGHT/TOP/BOTTOM: "second from the left"; NONE when no side was named. */
  PmPosition  ordinal_from;
  /* "the biggest", "the smallest". With an ordinal and no side it is a rank by size:
   * "the second largest apple" is ordinal 2, ordinal_from NONE, size_rank LARGEST. */
  PmSizeRank  size_rank;
  /* The list (pm-instruction-list.c). n_items ≥ 1; more holds items 1 … n_items − 1 (NULL
   * for a single object), each with n_items = 1. item_text is item 0's own words in a list
   * (NULL for a single object). Use the accessors below. */
  guint           n_items;
  PmInstruction **more;
  char           *item_text;
};

PmInstruction *pm_instruction_parse          (const char          *text);
PmInstruction *pm_instruction_copy           (const PmInstruction *instruction);
void           pm_instruction_free           (PmInstruction       *instruction);
/* Items of a list instruction; a single-object instruction has one, itself. */
guint          pm_instruction_get_n_items    (const PmInstruction *instruction);
const PmInstruction *pm_instruction_get_item (const PmInstruction *instruction,
                                              guint                index);
/* Item @index on its own: a single-object instruction whose text is the item's words
 * (item 0 of a single-object instruction: a plain copy). */
PmInstruction *pm_instruction_copy_item      (const PmInstruction *instruction,
                                              guint                index);
/* The colour to paint with: the instruction's colour or @fallback. */
PmRgb          pm_instruction_get_paint_color (const PmInstruction *instruction,
                                               PmRgb                fallback);
const char    *pm_action_to_string           (PmAction             action);
const char    *pm_position_to_string         (PmPosition           position);
const char    *pm_size_rank_to_string        (PmSizeRank           rank);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmInstruction, pm_instruction_free)

G_END_DECLS
