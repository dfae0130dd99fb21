/* test-app-dataset.c: dataset mode in the window: open a drafted folder, review it with the
 * keyboard (Enter, Delete, ←, →) and a correction, and check the store; draft a new folder
 * in the background from the window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Keys go through the X server (xdotool, under the test's Xvfb), as a person's would.
 */
#include "config.h"

#include <gdk/x11/gdkx.h>

#include "pm-application.h"
#include "pm-dataset-batch.h"
#include "pm-gui-test-util.h"
#include "pm-test-util.h"
#include "pm-window-private.h"

#define W 160
#define H 120

static PmApplication *app;
static PmWindow *window;
static char *tmpdir;
static char *db;

/* ---------------------------------------------------------------- fixtures */

/* A red disk at a different place on each photo, on grey. */
static void
write_photos (const char *dir,
              int         n)
{
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (int i = 0; i < n; i++)
    {
      g_autoptr(PmImage) image = pm_image_new (W, H);
      g_autoptr(GError) error = NULL;
      g_autofree char *name = g_strdup_printf ("photo-%02d.png", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      double cx = 40 + 20 * i, cy = 60, r = 25;

      for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
          {
            guint8 *p = image->data + ((gsize) y * W + x) * 4;
            gboolean disk = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r;

            p[0] = disk ? 210 : 120;
            p[1] = disk ? 30 : 120;
            p[2] = disk ? 30 : 120;
            p[3] = 255;
          }
      g_assert_true (pm_image_save_png (image, path, &error));
      g_assert_no_error (error);
    }
}

/* Drafts @dir with the label "disk" as `paintmask batch` would, on a connection of its own. */
static void
draft_folder (const char *dir)
{
  const char *labels[] = { "disk", NULL };
  PmDatasetBatchOptions options = { 0 };
  PmDatasetBatchReport report;
  g_autoptr(GError) error = NULL;
  PmStore *store = pm_store_open (db, &error);

  g_assert_no_error (error);
  options.root = dir;
  options.labels = labels;
  options.jobs = 1;
  pm_dataset_batch_report_init (&report);
  g_assert_true (pm_dataset_batch_run (store, &options, NULL, NULL, NULL, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report.failures->len, ==, 0);
  pm_dataset_batch_report_clear (&report);
  pm_store_close (store);
}

/* The statuses stored for @dir's images, in path order ("reviewed,drafted,…"). */
static char *
stored_statuses (const char *dir)
{
  g_autoptr(GError) error = NULL;
  PmStore *store = pm_store_open (db, &error);
  g_autoptr(GPtrArray) images = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  gint64 project;

  g_assert_no_error (error);
  project = pm_store_find_project (store, dir, &error);
  g_assert_no_error (error);
  images = pm_store_list_project_images (store, project, 0, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < images->len; i++)
    g_string_append_printf (out, "%s%s", i > 0 ? "," : "",
                            pm_image_status_to_string (((PmProjectImage *) images->pdata[i])->status));
  pm_store_close (store);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The pixels of a draft's current mask (its newest correction, else the engine's). */
static gint64
stored_mask_pixels (gint64 run_id)
{
  g_autoptr(GError) error = NULL;
  PmStore *store = pm_store_open (db, &error);
  g_autoptr(PmMask) mask = NULL;

  g_assert_no_error (error);
  mask = pm_store_get_draft_mask (store, run_id, &error);
  g_assert_no_error (error);
  pm_store_close (store);
  return pm_mask_count (mask);
}

/* ---------------------------------------------------------------- driving */

static void
xdotool (const char *args)
{
  g_autofree char *cmd = g_strdup_printf ("xdotool %s", args);
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  pm_gui_iterate (150);
}

/* Keys go to the window under the pointer: put it over the canvas (no click). */
static void
point_at_canvas (void)
{
  GtkWidget *canvas = GTK_WIDGET (pm_window_get_canvas (window));
  GdkSurface *surface = gtk_native_get_surface (gtk_widget_get_native (canvas));
  graphene_rect_t r = pm_gui_bounds (canvas, GTK_WIDGET (window));
  g_autofree char *args = g_strdup_printf ("mousemove --window %lu %d %d",
                                           (unsigned long) gdk_x11_surface_get_xid (surface),
                                           (int) (r.origin.x + r.size.width / 2),
                                           (int) (r.origin.y + r.size.height / 2));

  xdotool (args);
}

static PmProjectItem *
item_at (guint index)
{
  GListModel *model = pm_project_get_model (pm_window_get_project (window));
  PmProjectItem *item = g_list_model_get_item (model, index);

  g_object_unref (item);   /* the model keeps it */
  return item;
}

static gboolean
project_open (gpointer data)
{
  PmProject *project = pm_window_get_project (window);

  return project != NULL &&
         g_list_model_get_n_items (pm_project_get_model (project)) == GPOINTER_TO_UINT (data);
}

typedef struct { gint64 run_id; } ShowWait;

static gboolean
shows_run (gpointer data)
{
  return pm_window_get_run_id (window) == ((ShowWait *) data)->run_id &&
         !pm_window_is_busy (window);
}

static void
wait_shows (PmProjectItem *item)
{
  ShowWait wait = { pm_project_item_get_draft (item, 0) };

  g_assert_cmpint (wait.run_id, >, 0);
  pm_gui_wait_for (shows_run, &wait, 60);
  pm_gui_iterate (100);
}

typedef struct { const char *dir; const char *expected; } StatusWait;

static gboolean
store_has_statuses (gpointer data)
{
  StatusWait *wait = data;
  g_autofree char *now = stored_statuses (wait->dir);

  return g_strcmp0 (now, wait->expected) == 0;
}

static void
wait_statuses (const char *dir,
               const char *expected)
{
  StatusWait wait = { dir, expected };
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (!store_has_statuses (&wait) && g_get_monotonic_time () < end)
    pm_gui_iterate (50);
  {
    g_autofree char *now = stored_statuses (dir);
    g_assert_cmpstr (now, ==, expected);
  }
}

/* ---------------------------------------------------------------- tests */

static void
test_review_keys (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "review", NULL);
  gint64 first_run, engine_pixels;
  PmFilmstrip *filmstrip;

  write_photos (dir, 4);
  draft_folder (dir);
  pm_window_open_folder (window, dir);
  pm_gui_wait_for (project_open, GUINT_TO_POINTER (4), 30);
  filmstrip = PM_FILMSTRIP (window->filmstrip);
  wait_shows (item_at (0));
  g_assert_true (pm_filmstrip_get_selected (filmstrip) == item_at (0));
  g_assert_nonnull (pm_window_get_image (window));

  /* A correction on the first draft (invert: every pixel changes) is stored as its newest
   * revision, the mask export takes. */
  first_run = pm_project_item_get_draft (item_at (0), 0);
  engine_pixels = stored_mask_pixels (first_run);
  g_assert_cmpint (engine_pixels, >, 0);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.mask-op", "s", "invert");
  {
    gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

    while (stored_mask_pixels (first_run) == engine_pixels && g_get_monotonic_time () < end)
      pm_gui_iterate (50);
    g_assert_cmpint (stored_mask_pixels (first_run), ==, (gint64) W * H - engine_pixels);
  }

  /* Enter accepts and goes on, twice; Delete rejects and goes on. */
  point_at_canvas ();
  xdotool ("key Return");
  wait_shows (item_at (1));
  xdotool ("key Return");
  wait_shows (item_at (2));
  xdotool ("key Delete");
  wait_shows (item_at (3));
  wait_statuses (dir, "reviewed,reviewed,rejected,drafted");
  g_assert_cmpint (pm_project_item_get_status (item_at (0)), ==, PM_IMAGE_STATUS_REVIEWED);
  g_assert_cmpint (pm_project_item_get_status (item_at (2)), ==, PM_IMAGE_STATUS_REJECTED);

  /* ← and → step through the list without deciding anything. */
  xdotool ("key Left");
  wait_shows (item_at (2));
  g_assert_true (pm_filmstrip_get_selected (filmstrip) == item_at (2));
  xdotool ("key Right");
  wait_shows (item_at (3));
  g_assert_true (pm_filmstrip_get_selected (filmstrip) == item_at (3));
  /* At the end of the list, Enter accepts and stays. */
  xdotool ("key Return");
  wait_statuses (dir, "reviewed,reviewed,rejected,reviewed");
  g_assert_true (pm_filmstrip_get_selected (filmstrip) == item_at (3));

  /* The status filter shows only what it names. */
  pm_filmstrip_set_filter (filmstrip, PM_IMAGE_STATUS_FLAG (PM_IMAGE_STATUS_REJECTED), -1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (
    gtk_list_view_get_model (pm_filmstrip_get_list_view (filmstrip)))), ==, 1);
  pm_filmstrip_set_filter (filmstrip, 0, -1);
  g_assert_null (pm_window_get_last_error (window));
}

