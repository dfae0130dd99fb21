/* pm-filmstrip.c: the images of a dataset project as a recycling list (see pm-filmstrip.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GtkListView over a GtkFilterListModel of the project's items: only the rows on screen
 * exist, and each bound row asks the thumbnailer for its preview (cancelled when the row is
 * recycled). Status changes update the rows in place; the filter is applied again only
 * when it is changed, so that an image accepted under "Drafted" stays where it was while
 * the review goes on.
 */
#define G_LOG_DOMAIN "pm-filmstrip"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-filmstrip.h"
#include "pm-draft-bar.h"

#define THUMB_W 80
#define THUMB_H 60
#define THUMB_DELAY_MS 60

struct _PmFilmstrip
{
  GtkWidget           parent_instance;

  /* children */
  GtkWidget          *box;
  GtkLabel           *title;
  GtkLabel           *counts;
  GtkDropDown        *label_drop;       /* the label reviewed */
  GtkDropDown        *status_filter;
  GtkDropDown        *label_filter;
  PmDraftBar         *draft_bar;
  GtkListView        *list_view;

  /* owned */
  PmProject          *project;
  PmThumbnailer      *thumbnailer;
  GtkFilterListModel *filtered;
  GtkSingleSelection *selection;
  GtkCustomFilter    *filter;
  GtkStringList      *label_names;
  GtkStringList      *label_filter_names;
  guint               status_flags;
  int                 label_filter_pos;
  gboolean            updating_labels;   /* the drop-downs change under our hand */
};

G_DEFINE_FINAL_TYPE (PmFilmstrip, pm_filmstrip, GTK_TYPE_WIDGET)

enum { SIGNAL_ITEM_SELECTED, SIGNAL_LABEL_CHANGED, SIGNAL_DRAFT_REQUESTED, N_SIGNALS };
static guint signals[N_SIGNALS];

static const char *
status_text (PmImageStatus status)
{
  switch (status)
    {
    case PM_IMAGE_STATUS_TODO: return _("To do");
    case PM_IMAGE_STATUS_DRAFTED: return _("Drafted");
    case PM_IMAGE_STATUS_REVIEWED: return _("Reviewed");
    case PM_IMAGE_STATUS_REJECTED: return _("Rejected");
    default: return "";
    }
}

/* ---------------------------------------------------------------- rows */

