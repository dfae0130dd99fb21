/* test-scratch.c: the kept scratch buffers of mask derivation (pm-scratch.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-scratch-private.h"

#include <string.h>

#define MB ((gsize) 1024 * 1024)

static void
test_reuse (void)
{
  guint8 *a, *b, *c;

  pm_scratch_trim ();
  g_assert_cmpuint (pm_scratch_kept (), ==, 0);

  a = pm_scratch_alloc (MB);
  memset (a, 0xab, MB);
  pm_scratch_free (a);
  g_assert_cmpuint (pm_scratch_kept (), ==, MB);

  /* the same size, or a little smaller, gets the kept block back */
  b = pm_scratch_alloc (MB - 4096);
  g_assert_true (b == a);
  g_assert_cmpuint (pm_scratch_kept (), ==, 0);
  pm_scratch_free (b);
  g_assert_cmpuint (pm_scratch_kept (), ==, MB);   /* its whole size comes back */

  /* zeroed on request, even when reused */
  c = pm_scratch_alloc0 (MB);
  g_assert_true (c == a);
  for (gsize i = 0; i < MB; i++)
    g_assert_cmpuint (c[i], ==, 0);
  pm_scratch_free (c);

  /* much smaller or larger requests get fresh memory and leave the kept block alone */
  b = pm_scratch_alloc (MB / 2);
  g_assert_true (b != a);
  g_assert_cmpuint (pm_scratch_kept (), ==, MB);
  c = pm_scratch_alloc (2 * MB);
  g_assert_true (c != a);
  pm_scratch_free (c);
  pm_scratch_free (b);
  g_assert_cmpuint (pm_scratch_kept (), ==, MB + MB / 2 + 2 * MB);

  pm_scratch_free (NULL);
  pm_scratch_trim ();
  g_assert_cmpuint (pm_scratch_kept (), ==, 0);
}

static void
test_limits (void)
{
  gpointer small, huge, blocks[6];

  pm_scratch_trim ();
  /* small blocks (plain malloc) and huge ones are never kept */
  small = pm_scratch_alloc0 (1000);
  huge = pm_scratch_alloc (40 * MB);
  memset (huge, 1, 40 * MB);
  pm_scratch_free (small);
  pm_scratch_free (huge);
  g_assert_cmpuint (pm_scratch_kept (), ==, 0);

  /* at most 64 MB kept: the least recently freed go first */
  for (int i = 0; i < 6; i++)
    blocks[i] = pm_scratch_alloc (16 * MB - (gsize) i * MB);
  for (int i = 0; i < 6; i++)
    pm_scratch_free (blocks[i]);
  g_assert_cmpuint (pm_scratch_kept (), <=, 64 * MB);
  g_assert_cmpuint (pm_scratch_kept (), ==, (14 + 13 + 12 + 11) * MB);
  g_assert_true (pm_scratch_alloc (10 * MB) == blocks[5]);
  pm_scratch_free (blocks[5]);
  pm_scratch_trim ();
  g_assert_cmpuint (pm_scratch_kept (), ==, 0);
}

static gpointer
churn (gpointer data)
{
  GRand *rand = g_rand_new_with_seed (GPOINTER_TO_UINT (data));

  for (int i = 0; i < 300; i++)
    {
      gsize size = (gsize) g_rand_int_range (rand, 200, 4000) * 1024;
      guint8 *p = g_rand_boolean (rand) ? pm_scratch_alloc0 (size) : pm_scratch_alloc (size);
      guint8 tag = (guint8) g_rand_int (rand);

      /* nobody else holds the block while we do */
      memset (p, tag, size);
      g_thread_yield ();
      g_assert_cmpuint (p[0], ==, tag);
      g_assert_cmpuint (p[size / 2], ==, tag);
      g_assert_cmpuint (p[size - 1], ==, tag);
      pm_scratch_free (p);
    }
  g_rand_free (rand);
  return NULL;
}

static void
test_threads (void)
{
  GThread *threads[4];

  pm_scratch_trim ();
  for (int t = 0; t < 4; t++)
    threads[t] = g_thread_new ("churn", churn, GUINT_TO_POINTER (t + 1));
  for (int t = 0; t < 4; t++)
    g_thread_join (threads[t]);
  g_assert_cmpuint (pm_scratch_kept (), >, 0);
  g_assert_cmpuint (pm_scratch_kept (), <=, 64 * MB);
  pm_scratch_trim ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/scratch/reuse", test_reuse);
  g_test_add_func ("/core/scratch/limits", test_limits);
  g_test_add_func ("/core/scratch/threads", test_threads);
  return g_test_run ();
}
