/* pm-derive-diff.c: step 5 of mask derivation, the difference between original and edit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both images (sRGB floats, already aligned and tone-matched) go to OKLab; per pixel the
 * distance from the edited colour to the closest original colour in its 3×3
 * neighbourhood, chroma weighted above lightness; with a colour hint, colourful pixels far
 * from the hint's hue are damped. Row bands in parallel, four pixels at a time where the
 * compiler's vectors allow it (lane by lane the same operations: the same results).
 */
#define G_LOG_DOMAIN "pm-derive"

#include "pm-derive.h"
#include "pm-derive-private.h"
#include "pm-color-fast-private.h"
#include "pm-parallel.h"

#include <math.h>
#include <string.h>

#define LIGHTNESS_WEIGHT   0.35f   /* ΔL² weight against Δa² + Δb² */
#define HINT_MIN_CHROMA    0.03f   /* below this an edited pixel's hue says nothing */
#define HINT_COS_KEEP      0.866f  /* within 30° of the hint's hue: no damping */
#define HINT_COS_DAMP      0.5f    /* beyond 60°: full damping */
#define HINT_DAMPING       0.6f

/* ---- Difference ----------------------------------------------------------------------- */

#define LUT_SIZE 4096

#if defined (__x86_64__) && defined (__GNUC__) && !defined (__clang__)
#define HAVE_AVX2_PATH 1
#endif

static gboolean use_avx2;   /* set once, with the sRGB table */

static float srgb_lut[LUT_SIZE + 2];

static gpointer
build_srgb_lut (gpointer data)
{
  for (int i = 0; i <= LUT_SIZE; i++)
    srgb_lut[i] = pm_srgb_to_linear ((float) i / LUT_SIZE);
  srgb_lut[LUT_SIZE + 1] = srgb_lut[LUT_SIZE];
#ifdef HAVE_AVX2_PATH
  use_avx2 = __builtin_cpu_supports ("avx2");
#endif
  return NULL;
}

/* sRGB → linear for 0..1 floats by an interpolated table (error < 1e-6). */
static inline float
srgb_to_linear_fast (float v)
{
  float x = CLAMP (v, 0.0f, 1.0f) * LUT_SIZE;
  int i = (int) x;
  float f = x - i;

  return srgb_lut[i] + f * (srgb_lut[i + 1] - srgb_lut[i]);
}

/* srgb_to_linear_fast() of four values, the same bits. */
static inline PmV4f
srgb_to_linear_fast_v4 (PmV4f v)
{
  PmV4f zero = pm_v4f_splat (0.0f), one = pm_v4f_splat (1.0f), x, f, a, b;
  PmV4i below = (PmV4i) (v < zero), above = (PmV4i) (v > one), i;

  /* CLAMP (v, 0, 1): v < 0 ? 0 : v > 1 ? 1 : v */
  v = (PmV4f) (((PmV4i) v & ~(below | above)) | ((PmV4i) one & above & ~below));
  x = v * (float) LUT_SIZE;
  i = __builtin_convertvector (x, PmV4i);
  f = x - __builtin_convertvector (i, PmV4f);
  a = (PmV4f) { srgb_lut[i[0]], srgb_lut[i[1]], srgb_lut[i[2]], srgb_lut[i[3]] };
  b = (PmV4f) { srgb_lut[i[0] + 1], srgb_lut[i[1] + 1], srgb_lut[i[2] + 1], srgb_lut[i[3] + 1] };
  return a + f * (b - a);
}

#ifdef HAVE_AVX2_PATH
/* Eight pixels at a time where the CPU has AVX2: srgb_to_linear_fast_v4(),
 * pm_cbrtf_approx_v4() and pm_linear_to_oklab_approx_v4() on eight lanes, the same
 * operations in the same order (no FMA: "avx2" alone does not enable it), so the same
 * bits. Chosen at run time from CPUID. */
typedef float   PmV8f __attribute__ ((vector_size (32)));
typedef gint32  PmV8i __attribute__ ((vector_size (32)));
typedef guint32 PmV8u __attribute__ ((vector_size (32)));

