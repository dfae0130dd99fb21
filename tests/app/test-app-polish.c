/* test-app-polish.c: the window as a person meets it (issue 9): narrow layouts, the overlay's
 * colour and outline, export, Recent Photos, the engine texts, the compare button, and the
 * Models page of Preferences.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drives the real PmWindow and PmPreferencesWindow under Xvfb; photos are drawn here (a red
 * disk on a grey background), models are faked with sparse files of the pinned sizes, and
 * downloads go to a local HTTP server (PAINTMASK_HUB_URL).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <libsoup/soup.h>

#include "pm-application.h"
#include "pm-engine-text.h"
#include "pm-format.h"
#include "pm-gui-test-util.h"
#include "pm-maskio.h"
#include "pm-models-page.h"
#include "pm-preferences-window.h"
#include "pm-test-util.h"
#include "pm-gui-test-disk.h"
#include "pm-gui-test-window.h"
#include "pm-window-private.h"

#define W PM_TEST_DISK_W
#define H PM_TEST_DISK_H
#define CX PM_TEST_DISK_CX
#define CY PM_TEST_DISK_CY
#define R PM_TEST_DISK_R

static PmApplication *app;
static PmWindow *window;
static char *tmpdir;

/* ---------------------------------------------------------------- helpers */

static gboolean
window_idle (gpointer data)
{
  return !pm_window_is_busy (window);
}

static void
wait_idle (void)
{
  pm_gui_wait_for (window_idle, NULL, 300);
  pm_gui_iterate (100);
}

static void
open_photo (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  pm_window_open_file (window, file);
  wait_idle ();
  g_assert_null (pm_window_get_last_error (window));
  g_assert_nonnull (pm_window_get_image (window));
}

static void
run (const char *instruction)
{
  pm_window_run (window, instruction);
  wait_idle ();
  g_assert_null (pm_window_get_last_error (window));
  g_assert_nonnull (pm_window_get_mask (window));
}

static void
set_overlay (gboolean show)
{
  PmCanvas *canvas = pm_window_get_canvas (window);

  if (pm_canvas_get_show_overlay (canvas) != show)
    g_action_group_activate_action (G_ACTION_GROUP (window), "overlay", NULL);
  g_assert_true (pm_canvas_get_show_overlay (canvas) == show);
}

/* Canvas pixel at image point (ix, iy) (pixel centre). */
static void
canvas_pixel (const PmPixels *p,
              double          ix,
              double          iy,
              int             rgb[3])
{
  double wx, wy;

  pm_canvas_image_to_widget (pm_window_get_canvas (window), ix + 0.5, iy + 0.5, &wx, &wy);
  pm_pixels_at (p, (int) floor (wx), (int) floor (wy), rgb);
}

static void
image_rgb (const PmImage *image,
           int            x,
           int            y,
           int            rgb[3])
{
  const guint8 *p = image->data + ((gsize) y * image->width + x) * 4;

  rgb[0] = p[0];
  rgb[1] = p[1];
  rgb[2] = p[2];
}

static void
mix (const int a[3],
     const int b[3],
     double    t,
     int       out[3])
{
  for (int k = 0; k < 3; k++)
    out[k] = (int) lround (a[k] + (b[k] - a[k]) * t);
}

static GtkWindow *
find_toplevel (GType type)
{
  GList *toplevels = gtk_window_list_toplevels ();
  GtkWindow *found = NULL;

  for (GList *l = toplevels; l != NULL && found == NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type))
      found = l->data;
  g_list_free (toplevels);
  return found;
}

/* Closes a toplevel and gives the main window its turn again (no window manager). */
static void
close_window (GtkWindow *other)
{
  gtk_window_destroy (other);
  pm_gui_iterate (50);
  gtk_window_present (GTK_WINDOW (window));
  pm_gui_iterate (50);
}

static void
resize (int width,
        int height)
{
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  pm_gui_wait_frames (GTK_WIDGET (window));
  pm_gui_iterate (100);
  pm_gui_wait_frames (GTK_WIDGET (window));
}

/* ---------------------------------------------------------------- layout */

static void
test_narrow_layout (void)
{
  GtkWidget *win = GTK_WIDGET (window);
  GtkWidget *entry = GTK_WIDGET (window->instruction_entry);
  graphene_rect_t e;

  /* As narrow as the window goes: the entry keeps 240 px and lies wholly inside the window;
   * the opacity slider and zoom menu have folded into one menu button. */
  resize (200, 400);
  e = pm_gui_bounds (entry, win);
  g_test_message ("minimum window width %d, entry %.0f px (border box)",
                  gtk_widget_get_width (win), e.size.width);
  g_assert_cmpint (gtk_widget_get_width (win), <, 700);
  g_assert_cmpfloat (e.size.width, >=, 240);
  g_assert_cmpfloat (e.origin.x, >=, 0);
  g_assert_cmpfloat (e.origin.x + e.size.width, <=, gtk_widget_get_width (win));
  g_assert_true (adw_squeezer_get_visible_child (window->view_squeezer) ==
                 gtk_widget_get_parent (GTK_WIDGET (window->view_popover)));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (window->opacity_scale)));

  /* Wide: the slider and the zoom menu are in the bar, and the entry has the room left. */
  resize (1100, 700);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window->opacity_scale)));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window->zoom_button)));
  e = pm_gui_bounds (entry, win);
  g_assert_cmpfloat (e.size.width, >, 400);
}

