/* test-cli-dataset.c: `paintmask batch`, `export` and `import` as a user runs them: resume,
 * failures, SIGKILL at any moment, COCO/YOLO/PNG round trips, malformed COCO files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-cli-dataset"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "pm-test-util.h"
#include "pm-maskio.h"
#include "pm-metrics.h"
#include "pm-polygon.h"
#include "pm-store-dataset.h"

typedef struct {
  char *dir;
  char *photos;
  char *db;
} Fixture;

/* A grey, lightly textured photo with a saturated square at @x, @y of side @side. */
static void
write_photo (const char *folder,
             const char *name,
             int         width,
             int         height,
             const guint8 rgb[3],
             int         x,
             int         y,
             int         side)
{
  g_autoptr(PmImage) image = pm_image_new (width, height);
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  for (int j = 0; j < height; j++)
    for (int i = 0; i < width; i++)
      {
        guint8 *p = image->data + ((gsize) j * width + i) * 4;
        gboolean in = i >= x && i < x + side && j >= y && j < y + side;
        guint8 grey = (guint8) (120 + (i * 13 + j * 7) % 17);

        p[0] = in ? rgb[0] : grey;
        p[1] = in ? rgb[1] : grey;
        p[2] = in ? rgb[2] : grey;
        p[3] = 255;
      }
  g_mkdir_with_parents (dir, 0755);
  g_assert_true (pm_image_save_png (image, path, &error));
  g_assert_no_error (error);
}

static const guint8 red[3] = { 220, 30, 30 };
static const guint8 blue[3] = { 30, 40, 220 };

/* @n photos named img-00.png …, each with a red and a blue square in varying places. */
static void
write_photos (const char *folder,
              int         first,
              int         n)
{
  for (int k = first; k < first + n; k++)
    {
      g_autofree char *name = g_strdup_printf ("img-%02d.png", k);
      g_autoptr(PmImage) image = NULL;
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_autoptr(GError) error = NULL;

      write_photo (folder, name, 64, 48, red, 4 + k % 9, 6 + k % 5, 16);
      image = pm_image_load (path, 0, &error);
      g_assert_no_error (error);
      for (int j = 24 + k % 4; j < 40 + k % 4; j++)
        for (int i = 40 - k % 6; i < 56 - k % 6; i++)
          memcpy (image->data + ((gsize) j * 64 + i) * 4, blue, 3);
      g_assert_true (pm_image_save_png (image, path, &error));
    }
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = pm_test_tmpdir ();
  f->photos = g_build_filename (f->dir, "photos", NULL);
  f->db = g_build_filename (f->dir, "project.paintmask", NULL);
  g_mkdir (f->photos, 0755);
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

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static gint64
db_int (const char *db_path,
        const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

/* Runs `paintmask batch PHOTOS --label red --label blue --db DB [extra…] --json`. */
static int
run_batch (Fixture     *f,
           const char  *db,
           const char **extra,
           JsonObject **summary,
           char       **err)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *out = NULL;
  int code;

  g_ptr_array_add (args, "batch");
  g_ptr_array_add (args, f->photos);
  g_ptr_array_add (args, "--label");
  g_ptr_array_add (args, "red");
  g_ptr_array_add (args, "--label");
  g_ptr_array_add (args, "blue");
  g_ptr_array_add (args, "--instruction");
  g_ptr_array_add (args, "segment the {label} square");
  g_ptr_array_add (args, "--db");
  g_ptr_array_add (args, (gpointer) db);
  g_ptr_array_add (args, "--json");
  for (int i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) extra[i]);
  g_ptr_array_add (args, NULL);
  code = pm_test_run_cli ((const char * const *) args->pdata, &out, err);
  if (summary != NULL)
    *summary = out != NULL && *out == '{' ? parse_object (out) : NULL;
  return code;
}

static PmMask *
stored_mask (PmStore    *store,
             gint64      project,
             const char *path,
             const char *label)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) labels = pm_store_list_labels (store, project, &error);
  gint64 image = pm_store_find_project_image (store, project, path, &error);
  g_autoptr(GArray) drafts = pm_store_list_drafts (store, project, image, 0, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < drafts->len; i++)
    for (guint l = 0; l < labels->len; l++)
      {
        PmLabelInfo *info = labels->pdata[l];
        PmDraftInfo *d = &g_array_index (drafts, PmDraftInfo, i);

        if (info->id == d->label_id && g_str_equal (info->name, label))
          {
            PmMask *mask = pm_store_get_draft_mask (store, d->run_id, &error);
            g_assert_no_error (error);
            return mask;
          }
      }
  g_error ("no %s draft for %s", label, path);
}

/* ------------------------------------------------------------------ batch */

