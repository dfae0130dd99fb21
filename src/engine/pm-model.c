/* pm-model.c: the known models, model folders, info and verification.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-model"

#include "pm-model.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "pm-tokenizer.h"
#include "pm-clipseg.h"
#include "pm-clipseg-config.h"
#include "pm-safetensors.h"
#include "pm-sam.h"
#include "pm-sam-config.h"

G_DEFINE_QUARK (pm-model-error-quark, pm_model_error)

/* ---------------------------------------------------------------- the known models */

/* CIDAS/clipseg-rd64-refined at the Hub commit 999e0328d9e10b484360c477313983f9afdd7050
 * (its `main` since 2023). Sizes and SHA-256 digests of that snapshot, as recorded by several
 * independent projects that pin it; vocab.json and merges.txt are OpenAI's CLIP files. */
static const PmModelFile clipseg_rd64_refined_files[] = {
  { "config.json", 4732,
    "c023375966d31b3b1392764f7bd91df47098ce19f62f11b0263d8eedcf708bcd" },
  { "preprocessor_config.json", 380,
    "4fb09ebcfd7651205ca8299b993c30088e5535ef350a72d46c5c4580eeac0440" },
  { "vocab.json", 1059962,
    "e089ad92ba36837a0d31433e555c8f45fe601ab5c221d4f607ded32d9f7a4349" },
  { "merges.txt", 524619,
    "9fd691f7c8039210e0fced15865466c65820d09b63988b0174bfe25de299051a" },
  { "model.safetensors", 603049496,
    "d00ca85d6b859f9d07b7cfb8ef26fe9771cb275b34c9368f2ecf603139307f55" },
};

static const PmModelSpec clipseg_rd64_refined = {
  .name = "clipseg-rd64-refined",
  .repo = "CIDAS/clipseg-rd64-refined",
  .revision = "999e0328d9e10b484360c477313983f9afdd7050",
  .engine = "clipseg",
  .description = "CLIPSeg ViT-B/16, 64-dim refined decoder (Lüddecke & Ecker), Apache-2.0, 603 MB",
  .files = clipseg_rd64_refined_files,
  .n_files = G_N_ELEMENTS (clipseg_rd64_refined_files),
  .title = "CLIPSeg",
  .license = "Apache-2.0",
};

/* Zigeng/SlimSAM-uniform-77 at commit 9e72a1bc79fa17f1f4e239003f0d84170c96464d, the commit
 * that uploaded its three model files (later commits touch only README.md and images/).
 * The Hub lists config.json at 364 bytes and preprocessor_config.json at 466; no published
 * SHA-256 of these files or of model.safetensors (38.9 MB) could be found, so none is
 * pinned: every file is checked against the LFS object id the Hub sends in X-Linked-Etag,
 * and the JSON files by their size. */
static const PmModelFile slimsam_77_files[] = {
  { "config.json", 364, NULL },
  { "preprocessor_config.json", 466, NULL },
  { "model.safetensors", -1, NULL },
};

static const PmModelSpec slimsam_77 = {
  .name = "slimsam-77",
  .repo = "Zigeng/SlimSAM-uniform-77",
  .revision = "9e72a1bc79fa17f1f4e239003f0d84170c96464d",
  .engine = "sam",
  .description = "SlimSAM-77 (Chen et al.): Segment Anything pruned to 23 %, for clicks and "
                 "boxes, Apache-2.0, 39 MB",
  .files = slimsam_77_files,
  .n_files = G_N_ELEMENTS (slimsam_77_files),
  .title = "SlimSAM-77",
  .license = "Apache-2.0",
  .approx_size = 364 + 466 + (gint64) 38900000,
};

/* facebook/sam-vit-base at commit d0d9250bd6a38ebbb901aa29e8d37787e366f7be, which added
 * model.safetensors (#5). The Hub lists preprocessor_config.json at 466 bytes; config.json
 * (6.57 kB) and model.safetensors (375 MB) have no exact published size or SHA-256 that
 * could be found: they are checked against X-Linked-Etag like SlimSAM's. */
static const PmModelFile sam_vit_base_files[] = {
  { "config.json", -1, NULL },
  { "preprocessor_config.json", 466, NULL },
  { "model.safetensors", -1, NULL },
};

