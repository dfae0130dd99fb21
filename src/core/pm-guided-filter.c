/* pm-guided-filter.c: guided filter with grey and colour guides.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-guided-filter"

#include "pm-guided-filter.h"
#include "pm-parallel.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- box mean */

/* Four lanes of double (two SSE2 registers, or one AVX2 one in the AVX2 clone of
 * pm_box_filter_mean): the compiler does not vectorise the plain loops at -O2. */
typedef double PmV4d __attribute__ ((vector_size (32)));
typedef float PmV4f __attribute__ ((vector_size (16)));

/* col[x] += row[x], or −= with @subtract, in double, four columns at a time. */
static inline void
col_update (double      *col,
            const float *row,
            gsize        w,
            gboolean     subtract)
{
  gsize x = 0;

  for (; x + 4 <= w; x += 4)
    {
      PmV4f f;
      PmV4d c, d;

      memcpy (&f, row + x, sizeof f);
      memcpy (&c, col + x, sizeof c);
      d = __builtin_convertvector (f, PmV4d);
      c = subtract ? c - d : c + d;
      memcpy (col + x, &c, sizeof c);
    }
  for (; x < w; x++)
    col[x] = subtract ? col[x] - row[x] : col[x] + row[x];
}

/* Horizontal pass over a band of up to four rows: v[k] holds row k's vertical window sums
 * behind 2r + 1 zeros and followed by r more, so the sliding sum
 * s(x) = s(x − 1) + (v(x + r) − v(x − r − 1)) needs no edge tests (the zeros stand for the
 * columns outside the image); the difference is taken first, so each step of a row's
 * chain of sums is one addition, and the four rows' chains are interleaved.
 * Row k's mean at x is s(x)·inv_x[x]·inv_y[k]. */
static inline void
box_band_rows (double * const *v,
               const double   *inv_x,
               const double   *inv_y,
               float          *dst,
               gsize           stride,
               int             rows,
               int             width,
               int             radius)
{
  const double *v0 = v[0] + 2 * radius + 1, *v1 = v[1] + 2 * radius + 1;
  const double *v2 = v[2] + 2 * radius + 1, *v3 = v[3] + 2 * radius + 1;
  float *d0 = dst, *d1 = rows == 4 ? d0 + stride : d0;   /* rows of the band only */
  float *d2 = rows == 4 ? d1 + stride : d0, *d3 = rows == 4 ? d2 + stride : d0;
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;

  for (int x = -radius; x < 0; x++)
    {
      s0 += v0[x + radius] - v0[x - radius - 1];
      s1 += v1[x + radius] - v1[x - radius - 1];
      s2 += v2[x + radius] - v2[x - radius - 1];
      s3 += v3[x + radius] - v3[x - radius - 1];
    }
  for (int x = 0; x < width; x++)
    {
      s0 += v0[x + radius] - v0[x - radius - 1];
      s1 += v1[x + radius] - v1[x - radius - 1];
      s2 += v2[x + radius] - v2[x - radius - 1];
      s3 += v3[x + radius] - v3[x - radius - 1];
      if (rows == 4)
        {
          d0[x] = (float) (s0 * inv_x[x] * inv_y[0]);
          d1[x] = (float) (s1 * inv_x[x] * inv_y[1]);
          d2[x] = (float) (s2 * inv_x[x] * inv_y[2]);
          d3[x] = (float) (s3 * inv_x[x] * inv_y[3]);
        }
      else
        {
          double s[4] = { s0, s1, s2, s3 };
          for (int k = 0; k < rows; k++)
            dst[k * stride + x] = (float) (s[k] * inv_x[x] * inv_y[k]);
        }
    }
}

