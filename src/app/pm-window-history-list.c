/* pm-window-history-list.c: PmWindow's history panel: the session and run lists, their
 * rows and thumbnails, and deleting from them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Store calls go through the application's PmAppStore as in pm-window-history.c; rows and
 * their delete buttons carry the store id of their session or run.
 */
#define G_LOG_DOMAIN "pm-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-format.h"
#include "pm-window-private.h"

#define THUMB_SIZE 48
#define MAX_THUMBS 60


/* ---------------------------------------------------------------- thumbnails */

static GdkTexture *
texture_from_image (const PmImage *image)
{
  g_autoptr(GBytes) bytes = g_bytes_new (image->data, (gsize) image->width * image->height * 4);

  return gdk_memory_texture_new (image->width, image->height, GDK_MEMORY_R8G8B8A8, bytes,
                                 (gsize) image->width * 4);
}

static PmImage *
make_thumb (const PmImage *image)
{
  double s = (double) THUMB_SIZE / MAX (image->width, image->height);

  return pm_image_resize (image, MAX (1, (int) (image->width * s + 0.5)),
                          MAX (1, (int) (image->height * s + 0.5)));
}

static GtkWidget *
thumb_widget (const PmImage *thumb,
              const char    *fallback_icon)
{
  GtkWidget *picture;

  if (thumb == NULL)
    {
      picture = gtk_image_new_from_icon_name (fallback_icon);
      gtk_image_set_pixel_size (GTK_IMAGE (picture), 32);
    }
  else
    {
      g_autoptr(GdkTexture) texture = texture_from_image (thumb);
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

/* ---------------------------------------------------------------- listing */

typedef struct {
  gint64  session_id;   /* 0 = list sessions */
  char   *search;
} ListJob;

typedef struct {
  GPtrArray *infos;     /* of PmSessionInfo or PmRunInfo */
  GPtrArray *thumbs;    /* of PmImage or NULL, parallel */
} ListResult;

static void
list_job_free (gpointer data)
{
  ListJob *job = data;

  g_free (job->search);
  g_free (job);
}

static void
list_result_free (gpointer data)
{
  ListResult *res = data;

  g_ptr_array_unref (res->infos);
  g_ptr_array_unref (res->thumbs);
  g_free (res);
}

static gpointer
list_func (PmStore  *store,
           gpointer  data,
           GError  **error)
{
  ListJob *job = data;
  ListResult *res = g_new0 (ListResult, 1);

  res->thumbs = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_image_free);
  if (job->session_id == 0)
    res->infos = pm_store_list_sessions (store, job->search, error);
  else
    res->infos = pm_store_list_runs (store, job->session_id, job->search, error);
  if (res->infos == NULL)
    {
      res->infos = g_ptr_array_new ();
      list_result_free (res);
      return NULL;
    }
  if (job->session_id != 0)
    g_ptr_array_sort (res->infos, pm_window_compare_runs);

  for (guint i = 0; i < res->infos->len; i++)
    {
      g_autoptr(PmImage) image = NULL;

      if (i < MAX_THUMBS)
        {
          /* The store keeps small previews: no full-size decode per row. */
          if (job->session_id == 0)
            image = pm_store_get_session_thumbnail (store,
                                                    ((PmSessionInfo *) res->infos->pdata[i])->id,
                                                    NULL);
          else
            image = pm_store_get_run_thumbnail (store,
                                                ((PmRunInfo *) res->infos->pdata[i])->id, NULL);
        }
      g_ptr_array_add (res->thumbs, image ? make_thumb (image) : NULL);
    }
  return res;
}

static void delete_clicked_cb (GtkButton *button,
                               PmWindow  *self);

static GtkWidget *
make_row (PmWindow      *self,
          const char    *title,
          const char    *subtitle,
          const PmImage *thumb,
          const char    *icon,
          gint64         id,
          gboolean       is_session)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *del = gtk_button_new_from_icon_name ("user-trash-symbolic");
  g_autofree char *escaped = g_markup_escape_text (title, -1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), escaped);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 2);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), thumb_widget (thumb, icon));
  gtk_widget_add_css_class (del, "flat");
  gtk_widget_set_valign (del, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (del, is_session ? _("Delete Session") : _("Delete Run"));
  g_object_set_data (G_OBJECT (del), "pm-id", GINT_TO_POINTER (0));
  g_object_set_data_full (G_OBJECT (del), "pm-id64", g_memdup2 (&id, sizeof id), g_free);
  g_object_set_data (G_OBJECT (del), "pm-session", GINT_TO_POINTER (is_session));
  g_signal_connect (del, "clicked", G_CALLBACK (delete_clicked_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), del);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), "pm-id64", g_memdup2 (&id, sizeof id), g_free);
  return row;
}

