/* test-app.c: drives the real PmWindow: open, run the built-in engine, overlay, zoom,
 * undo/redo, history restore and delete, and checks rendered pixels.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Widgets are rendered through their snapshot vfunc into a GskRenderNode, drawn with the
 * window's renderer (GSK_RENDERER=cairo in the test environment) and read back as pixels.
 * With PM_SCREENSHOT=FILE.png set, it instead opens data/samples/coffee.png, runs
 * PM_SCREENSHOT_INSTRUCTION (default "paint the cup purple"), shows the mask overlay if
 * PM_SCREENSHOT_OVERLAY is set, and saves the window to FILE.
 * With PM_BENCH_STALL=4000x3000 it measures main-loop stalls during a run instead
 * (PM_BENCH_ENGINE=builtin|clipseg, PM_BENCH_MODEL_DIR=DIR, PM_BENCH_RUNS=N).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <time.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "pm-application.h"
#include "pm-clipseg-engine.h"
#include "pm-model.h"
#include "pm-endpoint-menu.h"
#include "pm-endpoints.h"
#include "pm-preferences-window.h"
#include "pm-test-util.h"
#include "pm-gui-test-disk.h"
#include "pm-gui-test-window.h"
#include "pm-window-private.h"

#define W PM_TEST_DISK_W
#define H PM_TEST_DISK_H
#define CX PM_TEST_DISK_CX
#define CY PM_TEST_DISK_CY
#define R PM_TEST_DISK_R

static PmApplication *app;
static PmWindow *window;
static char *tmpdir;
static char *photo_path;

typedef struct {
  int     width, height;
  guint8 *argb;    /* premultiplied, native endian, stride width * 4 */
} Pixels;

static void
pixels_free (Pixels *p)
{
  g_free (p->argb);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pixels, pixels_free)

static void
pixel_at (const Pixels *p,
          int           x,
          int           y,
          int           rgb[3])
{
  guint32 v;

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, p->width);
  g_assert_cmpint (y, <, p->height);
  v = ((guint32 *) p->argb)[(gsize) y * p->width + x];
  rgb[0] = (v >> 16) & 0xff;
  rgb[1] = (v >> 8) & 0xff;
  rgb[2] = v & 0xff;
}

/* ---------------------------------------------------------------- driving the loop */

static void
iterate (int ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

static void
wait_idle (void)
{
  gint64 end = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;

  do
    {
      iterate (20);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }
  while (pm_window_is_busy (window));
  iterate (100);
}

/* Lets the frame clock run two frames, so that layout and drawing are current. */
static void
wait_frames (void)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  gint64 start = gdk_frame_clock_get_frame_counter (clock);
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  gtk_widget_queue_draw (GTK_WIDGET (window));
  while (gdk_frame_clock_get_frame_counter (clock) < start + 2)
    {
      iterate (5);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }
}

static Pixels *
render (GtkWidget *widget)
{
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GdkRGBA bg;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  Pixels *p;

  wait_frames ();
  w = gtk_widget_get_width (widget);
  h = gtk_widget_get_height (widget);
  g_assert_cmpint (w, >, 0);
  g_assert_cmpint (h, >, 0);
  /* The widget's own snapshot vfunc (children are snapshotted through GTK); its CSS
   * background is not part of it, so start from the theme's window colour. */
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), "window_bg_color",
                                       &bg))
    gdk_rgba_parse (&bg, "#fafafa");
  gtk_snapshot_append_color (snapshot, &bg, &GRAPHENE_RECT_INIT (0, 0, w, h));
  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  p = g_new0 (Pixels, 1);
  p->width = gdk_texture_get_width (texture);
  p->height = gdk_texture_get_height (texture);
  p->argb = g_malloc ((gsize) p->width * p->height * 4);
  gdk_texture_download (texture, p->argb, (gsize) p->width * 4);
  return p;
}

static Pixels *
render_canvas (void)
{
  return render (GTK_WIDGET (pm_window_get_canvas (window)));
}

/* Canvas pixel of image point (ix, iy) (pixel centre). */
static void
canvas_pixel (const Pixels *p,
              double        ix,
              double        iy,
              int           rgb[3])
{
  double wx, wy;

  pm_canvas_image_to_widget (pm_window_get_canvas (window), ix + 0.5, iy + 0.5, &wx, &wy);
  pixel_at (p, (int) floor (wx), (int) floor (wy), rgb);
}

static int
rgb_distance (const int a[3],
              const int b[3])
{
  return MAX (abs (a[0] - b[0]), MAX (abs (a[1] - b[1]), abs (a[2] - b[2])));
}

static void
write_photo (void)
{
  photo_path = pm_test_disk_photo_write (tmpdir, "red-disk.png", 128);
}

/* ---------------------------------------------------------------- tests */

static void
test_open (void)
{
  g_autoptr(GFile) file = g_file_new_for_path (photo_path);
  const PmImage *image;

  pm_window_open_file (window, file);
  wait_idle ();
  g_assert_null (pm_window_get_last_error (window));
  image = pm_window_get_image (window);
  g_assert_nonnull (image);
  g_assert_cmpint (image->width, ==, W);
  g_assert_cmpint (image->height, ==, H);
  g_assert_true (pm_canvas_has_image (pm_window_get_canvas (window)));
  g_assert_false (pm_canvas_has_result (pm_window_get_canvas (window)));
}

static void
test_open_bad (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "not-an-image.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  const PmImage *before = pm_window_get_image (window);

  /* A corrupt file gives an error message (a toast) and keeps the open photo. */
  g_assert_true (g_file_set_contents (path, "\x89PNG\r\n\x1a\n garbage", -1, NULL));
  pm_window_open_file (window, file);
  wait_idle ();
  g_assert_nonnull (pm_window_get_last_error (window));
  g_assert_nonnull (strstr (pm_window_get_last_error (window), "not-an-image.png"));
  g_assert_true (pm_window_get_image (window) == before);
  pm_window_clear_last_error (window);
}

