/* pm-draft-bar.c: a dataset project's Draft All row and its background drafting's progress,
 * pause and stop (see pm-draft-bar.h); the filmstrip shows it above its list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-filmstrip"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-draft-bar.h"

struct _PmDraftBar
{
  GtkWidget        parent_instance;

  /* children */
  GtkWidget       *box;
  GtkEntry        *labels_entry;     /* labels to draft, when the project has none */
  GtkButton       *draft_button;
  GtkBox          *progress_box;
  GtkProgressBar  *progress;
  GtkToggleButton *pause_button;

  /* owned */
  PmProject       *project;
  gboolean         updating;         /* the pause button changes under our hand */
};

G_DEFINE_FINAL_TYPE (PmDraftBar, pm_draft_bar, GTK_TYPE_WIDGET)

enum { SIGNAL_DRAFT_REQUESTED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
draft_clicked_cb (GtkButton  *button,
                  PmDraftBar *self)
{
  g_signal_emit (self, signals[SIGNAL_DRAFT_REQUESTED], 0,
                 gtk_widget_get_visible (GTK_WIDGET (self->labels_entry))
                 ? gtk_editable_get_text (GTK_EDITABLE (self->labels_entry)) : NULL);
}

static void
pause_toggled_cb (GtkToggleButton *button,
                  PmDraftBar      *self)
{
  if (self->project != NULL && !self->updating)
    pm_project_pause_batch (self->project, gtk_toggle_button_get_active (button));
}

static void
cancel_clicked_cb (GtkButton  *button,
                   PmDraftBar *self)
{
  if (self->project != NULL)
    pm_project_cancel_batch (self->project);
}

static void
batch_changed_cb (PmProject  *project,
                  PmDraftBar *self)
{
  gboolean running = pm_project_get_batch_running (project);
  gboolean paused = pm_project_get_batch_paused (project);
  guint done, total;
  g_autofree char *text = NULL;

  pm_project_get_batch_progress (project, &done, &total);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_box), running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->draft_button), !running);
  text = paused ? g_strdup_printf (_("Paused at %u of %u images"), done, total)
                : g_strdup_printf (_("Drafting: %u of %u images"), done, total);
  gtk_progress_bar_set_text (self->progress, text);
  gtk_progress_bar_set_fraction (self->progress, total > 0 ? (double) done / total : 0.0);
  self->updating = TRUE;
  gtk_toggle_button_set_active (self->pause_button, paused);
  self->updating = FALSE;
}

static void
pm_draft_bar_dispose (GObject *object)
{
  PmDraftBar *self = PM_DRAFT_BAR (object);

  if (self->project != NULL)
    g_signal_handlers_disconnect_by_data (self->project, self);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_object (&self->project);
  G_OBJECT_CLASS (pm_draft_bar_parent_class)->dispose (object);
}

static void
pm_draft_bar_class_init (PmDraftBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pm_draft_bar_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  /* (labels): Draft All was pressed; the comma-separated labels typed, or NULL when the
   * project has its labels. */
  signals[SIGNAL_DRAFT_REQUESTED] =
    g_signal_new ("draft-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
pm_draft_bar_init (PmDraftBar *self)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *cancel = gtk_button_new_from_icon_name ("process-stop-symbolic");

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  self->labels_entry = GTK_ENTRY (gtk_entry_new ());
  gtk_entry_set_placeholder_text (self->labels_entry, _("Labels to draft, e.g. cat, dog"));
  gtk_widget_set_hexpand (GTK_WIDGET (self->labels_entry), TRUE);
  self->draft_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Draft All")));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->draft_button),
                               _("Draft a mask for every image and label in the background"));
  g_signal_connect (self->draft_button, "clicked", G_CALLBACK (draft_clicked_cb), self);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->labels_entry));
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->draft_button));
  gtk_widget_set_halign (GTK_WIDGET (self->draft_button), GTK_ALIGN_END);
  gtk_widget_set_hexpand (GTK_WIDGET (self->draft_button), TRUE);
  gtk_box_append (GTK_BOX (self->box), row);

  self->progress_box = GTK_BOX (gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6));
  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_progress_bar_set_show_text (self->progress, TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->progress), TRUE);
  gtk_widget_set_valign (GTK_WIDGET (self->progress), GTK_ALIGN_CENTER);
  self->pause_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new ());
  gtk_button_set_icon_name (GTK_BUTTON (self->pause_button), "media-playback-pause-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->pause_button), _("Pause Drafting"));
  g_signal_connect (self->pause_button, "toggled", G_CALLBACK (pause_toggled_cb), self);
  gtk_widget_set_tooltip_text (cancel, _("Stop Drafting (finished images are kept)"));
  g_signal_connect (cancel, "clicked", G_CALLBACK (cancel_clicked_cb), self);
  gtk_box_append (self->progress_box, GTK_WIDGET (self->progress));
  gtk_box_append (self->progress_box, GTK_WIDGET (self->pause_button));
  gtk_box_append (self->progress_box, cancel);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_box), FALSE);
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->progress_box));
}

GtkWidget *
pm_draft_bar_new (void)
{
  return g_object_new (PM_TYPE_DRAFT_BAR, NULL);
}

/**
 * pm_draft_bar_set_project:
 * @project: (nullable): an opened project
 *
 * Follows @project's background drafting.
 */
void
pm_draft_bar_set_project (PmDraftBar *self,
                          PmProject  *project)
{
  g_return_if_fail (PM_IS_DRAFT_BAR (self));

  if (self->project != NULL)
    g_signal_handlers_disconnect_by_data (self->project, self);
  g_set_object (&self->project, project);
  if (project == NULL)
    return;
  g_signal_connect (project, "batch-changed", G_CALLBACK (batch_changed_cb), self);
  batch_changed_cb (project, self);
}

/**
 * pm_draft_bar_set_asks_labels:
 * @asks: whether the project has no labels yet
 *
 * Shows or hides the entry for the labels to draft.
 */
void
pm_draft_bar_set_asks_labels (PmDraftBar *self,
                              gboolean    asks)
{
  g_return_if_fail (PM_IS_DRAFT_BAR (self));
  gtk_widget_set_visible (GTK_WIDGET (self->labels_entry), asks);
}
