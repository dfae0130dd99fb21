/* test-flatpak.c: the Flatpak manifest (flatpak/<app id>.json) agrees with the desktop file,
 * the metainfo and the schema, keeps its sandbox narrow, pins its sources, and every library
 * meson asks for is in the named GNOME runtime or built by a module. (It cannot be built here:
 * there is no Flathub.)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-flatpak"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "pm-test-util.h"

/* What org.gnome.Platform / org.gnome.Sdk (GNOME 50, on the freedesktop SDK 25.08) provides
 * of what meson asks for: pkg-config names, and libraries found with find_library(). Kept
 * here by hand from the runtime's manifest (gnome-build-meta); a new dependency() must be
 * added here or to a module of the manifest. */
static const char *runtime_libraries[] = {
  "glib-2.0", "gio-2.0", "gobject-2.0", "gdk-pixbuf-2.0", "gtk4", "libadwaita-1",
  "json-glib-1.0", "libsoup-3.0", "libsecret-1", "sqlite3", "m", "bash-completion",
  NULL
};

/* Libraries a manifest module builds: module name → what it provides. */
static const struct {
  const char *module;
  const char *provides;
} module_libraries[] = {
  { "openblas", "openblas" },
};

static char *
read_source (const char *relative)
{
  g_autofree char *path = pm_test_source_path (relative);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static JsonObject *
load_manifest (JsonParser **parser_out)
{
  g_autofree char *relative = g_strdup_printf ("flatpak/%s.json", PM_APP_ID_BASE);
  g_autofree char *path = pm_test_source_path (relative);
  g_autoptr(GError) error = NULL;
  JsonParser *parser = json_parser_new ();

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  *parser_out = parser;
  return json_node_get_object (json_parser_get_root (parser));
}

/* The one ID, in the manifest, the desktop file, the metainfo and the schema. */
static void
test_app_id (void)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *manifest = load_manifest (&parser);
  g_autofree char *desktop_rel = g_strdup_printf ("data/%s.desktop.in", PM_APP_ID_BASE);
  g_autofree char *metainfo_rel = g_strdup_printf ("data/%s.metainfo.xml.in", PM_APP_ID_BASE);
  g_autofree char *schema_rel = g_strdup_printf ("data/%s.gschema.xml", PM_APP_ID_BASE);
  g_autofree char *desktop = read_source (desktop_rel);
  g_autofree char *metainfo = read_source (metainfo_rel);
  g_autofree char *schema = read_source (schema_rel);
  g_autofree char *meson = read_source ("meson.build");
  g_autofree char *schema_id = g_strdup_printf ("<schema id=\"%s\" path=\"", PM_APP_ID_BASE);
  g_autofree char *path = g_strdup_printf ("/%s/", PM_APP_ID_BASE);
  g_autofree char *meson_id = g_strdup_printf ("base_app_id = '%s'", PM_APP_ID_BASE);
  const char *schema_path;

  g_assert_cmpstr (json_object_get_string_member (manifest, "id"), ==, PM_APP_ID_BASE);
  g_assert_cmpstr (json_object_get_string_member (manifest, "command"), ==, "paintmask");
  g_assert_nonnull (strstr (meson, meson_id));
  /* The desktop file and the metainfo take the ID from meson (@APP_ID@). */
  g_assert_nonnull (strstr (desktop, "\nIcon=@APP_ID@\n"));
  g_assert_nonnull (strstr (metainfo, "<id>@APP_ID@</id>"));
  g_assert_nonnull (strstr (metainfo, "<launchable type=\"desktop-id\">@APP_ID@.desktop"));
  /* The schema: the ID, and the path is the ID with dots as slashes. */
  schema_path = strstr (schema, schema_id);
  g_assert_nonnull (schema_path);
  g_strdelimit (path, ".", '/');
  g_assert_true (g_str_has_prefix (schema_path + strlen (schema_id), path));
  g_assert_cmpstr (PM_APP_ID_BASE, ==, "io.github.paintmask.Paintmask");
}

/* A current GNOME runtime, and a sandbox no wider than the app needs. */
static void
test_runtime_and_permissions (void)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *manifest = load_manifest (&parser);
  JsonArray *args = json_object_get_array_member (manifest, "finish-args");
  const char *version = json_object_get_string_member (manifest, "runtime-version");
  const char *needed[] = { "--socket=wayland", "--socket=fallback-x11", "--device=dri",
                           "--share=network", "--share=ipc",
                           "--talk-name=org.freedesktop.secrets", NULL };

  g_assert_cmpstr (json_object_get_string_member (manifest, "runtime"), ==,
                   "org.gnome.Platform");
  g_assert_cmpstr (json_object_get_string_member (manifest, "sdk"), ==, "org.gnome.Sdk");
  /* 44 is end-of-life; 47 and newer. */
  g_assert_cmpint (g_ascii_strtoll (version, NULL, 10), >=, 47);

  g_assert_cmpuint (json_array_get_length (args), ==, g_strv_length ((char **) needed));
  for (guint i = 0; needed[i] != NULL; i++)
    {
      gboolean found = FALSE;
      for (guint j = 0; j < json_array_get_length (args); j++)
        found |= g_str_equal (json_array_get_string_element (args, j), needed[i]);
      if (!found)
        g_test_fail_printf ("finish-args lack %s", needed[i]);
    }
  for (guint j = 0; j < json_array_get_length (args); j++)
    {
      const char *arg = json_array_get_string_element (args, j);
      g_assert_false (g_str_has_prefix (arg, "--filesystem"));
      g_assert_false (g_str_equal (arg, "--socket=x11"));
      g_assert_false (g_str_equal (arg, "--device=all"));
      g_assert_false (g_str_has_prefix (arg, "--socket=session-bus"));
      g_assert_false (g_str_has_prefix (arg, "--socket=system-bus"));
    }
}

