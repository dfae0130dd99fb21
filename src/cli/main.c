/* main.c: `paintmask` dispatches to a CLI command or opens the app.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "paintmask"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "pm-cli.h"
#include "pm-legacy.h"

typedef struct {
  const char *name;
  int       (*main) (int argc, char **argv);
  const char *summary;
} PmCliCommand;

static const PmCliCommand commands[] = {
  { "edit", pm_cli_edit, N_("Run an instruction on an image: colour edit and derived mask") },
  { "derive", pm_cli_derive, N_("Derive a mask from an original and its edited version") },
  { "mask", pm_cli_mask, N_("Correct a mask: fill holes, remove islands, grow, shrink, GrabCut") },
  { "segment", pm_cli_segment, N_("Segment the object at points or in a box (Segment Anything)") },
  { "eval", pm_cli_eval, N_("Evaluate an engine on a TSV of images, masks and phrases") },
  { "model", pm_cli_model, N_("Download, list, verify and inspect models") },
  { "history", pm_cli_history, N_("List, show and export recorded runs") },
  { "batch", pm_cli_batch, N_("Draft masks for a folder of images and labels (resumable)") },
  { "export", pm_cli_export, N_("Export a dataset project as COCO JSON, PNG masks or YOLO") },
  { "import", pm_cli_import, N_("Import COCO annotations into a dataset project for review") },
  { "bench", pm_cli_bench, N_("Measure engine speed and memory") },
  { NULL, NULL, NULL }
};

static void
print_usage (FILE *out)
{
  /* Translators: the commands and FILE, COMMAND and OPTION stay in English. */
  fprintf (out, "%s\n",
           PM_BUILD_GUI ? _("Usage: paintmask [FILE]            open the app")
                        : _("Usage: paintmask [FILE]            open the app (not built)"));
  fprintf (out, "       %s\n\n%s\n", _("paintmask COMMAND [OPTION…]"), _("Commands:"));
  for (gsize i = 0; commands[i].name != NULL; i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("Run 'paintmask COMMAND --help' for a command's options."));
}

/* Messages from the library (a JPEG read despite a missing end marker) are notes for the
 * user: one line, like the commands' own. Everything else keeps GLib's handling. */
static void
log_handler (const char     *domain,
             GLogLevelFlags  level,
             const char     *message,
             gpointer        user_data)
{
  if ((level & G_LOG_LEVEL_MASK) == G_LOG_LEVEL_MESSAGE)
    fprintf (stderr, _("paintmask: note: %s\n"), message);
  else
    g_log_default_handler (domain, level, message, user_data);
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_log_set_default_handler (log_handler, NULL);
  /* Before any command or the app opens the history: data kept under the old app ID. */
  pm_legacy_migrate_user_data ();
  if (argc >= 2)
    {
      if (strcmp (argv[1], "--version") == 0 || strcmp (argv[1], "-V") == 0)
        {
          printf ("paintmask %s\n", PACKAGE_VERSION);
          return PM_EXIT_OK;
        }
      if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
          strcmp (argv[1], "help") == 0)
        {
          print_usage (stdout);
          return PM_EXIT_OK;
        }
      for (gsize i = 0; commands[i].name != NULL; i++)
        if (strcmp (argv[1], commands[i].name) == 0)
          return commands[i].main (argc - 1, argv + 1);
    }

#if PM_BUILD_GUI
  return pm_app_run (argc, argv);
#else
  if (argc >= 2 && argv[1][0] != '-' && !g_file_test (argv[1], G_FILE_TEST_EXISTS))
    fprintf (stderr, _("paintmask: unknown command '%s' (see 'paintmask --help')\n"), argv[1]);
  else
    fprintf (stderr, "%s\n",
             _("paintmask: this build has no GUI; use a command (see 'paintmask --help')"));
  return PM_EXIT_USAGE;
#endif
}
