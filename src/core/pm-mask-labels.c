/* pm-mask-labels.c: ground-truth masks read by their stored values (0/1, 0/255, palette
 * indices, 16-bit labels, RGBA), not by how they look.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Datasets store masks in many ways: 0/1 or 0/255 greyscale, palette PNGs whose indices are
 * class or instance ids (PASCAL VOC), 16-bit label maps, colour maps, or an alpha channel.
 * gdk-pixbuf turns all of them into colours (a 0/1 mask into near-black, a palette into its
 * colours), so PNGs are decoded here to their stored samples. Each pixel gets a label:
 *   greyscale            the sample (1..16 bits)
 *   palette              the index
 *   RGB                  the colour, 0xRRGGBB (16-bit samples by their high bytes)
 *   with alpha           when the colour is the same everywhere and only the alpha varies
 *                        (a cutout), the alpha; otherwise the colour, and 0 where alpha is 0
 * A pixel belongs to the object when its label is not 0, or, with a chosen value, when its
 * label is that value (in a palette image a colour #rrggbb picks the indices whose palette
 * entry is that colour). A chosen value the file cannot hold is an error, not an empty
 * object. Other formats go through gdk-pixbuf as RGBA with the same rules,
 * except JPEG, whose compression noise has no labels: there a pixel is in when its luma is
 * above half.
 */
#define G_LOG_DOMAIN "pm-maskio"

#include "pm-maskio.h"

#include <gio/gio.h>
#include <string.h>

typedef struct {
  int      width, height;
  int      depth;          /* bits per sample */
  int      color_type;     /* 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA */
  int      channels;
  guint8  *raw;            /* unfiltered rows, rowbytes each */
  gsize    rowbytes;
  int      n_palette;      /* PLTE entries (palette images) */
  guint8   palette[256 * 3];
} PngData;

static void
png_data_clear (PngData *png)
{
  g_clear_pointer (&png->raw, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PngData, png_data_clear)

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static guint8
paeth (int a,
       int b,
       int c)
{
  int p = a + b - c, pa = ABS (p - a), pb = ABS (p - b), pc = ABS (p - c);

  if (pa <= pb && pa <= pc)
    return (guint8) a;
  return (guint8) (pb <= pc ? b : c);
}

/* Undoes the per-row filters in place; @rows holds height × (1 + rowbytes) bytes. */
static gboolean
unfilter (PngData      *png,
          const guint8 *rows)
{
  gsize bpp = MAX (1, (gsize) png->channels * png->depth / 8);

  png->raw = g_malloc ((gsize) png->height * png->rowbytes);
  for (int y = 0; y < png->height; y++)
    {
      const guint8 *in = rows + (gsize) y * (png->rowbytes + 1);
      guint8 *out = png->raw + (gsize) y * png->rowbytes;
      const guint8 *up = y > 0 ? out - png->rowbytes : NULL;

      for (gsize x = 0; x < png->rowbytes; x++)
        {
          int a = x >= bpp ? out[x - bpp] : 0, b = up ? up[x] : 0;
          int c = (up && x >= bpp) ? up[x - bpp] : 0;
          switch (in[0])
            {
            case 0: out[x] = in[1 + x]; break;
            case 1: out[x] = (guint8) (in[1 + x] + a); break;
            case 2: out[x] = (guint8) (in[1 + x] + b); break;
            case 3: out[x] = (guint8) (in[1 + x] + (a + b) / 2); break;
            case 4: out[x] = (guint8) (in[1 + x] + paeth (a, b, c)); break;
            default: return FALSE;
            }
        }
    }
  return TRUE;
}

/* Decodes a non-interlaced PNG to its samples. FALSE with @error on damage; FALSE without
 * an error (*@interlaced set) for an interlaced file, which gdk-pixbuf then reads. */
static gboolean
png_decode (const guint8  *data,
            gsize          len,
            const char    *name,
            PngData       *png,
            gboolean      *interlaced,
            GError       **error)
{
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  g_autoptr(GByteArray) idat = g_byte_array_new ();
  g_autoptr(GZlibDecompressor) inflater = NULL;
  g_autofree guint8 *rows = NULL;
  gsize pos = 8, want, got = 0, read = 0, written = 0;
  gboolean seen_header = FALSE, seen_end = FALSE;
  GConverterResult res;

  *interlaced = FALSE;
  if (len < 8 || memcmp (data, signature, 8) != 0)
    goto damaged;
  while (pos + 12 <= len && !seen_end)
    {
      guint32 n = be32 (data + pos);
      const guint8 *type = data + pos + 4, *body = data + pos + 8;

      if (n > len - pos - 12)
        goto damaged;
      if (memcmp (type, "IHDR", 4) == 0 && n >= 13)
        {
          png->width = (int) MIN (be32 (body), G_MAXINT);
          png->height = (int) MIN (be32 (body + 4), G_MAXINT);
          png->depth = body[8];
          png->color_type = body[9];
          *interlaced = body[12] != 0;
          seen_header = TRUE;
        }
      else if (memcmp (type, "IDAT", 4) == 0)
        g_byte_array_append (idat, body, n);
      else if (memcmp (type, "PLTE", 4) == 0 && n % 3 == 0 && n <= sizeof png->palette)
        {
          memcpy (png->palette, body, n);
          png->n_palette = (int) n / 3;
        }
      else if (memcmp (type, "IEND", 4) == 0)
        seen_end = TRUE;
      pos += 12 + (gsize) n;
    }
  if (!seen_header || !seen_end || png->width <= 0 || png->height <= 0)
    goto damaged;
  if (*interlaced)
    return FALSE;
  switch (png->color_type)
    {
    case 0: case 3: png->channels = 1; break;
    case 2: png->channels = 3; break;
    case 4: png->channels = 2; break;
    case 6: png->channels = 4; break;
    default: goto damaged;
    }
  if ((gint64) png->width * png->height > PM_IMAGE_DEFAULT_MAX_PIXELS ||
      (png->depth != 1 && png->depth != 2 && png->depth != 4 && png->depth != 8 &&
       png->depth != 16))
    goto damaged;
  png->rowbytes = ((gsize) png->width * png->channels * png->depth + 7) / 8;
  want = (gsize) png->height * (png->rowbytes + 1);
  rows = g_malloc (want);
  inflater = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB);
  res = g_converter_convert (G_CONVERTER (inflater), idat->data, idat->len, rows, want,
                             G_CONVERTER_INPUT_AT_END, &read, &written, NULL);
  got = written;
  if (res == G_CONVERTER_ERROR || got != want || !unfilter (png, rows))
    goto damaged;
  return TRUE;

damaged:
  g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
               "%s is not a readable PNG mask (damaged or truncated)", name);
  return FALSE;
}

