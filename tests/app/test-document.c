/* test-document.c: PmDocument without a display: runs, stacking, result states, undo and
 * redo across runs and corrections, what the history records, photo loads, progress, and
 * quitting right after a run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built without GTK (the model library has no GTK in its dependencies).
 */
#include "config.h"

#include <string.h>

#include "pm-document.h"
#include "pm-fake-editor-util.h"
#include "pm-scratch-private.h"
#include "pm-store.h"
#include "pm-test-util.h"

#define W 160
#define H 120

static char *tmpdir;
static GSettings *settings;

/* ---------------------------------------------------------------- helpers */

static void
wait_until_idle (PmDocument *doc)
{
  gint64 end = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;

  while (pm_document_get_busy (doc))
    {
      g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }
}

/* A red disk of radius @r on grey. */
static PmImage *
disk_image (int w,
            int h,
            double r)
{
  PmImage *image = pm_image_new (w, h);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *p = image->data + ((gsize) y * w + x) * 4;
        double dx = x + 0.5 - w / 2.0, dy = y + 0.5 - h / 2.0;
        gboolean disk = dx * dx + dy * dy <= r * r;

        p[0] = disk ? (guint8) (190 + 20 * x / w) : 128;
        p[1] = disk ? 30 : 128;
        p[2] = disk ? 30 : 128;
        p[3] = 255;
      }
  return image;
}

static double
mask_iou_with_disk (const PmMask *mask,
                    double        r)
{
  gint64 inter = 0, uni = 0;

  for (int y = 0; y < mask->height; y++)
    for (int x = 0; x < mask->width; x++)
      {
        double dx = x + 0.5 - mask->width / 2.0, dy = y + 0.5 - mask->height / 2.0;
        gboolean truth = dx * dx + dy * dy <= r * r;
        gboolean m = mask->data[(gsize) y * mask->width + x] >= 0.5f;

        inter += truth && m;
        uni += truth || m;
      }
  return uni > 0 ? (double) inter / uni : 0.0;
}

static PmAppStore *
new_store (const char *name)
{
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);

  return pm_app_store_new (path);
}

static PmStore *
open_store (PmDocument *doc)
{
  g_autoptr(GError) error = NULL;
  PmStore *store = pm_store_open (pm_app_store_get_path (pm_document_get_store (doc)), &error);

  g_assert_no_error (error);
  return store;
}

static PmEngineRequest *
request (PmEngines  *engines,
         const char *name)
{
  g_autoptr(GError) error = NULL;
  PmEngineRequest *req = pm_engines_request (engines, name, &error);

  g_assert_no_error (error);
  return req;
}

typedef struct {
  int         finished;
  PmRunEntry *entry;
  GError     *error;
} Finished;

static void
finished_cb (PmDocument   *doc,
             PmRunEntry   *entry,
             const GError *error,
             Finished     *f)
{
  f->finished++;
  g_clear_pointer (&f->entry, pm_run_entry_unref);
  g_clear_error (&f->error);
  f->entry = entry != NULL ? pm_run_entry_ref (entry) : NULL;
  f->error = error != NULL ? g_error_copy (error) : NULL;
}

static void
finished_clear (Finished *f)
{
  g_clear_pointer (&f->entry, pm_run_entry_unref);
  g_clear_error (&f->error);
}

