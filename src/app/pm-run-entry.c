/* pm-run-entry.c: the photo, runs and their chains of mask revisions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-document"

#include "config.h"

#include "pm-run-entry.h"

/* ---------------------------------------------------------------- photo */

static void
photo_clear (gpointer data)
{
  PmPhoto *photo = data;

  pm_image_free (photo->image);
  g_free (photo->path);
  g_free (photo->title);
  g_free (photo->fingerprint);
}

/**
 * pm_photo_new:
 * @image: (transfer full): the pixels
 * @path: (nullable): the file, NULL for pasted photos
 * @title: what the window calls it
 *
 * Returns: (transfer full): a photo
 */
PmPhoto *
pm_photo_new (PmImage    *image,
              const char *path,
              const char *title)
{
  PmPhoto *photo = g_atomic_rc_box_new0 (PmPhoto);

  photo->image = image;
  photo->path = g_strdup (path);
  photo->title = g_strdup (title);
  return photo;
}

PmPhoto *
pm_photo_ref (PmPhoto *photo)
{
  return g_atomic_rc_box_acquire (photo);
}

void
pm_photo_unref (PmPhoto *photo)
{
  g_atomic_rc_box_release_full (photo, photo_clear);
}

/**
 * pm_photo_get_fingerprint:
 * @photo: a photo
 *
 * The engines' cache key of the photo's pixels (pm_engine_image_fingerprint ()), computed
 * on the first call only: the pixels never change, so a SAM click or a second instruction
 * on this photo need not hash it again (≈ 10 ms on 12 MP). Any thread.
 *
 * Returns: (transfer none): "WxH-" and 64 hex digits, valid as long as @photo
 */
const char *
pm_photo_get_fingerprint (PmPhoto *photo)
{
  char *key = g_atomic_pointer_get (&photo->fingerprint);

  if (key == NULL)
    {
      key = pm_engine_image_fingerprint (photo->image);
      /* two threads may race to make it: the first one's stays */
      if (!g_atomic_pointer_compare_and_exchange (&photo->fingerprint, NULL, key))
        {
          g_free (key);
          key = g_atomic_pointer_get (&photo->fingerprint);
        }
    }
  return key;
}

/* Written out: G_DEFINE_BOXED_TYPE's type check trips -Wpedantic. */
GType
pm_photo_get_type (void)
{
  static gsize type = 0;

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_boxed_type_register_static (g_intern_static_string ("PmPhoto"),
                                                            (GBoxedCopyFunc) pm_photo_ref,
                                                            (GBoxedFreeFunc) pm_photo_unref));
  return type;
}

/* ---------------------------------------------------------------- shared masks */

static void
shared_mask_clear (gpointer data)
{
  pm_mask_free (((PmSharedMask *) data)->mask);
}

/**
 * pm_shared_mask_new:
 * @mask: (transfer full): pixels nobody writes any more
 *
 * Returns: (transfer full): @mask, reference counted
 */
PmSharedMask *
pm_shared_mask_new (PmMask *mask)
{
  PmSharedMask *shared = g_atomic_rc_box_new0 (PmSharedMask);

  shared->mask = mask;
  return shared;
}

PmSharedMask *
pm_shared_mask_ref (PmSharedMask *shared)
{
  return g_atomic_rc_box_acquire (shared);
}

void
pm_shared_mask_unref (PmSharedMask *shared)
{
  g_atomic_rc_box_release_full (shared, shared_mask_clear);
}

/* ---------------------------------------------------------------- revisions */

static void
revision_clear (gpointer data)
{
  PmRevision *revision = data;

  pm_mask_free (revision->before);
  pm_mask_free (revision->after);
  g_free (revision->label);
}

PmRevision *
pm_revision_ref (PmRevision *revision)
{
  return g_atomic_rc_box_acquire (revision);
}

void
pm_revision_unref (PmRevision *revision)
{
  g_atomic_rc_box_release_full (revision, revision_clear);
}

/* ---------------------------------------------------------------- runs */

static void
entry_clear (gpointer data)
{
  PmRunEntry *entry = data;

  g_free (entry->instruction);
  g_free (entry->engine);
  g_free (entry->message);
  g_clear_pointer (&entry->edited, pm_image_free);
  g_clear_pointer (&entry->base, pm_mask_free);
  g_clear_pointer (&entry->soft_mask, pm_mask_free);
  g_clear_pointer (&entry->mask, pm_shared_mask_unref);
  g_ptr_array_unref (entry->revisions);
}

