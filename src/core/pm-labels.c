/* pm-labels.c: 8-bit label maps (0 = nothing, i = item i).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-labels"

#include "pm-labels.h"
#include "pm-maskio.h"

#include <string.h>

/**
 * pm_labels_new:
 * @width: width in pixels, > 0
 * @height: height in pixels, > 0
 *
 * Returns: (transfer full): a label map of zeros
 */
PmLabels *
pm_labels_new (int width,
               int height)
{
  PmLabels *labels;

  g_return_val_if_fail (width > 0 && height > 0, NULL);
  labels = g_new0 (PmLabels, 1);
  labels->width = width;
  labels->height = height;
  labels->data = g_malloc0 ((gsize) width * height);
  return labels;
}

/**
 * pm_labels_copy:
 * @labels: a label map
 *
 * Returns: (transfer full): a copy
 */
PmLabels *
pm_labels_copy (const PmLabels *labels)
{
  PmLabels *copy;

  g_return_val_if_fail (labels != NULL, NULL);
  copy = pm_labels_new (labels->width, labels->height);
  memcpy (copy->data, labels->data, (gsize) labels->width * labels->height);
  return copy;
}

/**
 * pm_labels_free:
 * @labels: (nullable): a label map
 */
void
pm_labels_free (PmLabels *labels)
{
  if (labels == NULL)
    return;
  g_free (labels->data);
  g_free (labels);
}

/**
 * pm_labels_get_mask:
 * @labels: a label map
 * @label: a label
 *
 * Returns: (transfer full): a binary mask, 1 where the label is @label
 */
PmMask *
pm_labels_get_mask (const PmLabels *labels,
                    guint8          label)
{
  PmMask *mask;

  g_return_val_if_fail (labels != NULL, NULL);
  mask = pm_mask_new (labels->width, labels->height);
  for (gsize i = 0; i < (gsize) labels->width * labels->height; i++)
    mask->data[i] = labels->data[i] == label ? 1.0f : 0.0f;
  return mask;
}

/**
 * pm_labels_set_mask:
 * @labels: a label map
 * @mask: a mask of the same size
 * @label: the label to set where @mask > 0.5
 */
void
pm_labels_set_mask (PmLabels     *labels,
                    const PmMask *mask,
                    guint8        label)
{
  g_return_if_fail (labels != NULL && mask != NULL);
  g_return_if_fail (labels->width == mask->width && labels->height == mask->height);
  for (gsize i = 0; i < (gsize) labels->width * labels->height; i++)
    if (mask->data[i] > 0.5f)
      labels->data[i] = label;
}

/**
 * pm_labels_count:
 * @labels: a label map
 * @label: a label
 *
 * Returns: the number of pixels labelled @label
 */
gint64
pm_labels_count (const PmLabels *labels,
                 guint8          label)
{
  gint64 n = 0;

  g_return_val_if_fail (labels != NULL, 0);
  for (gsize i = 0; i < (gsize) labels->width * labels->height; i++)
    n += labels->data[i] == label;
  return n;
}

/**
 * pm_labels_encode_png:
 * @labels: a label map
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): an 8-bit greyscale PNG whose samples are the labels
 */
GBytes *
pm_labels_encode_png (const PmLabels  *labels,
                      GError         **error)
{
  g_autoptr(PmMask) levels = NULL;

  g_return_val_if_fail (labels != NULL, NULL);
  /* The soft-mask encoder writes round (v × 255): label / 255 comes back as the label. */
  levels = pm_mask_new (labels->width, labels->height);
  for (gsize i = 0; i < (gsize) labels->width * labels->height; i++)
    levels->data[i] = labels->data[i] / 255.0f;
  return pm_mask_encode_png (levels, TRUE, error);
}

/**
 * pm_labels_save_png:
 * @labels: a label map
 * @path: where to write
 * @error: return location for an error
 *
 * Returns: whether the 8-bit greyscale PNG of the labels was written
 */
gboolean
pm_labels_save_png (const PmLabels  *labels,
                    const char      *path,
                    GError         **error)
{
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize len = 0;
  const char *data;

  g_return_val_if_fail (labels != NULL && path != NULL, FALSE);
  png = pm_labels_encode_png (labels, error);
  if (png == NULL)
    return FALSE;
  data = g_bytes_get_data (png, &len);
  if (!g_file_set_contents_full (path, data, len, G_FILE_SET_CONTENTS_CONSISTENT, 0666,
                                 &local_error))
    {
      g_autofree char *name = g_filename_display_name (path);

      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_SAVE,
                   "Cannot write label map %s: %s", name, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/**
 * pm_masks_make_exclusive:
 * @alphas: (array length=n): soft masks of one size, changed in place
 * @ranks: (array length=n) (nullable): a rank per item that outweighs any alpha
 * @n: number of masks
 *
 * Makes the items' soft masks exclusive (see pm-labels.h): the more confident item keeps an
 * overlap as a whole, so the boundary between two items does not fray; soft edges that
 * meet go pixel by pixel to the higher alpha.
 */
void
pm_masks_make_exclusive (PmMask    **alphas,
                         const int  *ranks,
                         guint       n)
{
  gsize np;

  g_return_if_fail (alphas != NULL || n == 0);
  if (n < 2)
    return;
  np = (gsize) alphas[0]->width * alphas[0]->height;
  for (guint i = 1; i < n; i++)
    g_return_if_fail (alphas[i]->width == alphas[0]->width &&
                      alphas[i]->height == alphas[0]->height);

  for (guint i = 0; i < n; i++)
    for (guint j = i + 1; j < n; j++)
      {
        const float *a = alphas[i]->data, *b = alphas[j]->data;
        double sum_a = 0, sum_b = 0, score_a, score_b;
        gint64 count = 0;
        float *loser;

        for (gsize p = 0; p < np; p++)
          if (a[p] > 0.5f && b[p] > 0.5f)
            {
              sum_a += a[p];
              sum_b += b[p];
              count++;
            }
        if (count == 0)
          continue;
        score_a = (ranks != NULL ? ranks[i] : 0) + sum_a / count;
        score_b = (ranks != NULL ? ranks[j] : 0) + sum_b / count;
        loser = score_b > score_a ? alphas[i]->data : alphas[j]->data;
        for (gsize p = 0; p < np; p++)
          if (a[p] > 0.5f && b[p] > 0.5f)
            loser[p] = 0.0f;
      }

  for (gsize p = 0; p < np; p++)
    {
      guint best = 0;

      for (guint i = 1; i < n; i++)
        if (alphas[i]->data[p] > alphas[best]->data[p])
          best = i;
      for (guint i = 0; i < n; i++)
        if (i != best)
          alphas[i]->data[p] = 0.0f;
    }
}
