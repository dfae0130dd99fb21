/* pm-format.h: how the app writes dates for people.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *pm_format_date_time (gint64 unix_seconds);

G_END_DECLS
