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
	if (is_db_begin_read(q->lg->db) < 0)
		return is_ledger_fail(q->lg, err, "cannot start a read transaction");
	return 0;
}

void is_ledger_query_end(const struct is_ledger_query *q)
{
	if (q->lg->db && is_db_in_transaction(q->lg->db) && is_db_commit(q->lg->db) < 0)
		is_db_rollback(q->lg->db);
}

int is_ledger_query_prepare(const struct is_ledger_query *q, const char *sql,
                            struct is_db_stmt **st, struct is_error *err)
{
	if (is_db_prepare(q->lg->db, sql, 0, st) < 0)
		return is_ledger_fail(q->lg, err, "cannot query the ledger");
	return 0;
}

int is_ledger_query_prepare_big(const struct is_ledger_query *q, const char *sql,
                                struct is_db_stmt **st, struct is_error *err)
{
	if (is_db_prepare(q->lg->db, sql, IS_DB_STREAM, st) < 0)
		return is_ledger_fail(q->lg, err, "cannot query the ledger");
	return 0;
}

/* The first column of the first row of sql with ?1 = arg, into out. */
static int lookup_text(const struct is_ledger_query *q, const char *sql,
                       const char *arg, char out[32], struct is_error *err)
{
	struct is_db_stmt *st;
	const char *v;
	int rc, found = 0;

	if (is_ledger_query_prepare(q, sql, &st, err) < 0)
		return -1;
	is_db_bind_text(st, 1, arg, (size_t)-1);
	rc = is_db_step(st);
	if (rc == IS_DB_ROW && (v = is_db_column_text(st, 0))) {
		snprintf(out, 32, "%s", (const char *)v);
		found = 1;
	} else if (rc != IS_DB_ROW && rc != IS_DB_DONE) {
		is_db_finalize(st);
		return is_ledger_fail(q->lg, err, "cannot query the ledger");
	}
	is_db_finalize(st);
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

static int by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void is_ledger_version_release(struct is_ledger_version *s)
{
	free(s->mem);
	memset(s, 0, sizeof(*s));
}

/*
 * One allocation per version: the deps array, then every string, copied from
 * the row (a state query makes ten thousand of these; malloc and free were a
 * third of its time when each string had its own).
 */
void is_ledger_version_from_row(struct is_ledger_version *s, struct is_db_stmt *st)
{
	is_ledger_version_from_row_deps(s, st, is_db_column_text(st, 10),
	                                is_db_column_bytes(st, 10));
}

void is_ledger_version_from_row_deps(struct is_ledger_version *s, struct is_db_stmt *st,
                                     const char *deps, size_t deps_len)
{
	static const int cols[] = { 1, 2, 3, 4, 6, 7, 8, 9, 10 };
	const char *text[11] = { 0 }, *p, *nl;
	size_t len[11] = { 0 }, total = 0, n = 0, i;
	char *at;

	is_ledger_version_release(s);
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]) - 1; i++) {
		text[cols[i]] = (const char *)is_db_column_text(st, cols[i]);
		len[cols[i]] = (size_t)is_db_column_bytes(st, cols[i]);
		total += len[cols[i]] + 1;
	}
	text[10] = deps;
	len[10] = deps ? deps_len : 0;
	total += len[10] + 1;
	for (p = text[10]; p && *p; p++)
		n += *p == '\n';
	if (text[10] && *text[10])
		n++;
	s->mem = is_xmalloc((n + 1) * sizeof(char *) + total);
	s->deps = (char **)s->mem;
	at = s->mem + (n + 1) * sizeof(char *);
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]) - 1; i++) {
		const char *t = text[cols[i]];
		char **field[] = { &s->id, &s->kind, &s->run, &s->at, &s->hash, &s->spec,
		                   &s->outputs, &s->labels };

		/* id and at are never NULL in the schema; "" all the same. */
		if (!t && (i == 0 || i == 3)) {
			*at = '\0';
			*field[i] = at++;
			continue;
		}
		if (!t) {
			*field[i] = NULL;
			continue;
		}
		memcpy(at, t, len[cols[i]]);
		at[len[cols[i]]] = '\0';
		*field[i] = at;
		at += len[cols[i]] + 1;
	}
	s->seq = is_db_column_int64(st, 0);
	s->deleted = (int)is_db_column_int64(st, 5);
	for (p = text[10]; p && *p; p = *nl ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		memcpy(at, p, (size_t)(nl - p));
		at[nl - p] = '\0';
		s->deps[s->ndeps++] = at;
		at += nl - p + 1;
	}
	if (s->ndeps > 1)
		qsort(s->deps, s->ndeps, sizeof(*s->deps), by_string);
}

