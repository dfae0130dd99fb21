/* pm-settings-color.c: a colour setting ("#rrggbb") bound to a widget's GdkRGBA property
 * (the colour buttons of the window and of the preferences).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-settings-color"

#include "pm-settings-color.h"

#include "pm-color.h"

/* A setting that does not parse shows as magenta, the default highlight. */
static gboolean
color_get_mapping (GValue   *value,
                   GVariant *variant,
                   gpointer  user_data)
{
  GdkRGBA rgba;

  if (!gdk_rgba_parse (&rgba, g_variant_get_string (variant, NULL)))
    gdk_rgba_parse (&rgba, "#ff00ff");
  g_value_set_boxed (value, &rgba);
  return TRUE;
}

static GVariant *
color_set_mapping (const GValue       *value,
                   const GVariantType *expected_type,
                   gpointer            user_data)
{
  const GdkRGBA *rgba = g_value_get_boxed (value);
  g_autofree char *hex = pm_color_to_hex ((PmRgb) { rgba->red, rgba->green, rgba->blue });

  return g_variant_new_string (hex);
}

/**
 * pm_settings_bind_color:
 * @settings: the settings
 * @key: a string key holding "#rrggbb"
 * @object: the object, such as a GtkColorButton
 * @property: its GdkRGBA property, such as "rgba"
 *
 * Binds @key both ways to @property (G_SETTINGS_BIND_DEFAULT).
 */
void
pm_settings_bind_color (GSettings  *settings,
                        const char *key,
                        gpointer    object,
                        const char *property)
{
  g_settings_bind_with_mapping (settings, key, object, property, G_SETTINGS_BIND_DEFAULT,
                                color_get_mapping, color_set_mapping, NULL, NULL);
}