static const PmModelSpec sam_vit_base = {
  .name = "sam-vit-base",
  .repo = "facebook/sam-vit-base",
  .revision = "d0d9250bd6a38ebbb901aa29e8d37787e366f7be",
  .engine = "sam",
  .description = "Segment Anything ViT-B (Kirillov et al.): sharper masks than SlimSAM, "
                 "slower, Apache-2.0, 375 MB",
  .files = sam_vit_base_files,
  .n_files = G_N_ELEMENTS (sam_vit_base_files),
  .title = "SAM ViT-B",
  .license = "Apache-2.0",
  .approx_size = 6570 + 466 + (gint64) 375000000,
};

static const PmModelSpec * const known_models[] = {
  &clipseg_rd64_refined, &slimsam_77, &sam_vit_base, NULL
};

static const PmModelFile clipseg_files[] = {
  { "config.json", -1, NULL },
  { "preprocessor_config.json", -1, NULL },
  { "vocab.json", -1, NULL },
  { "merges.txt", -1, NULL },
  { "model.safetensors", -1, NULL },
};

static const PmModelFile sam_files[] = {
  { "config.json", -1, NULL },
  { "model.safetensors", -1, NULL },
};

const PmModelSpec *
pm_model_lookup (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  for (int i = 0; known_models[i] != NULL; i++)
    if (strcmp (known_models[i]->name, name) == 0)
      return known_models[i];
  return NULL;
}

const PmModelSpec * const *
pm_model_list_known (void)
{
  return known_models;
}

const PmModelFile *
pm_model_get_clipseg_files (int *n_files)
{
  if (n_files != NULL)
    *n_files = G_N_ELEMENTS (clipseg_files);
  return clipseg_files;
}

/* ---------------------------------------------------------------- folders */

char *
pm_model_get_models_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "paintmask", "models", NULL);
}

char *
pm_model_get_default_dir (const char *name)
{
  g_autofree char *models = pm_model_get_models_dir ();
  return g_build_filename (models, name != NULL ? name : PM_MODEL_DEFAULT_NAME, NULL);
}

static gboolean
has_files (const char        *dir,
           const PmModelFile *files,
           guint              n,
           char             **missing)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i].name, NULL);
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          if (missing != NULL)
            *missing = g_strdup (files[i].name);
          return FALSE;
        }
    }
  if (missing != NULL)
    *missing = NULL;
  return TRUE;
}

gboolean
pm_model_dir_is_complete (const char  *dir,
                          char       **missing)
{
  return has_files (dir, clipseg_files, G_N_ELEMENTS (clipseg_files), missing);
}

const char *
pm_model_dir_get_engine (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "config.json", NULL);
  g_autofree char *text = NULL;
  gsize len;

  /* a config.json is a few kB; anything far larger is not one */
  if (!g_file_get_contents (path, &text, &len, NULL) || len > 1 << 20)
    return NULL;
  return pm_sam_config_json_is_sam (text, (gssize) len) ? "sam" : "clipseg";
}

gboolean
pm_model_dir_is_complete_for (const char  *dir,
                              const char  *engine,
                              char       **missing)
{
  if (g_strcmp0 (engine, "sam") == 0)
    return has_files (dir, sam_files, G_N_ELEMENTS (sam_files), missing);
  return pm_model_dir_is_complete (dir, missing);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

GStrv
pm_model_list_installed (const char *models_dir)
{
  g_autofree char *dir_path = models_dir != NULL ? g_strdup (models_dir)
                                                 : pm_model_get_models_dir ();
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  GPtrArray *names = g_ptr_array_new ();
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR) &&
          pm_model_dir_is_complete_for (path, pm_model_dir_get_engine (path), NULL))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (names, FALSE);
}


/* ---------------------------------------------------------------- status, size, removal */

/**
 * pm_model_status_to_string:
 * @status: a status
 *
 * Returns: the status as a stable lower-case word ("not-installed", "incomplete",
 *   "installed", "corrupt")
 */
