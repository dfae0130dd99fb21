/* pm-remote-transport.c: the HTTP side every remote profile shares.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One PmRemoteCall per run: a libsoup session, an overall deadline (a watchdog thread, since
 * sync libsoup only times out between bytes), the user's cancellable forwarded, bounded
 * retries on 429/5xx honouring Retry-After, a response size cap, no redirects followed, and
 * the key rules: it is attached only to requests for the endpoint's own origin, and every
 * message that leaves here has it removed.
 */
#define G_LOG_DOMAIN "pm-remote"

#include "config.h"
#include "pm-remote-private.h"

#include <math.h>
#include <string.h>

#define MAX_ATTEMPTS      4     /* one try and three retries */
#define MAX_BACKOFF_S     8.0
/* A run of at least this many characters of the key in a message counts as the key. */
#define KEY_PIECE_CHARS   8
/* The server's own message is cut to this many characters in an error line. */
#define MAX_MESSAGE_CHARS 300

struct _PmRemoteCall {
  SoupSession    *session;
  GCancellable   *op;          /* cancelled by the user's cancellable or the deadline */
  GCancellable   *user;        /* borrowed */
  gulong          handler;
  GUri           *endpoint_uri;
  char           *endpoint;    /* no trailing slash */
  char           *label;       /* "host:port" of the endpoint */
  char           *key;         /* may be NULL */
  PmRemoteAuth    auth;
  double          timeout_s;
  PmProgressFunc  progress;
  gpointer        progress_data;
  /* The deadline watchdog. */
  GMutex          mutex;
  GCond           cond;
  gboolean        done;
  gboolean        fired;
  gint64          deadline;    /* monotonic µs */
  GThread        *thread;
  /* Canned answers instead of the network (tests and fuzzing). */
  PmRemoteReplayFunc replay;
  gpointer        replay_data;
};

/* ---------------------------------------------------------------- deadline watchdog */

static gpointer
watchdog_thread (gpointer data)
{
  PmRemoteCall *call = data;

  g_mutex_lock (&call->mutex);
  while (!call->done)
    {
      if (!g_cond_wait_until (&call->cond, &call->mutex, call->deadline) &&
          g_get_monotonic_time () >= call->deadline && !call->done)
        {
          call->fired = TRUE;
          g_cancellable_cancel (call->op);
          break;
        }
    }
  g_mutex_unlock (&call->mutex);
  return NULL;
}

static gboolean
watchdog_stop (PmRemoteCall *call)
{
  g_mutex_lock (&call->mutex);
  call->done = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->mutex);
  g_thread_join (call->thread);
  return call->fired;
}

static void
forward_cancel (GCancellable *cancellable,
                gpointer      op)
{
  g_cancellable_cancel (G_CANCELLABLE (op));
}

/* ---------------------------------------------------------------- origins and labels */

/* "host:port" (or "host") of @uri, or NULL when it names no host. */
static char *
uri_label (GUri *uri)
{
  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return NULL;
  if (g_uri_get_port (uri) > 0)
    return g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));
  return g_strdup (g_uri_get_host (uri));
}

static char *
url_label (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  char *label = uri_label (uri);

  return label != NULL ? label : g_strdup ("the remote editor");
}

static int
effective_port (GUri *uri)
{
  if (g_uri_get_port (uri) > 0)
    return g_uri_get_port (uri);
  return g_strcmp0 (g_uri_get_scheme (uri), "https") == 0 ? 443 : 80;
}

static gboolean
same_origin (GUri *a,
             GUri *b)
{
  return a != NULL && b != NULL &&
         g_ascii_strcasecmp (g_uri_get_scheme (a), g_uri_get_scheme (b)) == 0 &&
         g_uri_get_host (a) != NULL && g_uri_get_host (b) != NULL &&
         g_ascii_strcasecmp (g_uri_get_host (a), g_uri_get_host (b)) == 0 &&
         effective_port (a) == effective_port (b);
}

/* Where a 3xx answer points ("host:port"), or a description when it names no host. */
static char *
redirect_target (SoupMessage *msg)
{
  const char *location = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                       "Location");
  g_autoptr(GUri) target = NULL;
  char *label;

  if (location == NULL)
    return g_strdup ("nowhere (no Location header)");
  target = g_uri_parse_relative (soup_message_get_uri (msg), location, SOUP_HTTP_URI_FLAGS,
                                 NULL);
  label = uri_label (target);
  return label != NULL ? label : g_strdup ("an unreadable location");
}

