/* test-cli.c: `paintmask edit|derive|eval` as a user runs them: real files in a temporary
 * folder, exit codes, outputs, and bad input that must never crash.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-cli"

#include <math.h>
#include <string.h>
#include <unistd.h>
#include <json-glib/json-glib.h>

#include "pm-color.h"
#include "pm-edit.h"
#include "pm-image.h"
#include "pm-maskio.h"
#include "pm-metrics.h"
#include "pm-test-util.h"

static char *tmpdir;

/* ---------------------------------------------------------------- helpers */

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static char *
sample_path (void)
{
  return pm_test_source_path ("data/samples/coffee.png");
}

static char *
eval_dir (void)
{
  return pm_test_shared_path ("data/eval-public");
}

/* Runs the CLI; fails the test if it died of a signal. */
static int
run (const char * const *args,
     char              **out,
     char              **err)
{
  g_autofree char *o = NULL;
  g_autofree char *e = NULL;
  g_autofree char *cmdline = g_strjoinv (" ", (char **) args);
  int status = pm_test_run_cli (args, &o, &e);

  g_test_message ("paintmask %s → %d\nstdout: %s\nstderr: %s", cmdline, status, o, e);
  g_assert_cmpint (status, !=, -1);
  if (out != NULL)
    *out = g_steal_pointer (&o);
  if (err != NULL)
    *err = g_steal_pointer (&e);
  return status;
}

/* The error contract: exactly one line on stderr, "paintmask COMMAND: …", naming @needle. */
static void
assert_one_line_error (const char *err,
                       const char *command,
                       const char *needle)
{
  g_autofree char *prefix = g_strdup_printf ("paintmask %s: ", command);
  const char *newline;

  g_assert_nonnull (err);
  g_assert_true (g_str_has_prefix (err, prefix));
  newline = strchr (err, '\n');
  g_assert_nonnull (newline);
  g_assert_cmpstr (newline + 1, ==, "");
  if (needle != NULL)
    g_assert_nonnull (strstr (err, needle));
}

static JsonObject *
parse_json_object (const char  *text,
                   JsonParser **parser_out)
{
  JsonParser *parser = json_parser_new ();
  GError *error = NULL;
  JsonNode *root;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  *parser_out = parser;
  return json_node_get_object (root);
}

static PmMask *
load_binary_mask (const char *path)
{
  GError *error = NULL;
  g_autoptr(PmMask) soft = pm_mask_load_png (path, &error);

  g_assert_no_error (error);
  return pm_mask_threshold (soft, 0.5f);
}

static void
write_file (const char   *path,
            const void   *data,
            gssize        length)
{
  GError *error = NULL;

  g_file_set_contents (path, data, length, &error);
  g_assert_no_error (error);
}

/* CRC-32 as PNG chunks use it (polynomial 0xedb88320). */
static guint32
crc32_png (const guint8 *data,
           gsize         length)
{
  guint32 crc = 0xffffffffu;

  for (gsize i = 0; i < length; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
  return crc ^ 0xffffffffu;
}

static void
append_chunk (GByteArray   *png,
              const char   *type,
              const guint8 *data,
              guint32       length)
{
  guint8 be[4] = { length >> 24, length >> 16, length >> 8, length };
  g_autoptr(GByteArray) body = g_byte_array_new ();
  guint32 crc;

  g_byte_array_append (png, be, 4);
  g_byte_array_append (body, (const guint8 *) type, 4);
  if (length > 0)
    g_byte_array_append (body, data, length);
  crc = crc32_png (body->data, body->len);
  g_byte_array_append (png, body->data, body->len);
  be[0] = crc >> 24; be[1] = crc >> 16; be[2] = crc >> 8; be[3] = crc;
  g_byte_array_append (png, be, 4);
}

/* A PNG whose header claims @width × @height (RGB, 8 bit) followed by a little image data. */
static void
write_png_header_only (const char *path,
                       guint32     width,
                       guint32     height)
{
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  /* zlib stream of a few zero bytes (stored block): the loader must refuse before decoding */
  static const guint8 idat[] = { 0x78, 0x01, 0x01, 0x04, 0x00, 0xfb, 0xff, 0, 0, 0, 0,
                                 0x00, 0x04, 0x00, 0x01 };
  guint8 ihdr[13] = {
    width >> 24, width >> 16, width >> 8, width,
    height >> 24, height >> 16, height >> 8, height,
    8, 2, 0, 0, 0
  };
  g_autoptr(GByteArray) png = g_byte_array_new ();

  g_byte_array_append (png, signature, sizeof signature);
  append_chunk (png, "IHDR", ihdr, sizeof ihdr);
  append_chunk (png, "IDAT", idat, sizeof idat);
  append_chunk (png, "IEND", NULL, 0);
  write_file (path, png->data, png->len);
}

static void
write_truncated_copy (const char *source,
                      const char *dest,
                      double      share)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  GError *error = NULL;

  g_file_get_contents (source, &data, &length, &error);
  g_assert_no_error (error);
  write_file (dest, data, (gssize) (length * share));
}

/* ---------------------------------------------------------------- version, help */

static void
test_version (void)
{
  g_autofree char *out = NULL;
  const char *args[] = { "--version", NULL };

  g_assert_cmpint (run (args, &out, NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "paintmask "));
}

static void
test_help (void)
{
  static const char * const commands[] = { "edit", "derive", "eval" };

  {
    g_autofree char *out = NULL;
    const char *args[] = { "--help", NULL };
    g_assert_cmpint (run (args, &out, NULL), ==, 0);
    for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
      g_assert_nonnull (strstr (out, commands[i]));
  }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *usage = g_strdup_printf ("paintmask %s", commands[i]);
      const char *args[] = { commands[i], "--help", NULL };

      g_assert_cmpint (run (args, &out, NULL), ==, 0);
      g_assert_nonnull (strstr (out, "Usage"));
      g_assert_nonnull (strstr (out, usage));
    }
}

/* ---------------------------------------------------------------- edit */

