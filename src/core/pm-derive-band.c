/* pm-derive-band.c: a big photo's mask from a derivation at a working size.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Over BAND_MIN_PIXELS (pm-derive.c) both images are averaged down to about a megapixel
 * and the mask is decided there: what changed is a region, not a fine detail. Scaled
 * back up, that mask is right except near its edge, where a working pixel covers both
 * sides. So the pixels within BAND_REACH working pixels of the edge are decided again at
 * full size: the edited pixel's OKLab distance to the closest (tone-matched) original
 * colour in its 3×3 neighbourhood, lightly blurred, is compared with half the mean change
 * of the object's interior nearby (the working size's boundary rule, pm-derive.c). The
 * rest of the photo is never converted at full size. Working rows in parallel.
 */
#define G_LOG_DOMAIN "pm-derive"

#include "pm-derive-private.h"
#include "pm-color-fast-private.h"
#include "pm-parallel.h"
#include "pm-rowops-private.h"
#include "pm-scratch-private.h"

#include <math.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define BAND_REACH        2        /* working pixels on each side of the edge */
#define LIGHTNESS_WEIGHT  0.35f    /* as in pm-derive.c */
#define BOUNDARY_SHARE    0.5f

typedef struct {
  const PmImage *img;
  int            k, work_w;
  guint8        *out;
} BoxDown;

typedef guint8  PmV8b __attribute__ ((vector_size (8)));
typedef guint16 PmV8h __attribute__ ((vector_size (16)));
typedef guint16 PmV4h __attribute__ ((vector_size (8)));

/* The four 16-bit lanes of @word (a block's channel sums), as 32-bit lanes. */
static inline PmV4i
word_lanes (guint64 word)
{
  PmV4h lanes;

  memcpy (&lanes, &word, sizeof lanes);
  return __builtin_convertvector (lanes, PmV4i);
}

/* A block's rounded mean from its four channel sums @acc: (guint8) MIN (sum × @inv + 0.5,
 * 255) for each channel, the four at once (the same float operations). */
static inline void
store_mean (guint8 *o,
            PmV4i   acc,
            float   inv)
{
  PmV4f v = __builtin_convertvector (acc, PmV4f) * pm_v4f_splat (inv) + pm_v4f_splat (0.5f);
  PmV4f top = pm_v4f_splat (255.0f);
  PmV4i below = v < top;
  PmV4i q;

  v = (PmV4f) (((PmV4i) v & below) | ((PmV4i) top & ~below));
  q = __builtin_convertvector (v, PmV4i);
  for (int c = 0; c < 4; c++)
    o[c] = (guint8) q[c];
}

#ifdef __SSE2__
/* Working row @wy for k = 4: a block's row is 16 bytes (4 pixels), summed down the block's
 * rows in 16-bit lanes, then across; the mean as store_mean() makes it (MINPS is MIN ()). */
static void
box_down_row4 (const BoxDown *b,
               int            wy)
{
  const PmImage *img = b->img;
  int width = img->width, y0 = wy * 4, y1 = MIN (y0 + 4, img->height);
  gsize len = (gsize) width * 4;
  int full = width / 4;
  const __m128i zero = _mm_setzero_si128 ();
  const __m128 inv = _mm_set1_ps (1.0f / (4 * (y1 - y0))), half = _mm_set1_ps (0.5f);
  const __m128 top = _mm_set1_ps (255.0f);
  guint8 *out = b->out + (gsize) wy * b->work_w * 4;

  for (int wx = 0; wx < full; wx++)
    {
      const guint8 *p = img->data + (gsize) y0 * len + (gsize) wx * 16;
      __m128i lo = zero, hi = zero, s;
      __m128 v;
      guint32 word;

      for (int y = y0; y < y1; y++, p += len)
        {
          __m128i r = _mm_loadu_si128 ((const __m128i *) p);

          lo = _mm_add_epi16 (lo, _mm_unpacklo_epi8 (r, zero));
          hi = _mm_add_epi16 (hi, _mm_unpackhi_epi8 (r, zero));
        }
      s = _mm_add_epi16 (lo, hi);
      s = _mm_add_epi16 (s, _mm_srli_si128 (s, 8));
      v = _mm_cvtepi32_ps (_mm_unpacklo_epi16 (s, zero));
      v = _mm_min_ps (_mm_add_ps (_mm_mul_ps (v, inv), half), top);
      s = _mm_cvttps_epi32 (v);
      s = _mm_packs_epi32 (s, s);
      word = (guint32) _mm_cvtsi128_si32 (_mm_packus_epi16 (s, s));
      memcpy (out + (gsize) wx * 4, &word, sizeof word);
    }
  if (full < b->work_w)
    {
      /* the last, partial block */
      int x0 = full * 4;
      PmV4i acc = { 0, 0, 0, 0 };

      for (int y = y0; y < y1; y++)
        for (int x = x0; x < width; x++)
          for (int c = 0; c < 4; c++)
            acc[c] += img->data[(gsize) y * len + (gsize) x * 4 + c];
      store_mean (out + (gsize) full * 4, acc, 1.0f / ((width - x0) * (y1 - y0)));
    }
}
#endif