static void
test_history_leaves_bar (void)
{
  GtkWidget *win = GTK_WIDGET (window);
  GtkWidget *history = adw_flap_get_flap (window->flap);
  graphene_rect_t bar, panel, inter;

  /* 800 × 600 with the history open: the panel and the bar do not overlap, and the whole
   * bar is on screen. */
  resize (800, 600);
  if (!adw_flap_get_reveal_flap (window->flap))
    g_action_group_activate_action (G_ACTION_GROUP (window), "show-history", NULL);
  pm_gui_iterate (300);
  pm_gui_wait_frames (win);
  g_assert_true (gtk_widget_get_mapped (history));
  bar = pm_gui_bounds (GTK_WIDGET (window->instruction_bar), win);
  panel = pm_gui_bounds (history, win);
  g_test_message ("bar %.0f,%.0f %.0f×%.0f; panel %.0f,%.0f %.0f×%.0f", bar.origin.x,
                  bar.origin.y, bar.size.width, bar.size.height, panel.origin.x, panel.origin.y,
                  panel.size.width, panel.size.height);
  g_assert_false (graphene_rect_intersection (&bar, &panel, &inter) &&
                  inter.size.width > 0 && inter.size.height > 0);
  g_assert_cmpfloat (bar.origin.y + bar.size.height, <=, gtk_widget_get_height (win));
  g_assert_cmpfloat (pm_gui_bounds (GTK_WIDGET (window->instruction_entry), win).size.width, >=,
                    240);

  g_action_group_activate_action (G_ACTION_GROUP (window), "show-history", NULL);
  pm_gui_iterate (300);
  resize (900, 640);
}

/* Every control a person can reach in the main window says what it is: a label or a
 * tooltip (which GTK also gives assistive technologies as its description). */
static void
check_controls_named (GtkWidget *widget,
                      int       *n_checked)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    {
      /* Internal parts of composite controls and the window's own buttons are theirs. */
      if (GTK_IS_MENU_BUTTON (c) || GTK_IS_COLOR_BUTTON (c) || ADW_IS_SPLIT_BUTTON (c) ||
          GTK_IS_BUTTON (c) || GTK_IS_SCALE (c))
        {
          const char *tooltip = gtk_widget_get_tooltip_text (c);
          const char *label = GTK_IS_BUTTON (c) ? gtk_button_get_label (GTK_BUTTON (c)) :
                              GTK_IS_MENU_BUTTON (c) ? gtk_menu_button_get_label (GTK_MENU_BUTTON (c)) :
                              NULL;

          if (!gtk_widget_get_mapped (c))
            continue;
          if ((tooltip == NULL || *tooltip == '\0') && (label == NULL || *label == '\0'))
            g_error ("a %s in a %s in a %s has neither a label nor a tooltip",
                     G_OBJECT_TYPE_NAME (c), G_OBJECT_TYPE_NAME (widget),
                     G_OBJECT_TYPE_NAME (gtk_widget_get_parent (widget)));
          (*n_checked)++;
          continue;
        }
      /* The window's own buttons and libadwaita's toasts (labelled inside libadwaita). */
      if (GTK_IS_WINDOW_CONTROLS (c) || g_str_equal (G_OBJECT_TYPE_NAME (c), "AdwToastWidget"))
        continue;
      check_controls_named (c, n_checked);
    }
}

static void
test_controls_named (void)
{
  int n = 0;

  resize (1100, 700);
  check_controls_named (GTK_WIDGET (window), &n);
  g_test_message ("%d controls checked", n);
  /* Open, history, compare, overlay and its menu, main menu, What Can I Type?, engine,
   * colour, Run, slider, zoom. */
  g_assert_cmpint (n, >=, 12);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (window->color_button)), ==,
                   "Paint Colour, for instructions that name no colour");
  resize (900, 640);
}

/* ---------------------------------------------------------------- texts */

static void
assert_stage (const char *id,
              const char *expected)
{
  g_autofree char *text = pm_engine_text_describe_stage (id);

  g_assert_cmpstr (text, ==, expected);
}

