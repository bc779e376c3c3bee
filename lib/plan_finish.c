/*
 * Resolving a loaded plan: dependencies that name nothing, the deletes of
 * resources only the prior state knows, the order and its cycles, and the
 * member lists of the groups.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

struct reporter {
	struct is_plan *p;
	is_plan_report_fn *report;
	void *ctx;
	size_t errors;
};

static void report_at(struct reporter *r, uint32_t at, const char *code,
                      const char *id, const char *message)
{
	struct is_error err = IS_ERROR_INIT;
	const struct is_plan_node *n = &r->p->nodes[at];

	is_error_set(&err, code, n->file, n->line, n->col, "%s", message);
	is_error_set_id(&err, id);
	r->report(&err, r->ctx);
	is_error_release(&err);
	r->errors++;
}

static void check_missing(struct reporter *r)
{
	struct is_plan *p = r->p;
	uint32_t v;

	for (v = 0; v < p->graph.n; v++) {
		const struct is_plan_node *n = &p->nodes[v];
		char *msg;

		if (n->defined || n->is_delete || n->is_entry)
			continue;
		if (n->named_as_group)
			msg = is_xasprintf("'%s' is in group '%s', which does not exist "
			                   "(no MetaGroup record)", p->nodes[n->user].id,
			                   strchr(n->id, '/') + 1);
		else
			msg = is_xasprintf("'%s' depends on '%s', which does not exist",
			                   p->nodes[n->user].id, n->id);
		report_at(r, n->user, "graph-missing-dep", p->nodes[n->user].id, msg);
		free(msg);
	}
}

static json_t *delete_record(const char *id, json_t *state)
{
	const char *slash = strchr(id, '/');
	json_t *rec = json_object();

	json_object_set_new(rec, "type", json_string("resource"));
	json_object_set_new(rec, "v", json_integer(1));
	json_object_set_new(rec, "id", json_string(id));
	json_object_set(rec, "kind", json_object_get(state, "kind"));
	json_object_set_new(rec, "name", json_string(slash ? slash + 1 : id));
	if (json_object_get(state, "spec"))
		json_object_set(rec, "spec", json_object_get(state, "spec"));
	if (json_object_get(state, "hash"))
		json_object_set(rec, "hash", json_object_get(state, "hash"));
	return rec;
}

/*
 * Every recorded id with no record now is deleted. A delete waits for the
 * deletes of what depended on it, so the edges of the recorded deps turn
 * around: if X depended on Y, deleting Y depends on deleting X.
 */
/*
 * A replace deletes what was recorded, not what the manifests say now (a
 * File whose path changed must lose its old file): its record carries
 * "replaces", the recorded spec with its refs and depOutputs, as a delete's.
 * So does an update, which is-exec replaces when the provider cannot update
 * in place.
 */
static void add_replaced(struct is_plan *p, struct is_strmap *names)
{
	uint32_t v;

	for (v = 0; v < p->graph.n; v++) {
		struct is_plan_node *n = &p->nodes[v];
		json_t *state;

		if ((n->action != IS_ACTION_REPLACE && n->action != IS_ACTION_UPDATE) ||
		    n->is_delete ||
		    !(state = is_strmap_get(&p->prior, n->id)))
			continue;
		n->replaces = json_object();
		json_object_set(n->replaces, "spec", json_object_get(state, "spec"));
		is_plan_delete_refs(p, n->replaces, state, names);
	}
}

