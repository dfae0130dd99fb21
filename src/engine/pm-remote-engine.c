/* pm-remote-engine.c: ask a generative image editor over HTTP to paint the object.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine returns the server's edited image; the pipeline resamples it and derives the
 * mask from the difference, exactly as for an edit imported from elsewhere. HTTP details
 * live here (timeouts, bounded retries on 429/5xx, a response size cap, cancellation at any
 * moment); the wire format lives in a PmRemoteProtocol. The API key never reaches logs,
 * error messages or the history.
 */
#define G_LOG_DOMAIN "pm-remote"

#include "config.h"
#include "pm-remote.h"
#include "pm-derive.h"

#include <math.h>
#include <string.h>
#include <libsecret/secret.h>

#define MAX_ATTEMPTS      4     /* one try and three retries */
#define MAX_BACKOFF_S     8.0

typedef struct {
  PmEngine                parent;
  GMutex                  lock;          /* one run at a time */
  const PmRemoteProtocol *protocol;
  char                   *endpoint;
  char                   *model;
  char                   *api_key;       /* may be NULL */
  char                   *prompt_template;
  double                  timeout_s;
} PmRemoteEngine;

/* ---------------------------------------------------------------- prompt, base64 */

static const char *
position_phrase (PmPosition position)
{
  switch (position)
    {
    case PM_POSITION_LEFT: return "on the left";
    case PM_POSITION_RIGHT: return "on the right";
    case PM_POSITION_TOP: return "at the top";
    case PM_POSITION_BOTTOM: return "at the bottom";
    case PM_POSITION_TOP_LEFT: return "in the upper left";
    case PM_POSITION_TOP_RIGHT: return "in the upper right";
    case PM_POSITION_BOTTOM_LEFT: return "in the lower left";
    case PM_POSITION_BOTTOM_RIGHT: return "in the lower right";
    case PM_POSITION_CENTER: return "in the centre";
    case PM_POSITION_NONE:
    default: return NULL;
    }
}

static const char *
side_word (PmPosition position)
{
  switch (position)
    {
    case PM_POSITION_LEFT: return "left";
    case PM_POSITION_RIGHT: return "right";
    case PM_POSITION_TOP: return "top";
    case PM_POSITION_BOTTOM: return "bottom";
    default: return NULL;
    }
}

/* "the second banana from the left in the upper right", rebuilt from the parsed qualifiers
 * so the remote model sees them even though the target phrase no longer carries them. */
static char *
describe_target (const PmInstruction *instruction)
{
  static const char *ordinals[] = { NULL, "first", "second", "third", "fourth", "fifth",
                                    "sixth", "seventh", "eighth", "ninth", "tenth" };
  GString *s = g_string_new (NULL);
  const char *target = instruction->target != NULL && *instruction->target != '\0'
                       ? instruction->target : "main object";
  const char *pos = position_phrase (instruction->position);

  if (instruction->size_rank == PM_SIZE_RANK_LARGEST)
    g_string_append (s, "largest ");
  else if (instruction->size_rank == PM_SIZE_RANK_SMALLEST)
    g_string_append (s, "smallest ");
  if (instruction->ordinal == -1)
    g_string_append (s, "last ");
  else if (instruction->ordinal > 0 && instruction->ordinal < (int) G_N_ELEMENTS (ordinals))
    g_string_append_printf (s, "%s ", ordinals[instruction->ordinal]);
  g_string_append (s, target);
  if (instruction->ordinal != 0 && side_word (instruction->ordinal_from) != NULL)
    g_string_append_printf (s, " from the %s", side_word (instruction->ordinal_from));
  if (pos != NULL)
    g_string_append_printf (s, " %s", pos);
  return g_string_free (s, FALSE);
}

