/* derive-quality.c: report of mask-derivation quality on simulated edits of the public
 * eval photos, level by level, against the naive RGB-difference threshold.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: derive-quality [--verbose] [--level N] [--case N] [--dump DIR] [--upscale F]
 * --dump writes each edited image and derived mask (PNG) into DIR, for inspection.
 * --upscale F enlarges each photo and its truth by F first (the edits are then made at
 * that size), to measure the big-photo path (over 4 MP: working size + edge band).
 * (PM_SHARED_DIR points at ../shared; default ../shared from the working directory).
 */
#include "pm-derive-sim.h"

#define N_THRESHOLDS 64   /* naive thresholds 1..64 (mean |ΔRGB|, 0..255) */

typedef struct {
  const char *name;
  SimFlags    flags;
  int         jpeg_quality;
} Level;

static const Level levels[] = {
  { "clean",                       0, 0 },
  { "+ tone shift (±5%)",          SIM_TONE, 0 },
  { "+ JPEG q80",                  SIM_TONE | SIM_JPEG, 80 },
  { "+ resize (-3%/+4%)",          SIM_TONE | SIM_JPEG | SIM_RESIZE, 80 },
  { "+ noise (σ 2.5/255)",         SIM_TONE | SIM_JPEG | SIM_RESIZE | SIM_NOISE, 80 },
  { "+ background shift 1px+blur", SIM_TONE | SIM_JPEG | SIM_RESIZE | SIM_NOISE |
                                   SIM_SHIFT_BLUR, 80 },
  { "+ colour close to object's",  SIM_TONE | SIM_JPEG | SIM_RESIZE | SIM_NOISE |
                                   SIM_SHIFT_BLUR | SIM_CLOSE, 80 },
};

