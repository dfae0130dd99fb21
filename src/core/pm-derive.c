/* pm-derive.c: derive a mask from an original image and its colour edit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The edited image may come from anywhere (Paintmask's renderer, a generative model, a
 * re-saved JPEG), so everything that is not the edit itself is modelled and removed first:
 *
 *   1. size:        resample the edited image to the original's size (photos over
 *                   2 MP are compared at about 1 MP, k × k blocks averaged, and the
 *                   mask scaled back up with its edge decided again at full size:
 *                   pm-derive-band.c);
 *   2. alignment:   a global sub-pixel translation (generators shift by a pixel or so);
 *   3. softness:    the original is blurred as much as the edit looks blurred;
 *   4. tone:        per-channel gain and offset fitted by iteratively reweighted least
 *                   squares, which ignores the painted pixels as outliers;
 *   5. difference:  OKLab distance, chroma weighted above lightness (the edit keeps
 *                   lightness), taking the best match in a 3×3 neighbourhood; with a
 *                   colour hint, colourful pixels far from the hint's hue are damped;
 *   6. threshold:   a blur against JPEG blocks and noise, Otsu on the difference histogram
 *                   above a noise floor measured on the image, then hysteresis;
 *   7. clean-up:    drop small components;
 *   8. boundary:    a feathered edge is a blend, so edge pixels are in when their change
 *                   is at least half the change of the object's interior nearby; then
 *                   holes are filled where they are tiny or changed somewhat.
 * Steps 2–4 live in pm-derive-match.c, step 5 in pm-derive-diff.c.
 */
#define G_LOG_DOMAIN "pm-derive"

#include "pm-derive.h"
#include "pm-derive-private.h"
#include "pm-image-private.h"
#include "pm-morph.h"
#include "pm-parallel.h"
#include "pm-scratch-private.h"

#include <math.h>
#include <string.h>

/* ---- Parameters -------------------------------------------------------------------- */

#define NOISE_FLOOR        0.025f  /* differences below this are never an edit (OKLab) */
#define NOISE_FLOOR_MIN    0.008f  /* … nor below this, however clean the images */
#define NOISE_K            5.0f    /* floor = K × lower quartile of the difference */
#define DIFF_BLUR_SIGMA    2.0     /* denoising blur of the difference map, pixels */
#define RAW_BLUR_SIGMA     0.6     /* lighter blur for boundary decisions */
#define BOUNDARY_SHARE     0.5f    /* blend share at which a feathered edge pixel is in */
#define BOUNDARY_SIGMA     4.0     /* reach of the "change nearby" average, pixels */
#define HYSTERESIS_LOW     0.5f    /* weak threshold as a share of the strong one */
#define BAND_MIN_PIXELS    ((gint64) 2000000)  /* larger photos are compared scaled down, */
#define BAND_WORK_PIXELS   1.0e6                /* at most this size, with the edge decided */
                                                /* again at full size (pm-derive-band.c) */
#define WORK_SOFTNESS_SAMPLES 20000             /* … where softness and tone are fitted on */
#define WORK_TONE_SAMPLES     40000             /* fewer samples (plenty for 3 or 6 numbers) */

/* ---- Thresholding --------------------------------------------------------------------- */

#define OTSU_PIXELS_PER_TASK 65536

typedef struct {
  const float *values;
  gsize        n;
  float        lo, hi;
  guint       *hists;   /* 256 per task */
} OtsuHist;

static void
otsu_hist_task (gint64   task,
                gpointer data)
{
  const OtsuHist *o = data;
  gsize i0 = (gsize) task * OTSU_PIXELS_PER_TASK, i1 = MIN (i0 + OTSU_PIXELS_PER_TASK, o->n);
  guint *hist = o->hists + (gsize) task * 256;
  float lo = o->lo, hi = o->hi;

  for (gsize i = i0; i < i1; i++)
    {
      float v = CLAMP (o->values[i], lo, hi);
      int b = (int) ((v - lo) / (hi - lo) * 255.0f);
      hist[CLAMP (b, 0, 255)]++;
    }
}

/* Otsu's threshold over the values in [lo, hi] of @values, 256 bins (counted in blocks
 * of values in parallel and added up: whole numbers, the same histogram). */
