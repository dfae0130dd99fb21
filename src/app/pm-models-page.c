/* pm-models-page.c: the Models page of Preferences.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One row per model of the registry (so models added there appear here by themselves). The
 * page only shows the PmModelManager's state and calls it; the manager does all file and
 * network work in workers and says what changed.
 */
#define G_LOG_DOMAIN "pm-models-page"

#include "config.h"

#include <glib/gi18n.h>

#include "pm-models-page.h"

typedef struct {
  const PmModelSpec *spec;
  AdwActionRow      *row;
  GtkWidget         *download_button;
  GtkWidget         *verify_button;
  GtkWidget         *remove_button;
  GtkWidget         *cancel_button;
  GtkWidget         *progress_bar;
  GtkWidget         *spinner;
  char              *status_text;
} Row;

struct _PmModelsPage
{
  AdwPreferencesPage  parent_instance;

  PmModelManager     *manager;
  GPtrArray          *rows;     /* of Row */
};

G_DEFINE_FINAL_TYPE (PmModelsPage, pm_models_page, ADW_TYPE_PREFERENCES_PAGE)

static void
row_free (gpointer data)
{
  Row *row = data;

  g_free (row->status_text);
  g_free (row);
}

static Row *
find_row (PmModelsPage *self,
          const char   *name)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);
      if (g_strcmp0 (row->spec->name, name) == 0)
        return row;
    }
  return NULL;
}

static const char *
model_title (const PmModelSpec *spec)
{
  return spec->title != NULL ? spec->title : spec->name;
}

/* ---------------------------------------------------------------- showing the state */

static char *
size_text (gint64 bytes)
{
  return bytes >= 0 ? g_format_size (bytes) : g_strdup (_("size unknown"));
}

/* A download's size: exact when pinned, else "about" the size the Hub lists. */
static char *
download_size_text (const PmModelSpec *spec)
{
  gboolean exact = FALSE;
  gint64 bytes = pm_model_spec_get_download_size (spec, &exact);
  g_autofree char *text = size_text (bytes);

  if (bytes < 0 || exact)
    return g_steal_pointer (&text);
  /* Translators: an approximate download size, "about 38.9 MB" */
  return g_strdup_printf (_("about %s"), text);
}

static char *
describe (PmModelsPage *self,
          Row          *row)
{
  const char *name = row->spec->name;
  PmModelStatus status = pm_model_manager_get_status (self->manager, name);
  const char *detail = pm_model_manager_get_detail (self->manager, name);
  const char *error = pm_model_manager_get_error (self->manager, name);
  char *text;
  g_autofree char *size = download_size_text (row->spec);
  g_autofree char *licence = g_strdup_printf (_("Licence %s"), row->spec->license != NULL
                                                               ? row->spec->license
                                                               : _("unknown"));
  gint64 done = 0, total = -1;

  switch (pm_model_manager_get_task (self->manager, name))
    {
    case PM_MODEL_TASK_DOWNLOADING:
      {
        g_autofree char *done_text = NULL;

        pm_model_manager_get_progress (self->manager, name, &done, &total);
        done_text = g_format_size (done);
        return g_strdup_printf (_("Downloading… %s of %s"), done_text, size);
      }
    case PM_MODEL_TASK_VERIFYING:
      return g_strdup (_("Verifying…"));
    case PM_MODEL_TASK_REMOVING:
      return g_strdup (_("Removing…"));
    case PM_MODEL_TASK_CHECKING:
      if (!pm_model_manager_is_checked (self->manager))
        return g_strdup (_("Checking…"));
      break;
    case PM_MODEL_TASK_NONE:
    default:
      break;
    }

  switch (status)
    {
    case PM_MODEL_STATUS_INSTALLED:
      text = g_strdup_printf (_("Installed · %s · %s"), size, licence);
      break;
    case PM_MODEL_STATUS_CORRUPT:
      text = g_strdup_printf (_("Corrupt: %s · %s"), detail ? detail : _("a file is damaged"),
                              licence);
      break;
    case PM_MODEL_STATUS_INCOMPLETE:
      text = g_strdup_printf (_("Not installed: the download was interrupted and resumes · "
                                "%s · %s"), size, licence);
      break;
    case PM_MODEL_STATUS_NOT_INSTALLED:
    default:
      text = g_strdup_printf (_("Not installed · %s download · %s"), size, licence);
      break;
    }
  /* The last failure stays in view (a toast may have been missed) until the next task. */
  if (error != NULL)
    {
      char *with_error = g_strdup_printf ("%s\n%s", text, error);
      g_free (text);
      text = with_error;
    }
  return text;
}