/**
 * pm_box_filter_mean:
 * @in: @width × @height floats
 * @out: @width × @height floats (may be @in)
 * @width: plane width
 * @height: plane height
 * @radius: window radius (0 copies)
 *
 * Box mean with clipped windows in one pass over the plane: per column a vertical running
 * sum, walked row by row, then per band of four rows a horizontal running sum of those
 * sums. Sums are in double precision. In place, the rows the vertical sums drop are read
 * from a ring of copies, as they may have been overwritten by then.
 */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__ ((target_clones ("avx2", "default")))
#endif
void
pm_box_filter_mean (const float *in,
                    float       *out,
                    int          width,
                    int          height,
                    int          radius)
{
  g_autofree double *col = NULL;
  g_autofree double *inv_x = NULL;
  g_autofree double *vbuf = NULL;
  g_autofree float *ring = NULL;
  double *v[4];
  gsize w = width, h = height, vlen = w + 3 * radius + 1;
  int n_ring = 2 * radius + 2, next = 0;   /* next row to add */

  g_return_if_fail (in != NULL && out != NULL);
  g_return_if_fail (width > 0 && height > 0 && radius >= 0);

  if (radius == 0)
    {
      if (out != in)
        memcpy (out, in, w * h * sizeof (float));
      return;
    }
  col = g_new0 (double, w);
  inv_x = g_new (double, w);
  vbuf = g_new0 (double, 4 * vlen);
  for (int k = 0; k < 4; k++)
    v[k] = vbuf + k * vlen;
  if (out == in)
    ring = g_new (float, (gsize) n_ring * w);
  /* 1 / (pixels in the clipped window) per column. */
  for (int x = 0; x < width; x++)
    inv_x[x] = 1.0 / (MIN (x + radius, width - 1) - MAX (x - radius, 0) + 1);

  for (int y0 = 0; y0 < height; y0 += 4)
    {
      int rows = MIN (4, height - y0);
      double inv_y[4] = { 0, 0, 0, 0 };

      for (int k = 0; k < rows; k++)
        {
          int y = y0 + k, drop = y - radius - 1;   /* col: rows [y − r, y + r] */

          for (; next <= MIN (y + radius, height - 1); next++)
            {
              const float *add = in + (gsize) next * w;

              col_update (col, add, w, FALSE);
              if (ring != NULL)
                memcpy (ring + (gsize) (next % n_ring) * w, add, w * sizeof (float));
            }
          if (drop >= 0)
            col_update (col, ring != NULL ? ring + (gsize) (drop % n_ring) * w
                                          : in + (gsize) drop * w, w, TRUE);
          inv_y[k] = 1.0 / (MIN (y + radius, height - 1) - MAX (y - radius, 0) + 1);
          memcpy (v[k] + 2 * radius + 1, col, w * sizeof (double));
        }
      box_band_rows (v, inv_x, inv_y, out + (gsize) y0 * w, w, rows, width, radius);
    }
}

static inline float
clamp01 (float v)
{
  return v < 0.f ? 0.f : (v > 1.f ? 1.f : v);
}

/* ---------------------------------------------------------------- grey guide */

/**
 * pm_guided_filter_grey:
 * @guide: the guide plane, values in 0..1
 * @input: the plane to filter
 * @radius: window radius in pixels
 * @eps: regulariser (variance scale: edges with contrast² ≫ eps are kept)
 * @out: the result, same size (may be @input)
 */