static float
otsu_threshold (const float *values,
                gsize        n,
                float        lo,
                float        hi)
{
  double hist[256] = { 0, };
  double total = 0, sum_all = 0, sum_b = 0, w_b = 0, best = -1;
  float t = 0.5f * (lo + hi);
  gint64 tasks = (gint64) ((n + OTSU_PIXELS_PER_TASK - 1) / OTSU_PIXELS_PER_TASK);
  OtsuHist h = { values, n, lo, hi, g_new0 (guint, (gsize) MAX (tasks, 1) * 256) };

  pm_parallel_for (tasks, otsu_hist_task, &h);
  for (gint64 k = 0; k < tasks; k++)
    for (int b = 0; b < 256; b++)
      hist[b] += h.hists[(gsize) k * 256 + b];
  g_free (h.hists);
  for (int b = 0; b < 256; b++)
    {
      total += hist[b];
      sum_all += b * hist[b];
    }
  for (int b = 0; b < 255; b++)
    {
      double w_f, m_b, m_f, between;

      w_b += hist[b];
      sum_b += b * hist[b];
      w_f = total - w_b;
      if (w_b <= 0 || w_f <= 0)
        continue;
      m_b = sum_b / w_b;
      m_f = (sum_all - sum_b) / w_f;
      between = w_b * w_f * (m_b - m_f) * (m_b - m_f);
      if (between > best)
        {
          best = between;
          t = lo + (b + 1) / 256.0f * (hi - lo);
        }
    }
  return t;
}

/* ---- Binary clean-up (components as runs and 3×3 steps from pm-derive-label.c) ------- */

/* Sets run @k of @r to @v in @bin. */
static inline void
set_run (guint8             *bin,
         int                 width,
         const PmDeriveRuns *r,
         int                 k,
         guint8              v)
{
  const PmDeriveRun *run = &r->runs[k];

  memset (bin + (gsize) run->y * width + run->x0, v, run->x1 - run->x0 + 1);
}

static void
remove_small (guint8 *bin,
              int     width,
              int     height,
              gint64  min_area)
{
  g_autoptr(PmDeriveRuns) r = pm_derive_runs (bin, width, height, 1);

  for (int k = 0; k < r->n_runs; k++)
    if (r->components[r->label[k] - 1].area < min_area)
      set_run (bin, width, r, k, 0);
}

/* Keeps the components of @weak (0/1) that hold a pixel of @strong. */
static void
hysteresis (guint8       *weak,
            const guint8 *strong,
            int           width,
            int           height)
{
  g_autoptr(PmDeriveRuns) r = pm_derive_runs (weak, width, height, 1);
  gboolean *keep = g_new0 (gboolean, r->n + 1);

  for (int k = 0; k < r->n_runs; k++)
    {
      const PmDeriveRun *run = &r->runs[k];

      if (!keep[r->label[k]] &&
          memchr (strong + (gsize) run->y * width + run->x0, 1, run->x1 - run->x0 + 1))
        keep[r->label[k]] = TRUE;
    }
  for (int k = 0; k < r->n_runs; k++)
    if (!keep[r->label[k]])
      set_run (weak, width, r, k, 0);
  g_free (keep);
}

/* Fills background regions enclosed by the mask (not touching the border): tiny ones
 * always, larger ones (up to 0.5 % of the image) when they changed somewhat on average,
 * as a dark or white patch inside a painted object does. A real gap (between legs) did
 * not change and stays open. The change is summed (raster order) only over the regions
 * whose size leaves it to decide. */
static void
fill_holes (guint8      *bin,
            const float *diff,
            int          width,
            int          height,
            float        t_lo,
            gsize        n)
{
  g_autoptr(PmDeriveRuns) holes = pm_derive_runs (bin, width, height, 0);
  gint64 tiny = MAX ((gint64) 16, (gint64) (n / 20000));
  gint64 large = (gint64) (n / 200);
  /* per region: 0 open, 1 fill, 2 decided by its mean change */
  guint8 *state = g_new0 (guint8, holes->n + 1);
  double *sum = g_new0 (double, holes->n + 1);

  for (int c = 0; c < holes->n; c++)
    {
      const PmComponent *comp = &holes->components[c];
      gboolean border = comp->x0 == 0 || comp->y0 == 0 || comp->x1 == width - 1 ||
                        comp->y1 == height - 1;

      if (!border)
        state[comp->label] = comp->area <= tiny ? 1 : comp->area <= large ? 2 : 0;
    }
  for (int k = 0; k < holes->n_runs; k++)
    {
      const PmDeriveRun *run = &holes->runs[k];
      int l = holes->label[k];

      if (state[l] == 2)
        for (int x = run->x0; x <= run->x1; x++)
          sum[l] += diff[(gsize) run->y * width + x];
    }
  for (int c = 0; c < holes->n; c++)
    {
      const PmComponent *comp = &holes->components[c];

      if (state[comp->label] == 2)
        state[comp->label] = sum[comp->label] / comp->area >= 0.5 * t_lo;
    }
  for (int k = 0; k < holes->n_runs; k++)
    if (state[holes->label[k]] == 1)
      set_run (bin, width, holes, k, 1);
  g_free (sum);
  g_free (state);
}