/* Sample @c of pixel @x in row @row, at the file's depth. */
static guint32
sample (const PngData *png,
        const guint8  *row,
        int            x,
        int            c)
{
  gsize i = (gsize) x * png->channels + c;

  switch (png->depth)
    {
    case 16: return ((guint32) row[2 * i] << 8) | row[2 * i + 1];
    case 8: return row[i];
    default:
      {
        gsize bit = i * png->depth;
        return (row[bit / 8] >> (8 - png->depth - bit % 8)) & ((1u << png->depth) - 1);
      }
    }
}

/* The label of one pixel (see the top of the file); @by_alpha: the alpha is the label. */
static guint32
png_label (const PngData *png,
           const guint8  *row,
           int            x,
           gboolean       by_alpha)
{
  int hi = png->depth == 16 ? 8 : 0;

  switch (png->color_type)
    {
    case 0: case 3:
      return sample (png, row, x, 0);
    case 4:
      if (by_alpha)
        return sample (png, row, x, 1);
      return sample (png, row, x, 1) == 0 ? 0 : sample (png, row, x, 0);
    case 2:
      return ((sample (png, row, x, 0) >> hi) << 16) | ((sample (png, row, x, 1) >> hi) << 8) |
             (sample (png, row, x, 2) >> hi);
    default:   /* 6 */
      if (by_alpha)
        return sample (png, row, x, 3);
      if (sample (png, row, x, 3) == 0)
        return 0;
      return ((sample (png, row, x, 0) >> hi) << 16) | ((sample (png, row, x, 1) >> hi) << 8) |
             (sample (png, row, x, 2) >> hi);
    }
}