static void
test_run_builtin (void)
{
  const PmImage *image = pm_window_get_image (window);
  const PmImage *edited;
  const PmMask *mask;
  gint64 inter = 0, uni = 0;

  pm_window_run (window, "segment the red disk");
  g_assert_true (pm_window_is_busy (window));
  wait_idle ();
  g_assert_null (pm_window_get_last_error (window));

  mask = pm_window_get_mask (window);
  edited = pm_window_get_edited (window);
  g_assert_nonnull (mask);
  g_assert_nonnull (edited);
  g_assert_cmpint (mask->width, ==, W);
  g_assert_cmpint (edited->height, ==, H);

  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        gsize i = (gsize) y * W + x;
        gboolean truth = pm_test_disk_contains (x, y, R);
        gboolean m = mask->data[i] >= 0.5f;
        inter += truth && m;
        uni += truth || m;
        /* Far outside the disk the edit leaves pixels bit-identical. */
        if (!pm_test_disk_contains (x, y, R + 8))
          g_assert_cmpmem (edited->data + i * 4, 4, image->data + i * 4, 4);
      }
  g_test_message ("derived mask IoU with the disk: %.3f", (double) inter / uni);
  g_assert_cmpfloat ((double) inter / uni, >, 0.9);
}

/* Renders the canvas without and with the overlay and checks a grid of points away from
 * the boundary (the view filters when it scales): inside, the edit is shown and tinted;
 * outside, the photo is unchanged either way. */
static void
check_view (int tolerance)
{
  PmCanvas *canvas = pm_window_get_canvas (window);
  const PmImage *image = pm_window_get_image (window);
  const PmImage *edited = pm_window_get_edited (window);
  const PmMask *mask = pm_window_get_mask (window);
  g_autoptr(Pixels) plain = NULL;
  g_autoptr(Pixels) tinted = NULL;
  int checked_in = 0, checked_out = 0;

  if (pm_canvas_get_show_overlay (canvas))
    g_action_group_activate_action (G_ACTION_GROUP (window), "overlay", NULL);
  g_assert_false (pm_canvas_get_show_overlay (canvas));
  iterate (50);
  plain = render_canvas ();

  /* The overlay toggles through the window action, as the M key does. */
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "overlay"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "overlay", NULL);
  g_assert_true (pm_canvas_get_show_overlay (canvas));
  iterate (50);
  tinted = render_canvas ();

  for (int y = 4; y < H - 4; y += 6)
    for (int x = 4; x < W - 4; x += 6)
      {
        gsize i = (gsize) y * W + x;
        int a[3], b[3];
        int orig[3] = { image->data[i * 4], image->data[i * 4 + 1], image->data[i * 4 + 2] };
        int edit[3] = { edited->data[i * 4], edited->data[i * 4 + 1], edited->data[i * 4 + 2] };

        canvas_pixel (plain, x, y, a);
        canvas_pixel (tinted, x, y, b);
        if (pm_test_disk_contains (x, y, R - 6))
          {
            /* Painted inside: the canvas shows the edit, not the red original… */
            g_assert_true (mask->data[i] >= 0.5f);
            g_assert_cmpint (rgb_distance (a, edit), <=, 6 + tolerance);
            g_assert_cmpint (rgb_distance (a, orig), >, 40);
            /* …and the overlay tints it. */
            g_assert_cmpint (rgb_distance (a, b), >, 20);
            checked_in++;
          }
        else if (!pm_test_disk_contains (x, y, R + 8))
          {
            /* Unchanged outside, with or without the overlay. */
            g_assert_cmpint (rgb_distance (a, orig), <=, 2 + tolerance);
            g_assert_cmpint (rgb_distance (b, orig), <=, 2 + tolerance);
            checked_out++;
          }
      }
  g_assert_cmpint (checked_in, >, 100);
  g_assert_cmpint (checked_out, >, 500);
}

static void
test_render_overlay (void)
{
  PmCanvas *canvas = pm_window_get_canvas (window);
  const PmImage *image = pm_window_get_image (window);

  /* Fit (the photo is small: 200 %, composited on the CPU), 100 %, then 50 % (textures of
   * the half-size pyramid level). */
  pm_canvas_zoom_fit (canvas);
  check_view (0);
  pm_canvas_set_zoom (canvas, 1.0);
  check_view (0);
  pm_canvas_set_zoom (canvas, 0.5);
  check_view (4);
  pm_canvas_zoom_fit (canvas);

  /* Hold-to-compare shows the original. */
  pm_canvas_set_show_original (canvas, TRUE);
  {
    g_autoptr(Pixels) original = render_canvas ();
    int a[3];
    int orig[3] = { image->data[((gsize) CY * W + (gsize) CX) * 4],
                    image->data[((gsize) CY * W + (gsize) CX) * 4 + 1],
                    image->data[((gsize) CY * W + (gsize) CX) * 4 + 2] };

    pm_canvas_set_show_overlay (canvas, FALSE);
    g_clear_pointer (&original, pixels_free);
    original = render_canvas ();
    canvas_pixel (original, CX, CY, a);
    g_assert_cmpint (rgb_distance (a, orig), <=, 2);
  }
  pm_canvas_set_show_original (canvas, FALSE);
  pm_canvas_set_show_overlay (canvas, TRUE);
}

