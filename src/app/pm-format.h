/* pm-format.h: how the app shows dates and run results to people.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pm-engine.h"

G_BEGIN_DECLS

char       *pm_format_date_time        (gint64        unix_seconds);
const char *pm_result_state_icon_name  (PmResultState state);

G_END_DECLS
