/* pm-scratch-private.h: big temporary buffers kept between calls (see pm-scratch.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @size bytes, uninitialised (16-byte aligned); pm_scratch_free() it. */
gpointer pm_scratch_alloc  (gsize    size);
/* @size bytes of zeros; pm_scratch_free() it. */
gpointer pm_scratch_alloc0 (gsize    size);
/* A copy of @size bytes at @mem; pm_scratch_free() it. */
gpointer pm_scratch_dup    (gconstpointer mem,
                            gsize    size);
/* Gives @mem (from pm_scratch_alloc(); %NULL is fine) back, to be handed out again. */
void     pm_scratch_free   (gpointer mem);
/* Gives every kept buffer back to the system. */
void     pm_scratch_trim   (void);
/* Bytes kept now. */
gsize    pm_scratch_kept   (void);

#define pm_scratch_new(type, n)  ((type *) pm_scratch_alloc (sizeof (type) * (gsize) (n)))
#define pm_scratch_new0(type, n) ((type *) pm_scratch_alloc0 (sizeof (type) * (gsize) (n)))

G_END_DECLS