static void
test_batch_resume (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(JsonObject) summary = NULL;
  g_autofree char *err = NULL;
  g_autofree char *note = g_build_filename (f->photos, "notes.txt", NULL);
  const char *redo[] = { "--redo", NULL };
  const char *jobs[] = { "--jobs", "2", NULL };
  int code;

  write_photos (f->photos, 0, 5);
  write_photo (f->photos, "sub/deep.png", 64, 48, red, 10, 10, 20);
  write_photo (f->photos, ".hidden.png", 64, 48, red, 10, 10, 20);
  g_assert_true (g_file_set_contents (note, "not an image", -1, NULL));

  code = run_batch (f, f->db, NULL, &summary, &err);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpint (code, ==, 0);
  g_assert_cmpint (json_object_get_int_member (summary, "added"), ==, 6);
  g_assert_cmpint (json_object_get_int_member (summary, "drafted"), ==, 6);
  g_assert_cmpint (json_object_get_int_member (summary, "drafts"), ==, 12);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (summary, "failed")),
                    ==, 0);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (summary,
                                                                             "status"),
                                               "drafted"), ==, 6);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM project_drafts"), ==, 12);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM project_images WHERE path = "
                                  "'sub/deep.png' AND width = 64 AND thumbnail IS NOT NULL"),
                   ==, 1);
  /* No photo copied, no edited image or soft mask kept. */
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM images"), ==, 0);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM artifacts WHERE kind != 'mask'"),
                   ==, 0);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM runs WHERE result IN ('found', "
                                  "'guess') AND mask_pixels > 0"), ==, 12);

  /* The built-in engine finds the coloured squares. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(PmStore) store = pm_store_open (f->db, &error);
    gint64 project = pm_store_find_project (store, f->photos, &error);
    g_autoptr(PmMask) mask = stored_mask (store, project, "img-02.png", "red");
    g_autoptr(PmMask) truth = pm_mask_new (64, 48);
    double iou;

    for (int j = 6 + 2; j < 6 + 2 + 16; j++)
      for (int i = 4 + 2; i < 4 + 2 + 16; i++)
        truth->data[j * 64 + i] = 1.0f;
    iou = pm_mask_iou (mask, truth, NULL, NULL);
    g_test_message ("red square IoU %.3f", iou);
    g_assert_cmpfloat (iou, >, 0.8);
  }

  /* Again: everything is skipped. */
  g_clear_pointer (&summary, json_object_unref);
  g_clear_pointer (&err, g_free);
  code = run_batch (f, f->db, NULL, &summary, &err);
  g_assert_cmpint (code, ==, 0);
  g_assert_cmpint (json_object_get_int_member (summary, "added"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (summary, "skipped"), ==, 6);
  g_assert_cmpint (json_object_get_int_member (summary, "drafts"), ==, 0);

  /* New photos are found and only they are drafted (by two workers this time). */
  write_photos (f->photos, 5, 4);
  g_clear_pointer (&summary, json_object_unref);
  code = run_batch (f, f->db, jobs, &summary, NULL);
  g_assert_cmpint (code, ==, 0);
  g_assert_cmpint (json_object_get_int_member (summary, "added"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (summary, "drafted"), ==, 4);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM project_drafts"), ==, 20);

  /* --redo drafts again, replacing (not adding) runs, and keeps reviewed images. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(PmStore) store = pm_store_open (f->db, &error);
    gint64 project = pm_store_find_project (store, f->photos, &error);
    gint64 image = pm_store_find_project_image (store, project, "img-00.png", &error);

    g_assert_true (pm_store_set_image_status (store, image, PM_IMAGE_STATUS_REVIEWED, &error));
  }
  g_clear_pointer (&summary, json_object_unref);
  code = run_batch (f, f->db, redo, &summary, NULL);
  g_assert_cmpint (code, ==, 0);
  g_assert_cmpint (json_object_get_int_member (summary, "drafted"), ==, 9);
  g_assert_cmpint (json_object_get_int_member (summary, "skipped"), ==, 1);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM project_drafts"), ==, 20);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM runs"), ==, 20);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM artifacts"), ==, 20);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM project_images WHERE status = "
                                  "'reviewed'"), ==, 1);
}

static void
test_batch_failures (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *bad = g_build_filename (f->photos, "broken.jpg", NULL);
  g_autofree char *err = NULL;
  g_autoptr(JsonObject) summary = NULL;
  g_auto(GStrv) lines = NULL;
  JsonArray *failed;
  int code;

  write_photos (f->photos, 0, 3);
  g_assert_true (g_file_set_contents (bad, "this is not a JPEG", -1, NULL));
  code = run_batch (f, f->db, NULL, &summary, &err);
  g_assert_cmpint (code, ==, 1);
  g_assert_cmpint (json_object_get_int_member (summary, "drafted"), ==, 3);
  failed = json_object_get_array_member (summary, "failed");
  g_assert_cmpuint (json_array_get_length (failed), ==, 1);
  g_assert_nonnull (strstr (json_array_get_string_element (failed, 0), "broken.jpg"));
  /* One line for the image as it fails, one at the end listing the failures. */
  lines = g_strsplit (g_strchomp (err), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_true (g_str_has_prefix (lines[0], "paintmask batch: "));
  g_assert_nonnull (strstr (lines[0], "broken.jpg"));
  g_assert_cmpstr (lines[1], ==, "paintmask batch: 1 image failed: broken.jpg");
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM project_images WHERE path = "
                                  "'broken.jpg' AND status = 'todo' AND error LIKE "
                                  "'%broken.jpg%'"), ==, 1);
}

