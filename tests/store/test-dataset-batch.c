/* test-dataset-batch.c: pm_dataset_batch_run() as the app drives it: progress callbacks,
 * pause, cancel and resume, from another thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-dataset-batch"

#include <string.h>
#include <sqlite3.h>

#include "pm-test-util.h"
#include "pm-dataset-batch.h"
#include "pm-store-private.h"

typedef struct {
  char    *dir;
  char    *photos;
  char    *db;
} Fixture;

static void
write_photos (const char *folder,
              int         n)
{
  for (int k = 0; k < n; k++)
    {
      g_autoptr(PmImage) image = pm_image_new (48, 36);
      g_autofree char *name = g_strdup_printf ("p%02d.png", k);
      g_autofree char *path = g_build_filename (folder, name, NULL);

      for (int y = 0; y < 36; y++)
        for (int x = 0; x < 48; x++)
          {
            guint8 *p = image->data + ((gsize) y * 48 + x) * 4;
            gboolean in = x > 10 + k % 5 && x < 30 && y > 8 && y < 26;

            p[0] = in ? 220 : 120;
            p[1] = in ? 30 : 125;
            p[2] = in ? 30 : 130;
            p[3] = 255;
          }
      g_assert_true (pm_image_save_png (image, path, NULL));
    }
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = pm_test_tmpdir ();
  f->photos = g_build_filename (f->dir, "photos", NULL);
  f->db = g_build_filename (f->dir, "db.paintmask", NULL);
  g_mkdir (f->photos, 0755);
  write_photos (f->photos, 6);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  pm_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->photos);
  g_free (f->db);
}

static gint64
count (PmStore    *store,
       const char *sql)
{
  gint64 n = -1;

  g_assert_true (pm_store_query_int64 (store, sql, 0, &n, NULL));
  return n;
}

typedef struct {
  Fixture               *f;
  PmDatasetBatchControl *control;
  PmDatasetBatchReport   report;
  gboolean               ok;
  guint                  planned;
  guint                  images_done;
  int                    cancel_after;   /* cancel from the callback after this many; -1 never */
  GMutex                 lock;
} Run;

static const char * const labels[] = { "red", "grey", NULL };

static void
on_planned (guint    n_to_draft,
            guint    n_skipped,
            guint    n_added,
            gpointer user_data)
{
  Run *run = user_data;

  g_mutex_lock (&run->lock);
  run->planned = n_to_draft;
  g_mutex_unlock (&run->lock);
}

static void
on_image_done (const char *path,
               const char *error,
               guint       done,
               guint       total,
               gpointer    user_data)
{
  Run *run = user_data;

  g_assert_null (error);
  g_assert_cmpuint (total, ==, run->planned);
  g_mutex_lock (&run->lock);
  run->images_done = done;
  g_mutex_unlock (&run->lock);
  if (run->cancel_after >= 0 && (int) done >= run->cancel_after)
    pm_dataset_batch_control_cancel (run->control);
}

/* The batch in its own thread with its own connection, as the app runs it. */
static gpointer
run_thread (gpointer data)
{
  Run *run = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = pm_store_open (run->f->db, &error);
  PmDatasetBatchOptions options = { .root = run->f->photos, .labels = labels, .jobs = 2,
                                    .instruction = "segment the {label} thing" };
  PmDatasetBatchCallbacks callbacks = { on_planned, on_image_done };

  g_assert_no_error (error);
  run->ok = pm_dataset_batch_run (store, &options, &callbacks, run, run->control, &run->report,
                                  &error);
  g_assert_no_error (error);
  return NULL;
}

static void
run_init (Run     *run,
          Fixture *f)
{
  memset (run, 0, sizeof *run);
  run->f = f;
  run->control = pm_dataset_batch_control_new ();
  run->cancel_after = -1;
  g_mutex_init (&run->lock);
  pm_dataset_batch_report_init (&run->report);
}

static void
run_clear (Run *run)
{
  pm_dataset_batch_control_free (run->control);
  pm_dataset_batch_report_clear (&run->report);
  g_mutex_clear (&run->lock);
}

