/* bench-canvas.c: what the canvas pays to show a brush dab on a 12 MP photo (the dirty
 * rectangle of the result pyramid and its tiles) against rebuilding the whole pyramid,
 * measured in the same rounds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A dab is what pm_window_mask_changed() does per motion event: pm_canvas_update_result_rect()
 * (the full-size buffers and every pyramid level rewritten inside the rectangle, the tiles it
 * touches dropped) and then the canvas's next snapshot, which makes textures again for the
 * tiles that were dropped. The full update is what showing a new mask without the dirty
 * rectangle would cost: the result pyramid built again (pm_pyramid_build(), as the worker
 * does for a new result) and a snapshot with every tile (zoomed out) or the whole visible
 * part (zoomed in) made again. Both snapshots call the
 * canvas's own snapshot function (the render nodes are not rasterised: that part is the same
 * for both). Zoom 25 % draws pyramid level 2; 100 % composites the visible part on the CPU.
 *
 * Not a test. Run under a display (Xvfb):
 *   ninja -C build tests/app/bench-canvas
 *   GSK_RENDERER=cairo xvfb-run -a build/tests/app/bench-canvas [WIDTH HEIGHT [ROUNDS]]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pm-bench-util.h"
#include "pm-canvas-private.h"
#include "pm-edit.h"
#include "pm-mask-paint.h"

#define DABS_PER_ROUND 40
#define RADIUS 80.0

static void
iterate (int ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

/* The canvas's snapshot function, its nodes dropped unrendered. */
static void
snapshot_canvas (PmCanvas *canvas)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderNode *node;

  GTK_WIDGET_GET_CLASS (canvas)->snapshot (GTK_WIDGET (canvas), snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node != NULL)
    gsk_render_node_unref (node);
}

/* The whole result again: its pyramid as the worker builds it, then every tile. */
static void
full_update (PmCanvas      *canvas,
             const PmImage *edited,
             const PmMask  *mask,
             double        *build_ms,
             double        *draw_ms)
{
  PmPyramid *p = pm_pyramid_new (edited->width, edited->height);
  double t = pm_bench_now_ms ();

  p->edited = g_bytes_new_static (edited->data, (gsize) edited->width * edited->height * 4);
  p->mask = mask->data;
  pm_pyramid_build (p);
  *build_ms = pm_bench_now_ms () - t;
  pm_pyramid_free (p);

  t = pm_bench_now_ms ();
  for (int k = 1; k < canvas->n_levels; k++)
    pm_level_clear_tiles (&canvas->levels[k], TRUE, TRUE, TRUE);
  pm_canvas_cpu_drop (canvas);
  snapshot_canvas (canvas);
  *draw_ms = pm_bench_now_ms () - t;
}

