/* pm-window-actions.c: PmWindow's actions, keys and focus.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Keys: single-key shortcuts (M, \, +, -) act when the focus is not in a text field; a
 * click on the canvas gives it the focus, and Esc in the instruction entry hands the focus
 * to the canvas (or cancels a run in progress). Undo and redo are bubble-phase shortcuts of
 * the window, not application accelerators: in the entry, Ctrl+Z undoes typing (the entry
 * handles it first); elsewhere it undoes runs and corrections.
 */
#define G_LOG_DOMAIN "pm-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-window-private.h"

/* ---------------------------------------------------------------- helpers */

static void
set_action_enabled (PmWindow   *self,
                    const char *name,
                    gboolean    enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  if (action != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

void
pm_window_update_actions (PmWindow *self)
{
  PmDocument *doc = self->document;
  gboolean photo, result;
  PmRunEntry *entry;

  if (doc == NULL)
    return;
  photo = pm_document_get_photo (doc) != NULL;
  entry = pm_document_get_current (doc);
  result = entry != NULL && pm_run_entry_is_loaded (entry);
  set_action_enabled (self, "run", photo);
  set_action_enabled (self, "cancel", pm_document_get_running (doc));
  set_action_enabled (self, "undo", photo && pm_document_get_can_undo (doc));
  set_action_enabled (self, "redo", photo && pm_document_get_can_redo (doc));
  set_action_enabled (self, "export", result);
  /* Enabled with a photo: when there is nothing to export yet, it says why. */
  set_action_enabled (self, "export-session", photo);
  set_action_enabled (self, "import-edited", photo);
  set_action_enabled (self, "overlay", photo);
  set_action_enabled (self, "zoom-fit", photo);
  set_action_enabled (self, "zoom-100", photo);
  set_action_enabled (self, "zoom-in", photo);
  set_action_enabled (self, "zoom-out", photo);
  gtk_widget_set_sensitive (GTK_WIDGET (self->compare_button), result);
}

static gboolean
focus_in_text (PmWindow *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  return focus != NULL && (GTK_IS_EDITABLE (focus) || GTK_IS_TEXT (focus));
}

/**
 * pm_window_focus_canvas:
 *
 * Gives the keyboard focus to the canvas (when a photo is shown).
 */
void
pm_window_focus_canvas (PmWindow *self)
{
  if (pm_document_get_photo (self->document) != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
}

/* ---------------------------------------------------------------- run, undo */

static void
run_action (GSimpleAction *action,
            GVariant      *param,
            gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);

  pm_window_run (self, gtk_editable_get_text (GTK_EDITABLE (self->instruction_entry)));
}

static void
cancel_action (GSimpleAction *action,
               GVariant      *param,
               gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);

  if (pm_document_get_running (self->document))
    {
      pm_document_cancel_run (self->document);
      pm_window_toast (self, _("Run cancelled"));
    }
}

static void
undo_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  pm_document_undo (PM_WINDOW (user_data)->document);
}

static void
redo_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  pm_document_redo (PM_WINDOW (user_data)->document);
}

static void
focus_instruction_action (GSimpleAction *action,
                          GVariant      *param,
                          gpointer       user_data)
{
  gtk_widget_grab_focus (GTK_WIDGET (PM_WINDOW (user_data)->instruction_entry));
}

/* ---------------------------------------------------------------- zoom */

static void
update_zoom_label (PmWindow *self)
{
  g_autofree char *label = g_strdup_printf ("%.0f %%", pm_canvas_get_zoom (self->canvas) * 100);

  gtk_menu_button_set_label (self->zoom_button, label);
}

static void
zoom_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);
  double zoom = pm_canvas_get_zoom (self->canvas);
  const char *name = g_action_get_name (G_ACTION (action));

  if (g_str_equal (name, "zoom-fit"))
    pm_canvas_zoom_fit (self->canvas);
  else if (g_str_equal (name, "zoom-100"))
    pm_canvas_set_zoom (self->canvas, 1.0);
  else if (g_str_equal (name, "zoom-in"))
    pm_canvas_set_zoom (self->canvas, zoom * 1.25);
  else
    pm_canvas_set_zoom (self->canvas, zoom / 1.25);
}

