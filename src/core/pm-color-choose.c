/* pm-color-choose.c: paint colours for the items of a list that name none.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "segment the dog, the cat and the ball" names no colours, yet each object needs its own,
 * one that the derivation can tell from the others and from the object itself: a paint
 * close to the object's own colour barely changes it (the derivation's weak case). The
 * colours come from a palette of everyday names (so a generative editor can be asked for
 * them in words), spread around the OKLab hue circle. For each candidate assignment:
 *
 *   gap    the smallest hue difference between any two items' colours (given colours
 *          included; achromatic ones count as far from everything), capped at 90°;
 *   weak   per chosen item, the share of its region's pixels that the paint would change
 *          by less than WEAK_CHANGE in a/b (rendered with pm_edit_recolor on a sample);
 *
 *   score = gap − 360° × max weak − 60° × mean weak,
 *
 * and the best assignment wins (every assignment when there are few items, else one item
 * at a time in order). A region may be NULL (the remote engine does not know where the
 * objects are before the edit): then the whole photo stands for it.
 */
#define G_LOG_DOMAIN "pm-color"

#include "pm-color-choose.h"
#include "pm-edit.h"

#include <math.h>
#include <string.h>

#define WEAK_CHANGE       0.05f   /* a/b change below which a pixel barely shows the paint */
#define MAX_SAMPLES       4096    /* region pixels sampled per item */
#define GAP_CAP_DEG       90.0
#define WEAK_MAX_WEIGHT   360.0
#define WEAK_MEAN_WEIGHT  60.0
#define MAX_EXHAUSTIVE    100000  /* assignments tried exhaustively; beyond, greedily */
#define ACHROMATIC_C      0.04f

/* Everyday names of vivid colours, in OKLab hue order (29° … 357°). */
static const struct { const char *name; guint32 hex; } palette[PM_COLOR_CHOOSE_PALETTE_SIZE] = {
  { "red", 0xff0000 },
  { "orange", 0xffa500 },
  { "yellow", 0xffff00 },
  { "lime green", 0x32cd32 },
  { "cyan", 0x00ffff },
  { "deep sky blue", 0x00bfff },
  { "blue", 0x0000ff },
  { "blue violet", 0x8a2be2 },
  { "magenta", 0xff00ff },
  { "deep pink", 0xff1493 },
};

static PmRgb
hex_rgb (guint32 hex)
{
  return (PmRgb) { ((hex >> 16) & 0xff) / 255.0f, ((hex >> 8) & 0xff) / 255.0f,
                   (hex & 0xff) / 255.0f };
}

/**
 * pm_color_choose_palette:
 * @index: below %PM_COLOR_CHOOSE_PALETTE_SIZE
 * @rgb: (out) (optional): the colour
 *
 * Returns: (transfer none): the colour's name, which pm_color_parse() reads back
 */
const char *
pm_color_choose_palette (guint  index,
                         PmRgb *rgb)
{
  g_return_val_if_fail (index < PM_COLOR_CHOOSE_PALETTE_SIZE, NULL);
  if (rgb != NULL)
    *rgb = hex_rgb (palette[index].hex);
  return palette[index].name;
}

/* Up to MAX_SAMPLES pixels of @image where @region > 0.5 (all of it when NULL), as an
 * image one row per 64 pixels; NULL when the region is empty. */
static PmImage *
sample_region (const PmImage *image,
               const PmMask  *region)
{
  gsize n = (gsize) image->width * image->height, count = 0, step, k = 0;
  PmImage *sample;

  for (gsize i = 0; i < n; i++)
    count += region == NULL || region->data[i] > 0.5f;
  if (count == 0)
    return NULL;
  step = MAX ((gsize) 1, count / MAX_SAMPLES);
  count = (count + step - 1) / step;
  sample = pm_image_new (64, (int) ((count + 63) / 64));
  memset (sample->data, 0, (gsize) sample->width * sample->height * 4);
  for (gsize i = 0, seen = 0; i < n && k < count; i++)
    {
      if (region != NULL && region->data[i] <= 0.5f)
        continue;
      if (seen++ % step == 0)
        memcpy (sample->data + 4 * k++, image->data + 4 * i, 4);
    }
  /* Pad the last row with the first pixel so every sample pixel is a region pixel. */
  for (; k < (gsize) sample->width * sample->height; k++)
    memcpy (sample->data + 4 * k, sample->data, 4);
  return sample;
}

