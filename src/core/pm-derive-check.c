/* pm-derive-check.c: whether an image can be an edit of another (same shape, same picture).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One rule for every place that receives an edit it did not make: `paintmask derive`, the
 * remote engine's reply, and the app's "Import edited result". An editor may resample the
 * photo (generators round sizes to multiples of 8, 16 or 64), re-encode it and shift its
 * tones, but a colour edit keeps the picture: its shape, and the layout of light and dark.
 */
#define G_LOG_DOMAIN "pm-derive"

#include "pm-derive.h"

#include <math.h>

/* Thumbnails for the structure test: enough to see a layout, cheap on any photo. */
#define THUMB_SIZE 64
/* A thumbnail pixel is unchanged when no channel moved more than this, after the global
 * shift (the median difference per channel) is taken out. */
#define UNCHANGED_LEVELS 12

G_DEFINE_QUARK (pm-derive-error-quark, pm_derive_error)

/**
 * pm_derive_check_shape:
 * @original: the original image
 * @edited: the supposed edit (any size)
 * @error: return location for a %PM_IMAGE_ERROR_SIZE error
 *
 * Accepts @edited when its aspect ratio is within %PM_DERIVE_MAX_ASPECT_CHANGE of the
 * original's (relative), plus two pixels of rounding on the smaller side of either image.
 *
 * Returns: %TRUE if the shapes agree
 */
gboolean
pm_derive_check_shape (const PmImage  *original,
                       const PmImage  *edited,
                       GError        **error)
{
  double ao, ae;
  int least;

  g_return_val_if_fail (original != NULL && edited != NULL, FALSE);
  if (original->width <= 0 || original->height <= 0 || edited->width <= 0 ||
      edited->height <= 0)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_EMPTY,
                   "An image is empty (original %d×%d, edited %d×%d)", original->width,
                   original->height, edited->width, edited->height);
      return FALSE;
    }
  ao = (double) original->width / original->height;
  ae = (double) edited->width / edited->height;
  least = MIN (MIN (original->width, original->height), MIN (edited->width, edited->height));
  /* A pixel of rounding on a tiny image changes its aspect a lot: allow for it. */
  if (fabs (ae / ao - 1.0) > PM_DERIVE_MAX_ASPECT_CHANGE + 2.0 / least)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_SIZE,
                   "Edited image is %d×%d but the original is %d×%d: the shapes differ too "
                   "much (aspect %.2f vs %.2f) to be the same picture",
                   edited->width, edited->height, original->width, original->height, ae, ao);
      return FALSE;
    }
  return TRUE;
}

/* Thumbnails of both at the original's aspect, at most THUMB_SIZE on the long side. */
static void
thumbnails (const PmImage  *original,
            const PmImage  *edited,
            PmImage       **ta,
            PmImage       **tb)
{
  int w, h;

  if (original->width >= original->height)
    {
      w = MIN (THUMB_SIZE, original->width);
      h = MAX (1, (int) ((double) w * original->height / original->width + 0.5));
    }
  else
    {
      h = MIN (THUMB_SIZE, original->height);
      w = MAX (1, (int) ((double) h * original->width / original->height + 0.5));
    }
  *ta = pm_image_resize (original, w, h);
  *tb = pm_image_resize (edited, w, h);
}

/**
 * pm_derive_structure_correlation:
 * @original: the original image
 * @edited: the supposed edit (any size)
 *
 * Pearson correlation of the luma of 64-pixel thumbnails of both (at the original's
 * aspect). A colour edit keeps lightness almost everywhere, so an edit correlates
 * strongly; two different photos hardly at all.
 *
 * Returns: the correlation, −1..1; 1 when either thumbnail is flat (nothing to compare)
 */
