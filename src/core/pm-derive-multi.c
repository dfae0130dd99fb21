/* pm-derive-multi.c: a label map read off an edit that painted several objects, each its
 * own colour.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Which pixels changed is the single-object derivation's question (pm_mask_derive(): size,
 * alignment, tone, thresholds, clean-up, boundary). This file answers which colour each
 * changed pixel went to:
 *
 *   1. the edit is resampled, aligned and mapped back to the original's global tone
 *      (pm-derive-match.c), at most MAX_WORK_PIXELS;
 *   2. both are taken to OKLab. A paint keeps each pixel's lightness and moves its a/b to
 *      the colour's hue, at the chroma the gamut leaves at that lightness (the renderer's
 *      rule, tabulated per colour over L). So each colour t predicts, at the edited pixel's
 *      own lightness, a point E_t in the a/b plane, and a pixel blended at alpha α lies on
 *      the segment from its original a/b to E_t. Its cost for t is its a/b distance to
 *      that segment (α up to ALPHA_MAX: editors overshoot): lightness plays no part;
 *   3. costs are smoothed (a Gaussian of COST_SIGMA weighted by how much each pixel
 *      changed), so a pixel whose change says little (a dark pixel, a JPEG-smeared edge)
 *      takes the word of its neighbours, and two touching objects part where their
 *      colours meet;
 *   4. one threshold for the whole edit can miss an object whose change is much weaker
 *      than the others' (yellow on snow beside a red sign turned blue): changes outside
 *      the derived mask that go toward a colour and stand clear of the noise are taken
 *      back when they make up an object (recover_missed());
 *   5. every changed pixel gets the cheapest colour, unless even that one explains less
 *      than UNASSIGNED_REL of its change (and more than UNASSIGNED_ABS is left): then it
 *      changed toward none of the colours and is "unassigned";
 *   6. islands of a label smaller than the derivation's smallest component join the label
 *      around them; each item's soft mask is the edit's soft mask where it is that item.
 * Items of the same colour cannot be told apart by colour: the first of them gets the
 * pixels.
 */
#define G_LOG_DOMAIN "pm-derive"

#include "pm-derive-multi.h"
#include "pm-derive-private.h"
#include "pm-morph.h"
#include "pm-scratch-private.h"

#include <math.h>
#include <string.h>

/* ---- Parameters -------------------------------------------------------------------- */

#define MAX_WORK_PIXELS   ((gint64) 4000000)  /* assignment resolution, at most */
#define MAX_WORK_FLOATS   ((gint64) 24000000) /* cost planes, all items together */
#define ALPHA_MAX         1.5f    /* how far past the colour a pixel may be painted */
#define COST_SIGMA        1.0     /* smoothing of the costs, work pixels */
#define WEIGHT_CAP        0.10f   /* a/b change above which a pixel counts fully */
#define WEIGHT_FLOOR      0.01f   /* every pixel's say, however little it changed */
#define UNASSIGNED_ABS    0.05f   /* a/b left unexplained below which a pixel is assigned */
#define UNASSIGNED_REL    0.6f    /* share of its change left unexplained: unassigned */
#define LUT_L             256
#define RECOVER_K         4.0f    /* threshold: this × the median change of the pixels left
                                   * out … */
#define RECOVER_MIN       0.03f   /* … and at least this (OKLab a/b) */
#define RECOVER_CLEAR     3       /* an object's worth of pixels this far from the derived
                                   * mask … */
#define RECOVER_CORE      2       /* … and this deep inside the component make it an object */
#define BOUNDARY_SHARE    0.5f    /* as pm-derive.c: next to the mask, a pixel is in when */
#define BOUNDARY_SIGMA    4.0     /* it changed this share of the mask nearby (this reach) */

/* ---- Colours ------------------------------------------------------------------------ */

/* Where a paint of one colour puts a pixel of lightness L in the a/b plane. */
typedef struct {
  float a[LUT_L];
  float b[LUT_L];
} TargetLut;