static void
test_edit_files (void)
{
  g_autofree char *image = sample_path ();
  g_autofree char *edited = tmp_path ("files-edited.png");
  g_autofree char *mask = tmp_path ("files-mask.png");
  g_autofree char *soft = tmp_path ("files-soft.png");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *line_e = NULL;
  g_autofree char *line_m = NULL;
  g_autoptr(PmImage) original = NULL;
  g_autoptr(PmImage) e = NULL;
  g_autoptr(PmMask) m = NULL;
  g_autoptr(PmMask) s = NULL;
  GError *error = NULL;
  gsize n_changed = 0;
  const char *args[] = { "edit", image, "paint the red saucer blue", "-o", edited,
                         "--mask", mask, "--soft-mask", soft, NULL };

  g_assert_cmpint (run (args, &out, &err), ==, 0);
  /* stderr is a pipe here: no progress line, no escape codes. */
  g_assert_null (strchr (err, '\r'));
  g_assert_null (strchr (err, '\033'));
  line_e = g_strdup_printf ("edited: %s\n", edited);
  line_m = g_strdup_printf ("mask: %s", mask);
  g_assert_nonnull (strstr (out, line_e));
  g_assert_nonnull (strstr (out, line_m));

  original = pm_image_load (image, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  g_assert_no_error (error);
  e = pm_image_load (edited, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  g_assert_no_error (error);
  g_assert_cmpint (e->width, ==, 600);
  g_assert_cmpint (e->height, ==, 400);
  m = load_binary_mask (mask);
  g_assert_cmpint (m->width, ==, 600);
  g_assert_cmpint (m->height, ==, 400);
  s = pm_mask_load_png (soft, &error);
  g_assert_no_error (error);
  g_assert_cmpint (s->width, ==, 600);
  g_assert_cmpint (s->height, ==, 400);

  /* Something was painted and found, but not the whole photo. */
  for (gsize i = 0; i < (gsize) 600 * 400; i++)
    if (memcmp (original->data + 4 * i, e->data + 4 * i, 3) != 0)
      n_changed++;
  g_assert_cmpuint (n_changed, >, 600 * 400 / 50);
  g_assert_cmpint (pm_mask_count (m), >, 600 * 400 / 50);
  g_assert_cmpint (pm_mask_count (m), <, 600 * 400 * 9 / 10);
}

static void
test_edit_default_outputs (void)
{
  g_autofree char *image = sample_path ();
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *edited = tmp_path ("coffee-edited.png");
  g_autofree char *mask = tmp_path ("coffee-mask.png");
  g_autofree char *out = NULL;
  const char *args[] = { "edit", image, "segment the cup", NULL };
  int status;

  /* Default outputs go to the current folder, named after the input. */
  g_assert_cmpint (g_chdir (tmpdir), ==, 0);
  status = run (args, &out, NULL);
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "edited: coffee-edited.png\n"));
  g_assert_nonnull (strstr (out, "mask: coffee-mask.png"));
  g_assert_true (g_file_test (edited, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (mask, G_FILE_TEST_IS_REGULAR));
}

static void
test_edit_dashes (void)
{
  g_autofree char *image = sample_path ();
  g_autofree char *edited = tmp_path ("dash-edited.png");
  g_autofree char *mask = tmp_path ("dash-mask.png");
  g_autofree char *out = NULL;
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *root;
  const char *args[] = { "edit", "--json", "-o", edited, "--mask", mask, image, "--",
                         "-paint the white cup blue", NULL };

  /* After "--" an instruction may start with a dash; options may come first. */
  g_assert_cmpint (run (args, &out, NULL), ==, 0);
  root = parse_json_object (out, &parser);
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (root, "instruction"), "text"), ==,
                   "-paint the white cup blue");
}

/* "--" ends the options of derive, eval and bench too: file names may start with a dash. */
static void
test_dashes (void)
{
  g_autofree char *sample = sample_path ();
  g_autofree char *dir = tmp_path ("dashes");
  g_autofree char *orig = NULL, *edit = NULL, *mask = NULL, *index = NULL;
  g_autoptr(PmImage) photo = NULL;
  g_autoptr(PmMask) disc = NULL;
  g_autoptr(PmImage) painted = NULL;
  GError *error = NULL;
  static const char * const commands[][10] = {
    { "derive", "-o", "m.png", "--", "-orig.png", "-edit.png", NULL },
    { "eval", "--json", "-q", "--", "-index.tsv", NULL },
    { "bench", "--engine", "builtin", "--runs", "1", "--", "-orig.png", NULL },
  };

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  orig = g_build_filename (dir, "-orig.png", NULL);
  edit = g_build_filename (dir, "-edit.png", NULL);
  mask = g_build_filename (dir, "-mask.png", NULL);
  index = g_build_filename (dir, "-index.tsv", NULL);
  photo = pm_image_load (sample, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  g_assert_no_error (error);
  disc = pm_mask_new (photo->width, photo->height);
  for (int y = 0; y < photo->height; y++)
    for (int x = 0; x < photo->width; x++)
      disc->data[(gsize) y * photo->width + x] = hypot (x - 200, y - 200) < 80 ? 1.0f : 0.0f;
  painted = pm_edit_recolor (photo, disc, (PmRgb) { 0, 0.4f, 1 }, NULL);
  g_assert_true (pm_image_save_png (photo, orig, &error));
  g_assert_true (pm_image_save_png (painted, edit, &error));
  g_assert_true (pm_mask_save_png (disc, mask, FALSE, &error));
  g_assert_no_error (error);
  write_file (index, "image\tmask\tphrase\n-orig.png\t-mask.png\tthe cup\n", -1);

  for (gsize c = 0; c < G_N_ELEMENTS (commands); c++)
    {
      g_autofree char *out = NULL, *err = NULL;
      g_auto(GStrv) without = NULL;
      int status;

      status = pm_test_run_cli_in (dir, commands[c], &out, &err);
      g_test_message ("%s with --: %d %s", commands[c][0], status, err);
      g_assert_cmpint (status, ==, 0);
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);

      /* Without "--" the names are unknown options: a usage error. */
      without = g_strdupv ((char **) commands[c]);
      for (int i = 0; without[i] != NULL; i++)
        if (g_str_equal (without[i], "--"))
          {
            g_free (without[i]);
            memmove (without + i, without + i + 1, sizeof (char *) * g_strv_length (without + i));
            break;
          }
      status = pm_test_run_cli_in (dir, (const char * const *) without, &out, &err);
      g_assert_cmpint (status, ==, 2);
    }
}