char *
pm_remote_build_prompt (const char          *template_,
                        const PmInstruction *instruction)
{
  g_autofree char *target = describe_target (instruction);
  g_autofree char *color = NULL;
  GString *out = g_string_new (NULL);
  const char *p;

  if (instruction->has_color && instruction->color_name != NULL &&
      instruction->color_name[0] != '#')
    color = g_strdup (instruction->color_name);
  else if (instruction->has_color)
    color = g_strdup_printf ("the colour %s", instruction->color_name != NULL
                             ? instruction->color_name : "magenta");
  else
    color = g_strdup ("bright magenta");

  if (template_ == NULL || *template_ == '\0')
    template_ = PM_REMOTE_DEFAULT_PROMPT;
  for (p = template_; *p != '\0'; )
    {
      if (g_str_has_prefix (p, "{target}"))
        {
          g_string_append (out, target);
          p += strlen ("{target}");
        }
      else if (g_str_has_prefix (p, "{color}"))
        {
          g_string_append (out, color);
          p += strlen ("{color}");
        }
      else
        g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

GBytes *
pm_remote_base64_decode (const char  *text,
                         gsize        length,
                         GError     **error)
{
  g_autofree char *clean = g_malloc (length + 1);
  gsize n = 0, pad = 0;
  guchar *out;
  gsize out_len = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];
      if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
        continue;
      if (c == '=')
        {
          pad++;
          clean[n++] = c;
          continue;
        }
      if (pad > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        {
          g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                       "The server's image is not valid base64 (bad character at offset %"
                       G_GSIZE_FORMAT ")", i);
          return NULL;
        }
      clean[n++] = c;
    }
  if (n == 0 || n % 4 != 0 || pad > 2)
    {
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                           "The server's image is not valid base64 (bad length or padding)");
      return NULL;
    }
  clean[n] = '\0';
  out = g_base64_decode (clean, &out_len);
  return g_bytes_new_take (out, out_len);
}

/* ---------------------------------------------------------------- deadline watchdog */

/* A thread that cancels the operation when the overall deadline passes. Sync libsoup calls
 * only honour the I/O timeout between bytes; a server that trickles a byte a second would
 * otherwise hold a run forever. */
typedef struct {
  GMutex        mutex;
  GCond         cond;
  gboolean      done;
  gboolean      fired;
  gint64        deadline;   /* monotonic µs */
  GCancellable *op;
  GThread      *thread;
} Watchdog;

static gpointer
watchdog_thread (gpointer data)
{
  Watchdog *w = data;

  g_mutex_lock (&w->mutex);
  while (!w->done)
    {
      if (!g_cond_wait_until (&w->cond, &w->mutex, w->deadline) &&
          g_get_monotonic_time () >= w->deadline && !w->done)
        {
          w->fired = TRUE;
          g_cancellable_cancel (w->op);
          break;
        }
    }
  g_mutex_unlock (&w->mutex);
  return NULL;
}

static void
watchdog_start (Watchdog     *w,
                GCancellable *op,
                double        timeout_s)
{
  g_mutex_init (&w->mutex);
  g_cond_init (&w->cond);
  w->done = FALSE;
  w->fired = FALSE;
  w->op = op;
  w->deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  w->thread = g_thread_new ("pm-remote-deadline", watchdog_thread, w);
}

static gboolean
watchdog_stop (Watchdog *w)
{
  gboolean fired;

  g_mutex_lock (&w->mutex);
  w->done = TRUE;
  g_cond_signal (&w->cond);
  g_mutex_unlock (&w->mutex);
  g_thread_join (w->thread);
  fired = w->fired;
  g_mutex_clear (&w->mutex);
  g_cond_clear (&w->cond);
  return fired;
}

static void
forward_cancel (GCancellable *cancellable,
                gpointer      op)
{
  g_cancellable_cancel (G_CANCELLABLE (op));
}

