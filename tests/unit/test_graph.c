/*
 * The graph algorithms on random DAGs (order and level properties), on
 * cycles of every shape, and on long chains (nothing recursive).
 */
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "unit.h"

static uint64_t rng = 88172645463325252ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* A random DAG: edges only from a higher rank to a lower one, ranks shuffled. */
static void random_dag(struct is_graph *g, uint32_t n, uint32_t edges)
{
	uint32_t *rank = malloc(n * sizeof(*rank)), i;

	for (i = 0; i < n; i++) {
		rank[i] = i;
		is_graph_add_node(g);
	}
	for (i = n; i-- > 1;) {
		uint32_t j = rnd(i + 1), t = rank[i];

		rank[i] = rank[j];
		rank[j] = t;
	}
	for (i = 0; i < edges; i++) {
		uint32_t a = rnd(n), b = rnd(n);

		if (a != b)
			is_graph_add_edge(g, rank[a > b ? a : b], rank[a > b ? b : a]);
	}
	free(rank);
	is_graph_build(g);
}

static int order_holds(const struct is_graph *g, const uint32_t *topo,
                       const uint32_t *level)
{
	uint32_t *pos = malloc(g->n * sizeof(*pos)), i;
	size_t e;
	int ok = 1;

	for (i = 0; i < g->n; i++)
		pos[topo[i]] = i;
	for (e = 0; e < g->nedges; e++) {
		if (pos[g->efrom[e]] <= pos[g->eto[e]])
			ok = 0;
		if (level[g->efrom[e]] <= level[g->eto[e]])
			ok = 0;
	}
	for (i = 0; i < g->n; i++)
		if (level[i] > 0) {
			int tight = 0;

			for (e = g->dep_start[i]; e < g->dep_start[i + 1]; e++)
				if (level[g->dep[e]] + 1 == level[i])
					tight = 1;
			ok &= tight;
		}
	free(pos);
	return ok;
}

static void test_random_dags(void)
{
	int round;

	for (round = 0; round < 20; round++) {
		struct is_graph g;
		uint32_t n = 1000 + rnd(4000), *topo, *level, count;

		is_graph_init(&g);
		random_dag(&g, n, n * (1 + rnd(4)));
		topo = malloc(n * sizeof(*topo));
		level = malloc(n * sizeof(*level));
		count = is_graph_order(&g, topo, level);
		CHECK(count == n, "random DAG %d (%u nodes, %zu edges) is fully ordered",
		      round, n, g.nedges);
		CHECK(order_holds(&g, topo, level),
		      "random DAG %d: every node after its deps, levels are longest paths",
		      round);
		free(topo);
		free(level);
		is_graph_release(&g);
	}
}

struct cycles {
	size_t count, lens[16];
	uint32_t first[16];
};

static void on_cycle(const uint32_t *path, size_t len, void *ctx)
{
	struct cycles *c = ctx;

	if (c->count < 16) {
		c->lens[c->count] = len;
		c->first[c->count] = path[0];
	}
	c->count++;
}

static size_t find_cycles(struct is_graph *g, struct cycles *c)
{
	uint32_t *topo = malloc((g->n + 1) * sizeof(*topo));
	uint32_t *level = malloc((g->n + 1) * sizeof(*level)), i, count;
	unsigned char *ordered = calloc(g->n + 1, 1);
	size_t found;

	is_graph_build(g);
	count = is_graph_order(g, topo, level);
	for (i = 0; i < count; i++)
		ordered[topo[i]] = 1;
	memset(c, 0, sizeof(*c));
	found = is_graph_cycles(g, ordered, on_cycle, c);
	free(topo);
	free(level);
	free(ordered);
	return found;
}

