/* pm-endpoint-row.c: one saved remote server in Preferences.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An expander row: name, server profile, URL, model, options, the profile's recommended
 * defaults, the API key (written to the keyring, never shown again), Test Connection and
 * Remove. The test sends a 64×64 image through the real engine in a worker and reports the
 * time, what changed and what the server sent back, or its error.
 */
#define G_LOG_DOMAIN "pm-endpoint-row"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "pm-endpoint-row.h"
#include "pm-remote.h"

struct _PmEndpointRow
{
  AdwExpanderRow       parent_instance;

  /* children */
  AdwEntryRow         *name_row;
  AdwComboRow         *profile_row;
  AdwEntryRow         *url_row;
  AdwEntryRow         *model_row;
  AdwEntryRow         *options_row;
  AdwActionRow        *defaults_row;
  AdwPasswordEntryRow *key_row;
  AdwActionRow        *test_row;
  GtkWidget           *test_button;
  GtkWidget           *spinner;

  /* owned */
  PmEndpoint          *endpoint;
  char                *report;
  GCancellable        *test_cancellable;
  double               timeout_s;
};

G_DEFINE_FINAL_TYPE (PmEndpointRow, pm_endpoint_row, ADW_TYPE_EXPANDER_ROW)

enum { SIGNAL_CHANGED, SIGNAL_REMOVE, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
toast (PmEndpointRow *self,
       const char    *text)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), adw_toast_new (text));
  else
    g_message ("%s", text);
}

static PmRemoteProfile
current_profile (PmEndpointRow *self)
{
  PmRemoteProfile p = PM_REMOTE_DEFAULT_PROFILE;

  pm_remote_profile_from_string (self->endpoint->profile, &p);
  return p;
}

/* Titles and subtitles that depend on the fields. */
static void
update_texts (PmEndpointRow *self)
{
  PmRemoteProfile p = current_profile (self);
  const char *server = pm_endpoint_get_server (self->endpoint);
  const char *default_url = pm_remote_profile_get_default_endpoint (p);
  const char *default_model = pm_remote_profile_get_default_model (p);
  g_autofree char *subtitle = NULL, *url_title = NULL, *model_title = NULL;
  g_autofree char *defaults = pm_remote_profile_describe_defaults (
      p, *self->endpoint->model != '\0' ? self->endpoint->model : NULL);

  subtitle = g_strdup_printf ("%s · %s", pm_remote_profile_get_title (p),
                              server != NULL ? server : _("needs a server URL"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), self->endpoint->name);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (self), subtitle);

  url_title = default_url != NULL
              ? g_strdup_printf (_("Server URL (empty: %s)"), default_url)
              : g_strdup_printf (_("Server URL (%s)"), pm_remote_profile_get_endpoint_hint (p));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->url_row), url_title);
  model_title = default_model != NULL
                ? g_strdup_printf (_("Model (empty: %s)"), default_model)
                : g_strdup (_("Model (empty: the server's own)"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->model_row), model_title);

  {
    g_auto(GStrv) lines = g_strsplit (defaults, "\n", -1);
    g_autofree char *shown = g_strjoinv ("; ", lines);
    adw_action_row_set_subtitle (self->defaults_row,
                                 *shown != '\0' ? shown : _("none: the server's own"));
  }
}

/* ---------------------------------------------------------------- edits */

