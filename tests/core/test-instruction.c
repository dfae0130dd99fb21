/* test-instruction.c: tests of the instruction parser (pm-instruction.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "pm-instruction.h"

#define SEG PM_ACTION_SEGMENT
#define PNT PM_ACTION_PAINT
#define NONE PM_POSITION_NONE
#define L PM_POSITION_LEFT
#define R PM_POSITION_RIGHT
#define T PM_POSITION_TOP
#define B PM_POSITION_BOTTOM
#define TL PM_POSITION_TOP_LEFT
#define TR PM_POSITION_TOP_RIGHT
#define BL PM_POSITION_BOTTOM_LEFT
#define BR PM_POSITION_BOTTOM_RIGHT
#define C PM_POSITION_CENTER
#define RNONE PM_SIZE_RANK_NONE
#define BIG PM_SIZE_RANK_LARGEST
#define SMALL PM_SIZE_RANK_SMALLEST

/* color / object: NULL = none; "#rrggbb" = that exact colour (written as hex in the
 * instruction); otherwise a colour name, whose value must be pm_color_parse (name) and which
 * must be the recorded name. */
static int failures;

/* Records a mismatch and goes on, so one run lists every failing case. */
#define FAIL(...) G_STMT_START { g_test_message (__VA_ARGS__); failures++; } G_STMT_END

typedef struct {
  const char *text;
  PmAction    action;
  const char *target;
  const char *color;
  const char *object;
  PmPosition  position;
  int         ordinal;
  PmPosition  from;
  PmSizeRank  rank;
} Case;