void
pm_guided_filter_grey (const PmMask *guide,
                       const PmMask *input,
                       int           radius,
                       float         eps,
                       PmMask       *out)
{
  int w, h;
  gsize n;
  g_autofree float *mI = NULL, *mp = NULL, *mIp = NULL, *mII = NULL;

  g_return_if_fail (guide != NULL && input != NULL && out != NULL);
  g_return_if_fail (guide->width == input->width && guide->height == input->height);
  g_return_if_fail (out->width == input->width && out->height == input->height);
  g_return_if_fail (radius >= 0 && eps > 0);

  w = input->width;
  h = input->height;
  n = (gsize) w * h;
  mI = g_new (float, n);
  mp = g_new (float, n);
  mIp = g_new (float, n);
  mII = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    {
      mIp[i] = guide->data[i] * input->data[i];
      mII[i] = guide->data[i] * guide->data[i];
    }
  pm_box_filter_mean (guide->data, mI, w, h, radius);
  pm_box_filter_mean (input->data, mp, w, h, radius);
  pm_box_filter_mean (mIp, mIp, w, h, radius);
  pm_box_filter_mean (mII, mII, w, h, radius);

  /* a = cov(I, p) / (var(I) + eps), b = mean(p) − a·mean(I); stored in mIp and mp. */
  for (gsize i = 0; i < n; i++)
    {
      float var = mII[i] - mI[i] * mI[i];
      float cov = mIp[i] - mI[i] * mp[i];
      float a = cov / (MAX (var, 0.f) + eps);
      mIp[i] = a;
      mp[i] = mp[i] - a * mI[i];
    }
  pm_box_filter_mean (mIp, mIp, w, h, radius);
  pm_box_filter_mean (mp, mp, w, h, radius);
  for (gsize i = 0; i < n; i++)
    out->data[i] = clamp01 (mIp[i] * guide->data[i] + mp[i]);
}

/* ---------------------------------------------------------------- colour guide */

enum { R, G, B, P, RP, GP, BP, RR, RG, RB, GG, GB, BB, N_PLANES };

/* Box means of several planes in place, one plane a task (each writes its own plane). */
typedef struct {
  float **planes;
  int     w, h, r;
} BoxPlanes;

static void
box_plane_task (gint64   task,
                gpointer data)
{
  BoxPlanes *b = data;

  pm_box_filter_mean (b->planes[task], b->planes[task], b->w, b->h, b->r);
}

static void
box_planes (float **planes,
            int     n,
            int     w,
            int     h,
            int     r)
{
  BoxPlanes b = { planes, w, h, r };

  pm_parallel_for (n, box_plane_task, &b);
}

/* The colour filter; p comes either at full resolution (@input, block-averaged) or already
 * on the s-times coarser grid (@input_low, ⌈w/s⌉ × ⌈h/s⌉). */
/* Per window: a = (Σ + eps·U)⁻¹ cov(I, p), b = mean(p) − a·mean(I). Σ is symmetric
 * positive semi-definite, so Σ + eps·U is invertible; solve by the adjugate.
 * a goes to planes RP, GP, BP and b to P; SOLVE_CHUNK windows a task. */
#define SOLVE_CHUNK 32768

typedef struct {
  float **planes;
  gsize   ln;
  double  eps;
} SolveTask;

static void
solve_task (gint64   task,
            gpointer data)
{
  SolveTask *st = data;
  float **planes = st->planes;
  double eps = st->eps;
  gsize lo = (gsize) task * SOLVE_CHUNK, hi = MIN (st->ln, lo + SOLVE_CHUNK);

  for (gsize i = lo; i < hi; i++)
    {
      double mr = planes[R][i], mg = planes[G][i], mb = planes[B][i], mp = planes[P][i];
      double crp = planes[RP][i] - mr * mp;
      double cgp = planes[GP][i] - mg * mp;
      double cbp = planes[BP][i] - mb * mp;
      double vrr = planes[RR][i] - mr * mr + eps;
      double vrg = planes[RG][i] - mr * mg;
      double vrb = planes[RB][i] - mr * mb;
      double vgg = planes[GG][i] - mg * mg + eps;
      double vgb = planes[GB][i] - mg * mb;
      double vbb = planes[BB][i] - mb * mb + eps;
      double i00 = vgg * vbb - vgb * vgb;
      double i01 = vgb * vrb - vrg * vbb;
      double i02 = vrg * vgb - vgg * vrb;
      double i11 = vrr * vbb - vrb * vrb;
      double i12 = vrb * vrg - vrr * vgb;
      double i22 = vrr * vgg - vrg * vrg;
      double det = vrr * i00 + vrg * i01 + vrb * i02;
      double ar, ag, ab;

      if (!(fabs (det) > 1e-30))
        {
          ar = ag = ab = 0;
        }
      else
        {
          double inv = 1.0 / det;   /* one division, not three */

          ar = (i00 * crp + i01 * cgp + i02 * cbp) * inv;
          ag = (i01 * crp + i11 * cgp + i12 * cbp) * inv;
          ab = (i02 * crp + i12 * cgp + i22 * cbp) * inv;
        }
      planes[RP][i] = (float) ar;
      planes[GP][i] = (float) ag;
      planes[BP][i] = (float) ab;
      planes[P][i] = (float) (mp - ar * mr - ag * mg - ab * mb);
    }
}

