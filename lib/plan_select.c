/*
 * Subsets of a plan and its output order. --target keeps a node and what it
 * needs; a label selector picks targets by label; --downstream adds a node
 * and everything that needs it; --exclude drops a node and everything that
 * needs it, so nothing is ever left waiting for what was dropped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "xalloc.h"
#include "banned.h"

const char *is_plan_kind(const char *id, char *buf, size_t n)
{
	const char *slash = strchr(id, '/');
	size_t len = slash ? (size_t)(slash - id) : strlen(id);

	if (len >= n)
		len = n - 1;
	memcpy(buf, id, len);
	buf[len] = '\0';
	return buf;
}

static int mark_ids(struct is_plan *p, unsigned char *mark, const char **ids,
                    size_t n, const char *option, struct is_error *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t v = is_plan_find(p, ids[i]);

		if (v == IS_GRAPH_NONE || !p->nodes[v].defined)
			return is_error_set(err, "graph-unknown-id", NULL, 0, 0,
			                    "no resource or group '%s' (in %s)", ids[i], option);
		mark[v] = 1;
	}
	return 0;
}

static void mark_labels(struct is_plan *p, unsigned char *mark,
                        const struct is_selector *s)
{
	uint32_t v;

	for (v = 0; v < p->graph.n; v++)
		if (p->nodes[v].defined && is_selector_match(s, p->nodes[v].labels))
			mark[v] = 1;
}

static int select_in(struct is_plan *p, const struct is_plan_filter *f,
                     unsigned char *sel, struct is_error *err)
{
	uint32_t n = p->graph.n, v;
	unsigned char *down;

	if (mark_ids(p, sel, f->targets, f->ntargets, "--target", err) < 0)
		return -1;
	if (f->selector)
		mark_labels(p, sel, f->selector);
	is_graph_mark_upstream(&p->graph, sel);
	if (!f->ndownstream)
		return 0;
	down = is_xcalloc((size_t)n + 1, 1);
	if (mark_ids(p, down, f->downstream, f->ndownstream, "--downstream", err) < 0) {
		free(down);
		return -1;
	}
	is_graph_mark_downstream(&p->graph, down);
	for (v = 0; v < n; v++)
		sel[v] |= down[v];
	free(down);
	return 0;
}

int is_plan_select(struct is_plan *p, const struct is_plan_filter *f,
                   struct is_error *err)
{
	uint32_t n = p->graph.n, v;
	unsigned char *sel = is_xcalloc((size_t)n + 1, 1), *out;
	int some = f->ntargets || f->ndownstream || f->selector;

	free(p->selected);
	p->selected = sel;
	p->deletes_allowed = !some && !f->nexcludes;
	if (some && select_in(p, f, sel, err) < 0)
		return -1;
	for (v = 0; v < n; v++)
		if (!some || p->nodes[v].is_delete)
			sel[v] = p->nodes[v].is_delete ? (unsigned char)p->deletes_allowed : 1;
	if (!f->nexcludes)
		return 0;
	out = is_xcalloc((size_t)n + 1, 1);
	if (mark_ids(p, out, f->excludes, f->nexcludes, "--exclude", err) < 0) {
		free(out);
		return -1;
	}
	is_graph_mark_downstream(&p->graph, out);
	for (v = 0; v < n; v++)
		if (out[v])
			sel[v] = 0;
	free(out);
	return 0;
}

struct seq_key {
	uint64_t rank;           /* deletes first, then by level */
	const char *id;
	uint32_t v;
};

static int by_rank(const void *a, const void *b)
{
	const struct seq_key *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(x->id, y->id);
}

void is_plan_sequence(struct is_plan *p)
{
	uint32_t n = p->graph.n, v, k = 0;
	struct seq_key *keys = is_xmalloc(((size_t)n + 1) * sizeof(*keys));

	for (v = 0; v < n; v++) {
		if ((p->selected && !p->selected[v]) || !(p->nodes[v].defined ||
		                                          p->nodes[v].is_delete))
			continue;
		keys[k].rank = ((uint64_t)!p->nodes[v].is_delete << 32) | p->level[v];
		keys[k].id = p->nodes[v].id;
		keys[k].v = v;
		k++;
	}
	qsort(keys, k, sizeof(*keys), by_rank);
	free(p->seq);
	p->seq = is_xmalloc(((size_t)k + 1) * sizeof(*p->seq));
	for (v = 0; v < k; v++)
		p->seq[v] = keys[v].v;
	p->nseq = k;
	free(keys);
}

void is_plan_count(const struct is_plan *p, size_t counts[IS_ACTION_COUNT],
                   size_t *groups)
{
	uint32_t i;

	memset(counts, 0, IS_ACTION_COUNT * sizeof(*counts));
	*groups = 0;
	for (i = 0; i < p->nseq; i++) {
		const struct is_plan_node *n = &p->nodes[p->seq[i]];

		if (n->is_group)
			(*groups)++;
		else
			counts[n->action]++;
	}
}
