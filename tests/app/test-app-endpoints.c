/* test-app-endpoints.c: the saved remote servers: settings, the Remote Servers page of
 * Preferences, Test Connection against a fake server.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pm-application.h"
#include "pm-endpoint-row.h"
#include "pm-endpoints-page.h"
#include "pm-endpoints.h"
#include "pm-fake-editor-util.h"
#include "pm-gui-test-util.h"
#include "pm-maskio.h"
#include "pm-preferences-window.h"
#include "pm-remote.h"

static PmApplication *app;
static char *tmpdir;

static GSettings *
settings (void)
{
  return pm_application_get_settings (app);
}

static void
reset (void)
{
  g_settings_reset (settings (), "remote-endpoints");
  g_settings_reset (settings (), "remote-endpoint-selected");
  g_settings_reset (settings (), "remote-endpoint");
  g_settings_reset (settings (), "remote-model");
}

/* ---------------------------------------------------------------- settings */

static void
test_roundtrip (void)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_endpoint_free);
  g_autoptr(GPtrArray) back = NULL;
  PmEndpoint *e = pm_endpoint_new ("GPU box", "comfyui");
  const PmEndpoint *b;
  PmEngineOptions options = { 0 };

  g_free (e->url);
  e->url = g_strdup ("http://10.0.0.2:8188");
  g_strfreev (e->options);
  e->options = pm_endpoint_options_from_text ("seed=7;  workflow=/home/me/flow.json ;negative_prompt= ");
  g_assert_cmpuint (g_strv_length (e->options), ==, 3);
  g_assert_cmpstr (e->options[2], ==, "negative_prompt= ");
  g_ptr_array_add (list, e);
  g_ptr_array_add (list, pm_endpoint_new ("Gemini", "gemini"));
  pm_endpoints_save (settings (), list);

  back = pm_endpoints_load (settings ());
  g_assert_cmpuint (back->len, ==, 2);
  b = g_ptr_array_index (back, 0);
  g_assert_cmpstr (b->name, ==, "GPU box");
  g_assert_cmpstr (b->profile, ==, "comfyui");
  g_assert_cmpstr (b->url, ==, "http://10.0.0.2:8188");
  g_assert_cmpstr (b->options[1], ==, "workflow=/home/me/flow.json ");
  /* A server without a URL reaches its profile's own. */
  g_assert_cmpstr (pm_endpoint_get_server (g_ptr_array_index (back, 1)), ==,
                   "https://generativelanguage.googleapis.com");

  /* The engine options carry the selected server; the first when none is chosen. */
  {
    g_autoptr(PmEndpoint) sel = pm_endpoints_get_selected (settings ());
    g_assert_cmpstr (sel->name, ==, "GPU box");
  }
  g_settings_set_string (settings (), "remote-endpoint-selected", "Gemini");
  {
    g_autoptr(PmEndpoint) sel = pm_endpoints_get_selected (settings ());
    pm_endpoint_fill_options (sel, &options);
    g_assert_cmpstr (options.remote_profile, ==, "gemini");
    g_assert_null (options.endpoint);
    pm_engine_options_clear (&options);
  }
  reset ();
}

/* Settings from before server entries become one entry. */
static void
test_migration (void)
{
  g_autoptr(GPtrArray) list = NULL;
  const PmEndpoint *e;

  g_settings_set_string (settings (), "remote-endpoint", "http://127.0.0.1:8000/v1");
  g_settings_set_string (settings (), "remote-model", "Qwen/Qwen-Image-Edit-2509");
  list = pm_endpoints_load (settings ());
  g_assert_cmpuint (list->len, ==, 1);
  e = g_ptr_array_index (list, 0);
  g_assert_cmpstr (e->name, ==, "Remote");
  g_assert_cmpstr (e->profile, ==, "openai-compatible");
  g_assert_cmpstr (e->url, ==, "http://127.0.0.1:8000/v1");
  g_assert_cmpstr (e->model, ==, "Qwen/Qwen-Image-Edit-2509");
  reset ();
}