static void
test_edit_json (void)
{
  g_autofree char *image = sample_path ();
  g_autofree char *edited = tmp_path ("json-edited.png");
  g_autofree char *mask = tmp_path ("json-mask.png");
  g_autofree char *out = NULL;
  g_autofree char *blue = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(PmMask) m = NULL;
  JsonObject *root, *instruction, *timings, *outputs;
  PmRgb rgb;
  const char *args[] = { "edit", image, "paint the red saucer blue", "-o", edited,
                         "--mask", mask, "--json", NULL };

  g_assert_cmpint (run (args, &out, NULL), ==, 0);
  root = parse_json_object (out, &parser);

  g_assert_cmpstr (json_object_get_string_member (root, "image"), ==, image);
  g_assert_cmpstr (json_object_get_string_member (root, "engine"), ==, "builtin");
  g_assert_true (pm_color_parse ("blue", &rgb));
  blue = pm_color_to_hex (rgb);
  g_assert_cmpstr (json_object_get_string_member (root, "color"), ==, blue);
  g_assert_true (json_object_has_member (root, "message"));
  g_assert_true (json_object_has_member (root, "model"));
  g_assert_false (json_object_has_member (root, "run_id"));
  g_assert_cmpint (json_object_get_int_member (root, "width"), ==, 600);
  g_assert_cmpint (json_object_get_int_member (root, "height"), ==, 400);

  instruction = json_object_get_object_member (root, "instruction");
  g_assert_nonnull (instruction);
  {
    g_autofree char *target = json_to_string (json_object_get_member (instruction, "target"),
                                              FALSE);
    g_assert_nonnull (strstr (target, "saucer"));
  }

  timings = json_object_get_object_member (root, "timings_ms");
  g_assert_nonnull (timings);
  {
    static const char * const stages[] = { "parse", "edit", "derive", "total" };
    for (gsize i = 0; i < G_N_ELEMENTS (stages); i++)
      {
        g_assert_true (json_object_has_member (timings, stages[i]));
        g_assert_cmpfloat (json_object_get_double_member (timings, stages[i]), >=, 0.0);
      }
    g_assert_cmpfloat (json_object_get_double_member (timings, "total"), >=,
                       json_object_get_double_member (timings, "derive"));
  }

  outputs = json_object_get_object_member (root, "outputs");
  g_assert_cmpstr (json_object_get_string_member (outputs, "edited"), ==, edited);
  g_assert_cmpstr (json_object_get_string_member (outputs, "mask"), ==, mask);
  g_assert_true (json_object_get_null_member (outputs, "soft_mask"));

  m = load_binary_mask (mask);
  g_assert_cmpint (json_object_get_int_member (root, "mask_pixels"), ==, pm_mask_count (m));
}

static void
test_edit_color_override (void)
{
  g_autofree char *image = sample_path ();
  g_autofree char *edited = tmp_path ("green-edited.png");
  g_autofree char *mask = tmp_path ("green-mask.png");
  g_autofree char *out = NULL;
  g_autofree char *green = NULL;
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *root;
  PmRgb rgb;
  const char *args[] = { "edit", image, "paint the red saucer blue", "--color", "#00ff00",
                         "-o", edited, "--mask", mask, "--json", NULL };

  g_assert_cmpint (run (args, &out, NULL), ==, 0);
  root = parse_json_object (out, &parser);
  g_assert_true (pm_color_parse ("#00ff00", &rgb));
  green = pm_color_to_hex (rgb);
  g_assert_cmpstr (json_object_get_string_member (root, "color"), ==, green);
}

/* edit --record stores the run as the history reads it back: result state, mask size and
 * the artifacts pm-store.h names. */
static void
test_edit_record (void)
{
  g_autofree char *image = sample_path ();
  g_autofree char *edited = tmp_path ("rec-edited.png");
  g_autofree char *mask = tmp_path ("rec-mask.png");
  g_autofree char *db = tmp_path ("history.sqlite3");
  g_autofree char *out = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *listed = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(JsonParser) shown_parser = NULL;
  g_autoptr(JsonParser) list_parser = NULL;
  const char *args[] = { "edit", image, "segment the cup", "-o", edited, "--mask", mask,
                         "--record", "--db", db, "--json", NULL };
  const char *list[] = { "history", "list", "--db", db, "--json", NULL };
  JsonObject *root, *run_info, *listed_run;
  JsonArray *artifacts;
  gint64 run_id;
  guint n_mask = 0;

  g_assert_cmpint (run (args, &out, NULL), ==, 0);
  root = parse_json_object (out, &parser);
  run_id = json_object_get_int_member (root, "run_id");
  g_assert_cmpint (run_id, >, 0);
  g_assert_true (g_file_test (db, G_FILE_TEST_IS_REGULAR));
  id = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);

  /* The history reads back what edit stored. */
  {
    const char *show[] = { "history", "show", id, "--db", db, "--json", NULL };
    g_assert_cmpint (run (show, &shown, NULL), ==, 0);
  }
  run_info = parse_json_object (shown, &shown_parser);
  g_assert_cmpstr (json_object_get_string_member (run_info, "instruction"), ==,
                   "segment the cup");
  g_assert_cmpstr (json_object_get_string_member (run_info, "engine"), ==, "builtin");
  g_assert_cmpstr (json_object_get_string_member (run_info, "status"), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (run_info, "color"), ==,
                   json_object_get_string_member (root, "color"));
  /* The built-in engine does not know cups: a guess, and the history says so too. */
  g_assert_cmpstr (json_object_get_string_member (root, "result"), ==, "guess");
  g_assert_cmpstr (json_object_get_string_member (run_info, "result"), ==, "guess");
  g_assert_cmpint (json_object_get_int_member (run_info, "mask_pixels"), ==,
                   json_object_get_int_member (root, "mask_pixels"));
  artifacts = json_object_get_array_member (run_info, "artifacts");
  for (guint i = 0; i < json_array_get_length (artifacts); i++)
    {
      const char *kind = json_object_get_string_member (
          json_array_get_object_element (artifacts, i), "kind");
      n_mask += g_str_equal (kind, "mask") || g_str_equal (kind, "soft_mask") ||
                g_str_equal (kind, "derived_mask") || g_str_equal (kind, "edited");
    }
  g_assert_cmpuint (n_mask, ==, 4);
  g_assert_cmpuint (json_array_get_length (artifacts), ==, 4);

  g_assert_cmpint (run (list, &listed, NULL), ==, 0);
  listed_run = json_array_get_object_element (
      json_object_get_array_member (parse_json_object (listed, &list_parser), "runs"), 0);
  g_assert_cmpstr (json_object_get_string_member (listed_run, "result"), ==, "guess");
}