static void
test_batch_usage (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *missing_dir = g_build_filename (f->dir, "nowhere", "out.json", NULL);
  g_autofree char *no_folder = g_build_filename (f->dir, "no-such-folder", NULL);
  const struct { int code; const char *args[12]; const char *says; } cases[] = {
    { 2, { "batch", f->photos, NULL }, "--label" },
    { 2, { "batch", f->photos, "--label", "a/b", NULL }, "slash" },
    { 2, { "batch", f->photos, "--label", "cat", "--label", "cat", NULL }, "twice" },
    { 2, { "batch", f->photos, "--label", "cat", "--jobs", "-1", NULL }, "--jobs" },
    { 2, { "batch", f->photos, "--label", "cat", "--engine", "magic", NULL }, "magic" },
    { 2, { "batch", f->photos, "--label", "cat", "--instruction", " ", NULL }, "template" },
    { 2, { "batch", "--label", "cat", NULL }, "FOLDER" },
    /* the engine options edit checks are checked here too, not ignored */
    { 2, { "batch", f->photos, "--label", "cat", "--precision", "fp8", NULL }, "fp8" },
    { 2, { "batch", f->photos, "--label", "cat", "--refine", "sam", NULL }, "--engine clipseg" },
    { 2, { "batch", f->photos, "--label", "cat", "--refine", "magic", NULL }, "magic" },
    { 2, { "batch", f->photos, "--label", "cat", "--sam-model-dir", f->dir, NULL },
      "--refine sam" },
    { 2, { "batch", f->photos, "--label", "cat", "--threads", "-2", NULL }, "--threads" },
    { 1, { "batch", no_folder, "--label", "cat", "--db", f->db, NULL }, "no such folder" },
    { 1, { "batch", f->photos, "--label", "cat", "--db", f->db, "--coco", missing_dir, NULL },
      "does not exist" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *err = NULL;
      int code = pm_test_run_cli (cases[i].args, NULL, &err);

      g_test_message ("case %u: %s", i, err);
      g_assert_cmpint (code, ==, cases[i].code);
      g_assert_nonnull (strstr (err, cases[i].says));
      g_assert_cmpuint (strlen (err), ==, strcspn (err, "\n") + 1);   /* one line */
      /* Refused before any work: no database was made. */
      g_assert_false (g_file_test (f->db, G_FILE_TEST_EXISTS));
    }
}

/* ------------------------------------------------------------ SIGKILL loop */

static GPid
spawn_batch (Fixture    *f,
             const char *db)
{
  const char *argv[] = { g_getenv ("PAINTMASK_BIN"), "batch", f->photos, "--label", "red",
                         "--label", "blue", "--instruction", "segment the {label} square",
                         "--db", db, "-q", NULL };
  g_autoptr(GError) error = NULL;
  GPid pid = 0;

  g_spawn_async (NULL, (char **) argv, NULL,
                 G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                 G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, &error);
  g_assert_no_error (error);
  return pid;
}

/* Waits up to @ms for @pid; returns its wait status, or -1 if it is still running. */
static int
wait_for (GPid pid,
          int  ms)
{
  for (int waited = 0; waited <= ms; waited += 5)
    {
      int status = 0;

      if (waitpid (pid, &status, WNOHANG) == pid)
        return status;
      g_usleep (5000);
    }
  return -1;
}

/* The drafts stored so far in a database that another process may be creating right now:
 * 0 while there is no schema yet. */
static gint64
count_drafts (const char *db_path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n = 0;

  if (!g_file_test (db_path, G_FILE_TEST_EXISTS))
    return 0;
  if (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
    {
      sqlite3_busy_timeout (db, 10000);
      if (sqlite3_prepare_v2 (db, "SELECT count(*) FROM project_drafts", -1, &stmt,
                              NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
        n = sqlite3_column_int64 (stmt, 0);
      sqlite3_finalize (stmt);
    }
  sqlite3_close (db);
  return n;
}

/* Runs a batch on @db to its end; returns how long it took in ms. */
static int
timed_batch (Fixture    *f,
             const char *db)
{
  gint64 start = g_get_monotonic_time ();
  GPid pid = spawn_batch (f, db);
  int status = wait_for (pid, 600 * 1000);

  g_spawn_close_pid (pid);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  return (int) ((g_get_monotonic_time () - start) / 1000);
}

/* 30 photos, two labels; the batch is SIGKILLed at random moments and started again until
 * it finishes by itself. Every image must end with exactly one draft per label, nothing
 * else left behind, and the same masks as an uninterrupted run (made first, which also
 * times a whole run so that the kills land during the work whatever the machine's speed). */
static void
test_batch_kill_loop (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261202);
  g_autofree char *clean_db = g_build_filename (f->dir, "clean.paintmask", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) killed = NULL;
  g_autoptr(PmStore) clean = NULL;
  int kills = 0, kills_midway = 0, status, full_ms, startup_ms;
  gint64 before = 0, p1, p2;

  write_photos (f->photos, 0, 30);
  full_ms = timed_batch (f, clean_db);
  startup_ms = timed_batch (f, clean_db);   /* everything skipped: the fixed cost */

  /* The first kills land while the batch starts (database, folder scan, engines); then
   * each run is killed a few milliseconds after it stored a randomly chosen number of new
   * drafts, so kills fall inside the engine, the encoding or a transaction, until eight
   * have landed with some drafts stored and some missing; the last run is let finish. */
  status = -1;
  for (int round = 0; round < 300 && status == -1; round++)
    {
      GPid pid = spawn_batch (f, f->db);
      gint64 after;

      if (round < 3)
        status = wait_for (pid, g_rand_int_range (rand, 0, startup_ms + 1));
      else if (kills_midway < 8)
        {
          gint64 target = MIN (before + g_rand_int_range (rand, 1, 7), 59);

          while ((status = wait_for (pid, 2)) == -1 && count_drafts (f->db) < target)
            ;
          if (status == -1)
            status = wait_for (pid, g_rand_int_range (rand, 0, 20));
        }
      else
        status = wait_for (pid, 600 * 1000);
      if (status == -1)
        {
          kill (pid, SIGKILL);
          waitpid (pid, NULL, 0);
          kills++;
        }
      g_spawn_close_pid (pid);
      after = count_drafts (f->db);
      if (status == -1 && after > before && after < 60)
        kills_midway++;
      before = after;
    }
  g_test_message ("a whole run takes %d ms (%d ms with nothing to do); %d kills, %d of them "
                  "with some drafts stored and some missing", full_ms, startup_ms, kills,
                  kills_midway);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_assert_cmpint (kills_midway, >=, 8);

  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM project_images"), ==, 30);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM project_images WHERE status = "
                                  "'drafted'"), ==, 30);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM project_drafts"), ==, 60);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM (SELECT image_id FROM project_drafts "
                                  "GROUP BY image_id HAVING count(*) = 2)"), ==, 30);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM runs"), ==, 60);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM artifacts"), ==, 60);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM sessions"), ==, 30);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM runs WHERE id NOT IN "
                                  "(SELECT run_id FROM project_drafts)"), ==, 0);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM pragma_integrity_check WHERE "
                                  "integrity_check != 'ok'"), ==, 0);

  killed = pm_store_open (f->db, &error);
  clean = pm_store_open (clean_db, &error);
  g_assert_no_error (error);
  p1 = pm_store_find_project (killed, f->photos, &error);
  p2 = pm_store_find_project (clean, f->photos, &error);
  g_assert_no_error (error);
  for (int k = 0; k < 30; k++)
    for (int l = 0; l < 2; l++)
      {
        g_autofree char *name = g_strdup_printf ("img-%02d.png", k);
        const char *label = l == 0 ? "red" : "blue";
        g_autoptr(PmMask) a = stored_mask (killed, p1, name, label);
        g_autoptr(PmMask) b = stored_mask (clean, p2, name, label);

        g_assert_cmpmem (a->data, sizeof (float) * 64 * 48, b->data, sizeof (float) * 64 * 48);
      }
}

/* Two batches on the same folder and database at once: each (image, label) ends with one
 * draft, whichever process stored it first; the other skips it. */
