/* test-cli-docs.c: the man page (doc/paintmask.1) and the bash completion
 * (data/completion/paintmask) know every command and flag `paintmask … --help` prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-cli-docs"

#include <string.h>

#include "pm-test-util.h"

/* Commands and subcommands with their own --help; the man page section of their flags. */
static const struct {
  const char *args[3];
  const char *section;
  const char *completion;   /* what the completion calls the command */
} commands[] = {
  { { "edit" }, "EDIT OPTIONS", "edit" },
  { { "derive" }, "DERIVE OPTIONS", "derive" },
  { { "mask" }, "MASK OPTIONS", "mask" },
  { { "segment" }, "SEGMENT OPTIONS", "segment" },
  { { "eval" }, "EVAL OPTIONS", "eval" },
  { { "batch" }, "BATCH OPTIONS", "batch" },
  { { "export" }, "EXPORT OPTIONS", "export" },
  { { "import" }, "IMPORT OPTIONS", "import" },
  { { "bench" }, "BENCH OPTIONS", "bench" },
  { { "model", "download" }, "MODEL OPTIONS", "model download" },
  { { "model", "list" }, "MODEL OPTIONS", "model list" },
  { { "model", "info" }, "MODEL OPTIONS", "model info" },
  { { "model", "verify" }, "MODEL OPTIONS", "model verify" },
  { { "model", "tokenize" }, "MODEL OPTIONS", "model tokenize" },
  { { "model", "logits" }, "MODEL OPTIONS", "model logits" },
  { { "history", "list" }, "HISTORY OPTIONS", "history list" },
  { { "history", "export" }, "HISTORY OPTIONS", "history export" },
};

/* The flags (-x and --long) in the option column of a --help text. */
static GPtrArray *
help_flags (const char *help)
{
  g_autoptr(GRegex) line_re = g_regex_new ("^\\s+(-[^ ].*?)(\\s{2,}|$)", G_REGEX_MULTILINE,
                                           0, NULL);
  g_autoptr(GRegex) flag_re = g_regex_new ("(?<![\\w-])(--?[A-Za-z0-9][A-Za-z0-9-]*)", 0, 0,
                                           NULL);
  g_autoptr(GMatchInfo) lines = NULL;
  GPtrArray *flags = g_ptr_array_new_with_free_func (g_free);

  g_regex_match (line_re, help, 0, &lines);
  while (g_match_info_matches (lines))
    {
      g_autofree char *column = g_match_info_fetch (lines, 1);
      g_autoptr(GMatchInfo) m = NULL;

      g_regex_match (flag_re, column, 0, &m);
      while (g_match_info_matches (m))
        {
          g_ptr_array_add (flags, g_match_info_fetch (m, 1));
          g_match_info_next (m, NULL);
        }
      g_match_info_next (lines, NULL);
    }
  return flags;
}

static char *
command_help (const char * const *args)
{
  const char *argv[5] = { NULL };
  g_autofree char *err = NULL;
  char *out = NULL;
  int n = 0;

  while (n < 3 && args[n] != NULL)
    {
      argv[n] = args[n];
      n++;
    }
  argv[n] = "--help";
  g_assert_cmpint (pm_test_run_cli (argv, &out, &err), ==, 0);
  return out;
}

/* The man page's source with "\-" as "-". */
static char *
man_text (void)
{
  g_autofree char *path = pm_test_source_path ("doc/paintmask.1");
  g_autofree char *raw = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = NULL;

  g_file_get_contents (path, &raw, NULL, &error);
  g_assert_no_error (error);
  parts = g_strsplit (raw, "\\-", -1);
  return g_strjoinv ("-", parts);
}

/* The text of section @name (from ".SH NAME" to the next ".SH"). */
static char *
man_section (const char *man,
             const char *name)
{
  g_autofree char *head = g_strdup_printf ("\n.SH %s\n", name);
  const char *start = strstr (man, head);
  const char *end;

  g_assert_nonnull (start);
  start += strlen (head);
  end = strstr (start, "\n.SH ");
  return g_strndup (start, end != NULL ? (gsize) (end - start) : strlen (start));
}

/* Whether @flag appears in @text as a whole flag (not as the start of a longer one). */
static gboolean
has_flag (const char *text,
          const char *flag)
{
  g_autofree char *escaped = g_regex_escape_string (flag, -1);
  g_autofree char *pattern = g_strdup_printf ("(?<![\\w-])%s(?![\\w-])", escaped);

  return g_regex_match_simple (pattern, text, 0, 0);
}