static double
weak_share_of_sample (const PmImage *sample,
                      PmRgb          color)
{
  gsize n = (gsize) sample->width * sample->height, weak = 0;
  g_autoptr(PmMask) all = pm_mask_new (sample->width, sample->height);
  g_autoptr(PmImage) painted = NULL;

  for (gsize i = 0; i < n; i++)
    all->data[i] = 1.0f;
  painted = pm_edit_recolor (sample, all, color, NULL);
  for (gsize i = 0; i < n; i++)
    {
      const guint8 *p = sample->data + 4 * i, *q = painted->data + 4 * i;
      PmOklab a = pm_rgb_to_oklab ((PmRgb) { p[0] / 255.0f, p[1] / 255.0f, p[2] / 255.0f });
      PmOklab b = pm_rgb_to_oklab ((PmRgb) { q[0] / 255.0f, q[1] / 255.0f, q[2] / 255.0f });

      weak += hypotf (a.a - b.a, a.b - b.b) < WEAK_CHANGE;
    }
  return (double) weak / n;
}

/**
 * pm_color_choose_weak_share:
 * @image: the photo
 * @region: (nullable): the object's region (> 0.5), or %NULL for the whole photo
 * @color: a paint colour
 *
 * Returns: the share of the region's pixels that painting it @color would change by less
 *   than 0.05 in OKLab a/b (0 for an empty region)
 */
double
pm_color_choose_weak_share (const PmImage *image,
                            const PmMask  *region,
                            PmRgb          color)
{
  g_autoptr(PmImage) sample = NULL;

  g_return_val_if_fail (image != NULL, 0);
  sample = sample_region (image, region);
  return sample != NULL ? weak_share_of_sample (sample, color) : 0.0;
}

/* Hue difference in degrees of two colours; 180 when either is achromatic. */
static double
hue_gap (PmOklch a,
         PmOklch b)
{
  double d;

  if (a.C < ACHROMATIC_C || b.C < ACHROMATIC_C)
    return 180.0;
  d = fabs (remainder ((double) a.h - b.h, 2 * G_PI)) * 180.0 / G_PI;
  return d;
}

typedef struct {
  guint           n;
  const gboolean *fixed;
  PmOklch         cand[PM_COLOR_CHOOSE_PALETTE_SIZE];
  double         *weak;       /* n × palette: weak share of candidate c on item i */
  guint          *pick;       /* current assignment: palette index per chosen item */
  guint          *best;
  double          best_score;
} Search;

static PmOklch
item_lch (const Search *s,
          guint         i,
          const PmRgb  *colors)
{
  if (s->fixed != NULL && s->fixed[i])
    return pm_oklab_to_oklch (pm_rgb_to_oklab (colors[i]));
  return s->cand[s->pick[i]];
}

/* The score of the assignment in s->pick over items [0, upto). */
static double
score (const Search *s,
       const PmRgb  *colors,
       guint         upto)
{
  double gap = GAP_CAP_DEG, worst = 0, sum = 0;
  guint chosen = 0;

  for (guint i = 0; i < upto; i++)
    {
      PmOklch a = item_lch (s, i, colors);

      for (guint j = 0; j < i; j++)
        gap = MIN (gap, hue_gap (a, item_lch (s, j, colors)));
      if (s->fixed == NULL || !s->fixed[i])
        {
          double w = s->weak[i * PM_COLOR_CHOOSE_PALETTE_SIZE + s->pick[i]];
          worst = MAX (worst, w);
          sum += w;
          chosen++;
        }
    }
  return gap - WEAK_MAX_WEIGHT * worst - WEAK_MEAN_WEIGHT * (chosen > 0 ? sum / chosen : 0);
}

