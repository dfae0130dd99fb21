/* pm-remote-engine.c: ask a generative image editor over HTTP to paint the object.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine prepares the job (the photo, scaled to what generators work at; the prompt
 * items; the profile's recommended options under the user's), runs the profile's protocol
 * over a PmRemoteCall, and returns the server's image at the original's size. The pipeline
 * derives the mask from the difference, exactly as for an edit imported from elsewhere. The
 * API key never reaches logs, error messages or the history.
 */
#define G_LOG_DOMAIN "pm-remote"

#include "config.h"
#include "pm-remote-private.h"
#include "pm-derive.h"

#include <math.h>
#include <string.h>
#include <libsecret/secret.h>


typedef struct {
  PmEngine                    parent;
  GMutex                      lock;          /* one run at a time */
  const PmRemoteProfileClass *profile;
  char                       *endpoint;
  char                       *model;         /* NULL: none named */
  char                       *api_key;       /* may be NULL */
  char                       *prompt_template;
  GHashTable                 *options;       /* key → value: defaults, then the user's */
  double                      timeout_s;
} PmRemoteEngine;

/* ---------------------------------------------------------------- the job */

static void
job_clear (PmRemoteJob *job)
{
  g_clear_pointer (&job->upload, pm_image_free);
  g_clear_pointer (&job->upload_png, g_bytes_unref);
  g_clear_pointer (&job->items, g_ptr_array_unref);
}

static gboolean
job_init (PmRemoteJob         *job,
          PmRemoteEngine      *self,
          const PmImage       *image,
          const PmInstruction *instruction,
          GError             **error)
{
  double max_pixels = g_ascii_strtod (g_hash_table_lookup (self->options, "max_pixels"), NULL);
  double area = (double) image->width * image->height;

  job->original = image;
  job->model = self->model;
  job->options = self->options;
  job->prompt_template = self->prompt_template;
  job->items = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_remote_item_free);
  /* One prompt names every item of a list and its colour. */
  for (guint i = 0; i < pm_instruction_get_n_items (instruction); i++)
    g_ptr_array_add (job->items,
                     pm_remote_item_new_from_instruction (pm_instruction_get_item (instruction, i)));

  /* Generators work near a megapixel; a 12 MP photo would only cost upload time and, on
   * servers that generate at the size asked, memory. The result is resampled back. */
  if (area > max_pixels)
    {
      double s = sqrt (max_pixels / area);
      job->upload = pm_image_resize (image, MAX (1, (int) floor (image->width * s)),
                                     MAX (1, (int) floor (image->height * s)));
    }
  else
    job->upload = pm_image_copy (image);
  job->upload_png = pm_image_encode_png (job->upload, error);
  return job->upload_png != NULL;
}

/* Does @w×@h have the aspect ratio of @ref_w×@ref_h, up to rounding? The tolerance is
 * pm_derive_check_shape()'s, so what is resampled here also passes that check. */
static gboolean
same_shape (int w,
            int h,
            int ref_w,
            int ref_h)
{
  double a = (double) w / h, b = (double) ref_w / ref_h;

  if (ref_w <= 0 || ref_h <= 0)
    return FALSE;
  /* Two pixels of rounding on either side always pass, on small images too. */
  if (fabs (a - b) <= b * PM_DERIVE_MAX_ASPECT_CHANGE)
    return TRUE;
  return fabs ((double) w * ref_h / ref_w - h) <= 2.0 || fabs ((double) h * ref_w / ref_h - w) <= 2.0;
}

/* The server's image at the original's size, when its shape is the photo's or the one the
 * profile asked for; otherwise as it came (and pm_derive_check_edit() refuses it). */
static PmImage *
fit_result (PmImage           *edited,
            const PmRemoteJob *job,
            char             **message)
{
  const PmImage *o = job->original;
  PmImage *fitted;

  if (edited->width == o->width && edited->height == o->height)
    return edited;
  if (!same_shape (edited->width, edited->height, o->width, o->height) &&
      !same_shape (edited->width, edited->height, job->asked_width, job->asked_height))
    return edited;
  *message = g_strdup_printf ("The editor returned %d×%d for a %d×%d photo; resampled",
                              edited->width, edited->height, o->width, o->height);
  fitted = pm_image_resize (edited, o->width, o->height);
  pm_image_free (edited);
  return fitted;
}

