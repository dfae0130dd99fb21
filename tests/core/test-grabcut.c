/* test-grabcut.c: Boykov–Kolmogorov max-flow against brute force, and GrabCut on
 * synthetic images (box and trimap initialisation, downscaled runs, degenerate input,
 * cancellation) and on a real photo enlarged past max_side, where 1 and 2 threads must
 * give the same masks byte for byte.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-grabcut.h"
#include "pm-metrics.h"
#include "pm-maskio.h"
#include "pm-maxflow-private.h"
#include "pm-parallel.h"
#include "pm-test-util.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- max-flow */

static void
test_maxflow_known (void)
{
  /* The textbook network (CLRS figure 26.1) with s → v1 (16), s → v2 (13) as terminal
   * links and v3 → t (20), v4 → t (4): max flow 23. */
  g_autoptr(PmMaxflow) g = pm_maxflow_new (4, 8);
  double flow;

  pm_maxflow_add_tweights (g, 0, 16, 0);
  pm_maxflow_add_tweights (g, 1, 13, 0);
  pm_maxflow_add_tweights (g, 2, 0, 20);
  pm_maxflow_add_tweights (g, 3, 0, 4);
  pm_maxflow_add_edge (g, 0, 2, 12, 0);   /* v1 → v3 */
  pm_maxflow_add_edge (g, 1, 0, 4, 0);    /* v2 → v1 */
  pm_maxflow_add_edge (g, 2, 1, 9, 0);    /* v3 → v2 */
  pm_maxflow_add_edge (g, 1, 3, 14, 0);   /* v2 → v4 */
  pm_maxflow_add_edge (g, 3, 2, 7, 0);    /* v4 → v3 */
  flow = pm_maxflow_run (g);
  g_assert_cmpfloat_with_epsilon (flow, 23.0, 1e-9);
  /* The minimum cut {s, v1, v2, v4} | {v3, t}. */
  g_assert_true (pm_maxflow_is_source_side (g, 0));
  g_assert_true (pm_maxflow_is_source_side (g, 1));
  g_assert_false (pm_maxflow_is_source_side (g, 2));
  g_assert_true (pm_maxflow_is_source_side (g, 3));
}

static void
test_maxflow_terminal_only (void)
{
  g_autoptr(PmMaxflow) g = pm_maxflow_new (2, 0);

  pm_maxflow_add_tweights (g, 0, 5, 3);   /* 3 flows straight through */
  pm_maxflow_add_tweights (g, 0, 1, 0);   /* accumulates */
  pm_maxflow_add_tweights (g, 1, 2, 7);
  g_assert_cmpfloat_with_epsilon (pm_maxflow_run (g), 3.0 + 2.0, 1e-9);
  g_assert_true (pm_maxflow_is_source_side (g, 0));
  g_assert_false (pm_maxflow_is_source_side (g, 1));
}

typedef struct {
  int    i, j;
  double cap, rev;
} Edge;

