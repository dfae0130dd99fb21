/* pm-maxflow.c: Boykov–Kolmogorov max-flow / min-cut ("An experimental comparison of
 * min-cut/max-flow algorithms for energy minimization in vision", PAMI 2004).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two search trees grow from the source (S) and the sink (T) along non-saturated arcs.
 * When they touch, the path is augmented by its bottleneck; nodes whose link to their
 * parent saturates become orphans, which the adoption stage reattaches to a node of the
 * same tree still rooted at a terminal, or frees. The run ends when no active node can grow.
 *
 * Arcs are stored in pairs: arc a and its reverse a ^ 1. parent[v] is the arc from v to
 * its parent in the tree (so for the S tree the flow goes along parent[v] ^ 1, towards v;
 * for the T tree along parent[v], away from v). Each node's terminal residual is a single
 * number: tr_cap > 0 is residual capacity from the source, tr_cap < 0 towards the sink.
 * Distances and time stamps (dist, ts) implement the paper's heuristic that prefers short
 * paths to the terminal when choosing a new parent.
 */
#define G_LOG_DOMAIN "pm-maxflow"

#include "pm-maxflow-private.h"

#include <string.h>

#define PARENT_NONE     (-1)   /* free node */
#define PARENT_TERMINAL (-2)   /* child of the source or sink itself */
#define PARENT_ORPHAN   (-3)

enum { TREE_FREE = 0, TREE_S = 1, TREE_T = 2 };

/* A simple ring queue of node indices; each node is queued at most once at a time. */
typedef struct {
  int *items;
  int  cap, head, len;
} NodeQueue;

struct _PmMaxflow {
  int     n;
  /* per node */
  int    *first_arc;
  int    *parent;
  guint8 *tree;
  guint8 *queued;      /* in the active queue */
  double *tr_cap;
  int    *ts;
  int    *dist;
  /* per arc */
  int    *head;
  int    *next;
  double *r_cap;
  gsize   n_arcs, arc_cap;

  double    flow;
  int       time;
  NodeQueue active;
  NodeQueue orphans;
  gboolean  done;
};

static void
queue_init (NodeQueue *q,
            int        cap)
{
  q->cap = MAX (cap, 1);
  q->items = g_new (int, q->cap);
  q->head = q->len = 0;
}

/* The ring wraps with a compare, not a division (these run once per queued node). */
static void
queue_push (NodeQueue *q,
            int        v)
{
  int tail;

  g_assert (q->len < q->cap);
  tail = q->head + q->len;
  if (tail >= q->cap)
    tail -= q->cap;
  q->items[tail] = v;
  q->len++;
}

static int
queue_pop (NodeQueue *q)
{
  int v = q->items[q->head];

  if (++q->head == q->cap)
    q->head = 0;
  q->len--;
  return v;
}

/**
 * pm_maxflow_new:
 * @n_nodes: number of nodes (besides the two terminals)
 * @n_edges_hint: expected number of add_edge() calls (it grows as needed)
 */
PmMaxflow *
pm_maxflow_new (int   n_nodes,
                gsize n_edges_hint)
{
  PmMaxflow *g = g_new0 (PmMaxflow, 1);
  gsize n = (gsize) MAX (n_nodes, 1);

  g->n = MAX (n_nodes, 0);
  g->first_arc = g_new (int, n);
  g->parent = g_new (int, n);
  g->tree = g_new0 (guint8, n);
  g->queued = g_new0 (guint8, n);
  g->tr_cap = g_new0 (double, n);
  g->ts = g_new0 (int, n);
  g->dist = g_new0 (int, n);
  for (int i = 0; i < g->n; i++)
    {
      g->first_arc[i] = -1;
      g->parent[i] = PARENT_NONE;
    }
  g->arc_cap = MAX (2 * n_edges_hint, 16);
  g->head = g_new (int, g->arc_cap);
  g->next = g_new (int, g->arc_cap);
  g->r_cap = g_new (double, g->arc_cap);
  queue_init (&g->active, g->n);
  queue_init (&g->orphans, g->n);
  return g;
}

void
pm_maxflow_free (PmMaxflow *g)
{
  if (g == NULL)
    return;
  g_free (g->first_arc);
  g_free (g->parent);
  g_free (g->tree);
  g_free (g->queued);
  g_free (g->tr_cap);
  g_free (g->ts);
  g_free (g->dist);
  g_free (g->head);
  g_free (g->next);
  g_free (g->r_cap);
  g_free (g->active.items);
  g_free (g->orphans.items);
  g_free (g);
}

/**
 * pm_maxflow_reset:
 * @graph: a graph
 *
 * Makes @graph what pm_maxflow_new () would return for its number of nodes, without
 * allocating: for graphs built again and again on the same nodes (GrabCut's iterations).
 */
