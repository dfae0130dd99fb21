/* pm-morph.h: binary morphology and connected components on PmMask (0/1).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-image.h"
#include "pm-instruction.h"

G_BEGIN_DECLS

typedef struct {
  int    label;          /* 1-based */
  gint64 area;
  int    x0, y0, x1, y1; /* bounding box, inclusive */
  double cx, cy;         /* centroid in pixels */
  double score;          /* free for callers (e.g. mean soft-mask value) */
} PmComponent;

typedef struct {
  int          width, height;
  int         *labels;      /* width * height; 0 = background */
  int          n;
  PmComponent *components;  /* n entries, components[i].label == i + 1 */
} PmComponents;

/* In-place ops on binary masks; radius in pixels. The structuring element is the digital
 * disk dx² + dy² ≤ r² (radius 1: the 4-neighbour cross), computed with a distance
 * transform so the cost does not depend on the radius. Pixels outside the image count as
 * neither foreground nor background: erosion does not eat in from the border, so a
 * closing near the border keeps what the dilation pushed against it. */
void          pm_morph_dilate         (PmMask        *mask,
                                       int            radius);
void          pm_morph_erode          (PmMask        *mask,
                                       int            radius);
void          pm_morph_open           (PmMask        *mask,
                                       int            radius);
void          pm_morph_close          (PmMask        *mask,
                                       int            radius);
void          pm_morph_fill_holes     (PmMask        *mask);
void          pm_morph_remove_small   (PmMask        *mask,
                                       gint64         min_area);

/* 8-connected components of mask > 0.5. */
PmComponents *pm_components_label     (const PmMask  *mask);
void          pm_components_free      (PmComponents  *components);
/* Index into components[] chosen by position, ordinal ("second from the left") and size rank;
 * -1 if there are none. Without any qualifier, the largest. */
int           pm_components_pick      (const PmComponents  *components,
                                       PmPosition           position,
                                       int                  ordinal,
                                       PmPosition           ordinal_from,
                                       PmSizeRank           size_rank);
/* A binary mask holding just component @index. */
PmMask       *pm_components_extract   (const PmComponents  *components,
                                       int                  index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmComponents, pm_components_free)

G_END_DECLS
