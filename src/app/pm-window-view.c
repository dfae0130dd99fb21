/* pm-window-view.c: PmWindow's view settings and what it says about the current engine:
 * the overlay's colour and views, the compact view menu of narrow windows, the instruction
 * placeholder and "What can I type?", and models that become available.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-bar-layout.h"
#include "pm-engine-text.h"
#include "pm-window-private.h"

/* ---------------------------------------------------------------- overlay */

static void
overlay_settings_changed_cb (PmWindow *self)
{
  g_autofree char *color = g_settings_get_string (self->settings, "overlay-color");
  g_autofree char *style = g_settings_get_string (self->settings, "overlay-style");
  g_autofree char *base = g_settings_get_string (self->settings, "overlay-base");
  GdkRGBA rgba;

  if (!gdk_rgba_parse (&rgba, color))
    gdk_rgba_parse (&rgba, "#00c8ff");
  pm_canvas_set_overlay_color (self->canvas, &rgba);
  pm_canvas_set_mask_style (self->canvas, g_str_equal (style, "outline") ? PM_CANVAS_MASK_CONTOUR
                                          : g_str_equal (style, "mask") ? PM_CANVAS_MASK_ONLY
                                          : PM_CANVAS_MASK_OVERLAY);
  pm_canvas_set_overlay_over_original (self->canvas, !g_str_equal (base, "edited"));
}

static void
init_overlay (PmWindow *self)
{
  static const char * const keys[] = { "overlay-color", "overlay-style", "overlay-base" };

  /* win.overlay-style and win.overlay-base are the settings themselves (radio items). */
  for (guint i = 1; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(GAction) action = g_settings_create_action (self->settings, keys[i]);
      g_action_map_add_action (G_ACTION_MAP (self), action);
    }
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *signal = g_strconcat ("changed::", keys[i], NULL);
      g_signal_connect_object (self->settings, signal, G_CALLBACK (overlay_settings_changed_cb),
                               self, G_CONNECT_SWAPPED);
    }
  overlay_settings_changed_cb (self);
}

/* ---------------------------------------------------------------- narrow windows */

/* Below the width where the opacity slider and zoom menu fit beside a usable instruction
 * entry, the squeezer shows one button with both in a menu; this is that menu's slider. */