void
pm_maxflow_reset (PmMaxflow *g)
{
  gsize n = (gsize) MAX (g->n, 1);

  for (int i = 0; i < g->n; i++)
    {
      g->first_arc[i] = -1;
      g->parent[i] = PARENT_NONE;
    }
  memset (g->tree, 0, n);
  memset (g->queued, 0, n);
  memset (g->tr_cap, 0, n * sizeof (double));
  memset (g->ts, 0, n * sizeof (int));
  memset (g->dist, 0, n * sizeof (int));
  g->n_arcs = 0;
  g->flow = 0;
  g->time = 0;
  g->active.head = g->active.len = 0;
  g->orphans.head = g->orphans.len = 0;
  g->done = FALSE;
}

int
pm_maxflow_get_n_nodes (const PmMaxflow *g)
{
  return g->n;
}

void
pm_maxflow_add_tweights (PmMaxflow *g,
                         int        node,
                         double     source_cap,
                         double     sink_cap)
{
  double delta;

  g_assert (node >= 0 && node < g->n);
  g_assert (source_cap >= 0 && sink_cap >= 0);
  /* Fold the new capacities into the residual: a path source → node → sink carries
   * min(source, sink) at once. */
  delta = g->tr_cap[node];
  if (delta > 0)
    source_cap += delta;
  else
    sink_cap -= delta;
  g->flow += MIN (source_cap, sink_cap);
  g->tr_cap[node] = source_cap - sink_cap;
}

void
pm_maxflow_add_edge (PmMaxflow *g,
                     int        i,
                     int        j,
                     double     cap,
                     double     rev_cap)
{
  gsize a;

  g_assert (i >= 0 && i < g->n && j >= 0 && j < g->n && i != j);
  g_assert (cap >= 0 && rev_cap >= 0);
  if (g->n_arcs + 2 > g->arc_cap)
    {
      g->arc_cap *= 2;
      g->head = g_renew (int, g->head, g->arc_cap);
      g->next = g_renew (int, g->next, g->arc_cap);
      g->r_cap = g_renew (double, g->r_cap, g->arc_cap);
    }
  g_assert (g->n_arcs + 2 <= G_MAXINT);
  a = g->n_arcs;
  g->n_arcs += 2;

  g->head[a] = j;
  g->r_cap[a] = cap;
  g->next[a] = g->first_arc[i];
  g->first_arc[i] = (int) a;

  g->head[a + 1] = i;
  g->r_cap[a + 1] = rev_cap;
  g->next[a + 1] = g->first_arc[j];
  g->first_arc[j] = (int) (a + 1);
}

/* ---------------------------------------------------------------- the algorithm */

static void
set_active (PmMaxflow *g,
            int        v)
{
  if (!g->queued[v])
    {
      g->queued[v] = 1;
      queue_push (&g->active, v);
    }
}

static void
set_orphan (PmMaxflow *g,
            int        v)
{
  g->parent[v] = PARENT_ORPHAN;
  queue_push (&g->orphans, v);
}

/* Next active node still in a tree, or -1. */
static int
next_active (PmMaxflow *g)
{
  while (g->active.len > 0)
    {
      int v = queue_pop (&g->active);
      g->queued[v] = 0;
      if (g->parent[v] != PARENT_NONE)
        return v;
    }
  return -1;
}

/* Grows the tree of @v by one layer. Returns the arc (oriented from the S side to the
 * T side) where the trees meet, or -1 if @v has nothing left to grow into. */
static int
grow (PmMaxflow *g,
      int        v)
{
  gboolean from_s = g->tree[v] == TREE_S;

  for (int a = g->first_arc[v]; a >= 0; a = g->next[a])
    {
      /* Residual in the direction of growth: away from the source, or towards the sink. */
      double cap = from_s ? g->r_cap[a] : g->r_cap[a ^ 1];
      int u = g->head[a];

      if (cap <= 0)
        continue;
      if (g->parent[u] == PARENT_NONE)
        {
          g->tree[u] = g->tree[v];
          g->parent[u] = a ^ 1;
          g->ts[u] = g->ts[v];
          g->dist[u] = g->dist[v] + 1;
          set_active (g, u);
        }
      else if (g->tree[u] != g->tree[v])
        {
          return from_s ? a : a ^ 1;
        }
      else if (g->ts[u] <= g->ts[v] && g->dist[u] > g->dist[v])
        {
          /* A shorter way to the terminal for u: adopt it now. */
          g->parent[u] = a ^ 1;
          g->ts[u] = g->ts[v];
          g->dist[u] = g->dist[v] + 1;
        }
    }
  return -1;
}

