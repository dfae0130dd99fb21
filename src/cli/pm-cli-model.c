/* pm-cli-model.c: `paintmask model download|list|info|verify|tokenize|logits`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "paintmask-model"

#include "config.h"

#include <glib/gi18n.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <json-glib/json-glib.h>

#include "pm-cli.h"
#include "pm-cli-util.h"
#include "pm-model.h"
#include "pm-tokenizer.h"
#include "pm-clipseg.h"
#include "pm-image.h"
#include "pm-npy.h"

static int
fail (const char *what,
      GError     *error)
{
  g_autofree char *command = g_strdup_printf ("model %s", what);

  pm_cli_error (command, "%s", error->message);
  return pm_cli_exit_code (error);
}

static int
usage_error (const char *what,
             const char *message)
{
  g_autofree char *command = g_strdup_printf ("model %s", what);

  pm_cli_error (command, "%s (see 'paintmask model %s --help')", message, what);
  return PM_EXIT_USAGE;
}

/* "clipseg-rd64-refined, slimsam-77, …" (transfer full). */
static char *
known_names (void)
{
  const PmModelSpec * const *known = pm_model_list_known ();
  GString *text = g_string_new (NULL);

  for (int i = 0; known[i] != NULL; i++)
    g_string_append_printf (text, "%s%s", i ? ", " : "", known[i]->name);
  return g_string_free (text, FALSE);
}

static void
print_json (JsonBuilder *builder)
{
  pm_cli_print_json (json_builder_get_root (builder));
}

/* Parses options; returns -1 on success, else the exit code to return. */
static int
parse (const char     *what,
       const char     *args_summary,
       const char     *description,
       GOptionEntry   *entries,
       int            *argc,
       char         ***argv)
{
  g_autofree char *command = g_strdup_printf ("model %s", what);
  g_autoptr(GOptionContext) ctx = pm_cli_context_new (command, args_summary, description);
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, argc, argv, &error))
    return usage_error (what, error->message);
  /* The process's own argv: the separator is not ours to free. */
  if (pm_cli_drop_separator (*argv, 1) != NULL)
    (*argc)--;
  return -1;
}

/* Parses the options of a command taking --model-dir, --json and an optional NAME (*name,
 * or NULL); returns -1 on success, else the exit code to return. */