static const Case cases[] = {
  /* verbs → actions */
  { "segment the banana", SEG, "banana", NULL, NULL, NONE, 0, NONE, RNONE },
  { "select the dog", SEG, "dog", NULL, NULL, NONE, 0, NONE, RNONE },
  { "find the cat", SEG, "cat", NULL, NULL, NONE, 0, NONE, RNONE },
  { "mask the person", SEG, "person", NULL, NULL, NONE, 0, NONE, RNONE },
  { "outline the bicycle", SEG, "bicycle", NULL, NULL, NONE, 0, NONE, RNONE },
  { "Find me the umbrella", SEG, "umbrella", NULL, NULL, NONE, 0, NONE, RNONE },
  { "mask out the background", SEG, "background", NULL, NULL, NONE, 0, NONE, RNONE },
  { "banana", SEG, "banana", NULL, NULL, NONE, 0, NONE, RNONE },
  { "where is the cat?", SEG, "cat", NULL, NULL, NONE, 0, NONE, RNONE },
  { "paint the banana purple", PNT, "banana", "purple", NULL, NONE, 0, NONE, RNONE },
  { "make the car blue", PNT, "car", "#0000ff", NULL, NONE, 0, NONE, RNONE },
  { "turn the sky #ff8800", PNT, "sky", "#ff8800", NULL, NONE, 0, NONE, RNONE },
  { "colour the shirt in dark green", PNT, "shirt", "dark green", NULL, NONE, 0, NONE, RNONE },
  { "color the shirt red", PNT, "shirt", "#ff0000", NULL, NONE, 0, NONE, RNONE },
  { "highlight the dog", PNT, "dog", NULL, NULL, NONE, 0, NONE, RNONE },
  { "highlight the dog in yellow", PNT, "dog", "yellow", NULL, NONE, 0, NONE, RNONE },
  { "recolor the jacket to navy", PNT, "jacket", "navy", NULL, NONE, 0, NONE, RNONE },
  { "change the car to blue", PNT, "car", "#0000ff", NULL, NONE, 0, NONE, RNONE },
  { "dye the hair pink", PNT, "hair", "pink", NULL, NONE, 0, NONE, RNONE },
  { "tint the window blue", PNT, "window", "#0000ff", NULL, NONE, 0, NONE, RNONE },
  { "paint the wall", PNT, "wall", NULL, NULL, NONE, 0, NONE, RNONE },
  /* colour phrases */
  { "paint the X with the colour red", PNT, "X", "#ff0000", NULL, NONE, 0, NONE, RNONE },
  { "paint the door to red", PNT, "door", "#ff0000", NULL, NONE, 0, NONE, RNONE },
  { "paint the door red colour", PNT, "door", "#ff0000", NULL, NONE, 0, NONE, RNONE },
  { "paint the door a red colour", PNT, "door", "#ff0000", NULL, NONE, 0, NONE, RNONE },
  { "turn the sky into orange", PNT, "sky", "orange", NULL, NONE, 0, NONE, RNONE },
  { "make the car look blue", PNT, "car", "#0000ff", NULL, NONE, 0, NONE, RNONE },
  { "paint the sky blue", PNT, "sky", "#0000ff", NULL, NONE, 0, NONE, RNONE },
  { "paint the car sky blue", PNT, "car", "sky blue", NULL, NONE, 0, NONE, RNONE },
  { "paint the bag #F80", PNT, "bag", "#ff8800", NULL, NONE, 0, NONE, RNONE },
  { "change the colour of the car to blue", PNT, "car", "#0000ff", NULL, NONE, 0, NONE, RNONE },
  { "change the car's colour to red", PNT, "car", "#ff0000", NULL, NONE, 0, NONE, RNONE },
  { "change the car colour to red", PNT, "car", "#ff0000", NULL, NONE, 0, NONE, RNONE },
  { "paint the orange", PNT, "orange", NULL, NULL, NONE, 0, NONE, RNONE },
  { "paint the orange blue", PNT, "orange", "#0000ff", NULL, NONE, 0, NONE, RNONE },
  { "paint the banana Orange", PNT, "banana", "orange", NULL, NONE, 0, NONE, RNONE },
  /* object colours */
  { "paint the red car blue", PNT, "red car", "#0000ff", "#ff0000", NONE, 0, NONE, RNONE },
  { "segment the girl with the red mask", SEG, "girl with the red mask", NULL, NULL, NONE, 0,
    NONE, RNONE },
  { "paint the girl with the red mask blue", PNT, "girl with the red mask", "#0000ff", NULL,
    NONE, 0, NONE, RNONE },
  { "segment the yellow thing", SEG, "yellow thing", NULL, "yellow", NONE, 0, NONE, RNONE },
  { "the red car", SEG, "red car", NULL, "#ff0000", NONE, 0, NONE, RNONE },
  { "select the dark green bottle", SEG, "dark green bottle", NULL, "dark green", NONE, 0,
    NONE, RNONE },
  { "paint the black and white cat orange", PNT, "black and white cat", "orange", "black",
    NONE, 0, NONE, RNONE },
  { "segment the man in red", SEG, "man in red", NULL, NULL, NONE, 0, NONE, RNONE },
  { "paint the man in red", PNT, "man", "#ff0000", NULL, NONE, 0, NONE, RNONE },
  /* positions */
  { "segment the dog on the left", SEG, "dog", NULL, NULL, L, 0, NONE, RNONE },
  { "segment the dog on the right side", SEG, "dog", NULL, NULL, R, 0, NONE, RNONE },
  { "segment the left dog", SEG, "dog", NULL, NULL, L, 0, NONE, RNONE },
  { "select the top shelf", SEG, "shelf", NULL, NULL, T, 0, NONE, RNONE },
  { "find the upper window", SEG, "window", NULL, NULL, T, 0, NONE, RNONE },
  { "segment the person at the bottom", SEG, "person", NULL, NULL, B, 0, NONE, RNONE },
  { "segment the lower lamp", SEG, "lamp", NULL, NULL, B, 0, NONE, RNONE },
  { "paint the banana in the upper-right purple", PNT, "banana", "purple", NULL, TR, 0, NONE,
    RNONE },
  { "paint the banana purple in the upper-right corner", PNT, "banana", "purple", NULL, TR, 0,
    NONE, RNONE },
  { "segment the bird in the top left", SEG, "bird", NULL, NULL, TL, 0, NONE, RNONE },
  { "segment the upper-left bird", SEG, "bird", NULL, NULL, TL, 0, NONE, RNONE },
  { "segment the bird in the top right corner of the image", SEG, "bird", NULL, NULL, TR, 0,
    NONE, RNONE },
  { "segment the boat in the lower left", SEG, "boat", NULL, NULL, BL, 0, NONE, RNONE },
  { "select the bottom-right tile", SEG, "tile", NULL, NULL, BR, 0, NONE, RNONE },
  { "segment the cup in the centre", SEG, "cup", NULL, NULL, C, 0, NONE, RNONE },
  { "segment the cup in the center of the picture", SEG, "cup", NULL, NULL, C, 0, NONE,
    RNONE },
  { "segment the man in the middle", SEG, "man", NULL, NULL, C, 0, NONE, RNONE },
  { "segment the dog on the far left", SEG, "dog", NULL, NULL, L, 0, NONE, RNONE },
  { "segment the dog on the left hand side", SEG, "dog", NULL, NULL, L, 0, NONE, RNONE },
  { "segment the left dog at the top", SEG, "dog", NULL, NULL, TL, 0, NONE, RNONE },
  { "segment the man to the left of the car", SEG, "man to the left of the car", NULL, NULL,
    NONE, 0, NONE, RNONE },
  { "segment the top of the table", SEG, "top of the table", NULL, NULL, NONE, 0, NONE,
    RNONE },
  { "segment the tank top", SEG, "tank top", NULL, NULL, NONE, 0, NONE, RNONE },
  { "change the car on the left to blue", PNT, "car", "#0000ff", NULL, L, 0, NONE, RNONE },
  /* ordinals and ranks */
  { "segment the second apple from the left", SEG, "apple", NULL, NULL, NONE, 2, L, RNONE },
  { "paint the third car from the right red", PNT, "car", "#ff0000", NULL, NONE, 3, R, RNONE },
  { "segment the first person", SEG, "person", NULL, NULL, NONE, 1, NONE, RNONE },
  { "segment the last person", SEG, "person", NULL, NULL, NONE, -1, NONE, RNONE },
  { "select the 2nd cup from the top", SEG, "cup", NULL, NULL, NONE, 2, T, RNONE },
  { "segment the 3rd one from the bottom", SEG, "", NULL, NULL, NONE, 3, B, RNONE },
  { "segment the second from the left", SEG, "", NULL, NULL, NONE, 2, L, RNONE },
  { "segment the second to last car", SEG, "car", NULL, NULL, NONE, -2, NONE, RNONE },
  { "segment the leftmost bottle", SEG, "bottle", NULL, NULL, NONE, 1, L, RNONE },
  { "right most person", SEG, "person", NULL, NULL, NONE, 1, R, RNONE },
  { "the top-most shelf", SEG, "shelf", NULL, NULL, NONE, 1, T, RNONE },
  { "man far right", SEG, "man", NULL, NULL, R, 0, NONE, RNONE },
  { "guy on left", SEG, "guy", NULL, NULL, L, 0, NONE, RNONE },
  { "bottom left corner pizza", SEG, "pizza", NULL, NULL, BL, 0, NONE, RNONE },
  { "segment the biggest apple", SEG, "apple", NULL, NULL, NONE, 0, NONE, BIG },
  { "paint the largest one purple", PNT, "", "purple", NULL, NONE, 0, NONE, BIG },
  { "select the smallest dog", SEG, "dog", NULL, NULL, NONE, 0, NONE, SMALL },
  { "select the tiniest cup on the right", SEG, "cup", NULL, NULL, R, 0, NONE, SMALL },
  { "segment the second largest apple", SEG, "apple", NULL, NULL, NONE, 2, NONE, BIG },
  { "segment the dog with the biggest ears", SEG, "dog with the biggest ears", NULL, NULL, NONE,
    0, NONE, RNONE },
  /* possessives, extra words, punctuation */
  { "segment the man's hat", SEG, "man's hat", NULL, NULL, NONE, 0, NONE, RNONE },
  { "paint the woman’s red scarf green", PNT, "woman’s red scarf", "green", "#ff0000", NONE, 0,
    NONE, RNONE },
  { "please segment the dog", SEG, "dog", NULL, NULL, NONE, 0, NONE, RNONE },
  { "can you paint the car red?", PNT, "car", "#ff0000", NULL, NONE, 0, NONE, RNONE },
  { "Could you please paint the sky pink, thanks!", PNT, "sky", "pink", NULL, NONE, 0, NONE,
    RNONE },
  { "I want you to segment the horse.", SEG, "horse", NULL, NULL, NONE, 0, NONE, RNONE },
  { "  Paint   the   Banana   purple!!! ", PNT, "Banana", "purple", NULL, NONE, 0, NONE,
    RNONE },
  { "segment the t-shirt", SEG, "t-shirt", NULL, NULL, NONE, 0, NONE, RNONE },
  { "segment the cat, please", SEG, "cat", NULL, NULL, NONE, 0, NONE, RNONE },
  { "SEGMENT THE DOG", SEG, "DOG", NULL, NULL, NONE, 0, NONE, RNONE },
  /* non-English letters */
  { "paint the crème brûlée pink", PNT, "crème brûlée", "pink", NULL, NONE, 0, NONE, RNONE },
  { "segment the собака on the left", SEG, "собака", NULL, NULL, L, 0, NONE, RNONE },
  { "paint the 猫 red", PNT, "猫", "#ff0000", NULL, NONE, 0, NONE, RNONE },
  { "покрась кошку в красный", SEG, "покрась кошку в красный", NULL, NULL, NONE, 0, NONE,
    RNONE },
  { "segment the 🍌", SEG, "🍌", NULL, NULL, NONE, 0, NONE, RNONE },
  /* empty and degenerate */
  { "", SEG, "", NULL, NULL, NONE, 0, NONE, RNONE },
  { "   ", SEG, "", NULL, NULL, NONE, 0, NONE, RNONE },
  { "?!", SEG, "", NULL, NULL, NONE, 0, NONE, RNONE },
  { "paint", PNT, "", NULL, NULL, NONE, 0, NONE, RNONE },
  { "segment", SEG, "", NULL, NULL, NONE, 0, NONE, RNONE },
  { "please", SEG, "please", NULL, NULL, NONE, 0, NONE, RNONE },
  { "paint it red", PNT, "it", "#ff0000", NULL, NONE, 0, NONE, RNONE },
  /* colour alone: for whatever the engine finds, unless an article makes it a noun */
  { "paint red", PNT, "", "#ff0000", NULL, NONE, 0, NONE, RNONE },
  { "paint in red", PNT, "", "#ff0000", NULL, NONE, 0, NONE, RNONE },
  { "paint dark green", PNT, "", "dark green", NULL, NONE, 0, NONE, RNONE },
  { "paint sky blue", PNT, "sky", "#0000ff", NULL, NONE, 0, NONE, RNONE },
  { "paint an orange", PNT, "orange", NULL, NULL, NONE, 0, NONE, RNONE },
  { "paint banana purple", PNT, "banana", "purple", NULL, NONE, 0, NONE, RNONE },
  { "make the car a dark green", PNT, "car", "dark green", NULL, NONE, 0, NONE, RNONE },
  { "PAINT THE CAR RED", PNT, "CAR", "#ff0000", NULL, NONE, 0, NONE, RNONE },
  { "paint over the car in red", PNT, "car", "#ff0000", NULL, NONE, 0, NONE, RNONE },
  { "cut out the dog", SEG, "dog", NULL, NULL, NONE, 0, NONE, RNONE },
  { "segment the red one", SEG, "red one", NULL, "#ff0000", NONE, 0, NONE, RNONE },
  /* more positions and ordinals */
  { "segment the person on the left bench", SEG, "person on the left bench", NULL, NULL, NONE,
    0, NONE, RNONE },
  { "segment the person on the right wearing a hat", SEG, "person wearing a hat", NULL, NULL,
    R, 0, NONE, RNONE },
  { "segment the person to the right of the tree", SEG, "person to the right of the tree",
    NULL, NULL, NONE, 0, NONE, RNONE },
  { "paint the one on the left red", PNT, "", "#ff0000", NULL, L, 0, NONE, RNONE },
  { "segment the dog that is on the left", SEG, "dog", NULL, NULL, L, 0, NONE, RNONE },
  { "show me the cat in the upper left corner of the photo", SEG, "cat", NULL, NULL, TL, 0,
    NONE, RNONE },
  { "paint the bus in the middle of the image yellow", PNT, "bus", "yellow", NULL, C, 0, NONE,
    RNONE },
  { "segment the last but one car", SEG, "car", NULL, NULL, NONE, -2, NONE, RNONE },
  { "the second car from the end", SEG, "car", NULL, NULL, NONE, -2, NONE, RNONE },
  { "segment the third from left", SEG, "", NULL, NULL, NONE, 3, L, RNONE },
  { "paint the thing blurple", PNT, "thing blurple", NULL, NULL, NONE, 0, NONE, RNONE },
};

