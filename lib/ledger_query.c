/*
 * What the ledger's queries share: where their records go (NDJSON or a
 * table), one read transaction per query, the instant a --at or --run
 * means, and the state of every resource at an instant.
 *
 * The state at T is, for each resource, its row with the greatest (at, seq)
 * at or before T, unless that row is a tombstone. The index
 * states(resource, at, seq) answers that with one descent per resource; the
 * resources themselves are found by a skip scan over the same index (the
 * smallest id, then the smallest id above it, ...), so the cost grows with
 * the number of resources and only logarithmically with their versions.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ledger_query.h"
#include "xalloc.h"
#include "banned.h"

void is_ledger_out_init(struct is_ledger_out *o, const struct is_ledger_query *q,
                        const struct is_table_col *cols, int stream)
{
	memset(o, 0, sizeof(*o));
	o->fp = q->fp;
	o->table = q->format == IS_QFORMAT_TABLE && cols;
	if (o->table)
		is_table_init(&o->t, o->fp, cols, stream);
	is_strbuf_init(&o->line, 256);
}

void is_ledger_out_release(struct is_ledger_out *o)
{
	if (o->table)
		is_table_release(&o->t);
	is_strbuf_release(&o->line);
	memset(o, 0, sizeof(*o));
}

static int out_failed(struct is_ledger_out *o)
{
	return ferror(o->fp) ? -1 : 0;
}

int is_ledger_out_text(struct is_ledger_out *o, const char *text, size_t len)
{
	json_t *rec;

	if (!o->table) {
		fwrite(text, 1, len, o->fp);
		putc('\n', o->fp);
		return out_failed(o);
	}
	rec = json_loadb(text, len, 0, NULL);
	if (rec)
		is_table_add(&o->t, rec);
	json_decref(rec);
	return 0;
}

int is_ledger_out_json(struct is_ledger_out *o, const json_t *rec)
{
	if (o->table) {
		is_table_add(&o->t, rec);
		return 0;
	}
	is_strbuf_reset(&o->line);
	is_json_dump(&o->line, rec, 0);
	return is_ledger_out_text(o, o->line.buf, o->line.len);
}

int is_ledger_out_flush(struct is_ledger_out *o)
{
	if (o->table && is_table_flush(&o->t) < 0)
		return -1;
	if (fflush(o->fp) == EOF)
		return -1;
	return out_failed(o);
}

int is_ledger_out_finish(struct is_ledger_out *o, struct is_error *err)
{
	int rc = 0;

	if (o->table && is_table_flush(&o->t) < 0)
		rc = -1;
	if (out_failed(o))
		rc = -1;
	is_ledger_out_release(o);
	if (rc < 0)
		return is_error_set(err, "output", NULL, 0, 0, "cannot write the output");
	return 0;
}

int is_ledger_query_begin(const struct is_ledger_query *q, struct is_error *err)
{
	if (is_ledger_open(q->lg, err) < 0)
		return -1;
	return is_ledger_exec(q->lg, "BEGIN", err);
}

void is_ledger_query_end(const struct is_ledger_query *q)
{
	if (q->lg->db && !sqlite3_get_autocommit(q->lg->db))
		sqlite3_exec(q->lg->db, "COMMIT", NULL, NULL, NULL);
}

int is_ledger_query_prepare(const struct is_ledger_query *q, const char *sql,
                            sqlite3_stmt **st, struct is_error *err)
{
	if (sqlite3_prepare_v2(q->lg->db, sql, -1, st, NULL) != SQLITE_OK)
		return is_ledger_fail(q->lg, err, "cannot query the ledger");
	return 0;
}

/* The first column of the first row of sql with ?1 = arg, into out. */
static int lookup_text(const struct is_ledger_query *q, const char *sql,
                       const char *arg, char out[32], struct is_error *err)
{
	sqlite3_stmt *st;
	const unsigned char *v;
	int rc, found = 0;

	if (is_ledger_query_prepare(q, sql, &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (v = sqlite3_column_text(st, 0))) {
		snprintf(out, 32, "%s", (const char *)v);
		found = 1;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_finalize(st);
		return is_ledger_fail(q->lg, err, "cannot query the ledger");
	}
	sqlite3_finalize(st);
	return found;
}

int is_ledger_query_instant(const struct is_ledger_query *q, const char *at,
                            const char *run, char out[32], struct is_error *err)
{
	const char *c;
	int found;

	/* A run id (all digits, where a date has dashes) means the end of that run. */
	for (c = at; c && *c >= '0' && *c <= '9'; c++)
		;
	if (!run && at && *at && !*c)
		run = at;
	if (run) {
		found = lookup_text(q, "SELECT at FROM runs WHERE run = ?1 AND phase = 'end'",
		                    run, out, err);
		if (!found)
			found = lookup_text(q, "SELECT max(at) FROM run_events WHERE run = ?1",
			                    run, out, err);
		if (!found)
			found = lookup_text(q, "SELECT at FROM runs WHERE run = ?1", run, out,
			                    err);
		if (found < 0)
			return -1;
		if (!found)
			return is_error_set(err, "ledger-no-run", NULL, 0, 0,
			                    "no run '%s' in the ledger (see 'is-ledger runs')",
			                    run);
		return 0;
	}
	if (!at) {
		snprintf(out, 32, "%s", "9999-12-31T23:59:59.999Z");
		return 0;
	}
	return is_ledger_time_canon(at, is_ledger_now_ms(), out, err);
}

static char *column_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	return v ? is_xstrdup((const char *)v) : NULL;
}

