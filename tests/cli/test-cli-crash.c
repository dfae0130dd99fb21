/* test-cli-crash.c: the history survives what users' machines do to it: `paintmask edit
 * --record` and `paintmask batch` SIGKILLed at random moments, four recording processes and
 * a reader at once, and a disk that fills up while saving.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The kill moments come from a GRand seeded with $PM_CRASH_SEED (a fixed seed when unset);
 * the seed is printed in the log, so that a failing round can be replayed.
 */
#define G_LOG_DOMAIN "test-cli-crash"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>

#include "pm-test-util.h"
#include "pm-store-test-util.h"
#include "pm-maskio.h"
#include "pm-store.h"

#define INSTRUCTION "paint the red square blue"

typedef struct {
  char *dir;
  char *photo;    /* one small photo for edit */
  char *photos;   /* a folder for batch */
  char *db;
} Fixture;

/* A grey, lightly textured @width × @height photo with a red square at @x, @y of side
 * @side and a blue one beside it. */
static void
write_photo (const char *path,
             int         width,
             int         height,
             int         x,
             int         y,
             int         side)
{
  g_autoptr(PmImage) image = pm_image_new (width, height);
  g_autoptr(GError) error = NULL;

  for (int j = 0; j < height; j++)
    for (int i = 0; i < width; i++)
      {
        guint8 *p = image->data + ((gsize) j * width + i) * 4;
        gboolean red = i >= x && i < x + side && j >= y && j < y + side;
        gboolean blue = i >= width - x - side && i < width - x && j >= y && j < y + side;
        guint8 grey = (guint8) (120 + (i * 13 + j * 7) % 17);

        p[0] = red ? 220 : blue ? 30 : grey;
        p[1] = red ? 30 : blue ? 40 : grey;
        p[2] = red ? 30 : blue ? 220 : grey;
        p[3] = 255;
      }
  g_assert_true (pm_image_save_png (image, path, &error));
  g_assert_no_error (error);
}

static void
add_batch_photo (Fixture *f,
                 int      k)
{
  g_autofree char *name = g_strdup_printf ("img-%03d.png", k);
  g_autofree char *path = g_build_filename (f->photos, name, NULL);

  write_photo (path, 48, 36, 3 + k % 7, 4 + k % 5, 12);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = pm_test_tmpdir ();
  f->photo = g_build_filename (f->dir, "photo.png", NULL);
  f->photos = g_build_filename (f->dir, "photos", NULL);
  f->db = g_build_filename (f->dir, "history.sqlite3", NULL);
  g_mkdir (f->photos, 0755);
  write_photo (f->photo, 64, 48, 8, 10, 18);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  pm_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->photo);
  g_free (f->photos);
  g_free (f->db);
}

/* ------------------------------------------------------------------------------------- */
/* Processes                                                                              */
/* ------------------------------------------------------------------------------------- */

typedef struct {
  rlim_t fsize;   /* RLIM_INFINITY: no limit */
} ChildLimits;

static void
child_setup (gpointer user_data)
{
  const ChildLimits *limits = user_data;

  if (limits != NULL && limits->fsize != RLIM_INFINITY)
    {
      struct rlimit rl = { limits->fsize, limits->fsize };

      /* Past the limit write() fails with EFBIG instead of the process being killed. */
      signal (SIGXFSZ, SIG_IGN);
      setrlimit (RLIMIT_FSIZE, &rl);
    }
}

/* Starts `paintmask ARGS…` with its output discarded (@err_path: stderr into that file). */
static GPid
spawn_cli (const char * const *args,
           const char         *err_path,
           ChildLimits        *limits)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int null_fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  int err_fd = err_path != NULL ? open (err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                                        0644) : null_fd;
  GPid pid = 0;

  g_assert_cmpint (null_fd, >=, 0);
  g_assert_cmpint (err_fd, >=, 0);
  g_ptr_array_add (argv, (gpointer) g_getenv ("PAINTMASK_BIN"));
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_async_with_fds (NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                          child_setup, limits, &pid, -1, null_fd, err_fd, &error);
  g_assert_no_error (error);
  if (err_fd != null_fd)
    close (err_fd);
  close (null_fd);
  return pid;
}