/* ---------------------------------------------------------------- HTTP exchange */

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
endpoint_label (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  char *label = uri_label (uri);

  return label != NULL ? label : g_strdup ("the remote editor");
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

/* Sends @msg and reads the body, refusing more than PM_REMOTE_MAX_RESPONSE_BYTES. */
static gboolean
exchange_send (SoupSession    *session,
               SoupMessage    *msg,
               PmProgressFunc  progress,
               gpointer        progress_data,
               GCancellable   *op,
               Exchange       *ex,
               GError        **error)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GByteArray) buf = NULL;
  SoupMessageHeaders *headers;
  goffset declared;
  const char *ra;
  guint8 chunk[64 * 1024];

  if (progress)
    progress ("waiting for the editor", 0.1, progress_data);
  /* The photo and the key go to the configured host only: a 3xx is an answer, not an
   * instruction to send them elsewhere. */
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  stream = soup_session_send (session, msg, op, error);
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
  ra = soup_message_headers_get_one (headers, "Retry-After");
  ex->retry_after = g_strdup (ra);
  declared = soup_message_headers_get_content_length (headers);
  if (declared > (goffset) PM_REMOTE_MAX_RESPONSE_BYTES)
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                   "The server's reply is too large (%" G_GOFFSET_FORMAT " MB; the limit is %d MB)",
                   declared / (1024 * 1024), (int) (PM_REMOTE_MAX_RESPONSE_BYTES >> 20));
      return FALSE;
    }

  if (progress)
    progress ("receiving the edited image", 0.8, progress_data);
  buf = g_byte_array_new ();
  for (;;)
    {
      gssize n = g_input_stream_read (stream, chunk, sizeof chunk, op, error);
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

/* Sleeps @seconds unless @op is cancelled first. */
static gboolean
sleep_cancellable (double        seconds,
                   GCancellable *op)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < end)
    {
      if (g_cancellable_is_cancelled (op))
        return FALSE;
      g_usleep (20 * 1000);
    }
  return !g_cancellable_is_cancelled (op);
}

/* A "url" reply must point back at the same server: the engine never fetches from
 * wherever a reply says. */
static char *
resolve_same_origin (const char  *base_url,
                     const char  *url,
                     GError     **error)
{
  g_autoptr(GUri) base = g_uri_parse (base_url, SOUP_HTTP_URI_FLAGS, NULL);
  g_autoptr(GUri) target = base != NULL ? g_uri_parse_relative (base, url, SOUP_HTTP_URI_FLAGS, NULL)
                                        : NULL;

  if (target == NULL ||
      g_strcmp0 (g_uri_get_scheme (target), g_uri_get_scheme (base)) != 0 ||
      g_strcmp0 (g_uri_get_host (target), g_uri_get_host (base)) != 0 ||
      g_uri_get_port (target) != g_uri_get_port (base))
    {
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                           "The server's image URL points at another server; not fetched");
      return NULL;
    }
  return g_uri_to_string (target);
}

/* ---------------------------------------------------------------- engine */

static gboolean
remote_request (PmRemoteEngine       *self,
                SoupSession          *session,
                GBytes               *png,
                const char           *prompt,
                PmProgressFunc        progress,
                gpointer              progress_data,
                GCancellable         *op,
                PmImage             **out,
                GError              **error)
{
  PmRemoteRequest request = {
    .base_url = self->endpoint,
    .model = self->model,
    .prompt = prompt,
    .image_png = png,
    .api_key = self->api_key,
  };
  g_autofree char *label = endpoint_label (self->endpoint);
  double backoff = 0.5;

  for (int attempt = 1; ; attempt++)
    {
      g_autoptr(SoupMessage) msg = self->protocol->build_request (&request, error);
      g_auto(Exchange) ex = { 0 };
      PmRemoteReply reply = { 0 };

      if (msg == NULL)
        return FALSE;
      if (self->api_key != NULL && *self->api_key != '\0')
        {
          g_autofree char *auth = g_strdup_printf ("Bearer %s", self->api_key);
          soup_message_headers_replace (soup_message_get_request_headers (msg),
                                        "Authorization", auth);
        }
      if (progress)
        progress ("sending the photo", 0.05, progress_data);
      if (!exchange_send (session, msg, progress, progress_data, op, &ex, error))
        return FALSE;

      if (ex.status >= 200 && ex.status < 300)
        {
          if (!self->protocol->parse_reply (ex.body, &reply, error))
            return FALSE;
          if (reply.image == NULL)
            {
              g_autofree char *url = resolve_same_origin (self->endpoint, reply.url, error);
              g_autoptr(SoupMessage) get = NULL;
              g_auto(Exchange) img = { 0 };
              g_autoptr(GError) local = NULL;

              g_free (reply.url);
              if (url == NULL)
                return FALSE;
              get = soup_message_new ("GET", url);
              if (!exchange_send (session, get, progress, progress_data, op, &img, error))
                return FALSE;
              if (img.status != 200)
                {
                  g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                               "%s answered %u %s when fetching the edited image", label,
                               img.status, img.reason != NULL ? img.reason : "");
                  return FALSE;
                }
              reply.image = pm_image_load_bytes (img.body, PM_IMAGE_DEFAULT_MAX_PIXELS, &local);
              if (reply.image == NULL)
                {
                  g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                               "The server's image could not be read: %s", local->message);
                  return FALSE;
                }
            }
          *out = reply.image;
          return TRUE;
        }

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
          if (progress)
            progress (stage, 0.1, progress_data);
          g_debug ("%s", stage);
          if (!sleep_cancellable (wait, op))
            {
              g_cancellable_set_error_if_cancelled (op, error);
              return FALSE;
            }
          backoff *= 2;
          continue;
        }

      {
        g_autofree char *server_msg = self->protocol->error_message (ex.body);
        g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                     "%s answered %u %s%s%s", label, ex.status,
                     ex.reason != NULL ? ex.reason : "",
                     server_msg != NULL ? ": " : "", server_msg != NULL ? server_msg : "");
        return FALSE;
      }
    }
}

