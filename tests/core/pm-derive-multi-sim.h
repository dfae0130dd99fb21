/* pm-derive-multi-sim.h: simulated multi-object colour edits on the public eval photos,
 * shared by tests/core/test-derive-multi.c and tests/bench/derive-multi-quality.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each photo of eval-public carries one true object. A scene of 2–4 objects is made from
 * it in three layouts:
 *   TOUCHING  the object cut in two along a wavy line through its centre (two objects
 *             sharing a long edge);
 *   APART     the object and two shapes (the true masks of two other photos, scaled to a
 *             third to a half of its area) placed on the photo clear of it and each other;
 *   MIXED     the object cut in two, one shape overlapping its side (what is left of the
 *             shape touches the object) and one shape apart: four objects.
 * Every object is feathered (σ = 1 px) like an engine's soft mask; a pixel two objects
 * claim goes to the one with the higher alpha (the pipeline's rule). Colours are what the
 * pipeline picks for "segment …" lists (pm_color_choose over the objects' regions). The
 * objects are painted with pm_edit_recolor() into one edit, then degraded as in
 * pm-derive-sim.h.
 */
#pragma once

#include "pm-derive-sim.h"
#include "pm-derive-multi.h"
#include "pm-color-choose.h"

#define MSIM_MAX_OBJECTS 4

typedef enum {
  MSIM_TOUCHING,
  MSIM_APART,
  MSIM_MIXED,
  MSIM_N_LAYOUTS
} MsimLayout;

typedef struct {
  guint    n;
  PmMask  *truth[MSIM_MAX_OBJECTS];   /* binary, disjoint */
  PmMask  *alpha[MSIM_MAX_OBJECTS];   /* feathered, disjoint supports */
  PmRgb    color[MSIM_MAX_OBJECTS];
} MsimScene;

static inline void
msim_scene_clear (MsimScene *s)
{
  for (guint i = 0; i < s->n; i++)
    {
      g_clear_pointer (&s->truth[i], pm_mask_free);
      g_clear_pointer (&s->alpha[i], pm_mask_free);
    }
  s->n = 0;
}

static inline const char *
msim_layout_name (MsimLayout layout)
{
  return layout == MSIM_TOUCHING ? "touching" : layout == MSIM_APART ? "apart" : "mixed";
}

static inline void
msim_centroid (const PmMask *m,
               double       *cx,
               double       *cy,
               double       *area)
{
  double sx = 0, sy = 0, n = 0;

  for (int y = 0; y < m->height; y++)
    for (int x = 0; x < m->width; x++)
      if (m->data[(gsize) y * m->width + x] > 0.5f)
        {
          sx += x;
          sy += y;
          n++;
        }
  *cx = n > 0 ? sx / n : m->width / 2.0;
  *cy = n > 0 ? sy / n : m->height / 2.0;
  *area = n;
}

/* Cuts @truth in two along a wavy line through its centroid at angle @theta. */
static inline void
msim_split (const PmMask *truth,
            double        theta,
            PmMask      **a,
            PmMask      **b)
{
  double cx, cy, area, size;

  msim_centroid (truth, &cx, &cy, &area);
  size = sqrt (MAX (area, 1.0));
  *a = pm_mask_new (truth->width, truth->height);
  *b = pm_mask_new (truth->width, truth->height);
  for (int y = 0; y < truth->height; y++)
    for (int x = 0; x < truth->width; x++)
      {
        gsize i = (gsize) y * truth->width + x;
        double u = (x - cx) * cos (theta) + (y - cy) * sin (theta);
        double v = -(x - cx) * sin (theta) + (y - cy) * cos (theta);
        double wave = 0.06 * size * sin (2 * G_PI * v / (0.5 * size));

        if (truth->data[i] <= 0.5f)
          continue;
        if (u < wave)
          (*a)->data[i] = 1.0f;
        else
          (*b)->data[i] = 1.0f;
      }
}

/* The bounding-box crop of @m scaled by @scale (nearest). */
static inline PmMask *
msim_shape (const PmMask *m,
            double        scale)
{
  int x0 = m->width, y0 = m->height, x1 = -1, y1 = -1;
  PmMask *out;
  int w, h;

  for (int y = 0; y < m->height; y++)
    for (int x = 0; x < m->width; x++)
      if (m->data[(gsize) y * m->width + x] > 0.5f)
        {
          x0 = MIN (x0, x);
          y0 = MIN (y0, y);
          x1 = MAX (x1, x);
          y1 = MAX (y1, y);
        }
  g_assert_cmpint (x1, >=, x0);
  w = MAX (3, (int) lrint ((x1 - x0 + 1) * scale));
  h = MAX (3, (int) lrint ((y1 - y0 + 1) * scale));
  out = pm_mask_new (w, h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        int sx = x0 + MIN ((int) (x / scale), x1 - x0);
        int sy = y0 + MIN ((int) (y / scale), y1 - y0);
        out->data[(gsize) y * w + x] = m->data[(gsize) sy * m->width + sx];
      }
  return out;
}