/* Runs @instruction to the end with @engine and returns how it ended. */
static void
run (PmDocument *doc,
     PmEngines  *engines,
     const char *instruction,
     Finished   *f)
{
  g_autoptr(PmEngineRequest) req = request (engines, "builtin");
  g_autoptr(GError) error = NULL;
  int before = f->finished;

  g_assert_true (pm_document_run (doc, instruction, req, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (pm_document_get_running (doc));
  wait_until_idle (doc);
  g_assert_cmpint (f->finished, ==, before + 1);
}

/* ---------------------------------------------------------------- a fake engine */

typedef struct {
  PmEngine parent;
  gboolean fail;
} FakeEngine;

/* Finds nothing (an all-zero mask), or fails. */
static gboolean
fake_run (PmEngine             *engine,
          const PmImage        *image,
          const PmInstruction  *instruction,
          PmProgressFunc        progress,
          gpointer              progress_data,
          GCancellable         *cancellable,
          PmEngineResult       *result,
          GError              **error)
{
  if (((FakeEngine *) engine)->fail)
    {
      g_set_error_literal (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_FAILED,
                           "the fake engine failed");
      return FALSE;
    }
  result->soft_mask = pm_mask_new (image->width, image->height);
  result->message = g_strdup ("nothing like that here");
  return TRUE;
}

static void
fake_finalize (PmEngine *engine)
{
  g_free (engine);
}

static const PmEngineClass fake_class = { "fake", fake_run, fake_finalize };

static PmEngine *
fake_engine_new (gboolean fail)
{
  FakeEngine *engine = g_new0 (FakeEngine, 1);

  engine->parent.klass = &fake_class;
  engine->parent.ref_count = 1;
  engine->fail = fail;
  return &engine->parent;
}

/* ---------------------------------------------------------------- revision chains */

static void
test_revisions (void)
{
  g_autoptr(PmRunEntry) entry = pm_run_entry_new ("x", "builtin");
  g_autoptr(PmMask) derived = pm_mask_new (50, 40);
  g_autoptr(PmMask) a = NULL, b = NULL;
  PmMask *next;
  PmRect r1 = { 5, 5, 10, 10 }, r2 = { 10, 8, 30, 20 };
  PmRevision *rev;

  for (int i = 0; i < 50 * 40; i += 7)
    derived->data[i] = 1.0f;
  pm_run_entry_set_result (entry, pm_image_new (50, 40), pm_mask_copy (derived), NULL, NULL);
  g_assert_true (pm_mask_equal (pm_run_entry_get_mask (entry), derived));
  g_assert_false (pm_run_entry_can_undo_revision (entry));

  /* Two corrections, each one undo step. */
  next = pm_mask_copy (pm_run_entry_get_mask (entry));
  for (int y = r1.y; y < r1.y + r1.height; y++)
    for (int x = r1.x; x < r1.x + r1.width; x++)
      next->data[y * 50 + x] = 1.0f;
  rev = pm_run_entry_push_revision (entry, next, &r1, "Brush");
  g_assert_nonnull (rev);
  a = pm_mask_copy (pm_run_entry_get_mask (entry));
  next = pm_mask_copy (a);
  for (int y = r2.y; y < r2.y + r2.height; y++)
    for (int x = r2.x; x < r2.x + r2.width; x++)
      next->data[y * 50 + x] = 0.0f;
  rev = pm_run_entry_push_revision (entry, next, NULL, "Eraser");
  g_assert_nonnull (rev);
  /* The rect was computed: the bounding box of what changed, inside r2. */
  g_assert_cmpint (rev->rect.x, >=, r2.x);
  g_assert_cmpint (rev->rect.x + rev->rect.width, <=, r2.x + r2.width);
  b = pm_mask_copy (pm_run_entry_get_mask (entry));

  /* Undo, undo, redo, redo: bit-identical masks at every step. */
  g_assert_nonnull (pm_run_entry_undo_revision (entry));
  g_assert_true (pm_mask_equal (pm_run_entry_get_mask (entry), a));
  g_assert_nonnull (pm_run_entry_undo_revision (entry));
  g_assert_true (pm_mask_equal (pm_run_entry_get_mask (entry), derived));
  g_assert_null (pm_run_entry_undo_revision (entry));
  g_assert_nonnull (pm_run_entry_redo_revision (entry));
  g_assert_true (pm_mask_equal (pm_run_entry_get_mask (entry), a));
  g_assert_nonnull (pm_run_entry_redo_revision (entry));
  g_assert_true (pm_mask_equal (pm_run_entry_get_mask (entry), b));
  g_assert_null (pm_run_entry_redo_revision (entry));

  /* A change after an undo drops what could be redone; no change makes no revision. */
  pm_run_entry_undo_revision (entry);
  next = pm_mask_copy (pm_run_entry_get_mask (entry));
  next->data[0] = 1.0f - next->data[0];
  g_assert_nonnull (pm_run_entry_push_revision (entry, next, &(PmRect) { 0, 0, 1, 1 }, "Dot"));
  g_assert_cmpuint (entry->revisions->len, ==, 2);
  g_assert_false (pm_run_entry_can_redo_revision (entry));
  g_assert_null (pm_run_entry_push_revision (entry, pm_mask_copy (pm_run_entry_get_mask (entry)),
                                             &r2, "Nothing"));
  g_assert_cmpuint (entry->revisions->len, ==, 2);
}

/* ---------------------------------------------------------------- after a restart */

/* A second document on the same history (as after a restart) showing @run_id. */
static PmDocument *
restore (PmAppStore *app_store,
         gint64      run_id)
{
  PmDocument *doc = pm_document_new (app_store);
  gint64 end = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;

  pm_document_restore_run (doc, run_id);
  while (pm_document_get_busy (doc) || pm_document_get_current (doc) == NULL ||
         pm_document_get_mask (doc) == NULL)
    {
      g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }
  return doc;
}

/* One correction: @value written over @rect. */
static void
correct (PmDocument *doc,
         const char *label,
         PmRect      rect,
         float       value)
{
  PmMask *working;

  g_assert_true (pm_document_begin_correction (doc, label));
  working = pm_document_get_working_mask (doc);
  for (int y = rect.y; y < rect.y + rect.height; y++)
    for (int x = rect.x; x < rect.x + rect.width; x++)
      working->data[y * W + x] = value;
  pm_document_mark_dirty (doc, &rect);
  g_assert_true (pm_document_commit_correction (doc));
  wait_until_idle (doc);
}

/* The corrections stored with a run come back with it: after a restart, undo walks back
 * through them to the run's own mask and redo forward again, bit for bit, as before the
 * restart; what was undone and replaced before is not among them, and the undo and redo
 * states the history keeps make no steps of their own. */
static void
test_restore_undo (void)
{
  g_autoptr(PmAppStore) app_store = new_store ("restore.sqlite3");
  g_autoptr(PmDocument) doc = pm_document_new (app_store);
  g_autoptr(PmDocument) again = NULL, third = NULL;
  g_autoptr(PmEngines) engines = pm_engines_new (settings);
  g_autoptr(PmMask) base = NULL, m1 = NULL, m3 = NULL, m4 = NULL;
  Finished f = { 0 };
  gint64 run_id;

  g_signal_connect (doc, "run-finished", G_CALLBACK (finished_cb), &f);
  pm_document_set_image (doc, disk_image (W, H, 35), NULL, "disk");
  run (doc, engines, "segment the red disk", &f);
  g_assert_cmpint (f.entry->state, ==, PM_RESULT_FOUND);
  run_id = pm_document_get_run_id (doc);
  base = pm_mask_copy (pm_document_get_mask (doc));

  correct (doc, "Brush", (PmRect) { 3, 2, 27, 18 }, 1.0f);
  m1 = pm_mask_copy (pm_document_get_mask (doc));
  correct (doc, "Eraser", (PmRect) { W / 2 - 10, H / 2 - 10, 20, 20 }, 0.0f);
  pm_document_undo (doc);                     /* the eraser is undone, then replaced */
  wait_until_idle (doc);
  correct (doc, "Lasso", (PmRect) { W - 30, H - 25, 20, 15 }, 1.0f);
  m3 = pm_mask_copy (pm_document_get_mask (doc));
  g_assert_false (pm_mask_equal (m1, base));
  g_assert_false (pm_mask_equal (m3, m1));

  /* "restart" */
  again = restore (app_store, run_id);
  g_assert_true (pm_mask_equal (pm_document_get_mask (again), m3));
  g_assert_true (pm_document_get_can_undo (again));
  g_assert_false (pm_document_get_can_redo (again));
  pm_document_undo (again);
  g_assert_true (pm_mask_equal (pm_document_get_mask (again), m1));
  pm_document_undo (again);
  g_assert_true (pm_mask_equal (pm_document_get_mask (again), base));
  g_assert_cmpint (pm_document_get_run_id (again), ==, run_id);
  pm_document_undo (again);                   /* before the run: the photo alone */
  g_assert_null (pm_document_get_current (again));
  pm_document_redo (again);
  g_assert_true (pm_mask_equal (pm_document_get_mask (again), base));
  pm_document_redo (again);
  g_assert_true (pm_mask_equal (pm_document_get_mask (again), m1));
  pm_document_redo (again);
  g_assert_true (pm_mask_equal (pm_document_get_mask (again), m3));
  g_assert_false (pm_document_get_can_redo (again));
  wait_until_idle (again);

  /* A correction after the restart goes on top of the chain. */
  correct (again, "Brush", (PmRect) { 0, H - 10, 15, 10 }, 1.0f);
  m4 = pm_mask_copy (pm_document_get_mask (again));
  third = restore (app_store, run_id);
  g_assert_true (pm_mask_equal (pm_document_get_mask (third), m4));
  pm_document_undo (third);
  g_assert_true (pm_mask_equal (pm_document_get_mask (third), m3));
  pm_document_undo (third);
  g_assert_true (pm_mask_equal (pm_document_get_mask (third), m1));
  pm_document_undo (third);
  g_assert_true (pm_mask_equal (pm_document_get_mask (third), base));
  g_assert_cmpint (pm_document_get_run_id (third), ==, run_id);
  wait_until_idle (third);
  finished_clear (&f);
}

/* The derivation keeps its planes for the next run on the photo; when another photo takes
 * its place they are given back (up to 64 MB otherwise stays with an idle window). */
static void
test_photo_change_trims (void)
{
  g_autoptr(PmAppStore) app_store = new_store ("trim.sqlite3");
  g_autoptr(PmDocument) doc = pm_document_new (app_store);
  g_autoptr(PmEngines) engines = pm_engines_new (settings);
  Finished f = { 0 };

  g_signal_connect (doc, "run-finished", G_CALLBACK (finished_cb), &f);
  pm_derive_trim_memory ();
  pm_document_set_image (doc, disk_image (640, 480, 150), NULL, "big disk");
  run (doc, engines, "segment the red disk", &f);
  g_assert_cmpint (f.entry->state, ==, PM_RESULT_FOUND);
  wait_until_idle (doc);
  g_test_message ("kept after the run: %" G_GSIZE_FORMAT " bytes", pm_scratch_kept ());
  g_assert_cmpuint (pm_scratch_kept (), >=, (gsize) 640 * 480 * sizeof (float));
  pm_document_set_image (doc, disk_image (W, H, 35), NULL, "disk");
  g_assert_cmpuint (pm_scratch_kept (), ==, 0);
  finished_clear (&f);
}

/* ---------------------------------------------------------------- runs */

static void
test_runs_stack_and_undo (void)
{
  g_autoptr(PmAppStore) app_store = new_store ("stack.sqlite3");
  g_autoptr(PmDocument) doc = pm_document_new (app_store);
  g_autoptr(PmEngines) engines = pm_engines_new (settings);
  g_autoptr(PmImage) photo = disk_image (W, H, 35);
  g_autoptr(PmImage) first_edit = NULL;
  g_autoptr(PmMask) derived = NULL, corrected = NULL;
  g_autoptr(PmStore) store = NULL;
  g_autoptr(PmRunInfo) info = NULL;
  g_autoptr(PmMask) stored = NULL;
  g_autoptr(GError) error = NULL;
  Finished f = { 0 };
  PmRunEntry *second;
  PmMask *working;
  gint64 first_id;

  g_signal_connect (doc, "run-finished", G_CALLBACK (finished_cb), &f);
  pm_document_set_image (doc, pm_image_copy (photo), NULL, "disk");
  g_assert_false (pm_document_get_can_undo (doc));

  run (doc, engines, "segment the red disk", &f);
  g_assert_no_error (f.error);
  g_assert_cmpint (f.entry->state, ==, PM_RESULT_FOUND);
  g_assert_cmpint (pm_document_get_position (doc), ==, 0);
  g_assert_cmpfloat (mask_iou_with_disk (pm_document_get_mask (doc), 35), >, 0.9);
  first_edit = pm_image_copy (pm_document_get_edited (doc));
  first_id = pm_document_get_run_id (doc);
  g_assert_cmpint (first_id, >, 0);

  /* The second instruction paints the result on screen: outside the disk the photo and
   * inside it the first edit's lightness stay; its mask is derived against the first
   * edit, so it is the disk again (not everything the first run changed, plus more). */
  run (doc, engines, "paint the disk green", &f);
  second = pm_document_get_current (doc);
  g_assert_cmpint (pm_document_get_position (doc), ==, 1);
  g_assert_cmpfloat (mask_iou_with_disk (pm_run_entry_get_mask (second), 35), >, 0.85);
  store = open_store (doc);
  info = pm_store_get_run (store, second->run_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->parent_run_id, ==, first_id);
  g_assert_nonnull (strstr (info->parsed_json, "\"target\""));
  g_assert_nonnull (strstr (info->timings_json, "\"derive\""));
  g_assert_cmpstr (info->status, ==, "ok");

  /* "Start from the original": the next run paints the photo. */
  pm_document_set_start_from_original (doc, TRUE);
  run (doc, engines, "paint the disk blue", &f);
  g_clear_pointer (&info, pm_run_info_free);
  info = pm_store_get_run (store, pm_document_get_run_id (doc), &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->parent_run_id, ==, 0);
  pm_document_set_start_from_original (doc, FALSE);
  pm_document_undo (doc);
  g_assert_true (pm_document_get_current (doc) == second);

  /* A correction of the second run: one undo step, stored as corrected_mask. */
  derived = pm_mask_copy (pm_document_get_mask (doc));
  g_assert_true (pm_document_begin_correction (doc, "Brush"));
  working = pm_document_get_working_mask (doc);
  for (int y = 2; y < 20; y++)
    for (int x = 3; x < 30; x++)
      working->data[y * W + x] = 1.0f;
  pm_document_mark_dirty (doc, &(PmRect) { 3, 2, 27, 18 });
  /* The committed mask stays until the stroke ends. */
  g_assert_true (pm_mask_equal (pm_document_get_mask (doc), derived));
  g_assert_true (pm_document_commit_correction (doc));
  corrected = pm_mask_copy (pm_document_get_mask (doc));
  g_assert_false (pm_mask_equal (corrected, derived));
  /* What could be redone (the blue run) is gone. */
  g_assert_false (pm_document_get_can_redo (doc));
  wait_until_idle (doc);
  stored = pm_store_get_artifact_mask (store, second->run_id, PM_ARTIFACT_CORRECTED_MASK,
                                       &error);
  g_assert_no_error (error);
  g_assert_true (pm_mask_equal (stored, corrected));

  /* Undo walks back through the correction, then the runs; redo returns, bit for bit. */
  pm_document_undo (doc);
  g_assert_true (pm_mask_equal (pm_document_get_mask (doc), derived));
  pm_document_undo (doc);
  g_assert_cmpint (pm_document_get_run_id (doc), ==, first_id);
  g_assert_cmpmem (pm_document_get_edited (doc)->data, W * H * 4, first_edit->data, W * H * 4);
  pm_document_undo (doc);
  g_assert_null (pm_document_get_current (doc));
  g_assert_false (pm_document_get_can_undo (doc));
  pm_document_redo (doc);
  pm_document_redo (doc);
  g_assert_true (pm_mask_equal (pm_document_get_mask (doc), derived));
  pm_document_redo (doc);
  g_assert_true (pm_mask_equal (pm_document_get_mask (doc), corrected));
  g_assert_false (pm_document_get_can_redo (doc));

  /* A cancelled correction puts the mask back. */
  g_assert_true (pm_document_begin_correction (doc, "Eraser"));
  pm_document_replace_working_mask (doc, pm_mask_new (W, H), NULL);
  pm_document_cancel_correction (doc);
  g_assert_true (pm_mask_equal (pm_document_get_mask (doc), corrected));
  g_assert_false (pm_document_get_correcting (doc));
  finished_clear (&f);
}

static void
test_empty_and_failed (void)
{
  g_autoptr(PmAppStore) app_store = new_store ("empty.sqlite3");
  g_autoptr(PmDocument) doc = pm_document_new (app_store);
  g_autoptr(PmEngines) engines = pm_engines_new (settings);
  g_autoptr(PmEngine) nothing = fake_engine_new (FALSE);
  g_autoptr(PmEngine) failing = fake_engine_new (TRUE);
  g_autoptr(PmStore) store = NULL;
  g_autoptr(PmRunInfo) info = NULL;
  g_autoptr(GPtrArray) artifacts = NULL;
  g_autoptr(GError) error = NULL;
  Finished f = { 0 };
  PmRunEntry *before;

  g_signal_connect (doc, "run-finished", G_CALLBACK (finished_cb), &f);
  pm_document_set_image (doc, disk_image (W, H, 35), NULL, "disk");
  run (doc, engines, "segment the red disk", &f);
  before = pm_document_get_current (doc);
  g_assert_nonnull (before);

  /* Nothing found: said so, nothing painted, the edit on screen stays, recorded empty. */
  pm_engines_set_override (engines, nothing);
  run (doc, engines, "paint the elephant purple", &f);
  g_assert_no_error (f.error);
  g_assert_cmpint (f.entry->state, ==, PM_RESULT_EMPTY);
  g_assert_null (f.entry->edited);
  g_assert_true (pm_document_get_current (doc) == before);
  g_assert_cmpuint (pm_document_get_n_runs (doc), ==, 1);
  g_assert_cmpint (f.entry->run_id, >, 0);
  store = open_store (doc);
  info = pm_store_get_run (store, f.entry->run_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->instruction, ==, "paint the elephant purple");
  g_assert_cmpstr (info->status, ==, "ok");
  g_assert_cmpstr (info->result, ==, "empty");
  g_assert_cmpint (info->mask_pixels, ==, 0);
  /* Nothing was painted: no edited image is stored. */
  artifacts = pm_store_list_artifacts (store, info->id, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < artifacts->len; i++)
    g_assert_cmpint (((PmArtifactInfo *) artifacts->pdata[i])->kind, !=, PM_ARTIFACT_EDITED);

  /* A failed run is recorded as the CLI records it. */
  pm_engines_set_override (engines, failing);
  run (doc, engines, "paint the cup red", &f);
  g_assert_error (f.error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_FAILED);
  g_assert_cmpint (f.entry->state, ==, PM_RESULT_FAILED);
  g_assert_true (pm_document_get_current (doc) == before);
  {
    g_autoptr(GPtrArray) runs = pm_store_list_runs (store, pm_document_get_session_id (doc),
                                                    NULL, &error);
    PmRunInfo *last;

    g_assert_no_error (error);
    g_assert_cmpuint (runs->len, ==, 3);
    last = runs->pdata[0];
    for (guint i = 1; i < runs->len; i++)
      if (((PmRunInfo *) runs->pdata[i])->id > last->id)
        last = runs->pdata[i];
    g_assert_cmpstr (last->instruction, ==, "paint the cup red");
    g_assert_cmpstr (last->status, ==, "error");
    g_assert_cmpstr (last->result, ==, "failed");
    g_assert_cmpstr (last->error, ==, "the fake engine failed");
    g_assert_nonnull (strstr (last->parsed_json, "\"cup\""));
  }
  finished_clear (&f);
}

/* ---------------------------------------------------------------- loads, progress */

static char *
write_png (const char *name,
           PmImage    *image)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (tmpdir, name, NULL);

  g_assert_true (pm_image_save_png (image, path, &error));
  g_assert_no_error (error);
  return path;
}

static void
test_stale_load (void)
{
  g_autoptr(PmDocument) doc = pm_document_new (NULL);
  g_autoptr(PmImage) big = pm_image_new (3000, 2000);
  g_autoptr(PmImage) small = disk_image (W, H, 20);
  g_autofree char *big_path = NULL, *small_path = NULL;
  g_autoptr(GFile) big_file = NULL, small_file = NULL;
  guint32 seed = 7;

  /* Noise decodes slowly: the later, small photo arrives first and must stay. */
  for (gsize i = 0; i < (gsize) 3000 * 2000 * 4; i++)
    {
      seed = seed * 1664525u + 1013904223u;
      big->data[i] = (i % 4 == 3) ? 255 : (guint8) (seed >> 24);
    }
  big_path = write_png ("big.png", big);
  small_path = write_png ("small.png", small);
  big_file = g_file_new_for_path (big_path);
  small_file = g_file_new_for_path (small_path);

  pm_document_load_file (doc, big_file);
  pm_document_load_file (doc, small_file);
  wait_until_idle (doc);
  g_assert_nonnull (pm_document_get_image (doc));
  g_assert_cmpint (pm_document_get_image (doc)->width, ==, W);
  g_assert_cmpstr (pm_document_get_title (doc), ==, "small.png");

  /* A cancelled load leaves the photo as it was. */
  pm_document_load_file (doc, big_file);
  pm_document_cancel_load (doc);
  wait_until_idle (doc);
  g_assert_cmpint (pm_document_get_image (doc)->width, ==, W);
}

typedef struct {
  GThread *main_thread;
  int      calls;
  int      off_thread;
} StageWatch;

static void
stage_cb (PmDocument *doc,
          GParamSpec *pspec,
          StageWatch *watch)
{
  watch->calls++;
  watch->off_thread += g_thread_self () != watch->main_thread;
}

static void
test_progress_main_thread (void)
{
  g_autoptr(PmDocument) doc = pm_document_new (NULL);
  g_autoptr(PmEngines) engines = pm_engines_new (settings);
  g_autoptr(PmEngineRequest) req = request (engines, "builtin");
  StageWatch watch = { g_thread_self (), 0, 0 };

  pm_document_set_image (doc, disk_image (1200, 900, 300), NULL, "disk");
  g_signal_connect (doc, "notify::stage", G_CALLBACK (stage_cb), &watch);
  g_assert_true (pm_document_run (doc, "segment the red disk", req, NULL, NULL));
  /* The main thread does not iterate for a while: progress must wait for it, not be
   * delivered by the worker (which would find the main context free to take). */
  g_usleep (400 * 1000);
  wait_until_idle (doc);
  g_assert_cmpint (watch.calls, >, 1);
  g_assert_cmpint (watch.off_thread, ==, 0);
}

/* ---------------------------------------------------------------- the remote key */

/* Runs @instruction with the remote engine to its end. */
static void
run_remote (PmDocument *doc,
            PmEngines  *engines,
            const char *instruction,
            Finished   *f)
{
  g_autoptr(PmEngineRequest) req = request (engines, "remote");
  int before = f->finished;

  g_assert_true (pm_document_run (doc, instruction, req, NULL, NULL));
  wait_until_idle (doc);
  g_assert_cmpint (f->finished, ==, before + 1);
}

/* The key is read by the run's worker each time: a key saved after a run (here in the
 * environment, which the engine reads before the keyring) is used by the next run, with the
 * same PmEngines and no restart. */
static void
test_remote_key_next_run (void)
{
  g_autofree char *photo = pm_test_shared_path ("data/eval-public/coco_000000094336.jpg");
  PmFakeEditor *fe = pm_fake_editor_start (NULL, "the-second-key");
  g_autoptr(PmDocument) doc = pm_document_new (NULL);
  g_autoptr(PmEngines) engines = NULL;
  g_autoptr(GError) error = NULL;
  Finished f = { 0 };
  PmImage *image;

  g_settings_set_string (settings, "remote-endpoint", fe->base_url);
  engines = pm_engines_new (settings);
  g_assert_true (pm_engines_check (engines, "remote", NULL));
  image = pm_image_load (photo, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  g_assert_no_error (error);
  pm_document_set_image (doc, image, photo, "cat");
  g_signal_connect (doc, "run-finished", G_CALLBACK (finished_cb), &f);

  g_setenv ("PAINTMASK_API_KEY", "the-first-key", TRUE);
  run_remote (doc, engines, "paint the cat blue", &f);
  g_assert_nonnull (f.error);
  g_assert_cmpint (f.entry->state, ==, PM_RESULT_FAILED);

  g_setenv ("PAINTMASK_API_KEY", "the-second-key", TRUE);
  run_remote (doc, engines, "paint the cat blue", &f);
  g_assert_no_error (f.error);
  g_assert_cmpint (f.entry->state, ==, PM_RESULT_FOUND);
  g_assert_nonnull (pm_document_get_mask (doc));

  g_unsetenv ("PAINTMASK_API_KEY");
  g_settings_reset (settings, "remote-endpoint");
  pm_fake_editor_stop (fe);
  finished_clear (&f);
}

/* ---------------------------------------------------------------- quitting after a run */

typedef struct {
  GApplication *app;
  PmDocument   *doc;
  PmEngines    *engines;
} QuitData;

static void
quit_finished_cb (PmDocument   *doc,
                  PmRunEntry   *entry,
                  const GError *error,
                  QuitData     *data)
{
  /* The window goes at once: its hold on the application and its document reference. */
  g_application_release (data->app);
  g_clear_object (&data->doc);
}

static void
quit_activate_cb (GApplication *app,
                  QuitData     *data)
{
  g_autoptr(PmEngineRequest) req = request (data->engines, "builtin");

  g_application_hold (app);  /* as a window does */
  pm_document_set_image (data->doc, disk_image (4000, 3000, 900), "/tmp/large.png", "large");
  g_signal_connect (data->doc, "run-finished", G_CALLBACK (quit_finished_cb), data);
  g_assert_true (pm_document_run (data->doc, "segment the red disk", req, NULL, NULL));
}

static void
test_quit_after_run (void)
{
  g_autofree char *db = g_build_filename (tmpdir, "quit.sqlite3", NULL);

  if (g_test_subprocess ())
    {
      g_autoptr(GApplication) app = g_application_new ("io.github.paintmask.TestQuit",
                                                       G_APPLICATION_NON_UNIQUE);
      g_autoptr(PmAppStore) store = pm_app_store_new (db);
      QuitData data = { app, pm_document_new (store), pm_engines_new (settings) };

      g_signal_connect (app, "activate", G_CALLBACK (quit_activate_cb), &data);
      /* Returns when nothing holds the application: then the process ends, as the app's
       * main() does, whether the store thread is done or not. */
      g_assert_cmpint (g_application_run (app, 0, NULL), ==, 0);
      g_clear_object (&data.engines);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(PmStore) store = pm_store_open (db, &error);
    g_autoptr(GPtrArray) runs = NULL;
    g_autoptr(PmMask) mask = NULL;

    g_assert_no_error (error);
    runs = pm_store_list_runs (store, 0, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (runs->len, ==, 1);
    mask = pm_store_get_artifact_mask (store, ((PmRunInfo *) runs->pdata[0])->id,
                                       PM_ARTIFACT_DERIVED_MASK, &error);
    g_assert_no_error (error);
    g_assert_cmpint (mask->width, ==, 4000);
    g_assert_cmpint (mask->height, ==, 3000);
  }
}

/* ---------------------------------------------------------------- main */

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_strdup (g_getenv ("PM_TEST_DOCUMENT_TMPDIR"));
  if (tmpdir == NULL)
    {
      tmpdir = pm_test_tmpdir ();
      /* The subprocess of a test shares the parent's folder. */
      g_setenv ("PM_TEST_DOCUMENT_TMPDIR", tmpdir, TRUE);
    }
  g_setenv ("XDG_DATA_HOME", tmpdir, TRUE);
  settings = g_settings_new ("io.github.paintmask.Paintmask");

  g_test_add_func ("/document/revisions", test_revisions);
  g_test_add_func ("/document/runs-stack-undo", test_runs_stack_and_undo);
  g_test_add_func ("/document/restore-undo", test_restore_undo);
  g_test_add_func ("/document/photo-change-trims", test_photo_change_trims);
  g_test_add_func ("/document/empty-and-failed", test_empty_and_failed);
  g_test_add_func ("/document/stale-load", test_stale_load);
  g_test_add_func ("/document/progress-main-thread", test_progress_main_thread);
  g_test_add_func ("/document/quit-after-run", test_quit_after_run);
  pm_test_add_shared_func ("/document/remote-key-next-run",
                           "data/eval-public/coco_000000094336.jpg", test_remote_key_next_run);
  ret = g_test_run ();

  g_object_unref (settings);
  if (!g_test_subprocess ())
    pm_test_rmdir (tmpdir);
  g_free (tmpdir);
  return ret;
}