static int
parse_name_and_dir (const char   *what,
                    const char   *description,
                    char        **model_dir,
                    gboolean     *json,
                    const char  **name,
                    int          *argc,
                    char       ***argv)
{
  GOptionEntry entries[] = {
    { "model-dir", 'm', 0, G_OPTION_ARG_FILENAME, model_dir, N_("Model folder"), "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, json, N_("Print JSON"), NULL },
    { NULL }
  };
  int rc;

  if ((rc = parse (what, "[NAME]", description, entries, argc, argv)) >= 0)
    return rc;
  if (*argc > 2)
    return usage_error (what, "too many arguments");
  *name = *argc == 2 ? (*argv)[1] : NULL;
  return -1;
}

/* The folder a command works on: --model-dir, or the installed NAME (default model). */
static char *
resolve_dir (const char *model_dir,
             const char *name)
{
  if (model_dir != NULL)
    return g_strdup (model_dir);
  return pm_model_get_default_dir (name != NULL ? name : PM_MODEL_DEFAULT_NAME);
}

/* Without --model-dir, the default model must be installed. */
static gboolean
require_installed (const char *what,
                   const char *dir,
                   const char *model_dir)
{
  g_autofree char *command = g_strdup_printf ("model %s", what);

  if (model_dir != NULL || pm_model_dir_is_complete (dir, NULL))
    return TRUE;
  pm_cli_error (command, "no CLIPSeg model installed in %s; run 'paintmask model download' "
                "or pass --model-dir", dir);
  return FALSE;
}

/* ---------------------------------------------------------------- download */

typedef struct {
  gboolean tty;
  double   start_ms;
  int      last_percent;
  int      last_index;
} Progress;

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static void
on_progress (const char *file,
             int         index,
             int         n_files,
             gint64      done,
             gint64      total,
             gpointer    user_data)
{
  Progress *p = user_data;
  int percent = total > 0 ? (int) (100 * done / total) : -1;

  if (index != p->last_index)
    {
      if (p->tty && p->last_index >= 0)
        fputc ('\n', stderr);
      p->last_index = index;
      p->last_percent = -2;
      p->start_ms = now_ms ();
      if (!p->tty)
        fprintf (stderr, "Downloading %s (%d/%d)\n", file, index + 1, n_files);
    }
  if (!p->tty || percent == p->last_percent)
    return;
  p->last_percent = percent;
  {
    char bar[31];
    double secs = (now_ms () - p->start_ms) / 1000.0;
    int filled = percent >= 0 ? percent * 30 / 100 : 0;

    for (int i = 0; i < 30; i++)
      bar[i] = i < filled ? '#' : '-';
    bar[30] = '\0';
    if (total > 0)
      fprintf (stderr, "\r[%d/%d] %-26s [%s] %3d%% %7.1f/%.1f MB %6.1f MB/s", index + 1, n_files,
               file, bar, percent, done / 1e6, total / 1e6, secs > 0 ? done / 1e6 / secs : 0.0);
    else
      fprintf (stderr, "\r[%d/%d] %-26s %7.1f MB", index + 1, n_files, file, done / 1e6);
    fflush (stderr);
  }
}

static int
cmd_download (int argc, char **argv)
{
  g_autofree char *model_dir = NULL, *hub_url = NULL, *repo = NULL, *revision = NULL;
  GOptionEntry entries[] = {
    { "model-dir", 'm', 0, G_OPTION_ARG_FILENAME, &model_dir, N_("Install into DIR"), "DIR" },
    { "hub-url", 0, 0, G_OPTION_ARG_STRING, &hub_url,
      N_("Hub base URL (default $PAINTMASK_HUB_URL or https://huggingface.co)"), "URL" },
    { "repo", 0, 0, G_OPTION_ARG_STRING, &repo,
      N_("Another CLIPSeg repository (OWNER/NAME), checked against the Hub's LFS hashes"), "REPO" },
    { "revision", 0, 0, G_OPTION_ARG_STRING, &revision, N_("Revision of --repo (default main)"),
      "REV" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  const PmModelSpec *known = NULL;
  PmModelSpec custom = { 0 };
  const PmModelSpec *spec;
  PmDownloadOptions options = { 0 };
  PmDownloadStats stats = { 0 };
  Progress progress = { .last_index = -1 };
  g_autofree char *dir = NULL;
  const char *name;
  int rc;

  if ((rc = parse ("download", "[NAME]", "Download a model from the Hugging Face Hub.",
                   entries, &argc, &argv)) >= 0)
    return rc;
  if (argc > 2)
    return usage_error ("download", "too many arguments");
  name = argc == 2 ? argv[1] : NULL;

  if (repo != NULL)
    {
      g_autofree char *base = NULL;
      if (strchr (repo, '/') == NULL || repo[0] == '/' || strstr (repo, "..") != NULL)
        return usage_error ("download", "--repo takes OWNER/NAME");
      custom.repo = repo;
      custom.revision = revision != NULL ? revision : "main";
      custom.engine = "clipseg";
      custom.description = repo;
      base = g_path_get_basename (repo);
      custom.name = name != NULL ? name : g_intern_string (base);
      custom.files = pm_model_get_clipseg_files (&custom.n_files);
      spec = &custom;
    }
  else
    {
      if (revision != NULL)
        return usage_error ("download", "--revision needs --repo (known models are pinned)");
      known = pm_model_lookup (name != NULL ? name : PM_MODEL_DEFAULT_NAME);
      if (known == NULL)
        {
          g_autofree char *names = known_names ();
          pm_cli_error ("model download", "unknown model “%s” (known: %s)", name, names);
          return PM_EXIT_USAGE;
        }
      spec = known;
    }

  dir = resolve_dir (model_dir, spec->name);
  options.hub_url = hub_url;
  options.dest_dir = dir;
  options.progress = on_progress;
  options.progress_data = &progress;
  progress.tty = isatty (fileno (stderr));
  if (progress.tty)
    {
      g_autofree char *hub = pm_model_get_hub_url (hub_url);
      fprintf (stderr, "Fetching %s@%.12s from %s into %s\n", spec->repo, spec->revision, hub,
               dir);
    }
  if (!pm_model_download (spec, &options, &stats, NULL, &error))
    {
      if (progress.tty && progress.last_index >= 0)
        fputc ('\n', stderr);
      return fail ("download", error);
    }
  if (progress.tty && progress.last_index >= 0)
    fputc ('\n', stderr);

  printf ("Installed %s in %s (%d downloaded, %d resumed, %d already present; %.1f MB "
          "received)\n", spec->name, dir, stats.n_downloaded, stats.n_resumed, stats.n_skipped,
          stats.bytes / 1e6);
  if (g_strcmp0 (spec->engine, "sam") == 0)
    {
      gboolean is_default = model_dir == NULL &&
                            strcmp (spec->name, PM_MODEL_SAM_DEFAULT_NAME) == 0;
      g_autofree char *where = is_default ? g_strdup ("")
                                          : g_strdup_printf (" --model-dir %s", dir);
      printf ("Next: paintmask segment PHOTO.jpg --point X,Y%s\n", where);
    }
  else if (model_dir != NULL)
    printf ("Next: paintmask edit PHOTO.jpg \"paint the cat purple\" --engine clipseg "
            "--model-dir %s\n", model_dir);
  else
    printf ("Next: paintmask edit PHOTO.jpg \"paint the cat purple\" --engine clipseg\n");
  return PM_EXIT_OK;
}

/* ---------------------------------------------------------------- list */

static const char *
status_text (PmModelStatus status)
{
  switch (status)
    {
    case PM_MODEL_STATUS_INSTALLED:  return "installed";
    case PM_MODEL_STATUS_CORRUPT:    return "corrupt";
    case PM_MODEL_STATUS_INCOMPLETE: return "incomplete (download again to resume)";
    case PM_MODEL_STATUS_NOT_INSTALLED:
    default:                         return "not installed";
    }
}

static int
cmd_list (int argc, char **argv)
{
  g_autofree char *model_dir = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "model-dir", 'm', 0, G_OPTION_ARG_FILENAME, &model_dir, N_("Also show this folder"), "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autofree char *models_dir = pm_model_get_models_dir ();
  g_auto(GStrv) installed = NULL;
  const PmModelSpec * const *known = pm_model_list_known ();
  g_autoptr(JsonBuilder) b = json_builder_new ();
  int rc;

  if ((rc = parse ("list", "", "List known and installed models.", entries, &argc,
                   &argv)) >= 0)
    return rc;
  if (argc > 1)
    return usage_error ("list", "too many arguments");
  installed = pm_model_list_installed (models_dir);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "models_dir");
  json_builder_add_string_value (b, models_dir);
  json_builder_set_member_name (b, "known");
  json_builder_begin_array (b);
  if (!json)
    printf ("Known models:\n");
  for (int i = 0; known[i] != NULL; i++)
    {
      const PmModelSpec *spec = known[i];
      g_autofree char *dir = pm_model_get_default_dir (spec->name);
      g_autofree char *detail = NULL;
      PmModelStatus status = pm_model_get_status (spec, dir, &detail);
      gint64 size = pm_model_spec_get_size (spec);
      gboolean exact = FALSE;
      gint64 download_size = pm_model_spec_get_download_size (spec, &exact);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, spec->name);
      json_builder_set_member_name (b, "title");
      json_builder_add_string_value (b, spec->title != NULL ? spec->title : spec->name);
      json_builder_set_member_name (b, "repo");
      json_builder_add_string_value (b, spec->repo);
      json_builder_set_member_name (b, "revision");
      json_builder_add_string_value (b, spec->revision);
      json_builder_set_member_name (b, "engine");
      json_builder_add_string_value (b, spec->engine);
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, spec->description);
      json_builder_set_member_name (b, "license");
      if (spec->license != NULL)
        json_builder_add_string_value (b, spec->license);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "size");
      json_builder_add_int_value (b, size);
      /* What a download takes, exact or as the Hub lists it. */
      json_builder_set_member_name (b, "download_size");
      json_builder_add_int_value (b, download_size);
      json_builder_set_member_name (b, "download_size_exact");
      json_builder_add_boolean_value (b, exact);
      json_builder_set_member_name (b, "installed");
      json_builder_add_boolean_value (b, status == PM_MODEL_STATUS_INSTALLED);
      json_builder_set_member_name (b, "status");
      json_builder_add_string_value (b, pm_model_status_to_string (status));
      if (detail != NULL)
        {
          json_builder_set_member_name (b, "status_detail");
          json_builder_add_string_value (b, detail);
        }
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, dir);
      json_builder_end_object (b);
      if (!json)
        {
          g_autofree char *size_text = download_size < 0 ? g_strdup ("size unknown")
                                       : g_strdup_printf ("%s%.1f MB", exact ? "" : "about ",
                                                          download_size / 1e6);
          printf ("  %-22s %s@%.12s  %s%s%s\n  %-22s %s, licence %s\n  %-22s %s\n", spec->name,
                  spec->repo, spec->revision, status_text (status),
                  detail != NULL ? ": " : "", detail != NULL ? detail : "", "", size_text,
                  spec->license != NULL ? spec->license : "unknown", "", spec->description);
        }
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "installed");
  json_builder_begin_array (b);
  if (!json)
    printf ("Installed in %s:\n", models_dir);
  for (int i = 0; installed[i] != NULL; i++)
    {
      g_autofree char *dir = g_build_filename (models_dir, installed[i], NULL);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, installed[i]);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, dir);
      json_builder_end_object (b);
      if (!json)
        printf ("  %s\n", installed[i]);
    }
  if (!json && installed[0] == NULL)
    printf ("  (none; run 'paintmask model download')\n");
  json_builder_end_array (b);

  if (model_dir != NULL)
    {
      g_autofree char *missing = NULL;
      gboolean ok = pm_model_dir_is_complete (model_dir, &missing);

      json_builder_set_member_name (b, "model_dir");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, model_dir);
      json_builder_set_member_name (b, "complete");
      json_builder_add_boolean_value (b, ok);
      if (!ok)
        {
          json_builder_set_member_name (b, "missing");
          json_builder_add_string_value (b, missing);
        }
      json_builder_end_object (b);
      if (!json)
        printf ("Folder %s: %s%s\n", model_dir, ok ? "complete" : "incomplete, lacks ",
                ok ? "" : missing);
    }
  json_builder_end_object (b);
  if (json)
    print_json (b);
  return PM_EXIT_OK;
}

