/* pm-bar-layout.c: a row layout that keeps its expanding child (the instruction entry) at a
 * usable width and lets an AdwSqueezer child give way first.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GtkBox hands out space beyond the minimums in proportion to how far each child is from
 * its natural size; an entry with a long placeholder has a large natural width, so the box
 * squeezes the opacity slider into its menu form long before the entry gets cramped. Here
 * the order is explicit: fixed children get their natural width, the squeezer gets its
 * natural (wide) width only if the expanding child still gets at least its minimum, and the
 * expanding child gets the rest.
 */
#define G_LOG_DOMAIN "pm-bar-layout"

#include "config.h"

#include <adwaita.h>

#include "pm-bar-layout.h"

#define SPACING 6

struct _PmBarLayout
{
  GtkLayoutManager parent_instance;
};

G_DEFINE_FINAL_TYPE (PmBarLayout, pm_bar_layout, GTK_TYPE_LAYOUT_MANAGER)

static void
pm_bar_layout_measure (GtkLayoutManager *manager,
                       GtkWidget        *widget,
                       GtkOrientation    orientation,
                       int               for_size,
                       int              *minimum,
                       int              *natural,
                       int              *minimum_baseline,
                       int              *natural_baseline)
{
  int min = 0, nat = 0, n = 0;

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      int cmin, cnat;

      if (!gtk_widget_should_layout (c))
        continue;
      gtk_widget_measure (c, orientation, -1, &cmin, &cnat, NULL, NULL);
      if (orientation == GTK_ORIENTATION_HORIZONTAL)
        {
          min += cmin;
          nat += cnat;
          n++;
        }
      else
        {
          min = MAX (min, cmin);
          nat = MAX (nat, cnat);
        }
    }
  if (n > 1)
    {
      min += SPACING * (n - 1);
      nat += SPACING * (n - 1);
    }
  *minimum = min;
  *natural = nat;
  *minimum_baseline = *natural_baseline = -1;
}

typedef struct {
  GtkWidget *widget;
  int        min, nat, width;
} Child;

static void
pm_bar_layout_allocate (GtkLayoutManager *manager,
                        GtkWidget        *widget,
                        int               width,
                        int               height,
                        int               baseline)
{
  g_autoptr(GArray) children = g_array_new (FALSE, TRUE, sizeof (Child));
  Child *flexible = NULL, *squeezer = NULL;
  int fixed_min = 0, fixed_nat = 0, avail, x = 0;
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    if (gtk_widget_should_layout (c))
      {
        Child child = { .widget = c };

        gtk_widget_measure (c, GTK_ORIENTATION_HORIZONTAL, -1, &child.min, &child.nat, NULL,
                            NULL);
        g_array_append_val (children, child);
      }
  for (guint i = 0; i < children->len; i++)
    {
      Child *c = &g_array_index (children, Child, i);

      if (flexible == NULL && gtk_widget_compute_expand (c->widget, GTK_ORIENTATION_HORIZONTAL))
        flexible = c;
      else if (squeezer == NULL && ADW_IS_SQUEEZER (c->widget))
        squeezer = c;
      else
        {
          fixed_min += c->min;
          fixed_nat += c->nat;
        }
    }

  /* Fixed children at their natural width when that leaves the others their minimums. */
  avail = width - SPACING * MAX (0, (int) children->len - 1);
  {
    int rest_min = (flexible ? flexible->min : 0) + (squeezer ? squeezer->min : 0);
    gboolean natural = avail - fixed_nat >= rest_min;

    for (guint i = 0; i < children->len; i++)
      {
        Child *c = &g_array_index (children, Child, i);
        if (c != flexible && c != squeezer)
          {
            c->width = natural ? c->nat : c->min;
            avail -= c->width;
          }
      }
  }
  if (squeezer != NULL)
    {
      /* Wide (slider and zoom menu) only if the expanding child keeps its minimum. */
      int flex_min = flexible ? flexible->min : 0;
      squeezer->width = avail - squeezer->nat >= flex_min ? squeezer->nat : squeezer->min;
      if (flexible == NULL)
        squeezer->width = MAX (squeezer->width, avail);
      avail -= squeezer->width;
    }
  if (flexible != NULL)
    flexible->width = MAX (flexible->min, avail);

  for (guint i = 0; i < children->len; i++)
    {
      Child *c = &g_array_index (children, Child, i);
      int cx = rtl ? width - x - c->width : x;

      gtk_widget_size_allocate (c->widget, &(GtkAllocation) { cx, 0, c->width, height }, -1);
      x += c->width + SPACING;
    }
}

static GtkSizeRequestMode
pm_bar_layout_get_request_mode (GtkLayoutManager *manager,
                                GtkWidget        *widget)
{
  return GTK_SIZE_REQUEST_CONSTANT_SIZE;
}

static void
pm_bar_layout_class_init (PmBarLayoutClass *klass)
{
  GtkLayoutManagerClass *layout_class = GTK_LAYOUT_MANAGER_CLASS (klass);

  layout_class->measure = pm_bar_layout_measure;
  layout_class->allocate = pm_bar_layout_allocate;
  layout_class->get_request_mode = pm_bar_layout_get_request_mode;
}

static void
pm_bar_layout_init (PmBarLayout *self)
{
}

/**
 * pm_bar_layout_new:
 *
 * Returns: (transfer full): a new layout
 */
GtkLayoutManager *
pm_bar_layout_new (void)
{
  return g_object_new (PM_TYPE_BAR_LAYOUT, NULL);
}
