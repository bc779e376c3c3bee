/*
 * The state at T from a checkpoint (ledger_checkpoint.c): the last
 * checkpoint complete at T (its max_at at or before T) gives every
 * resource's latest version among the states it summarises; the versions
 * at or before T among the later states come from the spans whose min_at is
 * at or before T and from the states after the last checkpoint. Of all
 * these, each resource keeps its latest by (at, seq); then tombstones go.
 */
#include <stdlib.h>
#include <string.h>

#include "ledger_query.h"
#include "xalloc.h"
#include "banned.h"

static const char base_sql[] =
	"SELECT seq, max_at FROM checkpoints WHERE max_at <= ?1"
	" ORDER BY max_at DESC, seq DESC LIMIT 1";
/* The spans after checkpoint ?1 (max_at ?3) that may hold a version at or before ?2. */
static const char spans_sql[] =
	"SELECT from_seq, upto FROM checkpoints WHERE max_at >= ?3 AND seq > ?1"
	" AND min_at <= ?2 ORDER BY seq";
static const char last_sql[] =
	"SELECT upto FROM checkpoints ORDER BY seq DESC LIMIT 1";
/*
 * The versions a checkpoint names, in its (ascending) seq order, and their
 * deps in the same order from a second statement read in step: the deps
 * subquery of IS_LEDGER_STATE_COLUMNS, run once per row, was two thirds of
 * SQLite's work here. When the versions are close together (at
 * most RANGE_SPREAD times as many seqs from the first to the last as there
 * are versions), both are read by a scan of that range, the rows not named
 * skipped, rather than by a search per version: a third less work.
 */
enum { RANGE_SPREAD = 4 };
static const char members_sqlite[] =
	"SELECT s.seq, s.resource, s.kind, s.run, s.at, s.deleted, s.hash, s.spec,"
	" s.outputs, s.labels FROM checkpoints c, json_each(c.states) j,"
	" states s WHERE c.seq = ?1 AND s.seq = j.value";
static const char member_deps_sqlite[] =
	"SELECT d.state_seq, d.depends_on FROM checkpoints c, json_each(c.states) j,"
	" state_dependencies d WHERE c.seq = ?1 AND d.state_seq = j.value";
/* PostgreSQL: the same, in seq order said (its joins promise no order). */
static const char members_postgres[] =
	"SELECT s.seq, s.resource, s.kind, s.run, s.at, s.deleted, s.hash, s.spec,"
	" s.outputs, s.labels FROM checkpoints c"
	" CROSS JOIN LATERAL jsonb_array_elements_text(c.states::jsonb) j(v)"
	" JOIN states s ON s.seq = j.v::bigint WHERE c.seq = ?1 ORDER BY s.seq";
static const char member_deps_postgres[] =
	"SELECT d.state_seq, d.depends_on FROM checkpoints c"
	" CROSS JOIN LATERAL jsonb_array_elements_text(c.states::jsonb) j(v)"
	" JOIN state_dependencies d ON d.state_seq = j.v::bigint WHERE c.seq = ?1"
	" ORDER BY d.state_seq";
static const char range_sql[] =
	"SELECT s.seq, s.resource, s.kind, s.run, s.at, s.deleted, s.hash, s.spec,"
	" s.outputs, s.labels FROM states s WHERE s.seq >= ?1 AND s.seq <= ?2"
	" ORDER BY s.seq";
static const char range_deps_sql[] =
	"SELECT state_seq, depends_on FROM state_dependencies"
	" WHERE state_seq >= ?1 AND state_seq <= ?2 ORDER BY state_seq";
static const char states_sql[] = "SELECT states FROM checkpoints WHERE seq = ?1";

/* The deps of version seq from st (rows of state_seq, depends_on in the
 * same order as the versions), joined by newlines into sb. *row: st has a
 * row not yet used. */
static int deps_of(struct is_db_stmt *st, int64_t seq, int *row, struct is_strbuf *sb)
{
	is_strbuf_reset(sb);
	for (;;) {
		int64_t at;

		if (!*row) {
			int rc = is_db_step(st);

			if (rc != IS_DB_ROW)
				return rc == IS_DB_DONE ? 0 : -1;
			*row = 1;
		}
		at = is_db_column_int64(st, 0);
		if (at > seq)
			return 0;
		if (at == seq) {
			if (sb->len)
				is_strbuf_addch(sb, '\n');
			is_strbuf_add(sb, is_db_column_text(st, 1), is_db_column_bytes(st, 1));
		}
		*row = 0;
	}
}