static void test_cycles(void)
{
	struct is_graph g;
	struct cycles c;
	uint32_t i, n = 1000;

	is_graph_init(&g);
	for (i = 0; i < n; i++)
		is_graph_add_node(&g);
	is_graph_add_edge(&g, 0, 0);                       /* length 1 */
	is_graph_add_edge(&g, 1, 2);                       /* length 2 */
	is_graph_add_edge(&g, 2, 1);
	for (i = 10; i < 509; i++)                         /* length 500 */
		is_graph_add_edge(&g, i, i + 1);
	is_graph_add_edge(&g, 509, 10);
	is_graph_add_edge(&g, 600, 1);                     /* behind a cycle */
	is_graph_add_edge(&g, 700, 701);                   /* acyclic */
	CHECK(find_cycles(&g, &c) == 3, "three independent cycles, each reported once");
	CHECK(c.lens[0] == 1 && c.first[0] == 0, "a self-loop is a cycle of length 1");
	CHECK(c.lens[1] == 2, "a 2-cycle has length 2 (got %zu)", c.lens[1]);
	CHECK(c.lens[2] == 500, "a 500-cycle has length 500 (got %zu)", c.lens[2]);
	is_graph_release(&g);
}

static void test_shortcut(void)
{
	struct is_graph g;
	struct cycles c;
	uint32_t i;

	/* A long ring with a shortcut back: the reported cycle is the short one. */
	is_graph_init(&g);
	for (i = 0; i < 100; i++)
		is_graph_add_node(&g);
	for (i = 0; i < 99; i++)
		is_graph_add_edge(&g, i, i + 1);
	is_graph_add_edge(&g, 99, 0);
	is_graph_add_edge(&g, 0, 99);
	CHECK(find_cycles(&g, &c) == 1, "a knotted component is one report");
	CHECK(c.lens[0] == 2, "the shortest cycle through the root is reported (%zu)",
	      c.lens[0]);
	is_graph_release(&g);
}

static void test_long_chain(void)
{
	struct is_graph g;
	uint32_t n = 1000000, i, *topo, *level;
	double *w, *crit;
	unsigned char *mark;
	struct cycles c;

	is_graph_init(&g);
	for (i = 0; i < n; i++)
		is_graph_add_node(&g);
	for (i = 1; i < n; i++)
		is_graph_add_edge(&g, i, i - 1);
	is_graph_build(&g);
	topo = malloc(n * sizeof(*topo));
	level = malloc(n * sizeof(*level));
	w = malloc(n * sizeof(*w));
	crit = malloc(n * sizeof(*crit));
	mark = calloc(n, 1);
	CHECK(is_graph_order(&g, topo, level) == n && level[n - 1] == n - 1,
	      "a 1M chain orders with level n-1 at the end");
	for (i = 0; i < n; i++)
		w[i] = 1;
	is_graph_critical(&g, topo, n, w, crit);
	CHECK(crit[0] == n && crit[n - 1] == 1, "critical path of the chain's root is n");
	mark[n / 2] = 1;
	is_graph_mark_upstream(&g, mark);
	CHECK(mark[0] && !mark[n / 2 + 1], "upstream marks what a node needs");
	is_graph_add_edge(&g, 0, n - 1);
	CHECK(find_cycles(&g, &c) == 1 && c.lens[0] == n, "a 1M-node ring is one cycle");
	free(topo);
	free(level);
	free(w);
	free(crit);
	free(mark);
	is_graph_release(&g);
}

/* A flat node between two others adds no level: 0 <- 1 (flat) <- 2. */
static void test_flat(void)
{
	struct is_graph g;
	uint32_t topo[4], level[4], i;
	unsigned char flat[4] = { 0, 1, 1, 0 };

	is_graph_init(&g);
	for (i = 0; i < 4; i++)
		is_graph_add_node(&g);
	is_graph_add_edge(&g, 1, 0);
	is_graph_add_edge(&g, 2, 1);
	is_graph_add_edge(&g, 3, 2);
	is_graph_build(&g);
	CHECK(is_graph_order_flat(&g, flat, topo, level) == 4 && level[1] == 1 &&
	      level[2] == 1 && level[3] == 1, "flat nodes add no level");
	CHECK(is_graph_order(&g, topo, level) == 4 && level[3] == 3,
	      "without flat nodes every edge is a level");
	is_graph_release(&g);
}

int main(void)
{
	test_flat();
	test_random_dags();
	test_cycles();
	test_shortcut();
	test_long_chain();
	return UNIT_DONE();
}