/* ---------------------------------------------------------------- the call */

PmRemoteCall *
pm_remote_call_new (const char     *endpoint,
                    const char     *key,
                    PmRemoteAuth    auth,
                    double          timeout_s,
                    PmProgressFunc  progress,
                    gpointer        progress_data,
                    GCancellable   *cancellable)
{
  PmRemoteCall *call = g_new0 (PmRemoteCall, 1);
  gsize len = strlen (endpoint);

  while (len > 0 && endpoint[len - 1] == '/')
    len--;
  call->endpoint = g_strndup (endpoint, len);
  call->endpoint_uri = g_uri_parse (call->endpoint, SOUP_HTTP_URI_FLAGS, NULL);
  call->label = url_label (call->endpoint);
  call->key = key != NULL && *key != '\0' ? g_strdup (key) : NULL;
  call->auth = auth;
  call->timeout_s = timeout_s;
  call->progress = progress;
  call->progress_data = progress_data;
  call->user = cancellable;
  call->op = g_cancellable_new ();
  call->session = soup_session_new_with_options ("timeout", (guint) ceil (timeout_s),
                                                 "idle-timeout", (guint) 30,
                                                 "user-agent", "Paintmask/" PACKAGE_VERSION,
                                                 NULL);
  if (cancellable != NULL)
    call->handler = g_cancellable_connect (cancellable, G_CALLBACK (forward_cancel),
                                           g_object_ref (call->op), g_object_unref);
  g_mutex_init (&call->mutex);
  g_cond_init (&call->cond);
  call->deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  call->thread = g_thread_new ("pm-remote-deadline", watchdog_thread, call);
  return call;
}

gboolean
pm_remote_call_end (PmRemoteCall  *call,
                    gboolean       ok,
                    GError        *local,
                    GError       **error)
{
  gboolean fired = watchdog_stop (call);

  if (call->user != NULL)
    g_cancellable_disconnect (call->user, call->handler);
  if (!ok)
    {
      g_autofree char *message = NULL;

      g_assert (local != NULL);
      if (g_cancellable_is_cancelled (call->user))
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
      else if (fired || g_error_matches (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        /* libsoup's own timeout is the same number of seconds (of silence, where the
         * watchdog counts from the start): on a busy machine it may fire first */
        g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                     "%s did not answer within %.0f s", call->label, call->timeout_s);
      else if (local->domain == PM_ENGINE_ERROR)
        {
          message = pm_remote_call_redact (call, local->message);
          g_set_error_literal (error, local->domain, local->code, message);
        }
      else
        {
          message = pm_remote_call_redact (call, local->message);
          g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                       "Could not reach %s: %s", call->label, message);
        }
    }
  g_clear_error (&local);

  g_mutex_clear (&call->mutex);
  g_cond_clear (&call->cond);
  g_clear_object (&call->session);
  g_clear_object (&call->op);
  g_clear_pointer (&call->endpoint_uri, g_uri_unref);
  g_free (call->endpoint);
  g_free (call->label);
  if (call->key != NULL)
    memset (call->key, 0, strlen (call->key));
  g_free (call->key);
  g_free (call);
  return ok;
}

const char *
pm_remote_call_get_endpoint (PmRemoteCall *call)
{
  return call->endpoint;
}

const char *
pm_remote_call_get_label (PmRemoteCall *call)
{
  return call->label;
}

char *
pm_remote_call_url (PmRemoteCall *call,
                    const char   *path_format,
                    ...)
{
  g_autofree char *path = NULL;
  va_list args;

  va_start (args, path_format);
  path = g_strdup_vprintf (path_format, args);
  va_end (args);
  return g_strconcat (call->endpoint, path, NULL);
}

void
pm_remote_call_progress (PmRemoteCall *call,
                         const char   *stage,
                         double        fraction)
{
  if (call->progress != NULL)
    call->progress (stage, fraction, call->progress_data);
}

gboolean
pm_remote_call_sleep (PmRemoteCall  *call,
                      double         seconds,
                      GError       **error)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  if (call->replay != NULL)
    end = 0;
  while (g_get_monotonic_time () < end && !g_cancellable_is_cancelled (call->op))
    g_usleep (20 * 1000);
  return !g_cancellable_set_error_if_cancelled (call->op, error);
}

