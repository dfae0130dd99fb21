/* test-app-flow.c: the window tells the truth and keeps the user in flow: result states,
 * stacked runs, focus and keys, the history in step with the canvas, undoable deletes,
 * closing right after a run, a file that fails to open, the shortcuts window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Keys and clicks go through the X server (xdotool, under the test's Xvfb), so they take
 * the same way as a person's: focus, controllers, shortcuts.
 */
#include "config.h"

#include <string.h>
#include <gdk/x11/gdkx.h>

#include "pm-application.h"
#include "pm-gui-test-util.h"
#include "pm-store.h"
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
static char *db;

/* ---------------------------------------------------------------- helpers */

static gboolean
window_idle (gpointer data)
{
  return !pm_window_is_busy (data);
}

static void
wait_idle_for (PmWindow *w)
{
  pm_gui_wait_for (window_idle, w, 300);
  pm_gui_iterate (100);
}

static void
wait_idle (void)
{
  wait_idle_for (window);
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
}

static PmDocument *
doc (void)
{
  return pm_window_get_document (window);
}

static double
mask_iou_with_disk (const PmMask *mask)
{
  gint64 inter = 0, uni = 0;

  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        gboolean truth = pm_test_disk_contains (x, y, R), m = mask->data[(gsize) y * W + x] >= 0.5f;
        inter += truth && m;
        uni += truth || m;
      }
  return uni > 0 ? (double) inter / uni : 0;
}

/* The canvas pixel at image point (CX, CY). */
static void
center_on_screen (int rgb[3])
{
  PmCanvas *canvas = pm_window_get_canvas (window);
  g_autoptr(PmPixels) p = pm_gui_render (GTK_WIDGET (canvas));
  double wx, wy;

  pm_canvas_image_to_widget (canvas, CX + 0.5, CY + 0.5, &wx, &wy);
  pm_pixels_at (p, (int) wx, (int) wy, rgb);
}

static void
image_center (const PmImage *image,
              int            rgb[3])
{
  gsize i = ((gsize) CY * W + (gsize) CX) * 4;

  rgb[0] = image->data[i];
  rgb[1] = image->data[i + 1];
  rgb[2] = image->data[i + 2];
}

/* ---------------------------------------------------------------- the history panel */

static PmHistoryPanel *
panel (void)
{
  return pm_window_get_history_panel (window);
}

static void
show_history (void)
{
  if (!adw_flap_get_reveal_flap (window->flap))
    g_action_group_activate_action (G_ACTION_GROUP (window), "show-history", NULL);
  pm_history_panel_show_session (panel (), pm_document_get_session_id (doc ()));
  wait_idle ();
  g_assert_cmpstr (pm_history_panel_get_page (panel ()), ==, "runs");
}

static gint64
row_id (GtkWidget *row)
{
  gint64 *id = g_object_get_data (G_OBJECT (row), "pm-id64");

  return id != NULL ? *id : 0;
}

static GtkWidget *
run_row (gint64 id)
{
  GtkListBox *list = pm_history_panel_get_run_list (panel ());

  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (list)); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_LIST_BOX_ROW (c) && row_id (c) == id)
      return c;
  return NULL;
}

static gint64
selected_run (void)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (pm_history_panel_get_run_list (panel ()));

  return row != NULL ? row_id (GTK_WIDGET (row)) : 0;
}

/* ---------------------------------------------------------------- a fake engine */

/* Finds nothing: an all-zero mask. */
static gboolean
nothing_run (PmEngine             *engine,
             const PmImage        *image,
             const PmInstruction  *instruction,
             PmProgressFunc        progress,
             gpointer              progress_data,
             GCancellable         *cancellable,
             PmEngineResult       *result,
             GError              **error)
{
  result->soft_mask = pm_mask_new (image->width, image->height);
  result->message = g_strdup ("no such thing in this photo");
  return TRUE;
}

static void
nothing_finalize (PmEngine *engine)
{
  g_free (engine);
}

static const PmEngineClass nothing_class = { "nothing", nothing_run, nothing_finalize };

static PmEngine *
nothing_engine_new (void)
{
  PmEngine *engine = g_new0 (PmEngine, 1);

  engine->klass = &nothing_class;
  engine->ref_count = 1;
  return engine;
}

/* ---------------------------------------------------------------- result states */