static void
test_zoom_crisp (void)
{
  PmCanvas *canvas = pm_window_get_canvas (window);
  const PmMask *mask = pm_window_get_mask (window);
  g_autoptr(Pixels) p = NULL;
  double wx, wy;
  int x0, y0, boundary_x = -1;

  /* 1600 % around the right edge of the disk: image pixels become 16×16 blocks. */
  pm_canvas_set_zoom (canvas, 16.0);
  g_assert_cmpfloat (pm_canvas_get_zoom (canvas), ==, 16.0);
  pm_canvas_image_to_widget (canvas, CX + R, CY, &wx, &wy);
  pm_canvas_zoom_at (canvas, 16.0, gtk_widget_get_width (GTK_WIDGET (canvas)) / 2.0,
                     gtk_widget_get_height (GTK_WIDGET (canvas)) / 2.0);
  /* Scroll the boundary into the middle. */
  {
    GtkAdjustment *h = gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (canvas));
    GtkAdjustment *v = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (canvas));
    gtk_adjustment_set_value (h, (CX + R) * 16 - gtk_widget_get_width (GTK_WIDGET (canvas)) / 2.0);
    gtk_adjustment_set_value (v, CY * 16 - gtk_widget_get_height (GTK_WIDGET (canvas)) / 2.0);
  }
  iterate (50);
  p = render_canvas ();

  /* Every screen pixel inside one image pixel has the same colour (nearest filter). */
  for (int ix = (int) (CX + R) - 4; ix <= (int) (CX + R) + 4; ix++)
    {
      int ref[3], c[3];
      pm_canvas_image_to_widget (canvas, ix, CY, &wx, &wy);
      x0 = (int) ceil (wx);
      y0 = (int) ceil (wy);
      /* Away from the block's sides: the mask outline (2 px and a 1 px halo, straddling
       * pixel edges at screen resolution) may run along them. */
      pixel_at (p, x0 + 3, y0 + 3, ref);
      for (int dy = 3; dy < 14; dy += 3)
        for (int dx = 3; dx < 14; dx += 3)
          {
            pixel_at (p, x0 + dx, y0 + dy, c);
            g_assert_cmpint (rgb_distance (c, ref), ==, 0);
          }
      if (boundary_x < 0 && mask->data[(gsize) CY * W + ix] >= 0.5f &&
          mask->data[(gsize) CY * W + ix + 1] < 0.5f)
        boundary_x = ix;
    }
  g_assert_cmpint (boundary_x, >, 0);
  {
    /* The last mask pixel is tinted, the next one shows the photo under the overlay
     * untinted, and the outline runs along the edge between them. */
    int in[3], out[3], plain[3], edge[3], color[3];
    const PmImage *image = pm_window_get_image (window);
    gsize i = (gsize) CY * W + boundary_x + 1;
    GdkRGBA overlay;

    pm_canvas_get_overlay_color (canvas, &overlay);
    color[0] = (int) lround (overlay.red * 255);
    color[1] = (int) lround (overlay.green * 255);
    color[2] = (int) lround (overlay.blue * 255);
    pm_canvas_image_to_widget (canvas, boundary_x + 0.5, CY + 0.5, &wx, &wy);
    pixel_at (p, (int) wx, (int) wy, in);
    pm_canvas_image_to_widget (canvas, boundary_x + 1.5, CY + 0.5, &wx, &wy);
    pixel_at (p, (int) wx, (int) wy, out);
    pm_canvas_image_to_widget (canvas, boundary_x + 1, CY + 0.5, &wx, &wy);
    pixel_at (p, (int) floor (wx), (int) wy, edge);
    plain[0] = image->data[i * 4]; plain[1] = image->data[i * 4 + 1]; plain[2] = image->data[i * 4 + 2];
    g_assert_cmpint (rgb_distance (out, plain), <=, 1);
    g_assert_cmpint (rgb_distance (in, out), >, 20);
    g_assert_cmpint (rgb_distance (edge, color), <=, 1);
  }
  pm_canvas_zoom_fit (pm_window_get_canvas (window));
}

static void
test_undo_redo (void)
{
  PmCanvas *canvas = pm_window_get_canvas (window);
  const PmImage *image = pm_window_get_image (window);
  const PmImage *edited = pm_window_get_edited (window);
  gsize i = ((gsize) CY * W + (gsize) CX) * 4;
  int orig[3] = { image->data[i], image->data[i + 1], image->data[i + 2] };
  int edit[3] = { edited->data[i], edited->data[i + 1], edited->data[i + 2] };
  int c[3];

  pm_canvas_set_show_overlay (canvas, FALSE);
  g_action_group_activate_action (G_ACTION_GROUP (window), "undo", NULL);
  wait_idle ();
  g_assert_null (pm_window_get_edited (window));
  {
    g_autoptr(Pixels) p = render_canvas ();
    canvas_pixel (p, CX, CY, c);
    g_assert_cmpint (rgb_distance (c, orig), <=, 2);
  }
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "undo"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "redo", NULL);
  wait_idle ();
  g_assert_true (pm_window_get_edited (window) == edited);
  {
    g_autoptr(Pixels) p = render_canvas ();
    canvas_pixel (p, CX, CY, c);
    g_assert_cmpint (rgb_distance (c, edit), <=, 6);
  }
}

static void
test_history_restore (void)
{
  gint64 first = pm_window_get_run_id (window);
  g_autoptr(PmImage) first_edited = pm_image_copy (pm_window_get_edited (window));
  const PmImage *edited;
  g_autoptr(Pixels) p = NULL;
  gsize i = ((gsize) CY * W + (gsize) CX) * 4;
  int c[3], want[3];

  g_assert_cmpint (first, >, 0);

  /* A second run, in another colour; undo/redo now spans two runs. */
  pm_window_run (window, "paint the red disk green");
  wait_idle ();
  g_assert_null (pm_window_get_last_error (window));
  g_assert_cmpint (pm_window_get_run_id (window), >, first);
  g_assert_false (memcmp (pm_window_get_edited (window)->data, first_edited->data,
                          (gsize) W * H * 4) == 0);

  /* The history panel lists the session. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-history", NULL);
  wait_idle ();

  /* Restore the first run from the database. */
  pm_window_restore_run (window, first);
  wait_idle ();
  g_assert_null (pm_window_get_last_error (window));
  g_assert_cmpint (pm_window_get_run_id (window), ==, first);
  edited = pm_window_get_edited (window);
  g_assert_nonnull (edited);
  g_assert_cmpmem (edited->data, (gsize) W * H * 4, first_edited->data, (gsize) W * H * 4);
  g_assert_nonnull (pm_window_get_mask (window));

  pm_canvas_set_show_overlay (pm_window_get_canvas (window), FALSE);
  p = render_canvas ();
  canvas_pixel (p, CX, CY, c);
  want[0] = first_edited->data[i]; want[1] = first_edited->data[i + 1];
  want[2] = first_edited->data[i + 2];
  g_assert_cmpint (rgb_distance (c, want), <=, 6);

  /* Redo moves to the second run, loaded from the history. */
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "redo"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "redo", NULL);
  wait_idle ();
  g_assert_cmpint (pm_window_get_run_id (window), >, first);
  g_assert_nonnull (pm_window_get_edited (window));
}

