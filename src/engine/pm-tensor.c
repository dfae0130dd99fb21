/* pm-tensor.c: float32 tensors and the bump-allocated scratch arena.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-tensor"

#include "pm-tensor.h"

#include <string.h>

/* Alignment of arena allocations, in floats (64 bytes: one cache line, AVX-512 width). */
#define PM_ARENA_ALIGN 16

struct _PmArena {
  float *base;       /* aligned start */
  void  *raw;        /* what g_malloc returned */
  gsize  capacity;   /* floats */
  gsize  used;       /* floats */
  gsize  peak;       /* floats */
};

static void
set_shape (PmTensor     *t,
           int           n_dims,
           const gint64 *shape)
{
  g_assert (n_dims >= 0 && n_dims <= PM_TENSOR_MAX_DIMS);
  t->n_dims = n_dims;
  for (int i = 0; i < PM_TENSOR_MAX_DIMS; i++)
    t->shape[i] = i < n_dims ? shape[i] : 1;
  for (int i = 0; i < n_dims; i++)
    g_assert (shape[i] >= 0);
}

/**
 * pm_tensor_new:
 * @n_dims: number of dimensions (0..4)
 * @shape: sizes, outermost first
 *
 * Returns: (transfer full): a zero-filled tensor owning its data.
 */
PmTensor *
pm_tensor_new (int           n_dims,
               const gint64 *shape)
{
  PmTensor *t = g_new0 (PmTensor, 1);

  set_shape (t, n_dims, shape);
  t->data = g_new0 (float, MAX (pm_tensor_numel (t), 1));
  t->owned = TRUE;
  return t;
}

PmTensor *
pm_tensor_new_1d (gint64 d0)
{
  return pm_tensor_new (1, (gint64[]) { d0 });
}

PmTensor *
pm_tensor_new_2d (gint64 d0,
                  gint64 d1)
{
  return pm_tensor_new (2, (gint64[]) { d0, d1 });
}

PmTensor *
pm_tensor_new_3d (gint64 d0,
                  gint64 d1,
                  gint64 d2)
{
  return pm_tensor_new (3, (gint64[]) { d0, d1, d2 });
}

void
pm_tensor_free (PmTensor *tensor)
{
  if (tensor == NULL)
    return;
  if (tensor->owned)
    g_free (tensor->data);
  g_free (tensor);
}

PmTensor
pm_tensor_view (float        *data,
                int           n_dims,
                const gint64 *shape)
{
  PmTensor t = { 0 };

  set_shape (&t, n_dims, shape);
  t.data = data;
  t.owned = FALSE;
  return t;
}

PmTensor
pm_tensor_view_1d (float  *data,
                   gint64  d0)
{
  return pm_tensor_view (data, 1, (gint64[]) { d0 });
}

PmTensor
pm_tensor_view_2d (float  *data,
                   gint64  d0,
                   gint64  d1)
{
  return pm_tensor_view (data, 2, (gint64[]) { d0, d1 });
}

PmTensor
pm_tensor_view_3d (float  *data,
                   gint64  d0,
                   gint64  d1,
                   gint64  d2)
{
  return pm_tensor_view (data, 3, (gint64[]) { d0, d1, d2 });
}

gint64
pm_tensor_numel (const PmTensor *tensor)
{
  gint64 n = 1;

  for (int i = 0; i < tensor->n_dims; i++)
    n *= tensor->shape[i];
  return n;
}

gint64
pm_tensor_cols (const PmTensor *tensor)
{
  return tensor->n_dims == 0 ? 1 : tensor->shape[tensor->n_dims - 1];
}

gint64
pm_tensor_rows (const PmTensor *tensor)
{
  gint64 cols = pm_tensor_cols (tensor);
  return cols == 0 ? 0 : pm_tensor_numel (tensor) / cols;
}

gboolean
pm_tensor_has_shape (const PmTensor *tensor,
                     int             n_dims,
                     const gint64   *shape)
{
  if (tensor->n_dims != n_dims)
    return FALSE;
  for (int i = 0; i < n_dims; i++)
    if (tensor->shape[i] != shape[i])
      return FALSE;
  return TRUE;
}