/* Waits up to @ms for @pid; returns its wait status, or -1 if it is still running. */
static int
wait_for (GPid pid,
          int  ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  for (;;)
    {
      int status = 0;

      if (waitpid (pid, &status, WNOHANG) == pid)
        return status;
      if (g_get_monotonic_time () >= end)
        return -1;
      g_usleep (1000);
    }
}

static char *
read_text (const char *path)
{
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

/* ------------------------------------------------------------------------------------- */
/* What the database holds                                                                */
/* ------------------------------------------------------------------------------------- */

static sqlite3 *
open_db (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 20000);
  return db;
}

/* Checks @path as a whole and returns its runs: id → "instruction|status|result|kind:sha256,
 * …" (NULL while the database does not exist yet). Every page, row and index is sound;
 * every artifact's PNG bytes still hash to the sha256 stored with them; a recorded edit has
 * all four of its artifacts and a batch draft its mask and nothing else: no half run. */
static GHashTable *
check_database (const char *path)
{
  GHashTable *runs = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autofree char *check = NULL;
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return runs;
  db = open_db (path);
  check = pm_test_sql_text (db, "PRAGMA integrity_check");
  g_assert_cmpstr (check, ==, "ok");
  if (pm_test_sql_int (db, "SELECT count(*) FROM sqlite_schema WHERE name = 'runs'") == 0)
    {
      /* Killed before its first transaction created the schema. */
      sqlite3_close (db);
      return runs;
    }
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM pragma_foreign_key_check"), ==, 0);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT sha256, png FROM artifacts", -1, &stmt,
                                       NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autofree char *sum =
        g_compute_checksum_for_data (G_CHECKSUM_SHA256, sqlite3_column_blob (stmt, 1),
                                     (gsize) sqlite3_column_bytes (stmt, 1));
      g_assert_cmpstr (sum, ==, (const char *) sqlite3_column_text (stmt, 0));
    }
  sqlite3_finalize (stmt);

  /* Whole runs only. */
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM runs r WHERE r.id NOT IN "
                                        "(SELECT run_id FROM project_drafts) AND "
                                        "(SELECT group_concat (kind) FROM (SELECT kind "
                                        "FROM artifacts "
                                        " WHERE run_id = r.id ORDER BY kind)) IS NOT "
                                        "'derived_mask,edited,mask,soft_mask'"), ==, 0);
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM runs r WHERE r.id IN "
                                        "(SELECT run_id FROM project_drafts) AND "
                                        "(SELECT group_concat (kind) FROM artifacts "
                                        " WHERE run_id = r.id) IS NOT 'mask'"), ==, 0);
  g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM runs WHERE status != 'ok'"), ==, 0);

  g_assert_cmpint (sqlite3_prepare_v2 (db,
                     "SELECT r.id, r.instruction || '|' || r.status || '|' || "
                     "  coalesce (r.result, '') || '|' || coalesce ((SELECT group_concat "
                     "  (kind || ':' || sha256) FROM (SELECT kind, sha256 FROM artifacts "
                     "  WHERE run_id = r.id ORDER BY id)), '') FROM runs r", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_hash_table_insert (runs, g_memdup2 (&(gint64) { sqlite3_column_int64 (stmt, 0) },
                                          sizeof (gint64)),
                         g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return runs;
}

/* Every run of @before is in @after, unchanged. */
static void
assert_runs_kept (GHashTable *before,
                  GHashTable *after)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, before);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_assert_cmpstr (g_hash_table_lookup (after, key), ==, value);
}

/* Reads every run back through the store API the app uses: each has its mask. */
static guint
read_back_runs (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmStore) store = pm_store_open (path, &error);
  sqlite3 *db = open_db (path);
  sqlite3_stmt *stmt = NULL;
  guint n = 0;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT id FROM runs", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_autoptr(PmRunInfo) run = pm_store_get_run (store, id, &error);
      g_autoptr(PmMask) mask = NULL;

      g_assert_no_error (error);
      g_assert_cmpstr (run->status, ==, "ok");
      mask = pm_store_get_run_mask (store, id, &error);
      g_assert_no_error (error);
      g_assert_nonnull (mask);
      n++;
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_assert_true (pm_store_check (store, &error));
  g_assert_no_error (error);
  return n;
}