static void
changed (PmEndpointRow *self)
{
  update_texts (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
text_applied_cb (AdwEntryRow   *row,
                 PmEndpointRow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
  g_autofree char *clean = g_strstrip (g_strdup (text));

  if (row == self->name_row)
    {
      if (*clean == '\0')
        {
          toast (self, _("A server needs a name"));
          gtk_editable_set_text (GTK_EDITABLE (row), self->endpoint->name);
          return;
        }
      g_free (self->endpoint->name);
      self->endpoint->name = g_steal_pointer (&clean);
    }
  else if (row == self->url_row)
    {
      g_free (self->endpoint->url);
      self->endpoint->url = g_steal_pointer (&clean);
    }
  else if (row == self->model_row)
    {
      g_free (self->endpoint->model);
      self->endpoint->model = g_steal_pointer (&clean);
    }
  else if (row == self->options_row)
    {
      g_auto(GStrv) options = pm_endpoint_options_from_text (text);
      g_autoptr(GError) error = NULL;

      if (!pm_remote_options_validate (current_profile (self), (const char * const *) options,
                                       &error))
        {
          gtk_widget_add_css_class (GTK_WIDGET (row), "error");
          toast (self, error->message);
          return;
        }
      gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
      g_strfreev (self->endpoint->options);
      self->endpoint->options = g_steal_pointer (&options);
    }
  changed (self);
}

static void
profile_selected_cb (PmEndpointRow *self)
{
  guint i = adw_combo_row_get_selected (self->profile_row);

  if (i >= PM_REMOTE_N_PROFILES ||
      g_strcmp0 (self->endpoint->profile, pm_remote_profile_to_string (i)) == 0)
    return;
  g_free (self->endpoint->profile);
  self->endpoint->profile = g_strdup (pm_remote_profile_to_string (i));
  changed (self);
}

static void
remove_clicked_cb (PmEndpointRow *self)
{
  g_signal_emit (self, signals[SIGNAL_REMOVE], 0);
}

/* ---------------------------------------------------------------- the key */

typedef struct {
  char *server;
  char *key;
} KeyJob;

static void
key_job_free (gpointer data)
{
  KeyJob *job = data;

  g_free (job->server);
  if (job->key != NULL)
    memset (job->key, 0, strlen (job->key));
  g_free (job->key);
  g_free (job);
}

static void
store_key_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  KeyJob *job = task_data;
  GError *error = NULL;

  /* libsecret blocks on D-Bus: keep it off the main thread. */
  if (pm_remote_store_api_key (job->server, job->key, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
store_key_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  PmEndpointRow *self = PM_ENDPOINT_ROW (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    text = g_strdup_printf (_("The API key was not saved: %s"), error->message);
  else
    text = g_strdup_printf (_("API key for %s saved in the keyring"),
                            pm_endpoint_get_server (self->endpoint));
  toast (self, text);
}

static void
key_applied_cb (AdwEntryRow   *row,
                PmEndpointRow *self)
{
  const char *server = pm_endpoint_get_server (self->endpoint);
  g_autoptr(GTask) task = NULL;
  KeyJob *job;

  if (server == NULL)
    {
      gtk_editable_set_text (GTK_EDITABLE (row), "");
      toast (self, _("Set the server URL first: the key is kept for that server"));
      return;
    }
  job = g_new0 (KeyJob, 1);
  job->server = g_strdup (server);
  job->key = g_strdup (gtk_editable_get_text (GTK_EDITABLE (row)));
  gtk_editable_set_text (GTK_EDITABLE (row), "");
  task = g_task_new (self, NULL, store_key_done_cb, NULL);
  g_task_set_task_data (task, job, key_job_free);
  g_task_run_in_thread (task, store_key_thread);
}

/* ---------------------------------------------------------------- Test Connection */

PmImage *
pm_endpoint_test_image (void)
{
  PmImage *image = pm_image_new (64, 64);

  for (int y = 0; y < 64; y++)
    for (int x = 0; x < 64; x++)
      {
        guint8 *p = image->data + ((gsize) y * 64 + x) * 4;
        gboolean disc = (x - 32) * (x - 32) + (y - 32) * (y - 32) <= 18 * 18;
        p[0] = disc ? 220 : 128;
        p[1] = disc ? 30 : 128;
        p[2] = disc ? 30 : 128;
        p[3] = 255;
      }
  return image;
}

typedef struct {
  PmEngineOptions options;
} TestJob;

static void
test_job_free (gpointer data)
{
  TestJob *job = data;

  pm_engine_options_clear (&job->options);
  g_free (job);
}

/* Share of pixels whose colour moved visibly. */
static double
changed_share (const PmImage *a,
               const PmImage *b)
{
  gsize n = (gsize) a->width * a->height, changed = 0;

  for (gsize i = 0; i < n; i++)
    {
      int d = 0;
      for (int c = 0; c < 3; c++)
        d = MAX (d, abs ((int) a->data[i * 4 + c] - (int) b->data[i * 4 + c]));
      changed += d > 48;
    }
  return (double) changed / n;
}

static void
test_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  TestJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmEngine) engine = pm_engine_new ("remote", &job->options, &error);
  g_autoptr(PmImage) image = pm_endpoint_test_image ();
  g_autoptr(PmInstruction) ins = pm_instruction_parse (PM_ENDPOINT_TEST_INSTRUCTION);
  PmEngineResult result = { 0 };
  double t0 = pm_now_ms ();
  char *report;

  if (engine == NULL)
    {
      g_task_return_pointer (task, g_strdup_printf (_("Not tested: %s"), error->message), g_free);
      return;
    }
  if (!pm_engine_run (engine, image, ins, NULL, NULL, cancellable, &result, &error))
    report = g_strdup_printf (_("Failed after %.1f s: %s"), (pm_now_ms () - t0) / 1000,
                              error->message);
  else
    {
      g_autofree char *what = NULL;
      what = g_strdup_printf (_("%.0f %% of the %d×%d test image changed"),
                              100 * changed_share (image, result.edited),
                              result.edited->width, result.edited->height);
      report = g_strdup_printf (_("Answered in %.1f s: %s%s%s"), (pm_now_ms () - t0) / 1000,
                                what, result.message != NULL ? ". " : "",
                                result.message != NULL ? result.message : "");
    }
  pm_engine_result_clear (&result);
  g_task_return_pointer (task, report, g_free);
}

static void
test_done_cb (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  PmEndpointRow *self = PM_ENDPOINT_ROW (source);
  g_autoptr(GError) error = NULL;
  char *report = g_task_propagate_pointer (G_TASK (res), &error);

  if (report == NULL)   /* the row went away: nothing to show */
    return;
  g_free (self->report);
  self->report = report;
  adw_action_row_set_subtitle (self->test_row, report);
  gtk_spinner_stop (GTK_SPINNER (self->spinner));
  gtk_widget_set_visible (self->spinner, FALSE);
  gtk_widget_set_sensitive (self->test_button, TRUE);
  g_clear_object (&self->test_cancellable);
}

void
pm_endpoint_row_test (PmEndpointRow *self)
{
  g_autoptr(GTask) task = NULL;
  TestJob *job;

  g_return_if_fail (PM_IS_ENDPOINT_ROW (self));
  if (self->test_cancellable != NULL)
    return;
  job = g_new0 (TestJob, 1);
  pm_endpoint_fill_options (self->endpoint, &job->options);
  job->options.timeout_s = self->timeout_s;
  self->test_cancellable = g_cancellable_new ();
  g_clear_pointer (&self->report, g_free);
  adw_action_row_set_subtitle (self->test_row, _("Sending a 64×64 test edit…"));
  gtk_widget_set_visible (self->spinner, TRUE);
  gtk_spinner_start (GTK_SPINNER (self->spinner));
  gtk_widget_set_sensitive (self->test_button, FALSE);

  task = g_task_new (self, self->test_cancellable, test_done_cb, NULL);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_set_task_data (task, job, test_job_free);
  g_task_run_in_thread (task, test_thread);
}

/* ---------------------------------------------------------------- building */

static AdwEntryRow *
add_entry_row (PmEndpointRow *self,
               GtkWidget     *row,
               const char    *title,
               const char    *text)
{
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (self), row);
  return ADW_ENTRY_ROW (row);
}

static void
build_rows (PmEndpointRow *self)
{
  g_autoptr(GtkStringList) titles = gtk_string_list_new (NULL);
  g_autofree char *options = pm_endpoint_options_to_text (self->endpoint->options);
  GtkWidget *remove_button;

  self->name_row = add_entry_row (self, adw_entry_row_new (), _("Name (shown in the engine menu)"),
                                  self->endpoint->name);
  for (int i = 0; i < PM_REMOTE_N_PROFILES; i++)
    gtk_string_list_append (titles, pm_remote_profile_get_short_title (i));
  self->profile_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->profile_row), _("Server Profile"));
  adw_combo_row_set_model (self->profile_row, G_LIST_MODEL (titles));
  adw_combo_row_set_selected (self->profile_row, current_profile (self));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (self), GTK_WIDGET (self->profile_row));
  self->url_row = add_entry_row (self, adw_entry_row_new (), "", self->endpoint->url);
  self->model_row = add_entry_row (self, adw_entry_row_new (), "", self->endpoint->model);
  self->options_row = add_entry_row (self, adw_entry_row_new (),
                                     _("Options (KEY=VALUE; …, over the recommended ones)"),
                                     options);
  self->defaults_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->defaults_row),
                                 _("Recommended for “edit only the object”"));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (self), GTK_WIDGET (self->defaults_row));
  self->key_row = ADW_PASSWORD_ENTRY_ROW (add_entry_row (self, adw_password_entry_row_new (),
                                                         _("API Key (saved in the keyring)"), ""));

  self->test_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->test_row), _("Connection"));
  adw_action_row_set_subtitle (self->test_row, _("Not tested"));
  self->spinner = gtk_spinner_new ();
  gtk_widget_set_visible (self->spinner, FALSE);
  adw_action_row_add_suffix (self->test_row, self->spinner);
  self->test_button = gtk_button_new_with_mnemonic (_("_Test Connection"));
  gtk_widget_set_valign (self->test_button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (self->test_button, _("Send a 64×64 test edit and report what comes back"));
  g_signal_connect_swapped (self->test_button, "clicked", G_CALLBACK (pm_endpoint_row_test), self);
  adw_action_row_add_suffix (self->test_row, self->test_button);
  remove_button = gtk_button_new_with_mnemonic (_("_Remove"));
  gtk_widget_set_valign (remove_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove_button, "destructive-action");
  g_signal_connect_swapped (remove_button, "clicked", G_CALLBACK (remove_clicked_cb), self);
  adw_action_row_add_suffix (self->test_row, remove_button);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (self), GTK_WIDGET (self->test_row));

  g_signal_connect (self->name_row, "apply", G_CALLBACK (text_applied_cb), self);
  g_signal_connect (self->url_row, "apply", G_CALLBACK (text_applied_cb), self);
  g_signal_connect (self->model_row, "apply", G_CALLBACK (text_applied_cb), self);
  g_signal_connect (self->options_row, "apply", G_CALLBACK (text_applied_cb), self);
  g_signal_connect (self->key_row, "apply", G_CALLBACK (key_applied_cb), self);
  g_signal_connect_swapped (self->profile_row, "notify::selected",
                            G_CALLBACK (profile_selected_cb), self);
}

