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
  g_test_add ("/store/record/empty", Fixture, NULL, fixture_setup, test_record_empty,
              fixture_teardown);
  g_test_add ("/store/record/failure", Fixture, NULL, fixture_setup, test_record_failure,
              fixture_teardown);
  return g_test_run ();
}
