/* pm-gui-test-util.h: driving a window in GUI tests: the main loop, frames, rendering a
 * widget to pixels, widget geometry.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Widgets are rendered through their snapshot vfunc into a GskRenderNode, drawn with the
 * window's renderer (GSK_RENDERER=cairo in the test environment) and read back as pixels.
 */
#pragma once

#include <math.h>
#include <stdlib.h>
#include <gtk/gtk.h>

typedef struct {
  int     width, height;
  guint8 *argb;    /* premultiplied, native endian, stride width * 4 */
} PmPixels;

static inline void
pm_pixels_free (PmPixels *p)
{
  g_free (p->argb);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmPixels, pm_pixels_free)

static inline void
pm_pixels_at (const PmPixels *p,
              int             x,
              int             y,
              int             rgb[3])
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

static inline int
pm_rgb_distance (const int a[3],
                 const int b[3])
{
  return MAX (abs (a[0] - b[0]), MAX (abs (a[1] - b[1]), abs (a[2] - b[2])));
}

/* Runs the main loop for @ms milliseconds. */
static inline void
pm_gui_iterate (int ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

/* Runs the main loop until @done (polled) returns TRUE; fails after @seconds. */
static inline void
pm_gui_wait_for (gboolean (*done) (gpointer),
                 gpointer   data,
                 int        seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!done (data))
    {
      pm_gui_iterate (10);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }
}

/* Lets @window's frame clock run two frames, so that layout and drawing are current. */
static inline void
pm_gui_wait_frames (GtkWidget *window)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);
  gint64 start = gdk_frame_clock_get_frame_counter (clock);
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  gtk_widget_queue_draw (window);
  while (gdk_frame_clock_get_frame_counter (clock) < start + 2)
    {
      pm_gui_iterate (5);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }
}

/* @widget as the window's renderer draws it (after two frames). */
static inline PmPixels *
pm_gui_render (GtkWidget *widget)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GdkRGBA bg;
  PmPixels *p;
  int w, h;

  pm_gui_wait_frames (GTK_WIDGET (gtk_widget_get_root (widget)));
  w = gtk_widget_get_width (widget);
  h = gtk_widget_get_height (widget);
  g_assert_cmpint (w, >, 0);
  g_assert_cmpint (h, >, 0);
  /* The widget's own snapshot (children through GTK); its CSS background is not part of it,
   * so start from the theme's window colour. */
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), "window_bg_color",
                                       &bg))
    gdk_rgba_parse (&bg, "#fafafa");
  gtk_snapshot_append_color (snapshot, &bg, &GRAPHENE_RECT_INIT (0, 0, w, h));
  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  p = g_new0 (PmPixels, 1);
  p->width = gdk_texture_get_width (texture);
  p->height = gdk_texture_get_height (texture);
  p->argb = g_malloc ((gsize) p->width * p->height * 4);
  gdk_texture_download (texture, p->argb, (gsize) p->width * 4);
  return p;
}

/* @widget's bounds in @window's coordinates. */
static inline graphene_rect_t
pm_gui_bounds (GtkWidget *widget,
               GtkWidget *window)
{
  graphene_rect_t r;

  g_assert_true (gtk_widget_compute_bounds (widget, window, &r));
  return r;
}
