/* test-cli-multi.c: `paintmask edit` and `derive` on several objects in one edit: one mask
 * per object, the label map and the items in --json; with the built-in engine on a photo
 * of two coloured objects and with the remote test server through every profile.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <json-glib/json-glib.h>

#include "pm-image.h"
#include "pm-maskio.h"
#include "pm-metrics.h"
#include "pm-fake-editor-util.h"

#define W 240
#define H 160

static JsonObject *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  GError *error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* Grey with shading and noise, a red disk on the left and a blue square on the right,
 * saved as @path; @truth gets their masks. */
static void
write_photo (const char *path,
             PmMask     *truth[2])
{
  g_autoptr(PmImage) img = pm_image_new (W, H);
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  GError *error = NULL;

  truth[0] = pm_mask_new (W, H);
  truth[1] = pm_mask_new (W, H);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        guint8 *p = img->data + ((gsize) y * W + x) * 4;
        int base[3] = { 128, 128, 128 };
        double dx = x + 0.5 - 60, dy = y + 0.5 - 65, shade = 0.85 + 0.3 * (double) y / H;

        if (dx * dx + dy * dy <= 40 * 40)
          {
            base[0] = 200, base[1] = 40, base[2] = 40;
            truth[0]->data[(gsize) y * W + x] = 1.0f;
          }
        else if (x >= 140 && x < 210 && y >= 30 && y < 100)
          {
            base[0] = 40, base[1] = 60, base[2] = 190;
            truth[1]->data[(gsize) y * W + x] = 1.0f;
          }
        for (int c = 0; c < 3; c++)
          p[c] = (guint8) CLAMP (base[c] * shade + g_rand_int_range (rand, -10, 11), 0, 255);
        p[3] = 255;
      }
  g_assert_true (pm_image_save_png (img, path, &error));
  g_assert_no_error (error);
}

static PmMask *
load_mask (const char *path)
{
  GError *error = NULL;
  PmMask *m = pm_mask_load_png (path, &error);

  g_assert_no_error (error);
  return m;
}

static PmMask *
load_label (const char *path,
            const char *label)
{
  GError *error = NULL;
  PmMask *m = pm_mask_load_labels (path, label, &error);

  g_assert_no_error (error);
  return m;
}

/* Checks the items of @json against the mask files and the label map: the n-th item's
 * mask is DIR/<n>-<target>.png, is label n, and has its mask_pixels. */
static void
check_items (JsonObject         *json,
             const char         *dir,
             const char         *labels,
             const char * const *files,
             guint               n)
{
  JsonArray *items = json_object_get_array_member (json, "items");

  g_assert_cmpuint (json_array_get_length (items), ==, n);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      g_autofree char *path = g_build_filename (dir, files[i], NULL);
      g_autofree char *label = g_strdup_printf ("%u", i + 1);
      g_autoptr(PmMask) mask = load_mask (path);
      g_autoptr(PmMask) from_labels = load_label (labels, label);

      g_assert_cmpint (json_object_get_int_member (item, "index"), ==, i + 1);
      g_assert_cmpstr (json_object_get_string_member (item, "mask"), ==, path);
      g_assert_cmpint (json_object_get_int_member (item, "mask_pixels"), ==,
                       pm_mask_count (mask));
      g_assert_cmpfloat (pm_mask_iou (mask, from_labels, NULL, NULL), ==, 1.0);
      g_assert_true (g_str_has_prefix (json_object_get_string_member (item, "color"), "#"));
      g_assert_nonnull (json_object_get_string_member (item, "color_name"));
    }
}

/* The built-in engine finds both objects by their colour words; each is painted its own
 * (chosen) colour; `derive` with those colours reads the same label map back. */