static void
test_import_edited (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "edited-elsewhere.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  const PmMask *mask;
  PmRunEntry *entry;
  guint before = pm_document_get_n_runs (pm_window_get_document (window));
  gint64 inter = 0, uni = 0;

  /* An edit made elsewhere (here: the current edit, saved) is paired with the photo and
   * its mask derived. */
  g_assert_true (pm_image_save_png (pm_window_get_edited (window), path, &error));
  g_assert_no_error (error);
  pm_canvas_set_show_overlay (pm_window_get_canvas (window), FALSE);
  pm_window_import_edited (window, file);
  wait_idle ();
  g_assert_null (pm_window_get_last_error (window));
  entry = pm_document_get_current (pm_window_get_document (window));
  g_assert_cmpstr (entry->engine, ==, "import");
  g_assert_cmpuint (pm_document_get_n_runs (pm_window_get_document (window)), ==, before + 1);
  g_assert_true (pm_canvas_get_show_overlay (pm_window_get_canvas (window)));
  mask = pm_window_get_mask (window);
  g_assert_nonnull (mask);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        gboolean truth = pm_test_disk_contains (x, y, R), m = mask->data[(gsize) y * W + x] >= 0.5f;
        inter += truth && m;
        uni += truth || m;
      }
  g_test_message ("imported edit: derived mask IoU with the disk %.3f", (double) inter / uni);
  g_assert_cmpfloat ((double) inter / uni, >, 0.9);
}

static void
test_session_file (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "session.paintmask", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  /* Export the session to a .paintmask file, then open that file: its last run shows. */
  g_assert_cmpint (pm_window_get_run_id (window), >, 0);
  pm_window_export_session_to (window, path);
  wait_idle ();
  g_assert_null (pm_window_get_last_error (window));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  pm_window_open_file (window, file);
  wait_idle ();
  g_assert_null (pm_window_get_last_error (window));
  g_assert_nonnull (pm_window_get_image (window));
  g_assert_nonnull (pm_window_get_edited (window));
  g_assert_nonnull (pm_window_get_mask (window));
  g_assert_cmpint (pm_window_get_run_id (window), >, 0);
}

static void
test_supersede (void)
{
  PmDocument *doc = pm_window_get_document (window);
  guint before;
  PmRunEntry *entry;

  /* A second instruction while the first runs cancels the first: one entry is added,
   * for the second instruction. */
  wait_idle ();
  before = pm_document_get_position (doc) + 1;
  pm_window_run (window, "paint the red disk green");
  g_assert_true (pm_document_get_running (doc));
  pm_window_run (window, "paint the red disk blue");
  wait_idle ();
  g_assert_null (pm_window_get_last_error (window));
  g_assert_false (pm_document_get_running (doc));
  entry = pm_document_get_current (doc);
  g_assert_nonnull (entry);
  g_assert_cmpstr (entry->instruction, ==, "paint the red disk blue");
  g_assert_cmpuint (pm_document_get_n_runs (doc), ==, before + 1);
  g_assert_cmpint (pm_document_get_position (doc), ==, (int) before);
}

static void
test_dialogs (void)
{
  g_autoptr(GtkBuilder) builder = NULL;
  GtkWindow *prefs;
  GList *toplevels;

  /* Templates and the shortcuts window parse; the about window opens. */
  builder = gtk_builder_new_from_resource ("/io/github/paintmask/Paintmask/gtk/help-overlay.ui");
  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (gtk_builder_get_object (builder, "help_overlay")));
  gtk_window_destroy (GTK_WINDOW (gtk_builder_get_object (builder, "help_overlay")));

  prefs = pm_preferences_window_new (pm_application_get_settings (app));
  gtk_window_present (prefs);
  iterate (100);
  gtk_window_destroy (prefs);

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  iterate (100);
  toplevels = gtk_window_list_toplevels ();
  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_ABOUT_WINDOW (l->data))
      gtk_window_destroy (l->data);
  g_list_free (toplevels);
  /* Without a window manager nothing gives the main window back its turn: under Xvfb its
   * frame clock stays idle after another toplevel closes until it is presented again. */
  gtk_window_present (GTK_WINDOW (window));
  iterate (50);
}

/* The engine selector's check buttons: builtin, clipseg, remote. */
static GtkWidget *
engine_check (guint i)
{
  g_assert_cmpuint (i, <, window->engine_checks->len);
  return window->engine_checks->pdata[i];
}

static void
test_engines (void)
{
  /* No CLIPSeg model under the test's XDG_DATA_HOME, no remote endpoint: both are
   * insensitive and say how to enable them; the built-in engine is selected. */
  const char *tip_clipseg = gtk_widget_get_tooltip_text (engine_check (1));
  const char *tip_remote = gtk_widget_get_tooltip_text (engine_check (2));

  g_assert_true (gtk_widget_get_sensitive (engine_check (0)));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (engine_check (0))));
  g_assert_false (gtk_widget_get_sensitive (engine_check (2)));
  g_assert_nonnull (tip_remote);
  g_assert_nonnull (strstr (tip_remote, "Preferences"));
  if (!gtk_widget_get_sensitive (engine_check (1)))
    {
      g_assert_nonnull (tip_clipseg);
      g_assert_nonnull (strstr (tip_clipseg, "paintmask model download"));
    }

  /* Configuring an endpoint makes the remote engine selectable. */
  g_settings_set_string (pm_application_get_settings (app), "remote-endpoint",
                         "http://127.0.0.1:9/v1");
  iterate (50);
  g_assert_true (gtk_widget_get_sensitive (engine_check (2)) ||
                 strstr (gtk_widget_get_tooltip_text (engine_check (2)), "build") != NULL);
  g_settings_reset (pm_application_get_settings (app), "remote-endpoint");
  iterate (50);
  g_assert_false (gtk_widget_get_sensitive (engine_check (2)));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (engine_check (0))));
}

/* Whether a CLIPSeg run made now would be refined with SAM (the tiny CLIPSeg fixture as the
 * model folder, so that the engine loads). */