/* ------------------------------------------------------------------------------------- */
/* SIGKILL at random moments                                                              */
/* ------------------------------------------------------------------------------------- */

static GPid
spawn_edit (Fixture    *f,
            const char *err_path)
{
  g_autofree char *out = g_build_filename (f->dir, "edited.png", NULL);
  g_autofree char *mask = g_build_filename (f->dir, "mask.png", NULL);
  const char *args[] = { "edit", f->photo, INSTRUCTION, "--record", "--db", f->db, "-o", out,
                         "--mask", mask, "-q", NULL };

  return spawn_cli (args, err_path, NULL);
}

static GPid
spawn_batch (Fixture    *f,
             const char *err_path)
{
  const char *args[] = { "batch", f->photos, "--label", "red", "--label", "blue",
                         "--instruction", "segment the {label} square", "--db", f->db, "-q",
                         NULL };

  return spawn_cli (args, err_path, NULL);
}

/* Runs @pid to its end (it must succeed) and returns how long that took in ms. */
static int
finish (GPid        pid,
        gint64      start,
        const char *err_path)
{
  int status = wait_for (pid, 600 * 1000);
  g_autofree char *err = read_text (err_path);

  g_spawn_close_pid (pid);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_test_message ("stderr: %s", err);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  return (int) ((g_get_monotonic_time () - start) / 1000);
}

/* 100 times: start `paintmask edit --record` or `paintmask batch` (a new photo in its folder
 * each time, so each has work to do) on one database and SIGKILL it after a random delay
 * below the time a whole run takes. After every kill the database is sound and every run
 * committed before it is still there, unchanged, with all its artifacts. */
/* New photos a killed batch has to draft (and a timed batch drafts). */
#define BATCH_PHOTOS 6

