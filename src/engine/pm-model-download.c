/* pm-model-download.c: fetch a model folder from the Hugging Face Hub (libsoup 3).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each file streams into `<file>.part`; an existing `.part` is resumed with a Range request.
 * The SHA-256 is computed while streaming (over the resumed prefix first) and compared with
 * the pinned hash, or with the LFS oid from `X-Linked-Etag` on the Hub's redirect. Only a
 * verified file is renamed into place. A body that ends early keeps its `.part` for the
 * next attempt; a hash mismatch deletes it.
 */
#define G_LOG_DOMAIN "pm-model-download"

#include "pm-model.h"

#include <string.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#define CHUNK_SIZE (256 * 1024)
#define MAX_REDIRECTS 5
/* No model file of ours comes near this; a server that sends more is broken or hostile. */
#define MAX_FILE_BYTES ((gint64) 8 * 1000 * 1000 * 1000)

char *
pm_model_get_hub_url (const char *override)
{
  const char *url = override;

  if (url == NULL || url[0] == '\0')
    url = g_getenv ("PAINTMASK_HUB_URL");
  if (url == NULL || url[0] == '\0')
    url = PM_MODEL_DEFAULT_HUB_URL;
  /* No trailing slash, so paths join cleanly. */
  {
    char *copy = g_strdup (url);
    gsize len = strlen (copy);
    while (len > 0 && copy[len - 1] == '/')
      copy[--len] = '\0';
    return copy;
  }
}

char *
pm_model_file_url (const char        *hub_url,
                   const PmModelSpec *spec,
                   const char        *file)
{
  g_autofree char *hub = pm_model_get_hub_url (hub_url);
  g_autofree char *escaped = g_uri_escape_string (file, "/", FALSE);
  return g_strdup_printf ("%s/%s/resolve/%s/%s", hub, spec->repo, spec->revision, escaped);
}

char *
pm_model_sha256_file (const char    *path,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (CHUNK_SIZE);
  g_autoptr(GError) local_error = NULL;

  in = g_file_read (file, cancellable, &local_error);
  if (in == NULL)
    {
      g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_IO, "Cannot read “%s”: %s", path,
                   local_error->message);
      return NULL;
    }
  for (;;)
    {
      gssize n = g_input_stream_read (G_INPUT_STREAM (in), buf, CHUNK_SIZE, cancellable,
                                      &local_error);
      if (n < 0)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_IO, "Cannot read “%s”: %s",
                         path, local_error->message);
          return NULL;
        }
      if (n == 0)
        break;
      g_checksum_update (sum, buf, n);
    }
  return g_strdup (g_checksum_get_string (sum));
}

/* ---------------------------------------------------------------- helpers */

static gboolean
is_sha256_hex (const char *s)
{
  if (s == NULL || strlen (s) != 64)
    return FALSE;
  for (int i = 0; i < 64; i++)
    if (!g_ascii_isxdigit (s[i]))
      return FALSE;
  return TRUE;
}

/* `"abc…"` or `W/"abc…"` → `abc…` if it is a SHA-256, else NULL. */
static char *
etag_to_sha256 (const char *etag)
{
  g_autofree char *copy = NULL;
  char *s;

  if (etag == NULL)
    return NULL;
  copy = g_strstrip (g_strdup (etag));
  s = copy;
  if (g_str_has_prefix (s, "W/"))
    s += 2;
  if (s[0] == '"')
    s++;
  if (s[0] != '\0' && s[strlen (s) - 1] == '"')
    s[strlen (s) - 1] = '\0';
  if (!is_sha256_hex (s))
    return NULL;
  return g_ascii_strdown (s, -1);
}

static gint64
file_size (const char *path)
{
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    return -1;
  return st.st_size;
}

/* One line naming the URL and what went wrong on the network. */
static void
set_network_error (GError    **error,
                   const char *url,
                   GError     *cause)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Download cancelled");
      return;
    }
  g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_NETWORK,
               "Cannot reach %s: %s (offline? the built-in engine still works)", url,
               cause->message);
}

typedef struct {
  SoupSession            *session;
  const PmDownloadOptions *options;
  PmDownloadStats        *stats;
  GCancellable           *cancellable;
  int                     index, n_files;
} Job;

