/*
 * is-ledger verify: is the ledger what is-ledger wrote?
 *
 * - runs and run_events: each row's hash is recomputed from its predecessor's
 *   hash and its own content. A row whose content no longer matches its hash
 *   was edited; a row that does not chain to the row before it (with no gap
 *   in seq) was inserted; a gap in seq (the table's sequence remembers the
 *   highest seq ever given, so a removed last row leaves one too) is a
 *   removal.
 * - states and state_dependencies: each state row must be what its event
 *   makes (ledger_state.c), each event that makes a state must have exactly
 *   one, and dependencies must belong to a state.
 * - locks, run_ids: gaps in seq.
 * - the append-only triggers must all be there (and enabled), and a SQLite
 *   file must pass quick_check.
 * The chains detect changes made behind the ledger's back with the sqlite3
 * shell or psql; they cannot detect someone who recomputes every later hash (that
 * needs the last hash kept elsewhere: see is-ledger(1)).
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ledger.h"
#include "ledger_checkpoint.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

struct ver {
	struct is_ledger *lg;
	FILE *out;
	void (*report)(void *ctx, const char *message);
	void *ctx;
	struct is_error *err;
	long problems;
	long rows[4];   /* runs, run_events, states, locks */
};

static void problem(struct ver *v, const char *table, int64_t from, int64_t to,
                    const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void problem(struct ver *v, const char *table, int64_t from, int64_t to,
                    const char *kind, const char *fmt, ...)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	char *msg, *line;
	va_list ap;

	va_start(ap, fmt);
	msg = is_xvasprintf(fmt, ap);
	va_end(ap);
	v->problems++;
	is_strbuf_adds(&sb, "{\"type\":\"verify\",\"v\":1,\"table\":");
	is_json_dump_string(&sb, table, strlen(table));
	if (from > 0)
		is_strbuf_addf(&sb, ",\"seq\":%lld", (long long)from);
	if (to > from)
		is_strbuf_addf(&sb, ",\"to\":%lld", (long long)to);
	is_strbuf_adds(&sb, ",\"problem\":");
	is_json_dump_string(&sb, kind, strlen(kind));
	is_strbuf_adds(&sb, ",\"message\":");
	is_json_dump_string(&sb, msg, strlen(msg));
	is_strbuf_adds(&sb, "}\n");
	fwrite(sb.buf, 1, sb.len, v->out);
	is_strbuf_release(&sb);
	if (to > from)
		line = is_xasprintf("%s seq %lld-%lld: %s: %s", table, (long long)from,
		                    (long long)to, kind, msg);
	else if (from > 0)
		line = is_xasprintf("%s seq %lld: %s: %s", table, (long long)from, kind, msg);
	else
		line = is_xasprintf("%s: %s: %s", table, kind, msg);
	if (v->report)
		v->report(v->ctx, line);
	free(line);
	free(msg);
}

static int prep_with(struct ver *v, struct is_db_stmt **st, const char *sql, int flags)
{
	if (is_db_prepare(v->lg->db, sql, flags, st) < 0)
		return is_ledger_fail(v->lg, v->err, "cannot read the ledger");
	return 0;
}

/* A lookup: one row, or a few. */
static int prep(struct ver *v, struct is_db_stmt **st, const char *sql)
{
	return prep_with(v, st, sql, 0);
}

/* A walk over a whole table: rows in batches. */
static int prep_big(struct ver *v, struct is_db_stmt **st, const char *sql)
{
	return prep_with(v, st, sql, IS_DB_STREAM);
}

static int64_t sequence_of(struct ver *v, const char *table)
{
	return is_ledger_sequence_high(v->lg, table, v->err);
}

static void gap(struct ver *v, const char *table, int64_t last, int64_t seq)
{
	if (seq > last + 1)
		problem(v, table, last + 1, seq - 1, "removed", "%s missing from the sequence",
		        seq - 1 > last + 1 ? "rows are" : "a row is");
}

static int check_quick(struct ver *v)
{
	struct is_db_stmt *st;
	int rc;

	if (is_db_backend(v->lg->db) != IS_DB_SQLITE)
		return 0;
	if (prep(v, &st, "PRAGMA quick_check") < 0)
		return -1;
	while ((rc = is_db_step(st)) == IS_DB_ROW) {
		const char *t = (const char *)is_db_column_text(st, 0);

		if (t && strcmp(t, "ok"))
			problem(v, "database", 0, 0, "corrupt", "%s", t);
	}
	is_db_finalize(st);
	return 0;
}

