/*
 * "is-ledger diff --from T1 --to T2": what changed between two instants.
 * Both states are loaded (sorted by id) and walked side by side: a
 * resource only at T2 was added, one only at T1 removed, one at both whose
 * hash, outputs or labels differ changed (with the JSON pointers that
 * differ, "/spec/...", "/outputs/...", "/labels/..."). Then the edges: a
 * dependency recorded at one instant and not at the other, sorted by the
 * dependent's id and then the dependency.
 */
#include <string.h>

#include "json.h"
#include "ledger_query.h"
#include "strbuf.h"
#include "banned.h"

static const struct is_table_col diff_cols[] = {
	{ "CHANGE", "change", IS_COL_TEXT },
	{ "WHAT", "what", IS_COL_TEXT },
	{ "ID", "id", IS_COL_TEXT },
	{ "DEP", "dep", IS_COL_TEXT },
	{ "CHANGES", "changes", IS_COL_LIST },
	{ NULL, NULL, 0 }
};

/* The pointers under name ("spec") where the two JSON texts differ. */
static void diff_text(const char *name, const char *a, const char *b, json_t *out)
{
	json_t *ja, *jb;
	struct is_strbuf path;

	if ((!a && !b) || (a && b && !strcmp(a, b)))
		return;
	ja = a ? json_loads(a, JSON_DECODE_ANY, NULL) : NULL;
	jb = b ? json_loads(b, JSON_DECODE_ANY, NULL) : NULL;
	is_strbuf_init(&path, 64);
	is_strbuf_addch(&path, '/');
	is_strbuf_adds(&path, name);
	is_json_diff(ja, jb, &path, out);
	is_strbuf_release(&path);
	json_decref(ja);
	json_decref(jb);
}

static json_t *version(const struct is_ledger_version *s)
{
	return json_pack("{s:s?, s:s?, s:s?}", "hash", s->hash, "run", s->run, "at", s->at);
}

static json_t *change(const char *what, const char *how, const struct is_ledger_version *s)
{
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:s?}", "type", "diff", "v", 1,
	                 "what", what, "change", how, "id", s->id, "kind", s->kind);
}

static int resource(struct is_ledger_out *o, const struct is_ledger_version *a,
                    const struct is_ledger_version *b)
{
	json_t *rec = NULL, *changes;
	int rc;

	if (!a) {
		rec = change("resource", "added", b);
		json_object_set_new(rec, "to", version(b));
	} else if (!b) {
		rec = change("resource", "removed", a);
		json_object_set_new(rec, "from", version(a));
	} else {
		changes = json_array();
		if (!a->hash || !b->hash || strcmp(a->hash, b->hash))
			diff_text("spec", a->spec, b->spec, changes);
		diff_text("outputs", a->outputs, b->outputs, changes);
		diff_text("labels", a->labels, b->labels, changes);
		if (json_array_size(changes)) {
			rec = change("resource", "changed", b);
			json_object_set_new(rec, "from", version(a));
			json_object_set_new(rec, "to", version(b));
			json_object_set_new(rec, "changes", changes);
		} else {
			json_decref(changes);
		}
	}
	if (!rec)
		return 0;
	rc = is_ledger_out_json(o, rec);
	json_decref(rec);
	return rc;
}

/* Edges of s that other has not: change "removed" or "added". */
static int edges(struct is_ledger_out *o, const struct is_ledger_version *s,
                 const struct is_ledger_version *other, const char *how)
{
	json_t *rec;
	size_t i, j = 0;
	int c, rc = 0;

	for (i = 0; i < s->ndeps && rc == 0; i++) {
		c = 1;
		while (other && j < other->ndeps && (c = strcmp(other->deps[j], s->deps[i])) < 0)
			j++;
		if (other && j < other->ndeps && c == 0)
			continue;
		rec = change("edge", how, s);
		json_object_set_new(rec, "dep", json_string(s->deps[i]));
		rc = is_ledger_out_json(o, rec);
		json_decref(rec);
	}
	return rc;
}

/* Walks both snapshots in id order, calling resource() or the edges. */
static int walk(struct is_ledger_out *o, const struct is_ledger_snapshot *a,
                const struct is_ledger_snapshot *b, int pass)
{
	const struct is_ledger_version *x, *y;
	size_t i = 0, j = 0;
	int c, rc = 0;

	while (rc == 0 && (i < a->n || j < b->n)) {
		x = i < a->n ? &a->v[i] : NULL;
		y = j < b->n ? &b->v[j] : NULL;
		c = !x ? 1 : !y ? -1 : strcmp(x->id, y->id);
		if (c < 0)
			y = NULL, i++;
		else if (c > 0)
			x = NULL, j++;
		else
			i++, j++;
		if (!pass) {
			rc = resource(o, x, y);
		} else {
			if (x)
				rc = edges(o, x, y, "removed");
			if (y && rc == 0)
				rc = edges(o, y, x, "added");
		}
	}
	return rc;
}

int is_ledger_query_diff(const struct is_ledger_query *q, struct is_error *err)
{
	struct is_ledger_snapshot a, b;
	struct is_ledger_out out;
	char from[32], to[32];
	int rc;

	if (is_ledger_query_begin(q, err) < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (is_ledger_query_instant(q, q->from ? q->from : "0000-01-01T00:00:00Z", NULL,
	                            from, err) < 0 ||
	    is_ledger_query_instant(q, q->to, NULL, to, err) < 0 ||
	    is_ledger_snapshot_load(q, from, NULL, 0, 0, &a, err) < 0 ||
	    is_ledger_snapshot_load(q, to, NULL, 0, 0, &b, err) < 0) {
		is_ledger_query_end(q);
		is_ledger_snapshot_release(&a);
		return -1;
	}
	is_ledger_query_end(q);
	is_ledger_out_init(&out, q, diff_cols, 0);
	rc = walk(&out, &a, &b, 0);
	if (rc == 0)
		rc = walk(&out, &a, &b, 1);
	is_ledger_snapshot_release(&a);
	is_ledger_snapshot_release(&b);
	if (rc < 0) {
		is_ledger_out_release(&out);
		return is_error_set(err, "output", NULL, 0, 0, "cannot write the output");
	}
	return is_ledger_out_finish(&out, err);
}
