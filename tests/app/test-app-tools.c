/* test-app-tools.c: corrects a mask in the real window with real pointer events (X11 through
 * xdotool, under Xvfb): a brush stroke, an eraser stroke, one undo; then checks the mask on
 * screen, the edit that follows it, and the corrected_mask revisions stored in the history,
 * pixel by pixel.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The expected masks are made independently: the run's own mask, with the capsules between
 * the points the canvas reported for each stroke painted by pm_mask_paint_segment(). The
 * points themselves must be where the pointer was sent (within a pixel).
 */
#include "config.h"

#include <gdk/x11/gdkx.h>
#include <math.h>
#include <string.h>

#include "pm-application.h"
#include "pm-damaged-model-util.h"
#include "pm-canvas-private.h"
#include "pm-gui-test-util.h"
#include "pm-mask-ops.h"
#include "pm-mask-paint.h"
#include "pm-mask-refine.h"
#include "pm-metrics.h"
#include "pm-sam-engine.h"
#include "pm-store.h"
#include "pm-test-util.h"
#include "pm-gui-test-window.h"
#include "pm-window-private.h"

#define W 320
#define H 240
#define CX 160.0
#define CY 120.0
#define R 60.0
#define BRUSH 6.0

static PmApplication *app;
static PmWindow *window;
static char *tmpdir;
static char *db_path;

/* The stroke points the canvas reported, in image coordinates, per stroke. */
static GPtrArray *strokes;  /* of GArray of PmPoint */

/* ---------------------------------------------------------------- the loop */

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
  while (pm_window_is_busy (window) || pm_mask_tools_get_working (pm_window_get_tools (window)));
  iterate (100);
}

/* ---------------------------------------------------------------- the pointer */

/* Runs xdotool with @args against the window, then lets GTK take the events. */
static void
xdotool (const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) "xdotool");
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL,
                               NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  iterate (60);
}

/* Moves the pointer over image point (ix, iy) of the canvas. */
static void
pointer_to (double ix,
            double iy)
{
  PmCanvas *canvas = pm_window_get_canvas (window);
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  g_autofree char *xid = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (surface));
  g_autofree char *sx = NULL, *sy = NULL;
  graphene_point_t in, out;
  double wx, wy, tx, ty;

  pm_canvas_image_to_widget (canvas, ix, iy, &wx, &wy);
  in = GRAPHENE_POINT_INIT (wx, wy);
  g_assert_true (gtk_widget_compute_point (GTK_WIDGET (canvas), GTK_WIDGET (window), &in, &out));
  gtk_native_get_surface_transform (GTK_NATIVE (window), &tx, &ty);
  sx = g_strdup_printf ("%d", (int) lround (out.x + tx));
  sy = g_strdup_printf ("%d", (int) lround (out.y + ty));
  xdotool ((const char *[]) { "mousemove", "--window", xid, sx, sy, NULL });
}

static void
button (gboolean down)
{
  xdotool ((const char *[]) { down ? "mousedown" : "mouseup", "1", NULL });
}

/* A stroke through @points (image coordinates): press, a jump to each next one (a fast
 * mouse: nothing in between), release. */
static void
stroke (const PmPoint *points,
        guint          n)
{
  pointer_to (points[0].x, points[0].y);
  button (TRUE);
  for (guint i = 1; i < n; i++)
    pointer_to (points[i].x, points[i].y);
  button (FALSE);
}

static void
stroke_begin_cb (PmCanvas *canvas,
                 double    x,
                 double    y)
{
  GArray *points = g_array_new (FALSE, FALSE, sizeof (PmPoint));
  PmPoint p = { x, y };

  g_array_append_val (points, p);
  g_ptr_array_add (strokes, points);
}

static void
stroke_to_cb (PmCanvas *canvas,
              double    x,
              double    y)
{
  PmPoint p = { x, y };

  g_array_append_val (strokes->pdata[strokes->len - 1], p);
}

/* ---------------------------------------------------------------- expectations */

/* @base with the capsules of stroke @index painted by @brush. */
static void
paint_reported (PmMask        *mask,
                guint          index,
                const PmBrush *brush)
{
  GArray *points = strokes->pdata[index];

  pm_mask_paint_stroke (mask, brush, (const PmPoint *) points->data, points->len, NULL);
}

/* The reported points are where the pointer was sent, within a pixel. */
static void
assert_reported (guint          index,
                 const PmPoint *sent,
                 guint          n)
{
  GArray *points = strokes->pdata[index];

  for (guint j = 0; j < points->len; j++)
    g_test_message ("stroke %u point %u: %.2f, %.2f", index, j,
                    g_array_index (points, PmPoint, j).x, g_array_index (points, PmPoint, j).y);
  g_assert_cmpuint (points->len, >=, n);
  for (guint i = 0; i < n; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < points->len && !found; j++)
        {
          const PmPoint *p = &g_array_index (points, PmPoint, j);
          found = fabs (p->x - sent[i].x) <= 1.0 && fabs (p->y - sent[i].y) <= 1.0;
        }
      g_assert_true (found);
    }
}

static void
assert_masks_identical (const PmMask *got,
                        const PmMask *want)
{
  g_assert_nonnull (got);
  g_assert_cmpint (got->width, ==, want->width);
  g_assert_cmpint (got->height, ==, want->height);
  for (int i = 0; i < want->width * want->height; i++)
    if (got->data[i] != want->data[i])
      g_error ("pixel (%d, %d): %g, expected %g", i % want->width, i / want->width,
               got->data[i], want->data[i]);
}

