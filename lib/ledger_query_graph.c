/*
 * The recorded topology. "is-ledger graph [--at TIME]" writes one "node"
 * record per resource that existed then, with the deps recorded for it, or
 * the graph in DOT. "is-ledger downstream ID [--at TIME]" is the blast
 * radius of ID: everything that depends on it, directly or through others,
 * with its distance from ID. The walk is breadth-first over the reversed
 * edges with a queue of its own, so a chain of any depth costs no stack.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ledger_query.h"
#include "render.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

static const struct is_table_col node_cols[] = {
	{ "ID", "id", IS_COL_TEXT },
	{ "KIND", "kind", IS_COL_TEXT },
	{ "DEPS", "deps", IS_COL_LIST },
	{ "RUN", "run", IS_COL_TEXT },
	{ "AT", "at", IS_COL_TIME },
	{ NULL, NULL, 0 }
};

static const struct is_table_col downstream_cols[] = {
	{ "DISTANCE", "distance", IS_COL_TEXT },
	{ "ID", "id", IS_COL_TEXT },
	{ "KIND", "kind", IS_COL_TEXT },
	{ "VIA", "via", IS_COL_LIST },
	{ NULL, NULL, 0 }
};

static void add_string(struct is_strbuf *sb, const char *v)
{
	if (v)
		is_json_dump_string(sb, v, strlen(v));
	else
		is_strbuf_adds(sb, "null");
}

static void add_list(struct is_strbuf *sb, char *const *v, size_t n)
{
	size_t i;

	is_strbuf_addch(sb, '[');
	for (i = 0; i < n; i++) {
		if (i)
			is_strbuf_addch(sb, ',');
		add_string(sb, v[i]);
	}
	is_strbuf_addch(sb, ']');
}

/*
 * {"type":"node","v":1,"id","kind","deps","run","at"} and, for downstream,
 * "distance" and "via" (the deps that put it in the blast radius).
 */
static int emit_node(struct is_ledger_out *o, const struct is_ledger_version *s,
                     long distance, char *const *via, size_t nvia, struct is_strbuf *sb)
{
	is_strbuf_reset(sb);
	is_strbuf_adds(sb, "{\"type\":\"node\",\"v\":1,\"id\":");
	add_string(sb, s->id);
	is_strbuf_adds(sb, ",\"kind\":");
	add_string(sb, s->kind);
	is_strbuf_adds(sb, ",\"deps\":");
	add_list(sb, s->deps, s->ndeps);
	is_strbuf_adds(sb, ",\"run\":");
	add_string(sb, s->run);
	is_strbuf_adds(sb, ",\"at\":");
	add_string(sb, s->at);
	if (distance >= 0) {
		is_strbuf_addf(sb, ",\"distance\":%ld,\"via\":", distance);
		add_list(sb, via, nvia);
	}
	is_strbuf_addch(sb, '}');
	return is_ledger_out_text(o, sb->buf, sb->len);
}

/*
 * Edges run from a dependency to what depends on it, as in is-graph's DOT.
 * A dependency that is not a recorded resource (a group gate, or something
 * gone) is drawn dashed. keep, when not NULL, says which states to draw.
 */
static int write_dot(FILE *fp, const struct is_ledger_snapshot *s, const char *keep)
{
	size_t i, j;

	fputs("digraph ledger {\n  rankdir=LR;\n"
	      "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#e8f0fe\", "
	      "fontname=\"Helvetica\"];\n", fp);
	for (i = 0; i < s->n; i++) {
		if (keep && !keep[i])
			continue;
		fputs("  ", fp);
		is_render_dot_quote(fp, s->v[i].id);
		fputs(";\n", fp);
	}
	for (i = 0; i < s->n; i++) {
		if (keep && !keep[i])
			continue;
		for (j = 0; j < s->v[i].ndeps; j++) {
			const char *d = s->v[i].deps[j];

			if (!is_ledger_snapshot_find(s, d)) {
				fputs("  ", fp);
				is_render_dot_quote(fp, d);
				fputs(" [style=dashed];\n", fp);
			}
			fputs("  ", fp);
			is_render_dot_quote(fp, d);
			fputs(" -> ", fp);
			is_render_dot_quote(fp, s->v[i].id);
			fputs(";\n", fp);
		}
	}
	fputs("}\n", fp);
	return ferror(fp) ? -1 : 0;
}