static void
test_empty_result (void)
{
  g_autofree char *photo = pm_test_disk_photo_write (tmpdir, "empty.png", 128);
  g_autoptr(PmEngine) nothing = nothing_engine_new ();
  const PmImage *edited;
  PmRunEntry *first;
  GtkWidget *row;
  int before[3], after[3];
  const char *status;

  open_photo (photo);
  run ("segment the red disk");
  first = pm_document_get_current (doc ());
  edited = pm_window_get_edited (window);
  g_assert_nonnull (edited);
  pm_canvas_set_show_overlay (pm_window_get_canvas (window), FALSE);
  center_on_screen (before);

  /* Nothing found: no paint, the edit on screen stays, and the status line says so. */
  pm_window_set_engine (window, nothing);
  run ("paint the elephant purple");
  pm_window_set_engine (window, NULL);
  g_assert_true (pm_document_get_current (doc ()) == first);
  g_assert_true (pm_window_get_edited (window) == edited);
  center_on_screen (after);
  g_assert_cmpint (pm_rgb_distance (before, after), ==, 0);
  status = pm_window_get_status_text (window);
  g_assert_nonnull (status);
  g_test_message ("status: %s", status);
  g_assert_nonnull (strstr (status, "Nothing found for “paint the elephant purple”"));
  g_assert_nonnull (strstr (gtk_label_get_text (window->status_area), "Mask: 0 px"));

  /* The history row of each run shows its state, icon and text. */
  show_history ();
  row = run_row (first->run_id);
  g_assert_nonnull (row);
  g_assert_cmpint (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "pm-state")), ==,
                   PM_RESULT_FOUND);
  for (GtkWidget *c = gtk_widget_get_next_sibling (row); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    row = c;
  g_assert_cmpint (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "pm-state")), ==,
                   PM_RESULT_EMPTY);
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)),
                                   "Nothing found"));
}

/* ---------------------------------------------------------------- stacking */

static void
test_stacking (void)
{
  g_autofree char *photo = pm_test_disk_photo_write (tmpdir, "stack.png", 128);
  g_autofree char *base = g_path_get_basename (photo);
  g_autoptr(PmStore) store = NULL;
  g_autoptr(PmRunInfo) second = NULL, third = NULL;
  g_autoptr(GError) error = NULL;
  gint64 first_id, second_id, third_id;
  int c[3], first_edit[3];

  open_photo (photo);
  g_assert_cmpstr (adw_window_title_get_title (window->window_title), ==, base);
  run ("segment the red disk");
  first_id = pm_window_get_run_id (window);
  image_center (pm_window_get_edited (window), first_edit);

  /* The second instruction paints the result on screen; its mask is its own object. */
  run ("paint the disk green");
  second_id = pm_window_get_run_id (window);
  g_assert_cmpint (second_id, >, first_id);
  g_assert_cmpfloat (mask_iou_with_disk (pm_window_get_mask (window)), >, 0.85);
  store = pm_store_open (db, &error);
  g_assert_no_error (error);
  second = pm_store_get_run (store, second_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (second->parent_run_id, ==, first_id);

  /* "Start from the original" paints the photo itself. */
  gtk_toggle_button_set_active (window->original_button, TRUE);
  g_assert_true (pm_document_get_start_from_original (doc ()));
  run ("paint the disk blue");
  gtk_toggle_button_set_active (window->original_button, FALSE);
  third_id = pm_window_get_run_id (window);
  third = pm_store_get_run (store, third_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (third->parent_run_id, ==, 0);

  /* The entry, the selected row and the canvas follow undo and redo. */
  show_history ();
  g_assert_cmpint (selected_run (), ==, third_id);
  g_action_group_activate_action (G_ACTION_GROUP (window), "undo", NULL);
  wait_idle ();
  g_assert_cmpint (pm_window_get_run_id (window), ==, second_id);
  g_assert_cmpint (selected_run (), ==, second_id);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (window->instruction_entry)), ==,
                   "paint the disk green");
  g_action_group_activate_action (G_ACTION_GROUP (window), "undo", NULL);
  wait_idle ();
  g_assert_cmpint (selected_run (), ==, first_id);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (window->instruction_entry)), ==,
                   "segment the red disk");
  pm_canvas_set_show_overlay (pm_window_get_canvas (window), FALSE);
  center_on_screen (c);
  g_assert_cmpint (pm_rgb_distance (c, first_edit), <=, 6);
  g_action_group_activate_action (G_ACTION_GROUP (window), "redo", NULL);
  wait_idle ();
  g_assert_cmpint (selected_run (), ==, second_id);

  /* A restore selects its row too. */
  pm_window_restore_run (window, third_id);
  wait_idle ();
  g_assert_cmpint (pm_window_get_run_id (window), ==, third_id);
  g_assert_cmpint (selected_run (), ==, third_id);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (window->instruction_entry)), ==,
                   "paint the disk blue");
}