static void
box_down_row (gint64   task,
              gpointer data)
{
  const BoxDown *b = data;
  const PmImage *img = b->img;
  int wy = (int) task, k = b->k, width = img->width;
  int y0 = wy * k, y1 = MIN (y0 + k, img->height);
  gsize len = (gsize) width * 4;
  guint16 *col;

#ifdef __SSE2__
  if (k == 4)
    {
      box_down_row4 (b, wy);
      return;
    }
#endif
  col = g_new0 (guint16, len);   /* per column and channel: the block's rows */

  /* Down the columns: k ≤ 257 bytes fit 16 bits; 16 bytes at a time, all the block's
   * rows before the next 16. */
  {
    gsize i = 0;

    for (; i + 16 <= len; i += 16)
      {
        PmV8h lo = { 0, }, hi = { 0, };

        for (int y = y0; y < y1; y++)
          {
            PmV8b a, b;

            memcpy (&a, img->data + (gsize) y * len + i, sizeof a);
            memcpy (&b, img->data + (gsize) y * len + i + 8, sizeof b);
            lo += __builtin_convertvector (a, PmV8h);
            hi += __builtin_convertvector (b, PmV8h);
          }
        memcpy (col + i, &lo, sizeof lo);
        memcpy (col + i + 8, &hi, sizeof hi);
      }
    for (; i < len; i++)
      for (int y = y0; y < y1; y++)
        col[i] += img->data[(gsize) y * len + i];
  }

  /* Across a block: a pixel's four 16-bit sums as one word while a block's total fits
   * (k ≤ 16: 16 × 16 × 255 < 2¹⁶), each channel apart otherwise. */
  for (int wx = 0; wx < b->work_w; wx++)
    {
      int x0 = wx * k, x1 = MIN (x0 + k, width);
      float inv = 1.0f / ((x1 - x0) * (y1 - y0));
      PmV4i acc = { 0, 0, 0, 0 };
      guint8 *o = b->out + ((gsize) wy * b->work_w + wx) * 4;

      if (k <= 16)
        {
          guint64 word = 0, v;

          for (int x = x0; x < x1; x++)
            {
              memcpy (&v, col + (gsize) x * 4, sizeof v);
              word += v;
            }
          acc = word_lanes (word);
        }
      else
        for (int x = x0; x < x1; x++)
          for (int c = 0; c < 4; c++)
            acc[c] += col[(gsize) x * 4 + c];
      store_mean (o, acc, inv);
    }
  g_free (col);
}

/**
 * pm_derive_box_down: (skip)
 * @image: an image
 * @k: the block size, 1 … 257 (a row of a block sums in 16 bits)
 * @out: (out caller-allocates): @image averaged over @k × @k blocks (rounded), of size
 *   ceil (width / @k) × ceil (height / @k); its data from pm_scratch_alloc()
 */