#define V8(x) ((PmV8f) { x, x, x, x, x, x, x, x })

__attribute__ ((target ("avx2"))) static inline PmV8f
srgb_to_linear_v8 (PmV8f v)
{
  PmV8f one = V8 (1.0f), x, f, a, b;
  PmV8i below = (PmV8i) (v < V8 (0.0f)), above = (PmV8i) (v > one), i;

  v = (PmV8f) (((PmV8i) v & ~(below | above)) | ((PmV8i) one & above & ~below));
  x = v * (float) LUT_SIZE;
  i = __builtin_convertvector (x, PmV8i);
  f = x - __builtin_convertvector (i, PmV8f);
  a = (PmV8f) { srgb_lut[i[0]], srgb_lut[i[1]], srgb_lut[i[2]], srgb_lut[i[3]],
                srgb_lut[i[4]], srgb_lut[i[5]], srgb_lut[i[6]], srgb_lut[i[7]] };
  b = (PmV8f) { srgb_lut[i[0] + 1], srgb_lut[i[1] + 1], srgb_lut[i[2] + 1], srgb_lut[i[3] + 1],
                srgb_lut[i[4] + 1], srgb_lut[i[5] + 1], srgb_lut[i[6] + 1], srgb_lut[i[7] + 1] };
  return a + f * (b - a);
}

__attribute__ ((target ("avx2"))) static inline PmV8f
cbrtf_v8 (PmV8f x)
{
  PmV8f lo = V8 (1e-30f), two = V8 (2.0f), y, y3;
  PmV8i keep = (PmV8i) (x > lo);
  PmV8u u;

  x = (PmV8f) (((PmV8i) x & keep) | ((PmV8i) lo & ~keep));
  memcpy (&u, &x, sizeof u);
  u = u / 3 + 0x2A514067u;
  memcpy (&y, &u, sizeof y);
  for (int i = 0; i < 2; i++)
    {
      y3 = y * y * y;
      y = y * (y3 + two * x) / (two * y3 + x);
    }
  return y;
}

/* Pixels [@i0, @i1) of @t (approximate path), eight at a time, the rest four or one at a
 * time as to_oklab_task() does them. */
__attribute__ ((target ("avx2"))) static gsize
to_oklab_avx2 (const float *rgb,
               PmOklab     *lab,
               gsize        i0,
               gsize        i1)
{
  gsize i = i0;

  for (; i + 8 <= i1; i += 8)
    {
      PmV8f c[3], l, m, s, l_, m_, s_, L, A, B;

      for (int k = 0; k < 3; k++)
        {
          const float *p = rgb + i * 3 + k;
          c[k] = srgb_to_linear_v8 ((PmV8f) { p[0], p[3], p[6], p[9], p[12], p[15], p[18],
                                              p[21] });
        }
      l = 0.4122214708f * c[0] + 0.5363325363f * c[1] + 0.0514459929f * c[2];
      m = 0.2119034982f * c[0] + 0.6806995451f * c[1] + 0.1073969566f * c[2];
      s = 0.0883024619f * c[0] + 0.2817188376f * c[1] + 0.6299787005f * c[2];
      l_ = cbrtf_v8 (l);
      m_ = cbrtf_v8 (m);
      s_ = cbrtf_v8 (s);
      L = 0.2104542553f * l_ + 0.7936177850f * m_ - 0.0040720468f * s_;
      A = 1.9779984951f * l_ - 2.4285922050f * m_ + 0.4505937099f * s_;
      B = 0.0259040371f * l_ + 0.7827717662f * m_ - 0.8086757660f * s_;
      for (int j = 0; j < 8; j++)
        {
          lab[i + j].L = L[j];
          lab[i + j].a = A[j];
          lab[i + j].b = B[j];
        }
    }
  return i;
}
#endif

typedef struct {
  const float *rgb;
  PmOklab     *lab;
  gsize        n;
  gboolean     approx;
} ToOklab;

#define PIXELS_PER_TASK 65536

