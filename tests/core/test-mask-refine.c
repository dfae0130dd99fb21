/* test-mask-refine.c: GrabCut box and click corrections (src/core/pm-mask-refine.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "pm-mask-ops.h"
#include "pm-maskio.h"
#include "pm-mask-paint.h"
#include "pm-mask-refine.h"
#include "pm-metrics.h"
#include "pm-morph.h"
#include "pm-test-util.h"

/* A red disk (the object) on a noisy background of green and blue cells. */
static PmImage *
scene (int      w,
       int      h,
       double   cx,
       double   cy,
       double   r,
       guint32  seed,
       PmMask **truth)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  PmImage *img = pm_image_new (w, h);

  *truth = pm_mask_new (w, h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *p = img->data + ((gsize) y * w + x) * 4;
        gboolean in = hypot (x + 0.5 - cx, y + 0.5 - cy) <= r;
        int base[3];
        int cell = ((x / 23) + (y / 17)) % 2;

        if (in)
          base[0] = 200, base[1] = 60, base[2] = 50;
        else if (cell)
          base[0] = 60, base[1] = 150, base[2] = 90;
        else
          base[0] = 70, base[1] = 100, base[2] = 170;
        for (int c = 0; c < 3; c++)
          p[c] = (guint8) CLAMP (base[c] + g_rand_int_range (rand, -25, 26), 0, 255);
        p[3] = 255;
        (*truth)->data[(gsize) y * w + x] = in ? 1.0f : 0.0f;
      }
  return img;
}

static double
iou (const PmMask *a,
     const PmMask *b)
{
  return pm_mask_iou (a, b, NULL, NULL);
}

/* Whether @a and @b agree bit for bit outside @r. */
static gboolean
same_outside (const PmMask *a,
              const PmMask *b,
              const PmRect *r)
{
  for (int y = 0; y < a->height; y++)
    for (int x = 0; x < a->width; x++)
      {
        gboolean inside = x >= r->x && x < r->x + r->width && y >= r->y && y < r->y + r->height;
        if (!inside && a->data[y * a->width + x] != b->data[y * b->width + x])
          return FALSE;
      }
  return TRUE;
}

