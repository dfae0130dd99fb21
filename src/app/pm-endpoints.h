/* pm-endpoints.h: the saved remote servers ("endpoint entries") and which one runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One entry per server: a name the engine menu shows, a profile, a URL (empty: the
 * profile's own server), a model, options. Stored in GSettings (remote-endpoints, an aa{sv});
 * the API key lives in the keyring under the server's URL, never in settings.
 */
#pragma once

#include <gio/gio.h>
#include "pm-engine.h"

G_BEGIN_DECLS

typedef struct {
  char  *name;
  char  *profile;    /* "openai", "openai-compatible", "sdcpp", "comfyui", "gemini", "fal" */
  char  *url;        /* "" = the profile's default server */
  char  *model;      /* "" = none (the profile's default) */
  char **options;    /* "KEY=VALUE", NULL-terminated, never NULL */
} PmEndpoint;

PmEndpoint *pm_endpoint_new            (const char        *name,
                                        const char        *profile);
PmEndpoint *pm_endpoint_copy           (const PmEndpoint  *endpoint);
void        pm_endpoint_free           (PmEndpoint        *endpoint);
/* The server the entry reaches: its URL, else its profile's default; NULL if neither. The
 * keyring keeps the key under this. */
const char *pm_endpoint_get_server     (const PmEndpoint  *endpoint);
/* Checks what can be checked without the network: a known profile, a server URL, options
 * the profile takes. */
gboolean    pm_endpoint_check          (const PmEndpoint  *endpoint,
                                        GError           **error);
/* Sets the remote fields of @options (profile, endpoint, model, options) from @endpoint. */
void        pm_endpoint_fill_options   (const PmEndpoint  *endpoint,
                                        PmEngineOptions   *options);

/* Options as the one-line text Preferences edits ("seed=42; num_inference_steps=40") and
 * back; empty pieces are dropped. */
char       *pm_endpoint_options_to_text   (char * const     *options);
char      **pm_endpoint_options_from_text (const char       *text);

/* The saved entries (of PmEndpoint). When none is saved but the old single-endpoint keys
 * (remote-endpoint, remote-model) are set, they become one entry named "Remote". */
GPtrArray  *pm_endpoints_load          (GSettings         *settings);
void        pm_endpoints_save          (GSettings         *settings,
                                        GPtrArray         *endpoints);
/* The entry the remote engine uses (remote-endpoint-selected, else the first), or NULL. */
PmEndpoint *pm_endpoints_get_selected  (GSettings         *settings);
/* A name not used by @endpoints: @base, or "@base 2", "@base 3", … */
char       *pm_endpoints_unique_name   (GPtrArray         *endpoints,
                                        const char        *base);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmEndpoint, pm_endpoint_free)

G_END_DECLS