/* Lists: each item with its own target, colour and qualifiers. */
typedef struct {
  PmAction    action;
  const char *target;
  const char *color;
  const char *object;
  PmPosition  position;
  int         ordinal;
  PmPosition  from;
  PmSizeRank  rank;
} Item;

typedef struct {
  const char *text;
  guint       n;
  Item        items[4];
} ListCase;

static const ListCase list_cases[] = {
  { "paint the cup blue and the saucer green", 2,
    { { PNT, "cup", "#0000ff", NULL, NONE, 0, NONE, RNONE },
      { PNT, "saucer", "#008000", NULL, NONE, 0, NONE, RNONE } } },
  { "segment the dog, the cat and the ball", 3,
    { { SEG, "dog", NULL, NULL, NONE, 0, NONE, RNONE },
      { SEG, "cat", NULL, NULL, NONE, 0, NONE, RNONE },
      { SEG, "ball", NULL, NULL, NONE, 0, NONE, RNONE } } },
  /* Oxford comma */
  { "segment the dog, the cat, and the ball", 3,
    { { SEG, "dog", NULL, NULL, NONE, 0, NONE, RNONE },
      { SEG, "cat", NULL, NULL, NONE, 0, NONE, RNONE },
      { SEG, "ball", NULL, NULL, NONE, 0, NONE, RNONE } } },
  { "Segment the Dog, the Cat", 2,
    { { SEG, "Dog", NULL, NULL, NONE, 0, NONE, RNONE },
      { SEG, "Cat", NULL, NULL, NONE, 0, NONE, RNONE } } },
  /* qualifiers per item */
  { "make the left car red and the right car yellow", 2,
    { { PNT, "car", "#ff0000", NULL, L, 0, NONE, RNONE },
      { PNT, "car", "yellow", NULL, R, 0, NONE, RNONE } } },
  { "segment the dog on the left and the cat on the right", 2,
    { { SEG, "dog", NULL, NULL, L, 0, NONE, RNONE },
      { SEG, "cat", NULL, NULL, R, 0, NONE, RNONE } } },
  { "paint the second apple from the left purple and the biggest pear orange", 2,
    { { PNT, "apple", "purple", NULL, NONE, 2, L, RNONE },
      { PNT, "pear", "orange", NULL, NONE, 0, NONE, BIG } } },
  { "paint the cup in the upper-right #ff0000, the plate pink, and the fork in the lower "
    "left yellow", 3,
    { { PNT, "cup", "#ff0000", NULL, TR, 0, NONE, RNONE },
      { PNT, "plate", "pink", NULL, NONE, 0, NONE, RNONE },
      { PNT, "fork", "yellow", NULL, BL, 0, NONE, RNONE } } },
  { "paint the red car blue and the white van green", 2,
    { { PNT, "red car", "#0000ff", "#ff0000", NONE, 0, NONE, RNONE },
      { PNT, "white van", "#008000", "white", NONE, 0, NONE, RNONE } } },
  /* colours shared by the items before them */
  { "paint the cup and the saucer blue", 2,
    { { PNT, "cup", "#0000ff", NULL, NONE, 0, NONE, RNONE },
      { PNT, "saucer", "#0000ff", NULL, NONE, 0, NONE, RNONE } } },
  { "paint the cup red, the saucer and the spoon blue", 3,
    { { PNT, "cup", "#ff0000", NULL, NONE, 0, NONE, RNONE },
      { PNT, "saucer", "#0000ff", NULL, NONE, 0, NONE, RNONE },
      { PNT, "spoon", "#0000ff", NULL, NONE, 0, NONE, RNONE } } },
  { "paint the cup blue and the saucer", 2,
    { { PNT, "cup", "#0000ff", NULL, NONE, 0, NONE, RNONE },
      { PNT, "saucer", NULL, NULL, NONE, 0, NONE, RNONE } } },
  /* a paint colour ends an item even without an article after it */
  { "paint the cup blue and saucer green", 2,
    { { PNT, "cup", "#0000ff", NULL, NONE, 0, NONE, RNONE },
      { PNT, "saucer", "#008000", NULL, NONE, 0, NONE, RNONE } } },
  { "make the cup dark green and the saucer sky blue", 2,
    { { PNT, "cup", "dark green", NULL, NONE, 0, NONE, RNONE },
      { PNT, "saucer", "sky blue", NULL, NONE, 0, NONE, RNONE } } },
  { "paint the black and white cat orange and the dog purple", 2,
    { { PNT, "black and white cat", "orange", "black", NONE, 0, NONE, RNONE },
      { PNT, "dog", "purple", NULL, NONE, 0, NONE, RNONE } } },
  /* a verb starts an item with its own action */
  { "segment the dog and paint the cat red", 2,
    { { SEG, "dog", NULL, NULL, NONE, 0, NONE, RNONE },
      { PNT, "cat", "#ff0000", NULL, NONE, 0, NONE, RNONE } } },
  { "please paint the cup blue and the saucer green, thanks", 2,
    { { PNT, "cup", "#0000ff", NULL, NONE, 0, NONE, RNONE },
      { PNT, "saucer", "#008000", NULL, NONE, 0, NONE, RNONE } } },
  { "segment the girl with the red mask and the dog", 2,
    { { SEG, "girl with the red mask", NULL, NULL, NONE, 0, NONE, RNONE },
      { SEG, "dog", NULL, NULL, NONE, 0, NONE, RNONE } } },
  /* one object */
  { "segment the man with a hat and a scarf", 1,
    { { SEG, "man with a hat and a scarf", NULL, NULL, NONE, 0, NONE, RNONE } } },
  { "segment the cat between the car and the tree", 1,
    { { SEG, "cat between the car and the tree", NULL, NULL, NONE, 0, NONE, RNONE } } },
  { "segment the cup and saucer", 1,
    { { SEG, "cup and saucer", NULL, NULL, NONE, 0, NONE, RNONE } } },
  { "segment the dog and the", 1,
    { { SEG, "dog", NULL, NULL, NONE, 0, NONE, RNONE } } },
  { "paint the flag red, white and blue", 1,
    { { PNT, "flag red white", "#0000ff", "#ff0000", NONE, 0, NONE, RNONE } } },
};