static void
target_lut_init (TargetLut *lut,
                 PmRgb      color)
{
  PmOklch t = pm_oklab_to_oklch (pm_rgb_to_oklab (color));
  float ref = CLAMP (t.L, 0.05f, 0.95f);

  for (int k = 0; k < LUT_L; k++)
    {
      float L = (float) k / (LUT_L - 1);
      float scale = L < ref ? L / ref : (1.0f - L) / (1.0f - ref);
      PmOklch lch = { L, t.C * CLAMP (scale, 0.0f, 1.0f), t.h };
      PmOklab back = pm_rgb_to_oklab (pm_oklab_to_rgb (pm_oklch_to_oklab (lch)));

      lut->a[k] = back.a;
      lut->b[k] = back.b;
    }
}

/* sRGB floats (0..1, 3 per pixel) to OKLab through a table of the transfer curve. */
static PmOklab *
rgbf_to_lab (const float *rgb,
             gsize        n)
{
  float lut[1025];
  PmOklab *lab = g_new (PmOklab, n);

  for (int i = 0; i <= 1024; i++)
    lut[i] = pm_srgb_to_linear (i / 1024.0f);
  for (gsize i = 0; i < n; i++)
    {
      float lin[3];

      for (int c = 0; c < 3; c++)
        {
          float x = CLAMP (rgb[i * 3 + c], 0.0f, 1.0f) * 1024.0f;
          int j = MIN ((int) x, 1023);
          lin[c] = lut[j] + (x - j) * (lut[j + 1] - lut[j]);
        }
      lab[i] = pm_linear_to_oklab (lin[0], lin[1], lin[2]);
    }
  return lab;
}

/* ---- Costs at the work size ------------------------------------------------------------ */

/* Smoothed per-colour costs (n planes) and change (one plane) at the work size. */
typedef struct {
  int     width, height;
  guint   n;
  float **cost;
  float  *change;
  float  *raw_change;   /* before smoothing */
} Costs;

static void
costs_free (Costs *c)
{
  for (guint t = 0; t < c->n; t++)
    g_free (c->cost[t]);
  g_free (c->cost);
  g_free (c->change);
  g_free (c->raw_change);
}

/* Distance in a/b from the change @da, @db to the segment from 0 to (@sa, @sb). */
static inline float
segment_distance (float da,
                  float db,
                  float sa,
                  float sb)
{
  float len2 = sa * sa + sb * sb;
  float alpha = len2 > 1e-8f ? (da * sa + db * sb) / len2 : 0.0f;

  alpha = CLAMP (alpha, 0.0f, ALPHA_MAX);
  return hypotf (da - alpha * sa, db - alpha * sb);
}