/* IoU of (naive diff > t) with the truth for every threshold t = 1..N_THRESHOLDS. */
static void
naive_sweep (const PmImage *original,
             const PmImage *edited,
             const PmMask  *truth,
             double        *iou)
{
  g_autoptr(PmImage) resized = NULL;
  gint64 inter[N_THRESHOLDS] = { 0, }, uni[N_THRESHOLDS] = { 0, };

  if (edited->width != original->width || edited->height != original->height)
    edited = resized = pm_image_resize (edited, original->width, original->height);
  for (gsize i = 0; i < (gsize) original->width * original->height; i++)
    {
      const guint8 *p = original->data + i * 4, *q = edited->data + i * 4;
      float d = (ABS (p[0] - q[0]) + ABS (p[1] - q[1]) + ABS (p[2] - q[2])) / 3.0f;
      gboolean t = truth->data[i] > 0.5f;
      for (int k = 0; k < N_THRESHOLDS; k++)
        {
          gboolean m = d > (k + 1);
          inter[k] += m && t;
          uni[k] += m || t;
        }
    }
  for (int k = 0; k < N_THRESHOLDS; k++)
    iou[k] = uni[k] == 0 ? 1.0 : (double) inter[k] / uni[k];
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) cases = NULL;
  gboolean verbose = FALSE;
  int only = -1;
  const char *dump = NULL;
  int only_case = -1;
  double upscale = 0;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--verbose") || g_str_equal (argv[i], "-v"))
        verbose = TRUE;
      else if (g_str_equal (argv[i], "--level") && i + 1 < argc)
        only = atoi (argv[++i]);
      else if (g_str_equal (argv[i], "--case") && i + 1 < argc)
        only_case = atoi (argv[++i]);
      else if (g_str_equal (argv[i], "--dump") && i + 1 < argc)
        dump = argv[++i];
      else if (g_str_equal (argv[i], "--upscale") && i + 1 < argc)
        upscale = g_ascii_strtod (argv[++i], NULL);
      else
        {
          g_printerr ("Usage: %s [--verbose] [--level N] [--case N] [--dump DIR] "
                      "[--upscale F]\n", argv[0]);
          return 2;
        }
    }

  cases = sim_load_cases ();
  if (cases == NULL)
    {
      g_printerr ("derive-quality: eval-public not found (set PM_SHARED_DIR)\n");
      return 1;
    }
  if (upscale > 0)
    for (guint i = 0; i < cases->len; i++)
      {
        SimCase *c = cases->pdata[i];
        int w = (int) lrint (c->image->width * upscale), h = (int) lrint (c->image->height * upscale);
        PmImage *big = pm_image_resize (c->image, w, h);
        g_autoptr(PmMask) soft = pm_mask_resize (c->truth, w, h);

        pm_image_free (c->image);
        pm_mask_free (c->truth);
        c->image = big;
        c->truth = pm_mask_threshold (soft, 0.5f);
      }

  printf ("Mask derivation on %u simulated edits of eval-public (mean IoU); tuning half | "
          "held-out half (pm-derive-sim.h)\n", cases->len);
  printf ("%-30s %17s %17s %17s %8s\n", "level", "paintmask", "+hint", "naive*", "t*");

  for (int l = 0; l < (int) G_N_ELEMENTS (levels); l++)
    {
      /* [0] the tuning half, [1] the held-out half */
      double sum_ours[2] = { 0, }, sum_hint[2] = { 0, }, naive[2][N_THRESHOLDS] = { { 0, } };
      double best_naive[2] = { 0, };
      int best_t[2] = { 0, }, n[2] = { 0, };
      gint64 t0 = g_get_monotonic_time ();

      if (only >= 0 && l != only)
        continue;
      for (guint i = 0; i < cases->len; i++)
        {
          SimCase *c = cases->pdata[i];
          PmRgb color;

          if (only_case >= 0 && (int) i != only_case)
            continue;
          color = (levels[l].flags & SIM_CLOSE) ? sim_close_color (c->image, c->truth)
                                                      : sim_color (i, c->image, c->truth);
          g_autoptr(PmImage) edited = sim_edit (c, color, levels[l].flags,
                                                levels[l].jpeg_quality, 1000 + i);
          g_autoptr(PmMask) ours = NULL;
          g_autoptr(PmMask) hinted = NULL;
          PmDeriveOptions options;
          double iou[N_THRESHOLDS], a, b;
          GError *error = NULL;

          ours = pm_mask_derive (c->image, edited, NULL, NULL, &error);
          g_assert_no_error (error);
          pm_derive_options_init (&options);
          options.has_color_hint = TRUE;
          options.color_hint = color;
          hinted = pm_mask_derive (c->image, edited, &options, NULL, &error);
          g_assert_no_error (error);
          naive_sweep (c->image, edited, c->truth, iou);
          a = sim_iou (ours, c->truth);
          b = sim_iou (hinted, c->truth);
          sum_ours[c->held_out] += a;
          sum_hint[c->held_out] += b;
          n[c->held_out]++;
          for (int k = 0; k < N_THRESHOLDS; k++)
            naive[c->held_out][k] += iou[k];
          if (dump != NULL)
            {
              g_autofree char *e = g_strdup_printf ("%s/%d-%02u-edited.png", dump, l, i);
              g_autofree char *m = g_strdup_printf ("%s/%d-%02u-mask.png", dump, l, i);
              g_autoptr(PmImage) vis = pm_image_copy (c->image);

              /* Mask picture: white = both, red = missed, blue = extra. */
              for (gsize p = 0; p < (gsize) vis->width * vis->height; p++)
                {
                  gboolean t = c->truth->data[p] > 0.5f, o = ours->data[p] > 0.5f;
                  vis->data[p * 4 + 0] = (t ? 255 : 0);
                  vis->data[p * 4 + 1] = (t && o) ? 255 : 0;
                  vis->data[p * 4 + 2] = o ? 255 : 0;
                  vis->data[p * 4 + 3] = 255;
                }
              pm_image_save_png (edited, e, NULL);
              pm_image_save_png (vis, m, NULL);
            }
          if (verbose)
            printf ("  %-36s %s %.4f %.4f (naive@10 %.4f)\n", c->name,
                    c->held_out ? "held-out" : "tuning  ", a, b, iou[9]);
        }
      for (int h = 0; h < 2; h++)
        for (int k = 0; k < N_THRESHOLDS; k++)
          if (naive[h][k] > best_naive[h])
            {
              best_naive[h] = naive[h][k];
              best_t[h] = k + 1;
            }
      for (int h = 0; h < 2; h++)
        {
          n[h] = MAX (n[h], 1);
          sum_ours[h] /= n[h];
          sum_hint[h] /= n[h];
          best_naive[h] /= n[h];
        }
      printf ("%-30s %8.4f %8.4f %8.4f %8.4f %8.4f %8.4f %3d %3d   (%.1f s)\n", levels[l].name,
              sum_ours[0], sum_ours[1], sum_hint[0], sum_hint[1], best_naive[0], best_naive[1],
              best_t[0], best_t[1], (g_get_monotonic_time () - t0) / 1e6);
    }
  printf ("naive*: mean |ΔRGB| > t at the threshold t* with the best mean IoU for that level\n");
  return 0;
}
