/* pm-store-test-util.h: fixtures shared by the tests that fill or read a history database
 * (seeded noise images and masks, a run with its artifacts, one-value SQL queries).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "pm-store.h"

/* Deterministic noise from @seed. Unless @opaque, every alpha value including 0 occurs, so
 * a lossy or premultiplying PNG path would show. */
static inline PmImage *
pm_test_noise_image (int      width,
                     int      height,
                     guint32  seed,
                     gboolean opaque)
{
  PmImage *image = pm_image_new (width, height);
  GRand *rand = g_rand_new_with_seed (seed);

  for (gsize i = 0; i < (gsize) width * height * 4; i++)
    image->data[i] = (guint8) g_rand_int_range (rand, 0, 256);
  if (opaque)
    for (gsize i = 3; i < (gsize) width * height * 4; i += 4)
      image->data[i] = 255;
  g_rand_free (rand);
  return image;
}

/* Deterministic noise from @seed: soft values on the 1/255 grid (they survive 8-bit PNG
 * exactly), or 0/1. */
static inline PmMask *
pm_test_noise_mask (int      width,
                    int      height,
                    gboolean soft,
                    guint32  seed)
{
  PmMask *mask = pm_mask_new (width, height);
  GRand *rand = g_rand_new_with_seed (seed);

  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      int v = g_rand_int_range (rand, 0, 256);
      mask->data[i] = soft ? (float) v / 255.0f : (v > 127 ? 1.0f : 0.0f);
    }
  g_rand_free (rand);
  return mask;
}

/* Adds a run of @instruction to @session_id with all three artifacts (@width × @height,
 * seeded by @seed, @seed + 1 and @seed + 2) and returns its id. */
static inline gint64
pm_test_store_add_run (PmStore    *store,
                       gint64      session_id,
                       const char *instruction,
                       int         width,
                       int         height,
                       guint32     seed)
{
  g_autoptr(PmImage) edited = pm_test_noise_image (width, height, seed, FALSE);
  g_autoptr(PmMask) soft = pm_test_noise_mask (width, height, TRUE, seed + 1);
  g_autoptr(PmMask) derived = pm_test_noise_mask (width, height, FALSE, seed + 2);
  g_autoptr(GError) error = NULL;
  PmRunRecord record = {
    .session_id = session_id,
    .instruction = instruction,
    .parsed_json = "{\"action\":\"paint\"}",
    .engine = "builtin",
    .model = "grabcut",
    .params_json = "{\"iterations\":5}",
    .color = "#8000ff",
    .status = "ok",
    .duration_ms = 123.5,
    .timings_json = "{\"engine\":100}",
    .edited = edited,
    .soft_mask = soft,
    .derived_mask = derived,
  };
  gint64 id = pm_store_add_run (store, &record, &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

/* The integer in the first column of the one row @sql gives. */
static inline gint64
pm_test_sql_int (sqlite3    *db,
                 const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

/* The text in the first column of the one row @sql gives; the caller frees it. */
static inline char *
pm_test_sql_text (sqlite3    *db,
                  const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}