void is_ledger_version_release(struct is_ledger_version *s)
{
	size_t i;

	free(s->id);
	free(s->kind);
	free(s->run);
	free(s->at);
	free(s->hash);
	free(s->spec);
	free(s->outputs);
	free(s->labels);
	for (i = 0; i < s->ndeps; i++)
		free(s->deps[i]);
	free(s->deps);
	memset(s, 0, sizeof(*s));
}

void is_ledger_version_from_row(struct is_ledger_version *s, sqlite3_stmt *st)
{
	const char *deps = (const char *)sqlite3_column_text(st, 10);
	json_t *arr = deps ? json_loads(deps, 0, NULL) : NULL, *d;
	size_t i;

	is_ledger_version_release(s);
	s->seq = sqlite3_column_int64(st, 0);
	s->id = column_dup(st, 1);
	s->kind = column_dup(st, 2);
	s->run = column_dup(st, 3);
	s->at = column_dup(st, 4);
	s->deleted = sqlite3_column_int(st, 5);
	s->hash = column_dup(st, 6);
	s->spec = column_dup(st, 7);
	s->outputs = column_dup(st, 8);
	s->labels = column_dup(st, 9);
	if (!s->id)
		s->id = is_xstrdup("");
	if (!s->at)
		s->at = is_xstrdup("");
	s->deps = is_xmalloc((json_array_size(arr) + 1) * sizeof(*s->deps));
	json_array_foreach(arr, i, d)
		if (json_is_string(d))
			s->deps[s->ndeps++] = is_xstrdup(json_string_value(d));
	json_decref(arr);
}

static void add_string(struct is_strbuf *sb, const char *key, const char *v)
{
	is_strbuf_addf(sb, ",\"%s\":", key);
	if (v)
		is_json_dump_string(sb, v, strlen(v));
	else
		is_strbuf_adds(sb, "null");
}

static void add_raw(struct is_strbuf *sb, const char *key, const char *json,
                    const char *otherwise)
{
	is_strbuf_addf(sb, ",\"%s\":", key);
	is_strbuf_adds(sb, json && *json ? json : otherwise);
}