static void
pm_endpoint_row_dispose (GObject *object)
{
  PmEndpointRow *self = PM_ENDPOINT_ROW (object);

  if (self->test_cancellable != NULL)
    g_cancellable_cancel (self->test_cancellable);
  g_clear_object (&self->test_cancellable);
  G_OBJECT_CLASS (pm_endpoint_row_parent_class)->dispose (object);
}

static void
pm_endpoint_row_finalize (GObject *object)
{
  PmEndpointRow *self = PM_ENDPOINT_ROW (object);

  pm_endpoint_free (self->endpoint);
  g_free (self->report);
  G_OBJECT_CLASS (pm_endpoint_row_parent_class)->finalize (object);
}

static void
pm_endpoint_row_class_init (PmEndpointRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pm_endpoint_row_dispose;
  object_class->finalize = pm_endpoint_row_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_REMOVE] = g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
pm_endpoint_row_init (PmEndpointRow *self)
{
  self->timeout_s = PM_REMOTE_DEFAULT_TIMEOUT_S;
}

/**
 * pm_endpoint_row_new:
 * @endpoint: the saved server (copied)
 *
 * Returns: (transfer full): a row editing a copy of @endpoint
 */
GtkWidget *
pm_endpoint_row_new (const PmEndpoint *endpoint)
{
  PmEndpointRow *self = g_object_new (PM_TYPE_ENDPOINT_ROW, NULL);

  self->endpoint = pm_endpoint_copy (endpoint);
  build_rows (self);
  update_texts (self);
  return GTK_WIDGET (self);
}