static void
test_edit_builtin (void)
{
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *photo = g_build_filename (dir, "two.png", NULL);
  g_autofree char *edited = g_build_filename (dir, "edited.png", NULL);
  g_autofree char *mask = g_build_filename (dir, "mask.png", NULL);
  g_autofree char *labels = g_build_filename (dir, "labels.png", NULL);
  g_autofree char *masks = g_build_filename (dir, "masks", NULL);
  g_autofree char *dlabels = g_build_filename (dir, "derived-labels.png", NULL);
  g_autofree char *dmasks = g_build_filename (dir, "derived", NULL);
  g_autofree char *dmask = g_build_filename (dir, "derived-mask.png", NULL);
  g_autofree char *out = NULL, *err = NULL, *dout = NULL, *derr = NULL;
  const char *files[] = { "1-red-ball.png", "2-blue-box.png" };
  g_autoptr(JsonObject) json = NULL;
  g_autoptr(JsonObject) djson = NULL;
  PmMask *truth[2];
  char *hex[2];

  write_photo (photo, truth);
  {
    const char *args[] = { "edit", photo, "segment the red ball and the blue box", "-o", edited,
                           "--mask", mask, "--masks", masks, "--labels", labels, "--json", NULL };
    g_assert_cmpint (pm_test_run_cli (args, &out, &err), ==, 0);
  }
  json = parse_json (out);
  check_items (json, masks, labels, files, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *item = json_array_get_object_element (json_object_get_array_member (json,
                                                                                      "items"), i);
      g_autofree char *path = g_build_filename (masks, files[i], NULL);
      g_autoptr(PmMask) m = load_mask (path);
      double iou = pm_mask_iou (m, truth[i], NULL, NULL);

      g_test_message ("item %u: IoU %.4f, %s", i + 1, iou,
                      json_object_get_string_member (item, "color_name"));
      g_assert_cmpfloat (iou, >=, 0.9);
      g_assert_cmpstr (json_object_get_string_member (item, "result"), ==, "found");
      g_assert_true (json_object_get_boolean_member (item, "color_chosen"));
      hex[i] = g_strdup (json_object_get_string_member (item, "color"));
    }
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json, "outputs"),
                                                  "labels"), ==, labels);

  /* The edit read back by its colours. */
  {
    const char *args[] = { "derive", photo, edited, "--color", hex[0], "--color", hex[1],
                           "-o", dmask, "--labels", dlabels, "--masks", dmasks, "--json", NULL };
    g_assert_cmpint (pm_test_run_cli (args, &dout, &derr), ==, 0);
  }
  djson = parse_json (dout);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *label = g_strdup_printf ("%u", i + 1);
      g_autofree char *name = g_strdup_printf ("%u-%s.png", i + 1, hex[i] + 1);
      g_autofree char *path = g_build_filename (dmasks, name, NULL);
      g_autoptr(PmMask) derived = load_label (dlabels, label);
      g_autoptr(PmMask) file = load_mask (path);
      g_autoptr(PmMask) engine = load_label (labels, label);

      g_assert_cmpfloat (pm_mask_iou (derived, file, NULL, NULL), ==, 1.0);
      g_assert_cmpfloat (pm_mask_iou (derived, engine, NULL, NULL), >=, 0.9);
    }
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (djson, "items")), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      pm_mask_free (truth[i]);
      g_free (hex[i]);
    }
  pm_test_rmdir (dir);
}

