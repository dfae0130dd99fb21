/* test-model-manager.c: the Models page's service reports download progress in the main
 * thread only, even while that thread is busy and not iterating its main loop.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "pm-model-manager.h"
#include "pm-test-util.h"

/* ---------------------------------------------------------------- a slow hub */

/* A blocking HTTP server in its own thread (no main context of the test's involved): every
 * request gets a 200 without a length, then a few bytes at a time until the client goes
 * away or the server is stopped. */
typedef struct {
  GSocketListener *listener;
  GCancellable    *stop;
  guint16          port;
  gint             requests;
  GThread         *thread;
} SlowHub;

static gpointer
slow_hub_thread (gpointer data)
{
  SlowHub *hub = data;

  for (;;)
    {
      g_autoptr(GSocketConnection) conn = NULL;
      GOutputStream *out;
      GInputStream *in;
      char request[4096];
      gssize got;
      const char *head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                         "Connection: close\r\n\r\n";

      conn = g_socket_listener_accept (hub->listener, NULL, hub->stop, NULL);
      if (conn == NULL)
        return NULL;
      in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
      out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
      got = g_input_stream_read (in, request, sizeof request - 1, hub->stop, NULL);
      if (got <= 0)
        continue;
      g_atomic_int_inc (&hub->requests);
      if (!g_output_stream_write_all (out, head, strlen (head), NULL, hub->stop, NULL))
        continue;
      while (!g_cancellable_is_cancelled (hub->stop) &&
             g_output_stream_write_all (out, "0123456789", 10, NULL, hub->stop, NULL) &&
             g_output_stream_flush (out, hub->stop, NULL))
        g_usleep (20000);
    }
}

static SlowHub *
slow_hub_start (void)
{
  SlowHub *hub = g_new0 (SlowHub, 1);
  g_autoptr(GError) error = NULL;

  hub->listener = g_socket_listener_new ();
  hub->stop = g_cancellable_new ();
  hub->port = g_socket_listener_add_any_inet_port (hub->listener, NULL, &error);
  g_assert_no_error (error);
  hub->thread = g_thread_new ("slow-hub", slow_hub_thread, hub);
  return hub;
}

static void
slow_hub_stop (SlowHub *hub)
{
  g_cancellable_cancel (hub->stop);
  g_socket_listener_close (hub->listener);
  g_thread_join (hub->thread);
  g_object_unref (hub->listener);
  g_object_unref (hub->stop);
  g_free (hub);
}

/* ---------------------------------------------------------------- the test */

typedef struct {
  GThread *main_thread;
  guint    changed;
  guint    off_main;
} Seen;

static void
changed_cb (PmModelManager *models,
            const char     *name,
            gpointer        user_data)
{
  Seen *seen = user_data;

  seen->changed++;
  if (g_thread_self () != seen->main_thread)
    seen->off_main++;
}

static void
iterate_until (PmModelManager *models,
               const char     *name,
               PmModelTask     task,
               gboolean        is)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while ((pm_model_manager_get_task (models, name) == task) != is)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* The main thread starts a download, then stays busy (not iterating) while the worker
 * reports progress: every "changed" must still come in the main thread, from its loop. A
 * relay through g_main_context_invoke_full() fails this: the worker finds the main context
 * unowned, acquires it and runs the callback itself. */
static void
test_progress_main_thread (void)
{
  g_autofree char *dir = pm_test_tmpdir ();
  g_autoptr(PmModelManager) models = NULL;
  SlowHub *hub = slow_hub_start ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", hub->port);
  const char *name = PM_MODEL_DEFAULT_NAME;
  Seen seen = { g_thread_self (), 0, 0 };
  gint64 end;
  guint before;

  g_setenv ("PAINTMASK_HUB_URL", url, TRUE);
  models = pm_model_manager_new (dir);
  g_signal_connect (models, "changed", G_CALLBACK (changed_cb), &seen);
  iterate_until (models, name, PM_MODEL_TASK_CHECKING, FALSE);

  pm_model_manager_download (models, name);
  before = seen.changed;
  /* Busy: no iteration until the hub has answered and sent some bytes. */
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (g_atomic_int_get (&hub->requests) == 0 && g_get_monotonic_time () < end)
    g_usleep (10000);
  g_assert_cmpint (g_atomic_int_get (&hub->requests), >, 0);
  g_usleep (500000);
  g_assert_cmpuint (seen.off_main, ==, 0);
  g_assert_cmpuint (seen.changed, ==, before);

  /* Back in the loop: the progress arrives, in this thread. */
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (pm_model_manager_get_progress (models, name, NULL, NULL) <= 0 &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  g_test_message ("changed %u times, %u off the main thread", seen.changed, seen.off_main);
  g_assert_cmpuint (seen.changed, >, before);
  g_assert_cmpuint (seen.off_main, ==, 0);

  pm_model_manager_cancel (models, name);
  iterate_until (models, name, PM_MODEL_TASK_DOWNLOADING, FALSE);
  g_assert_cmpuint (seen.off_main, ==, 0);
  g_signal_handlers_disconnect_by_data (models, &seen);
  g_clear_object (&models);
  slow_hub_stop (hub);
  g_unsetenv ("PAINTMASK_HUB_URL");
  pm_test_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model-manager/progress-main-thread", test_progress_main_thread);
  return g_test_run ();
}