static void
test_engine_texts (void)
{
  g_autofree char *placeholder = pm_engine_text_get_placeholder ("builtin");
  g_autofree char *help = pm_engine_text_get_help_markup ("builtin");
  g_autofree char *clipseg_help = pm_engine_text_get_help_markup ("clipseg");
  const char *ids[] = { "grabcut 3/4", "vision layer 7/12", "parsing", "running engine",
                        "finding cues", "refining edges", "encoding image", "encoding text",
                        "decoding", "painting", "deriving mask", "loading model",
                        "server busy (HTTP 503), retrying in 2.0 s", "sending the photo" };

  /* The built-in engine's suggestion is one it can do: colour and place, no object name. */
  g_assert_nonnull (strstr (placeholder, "paint the red thing on the left blue"));
  g_assert_cmpstr (gtk_entry_get_placeholder_text (window->instruction_entry), ==, placeholder);
  g_assert_nonnull (strstr (help, "colour"));
  g_assert_nonnull (strstr (help, "does not know"));
  g_assert_nonnull (strstr (gtk_label_get_text (window->help_label), "built-in engine"));
  g_assert_nonnull (strstr (clipseg_help, "names"));

  /* Stage ids become words; none of the technical ids shows through. */
  assert_stage ("grabcut 3/4", "Refining edges…");
  assert_stage ("vision layer 7/12", "Looking at the photo…");
  assert_stage ("decoding", "Finding the object…");
  assert_stage ("mystery step", "Mystery step…");
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *text = pm_engine_text_describe_stage (ids[i]);
      g_assert_true (g_ascii_isupper (text[0]));
      g_assert_true (g_str_has_suffix (text, "…"));
      g_assert_null (strchr (text, '/'));
      g_assert_cmpstr (text, !=, ids[i]);
    }

  /* History dates name the month and the full year. */
  {
    g_autoptr(GDateTime) dt = g_date_time_new_local (2026, 12, 2, 16, 10, 0);
    g_autofree char *text = pm_format_date_time (g_date_time_to_unix (dt));
    g_assert_cmpstr (text, ==, "2 Dec 2026, 16:10");
  }
}

typedef struct {
  GPtrArray *seen;
} Stages;

static void
stage_label_cb (GtkLabel   *label,
                GParamSpec *pspec,
                Stages     *stages)
{
  g_ptr_array_add (stages->seen, g_strdup (gtk_label_get_text (label)));
}

static void
test_progress_words (void)
{
  g_autofree char *photo = pm_test_disk_photo_write (tmpdir, "stages.png", 128);
  Stages stages = { g_ptr_array_new_with_free_func (g_free) };
  gulong id;

  open_photo (photo);
  id = g_signal_connect (window->stage_label, "notify::label", G_CALLBACK (stage_label_cb),
                         &stages);
  run ("segment the red disk");
  g_signal_handler_disconnect (window->stage_label, id);
  g_assert_cmpuint (stages.seen->len, >, 0);
  for (guint i = 0; i < stages.seen->len; i++)
    {
      const char *text = stages.seen->pdata[i];
      g_test_message ("stage shown: %s", text);
      g_assert_true (g_str_has_suffix (text, "…"));
      g_assert_null (strstr (text, "grabcut"));
      g_assert_null (strchr (text, '/'));
    }
  g_ptr_array_unref (stages.seen);
}

/* ---------------------------------------------------------------- overlay */

/* The overlay on the disk photo: inside the mask the canvas shows @base mixed with the
 * overlay colour at the opacity (or @base alone with @outline_only); outside it the photo. */
static void
check_overlay_fill (const PmImage *base,
                    const int      color[3],
                    gboolean       outline_only)
{
  const PmImage *image = pm_window_get_image (window);
  const PmMask *mask = pm_window_get_mask (window);
  double opacity = gtk_adjustment_get_value (window->opacity_adjustment);
  g_autoptr(PmPixels) p = pm_gui_render (GTK_WIDGET (pm_window_get_canvas (window)));
  int n_in = 0, n_out = 0;

  for (int y = 6; y < H - 6; y += 7)
    for (int x = 6; x < W - 6; x += 7)
      {
        int got[3], want[3], b[3], orig[3];

        canvas_pixel (p, x, y, got);
        image_rgb (base, x, y, b);
        image_rgb (image, x, y, orig);
        if (pm_test_disk_contains (x, y, R - 6))
          {
            g_assert_true (mask->data[(gsize) y * W + x] >= 0.5f);
            if (outline_only)
              memcpy (want, b, sizeof want);
            else
              mix (b, color, opacity, want);
            g_assert_cmpint (pm_rgb_distance (got, want), <=, 3);
            n_in++;
          }
        else if (!pm_test_disk_contains (x, y, R + 8))
          {
            g_assert_cmpint (pm_rgb_distance (got, orig), <=, 2);
            n_out++;
          }
      }
  g_assert_cmpint (n_in, >, 150);
  g_assert_cmpint (n_out, >, 600);
}

/* Along the row through the disk's centre, across its right edge: the outline shows in the
 * overlay colour, and something on the edge stands out from the background by at least
 * @contrast (the outline, or its halo where the colour is close to the background). */