/* "host:port" of the endpoint, for messages. */
static char *
endpoint_label (const char *endpoint)
{
  g_autoptr(GUri) uri = g_uri_parse (endpoint, SOUP_HTTP_URI_FLAGS, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return g_strdup ("the remote editor");
  if (g_uri_get_port (uri) > 0)
    return g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));
  return g_strdup (g_uri_get_host (uri));
}

/* "model@host:port" for the history (the profile's name when no model was named). */
static char *
model_label (PmRemoteEngine *self)
{
  g_autofree char *label = endpoint_label (self->endpoint);

  return g_strdup_printf ("%s@%s", self->model != NULL ? self->model : self->profile->name, label);
}

/* ---------------------------------------------------------------- run */

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
  PmRemoteJob job = { 0 };
  PmRemoteCall *call;
  GError *local = NULL;
  PmImage *edited;
  double t0 = pm_now_ms ();

  if (!job_init (&job, self, image, instruction, error))
    {
      job_clear (&job);
      return FALSE;
    }
  pm_timings_add (result->timings, "encode request", pm_now_ms () - t0);

  t0 = pm_now_ms ();
  call = pm_remote_call_new (self->endpoint, self->api_key, self->profile->auth, self->timeout_s,
                             progress, progress_data, cancellable);
  pm_remote_call_progress (call, "sending the photo", 0.05);
  edited = self->profile->edit (call, &job, &local);
  if (!pm_remote_call_end (call, edited != NULL, g_steal_pointer (&local), error))
    {
      job_clear (&job);
      return FALSE;
    }
  pm_timings_add (result->timings, "remote edit", pm_now_ms () - t0);

  edited = fit_result (edited, &job, &result->message);
  /* The same rule as `paintmask derive` and imports: a reply of another shape or another
   * picture is not an edit of the photo, and no mask could be read off it. */
  if (!pm_derive_check_edit (image, edited, &local))
    {
      g_autofree char *label = endpoint_label (self->endpoint);
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_FAILED,
                   "%s returned an image that is not an edit of the photo: %s", label,
                   local->message);
      g_clear_error (&local);
      g_clear_pointer (&result->message, g_free);
      pm_image_free (edited);
      job_clear (&job);
      return FALSE;
    }
  result->edited = edited;
  result->model = model_label (self);
  job_clear (&job);
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
  g_hash_table_unref (self->options);
  g_free (self);
}

static const PmEngineClass remote_class = {
  .name = "remote",
  .paints_lists = TRUE,
  .run = remote_run,
  .finalize = remote_finalize,
};

/* ---------------------------------------------------------------- keys */

/* Keys live in the keyring, one per endpoint. */
static const SecretSchema remote_secret_schema = {
  "io.github.paintmask.Paintmask.ApiKey", SECRET_SCHEMA_NONE,
  { { "endpoint", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } },
};

/* Keys stored before the app ID changed: found once, stored again under the new schema. */
static const SecretSchema legacy_secret_schema = {
  "org.paintmask.Paintmask.ApiKey", SECRET_SCHEMA_NONE,
  { { "endpoint", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } },
};

static char *
lookup_legacy_api_key (const char *endpoint)
{
  g_autoptr(GError) error = NULL;
  char *key = secret_password_lookup_sync (&legacy_secret_schema, NULL, &error,
                                           "endpoint", endpoint, NULL);
  char *copy;

  if (key == NULL)
    return NULL;
  copy = g_strdup (key);
  secret_password_free (key);
  if (pm_remote_store_api_key (endpoint, copy, NULL, &error))
    secret_password_clear_sync (&legacy_secret_schema, NULL, NULL, "endpoint", endpoint, NULL);
  else
    g_debug ("The old API key stays where it was: %s", error->message);
  return copy;
}

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
lookup_api_key (const PmEngineOptions *options,
                const char            *endpoint)
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
                                               "endpoint", endpoint, NULL);
      if (key != NULL)
        {
          char *copy = g_strdup (key);
          secret_password_free (key);
          return copy;
        }
      if (error != NULL)
        g_debug ("No API key from the keyring: %s", error->message);
      else
        return lookup_legacy_api_key (endpoint);
    }
  return NULL;
}

/* ---------------------------------------------------------------- construction */