static void
test_batch_concurrent (Fixture       *f,
                       gconstpointer  data)
{
  GPid a, b;
  int sa, sb;

  write_photos (f->photos, 0, 12);
  a = spawn_batch (f, f->db);
  b = spawn_batch (f, f->db);
  sa = wait_for (a, 600 * 1000);
  sb = wait_for (b, 600 * 1000);
  g_spawn_close_pid (a);
  g_spawn_close_pid (b);
  g_assert_true (WIFEXITED (sa) && WEXITSTATUS (sa) == 0);
  g_assert_true (WIFEXITED (sb) && WEXITSTATUS (sb) == 0);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM project_drafts"), ==, 24);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM runs"), ==, 24);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM artifacts"), ==, 24);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM sessions"), ==, 12);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM projects"), ==, 1);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM project_images WHERE status = "
                                  "'drafted'"), ==, 12);
}

/* ------------------------------------------------------------ round trips */

static JsonObject *
load_json_file (const char *path)
{
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return parse_object (text);
}

/* (file_name, category name) → the annotation's RLE counts, for comparing two exports
 * whose ids differ. */
static GHashTable *
annotations_by_name (JsonObject *coco)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonArray *images = json_object_get_array_member (coco, "images");
  JsonArray *cats = json_object_get_array_member (coco, "categories");
  JsonArray *anns = json_object_get_array_member (coco, "annotations");

  for (guint i = 0; i < json_array_get_length (anns); i++)
    {
      JsonObject *o = json_array_get_object_element (anns, i);
      gint64 image_id = json_object_get_int_member (o, "image_id");
      gint64 cat_id = json_object_get_int_member (o, "category_id");
      JsonObject *seg = json_object_get_object_member (o, "segmentation");
      const char *file = NULL, *name = NULL;

      for (guint k = 0; k < json_array_get_length (images); k++)
        if (json_object_get_int_member (json_array_get_object_element (images, k), "id") ==
            image_id)
          file = json_object_get_string_member (json_array_get_object_element (images, k),
                                                "file_name");
      for (guint k = 0; k < json_array_get_length (cats); k++)
        if (json_object_get_int_member (json_array_get_object_element (cats, k), "id") == cat_id)
          name = json_object_get_string_member (json_array_get_object_element (cats, k), "name");
      g_assert_nonnull (file);
      g_assert_nonnull (name);
      g_hash_table_insert (table, g_strdup_printf ("%s|%s", file, name),
                           g_strdup (json_object_get_string_member (seg, "counts")));
    }
  return table;
}

/* Checks every annotation against the mask stored for it: RLE decodes to it, bbox and area
 * are the mask's. */
static void
check_coco_against_store (JsonObject *coco,
                          PmStore    *store,
                          gint64      project)
{
  JsonArray *images = json_object_get_array_member (coco, "images");
  JsonArray *anns = json_object_get_array_member (coco, "annotations");
  JsonArray *cats = json_object_get_array_member (coco, "categories");

  g_assert_cmpuint (json_array_get_length (cats), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (cats, 0),
                                                  "name"), ==, "red");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (cats, 1), "id"),
                   ==, 2);
  for (guint i = 0; i < json_array_get_length (anns); i++)
    {
      JsonObject *o = json_array_get_object_element (anns, i);
      JsonObject *seg = json_object_get_object_member (o, "segmentation");
      JsonArray *size = json_object_get_array_member (seg, "size");
      JsonArray *bbox = json_object_get_array_member (o, "bbox");
      gint64 image_id = json_object_get_int_member (o, "image_id");
      gint64 cat = json_object_get_int_member (o, "category_id");
      const char *file = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(PmMask) decoded = NULL;
      g_autoptr(PmMask) stored = NULL;
      int box[4];
      gint64 area;

      for (guint k = 0; k < json_array_get_length (images); k++)
        if (json_object_get_int_member (json_array_get_object_element (images, k), "id") ==
            image_id)
          file = json_object_get_string_member (json_array_get_object_element (images, k),
                                                "file_name");
      g_assert_nonnull (file);
      g_assert_cmpint (json_array_get_int_element (size, 0), ==, 48);
      g_assert_cmpint (json_array_get_int_element (size, 1), ==, 64);
      decoded = pm_mask_from_rle (json_object_get_string_member (seg, "counts"), 64, 48, &error);
      g_assert_no_error (error);
      stored = stored_mask (store, project, file, cat == 1 ? "red" : "blue");
      g_assert_cmpmem (decoded->data, 64 * 48 * sizeof (float), stored->data,
                       64 * 48 * sizeof (float));
      pm_mask_bbox (stored, box, &area);
      g_assert_cmpint (json_object_get_int_member (o, "area"), ==, area);
      g_assert_cmpint (area, >, 0);
      for (int k = 0; k < 4; k++)
        g_assert_cmpint (json_array_get_int_element (bbox, k), ==, box[k]);
      g_assert_cmpint (json_object_get_int_member (o, "iscrowd"), ==, 0);
    }
}