/* Sends GET @url (with @range_from > 0: a Range request) and follows redirects by hand so
 * that the Hub's `X-Linked-Etag` on the redirect can be read. */
static GInputStream *
send_get (Job         *job,
          const char  *url,
          gint64       range_from,
          SoupMessage **out_msg,
          char        **linked_sha256,
          GError     **error)
{
  g_autofree char *current = g_strdup (url);

  for (int hop = 0; hop <= MAX_REDIRECTS; hop++)
    {
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GInputStream) in = NULL;
      g_autoptr(GError) local_error = NULL;
      SoupMessageHeaders *headers;
      guint status;

      msg = soup_message_new (SOUP_METHOD_GET, current);
      if (msg == NULL)
        {
          g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_NETWORK, "Invalid URL “%s”",
                       current);
          return NULL;
        }
      soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
      if (range_from > 0)
        soup_message_headers_set_range (soup_message_get_request_headers (msg), range_from, -1);
      in = soup_session_send (job->session, msg, job->cancellable, &local_error);
      if (in == NULL)
        {
          set_network_error (error, current, local_error);
          return NULL;
        }
      status = soup_message_get_status (msg);
      headers = soup_message_get_response_headers (msg);
      {
        g_autofree char *sha = etag_to_sha256 (soup_message_headers_get_one (headers,
                                                                            "X-Linked-Etag"));
        if (sha != NULL && *linked_sha256 == NULL)
          *linked_sha256 = g_steal_pointer (&sha);
      }
      if (SOUP_STATUS_IS_REDIRECTION (status))
        {
          const char *location = soup_message_headers_get_one (headers, "Location");
          g_autoptr(GUri) next = NULL;

          g_input_stream_close (in, NULL, NULL);
          if (location == NULL)
            {
              g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HTTP,
                           "HTTP %u without a Location from %s", status, current);
              return NULL;
            }
          next = g_uri_parse_relative (soup_message_get_uri (msg), location, SOUP_HTTP_URI_FLAGS,
                                       NULL);
          if (next == NULL)
            {
              g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HTTP,
                           "Invalid redirect “%s” from %s", location, current);
              return NULL;
            }
          g_free (current);
          current = g_uri_to_string (next);
          continue;
        }
      *out_msg = g_steal_pointer (&msg);
      return g_steal_pointer (&in);
    }
  g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HTTP, "Too many redirects for %s", url);
  return NULL;
}

/* Feeds the first bytes of an existing .part file to @sum. */
static gboolean
hash_prefix (const char   *path,
             GChecksum    *sum,
             GCancellable *cancellable,
             GError      **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autofree guint8 *buf = g_malloc (CHUNK_SIZE);
  g_autoptr(GError) local_error = NULL;

  in = g_file_read (file, cancellable, &local_error);
  if (in == NULL)
    goto fail;
  for (;;)
    {
      gssize n = g_input_stream_read (G_INPUT_STREAM (in), buf, CHUNK_SIZE, cancellable,
                                      &local_error);
      if (n < 0)
        goto fail;
      if (n == 0)
        return TRUE;
      g_checksum_update (sum, buf, n);
    }
fail:
  g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_IO, "Cannot read “%s”: %s", path,
               local_error->message);
  return FALSE;
}

/* ---------------------------------------------------------------- one file */

