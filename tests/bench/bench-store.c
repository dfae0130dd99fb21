/* bench-store.c: how long the history store takes to record, open, check, list, read and
 * export runs of a given image size.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   ninja -C build tests/bench/bench-store
 *   build/tests/bench/bench-store [--runs N] [--size WxH] [--photo FILE] [--db FILE]
 *
 * Without --photo the image is a smooth synthetic picture with mild noise (compresses like
 * a photo, unlike pure noise). Numbers are wall-clock milliseconds on this machine.
 */
#define G_LOG_DOMAIN "bench-store"

#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "pm-maskio.h"
#include "pm-store.h"

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static PmImage *
synthetic_image (int width,
                 int height)
{
  PmImage *image = pm_image_new (width, height);
  GRand *rand = g_rand_new_with_seed (7);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = image->data + ((gsize) y * width + x) * 4;
        int noise = g_rand_int_range (rand, -6, 7);
        p[0] = (guint8) CLAMP (255 * x / width + noise, 0, 255);
        p[1] = (guint8) CLAMP (255 * y / height + noise, 0, 255);
        p[2] = (guint8) CLAMP (128 + noise, 0, 255);
        p[3] = 255;
      }
  g_rand_free (rand);
  return image;
}

static void
die (const char   *what,
     const GError *error)
{
  fprintf (stderr, "bench-store: %s: %s\n", what, error ? error->message : "failed");
  exit (1);
}

