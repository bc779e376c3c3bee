#ifndef IS_GRAPH_H
#define IS_GRAPH_H
#include <stddef.h>
#include <stdint.h>

/*
 * A dependency graph over integer nodes 0..n-1: "from depends on to". Edges
 * are collected first, then is_graph_build lays them out twice in compressed
 * rows (the dependencies of each node, and its dependents), so every walk is
 * a scan of two flat arrays. Every algorithm here is iterative: a chain of a
 * million nodes costs a million steps of heap memory, never of stack.
 */
struct is_graph {
	uint32_t n;
	size_t nedges, ecap;
	uint32_t *efrom, *eto;        /* the edges as added */
	size_t *dep_start;            /* deps of v: dep[dep_start[v]..dep_start[v+1]) */
	uint32_t *dep;
	size_t *out_start;            /* dependents of v, laid out the same way */
	uint32_t *out;
};

#define IS_GRAPH_NONE UINT32_MAX

void is_graph_init(struct is_graph *g);
void is_graph_release(struct is_graph *g);
/* Returns the index of a new node. */
uint32_t is_graph_add_node(struct is_graph *g);
/* Records that from depends on to (both existing nodes). */
void is_graph_add_edge(struct is_graph *g, uint32_t from, uint32_t to);
/* Builds both row layouts from the edges; call again after adding more. */
void is_graph_build(struct is_graph *g);

/*
 * Kahn's algorithm. Fills topo (n slots) with the nodes in an order where
 * every node follows its dependencies, and level (n slots) with the longest
 * path from a root (roots are 0). Returns how many nodes were ordered: fewer
 * than n means the rest lie on or behind a cycle (their level is undefined).
 */
uint32_t is_graph_order(const struct is_graph *g, uint32_t *topo, uint32_t *level);
/*
 * The same, where a node v with flat[v] set adds no level to what depends on
 * it: a virtual node between two real ones leaves their levels as if they
 * were joined directly. flat (n slots) may be NULL.
 */
uint32_t is_graph_order_flat(const struct is_graph *g, const unsigned char *flat,
                             uint32_t *topo, uint32_t *level);
/*
 * critical[v] = weight[v] + the largest critical of v's dependents: the
 * length of the longest path from v to a sink. topo is what is_graph_order
 * returned, count its length; nodes not in it get 0.
 */
void is_graph_critical(const struct is_graph *g, const uint32_t *topo,
                       uint32_t count, const double *weight, double *critical);

/*
 * Finds one cycle in each strongly connected component that has one, among
 * the nodes that is_graph_order left out (ordered[v] == 0). Calls found with
 * the path (path[0] depends on path[1] ... path[len-1] depends on path[0]),
 * borrowed for the call. Returns the number of cycles found.
 */
typedef void is_graph_cycle_fn(const uint32_t *path, size_t len, void *ctx);
size_t is_graph_cycles(const struct is_graph *g, const unsigned char *ordered,
                       is_graph_cycle_fn *found, void *ctx);

/*
 * Sets mark[v] = 1 for every node reachable from the marked ones: through
 * dependencies (upstream: what they need) or through dependents (downstream:
 * what needs them). mark has n slots and is updated in place.
 */
void is_graph_mark_upstream(const struct is_graph *g, unsigned char *mark);
void is_graph_mark_downstream(const struct is_graph *g, unsigned char *mark);

#endif
