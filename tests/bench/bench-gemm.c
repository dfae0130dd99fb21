/* bench-gemm.c: GFLOP/s of pm_gemm and pm_attention_qkv on the CLIPSeg/ViT-B shapes
 * against the measured FMA peak (benchmark, not a test).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   build/tests/bench-gemm [--threads N] [--precision f32|bf16] [--runs N]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm-cpu.h"
#include "pm-gemm.h"
#include "pm-pool.h"

#include <time.h>

/* Process CPU time when PM_BENCH_CPU_TIME is set (what the threads got, on a machine
 * shared with others), wall time otherwise. */
static double
now_ms (void)
{
  static int cpu = -1;
  struct timespec ts;

  if (cpu < 0)
    cpu = g_getenv ("PM_BENCH_CPU_TIME") != NULL;
  if (!cpu)
    return g_get_monotonic_time () / 1000.0;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  int threads = 2, runs = 20;
  char *prec_text = NULL, *only = NULL;
  PmPrecision precision = PM_PRECISION_BF16;
  GOptionEntry entries[] = {
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Threads", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Runs", "N" },
    { "precision", 0, 0, G_OPTION_ARG_STRING, &prec_text, "f32 or bf16", "P" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only, "Only this case (qkv, fc1, attention…)", "NAME" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("");
  static const struct { const char *name; gint64 m, n, k; PmActivation act; } cases[] = {
    { "qkv", 485, 2304, 768, PM_ACT_NONE },
    { "out_proj", 485, 768, 768, PM_ACT_NONE },
    { "fc1", 485, 3072, 768, PM_ACT_QUICK_GELU },
    { "fc2", 485, 768, 3072, PM_ACT_NONE },
    { "text fc1", 7, 2048, 512, PM_ACT_QUICK_GELU },
  };
  double f32_peak, bf16_peak;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, NULL))
    return 2;
  if (prec_text != NULL && !pm_precision_from_string (prec_text, &precision))
    return 2;
  precision = pm_precision_resolve (precision);
  pm_pool_set_threads (threads);
  pm_cpu_measure_peak (pm_cpu_get_isa (), 200, &f32_peak, &bf16_peak);
  printf ("isa %s, precision %s, %d threads; peak per core f32 %.1f, bf16 %.1f GFLOP/s\n",
          pm_isa_to_string (pm_cpu_get_isa ()), pm_precision_to_string (precision), threads,
          f32_peak, bf16_peak);
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      gint64 m = cases[c].m, n = cases[c].n, k = cases[c].k;
      g_autofree float *a = g_new (float, m * k);
      g_autofree float *w = g_new (float, n * k);
      g_autofree float *bias = g_new0 (float, n);
      g_autofree float *out = g_new (float, m * n);
      g_autofree double *ms = g_new (double, runs);
      const float *parts[1] = { w };
      PmGemmA ga = { a, k, NULL, NULL, 0 };
      PmGemmOut go = { out, n, NULL, bias, cases[c].act, FALSE };
      PmGemmB *b;
      double flops = 2.0 * m * n * k;

      if (only != NULL && strcmp (only, cases[c].name) != 0)
        continue;

      for (gint64 i = 0; i < m * k; i++)
        a[i] = (float) ((i * 7919) % 1000) / 1000.0f - 0.5f;
      for (gint64 i = 0; i < n * k; i++)
        w[i] = (float) ((i * 104729) % 1000) / 1000.0f - 0.5f;
      b = pm_gemm_b_new_nk (1, parts, &n, k, k, precision);
      pm_gemm (m, &ga, b, &go);
      for (int r = 0; r < runs; r++)
        {
          double t0 = now_ms ();
          pm_gemm (m, &ga, b, &go);
          ms[r] = now_ms () - t0;
        }
      qsort (ms, runs, sizeof (double), cmp);
      printf ("%-10s %4" G_GINT64_FORMAT "×%4" G_GINT64_FORMAT "×%4" G_GINT64_FORMAT
              "  median %7.3f ms  %6.1f GFLOP/s  (best %6.1f)\n", cases[c].name, m, n, k,
              ms[runs / 2], flops / ms[runs / 2] / 1e6, flops / ms[0] / 1e6);
      pm_gemm_b_free (b);
    }
  if (only == NULL || strcmp (only, "attention") == 0)
  {
    gint64 t = 485, d = 768;
    g_autofree float *qkv = g_new (float, t * 3 * d);
    g_autofree float *out = g_new (float, t * d);
    g_autofree double *ms = g_new (double, runs);
    double flops = 4.0 * t * t * d;

    for (gint64 i = 0; i < t * 3 * d; i++)
      qkv[i] = (float) ((i * 7919) % 1000) / 1000.0f - 0.5f;
    pm_attention_qkv (out, d, qkv, 1, t, d, 12, 0.125f, FALSE, NULL, NULL, precision);
    for (int r = 0; r < runs; r++)
      {
        double t0 = now_ms ();
        pm_attention_qkv (out, d, qkv, 1, t, d, 12, 0.125f, FALSE, NULL, NULL, precision);
        ms[r] = now_ms () - t0;
      }
    qsort (ms, runs, sizeof (double), cmp);
    printf ("%-10s %4" G_GINT64_FORMAT "×%4" G_GINT64_FORMAT " 12 heads  median %7.3f ms  "
            "%6.1f GFLOP/s  (best %6.1f)\n", "attention", t, d, ms[runs / 2],
            flops / ms[runs / 2] / 1e6, flops / ms[0] / 1e6);
  }
  return 0;
}