/*
 * PostgreSQL: a trigger that is there but disabled (ALTER TABLE ... DISABLE
 * TRIGGER) is as good as gone; it also has one for TRUNCATE, and the one that
 * keeps ledger_sequence.
 */
static const char triggers_sqlite[] =
	"SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?";
static const char triggers_postgres[] =
	"SELECT 1 FROM pg_catalog.pg_trigger WHERE tgname = ? AND tgenabled <> 'D'"
	" AND tgrelid = to_regclass(?)";

static int check_triggers(struct ver *v)
{
	static const char *const kinds[] = { "update", "delete", "truncate", "seq" };
	int pg = is_db_backend(v->lg->db) == IS_DB_POSTGRES;
	struct is_db_stmt *st;
	size_t i, k;

	if (prep(v, &st, pg ? triggers_postgres : triggers_sqlite) < 0)
		return -1;
	for (i = 0; is_ledger_tables[i]; i++)
		for (k = 0; k < (pg ? 4u : 2u); k++) {
			char name[64];

			if (k == 3 && !strcmp(is_ledger_tables[i], "state_dependencies"))
				continue;
			snprintf(name, sizeof(name), k == 3 ? "%s_%s" : "%s_no_%s",
			         is_ledger_tables[i], kinds[k]);
			is_db_bind_text(st, 1, name, (size_t)-1);
			if (pg)
				is_db_bind_text(st, 2, is_ledger_tables[i], (size_t)-1);
			if (is_db_step(st) != IS_DB_ROW)
				problem(v, is_ledger_tables[i], 0, 0, "trigger-missing",
				        k == 3 ? "the trigger '%s' is gone: a removed last row "
				        "goes unnoticed" : "the trigger '%s' is gone: rows can "
				        "be changed in place", name);
			is_db_reset(st);
		}
	is_db_finalize(st);
	return 0;
}

/*
 * One chain. The columns after seq are those is_ledger_row_hash takes, then
 * prev_hash and hash.
 */
static int check_chain(struct ver *v, const char *table, const char *cols, int ncols,
                       long *count)
{
	char expect[65], computed[65];
	int64_t last = 0, top;
	struct is_db_stmt *st;
	char *sql = is_xasprintf("SELECT seq, %s, prev_hash, hash FROM %s ORDER BY seq",
	                            cols, table);
	int rc, i;

	rc = prep_big(v, &st, sql);
	free(sql);
	if (rc < 0)
		return -1;
	memcpy(expect, is_ledger_genesis, 65);
	while ((rc = is_db_step(st)) == IS_DB_ROW) {
		struct is_ledger_row row;
		const char *prev = (const char *)is_db_column_text(st, ncols + 1);
		const char *hash = (const char *)is_db_column_text(st, ncols + 2);
		int inserted = 0;

		(*count)++;
		memset(&row, 0, sizeof(row));
		row.seq = is_db_column_int64(st, 0);
		row.ncols = ncols;
		for (i = 0; i < ncols; i++) {
			int type = is_db_column_type(st, i + 1);

			row.col[i].is_null = type == IS_DB_NULL;
			row.col[i].is_num = type == IS_DB_INTEGER;
			row.col[i].num = is_db_column_int64(st, i + 1);
			row.col[i].text = (const char *)is_db_column_text(st, i + 1);
			row.col[i].len = (size_t)is_db_column_bytes(st, i + 1);
		}
		if (row.seq != last + 1) {
			gap(v, table, last, row.seq);
		} else if (!prev || strcmp(prev, expect)) {
			problem(v, table, row.seq, 0, "inserted", "it does not chain to the row "
			        "before it (seq %lld)", (long long)last);
			inserted = 1;
		}
		is_ledger_row_hash(prev ? prev : "", &row, computed);
		if (!inserted && (!hash || strcmp(hash, computed)))
			problem(v, table, row.seq, 0, "edited", "its content does not match "
			        "its hash");
		snprintf(expect, sizeof(expect), "%s", hash ? hash : "");
		last = row.seq;
	}
	is_db_finalize(st);
	if (rc != IS_DB_DONE)
		return is_ledger_fail(v->lg, v->err, "cannot read the ledger");
	if ((top = sequence_of(v, table)) < 0)
		return -1;
	gap(v, table, last, top + 1);
	return 0;
}

