/* pm-format.c: how the app writes dates for people.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-format"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-format.h"

/**
 * pm_format_date_time:
 * @unix_seconds: a time
 *
 * Writes @unix_seconds in local time with the month as a word and the year in full, so that
 * no reader mistakes day for month: "2 Dec 2026, 16:10".
 *
 * Returns: (transfer full): the text
 */
char *
pm_format_date_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (unix_seconds);

  if (dt == NULL)
    return g_strdup ("");
  /* Translators: a date and time for history rows, see g_date_time_format(); keep the month
   * a word (%b) and the year in full (%Y) so that dates cannot be misread. */
  return g_date_time_format (dt, _("%-d %b %Y, %H:%M"));
}
