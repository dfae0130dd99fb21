/* test-cli-mask.c: `paintmask mask OPS IN.png -o OUT.png` against the library it runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-cli-mask"

#include <string.h>
#include <json-glib/json-glib.h>

#include "pm-test-util.h"
#include "pm-mask-ops.h"
#include "pm-mask-paint.h"
#include "pm-maskio.h"
#include "pm-metrics.h"

#define W 160
#define H 120

typedef struct {
  char *dir;
  char *in;       /* a mask with a hole, a speck and a thin bridge */
  char *photo;    /* a red disk on green and blue */
  char *truth;    /* the disk */
} Fixture;

static PmMask *
make_input (void)
{
  PmMask *mask = pm_mask_new (W, H);
  PmBrush brush;

  pm_brush_init (&brush, 30);
  pm_mask_paint_segment (mask, &brush, 60, 60, 60, 60, NULL);
  brush.erase = TRUE;
  brush.radius = 6;
  pm_mask_paint_segment (mask, &brush, 55, 55, 55, 55, NULL);          /* a hole */
  brush.erase = FALSE;
  brush.radius = 1;
  pm_mask_paint_segment (mask, &brush, 140, 20, 141, 20, NULL);        /* a speck */
  brush.radius = 0.5;
  pm_mask_paint_segment (mask, &brush, 90, 60, 130, 60, NULL);         /* a thin bridge */
  return mask;
}

static PmImage *
make_photo (PmMask **truth)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);
  PmImage *img = pm_image_new (W, H);
  PmBrush brush;

  *truth = pm_mask_new (W, H);
  pm_brush_init (&brush, 35);
  pm_mask_paint_segment (*truth, &brush, 70, 62, 70, 62, NULL);
  for (int i = 0; i < W * H; i++)
    {
      guint8 *p = img->data + i * 4;
      gboolean in = (*truth)->data[i] > 0;
      int cell = ((i % W) / 20 + (i / W) / 15) % 2;

      p[0] = (guint8) CLAMP ((in ? 200 : cell ? 60 : 70) + g_rand_int_range (rand, -20, 21), 0, 255);
      p[1] = (guint8) CLAMP ((in ? 60 : cell ? 150 : 100) + g_rand_int_range (rand, -20, 21), 0, 255);
      p[2] = (guint8) CLAMP ((in ? 50 : cell ? 90 : 170) + g_rand_int_range (rand, -20, 21), 0, 255);
      p[3] = 255;
    }
  return img;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(PmMask) in = make_input ();
  g_autoptr(PmMask) truth = NULL;
  g_autoptr(PmImage) photo = make_photo (&truth);
  g_autoptr(GError) error = NULL;

  f->dir = pm_test_tmpdir ();
  f->in = g_build_filename (f->dir, "in.png", NULL);
  f->photo = g_build_filename (f->dir, "photo.png", NULL);
  f->truth = g_build_filename (f->dir, "truth.png", NULL);
  g_assert_true (pm_mask_save_png (in, f->in, FALSE, &error));
  g_assert_true (pm_image_save_png (photo, f->photo, &error));
  g_assert_true (pm_mask_save_png (truth, f->truth, FALSE, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  pm_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->in);
  g_free (f->photo);
  g_free (f->truth);
}

/* Runs `paintmask mask ARGS…`, asserting the exit code and, on failure, one line on stderr. */
static char *
run_mask (int          want,
          char       **err_out,
          const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  char *out = NULL;
  int status;

  g_ptr_array_add (argv, (gpointer) "mask");
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  status = pm_test_run_cli ((const char * const *) argv->pdata, &out, &err);
  if (status != want)
    g_error ("exit %d, wanted %d; stdout: %s; stderr: %s", status, want, out, err);
  if (want != 0)
    {
      g_assert_true (g_str_has_prefix (err, "paintmask mask: "));
      g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
    }
  if (err_out != NULL)
    *err_out = g_steal_pointer (&err);
  return out;
}