static void
test_maxflow_brute_force (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261126);

  for (int trial = 0; trial < 400; trial++)
    {
      int n = g_rand_int_range (rand, 1, 9);
      int m = n > 1 ? g_rand_int_range (rand, 0, 3 * n) : 0;
      double src[8], snk[8], flow, best = HUGE_VAL, found = 0;
      Edge edges[24];
      g_autoptr(PmMaxflow) g = pm_maxflow_new (n, m);

      for (int v = 0; v < n; v++)
        {
          src[v] = g_rand_int_range (rand, 0, 3) ? g_rand_int_range (rand, 0, 10) : 0;
          snk[v] = g_rand_int_range (rand, 0, 3) ? g_rand_int_range (rand, 0, 10) : 0;
          pm_maxflow_add_tweights (g, v, src[v], snk[v]);
        }
      for (int e = 0; e < m; e++)
        {
          edges[e].i = g_rand_int_range (rand, 0, n);
          do
            edges[e].j = g_rand_int_range (rand, 0, n);
          while (edges[e].j == edges[e].i);
          edges[e].cap = g_rand_int_range (rand, 0, 10);
          edges[e].rev = g_rand_int_range (rand, 0, 2) ? g_rand_int_range (rand, 0, 10) : 0;
          pm_maxflow_add_edge (g, edges[e].i, edges[e].j, edges[e].cap, edges[e].rev);
        }
      flow = pm_maxflow_run (g);

      /* Every subset S of nodes on the source side. */
      for (int s = 0; s < (1 << n); s++)
        {
          double cut = 0;
          for (int v = 0; v < n; v++)
            cut += (s & (1 << v)) ? snk[v] : src[v];
          for (int e = 0; e < m; e++)
            {
              gboolean si = (s >> edges[e].i) & 1, sj = (s >> edges[e].j) & 1;
              if (si && !sj)
                cut += edges[e].cap;
              if (sj && !si)
                cut += edges[e].rev;
            }
          best = MIN (best, cut);
        }
      g_assert_cmpfloat_with_epsilon (flow, best, 1e-9);

      /* The reported partition is a minimum cut. */
      for (int v = 0; v < n; v++)
        found += pm_maxflow_is_source_side (g, v) ? snk[v] : src[v];
      for (int e = 0; e < m; e++)
        {
          gboolean si = pm_maxflow_is_source_side (g, edges[e].i);
          gboolean sj = pm_maxflow_is_source_side (g, edges[e].j);
          if (si && !sj)
            found += edges[e].cap;
          if (sj && !si)
            found += edges[e].rev;
        }
      g_assert_cmpfloat_with_epsilon (found, best, 1e-9);
    }
}

/* Random capacities on a fixed random graph of @n nodes (the same @seed, the same graph). */
static void
fill_random_graph (PmMaxflow *g,
                   int        n,
                   guint32    seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  for (int v = 0; v < n; v++)
    pm_maxflow_add_tweights (g, v, g_rand_int_range (rand, 0, 3) ? g_rand_double (rand) * 9 : 0,
                             g_rand_int_range (rand, 0, 3) ? g_rand_double (rand) * 9 : 0);
  for (int e = 0; e < 4 * n; e++)
    {
      int i = g_rand_int_range (rand, 0, n), j = g_rand_int_range (rand, 0, n - 1);

      pm_maxflow_add_edge (g, i, j >= i ? j + 1 : j, g_rand_double (rand) * 3,
                           g_rand_double (rand) * 3);
    }
}

static void
test_maxflow_reset (void)
{
  /* A graph reset and filled again gives what a new graph gives, exactly. */
  const int n = 300;
  g_autoptr(PmMaxflow) reused = pm_maxflow_new (n, 16);

  for (guint32 trial = 0; trial < 8; trial++)
    {
      g_autoptr(PmMaxflow) fresh = pm_maxflow_new (n, 4 * n);
      double flow;

      if (trial > 0)
        pm_maxflow_reset (reused);
      fill_random_graph (reused, n, 100 + trial);
      fill_random_graph (fresh, n, 100 + trial);
      flow = pm_maxflow_run (reused);
      g_assert_cmpfloat (flow, >, 0);
      g_assert_cmpfloat (flow, ==, pm_maxflow_run (fresh));
      for (int v = 0; v < n; v++)
        g_assert_cmpint (pm_maxflow_is_source_side (reused, v), ==,
                         pm_maxflow_is_source_side (fresh, v));
    }
}

