/* pm-cli-history.c: `paintmask history`: list, show, export, import and delete recorded runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "paintmask-history"

#include "config.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "pm-cli-util.h"
#include "pm-cli-history-private.h"


static void
history_args_clear (HistoryArgs *args)
{
  g_free (args->db);
  g_free (args->search);
  g_free (args->edited);
  g_free (args->mask);
  g_free (args->derived_mask);
  g_free (args->soft_mask);
  g_free (args->corrected_mask);
  g_free (args->original);
  g_free (args->output);
}

/* ------------------------------------------------------------------------------------- */
/* Output helpers                                                                         */
/* ------------------------------------------------------------------------------------- */

int
pm_cli_history_report (const GError *error)
{
  pm_cli_error (COMMAND, "%s", error->message);
  return PM_EXIT_ERROR;
}

/* Text from the database as one harmless terminal line: control characters (newlines,
 * escape sequences) become spaces. Returns a string owned by @pool. */
static const char *
printable (GPtrArray  *pool,
           const char *text)
{
  char *line = g_utf8_make_valid (text != NULL ? text : "", -1);

  for (char *p = line; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  g_ptr_array_add (pool, line);
  return line;
}

/* A column holding JSON text goes out as JSON; text that does not parse as a string. */
static void
add_json_text (JsonBuilder *builder,
               const char  *key,
               const char  *text)
{
  JsonNode *node = text != NULL ? json_from_string (text, NULL) : NULL;

  if (node == NULL)
    {
      pm_cli_json_add_string (builder, key, text);
      return;
    }
  json_builder_set_member_name (builder, key);
  json_builder_add_value (builder, node);
}

/* ISO 8601 in UTC for JSON, local "YYYY-MM-DD HH:MM:SS" for people. */
static char *
format_time (gint64   usec,
             gboolean iso)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return g_strdup ("?");
  if (iso)
    return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
  local = g_date_time_to_local (utc);
  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
}

static void
add_run_members (JsonBuilder     *builder,
                 const PmRunInfo *run)
{
  g_autofree char *started = format_time (run->started_at, TRUE);

  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, run->id);
  json_builder_set_member_name (builder, "session_id");
  json_builder_add_int_value (builder, run->session_id);
  json_builder_set_member_name (builder, "parent_run_id");
  if (run->parent_run_id > 0)
    json_builder_add_int_value (builder, run->parent_run_id);
  else
    json_builder_add_null_value (builder);
  pm_cli_json_add_string (builder, "instruction", run->instruction);
  pm_cli_json_add_string (builder, "engine", run->engine);
  pm_cli_json_add_string (builder, "model", run->model);
  pm_cli_json_add_string (builder, "color", run->color);
  pm_cli_json_add_string (builder, "status", run->status);
  /* null for runs recorded before result states */
  pm_cli_json_add_string (builder, "result", run->result);
  json_builder_set_member_name (builder, "mask_pixels");
  if (run->mask_pixels >= 0)
    json_builder_add_int_value (builder, run->mask_pixels);
  else
    json_builder_add_null_value (builder);
  pm_cli_json_add_string (builder, "error", run->error);
  pm_cli_json_add_string (builder, "message", run->message);
  pm_cli_json_add_string (builder, "started_at", started);
  json_builder_set_member_name (builder, "started_at_us");
  json_builder_add_int_value (builder, run->started_at);
  json_builder_set_member_name (builder, "duration_ms");
  json_builder_add_double_value (builder, run->duration_ms);
  /* The objects of a run that painted several (null for one). */
  json_builder_set_member_name (builder, "items");
  {
    g_autoptr(JsonNode) items = run->items_json != NULL
                                ? json_from_string (run->items_json, NULL) : NULL;

    if (items != NULL)
      json_builder_add_value (builder, g_steal_pointer (&items));
    else
      json_builder_add_null_value (builder);
  }
}