static void
check_color (const char *text,
             const char *what,
             const char *expected,
             gboolean    has,
             PmRgb       rgb,
             const char *name)
{
  g_autofree char *hex = has ? pm_color_to_hex (rgb) : NULL;

  if (expected == NULL)
    {
      if (has || name != NULL)
        FAIL ("“%s”: expected no %s, got %s (%s)", text, what, hex, name);
      return;
    }
  if (!has)
    {
      FAIL ("“%s”: expected %s %s, got none", text, what, expected);
      return;
    }
  if (expected[0] == '#')
    {
      if (g_ascii_strcasecmp (hex, expected) != 0)
        FAIL ("“%s”: expected %s %s, got %s", text, what, expected, hex);
    }
  else
    {
      PmRgb want;
      g_autofree char *want_hex = NULL;

      g_assert_true (pm_color_parse (expected, &want));
      want_hex = pm_color_to_hex (want);
      if (g_strcmp0 (name, expected) != 0 || strcmp (hex, want_hex) != 0)
        FAIL ("“%s”: expected %s %s (%s), got %s (%s)", text, what, expected, want_hex,
                 name, hex);
    }
}

static void
test_table (void)
{
  g_assert_cmpuint (G_N_ELEMENTS (cases), >=, 60);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      g_autoptr(PmInstruction) ins = pm_instruction_parse (c->text);

      g_assert_cmpstr (ins->text, ==, c->text);
      if (ins->action != c->action || g_strcmp0 (ins->target, c->target) != 0)
        FAIL ("“%s”: expected %s “%s”, got %s “%s”", c->text,
                 pm_action_to_string (c->action), c->target,
                 pm_action_to_string (ins->action), ins->target);
      check_color (c->text, "colour", c->color, ins->has_color, ins->color, ins->color_name);
      check_color (c->text, "object colour", c->object, ins->has_object_color,
                   ins->object_color, ins->object_color_name);
      if (ins->position != c->position)
        FAIL ("“%s”: expected position %s, got %s", c->text,
                 pm_position_to_string (c->position), pm_position_to_string (ins->position));
      if (ins->ordinal != c->ordinal || ins->ordinal_from != c->from)
        FAIL ("“%s”: expected ordinal %d from %s, got %d from %s", c->text, c->ordinal,
                 pm_position_to_string (c->from), ins->ordinal,
                 pm_position_to_string (ins->ordinal_from));
      if (ins->size_rank != c->rank)
        FAIL ("“%s”: expected rank %s, got %s", c->text, pm_size_rank_to_string (c->rank),
                 pm_size_rank_to_string (ins->size_rank));
    }
  g_assert_cmpint (failures, ==, 0);
}