int
main (int    argc,
      char **argv)
{
  int runs = 10;
  g_autofree char *size = NULL;
  g_autofree char *photo = NULL;
  g_autofree char *db = NULL;
  GOptionEntry entries[] = {
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Runs to record (default 10)", "N" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, "Image size (default 2000x1500)", "WxH" },
    { "photo", 0, 0, G_OPTION_ARG_FILENAME, &photo, "Resize this photo instead", "FILE" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "Database (default: a temporary one)", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- history store benchmark");
  g_autoptr(GError) error = NULL;
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmImage) edited = NULL;
  g_autoptr(PmMask) soft = NULL;
  g_autoptr(PmMask) mask = NULL;
  g_autoptr(PmStore) store = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *export_path = NULL;
  int width = 2000, height = 1500;
  double t, encode_image = 0, encode_masks = 0, add = 0, add_small = 0;
  gint64 session, first_run = 0;
  gboolean user_db;
  GStatBuf st;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    die ("options", error);
  if (size != NULL && sscanf (size, "%dx%d", &width, &height) != 2)
    die ("--size wants WxH", NULL);
  if (runs < 1 || width < 1 || height < 1)
    die ("--runs and --size must be positive", NULL);

  if (photo != NULL)
    {
      g_autoptr(PmImage) loaded = pm_image_load (photo, 0, &error);
      if (loaded == NULL)
        die (photo, error);
      image = pm_image_resize (loaded, width, height);
    }
  else
    image = synthetic_image (width, height);

  /* The edit: the right half recoloured; a soft ramp and its binary mask. */
  edited = pm_image_copy (image);
  soft = pm_mask_new (width, height);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        gsize i = (gsize) y * width + x;
        soft->data[i] = CLAMP ((float) (x - width / 2) / (width / 8 + 1), 0.0f, 1.0f);
        if (soft->data[i] > 0)
          edited->data[i * 4 + 1] = (guint8) (edited->data[i * 4 + 1] / 2);
      }
  mask = pm_mask_threshold (soft, 0.5f);

  dir = g_dir_make_tmp ("bench-store-XXXXXX", &error);
  if (dir == NULL)
    die ("temporary folder", error);
  user_db = db != NULL;
  if (db == NULL)
    db = g_build_filename (dir, "history.sqlite3", NULL);
  export_path = g_build_filename (dir, "session.paintmask", NULL);

  printf ("image %dx%d%s%s, %d runs\n", width, height, photo ? " from " : " synthetic",
          photo ? photo : "", runs);

  t = now_ms ();
  store = pm_store_open (db, &error);
  if (store == NULL)
    die ("open", error);
  printf ("create/open:                 %8.1f ms\n", now_ms () - t);

  /* What encoding alone costs, to tell it from the SQL and fsync in add_run. */
  {
    g_autoptr(GBytes) a = NULL, b = NULL, c = NULL;
    t = now_ms ();
    a = pm_image_encode_png (edited, &error);
    encode_image = now_ms () - t;
    t = now_ms ();
    b = pm_mask_encode_png (soft, TRUE, &error);
    c = pm_mask_encode_png (mask, FALSE, &error);
    encode_masks = now_ms () - t;
    if (a == NULL || b == NULL || c == NULL)
      die ("encode", error);
    printf ("PNG encode edited image:     %8.1f ms (%.1f MB)\n", encode_image,
            g_bytes_get_size (a) / 1e6);
    printf ("PNG encode soft+binary mask: %8.1f ms\n", encode_masks);
  }

  t = now_ms ();
  session = pm_store_ensure_session (store, image, photo, &error);
  if (session == 0)
    die ("ensure_session", error);
  printf ("ensure_session (new image):  %8.1f ms\n", now_ms () - t);

  for (int i = 0; i < runs; i++)
    {
      PmRunRecord record = { .session_id = session, .instruction = "paint the right half",
                             .engine = "bench", .edited = edited, .soft_mask = soft,
                             .derived_mask = mask };
      PmRunRecord small = { .session_id = session, .instruction = "a failed run",
                            .status = "error", .error = "bench" };
      gint64 id;

      t = now_ms ();
      id = pm_store_add_run (store, &record, &error);
      add += now_ms () - t;
      if (id == 0)
        die ("add_run", error);
      if (first_run == 0)
        first_run = id;
      t = now_ms ();
      if (pm_store_add_run (store, &small, &error) == 0)
        die ("add_run", error);
      add_small += now_ms () - t;
    }
  printf ("add_run with 3 artifacts:    %8.1f ms/run\n", add / runs);
  printf ("add_run without artifacts:   %8.1f ms/run (SQL + fsync)\n", add_small / runs);
  g_clear_pointer (&store, pm_store_close);
  g_stat (db, &st);
  printf ("database size:               %8.1f MB\n", st.st_size / 1e6);

  t = now_ms ();
  store = pm_store_open (db, &error);
  if (store == NULL)
    die ("reopen", error);
  printf ("reopen (with its check):     %8.1f ms\n", now_ms () - t);

  t = now_ms ();
  if (!pm_store_check (store, &error))
    die ("check", error);
  printf ("pm_store_check (integrity):  %8.1f ms\n", now_ms () - t);

  {
    g_autoptr(GPtrArray) all = NULL;
    g_autoptr(GPtrArray) found = NULL;
    g_autoptr(PmImage) got = NULL;
    g_autoptr(PmImage) thumb = NULL;
    g_autoptr(GArray) ids = NULL;

    t = now_ms ();
    all = pm_store_list_runs (store, 0, NULL, &error);
    found = pm_store_list_runs (store, 0, "failed", &error);
    if (all == NULL || found == NULL)
      die ("list", error);
    printf ("list + search %4u runs:      %8.2f ms\n", all->len, now_ms () - t);

    t = now_ms ();
    got = pm_store_get_artifact_image (store, first_run, PM_ARTIFACT_EDITED, &error);
    if (got == NULL)
      die ("get artifact", error);
    printf ("get edited image (decode):   %8.1f ms\n", now_ms () - t);

    t = now_ms ();
    thumb = pm_store_get_run_thumbnail (store, first_run, &error);
    if (thumb == NULL)
      die ("thumbnail", error);
    printf ("get run thumbnail:           %8.2f ms\n", now_ms () - t);

    t = now_ms ();
    if (!pm_store_export_session (store, session, export_path, &error))
      die ("export", error);
    printf ("export session:              %8.1f ms\n", now_ms () - t);

    t = now_ms ();
    ids = pm_store_import_file (store, export_path, &error);
    if (ids == NULL)
      die ("import", error);
    printf ("import it back:              %8.1f ms\n", now_ms () - t);
  }

  g_clear_pointer (&store, pm_store_close);
  if (!user_db)
    {
      const char *suffixes[] = { "", "-wal", "-shm" };
      for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
        {
          g_autofree char *file = g_strconcat (db, suffixes[i], NULL);
          g_unlink (file);
        }
    }
  g_unlink (export_path);
  g_rmdir (dir);
  return 0;
}
