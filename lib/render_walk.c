#include <stdlib.h>

#include "render.h"
#include "xalloc.h"
#include "banned.h"

int is_render_shown(const struct is_plan *p, uint32_t v)
{
	return (p->nodes[v].defined || p->nodes[v].is_delete) &&
	       (!p->selected || p->selected[v]);
}

const char *is_render_colour(int action)
{
	static const char *const colours[] = { "#eeeeee", "#c8e6c9", "#fff3b0",
	                                       "#e1bee7", "#ffcdd2" };

	return action >= 0 && action < IS_ACTION_COUNT ? colours[action] : "#ffffff";
}

struct frame {
	uint32_t group;
	size_t next;
};

static int top_level(const struct is_plan *p, uint32_t v)
{
	uint32_t g = p->nodes[v].parent;

	return g == IS_GRAPH_NONE || !is_render_shown(p, g);
}

/* One step of the walk: the next member of the innermost open group. */
static void step(const struct is_plan *p, const struct is_render_walk *w,
                 struct frame *stack, size_t *depth)
{
	struct frame *f = &stack[*depth - 1];
	uint32_t m;

	if (f->next == p->mstart[f->group + 1]) {
		(*depth)--;
		w->leave(p, f->group, *depth, w->ctx);
		return;
	}
	m = p->members[f->next++];
	if (!is_render_shown(p, m))
		return;
	if (!p->nodes[m].is_group) {
		w->leaf(p, m, *depth, w->ctx);
		return;
	}
	w->enter(p, m, *depth, w->ctx);
	stack[*depth].group = m;
	stack[*depth].next = p->mstart[m];
	(*depth)++;
}

void is_render_walk(const struct is_plan *p, const struct is_render_walk *w)
{
	struct frame *stack = is_xmalloc(((size_t)p->graph.n + 1) * sizeof(*stack));
	uint32_t i;

	for (i = 0; i < p->nseq; i++) {
		uint32_t v = p->seq[i];
		size_t depth = 0;

		if (!top_level(p, v))
			continue;
		if (!p->nodes[v].is_group) {
			w->leaf(p, v, 0, w->ctx);
			continue;
		}
		w->enter(p, v, 0, w->ctx);
		stack[0].group = v;
		stack[0].next = p->mstart[v];
		depth = 1;
		while (depth > 0)
			step(p, w, stack, &depth);
	}
	free(stack);
}

void is_render_edges(const struct is_plan *p,
                     void (*edge)(const struct is_plan *p, uint32_t dep, uint32_t v,
                                  void *ctx),
                     void *ctx)
{
	const struct is_graph *g = &p->graph;
	uint32_t i;
	size_t e;

	for (i = 0; i < p->nseq; i++) {
		uint32_t v = p->seq[i];

		for (e = g->dep_start[v]; e < g->dep_start[v + 1]; e++) {
			uint32_t d = g->dep[e];

			if (is_render_shown(p, d) && p->nodes[d].parent != v)
				edge(p, d, v, ctx);
		}
	}
}

void is_render_indent(FILE *fp, size_t depth)
{
	size_t i;

	for (i = 0; i <= depth; i++)
		fputs("  ", fp);
}