static gboolean
check_endpoint (const char  *endpoint,
                GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (endpoint, SOUP_HTTP_URI_FLAGS, NULL);

  if (uri == NULL || (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
                      g_strcmp0 (g_uri_get_scheme (uri), "https") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                   "Endpoint “%s” is not an http:// or https:// URL", endpoint);
      return FALSE;
    }
  return TRUE;
}

/* The profile's defaults under the user's options; checks both. */
static GHashTable *
collect_options (PmRemoteProfile        profile,
                 const PmEngineOptions *options,
                 GError               **error)
{
  g_autoptr(GHashTable) table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *max_pixels = g_strdup_printf ("%d", PM_REMOTE_DEFAULT_MAX_PIXELS);

  if (!pm_remote_options_validate (profile, (const char * const *) options->remote_options,
                                   error))
    return NULL;
  for (guint i = 0; options->remote_options != NULL && options->remote_options[i] != NULL; i++)
    {
      const char *kv = options->remote_options[i];
      const char *eq = strchr (kv, '=');
      g_hash_table_insert (table, g_strndup (kv, eq - kv), g_strdup (eq + 1));
    }
  pm_remote_profile_add_defaults (profile, options->remote_model, table);
  if (!g_hash_table_contains (table, "max_pixels"))
    g_hash_table_insert (table, g_strdup ("max_pixels"), g_steal_pointer (&max_pixels));

  /* A workflow file is read now, so a wrong path fails before the photo is sent. */
  if (profile == PM_REMOTE_PROFILE_COMFYUI)
    {
      const char *workflow = g_hash_table_lookup (table, "workflow");
      g_autoptr(JsonObject) loaded = NULL;

      loaded = pm_remote_workflow_load (workflow != NULL ? workflow
                                        : options->remote_model != NULL && *options->remote_model != '\0'
                                        ? options->remote_model
                                        : pm_remote_profile_get_default_model (profile), error);
      if (loaded == NULL)
        return NULL;
    }
  return g_steal_pointer (&table);
}

PmEngine *
pm_remote_engine_new (const PmEngineOptions *options,
                      GError               **error)
{
  PmRemoteEngine *self;
  PmEngineOptions none = { 0 };
  PmRemoteProfile profile = PM_REMOTE_DEFAULT_PROFILE;
  const char *endpoint;
  g_autoptr(GHashTable) table = NULL;

  if (options == NULL)
    options = &none;
  if (options->remote_profile != NULL && *options->remote_profile != '\0' &&
      !pm_remote_profile_from_string (options->remote_profile, &profile))
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNKNOWN,
                   "Unknown remote profile “%s” (known: openai, openai-compatible, sdcpp, "
                   "comfyui, gemini, fal)", options->remote_profile);
      return NULL;
    }
  endpoint = options->endpoint != NULL && *options->endpoint != '\0'
             ? options->endpoint : pm_remote_profile_get_default_endpoint (profile);
  if (endpoint == NULL)
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                   "No remote editor configured: set an endpoint in Preferences "
                   "or pass --endpoint URL (%s)", pm_remote_profile_get_endpoint_hint (profile));
      return NULL;
    }
  if (!check_endpoint (endpoint, error))
    return NULL;
  if (options->timeout_s < 0 || options->timeout_s > 3600)
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNAVAILABLE,
                   "Timeout %.1f s is out of range (0–3600)", options->timeout_s);
      return NULL;
    }
  table = collect_options (profile, options, error);
  if (table == NULL)
    return NULL;

  self = g_new0 (PmRemoteEngine, 1);
  self->parent.klass = &remote_class;
  self->parent.ref_count = 1;
  g_mutex_init (&self->lock);
  self->profile = pm_remote_profile_get_class (profile);
  self->endpoint = g_strdup (endpoint);
  self->model = g_strdup (options->remote_model != NULL && *options->remote_model != '\0'
                          ? options->remote_model : NULL);
  self->api_key = lookup_api_key (options, endpoint);
  self->prompt_template = g_strdup (options->prompt_template);
  self->options = g_steal_pointer (&table);
  if (options->timeout_s > 0)
    self->timeout_s = options->timeout_s;
  else
    self->timeout_s = self->profile->queued ? PM_REMOTE_QUEUE_TIMEOUT_S
                                            : PM_REMOTE_DEFAULT_TIMEOUT_S;
  return &self->parent;
}
