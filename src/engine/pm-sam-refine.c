/* pm-sam-refine.c: text → SAM: a CLIPSeg heatmap turned into a SAM prompt, and SAM's mask
 * kept when it agrees with the heatmap; and a mask corrected by SAM from a box or clicks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rule (constants below):
 *  1. The heatmap is σ(logits) on CLIPSeg's S×S grid (the image stretched to a square).
 *     Its region is the cells ≥ HEAT_THRESHOLD, split into connected components; the
 *     instruction's position/rank qualifiers choose one as CLIPSeg's own engine does, and
 *     without a qualifier the component with the largest heat mass (Σσ) is chosen.
 *  2. Box: the component's bounding box in image pixels, grown by BOX_MARGIN of its width
 *     and height on each side (CLIPSeg's map is blurred at the object's edge).
 *  3. Positive points: the component's hottest cell, and a second peak at least
 *     PEAK_SEPARATION of the box diagonal away from it if it is ≥ SECOND_PEAK of the first.
 *  4. Negative points: the peaks of the other components (largest mass first) that fall in
 *     the box, then the box's coldest cell if it is < COLD_THRESHOLD (strong background);
 *     MAX_NEGATIVE in all.
 *  5. SAM answers with its three candidate masks; each is compared with the component's
 *     mask at the image size (IoU, on a grid of at most AGREE_GRID cells a side) and the
 *     best-agreeing one is kept, as the sigmoid of SAM's logits (soft edges that follow the
 *     photo).
 *  6. If even the best agrees less than MIN_AGREEMENT, SAM has latched onto something else
 *     and CLIPSeg's own mask is kept.
 *
 * The box and click tools (pm_sam_refine_box (), pm_sam_refine_clicks ()) ask SAM for its
 * best mask and put it into the mask being corrected: inside the box, or within reach of the
 * clicks, as GrabCut's refine does (pm-mask-refine.c).
 */
#define G_LOG_DOMAIN "pm-sam-refine"

#include "pm-sam-engine.h"

#include <math.h>
#include <string.h>

#include "pm-morph.h"

#define HEAT_THRESHOLD   0.5f   /* heatmap → region, as CLIPSeg's components */
#define BOX_MARGIN       0.05   /* of the box's width/height, each side */
#define PEAK_SEPARATION  0.35   /* of the box diagonal, between the two positive points */
#define SECOND_PEAK      0.8    /* a second positive point must be this hot, relatively */
#define COLD_THRESHOLD   0.1f   /* a cell this cold is strong background */
#define MAX_NEGATIVE     2
#define AGREE_GRID       512    /* IoU sampled on at most this many cells a side */
#define MIN_AGREEMENT    0.3    /* below: keep CLIPSeg's mask */

G_STATIC_ASSERT (PM_SAM_REFINE_MAX_POINTS >= 2 + MAX_NEGATIVE);

static gboolean
has_qualifier (const PmInstruction *instruction)
{
  return instruction != NULL &&
         (instruction->position != PM_POSITION_NONE || instruction->ordinal != 0 ||
          instruction->size_rank != PM_SIZE_RANK_NONE);
}

/* Grid cell → image pixel (its centre). */
static void
to_image (int    gx,
          int    gy,
          int    s,
          int    w,
          int    h,
          float *x,
          float *y)
{
  *x = MIN ((gx + 0.5f) * w / s, w - 0.5f);
  *y = MIN ((gy + 0.5f) * h / s, h - 0.5f);
}

/* The hottest cell of component @label (optionally ≥ @min_dist2 grid units² from (px, py)). */
static int
hottest (const float        *heat,
         const PmComponents *comps,
         int                 label,
         int                 px,
         int                 py,
         double              min_dist2)
{
  const PmComponent *c = &comps->components[label - 1];
  int s = comps->width, best = -1;

  for (int y = c->y0; y <= c->y1; y++)
    for (int x = c->x0; x <= c->x1; x++)
      {
        int i = y * s + x;
        double dx = x - px, dy = y - py;

        if (comps->labels[i] == label && dx * dx + dy * dy >= min_dist2 &&
            (best < 0 || heat[i] > heat[best]))
          best = i;
      }
  return best;
}