static gint64
count_diff (const PmMask *a,
            const PmMask *b)
{
  gint64 n = 0;

  for (int i = 0; i < a->width * a->height; i++)
    n += a->data[i] != b->data[i];
  return n;
}

/* ---------------------------------------------------------------- the test */

static char *
write_photo (void)
{
  g_autoptr(PmImage) image = pm_image_new (W, H);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (tmpdir, "red-disk.png", NULL);

  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        guint8 *p = image->data + ((gsize) y * W + x) * 4;
        gboolean disk = hypot (x + 0.5 - CX, y + 0.5 - CY) <= R;
        int shade = (int) (20.0 * (x - CX) / W);

        p[0] = disk ? 200 + shade : 128;
        p[1] = disk ? 30 : 128;
        p[2] = disk ? 30 : 128;
        p[3] = 255;
      }
  g_assert_true (pm_image_save_png (image, path, &error));
  g_assert_no_error (error);
  return path;
}

static void
test_brush_eraser_undo (void)
{
  g_autofree char *photo = write_photo ();
  g_autoptr(GFile) file = g_file_new_for_path (photo);
  PmCanvas *canvas = pm_window_get_canvas (window);
  PmDocument *document = pm_window_get_document (window);
  /* The brush across the grey background (a fast stroke: three far points), the eraser
   * down through the disk; both clear of the tool bar over the canvas's top left. */
  const PmPoint brush_points[] = { { 240.3, 160.6 }, { 300.2, 60.5 }, { 200.7, 225.1 } };
  const PmPoint eraser_points[] = { { 150.4, 70.2 }, { 170.6, 175.3 } };
  g_autoptr(PmMask) base = NULL;
  g_autoptr(PmMask) after_brush = NULL;
  g_autoptr(PmMask) after_eraser = NULL;
  g_autoptr(PmStore) store = NULL;
  g_autoptr(GError) error = NULL;
  PmBrush brush;
  gint64 run_id;

  pm_window_open_file (window, file);
  wait_idle ();
  pm_window_run (window, "segment the red disk");
  wait_idle ();
  g_assert_null (pm_window_get_last_error (window));
  base = pm_mask_copy (pm_document_get_shown_mask (document));
  run_id = pm_window_get_run_id (window);
  g_assert_cmpint (run_id, >, 0);
  pm_canvas_set_zoom (canvas, 2.0);
  iterate (100);

  /* The tool bar's brush button. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "tool",
                                  g_variant_new_string ("brush"));
  g_assert_cmpint (pm_canvas_get_tool (canvas), ==, PM_CANVAS_TOOL_BRUSH);
  pm_canvas_set_brush_radius (canvas, BRUSH);
  stroke (brush_points, G_N_ELEMENTS (brush_points));
  wait_idle ();
  g_action_group_activate_action (G_ACTION_GROUP (window), "tool",
                                  g_variant_new_string ("eraser"));
  stroke (eraser_points, G_N_ELEMENTS (eraser_points));
  wait_idle ();

  g_assert_cmpuint (strokes->len, ==, 2);
  assert_reported (0, brush_points, G_N_ELEMENTS (brush_points));
  assert_reported (1, eraser_points, G_N_ELEMENTS (eraser_points));
  after_brush = pm_mask_copy (base);
  pm_brush_init (&brush, BRUSH);
  paint_reported (after_brush, 0, &brush);
  after_eraser = pm_mask_copy (after_brush);
  brush.erase = TRUE;
  paint_reported (after_eraser, 1, &brush);
  g_test_message ("brush changed %" G_GINT64_FORMAT " pixels, eraser %" G_GINT64_FORMAT,
                  count_diff (base, after_brush), count_diff (after_brush, after_eraser));
  g_assert_cmpint (count_diff (base, after_brush), >, 1500);
  g_assert_cmpint (count_diff (after_brush, after_eraser), >, 800);
  assert_masks_identical (pm_document_get_shown_mask (document), after_eraser);

  /* The edit follows: paint where the brush went, the photo back where the eraser went. */
  {
    const PmImage *image = pm_document_get_image (document);
    const PmImage *shown = pm_document_get_shown_edit (document);
    gsize painted = (gsize) 100 * W + 282, erased = (gsize) 120 * W + 160;

    g_assert_true (memcmp (shown->data + painted * 4, image->data + painted * 4, 3) != 0);
    g_assert_cmpmem (shown->data + erased * 4, 4, image->data + erased * 4, 4);
  }

  /* One undo: the eraser stroke goes. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "undo", NULL);
  wait_idle ();
  assert_masks_identical (pm_document_get_shown_mask (document), after_brush);

  /* The history: revision 1 the brush, 2 the eraser, and the newest (the undo) is what is
   * on screen. */
  store = pm_store_open (db_path, &error);
  g_assert_no_error (error);
  {
    g_autoptr(PmMask) r1 = pm_store_get_correction_mask (store, run_id, 1, &error);
    g_autoptr(PmMask) r2 = pm_store_get_correction_mask (store, run_id, 2, &error);
    g_autoptr(PmMask) newest = pm_store_get_correction_mask (store, run_id, 0, &error);
    g_autoptr(GPtrArray) artifacts = pm_store_list_artifacts (store, run_id, &error);
    PmArtifactInfo *last;

    g_assert_no_error (error);
    assert_masks_identical (r1, after_brush);
    assert_masks_identical (r2, after_eraser);
    assert_masks_identical (newest, after_brush);
    last = artifacts->pdata[artifacts->len - 1];
    g_assert_cmpint (last->revision, ==, 3);
    g_assert_cmpstr (last->operation, ==, "Undo");
  }
}