static int load_at(const struct is_ledger_query *q, struct is_ledger_snapshot *snap,
                   char at[32], struct is_error *err)
{
	int rc;

	if (is_ledger_query_begin(q, err) < 0)
		return -1;
	rc = is_ledger_query_instant(q, q->at, q->run, at, err);
	if (rc == 0)
		rc = is_ledger_snapshot_load(q, at, NULL, 0, 0, snap, err);
	is_ledger_query_end(q);
	return rc;
}

int is_ledger_query_graph(const struct is_ledger_query *q, struct is_error *err)
{
	struct is_ledger_snapshot snap;
	struct is_ledger_out out;
	struct is_strbuf sb;
	char at[32];
	size_t i;
	int rc = 0;

	if (load_at(q, &snap, at, err) < 0)
		return -1;
	if (q->format == IS_QFORMAT_DOT) {
		rc = write_dot(q->fp, &snap, NULL);
		is_ledger_snapshot_release(&snap);
		return rc < 0 ? is_error_set(err, "output", NULL, 0, 0,
		                             "cannot write the output") : 0;
	}
	is_ledger_out_init(&out, q, node_cols, 0);
	is_strbuf_init(&sb, 256);
	for (i = 0; i < snap.n && rc == 0; i++)
		rc = emit_node(&out, &snap.v[i], -1, NULL, 0, &sb);
	is_strbuf_release(&sb);
	is_ledger_snapshot_release(&snap);
	if (rc < 0) {
		is_ledger_out_release(&out);
		return is_error_set(err, "output", NULL, 0, 0, "cannot write the output");
	}
	return is_ledger_out_finish(&out, err);
}

/* A reversed edge: dependent depends on dep. */
struct redge {
	const char *dep;
	size_t dependent;
};

static int by_dep(const void *a, const void *b)
{
	const struct redge *x = a, *y = b;
	int c = strcmp(x->dep, y->dep);

	return c ? c : (x->dependent > y->dependent) - (x->dependent < y->dependent);
}

