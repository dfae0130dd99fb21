/* bench-refine.c: does guided-filter refinement make CLIPSeg-like masks follow the photo?
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For each eval photo with a ground-truth mask, a CLIPSeg-like coarse output is simulated:
 * the mask is averaged onto the 22×22 patch grid, upsampled bilinearly to 352×352 and
 * turned into logits (gain × (p − ½)), which is about as sharp as CLIPSeg's decoder gets.
 * pm_clipseg_logits_to_mask () then produces the soft mask with and without refinement and
 * several radius/eps settings; the table gives the mean IoU at 0.5 against the truth.
 *
 * usage: bench-refine [EVAL_DIR]    (default ../shared/data/eval-public)
 * Build: ninja -C build tests/bench-refine
 */
#include <stdio.h>
#include <string.h>

#include "pm-clipseg-engine.h"
#include "pm-metrics.h"

#define S 352
#define GRID 22

/* Ground truth → coarse logits at S×S. */
static void
simulate_logits (const PmMask *truth,
                 float         gain,
                 float        *logits)
{
  float grid[GRID * GRID] = { 0 };
  int counts[GRID * GRID] = { 0 };

  for (int y = 0; y < truth->height; y++)
    for (int x = 0; x < truth->width; x++)
      {
        int gx = x * GRID / truth->width, gy = y * GRID / truth->height;
        grid[gy * GRID + gx] += truth->data[y * truth->width + x];
        counts[gy * GRID + gx]++;
      }
  for (int i = 0; i < GRID * GRID; i++)
    grid[i] = counts[i] > 0 ? grid[i] / counts[i] : 0;
  pm_clipseg_resize_bilinear (grid, GRID, GRID, logits, S, S);
  for (int i = 0; i < S * S; i++)
    logits[i] = gain * (logits[i] - 0.5f);
}

int
main (int    argc,
      char **argv)
{
  const char *dir_path = argc > 1 ? argv[1] : "../shared/data/eval-public";
  const struct { gboolean refine; double radius_scale, eps; } settings[] = {
    { FALSE, 0, 0 },
    { TRUE, 1.5, 1e-3 }, { TRUE, 3.0, 1e-3 }, { TRUE, 6.0, 1e-3 }, { TRUE, 12.0, 1e-3 },
    { TRUE, 3.0, 1e-4 }, { TRUE, 4.0, 1e-4 }, { TRUE, 6.0, 1e-4 }, { TRUE, 8.0, 1e-4 },
    { TRUE, 12.0, 1e-4 }, { TRUE, 6.0, 1e-5 }, { TRUE, 3.0, 1e-2 },
  };
  double sums[G_N_ELEMENTS (settings)] = { 0 };
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autofree float *logits = g_new (float, S * S);
  const char *name;
  int n = 0;

  if (dir == NULL)
    {
      fprintf (stderr, "bench-refine: cannot open %s\n", dir_path);
      return 1;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *stem = NULL, *photo_path = NULL, *mask_path = NULL;
      g_autoptr(PmImage) photo = NULL;
      g_autoptr(PmImage) mask_image = NULL;
      g_autoptr(PmMask) truth = NULL;
      const char *underscore;

      if (!g_str_has_suffix (name, ".png") || (underscore = strrchr (name, '_')) == NULL ||
          underscore == name + 4)
        continue;
      stem = g_strndup (name, underscore - name);
      photo_path = g_strdup_printf ("%s/%s.jpg", dir_path, stem);
      mask_path = g_build_filename (dir_path, name, NULL);
      photo = pm_image_load (photo_path, PM_IMAGE_DEFAULT_MAX_PIXELS, NULL);
      mask_image = pm_image_load (mask_path, PM_IMAGE_DEFAULT_MAX_PIXELS, NULL);
      if (photo == NULL || mask_image == NULL || photo->width != mask_image->width ||
          photo->height != mask_image->height)
        continue;
      truth = pm_mask_new (photo->width, photo->height);
      for (gsize i = 0; i < (gsize) photo->width * photo->height; i++)
        truth->data[i] = mask_image->data[i * 4] > 127 ? 1.f : 0.f;
      simulate_logits (truth, 12.f, logits);

      printf ("%-34s", name);
      for (guint k = 0; k < G_N_ELEMENTS (settings); k++)
        {
          PmClipsegPostParams params;
          g_autoptr(PmMask) soft = NULL;
          double v;

          pm_clipseg_post_params_init (&params);
          params.refine = settings[k].refine;
          if (params.refine)
            {
              params.radius_scale = settings[k].radius_scale;
              params.eps = settings[k].eps;
            }
          soft = pm_clipseg_logits_to_mask (logits, S, photo, NULL, &params);
          v = pm_mask_iou (soft, truth, NULL, NULL);
          sums[k] += v;
          printf (" %.3f", v);
        }
      printf ("\n");
      n++;
    }
  printf ("\nmean IoU over %d photos:\n", n);
  for (guint k = 0; k < G_N_ELEMENTS (settings); k++)
    {
      if (settings[k].refine)
        printf ("  refine radius %4.1f × side/S, eps %.0e: %.4f\n", settings[k].radius_scale,
                settings[k].eps, sums[k] / MAX (n, 1));
      else
        printf ("  no refinement:                        %.4f\n", sums[k] / MAX (n, 1));
    }
  return 0;
}