/**
 * pm_run_entry_new:
 * @instruction: what was asked
 * @engine: (nullable): the engine that ran it ("import" for an imported edit)
 *
 * Returns: (transfer full): an entry without a result yet
 */
PmRunEntry *
pm_run_entry_new (const char *instruction,
                  const char *engine)
{
  PmRunEntry *entry = g_atomic_rc_box_new0 (PmRunEntry);

  entry->instruction = g_strdup (instruction != NULL ? instruction : "");
  entry->engine = g_strdup (engine);
  entry->revisions = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_revision_unref);
  pm_color_parse (PM_COLOR_HIGHLIGHT_HEX, &entry->color);
  entry->lightness = -1.0f;
  return entry;
}

PmRunEntry *
pm_run_entry_ref (PmRunEntry *entry)
{
  return g_atomic_rc_box_acquire (entry);
}

void
pm_run_entry_unref (PmRunEntry *entry)
{
  g_atomic_rc_box_release_full (entry, entry_clear);
}

GType
pm_run_entry_get_type (void)
{
  static gsize type = 0;

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
                       g_boxed_type_register_static (g_intern_static_string ("PmRunEntry"),
                                                     (GBoxedCopyFunc) pm_run_entry_ref,
                                                     (GBoxedFreeFunc) pm_run_entry_unref));
  return type;
}

/**
 * pm_run_entry_is_loaded:
 *
 * Returns: whether the edit and mask are in memory (not only in the history)
 */
gboolean
pm_run_entry_is_loaded (PmRunEntry *entry)
{
  return entry->edited != NULL && entry->mask != NULL;
}

/**
 * pm_run_entry_set_result:
 * @edited: (transfer full): the edited image
 * @base: (transfer full): the run's mask
 * @soft_mask: (transfer full) (nullable): the soft mask
 * @mask: (transfer full) (nullable): the current revision, NULL for a copy of @base
 *
 * Sets the result of an entry that has none.
 */
void
pm_run_entry_set_result (PmRunEntry *entry,
                         PmImage    *edited,
                         PmMask     *base,
                         PmMask     *soft_mask,
                         PmMask     *mask)
{
  g_return_if_fail (edited != NULL && base != NULL);
  g_return_if_fail (entry->edited == NULL);

  entry->edited = edited;
  entry->base = base;
  entry->soft_mask = soft_mask;
  entry->mask = pm_shared_mask_new (mask != NULL ? mask : pm_mask_copy (base));
}

/**
 * pm_run_entry_get_mask:
 *
 * Returns: (transfer none) (nullable): the mask of the current revision
 */
const PmMask *
pm_run_entry_get_mask (PmRunEntry *entry)
{
  return entry->mask != NULL ? entry->mask->mask : NULL;
}

/**
 * pm_run_entry_get_mask_area:
 *
 * Returns: the pixels in the current mask (≥ 0.5), 0 while not loaded
 */
gint64
pm_run_entry_get_mask_area (PmRunEntry *entry)
{
  const PmMask *mask = pm_run_entry_get_mask (entry);
  gint64 n = 0;

  if (mask == NULL)
    return 0;
  for (gsize i = 0; i < (gsize) mask->width * mask->height; i++)
    n += mask->data[i] >= 0.5f;
  return n;
}

/**
 * pm_run_entry_drop_redo:
 *
 * Forgets the revisions after the current one (a new change replaces them).
 */
void
pm_run_entry_drop_redo (PmRunEntry *entry)
{
  g_ptr_array_set_size (entry->revisions, entry->n_applied);
}

/* The change from @before to @after within @rect (which holds every difference), or NULL
 * if there is none. */
static PmRevision *
revision_new (const PmMask *before,
              const PmMask *after,
              const PmRect *rect,
              const char   *label)
{
  PmRevision *revision;

  if (pm_rect_is_empty (rect))
    return NULL;
  revision = g_atomic_rc_box_new0 (PmRevision);
  revision->rect = *rect;
  revision->before = pm_mask_crop (before, rect);
  revision->after = pm_mask_crop (after, rect);
  revision->label = g_strdup (label);
  if (pm_mask_equal (revision->before, revision->after))
    g_clear_pointer (&revision, pm_revision_unref);
  return revision;
}

/**
 * pm_revision_new_between:
 * @before: a mask
 * @after: the same mask after a change, the same size
 * @label: (nullable): what made the change
 * @artifact_id: the stored corrected_mask that holds @after, or 0
 *
 * Makes the revision from @before to @after (the rectangle of their differences), for a
 * chain read back from the history. Thread-safe: it touches no entry.
 *
 * Returns: (transfer full) (nullable): the revision, or NULL if the masks are the same
 */