/* Steps 1–3 on @original and @edited (the same size: the work size). */
static void
costs_compute (Costs           *c,
               const PmImage   *original,
               const PmImage   *edited,
               const TargetLut *luts,
               guint            n)
{
  int w = original->width, h = original->height;
  gsize np = (gsize) w * h;
  float *orig_rgb = pm_derive_image_to_rgbf (original);
  float *edit_rgb = pm_derive_image_to_rgbf (edited);
  float *weight = g_new0 (float, np);
  PmOklab *o, *e;
  float dx, dy;

  /* 1. Alignment, and the edit back in the original's tone. */
  pm_derive_estimate_shift (orig_rgb, edit_rgb, w, h, &dx, &dy);
  if (fabsf (dx) >= 0.2f || fabsf (dy) >= 0.2f)
    {
      float *shifted = pm_derive_apply_shift (edit_rgb, w, h, dx, dy);
      pm_scratch_free (edit_rgb);
      edit_rgb = shifted;
    }
  pm_derive_match_tone (edit_rgb, orig_rgb, np, 0, NULL, NULL);
  o = rgbf_to_lab (orig_rgb, np);
  e = rgbf_to_lab (edit_rgb, np);
  pm_scratch_free (orig_rgb);
  pm_scratch_free (edit_rgb);

  /* 2. Per-pixel costs, weighted by the change. */
  c->width = w;
  c->height = h;
  c->n = n;
  c->cost = g_new0 (float *, n);
  for (guint t = 0; t < n; t++)
    c->cost[t] = g_new0 (float, np);
  c->change = g_new0 (float, np);
  c->raw_change = g_new0 (float, np);
  for (gsize i = 0; i < np; i++)
    {
      float da, db, change, wt;
      int k;

      da = e[i].a - o[i].a;
      db = e[i].b - o[i].b;
      change = hypotf (da, db);
      wt = MIN (change, WEIGHT_CAP) + WEIGHT_FLOOR;
      k = CLAMP ((int) lrintf (e[i].L * (LUT_L - 1)), 0, LUT_L - 1);
      weight[i] = wt;
      c->raw_change[i] = change;
      c->change[i] = wt * change;
      for (guint t = 0; t < n; t++)
        c->cost[t][i] = wt * segment_distance (da, db, luts[t].a[k] - o[i].a,
                                               luts[t].b[k] - o[i].b);
    }
  g_free (o);
  g_free (e);

  /* 3. Smoothing: weighted means over a small neighbourhood. */
  pm_derive_blur_plane (weight, w, h, 1, COST_SIGMA);
  pm_derive_blur_plane (c->change, w, h, 1, COST_SIGMA);
  for (guint t = 0; t < n; t++)
    pm_derive_blur_plane (c->cost[t], w, h, 1, COST_SIGMA);
  for (gsize i = 0; i < np; i++)
    {
      float inv = weight[i] > 1e-6f ? 1.0f / weight[i] : 0.0f;

      c->change[i] *= inv;
      for (guint t = 0; t < n; t++)
        c->cost[t][i] *= inv;
    }
  g_free (weight);
}

/* Bilinear sample of a work-size plane at full-size pixel (@x, @y). */
static inline float
sample_plane (const float *plane,
              int          w,
              int          h,
              double       sx,
              double       sy,
              int          x,
              int          y)
{
  double fx = CLAMP ((x + 0.5) * sx - 0.5, 0.0, w - 1.0);
  double fy = CLAMP ((y + 0.5) * sy - 0.5, 0.0, h - 1.0);
  int x0 = (int) fx, y0 = (int) fy;
  int x1 = MIN (x0 + 1, w - 1), y1 = MIN (y0 + 1, h - 1);
  float ax = (float) (fx - x0), ay = (float) (fy - y0);
  float top = plane[(gsize) y0 * w + x0] + ax * (plane[(gsize) y0 * w + x1] -
                                                plane[(gsize) y0 * w + x0]);
  float bot = plane[(gsize) y1 * w + x0] + ax * (plane[(gsize) y1 * w + x1] -
                                                plane[(gsize) y1 * w + x0]);

  return top + ay * (bot - top);
}

/* ---- Objects the threshold missed ------------------------------------------------------ */

/* One threshold for the whole edit can drop an object whose change is much weaker than the
 * others' (yellow on snow beside a red sign turned blue). Here each colour vouches for its
 * own: outside the derived mask, pixels whose smoothed change goes toward their cheapest
 * colour (under UNASSIGNED_REL left unexplained) and stands well above the noise of the
 * unchanged pixels form components; those with at least @min_area (full-size) pixels
 * farther than RECOVER_CLEAR from the mask and RECOVER_CORE inside the component join
 * @changed and @soft (a rim of feathered pixels around a found object is no object). Work
 * size throughout. */