static void
test_maxflow_grid (void)
{
  /* A 60 × 60 grid: left column tied to the source, right column to the sink, unit
   * horizontal and vertical links: the min cut is one column of 60 horizontal links. */
  int w = 60, h = 60;
  g_autoptr(PmMaxflow) g = pm_maxflow_new (w * h, 2 * w * h);

  for (int y = 0; y < h; y++)
    {
      pm_maxflow_add_tweights (g, y * w, 1000, 0);
      pm_maxflow_add_tweights (g, y * w + w - 1, 0, 1000);
      for (int x = 0; x < w; x++)
        {
          if (x + 1 < w)
            pm_maxflow_add_edge (g, y * w + x, y * w + x + 1, x == 37 ? 0.5 : 1.0, 1.0);
          if (y + 1 < h)
            pm_maxflow_add_edge (g, y * w + x, (y + 1) * w + x, 1.0, 1.0);
        }
    }
  g_assert_cmpfloat_with_epsilon (pm_maxflow_run (g), 30.0, 1e-9);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      g_assert_cmpint (pm_maxflow_is_source_side (g, y * w + x), ==, x <= 37);
}

/* ---------------------------------------------------------------- synthetic images */

/* A disk of (190, 50, 40) ± noise on a background of blue-green stripes and checks
 * ± noise. The disk has centre (cx, cy) and radius r, all in units of the image size. */
static PmImage *
disk_image (int       w,
            int       h,
            double    cx,
            double    cy,
            double    r,
            guint32   seed,
            PmMask  **truth)
{
  PmImage *img = pm_image_new (w, h);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  double s = MIN (w, h);

  if (truth != NULL)
    *truth = pm_mask_new (w, h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *p = img->data + ((gsize) y * w + x) * 4;
        double dx = (x + 0.5) - cx * w, dy = (y + 0.5) - cy * h;
        gboolean in = dx * dx + dy * dy <= (r * s) * (r * s);
        int base[3];
        int cell = ((int) (x * 12.0 / s) + (int) (y * 12.0 / s)) & 1;
        int stripe = (int) ((x + 2 * y) * 20.0 / s) % 3;

        if (in)
          {
            base[0] = 190; base[1] = 60; base[2] = 50;
          }
        else if (stripe == 0)
          {
            /* A brownish stripe, not far from the disk's red. */
            base[0] = 130; base[1] = 85; base[2] = 60;
          }
        else
          {
            base[0] = 40 + 40 * stripe;
            base[1] = cell ? 140 : 100;
            base[2] = cell ? 90 : 170;
          }
        for (int c = 0; c < 3; c++)
          {
            /* Triangular noise, ±36. */
            int noise = g_rand_int_range (rand, -18, 19) + g_rand_int_range (rand, -18, 19);
            p[c] = (guint8) CLAMP (base[c] + noise, 0, 255);
          }
        p[3] = 255;
        if (truth != NULL)
          (*truth)->data[(gsize) y * w + x] = in ? 1.0f : 0.0f;
      }
  return img;
}

static double
iou (const PmMask *a,
     const PmMask *b)
{
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  return pm_mask_iou (a, b, NULL, NULL);
}

static void
assert_binary (const PmMask *m)
{
  for (gsize i = 0; i < (gsize) m->width * m->height; i++)
    g_assert_true (m->data[i] == 0.0f || m->data[i] == 1.0f);
}

static void
test_grabcut_box (void)
{
  g_autoptr(PmMask) truth = NULL;
  g_autoptr(PmImage) img = disk_image (160, 120, 0.45, 0.55, 0.25, 1, &truth);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmMask) mask = NULL;
  double r = 0.25 * 120, score;

  /* Box with a margin of 12 px around the disk. */
  mask = pm_grabcut_rect (img, (int) (0.45 * 160 - r - 12), (int) (0.55 * 120 - r - 12),
                          (int) (2 * r + 24), (int) (2 * r + 24), NULL, NULL, &error);
  g_assert_no_error (error);
  assert_binary (mask);
  score = iou (mask, truth);
  g_test_message ("box IoU %.4f", score);
  g_assert_cmpfloat (score, >, 0.95);
}

typedef struct {
  GPtrArray *stages;
  GCancellable *cancel_at_2;
} ProgressLog;

