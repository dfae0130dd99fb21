/* fuzz-instruction.c: the instruction parser on any bytes (it must never fail on UTF-8).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-fuzz.h"
#include "pm-instruction.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;
  PmInstruction *ins, *copy;

  pm_fuzz_init ();
  /* The parser takes UTF-8 text; callers make other bytes valid first, as here. */
  text = g_utf8_make_valid ((const char *) data, size);
  ins = pm_instruction_parse (text);
  g_assert (ins != NULL && ins->target != NULL);
  g_assert (g_utf8_validate (ins->target, -1, NULL));
  for (guint i = 0; i < pm_instruction_get_n_items (ins); i++)
    {
      const PmInstruction *item = pm_instruction_get_item (ins, i);
      g_assert (item->target != NULL && g_utf8_validate (item->target, -1, NULL));
    }
  copy = pm_instruction_copy (ins);
  pm_instruction_free (copy);
  pm_instruction_free (ins);
  return 0;
}