static void
to_oklab_task (gint64   task,
               gpointer data)
{
  const ToOklab *t = data;
  gsize i0 = (gsize) task * PIXELS_PER_TASK, i1 = MIN (i0 + PIXELS_PER_TASK, t->n);

  if (t->approx)
    {
      gsize i = i0;

#ifdef HAVE_AVX2_PATH
      if (use_avx2)
        i = to_oklab_avx2 (t->rgb, t->lab, i0, i1);
#endif

      for (; i + 4 <= i1; i += 4)
        {
          PmV4f c[3];

          for (int k = 0; k < 3; k++)
            c[k] = srgb_to_linear_fast_v4 ((PmV4f) { t->rgb[i * 3 + k], t->rgb[i * 3 + 3 + k],
                                                     t->rgb[i * 3 + 6 + k],
                                                     t->rgb[i * 3 + 9 + k] });
          pm_linear_to_oklab_approx_v4 (c[0], c[1], c[2], t->lab + i);
        }
      for (; i < i1; i++)
        t->lab[i] = pm_linear_to_oklab_approx (srgb_to_linear_fast (t->rgb[i * 3]),
                                               srgb_to_linear_fast (t->rgb[i * 3 + 1]),
                                               srgb_to_linear_fast (t->rgb[i * 3 + 2]));
      return;
    }
  for (gsize i = i0; i < i1; i++)
    t->lab[i] = pm_linear_to_oklab_fast (srgb_to_linear_fast (t->rgb[i * 3]),
                                      srgb_to_linear_fast (t->rgb[i * 3 + 1]),
                                      srgb_to_linear_fast (t->rgb[i * 3 + 2]));
}

/**
 * pm_derive_srgb_to_linear: (skip)
 * @v: an sRGB value, 0..1
 *
 * Returns: its linear value from the interpolated table the derivation uses
 */
float
pm_derive_srgb_to_linear (float v)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, build_srgb_lut, NULL);
  return srgb_to_linear_fast (v);
}

G_STATIC_ASSERT (sizeof (PmOklab) == 3 * sizeof (float));

/* OKLab of @n pixels of sRGB floats, in place (a pixel's three floats become its L, a,
 * b: no second plane to allocate and fault in); @rgb belongs to the result.
 * @approx: in float (pm_linear_to_oklab_approx()), for the working size of a big photo;
 * otherwise as pm_linear_to_oklab(). */
PmOklab *
pm_derive_rgbf_to_oklab (float    *rgb,
                         gsize     n,
                         gboolean  approx)
{
  ToOklab t = { rgb, (PmOklab *) rgb, n, approx };

  pm_derive_srgb_to_linear (0);   /* builds the table */
  pm_parallel_for ((gint64) ((n + PIXELS_PER_TASK - 1) / PIXELS_PER_TASK), to_oklab_task, &t);
  return t.lab;
}

static inline float
lab_distance2 (PmOklab p,
               PmOklab q)
{
  float dL = p.L - q.L, da = p.a - q.a, db = p.b - q.b;
  return LIGHTNESS_WEIGHT * dL * dL + da * da + db * db;
}

typedef struct {
  const PmOklab *orig, *edit;
  int            width, height;
  gboolean       use_hint;
  float          hint_a, hint_b;
  float         *plain, *hinted;
} DiffMap;

#define DIFF_ROWS 32

/* Pixel @i's difference from its squared distance @best2. */
static inline void
store_difference (const DiffMap *d,
                  gsize          i,
                  float          best2)
{
  PmOklab e = d->edit[i];
  float best = sqrtf (best2);

  d->plain[i] = best;
  if (d->use_hint && best > 0)
    {
      /* A painted pixel's hue is near the hint's (an editor may miss it by a bit); a
       * colourful pixel far from that hue was not painted, whatever its change. */
      float ce = sqrtf (e.a * e.a + e.b * e.b);
      if (ce > HINT_MIN_CHROMA)
        {
          float cosang = (e.a * d->hint_a + e.b * d->hint_b) / ce;
          float off = CLAMP ((HINT_COS_KEEP - cosang) / (HINT_COS_KEEP - HINT_COS_DAMP),
                             0.0f, 1.0f);
          float sure = CLAMP ((ce - HINT_MIN_CHROMA) / HINT_MIN_CHROMA, 0.0f, 1.0f);
          best *= 1.0f - HINT_DAMPING * off * sure;
        }
    }
  if (d->use_hint)
    d->hinted[i] = best;
}