static void
add_session_members (JsonBuilder         *builder,
                     const PmSessionInfo *session)
{
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, session->id);
  pm_cli_json_add_string (builder, "title", session->title);
  pm_cli_json_add_string (builder, "source_path", session->source_path);
  json_builder_set_member_name (builder, "width");
  json_builder_add_int_value (builder, session->width);
  json_builder_set_member_name (builder, "height");
  json_builder_add_int_value (builder, session->height);
}

static void
add_listed_session_members (JsonBuilder         *builder,
                            const PmSessionInfo *session)
{
  g_autofree char *created = format_time (session->created_at * G_USEC_PER_SEC, TRUE);
  g_autofree char *updated = format_time (session->updated_at * G_USEC_PER_SEC, TRUE);

  add_session_members (builder, session);
  json_builder_set_member_name (builder, "n_runs");
  json_builder_add_int_value (builder, session->n_runs);
  pm_cli_json_add_string (builder, "created_at", created);
  pm_cli_json_add_string (builder, "updated_at", updated);
}

typedef void (*AddMembersFunc) (JsonBuilder   *builder,
                                gconstpointer  item);

/* Prints { "database": @database, @key: [ one object per item, filled by @add ] }. */
static int
print_json_list (const char     *database,
                 const char     *key,
                 GPtrArray      *items,
                 AddMembersFunc  add)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  pm_cli_json_add_string (builder, "database", database);
  json_builder_set_member_name (builder, key);
  json_builder_begin_array (builder);
  for (guint i = 0; i < items->len; i++)
    {
      json_builder_begin_object (builder);
      add (builder, items->pdata[i]);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  pm_cli_print_json (json_builder_get_root (builder));
  return PM_EXIT_OK;
}

/* ------------------------------------------------------------------------------------- */
/* Arguments                                                                              */
/* ------------------------------------------------------------------------------------- */

static gboolean
parse_id (const char *text,
          const char *what,
          gint64     *id)
{
  guint64 value = 0;

  if (text == NULL ||
      !g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, &value, NULL))
    {
      pm_cli_error (COMMAND,
                    "'%s' is not a %s id (a positive number; see 'paintmask history list')",
                    text ? text : "", what);
      return FALSE;
    }
  *id = (gint64) value;
  return TRUE;
}

static char *
db_path (const HistoryArgs *args)
{
  return args->db != NULL ? g_strdup (args->db) : pm_store_default_path ();
}

/* Opens the database; NULL after printing the error. With @must_exist a missing file is
 * an error rather than a new, empty history. */
PmStore *
pm_cli_history_open_store (const HistoryArgs *args,
                           gboolean           must_exist)
{
  g_autofree char *path = db_path (args);
  g_autoptr(GError) error = NULL;
  PmStore *store;

  if (must_exist && !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      pm_cli_error (COMMAND, "%s does not exist: no history has been recorded there "
                    "(record with 'paintmask edit … --record', or pick one with --db)", path);
      return NULL;
    }
  store = pm_store_open (path, &error);
  if (store == NULL)
    pm_cli_history_report (error);
  return store;
}

/* ------------------------------------------------------------------------------------- */
/* Subcommands                                                                            */
/* ------------------------------------------------------------------------------------- */

static int
list_sessions (PmStore           *store,
               const HistoryArgs *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sessions = pm_store_list_sessions (store, args->search, &error);
  g_autoptr(GPtrArray) pool = NULL;

  if (sessions == NULL)
    return pm_cli_history_report (error);

  if (args->json)
    return print_json_list (pm_store_get_path (store), "sessions", sessions,
                            (AddMembersFunc) add_listed_session_members);

  if (sessions->len == 0)
    {
      fprintf (stderr, "No sessions%s in %s\n", args->search ? " match" : "",
               pm_store_get_path (store));
      return PM_EXIT_OK;
    }
  pool = g_ptr_array_new_with_free_func (g_free);
  printf ("%6s  %-19s  %5s  %-11s  %s\n", "ID", "UPDATED", "RUNS", "SIZE", "TITLE");
  for (guint i = 0; i < sessions->len; i++)
    {
      PmSessionInfo *s = sessions->pdata[i];
      g_autofree char *updated = format_time (s->updated_at * G_USEC_PER_SEC, FALSE);
      g_autofree char *size = g_strdup_printf ("%dx%d", s->width, s->height);

      printf ("%6" G_GINT64_FORMAT "  %-19s  %5d  %-11s  %s\n", s->id, updated, s->n_runs,
              size, printable (pool, s->title));
    }
  return PM_EXIT_OK;
}

