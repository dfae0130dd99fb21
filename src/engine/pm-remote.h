/* pm-remote.h: the remote generative-editor engine: server profiles, options, prompts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One engine, several server profiles. The transport (pm-remote-transport.c) owns HTTP:
 * session, deadline, retries, size caps, cancellation, where the API key may go and that it
 * never reaches a message. Each profile (pm-remote-openai.c, -sdcpp.c, -comfyui.c,
 * -gemini.c, -fal.c) speaks one server's protocol through it and returns an image.
 */
#pragma once

#include <libsoup/soup.h>
#include "pm-engine.h"

G_BEGIN_DECLS

/* Cap on a response body: a generated image is a few MB; 64 MB leaves room. */
#define PM_REMOTE_MAX_RESPONSE_BYTES ((gsize) 64 * 1024 * 1024)
#define PM_REMOTE_DEFAULT_TIMEOUT_S  120.0
/* Queue-based servers (ComfyUI, fal) may wait for a GPU: a longer default. */
#define PM_REMOTE_QUEUE_TIMEOUT_S    600.0
/* The photo sent is scaled down to at most this many pixels (generators work near 1 MP);
 * the result is resampled back to the original. Option max_pixels overrides it. */
#define PM_REMOTE_DEFAULT_MAX_PIXELS (1024 * 1024)
/* The fixed seed of the "edit only the object" defaults. */
#define PM_REMOTE_DEFAULT_SEED       42
#define PM_REMOTE_DEFAULT_PROMPT \
  "Paint the {target} {color}. Keep everything else in the image exactly unchanged."

typedef enum {
  PM_REMOTE_PROFILE_OPENAI,             /* api.openai.com, gpt-image-1 / 1.5 */
  PM_REMOTE_PROFILE_OPENAI_COMPATIBLE,  /* vLLM-Omni, SGLang diffusion, Xinference, … */
  PM_REMOTE_PROFILE_SDCPP,              /* stable-diffusion.cpp sd-server */
  PM_REMOTE_PROFILE_COMFYUI,            /* ComfyUI with an API-format workflow */
  PM_REMOTE_PROFILE_GEMINI,             /* Gemini generateContent */
  PM_REMOTE_PROFILE_FAL,                /* fal queue */
  PM_REMOTE_N_PROFILES
} PmRemoteProfile;

#define PM_REMOTE_DEFAULT_PROFILE PM_REMOTE_PROFILE_OPENAI_COMPATIBLE

/* "openai", "openai-compatible", "sdcpp", "comfyui", "gemini", "fal". */
const char *pm_remote_profile_to_string   (PmRemoteProfile  profile);
gboolean    pm_remote_profile_from_string (const char      *name,
                                           PmRemoteProfile *out);
/* A one-line description for menus ("ComfyUI workflow (Qwen-Image-Edit, Kontext)"). */
const char *pm_remote_profile_get_title   (PmRemoteProfile  profile);
/* A short name ("ComfyUI", "OpenAI-compatible") for lists and new entries. */
const char *pm_remote_profile_get_short_title (PmRemoteProfile  profile);
/* The server a profile reaches when no endpoint is given, or NULL if it needs one. */
const char *pm_remote_profile_get_default_endpoint (PmRemoteProfile profile);
/* The model used when none is given, or NULL (the server's own). */
const char *pm_remote_profile_get_default_model    (PmRemoteProfile profile);
/* What the endpoint means for @profile, for help texts ("base URL before /images/edits"). */
const char *pm_remote_profile_get_endpoint_hint    (PmRemoteProfile profile);
/* The option keys @profile accepts, NULL-terminated, static. */
const char * const *pm_remote_profile_list_options (PmRemoteProfile profile);
/* The recommended "edit only the object" options for @profile and @model (NULL = the
 * default model), as "key=value" lines, e.g. "seed=42\nnum_inference_steps=40\n…";
 * shown in Preferences and applied unless an option overrides them. */
char       *pm_remote_profile_describe_defaults    (PmRemoteProfile profile,
                                                    const char     *model);

/* Checks "KEY=VALUE" options against @profile: known key, value of the right type and range.
 * NULL or empty @options is fine. PM_ENGINE_ERROR_UNKNOWN on a fault (a usage error). */
gboolean    pm_remote_options_validate (PmRemoteProfile      profile,
                                        const char * const  *options,
                                        GError             **error);

/* One thing to paint: the described target ("second car from the left") and colour words
 * ("purple", "the colour #00ff00"). Several items describe a multi-object edit. */
typedef struct {
  char *target;
  char *color;
} PmRemoteItem;

void      pm_remote_item_free        (PmRemoteItem        *item);
/* The item an instruction asks for. */
PmRemoteItem *pm_remote_item_new_from_instruction (const PmInstruction *instruction);
/* Fills {target} and {color} of @template_ (NULL = PM_REMOTE_DEFAULT_PROMPT) for @items.
 * Several items are joined ("the cat purple and the dog green"). */
char     *pm_remote_prompt_build     (const char          *template_,
                                      GPtrArray           *items);
/* The prompt for one instruction: pm_remote_prompt_build() with its single item. */
char     *pm_remote_build_prompt     (const char          *template_,
                                      const PmInstruction *instruction);

/* Stores @key for @endpoint in the desktop keyring (libsecret); an empty key removes it.
 * Blocking: call from a worker thread. */
gboolean  pm_remote_store_api_key    (const char          *endpoint,
                                      const char          *key,
                                      GCancellable        *cancellable,
                                      GError             **error);

/* Strict base64 decoding: NULL with an error on any character outside the alphabet. */
GBytes   *pm_remote_base64_decode    (const char          *text,
                                      gsize                length,
                                      GError             **error);

/* Is @url an image URL fal serves its results from (https on a listed fal host)? */
gboolean  pm_remote_fal_result_host_allowed (const char   *url);

G_END_DECLS