static void
test_man_flags (void)
{
  g_autofree char *man = man_text ();
  g_autofree char *engine = man_section (man, "ENGINE OPTIONS");
  g_autofree char *listed = man_section (man, "COMMANDS");
  g_autofree char *top = NULL;
  const char *none[] = { NULL };
  guint checked = 0;

  /* Every command of `paintmask --help` is described. */
  top = command_help (none);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (commands[i].args[1] == NULL || g_str_equal (commands[i].args[1], "download"))
      {
        g_autofree char *entry = g_strdup_printf (".B %s ", commands[i].args[0]);
        g_autofree char *in_help = g_strdup_printf ("\n  %s ", commands[i].args[0]);
        g_assert_nonnull (strstr (top, in_help));
        if (strstr (listed, entry) == NULL)
          g_test_fail_printf ("paintmask(1) does not describe the command %s",
                              commands[i].args[0]);
      }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *help = command_help (commands[i].args);
      g_autofree char *section = man_section (man, commands[i].section);
      g_autoptr(GPtrArray) flags = help_flags (help);

      g_assert_cmpuint (flags->len, >=, 2);
      for (guint j = 0; j < flags->len; j++)
        {
          const char *flag = g_ptr_array_index (flags, j);

          if (g_str_equal (flag, "-h") || g_str_equal (flag, "--help"))
            continue;
          checked++;
          if (!has_flag (section, flag) && !has_flag (engine, flag))
            g_test_fail_printf ("paintmask(1) lacks %s of 'paintmask %s %s' (section %s)",
                                flag, commands[i].args[0],
                                commands[i].args[1] ? commands[i].args[1] : "",
                                commands[i].section);
        }
    }
  /* edit alone prints 25 flags besides --help. */
  g_assert_cmpuint (checked, >, 150);
}

/* What the completion offers for the words @line (the last one being completed). */
static char *
complete (const char *line)
{
  g_autofree char *script = pm_test_source_path ("data/completion/paintmask");
  g_autofree char *program = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  const char *argv[] = { "bash", "-c", NULL, NULL };
  g_autofree char *cwd = pm_test_tmpdir ();

  program = g_strdup_printf (
    "source '%s' && source '%s' && COMP_LINE='%s' && COMP_POINT=${#COMP_LINE} && "
    "COMP_WORDS=(%s) && COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )) && "
    "[[ $COMP_LINE == *' ' ]] && { COMP_WORDS+=(''); COMP_CWORD=$((COMP_CWORD + 1)); }; "
    "_paintmask; printf '%%s\\n' \"${COMPREPLY[@]}\"",
    PM_BASH_COMPLETION, script, line, line);
  argv[2] = program;
  /* In an empty folder: what files the completion offers depends only on the words. */
  g_spawn_sync (cwd, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                &status, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (err, ==, "");
  pm_test_rmdir (cwd);
  return g_steal_pointer (&out);
}

static gboolean
have_bash_completion (void)
{
  if (g_file_test (PM_BASH_COMPLETION, G_FILE_TEST_EXISTS))
    return TRUE;
  pm_test_missing ("bash-completion (" PM_BASH_COMPLETION ")");
  return FALSE;
}

static void
test_completion_flags (void)
{
  if (!have_bash_completion ())
    return;
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *help = command_help (commands[i].args);
      g_autoptr(GPtrArray) flags = help_flags (help);
      g_autofree char *line = g_strdup_printf ("paintmask %s -", commands[i].completion);
      g_autofree char *offered = complete (line);
      g_autofree char *wrapped = g_strdup_printf ("\n%s", offered);

      for (guint j = 0; j < flags->len; j++)
        {
          g_autofree char *want = g_strdup_printf ("\n%s\n",
                                                   (char *) g_ptr_array_index (flags, j));
          if (strstr (wrapped, want) == NULL)
            g_test_fail_printf ("completing '%s' does not offer %s", line,
                                (char *) g_ptr_array_index (flags, j));
        }
    }
}

static void
test_completion_values (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *photo = NULL;
  g_autofree char *line = NULL;
  g_autofree char *files = NULL;
  g_autofree char *want_files = NULL;
  struct {
    const char *line;
    const char *want;
  } cases[] = {
    { "paintmask ", "edit\nderive\nmask\nsegment\neval\nmodel\nhistory\nbatch\nexport\n"
                    "import\nbench\n" },
    { "paintmask ed", "edit\n" },
    { "paintmask edit --engine ", "builtin\nclipseg\nremote\n" },
    { "paintmask bench --engine ", "builtin\nclipseg\nsam\nremote\n" },
    { "paintmask eval --remote-profile ", "openai\nopenai-compatible\nsdcpp\ncomfyui\n"
                                          "gemini\nfal\n" },
    { "paintmask model download ", "clipseg-rd64-refined\nslimsam-77\nsam-vit-base\n" },
    { "paintmask model ", "download\nlist\ninfo\nverify\ntokenize\nlogits\n" },
    { "paintmask edit --precision ", "auto\nbf16\nf32\n" },
    { "paintmask export --status ", "todo\ndrafted\nreviewed\nrejected\n" },
  };

  if (!have_bash_completion ())
    return;
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = complete (cases[i].line);
      if (!g_str_equal (got, cases[i].want))
        g_test_fail_printf ("completing '%s' gave '%s'", cases[i].line, got);
    }

  /* File arguments: an image in a folder. */
  dir = pm_test_tmpdir ();
  photo = g_build_filename (dir, "photo.png", NULL);
  g_assert_true (g_file_set_contents (photo, "x", 1, NULL));
  line = g_strdup_printf ("paintmask edit %s/ph", dir);
  files = complete (line);
  want_files = g_strdup_printf ("%s\n", photo);
  g_assert_cmpstr (files, ==, want_files);
  pm_test_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/docs/man-flags", test_man_flags);
  g_test_add_func ("/cli/docs/completion-flags", test_completion_flags);
  g_test_add_func ("/cli/docs/completion-values", test_completion_values);
  return g_test_run ();
}