static void
update_row (PmModelsPage *self,
            Row          *row)
{
  const char *name = row->spec->name;
  PmModelStatus status = pm_model_manager_get_status (self->manager, name);
  PmModelTask task = pm_model_manager_get_task (self->manager, name);
  gboolean idle = task == PM_MODEL_TASK_NONE ||
                  (task == PM_MODEL_TASK_CHECKING && pm_model_manager_is_checked (self->manager));
  const char *download_label = _("_Download");

  g_free (row->status_text);
  row->status_text = describe (self, row);
  adw_action_row_set_subtitle (row->row, row->status_text);

  if (status == PM_MODEL_STATUS_INCOMPLETE)
    download_label = _("_Resume");
  else if (status == PM_MODEL_STATUS_CORRUPT)
    download_label = _("_Download Again");
  gtk_button_set_label (GTK_BUTTON (row->download_button), download_label);

  gtk_widget_set_visible (row->download_button, idle && status != PM_MODEL_STATUS_INSTALLED);
  gtk_widget_set_visible (row->verify_button, idle && status == PM_MODEL_STATUS_INSTALLED);
  gtk_widget_set_visible (row->remove_button, idle && status != PM_MODEL_STATUS_NOT_INSTALLED);
  gtk_widget_set_visible (row->progress_bar, task == PM_MODEL_TASK_DOWNLOADING);
  gtk_widget_set_visible (row->cancel_button, task == PM_MODEL_TASK_DOWNLOADING ||
                                              task == PM_MODEL_TASK_VERIFYING);
  gtk_widget_set_visible (row->spinner, !idle && task != PM_MODEL_TASK_DOWNLOADING);
  gtk_spinner_set_spinning (GTK_SPINNER (row->spinner), gtk_widget_get_visible (row->spinner));
  if (task == PM_MODEL_TASK_DOWNLOADING)
    {
      double fraction = pm_model_manager_get_progress (self->manager, name, NULL, NULL);
      g_autofree char *percent = g_strdup_printf (_("%.0f %%"), fraction * 100);

      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (row->progress_bar), fraction);
      gtk_progress_bar_set_text (GTK_PROGRESS_BAR (row->progress_bar), percent);
    }
}

static void
changed_cb (PmModelManager *manager,
            const char     *name,
            PmModelsPage   *self)
{
  Row *row = find_row (self, name);

  if (row != NULL)
    update_row (self, row);
}

static void
toast (PmModelsPage *self,
       const char   *message)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  g_debug ("%s", message);
  if (ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), adw_toast_new (message));
}

static void
finished_cb (PmModelManager *manager,
             const char     *name,
             int             task,
             const GError   *error,
             PmModelsPage   *self)
{
  Row *row = find_row (self, name);
  g_autofree char *message = NULL;
  const char *title;

  if (row == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  title = model_title (row->spec);
  switch (task)
    {
    case PM_MODEL_TASK_DOWNLOADING:
      message = error ? g_strdup_printf (_("Could not download %s: %s"), title,
                                         pm_model_manager_get_error (manager, name))
                      : g_strdup_printf (_("%s is installed"), title);
      break;
    case PM_MODEL_TASK_VERIFYING:
      /* The row's detail names the damaged file without its path and digests. */
      message = error ? g_strdup_printf (_("%s failed verification: %s"), title,
                                         pm_model_manager_get_detail (manager, name)
                                         ? pm_model_manager_get_detail (manager, name)
                                         : error->message)
                      : g_strdup_printf (_("%s is intact"), title);
      break;
    case PM_MODEL_TASK_REMOVING:
      message = error ? g_strdup_printf (_("Could not remove %s: %s"), title,
                                         pm_model_manager_get_error (manager, name))
                      : g_strdup_printf (_("%s was removed"), title);
      break;
    default:
      return;
    }
  toast (self, message);
}

/* ---------------------------------------------------------------- actions */

static void
download_clicked_cb (GtkButton    *button,
                     PmModelsPage *self)
{
  Row *row = g_object_get_data (G_OBJECT (button), "pm-row");

  pm_model_manager_download (self->manager, row->spec->name);
}

static void
verify_clicked_cb (GtkButton    *button,
                   PmModelsPage *self)
{
  Row *row = g_object_get_data (G_OBJECT (button), "pm-row");

  pm_model_manager_verify (self->manager, row->spec->name);
}

static void
cancel_clicked_cb (GtkButton    *button,
                   PmModelsPage *self)
{
  Row *row = g_object_get_data (G_OBJECT (button), "pm-row");

  pm_model_manager_cancel (self->manager, row->spec->name);
}

static void
remove_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    PmModelsPage     *self)
{
  const char *name = g_object_get_data (G_OBJECT (dialog), "pm-model");

  if (g_strcmp0 (response, "remove") == 0)
    pm_model_manager_remove (self->manager, name);
}

