/* pm-endpoints-page.c: the Remote Servers page of Preferences.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The page mirrors the remote-endpoints setting: one PmEndpointRow per saved server; every
 * edit writes the whole list back (names stay unique), so the window's engine menu, which
 * watches the setting, follows.
 */
#define G_LOG_DOMAIN "pm-endpoints-page"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-endpoint-row.h"
#include "pm-endpoints-page.h"
#include "pm-remote.h"

struct _PmEndpointsPage
{
  AdwPreferencesPage    parent_instance;

  AdwPreferencesGroup  *servers_group;
  GtkWidget            *empty_row;
  AdwEntryRow          *prompt_row;
  GtkSpinButton        *timeout_spin;
  GPtrArray            *rows;       /* of PmEndpointRow, borrowed (the group owns them) */
  GSettings            *settings;
  gboolean              saving;
};

G_DEFINE_FINAL_TYPE (PmEndpointsPage, pm_endpoints_page, ADW_TYPE_PREFERENCES_PAGE)

static void reload (PmEndpointsPage *self);

static void
toast (PmEndpointsPage *self,
       const char      *text)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), adw_toast_new (text));
}

/* Writes the rows back to the setting, renaming a duplicate name. */
static void
save (PmEndpointsPage *self)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_endpoint_free);
  gboolean renamed = FALSE;

  for (guint i = 0; i < self->rows->len; i++)
    {
      PmEndpoint *e = pm_endpoint_copy (pm_endpoint_row_get_endpoint (self->rows->pdata[i]));
      g_autofree char *unique = pm_endpoints_unique_name (list, e->name);

      if (g_strcmp0 (unique, e->name) != 0)
        {
          g_autofree char *text = g_strdup_printf (_("“%s” is taken: saved as “%s”"), e->name,
                                                   unique);
          toast (self, text);
          g_free (e->name);
          e->name = g_steal_pointer (&unique);
          renamed = TRUE;
        }
      g_ptr_array_add (list, e);
    }
  self->saving = TRUE;
  pm_endpoints_save (self->settings, list);
  self->saving = FALSE;
  if (renamed)
    reload (self);   /* the rows show the names saved */
}

static void
row_changed_cb (PmEndpointsPage *self)
{
  save (self);
}

static void
row_remove_cb (PmEndpointRow   *row,
               PmEndpointsPage *self)
{
  g_ptr_array_remove (self->rows, row);
  adw_preferences_group_remove (self->servers_group, GTK_WIDGET (row));
  save (self);
  gtk_widget_set_visible (self->empty_row, self->rows->len == 0);
}

static GtkWidget *
append_row (PmEndpointsPage  *self,
            const PmEndpoint *endpoint)
{
  GtkWidget *row = pm_endpoint_row_new (endpoint);

  pm_endpoint_row_set_timeout (PM_ENDPOINT_ROW (row),
                               g_settings_get_double (self->settings, "remote-timeout"));
  g_signal_connect_swapped (row, "changed", G_CALLBACK (row_changed_cb), self);
  g_signal_connect (row, "remove", G_CALLBACK (row_remove_cb), self);
  adw_preferences_group_add (self->servers_group, row);
  g_ptr_array_add (self->rows, row);
  gtk_widget_set_visible (self->empty_row, FALSE);
  return row;
}

static void
reload (PmEndpointsPage *self)
{
  g_autoptr(GPtrArray) list = NULL;

  if (self->saving)
    return;
  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (self->servers_group, self->rows->pdata[i]);
  g_ptr_array_set_size (self->rows, 0);
  list = pm_endpoints_load (self->settings);
  for (guint i = 0; i < list->len; i++)
    append_row (self, g_ptr_array_index (list, i));
  gtk_widget_set_visible (self->empty_row, self->rows->len == 0);
}

GtkWidget *
pm_endpoints_page_add (PmEndpointsPage *self,
                       const char      *profile)
{
  g_autoptr(GPtrArray) list = pm_endpoints_load (self->settings);
  g_autoptr(PmEndpoint) e = NULL;
  g_autofree char *name = NULL;
  PmRemoteProfile p = PM_REMOTE_DEFAULT_PROFILE;
  GtkWidget *row;

  g_return_val_if_fail (PM_IS_ENDPOINTS_PAGE (self), NULL);
  if (profile != NULL)
    pm_remote_profile_from_string (profile, &p);
  name = pm_endpoints_unique_name (list, pm_remote_profile_get_short_title (p));
  e = pm_endpoint_new (name, pm_remote_profile_to_string (p));
  row = append_row (self, e);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
  save (self);
  return row;
}

GtkWidget *
pm_endpoints_page_get_row (PmEndpointsPage *self,
                           const char      *name)
{
  g_return_val_if_fail (PM_IS_ENDPOINTS_PAGE (self), NULL);
  for (guint i = 0; i < self->rows->len; i++)
    if (g_strcmp0 (pm_endpoint_row_get_endpoint (self->rows->pdata[i])->name, name) == 0)
      return self->rows->pdata[i];
  return NULL;
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *param)
{
  pm_endpoints_page_add (PM_ENDPOINTS_PAGE (widget), g_variant_get_string (param, NULL));
}