/* Zoomed in, the canvas composites the visible part on the CPU once and keeps it: a brush
 * dab composites only its rectangle again. What it shows after a stroke must be what a
 * composite made from scratch shows, and the stroke must show. */
static void
test_view_follows_stroke (void)
{
  PmCanvas *canvas = pm_window_get_canvas (window);
  PmDocument *document = pm_window_get_document (window);
  const PmPoint points[] = { { 40.2, 200.6 }, { 100.7, 210.3 } };
  g_autoptr(PmPixels) before = NULL;
  g_autoptr(PmPixels) after = NULL;
  g_autoptr(PmPixels) fresh = NULL;
  g_autoptr(PmMask) mask_before = NULL;
  double wx, wy;
  gint64 differ = 0;

  g_assert_nonnull (pm_document_get_shown_mask (document));
  mask_before = pm_mask_copy (pm_document_get_shown_mask (document));
  pm_canvas_set_zoom (canvas, 2.0);
  pm_canvas_set_show_overlay (canvas, TRUE);
  g_action_group_activate_action (G_ACTION_GROUP (window), "tool",
                                  g_variant_new_string ("brush"));
  pm_canvas_set_brush_radius (canvas, BRUSH);
  pointer_to (20, 20);
  before = pm_gui_render (GTK_WIDGET (canvas));
  g_assert_nonnull (canvas->cpu_surface);   /* zoomed in: the CPU path, cached */

  stroke (points, G_N_ELEMENTS (points));
  wait_idle ();
  g_assert_false (pm_mask_equal (mask_before, pm_document_get_shown_mask (document)));
  /* No brush circle over the view. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "tool",
                                  g_variant_new_string ("none"));
  after = pm_gui_render (GTK_WIDGET (canvas));
  pm_canvas_cpu_drop (canvas);
  fresh = pm_gui_render (GTK_WIDGET (canvas));

  g_assert_cmpint (after->width, ==, fresh->width);
  g_assert_cmpint (after->height, ==, fresh->height);
  g_assert_cmpmem (after->argb, (gsize) after->width * after->height * 4,
                   fresh->argb, (gsize) fresh->width * fresh->height * 4);
  /* The stroke is on screen: the middle of its path changed colour. */
  pm_canvas_image_to_widget (canvas, 70, 205, &wx, &wy);
  {
    int a[3], b[3];

    pm_pixels_at (before, (int) wx, (int) wy, b);
    pm_pixels_at (after, (int) wx, (int) wy, a);
    g_test_message ("at %.0f,%.0f: %d %d %d before, %d %d %d after", wx, wy, b[0], b[1], b[2],
                    a[0], a[1], a[2]);
    g_assert_true (a[0] != b[0] || a[1] != b[1] || a[2] != b[2]);
  }
  for (gsize i = 0; i < (gsize) after->width * after->height * 4; i++)
    differ += after->argb[i] != before->argb[i];
  g_assert_cmpint (differ, >, 500);
}

/* ---------------------------------------------------------------- lasso, clicks, keys */

static void
key (const char *name)
{
  xdotool ((const char *[]) { "key", name, NULL });
}

typedef struct {
  GArray   *points;   /* of PmPoint */
  gboolean  remove;
  guint     count;
} LassoDone;

static void
lasso_done_cb (PmCanvas      *canvas,
               const PmPoint *points,
               guint          n,
               gboolean       remove,
               LassoDone     *done)
{
  g_array_set_size (done->points, 0);
  g_array_append_vals (done->points, points, n);
  done->remove = remove;
  done->count++;
}

/* Each point sent is among the lasso's reported points, within a pixel. */
static void
assert_reported_points (const LassoDone *done,
                        const PmPoint   *sent,
                        guint            n)
{
  for (guint i = 0; i < n; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < done->points->len && !found; j++)
        {
          const PmPoint *p = &g_array_index (done->points, PmPoint, j);
          found = fabs (p->x - sent[i].x) <= 1.0 && fabs (p->y - sent[i].y) <= 1.0;
        }
      g_assert_true (found);
    }
}

/* The canvas takes the focus when clicked (with no tool: a click pans nothing away). */
static void
focus_canvas (void)
{
  g_action_group_activate_action (G_ACTION_GROUP (window), "tool",
                                  g_variant_new_string ("none"));
  pointer_to (20, 20);
  button (TRUE);
  button (FALSE);
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (pm_window_get_canvas (window))));
}

/* The lasso from its key: clicked points closed with Enter add their polygon; with Alt
 * held at the first point, closed by a double click, they remove it. Each is the mask
 * before it with the polygon of the points the canvas reported filled (nonzero rule). */