void
pm_derive_box_down (const PmImage *image,
                    int            k,
                    PmImage       *out)
{
  int w = (image->width + k - 1) / k, h = (image->height + k - 1) / k;
  BoxDown b = { image, k, w, NULL };

  out->width = w;
  out->height = h;
  out->data = b.out = pm_scratch_alloc ((gsize) w * h * 4);
  pm_parallel_for (h, box_down_row, &b);
}

/* ---- The edge at full size ------------------------------------------------------------ */

typedef struct {
  const PmImage      *orig, *edit;
  const PmDeriveWork *work;
  const guint8       *band;     /* working size: pixels to decide again */
  int                *xstart;   /* full-size column where working column j starts */
  int                *ystart;
  int                *xmap;     /* working column of full-size column x */
  int                *ymap;
  float               dx, dy;   /* the shift, full-size pixels */
  float               ex, ey;   /* edit pixels per full-size pixel */
  gboolean            same_grid;   /* no shift, same size: edit pixel (x, y) as it is */
  PmMask             *mask;
  float               olin[3][256];   /* original byte → tone-matched linear value */
  float               elin[256];      /* edited byte → linear value */
} Band;

static inline float
lab_distance2 (PmOklab p,
               PmOklab q)
{
  float dL = p.L - q.L, da = p.a - q.a, db = p.b - q.b;
  return LIGHTNESS_WEIGHT * dL * dL + da * da + db * db;
}

/* The edited image at full-size pixel (x, y) moved back by the shift (bilinear, in linear
 * light). */
static PmOklab
edit_lab (const Band *b,
          int         x,
          int         y)
{
  const PmImage *img = b->edit;
  float sx, sy;
  int x0, y0, x1, y1;
  float fx, fy, lin[3];

  if (b->same_grid)
    {
      /* the bilinear sample at a pixel's own centre: exactly that pixel's value */
      const guint8 *p = img->data + ((gsize) y * img->width + x) * 4;
      return pm_linear_to_oklab_approx (b->elin[p[0]], b->elin[p[1]], b->elin[p[2]]);
    }
  sx = ((float) x + b->dx + 0.5f) * b->ex - 0.5f;
  sy = ((float) y + b->dy + 0.5f) * b->ey - 0.5f;
  sx = CLAMP (sx, 0.0f, (float) (img->width - 1));
  sy = CLAMP (sy, 0.0f, (float) (img->height - 1));
  x0 = (int) sx;
  y0 = (int) sy;
  x1 = MIN (x0 + 1, img->width - 1);
  y1 = MIN (y0 + 1, img->height - 1);
  fx = sx - x0;
  fy = sy - y0;
  for (int c = 0; c < 3; c++)
    {
      float a = b->elin[img->data[((gsize) y0 * img->width + x0) * 4 + c]];
      float e = b->elin[img->data[((gsize) y0 * img->width + x1) * 4 + c]];
      float d = b->elin[img->data[((gsize) y1 * img->width + x0) * 4 + c]];
      float f = b->elin[img->data[((gsize) y1 * img->width + x1) * 4 + c]];
      lin[c] = (a * (1 - fx) + e * fx) * (1 - fy) + (d * (1 - fx) + f * fx) * fy;
    }
  return pm_linear_to_oklab_approx (lin[0], lin[1], lin[2]);
}

/* OKLab of the @n pixels from (@x0, @y) of @img (coordinates clamped to it): through the
 * tone-matched tables @olin for the original, the edit's table when NULL; four at a time
 * where they are inside (pm_linear_to_oklab_approx_v4(): the same values). */
static void
row_lab (const Band    *b,
         const PmImage *img,
         const float  (*olin)[256],
         int            x0,
         int            y,
         int            n,
         PmOklab       *out)
{
  const guint8 *row;
  const float *t[3];
  int i = 0;

  y = CLAMP (y, 0, img->height - 1);
  row = img->data + (gsize) y * img->width * 4;
  for (int c = 0; c < 3; c++)
    t[c] = olin != NULL ? olin[c] : b->elin;
  for (; i < n; i++)
    {
      int x = x0 + i;

      if (x >= 0 && i + 4 <= n && x + 3 < img->width)
        {
          const guint8 *p = row + (gsize) x * 4;
          PmV4f v[3];

          for (int c = 0; c < 3; c++)
            v[c] = (PmV4f) { t[c][p[c]], t[c][p[4 + c]], t[c][p[8 + c]], t[c][p[12 + c]] };
          pm_linear_to_oklab_approx_v4 (v[0], v[1], v[2], out + i);
          i += 3;
          continue;
        }
      {
        const guint8 *p = row + (gsize) CLAMP (x, 0, img->width - 1) * 4;
        out[i] = pm_linear_to_oklab_approx (t[0][p[0]], t[1][p[1]], t[2][p[2]]);
      }
    }
}