static void
row_setup_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *picture = gtk_picture_new ();
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *status = gtk_label_new (NULL);

  gtk_widget_set_size_request (picture, THUMB_W, THUMB_H);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_CONTAIN);
  gtk_widget_add_css_class (picture, "pm-thumb");
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_START);
  gtk_label_set_xalign (GTK_LABEL (status), 0);
  gtk_label_set_ellipsize (GTK_LABEL (status), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (status, "caption");
  gtk_widget_set_valign (text, GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_box_append (GTK_BOX (text), name);
  gtk_box_append (GTK_BOX (text), status);
  gtk_box_append (GTK_BOX (row), picture);
  gtk_box_append (GTK_BOX (row), text);
  gtk_widget_set_margin_start (row, 6);
  gtk_widget_set_margin_end (row, 6);
  gtk_widget_set_margin_top (row, 3);
  gtk_widget_set_margin_bottom (row, 3);
  gtk_list_item_set_child (list_item, row);
}

static GtkWidget *
row_part (GtkListItem *list_item,
          int          index)
{
  GtkWidget *row = gtk_list_item_get_child (list_item);
  GtkWidget *text = gtk_widget_get_last_child (row);

  switch (index)
    {
    case 0: return gtk_widget_get_first_child (row);
    case 1: return gtk_widget_get_first_child (text);
    default: return gtk_widget_get_last_child (text);
    }
}

static void
row_show_status (GtkListItem   *list_item,
                 PmProjectItem *item)
{
  static const char *classes[] = {
    "pm-status-todo", "pm-status-drafted", "pm-status-reviewed", "pm-status-rejected"
  };
  GtkWidget *status = row_part (list_item, 2);
  PmImageStatus s = pm_project_item_get_status (item);
  const char *error = pm_project_item_get_error (item);

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (status, classes[i]);
  gtk_widget_add_css_class (status, classes[s]);
  if (error != NULL && s == PM_IMAGE_STATUS_TODO)
    {
      g_autofree char *text = g_strdup_printf (_("Failed: %s"), error);
      gtk_label_set_text (GTK_LABEL (status), text);
      gtk_widget_set_tooltip_text (status, error);
    }
  else
    {
      gtk_label_set_text (GTK_LABEL (status), status_text (s));
      gtk_widget_set_tooltip_text (status, NULL);
    }
}

static void
item_status_cb (PmProjectItem *item,
                GParamSpec    *pspec,
                GtkListItem   *list_item)
{
  row_show_status (list_item, item);
}

static void
thumbnail_cb (GdkTexture *texture,
              gpointer    user_data)
{
  gtk_picture_set_paintable (GTK_PICTURE (user_data), GDK_PAINTABLE (texture));
}

/* A row asks for its preview only once it has stayed on screen a moment: a fast fling
 * through thousands of rows then decodes only where it stops. */
typedef struct {
  PmThumbnailer *thumbnailer;
  char          *file;
  GtkPicture    *picture;
  GCancellable  *cancellable;
} ThumbAsk;

static void
thumb_ask_free (gpointer data)
{
  ThumbAsk *ask = data;

  g_free (ask->file);
  g_object_unref (ask->thumbnailer);
  g_object_unref (ask->picture);
  g_object_unref (ask->cancellable);
  g_free (ask);
}

static gboolean
thumb_ask_cb (gpointer data)
{
  ThumbAsk *ask = data;

  if (!g_cancellable_is_cancelled (ask->cancellable))
    pm_thumbnailer_request (ask->thumbnailer, ask->file, ask->cancellable, thumbnail_cb,
                            g_object_ref (ask->picture), g_object_unref);
  return G_SOURCE_REMOVE;
}

static void
row_bind_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             PmFilmstrip              *self)
{
  PmProjectItem *item = gtk_list_item_get_item (list_item);
  GtkPicture *picture = GTK_PICTURE (row_part (list_item, 0));
  const char *file = pm_project_item_get_file (item);
  g_autofree char *name = g_path_get_basename (pm_project_item_get_path (item));
  GdkTexture *cached = pm_thumbnailer_lookup (self->thumbnailer, file);

  gtk_label_set_text (GTK_LABEL (row_part (list_item, 1)), name);
  gtk_widget_set_tooltip_text (row_part (list_item, 1), pm_project_item_get_path (item));
  row_show_status (list_item, item);
  g_object_set_data (G_OBJECT (list_item), "pm-status-handler",
                     GSIZE_TO_POINTER (g_signal_connect (item, "notify::status",
                                                         G_CALLBACK (item_status_cb),
                                                         list_item)));
  gtk_picture_set_paintable (picture, GDK_PAINTABLE (cached));
  if (cached == NULL)
    {
      GCancellable *cancellable = g_cancellable_new ();
      ThumbAsk *ask = g_new0 (ThumbAsk, 1);

      g_object_set_data_full (G_OBJECT (list_item), "pm-thumb-cancellable", cancellable,
                              g_object_unref);
      ask->thumbnailer = g_object_ref (self->thumbnailer);
      ask->file = g_strdup (file);
      ask->picture = g_object_ref (picture);
      ask->cancellable = g_object_ref (cancellable);
      g_timeout_add_full (G_PRIORITY_DEFAULT, THUMB_DELAY_MS, thumb_ask_cb, ask, thumb_ask_free);
    }
}

static void
row_unbind_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               PmFilmstrip              *self)
{
  PmProjectItem *item = gtk_list_item_get_item (list_item);
  GCancellable *cancellable = g_object_get_data (G_OBJECT (list_item), "pm-thumb-cancellable");

  if (cancellable != NULL)
    g_cancellable_cancel (cancellable);
  g_object_set_data (G_OBJECT (list_item), "pm-thumb-cancellable", NULL);
  if (item != NULL)
    g_signal_handler_disconnect (item, GPOINTER_TO_SIZE (g_object_get_data (
      G_OBJECT (list_item), "pm-status-handler")));
}