static int by_seq(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The seqs of checkpoint ckpt, ascending, into *v (*n of them). */
static int member_seqs(const struct is_ledger_query *q, int64_t ckpt, int64_t **v,
                       size_t *n, struct is_error *err)
{
	struct is_db_stmt *st;
	size_t cap = 0, i;
	const char *p;
	char *end;
	int rc;

	*v = NULL;
	*n = 0;
	if (is_ledger_query_prepare(q, states_sql, &st, err) < 0)
		return -1;
	is_db_bind_int64(st, 1, ckpt);
	rc = is_db_step(st);
	for (p = rc == IS_DB_ROW ? is_db_column_text(st, 0) : NULL; p && *p; p = end) {
		long long x = strtoll(p + 1, &end, 10);

		if (end == p + 1)
			break;
		*v = is_xgrow(*v, &cap, *n + 1, sizeof(**v));
		(*v)[(*n)++] = x;
	}
	is_db_finalize(st);
	if (rc == IS_DB_ERROR)
		return is_ledger_fail(q->lg, err, "cannot read the checkpoints");
	for (i = 1; i < *n && (*v)[i - 1] < (*v)[i]; i++)
		;
	if (i < *n)
		qsort(*v, *n, sizeof(**v), by_seq);
	return 0;
}

/* Prepares the two statements: a range scan when the versions are close. */
static int members_prepare(const struct is_ledger_query *q, int64_t ckpt,
                           struct is_db_stmt **st, struct is_db_stmt **deps,
                           int64_t **seqs, size_t *n, struct is_error *err)
{
	const char *members = members_sqlite, *member_deps = member_deps_sqlite;
	int range;

	*st = *deps = NULL;
	if (member_seqs(q, ckpt, seqs, n, err) < 0)
		return -1;
	range = *n && (*seqs)[*n - 1] - (*seqs)[0] < (int64_t)*n * RANGE_SPREAD;
	if (!range && is_db_backend(q->lg->db) == IS_DB_POSTGRES) {
		members = members_postgres;
		member_deps = member_deps_postgres;
	}
	if (is_ledger_query_prepare(q, range ? range_sql : members, st, err) < 0 ||
	    is_ledger_query_prepare(q, range ? range_deps_sql : member_deps, deps,
	                            err) < 0) {
		is_db_finalize(*st);
		free(*seqs);
		return -1;
	}
	if (range) {
		is_db_bind_int64(*st, 1, (*seqs)[0]);
		is_db_bind_int64(*st, 2, (*seqs)[*n - 1]);
		is_db_bind_int64(*deps, 1, (*seqs)[0]);
		is_db_bind_int64(*deps, 2, (*seqs)[*n - 1]);
	} else {
		is_db_bind_int64(*st, 1, ckpt);
		is_db_bind_int64(*deps, 1, ckpt);
	}
	return 0;
}

/*
 * The rows of st, with their deps from deps (in step), into s; with seqs
 * (ascending, n of them), only the rows it names. Finalizes both.
 */
static int take_in_step(const struct is_ledger_query *q, struct is_db_stmt *st,
                        struct is_db_stmt *deps, const int64_t *seqs, size_t n,
                        struct is_ledger_snapshot *s, struct is_error *err)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	size_t k = 0;
	int rc, row = 0;

	while ((rc = is_db_step(st)) == IS_DB_ROW) {
		int64_t seq = is_db_column_int64(st, 0);

		/* A row of the range that the checkpoint does not name. */
		while (seqs && k < n && seqs[k] < seq)
			k++;
		if (seqs && (k == n || seqs[k] != seq))
			continue;
		if (deps_of(deps, seq, &row, &sb) < 0) {
			rc = IS_DB_ERROR;
			break;
		}
		s->v = is_xgrow(s->v, &s->cap, s->n + 1, sizeof(*s->v));
		memset(&s->v[s->n], 0, sizeof(s->v[s->n]));
		is_ledger_version_from_row_deps(&s->v[s->n++], st, sb.len ? sb.buf : NULL,
		                                sb.len);
	}
	is_db_finalize(st);
	is_db_finalize(deps);
	is_strbuf_release(&sb);
	if (rc != IS_DB_DONE)
		return is_ledger_fail(q->lg, err, "cannot read the states");
	return 0;
}

static int members_load(const struct is_ledger_query *q, int64_t ckpt,
                               struct is_ledger_snapshot *s, struct is_error *err)
{
	struct is_db_stmt *st, *deps;
	int64_t *seqs;
	size_t n;
	int rc;

	if (members_prepare(q, ckpt, &st, &deps, &seqs, &n, err) < 0)
		return -1;
	rc = take_in_step(q, st, deps, seqs, n, s, err);
	free(seqs);
	return rc;
}

/* The versions at or before ?3 of the states in (?1, ?2], their deps in
 * step as for a checkpoint's. */
static const char span_sql[] =
	"SELECT s.seq, s.resource, s.kind, s.run, s.at, s.deleted, s.hash, s.spec,"
	" s.outputs, s.labels FROM states s WHERE s.seq > ?1 AND s.seq <= ?2"
	" AND s.at <= ?3 ORDER BY s.seq";
static const char span_deps_sql[] =
	"SELECT state_seq, depends_on FROM state_dependencies"
	" WHERE state_seq > ?1 AND state_seq <= ?2 ORDER BY state_seq";

static int span(const struct is_ledger_query *q, int64_t from, int64_t to, const char *at,
                struct is_ledger_snapshot *s, struct is_error *err)
{
	struct is_db_stmt *st, *deps;

