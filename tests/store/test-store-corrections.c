/* test-store-corrections.c: hand corrections as a chain of revisions
 * (src/store/pm-store-corrections.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-store-corrections"

#include <string.h>
#include <sqlite3.h>

#include "pm-test-util.h"
#include "pm-mask-paint.h"
#include "pm-maskio.h"
#include "pm-store-dataset.h"
#include "pm-store-private.h"

#define W 64
#define H 48

typedef struct {
  char    *dir;
  PmStore *store;
  gint64   session;
  gint64   run;
  gint64   derived_id;
  PmMask  *derived;
} Fixture;

static PmImage *
make_image (guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  PmImage *image = pm_image_new (W, H);

  for (gsize i = 0; i < (gsize) W * H * 4; i++)
    image->data[i] = (guint8) g_rand_int_range (rand, 0, 256);
  return image;
}

/* A binary disk, then a soft brush stroke: values on the 8-bit levels. */
static PmMask *
make_correction (double x,
                 double y)
{
  PmMask *mask = pm_mask_new (W, H);
  PmBrush brush;

  pm_brush_init (&brush, 9);
  pm_mask_paint_segment (mask, &brush, 20, 20, 20, 20, NULL);
  brush.hardness = 0.3;
  pm_mask_paint_segment (mask, &brush, 20, 20, x, y, NULL);
  return mask;
}

static gboolean
same_bits (const PmMask *a,
           const PmMask *b)
{
  return a != NULL && b != NULL && a->width == b->width && a->height == b->height &&
         memcmp (a->data, b->data, sizeof (float) * a->width * a->height) == 0;
}