/* ---------------------------------------------------------------- filters and labels */

static gboolean
filter_func (gpointer item,
             gpointer user_data)
{
  PmFilmstrip *self = user_data;
  PmProjectItem *it = item;

  if (self->status_flags != 0 &&
      !(self->status_flags & PM_IMAGE_STATUS_FLAG (pm_project_item_get_status (it))))
    return FALSE;
  if (self->label_filter_pos >= 0 &&
      !(pm_project_item_get_drafted_labels (it) & (G_GUINT64_CONSTANT (1) <<
                                                   self->label_filter_pos)))
    return FALSE;
  return TRUE;
}

static void
update_counts (PmFilmstrip *self)
{
  GListModel *model;
  guint n, counts[4] = { 0 };
  g_autofree char *text = NULL;

  if (self->project == NULL)
    return;
  model = pm_project_get_model (self->project);
  n = g_list_model_get_n_items (model);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PmProjectItem) item = g_list_model_get_item (model, i);
      counts[pm_project_item_get_status (item)]++;
    }
  /* Translators: counts of images: all, then by status. */
  text = g_strdup_printf (_("%u images · %u to do · %u drafted · %u reviewed · %u rejected"),
                          n, counts[0], counts[1], counts[2], counts[3]);
  gtk_label_set_text (self->counts, text);
}

static void
status_filter_cb (GtkDropDown *drop,
                  GParamSpec  *pspec,
                  PmFilmstrip *self)
{
  guint selected = gtk_drop_down_get_selected (drop);

  /* 0 = all, then one per PmImageStatus. */
  pm_filmstrip_set_filter (self, selected == 0 || selected == GTK_INVALID_LIST_POSITION
                                 ? 0 : PM_IMAGE_STATUS_FLAG (selected - 1),
                           self->label_filter_pos);
}

static void
label_filter_cb (GtkDropDown *drop,
                 GParamSpec  *pspec,
                 PmFilmstrip *self)
{
  guint selected = gtk_drop_down_get_selected (drop);

  if (self->updating_labels)
    return;
  pm_filmstrip_set_filter (self, self->status_flags,
                           selected == 0 || selected == GTK_INVALID_LIST_POSITION
                           ? -1 : (int) selected - 1);
}

static void
label_drop_cb (GtkDropDown *drop,
               GParamSpec  *pspec,
               PmFilmstrip *self)
{
  g_signal_emit (self, signals[SIGNAL_LABEL_CHANGED], 0);
}

static void
labels_changed_cb (PmProject   *project,
                   PmFilmstrip *self)
{
  GPtrArray *labels = pm_project_get_labels (project);
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) filter_names = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;
  g_auto(GStrv) filter_strv = NULL;
  guint keep = gtk_drop_down_get_selected (self->label_drop);

  g_strv_builder_add (filter_names, _("All labels"));
  for (guint i = 0; i < labels->len; i++)
    {
      PmLabelInfo *label = labels->pdata[i];
      g_autofree char *name = g_strdup_printf ("%u  %s", i + 1, label->name);

      g_strv_builder_add (names, name);
      g_strv_builder_add (filter_names, label->name);
    }
  strv = g_strv_builder_end (names);
  filter_strv = g_strv_builder_end (filter_names);
  self->updating_labels = TRUE;
  gtk_string_list_splice (self->label_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->label_names)),
                          (const char * const *) strv);
  gtk_drop_down_set_selected (self->label_drop, keep < labels->len ? keep : 0);
  gtk_string_list_splice (self->label_filter_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->label_filter_names)),
                          (const char * const *) filter_strv);
  gtk_drop_down_set_selected (self->label_filter, 0);
  self->label_filter_pos = -1;
  self->updating_labels = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->label_drop), labels->len > 0);
  pm_draft_bar_set_asks_labels (self->draft_bar, labels->len == 0);
  g_signal_emit (self, signals[SIGNAL_LABEL_CHANGED], 0);
}

/* ---------------------------------------------------------------- selection */

