#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "xalloc.h"
#include "banned.h"

void is_graph_init(struct is_graph *g)
{
	memset(g, 0, sizeof(*g));
}

void is_graph_release(struct is_graph *g)
{
	free(g->efrom);
	free(g->eto);
	free(g->dep_start);
	free(g->dep);
	free(g->out_start);
	free(g->out);
	memset(g, 0, sizeof(*g));
}

uint32_t is_graph_add_node(struct is_graph *g)
{
	return g->n++;
}

void is_graph_add_edge(struct is_graph *g, uint32_t from, uint32_t to)
{
	if (g->nedges == g->ecap) {
		size_t cap = g->ecap;

		g->efrom = is_xgrow(g->efrom, &cap, g->nedges + 1, sizeof(*g->efrom));
		g->eto = is_xgrow(g->eto, &g->ecap, g->nedges + 1, sizeof(*g->eto));
	}
	g->efrom[g->nedges] = from;
	g->eto[g->nedges] = to;
	g->nedges++;
}

/* Counting sort of the edges by key[] into rows: start[v]..start[v+1]. */
static void layout(uint32_t n, size_t m, const uint32_t *key, const uint32_t *val,
                   size_t **startp, uint32_t **rowp)
{
	size_t *start = is_xcalloc((size_t)n + 1, sizeof(*start));
	uint32_t *row = is_xmalloc((m ? m : 1) * sizeof(*row));
	size_t *fill = is_xmalloc(((size_t)n + 1) * sizeof(*fill));
	size_t i;

	for (i = 0; i < m; i++)
		start[key[i] + 1]++;
	for (i = 0; i < n; i++)
		start[i + 1] += start[i];
	memcpy(fill, start, ((size_t)n + 1) * sizeof(*fill));
	for (i = 0; i < m; i++)
		row[fill[key[i]]++] = val[i];
	free(fill);
	free(*startp);
	free(*rowp);
	*startp = start;
	*rowp = row;
}

void is_graph_build(struct is_graph *g)
{
	layout(g->n, g->nedges, g->efrom, g->eto, &g->dep_start, &g->dep);
	layout(g->n, g->nedges, g->eto, g->efrom, &g->out_start, &g->out);
}

uint32_t is_graph_order(const struct is_graph *g, uint32_t *topo, uint32_t *level)
{
	return is_graph_order_flat(g, NULL, topo, level);
}

uint32_t is_graph_order_flat(const struct is_graph *g, const unsigned char *flat,
                             uint32_t *topo, uint32_t *level)
{
	uint32_t *indeg = is_xmalloc(((size_t)g->n + 1) * sizeof(*indeg));
	uint32_t v, head = 0, tail = 0;

	for (v = 0; v < g->n; v++) {
		indeg[v] = (uint32_t)(g->dep_start[v + 1] - g->dep_start[v]);
		level[v] = 0;
		if (!indeg[v])
			topo[tail++] = v;
	}
	/* topo doubles as the queue: what was taken out is already in order. */
	while (head < tail) {
		uint32_t u = topo[head++], next = level[u] + (flat && flat[u] ? 0 : 1);
		size_t e;

		for (e = g->out_start[u]; e < g->out_start[u + 1]; e++) {
			uint32_t w = g->out[e];

			if (level[w] < next)
				level[w] = next;
			if (--indeg[w] == 0)
				topo[tail++] = w;
		}
	}
	free(indeg);
	return tail;
}

void is_graph_critical(const struct is_graph *g, const uint32_t *topo,
                       uint32_t count, const double *weight, double *critical)
{
	uint32_t i;

	memset(critical, 0, (size_t)g->n * sizeof(*critical));
	for (i = count; i-- > 0;) {
		uint32_t v = topo[i];
		double best = 0;
		size_t e;

		for (e = g->out_start[v]; e < g->out_start[v + 1]; e++)
			if (critical[g->out[e]] > best)
				best = critical[g->out[e]];
		critical[v] = weight[v] + best;
	}
}

static void mark_walk(uint32_t n, const size_t *start, const uint32_t *row,
                      unsigned char *mark)
{
	uint32_t *stack = is_xmalloc(((size_t)n + 1) * sizeof(*stack));
	uint32_t v, top = 0;

	for (v = 0; v < n; v++)
		if (mark[v])
			stack[top++] = v;
	while (top > 0) {
		uint32_t u = stack[--top];
		size_t e;

		for (e = start[u]; e < start[u + 1]; e++)
			if (!mark[row[e]]) {
				mark[row[e]] = 1;
				stack[top++] = row[e];
			}
	}
	free(stack);
}

void is_graph_mark_upstream(const struct is_graph *g, unsigned char *mark)
{
	mark_walk(g->n, g->dep_start, g->dep, mark);
}

void is_graph_mark_downstream(const struct is_graph *g, unsigned char *mark)
{
	mark_walk(g->n, g->out_start, g->out, mark);
}