static void add_deletes(struct is_plan *p)
{
	size_t i = 0;
	const char *id;
	void *state;
	struct is_strmap names;

	memset(&names, 0, sizeof(names));
	while (is_strmap_next(&p->prior, &i, &id, &state)) {
		uint32_t v;

		if (!state || is_plan_find(p, id) != IS_GRAPH_NONE)
			continue;
		v = is_plan_intern(p, id);
		p->nodes[v].is_delete = 1;
		p->nodes[v].action = IS_ACTION_DELETE;
		p->nodes[v].record = delete_record(id, state);
		p->nodes[v].prior = json_incref(json_object_get(state, "outputs"));
		p->nodes[v].pending = json_incref(json_object_get(state, "pending"));
	}
	i = 0;
	while (is_strmap_next(&p->prior, &i, &id, &state)) {
		uint32_t v = is_plan_find(p, id), w;
		size_t k;
		json_t *d;

		if (!state || !p->nodes[v].is_delete)
			continue;
		is_plan_delete_refs(p, p->nodes[v].record, state, &names);
		json_array_foreach(json_object_get(state, "deps"), k, d) {
			w = json_is_string(d) ? is_plan_find(p, json_string_value(d)) : IS_GRAPH_NONE;
			if (w != IS_GRAPH_NONE && p->nodes[w].is_delete)
				is_graph_add_edge(&p->graph, w, v);
		}
	}
	add_replaced(p, &names);
	is_strmap_release(&names);
}

/*
 * Whether group g needs an entry: it has deps, or the group around it has an
 * entry. The chain of enclosing groups is walked upwards once, without
 * recursion; want[] is 0 unknown, 1 being walked, 2 no, 3 yes. A chain that
 * loops back on itself is a cycle, reported by the order; it adds nothing.
 */
static void want_entry(const struct is_plan *p, uint32_t g, unsigned char *want,
                       uint32_t *chain)
{
	uint32_t v = g, len = 0;
	int yes;

	while (v != IS_GRAPH_NONE && p->nodes[v].is_group && !want[v]) {
		want[v] = 1;
		chain[len++] = v;
		v = p->nodes[v].parent;
	}
	yes = v != IS_GRAPH_NONE && want[v] == 3;
	while (len-- > 0) {
		v = chain[len];
		yes = yes || p->nodes[v].ndeps > 0;
		want[v] = yes ? 3 : 2;
	}
}

static uint32_t add_entry(struct is_plan *p, uint32_t g)
{
	uint32_t e = is_graph_add_node(&p->graph);
	struct is_plan_node *n;

	p->nodes = is_xgrow(p->nodes, &p->cap, (size_t)e + 1, sizeof(*p->nodes));
	n = &p->nodes[e];
	memset(n, 0, sizeof(*n));
	n->id = p->nodes[g].id;
	n->file = p->nodes[g].file;
	n->line = p->nodes[g].line;
	n->col = p->nodes[g].col;
	n->parent = n->user = IS_GRAPH_NONE;
	n->gate = g;
	n->is_entry = 1;
	p->nodes[g].gate = e;
	return e;
}

/* The entry of the group v belongs to, or NONE. */
static uint32_t entry_of_parent(const struct is_plan *p, uint32_t v)
{
	uint32_t g = p->nodes[v].parent;

	return g == IS_GRAPH_NONE ? IS_GRAPH_NONE : p->nodes[g].gate;
}

/*
 * Entry gates, so that members wait for what their group waits for: the
 * entry of a group depends on the group's deps and on the entry of the group
 * around it; the group and each member depend on their entry. One edge per
 * member and per dep: never members times deps.
 */
static void add_entries(struct is_plan *p)
{
	uint32_t n = p->graph.n, v, e, k;
	unsigned char *want = is_xcalloc((size_t)n + 1, 1);
	uint32_t *chain = is_xmalloc(((size_t)n + 1) * sizeof(*chain));

	for (v = 0; v < n; v++)
		if (p->nodes[v].is_group && !want[v])
			want_entry(p, v, want, chain);
	for (v = 0; v < n; v++)
		if (p->nodes[v].is_group && want[v] == 3)
			add_entry(p, v);
	for (v = 0; v < n; v++) {
		struct is_plan_node *g = &p->nodes[v];
		uint32_t up = entry_of_parent(p, v);

		if (g->is_group && g->gate != IS_GRAPH_NONE) {
			e = g->gate;
			for (k = 0; k < g->ndeps; k++)
				is_graph_add_edge(&p->graph, e, p->graph.eto[g->dep_edge + k]);
			if (up != IS_GRAPH_NONE)
				is_graph_add_edge(&p->graph, e, up);
			is_graph_add_edge(&p->graph, v, e);
		} else if (up != IS_GRAPH_NONE) {
			is_graph_add_edge(&p->graph, v, up);
		}
	}
	free(chain);
	free(want);
}

