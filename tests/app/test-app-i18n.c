/* test-app-i18n.c: the app in German (LANGUAGE=de): the header bar, the instruction entry's
 * placeholder and the shortcuts window show the translations of po/de.po.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-app-i18n"

#include "config.h"

#include <locale.h>
#include <string.h>
#include <glib/gi18n.h>

#include "pm-application.h"
#include "pm-test-util.h"
#include "pm-gui-test-window.h"
#include "pm-window-private.h"

static PmApplication *app;
static PmWindow *window;

static void
iterate (int n)
{
  for (int i = 0; i < n; i++)
    g_main_context_iteration (NULL, FALSE);
}

/* Every tooltip of @widget and its descendants, joined by newlines. */
static void
collect_tooltips (GtkWidget *widget,
                  GString   *out)
{
  const char *tip = gtk_widget_get_tooltip_text (widget);

  if (tip != NULL)
    g_string_append_printf (out, "%s\n", tip);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_tooltips (child, out);
}

static GtkWidget *
find_header_bar (GtkWidget *widget)
{
  if (ADW_IS_HEADER_BAR (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_header_bar (child);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_header_bar (void)
{
  GtkWidget *bar = find_header_bar (GTK_WIDGET (window));
  g_autoptr(GString) tips = g_string_new ("\n");

  g_assert_nonnull (bar);
  collect_tooltips (bar, tips);
  g_assert_nonnull (strstr (tips->str, "\nEin Foto öffnen\n"));
  g_assert_nonnull (strstr (tips->str, "\nVerlauf (F9)\n"));
  g_assert_nonnull (strstr (tips->str, "\nHauptmenü\n"));
  g_assert_nonnull (strstr (tips->str, "\nAbgeleitete Maske anzeigen (M)\n"));
  g_assert_null (strstr (tips->str, "Main Menu"));
}

static void
test_placeholder (void)
{
  const char *placeholder = gtk_entry_get_placeholder_text (window->instruction_entry);

  /* The built-in engine's example stays English: instructions are English. */
  g_assert_cmpstr (placeholder, ==, "Versuchen Sie „paint the red thing on the left blue“");
}

static void
collect_shortcut_titles (GtkWidget *widget,
                         GString   *out)
{
  if (GTK_IS_SHORTCUTS_SHORTCUT (widget) || GTK_IS_SHORTCUTS_GROUP (widget))
    {
      g_autofree char *title = NULL;
      g_object_get (widget, "title", &title, NULL);
      g_string_append_printf (out, "%s\n", title != NULL ? title : "");
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_shortcut_titles (child, out);
}

static void
test_shortcuts_window (void)
{
  g_autoptr(GtkBuilder) builder =
    gtk_builder_new_from_resource ("/io/github/paintmask/Paintmask/gtk/help-overlay.ui");
  GtkWidget *shortcuts = GTK_WIDGET (gtk_builder_get_object (builder, "help_overlay"));
  g_autoptr(GString) titles = g_string_new ("\n");

  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (shortcuts));
  collect_shortcut_titles (shortcuts, titles);
  g_assert_nonnull (strstr (titles->str, "\nDie Anweisung ausführen\n"));
  g_assert_nonnull (strstr (titles->str, "\nPinsel: zur Maske hinzufügen\n"));
  g_assert_nonnull (strstr (titles->str, "\nFenster\n"));
  g_assert_null (strstr (titles->str, "\nRun the instruction\n"));
  gtk_window_destroy (GTK_WINDOW (shortcuts));
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *tmpdir = pm_test_tmpdir ();
  g_autofree char *db = g_build_filename (tmpdir, "history.sqlite3", NULL);
  int ret;

  g_setenv ("XDG_DATA_HOME", tmpdir, TRUE);
  g_setenv ("PAINTMASK_DB", db, TRUE);
  /* German through LANGUAGE, as a user would set it; any non-C locale lets it apply. */
  g_setenv ("LANGUAGE", "de", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, PM_TEST_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_test_init (&argc, &argv, NULL);
  gtk_disable_setlocale ();
  if (!pm_gui_test_init_display (&ret))
    return ret;
  /* The catalog is found and German: fails before any widget if the .mo is missing. */
  g_assert_cmpstr (_("Main Menu"), ==, "Hauptmenü");

  window = pm_gui_test_window_new (&app, db, 0, 0);
  iterate (100);

  g_test_add_func ("/app/i18n/header-bar", test_header_bar);
  g_test_add_func ("/app/i18n/placeholder", test_placeholder);
  g_test_add_func ("/app/i18n/shortcuts-window", test_shortcuts_window);
  ret = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
  g_object_unref (app);
  pm_test_rmdir (tmpdir);
  return ret;
}