/* q = mean(a)·I + mean(b) at full resolution for a band of UPSAMPLE_ROWS rows, a and b
 * upsampled bilinearly (pixel centres aligned, edges clamped): rows are interpolated once
 * per output row, columns through precomputed indices. */
#define UPSAMPLE_ROWS 64

typedef struct {
  const PmImage *guide;
  float        **planes;
  PmMask        *out;
  int            w, h, lw, lh, s;
  const int     *x0, *x1;
  const float   *tx;
} UpsampleTask;

static void
upsample_task (gint64   task,
               gpointer data)
{
  static const int coef[4] = { RP, GP, BP, P };
  const UpsampleTask *u = data;
  int w = u->w, lw = u->lw, s = u->s;
  const int *x0 = u->x0, *x1 = u->x1;
  const float *tx = u->tx;
  g_autofree float *rows = g_new (float, (gsize) 4 * lw);

  for (int y = (int) task * UPSAMPLE_ROWS; y < MIN (u->h, (int) (task + 1) * UPSAMPLE_ROWS); y++)
    {
      float fy = CLAMP ((y + 0.5f) / s - 0.5f, 0.f, (float) (u->lh - 1));
      int y0 = (int) fy, y1 = MIN (y0 + 1, u->lh - 1);
      float ty = fy - y0;
      const guint8 *px = u->guide->data + (gsize) y * w * 4;
      float *dst = u->out->data + (gsize) y * w;

      for (int k = 0; k < 4; k++)
        {
          const float *r0 = u->planes[coef[k]] + (gsize) y0 * lw;
          const float *r1 = u->planes[coef[k]] + (gsize) y1 * lw;
          float *row = rows + (gsize) k * lw;
          for (int lx = 0; lx < lw; lx++)
            row[lx] = r0[lx] + (r1[lx] - r0[lx]) * ty;
        }
      for (int x = 0; x < w; x++)
        {
          float v[4];
          for (int k = 0; k < 4; k++)
            {
              const float *row = rows + (gsize) k * lw;
              v[k] = row[x0[x]] + (row[x1[x]] - row[x0[x]]) * tx[x];
            }
          dst[x] = clamp01 (v[0] * (px[x * 4] / 255.f) + v[1] * (px[x * 4 + 1] / 255.f) +
                            v[2] * (px[x * 4 + 2] / 255.f) + v[3]);
        }
    }
}

/* Per chunk of SOLVE_CHUNK pixels of the fitting grid: with @guide (s = 1), the guide's
 * channels and p read into planes R, G, B, P first; then the nine products. */
typedef struct {
  float        **planes;
  gsize          ln;
  const PmImage *guide;    /* NULL: R, G, B, P are filled in already */
  const float   *p;
} ProductsTask;