static void
check_item (const char          *text,
            guint                k,
            const PmInstruction *ins,
            const Item          *c)
{
  g_autofree char *what = g_strdup_printf ("%s” item %u “", text, k);

  if (ins->action != c->action || g_strcmp0 (ins->target, c->target) != 0)
    FAIL ("“%s”: expected %s “%s”, got %s “%s”", what, pm_action_to_string (c->action),
          c->target, pm_action_to_string (ins->action), ins->target);
  check_color (what, "colour", c->color, ins->has_color, ins->color, ins->color_name);
  check_color (what, "object colour", c->object, ins->has_object_color, ins->object_color,
               ins->object_color_name);
  if (ins->position != c->position)
    FAIL ("“%s”: expected position %s, got %s", what, pm_position_to_string (c->position),
          pm_position_to_string (ins->position));
  if (ins->ordinal != c->ordinal || ins->ordinal_from != c->from)
    FAIL ("“%s”: expected ordinal %d from %s, got %d from %s", what, c->ordinal,
          pm_position_to_string (c->from), ins->ordinal,
          pm_position_to_string (ins->ordinal_from));
  if (ins->size_rank != c->rank)
    FAIL ("“%s”: expected rank %s, got %s", what, pm_size_rank_to_string (c->rank),
          pm_size_rank_to_string (ins->size_rank));
}