/* The first reversed edge whose dep is name (edges sorted by dep), or n. */
static size_t first_edge(const struct redge *e, size_t n, const char *name)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(e[mid].dep, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * A MetaGroup gate. States record no group membership, but a group's events
 * do ("members", "deps"), so the latest one at or before the instant says
 * which resources open the gate and which other gates it waits for.
 */
struct gate {
	char *id;              /* "MetaGroup/NAME" */
	json_t *members, *deps;
	long distance;         /* when reached; -1 before */
};

struct walk {
	long *distance;        /* per state: -1 when not reached */
	size_t *order, norder; /* the states reached, in the order reached */
	struct gate *gates;
	size_t ngates, gates_cap;
};

static const char group_sql[] =
	"SELECT json_extract(record, '$.members'), json_extract(record, '$.deps')"
	" FROM run_events WHERE resource = ?1 AND at <= ?2"
	" AND json_type(record, '$.members') = 'array' ORDER BY seq DESC LIMIT 1";
static const char group_sql_postgres[] =
	"SELECT (record::jsonb -> 'members')::text, (record::jsonb -> 'deps')::text"
	" FROM run_events WHERE resource = ?1 AND at <= ?2"
	" AND jsonb_typeof(record::jsonb -> 'members') = 'array' ORDER BY seq DESC LIMIT 1";

/* "group:NAME" and "MetaGroup/NAME" name the same gate. */
static const char *gate_name(const char *dep)
{
	if (!strncmp(dep, "MetaGroup/", 10))
		return dep + 10;
	if (!strncmp(dep, "group:", 6))
		return dep + 6;
	return NULL;
}

static struct gate *find_gate_mut(struct walk *w, const char *dep)
{
	const char *name = gate_name(dep);
	size_t i;

	for (i = 0; name && i < w->ngates; i++)
		if (!strcmp(w->gates[i].id + 10, name))
			return &w->gates[i];
	return NULL;
}

static const struct gate *find_gate(const struct walk *w, const char *dep)
{
	return find_gate_mut((struct walk *)w, dep);
}

/* Loads a gate named by dep (once), and the gates it waits for. */
static void load_gate(struct walk *w, struct is_db_stmt *st, const char *dep)
{
	const char *name = gate_name(dep), *m, *d;
	struct gate *g;
	size_t i, at;
	json_t *v;

	if (!name || find_gate_mut(w, dep))
		return;
	w->gates = is_xgrow(w->gates, &w->gates_cap, w->ngates + 1, sizeof(*w->gates));
	at = w->ngates++;
	g = &w->gates[at];
	g->id = is_xasprintf("MetaGroup/%s", name);
	g->members = g->deps = NULL;
	g->distance = -1;
	is_db_reset(st);
	is_db_bind_text(st, 1, g->id, (size_t)-1);
	if (is_db_step(st) == IS_DB_ROW) {
		m = (const char *)is_db_column_text(st, 0);
		d = (const char *)is_db_column_text(st, 1);
		g->members = m ? json_loads(m, 0, NULL) : NULL;
		g->deps = d ? json_loads(d, 0, NULL) : NULL;
	}
	v = w->gates[at].deps;
	for (i = 0; i < json_array_size(v); i++)
		if (json_is_string(json_array_get(v, i)))
			load_gate(w, st, json_string_value(json_array_get(v, i)));
}

/* Reaches what depends on from, at distance d + 1. */
static void reach(const struct is_ledger_snapshot *s, const struct redge *e, size_t ne,
                  const char *from, long d, const struct is_ledger_version *start,
                  struct walk *w)
{
	size_t k;

	for (k = first_edge(e, ne, from); k < ne && !strcmp(e[k].dep, from); k++) {
		if (w->distance[e[k].dependent] >= 0 ||
		    (start && &s->v[e[k].dependent] == start))
			continue;
		w->distance[e[k].dependent] = d + 1;
		w->order[w->norder++] = e[k].dependent;
	}
}

/*
 * A gate reached at distance d: what depends on it comes at d + 1, and the
 * gates that wait for it are reached too (gates are virtual: no distance of
 * their own).
 */
static void open_gate(const struct is_ledger_snapshot *s, const struct redge *e, size_t ne,
                      struct gate *g, long d, const struct is_ledger_version *start,
                      struct walk *w)
{
	char *alias;
	size_t i, j;
	json_t *v;

	if (g->distance >= 0)
		return;
	g->distance = d;
	reach(s, e, ne, g->id, d, start, w);
	alias = is_xasprintf("group:%s", g->id + 10);
	reach(s, e, ne, alias, d, start, w);
	free(alias);
	for (i = 0; i < w->ngates; i++)
		json_array_foreach(w->gates[i].deps, j, v)
			if (json_is_string(v) && find_gate_mut(w, json_string_value(v)) == g)
				open_gate(s, e, ne, &w->gates[i], d, start, w);
}

/* The gates id is a member of (or is), opened at distance d. */
static void through_gates(const struct is_ledger_snapshot *s, const struct redge *e,
                          size_t ne, const char *id, long d,
                          const struct is_ledger_version *start, struct walk *w)
{
	size_t i, j;
	json_t *v;

	for (i = 0; i < w->ngates; i++) {
		if (!strcmp(w->gates[i].id, id) || find_gate_mut(w, id) == &w->gates[i]) {
			open_gate(s, e, ne, &w->gates[i], d, start, w);
			continue;
		}
		json_array_foreach(w->gates[i].members, j, v)
			if (json_is_string(v) && !strcmp(json_string_value(v), id))
				open_gate(s, e, ne, &w->gates[i], d, start, w);
	}
}

/*
 * Breadth first from name. The queue is order itself: the states reached so
 * far, each expanded once, so memory is one slot per state whatever the depth.
 */
static void bfs(const struct is_ledger_snapshot *s, const struct redge *e, size_t ne,
                const char *name, const struct is_ledger_version *start, struct walk *w)
{
	size_t head = 0;
	const char *from = name;
	long d = 0;

	for (;;) {
		reach(s, e, ne, from, d, start, w);
		through_gates(s, e, ne, from, d, start, w);
		if (head == w->norder)
			break;
		d = w->distance[w->order[head]];
		from = s->v[w->order[head++]].id;
	}
}

struct reached {
	long distance;
	const char *id;
	size_t state;
};

static int by_distance(const void *a, const void *b)
{
	const struct reached *x = a, *y = b;

	if (x->distance != y->distance)
		return x->distance < y->distance ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* The states reached, by distance and then id. */
static void sort_reached(struct walk *w, const struct is_ledger_snapshot *s)
{
	struct reached *r = is_xmalloc((w->norder + 1) * sizeof(*r));
	size_t i;

	for (i = 0; i < w->norder; i++) {
		r[i].distance = w->distance[w->order[i]];
		r[i].id = s->v[w->order[i]].id;
		r[i].state = w->order[i];
	}
	qsort(r, w->norder, sizeof(*r), by_distance);
	for (i = 0; i < w->norder; i++)
		w->order[i] = r[i].state;
	free(r);
}

static int emit_reached(const struct is_ledger_query *q, const struct is_ledger_snapshot *s,
                        const struct walk *w, const char *name)
{
	struct is_ledger_out out;
	struct is_strbuf sb;
	struct is_error err = IS_ERROR_INIT;
	char **via = is_xmalloc(sizeof(*via));
	char *keep;
	size_t i, j, nvia, cap = 1;
	int rc = 0;

	if (q->format == IS_QFORMAT_DOT) {
		keep = is_xcalloc(s->n + 1, 1);
		for (i = 0; i < w->norder; i++)
			keep[w->order[i]] = 1;
		rc = write_dot(q->fp, s, keep);
		free(keep);
		free(via);
		return rc;
	}
	is_ledger_out_init(&out, q, downstream_cols, 0);
	is_strbuf_init(&sb, 256);
	for (i = 0; i < w->norder && rc == 0; i++) {
		const struct is_ledger_version *st = &s->v[w->order[i]];
		const struct is_ledger_version *d;
		long dist = w->distance[w->order[i]];

		/* via: its deps one step nearer to the start (or the start itself). */
		via = is_xgrow(via, &cap, st->ndeps + 1, sizeof(*via));
		for (j = nvia = 0; j < st->ndeps; j++) {
			const struct gate *g = find_gate(w, st->deps[j]);

			d = is_ledger_snapshot_find(s, st->deps[j]);
			if ((dist == 1 && !strcmp(st->deps[j], name)) ||
			    (d && w->distance[d - s->v] == dist - 1) ||
			    (g && g->distance == dist - 1))
				via[nvia++] = st->deps[j];
		}
		rc = emit_node(&out, st, dist, via, nvia, &sb);
	}
	is_strbuf_release(&sb);
	free(via);
	if (rc < 0) {
		is_ledger_out_release(&out);
		return -1;
	}
	rc = is_ledger_out_finish(&out, &err);
	is_error_release(&err);
	return rc;
}

int is_ledger_query_downstream(const struct is_ledger_query *q, struct is_error *err)
{
	struct is_ledger_snapshot snap;
	const struct is_ledger_version *start;
	struct redge *e = NULL;
	struct is_db_stmt *gst = NULL;
	struct walk w;
	size_t i, j, ne = 0, cap = 0, k;
	char at[32];
	int rc = 0;

	/* The transaction stays open for the group lookups of the walk. */
	memset(&w, 0, sizeof(w));
	if (is_ledger_query_begin(q, err) < 0)
		return -1;
	if (is_ledger_query_instant(q, q->at, q->run, at, err) < 0 ||
	    is_ledger_snapshot_load(q, at, NULL, 0, 0, &snap, err) < 0) {
		is_ledger_query_end(q);
		return -1;
	}
	if (is_ledger_query_prepare(q, is_db_backend(q->lg->db) == IS_DB_POSTGRES ?
	                            group_sql_postgres : group_sql, &gst, err) < 0) {
		is_error_release(err);   /* without it, gates are not followed */
		gst = NULL;
	}
	if (gst)
		is_db_bind_text(gst, 2, at, (size_t)-1);
	for (i = 0; i < snap.n; i++)
		for (j = 0; j < snap.v[i].ndeps; j++) {
			if (gst)
				load_gate(&w, gst, snap.v[i].deps[j]);
			e = is_xgrow(e, &cap, ne + 1, sizeof(*e));
			e[ne].dep = snap.v[i].deps[j];
			e[ne++].dependent = i;
		}
	is_db_finalize(gst);
	is_ledger_query_end(q);
	if (ne)
		qsort(e, ne, sizeof(*e), by_dep);
	start = is_ledger_snapshot_find(&snap, q->operand);
	k = first_edge(e, ne, q->operand);
	if (!start && !(k < ne && !strcmp(e[k].dep, q->operand))) {
		rc = is_error_set(err, "ledger-no-resource", NULL, 0, 0,
		                  "no resource '%s' in the ledger at %s", q->operand, at);
	} else {
		w.distance = is_xmalloc((snap.n + 1) * sizeof(*w.distance));
		w.order = is_xmalloc((snap.n + 1) * sizeof(*w.order));
		for (i = 0; i < snap.n; i++)
			w.distance[i] = -1;
		bfs(&snap, e, ne, q->operand, start, &w);
		sort_reached(&w, &snap);
		if (emit_reached(q, &snap, &w, q->operand) < 0)
			rc = is_error_set(err, "output", NULL, 0, 0, "cannot write the output");
		free(w.distance);
		free(w.order);
	}
	for (i = 0; i < w.ngates; i++) {
		free(w.gates[i].id);
		json_decref(w.gates[i].members);
		json_decref(w.gates[i].deps);
	}
	free(w.gates);
	free(e);
	is_ledger_snapshot_release(&snap);
	return rc;
}