static void
check_outline (const int color[3],
               int       background,
               int       contrast)
{
  PmCanvas *canvas = pm_window_get_canvas (window);
  g_autoptr(PmPixels) p = pm_gui_render (GTK_WIDGET (canvas));
  int bg[3] = { background, background, background };
  double x0, x1, wy;
  int best_color = 255, best_contrast = 0;

  pm_canvas_image_to_widget (canvas, CX + R - 5, CY + 0.5, &x0, &wy);
  pm_canvas_image_to_widget (canvas, CX + R + 5, CY + 0.5, &x1, &wy);
  for (int x = (int) x0; x <= (int) x1; x++)
    {
      int c[3];

      pm_pixels_at (p, x, (int) wy, c);
      best_color = MIN (best_color, pm_rgb_distance (c, color));
      best_contrast = MAX (best_contrast, pm_rgb_distance (c, bg));
    }
  g_test_message ("outline on background %d: closest to the colour %d, contrast %d",
                  background, best_color, best_contrast);
  g_assert_cmpint (best_color, <=, 2);
  g_assert_cmpint (best_contrast, >=, contrast);
}

static void
set_color (const char *hex,
           int         rgb[3])
{
  GdkRGBA c;

  g_settings_set_string (pm_application_get_settings (app), "overlay-color", hex);
  pm_gui_iterate (50);
  gdk_rgba_parse (&c, hex);
  rgb[0] = (int) lround (c.red * 255);
  rgb[1] = (int) lround (c.green * 255);
  rgb[2] = (int) lround (c.blue * 255);
}

static void
test_overlay_over_original (void)
{
  GSettings *settings = pm_application_get_settings (app);
  g_autofree char *dark = pm_test_disk_photo_write (tmpdir, "dark.png", 20);
  g_autofree char *light = pm_test_disk_photo_write (tmpdir, "light.png", 235);
  int green[3], pale[3], ink[3];

  set_color ("#00ff00", green);
  open_photo (dark);
  run ("segment the red disk");
  set_overlay (TRUE);
  pm_canvas_zoom_fit (pm_window_get_canvas (window));

  /* By default over the original photo, in the chosen colour, on a dark photo. */
  check_overlay_fill (pm_window_get_image (window), green, FALSE);
  check_outline (green, 20, 200);

  /* A second run with another paint keeps the one overlay colour. */
  run ("paint the red disk blue");
  check_overlay_fill (pm_window_get_image (window), green, FALSE);

  /* Outline only: the photo shows untinted inside, the outline stays. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "overlay-style",
                                  g_variant_new_string ("outline"));
  {
    g_autofree char *style = g_settings_get_string (settings, "overlay-style");
    g_assert_cmpstr (style, ==, "outline");
  }
  check_overlay_fill (pm_window_get_image (window), green, TRUE);
  check_outline (green, 20, 200);
  g_settings_reset (settings, "overlay-style");

  /* Over the edit, when asked. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "overlay-base",
                                  g_variant_new_string ("edited"));
  check_overlay_fill (pm_window_get_edited (window), green, FALSE);
  g_settings_reset (settings, "overlay-base");

  /* A light photo with a pale overlay colour: the dark halo keeps the outline visible. */
  open_photo (light);
  run ("segment the red disk");
  set_color ("#f0f0f0", pale);
  check_outline (pale, 235, 120);
  /* A dark photo with a dark overlay colour: the light halo does. */
  open_photo (dark);
  run ("segment the red disk");
  set_color ("#202020", ink);
  check_outline (ink, 20, 120);

  g_settings_reset (settings, "overlay-color");
  set_overlay (FALSE);
}

/* ---------------------------------------------------------------- compare */

static GtkGesture *
compare_gesture (void)
{
  g_autoptr(GListModel) controllers =
    gtk_widget_observe_controllers (GTK_WIDGET (window->compare_button));

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) c = g_list_model_get_item (controllers, i);
      if (GTK_IS_GESTURE_CLICK (c) &&
          g_signal_handler_find (c, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, window) != 0)
        return GTK_GESTURE (c);
    }
  return NULL;
}

static void
test_compare_release (void)
{
  PmCanvas *canvas = pm_window_get_canvas (window);
  GtkGesture *gesture = compare_gesture ();

  g_assert_nonnull (gesture);
  /* Held, then the pointer slides off the button: GTK stops the click without a release. */
  g_signal_emit_by_name (gesture, "pressed", 1, 5.0, 5.0);
  g_assert_true (pm_canvas_get_show_original (canvas));
  g_signal_emit_by_name (gesture, "stopped");
  g_assert_false (pm_canvas_get_show_original (canvas));
  /* Held, then the press is taken away (another gesture claims it, the button is disabled). */
  g_signal_emit_by_name (gesture, "pressed", 1, 5.0, 5.0);
  g_signal_emit_by_name (gesture, "cancel", NULL);
  g_assert_false (pm_canvas_get_show_original (canvas));
  /* An ordinary press and release. */
  g_signal_emit_by_name (gesture, "pressed", 1, 5.0, 5.0);
  g_signal_emit_by_name (gesture, "released", 1, 5.0, 5.0);
  g_assert_false (pm_canvas_get_show_original (canvas));
}

/* ---------------------------------------------------------------- export */

static char *
file_in (const char *dir,
         const char *name)
{
  return g_build_filename (dir, name, NULL);
}