/* ---------------------------------------------------------------- info */

static int
cmd_info (int argc, char **argv)
{
  g_autofree char *model_dir = NULL;
  gboolean json = FALSE;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmModelInfo) info = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GString) extract = g_string_new (NULL);
  const PmModelSpec *spec = NULL;
  PmModelStatus status = PM_MODEL_STATUS_NOT_INSTALLED;
  const char *name;
  int rc;

  if ((rc = parse_name_and_dir ("info", "Describe an installed model.", &model_dir, &json,
                                &name, &argc, &argv)) >= 0)
    return rc;
  dir = resolve_dir (model_dir, name);
  /* A known model, named or at its default place, also has a licence and a status. */
  if (name != NULL || model_dir == NULL)
    spec = pm_model_lookup (name != NULL ? name : PM_MODEL_DEFAULT_NAME);
  info = pm_model_info_load (dir, &error);
  if (info == NULL)
    return fail ("info", error);
  if (spec != NULL)
    status = pm_model_get_status (spec, dir, NULL);
  for (int i = 0; i < info->n_extract_layers; i++)
    g_string_append_printf (extract, "%s%d", i ? ", " : "", info->extract_layers[i]);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
#define STR(k, v) json_builder_set_member_name (b, k); json_builder_add_string_value (b, v)
#define INT(k, v) json_builder_set_member_name (b, k); json_builder_add_int_value (b, v)
      STR ("path", info->dir);
      if (spec != NULL)
        {
          STR ("name", spec->name);
          STR ("license", spec->license != NULL ? spec->license : "");
          STR ("status", pm_model_status_to_string (status));
        }
      STR ("engine", info->engine != NULL ? info->engine : "clipseg");
      STR ("architecture", info->architecture);
      STR ("dtype", info->dtype);
      INT ("params", info->n_params);
      INT ("tensors", info->n_tensors);
      INT ("size_on_disk", info->size_on_disk);
      INT ("weights_bytes", info->weights_bytes);
      INT ("weights_f32_bytes", info->n_params * 4);
      INT ("input_size", info->input_size);
      INT ("vision_layers", info->vision_layers);
      INT ("vision_hidden", info->vision_hidden);
      INT ("vision_heads", info->vision_heads);
      INT ("patch_size", info->patch_size);
      INT ("text_layers", info->text_layers);
      INT ("text_hidden", info->text_hidden);
      INT ("text_heads", info->text_heads);
      INT ("vocab_size", info->vocab_size);
      INT ("projection_dim", info->projection_dim);
      INT ("reduce_dim", info->reduce_dim);
      if (g_strcmp0 (info->engine, "sam") == 0)
        {
          INT ("vision_mlp", info->vision_mlp);
          INT ("window_size", info->window_size);
          INT ("embed_dim", info->embed_dim);
          INT ("decoder_layers", info->decoder_layers);
          INT ("multimask_outputs", info->n_multimask);
          json_builder_set_member_name (b, "global_attn_layers");
          json_builder_begin_array (b);
          for (int i = 0; i < info->n_global; i++)
            json_builder_add_int_value (b, info->global_layers[i]);
          json_builder_end_array (b);
        }