typedef struct {
  const guint8 *set;
  guint8       *near;
  int           width, height, reach;
} NearRows;

#define NEAR_COLUMNS 256

/* Columns [task × NEAR_COLUMNS, …) of near_rows(): each column on its own. */
static void
near_rows_task (gint64   task,
                gpointer data)
{
  const NearRows *r = data;
  int x0 = (int) task * NEAR_COLUMNS, x1 = MIN (x0 + NEAR_COLUMNS, r->width), width = r->width;
  guint8 dist[NEAR_COLUMNS];

  memset (dist, 255, sizeof dist);
  for (int y = 0; y < r->height; y++)
    {
      const guint8 *s = r->set + (gsize) y * width;
      guint8 *o = r->near + (gsize) y * width;

      for (int x = x0; x < x1; x++)
        {
          guint8 *d = &dist[x - x0];

          *d = s[x] ? 0 : (guint8) MIN (*d + 1, 255);
          o[x] = *d <= r->reach;
        }
    }
  memset (dist, 255, sizeof dist);
  for (int y = r->height - 1; y >= 0; y--)
    {
      const guint8 *s = r->set + (gsize) y * width;
      guint8 *o = r->near + (gsize) y * width;

      for (int x = x0; x < x1; x++)
        {
          guint8 *d = &dist[x - x0];

          *d = s[x] ? 0 : (guint8) MIN (*d + 1, 255);
          o[x] |= *d <= r->reach;
        }
    }
}

/* Marks in @near the pixels within @reach rows (same column) of a pixel set in @set;
 * column bands in parallel. */
static void
near_rows (const guint8 *set,
           guint8       *near,
           int           width,
           int           height,
           int           reach)
{
  NearRows r = { set, near, width, height, reach };

  pm_parallel_for ((width + NEAR_COLUMNS - 1) / NEAR_COLUMNS, near_rows_task, &r);
}

typedef struct {
  guint8       *bin;
  const float  *diff;
  const guint8 *inner, *todo, *near;
  float        *hnum, *hden;
  const float  *kernel;
  float        *local_out;
  int           width, height, radius;
  float         t_lo;
} Ring;

#define RING_ROWS 16

/* Horizontal pass where needed: num = inner ? diff : 0, den = inner. */
static void
ring_hpass (gint64   task,
            gpointer data)
{
  const Ring *r = data;
  int width = r->width, radius = r->radius, taps = 2 * radius + 1;
  int y0 = (int) task * RING_ROWS, y1 = MIN (y0 + RING_ROWS, r->height);
  float *line_num = NULL, *line_den = NULL;

  for (int y = y0; y < y1; y++)
    {
      const guint8 *nr = r->near + (gsize) y * width;
      const guint8 *ir = r->inner + (gsize) y * width;
      const float *dr = r->diff + (gsize) y * width;
      gboolean any = FALSE;

      for (int x = 0; x < width && !any; x++)
        any = nr[x];
      if (!any)
        continue;
      if (line_num == NULL)
        {
          line_num = g_new (float, width + 2 * radius);
          line_den = g_new (float, width + 2 * radius);
        }
      for (int x = -radius; x < width + radius; x++)
        {
          int c = CLAMP (x, 0, width - 1);
          line_den[x + radius] = ir[c];
          line_num[x + radius] = ir[c] ? dr[c] : 0.0f;
        }
      for (int x = 0; x < width; x++)
        if (nr[x])
          {
            float vn = 0, vd = 0;
            for (int k = 0; k < taps; k++)
              {
                vn += r->kernel[k] * line_num[x + k];
                vd += r->kernel[k] * line_den[x + k];
              }
            r->hnum[(gsize) y * width + x] = vn;
            r->hden[(gsize) y * width + x] = vd;
          }
    }
  g_free (line_den);
  g_free (line_num);
}

