/* pm-pool.c: a small thread pool for the compute kernels.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One job is open at a time. Its state is one atomic word, ctl = gen << 9 | open << 8 |
 * joined: a worker joins the open job by a compare-and-swap that bumps `joined`, so it
 * reads the job's fields only after it is known to be open, and the caller closes the job
 * (another compare-and-swap) only once no worker is inside it. A worker that wakes late
 * therefore either joins a job that is still open or sees it closed; it never reads a job
 * that is being rewritten, and the caller never waits for a worker that has not joined.
 */
#define G_LOG_DOMAIN "pm-pool"

#include "pm-pool.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#define cpu_relax() _mm_pause ()
#else
#define cpu_relax() do { } while (0)
#endif

#define CTL_JOINED    0xff
#define CTL_OPEN      0x100
#define CTL_GEN_SHIFT 9
#define CTL_GEN_MASK  ((1 << (31 - CTL_GEN_SHIFT)) - 1)

/* How long an idle worker spins before it sleeps. */
#define SPIN_US 200

static struct {
  GRecMutex   lock;
  GMutex      sleep_mutex;
  GCond       wake;

  gint        n_threads;          /* participants, caller included; 0 = not set yet */
  int         n_workers;          /* threads started (n_threads − 1 once running) */
  GThread    *workers[PM_POOL_MAX_THREADS];
  gint        ctl;
  gint        sleepers;
  gint        quit;
  int         gen;

  /* the job, written by the caller while it is closed */
  PmPoolFunc  func;
  gpointer    data;
  gint        n_tasks;
  gint        next;

  gpointer    scratch[PM_POOL_N_SLOTS];
  gsize       scratch_bytes[PM_POOL_N_SLOTS];
} pool;

/* Inside a task: which worker this thread is (nested runs stay on it). */
static GPrivate in_task_key;   /* worker + 1, or 0 */

static int
current_worker (void)
{
  return GPOINTER_TO_INT (g_private_get (&in_task_key)) - 1;
}

static void
run_tasks (int worker)
{
  g_private_set (&in_task_key, GINT_TO_POINTER (worker + 1));
  for (;;)
    {
      gint t = g_atomic_int_add (&pool.next, 1);
      if (t >= pool.n_tasks)
        break;
      pool.func (t, worker, pool.data);
    }
  g_private_set (&in_task_key, NULL);
}

static gboolean
job_for (gint c,
         int  last_gen)
{
  return (c & CTL_OPEN) && (c >> CTL_GEN_SHIFT) != last_gen;
}

static gpointer
worker_main (gpointer data)
{
  int id = GPOINTER_TO_INT (data);
  int last_gen = g_atomic_int_get (&pool.ctl) >> CTL_GEN_SHIFT;

  for (;;)
    {
      gint c = g_atomic_int_get (&pool.ctl);
      gint64 deadline = 0;

      /* spin for a new open job, then sleep */
      for (int i = 0; !job_for (c, last_gen) && !g_atomic_int_get (&pool.quit); i++)
        {
          cpu_relax ();
          if ((i & 255) == 255)
            {
              gint64 now = g_get_monotonic_time ();
              if (deadline == 0)
                deadline = now + SPIN_US;
              else if (now > deadline)
                break;
            }
          c = g_atomic_int_get (&pool.ctl);
        }
      if (!job_for (c, last_gen) && !g_atomic_int_get (&pool.quit))
        {
          g_mutex_lock (&pool.sleep_mutex);
          g_atomic_int_inc (&pool.sleepers);
          while (!g_atomic_int_get (&pool.quit) &&
                 !job_for (c = g_atomic_int_get (&pool.ctl), last_gen))
            g_cond_wait (&pool.wake, &pool.sleep_mutex);
          g_atomic_int_add (&pool.sleepers, -1);
          g_mutex_unlock (&pool.sleep_mutex);
        }
      if (g_atomic_int_get (&pool.quit))
        return NULL;
      if (!g_atomic_int_compare_and_exchange (&pool.ctl, c, c + 1))
        continue;   /* closed or reopened meanwhile: look again */
      last_gen = c >> CTL_GEN_SHIFT;
      run_tasks (id);
      g_atomic_int_add (&pool.ctl, -1);
    }
}

static void
stop_workers (void)
{
  g_atomic_int_set (&pool.quit, 1);
  g_mutex_lock (&pool.sleep_mutex);
  g_cond_broadcast (&pool.wake);
  g_mutex_unlock (&pool.sleep_mutex);
  for (int i = 0; i < pool.n_workers; i++)
    g_thread_join (pool.workers[i]);
  pool.n_workers = 0;
  g_atomic_int_set (&pool.quit, 0);
}

static void
start_workers (void)
{
  while (pool.n_workers < pool.n_threads - 1)
    {
      g_autofree char *name = g_strdup_printf ("pm-pool-%d", pool.n_workers + 1);
      GThread *t = g_thread_try_new (name, worker_main,
                                     GINT_TO_POINTER (pool.n_workers + 1), NULL);
      if (t == NULL)
        {
          /* run with the threads we have */
          g_atomic_int_set (&pool.n_threads, pool.n_workers + 1);
          break;
        }
      pool.workers[pool.n_workers++] = t;
    }
}

/**
 * pm_pool_set_threads:
 * @n_threads: participants in a run, the caller included; ≤ 0 for every core
 */
