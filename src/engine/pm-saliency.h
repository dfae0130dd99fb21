/* pm-saliency.h: a classical saliency prior for the built-in engine (private).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-image.h"

G_BEGIN_DECLS

/* Saliency in 0..1 of an OKLab image (@lab: width × height × 3 floats, L a b), meant for
 * small working copies (about 256 px on the longer side). */
PmMask *pm_saliency_compute (const float *lab,
                             int          width,
                             int          height);

/* Otsu's threshold of a 0..1 map (256 bins). */
float   pm_saliency_otsu    (const PmMask *map);

G_END_DECLS
