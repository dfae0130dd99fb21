/* pm-run-items.c: the objects of the run on screen, read from the history.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A run of several objects is recorded with one mask per object (pm_store_record_run()). When
 * the document shows such a run — just made, or restored from the history — its objects are
 * read from the store in the store's thread: their description (runs.items) and each one's
 * newest mask. Views observe ::changed (the list or an object's mask) and notify::selected.
 *
 * Selecting an object makes it the document's correction target: an entry of its own
 * (PmRunEntry.item) holds its mask and corrections, kept while the run is on screen, so the
 * correction tools, undo and redo act on that object (pm_document_set_correction_target()).
 */
#define G_LOG_DOMAIN "pm-run-items"

#include "config.h"

#include <json-glib/json-glib.h>

#include "pm-run-items.h"

struct _PmRunItems
{
  GObject       parent_instance;

  PmDocument   *document;    /* weak */
  GPtrArray    *items;       /* of PmRunItem */
  gint64        run_id;      /* whose items these are; 0 = none */
  gint64        loading;     /* run being read, 0 = none */
  int           selected;
  GPtrArray    *entries;     /* of PmRunEntry or NULL, per object: its correction entry */
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (PmRunItems, pm_run_items, G_TYPE_OBJECT)

enum { PROP_0, PROP_SELECTED, N_PROPS };
enum { SIGNAL_CHANGED, N_SIGNALS };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void mask_changed_cb (PmRunItems *self);
static void add_corrected   (PmRunItems *self);

static void
run_item_free (PmRunItem *item)
{
  g_free (item->target);
  g_free (item->color_name);
  pm_mask_free (item->mask);
  pm_mask_free (item->base);
  pm_mask_free (item->soft);
  g_free (item);
}

/* ---------------------------------------------------------------- reading (store thread) */

static gpointer
read_items (PmStore  *store,
            gpointer  data,
            GError  **error)
{
  gint64 run_id = *(gint64 *) data;
  g_autoptr(PmRunInfo) info = pm_store_get_run (store, run_id, error);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) run_item_free);
  JsonArray *array;

  if (info == NULL)
    return NULL;
  if (info->items_json == NULL || (root = json_from_string (info->items_json, NULL)) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (root))
    return g_steal_pointer (&items);   /* one object: no items */
  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);
      PmRunItem *item = g_new0 (PmRunItem, 1);
      g_autoptr(GError) local_error = NULL;

      item->target = g_strdup (json_object_get_string_member_with_default (o, "target", ""));
      item->color_name = g_strdup (json_object_get_string_member_with_default (o, "color_name",
                                                                               NULL));
      if (!pm_color_parse (json_object_get_string_member_with_default (o, "color", "#ff00ff"),
                           &item->color))
        item->color = (PmRgb) { 1, 0, 1 };
      if (!pm_result_state_from_string (json_object_get_string_member_with_default (o, "result",
                                                                                    "found"),
                                        &item->state))
        item->state = PM_RESULT_FOUND;
      item->base = pm_store_get_item_mask (store, run_id, (int) i + 1, PM_ARTIFACT_MASK,
                                           &local_error);
      item->soft = pm_store_get_item_mask (store, run_id, (int) i + 1, PM_ARTIFACT_SOFT_MASK,
                                           NULL);
      item->mask = pm_store_get_item_correction_mask (store, run_id, (int) i + 1, 0, NULL);
      if (item->mask == NULL && item->base != NULL)
        item->mask = pm_mask_copy (item->base);
      if (item->mask != NULL)
        item->pixels = pm_mask_count (item->mask);
      g_ptr_array_add (items, item);
    }
  return g_steal_pointer (&items);
}