static gint64
sql_count (PmStore    *store,
           const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_prepare_v2 (pm_store_get_db (store), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

/* parent_id of the run's correction @revision, by SQL. */
static gint64
sql_revision_parent (Fixture *f,
                     int      revision)
{
  sqlite3_stmt *stmt = NULL;
  gint64 parent;

  g_assert_cmpint (sqlite3_prepare_v2 (pm_store_get_db (f->store),
                                       "SELECT parent_id FROM artifacts WHERE run_id = ?1 "
                                       "AND revision = ?2", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, f->run);
  sqlite3_bind_int (stmt, 2, revision);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  parent = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return parent;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmImage) image = make_image (1);
  g_autoptr(PmImage) edited = make_image (2);
  g_autoptr(GPtrArray) artifacts = NULL;
  g_autofree char *path = NULL;
  PmRunRecord record = { .instruction = "paint the cup red" };

  f->dir = pm_test_tmpdir ();
  path = g_build_filename (f->dir, "history.sqlite3", NULL);
  f->store = pm_store_open (path, &error);
  g_assert_no_error (error);
  f->session = pm_store_ensure_session (f->store, image, NULL, &error);
  g_assert_no_error (error);
  f->derived = make_correction (20, 20);
  record.session_id = f->session;
  record.edited = edited;
  record.derived_mask = f->derived;
  f->run = pm_store_add_run (f->store, &record, &error);
  g_assert_no_error (error);
  artifacts = pm_store_list_artifacts (f->store, f->run, &error);
  g_assert_no_error (error);
  f->derived_id = ((PmArtifactInfo *) artifacts->pdata[1])->id;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  pm_store_close (f->store);
  pm_mask_free (f->derived);
  pm_test_rmdir (f->dir);
  g_free (f->dir);
}

static void
test_chain (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmMask) c1 = make_correction (40, 30);
  g_autoptr(PmMask) c2 = make_correction (50, 10);
  g_autoptr(PmMask) c3 = make_correction (5, 40);
  g_autoptr(GPtrArray) artifacts = NULL;
  gint64 id1, id2, id3;
  int revision = -1;

  /* The first correction is made from the derived mask, the next from it. */
  id1 = pm_store_add_correction (f->store, f->run, 0, c1, "brush", &revision, &error);
  g_assert_no_error (error);
  g_assert_cmpint (revision, ==, 1);
  id2 = pm_store_add_correction (f->store, f->run, 0, c2, "grow 3", &revision, &error);
  g_assert_no_error (error);
  g_assert_cmpint (revision, ==, 2);
  /* Undo to the first, then a different correction: a branch from revision 1. */
  id3 = pm_store_add_correction (f->store, f->run, id1, c3, "eraser", &revision, &error);
  g_assert_no_error (error);
  g_assert_cmpint (revision, ==, 3);

  artifacts = pm_store_list_artifacts (f->store, f->run, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (artifacts->len, ==, 5);
  {
    const struct { gint64 id; int revision; gint64 parent; const char *op; } want[] = {
      { id1, 1, f->derived_id, "brush" }, { id2, 2, id1, "grow 3" }, { id3, 3, id1, "eraser" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (want); i++)
      {
        PmArtifactInfo *a = artifacts->pdata[2 + i];

        g_assert_cmpint (a->kind, ==, PM_ARTIFACT_CORRECTED_MASK);
        g_assert_cmpint (a->id, ==, want[i].id);
        g_assert_cmpint (a->revision, ==, want[i].revision);
        g_assert_cmpint (a->parent_id, ==, want[i].parent);
        g_assert_cmpstr (a->operation, ==, want[i].op);
        g_assert_cmpint (a->width, ==, W);
      }
  }

  /* Each revision comes back bit for bit, soft edge included; 0 is the newest. */
  {
    g_autoptr(PmMask) r1 = pm_store_get_correction_mask (f->store, f->run, 1, &error);
    g_autoptr(PmMask) r2 = pm_store_get_correction_mask (f->store, f->run, 2, &error);
    g_autoptr(PmMask) r0 = pm_store_get_correction_mask (f->store, f->run, 0, &error);
    g_autoptr(PmMask) newest = pm_store_get_artifact_mask (f->store, f->run,
                                                           PM_ARTIFACT_CORRECTED_MASK, &error);
    g_autoptr(GBytes) png = pm_store_get_correction_png (f->store, f->run, 2, &error);
    g_autofree char *sha = NULL;

    g_assert_no_error (error);
    g_assert_true (same_bits (r1, c1));
    g_assert_true (same_bits (r2, c2));
    g_assert_true (same_bits (r0, c3));
    g_assert_true (same_bits (newest, c3));
    sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, png);
    g_assert_cmpstr (sha, ==, ((PmArtifactInfo *) artifacts->pdata[3])->sha256);
  }

  /* All undone, then a new correction: made from the run's own mask. */
  {
    gint64 id4 = pm_store_add_correction (f->store, f->run, -1, c2, "lasso", &revision, &error);

    g_assert_no_error (error);
    g_assert_cmpint (revision, ==, 4);
    g_assert_cmpint (sql_revision_parent (f, 4), ==, f->derived_id);
    g_assert_cmpint (id4, >, id3);
  }

  /* pm_store_add_artifact() continues the chain. */
  g_assert_cmpint (pm_store_add_artifact (f->store, f->run, PM_ARTIFACT_CORRECTED_MASK, NULL,
                                          c1, &error), >, id3);
  g_assert_no_error (error);
  g_assert_cmpint (sql_revision_parent (f, 5), ==, id3 + 1);
}

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(PmMask) good = make_correction (30, 30);
  g_autoptr(PmMask) small = pm_mask_new (W - 1, H);
  GError *error = NULL;
  gint64 edited_id, other_run, other_mask;
  PmRunRecord other = { .session_id = f->session, .instruction = "other" };

  other.derived_mask = good;
  other_run = pm_store_add_run (f->store, &other, &error);
  g_assert_no_error (error);
  other_mask = pm_store_add_correction (f->store, other_run, 0, good, NULL, NULL, &error);
  g_assert_no_error (error);
  edited_id = f->derived_id - 1;

  g_assert_cmpint (pm_store_add_correction (f->store, 9999, 0, good, NULL, NULL, &error), ==, 0);
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "9999"));
  g_clear_error (&error);
  g_assert_cmpint (pm_store_add_correction (f->store, f->run, 0, small, NULL, NULL, &error),
                   ==, 0);
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "63×48"));
  g_clear_error (&error);
  g_assert_cmpint (pm_store_add_correction (f->store, f->run, other_mask, good, NULL, NULL,
                                            &error), ==, 0);
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "belongs to run"));
  g_clear_error (&error);
  g_assert_cmpint (pm_store_add_correction (f->store, f->run, edited_id, good, NULL, NULL,
                                            &error), ==, 0);
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "edited"));
  g_clear_error (&error);
  g_assert_cmpint (pm_store_add_correction (f->store, f->run, 777777, good, NULL, NULL,
                                            &error), ==, 0);
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Nothing of that was stored; reading what is not there names what is. */
  g_assert_null (pm_store_get_correction_mask (f->store, f->run, 0, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no corrected_mask"));
  g_clear_error (&error);
  g_assert_null (pm_store_get_correction_png (f->store, other_run, 2, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "revision 2 (it has 1 to 1)"));
  g_clear_error (&error);
  g_assert_null (pm_store_get_correction_png (f->store, 4242, 0, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
}

static void
test_delete_and_transfer (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmMask) c1 = make_correction (40, 30);
  g_autoptr(PmMask) c2 = make_correction (10, 5);
  g_autofree char *file = g_build_filename (f->dir, "one.paintmask", NULL);
  g_autofree char *db2 = g_build_filename (f->dir, "second.sqlite3", NULL);
  g_autoptr(PmStore) second = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GPtrArray) artifacts = NULL;

  pm_store_add_correction (f->store, f->run, 0, c1, "brush", NULL, &error);
  pm_store_add_correction (f->store, f->run, 0, c2, "lasso", NULL, &error);
  g_assert_no_error (error);

  /* Exported and imported into a history whose ids are taken: the chain follows. */
  g_assert_true (pm_store_export_session (f->store, f->session, file, &error));
  g_assert_no_error (error);
  second = pm_store_open (db2, &error);
  g_assert_no_error (error);
  {
    g_autoptr(PmImage) filler = make_image (9);
    gint64 s = pm_store_ensure_session (second, filler, NULL, &error);
    PmRunRecord r = { .session_id = s, .instruction = "filler", .derived_mask = c1 };

    g_assert_no_error (error);
    pm_store_add_run (second, &r, &error);
    pm_store_add_run (second, &r, &error);
    g_assert_no_error (error);
  }
  ids = pm_store_import_file (second, file, &error);
  g_assert_no_error (error);
  runs = pm_store_list_runs (second, g_array_index (ids, gint64, 0), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 1);
  artifacts = pm_store_list_artifacts (second, ((PmRunInfo *) runs->pdata[0])->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (artifacts->len, ==, 4);
  {
    PmArtifactInfo *derived = artifacts->pdata[1], *r1 = artifacts->pdata[2];
    PmArtifactInfo *r2 = artifacts->pdata[3];
    g_autoptr(PmMask) got = pm_store_get_correction_mask (second, r2->run_id, 1, &error);

    g_assert_no_error (error);
    g_assert_cmpint (derived->kind, ==, PM_ARTIFACT_DERIVED_MASK);
    g_assert_cmpint (r1->parent_id, ==, derived->id);
    g_assert_cmpint (r2->parent_id, ==, r1->id);
    g_assert_cmpint (r2->revision, ==, 2);
    g_assert_cmpstr (r2->operation, ==, "lasso");
    g_assert_cmpint (derived->id, !=, f->derived_id);
    g_assert_true (same_bits (got, c1));
  }
  g_assert_cmpint (sql_count (second, "SELECT count(*) FROM pragma_foreign_key_check"), ==, 0);

  /* Deleting the run deletes its corrections. */
  g_assert_true (pm_store_delete_run (f->store, f->run, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sql_count (f->store, "SELECT count(*) FROM artifacts"), ==, 0);
}

/* A dataset draft's session has no stored photo: the size comes from the project image,
 * and pm_store_get_draft_mask() sees the newest correction. */
static void
test_draft (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmMask) draft_mask = make_correction (20, 20);
  g_autoptr(PmMask) fixed = make_correction (60, 40);
  g_autoptr(PmMask) wrong = pm_mask_new (W, H + 1);
  g_autoptr(PmMask) current = NULL;
  const char *paths[] = { "a.png" };
  PmRunRecord run = { .instruction = "segment the cup", .engine = "builtin" };
  PmDraftRecord draft = { .run = &run, .mask = draft_mask };
  gint64 project, run_id;
  int revision = 0;

  project = pm_store_ensure_project (f->store, f->dir, &error);
  g_assert_no_error (error);
  draft.label_id = pm_store_ensure_label (f->store, project, "cup", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (pm_store_add_project_images (f->store, project, paths, 1, NULL, &error));
  draft.image_id = pm_store_find_project_image (f->store, project, "a.png", &error);
  g_assert_no_error (error);
  run_id = pm_store_add_draft (f->store, &draft, &error);
  g_assert_no_error (error);

  g_assert_cmpint (pm_store_add_correction (f->store, run_id, 0, fixed, "lasso", &revision,
                                            &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpint (revision, ==, 1);
  current = pm_store_get_draft_mask (f->store, run_id, &error);
  g_assert_no_error (error);
  for (int i = 0; i < W * H; i++)
    g_assert_cmpfloat (current->data[i], ==, fixed->data[i] > 0.5f ? 1.0f : 0.0f);
  g_assert_cmpint (pm_store_add_correction (f->store, run_id, 0, wrong, NULL, NULL, &error),
                   ==, 0);
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/store/corrections/chain", test_chain);
  ADD ("/store/corrections/errors", test_errors);
  ADD ("/store/corrections/delete-and-transfer", test_delete_and_transfer);
  ADD ("/store/corrections/draft", test_draft);
#undef ADD
  return g_test_run ();
}