static void
test_kill_loop (Fixture       *f,
                gconstpointer  data)
{
  const char *seed_env = g_getenv ("PM_CRASH_SEED");
  guint32 seed = seed_env != NULL ? (guint32) g_ascii_strtoull (seed_env, NULL, 10)
                                  : 20261203;
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree char *err_path = g_build_filename (f->dir, "stderr.txt", NULL);
  g_autoptr(GHashTable) runs = NULL;
  int edit_ms, batch_ms, kills = 0, finished = 0, kills_after_commit = 0, rounds = 0;
  int next_photo = 0;
  guint n_runs, stored;
  gint64 start;

  g_test_message ("PM_CRASH_SEED=%u", seed);

  /* Whole runs of each, timed: the kills land within that time (the median of three
   * edits, and of three batches of BATCH_PHOTOS photos: the first run pays for a cold
   * start, and a single or the quickest timing underestimated the later rounds when other
   * tests shared the machine, so too few kills came after a commit). */
  {
    int ms[3];

    for (int i = 0; i < 3; i++)
      {
        start = g_get_monotonic_time ();
        ms[i] = finish (spawn_edit (f, err_path), start, err_path);
      }
    edit_ms = MAX (MIN (ms[0], ms[1]), MIN (MAX (ms[0], ms[1]), ms[2]));
  }
  {
    int ms[3];

    for (int i = 0; i < 3; i++)
      {
        for (int k = 0; k < BATCH_PHOTOS; k++)
          add_batch_photo (f, next_photo++);
        start = g_get_monotonic_time ();
        ms[i] = finish (spawn_batch (f, err_path), start, err_path);
      }
    batch_ms = MAX (MIN (ms[0], ms[1]), MIN (MAX (ms[0], ms[1]), ms[2]));
  }
  runs = check_database (f->db);
  g_assert_cmpuint (g_hash_table_size (runs), ==, 3 + 3 * BATCH_PHOTOS * 2);
  g_test_message ("a whole edit takes %d ms, a batch of %d photos %d ms", edit_ms, BATCH_PHOTOS,
                  batch_ms);

  while (kills < 100)
    {
      gboolean batch = g_rand_boolean (rand);
      int limit = batch ? batch_ms : edit_ms;
      int delay = g_rand_int_range (rand, 0, MAX (2, limit * 9 / 10));
      g_autoptr(GHashTable) after = NULL;
      int status;
      GPid pid;

      g_assert_cmpint (++rounds, <=, 300);
      /* BATCH_PHOTOS new photos a batch, as timed above: each photo's drafts are committed
       * while the next is drafted, so a kill can land between two commits of one batch (with
       * one photo the commit came right before the exit, and few kills landed after it). */
      if (batch)
        for (int k = 0; k < BATCH_PHOTOS; k++)
          add_batch_photo (f, next_photo++);
      pid = batch ? spawn_batch (f, err_path) : spawn_edit (f, err_path);
      status = wait_for (pid, delay);
      if (status == -1)
        {
          g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
          g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
        }
      if (WIFSIGNALED (status))
        {
          g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
          kills++;
        }
      else
        {
          /* It finished before its moment came: it must have succeeded. */
          g_autofree char *err = read_text (err_path);
          g_test_message ("round %d (%s) ended by itself: %s", rounds, batch ? "batch" : "edit",
                          err);
          g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
          finished++;
        }
      g_spawn_close_pid (pid);

      after = check_database (f->db);
      assert_runs_kept (runs, after);
      if (g_hash_table_size (after) > g_hash_table_size (runs) && WIFSIGNALED (status))
        kills_after_commit++;
      g_clear_pointer (&runs, g_hash_table_unref);
      runs = g_steal_pointer (&after);
    }

  /* Both still work on the database they were killed on; the batch drafts every photo. */
  start = g_get_monotonic_time ();
  finish (spawn_edit (f, err_path), start, err_path);
  start = g_get_monotonic_time ();
  finish (spawn_batch (f, err_path), start, err_path);
  {
    g_autoptr(GHashTable) after = check_database (f->db);
    sqlite3 *db = open_db (f->db);

    assert_runs_kept (runs, after);
    g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM project_images"), ==, next_photo);
    g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM project_images WHERE status = "
                                          "'drafted'"), ==, next_photo);
    g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM project_drafts"), ==,
                     2 * next_photo);
    n_runs = g_hash_table_size (after);
    sqlite3_close (db);
  }
  stored = read_back_runs (f->db);
  g_assert_cmpuint (stored, ==, n_runs);
  g_test_message ("seed %u: %d rounds, %d kills (%d after some run of theirs was committed), "
                  "%d ended by themselves; %u runs stored, all intact", seed, rounds, kills,
                  kills_after_commit, finished, n_runs);
  g_assert_cmpint (kills, ==, 100);
  /* The kills were spread over the work, not all during start-up. */
  g_assert_cmpint (kills_after_commit, >=, 5);
}

/* ------------------------------------------------------------------------------------- */
/* Four writers and a reader                                                              */
/* ------------------------------------------------------------------------------------- */

#define N_WRITERS 4
#define RUNS_PER_WRITER 6

/* Four processes recording edits into one database at once (each `paintmask edit --record`
 * six times in a row), while this process reads it through the store API as the app does
 * and `paintmask history list` reads it too: every run arrives, nobody sees "database is
 * locked" or any other error. */
