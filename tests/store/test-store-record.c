/* test-store-record.c: pm_store_record_run(), the one way runs are recorded (CLI and app).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <json-glib/json-glib.h>

#include "pm-test-util.h"
#include "pm-edit.h"
#include "pm-maskio.h"
#include "pm-store-record.h"

typedef struct {
  char    *dir;
  PmStore *store;
  PmImage *photo;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *db = NULL;
  g_autofree char *path = pm_test_source_path ("data/samples/coffee.png");
  GError *error = NULL;

  f->dir = pm_test_tmpdir ();
  db = g_build_filename (f->dir, "history.sqlite3", NULL);
  f->store = pm_store_open (db, &error);
  g_assert_no_error (error);
  f->photo = pm_image_load (path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  pm_store_close (f->store);
  pm_image_free (f->photo);
  pm_test_rmdir (f->dir);
  g_free (f->dir);
}

/* An edit of the sample: a rectangle painted blue. */
static PmImage *
make_edit (const PmImage *photo)
{
  g_autoptr(PmMask) mask = pm_mask_new (photo->width, photo->height);

  for (int y = photo->height / 4; y < photo->height / 2; y++)
    for (int x = photo->width / 4; x < photo->width / 2; x++)
      mask->data[(gsize) y * photo->width + x] = 1.0f;
  return pm_edit_recolor (photo, mask, (PmRgb) { 0, 0, 1 }, NULL);
}

static gboolean
has_artifact (GPtrArray      *artifacts,
              PmArtifactKind  kind)
{
  for (guint i = 0; i < artifacts->len; i++)
    if (((PmArtifactInfo *) artifacts->pdata[i])->kind == kind)
      return TRUE;
  return FALSE;
}

static JsonObject *
parse_object (const char  *text,
              JsonParser **parser)
{
  GError *error = NULL;

  *parser = json_parser_new ();
  json_parser_load_from_data (*parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (*parser)));
  return json_node_get_object (json_parser_get_root (*parser));
}

/* A result is stored with its state, mask size, parsed instruction, timings as a JSON
 * object and the four artifacts, each holding what pm-store.h says. */