/* Paused from the start, nothing is drafted however long it waits; resumed, all is. */
static void
test_batch_pause (Fixture       *f,
                  gconstpointer  data)
{
  Run run;
  GThread *thread;
  g_autoptr(PmStore) store = NULL;
  g_autoptr(GError) error = NULL;
  guint planned = 0;

  run_init (&run, f);
  pm_dataset_batch_control_pause (run.control, TRUE);
  g_assert_true (pm_dataset_batch_control_get_paused (run.control));
  thread = g_thread_new ("batch", run_thread, &run);
  for (int waited = 0; planned == 0 && waited < 60000; waited += 10)
    {
      g_usleep (10000);
      g_mutex_lock (&run.lock);
      planned = run.planned;
      g_mutex_unlock (&run.lock);
    }
  g_assert_cmpuint (planned, ==, 6);
  g_usleep (300 * 1000);
  store = pm_store_open (f->db, &error);
  g_assert_no_error (error);
  g_assert_cmpint (count (store, "SELECT count(*) FROM project_drafts"), ==, 0);
  g_assert_cmpuint (run.images_done, ==, 0);

  pm_dataset_batch_control_pause (run.control, FALSE);
  g_thread_join (thread);
  g_assert_true (run.ok);
  g_assert_false (run.report.cancelled);
  g_assert_cmpuint (run.report.n_done, ==, 6);
  g_assert_cmpuint (run.report.n_drafts, ==, 12);
  g_assert_cmpint (count (store, "SELECT count(*) FROM project_drafts"), ==, 12);
  run_clear (&run);
}

/* Cancelled after two images: those are stored, the others are not, and a second run does
 * exactly the rest. */
static void
test_batch_cancel_resume (Fixture       *f,
                          gconstpointer  data)
{
  Run run;
  g_autoptr(PmStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gint64 first;

  run_init (&run, f);
  run.cancel_after = 2;
  g_thread_join (g_thread_new ("batch", run_thread, &run));
  g_assert_true (run.ok);
  g_assert_true (run.report.cancelled);
  g_assert_cmpuint (run.report.n_done, >=, 2);
  g_assert_cmpuint (run.report.n_done, <, 6);
  g_assert_cmpuint (run.report.failures->len, ==, 0);
  store = pm_store_open (f->db, &error);
  g_assert_no_error (error);
  first = count (store, "SELECT count(*) FROM project_drafts");
  g_assert_cmpint (first, ==, run.report.n_drafts);
  g_assert_cmpint (first, <, 12);
  g_assert_cmpint (count (store, "SELECT count(*) FROM runs"), ==, first);
  run_clear (&run);

  run_init (&run, f);
  g_thread_join (g_thread_new ("batch", run_thread, &run));
  g_assert_true (run.ok);
  g_assert_false (run.report.cancelled);
  g_assert_cmpint (run.report.n_drafts, ==, 12 - first);
  g_assert_cmpint (count (store, "SELECT count(*) FROM project_drafts"), ==, 12);
  g_assert_cmpint (count (store, "SELECT count(*) FROM project_images WHERE status = "
                                 "'drafted'"), ==, 6);
  run_clear (&run);

  /* Cancelled while paused: it returns at once, drafting nothing. */
  run_init (&run, f);
  pm_dataset_batch_control_pause (run.control, TRUE);
  pm_dataset_batch_control_cancel (run.control);
  g_thread_join (g_thread_new ("batch", run_thread, &run));
  g_assert_true (run.report.cancelled);
  g_assert_cmpuint (run.report.n_drafts, ==, 0);
  run_clear (&run);
}

/* A bad label or an engine that cannot start is refused before anything is drafted. */
static void
test_batch_refused (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = pm_store_open (f->db, &error);
  const char * const bad_label[] = { "a/b", NULL };
  const char * const good[] = { "red", NULL };
  PmEngineOptions no_model = { .model_dir = f->dir };   /* no model there */
  PmDatasetBatchOptions options = { .root = f->photos, .labels = bad_label, .jobs = 1 };
  PmDatasetBatchReport report;

  pm_dataset_batch_report_init (&report);
  g_assert_false (pm_dataset_batch_run (store, &options, NULL, NULL, NULL, &report, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID);
  g_clear_error (&error);

  options.labels = good;
  options.engine = "clipseg";
  options.engine_options = &no_model;
  g_assert_false (pm_dataset_batch_run (store, &options, NULL, NULL, NULL, &report, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "label red: engine clipseg"));
  g_assert_cmpint (count (store, "SELECT count(*) FROM project_drafts"), ==, 0);
  pm_dataset_batch_report_clear (&report);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/store/dataset-batch/pause", test_batch_pause);
  ADD ("/store/dataset-batch/cancel-resume", test_batch_cancel_resume);
  ADD ("/store/dataset-batch/refused", test_batch_refused);
#undef ADD
  return g_test_run ();
}