/* The CLI's result equals the library's for the same operations in the same order. */
static void
check_same_as_library (Fixture        *f,
                       const char     *out_name,
                       const PmMaskOp *ops,
                       gsize           n_ops,
                       const char * const *args)
{
  g_autofree char *out = g_build_filename (f->dir, out_name, NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(PmMask) want = NULL;
  g_autoptr(PmMask) got = NULL;
  g_autoptr(PmImage) photo = NULL;
  g_autoptr(GError) error = NULL;

  want = pm_mask_load_png (f->in, &error);
  photo = pm_image_load (f->photo, 0, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < n_ops; i++)
    {
      g_assert_true (pm_mask_op_apply (want, &ops[i], photo, NULL, NULL, &error));
      g_assert_no_error (error);
    }
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, (gpointer) f->in);
  g_ptr_array_add (argv, (gpointer) "-o");
  g_ptr_array_add (argv, out);
  g_ptr_array_add (argv, NULL);
  g_free (run_mask (0, NULL, (const char * const *) argv->pdata));
  got = pm_mask_load_png (out, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (got->data, sizeof (float) * W * H, want->data, sizeof (float) * W * H);
}

static void
test_order (Fixture       *f,
            gconstpointer  data)
{
  const PmMaskOp close_[] = { { PM_MASK_OP_GROW, 3, { 0 } }, { PM_MASK_OP_SHRINK, 3, { 0 } } };
  const PmMaskOp open_[] = { { PM_MASK_OP_SHRINK, 3, { 0 } }, { PM_MASK_OP_GROW, 3, { 0 } } };
  const PmMaskOp all[] = { { PM_MASK_OP_FILL_HOLES, 0, { 0 } },
                           { PM_MASK_OP_REMOVE_ISLANDS, 20, { 0 } },
                           { PM_MASK_OP_INVERT, 0, { 0 } } };
  const char * const close_args[] = { "--grow", "3", "--shrink", "3", NULL };
  const char * const open_args[] = { "--shrink", "3", "--grow", "3", NULL };
  const char * const all_args[] = { "--fill-holes", "--remove-islands", "20", "--invert", NULL };
  g_autofree char *a = g_build_filename (f->dir, "close.png", NULL);
  g_autofree char *b = g_build_filename (f->dir, "open.png", NULL);
  g_autoptr(PmMask) ma = NULL;
  g_autoptr(PmMask) mb = NULL;
  g_autoptr(GError) error = NULL;

  check_same_as_library (f, "close.png", close_, 2, close_args);
  check_same_as_library (f, "open.png", open_, 2, open_args);
  check_same_as_library (f, "all.png", all, 3, all_args);
  /* The order matters: a closing keeps the bridge, an opening cuts it. */
  ma = pm_mask_load_png (a, &error);
  mb = pm_mask_load_png (b, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (ma->data[60 * W + 110], ==, 1.0f);
  g_assert_cmpfloat (mb->data[60 * W + 110], ==, 0.0f);
}

static void
test_grabcut_box (Fixture       *f,
                  gconstpointer  data)
{
  const PmMaskOp ops[] = { { PM_MASK_OP_FILL_HOLES, 0, { 0 } },
                           { PM_MASK_OP_GRABCUT_BOX, 0, { 25, 20, 90, 85 } } };
  const char *args[] = { "--fill-holes", "--grabcut-box", "25,20,115,105", "--image", NULL,
                          NULL };
  g_autofree char *out = g_build_filename (f->dir, "gc.png", NULL);
  g_autofree char *json = NULL;
  g_autoptr(PmMask) in = NULL;
  g_autoptr(PmMask) got = NULL;
  g_autoptr(PmMask) truth = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *o;
  double before, after;

  args[4] = f->photo;
  check_same_as_library (f, "gc.png", ops, 2, (const char * const *) args);
  in = pm_mask_load_png (f->in, &error);
  got = pm_mask_load_png (out, &error);
  truth = pm_mask_load_png (f->truth, &error);
  g_assert_no_error (error);
  before = pm_mask_iou (in, truth, NULL, NULL);
  after = pm_mask_iou (got, truth, NULL, NULL);
  g_test_message ("grabcut-box IoU %.3f -> %.3f", before, after);
  g_assert_cmpfloat (after, >, before + 0.1);

  /* --json names the operations as given. */
  json = run_mask (0, NULL, (const char * const []) { "--json", "--grabcut-box",
                   "25,20,115,105", "--image", f->photo, "--grow", "2", f->in, "-o", out,
                   NULL });
  node = json_from_string (json, &error);
  g_assert_no_error (error);
  o = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (o, "input"), ==, f->in);
  g_assert_cmpstr (json_object_get_string_member (o, "output"), ==, out);
  g_assert_cmpstr (json_object_get_string_member (o, "image"), ==, f->photo);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (o, "operations")), ==,
                   2);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (o,
                   "operations"), 0), ==, "grabcut-box 25,20,115,105");
  g_assert_cmpint (json_object_get_int_member (o, "width"), ==, W);
  g_assert_true (json_object_get_int_member (o, "mask_pixels") > 0);
  g_assert_true (json_object_has_member (json_object_get_object_member (o, "timings_ms"),
                                         "grabcut-box"));
}

