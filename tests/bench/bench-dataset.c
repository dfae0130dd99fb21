/* bench-dataset.c: `paintmask batch` on a folder of real photos resized to a given size:
 * throughput (images/s), database size per 1,000 images, and export time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   ninja -C build tests/bench/bench-dataset
 *   build/tests/bench/bench-dataset [--photos N] [--size WxH] [--engine E] [--model-dir DIR]
 *                                   [--labels a,b] [--jobs J] [--workdir DIR]
 *
 * The photos are those of ../shared/data/eval-public (index.tsv), cycled and resized to the
 * size asked for (bilinear), every other cycle mirrored so that no two are the same picture,
 * saved as JPEG quality 90: real content with real object boundaries, at 12 MP when asked.
 * The batch runs as a user runs it (the paintmask binary, $PAINTMASK_BIN or
 * build/src/paintmask); the database is measured after a checkpoint, and again after its
 * previews are dropped and it is vacuumed (the size "excluding thumbnails").
 */
#define G_LOG_DOMAIN "bench-dataset"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "pm-image.h"
#include "pm-test-util.h"

static void
die (const char *format,
     ...)
{
  va_list args;

  va_start (args, format);
  fprintf (stderr, "bench-dataset: ");
  vfprintf (stderr, format, args);
  fprintf (stderr, "\n");
  va_end (args);
  exit (1);
}

static GPtrArray *
source_photos (void)
{
  g_autofree char *index = pm_test_shared_path ("data/eval-public/index.tsv");
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *photos = g_ptr_array_new_with_free_func (g_free);

  if (!g_file_get_contents (index, &text, NULL, NULL))
    die ("cannot read %s (set PM_SHARED_DIR)", index);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) cols = g_strsplit (lines[i], "\t", 2);
      g_autofree char *rel = NULL;

      if (cols[0] == NULL || cols[0][0] == '\0')
        continue;
      rel = g_build_filename ("data/eval-public", cols[0], NULL);
      g_ptr_array_add (photos, pm_test_shared_path (rel));
    }
  return photos;
}

static void
write_photos (const char *folder,
              int         n,
              int         width,
              int         height)
{
  g_autoptr(GPtrArray) sources = source_photos ();

  g_mkdir_with_parents (folder, 0755);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("photo-%05d.jpg", i);
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(PmImage) src = NULL;
      g_autoptr(PmImage) big = NULL;
      g_autoptr(GdkPixbuf) pixbuf = NULL;

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      src = pm_image_load (sources->pdata[i % sources->len], 0, &error);
      if (src == NULL)
        die ("%s", error->message);
      big = pm_image_resize (src, width, height);
      if ((i / sources->len) % 2 == 1)
        for (int y = 0; y < height; y++)
          for (int x = 0; x < width / 2; x++)
            {
              guint32 *row = (guint32 *) (gpointer) (big->data + (gsize) y * width * 4);
              guint32 t = row[x];
              row[x] = row[width - 1 - x];
              row[width - 1 - x] = t;
            }
      pixbuf = pm_image_to_pixbuf (big);
      if (!gdk_pixbuf_save (pixbuf, path, "jpeg", &error, "quality", "90", NULL))
        die ("%s", error->message);
    }
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : 0;
}

static gint64
sql_int (sqlite3    *db,
         const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 v = -1;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

static void
exec_or_die (sqlite3    *db,
             const char *sql)
{
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    die ("%s: %s", sql, sqlite3_errmsg (db));
}

/* CPU seconds used by finished children so far. */
static double
children_cpu_s (void)
{
  struct rusage usage;

  getrusage (RUSAGE_CHILDREN, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static double
run (const char * const *argv,
     char              **out)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, out,
                     NULL, &status, &error))
    die ("%s", error->message);
  if (!g_spawn_check_wait_status (status, &error))
    die ("%s %s: %s", argv[0], argv[1], error->message);
  return (g_get_monotonic_time () - start) / 1e6;
}