int
main (int    argc,
      char **argv)
{
  int w = argc > 2 ? atoi (argv[1]) : 4000, h = argc > 2 ? atoi (argv[2]) : 3000;
  int rounds = argc > 3 ? atoi (argv[3]) : 5;
  const double zooms[] = { 0.25, 1.0 };
  g_autoptr(PmImage) photo = NULL;
  g_autoptr(PmImage) edited = NULL;
  g_autoptr(PmMask) mask = NULL;
  GtkWidget *window, *widget;
  PmCanvas *canvas;
  PmBrush brush;
  PmRgb color = { 0.5f, 0.1f, 0.6f };

  if (w <= 0 || h <= 0 || rounds <= 0)
    {
      fprintf (stderr, "usage: bench-canvas [WIDTH HEIGHT [ROUNDS]]\n");
      return 2;
    }
  if (!gtk_init_check ())
    {
      fprintf (stderr, "bench-canvas: no display (run it under xvfb-run)\n");
      return 1;
    }
  adw_init ();
  photo = pm_bench_photo_new (w, h);
  mask = pm_mask_new (w, h);
  pm_brush_init (&brush, MIN (w, h) / 4.0);
  pm_mask_paint_segment (mask, &brush, w / 2.0, h / 2.0, w / 2.0, h / 2.0, NULL);
  edited = pm_edit_recolor (photo, mask, color, NULL);

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 800);
  widget = pm_canvas_new ();
  canvas = PM_CANVAS (widget);
  gtk_window_set_child (GTK_WINDOW (window), widget);
  gtk_window_present (GTK_WINDOW (window));
  pm_canvas_set_image (canvas, photo);
  pm_canvas_set_result (canvas, edited, mask, FALSE);
  pm_canvas_set_show_overlay (canvas, TRUE);
  for (int i = 0; i < 3000 && !canvas->result_ready; i++)
    iterate (10);
  if (!canvas->result_ready)
    {
      fprintf (stderr, "bench-canvas: the result's pyramid never arrived\n");
      return 1;
    }

  printf ("photo %d×%d (%.1f MP), %d rounds of %d dabs (radius %.0f px), canvas %d×%d\n", w, h,
          w * (double) h / 1e6, rounds, DABS_PER_ROUND, RADIUS,
          gtk_widget_get_width (widget), gtk_widget_get_height (widget));
  for (guint z = 0; z < G_N_ELEMENTS (zooms); z++)
    {
      g_autoptr(GArray) dab = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) dab_cpu = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) build = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) draw = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) full = g_array_new (FALSE, FALSE, sizeof (double));
      double fm;

      pm_canvas_set_zoom (canvas, zooms[z]);
      iterate (200);
      for (int round = 0; round < rounds; round++)
        {
          /* Along the top edge of the disk, the brush and the eraser in turn: every dab
           * changes pixels of the mask and so of the view. */
          double x = w / 2.0 - MIN (w, h) / 8.0, y = h / 2.0 - MIN (w, h) / 4.0;
          double b, d;
          int turn = (int) z * rounds + round;
          g_autoptr(GRand) path = g_rand_new_with_seed (2 + turn / 2);

          full_update (canvas, edited, mask, &b, &d);
          g_array_append_val (build, b);
          g_array_append_val (draw, d);
          g_array_append_val (full, (double) { b + d });

          /* Paint and erase in turn, across the zooms too (a zoom that began with the
           * brush where the last one ended with it changed nothing), and the eraser
           * retraces the brush's path (a path of its own drifted off the paint and changed
           * nothing at the end). */
          pm_brush_init (&brush, RADIUS);
          brush.erase = turn % 2;
          for (int i = 0; i < DABS_PER_ROUND; i++)
            {
              double nx = x + RADIUS * 0.25;
              double ny = y + g_rand_double_range (path, -RADIUS, RADIUS) * 0.25;
              PmRect dirty;
              double t, c;

              if (!pm_mask_paint_segment (mask, &brush, x, y, nx, ny, &dirty))
                g_error ("dab %d changed nothing", i);
              t = pm_bench_now_ms ();
              c = pm_bench_cpu_ms (CLOCK_THREAD_CPUTIME_ID);
              pm_canvas_update_result_rect (canvas, edited, mask, &dirty);
              snapshot_canvas (canvas);
              g_array_append_val (dab, (double) { pm_bench_now_ms () - t });
              c = pm_bench_cpu_ms (CLOCK_THREAD_CPUTIME_ID) - c;
              g_array_append_val (dab_cpu, c);
              x = nx;
              y = ny;
            }
        }
      fm = pm_bench_median (full);
      printf ("zoom %3.0f %%: full update median %.1f ms (pyramid %.1f + all tiles %.1f); "
              "dab median %.2f ms [cpu %.2f], p95 %.2f, max %.2f; dab / full %.4f\n",
              zooms[z] * 100, fm, pm_bench_median (build), pm_bench_median (draw),
              pm_bench_median (dab), pm_bench_median (dab_cpu), pm_bench_percentile (dab, 0.95),
              pm_bench_percentile (dab, 1.0), pm_bench_median (dab) / fm);
    }
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (100);
  return 0;
}
