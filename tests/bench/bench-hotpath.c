/* bench-hotpath.c: the per-photo steps around the engines on a 12 MP photo: the edit
 * renderer (pm_edit_recolor), mask derivation (pm_mask_derive) and GrabCut from a box
 * (pm_grabcut_rect), each against a baseline measured in the same rounds (issue 17's
 * "also on the hot path" targets: derive ≤ 100 ms, render ≤ 60 ms).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The baseline is pm_mask_derive_naive (one pass over both images: mean RGB difference
 * against a threshold), the least any derivation must do; on a shared machine its time
 * shows how loaded the cores were, and the ratios to it stay comparable between runs.
 * Wall time and process CPU time (all threads) are both reported, medians over the rounds.
 * The renderer, the derivation and GrabCut's per-pixel work run in row bands over threads
 * (src/core/pm-parallel): each is timed with every core (the default) and with one
 * thread, in the same rounds; the derivation also with the soft mask the pipeline and
 * the CLI ask for.
 *
 * usage: bench-hotpath [WIDTH HEIGHT [ROUNDS]]   (default 4000 3000 5)
 * Build: ninja -C build tests/bench/bench-hotpath
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pm-bench-util.h"
#include "pm-derive.h"
#include "pm-edit.h"
#include "pm-grabcut.h"
#include "pm-metrics.h"
#include "pm-parallel.h"

enum { BASELINE, RENDER, RENDER_1T, DERIVE, DERIVE_1T, DERIVE_SOFT, GRABCUT, GRABCUT_1T,
       N_STEPS };

static const char * const step_names[N_STEPS] = {
  "baseline (naive derive)", "render (pm_edit_recolor)", "  render, 1 thread",
  "derive (pm_mask_derive)", "  derive, 1 thread", "  derive with soft mask",
  "GrabCut box (pm_grabcut_rect)", "  GrabCut, 1 thread",
};
/* issue 17's targets in ms (0: none given) */
static const double step_targets[N_STEPS] = { 0, 60, 0, 100, 0, 0, 0, 0 };

/* A photo-like image (gradients and noise) with a textured ellipse as the object. */
static PmImage *
make_photo (int       w,
            int       h,
            PmMask  **object)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);
  PmImage *img = pm_image_new (w, h);
  PmMask *mask = pm_mask_new (w, h);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *p = img->data + ((gsize) y * w + x) * 4;
        double dx = (x - 0.5 * w) / (0.22 * w), dy = (y - 0.55 * h) / (0.3 * h);
        gboolean in = dx * dx + dy * dy <= 1.0;
        int n = g_rand_int_range (rand, -10, 11);

        mask->data[(gsize) y * w + x] = in;
        p[0] = (guint8) CLAMP ((in ? 190 : 60 + 150 * x / w) + n, 0, 255);
        p[1] = (guint8) CLAMP ((in ? 150 + 20 * sin (x * 0.05) : 90 + 100 * y / h) + n, 0, 255);
        p[2] = (guint8) CLAMP ((in ? 40 : 120) + n, 0, 255);
        p[3] = 255;
      }
  *object = mask;
  return img;
}