static void
recover_missed (PmMask      *changed,
                PmMask      *soft,
                const Costs *c,
                gint64       min_area)
{
  int w = c->width, h = c->height, W = changed->width, H = changed->height;
  gsize np = (gsize) w * h, outside = 0;
  g_autoptr(PmMask) small = pm_mask_resize (changed, w, h);
  g_autoptr(PmMask) weak = pm_mask_new (w, h);
  g_autoptr(PmMask) near = pm_mask_new (w, h);
  g_autoptr(PmComponents) comps = NULL;
  float *explained = g_new0 (float, np);
  float *quiet = g_new (float, np);
  gboolean *strong;
  gint64 *seeds;
  float floor, t_lo;
  double area_scale = (double) W * H / np;

  for (gsize i = 0; i < np; i++)
    {
      float best = G_MAXFLOAT;

      for (guint t = 0; t < c->n; t++)
        best = MIN (best, c->cost[t][i]);
      if (small->data[i] > 0.0f)
        continue;
      quiet[outside++] = MIN (c->change[i], 1.0f);
      if (best <= UNASSIGNED_REL * c->change[i])
        explained[i] = c->raw_change[i];
    }
  floor = outside > 0 ? pm_derive_quantile (quiet, outside, 0.5) : 0.0f;
  for (gsize i = 0; i < np; i++)
    near->data[i] = small->data[i] > 0.0f ? 1.0f : 0.0f;
  pm_morph_dilate (near, RECOVER_CLEAR);
  g_free (quiet);
  t_lo = MAX (RECOVER_MIN, RECOVER_K * floor);
  for (gsize i = 0; i < np; i++)
    weak->data[i] = explained[i] > t_lo ? 1.0f : 0.0f;
  comps = pm_components_label (weak);
  seeds = g_new0 (gint64, comps->n + 1);
  strong = g_new0 (gboolean, comps->n + 1);
  /* Seeds: pixels clear of the mask that are no thin rim (they survive an erosion). */
  pm_morph_erode (weak, RECOVER_CORE);
  for (gsize i = 0; i < np; i++)
    if (near->data[i] <= 0.5f && weak->data[i] > 0.5f)
      seeds[comps->labels[i]]++;
  for (int k = 0; k < comps->n; k++)
    strong[k + 1] = seeds[k + 1] * area_scale >= min_area;
  g_free (seeds);
  /* Next to the mask, the derivation's boundary rule: a pixel is in when it changed at
   * least BOUNDARY_SHARE as much as the mask's pixels nearby (a feathered rim did not). */
  {
    float *num = g_new (float, np), *den = g_new (float, np);

    for (gsize i = 0; i < np; i++)
      {
        den[i] = small->data[i] > 0.5f ? 1.0f : 0.0f;
        num[i] = den[i] * c->raw_change[i];
      }
    pm_derive_blur_plane (num, w, h, 1, BOUNDARY_SIGMA);
    pm_derive_blur_plane (den, w, h, 1, BOUNDARY_SIGMA);
    for (gsize i = 0; i < np; i++)
      {
        gboolean in = comps->labels[i] != 0 && strong[comps->labels[i]];

        if (in && near->data[i] > 0.5f && den[i] > 0.02f)
          in = explained[i] >= BOUNDARY_SHARE * num[i] / den[i];
        weak->data[i] = in ? 1.0f : 0.0f;
      }
    g_free (num);
    g_free (den);
  }
  g_free (strong);
  g_free (explained);

  /* Into the full-size masks. */
  {
    g_autoptr(PmMask) big = pm_mask_resize (weak, W, H);

    for (gsize i = 0; i < (gsize) W * H; i++)
      if (big->data[i] > 0.5f && changed->data[i] <= 0.5f)
        {
          changed->data[i] = 1.0f;
          soft->data[i] = 1.0f;
        }
  }
}

/* ---- Labels ----------------------------------------------------------------------------- */

/* Step 5 at full size: the cheapest colour of each pixel the soft mask touches; a changed
 * pixel that no colour explains becomes unassigned (label n + 1 for now). */