static void
test_concurrent (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *script = NULL;
  GPid writers[N_WRITERS];
  char *err_paths[N_WRITERS] = { NULL };
  gint64 last_count = 0;
  int reads = 0, cli_reads = 0, running = N_WRITERS;
  g_autoptr(GError) error = NULL;

  /* A writer: the CLI, RUNS_PER_WRITER times; each failure noted on its stderr. */
  script = g_strdup_printf ("for i in $(seq %d); do \"$0\" edit \"$1\" \"%s (writer $2, run "
                            "$i)\" --record --db \"$3\" -q -o \"$4/w$2-$i.png\" --mask "
                            "\"$4/w$2-$i-mask.png\" || echo \"exit $? in run $i\" >&2; done",
                            RUNS_PER_WRITER, INSTRUCTION);
  for (int k = 0; k < N_WRITERS; k++)
    {
      g_autofree char *num = g_strdup_printf ("%d", k);
      const char *argv[] = { "/bin/sh", "-c", script, g_getenv ("PAINTMASK_BIN"), f->photo,
                             num, f->db, f->dir, NULL };
      int err_fd;

      err_paths[k] = g_strdup_printf ("%s/writer-%d.err", f->dir, k);
      int null_fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);

      err_fd = open (err_paths[k], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      /* stdout goes nowhere: this program's own stdout is TAP. */
      g_spawn_async_with_fds (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                              NULL, &writers[k], -1, null_fd, err_fd, &error);
      g_assert_no_error (error);
      close (err_fd);
      close (null_fd);
    }

  /* The reader, until the last writer is done. */
  while (running > 0)
    {
      if (g_file_test (f->db, G_FILE_TEST_EXISTS))
        {
          g_autoptr(PmStore) store = pm_store_open (f->db, &error);
          g_autoptr(GPtrArray) runs = NULL;
          g_autoptr(GPtrArray) sessions = NULL;

          g_assert_no_error (error);
          runs = pm_store_list_runs (store, 0, NULL, &error);
          g_assert_no_error (error);
          sessions = pm_store_list_sessions (store, NULL, &error);
          g_assert_no_error (error);
          g_assert_cmpint (runs->len, >=, last_count);
          last_count = runs->len;
          if (runs->len > 0)
            {
              PmRunInfo *newest = runs->pdata[0];
              g_autoptr(PmMask) mask = pm_store_get_run_mask (store, newest->id, &error);
              g_autoptr(PmImage) edited = pm_store_get_artifact_image (store, newest->id,
                                                                       PM_ARTIFACT_EDITED,
                                                                       &error);
              g_assert_no_error (error);
              g_assert_nonnull (mask);
              g_assert_nonnull (edited);
            }
          reads++;
          if (reads % 4 == 0)
            {
              const char *args[] = { "history", "list", "--db", f->db, "--json", NULL };
              g_autofree char *out = NULL, *err = NULL;
              int rc = pm_test_run_cli (args, &out, &err);

              if (rc != 0)
                g_test_message ("history list: %s", err);
              g_assert_cmpint (rc, ==, 0);
              g_assert_null (strstr (err, "locked"));
              cli_reads++;
            }
        }
      for (int k = 0; k < N_WRITERS; k++)
        {
          int status;

          if (writers[k] != 0 && waitpid (writers[k], &status, WNOHANG) == writers[k])
            {
              g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
              g_spawn_close_pid (writers[k]);
              writers[k] = 0;
              running--;
            }
        }
      g_usleep (5000);
    }

  for (int k = 0; k < N_WRITERS; k++)
    {
      g_autofree char *err = read_text (err_paths[k]);

      if (*err != '\0')
        g_test_message ("writer %d: %s", k, err);
      g_assert_cmpstr (err, ==, "");
      g_free (err_paths[k]);
    }

  {
    sqlite3 *db = open_db (f->db);
    g_autoptr(GHashTable) runs = check_database (f->db);

    g_assert_cmpuint (g_hash_table_size (runs), ==, N_WRITERS * RUNS_PER_WRITER);
    g_assert_cmpint (pm_test_sql_int (db, "SELECT count(DISTINCT instruction) FROM runs"), ==,
                     N_WRITERS * RUNS_PER_WRITER);
    g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM sessions"), ==, 1);
    sqlite3_close (db);
  }
  g_assert_cmpuint (read_back_runs (f->db), ==, N_WRITERS * RUNS_PER_WRITER);
  g_test_message ("%d writers x %d runs, all stored; %d reads through the store, %d through "
                  "`history list`, none refused", N_WRITERS, RUNS_PER_WRITER, reads, cli_reads);
  g_assert_cmpint (reads, >=, 4);
}