static void
test_lasso (void)
{
  PmCanvas *canvas = pm_window_get_canvas (window);
  PmDocument *document = pm_window_get_document (window);
  const PmPoint add[] = { { 30.4, 30.2 }, { 110.6, 40.5 }, { 60.2, 120.7 }, { 100.3, 90.1 } };
  const PmPoint cut[] = { { 150.5, 100.5 }, { 250.5, 110.5 }, { 200.5, 170.5 } };
  LassoDone done = { g_array_new (FALSE, FALSE, sizeof (PmPoint)), FALSE, 0 };
  g_autoptr(PmMask) want = NULL;
  gulong handler = g_signal_connect (canvas, "lasso-done", G_CALLBACK (lasso_done_cb), &done);

  focus_canvas ();
  key ("l");
  g_assert_cmpint (pm_canvas_get_tool (canvas), ==, PM_CANVAS_TOOL_LASSO);
  want = pm_mask_copy (pm_document_get_shown_mask (document));
  for (guint i = 0; i < G_N_ELEMENTS (add); i++)
    {
      pointer_to (add[i].x, add[i].y);
      button (TRUE);
      button (FALSE);
    }
  key ("Return");
  wait_idle ();
  g_assert_cmpuint (done.count, ==, 1);
  g_assert_false (done.remove);
  assert_reported_points (&done, add, G_N_ELEMENTS (add));
  pm_mask_fill_polygon (want, (const PmPoint *) done.points->data, done.points->len,
                        PM_FILL_NONZERO, 1.0f, NULL);
  assert_masks_identical (pm_document_get_shown_mask (document), want);
  g_assert_cmpfloat (want->data[60 * W + 70], ==, 1.0f);   /* inside the quadrilateral */

  pointer_to (cut[0].x, cut[0].y);
  xdotool ((const char *[]) { "keydown", "alt", NULL });
  button (TRUE);
  button (FALSE);
  xdotool ((const char *[]) { "keyup", "alt", NULL });
  pointer_to (cut[1].x, cut[1].y);
  button (TRUE);
  button (FALSE);
  pointer_to (cut[2].x, cut[2].y);
  xdotool ((const char *[]) { "click", "--repeat", "2", "--delay", "40", "1", NULL });
  wait_idle ();
  g_assert_cmpuint (done.count, ==, 2);
  g_assert_true (done.remove);
  assert_reported_points (&done, cut, G_N_ELEMENTS (cut));
  pm_mask_fill_polygon (want, (const PmPoint *) done.points->data, done.points->len,
                        PM_FILL_NONZERO, 0.0f, NULL);
  assert_masks_identical (pm_document_get_shown_mask (document), want);
  g_assert_cmpfloat (want->data[120 * W + 200], ==, 0.0f);  /* the disk, cut away */

  g_signal_handler_disconnect (canvas, handler);
  g_array_unref (done.points);
}

static void
click_added_cb (PmCanvas *canvas,
                double    x,
                double    y,
                gboolean  foreground,
                GArray   *clicks)
{
  PmClick click = { x, y, foreground };

  g_array_append_val (clicks, click);
}

/* Delete clears the mask; the click tool (GrabCut here: no SAM) then finds the disk from
 * one click on it, and a right click on the background refines again from both clicks:
 * each time exactly what pm_mask_refine_clicks() gives for the clicks the canvas reported,
 * from the mask the clicks began on. Undo ends the session (and its dots); Esc drops the
 * clicks. */
