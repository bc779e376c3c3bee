/*
 * Loading a plan: records become nodes and edges as they arrive (in any
 * order: an id named before its record exists is a placeholder until the
 * record comes), then is_plan_finish resolves the whole graph at once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

void is_plan_init(struct is_plan *p)
{
	memset(p, 0, sizeof(*p));
	is_graph_init(&p->graph);
	is_strmap_init(&p->ids);
	is_strmap_init(&p->files);
	is_strmap_init(&p->prior);
}

static void release_node(struct is_plan_node *n)
{
	free(n->text);
	json_decref(n->record);
	json_decref(n->labels);
	json_decref(n->changes);
	json_decref(n->prior);
}

void is_plan_release(struct is_plan *p)
{
	size_t i = 0;
	const char *key;
	void *value;
	uint32_t v;

	for (v = 0; v < p->graph.n; v++)
		release_node(&p->nodes[v]);
	while (is_strmap_next(&p->prior, &i, &key, &value))
		json_decref(value);
	free(p->nodes);
	is_graph_release(&p->graph);
	is_strmap_release(&p->ids);
	is_strmap_release(&p->files);
	is_strmap_release(&p->prior);
	free(p->level);
	free(p->critical);
	free(p->members);
	free(p->mstart);
	free(p->selected);
	free(p->seq);
	memset(p, 0, sizeof(*p));
}

int is_plan_add_state(struct is_plan *p, json_t *state, struct is_error *err)
{
	const char *id = json_string_value(json_object_get(state, "id"));
	void *old;

	if (!id || !*id)
		return is_error_set(err, "graph-no-id", NULL, 0, 0,
		                    "state record has no 'id'");
	if (json_is_true(json_object_get(state, "deleted"))) {
		old = is_strmap_put(&p->prior, id, NULL);
		json_decref(old);
		return 0;
	}
	/* A later state of the same id is the newer one. */
	old = is_strmap_put(&p->prior, id, json_incref(state));
	json_decref(old);
	return 0;
}

int is_plan_wants(const json_t *rec)
{
	const char *type = json_string_value(json_object_get(rec, "type"));

	return type && (!strcmp(type, "resource") || !strcmp(type, "group"));
}

/* The node of id, made (undefined) when absent. */
static uint32_t intern(struct is_plan *p, const char *id)
{
	void *v = is_strmap_get(&p->ids, id);
	struct is_plan_node *n;
	uint32_t idx;

	if (v)
		return (uint32_t)((uintptr_t)v - 1);
	idx = is_graph_add_node(&p->graph);
	p->nodes = is_xgrow(p->nodes, &p->cap, (size_t)idx + 1, sizeof(*p->nodes));
	is_strmap_put(&p->ids, id, (void *)((uintptr_t)idx + 1));
	n = &p->nodes[idx];
	memset(n, 0, sizeof(*n));
	n->id = is_strmap_key(&p->ids, id);
	n->parent = n->user = n->gate = IS_GRAPH_NONE;
	n->weight = 1;
	return idx;
}

static const char *intern_file(struct is_plan *p, const char *file)
{
	if (!file)
		return NULL;
	if (!is_strmap_get(&p->files, file))
		is_strmap_put(&p->files, file, (void *)1);
	return is_strmap_key(&p->files, file);
}

static void set_source(struct is_plan *p, struct is_plan_node *n, json_t *rec,
                       const char *file, long line)
{
	json_t *src = json_object_get(rec, "source");
	const char *sfile = json_string_value(json_object_get(src, "file"));

	if (sfile) {
		n->file = intern_file(p, sfile);
		n->line = (long)json_integer_value(json_object_get(src, "line"));
		n->col = (long)json_integer_value(json_object_get(src, "col"));
	} else {
		n->file = intern_file(p, file);
		n->line = line;
		n->col = 0;
	}
}

static void link_deps(struct is_plan *p, uint32_t idx, json_t *deps)
{
	size_t i;
	json_t *d;

	p->nodes[idx].dep_edge = p->graph.nedges;
	json_array_foreach(deps, i, d) {
		uint32_t j;

		if (!json_is_string(d))
			continue;
		j = intern(p, json_string_value(d));
		if (!p->nodes[j].defined && p->nodes[j].user == IS_GRAPH_NONE)
			p->nodes[j].user = idx;
		is_graph_add_edge(&p->graph, idx, j);
		p->nodes[idx].ndeps++;
	}
}