/* ------------------------------------------------------------------------------------- */
/* A full disk                                                                            */
/* ------------------------------------------------------------------------------------- */

/* Runs `paintmask ARGS…` with files limited to @fsize bytes (RLIMIT_FSIZE: past it a write
 * fails with EFBIG, as on a full disk); returns its exit code, -1 if a signal ended it. */
static int
run_limited (const char * const *args,
             rlim_t              fsize,
             char              **err)
{
  ChildLimits limits = { fsize };
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) g_getenv ("PAINTMASK_BIN"));
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, child_setup,
                &limits, NULL, err, &status, &error);
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static GBytes *
read_bytes (const char *path)
{
  char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_bytes_new_take (data, len);
}

/* @path holds either what it held before (@before) or the complete new file (@after). */
static gboolean
old_or_new (const char *path,
            GBytes     *before,
            GBytes     *after)
{
  g_autoptr(GBytes) now = read_bytes (path);

  if (g_bytes_equal (now, before))
    return FALSE;
  g_assert_true (g_bytes_equal (now, after));
  return TRUE;
}

/* Nothing but @expected files in @dir: no temporary file was left behind. */
static void
assert_no_leftovers (const char         *dir,
                     const char * const *expected)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (d)) != NULL)
    g_assert_true (g_strv_contains (expected, name) || g_str_has_prefix (name, "history.") ||
                   g_str_equal (name, "photos"));
}

/* The error of a full disk: one line, naming the file and saying what is wrong. */
static void
assert_disk_full_error (const char *err,
                        const char *file)
{
  g_assert_null (strchr (err, '\n'));   /* one line (its newline is stripped) */
  g_assert_cmpuint (strlen (err), >, 0);
  g_assert_nonnull (strstr (err, file));
  g_assert_true (strstr (err, "full") != NULL || strstr (err, "File too large") != NULL);
}

/* `paintmask edit`, `derive` and `batch` on a disk with room for fewer and fewer bytes:
 * each either succeeds or fails with one clear line; the database stays sound with every
 * earlier run in it, and each output file is either the earlier one, untouched, or the
 * complete new one. */