/* Decides again the full-size pixels of working columns [a, b) of working row wy. */
static void
decide_span (const Band *b,
             int         wy,
             int         a,
             int         e)
{
  int W = b->orig->width, H = b->orig->height;
  int X0 = b->xstart[a], X1 = b->xstart[e], Y0 = b->ystart[wy], Y1 = b->ystart[wy + 1];
  int rw = X1 - X0 + 4, rh = Y1 - Y0 + 4;   /* region with 2 pixels of margin */
  PmOklab *olab = g_new (PmOklab, (gsize) rw * rh);
  PmOklab *elab = b->same_grid ? g_new (PmOklab, (gsize) rw * rh) : NULL;
  float *diff = g_new (float, (gsize) rw * rh);
  const PmDeriveWork *work = b->work;
  static const float wk[3] = { 0.2493522f, 1.0f, 0.2493522f };   /* exp (-1 / (2 × 0.6²)) */

  for (int ry = 0; ry < rh; ry++)
    row_lab (b, b->orig, b->olin, X0 - 2, Y0 - 2 + ry, rw, olab + (gsize) ry * rw);
  if (b->same_grid)
    for (int ry = 1; ry < rh - 1; ry++)
      row_lab (b, b->edit, NULL, X0 - 1, Y0 - 2 + ry, rw - 2, elab + (gsize) ry * rw + 1);

  /* The difference on the region less one pixel of margin. */
  for (int ry = 1; ry < rh - 1; ry++)
    for (int rx = 1; rx < rw - 1; rx++)
      {
        int x = X0 - 2 + rx, y = Y0 - 2 + ry;
        PmOklab el = b->same_grid ? elab[ry * rw + rx]
                                  : edit_lab (b, CLAMP (x, 0, W - 1), CLAMP (y, 0, H - 1));
        float best = G_MAXFLOAT;

        for (int v = -1; v <= 1; v++)
          for (int u = -1; u <= 1; u++)
            best = MIN (best, lab_distance2 (el, olab[(ry + v) * rw + rx + u]));
        diff[ry * rw + rx] = sqrtf (best);
      }

  /* A 3×3 Gaussian (σ 0.6) of the difference against the interior's change. */
  for (int y = Y0; y < Y1; y++)
    {
      int ry = y - Y0 + 2, wrow = wy * work->width;

      for (int x = X0; x < X1; x++)
        {
          int rx = x - X0 + 2, wx = b->xmap[x];
          float local = work->local[wrow + wx], sum = 0, wsum = 0, cut;
          gboolean in;

          if (!b->band[wrow + wx])
            continue;
          for (int v = -1; v <= 1; v++)
            {
              int yy = y + v;
              if (yy < 0 || yy >= H)
                continue;
              for (int u = -1; u <= 1; u++)
                {
                  int xx = x + u;
                  float w;
                  if (xx < 0 || xx >= W)
                    continue;
                  w = wk[v + 1] * wk[u + 1];
                  sum += w * diff[(ry + v) * rw + rx + u];
                  wsum += w;
                }
            }
          /* no interior nearby (a thin part): the weak threshold */
          cut = local < 0 ? work->t_lo : MAX (BOUNDARY_SHARE * local, 0.5f * work->t_lo);
          in = sum / wsum >= cut;
          /* the row was filled from the working mask; the rest is still zero */
          if (in || work->bin[wrow + wx])
            b->mask->data[(gsize) y * W + x] = in ? 1.0f : 0.0f;
        }
    }
  g_free (diff);
  g_free (elab);
  g_free (olab);
}

