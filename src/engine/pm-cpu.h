/* pm-cpu.h: which vector instruction set the compute kernels use, from CPUID.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The kernels are chosen at run time from what the CPU reports (__builtin_cpu_supports),
 * never from OpenBLAS's environment (OPENBLAS_CORETYPE). The choice can be lowered, never
 * raised above the CPU's, with the environment variable PM_ISA=generic|avx2|avx512|avx512bf16
 * (read once) or pm_cpu_set_isa () (tests run every path this way).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  PM_ISA_GENERIC,      /* no kernels of our own: OpenBLAS and plain C */
  PM_ISA_AVX2,         /* AVX2 + FMA, 8 float lanes */
  PM_ISA_AVX512,       /* AVX-512 F/BW/VL/DQ, 16 float lanes */
  PM_ISA_AVX512_BF16,  /* the above and AVX512_BF16 (vdpbf16ps) */
} PmIsa;

/* What the CPU supports. */
PmIsa       pm_cpu_get_native_isa   (void);
/* What the kernels use: the native ISA, lowered by PM_ISA or pm_cpu_set_isa (). */
PmIsa       pm_cpu_get_isa          (void);
/* Sets the ISA the kernels use (clamped to the native one); returns the one now in use.
 * Weights packed for one ISA must be used with it: repack after a change. */
PmIsa       pm_cpu_set_isa          (PmIsa isa);
const char *pm_isa_to_string        (PmIsa isa);
/* Parses "generic", "avx2", "avx512", "avx512bf16"; FALSE for anything else. */
gboolean    pm_isa_from_string      (const char *text,
                                     PmIsa      *out);

/* The peak of one core in GFLOP/s for f32 FMA and bf16 dot-product instructions of @isa,
 * measured with a tight loop of independent multiply-adds in this thread's CPU time
 * (about @ms milliseconds each; 0 for an instruction the ISA lacks). */
void        pm_cpu_measure_peak     (PmIsa   isa,
                                     double  ms,
                                     double *f32_gflops,
                                     double *bf16_gflops);

G_END_DECLS