static void
remove_clicked_cb (GtkButton    *button,
                   PmModelsPage *self)
{
  Row *row = g_object_get_data (G_OBJECT (button), "pm-row");
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *dir = pm_model_manager_get_dir (self->manager, row->spec->name);
  g_autofree char *size = size_text (pm_model_dir_get_size (dir));
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, NULL, NULL);
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Remove %s?"),
                                     model_title (row->spec));
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("This frees %s in “%s”. You can download it again later."),
                                  size, dir);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "remove", _("_Remove"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "pm-model", g_strdup (row->spec->name), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---------------------------------------------------------------- building */

static GtkWidget *
row_button (Row        *row,
            const char *label,
            const char *tooltip,
            GCallback   callback,
            gpointer    self)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, tooltip);
  g_object_set_data (G_OBJECT (button), "pm-row", row);
  g_signal_connect (button, "clicked", callback, self);
  adw_action_row_add_suffix (row->row, button);
  return button;
}

static Row *
add_row (PmModelsPage          *self,
         AdwPreferencesGroup   *group,
         const PmModelSpec     *spec)
{
  Row *row = g_new0 (Row, 1);
  g_autofree char *title = g_markup_escape_text (model_title (spec), -1);
  g_autofree char *tooltip = g_strdup_printf ("%s\n%s@%.12s", spec->description, spec->repo,
                                              spec->revision);

  row->spec = spec;
  row->row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row->row), title);
  adw_action_row_set_subtitle_lines (row->row, 3);
  gtk_widget_set_tooltip_text (GTK_WIDGET (row->row), tooltip);

  row->spinner = gtk_spinner_new ();
  gtk_widget_set_valign (row->spinner, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (row->row, row->spinner);

  row->progress_bar = gtk_progress_bar_new ();
  gtk_progress_bar_set_show_text (GTK_PROGRESS_BAR (row->progress_bar), TRUE);
  gtk_widget_set_size_request (row->progress_bar, 120, -1);
  gtk_widget_set_valign (row->progress_bar, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->progress_bar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Download Progress"), -1);
  adw_action_row_add_suffix (row->row, row->progress_bar);

  row->cancel_button = row_button (row, _("_Cancel"), _("Stop; a later download resumes"),
                                   G_CALLBACK (cancel_clicked_cb), self);
  row->verify_button = row_button (row, _("_Verify"),
                                   _("Check every file's checksum and that the model loads"),
                                   G_CALLBACK (verify_clicked_cb), self);
  row->remove_button = row_button (row, _("_Remove"), _("Delete the model's files"),
                                   G_CALLBACK (remove_clicked_cb), self);
  row->download_button = row_button (row, _("_Download"),
                                     _("Download from the Hugging Face Hub, checking each file"),
                                     G_CALLBACK (download_clicked_cb), self);
  gtk_widget_add_css_class (row->download_button, "suggested-action");

  adw_preferences_group_add (group, GTK_WIDGET (row->row));
  g_ptr_array_add (self->rows, row);
  update_row (self, row);
  return row;
}

/* Shown again: a model may have been downloaded or removed meanwhile (say, with `paintmask
 * model download` in a terminal). */
static void
pm_models_page_map (GtkWidget *widget)
{
  PmModelsPage *self = PM_MODELS_PAGE (widget);

  GTK_WIDGET_CLASS (pm_models_page_parent_class)->map (widget);
  pm_model_manager_refresh (self->manager);
}

static void
pm_models_page_dispose (GObject *object)
{
  PmModelsPage *self = PM_MODELS_PAGE (object);

  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->manager);
  G_OBJECT_CLASS (pm_models_page_parent_class)->dispose (object);
}