/* ---------------------------------------------------------------- deleting with Undo */

static void
test_delete_undo (void)
{
  g_autofree char *photo = pm_test_disk_photo_write (tmpdir, "delete.png", 100);
  g_autoptr(GError) error = NULL;
  GtkWidget *row, *button = NULL;
  AdwToast *toast;
  gint64 id;

  open_photo (photo);
  run ("segment the red disk");
  id = pm_window_get_run_id (window);
  show_history ();
  row = run_row (id);
  g_assert_nonnull (row);
  /* Tab goes from row to row: the trash button takes no focus. */
  for (GtkWidget *w = gtk_widget_get_first_child (row); w != NULL;)
    {
      if (GTK_IS_BUTTON (w) && row_id (w) == id)
        button = w;
      if (gtk_widget_get_first_child (w) != NULL)
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w != NULL && w != row && gtk_widget_get_next_sibling (w) == NULL)
            w = gtk_widget_get_parent (w);
          w = (w != NULL && w != row) ? gtk_widget_get_next_sibling (w) : NULL;
        }
    }
  g_assert_nonnull (button);
  g_assert_false (gtk_widget_get_focusable (button));
  g_assert_true (gtk_widget_get_focusable (row));

  /* Delete, then Undo in the toast: the run is back and still in the history. */
  g_signal_emit_by_name (button, "clicked");
  g_assert_false (gtk_widget_get_visible (row));
  toast = pm_history_panel_get_pending_toast (panel ());
  g_assert_nonnull (toast);
  g_assert_cmpstr (adw_toast_get_button_label (toast), ==, "_Undo");
  g_signal_emit_by_name (toast, "button-clicked");
  adw_toast_dismiss (toast);
  wait_idle ();
  g_assert_nonnull (run_row (id));
  g_assert_true (gtk_widget_get_visible (run_row (id)));
  g_assert_cmpint (pm_window_get_run_id (window), ==, id);
  {
    g_autoptr(PmStore) store = pm_store_open (db, &error);
    g_autoptr(PmRunInfo) info = NULL;

    g_assert_no_error (error);
    info = pm_store_get_run (store, id, &error);
    g_assert_no_error (error);
  }

  /* The session, deleted with its page's button and undone, stays too. */
  g_signal_emit_by_name (pm_history_panel_get_delete_session_button (panel ()), "clicked");
  g_assert_cmpint (pm_history_panel_get_session (panel ()), ==, 0);
  toast = pm_history_panel_get_pending_toast (panel ());
  g_assert_nonnull (toast);
  g_signal_emit_by_name (toast, "button-clicked");
  adw_toast_dismiss (toast);
  wait_idle ();
  g_assert_cmpint (pm_document_get_session_id (doc ()), >, 0);
  {
    g_autoptr(PmStore) store = pm_store_open (db, &error);
    g_autoptr(PmSessionInfo) info = NULL;

    g_assert_no_error (error);
    info = pm_store_get_session (store, pm_document_get_session_id (doc ()), &error);
    g_assert_no_error (error);
  }
}

/* ---------------------------------------------------------------- keys through X */

static gboolean
have_xdotool (void)
{
  g_autofree char *path = g_find_program_in_path ("xdotool");

  if (path != NULL && GDK_IS_X11_DISPLAY (gdk_display_get_default ()))
    return TRUE;
  pm_test_missing ("xdotool on an X11 display (build-aux/install-deps.sh --tests)");
  return FALSE;
}

static void
xdotool (const char *args)
{
  g_autofree char *cmd = g_strdup_printf ("xdotool %s", args);
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  pm_gui_iterate (150);
}

/* Moves the pointer over @widget's centre (keys go to the window under it) and clicks. */
static void
click_on (GtkWidget *widget)
{
  GdkSurface *surface = gtk_native_get_surface (gtk_widget_get_native (widget));
  graphene_rect_t r = pm_gui_bounds (widget, GTK_WIDGET (window));
  g_autofree char *args = g_strdup_printf ("mousemove --window %lu %d %d click 1",
                                           (unsigned long) gdk_x11_surface_get_xid (surface),
                                           (int) (r.origin.x + r.size.width / 2),
                                           (int) (r.origin.y + r.size.height / 2));

  xdotool (args);
}