static void
log_progress (const char *stage,
              double      fraction,
              gpointer    user_data)
{
  ProgressLog *log = user_data;

  g_assert_cmpfloat (fraction, >=, 0.0);
  g_assert_cmpfloat (fraction, <=, 1.0);
  g_ptr_array_add (log->stages, g_strdup (stage));
  if (log->cancel_at_2 != NULL && g_str_equal (stage, "grabcut 2/4"))
    g_cancellable_cancel (log->cancel_at_2);
}

static void
test_grabcut_downscaled (void)
{
  /* 900 × 640 worked on at 300 px and refined at full resolution. */
  g_autoptr(PmMask) truth = NULL;
  g_autoptr(PmImage) img = disk_image (900, 640, 0.6, 0.45, 0.3, 2, &truth);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmMask) mask = NULL;
  g_autoptr(GPtrArray) stages = g_ptr_array_new_with_free_func (g_free);
  ProgressLog log = { stages, NULL };
  PmGrabcutParams params;
  double r = 0.3 * 640, score;

  pm_grabcut_params_init (&params);
  params.max_side = 300;
  params.progress = log_progress;
  params.progress_data = &log;
  mask = pm_grabcut_rect (img, (int) (0.6 * 900 - r - 40), (int) (0.45 * 640 - r - 40),
                          (int) (2 * r + 80), (int) (2 * r + 80), &params, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (mask->width, ==, 900);
  g_assert_cmpint (mask->height, ==, 640);
  assert_binary (mask);
  score = iou (mask, truth);
  g_test_message ("downscaled IoU %.4f", score);
  g_assert_cmpfloat (score, >, 0.95);
  g_assert_cmpuint (stages->len, >=, 3);
  g_assert_cmpstr (g_ptr_array_index (stages, 0), ==, "grabcut 1/4");
  g_assert_true (g_ptr_array_find_with_equal_func (stages, "refining edges", g_str_equal, NULL));
}

static void
test_grabcut_odd_sizes (void)
{
  /* Scale factors that do not divide the size; a tall image; max_side 0 (full size). */
  const int sizes[][3] = { { 517, 263, 200 }, { 141, 409, 97 }, { 150, 120, 0 } };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int w = sizes[s][0], h = sizes[s][1], r = MIN (w, h) / 4;
      g_autoptr(PmMask) truth = NULL;
      g_autoptr(PmImage) img = disk_image (w, h, 0.5, 0.5, 0.25, 10 + s, &truth);
      g_autoptr(GError) error = NULL;
      g_autoptr(PmMask) mask = NULL;
      PmGrabcutParams params;

      pm_grabcut_params_init (&params);
      params.max_side = sizes[s][2];
      mask = pm_grabcut_rect (img, w / 2 - r - r / 2, h / 2 - r - r / 2, 3 * r, 3 * r, &params,
                              NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (mask->width, ==, w);
      g_assert_cmpint (mask->height, ==, h);
      assert_binary (mask);
      g_test_message ("%d×%d at max_side %d: IoU %.4f", w, h, sizes[s][2], iou (mask, truth));
      g_assert_cmpfloat (iou (mask, truth), >, 0.95);
    }
}

