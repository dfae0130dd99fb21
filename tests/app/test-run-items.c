/* test-run-items.c: the objects of a run of several in the document, without a display:
 * read back from the history, selected, corrected one by one (stored with their item
 * index), undone, and dropped when another run is shown.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built without GTK (the model library has no GTK in its dependencies).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "pm-document.h"
#include "pm-maskio.h"
#include "pm-run-items.h"
#include "pm-store.h"
#include "pm-test-util.h"

#define W 240
#define H 160

static char *tmpdir;
static GSettings *settings;

static void
wait_until (PmDocument *doc,
            PmRunItems *items,
            guint       n_items)
{
  gint64 end = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;

  while (pm_document_get_busy (doc) || pm_run_items_get_n_items (items) != n_items)
    {
      g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }
}

/* Grey, a red disk on the left and a blue square on the right. */
static PmImage *
two_objects (void)
{
  PmImage *img = pm_image_new (W, H);
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);

  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        guint8 *p = img->data + ((gsize) y * W + x) * 4;
        int base[3] = { 128, 128, 128 };
        double dx = x + 0.5 - 60, dy = y + 0.5 - 65;

        if (dx * dx + dy * dy <= 40 * 40)
          base[0] = 200, base[1] = 40, base[2] = 40;
        else if (x >= 140 && x < 210 && y >= 30 && y < 100)
          base[0] = 40, base[1] = 60, base[2] = 190;
        for (int c = 0; c < 3; c++)
          p[c] = (guint8) CLAMP (base[c] + g_rand_int_range (rand, -10, 11), 0, 255);
        p[3] = 255;
      }
  return img;
}

/* Mean OKLab a/b of @img over @rect. */
static PmOklab
mean_ab (const PmImage *img,
         PmRect         r)
{
  PmOklab sum = { 0, 0, 0 };

  for (int y = r.y; y < r.y + r.height; y++)
    for (int x = r.x; x < r.x + r.width; x++)
      {
        const guint8 *p = img->data + ((gsize) y * img->width + x) * 4;
        PmOklab lab = pm_rgb_to_oklab ((PmRgb) { p[0] / 255.f, p[1] / 255.f, p[2] / 255.f });

        sum.a += lab.a;
        sum.b += lab.b;
      }
  sum.a /= r.width * r.height;
  sum.b /= r.width * r.height;
  return sum;
}

static double
ab_distance (PmOklab p,
             PmRgb   color)
{
  PmOklab c = pm_rgb_to_oklab (color);

  return hypot (p.a - c.a, p.b - c.b);
}

/* The edit on screen follows the box's added strip in the box's colour (not the run's
 * first colour), and is the run's own edit wherever the box's mask is as the run made it. */
static void
assert_box_painted (PmDocument      *doc,
                    const PmImage   *run_edit,
                    const PmMask    *box_base,
                    const PmMask    *box_mask,
                    const PmRunItem *ball,
                    const PmRunItem *box)
{
  const PmImage *shown = pm_document_get_shown_edit (doc);
  PmRect strip = { 140, 110, 70, 20 };
  PmOklab ab;

  g_assert_nonnull (shown);
  ab = mean_ab (shown, strip);
  g_test_message ("strip a/b %.3f %.3f: to the box's colour %.3f, to the ball's %.3f", ab.a,
                  ab.b, ab_distance (ab, box->color), ab_distance (ab, ball->color));
  g_assert_cmpfloat (hypot (ab.a, ab.b), >, 0.05);
  g_assert_cmpfloat (ab_distance (ab, box->color), <, ab_distance (ab, ball->color));
  for (gsize i = 0; i < (gsize) W * H; i++)
    if (box_mask->data[i] == box_base->data[i])
      g_assert_cmpmem (shown->data + i * 4, 4, run_edit->data + i * 4, 4);
}