PmRevision *
pm_revision_new_between (const PmMask *before,
                         const PmMask *after,
                         const char   *label,
                         gint64        artifact_id)
{
  PmRevision *revision;
  PmRect r;

  g_return_val_if_fail (before->width == after->width && before->height == after->height,
                        NULL);
  pm_mask_diff_rect (before, after, &r);
  revision = revision_new (before, after, &r, label);
  if (revision != NULL)
    revision->artifact_id = revision->store_artifact_id = artifact_id;
  return revision;
}

/**
 * pm_run_entry_set_revisions:
 * @revisions: (element-type PmRevision): the chain that leads from the run's mask to the
 *   current one, oldest first (pm_revision_new_between()); the entry takes references
 *
 * Gives a loaded entry without revisions the corrections read back from the history, all
 * applied, so that undo walks back through them.
 */
void
pm_run_entry_set_revisions (PmRunEntry *entry,
                            GPtrArray  *revisions)
{
  g_return_if_fail (entry->mask != NULL && entry->revisions->len == 0);

  for (guint i = 0; i < revisions->len; i++)
    g_ptr_array_add (entry->revisions, pm_revision_ref (revisions->pdata[i]));
  entry->n_applied = entry->revisions->len;
}

/**
 * pm_run_entry_push_revision:
 * @mask: (transfer full): the new mask, the size of the current one
 * @rect: (nullable): where it may differ from the current one; NULL to compute it
 * @label: what made the change
 *
 * Makes @mask the current revision, dropping any revisions that could be redone.
 *
 * Returns: (transfer none) (nullable): the new revision, or NULL (and @mask freed) when
 *   nothing changed
 */
PmRevision *
pm_run_entry_push_revision (PmRunEntry   *entry,
                            PmMask       *mask,
                            const PmRect *rect,
                            const char   *label)
{
  const PmMask *current = pm_run_entry_get_mask (entry);
  PmRevision *revision;
  PmRect r;

  g_return_val_if_fail (current != NULL, NULL);
  g_return_val_if_fail (mask->width == current->width && mask->height == current->height, NULL);

  if (rect != NULL)
    {
      r = *rect;
      if (!pm_rect_clip (&r, mask->width, mask->height))
        r = (PmRect) { 0, 0, 0, 0 };
    }
  if (rect == NULL || pm_rect_is_empty (&r))
    pm_mask_diff_rect (current, mask, &r);
  revision = revision_new (current, mask, &r, label);
  if (revision == NULL)
    {
      /* Marked dirty, but nothing changed: no undo step. */
      pm_mask_free (mask);
      return NULL;
    }
  pm_run_entry_drop_redo (entry);
  g_ptr_array_add (entry->revisions, revision);
  entry->n_applied = entry->revisions->len;
  g_clear_pointer (&entry->mask, pm_shared_mask_unref);
  entry->mask = pm_shared_mask_new (mask);
  return revision;
}

gboolean
pm_run_entry_can_undo_revision (PmRunEntry *entry)
{
  return entry->mask != NULL && entry->n_applied > 0;
}

gboolean
pm_run_entry_can_redo_revision (PmRunEntry *entry)
{
  return entry->mask != NULL && entry->n_applied < entry->revisions->len;
}

/* A new current mask: the old one with @patch pasted at @rect. */
static void
replace_rect (PmRunEntry   *entry,
              const PmMask *patch,
              const PmRect *rect)
{
  PmMask *mask = pm_mask_copy (entry->mask->mask);

  pm_mask_paste (mask, patch, rect->x, rect->y);
  pm_shared_mask_unref (entry->mask);
  entry->mask = pm_shared_mask_new (mask);
}

/**
 * pm_run_entry_undo_revision:
 *
 * Returns: (transfer none) (nullable): the revision undone, NULL if none
 */
PmRevision *
pm_run_entry_undo_revision (PmRunEntry *entry)
{
  PmRevision *revision;

  if (!pm_run_entry_can_undo_revision (entry))
    return NULL;
  revision = entry->revisions->pdata[--entry->n_applied];
  replace_rect (entry, revision->before, &revision->rect);
  return revision;
}

/**
 * pm_run_entry_redo_revision:
 *
 * Returns: (transfer none) (nullable): the revision redone, NULL if none
 */
PmRevision *
pm_run_entry_redo_revision (PmRunEntry *entry)
{
  PmRevision *revision;

  if (!pm_run_entry_can_redo_revision (entry))
    return NULL;
  revision = entry->revisions->pdata[entry->n_applied++];
  replace_rect (entry, revision->after, &revision->rect);
  return revision;
}