static void
test_grabcut_trimap_scribbles (void)
{
  /* Two disks of the same colour; the trimap marks a sure-FG scribble on the left one and
   * the right one as sure background, the rest probably background. */
  int w = 200, h = 100;
  g_autoptr(PmMask) left = NULL;
  g_autoptr(PmImage) img = disk_image (w, h, 0.27, 0.5, 0.3, 3, &left);
  g_autofree guint8 *trimap = g_new (guint8, w * h);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmMask) mask = NULL;
  double score;

  /* Paint a second disk of the disk colour on the right. */
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        double dx = x + 0.5 - 150, dy = y + 0.5 - 50;
        if (dx * dx + dy * dy <= 28 * 28)
          memcpy (img->data + (y * w + x) * 4, img->data + (50 * w + 54) * 4, 3);
      }
  memset (trimap, PM_TRIMAP_PROBABLY_BG, w * h);
  for (int x = 44; x < 66; x++)      /* the scribble: a line through the left disk */
    trimap[50 * w + x] = PM_TRIMAP_FG;
  for (int y = 40; y < 60; y++)
    trimap[y * w + 150] = PM_TRIMAP_BG;
  trimap[5 * w + 5] = PM_TRIMAP_FG;  /* a sure-FG pixel on the background stays FG */

  mask = pm_grabcut_trimap (img, trimap, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_binary (mask);
  g_assert_cmpfloat (mask->data[5 * w + 5], ==, 1.0f);
  mask->data[5 * w + 5] = 0;
  score = iou (mask, left);
  g_test_message ("scribble IoU %.4f", score);
  g_assert_cmpfloat (score, >, 0.9);
  /* Sure labels kept, probable ones replaced by the result. */
  g_assert_cmpint (trimap[50 * w + 50], ==, PM_TRIMAP_FG);
  g_assert_cmpint (trimap[50 * w + 150], ==, PM_TRIMAP_BG);
  for (int i = 0; i < w * h; i++)
    if (trimap[i] == PM_TRIMAP_PROBABLY_FG)
      g_assert_cmpfloat (mask->data[i], ==, 1.0f);
    else if (trimap[i] == PM_TRIMAP_PROBABLY_BG)
      g_assert_cmpfloat (mask->data[i], ==, 0.0f);
}