static void
test_export_roundtrip (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *coco = g_build_filename (f->dir, "a.json", NULL);
  g_autofree char *coco2 = g_build_filename (f->dir, "b.json", NULL);
  g_autofree char *masks = g_build_filename (f->dir, "masks", NULL);
  g_autofree char *masks2 = g_build_filename (f->dir, "masks2", NULL);
  g_autofree char *yolo = g_build_filename (f->dir, "yolo", NULL);
  g_autofree char *db2 = g_build_filename (f->dir, "imported.paintmask", NULL);
  const char *exports[] = { "--coco", coco, "--masks", masks, "--yolo", yolo, NULL };
  g_autoptr(JsonObject) summary = NULL;
  g_autoptr(JsonObject) a = NULL;
  g_autoptr(JsonObject) b = NULL;
  g_autoptr(GHashTable) ann_a = NULL;
  g_autoptr(GHashTable) ann_b = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = NULL;
  gint64 project;

  write_photos (f->photos, 0, 4);
  write_photo (f->photos, "sub/deep.png", 64, 48, red, 10, 10, 20);
  g_assert_cmpint (run_batch (f, f->db, exports, &summary, NULL), ==, 0);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (summary,
                                                                             "export"),
                                               "mask_files"), ==, 10);

  store = pm_store_open (f->db, &error);
  project = pm_store_find_project (store, f->photos, &error);
  g_assert_no_error (error);
  a = load_json_file (coco);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (a, "images")), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (json_object_get_array_member (a, "images"),
                                                    4), "file_name"), ==, "sub/deep.png");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (a, "annotations")),
                    >=, 8);
  check_coco_against_store (a, store, project);

  /* PNG masks: <stem>_<label>.png beside the image's folder, equal to the stored masks. */
  for (int k = 0; k < 5; k++)
    for (int l = 0; l < 2; l++)
      {
        const char *label = l == 0 ? "red" : "blue";
        g_autofree char *image = k < 4 ? g_strdup_printf ("img-%02d.png", k)
                                       : g_strdup ("sub/deep.png");
        g_autofree char *stem = g_strndup (image, strlen (image) - 4);
        g_autofree char *name = g_strdup_printf ("%s_%s.png", stem, label);
        g_autofree char *file = g_build_filename (masks, name, NULL);
        g_autoptr(PmMask) png = pm_mask_load_png (file, &error);
        g_autoptr(PmMask) want = stored_mask (store, project, image, label);

        g_assert_no_error (error);
        g_assert_cmpmem (png->data, 64 * 48 * sizeof (float), want->data,
                         64 * 48 * sizeof (float));
      }

  /* YOLO: a label file per image with normalised outlines, and the classes. */
  {
    g_autofree char *txt = g_build_filename (yolo, "img-01.txt", NULL);
    g_autofree char *yaml_path = g_build_filename (yolo, "data.yaml", NULL);
    g_autofree char *deep = g_build_filename (yolo, "sub", "deep.txt", NULL);
    g_autofree char *text = NULL, *yaml = NULL;
    g_auto(GStrv) lines = NULL;
    gboolean seen[2] = { FALSE, FALSE };

    g_assert_true (g_file_get_contents (txt, &text, NULL, NULL));
    lines = g_strsplit (g_strchomp (text), "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++)
      {
        g_auto(GStrv) words = g_strsplit (lines[i], " ", -1);
        guint n = g_strv_length (words);

        g_assert_cmpuint (n % 2, ==, 1);
        g_assert_cmpuint (n, >=, 7);
        g_assert_true (g_str_equal (words[0], "0") || g_str_equal (words[0], "1"));
        seen[words[0][0] - '0'] = TRUE;
        for (guint w = 1; w < n; w++)
          {
            double v = g_ascii_strtod (words[w], NULL);
            g_assert_cmpfloat (v, >=, 0.0);
            g_assert_cmpfloat (v, <=, 1.0);
          }
      }
    g_assert_true (seen[0] && seen[1]);
    g_assert_true (g_file_test (deep, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_get_contents (yaml_path, &yaml, NULL, NULL));
    g_assert_nonnull (strstr (yaml, "nc: 2\nnames:\n  0: \"red\"\n  1: \"blue\"\n"));
  }

  /* Import into a new database, export again: the same masks, counts for counts. */
  {
    const char *import[] = { "import", coco, "--root", f->photos, "--db", db2, "-q", NULL };
    const char *export2[] = { "export", db2, "--coco", coco2, "--masks", masks2, "-q", NULL };
    g_autofree char *err = NULL;

    g_assert_cmpint (pm_test_run_cli (import, NULL, &err), ==, 0);
    g_assert_cmpstr (err, ==, "");
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (pm_test_run_cli (export2, NULL, &err), ==, 0);
    g_assert_cmpstr (err, ==, "");
  }
  b = load_json_file (coco2);
  ann_a = annotations_by_name (a);
  ann_b = annotations_by_name (b);
  g_assert_cmpuint (g_hash_table_size (ann_a), ==, g_hash_table_size (ann_b));
  {
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init (&iter, ann_a);
    while (g_hash_table_iter_next (&iter, &key, &value))
      g_assert_cmpstr (g_hash_table_lookup (ann_b, key), ==, value);
  }
  {
    g_autofree char *p1 = g_build_filename (masks, "sub", "deep_red.png", NULL);
    g_autofree char *p2 = g_build_filename (masks2, "sub", "deep_red.png", NULL);
    g_autoptr(PmMask) m1 = pm_mask_load_png (p1, NULL);
    g_autoptr(PmMask) m2 = pm_mask_load_png (p2, NULL);

    g_assert_cmpmem (m1->data, 64 * 48 * sizeof (float), m2->data, 64 * 48 * sizeof (float));
  }
}

/* Export takes the latest correction of each mask, and --status picks the images. */
static void
test_export_corrections (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *masks = g_build_filename (f->dir, "masks", NULL);
  g_autofree char *coco = g_build_filename (f->dir, "reviewed.json", NULL);
  g_autofree char *poly = g_build_filename (f->dir, "poly.json", NULL);
  g_autofree char *db2 = g_build_filename (f->dir, "poly.paintmask", NULL);
  g_autoptr(PmMask) corrected = pm_mask_new (64, 48);
  g_autoptr(PmMask) exported = NULL;
  g_autoptr(JsonObject) reviewed = NULL;
  g_autoptr(GError) error = NULL;
  gint64 project, image;

  write_photos (f->photos, 0, 3);
  g_assert_cmpint (run_batch (f, f->db, NULL, NULL, NULL), ==, 0);
  for (int j = 5; j < 30; j++)
    for (int i = 3; i < 50; i++)
      corrected->data[j * 64 + i] = (i - 26) * (i - 26) + (j - 17) * (j - 17) < 150 ? 1.0f : 0.0f;
  {
    g_autoptr(PmStore) store = pm_store_open (f->db, &error);
    g_autoptr(GArray) drafts = NULL;
    g_autoptr(PmMask) first = pm_mask_new (64, 48);
    gint64 run;

    project = pm_store_find_project (store, f->photos, &error);
    image = pm_store_find_project_image (store, project, "img-01.png", &error);
    drafts = pm_store_list_drafts (store, project, image, 0, &error);
    g_assert_no_error (error);
    /* Two corrections of the red draft: the newer one counts. */
    run = g_array_index (drafts, PmDraftInfo, 0).run_id;
    g_assert_cmpint (pm_store_add_correction (store, run, 0, first, "clear", NULL, &error), >, 0);
    g_assert_cmpint (pm_store_add_correction (store, run, 0, corrected, "brush", NULL, &error),
                     >, 0);
    g_assert_true (pm_store_set_image_status (store, image, PM_IMAGE_STATUS_REVIEWED, &error));
  }
  {
    const char *args[] = { "export", f->photos, "--db", f->db, "--masks", masks, "--coco", coco,
                           "--status", "reviewed", "-q", NULL };
    g_autofree char *file = g_build_filename (masks, "img-01_red.png", NULL);
    g_autofree char *other = g_build_filename (masks, "img-00_red.png", NULL);

    g_assert_cmpint (pm_test_run_cli (args, NULL, NULL), ==, 0);
    exported = pm_mask_load_png (file, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (exported->data, 64 * 48 * sizeof (float), corrected->data,
                     64 * 48 * sizeof (float));
    g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));
  }
  reviewed = load_json_file (coco);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (reviewed, "images")),
                    ==, 1);

  /* Polygons: the outline of the small corrected disc (not simplified at this size) comes
   * back through an import exactly: pixel-edge vertices filled at pixel centres. */
  {
    const char *args[] = { "export", f->photos, "--db", f->db, "--coco", poly, "--polygons",
                           "--status", "reviewed", "-q", NULL };
    const char *import[] = { "import", poly, "--root", f->photos, "--db", db2, "-q", NULL };
    g_autoptr(PmStore) store = NULL;
    g_autoptr(PmMask) back = NULL;
    g_autoptr(JsonObject) json = NULL;
    JsonObject *ann;
    double iou;

    g_assert_cmpint (pm_test_run_cli (args, NULL, NULL), ==, 0);
    json = load_json_file (poly);
    ann = json_array_get_object_element (json_object_get_array_member (json, "annotations"), 0);
    g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (ann, "segmentation")));
    g_assert_cmpint (pm_test_run_cli (import, NULL, NULL), ==, 0);
    store = pm_store_open (db2, &error);
    project = pm_store_find_project (store, f->photos, &error);
    g_assert_no_error (error);
    back = stored_mask (store, project, "img-01.png", "red");
    iou = pm_mask_iou (back, corrected, NULL, NULL);
    g_test_message ("polygon round trip IoU %.4f", iou);
    g_assert_cmpfloat (iou, ==, 1.0);
  }
}

