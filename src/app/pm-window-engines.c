/* pm-window-engines.c: PmWindow's engine menu: choosing an engine or a saved server,
 * unavailable engines made insensitive with what to do, the warning about a default engine
 * that cannot run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-endpoint-menu.h"
#include "pm-model.h"
#include "pm-window-private.h"

/* ---------------------------------------------------------------- engines */

static void
select_engine (PmWindow   *self,
               const char *id)
{
  const char * const *names = pm_engines_list (self->engines);

  PmEndpointMenu *servers = PM_ENDPOINT_MENU (self->endpoint_menu);
  g_autofree char *server = NULL;

  g_free (self->engine_name);
  self->engine_name = g_strdup (id);
  /* The remote engine goes by the saved server's name. */
  if (g_str_equal (id, "remote"))
    server = pm_endpoint_menu_dup_selected (servers);
  gtk_menu_button_set_label (self->engine_button,
                             server != NULL ? server : pm_engines_get_label (id));
  /* With saved servers, the servers stand for "Remote" in the menu. */
  pm_endpoint_menu_set_in_use (servers, g_str_equal (id, "remote") &&
                                        pm_endpoint_menu_has_servers (servers));
  if (g_str_equal (id, "remote") && pm_endpoint_menu_has_servers (servers))
    return;
  for (guint i = 0; names[i] != NULL && i < self->engine_checks->len; i++)
    if (g_str_equal (names[i], id))
      gtk_check_button_set_active (self->engine_checks->pdata[i], TRUE);
}

/* Choosing a saved server selects the remote engine (the settings change that came first
 * made PmEngines forget the old one). */
static void
endpoint_chosen_cb (PmWindow *self)
{
  select_engine (self, "remote");
}

/* The "Remote" choice gives way to the saved servers, listed by name. */
static void
update_remote_check (PmWindow *self)
{
  const char * const *names = pm_engines_list (self->engines);
  gboolean servers;

  /* The window hears of a change before the menu does: have it read the servers now. */
  pm_endpoint_menu_reload (PM_ENDPOINT_MENU (self->endpoint_menu));
  servers = pm_endpoint_menu_has_servers (PM_ENDPOINT_MENU (self->endpoint_menu));
  for (guint i = 0; names[i] != NULL && i < self->engine_checks->len; i++)
    if (g_str_equal (names[i], "remote"))
      gtk_widget_set_visible (self->engine_checks->pdata[i], !servers);
}

static void
engine_toggled_cb (GtkCheckButton *check,
                   PmWindow       *self)
{
  const char *id = g_object_get_data (G_OBJECT (check), "pm-engine");

  if (gtk_check_button_get_active (check) && g_strcmp0 (id, self->engine_name) != 0)
    select_engine (self, id);
}

/* A window whose default engine cannot run uses another: it says so once per default. */
static void
warn_default_engine (PmWindow *self)
{
  g_autofree char *preferred = g_settings_get_string (self->settings, "default-engine");
  g_autofree char *msg = NULL;

  if (pm_engines_has_override (self->engines) || g_strcmp0 (preferred, self->engine_name) == 0 ||
      g_strcmp0 (g_object_get_data (G_OBJECT (self), "pm-default-warned"), preferred) == 0)
    return;
  msg = g_strdup_printf (_("The default engine, %s, is unavailable: using %s (the engine menu "
                           "says why)"), pm_engines_get_label (preferred),
                         pm_engines_get_label (self->engine_name));
  g_object_set_data_full (G_OBJECT (self), "pm-default-warned", g_strdup (preferred), g_free);
  pm_window_toast (self, msg);
}

/* Unavailable engines become insensitive with a tooltip saying why and what to do. */
void
pm_window_refresh_engines (PmWindow *self)
{
  const char * const *names = pm_engines_list (self->engines);

  update_remote_check (self);
  for (guint i = 0; names[i] != NULL && i < self->engine_checks->len; i++)
    {
      GtkWidget *check = self->engine_checks->pdata[i];
      g_autoptr(GError) error = NULL;
      GtkWidget *setup = g_object_get_data (G_OBJECT (check), "pm-setup");
      gboolean ok = pm_engines_check (self->engines, names[i], &error);

      gtk_widget_set_sensitive (check, ok);
      if (ok)
        gtk_widget_set_tooltip_text (check, NULL);
      else
        {
          g_autofree char *tip = g_strdup_printf ("%s. %s", error->message,
                                                  pm_engines_get_hint (names[i]));
          gtk_widget_set_tooltip_text (check, tip);
        }
      if (setup != NULL)
        gtk_widget_set_visible (setup, !ok && !pm_engines_has_override (self->engines));
    }
  select_engine (self, pm_engines_get_default (self->engines));
  warn_default_engine (self);
}

/* Builds the engine menu: one check per engine, the saved servers, and the set-up buttons
 * of unavailable engines. */
void
pm_window_init_engines (PmWindow *self)
{
  const char * const *names = pm_engines_list (self->engines);
  GtkCheckButton *group = NULL;

  for (guint i = 0; names[i] != NULL; i++)
    {
      GtkWidget *check = gtk_check_button_new_with_label (pm_engines_get_label (names[i]));

      g_object_set_data (G_OBJECT (check), "pm-engine", (gpointer) names[i]);
      if (group != NULL)
        gtk_check_button_set_group (GTK_CHECK_BUTTON (check), group);
      else
        group = GTK_CHECK_BUTTON (check);
      g_signal_connect (check, "toggled", G_CALLBACK (engine_toggled_cb), self);
      gtk_box_append (self->engine_box, check);
      g_ptr_array_add (self->engine_checks, check);
    }
  /* The saved remote servers, by name, in the same radio group. */
  self->endpoint_menu = pm_endpoint_menu_new (self->settings);
  pm_endpoint_menu_set_group (PM_ENDPOINT_MENU (self->endpoint_menu), group);
  gtk_box_append (self->engine_box, self->endpoint_menu);
  g_signal_connect_swapped (self->endpoint_menu, "chosen", G_CALLBACK (endpoint_chosen_cb), self);
  /* What to do about an unavailable engine, shown below the list while it is unavailable. */
  for (guint i = 0; names[i] != NULL; i++)
    {
      GtkWidget *setup;

      if (g_str_equal (names[i], "clipseg"))
        {
          setup = gtk_button_new_with_mnemonic (_("_Download CLIPSeg…"));
          gtk_actionable_set_action_name (GTK_ACTIONABLE (setup), "app.show-model");
          gtk_actionable_set_action_target (GTK_ACTIONABLE (setup), "s", PM_MODEL_DEFAULT_NAME);
        }
      else if (g_str_equal (names[i], "remote"))
        {
          setup = gtk_button_new_with_mnemonic (_("Set Up the _Remote Engine…"));
          gtk_actionable_set_action_name (GTK_ACTIONABLE (setup), "app.preferences");
        }
      else
        continue;
      gtk_widget_add_css_class (setup, "flat");
      gtk_widget_set_visible (setup, FALSE);
      g_object_set_data (G_OBJECT (self->engine_checks->pdata[i]), "pm-setup", setup);
      gtk_box_append (self->engine_box, setup);
    }
}

/**
 * pm_window_set_engine:
 * @engine: (nullable): an engine used for every run instead of the selected one
 *
 * For tests: runs use @engine whatever the selector says.
 */
void
pm_window_set_engine (PmWindow *self,
                      PmEngine *engine)
{
  g_return_if_fail (PM_IS_WINDOW (self));
  pm_engines_set_override (self->engines, engine);
}
