/* pm-remote-private.h: what the remote profiles share: the job, the call (transport), the
 * profile vtable.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include "pm-remote.h"

G_BEGIN_DECLS

/* ---------------------------------------------------------------- the job */

/* What a profile is asked to do: immutable while it runs. */
typedef struct {
  const PmImage *original;     /* the user's photo */
  PmImage       *upload;       /* what is sent: the photo, scaled to max_pixels at most */
  GBytes        *upload_png;   /* @upload as PNG */
  GPtrArray     *items;        /* of PmRemoteItem: what to paint */
  const char    *prompt_template; /* NULL = default */
  const char    *model;        /* the model named by the user, or NULL */
  GHashTable    *options;      /* key → value: the profile's defaults, then the user's */
  /* Set by the profile: the shape it asked the server for (0 = the photo's own). A result
   * of that shape is resampled to the original like one of the photo's shape. */
  int            asked_width;
  int            asked_height;
} PmRemoteJob;

/* The option @key as a string (NULL if unset), a double or an integer (@fallback if unset). */
const char *pm_remote_job_get_option     (const PmRemoteJob *job,
                                          const char        *key);
double      pm_remote_job_get_double     (const PmRemoteJob *job,
                                          const char        *key,
                                          double             fallback);
gint64      pm_remote_job_get_int        (const PmRemoteJob *job,
                                          const char        *key,
                                          gint64             fallback);
/* The upload's size with both sides rounded to a multiple of @step (at least @step). */
void        pm_remote_job_rounded_size   (const PmRemoteJob *job,
                                          int                step,
                                          int               *width,
                                          int               *height);

/* ---------------------------------------------------------------- the call */

/* How a profile presents the key. */
typedef enum {
  PM_REMOTE_AUTH_BEARER,     /* Authorization: Bearer KEY */
  PM_REMOTE_AUTH_KEY,        /* Authorization: Key KEY (fal) */
  PM_REMOTE_AUTH_GOOG,       /* x-goog-api-key: KEY (Gemini) */
} PmRemoteAuth;

typedef struct _PmRemoteCall PmRemoteCall;

/* Reads the server's own message out of an error body (NULL if none). */
typedef char *(*PmRemoteErrorFunc) (GBytes *body);

/* Starts a call to @endpoint: a session, the deadline (@timeout_s for the whole run), the
 * user's @cancellable forwarded. */
PmRemoteCall *pm_remote_call_new         (const char        *endpoint,
                                          const char        *key,
                                          PmRemoteAuth       auth,
                                          double             timeout_s,
                                          PmProgressFunc     progress,
                                          gpointer           progress_data,
                                          GCancellable      *cancellable);
/* Ends and frees @call. When !@ok, turns @local (taken) into the error the user sees:
 * "Cancelled", "… did not answer within N s", "Could not reach …", or the engine's message,
 * always without the key. Returns @ok. */
gboolean    pm_remote_call_end           (PmRemoteCall      *call,
                                          gboolean           ok,
                                          GError            *local,
                                          GError           **error);
/* The endpoint (base URL, no trailing slash) and its "host:port" label for messages. */
const char *pm_remote_call_get_endpoint  (PmRemoteCall      *call);
const char *pm_remote_call_get_label     (PmRemoteCall      *call);
/* A URL under the endpoint: @path_format is appended (it starts with "/"). */
char       *pm_remote_call_url           (PmRemoteCall      *call,
                                          const char        *path_format,
                                          ...) G_GNUC_PRINTF (2, 3);
void        pm_remote_call_progress      (PmRemoteCall      *call,
                                          const char        *stage,
                                          double             fraction);
/* Sends a request (retrying 429/5xx with back-off) and returns the body of a 2xx answer.
 * Any other answer is an error naming the server, the status and the server's own message
 * (read by @error_message, cut short, key removed). The key is attached only when @url is on
 * the endpoint's origin. @body may be NULL (a GET). */
GBytes     *pm_remote_call_request       (PmRemoteCall      *call,
                                          const char        *method,
                                          const char        *url,
                                          const char        *content_type,
                                          GBytes            *body,
                                          PmRemoteErrorFunc  error_message,
                                          GError           **error);
/* pm_remote_call_request() and parse the answer as a JSON object. */
JsonObject *pm_remote_call_request_json  (PmRemoteCall      *call,
                                          const char        *method,
                                          const char        *url,
                                          const char        *content_type,
                                          GBytes            *body,
                                          PmRemoteErrorFunc  error_message,
                                          GError           **error);
/* Best effort, after the run was cancelled or ran out of time: tells the server to drop the
 * job (ComfyUI's queue, fal's cancel URL). Waits two seconds at most; errors are ignored. */
void        pm_remote_call_abandon       (PmRemoteCall      *call,
                                          const char        *method,
                                          const char        *url,
                                          const char        *content_type,
                                          GBytes            *body);
/* Downloads an image. @url may be relative to the endpoint; it must be on the endpoint's
 * origin, or (when @allow_foreign says so) on a listed result host, where it goes without
 * the key. A data: URL is decoded in place. */
typedef gboolean (*PmRemoteHostFilter) (const char *url);
PmImage    *pm_remote_call_fetch_image   (PmRemoteCall      *call,
                                          const char        *url,
                                          PmRemoteHostFilter allow_foreign,
                                          GError           **error);