/* ---------------------------------------------------------------- keys, compare */

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                PmWindow              *self)
{
  if (focus_in_text (self) || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)))
    return FALSE;

  switch (keyval)
    {
    case GDK_KEY_m:
    case GDK_KEY_M:
      gtk_widget_activate_action (GTK_WIDGET (self), "win.overlay", NULL);
      return TRUE;
    case GDK_KEY_backslash:
      pm_canvas_set_show_original (self->canvas, TRUE);
      return TRUE;
    case GDK_KEY_plus:
    case GDK_KEY_equal:
    case GDK_KEY_KP_Add:
      gtk_widget_activate_action (GTK_WIDGET (self), "win.zoom-in", NULL);
      return TRUE;
    case GDK_KEY_minus:
    case GDK_KEY_KP_Subtract:
      gtk_widget_activate_action (GTK_WIDGET (self), "win.zoom-out", NULL);
      return TRUE;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
      gtk_widget_activate_action (GTK_WIDGET (self), "win.run", NULL);
      return TRUE;
    default:
      return FALSE;
    }
}

static void
key_released_cb (GtkEventControllerKey *controller,
                 guint                  keyval,
                 guint                  keycode,
                 GdkModifierType        state,
                 PmWindow              *self)
{
  if (keyval == GDK_KEY_backslash)
    pm_canvas_set_show_original (self->canvas, FALSE);
}

/* Esc in the entry: cancels a run in progress, else gives the canvas the focus. */
static gboolean
entry_key_pressed_cb (GtkEventControllerKey *controller,
                      guint                  keyval,
                      guint                  keycode,
                      GdkModifierType        state,
                      PmWindow              *self)
{
  if (keyval != GDK_KEY_Escape || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)))
    return FALSE;
  if (pm_document_get_running (self->document))
    return FALSE;  /* the win.cancel accelerator */
  pm_window_focus_canvas (self);
  return TRUE;
}

static void
canvas_pressed_cb (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   PmWindow        *self)
{
  pm_window_focus_canvas (self);
}

static void
compare_pressed_cb (GtkGestureClick *gesture,
                    int              n_press,
                    double           x,
                    double           y,
                    PmWindow        *self)
{
  pm_canvas_set_show_original (self->canvas, TRUE);
}

static void
compare_released_cb (GtkGestureClick *gesture,
                     int              n_press,
                     double           x,
                     double           y,
                     PmWindow        *self)
{
  pm_canvas_set_show_original (self->canvas, FALSE);
}

static void
compare_cancel_cb (GtkGesture       *gesture,
                   GdkEventSequence *sequence,
                   PmWindow         *self)
{
  pm_canvas_set_show_original (self->canvas, FALSE);
}

/* The pointer left the button while held: no "released" follows, so end the compare here
 * (else the original would stick on screen). */
static void
compare_stopped_cb (GtkGestureClick *gesture,
                    PmWindow        *self)
{
  pm_canvas_set_show_original (self->canvas, FALSE);
}

/* ---------------------------------------------------------------- stateful actions */

static void
overlay_state_cb (PmWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "overlay");

  g_simple_action_set_state (G_SIMPLE_ACTION (action),
                             g_variant_new_boolean (pm_canvas_get_show_overlay (self->canvas)));
}

static void
toggle_overlay (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  PmWindow *self = user_data;
  gboolean show = !pm_canvas_get_show_overlay (self->canvas);

  pm_canvas_set_show_overlay (self->canvas, show);
  g_settings_set_boolean (self->settings, "show-overlay", show);
}

static void
toggle_history (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  PmWindow *self = user_data;
  gboolean show = !adw_flap_get_reveal_flap (self->flap);

  adw_flap_set_reveal_flap (self->flap, show);
  g_simple_action_set_state (action, g_variant_new_boolean (show));
  g_settings_set_boolean (self->settings, "show-history", show);
  pm_history_panel_set_active (self->history_panel, show);
}