/* A second document on the same history, showing @run_id, with its objects read back. */
static PmDocument *
reopen (PmAppStore  *app_store,
        gint64       run_id,
        PmRunItems **items)
{
  PmDocument *doc = pm_document_new (app_store);

  *items = pm_run_items_new (doc);
  pm_document_restore_run (doc, run_id);
  wait_until (doc, *items, 2);
  while (pm_document_get_shown_edit (doc) == NULL)
    g_main_context_iteration (NULL, TRUE);
  return doc;
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_document_export_finish (PM_DOCUMENT (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

/* Ctrl+E: the mask written is the run's with the box's added strip, the edit the one on
 * screen. */
static void
check_export (PmDocument    *doc,
              const PmMask  *run_mask,
              const PmImage *shown)
{
  g_auto(GStrv) paths = pm_document_get_export_paths (doc, tmpdir);
  g_autoptr(PmMask) mask = NULL;
  g_autoptr(PmImage) edited = NULL;
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  pm_document_export_async (doc, tmpdir, NULL, export_done_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  mask = pm_mask_load_png (paths[1], &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_mask_count (mask), ==, pm_mask_count (run_mask) + 70 * 20);
  edited = pm_image_load (paths[0], 0, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (edited->data, W * H * 4, shown->data, W * H * 4);
}

static void
run (PmDocument *doc,
     PmEngines  *engines,
     const char *instruction)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmEngineRequest) req = pm_engines_request (engines, "builtin", &error);

  g_assert_no_error (error);
  g_assert_true (pm_document_run (doc, instruction, req, NULL, &error));
  g_assert_no_error (error);
}

static void
test_items (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "items.sqlite3", NULL);
  g_autoptr(PmAppStore) app_store = pm_app_store_new (path);
  g_autoptr(PmDocument) doc = pm_document_new (app_store);
  g_autoptr(PmEngines) engines = pm_engines_new (settings);
  g_autoptr(PmRunItems) items = pm_run_items_new (doc);
  g_autoptr(PmMask) run_mask = NULL;
  g_autoptr(PmMask) before = NULL;
  g_autoptr(PmImage) run_edit = NULL;
  g_autoptr(PmImage) shown_corrected = NULL;
  g_autoptr(PmStore) store = NULL;
  g_autoptr(PmMask) stored = NULL;
  g_autoptr(GError) error = NULL;
  const PmRunItem *box;
  PmMask *working;
  gint64 run_id;

  pm_document_set_image (doc, two_objects (), NULL, "two");
  run (doc, engines, "segment the red ball and the blue box");
  wait_until (doc, items, 2);
  run_id = pm_document_get_run_id (doc);
  g_assert_cmpint (pm_run_items_get_run_id (items), ==, run_id);
  g_assert_cmpstr (pm_run_items_get_item (items, 0)->target, ==, "red ball");
  box = pm_run_items_get_item (items, 1);
  g_assert_cmpstr (box->target, ==, "blue box");
  g_assert_cmpint (box->state, ==, PM_RESULT_FOUND);
  g_assert_cmpint (box->pixels, >, 4000);
  g_assert_nonnull (box->color_name);
  g_assert_cmpint (pm_run_items_get_selected (items), ==, -1);
  g_assert_true (pm_document_get_correction_entry (doc) == pm_document_get_current (doc));

  /* Selecting the box makes it the correction target and the mask on screen: a
   * correction changes it alone, and the edit follows in the box's colour. */
  run_mask = pm_mask_copy (pm_document_get_mask (doc));
  run_edit = pm_image_copy (pm_document_get_edited (doc));
  pm_run_items_set_selected (items, 1);
  g_assert_cmpint (pm_document_get_correction_entry (doc)->item, ==, 2);
  before = pm_mask_copy (pm_run_items_get_item (items, 1)->mask);
  g_assert_true (pm_mask_equal (pm_document_get_shown_mask (doc), before));
  g_assert_true (pm_document_get_shown_edit (doc) == pm_document_get_edited (doc));
  g_assert_true (pm_document_begin_correction (doc, "Brush"));
  working = pm_document_get_working_mask (doc);
  g_assert_true (pm_mask_equal (working, before));
  for (int y = 110; y < 130; y++)
    for (int x = 140; x < 210; x++)
      working->data[y * W + x] = 1.0f;
  pm_document_mark_dirty (doc, &(PmRect) { 140, 110, 70, 20 });
  assert_box_painted (doc, run_edit, before, working, pm_run_items_get_item (items, 0),
                      pm_run_items_get_item (items, 1));
  g_assert_true (pm_document_commit_correction (doc));
  g_assert_cmpint (pm_run_items_get_item (items, 1)->pixels, ==,
                   pm_mask_count (before) + 70 * 20);
  g_assert_true (pm_mask_equal (pm_document_get_mask (doc), run_mask));
  g_assert_true (pm_mask_equal (pm_document_get_shown_mask (doc),
                                pm_run_items_get_item (items, 1)->mask));
  assert_box_painted (doc, run_edit, before, pm_run_items_get_item (items, 1)->mask,
                      pm_run_items_get_item (items, 0), pm_run_items_get_item (items, 1));
  /* Back to the whole run: the mask on screen is the run's, the box stays painted. */
  pm_run_items_set_selected (items, -1);
  g_assert_true (pm_mask_equal (pm_document_get_shown_mask (doc), run_mask));
  assert_box_painted (doc, run_edit, before, pm_run_items_get_item (items, 1)->mask,
                      pm_run_items_get_item (items, 0), pm_run_items_get_item (items, 1));
  shown_corrected = pm_image_copy (pm_document_get_shown_edit (doc));
  check_export (doc, run_mask, shown_corrected);
  pm_run_items_set_selected (items, 1);
  while (pm_document_get_busy (doc))
    g_main_context_iteration (NULL, TRUE);

  /* Stored as the box's correction, not the run's. */
  store = pm_store_open (path, &error);
  g_assert_no_error (error);
  stored = pm_store_get_item_correction_mask (store, run_id, 2, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_mask_count (stored), ==, pm_mask_count (before) + 70 * 20);
  g_assert_null (pm_store_get_correction_mask (store, run_id, 0, &error));
  g_clear_error (&error);

  /* Reopened, the run shows the box corrected, painted in its colour, without picking it. */
  {
    g_autoptr(PmRunItems) items2 = NULL;
    g_autoptr(PmDocument) doc2 = reopen (app_store, run_id, &items2);

    g_assert_cmpint (pm_run_items_get_item (items2, 1)->pixels, ==,
                     pm_mask_count (before) + 70 * 20);
    g_assert_cmpint (pm_run_items_get_selected (items2), ==, -1);
    g_assert_cmpmem (pm_document_get_shown_edit (doc2)->data, W * H * 4,
                     shown_corrected->data, W * H * 4);
  }

  /* Undo acts on the box. */
  g_assert_true (pm_document_get_can_undo (doc));
  pm_document_undo (doc);
  g_assert_true (pm_mask_equal (pm_run_items_get_item (items, 1)->mask, before));
  g_assert_cmpint (pm_document_get_position (doc), ==, 0);
  g_assert_cmpmem (pm_document_get_shown_edit (doc)->data, W * H * 4, run_edit->data, W * H * 4);
  while (pm_document_get_busy (doc))
    g_main_context_iteration (NULL, TRUE);

  /* The undo is stored too: reopened, the box is as the run made it. */
  {
    g_autoptr(PmRunItems) items3 = NULL;
    g_autoptr(PmDocument) doc3 = reopen (app_store, run_id, &items3);

    g_assert_true (pm_mask_equal (pm_run_items_get_item (items3, 1)->mask, before));
    g_assert_cmpmem (pm_document_get_shown_edit (doc3)->data, W * H * 4,
                     run_edit->data, W * H * 4);
  }

  /* None selected: back to the run. Another run: no objects, no target. */
  pm_run_items_set_selected (items, -1);
  g_assert_true (pm_document_get_correction_entry (doc) == pm_document_get_current (doc));
  pm_run_items_set_selected (items, 0);
  run (doc, engines, "segment the red ball");
  wait_until (doc, items, 0);
  g_assert_true (pm_document_get_correction_entry (doc) == pm_document_get_current (doc));
  g_assert_cmpint (pm_run_items_get_selected (items), ==, -1);

  /* Back to the list run: its objects are read again, the box with its correction gone
   * (undone in the document; the history keeps every correction as its newest). */
  pm_document_undo (doc);
  wait_until (doc, items, 2);
  g_assert_cmpint (pm_run_items_get_run_id (items), ==, run_id);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = pm_test_tmpdir ();
  g_setenv ("XDG_DATA_HOME", tmpdir, TRUE);
  settings = g_settings_new ("io.github.paintmask.Paintmask");
  g_test_add_func ("/run-items/items", test_items);
  ret = g_test_run ();
  g_object_unref (settings);
  pm_test_rmdir (tmpdir);
  g_free (tmpdir);
  return ret;
}