static void
test_click_refine (void)
{
  PmCanvas *canvas = pm_window_get_canvas (window);
  PmDocument *document = pm_window_get_document (window);
  PmMaskTools *tools = pm_window_get_tools (window);
  g_autoptr(GArray) clicks = g_array_new (FALSE, FALSE, sizeof (PmClick));
  g_autoptr(PmMask) empty = pm_mask_new (W, H);
  g_autoptr(GError) error = NULL;
  gulong handler;
  gint64 inter = 0, uni = 0;

  pm_mask_tools_set_sam (tools, NULL);
  focus_canvas ();
  key ("Delete");
  wait_idle ();
  assert_masks_identical (pm_document_get_shown_mask (document), empty);

  handler = g_signal_connect (canvas, "click-added", G_CALLBACK (click_added_cb), clicks);
  key ("c");
  g_assert_cmpint (pm_canvas_get_tool (canvas), ==, PM_CANVAS_TOOL_CLICK);
  pointer_to (CX + 10.3, CY - 5.6);
  button (TRUE);
  button (FALSE);
  wait_idle ();
  g_assert_cmpuint (clicks->len, ==, 1);
  {
    g_autoptr(PmMask) want = pm_mask_refine_clicks (pm_document_get_image (document), empty,
                                                    (const PmClick *) clicks->data, 1, NULL,
                                                    NULL, NULL, &error);
    g_assert_no_error (error);
    assert_masks_identical (pm_document_get_shown_mask (document), want);
    for (int i = 0; i < W * H; i++)
      {
        gboolean truth = hypot (i % W + 0.5 - CX, i / W + 0.5 - CY) <= R;
        inter += truth && want->data[i] > 0.5f;
        uni += truth || want->data[i] > 0.5f;
      }
    g_test_message ("one click: IoU %.3f with the disk", (double) inter / uni);
    g_assert_cmpfloat ((double) inter / uni, >, 0.9);
  }

  pointer_to (40.5, 200.5);
  xdotool ((const char *[]) { "click", "3", NULL });
  wait_idle ();
  g_assert_cmpuint (clicks->len, ==, 2);
  g_assert_false (g_array_index (clicks, PmClick, 1).foreground);
  {
    g_autoptr(PmMask) want = pm_mask_refine_clicks (pm_document_get_image (document), empty,
                                                    (const PmClick *) clicks->data, 2, NULL,
                                                    NULL, NULL, &error);
    g_assert_no_error (error);
    assert_masks_identical (pm_document_get_shown_mask (document), want);
  }
  g_assert_cmpuint (canvas->clicks->len, ==, 2);

  /* Undo ends the session and its dots go: the dots on screen are the clicks that made the
   * mask on screen. (The background click left the disk as it was, so it made no undo step
   * and undo takes back the first click.) The next click starts a session of its own. */
  key ("ctrl+z");
  wait_idle ();
  g_assert_cmpuint (canvas->clicks->len, ==, 0);
  assert_masks_identical (pm_document_get_shown_mask (document), empty);
  pointer_to (CX - 20.5, CY + 15.5);
  button (TRUE);
  button (FALSE);
  wait_idle ();
  g_assert_cmpuint (clicks->len, ==, 3);
  g_assert_cmpuint (canvas->clicks->len, ==, 1);
  {
    g_autoptr(PmMask) want = pm_mask_refine_clicks (pm_document_get_image (document), empty,
                                                    &g_array_index (clicks, PmClick, 2), 1,
                                                    NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    assert_masks_identical (pm_document_get_shown_mask (document), want);
  }
  key ("Escape");
  g_assert_cmpuint (canvas->clicks->len, ==, 0);
  g_assert_cmpint (pm_canvas_get_tool (canvas), ==, PM_CANVAS_TOOL_CLICK);
  g_signal_handler_disconnect (canvas, handler);
}

/* The mask keys give what pm_mask_op_apply() gives (what `paintmask mask` runs), each a
 * change; the last leaves the whole photo in the mask. */
static void
test_mask_keys (void)
{
  PmDocument *document = pm_window_get_document (window);
  const struct { const char *key; PmMaskOpKind kind; int amount; } ops[] = {
    { "d", PM_MASK_OP_REMOVE_ISLANDS, 38 },   /* 320 × 240 / 2000 */
    { "g", PM_MASK_OP_GROW, 2 }, { "s", PM_MASK_OP_SHRINK, 2 }, { "i", PM_MASK_OP_INVERT, 0 },
    { "h", PM_MASK_OP_FILL_HOLES, 0 },
  };
  g_autoptr(GError) error = NULL;

  /* A speck for D to remove. */
  g_assert_true (pm_document_begin_correction (document, "Speck"));
  for (int y = 200; y < 205; y++)
    for (int x = 10; x < 15; x++)
      pm_document_get_working_mask (document)->data[y * W + x] = 1.0f;
  pm_document_mark_dirty (document, &(PmRect) { 10, 200, 5, 5 });
  g_assert_true (pm_document_commit_correction (document));
  focus_canvas ();
  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    {
      g_autoptr(PmMask) want = pm_mask_copy (pm_document_get_shown_mask (document));
      PmMaskOp op = { ops[i].kind, ops[i].amount };
      int position = pm_document_get_position (document);

      g_assert_true (pm_mask_op_apply (want, &op, pm_document_get_image (document), NULL,
                                       NULL, &error));
      g_assert_no_error (error);
      g_assert_false (pm_mask_equal (want, pm_document_get_shown_mask (document)));
      key (ops[i].key);
      wait_idle ();
      g_test_message ("key %s", ops[i].key);
      assert_masks_identical (pm_document_get_shown_mask (document), want);
      g_assert_cmpint (pm_document_get_position (document), ==, position);
    }
}

/* ---------------------------------------------------------------- boundary inspection */

static void
assert_style (PmCanvasMaskStyle  style,
              const char        *setting)
{
  g_autofree char *value = g_settings_get_string (pm_application_get_settings (app),
                                                  "overlay-style");

  g_assert_cmpint (pm_canvas_get_mask_style (pm_window_get_canvas (window)), ==, style);
  g_assert_cmpstr (value, ==, setting);
}

/* The column of widget pixels on the left edge of image column @ix. */
static int
grid_column (PmCanvas *canvas,
             int       ix)
{
  double wx, wy;

  pm_canvas_image_to_widget (canvas, ix, CY, &wx, &wy);
  return (int) floor (wx);
}

/* The views from their keys (K contour, W black and white, O overlay), the split dragged,
 * the compare contour and its IoU, the pixel grid from 800 % and the pointer's pixel in
 * the status line. */
static void
test_inspect (void)
{
  PmCanvas *canvas = pm_window_get_canvas (window);
  PmDocument *document = pm_window_get_document (window);
  PmMaskTools *tools = pm_window_get_tools (window);
  PmRunEntry *entry = pm_document_get_current (document);
  const PmImage *image = pm_document_get_image (document);
  g_autofree char *iou = NULL;
  g_autofree char *status = NULL;
  double split0, sx, sy;

  focus_canvas ();
  key ("k");
  assert_style (PM_CANVAS_MASK_CONTOUR, "outline");
  key ("w");
  assert_style (PM_CANVAS_MASK_ONLY, "mask");
  key ("o");
  assert_style (PM_CANVAS_MASK_OVERLAY, "fill");

  /* The split line follows a drag. */
  pm_canvas_set_zoom (canvas, 2.0);
  key ("v");
  g_assert_true (pm_canvas_get_split (canvas));
  split0 = pm_canvas_get_split_position (canvas);
  pointer_to (split0 * W, CY);
  button (TRUE);
  pointer_to (split0 * W + 30, CY);
  pointer_to (split0 * W + 60, CY);
  button (FALSE);
  g_test_message ("split %.3f -> %.3f", split0, pm_canvas_get_split_position (canvas));
  g_assert_cmpfloat (fabs (pm_canvas_get_split_position (canvas) - (split0 + 60.0 / W)), <,
                     1.5 / W);
  key ("v");
  g_assert_false (pm_canvas_get_split (canvas));

  /* Compare: the engine's mask as a second contour, the IoU in the status line. */
  key ("x");
  iterate (400);
  g_assert_true (pm_canvas_has_compare_mask (canvas));
  iou = g_strdup_printf ("IoU %.3f with the engine’s mask",
                         pm_mask_iou (pm_document_get_shown_mask (document), entry->base, NULL,
                                      NULL));
  g_assert_cmpstr (pm_mask_tools_get_compare_status (tools), ==, iou);
  g_assert_cmpstr (gtk_label_get_text (window->compare_label), ==, iou);
  key ("x");
  iterate (400);
  g_assert_false (pm_canvas_has_compare_mask (canvas));
  g_assert_cmpstr (pm_mask_tools_get_compare_status (tools), ==, "");

  /* From 800 %: the grid between pixels; the status line names the pixel under the
   * pointer, its colour in the photo and its mask value. */
  pm_canvas_set_show_overlay (canvas, FALSE);
  for (int pass = 0; pass < 2; pass++)
    {
      g_autoptr(PmPixels) view = NULL;
      int c = 0, line[3], inside[3], inside2[3], row;

      pm_canvas_set_zoom (canvas, pass == 0 ? 4.0 : 10.0);
      iterate (100);
      view = pm_gui_render (GTK_WIDGET (canvas));
      pm_canvas_image_to_widget (canvas, CX, CY + 0.5, &sx, &sy);
      row = (int) sy;
      c = grid_column (canvas, (int) CX + 2);
      pm_pixels_at (view, c, row, line);
      pm_pixels_at (view, c + 2, row, inside);
      pm_pixels_at (view, grid_column (canvas, (int) CX + 3) - 2, row, inside2);
      g_test_message ("zoom %s: line %d %d %d, inside %d %d %d", pass ? "10" : "4", line[0],
                      line[1], line[2], inside[0], inside[1], inside[2]);
      g_assert_cmpint (inside[0], ==, inside2[0]);
      if (pass == 0)
        g_assert_cmpint (line[0], ==, inside[0]);
      else
        g_assert_cmpint (abs (line[0] - inside[0]), >, 10);
    }
  pointer_to (CX + 3.5, CY + 2.5);
  {
    int ix = (int) CX + 3, iy = (int) CY + 2;
    const guint8 *p = image->data + ((gsize) iy * W + ix) * 4;

    status = g_strdup_printf ("x %d  y %d  ·  RGB %d %d %d  ·  mask %.2f", ix, iy, p[0], p[1],
                              p[2], pm_document_get_shown_mask (document)->data[iy * W + ix]);
  }
  g_assert_cmpstr (pm_mask_tools_get_pointer_status (tools), ==, status);
  g_assert_nonnull (strstr (status, "mask 1.00"));   /* the disk */
  /* A correction under the still pointer shows in the status line at once. */
  key ("i");
  wait_idle ();
  g_assert_nonnull (strstr (pm_mask_tools_get_pointer_status (tools), "mask 0.00"));
  key ("i");
  wait_idle ();
  g_assert_cmpstr (pm_mask_tools_get_pointer_status (tools), ==, status);
  g_assert_cmpstr (gtk_label_get_text (window->pointer_label), ==, status);
  pm_canvas_set_zoom (canvas, 2.0);
  pm_canvas_set_show_overlay (canvas, TRUE);
}

static void
box_done_cb (PmCanvas *canvas,
             int       x,
             int       y,
             int       width,
             int       height,
             PmRect   *box)
{
  *box = (PmRect) { x, y, width, height };
}

/* Drags the box tool from (90.4, 60.2) to (230.6, 190.3) and waits for the refine. */
static void
drag_box (void)
{
  g_action_group_activate_action (G_ACTION_GROUP (window), "tool", g_variant_new_string ("box"));
  pointer_to (90.4, 60.2);
  button (TRUE);
  pointer_to (150.0, 110.0);
  pointer_to (230.6, 190.3);
  button (FALSE);
  wait_idle ();
}

/* The box tool with a SAM model (the tiny reference fixture: random weights, so the mask
 * means nothing, but it is SAM's): inside the dragged box the mask becomes SAM's answer to
 * that box, outside it stays. */
static void
test_box_sam (void)
{
  g_autofree char *dir = pm_test_shared_path ("data/sam-fixture/tiny-f32");
  PmCanvas *canvas = pm_window_get_canvas (window);
  PmDocument *document = pm_window_get_document (window);
  PmMaskTools *tools = pm_window_get_tools (window);
  PmEngineOptions options = { .model_dir = dir, .threads = 1 };
  g_autoptr(PmEngine) sam = NULL;
  g_autoptr(PmMask) before = NULL;
  g_autoptr(PmSamResult) want = NULL;
  g_autoptr(GError) error = NULL;
  const PmMask *after;
  PmSamPrompt prompt = { 0 };
  PmRect box = { 0, 0, 0, 0 };
  gulong handler;
  gint64 inside = 0, changed = 0;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      if (g_getenv ("CI") != NULL)
        g_error ("the SAM fixture is missing: %s", dir);
      g_test_skip ("SAM fixture not found (../shared/data/sam-fixture)");
      return;
    }
  sam = pm_sam_engine_new (&options, &error);
  g_assert_no_error (error);
  pm_mask_tools_set_sam (tools, sam);
  g_assert_true (pm_mask_tools_has_sam (tools));
  before = pm_mask_copy (pm_document_get_shown_mask (document));

  handler = g_signal_connect (canvas, "box-done", G_CALLBACK (box_done_cb), &box);
  drag_box ();
  g_signal_handler_disconnect (canvas, handler);
  g_test_message ("box %d,%d %d×%d", box.x, box.y, box.width, box.height);
  g_assert_cmpint (abs (box.x - 90), <=, 1);
  g_assert_cmpint (abs (box.x + box.width - 231), <=, 1);

  prompt.has_box = TRUE;
  prompt.box[0] = box.x;
  prompt.box[1] = box.y;
  prompt.box[2] = box.x + box.width - 1;
  prompt.box[3] = box.y + box.height - 1;
  want = pm_sam_engine_segment (sam, pm_document_get_image (document), &prompt, NULL, NULL,
                                NULL, NULL, &error);
  g_assert_no_error (error);
  after = pm_document_get_shown_mask (document);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        gsize i = (gsize) y * W + x;
        gboolean in = x >= box.x && x < box.x + box.width && y >= box.y &&
                      y < box.y + box.height;

        if (in)
          {
            g_assert_cmpfloat (after->data[i], ==, pm_sam_result_get_best (want)->data[i]);
            inside++;
            changed += after->data[i] != before->data[i];
          }
        else
          g_assert_cmpfloat (after->data[i], ==, before->data[i]);
      }
  g_assert_cmpint (inside, ==, (gint64) box.width * box.height);
  /* SAM's answer is not the mask that was there: the box really went to SAM. */
  g_test_message ("SAM changed %" G_GINT64_FORMAT " pixels in the box", changed);
  g_assert_cmpint (changed, >, 500);
  pm_mask_tools_set_sam (tools, NULL);
}

