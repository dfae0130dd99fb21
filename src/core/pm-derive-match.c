/* pm-derive-match.c: making an edited image comparable with its original (alignment,
 * softness, tone) and the float-plane helpers mask derivation shares.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-derive"

#include "pm-derive-private.h"
#include "pm-parallel.h"
#include "pm-rowops-private.h"
#include "pm-scratch-private.h"

#include <math.h>
#include <string.h>

#define MAX_SHIFT          2       /* translation search range, pixels */
#define TONE_ITERATIONS    10
#define TONE_SAMPLES       120000
#define TONE_GAIN_PRIOR    0.005   /* variance-like weight of "gain = 1" in the tone fit */
#define TONE_SCALE_MAX     0.05f   /* residual scale of the robust weights, at most */
#define TONE_GAIN_MAX      1.25    /* a global change of tone stays within these */
#define TONE_OFFSET_MAX    0.2
#define BLUR_ROWS          16      /* rows per parallel task */

/* ---- Small float-plane helpers -------------------------------------------------------- */

/* The normalised Gaussian of @sigma, 2 × radius + 1 taps; g_free() it. */
static float *
gaussian_kernel (double sigma,
                 int    radius)
{
  float *kernel = g_new (float, 2 * radius + 1);
  double sum = 0;

  for (int i = -radius; i <= radius; i++)
    sum += kernel[i + radius] = (float) exp (-0.5 * i * i / (sigma * sigma));
  for (int i = 0; i <= 2 * radius; i++)
    kernel[i] = (float) (kernel[i] / sum);
  return kernel;
}

typedef struct {
  float       *data;
  float       *tmp;
  const float *kernel;
  int          width, height, channels, radius;
} Blur;

/* Horizontal: each row copied into a buffer padded with its edge pixels, into tmp. */
static void
blur_rows (gint64   task,
           gpointer data)
{
  const Blur *b = data;
  int channels = b->channels, radius = b->radius;
  gsize row_len = (gsize) b->width * channels;
  int y0 = (int) task * BLUR_ROWS, y1 = MIN (y0 + BLUR_ROWS, b->height);
  float *line = g_new (float, (gsize) (b->width + 2 * radius) * channels);

  for (int y = y0; y < y1; y++)
    {
      const float *row = b->data + (gsize) y * row_len;
      float *out = b->tmp + (gsize) y * row_len;

      for (int x = -radius; x < b->width + radius; x++)
        memcpy (line + (gsize) (x + radius) * channels,
                row + (gsize) CLAMP (x, 0, b->width - 1) * channels, sizeof (float) * channels);
      gsize i = 0;

      for (; i + 4 <= row_len; i += 4)
        {
          PmV4f v = pm_v4f_splat (0.0f);
          for (int k = 0; k <= 2 * radius; k++)
            v += pm_v4f_splat (b->kernel[k]) * pm_v4f_load (line + i + (gsize) k * channels);
          pm_v4f_store (out + i, v);
        }
      for (; i < row_len; i++)
        {
          float v = 0;
          for (int k = 0; k <= 2 * radius; k++)
            v += b->kernel[k] * line[i + (gsize) k * channels];
          out[i] = v;
        }
    }
  g_free (line);
}

/* Vertical: whole rows at a time, from tmp back into data. */
static void
blur_columns (gint64   task,
              gpointer data)
{
  const Blur *b = data;
  gsize row_len = (gsize) b->width * b->channels;
  int y0 = (int) task * BLUR_ROWS, y1 = MIN (y0 + BLUR_ROWS, b->height);

  for (int y = y0; y < y1; y++)
    {
      float *out = b->data + (gsize) y * row_len;

      for (gsize i = 0; i < row_len; i++)
        out[i] = 0;
      for (int k = 0; k <= 2 * b->radius; k++)
        {
          const float *r = b->tmp + (gsize) CLAMP (y + k - b->radius, 0, b->height - 1) * row_len;
          pm_row_axpy (out, r, b->kernel[k], row_len);
        }
    }
}