static void add_key(struct is_strbuf *sb, const char *key)
{
	is_strbuf_add(sb, ",\"", 2);
	is_strbuf_adds(sb, key);
	is_strbuf_add(sb, "\":", 2);
}

static void add_string(struct is_strbuf *sb, const char *key, const char *v)
{
	add_key(sb, key);
	if (v)
		is_json_dump_string(sb, v, strlen(v));
	else
		is_strbuf_adds(sb, "null");
}

static void add_raw(struct is_strbuf *sb, const char *key, const char *json,
                    const char *otherwise)
{
	add_key(sb, key);
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

/*
 * The resource just before ?1 in byte order and
 * its latest version at or before ?2: one execution per resource, two
 * descents of states(resource, at, seq), the id in column 11 even when the
 * resource did not exist yet then (the columns of s are NULL).
 */
static const char next_sql[] =
	"SELECT " IS_LEDGER_STATE_COLUMNS ", r.id FROM"
	" (SELECT max(resource) AS id FROM states WHERE resource < ?1) r"
	" LEFT JOIN states s ON s.seq = (SELECT t.seq FROM states t"
	"  WHERE t.resource = r.id AND t.at <= ?2 ORDER BY t.at DESC, t.seq DESC LIMIT 1)";
/* The latest version of ?1 at or before ?2. */
static const char at_sql[] =
	"SELECT " IS_LEDGER_STATE_COLUMNS " FROM states s"
	" WHERE s.resource = ?1 AND s.at <= ?2"
	" ORDER BY s.at DESC, s.seq DESC LIMIT 1";

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct is_ledger_version *)a)->id,
	              ((const struct is_ledger_version *)b)->id);
}

/* Adds the current row of st to s, unless it is a tombstone not wanted. */
static void add_row(struct is_db_stmt *st, int keep_deleted, struct is_ledger_snapshot *s)
{
	if (!keep_deleted && (int)is_db_column_int64(st, 5))
		return;
	s->v = is_xgrow(s->v, &s->cap, s->n + 1, sizeof(*s->v));
	memset(&s->v[s->n], 0, sizeof(s->v[s->n]));
	is_ledger_version_from_row(&s->v[s->n++], st);
}

/* Steps st once and adds its row. Returns 1 for a row, 0 for none, -1. */
static int take_row(const struct is_ledger_query *q, struct is_db_stmt *st, int keep_deleted,
                    struct is_ledger_snapshot *s, struct is_error *err)
{
	int rc = is_db_step(st);

	if (rc == IS_DB_DONE)
		return 0;
	if (rc != IS_DB_ROW)
		return is_ledger_fail(q->lg, err, "cannot read the states");
	add_row(st, keep_deleted, s);
	return 1;
}

/*
 * PostgreSQL: the same skip scan as one statement (a statement per resource
 * would cost a round trip each): a recursive walk of the resource ids over
 * states(resource, at, seq), and for each its latest version at or before
 * ?1 (a DISTINCT ON over every version was 3.5x slower at 10 versions each).
 */
static const char all_sql_postgres[] =
	"WITH RECURSIVE r(id) AS (SELECT min(resource) FROM states"
	" UNION ALL SELECT (SELECT min(resource) FROM states WHERE resource > r.id)"
	"  FROM r WHERE r.id IS NOT NULL)"
	" SELECT " IS_LEDGER_STATE_COLUMNS " FROM r"
	" JOIN LATERAL (SELECT t.seq FROM states t WHERE t.resource = r.id AND t.at <= ?1"
	"  ORDER BY t.at DESC, t.seq DESC LIMIT 1) l ON true"
	" JOIN states s ON s.seq = l.seq ORDER BY s.resource";