static inline void
load_lab4 (const PmOklab *p,
           PmV4f         *L,
           PmV4f         *A,
           PmV4f         *B)
{
  *L = (PmV4f) { p[0].L, p[1].L, p[2].L, p[3].L };
  *A = (PmV4f) { p[0].a, p[1].a, p[2].a, p[3].a };
  *B = (PmV4f) { p[0].b, p[1].b, p[2].b, p[3].b };
}

static void
difference_rows (gint64   task,
                 gpointer data)
{
  const DiffMap *d = data;
  int width = d->width, height = d->height;
  int y0 = (int) task * DIFF_ROWS, y1 = MIN (y0 + DIFF_ROWS, height);
  PmV4f weight = pm_v4f_splat (LIGHTNESS_WEIGHT);

  for (int y = y0; y < y1; y++)
    {
      int v0 = MAX (y - 1, 0), v1 = MIN (y + 1, height - 1);

      for (int x = 0; x < width;)
        {
          gsize i = (gsize) y * width + x;

          if (x >= 1 && x + 5 <= width)
            {
              /* Four pixels clear of the side edges at once: the same distances, and the
               * minimum of the same values. */
              PmV4f eL, eA, eB, best = pm_v4f_splat (G_MAXFLOAT);

              load_lab4 (d->edit + i, &eL, &eA, &eB);
              for (int v = v0; v <= v1; v++)
                for (int u = -1; u <= 1; u++)
                  {
                    PmV4f oL, oA, oB, dL, da, db, dist;
                    PmV4i less;

                    load_lab4 (d->orig + (gsize) v * width + x + u, &oL, &oA, &oB);
                    dL = eL - oL;
                    da = eA - oA;
                    db = eB - oB;
                    dist = weight * dL * dL + da * da + db * db;
                    less = (PmV4i) (dist < best);
                    best = (PmV4f) (((PmV4i) dist & less) | ((PmV4i) best & ~less));
                  }
              for (int l = 0; l < 4; l++)
                store_difference (d, i + l, best[l]);
              x += 4;
              continue;
            }
          {
            PmOklab e = d->edit[i];
            float best = lab_distance2 (e, d->orig[i]);

            for (int v = v0; v <= v1; v++)
              for (int u = MAX (x - 1, 0); u <= MIN (x + 1, width - 1); u++)
                best = MIN (best, lab_distance2 (e, d->orig[(gsize) v * width + u]));
            store_difference (d, i, best);
            x++;
          }
        }
    }
}

/* Per pixel: the distance from the edited colour to the closest original colour in the
 * 3×3 neighbourhood (tolerates what alignment and softness matching left), into @plain.
 * With a usable hint, @hinted gets the same map with changes that do not go toward the
 * hint's hue damped (for detection; boundaries use @plain). Returns whether it did.
 * Row bands in parallel. */
gboolean
pm_derive_difference_map (const PmOklab         *orig,
                          const PmOklab         *edit,
                          int                    width,
                          int                    height,
                          const PmDeriveOptions *options,
                          float                 *plain,
                          float                 *hinted)
{
  DiffMap d = { orig, edit, width, height, FALSE, 0, 0, plain, hinted };

  if (options->has_color_hint)
    {
      PmOklch hint = pm_oklab_to_oklch (pm_rgb_to_oklab (options->color_hint));
      if (hint.C >= 0.04f)
        {
          d.use_hint = TRUE;
          d.hint_a = cosf (hint.h);
          d.hint_b = sinf (hint.h);
        }
    }
  pm_parallel_for (pm_parallel_row_tasks (height, DIFF_ROWS), difference_rows, &d);
  return d.use_hint;
}