static gboolean
remote_run (PmEngine             *engine,
            const PmImage        *image,
            const PmInstruction  *instruction,
            PmProgressFunc        progress,
            gpointer              progress_data,
            GCancellable         *cancellable,
            PmEngineResult       *result,
            GError              **error)
{
  PmRemoteEngine *self = (PmRemoteEngine *) engine;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(GCancellable) op = g_cancellable_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autofree char *prompt = NULL;
  g_autofree char *label = endpoint_label (self->endpoint);
  g_autoptr(GError) local = NULL;
  PmImage *edited = NULL;
  Watchdog watchdog;
  gulong handler = 0;
  gboolean ok, fired;
  double t0 = pm_now_ms ();

  png = pm_image_encode_png (image, error);
  if (png == NULL)
    return FALSE;
  prompt = pm_remote_build_prompt (self->prompt_template, instruction);
  pm_timings_add (result->timings, "encode request", pm_now_ms () - t0);

  session = soup_session_new_with_options ("timeout", (guint) ceil (self->timeout_s),
                                           "idle-timeout", (guint) 30,
                                           "user-agent", "Paintmask/" PACKAGE_VERSION,
                                           NULL);
  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (forward_cancel),
                                     g_object_ref (op), g_object_unref);
  watchdog_start (&watchdog, op, self->timeout_s);

  t0 = pm_now_ms ();
  ok = remote_request (self, session, png, prompt, progress, progress_data, op, &edited, &local);
  fired = watchdog_stop (&watchdog);
  if (cancellable != NULL)
    g_cancellable_disconnect (cancellable, handler);
  pm_timings_add (result->timings, "remote edit", pm_now_ms () - t0);

  if (!ok)
    {
      if (g_cancellable_is_cancelled (cancellable))
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
      else if (fired)
        g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                     "%s did not answer within %.0f s", label, self->timeout_s);
      else if (local->domain == PM_ENGINE_ERROR)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                     "Could not reach %s: %s", label, local->message);
      return FALSE;
    }

  /* The same rule as `paintmask derive` and imports: a reply of another shape or another
   * picture is not an edit of the photo, and no mask could be read off it. */
  if (!pm_derive_check_edit (image, edited, &local))
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_FAILED,
                   "%s returned an image that is not an edit of the photo: %s", label,
                   local->message);
      pm_image_free (edited);
      return FALSE;
    }
  result->edited = edited;
  result->model = g_strdup_printf ("%s@%s", self->model, label);
  if (edited->width != image->width || edited->height != image->height)
    result->message = g_strdup_printf ("The editor returned %d×%d for a %d×%d photo; resampled",
                                       edited->width, edited->height,
                                       image->width, image->height);
  if (progress)
    progress ("edited image received", 1.0, progress_data);
  return TRUE;
}