const char *
pm_model_status_to_string (PmModelStatus status)
{
  switch (status)
    {
    case PM_MODEL_STATUS_INCOMPLETE: return "incomplete";
    case PM_MODEL_STATUS_INSTALLED:  return "installed";
    case PM_MODEL_STATUS_CORRUPT:    return "corrupt";
    case PM_MODEL_STATUS_NOT_INSTALLED:
    default:                         return "not-installed";
    }
}

/**
 * pm_model_spec_get_size:
 * @spec: a model
 *
 * Returns: the bytes a complete download takes, or -1 when a file has no pinned size
 */
gint64
pm_model_spec_get_size (const PmModelSpec *spec)
{
  gint64 total = 0;

  g_return_val_if_fail (spec != NULL, -1);
  for (int i = 0; i < spec->n_files; i++)
    {
      if (spec->files[i].size < 0)
        return -1;
      total += spec->files[i].size;
    }
  return total;
}

/**
 * pm_model_spec_get_download_size:
 * @spec: a model
 * @exact: (out) (optional): whether the size is exact (every file's size is pinned)
 *
 * Returns: the bytes a download takes: exact when pinned, else as the Hub lists them
 *   (approximate), else -1
 */
gint64
pm_model_spec_get_download_size (const PmModelSpec *spec,
                                 gboolean          *exact)
{
  gint64 size;

  g_return_val_if_fail (spec != NULL, -1);
  size = pm_model_spec_get_size (spec);
  if (exact != NULL)
    *exact = size >= 0;
  if (size >= 0)
    return size;
  return spec->approx_size > 0 ? spec->approx_size : -1;
}

static gint64
path_size (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return -1;
  return st.st_size;
}

/**
 * pm_model_get_status:
 * @spec: the model
 * @dir: its folder
 * @detail: (out) (optional) (transfer full): for INCOMPLETE and CORRUPT, one line saying
 *   which file is missing or has the wrong size; else %NULL
 *
 * Judges @dir from file names and sizes only, so it is cheap (a few stat() calls).
 *
 * Returns: the status
 */
PmModelStatus
pm_model_get_status (const PmModelSpec  *spec,
                     const char         *dir,
                     char              **detail)
{
  g_autofree char *missing = NULL;
  g_autofree char *wrong = NULL;
  int n_present = 0, n_partial = 0;

  g_return_val_if_fail (spec != NULL, PM_MODEL_STATUS_NOT_INSTALLED);
  g_return_val_if_fail (dir != NULL, PM_MODEL_STATUS_NOT_INSTALLED);

  for (int i = 0; i < spec->n_files; i++)
    {
      const PmModelFile *mf = &spec->files[i];
      g_autofree char *path = g_build_filename (dir, mf->name, NULL);
      g_autofree char *part = g_strconcat (path, ".part", NULL);
      gint64 size = path_size (path);

      if (size < 0)
        {
          if (missing == NULL)
            missing = g_strdup (mf->name);
          n_partial += path_size (part) >= 0;
          continue;
        }
      n_present++;
      if (mf->size >= 0 && size != mf->size && wrong == NULL)
        wrong = g_strdup_printf ("%s is %" G_GINT64_FORMAT " bytes, expected %" G_GINT64_FORMAT,
                                 mf->name, size, mf->size);
    }

  if (detail != NULL)
    *detail = NULL;
  if (wrong != NULL)
    {
      if (detail != NULL)
        *detail = g_steal_pointer (&wrong);
      return PM_MODEL_STATUS_CORRUPT;
    }
  if (missing == NULL)
    return PM_MODEL_STATUS_INSTALLED;
  if (n_present == 0 && n_partial == 0)
    return PM_MODEL_STATUS_NOT_INSTALLED;
  if (detail != NULL)
    *detail = g_strdup_printf ("%s is missing", missing);
  return PM_MODEL_STATUS_INCOMPLETE;
}

/**
 * pm_model_dir_get_size:
 * @dir: a folder
 *
 * Returns: the bytes of the regular files directly in @dir (0 if there is no such folder)
 */
gint64
pm_model_dir_get_size (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  gint64 total = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);
      gint64 size = path_size (child);

      if (size > 0)
        total += size;
    }
  return total;
}

