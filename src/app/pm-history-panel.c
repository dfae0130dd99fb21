/* pm-history-panel.c: the history side panel: sessions, their runs, restoring and deleting.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A view of the document's history store. It lists through pm_history_list_async() (the
 * store's thread) and acts through the document: activating a run restores it, deleting
 * asks the document to delete. Deleting is undoable: the row hides, a toast offers Undo,
 * and the deletion happens when the toast goes (or the panel does) without Undo. The row of
 * the run on screen stays selected through undo, redo and restores.
 */
#define G_LOG_DOMAIN "pm-history-panel"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-format.h"
#include "pm-history-panel.h"
#include "pm-history-jobs.h"

#define THUMB_SIZE 48

struct _PmHistoryPanel
{
  GtkWidget       parent_instance;

  /* template children */
  GtkWidget      *box;
  GtkSearchEntry *search;
  GtkStack       *stack;
  AdwStatusPage  *status;
  GtkListBox     *session_list;
  GtkListBox     *run_list;
  GtkLabel       *runs_title;
  GtkButton      *back_button;
  GtkButton      *delete_session_button;

  /* owned */
  PmDocument     *document;
  GSignalGroup   *document_signals;
  GPtrArray      *pending_deletes;  /* of Deletion */
  gint64          session;          /* shown in the runs page; 0 = the session list */
  guint           serial;           /* bumps per reload: stale lists are dropped */
  guint           loading;          /* list calls in flight */
  gboolean        active;
};

G_DEFINE_FINAL_TYPE (PmHistoryPanel, pm_history_panel, GTK_TYPE_WIDGET)

/* A deletion waiting for its toast to go, then made (kept: lists made before the store
 * deleted it must not show the row again; ids are never reused). */
typedef struct {
  PmHistoryPanel *self;       /* borrowed: the panel commits or drops these when it goes */
  gint64          id;
  gboolean        is_session;
  AdwToast       *toast;
  gboolean        done;       /* committed or undone */
  gboolean        undone;
} Deletion;

static void commit_deletion (Deletion *deletion);

/* ---------------------------------------------------------------- rows */

static GtkWidget *
thumb_widget (const PmImage *thumb)
{
  GtkWidget *picture;

  if (thumb == NULL)
    {
      picture = gtk_image_new_from_icon_name ("image-x-generic-symbolic");
      gtk_image_set_pixel_size (GTK_IMAGE (picture), 32);
    }
  else
    {
      g_autoptr(GBytes) bytes = g_bytes_new (thumb->data,
                                             (gsize) thumb->width * thumb->height * 4);
      g_autoptr(GdkTexture) texture = gdk_memory_texture_new (thumb->width, thumb->height,
                                                              GDK_MEMORY_R8G8B8A8, bytes,
                                                              (gsize) thumb->width * 4);
      picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));
      gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
      gtk_widget_add_css_class (picture, "pm-thumbnail");
    }
  gtk_widget_set_size_request (picture, THUMB_SIZE, THUMB_SIZE);
  gtk_widget_set_valign (picture, GTK_ALIGN_CENTER);
  return picture;
}

static char *
format_time (gint64 unix_seconds)
{
  return pm_format_date_time (unix_seconds);
}

/* How a run ended, in words. */
static const char *
state_label (PmResultState state)
{
  switch (state)
    {
    case PM_RESULT_GUESS: return _("Guess");
    case PM_RESULT_EMPTY: return _("Nothing found");
    case PM_RESULT_FAILED: return _("Failed");
    case PM_RESULT_FOUND:
    default: return _("Found");
    }
}

static void delete_clicked_cb (GtkButton      *button,
                               PmHistoryPanel *self);

static void
set_id (gpointer widget,
        gint64   id)
{
  g_object_set_data_full (G_OBJECT (widget), "pm-id64", g_memdup2 (&id, sizeof id), g_free);
}

static gint64
get_id (gpointer widget)
{
  gint64 *id = g_object_get_data (G_OBJECT (widget), "pm-id64");

  return id != NULL ? *id : 0;
}

