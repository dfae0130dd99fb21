/* pm-stage-packer.c: a model's weights packed stage by stage in a thread of their own,
 * with waits for one stage (see pm-stage-packer.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-stage-packer"

#include "pm-stage-packer.h"

struct _PmStagePacker {
  PmStagePackFunc     pack_stage;
  PmStageReleaseFunc  release_stage;   /* nullable */
  gpointer            model;
  int                 n_stages;
  GThread            *thread;          /* NULL once joined, or if it packed in new () */
  /* under lock; packed is read atomically too (it only grows) */
  GMutex              lock;
  GCond               cond;
  gint                packed;          /* stages done */
  gboolean            cancel;          /* stop before the next stage */
  GError             *error;           /* the failed stage's; no stage runs after it */
  double              pack_ms;         /* all stages, once done */
};

static gboolean
cancelled (PmStagePacker *p)
{
  gboolean cancel;

  g_mutex_lock (&p->lock);
  cancel = p->cancel;
  g_mutex_unlock (&p->lock);
  return cancel;
}

static gpointer
packer_main (gpointer data)
{
  PmStagePacker *p = data;
  gint64 t0 = g_get_monotonic_time ();

  for (int stage = 0; stage < p->n_stages && !cancelled (p); stage++)
    {
      GError *local = NULL;
      gboolean ok = p->pack_stage (p->model, stage, &local);

      g_assert (ok == (local == NULL));
      if (ok && p->release_stage != NULL)
        {
          p->release_stage (p->model, stage);
          /* reading this stage's weights may have mapped the ends of the previous
           * stage's (a read fault maps a whole page-cache folio): give those back too */
          if (stage > 0)
            p->release_stage (p->model, stage - 1);
          /* after the last one, every other stage once more: packing one may have mapped
           * the ends of whichever stages lie next to it in the file */
          for (int s = 0; stage + 1 == p->n_stages && s < stage - 1; s++)
            p->release_stage (p->model, s);
        }
      g_mutex_lock (&p->lock);
      if (ok)
        {
          if (stage + 1 == p->n_stages)
            p->pack_ms = (g_get_monotonic_time () - t0) / 1000.0;
          g_atomic_int_set (&p->packed, stage + 1);
        }
      else
        p->error = local;
      g_cond_broadcast (&p->cond);
      g_mutex_unlock (&p->lock);
      if (!ok)
        break;
    }
  return NULL;
}

/**
 * pm_stage_packer_new:
 * @name: the thread's name
 * @n_stages: number of stages (≥ 1)
 * @pack_stage: packs one stage of @model
 * @release_stage: (nullable): gives back what a stage no longer needs, after it
 * @model: passed to both
 *
 * Starts packing @model's stages in order in a thread; packs them all in this thread
 * before returning if no thread can be started.
 *
 * Returns: (transfer full): the packer; free it before @model
 */
PmStagePacker *
pm_stage_packer_new (const char         *name,
                     int                 n_stages,
                     PmStagePackFunc     pack_stage,
                     PmStageReleaseFunc  release_stage,
                     gpointer            model)
{
  PmStagePacker *p;

  g_return_val_if_fail (n_stages >= 1 && pack_stage != NULL, NULL);
  p = g_new0 (PmStagePacker, 1);
  p->pack_stage = pack_stage;
  p->release_stage = release_stage;
  p->model = model;
  p->n_stages = n_stages;
  g_mutex_init (&p->lock);
  g_cond_init (&p->cond);
  p->thread = g_thread_try_new (name, packer_main, p, NULL);
  if (p->thread == NULL)
    packer_main (p);
  return p;
}

/**
 * pm_stage_packer_free:
 * @packer: (nullable): a packer
 *
 * Stops packing before the next stage (the one under way finishes) and joins the thread.
 */
void
pm_stage_packer_free (PmStagePacker *p)
{
  if (p == NULL)
    return;
  g_mutex_lock (&p->lock);
  p->cancel = TRUE;
  g_mutex_unlock (&p->lock);
  g_clear_pointer (&p->thread, g_thread_join);
  g_clear_error (&p->error);
  g_mutex_clear (&p->lock);
  g_cond_clear (&p->cond);
  g_free (p);
}

static void
wake (GCancellable  *cancellable,
      PmStagePacker *p)
{
  g_mutex_lock (&p->lock);
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
}

/**
 * pm_stage_packer_wait:
 * @packer: a packer
 * @stage: a stage, 0 … n − 1
 * @cancellable: (nullable): stops the wait
 * @error: return location
 *
 * Blocks until @stage (and so every stage before it) is packed; at once afterwards.
 *
 * Returns: FALSE with @error set if @cancellable is cancelled (G_IO_ERROR_CANCELLED,
 *   checked first) or a stage up to @stage failed (its error)
 */
gboolean
pm_stage_packer_wait (PmStagePacker *p,
                      int            stage,
                      GCancellable  *cancellable,
                      GError       **error)
{
  gulong handler = 0;
  gboolean done;

  g_return_val_if_fail (p != NULL && stage >= 0 && stage < p->n_stages, FALSE);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (g_atomic_int_get (&p->packed) > stage)
    return TRUE;
  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (wake), p, NULL);
  g_mutex_lock (&p->lock);
  while (p->packed <= stage && p->error == NULL && !g_cancellable_is_cancelled (cancellable))
    g_cond_wait (&p->cond, &p->lock);
  done = p->packed > stage;
  if (!done && p->error != NULL && !g_cancellable_is_cancelled (cancellable))
    g_set_error_literal (error, p->error->domain, p->error->code, p->error->message);
  g_mutex_unlock (&p->lock);
  g_cancellable_disconnect (cancellable, handler);
  if (!done && g_cancellable_is_cancelled (cancellable))
    g_cancellable_set_error_if_cancelled (cancellable, error);
  return done;
}

int
pm_stage_packer_get_n_stages (PmStagePacker *p)
{
  return p->n_stages;
}

/**
 * pm_stage_packer_get_pack_ms:
 * @packer: a packer
 *
 * Waits for every stage.
 *
 * Returns: how long packing took (it runs alongside the first calls after the load), or
 *   −1 if a stage failed
 */
double
pm_stage_packer_get_pack_ms (PmStagePacker *p)
{
  double ms;

  if (!pm_stage_packer_wait (p, p->n_stages - 1, NULL, NULL))
    return -1;
  g_mutex_lock (&p->lock);
  ms = p->pack_ms;
  g_mutex_unlock (&p->lock);
  return ms;
}