/* ------------------------------------------------------------ malformed COCO */

static const char malformed_coco[] =
  "{\"images\": ["
  " {\"id\": 1, \"file_name\": \"good.png\", \"width\": 64, \"height\": 48},"
  " {\"id\": 1, \"file_name\": \"other.png\", \"width\": 64, \"height\": 48},"
  " {\"id\": 2, \"file_name\": \"../escape.png\", \"width\": 64, \"height\": 48},"
  " {\"id\": 3, \"file_name\": \"/etc/passwd\", \"width\": 64, \"height\": 48},"
  " {\"id\": 4, \"file_name\": \"missing.png\", \"width\": 64, \"height\": 48},"
  " {\"id\": 5, \"file_name\": \"other.png\", \"width\": 32, \"height\": 48},"
  " {\"id\": 6, \"file_name\": \"poly.png\", \"width\": 64, \"height\": 48},"
  " \"junk\"],"
  " \"categories\": [{\"id\": 1, \"name\": \"red\"}, {\"id\": 1, \"name\": \"dup\"},"
  "  {\"id\": 2, \"name\": \"a/b\"}, {\"id\": 3, \"name\": \"blue\"}],"
  " \"annotations\": ["
  "  {\"id\": 10, \"image_id\": 1, \"category_id\": 1, \"segmentation\": "
  "    {\"size\": [48, 64], \"counts\": [480, 12, 36, 12, 2532]}},"
  "  {\"id\": 10, \"image_id\": 1, \"category_id\": 3, \"segmentation\": [[0,0,5,0,5,5]]},"
  "  {\"id\": 11, \"image_id\": 1, \"category_id\": 3, \"segmentation\": "
  "    {\"size\": [40, 64], \"counts\": \"PT1\"}},"
  "  {\"id\": 12, \"image_id\": 99, \"category_id\": 1, \"segmentation\": [[0,0,5,0,5,5]]},"
  "  {\"id\": 13, \"image_id\": 1, \"category_id\": 7, \"segmentation\": [[0,0,5,0,5,5]]},"
  "  {\"id\": 14, \"image_id\": 6, \"category_id\": 3, \"segmentation\": "
  "    [[10, 10, 30, 10, 30, 30, 10, 30]]},"
  "  {\"id\": 15, \"image_id\": 6, \"category_id\": 1, \"segmentation\": [[1, 2, 3]]},"
  "  {\"id\": 16, \"image_id\": 1, \"category_id\": 3, \"segmentation\": "
  "    {\"size\": [48, 64], \"counts\": \"\\u007f\\u007f\"}},"
  "  {\"id\": 17, \"image_id\": 1, \"category_id\": 3, \"segmentation\": "
  "    {\"size\": [48, 64], \"counts\": [3000, 72]}},"
  "  {\"id\": 18, \"image_id\": 1, \"category_id\": 3}"
  " ]}";

