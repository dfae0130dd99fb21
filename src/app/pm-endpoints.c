/* pm-endpoints.c: the saved remote servers, in GSettings.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-endpoints"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "pm-endpoints.h"
#include "pm-remote.h"

PmEndpoint *
pm_endpoint_new (const char *name,
                 const char *profile)
{
  PmEndpoint *e = g_new0 (PmEndpoint, 1);

  e->name = g_strdup (name != NULL ? name : "");
  e->profile = g_strdup (profile != NULL ? profile
                         : pm_remote_profile_to_string (PM_REMOTE_DEFAULT_PROFILE));
  e->url = g_strdup ("");
  e->model = g_strdup ("");
  e->options = g_new0 (char *, 1);
  return e;
}

PmEndpoint *
pm_endpoint_copy (const PmEndpoint *endpoint)
{
  PmEndpoint *e = g_new0 (PmEndpoint, 1);

  e->name = g_strdup (endpoint->name);
  e->profile = g_strdup (endpoint->profile);
  e->url = g_strdup (endpoint->url);
  e->model = g_strdup (endpoint->model);
  e->options = g_strdupv (endpoint->options);
  return e;
}

void
pm_endpoint_free (PmEndpoint *endpoint)
{
  if (endpoint == NULL)
    return;
  g_free (endpoint->name);
  g_free (endpoint->profile);
  g_free (endpoint->url);
  g_free (endpoint->model);
  g_strfreev (endpoint->options);
  g_free (endpoint);
}

const char *
pm_endpoint_get_server (const PmEndpoint *endpoint)
{
  PmRemoteProfile profile;

  if (endpoint->url != NULL && *endpoint->url != '\0')
    return endpoint->url;
  if (!pm_remote_profile_from_string (endpoint->profile, &profile))
    return NULL;
  return pm_remote_profile_get_default_endpoint (profile);
}

gboolean
pm_endpoint_check (const PmEndpoint  *endpoint,
                   GError           **error)
{
  PmRemoteProfile profile;

  if (!pm_remote_profile_from_string (endpoint->profile, &profile))
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNKNOWN,
                   _("Unknown server profile “%s”"), endpoint->profile);
      return FALSE;
    }
  if (pm_endpoint_get_server (endpoint) == NULL)
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                   "“%s” needs a server URL (%s)", endpoint->name,
                   pm_remote_profile_get_endpoint_hint (profile));
      return FALSE;
    }
  return pm_remote_options_validate (profile, (const char * const *) endpoint->options, error);
}

void
pm_endpoint_fill_options (const PmEndpoint *endpoint,
                          PmEngineOptions  *options)
{
  g_free (options->remote_profile);
  g_free (options->endpoint);
  g_free (options->remote_model);
  g_strfreev (options->remote_options);
  options->remote_profile = g_strdup (endpoint->profile);
  options->endpoint = *endpoint->url != '\0' ? g_strdup (endpoint->url) : NULL;
  options->remote_model = *endpoint->model != '\0' ? g_strdup (endpoint->model) : NULL;
  options->remote_options = g_strdupv (endpoint->options);
}

char *
pm_endpoint_options_to_text (char * const *options)
{
  return options != NULL ? g_strjoinv ("; ", (char **) options) : g_strdup ("");
}

char **
pm_endpoint_options_from_text (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text != NULL ? text : "", ";", -1);
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    {
      /* Leading spaces go; a trailing one may matter (negative_prompt= ). */
      char *piece = g_strchug (parts[i]);
      if (*piece != '\0')
        g_ptr_array_add (out, g_strdup (piece));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

/* ---------------------------------------------------------------- settings */

static char *
dict_string (GVariantDict *dict,
             const char   *key)
{
  const char *value = NULL;

  if (!g_variant_dict_lookup (dict, key, "&s", &value))
    value = "";
  return g_strdup (value);
}

GPtrArray *
pm_endpoints_load (GSettings *settings)
{
  g_autoptr(GVariant) list = g_settings_get_value (settings, "remote-endpoints");
  GPtrArray *endpoints = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_endpoint_free);
  GVariantIter iter;
  GVariant *item;

  g_variant_iter_init (&iter, list);
  while ((item = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariantDict) dict = g_variant_dict_new (item);
      PmEndpoint *e = g_new0 (PmEndpoint, 1);
      const char **options = NULL;

      e->name = dict_string (dict, "name");
      e->profile = dict_string (dict, "profile");
      e->url = dict_string (dict, "url");
      e->model = dict_string (dict, "model");
      if (g_variant_dict_lookup (dict, "options", "^a&s", &options))
        {
          e->options = g_strdupv ((char **) options);
          g_free (options);
        }
      else
        e->options = g_new0 (char *, 1);
      if (*e->profile == '\0')
        {
          g_free (e->profile);
          e->profile = g_strdup (pm_remote_profile_to_string (PM_REMOTE_DEFAULT_PROFILE));
        }
      g_ptr_array_add (endpoints, e);
      g_variant_unref (item);
    }

  /* Settings from before profiles: one OpenAI-compatible server. */
  if (endpoints->len == 0)
    {
      g_autofree char *url = g_settings_get_string (settings, "remote-endpoint");
      if (*url != '\0')
        {
          PmEndpoint *e = pm_endpoint_new ("Remote", NULL);
          g_free (e->url);
          e->url = g_steal_pointer (&url);
          g_free (e->model);
          e->model = g_settings_get_string (settings, "remote-model");
          g_ptr_array_add (endpoints, e);
        }
    }
  return endpoints;
}

void
pm_endpoints_save (GSettings *settings,
                   GPtrArray *endpoints)
{
  GVariantBuilder list;

  g_variant_builder_init (&list, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < endpoints->len; i++)
    {
      const PmEndpoint *e = g_ptr_array_index (endpoints, i);
      GVariantDict dict;

      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "name", "s", e->name);
      g_variant_dict_insert (&dict, "profile", "s", e->profile);
      g_variant_dict_insert (&dict, "url", "s", e->url);
      g_variant_dict_insert (&dict, "model", "s", e->model);
      g_variant_dict_insert_value (&dict, "options",
                                   g_variant_new_strv ((const char * const *) e->options, -1));
      g_variant_builder_add_value (&list, g_variant_dict_end (&dict));
    }
  g_settings_set_value (settings, "remote-endpoints", g_variant_builder_end (&list));
}

PmEndpoint *
pm_endpoints_get_selected (GSettings *settings)
{
  g_autoptr(GPtrArray) endpoints = pm_endpoints_load (settings);
  g_autofree char *name = g_settings_get_string (settings, "remote-endpoint-selected");

  for (guint i = 0; i < endpoints->len; i++)
    {
      PmEndpoint *e = g_ptr_array_index (endpoints, i);
      if (g_strcmp0 (e->name, name) == 0)
        return pm_endpoint_copy (e);
    }
  return endpoints->len > 0 ? pm_endpoint_copy (g_ptr_array_index (endpoints, 0)) : NULL;
}

char *
pm_endpoints_unique_name (GPtrArray  *endpoints,
                          const char *base)
{
  for (guint n = 1; ; n++)
    {
      g_autofree char *name = n == 1 ? g_strdup (base) : g_strdup_printf ("%s %u", base, n);
      gboolean taken = FALSE;

      for (guint i = 0; i < endpoints->len && !taken; i++)
        taken = g_strcmp0 (((PmEndpoint *) g_ptr_array_index (endpoints, i))->name, name) == 0;
      if (!taken)
        return g_steal_pointer (&name);
    }
}