#undef STR
#undef INT
      json_builder_set_member_name (b, "extract_layers");
      json_builder_begin_array (b);
      for (int i = 0; i < info->n_extract_layers; i++)
        json_builder_add_int_value (b, info->extract_layers[i]);
      json_builder_end_array (b);
      json_builder_end_object (b);
      print_json (b);
      return PM_EXIT_OK;
    }

  printf ("Folder:        %s\n", info->dir);
  if (spec != NULL)
    printf ("Model:         %s (%s), licence %s, %s\n",
            spec->title != NULL ? spec->title : spec->name, spec->name,
            spec->license != NULL ? spec->license : "unknown", status_text (status));
  printf ("Architecture:  %s\n", info->architecture);
  printf ("Parameters:    %" G_GINT64_FORMAT " (%.1f M) in %d tensors, %s\n", info->n_params,
          info->n_params / 1e6, info->n_tensors, info->dtype);
  printf ("Size on disk:  %.1f MB (weights %.1f MB; %.1f MB as float32)\n",
          info->size_on_disk / 1e6, info->weights_bytes / 1e6, info->n_params * 4 / 1e6);
  printf ("Input:         %d×%d, patch %d\n", info->input_size, info->input_size,
          info->patch_size);
  if (g_strcmp0 (info->engine, "sam") == 0)
    {
      g_autoptr(GString) global = g_string_new (NULL);

      for (int i = 0; i < info->n_global; i++)
        g_string_append_printf (global, "%s%d", i ? ", " : "", info->global_layers[i]);
      printf ("Encoder:       %d layers × %d, %d heads, MLP %d; window %d, global attention "
              "in [%s]\n", info->vision_layers, info->vision_hidden, info->vision_heads,
              info->vision_mlp, info->window_size, global->str);
      printf ("Decoder:       width %d, %d two-way layers, %d masks per multimask prompt\n",
              info->embed_dim, info->decoder_layers, info->n_multimask);
      return PM_EXIT_OK;
    }
  printf ("Vision:        %d layers × %d, %d heads; extract layers [%s]\n",
          info->vision_layers, info->vision_hidden, info->vision_heads, extract->str);
  printf ("Text:          %d layers × %d, %d heads, vocabulary %d\n", info->text_layers,
          info->text_hidden, info->text_heads, info->vocab_size);
  printf ("Decoder:       reduce_dim %d, projection_dim %d\n", info->reduce_dim,
          info->projection_dim);
  return PM_EXIT_OK;
}