static void add_place(struct is_strbuf *sb, const struct is_plan_node *n)
{
	if (n->is_entry)
		is_strbuf_adds(sb, "entry of ");
	is_strbuf_addf(sb, "%s (%s:%ld) -> ", n->id, n->file ? n->file : "?", n->line);
}

/* A cycle as "a (f:1) -> b (f:2) -> a", starting at its smallest id; an entry
 * gate is named "entry of MetaGroup/NAME" and never starts one. */
static void on_cycle(const uint32_t *path, size_t len, void *ctx)
{
	struct reporter *r = ctx;
	const struct is_plan_node *nodes = r->p->nodes;
	struct is_strbuf sb = IS_STRBUF_INIT;
	size_t i, start = 0;

	while (start + 1 < len && nodes[path[start]].is_entry)
		start++;
	for (i = start + 1; i < len; i++)
		if (!nodes[path[i]].is_entry &&
		    strcmp(nodes[path[i]].id, nodes[path[start]].id) < 0)
			start = i;
	is_strbuf_adds(&sb, "dependency cycle: ");
	for (i = 0; i < len; i++)
		add_place(&sb, &nodes[path[(start + i) % len]]);
	is_strbuf_adds(&sb, nodes[path[start]].id);
	report_at(r, path[start], "graph-cycle", nodes[path[start]].id, sb.buf);
	is_strbuf_release(&sb);
}

static int by_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Members of each group as rows of node indices sorted by id. */
static void list_members(struct is_plan *p)
{
	uint32_t n = p->graph.n, v, g;
	size_t *fill = is_xcalloc((size_t)n + 1, sizeof(*fill)), m = 0, k;
	const char **ids;

	p->mstart = is_xcalloc((size_t)n + 1, sizeof(*p->mstart));
	for (v = 0; v < n; v++)
		if (p->nodes[v].parent != IS_GRAPH_NONE) {
			p->mstart[p->nodes[v].parent + 1]++;
			m++;
		}
	for (v = 0; v < n; v++)
		p->mstart[v + 1] += p->mstart[v];
	memcpy(fill, p->mstart, ((size_t)n + 1) * sizeof(*fill));
	p->members = is_xmalloc((m ? m : 1) * sizeof(*p->members));
	ids = is_xmalloc((m ? m : 1) * sizeof(*ids));
	for (v = 0; v < n; v++)
		if (p->nodes[v].parent != IS_GRAPH_NONE)
			ids[fill[p->nodes[v].parent]++] = p->nodes[v].id;
	for (g = 0; g < n; g++) {
		size_t a = p->mstart[g], b = p->mstart[g + 1];

		qsort(ids + a, b - a, sizeof(*ids), by_id);
		for (k = a; k < b; k++)
			p->members[k] = is_plan_find(p, ids[k]);
	}
	free(ids);
	free(fill);
}

struct after_key {
	const char *id;
	uint32_t v;
};

static int by_key_id(const void *a, const void *b)
{
	return strcmp(((const struct after_key *)a)->id, ((const struct after_key *)b)->id);
}

/*
 * The row of group g, once the row of the group around it is known: g's deps
 * and that row, sorted by id without repeats. A group without an entry has
 * an empty row: neither it nor any group around it has deps. keys is scratch
 * space, grown here.
 */
static void after_row(struct is_plan *p, uint32_t g, size_t *used, size_t *cap,
                      struct after_key **keys, size_t *keys_cap)
{
	const struct is_plan_node *n = &p->nodes[g];
	uint32_t up = n->parent, k;
	size_t m = 0, i, kept = 0;