static gboolean
batch_over (gpointer data)
{
  return !pm_project_get_batch_running (pm_window_get_project (window));
}

static void
batch_finished_cb (PmProject  *project,
                   const char *summary,
                   char      **out)
{
  g_free (*out);
  *out = g_strdup (summary);
}

static void
test_background_batch (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "fresh", NULL);
  g_autofree char *summary = NULL;
  PmProject *project;

  write_photos (dir, 3);
  pm_window_open_folder (window, dir);
  pm_gui_wait_for (project_open, GUINT_TO_POINTER (3), 30);
  project = pm_window_get_project (window);
  g_assert_cmpuint (pm_project_get_labels (project)->len, ==, 0);
  wait_statuses (dir, "todo,todo,todo");
  g_signal_connect (project, "batch-finished", G_CALLBACK (batch_finished_cb), &summary);

  /* Draft All with a label typed: the batch runs beside the window, which stays live. */
  g_signal_emit_by_name (window->filmstrip, "draft-requested", "disk");
  g_assert_true (pm_project_get_batch_running (project));
  pm_project_pause_batch (project, TRUE);
  g_assert_true (pm_project_get_batch_paused (project));
  pm_gui_iterate (200);
  pm_project_pause_batch (project, FALSE);
  pm_gui_wait_for (batch_over, NULL, 120);
  g_assert_cmpstr (summary, ==, "Drafted 3 images (0 already done)");
  wait_statuses (dir, "drafted,drafted,drafted");
  pm_gui_wait_for (project_open, GUINT_TO_POINTER (3), 10);
  g_assert_cmpuint (pm_project_get_labels (project)->len, ==, 1);
  /* The items learn their drafts, and the first one is shown. */
  {
    gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

    while (pm_project_item_get_draft (item_at (2), 0) == 0 && g_get_monotonic_time () < end)
      pm_gui_iterate (50);
  }
  wait_shows (item_at (0));
  g_assert_null (pm_window_get_last_error (window));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int ret;

  tmpdir = pm_test_tmpdir ();
  g_setenv ("XDG_DATA_HOME", tmpdir, TRUE);
  db = g_build_filename (tmpdir, "history.sqlite3", NULL);
  g_setenv ("PAINTMASK_DB", db, TRUE);

  g_test_init (&argc, &argv, NULL);
  gtk_disable_setlocale ();
  if (!gtk_init_check ())
    {
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }
  if (!GDK_IS_X11_DISPLAY (gdk_display_get_default ()) || !g_find_program_in_path ("xdotool"))
    {
      if (g_getenv ("CI") != NULL)
        g_error ("the dataset test needs an X11 display and xdotool");
      g_print ("1..0 # SKIP needs an X11 display and xdotool\n");
      return 0;
    }
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  app = pm_application_new (G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_settings_set_string (pm_application_get_settings (app), "history-database", db);
  window = pm_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  pm_gui_iterate (200);

  g_test_add_func ("/app/dataset/review-keys", test_review_keys);
  g_test_add_func ("/app/dataset/background-batch", test_background_batch);
  ret = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  pm_gui_iterate (200);
  g_object_unref (app);
  pm_test_rmdir (tmpdir);
  g_free (tmpdir);
  g_free (db);
  return ret;
}