/* ---------------------------------------------------------------- redaction */

char *
pm_remote_call_redact (PmRemoteCall *call,
                       const char   *text)
{
  GString *out = g_string_new (NULL);
  gsize key_len = call->key != NULL ? strlen (call->key) : 0;
  gsize n = text != NULL ? strlen (text) : 0;

  for (gsize i = 0; i < n; )
    {
      gsize run = 0;

      if (key_len > 0 && key_len < KEY_PIECE_CHARS)
        {
          if (strncmp (text + i, call->key, key_len) == 0)
            run = key_len;
        }
      else if (key_len > 0 && n - i >= KEY_PIECE_CHARS)
        {
          /* A piece of the key starts here: extend it as far as it stays one. */
          g_autofree char *piece = g_strndup (text + i, KEY_PIECE_CHARS);
          if (strstr (call->key, piece) != NULL)
            {
              run = KEY_PIECE_CHARS;
              while (i + run < n && run < key_len)
                {
                  g_autofree char *longer = g_strndup (text + i, run + 1);
                  if (strstr (call->key, longer) == NULL)
                    break;
                  run++;
                }
            }
        }

      if (run > 0)
        {
          g_string_append (out, "[key]");
          i += run;
        }
      else
        {
          char c = text[i++];
          g_string_append_c (out, c == '\n' || c == '\r' ? ' ' : c);
        }
    }
  return g_string_free (out, FALSE);
}

/* ---------------------------------------------------------------- exchange */

typedef struct {
  guint   status;
  char   *reason;
  GBytes *body;
  char   *retry_after;
} Exchange;

static void
exchange_clear (Exchange *ex)
{
  g_clear_pointer (&ex->reason, g_free);
  g_clear_pointer (&ex->body, g_bytes_unref);
  g_clear_pointer (&ex->retry_after, g_free);
  ex->status = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Exchange, exchange_clear)

void
pm_remote_call_set_replay (PmRemoteCall       *call,
                           PmRemoteReplayFunc  func,
                           gpointer            data)
{
  call->replay = func;
  call->replay_data = data;
}

/* The replayed answer to @msg, checked as one from the network would be. */
static gboolean
exchange_replay (PmRemoteCall  *call,
                 SoupMessage   *msg,
                 Exchange      *ex,
                 GError       **error)
{
  g_autofree char *url = g_uri_to_string (soup_message_get_uri (msg));

  if (g_cancellable_set_error_if_cancelled (call->op, error))
    return FALSE;
  ex->status = 404;
  ex->body = call->replay (soup_message_get_method (msg), url, &ex->status, call->replay_data);
  ex->reason = g_strdup (soup_status_get_phrase (ex->status));
  if (SOUP_STATUS_IS_REDIRECTION (ex->status))
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                   "%s answered %u; redirects are not followed", call->label, ex->status);
      return FALSE;
    }
  if (ex->body != NULL && g_bytes_get_size (ex->body) > PM_REMOTE_MAX_RESPONSE_BYTES)
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                   "The server's reply is too large (over %d MB)",
                   (int) (PM_REMOTE_MAX_RESPONSE_BYTES >> 20));
      return FALSE;
    }
  if (ex->body == NULL)
    ex->body = g_bytes_new (NULL, 0);
  return TRUE;
}