/* Vertical pass and the decision, on the ring. */
static void
ring_decide (gint64   task,
             gpointer data)
{
  const Ring *r = data;
  int width = r->width, height = r->height, radius = r->radius, taps = 2 * radius + 1;
  int y0 = (int) task * RING_ROWS, y1 = MIN (y0 + RING_ROWS, height);

  for (int y = y0; y < y1; y++)
    for (int x = 0; x < width; x++)
      {
        gsize i = (gsize) y * width + x;
        float num = 0, den = 0, local;

        if (!r->todo[i])
          continue;
        for (int k = 0; k < taps; k++)
          {
            gsize j = (gsize) CLAMP (y + k - radius, 0, height - 1) * width + x;
            num += r->kernel[k] * r->hnum[j];
            den += r->kernel[k] * r->hden[j];
          }
        if (den < 0.02f)
          continue;   /* thin parts: no interior nearby, keep the first decision */
        local = num / den;
        if (r->local_out != NULL)
          r->local_out[i] = local;
        r->bin[i] = r->diff[i] >= MAX (BOUNDARY_SHARE * local, r->t_lo * 0.5f);
      }
}

/* Re-decides pixels near the mask's edge: in when their change is at least
 * BOUNDARY_SHARE of the mean change of the mask's interior around them.
 *
 * The mean is a ratio of two Gaussian blurs (σ BOUNDARY_SIGMA) of the interior's change
 * and of the interior; it is needed only at the pixels being re-decided, a thin ring, so
 * the horizontal pass runs only within the blur's reach of the ring (in rows) and the
 * vertical pass only on the ring: the same sums, in the same order, as
 * pm_derive_blur_plane() of the whole planes gives there. With @local_out, the mean is
 * also written there for each pixel where it was used (the others are left alone). */
static void
refine_boundary (guint8      *bin,
                 const float *diff,
                 int          width,
                 int          height,
                 float        t_lo,
                 float       *local_out)
{
  gsize n = (gsize) width * height;
  int radius = (int) ceil (3 * BOUNDARY_SIGMA), taps = 2 * radius + 1;
  g_autofree float *kernel = g_new (float, taps);
  guint8 *inner = pm_scratch_dup (bin, n);
  guint8 *band = pm_scratch_dup (bin, n);
  guint8 *todo = pm_scratch_new (guint8, n);
  guint8 *near = pm_scratch_new (guint8, n);
  float *hnum = pm_scratch_new (float, n);
  float *hden = pm_scratch_new (float, n);

  {
    double sum = 0;
    for (int i = -radius; i <= radius; i++)
      sum += kernel[i + radius] = (float) exp (-0.5 * i * i / (BOUNDARY_SIGMA * BOUNDARY_SIGMA));
    for (int i = 0; i < taps; i++)
      kernel[i] = (float) (kernel[i] / sum);
  }

  pm_derive_morph3 (inner, width, height, FALSE);
  pm_derive_morph3 (inner, width, height, FALSE);
  for (int k = 0; k < 3; k++)
    pm_derive_morph3 (band, width, height, TRUE);
  for (gsize i = 0; i < n; i++)
    todo[i] = band[i] && !(inner[i] && bin[i]);
  near_rows (todo, near, width, height, radius);

  {
    Ring r = { bin, diff, inner, todo, near, hnum, hden, kernel, local_out, width, height,
               radius, t_lo };
    gint64 tasks = pm_parallel_row_tasks (height, RING_ROWS);

    pm_parallel_for (tasks, ring_hpass, &r);
    pm_parallel_for (tasks, ring_decide, &r);
  }
  pm_scratch_free (hden);
  pm_scratch_free (hnum);
  pm_scratch_free (near);
  pm_scratch_free (todo);
  pm_scratch_free (band);
  pm_scratch_free (inner);
}

/* ---- Public API ----------------------------------------------------------------------- */

/**
 * pm_derive_options_init:
 * @options: (out): options to fill with defaults (no hint, automatic component size)
 */
void
pm_derive_options_init (PmDeriveOptions *options)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof *options);
  options->has_color_hint = FALSE;
  options->min_component = -1;
}