void
pm_pool_set_threads (int n_threads)
{
  if (n_threads <= 0)
    n_threads = (int) g_get_num_processors ();
  n_threads = CLAMP (n_threads, 1, PM_POOL_MAX_THREADS);
  g_rec_mutex_lock (&pool.lock);
  if (n_threads != pm_pool_get_threads ())
    {
      stop_workers ();
      g_atomic_int_set (&pool.n_threads, n_threads);
    }
  g_rec_mutex_unlock (&pool.lock);
}

int
pm_pool_get_threads (void)
{
  gint n = g_atomic_int_get (&pool.n_threads);

  if (n == 0)
    {
      /* first use: every core (a lock-free read, so tasks may ask too) */
      g_atomic_int_compare_and_exchange (&pool.n_threads, 0,
                                         CLAMP ((gint) g_get_num_processors (), 1,
                                                PM_POOL_MAX_THREADS));
      n = g_atomic_int_get (&pool.n_threads);
    }
  return n;
}

void
pm_pool_lock (void)
{
  g_rec_mutex_lock (&pool.lock);
}

void
pm_pool_unlock (void)
{
  g_rec_mutex_unlock (&pool.lock);
}

/**
 * pm_pool_run:
 * @n_tasks: number of tasks (0 does nothing)
 * @func: called once per task, on any of the pool's threads
 * @data: passed to @func
 *
 * Returns when every task has finished.
 */
void
pm_pool_run (gint64     n_tasks,
             PmPoolFunc func,
             gpointer   data)
{
  int worker = current_worker ();

  g_return_if_fail (n_tasks >= 0 && n_tasks <= G_MAXINT / 2);
  if (n_tasks == 0)
    return;
  if (worker >= 0)
    {
      /* nested: inline, on this worker */
      for (gint64 t = 0; t < n_tasks; t++)
        func (t, worker, data);
      return;
    }
  g_rec_mutex_lock (&pool.lock);
  if (pm_pool_get_threads () == 1 || n_tasks == 1)
    {
      g_private_set (&in_task_key, GINT_TO_POINTER (1));
      for (gint64 t = 0; t < n_tasks; t++)
        func (t, 0, data);
      g_private_set (&in_task_key, NULL);
      g_rec_mutex_unlock (&pool.lock);
      return;
    }
  start_workers ();

  /* open */
  pool.func = func;
  pool.data = data;
  pool.n_tasks = (gint) n_tasks;
  g_atomic_int_set (&pool.next, 0);
  pool.gen = (pool.gen + 1) & CTL_GEN_MASK;
  g_atomic_int_set (&pool.ctl, (pool.gen << CTL_GEN_SHIFT) | CTL_OPEN);
  if (g_atomic_int_get (&pool.sleepers) > 0)
    {
      g_mutex_lock (&pool.sleep_mutex);
      g_cond_broadcast (&pool.wake);
      g_mutex_unlock (&pool.sleep_mutex);
    }

  run_tasks (0);

  /* close once no worker is inside (those inside hold the last tasks) */
  for (guint spins = 0;; spins++)
    {
      gint c = g_atomic_int_get (&pool.ctl);
      if ((c & CTL_JOINED) == 0 &&
          g_atomic_int_compare_and_exchange (&pool.ctl, c, c & ~CTL_OPEN))
        break;
      if (spins < 4096)
        cpu_relax ();
      else
        g_thread_yield ();
    }
  g_rec_mutex_unlock (&pool.lock);
}

/**
 * pm_pool_run_here:
 * @n_tasks: number of tasks
 * @func: called once per task, in order, on the calling thread
 * @data: passed to @func
 *
 * pm_pool_run () on the calling thread alone, as worker 0 (or, inside a task, as that
 * task's worker): for work too small to be worth waking the others and waiting for the
 * last of them (which, on a busy machine, may have lost its core in the middle of a task).
 */
void
pm_pool_run_here (gint64     n_tasks,
                  PmPoolFunc func,
                  gpointer   data)
{
  int worker = current_worker ();

  g_return_if_fail (n_tasks >= 0 && n_tasks <= G_MAXINT / 2);
  if (worker >= 0)
    {
      for (gint64 t = 0; t < n_tasks; t++)
        func (t, worker, data);
      return;
    }
  g_rec_mutex_lock (&pool.lock);
  g_private_set (&in_task_key, GINT_TO_POINTER (1));
  for (gint64 t = 0; t < n_tasks; t++)
    func (t, 0, data);
  g_private_set (&in_task_key, NULL);
  g_rec_mutex_unlock (&pool.lock);
}

/**
 * pm_pool_scratch:
 * @slot: a worker index, or PM_POOL_SLOT_SHARED + i (i < 4)
 * @bytes: size wanted
 *
 * Returns: (transfer none): 64-byte aligned memory of at least @bytes
 */
gpointer
pm_pool_scratch (int   slot,
                 gsize bytes)
{
  g_return_val_if_fail (slot >= 0 && slot < PM_POOL_N_SLOTS, NULL);
  if (bytes > pool.scratch_bytes[slot])
    {
      gsize size = MAX (bytes, pool.scratch_bytes[slot] + pool.scratch_bytes[slot] / 4);

      size = (size + 4095) & ~(gsize) 4095;
      g_aligned_free (pool.scratch[slot]);
      pool.scratch[slot] = g_aligned_alloc (size, 1, 64);
      pool.scratch_bytes[slot] = size;
    }
  return pool.scratch[slot];
}