/* Places @shape on a mask of @w × @h at (@ox, @oy); FALSE if it sticks out or, when
 * @occupied is given, comes within @gap pixels of it. */
static inline gboolean
msim_place (const PmMask *shape,
            const PmMask *occupied,
            int           gap,
            int           ox,
            int           oy,
            PmMask       *out)
{
  if (ox < 0 || oy < 0 || ox + shape->width > out->width || oy + shape->height > out->height)
    return FALSE;
  if (occupied != NULL)
    for (int y = 0; y < shape->height; y++)
      for (int x = 0; x < shape->width; x++)
        {
          if (shape->data[(gsize) y * shape->width + x] <= 0.5f)
            continue;
          for (int v = MAX (oy + y - gap, 0); v <= MIN (oy + y + gap, out->height - 1); v++)
            for (int u = MAX (ox + x - gap, 0); u <= MIN (ox + x + gap, out->width - 1); u++)
              if (occupied->data[(gsize) v * out->width + u] > 0.5f)
                return FALSE;
        }
  memset (out->data, 0, sizeof (float) * out->width * out->height);
  for (int y = 0; y < shape->height; y++)
    for (int x = 0; x < shape->width; x++)
      out->data[(gsize) (oy + y) * out->width + ox + x] = shape->data[(gsize) y * shape->width + x];
  return TRUE;
}

/* Another photo's object as a shape of about @share of @area pixels, placed clear of
 * @occupied (gap 8 px) on a grid scan starting at a seeded offset; NULL if nowhere fits. */
static inline PmMask *
msim_apart_shape (const PmMask *donor,
                  const PmMask *occupied,
                  double        area,
                  double        share,
                  guint32       seed)
{
  double dcx, dcy, darea;
  PmMask *out = pm_mask_new (occupied->width, occupied->height);

  msim_centroid (donor, &dcx, &dcy, &darea);
  for (double s = sqrt (share * area / MAX (darea, 1.0)); s > 0.05; s *= 0.7)
    {
      g_autoptr(PmMask) shape = msim_shape (donor, s);
      int stepx = MAX (4, occupied->width / 24), stepy = MAX (4, occupied->height / 24);
      int nx = occupied->width / stepx + 1, ny = occupied->height / stepy + 1;

      for (int k = 0; k < nx * ny; k++)
        {
          int cell = (int) ((k + seed * 7919u) % (guint32) (nx * ny));
          int ox = (cell % nx) * stepx, oy = (cell / nx) * stepy;

          if (msim_place (shape, occupied, 8, ox, oy, out))
            return out;
        }
    }
  pm_mask_free (out);
  return NULL;
}

/* A shape centred on the right (or left) edge of @truth's bounding box, minus @occupied:
 * it touches the object along the object's outline. */
static inline PmMask *
msim_touching_shape (const PmMask *donor,
                     const PmMask *truth,
                     const PmMask *occupied,
                     double        area,
                     guint32       seed)
{
  double dcx, dcy, darea, cx, cy, tarea;
  int x0 = truth->width, x1 = -1;
  PmMask *out = pm_mask_new (truth->width, truth->height);

  msim_centroid (donor, &dcx, &dcy, &darea);
  msim_centroid (truth, &cx, &cy, &tarea);
  for (int y = 0; y < truth->height; y++)
    for (int x = 0; x < truth->width; x++)
      if (truth->data[(gsize) y * truth->width + x] > 0.5f)
        {
          x0 = MIN (x0, x);
          x1 = MAX (x1, x);
        }
  for (double s = sqrt (0.4 * area / MAX (darea, 1.0)); s > 0.05; s *= 0.7)
    {
      g_autoptr(PmMask) shape = msim_shape (donor, s);
      int oy = (int) cy - shape->height / 2;
      int edge = (seed & 1) ? x1 : x0;
      int ox = edge - shape->width / 2;

      oy = CLAMP (oy, 0, MAX (0, truth->height - shape->height));
      ox = CLAMP (ox, 0, MAX (0, truth->width - shape->width));
      if (msim_place (shape, NULL, 0, ox, oy, out))
        {
          gint64 left = 0;

          for (gsize i = 0; i < (gsize) out->width * out->height; i++)
            {
              if (occupied->data[i] > 0.5f)
                out->data[i] = 0.0f;
              left += out->data[i] > 0.5f;
            }
          if (left > area * 0.05)
            return out;
        }
    }
  pm_mask_free (out);
  return NULL;
}