/* Bad lists: one line, exit 2, nothing written. */
static void
test_errors (void)
{
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *photo = g_build_filename (dir, "two.png", NULL);
  g_autofree char *edited = g_build_filename (dir, "edited.png", NULL);
  g_autofree char *labels = g_build_filename (dir, "labels.png", NULL);
  g_autofree char *masks = g_build_filename (dir, "masks", NULL);
  const char *too_many[] = { "edit", photo, "paint the ball and the box", "--color", "red",
                             "--color", "blue", "--color", "green", "-o", edited, "--labels",
                             labels, NULL };
  const char *no_colors[] = { "derive", photo, photo, "--labels", labels, NULL };
  const char *bad_color[] = { "derive", photo, photo, "--color", "red", "--color", "bluish",
                              "--masks", masks, NULL };
  const char *over_input[] = { "edit", photo, "segment the ball and the box", "-o", edited,
                               "--labels", photo, NULL };
  PmMask *truth[2];
  g_autofree char *err = NULL;

  write_photo (photo, truth);
  pm_mask_free (truth[0]);
  pm_mask_free (truth[1]);

  g_assert_cmpint (pm_test_run_cli (too_many, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "--color given 3 times, but the instruction names 2 objects"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (pm_test_run_cli (no_colors, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "--labels needs the colours"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (pm_test_run_cli (bad_color, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "bluish"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (pm_test_run_cli (over_input, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "would overwrite the input image"));
  {
    g_auto(GStrv) lines = g_strsplit (err, "\n", -1);   /* one line, then "" */
    g_assert_cmpuint (g_strv_length (lines), ==, 2);
  }
  g_assert_false (g_file_test (edited, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (labels, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (masks, G_FILE_TEST_EXISTS));
  pm_test_rmdir (dir);
}

static const char * const profiles[] = {
  "openai", "openai-compatible", "sdcpp", "comfyui", "gemini", "fal", NULL
};

/* One remote edit paints both men of the VOC photo (the test server paints the photo's
 * objects in index order, one colour each, then degrades the result): through every
 * profile, the label map read off it matches both. */
static void
test_remote_profiles (void)
{
  g_autofree char *photo = pm_test_shared_path ("data/eval-public/voc_2011_000003.jpg");
  g_autofree char *t1 = pm_test_shared_path ("data/eval-public/voc_2011_000003_person1.png");
  g_autofree char *t2 = pm_test_shared_path ("data/eval-public/voc_2011_000003_person2.png");
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *edited = g_build_filename (dir, "edited.png", NULL);
  g_autofree char *mask = g_build_filename (dir, "mask.png", NULL);
  g_autofree char *labels = g_build_filename (dir, "labels.png", NULL);
  g_autofree char *masks = g_build_filename (dir, "masks", NULL);
  g_autoptr(PmMask) truth1 = load_mask (t1);
  g_autoptr(PmMask) truth2 = load_mask (t2);
  const PmMask *truth[2] = { truth1, truth2 };
  /* "on the left" is a qualifier, not part of the target. */
  const char *files[] = { "1-man.png", "2-man-holding-a-bottle.png" };

  for (guint p = 0; profiles[p] != NULL; p++)
    {
      PmFakeEditor *fe = pm_fake_editor_start_profile (profiles[p], NULL, "cli-key-42", 300);
      const char *args[] = { "edit", photo,
                             "paint the man on the left green and the man holding a bottle "
                             "magenta", "--engine", "remote", "--remote-profile", profiles[p],
                             "--endpoint", fe->base_url, "-o", edited, "--mask", mask,
                             "--masks", masks, "--labels", labels, "--json", NULL };
      g_autofree char *out = NULL, *err = NULL;
      g_autoptr(JsonObject) json = NULL;

      g_setenv ("PAINTMASK_API_KEY", "cli-key-42", TRUE);
      g_assert_cmpint (pm_test_run_cli (args, &out, &err), ==, 0);
      g_unsetenv ("PAINTMASK_API_KEY");
      json = parse_json (out);
      g_assert_cmpstr (json_object_get_string_member (json, "engine"), ==, "remote");
      check_items (json, masks, labels, files, 2);
      for (guint i = 0; i < 2; i++)
        {
          g_autofree char *path = g_build_filename (masks, files[i], NULL);
          g_autoptr(PmMask) m = load_mask (path);
          double iou = pm_mask_iou (m, truth[i], NULL, NULL);

          g_test_message ("%s item %u: IoU %.4f", profiles[p], i + 1, iou);
          g_assert_cmpfloat (iou, >=, 0.93);
        }
      pm_fake_editor_stop (fe);
    }
  pm_test_rmdir (dir);
}

/* batch --one-edit drafts both labels of each photo in one remote edit: one request per
 * photo, and each label's draft is its object. */
static void
test_batch_one_edit (void)
{
  g_autofree char *dir = pm_test_tmpdir ();
  g_autofree char *photos = g_build_filename (dir, "photos", NULL);
  g_autofree char *index = g_build_filename (dir, "index.tsv", NULL);
  g_autofree char *db = g_build_filename (dir, "project.paintmask", NULL);
  g_autofree char *masks = g_build_filename (dir, "masks", NULL);
  g_autoptr(GString) rows = g_string_new ("image\tmask\n");
  const char *labels[] = { "red ball", "blue box" };
  PmMask *truth[3][2];
  PmFakeEditor *fe;
  GError *error = NULL;

  g_mkdir_with_parents (photos, 0755);
  for (int k = 0; k < 3; k++)
    {
      g_autofree char *name = g_strdup_printf ("p%d.png", k);
      g_autofree char *path = g_build_filename (photos, name, NULL);

      write_photo (path, truth[k]);
      /* Make the photos differ so the server tells them apart. */
      {
        g_autoptr(PmImage) img = pm_image_load (path, 0, &error);
        g_assert_no_error (error);
        for (gsize p = 0; p < (gsize) W * 10; p++)
          img->data[p * 4] = (guint8) (60 * k);
        g_assert_true (pm_image_save_png (img, path, &error));
        g_assert_no_error (error);
      }
      for (int l = 0; l < 2; l++)
        {
          g_autofree char *mname = g_strdup_printf ("p%d-%d.png", k, l);
          g_autofree char *mpath = g_build_filename (dir, mname, NULL);

          g_assert_true (pm_mask_save_png (truth[k][l], mpath, FALSE, &error));
          g_assert_no_error (error);
          g_string_append_printf (rows, "photos/%s\t%s\n", name, mname);
        }
    }
  g_assert_true (g_file_set_contents (index, rows->str, -1, &error));
  g_assert_no_error (error);

  fe = pm_fake_editor_start (index, NULL);
  {
    const char *args[] = { "batch", photos, "--label", labels[0], "--label", labels[1],
                           "--engine", "remote", "--endpoint", fe->base_url, "--one-edit",
                           "--db", db, "--masks", masks, "--json", NULL };
    g_autofree char *out = NULL, *err = NULL;

    g_assert_cmpint (pm_test_run_cli (args, &out, &err), ==, 0);
  }
  g_assert_cmpuint (pm_fake_editor_requests (fe), ==, 3);
  pm_fake_editor_stop (fe);

  for (int k = 0; k < 3; k++)
    for (int l = 0; l < 2; l++)
      {
        g_autofree char *name = g_strdup_printf ("p%d_%s.png", k, labels[l]);
        g_autofree char *path = g_build_filename (masks, name, NULL);
        g_autoptr(PmMask) m = load_mask (path);
        double iou = pm_mask_iou (m, truth[k][l], NULL, NULL);

        g_test_message ("p%d %s: IoU %.4f", k, labels[l], iou);
        g_assert_cmpfloat (iou, >=, 0.93);
      }

  /* The server's protocol is the one asked for (a queued profile here), not the default. */
  {
    g_autofree char *db2 = g_build_filename (dir, "comfyui.paintmask", NULL);
    g_autofree char *masks2 = g_build_filename (dir, "masks-comfyui", NULL);
    PmFakeEditor *qe = pm_fake_editor_start_profile ("comfyui", index, NULL, 50);
    const char *args[] = { "batch", photos, "--label", labels[0], "--label", labels[1],
                           "--engine", "remote", "--remote-profile", "comfyui", "--endpoint",
                           qe->base_url, "--one-edit", "--db", db2, "--masks", masks2, NULL };
    const char *bad[] = { "batch", photos, "--label", labels[0], "--engine", "remote",
                          "--remote-profile", "comfy", "--db", db2, NULL };
    g_autofree char *err = NULL;

    g_assert_cmpint (pm_test_run_cli (args, NULL, &err), ==, 0);
    pm_fake_editor_stop (qe);
    for (int k = 0; k < 3; k++)
      for (int l = 0; l < 2; l++)
        {
          g_autofree char *name = g_strdup_printf ("p%d_%s.png", k, labels[l]);
          g_autofree char *path = g_build_filename (masks2, name, NULL);
          g_autoptr(PmMask) m = load_mask (path);

          g_assert_cmpfloat (pm_mask_iou (m, truth[k][l], NULL, NULL), >=, 0.93);
        }
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (pm_test_run_cli (bad, NULL, &err), ==, 2);
    g_assert_nonnull (strstr (err, "--remote-profile"));
  }

  /* Labels that do not read as one object each are refused before any work. */
  {
    const char *args[] = { "batch", photos, "--label", "cat", "--label", "dog", "--instruction",
                           "{label}", "--one-edit", "--db", db, NULL };
    g_autofree char *err = NULL;

    g_assert_cmpint (pm_test_run_cli (args, NULL, &err), ==, 1);
    g_assert_nonnull (strstr (err, "--one-edit"));
  }
  for (int k = 0; k < 3; k++)
    for (int l = 0; l < 2; l++)
      pm_mask_free (truth[k][l]);
  pm_test_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("PAINTMASK_API_KEY");
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_test_add_func ("/cli/multi/edit-builtin", test_edit_builtin);
  g_test_add_func ("/cli/multi/errors", test_errors);
  if (pm_test_program_needs_shared ("/cli/multi/shared-data", "data/eval-public/index.tsv"))
    {
      g_test_add_func ("/cli/multi/remote-profiles", test_remote_profiles);
      g_test_add_func ("/cli/multi/batch-one-edit", test_batch_one_edit);
    }
  return g_test_run ();
}