static void
selection_cb (GtkSingleSelection *selection,
              GParamSpec         *pspec,
              PmFilmstrip        *self)
{
  g_signal_emit (self, signals[SIGNAL_ITEM_SELECTED], 0, pm_filmstrip_get_selected (self));
}

static void
items_changed_cb (GListModel  *model,
                  guint        position,
                  guint        removed,
                  guint        added,
                  PmFilmstrip *self)
{
  update_counts (self);
}

static void
item_notify_cb (PmFilmstrip *self)
{
  update_counts (self);
}

/* ---------------------------------------------------------------- batch */

static void
draft_requested_cb (PmDraftBar  *bar,
                    const char  *labels,
                    PmFilmstrip *self)
{
  g_signal_emit (self, signals[SIGNAL_DRAFT_REQUESTED], 0, labels);
}

/* ---------------------------------------------------------------- building */

static GtkWidget *
build_filters (PmFilmstrip *self)
{
  static const char *statuses[] = { NULL, NULL, NULL, NULL, NULL, NULL };
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  statuses[0] = _("All images");
  for (int i = 0; i < 4; i++)
    statuses[i + 1] = status_text (i);
  self->status_filter = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (statuses));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_filter), _("Show Images by Status"));
  g_signal_connect (self->status_filter, "notify::selected", G_CALLBACK (status_filter_cb),
                    self);
  self->label_filter_names = gtk_string_list_new (NULL);
  self->label_filter = GTK_DROP_DOWN (gtk_drop_down_new (
    G_LIST_MODEL (g_object_ref (self->label_filter_names)), NULL));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->label_filter),
                               _("Show Images With a Draft of a Label"));
  g_signal_connect (self->label_filter, "notify::selected", G_CALLBACK (label_filter_cb), self);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->status_filter));
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->label_filter));
  return row;
}

static void
build_list (PmFilmstrip *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (row_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (row_bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (row_unbind_cb), self);
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new (NULL, GTK_FILTER (g_object_ref (self->filter)));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->filtered)));
  g_signal_connect (self->selection, "notify::selected-item", G_CALLBACK (selection_cb), self);
  self->list_view = GTK_LIST_VIEW (gtk_list_view_new (
    GTK_SELECTION_MODEL (g_object_ref (self->selection)), factory));
  gtk_widget_add_css_class (GTK_WIDGET (self->list_view), "navigation-sidebar");
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->list_view));
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (self->box), scroller);
}

static void
pm_filmstrip_dispose (GObject *object)
{
  PmFilmstrip *self = PM_FILMSTRIP (object);

  if (self->project != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->project, self);
      g_signal_handlers_disconnect_by_data (pm_project_get_model (self->project), self);
    }
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_object (&self->project);
  g_clear_object (&self->selection);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->label_names);
  g_clear_object (&self->label_filter_names);
  g_clear_object (&self->thumbnailer);
  G_OBJECT_CLASS (pm_filmstrip_parent_class)->dispose (object);
}

