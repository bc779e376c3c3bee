/*
 * Cycle reporting: Tarjan's strongly connected components, iteratively (an
 * explicit stack of (node, next edge) frames), then in each component the
 * shortest cycle through its root by a breadth-first search. One cycle per
 * component names every independent knot without listing the exponentially
 * many cycles a dense component can hold.
 */
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "xalloc.h"
#include "banned.h"

struct frame {
	uint32_t v;
	size_t e;
};

struct tarjan {
	const struct is_graph *g;
	const unsigned char *ordered;
	uint32_t *index, *low, *comp, *stack, *parent, *queue;
	unsigned char *onstack;
	struct frame *calls;
	uint32_t counter, top, ncalls, ncomp;
	uint32_t *path;
	is_graph_cycle_fn *found;
	void *ctx;
	size_t cycles;
};

/* Shortest cycle through root inside component c, reported through t->found. */
static void report_cycle(struct tarjan *t, uint32_t root, uint32_t c)
{
	const struct is_graph *g = t->g;
	uint32_t head = 0, tail = 0, u, len;
	size_t e;

	t->parent[root] = root;
	t->queue[tail++] = root;
	while (head < tail) {
		u = t->queue[head++];
		for (e = g->dep_start[u]; e < g->dep_start[u + 1]; e++) {
			uint32_t w = g->dep[e];

			if (w == root)
				goto found;
			if (t->comp[w] != c || t->parent[w] != IS_GRAPH_NONE)
				continue;
			t->parent[w] = u;
			t->queue[tail++] = w;
		}
	}
	return;
found:
	for (len = 0; ; u = t->parent[u]) {
		t->path[len++] = u;
		if (u == root)
			break;
	}
	/* The walk went backwards from the last hop; turn it around. */
	for (head = 0; head < len / 2; head++) {
		uint32_t tmp = t->path[head];

		t->path[head] = t->path[len - 1 - head];
		t->path[len - 1 - head] = tmp;
	}
	t->found(t->path, len, t->ctx);
	t->cycles++;
}

static int has_self_edge(const struct is_graph *g, uint32_t v)
{
	size_t e;

	for (e = g->dep_start[v]; e < g->dep_start[v + 1]; e++)
		if (g->dep[e] == v)
			return 1;
	return 0;
}

static void close_component(struct tarjan *t, uint32_t v)
{
	uint32_t c = t->ncomp++, w, size = 0;

	do {
		w = t->stack[--t->top];
		t->onstack[w] = 0;
		t->comp[w] = c;
		size++;
	} while (w != v);
	if (size > 1 || has_self_edge(t->g, v))
		report_cycle(t, v, c);
}

static void push(struct tarjan *t, uint32_t v)
{
	t->index[v] = t->low[v] = t->counter++;
	t->stack[t->top++] = v;
	t->onstack[v] = 1;
	t->calls[t->ncalls].v = v;
	t->calls[t->ncalls].e = t->g->dep_start[v];
	t->ncalls++;
}

static void step(struct tarjan *t)
{
	const struct is_graph *g = t->g;
	struct frame *f = &t->calls[t->ncalls - 1];
	uint32_t v = f->v, w;

	if (f->e < g->dep_start[v + 1]) {
		w = g->dep[f->e++];
		if (t->ordered[w])
			return;
		if (t->index[w] == IS_GRAPH_NONE)
			push(t, w);
		else if (t->onstack[w] && t->index[w] < t->low[v])
			t->low[v] = t->index[w];
		return;
	}
	t->ncalls--;
	if (t->ncalls > 0) {
		uint32_t p = t->calls[t->ncalls - 1].v;

		if (t->low[v] < t->low[p])
			t->low[p] = t->low[v];
	}
	if (t->low[v] == t->index[v])
		close_component(t, v);
}

static void tarjan_init(struct tarjan *t, const struct is_graph *g)
{
	size_t n = (size_t)g->n + 1;

	memset(t, 0, sizeof(*t));
	t->g = g;
	t->index = is_xmalloc(n * sizeof(uint32_t));
	t->low = is_xmalloc(n * sizeof(uint32_t));
	t->comp = is_xmalloc(n * sizeof(uint32_t));
	t->stack = is_xmalloc(n * sizeof(uint32_t));
	t->parent = is_xmalloc(n * sizeof(uint32_t));
	t->queue = is_xmalloc(n * sizeof(uint32_t));
	t->path = is_xmalloc(n * sizeof(uint32_t));
	t->onstack = is_xcalloc(n, 1);
	t->calls = is_xmalloc(n * sizeof(*t->calls));
	memset(t->index, 0xff, n * sizeof(uint32_t));
	memset(t->comp, 0xff, n * sizeof(uint32_t));
	memset(t->parent, 0xff, n * sizeof(uint32_t));
}

static void tarjan_release(struct tarjan *t)
{
	free(t->index);
	free(t->low);
	free(t->comp);
	free(t->stack);
	free(t->parent);
	free(t->queue);
	free(t->path);
	free(t->onstack);
	free(t->calls);
}

size_t is_graph_cycles(const struct is_graph *g, const unsigned char *ordered,
                       is_graph_cycle_fn *found, void *ctx)
{
	struct tarjan t;
	uint32_t v;
	size_t cycles;

	tarjan_init(&t, g);
	t.ordered = ordered;
	t.found = found;
	t.ctx = ctx;
	for (v = 0; v < g->n; v++) {
		if (ordered[v] || t.index[v] != IS_GRAPH_NONE)
			continue;
		push(&t, v);
		while (t.ncalls > 0)
			step(&t);
	}
	cycles = t.cycles;
	tarjan_release(&t);
	return cycles;
}