static int check_gaps(struct ver *v, const char *table, long *count)
{
	char *sql = is_xasprintf("SELECT seq FROM %s ORDER BY seq", table);
	int64_t last = 0, top;
	struct is_db_stmt *st;
	int rc = prep_big(v, &st, sql);

	free(sql);
	if (rc < 0)
		return -1;
	while ((rc = is_db_step(st)) == IS_DB_ROW) {
		int64_t seq = is_db_column_int64(st, 0);

		if (count)
			(*count)++;
		gap(v, table, last, seq);
		last = seq;
	}
	is_db_finalize(st);
	if ((top = sequence_of(v, table)) < 0)
		return -1;
	gap(v, table, last, top + 1);
	return 0;
}

static int differ(const char *a, const char *b)
{
	if (!a || !b)
		return !a != !b;
	return strcmp(a, b) != 0;
}

/* The dependencies stored for state seq, against the event's deps. */
static int deps_differ(struct is_db_stmt *deps, int64_t seq, const json_t *want)
{
	size_t i = 0, n = json_array_size(want);
	int bad = 0;

	is_db_bind_int64(deps, 1, seq);
	while (is_db_step(deps) == IS_DB_ROW) {
		const char *d = (const char *)is_db_column_text(deps, 0);

		while (i < n && !json_is_string(json_array_get(want, i)))
			i++;
		if (i >= n || differ(json_string_value(json_array_get(want, i)),
		                     d))
			bad = 1;
		i++;
	}
	while (i < n && !json_is_string(json_array_get(want, i)))
		i++;
	is_db_reset(deps);
	return bad || i < n;
}

static void check_state_row(struct ver *v, struct is_db_stmt *st, struct is_db_stmt *get,
                            struct is_db_stmt *deps)
{
	int64_t seq = is_db_column_int64(st, 0), ev = is_db_column_int64(st, 10);
	struct is_ledger_state want;
	json_t *rec = NULL;

	if (is_db_column_type(st, 10) == IS_DB_NULL) {
		problem(v, "states", seq, 0, "inserted", "no event made this state");
		return;
	}
	is_db_bind_int64(get, 1, ev);
	if (is_db_step(get) == IS_DB_ROW)
		rec = json_loads((const char *)is_db_column_text(get, 0), 0, NULL);
	is_db_reset(get);
	if (!rec) {
		problem(v, "states", seq, 0, "inserted", "its event (run_events seq %lld) "
		        "is missing or unreadable", (long long)ev);
		return;
	}
	if (!is_ledger_state_from_event(rec, &want)) {
		problem(v, "states", seq, 0, "inserted", "its event (run_events seq %lld) "
		        "makes no state", (long long)ev);
	} else if (differ(want.resource, is_db_column_text(st, 1)) ||
	           differ(want.kind, is_db_column_text(st, 2)) ||
	           differ(want.run, is_db_column_text(st, 3)) ||
	           differ(want.at, is_db_column_text(st, 4)) ||
	           want.deleted != (int)is_db_column_int64(st, 5) ||
	           differ(want.hash, is_db_column_text(st, 6)) ||
	           differ(want.spec, is_db_column_text(st, 7)) ||
	           differ(want.outputs, is_db_column_text(st, 8)) ||
	           differ(want.labels, is_db_column_text(st, 9))) {
		problem(v, "states", seq, 0, "edited", "it is not what its event "
		        "(run_events seq %lld) says", (long long)ev);
	} else if (deps_differ(deps, seq, want.deps)) {
		problem(v, "state_dependencies", seq, 0, "edited", "the dependencies of "
		        "state seq %lld are not what its event (run_events seq %lld) says",
		        (long long)seq, (long long)ev);
	}
	is_ledger_state_release(&want);
	json_decref(rec);
}