static gboolean
unlink_if_present (const char  *path,
                   GError     **error)
{
  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved = errno;
      g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_IO, "Cannot remove “%s”: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/**
 * pm_model_remove:
 * @spec: the model
 * @dir: its folder
 * @error: return location for a #GError
 *
 * Deletes the model's files and unfinished downloads (`.part`) from @dir, then @dir itself
 * if nothing else is left in it. Files that are not the model's are never touched.
 *
 * Returns: %TRUE if none of the model's files is left
 */
gboolean
pm_model_remove (const PmModelSpec  *spec,
                 const char         *dir,
                 GError            **error)
{
  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (dir != NULL, FALSE);

  for (int i = 0; i < spec->n_files; i++)
    {
      g_autofree char *path = g_build_filename (dir, spec->files[i].name, NULL);
      g_autofree char *part = g_strconcat (path, ".part", NULL);

      if (!unlink_if_present (path, error) || !unlink_if_present (part, error))
        return FALSE;
    }
  g_rmdir (dir);   /* fails, as it should, when other files remain */
  return TRUE;
}

/* ---------------------------------------------------------------- info */

void
pm_model_info_free (PmModelInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->dir);
  g_free (info->engine);
  g_free (info->architecture);
  g_free (info->dtype);
  g_free (info);
}

/* Every file of @spec (or, without one, of a CLIPSeg folder) is in @dir. */
static gboolean
check_complete (const char         *dir,
                const PmModelSpec  *spec,
                GError            **error)
{
  g_autofree char *missing = NULL;
  g_autofree char *command = NULL;

  if (spec != NULL && g_strcmp0 (spec->name, PM_MODEL_DEFAULT_NAME) != 0)
    command = g_strdup_printf ("paintmask model download %s", spec->name);
  else
    command = g_strdup ("paintmask model download");
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_NOT_INSTALLED,
                   "No model folder at “%s”; run '%s'", dir, command);
      return FALSE;
    }
  for (int i = 0; spec != NULL && i < spec->n_files && missing == NULL; i++)
    {
      g_autofree char *path = g_build_filename (dir, spec->files[i].name, NULL);
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        missing = g_strdup (spec->files[i].name);
    }
  if (missing != NULL ||
      (spec == NULL &&
       !pm_model_dir_is_complete_for (dir, pm_model_dir_get_engine (dir), &missing)))
    {
      g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_NOT_INSTALLED,
                   "Model folder “%s” lacks %s; run '%s'", dir, missing, command);
      return FALSE;
    }
  return TRUE;
}

/* config.json's "architectures"[0], or a placeholder. */
static char *
read_architecture (const char *config_path)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (json_parser_load_from_file (parser, config_path, NULL) &&
      (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *object = json_node_get_object (root);
      JsonNode *node = json_object_get_member (object, "architectures");
      if (node != NULL && JSON_NODE_HOLDS_ARRAY (node) &&
          json_array_get_length (json_node_get_array (node)) > 0)
        {
          JsonNode *first = json_array_get_element (json_node_get_array (node), 0);
          if (JSON_NODE_HOLDS_VALUE (first) && json_node_get_value_type (first) == G_TYPE_STRING)
            return g_strdup (json_node_get_string (first));
        }
    }
  return g_strdup ("(unknown)");
}

/**
 * pm_model_info_load:
 * @dir: a model folder
 * @error: return location for a #GError
 *
 * Reads the configuration and the safetensors header (not the weights).
 *
 * Returns: (transfer full): the description, or %NULL with @error set
 */
static gboolean
info_from_clipseg (PmModelInfo *info,
                   const char  *dir,
                   GError     **error)
{
  PmClipsegConfig config;

  if (!pm_clipseg_config_load_dir (&config, dir, error))
    return FALSE;
  info->input_size = config.input_height;
  info->vision_layers = config.vision.num_hidden_layers;
  info->vision_hidden = config.vision.hidden_size;
  info->vision_heads = config.vision.num_attention_heads;
  info->patch_size = config.vision.patch_size;
  info->text_layers = config.text.num_hidden_layers;
  info->text_hidden = config.text.hidden_size;
  info->text_heads = config.text.num_attention_heads;
  info->vocab_size = config.text.vocab_size;
  info->projection_dim = config.projection_dim;
  info->reduce_dim = config.reduce_dim;
  info->n_extract_layers = MIN (config.n_extract_layers, 16);
  for (int i = 0; i < info->n_extract_layers; i++)
    info->extract_layers[i] = config.extract_layers[i];
  return TRUE;
}