static gboolean
clipseg_refines (PmEngines *engines)
{
  GSettings *settings = pm_application_get_settings (app);
  g_autofree char *clipseg = pm_test_shared_path ("data/clipseg-fixture/tiny-f32");
  g_autoptr(PmEngineRequest) request = NULL;
  g_autoptr(PmEngine) engine = NULL;
  g_autoptr(GError) error = NULL;

  g_settings_set_string (settings, "model-folder", clipseg);
  request = pm_engines_request (engines, "clipseg", &error);
  g_assert_no_error (error);
  engine = pm_engine_request_get_engine (request, &error);
  g_assert_no_error (error);
  g_settings_reset (settings, "model-folder");
  return pm_clipseg_engine_has_sam_refine (engine);
}

/* Preferences' “Refine Edges with SAM” is on by default and refines CLIPSeg's runs once a
 * SAM model is installed; switched off, or with no SAM model, CLIPSeg's own mask is kept. */
static void
test_sam_refine_setting (void)
{
  GSettings *settings = pm_application_get_settings (app);
  PmEngines *engines = pm_application_get_engines (app);
  g_autofree char *sam = pm_test_shared_path ("data/sam-fixture/tiny-f32");
  g_autofree char *installed = pm_model_get_default_dir (PM_MODEL_SAM_DEFAULT_NAME);
  const char *files[] = { "config.json", "model.safetensors", "preprocessor_config.json" };

  if (!g_file_test (sam, G_FILE_TEST_IS_DIR))
    {
      if (pm_test_in_ci ())
        g_error ("the SAM fixture is missing: %s", sam);
      g_test_skip ("SAM fixture not found (../shared/data/sam-fixture)");
      return;
    }
  g_assert_true (g_settings_get_boolean (settings, "refine-with-sam"));
  g_assert_false (g_file_test (installed, G_FILE_TEST_EXISTS));
  g_assert_false (pm_engines_get_sam_refine (engines));
  g_assert_false (clipseg_refines (engines));

  /* install the tiny SAM fixture as slimsam-77 */
  pm_test_copy_files (sam, installed, files, G_N_ELEMENTS (files));
  g_assert_true (pm_engines_get_sam_refine (engines));
  g_assert_true (clipseg_refines (engines));

  g_settings_set_boolean (settings, "refine-with-sam", FALSE);
  g_assert_false (pm_engines_get_sam_refine (engines));
  g_assert_false (clipseg_refines (engines));
  g_settings_reset (settings, "refine-with-sam");

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *to = g_build_filename (installed, files[i], NULL);
      g_assert_cmpint (g_unlink (to), ==, 0);
    }
  g_assert_cmpint (g_rmdir (installed), ==, 0);
  g_assert_false (pm_engines_get_sam_refine (engines));
}

static PmHistoryPanel *
panel (void)
{
  return pm_window_get_history_panel (window);
}

/* Lets the newest deletion's toast go, as its timeout does: the deletion happens. */
static void
dismiss_pending_toast (void)
{
  AdwToast *toast = pm_history_panel_get_pending_toast (panel ());

  g_assert_nonnull (toast);
  adw_toast_dismiss (toast);
}

/* Saved servers appear by name in the engine menu; choosing one selects the remote engine
 * under that name, and the engine reaches that server. */
static void
test_engine_servers (void)
{
  GSettings *settings = pm_application_get_settings (app);
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_endpoint_free);
  PmEndpoint *a = pm_endpoint_new ("Workstation ComfyUI", "comfyui");
  PmEndpoint *b = pm_endpoint_new ("Laptop sd.cpp", "sdcpp");
  PmEndpointMenu *menu = PM_ENDPOINT_MENU (window->endpoint_menu);
  GtkWidget *button;

  g_free (a->url);
  a->url = g_strdup ("http://127.0.0.1:9");
  g_ptr_array_add (list, a);
  g_ptr_array_add (list, b);
  pm_endpoints_save (settings, list);
  iterate (50);
  g_assert_nonnull (pm_endpoint_menu_get_button (menu, "Workstation ComfyUI"));
  button = pm_endpoint_menu_get_button (menu, "Laptop sd.cpp");
  g_assert_nonnull (button);
  /* The servers stand for "Remote"; the built-in engine stays the one in use. */
  g_assert_false (gtk_widget_get_visible (engine_check (2)));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (engine_check (0))));
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (button)));

  gtk_check_button_set_active (GTK_CHECK_BUTTON (button), TRUE);
  iterate (50);
  {
    g_autofree char *chosen = g_settings_get_string (settings, "remote-endpoint-selected");
    g_assert_cmpstr (chosen, ==, "Laptop sd.cpp");
  }
  g_assert_cmpstr (window->engine_name, ==, "remote");
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (button)));
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (engine_check (0))));
  g_assert_cmpstr (gtk_menu_button_get_label (window->engine_button), ==, "Laptop sd.cpp");

  /* Back to the built-in engine, then the same server again: the remote engine returns. */
  gtk_check_button_set_active (GTK_CHECK_BUTTON (engine_check (0)), TRUE);
  iterate (50);
  g_assert_cmpstr (window->engine_name, ==, "builtin");
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (button)));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (button), TRUE);
  iterate (50);
  g_assert_cmpstr (window->engine_name, ==, "remote");
  g_assert_cmpstr (gtk_menu_button_get_label (window->engine_button), ==, "Laptop sd.cpp");

  g_settings_reset (settings, "remote-endpoints");
  g_settings_reset (settings, "remote-endpoint-selected");
  iterate (50);
  g_assert_null (pm_endpoint_menu_get_button (menu, "Laptop sd.cpp"));
  g_assert_true (gtk_widget_get_visible (engine_check (2)));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (engine_check (0))));
}

/* The history panel's rows and their delete buttons carry the store id as "pm-id64". */
static gint64
panel_id (gpointer widget)
{
  gint64 *id = g_object_get_data (G_OBJECT (widget), "pm-id64");

  return id != NULL ? *id : 0;
}

static guint
panel_count (GtkListBox *list)
{
  guint n = 0;

  /* Rows of a deletion waiting for its toast are hidden. */
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (list)); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    n += GTK_IS_LIST_BOX_ROW (c) && gtk_widget_get_visible (c);
  return n;
}

static GtkWidget *
panel_row (GtkListBox *list,
           gint64      id)
{
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (list)); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_LIST_BOX_ROW (c) && panel_id (c) == id)
      return c;
  return NULL;
}