/* In-place separable Gaussian blur of @channels interleaved planes; edges clamp. Row
 * bands in parallel; each value is the same sum in the same order on any thread count. */
void
pm_derive_blur_plane (float *data,
                      int    width,
                      int    height,
                      int    channels,
                      double sigma)
{
  int radius = (int) ceil (3 * sigma);
  Blur b;

  if (sigma <= 0.05 || radius < 1)
    return;

  b.data = data;
  b.tmp = pm_scratch_new (float, (gsize) width * height * channels);
  b.kernel = gaussian_kernel (sigma, radius);
  b.width = width;
  b.height = height;
  b.channels = channels;
  b.radius = radius;
  pm_parallel_for (pm_parallel_row_tasks (height, BLUR_ROWS), blur_rows, &b);
  pm_parallel_for (pm_parallel_row_tasks (height, BLUR_ROWS), blur_columns, &b);
  g_free ((float *) b.kernel);
  pm_scratch_free (b.tmp);
}

#define PIXELS_PER_TASK 65536

static gint64
pixel_tasks (gsize n)
{
  return (gint64) ((n + PIXELS_PER_TASK - 1) / PIXELS_PER_TASK);
}

typedef struct {
  const guint8 *data;
  float        *out;
  gsize         n;
  float         table[256];   /* v / 255.0f */
} ToRgbf;

static void
to_rgbf_task (gint64   task,
              gpointer data)
{
  const ToRgbf *t = data;
  gsize i0 = (gsize) task * PIXELS_PER_TASK, i1 = MIN (i0 + PIXELS_PER_TASK, t->n);

  for (gsize i = i0; i < i1; i++)
    for (int c = 0; c < 3; c++)
      t->out[i * 3 + c] = t->table[t->data[i * 4 + c]];
}

/* RGB (sRGB 0..1) floats from an image, 3 per pixel. */
float *
pm_derive_image_to_rgbf (const PmImage *image)
{
  gsize n = (gsize) image->width * image->height;
  ToRgbf *t = g_new (ToRgbf, 1);
  float *out = pm_scratch_new (float, n * 3);

  t->data = image->data;
  t->out = out;
  t->n = n;
  for (int v = 0; v < 256; v++)
    t->table[v] = v / 255.0f;
  pm_parallel_for (pixel_tasks (n), to_rgbf_task, t);
  g_free (t);
  return out;
}

