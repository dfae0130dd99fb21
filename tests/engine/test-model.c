/* test-model.c: the model registry: sizes and licences, folder status, removal, verify.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <glib/gstdio.h>

#include "pm-model.h"
#include "pm-test-util.h"

/* A three-file model with pinned sizes; "notes.txt" has no pinned size or hash. */
static const PmModelFile small_files[] = {
  { "config.json", 5, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" },
  { "model.safetensors", 1000, NULL },
  { "notes.txt", -1, NULL },
};

static const PmModelSpec small_spec = {
  .name = "small", .repo = "test/small", .revision = "0123456789abcdef0123456789abcdef01234567",
  .engine = "test", .description = "a test model", .files = small_files,
  .n_files = G_N_ELEMENTS (small_files), .title = "Small", .license = "MIT",
};

static void
write_file (const char *dir,
            const char *name,
            gsize       size,
            char        fill)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *data = g_malloc (size + 1);
  g_autoptr(GError) error = NULL;

  memset (data, fill, size);
  g_assert_true (g_file_set_contents (path, data, size, &error));
  g_assert_no_error (error);
}

static void
set_text (const char *dir,
          const char *name,
          const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
remove_file (const char *dir,
             const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (g_unlink (path), ==, 0);
}

static gboolean
exists (const char *dir,
        const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
test_registry (void)
{
  const PmModelSpec * const *known = pm_model_list_known ();
  const PmModelSpec *clipseg = pm_model_lookup (PM_MODEL_DEFAULT_NAME);
  int n = 0;

  /* Every known model carries what the Models page shows. */
  for (int i = 0; known[i] != NULL; i++, n++)
    {
      const PmModelSpec *spec = known[i];
      gint64 sum = 0;
      gboolean all_pinned = TRUE;

      g_assert_nonnull (spec->name);
      g_assert_nonnull (spec->title);
      g_assert_nonnull (spec->license);
      g_assert_nonnull (spec->engine);
      g_assert_cmpuint (strlen (spec->revision), ==, 40);
      g_assert_cmpint (spec->n_files, >, 0);
      for (int f = 0; f < spec->n_files; f++)
        {
          sum += spec->files[f].size;
          all_pinned = all_pinned && spec->files[f].size >= 0;
        }
      /* the total, or −1 when some size is not pinned (SAM's weights, see pm-model.c) */
      g_assert_cmpint (pm_model_spec_get_size (spec), ==, all_pinned ? sum : -1);
      /* Every model says how big its download is, exactly or as listed. */
      {
        gboolean exact = FALSE;
        gint64 download = pm_model_spec_get_download_size (spec, &exact);

        g_assert_true (exact == all_pinned);
        g_assert_cmpint (download, ==, all_pinned ? sum : spec->approx_size);
        g_assert_cmpint (download, >, 1000000);
      }
      g_assert_true (pm_model_lookup (spec->name) == spec);
    }
  g_assert_cmpint (n, >=, 1);

  g_assert_nonnull (clipseg);
  g_assert_cmpstr (clipseg->title, ==, "CLIPSeg");
  g_assert_cmpstr (clipseg->license, ==, "Apache-2.0");
  /* The pinned snapshot: 603 MB of weights plus config and tokenizer files. */
  g_assert_cmpint (pm_model_spec_get_size (clipseg), ==,
                   4732 + 380 + 1059962 + 524619 + (gint64) 603049496);
  g_assert_cmpint (pm_model_spec_get_size (&small_spec), ==, -1);
  {
    /* No pinned total and no listed size: unknown, not a guess. */
    gboolean exact = TRUE;
    g_assert_cmpint (pm_model_spec_get_download_size (&small_spec, &exact), ==, -1);
    g_assert_false (exact);
  }

  g_assert_cmpstr (pm_model_status_to_string (PM_MODEL_STATUS_NOT_INSTALLED), ==,
                   "not-installed");
  g_assert_cmpstr (pm_model_status_to_string (PM_MODEL_STATUS_INCOMPLETE), ==, "incomplete");
  g_assert_cmpstr (pm_model_status_to_string (PM_MODEL_STATUS_INSTALLED), ==, "installed");
  g_assert_cmpstr (pm_model_status_to_string (PM_MODEL_STATUS_CORRUPT), ==, "corrupt");
}

static void
assert_status (const char    *dir,
               PmModelStatus  expected,
               const char    *detail_part)
{
  g_autofree char *detail = NULL;
  PmModelStatus status = pm_model_get_status (&small_spec, dir, &detail);

  g_assert_cmpstr (pm_model_status_to_string (status), ==, pm_model_status_to_string (expected));
  if (detail_part == NULL)
    g_assert_null (detail);
  else
    {
      g_assert_nonnull (detail);
      g_assert_nonnull (strstr (detail, detail_part));
      g_assert_null (strchr (detail, '\n'));
    }
}

static void
test_status (void)
{
  g_autofree char *tmp = pm_test_tmpdir ();
  g_autofree char *dir = g_build_filename (tmp, "small", NULL);

  /* No folder, then an empty folder: not installed. */
  assert_status (dir, PM_MODEL_STATUS_NOT_INSTALLED, NULL);
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  assert_status (dir, PM_MODEL_STATUS_NOT_INSTALLED, NULL);
  g_assert_cmpint (pm_model_dir_get_size (dir), ==, 0);

  /* An interrupted download: only a .part, then one file of three. */
  write_file (dir, "config.json.part", 2, 'x');
  assert_status (dir, PM_MODEL_STATUS_INCOMPLETE, "config.json is missing");
  write_file (dir, "config.json", 5, 'x');
  remove_file (dir, "config.json.part");
  assert_status (dir, PM_MODEL_STATUS_INCOMPLETE, "model.safetensors is missing");

  /* Every file at its pinned size (the unpinned one at any size): installed. The status
   * reads no file, so config.json's wrong content is for verify to find. */
  write_file (dir, "model.safetensors", 1000, 0);
  write_file (dir, "notes.txt", 3, 'n');
  assert_status (dir, PM_MODEL_STATUS_INSTALLED, NULL);
  g_assert_cmpint (pm_model_dir_get_size (dir), ==, 1008);

  /* A file of the wrong size: corrupt, naming the file and both sizes. */
  write_file (dir, "model.safetensors", 999, 0);
  assert_status (dir, PM_MODEL_STATUS_CORRUPT, "model.safetensors is 999 bytes, expected 1000");
  /* Corrupt wins over missing: a bad file is worse than an unfinished one. */
  remove_file (dir, "notes.txt");
  assert_status (dir, PM_MODEL_STATUS_CORRUPT, "model.safetensors");

  pm_test_rmdir (tmp);
}

static void
test_remove (void)
{
  g_autofree char *tmp = pm_test_tmpdir ();
  g_autofree char *dir = g_build_filename (tmp, "small", NULL);
  g_autoptr(GError) error = NULL;

  /* Removing what is not there is fine. */
  g_assert_true (pm_model_remove (&small_spec, dir, &error));
  g_assert_no_error (error);

  /* The model's files and .part go; a file that is not the model's stays, with its folder. */
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  write_file (dir, "config.json", 5, 'x');
  write_file (dir, "model.safetensors.part", 10, 0);
  write_file (dir, "mine.txt", 4, 'm');
  g_assert_true (pm_model_remove (&small_spec, dir, &error));
  g_assert_no_error (error);
  g_assert_false (exists (dir, "config.json"));
  g_assert_false (exists (dir, "model.safetensors.part"));
  g_assert_true (exists (dir, "mine.txt"));
  assert_status (dir, PM_MODEL_STATUS_NOT_INSTALLED, NULL);

  /* Without foreign files the folder goes too. */
  remove_file (dir, "mine.txt");
  write_file (dir, "config.json", 5, 'x');
  write_file (dir, "model.safetensors", 1000, 0);
  write_file (dir, "notes.txt", 1, 'n');
  g_assert_true (pm_model_remove (&small_spec, dir, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));

  /* A folder in the way of a file name: one error line naming it, nothing else removed. */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  write_file (dir, "config.json", 5, 'x');
  {
    g_autofree char *blocker = g_build_filename (dir, "model.safetensors", NULL);
    g_autofree char *inside = g_build_filename (blocker, "x", NULL);
    g_assert_cmpint (g_mkdir (blocker, 0755), ==, 0);
    g_assert_true (g_file_set_contents (inside, "x", 1, NULL));
  }
  g_assert_false (pm_model_remove (&small_spec, dir, &error));
  g_assert_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "model.safetensors"));
  g_assert_null (strchr (error->message, '\n'));
  g_assert_true (exists (dir, "model.safetensors"));

  pm_test_rmdir (tmp);
}