static void
test_import_malformed (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *json = g_build_filename (f->dir, "bad.json", NULL);
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;
  const char *args[] = { "import", json, "--root", f->photos, "--db", f->db, "-q", NULL };
  const char * const expected[] = {
    "categories[1]: duplicate id 1",
    "categories[2] (id 2): label 'a/b' contains a slash",
    "images[1] (other.png): duplicate id 1",
    "images[2] (id 2): file_name path '../escape.png' leads out of the project folder",
    "images[3] (id 3): file_name path '/etc/passwd' is absolute",
    "images[4] (id 4): missing.png is not in ",
    "images[7]: not an object",
    "annotations[1]: duplicate id 10",
    "annotations[3] (id 12): image_id 99 is not among the usable images",
    "annotations[4] (id 13): category_id 7 is not among the usable categories",
    "annotations[9]: not an object with integer id, image_id, category_id and a segmentation",
    "images[5] (other.png): the file says 32×48 but the photo is 64×48",
    "annotations[2] (id 11): the mask is 64×40 but good.png is 64×48",
    "annotations[7] (id 16): RLE counts have an invalid character",
    "annotations[6] (id 15): polygon 0 is not a list of at least 3 x, y pairs",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = NULL;
  g_autoptr(PmMask) red_mask = NULL;
  g_autoptr(PmMask) blue_mask = NULL;
  g_autoptr(PmMask) poly_mask = NULL;
  gint64 project;

  write_photo (f->photos, "good.png", 64, 48, red, 0, 10, 12);
  write_photo (f->photos, "other.png", 64, 48, red, 5, 5, 10);
  write_photo (f->photos, "poly.png", 64, 48, blue, 10, 10, 20);
  g_assert_true (g_file_set_contents (json, malformed_coco, -1, NULL));
  g_assert_cmpint (pm_test_run_cli (args, NULL, &err), ==, 1);
  lines = g_strsplit (g_strchomp (err), "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_test_message ("%s", lines[i]);
      g_assert_true (g_str_has_prefix (lines[i], "paintmask import: "));
    }
  g_assert_cmpuint (g_strv_length (lines), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      gboolean found = FALSE;

      for (guint k = 0; lines[k] != NULL; k++)
        found |= strstr (lines[k], expected[i]) != NULL;
      if (!found)
        g_error ("no line says \"%s\"", expected[i]);
    }

  /* The rest imported: good.png red (RLE) and blue (uncompressed RLE), poly.png blue. */
  store = pm_store_open (f->db, &error);
  project = pm_store_find_project (store, f->photos, &error);
  g_assert_no_error (error);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM project_drafts"), ==, 3);
  g_assert_cmpint (db_int (f->db, "SELECT count(*) FROM project_images WHERE status = "
                                  "'drafted'"), ==, 2);
  red_mask = stored_mask (store, project, "good.png", "red");
  blue_mask = stored_mask (store, project, "good.png", "blue");
  poly_mask = stored_mask (store, project, "poly.png", "blue");
  /* Column-major runs: 480 = 10 columns of 48 off, then 12 on (rows 0-11) in column 10 … */
  g_assert_cmpint (pm_mask_count (red_mask), ==, 24);
  g_assert_cmpfloat (red_mask->data[0 * 64 + 10], ==, 1.0f);
  g_assert_cmpfloat (red_mask->data[11 * 64 + 11], ==, 1.0f);
  g_assert_cmpfloat (red_mask->data[12 * 64 + 10], ==, 0.0f);
  g_assert_cmpint (pm_mask_count (blue_mask), ==, 72);
  g_assert_cmpint (pm_mask_count (poly_mask), ==, 400);   /* centres 10.5 … 29.5 */
  g_assert_cmpfloat (poly_mask->data[10 * 64 + 10], ==, 1.0f);
  g_assert_cmpfloat (poly_mask->data[30 * 64 + 30], ==, 0.0f);
}

/* A file that is not COCO JSON is refused whole and leaves no database behind. */
static void
test_import_not_coco (Fixture       *f,
                      gconstpointer  data)
{
  const char * const bodies[] = { "{ \"images\": [", "[1, 2]", "{\"images\": []}",
                                  "{\"images\": [], \"categories\": 3}", "" };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autofree char *json = g_build_filename (f->dir, "x.json", NULL);
      const char *args[] = { "import", json, "--root", f->photos, "--db", f->db, NULL };
      g_autofree char *err = NULL;

      g_assert_true (g_file_set_contents (json, bodies[i], -1, NULL));
      g_assert_cmpint (pm_test_run_cli (args, NULL, &err), ==, 1);
      g_test_message ("%s", err);
      g_assert_nonnull (strstr (err, "x.json"));
      g_assert_true (strstr (err, "not valid JSON") != NULL ||
                     strstr (err, "not COCO JSON") != NULL);
      g_assert_cmpuint (strlen (err), ==, strcspn (err, "\n") + 1);
      g_assert_false (g_file_test (f->db, G_FILE_TEST_EXISTS));
    }
}

static void
test_export_usage (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *out = g_build_filename (f->dir, "out.json", NULL);
  g_autofree char *other = g_build_filename (f->dir, "other-photos", NULL);
  const char *no_output[] = { "export", f->photos, "--db", f->db, NULL };
  const char *no_db[] = { "export", f->photos, "--db", f->db, "--coco", out, NULL };
  const char *bad_status[] = { "export", f->db, "--coco", out, "--status", "done", NULL };
  const char *two[] = { "export", f->db, "--coco", out, NULL };
  g_autofree char *err = NULL;

  g_assert_cmpint (pm_test_run_cli (no_output, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "--coco"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (pm_test_run_cli (no_db, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "no such database"));
  g_assert_false (g_file_test (f->db, G_FILE_TEST_EXISTS));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (pm_test_run_cli (bad_status, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "'done'"));
  g_clear_pointer (&err, g_free);

  /* A database with two projects needs the folder named. */
  write_photos (f->photos, 0, 1);
  g_mkdir (other, 0755);
  write_photos (other, 0, 1);
  g_assert_cmpint (run_batch (f, f->db, NULL, NULL, NULL), ==, 0);
  {
    const char *args[] = { "batch", other, "--label", "red", "--db", f->db, "-q", NULL };
    g_assert_cmpint (pm_test_run_cli (args, NULL, NULL), ==, 0);
  }
  g_assert_cmpint (pm_test_run_cli (two, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "holds 2 dataset projects"));
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
}

/* ------------------------------------------------------------------ independent check */

/* Runs tests/fixtures/check-coco.py (numpy + PIL, its own RLE decoder: pycocotools is not in
 * Debian 12) on an export; returns its exit status and stdout. */
static int
run_check_coco (const char  *coco,
                const char  *root,
                const char  *masks,
                gboolean     polygons,
                char       **out)
{
  g_autofree char *script = pm_test_source_path ("tests/fixtures/check-coco.py");
  const char *argv[] = { "/usr/bin/python3", script, coco, root, masks,
                         polygons ? "--polygons" : NULL, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out,
                               NULL, &status, &error));
  g_assert_no_error (error);
  g_test_message ("check-coco: %s", *out);
  return g_spawn_check_wait_status (status, NULL) ? 0 : 1;
}

/* Sets the newest revision of @path's draft of @label to @mask. */
static void
correct_draft (PmStore      *store,
               gint64        project,
               const char   *path,
               const char   *label,
               const PmMask *mask)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) labels = pm_store_list_labels (store, project, &error);
  gint64 image = pm_store_find_project_image (store, project, path, &error);
  g_autoptr(GArray) drafts = pm_store_list_drafts (store, project, image, 0, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < drafts->len; i++)
    for (guint l = 0; l < labels->len; l++)
      if (((PmLabelInfo *) labels->pdata[l])->id == g_array_index (drafts, PmDraftInfo, i).label_id &&
          g_str_equal (((PmLabelInfo *) labels->pdata[l])->name, label))
        {
          g_assert_cmpint (pm_store_add_correction (store, g_array_index (drafts, PmDraftInfo,
                                                                          i).run_id,
                                                    0, mask, "brush", NULL, &error), >, 0);
          g_assert_no_error (error);
          return;
        }
  g_error ("no %s draft for %s", label, path);
}