typedef struct {
  guint  n;
  char  *last;
} Messages;

static void
message_cb (PmMaskTools *tools,
            const char  *text,
            Messages    *m)
{
  m->n++;
  g_free (m->last);
  m->last = g_strdup (text);
}

/* A SAM model with a damaged weight loads (the weights are checked as they are packed) and
 * fails at the first box: GrabCut answers instead and the user is told why, once, not at
 * every box or click. */
static void
test_sam_damaged (void)
{
  g_autofree char *src = pm_test_shared_path ("data/sam-fixture/tiny-f32");
  g_autofree char *tmp = pm_test_tmpdir ();
  g_autofree char *dir = g_build_filename (tmp, "damaged", NULL);
  PmDocument *document = pm_window_get_document (window);
  PmMaskTools *tools = pm_window_get_tools (window);
  PmEngineOptions options = { .model_dir = dir, .threads = 1 };
  g_autoptr(PmEngine) sam = NULL;
  g_autoptr(PmMask) before = NULL;
  g_autoptr(GError) error = NULL;
  Messages m = { 0 };
  gulong handler;

  if (!g_file_test (src, G_FILE_TEST_IS_DIR))
    {
      if (g_getenv ("CI") != NULL)
        g_error ("the SAM fixture is missing: %s", src);
      g_test_skip ("SAM fixture not found (../shared/data/sam-fixture)");
      return;
    }
  pm_test_damaged_model_copy (src, dir, "vision_encoder.layers.1.mlp.lin1.weight");
  sam = pm_sam_engine_new (&options, &error);
  g_assert_no_error (error);
  pm_mask_tools_set_sam (tools, sam);
  handler = g_signal_connect (tools, "message", G_CALLBACK (message_cb), &m);
  before = pm_mask_copy (pm_document_get_shown_mask (document));

  drag_box ();
  g_assert_cmpuint (m.n, ==, 1);
  g_test_message ("%s", m.last);
  g_assert_nonnull (strstr (m.last, "GrabCut"));
  g_assert_nonnull (strstr (m.last, "vision_encoder.layers.1.mlp.lin1.weight"));
  g_assert_nonnull (strstr (m.last, "element 7 is NaN or infinite"));
  g_assert_null (strchr (m.last, '\n'));
  /* GrabCut's answer went in */
  g_assert_false (pm_mask_equal (pm_document_get_shown_mask (document), before));

  drag_box ();
  g_assert_cmpuint (m.n, ==, 1);

  g_signal_handler_disconnect (tools, handler);
  g_free (m.last);
  pm_mask_tools_set_sam (tools, NULL);
  pm_test_rmdir (tmp);
}

