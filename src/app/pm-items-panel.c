/* pm-items-panel.c: the objects of a run of several, listed beside the canvas.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One row per object: a swatch of the colour it was painted, its number (its label in the
 * label map) and name, and its colour, state and size in words. Picking a row selects the
 * object (PmRunItems:selected); picking it again selects none. Hidden while the run on
 * screen painted one object.
 */
#define G_LOG_DOMAIN "pm-items-panel"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-items-panel.h"

struct _PmItemsPanel
{
  GtkWidget   parent_instance;

  PmRunItems *items;     /* owned */
  GtkWidget  *box;       /* the card: a title and the list */
  GtkListBox *list;
  gboolean    syncing;
};

G_DEFINE_FINAL_TYPE (PmItemsPanel, pm_items_panel, GTK_TYPE_WIDGET)

static void
draw_swatch (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        data)
{
  const PmRgb *c = data;
  double r = MIN (width, height) / 2.0;

  cairo_arc (cr, width / 2.0, height / 2.0, r - 1, 0, 2 * G_PI);
  cairo_set_source_rgb (cr, c->r, c->g, c->b);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.5);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

static const char *
state_words (PmResultState state)
{
  switch (state)
    {
    case PM_RESULT_FOUND: return _("found");
    case PM_RESULT_GUESS: return _("a guess");
    case PM_RESULT_EMPTY: return _("not found");
    case PM_RESULT_FAILED:
    default: return _("failed");
    }
}

static GtkWidget *
make_row (const PmRunItem *item,
          guint            index)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *swatch = gtk_drawing_area_new ();
  g_autofree char *title = g_strdup_printf ("%u  %s", index + 1,
                                            item->target[0] != '\0' ? item->target
                                                                    : _("(object)"));
  g_autofree char *pixels = g_strdup_printf ("%" G_GINT64_FORMAT, item->pixels);
  /* Translators: the object's colour name, its state ("found", "a guess") and its size. */
  g_autofree char *details = g_strdup_printf (ngettext ("%s · %s · %s px",
                                                        "%s · %s · %s px",
                                                        (gulong) item->pixels),
                                              item->color_name != NULL ? item->color_name : "",
                                              state_words (item->state), pixels);
  GtkWidget *label = gtk_label_new (title);
  GtkWidget *sub = gtk_label_new (details);

  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (swatch), 16);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (swatch), 16);
  gtk_widget_set_valign (swatch, GTK_ALIGN_CENTER);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (swatch), draw_swatch,
                                  g_memdup2 (&item->color, sizeof item->color), g_free);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_xalign (GTK_LABEL (sub), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 24);
  gtk_widget_add_css_class (sub, "dim-label");
  gtk_widget_add_css_class (sub, "caption");
  gtk_box_append (GTK_BOX (text), label);
  gtk_box_append (GTK_BOX (text), sub);
  gtk_box_append (GTK_BOX (row), swatch);
  gtk_box_append (GTK_BOX (row), text);
  gtk_widget_set_margin_top (row, 4);
  gtk_widget_set_margin_bottom (row, 4);
  gtk_widget_set_margin_start (row, 6);
  gtk_widget_set_margin_end (row, 6);
  return row;
}

static void
selected_cb (PmItemsPanel *self)
{
  int selected = pm_run_items_get_selected (self->items);
  GtkListBoxRow *row = selected >= 0 ? gtk_list_box_get_row_at_index (self->list, selected)
                                     : NULL;

  self->syncing = TRUE;
  if (row != NULL)
    gtk_list_box_select_row (self->list, row);
  else
    gtk_list_box_unselect_all (self->list);
  self->syncing = FALSE;
}

static void
rebuild (PmItemsPanel *self)
{
  guint n = pm_run_items_get_n_items (self->items);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  for (guint i = 0; i < n; i++)
    gtk_list_box_append (self->list, make_row (pm_run_items_get_item (self->items, i), i));
  gtk_widget_set_visible (GTK_WIDGET (self), n >= 2);
  selected_cb (self);
}

/* A click on the selected row selects none. */
static void
row_activated_cb (GtkListBox    *list,
                  GtkListBoxRow *row,
                  PmItemsPanel  *self)
{
  int index = gtk_list_box_row_get_index (row);

  pm_run_items_set_selected (self->items,
                             pm_run_items_get_selected (self->items) == index ? -1 : index);
}

GtkWidget *
pm_items_panel_new (PmRunItems *items)
{
  PmItemsPanel *self;

  g_return_val_if_fail (PM_IS_RUN_ITEMS (items), NULL);
  self = g_object_new (PM_TYPE_ITEMS_PANEL, NULL);
  self->items = g_object_ref (items);
  g_signal_connect_object (items, "changed", G_CALLBACK (rebuild), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (items, "notify::selected", G_CALLBACK (selected_cb), self,
                           G_CONNECT_SWAPPED);
  rebuild (self);
  return GTK_WIDGET (self);
}

static void
pm_items_panel_dispose (GObject *object)
{
  PmItemsPanel *self = PM_ITEMS_PANEL (object);

  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_object (&self->items);
  G_OBJECT_CLASS (pm_items_panel_parent_class)->dispose (object);
}

static void
pm_items_panel_class_init (PmItemsPanelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = pm_items_panel_dispose;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "pm-items-panel");
}

static void
pm_items_panel_init (PmItemsPanel *self)
{
  GtkWidget *title = gtk_label_new (_("Objects"));

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_add_css_class (self->box, "osd");
  gtk_widget_add_css_class (self->box, "pm-items-card");
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "heading");
  gtk_widget_set_margin_start (title, 8);
  gtk_widget_set_margin_top (title, 6);
  gtk_box_append (GTK_BOX (self->box), title);
  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_SINGLE);
  gtk_list_box_set_activate_on_single_click (self->list, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "navigation-sidebar");
  g_signal_connect (self->list, "row-activated", G_CALLBACK (row_activated_cb), self);
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->list));
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}
