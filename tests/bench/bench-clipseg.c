/* bench-clipseg.c: times the CLIPSeg forward pass of a model folder (not run by CI).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * usage: bench-clipseg MODEL_DIR [--runs N] [--threads N] [--tokens N]
 * Build: ninja -C build tests/bench-clipseg. Full-size random model:
 *   /usr/bin/python3 tests/fixtures/make-full-model.py \
 *       ../shared/data/clipseg-fixture/full-config /tmp/clipseg-full-f16
 *   OPENBLAS_NUM_THREADS=2 build/tests/bench-clipseg /tmp/clipseg-full-f16 --threads 2
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "pm-clipseg.h"
#include "pm-ops.h"

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static long
peak_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  p = strstr (status, "VmHWM:");
  return p != NULL ? strtol (p + 6, NULL, 10) : -1;
}

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *v,
        int     n)
{
  qsort (v, n, sizeof *v, compare_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The vision encoder's matrix products alone (same shapes, same count, no other work):
 * what plain sgemm allows on this machine right now. */
typedef struct {
  int    t, d, inter, heads, layers;
  float *x, *w, *wi, *wo, *y, *f, *s;
} Roofline;

static void
roofline_init (Roofline              *r,
               const PmClipsegConfig *c)
{
  int g = c->input_height / c->vision.patch_size;
  gsize td, dd, di;

  r->t = g * g + 1;
  r->d = c->vision.hidden_size;
  r->inter = c->vision.intermediate_size;
  r->heads = c->vision.num_attention_heads;
  r->layers = pm_clipseg_config_get_vision_layers_needed (c);
  td = (gsize) r->t * r->d;
  dd = (gsize) r->d * r->d;
  di = (gsize) r->d * r->inter;
  r->x = g_new0 (float, td);
  r->y = g_new0 (float, 4 * td);
  r->w = g_new0 (float, 4 * dd);
  r->wi = g_new0 (float, di);
  r->wo = g_new0 (float, di);
  r->f = g_new0 (float, (gsize) r->t * r->inter);
  r->s = g_new0 (float, (gsize) r->t * r->t);
  for (gsize i = 0; i < td; i++)
    r->x[i] = (float) (i % 13) * 0.01f;
  for (gsize i = 0; i < 4 * dd; i++)
    r->w[i] = (float) (i % 7) * 0.001f;
  for (gsize i = 0; i < di; i++)
    r->wi[i] = r->wo[i] = (float) (i % 5) * 0.001f;
}

static double
roofline_run (Roofline *r)
{
  double t0 = now_ms ();
  int t = r->t, d = r->d, hd = r->d / r->heads;

  for (int l = 0; l < r->layers; l++)
    {
      for (int p = 0; p < 4; p++)   /* q, k, v, out projections */
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, t, d, d, 1.0f, r->x, d,
                     r->w + (gsize) p * d * d, d, 0.0f, r->y + (gsize) p * t * d, d);
      for (int h = 0; h < r->heads; h++)
        {
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, t, t, hd, 1.0f, r->y + h * hd,
                       d, r->y + (gsize) t * d + h * hd, d, 0.0f, r->s, t);
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, t, hd, t, 1.0f, r->s, t,
                       r->y + 2 * (gsize) t * d + h * hd, d, 0.0f,
                       r->y + 3 * (gsize) t * d + h * hd, d);
        }
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, t, r->inter, d, 1.0f, r->x, d,
                   r->wi, d, 0.0f, r->f, r->inter);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, t, d, r->inter, 1.0f, r->f,
                   r->inter, r->wo, r->inter, 0.0f, r->y, d);
    }
  return now_ms () - t0;
}

static double
roofline_gflop (const Roofline *r)
{
  double t = r->t, d = r->d, i = r->inter;
  return r->layers * 2.0 * (4 * t * d * d + 2 * t * t * d + 2 * t * d * i) / 1e9;
}

