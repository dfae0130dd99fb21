/* test-mask-history.c: undo and redo of mask corrections (src/core/pm-mask-history.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "pm-mask-history.h"
#include "pm-mask-ops.h"
#include "pm-mask-paint.h"

#define W 333    /* not a multiple of the tile size */
#define H 211

static gboolean
same_bits (const PmMask *a,
           const PmMask *b)
{
  return a->width == b->width && a->height == b->height &&
         memcmp (a->data, b->data, sizeof (float) * a->width * a->height) == 0;
}

static PmRect
naive_diff (const PmMask *a,
            const PmMask *b)
{
  int x0 = G_MAXINT, y0 = G_MAXINT, x1 = -1, y1 = -1;

  for (int y = 0; y < a->height; y++)
    for (int x = 0; x < a->width; x++)
      if (memcmp (&a->data[y * a->width + x], &b->data[y * a->width + x], sizeof (float)))
        {
          x0 = MIN (x0, x);
          y0 = MIN (y0, y);
          x1 = MAX (x1, x);
          y1 = MAX (y1, y);
        }
  if (x1 < 0)
    return (PmRect) { 0, 0, 0, 0 };
  return (PmRect) { x0, y0, x1 - x0 + 1, y1 - y0 + 1 };
}

static void
assert_rect_eq (const PmRect *a,
                const PmRect *b)
{
  g_assert_cmpint (a->x, ==, b->x);
  g_assert_cmpint (a->y, ==, b->y);
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
}

/* A brush or eraser stroke through the history, the way the canvas paints. */
static gboolean
stroke (PmMaskHistory *h,
        GRand         *rand,
        PmRect        *dirty)
{
  PmMask *mask = pm_mask_history_begin (h);
  PmBrush brush;
  double x = g_rand_double_range (rand, 0, W), y = g_rand_double_range (rand, 0, H);

  pm_brush_init (&brush, g_rand_double_range (rand, 0.5, 30));
  brush.hardness = g_rand_boolean (rand) ? 1.0 : 0.5;
  brush.erase = g_rand_int_range (rand, 0, 3) == 0;
  for (int i = 0; i < 6; i++)
    {
      double nx = x + g_rand_double_range (rand, -80, 80);
      double ny = y + g_rand_double_range (rand, -80, 80);
      PmRect bounds;

      pm_brush_segment_bounds (&brush, x, y, nx, ny, W, H, &bounds);
      pm_mask_history_touch (h, &bounds);
      pm_mask_paint_segment (mask, &brush, x, y, nx, ny, NULL);
      x = nx;
      y = ny;
    }
  return pm_mask_history_commit (h, brush.erase ? "eraser" : "brush", dirty);
}

static gboolean
whole_op (PmMaskHistory *h,
          GRand         *rand,
          PmRect        *dirty)
{
  g_autoptr(PmMask) next = pm_mask_copy (pm_mask_history_get_mask (h));
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  PmMaskOp op = { g_rand_int_range (rand, PM_MASK_OP_FILL_HOLES, PM_MASK_OP_CLEAR),
                  g_rand_int_range (rand, 1, 6), { 0 } };

  g_assert_true (pm_mask_op_apply (next, &op, NULL, NULL, NULL, &error));
  label = pm_mask_op_describe (&op);
  return pm_mask_history_replace (h, next, label, dirty);
}

static void
test_undo_redo_bit_identical (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  g_autoptr(PmMask) base = pm_mask_new (W, H);
  g_autoptr(PmMaskHistory) h = NULL;
  g_autoptr(GPtrArray) states = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_mask_free);
  PmRect dirty;

  for (int i = 0; i < W * H; i++)        /* a soft start, off the 8-bit levels */
    base->data[i] = (i % 7) * 0.1f;
  h = pm_mask_history_new (base);
  g_assert_false (pm_mask_history_can_undo (h));
  g_ptr_array_add (states, pm_mask_copy (base));

  for (int i = 0; i < 30; i++)
    {
      g_autoptr(PmMask) before = pm_mask_copy (pm_mask_history_get_mask (h));
      gboolean changed = i % 4 == 3 ? whole_op (h, rand, &dirty) : stroke (h, rand, &dirty);
      PmRect expect = naive_diff (before, pm_mask_history_get_mask (h));

      assert_rect_eq (&dirty, &expect);
      if (changed)
        g_ptr_array_add (states, pm_mask_copy (pm_mask_history_get_mask (h)));
      else
        g_assert_true (same_bits (before, pm_mask_history_get_mask (h)));
      g_assert_cmpuint (pm_mask_history_get_position (h), ==, states->len - 1);
    }
  g_assert_cmpuint (states->len, >, 20);

  /* All the way back, all the way forward, and back halfway: every state bit for bit. */
  for (int k = states->len - 1; k > 0; k--)
    {
      g_autoptr(PmMask) before = pm_mask_copy (pm_mask_history_get_mask (h));
      PmRect expect;

      g_assert_true (pm_mask_history_undo (h, &dirty));
      g_assert_true (same_bits (pm_mask_history_get_mask (h), states->pdata[k - 1]));
      expect = naive_diff (before, pm_mask_history_get_mask (h));
      assert_rect_eq (&dirty, &expect);
    }
  g_assert_false (pm_mask_history_undo (h, NULL));
  g_assert_true (same_bits (pm_mask_history_get_mask (h), base));
  for (guint k = 1; k < states->len; k++)
    {
      g_assert_true (pm_mask_history_redo (h, &dirty));
      g_assert_true (same_bits (pm_mask_history_get_mask (h), states->pdata[k]));
    }
  g_assert_false (pm_mask_history_redo (h, NULL));
  for (int k = 0; k < 10; k++)
    g_assert_true (pm_mask_history_undo (h, NULL));
  g_assert_true (same_bits (pm_mask_history_get_mask (h), states->pdata[states->len - 11]));

  /* A new step drops the redo branch. */
  {
    guint position = pm_mask_history_get_position (h);
    g_autoptr(PmMask) cleared = pm_mask_new (W, H);

    g_assert_true (pm_mask_history_can_redo (h));
    g_assert_true (pm_mask_history_replace (h, cleared, "clear", NULL));
    g_assert_false (pm_mask_history_can_redo (h));
    g_assert_cmpuint (pm_mask_history_get_n_steps (h), ==, position + 1);
    g_assert_cmpstr (pm_mask_history_get_label (h, position), ==, "clear");
    g_assert_true (pm_mask_history_undo (h, NULL));
    g_assert_true (same_bits (pm_mask_history_get_mask (h), states->pdata[states->len - 11]));
  }
}