	if (is_ledger_query_prepare(q, span_sql, &st, err) < 0)
		return -1;
	if (is_ledger_query_prepare(q, span_deps_sql, &deps, err) < 0) {
		is_db_finalize(st);
		return -1;
	}
	is_db_bind_int64(st, 1, from);
	is_db_bind_int64(st, 2, to);
	is_db_bind_text(st, 3, at, (size_t)-1);
	is_db_bind_int64(deps, 1, from);
	is_db_bind_int64(deps, 2, to);
	return take_in_step(q, st, deps, NULL, 0, s, err);
}


/* The first integer of sql's row (?1 = arg), and its second column's text;
 * 0 without a row. */
static int one_row(const struct is_ledger_query *q, const char *sql, const char *arg,
                   int64_t *v, char text[32], struct is_error *err)
{
	struct is_db_stmt *st;
	int rc;

	if (is_ledger_query_prepare(q, sql, &st, err) < 0)
		return -1;
	if (arg)
		is_db_bind_text(st, 1, arg, (size_t)-1);
	rc = is_db_step(st);
	if (rc == IS_DB_ROW) {
		*v = is_db_column_int64(st, 0);
		if (text)
			snprintf(text, 32, "%s", is_db_column_text(st, 1) ?
			         is_db_column_text(st, 1) : "");
	}
	is_db_finalize(st);
	if (rc == IS_DB_ERROR)
		return is_ledger_fail(q->lg, err, "cannot read the checkpoints");
	return rc == IS_DB_ROW;
}

/* The versions of the spans after checkpoint base (0: none) that may hold one
 * at or before at, and of the states after the last checkpoint. */
static int later_spans(const struct is_ledger_query *q, int64_t base, const char *base_at,
                       const char *at, int64_t last, struct is_ledger_snapshot *s,
                       struct is_error *err)
{
	struct is_db_stmt *st;
	int64_t (*v)[2] = NULL;
	size_t n = 0, cap = 0, i;
	int rc;

	if (is_ledger_query_prepare(q, spans_sql, &st, err) < 0)
		return -1;
	is_db_bind_int64(st, 1, base);
	is_db_bind_text(st, 2, at, (size_t)-1);
	is_db_bind_text(st, 3, base_at, (size_t)-1);
	while ((rc = is_db_step(st)) == IS_DB_ROW) {
		v = is_xgrow(v, &cap, n + 1, sizeof(*v));
		v[n][0] = is_db_column_int64(st, 0);
		v[n++][1] = is_db_column_int64(st, 1);
	}
	is_db_finalize(st);
	if (rc != IS_DB_DONE) {
		free(v);
		return is_ledger_fail(q->lg, err, "cannot read the checkpoints");
	}
	for (i = 0, rc = 0; i < n && rc == 0; i++)
		rc = span(q, v[i][0], v[i][1], at, s, err);
	free(v);
	return rc < 0 ? -1 : span(q, last, INT64_MAX, at, s, err);
}

static int by_id_at_seq(const void *a, const void *b)
{
	const struct is_ledger_version *x = *(const struct is_ledger_version *const *)a;
	const struct is_ledger_version *y = *(const struct is_ledger_version *const *)b;
	int c = strcmp(x->id, y->id);

	if (!c)
		c = strcmp(x->at, y->at);
	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* Keeps each resource's latest version, sorted by id, without tombstones
 * unless keep_deleted. Sorts pointers: moving the versions themselves was a
 * sixth of the query. */
static void keep_latest(struct is_ledger_snapshot *s, int keep_deleted)
{
	struct is_ledger_version **p = is_xmalloc((s->n + 1) * sizeof(*p));
	struct is_ledger_version *v = is_xmalloc((s->n + 1) * sizeof(*v));
	size_t i, j = 0;

	for (i = 0; i < s->n; i++)
		p[i] = &s->v[i];
	qsort(p, s->n, sizeof(*p), by_id_at_seq);
	for (i = 0; i < s->n; i++) {
		int last = i + 1 == s->n || strcmp(p[i]->id, p[i + 1]->id);

		if (last && (keep_deleted || !p[i]->deleted))
			v[j++] = *p[i];
		else
			is_ledger_version_release(p[i]);
	}
	free(p);
	free(s->v);
	s->v = v;
	s->n = j;
	s->cap = s->n + 1;
}

int is_ledger_checkpoint_load(const struct is_ledger_query *q, const char *at,
                              int keep_deleted, struct is_ledger_snapshot *s,
                              struct is_error *err)
{
	int64_t base = 0, last = 0;
	char base_at[32] = "";
	int rc;

	if ((rc = one_row(q, last_sql, NULL, &last, NULL, err)) <= 0)
		return rc;
	if ((rc = one_row(q, base_sql, at, &base, base_at, err)) < 0)
		return -1;
	if (base && members_load(q, base, s, err) < 0)
		return -1;
	if (later_spans(q, base, base_at, at, last, s, err) < 0)
		return -1;
	keep_latest(s, keep_deleted);
	return 1;
}