static void
test_focus_keys (void)
{
  g_autofree char *photo = pm_test_disk_photo_write (tmpdir, "keys.png", 128);
  PmCanvas *canvas = pm_window_get_canvas (window);
  GtkEditable *entry = GTK_EDITABLE (window->instruction_entry);
  gboolean overlay;
  int position;

  if (!have_xdotool ())
    return;
  open_photo (photo);
  run ("segment the red disk");
  run ("paint the disk green");
  position = pm_document_get_position (doc ());

  /* A click on the canvas gives it the focus; M there toggles the overlay. */
  click_on (GTK_WIDGET (canvas));
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (canvas)));
  overlay = pm_canvas_get_show_overlay (canvas);
  xdotool ("key m");
  g_assert_true (pm_canvas_get_show_overlay (canvas) == !overlay);
  xdotool ("key m");
  g_assert_true (pm_canvas_get_show_overlay (canvas) == overlay);

  /* In the entry, M is a letter and Ctrl+Z undoes typing, not runs. */
  click_on (GTK_WIDGET (window->instruction_entry));
  gtk_editable_set_text (entry, "");
  xdotool ("type --delay 20 mm");
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "mm");
  g_assert_true (pm_canvas_get_show_overlay (canvas) == overlay);
  xdotool ("key ctrl+z");
  g_assert_cmpstr (gtk_editable_get_text (entry), !=, "mm");
  g_assert_cmpint (pm_document_get_position (doc ()), ==, position);

  /* Esc hands the focus to the canvas; there Ctrl+Z undoes the run and Ctrl+Shift+Z
   * redoes it. */
  xdotool ("key Escape");
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (canvas)));
  xdotool ("key ctrl+z");
  wait_idle ();
  g_assert_cmpint (pm_document_get_position (doc ()), ==, position - 1);
  xdotool ("key ctrl+shift+z");
  wait_idle ();
  g_assert_cmpint (pm_document_get_position (doc ()), ==, position);
}

/* ---------------------------------------------------------------- closing after a run */

static void
test_close_after_run (void)
{
  g_autofree char *photo = g_build_filename (tmpdir, "large.png", NULL);
  g_autoptr(PmImage) image = pm_image_new (3000, 2000);
  g_autoptr(GFile) file = g_file_new_for_path (photo);
  g_autoptr(GError) error = NULL;
  PmWindow *other = pm_window_new (app);
  g_autoptr(PmDocument) document = g_object_ref (pm_window_get_document (other));
  GtkWindow *weak = GTK_WINDOW (other);
  gint64 run_id;

  for (gsize i = 0; i < (gsize) 3000 * 2000; i++)
    {
      guint8 *p = image->data + i * 4;
      gboolean disk = (i % 3000 - 1500.0) * (i % 3000 - 1500.0) +
                      (i / 3000 - 1000.0) * (i / 3000 - 1000.0) < 500.0 * 500.0;
      p[0] = disk ? 210 : (guint8) (i % 3000 / 20);
      p[1] = disk ? 30 : 120;
      p[2] = disk ? 30 : 110;
      p[3] = 255;
    }
  g_assert_true (pm_image_save_png (image, photo, &error));
  g_object_add_weak_pointer (G_OBJECT (other), (gpointer *) &weak);
  gtk_window_present (GTK_WINDOW (other));
  pm_window_open_file (other, file);
  wait_idle_for (other);
  pm_window_run (other, "segment the red disk");
  while (pm_document_get_running (document))
    pm_gui_iterate (10);

  /* Closed as soon as the run ends: the window waits for the history, then goes. */
  g_assert_true (pm_document_get_saving (document));
  gtk_window_close (GTK_WINDOW (other));
  pm_gui_iterate (50);
  if (weak != NULL)
    g_assert_true (gtk_widget_get_visible (GTK_WIDGET (weak)));
  while (pm_document_get_saving (document))
    pm_gui_iterate (20);
  pm_gui_iterate (100);
  g_assert_null (weak);
  run_id = pm_document_get_run_id (document);
  g_assert_cmpint (run_id, >, 0);
  {
    g_autoptr(PmStore) store = pm_store_open (db, &error);
    g_autoptr(PmMask) mask = NULL;

    g_assert_no_error (error);
    mask = pm_store_get_run_mask (store, run_id, &error);
    g_assert_no_error (error);
    g_assert_cmpint (mask->width, ==, 3000);
  }
}

/* ---------------------------------------------------------------- a file that fails */