/* Waits @seconds unless the run is cancelled or its deadline passes (then FALSE). */
gboolean    pm_remote_call_sleep         (PmRemoteCall      *call,
                                          double             seconds,
                                          GError           **error);
/* Rewrites a message for the user: removes the key wherever it (or a long piece of it)
 * appears, folds newlines. Returns a new string. */
char       *pm_remote_call_redact        (PmRemoteCall      *call,
                                          const char        *text);

/* Tests and fuzzing only: every request of @call is answered by @func (its status in
 * *@status, its body returned, NULL for none) instead of the network, with the same checks on
 * the answer (size cap, redirects, retries); waits between polls and retries return at once
 * and nothing is withdrawn. */
typedef GBytes *(*PmRemoteReplayFunc) (const char *method,
                                       const char *url,
                                       guint      *status,
                                       gpointer    data);
void        pm_remote_call_set_replay    (PmRemoteCall      *call,
                                          PmRemoteReplayFunc func,
                                          gpointer           data);

/* ---------------------------------------------------------------- shared readers */

/* Parses @body as a JSON object; NULL + error ("not a JSON object") otherwise. */
JsonObject *pm_remote_parse_object       (GBytes            *body,
                                          GError           **error);
/* Decodes base64 @b64 and loads the image. */
PmImage    *pm_remote_decode_image       (const char        *b64,
                                          GError           **error);
/* The message of the common error shapes: {"error":{"message"}}, {"error":"…"},
 * {"message":"…"}, {"detail":"…"} and FastAPI's {"detail":[{"msg","loc"}]}. */
char       *pm_remote_error_message_common (GBytes          *body);
/* Members of a reply, checked: NULL when absent or of another JSON type (a hostile reply
 * never trips a json-glib assertion). */
const char *pm_remote_get_string         (JsonObject        *obj,
                                          const char        *name);
JsonObject *pm_remote_get_object         (JsonObject        *obj,
                                          const char        *name);
JsonArray  *pm_remote_get_array          (JsonObject        *obj,
                                          const char        *name);
JsonObject *pm_remote_array_get_object   (JsonArray         *array,
                                          guint              index);
/* @object serialised, as a request body. */
GBytes     *pm_remote_json_body          (JsonObject        *object);
/* @multipart serialised: the body, and its Content-Type (with the boundary) in
 * @content_type. */
GBytes     *pm_remote_multipart_body     (SoupMultipart     *multipart,
                                          char             **content_type);

/* ---------------------------------------------------------------- profiles */

typedef struct {
  PmRemoteProfile  profile;
  const char      *name;
  const char      *title;
  const char      *short_title;        /* for names and menus: "ComfyUI" */
  const char      *default_endpoint;   /* NULL: the user must give one */
  const char      *default_model;      /* NULL: none sent / the server's */
  const char      *endpoint_hint;
  PmRemoteAuth     auth;
  gboolean         queued;             /* longer default timeout */
  const char * const *options;         /* accepted option keys */
  /* Runs the edit; returns the server's image (any size). */
  PmImage       *(*edit) (PmRemoteCall       *call,
                          PmRemoteJob        *job,
                          GError            **error);
} PmRemoteProfileClass;

const PmRemoteProfileClass *pm_remote_profile_get_class (PmRemoteProfile profile);

/* The defaults (key → value) for @profile and @model, into @options (not overwriting). */
void        pm_remote_profile_add_defaults (PmRemoteProfile  profile,
                                            const char      *model,
                                            GHashTable      *options);

PmImage *pm_remote_openai_edit            (PmRemoteCall *call, PmRemoteJob *job, GError **error);
PmImage *pm_remote_openai_compatible_edit (PmRemoteCall *call, PmRemoteJob *job, GError **error);
PmImage *pm_remote_sdcpp_edit             (PmRemoteCall *call, PmRemoteJob *job, GError **error);
PmImage *pm_remote_comfyui_edit           (PmRemoteCall *call, PmRemoteJob *job, GError **error);
PmImage *pm_remote_gemini_edit            (PmRemoteCall *call, PmRemoteJob *job, GError **error);
PmImage *pm_remote_fal_edit               (PmRemoteCall *call, PmRemoteJob *job, GError **error);

/* The OpenAI images/edits reply: data[0].b64_json, or data[0].url fetched from the endpoint's
 * origin. Shared by the three /images/edits profiles. */
PmImage *pm_remote_openai_read_reply      (PmRemoteCall *call, GBytes *body, GError **error);

/* Gemini's imageConfig.aspectRatio values, NULL-terminated, static. */
const char * const *pm_remote_gemini_aspect_ratios (void);

/* ---------------------------------------------------------------- ComfyUI workflows */

/* Loads a workflow in API format: @name_or_path is a bundled template name
 * ("qwen-image-edit-2509") or a file. Checks that it has the {{image}} and {{prompt}}
 * placeholders and no unknown one. */
JsonObject *pm_remote_workflow_load       (const char        *name_or_path,
                                           GError           **error);
/* Names of the bundled templates, NULL-terminated, static. */
const char * const *pm_remote_workflow_list_templates (void);
/* Replaces the placeholders of @workflow (in place) from @values (name → value). A value
 * that is a whole placeholder becomes a number when the value is numeric. */
gboolean    pm_remote_workflow_fill       (JsonObject        *workflow,
                                           GHashTable        *values,
                                           GError           **error);

G_END_DECLS
