/* pm-parallel.c: a parallel for-loop on a shared GThreadPool (see pm-parallel.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A loop is a Job on the heap: the caller and every helper it pushed to the pool hold a
 * reference, claim tasks from one atomic counter, and the last task to finish wakes the
 * caller. A helper that starts after every task was claimed just drops its reference.
 */
#define G_LOG_DOMAIN "pm-parallel"

#include "pm-parallel.h"

typedef struct {
  PmParallelFunc func;
  gpointer       data;
  gint64         n_tasks;
  gint64         next;      /* atomic */
  gint64         done;      /* atomic */
  gint           ref;       /* atomic */
  GMutex         mutex;
  GCond          cond;
} Job;

static GMutex pool_mutex;
static GThreadPool *pool;
static gint n_threads_set;   /* atomic; 0: every core */

static void
job_unref (Job *job)
{
  if (g_atomic_int_dec_and_test (&job->ref))
    {
      g_mutex_clear (&job->mutex);
      g_cond_clear (&job->cond);
      g_free (job);
    }
}

static void
job_work (Job *job)
{
  for (;;)
    {
      gint64 task = (gint64) __atomic_fetch_add (&job->next, 1, __ATOMIC_RELAXED);

      if (task >= job->n_tasks)
        return;
      job->func (task, job->data);
      if (__atomic_add_fetch (&job->done, 1, __ATOMIC_ACQ_REL) == job->n_tasks)
        {
          g_mutex_lock (&job->mutex);
          g_cond_broadcast (&job->cond);
          g_mutex_unlock (&job->mutex);
        }
    }
}

static void
helper_main (gpointer data,
             gpointer user_data)
{
  Job *job = data;

  job_work (job);
  job_unref (job);
}

/**
 * pm_parallel_set_threads:
 * @n_threads: threads that work on a loop, the caller included; ≤ 0 for every core
 */
void
pm_parallel_set_threads (int n_threads)
{
  g_atomic_int_set (&n_threads_set, MAX (n_threads, 0));
}

/**
 * pm_parallel_get_threads:
 *
 * Returns: the threads that work on a loop, the caller included (at least 1)
 */
int
pm_parallel_get_threads (void)
{
  int n = g_atomic_int_get (&n_threads_set);

  return n > 0 ? n : MAX ((int) g_get_num_processors (), 1);
}

static GThreadPool *
get_pool (int helpers)
{
  GThreadPool *p;

  g_mutex_lock (&pool_mutex);
  if (pool == NULL)
    pool = g_thread_pool_new (helper_main, NULL, helpers, FALSE, NULL);
  else if (g_thread_pool_get_max_threads (pool) != helpers)
    g_thread_pool_set_max_threads (pool, helpers, NULL);
  p = pool;
  g_mutex_unlock (&pool_mutex);
  return p;
}

/**
 * pm_parallel_for:
 * @n_tasks: the number of tasks
 * @func: called once for every task 0 ≤ task < @n_tasks, from any thread
 * @data: passed to @func
 *
 * Runs the tasks on the caller's thread and up to pm_parallel_get_threads () − 1 helpers;
 * returns when all are done.
 */
void
pm_parallel_for (gint64         n_tasks,
                 PmParallelFunc func,
                 gpointer       data)
{
  int helpers;
  Job *job;

  g_return_if_fail (func != NULL);

  if (n_tasks <= 0)
    return;
  helpers = (int) MIN ((gint64) pm_parallel_get_threads () - 1, n_tasks - 1);
  if (helpers <= 0)
    {
      for (gint64 t = 0; t < n_tasks; t++)
        func (t, data);
      return;
    }

  job = g_new0 (Job, 1);
  job->func = func;
  job->data = data;
  job->n_tasks = n_tasks;
  job->ref = 1 + helpers;
  g_mutex_init (&job->mutex);
  g_cond_init (&job->cond);
  {
    GThreadPool *p = get_pool (helpers);

    for (int i = 0; i < helpers; i++)
      if (!g_thread_pool_push (p, job, NULL))
        job_unref (job);   /* no thread: the caller does that share */
  }

  job_work (job);
  g_mutex_lock (&job->mutex);
  while (__atomic_load_n (&job->done, __ATOMIC_ACQUIRE) < n_tasks)
    g_cond_wait (&job->cond, &job->mutex);
  g_mutex_unlock (&job->mutex);
  job_unref (job);
}