static int load_all_postgres(const struct is_ledger_query *q, const char *at,
                             int keep_deleted, struct is_ledger_snapshot *s,
                             struct is_error *err)
{
	struct is_db_stmt *st;
	int rc;

	if (is_ledger_query_prepare_big(q, all_sql_postgres, &st, err) < 0)
		return -1;
	is_db_bind_text(st, 1, at, (size_t)-1);
	while ((rc = take_row(q, st, keep_deleted, s, err)) > 0)
		;
	is_db_finalize(st);
	return rc;
}

/* The greatest resource id, and a byte after it: above every id. */
static int above_all(const struct is_ledger_query *q, struct is_strbuf *id,
                     struct is_error *err)
{
	struct is_db_stmt *st;
	int rc;

	if (is_ledger_query_prepare(q, "SELECT max(resource) FROM states", &st, err) < 0)
		return -1;
	rc = is_db_step(st);
	if (rc == IS_DB_ROW && is_db_column_text(st, 0))
		is_strbuf_adds(id, is_db_column_text(st, 0));
	is_db_finalize(st);
	if (rc == IS_DB_ERROR)
		return is_ledger_fail(q->lg, err, "cannot read the states");
	is_strbuf_addch(id, '\x01');
	return 0;
}

/* Every resource, from the last id backwards, one statement each. */
static int load_all(const struct is_ledger_query *q, const char *at, int keep_deleted,
                    struct is_ledger_snapshot *s, struct is_error *err)
{
	struct is_strbuf id = IS_STRBUF_INIT;
	struct is_db_stmt *st;
	const char *next;
	size_t i;
	int rc;

	if (is_db_backend(q->lg->db) == IS_DB_POSTGRES)
		return load_all_postgres(q, at, keep_deleted, s, err);
	if (above_all(q, &id, err) < 0 || is_ledger_query_prepare(q, next_sql, &st, err) < 0) {
		is_strbuf_release(&id);
		return -1;
	}
	is_db_bind_text(st, 1, id.buf, id.len);
	is_db_bind_text(st, 2, at, (size_t)-1);
	while ((rc = is_db_step(st)) == IS_DB_ROW &&
	       (next = is_db_column_text(st, 11))) {
		if (is_db_column_type(st, 0) != IS_DB_NULL)
			add_row(st, keep_deleted, s);
		/* The column's text dies at the reset, and binding needs one first. */
		is_strbuf_reset(&id);
		is_strbuf_adds(&id, next);
		is_db_reset(st);
		is_db_bind_text(st, 1, id.buf, id.len);
	}
	is_db_finalize(st);
	is_strbuf_release(&id);
	if (rc != IS_DB_ROW && rc != IS_DB_DONE)
		return is_ledger_fail(q->lg, err, "cannot read the states");
	/* Found backwards: turn them round. */
	for (i = 0; i < s->n / 2; i++) {
		struct is_ledger_version t = s->v[i];

		s->v[i] = s->v[s->n - 1 - i];
		s->v[s->n - 1 - i] = t;
	}
	return 0;
}

int is_ledger_snapshot_load(const struct is_ledger_query *q, const char *at,
                            const char *const *ids, size_t nids, int keep_deleted,
                            struct is_ledger_snapshot *s, struct is_error *err)
{
	struct is_db_stmt *st;
	size_t i, j;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	if (!ids) {
		rc = is_ledger_checkpoint_load(q, at, keep_deleted, s, err);
		if (rc < 0 || (rc == 0 && load_all(q, at, keep_deleted, s, err) < 0)) {
			is_ledger_snapshot_release(s);
			return -1;
		}
		return 0;
	}
	if (is_ledger_query_prepare(q, at_sql, &st, err) < 0)
		return -1;
	is_db_bind_text(st, 2, at, (size_t)-1);
	for (i = 0; i < nids && rc >= 0; i++) {
		is_db_reset(st);
		is_db_bind_text(st, 1, ids[i], (size_t)-1);
		rc = take_row(q, st, keep_deleted, s, err);
	}
	is_db_finalize(st);
	if (rc < 0) {
		is_ledger_snapshot_release(s);
		return -1;
	}
	/* --id may name them in any order, and more than once. */
	if (s->n > 1) {
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
