/* pm-model.h: model management: the known models, where they live, download, info, verify.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A model is a Hugging Face folder fetched at a pinned Hub revision into
 * `$XDG_DATA_HOME/paintmask/models/<name>/`. Files are checked against SHA-256 hashes
 * pinned here, or, for files without a pinned hash, against the LFS object id the Hub sends
 * in `X-Linked-Etag` (as huggingface_hub does).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define PM_MODEL_ERROR (pm_model_error_quark ())
GQuark pm_model_error_quark (void);

typedef enum {
  PM_MODEL_ERROR_UNKNOWN,        /* no known model of that name */
  PM_MODEL_ERROR_NOT_INSTALLED,  /* the folder or one of its files is missing */
  PM_MODEL_ERROR_NETWORK,        /* cannot connect, connection lost, timeout */
  PM_MODEL_ERROR_HTTP,           /* the server answered with an error status */
  PM_MODEL_ERROR_INCOMPLETE,     /* the body ended early (the .part file is kept) */
  PM_MODEL_ERROR_HASH,           /* SHA-256 or size mismatch (nothing installed) */
  PM_MODEL_ERROR_IO,             /* local file system */
  PM_MODEL_ERROR_INVALID,        /* files present but not a loadable model */
} PmModelError;

#define PM_MODEL_DEFAULT_NAME "clipseg-rd64-refined"
/* The SAM model the sam engine and --refine sam use unless told otherwise. */
#define PM_MODEL_SAM_DEFAULT_NAME "slimsam-77"
#define PM_MODEL_DEFAULT_HUB_URL "https://huggingface.co"

typedef struct {
  const char *name;      /* file name inside the folder */
  gint64      size;      /* expected size in bytes, or -1 */
  const char *sha256;    /* pinned lower-case hex digest, or NULL */
} PmModelFile;

typedef struct {
  const char        *name;         /* "clipseg-rd64-refined" */
  const char        *repo;         /* "CIDAS/clipseg-rd64-refined" */
  const char        *revision;     /* a 40-hex commit */
  const char        *engine;       /* "clipseg" */
  const char        *description;
  const PmModelFile *files;
  int                n_files;
  const char        *title;        /* short name people see: "CLIPSeg"; NULL: @name */
  const char        *license;      /* SPDX identifier of the weights' licence, or NULL */
  gint64             approx_size;  /* bytes of a download as the Hub lists them, or 0 */
} PmModelSpec;

/* What a model folder holds, judged from file names and sizes alone (cheap: no file is
 * read). A hash check is pm_model_verify()'s job. */
typedef enum {
  PM_MODEL_STATUS_NOT_INSTALLED,  /* no file of the model */
  PM_MODEL_STATUS_INCOMPLETE,     /* some files or a .part: an interrupted download */
  PM_MODEL_STATUS_INSTALLED,      /* every file, with its pinned size where one is pinned */
  PM_MODEL_STATUS_CORRUPT,        /* a file whose size differs from the pinned one */
} PmModelStatus;

/* ---------------------------------------------------------------- known models, folders */

const PmModelSpec  *pm_model_lookup            (const char         *name);
/* NULL-terminated, static. */
const PmModelSpec * const *pm_model_list_known (void);
/* The file list every CLIPSeg folder has (no pinned sizes or hashes); for custom repos. */
const PmModelFile  *pm_model_get_clipseg_files (int                *n_files);

/* `$XDG_DATA_HOME/paintmask/models` (transfer full). */
char               *pm_model_get_models_dir    (void);
/* `$XDG_DATA_HOME/paintmask/models/<name>` (transfer full). */
char               *pm_model_get_default_dir   (const char         *name);
/* TRUE if @dir holds the files a CLIPSeg model needs (not checked further). */
gboolean            pm_model_dir_is_complete   (const char         *dir,
                                                char              **missing);
/* The engine a folder's config.json is for: "sam" for a SamModel checkpoint, else
 * "clipseg" (the historical default); NULL when there is no readable config.json. */
const char         *pm_model_dir_get_engine    (const char         *dir);
/* TRUE if @dir holds the files a model of @engine needs: CLIPSeg's five, or SAM's
 * config.json and model.safetensors (its preprocessor_config.json is optional). */
gboolean            pm_model_dir_is_complete_for (const char       *dir,
                                                  const char       *engine,
                                                  char            **missing);
/* Names of folders under @models_dir that hold a complete model of the engine their
 * config.json names, sorted (transfer full). */
GStrv               pm_model_list_installed    (const char         *models_dir);

/* ---------------------------------------------------------------- status, size, removal */

/* "not-installed", "incomplete", "installed", "corrupt" (for --json and logs). */
const char         *pm_model_status_to_string  (PmModelStatus       status);
/* Sum of the pinned file sizes, or -1 if a file has no pinned size. */
gint64              pm_model_spec_get_size     (const PmModelSpec  *spec);
/* The exact size when every file's is pinned, else the listed approximate size (*exact
 * FALSE), else -1. */
gint64              pm_model_spec_get_download_size (const PmModelSpec *spec,
                                                     gboolean          *exact);