static int
cmd_list (const HistoryArgs *args)
{
  g_autoptr(PmStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GPtrArray) pool = NULL;
  g_autofree char *path = db_path (args);

  /* Listing a history that was never recorded is an empty list, not a new file. */
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    runs = g_ptr_array_new ();
  else
    {
      store = pm_cli_history_open_store (args, TRUE);
      if (store == NULL)
        return PM_EXIT_ERROR;
      if (args->sessions)
        return list_sessions (store, args);
      if (args->session > 0)
        {
          g_autoptr(PmSessionInfo) session = pm_store_get_session (store, args->session,
                                                                   &error);
          if (session == NULL)
            return pm_cli_history_report (error);
        }
      runs = pm_store_list_runs (store, args->session, args->search, &error);
      if (runs == NULL)
        return pm_cli_history_report (error);
    }

  if (args->json)
    return print_json_list (path, args->sessions ? "sessions" : "runs", runs,
                            (AddMembersFunc) add_run_members);

  if (runs->len == 0)
    {
      fprintf (stderr, "No %s%s in %s\n", args->sessions ? "sessions" : "runs",
               args->search ? " match" : "", path);
      return PM_EXIT_OK;
    }
  pool = g_ptr_array_new_with_free_func (g_free);
  printf ("%6s  %7s  %-19s  %-8s  %-9s  %-6s  %s\n", "ID", "SESSION", "STARTED", "ENGINE",
          "STATUS", "RESULT", "INSTRUCTION");
  for (guint i = 0; i < runs->len; i++)
    {
      PmRunInfo *run = runs->pdata[i];
      g_autofree char *started = format_time (run->started_at, FALSE);

      printf ("%6" G_GINT64_FORMAT "  %7" G_GINT64_FORMAT "  %-19s  %-8s  %-9s  %-6s  %s\n",
              run->id, run->session_id, started, run->engine ? run->engine : "-",
              run->status ? run->status : "-", run->result ? run->result : "-",
              printable (pool, run->instruction));
    }
  return PM_EXIT_OK;
}