/* Working row @task: its full-size rows filled from the working mask (only the ones: a
 * new mask is zero, and pages never written cost nothing), then its band decided again. */
static void
band_row (gint64   task,
          gpointer data)
{
  const Band *b = data;
  int wy = (int) task, ww = b->work->width, W = b->orig->width;
  const guint8 *row = b->band + (gsize) wy * ww;
  const guint8 *bin = b->work->bin + (gsize) wy * ww;

  for (int y = b->ystart[wy]; y < b->ystart[wy + 1]; y++)
    {
      float *o = b->mask->data + (gsize) y * W;

      for (int a = 0; a < ww; a++)
        if (bin[a])
          {
            int e = a;
            while (e < ww && bin[e])
              e++;
            for (int x = b->xstart[a]; x < b->xstart[e]; x++)
              o[x] = 1.0f;
            a = e;
          }
    }
  for (int a = 0; a < ww; a++)
    if (row[a])
      {
        int e = a;
        while (e < ww && row[e])
          e++;
        decide_span (b, wy, a, e);
        a = e;
      }
}

/* start[j]: the first of @full pixels that maps to working pixel j (j = 0 … @work), and
 * map[x] the working pixel of each; @k as for pm_derive_full_band(). */
static void
axis_maps (int  full,
           int  work,
           int  k,
           int *start,
           int *map)
{
  for (int x = 0; x < full; x++)
    map[x] = k > 0 ? x / k : MIN ((int) (((gint64) x * work) / full), work - 1);
  for (int j = 0, x = 0; j <= work; j++)
    {
      while (x < full && map[x] < j)
        x++;
      start[j] = x;
    }
}

PmMask *
pm_derive_full_band (const PmImage      *original,
                     const PmImage      *edited,
                     const PmDeriveWork *work,
                     int                 k)
{
  int W = original->width, H = original->height, ww = work->width, wh = work->height;
  gsize wn = (gsize) ww * wh;
  PmMask *mask = pm_mask_new (W, H);
  guint8 *grown, *shrunk;
  Band *bp = g_new0 (Band, 1), b;

  if (work->bin == NULL)
    return mask;

  /* The band: within BAND_REACH of the working mask's edge. */
  grown = g_memdup2 (work->bin, wn);
  shrunk = g_memdup2 (work->bin, wn);
  for (int r = 0; r < BAND_REACH; r++)
    {
      pm_derive_morph3 (grown, ww, wh, TRUE);
      pm_derive_morph3 (shrunk, ww, wh, FALSE);
    }
  for (gsize i = 0; i < wn; i++)
    grown[i] = grown[i] && !shrunk[i];
  g_free (shrunk);

  b = *bp;
  g_free (bp);
  for (int v = 0; v < 256; v++)
    {
      for (int c = 0; c < 3; c++)
        b.olin[c][v] = pm_derive_srgb_to_linear ((float) CLAMP (work->gain[c] * (v / 255.0f) +
                                                                work->offset[c], 0.0, 1.0));
      b.elin[v] = pm_derive_srgb_to_linear (v / 255.0f);
    }
  b.orig = original;
  b.edit = edited;
  b.work = work;
  b.band = grown;
  b.xstart = g_new (int, ww + 1);
  b.ystart = g_new (int, wh + 1);
  b.xmap = g_new (int, W);
  b.ymap = g_new (int, H);
  axis_maps (W, ww, k, b.xstart, b.xmap);
  axis_maps (H, wh, k, b.ystart, b.ymap);
  b.dx = work->dx * (float) W / ww;
  b.dy = work->dy * (float) H / wh;
  b.ex = (float) edited->width / W;
  b.ey = (float) edited->height / H;
  b.mask = mask;
  b.same_grid = edited->width == W && edited->height == H && b.dx == 0 && b.dy == 0;

  pm_parallel_for (wh, band_row, &b);

  g_free (b.ymap);
  g_free (b.xmap);
  g_free (b.ystart);
  g_free (b.xstart);
  g_free (grown);
  return mask;
}