char *
pm_tensor_shape_to_string (int           n_dims,
                           const gint64 *shape)
{
  GString *s = g_string_new ("[");

  for (int i = 0; i < n_dims; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* ---------------------------------------------------------------------------------------
 * Arena
 * ------------------------------------------------------------------------------------- */

/**
 * pm_arena_new:
 * @n_floats: capacity
 *
 * Returns: (transfer full): an arena of @n_floats floats, allocated once.
 */
static PmArena *
arena_new (gsize    n_floats,
           gboolean try)
{
  PmArena *arena;
  gsize bytes;
  guintptr p;
  void *raw;

  if (n_floats > (G_MAXSIZE - PM_ARENA_ALIGN * sizeof (float)) / sizeof (float))
    {
      if (try)
        return NULL;
      g_error ("scratch arena of %" G_GSIZE_FORMAT " floats is too large", n_floats);
    }
  bytes = n_floats * sizeof (float) + PM_ARENA_ALIGN * sizeof (float);
  raw = try ? g_try_malloc (bytes) : g_malloc (bytes);
  if (raw == NULL)
    return NULL;
  arena = g_new0 (PmArena, 1);
  arena->raw = raw;
  p = (guintptr) arena->raw;
  p = (p + PM_ARENA_ALIGN * sizeof (float) - 1) & ~((guintptr) PM_ARENA_ALIGN * sizeof (float) - 1);
  arena->base = (float *) p;
  arena->capacity = n_floats;
  return arena;
}

PmArena *
pm_arena_new (gsize n_floats)
{
  return arena_new (n_floats, FALSE);
}

/**
 * pm_arena_try_new:
 * @n_floats: capacity
 *
 * Returns: (transfer full) (nullable): an arena, or NULL if the memory is not available.
 */
PmArena *
pm_arena_try_new (gsize n_floats)
{
  return arena_new (n_floats, TRUE);
}

void
pm_arena_free (PmArena *arena)
{
  if (arena == NULL)
    return;
  g_free (arena->raw);
  g_free (arena);
}

float *
pm_arena_alloc (PmArena *arena,
                gsize    n_floats)
{
  gsize start = (arena->used + PM_ARENA_ALIGN - 1) / PM_ARENA_ALIGN * PM_ARENA_ALIGN;

  if (start + n_floats > arena->capacity)
    g_error ("scratch arena overflow: %" G_GSIZE_FORMAT " + %" G_GSIZE_FORMAT
             " floats > capacity %" G_GSIZE_FORMAT, start, n_floats, arena->capacity);
  arena->used = start + n_floats;
  arena->peak = MAX (arena->peak, arena->used);
  return arena->base + start;
}

PmTensor
pm_arena_tensor (PmArena      *arena,
                 int           n_dims,
                 const gint64 *shape)
{
  PmTensor t = pm_tensor_view (NULL, n_dims, shape);

  t.data = pm_arena_alloc (arena, (gsize) pm_tensor_numel (&t));
  return t;
}

PmTensor
pm_arena_tensor_2d (PmArena *arena,
                    gint64   d0,
                    gint64   d1)
{
  return pm_arena_tensor (arena, 2, (gint64[]) { d0, d1 });
}

PmTensor
pm_arena_tensor_3d (PmArena *arena,
                    gint64   d0,
                    gint64   d1,
                    gint64   d2)
{
  return pm_arena_tensor (arena, 3, (gint64[]) { d0, d1, d2 });
}

gsize
pm_arena_mark (PmArena *arena)
{
  return arena->used;
}

void
pm_arena_release (PmArena *arena,
                  gsize    mark)
{
  g_assert (mark <= arena->used);
  arena->used = mark;
}

void
pm_arena_reset (PmArena *arena)
{
  arena->used = 0;
}

gsize
pm_arena_get_capacity (PmArena *arena)
{
  return arena->capacity;
}

gsize
pm_arena_get_peak (PmArena *arena)
{
  return arena->peak;
}