static void
test_record_result (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(PmImage) edit = make_edit (f->photo);
  g_autoptr(PmPipelineResult) result = NULL;
  g_autoptr(PmRunInfo) info = NULL;
  g_autoptr(GPtrArray) artifacts = NULL;
  g_autoptr(PmMask) mask = NULL;
  g_autoptr(PmMask) soft = NULL;
  g_autoptr(JsonParser) parsed_parser = NULL;
  g_autoptr(JsonParser) timings_parser = NULL;
  JsonObject *parsed, *timings;
  PmRunRequest request = { .image = f->photo, .source_path = "/photos/coffee.png",
                           .instruction = "paint the box blue", .params_json = "{\"a\":1}",
                           .duration_ms = -1 };
  GError *error = NULL;
  gint64 run, session = 0;

  result = pm_pipeline_import (f->photo, edit, "paint the box blue", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->state, ==, PM_RESULT_FOUND);
  run = pm_store_record_run (f->store, &request, result, NULL, &session, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run, >, 0);
  g_assert_cmpint (session, >, 0);

  info = pm_store_get_run (f->store, run, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->session_id, ==, session);
  g_assert_cmpstr (info->instruction, ==, "paint the box blue");
  g_assert_cmpstr (info->engine, ==, "import");
  g_assert_cmpstr (info->status, ==, "ok");
  g_assert_cmpstr (info->result, ==, "found");
  g_assert_cmpint (info->mask_pixels, ==, result->mask_pixels);
  g_assert_cmpint (info->mask_pixels, >, 0);
  g_assert_cmpstr (info->color, ==, "#0000ff");
  g_assert_cmpstr (info->params_json, ==, "{\"a\":1}");
  g_assert_cmpfloat (info->duration_ms, ==, pm_timings_get (result->timings, "total"));
  parsed = parse_object (info->parsed_json, &parsed_parser);
  g_assert_cmpstr (json_object_get_string_member (parsed, "target"), ==, "box");
  timings = parse_object (info->timings_json, &timings_parser);
  g_assert_true (json_object_has_member (timings, "derive"));
  g_assert_true (json_object_has_member (timings, "total"));

  artifacts = pm_store_list_artifacts (f->store, run, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (artifacts->len, ==, 4);
  g_assert_true (has_artifact (artifacts, PM_ARTIFACT_EDITED));
  g_assert_true (has_artifact (artifacts, PM_ARTIFACT_MASK));
  g_assert_true (has_artifact (artifacts, PM_ARTIFACT_SOFT_MASK));
  g_assert_true (has_artifact (artifacts, PM_ARTIFACT_DERIVED_MASK));
  mask = pm_store_get_run_mask (f->store, run, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_mask_count (mask), ==, result->mask_pixels);
  /* The soft mask comes back exactly: it was quantised as a PNG stores it. */
  soft = pm_store_get_artifact_mask (f->store, run, PM_ARTIFACT_SOFT_MASK, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (soft->data, sizeof (float) * soft->width * soft->height,
                   result->soft_mask->data, sizeof (float) * soft->width * soft->height);
}

/* A run of several objects: each object's mask and soft mask stored under its item index,
 * the objects described in runs.items; the run's own artifacts stay the union. Each
 * object's mask is corrected on its own. */
static void
test_record_items (Fixture       *f,
                   gconstpointer  data)
{
  int w = f->photo->width, h = f->photo->height;
  g_autoptr(PmMask) left = pm_mask_new (w, h);
  g_autoptr(PmMask) right = pm_mask_new (w, h);
  g_autoptr(PmImage) half = NULL;
  g_autoptr(PmImage) edit = NULL;
  g_autoptr(PmPipelineResult) result = NULL;
  g_autoptr(PmRunInfo) info = NULL;
  g_autoptr(GPtrArray) artifacts = NULL;
  g_autoptr(PmMask) whole = NULL;
  g_autoptr(JsonParser) parser = NULL;
  JsonArray *items;
  PmRunRequest request = { .image = f->photo, .instruction = "paint the left box yellow and "
                           "the right box magenta", .duration_ms = -1 };
  GError *error = NULL;
  guint n_item_masks = 0;
  gint64 run;

  for (int y = h / 4; y < h / 2; y++)
    for (int x = w / 8; x < w / 3; x++)
      left->data[(gsize) y * w + x] = 1.0f;
  for (int y = h / 4; y < h / 2; y++)
    for (int x = w / 2; x < 3 * w / 4; x++)
      right->data[(gsize) y * w + x] = 1.0f;
  half = pm_edit_recolor (f->photo, left, (PmRgb) { 1, 1, 0 }, NULL);
  edit = pm_edit_recolor (half, right, (PmRgb) { 1, 0, 1 }, NULL);
  result = pm_pipeline_import (f->photo, edit, request.instruction, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->n_items, ==, 2);
  run = pm_store_record_run (f->store, &request, result, NULL, NULL, &error);
  g_assert_no_error (error);

  info = pm_store_get_run (f->store, run, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->n_items, ==, 2);
  parser = json_parser_new ();
  json_parser_load_from_data (parser, info->items_json, -1, &error);
  g_assert_no_error (error);
  items = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 1),
                                                  "color_name"), ==, "magenta");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0),
                                                  "result"), ==, "found");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (items, 0),
                                               "mask_pixels"), ==, result->items[0].mask_pixels);

  artifacts = pm_store_list_artifacts (f->store, run, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < artifacts->len; i++)
    n_item_masks += ((PmArtifactInfo *) artifacts->pdata[i])->item > 0;
  g_assert_cmpuint (n_item_masks, ==, 4);   /* mask and soft mask of each */

  whole = pm_store_get_run_mask (f->store, run, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_mask_count (whole), ==, result->mask_pixels);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(PmMask) m = pm_store_get_item_mask (f->store, run, i + 1, PM_ARTIFACT_MASK,
                                                    &error);
      g_assert_no_error (error);
      g_assert_cmpmem (m->data, sizeof (float) * w * h, result->items[i].mask->data,
                       sizeof (float) * w * h);
    }

  /* Corrections per object; the run's own chain is untouched. */
  {
    g_autoptr(PmMask) fixed = pm_mask_copy (result->items[1].mask);
    g_autoptr(PmMask) back = NULL;
    g_autoptr(PmMask) none = NULL;
    int revision = 0;

    fixed->data[0] = 1.0f;
    g_assert_cmpint (pm_store_add_item_correction (f->store, run, 2, 0, fixed, "brush",
                                                   &revision, &error), >, 0);
    g_assert_no_error (error);
    g_assert_cmpint (revision, ==, 1);
    back = pm_store_get_item_correction_mask (f->store, run, 2, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpfloat (back->data[0], ==, 1.0f);
    none = pm_store_get_correction_mask (f->store, run, 0, &error);
    g_assert_null (none);
    g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_null (pm_store_get_item_correction_mask (f->store, run, 1, 0, &error));
    g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }
  g_assert_null (pm_store_get_item_mask (f->store, run, 3, PM_ARTIFACT_MASK, &error));
  g_assert_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A session file carries the objects along. */
  {
    g_autofree char *file = g_build_filename (f->dir, "two.paintmask", NULL);
    g_autofree char *other_db = g_build_filename (f->dir, "other.sqlite3", NULL);
    g_autoptr(PmStore) other = pm_store_open (other_db, &error);
    g_autoptr(GArray) ids = NULL;
    g_autoptr(GPtrArray) runs = NULL;
    g_autoptr(PmMask) m = NULL;
    g_autoptr(PmMask) c = NULL;
    PmRunInfo *copy;

    g_assert_no_error (error);
    g_assert_true (pm_store_export_session (f->store, info->session_id, file, &error));
    g_assert_no_error (error);
    ids = pm_store_import_file (other, file, &error);
    g_assert_no_error (error);
    runs = pm_store_list_runs (other, g_array_index (ids, gint64, 0), NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (runs->len, ==, 1);
    copy = runs->pdata[0];
    g_assert_cmpint (copy->n_items, ==, 2);
    g_assert_cmpstr (copy->items_json, ==, info->items_json);
    m = pm_store_get_item_mask (other, copy->id, 1, PM_ARTIFACT_MASK, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (m->data, sizeof (float) * w * h, result->items[0].mask->data,
                     sizeof (float) * w * h);
    c = pm_store_get_item_correction_mask (other, copy->id, 2, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpfloat (c->data[0], ==, 1.0f);
  }
}

/* An empty result is recorded as such, without an edited image (it painted nothing). */
static void
test_record_empty (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(PmPipelineResult) result = NULL;
  g_autoptr(PmRunInfo) info = NULL;
  g_autoptr(GPtrArray) artifacts = NULL;
  PmRunRequest request = { .image = f->photo, .instruction = "paint the unicorn gold",
                           .duration_ms = 12.5 };
  GError *error = NULL;
  gint64 run;

  result = pm_pipeline_import (f->photo, f->photo, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->state, ==, PM_RESULT_EMPTY);
  g_assert_cmpint (result->mask_pixels, ==, 0);
  g_assert_cmpmem (result->edited->data, (gsize) f->photo->width * f->photo->height * 4,
                   f->photo->data, (gsize) f->photo->width * f->photo->height * 4);
  run = pm_store_record_run (f->store, &request, result, NULL, NULL, &error);
  g_assert_no_error (error);
  info = pm_store_get_run (f->store, run, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->result, ==, "empty");
  g_assert_cmpint (info->mask_pixels, ==, 0);
  g_assert_cmpfloat (info->duration_ms, ==, 12.5);
  artifacts = pm_store_list_artifacts (f->store, run, &error);
  g_assert_no_error (error);
  g_assert_false (has_artifact (artifacts, PM_ARTIFACT_EDITED));
  g_assert_true (has_artifact (artifacts, PM_ARTIFACT_MASK));
}

/* Failures and cancellations are recorded with the same function: no artifacts. */
static void
test_record_failure (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) failure = g_error_new_literal (PM_ENGINE_ERROR, PM_ENGINE_ERROR_NETWORK,
                                                   "Could not reach 127.0.0.1:9");
  g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                     "Cancelled");
  g_autoptr(PmRunInfo) a = NULL;
  g_autoptr(PmRunInfo) b = NULL;
  g_autoptr(GPtrArray) artifacts = NULL;
  g_autoptr(JsonParser) parser = NULL;
  PmRunRequest request = { .image = f->photo, .instruction = "make the car red",
                           .engine = "remote", .started_at = g_get_real_time () - 2000,
                           .duration_ms = -1 };
  GError *error = NULL;
  gint64 r1, r2;

  r1 = pm_store_record_run (f->store, &request, NULL, failure, NULL, &error);
  g_assert_no_error (error);
  r2 = pm_store_record_run (f->store, &request, NULL, cancelled, NULL, &error);
  g_assert_no_error (error);
  a = pm_store_get_run (f->store, r1, &error);
  g_assert_no_error (error);
  b = pm_store_get_run (f->store, r2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (a->status, ==, "error");
  g_assert_cmpstr (a->result, ==, "failed");
  g_assert_cmpstr (a->error, ==, "Could not reach 127.0.0.1:9");
  g_assert_cmpstr (a->engine, ==, "remote");
  g_assert_cmpint (a->mask_pixels, ==, -1);
  g_assert_cmpfloat (a->duration_ms, >=, 2.0);
  g_assert_cmpstr (json_object_get_string_member (parse_object (a->parsed_json, &parser),
                                                  "target"), ==, "car");
  g_assert_cmpstr (b->status, ==, "cancelled");
  g_assert_cmpstr (b->result, ==, "failed");
  artifacts = pm_store_list_artifacts (f->store, r1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (artifacts->len, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/store/record/result", Fixture, NULL, fixture_setup, test_record_result,
              fixture_teardown);
  g_test_add ("/store/record/items", Fixture, NULL, fixture_setup, test_record_items,
              fixture_teardown);
  g_test_add ("/store/record/empty", Fixture, NULL, fixture_setup, test_record_empty,
              fixture_teardown);
  g_test_add ("/store/record/failure", Fixture, NULL, fixture_setup, test_record_failure,
              fixture_teardown);
  return g_test_run ();
}