static void
pm_models_page_finalize (GObject *object)
{
  PmModelsPage *self = PM_MODELS_PAGE (object);

  g_ptr_array_unref (self->rows);
  G_OBJECT_CLASS (pm_models_page_parent_class)->finalize (object);
}

static void
pm_models_page_class_init (PmModelsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pm_models_page_dispose;
  object_class->finalize = pm_models_page_finalize;
  widget_class->map = pm_models_page_map;
}

static void
pm_models_page_init (PmModelsPage *self)
{
  self->rows = g_ptr_array_new_with_free_func (row_free);
}

/**
 * pm_models_page_new:
 * @manager: the models to show
 *
 * Returns: (transfer floating): the page, one row per model of @manager
 */
GtkWidget *
pm_models_page_new (PmModelManager *manager)
{
  PmModelsPage *self;
  AdwPreferencesGroup *group;
  g_autofree char *where = NULL;

  g_return_val_if_fail (PM_IS_MODEL_MANAGER (manager), NULL);

  self = g_object_new (PM_TYPE_MODELS_PAGE, "title", _("Models"), "icon-name",
                       "folder-download-symbolic", "name", "models", NULL);
  self->manager = g_object_ref (manager);

  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Models"));
  if (pm_model_manager_get_n_models (manager) > 0)
    {
      g_autofree char *dir = pm_model_manager_get_dir (manager,
                                                       pm_model_manager_get_spec (manager, 0)->name);
      g_autofree char *parent = g_path_get_dirname (dir);
      where = g_strdup_printf (_("Engines that need a model load it from “%s”. The built-in "
                                 "engine needs none."), parent);
      adw_preferences_group_set_description (group, where);
    }
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (self), group);
  for (guint i = 0; i < pm_model_manager_get_n_models (manager); i++)
    add_row (self, group, pm_model_manager_get_spec (manager, i));

  g_signal_connect (manager, "changed", G_CALLBACK (changed_cb), self);
  g_signal_connect (manager, "finished", G_CALLBACK (finished_cb), self);
  return GTK_WIDGET (self);
}

/**
 * pm_models_page_get_manager:
 *
 * Returns: (transfer none): the manager the page shows
 */
PmModelManager *
pm_models_page_get_manager (PmModelsPage *self)
{
  g_return_val_if_fail (PM_IS_MODELS_PAGE (self), NULL);
  return self->manager;
}

/**
 * pm_models_page_get_row:
 * @name: a model's name
 *
 * Returns: (transfer none) (nullable): the model's row
 */
GtkWidget *
pm_models_page_get_row (PmModelsPage *self,
                        const char   *name)
{
  Row *row;

  g_return_val_if_fail (PM_IS_MODELS_PAGE (self), NULL);
  row = find_row (self, name);
  return row != NULL ? GTK_WIDGET (row->row) : NULL;
}

/**
 * pm_models_page_get_status_text:
 * @name: a model's name
 *
 * Returns: (nullable): the status line the model's row shows
 */
const char *
pm_models_page_get_status_text (PmModelsPage *self,
                                const char   *name)
{
  Row *row;

  g_return_val_if_fail (PM_IS_MODELS_PAGE (self), NULL);
  row = find_row (self, name);
  return row != NULL ? row->status_text : NULL;
}

/**
 * pm_models_page_get_button:
 * @name: a model's name
 * @what: "download", "verify", "remove" or "cancel"
 *
 * Returns: (transfer none) (nullable): that button of the model's row
 */
GtkWidget *
pm_models_page_get_button (PmModelsPage *self,
                           const char   *name,
                           const char   *what)
{
  Row *row;

  g_return_val_if_fail (PM_IS_MODELS_PAGE (self), NULL);
  row = find_row (self, name);
  if (row == NULL)
    return NULL;
  if (g_str_equal (what, "download"))
    return row->download_button;
  if (g_str_equal (what, "verify"))
    return row->verify_button;
  if (g_str_equal (what, "remove"))
    return row->remove_button;
  if (g_str_equal (what, "cancel"))
    return row->cancel_button;
  return NULL;
}