/* The whole derivation at the original's size. With @work, what the edge decision at a
 * larger size needs is left there (pm_derive_work_clear() it) and %NULL is returned. */
static PmMask *
derive_at_size (const PmImage         *original,
                const PmImage         *edited,
                const PmDeriveOptions *options,
                PmMask               **soft_out,
                PmDeriveWork          *work)
{
  g_autoptr(PmImage) resized = NULL;
  const PmImage *edit_img;
  int width, height;
  gsize n;
  float *orig_rgb, *edit_rgb, *diff, *raw;
  PmOklab *orig_lab, *edit_lab;
  float dx, dy, t_hi, t_lo, floor, max_diff = 0;
  guint8 *strong, *weak;
  PmMask *mask;
  gint64 min_component;

  width = original->width;
  height = original->height;
  n = (gsize) width * height;

  /* 1. Size. */
  edit_img = edited;
  if (edited->width != width || edited->height != height)
    edit_img = resized = pm_image_resize (edited, width, height);

  orig_rgb = pm_derive_image_to_rgbf (original);
  edit_rgb = pm_derive_image_to_rgbf (edit_img);

  /* 2. Alignment. */
  pm_derive_estimate_shift (orig_rgb, edit_rgb, width, height, &dx, &dy);
  if (fabsf (dx) >= 0.2f || fabsf (dy) >= 0.2f)
    {
      float *shifted = pm_derive_apply_shift (edit_rgb, width, height, dx, dy);
      g_debug ("shift %.2f, %.2f", dx, dy);
      pm_scratch_free (edit_rgb);
      edit_rgb = shifted;
      if (work != NULL)
        {
          work->dx = dx;
          work->dy = dy;
        }
    }

  /* 3. Softness, 4. tone. */
  pm_derive_match_softness (orig_rgb, edit_rgb, width, height,
                            work != NULL ? WORK_SOFTNESS_SAMPLES : 0);
  pm_derive_match_tone (orig_rgb, edit_rgb, n, work != NULL ? WORK_TONE_SAMPLES : 0,
                        work != NULL ? work->gain : NULL, work != NULL ? work->offset : NULL);

  /* 5. Difference. */
  orig_lab = pm_derive_rgbf_to_oklab (orig_rgb, n, work != NULL);
  edit_lab = pm_derive_rgbf_to_oklab (edit_rgb, n, work != NULL);
  diff = pm_scratch_new (float, n);
  raw = pm_scratch_new (float, n);
  if (!pm_derive_difference_map (orig_lab, edit_lab, width, height, options, raw, diff))
    memcpy (diff, raw, n * sizeof (float));
  pm_scratch_free (orig_lab);
  pm_scratch_free (edit_lab);

  /* 6. Threshold. */
  pm_derive_blur_plane (raw, width, height, 1, RAW_BLUR_SIGMA);
  pm_derive_blur_plane (diff, width, height, 1, DIFF_BLUR_SIGMA);
  for (gsize i = 0; i < n; i++)
    max_diff = MAX (max_diff, diff[i]);

  /* The noise floor follows the data: most pixels did not change, so the lower quartile
   * of the difference measures what compression, noise and resampling left. */
  floor = CLAMP (NOISE_K * pm_derive_quantile (diff, n, 0.25), NOISE_FLOOR_MIN, NOISE_FLOOR);

  /* at a working size (@work), only @work's binary mask is used */
  mask = work == NULL ? pm_mask_new (width, height) : NULL;
  if (max_diff < 2 * floor)
    {
      /* Nothing changed beyond noise. */
      if (soft_out != NULL)
        *soft_out = pm_mask_new (width, height);
      pm_scratch_free (diff);
      pm_scratch_free (raw);
      return mask;
    }

  t_hi = otsu_threshold (diff, n, floor, MIN (max_diff, 0.4f));
  t_hi = MAX (t_hi, 2 * floor);
  t_lo = MAX (HYSTERESIS_LOW * t_hi, floor);
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    {
      g_debug ("thresholds %.4f / %.4f (max %.4f); quantiles 25/50/75/90 %.4f %.4f %.4f %.4f",
               t_hi, t_lo, max_diff, pm_derive_quantile (diff, n, 0.25),
               pm_derive_quantile (diff, n, 0.5), pm_derive_quantile (diff, n, 0.75),
               pm_derive_quantile (diff, n, 0.9));
    }

  strong = pm_scratch_new (guint8, n);
  weak = pm_scratch_new (guint8, n);
  for (gsize i = 0; i < n; i++)
    {
      strong[i] = diff[i] > t_hi;
      weak[i] = diff[i] > t_lo;
    }

  /* Hysteresis: weak components that hold a strong pixel. */
  hysteresis (weak, strong, width, height);

  /* 7. Clean-up. */
  min_component = options->min_component;
  if (min_component < 0)
    min_component = MAX ((gint64) 9, (gint64) (n / 2000));
  if (min_component > 0)
    remove_small (weak, width, height, min_component);

  /* 8. Boundary: a feathered edge is a blend, so a pixel belongs to the object when its
   * change is at least half the change inside the object nearby. */
  if (work != NULL)
    {
      work->t_lo = t_lo;
      work->local = pm_scratch_new (float, n);
      for (gsize i = 0; i < n; i++)
        work->local[i] = -1.0f;
    }
  refine_boundary (weak, raw, width, height, t_lo, work != NULL ? work->local : NULL);

  fill_holes (weak, raw, width, height, t_lo, n);
  if (min_component > 0)
    remove_small (weak, width, height, min_component);

  if (mask != NULL)
    for (gsize i = 0; i < n; i++)
      mask->data[i] = weak[i] ? 1.0f : 0.0f;

  if (soft_out != NULL)
    {
      PmMask *soft = pm_mask_new (width, height);
      guint8 *near = pm_scratch_dup (weak, n);

      pm_derive_morph3 (near, width, height, TRUE);
      pm_derive_morph3 (near, width, height, TRUE);
      for (gsize i = 0; i < n; i++)
        {
          float v = diff[i] / t_hi;
          if (weak[i])
            soft->data[i] = 0.5f + 0.5f * CLAMP (v - 1.0f + 0.02f, 0.02f, 1.0f);
          else if (near[i])
            soft->data[i] = 0.49f * CLAMP (v, 0.0f, 1.0f);
        }
      pm_scratch_free (near);
      *soft_out = soft;
    }

  pm_scratch_free (strong);
  if (work != NULL)
    work->bin = weak;
  else
    pm_scratch_free (weak);
  pm_scratch_free (diff);
  pm_scratch_free (raw);
  return mask;
}