/* Sends @msg and reads the body, refusing more than PM_REMOTE_MAX_RESPONSE_BYTES. */
static gboolean
exchange_send (PmRemoteCall  *call,
               SoupMessage   *msg,
               Exchange      *ex,
               GError       **error)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GByteArray) buf = NULL;
  SoupMessageHeaders *headers;
  goffset declared;
  guint8 chunk[64 * 1024];

  /* The photo and the key go to the configured host only: a 3xx is an answer, not an
   * instruction to send them elsewhere. */
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  if (call->replay != NULL)
    return exchange_replay (call, msg, ex, error);
  stream = soup_session_send (call->session, msg, call->op, error);
  if (stream == NULL)
    return FALSE;

  ex->status = soup_message_get_status (msg);
  ex->reason = g_strdup (soup_message_get_reason_phrase (msg));
  headers = soup_message_get_response_headers (msg);
  if (SOUP_STATUS_IS_REDIRECTION (ex->status))
    {
      g_autofree char *from = uri_label (soup_message_get_uri (msg));
      g_autofree char *to = redirect_target (msg);

      g_input_stream_close (stream, NULL, NULL);
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                   "%s answered %u, redirecting to %s; redirects are not followed (the photo "
                   "and key go to the configured host only)", from, ex->status, to);
      return FALSE;
    }
  ex->retry_after = g_strdup (soup_message_headers_get_one (headers, "Retry-After"));
  declared = soup_message_headers_get_content_length (headers);
  if (declared > (goffset) PM_REMOTE_MAX_RESPONSE_BYTES)
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                   "The server's reply is too large (%" G_GOFFSET_FORMAT " MB; the limit is %d MB)",
                   declared / (1024 * 1024), (int) (PM_REMOTE_MAX_RESPONSE_BYTES >> 20));
      return FALSE;
    }

  buf = g_byte_array_new ();
  for (;;)
    {
      gssize n = g_input_stream_read (stream, chunk, sizeof chunk, call->op, error);
      if (n < 0)
        return FALSE;
      if (n == 0)
        break;
      if (buf->len + (gsize) n > PM_REMOTE_MAX_RESPONSE_BYTES)
        {
          g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                       "The server's reply is too large (over %d MB)",
                       (int) (PM_REMOTE_MAX_RESPONSE_BYTES >> 20));
          return FALSE;
        }
      g_byte_array_append (buf, chunk, n);
    }
  g_input_stream_close (stream, NULL, NULL);
  ex->body = g_byte_array_free_to_bytes (g_steal_pointer (&buf));
  return TRUE;
}

static gboolean
is_retryable (guint status)
{
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

/* The server's message, made fit for an error line: bounded, one line, without the key
 * (a server may echo what it was sent). */
static char *
clean_server_message (PmRemoteCall *call,
                      const char   *message)
{
  g_autofree char *head = g_utf8_make_valid (message, MIN (strlen (message), 4 * MAX_MESSAGE_CHARS));
  g_autofree char *redacted = pm_remote_call_redact (call, head);

  if (g_utf8_strlen (redacted, -1) <= MAX_MESSAGE_CHARS)
    return g_strdup (g_strstrip (redacted));
  {
    g_autofree char *cut = g_utf8_substring (redacted, 0, MAX_MESSAGE_CHARS);
    return g_strconcat (g_strstrip (cut), "…", NULL);
  }
}

/* Puts the key on @msg when it goes to the endpoint's origin; never elsewhere. */
static void
attach_key (PmRemoteCall *call,
            SoupMessage  *msg)
{
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  g_autofree char *value = NULL;

  if (call->key == NULL || !same_origin (soup_message_get_uri (msg), call->endpoint_uri))
    return;
  switch (call->auth)
    {
    case PM_REMOTE_AUTH_BEARER:
      value = g_strdup_printf ("Bearer %s", call->key);
      soup_message_headers_replace (headers, "Authorization", value);
      break;
    case PM_REMOTE_AUTH_KEY:
      value = g_strdup_printf ("Key %s", call->key);
      soup_message_headers_replace (headers, "Authorization", value);
      break;
    case PM_REMOTE_AUTH_GOOG:
      soup_message_headers_replace (headers, "x-goog-api-key", call->key);
      break;
    default:
      g_assert_not_reached ();
    }
  if (value != NULL)
    memset (value, 0, strlen (value));
}

GBytes *
pm_remote_call_request (PmRemoteCall      *call,
                        const char        *method,
                        const char        *url,
                        const char        *content_type,
                        GBytes            *body,
                        PmRemoteErrorFunc  error_message,
                        GError           **error)
{
  g_autofree char *label = url_label (url);
  double backoff = 0.5;

  for (int attempt = 1; ; attempt++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new (method, url);
      g_auto(Exchange) ex = { 0 };

      if (msg == NULL)
        {
          g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                       "“%s” is not a valid URL", url);
          return NULL;
        }
      if (body != NULL)
        soup_message_set_request_body_from_bytes (msg, content_type, body);
      attach_key (call, msg);
      if (!exchange_send (call, msg, &ex, error))
        return NULL;
      if (ex.status >= 200 && ex.status < 300)
        return g_steal_pointer (&ex.body);

      if (is_retryable (ex.status) && attempt < MAX_ATTEMPTS)
        {
          double wait = backoff;
          g_autofree char *stage = NULL;

          if (ex.retry_after != NULL)
            {
              double ra = g_ascii_strtod (ex.retry_after, NULL);
              if (ra > 0)
                wait = ra;
            }
          wait = MIN (wait, MAX_BACKOFF_S);
          stage = g_strdup_printf ("server busy (HTTP %u), retrying in %.1f s", ex.status, wait);
          pm_remote_call_progress (call, stage, 0.1);
          g_debug ("%s", stage);
          if (!pm_remote_call_sleep (call, wait, error))
            return NULL;
          backoff *= 2;
          continue;
        }

      {
        g_autofree char *server_msg = error_message != NULL && ex.body != NULL
                                      ? error_message (ex.body) : NULL;
        g_autofree char *clean = server_msg != NULL ? clean_server_message (call, server_msg)
                                                    : NULL;
        g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                     "%s answered %u %s%s%s", label, ex.status,
                     ex.reason != NULL ? ex.reason : "",
                     clean != NULL ? ": " : "", clean != NULL ? clean : "");
        return NULL;
      }
    }
}

