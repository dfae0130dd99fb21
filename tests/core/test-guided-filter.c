/* test-guided-filter.c: box means and the guided filter (edge preservation).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "pm-guided-filter.h"
#include "pm-test-util.h"

/* Plain structs, so the test needs nothing but the filter. */
static PmMask *
plane_new (int w, int h)
{
  PmMask *m = g_new0 (PmMask, 1);
  m->width = w;
  m->height = h;
  m->data = g_new0 (float, (gsize) w * h);
  return m;
}

static void
plane_free (PmMask *m)
{
  g_free (m->data);
  g_free (m);
}

static PmImage *
image_new (int w, int h)
{
  PmImage *im = g_new0 (PmImage, 1);
  im->width = w;
  im->height = h;
  im->data = g_new0 (guint8, (gsize) w * h * 4);
  return im;
}

static void
image_free (PmImage *im)
{
  g_free (im->data);
  g_free (im);
}

static void
test_box_mean_naive (void)
{
  const int sizes[][3] = { { 1, 1, 3 }, { 7, 5, 1 }, { 13, 9, 3 }, { 20, 3, 10 }, { 4, 17, 2 } };
  GRand *rand = g_rand_new_with_seed (7);

  for (guint k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      int w = sizes[k][0], h = sizes[k][1], r = sizes[k][2];
      g_autofree float *in = g_new (float, w * h);
      g_autofree float *out = g_new (float, w * h);
      g_autofree float *inplace = g_new (float, w * h);

      for (int i = 0; i < w * h; i++)
        in[i] = inplace[i] = (float) g_rand_double_range (rand, -1, 1);
      pm_box_filter_mean (in, out, w, h, r);
      pm_box_filter_mean (inplace, inplace, w, h, r);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          {
            double sum = 0;
            int n = 0;
            for (int yy = MAX (0, y - r); yy <= MIN (h - 1, y + r); yy++)
              for (int xx = MAX (0, x - r); xx <= MIN (w - 1, x + r); xx++)
                {
                  sum += in[yy * w + xx];
                  n++;
                }
            g_assert_cmpfloat_with_epsilon (out[y * w + x], sum / n, 1e-5);
            g_assert_cmpfloat (out[y * w + x], ==, inplace[y * w + x]);
          }
    }
  g_rand_free (rand);
}

/* A step guide (dark left half, bright right half) and a blurred ramp as input: the filter
 * must give the output a sharp step where the guide has one. */
static void
make_step (int w, int h, int edge, PmImage *image, PmMask *grey, PmMask *input)
{
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        gsize i = (gsize) y * w + x;
        guint8 v = x < edge ? 30 : 220;
        float t = (x - (edge - 6)) / 12.f;   /* 0 → 1 over 12 px around the edge */
        if (image != NULL)
          {
            image->data[i * 4 + 0] = v;
            image->data[i * 4 + 1] = (guint8) (v / 2);
            image->data[i * 4 + 2] = (guint8) (255 - v);
            image->data[i * 4 + 3] = 255;
          }
        if (grey != NULL)
          grey->data[i] = v / 255.f;
        input->data[i] = CLAMP (t, 0.f, 1.f);
      }
}

static void
check_step (const PmMask *input, const PmMask *out, int edge)
{
  int w = out->width, y = out->height / 2;
  const float *in_row = input->data + (gsize) y * w;
  const float *row = out->data + (gsize) y * w;

  /* The input changes by 1/12 per pixel; the output jumps at the edge. */
  g_assert_cmpfloat (in_row[edge] - in_row[edge - 1], <, 0.1);
  g_assert_cmpfloat (row[edge] - row[edge - 1], >, 0.5);
  /* On each side the output is much flatter than the input (smoothing within regions). */
  g_assert_cmpfloat (fabsf (row[edge - 3] - row[edge - 8]), <,
                     0.3 * fabsf (in_row[edge - 3] - in_row[edge - 8]));
  g_assert_cmpfloat (fabsf (row[edge + 2] - row[edge + 7]), <,
                     0.3 * fabsf (in_row[edge + 2] - in_row[edge + 7]));
  g_assert_cmpfloat (row[edge - 2], <, 0.35);
  g_assert_cmpfloat (row[edge + 2], >, 0.65);
  for (gsize i = 0; i < (gsize) out->width * out->height; i++)
    g_assert_true (out->data[i] >= 0.f && out->data[i] <= 1.f);
}

