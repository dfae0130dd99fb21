/* bench-sam-click.c: the CPU time of SAM clicks on a cached embedding, per decoder stage
 * (benchmark, not a test). One thread's CPU clock, so other load on the machine does not
 * count; run with --threads 1 for the work of a click, 2 for its split.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   build/tests/bench/bench-sam-click MODEL_DIR IMAGE [CLICKS] [THREADS] [app]
 *
 * With "app": the app's click through the engine (one point, best of three masks), as it
 * was (pm_sam_engine_segment: the photo hashed, three masks at its size) and as it is
 * (pm_sam_engine_segment_keyed: the photo's fingerprint made once, the best mask only),
 * alternated click by click in one process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pm-image.h"
#include "pm-ops.h"
#include "pm-sam.h"
#include "pm-sam-engine.h"

static double
cpu_ms (clockid_t id)
{
  struct timespec ts;

  clock_gettime (id, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static int
app_clicks (const char *model_dir,
            PmImage    *img,
            int         clicks,
            int         threads)
{
  PmEngineOptions options = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(PmEngine) engine = NULL;
  g_autofree char *key = pm_engine_image_fingerprint (img);
  double *cpu[2], *wall[2];

  options.model_dir = (char *) model_dir;
  options.threads = threads;
  engine = pm_engine_new ("sam", &options, &error);
  if (engine == NULL || !pm_sam_engine_encode (engine, img, NULL, NULL, NULL, NULL, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  for (int v = 0; v < 2; v++)
    {
      cpu[v] = g_new (double, clicks);
      wall[v] = g_new (double, clicks);
    }
  for (int c = -2; c < clicks; c++)
    for (int v = 0; v < 2; v++)
      {
        PmSamPoint p = { img->width * (0.2f + 0.03f * (c & 15)), img->height * (0.3f + 0.03f * (c & 15)), 1 };
        PmSamPrompt prompt = { &p, 1, FALSE, { 0 }, TRUE };
        double c0 = cpu_ms (CLOCK_PROCESS_CPUTIME_ID), w0 = g_get_monotonic_time () / 1e3;
        g_autoptr(PmSamResult) r = NULL;

        if (v == 0)
          r = pm_sam_engine_segment (engine, img, &prompt, NULL, NULL, NULL, NULL, &error);
        else
          r = pm_sam_engine_segment_keyed (engine, img, key, &prompt, PM_SAM_SEGMENT_BEST_ONLY,
                                           NULL, NULL, NULL, NULL, &error);
        if (r == NULL)
          {
            fprintf (stderr, "%s\n", error->message);
            return 1;
          }
        if (c >= 0)
          {
            cpu[v][c] = cpu_ms (CLOCK_PROCESS_CPUTIME_ID) - c0;
            wall[v][c] = g_get_monotonic_time () / 1e3 - w0;
          }
      }
  for (int v = 0; v < 2; v++)
    {
      qsort (cpu[v], clicks, sizeof (double), cmp);
      qsort (wall[v], clicks, sizeof (double), cmp);
      printf ("app click %s, %dx%d, %d threads, %d clicks: CPU median %.2f ms (min %.2f), "
              "wall median %.2f ms (min %.2f)\n",
              v == 0 ? "hashed, 3 masks " : "keyed, best only", img->width, img->height,
              threads, clicks, cpu[v][clicks / 2], cpu[v][0], wall[v][clicks / 2], wall[v][0]);
      g_free (cpu[v]);
      g_free (wall[v]);
    }
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSam) m = NULL;
  g_autoptr(PmImage) img = NULL;
  g_autoptr(PmSamEmbedding) e = NULL;
  g_autofree float *pixels = NULL, *lowres = NULL, *iou = NULL;
  int clicks = argc > 3 ? atoi (argv[3]) : 20, threads = argc > 4 ? atoi (argv[4]) : 1;
  double *proc, *wall;
  int s, l;

  if (argc < 3)
    {
      fprintf (stderr, "usage: %s MODEL_DIR IMAGE [CLICKS] [THREADS]\n", argv[0]);
      return 2;
    }
  pm_ops_set_threads (threads);
  m = pm_sam_load_with_precision (argv[1], PM_PRECISION_AUTO, &error);
  if (m == NULL || (img = pm_image_load (argv[2], PM_IMAGE_DEFAULT_MAX_PIXELS, &error)) == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  if (argc > 5 && strcmp (argv[5], "app") == 0)
    return app_clicks (argv[1], img, clicks, threads);
  s = pm_sam_get_input_size (m);
  l = pm_sam_get_lowres_size (m);
  pixels = g_new (float, (gsize) 3 * s * s);
  lowres = g_new (float, (gsize) 3 * l * l);
  iou = g_new (float, 3);
  if (!pm_sam_preprocess (m, img, pixels, &error) ||
      (e = pm_sam_encode_image (m, pixels, img->width, img->height, NULL, NULL, NULL, NULL,
                                &error)) == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  proc = g_new (double, clicks);
  wall = g_new (double, clicks);
  for (int c = -2; c < clicks; c++)
    {
      PmSamPoint p = { img->width * (0.2f + 0.03f * (c & 15)), img->height * (0.3f + 0.03f * (c & 15)), 1 };
      PmSamPrompt prompt = { &p, 1, FALSE, { 0 }, FALSE };
      double c0 = cpu_ms (CLOCK_PROCESS_CPUTIME_ID), w0 = g_get_monotonic_time () / 1e3;
      g_autoptr(PmMask) mask = NULL;

      if (!pm_sam_decode (m, e, &prompt, lowres, iou, NULL, NULL, &error))
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      mask = pm_sam_logits_to_mask (m, lowres, img->width, img->height, NULL);
      if (c >= 0)
        {
          proc[c] = cpu_ms (CLOCK_PROCESS_CPUTIME_ID) - c0;
          wall[c] = g_get_monotonic_time () / 1e3 - w0;
        }
    }
  qsort (proc, clicks, sizeof *proc, cmp);
  qsort (wall, clicks, sizeof *wall, cmp);
  printf ("click (decode + mask), %d threads, %d clicks: CPU median %.2f ms (min %.2f), "
          "wall median %.2f ms (min %.2f)\n", threads, clicks, proc[clicks / 2], proc[0],
          wall[clicks / 2], wall[0]);
  g_free (proc);
  g_free (wall);
  return 0;
}