typedef struct {
  const PmMask *mask;   /* the binary mask */
  PmMask       *soft;   /* zero-filled */
} SoftAgree;

/* Row @y of the scaled-up soft mask, made to agree with the binary one (≥ 0.5 exactly
 * where that is set), into the soft mask; only its non-zero values are written, so the
 * pages of the background are never touched. */
static void
soft_agree_row (int          y,
                const float *row,
                gpointer     data)
{
  const SoftAgree *s = data;
  int width = s->mask->width;
  const float *m = s->mask->data + (gsize) y * width;
  float *o = s->soft->data + (gsize) y * width;

  for (int x = 0; x < width; x++)
    {
      float v = m[x] > 0.5f ? MAX (row[x], 0.5f) : MIN (row[x], 0.49f);
      if (v != 0.0f)
        o[x] = v;
    }
}

/**
 * pm_mask_derive:
 * @original: the original image
 * @edited: the edited image (any size of about the same shape)
 * @options: (nullable): options, or %NULL for defaults
 * @soft_out: (out) (optional) (transfer full): a soft mask (0..1) of the original's size
 * @error: return location for an error
 *
 * Derives the mask of what was recoloured. The edited image may differ in size (it is
 * resampled), be shifted by a pixel or two, be slightly softer, differ in global tone
 * (compensated), and carry JPEG artefacts and mild noise.
 *
 * Returns: (transfer full): a binary mask (0/1) at the original's size, or %NULL with
 *   @error set (%PM_IMAGE_ERROR_SIZE when the shapes cannot be matched)
 */