static void
test_disk_full (Fixture       *f,
                gconstpointer  data)
{
  static const rlim_t limits[] = { 0, 4096, 16384, 32768, 40960, 65536, 102400, 163840,
                                   262144, 524288, 4194304 };
  g_autofree char *out = g_build_filename (f->dir, "edited.png", NULL);
  g_autofree char *mask = g_build_filename (f->dir, "mask.png", NULL);
  g_autofree char *ref_out = g_build_filename (f->dir, "ref-edited.png", NULL);
  g_autofree char *ref_mask = g_build_filename (f->dir, "ref-mask.png", NULL);
  const char *files[] = { "photo.png", "edited.png", "mask.png", "ref-edited.png",
                          "ref-mask.png", NULL };
  const char *edit[] = { "edit", f->photo, INSTRUCTION, "--record", "--db", f->db, "-o", out,
                         "--mask", mask, "-q", NULL };
  const char *edit_unrecorded[] = { "edit", f->photo, INSTRUCTION, "-o", out, "--mask", mask,
                                    "-q", NULL };
  const char *derive[] = { "derive", f->photo, ref_out, "-o", mask, NULL };
  const char *batch[] = { "batch", f->photos, "--label", "red", "--label", "blue", "--db",
                          f->db, "-q", NULL };
  g_autoptr(GBytes) new_out = NULL, new_mask = NULL, old_out = NULL, old_mask = NULL;
  g_autoptr(GHashTable) runs = NULL;
  int failed_open = 0, failed_commit = 0, succeeded = 0;

  /* The files a whole run writes, and a history with two runs in it. */
  {
    const char *ref[] = { "edit", f->photo, INSTRUCTION, "-o", ref_out, "--mask", ref_mask,
                          "-q", NULL };
    const char * const *runs[] = { ref, edit, edit };

    for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
      {
        g_autofree char *err = NULL;

        g_assert_cmpint (run_limited (runs[i], RLIM_INFINITY, &err), ==, 0);
      }
  }
  new_out = read_bytes (ref_out);
  new_mask = read_bytes (ref_mask);
  runs = check_database (f->db);
  g_assert_cmpuint (g_hash_table_size (runs), ==, 2);

  /* Earlier files of other content: what a failed save must leave alone. */
  write_photo (out, 20, 10, 2, 2, 4);
  write_photo (mask, 10, 20, 1, 1, 3);
  old_out = read_bytes (out);
  old_mask = read_bytes (mask);

  /* Without the history the first write is a PNG. */
  for (guint k = 0; k < 2; k++)
    {
      g_autofree char *err = NULL;
      int rc = run_limited (k == 0 ? edit_unrecorded : derive, 0, &err);

      g_test_message ("%s with no room: exit %d: %s", k == 0 ? "edit" : "derive", rc,
                      g_strchomp (err));
      g_assert_cmpint (rc, ==, 1);
      assert_disk_full_error (err, k == 0 ? "edited.png" : "mask.png");
      g_assert_false (old_or_new (out, old_out, new_out));
      g_assert_false (old_or_new (mask, old_mask, new_mask));
      assert_no_leftovers (f->dir, files);
    }

  for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
    {
      g_autofree char *err = NULL;
      g_autoptr(GHashTable) after = NULL;
      int rc = run_limited (edit, limits[i], &err);

      g_test_message ("edit --record, files up to %lu bytes: exit %d: %s",
                      (unsigned long) limits[i], rc, g_strchomp (err));
      after = check_database (f->db);
      assert_runs_kept (runs, after);
      old_or_new (out, old_out, new_out);
      old_or_new (mask, old_mask, new_mask);
      assert_no_leftovers (f->dir, files);
      if (rc == 0)
        {
          g_assert_cmpuint (g_hash_table_size (after), ==, g_hash_table_size (runs) + 1);
          g_assert_true (old_or_new (out, old_out, new_out));
          succeeded++;
        }
      else
        {
          g_assert_cmpint (rc, ==, 1);
          assert_disk_full_error (err, f->db);
          g_assert_cmpuint (g_hash_table_size (after), ==, g_hash_table_size (runs));
          if (strstr (err, "committing") != NULL)
            failed_commit++;
          else
            failed_open++;
        }
      g_clear_pointer (&runs, g_hash_table_unref);
      runs = g_steal_pointer (&after);
    }
  /* The limits reach every stage: opening (the WAL index), committing, and success. */
  g_assert_cmpint (failed_open, >=, 1);
  g_assert_cmpint (failed_commit, >=, 1);
  g_assert_cmpint (succeeded, >=, 1);

  for (int k = 0; k < 4; k++)
    add_batch_photo (f, k);
  for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
    {
      g_autofree char *err = NULL;
      g_autoptr(GHashTable) after = NULL;
      int rc = run_limited (batch, limits[i], &err);

      g_test_message ("batch, files up to %lu bytes: exit %d: %s", (unsigned long) limits[i],
                      rc, g_strchomp (err));
      after = check_database (f->db);
      assert_runs_kept (runs, after);
      if (rc != 0)
        {
          g_assert_cmpint (rc, ==, 1);
          assert_disk_full_error (err, f->db);
        }
      g_clear_pointer (&runs, g_hash_table_unref);
      runs = g_steal_pointer (&after);
    }
  /* The last limit had room: the batch is complete and the history readable. */
  {
    sqlite3 *db = open_db (f->db);

    g_assert_cmpint (pm_test_sql_int (db, "SELECT count(*) FROM project_drafts"), ==, 8);
    sqlite3_close (db);
  }
  g_assert_cmpuint (read_back_runs (f->db), ==, g_hash_table_size (runs));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/cli/crash/kill-edit-and-batch", test_kill_loop);
  ADD ("/cli/crash/four-writers-and-readers", test_concurrent);
  ADD ("/cli/crash/disk-full", test_disk_full);
#undef ADD

  return g_test_run ();
}