	p->astart[g] = *used;
	p->alen[g] = 0;
	if (n->gate == IS_GRAPH_NONE)
		return;
	if (up != IS_GRAPH_NONE && !p->nodes[up].is_group)
		up = IS_GRAPH_NONE;
	*keys = is_xgrow(*keys, keys_cap, (size_t)n->ndeps +
	                 (up != IS_GRAPH_NONE ? p->alen[up] : 0) + 1, sizeof(**keys));
	for (k = 0; k < n->ndeps; k++)
		(*keys)[m++].v = p->graph.eto[n->dep_edge + k];
	for (k = 0; up != IS_GRAPH_NONE && k < p->alen[up]; k++)
		(*keys)[m++].v = p->after[p->astart[up] + k];
	for (i = 0; i < m; i++)
		(*keys)[i].id = p->nodes[(*keys)[i].v].id;
	qsort(*keys, m, sizeof(**keys), by_key_id);
	p->after = is_xgrow(p->after, cap, *used + m + 1, sizeof(*p->after));
	for (i = 0; i < m; i++)
		if (!kept || p->after[*used + kept - 1] != (*keys)[i].v)
			p->after[*used + kept++] = (*keys)[i].v;
	p->alen[g] = (uint32_t)kept;
	*used += kept;
}

/*
 * What the members of each group also wait for because of their group, the
 * direct deps of its entry chain: its own deps and, through the entries of
 * the groups around it, theirs. Groups in it stay gates, never their members,
 * so a member lists as many ids as its groups have deps, whatever the size of
 * the groups they name; the row is made once per group and shared by all its
 * members. Rows are made outermost first; the chain of groups is walked without
 * recursion, and a chain that loops back on itself (a cycle, reported by the
 * order) stops where it loops.
 */
static void list_after(struct is_plan *p)
{
	uint32_t n = p->graph.n, v, w, len;
	unsigned char *done = is_xcalloc((size_t)n + 1, 1);
	uint32_t *chain = is_xmalloc(((size_t)n + 1) * sizeof(*chain));
	size_t used = 0, cap = 0, keys_cap = 0;
	struct after_key *keys = NULL;

	p->astart = is_xcalloc((size_t)n + 1, sizeof(*p->astart));
	p->alen = is_xcalloc((size_t)n + 1, sizeof(*p->alen));
	for (v = 0; v < n; v++) {
		len = 0;
		for (w = v; w != IS_GRAPH_NONE && p->nodes[w].is_group && !done[w];
		     w = p->nodes[w].parent) {
			done[w] = 1;
			chain[len++] = w;
		}
		while (len-- > 0)
			after_row(p, chain[len], &used, &cap, &keys, &keys_cap);
	}
	free(keys);
	free(chain);
	free(done);
}

static void order(struct reporter *r)
{
	struct is_plan *p = r->p;
	uint32_t n = p->graph.n, count, v;
	uint32_t *topo = is_xmalloc(((size_t)n + 1) * sizeof(*topo));
	double *weight = is_xmalloc(((size_t)n + 1) * sizeof(*weight));
	unsigned char *ordered, *flat = is_xmalloc((size_t)n + 1);

	p->level = is_xmalloc(((size_t)n + 1) * sizeof(*p->level));
	p->critical = is_xmalloc(((size_t)n + 1) * sizeof(*p->critical));
	/* An entry is no step of its own: members stand one level above what
	 * their group waits for, as if they depended on it directly. */
	for (v = 0; v < n; v++) {
		weight[v] = p->nodes[v].weight;
		flat[v] = p->nodes[v].is_entry;
	}
	count = is_graph_order_flat(&p->graph, flat, topo, p->level);
	free(flat);
	is_graph_critical(&p->graph, topo, count, weight, p->critical);
	if (count < n) {
		ordered = is_xcalloc((size_t)n + 1, 1);
		for (v = 0; v < count; v++)
			ordered[topo[v]] = 1;
		is_graph_cycles(&p->graph, ordered, on_cycle, r);
		free(ordered);
	}
	free(weight);
	free(topo);
}

size_t is_plan_finish(struct is_plan *p, is_plan_report_fn *report, void *ctx)
{
	struct reporter r = { p, report, ctx, 0 };

	check_missing(&r);
	add_entries(p);
	add_deletes(p);
	is_graph_build(&p->graph);
	order(&r);
	list_members(p);
	list_after(p);
	return r.errors;
}