/* The row's trash button (a descendant button carrying the row's id). */
static GtkWidget *
panel_delete_button (GtkWidget *widget)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (c) && panel_id (c) != 0)
        return c;
      if ((found = panel_delete_button (c)) != NULL)
        return found;
    }
  return NULL;
}

/* Clicks the trash button of the row for @id in @list, as the user does, and waits for
 * the store call and the panel's reload to finish. */
static void
panel_click_delete (GtkListBox *list,
                    gint64      id)
{
  GtkWidget *row = panel_row (list, id);
  GtkWidget *button;

  g_assert_nonnull (row);
  button = panel_delete_button (row);
  g_assert_nonnull (button);
  g_assert_cmpint (panel_id (button), ==, id);
  g_signal_emit_by_name (button, "clicked");
  g_assert_false (gtk_widget_get_visible (row));
  dismiss_pending_toast ();
  wait_idle ();
  g_assert_null (pm_window_get_last_error (window));
}

static void
assert_run_gone (PmStore *store,
                 gint64   run_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmRunInfo) info = pm_store_get_run (store, run_id, &error);

  g_assert_null (info);
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
}

static void
assert_center_shows (const PmImage *want)
{
  gsize i = ((gsize) CY * W + (gsize) CX) * 4;
  int c[3], expect[3] = { want->data[i], want->data[i + 1], want->data[i + 2] };
  g_autoptr(Pixels) p = NULL;

  pm_canvas_set_show_overlay (pm_window_get_canvas (window), FALSE);
  p = render_canvas ();
  canvas_pixel (p, CX, CY, c);
  g_assert_cmpint (rgb_distance (c, expect), <=, 6);
}

