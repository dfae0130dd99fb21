/* pm-pool.h: the compute kernels' one thread pool (tasks over tiles).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Process-wide, like OpenBLAS's: pm_pool_run (n, func, data) calls func (task, worker,
 * data) once for every task 0 ≤ task < n, spread over the pool's threads (the caller is
 * worker 0 and works too); tasks are claimed one at a time, so a core that the machine
 * takes away for a while costs only its current task. Calls from several threads are
 * serialised; a pm_pool_run made from inside a task runs its tasks inline.
 *
 * Workers spin briefly after a run (the next op usually follows within microseconds),
 * then sleep on a condition variable.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PM_POOL_MAX_THREADS 256

typedef void (*PmPoolFunc) (gint64   task,
                            int      worker,
                            gpointer data);

/* Threads that run tasks, the caller included (n ≤ 0: every core). */
void     pm_pool_set_threads (int        n_threads);
int      pm_pool_get_threads (void);

void     pm_pool_run         (gint64     n_tasks,
                              PmPoolFunc func,
                              gpointer   data);

/* The same on the calling thread alone (small work: no wake-up, no wait for the others). */
void     pm_pool_run_here    (gint64     n_tasks,
                              PmPoolFunc func,
                              gpointer   data);

/* Hold the pool (and its scratch) across several runs that share buffers. Recursive;
 * pm_pool_run takes it too. */
void     pm_pool_lock        (void);
void     pm_pool_unlock      (void);

/* Scratch memory kept by the pool, 64-byte aligned, grown on demand and never shrunk:
 * slot w < pm_pool_get_threads () is worker w's, for use inside its tasks; slots from
 * PM_POOL_SLOT_SHARED on are for the caller to share with its tasks (with the pool
 * locked). Contents are undefined; the pointer stays valid until the slot is asked for
 * more bytes. */
#define PM_POOL_SLOT_SHARED PM_POOL_MAX_THREADS
#define PM_POOL_N_SLOTS (PM_POOL_MAX_THREADS + 4)
gpointer pm_pool_scratch     (int        slot,
                              gsize      bytes);

G_END_DECLS
