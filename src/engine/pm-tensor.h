/* pm-tensor.h: plain float32 tensors and the scratch arena the engine computes in.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Conventions (read these before using any pm_op_*):
 * - Every tensor holds float32 values in row-major (C) order: the LAST dimension is
 *   contiguous in memory.
 * - Shapes are written outermost first, exactly as PyTorch prints them:
 *   shape[0] is the slowest-varying dimension, shape[n_dims − 1] the fastest. A PyTorch
 *   Linear weight [out, in] is a PmTensor with shape {out, in}; an image is {C, H, W};
 *   a token sequence is {T, D} (T tokens of width D).
 * - A PmTensor is a small value type (a view). It either owns its data (pm_tensor_new)
 *   or points into memory owned by someone else (a model's weights, a PmArena, a
 *   safetensors mapping). Views never free anything.
 * - 0-dim tensors (scalars) have n_dims == 0 and one element.
 * - PmArena is a bump allocator sized once per model or run: a forward pass takes all its
 *   temporaries from it and never calls malloc per op. Allocation past the capacity is a
 *   programming error (assertion), because sizes are computed from the config up front.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PM_TENSOR_MAX_DIMS 4

typedef struct {
  float  *data;                       /* numel floats, row-major */
  int     n_dims;                     /* 0..PM_TENSOR_MAX_DIMS */
  gint64  shape[PM_TENSOR_MAX_DIMS];  /* outermost first; unused entries are 1 */
  gboolean owned;                     /* data was allocated by pm_tensor_new */
} PmTensor;

/* Heap tensors (owned data, zero-filled). */
PmTensor *pm_tensor_new      (int             n_dims,
                              const gint64   *shape);
PmTensor *pm_tensor_new_1d   (gint64          d0);
PmTensor *pm_tensor_new_2d   (gint64          d0,
                              gint64          d1);
PmTensor *pm_tensor_new_3d   (gint64          d0,
                              gint64          d1,
                              gint64          d2);
void      pm_tensor_free     (PmTensor       *tensor);

/* Views on existing memory (never freed by the view). */
PmTensor  pm_tensor_view     (float          *data,
                              int             n_dims,
                              const gint64   *shape);
PmTensor  pm_tensor_view_1d  (float          *data,
                              gint64          d0);
PmTensor  pm_tensor_view_2d  (float          *data,
                              gint64          d0,
                              gint64          d1);
PmTensor  pm_tensor_view_3d  (float          *data,
                              gint64          d0,
                              gint64          d1,
                              gint64          d2);

gint64    pm_tensor_numel    (const PmTensor *tensor);
/* Number of rows when seen as a matrix [numel / last, last]. */
gint64    pm_tensor_rows     (const PmTensor *tensor);
/* Size of the last dimension (1 for a scalar). */
gint64    pm_tensor_cols     (const PmTensor *tensor);
gboolean  pm_tensor_has_shape (const PmTensor *tensor,
                               int             n_dims,
                               const gint64   *shape);
/* "[64, 3, 16, 16]" (caller frees). */
char     *pm_tensor_shape_to_string (int           n_dims,
                                     const gint64 *shape);

/* Scratch arena. */
typedef struct _PmArena PmArena;

PmArena  *pm_arena_new       (gsize           n_floats);
/* Like pm_arena_new() but returns NULL if the memory cannot be allocated. */
PmArena  *pm_arena_try_new   (gsize           n_floats);
void      pm_arena_free      (PmArena        *arena);
/* 64-byte aligned; asserts that it fits. */
float    *pm_arena_alloc     (PmArena        *arena,
                              gsize           n_floats);
PmTensor  pm_arena_tensor    (PmArena        *arena,
                              int             n_dims,
                              const gint64   *shape);
PmTensor  pm_arena_tensor_2d (PmArena        *arena,
                              gint64          d0,
                              gint64          d1);
PmTensor  pm_arena_tensor_3d (PmArena        *arena,
                              gint64          d0,
                              gint64          d1,
                              gint64          d2);
/* Mark/release: everything allocated after @mark is released by pm_arena_release. */
gsize     pm_arena_mark      (PmArena        *arena);
void      pm_arena_release   (PmArena        *arena,
                              gsize           mark);
void      pm_arena_reset     (PmArena        *arena);
gsize     pm_arena_get_capacity (PmArena     *arena);   /* floats */
gsize     pm_arena_get_peak  (PmArena        *arena);   /* floats, high-water mark */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmTensor, pm_tensor_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmArena, pm_arena_free)

G_END_DECLS