static void
remote_finalize (PmEngine *engine)
{
  PmRemoteEngine *self = (PmRemoteEngine *) engine;

  g_mutex_clear (&self->lock);
  g_free (self->endpoint);
  g_free (self->model);
  if (self->api_key != NULL)
    memset (self->api_key, 0, strlen (self->api_key));
  g_free (self->api_key);
  g_free (self->prompt_template);
  g_free (self);
}

static const PmEngineClass remote_class = {
  .name = "remote",
  .run = remote_run,
  .finalize = remote_finalize,
};

/* Keys live in the keyring, one per endpoint. */
static const SecretSchema remote_secret_schema = {
  "org.paintmask.Paintmask.ApiKey", SECRET_SCHEMA_NONE,
  { { "endpoint", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } },
};

gboolean
pm_remote_store_api_key (const char    *endpoint,
                         const char    *key,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_return_val_if_fail (endpoint != NULL, FALSE);
  if (key == NULL || *key == '\0')
    {
      g_autoptr(GError) local = NULL;
      secret_password_clear_sync (&remote_secret_schema, cancellable, &local,
                                  "endpoint", endpoint, NULL);
      if (local != NULL)
        {
          g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_FAILED,
                       "Could not remove the API key from the keyring: %s", local->message);
          return FALSE;
        }
      return TRUE;
    }
  {
    g_autofree char *label = g_strdup_printf ("Paintmask API key for %s", endpoint);
    g_autoptr(GError) local = NULL;
    if (!secret_password_store_sync (&remote_secret_schema, SECRET_COLLECTION_DEFAULT, label,
                                     key, cancellable, &local, "endpoint", endpoint, NULL))
      {
        g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_FAILED,
                     "Could not store the API key in the keyring: %s", local->message);
        return FALSE;
      }
    return TRUE;
  }
}

/* The key: given in the options, else $PAINTMASK_API_KEY, else the keyring (only when a
 * session bus exists, so a headless run never blocks or warns). */
static char *
lookup_api_key (const PmEngineOptions *options)
{
  const char *env;

  if (options->api_key != NULL && *options->api_key != '\0')
    return g_strdup (options->api_key);
  env = g_getenv ("PAINTMASK_API_KEY");
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL)
    {
      g_autoptr(GError) error = NULL;
      char *key = secret_password_lookup_sync (&remote_secret_schema, NULL, &error,
                                               "endpoint", options->endpoint, NULL);
      if (key != NULL)
        {
          char *copy = g_strdup (key);
          secret_password_free (key);
          return copy;
        }
      if (error != NULL)
        g_debug ("No API key from the keyring: %s", error->message);
    }
  return NULL;
}

PmEngine *
pm_remote_engine_new (const PmEngineOptions *options,
                      GError               **error)
{
  PmRemoteEngine *self;
  g_autoptr(GUri) uri = NULL;

  if (options == NULL || options->endpoint == NULL || *options->endpoint == '\0')
    {
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                           "No remote editor configured: set an endpoint in Preferences "
                           "or pass --endpoint URL");
      return NULL;
    }
  uri = g_uri_parse (options->endpoint, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL || (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
                      g_strcmp0 (g_uri_get_scheme (uri), "https") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                   "Endpoint “%s” is not an http:// or https:// URL", options->endpoint);
      return NULL;
    }
  if (options->timeout_s < 0 || options->timeout_s > 3600)
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                   "Timeout %.1f s is out of range (0–3600)", options->timeout_s);
      return NULL;
    }

  self = g_new0 (PmRemoteEngine, 1);
  self->parent.klass = &remote_class;
  self->parent.ref_count = 1;
  g_mutex_init (&self->lock);
  self->protocol = &pm_remote_protocol_openai;
  self->endpoint = g_strdup (options->endpoint);
  self->model = g_strdup (options->remote_model != NULL && *options->remote_model != '\0'
                          ? options->remote_model : PM_REMOTE_DEFAULT_MODEL);
  self->api_key = lookup_api_key (options);
  self->prompt_template = g_strdup (options->prompt_template);
  self->timeout_s = options->timeout_s > 0 ? options->timeout_s : PM_REMOTE_DEFAULT_TIMEOUT_S;
  return &self->parent;
}