static inline void
msim_add (MsimScene *s,
          PmMask    *truth,
          PmMask    *occupied)
{
  for (gsize i = 0; i < (gsize) truth->width * truth->height; i++)
    if (truth->data[i] > 0.5f)
      occupied->data[i] = 1.0f;
  s->truth[s->n++] = truth;
}

/* Builds the scene of @layout for case @index; FALSE if the photo has no room for it. */
static inline gboolean
msim_scene_make (MsimScene       *s,
                 GPtrArray       *cases,
                 guint            index,
                 MsimLayout       layout)
{
  const SimCase *c = cases->pdata[index];
  const PmMask *donor1 = ((SimCase *) cases->pdata[(index + 1) % cases->len])->truth;
  const PmMask *donor2 = ((SimCase *) cases->pdata[(index + 2) % cases->len])->truth;
  g_autoptr(PmMask) occupied = pm_mask_new (c->truth->width, c->truth->height);
  double cx, cy, area;
  PmMask *m;

  memset (s, 0, sizeof *s);
  msim_centroid (c->truth, &cx, &cy, &area);
  if (layout == MSIM_APART)
    msim_add (s, pm_mask_copy (c->truth), occupied);
  else
    {
      PmMask *a, *b;

      msim_split (c->truth, (index % 4) * G_PI / 4 + 0.3, &a, &b);
      msim_add (s, a, occupied);
      msim_add (s, b, occupied);
    }
  if (layout == MSIM_MIXED)
    {
      m = msim_touching_shape (donor1, c->truth, occupied, area, index);
      if (m == NULL)
        goto fail;
      msim_add (s, m, occupied);
    }
  if (layout != MSIM_TOUCHING)
    {
      guint n_apart = layout == MSIM_APART ? 2 : 1;

      for (guint k = 0; k < n_apart; k++)
        {
          m = msim_apart_shape (k == 0 ? donor2 : donor1, occupied, area, 0.35 + 0.15 * k,
                                index * 3 + k);
          if (m == NULL)
            goto fail;
          msim_add (s, m, occupied);
        }
    }

  /* Feathered alphas; where two claim a pixel, the higher alpha keeps it. */
  for (guint i = 0; i < s->n; i++)
    s->alpha[i] = sim_soft_mask (s->truth[i]);
  for (gsize p = 0; p < (gsize) occupied->width * occupied->height; p++)
    {
      guint best = 0;

      for (guint i = 1; i < s->n; i++)
        if (s->alpha[i]->data[p] > s->alpha[best]->data[p])
          best = i;
      for (guint i = 0; i < s->n; i++)
        if (i != best)
          s->alpha[i]->data[p] = 0.0f;
    }

  /* The pipeline's colours for a "segment" list. */
  {
    const PmMask *regions[MSIM_MAX_OBJECTS];

    for (guint i = 0; i < s->n; i++)
      regions[i] = s->truth[i];
    pm_color_choose (c->image, regions, s->n, NULL, s->color, NULL);
  }
  return TRUE;

fail:
  msim_scene_clear (s);
  return FALSE;
}

/* The scene painted into one edit, then degraded by @flags (pm-derive-sim.h). */
static inline PmImage *
msim_edit (const SimCase   *c,
           const MsimScene *s,
           SimFlags         flags,
           int              jpeg_quality,
           guint32          seed)
{
  PmImage *edited = pm_image_copy (c->image);

  for (guint i = 0; i < s->n; i++)
    {
      PmImage *t = pm_edit_recolor (edited, s->alpha[i], s->color[i], NULL);
      pm_image_free (edited);
      edited = t;
    }
  if (flags & SIM_SHIFT_BLUR)
    {
      PmImage *t = sim_shift_blur (edited);
      pm_image_free (edited);
      edited = t;
    }
  if (flags & SIM_TONE)
    sim_tone (edited, seed);
  if (flags & SIM_RESIZE)
    {
      double f = (seed & 1) ? 1.04 : 0.97;
      PmImage *t = pm_image_resize (edited, (int) lrint (edited->width * f),
                                    (int) lrint (edited->height * f));
      pm_image_free (edited);
      edited = t;
    }
  if (flags & SIM_NOISE)
    sim_noise (edited, 2.5, seed * 7 + 1);
  if (flags & SIM_JPEG)
    {
      PmImage *t = sim_jpeg (edited, jpeg_quality);
      pm_image_free (edited);
      edited = t;
    }
  return edited;
}