static GtkWidget *
make_row (PmHistoryPanel *self,
          const char     *title,
          const char     *subtitle,
          const PmImage  *thumb,
          gint64          id,
          gboolean        is_session)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *del = gtk_button_new_from_icon_name ("user-trash-symbolic");
  g_autofree char *escaped = g_markup_escape_text (title, -1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), escaped);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 2);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), thumb_widget (thumb));
  gtk_widget_add_css_class (del, "flat");
  gtk_widget_set_valign (del, GTK_ALIGN_CENTER);
  /* Tab goes from row to row; the Delete key deletes the focused row. */
  gtk_widget_set_focusable (del, FALSE);
  gtk_widget_set_tooltip_text (del, is_session ? _("Delete Session") : _("Delete Run"));
  set_id (del, id);
  g_object_set_data (G_OBJECT (del), "pm-session", GINT_TO_POINTER (is_session));
  g_signal_connect (del, "clicked", G_CALLBACK (delete_clicked_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), del);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  set_id (row, id);
  g_object_set_data (G_OBJECT (row), "pm-session", GINT_TO_POINTER (is_session));
  return row;
}

static GtkWidget *
make_run_row (PmHistoryPanel  *self,
              const PmRunInfo *info,
              const PmImage   *thumb,
              PmResultState       state)
{
  g_autofree char *when = format_time (info->started_at / G_USEC_PER_SEC);
  g_autofree char *sub = g_strdup_printf ("%s · %s · %s · %.1f s", state_label (state),
                                          info->engine ? info->engine : "?", when,
                                          info->duration_ms / 1000.0);
  GtkWidget *row = make_row (self, info->instruction ? info->instruction : "", sub, thumb,
                             info->id, FALSE);
  GtkWidget *icon = gtk_image_new_from_icon_name (pm_result_state_icon_name (state));

  gtk_widget_set_tooltip_text (icon, state_label (state));
  gtk_widget_add_css_class (icon, "pm-run-state");
  gtk_widget_add_css_class (icon, pm_result_state_to_string (state));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), icon);
  g_object_set_data (G_OBJECT (row), "pm-state", GINT_TO_POINTER (state));
  return row;
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static gboolean
is_pending_delete (PmHistoryPanel *self,
                   gint64          id,
                   gboolean        is_session)
{
  for (guint i = 0; i < self->pending_deletes->len; i++)
    {
      Deletion *d = self->pending_deletes->pdata[i];
      if (!d->undone && d->id == id && d->is_session == is_session)
        return TRUE;
    }
  return FALSE;
}

/* Selects the row of the run on screen, if listed. */
static void
select_current (PmHistoryPanel *self)
{
  gint64 run_id = self->document != NULL ? pm_document_get_run_id (self->document) : 0;

  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->run_list)); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_LIST_BOX_ROW (c) && run_id != 0 && get_id (c) == run_id)
      {
        gtk_list_box_select_row (self->run_list, GTK_LIST_BOX_ROW (c));
        return;
      }
  gtk_list_box_unselect_all (self->run_list);
}

/* ---------------------------------------------------------------- listing */

static void
show_status (PmHistoryPanel *self,
             const char     *title,
             const char     *description)
{
  adw_status_page_set_title (self->status, title);
  adw_status_page_set_description (self->status, description);
  gtk_stack_set_visible_child_name (self->stack, "unavailable");
}

static void
fill_sessions (PmHistoryPanel *self,
               PmHistoryList  *list)
{
  guint shown = 0;

  clear_list (self->session_list);
  for (guint i = 0; i < list->infos->len; i++)
    {
      PmSessionInfo *info = list->infos->pdata[i];
      g_autofree char *when = format_time (info->updated_at);
      g_autofree char *sub = g_strdup_printf (ngettext ("%s · %d run", "%s · %d runs",
                                                        info->n_runs), when, info->n_runs);

      if (is_pending_delete (self, info->id, TRUE))
        continue;
      gtk_list_box_append (self->session_list,
                           make_row (self, info->title ? info->title : _("Untitled"), sub,
                                     list->thumbs->pdata[i], info->id, TRUE));
      shown++;
    }
  if (shown == 0)
    show_status (self, _("No History Yet"),
                 _("Runs are recorded here with their edits and masks."));
  else
    gtk_stack_set_visible_child_name (self->stack, "sessions");
}

static void
fill_runs (PmHistoryPanel *self,
           PmHistoryList  *list)
{
  clear_list (self->run_list);
  for (guint i = 0; i < list->infos->len; i++)
    {
      PmRunInfo *info = list->infos->pdata[i];

      if (is_pending_delete (self, info->id, FALSE))
        continue;
      gtk_list_box_append (self->run_list,
                           make_run_row (self, info, list->thumbs->pdata[i],
                                         g_array_index (list->states, PmResultState, i)));
    }
  select_current (self);
  gtk_stack_set_visible_child_name (self->stack, "runs");
}

