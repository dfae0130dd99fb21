/* pm-window-status.c: PmWindow's status line: how the shown run ended, in words, with an
 * icon and its mask's area.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-format.h"
#include "pm-window-private.h"

/* ---------------------------------------------------------------- status line */

static char *
status_text (PmRunEntry *entry)
{
  const char *why = entry->message != NULL ? entry->message : "";

  switch (entry->state)
    {
    case PM_RESULT_EMPTY:
      return *why ? g_strdup_printf (_("Nothing found for “%s”; the edit on screen is "
                                       "unchanged. (%s)"), entry->instruction, why)
                  : g_strdup_printf (_("Nothing found for “%s”; the edit on screen is unchanged."),
                                     entry->instruction);
    case PM_RESULT_FAILED:
      return g_strdup_printf (_("“%s” failed: %s"), entry->instruction, why);
    case PM_RESULT_GUESS:
      return g_strdup_printf (_("Guess: %s"), why);
    case PM_RESULT_FOUND:
    default:
      return *why ? g_strdup (why) : g_strdup_printf (_("Found: “%s”"), entry->instruction);
    }
}

/* Says in the status line how @entry ended, with its mask's area; NULL hides the line. */
void
pm_window_show_status (PmWindow   *self,
                       PmRunEntry *entry)
{
  g_autofree char *text = NULL;
  g_autofree char *area = NULL;
  const PmImage *image = pm_document_get_image (self->document);

  if (entry == NULL || image == NULL)
    {
      gtk_revealer_set_reveal_child (self->status_revealer, FALSE);
      return;
    }
  text = status_text (entry);
  if (entry->state != PM_RESULT_FAILED)
    {
      gint64 n = pm_run_entry_get_mask_area (entry);
      double share = 100.0 * n / ((double) image->width * image->height);

      g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, n);

      /* Translators: px is pixels; the plural form is there for languages that need one. */
      area = g_strdup_printf (ngettext ("Mask: %s px (%.1f %% of the photo)",
                                        "Mask: %s px (%.1f %% of the photo)",
                                        (gulong) n),
                              count, share);
    }
  gtk_image_set_from_icon_name (self->status_icon, pm_result_state_icon_name (entry->state));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_icon), NULL);
  gtk_label_set_text (self->status_label, text);
  gtk_label_set_text (self->status_area, area != NULL ? area : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_area), area != NULL);
  gtk_revealer_set_reveal_child (self->status_revealer, TRUE);
}

const char *
pm_window_get_status_text (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), NULL);
  if (!gtk_revealer_get_reveal_child (self->status_revealer))
    return NULL;
  return gtk_label_get_text (self->status_label);
}
