/* test-model-file.c: model folders that try to read outside themselves or are too large
 * (pm-model-file.c, and the loaders that call it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "pm-clipseg-config.h"
#include "pm-model.h"
#include "pm-sam-config.h"
#include "pm-tokenizer.h"
#include "pm-test-util.h"

static char *tmpdir;

static char *
make_dir (const char *name)
{
  char *dir = g_build_filename (tmpdir, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  return dir;
}

static char *
put (const char *dir,
     const char *name,
     const char *contents)
{
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  return path;
}

static void
link_to (const char *dir,
         const char *name,
         const char *target)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (symlink (target, path), ==, 0);
}

static void
assert_refused (GError     *error,
                const char *file,
                const char *fragment)
{
  g_assert_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, file));
  g_assert_nonnull (strstr (error->message, fragment));
  g_assert_null (strchr (error->message, '\n'));
}

/* A link to a file outside the folder (a secret of the user's) is refused by every loader;
 * the error names the link, and nothing of the target is read. */
static void
test_symlink_outside (void)
{
  g_autofree char *outside = make_dir ("outside");
  g_autofree char *secret = put (outside, "secret.json", "{\"hidden_size\": 1}");
  g_autofree char *dir = make_dir ("linked-model");
  g_autofree char *config = g_build_filename (dir, "config.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTokenizer) tok = NULL;
  PmClipsegConfig cc;
  PmSamConfig sc;

  link_to (dir, "config.json", secret);
  link_to (dir, "preprocessor_config.json", "../outside/secret.json");
  link_to (dir, "vocab.json", "/etc/passwd");
  link_to (dir, "merges.txt", "../outside/secret.json");

  g_assert_false (pm_model_file_check (config, PM_MODEL_MAX_JSON_BYTES, &error));
  assert_refused (error, "linked-model/config.json", "outside the model folder");
  g_clear_error (&error);
  g_assert_false (pm_clipseg_config_load_dir (&cc, dir, &error));
  assert_refused (error, "linked-model/config.json", "symbolic link");
  g_clear_error (&error);
  g_assert_false (pm_sam_config_load_dir (&sc, dir, &error));
  assert_refused (error, "linked-model/config.json", "symbolic link");
  g_clear_error (&error);
  tok = pm_tokenizer_new_from_dir (dir, &error);
  g_assert_null (tok);
  assert_refused (error, "linked-model/vocab.json", "/etc/passwd");
}

/* Links inside the folder, and a Hugging Face snapshot's links into its own cache folder,
 * are fine. */
static void
test_symlink_allowed (void)
{
  g_autofree char *dir = make_dir ("inside-model");
  g_autofree char *real = put (dir, "real-config.json", "{}");
  g_autofree char *blobs = make_dir ("hub/models--org--name/blobs");
  g_autofree char *snap = make_dir ("hub/models--org--name/snapshots/0123abc");
  g_autofree char *blob = put (blobs, "5f1e", "{}");
  g_autofree char *link1 = g_build_filename (dir, "config.json", NULL);
  g_autofree char *link2 = g_build_filename (snap, "config.json", NULL);
  g_autoptr(GError) error = NULL;

  link_to (dir, "config.json", "real-config.json");
  link_to (snap, "config.json", "../../blobs/5f1e");
  g_assert_true (pm_model_file_check (link1, PM_MODEL_MAX_JSON_BYTES, &error));
  g_assert_no_error (error);
  g_assert_true (pm_model_file_check (link2, PM_MODEL_MAX_JSON_BYTES, &error));
  g_assert_no_error (error);
  /* A snapshot's link still may not leave the model's cache folder. */
  link_to (snap, "preprocessor_config.json", "../../../../outside/secret.json");
  {
    g_autofree char *outside = make_dir ("outside");
    g_autofree char *secret = put (outside, "secret.json", "{}");
    g_autofree char *link3 = g_build_filename (snap, "preprocessor_config.json", NULL);

    g_assert_false (pm_model_file_check (link3, PM_MODEL_MAX_JSON_BYTES, &error));
    assert_refused (error, "preprocessor_config.json", "outside the model folder");
  }
}

/* Files larger than their kind's limit are refused before they are read (sparse files, so
 * the test writes nothing much), as are folders and devices in a file's place. */
static void
test_too_large (void)
{
  g_autofree char *dir = make_dir ("large-model");
  g_autofree char *config = put (dir, "config.json", "{}");
  g_autofree char *pre = put (dir, "preprocessor_config.json", "{}");
  g_autofree char *weights = put (dir, "model.safetensors", "");
  g_autofree char *vocab = put (dir, "vocab.json", "{}");
  g_autofree char *merges = put (dir, "merges.txt", "");
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTokenizer) tok = NULL;
  PmClipsegConfig cc;

  g_assert_cmpint (truncate (config, PM_MODEL_MAX_JSON_BYTES + 1), ==, 0);
  g_assert_false (pm_clipseg_config_load_dir (&cc, dir, &error));
  assert_refused (error, "large-model/config.json", "more than the 16000000");
  g_clear_error (&error);

  g_assert_cmpint (truncate (vocab, PM_MODEL_MAX_TOKENIZER_BYTES + 1), ==, 0);
  tok = pm_tokenizer_new_from_dir (dir, &error);
  g_assert_null (tok);
  assert_refused (error, "large-model/vocab.json", "bytes");
  g_clear_error (&error);

  if (truncate (weights, PM_MODEL_MAX_WEIGHTS_BYTES + 1) != 0)
    {
      g_test_message ("no sparse 8 GB file here (%s): weights limit checked by size only",
                      g_strerror (errno));
      return;
    }
  g_assert_false (pm_model_file_check (weights, PM_MODEL_MAX_WEIGHTS_BYTES, &error));
  assert_refused (error, "large-model/model.safetensors", "8000000000");
  g_clear_error (&error);
  g_assert_true (pm_model_file_check (weights, PM_MODEL_MAX_WEIGHTS_BYTES + 1, &error));
  g_assert_no_error (error);
}

static void
test_not_regular (void)
{
  g_autofree char *dir = make_dir ("odd-model");
  g_autofree char *sub = make_dir ("odd-model/config.json");
  g_autoptr(GError) error = NULL;

  g_assert_false (pm_model_file_check (sub, PM_MODEL_MAX_JSON_BYTES, &error));
  assert_refused (error, "odd-model/config.json", "not a regular file");
  g_clear_error (&error);
  link_to (dir, "vocab.json", "/dev/zero");
  {
    g_autofree char *p = g_build_filename (dir, "vocab.json", NULL);
    g_assert_false (pm_model_file_check (p, PM_MODEL_MAX_TOKENIZER_BYTES, &error));
    assert_refused (error, "odd-model/vocab.json", "outside");
  }
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = pm_test_tmpdir ();
  g_test_add_func ("/engine/model-file/symlink-outside", test_symlink_outside);
  g_test_add_func ("/engine/model-file/symlink-allowed", test_symlink_allowed);
  g_test_add_func ("/engine/model-file/too-large", test_too_large);
  g_test_add_func ("/engine/model-file/not-regular", test_not_regular);
  ret = g_test_run ();
  pm_test_rmdir (tmpdir);
  g_free (tmpdir);
  return ret;
}