static gboolean
info_from_sam (PmModelInfo *info,
               const char  *dir,
               GError     **error)
{
  PmSamConfig config;
  const PmSamVisionConfig *v = &config.vision;

  if (!pm_sam_config_load_dir (&config, dir, error))
    return FALSE;
  info->input_size = v->image_size;
  info->vision_layers = v->num_hidden_layers;
  info->vision_hidden = v->hidden_size;
  info->vision_heads = v->num_attention_heads;
  info->patch_size = v->patch_size;
  info->vision_mlp = v->mlp_dim;
  info->window_size = v->window_size;
  for (int i = 0; i < v->num_hidden_layers && info->n_global < 16; i++)
    if (pm_sam_config_is_global (&config, i))
      info->global_layers[info->n_global++] = i;
  info->embed_dim = config.decoder.hidden_size;
  info->decoder_layers = config.decoder.num_hidden_layers;
  info->n_multimask = config.decoder.num_multimask_outputs;
  return TRUE;
}

/**
 * pm_model_info_load:
 * @dir: a model folder (CLIPSeg or SAM, as its config.json says)
 * @error: return location for a #GError
 *
 * Reads the configuration and the safetensors header (not the weights).
 *
 * Returns: (transfer full): the description, or %NULL with @error set
 */
PmModelInfo *
pm_model_info_load (const char  *dir,
                    GError     **error)
{
  g_autoptr(PmModelInfo) info = g_new0 (PmModelInfo, 1);
  g_autoptr(PmSafetensors) st = NULL;
  g_autofree char *weights = NULL;
  g_autofree char *config_path = NULL;
  gint64 by_dtype[PM_DTYPE_F8_E5M2 + 1] = { 0 };
  g_autoptr(GError) local_error = NULL;
  const char *engine;

  if (!check_complete (dir, NULL, error))
    return NULL;
  engine = pm_model_dir_get_engine (dir);
  info->engine = g_strdup (engine);
  if (g_strcmp0 (engine, "sam") == 0 ? !info_from_sam (info, dir, &local_error)
                                     : !info_from_clipseg (info, dir, &local_error))
    {
      g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_INVALID, "%s", local_error->message);
      return NULL;
    }
  weights = g_build_filename (dir, "model.safetensors", NULL);
  st = pm_safetensors_open (weights, &local_error);
  if (st == NULL)
    {
      g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_INVALID, "%s", local_error->message);
      return NULL;
    }

  info->dir = g_strdup (dir);
  config_path = g_build_filename (dir, "config.json", NULL);
  info->architecture = read_architecture (config_path);
  info->n_tensors = pm_safetensors_get_n_tensors (st);
  for (guint i = 0; i < pm_safetensors_get_n_tensors (st); i++)
    {
      const PmSafetensorsInfo *t = pm_safetensors_get_nth (st, i);
      gint64 n = 1;
      for (int d = 0; d < t->n_dims; d++)
        n *= t->shape[d];
      info->n_params += n;
      if ((int) t->dtype >= 0 && t->dtype <= PM_DTYPE_F8_E5M2)
        by_dtype[t->dtype] += n;
    }
  {
    int best = 0;
    for (int d = 1; d <= PM_DTYPE_F8_E5M2; d++)
      if (by_dtype[d] > by_dtype[best])
        best = d;
    info->dtype = g_strdup (pm_dtype_to_string (best));
  }
  {
    GStatBuf sb;
    info->weights_bytes = g_stat (weights, &sb) == 0 ? (gint64) sb.st_size : -1;
  }
  info->size_on_disk = pm_model_dir_get_size (dir);
  return g_steal_pointer (&info);
}

/* ---------------------------------------------------------------- verify */

