/* pm-window-tools.c: PmWindow's mask correction tools: the tool bar's actions, the mask menu,
 * the mask views, the canvas's single-key shortcuts and the pointer line of the status bar.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The tools themselves are a PmMaskTools (pm-mask-tools.c) between the canvas and the
 * document; this file gives them actions: win.tool (none, brush, eraser, lasso, box, click),
 * win.mask-op ("fill-holes", "grow", …), win.split and win.compare-masks; the mask views
 * (overlay, contour only, black and white) are the overlay-style setting's action
 * (pm-window-view.c). The single keys (B, E, L, R, C, [ ], { } in the canvas; H, D, G, S,
 * I, Delete, O, K, W, V, X here) only work while the canvas has the focus, so they never
 * eat a letter typed into the instruction.
 */
#define G_LOG_DOMAIN "pm-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-window-private.h"

/* Grow and shrink steps of the menu and the G and S keys, in pixels. */
#define GROW_STEP 2

static const char * const tool_names[] = {
  [PM_CANVAS_TOOL_NONE] = "none",
  [PM_CANVAS_TOOL_BRUSH] = "brush",
  [PM_CANVAS_TOOL_ERASER] = "eraser",
  [PM_CANVAS_TOOL_LASSO] = "lasso",
  [PM_CANVAS_TOOL_BOX] = "box",
  [PM_CANVAS_TOOL_CLICK] = "click",
};

static int
index_of (const char * const *names,
          guint               n,
          const char         *name)
{
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (names[i], name) == 0)
      return (int) i;
  return -1;
}

/* ---------------------------------------------------------------- actions */

static void
tool_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  PmWindow *self = user_data;
  int tool = index_of (tool_names, G_N_ELEMENTS (tool_names), g_variant_get_string (param, NULL));

  if (tool < 0)
    return;
  pm_canvas_set_tool (self->canvas, tool);
  pm_window_focus_canvas (self);
}

static void
tool_changed_cb (PmWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "tool");

  g_simple_action_set_state (G_SIMPLE_ACTION (action),
                             g_variant_new_string (tool_names[pm_canvas_get_tool (self->canvas)]));
}

/* "fill-holes", "remove-islands", "grow", "shrink", "invert", "clear". */
static void
mask_op_action (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  PmWindow *self = user_data;
  const char *name = g_variant_get_string (param, NULL);
  const PmImage *image = pm_document_get_image (self->document);
  static const struct { const char *name; PmMaskOpKind kind; } ops[] = {
    { "fill-holes", PM_MASK_OP_FILL_HOLES }, { "remove-islands", PM_MASK_OP_REMOVE_ISLANDS },
    { "grow", PM_MASK_OP_GROW }, { "shrink", PM_MASK_OP_SHRINK },
    { "invert", PM_MASK_OP_INVERT }, { "clear", PM_MASK_OP_CLEAR },
  };

  if (image == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    if (g_strcmp0 (name, ops[i].name) == 0)
      {
        /* Islands: smaller than 1/2000 of the photo (at least 16 px). */
        int amount = ops[i].kind == PM_MASK_OP_REMOVE_ISLANDS
                       ? (int) MAX (16, (gint64) image->width * image->height / 2000)
                       : GROW_STEP;

        pm_mask_tools_apply_op (self->tools, ops[i].kind, amount);
        pm_canvas_set_show_overlay (self->canvas, TRUE);
        return;
      }
}

static void
split_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  PmWindow *self = user_data;
  gboolean split = !pm_canvas_get_split (self->canvas);

  pm_canvas_set_split (self->canvas, split);
  g_simple_action_set_state (action, g_variant_new_boolean (split));
}

static void
compare_masks_action (GSimpleAction *action,
                      GVariant      *param,
                      gpointer       user_data)
{
  PmWindow *self = user_data;
  gboolean compare = !pm_mask_tools_get_compare (self->tools);

  pm_mask_tools_set_compare (self->tools, compare);
  g_simple_action_set_state (action, g_variant_new_boolean (compare));
}

static const GActionEntry tool_actions[] = {
  { "tool", tool_action, "s", "'none'" },
  { "mask-op", mask_op_action, "s" },
  { "split", split_action, NULL, "false" },
  { "compare-masks", compare_masks_action, NULL, "false" },
};

void
pm_window_update_tool_actions (PmWindow *self,
                               gboolean  result)
{
  const char * const names[] = { "tool", "mask-op", "split", "compare-masks" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), names[i]);
      if (action != NULL)
        g_simple_action_set_enabled (G_SIMPLE_ACTION (action), result);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->tools_bar), result);
  if (!result && self->canvas != NULL)
    pm_canvas_set_tool (self->canvas, PM_CANVAS_TOOL_NONE);
}