/* "result" says found or guess, with the mask's size and share of the image. */
static void
test_edit_result (void)
{
  g_autofree char *image = sample_path ();
  g_autofree char *edited = tmp_path ("res-edited.png");
  g_autofree char *mask = tmp_path ("res-mask.png");
  static const char * const cases[][2] = {
    { "paint the red saucer blue", "found" },
    { "paint the elephant purple", "guess" },
  };

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *out = NULL;
      g_autoptr(JsonParser) parser = NULL;
      g_autoptr(PmMask) m = NULL;
      const char *args[] = { "edit", image, cases[c][0], "-o", edited, "--mask", mask,
                             "--json", NULL };
      JsonObject *root;
      gint64 pixels;

      g_assert_cmpint (run (args, &out, NULL), ==, 0);
      root = parse_json_object (out, &parser);
      g_assert_cmpstr (json_object_get_string_member (root, "result"), ==, cases[c][1]);
      m = load_binary_mask (mask);
      pixels = json_object_get_int_member (root, "mask_pixels");
      g_assert_cmpint (pixels, ==, pm_mask_count (m));
      g_assert_cmpint (pixels, >, 0);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (root, "mask_share"),
                                      pixels / (600.0 * 400.0), 1e-9);
      g_assert_cmpfloat (json_object_get_double_member (root, "derived_iou"), >, 0.5);
      g_assert_cmpfloat (json_object_get_double_member (root, "derived_iou"), <=, 1.0);
    }
}

/* --soft-mask writes the alpha the edit was painted with: where it is 0 the edited image is
 * the original bit for bit, and repainting with the file gives the edited image again. */
static void
test_edit_soft_mask_exact (void)
{
  g_autofree char *image = sample_path ();
  g_autofree char *edited = tmp_path ("soft-edited.png");
  g_autofree char *mask = tmp_path ("soft-mask.png");
  g_autofree char *soft = tmp_path ("soft-soft.png");
  static const char * const instructions[] = { "paint the red saucer blue",
                                               "make the cup green" };

  for (gsize c = 0; c < G_N_ELEMENTS (instructions); c++)
    {
      const char *args[] = { "edit", image, instructions[c], "-o", edited, "--mask", mask,
                             "--soft-mask", soft, "-q", NULL };
      g_autoptr(PmImage) original = NULL;
      g_autoptr(PmImage) result = NULL;
      g_autoptr(PmMask) alpha = NULL;
      g_autoptr(PmMask) binary = NULL;
      GError *error = NULL;
      gsize n, zero = 0, changed_at_zero = 0, feather = 0;

      g_assert_cmpint (run (args, NULL, NULL), ==, 0);
      original = pm_image_load (image, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
      g_assert_no_error (error);
      result = pm_image_load (edited, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
      g_assert_no_error (error);
      alpha = pm_mask_load_png (soft, &error);
      g_assert_no_error (error);
      binary = load_binary_mask (mask);
      n = (gsize) original->width * original->height;
      for (gsize i = 0; i < n; i++)
        {
          if (alpha->data[i] == 0.0f)
            {
              zero++;
              changed_at_zero += memcmp (original->data + 4 * i, result->data + 4 * i, 4) != 0;
            }
          else if (alpha->data[i] < 1.0f)
            feather++;
          /* The mask is the painted alpha over one half. */
          g_assert_cmpfloat (binary->data[i], ==, alpha->data[i] > 0.5f ? 1.0f : 0.0f);
        }
      g_test_message ("%s: %" G_GSIZE_FORMAT " pixels at 0, %" G_GSIZE_FORMAT " feathered, "
                      "%" G_GSIZE_FORMAT " changed at 0", instructions[c], zero, feather,
                      changed_at_zero);
      g_assert_cmpuint (feather, >, 100);   /* a soft edge, so the case is a real one */
      g_assert_cmpuint (zero, >, n / 2);
      g_assert_cmpuint (changed_at_zero, ==, 0);
    }
}

/* ---------------------------------------------------------------- derive */

static void
test_derive_roundtrip (void)
{
  g_autofree char *image = sample_path ();
  g_autofree char *edited = tmp_path ("rt-edited.png");
  g_autofree char *mask = tmp_path ("rt-mask.png");
  g_autofree char *derived = tmp_path ("rt-derived.png");
  g_autofree char *derived2 = tmp_path ("rt-derived-nohint.png");
  g_autofree char *small = tmp_path ("rt-small.png");
  g_autofree char *derived3 = tmp_path ("rt-derived-small.png");
  g_autofree char *out = NULL;
  g_autoptr(PmMask) a = NULL;
  g_autoptr(PmMask) b = NULL;
  g_autoptr(PmMask) c = NULL;
  g_autoptr(PmMask) d = NULL;
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *root;
  GError *error = NULL;
  double iou;
  const char *edit_args[] = { "edit", image, "paint the red saucer blue", "-o", edited,
                              "--mask", mask, NULL };
  const char *derive_args[] = { "derive", image, edited, "--color", "blue", "-o", derived,
                                "--json", NULL };
  const char *derive_nohint[] = { "derive", image, edited, "-o", derived2, NULL };
  const char *derive_small[] = { "derive", image, small, "-o", derived3, NULL };

  g_assert_cmpint (run (edit_args, NULL, NULL), ==, 0);
  g_assert_cmpint (run (derive_args, &out, NULL), ==, 0);
  root = parse_json_object (out, &parser);
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (root, "outputs"), "mask"), ==, derived);

  a = load_binary_mask (mask);
  b = load_binary_mask (derived);
  g_assert_cmpint (json_object_get_int_member (root, "mask_pixels"), ==, pm_mask_count (b));
  iou = pm_mask_iou (a, b, NULL, NULL);
  g_test_message ("edit mask vs derive (with hint) IoU %.4f", iou);
  g_assert_cmpfloat (iou, >, 0.95);

  g_assert_cmpint (run (derive_nohint, NULL, NULL), ==, 0);
  c = load_binary_mask (derived2);
  iou = pm_mask_iou (a, c, NULL, NULL);
  g_test_message ("edit mask vs derive (no hint) IoU %.4f", iou);
  g_assert_cmpfloat (iou, >, 0.95);

  /* An editor that hands back a smaller image: resampled, still the same object. */
  {
    g_autoptr(PmImage) e = pm_image_load (edited, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
    g_autoptr(PmImage) e_small = NULL;
    g_assert_no_error (error);
    e_small = pm_image_resize (e, 300, 200);
    pm_image_save_png (e_small, small, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpint (run (derive_small, NULL, NULL), ==, 0);
  d = load_binary_mask (derived3);
  g_assert_cmpint (d->width, ==, 600);
  g_assert_cmpint (d->height, ==, 400);
  iou = pm_mask_iou (a, d, NULL, NULL);
  g_test_message ("edit mask vs derive from a half-size edit IoU %.4f", iou);
  g_assert_cmpfloat (iou, >, 0.85);
}

/* ---------------------------------------------------------------- eval */

static const char * const eval_rows[][3] = {
  { "coco_000000094336.jpg", "coco_000000094336_cat.png", "the cat sitting in the bathroom sink" },
  { "coco_000000274272.jpg", "coco_000000274272_bus.png", "the red bus" },
  { "coco_000000492362.jpg", "coco_000000492362_umbrella.png",
    "the orange umbrella at the top right" },
};

/* Writes an index with the columns in another order than the public one, an extra column
 * and a comment, so the reader must go by the header. */
static void
write_index (const char *path,
             const char *prefix,
             gboolean    bad_row)
{
  /* A byte-order mark and CRLF line ends, as spreadsheets write them. */
  g_autoptr(GString) tsv = g_string_new ("\xef\xbb\xbfphrase\tnote\tmask\timage\r\n# a comment\n");

  for (gsize i = 0; i < G_N_ELEMENTS (eval_rows); i++)
    g_string_append_printf (tsv, "%s\textra %u\t%s%s\t%s%s\r\n", eval_rows[i][2], (guint) i,
                            prefix, eval_rows[i][1], prefix, eval_rows[i][0]);
  if (bad_row)
    g_string_append_printf (tsv, "the ghost\t-\t%sno-such-mask.png\t%sno-such-photo.jpg\n",
                            prefix, prefix);
  write_file (path, tsv->str, tsv->len);
}

/* Checks eval's JSON against the rows it lists: gIoU is the mean IoU over every row, a
 * failed row scoring 0 (and listed in "failed"); P@X counts IoU ≥ X. */
static void
check_eval_json (const char *out,
                 guint       n_rows,
                 guint       n_failed)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *root = parse_json_object (out, &parser);
  JsonArray *rows = json_object_get_array_member (root, "rows");
  JsonArray *failed = json_object_get_array_member (root, "failed");
  JsonObject *summary = json_object_get_object_member (root, "summary");
  JsonObject *precision = json_object_get_object_member (summary, "precision");
  static const char * const keys[] = { "0.5", "0.6", "0.7", "0.8", "0.9" };
  double sum = 0;
  guint n_errors = 0;

  g_assert_cmpstr (json_object_get_string_member (root, "engine"), ==, "builtin");
  g_assert_true (json_object_has_member (root, "model"));
  g_assert_cmpuint (json_array_get_length (rows), ==, n_rows);
  for (guint i = 0; i < n_rows; i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      double iou = json_object_get_double_member (row, "iou");
      double diou = json_object_get_double_member (row, "derived_iou");

      g_assert_nonnull (json_object_get_string_member (row, "phrase"));
      if (i < G_N_ELEMENTS (eval_rows))
        {
          g_assert_cmpstr (json_object_get_string_member (row, "phrase"), ==, eval_rows[i][2]);
          g_assert_true (g_str_has_suffix (json_object_get_string_member (row, "image"),
                                           eval_rows[i][0]));
        }
      g_assert_cmpfloat (iou, >=, 0.0);
      g_assert_cmpfloat (iou, <=, 1.0);
      g_assert_cmpfloat (diou, >=, 0.0);
      g_assert_cmpfloat (diou, <=, 1.0);
      if (json_object_has_member (row, "error"))
        {
          n_errors++;
          g_assert_cmpfloat (iou, ==, 0.0);
        }
      else
        g_assert_cmpfloat (json_object_get_double_member (row, "ms"), >=, 0.0);
      sum += iou;
    }
  g_assert_cmpuint (n_errors, ==, n_failed);
  g_assert_cmpuint (json_array_get_length (failed), ==, n_failed);
  for (guint i = 0; i < n_failed; i++)
    g_assert_nonnull (json_object_get_string_member (json_array_get_object_element (failed, i),
                                                     "error"));
  g_assert_cmpint (json_object_get_int_member (summary, "n"), ==, n_rows);
  g_assert_cmpint (json_object_get_int_member (summary, "failed"), ==, n_failed);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (summary, "giou"),
                                  sum / n_rows, 1e-9);
  g_assert_cmpfloat (json_object_get_double_member (summary, "ciou"), >=, 0.0);
  g_assert_cmpfloat (json_object_get_double_member (summary, "ciou"), <=, 1.0);
  for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      double threshold = g_ascii_strtod (keys[k], NULL);
      guint at_least = 0;
      for (guint i = 0; i < n_rows; i++)
        if (json_object_get_double_member (json_array_get_object_element (rows, i), "iou") >=
            threshold)
          at_least++;
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (precision, keys[k]),
                                      (double) at_least / n_rows, 1e-9);
    }
}