/* Per-object scores of one labelling against a scene. */
typedef struct {
  double  iou_sum;        /* Σ per-object IoU */
  int     objects;
  gint64  truth_pixels;   /* Σ |truth_i| */
  gint64  confused;       /* Σ_{i≠j} |truth_i ∩ label j| */
  gint64  unassigned;     /* Σ |truth_i ∩ unassigned| */
} MsimScore;

/* Adds the scores of @labels (0 = none, i + 1 = object i) and @unassigned (nullable). */
static inline void
msim_score (MsimScore       *score,
            const MsimScene *s,
            const PmLabels  *labels,
            const PmMask    *unassigned)
{
  gsize np = (gsize) labels->width * labels->height;

  for (guint i = 0; i < s->n; i++)
    {
      gint64 inter = 0, uni = 0;

      for (gsize p = 0; p < np; p++)
        {
          gboolean t = s->truth[i]->data[p] > 0.5f, l = labels->data[p] == i + 1;

          inter += t && l;
          uni += t || l;
          if (t)
            {
              score->truth_pixels++;
              score->confused += labels->data[p] != 0 && labels->data[p] != i + 1;
              score->unassigned += unassigned != NULL && unassigned->data[p] > 0.5f;
            }
        }
      score->iou_sum += uni == 0 ? 1.0 : (double) inter / uni;
      score->objects++;
    }
}

/* The naive baseline, prepared once per edit: each pixel's OKLab distance (edit
 * resampled, nothing else) and the colour nearest its edited a/b. */
typedef struct {
  int     width, height;
  float  *distance;
  guint8 *nearest;   /* i + 1 */
} MsimNaive;

static inline void
msim_naive_clear (MsimNaive *nv)
{
  g_clear_pointer (&nv->distance, g_free);
  g_clear_pointer (&nv->nearest, g_free);
}

static inline void
msim_naive_prepare (MsimNaive       *nv,
                    const PmImage   *original,
                    const PmImage   *edited,
                    const MsimScene *s)
{
  g_autoptr(PmImage) resized = NULL;
  gsize np = (gsize) original->width * original->height;
  PmOklab targets[MSIM_MAX_OBJECTS];

  if (edited->width != original->width || edited->height != original->height)
    edited = resized = pm_image_resize (edited, original->width, original->height);
  nv->width = original->width;
  nv->height = original->height;
  nv->distance = g_new (float, np);
  nv->nearest = g_new (guint8, np);
  for (guint i = 0; i < s->n; i++)
    targets[i] = pm_rgb_to_oklab (s->color[i]);
  for (gsize p = 0; p < np; p++)
    {
      const guint8 *o = original->data + 4 * p, *e = edited->data + 4 * p;
      PmOklab a = pm_rgb_to_oklab ((PmRgb) { o[0] / 255.0f, o[1] / 255.0f, o[2] / 255.0f });
      PmOklab b = pm_rgb_to_oklab ((PmRgb) { e[0] / 255.0f, e[1] / 255.0f, e[2] / 255.0f });
      float best = G_MAXFLOAT;

      nv->distance[p] = sqrtf ((a.L - b.L) * (a.L - b.L) + (a.a - b.a) * (a.a - b.a) +
                               (a.b - b.b) * (a.b - b.b));
      for (guint i = 0; i < s->n; i++)
        {
          float q = hypotf (b.a - targets[i].a, b.b - targets[i].b);
          if (q < best)
            {
              best = q;
              nv->nearest[p] = (guint8) (i + 1);
            }
        }
    }
}

/* The naive labelling at @threshold: changed where the OKLab distance exceeds it, labelled
 * with the nearest colour. */
static inline PmLabels *
msim_naive_labels (const MsimNaive *nv,
                   float            threshold)
{
  PmLabels *labels = pm_labels_new (nv->width, nv->height);

  for (gsize p = 0; p < (gsize) nv->width * nv->height; p++)
    labels->data[p] = nv->distance[p] > threshold ? nv->nearest[p] : 0;
  return labels;
}