static void
test_lists (void)
{
  failures = 0;
  for (guint i = 0; i < G_N_ELEMENTS (list_cases); i++)
    {
      const ListCase *c = &list_cases[i];
      g_autoptr(PmInstruction) ins = pm_instruction_parse (c->text);
      guint n = pm_instruction_get_n_items (ins);

      g_assert_cmpstr (ins->text, ==, c->text);
      g_assert_true (pm_instruction_get_item (ins, 0) == ins);
      if (n != c->n)
        {
          FAIL ("“%s”: expected %u items, got %u", c->text, c->n, n);
          continue;
        }
      for (guint k = 0; k < n; k++)
        {
          const PmInstruction *item = pm_instruction_get_item (ins, k);

          check_item (c->text, k, item, &c->items[k]);
          if (k > 0)
            g_assert_cmpuint (pm_instruction_get_n_items (item), ==, 1);
        }
    }
  g_assert_cmpint (failures, ==, 0);
}

/* Items on their own: their own words as text; copies keep every item. */
static void
test_list_items (void)
{
  g_autoptr(PmInstruction) ins = pm_instruction_parse ("please paint the cup blue and the "
                                                       "saucer on the left green");
  g_autoptr(PmInstruction) copy = pm_instruction_copy (ins);
  g_autoptr(PmInstruction) first = pm_instruction_copy_item (ins, 0);
  g_autoptr(PmInstruction) second = pm_instruction_copy_item (ins, 1);
  g_autoptr(PmInstruction) one = pm_instruction_parse ("paint the cup blue");
  g_autoptr(PmInstruction) one_copy = pm_instruction_copy_item (one, 0);

  g_assert_cmpuint (pm_instruction_get_n_items (copy), ==, 2);
  g_assert_cmpstr (pm_instruction_get_item (copy, 1)->target, ==, "saucer");
  g_assert_true (pm_instruction_get_item (copy, 1) != pm_instruction_get_item (ins, 1));
  g_assert_cmpstr (copy->text, ==, ins->text);

  g_assert_cmpuint (pm_instruction_get_n_items (first), ==, 1);
  g_assert_cmpstr (first->text, ==, "the cup blue");
  g_assert_cmpstr (first->target, ==, "cup");
  g_assert_cmpstr (second->text, ==, "the saucer on the left green");
  g_assert_cmpstr (second->target, ==, "saucer");
  g_assert_cmpint (second->position, ==, PM_POSITION_LEFT);
  g_assert_cmpstr (second->color_name, ==, "green");

  /* A single object: the item is the instruction, text and all. */
  g_assert_cmpuint (pm_instruction_get_n_items (one), ==, 1);
  g_assert_cmpstr (one_copy->text, ==, "paint the cup blue");
  g_assert_cmpstr (one_copy->target, ==, "cup");

  /* At most PM_INSTRUCTION_MAX_ITEMS; the rest stays in the last. */
  {
    g_autoptr(GString) s = g_string_new ("segment");
    g_autoptr(PmInstruction) many = NULL;

    for (int i = 0; i < 40; i++)
      g_string_append_printf (s, "%s the thing%d", i == 0 ? "" : " and", i);
    many = pm_instruction_parse (s->str);
    g_assert_cmpuint (pm_instruction_get_n_items (many), ==, PM_INSTRUCTION_MAX_ITEMS);
    g_assert_cmpstr (pm_instruction_get_item (many, 1)->target, ==, "thing1");
    g_assert_true (g_str_has_suffix (pm_instruction_get_item (many, PM_INSTRUCTION_MAX_ITEMS
                                                              - 1)->target, "thing39"));
  }
}