static void
test_open_error_here (void)
{
  g_autofree char *photo = pm_test_disk_photo_write (tmpdir, "shown.png", 128);
  g_autofree char *bad = g_build_filename (tmpdir, "broken.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (bad);
  GList *windows;
  guint before;

  open_photo (photo);
  g_assert_true (g_file_set_contents (bad, "\x89PNG\r\n\x1a\n not a picture", -1, NULL));
  gtk_window_present (GTK_WINDOW (window));
  pm_gui_iterate (50);
  before = g_list_length (gtk_application_get_windows (GTK_APPLICATION (app)));
  g_application_open (G_APPLICATION (app), &file, 1, "");
  wait_idle ();
  pm_gui_iterate (300);
  windows = gtk_application_get_windows (GTK_APPLICATION (app));
  /* No new (empty) window: the error is in the window on screen, which keeps its photo. */
  g_assert_cmpuint (g_list_length (windows), ==, before);
  g_assert_nonnull (pm_window_get_last_error (window));
  g_assert_nonnull (strstr (pm_window_get_last_error (window), "broken.png"));
  g_assert_nonnull (pm_window_get_image (window));
  pm_window_clear_last_error (window);
}

/* ---------------------------------------------------------------- the shortcuts window */

static void
collect_accels (GtkWidget  *widget,
                GHashTable *listed)
{
  if (GTK_IS_SHORTCUTS_SHORTCUT (widget))
    {
      g_autofree char *accel = NULL;

      g_object_get (widget, "accelerator", &accel, NULL);
      if (accel != NULL)
        {
          g_auto(GStrv) each = g_strsplit (accel, " ", -1);
          for (guint i = 0; each[i] != NULL; i++)
            {
              guint key;
              GdkModifierType mods;

              if (gtk_accelerator_parse (each[i], &key, &mods))
                g_hash_table_add (listed, gtk_accelerator_name (key, mods));
            }
        }
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    collect_accels (c, listed);
}

static void
assert_listed (GHashTable *listed,
               const char *accel)
{
  guint key;
  GdkModifierType mods;
  g_autofree char *name = NULL;

  g_assert_true (gtk_accelerator_parse (accel, &key, &mods));
  name = gtk_accelerator_name (key, mods);
  if (!g_hash_table_contains (listed, name))
    g_error ("the shortcuts window does not list %s", accel);
}

static void
test_shortcuts_listed (void)
{
  g_autoptr(GtkBuilder) builder =
    gtk_builder_new_from_resource ("/io/github/paintmask/Paintmask/gtk/help-overlay.ui");
  GtkWidget *overlay = GTK_WIDGET (gtk_builder_get_object (builder, "help_overlay"));
  g_autoptr(GHashTable) listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) actions = gtk_application_list_action_descriptions (GTK_APPLICATION (app));
  static const char * const window_keys[] = {
    "<Control>z", "<Control><Shift>z", "<Control>y", "m", "backslash", "plus", "minus",
    "Return",
  };
  guint n = 0;

  collect_accels (overlay, listed);
  /* Every accelerator the application sets … */
  for (guint i = 0; actions[i] != NULL; i++)
    {
      g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                     actions[i]);
      for (guint j = 0; accels[j] != NULL; j++, n++)
        assert_listed (listed, accels[j]);
    }
  g_assert_cmpuint (n, >=, 17);
  /* … and the window's own keys. */
  for (guint i = 0; i < G_N_ELEMENTS (window_keys); i++)
    assert_listed (listed, window_keys[i]);
  gtk_window_destroy (GTK_WINDOW (overlay));
}

/* ---------------------------------------------------------------- main */

int
main (int    argc,
      char **argv)
{
  int ret;

  tmpdir = pm_test_tmpdir ();
  g_setenv ("XDG_DATA_HOME", tmpdir, TRUE);
  db = g_build_filename (tmpdir, "history.sqlite3", NULL);
  g_setenv ("PAINTMASK_DB", db, TRUE);

  g_test_init (&argc, &argv, NULL);
  gtk_disable_setlocale ();
  if (!pm_gui_test_init_display (&ret))
    return ret;
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  window = pm_gui_test_window_new (&app, db, 1000, 700);
  pm_gui_iterate (200);

  g_test_add_func ("/app/flow/empty-result", test_empty_result);
  g_test_add_func ("/app/flow/stacking", test_stacking);
  g_test_add_func ("/app/flow/delete-undo", test_delete_undo);
  g_test_add_func ("/app/flow/focus-keys", test_focus_keys);
  g_test_add_func ("/app/flow/close-after-run", test_close_after_run);
  g_test_add_func ("/app/flow/open-error-here", test_open_error_here);
  g_test_add_func ("/app/flow/shortcuts-listed", test_shortcuts_listed);
  ret = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  pm_gui_iterate (100);
  g_object_unref (app);
  pm_test_rmdir (tmpdir);
  g_free (tmpdir);
  g_free (db);
  return ret;
}