static void
assign (PmLabels     *labels,
        const Costs  *c,
        const PmMask *changed,
        const PmMask *soft)
{
  int W = labels->width, H = labels->height;
  double sx = (double) c->width / W, sy = (double) c->height / H;

  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        gsize i = (gsize) y * W + x;
        float best = G_MAXFLOAT, change;
        guint best_t = 0;

        if (soft->data[i] <= 0.0f && changed->data[i] <= 0.5f)
          continue;
        for (guint t = 0; t < c->n; t++)
          {
            float v = sample_plane (c->cost[t], c->width, c->height, sx, sy, x, y);
            if (v < best)
              {
                best = v;
                best_t = t;
              }
          }
        labels->data[i] = (guint8) (best_t + 1);
        if (changed->data[i] <= 0.5f)
          continue;
        change = sample_plane (c->change, c->width, c->height, sx, sy, x, y);
        if (best > UNASSIGNED_ABS && best > UNASSIGNED_REL * change)
          labels->data[i] = (guint8) (c->n + 1);
      }
}

/* Step 6: components of one label smaller than @min_area join the label that most of their
 * outline touches (unchanged pixels do not count). */
static void
absorb_islands (PmLabels *labels,
                guint     n_labels,
                gint64    min_area)
{
  int W = labels->width, H = labels->height;

  for (guint l = 1; l <= n_labels; l++)
    {
      g_autoptr(PmMask) mask = pm_labels_get_mask (labels, (guint8) l);
      g_autoptr(PmComponents) comps = pm_components_label (mask);
      gint64 *votes;

      if (comps->n == 0)
        continue;
      votes = g_new0 (gint64, (gsize) comps->n * (n_labels + 1));
      for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
          {
            gsize i = (gsize) y * W + x;
            int k = comps->labels[i];
            static const int nb[4][2] = { { 1, 0 }, { -1, 0 }, { 0, 1 }, { 0, -1 } };

            if (k == 0 || comps->components[k - 1].area >= min_area)
              continue;
            for (int d = 0; d < 4; d++)
              {
                int u = x + nb[d][0], v = y + nb[d][1];
                guint8 other;

                if (u < 0 || v < 0 || u >= W || v >= H)
                  continue;
                other = labels->data[(gsize) v * W + u];
                if (other != 0 && other != l)
                  votes[(gsize) (k - 1) * (n_labels + 1) + other]++;
              }
          }
      for (int k = 0; k < comps->n; k++)
        {
          gint64 *v = votes + (gsize) k * (n_labels + 1);
          guint best = 0;

          if (comps->components[k].area >= min_area)
            continue;
          for (guint o = 1; o <= n_labels; o++)
            if (v[o] > v[best])
              best = o;
          comps->components[k].score = best;
        }
      for (gsize i = 0; i < (gsize) W * H; i++)
        {
          int k = comps->labels[i];
          if (k != 0 && comps->components[k - 1].area < min_area &&
              comps->components[k - 1].score > 0)
            labels->data[i] = (guint8) comps->components[k - 1].score;
        }
      g_free (votes);
    }
}

/* ---- Public API --------------------------------------------------------------------------- */

/**
 * pm_derive_multi_free:
 * @multi: (nullable): a result of pm_mask_derive_multi()
 */
void
pm_derive_multi_free (PmDeriveMulti *multi)
{
  if (multi == NULL)
    return;
  for (guint t = 0; multi->soft != NULL && t < multi->n; t++)
    pm_mask_free (multi->soft[t]);
  g_free (multi->soft);
  pm_labels_free (multi->labels);
  pm_mask_free (multi->changed);
  pm_mask_free (multi->unassigned);
  g_free (multi->pixels);
  g_free (multi);
}

