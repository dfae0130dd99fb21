/* pm-items-overlay.c: the objects of a run of several, each in its own colour, drawn over the
 * canvas.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A sibling of the canvas in its GtkOverlay that takes no input: it draws one texture at the
 * photo's size, each object's pixels in the colour it was painted (a translucent fill and an
 * opaque 1-pixel rim), placed where the canvas shows the photo. The selected object is drawn
 * stronger and the others fainter. It shows while the canvas shows its mask overlay (M) and
 * the run on screen painted two objects or more.
 */
#define G_LOG_DOMAIN "pm-items-overlay"

#include "config.h"

#include <string.h>

#include "pm-items-overlay.h"

#define FILL_ALPHA       0.45
#define FILL_SELECTED    0.65
#define FILL_UNSELECTED  0.22

struct _PmItemsOverlay
{
  GtkWidget     parent_instance;

  PmRunItems   *items;      /* owned */
  PmCanvas     *canvas;     /* weak */
  GdkTexture   *texture;    /* NULL until made */
  double        last[4];    /* the photo's corners on screen at the last draw */
  guint         tick;
};

G_DEFINE_FINAL_TYPE (PmItemsOverlay, pm_items_overlay, GTK_TYPE_WIDGET)

/* The labels as colours: fill inside each object, its rim opaque. */
static GdkTexture *
make_texture (PmRunItems *items)
{
  guint n = pm_run_items_get_n_items (items);
  const PmRunItem *first = pm_run_items_get_item (items, 0);
  int w = first->mask->width, h = first->mask->height, selected;
  g_autofree guint8 *labels = g_malloc0 ((gsize) w * h);
  g_autoptr(GBytes) bytes = NULL;
  guint8 *rgba = g_malloc0 ((gsize) w * h * 4);

  selected = pm_run_items_get_selected (items);
  for (guint i = 0; i < n; i++)
    {
      const PmRunItem *item = pm_run_items_get_item (items, i);

      if (item->mask == NULL || item->mask->width != w || item->mask->height != h)
        continue;
      for (gsize p = 0; p < (gsize) w * h; p++)
        if (item->mask->data[p] > 0.5f)
          labels[p] = (guint8) (i + 1);
    }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        gsize p = (gsize) y * w + x;
        guint8 l = labels[p], *q = rgba + 4 * p;
        const PmRunItem *item;
        gboolean rim;
        double alpha;

        if (l == 0)
          continue;
        item = pm_run_items_get_item (items, l - 1);
        rim = (x == 0 || labels[p - 1] != l) || (x == w - 1 || labels[p + 1] != l) ||
              (y == 0 || labels[p - w] != l) || (y == h - 1 || labels[p + w] != l);
        alpha = selected < 0 ? FILL_ALPHA : (int) l - 1 == selected ? FILL_SELECTED
                                                                    : FILL_UNSELECTED;
        if (rim)
          alpha = selected < 0 || (int) l - 1 == selected ? 1.0 : 0.5;
        /* Premultiplied. */
        q[0] = (guint8) (item->color.r * 255 * alpha + 0.5);
        q[1] = (guint8) (item->color.g * 255 * alpha + 0.5);
        q[2] = (guint8) (item->color.b * 255 * alpha + 0.5);
        q[3] = (guint8) (255 * alpha + 0.5);
      }
  bytes = g_bytes_new_take (rgba, (gsize) w * h * 4);
  return gdk_memory_texture_new (w, h, GDK_MEMORY_R8G8B8A8_PREMULTIPLIED, bytes, (gsize) w * 4);
}

static gboolean
wanted (PmItemsOverlay *self)
{
  return self->canvas != NULL && pm_run_items_get_n_items (self->items) >= 2 &&
         pm_canvas_get_show_overlay (self->canvas) && pm_canvas_has_image (self->canvas);
}