/* Bilinear sample of a 3-channel plane at (x, y), clamped at the edges. */
static inline void
sample3 (const float *rgb,
         int          width,
         int          height,
         float        x,
         float        y,
         float       *out)
{
  int x0, y0, x1, y1;
  float fx, fy;

  x = CLAMP (x, 0.0f, (float) (width - 1));
  y = CLAMP (y, 0.0f, (float) (height - 1));
  x0 = (int) x; y0 = (int) y;
  x1 = MIN (x0 + 1, width - 1); y1 = MIN (y0 + 1, height - 1);
  fx = x - x0; fy = y - y0;
  for (int c = 0; c < 3; c++)
    {
      float a = rgb[((gsize) y0 * width + x0) * 3 + c];
      float b = rgb[((gsize) y0 * width + x1) * 3 + c];
      float d = rgb[((gsize) y1 * width + x0) * 3 + c];
      float e = rgb[((gsize) y1 * width + x1) * 3 + c];
      out[c] = (a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy;
    }
}

/* ---- Alignment ------------------------------------------------------------------------ */

/* Mean truncated luma difference between @a and @b shifted by (dx, dy), on a sparse grid
 * away from the borders. */
/* Mean clipped difference of the channel sums @la and @lb (one per pixel) at every @step
 * pixels, @lb taken (@dx, @dy) away. */
static double
shift_cost (const float *la,
            const float *lb,
            int          width,
            int          height,
            int          dx,
            int          dy,
            int          step)
{
  double sum = 0;
  gsize n = 0;

  for (int y = MAX_SHIFT + 1; y < height - MAX_SHIFT - 1; y += step)
    {
      const float *ra = la + (gsize) y * width, *rb = lb + (gsize) (y + dy) * width + dx;

      for (int x = MAX_SHIFT + 1; x < width - MAX_SHIFT - 1; x += step)
        {
          sum += MIN (fabsf (ra[x] - rb[x]), 0.15f);
          n++;
        }
    }
  return n > 0 ? sum / n : 0;
}

/* shift_cost() at (0, 0) of the channel sums of the RGB planes @a and @b. */
static double
unshifted_cost (const float *a,
                const float *b,
                int          width,
                int          height,
                int          step)
{
  double sum = 0;
  gsize n = 0;

  for (int y = MAX_SHIFT + 1; y < height - MAX_SHIFT - 1; y += step)
    for (int x = MAX_SHIFT + 1; x < width - MAX_SHIFT - 1; x += step)
      {
        const float *p = a + ((gsize) y * width + x) * 3, *q = b + ((gsize) y * width + x) * 3;
        float la = p[0] + p[1] + p[2], lb = q[0] + q[1] + q[2];

        sum += MIN (fabsf (la - lb), 0.15f);
        n++;
      }
  return n > 0 ? sum / n : 0;
}

typedef struct {
  const float *orig, *edit;
  float       *lum_orig, *lum_edit;   /* r + g + b of each pixel */
  int          width, height, step;
  double      *cost;   /* (2 MAX_SHIFT + 1)², row by row from (−MAX_SHIFT, −MAX_SHIFT) */
} ShiftCosts;

static void
channel_sums_task (gint64   task,
                   gpointer data)
{
  const ShiftCosts *sc = data;
  gsize n = (gsize) sc->width * sc->height;
  gsize i0 = (gsize) task * PIXELS_PER_TASK, i1 = MIN (i0 + PIXELS_PER_TASK, n);

  for (gsize i = i0; i < i1; i++)
    {
      const float *p = sc->orig + i * 3, *q = sc->edit + i * 3;

      sc->lum_orig[i] = p[0] + p[1] + p[2];
      sc->lum_edit[i] = q[0] + q[1] + q[2];
    }
}

static void
shift_cost_task (gint64   task,
                 gpointer data)
{
  const ShiftCosts *sc = data;
  int side = 2 * MAX_SHIFT + 1;
  int dx = (int) (task % side) - MAX_SHIFT, dy = (int) (task / side) - MAX_SHIFT;

  sc->cost[task] = shift_cost (sc->lum_orig, sc->lum_edit, sc->width, sc->height, dx, dy,
                               sc->step);
}

/* Finds where the original's content sits in the edited image: (dx, dy) such that
 * edited (x + dx, y + dy) ≈ original (x, y). Integer search, then a parabola per axis. */
void
pm_derive_estimate_shift (const float *orig,
                          const float *edit,
                          int          width,
                          int          height,
                          float       *out_dx,
                          float       *out_dy)
{
  double cost[2 * MAX_SHIFT + 1][2 * MAX_SHIFT + 1];
  double best = G_MAXDOUBLE;
  int bx = 0, by = 0;
  int step = MAX (1, (int) sqrt ((double) width * height / 60000.0));
  float fx = 0, fy = 0;

  *out_dx = *out_dy = 0;
  if (width < 4 * MAX_SHIFT + 8 || height < 4 * MAX_SHIFT + 8)
    return;

  {
    gsize n = (gsize) width * height;
    ShiftCosts sc = { orig, edit, pm_scratch_new (float, n), pm_scratch_new (float, n),
                      width, height, step, &cost[0][0] };

    /* the channel sums once (the same float sums every cost took), then the costs */
    pm_parallel_for (pixel_tasks (n), channel_sums_task, &sc);
    pm_parallel_for ((2 * MAX_SHIFT + 1) * (2 * MAX_SHIFT + 1), shift_cost_task, &sc);
    pm_scratch_free (sc.lum_edit);
    pm_scratch_free (sc.lum_orig);
  }
  for (int dy = -MAX_SHIFT; dy <= MAX_SHIFT; dy++)
    for (int dx = -MAX_SHIFT; dx <= MAX_SHIFT; dx++)
      {
        double c = cost[dy + MAX_SHIFT][dx + MAX_SHIFT];
        /* Prefer no shift unless another one is clearly better. */
        if (dx == 0 && dy == 0)
          c *= 0.97;
        if (c < best)
          {
            best = c;
            bx = dx;
            by = dy;
          }
      }

  if (ABS (bx) < MAX_SHIFT)
    {
      double l = cost[by + MAX_SHIFT][bx + MAX_SHIFT - 1];
      double c = cost[by + MAX_SHIFT][bx + MAX_SHIFT];
      double r = cost[by + MAX_SHIFT][bx + MAX_SHIFT + 1];
      double den = l - 2 * c + r;
      if (den > 1e-12)
        fx = (float) CLAMP (0.5 * (l - r) / den, -0.5, 0.5);
    }
  if (ABS (by) < MAX_SHIFT)
    {
      double u = cost[by + MAX_SHIFT - 1][bx + MAX_SHIFT];
      double c = cost[by + MAX_SHIFT][bx + MAX_SHIFT];
      double d = cost[by + MAX_SHIFT + 1][bx + MAX_SHIFT];
      double den = u - 2 * c + d;
      if (den > 1e-12)
        fy = (float) CLAMP (0.5 * (u - d) / den, -0.5, 0.5);
    }
  *out_dx = bx + fx;
  *out_dy = by + fy;
}

typedef struct {
  const float *rgb;
  float       *out;
  int          width, height;
  float        dx, dy;
} Shift;

static void
shift_rows (gint64   task,
            gpointer data)
{
  const Shift *s = data;
  int y0 = (int) task * BLUR_ROWS, y1 = MIN (y0 + BLUR_ROWS, s->height);

  for (int y = y0; y < y1; y++)
    for (int x = 0; x < s->width; x++)
      sample3 (s->rgb, s->width, s->height, x + s->dx, y + s->dy,
               s->out + ((gsize) y * s->width + x) * 3);
}

/* Resamples @rgb at (x + dx, y + dy): the edited image moved back onto the original. */
float *
pm_derive_apply_shift (const float *rgb,
                       int          width,
                       int          height,
                       float        dx,
                       float        dy)
{
  Shift s = { rgb, pm_scratch_new (float, (gsize) width * height * 3), width, height,
              dx, dy };

  pm_parallel_for (pm_parallel_row_tasks (height, BLUR_ROWS), shift_rows, &s);
  return s.out;
}

/* unshifted_cost (blurred @orig, @edit, @step) with the blur by @sigma that
 * pm_derive_blur_plane() would make, computed at the sampled pixels only (the same sums
 * in the same order, so the same value, at a few percent of the work). */
typedef struct {
  const float *orig, *edit, *kernel;
  int          width, height, radius, step, nx;
  float       *terms;   /* per sample, row by row: the truncated luma difference */
} BlurredCost;

/* The terms of one sampled row. */
static void
blurred_cost_row (gint64   task,
                  gpointer data)
{
  const BlurredCost *bc = data;
  const float *orig = bc->orig, *kernel = bc->kernel;
  int width = bc->width, height = bc->height, radius = bc->radius, taps = 2 * radius + 1;
  int nx = bc->nx, step = bc->step, y = MAX_SHIFT + 1 + (int) task * step;
  float *hrows = g_new (float, (gsize) taps * nx * 3);
  float *terms = bc->terms + (gsize) task * nx;

  /* The horizontal pass at the sampled columns of the rows the vertical one reads. */
  for (int k = 0; k < taps; k++)
    {
      const float *row = orig + (gsize) CLAMP (y + k - radius, 0, height - 1) * width * 3;
      float *h = hrows + (gsize) k * nx * 3;
      int xi = 0;

      for (int x = MAX_SHIFT + 1; x < width - MAX_SHIFT - 1; x += step, xi++)
        {
          if (x - radius >= 0 && x + radius < width)
            {
              /* clear of the edges: the same sums, the three channels side by side */
              const float *p = row + (gsize) (x - radius) * 3;
              float v0 = 0, v1 = 0, v2 = 0;

              for (int j = 0; j < taps; j++)
                {
                  float kj = kernel[j];
                  v0 += kj * p[j * 3];
                  v1 += kj * p[j * 3 + 1];
                  v2 += kj * p[j * 3 + 2];
                }
              h[xi * 3] = v0;
              h[xi * 3 + 1] = v1;
              h[xi * 3 + 2] = v2;
              continue;
            }
          for (int c = 0; c < 3; c++)
            {
              float v = 0;
              for (int j = 0; j < taps; j++)
                v += kernel[j] * row[(gsize) CLAMP (x + j - radius, 0, width - 1) * 3 + c];
              h[xi * 3 + c] = v;
            }
        }
    }
  {
    int xi = 0;

    for (int x = MAX_SHIFT + 1; x < width - MAX_SHIFT - 1; x += step, xi++)
      {
        const float *q = bc->edit + ((gsize) y * width + x) * 3;
        float p[3] = { 0, 0, 0 }, la, lb;

        for (int k = 0; k < taps; k++)
          for (int c = 0; c < 3; c++)
            p[c] += kernel[k] * hrows[((gsize) k * nx + xi) * 3 + c];
        la = p[0] + p[1] + p[2];
        lb = q[0] + q[1] + q[2];
        terms[xi] = MIN (fabsf (la - lb), 0.15f);
      }
  }
  g_free (hrows);
}

/* unshifted_cost (blurred @orig, @edit, @step) with the blur by @sigma that
 * pm_derive_blur_plane() would make, computed at the sampled pixels only (the same sums
 * in the same order, so the same value, at a few percent of the work). Sampled rows in
 * parallel, their terms summed in order. */
static double
blurred_cost (const float *orig,
              const float *edit,
              int          width,
              int          height,
              double       sigma,
              int          step)
{
  int radius = (int) ceil (3 * sigma), nx = 0, ny = 0;
  BlurredCost bc = { orig, edit, NULL, width, height, radius, step, 0, NULL };
  double sum = 0;
  gsize n;

  for (int x = MAX_SHIFT + 1; x < width - MAX_SHIFT - 1; x += step)
    nx++;
  for (int y = MAX_SHIFT + 1; y < height - MAX_SHIFT - 1; y += step)
    ny++;
  n = (gsize) nx * ny;
  if (n == 0)
    return 0;
  bc.kernel = gaussian_kernel (sigma, radius);
  bc.nx = nx;
  bc.terms = g_new (float, n);
  pm_parallel_for (ny, blurred_cost_row, &bc);
  for (gsize i = 0; i < n; i++)
    sum += bc.terms[i];
  g_free (bc.terms);
  g_free ((float *) bc.kernel);
  return sum / n;
}

/* Blurs @orig as much as @edit looks blurred relative to it (σ among a few candidates). */
void
pm_derive_match_softness (float       *orig,
                          const float *edit,
                          int          width,
                          int          height,
                          gsize        samples)
{
  static const double sigmas[] = { 0.5, 0.8, 1.2 };
  int step = MAX (1, (int) sqrt ((double) width * height / (samples > 0 ? samples : 60000)));
  double best = unshifted_cost (orig, edit, width, height, step) * 0.97;
  double best_sigma = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (sigmas); i++)
    {
      double c = blurred_cost (orig, edit, width, height, sigmas[i], step);

      if (c < best)
        {
          best = c;
          best_sigma = sigmas[i];
        }
    }
  if (best_sigma > 0)
    pm_derive_blur_plane (orig, width, height, 3, best_sigma);
}

