/* pm-app-main.c: `paintmask [FILE…]` starts the GTK application.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "paintmask"

#include "config.h"

#include "pm-application.h"
#include "pm-cli.h"

int
pm_app_run (int    argc,
            char **argv)
{
  g_autoptr(PmApplication) app = NULL;

  g_set_application_name ("Paintmask");
  app = pm_application_new (G_APPLICATION_DEFAULT_FLAGS);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