/* ---------------------------------------------------------------- verify */

static int
cmd_verify (int argc, char **argv)
{
  g_autofree char *model_dir = NULL;
  gboolean json = FALSE;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) report = g_string_new (NULL);
  g_autofree char *dir = NULL;
  const PmModelSpec *spec = NULL;
  const char *name;
  gboolean ok;
  int rc;

  if ((rc = parse_name_and_dir ("verify", "Check an installed model: hashes, weights, tokenizer.",
                                &model_dir, &json, &name, &argc, &argv)) >= 0)
    return rc;
  /* Pinned hashes apply to a known model named explicitly or installed at its default place. */
  if (name != NULL || model_dir == NULL)
    {
      spec = pm_model_lookup (name != NULL ? name : PM_MODEL_DEFAULT_NAME);
      if (spec == NULL)
        {
          g_autofree char *names = known_names ();
          pm_cli_error ("model verify", "unknown model “%s” (known: %s)", name, names);
          return PM_EXIT_USAGE;
        }
    }
  dir = resolve_dir (model_dir, name);
  ok = pm_model_verify (dir, spec, report, NULL, &error);
  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_auto(GStrv) lines = g_strsplit (report->str, "\n", -1);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, dir);
      json_builder_set_member_name (b, "ok");
      json_builder_add_boolean_value (b, ok);
      json_builder_set_member_name (b, "checks");
      json_builder_begin_array (b);
      for (int i = 0; lines[i] != NULL; i++)
        if (lines[i][0] != '\0')
          json_builder_add_string_value (b, lines[i]);
      json_builder_end_array (b);
      if (!ok)
        {
          json_builder_set_member_name (b, "error");
          json_builder_add_string_value (b, error->message);
        }
      json_builder_end_object (b);
      print_json (b);
    }
  else
    {
      fputs (report->str, stdout);
      if (ok)
        printf ("Model in %s is OK\n", dir);
    }
  if (!ok)
    return fail ("verify", error);
  return PM_EXIT_OK;
}