static gboolean
download_file (Job               *job,
               const PmModelSpec *spec,
               const PmModelFile *mf,
               const char        *dir,
               GError           **error)
{
  g_autofree char *path = g_build_filename (dir, mf->name, NULL);
  g_autofree char *part = g_strconcat (path, ".part", NULL);
  g_autofree char *url = pm_model_file_url (job->options->hub_url, spec, mf->name);
  g_autofree char *linked_sha = NULL;
  g_autofree char *expected = NULL;
  g_autofree guint8 *buf = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GChecksum) sum = NULL;
  g_autoptr(GFile) part_file = g_file_new_for_path (part);
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 have, total = -1, done;
  guint status;
  gboolean resumed = FALSE;

  /* Already installed and verified? */
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      if (mf->sha256 != NULL)
        {
          g_autofree char *digest = pm_model_sha256_file (path, job->cancellable, error);
          if (digest == NULL)
            return FALSE;
          if (g_ascii_strcasecmp (digest, mf->sha256) == 0)
            {
              job->stats->n_skipped++;
              return TRUE;
            }
          g_debug ("%s: hash differs from the pinned one, downloading again", path);
        }
      else
        {
          /* Nothing pinned: a file that was renamed into place was verified then. */
          job->stats->n_skipped++;
          return TRUE;
        }
    }

  have = file_size (part);
  if (have < 0)
    have = 0;
  if (mf->size >= 0 && have > mf->size)
    {
      g_unlink (part);
      have = 0;
    }

  in = send_get (job, url, have, &msg, &linked_sha, error);
  if (in == NULL)
    return FALSE;
  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE && have > 0)
    {
      /* The .part is as long as the file or longer: start over. */
      g_input_stream_close (in, NULL, NULL);
      g_clear_object (&in);
      g_clear_object (&msg);
      g_unlink (part);
      have = 0;
      in = send_get (job, url, 0, &msg, &linked_sha, error);
      if (in == NULL)
        return FALSE;
      status = soup_message_get_status (msg);
    }
  if (status != SOUP_STATUS_OK && status != SOUP_STATUS_PARTIAL_CONTENT)
    {
      g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HTTP, "HTTP %u %s for %s", status,
                   soup_message_get_reason_phrase (msg) ? soup_message_get_reason_phrase (msg) : "",
                   url);
      return FALSE;
    }

  {
    SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
    goffset start = 0, end = -1, range_total = -1;

    if (status == SOUP_STATUS_PARTIAL_CONTENT)
      {
        if (!soup_message_headers_get_content_range (headers, &start, &end, &range_total) ||
            start != have)
          {
            g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HTTP,
                         "Unexpected Content-Range from %s (asked for bytes %" G_GINT64_FORMAT
                         "-)", url, have);
            return FALSE;
          }
        total = range_total >= 0 ? range_total : -1;
        resumed = have > 0;
      }
    else
      {
        goffset len = soup_message_headers_get_content_length (headers);
        have = 0;   /* the server ignored the Range: start from scratch */
        total = len > 0 ? len : -1;
      }
    if (total < 0)
      total = mf->size;
  }

  if (mf->sha256 != NULL)
    expected = g_ascii_strdown (mf->sha256, -1);
  else if (linked_sha != NULL)
    expected = g_strdup (linked_sha);

  if (total > MAX_FILE_BYTES)
    {
      g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HTTP,
                   "%s: the server offers %" G_GINT64_FORMAT " bytes, more than any model file",
                   mf->name, total);
      return FALSE;
    }
  if (mf->size >= 0 && total >= 0 && total != mf->size)
    {
      g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HASH,
                   "%s: the server offers %" G_GINT64_FORMAT " bytes, expected %" G_GINT64_FORMAT,
                   mf->name, total, mf->size);
      return FALSE;
    }

  sum = g_checksum_new (G_CHECKSUM_SHA256);
  if (have > 0)
    {
      if (!hash_prefix (part, sum, job->cancellable, error))
        return FALSE;
      out = g_file_append_to (part_file, G_FILE_CREATE_NONE, job->cancellable, &local_error);
    }
  else
    out = g_file_replace (part_file, NULL, FALSE, G_FILE_CREATE_NONE, job->cancellable,
                          &local_error);
  if (out == NULL)
    {
      g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_IO, "Cannot write “%s”: %s", part,
                   local_error->message);
      return FALSE;
    }
  if (resumed)
    job->stats->n_resumed++;

  buf = g_malloc (CHUNK_SIZE);
  done = have;
  if (job->options->progress)
    job->options->progress (mf->name, job->index, job->n_files, done, total,
                            job->options->progress_data);
  for (;;)
    {
      gssize n = g_input_stream_read (in, buf, CHUNK_SIZE, job->cancellable, &local_error);
      if (n < 0)
        {
          g_output_stream_close (G_OUTPUT_STREAM (out), NULL, NULL);
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   "Download cancelled");
              return FALSE;
            }
          g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_INCOMPLETE,
                       "Download of %s stopped after %" G_GINT64_FORMAT " bytes: %s "
                       "(run the command again to resume)", mf->name, done,
                       local_error->message);
          return FALSE;
        }
      if (n == 0)
        break;
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), buf, n, NULL, job->cancellable,
                                      &local_error))
        {
          g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_IO, "Cannot write “%s”: %s", part,
                       local_error->message);
          return FALSE;
        }
      g_checksum_update (sum, buf, n);
      done += n;
      job->stats->bytes += n;
      if (done > (total >= 0 ? total : MAX_FILE_BYTES))
        {
          g_output_stream_close (G_OUTPUT_STREAM (out), NULL, NULL);
          g_unlink (part);
          g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HASH,
                       "%s: the server sent more than the %" G_GINT64_FORMAT " bytes announced",
                       mf->name, total >= 0 ? total : MAX_FILE_BYTES);
          return FALSE;
        }
      if (job->options->progress)
        job->options->progress (mf->name, job->index, job->n_files, done, total,
                                job->options->progress_data);
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (out), job->cancellable, &local_error))
    {
      g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_IO, "Cannot write “%s”: %s", part,
                   local_error->message);
      return FALSE;
    }
  g_input_stream_close (in, NULL, NULL);

  if (total >= 0 && done < total)
    {
      g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_INCOMPLETE,
                   "Download of %s stopped after %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                   " bytes (run the command again to resume)", mf->name, done, total);
      return FALSE;
    }
  if ((total >= 0 && done > total) || (mf->size >= 0 && done != mf->size))
    {
      g_unlink (part);
      g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HASH,
                   "%s: received %" G_GINT64_FORMAT " bytes, expected %" G_GINT64_FORMAT,
                   mf->name, done, mf->size >= 0 ? mf->size : total);
      return FALSE;
    }
  if (expected != NULL && strcmp (g_checksum_get_string (sum), expected) != 0)
    {
      g_unlink (part);
      g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HASH,
                   "%s: SHA-256 %s does not match the expected %s; not installed", mf->name,
                   g_checksum_get_string (sum), expected);
      return FALSE;
    }
  if (expected == NULL)
    g_debug ("%s: no hash to check against (not an LFS file, none pinned)", mf->name);

  if (g_rename (part, path) != 0)
    {
      int saved = errno;
      g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_IO, "Cannot rename “%s”: %s", part,
                   g_strerror (saved));
      return FALSE;
    }
  job->stats->n_downloaded++;
  return TRUE;
}

