/* test-dataset.c: dataset projects in the store: names and paths, labels, images, drafts,
 * status, the latest mask revision, photos read from the folder, crash safety.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-dataset"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>

#include "pm-test-util.h"
#include "pm-maskio.h"
#include "pm-store-dataset.h"
#include "pm-store-private.h"

typedef struct {
  char    *dir;      /* the project folder, holding the photos */
  char    *db;
  PmStore *store;
  gint64   project;
} Fixture;

/* A photo with a bright square on a dark textured ground. */
static PmImage *
make_photo (int width,
            int height,
            int seed)
{
  PmImage *image = pm_image_new (width, height);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = image->data + ((gsize) y * width + x) * 4;
        gboolean in = x > width / 4 && x < width * 3 / 4 && y > height / 4 && y < height * 3 / 4;

        p[0] = (guint8) (in ? 200 : 30 + (x * 7 + y * 3 + seed) % 40);
        p[1] = (guint8) (in ? 180 : 40 + (x + y * 5 + seed) % 30);
        p[2] = (guint8) (in ? 40 : 60);
        p[3] = 255;
      }
  return image;
}

static PmMask *
make_disc (int    width,
           int    height,
           double cx,
           double cy,
           double r)
{
  PmMask *mask = pm_mask_new (width, height);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      mask->data[(gsize) y * width + x] =
        (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r ? 1.0f : 0.0f;
  return mask;
}

static void
assert_masks_equal (const PmMask *a,
                    const PmMask *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  g_assert_true (memcmp (a->data, b->data, sizeof (float) * a->width * a->height) == 0);
}

static gint64
sql_int (PmStore    *store,
         const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (pm_store_get_db (store), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static void
write_photo (Fixture    *f,
             const char *name,
             int         width,
             int         height)
{
  g_autoptr(PmImage) photo = make_photo (width, height, (int) strlen (name));
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_image_save_png (photo, path, &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = pm_test_tmpdir ();
  f->db = g_build_filename (f->dir, "project.paintmask", NULL);
  f->store = pm_store_open (f->db, &error);
  g_assert_no_error (error);
  f->project = pm_store_ensure_project (f->store, f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (f->project, >, 0);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  pm_store_close (f->store);
  pm_test_rmdir (f->dir);
  g_free (f->db);
  g_free (f->dir);
}

/* Adds @name (written as a 40×30 photo) and returns its image id. */
static gint64
add_image (Fixture    *f,
           const char *name)
{
  g_autoptr(GError) error = NULL;
  const char *paths[] = { name };
  gint64 id;

  write_photo (f, name, 40, 30);
  g_assert_true (pm_store_add_project_images (f->store, f->project, paths, 1, NULL, &error));
  g_assert_no_error (error);
  id = pm_store_find_project_image (f->store, f->project, name, &error);
  g_assert_no_error (error);
  return id;
}

static gint64
add_draft (Fixture      *f,
           gint64        image,
           gint64        label,
           const PmMask *mask,
           gboolean      replace,
           GError      **error)
{
  PmRunRecord run = { .instruction = "segment the thing", .engine = "builtin",
                      .color = "#00ff00" };
  PmDraftRecord draft = { .image_id = image, .label_id = label, .run = &run, .mask = mask,
                          .replace = replace };

  return pm_store_add_draft (f->store, &draft, error);
}

static PmImageStatus
image_status (Fixture *f,
              gint64   image)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmProjectImage) info = pm_store_get_project_image (f->store, image, &error);

  g_assert_no_error (error);
  return info->status;
}

/* ------------------------------------------------------------------------------------- */

static void
test_names_and_paths (void)
{
  const char *good_labels[] = { "cat", "traffic light", "façade", "a.b", "x-1_2" };
  const char *bad_labels[] = { "", "a/b", "a\\b", ".", "..", "tab\there", "new\nline" };
  const char *good_paths[] = { "a.jpg", "sub/dir/b.png", "..hidden.png", "x..y/z.png" };
  const char *bad_paths[] = { "", "/etc/passwd", "../up.png", "a/../../b.png", "a//b.png",
                              "./a.png", "a\\b.png", "~/x.png", "a/./b.png", "dir/" };

  for (guint i = 0; i < G_N_ELEMENTS (good_labels); i++)
    g_assert_true (pm_label_name_check (good_labels[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad_labels); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (pm_label_name_check (bad_labels[i], &error));
      g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID);
      g_assert_null (strchr (error->message, '\n'));
    }
  for (guint i = 0; i < G_N_ELEMENTS (good_paths); i++)
    g_assert_true (pm_project_path_check (good_paths[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad_paths); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("path '%s'", bad_paths[i]);
      g_assert_false (pm_project_path_check (bad_paths[i], &error));
      g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID);
    }

  {
    g_autofree char *text = pm_label_expand_instruction ("paint {label} and the {label}s",
                                                         "cat");
    g_assert_cmpstr (text, ==, "paint cat and the cats");
  }
  {
    guint flags = 0;
    g_autoptr(GError) error = NULL;

    g_assert_true (pm_image_status_parse_set ("drafted, Reviewed", &flags, NULL));
    g_assert_cmpuint (flags, ==, PM_IMAGE_STATUS_FLAG (PM_IMAGE_STATUS_DRAFTED) |
                                 PM_IMAGE_STATUS_FLAG (PM_IMAGE_STATUS_REVIEWED));
    g_assert_false (pm_image_status_parse_set ("reviewed,done", &flags, &error));
    g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "'done'"));
  }
}

static void
test_projects_and_labels (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dotted = g_build_filename (f->dir, "sub", "..", NULL);
  g_autoptr(GPtrArray) labels = NULL;
  g_autoptr(GPtrArray) projects = NULL;
  gint64 cat, dog, again;

  /* The same folder however it is spelt is the same project. */
  g_assert_cmpint (pm_store_ensure_project (f->store, dotted, &error), ==, f->project);
  g_assert_cmpint (pm_store_find_project (f->store, f->dir, &error), ==, f->project);
  g_assert_cmpint (pm_store_find_project (f->store, "/nowhere/else", &error), ==, 0);
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  cat = pm_store_ensure_label (f->store, f->project, "cat", NULL, NULL, &error);
  g_assert_no_error (error);
  dog = pm_store_ensure_label (f->store, f->project, "dog", "paint the {label} blue", "clipseg",
                               &error);
  g_assert_no_error (error);
  /* An existing label keeps its position; given fields replace the stored ones. */
  again = pm_store_ensure_label (f->store, f->project, "cat", "outline the {label}", NULL,
                                 &error);
  g_assert_no_error (error);
  g_assert_cmpint (again, ==, cat);
  g_assert_cmpint (pm_store_ensure_label (f->store, f->project, "a/b", NULL, NULL, &error),
                   ==, 0);
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID);
  g_clear_error (&error);

  labels = pm_store_list_labels (f->store, f->project, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (labels->len, ==, 2);
  {
    PmLabelInfo *l0 = labels->pdata[0], *l1 = labels->pdata[1];

    g_assert_cmpint (l0->id, ==, cat);
    g_assert_cmpint (l0->position, ==, 0);
    g_assert_cmpstr (l0->instruction, ==, "outline the {label}");
    g_assert_cmpstr (l0->engine, ==, PM_LABEL_DEFAULT_ENGINE);
    g_assert_cmpint (l1->id, ==, dog);
    g_assert_cmpint (l1->position, ==, 1);
    g_assert_cmpstr (l1->instruction, ==, "paint the {label} blue");
    g_assert_cmpstr (l1->engine, ==, "clipseg");
  }

  projects = pm_store_list_projects (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (projects->len, ==, 1);
  g_assert_cmpint (((PmProjectInfo *) projects->pdata[0])->n_labels, ==, 2);
  g_assert_cmpstr (((PmProjectInfo *) projects->pdata[0])->root, ==, f->dir);
}

static void
test_images (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *first[] = { "b.png", "a.png", "sub/c.png" };
  const char *second[] = { "a.png", "d.png" };
  const char *bad[] = { "e.png", "../f.png" };
  g_autoptr(GPtrArray) images = NULL;
  guint added = 0;
  int counts[4];

  g_assert_true (pm_store_add_project_images (f->store, f->project, first, 3, &added, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (added, ==, 3);
  g_assert_true (pm_store_add_project_images (f->store, f->project, second, 2, &added, &error));
  g_assert_cmpuint (added, ==, 1);
  /* One bad path and nothing is added. */
  g_assert_false (pm_store_add_project_images (f->store, f->project, bad, 2, &added, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (sql_int (f->store, "SELECT count(*) FROM project_images"), ==, 4);

  images = pm_store_list_project_images (f->store, f->project, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (images->len, ==, 4);
  g_assert_cmpstr (((PmProjectImage *) images->pdata[0])->path, ==, "a.png");
  g_assert_cmpstr (((PmProjectImage *) images->pdata[3])->path, ==, "sub/c.png");
  g_assert_cmpint (((PmProjectImage *) images->pdata[0])->status, ==, PM_IMAGE_STATUS_TODO);
  g_assert_cmpint (((PmProjectImage *) images->pdata[0])->width, ==, 0);

  g_assert_true (pm_store_set_image_status (f->store, ((PmProjectImage *) images->pdata[1])->id,
                                            PM_IMAGE_STATUS_REJECTED, &error));
  g_assert_true (pm_store_set_image_error (f->store, ((PmProjectImage *) images->pdata[2])->id,
                                           "cannot read", &error));
  g_assert_no_error (error);
  g_assert_false (pm_store_set_image_status (f->store, 999, PM_IMAGE_STATUS_REVIEWED, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "project image 999"));
  g_clear_error (&error);
  g_clear_pointer (&images, g_ptr_array_unref);

  images = pm_store_list_project_images (f->store, f->project,
                                         PM_IMAGE_STATUS_FLAG (PM_IMAGE_STATUS_TODO), 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (images->len, ==, 3);
  g_assert_cmpstr (((PmProjectImage *) images->pdata[1])->error, ==, "cannot read");
  g_assert_true (pm_store_count_project_images (f->store, f->project, counts, &error));
  g_assert_cmpint (counts[PM_IMAGE_STATUS_TODO], ==, 3);
  g_assert_cmpint (counts[PM_IMAGE_STATUS_REJECTED], ==, 1);
  g_assert_cmpint (counts[PM_IMAGE_STATUS_DRAFTED], ==, 0);

  {
    g_autofree char *file = pm_store_get_project_image_file (f->store,
                                                             ((PmProjectImage *) images->pdata[2])->id,
                                                             &error);
    g_autofree char *expected = g_build_filename (f->dir, "sub", "c.png", NULL);
    g_assert_no_error (error);
    g_assert_cmpstr (file, ==, expected);
  }
}

/* Status follows the drafts: todo until every label has one, then drafted; a draft
 * replaced on a reviewed image sends it back to drafted; rejected stays rejected. */
static void
test_draft_status (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmMask) mask = make_disc (40, 30, 20, 15, 8);
  g_autoptr(PmMask) small = make_disc (20, 30, 10, 15, 5);
  gint64 cat = pm_store_ensure_label (f->store, f->project, "cat", NULL, NULL, NULL);
  gint64 dog = pm_store_ensure_label (f->store, f->project, "dog", NULL, NULL, NULL);
  gint64 a = add_image (f, "a.png"), b = add_image (f, "b.png");
  gint64 run1, run2, run3, bird;

  run1 = add_draft (f, a, cat, mask, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image_status (f, a), ==, PM_IMAGE_STATUS_TODO);
  g_assert_cmpint (add_draft (f, a, cat, mask, FALSE, &error), ==, 0);
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  run2 = add_draft (f, a, dog, mask, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image_status (f, a), ==, PM_IMAGE_STATUS_DRAFTED);

  /* The size is learnt from the first draft; a mask of another size is refused. */
  g_assert_cmpint (add_draft (f, b, cat, mask, FALSE, &error), >, 0);
  g_assert_cmpint (add_draft (f, b, dog, small, FALSE, &error), ==, 0);
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "20×30"));
  g_clear_error (&error);

  g_assert_true (pm_store_set_image_status (f->store, a, PM_IMAGE_STATUS_REVIEWED, &error));
  run3 = add_draft (f, a, cat, mask, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image_status (f, a), ==, PM_IMAGE_STATUS_DRAFTED);
  /* The replaced draft's run is gone with its mask; exactly one draft per label. */
  g_assert_cmpint (sql_int (f->store, "SELECT count(*) FROM runs WHERE id = 1"), ==, 0);
  g_assert_cmpint (run1, ==, 1);
  g_assert_cmpint (sql_int (f->store, "SELECT count(*) FROM project_drafts WHERE image_id = 1"),
                   ==, 2);
  g_assert_cmpint (sql_int (f->store, "SELECT count(*) FROM artifacts"), ==, 3);
  g_assert_cmpint (run3, >, run2);

  g_assert_true (pm_store_set_image_status (f->store, b, PM_IMAGE_STATUS_REJECTED, &error));
  g_assert_cmpint (add_draft (f, b, dog, mask, FALSE, &error), >, 0);
  g_assert_cmpint (image_status (f, b), ==, PM_IMAGE_STATUS_REJECTED);

  /* A third label makes complete images incomplete only when they are drafted again. */
  bird = pm_store_ensure_label (f->store, f->project, "bird", NULL, NULL, NULL);
  {
    g_autoptr(GPtrArray) with_bird = NULL;

    g_assert_cmpint (add_draft (f, a, dog, mask, TRUE, &error), >, 0);
    g_assert_cmpint (image_status (f, a), ==, PM_IMAGE_STATUS_TODO);
    g_assert_cmpint (add_draft (f, a, bird, mask, FALSE, &error), >, 0);
    g_assert_cmpint (image_status (f, a), ==, PM_IMAGE_STATUS_DRAFTED);
    with_bird = pm_store_list_project_images (f->store, f->project, 0, bird, &error);
    g_assert_cmpuint (with_bird->len, ==, 1);
    g_assert_cmpint (((PmProjectImage *) with_bird->pdata[0])->n_drafts, ==, 3);
  }
  {
    g_autoptr(GArray) drafts = pm_store_list_drafts (f->store, f->project, 0,
                                                     PM_IMAGE_STATUS_FLAG (PM_IMAGE_STATUS_DRAFTED),
                                                     &error);
    g_assert_no_error (error);
    g_assert_cmpuint (drafts->len, ==, 3);
    g_assert_cmpint (g_array_index (drafts, PmDraftInfo, 0).label_id, ==, cat);
    g_assert_cmpint (g_array_index (drafts, PmDraftInfo, 2).label_id, ==, bird);
  }
}

/* Masks are stored as 1-bit PNGs; the current mask is the newest correction. */
static void
test_draft_masks (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmMask) mask = make_disc (40, 30, 20, 15, 8);
  g_autoptr(PmMask) fixed = make_disc (40, 30, 18, 14, 10);
  g_autoptr(PmMask) fixed_again = make_disc (40, 30, 10, 10, 4);
  g_autoptr(PmMask) got = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GBytes) png8 = NULL;
  gint64 cat = pm_store_ensure_label (f->store, f->project, "cat", NULL, NULL, NULL);
  gint64 a = add_image (f, "a.png");
  gint64 run = add_draft (f, a, cat, mask, FALSE, &error);
  const guint8 *bytes;

  g_assert_no_error (error);
  png = pm_store_get_artifact_png (f->store, run, PM_ARTIFACT_MASK, &error);
  g_assert_no_error (error);
  bytes = g_bytes_get_data (png, NULL);
  g_assert_cmpint (bytes[24], ==, 1);  /* IHDR bit depth */
  g_assert_cmpint (bytes[25], ==, 0);  /* greyscale */
  png8 = pm_mask_encode_png (mask, FALSE, NULL);
  g_assert_cmpuint (g_bytes_get_size (png), <, g_bytes_get_size (png8));
  g_assert_cmpint (sql_int (f->store, "SELECT count(*) FROM artifacts WHERE kind IN "
                                      "('edited', 'soft_mask')"), ==, 0);

  got = pm_store_get_draft_mask (f->store, run, &error);
  g_assert_no_error (error);
  assert_masks_equal (got, mask);
  g_clear_pointer (&got, pm_mask_free);

  g_assert_cmpint (pm_store_add_correction (f->store, run, 0, fixed, "brush", NULL, &error),
                   >, 0);
  g_assert_cmpint (pm_store_add_correction (f->store, run, 0, fixed_again, "eraser", NULL,
                                            &error), >, 0);
  got = pm_store_get_draft_mask (f->store, run, &error);
  g_assert_no_error (error);
  assert_masks_equal (got, fixed_again);
  g_clear_pointer (&got, pm_mask_free);

  g_assert_null (pm_store_get_draft_mask (f->store, 999, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
}

/* A dataset image's session reads its photo from the folder, stays out of the history
 * lists, re-renders its edit, and is neither exported nor imported as a session. */
static void
test_draft_sessions (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmMask) mask = make_disc (40, 30, 20, 15, 8);
  g_autoptr(PmImage) photo = make_photo (40, 30, (int) strlen ("a.png"));
  g_autoptr(PmImage) got = NULL;
  g_autoptr(PmImage) edited = NULL;
  g_autoptr(PmRunInfo) run_info = NULL;
  g_autoptr(PmSessionInfo) session = NULL;
  g_autoptr(GPtrArray) sessions = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autofree char *exported = g_build_filename (f->dir, "one.paintmask", NULL);
  gint64 cat = pm_store_ensure_label (f->store, f->project, "cat", NULL, NULL, NULL);
  gint64 a = add_image (f, "a.png");
  gint64 run = add_draft (f, a, cat, mask, FALSE, &error);
  gint64 changed = 0, outside_changed = 0;

  g_assert_no_error (error);
  run_info = pm_store_get_run (f->store, run, &error);
  g_assert_no_error (error);
  got = pm_store_get_session_image (f->store, run_info->session_id, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (got->data, 40 * 30 * 4, photo->data, 40 * 30 * 4);
  session = pm_store_get_session (f->store, run_info->session_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (session->width, ==, 40);
  g_assert_true (g_str_has_suffix (session->source_path, "/a.png"));

  /* Its preview is made from the file once and kept with the project image. */
  {
    g_autoptr(PmImage) thumb = pm_store_get_session_thumbnail (f->store, run_info->session_id,
                                                               &error);
    g_autoptr(PmImage) again = NULL;

    g_assert_no_error (error);
    g_assert_cmpmem (thumb->data, 40 * 30 * 4, photo->data, 40 * 30 * 4);  /* small: itself */
    g_assert_cmpint (sql_int (f->store, "SELECT count(*) FROM project_images WHERE "
                                        "thumbnail IS NOT NULL"), ==, 1);
    again = pm_store_get_image_thumbnail (f->store, a, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (again->data, 40 * 30 * 4, photo->data, 40 * 30 * 4);
  }

  sessions = pm_store_list_sessions (f->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sessions->len, ==, 0);
  runs = pm_store_list_runs (f->store, 0, NULL, &error);
  g_assert_cmpuint (runs->len, ==, 0);
  g_clear_pointer (&runs, g_ptr_array_unref);
  runs = pm_store_list_runs (f->store, run_info->session_id, NULL, &error);
  g_assert_cmpuint (runs->len, ==, 1);

  /* The app finds the draft behind a run it restores; other runs are not drafts. */
  {
    PmDraftInfo draft = { 0 };

    g_assert_true (pm_store_get_draft_of_run (f->store, run, &draft, &error));
    g_assert_no_error (error);
    g_assert_cmpint (draft.image_id, ==, a);
    g_assert_cmpint (draft.run_id, ==, run);
    g_assert_false (pm_store_get_draft_of_run (f->store, run + 1000, &draft, &error));
    g_assert_no_error (error);
  }

  edited = pm_store_render_draft (f->store, run, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < 40 * 30; i++)
    {
      gboolean differs = memcmp (edited->data + i * 4, photo->data + i * 4, 4) != 0;

      if (mask->data[i] > 0.5f)
        changed += differs;
      else
        outside_changed += differs;
    }
  g_assert_cmpint (outside_changed, ==, 0);
  g_assert_cmpint (changed, >, pm_mask_count (mask) * 9 / 10);

  g_assert_false (pm_store_export_session (f->store, run_info->session_id, exported, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "dataset image"));
  g_assert_false (g_file_test (exported, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* Importing a project file into another history copies no dataset session. */
  {
    g_autofree char *other = g_build_filename (f->dir, "other.sqlite3", NULL);
    g_autoptr(PmStore) store2 = pm_store_open (other, &error);
    g_autoptr(GArray) ids = NULL;

    g_assert_no_error (error);
    ids = pm_store_import_file (store2, f->db, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (ids->len, ==, 0);
    g_assert_cmpint (sql_int (store2, "SELECT count(*) FROM runs"), ==, 0);
  }

  /* The photo changed size on disk: rendering says so instead of painting garbage. */
  write_photo (f, "a.png", 30, 30);
  g_clear_pointer (&edited, pm_image_free);
  edited = pm_store_render_draft (f->store, run, &error);
  g_assert_null (edited);
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_FAILED);
  g_clear_error (&error);

  /* Deleting the image deletes its session, runs and masks. */
  {
    sqlite3 *db = pm_store_get_db (f->store);
    g_assert_cmpint (sqlite3_exec (db, "DELETE FROM project_images", NULL, NULL, NULL), ==,
                     SQLITE_OK);
    g_assert_cmpint (sql_int (f->store, "SELECT count(*) FROM sessions"), ==, 0);
    g_assert_cmpint (sql_int (f->store, "SELECT count(*) FROM artifacts"), ==, 0);
    g_assert_cmpint (sql_int (f->store, "SELECT count(*) FROM project_drafts"), ==, 0);
  }
}

static void
kill_self (gpointer data)
{
  /* Proof that the kill happens inside the transaction, every row written. */
  printf ("before commit\n");
  fflush (stdout);
  raise (SIGKILL);
}

/* A process killed in the middle of storing a draft leaves no trace of it. */
static void
test_draft_crash (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 cat = pm_store_ensure_label (f->store, f->project, "cat", NULL, NULL, NULL);
  gint64 a = add_image (f, "a.png");

  if (g_test_subprocess ())
    {
      g_autoptr(PmMask) mask = make_disc (40, 30, 20, 15, 8);

      pm_store_set_test_hook (f->store, kill_self, NULL);
      add_draft (f, a, cat, mask, FALSE, NULL);
      exit (0);
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout ("before commit*");

  pm_store_close (f->store);
  f->store = pm_store_open (f->db, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sql_int (f->store, "SELECT count(*) FROM runs"), ==, 0);
  g_assert_cmpint (sql_int (f->store, "SELECT count(*) FROM sessions"), ==, 0);
  g_assert_cmpint (sql_int (f->store, "SELECT count(*) FROM artifacts"), ==, 0);
  g_assert_cmpint (sql_int (f->store, "SELECT count(*) FROM project_drafts"), ==, 0);
  g_assert_cmpint (image_status (f, a), ==, PM_IMAGE_STATUS_TODO);
}

static char *
read_file_or_die (const char *path,
                  gsize      *len)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;

  g_assert_true (g_file_get_contents (path, &data, len, &error));
  g_assert_no_error (error);
  return data;
}

/* What a .paintmask file holds is read without changing it: project roots, newest first;
 * none in a file of sessions or of a schema before projects; one-line errors otherwise. */
static void
test_file_project_roots (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) roots = NULL;
  g_autofree char *canonical = g_canonicalize_filename (f->dir, NULL);
  g_autofree char *other = g_build_filename (f->dir, "other", NULL);
  g_autofree char *old = g_build_filename (f->dir, "old.paintmask", NULL);
  g_autofree char *junk = g_build_filename (f->dir, "junk.paintmask", NULL);
  g_autofree char *empty = g_build_filename (f->dir, "sessions.paintmask", NULL);
  g_autofree char *before = NULL, *after = NULL;
  gsize before_len = 0, after_len = 0;
  sqlite3 *db = NULL;

  /* The store is open (WAL) in this process: the file is read beside it. */
  roots = pm_store_file_project_roots (f->db, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (roots->len, ==, 1);
  g_assert_cmpstr (roots->pdata[0], ==, canonical);
  g_clear_pointer (&roots, g_ptr_array_unref);

  /* A second project changed later comes first. */
  g_assert_cmpint (pm_store_ensure_project (f->store, other, &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_exec (pm_store_get_db (f->store), "UPDATE projects SET "
                                 "updated_at = 100 + (root LIKE '%/other')", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  roots = pm_store_file_project_roots (f->db, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (roots->len, ==, 2);
  g_assert_true (g_str_has_suffix (roots->pdata[0], "/other"));
  g_assert_cmpstr (roots->pdata[1], ==, canonical);
  g_clear_pointer (&roots, g_ptr_array_unref);

  /* A history of sessions only. */
  {
    PmStore *store = pm_store_open (empty, &error);

    g_assert_no_error (error);
    pm_store_close (store);
  }
  roots = pm_store_file_project_roots (empty, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (roots->len, ==, 0);
  g_clear_pointer (&roots, g_ptr_array_unref);

  /* An old schema without projects: none, and the file stays as it was (no migration). */
  g_assert_cmpint (sqlite3_open (old, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE sessions (id INTEGER PRIMARY KEY); "
                                 "PRAGMA user_version = 1", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  before = read_file_or_die (old, &before_len);
  roots = pm_store_file_project_roots (old, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (roots->len, ==, 0);
  g_clear_pointer (&roots, g_ptr_array_unref);
  after = read_file_or_die (old, &after_len);
  g_assert_cmpmem (before, before_len, after, after_len);

  /* Not a database; no file. */
  g_assert_true (g_file_set_contents (junk, "this is not a database, just some text bytes "
                                      "that are long enough to fill a header of a page",
                                      -1, NULL));
  roots = pm_store_file_project_roots (junk, &error);
  g_assert_null (roots);
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "junk.paintmask: cannot read it as a Paintmask file"));
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);
  roots = pm_store_file_project_roots (other, &error);
  g_assert_null (roots);
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_OPEN);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  g_test_add_func ("/store/dataset/names-and-paths", test_names_and_paths);
  ADD ("/store/dataset/projects-and-labels", test_projects_and_labels);
  ADD ("/store/dataset/images", test_images);
  ADD ("/store/dataset/draft-status", test_draft_status);
  ADD ("/store/dataset/draft-masks", test_draft_masks);
  ADD ("/store/dataset/draft-sessions", test_draft_sessions);
  ADD ("/store/dataset/draft-crash", test_draft_crash);
  ADD ("/store/dataset/file-project-roots", test_file_project_roots);
#undef ADD
  return g_test_run ();
}