static void
test_null_and_invalid (void)
{
  g_autoptr(PmInstruction) a = pm_instruction_parse (NULL);
  g_autoptr(PmInstruction) b = NULL;
  g_autoptr(PmInstruction) c = NULL;

  g_assert_cmpstr (a->text, ==, "");
  g_assert_cmpstr (a->target, ==, "");
  g_assert_cmpint (a->action, ==, PM_ACTION_SEGMENT);

  /* Invalid UTF-8 is repaired (U+FFFD is not a letter, so it separates words). */
  b = pm_instruction_parse ("paint the ban\xff\xfe" "ana purple");
  g_assert_true (g_utf8_validate (b->text, -1, NULL));
  g_assert_cmpint (b->action, ==, PM_ACTION_PAINT);
  g_assert_cmpstr (b->target, ==, "ban ana");
  g_assert_cmpstr (b->color_name, ==, "purple");

  c = pm_instruction_parse ("segment the caf\xc3");
  g_assert_true (g_utf8_validate (c->text, -1, NULL));
  g_assert_cmpstr (c->target, ==, "caf");
}

static void
test_copy (void)
{
  g_autoptr(PmInstruction) a = pm_instruction_parse ("paint the red car on the left blue");
  g_autoptr(PmInstruction) b = pm_instruction_copy (a);
  PmRgb fallback = { 1, 0, 1 };
  PmRgb got;

  g_assert_true (a->target != b->target);
  g_assert_cmpstr (a->text, ==, b->text);
  g_assert_cmpstr (a->target, ==, b->target);
  g_assert_cmpstr (b->target, ==, "red car");
  g_assert_cmpstr (a->color_name, ==, b->color_name);
  g_assert_cmpstr (a->object_color_name, ==, b->object_color_name);
  g_assert_cmpint (b->position, ==, PM_POSITION_LEFT);

  got = pm_instruction_get_paint_color (b, fallback);
  g_assert_cmpfloat (got.b, ==, 1.0f);
  g_assert_cmpfloat (got.r, ==, 0.0f);
  pm_instruction_free (g_steal_pointer (&b));

  {
    g_autoptr(PmInstruction) s = pm_instruction_parse ("segment the dog");

    got = pm_instruction_get_paint_color (s, fallback);
    g_assert_cmpfloat (got.r, ==, 1.0f);
    g_assert_cmpfloat (got.g, ==, 0.0f);
    g_assert_cmpfloat (got.b, ==, 1.0f);
  }
}

static void
test_strings (void)
{
  g_assert_cmpstr (pm_action_to_string (PM_ACTION_SEGMENT), ==, "segment");
  g_assert_cmpstr (pm_action_to_string (PM_ACTION_PAINT), ==, "paint");
  g_assert_cmpstr (pm_position_to_string (PM_POSITION_NONE), ==, "none");
  g_assert_cmpstr (pm_position_to_string (PM_POSITION_TOP_RIGHT), ==, "top-right");
  g_assert_cmpstr (pm_position_to_string (PM_POSITION_CENTER), ==, "center");
  g_assert_cmpstr (pm_size_rank_to_string (PM_SIZE_RANK_LARGEST), ==, "largest");
  g_assert_cmpstr (pm_size_rank_to_string (PM_SIZE_RANK_SMALLEST), ==, "smallest");
}

static void
check_sane_one (const char          *input,
                const PmInstruction *ins)
{
  g_assert_nonnull (ins);
  g_assert_nonnull (ins->text);
  g_assert_nonnull (ins->target);
  g_assert_true (g_utf8_validate (ins->text, -1, NULL));
  g_assert_true (g_utf8_validate (ins->target, -1, NULL));
  g_assert_cmpuint (strlen (ins->target), <=, strlen (ins->text) + 3 * strlen (input) + 1);
  g_assert_true (ins->action == PM_ACTION_SEGMENT || ins->action == PM_ACTION_PAINT);
  g_assert_cmpint (ins->position, >=, PM_POSITION_NONE);
  g_assert_cmpint (ins->position, <=, PM_POSITION_CENTER);
  g_assert_cmpint (ins->size_rank, >=, PM_SIZE_RANK_NONE);
  g_assert_cmpint (ins->size_rank, <=, PM_SIZE_RANK_SMALLEST);
  g_assert_true (ins->has_color == (ins->color_name != NULL));
  g_assert_true (ins->has_object_color == (ins->object_color_name != NULL));
  /* The target never starts or ends with a space and has no double spaces. */
  g_assert_false (g_str_has_prefix (ins->target, " "));
  g_assert_false (g_str_has_suffix (ins->target, " "));
  g_assert_null (strstr (ins->target, "  "));
}

static void
check_sane (const char          *input,
            const PmInstruction *ins)
{
  guint n = pm_instruction_get_n_items (ins);

  g_assert_cmpuint (n, >=, 1);
  g_assert_cmpuint (n, <=, PM_INSTRUCTION_MAX_ITEMS);
  for (guint k = 0; k < n; k++)
    check_sane_one (input, pm_instruction_get_item (ins, k));
}

