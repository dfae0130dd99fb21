/* pm-maxflow-private.h: Boykov–Kolmogorov max-flow / min-cut on a directed graph with
 * terminal links, for graph-cut segmentation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Nodes are 0 … n−1. Every node may have a capacity from the source and one to the sink;
 * edges come in pairs (i → j with @cap, j → i with @rev_cap). After pm_maxflow_run(), a node
 * is on the source side when it can still be reached from the source in the residual graph.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PmMaxflow PmMaxflow;

PmMaxflow *pm_maxflow_new              (int         n_nodes,
                                        gsize       n_edges_hint);
void       pm_maxflow_free             (PmMaxflow  *graph);
/* Empties @graph (no arcs, no terminal capacities, not run) and keeps its memory: the same
 * as a new graph with as many nodes. */
void       pm_maxflow_reset            (PmMaxflow  *graph);
/* Adds to the node's terminal capacities (source → node, node → sink); both ≥ 0. */
void       pm_maxflow_add_tweights     (PmMaxflow  *graph,
                                        int         node,
                                        double      source_cap,
                                        double      sink_cap);
void       pm_maxflow_add_edge         (PmMaxflow  *graph,
                                        int         i,
                                        int         j,
                                        double      cap,
                                        double      rev_cap);
/* Computes the maximum flow; returns its value. Call once per graph. */
double     pm_maxflow_run              (PmMaxflow  *graph);
gboolean   pm_maxflow_is_source_side   (const PmMaxflow *graph,
                                        int              node);
int        pm_maxflow_get_n_nodes      (const PmMaxflow *graph);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmMaxflow, pm_maxflow_free)

G_END_DECLS