/**
 * pm_mask_derive_multi:
 * @original: the original image
 * @edited: the edited image (any size of about the same shape)
 * @colors: (array length=n): the colour each item was painted, in label order
 * @n: number of items, 1 … 254
 * @options: (nullable): options for the changed-pixel derivation (no colour hint is used)
 * @error: return location for an error
 *
 * Reads a label map off an edit that painted @n objects in @n colours: 0 where nothing
 * changed, i + 1 where the pixel went to @colors[i], and separately the pixels that changed
 * toward none of them ("unassigned"). Lightness plays no part in the assignment (a paint
 * keeps shading); touching objects part where their colours meet. See the top of
 * pm-derive-multi.c.
 *
 * Returns: (transfer full) (nullable): the result, or %NULL with @error set (as
 *   pm_mask_derive())
 */
PmDeriveMulti *
pm_mask_derive_multi (const PmImage         *original,
                      const PmImage         *edited,
                      const PmRgb           *colors,
                      guint                  n,
                      const PmDeriveOptions *options,
                      GError               **error)
{
  g_autoptr(PmDeriveMulti) multi = NULL;
  g_autoptr(PmImage) work_orig = NULL;
  g_autoptr(PmImage) work_edit = NULL;
  PmDeriveOptions plain;
  PmMask *soft = NULL;
  TargetLut *luts;
  Costs costs = { 0 };
  gint64 np, budget, min_area;
  int w, h, W, H;

  g_return_val_if_fail (original != NULL && edited != NULL, NULL);
  g_return_val_if_fail (colors != NULL && n >= 1 && n <= 254, NULL);

  if (options != NULL)
    plain = *options;
  else
    pm_derive_options_init (&plain);
  plain.has_color_hint = FALSE;

  multi = g_new0 (PmDeriveMulti, 1);
  multi->n = n;
  multi->changed = pm_mask_derive (original, edited, &plain, &soft, error);
  if (multi->changed == NULL)
    return NULL;

  W = original->width;
  H = original->height;
  np = (gint64) W * H;
  multi->labels = pm_labels_new (W, H);
  multi->soft = g_new0 (PmMask *, n);
  multi->pixels = g_new0 (gint64, n);
  multi->unassigned = pm_mask_new (W, H);

  min_area = plain.min_component >= 0 ? plain.min_component : MAX ((gint64) 9, np / 2000);

  /* Steps 1–3 at the work size. */
  budget = MIN (MAX_WORK_PIXELS, MAX_WORK_FLOATS / (n + 2));
  w = W;
  h = H;
  if (np > budget)
    {
      double s = sqrt ((double) budget / np);
      w = MAX (1, (int) lrint (W * s));
      h = MAX (1, (int) lrint (H * s));
      work_orig = pm_image_resize (original, w, h);
    }
  work_edit = pm_image_resize (edited, w, h);
  luts = g_new (TargetLut, n);
  for (guint t = 0; t < n; t++)
    target_lut_init (&luts[t], colors[t]);
  costs_compute (&costs, work_orig != NULL ? work_orig : original, work_edit, luts, n);
  g_free (luts);
  recover_missed (multi->changed, soft, &costs, min_area);

  /* Steps 5–6 at full size. */
  assign (multi->labels, &costs, multi->changed, soft);
  costs_free (&costs);
  if (min_area > 0)
    absorb_islands (multi->labels, n + 1, min_area);

  for (guint t = 0; t < n; t++)
    multi->soft[t] = pm_mask_new (W, H);
  for (gsize i = 0; i < (gsize) np; i++)
    {
      guint l = multi->labels->data[i];

      if (l == 0)
        continue;
      if (l == n + 1)
        {
          multi->labels->data[i] = 0;
          if (multi->changed->data[i] > 0.5f)
            {
              multi->unassigned->data[i] = 1.0f;
              multi->unassigned_pixels++;
            }
          continue;
        }
      multi->soft[l - 1]->data[i] = soft->data[i];
      if (multi->changed->data[i] > 0.5f)
        multi->pixels[l - 1]++;
      else
        multi->labels->data[i] = 0;
    }
  pm_mask_free (soft);
  return g_steal_pointer (&multi);
}