/* ---- Tone ----------------------------------------------------------------------------- */

#define QUANTILE_BINS 4096   /* over 0..1: precise enough for a scale estimate */

typedef struct {
  const float *values;
  gsize        n;
  guint       *hists;   /* QUANTILE_BINS per task */
} QuantileHist;

static void
quantile_hist_task (gint64   task,
                    gpointer data)
{
  const QuantileHist *q = data;
  gsize i0 = (gsize) task * PIXELS_PER_TASK, i1 = MIN (i0 + PIXELS_PER_TASK, q->n);
  guint *hist = q->hists + (gsize) task * QUANTILE_BINS;

  for (gsize i = i0; i < i1; i++)
    hist[MIN ((int) (q->values[i] * 4095.0f), 4095)]++;
}

float
pm_derive_quantile (const float *values,
                    gsize        n,
                    double       q)
{
  gint64 tasks = pixel_tasks (n);
  QuantileHist h = { values, n, g_new0 (guint, (gsize) MAX (tasks, 1) * QUANTILE_BINS) };
  gsize target = (gsize) (q * (n - 1)), acc = 0;
  float result = 1.0f;

  /* counts per block of values, added up: the same histogram on any thread count */
  pm_parallel_for (tasks, quantile_hist_task, &h);
  for (gint64 t = 1; t < tasks; t++)
    for (int b = 0; b < QUANTILE_BINS; b++)
      h.hists[b] += h.hists[(gsize) t * QUANTILE_BINS + b];
  for (int b = 0; b < QUANTILE_BINS; b++)
    {
      acc += h.hists[b];
      if (acc > target)
        {
          result = (b + 0.5f) / 4095.0f;
          break;
        }
    }
  g_free (h.hists);
  return result;
}