static void
items_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(PmRunItems) self = user_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *items = pm_app_store_call_finish (PM_APP_STORE (source), result, &error);

  if (items == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (items == NULL)
    g_debug ("reading the run's objects: %s", error->message);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  self->items = items;
  self->run_id = self->loading;
  self->loading = 0;
  self->selected = -1;
  add_corrected (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* ---------------------------------------------------------------- following the document */

static void
clear_items (PmRunItems *self)
{
  gboolean had = self->items != NULL && self->items->len > 0;

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  self->run_id = 0;
  self->selected = -1;
  if (had)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
update (PmRunItems *self)
{
  PmRunEntry *entry;
  PmAppStore *store;
  gint64 run_id;

  if (self->document == NULL)
    return;
  entry = pm_document_get_current (self->document);
  run_id = entry != NULL ? entry->run_id : 0;
  if (run_id == self->run_id || run_id == self->loading)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->loading = 0;
  clear_items (self);
  store = pm_document_get_store (self->document);
  if (run_id <= 0 || store == NULL)
    return;
  self->loading = run_id;
  self->cancellable = g_cancellable_new ();
  pm_app_store_call_async (store, read_items, g_memdup2 (&run_id, sizeof run_id), g_free,
                           (GDestroyNotify) g_ptr_array_unref, self->cancellable,
                           items_read_cb, g_object_ref (self));
}

/* ---------------------------------------------------------------- API */

PmRunItems *
pm_run_items_new (PmDocument *document)
{
  PmRunItems *self;

  g_return_val_if_fail (PM_IS_DOCUMENT (document), NULL);
  self = g_object_new (PM_TYPE_RUN_ITEMS, NULL);
  self->document = document;
  g_object_add_weak_pointer (G_OBJECT (document), (gpointer *) &self->document);
  g_signal_connect_object (document, "current-changed", G_CALLBACK (update), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (document, "history-changed", G_CALLBACK (update), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (document, "mask-changed", G_CALLBACK (mask_changed_cb), self,
                           G_CONNECT_SWAPPED);
  update (self);
  return self;
}

guint
pm_run_items_get_n_items (PmRunItems *self)
{
  g_return_val_if_fail (PM_IS_RUN_ITEMS (self), 0);
  return self->items != NULL ? self->items->len : 0;
}

const PmRunItem *
pm_run_items_get_item (PmRunItems *self,
                       guint       index)
{
  g_return_val_if_fail (PM_IS_RUN_ITEMS (self), NULL);
  g_return_val_if_fail (index < pm_run_items_get_n_items (self), NULL);
  return self->items->pdata[index];
}

gint64
pm_run_items_get_run_id (PmRunItems *self)
{
  g_return_val_if_fail (PM_IS_RUN_ITEMS (self), 0);
  return self->run_id;
}

int
pm_run_items_get_selected (PmRunItems *self)
{
  g_return_val_if_fail (PM_IS_RUN_ITEMS (self), -1);
  return self->selected;
}

/* Objects not picked yet have no entry. */
static void
entry_unref0 (gpointer entry)
{
  if (entry != NULL)
    pm_run_entry_unref (entry);
}

/* The correction entry of object @index, made on first use from the run on screen. */
static PmRunEntry *
item_entry (PmRunItems *self,
            guint       index)
{
  PmRunEntry *run = pm_document_get_current (self->document);
  const PmRunItem *item = self->items->pdata[index];
  PmRunEntry *entry;

  if (self->entries == NULL)
    self->entries = g_ptr_array_new_full (self->items->len, entry_unref0);
  while (self->entries->len <= index)
    g_ptr_array_add (self->entries, NULL);
  if (self->entries->pdata[index] != NULL)
    return self->entries->pdata[index];
  if (run == NULL || run->run_id != self->run_id || run->edited == NULL || item->mask == NULL ||
      item->base == NULL || item->base->width != run->edited->width ||
      item->base->height != run->edited->height ||
      item->mask->width != item->base->width || item->mask->height != item->base->height)
    return NULL;
  entry = pm_run_entry_new (run->instruction, run->engine);
  entry->item = (int) index + 1;
  entry->run_id = entry->store_run_id = run->run_id;
  entry->state = item->state;
  entry->color = item->color;
  pm_run_entry_set_result (entry, pm_image_copy (run->edited), pm_mask_copy (item->base),
                           item->soft != NULL && item->soft->width == item->base->width &&
                           item->soft->height == item->base->height
                             ? pm_mask_copy (item->soft) : NULL,
                           pm_mask_copy (item->mask));
  self->entries->pdata[index] = entry;
  return entry;
}

/* Objects corrected before (read back from the history) show their corrections in the
 * edit at once, not only once picked. */
static void
add_corrected (PmRunItems *self)
{
  PmRunEntry *entry;

  if (self->document == NULL || self->items == NULL)
    return;
  for (guint i = 0; i < self->items->len; i++)
    {
      const PmRunItem *item = self->items->pdata[i];

      if (item->mask != NULL && item->base != NULL && !pm_mask_equal (item->mask, item->base) &&
          (entry = item_entry (self, i)) != NULL)
        pm_document_add_item_entry (self->document, entry);
    }
}

void
pm_run_items_set_selected (PmRunItems *self,
                           int         index)
{
  g_return_if_fail (PM_IS_RUN_ITEMS (self));
  if (index >= (int) pm_run_items_get_n_items (self))
    index = -1;
  if (index == self->selected)
    return;
  self->selected = index;
  if (self->document != NULL)
    pm_document_set_correction_target (self->document,
                                       index >= 0 ? item_entry (self, index) : NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
}

/* A correction (or its undo) changed the selected object's mask. */
static void
mask_changed_cb (PmRunItems *self)
{
  PmRunEntry *target;
  PmRunItem *item;

  if (self->document == NULL || self->selected < 0)
    return;
  target = pm_document_get_correction_entry (self->document);
  if (target == NULL || target->item != self->selected + 1)
    return;
  item = self->items->pdata[self->selected];
  pm_mask_free (item->mask);
  item->mask = pm_mask_copy (pm_document_get_correcting (self->document)
                             ? pm_document_get_working_mask (self->document)
                             : pm_run_entry_get_mask (target));
  item->pixels = pm_mask_count (item->mask);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
pm_run_items_dispose (GObject *object)
{
  PmRunItems *self = PM_RUN_ITEMS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->document != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->document), (gpointer *) &self->document);
  self->document = NULL;
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  G_OBJECT_CLASS (pm_run_items_parent_class)->dispose (object);
}

static void
pm_run_items_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  PmRunItems *self = PM_RUN_ITEMS (object);

  switch (prop_id)
    {
    case PROP_SELECTED: g_value_set_int (value, self->selected); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_run_items_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  PmRunItems *self = PM_RUN_ITEMS (object);

  switch (prop_id)
    {
    case PROP_SELECTED: pm_run_items_set_selected (self, g_value_get_int (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_run_items_class_init (PmRunItemsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pm_run_items_dispose;
  object_class->get_property = pm_run_items_get_property;
  object_class->set_property = pm_run_items_set_property;

  properties[PROP_SELECTED] =
    g_param_spec_int ("selected", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* ::changed: the run on screen changed, and with it the objects. */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
}

static void
pm_run_items_init (PmRunItems *self)
{
  self->selected = -1;
}