static void
items_changed_cb (PmItemsOverlay *self)
{
  g_clear_object (&self->texture);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Where the canvas shows the photo's corners, in this widget's coordinates. */
static gboolean
photo_rect (PmItemsOverlay  *self,
            int              width,
            int              height,
            graphene_rect_t *rect)
{
  double x0, y0, x1, y1, ox0, oy0, ox1, oy1;

  pm_canvas_image_to_widget (self->canvas, 0, 0, &x0, &y0);
  pm_canvas_image_to_widget (self->canvas, width, height, &x1, &y1);
  if (!gtk_widget_translate_coordinates (GTK_WIDGET (self->canvas), GTK_WIDGET (self), x0, y0,
                                         &ox0, &oy0) ||
      !gtk_widget_translate_coordinates (GTK_WIDGET (self->canvas), GTK_WIDGET (self), x1, y1,
                                         &ox1, &oy1))
    return FALSE;
  graphene_rect_init (rect, ox0, oy0, ox1 - ox0, oy1 - oy0);
  return TRUE;
}

/* Zooming and panning move the photo: follow it frame by frame. */
static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       data)
{
  PmItemsOverlay *self = PM_ITEMS_OVERLAY (widget);
  graphene_rect_t r = GRAPHENE_RECT_INIT (0, 0, 0, 0);
  const PmRunItem *first;
  double now[4];

  if (!wanted (self))
    {
      if (self->last[2] != 0)
        gtk_widget_queue_draw (widget);
      self->last[2] = 0;
      return G_SOURCE_CONTINUE;
    }
  first = pm_run_items_get_item (self->items, 0);
  if (first->mask != NULL)
    photo_rect (self, first->mask->width, first->mask->height, &r);
  now[0] = r.origin.x;
  now[1] = r.origin.y;
  now[2] = r.size.width;
  now[3] = r.size.height;
  if (memcmp (now, self->last, sizeof now) != 0)
    {
      memcpy (self->last, now, sizeof now);
      gtk_widget_queue_draw (widget);
    }
  return G_SOURCE_CONTINUE;
}

static void
pm_items_overlay_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  PmItemsOverlay *self = PM_ITEMS_OVERLAY (widget);
  const PmRunItem *first;
  graphene_rect_t r;

  if (!wanted (self))
    return;
  first = pm_run_items_get_item (self->items, 0);
  if (first->mask == NULL ||
      !photo_rect (self, first->mask->width, first->mask->height, &r))
    return;
  if (self->texture == NULL)
    self->texture = make_texture (self->items);
  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget),
                                                         gtk_widget_get_height (widget)));
  gtk_snapshot_append_texture (snapshot, self->texture, &r);
  gtk_snapshot_pop (snapshot);
}

GtkWidget *
pm_items_overlay_new (PmRunItems *items,
                      PmCanvas   *canvas)
{
  PmItemsOverlay *self;

  g_return_val_if_fail (PM_IS_RUN_ITEMS (items), NULL);
  g_return_val_if_fail (PM_IS_CANVAS (canvas), NULL);

  self = g_object_new (PM_TYPE_ITEMS_OVERLAY, NULL);
  self->items = g_object_ref (items);
  self->canvas = canvas;
  g_object_add_weak_pointer (G_OBJECT (canvas), (gpointer *) &self->canvas);
  g_signal_connect_object (items, "changed", G_CALLBACK (items_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (items, "notify::selected", G_CALLBACK (items_changed_cb), self,
                           G_CONNECT_SWAPPED);
  self->tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
  return GTK_WIDGET (self);
}

static void
pm_items_overlay_dispose (GObject *object)
{
  PmItemsOverlay *self = PM_ITEMS_OVERLAY (object);

  if (self->tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick);
  self->tick = 0;
  if (self->canvas != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->canvas), (gpointer *) &self->canvas);
  self->canvas = NULL;
  g_clear_object (&self->items);
  g_clear_object (&self->texture);
  G_OBJECT_CLASS (pm_items_overlay_parent_class)->dispose (object);
}

static void
pm_items_overlay_class_init (PmItemsOverlayClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = pm_items_overlay_dispose;
  GTK_WIDGET_CLASS (klass)->snapshot = pm_items_overlay_snapshot;
}

static void
pm_items_overlay_init (PmItemsOverlay *self)
{
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
  gtk_widget_set_can_focus (GTK_WIDGET (self), FALSE);
}
