/* pm-cpu.c: CPUID-based choice of the kernels' instruction set, and a peak-FLOP probe.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-cpu"

#include "pm-cpu.h"

#include <string.h>
#include <time.h>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define PM_X86 1
#endif

static const char * const isa_names[] = { "generic", "avx2", "avx512", "avx512bf16" };

static gint isa_in_use = -1;   /* PmIsa, -1 until first asked */

PmIsa
pm_cpu_get_native_isa (void)
{
#ifdef PM_X86
  static gsize once = 0;
  static PmIsa native;

  if (g_once_init_enter (&once))
    {
      PmIsa isa = PM_ISA_GENERIC;

      __builtin_cpu_init ();
      /* __builtin_cpu_supports also checks that the OS saves the vector registers */
      if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
        isa = PM_ISA_AVX2;
      if (isa == PM_ISA_AVX2 && __builtin_cpu_supports ("avx512f") &&
          __builtin_cpu_supports ("avx512bw") && __builtin_cpu_supports ("avx512vl") &&
          __builtin_cpu_supports ("avx512dq"))
        isa = PM_ISA_AVX512;
      if (isa == PM_ISA_AVX512 && __builtin_cpu_supports ("avx512bf16"))
        isa = PM_ISA_AVX512_BF16;
      native = isa;
      g_once_init_leave (&once, 1);
    }
  return native;
#else
  return PM_ISA_GENERIC;
#endif
}

PmIsa
pm_cpu_get_isa (void)
{
  gint isa = g_atomic_int_get (&isa_in_use);

  if (isa < 0)
    {
      PmIsa want = pm_cpu_get_native_isa ();
      const char *env = g_getenv ("PM_ISA");

      if (env != NULL && *env != '\0' && !pm_isa_from_string (env, &want))
        {
          g_warning ("PM_ISA=%s is not one of generic, avx2, avx512, avx512bf16; ignored", env);
          want = pm_cpu_get_native_isa ();
        }
      isa = MIN (want, pm_cpu_get_native_isa ());
      g_atomic_int_set (&isa_in_use, isa);
    }
  return (PmIsa) isa;
}

PmIsa
pm_cpu_set_isa (PmIsa isa)
{
  isa = MIN (isa, pm_cpu_get_native_isa ());
  g_atomic_int_set (&isa_in_use, (gint) isa);
  return isa;
}

const char *
pm_isa_to_string (PmIsa isa)
{
  g_return_val_if_fail (isa >= PM_ISA_GENERIC && isa <= PM_ISA_AVX512_BF16, "?");
  return isa_names[isa];
}

gboolean
pm_isa_from_string (const char *text,
                    PmIsa      *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (isa_names); i++)
    if (g_ascii_strcasecmp (text, isa_names[i]) == 0)
      {
        *out = (PmIsa) i;
        return TRUE;
      }
  return FALSE;
}

/* ---------------------------------------------------------------------------------------
 * Peak probe: 12 independent accumulator chains (more than latency × issue width on
 * current cores), operands in registers, so only the multiply-add units limit the rate;
 * timed in thread CPU time.
 * ------------------------------------------------------------------------------------- */

#ifdef PM_X86
#define PEAK_CHAINS 12
#define PEAK_ITERS 100000

__attribute__ ((target ("avx2,fma"))) static float
peak_avx2 (gint64 iters)
{
  __m256 acc[PEAK_CHAINS], b = _mm256_set1_ps (0.999f), c = _mm256_set1_ps (1e-3f);
  float out[8], sum = 0;

  for (int j = 0; j < PEAK_CHAINS; j++)
    acc[j] = _mm256_set1_ps ((float) j);
  for (gint64 i = 0; i < iters; i++)
    {
#pragma GCC unroll 12
      for (int j = 0; j < PEAK_CHAINS; j++)
        acc[j] = _mm256_fmadd_ps (acc[j], b, c);
    }
  for (int j = 0; j < PEAK_CHAINS; j++)
    {
      _mm256_storeu_ps (out, acc[j]);
      sum += out[0];
    }
  return sum;
}

__attribute__ ((target ("avx512f"))) static float
peak_avx512 (gint64 iters)
{
  __m512 acc[PEAK_CHAINS], b = _mm512_set1_ps (0.999f), c = _mm512_set1_ps (1e-3f);
  float sum = 0;

  for (int j = 0; j < PEAK_CHAINS; j++)
    acc[j] = _mm512_set1_ps ((float) j);
  for (gint64 i = 0; i < iters; i++)
    {
#pragma GCC unroll 12
      for (int j = 0; j < PEAK_CHAINS; j++)
        acc[j] = _mm512_fmadd_ps (acc[j], b, c);
    }
  for (int j = 0; j < PEAK_CHAINS; j++)
    sum += _mm512_reduce_add_ps (acc[j]);
  return sum;
}

__attribute__ ((target ("avx512f,avx512bf16"))) static float
peak_avx512_bf16 (gint64 iters)
{
  __m512 acc[PEAK_CHAINS];
  __m512bh a = (__m512bh) _mm512_set1_epi16 (0x3f80), b = (__m512bh) _mm512_set1_epi16 (0x3c00);
  float sum = 0;

  for (int j = 0; j < PEAK_CHAINS; j++)
    acc[j] = _mm512_set1_ps ((float) j);
  for (gint64 i = 0; i < iters; i++)
    {
#pragma GCC unroll 12
      for (int j = 0; j < PEAK_CHAINS; j++)
        acc[j] = _mm512_dpbf16_ps (acc[j], a, b);
    }
  for (int j = 0; j < PEAK_CHAINS; j++)
    sum += _mm512_reduce_add_ps (acc[j]);
  return sum;
}

/* This thread's CPU time in seconds: on a shared machine the probe measures the core while
 * it runs, not the share of it the scheduler gave. */
static double
thread_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* GFLOP/s of @probe: the best of a few ~@ms slices. */
static double
measure (float (*probe) (gint64),
         double flops_per_iter,
         double ms)
{
  double best = 0;
  gint64 iters = PEAK_ITERS;
  volatile float sink;

  /* size a slice to about ms / 4 */
  for (;;)
    {
      double t0 = thread_seconds (), el;

      sink = probe (iters);
      el = (thread_seconds () - t0) * 1000.0;
      if (el >= ms / 8 || iters > ((gint64) 1 << 40))
        break;
      iters *= 2;
    }
  for (int r = 0; r < 4; r++)
    {
      double t0 = thread_seconds (), sec;

      sink = probe (iters);
      sec = thread_seconds () - t0;
      if (sec > 0)
        best = MAX (best, iters * flops_per_iter / sec / 1e9);
    }
  (void) sink;
  return best;
}
#endif

void
pm_cpu_measure_peak (PmIsa   isa,
                     double  ms,
                     double *f32_gflops,
                     double *bf16_gflops)
{
  *f32_gflops = 0;
  *bf16_gflops = 0;
  isa = MIN (isa, pm_cpu_get_native_isa ());
#ifdef PM_X86
  /* one FMA = 2 FLOP per lane; one vdpbf16ps = 2 products + 2 adds per f32 lane */
  if (isa == PM_ISA_AVX2)
    *f32_gflops = measure (peak_avx2, PEAK_CHAINS * 8 * 2.0, ms);
  else if (isa >= PM_ISA_AVX512)
    *f32_gflops = measure (peak_avx512, PEAK_CHAINS * 16 * 2.0, ms);
  if (isa == PM_ISA_AVX512_BF16)
    *bf16_gflops = measure (peak_avx512_bf16, PEAK_CHAINS * 16 * 4.0, ms);
#endif
}