typedef struct {
  float  *orig;
  gsize   n;
  double  gain[3], offset[3];
} ApplyTone;

static void
apply_tone_task (gint64   task,
                 gpointer data)
{
  const ApplyTone *t = data;
  gsize i0 = (gsize) task * PIXELS_PER_TASK, i1 = MIN (i0 + PIXELS_PER_TASK, t->n);

  for (gsize i = i0; i < i1; i++)
    for (int c = 0; c < 3; c++)
      t->orig[i * 3 + c] = (float) CLAMP (t->gain[c] * t->orig[i * 3 + c] + t->offset[c],
                                          0.0, 1.0);
}

#define TONE_CHUNK 4096   /* samples per parallel task */

typedef struct {
  const float *orig, *edit;
  gsize        stride, m;
  float       *so, *se;     /* the samples side by side */
  float       *res, *w;     /* per sample: residual, robust weight */
  double       gain[3], offset[3];
  float        scale;
  double       sums[3][5];  /* per channel: Σw, Σw·o, Σw·e, Σw·o², Σw·o·e */
} ToneFit;

/* Gathers chunk @task of the samples: the iterations then read 2 × 12 bytes a sample,
 * not two cache lines far apart. */
static void
tone_gather_task (gint64   task,
                  gpointer data)
{
  ToneFit *t = data;
  gsize k0 = (gsize) task * TONE_CHUNK, k1 = MIN (k0 + TONE_CHUNK, t->m);

  for (gsize k = k0; k < k1; k++)
    {
      memcpy (t->so + k * 3, t->orig + k * t->stride * 3, 3 * sizeof (float));
      memcpy (t->se + k * 3, t->edit + k * t->stride * 3, 3 * sizeof (float));
    }
}