static JsonObject *
find_module (JsonObject *manifest,
             const char *name)
{
  JsonArray *modules = json_object_get_array_member (manifest, "modules");

  for (guint i = 0; i < json_array_get_length (modules); i++)
    {
      JsonObject *module = json_array_get_object_element (modules, i);
      if (g_str_equal (json_object_get_string_member (module, "name"), name))
        return module;
    }
  return NULL;
}

/* OpenBLAS from its pinned release tarball, built for every x86-64 from Haswell up. */
static void
test_openblas_module (void)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *manifest = load_manifest (&parser);
  JsonObject *module = find_module (manifest, "openblas");
  JsonArray *sources;
  JsonObject *source;
  g_autoptr(GString) commands = g_string_new (NULL);
  JsonArray *build;

  g_assert_nonnull (module);
  sources = json_object_get_array_member (module, "sources");
  g_assert_cmpuint (json_array_get_length (sources), ==, 1);
  source = json_array_get_object_element (sources, 0);
  g_assert_cmpstr (json_object_get_string_member (source, "type"), ==, "archive");
  g_assert_true (g_regex_match_simple (
    "^https://github\\.com/OpenMathLib/OpenBLAS/releases/download/v([0-9.]+)/OpenBLAS-\\1\\.tar\\.gz$",
    json_object_get_string_member (source, "url"), 0, 0));
  g_assert_true (g_regex_match_simple ("^[0-9a-f]{64}$",
                                       json_object_get_string_member (source, "sha256"), 0, 0));
  build = json_object_get_array_member (module, "build-commands");
  for (guint i = 0; i < json_array_get_length (build); i++)
    g_string_append_printf (commands, "%s\n", json_array_get_string_element (build, i));
  g_assert_nonnull (strstr (commands->str, "DYNAMIC_ARCH=1"));
  g_assert_nonnull (strstr (commands->str, "TARGET=HASWELL"));
  /* Paintmask calls cblas_sgemm only: no LAPACK, no Fortran compiler needed. */
  g_assert_nonnull (strstr (commands->str, "NO_LAPACK=1"));
  g_assert_nonnull (find_module (manifest, "paintmask"));
}

/* The meson.build files of the tree (not build folders). */
static void
collect_meson_files (const char *dir,
                     GPtrArray  *files)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *probe = g_build_filename (path, "meson-private", NULL);

      if (name[0] == '.' || g_file_test (probe, G_FILE_TEST_IS_DIR))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        collect_meson_files (path, files);
      else if (g_str_equal (name, "meson.build"))
        g_ptr_array_add (files, g_steal_pointer (&path));
    }
}

static gboolean
provided (JsonObject *manifest,
          const char *library)
{
  if (g_strv_contains (runtime_libraries, library))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (module_libraries); i++)
    if (g_str_equal (module_libraries[i].provides, library)
        && find_module (manifest, module_libraries[i].module) != NULL)
      return TRUE;
  return FALSE;
}

static void
test_dependencies_provided (void)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *manifest = load_manifest (&parser);
  g_autofree char *root = pm_test_source_path (".");
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GRegex) re = g_regex_new ("\\b(?:dependency|find_library)\\s*\\(\\s*'([^']+)'",
                                      0, 0, NULL);
  guint seen = 0;

  collect_meson_files (root, files);
  g_assert_cmpuint (files->len, >=, 5);
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *text = NULL;
      g_autoptr(GMatchInfo) m = NULL;

      g_file_get_contents (g_ptr_array_index (files, i), &text, NULL, NULL);
      g_regex_match (re, text, 0, &m);
      while (g_match_info_matches (m))
        {
          g_autofree char *library = g_match_info_fetch (m, 1);
          seen++;
          if (!provided (manifest, library))
            g_test_fail_printf ("%s needs '%s', which neither the runtime nor a module of "
                                "the manifest provides",
                                (char *) g_ptr_array_index (files, i), library);
          g_match_info_next (m, NULL);
        }
    }
  /* glib, gio, gobject, gdk-pixbuf, json-glib, sqlite3, libsoup, openblas, gtk4, libadwaita,
   * libsecret, m … */
  g_assert_cmpuint (seen, >=, 12);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/data/flatpak/app-id", test_app_id);
  g_test_add_func ("/data/flatpak/runtime-and-permissions", test_runtime_and_permissions);
  g_test_add_func ("/data/flatpak/openblas-module", test_openblas_module);
  g_test_add_func ("/data/flatpak/dependencies-provided", test_dependencies_provided);
  return g_test_run ();
}
