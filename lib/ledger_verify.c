/*
 * is-ledger verify: is the ledger what is-ledger wrote?
 *
 * - runs and run_events: each row's hash is recomputed from its predecessor's
 *   hash and its own content. A row whose content no longer matches its hash
 *   was edited; a row that does not chain to the row before it (with no gap
 *   in seq) was inserted; a gap in seq (sqlite_sequence remembers the highest
 *   seq ever given, so a removed last row leaves one too) is a removal.
 * - states and state_dependencies: each state row must be what its event
 *   makes (ledger_state.c), each event that makes a state must have exactly
 *   one, and dependencies must belong to a state.
 * - locks, run_ids: gaps in seq.
 * - the append-only triggers must all be there, and the file must pass
 *   SQLite's quick_check.
 * The chains detect changes made behind the ledger's back with the sqlite3
 * shell; they cannot detect someone who recomputes every later hash (that
 * needs the last hash kept elsewhere: see is-ledger(1)).
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ledger.h"
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

static int prep(struct ver *v, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v2(v->lg->db, sql, -1, st, NULL) != SQLITE_OK)
		return is_ledger_fail(v->lg, v->err, "cannot read the ledger");
	return 0;
}

static int64_t sequence_of(struct ver *v, const char *table)
{
	sqlite3_stmt *st;
	int64_t n = 0;

	if (prep(v, &st, "SELECT seq FROM sqlite_sequence WHERE name = ?") < 0)
		return -1;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void gap(struct ver *v, const char *table, int64_t last, int64_t seq)
{
	if (seq > last + 1)
		problem(v, table, last + 1, seq - 1, "removed", "%s missing from the sequence",
		        seq - 1 > last + 1 ? "rows are" : "a row is");
}

static int check_quick(struct ver *v)
{
	sqlite3_stmt *st;
	int rc;

	if (prep(v, &st, "PRAGMA quick_check") < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);

		if (t && strcmp(t, "ok"))
			problem(v, "database", 0, 0, "corrupt", "%s", t);
	}
	sqlite3_finalize(st);
	return 0;
}

static int check_triggers(struct ver *v)
{
	static const char *const kinds[] = { "update", "delete" };
	sqlite3_stmt *st;
	size_t i, k;

	if (prep(v, &st, "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND "
	         "name = ?") < 0)
		return -1;
	for (i = 0; is_ledger_tables[i]; i++)
		for (k = 0; k < 2; k++) {
			char name[64];

			snprintf(name, sizeof(name), "%s_no_%s", is_ledger_tables[i], kinds[k]);
			sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(st) != SQLITE_ROW)
				problem(v, is_ledger_tables[i], 0, 0, "trigger-missing",
				        "the trigger '%s' is gone: rows can be changed in "
				        "place", name);
			sqlite3_reset(st);
		}
	sqlite3_finalize(st);
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
	sqlite3_stmt *st;
	char *sql = sqlite3_mprintf("SELECT seq, %s, prev_hash, hash FROM %s ORDER BY seq",
	                            cols, table);
	int rc, i;

	rc = prep(v, &st, sql);
	sqlite3_free(sql);
	if (rc < 0)
		return -1;
	memcpy(expect, is_ledger_genesis, 65);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct is_ledger_row row;
		const char *prev = (const char *)sqlite3_column_text(st, ncols + 1);
		const char *hash = (const char *)sqlite3_column_text(st, ncols + 2);
		int inserted = 0;

		(*count)++;
		memset(&row, 0, sizeof(row));
		row.seq = sqlite3_column_int64(st, 0);
		row.ncols = ncols;
		for (i = 0; i < ncols; i++) {
			int type = sqlite3_column_type(st, i + 1);

			row.col[i].is_null = type == SQLITE_NULL;
			row.col[i].is_num = type == SQLITE_INTEGER;
			row.col[i].num = sqlite3_column_int64(st, i + 1);
			row.col[i].text = (const char *)sqlite3_column_text(st, i + 1);
			row.col[i].len = (size_t)sqlite3_column_bytes(st, i + 1);
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
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return is_ledger_fail(v->lg, v->err, "cannot read the ledger");
	if ((top = sequence_of(v, table)) < 0)
		return -1;
	gap(v, table, last, top + 1);
	return 0;
}

static int check_gaps(struct ver *v, const char *table, long *count)
{
	char *sql = sqlite3_mprintf("SELECT seq FROM %s ORDER BY seq", table);
	int64_t last = 0, top;
	sqlite3_stmt *st;
	int rc = prep(v, &st, sql);

	sqlite3_free(sql);
	if (rc < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(st, 0);

		if (count)
			(*count)++;
		gap(v, table, last, seq);
		last = seq;
	}
	sqlite3_finalize(st);
	if ((top = sequence_of(v, table)) < 0)
		return -1;
	gap(v, table, last, top + 1);
	return 0;
}

static int differ(const char *a, const unsigned char *b)
{
	if (!a || !b)
		return !a != !b;
	return strcmp(a, (const char *)b) != 0;
}

/* The dependencies stored for state seq, against the event's deps. */
static int deps_differ(sqlite3_stmt *deps, int64_t seq, const json_t *want)
{
	size_t i = 0, n = json_array_size(want);
	int bad = 0;

	sqlite3_bind_int64(deps, 1, seq);
	while (sqlite3_step(deps) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(deps, 0);

		while (i < n && !json_is_string(json_array_get(want, i)))
			i++;
		if (i >= n || differ(json_string_value(json_array_get(want, i)),
		                     (const unsigned char *)d))
			bad = 1;
		i++;
	}
	while (i < n && !json_is_string(json_array_get(want, i)))
		i++;
	sqlite3_reset(deps);
	return bad || i < n;
}