int
main (int    argc,
      char **argv)
{
  int w = argc > 2 ? atoi (argv[1]) : 4000, h = argc > 2 ? atoi (argv[2]) : 3000;
  int rounds = argc > 3 ? atoi (argv[3]) : 5;
  g_autoptr(PmImage) photo = NULL;
  g_autoptr(PmMask) object = NULL;
  g_autoptr(PmImage) edited = NULL;
  GArray *wall[N_STEPS], *cpu[N_STEPS];
  PmRgb color = { 0.55f, 0.1f, 0.65f };
  PmDeriveOptions options;
  PmGrabcutParams gc;
  double derive_iou = 0, grabcut_iou = 0, grabcut_1t_iou = 0;

  if (w <= 0 || h <= 0 || rounds <= 0)
    {
      fprintf (stderr, "usage: bench-hotpath [WIDTH HEIGHT [ROUNDS]]\n");
      return 2;
    }
  photo = make_photo (w, h, &object);
  edited = pm_edit_recolor (photo, object, color, NULL);
  pm_derive_options_init (&options);
  options.has_color_hint = TRUE;
  options.color_hint = color;
  pm_grabcut_params_init (&gc);
  for (int s = 0; s < N_STEPS; s++)
    {
      wall[s] = g_array_new (FALSE, FALSE, sizeof (double));
      cpu[s] = g_array_new (FALSE, FALSE, sizeof (double));
    }

  for (int round = 0; round < rounds; round++)
    for (int s = 0; s < N_STEPS; s++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(PmMask) mask = NULL;
        g_autoptr(PmImage) image = NULL;
        double t, c;

        pm_parallel_set_threads (s == RENDER_1T || s == DERIVE_1T || s == GRABCUT_1T ? 1 : 0);
        t = pm_bench_now_ms ();
        c = pm_bench_cpu_ms (CLOCK_PROCESS_CPUTIME_ID);
        switch (s)
          {
          case BASELINE:
            mask = pm_mask_derive_naive (photo, edited, 20.0f);
            break;
          case RENDER:
          case RENDER_1T:
            image = pm_edit_recolor (photo, object, color, NULL);
            break;
          case DERIVE:
          case DERIVE_1T:
            mask = pm_mask_derive (photo, edited, &options, NULL, &error);
            g_assert_no_error (error);
            derive_iou = pm_mask_iou (mask, object, NULL, NULL);
            break;
          case DERIVE_SOFT:
            {
              g_autoptr(PmMask) soft = NULL;

              /* what the pipeline and the CLI ask for */
              mask = pm_mask_derive (photo, edited, &options, &soft, &error);
              g_assert_no_error (error);
            }
            break;
          case GRABCUT:
          case GRABCUT_1T:
            mask = pm_grabcut_rect (photo, (int) (0.25 * w), (int) (0.22 * h), (int) (0.5 * w),
                                    (int) (0.68 * h), &gc, NULL, &error);
            g_assert_no_error (error);
            *(s == GRABCUT ? &grabcut_iou : &grabcut_1t_iou) =
              pm_mask_iou (mask, object, NULL, NULL);
            break;
          default:
            g_assert_not_reached ();
          }
        g_array_append_val (wall[s], (double) { pm_bench_now_ms () - t });
        g_array_append_val (cpu[s], (double) { pm_bench_cpu_ms (CLOCK_PROCESS_CPUTIME_ID) - c });
      }

  {
    g_autofree char *load = NULL;

    g_file_get_contents ("/proc/loadavg", &load, NULL, NULL);
    pm_parallel_set_threads (0);
    printf ("photo %d×%d (%.1f MP), %d interleaved rounds, %u processors (%d threads), "
            "/proc/loadavg %s", w, h, w * (double) h / 1e6, rounds, g_get_num_processors (),
            pm_parallel_get_threads (), load != NULL ? load : "?\n");
  }
  {
    double base = pm_bench_median (wall[BASELINE]), base_cpu = pm_bench_median (cpu[BASELINE]);

    for (int s = 0; s < N_STEPS; s++)
      {
        double m = pm_bench_median (wall[s]), mc = pm_bench_median (cpu[s]);

        printf ("%-30s wall %8.1f ms  cpu %8.1f ms  = %5.1f × baseline (cpu %5.1f ×)",
                step_names[s], m, mc, m / base, mc / base_cpu);
        if (step_targets[s] > 0)
          printf ("  target %.0f ms", step_targets[s]);
        printf ("\n");
      }
  }
  printf ("mask IoU with the painted object: derive %.4f, GrabCut %.4f (1 thread %.4f)\n",
          derive_iou, grabcut_iou, grabcut_1t_iou);
  for (int s = 0; s < N_STEPS; s++)
    {
      g_array_unref (wall[s]);
      g_array_unref (cpu[s]);
    }
  return 0;
}
