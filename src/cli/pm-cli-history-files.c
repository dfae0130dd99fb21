/* pm-cli-history-files.c: `paintmask history` subcommands that write files or change the
 * history: export, export-session, import, delete, delete-session, check.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "paintmask-history"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "pm-cli-history-private.h"

typedef struct {
  const char     *option;
  const char     *path;
  PmArtifactKind  kind;
  gboolean        original;
  GBytes         *png;
} ExportItem;

int
pm_cli_history_export (const HistoryArgs *args,
                       gint64             run_id)
{
  g_autoptr(PmStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmRunInfo) run = NULL;
  ExportItem items[] = {
    { "--edited", args->edited, PM_ARTIFACT_EDITED, FALSE, NULL },
    { "--mask", args->mask, PM_ARTIFACT_MASK, FALSE, NULL },
    { "--soft-mask", args->soft_mask, PM_ARTIFACT_SOFT_MASK, FALSE, NULL },
    { "--derived-mask", args->derived_mask, PM_ARTIFACT_DERIVED_MASK, FALSE, NULL },
    { "--corrected-mask", args->corrected_mask, PM_ARTIFACT_CORRECTED_MASK, FALSE, NULL },
    { "--original", args->original, PM_ARTIFACT_EDITED, TRUE, NULL },
  };
  int status = PM_EXIT_ERROR;
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    n += items[i].path != NULL;
  if (n == 0)
    {
      pm_cli_error (COMMAND, "export: say what to write with --edited, --mask, --soft-mask, "
                    "--derived-mask, --corrected-mask or --original");
      return PM_EXIT_USAGE;
    }
  if (args->revision != 0 && args->corrected_mask == NULL)
    {
      pm_cli_error (COMMAND, "export: --revision picks a correction; give --corrected-mask "
                    "C.png too");
      return PM_EXIT_USAGE;
    }

  store = pm_cli_history_open_store (args, TRUE);
  if (store == NULL)
    return PM_EXIT_ERROR;
  run = pm_store_get_run (store, run_id, &error);
  if (run == NULL)
    return pm_cli_history_report (error);

  /* Everything is read before anything is written: a missing artifact writes no file. */
  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      if (items[i].path == NULL)
        continue;
      if (items[i].original ||
          (items[i].kind == PM_ARTIFACT_EDITED && g_strcmp0 (run->result, "empty") == 0))
        /* An empty result painted nothing: its edit is the original. */
        items[i].png = pm_store_get_session_image_png (store, run->session_id, &error);
      else if (items[i].kind == PM_ARTIFACT_CORRECTED_MASK)
        items[i].png = pm_store_get_correction_png (store, run_id, args->revision, &error);
      else
        items[i].png = pm_store_get_artifact_png (store, run_id, items[i].kind, &error);
      if (items[i].png == NULL && items[i].kind == PM_ARTIFACT_MASK &&
          g_error_matches (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND))
        {
          /* Before schema 5 the derived mask was the run's mask. */
          g_clear_error (&error);
          items[i].png = pm_store_get_artifact_png (store, run_id, PM_ARTIFACT_DERIVED_MASK,
                                                    &error);
        }
      if (items[i].png == NULL)
        {
          pm_cli_history_report (error);
          goto out;
        }
    }
  /* The stored PNG bytes go out unchanged. */
  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      if (items[i].png == NULL)
        continue;
      if (!g_file_set_contents (items[i].path, g_bytes_get_data (items[i].png, NULL),
                                (gssize) g_bytes_get_size (items[i].png), &error))
        {
          pm_cli_error (COMMAND, "%s: %s", items[i].option, error->message);
          goto out;
        }
    }
  status = PM_EXIT_OK;

out:
  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    g_clear_pointer (&items[i].png, g_bytes_unref);
  return status;
}

int
pm_cli_history_export_session (const HistoryArgs *args,
                               gint64             session_id)
{
  g_autoptr(PmStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSessionInfo) session = NULL;

  if (args->output == NULL)
    {
      pm_cli_error (COMMAND, "export-session: say where to write with -o FILE.paintmask");
      return PM_EXIT_USAGE;
    }
  store = pm_cli_history_open_store (args, TRUE);
  if (store == NULL)
    return PM_EXIT_ERROR;
  session = pm_store_get_session (store, session_id, &error);
  if (session == NULL)
    return pm_cli_history_report (error);
  if (args->force && g_file_test (args->output, G_FILE_TEST_IS_REGULAR) &&
      g_unlink (args->output) != 0)
    {
      pm_cli_error (COMMAND, "cannot replace %s: %s", args->output, g_strerror (errno));
      return PM_EXIT_ERROR;
    }
  if (!pm_store_export_session (store, session_id, args->output, &error))
    return pm_cli_history_report (error);
  printf ("Exported session %" G_GINT64_FORMAT " (%s, %d run%s) to %s\n", session_id,
          session->title ? session->title : "untitled", session->n_runs,
          session->n_runs == 1 ? "" : "s", args->output);
  return PM_EXIT_OK;
}

int
pm_cli_history_import (const HistoryArgs *args,
                       const char        *file)
{
  g_autoptr(PmStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;

  if (!g_file_test (file, G_FILE_TEST_IS_REGULAR))
    {
      pm_cli_error (COMMAND, "%s: no such file", file);
      return PM_EXIT_ERROR;
    }
  store = pm_cli_history_open_store (args, FALSE);
  if (store == NULL)
    return PM_EXIT_ERROR;
  ids = pm_store_import_file (store, file, &error);
  if (ids == NULL)
    return pm_cli_history_report (error);
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      g_autoptr(PmSessionInfo) s = pm_store_get_session (store, id, NULL);

      printf ("Imported session %" G_GINT64_FORMAT " (%s, %d run%s)\n", id,
              s && s->title ? s->title : "untitled", s ? s->n_runs : 0,
              s && s->n_runs == 1 ? "" : "s");
    }
  if (ids->len == 0)
    printf ("%s holds no sessions; nothing imported\n", file);
  return PM_EXIT_OK;
}

int
pm_cli_history_delete (const HistoryArgs *args,
                       gint64             id,
                       gboolean           session)
{
  g_autoptr(PmStore) store = pm_cli_history_open_store (args, TRUE);
  g_autoptr(GError) error = NULL;

  if (store == NULL)
    return PM_EXIT_ERROR;
  if (!(session ? pm_store_delete_session (store, id, &error)
                : pm_store_delete_run (store, id, &error)))
    return pm_cli_history_report (error);
  printf ("Deleted %s %" G_GINT64_FORMAT "\n", session ? "session" : "run", id);
  return PM_EXIT_OK;
}

int
pm_cli_history_check (const HistoryArgs *args)
{
  g_autoptr(PmStore) store = pm_cli_history_open_store (args, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sessions = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  GStatBuf st;

  if (store == NULL)
    return PM_EXIT_ERROR;
  if (!pm_store_check (store, &error))
    return pm_cli_history_report (error);
  sessions = pm_store_list_sessions (store, NULL, &error);
  if (sessions != NULL)
    runs = pm_store_list_runs (store, 0, NULL, &error);
  if (runs == NULL)
    return pm_cli_history_report (error);
  printf ("%s: ok (%u session%s, %u run%s, %.1f MB)\n", pm_store_get_path (store),
          sessions->len, sessions->len == 1 ? "" : "s", runs->len, runs->len == 1 ? "" : "s",
          g_stat (pm_store_get_path (store), &st) == 0 ? st.st_size / 1e6 : 0.0);
  return PM_EXIT_OK;
}
