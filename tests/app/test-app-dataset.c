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
#include "pm-clipseg-engine.h"
#include "pm-sam-engine.h"
#include "pm-dataset-batch.h"
#include "pm-gui-test-util.h"
#include "pm-test-util.h"
#include "pm-gui-test-window.h"
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
draft_folder_in (const char *dir,
                 const char *db_path)
{
  const char *labels[] = { "disk", NULL };
  PmDatasetBatchOptions options = { 0 };
  PmDatasetBatchReport report;
  g_autoptr(GError) error = NULL;
  PmStore *store = pm_store_open (db_path, &error);

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

static void
draft_folder (const char *dir)
{
  draft_folder_in (dir, db);
}

/* The statuses stored for @dir's images, in path order ("reviewed,drafted,…"). */
static char *
stored_statuses_in (const char *dir,
                    const char *db_path)
{
  g_autoptr(GError) error = NULL;
  PmStore *store = pm_store_open (db_path, &error);
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

/* Whether the history has a project for @dir (a project file's must not land there). */
static gboolean
history_has_project (const char *dir)
{
  g_autoptr(GError) error = NULL;
  PmStore *store = pm_store_open (db, &error);
  gint64 id;

  g_assert_no_error (error);
  id = pm_store_find_project (store, dir, NULL);
  pm_store_close (store);
  return id > 0;
}

/* Sets @dir's image @index (in path order) to @status in @db_path, as a review would. */
static void
set_stored_status (const char    *dir,
                   const char    *db_path,
                   guint          index,
                   PmImageStatus  status)
{
  g_autoptr(GError) error = NULL;
  PmStore *store = pm_store_open (db_path, &error);
  g_autoptr(GPtrArray) images = NULL;
  gint64 project;

  g_assert_no_error (error);
  project = pm_store_find_project (store, dir, &error);
  g_assert_no_error (error);
  images = pm_store_list_project_images (store, project, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_true (pm_store_set_image_status (store,
                                            ((PmProjectImage *) images->pdata[index])->id,
                                            status, &error));
  g_assert_no_error (error);
  pm_store_close (store);
}

/* The pixels of a draft's current mask (its newest correction, else the engine's). */
static gint64
stored_mask_pixels_in (gint64      run_id,
                       const char *db_path)
{
  g_autoptr(GError) error = NULL;
  PmStore *store = pm_store_open (db_path, &error);
  g_autoptr(PmMask) mask = NULL;

  g_assert_no_error (error);
  mask = pm_store_get_draft_mask (store, run_id, &error);
  g_assert_no_error (error);
  pm_store_close (store);
  return pm_mask_count (mask);
}

static gint64
stored_mask_pixels (gint64 run_id)
{
  return stored_mask_pixels_in (run_id, db);
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

typedef struct { char *root; guint n_items; } RootWait;

static gboolean
project_of_root_open (gpointer data)
{
  RootWait *wait = data;
  PmProject *project = pm_window_get_project (window);

  return project != NULL && g_strcmp0 (pm_project_get_root (project), wait->root) == 0 &&
         project_open (GUINT_TO_POINTER (wait->n_items));
}

/* Opening is asynchronous (a worker finds what the path opens as): wait for the project of
 * @dir itself, not the one still open with as many images. */
static void
open_folder_and_wait (const char *dir,
                      guint       n_items)
{
  RootWait wait = { g_canonicalize_filename (dir, NULL), n_items };

  pm_window_open_folder (window, dir);
  pm_gui_wait_for (project_of_root_open, &wait, 30);
  g_free (wait.root);
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

typedef struct { const char *dir; const char *expected; const char *db_path; } StatusWait;

static gboolean
store_has_statuses (gpointer data)
{
  StatusWait *wait = data;
  g_autofree char *now = stored_statuses_in (wait->dir, wait->db_path);

  return g_strcmp0 (now, wait->expected) == 0;
}

static void
wait_statuses_in (const char *dir,
                  const char *db_path,
                  const char *expected)
{
  StatusWait wait = { dir, expected, db_path };
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (!store_has_statuses (&wait) && g_get_monotonic_time () < end)
    pm_gui_iterate (50);
  {
    g_autofree char *now = stored_statuses_in (dir, db_path);
    g_assert_cmpstr (now, ==, expected);
  }
}

static void
wait_statuses (const char *dir,
               const char *expected)
{
  wait_statuses_in (dir, db, expected);
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
  open_folder_and_wait (dir, 4);
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
  open_folder_and_wait (dir, 3);
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
  /* The counts follow the statuses read back after the last image. */
  {
    const char *want = "3 images · 0 to do · 3 drafted · 0 reviewed · 0 rejected";
    gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while (g_strcmp0 (pm_filmstrip_get_counts_text (PM_FILMSTRIP (window->filmstrip)), want) != 0 &&
           g_get_monotonic_time () < end)
      pm_gui_iterate (50);
    g_assert_cmpstr (pm_filmstrip_get_counts_text (PM_FILMSTRIP (window->filmstrip)), ==, want);
  }
  g_assert_null (pm_window_get_last_error (window));
}

typedef struct { const char *file; guint n_items; } FileWait;

static gboolean
project_file_open (gpointer data)
{
  FileWait *wait = data;

  return g_strcmp0 (pm_window_get_project_file (window), wait->file) == 0 &&
         project_open (GUINT_TO_POINTER (wait->n_items));
}

static gboolean
has_error (gpointer data)
{
  return pm_window_get_last_error (window) != NULL;
}

/* A project `paintmask batch FOLDER --db FILE.paintmask` made, half reviewed already:
 * given on the command line, it opens from that file, resumes at the first image not
 * reviewed, and the review and a correction are stored in the file, not in the history. */
static void
test_project_file (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "shoot", NULL);
  g_autofree char *file = g_build_filename (tmpdir, "shoot-review.paintmask", NULL);
  g_autofree char *loose_dir = g_build_filename (tmpdir, "loose", NULL);
  g_autofree char *loose = g_build_filename (loose_dir, "photo-00.png", NULL);
  g_autoptr(GFile) gfile = g_file_new_for_path (file);
  g_autoptr(GFile) loose_file = g_file_new_for_path (loose);
  FileWait wait = { file, 4 };
  PmFilmstrip *filmstrip = PM_FILMSTRIP (window->filmstrip);
  gint64 run, engine_pixels;

  write_photos (dir, 4);
  write_photos (loose_dir, 1);
  draft_folder_in (dir, file);
  set_stored_status (dir, file, 0, PM_IMAGE_STATUS_REVIEWED);
  set_stored_status (dir, file, 1, PM_IMAGE_STATUS_REJECTED);

  /* `paintmask FILE.paintmask`: GApplication::open, as the command line does. */
  g_application_open (G_APPLICATION (app), &gfile, 1, "");
  pm_gui_wait_for (project_file_open, &wait, 30);
  wait_shows (item_at (2));
  g_assert_true (pm_filmstrip_get_selected (filmstrip) == item_at (2));
  g_assert_cmpuint (pm_filmstrip_get_position (filmstrip), ==, 2);
  g_assert_true (pm_document_get_store (pm_window_get_document (window)) ==
                 pm_project_get_store (pm_window_get_project (window)));
  g_assert_false (history_has_project (dir));

  /* A correction and Enter land in the file. */
  run = pm_project_item_get_draft (item_at (2), 0);
  engine_pixels = stored_mask_pixels_in (run, file);
  g_assert_cmpint (engine_pixels, >, 0);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.mask-op", "s", "invert");
  {
    gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

    while (stored_mask_pixels_in (run, file) == engine_pixels && g_get_monotonic_time () < end)
      pm_gui_iterate (50);
    g_assert_cmpint (stored_mask_pixels_in (run, file), ==, (gint64) W * H - engine_pixels);
  }
  point_at_canvas ();
  xdotool ("key Return");
  wait_shows (item_at (3));
  wait_statuses_in (dir, file, "reviewed,rejected,reviewed,drafted");
  g_assert_false (history_has_project (dir));

  /* A photo opened beside the project goes to the history; back in the list, the file. */
  pm_window_open_file (window, loose_file);
  g_assert_true (pm_document_get_store (pm_window_get_document (window)) ==
                 pm_application_get_store (app));
  pm_gui_iterate (300);
  g_assert_true (pm_filmstrip_step (filmstrip, -1));
  wait_shows (item_at (2));
  g_assert_true (pm_document_get_store (pm_window_get_document (window)) ==
                 pm_project_get_store (pm_window_get_project (window)));
  g_assert_cmpstr (pm_app_store_get_path (pm_document_get_store (
    pm_window_get_document (window))), ==, file);
  g_assert_null (pm_window_get_last_error (window));
}

/* Open Folder finds the project file `paintmask batch` left in the folder; a dropped
 * .paintmask file opens its project; a file that is not a database says so. */
static void
test_project_file_folder_and_drop (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "inside", NULL);
  g_autofree char *inner = g_build_filename (dir, "labels.paintmask", NULL);
  g_autofree char *other_dir = g_build_filename (tmpdir, "dropped", NULL);
  g_autofree char *dropped = g_build_filename (tmpdir, "dropped.paintmask", NULL);
  g_autofree char *junk = g_build_filename (tmpdir, "junk.paintmask", NULL);
  g_autoptr(GFile) dropped_file = g_file_new_for_path (dropped);
  g_autoptr(GFile) junk_file = g_file_new_for_path (junk);
  FileWait wait = { inner, 2 };
  GtkDropTarget *target = NULL;
  g_autoptr(GListModel) controllers = NULL;

  write_photos (dir, 2);
  draft_folder_in (dir, inner);
  pm_window_open_folder (window, dir);
  pm_gui_wait_for (project_file_open, &wait, 30);
  wait_shows (item_at (0));
  g_assert_false (history_has_project (dir));

  /* Drag and drop: the view's drop target gets a file list. */
  write_photos (other_dir, 3);
  draft_folder_in (other_dir, dropped);
  controllers = gtk_widget_observe_controllers (GTK_WIDGET (window->view_stack));
  for (guint i = 0; i < g_list_model_get_n_items (controllers) && target == NULL; i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        target = GTK_DROP_TARGET (controller);
    }
  g_assert_nonnull (target);
  {
    GValue value = G_VALUE_INIT;
    GFile *files[] = { dropped_file };
    gboolean handled = FALSE;

    g_value_init (&value, GDK_TYPE_FILE_LIST);
    g_value_take_boxed (&value, gdk_file_list_new_from_array (files, 1));
    g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &handled);
    g_value_unset (&value);
    g_assert_true (handled);
  }
  wait.file = dropped;
  wait.n_items = 3;
  pm_gui_wait_for (project_file_open, &wait, 30);
  wait_shows (item_at (0));
  g_assert_false (history_has_project (other_dir));

  /* A dropped picture (not a file) is no image of the project: the history records it. */
  g_assert_true (pm_document_get_store (pm_window_get_document (window)) ==
                 pm_project_get_store (pm_window_get_project (window)));
  {
    GValue value = G_VALUE_INIT;
    g_autoptr(GBytes) bytes = g_bytes_new_take (g_malloc0 (8 * 8 * 4), 8 * 8 * 4);
    gboolean handled = FALSE;

    g_value_init (&value, GDK_TYPE_TEXTURE);
    g_value_take_object (&value, gdk_memory_texture_new (8, 8, GDK_MEMORY_R8G8B8A8, bytes,
                                                         8 * 4));
    g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &handled);
    g_value_unset (&value);
    g_assert_true (handled);
  }
  g_assert_true (pm_document_get_store (pm_window_get_document (window)) ==
                 pm_application_get_store (app));
  pm_gui_iterate (300);
  g_assert_cmpstr (pm_window_get_project_file (window), ==, dropped);

  /* Not a database: one line naming the file, and the project stays open. */
  g_assert_true (g_file_set_contents (junk, "not a database at all, only some words that "
                                      "are long enough to fill a header of a page", -1,
                                      NULL));
  pm_window_open_file (window, junk_file);
  pm_gui_wait_for (has_error, NULL, 30);
  g_assert_nonnull (strstr (pm_window_get_last_error (window), "junk.paintmask"));
  g_assert_nonnull (strstr (pm_window_get_last_error (window),
                            "cannot read it as a Paintmask file"));
  g_assert_cmpstr (pm_window_get_project_file (window), ==, dropped);
  pm_window_clear_last_error (window);
}

typedef struct { PmEngine *clipseg; guint warmed; } WarmWait;

static gboolean
clipseg_warmed (gpointer data)
{
  WarmWait *wait = data;
  PmClipsegEngineStats stats;

  pm_clipseg_engine_get_stats (wait->clipseg, &stats);
  return stats.warmed >= wait->warmed;
}

typedef struct { PmEngine *sam; PmImage *image; } SamWait;

static gboolean
sam_has (gpointer data)
{
  SamWait *wait = data;

  return pm_sam_engine_has_image (wait->sam, wait->image);
}

static PmImage *
load_item_photo (PmProjectItem *item)
{
  g_autoptr(GError) error = NULL;
  PmImage *image = pm_image_load (pm_project_item_get_file (item), PM_IMAGE_DEFAULT_MAX_PIXELS,
                                  &error);

  g_assert_no_error (error);
  return image;
}

/* While image N is reviewed, CLIPSeg's vision pass and SAM's embedding of N + 1 are made in
 * the background, and a run on N + 1 (on the pixels the window shows) needs no vision pass. */
static void
test_warm_next (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "warm", NULL);
  g_autofree char *clipseg_dir = pm_test_shared_path ("data/clipseg-fixture/tiny-f32");
  g_autofree char *sam_dir = pm_test_shared_path ("data/sam-fixture/tiny-f32");
  PmEngineOptions options = { .model_dir = clipseg_dir, .threads = 1 };
  PmEngineOptions sam_options = { .model_dir = sam_dir, .threads = 1 };
  g_autoptr(PmEngine) clipseg = NULL;
  g_autoptr(PmEngine) sam = NULL;
  g_autoptr(PmImage) second = NULL;
  g_autoptr(PmImage) third = NULL;
  g_autoptr(GError) error = NULL;
  PmEngines *engines = pm_application_get_engines (app);
  PmClipsegEngineStats stats;
  WarmWait warm = { NULL, 1 };

  if (!g_file_test (clipseg_dir, G_FILE_TEST_IS_DIR) || !g_file_test (sam_dir, G_FILE_TEST_IS_DIR))
    {
      if (g_getenv ("CI") != NULL)
        g_error ("the CLIPSeg and SAM fixtures are needed (PM_SHARED_DIR)");
      g_test_skip ("no CLIPSeg or SAM fixture under PM_SHARED_DIR");
      return;
    }
  clipseg = pm_engine_new ("clipseg", &options, &error);
  g_assert_no_error (error);
  sam = pm_engine_new ("sam", &sam_options, &error);
  g_assert_no_error (error);
  pm_engines_set_override (engines, clipseg);
  pm_mask_tools_set_sam (pm_window_get_tools (window), sam);
  warm.clipseg = clipseg;

  write_photos (dir, 3);
  draft_folder (dir);
  open_folder_and_wait (dir, 3);
  wait_shows (item_at (0));

  /* Image 1 is warm while image 0 is on screen. */
  second = load_item_photo (item_at (1));
  pm_gui_wait_for (clipseg_warmed, &warm, 60);
  {
    SamWait wait = { sam, second };
    pm_gui_wait_for (sam_has, &wait, 60);
  }
  pm_clipseg_engine_get_stats (clipseg, &stats);
  g_assert_cmpuint (stats.warmed, ==, 1);
  g_assert_cmpuint (stats.vision_runs, ==, 1);

  /* → : image 2 warms; image 1 (now on screen) stays warm: a run on the photo the window
   * shows answers from the cache. */
  point_at_canvas ();
  xdotool ("key Right");
  wait_shows (item_at (1));
  warm.warmed = 2;
  pm_gui_wait_for (clipseg_warmed, &warm, 60);
  third = load_item_photo (item_at (2));
  {
    SamWait wait = { sam, third };
    pm_gui_wait_for (sam_has, &wait, 60);
  }
  g_assert_true (pm_sam_engine_has_image (sam, pm_window_get_image (window)));
  {
    PmInstruction in = { .text = (char *) "a red disk", .target = (char *) "a red disk",
                         .action = PM_ACTION_SEGMENT };
    PmEngineResult result = { 0 };

    g_assert_true (pm_engine_run (clipseg, pm_window_get_image (window), &in, NULL, NULL, NULL,
                                  &result, &error));
    g_assert_no_error (error);
    pm_engine_result_clear (&result);
  }
  pm_clipseg_engine_get_stats (clipseg, &stats);
  g_assert_cmpuint (stats.vision_runs, ==, 2);
  g_assert_cmpuint (stats.cache_hits, ==, 1);
  g_assert_null (pm_window_get_last_error (window));

  pm_engines_set_override (engines, NULL);
  pm_mask_tools_set_sam (pm_window_get_tools (window), NULL);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  tmpdir = pm_test_tmpdir ();
  g_setenv ("XDG_DATA_HOME", tmpdir, TRUE);
  db = g_build_filename (tmpdir, "history.sqlite3", NULL);
  g_setenv ("PAINTMASK_DB", db, TRUE);

  g_test_init (&argc, &argv, NULL);
  gtk_disable_setlocale ();
  if (!pm_gui_test_init_display (&ret))
    return ret;
  if (!GDK_IS_X11_DISPLAY (gdk_display_get_default ()) || !g_find_program_in_path ("xdotool"))
    {
      if (g_getenv ("CI") != NULL)
        g_error ("the dataset test needs an X11 display and xdotool");
      g_print ("1..0 # SKIP needs an X11 display and xdotool\n");
      return 0;
    }
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  window = pm_gui_test_window_new (&app, db, 1000, 700);
  pm_gui_iterate (200);

  g_test_add_func ("/app/dataset/review-keys", test_review_keys);
  g_test_add_func ("/app/dataset/background-batch", test_background_batch);
  g_test_add_func ("/app/dataset/project-file", test_project_file);
  g_test_add_func ("/app/dataset/project-file-folder-and-drop", test_project_file_folder_and_drop);
  g_test_add_func ("/app/dataset/warm-next", test_warm_next);
  ret = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  pm_gui_iterate (200);
  g_object_unref (app);
  pm_test_rmdir (tmpdir);
  g_free (tmpdir);
  g_free (db);
  return ret;
}
