/* pm-bench-util.h: the clocks, order statistics and test photo the benchmarks share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <stdlib.h>
#include <time.h>

#include "pm-image.h"

/* Wall-clock time in ms. */
static inline double
pm_bench_now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

/* CPU time in ms of @id (CLOCK_THREAD_CPUTIME_ID: this thread; CLOCK_PROCESS_CPUTIME_ID:
 * every thread). On a shared machine the wall clock also counts other people's work, so
 * the benchmarks report both. */
static inline double
pm_bench_cpu_ms (clockid_t id)
{
  struct timespec ts;

  clock_gettime (id, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline int
pm_bench_compare_doubles (const void *a,
                          const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The median of @values (of double), the upper one for an even count; sorts @values. */
static inline double
pm_bench_median (GArray *values)
{
  g_array_sort (values, pm_bench_compare_doubles);
  return g_array_index (values, double, values->len / 2);
}

/* The @p-quantile (0..1, nearest rank below) of @values (of double); sorts @values. */
static inline double
pm_bench_percentile (GArray *values,
                     double  p)
{
  g_array_sort (values, pm_bench_compare_doubles);
  return g_array_index (values, double, (guint) (p * (values->len - 1)));
}

/* A photo-like image of @w × @h: smooth gradients plus noise (the same pixels every run). */
static inline PmImage *
pm_bench_photo_new (int w,
                    int h)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);
  PmImage *img = pm_image_new (w, h);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *p = img->data + ((gsize) y * w + x) * 4;
        p[0] = (guint8) CLAMP (60 + 150 * x / w + g_rand_int_range (rand, -10, 11), 0, 255);
        p[1] = (guint8) CLAMP (90 + 100 * y / h + g_rand_int_range (rand, -10, 11), 0, 255);
        p[2] = (guint8) CLAMP (120 + g_rand_int_range (rand, -10, 11), 0, 255);
        p[3] = 255;
      }
  return img;
}