typedef struct {
  PmHistoryPanel *self;
  guint           serial;
  gint64          session;
} ListCall;

static void
list_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ListCall *call = user_data;
  PmHistoryPanel *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmHistoryList) list = pm_history_list_finish (PM_APP_STORE (source), result,
                                                          &error);

  self->loading--;
  if (call->serial != self->serial || self->document == NULL)
    ;  /* a later reload, or the panel went */
  else if (list == NULL)
    show_status (self, _("History Unavailable"), error->message);
  else if (call->session == 0)
    fill_sessions (self, list);
  else
    fill_runs (self, list);
  g_object_unref (self);
  g_free (call);
}

/**
 * pm_history_panel_reload:
 *
 * Lists the sessions, or the runs of the session shown, again (when the panel is active).
 */
void
pm_history_panel_reload (PmHistoryPanel *self)
{
  PmAppStore *store;
  ListCall *call;

  g_return_if_fail (PM_IS_HISTORY_PANEL (self));
  store = self->document != NULL ? pm_document_get_store (self->document) : NULL;
  self->serial++;
  if (!self->active)
    return;
  if (store == NULL)
    {
      show_status (self, _("History Unavailable"), _("No history database is open."));
      return;
    }
  call = g_new0 (ListCall, 1);
  call->self = g_object_ref (self);
  call->serial = self->serial;
  call->session = self->session;
  self->loading++;
  pm_history_list_async (store, self->session,
                         gtk_editable_get_text (GTK_EDITABLE (self->search)), THUMB_SIZE,
                         list_done_cb, call);
}

/**
 * pm_history_panel_show_session:
 * @session_id: a session whose runs to list, or 0 for the list of sessions
 */
void
pm_history_panel_show_session (PmHistoryPanel *self,
                               gint64          session_id)
{
  g_return_if_fail (PM_IS_HISTORY_PANEL (self));
  self->session = session_id;
  pm_history_panel_reload (self);
}

/* ---------------------------------------------------------------- deleting */

static void
deletion_free (gpointer data)
{
  Deletion *deletion = data;

  g_clear_object (&deletion->toast);
  g_free (deletion);
}

/* Deletes for real (once), unless undone. */
static void
commit_deletion (Deletion *deletion)
{
  PmHistoryPanel *self = deletion->self;

  if (deletion->done)
    return;
  deletion->done = TRUE;
  if (self->document == NULL)
    return;
  if (deletion->is_session)
    pm_document_delete_session (self->document, deletion->id);
  else
    pm_document_delete_run (self->document, deletion->id);
}

static void
toast_dismissed_cb (AdwToast *toast,
                    Deletion *deletion)
{
  commit_deletion (deletion);
  g_signal_handlers_disconnect_by_data (toast, deletion);
  g_clear_object (&deletion->toast);
}

static void
toast_undo_cb (AdwToast *toast,
               Deletion *deletion)
{
  deletion->done = TRUE;
  deletion->undone = TRUE;
  pm_history_panel_reload (deletion->self);
}

static void
hide_row (GtkListBox *list,
          gint64      id)
{
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (list)); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_LIST_BOX_ROW (c) && get_id (c) == id)
      gtk_widget_set_visible (c, FALSE);
}

/* Hides the run or session and offers Undo; the deletion happens when the toast goes. */
static void
request_delete (PmHistoryPanel *self,
                gint64          id,
                gboolean        is_session,
                const char     *title)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  Deletion *deletion = g_new0 (Deletion, 1);
  g_autofree char *text = NULL;

  deletion->self = self;
  deletion->id = id;
  deletion->is_session = is_session;
  g_ptr_array_add (self->pending_deletes, deletion);
  hide_row (is_session ? self->session_list : self->run_list, id);
  if (overlay == NULL)
    {
      commit_deletion (deletion);
      return;
    }
  text = g_strdup_printf (is_session ? _("Deleted session “%s”") : _("Deleted “%s”"), title);
  deletion->toast = g_object_ref_sink (adw_toast_new (text));
  adw_toast_set_button_label (deletion->toast, _("_Undo"));
  adw_toast_set_priority (deletion->toast, ADW_TOAST_PRIORITY_HIGH);
  g_signal_connect (deletion->toast, "button-clicked", G_CALLBACK (toast_undo_cb), deletion);
  g_signal_connect (deletion->toast, "dismissed", G_CALLBACK (toast_dismissed_cb), deletion);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), g_object_ref (deletion->toast));
}