static void
pm_filmstrip_class_init (PmFilmstripClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pm_filmstrip_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "pmfilmstrip");

  /* (item): the image selected, or NULL. */
  signals[SIGNAL_ITEM_SELECTED] =
    g_signal_new ("item-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, PM_TYPE_PROJECT_ITEM);
  /* The label reviewed changed (or the labels did). */
  signals[SIGNAL_LABEL_CHANGED] =
    g_signal_new ("label-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* (labels): Draft All was pressed; the comma-separated labels typed, or NULL when the
   * project has its labels. */
  signals[SIGNAL_DRAFT_REQUESTED] =
    g_signal_new ("draft-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
pm_filmstrip_init (PmFilmstrip *self)
{
  GtkWidget *label_row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label_title = gtk_label_new (_("Label"));

  self->label_filter_pos = -1;
  self->thumbnailer = pm_thumbnailer_new (THUMB_W, THUMB_H, 2048);
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  gtk_widget_set_size_request (GTK_WIDGET (self), 300, -1);

  self->title = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->title), "heading");
  gtk_label_set_ellipsize (self->title, PANGO_ELLIPSIZE_START);
  gtk_label_set_xalign (self->title, 0);
  self->counts = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->counts), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->counts), "dim-label");
  gtk_label_set_wrap (self->counts, TRUE);
  gtk_label_set_xalign (self->counts, 0);

  self->label_names = gtk_string_list_new (NULL);
  self->label_drop = GTK_DROP_DOWN (gtk_drop_down_new (
    G_LIST_MODEL (g_object_ref (self->label_names)), NULL));
  gtk_widget_set_hexpand (GTK_WIDGET (self->label_drop), TRUE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->label_drop),
                               _("The Label Reviewed (number keys pick it)"));
  g_signal_connect (self->label_drop, "notify::selected", G_CALLBACK (label_drop_cb), self);
  gtk_box_append (GTK_BOX (label_row), label_title);
  gtk_box_append (GTK_BOX (label_row), GTK_WIDGET (self->label_drop));

  gtk_widget_set_margin_start (self->box, 6);
  gtk_widget_set_margin_end (self->box, 6);
  gtk_widget_set_margin_top (self->box, 6);
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->title));
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->counts));
  self->draft_bar = PM_DRAFT_BAR (pm_draft_bar_new ());
  g_signal_connect (self->draft_bar, "draft-requested", G_CALLBACK (draft_requested_cb), self);
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->draft_bar));
  gtk_box_append (GTK_BOX (self->box), label_row);
  gtk_box_append (GTK_BOX (self->box), build_filters (self));
  build_list (self);
}

GtkWidget *
pm_filmstrip_new (void)
{
  return g_object_new (PM_TYPE_FILMSTRIP, NULL);
}

/* ---------------------------------------------------------------- public */

/**
 * pm_filmstrip_set_project:
 * @project: (nullable): an opened project
 *
 * Shows @project's images; the first neither reviewed nor rejected is selected (the first
 * image if all are), so a review resumes where it stopped.
 */
void
pm_filmstrip_set_project (PmFilmstrip *self,
                          PmProject   *project)
{
  g_autofree char *name = NULL;

  g_return_if_fail (PM_IS_FILMSTRIP (self));

  if (self->project != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->project, self);
      g_signal_handlers_disconnect_by_data (pm_project_get_model (self->project), self);
    }
  g_set_object (&self->project, project);
  gtk_filter_list_model_set_model (self->filtered,
                                   project != NULL ? pm_project_get_model (project) : NULL);
  if (project == NULL)
    {
      pm_draft_bar_set_project (self->draft_bar, NULL);
      return;
    }
  name = g_path_get_basename (pm_project_get_root (project));
  gtk_label_set_text (self->title, name);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->title), pm_project_get_root (project));
  g_signal_connect (project, "labels-changed", G_CALLBACK (labels_changed_cb), self);
  g_signal_connect (pm_project_get_model (project), "items-changed",
                    G_CALLBACK (items_changed_cb), self);
  /* Counts follow status changes (also those read back after a batch's last image); one
   * pass over the items is cheap next to a key press. */
  g_signal_connect_swapped (project, "batch-changed", G_CALLBACK (item_notify_cb), self);
  g_signal_connect_swapped (project, "statuses-changed", G_CALLBACK (item_notify_cb), self);
  labels_changed_cb (project, self);
  pm_draft_bar_set_project (self->draft_bar, project);
  update_counts (self);
  {
    GListModel *model = G_LIST_MODEL (self->filtered);
    guint n = g_list_model_get_n_items (model), resume = 0;

    for (guint i = 0; i < n; i++)
      {
        g_autoptr(PmProjectItem) item = g_list_model_get_item (model, i);
        PmImageStatus status = pm_project_item_get_status (item);

        if (status != PM_IMAGE_STATUS_REVIEWED && status != PM_IMAGE_STATUS_REJECTED)
          {
            resume = i;
            break;
          }
      }
    gtk_single_selection_set_selected (self->selection, resume);
    if (resume > 0)
      gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u",
                                  resume);
  }
}

/**
 * pm_filmstrip_get_position:
 *
 * Returns: the position of the selected image in the (filtered) list, or
 *   %GTK_INVALID_LIST_POSITION
 */
