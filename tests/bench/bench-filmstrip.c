/* bench-filmstrip.c: the dataset filmstrip's frame time while scrolling a folder of 10,000
 * images, as a ratio to a plain recycling list of file names over the same model, measured
 * in interleaved rounds of the same run. A benchmark, not a test.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   ninja -C build tests/bench/bench-filmstrip
 *   GSETTINGS_BACKEND=memory GSK_RENDERER=cairo xvfb-run -a -s '-screen 0 1280x1024x24' \
 *     build/tests/bench/bench-filmstrip [--images 10000] [--rounds 3] [--frames 300]
 *     [--step 600] [--folder DIR]
 *
 * It writes --images small PNGs (96×72, a coloured disk each) into a temporary folder (or
 * reuses --folder), opens it as a project in a temporary history, and scrolls each list
 * --frames frames from the top by --step pixels a frame (a fast fling). A frame's time is
 * the main thread's CPU time from the frame clock's before-paint to its after-paint (update,
 * layout, snapshot and drawing), which is what makes scrolling stutter; the thumbnails are
 * decoded meanwhile on the thumbnailer's worker. Wall-clock times are printed beside it:
 * on a loaded machine they also hold the time the main thread waited for a core.
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>
#include <gtk/gtk.h>

#include "pm-filmstrip.h"
#include "pm-image.h"
#include "pm-project.h"
#include "pm-thumbnailer.h"

static int n_images = 10000;
static int n_rounds = 3;
static int n_frames = 300;
static double step = 600;
static char *folder;

/* ---------------------------------------------------------------- the folder */

static void
write_images (const char *dir)
{
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (int i = 0; i < n_images; i++)
    {
      g_autoptr(PmImage) image = pm_image_new (96, 72);
      g_autofree char *name = g_strdup_printf ("img-%05d.png", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(GError) error = NULL;
      double cx = 20 + (i * 37) % 56, cy = 20 + (i * 53) % 32;

      for (int y = 0; y < 72; y++)
        for (int x = 0; x < 96; x++)
          {
            guint8 *p = image->data + ((gsize) y * 96 + x) * 4;
            gboolean disk = (x - cx) * (x - cx) + (y - cy) * (y - cy) < 16 * 16;

            p[0] = disk ? (i * 71) % 256 : 200;
            p[1] = disk ? (i * 29) % 256 : 200;
            p[2] = disk ? (i * 13) % 256 : 200;
            p[3] = 255;
          }
      if (!pm_image_save_png (image, path, &error))
        g_error ("%s", error->message);
    }
}

/* ---------------------------------------------------------------- the baseline list */

static void
plain_setup_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_set_size_request (label, -1, 66);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_list_item_set_child (item, label);
}

static void
plain_bind_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  data)
{
  PmProjectItem *it = gtk_list_item_get_item (item);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)),
                      pm_project_item_get_path (it));
}

static GtkWidget *
plain_list_new (GListModel *model)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkSelectionModel *selection = GTK_SELECTION_MODEL (
    gtk_single_selection_new (g_object_ref (model)));
  GtkWidget *list;

  g_signal_connect (factory, "setup", G_CALLBACK (plain_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (plain_bind_cb), NULL);
  list = gtk_list_view_new (selection, factory);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), list);
  gtk_widget_set_vexpand (scroller, TRUE);
  return scroller;
}

/* ---------------------------------------------------------------- scrolling */

typedef struct {
  GtkAdjustment *adj;
  GArray        *frame_ms;   /* of double: main-thread CPU time of each frame */
  GArray        *wall_ms;    /* of double: its wall-clock time (the machine's load in it) */
  gint64         paint_start;
  double         cpu_start;
  int            frames;
  gboolean       done;
} Scroll;

static double
thread_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
before_paint_cb (GdkFrameClock *clock,
                 Scroll        *s)
{
  s->paint_start = g_get_monotonic_time ();
  s->cpu_start = thread_cpu_ms ();
}

static void
after_paint_cb (GdkFrameClock *clock,
                Scroll        *s)
{
  double cpu = thread_cpu_ms () - s->cpu_start;
  double wall = (g_get_monotonic_time () - s->paint_start) / 1000.0;

  if (s->frames > 0 && !s->done)
    {
      g_array_append_val (s->frame_ms, cpu);
      g_array_append_val (s->wall_ms, wall);
    }
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       data)
{
  Scroll *s = data;

  if (s->frames >= n_frames)
    {
      s->done = TRUE;
      return G_SOURCE_REMOVE;
    }
  gtk_adjustment_set_value (s->adj, gtk_adjustment_get_value (s->adj) + step);
  s->frames++;
  return G_SOURCE_CONTINUE;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
quantile (GArray *sorted,
          double  q)
{
  return g_array_index (sorted, double, (guint) (q * (sorted->len - 1)));
}

/* Shows @child in @window and scrolls @scroller (in it) from the top; returns the sorted
 * frame times. */
static GArray *
scroll_round (GtkWindow         *window,
              GtkWidget         *child,
              GtkScrolledWindow *scroller)
{
  Scroll s = { 0 };
  GdkFrameClock *clock;
  gulong before, after;

  gtk_window_set_child (window, child);
  s.adj = gtk_scrolled_window_get_vadjustment (scroller);
  s.frame_ms = g_array_new (FALSE, FALSE, sizeof (double));
  s.wall_ms = g_array_new (FALSE, FALSE, sizeof (double));
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_usleep (300000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  gtk_adjustment_set_value (s.adj, 0);
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  before = g_signal_connect (clock, "before-paint", G_CALLBACK (before_paint_cb), &s);
  after = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &s);
  gtk_widget_add_tick_callback (child, tick_cb, &s, NULL);
  while (!s.done)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (clock, before);
  g_signal_handler_disconnect (clock, after);
  g_array_sort (s.frame_ms, compare_doubles);
  g_array_sort (s.wall_ms, compare_doubles);
  g_print ("  (wall clock: median %.2f ms, p95 %.2f ms, max %.2f ms)\n",
           quantile (s.wall_ms, 0.5), quantile (s.wall_ms, 0.95), quantile (s.wall_ms, 1.0));
  g_array_unref (s.wall_ms);
  return s.frame_ms;
}

static void
report (const char *name,
        int         round,
        GArray     *t)
{
  g_print ("%-9s round %d: %u frames, median %.2f ms, p95 %.2f ms, max %.2f ms\n", name, round,
           t->len, quantile (t, 0.5), quantile (t, 0.95), quantile (t, 1.0));
}

static void
open_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GError) error = NULL;

  if (!pm_project_open_finish (PM_PROJECT (source), result, &error))
    g_error ("%s", error->message);
  *(gboolean *) data = TRUE;
}