static void
test_check (void)
{
  g_autoptr(PmEndpoint) e = pm_endpoint_new ("vLLM", "openai-compatible");
  g_autoptr(GError) error = NULL;

  g_assert_false (pm_endpoint_check (e, &error));
  g_assert_nonnull (strstr (error->message, "needs a server URL"));
  g_clear_error (&error);
  g_free (e->url);
  e->url = g_strdup ("http://127.0.0.1:8000/v1");
  g_assert_true (pm_endpoint_check (e, &error));
  g_strfreev (e->options);
  e->options = pm_endpoint_options_from_text ("workflow=x.json");
  g_assert_false (pm_endpoint_check (e, &error));
  g_assert_nonnull (strstr (error->message, "workflow"));
}

/* ---------------------------------------------------------------- the page */

static GtkWindow *
open_page (PmEndpointsPage **page)
{
  GtkWindow *prefs = pm_preferences_window_new (settings ());

  *page = NULL;
  gtk_window_present (prefs);
  pm_gui_iterate (100);
  for (GtkWidget *w = gtk_widget_get_first_child (GTK_WIDGET (prefs)); w != NULL; )
    {
      if (PM_IS_ENDPOINTS_PAGE (w))
        {
          *page = PM_ENDPOINTS_PAGE (w);
          break;
        }
      /* Depth-first walk of the window's widgets. */
      if (gtk_widget_get_first_child (w) != NULL)
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w != NULL && gtk_widget_get_next_sibling (w) == NULL)
            w = gtk_widget_get_parent (w);
          w = w != NULL ? gtk_widget_get_next_sibling (w) : NULL;
        }
    }
  g_assert_nonnull (*page);
  return prefs;
}

static void
apply_text (GtkWidget  *row,
            const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  g_signal_emit_by_name (row, "apply");
  pm_gui_iterate (20);
}

static void
test_page_edit (void)
{
  PmEndpointsPage *page;
  GtkWindow *prefs = open_page (&page);
  PmEndpointRow *a, *b;
  g_autoptr(GPtrArray) list = NULL;

  a = PM_ENDPOINT_ROW (pm_endpoints_page_add (page, "comfyui"));
  b = PM_ENDPOINT_ROW (pm_endpoints_page_add (page, "comfyui"));
  g_assert_cmpstr (pm_endpoint_row_get_endpoint (a)->name, ==, "ComfyUI");
  g_assert_cmpstr (pm_endpoint_row_get_endpoint (b)->name, ==, "ComfyUI 2");

  apply_text (pm_endpoint_row_get_field (a, "url"), "http://10.1.1.1:8188");
  apply_text (pm_endpoint_row_get_field (a, "options"), "seed=3; num_inference_steps=50");
  list = pm_endpoints_load (settings ());
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((PmEndpoint *) g_ptr_array_index (list, 0))->url, ==, "http://10.1.1.1:8188");
  g_assert_cmpstr (((PmEndpoint *) g_ptr_array_index (list, 0))->options[1], ==,
                   "num_inference_steps=50");
  g_clear_pointer (&list, g_ptr_array_unref);

  /* An option the profile does not take is refused and not saved. */
  apply_text (pm_endpoint_row_get_field (a, "options"), "aspect_ratio=3:2");
  g_assert_true (gtk_widget_has_css_class (pm_endpoint_row_get_field (a, "options"), "error"));
  list = pm_endpoints_load (settings ());
  g_assert_cmpstr (((PmEndpoint *) g_ptr_array_index (list, 0))->options[0], ==, "seed=3");
  g_clear_pointer (&list, g_ptr_array_unref);

  /* Renaming onto a taken name keeps both apart. */
  apply_text (pm_endpoint_row_get_field (b, "name"), "ComfyUI");
  list = pm_endpoints_load (settings ());
  g_assert_cmpstr (((PmEndpoint *) g_ptr_array_index (list, 1))->name, ==, "ComfyUI 2");
  g_clear_pointer (&list, g_ptr_array_unref);

  g_signal_emit_by_name (pm_endpoints_page_get_row (page, "ComfyUI 2"), "remove");
  pm_gui_iterate (20);
  list = pm_endpoints_load (settings ());
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_null (pm_endpoints_page_get_row (page, "ComfyUI 2"));

  gtk_window_destroy (prefs);
  pm_gui_iterate (50);
  reset ();
}