PmMask *
pm_mask_derive (const PmImage         *original,
                const PmImage         *edited,
                const PmDeriveOptions *options,
                PmMask               **soft_out,
                GError               **error)
{
  PmDeriveOptions defaults;
  gint64 n;
  double scale;
  int w, h;
  g_autoptr(PmImage) small_orig = NULL;
  g_autoptr(PmImage) small_edit = NULL;
  PmImage box_orig = { 0, }, box_edit = { 0, };
  const PmImage *work_orig, *work_edit;
  g_autoptr(PmMask) small_mask = NULL;
  g_autoptr(PmMask) small_soft = NULL;
  PmDeriveOptions scaled;
  PmDeriveWork work = { 0, };
  PmMask *mask;
  int k;

  g_return_val_if_fail (original != NULL, NULL);
  g_return_val_if_fail (edited != NULL, NULL);

  if (soft_out != NULL)
    *soft_out = NULL;
  if (options == NULL)
    {
      pm_derive_options_init (&defaults);
      options = &defaults;
    }
  if (!pm_derive_check_shape (original, edited, error))
    return NULL;

  n = (gint64) original->width * original->height;
  if (n <= BAND_MIN_PIXELS)
    return derive_at_size (original, edited, options, soft_out, NULL);

  /* A big photo is compared at about BAND_WORK_PIXELS (the colour change of an edit is
   * not a fine detail): k × k blocks averaged, or resampled when the edit's size differs;
   * then the mask is scaled back up and its edge decided again at full size. */
  k = (int) ceil (sqrt ((double) n / BAND_WORK_PIXELS));
  if (edited->width == original->width && edited->height == original->height)
    {
      pm_derive_box_down (original, k, &box_orig);
      pm_derive_box_down (edited, k, &box_edit);
      work_orig = &box_orig;
      work_edit = &box_edit;
    }
  else
    {
      w = (original->width + k - 1) / k;
      h = (original->height + k - 1) / k;
      small_orig = pm_image_resize (original, w, h);
      small_edit = pm_image_resize (edited, w, h);
      work_orig = small_orig;
      work_edit = small_edit;
      k = 0;
    }
  scale = sqrt ((double) work_orig->width * work_orig->height / n);
  scaled = *options;
  if (scaled.min_component > 0)
    scaled.min_component = MAX ((gint64) 1, (gint64) (scaled.min_component * scale * scale));
  work.width = work_orig->width;
  work.height = work_orig->height;
  small_mask = derive_at_size (work_orig, work_edit, &scaled,
                               soft_out != NULL ? &small_soft : NULL, &work);
  pm_scratch_free (box_orig.data);
  pm_scratch_free (box_edit.data);
  mask = pm_derive_full_band (original, edited, &work, k);
  if (soft_out != NULL)
    {
      SoftAgree agree = { mask, pm_mask_new (original->width, original->height) };

      pm_mask_resample_rows (small_soft, original->width, original->height, soft_agree_row,
                             &agree);
      *soft_out = agree.soft;
    }
  pm_derive_work_clear (&work);
  return mask;
}

void
pm_derive_work_clear (PmDeriveWork *work)
{
  g_clear_pointer (&work->bin, pm_scratch_free);
  g_clear_pointer (&work->local, pm_scratch_free);
}

/* Gives the kept planes back (pm-scratch.c). */
void
pm_derive_trim_memory (void)
{
  pm_scratch_trim ();
}

/**
 * pm_mask_derive_naive:
 * @original: the original image
 * @edited: the edited image (resampled to the original's size if needed)
 * @threshold: cut on the mean absolute RGB difference, 0..255
 *
 * The baseline: a pixel is in the mask when the mean of |ΔR|, |ΔG|, |ΔB| exceeds
 * @threshold. No alignment, tone compensation or clean-up.
 *
 * Returns: (transfer full): a binary mask at the original's size
 */
PmMask *
pm_mask_derive_naive (const PmImage *original,
                      const PmImage *edited,
                      float          threshold)
{
  g_autoptr(PmImage) resized = NULL;
  PmMask *mask;
  gsize n;

  g_return_val_if_fail (original != NULL, NULL);
  g_return_val_if_fail (edited != NULL, NULL);

  if (edited->width != original->width || edited->height != original->height)
    edited = resized = pm_image_resize (edited, original->width, original->height);

  mask = pm_mask_new (original->width, original->height);
  n = (gsize) original->width * original->height;
  for (gsize i = 0; i < n; i++)
    {
      const guint8 *p = original->data + i * 4, *q = edited->data + i * 4;
      float d = (ABS (p[0] - q[0]) + ABS (p[1] - q[1]) + ABS (p[2] - q[2])) / 3.0f;
      mask->data[i] = d > threshold ? 1.0f : 0.0f;
    }
  return mask;
}