static const GActionEntry window_actions[] = {
  { "open", pm_window_open_action },
  { "open-recent", pm_window_open_recent_action, "s" },
  { "paste", pm_window_paste_action },
  { "run", run_action },
  { "cancel", cancel_action },
  { "undo", undo_action },
  { "redo", redo_action },
  { "zoom-fit", zoom_action },
  { "zoom-100", zoom_action },
  { "zoom-in", zoom_action },
  { "zoom-out", zoom_action },
  { "export", pm_window_export_action },
  { "export-session", pm_window_export_session_action },
  { "import-edited", pm_window_import_edited_action },
  { "focus-instruction", focus_instruction_action },
  { "overlay", toggle_overlay, NULL, "false" },
  { "show-history", toggle_history, NULL, "false" },
};

/* ---------------------------------------------------------------- closing */

static void
saved_cb (PmWindow *self)
{
  if (self->closing && !pm_document_get_saving (self->document))
    gtk_window_destroy (GTK_WINDOW (self));
}

/* Keeps the window until the history has what the user saw (a run just finished). */
static gboolean
close_request_cb (PmWindow *self)
{
  int width, height;

  if (self->closing)
    return TRUE;
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  pm_document_cancel_run (self->document);
  pm_document_commit_correction (self->document);
  if (!pm_document_get_saving (self->document))
    return FALSE;
  self->closing = TRUE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->flap), FALSE);
  pm_window_toast (self, _("Saving to the history…"));
  g_signal_connect_object (self->document, "notify::saving", G_CALLBACK (saved_cb), self,
                           G_CONNECT_SWAPPED);
  return TRUE;
}

/* ---------------------------------------------------------------- setup */

static void
add_shortcut (GtkShortcutController *controller,
              const char            *trigger,
              const char            *action)
{
  GtkShortcutTrigger *parsed = gtk_shortcut_trigger_parse_string (trigger);

  gtk_shortcut_controller_add_shortcut (controller,
                                        gtk_shortcut_new (parsed, gtk_named_action_new (action)));
}

static void
init_keys (PmWindow *self)
{
  GtkEventController *controller;
  GtkGesture *gesture;

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  g_signal_connect (controller, "key-released", G_CALLBACK (key_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  /* Bubble phase: the focused entry's own Ctrl+Z (undo typing) comes first. */
  controller = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_BUBBLE);
  add_shortcut (GTK_SHORTCUT_CONTROLLER (controller), "<Control>z", "win.undo");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (controller), "<Control><Shift>z", "win.redo");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (controller), "<Control>y", "win.redo");
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "key-pressed", G_CALLBACK (entry_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->instruction_entry), controller);

  gesture = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), 0);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (gesture), GTK_PHASE_CAPTURE);
  g_signal_connect (gesture, "pressed", G_CALLBACK (canvas_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->canvas), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_click_new ();
  g_signal_connect (gesture, "pressed", G_CALLBACK (compare_pressed_cb), self);
  g_signal_connect (gesture, "released", G_CALLBACK (compare_released_cb), self);
  g_signal_connect (gesture, "cancel", G_CALLBACK (compare_cancel_cb), self);
  g_signal_connect (gesture, "stopped", G_CALLBACK (compare_stopped_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->compare_button), GTK_EVENT_CONTROLLER (gesture));
}

void
pm_window_init_actions (PmWindow *self)
{
  /* GActionMap actions (not class actions) so that they can be disabled. */
  g_action_map_add_action_entries (G_ACTION_MAP (self), window_actions,
                                   G_N_ELEMENTS (window_actions), self);
  init_keys (self);

  g_signal_connect_object (self->canvas, "notify::show-overlay",
                           G_CALLBACK (overlay_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->canvas, "notify::zoom",
                           G_CALLBACK (update_zoom_label), self, G_CONNECT_SWAPPED);
  g_signal_connect (self, "close-request", G_CALLBACK (close_request_cb), NULL);

  pm_canvas_set_show_overlay (self->canvas,
                              g_settings_get_boolean (self->settings, "show-overlay"));
  if (g_settings_get_boolean (self->settings, "show-history"))
    g_action_group_activate_action (G_ACTION_GROUP (self), "show-history", NULL);
  update_zoom_label (self);
  pm_window_update_actions (self);
}

void
pm_window_dispose_actions (PmWindow *self)
{
  if (self->dialog != NULL)
    gtk_native_dialog_destroy (self->dialog);
  g_clear_object (&self->dialog);
}