/* ---------------------------------------------------------------- the canvas */

/**
 * pm_window_mask_changed:
 * @rect: where the mask on screen (and so the edit) changed
 *
 * Redraws that rectangle of the result from the document: its mask and its shown edit.
 *
 * Returns: FALSE when the canvas could not take it (its result is still being prepared)
 */
gboolean
pm_window_mask_changed (PmWindow     *self,
                        const PmRect *rect)
{
  return pm_canvas_update_result_rect (self->canvas,
                                       pm_document_get_shown_edit (self->document),
                                       pm_document_get_shown_mask (self->document), rect);
}

static void
add_key (GtkShortcutController *controller,
         guint                  keyval,
         GdkModifierType        modifiers,
         const char            *action,
         const char            *target)
{
  GtkShortcutAction *named = gtk_named_action_new (action);
  GtkShortcut *shortcut = gtk_shortcut_new (gtk_keyval_trigger_new (keyval, modifiers), named);

  if (target != NULL)
    gtk_shortcut_set_arguments (shortcut, g_variant_new_string (target));
  gtk_shortcut_controller_add_shortcut (controller, shortcut);
}

/* Single keys on the canvas only (a local controller): the entry keeps its letters. */
static void
init_canvas_keys (PmWindow *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();
  GtkShortcutController *keys = GTK_SHORTCUT_CONTROLLER (controller);

  add_key (keys, GDK_KEY_h, 0, "win.mask-op", "fill-holes");
  add_key (keys, GDK_KEY_d, 0, "win.mask-op", "remove-islands");
  add_key (keys, GDK_KEY_g, 0, "win.mask-op", "grow");
  add_key (keys, GDK_KEY_s, 0, "win.mask-op", "shrink");
  add_key (keys, GDK_KEY_i, 0, "win.mask-op", "invert");
  add_key (keys, GDK_KEY_Delete, 0, "win.mask-op", "clear");
  add_key (keys, GDK_KEY_o, 0, "win.overlay-style", "fill");
  add_key (keys, GDK_KEY_k, 0, "win.overlay-style", "outline");
  add_key (keys, GDK_KEY_w, 0, "win.overlay-style", "mask");
  add_key (keys, GDK_KEY_v, 0, "win.split", NULL);
  add_key (keys, GDK_KEY_x, 0, "win.compare-masks", NULL);
  gtk_widget_add_controller (GTK_WIDGET (self->canvas), controller);
}

/* The pointer line keeps its width, so that moving on and off the photo never reflows the
 * status line (and moves the canvas under the pointer). */
static void
status_changed_cb (PmWindow *self)
{
  const char *compare = pm_mask_tools_get_compare_status (self->tools);

  gtk_label_set_text (self->pointer_label, pm_mask_tools_get_pointer_status (self->tools));
  gtk_label_set_text (self->compare_label, compare);
  gtk_widget_set_visible (GTK_WIDGET (self->compare_label), *compare != '\0');
}

/* Picking a mask view (O, K, W or the menus) shows the mask in it. */
static void
overlay_style_changed_cb (PmWindow *self)
{
  if (pm_window_has_image (self))
    pm_canvas_set_show_overlay (self->canvas, TRUE);
}

static void
tools_message_cb (PmWindow   *self,
                  const char *text)
{
  pm_window_show_error (self, text);
}

void
pm_window_init_tools (PmWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), tool_actions,
                                   G_N_ELEMENTS (tool_actions), self);
  self->tools = pm_mask_tools_new (self->canvas, self->document);
  g_signal_connect_object (self->tools, "notify::pointer-status",
                           G_CALLBACK (status_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->tools, "notify::compare-status",
                           G_CALLBACK (status_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->tools, "message", G_CALLBACK (tools_message_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->canvas, "notify::tool", G_CALLBACK (tool_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::overlay-style",
                           G_CALLBACK (overlay_style_changed_cb), self, G_CONNECT_SWAPPED);
  g_object_bind_property (self->canvas, "brush-radius", self->brush_size_adjustment, "value",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  init_canvas_keys (self);
  status_changed_cb (self);
}

void
pm_window_dispose_tools (PmWindow *self)
{
  if (self->tools != NULL)
    pm_mask_tools_detach (self->tools);
  g_clear_object (&self->tools);
}

/**
 * pm_window_get_tools:
 *
 * Returns: (transfer none): the mask correction tools (for tests)
 */
PmMaskTools *
pm_window_get_tools (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), NULL);
  return self->tools;
}
