/* pm-scratch.c: big temporary buffers kept between calls.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A mask derivation allocates tens of megabytes of planes and frees them before it
 * returns. Blocks that large go back to the kernel in glibc (mmap, or a trimmed heap),
 * so the next call faults every page in again: on a 12 MP photo that was about a fifth
 * of the derivation's time, in the kernel zeroing pages. Freed blocks of SCRATCH_MIN …
 * SCRATCH_MAX bytes are kept here instead, up to SCRATCH_BUDGET bytes in all (the least
 * recently freed go back first), and handed out again for a request of about their
 * size. Thread-safe (one mutex; a handful of calls per plane, not per pixel).
 * pm_scratch_trim() gives everything back; so does the library's exit.
 *
 * Memory from here is not zero unless asked for (pm_scratch_alloc0()).
 */
#define G_LOG_DOMAIN "pm-scratch"

#include "pm-scratch-private.h"

#include <string.h>

#define SCRATCH_MIN     ((gsize) 256 * 1024)         /* smaller blocks: plain malloc */
#define SCRATCH_MAX     ((gsize) 16 * 1024 * 1024)   /* larger ones are not kept */
#define SCRATCH_BUDGET  ((gsize) 64 * 1024 * 1024)   /* kept in all, at most */
#define SCRATCH_SLOTS   24
#define HEADER          64                           /* before each block: its size */

typedef struct {
  guint8 *block;   /* the allocation, header included */
  gsize   size;    /* usable bytes */
} Slot;

static GMutex lock;
static Slot slots[SCRATCH_SLOTS];   /* [0, n_slots), oldest first */
static int n_slots;
static gsize kept;

static gsize
block_size (gconstpointer mem)
{
  gsize size;

  memcpy (&size, (const guint8 *) mem - HEADER, sizeof size);
  return size;
}

/* Takes the smallest kept block of @size … 1.25 × @size bytes, or NULL. */
static gpointer
take (gsize size)
{
  int best = -1;
  gpointer mem = NULL;

  g_mutex_lock (&lock);
  for (int i = 0; i < n_slots; i++)
    if (slots[i].size >= size && slots[i].size <= size + size / 4 &&
        (best < 0 || slots[i].size < slots[best].size))
      best = i;
  if (best >= 0)
    {
      mem = slots[best].block + HEADER;
      kept -= slots[best].size;
      memmove (slots + best, slots + best + 1, (n_slots - best - 1) * sizeof (Slot));
      n_slots--;
    }
  g_mutex_unlock (&lock);
  return mem;
}

static gpointer
fresh (gsize    size,
       gboolean zero)
{
  guint8 *block = zero ? g_malloc0 (size + HEADER) : g_malloc (size + HEADER);

  memcpy (block, &size, sizeof size);
  return block + HEADER;
}

gpointer
pm_scratch_alloc (gsize size)
{
  gpointer mem = NULL;

  if (size >= SCRATCH_MIN && size <= SCRATCH_MAX)
    mem = take (size);
  return mem != NULL ? mem : fresh (size, FALSE);
}

gpointer
pm_scratch_alloc0 (gsize size)
{
  gpointer mem = NULL;

  if (size >= SCRATCH_MIN && size <= SCRATCH_MAX)
    mem = take (size);
  if (mem == NULL)
    return fresh (size, TRUE);   /* fresh pages are zero for free */
  memset (mem, 0, size);
  return mem;
}

gpointer
pm_scratch_dup (gconstpointer src,
                gsize         size)
{
  gpointer mem = pm_scratch_alloc (size);

  memcpy (mem, src, size);
  return mem;
}

void
pm_scratch_free (gpointer mem)
{
  guint8 *block, *evicted[SCRATCH_SLOTS];
  int n_evicted = 0;
  gsize size;

  if (mem == NULL)
    return;
  block = (guint8 *) mem - HEADER;
  size = block_size (mem);
  if (size < SCRATCH_MIN || size > SCRATCH_MAX)
    {
      g_free (block);
      return;
    }
  g_mutex_lock (&lock);
  while (n_slots > 0 && (n_slots == SCRATCH_SLOTS || kept + size > SCRATCH_BUDGET))
    {
      evicted[n_evicted++] = slots[0].block;
      kept -= slots[0].size;
      memmove (slots, slots + 1, (n_slots - 1) * sizeof (Slot));
      n_slots--;
    }
  slots[n_slots].block = block;
  slots[n_slots].size = size;
  n_slots++;
  kept += size;
  g_mutex_unlock (&lock);
  for (int i = 0; i < n_evicted; i++)
    g_free (evicted[i]);
}

void
pm_scratch_trim (void)
{
  g_mutex_lock (&lock);
  for (int i = 0; i < n_slots; i++)
    g_free (slots[i].block);
  n_slots = 0;
  kept = 0;
  g_mutex_unlock (&lock);
}

gsize
pm_scratch_kept (void)
{
  gsize k;

  g_mutex_lock (&lock);
  k = kept;
  g_mutex_unlock (&lock);
  return k;
}

/* Nothing kept outlives the library (a clean exit under leak checkers too). */
static void __attribute__ ((destructor))
scratch_at_exit (void)
{
  pm_scratch_trim ();
}