/* ---------------------------------------------------------------- Test Connection */

static gboolean
row_done (gpointer data)
{
  return !pm_endpoint_row_is_testing (data);
}

/* An index whose one row is the test image and its disc, for the fake server. */
static char *
write_test_index (void)
{
  g_autoptr(PmImage) image = pm_endpoint_test_image ();
  g_autoptr(PmMask) mask = pm_mask_new (64, 64);
  g_autofree char *png = g_build_filename (tmpdir, "test.png", NULL);
  g_autofree char *mpng = g_build_filename (tmpdir, "test-mask.png", NULL);
  char *index = g_build_filename (tmpdir, "index.tsv", NULL);
  GError *error = NULL;

  for (int i = 0; i < 64 * 64; i++)
    mask->data[i] = image->data[i * 4 + 1] < 100 ? 1.0f : 0.0f;   /* the red disc */
  pm_image_save_png (image, png, &error);
  g_assert_no_error (error);
  pm_mask_save_png (mask, mpng, FALSE, &error);
  g_assert_no_error (error);
  g_file_set_contents (index, "image\tmask\tphrase\ntest.png\ttest-mask.png\tthe red circle\n", -1,
                       &error);
  g_assert_no_error (error);
  return index;
}

static void
test_connection (void)
{
  g_autofree char *index = write_test_index ();
  PmFakeEditor *fe = pm_fake_editor_start_profile ("comfyui", index, NULL, 300);
  PmEndpointsPage *page;
  GtkWindow *prefs = open_page (&page);
  PmEndpointRow *row = PM_ENDPOINT_ROW (pm_endpoints_page_add (page, "comfyui"));
  const char *report;

  apply_text (pm_endpoint_row_get_field (row, "url"), fe->base_url);
  pm_endpoint_row_test (row);
  g_assert_true (pm_endpoint_row_is_testing (row));
  pm_gui_wait_for (row_done, row, 60);
  report = pm_endpoint_row_get_test_report (row);
  g_test_message ("%s", report);
  g_assert_true (g_str_has_prefix (report, "Answered in"));
  /* The fake paints the disc: a quarter of the image. */
  g_assert_nonnull (strstr (report, "% of the 64×64 test image changed"));
  g_assert_true (g_str_has_prefix (strstr (report, ": ") + 2, "2"));
  g_assert_nonnull (strstr (report, "1024×1024"));   /* what came back, resampled */

  /* A server that is not there: the report says so, in one line. */
  apply_text (pm_endpoint_row_get_field (row, "url"), "http://127.0.0.1:9");
  pm_endpoint_row_test (row);
  pm_gui_wait_for (row_done, row, 60);
  report = pm_endpoint_row_get_test_report (row);
  g_test_message ("%s", report);
  g_assert_true (g_str_has_prefix (report, "Failed after"));
  g_assert_nonnull (strstr (report, "127.0.0.1:9"));
  g_assert_null (strchr (report, '\n'));

  gtk_window_destroy (prefs);
  pm_gui_iterate (50);
  pm_fake_editor_stop (fe);
  reset ();
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int ret;

  tmpdir = pm_test_tmpdir ();
  g_setenv ("XDG_DATA_HOME", tmpdir, TRUE);
  g_unsetenv ("PAINTMASK_API_KEY");
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");

  g_test_init (&argc, &argv, NULL);
  gtk_disable_setlocale ();
  if (!gtk_init_check ())
    {
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  app = pm_application_new (G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  g_test_add_func ("/app/endpoints/roundtrip", test_roundtrip);
  g_test_add_func ("/app/endpoints/migration", test_migration);
  g_test_add_func ("/app/endpoints/check", test_check);
  g_test_add_func ("/app/endpoints/page-edit", test_page_edit);
  g_test_add_func ("/app/endpoints/test-connection", test_connection);
  ret = g_test_run ();

  g_object_unref (app);
  pm_test_rmdir (tmpdir);
  g_free (tmpdir);
  return ret;
}