static void
test_verify_hashes (void)
{
  g_autofree char *tmp = pm_test_tmpdir ();
  g_autofree char *dir = g_build_filename (tmp, "small", NULL);
  g_autoptr(GString) report = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  /* A model that is not CLIPSeg is checked by its pinned sizes and hashes. */
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  set_text (dir, "config.json", "hello");
  write_file (dir, "model.safetensors", 1000, 0);
  g_assert_false (pm_model_verify (dir, &small_spec, report, NULL, &error));
  g_assert_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_NOT_INSTALLED);
  g_assert_nonnull (strstr (error->message, "notes.txt"));
  g_assert_nonnull (strstr (error->message, "paintmask model download small"));
  g_clear_error (&error);

  write_file (dir, "notes.txt", 3, 'n');
  g_assert_true (pm_model_verify (dir, &small_spec, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (report->str, "config.json sha256 2cf24dba"));

  /* Same size, different bytes: the hash finds what the status cannot. */
  set_text (dir, "config.json", "HELLO");
  g_assert_cmpint (pm_model_get_status (&small_spec, dir, NULL), ==, PM_MODEL_STATUS_INSTALLED);
  g_assert_false (pm_model_verify (dir, &small_spec, NULL, NULL, &error));
  g_assert_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HASH);
  g_assert_nonnull (strstr (error->message, "config.json"));
  g_assert_null (strchr (error->message, '\n'));

  pm_test_rmdir (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/model/registry", test_registry);
  g_test_add_func ("/engine/model/status", test_status);
  g_test_add_func ("/engine/model/remove", test_remove);
  g_test_add_func ("/engine/model/verify-hashes", test_verify_hashes);
  return g_test_run ();
}