/* Every assignment of the chosen items from item @i on. */
static void
search_all (Search       *s,
            const PmRgb  *colors,
            guint         i)
{
  if (i == s->n)
    {
      double v = score (s, colors, s->n);
      if (v > s->best_score)
        {
          s->best_score = v;
          memcpy (s->best, s->pick, s->n * sizeof (guint));
        }
      return;
    }
  if (s->fixed != NULL && s->fixed[i])
    {
      search_all (s, colors, i + 1);
      return;
    }
  for (guint c = 0; c < PM_COLOR_CHOOSE_PALETTE_SIZE; c++)
    {
      s->pick[i] = c;
      search_all (s, colors, i + 1);
    }
}

/* One item at a time, each the best given the ones before. */
static void
search_greedy (Search      *s,
               const PmRgb *colors)
{
  for (guint i = 0; i < s->n; i++)
    {
      double best = -G_MAXDOUBLE;
      guint best_c = 0;

      if (s->fixed != NULL && s->fixed[i])
        continue;
      for (guint c = 0; c < PM_COLOR_CHOOSE_PALETTE_SIZE; c++)
        {
          double v;

          s->pick[i] = c;
          v = score (s, colors, i + 1);
          if (v > best)
            {
              best = v;
              best_c = c;
            }
        }
      s->pick[i] = best_c;
    }
  memcpy (s->best, s->pick, s->n * sizeof (guint));
}

/**
 * pm_color_choose:
 * @image: the photo
 * @regions: (array length=n) (nullable): each item's region (a mask at the image's size,
 *   > 0.5 inside); %NULL, or a %NULL entry, for "somewhere in the photo"
 * @n: number of items
 * @fixed: (array length=n) (nullable): items whose colour is given (kept); %NULL: none
 * @colors: (array length=n) (inout): the items' colours; the others are written
 * @names: (array length=n) (out) (optional): the chosen colours' names (static), %NULL
 *   for given ones
 *
 * Picks a colour for every item not @fixed: far apart in OKLab hue from each other and
 * from the given colours, and far from the photo's own colours in each item's region.
 */
void
pm_color_choose (const PmImage        *image,
                 const PmMask * const *regions,
                 guint                 n,
                 const gboolean       *fixed,
                 PmRgb                *colors,
                 const char          **names)
{
  Search s = { 0 };
  gdouble combos = 1;
  g_autoptr(PmImage) whole = NULL;

  g_return_if_fail (image != NULL && colors != NULL);
  if (n == 0)
    return;

  s.n = n;
  s.fixed = fixed;
  s.weak = g_new0 (double, (gsize) n * PM_COLOR_CHOOSE_PALETTE_SIZE);
  s.pick = g_new0 (guint, n);
  s.best = g_new0 (guint, n);
  s.best_score = -G_MAXDOUBLE;
  for (guint c = 0; c < PM_COLOR_CHOOSE_PALETTE_SIZE; c++)
    s.cand[c] = pm_oklab_to_oklch (pm_rgb_to_oklab (hex_rgb (palette[c].hex)));

  for (guint i = 0; i < n; i++)
    {
      const PmMask *region = regions != NULL ? regions[i] : NULL;
      g_autoptr(PmImage) own = NULL;
      const PmImage *sample;

      if (fixed != NULL && fixed[i])
        continue;
      combos *= PM_COLOR_CHOOSE_PALETTE_SIZE;
      if (region == NULL && whole == NULL)
        whole = sample_region (image, NULL);
      sample = region == NULL ? whole : (own = sample_region (image, region));
      for (guint c = 0; c < PM_COLOR_CHOOSE_PALETTE_SIZE && sample != NULL; c++)
        s.weak[i * PM_COLOR_CHOOSE_PALETTE_SIZE + c] =
          weak_share_of_sample (sample, hex_rgb (palette[c].hex));
    }

  if (combos <= MAX_EXHAUSTIVE)
    search_all (&s, colors, 0);
  else
    search_greedy (&s, colors);

  for (guint i = 0; i < n; i++)
    {
      gboolean given = fixed != NULL && fixed[i];

      if (!given)
        colors[i] = hex_rgb (palette[s.best[i]].hex);
      if (names != NULL)
        names[i] = given ? NULL : palette[s.best[i]].name;
    }
  g_free (s.weak);
  g_free (s.pick);
  g_free (s.best);
}