static void
test_fuzz_bytes (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261126);

  for (int n = 0; n < 5000; n++)
    {
      int len = g_rand_int_range (rand, 0, 80);
      g_autofree char *buf = g_malloc (len + 1);
      g_autoptr(PmInstruction) ins = NULL;

      for (int i = 0; i < len; i++)
        {
          /* Mostly printable ASCII with runs of high bytes; no NUL (it ends the string). */
          if (g_rand_int_range (rand, 0, 4) == 0)
            buf[i] = (char) g_rand_int_range (rand, 0x80, 0x100);
          else
            buf[i] = (char) g_rand_int_range (rand, 1, 0x80);
        }
      buf[len] = '\0';
      ins = pm_instruction_parse (buf);
      check_sane (buf, ins);
    }
}

static const char * const salad[] = {
  "paint", "segment", "make", "the", "a", "an", "red", "dark", "green", "sky", "blue", "#ff0000",
  "#abc", "#zz", "left", "right", "top", "upper-right", "bottom", "lower", "centre", "middle",
  "of", "the", "image", "from", "second", "2nd", "last", "to", "first", "biggest", "smallest",
  "in", "on", "at", "with", "colour", "color", "please", "can", "you", "'s", "man's", "’",
  "-", "--", "one", "ones", "hand", "side", "corner", "far", "leftmost", "end", "but", "next",
  "crème", "собака", "猫", "🍌", "\xcc\x81", "change", "highlight", "turn", "into", "look",
  "orange", "it", "thanks", "thank", "out", "me", "where", "is", ",", ".", "!", "?", "  ",
  "car", "dog", "tank", "lip", "1000th", "99999999999999999999th", "0th", "-to-last",
  "second-to-last", "\xff", "\xc3", "\xe2\x80", "\t", "\n", "and", "and the", ", the",
  ", and", "paint the", "cup", "between",
};

static void
test_fuzz_words (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (int n = 0; n < 20000; n++)
    {
      int words = g_rand_int_range (rand, 0, 14);
      g_autoptr(GString) s = g_string_new (NULL);
      g_autoptr(PmInstruction) ins = NULL;
      g_autoptr(PmInstruction) copy = NULL;

      for (int i = 0; i < words; i++)
        {
          if (i > 0 && g_rand_boolean (rand))
            g_string_append_c (s, ' ');
          g_string_append (s, salad[g_rand_int_range (rand, 0, G_N_ELEMENTS (salad))]);
        }
      ins = pm_instruction_parse (s->str);
      check_sane (s->str, ins);
      copy = pm_instruction_copy (ins);
      g_assert_cmpstr (copy->target, ==, ins->target);
      g_assert_cmpuint (pm_instruction_get_n_items (copy), ==, pm_instruction_get_n_items (ins));
      for (guint k = 1; k < pm_instruction_get_n_items (ins); k++)
        g_assert_cmpstr (pm_instruction_get_item (copy, k)->target, ==,
                         pm_instruction_get_item (ins, k)->target);
    }
}

static void
test_long_input (void)
{
  g_autoptr(GString) s = g_string_new ("please please can you paint the ");
  g_autoptr(GString) huge = g_string_new (NULL);
  g_autoptr(PmInstruction) ins = NULL;
  g_autoptr(PmInstruction) big = NULL;
  g_autoptr(PmInstruction) politeness = NULL;

  /* Long but analysed (under 200 words). */
  for (int i = 0; i < 150; i++)
    g_string_append (s, "old ");
  g_string_append (s, "car on the left blue");
  ins = pm_instruction_parse (s->str);
  check_sane (s->str, ins);
  g_assert_cmpstr (ins->color_name, ==, "blue");
  g_assert_cmpint (ins->position, ==, PM_POSITION_LEFT);
  g_assert_true (g_str_has_suffix (ins->target, "old old car"));

  /* Huge: not analysed past the verb, but a sane result. */
  g_string_append (huge, "paint the ");
  for (int i = 0; i < 30000; i++)
    g_string_append (huge, i % 3 == 0 ? "on " : i % 3 == 1 ? "the " : "left ");
  g_string_append (huge, "blue");
  big = pm_instruction_parse (huge->str);
  check_sane (huge->str, big);
  g_assert_cmpint (big->action, ==, PM_ACTION_PAINT);
  g_assert_true (g_str_has_suffix (big->target, "on the left blue"));

  /* Thousands of leading politeness words are stripped. */
  g_string_truncate (huge, 0);
  for (int i = 0; i < 30000; i++)
    g_string_append (huge, "please ");
  g_string_append (huge, "segment the dog");
  politeness = pm_instruction_parse (huge->str);
  check_sane (huge->str, politeness);
  g_assert_cmpstr (politeness->target, ==, "dog");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/instruction/table", test_table);
  g_test_add_func ("/core/instruction/lists", test_lists);
  g_test_add_func ("/core/instruction/list-items", test_list_items);
  g_test_add_func ("/core/instruction/null-and-invalid", test_null_and_invalid);
  g_test_add_func ("/core/instruction/copy", test_copy);
  g_test_add_func ("/core/instruction/strings", test_strings);
  g_test_add_func ("/core/instruction/fuzz-bytes", test_fuzz_bytes);
  g_test_add_func ("/core/instruction/fuzz-words", test_fuzz_words);
  g_test_add_func ("/core/instruction/long-input", test_long_input);
  return g_test_run ();
}