static void
test_grabcut_degenerate (void)
{
  g_autoptr(PmImage) one = pm_image_new (1, 1);
  g_autoptr(PmMask) truth = NULL;
  g_autoptr(PmImage) img = disk_image (96, 80, 0.5, 0.5, 0.3, 4, &truth);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmMask) mask = NULL;
  guint8 tri[1] = { PM_TRIMAP_PROBABLY_FG };
  g_autofree guint8 *all_bg = NULL;

  /* 1 × 1, box covering it: nothing says background, so it stays foreground. */
  one->data[0] = 10; one->data[1] = 200; one->data[2] = 30; one->data[3] = 255;
  mask = pm_grabcut_rect (one, 0, 0, 1, 1, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (mask->width, ==, 1);
  g_assert_cmpfloat (mask->data[0], ==, 1.0f);
  g_clear_pointer (&mask, pm_mask_free);
  mask = pm_grabcut_trimap (one, tri, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (mask->data[0], ==, 1.0f);
  g_clear_pointer (&mask, pm_mask_free);

  /* A box covering the whole image: the border stands in for the background. */
  mask = pm_grabcut_rect (img, -5, -5, 200, 200, NULL, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("whole-image box IoU %.4f", iou (mask, truth));
  g_assert_cmpfloat (iou (mask, truth), >, 0.8);
  g_clear_pointer (&mask, pm_mask_free);

  /* Empty boxes and boxes outside the image are errors. */
  mask = pm_grabcut_rect (img, 10, 10, 0, 20, NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (mask);
  g_clear_error (&error);
  mask = pm_grabcut_rect (img, 10, 10, 20, -3, NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  mask = pm_grabcut_rect (img, 500, 10, 20, 20, NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  mask = pm_grabcut_rect (img, G_MAXINT - 5, G_MAXINT - 5, G_MAXINT, G_MAXINT, NULL, NULL,
                          &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Not a trimap label. */
  tri[0] = 7;
  mask = pm_grabcut_trimap (one, tri, NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (mask);
  g_clear_error (&error);

  /* No foreground at all: an empty mask. */
  all_bg = g_new (guint8, 96 * 80);
  memset (all_bg, PM_TRIMAP_PROBABLY_BG, 96 * 80);
  all_bg[0] = PM_TRIMAP_BG;
  mask = pm_grabcut_trimap (img, all_bg, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_mask_count (mask), ==, 0);
}

static void
test_grabcut_cancel (void)
{
  g_autoptr(PmImage) img = disk_image (120, 90, 0.5, 0.5, 0.3, 5, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmMask) mask = NULL;
  g_autoptr(GPtrArray) stages = g_ptr_array_new_with_free_func (g_free);
  ProgressLog log = { stages, cancellable };
  PmGrabcutParams params;

  /* Cancelled during the second iteration: stops before the third. */
  pm_grabcut_params_init (&params);
  params.progress = log_progress;
  params.progress_data = &log;
  mask = pm_grabcut_rect (img, 20, 10, 80, 70, &params, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (mask);
  g_assert_cmpuint (stages->len, ==, 2);
  g_clear_error (&error);

  /* Already cancelled. */
  mask = pm_grabcut_rect (img, 20, 10, 80, 70, NULL, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (mask);
}

/* Measured IoU with the cat (1000×672): box 0.8812, trimap 0.8815 (the same before the
 * per-pixel loops ran in parallel). */
#define BOX_MIN_IOU 0.87
#define TRIMAP_MIN_IOU 0.87

#define PHOTO "data/eval-public/coco_000000094336.jpg"
#define TRUTH "data/eval-public/coco_000000094336_cat.png"

typedef struct {
  PmMask *box, *trimap_mask, *whole;
  guint8 *trimap;
} PhotoRun;

static void
photo_run_clear (PhotoRun *r)
{
  g_clear_pointer (&r->box, pm_mask_free);
  g_clear_pointer (&r->trimap_mask, pm_mask_free);
  g_clear_pointer (&r->whole, pm_mask_free);
  g_clear_pointer (&r->trimap, g_free);
}

static void
assert_same_mask (const PmMask *a,
                  const PmMask *b)
{
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  g_assert_cmpmem (a->data, (gsize) a->width * a->height * sizeof (float),
                   b->data, (gsize) b->width * b->height * sizeof (float));
}

static void
test_grabcut_photo_threads (void)
{
  g_autofree char *photo_path = pm_test_shared_path (PHOTO);
  g_autofree char *truth_path = pm_test_shared_path (TRUTH);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmImage) photo = pm_image_load (photo_path, 0, &error);
  g_autoptr(PmMask) truth0 = NULL;
  g_autoptr(PmImage) img = NULL;
  g_autoptr(PmMask) truth = NULL;
  g_autofree guint8 *trimap0 = NULL;
  PhotoRun runs[2] = { { 0 } };
  int w, h, x0, y0, x1, y1, mx, my;

  g_assert_no_error (error);
  truth0 = pm_mask_load_labels (truth_path, NULL, &error);
  g_assert_no_error (error);
  /* Twice the size: past max_side (640), so the downscaled graph and the full-resolution
   * edge band both run, and the full-resolution loops have many row bands. */
  w = 2 * photo->width;
  h = 2 * photo->height;
  img = pm_image_resize (photo, w, h);
  truth = pm_mask_new (w, h);
  x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (truth0->data[(gsize) (y / 2) * truth0->width + x / 2] >= 0.5f)
        {
          truth->data[(gsize) y * w + x] = 1.0f;
          x0 = MIN (x0, x);
          x1 = MAX (x1, x);
          y0 = MIN (y0, y);
          y1 = MAX (y1, y);
        }
  g_assert_cmpint (x1, >, x0);
  mx = (x1 - x0) / 10;
  my = (y1 - y0) / 10;
  x0 = MAX (x0 - mx, 0), x1 = MIN (x1 + mx, w - 1);
  y0 = MAX (y0 - my, 0), y1 = MIN (y1 + my, h - 1);

  /* A trimap: the box probably foreground, a sure-foreground patch inside the object, a
   * sure-background scribble along the top of the box where the object is not. */
  trimap0 = g_malloc0 ((gsize) w * h);
  for (int y = y0; y <= y1; y++)
    memset (trimap0 + (gsize) y * w + x0, PM_TRIMAP_PROBABLY_FG, x1 - x0 + 1);
  for (int y = y0 + 2 * (y1 - y0) / 5; y < y0 + 3 * (y1 - y0) / 5; y++)
    for (int x = x0 + 2 * (x1 - x0) / 5; x < x0 + 3 * (x1 - x0) / 5; x++)
      if (truth->data[(gsize) y * w + x] >= 0.5f)
        trimap0[(gsize) y * w + x] = PM_TRIMAP_FG;
  for (int y = y0 + 1; y < y0 + 5; y++)
    for (int x = x0; x <= x1; x++)
      if (truth->data[(gsize) y * w + x] < 0.5f)
        trimap0[(gsize) y * w + x] = PM_TRIMAP_BG;

  for (int t = 0; t < 2; t++)
    {
      PhotoRun *r = &runs[t];

      pm_parallel_set_threads (t + 1);
      r->box = pm_grabcut_rect (img, x0, y0, x1 - x0 + 1, y1 - y0 + 1, NULL, NULL, &error);
      g_assert_no_error (error);
      r->trimap = g_memdup2 (trimap0, (gsize) w * h);
      r->trimap_mask = pm_grabcut_trimap (img, r->trimap, NULL, NULL, &error);
      g_assert_no_error (error);
      /* No background label: the border seeds the background model. */
      r->whole = pm_grabcut_rect (img, 0, 0, w, h, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  pm_parallel_set_threads (0);

  g_test_message ("%d×%d: IoU with the cat, box %.4f, trimap %.4f; whole-image box %" G_GINT64_FORMAT
                  " px", w, h, iou (runs[0].box, truth), iou (runs[0].trimap_mask, truth),
                  pm_mask_count (runs[0].whole));
  for (int t = 1; t < 2; t++)
    {
      assert_same_mask (runs[0].box, runs[t].box);
      assert_same_mask (runs[0].trimap_mask, runs[t].trimap_mask);
      assert_same_mask (runs[0].whole, runs[t].whole);
      g_assert_cmpmem (runs[0].trimap, (gsize) w * h, runs[t].trimap, (gsize) w * h);
    }
  assert_binary (runs[0].box);
  g_assert_cmpfloat (iou (runs[0].box, truth), >, BOX_MIN_IOU);
  g_assert_cmpfloat (iou (runs[0].trimap_mask, truth), >, TRIMAP_MIN_IOU);
  /* The whole-image box must still find something and leave something out. */
  g_assert_cmpint (pm_mask_count (runs[0].whole), >, 0);
  g_assert_cmpint (pm_mask_count (runs[0].whole), <, (gint64) w * h);
  for (int t = 0; t < 2; t++)
    photo_run_clear (&runs[t]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/grabcut/maxflow-known", test_maxflow_known);
  g_test_add_func ("/core/grabcut/maxflow-terminal-only", test_maxflow_terminal_only);
  g_test_add_func ("/core/grabcut/maxflow-brute-force", test_maxflow_brute_force);
  g_test_add_func ("/core/grabcut/maxflow-grid", test_maxflow_grid);
  g_test_add_func ("/core/grabcut/maxflow-reset", test_maxflow_reset);
  g_test_add_func ("/core/grabcut/box", test_grabcut_box);
  g_test_add_func ("/core/grabcut/downscaled", test_grabcut_downscaled);
  g_test_add_func ("/core/grabcut/odd-sizes", test_grabcut_odd_sizes);
  g_test_add_func ("/core/grabcut/trimap-scribbles", test_grabcut_trimap_scribbles);
  g_test_add_func ("/core/grabcut/degenerate", test_grabcut_degenerate);
  g_test_add_func ("/core/grabcut/cancel", test_grabcut_cancel);
  pm_test_add_shared_func ("/core/grabcut/photo-threads", PHOTO, test_grabcut_photo_threads);
  return g_test_run ();
}