static void
test_eval (void)
{
  g_autofree char *dir = eval_dir ();
  g_autofree char *index = tmp_path ("index.tsv");
  g_autofree char *out = NULL;
  const char *args[] = { "eval", index, "--root", dir, "--json", NULL };

  if (!pm_test_have_shared ("data/eval-public"))
    return;
  write_index (index, "", FALSE);
  g_assert_cmpint (run (args, &out, NULL), ==, 0);
  check_eval_json (out, 3, 0);
}

static void
test_eval_table_and_bad_row (void)
{
  g_autofree char *dir = eval_dir ();
  g_autofree char *index = tmp_path ("index-abs.tsv");
  g_autofree char *prefix = g_strconcat (dir, G_DIR_SEPARATOR_S, NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *json_args[] = { "eval", index, "--json", "--limit", "2", NULL };
  const char *json_all_args[] = { "eval", index, "--json", "-q", NULL };
  const char *table_args[] = { "eval", index, NULL };

  if (!pm_test_have_shared ("data/eval-public"))
    return;

  /* --limit, absolute paths, no --root. */
  write_index (index, prefix, TRUE);
  g_assert_cmpint (run (json_args, &out, NULL), ==, 0);
  check_eval_json (out, 2, 0);
  g_clear_pointer (&out, g_free);

  /* A row with missing files fails on its own, listed and scored 0; the rest is scored. */
  g_assert_cmpint (run (json_all_args, &out, NULL), ==, 1);
  check_eval_json (out, 4, 1);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (table_args, &out, &err), ==, 1);
  assert_one_line_error (err, "eval", "no-such-photo.jpg");
  g_assert_nonnull (strstr (out, "P@0.5"));
  g_assert_nonnull (strstr (out, "P@0.9"));
  g_assert_nonnull (strstr (out, "gIoU"));
  g_assert_nonnull (strstr (out, "cIoU"));
  g_assert_nonnull (strstr (out, "the red bus"));
  g_assert_nonnull (strstr (out, "1 failed"));
}

