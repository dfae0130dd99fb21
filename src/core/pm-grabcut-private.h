/* pm-grabcut-private.h: helpers shared by pm-grabcut.c and pm-grabcut-scale.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The per-pixel loops run in row bands over threads (pm-parallel.h); every band writes
 * its own outputs only and every sum is either kept in raster order or exact (integers),
 * so results are the same byte for byte whatever the number of threads.
 */
#pragma once

#include "pm-gmm-private.h"
#include "pm-grabcut.h"

#include <string.h>

G_BEGIN_DECLS

/* Rows of a full-resolution image per parallel task. */
#define PM_GRABCUT_ROWS_PER_TASK 16

static inline gboolean
pm_trimap_is_fg (guint8 l)
{
  return l == PM_TRIMAP_FG || l == PM_TRIMAP_PROBABLY_FG;
}

static inline gboolean
pm_trimap_is_probable (guint8 l)
{
  return l == PM_TRIMAP_PROBABLY_FG || l == PM_TRIMAP_PROBABLY_BG;
}

/* Eight labels at once: bit 1 of each byte is set for the probable labels (2, 3). */
#define PM_TRIMAP_PROBABLE_BITS G_GUINT64_CONSTANT (0x0202020202020202)

static inline guint64
pm_trimap_load8 (const guint8 *p)
{
  guint64 v;

  memcpy (&v, p, sizeof v);
  return v;
}

/* Index of the first probable label in @l[from, to), or @to. Labels must be 0‥3. */
static inline gsize
pm_trimap_find_probable (const guint8 *l,
                         gsize         from,
                         gsize         to)
{
  gsize i = from;

  while (i + 8 <= to && (pm_trimap_load8 (l + i) & PM_TRIMAP_PROBABLE_BITS) == 0)
    i += 8;
  while (i < to && !pm_trimap_is_probable (l[i]))
    i++;
  return i;
}

/* A view of RGBA pixels (ours or the caller's). */
typedef struct {
  int           width, height;
  const guint8 *rgba;
} PmGrabcutPixels;

/* β of the smoothness term (pm-grabcut-graph.c). */
double        pm_grabcut_beta     (const PmGrabcutPixels *px,
                                   const guint8          *labels);

/* Graph cuts of an image's probable pixels, with their work space. */
typedef struct _PmGrabcutCut PmGrabcutCut;

PmGrabcutCut *pm_grabcut_cut_new  (gsize                  n_pixels);
void          pm_grabcut_cut_free (PmGrabcutCut          *cut);
gsize         pm_grabcut_cut_step (PmGrabcutCut          *cut,
                                   const PmGrabcutPixels *px,
                                   guint8                *labels,
                                   const PmGmm           *fg,
                                   const PmGmm           *bg,
                                   double                 gamma,
                                   double                 beta);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmGrabcutCut, pm_grabcut_cut_free)

/* Area average of @image to @sw × @sh (≤ its size), RGBA rounded to bytes. */
guint8 *pm_grabcut_downscale_rgba   (const PmImage *image,
                                     int            sw,
                                     int            sh);
/* A trimap block's label: sure FG/BG if it holds sure pixels (the majority of the two),
 * else the majority of its probable labels. */
guint8 *pm_grabcut_downscale_trimap (const guint8  *trimap,
                                     int            w,
                                     int            h,
                                     int            sw,
                                     int            sh);
/* Full-resolution labels from the small result (see pm-grabcut-scale.c). */
guint8 *pm_grabcut_upscale_labels   (const guint8  *small,
                                     int            sw,
                                     int            sh,
                                     const guint8  *trimap,
                                     int            w,
                                     int            h);

G_END_DECLS
