/* pm-format.c: how the app shows dates and run results to people.
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

/**
 * pm_result_state_icon_name:
 * @state: how a run ended
 *
 * The symbolic icon the status line and the history rows show for @state, so that both
 * speak of a run alike.
 *
 * Returns: (transfer none): an icon name
 */
const char *
pm_result_state_icon_name (PmResultState state)
{
  switch (state)
    {
    case PM_RESULT_GUESS: return "dialog-question-symbolic";
    case PM_RESULT_EMPTY: return "action-unavailable-symbolic";
    case PM_RESULT_FAILED: return "dialog-error-symbolic";
    case PM_RESULT_FOUND:
    default: return "object-select-symbolic";
    }
}