static void
augment (PmMaxflow *g,
         int        middle)
{
  double f = g->r_cap[middle];
  int v, p;

  /* Bottleneck: the S side from the middle arc's tail up to the source … */
  for (v = g->head[middle ^ 1]; (p = g->parent[v]) != PARENT_TERMINAL; v = g->head[p])
    f = MIN (f, g->r_cap[p ^ 1]);
  f = MIN (f, g->tr_cap[v]);
  /* … and the T side from its head down to the sink. */
  for (v = g->head[middle]; (p = g->parent[v]) != PARENT_TERMINAL; v = g->head[p])
    f = MIN (f, g->r_cap[p]);
  f = MIN (f, -g->tr_cap[v]);

  g->r_cap[middle ^ 1] += f;
  g->r_cap[middle] -= f;

  for (v = g->head[middle ^ 1]; (p = g->parent[v]) != PARENT_TERMINAL; )
    {
      int up = g->head[p];
      g->r_cap[p] += f;
      g->r_cap[p ^ 1] -= f;
      if (g->r_cap[p ^ 1] <= 0)
        set_orphan (g, v);
      v = up;
    }
  g->tr_cap[v] -= f;
  if (g->tr_cap[v] <= 0)
    set_orphan (g, v);

  for (v = g->head[middle]; (p = g->parent[v]) != PARENT_TERMINAL; )
    {
      int down = g->head[p];
      g->r_cap[p ^ 1] += f;
      g->r_cap[p] -= f;
      if (g->r_cap[p] <= 0)
        set_orphan (g, v);
      v = down;
    }
  g->tr_cap[v] += f;
  if (g->tr_cap[v] >= 0)
    set_orphan (g, v);

  g->flow += f;
}

/* Distance from @u to its tree's terminal, or G_MAXINT if @u hangs below an orphan.
 * Marks the nodes on the way with the current time stamp and their distances. */
static int
origin_distance (PmMaxflow *g,
                 int        u)
{
  int d = 0, v = u, p;

  for (;;)
    {
      if (g->ts[v] == g->time)
        {
          d += g->dist[v];
          break;
        }
      p = g->parent[v];
      d++;
      if (p == PARENT_TERMINAL)
        {
          g->ts[v] = g->time;
          g->dist[v] = 1;
          break;
        }
      if (p == PARENT_ORPHAN || p == PARENT_NONE)
        return G_MAXINT;
      v = g->head[p];
    }
  for (v = u; g->ts[v] != g->time; v = g->head[g->parent[v]])
    {
      g->ts[v] = g->time;
      g->dist[v] = d--;
    }
  return g->dist[u];
}

static void
process_orphan (PmMaxflow *g,
                int        v)
{
  gboolean in_s = g->tree[v] == TREE_S;
  int best = -1, best_d = G_MAXINT;

  for (int a = g->first_arc[v]; a >= 0; a = g->next[a])
    {
      /* A parent must be able to send flow to v (S tree) or take it from v (T tree). */
      double cap = in_s ? g->r_cap[a ^ 1] : g->r_cap[a];
      int u = g->head[a], d;

      if (cap <= 0 || g->tree[u] != g->tree[v] || g->parent[u] == PARENT_NONE)
        continue;
      d = origin_distance (g, u);
      if (d < best_d)
        {
          best_d = d;
          best = a;
        }
    }

  if (best >= 0)
    {
      g->parent[v] = best;
      g->ts[v] = g->time;
      g->dist[v] = best_d + 1;
      return;
    }

  /* No way back to the terminal: v becomes free; its children become orphans and the
   * neighbours that could regrow into it become active. */
  for (int a = g->first_arc[v]; a >= 0; a = g->next[a])
    {
      int u = g->head[a], p;
      double cap = in_s ? g->r_cap[a ^ 1] : g->r_cap[a];

      if (g->tree[u] != g->tree[v] || g->parent[u] == PARENT_NONE)
        continue;
      if (cap > 0)
        set_active (g, u);
      p = g->parent[u];
      if (p >= 0 && g->head[p] == v)
        set_orphan (g, u);
    }
  g->tree[v] = TREE_FREE;
  g->parent[v] = PARENT_NONE;
}

/**
 * pm_maxflow_run:
 * @graph: a graph
 *
 * Returns: the value of the maximum flow (= the capacity of the minimum cut)
 */
double
pm_maxflow_run (PmMaxflow *g)
{
  g_return_val_if_fail (!g->done, g->flow);
  g->done = TRUE;

  for (int v = 0; v < g->n; v++)
    {
      if (g->tr_cap[v] != 0)
        {
          g->tree[v] = g->tr_cap[v] > 0 ? TREE_S : TREE_T;
          g->parent[v] = PARENT_TERMINAL;
          g->ts[v] = 0;
          g->dist[v] = 1;
          set_active (g, v);
        }
    }

  for (;;)
    {
      int v = next_active (g), middle;

      if (v < 0)
        break;
      middle = grow (g, v);
      if (middle < 0)
        continue;
      /* v may have more to give once this path is augmented. */
      set_active (g, v);
      g->time++;
      augment (g, middle);
      while (g->orphans.len > 0)
        process_orphan (g, queue_pop (&g->orphans));
    }
  return g->flow;
}

/**
 * pm_maxflow_is_source_side:
 *
 * After pm_maxflow_run(): whether @node is on the source side of a minimum cut (it is
 * reachable from the source in the residual graph).
 */
gboolean
pm_maxflow_is_source_side (const PmMaxflow *g,
                           int              node)
{
  g_assert (node >= 0 && node < g->n);
  return g->tree[node] == TREE_S;
}