/* Whether the colour is the same everywhere while the alpha varies: a cutout. */
static gboolean
png_alpha_is_mask (const PngData *png)
{
  int colours = png->channels - 1;
  guint32 first[3] = { 0 }, first_alpha = 0;
  gboolean alpha_varies = FALSE;

  if (png->color_type != 4 && png->color_type != 6)
    return FALSE;
  for (int c = 0; c < colours; c++)
    first[c] = sample (png, png->raw, 0, c);
  first_alpha = sample (png, png->raw, 0, colours);
  for (int y = 0; y < png->height; y++)
    for (int x = 0; x < png->width; x++)
      {
        const guint8 *row = png->raw + (gsize) y * png->rowbytes;
        for (int c = 0; c < colours; c++)
          if (sample (png, row, x, c) != first[c])
            return FALSE;
        alpha_varies |= sample (png, row, x, colours) != first_alpha;
      }
  return alpha_varies;
}

/* Which label marks the object: any but 0, a number, or a colour. */
typedef struct {
  gboolean any;
  gboolean color;      /* value is 0xRRGGBB */
  guint32  value;
} Pick;

/* "" or NULL: any; "#rrggbb": a colour; a decimal number. */
static gboolean
parse_pick (const char *text,
            Pick       *pick)
{
  guint64 v = 0;

  memset (pick, 0, sizeof *pick);
  if (text == NULL || *text == '\0')
    {
      pick->any = TRUE;
      return TRUE;
    }
  if (text[0] == '#' && strlen (text) == 7 &&
      g_ascii_string_to_unsigned (text + 1, 16, 0, 0xffffff, &v, NULL))
    {
      pick->color = TRUE;
      pick->value = (guint32) v;
      return TRUE;
    }
  if (g_ascii_string_to_unsigned (text, 10, 0, 65535, &v, NULL))
    {
      pick->value = (guint32) v;
      return TRUE;
    }
  return FALSE;
}

/**
 * pm_mask_label_pick_is_valid:
 * @text: (nullable): what the user gave as the object's label
 *
 * Returns: %TRUE if @text is empty, a number 0…65535 or a colour #rrggbb
 */
gboolean
pm_mask_label_pick_is_valid (const char *text)
{
  Pick pick;

  return parse_pick (text, &pick);
}

/* The label to compare with: a number against a colour image means the grey (V, V, V);
 * a colour against an image of numbers means its grey level when it is a grey. */
static guint32
wanted_label (const PngData *png,
              const Pick    *pick,
              gboolean       by_alpha)
{
  gboolean color_image = (png->color_type == 2 || png->color_type == 6) && !by_alpha;

  if (color_image && !pick->color)
    return pick->value <= 255 ? pick->value * 0x010101u : G_MAXUINT32;
  if (!color_image && pick->color)
    {
      guint32 r = pick->value >> 16, g = (pick->value >> 8) & 0xff, b = pick->value & 0xff;
      return r == g && g == b ? r : G_MAXUINT32;
    }
  return pick->value;
}

/* A colour picked in a palette image: the indices whose palette entry is that colour
 * (several entries may share it). FALSE if none is. */
static gboolean
palette_matches (const PngData *png,
                 guint32        color,
                 gboolean       match[256])
{
  gboolean any = FALSE;

  for (int i = 0; i < png->n_palette; i++)
    {
      const guint8 *c = png->palette + 3 * i;

      match[i] = (((guint32) c[0] << 16) | ((guint32) c[1] << 8) | c[2]) == color;
      any |= match[i];
    }
  return any;
}

/* The largest label a pixel of @png can have (what its samples can hold). */
static guint32
max_label (const PngData *png,
           gboolean       by_alpha)
{
  gboolean color_image = (png->color_type == 2 || png->color_type == 6) && !by_alpha;

  if (color_image)
    return 0xffffff;
  return png->depth == 16 ? 65535 : (1u << png->depth) - 1;
}

static PmMask *
mask_from_png (const PngData *png,
               const Pick    *pick,
               const char    *name,
               GError       **error)
{
  g_autoptr(PmMask) mask = pm_mask_new (png->width, png->height);
  gboolean by_alpha = png_alpha_is_mask (png);
  gboolean by_palette = png->color_type == 3 && pick->color;
  gboolean match[256] = { FALSE };
  guint32 want = pick->any || by_palette ? 0 : wanted_label (png, pick, by_alpha);

  /* A label the file cannot hold would silently give an empty object: say so instead. */
  if (by_palette && !palette_matches (png, pick->value, match))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s: no entry of its palette is the colour #%06x (pick the object by "
                   "its index instead)", name, pick->value);
      return NULL;
    }
  if (!pick->any && !by_palette && (want == G_MAXUINT32 || want > max_label (png, by_alpha)))
    {
      if (pick->color)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "%s holds grey levels, not colours: #%06x cannot occur in it (pick the "
                     "object by number)", name, pick->value);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "%s cannot hold the value %u (its largest is %u)", name, pick->value,
                     max_label (png, by_alpha));
      return NULL;
    }

  for (int y = 0; y < png->height; y++)
    {
      const guint8 *row = png->raw + (gsize) y * png->rowbytes;
      float *out = mask->data + (gsize) y * png->width;

      for (int x = 0; x < png->width; x++)
        {
          guint32 label = png_label (png, row, x, by_alpha);
          gboolean in = pick->any ? label != 0
                      : by_palette ? label < 256 && match[label]
                      : label == want;
          out[x] = in ? 1.0f : 0.0f;
        }
    }
  return g_steal_pointer (&mask);
}