static int check_states(struct ver *v)
{
	struct is_db_stmt *st = NULL, *get = NULL, *deps = NULL;
	int rc = -1;

	if (prep_big(v, &st, "SELECT seq, resource, kind, run, at, deleted, hash, spec, "
	         "outputs, labels, event FROM states ORDER BY seq") < 0 ||
	    prep(v, &get, "SELECT record FROM run_events WHERE seq = ?") < 0 ||
	    prep(v, &deps, "SELECT depends_on FROM state_dependencies WHERE "
	         "state_seq = ? ORDER BY rowid") < 0)
		goto out;
	while (is_db_step(st) == IS_DB_ROW) {
		v->rows[2]++;
		check_state_row(v, st, get, deps);
	}
	is_db_finalize(st);
	/* A second state of one event. */
	if (prep(v, &st, "SELECT max(seq), event FROM states WHERE event IS NOT NULL "
	         "GROUP BY event HAVING count(*) > 1") < 0)
		goto out;
	while (is_db_step(st) == IS_DB_ROW)
		problem(v, "states", is_db_column_int64(st, 0), 0, "inserted",
		        "a second state of run_events seq %lld",
		        (long long)is_db_column_int64(st, 1));
	is_db_finalize(st);
	/* An event whose state is gone. */
	if (prep_big(v, &st, "SELECT seq, record FROM run_events e WHERE status = 'READY' "
	         "AND NOT EXISTS (SELECT 1 FROM states s WHERE s.event = e.seq) "
	         "ORDER BY seq") < 0)
		goto out;
	while (is_db_step(st) == IS_DB_ROW) {
		json_t *rec = json_loads((const char *)is_db_column_text(st, 1), 0, NULL);
		struct is_ledger_state want;

		if (rec && is_ledger_state_from_event(rec, &want)) {
			problem(v, "states", 0, 0, "removed", "the state that run_events seq "
			        "%lld made (%s) is missing", (long long)is_db_column_int64(st, 0),
			        want.resource);
			is_ledger_state_release(&want);
		}
		json_decref(rec);
	}
	is_db_finalize(st);
	/* Dependencies of no state. */
	if (prep(v, &st, "SELECT state_seq FROM state_dependencies d WHERE NOT EXISTS "
	         "(SELECT 1 FROM states s WHERE s.seq = d.state_seq)") < 0)
		goto out;
	while (is_db_step(st) == IS_DB_ROW)
		problem(v, "state_dependencies", 0, 0, "inserted", "a dependency of state "
		        "seq %lld, which does not exist", (long long)is_db_column_int64(st, 0));
	rc = 0;
out:
	is_db_finalize(st);
	is_db_finalize(get);
	is_db_finalize(deps);
	return rc;
}

static void checkpoint_problem(void *ctx, int64_t seq, const char *msg)
{
	problem(ctx, "checkpoints", seq, 0, "edited", "%s", msg);
}

static int check_checkpoints(struct ver *v)
{
	long n = 0;

	if (is_ledger_checkpoint_verify(v->lg->db, checkpoint_problem, v, &n) < 0)
		return is_ledger_fail(v->lg, v->err, "cannot read the checkpoints");
	return check_gaps(v, "checkpoints", NULL);
}

long is_ledger_verify(struct is_ledger *lg, FILE *out,
                      void (*report)(void *ctx, const char *message), void *ctx,
                      struct is_error *err)
{
	struct ver v;
	int rc;

	memset(&v, 0, sizeof(v));
	v.lg = lg;
	v.out = out;
	v.report = report;
	v.ctx = ctx;
	v.err = err;
	/* One read transaction: a consistent snapshot while writers go on. */
	if (is_db_begin_read(lg->db) < 0)
		return is_ledger_fail(lg, err, "cannot start a read transaction");
	rc = check_quick(&v) < 0 || check_triggers(&v) < 0 ||
	     check_chain(&v, "runs", "run, phase, status, at, record", 5, &v.rows[0]) < 0 ||
	     check_chain(&v, "run_events", "run, event_seq, at, resource, status, action, "
	                 "record", 7, &v.rows[1]) < 0 ||
	     check_gaps(&v, "states", NULL) < 0 || check_states(&v) < 0 ||
	     check_gaps(&v, "locks", &v.rows[3]) < 0 || check_gaps(&v, "run_ids", NULL) < 0 ||
	     check_checkpoints(&v) < 0
	     ? -1 : 0;
	if (is_db_commit(lg->db) < 0)
		is_db_rollback(lg->db);
	if (rc < 0)
		return -1;
	fprintf(out, "{\"type\":\"verify\",\"v\":1,\"ok\":%s,\"problems\":%ld,\"runs\":%ld,"
	        "\"events\":%ld,\"states\":%ld,\"locks\":%ld}\n",
	        v.problems ? "false" : "true", v.problems, v.rows[0], v.rows[1], v.rows[2],
	        v.rows[3]);
	return v.problems;
}