/* True masks are read by their values: the same mask stored as 0/255 and as 0/1 scores the
 * same; --mask-value picks a label (none here has 7: nothing to find, IoU 0). */
static void
test_eval_mask_values (void)
{
  g_autofree char *dir = eval_dir ();
  g_autofree char *truth_path = NULL;
  g_autofree char *ones = tmp_path ("dog-01.png");
  g_autofree char *index_255 = tmp_path ("index-255.tsv");
  g_autofree char *index_01 = tmp_path ("index-01.tsv");
  g_autofree char *photo = NULL;
  g_autofree char *out255 = NULL, *out01 = NULL, *out7 = NULL, *err7 = NULL, *err = NULL;
  g_autofree char *out300 = NULL, *err300 = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(JsonParser) p1 = NULL, p2 = NULL, p3 = NULL;
  GError *error = NULL;
  double iou255, iou01;

  if (!pm_test_have_shared ("data/eval-public"))
    return;
  truth_path = g_build_filename (dir, "davis_dog_00020_dog.png", NULL);
  photo = g_build_filename (dir, "davis_dog_00020.jpg", NULL);
  /* 0/1 in every channel of an RGB PNG: near-black to the eye, labels 0 and 1. */
  pixbuf = gdk_pixbuf_new_from_file (truth_path, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GdkPixbuf) rgb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8,
                                               gdk_pixbuf_get_width (pixbuf),
                                               gdk_pixbuf_get_height (pixbuf));
    int n = gdk_pixbuf_get_n_channels (pixbuf);
    for (int y = 0; y < gdk_pixbuf_get_height (rgb); y++)
      for (int x = 0; x < gdk_pixbuf_get_width (rgb); x++)
        {
          const guint8 *src = gdk_pixbuf_read_pixels (pixbuf) +
                              (gsize) y * gdk_pixbuf_get_rowstride (pixbuf) + (gsize) x * n;
          guint8 *dst = gdk_pixbuf_get_pixels (rgb) + (gsize) y * gdk_pixbuf_get_rowstride (rgb) +
                        (gsize) x * 3;
          dst[0] = dst[1] = dst[2] = src[0] > 127 ? 1 : 0;
        }
    gdk_pixbuf_save (rgb, ones, "png", &error, NULL);
    g_assert_no_error (error);
  }
  {
    g_autofree char *t255 = g_strdup_printf ("image\tmask\tphrase\n%s\t%s\tthe dog\n",
                                             photo, truth_path);
    g_autofree char *t01 = g_strdup_printf ("image\tmask\tphrase\n%s\t%s\tthe dog\n",
                                            photo, ones);
    write_file (index_255, t255, -1);
    write_file (index_01, t01, -1);
  }
  g_assert_cmpint (run ((const char *[]) { "eval", index_255, "--json", "-q", NULL }, &out255,
                        NULL), ==, 0);
  g_assert_cmpint (run ((const char *[]) { "eval", index_01, "--json", "-q", NULL }, &out01,
                        NULL), ==, 0);
  g_assert_cmpint (run ((const char *[]) { "eval", index_01, "--json", "-q", "--mask-value",
                                           "7", NULL }, &out7, &err7), ==, 0);
  /* 7 could be in that mask but is not: a warning naming the mask and the value. */
  g_assert_nonnull (strstr (err7, "dog-01.png has no pixel of value 7"));
  /* 300 cannot be in an 8-bit mask: the row fails (exit 1) with a one-line reason. */
  g_assert_cmpint (run ((const char *[]) { "eval", index_01, "--json", "-q", "--mask-value",
                                           "300", NULL }, &out300, &err300), ==, 1);
  g_assert_nonnull (strstr (err300, "cannot hold the value 300"));
  iou255 = json_object_get_double_member (
      json_object_get_object_member (parse_json_object (out255, &p1), "summary"), "giou");
  iou01 = json_object_get_double_member (
      json_object_get_object_member (parse_json_object (out01, &p2), "summary"), "giou");
  g_test_message ("0/255 gIoU %.4f, 0/1 gIoU %.4f", iou255, iou01);
  g_assert_cmpfloat (iou255, >, 0.0);
  g_assert_cmpfloat (iou01, ==, iou255);
  g_assert_cmpfloat (json_object_get_double_member (
      json_object_get_object_member (parse_json_object (out7, &p3), "summary"), "giou"), ==, 0.0);

  g_assert_cmpint (run ((const char *[]) { "eval", index_01, "--mask-value", "blue", NULL },
                        NULL, &err), ==, 2);
  assert_one_line_error (err, "eval", "--mask-value");
}

/* A JPEG without its end-of-image marker (its data whole) is read with a one-line note;
 * the same JPEG cut short is refused. */
static void
test_edit_jpeg_without_eoi (void)
{
  g_autofree char *sample = sample_path ();
  g_autofree char *whole = tmp_path ("whole.jpg");
  g_autofree char *no_eoi = tmp_path ("no-eoi.jpg");
  g_autofree char *cut = tmp_path ("cut.jpg");
  g_autofree char *edited = tmp_path ("no-eoi-edited.png");
  g_autofree char *mask = tmp_path ("no-eoi-mask.png");
  g_autofree char *contents = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  GError *error = NULL;
  gsize len = 0;
  const char *args[] = { "edit", no_eoi, "paint the red saucer blue", "-o", edited, "--mask",
                         mask, "-q", NULL };
  const char *cut_args[] = { "edit", cut, "paint the red saucer blue", "-o", edited, "--mask",
                             mask, "-q", NULL };

  pixbuf = gdk_pixbuf_new_from_file (sample, &error);
  g_assert_no_error (error);
  gdk_pixbuf_save (pixbuf, whole, "jpeg", &error, "quality", "90", NULL);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (whole, &contents, &len, NULL));
  g_assert_cmpint ((guint8) contents[len - 2], ==, 0xff);
  g_assert_cmpint ((guint8) contents[len - 1], ==, 0xd9);
  write_file (no_eoi, contents, len - 2);
  write_file (cut, contents, len - 300);

  g_assert_cmpint (run (args, &out, &err), ==, 0);
  g_assert_true (g_str_has_prefix (err, "paintmask: note: no-eoi.jpg has no end-of-image marker"));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
  g_assert_true (g_file_test (edited, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (cut_args, &out, &err), ==, 1);
  assert_one_line_error (err, "edit", "cut.jpg");
}

