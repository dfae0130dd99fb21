/* pm-parallel.h: a parallel for-loop over row bands for the per-pixel work in src/core.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * src/core depends on GLib only, so it cannot use the engine's pool (pm-pool); this is a
 * small one on a shared GThreadPool. pm_parallel_for (n, func, data) calls func (task,
 * data) once for every 0 ≤ task < n; the caller works too and returns when all tasks are
 * done. Tasks are claimed one at a time, so a busy core only delays its current task,
 * and a call from inside a task (or from several threads at once) cannot deadlock: the
 * caller runs every task nobody else has claimed.
 *
 * Every task must write its own outputs only, so results never depend on the number of
 * threads.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*PmParallelFunc) (gint64   task,
                                gpointer data);

/* Threads that work on a loop, the caller included (≤ 0: every core, the default). */
void pm_parallel_set_threads (int            n_threads);
int  pm_parallel_get_threads (void);

void pm_parallel_for         (gint64         n_tasks,
                              PmParallelFunc func,
                              gpointer       data);

/* Tasks of about @rows_per_task rows for a loop over @height rows (at least 1). */
static inline gint64
pm_parallel_row_tasks (int height,
                       int rows_per_task)
{
  return MAX ((gint64) 1, ((gint64) height + rows_per_task - 1) / rows_per_task);
}

G_END_DECLS