static gint64
widget_id (gpointer widget)
{
  gint64 *id = g_object_get_data (G_OBJECT (widget), "pm-id64");

  return id ? *id : 0;
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

typedef struct {
  PmWindow *self;
  guint     serial;
  gint64    session_id;
} ListCall;

static void
list_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ListCall *call = user_data;
  PmWindow *self = call->self;
  g_autoptr(GError) error = NULL;
  ListResult *res = pm_app_store_call_finish (PM_APP_STORE (source), result, &error);

  pm_window_release (self);
  if (call->serial != self->history_search_serial || self->timeline == NULL)
    goto out;

  if (res == NULL)
    {
      adw_status_page_set_title (self->history_status, _("History Unavailable"));
      adw_status_page_set_description (self->history_status, error->message);
      gtk_stack_set_visible_child_name (self->history_stack, "unavailable");
      goto out;
    }

  if (call->session_id == 0)
    {
      clear_list (self->session_list);
      for (guint i = 0; i < res->infos->len; i++)
        {
          PmSessionInfo *info = res->infos->pdata[i];
          g_autofree char *when = format_time (info->updated_at);
          g_autofree char *sub = g_strdup_printf (ngettext ("%s · %d run", "%s · %d runs",
                                                            info->n_runs), when, info->n_runs);
          gtk_list_box_append (self->session_list,
                               make_row (self, info->title ? info->title : _("Untitled"), sub,
                                         res->thumbs->pdata[i], "image-x-generic-symbolic",
                                         info->id, TRUE));
        }
      if (res->infos->len == 0)
        {
          adw_status_page_set_title (self->history_status, _("No History Yet"));
          adw_status_page_set_description (self->history_status,
                                           _("Runs are recorded here with their edits and masks."));
          gtk_stack_set_visible_child_name (self->history_stack, "unavailable");
        }
      else
        gtk_stack_set_visible_child_name (self->history_stack, "sessions");
    }
  else
    {
      PmRunEntry *current = pm_window_get_entry (self);

      clear_list (self->run_list);
      for (guint i = 0; i < res->infos->len; i++)
        {
          PmRunInfo *info = res->infos->pdata[i];
          g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (info->started_at / G_USEC_PER_SEC);
          g_autofree char *when = dt ? g_date_time_format (dt, "%x %X") : g_strdup ("");
          g_autofree char *sub = g_strdup_printf ("%s · %s · %.1f s", info->engine ? info->engine : "?",
                                                  when, info->duration_ms / 1000.0);
          GtkWidget *row = make_row (self, info->instruction ? info->instruction : "", sub,
                                     res->thumbs->pdata[i], "image-x-generic-symbolic",
                                     info->id, FALSE);
          gtk_list_box_append (self->run_list, row);
          if (current != NULL && current->run_id == info->id)
            gtk_list_box_select_row (self->run_list, GTK_LIST_BOX_ROW (row));
        }
      gtk_stack_set_visible_child_name (self->history_stack, "runs");
    }

out:
  if (res != NULL)
    list_result_free (res);
  g_object_unref (call->self);
  g_free (call);
}