guint
pm_filmstrip_get_position (PmFilmstrip *self)
{
  g_return_val_if_fail (PM_IS_FILMSTRIP (self), GTK_INVALID_LIST_POSITION);
  return gtk_single_selection_get_selected (self->selection);
}

/**
 * pm_filmstrip_get_counts_text:
 *
 * Returns: (transfer none): the line counting the images by status
 */
const char *
pm_filmstrip_get_counts_text (PmFilmstrip *self)
{
  g_return_val_if_fail (PM_IS_FILMSTRIP (self), NULL);
  return gtk_label_get_text (self->counts);
}

PmProject *
pm_filmstrip_get_project (PmFilmstrip *self)
{
  g_return_val_if_fail (PM_IS_FILMSTRIP (self), NULL);
  return self->project;
}

/**
 * pm_filmstrip_get_selected:
 *
 * Returns: (transfer none) (nullable): the image selected
 */
PmProjectItem *
pm_filmstrip_get_selected (PmFilmstrip *self)
{
  g_return_val_if_fail (PM_IS_FILMSTRIP (self), NULL);
  return gtk_single_selection_get_selected_item (self->selection);
}

gboolean
pm_filmstrip_step (PmFilmstrip *self,
                   int          step)
{
  guint n, pos;
  gint64 next;

  g_return_val_if_fail (PM_IS_FILMSTRIP (self), FALSE);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  pos = gtk_single_selection_get_selected (self->selection);
  if (n == 0)
    return FALSE;
  next = pos == GTK_INVALID_LIST_POSITION ? 0 : (gint64) pos + step;
  if (next < 0 || next >= n)
    return FALSE;
  gtk_single_selection_set_selected (self->selection, (guint) next);
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u",
                              (guint) next);
  update_counts (self);
  return TRUE;
}

/**
 * pm_filmstrip_peek:
 * @step: rows from the selected one
 *
 * Returns: (transfer none) (nullable): the item @step rows away in the filtered list
 */
PmProjectItem *
pm_filmstrip_peek (PmFilmstrip *self,
                   int          step)
{
  guint pos;
  gint64 at;
  g_autoptr(PmProjectItem) item = NULL;

  g_return_val_if_fail (PM_IS_FILMSTRIP (self), NULL);

  pos = gtk_single_selection_get_selected (self->selection);
  if (pos == GTK_INVALID_LIST_POSITION)
    return NULL;
  at = (gint64) pos + step;
  if (at < 0 || at >= g_list_model_get_n_items (G_LIST_MODEL (self->filtered)))
    return NULL;
  item = g_list_model_get_item (G_LIST_MODEL (self->filtered), (guint) at);
  return item;   /* the project's model keeps it */
}

guint
pm_filmstrip_get_label (PmFilmstrip *self)
{
  guint selected;

  g_return_val_if_fail (PM_IS_FILMSTRIP (self), 0);
  selected = gtk_drop_down_get_selected (self->label_drop);
  return selected == GTK_INVALID_LIST_POSITION ? 0 : selected;
}

gboolean
pm_filmstrip_set_label (PmFilmstrip *self,
                        guint        position)
{
  g_return_val_if_fail (PM_IS_FILMSTRIP (self), FALSE);

  if (position >= g_list_model_get_n_items (G_LIST_MODEL (self->label_names)))
    return FALSE;
  gtk_drop_down_set_selected (self->label_drop, position);
  return TRUE;
}

void
pm_filmstrip_set_filter (PmFilmstrip *self,
                         guint        status_flags,
                         int          label)
{
  g_return_if_fail (PM_IS_FILMSTRIP (self));

  self->status_flags = status_flags;
  self->label_filter_pos = label;
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

GtkListView *
pm_filmstrip_get_list_view (PmFilmstrip *self)
{
  g_return_val_if_fail (PM_IS_FILMSTRIP (self), NULL);
  return self->list_view;
}

PmThumbnailer *
pm_filmstrip_get_thumbnailer (PmFilmstrip *self)
{
  g_return_val_if_fail (PM_IS_FILMSTRIP (self), NULL);
  return self->thumbnailer;
}