/* The COCO file read by an independent decoder (not Paintmask's): every RLE annotation is
 * the exported PNG mask pixel for pixel, with its area, tight bbox and iscrowd 0; polygons
 * match the hole-filled masks. Corrections give masks with a hole, several parts, runs
 * along the image border and runs longer than one RLE character group holds. */
static void
test_export_coco_independent (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *coco = g_build_filename (f->dir, "out.json", NULL);
  g_autofree char *poly = g_build_filename (f->dir, "poly.json", NULL);
  g_autofree char *masks = g_build_filename (f->dir, "masks", NULL);
  g_autofree char *tampered = g_build_filename (masks, "img-02_blue.png", NULL);
  g_autofree char *out = NULL;
  g_autoptr(PmMask) ring = pm_mask_new (64, 48);
  g_autoptr(PmMask) border = pm_mask_new (64, 48);
  g_autoptr(PmMask) empty = pm_mask_new (64, 48);
  g_autoptr(PmMask) png = NULL;
  g_autoptr(JsonObject) exported = NULL;
  g_autoptr(GError) error = NULL;
  guint n_annotations;

  if (!pm_test_have_python ("numpy, PIL"))
    return;
  write_photos (f->photos, 0, 5);
  write_photo (f->photos, "sub/deep.png", 64, 48, red, 10, 10, 20);
  g_assert_cmpint (run_batch (f, f->db, NULL, NULL, NULL), ==, 0);
  for (int j = 0; j < 48; j++)
    for (int i = 0; i < 64; i++)
      {
        int d2 = (i - 24) * (i - 24) + (j - 22) * (j - 22);

        /* a ring (its hole is background) and a separate block */
        ring->data[j * 64 + i] = (d2 <= 15 * 15 && d2 >= 6 * 6) ||
                                 (i >= 48 && i < 60 && j >= 30 && j < 44) ? 1.0f : 0.0f;
        /* the first column, the last row, and everything right of x = 20 in the top half */
        border->data[j * 64 + i] = i == 0 || j == 47 || (i > 20 && j < 24) ? 1.0f : 0.0f;
      }
  {
    g_autoptr(PmStore) store = pm_store_open (f->db, &error);
    gint64 project = pm_store_find_project (store, f->photos, &error);

    g_assert_no_error (error);
    correct_draft (store, project, "img-01.png", "red", ring);
    correct_draft (store, project, "img-02.png", "blue", border);
    correct_draft (store, project, "img-03.png", "red", empty);
  }
  {
    const char *args[] = { "export", f->photos, "--db", f->db, "--coco", coco, "--masks",
                           masks, "-q", NULL };
    g_assert_cmpint (pm_test_run_cli (args, NULL, NULL), ==, 0);
  }
  exported = load_json_file (coco);
  n_annotations = json_array_get_length (json_object_get_array_member (exported,
                                                                       "annotations"));
  /* 6 images × 2 labels, less the emptied draft */
  g_assert_cmpuint (n_annotations, ==, 11);
  g_assert_cmpint (run_check_coco (coco, f->photos, masks, FALSE, &out), ==, 0);
  {
    g_autofree char *want = g_strdup_printf ("ok: %u annotations, 6 images\n", n_annotations);
    g_assert_cmpstr (out, ==, want);
  }

  /* Polygons, read the same way. */
  g_clear_pointer (&out, g_free);
  {
    const char *args[] = { "export", f->photos, "--db", f->db, "--coco", poly, "--polygons",
                           "-q", NULL };
    g_assert_cmpint (pm_test_run_cli (args, NULL, NULL), ==, 0);
  }
  g_assert_cmpint (run_check_coco (poly, f->photos, masks, TRUE, &out), ==, 0);
  /* Unsimplified outlines of these small masks fill exactly the (hole-filled) pixels. */
  g_assert_cmpstr (out, ==, "ok: 11 annotations, 6 images, worst polygon IoU 1.0000\n");

  /* The check sees one pixel changed in one PNG mask. */
  g_clear_pointer (&out, g_free);
  png = pm_mask_load_png (tampered, &error);
  g_assert_no_error (error);
  png->data[10 * 64 + 10] = 1.0f - png->data[10 * 64 + 10];
  g_assert_true (pm_mask_save_png (png, tampered, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (run_check_coco (coco, f->photos, masks, FALSE, &out), ==, 1);
  g_assert_nonnull (strstr (out, "RLE differs from"));
  g_assert_nonnull (strstr (out, "in 1 pixels"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/cli/dataset/batch-resume", test_batch_resume);
  ADD ("/cli/dataset/batch-failures", test_batch_failures);
  ADD ("/cli/dataset/batch-usage", test_batch_usage);
  ADD ("/cli/dataset/batch-kill-loop", test_batch_kill_loop);
  ADD ("/cli/dataset/batch-concurrent", test_batch_concurrent);
  ADD ("/cli/dataset/export-roundtrip", test_export_roundtrip);
  ADD ("/cli/dataset/export-corrections", test_export_corrections);
  ADD ("/cli/dataset/export-usage", test_export_usage);
  ADD ("/cli/dataset/export-coco-independent", test_export_coco_independent);
  ADD ("/cli/dataset/import-malformed", test_import_malformed);
  ADD ("/cli/dataset/import-not-coco", test_import_not_coco);
#undef ADD
  return g_test_run ();
}