double
pm_derive_structure_correlation (const PmImage *original,
                                 const PmImage *edited)
{
  g_autoptr(PmImage) ta = NULL;
  g_autoptr(PmImage) tb = NULL;
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, n, va, vb;

  g_return_val_if_fail (original != NULL && edited != NULL, 0.0);
  thumbnails (original, edited, &ta, &tb);
  n = (double) ta->width * ta->height;
  for (gsize i = 0; i < (gsize) ta->width * ta->height; i++)
    {
      const guint8 *p = ta->data + 4 * i, *q = tb->data + 4 * i;
      double la = 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];
      double lb = 0.2126 * q[0] + 0.7152 * q[1] + 0.0722 * q[2];
      sa += la; sb += lb; saa += la * la; sbb += lb * lb; sab += la * lb;
    }
  va = saa - sa * sa / n;
  vb = sbb - sb * sb / n;
  if (va < n * 4.0 || vb < n * 4.0)   /* standard deviation under 2 grey levels */
    return 1.0;
  return (sab - sa * sb / n) / sqrt (va * vb);
}

/**
 * pm_derive_unchanged_share:
 * @original: the original image
 * @edited: the supposed edit (any size)
 *
 * Share of the 64-pixel thumbnails (at the original's aspect) where no channel of @edited
 * is more than a few levels from @original once the global shift (the median difference
 * of each channel) is taken out. A colour edit leaves most of a picture alone; two
 * different photos agree on a small share at most.
 *
 * Returns: the share, 0..1
 */
double
pm_derive_unchanged_share (const PmImage *original,
                           const PmImage *edited)
{
  g_autoptr(PmImage) ta = NULL;
  g_autoptr(PmImage) tb = NULL;
  guint hist[3][511] = { { 0 } };
  int median[3];
  gsize n, same = 0;

  g_return_val_if_fail (original != NULL && edited != NULL, 0.0);
  thumbnails (original, edited, &ta, &tb);
  n = (gsize) ta->width * ta->height;
  for (gsize i = 0; i < n; i++)
    for (int c = 0; c < 3; c++)
      hist[c][255 + tb->data[4 * i + c] - ta->data[4 * i + c]]++;
  for (int c = 0; c < 3; c++)
    {
      gsize below = 0;
      int d = 0;

      while (d < 510 && (below += hist[c][d]) * 2 < n)
        d++;
      median[c] = d - 255;
    }
  for (gsize i = 0; i < n; i++)
    {
      gboolean kept = TRUE;

      for (int c = 0; c < 3; c++)
        kept &= ABS (tb->data[4 * i + c] - ta->data[4 * i + c] - median[c]) <= UNCHANGED_LEVELS;
      same += kept;
    }
  return (double) same / n;
}

/**
 * pm_derive_check_edit:
 * @original: the original image
 * @edited: the supposed edit (any size)
 * @error: return location for a %PM_IMAGE_ERROR_SIZE or %PM_DERIVE_ERROR_UNRELATED error
 *
 * The whole "is this really an edit of the original" test: pm_derive_check_shape(), then
 * a structure correlation of at least %PM_DERIVE_MIN_STRUCTURE_CORRELATION or, failing
 * that, at least %PM_DERIVE_MIN_UNCHANGED_SHARE of the picture unchanged.
 *
 * Returns: %TRUE if @edited can be an edit of @original
 */
gboolean
pm_derive_check_edit (const PmImage  *original,
                      const PmImage  *edited,
                      GError        **error)
{
  double r, same;

  if (!pm_derive_check_shape (original, edited, error))
    return FALSE;
  r = pm_derive_structure_correlation (original, edited);
  g_debug ("structure correlation %.3f", r);
  if (r >= PM_DERIVE_MIN_STRUCTURE_CORRELATION)
    return TRUE;
  same = pm_derive_unchanged_share (original, edited);
  g_debug ("unchanged share %.3f", same);
  if (same < PM_DERIVE_MIN_UNCHANGED_SHARE)
    {
      g_set_error (error, PM_DERIVE_ERROR, PM_DERIVE_ERROR_UNRELATED,
                   "The edited image does not look like an edit of the original (the "
                   "pictures differ everywhere: structure correlation %.2f, %.0f %% "
                   "unchanged)", r, 100 * same);
      return FALSE;
    }
  return TRUE;
}