static void
products_task (gint64   task,
               gpointer data)
{
  ProductsTask *pt = data;
  float **planes = pt->planes;
  gsize lo = (gsize) task * SOLVE_CHUNK, hi = MIN (pt->ln, lo + SOLVE_CHUNK);

  if (pt->guide != NULL)
    for (gsize i = lo; i < hi; i++)
      {
        const guint8 *px = pt->guide->data + i * 4;

        planes[R][i] = (float) (px[0] / 255.0);
        planes[G][i] = (float) (px[1] / 255.0);
        planes[B][i] = (float) (px[2] / 255.0);
        planes[P][i] = pt->p[i];
      }
  for (gsize i = lo; i < hi; i++)
    {
      float ir = planes[R][i], ig = planes[G][i], ib = planes[B][i], p = planes[P][i];
      planes[RP][i] = ir * p;
      planes[GP][i] = ig * p;
      planes[BP][i] = ib * p;
      planes[RR][i] = ir * ir;
      planes[RG][i] = ir * ig;
      planes[RB][i] = ir * ib;
      planes[GG][i] = ig * ig;
      planes[GB][i] = ig * ib;
      planes[BB][i] = ib * ib;
    }
}

/* q = mean(a)·I + mean(b) per chunk of SOLVE_CHUNK pixels, at full resolution (s = 1). */
typedef struct {
  float * const *planes;
  const PmImage *guide;
  PmMask        *out;
  gsize          n;
} FinalTask;

static void
final_task (gint64   task,
            gpointer data)
{
  FinalTask *ft = data;
  float * const *planes = ft->planes;
  gsize lo = (gsize) task * SOLVE_CHUNK, hi = MIN (ft->n, lo + SOLVE_CHUNK);

  for (gsize i = lo; i < hi; i++)
    {
      const guint8 *px = ft->guide->data + i * 4;
      float q = planes[RP][i] * (px[0] / 255.f) + planes[GP][i] * (px[1] / 255.f) +
                planes[BP][i] * (px[2] / 255.f) + planes[P][i];
      ft->out->data[i] = clamp01 (q);
    }
}

static void
guided_color (const PmImage *guide,
              const PmMask  *input,
              const PmMask  *input_low,
              int            radius,
              float          eps,
              int            subsample,
              PmMask        *out)
{
  int w, h, lw, lh, s, r;
  gsize ln;
  float *planes[N_PLANES];
  g_autofree float *block = NULL;

  w = guide->width;
  h = guide->height;
  s = MAX (subsample, 1);
  lw = (w + s - 1) / s;
  lh = (h + s - 1) / s;
  ln = (gsize) lw * lh;
  r = s > 1 ? MAX (1, (radius + s / 2) / s) : radius;
  block = g_new (float, ln * N_PLANES);   /* every plane is written before it is read */
  for (int k = 0; k < N_PLANES; k++)
    planes[k] = block + ln * k;

  /* Downsample I (and p) by s×s block means (s = 1: products_task reads them), with their
   * products. */
  if (s > 1)
    for (int ly = 0; ly < lh; ly++)
      for (int lx = 0; lx < lw; lx++)
        {
          guint32 rgb[3] = { 0 };
          double acc_p = 0;
          int count = 0;
          gsize li = (gsize) ly * lw + lx;

          for (int y = ly * s; y < MIN (ly * s + s, h); y++)
            {
              const guint8 *px = guide->data + ((gsize) y * w + lx * s) * 4;
              for (int x = lx * s; x < MIN (lx * s + s, w); x++, px += 4)
                {
                  rgb[0] += px[0];
                  rgb[1] += px[1];
                  rgb[2] += px[2];
                  if (input != NULL)
                    acc_p += input->data[(gsize) y * w + x];
                  count++;
                }
            }
          planes[R][li] = (float) (rgb[0] / (255.0 * count));
          planes[G][li] = (float) (rgb[1] / (255.0 * count));
          planes[B][li] = (float) (rgb[2] / (255.0 * count));
          planes[P][li] = input != NULL ? (float) (acc_p / count) : input_low->data[li];
        }
  {
    ProductsTask pt = { planes, ln, s == 1 ? guide : NULL,
                        input != NULL ? input->data : input_low->data };

    pm_parallel_for ((gint64) ((ln + SOLVE_CHUNK - 1) / SOLVE_CHUNK), products_task, &pt);
  }
  box_planes (planes, N_PLANES, lw, lh, r);

  /* Per window: a = (Σ + eps·U)⁻¹ cov(I, p), b = mean(p) − a·mean(I) (solve_task). */
  {
    SolveTask st = { planes, ln, eps };

    pm_parallel_for ((gint64) ((ln + SOLVE_CHUNK - 1) / SOLVE_CHUNK), solve_task, &st);
  }
  {
    float *coef_planes[4] = { planes[RP], planes[GP], planes[BP], planes[P] };

    box_planes (coef_planes, 4, lw, lh, r);
  }

  /* q = mean(a)·I + mean(b) at full resolution (upsample_task when s > 1). */
  if (s == 1)
    {
      FinalTask ft = { planes, guide, out, ln };

      pm_parallel_for ((gint64) ((ln + SOLVE_CHUNK - 1) / SOLVE_CHUNK), final_task, &ft);
      return;
    }
  {
    g_autofree int *x0 = g_new (int, w);
    g_autofree int *x1 = g_new (int, w);
    g_autofree float *tx = g_new (float, w);
    UpsampleTask up = { guide, planes, out, w, h, lw, lh, s, x0, x1, tx };

    for (int x = 0; x < w; x++)
      {
        float fx = CLAMP ((x + 0.5f) / s - 0.5f, 0.f, (float) (lw - 1));
        x0[x] = (int) fx;
        x1[x] = MIN (x0[x] + 1, lw - 1);
        tx[x] = fx - x0[x];
      }
    pm_parallel_for (pm_parallel_row_tasks (h, UPSAMPLE_ROWS), upsample_task, &up);
  }
}