/* Residual and robust weight of each sample of chunk @task (each sample on its own). */
static void
tone_weight_task (gint64   task,
                  gpointer data)
{
  ToneFit *t = data;
  gsize k0 = (gsize) task * TONE_CHUNK, k1 = MIN (k0 + TONE_CHUNK, t->m);
  float scale = t->scale;

  for (gsize k = k0; k < k1; k++)
    {
      const float *o = t->so + k * 3, *e = t->se + k * 3;
      float r2 = 0, w;

      for (int c = 0; c < 3; c++)
        {
          float r = e[c] - (float) (t->gain[c] * o[c] + t->offset[c]);
          r2 += r * r;
        }
      t->res[k] = sqrtf (r2 / 3);
      /* Cauchy-like weight */
      w = 1.0f / (1.0f + r2 / (3 * scale * scale));
      t->w[k] = w * w;
    }
}

/* Channel @task's weighted sums, over the samples in order: the same double sums as
 * one loop over the samples makes. Clipped pixels say little about gain. */
static void
tone_sums_task (gint64   task,
                gpointer data)
{
  ToneFit *t = data;
  int c = (int) task;
  double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;

  for (gsize k = 0; k < t->m; k++)
    {
      float o = t->so[k * 3 + c], e = t->se[k * 3 + c], wc = t->w[k];

      if (e <= 0.002f || e >= 0.998f)
        wc *= 0.05f;
      sw += wc;
      sx += wc * o;
      sy += wc * e;
      sxx += wc * o * o;
      sxy += wc * o * e;
    }
  t->sums[c][0] = sw;
  t->sums[c][1] = sx;
  t->sums[c][2] = sy;
  t->sums[c][3] = sxx;
  t->sums[c][4] = sxy;
}

