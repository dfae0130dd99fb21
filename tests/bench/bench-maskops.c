/* bench-maskops.c: what a brush dab costs on a 12 MP photo, from pointer event to the
 * re-rendered edit, against a full re-render of the edit measured in the same rounds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A dab is what the canvas does per motion event: save the tiles under the segment
 * (pm_mask_history_touch), paint the capsule (pm_mask_paint_segment), make the shown edit
 * follow the corrected mask in the dirty rectangle (pm_edit_follow_rect, which recolours
 * what the correction changed). A stroke ends with
 * pm_mask_history_commit; undo restores the tiles and re-renders them. Rounds interleave
 * the dabs with full renders (pm_edit_recolor) so both see the same machine load.
 *
 * Times are wall clock (what the user waits) and, in brackets, the thread's CPU time (what
 * the work costs when the machine is shared).
 *
 * usage: bench-maskops [WIDTH HEIGHT [ROUNDS]]   (default 4000 3000 5; short side ≥ 480)
 * Build: ninja -C build tests/bench/bench-maskops
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pm-bench-util.h"
#include "pm-edit.h"
#include "pm-mask-history.h"
#include "pm-mask-region.h"
#include "pm-mask-paint.h"

#define DABS_PER_ROUND 40

int
main (int    argc,
      char **argv)
{
  int w = argc > 2 ? atoi (argv[1]) : 4000, h = argc > 2 ? atoi (argv[2]) : 3000;
  int rounds = argc > 3 ? atoi (argv[3]) : 5;
  const double radii[] = { 8, 30, 80 };
  g_autoptr(PmImage) photo = NULL;
  g_autoptr(PmMask) start = NULL;
  g_autoptr(PmImage) edited = NULL;
  g_autoptr(PmImage) shown = NULL;
  g_autoptr(PmMaskHistory) history = NULL;
  g_autoptr(GArray) full = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) full_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) commit = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) undo = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) setup = g_array_new (FALSE, FALSE, sizeof (double));
  GArray *dab[G_N_ELEMENTS (radii)], *dab_cpu[G_N_ELEMENTS (radii)];
  g_autoptr(GRand) rand = g_rand_new_with_seed (2);
  PmBrush brush;
  PmRgb color = { 0.5f, 0.1f, 0.6f };
  float lightness;

  if (w <= 0 || h <= 0 || rounds <= 0)
    {
      fprintf (stderr, "usage: bench-maskops [WIDTH HEIGHT [ROUNDS]]\n");
      return 2;
    }
  /* The eraser's stroke runs inside the object, a disc of radius MIN (w, h) / 4: the largest
   * brush (80 px) must stay well inside it for every dab to erase something. */
  if (MIN (w, h) < 480)
    {
      fprintf (stderr, "bench-maskops: the photo must be at least 480 px on its short side "
               "(the 80 px brush has to fit inside the object)\n");
      return 2;
    }
  photo = pm_bench_photo_new (w, h);
  start = pm_mask_new (w, h);
  pm_brush_init (&brush, MIN (w, h) / 4.0);
  pm_mask_paint_segment (start, &brush, w / 2.0, h / 2.0, w / 2.0, h / 2.0, NULL);
  edited = pm_edit_recolor (photo, start, color, NULL);
  shown = pm_image_copy (edited);
  lightness = pm_edit_region_lightness (photo, start);
  history = pm_mask_history_new (start);
  for (guint r = 0; r < G_N_ELEMENTS (radii); r++)
    {
      dab[r] = g_array_new (FALSE, FALSE, sizeof (double));
      dab_cpu[r] = g_array_new (FALSE, FALSE, sizeof (double));
    }

  for (int round = 0; round < rounds; round++)
    {
      double t = pm_bench_now_ms (), c = pm_bench_cpu_ms (CLOCK_THREAD_CPUTIME_ID);
      g_autoptr(PmImage) again = pm_edit_recolor (photo, start, color, NULL);

      g_array_append_val (full, (double) { pm_bench_now_ms () - t });
      g_array_append_val (full_cpu, (double) { pm_bench_cpu_ms (CLOCK_THREAD_CPUTIME_ID) - c });

      /* What the app's main thread does once, at the first dab of a run (the copy of the
       * edit to paint on and the exact lightness are prepared in a worker while the run is
       * shown; see pm-document-edit.c): is the mask still the run's, and where not. */
      {
        PmRect changed;

        t = pm_bench_now_ms ();
        pm_mask_equal (start, pm_mask_history_get_mask (history));
        pm_mask_diff_rect (start, pm_mask_history_get_mask (history), &changed);
        g_array_append_val (setup, (double) { pm_bench_now_ms () - t });
      }

      for (guint r = 0; r < G_N_ELEMENTS (radii); r++)
        for (int erase = 0; erase <= 1; erase++)
          {
            /* A stroke of motion events a quarter radius apart: the brush on the background above
             * the object, the eraser across the object, so every dab changes pixels. */
            double object_radius = MIN (w, h) / 4.0;
            double x = w / 2.0 - object_radius / 2;
            double row = erase ? h / 2.0 : MAX (h / 2.0 - object_radius - 2 * radii[r] - 20,
                                                1.5 * radii[r] + 1);
            double y = row;
            /* The stroke covers at most the object's radius, from half a radius left of its
             * centre to half a radius right of it, and wobbles up to one step per dab (a
             * larger wobble can hide a short step behind the previous dab), at most half
             * the brush's radius off its row (the brush stays inside the photo): an eraser of radius r
             * there still meets the object (r ≤ 2/3 of its radius), where a longer stroke on
             * a small photo left the object, or drifted out of the photo, and changed
             * nothing. */
            double step = MIN (radii[r] * 0.25, object_radius / DABS_PER_ROUND);
            PmMask *mask = pm_mask_history_begin (history);
            PmRect dirty;

            pm_brush_init (&brush, radii[r]);
            brush.hardness = r == 1 ? 0.5 : 1.0;
            brush.erase = erase;
            for (int i = 0; i < DABS_PER_ROUND; i++)
              {
                double nx = x + step;
                double ny = CLAMP (y + g_rand_double_range (rand, -step, step),
                                   row - radii[r] / 2, row + radii[r] / 2);
                PmRect bounds;

                t = pm_bench_now_ms ();
                c = pm_bench_cpu_ms (CLOCK_THREAD_CPUTIME_ID);
                pm_brush_segment_bounds (&brush, x, y, nx, ny, w, h, &bounds);
                pm_mask_history_touch (history, &bounds);
                if (pm_mask_paint_segment (mask, &brush, x, y, nx, ny, &dirty))
                  pm_edit_follow_rect (photo, edited, start, mask, color, NULL, lightness,
                                       &dirty, shown);
                else
                  g_error ("dab %d of radius %g changed nothing", i, radii[r]);
                g_array_append_val (dab[r], (double) { pm_bench_now_ms () - t });
                c = pm_bench_cpu_ms (CLOCK_THREAD_CPUTIME_ID) - c;
                g_array_append_val (dab_cpu[r], c);
                x = nx;
                y = ny;
              }
            t = pm_bench_now_ms ();
            pm_mask_history_commit (history, "brush", &dirty);
            g_array_append_val (commit, (double) { pm_bench_now_ms () - t });
            t = pm_bench_now_ms ();
            if (pm_mask_history_undo (history, &dirty))
              pm_edit_follow_rect (photo, edited, start, pm_mask_history_get_mask (history),
                                   color, NULL, lightness, &dirty, shown);
            g_array_append_val (undo, (double) { pm_bench_now_ms () - t });
          }
    }

  printf ("photo %d×%d (%.1f MP), %d rounds\n", w, h, w * (double) h / 1e6, rounds);
  printf ("full re-render (pm_edit_recolor): median %.1f ms [cpu %.1f ms]\n",
          pm_bench_median (full), pm_bench_median (full_cpu));
  for (guint r = 0; r < G_N_ELEMENTS (radii); r++)
    {
      double m = pm_bench_median (dab[r]), mc = pm_bench_median (dab_cpu[r]);
      printf ("dab radius %3.0f px%s: median %.2f ms [cpu %.2f], p95 %.2f [cpu %.2f], "
              "max %.2f [cpu %.2f]; %.5f × a full re-render (cpu)\n", radii[r],
              r == 1 ? " (soft)" : "       ", m, mc, pm_bench_percentile (dab[r], 0.95),
              pm_bench_percentile (dab_cpu[r], 0.95), pm_bench_percentile (dab[r], 1.0),
              pm_bench_percentile (dab_cpu[r], 1.0), mc / pm_bench_median (full_cpu));
      g_array_unref (dab[r]);
      g_array_unref (dab_cpu[r]);
    }
  printf ("stroke end (commit): median %.2f ms; undo + re-render: median %.2f ms\n",
          pm_bench_median (commit), pm_bench_median (undo));
  printf ("first dab of a run, on top (mask compare and diff): median %.1f ms\n",
          pm_bench_median (setup));
  return 0;
}