int
main (int    argc,
      char **argv)
{
  GOptionEntry entries[] = {
    { "images", 0, 0, G_OPTION_ARG_INT, &n_images, "images in the folder", "N" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &n_rounds, "rounds of each list", "N" },
    { "frames", 0, 0, G_OPTION_ARG_INT, &n_frames, "frames a round", "N" },
    { "step", 0, 0, G_OPTION_ARG_DOUBLE, &step, "pixels scrolled a frame", "PX" },
    { "folder", 0, 0, G_OPTION_ARG_FILENAME, &folder, "reuse this folder of images", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- filmstrip frame times");
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = NULL, *db = NULL;
  g_autoptr(PmAppStore) store = NULL;
  g_autoptr(PmProject) project = NULL;
  g_autoptr(GArray) film_med = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) plain_med = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) film_p95 = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) plain_p95 = g_array_new (FALSE, FALSE, sizeof (double));
  GtkWidget *window, *filmstrip;
  gboolean opened = FALSE;
  gint64 t0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-filmstrip: %s\n", error->message);
      return 2;
    }
  gtk_init ();
  tmp = g_dir_make_tmp ("pm-bench-filmstrip-XXXXXX", &error);
  g_assert_no_error (error);
  if (folder == NULL)
    {
      folder = g_build_filename (tmp, "images", NULL);
      t0 = g_get_monotonic_time ();
      write_images (folder);
      g_print ("wrote %d images in %.1f s\n", n_images,
               (g_get_monotonic_time () - t0) / 1e6);
    }
  db = g_build_filename (tmp, "history.sqlite3", NULL);
  store = pm_app_store_new (db);
  project = pm_project_new (store);
  t0 = g_get_monotonic_time ();
  pm_project_open_async (project, folder, NULL, open_done_cb, &opened);
  while (!opened)
    g_main_context_iteration (NULL, TRUE);
  g_print ("opened the folder (%u images) in %.2f s\n",
           g_list_model_get_n_items (pm_project_get_model (project)),
           (g_get_monotonic_time () - t0) / 1e6);

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 800);
  gtk_window_present (GTK_WINDOW (window));
  filmstrip = g_object_ref_sink (pm_filmstrip_new ());
  pm_filmstrip_set_project (PM_FILMSTRIP (filmstrip), project);

  for (int r = 0; r < n_rounds; r++)
    {
      GtkWidget *plain = plain_list_new (pm_project_get_model (project));
      g_autoptr(GArray) a = scroll_round (GTK_WINDOW (window), plain,
                                          GTK_SCROLLED_WINDOW (plain));
      g_autoptr(GArray) b = NULL;
      GtkScrolledWindow *film_scroller = GTK_SCROLLED_WINDOW (gtk_widget_get_parent (
        GTK_WIDGET (pm_filmstrip_get_list_view (PM_FILMSTRIP (filmstrip)))));
      double v;

      report ("plain", r + 1, a);
      v = quantile (a, 0.5); g_array_append_val (plain_med, v);
      v = quantile (a, 0.95); g_array_append_val (plain_p95, v);
      gtk_window_set_child (GTK_WINDOW (window), NULL);
      /* The filmstrip whole (filters, batch bar), scrolled by its list's adjustment. */
      b = scroll_round (GTK_WINDOW (window), filmstrip, film_scroller);
      report ("filmstrip", r + 1, b);
      v = quantile (b, 0.5); g_array_append_val (film_med, v);
      v = quantile (b, 0.95); g_array_append_val (film_p95, v);
      gtk_window_set_child (GTK_WINDOW (window), NULL);
    }
  g_array_sort (film_med, compare_doubles);
  g_array_sort (plain_med, compare_doubles);
  g_array_sort (film_p95, compare_doubles);
  g_array_sort (plain_p95, compare_doubles);
  g_print ("filmstrip / plain list, median of rounds: frame median %.2f / %.2f ms = %.2f x; "
           "p95 %.2f / %.2f ms = %.2f x; thumbnails decoded %u\n",
           quantile (film_med, 0.5), quantile (plain_med, 0.5),
           quantile (film_med, 0.5) / quantile (plain_med, 0.5),
           quantile (film_p95, 0.5), quantile (plain_p95, 0.5),
           quantile (film_p95, 0.5) / quantile (plain_p95, 0.5),
           pm_thumbnailer_get_n_made (pm_filmstrip_get_thumbnailer (PM_FILMSTRIP (filmstrip))));

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (filmstrip);
  g_clear_object (&project);
  g_clear_object (&store);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
    if (system (cmd) != 0)
      g_printerr ("bench-filmstrip: could not remove %s\n", tmp);
  }
  return 0;
}