PmModelStatus       pm_model_get_status        (const PmModelSpec  *spec,
                                                const char         *dir,
                                                char              **detail);
/* Bytes of the regular files directly in @dir (0 if it does not exist). */
gint64              pm_model_dir_get_size      (const char         *dir);
gboolean            pm_model_remove            (const PmModelSpec  *spec,
                                                const char         *dir,
                                                GError            **error);

/* ---------------------------------------------------------------- download */

/* @done and @total are bytes of file @file (total −1 if unknown); @file_index counts from 0. */
typedef void (*PmDownloadProgressFunc) (const char *file,
                                        int         file_index,
                                        int         n_files,
                                        gint64      done,
                                        gint64      total,
                                        gpointer    user_data);

typedef struct {
  const char            *hub_url;       /* NULL: $PAINTMASK_HUB_URL, else huggingface.co */
  const char            *dest_dir;      /* NULL: pm_model_get_default_dir (spec->name) */
  double                 timeout_s;     /* idle timeout; 0 = 60 s */
  PmDownloadProgressFunc progress;
  gpointer               progress_data;
} PmDownloadOptions;

/* What a download did, per file. */
typedef struct {
  int    n_downloaded;   /* fetched (fully or resumed) */
  int    n_skipped;      /* already present and verified */
  int    n_resumed;      /* continued from a .part file */
  gint64 bytes;          /* bytes received over the network */
} PmDownloadStats;

/* The Hub URL a download uses for @override (may be NULL) (transfer full). */
char     *pm_model_get_hub_url   (const char               *override);
/* `<hub>/<repo>/resolve/<revision>/<file>` (transfer full). */
char     *pm_model_file_url      (const char               *hub_url,
                                  const PmModelSpec        *spec,
                                  const char               *file);
/* Downloads every file of @spec that is missing or fails its check; resumes `.part` files.
 * Blocking; run it in a worker thread in a GUI. */
gboolean  pm_model_download      (const PmModelSpec        *spec,
                                  const PmDownloadOptions  *options,
                                  PmDownloadStats          *stats,
                                  GCancellable             *cancellable,
                                  GError                  **error);
/* SHA-256 of a file, lower-case hex (transfer full). */
char     *pm_model_sha256_file   (const char               *path,
                                  GCancellable             *cancellable,
                                  GError                  **error);

/* ---------------------------------------------------------------- info, verify */

typedef struct {
  char   *dir;
  char   *engine;            /* "clipseg" or "sam" */
  char   *architecture;      /* "CLIPSegForImageSegmentation", "SamModel" */
  char   *dtype;             /* dominant dtype of the weights: "F32", "F16", … */
  gint64  n_params;
  int     n_tensors;
  gint64  size_on_disk;      /* all regular files in the folder */
  gint64  weights_bytes;     /* model.safetensors */
  int     input_size;        /* S */
  int     vision_layers, vision_hidden, vision_heads, patch_size;
  int     text_layers, text_hidden, text_heads, vocab_size;
  int     projection_dim, reduce_dim;
  int     n_extract_layers;
  int     extract_layers[16];
  /* SAM (0 for CLIPSeg) */
  int     vision_mlp;        /* encoder MLP width */
  int     window_size;       /* local attention window (0: all global) */
  int     n_global;
  int     global_layers[16]; /* layers with global attention (the first 16) */
  int     embed_dim;         /* neck, prompt and decoder width */
  int     decoder_layers;    /* two-way transformer layers */
  int     n_multimask;       /* masks of a multimask prompt */
} PmModelInfo;

PmModelInfo *pm_model_info_load  (const char         *dir,
                                  GError            **error);
void         pm_model_info_free  (PmModelInfo        *info);

/* Checks @dir: every file present; pinned hashes (when @spec is given and pins them);
 * config valid; model.safetensors valid with every tensor the model needs; for CLIPSeg the
 * tokenizer files loadable. One line per check is appended to @report (may be NULL). */
gboolean     pm_model_verify     (const char         *dir,
                                  const PmModelSpec  *spec,
                                  GString            *report,
                                  GCancellable       *cancellable,
                                  GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmModelInfo, pm_model_info_free)

/* Size limits of model files (pm_model_file_check()). Real ones: config.json ≈ 5 kB,
 * vocab.json 1 MB, merges.txt 0.5 MB, CLIPSeg weights 0.6 GB, SAM ViT-H 2.6 GB. */
#define PM_MODEL_MAX_JSON_BYTES      ((gint64) 16 * 1000 * 1000)
#define PM_MODEL_MAX_TOKENIZER_BYTES ((gint64) 64 * 1000 * 1000)
#define PM_MODEL_MAX_WEIGHTS_BYTES   ((gint64) 8 * 1000 * 1000 * 1000)

/* FALSE (one line naming @path) when @path is not a regular file, is larger than
 * @max_bytes, or is a symbolic link out of its folder (a Hugging Face snapshot may link into
 * its cache). A missing file passes: the reader reports it. */
gboolean pm_model_file_check (const char  *path,
                              gint64       max_bytes,
                              GError     **error);

G_END_DECLS