/* Other formats, decoded to RGBA by gdk-pixbuf, with the same rules (8-bit samples). */
static PmMask *
mask_from_rgba (const PmImage *image,
                gboolean       lossy,
                const Pick    *pick,
                const char    *name,
                GError       **error)
{
  PngData as_png = { image->width, image->height, 8, 6, 4, image->data,
                     (gsize) image->width * 4 };
  PmMask *mask;

  if (!lossy)
    return mask_from_png (&as_png, pick, name, error);
  /* JPEG: no exact labels survive compression; the brighter half is the object. */
  mask = pm_mask_new (image->width, image->height);
  for (gsize i = 0; i < (gsize) image->width * image->height; i++)
    {
      const guint8 *p = image->data + 4 * i;
      mask->data[i] = 299u * p[0] + 587u * p[1] + 114u * p[2] > 127500u ? 1.0f : 0.0f;
    }
  return mask;
}

/**
 * pm_mask_load_labels:
 * @path: a ground-truth mask file
 * @pick: (nullable): the label that marks the object: a number (grey level, palette index,
 *   16-bit label) or a colour #rrggbb; %NULL or "" for any label but 0
 * @error: return location for a #GError
 *
 * Reads a ground-truth mask by its stored values (see the top of pm-mask-labels.c): 0/1
 * and 0/255 greyscale, palette indices, 16-bit labels, colour and alpha masks all give the
 * object where the label is not 0 (or is @pick). JPEG masks (no exact labels) are cut at
 * half brightness, and @pick must be empty for them.
 *
 * Returns: (transfer full): a binary mask (0/1), or %NULL with @error set
 */
PmMask *
pm_mask_load_labels (const char  *path,
                     const char  *pick_text,
                     GError     **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *name = NULL;
  g_auto(PngData) png = { 0 };
  g_autoptr(PmImage) image = NULL;
  const guint8 *data;
  gboolean interlaced = FALSE, jpeg;
  Pick pick;
  gsize len;

  g_return_val_if_fail (path != NULL, NULL);

  if (!parse_pick (pick_text, &pick))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "mask value “%s” is not a number (0-65535) or a colour #rrggbb", pick_text);
      return NULL;
    }

  name = g_filename_display_basename (path);
  mapped = g_file_test (path, G_FILE_TEST_IS_REGULAR) ? g_mapped_file_new (path, FALSE, NULL)
                                                      : NULL;
  data = mapped != NULL ? (const guint8 *) g_mapped_file_get_contents (mapped) : NULL;
  len = mapped != NULL ? g_mapped_file_get_length (mapped) : 0;
  if (len >= 8 && data[0] == 0x89 && memcmp (data + 1, "PNG", 3) == 0)
    {
      if (png_decode (data, len, name, &png, &interlaced, error))
        return mask_from_png (&png, &pick, name, error);
      if (!interlaced)
        return NULL;
      if (png.color_type == 3)
        {
          g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                       "%s: interlaced palette masks cannot be read by their indices; save "
                       "it without interlacing", name);
          return NULL;
        }
    }
  jpeg = len >= 3 && data[0] == 0xff && data[1] == 0xd8;
  if (jpeg && !pick.any)
    {
      g_set_error (error, PM_IMAGE_ERROR, PM_IMAGE_ERROR_LOAD,
                   "%s is a JPEG: its values are not exact, so no label can be picked in it",
                   name);
      return NULL;
    }
  image = pm_image_load (path, PM_IMAGE_DEFAULT_MAX_PIXELS, error);
  if (image == NULL)
    return NULL;
  return mask_from_rgba (image, jpeg, &pick, name, error);
}