/* ---------------------------------------------------------------- bad input */

typedef struct {
  const char *name;
  const char *command;
  int         expected;     /* exit code; -2: 0 or 1 (a sensible result or an error) */
  const char *needle;       /* must appear in the error line */
  const char *args[12];     /* "@sample", "@tmp/NAME", "@eval/NAME" are expanded */
} BadCase;

static char *
expand (const char *arg)
{
  if (g_strcmp0 (arg, "@sample") == 0)
    return sample_path ();
  if (g_str_has_prefix (arg, "@tmp/"))
    return tmp_path (arg + 5);
  if (g_str_has_prefix (arg, "@eval/"))
    {
      g_autofree char *dir = eval_dir ();
      return g_build_filename (dir, arg + 6, NULL);
    }
  return g_strdup (arg);
}

static void
make_bad_files (void)
{
  g_autofree char *sample = sample_path ();
  g_autofree char *p = NULL;
  GError *error = NULL;

  p = tmp_path ("truncated.png");
  write_truncated_copy (sample, p, 0.3);
  g_clear_pointer (&p, g_free);
  /* A JPEG of the sample, then cut short. */
  {
    g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (sample, &error);
    g_autofree char *full = tmp_path ("full.jpg");
    g_assert_no_error (error);
    gdk_pixbuf_save (pixbuf, full, "jpeg", &error, "quality", "90", NULL);
    g_assert_no_error (error);
    p = tmp_path ("truncated.jpg");
    write_truncated_copy (full, p, 0.4);
    g_clear_pointer (&p, g_free);
  }
  p = tmp_path ("text.png");
  write_file (p, "this is not a picture\n", -1);
  g_clear_pointer (&p, g_free);
  p = tmp_path ("empty.png");
  write_file (p, "", 0);
  g_clear_pointer (&p, g_free);
  p = tmp_path ("zero.png");
  write_png_header_only (p, 0, 0);
  g_clear_pointer (&p, g_free);
  p = tmp_path ("huge.png");
  write_png_header_only (p, 60000, 60000);
  g_clear_pointer (&p, g_free);

  /* A real 1×100000 PNG. */
  {
    g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 1, 100000);
    guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
    int stride = gdk_pixbuf_get_rowstride (pixbuf);
    for (int y = 0; y < 100000; y++)
      {
        pixels[y * stride + 0] = (y / 1000) % 2 ? 200 : 30;
        pixels[y * stride + 1] = 90;
        pixels[y * stride + 2] = (y * 7) & 0xff;
      }
    p = tmp_path ("tall.png");
    gdk_pixbuf_save (pixbuf, p, "png", &error, NULL);
    g_assert_no_error (error);
    g_clear_pointer (&p, g_free);
  }

  /* A folder for outputs that cannot be written. */
  p = tmp_path ("readonly");
  g_assert_cmpint (g_mkdir (p, 0555), ==, 0);
  g_clear_pointer (&p, g_free);

  p = tmp_path ("nocols.tsv");
  write_file (p, "picture\tphrase\nx.jpg\tthe cat\n", -1);
  g_clear_pointer (&p, g_free);
}

static const BadCase bad_cases[] = {
  { "truncated png", "edit", 1, "truncated.png",
    { "edit", "@tmp/truncated.png", "segment the cup", "-o", "@tmp/o.png",
      "--mask", "@tmp/m.png" } },
  { "truncated jpeg", "edit", 1, "truncated.jpg",
    { "edit", "@tmp/truncated.jpg", "segment the cat", "-o", "@tmp/o.png",
      "--mask", "@tmp/m.png" } },
  { "text named png", "edit", 1, "text.png",
    { "edit", "@tmp/text.png", "segment the cup", "-o", "@tmp/o.png", "--mask", "@tmp/m.png" } },
  { "empty file", "edit", 1, "empty.png",
    { "edit", "@tmp/empty.png", "segment the cup", "-o", "@tmp/o.png", "--mask", "@tmp/m.png" } },
  { "0x0 png", "edit", 1, "zero.png",
    { "edit", "@tmp/zero.png", "segment the cup", "-o", "@tmp/o.png", "--mask", "@tmp/m.png" } },
  { "60000x60000 header", "edit", 1, "huge.png",
    { "edit", "@tmp/huge.png", "segment the cup", "-o", "@tmp/o.png", "--mask", "@tmp/m.png" } },
  { "1x100000 image", "edit", -2, "tall.png",
    { "edit", "@tmp/tall.png", "paint the red stripe blue", "-o", "@tmp/tall-e.png", "--mask",
      "@tmp/tall-m.png" } },
  { "missing file", "edit", 1, "no-such-file.png",
    { "edit", "@tmp/no-such-file.png", "segment the cup" } },
  { "folder as image", "edit", 1, "readonly",
    { "edit", "@tmp/readonly", "segment the cup" } },
  { "unknown colour", "edit", 2, "blurple",
    { "edit", "@sample", "segment the cup", "--color", "blurple" } },
  { "empty instruction", "edit", 2, "instruction",
    { "edit", "@sample", "", "-o", "@tmp/o.png", "--mask", "@tmp/m.png" } },
  { "blank instruction", "edit", 2, "instruction",
    { "edit", "@sample", "   ", "-o", "@tmp/o.png", "--mask", "@tmp/m.png" } },
  { "unknown option", "edit", 2, "--frobnicate",
    { "edit", "@sample", "segment the cup", "--frobnicate" } },
  { "unknown engine", "edit", 2, "teleport",
    { "edit", "@sample", "segment the cup", "--engine", "teleport" } },
  { "missing instruction", "edit", 2, NULL,
    { "edit", "@sample" } },
  { "bad thread count", "edit", 2, "--threads",
    { "edit", "@sample", "segment the cup", "--threads", "-4" } },
  { "bad precision", "edit", 2, "--precision",
    { "edit", "@sample", "segment the cup", "--precision", "fp16" } },
  { "unwritable output folder", "edit", 1, "readonly",
    { "edit", "@sample", "segment the cup", "-o", "@tmp/readonly/o.png", "--mask", "@tmp/m.png" } },
  { "output in /proc", "edit", 1, "pm-out.png",
    { "edit", "@sample", "segment the cup", "-o", "/proc/pm-out.png", "--mask", "@tmp/m.png" } },
  { "output folder missing", "edit", 1, "no-such-dir",
    { "edit", "@sample", "segment the cup", "-o", "@tmp/no-such-dir/o.png" } },
  { "jpeg output name", "edit", 2, "out.jpg",
    { "edit", "@sample", "segment the cup", "-o", "@tmp/out.jpg" } },
  { "same file twice", "edit", 2, "both name",
    { "edit", "@sample", "segment the cup", "-o", "@tmp/same.png", "--mask", "@tmp/same.png" } },
  { "derive jpeg mask name", "derive", 2, "mask.JPG",
    { "derive", "@sample", "@sample", "-o", "@tmp/mask.JPG" } },
  { "output under a file", "edit", 1, "not a folder",
    { "edit", "@sample", "segment the cup", "-o", "@tmp/text.png/o.png" } },
  { "output over input", "edit", 1, "overwrite",
    { "edit", "@sample", "segment the cup", "-o", "@sample", "--mask", "@tmp/m.png" } },
  { "derive other shape", "derive", 1, "coco_000000054605.jpg",
    { "derive", "@sample", "@eval/coco_000000054605.jpg", "-o", "@tmp/d.png" } },
  { "derive other photo", "derive", 1, "coco_000000094336.jpg",
    { "derive", "@sample", "@eval/coco_000000094336.jpg", "-o", "@tmp/d.png" } },
  { "derive truncated edit", "derive", 1, "truncated.png",
    { "derive", "@sample", "@tmp/truncated.png", "-o", "@tmp/d.png" } },
  { "derive unknown colour", "derive", 2, "blurple",
    { "derive", "@sample", "@sample", "--color", "blurple", "-o", "@tmp/d.png" } },
  { "derive one argument", "derive", 2, NULL,
    { "derive", "@sample" } },
  { "eval missing index", "eval", 1, "no-such.tsv",
    { "eval", "@tmp/no-such.tsv" } },
  { "eval index without columns", "eval", 1, "mask",
    { "eval", "@tmp/nocols.tsv" } },
  { "eval image as index", "eval", 1, "coffee.png",
    { "eval", "@sample" } },
  { "eval bad limit", "eval", 2, "--limit",
    { "eval", "@tmp/nocols.tsv", "--limit", "-1" } },
  { "eval limit not a number", "eval", 2, "--limit",
    { "eval", "@tmp/nocols.tsv", "--limit", "lots" } },
};