/**
 * pm_guided_filter_color:
 * @guide: the guide image (RGB used, 0..255 read as 0..1)
 * @input: the plane to filter, same size as @guide
 * @radius: window radius in full-resolution pixels
 * @eps: regulariser
 * @subsample: fit on a grid this many times coarser (1 = exact filter)
 * @out: the result, same size (may be @input)
 */
void
pm_guided_filter_color (const PmImage *guide,
                        const PmMask  *input,
                        int            radius,
                        float          eps,
                        int            subsample,
                        PmMask        *out)
{
  g_return_if_fail (guide != NULL && input != NULL && out != NULL);
  g_return_if_fail (guide->width == input->width && guide->height == input->height);
  g_return_if_fail (out->width == input->width && out->height == input->height);
  g_return_if_fail (radius >= 0 && eps > 0);

  guided_color (guide, input, NULL, radius, eps, subsample, out);
}

/**
 * pm_guided_filter_color_coarse:
 * @guide: the full-resolution guide image
 * @input_low: the plane to filter, given on the coarse grid: ⌈w/@subsample⌉ ×
 *   ⌈h/@subsample⌉, each value standing for its @subsample² block
 * @radius: window radius in full-resolution pixels
 * @eps: regulariser
 * @subsample: grid factor (≥ 1)
 * @out: the full-resolution result, the size of @guide
 *
 * The fast guided filter when the input is coarse anyway (an upsampled mask): nothing is
 * computed at full resolution but the final q = a·I + b.
 */
void
pm_guided_filter_color_coarse (const PmImage *guide,
                               const PmMask  *input_low,
                               int            radius,
                               float          eps,
                               int            subsample,
                               PmMask        *out)
{
  int s = MAX (subsample, 1);

  g_return_if_fail (guide != NULL && input_low != NULL && out != NULL);
  g_return_if_fail (input_low->width == (guide->width + s - 1) / s &&
                    input_low->height == (guide->height + s - 1) / s);
  g_return_if_fail (out->width == guide->width && out->height == guide->height);
  g_return_if_fail (radius >= 0 && eps > 0);

  guided_color (guide, NULL, input_low, radius, eps, s, out);
}