static void
prompt_applied_cb (PmEndpointsPage *self)
{
  g_settings_set_string (self->settings, "remote-prompt",
                         gtk_editable_get_text (GTK_EDITABLE (self->prompt_row)));
}

static void
timeout_changed_cb (PmEndpointsPage *self)
{
  double t = g_settings_get_double (self->settings, "remote-timeout");

  for (guint i = 0; i < self->rows->len; i++)
    pm_endpoint_row_set_timeout (self->rows->pdata[i], t);
}

/* ---------------------------------------------------------------- building */

static void
build (PmEndpointsPage *self)
{
  AdwPreferencesGroup *shared;
  GtkWidget *add, *timeout_row;
  g_autoptr(GMenu) menu = NULL;
  g_autofree char *prompt = g_settings_get_string (self->settings, "remote-prompt");

  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (self), _("Remote Servers"));
  adw_preferences_page_set_icon_name (ADW_PREFERENCES_PAGE (self), "network-server-symbolic");

  self->servers_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->servers_group, _("Servers"));
  adw_preferences_group_set_description (
      self->servers_group,
      _("Generative editors the remote engine can ask, each listed by name in the engine menu. "
        "Keys are kept in the keyring, or read from PAINTMASK_API_KEY."));
  /* Add Server asks which kind of server first: the profile decides the other fields. */
  menu = g_menu_new ();
  for (int i = 0; i < PM_REMOTE_N_PROFILES; i++)
    {
      g_autofree char *action = g_strdup_printf ("endpoints.add('%s')",
                                                 pm_remote_profile_to_string (i));
      g_menu_append (menu, pm_remote_profile_get_title (i), action);
    }
  add = gtk_menu_button_new ();
  gtk_menu_button_set_label (GTK_MENU_BUTTON (add), _("_Add Server"));
  gtk_menu_button_set_use_underline (GTK_MENU_BUTTON (add), TRUE);
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (add), G_MENU_MODEL (menu));
  gtk_widget_set_valign (add, GTK_ALIGN_CENTER);
  adw_preferences_group_set_header_suffix (self->servers_group, add);
  self->empty_row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->empty_row), _("No servers yet"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->empty_row),
                               _("Add one: OpenAI, an OpenAI-compatible server (vLLM-Omni, "
                                 "SGLang), stable-diffusion.cpp, ComfyUI, Gemini or fal"));
  adw_preferences_group_add (self->servers_group, self->empty_row);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (self), self->servers_group);

  shared = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (shared, _("Every Server"));
  self->prompt_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->prompt_row),
                                 _("Prompt ({target} and {color} are filled in; empty for the default)"));
  adw_entry_row_set_show_apply_button (self->prompt_row, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->prompt_row), prompt);
  g_signal_connect_swapped (self->prompt_row, "apply", G_CALLBACK (prompt_applied_cb), self);
  adw_preferences_group_add (shared, GTK_WIDGET (self->prompt_row));
  timeout_row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (timeout_row), _("Timeout (seconds)"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (timeout_row),
                               _("For the whole edit, queue included; 0 uses the server's default"));
  self->timeout_spin = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (0, 3600, 10));
  gtk_widget_set_valign (GTK_WIDGET (self->timeout_spin), GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (timeout_row), GTK_WIDGET (self->timeout_spin));
  adw_preferences_group_add (shared, timeout_row);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (self), shared);

  g_settings_bind (self->settings, "remote-timeout", self->timeout_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed::remote-timeout",
                           G_CALLBACK (timeout_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::remote-endpoints", G_CALLBACK (reload),
                           self, G_CONNECT_SWAPPED);
}

static void
pm_endpoints_page_dispose (GObject *object)
{
  PmEndpointsPage *self = PM_ENDPOINTS_PAGE (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (pm_endpoints_page_parent_class)->dispose (object);
}

static void
pm_endpoints_page_class_init (PmEndpointsPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = pm_endpoints_page_dispose;
  gtk_widget_class_install_action (GTK_WIDGET_CLASS (klass), "endpoints.add", "s", add_action);
}

static void
pm_endpoints_page_init (PmEndpointsPage *self)
{
  self->rows = g_ptr_array_new ();
}

/**
 * pm_endpoints_page_new:
 * @settings: the io.github.paintmask.Paintmask settings
 *
 * Returns: (transfer full): the Remote Servers page, bound to @settings
 */
GtkWidget *
pm_endpoints_page_new (GSettings *settings)
{
  PmEndpointsPage *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  self = g_object_new (PM_TYPE_ENDPOINTS_PAGE, NULL);
  self->settings = g_object_ref (settings);
  build (self);
  reload (self);
  return GTK_WIDGET (self);
}