static void
test_bad_input (gconstpointer data)
{
  const BadCase *c = data;
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;
  /* Root may create files in a 0555 folder; in /proc/1 nobody can. */
  gboolean as_root = strstr (c->name, "unwritable") != NULL && geteuid () == 0;
  const char *needle = as_root ? "/proc/1" : c->needle;

  for (int i = 0; c->args[i] != NULL; i++)
    {
      if (g_str_has_prefix (c->args[i], "@eval/") && !pm_test_have_shared ("data/eval-public"))
        return;
      if (as_root && g_str_has_prefix (c->args[i], "@tmp/readonly/"))
        g_ptr_array_add (args, g_strdup ("/proc/1/o.png"));
      else
        g_ptr_array_add (args, expand (c->args[i]));
    }
  g_ptr_array_add (args, NULL);

  status = run ((const char * const *) args->pdata, &out, &err);
  if (c->expected == -2)
    {
      g_assert_true (status == 0 || status == 1);
      if (status == 1)
        assert_one_line_error (err, c->command, needle);
    }
  else
    {
      g_assert_cmpint (status, ==, c->expected);
      assert_one_line_error (err, c->command, needle);
      g_assert_cmpstr (out, ==, "");
    }
}

static void
test_derive_identical (void)
{
  g_autofree char *image = sample_path ();
  g_autofree char *mask = tmp_path ("same-mask.png");
  g_autofree char *out = NULL;
  g_autoptr(PmMask) m = NULL;
  const char *args[] = { "derive", image, image, "-o", mask, NULL };

  /* No edit at all: an empty mask, said plainly, not an error. */
  g_assert_cmpint (run (args, &out, NULL), ==, 0);
  m = load_binary_mask (mask);
  g_assert_cmpint (pm_mask_count (m), ==, 0);
  g_assert_nonnull (strstr (out, "empty"));
}

int
main (int    argc,
      char **argv)
{
  int status;
  g_autofree char *readonly = NULL;

  g_test_init (&argc, &argv, NULL);
  tmpdir = pm_test_tmpdir ();
  make_bad_files ();

  g_test_add_func ("/cli/version", test_version);
  g_test_add_func ("/cli/help", test_help);
  g_test_add_func ("/cli/edit/files", test_edit_files);
  g_test_add_func ("/cli/edit/default-outputs", test_edit_default_outputs);
  g_test_add_func ("/cli/edit/json", test_edit_json);
  g_test_add_func ("/cli/edit/dashes", test_edit_dashes);
  g_test_add_func ("/cli/dashes", test_dashes);
  g_test_add_func ("/cli/edit/color-override", test_edit_color_override);
  g_test_add_func ("/cli/edit/record", test_edit_record);
  g_test_add_func ("/cli/edit/result", test_edit_result);
  g_test_add_func ("/cli/edit/soft-mask-exact", test_edit_soft_mask_exact);
  g_test_add_func ("/cli/edit/jpeg-without-eoi", test_edit_jpeg_without_eoi);
  g_test_add_func ("/cli/derive/roundtrip", test_derive_roundtrip);
  g_test_add_func ("/cli/derive/identical", test_derive_identical);
  g_test_add_func ("/cli/eval/json", test_eval);
  g_test_add_func ("/cli/eval/table-and-bad-row", test_eval_table_and_bad_row);
  g_test_add_func ("/cli/eval/mask-values", test_eval_mask_values);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/cli/bad-input/%s", bad_cases[i].name);
      g_strdelimit (path + strlen ("/cli/bad-input/"), " ", '-');
      g_test_add_data_func (path, &bad_cases[i], test_bad_input);
    }

  status = g_test_run ();

  readonly = tmp_path ("readonly");
  g_chmod (readonly, 0755);
  pm_test_rmdir (tmpdir);
  g_free (tmpdir);
  return status;
}