const PmEndpoint *
pm_endpoint_row_get_endpoint (PmEndpointRow *self)
{
  g_return_val_if_fail (PM_IS_ENDPOINT_ROW (self), NULL);
  return self->endpoint;
}

void
pm_endpoint_row_set_timeout (PmEndpointRow *self,
                             double         timeout_s)
{
  g_return_if_fail (PM_IS_ENDPOINT_ROW (self));
  self->timeout_s = timeout_s > 0 ? timeout_s : PM_REMOTE_DEFAULT_TIMEOUT_S;
}

const char *
pm_endpoint_row_get_test_report (PmEndpointRow *self)
{
  g_return_val_if_fail (PM_IS_ENDPOINT_ROW (self), NULL);
  return self->report;
}

gboolean
pm_endpoint_row_is_testing (PmEndpointRow *self)
{
  g_return_val_if_fail (PM_IS_ENDPOINT_ROW (self), FALSE);
  return self->test_cancellable != NULL;
}

GtkWidget *
pm_endpoint_row_get_field (PmEndpointRow *self,
                           const char    *field)
{
  g_return_val_if_fail (PM_IS_ENDPOINT_ROW (self), NULL);
  if (g_str_equal (field, "name"))
    return GTK_WIDGET (self->name_row);
  if (g_str_equal (field, "url"))
    return GTK_WIDGET (self->url_row);
  if (g_str_equal (field, "model"))
    return GTK_WIDGET (self->model_row);
  if (g_str_equal (field, "options"))
    return GTK_WIDGET (self->options_row);
  if (g_str_equal (field, "key"))
    return GTK_WIDGET (self->key_row);
  if (g_str_equal (field, "profile"))
    return GTK_WIDGET (self->profile_row);
  return NULL;
}