JsonObject *
pm_remote_call_request_json (PmRemoteCall      *call,
                             const char        *method,
                             const char        *url,
                             const char        *content_type,
                             GBytes            *body,
                             PmRemoteErrorFunc  error_message,
                             GError           **error)
{
  g_autoptr(GBytes) reply = pm_remote_call_request (call, method, url, content_type, body,
                                                    error_message, error);

  if (reply == NULL)
    return NULL;
  return pm_remote_parse_object (reply, error);
}

/* ---------------------------------------------------------------- abandoning queued work */

void
pm_remote_call_abandon (PmRemoteCall *call,
                        const char   *method,
                        const char   *url,
                        const char   *content_type,
                        GBytes       *body)
{
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;

  if (msg == NULL || call->replay != NULL)
    return;
  /* The run is over (cancelled, or out of time): a short request of its own, so a server
   * that does not answer costs two seconds at most. */
  session = soup_session_new_with_options ("timeout", 2u, "idle-timeout", 2u,
                                           "user-agent", "Paintmask/" PACKAGE_VERSION, NULL);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, content_type, body);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  attach_key (call, msg);
  reply = soup_session_send_and_read (session, msg, NULL, &error);
  if (reply == NULL)
    g_debug ("Could not withdraw the queued job: %s", error->message);
}

/* ---------------------------------------------------------------- images by URL */

static PmImage *
decode_data_url (const char  *url,
                 GError     **error)
{
  const char *comma = strchr (url, ',');

  if (comma == NULL || g_strstr_len (url, comma - url, ";base64") == NULL)
    {
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                           "The server's image data URL is not base64");
      return NULL;
    }
  return pm_remote_decode_image (comma + 1, error);
}

PmImage *
pm_remote_call_fetch_image (PmRemoteCall       *call,
                            const char         *url,
                            PmRemoteHostFilter  allow_foreign,
                            GError            **error)
{
  g_autoptr(GUri) target = NULL;
  g_autofree char *absolute = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) local = NULL;
  PmImage *image;

  if (url == NULL || *url == '\0')
    {
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                           "The server's reply has an empty image URL");
      return NULL;
    }
  if (g_ascii_strncasecmp (url, "data:", 5) == 0)
    return decode_data_url (url, error);

  /* The engine never fetches from wherever a reply says: the endpoint's origin, or a
   * result host the profile lists (which then gets no key: attach_key() checks). */
  target = call->endpoint_uri != NULL
           ? g_uri_parse_relative (call->endpoint_uri, url, SOUP_HTTP_URI_FLAGS, NULL) : NULL;
  absolute = target != NULL ? g_uri_to_string (target) : NULL;
  if (target == NULL ||
      (!same_origin (target, call->endpoint_uri) &&
       (allow_foreign == NULL || !allow_foreign (absolute))))
    {
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                           "The server's image URL points at another server; not fetched");
      return NULL;
    }

  pm_remote_call_progress (call, "downloading the edited image", 0.9);
  body = pm_remote_call_request (call, "GET", absolute, NULL, NULL,
                                 pm_remote_error_message_common, error);
  if (body == NULL)
    return NULL;
  image = pm_image_load_bytes (body, PM_IMAGE_DEFAULT_MAX_PIXELS, &local);
  if (image == NULL)
    g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                 "The server's image could not be read: %s", local->message);
  return image;
}
