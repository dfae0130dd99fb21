/* derive-multi-quality.c: report of label-map quality on simulated multi-object edits of
 * the public eval photos, level by level, against a naive nearest-colour rule.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: derive-multi-quality [--verbose] [--level N] [--case N] [--layout N] [--dump DIR]
 * Scenes: pm-derive-multi-sim.h (19 photos × touching / apart / mixed, 2–4 objects).
 * Per object: IoU of its label with its true region; the mean over all objects of a half
 * (tuning / held-out, as in derive-quality). Confusion: share of true object pixels
 * labelled as another object; unassigned: share labelled "changed toward no colour".
 * The naive rule thresholds the OKLab distance of the resampled edit and labels each pixel
 * with the colour nearest its a/b, at its best threshold for that level and half.
 */
#include "pm-derive-multi-sim.h"

#define N_THRESHOLDS 30   /* naive thresholds 0.01 … 0.30 (OKLab distance) */

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
};

static void
dump_scene (const char      *dir,
            int              level,
            guint            index,
            MsimLayout       layout,
            const MsimScene *s,
            const PmImage   *edited,
            const PmLabels  *labels)
{
  g_autofree char *x = g_strdup_printf ("%s/%d-%02u-%s-errors.png", dir, level, index,
                                        msim_layout_name (layout));
  g_autoptr(PmImage) err = pm_image_new (labels->width, labels->height);
  g_autofree char *e = g_strdup_printf ("%s/%d-%02u-%s-edited.png", dir, level, index,
                                        msim_layout_name (layout));
  g_autofree char *l = g_strdup_printf ("%s/%d-%02u-%s-labels.png", dir, level, index,
                                        msim_layout_name (layout));
  g_autoptr(PmLabels) vis = pm_labels_copy (labels);

  /* Labels spread over the grey range so they can be told apart by eye. */
  for (gsize p = 0; p < (gsize) vis->width * vis->height; p++)
    vis->data[p] = vis->data[p] == 0 ? 0 : (guint8) MIN (255, 55 + 50 * vis->data[p]);
  pm_image_save_png (edited, e, NULL);
  pm_labels_save_png (vis, l, NULL);

  /* Errors: grey = right, red = missed, blue = extra, yellow = another object's label. */
  for (gsize p = 0; p < (gsize) err->width * err->height; p++)
    {
      guint8 truth = 0, *q = err->data + 4 * p;

      for (guint i = 0; i < s->n; i++)
        if (s->truth[i]->data[p] > 0.5f)
          truth = (guint8) (i + 1);
      q[0] = q[1] = q[2] = truth != 0 && truth == labels->data[p] ? 128 : 0;
      if (truth != 0 && labels->data[p] == 0)
        q[0] = 255;
      else if (truth == 0 && labels->data[p] != 0)
        q[2] = 255;
      else if (truth != labels->data[p])
        q[0] = q[1] = 255;
      q[3] = 255;
    }
  pm_image_save_png (err, x, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) cases = NULL;
  MsimScene *scenes;
  gboolean *have;
  gboolean verbose = FALSE;
  int only = -1, only_case = -1, only_layout = -1;
  const char *dump = NULL;
  int n_objects = 0, n_scenes = 0;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--verbose") || g_str_equal (argv[i], "-v"))
        verbose = TRUE;
      else if (g_str_equal (argv[i], "--level") && i + 1 < argc)
        only = atoi (argv[++i]);
      else if (g_str_equal (argv[i], "--case") && i + 1 < argc)
        only_case = atoi (argv[++i]);
      else if (g_str_equal (argv[i], "--layout") && i + 1 < argc)
        only_layout = atoi (argv[++i]);
      else if (g_str_equal (argv[i], "--dump") && i + 1 < argc)
        dump = argv[++i];
      else
        {
          g_printerr ("Usage: %s [--verbose] [--level N] [--case N] [--layout N] [--dump DIR]\n",
                      argv[0]);
          return 2;
        }
    }

  cases = sim_load_cases ();
  if (cases == NULL)
    {
      g_printerr ("derive-multi-quality: eval-public not found (set PM_SHARED_DIR)\n");
      return 1;
    }
  scenes = g_new0 (MsimScene, cases->len * MSIM_N_LAYOUTS);
  have = g_new0 (gboolean, cases->len * MSIM_N_LAYOUTS);
  for (guint i = 0; i < cases->len; i++)
    for (int k = 0; k < MSIM_N_LAYOUTS; k++)
      {
        gsize s = i * MSIM_N_LAYOUTS + k;

        if ((only_case >= 0 && (int) i != only_case) || (only_layout >= 0 && k != only_layout))
          continue;
        have[s] = msim_scene_make (&scenes[s], cases, i, k);
        if (have[s])
          {
            n_scenes++;
            n_objects += scenes[s].n;
          }
        else if (verbose)
          printf ("  %-36s %-8s no room for the scene\n",
                  ((SimCase *) cases->pdata[i])->name, msim_layout_name (k));
      }

  printf ("Label maps on %d simulated multi-object edits (%d objects) of eval-public: per-object "
          "mean IoU, tuning half | held-out half\n", n_scenes, n_objects);
  printf ("%-30s %17s %17s %8s %17s %17s %10s\n", "level", "paintmask", "naive*", "t*",
          "confused %", "naive* conf. %", "unassigned %");

  for (int l = 0; l < (int) G_N_ELEMENTS (levels); l++)
    {
      MsimScore ours[2] = { { 0, } }, naive[2][N_THRESHOLDS];
      double best[2] = { 0, };
      int best_t[2] = { 0, };
      gint64 t0 = g_get_monotonic_time ();

      if (only >= 0 && l != only)
        continue;
      memset (naive, 0, sizeof naive);
      for (guint i = 0; i < cases->len; i++)
        for (int k = 0; k < MSIM_N_LAYOUTS; k++)
          {
            gsize si = i * MSIM_N_LAYOUTS + k;
            const SimCase *c = cases->pdata[i];
            const MsimScene *s = &scenes[si];
            g_autoptr(PmImage) edited = NULL;
            g_autoptr(PmDeriveMulti) multi = NULL;
            MsimNaive nv = { 0 };
            MsimScore one = { 0 };
            GError *error = NULL;

            if (!have[si])
              continue;
            edited = msim_edit (c, s, levels[l].flags, levels[l].jpeg_quality, 1000 + i * 3 + k);
            multi = pm_mask_derive_multi (c->image, edited, s->color, s->n, NULL, &error);
            g_assert_no_error (error);
            msim_score (&one, s, multi->labels, multi->unassigned);
            ours[c->held_out].iou_sum += one.iou_sum;
            ours[c->held_out].objects += one.objects;
            ours[c->held_out].truth_pixels += one.truth_pixels;
            ours[c->held_out].confused += one.confused;
            ours[c->held_out].unassigned += one.unassigned;

            msim_naive_prepare (&nv, c->image, edited, s);
            for (int t = 0; t < N_THRESHOLDS; t++)
              {
                g_autoptr(PmLabels) nl = msim_naive_labels (&nv, (t + 1) / 100.0f);
                msim_score (&naive[c->held_out][t], s, nl, NULL);
              }
            msim_naive_clear (&nv);
            if (verbose)
              printf ("  %-36s %-8s %u objects  IoU %.4f  confused %.2f %%  unassigned %.2f %%\n",
                      c->name, msim_layout_name (k), s->n, one.iou_sum / one.objects,
                      100.0 * one.confused / MAX (one.truth_pixels, 1),
                      100.0 * one.unassigned / MAX (one.truth_pixels, 1));
            if (dump != NULL)
              dump_scene (dump, l, i, k, s, edited, multi->labels);
          }
      for (int h = 0; h < 2; h++)
        for (int t = 0; t < N_THRESHOLDS; t++)
          {
            double v = naive[h][t].iou_sum / MAX (naive[h][t].objects, 1);
            if (v > best[h])
              {
                best[h] = v;
                best_t[h] = t;
              }
          }
      printf ("%-30s %8.4f %8.4f %8.4f %8.4f %4.2f %4.2f %8.3f %8.3f %8.3f %8.3f %5.2f %5.2f"
              "  (%.1f s)\n", levels[l].name,
              ours[0].iou_sum / MAX (ours[0].objects, 1),
              ours[1].iou_sum / MAX (ours[1].objects, 1), best[0], best[1],
              (best_t[0] + 1) / 100.0, (best_t[1] + 1) / 100.0,
              100.0 * ours[0].confused / MAX (ours[0].truth_pixels, 1),
              100.0 * ours[1].confused / MAX (ours[1].truth_pixels, 1),
              100.0 * naive[0][best_t[0]].confused / MAX (naive[0][best_t[0]].truth_pixels, 1),
              100.0 * naive[1][best_t[1]].confused / MAX (naive[1][best_t[1]].truth_pixels, 1),
              100.0 * ours[0].unassigned / MAX (ours[0].truth_pixels, 1),
              100.0 * ours[1].unassigned / MAX (ours[1].truth_pixels, 1),
              (g_get_monotonic_time () - t0) / 1e6);
    }
  printf ("naive*: OKLab distance > t, nearest colour in a/b, at the threshold t* with the best "
          "mean IoU for that level and half\n");
  for (gsize s = 0; s < cases->len * MSIM_N_LAYOUTS; s++)
    msim_scene_clear (&scenes[s]);
  g_free (scenes);
  g_free (have);
  return 0;
}