static void
test_grey_step (void)
{
  const int w = 64, h = 32, edge = 32;
  PmMask *guide = plane_new (w, h), *input = plane_new (w, h), *out = plane_new (w, h);

  make_step (w, h, edge, NULL, guide, input);
  pm_guided_filter_grey (guide, input, 10, 1e-4f, out);
  check_step (input, out, edge);

  /* A flat guide gives plain smoothing: the ramp stays a ramp. */
  for (int i = 0; i < w * h; i++)
    guide->data[i] = 0.5f;
  pm_guided_filter_grey (guide, input, 10, 1e-4f, out);
  g_assert_cmpfloat (out->data[(h / 2) * w + edge] - out->data[(h / 2) * w + edge - 1], <, 0.1);

  plane_free (guide);
  plane_free (input);
  plane_free (out);
}

static void
test_color_step (void)
{
  const int w = 96, h = 40, edge = 48;
  PmImage *image = image_new (w, h);
  PmMask *input = plane_new (w, h), *out = plane_new (w, h), *copy = plane_new (w, h);

  make_step (w, h, edge, image, NULL, input);
  memcpy (copy->data, input->data, sizeof (float) * w * h);

  pm_guided_filter_color (image, input, 10, 1e-4f, 1, out);
  check_step (input, out, edge);

  /* In place gives the same result. */
  pm_guided_filter_color (image, copy, 10, 1e-4f, 1, copy);
  for (int i = 0; i < w * h; i++)
    g_assert_cmpfloat (copy->data[i], ==, out->data[i]);

  /* The fast (subsampled) version keeps the edge too: a and b are smooth, I carries it. */
  pm_guided_filter_color (image, input, 10, 1e-4f, 2, out);
  check_step (input, out, edge);

  plane_free (input);
  plane_free (out);
  plane_free (copy);
  image_free (image);
}

static void
test_constant_and_tiny (void)
{
  PmImage *image = image_new (5, 3);
  PmMask *input = plane_new (5, 3), *out = plane_new (5, 3);
  GRand *rand = g_rand_new_with_seed (3);

  for (int i = 0; i < 15; i++)
    {
      input->data[i] = 0.25f;
      for (int c = 0; c < 4; c++)
        image->data[i * 4 + c] = (guint8) g_rand_int_range (rand, 0, 256);
    }
  /* A constant input stays constant whatever the guide. */
  pm_guided_filter_color (image, input, 4, 1e-3f, 1, out);
  for (int i = 0; i < 15; i++)
    g_assert_cmpfloat_with_epsilon (out->data[i], 0.25, 1e-4);
  pm_guided_filter_color (image, input, 4, 1e-3f, 4, out);
  for (int i = 0; i < 15; i++)
    g_assert_cmpfloat_with_epsilon (out->data[i], 0.25, 1e-4);
  /* A single pixel. */
  {
    PmImage *one = image_new (1, 1);
    PmMask *p = plane_new (1, 1);
    p->data[0] = 0.7f;
    pm_guided_filter_color (one, p, 3, 1e-3f, 2, p);
    g_assert_cmpfloat_with_epsilon (p->data[0], 0.7, 1e-5);
    plane_free (p);
    image_free (one);
  }
  g_rand_free (rand);
  plane_free (input);
  plane_free (out);
  image_free (image);
}

/* The coarse-input variant equals the full one when the input is constant on each block. */
static void
test_coarse_input (void)
{
  const int w = 53, h = 38, s = 4, lw = (w + s - 1) / s, lh = (h + s - 1) / s;
  PmImage *image = image_new (w, h);
  PmMask *full = plane_new (w, h), *low = plane_new (lw, lh);
  PmMask *a = plane_new (w, h), *b = plane_new (w, h);
  GRand *rand = g_rand_new_with_seed (11);

  for (int i = 0; i < w * h * 4; i++)
    image->data[i] = (guint8) g_rand_int_range (rand, 0, 256);
  for (int i = 0; i < lw * lh; i++)
    low->data[i] = (float) g_rand_double (rand);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      full->data[y * w + x] = low->data[(y / s) * lw + x / s];

  pm_guided_filter_color (image, full, 9, 1e-3f, s, a);
  pm_guided_filter_color_coarse (image, low, 9, 1e-3f, s, b);
  for (int i = 0; i < w * h; i++)
    g_assert_cmpfloat_with_epsilon (a->data[i], b->data[i], 1e-5);

  g_rand_free (rand);
  plane_free (full);
  plane_free (low);
  plane_free (a);
  plane_free (b);
  image_free (image);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/guided-filter/box-mean-naive", test_box_mean_naive);
  g_test_add_func ("/core/guided-filter/grey-step", test_grey_step);
  g_test_add_func ("/core/guided-filter/color-step", test_color_step);
  g_test_add_func ("/core/guided-filter/constant-and-tiny", test_constant_and_tiny);
  g_test_add_func ("/core/guided-filter/coarse-input", test_coarse_input);
  return g_test_run ();
}
