/* pm-endpoint-menu.c: the saved remote servers in the engine menu.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A column of radio buttons in the engine menu's group, rebuilt whenever the saved servers
 * change, so Preferences and every window agree. It only reads and writes settings; the
 * window, which watches the same keys, re-creates its remote engine.
 */
#define G_LOG_DOMAIN "pm-endpoint-menu"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pm-endpoint-menu.h"
#include "pm-endpoints.h"

struct _PmEndpointMenu
{
  GtkBox     parent_instance;

  GSettings      *settings;
  GPtrArray      *buttons;      /* of GtkCheckButton, borrowed */
  GtkCheckButton *group;        /* the engine menu's group, borrowed */
  char           *shown;        /* what the buttons show: names and servers */
  gboolean        rebuilding;
  gboolean        in_use;
};

G_DEFINE_FINAL_TYPE (PmEndpointMenu, pm_endpoint_menu, GTK_TYPE_BOX)

enum { SIGNAL_CHOSEN, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
toggled_cb (GtkCheckButton *button,
            PmEndpointMenu *self)
{
  const char *name = g_object_get_data (G_OBJECT (button), "pm-endpoint");

  g_autofree char *current = NULL;

  if (self->rebuilding || !gtk_check_button_get_active (button))
    return;
  current = g_settings_get_string (self->settings, "remote-endpoint-selected");
  if (g_strcmp0 (current, name) != 0)
    g_settings_set_string (self->settings, "remote-endpoint-selected", name);
  g_signal_emit (self, signals[SIGNAL_CHOSEN], 0);
}

/* Checks the selected server's button when the window runs the remote engine. */
static void
show_selection (PmEndpointMenu *self)
{
  g_autoptr(PmEndpoint) selected = NULL;

  if (!self->in_use)
    return;
  selected = pm_endpoints_get_selected (self->settings);
  self->rebuilding = TRUE;
  for (guint i = 0; i < self->buttons->len; i++)
    {
      const char *name = g_object_get_data (self->buttons->pdata[i], "pm-endpoint");
      if (selected != NULL && g_strcmp0 (name, selected->name) == 0)
        gtk_check_button_set_active (self->buttons->pdata[i], TRUE);
    }
  self->rebuilding = FALSE;
}

static void
rebuild (PmEndpointMenu *self)
{
  g_autoptr(GPtrArray) list = pm_endpoints_load (self->settings);
  g_autoptr(GString) shown = g_string_new (NULL);
  GtkWidget *child;

  /* Rebuilt only when what it shows changed: a choice must not pull the buttons away. */
  for (guint i = 0; i < list->len; i++)
    {
      const PmEndpoint *e = g_ptr_array_index (list, i);
      g_string_append_printf (shown, "%s\n%s\n", e->name,
                              pm_endpoint_get_server (e) != NULL ? pm_endpoint_get_server (e) : "");
    }
  if (self->shown != NULL && strcmp (self->shown, shown->str) == 0)
    return;
  g_free (self->shown);
  self->shown = g_strdup (shown->str);

  self->rebuilding = TRUE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_box_remove (GTK_BOX (self), child);
  g_ptr_array_set_size (self->buttons, 0);
  {
    GtkWidget *heading = gtk_label_new (_("Remote"));
    gtk_label_set_xalign (GTK_LABEL (heading), 0);
    gtk_widget_add_css_class (heading, "dim-label");
    gtk_widget_set_margin_start (heading, 6);
    gtk_widget_set_margin_top (heading, 6);
    gtk_box_append (GTK_BOX (self), heading);
  }
  for (guint i = 0; i < list->len; i++)
    {
      const PmEndpoint *e = g_ptr_array_index (list, i);
      const char *server = pm_endpoint_get_server (e);
      GtkWidget *button = gtk_check_button_new_with_label (e->name);

      g_object_set_data_full (G_OBJECT (button), "pm-endpoint", g_strdup (e->name), g_free);
      gtk_widget_set_tooltip_text (button, server != NULL ? server : _("Needs a server URL"));
      if (self->group != NULL)
        gtk_check_button_set_group (GTK_CHECK_BUTTON (button), self->group);
      else if (i > 0)
        gtk_check_button_set_group (GTK_CHECK_BUTTON (button), self->buttons->pdata[0]);
      g_signal_connect (button, "toggled", G_CALLBACK (toggled_cb), self);
      gtk_widget_set_margin_start (button, 12);
      gtk_box_append (GTK_BOX (self), button);
      g_ptr_array_add (self->buttons, button);
    }
  gtk_widget_set_visible (GTK_WIDGET (self), list->len > 0);
  self->rebuilding = FALSE;
  show_selection (self);
}

void
pm_endpoint_menu_set_group (PmEndpointMenu *self,
                            GtkCheckButton *group)
{
  g_return_if_fail (PM_IS_ENDPOINT_MENU (self));
  self->group = group;
  g_clear_pointer (&self->shown, g_free);
  rebuild (self);
}

void
pm_endpoint_menu_set_in_use (PmEndpointMenu *self,
                             gboolean        in_use)
{
  g_return_if_fail (PM_IS_ENDPOINT_MENU (self));
  self->in_use = in_use;
  show_selection (self);
}

void
pm_endpoint_menu_reload (PmEndpointMenu *self)
{
  g_return_if_fail (PM_IS_ENDPOINT_MENU (self));
  rebuild (self);
}

gboolean
pm_endpoint_menu_has_servers (PmEndpointMenu *self)
{
  g_return_val_if_fail (PM_IS_ENDPOINT_MENU (self), FALSE);
  return self->buttons->len > 0;
}

GtkWidget *
pm_endpoint_menu_get_button (PmEndpointMenu *self,
                             const char     *name)
{
  g_return_val_if_fail (PM_IS_ENDPOINT_MENU (self), NULL);
  for (guint i = 0; i < self->buttons->len; i++)
    if (g_strcmp0 (g_object_get_data (self->buttons->pdata[i], "pm-endpoint"), name) == 0)
      return self->buttons->pdata[i];
  return NULL;
}

char *
pm_endpoint_menu_dup_selected (PmEndpointMenu *self)
{
  g_autoptr(PmEndpoint) selected = NULL;

  g_return_val_if_fail (PM_IS_ENDPOINT_MENU (self), NULL);
  selected = pm_endpoints_get_selected (self->settings);
  return selected != NULL ? g_strdup (selected->name) : NULL;
}

static void
pm_endpoint_menu_dispose (GObject *object)
{
  PmEndpointMenu *self = PM_ENDPOINT_MENU (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->buttons, g_ptr_array_unref);
  g_clear_pointer (&self->shown, g_free);
  G_OBJECT_CLASS (pm_endpoint_menu_parent_class)->dispose (object);
}

static void
pm_endpoint_menu_class_init (PmEndpointMenuClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = pm_endpoint_menu_dispose;
  signals[SIGNAL_CHOSEN] = g_signal_new ("chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
pm_endpoint_menu_init (PmEndpointMenu *self)
{
  self->buttons = g_ptr_array_new ();
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  /* Under a "Remote" heading, indented: these are the remote engine's choices. */
}

/**
 * pm_endpoint_menu_new:
 * @settings: the io.github.paintmask.Paintmask settings
 *
 * Returns: (transfer full): the list of saved servers, kept in step with @settings
 */
GtkWidget *
pm_endpoint_menu_new (GSettings *settings)
{
  PmEndpointMenu *self = g_object_new (PM_TYPE_ENDPOINT_MENU, NULL);

  self->settings = g_object_ref (settings);
  g_signal_connect_object (settings, "changed::remote-endpoints", G_CALLBACK (rebuild), self,
                           G_CONNECT_SWAPPED);
  /* The single server of older settings reads as an entry until entries are saved. */
  g_signal_connect_object (settings, "changed::remote-endpoint", G_CALLBACK (rebuild), self,
                           G_CONNECT_SWAPPED);
  /* Another window (or Preferences) chose a server: check it here too. */
  g_signal_connect_object (settings, "changed::remote-endpoint-selected",
                           G_CALLBACK (show_selection), self, G_CONNECT_SWAPPED);
  rebuild (self);
  return GTK_WIDGET (self);
}
