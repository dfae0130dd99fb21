/* pm-gui-test-window.h: starting the real window in a GUI test program (display check,
 * application, window on a test history).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "pm-application.h"
#include "pm-test-util.h"
#include "pm-window.h"

/* gtk_init_check () for a GUI test program. Without a display, returns FALSE after the TAP
 * line that ends the program, with its @exit_status: "Bail out!" (1) in CI, which has Xvfb
 * (run-gui-test.sh uses it) and where nothing may skip; a skip (0) elsewhere. */
static inline gboolean
pm_gui_test_init_display (int *exit_status)
{
  if (gtk_init_check ())
    return TRUE;
  if (pm_test_in_ci ())
    {
      g_print ("Bail out! no display in CI (is xvfb-run installed?)\n");
      *exit_status = 1;
    }
  else
    {
      g_print ("1..0 # SKIP missing: a display (install xvfb for xvfb-run)\n");
      *exit_status = 0;
    }
  return FALSE;
}

/* A registered, non-unique application (into @app) and its window on the history @db,
 * @width × @height (0 × 0: the window's own default size), presented. */
static inline PmWindow *
pm_gui_test_window_new (PmApplication **app,
                        const char     *db,
                        int             width,
                        int             height)
{
  g_autoptr(GError) error = NULL;
  PmWindow *window;

  *app = pm_application_new (G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (*app), NULL, &error));
  g_assert_no_error (error);
  g_settings_set_string (pm_application_get_settings (*app), "history-database", db);
  window = pm_window_new (*app);
  if (width > 0)
    gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}
