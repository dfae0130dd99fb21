/* pm-fake-editor-util.h: start and stop tests/fixtures/pm-fake-editor from a test.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libsoup/soup.h>
#include "pm-test-util.h"

typedef struct {
  GPid  pid;
  int   stdin_fd;
  char *base_url;   /* http://127.0.0.1:PORT/v1 (or without /v1: comfyui, gemini, fal) */
  char *root;       /* http://127.0.0.1:PORT */
} PmFakeEditor;

/* Starts the fake editor as @profile (NULL = openai-compatible) over
 * ../shared/data/eval-public (or @index if not NULL); queued jobs (comfyui, fal) take
 * @queue_delay_ms (-1 = the fake's default). */
static inline PmFakeEditor *
pm_fake_editor_start_profile (const char *profile,
                              const char *index,
                              const char *require_key,
                              int         queue_delay_ms)
{
  const char *bin = g_getenv ("PM_FAKE_EDITOR");
  g_autofree char *default_index = pm_test_shared_path ("data/eval-public/index.tsv");
  g_autofree char *delay = g_strdup_printf ("%d", queue_delay_ms);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  PmFakeEditor *fe = g_new0 (PmFakeEditor, 1);
  GError *error = NULL;
  int out_fd = -1;
  GString *line = g_string_new (NULL);
  char c;

  g_assert_nonnull (bin);
  g_ptr_array_add (argv, (char *) bin);
  g_ptr_array_add (argv, "--index");
  g_ptr_array_add (argv, (char *) (index != NULL ? index : default_index));
  if (require_key != NULL)
    {
      g_ptr_array_add (argv, "--require-key");
      g_ptr_array_add (argv, (char *) require_key);
    }
  if (profile != NULL)
    {
      g_ptr_array_add (argv, "--profile");
      g_ptr_array_add (argv, (char *) profile);
    }
  if (queue_delay_ms >= 0)
    {
      g_ptr_array_add (argv, "--queue-delay-ms");
      g_ptr_array_add (argv, delay);
    }
  g_ptr_array_add (argv, NULL);
  g_spawn_async_with_pipes (NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                            NULL, &fe->pid, &fe->stdin_fd, &out_fd, NULL, &error);
  g_assert_no_error (error);
  while (read (out_fd, &c, 1) == 1 && c != '\n')
    g_string_append_c (line, c);
  close (out_fd);
  g_assert_true (g_str_has_prefix (line->str, "http://127.0.0.1:"));
  fe->base_url = g_string_free (line, FALSE);
  fe->root = g_str_has_suffix (fe->base_url, "/v1")
             ? g_strndup (fe->base_url, strlen (fe->base_url) - strlen ("/v1"))
             : g_strdup (fe->base_url);
  return fe;
}

/* Starts the fake editor as the OpenAI-compatible server. */
static inline PmFakeEditor *
pm_fake_editor_start (const char *index,
                      const char *require_key)
{
  return pm_fake_editor_start_profile (NULL, index, require_key, -1);
}

/* The base URL with a failure-mode prefix: http://127.0.0.1:PORT/mode/MODE/v1 */
static inline char *
pm_fake_editor_url (PmFakeEditor *fe,
                    const char   *mode)
{
  if (mode == NULL)
    return g_strdup (fe->base_url);
  return g_strdup_printf ("%s/mode/%s%s", fe->root, mode,
                          g_str_has_suffix (fe->base_url, "/v1") ? "/v1" : "");
}

/* How many requests @fe has seen so far (its GET /requests excluded). */
static inline guint
pm_fake_editor_requests (PmFakeEditor *fe)
{
  g_autofree char *url = g_strdup_printf ("%s/requests", fe->root);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *text = NULL;
  GError *error = NULL;
  guint n = 0;

  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_cmpint (sscanf (text, "{\"requests\":%u}", &n), ==, 1);
  return n;
}

/* The fields of the last edit request @fe saw (long strings shortened), as JSON text. */
static inline char *
pm_fake_editor_last_request (PmFakeEditor *fe)
{
  g_autofree char *url = g_strdup_printf ("%s/last-request", fe->root);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  GError *error = NULL;

  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static inline void
pm_fake_editor_stop (PmFakeEditor *fe)
{
  int status = 0;

  close (fe->stdin_fd);
  kill (fe->pid, SIGTERM);
  waitpid (fe->pid, &status, 0);
  g_spawn_close_pid (fe->pid);
  g_free (fe->base_url);
  g_free (fe->root);
  g_free (fe);
}
