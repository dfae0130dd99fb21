/* pm-cli-history-private.h: what the `paintmask history` files share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-cli-util.h"
#include "pm-store.h"

G_BEGIN_DECLS

#define COMMAND "history"

typedef struct {
  char     *db;
  gboolean  json;
  char     *search;
  gint64    session;
  gboolean  sessions;
  char     *edited;
  char     *mask;
  char     *soft_mask;
  char     *derived_mask;
  char     *corrected_mask;
  char     *original;
  char     *output;
  gboolean  force;
  int       revision;   /* export --corrected-mask: 0 = the newest */
} HistoryArgs;

/* Prints @error as one line; returns PM_EXIT_ERROR. */
int      pm_cli_history_report         (const GError      *error);
/* Opens the database; NULL after printing the error. With @must_exist a missing file is an
 * error rather than a new, empty history. */
PmStore *pm_cli_history_open_store     (const HistoryArgs *args,
                                        gboolean           must_exist);

/* pm-cli-history-files.c: the subcommands that write files or change the history. */
int      pm_cli_history_export         (const HistoryArgs *args,
                                        gint64             run_id);
int      pm_cli_history_export_session (const HistoryArgs *args,
                                        gint64             session_id);
int      pm_cli_history_import         (const HistoryArgs *args,
                                        const char        *file);
int      pm_cli_history_delete         (const HistoryArgs *args,
                                        gint64             id,
                                        gboolean           session);
int      pm_cli_history_check          (const HistoryArgs *args);

G_END_DECLS