/**
 * pm_model_download:
 * @spec: the model
 * @options: (nullable): where from, where to, progress
 * @stats: (out) (optional): what was done
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Returns: %TRUE when every file is in place and verified
 */
gboolean
pm_model_download (const PmModelSpec       *spec,
                   const PmDownloadOptions *options,
                   PmDownloadStats         *stats,
                   GCancellable            *cancellable,
                   GError                 **error)
{
  PmDownloadOptions defaults = { 0 };
  PmDownloadStats local_stats = { 0 };
  g_autoptr(SoupSession) session = NULL;
  g_autofree char *dir = NULL;
  Job job = { 0 };

  g_return_val_if_fail (spec != NULL, FALSE);
  if (options == NULL)
    options = &defaults;
  if (stats == NULL)
    stats = &local_stats;
  memset (stats, 0, sizeof *stats);

  dir = options->dest_dir != NULL ? g_strdup (options->dest_dir)
                                  : pm_model_get_default_dir (spec->name);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_IO, "Cannot create “%s”: %s", dir,
                   g_strerror (saved));
      return FALSE;
    }

  session = soup_session_new_with_options ("timeout", (guint) (options->timeout_s > 0
                                                              ? options->timeout_s : 60),
                                           "user-agent", "paintmask/" "0.1",
                                           NULL);
  /* Identity transfers only: byte counts and hashes refer to the file as stored. */
  soup_session_remove_feature_by_type (session, SOUP_TYPE_CONTENT_DECODER);
  job.session = session;
  job.options = options;
  job.stats = stats;
  job.cancellable = cancellable;
  job.n_files = spec->n_files;
  for (int i = 0; i < spec->n_files; i++)
    {
      job.index = i;
      if (!download_file (&job, spec, &spec->files[i], dir, error))
        {
          g_rmdir (dir);   /* only if nothing arrived; keeps .part files */
          return FALSE;
        }
    }
  return TRUE;
}