static void
delete_row (PmHistoryPanel *self,
            GtkWidget      *row)
{
  gboolean is_session = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "pm-session"));
  const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
  g_autofree char *plain = NULL;

  pango_parse_markup (title, -1, 0, NULL, &plain, NULL, NULL);
  request_delete (self, get_id (row), is_session, plain != NULL ? plain : title);
}

static void
delete_clicked_cb (GtkButton      *button,
                   PmHistoryPanel *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_LIST_BOX_ROW);

  if (row != NULL)
    delete_row (self, row);
}

static void
delete_session_clicked_cb (PmHistoryPanel *self)
{
  g_autofree char *title = g_strdup (gtk_label_get_text (self->runs_title));
  gint64 id = self->session;

  if (id == 0)
    return;
  self->session = 0;
  request_delete (self, id, TRUE, title);
  pm_history_panel_reload (self);
}

static gboolean
list_key_pressed_cb (GtkEventControllerKey *controller,
                     guint                  keyval,
                     guint                  keycode,
                     GdkModifierType        state,
                     PmHistoryPanel        *self)
{
  GtkWidget *list = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  GtkWidget *focus = gtk_root_get_focus (gtk_widget_get_root (list));
  GtkWidget *row = focus != NULL ? gtk_widget_get_ancestor (focus, GTK_TYPE_LIST_BOX_ROW) : NULL;

  if ((keyval != GDK_KEY_Delete && keyval != GDK_KEY_KP_Delete) || row == NULL)
    return FALSE;
  delete_row (self, row);
  return TRUE;
}

/* ---------------------------------------------------------------- signals */

static void
session_activated_cb (GtkListBox     *list,
                      GtkListBoxRow  *row,
                      PmHistoryPanel *self)
{
  const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
  g_autofree char *plain = NULL;

  pango_parse_markup (title, -1, 0, NULL, &plain, NULL, NULL);
  gtk_label_set_text (self->runs_title, plain != NULL ? plain : title);
  pm_history_panel_show_session (self, get_id (row));
}

static void
run_activated_cb (GtkListBox     *list,
                  GtkListBoxRow  *row,
                  PmHistoryPanel *self)
{
  if (self->document != NULL)
    pm_document_restore_run (self->document, get_id (row));
}

static void
back_clicked_cb (PmHistoryPanel *self)
{
  pm_history_panel_show_session (self, 0);
}

/* The runs page follows the photo's session (its first run, or a restore elsewhere). */
static void
session_changed_cb (PmHistoryPanel *self)
{
  gint64 session = pm_document_get_session_id (self->document);

  if (self->session != 0 && session != 0 && session != self->session)
    {
      gtk_label_set_text (self->runs_title, pm_document_get_title (self->document));
      self->session = session;
    }
  pm_history_panel_reload (self);
}

void
pm_history_panel_set_document (PmHistoryPanel *self,
                               PmDocument     *document)
{
  g_return_if_fail (PM_IS_HISTORY_PANEL (self));
  g_return_if_fail (document == NULL || PM_IS_DOCUMENT (document));

  if (!g_set_object (&self->document, document))
    return;
  g_signal_group_set_target (self->document_signals, document);
  pm_history_panel_reload (self);
}

PmDocument *
pm_history_panel_get_document (PmHistoryPanel *self)
{
  g_return_val_if_fail (PM_IS_HISTORY_PANEL (self), NULL);
  return self->document;
}

/**
 * pm_history_panel_set_active:
 * @active: whether the panel is shown (it lists only then)
 */
void
pm_history_panel_set_active (PmHistoryPanel *self,
                             gboolean        active)
{
  g_return_if_fail (PM_IS_HISTORY_PANEL (self));
  self->active = active;
  if (active)
    pm_history_panel_reload (self);
}

gint64
pm_history_panel_get_session (PmHistoryPanel *self)
{
  return self->session;
}

const char *
pm_history_panel_get_page (PmHistoryPanel *self)
{
  return gtk_stack_get_visible_child_name (self->stack);
}