static void
test_history_delete (void)
{
  g_autofree char *path = pm_test_disk_photo_write (tmpdir, "red-disk-dark.png", 90);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *db = g_build_filename (tmpdir, "history.sqlite3", NULL);
  g_autoptr(PmImage) second_edited = NULL;
  g_autoptr(GError) error = NULL;
  gint64 first, second, session;
  GtkWidget *row;
  guint guard = 0;

  /* A new photo (its own session) with two runs of the built-in engine. */
  pm_window_open_file (window, file);
  wait_idle ();
  g_assert_null (pm_window_get_last_error (window));
  pm_window_run (window, "segment the red disk");
  wait_idle ();
  g_assert_null (pm_window_get_last_error (window));
  first = pm_window_get_run_id (window);
  pm_window_run (window, "paint the red disk green");
  wait_idle ();
  g_assert_null (pm_window_get_last_error (window));
  second = pm_window_get_run_id (window);
  g_assert_cmpint (first, >, 0);
  g_assert_cmpint (second, >, first);
  second_edited = pm_image_copy (pm_window_get_edited (window));
  session = pm_document_get_session_id (pm_window_get_document (window));
  g_assert_cmpint (session, >, 0);

  /* The panel shows the sessions; activating this one lists its two runs. */
  if (!adw_flap_get_reveal_flap (window->flap))
    g_action_group_activate_action (G_ACTION_GROUP (window), "show-history", NULL);
  pm_history_panel_show_session (panel (), 0);
  wait_idle ();
  g_assert_true (adw_flap_get_reveal_flap (window->flap));
  row = panel_row (pm_history_panel_get_session_list (panel ()), session);
  g_assert_nonnull (row);
  g_signal_emit_by_name (pm_history_panel_get_session_list (panel ()), "row-activated", row);
  wait_idle ();
  g_assert_cmpint (pm_history_panel_get_session (panel ()), ==, session);
  g_assert_cmpstr (pm_history_panel_get_page (panel ()), ==, "runs");
  g_assert_cmpuint (panel_count (pm_history_panel_get_run_list (panel ())), ==, 2);
  g_assert_nonnull (panel_row (pm_history_panel_get_run_list (panel ()), first));
  g_assert_nonnull (panel_row (pm_history_panel_get_run_list (panel ()), second));

  /* Delete the first run with its row's trash button. */
  panel_click_delete (pm_history_panel_get_run_list (panel ()), first);
  g_assert_cmpuint (panel_count (pm_history_panel_get_run_list (panel ())), ==, 1);
  g_assert_null (panel_row (pm_history_panel_get_run_list (panel ()), first));
  g_assert_nonnull (panel_row (pm_history_panel_get_run_list (panel ()), second));
  for (guint i = 0; i < pm_document_get_n_runs (pm_window_get_document (window)); i++)
    g_assert_cmpint (pm_document_get_run (pm_window_get_document (window), i)->run_id, !=, first);
  {
    g_autoptr(PmStore) store = pm_store_open (db, &error);
    g_autoptr(PmRunInfo) info = NULL;

    g_assert_no_error (error);
    assert_run_gone (store, first);
    info = pm_store_get_run (store, second, &error);
    g_assert_no_error (error);
    g_assert_nonnull (info);
    g_assert_cmpint (info->session_id, ==, session);
  }

  /* The other run still restores from the store. */
  pm_window_restore_run (window, second);
  wait_idle ();
  g_assert_null (pm_window_get_last_error (window));
  g_assert_cmpint (pm_window_get_run_id (window), ==, second);
  g_assert_nonnull (pm_window_get_edited (window));
  g_assert_nonnull (pm_window_get_mask (window));
  g_assert_cmpmem (pm_window_get_edited (window)->data, (gsize) W * H * 4,
                   second_edited->data, (gsize) W * H * 4);

  /* Delete the whole session with the runs page's button: back to the session list,
   * without it. */
  g_assert_cmpint (pm_history_panel_get_session (panel ()), ==, session);
  g_signal_emit_by_name (pm_history_panel_get_delete_session_button (panel ()), "clicked");
  dismiss_pending_toast ();
  wait_idle ();
  g_assert_null (pm_window_get_last_error (window));
  g_assert_cmpint (pm_history_panel_get_session (panel ()), ==, 0);
  g_assert_null (panel_row (pm_history_panel_get_session_list (panel ()), session));
  g_assert_cmpint (pm_document_get_session_id (pm_window_get_document (window)), ==, 0);
  g_assert_cmpint (pm_window_get_run_id (window), ==, 0);
  {
    g_autoptr(PmStore) store = pm_store_open (db, &error);
    g_autoptr(PmSessionInfo) info = NULL;

    g_assert_no_error (error);
    assert_run_gone (store, second);
    info = pm_store_get_session (store, session, &error);
    g_assert_null (info);
    g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  /* The earlier tests' sessions go through their rows' trash buttons: the panel is then
   * empty and says so. */
  while ((row = gtk_widget_get_first_child (GTK_WIDGET (pm_history_panel_get_session_list (panel ())))) != NULL)
    {
      g_assert_cmpuint (++guard, <, 50);
      panel_click_delete (pm_history_panel_get_session_list (panel ()), panel_id (row));
    }
  g_assert_cmpuint (panel_count (pm_history_panel_get_session_list (panel ())), ==, 0);
  g_assert_cmpstr (pm_history_panel_get_page (panel ()), ==, "unavailable");
  {
    g_autoptr(PmStore) store = pm_store_open (db, &error);
    g_autoptr(GPtrArray) sessions = NULL;

    g_assert_no_error (error);
    sessions = pm_store_list_sessions (store, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (sessions->len, ==, 0);
  }

  /* The canvas keeps showing the edit, and a new run works and is recorded again. */
  g_assert_true (pm_canvas_has_result (pm_window_get_canvas (window)));
  assert_center_shows (second_edited);
  pm_window_run (window, "paint the red disk blue");
  wait_idle ();
  g_assert_null (pm_window_get_last_error (window));
  g_assert_nonnull (pm_window_get_edited (window));
  g_assert_cmpint (pm_window_get_run_id (window), >, 0);
  g_assert_cmpint (pm_document_get_session_id (pm_window_get_document (window)), >, 0);
  assert_center_shows (pm_window_get_edited (window));
  g_assert_cmpuint (panel_count (pm_history_panel_get_session_list (panel ())), ==, 1);
  g_assert_nonnull (panel_row (pm_history_panel_get_session_list (panel ()),
                               pm_document_get_session_id (pm_window_get_document (window))));
}

/* ---------------------------------------------------------------- screenshot mode */

static int
take_screenshot (const char *out)
{
  g_autofree char *sample = pm_test_source_path ("data/samples/coffee.png");
  g_autoptr(GFile) file = g_file_new_for_path (sample);
  const char *instruction = g_getenv ("PM_SCREENSHOT_INSTRUCTION");
  g_autoptr(Pixels) p = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmImage) shot = NULL;

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  iterate (300);
  pm_window_open_file (window, file);
  wait_idle ();
  pm_window_run (window, instruction ? instruction : "paint the cup purple");
  wait_idle ();
  if (g_getenv ("PM_SCREENSHOT_OVERLAY") != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (window), "overlay", NULL);
  iterate (5000);  /* let the engine's toast time out */
  p = render (GTK_WIDGET (window));
  shot = pm_image_new (p->width, p->height);
  for (gsize i = 0; i < (gsize) p->width * p->height; i++)
    {
      guint32 v = ((guint32 *) p->argb)[i];
      guint a = v >> 24;
      for (int k = 0; k < 3; k++)
        {
          guint c = (v >> (16 - 8 * k)) & 0xff;
          shot->data[i * 4 + k] = a ? (guint8) MIN (255u, c * 255 / a) : 0;
        }
      shot->data[i * 4 + 3] = (guint8) a;
    }
  if (!pm_image_save_png (shot, out, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  g_print ("saved %s (%d × %d); last error: %s\n", out, p->width, p->height,
           pm_window_get_last_error (window) ? pm_window_get_last_error (window) : "none");
  return 0;
}

/* ---------------------------------------------------------------- stall benchmark */

typedef struct {
  gint64 last;
  gint64 worst;
  double last_cpu;    /* main-thread CPU time at the last tick, ms */
  double worst_cpu;   /* main-thread CPU time spent within the worst gap, ms */
} Stall;

static double
thread_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static gboolean
stall_tick (gpointer data)
{
  Stall *s = data;
  gint64 now = g_get_monotonic_time ();
  double cpu = thread_cpu_ms ();

  /* A long gap with little CPU time is the main thread waiting for a core (machine load),
   * one with as much CPU time as wall time is work done on the main thread. */
  if (s->last != 0 && now - s->last > s->worst)
    {
      s->worst = now - s->last;
      s->worst_cpu = cpu - s->last_cpu;
    }
  s->last = now;
  s->last_cpu = cpu;
  return G_SOURCE_CONTINUE;
}

/* Selects the engine the bench runs with through the settings the window reads, as the
 * Preferences window would: PM_BENCH_ENGINE=builtin (default) or clipseg, and for clipseg
 * PM_BENCH_MODEL_DIR=DIR (else the installed default model). FALSE, with a message, when
 * the window did not select it (e.g. an incomplete model folder). */
static gboolean
bench_select_engine (void)
{
  GSettings *settings = pm_application_get_settings (app);
  const char *engine = g_getenv ("PM_BENCH_ENGINE");
  const char *model_dir = g_getenv ("PM_BENCH_MODEL_DIR");

  if (engine == NULL || *engine == '\0')
    engine = "builtin";
  if (!g_str_equal (engine, "builtin") && !g_str_equal (engine, "clipseg"))
    {
      g_printerr ("PM_BENCH_ENGINE: unknown engine “%s” (builtin or clipseg)\n", engine);
      return FALSE;
    }
  g_settings_set_string (settings, "model-folder", model_dir != NULL ? model_dir : "");
  g_settings_set_string (settings, "default-engine", engine);
  iterate (50);
  if (g_strcmp0 (window->engine_name, engine) != 0)
    {
      g_autoptr(GError) why = NULL;

      pm_engines_check (window->engines, engine, &why);
      g_printerr ("PM_BENCH_ENGINE: the window did not select “%s”: %s\n", engine,
                  why != NULL ? why->message : "unknown reason");
      return FALSE;
    }
  g_print ("engine: %s%s%s\n", window->engine_name,
           model_dir != NULL && g_str_equal (engine, "clipseg") ? ", model " : "",
           model_dir != NULL && g_str_equal (engine, "clipseg") ? model_dir : "");
  return TRUE;
}

/* PM_BENCH_STALL=WIDTHxHEIGHT: the longest main-loop gap while a run is in progress on a
 * synthetic photo of that size, and while its result is shown. The engine comes from
 * PM_BENCH_ENGINE (see bench_select_engine); PM_BENCH_RUNS=N repeats the run N times (the
 * first CLIPSeg run includes loading the model in the worker, later ones reuse it). */
static int
bench_stall (const char *size)
{
  int w = 4000, h = 3000;
  int runs = 1;
  g_autoptr(PmImage) image = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = g_build_filename (tmpdir, "big.png", NULL);
  Stall s = { 0 };
  guint id;

  if (sscanf (size, "%dx%d", &w, &h) != 2 || w < 1 || h < 1 || w > 20000 || h > 20000)
    {
      g_printerr ("PM_BENCH_STALL: “%s” is not a size like 4000x3000\n", size);
      return 1;
    }
  if (g_getenv ("PM_BENCH_RUNS") != NULL)
    runs = (int) CLAMP (g_ascii_strtoll (g_getenv ("PM_BENCH_RUNS"), NULL, 10), 1, 100);
  if (!bench_select_engine ())
    return 1;
  image = pm_image_new (w, h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *p = image->data + ((gsize) y * w + x) * 4;
        double dx = x - w / 2.0, dy = y - h / 2.0;
        gboolean disk = dx * dx + dy * dy < (h / 4.0) * (h / 4.0);
        p[0] = disk ? 200 : (guint8) (90 + 60 * x / w);
        p[1] = disk ? 30 : (guint8) (100 + 40 * y / h);
        p[2] = disk ? 30 : 120;
        p[3] = 255;
      }
  g_assert_true (pm_image_save_png (image, path, &error));
  file = g_file_new_for_path (path);
  pm_window_open_file (window, file);
  wait_idle ();

  id = g_timeout_add (1, stall_tick, &s);
  iterate (200);
  /* Baseline: the same gap measured while idle (machine load shows up here too). */
  s.worst = 0;
  iterate (3000);
  g_print ("worst main-loop gap while idle (baseline): %.1f ms (%.1f ms of it main-thread "
           "CPU)\n", s.worst / 1000.0, s.worst_cpu);
  for (int i = 1; i <= runs && pm_window_get_last_error (window) == NULL; i++)
    {
      gint64 t0;
      double cpu0;

      s.worst = 0;
      t0 = g_get_monotonic_time ();
      cpu0 = thread_cpu_ms ();
      pm_window_run (window, "segment the red disk");
      g_print ("run %d (%s): starting it took %.1f ms on the main thread\n", i,
               window->engine_name, (g_get_monotonic_time () - t0) / 1000.0);
      /* The run is over once its result callback has ended it (or it failed to start). */
      while (pm_document_get_running (pm_window_get_document (window)))
        iterate (5);
      g_print ("run %d (%s) on %d × %d: %.1f s, worst main-loop stall while running: "
               "%.1f ms (%.1f ms of it main-thread CPU); main-thread CPU time during the "
               "run: %.0f ms\n", i, window->engine_name, w, h,
               (g_get_monotonic_time () - t0) / 1e6, s.worst / 1000.0, s.worst_cpu,
               thread_cpu_ms () - cpu0);
      s.worst = 0;
      wait_idle ();
      iterate (500);
      g_print ("run %d: worst stall while showing the result (reveal, store write): %.1f ms "
               "(%.1f ms of it main-thread CPU)\n", i, s.worst / 1000.0, s.worst_cpu);
    }
  g_source_remove (id);
  if (pm_window_get_last_error (window) != NULL)
    g_printerr ("run failed: %s\n", pm_window_get_last_error (window));
  return pm_window_get_last_error (window) ? 1 : 0;
}

/* ---------------------------------------------------------------- main */

int
main (int    argc,
      char **argv)
{
  g_autofree char *db = NULL;
  const char *screenshot = g_getenv ("PM_SCREENSHOT");
  int ret;

  tmpdir = pm_test_tmpdir ();
  /* Keep the recent-files list and the default history out of the user's home. */
  g_setenv ("XDG_DATA_HOME", tmpdir, TRUE);
  db = g_build_filename (tmpdir, "history.sqlite3", NULL);
  g_setenv ("PAINTMASK_DB", db, TRUE);

  g_test_init (&argc, &argv, NULL);
  gtk_disable_setlocale ();
  if (!pm_gui_test_init_display (&ret))
    return ret;
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  window = pm_gui_test_window_new (&app, db, 900, 640);
  iterate (200);

  if (screenshot != NULL)
    return take_screenshot (screenshot);
  if (g_getenv ("PM_BENCH_STALL") != NULL)
    return bench_stall (g_getenv ("PM_BENCH_STALL"));

  write_photo ();
  g_test_add_func ("/app/window/dialogs", test_dialogs);
  g_test_add_func ("/app/window/engines", test_engines);
  g_test_add_func ("/app/window/engine-servers", test_engine_servers);
  g_test_add_func ("/app/window/sam-refine-setting", test_sam_refine_setting);
  g_test_add_func ("/app/window/open", test_open);
  g_test_add_func ("/app/window/open-bad", test_open_bad);
  /* These share the window and run in order: each builds on the previous run. */
  g_test_add_func ("/app/window/run-builtin", test_run_builtin);
  g_test_add_func ("/app/window/render-overlay", test_render_overlay);
  g_test_add_func ("/app/window/zoom-crisp", test_zoom_crisp);
  g_test_add_func ("/app/window/undo-redo", test_undo_redo);
  g_test_add_func ("/app/window/import-edited", test_import_edited);
  g_test_add_func ("/app/history/restore", test_history_restore);
  g_test_add_func ("/app/window/supersede", test_supersede);
  g_test_add_func ("/app/history/session-file", test_session_file);
  g_test_add_func ("/app/history/delete", test_history_delete);
  ret = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  iterate (100);
  g_object_unref (app);
  pm_test_rmdir (tmpdir);
  g_free (tmpdir);
  g_free (photo_path);
  return ret;
}