/* Fits edit ≈ gain × orig + offset per channel on pixels that look unchanged and applies it
 * to @orig, so the comparison sees the same global tone on both sides. The samples'
 * weights in chunks and the three channels' sums in parallel; every sum is still added
 * in sample order, so the fit does not depend on the thread count. */
void
pm_derive_match_tone (float       *orig,
                      const float *edit,
                      gsize        n,
                      gsize        samples,
                      double      *gain_out,
                      double      *offset_out)
{
  ToneFit t = { orig, edit, MAX ((gsize) 1, n / (samples > 0 ? samples : TONE_SAMPLES)), 0, };
  double *gain = t.gain, *offset = t.offset;
  gint64 chunks;

  t.m = (n + t.stride - 1) / t.stride;
  t.so = pm_scratch_new (float, t.m * 3);
  t.se = pm_scratch_new (float, t.m * 3);
  t.res = pm_scratch_new (float, t.m);
  t.w = pm_scratch_new (float, t.m);
  for (int c = 0; c < 3; c++)
    gain[c] = 1;
  t.scale = TONE_SCALE_MAX;
  chunks = (gint64) ((t.m + TONE_CHUNK - 1) / TONE_CHUNK);
  pm_parallel_for (chunks, tone_gather_task, &t);
  for (int it = 0; it < TONE_ITERATIONS; it++)
    {
      pm_parallel_for (chunks, tone_weight_task, &t);
      pm_parallel_for (3, tone_sums_task, &t);

      /* Weighted least squares with a weak prior pulling the gain to 1, so a channel
       * with little spread (a flat blue sky) is not fitted to its noise. */
      for (int c = 0; c < 3; c++)
        {
          const double *s = t.sums[c];
          double mx, my, cxx, cxy, prior;

          if (s[0] < 1e-6)
            continue;
          mx = s[1] / s[0];
          my = s[2] / s[0];
          cxx = s[3] - s[0] * mx * mx;
          cxy = s[4] - s[0] * mx * my;
          prior = s[0] * TONE_GAIN_PRIOR;
          gain[c] = CLAMP ((cxy + prior) / (cxx + prior), 1 / TONE_GAIN_MAX, TONE_GAIN_MAX);
          offset[c] = CLAMP (my - gain[c] * mx, -TONE_OFFSET_MAX, TONE_OFFSET_MAX);
        }

      /* Scale from the best-fitting tenth of the pixels, which are unchanged ones even
       * when the edit covers most of the picture; capped so a painted majority never
       * gets the weight of a global shift. */
      t.scale = pm_derive_quantile (t.res, t.m, 0.1) * 4.0f;
      t.scale = CLAMP (t.scale, 0.01f, TONE_SCALE_MAX);
    }

  g_debug ("tone: gain %.3f %.3f %.3f offset %.3f %.3f %.3f", gain[0], gain[1], gain[2],
           offset[0], offset[1], offset[2]);
  if (gain_out != NULL)
    memcpy (gain_out, t.gain, sizeof t.gain);
  if (offset_out != NULL)
    memcpy (offset_out, t.offset, sizeof t.offset);
  {
    ApplyTone apply = { orig, n, { gain[0], gain[1], gain[2] },
                        { offset[0], offset[1], offset[2] } };

    pm_parallel_for (pixel_tasks (n), apply_tone_task, &apply);
  }
  pm_scratch_free (t.w);
  pm_scratch_free (t.res);
  pm_scratch_free (t.se);
  pm_scratch_free (t.so);
}