void
pm_window_reload_history (PmWindow *self)
{
  PmAppStore *store;
  ListJob *job;
  ListCall *call;
  const char *search;

  g_return_if_fail (PM_IS_WINDOW (self));
  if (!adw_flap_get_reveal_flap (self->flap) || (store = pm_window_get_store (self)) == NULL)
    return;

  search = gtk_editable_get_text (GTK_EDITABLE (self->history_search));
  job = g_new0 (ListJob, 1);
  job->session_id = self->history_session;
  job->search = *search ? g_strdup (search) : NULL;
  call = g_new0 (ListCall, 1);
  call->self = g_object_ref (self);
  call->serial = ++self->history_search_serial;
  call->session_id = self->history_session;
  pm_window_hold (self);
  pm_app_store_call_async (store, list_func, job, list_job_free, list_result_free, NULL,
                           list_done_cb, call);
}

/* ---------------------------------------------------------------- deleting */

static gpointer
delete_func (PmStore  *store,
             gpointer  data,
             GError  **error)
{
  PmIdJob *job = data;
  gboolean ok = job->id2 ? pm_store_delete_session (store, job->id, error)
                         : pm_store_delete_run (store, job->id, error);

  return ok ? GINT_TO_POINTER (1) : NULL;
}

static void
simple_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(PmWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  pm_window_release (self);
  if (pm_app_store_call_finish (PM_APP_STORE (source), result, &error) == NULL)
    pm_window_error (self, error->message);
  else if (self->timeline != NULL)
    pm_window_reload_history (self);
}

static void
forget_deleted (PmWindow *self,
                gint64    id,
                gboolean  is_session)
{
  if (is_session && self->photo != NULL && self->photo->session_id == id)
    self->photo->session_id = 0;
  for (guint i = 0; i < self->timeline->len; i++)
    {
      PmRunEntry *entry = self->timeline->pdata[i];
      if (!is_session && entry->run_id == id)
        entry->run_id = 0;
      else if (is_session && self->photo != NULL && self->photo->session_id == 0)
        entry->run_id = 0;
    }
  pm_window_update_actions (self);
}

static void
delete_clicked_cb (GtkButton *button,
                   PmWindow  *self)
{
  gint64 id = widget_id (button);
  gboolean is_session = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "pm-session"));
  PmIdJob *job = pm_id_job_new (id, NULL);

  job->id2 = is_session;
  forget_deleted (self, id, is_session);
  pm_window_hold (self);
  pm_app_store_call_async (pm_window_get_store (self), delete_func, job, pm_id_job_free, NULL, NULL,
                           simple_done_cb, g_object_ref (self));
}

static void
delete_session_clicked_cb (PmWindow *self)
{
  PmIdJob *job;

  if (self->history_session == 0)
    return;
  job = pm_id_job_new (self->history_session, NULL);
  job->id2 = TRUE;
  forget_deleted (self, self->history_session, TRUE);
  self->history_session = 0;
  pm_window_hold (self);
  pm_app_store_call_async (pm_window_get_store (self), delete_func, job, pm_id_job_free, NULL, NULL,
                           simple_done_cb, g_object_ref (self));
}

/* ---------------------------------------------------------------- panel signals */

static void
session_activated_cb (GtkListBox    *list,
                      GtkListBoxRow *row,
                      PmWindow      *self)
{
  const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));

  self->history_session = widget_id (row);
  gtk_label_set_text (self->runs_title, title);
  pm_window_reload_history (self);
}

static void
run_activated_cb (GtkListBox    *list,
                  GtkListBoxRow *row,
                  PmWindow      *self)
{
  pm_window_restore_run (self, widget_id (row));
}

static void
back_clicked_cb (PmWindow *self)
{
  self->history_session = 0;
  pm_window_reload_history (self);
}

static void
search_changed_cb (PmWindow *self)
{
  pm_window_reload_history (self);
}

void
pm_window_init_history (PmWindow *self)
{
  g_signal_connect (self->session_list, "row-activated", G_CALLBACK (session_activated_cb), self);
  g_signal_connect (self->run_list, "row-activated", G_CALLBACK (run_activated_cb), self);
  g_signal_connect_swapped (self->history_back_button, "clicked",
                            G_CALLBACK (back_clicked_cb), self);
  g_signal_connect_swapped (self->delete_session_button, "clicked",
                            G_CALLBACK (delete_session_clicked_cb), self);
  g_signal_connect_swapped (self->history_search, "search-changed",
                            G_CALLBACK (search_changed_cb), self);
  pm_window_reload_history (self);
}