static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *out = g_build_filename (f->dir, "out.png", NULL);
  g_autofree char *garbage = g_build_filename (f->dir, "garbage.png", NULL);
  g_autofree char *small = g_build_filename (f->dir, "small.png", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing.png", NULL);
  g_autofree char *nodir = g_build_filename (f->dir, "no", "such", "out.png", NULL);
  g_autoptr(PmImage) tiny = pm_image_new (10, 10);
  const char *in = f->in, *photo = f->photo;
  const struct {
    int          status;
    const char  *expect;
    const char  *args[9];
  } cases[] = {
    { 2, "no operation", { in, "-o", out } },
    { 2, "-o OUT.png", { "--invert", in } },
    { 2, "one input mask", { "--invert", "-o", out } },
    { 2, "one input mask", { "--invert", in, in, "-o", out } },
    { 2, "--grow abc", { "--grow", "abc", in, "-o", out } },
    { 2, "--shrink -2", { "--shrink", "-2", in, "-o", out } },
    { 2, "--grow 100001", { "--grow", "100001", in, "-o", out } },
    { 2, "--remove-islands 0", { "--remove-islands", "0", in, "-o", out } },
    { 2, "--grabcut-box 1,2,3", { "--grabcut-box", "1,2,3", "--image", photo, in, "-o", out } },
    { 2, "--grabcut-box 50,2,40,9", { "--grabcut-box", "50,2,40,9", "--image", photo, in,
                                       "-o", out } },
    { 2, "needs --image", { "--grabcut-box", "1,2,30,40", in, "-o", out } },
    { 2, "Unknown option --dilate", { "--dilate", "3", in, "-o", out } },
    { 1, "outside the 160×120 photo", { "--grabcut-box", "170,0,200,50", "--image", photo, in,
                                        "-o", out } },
    { 1, "is 10×10 but the mask", { "--grabcut-box", "1,2,30,40", "--image", small, in,
                                    "-o", out } },
    { 1, "missing.png", { "--invert", missing, "-o", out } },
    { 1, "garbage.png", { "--invert", garbage, "-o", out } },
    { 1, "missing.png", { "--grabcut-box", "1,2,30,40", "--image", missing, in, "-o", out } },
    { 1, "would overwrite an input", { "--invert", in, "-o", in } },
    { 1, "does not exist", { "--invert", in, "-o", nodir } },
  };
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (garbage, "not a png at all", -1, NULL));
  g_assert_true (pm_image_save_png (tiny, small, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *err = NULL;

      g_test_message ("case %u: %s", i, cases[i].expect);
      g_free (run_mask (cases[i].status, &err, cases[i].args));
      g_assert_nonnull (strstr (err, cases[i].expect));
      g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
      g_assert_false (g_file_test (nodir, G_FILE_TEST_EXISTS));
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/cli/mask/order", test_order);
  ADD ("/cli/mask/grabcut-box", test_grabcut_box);
  ADD ("/cli/mask/bad-input", test_bad_input);
#undef ADD
  return g_test_run ();
}