/* ---------------------------------------------------------------- tokenize */

static int
cmd_tokenize (int argc, char **argv)
{
  g_autofree char *model_dir = NULL;
  GOptionEntry entries[] = {
    { "model-dir", 'm', 0, G_OPTION_ARG_FILENAME, &model_dir, N_("Model folder"), "DIR" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTokenizer) tokenizer = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autofree char *dir = NULL;
  int rc;

  if ((rc = parse ("tokenize", "TEXT", "Print the CLIP token ids of TEXT (BOS … EOS).",
                   entries, &argc, &argv)) >= 0)
    return rc;
  if (argc != 2)
    return usage_error ("tokenize", "expected one TEXT argument");
  dir = resolve_dir (model_dir, NULL);
  if (!require_installed ("tokenize", dir, model_dir))
    return PM_EXIT_ERROR;
  tokenizer = pm_tokenizer_new_from_dir (dir, &error);
  if (tokenizer == NULL)
    return fail ("tokenize", error);
  ids = pm_tokenizer_encode (tokenizer, argv[1], -1, 0);
  for (guint i = 0; i < ids->len; i++)
    printf ("%s%d", i ? " " : "", g_array_index (ids, gint32, i));
  printf ("\n");
  return PM_EXIT_OK;
}

/* ---------------------------------------------------------------- logits */


static int
cmd_logits (int argc, char **argv)
{
  g_autofree char *model_dir = NULL, *output = NULL, *precision_text = NULL;
  GOptionEntry entries[] = {
    { "model-dir", 'm', 0, G_OPTION_ARG_FILENAME, &model_dir, N_("Model folder"), "DIR" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Write the logits to OUT.npy"), "OUT" },
    { "precision", 0, 0, G_OPTION_ARG_STRING, &precision_text,
      N_("f32 (default: the exact reference), bf16 or auto"), "P" },
    { NULL }
  };
  PmPrecision precision = PM_PRECISION_F32;
  int rc;

  if ((rc = parse ("logits", "IMAGE TEXT",
                   "Write CLIPSeg's raw logits [1,S,S] for IMAGE and TEXT as float32 .npy.",
                   entries, &argc, &argv)) >= 0)
    return rc;
  if (argc != 3)
    return usage_error ("logits", "expected IMAGE and TEXT");
  if (output == NULL)
    return usage_error ("logits", "-o OUT.npy is required");
  if (precision_text != NULL && !pm_precision_from_string (precision_text, &precision))
    return usage_error ("logits", "--precision must be f32, bf16 or auto");
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = resolve_dir (model_dir, NULL);
    g_autoptr(PmClipseg) model = NULL;
    g_autoptr(PmTokenizer) tokenizer = NULL;
    g_autoptr(PmImage) image = NULL;
    g_autoptr(GArray) ids = NULL;
    g_autofree float *pixels = NULL;
    g_autofree float *logits = NULL;
    gint64 shape[3];
    int s;

    if (!require_installed ("logits", dir, model_dir))
      return PM_EXIT_ERROR;
    tokenizer = pm_tokenizer_new_from_dir (dir, &error);
    if (tokenizer == NULL)
      return fail ("logits", error);
    model = pm_clipseg_load_with_precision (dir, precision, &error);
    if (model == NULL)
      return fail ("logits", error);
    image = pm_cli_load_image ("model logits", argv[1]);
    if (image == NULL)
      return PM_EXIT_ERROR;
    s = pm_clipseg_get_input_size (model);
    pixels = g_new (float, (gsize) 3 * s * s);
    logits = g_new (float, (gsize) s * s);
    ids = pm_tokenizer_encode (tokenizer, argv[2], -1, 0);
    if (!pm_clipseg_preprocess (model, image, pixels, &error) ||
        !pm_clipseg_forward (model, pixels, (const gint32 *) ids->data, ids->len, logits, NULL,
                             NULL, &error))
      return fail ("logits", error);
    shape[0] = 1;
    shape[1] = s;
    shape[2] = s;
    if (!pm_npy_save (output, logits, 3, shape, &error))
      return fail ("logits", error);
    return PM_EXIT_OK;
  }
}

/* ---------------------------------------------------------------- dispatch */

typedef struct {
  const char *name;
  int       (*run) (int argc, char **argv);
  const char *summary;
} Subcommand;

static const Subcommand subcommands[] = {
  { "download", cmd_download, "Fetch a model (default clipseg-rd64-refined) from the Hub" },
  { "list", cmd_list, "List known and installed models" },
  { "info", cmd_info, "Describe a model folder (dimensions, parameters, size)" },
  { "verify", cmd_verify, "Check hashes, weights and tokenizer of a model folder" },
  { "tokenize", cmd_tokenize, "Print the CLIP token ids of a text" },
  { "logits", cmd_logits, "Write CLIPSeg's raw logits for an image and a text (.npy)" },
  { NULL, NULL, NULL }
};

int
pm_cli_model (int    argc,
              char **argv)
{
  FILE *out = stdout;

  if (argc >= 2)
    {
      for (int i = 0; subcommands[i].name != NULL; i++)
        if (strcmp (argv[1], subcommands[i].name) == 0)
          return subcommands[i].run (argc - 1, argv + 1);
      if (strcmp (argv[1], "--help") != 0 && strcmp (argv[1], "-h") != 0)
        {
          pm_cli_error ("model", "unknown subcommand “%s” (see 'paintmask model --help')",
                        argv[1]);
          return PM_EXIT_USAGE;
        }
    }
  else
    out = stderr;
  fprintf (out, "Usage: paintmask model SUBCOMMAND [OPTION…]\n\n");
  for (int i = 0; subcommands[i].name != NULL; i++)
    fprintf (out, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
  return out == stderr ? PM_EXIT_USAGE : PM_EXIT_OK;
}