/* With a SAM model, a photo is encoded in the background as soon as it is shown, before
 * the box or click tool is picked: the first box or click then costs only the decoder. */
static void
test_sam_encode_on_open (void)
{
  g_autofree char *dir = pm_test_shared_path ("data/sam-fixture/tiny-f32");
  PmDocument *document = pm_window_get_document (window);
  PmMaskTools *tools = pm_window_get_tools (window);
  PmEngineOptions options = { .model_dir = dir, .threads = 1 };
  g_autoptr(PmEngine) sam = NULL;
  g_autoptr(GError) error = NULL;
  PmImage *image = pm_image_new (W / 2, H / 2);
  gint64 end;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      if (g_getenv ("CI") != NULL)
        g_error ("the SAM fixture is missing: %s", dir);
      g_test_skip ("SAM fixture not found (../shared/data/sam-fixture)");
      pm_image_free (image);
      return;
    }
  sam = pm_sam_engine_new (&options, &error);
  g_assert_no_error (error);
  pm_mask_tools_set_sam (tools, sam);
  g_action_group_activate_action (G_ACTION_GROUP (window), "tool",
                                  g_variant_new_string ("brush"));
  iterate (50);
  for (gsize i = 0; i < (gsize) image->width * image->height; i++)
    {
      image->data[4 * i] = (guint8) (i * 7);
      image->data[4 * i + 1] = (guint8) (i / 3);
      image->data[4 * i + 2] = 90;
      image->data[4 * i + 3] = 255;
    }
  pm_document_set_image (document, image, NULL, "noise");
  /* (the tool is the brush: before, only the box or click tool started the encoding) */
  end = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;
  while (!pm_sam_engine_has_image (sam, pm_document_get_image (document)))
    {
      iterate (20);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }

  /* the photo's fingerprint (the clicks' cache key) is made once and is the pixels' own */
  {
    PmPhoto *photo = pm_document_get_photo (document);
    const char *key = pm_photo_get_fingerprint (photo);
    g_autofree char *direct = pm_engine_image_fingerprint (photo->image);
    g_autofree char *key1 = g_strdup (key);
    PmImage *changed = pm_image_copy (photo->image);
    PmSamEngineStats st;

    g_assert_cmpstr (key, ==, direct);
    g_assert_true (pm_photo_get_fingerprint (photo) == key);
    g_assert_true (pm_sam_engine_has_fingerprint (sam, key));

    /* the same photo with one pixel changed: its own key, encoded anew */
    changed->data[4 * 37] ^= 0x40;
    pm_document_set_image (document, changed, NULL, "noise, changed");
    photo = pm_document_get_photo (document);
    g_assert_cmpstr (pm_photo_get_fingerprint (photo), !=, key1);
    end = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;
    while (!pm_sam_engine_has_fingerprint (sam, pm_photo_get_fingerprint (photo)))
      {
        iterate (20);
        g_assert_cmpint (g_get_monotonic_time (), <, end);
      }
    pm_sam_engine_get_stats (sam, &st);
    g_assert_cmpuint (st.encoder_runs, ==, 2);
    g_assert_true (pm_sam_engine_has_fingerprint (sam, key1));
  }
  pm_mask_tools_set_sam (tools, NULL);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  tmpdir = pm_test_tmpdir ();
  g_setenv ("XDG_DATA_HOME", tmpdir, TRUE);
  db_path = g_build_filename (tmpdir, "history.sqlite3", NULL);
  g_setenv ("PAINTMASK_DB", db_path, TRUE);

  g_test_init (&argc, &argv, NULL);
  gtk_disable_setlocale ();
  if (!pm_gui_test_init_display (&ret))
    return ret;
  /* Pointer events go through the X server: this needs X11 and xdotool. */
  if (!GDK_IS_X11_DISPLAY (gdk_display_get_default ()) || !g_find_program_in_path ("xdotool"))
    {
      if (g_getenv ("CI") != NULL)
        g_error ("the pointer test needs an X11 display and xdotool");
      g_print ("1..0 # SKIP needs an X11 display and xdotool\n");
      return 0;
    }
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  window = pm_gui_test_window_new (&app, db_path, 900, 640);
  iterate (300);

  strokes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_signal_connect (pm_window_get_canvas (window), "stroke-begin",
                    G_CALLBACK (stroke_begin_cb), NULL);
  g_signal_connect (pm_window_get_canvas (window), "stroke-to", G_CALLBACK (stroke_to_cb), NULL);

  g_test_add_func ("/app/tools/brush-eraser-undo", test_brush_eraser_undo);
  g_test_add_func ("/app/tools/view-follows-stroke", test_view_follows_stroke);
  g_test_add_func ("/app/tools/lasso", test_lasso);
  g_test_add_func ("/app/tools/click-refine", test_click_refine);
  g_test_add_func ("/app/tools/mask-keys", test_mask_keys);
  g_test_add_func ("/app/tools/inspect", test_inspect);
  g_test_add_func ("/app/tools/box-sam", test_box_sam);
  g_test_add_func ("/app/tools/sam-damaged", test_sam_damaged);
  g_test_add_func ("/app/tools/sam-encode-on-open", test_sam_encode_on_open);
  ret = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  iterate (100);
  g_object_unref (app);
  g_ptr_array_unref (strokes);
  pm_test_rmdir (tmpdir);
  g_free (tmpdir);
  g_free (db_path);
  return ret;
}