GtkListBox *
pm_history_panel_get_session_list (PmHistoryPanel *self)
{
  return self->session_list;
}

GtkListBox *
pm_history_panel_get_run_list (PmHistoryPanel *self)
{
  return self->run_list;
}

GtkWidget *
pm_history_panel_get_delete_session_button (PmHistoryPanel *self)
{
  return GTK_WIDGET (self->delete_session_button);
}

/**
 * pm_history_panel_is_loading:
 *
 * Returns: whether a list is being read from the history
 */
gboolean
pm_history_panel_is_loading (PmHistoryPanel *self)
{
  g_return_val_if_fail (PM_IS_HISTORY_PANEL (self), FALSE);
  return self->loading > 0;
}

AdwToast *
pm_history_panel_get_pending_toast (PmHistoryPanel *self)
{
  g_return_val_if_fail (PM_IS_HISTORY_PANEL (self), NULL);
  for (guint i = self->pending_deletes->len; i > 0; i--)
    {
      Deletion *deletion = self->pending_deletes->pdata[i - 1];
      if (!deletion->done)
        return deletion->toast;
    }
  return NULL;
}

/* ---------------------------------------------------------------- GObject */

static void
pm_history_panel_dispose (GObject *object)
{
  PmHistoryPanel *self = PM_HISTORY_PANEL (object);

  /* Deletions not undone happen now: the toasts go with the window. */
  if (self->pending_deletes != NULL)
    for (guint i = 0; i < self->pending_deletes->len; i++)
      {
        Deletion *deletion = self->pending_deletes->pdata[i];
        commit_deletion (deletion);
        if (deletion->toast != NULL)
          g_signal_handlers_disconnect_by_data (deletion->toast, deletion);
      }
  g_clear_pointer (&self->pending_deletes, g_ptr_array_unref);
  g_clear_object (&self->document_signals);
  g_clear_object (&self->document);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_HISTORY_PANEL);
  G_OBJECT_CLASS (pm_history_panel_parent_class)->dispose (object);
}

static void
pm_history_panel_class_init (PmHistoryPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pm_history_panel_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/paintmask/Paintmask/ui/pm-history-panel.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, PmHistoryPanel, name)
  CHILD (box);
  CHILD (search);
  CHILD (stack);
  CHILD (status);
  CHILD (session_list);
  CHILD (run_list);
  CHILD (runs_title);
  CHILD (back_button);
  CHILD (delete_session_button);
#undef CHILD
}

static void
add_delete_key (PmHistoryPanel *self,
                GtkListBox     *list)
{
  GtkEventController *controller = gtk_event_controller_key_new ();

  g_signal_connect (controller, "key-pressed", G_CALLBACK (list_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (list), controller);
}

static void
pm_history_panel_init (PmHistoryPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->pending_deletes = g_ptr_array_new_with_free_func (deletion_free);

  self->document_signals = g_signal_group_new (PM_TYPE_DOCUMENT);
  g_signal_group_connect_swapped (self->document_signals, "history-changed",
                                  G_CALLBACK (pm_history_panel_reload), self);
  g_signal_group_connect_swapped (self->document_signals, "notify::store",
                                  G_CALLBACK (pm_history_panel_reload), self);
  g_signal_group_connect_swapped (self->document_signals, "notify::current-run",
                                  G_CALLBACK (select_current), self);
  g_signal_group_connect_swapped (self->document_signals, "current-changed",
                                  G_CALLBACK (select_current), self);
  g_signal_group_connect_swapped (self->document_signals, "notify::session-id",
                                  G_CALLBACK (session_changed_cb), self);

  g_signal_connect (self->session_list, "row-activated", G_CALLBACK (session_activated_cb), self);
  g_signal_connect (self->run_list, "row-activated", G_CALLBACK (run_activated_cb), self);
  g_signal_connect_swapped (self->back_button, "clicked", G_CALLBACK (back_clicked_cb), self);
  g_signal_connect_swapped (self->delete_session_button, "clicked",
                            G_CALLBACK (delete_session_clicked_cb), self);
  g_signal_connect_swapped (self->search, "search-changed",
                            G_CALLBACK (pm_history_panel_reload), self);
  add_delete_key (self, self->session_list);
  add_delete_key (self, self->run_list);
}

GtkWidget *
pm_history_panel_new (void)
{
  return g_object_new (PM_TYPE_HISTORY_PANEL, NULL);
}