static void
test_box_raises_iou (void)
{
  g_autoptr(PmMask) truth = NULL;
  g_autoptr(PmImage) img = scene (240, 180, 110, 90, 50, 1, &truth);
  g_autoptr(PmMask) sloppy = pm_mask_new (240, 180);
  g_autoptr(PmMask) refined = NULL;
  g_autoptr(GError) error = NULL;
  PmRect box = { 50, 30, 122, 122 }, dirty;
  PmBrush brush;
  double before, after;

  /* What a hurried engine gives: the disk shifted and swollen, and a speck far away. */
  memcpy (sloppy->data, truth->data, sizeof (float) * 240 * 180);
  pm_morph_dilate (sloppy, 7);
  pm_brush_init (&brush, 3);
  pm_mask_paint_segment (sloppy, &brush, 220, 20, 225, 20, NULL);
  for (int y = 0; y < 180; y++)     /* shift 6 px right */
    {
      float *row = sloppy->data + y * 240;
      /* A loop, not memmove: GCC 12 at -O2 with ASan misreads the row's bounds
       * (-Warray-bounds) and the sanitizer build has warnings as errors. */
      for (int x = 205; x >= 6; x--)
        row[x] = row[x - 6];
      for (int x = 0; x < 6; x++)
        row[x] = 0.0f;
    }
  before = iou (sloppy, truth);
  refined = pm_mask_refine_box (img, sloppy, &box, NULL, &dirty, NULL, &error);
  g_assert_no_error (error);
  after = iou (refined, truth);
  g_test_message ("box refine IoU %.4f -> %.4f", before, after);
  g_assert_cmpfloat (before, <, 0.8);
  g_assert_cmpfloat (after, >, 0.97);
  /* Outside the box nothing changed (the speck survives). */
  g_assert_true (same_outside (refined, sloppy, &box));
  g_assert_cmpfloat (refined->data[20 * 240 + 222], ==, 1.0f);
  g_assert_cmpint (dirty.x, ==, box.x);
  g_assert_cmpint (dirty.width, ==, box.width);

  /* The same through the mask operation the CLI uses. */
  {
    PmMaskOp op = { PM_MASK_OP_GRABCUT_BOX, 0, box };
    g_autoptr(PmMask) m = pm_mask_copy (sloppy);

    g_assert_true (pm_mask_op_apply (m, &op, img, NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (m->data, sizeof (float) * 240 * 180, refined->data,
                     sizeof (float) * 240 * 180);
  }
}

static void
test_box_from_empty (void)
{
  /* With no mask inside, the box alone starts GrabCut. A box that sticks out of the
   * photo is clipped. */
  g_autoptr(PmMask) truth = NULL;
  g_autoptr(PmImage) img = scene (200, 150, 150, 80, 45, 2, &truth);
  g_autoptr(PmMask) empty = pm_mask_new (200, 150);
  g_autoptr(PmMask) refined = NULL;
  g_autoptr(GError) error = NULL;
  PmRect box = { 95, 25, 200, 112 }, dirty;

  refined = pm_mask_refine_box (img, empty, &box, NULL, &dirty, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("box from nothing IoU %.4f", iou (refined, truth));
  g_assert_cmpfloat (iou (refined, truth), >, 0.95);
  g_assert_cmpint (dirty.x + dirty.width, ==, 200);
}

static void
test_clicks_background (void)
{
  /* The mask spilled onto the background; one background click there takes it back. */
  g_autoptr(PmMask) truth = NULL;
  g_autoptr(PmImage) img = scene (240, 180, 100, 90, 45, 3, &truth);
  g_autoptr(PmMask) spilled = pm_mask_copy (truth);
  g_autoptr(PmMask) refined = NULL;
  g_autoptr(GError) error = NULL;
  const PmPoint spill[] = { { 130, 60 }, { 200, 60 }, { 200, 120 }, { 130, 120 } };
  PmClick clicks[] = { { 180.5, 90.5, FALSE } };
  PmRect dirty;
  double before, after;

  pm_mask_fill_polygon (spilled, spill, 4, PM_FILL_NONZERO, 1.0f, NULL);
  before = iou (spilled, truth);
  refined = pm_mask_refine_clicks (img, spilled, clicks, 1, NULL, &dirty, NULL, &error);
  g_assert_no_error (error);
  after = iou (refined, truth);
  g_test_message ("background click IoU %.4f -> %.4f", before, after);
  g_assert_cmpfloat (before, <, 0.8);
  g_assert_cmpfloat (after, >, 0.97);
  g_assert_true (same_outside (refined, spilled, &dirty));

  /* A hand correction far from the click (a speck painted on the background) survives it. */
  {
    g_autoptr(PmMask) painted = pm_mask_copy (truth);
    g_autoptr(PmMask) again = NULL;
    PmBrush brush;

    pm_brush_init (&brush, 4);
    pm_mask_paint_segment (painted, &brush, 10, 170, 20, 170, NULL);
    pm_mask_fill_polygon (painted, spill, 4, PM_FILL_NONZERO, 1.0f, NULL);
    again = pm_mask_refine_clicks (img, painted, clicks, 1, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpfloat (again->data[170 * 240 + 15], ==, 1.0f);
    g_assert_cmpfloat (again->data[90 * 240 + 180], ==, 0.0f);
  }
}

/* On a photo (the cat in the sink, COCO 94336, with its COCO mask): a foreground click on
 * the cat makes GrabCut take the dark inside of the sink too; a background click on the
 * sink must take it out again, not just the few pixels under the click, with the
 * foreground click or after it. */
static void
test_clicks_background_region (void)
{
  g_autofree char *photo_path = pm_test_shared_path ("data/eval-public/coco_000000094336.jpg");
  g_autofree char *mask_path = pm_test_shared_path ("data/eval-public/coco_000000094336_cat.png");
  g_autoptr(PmImage) photo = NULL;
  g_autoptr(PmMask) truth = NULL;
  g_autoptr(PmMask) one = NULL;
  g_autoptr(PmMask) two = NULL;
  g_autoptr(GError) error = NULL;
  const PmClick clicks[] = { { 281.0, 201.0, TRUE }, { 139.2, 216.7, FALSE } };
  gint64 sink = 0;

  if (!pm_test_have_shared ("data/eval-public/coco_000000094336_cat.png"))
    return;
  photo = pm_image_load (photo_path, 0, &error);
  g_assert_no_error (error);
  truth = pm_mask_load_png (mask_path, &error);
  g_assert_no_error (error);
  one = pm_mask_refine_clicks (photo, truth, clicks, 1, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  two = pm_mask_refine_clicks (photo, truth, clicks, 2, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  /* The sink's inside, left of the cat: a box well inside it. */
  for (int y = 200; y < 235; y++)
    for (int x = 120; x < 150; x++)
      sink += one->data[y * 500 + x] > 0.5f;
  g_test_message ("one click IoU %.4f (sink box %" G_GINT64_FORMAT " px), two clicks %.4f",
                  iou (one, truth), sink, iou (two, truth));
  g_assert_cmpint (sink, >, 500);               /* what the background click is for */
  g_assert_cmpfloat (iou (one, truth), <, 0.9);
  g_assert_cmpfloat (iou (two, truth), >, 0.94);
  for (int y = 200; y < 235; y++)
    for (int x = 120; x < 150; x++)
      g_assert_cmpfloat (two->data[y * 500 + x], ==, 0.0f);

  /* The same from the mask with the sink in it (a new session of clicks): one background
   * click on the sink takes it out. */
  {
    g_autoptr(PmMask) again = pm_mask_refine_clicks (photo, one, clicks + 1, 1, NULL, NULL,
                                                     NULL, &error);

    g_assert_no_error (error);
    g_test_message ("background click on the mask with the sink: IoU %.4f",
                    iou (again, truth));
    g_assert_cmpfloat (iou (again, truth), >, 0.94);
    for (int y = 200; y < 235; y++)
      for (int x = 120; x < 150; x++)
        g_assert_cmpfloat (again->data[y * 500 + x], ==, 0.0f);
  }
}

static void
test_clicks_foreground (void)
{
  /* Nothing found yet: one foreground click on the object finds it. A bite out of a mask:
   * a foreground click in the bite fills it. */
  g_autoptr(PmMask) truth = NULL;
  g_autoptr(PmImage) img = scene (240, 180, 120, 80, 40, 4, &truth);
  g_autoptr(PmMask) empty = pm_mask_new (240, 180);
  g_autoptr(PmMask) bitten = pm_mask_copy (truth);
  g_autoptr(PmMask) found = NULL;
  g_autoptr(PmMask) mended = NULL;
  g_autoptr(GError) error = NULL;
  PmClick click = { 120, 80, TRUE };
  PmClick bite_click = { 150, 80, TRUE };
  PmClick outside = { -5, 900, TRUE };
  PmBrush eraser;
  double before;

  found = pm_mask_refine_clicks (img, empty, &click, 1, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("one click from nothing IoU %.4f", iou (found, truth));
  g_assert_cmpfloat (iou (found, truth), >, 0.95);

  pm_brush_init (&eraser, 14);
  eraser.erase = TRUE;
  pm_mask_paint_segment (bitten, &eraser, 150, 80, 165, 80, NULL);
  before = iou (bitten, truth);
  mended = pm_mask_refine_clicks (img, bitten, &bite_click, 1, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("bite IoU %.4f -> %.4f", before, iou (mended, truth));
  g_assert_cmpfloat (before, <, 0.9);
  g_assert_cmpfloat (iou (mended, truth), >, 0.97);

  /* Only a click outside the photo and no mask: nothing to do, a copy comes back. */
  {
    g_autoptr(PmMask) same = pm_mask_refine_clicks (img, empty, &outside, 1, NULL, NULL,
                                                    NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (pm_mask_count (same), ==, 0);
  }
}

static void
test_cancel_and_size (void)
{
  g_autoptr(PmMask) truth = NULL;
  g_autoptr(PmImage) img = scene (100, 80, 50, 40, 20, 5, &truth);
  g_autoptr(PmMask) wrong = pm_mask_new (80, 100);
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  PmRect box = { 20, 10, 60, 60 };
  PmClick click = { 50, 40, TRUE };
  GError *error = NULL;

  g_assert_null (pm_mask_refine_box (img, wrong, &box, NULL, NULL, NULL, &error));
  g_assert_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_SIZE);
  g_clear_error (&error);
  g_cancellable_cancel (cancel);
  g_assert_null (pm_mask_refine_box (img, truth, &box, NULL, NULL, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (pm_mask_refine_clicks (img, truth, &click, 1, NULL, NULL, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/mask-refine/box-raises-iou", test_box_raises_iou);
  g_test_add_func ("/core/mask-refine/box-from-empty", test_box_from_empty);
  g_test_add_func ("/core/mask-refine/clicks-background", test_clicks_background);
  g_test_add_func ("/core/mask-refine/clicks-background-region",
                   test_clicks_background_region);
  g_test_add_func ("/core/mask-refine/clicks-foreground", test_clicks_foreground);
  g_test_add_func ("/core/mask-refine/cancel-and-size", test_cancel_and_size);
  return g_test_run ();
}