static int
cmd_show (const HistoryArgs *args,
          gint64             run_id)
{
  g_autoptr(PmStore) store = pm_cli_history_open_store (args, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmRunInfo) run = NULL;
  g_autoptr(PmSessionInfo) session = NULL;
  g_autoptr(GPtrArray) artifacts = NULL;

  if (store == NULL)
    return PM_EXIT_ERROR;
  run = pm_store_get_run (store, run_id, &error);
  if (run == NULL)
    return pm_cli_history_report (error);
  session = pm_store_get_session (store, run->session_id, &error);
  if (session == NULL)
    return pm_cli_history_report (error);
  artifacts = pm_store_list_artifacts (store, run_id, &error);
  if (artifacts == NULL)
    return pm_cli_history_report (error);

  if (args->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_run_members (builder, run);
      add_json_text (builder, "parsed", run->parsed_json);
      add_json_text (builder, "params", run->params_json);
      add_json_text (builder, "timings", run->timings_json);
      json_builder_set_member_name (builder, "session");
      json_builder_begin_object (builder);
      add_session_members (builder, session);
      json_builder_end_object (builder);
      json_builder_set_member_name (builder, "artifacts");
      json_builder_begin_array (builder);
      for (guint i = 0; i < artifacts->len; i++)
        {
          PmArtifactInfo *a = artifacts->pdata[i];

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_int_value (builder, a->id);
          pm_cli_json_add_string (builder, "kind", pm_artifact_kind_to_string (a->kind));
          json_builder_set_member_name (builder, "width");
          json_builder_add_int_value (builder, a->width);
          json_builder_set_member_name (builder, "height");
          json_builder_add_int_value (builder, a->height);
          json_builder_set_member_name (builder, "png_bytes");
          json_builder_add_int_value (builder, (gint64) a->png_size);
          pm_cli_json_add_string (builder, "sha256", a->sha256);
          json_builder_set_member_name (builder, "item");
          if (a->item > 0)
            json_builder_add_int_value (builder, a->item);
          else
            json_builder_add_null_value (builder);
          if (a->kind == PM_ARTIFACT_CORRECTED_MASK)
            {
              json_builder_set_member_name (builder, "revision");
              json_builder_add_int_value (builder, a->revision);
              json_builder_set_member_name (builder, "parent_id");
              if (a->parent_id > 0)
                json_builder_add_int_value (builder, a->parent_id);
              else
                json_builder_add_null_value (builder);
              pm_cli_json_add_string (builder, "operation", a->operation);
            }
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      pm_cli_print_json (json_builder_get_root (builder));
      return PM_EXIT_OK;
    }

  {
    g_autofree char *started = format_time (run->started_at, FALSE);
    g_autoptr(GPtrArray) pool = g_ptr_array_new_with_free_func (g_free);

    printf ("Run %" G_GINT64_FORMAT "\n", run->id);
    printf ("  Instruction  %s\n", printable (pool, run->instruction));
    printf ("  Session      %" G_GINT64_FORMAT " (%s, %d×%d)\n", session->id,
            printable (pool, session->title), session->width, session->height);
    if (session->source_path != NULL)
      printf ("  Image        %s\n", session->source_path);
    if (run->parent_run_id > 0)
      printf ("  After run    %" G_GINT64_FORMAT "\n", run->parent_run_id);
    printf ("  Engine       %s%s%s%s\n", run->engine ? run->engine : "-",
            run->model ? " (" : "", run->model ? run->model : "", run->model ? ")" : "");
    if (run->color != NULL)
      printf ("  Colour       %s\n", run->color);
    printf ("  Status       %s\n", run->status ? run->status : "-");
    printf ("  Result       %s\n", run->result ? run->result
                                     : "unknown (recorded before result states)");
    if (run->mask_pixels >= 0)
      printf ("  Mask         %" G_GINT64_FORMAT " pixels (%.1f%%)\n", run->mask_pixels,
              100.0 * run->mask_pixels / ((double) session->width * session->height));
    if (run->items_json != NULL)
      printf ("  Objects      %d: %s\n", run->n_items, run->items_json);
    if (run->error != NULL)
      printf ("  Error        %s\n", printable (pool, run->error));
    if (run->message != NULL)
      printf ("  Message      %s\n", printable (pool, run->message));
    printf ("  Started      %s\n", started);
    printf ("  Duration     %.1f ms\n", run->duration_ms);
    if (run->parsed_json != NULL)
      printf ("  Parsed       %s\n", run->parsed_json);
    if (run->params_json != NULL)
      printf ("  Parameters   %s\n", run->params_json);
    if (run->timings_json != NULL)
      printf ("  Timings      %s\n", run->timings_json);
    printf ("  Artifacts    %s\n", artifacts->len == 0 ? "none" : "");
    for (guint i = 0; i < artifacts->len; i++)
      {
        PmArtifactInfo *a = artifacts->pdata[i];
        printf ("    %-15s %d×%d, %" G_GSIZE_FORMAT " bytes PNG",
                pm_artifact_kind_to_string (a->kind), a->width, a->height, a->png_size);
        if (a->kind == PM_ARTIFACT_CORRECTED_MASK)
          printf (", revision %d%s%s%s", a->revision, a->operation ? " (" : "",
                  a->operation ? printable (pool, a->operation) : "", a->operation ? ")" : "");
        if (a->item > 0)
          printf (", object %d", a->item);
        printf ("\n");
      }
  }
  return PM_EXIT_OK;
}

/* ------------------------------------------------------------------------------------- */
/* Dispatch                                                                               */
/* ------------------------------------------------------------------------------------- */

static const char usage[] =
  "Usage: paintmask history SUBCOMMAND [OPTION…]\n"
  "\n"
  "  list [--json] [--search TEXT] [--session ID] [--sessions]\n"
  "                       list recorded runs (or sessions), oldest first\n"
  "  show RUN_ID [--json] everything recorded about a run\n"
  "  export RUN_ID [--edited E.png] [--mask M.png] [--soft-mask S.png]\n"
  "         [--derived-mask D.png] [--corrected-mask C.png [--revision N]]\n"
  "         [--original O.png]\n"
  "                       write a run's pictures as PNG files (--corrected-mask: the\n"
  "                       newest hand correction, or revision N)\n"
  "  export-session SESSION_ID -o FILE.paintmask [--force]\n"
  "                       write a session to one file that can be imported elsewhere\n"
  "  import FILE.paintmask\n"
  "                       add the sessions of a .paintmask file to the history\n"
  "  delete RUN_ID        delete a run and its pictures\n"
  "  delete-session SESSION_ID\n"
  "                       delete a session with all its runs\n"
  "  check                verify every page of the database (slow on a big history)\n"
  "\n"
  "Every subcommand takes --db FILE (default: $PAINTMASK_DB, else\n"
  "$XDG_DATA_HOME/paintmask/history.sqlite3).\n";

typedef struct {
  const char *name;
  const char *parameter;   /* NULL: takes no positional argument */
} Subcommand;

static const Subcommand subcommands[] = {
  { "list", NULL },
  { "show", "RUN_ID" },
  { "export", "RUN_ID" },
  { "export-session", "SESSION_ID" },
  { "import", "FILE.paintmask" },
  { "delete", "RUN_ID" },
  { "delete-session", "SESSION_ID" },
  { "check", NULL },
};

int
pm_cli_history (int    argc,
                char **argv)
{
  HistoryArgs args = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) rest = NULL;
  const Subcommand *sub = NULL;
  char *session_text = NULL;
  char *revision_text = NULL;
  int sub_index = 1;
  gint64 id = 0;
  int status = PM_EXIT_USAGE;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &args.db,
      N_("The history database (default: $PAINTMASK_DB or the user's history)"), "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &args.json, N_("Print JSON"), NULL },
    { "search", 0, 0, G_OPTION_ARG_STRING, &args.search,
      N_("list: only runs whose instruction contains TEXT"), "TEXT" },
    { "session", 0, 0, G_OPTION_ARG_STRING, &session_text,
      N_("list: only the runs of one session"), "ID" },
    { "sessions", 0, 0, G_OPTION_ARG_NONE, &args.sessions, N_("list: sessions instead of runs"),
      NULL },
    { "edited", 0, 0, G_OPTION_ARG_FILENAME, &args.edited,
      N_("export: the edited image"), "E.png" },
    { "mask", 0, 0, G_OPTION_ARG_FILENAME, &args.mask,
      N_("export: the run's mask (0/255)"), "M.png" },
    { "soft-mask", 0, 0, G_OPTION_ARG_FILENAME, &args.soft_mask,
      N_("export: the soft mask, the alpha the edit was painted with (0..255)"), "S.png" },
    { "derived-mask", 0, 0, G_OPTION_ARG_FILENAME, &args.derived_mask,
      N_("export: the mask derived from the edit alone (0/255)"), "D.png" },
    { "corrected-mask", 0, 0, G_OPTION_ARG_FILENAME, &args.corrected_mask,
      N_("export: the hand-corrected mask (the newest correction)"), "C.png" },
    { "revision", 0, 0, G_OPTION_ARG_STRING, &revision_text,
      N_("export: with --corrected-mask, correction N (1 = the first) instead"), "N" },
    { "original", 0, 0, G_OPTION_ARG_FILENAME, &args.original,
      N_("export: the original image"), "O.png" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &args.output,
      N_("export-session: the file to write"), "FILE" },
    { "force", 0, 0, G_OPTION_ARG_NONE, &args.force,
      N_("export-session: replace an existing file"), NULL },
    { NULL }
  };

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
      strcmp (argv[1], "help") == 0)
    {
      fputs (usage, argc < 2 ? stderr : stdout);
      return argc < 2 ? PM_EXIT_USAGE : PM_EXIT_OK;
    }
  /* `paintmask history --db FILE list` works too: options before the subcommand are kept
   * and parsed with the ones after it. */
  while (sub_index < argc && argv[sub_index][0] == '-')
    sub_index += strcmp (argv[sub_index], "--db") == 0 ? 2 : 1;
  if (sub_index >= argc)
    {
      pm_cli_error (COMMAND, "missing subcommand (see 'paintmask history --help')");
      return PM_EXIT_USAGE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    if (strcmp (argv[sub_index], subcommands[i].name) == 0)
      sub = &subcommands[i];
  if (sub == NULL)
    {
      pm_cli_error (COMMAND, "unknown subcommand '%s' (list, show, export, export-session, "
                    "import, delete, delete-session, check)", argv[sub_index]);
      return PM_EXIT_USAGE;
    }

  {
    g_autofree char *name = g_strdup_printf ("%s %s", sub->name,
                                             sub->parameter ? sub->parameter : "");
    context = g_option_context_new (name);
  }
  g_option_context_set_summary (context, usage);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  /* argv[0] is "history"; GOption treats rest[0] as the program and the subcommand is not
   * passed on. */
  rest = g_new0 (char *, argc);
  rest[0] = g_strdup ("paintmask history");
  for (int i = 1, j = 1; i < argc; i++)
    if (i != sub_index)
      rest[j++] = g_strdup (argv[i]);
  if (!g_option_context_parse_strv (context, &rest, &error))
    {
      pm_cli_error (COMMAND, "%s: %s", sub->name, error->message);
      goto out;
    }
  g_free (pm_cli_drop_separator (rest, 1));

  if (session_text != NULL && !parse_id (session_text, "session", &args.session))
    goto out;
  if (revision_text != NULL)
    {
      guint64 value = 0;

      if (!g_ascii_string_to_unsigned (revision_text, 10, 1, G_MAXINT, &value, NULL))
        {
          pm_cli_error (COMMAND, "--revision %s: not a revision number (1 for the first "
                        "correction; see 'paintmask history show RUN_ID')", revision_text);
          goto out;
        }
      args.revision = (int) value;
    }
  {
    guint n_pos = g_strv_length (rest) - 1;
    guint want = sub->parameter != NULL ? 1 : 0;

    if (n_pos != want)
      {
        if (want == 0)
          pm_cli_error (COMMAND, "%s: unexpected argument '%s'", sub->name, rest[1]);
        else if (n_pos == 0)
          pm_cli_error (COMMAND, "%s: missing %s", sub->name, sub->parameter);
        else
          pm_cli_error (COMMAND, "%s: one %s expected, got '%s' and more", sub->name,
                        sub->parameter, rest[1]);
        goto out;
      }
  }

  if (strcmp (sub->name, "list") == 0)
    status = cmd_list (&args);
  else if (strcmp (sub->name, "check") == 0)
    status = pm_cli_history_check (&args);
  else if (strcmp (sub->name, "import") == 0)
    status = pm_cli_history_import (&args, rest[1]);
  else if (!parse_id (rest[1], strstr (sub->name, "session") ? "session" : "run", &id))
    status = PM_EXIT_USAGE;
  else if (strcmp (sub->name, "show") == 0)
    status = cmd_show (&args, id);
  else if (strcmp (sub->name, "export") == 0)
    status = pm_cli_history_export (&args, id);
  else if (strcmp (sub->name, "export-session") == 0)
    status = pm_cli_history_export_session (&args, id);
  else if (strcmp (sub->name, "delete") == 0)
    status = pm_cli_history_delete (&args, id, FALSE);
  else
    status = pm_cli_history_delete (&args, id, TRUE);

out:
  g_free (session_text);
  g_free (revision_text);
  history_args_clear (&args);
  fflush (stdout);
  return status;
}
