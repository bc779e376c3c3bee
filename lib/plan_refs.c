/*
 * The references of a delete. A delete record is built from recorded state,
 * which keeps the spec with its references unresolved but not the refs that
 * is-parse wrote, so they are found again here: the same entries (path, ref,
 * id or secret, output, whole), bare names resolved against the recorded
 * deps, then the ids of the plan and of the prior state. Its dependencies may
 * be deleted after it, or not run at all, so the outputs they had when it
 * was made go with it as depOutputs. Secrets stay references.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "plan.h"
#include "ref.h"
#include "strbuf.h"
#include "banned.h"

static char ambiguous;

struct refs_walk {
	struct is_plan *p;
	struct is_strmap *names;     /* bare name -> id, or &ambiguous */
	const json_t *deps;          /* the recorded deps */
	json_t *refs, *outputs;
};

static void add_name(struct is_strmap *names, const char *id)
{
	const char *slash = strchr(id, '/');
	const char *name = slash ? slash + 1 : id;
	const char *had = is_strmap_get(names, name);

	if (!had)
		is_strmap_put(names, name, (void *)id);
	else if (had != &ambiguous && strcmp(had, id))
		is_strmap_put(names, name, &ambiguous);
}

/* Every id the plan and the prior state know, by bare name; built once. */
static void build_names(struct is_plan *p, struct is_strmap *names)
{
	size_t i = 0;
	const char *id;
	void *state;
	uint32_t v;

	for (v = 0; v < p->graph.n; v++)
		if ((p->nodes[v].defined || p->nodes[v].is_delete) && !p->nodes[v].is_entry)
			add_name(names, p->nodes[v].id);
	while (is_strmap_next(&p->prior, &i, &id, &state))
		if (state)
			add_name(names, id);
}

/* The id a bare name stands for: one of the recorded deps, else the only id
 * of that name; NULL when there is none or more than one. */
static const char *resolve(struct refs_walk *w, const char *name)
{
	const char *found = NULL, *id, *slash;
	size_t i;
	json_t *d;

	json_array_foreach(w->deps, i, d) {
		if (!(id = json_string_value(d)) || !(slash = strchr(id, '/')) ||
		    strcmp(slash + 1, name))
			continue;
		if (found && strcmp(found, id))
			return NULL;
		found = id;
	}
	if (found)
		return found;
	if (!w->names->slots) {
		is_strmap_init(w->names);
		build_names(w->p, w->names);
	}
	found = is_strmap_get(w->names, name);
	return found == &ambiguous ? NULL : found;
}

static void add_ref(struct refs_walk *w, const struct is_ref *r, const char *path, int whole)
{
	json_t *entry = json_object(), *state;
	const char *id;

	json_object_set_new_nocheck(entry, "path", json_string(path));
	json_object_set_new_nocheck(entry, "ref", json_string(r->text));
	if (r->kind == IS_REF_SECRET) {
		json_object_set_new_nocheck(entry, "secret", json_string(r->target));
	} else {
		id = strchr(r->target, '/') ? r->target : resolve(w, r->target);
		json_object_set_new_nocheck(entry, "id", id ? json_string(id) : json_null());
		json_object_set_new_nocheck(entry, "output", json_string(r->pointer));
		state = id ? is_strmap_get(&w->p->prior, id) : NULL;
		if (state && json_object_get(state, "outputs"))
			json_object_set(w->outputs, id, json_object_get(state, "outputs"));
	}
	json_object_set_new_nocheck(entry, "whole", json_boolean(whole));
	json_array_append_new(w->refs, entry);
}

static void walk(struct refs_walk *w, const json_t *v, struct is_strbuf *path)
{
	size_t at = path->len, i, offset;
	const char *key, *problem;
	struct is_ref_list l;
	json_t *child;

	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t len = json_string_length(v);

		if (!is_ref_maybe(s))
			return;
		is_ref_list_init(&l);
		if (is_ref_scan(s, len, &l, &problem, &offset) == 0)
			for (i = 0; i < l.n; i++)
				if (l.refs[i].kind != IS_REF_ENV)
					add_ref(w, &l.refs[i], path->buf, is_ref_whole(&l, len));
		is_ref_list_release(&l);
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, child) {
			is_json_pointer_add(path, key);
			walk(w, child, path);
			path->len = at;
			path->buf[at] = '\0';
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child) {
			is_strbuf_addf(path, "/%zu", i);
			walk(w, child, path);
			path->len = at;
			path->buf[at] = '\0';
		}
	}
}

void is_plan_delete_refs(struct is_plan *p, json_t *rec, const json_t *state,
                         struct is_strmap *names)
{
	struct refs_walk w = { p, names, json_object_get(state, "deps"),
	                       json_array(), json_object() };
	struct is_strbuf path = IS_STRBUF_INIT;

	is_strbuf_adds(&path, "/spec");
	walk(&w, json_object_get(state, "spec"), &path);
	is_strbuf_release(&path);
	json_object_set_new(rec, "refs", w.refs);
	json_object_set_new(rec, "depOutputs", w.outputs);
}