static void
test_export (void)
{
  g_autofree char *photo = pm_test_disk_photo_write (tmpdir, "coffee.png", 128);
  g_autofree char *out = file_in (tmpdir, "exports");
  g_autofree char *edited_path = file_in (out, "coffee-edited.png");
  g_autofree char *mask_path = file_in (out, "coffee-mask.png");
  g_autofree char *soft_path = file_in (out, "coffee-soft-mask.png");
  g_autoptr(PmImage) edited = NULL;
  g_autoptr(PmMask) mask = NULL;
  g_autoptr(PmMask) soft = NULL;
  g_autoptr(GError) error = NULL;
  const PmMask *shown;
  PmRunEntry *entry;
  int n_soft = 0;

  open_photo (photo);
  run ("segment the red disk");
  g_assert_cmpint (g_mkdir_with_parents (out, 0755), ==, 0);

  /* The three files, named after the photo and their kind. */
  pm_window_export_to_folder (window, out);
  wait_idle ();
  g_assert_null (pm_window_get_last_error (window));
  entry = pm_document_get_current (pm_window_get_document (window));
  edited = pm_image_load (edited_path, PM_IMAGE_DEFAULT_MAX_PIXELS, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (edited->data, (gsize) W * H * 4, entry->edited->data, (gsize) W * H * 4);
  mask = pm_mask_load_png (mask_path, &error);
  g_assert_no_error (error);
  soft = pm_mask_load_png (soft_path, &error);
  g_assert_no_error (error);
  shown = pm_window_get_mask (window);
  g_assert_cmpint (mask->width, ==, W);
  g_assert_cmpint (soft->height, ==, H);
  for (gsize i = 0; i < (gsize) W * H; i++)
    {
      g_assert_true (mask->data[i] == 0.0f || mask->data[i] == 1.0f);
      g_assert_true ((mask->data[i] >= 0.5f) == (shown->data[i] >= 0.5f));
      n_soft += soft->data[i] > 0.02f && soft->data[i] < 0.98f;
    }
  g_test_message ("soft mask: %d pixels between 0 and 1", n_soft);
  g_assert_cmpint (n_soft, >, 0);
  {
    g_autofree char *part = g_strconcat (mask_path, ".part", NULL);
    g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  }
  g_assert_nonnull (g_action_map_lookup_action (G_ACTION_MAP (window), "open-folder"));

  /* A folder that does not exist: an error naming it, nothing written. */
  {
    g_autofree char *missing = file_in (tmpdir, "no-such-folder");
    g_autofree char *stray = file_in (missing, "coffee-mask.png");

    pm_window_export_to_folder (window, missing);
    wait_idle ();
    g_assert_nonnull (pm_window_get_last_error (window));
    g_assert_nonnull (strstr (pm_window_get_last_error (window), "no-such-folder"));
    g_assert_false (g_file_test (stray, G_FILE_TEST_EXISTS));
    pm_window_clear_last_error (window);
  }
}

static void
test_export_session_says_why (void)
{
  g_autofree char *photo = pm_test_disk_photo_write (tmpdir, "fresh.png", 128);
  g_autofree char *stem = NULL;

  /* A photo without runs: Export Session is there and explains why it has nothing. */
  open_photo (photo);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "export-session"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "export-session", NULL);
  g_assert_nonnull (pm_window_get_last_error (window));
  g_assert_nonnull (strstr (pm_window_get_last_error (window), "Run an instruction first"));
  pm_window_clear_last_error (window);
  stem = pm_window_get_photo_stem (window);
  g_assert_cmpstr (stem, ==, "fresh");
}

/* ---------------------------------------------------------------- recent photos */

static char *
recent_label (guint i)
{
  char *label = NULL;

  g_menu_model_get_item_attribute (G_MENU_MODEL (window->recent_menu), i, "label", "s", &label);
  return label;
}

