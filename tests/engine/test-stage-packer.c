/* test-stage-packer.c: the staged background packer (src/engine/pm-stage-packer.c) on a
 * stand-in model: stages in order with their releases, waits, cancels, a failing stage.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>

#include "pm-stage-packer.h"

#define N_STAGES 6
#define FAIL_NONE (-1)

/* A model whose stages log what they do; stage @gate blocks until the test opens it. */
typedef struct {
  GMutex   lock;
  GCond    cond;
  GString *log;          /* "p0 r0 p1 r1 r0 …": packs and releases, in order */
  int      gate;         /* a stage that waits for gate_open, or −1 */
  gboolean gate_open;
  gboolean in_gate;      /* that stage has started */
  int      fail;         /* a stage that fails, or FAIL_NONE */
  int      finished;     /* stages whose pack_stage returned */
} Model;

static void
model_init (Model *m,
            int    gate,
            int    fail)
{
  *m = (Model) { 0 };
  g_mutex_init (&m->lock);
  g_cond_init (&m->cond);
  m->log = g_string_new (NULL);
  m->gate = gate;
  m->fail = fail;
}

static void
model_clear (Model *m)
{
  g_string_free (m->log, TRUE);
  g_mutex_clear (&m->lock);
  g_cond_clear (&m->cond);
}

static void
model_log (Model      *m,
           const char *what,
           int         stage)
{
  g_mutex_lock (&m->lock);
  g_string_append_printf (m->log, "%s%s%d", m->log->len > 0 ? " " : "", what, stage);
  g_mutex_unlock (&m->lock);
}

static char *
model_get_log (Model *m)
{
  char *s;

  g_mutex_lock (&m->lock);
  s = g_strdup (m->log->str);
  g_mutex_unlock (&m->lock);
  return s;
}

static int
model_get_finished (Model *m)
{
  int n;

  g_mutex_lock (&m->lock);
  n = m->finished;
  g_mutex_unlock (&m->lock);
  return n;
}

static gboolean
pack_stage (gpointer   model,
            int        stage,
            GError   **error)
{
  Model *m = model;

  model_log (m, "p", stage);
  g_mutex_lock (&m->lock);
  if (stage == m->gate)
    {
      m->in_gate = TRUE;
      g_cond_broadcast (&m->cond);
      while (!m->gate_open)
        g_cond_wait (&m->cond, &m->lock);
    }
  m->finished++;
  g_mutex_unlock (&m->lock);
  if (stage == m->fail)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "stage %d: bad weights", stage);
      return FALSE;
    }
  return TRUE;
}

static void
release_stage (gpointer model,
               int      stage)
{
  model_log (model, "r", stage);
}

/* Blocks until the gated stage has started. */
static void
wait_in_gate (Model *m)
{
  g_mutex_lock (&m->lock);
  while (!m->in_gate)
    g_cond_wait (&m->cond, &m->lock);
  g_mutex_unlock (&m->lock);
}

static void
open_gate (Model *m)
{
  g_mutex_lock (&m->lock);
  m->gate_open = TRUE;
  g_cond_broadcast (&m->cond);
  g_mutex_unlock (&m->lock);
}