void is_ledger_version_record(const struct is_ledger_version *s, struct is_strbuf *sb)
{
	size_t i;

	is_strbuf_adds(sb, "{\"type\":\"state\",\"v\":1");
	add_string(sb, "id", s->id);
	add_string(sb, "kind", s->kind);
	add_string(sb, "hash", s->hash);
	add_raw(sb, "spec", s->spec, "null");
	add_raw(sb, "outputs", s->outputs, "null");
	is_strbuf_adds(sb, ",\"deps\":[");
	for (i = 0; i < s->ndeps; i++) {
		if (i)
			is_strbuf_addch(sb, ',');
		is_json_dump_string(sb, s->deps[i], strlen(s->deps[i]));
	}
	is_strbuf_addch(sb, ']');
	add_raw(sb, "labels", s->labels, "{}");
	add_string(sb, "run", s->run);
	add_string(sb, "at", s->at);
	if (s->deleted)
		is_strbuf_adds(sb, ",\"deleted\":true");
	is_strbuf_addch(sb, '}');
}

static const char all_sql[] =
	"WITH RECURSIVE ids(r) AS ("
	" SELECT (SELECT min(resource) FROM states)"
	" UNION ALL"
	" SELECT (SELECT min(resource) FROM states WHERE resource > ids.r)"
	" FROM ids WHERE ids.r IS NOT NULL)"
	" SELECT " IS_LEDGER_STATE_COLUMNS " FROM ids JOIN states s ON s.seq ="
	" (SELECT t.seq FROM states t WHERE t.resource = ids.r AND t.at <= ?1"
	"  ORDER BY t.at DESC, t.seq DESC LIMIT 1)"
	" WHERE ids.r IS NOT NULL";

static const char one_sql[] =
	"SELECT " IS_LEDGER_STATE_COLUMNS " FROM states s WHERE s.seq ="
	" (SELECT t.seq FROM states t WHERE t.resource = ?2 AND t.at <= ?1"
	"  ORDER BY t.at DESC, t.seq DESC LIMIT 1)";

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct is_ledger_version *)a)->id,
	              ((const struct is_ledger_version *)b)->id);
}

static int take_rows(const struct is_ledger_query *q, sqlite3_stmt *st, int keep_deleted,
                     struct is_ledger_snapshot *s, struct is_error *err)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!keep_deleted && sqlite3_column_int(st, 5))
			continue;
		s->v = is_xgrow(s->v, &s->cap, s->n + 1, sizeof(*s->v));
		memset(&s->v[s->n], 0, sizeof(s->v[s->n]));
		is_ledger_version_from_row(&s->v[s->n++], st);
	}
	if (rc != SQLITE_DONE)
		return is_ledger_fail(q->lg, err, "cannot read the states");
	return 0;
}

int is_ledger_snapshot_load(const struct is_ledger_query *q, const char *at,
                            const char *const *ids, size_t nids, int keep_deleted,
                            struct is_ledger_snapshot *s, struct is_error *err)
{
	sqlite3_stmt *st;
	size_t i, j;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	if (is_ledger_query_prepare(q, ids ? one_sql : all_sql, &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, at, -1, SQLITE_TRANSIENT);
	if (!ids) {
		rc = take_rows(q, st, keep_deleted, s, err);
	} else {
		for (i = 0; i < nids && rc == 0; i++) {
			sqlite3_reset(st);
			sqlite3_bind_text(st, 2, ids[i], -1, SQLITE_TRANSIENT);
			rc = take_rows(q, st, keep_deleted, s, err);
		}
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		is_ledger_snapshot_release(s);
		return -1;
	}
	/* The skip scan yields ids in byte order already; --id may repeat them. */
	if (ids && s->n > 1) {
		qsort(s->v, s->n, sizeof(*s->v), by_id);
		for (i = j = 1; i < s->n; i++) {
			if (!strcmp(s->v[i].id, s->v[j - 1].id))
				is_ledger_version_release(&s->v[i]);
			else
				s->v[j++] = s->v[i];
		}
		s->n = j;
	}
	return 0;
}

void is_ledger_snapshot_release(struct is_ledger_snapshot *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		is_ledger_version_release(&s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

const struct is_ledger_version *is_ledger_snapshot_find(const struct is_ledger_snapshot *s,
                                                      const char *id)
{
	size_t lo = 0, hi = s->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(id, s->v[mid].id);
		if (!c)
			return &s->v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