static gboolean
recent_lists (gpointer name)
{
  for (int i = 0; i < g_menu_model_get_n_items (G_MENU_MODEL (window->recent_menu)); i++)
    {
      g_autofree char *label = recent_label (i);
      if (g_strcmp0 (label, name) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
test_recent_photos (void)
{
  GtkRecentManager *recent = gtk_recent_manager_get_default ();
  g_autofree char *photo = pm_test_disk_photo_write (tmpdir, "my_red_disk.png", 128);
  g_autofree char *mask = pm_test_disk_photo_write (tmpdir, "my_red_disk-mask.png", 0);
  g_autofree char *session = file_in (tmpdir, "my_red_disk.paintmask");
  g_autofree char *mask_uri = g_filename_to_uri (mask, NULL, NULL);
  g_autofree char *session_uri = g_filename_to_uri (session, NULL, NULL);

  g_assert_true (g_file_set_contents (session, "x", 1, NULL));
  /* A save dialog may put exports in the recent files; Recent Photos leaves them out. */
  gtk_recent_manager_add_item (recent, mask_uri);
  gtk_recent_manager_add_item (recent, session_uri);
  open_photo (photo);

  /* Menus read "_" as a mnemonic: the label doubles it so the name shows as it is. */
  pm_gui_wait_for (recent_lists, "my__red__disk.png", 30);
  for (int i = 0; i < g_menu_model_get_n_items (G_MENU_MODEL (window->recent_menu)); i++)
    {
      g_autofree char *label = recent_label (i);
      g_test_message ("recent: %s", label);
      g_assert_null (strstr (label, "mask"));
      g_assert_null (strstr (label, ".paintmask"));
    }
}

/* ---------------------------------------------------------------- models */

/* A folder whose files have the pinned sizes of CLIPSeg's (sparse; nothing is written). */
static char *
fake_clipseg (void)
{
  const PmModelSpec *spec = pm_model_lookup (PM_MODEL_DEFAULT_NAME);
  char *dir = pm_model_get_default_dir (PM_MODEL_DEFAULT_NAME);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  for (int i = 0; i < spec->n_files; i++)
    {
      g_autofree char *path = g_build_filename (dir, spec->files[i].name, NULL);
      FILE *f = fopen (path, "w");

      g_assert_nonnull (f);
      g_assert_cmpint (ftruncate (fileno (f), spec->files[i].size), ==, 0);
      fclose (f);
    }
  return dir;
}

static gboolean
model_idle (gpointer models)
{
  return pm_model_manager_is_checked (models) &&
         pm_model_manager_get_task (models, PM_MODEL_DEFAULT_NAME) == PM_MODEL_TASK_NONE;
}

static gboolean
model_downloading (gpointer models)
{
  return pm_model_manager_get_task (models, PM_MODEL_DEFAULT_NAME) == PM_MODEL_TASK_DOWNLOADING;
}

static void
click (GtkWidget *button)
{
  g_assert_true (gtk_widget_get_visible (button));
  g_signal_emit_by_name (button, "clicked");
}

/* Answers nothing: every request waits until the client gives up. */
static void
stall_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  soup_server_message_pause (msg);
}

static void
missing_handler (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static char *
server_url (SoupServer *server)
{
  GSList *uris = soup_server_get_uris (server);
  char *url;

  g_assert_nonnull (uris);
  url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return url;
}

static void
check_download_cancel (PmModelsPage   *page,
                       PmModelManager *models)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  const char *name = PM_MODEL_DEFAULT_NAME;

  soup_server_add_handler (server, NULL, stall_handler, NULL, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  url = server_url (server);
  g_setenv ("PAINTMASK_HUB_URL", url, TRUE);

  /* Download: the row shows progress and Cancel instead of its buttons. */
  click (pm_models_page_get_button (page, name, "download"));
  pm_gui_wait_for (model_downloading, models, 10);
  pm_gui_iterate (100);
  g_assert_true (g_str_has_prefix (pm_models_page_get_status_text (page, name), "Downloading"));
  g_assert_true (gtk_widget_get_visible (pm_models_page_get_button (page, name, "cancel")));
  g_assert_false (gtk_widget_get_visible (pm_models_page_get_button (page, name, "download")));

  /* Cancel: back to not installed, no error, buttons back. */
  click (pm_models_page_get_button (page, name, "cancel"));
  pm_gui_wait_for (model_idle, models, 30);
  g_assert_cmpint (pm_model_manager_get_status (models, name), ==, PM_MODEL_STATUS_NOT_INSTALLED);
  g_assert_null (pm_model_manager_get_detail (models, name));
  g_assert_null (pm_model_manager_get_error (models, name));
  g_assert_true (g_str_has_prefix (pm_models_page_get_status_text (page, name), "Not installed"));
  g_assert_true (gtk_widget_get_visible (pm_models_page_get_button (page, name, "download")));
  g_assert_false (gtk_widget_get_visible (pm_models_page_get_button (page, name, "cancel")));
  soup_server_disconnect (server);

  /* A server without the files: the failure is said, one line naming the status. */
  {
    g_autoptr(SoupServer) missing = soup_server_new (NULL, NULL);
    g_autofree char *missing_url = NULL;
    const char *failure;

    soup_server_add_handler (missing, NULL, missing_handler, NULL, NULL);
    soup_server_listen_local (missing, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
    g_assert_no_error (error);
    missing_url = server_url (missing);
    g_setenv ("PAINTMASK_HUB_URL", missing_url, TRUE);
    click (pm_models_page_get_button (page, name, "download"));
    pm_gui_wait_for (model_downloading, models, 10);
    pm_gui_wait_for (model_idle, models, 30);
    failure = pm_model_manager_get_error (models, name);
    g_assert_nonnull (failure);
    g_test_message ("404: %s", failure);
    g_assert_nonnull (strstr (failure, "404"));
    g_assert_null (strchr (failure, '\n'));
    /* The row keeps saying it, under the status. */
    g_assert_nonnull (strstr (pm_models_page_get_status_text (page, name), failure));
    soup_server_disconnect (missing);
  }
  g_unsetenv ("PAINTMASK_HUB_URL");
}

static void
test_models_page (void)
{
  PmModelManager *models = pm_application_get_models (app);
  const PmModelSpec * const *known = pm_model_list_known ();
  const char *name = PM_MODEL_DEFAULT_NAME;
  g_autofree char *dir = fake_clipseg ();
  g_autofree char *size = g_format_size (pm_model_spec_get_size (pm_model_lookup (name)));
  GtkWindow *prefs;
  PmModelsPage *page;
  GtkWindow *dialog;

  pm_model_manager_refresh (models);
  prefs = pm_preferences_window_new_full (pm_application_get_settings (app), models);
  gtk_window_present (prefs);
  pm_gui_wait_for (model_idle, models, 30);
  pm_gui_iterate (100);
  page = PM_MODELS_PAGE (pm_preferences_window_get_models_page (PM_PREFERENCES_WINDOW (prefs)));

  /* One row per model of the registry. */
  for (int i = 0; known[i] != NULL; i++)
    g_assert_nonnull (pm_models_page_get_row (page, known[i]->name));

  /* The fake folder has every file at its pinned size: installed, with size and licence. */
  g_test_message ("CLIPSeg row: %s", pm_models_page_get_status_text (page, name));
  g_assert_cmpint (pm_model_manager_get_status (models, name), ==, PM_MODEL_STATUS_INSTALLED);
  g_assert_true (g_str_has_prefix (pm_models_page_get_status_text (page, name), "Installed"));
  g_assert_nonnull (strstr (pm_models_page_get_status_text (page, name), "Apache-2.0"));
  g_assert_nonnull (strstr (pm_models_page_get_status_text (page, name), size));
  g_assert_false (gtk_widget_get_visible (pm_models_page_get_button (page, name, "download")));
  pm_window_refresh_engines (window);
  g_assert_true (gtk_widget_get_sensitive (((GtkWidget *) window->engine_checks->pdata[1])));

  /* Verify reads the files: their bytes are not CLIPSeg's, so it is corrupt, and says why. */
  click (pm_models_page_get_button (page, name, "verify"));
  pm_gui_iterate (20);
  pm_gui_wait_for (model_idle, models, 60);
  g_test_message ("after verify: %s", pm_models_page_get_status_text (page, name));
  g_assert_cmpint (pm_model_manager_get_status (models, name), ==, PM_MODEL_STATUS_CORRUPT);
  g_assert_true (g_str_has_prefix (pm_models_page_get_status_text (page, name), "Corrupt"));
  g_assert_nonnull (strstr (pm_models_page_get_status_text (page, name),
                            "config.json differs from the published file"));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (pm_models_page_get_button (page, name,
                                                                                "download"))),
                   ==, "_Download Again");
  /* The window does not offer a model that failed verification. */
  g_assert_false (gtk_widget_get_sensitive (((GtkWidget *) window->engine_checks->pdata[1])));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (((GtkWidget *) window->engine_checks->pdata[1])), "damaged"));

  /* Checking the folder again (its names and sizes still look right) keeps what verify
   * found. */
  pm_model_manager_refresh (models);
  pm_gui_wait_for (model_idle, models, 30);
  g_assert_cmpint (pm_model_manager_get_status (models, name), ==, PM_MODEL_STATUS_CORRUPT);
  g_assert_nonnull (strstr (pm_models_page_get_status_text (page, name), "config.json"));

  /* Remove asks first; confirmed, the files and the folder go. */
  click (pm_models_page_get_button (page, name, "remove"));
  pm_gui_iterate (100);
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (dialog);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "remove");
  pm_gui_iterate (20);
  pm_gui_wait_for (model_idle, models, 30);
  g_assert_cmpint (pm_model_manager_get_status (models, name), ==, PM_MODEL_STATUS_NOT_INSTALLED);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_true (g_str_has_prefix (pm_models_page_get_status_text (page, name), "Not installed"));

  check_download_cancel (page, models);
  close_window (prefs);
}