static void
report_line (GString    *report,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
report_line (GString    *report,
             const char *format,
             ...)
{
  va_list args;

  if (report == NULL)
    return;
  va_start (args, format);
  g_string_append_vprintf (report, format, args);
  va_end (args);
  g_string_append_c (report, '\n');
}

/**
 * pm_model_verify:
 * @dir: a model folder
 * @spec: (nullable): the known model it should be, for pinned sizes and hashes
 * @report: (nullable): receives one line per check
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Returns: %TRUE if every check passed
 */
gboolean
pm_model_verify (const char         *dir,
                 const PmModelSpec  *spec,
                 GString            *report,
                 GCancellable       *cancellable,
                 GError            **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!check_complete (dir, spec, error))
    return FALSE;

  /* Pinned sizes and hashes. */
  for (int i = 0; spec != NULL && i < spec->n_files; i++)
    {
      const PmModelFile *mf = &spec->files[i];
      g_autofree char *path = g_build_filename (dir, mf->name, NULL);
      g_autofree char *digest = NULL;
      GStatBuf sb;

      if (g_stat (path, &sb) != 0)
        {
          g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_NOT_INSTALLED,
                       "Model folder “%s” lacks %s", dir, mf->name);
          return FALSE;
        }
      if (mf->size >= 0 && (gint64) sb.st_size != mf->size)
        {
          g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HASH,
                       "%s: %" G_GINT64_FORMAT " bytes, expected %" G_GINT64_FORMAT, path,
                       (gint64) sb.st_size, mf->size);
          return FALSE;
        }
      if (mf->sha256 == NULL)
        continue;
      digest = pm_model_sha256_file (path, cancellable, error);
      if (digest == NULL)
        return FALSE;
      if (g_ascii_strcasecmp (digest, mf->sha256) != 0)
        {
          g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_HASH,
                       "%s: SHA-256 %s does not match the pinned %s", path, digest, mf->sha256);
          return FALSE;
        }
      report_line (report, "ok  %s sha256 %s", mf->name, digest);
    }

  /* SAM: configuration and weights (every tensor present with its shape) */
  if (spec != NULL ? g_strcmp0 (spec->engine, "sam") == 0
                   : g_strcmp0 (pm_model_dir_get_engine (dir), "sam") == 0)
    {
      g_autoptr(PmSam) model = pm_sam_load (dir, &local_error);
      const PmSamVisionConfig *v;

      if (model == NULL || !pm_sam_check_weights (model, &local_error))
        {
          g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_INVALID, "%s",
                       local_error->message);
          return FALSE;
        }
      v = &pm_sam_get_config (model)->vision;
      report_line (report, "ok  config.json, preprocessor_config.json and model.safetensors "
                   "(SAM encoder %d layers × %d, %d×%d input, %.1f MB of float32 weights)",
                   v->num_hidden_layers, v->hidden_size, v->image_size, v->image_size,
                   pm_sam_get_weights_bytes (model) / 1e6);
      return TRUE;
    }
  /* The loadability checks below are CLIPSeg's; other models stop at their hashes. */
  if (spec != NULL && g_strcmp0 (spec->engine, "clipseg") != 0)
    return TRUE;

  /* Configuration, weights (every tensor present with its shape), tokenizer. */
  {
    g_autoptr(PmClipseg) model = pm_clipseg_load (dir, &local_error);
    if (model == NULL || !pm_clipseg_check_weights (model, &local_error))
      {
        g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_INVALID, "%s", local_error->message);
        return FALSE;
      }
    report_line (report, "ok  config.json, preprocessor_config.json and model.safetensors "
                 "(%d×%d input, %.1f MB of float32 weights)",
                 pm_clipseg_get_input_size (model), pm_clipseg_get_input_size (model),
                 pm_clipseg_get_weights_bytes (model) / 1e6);
  }
  {
    g_autoptr(PmTokenizer) tokenizer = pm_tokenizer_new_from_dir (dir, &local_error);
    g_autoptr(GArray) ids = NULL;

    if (tokenizer == NULL)
      {
        g_set_error (error, PM_MODEL_ERROR, PM_MODEL_ERROR_INVALID, "%s", local_error->message);
        return FALSE;
      }
    ids = pm_tokenizer_encode (tokenizer, "a photo of a cat", -1, 0);
    report_line (report, "ok  vocab.json and merges.txt (%d tokens; \"a photo of a cat\" → "
                 "%u ids)", pm_tokenizer_get_vocab_size (tokenizer), ids->len);
  }
  return TRUE;
}