static void check_state_row(struct ver *v, sqlite3_stmt *st, sqlite3_stmt *get,
                            sqlite3_stmt *deps)
{
	int64_t seq = sqlite3_column_int64(st, 0), ev = sqlite3_column_int64(st, 10);
	struct is_ledger_state want;
	json_t *rec = NULL;

	if (sqlite3_column_type(st, 10) == SQLITE_NULL) {
		problem(v, "states", seq, 0, "inserted", "no event made this state");
		return;
	}
	sqlite3_bind_int64(get, 1, ev);
	if (sqlite3_step(get) == SQLITE_ROW)
		rec = json_loads((const char *)sqlite3_column_text(get, 0), 0, NULL);
	sqlite3_reset(get);
	if (!rec) {
		problem(v, "states", seq, 0, "inserted", "its event (run_events seq %lld) "
		        "is missing or unreadable", (long long)ev);
		return;
	}
	if (!is_ledger_state_from_event(rec, &want)) {
		problem(v, "states", seq, 0, "inserted", "its event (run_events seq %lld) "
		        "makes no state", (long long)ev);
	} else if (differ(want.resource, sqlite3_column_text(st, 1)) ||
	           differ(want.kind, sqlite3_column_text(st, 2)) ||
	           differ(want.run, sqlite3_column_text(st, 3)) ||
	           differ(want.at, sqlite3_column_text(st, 4)) ||
	           want.deleted != sqlite3_column_int(st, 5) ||
	           differ(want.hash, sqlite3_column_text(st, 6)) ||
	           differ(want.spec, sqlite3_column_text(st, 7)) ||
	           differ(want.outputs, sqlite3_column_text(st, 8)) ||
	           differ(want.labels, sqlite3_column_text(st, 9))) {
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
	sqlite3_stmt *st = NULL, *get = NULL, *deps = NULL;
	int rc = -1;

	if (prep(v, &st, "SELECT seq, resource, kind, run, at, deleted, hash, spec, "
	         "outputs, labels, event FROM states ORDER BY seq") < 0 ||
	    prep(v, &get, "SELECT record FROM run_events WHERE seq = ?") < 0 ||
	    prep(v, &deps, "SELECT depends_on FROM state_dependencies WHERE "
	         "state_seq = ? ORDER BY rowid") < 0)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		v->rows[2]++;
		check_state_row(v, st, get, deps);
	}
	sqlite3_finalize(st);
	/* A second state of one event. */
	if (prep(v, &st, "SELECT max(seq), event FROM states WHERE event IS NOT NULL "
	         "GROUP BY event HAVING count(*) > 1") < 0)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW)
		problem(v, "states", sqlite3_column_int64(st, 0), 0, "inserted",
		        "a second state of run_events seq %lld",
		        (long long)sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	/* An event whose state is gone. */
	if (prep(v, &st, "SELECT seq, record FROM run_events e WHERE status = 'READY' "
	         "AND NOT EXISTS (SELECT 1 FROM states s WHERE s.event = e.seq) "
	         "ORDER BY seq") < 0)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *rec = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
		struct is_ledger_state want;

		if (rec && is_ledger_state_from_event(rec, &want)) {
			problem(v, "states", 0, 0, "removed", "the state that run_events seq "
			        "%lld made (%s) is missing", (long long)sqlite3_column_int64(st, 0),
			        want.resource);
			is_ledger_state_release(&want);
		}
		json_decref(rec);
	}
	sqlite3_finalize(st);
	/* Dependencies of no state. */
	if (prep(v, &st, "SELECT state_seq FROM state_dependencies d WHERE NOT EXISTS "
	         "(SELECT 1 FROM states s WHERE s.seq = d.state_seq)") < 0)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW)
		problem(v, "state_dependencies", 0, 0, "inserted", "a dependency of state "
		        "seq %lld, which does not exist", (long long)sqlite3_column_int64(st, 0));
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(get);
	sqlite3_finalize(deps);
	return rc;
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
	if (is_ledger_exec(lg, "BEGIN", err) < 0)
		return -1;
	rc = check_quick(&v) < 0 || check_triggers(&v) < 0 ||
	     check_chain(&v, "runs", "run, phase, status, at, record", 5, &v.rows[0]) < 0 ||
	     check_chain(&v, "run_events", "run, event_seq, at, resource, status, action, "
	                 "record", 7, &v.rows[1]) < 0 ||
	     check_gaps(&v, "states", NULL) < 0 || check_states(&v) < 0 ||
	     check_gaps(&v, "locks", &v.rows[3]) < 0 || check_gaps(&v, "run_ids", NULL) < 0
	     ? -1 : 0;
	is_ledger_exec(lg, "COMMIT", err);
	if (rc < 0)
		return -1;
	fprintf(out, "{\"type\":\"verify\",\"v\":1,\"ok\":%s,\"problems\":%ld,\"runs\":%ld,"
	        "\"events\":%ld,\"states\":%ld,\"locks\":%ld}\n",
	        v.problems ? "false" : "true", v.problems, v.rows[0], v.rows[1], v.rows[2],
	        v.rows[3]);
	return v.problems;
}