static void
test_no_change_and_abort (void)
{
  g_autoptr(PmMask) base = pm_mask_new (W, H);
  g_autoptr(PmMaskHistory) h = pm_mask_history_new (base);
  PmMask *mask;
  PmBrush eraser;
  PmBrush brush;
  PmRect bounds, dirty;

  /* Erasing an empty mask changes nothing: no step. */
  pm_brush_init (&eraser, 10);
  eraser.erase = TRUE;
  mask = pm_mask_history_begin (h);
  pm_brush_segment_bounds (&eraser, 20, 20, 200, 100, W, H, &bounds);
  pm_mask_history_touch (h, &bounds);
  pm_mask_paint_segment (mask, &eraser, 20, 20, 200, 100, NULL);
  g_assert_false (pm_mask_history_commit (h, "eraser", &dirty));
  g_assert_true (pm_rect_is_empty (&dirty));
  g_assert_cmpuint (pm_mask_history_get_n_steps (h), ==, 0);
  g_assert_cmpuint (pm_mask_history_get_size (h), ==, 0);
  g_assert_false (pm_mask_history_replace (h, base, "nothing", NULL));

  /* A stroke given up halfway is put back. */
  pm_brush_init (&brush, 10);
  mask = pm_mask_history_begin (h);
  g_assert_true (pm_mask_history_in_step (h));
  g_assert_false (pm_mask_history_can_undo (h));
  pm_brush_segment_bounds (&brush, 20, 20, 200, 100, W, H, &bounds);
  pm_mask_history_touch (h, &bounds);
  pm_mask_paint_segment (mask, &brush, 20, 20, 200, 100, NULL);
  g_assert_cmpint (pm_mask_count (pm_mask_history_get_mask (h)), >, 0);
  pm_mask_history_abort (h, &dirty);
  g_assert_false (pm_mask_history_in_step (h));
  g_assert_true (same_bits (pm_mask_history_get_mask (h), base));
  g_assert_false (pm_rect_is_empty (&dirty));
  g_assert_cmpuint (pm_mask_history_get_n_steps (h), ==, 0);
}

static void
test_patch_size (void)
{
  /* A dab on a big mask keeps a few tiles, not the mask. */
  g_autoptr(PmMask) base = pm_mask_new (4000, 3000);
  g_autoptr(PmMaskHistory) h = pm_mask_history_new (base);
  PmMask *mask = pm_mask_history_begin (h);
  PmBrush brush;
  PmRect bounds;

  pm_brush_init (&brush, 20);
  pm_brush_segment_bounds (&brush, 1030, 1030, 1030, 1030, 4000, 3000, &bounds);
  pm_mask_history_touch (h, &bounds);
  pm_mask_paint_segment (mask, &brush, 1030, 1030, 1030, 1030, NULL);
  g_assert_true (pm_mask_history_commit (h, "brush", NULL));
  /* The dab around (1030, 1030) crosses the tile lines x = 1024 and y = 1024: 4 tiles,
   * before and after. */
  g_assert_cmpuint (pm_mask_history_get_size (h), ==, 4 * 2 * 64 * 64 * sizeof (float));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/mask-history/undo-redo-bit-identical", test_undo_redo_bit_identical);
  g_test_add_func ("/core/mask-history/no-change-and-abort", test_no_change_and_abort);
  g_test_add_func ("/core/mask-history/patch-size", test_patch_size);
  return g_test_run ();
}