static void
roofline_clear (Roofline *r)
{
  g_free (r->x);
  g_free (r->y);
  g_free (r->w);
  g_free (r->wi);
  g_free (r->wo);
  g_free (r->f);
  g_free (r->s);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmClipseg) m = NULL;
  int runs = 5, threads = 0, n_tokens = 8;
  const char *dir = NULL;
  double t0, load_ms;
  double *fwd, *text, *vis, *dec, *hit, *roof;
  Roofline rl;
  int s, e;
  g_autofree float *pixels = NULL, *logits = NULL, *emb = NULL;
  gint32 ids[77];
  GRand *rand;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--runs") && i + 1 < argc)
        runs = atoi (argv[++i]);
      else if (g_str_equal (argv[i], "--threads") && i + 1 < argc)
        threads = atoi (argv[++i]);
      else if (g_str_equal (argv[i], "--tokens") && i + 1 < argc)
        n_tokens = atoi (argv[++i]);
      else
        dir = argv[i];
    }
  if (dir == NULL || runs < 1 || n_tokens < 2 || n_tokens > 77)
    {
      fprintf (stderr, "usage: bench-clipseg MODEL_DIR [--runs N] [--threads N] [--tokens N]\n");
      return 2;
    }
  pm_clipseg_set_threads (threads);

  t0 = now_ms ();
  m = pm_clipseg_load (dir, &error);
  if (m == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  load_ms = now_ms () - t0;
  s = pm_clipseg_get_input_size (m);
  e = pm_clipseg_get_embedding_dim (m);
  pixels = g_new (float, 3 * s * s);
  logits = g_new (float, s * s);
  emb = g_new (float, e);
  rand = g_rand_new_with_seed (7);
  for (int i = 0; i < 3 * s * s; i++)
    pixels[i] = (float) g_rand_double_range (rand, -2.0, 2.0);
  ids[0] = 49406;
  for (int i = 1; i < n_tokens - 1; i++)
    ids[i] = g_rand_int_range (rand, 256, 49000);
  ids[n_tokens - 1] = 49407;
  g_rand_free (rand);

  fwd = g_new (double, runs);
  text = g_new (double, runs);
  vis = g_new (double, runs);
  dec = g_new (double, runs);
  hit = g_new (double, runs);
  roof = g_new (double, runs);
  roofline_init (&rl, pm_clipseg_get_config (m));
  for (int r = -1; r < runs; r++)   /* r = −1: warm-up */
    {
      g_autoptr(PmClipsegVision) v = NULL;
      double a = now_ms (), b, c, d, f;

      if (!pm_clipseg_encode_text (m, ids, n_tokens, NULL, emb, NULL, NULL, &error))
        break;
      b = now_ms ();
      v = pm_clipseg_encode_image (m, pixels, NULL, NULL, NULL, NULL, &error);
      c = now_ms ();
      if (v == NULL || !pm_clipseg_decode (m, v, emb, logits, NULL, NULL, &error))
        break;
      d = now_ms ();
      /* second instruction on the same image: text + decoder only */
      if (!pm_clipseg_encode_text (m, ids, n_tokens, NULL, emb, NULL, NULL, &error) ||
          !pm_clipseg_decode (m, v, emb, logits, NULL, NULL, &error))
        break;
      f = now_ms ();
      if (r >= 0)
        {
          roof[r] = roofline_run (&rl);
          fwd[r] = d - a;
          text[r] = b - a;
          vis[r] = c - b;
          dec[r] = d - c;
          hit[r] = f - d;
        }
    }
  if (error != NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  printf ("model: %s (S=%d, %d tokens, %d OpenBLAS threads)\n", dir, s, n_tokens,
          pm_ops_get_threads ());
  printf ("load_ms %.1f\n", load_ms);
  printf ("forward_ms (median of %d) %.1f\n", runs, median (fwd, runs));
  printf ("  text_ms %.1f  vision_ms %.1f  decoder_ms %.1f\n", median (text, runs),
          median (vis, runs), median (dec, runs));
  printf ("cache_hit_ms %.1f\n", median (hit, runs));
  printf ("vision sgemm-only (same products, %.1f GFLOP) %.1f ms = %.1f GFLOP/s; "
          "vision / sgemm-only = %.2f\n", roofline_gflop (&rl), median (roof, runs),
          roofline_gflop (&rl) / median (roof, runs) * 1e3,
          median (vis, runs) / median (roof, runs));
  printf ("weights_f32_mb %.1f  peak_rss_mb %.1f\n",
          pm_clipseg_get_weights_bytes (m) / 1048576.0, peak_rss_kb () / 1024.0);
  g_free (fwd);
  g_free (text);
  g_free (vis);
  g_free (dec);
  g_free (hit);
  g_free (roof);
  roofline_clear (&rl);
  return 0;
}