/* A thread that opens the gate (or cancels) after a short sleep. */
static gpointer
open_gate_later (gpointer data)
{
  g_usleep (30 * 1000);
  open_gate (data);
  return NULL;
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (30 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_in_order (void)
{
  Model m;
  g_autofree char *log = NULL;

  model_init (&m, -1, FAIL_NONE);
  {
    g_autoptr(PmStagePacker) p = pm_stage_packer_new ("test-pack", N_STAGES, pack_stage,
                                                      release_stage, &m);
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (pm_stage_packer_get_n_stages (p), ==, N_STAGES);
    g_assert_cmpfloat (pm_stage_packer_get_pack_ms (p), >=, 0.0);
    /* done: every wait returns at once */
    for (int s = 0; s < N_STAGES; s++)
      {
        g_assert_true (pm_stage_packer_wait (p, s, NULL, &error));
        g_assert_no_error (error);
      }
  }
  /* each stage released once packed, again once the next one is, and once more at the end */
  log = model_get_log (&m);
  g_assert_cmpstr (log, ==, "p0 r0 p1 r1 r0 p2 r2 r1 p3 r3 r2 p4 r4 r3 p5 r5 r4 r0 r1 r2 r3");
  g_assert_cmpint (m.finished, ==, N_STAGES);
  model_clear (&m);

  /* without a release function, only the packs */
  model_init (&m, -1, FAIL_NONE);
  {
    g_autoptr(PmStagePacker) p = pm_stage_packer_new ("test-pack", 3, pack_stage, NULL, &m);
    g_assert_true (pm_stage_packer_wait (p, 2, NULL, NULL));
  }
  g_clear_pointer (&log, g_free);
  log = model_get_log (&m);
  g_assert_cmpstr (log, ==, "p0 p1 p2");
  model_clear (&m);
}

static void
test_wait (void)
{
  Model m;
  g_autoptr(GError) error = NULL;
  GThread *opener;
  PmStagePacker *p;

  model_init (&m, 3, FAIL_NONE);
  p = pm_stage_packer_new ("test-pack", N_STAGES, pack_stage, release_stage, &m);
  /* stages before the gate are done while stage 3 is held */
  g_assert_true (pm_stage_packer_wait (p, 2, NULL, &error));
  g_assert_no_error (error);
  wait_in_gate (&m);
  g_assert_cmpint (model_get_finished (&m), ==, 3);
  /* a wait for stage 3 returns once it is done, not before */
  opener = g_thread_new ("opener", open_gate_later, &m);
  g_assert_true (pm_stage_packer_wait (p, 3, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (model_get_finished (&m), >=, 4);
  g_assert_cmpfloat (pm_stage_packer_get_pack_ms (p), >=, 25.0);   /* it waited 30 ms */
  g_assert_cmpint (model_get_finished (&m), ==, N_STAGES);
  pm_stage_packer_free (p);
  g_thread_join (opener);
  model_clear (&m);
}

static void
test_wait_cancelled (void)
{
  Model m;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  GThread *canceller;
  PmStagePacker *p;

  model_init (&m, 2, FAIL_NONE);
  p = pm_stage_packer_new ("test-pack", N_STAGES, pack_stage, release_stage, &m);
  wait_in_gate (&m);
  /* a stage already done: TRUE while the cancellable is not cancelled */
  g_assert_true (pm_stage_packer_wait (p, 1, cancellable, &error));
  g_assert_no_error (error);
  /* cancelled while waiting for the held stage */
  canceller = g_thread_new ("canceller", cancel_later, cancellable);
  g_assert_false (pm_stage_packer_wait (p, 4, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (model_get_finished (&m), ==, 2);
  /* cancelled is checked first, even for a stage that is done */
  g_assert_false (pm_stage_packer_wait (p, 0, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_thread_join (canceller);
  open_gate (&m);
  pm_stage_packer_free (p);
  model_clear (&m);
}

static void
test_free_mid_packing (void)
{
  Model m;
  g_autofree char *log = NULL;
  GThread *opener;
  PmStagePacker *p;

  model_init (&m, 2, FAIL_NONE);
  p = pm_stage_packer_new ("test-pack", N_STAGES, pack_stage, release_stage, &m);
  wait_in_gate (&m);
  /* freed while stage 2 runs: it finishes (free joins the thread), none after it starts */
  opener = g_thread_new ("opener", open_gate_later, &m);
  pm_stage_packer_free (p);
  g_thread_join (opener);
  g_assert_cmpint (m.finished, ==, 3);
  log = model_get_log (&m);
  g_assert_cmpstr (log, ==, "p0 r0 p1 r1 r0 p2 r2 r1");
  model_clear (&m);

  /* freed at once, many times: no stage after the cancel, no crash or leak */
  for (int i = 0; i < 20; i++)
    {
      model_init (&m, -1, FAIL_NONE);
      p = pm_stage_packer_new ("test-pack", N_STAGES, pack_stage, release_stage, &m);
      pm_stage_packer_free (p);
      g_assert_cmpint (m.finished, <=, N_STAGES);
      model_clear (&m);
    }
}

static void
test_stage_fails (void)
{
  Model m;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  PmStagePacker *p;

  model_init (&m, -1, 3);
  p = pm_stage_packer_new ("test-pack", N_STAGES, pack_stage, release_stage, &m);
  g_assert_true (pm_stage_packer_wait (p, 2, NULL, &error));
  g_assert_no_error (error);
  /* the failed stage and every later one report its error */
  for (int s = 3; s < N_STAGES; s++)
    {
      g_assert_false (pm_stage_packer_wait (p, s, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_assert_cmpstr (error->message, ==, "stage 3: bad weights");
      g_clear_error (&error);
    }
  g_assert_cmpfloat (pm_stage_packer_get_pack_ms (p), ==, -1.0);
  pm_stage_packer_free (p);
  /* nothing ran after it, and it was not released */
  g_assert_cmpint (m.finished, ==, 4);
  log = model_get_log (&m);
  g_assert_cmpstr (log, ==, "p0 r0 p1 r1 r0 p2 r2 r1 p3");
  model_clear (&m);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/stage-packer/in-order", test_in_order);
  g_test_add_func ("/engine/stage-packer/wait", test_wait);
  g_test_add_func ("/engine/stage-packer/wait-cancelled", test_wait_cancelled);
  g_test_add_func ("/engine/stage-packer/free-mid-packing", test_free_mid_packing);
  g_test_add_func ("/engine/stage-packer/stage-fails", test_stage_fails);
  return g_test_run ();
}