/* The heatmap on the grid, its components and the chosen one (step 1). */
typedef struct {
  int           s;
  float        *heat;     /* σ(logits), s × s */
  double       *mass;     /* per component, Σσ */
  PmComponents *comps;
  int           label;    /* chosen component (1-based), 0 if none */
} Heat;

static void
heat_clear (Heat *hm)
{
  g_free (hm->heat);
  g_free (hm->mass);
  g_clear_pointer (&hm->comps, pm_components_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Heat, heat_clear)

static void
heat_init (Heat                *hm,
           const float         *logits,
           int                  s,
           const PmInstruction *instruction)
{
  g_autoptr(PmMask) region = pm_mask_new (s, s);
  int index = -1;

  hm->s = s;
  hm->heat = g_new (float, (gsize) s * s);
  for (gsize i = 0; i < (gsize) s * s; i++)
    {
      hm->heat[i] = 1.0f / (1.0f + expf (-logits[i]));
      region->data[i] = hm->heat[i] >= HEAT_THRESHOLD ? 1.0f : 0.0f;
    }
  hm->comps = pm_components_label (region);
  hm->mass = g_new0 (double, MAX (hm->comps->n, 1));
  for (gsize i = 0; i < (gsize) s * s; i++)
    if (hm->comps->labels[i] > 0)
      hm->mass[hm->comps->labels[i] - 1] += hm->heat[i];
  for (int k = 0; k < hm->comps->n; k++)
    {
      hm->comps->components[k].score = hm->mass[k] / MAX (hm->comps->components[k].area, 1);
      if (index < 0 || hm->mass[k] > hm->mass[index])
        index = k;
    }
  if (hm->comps->n > 0 && has_qualifier (instruction))
    index = pm_components_pick (hm->comps, instruction->position, instruction->ordinal,
                                instruction->ordinal_from, instruction->size_rank);
  hm->label = index + 1;
}

/* Steps 2–4: the prompt for the chosen component (hm->label > 0). */
static void
build_prompt (const Heat  *hm,
              int          w,
              int          h,
              PmSamPoint  *points,
              PmSamPrompt *prompt)
{
  const PmComponents *comps = hm->comps;
  const float *heat = hm->heat;
  int s = hm->s, index = hm->label - 1, first, second, n = 0, n_neg = 0;
  g_autofree int *by_mass = g_new (int, MAX (comps->n, 1));
  const PmComponent *c = &comps->components[index];
  double bw, bh, diag;
  float x0, y0, x1, y1;

  /* box: the component's cells in pixels, grown by the margin */
  bw = (c->x1 + 1 - c->x0) * (double) w / s;
  bh = (c->y1 + 1 - c->y0) * (double) h / s;
  x0 = (float) MAX (0.0, c->x0 * (double) w / s - BOX_MARGIN * bw);
  y0 = (float) MAX (0.0, c->y0 * (double) h / s - BOX_MARGIN * bh);
  x1 = (float) MIN ((double) w, (c->x1 + 1) * (double) w / s + BOX_MARGIN * bw);
  y1 = (float) MIN ((double) h, (c->y1 + 1) * (double) h / s + BOX_MARGIN * bh);

  /* positive points: the peak, and a distant second peak */
  first = hottest (heat, comps, hm->label, 0, 0, 0);
  to_image (first % s, first / s, s, w, h, &points[n].x, &points[n].y);
  points[n++].label = 1;
  diag = hypot (c->x1 + 1 - c->x0, c->y1 + 1 - c->y0) * PEAK_SEPARATION;
  second = hottest (heat, comps, hm->label, first % s, first / s, diag * diag);
  if (second >= 0 && heat[second] >= SECOND_PEAK * heat[first])
    {
      to_image (second % s, second / s, s, w, h, &points[n].x, &points[n].y);
      points[n++].label = 1;
    }

  /* negative points: other components' peaks inside the box (largest mass first), then
   * the box's coldest cell */
  for (int k = 0; k < comps->n; k++)
    by_mass[k] = k;
  for (int a = 0; a < comps->n; a++)   /* components are few */
    for (int b = a + 1; b < comps->n; b++)
      if (hm->mass[by_mass[b]] > hm->mass[by_mass[a]])
        {
          int t = by_mass[a];
          by_mass[a] = by_mass[b];
          by_mass[b] = t;
        }
  for (int k = 0; k < comps->n && n_neg < MAX_NEGATIVE; k++)
    {
      int peak;
      float px, py;

      if (by_mass[k] == index)
        continue;
      peak = hottest (heat, comps, by_mass[k] + 1, 0, 0, 0);
      to_image (peak % s, peak / s, s, w, h, &px, &py);
      if (px >= x0 && px <= x1 && py >= y0 && py <= y1)
        {
          points[n].x = px;
          points[n].y = py;
          points[n++].label = 0;
          n_neg++;
        }
    }
  if (n_neg < MAX_NEGATIVE)
    {
      /* cells whose centres lie in the box */
      int gx0 = (int) ceilf (x0 * s / w - 0.5f);
      int gx1 = MIN (s - 1, (int) floorf (x1 * s / w - 0.5f));
      int gy0 = (int) ceilf (y0 * s / h - 0.5f);
      int gy1 = MIN (s - 1, (int) floorf (y1 * s / h - 0.5f));
      int cold = -1;

      for (int y = gy0; y <= gy1; y++)
        for (int x = gx0; x <= gx1; x++)
          if (cold < 0 || heat[y * s + x] < heat[cold])
            cold = y * s + x;
      if (cold >= 0 && heat[cold] < COLD_THRESHOLD)
        {
          to_image (cold % s, cold / s, s, w, h, &points[n].x, &points[n].y);
          points[n++].label = 0;
        }
    }

  memset (prompt, 0, sizeof *prompt);
  prompt->points = points;
  prompt->n_points = n;
  prompt->has_box = TRUE;
  prompt->box[0] = x0;
  prompt->box[1] = y0;
  prompt->box[2] = x1;
  prompt->box[3] = y1;
  prompt->multimask = TRUE;
}

/**
 * pm_sam_refine_make_prompt:
 * @logits: CLIPSeg's S × S logits
 * @s: S
 * @width: image width
 * @height: image height
 * @instruction: (nullable): position/rank qualifiers
 * @points: (out caller-allocates): PM_SAM_REFINE_MAX_POINTS points
 * @prompt: (out caller-allocates): the prompt (pointing at @points)
 *
 * Steps 1–4 of the rule.
 *
 * Returns: %FALSE when no cell of the heatmap reaches 0.5 (no prompt)
 */
gboolean
pm_sam_refine_make_prompt (const float         *logits,
                           int                  s,
                           int                  width,
                           int                  height,
                           const PmInstruction *instruction,
                           PmSamPoint          *points,
                           PmSamPrompt         *prompt)
{
  g_auto(Heat) hm = { 0 };

  heat_init (&hm, logits, s, instruction);
  if (hm.label <= 0)
    return FALSE;
  build_prompt (&hm, width, height, points, prompt);
  return TRUE;
}

/* IoU of a SAM mask (image size) with the chosen component (grid), sampled. */
static double
agreement (const PmMask       *mask,
           const PmComponents *comps,
           int                 label)
{
  int w = mask->width, h = mask->height, s = comps->width;
  int step = MAX (1, (MAX (w, h) + AGREE_GRID - 1) / AGREE_GRID);
  gint64 inter = 0, uni = 0;

  for (int y = step / 2; y < h; y += step)
    for (int x = step / 2; x < w; x += step)
      {
        int gx = MIN (s - 1, (int) ((gint64) x * s / w));
        int gy = MIN (s - 1, (int) ((gint64) y * s / h));
        gboolean a = mask->data[(gsize) y * w + x] > 0.5f;
        gboolean b = comps->labels[gy * s + gx] == label;

        inter += a && b;
        uni += a || b;
      }
  return uni > 0 ? (double) inter / uni : 0.0;
}

/* Steps 5–6 on an analysed heatmap. */
static int
choose (const Heat    *hm,
        PmMask * const *masks,
        int            n,
        double        *agreement_out)
{
  int best = -1;
  double best_iou = -1;

  for (int i = 0; i < n; i++)
    {
      double v = agreement (masks[i], hm->comps, hm->label);
      if (v > best_iou)
        {
          best_iou = v;
          best = i;
        }
    }
  if (agreement_out != NULL)
    *agreement_out = MAX (best_iou, 0.0);
  return best_iou >= MIN_AGREEMENT ? best : -1;
}

/**
 * pm_sam_refine_choose:
 * @logits: CLIPSeg's S × S logits
 * @s: S
 * @instruction: (nullable): position/rank qualifiers
 * @masks: (array length=n): SAM's candidate masks at the image size
 * @n: their number
 * @agreement: (out) (optional): the best IoU with the heatmap's region
 *
 * Steps 5–6 of the rule.
 *
 * Returns: the index of the mask to keep, or -1 to keep CLIPSeg's
 */
int
pm_sam_refine_choose (const float         *logits,
                      int                  s,
                      const PmInstruction *instruction,
                      PmMask * const      *masks,
                      int                  n,
                      double              *agreement)
{
  g_auto(Heat) hm = { 0 };

  heat_init (&hm, logits, s, instruction);
  if (agreement != NULL)
    *agreement = 0.0;
  if (hm.label <= 0)
    return -1;
  return choose (&hm, masks, n, agreement);
}

static double
sum_stages (const PmTimings  *t,
            const char      **stages)
{
  double ms = 0;

  for (int i = 0; stages[i] != NULL; i++)
    ms += pm_timings_get (t, stages[i]);
  return ms;
}

/**
 * pm_sam_refine_logits:
 * @sam: a sam engine
 * @image: the photo
 * @logits: CLIPSeg's S × S logits for it
 * @s: S
 * @instruction: (nullable): position/rank qualifiers choose the component
 * @soft_out: (out) (transfer full) (nullable): SAM's soft mask at the image size, or %NULL
 *   when CLIPSeg's mask should be kept
 * @info: (out) (optional): what was done
 * @cancellable: (nullable): a #GCancellable
 * @timings: (nullable): receives "sam encode" and "sam decode"
 * @error: return location
 *
 * Refines a CLIPSeg result with SAM by the rule at the top of pm-sam-refine.c.
 *
 * Returns: %FALSE on an error (cancelled, out of memory); %TRUE otherwise, with
 * *@soft_out set only when SAM's mask is kept
 */
gboolean
pm_sam_refine_logits (PmEngine            *sam,
                      const PmImage       *image,
                      const float         *logits,
                      int                  s,
                      const PmInstruction *instruction,
                      PmMask             **soft_out,
                      PmSamRefineInfo     *info,
                      GCancellable        *cancellable,
                      PmTimings           *timings,
                      GError             **error)
{
  static const char *encode_stages[] = { "preprocess", "patch embedding", "encoder layers",
                                         "neck", "decoder cache", NULL };
  static const char *decode_stages[] = { "prompt encoder", "two-way transformer", "mask head",
                                         "postprocess", NULL };
  g_auto(Heat) hm = { 0 };
  g_autoptr(PmSamResult) r = NULL;
  g_autoptr(PmTimings) local = pm_timings_new ();
  g_autofree float *full = NULL;
  PmSamPoint points[PM_SAM_REFINE_MAX_POINTS];
  PmSamPrompt prompt;
  PmSamRefineInfo dummy;
  PmMask *soft;
  int best;

  g_return_val_if_fail (sam != NULL && image != NULL && logits != NULL && soft_out != NULL,
                        FALSE);
  *soft_out = NULL;
  if (info == NULL)
    info = &dummy;
  memset (info, 0, sizeof *info);

  heat_init (&hm, logits, s, instruction);
  if (hm.label <= 0)
    return TRUE;   /* no region: nothing for SAM to refine */
  build_prompt (&hm, image->width, image->height, points, &prompt);
  for (int i = 0; i < prompt.n_points; i++)
    *(points[i].label == 1 ? &info->n_positive : &info->n_negative) += 1;
  memcpy (info->box, prompt.box, sizeof info->box);
  info->asked = TRUE;

  r = pm_sam_engine_segment (sam, image, &prompt, NULL, NULL, cancellable, local, error);
  if (timings != NULL)
    {
      double enc = sum_stages (local, encode_stages);
      if (enc > 0)
        pm_timings_add (timings, "sam encode", enc);
      pm_timings_add (timings, "sam decode", sum_stages (local, decode_stages));
    }
  if (r == NULL)
    return FALSE;
  best = choose (&hm, r->masks, r->n_masks, &info->agreement);
  if (best < 0)
    return TRUE;

  /* the kept mask as σ(SAM's logits at the image size) */
  full = g_new (float, (gsize) image->width * image->height);
  soft = pm_sam_logits_to_mask (pm_sam_engine_get_model (sam),
                                r->lowres + (gsize) best * r->lowres_size * r->lowres_size,
                                image->width, image->height, full);
  for (gsize i = 0; i < (gsize) image->width * image->height; i++)
    soft->data[i] = 1.0f / (1.0f + expf (-full[i]));
  info->refined = TRUE;
  *soft_out = soft;
  return TRUE;
}

/**
 * pm_sam_refine_min_agreement:
 *
 * Returns: the IoU with the heatmap below which CLIPSeg's mask is kept (0.3)
 */
double
pm_sam_refine_min_agreement (void)
{
  return MIN_AGREEMENT;
}

/* ------------------------------------------------------------------------------------- */
/* A box or clicks → SAM                                                                  */
/* ------------------------------------------------------------------------------------- */

/* SAM's best mask for @prompt; the photo's @fingerprint is made once by the caller, so that
 * a click does not hash 12 MP again, and only the best mask is made at the photo's size. */
static PmSamResult *
segment_best (PmEngine           *sam,
              const PmImage      *image,
              const char         *fingerprint,
              const PmSamPrompt  *prompt,
              GCancellable       *cancellable,
              GError            **error)
{
  return pm_sam_engine_segment_keyed (sam, image, fingerprint, prompt,
                                      PM_SAM_SEGMENT_BEST_ONLY, NULL, NULL, cancellable, NULL,
                                      error);
}

/**
 * pm_sam_refine_box:
 * @sam: a sam engine
 * @image: the photo
 * @fingerprint: @image's pm_engine_image_fingerprint ()
 * @mask: the mask to correct, @image's size
 * @box: the box, image pixels
 * @cancellable: (nullable): a #GCancellable
 * @error: return location
 *
 * Returns: (transfer full): @mask with SAM's best mask for @box put in inside @box (clipped
 *   to the image), or %NULL with @error if SAM failed
 */
PmMask *
pm_sam_refine_box (PmEngine       *sam,
                   const PmImage  *image,
                   const char     *fingerprint,
                   const PmMask   *mask,
                   const PmRect   *box,
                   GCancellable   *cancellable,
                   GError        **error)
{
  PmSamPrompt prompt = { 0 };
  g_autoptr(PmSamResult) result = NULL;
  const PmMask *answer;
  PmRect b = *box;
  PmMask *out;

  g_return_val_if_fail (sam != NULL && image != NULL && mask != NULL && box != NULL, NULL);

  prompt.has_box = TRUE;
  prompt.box[0] = box->x;
  prompt.box[1] = box->y;
  prompt.box[2] = box->x + box->width - 1;
  prompt.box[3] = box->y + box->height - 1;
  result = segment_best (sam, image, fingerprint, &prompt, cancellable, error);
  if (result == NULL)
    return NULL;
  answer = pm_sam_result_get_best (result);
  out = pm_mask_copy (mask);
  pm_rect_clip (&b, out->width, out->height);
  for (int y = b.y; y < b.y + b.height; y++)
    for (int x = b.x; x < b.x + b.width; x++)
      out->data[(gsize) y * out->width + x] = answer->data[(gsize) y * out->width + x];
  return out;
}

/* How far from the clicks their answer replaces the mask: as GrabCut's click refine
 * (pm-mask-refine.c), a quarter of the photo's long side, or more for a big object. */
static double
click_reach (const PmMask *mask,
             const PmMask *answer)
{
  int x0 = mask->width, y0 = mask->height, x1 = -1, y1 = -1;

  for (int y = 0; y < mask->height; y++)
    for (int x = 0; x < mask->width; x++)
      {
        gsize i = (gsize) y * mask->width + x;

        if (mask->data[i] > 0.5f || answer->data[i] > 0.5f)
          {
            x0 = MIN (x0, x); x1 = MAX (x1, x);
            y0 = MIN (y0, y); y1 = MAX (y1, y);
          }
      }
  return MAX (MAX (mask->width, mask->height) / 4.0,
              x1 >= x0 ? hypot (x1 - x0 + 1, y1 - y0 + 1) / 2 : 0.0);
}

/**
 * pm_sam_refine_clicks:
 * @sam: a sam engine
 * @image: the photo
 * @fingerprint: @image's pm_engine_image_fingerprint ()
 * @mask: the mask to correct, @image's size
 * @clicks: (array length=n_clicks): the clicks, oldest first
 * @n_clicks: how many (at least one)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location
 *
 * Prompts SAM with the newest PM_SAM_MAX_POINTS clicks (one click asks for three masks and
 * takes the best: it is ambiguous between a part, the object and its group).
 *
 * Returns: (transfer full): @mask with SAM's best mask put in within reach of the clicks, or
 *   %NULL with @error if SAM failed
 */
PmMask *
pm_sam_refine_clicks (PmEngine       *sam,
                      const PmImage  *image,
                      const char     *fingerprint,
                      const PmMask   *mask,
                      const PmClick  *clicks,
                      gsize           n_clicks,
                      GCancellable   *cancellable,
                      GError        **error)
{
  PmSamPoint points[PM_SAM_MAX_POINTS];
  PmSamPrompt prompt = { 0 };
  g_autoptr(PmSamResult) result = NULL;
  const PmMask *answer;
  /* The newest clicks when there are more than SAM takes. */
  gsize first = n_clicks > PM_SAM_MAX_POINTS ? n_clicks - PM_SAM_MAX_POINTS : 0;
  double reach, r2;
  PmMask *out;

  g_return_val_if_fail (sam != NULL && image != NULL && mask != NULL, NULL);
  g_return_val_if_fail (clicks != NULL && n_clicks > 0, NULL);

  for (gsize i = first; i < n_clicks; i++)
    points[i - first] = (PmSamPoint) { clicks[i].x, clicks[i].y, clicks[i].foreground ? 1 : 0 };
  prompt.points = points;
  prompt.n_points = (int) (n_clicks - first);
  /* One click is ambiguous (a part, the object, its group): three masks, the best. */
  prompt.multimask = prompt.n_points == 1;
  result = segment_best (sam, image, fingerprint, &prompt, cancellable, error);
  if (result == NULL)
    return NULL;
  answer = pm_sam_result_get_best (result);
  out = pm_mask_copy (mask);
  reach = click_reach (mask, answer);
  r2 = reach * reach;
  for (int y = 0; y < out->height; y++)
    for (int x = 0; x < out->width; x++)
      for (gsize i = 0; i < n_clicks; i++)
        {
          double dx = x + 0.5 - clicks[i].x, dy = y + 0.5 - clicks[i].y;

          if (dx * dx + dy * dy <= r2)
            {
              out->data[(gsize) y * out->width + x] = answer->data[(gsize) y * out->width + x];
              break;
            }
        }
  return out;
}