static void
init_view_menu (PmWindow *self)
{
  GtkWidget *scale = gtk_scale_new (GTK_ORIENTATION_HORIZONTAL, self->opacity_adjustment);

  gtk_widget_set_size_request (scale, 160, -1);
  gtk_widget_set_tooltip_text (scale, _("Overlay Opacity"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (scale), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Overlay Opacity"), -1);
  gtk_popover_menu_add_child (self->view_popover, scale, "opacity");
}

/* ---------------------------------------------------------------- recent photos */

#define RECENT_GROUP "Paintmask Photos"

/**
 * pm_window_remember_photo:
 * @file: a photo that opened
 *
 * Adds @file to the recent files in the group Recent Photos lists (exported masks and
 * .paintmask files, which file choosers may add too, are not in it).
 */
void
pm_window_remember_photo (PmWindow *self,
                          GFile    *file)
{
  g_autofree char *uri = g_file_get_uri (file);
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *type = g_content_type_guess (name, NULL, 0, NULL);
  g_autofree char *mime = g_content_type_get_mime_type (type);
  const char *groups[] = { RECENT_GROUP, NULL };
  GtkRecentData data = {
    .display_name = name,
    .mime_type = mime != NULL ? mime : (char *) "image/*",
    .app_name = (char *) g_get_application_name (),
    .app_exec = (char *) "paintmask %u",
    .groups = (char **) groups,
  };

  gtk_recent_manager_add_full (gtk_recent_manager_get_default (), uri, &data);
}

/* Names Paintmask gives its exports ("coffee-mask.png"): never offered as photos. */
static gboolean
is_export_name (const char *name)
{
  static const char * const suffixes[] = { "-mask.png", "-soft-mask.png", "-edited.png",
                                           ".paintmask" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    if (g_str_has_suffix (name, suffixes[i]))
      return TRUE;
  return FALSE;
}

/**
 * pm_window_is_recent_photo:
 * @info: a recent file
 *
 * Returns: whether Recent Photos lists @info: a photo opened in Paintmask (older entries
 *   without the group count when they are images not named like an export)
 */
gboolean
pm_window_is_recent_photo (GtkRecentInfo *info)
{
  const char *mime = gtk_recent_info_get_mime_type (info);
  g_autofree char *name = NULL;

  if (gtk_recent_info_has_group (info, RECENT_GROUP))
    return TRUE;
  name = g_path_get_basename (gtk_recent_info_get_uri (info));
  return mime != NULL && g_str_has_prefix (mime, "image/") && !is_export_name (name);
}

/**
 * pm_window_escape_mnemonic:
 * @label: a file name
 *
 * Returns: (transfer full): @label with every underscore doubled, so that a menu shows it
 *   as it is instead of reading "_" as a mnemonic
 */
char *
pm_window_escape_mnemonic (const char *label)
{
  GString *out = g_string_new (NULL);

  for (const char *p = label; *p != '\0'; p++)
    {
      if (*p == '_')
        g_string_append_c (out, '_');
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* ---------------------------------------------------------------- the current engine */

static void
engine_changed_cb (PmWindow *self)
{
  const char *engine = self->engine_name;
  g_autofree char *placeholder = pm_engine_text_get_placeholder (engine);
  g_autofree char *help = pm_engine_text_get_help_markup (engine);
  g_autofree char *empty = g_strdup_printf (_("Drop a photo here, paste one with Ctrl+V, or "
                                              "choose one. Then describe an edit, such as "
                                              "“%s”."), pm_engine_text_get_example (engine));

  gtk_entry_set_placeholder_text (self->instruction_entry, placeholder);
  gtk_label_set_markup (self->help_label, help);
  adw_status_page_set_description (self->empty_page, empty);
}

/* A model finished downloading or was removed: engines that need it change availability. */
static void
models_finished_cb (PmModelManager *models,
                    const char     *name,
                    int             task,
                    const GError   *error,
                    PmWindow       *self)
{
  if (task == PM_MODEL_TASK_DOWNLOADING || task == PM_MODEL_TASK_REMOVING ||
      task == PM_MODEL_TASK_VERIFYING)
    pm_window_refresh_engines (self);
}

/* A key released while the window was not focused never reaches it: leaving the window
 * ends "hold to compare". */
static void
active_changed_cb (PmWindow *self)
{
  if (!gtk_window_is_active (GTK_WINDOW (self)))
    pm_canvas_set_show_original (self->canvas, FALSE);
}

/**
 * pm_window_init_view:
 *
 * Connects the view settings and the engine texts; called once the settings are known.
 */
void
pm_window_init_view (PmWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  init_overlay (self);
  /* The bar's children are laid out so that the entry keeps its minimum width and the
   * slider and zoom menu fold into one menu first (the box's own layout would share the
   * squeeze between them). */
  gtk_widget_set_layout_manager (GTK_WIDGET (self->instruction_bar), pm_bar_layout_new ());
  init_view_menu (self);
  pm_window_init_export (self);
  g_signal_connect_object (self->engine_button, "notify::label", G_CALLBACK (engine_changed_cb),
                           self, G_CONNECT_SWAPPED);
  engine_changed_cb (self);
  g_signal_connect (self, "notify::is-active", G_CALLBACK (active_changed_cb), NULL);
  if (PM_IS_APPLICATION (app))
    g_signal_connect_object (pm_application_get_models (PM_APPLICATION (app)), "finished",
                             G_CALLBACK (models_finished_cb), self, 0);
}
