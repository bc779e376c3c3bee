/*
 * Loading a plan: records become nodes and edges as they arrive (in any
 * order: an id named before its record exists is a placeholder until the
 * record comes), then is_plan_finish resolves the whole graph at once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drift.h"
#include "plan.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

/* A chunk of the id table's text. */
struct is_plan_chunk {
	struct is_plan_chunk *next;
	size_t used, cap;
	char text[];
};

void is_plan_init(struct is_plan *p)
{
	memset(p, 0, sizeof(*p));
	is_graph_init(&p->graph);
	is_strmap_init(&p->files);
	is_strmap_init(&p->prior);
}

static void release_node(struct is_plan_node *n)
{
	json_decref(n->record);
	json_decref(n->labels);
	json_decref(n->changes);
	json_decref(n->prior);
	json_decref(n->pending);
	json_decref(n->replaces);
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
	free(p->idslots);
	while (p->idtext) {
		struct is_plan_chunk *next = p->idtext->next;

		free(p->idtext);
		p->idtext = next;
	}
	is_strmap_release(&p->files);
	is_strmap_release(&p->prior);
	is_plan_free_blocks(p->blocks);
	free(p->level);
	free(p->critical);
	free(p->members);
	free(p->mstart);
	free(p->after);
	free(p->astart);
	free(p->alen);
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

int is_plan_wants_type(const char *type)
{
	return type && (!strcmp(type, "resource") || !strcmp(type, "group"));
}

void is_plan_input_init(struct is_plan_input *in)
{
	memset(in, 0, sizeof(*in));
	is_strbuf_init(&in->scratch, 256);
}

void is_plan_input_release(struct is_plan_input *in)
{
	is_strbuf_release(&in->scratch);
	free(in->deps);
	free(in->dep_at);
	memset(in, 0, sizeof(*in));
}

void is_plan_input_reset(struct is_plan_input *in)
{
	in->type = in->id = in->group = in->source_file = NULL;
	in->type_at = in->id_at = in->group_at = in->source_file_at = -1;
	in->ndeps = 0;
	in->has_seconds = in->has_source = in->ours = 0;
	in->seconds = 0;
	in->source_line = in->source_col = 0;
	in->rec = NULL;
	in->labels = in->spec = in->hash = NULL;
	in->labels_len = in->spec_len = in->hash_len = 0;
	is_strbuf_reset(&in->scratch);
}

void is_plan_input_json(struct is_plan_input *in, json_t *rec)
{
	static const char *const ours[] = { "level", "order", "critical", "action",
	                                    "prior", "changes", "members", "after",
	                                    "pending", "replaces", NULL };
	json_t *seconds = json_object_get(json_object_get(rec, "metadata"),
	                                  "expectedSeconds");
	json_t *src = json_object_get(rec, "source"), *deps = json_object_get(rec, "deps"), *d;
	const char *const *k;
	size_t i;

	is_plan_input_reset(in);
	in->rec = rec;
	in->type = json_string_value(json_object_get(rec, "type"));
	in->id = json_string_value(json_object_get(rec, "id"));
	in->group = json_string_value(json_object_get(rec, "group"));
	in->deps = is_xgrow(in->deps, &in->deps_cap, json_array_size(deps) + 1,
	                    sizeof(*in->deps));
	json_array_foreach(deps, i, d)
		if (json_is_string(d))
			in->deps[in->ndeps++] = json_string_value(d);
	in->has_seconds = json_is_number(seconds);
	in->seconds = json_number_value(seconds);
	in->source_file = json_string_value(json_object_get(src, "file"));
	in->source_line = (long)json_integer_value(json_object_get(src, "line"));
	in->source_col = (long)json_integer_value(json_object_get(src, "col"));
	for (k = ours; *k; k++)
		if (json_object_get(rec, *k))
			in->ours = 1;
}

/*
 * The id table: open addressing over node indices, each slot holding the
 * upper half of the id's hash beside the index, so a probe compares ids only
 * when the hashes agree. The ids' bytes live in chunks, a few allocations for
 * a million ids.
 */
enum { ID_CHUNK = 1 << 20 };

static uint64_t id_hash(const char *s, size_t *len)
{
	uint64_t h = 14695981039346656037ULL;
	const char *p;

	for (p = s; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	*len = (size_t)(p - s);
	return h ^ (h >> 29);
}

static const char *keep_id(struct is_plan *p, const char *id, size_t len)
{
	struct is_plan_chunk *c = p->idtext;
	char *at;

	if (!c || c->cap - c->used < len + 1) {
		size_t cap = len + 1 > ID_CHUNK ? len + 1 : ID_CHUNK;

		c = is_xmalloc(sizeof(*c) + cap);
		c->cap = cap;
		c->used = 0;
		c->next = p->idtext;
		p->idtext = c;
	}
	at = c->text + c->used;
	memcpy(at, id, len + 1);
	c->used += len + 1;
	return at;
}

/* The slot of id: its node's, or the empty one where it would go. */
static struct is_plan_idslot *id_slot(const struct is_plan *p, const char *id,
                                      uint64_t hash)
{
	size_t mask = p->idcap - 1, i = (size_t)hash & mask;
	uint32_t tag = (uint32_t)(hash >> 32);

	for (;; i = (i + 1) & mask) {
		struct is_plan_idslot *s = &p->idslots[i];

		if (!s->id || (s->tag == tag && !strcmp(s->id, id)))
			return s;
	}
}

static void grow_ids(struct is_plan *p)
{
	size_t cap = p->idcap ? p->idcap * 2 : 1024, i, len, j;
	struct is_plan_idslot *old = p->idslots;
	size_t oldcap = p->idcap;

	p->idslots = is_xcalloc(cap, sizeof(*p->idslots));
	p->idcap = cap;
	for (i = 0; i < oldcap; i++)
		if (old[i].id) {
			for (j = (size_t)id_hash(old[i].id, &len) & (cap - 1); p->idslots[j].id;
			     j = (j + 1) & (cap - 1))
				;
			p->idslots[j] = old[i];
		}
	free(old);
}

uint32_t is_plan_find(const struct is_plan *p, const char *id)
{
	size_t len;
	const struct is_plan_idslot *s;

	if (!p->idcap)
		return IS_GRAPH_NONE;
	s = id_slot(p, id, id_hash(id, &len));
	return s->id ? s->node : IS_GRAPH_NONE;
}

uint32_t is_plan_intern(struct is_plan *p, const char *id)
{
	size_t len;
	uint64_t hash = id_hash(id, &len);
	struct is_plan_idslot *slot;
	struct is_plan_node *n;
	uint32_t idx;

	if (2 * (p->nids + 1) > p->idcap)
		grow_ids(p);
	slot = id_slot(p, id, hash);
	if (slot->id)
		return slot->node;
	idx = is_graph_add_node(&p->graph);
	p->nodes = is_xgrow(p->nodes, &p->cap, (size_t)idx + 1, sizeof(*p->nodes));
	p->nids++;
	n = &p->nodes[idx];
	memset(n, 0, sizeof(*n));
	n->id = keep_id(p, id, len);
	n->parent = n->user = n->gate = IS_GRAPH_NONE;
	n->weight = 1;
	slot->id = n->id;
	slot->tag = (uint32_t)(hash >> 32);
	slot->node = idx;
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

static void set_source(struct is_plan *p, struct is_plan_node *n,
                       const struct is_plan_input *in, const char *file, long line)
{
	if (in->source_file) {
		n->file = intern_file(p, in->source_file);
		n->line = in->source_line;
		n->col = in->source_col;
	} else {
		n->file = intern_file(p, file);
		n->line = line;
		n->col = 0;
	}
}

static void link_deps(struct is_plan *p, uint32_t idx, const struct is_plan_input *in)
{
	size_t i;

	p->nodes[idx].dep_edge = p->graph.nedges;
	for (i = 0; i < in->ndeps; i++) {
		uint32_t j = is_plan_intern(p, in->deps[i]);

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
	uint32_t g = is_plan_intern(p, gid);

	free(gid);
	if (!p->nodes[g].defined && p->nodes[g].user == IS_GRAPH_NONE) {
		p->nodes[g].user = idx;
		p->nodes[g].named_as_group = 1;
	}
	p->nodes[idx].parent = g;
	is_graph_add_edge(&p->graph, g, idx);
}

static void keep_text(struct is_plan_node *n, const char *text, size_t len)
{
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t' ||
	                   text[len - 1] == '\r'))
		len--;
	n->text = text;
	n->text_len = len;
}

/* A value of the record: from the parsed record, or parsed from its text. */
static json_t *input_value(const struct is_plan_input *in, const char *key,
                           const char *text, size_t len)
{
	if (in->rec)
		return json_incref(json_object_get(in->rec, key));
	return text ? json_loadb(text, len, JSON_DECODE_ANY, NULL) : NULL;
}

/* The record's hash and spec, all is_plan_diff reads of it. */
static json_t *diff_input(const struct is_plan_input *in)
{
	json_t *rec = json_object(), *v;

	if ((v = input_value(in, "hash", in->hash, in->hash_len)))
		json_object_set_new(rec, "hash", v);
	if ((v = input_value(in, "spec", in->spec, in->spec_len)))
		json_object_set_new(rec, "spec", v);
	return rec;
}

/*
 * metadata.ignoreChanges: changes under an ignored "/spec/..." path call for
 * nothing. Read only for a changed resource whose text names the key, so an
 * unchanged stack pays nothing for it.
 */
static void ignore_changes(struct is_plan_node *n, const struct is_plan_input *in,
                           const char *kind)
{
	static const char key[] = "\"ignoreChanges\"";
	json_t *whole = NULL, *ignore;

	if (in->rec) {
		ignore = json_object_get(json_object_get(in->rec, "metadata"), "ignoreChanges");
	} else {
		if (!n->text || !is_memfind(n->text, n->text_len, key, sizeof(key) - 1))
			return;
		whole = json_loadb(n->text, n->text_len, 0, NULL);
		ignore = json_object_get(json_object_get(whole, "metadata"), "ignoreChanges");
	}
	is_changes_ignore(n->changes, ignore);
	n->action = (unsigned char)is_plan_diff_action(kind, n->changes);
	if (n->action == IS_ACTION_NOOP) {
		json_decref(n->changes);
		n->changes = NULL;
	}
	json_decref(whole);
}

static void plan_resource(struct is_plan *p, uint32_t idx,
                          const struct is_plan_input *in)
{
	struct is_plan_node *n = &p->nodes[idx];
	json_t *state = is_strmap_get(&p->prior, n->id), *outputs, *rec;
	char kind[128];

	if (!state) {
		n->action = IS_ACTION_CREATE;
		return;
	}
	rec = diff_input(in);
	outputs = json_object_get(state, "outputs");
	n->prior = outputs ? json_incref(outputs) : json_object();
	n->pending = json_incref(json_object_get(state, "pending"));
	n->action = (unsigned char)is_plan_diff(is_plan_kind(n->id, kind, sizeof(kind)),
	                                        rec, state, &n->changes);
	json_decref(rec);
	if (n->changes)
		ignore_changes(n, in, kind);
}

static int duplicate(struct is_plan *p, uint32_t idx, const struct is_plan_input *in,
                     const char *file, long line, struct is_error *err)
{
	struct is_plan_node first = p->nodes[idx], dup;

	memset(&dup, 0, sizeof(dup));
	set_source(p, &dup, in, file, line);
	is_error_set(err, "graph-duplicate-id", dup.file, dup.line, dup.col,
	             "duplicate id '%s' (first defined at %s:%ld)", first.id,
	             first.file ? first.file : "?", first.line);
	is_error_set_id(err, first.id);
	return -1;
}

int is_plan_add_record(struct is_plan *p, const struct is_plan_input *in,
                       const char *text, size_t len, const char *file, long line,
                       struct is_error *err)
{
	struct is_plan_node *n;
	uint32_t idx;

	if (!in->id || !*in->id)
		return is_error_set(err, "graph-no-id", file, line, 0,
		                    "%s record has no 'id'", in->type ? in->type : "a");
	idx = is_plan_intern(p, in->id);
	if (p->nodes[idx].defined)
		return duplicate(p, idx, in, file, line, err);
	n = &p->nodes[idx];
	n->defined = 1;
	n->is_group = in->type && !strcmp(in->type, "group");
	/* Fields this command writes: when the input has them, the record is
	 * parsed again on output so they are replaced, not repeated. */
	n->reparse = (unsigned)in->ours;
	n->weight = in->has_seconds ? in->seconds : (n->is_group ? 0 : 1);
	set_source(p, n, in, file, line);
	keep_text(n, text, len);
	if (p->keep_labels)
		n->labels = input_value(in, "labels", in->labels, in->labels_len);
	if (!n->is_group)
		plan_resource(p, idx, in);
	link_deps(p, idx, in);
	if (in->group && *in->group)
		link_group(p, idx, in->group);
	return 0;
}