int
main (int    argc,
      char **argv)
{
  int n = 20, jobs = 1;
  g_autofree char *size = g_strdup ("4000x3000");
  g_autofree char *engine = g_strdup ("builtin");
  g_autofree char *model_dir = NULL;
  g_autofree char *labels = g_strdup ("object,animal");
  g_autofree char *workdir = NULL;
  g_autofree char *jobs_text = NULL;
  g_autofree char *out = NULL;
  g_autofree char *photos = NULL, *db = NULL, *copy = NULL, *coco = NULL, *masks = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(GStrv) label_list = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new ("");
  g_autoptr(GError) error = NULL;
  const char *bin = g_getenv ("PAINTMASK_BIN") ? g_getenv ("PAINTMASK_BIN")
                                                : "build/src/paintmask";
  int width = 0, height = 0;
  double batch_s, cpu_s, coco_s, masks_s;
  gint64 db_bytes, no_thumb_bytes, thumb_bytes, mask_bytes, n_drafts, n_images;
  JsonObject *summary;
  sqlite3 *sql = NULL;
  const GOptionEntry entries[] = {
    { "photos", 0, 0, G_OPTION_ARG_INT, &n, "How many photos (default 20)", "N" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, "Photo size (default 4000x3000)", "WxH" },
    { "engine", 0, 0, G_OPTION_ARG_STRING, &engine, "Engine (default builtin)", "E" },
    { "model-dir", 0, 0, G_OPTION_ARG_FILENAME, &model_dir, "clipseg model folder", "DIR" },
    { "labels", 0, 0, G_OPTION_ARG_STRING, &labels, "Labels, comma-separated", "A,B" },
    { "jobs", 0, 0, G_OPTION_ARG_INT, &jobs, "--jobs for the batch", "J" },
    { "workdir", 0, 0, G_OPTION_ARG_FILENAME, &workdir,
      "Keep the photos (and database) here; photos already there are reused", "DIR" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    die ("%s", error->message);
  if (sscanf (size, "%dx%d", &width, &height) != 2 || width <= 0 || height <= 0 || n <= 0)
    die ("bad --size or --photos");
  if (workdir == NULL)
    workdir = g_dir_make_tmp ("bench-dataset-XXXXXX", NULL);
  photos = g_build_filename (workdir, "photos", NULL);
  db = g_build_filename (workdir, "bench.paintmask", NULL);
  copy = g_build_filename (workdir, "no-thumbnails.paintmask", NULL);
  coco = g_build_filename (workdir, "out.json", NULL);
  masks = g_build_filename (workdir, "masks", NULL);
  write_photos (photos, n, width, height);
  {
    const char *suffixes[] = { "", "-wal", "-shm" };

    for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
      {
        g_autofree char *f = g_strconcat (db, suffixes[i], NULL);
        g_unlink (f);
      }
  }

  /* The batch, as a user runs it. */
  jobs_text = g_strdup_printf ("%d", jobs);
  g_ptr_array_add (args, (gpointer) bin);
  g_ptr_array_add (args, "batch");
  g_ptr_array_add (args, photos);
  label_list = g_strsplit (labels, ",", -1);
  for (guint i = 0; label_list[i] != NULL; i++)
    {
      g_ptr_array_add (args, "--label");
      g_ptr_array_add (args, label_list[i]);
    }
  g_ptr_array_add (args, "--engine");
  g_ptr_array_add (args, engine);
  if (model_dir != NULL)
    {
      g_ptr_array_add (args, "--model-dir");
      g_ptr_array_add (args, model_dir);
    }
  g_ptr_array_add (args, "--jobs");
  g_ptr_array_add (args, jobs_text);
  g_ptr_array_add (args, "--db");
  g_ptr_array_add (args, db);
  g_ptr_array_add (args, "--json");
  g_ptr_array_add (args, NULL);
  cpu_s = children_cpu_s ();
  batch_s = run ((const char * const *) args->pdata, &out);
  cpu_s = children_cpu_s () - cpu_s;
  if (!json_parser_load_from_data (parser, out, -1, &error))
    die ("batch output: %s", error->message);
  summary = json_node_get_object (json_parser_get_root (parser));

  /* Exports, timed. */
  {
    const char *a1[] = { bin, "export", db, "--coco", coco, "-q", NULL };
    const char *a2[] = { bin, "export", db, "--masks", masks, "-q", NULL };
    g_autofree char *o1 = NULL, *o2 = NULL;

    coco_s = run (a1, &o1);
    masks_s = run (a2, &o2);
  }

  /* Sizes: checkpointed database, then a copy without previews, vacuumed. */
  if (sqlite3_open (db, &sql) != SQLITE_OK)
    die ("cannot open %s", db);
  exec_or_die (sql, "PRAGMA wal_checkpoint(TRUNCATE)");
  thumb_bytes = sql_int (sql, "SELECT coalesce (sum (length (thumbnail)), 0) FROM "
                              "project_images");
  mask_bytes = sql_int (sql, "SELECT coalesce (sum (length (png)), 0) FROM artifacts");
  n_drafts = sql_int (sql, "SELECT count(*) FROM project_drafts");
  n_images = sql_int (sql, "SELECT count(*) FROM project_images WHERE status = 'drafted'");
  sqlite3_close (sql);
  db_bytes = file_size (db);
  g_unlink (copy);
  if (sqlite3_open (db, &sql) != SQLITE_OK)
    die ("cannot open %s", db);
  {
    char *vacuum = sqlite3_mprintf ("VACUUM INTO %Q", copy);
    exec_or_die (sql, vacuum);
    sqlite3_free (vacuum);
  }
  sqlite3_close (sql);
  if (sqlite3_open (copy, &sql) != SQLITE_OK)
    die ("cannot open %s", copy);
  exec_or_die (sql, "UPDATE project_images SET thumbnail = NULL; VACUUM");
  sqlite3_close (sql);
  no_thumb_bytes = file_size (copy);

  printf ("photos: %d at %dx%d (%.1f MP), labels: %s, engine %s, --jobs %d\n", n, width,
          height, width * (double) height / 1e6, labels, engine, jobs);
  printf ("batch: %.1f s wall, %.3f images/s (batch's own elapsed %.1f s); %.1f CPU s, "
          "%.3f images per CPU second; %" G_GINT64_FORMAT " drafts on %" G_GINT64_FORMAT
          " images\n", batch_s, json_object_get_double_member (summary, "images_per_s"),
          json_object_get_double_member (summary, "elapsed_s"), cpu_s,
          n_images / MAX (cpu_s, 1e-9), n_drafts, n_images);
  printf ("rows: %.1f MB masks, %.2f MB previews, %.2f MB the rest (rows, indexes, pages)\n",
          mask_bytes / 1e6, thumb_bytes / 1e6, (no_thumb_bytes - mask_bytes) / 1e6);
  printf ("database: %.2f MB; %.2f MB without previews (vacuumed); masks %.1f kB per draft; "
          "previews %.1f kB per image\n", db_bytes / 1e6, no_thumb_bytes / 1e6,
          mask_bytes / 1e3 / MAX (n_drafts, 1), thumb_bytes / 1e3 / MAX (n_images, 1));
  printf ("per 1,000 images (%u labels each): %.1f MB without previews, %.1f MB with\n",
          g_strv_length (label_list), no_thumb_bytes / 1e6 * 1000 / MAX (n_images, 1),
          db_bytes / 1e6 * 1000 / MAX (n_images, 1));
  printf ("export: COCO RLE %.2f s, PNG masks %.2f s (%.3f s per image)\n", coco_s, masks_s,
          masks_s / MAX (n_images, 1));
  return 0;
}