/* A member of group NAME: the gate MetaGroup/NAME depends on it. */
static void link_group(struct is_plan *p, uint32_t idx, const char *name)
{
	char *gid = is_xasprintf("MetaGroup/%s", name);
	uint32_t g = intern(p, gid);

	free(gid);
	if (!p->nodes[g].defined && p->nodes[g].user == IS_GRAPH_NONE) {
		p->nodes[g].user = idx;
		p->nodes[g].named_as_group = 1;
	}
	p->nodes[idx].parent = g;
	is_graph_add_edge(&p->graph, g, idx);
}

/* Fields this command writes: when the input has them, the record is parsed
 * again on output so they are replaced, not repeated. */
static int has_our_fields(const json_t *rec)
{
	static const char *const ours[] = { "level", "order", "critical", "action",
	                                    "prior", "changes", "members", NULL };
	const char *const *k;

	for (k = ours; *k; k++)
		if (json_object_get(rec, *k))
			return 1;
	return 0;
}

static void keep_text(struct is_plan_node *n, const char *text, size_t len)
{
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t' ||
	                   text[len - 1] == '\r'))
		len--;
	n->text = is_xstrndup(text, len);
	n->text_len = len;
}

static void plan_resource(struct is_plan *p, uint32_t idx, json_t *rec)
{
	struct is_plan_node *n = &p->nodes[idx];
	json_t *state = is_strmap_get(&p->prior, n->id), *outputs;
	char kind[128];

	if (!state) {
		n->action = IS_ACTION_CREATE;
		return;
	}
	outputs = json_object_get(state, "outputs");
	n->prior = outputs ? json_incref(outputs) : json_object();
	n->action = (unsigned char)is_plan_diff(is_plan_kind(n->id, kind, sizeof(kind)),
	                                        rec, state, &n->changes);
}

static int duplicate(struct is_plan *p, uint32_t idx, json_t *rec,
                     const char *file, long line, struct is_error *err)
{
	struct is_plan_node first = p->nodes[idx], dup;

	memset(&dup, 0, sizeof(dup));
	set_source(p, &dup, rec, file, line);
	is_error_set(err, "graph-duplicate-id", dup.file, dup.line, dup.col,
	             "duplicate id '%s' (first defined at %s:%ld)", first.id,
	             first.file ? first.file : "?", first.line);
	is_error_set_id(err, first.id);
	return -1;
}

int is_plan_add_record(struct is_plan *p, json_t *rec, const char *text,
                       size_t len, const char *file, long line,
                       struct is_error *err)
{
	const char *id = json_string_value(json_object_get(rec, "id"));
	const char *type = json_string_value(json_object_get(rec, "type"));
	const char *group = json_string_value(json_object_get(rec, "group"));
	json_t *seconds = json_object_get(json_object_get(rec, "metadata"),
	                                  "expectedSeconds");
	struct is_plan_node *n;
	uint32_t idx;

	if (!id || !*id)
		return is_error_set(err, "graph-no-id", file, line, 0,
		                    "%s record has no 'id'", type ? type : "a");
	idx = intern(p, id);
	if (p->nodes[idx].defined)
		return duplicate(p, idx, rec, file, line, err);
	n = &p->nodes[idx];
	n->defined = 1;
	n->is_group = !strcmp(type, "group");
	n->reparse = (unsigned)has_our_fields(rec);
	n->weight = json_is_number(seconds) ? json_number_value(seconds)
	                                    : (n->is_group ? 0 : 1);
	set_source(p, n, rec, file, line);
	keep_text(n, text, len);
	if (p->keep_labels)
		n->labels = json_incref(json_object_get(rec, "labels"));
	if (!n->is_group)
		plan_resource(p, idx, rec);
	link_deps(p, idx, json_object_get(rec, "deps"));
	if (group && *group)
		link_group(p, idx, group);
	return 0;
}