static void
test_default_engine_warning (void)
{
  GtkWindow *prefs = pm_preferences_window_new_full (pm_application_get_settings (app),
                                                     pm_application_get_models (app));
  AdwComboRow *row = NULL;
  GtkWidget *w;

  gtk_window_present (prefs);
  pm_gui_iterate (100);
  /* The Default Engine row is the first combo row of the General page. */
  for (w = GTK_WIDGET (prefs); w != NULL && row == NULL;)
    {
      if (ADW_IS_COMBO_ROW (w))
        row = ADW_COMBO_ROW (w);
      else if (gtk_widget_get_first_child (w) != NULL)
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w != NULL && gtk_widget_get_next_sibling (w) == NULL)
            w = gtk_widget_get_parent (w);
          w = w != NULL ? gtk_widget_get_next_sibling (w) : NULL;
        }
    }
  g_assert_nonnull (row);

  /* CLIPSeg is not installed here: choosing it as the default says so. */
  adw_combo_row_set_selected (row, 1);
  pm_gui_iterate (50);
  g_test_message ("row says: %s", adw_action_row_get_subtitle (ADW_ACTION_ROW (row)));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "not installed"));
  adw_combo_row_set_selected (row, 0);
  pm_gui_iterate (50);
  g_assert_null (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "not installed"));
  g_settings_reset (pm_application_get_settings (app), "default-engine");
  close_window (prefs);

  /* A window whose default engine cannot run uses the built-in one and says so (once). */
  g_settings_set_string (pm_application_get_settings (app), "default-engine", "clipseg");
  pm_gui_iterate (50);
  g_assert_cmpstr (window->engine_name, ==, "builtin");
  g_assert_cmpstr (g_object_get_data (G_OBJECT (window), "pm-default-warned"), ==, "clipseg");
  g_settings_reset (pm_application_get_settings (app), "default-engine");
  pm_gui_iterate (50);
}

