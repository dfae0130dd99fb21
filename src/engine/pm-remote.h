/* pm-remote.h: the remote generative-editor engine and its wire protocols.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine (pm-remote-engine.c) owns HTTP: session, timeouts, retries, size caps,
 * cancellation, the API key. A protocol (pm-remote-openai.c) only turns a request into a
 * SoupMessage and a response body into an image, so another protocol can sit beside it.
 */
#pragma once

#include <libsoup/soup.h>
#include "pm-engine.h"

G_BEGIN_DECLS

/* Cap on a response body: a generated image is a few MB; 64 MB leaves room. */
#define PM_REMOTE_MAX_RESPONSE_BYTES ((gsize) 64 * 1024 * 1024)
#define PM_REMOTE_DEFAULT_TIMEOUT_S  120.0
#define PM_REMOTE_DEFAULT_MODEL      "default"
#define PM_REMOTE_DEFAULT_PROMPT \
  "Paint the {target} {color}. Keep everything else in the image exactly unchanged."

typedef struct {
  const char *base_url;   /* ends before /images/edits, e.g. http://127.0.0.1:8000/v1 */
  const char *model;
  const char *prompt;
  GBytes     *image_png;
  const char *api_key;    /* may be NULL; never logged */
} PmRemoteRequest;

/* What a protocol reads off a response: an image, or a URL to fetch it from. */
typedef struct {
  PmImage *image;
  char    *url;
} PmRemoteReply;

typedef struct {
  const char   *name;
  SoupMessage *(*build_request) (const PmRemoteRequest *request,
                                 GError               **error);
  /* Parses a 2xx body. */
  gboolean     (*parse_reply)   (GBytes                *body,
                                 PmRemoteReply         *reply,
                                 GError               **error);
  /* The server's own message from an error body, or NULL. */
  char        *(*error_message) (GBytes                *body);
} PmRemoteProtocol;

extern const PmRemoteProtocol pm_remote_protocol_openai;

/* Fills {target} and {color} in @template (NULL = PM_REMOTE_DEFAULT_PROMPT). */
char     *pm_remote_build_prompt  (const char          *template_,
                                   const PmInstruction *instruction);
/* Stores @key for @endpoint in the desktop keyring (libsecret); an empty key removes it.
 * Blocking: call from a worker thread. */
gboolean  pm_remote_store_api_key (const char          *endpoint,
                                   const char          *key,
                                   GCancellable        *cancellable,
                                   GError             **error);

/* Strict base64 decoding: NULL with an error on any character outside the alphabet. */
GBytes   *pm_remote_base64_decode (const char          *text,
                                   gsize                length,
                                   GError             **error);

G_END_DECLS
