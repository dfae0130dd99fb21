/* pm-engine-text.h: what the app says about engines: the instruction placeholder, "What can
 * I type?" and human names for the stages engines report.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

const char *pm_engine_text_get_example     (const char *engine);
char       *pm_engine_text_get_placeholder (const char *engine);
char       *pm_engine_text_get_help_markup (const char *engine);
char       *pm_engine_text_describe_stage  (const char *stage);

G_END_DECLS