static void
test_engine_menu_download (void)
{
  GtkWidget *check = window->engine_checks->pdata[1];
  GtkWidget *setup = g_object_get_data (G_OBJECT (check), "pm-setup");
  const char *tooltip = gtk_widget_get_tooltip_text (check);
  GVariant *target;
  const char *open, *close;
  GtkWindow *prefs;

  /* Unavailable CLIPSeg: the menu offers Download CLIPSeg…, aimed at a known model. */
  g_assert_false (gtk_widget_get_sensitive (check));
  g_assert_nonnull (setup);
  g_assert_true (gtk_widget_get_visible (setup));
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (setup)), ==,
                   "app.show-model");
  target = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (setup));
  g_assert_nonnull (pm_model_lookup (g_variant_get_string (target, NULL)));

  /* The command the tooltip names is one that works: `paintmask model download [NAME]`
   * with NAME, if any, a known model. */
  g_assert_nonnull (tooltip);
  open = strstr (tooltip, "“paintmask ");
  g_assert_nonnull (open);
  close = strstr (open, "”");
  g_assert_nonnull (close);
  {
    g_autofree char *command = g_strndup (open + strlen ("“"), close - open - strlen ("“"));
    g_auto(GStrv) words = g_strsplit (command, " ", -1);

    g_test_message ("tooltip command: %s", command);
    g_assert_cmpstr (words[0], ==, "paintmask");
    g_assert_cmpstr (words[1], ==, "model");
    g_assert_cmpstr (words[2], ==, "download");
    g_assert_true (words[3] == NULL || pm_model_lookup (words[3]) != NULL);
  }

  /* It opens Preferences on the Models page. */
  gtk_widget_activate_action_variant (setup, "app.show-model", target);
  pm_gui_iterate (200);
  prefs = find_toplevel (PM_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (prefs);
  g_assert_true (GTK_WIDGET (adw_preferences_window_get_visible_page (
                   ADW_PREFERENCES_WINDOW (prefs))) ==
                 pm_preferences_window_get_models_page (PM_PREFERENCES_WINDOW (prefs)));
  close_window (prefs);
}

/* ---------------------------------------------------------------- main */

int
main (int    argc,
      char **argv)
{
  g_autofree char *db = NULL;
  int ret;

  tmpdir = pm_test_tmpdir ();
  /* Recent files, models and the history stay in the test's folder. */
  g_setenv ("XDG_DATA_HOME", tmpdir, TRUE);
  db = g_build_filename (tmpdir, "history.sqlite3", NULL);
  g_setenv ("PAINTMASK_DB", db, TRUE);
  g_unsetenv ("PAINTMASK_HUB_URL");

  g_test_init (&argc, &argv, NULL);
  gtk_disable_setlocale ();
  if (!pm_gui_test_init_display (&ret))
    return ret;
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  window = pm_gui_test_window_new (&app, db, 900, 640);
  pm_gui_iterate (200);

  g_test_add_func ("/app/polish/engine-texts", test_engine_texts);
  g_test_add_func ("/app/polish/engine-menu-download", test_engine_menu_download);
  g_test_add_func ("/app/polish/default-engine-warning", test_default_engine_warning);
  g_test_add_func ("/app/polish/models-page", test_models_page);
  g_test_add_func ("/app/polish/export-session-says-why", test_export_session_says_why);
  g_test_add_func ("/app/polish/narrow-layout", test_narrow_layout);
  g_test_add_func ("/app/polish/history-leaves-bar", test_history_leaves_bar);
  g_test_add_func ("/app/polish/controls-named", test_controls_named);
  g_test_add_func ("/app/polish/progress-words", test_progress_words);
  g_test_add_func ("/app/polish/overlay-over-original", test_overlay_over_original);
  g_test_add_func ("/app/polish/compare-release", test_compare_release);
  g_test_add_func ("/app/polish/export", test_export);
  g_test_add_func ("/app/polish/recent-photos", test_recent_photos);
  ret = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  pm_gui_iterate (100);
  g_object_unref (app);
  pm_test_rmdir (tmpdir);
  g_free (tmpdir);
  return ret;
}
