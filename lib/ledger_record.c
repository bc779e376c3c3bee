/*
 * is-ledger record: records in, the same records out once they are durable.
 *
 * Stored records are written in batches: one write transaction holds up
 * to batch_records records or batch_ms milliseconds of them, and is committed
 * at once when the input would block, so a slow trickle of events still
 * reaches the next stage within a commit's time while a busy stream pays one
 * fsync per batch. Every line read is held back until the batch that holds it
 * (or precedes it) has committed, so output order is input order and nothing
 * is passed on that a crash could still lose. The write lock is never held
 * while waiting for input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger.h"
#include "ledger_checkpoint.h"
#include "ndjson.h"
#include "strbuf.h"
#include "strmap.h"
#include "xalloc.h"
#include "banned.h"

enum run_mark {
	RUN_NEW = 1,      /* its start was stored by this process, or never seen */
	RUN_KNOWN,        /* already in the ledger before: look for replays */
	RUN_REFUSED,      /* a collision: its records are not stored */
};

struct rec {
	struct is_ledger *lg;
	const struct is_ledger_record_config *cfg;
	struct is_ledger_record_summary *sum;
	struct is_error *err;
	int failed, in_tx, nbatch;
	int64_t t_batch;
	struct is_strbuf pending;     /* lines waiting for the commit, '\n' each */
	char ev_prev[65], run_prev[65];
	int64_t ev_next, run_next, state_next;
	int64_t states_checked;       /* sum->states when a checkpoint was last considered */
	struct is_ledger_checkpointer *checkpointer;   /* owned; made when first needed */
	struct is_db_stmt *ins_run, *ins_event, *ins_state, *ins_dep, *get_run, *get_event;
	struct is_strmap runs;        /* run id -> (void *)(intptr_t)enum run_mark */
};

static void report(struct rec *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void report(struct rec *r, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = is_xvasprintf(fmt, ap);
	va_end(ap);
	if (r->cfg->report)
		r->cfg->report(r->cfg->report_ctx, msg);
	free(msg);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fail(struct rec *r, const char *what)
{
	if (!r->failed)
		is_ledger_fail(r->lg, r->err, what);
	r->failed = 1;
	is_ledger_rollback(r->lg);
	r->in_tx = 0;
	return -1;
}

static int prepare(struct rec *r, struct is_db_stmt **st, const char *sql)
{
	if (is_db_prepare(r->lg->db, sql, IS_DB_PERSISTENT, st) < 0)
		return fail(r, "cannot prepare a statement");
	return 0;
}

static int prepare_all(struct rec *r)
{
	return prepare(r, &r->ins_run, "INSERT INTO runs(seq, run, phase, status, at, "
	               "record, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)") < 0 ||
	       prepare(r, &r->ins_event, "INSERT INTO run_events(seq, run, event_seq, at, "
	               "resource, status, action, record, prev_hash, hash) "
	               "VALUES (?,?,?,?,?,?,?,?,?,?)") < 0 ||
	       prepare(r, &r->ins_state, "INSERT INTO states(seq, resource, kind, run, at, "
	               "deleted, hash, spec, outputs, labels, event) "
	               "VALUES (?,?,?,?,?,?,?,?,?,?,?)") < 0 ||
	       prepare(r, &r->ins_dep, "INSERT INTO state_dependencies(state_seq, "
	               "depends_on) VALUES (?,?)") < 0 ||
	       prepare(r, &r->get_run, "SELECT record FROM runs WHERE run = ? AND "
	               "phase = ?") < 0 ||
	       prepare(r, &r->get_event, "SELECT record FROM run_events WHERE run = ? "
	               "AND event_seq = ? LIMIT 1") < 0 ? -1 : 0;
}

static void finalize_all(struct rec *r)
{
	is_db_finalize(r->ins_run);
	is_db_finalize(r->ins_event);
	is_db_finalize(r->ins_state);
	is_db_finalize(r->ins_dep);
	is_db_finalize(r->get_run);
	is_db_finalize(r->get_event);
}

/*
 * The end of one chain: the hash of its last row and the seq the next row
 * takes. The sequence remembers the highest seq ever used, so a removed last
 * row leaves a gap verify can see instead of being silently reused.
 */
static int chain_tail(struct rec *r, const char *table, char prev[65], int64_t *next)
{
	char *sql = is_xasprintf("SELECT hash FROM %s ORDER BY seq DESC LIMIT 1", table);
	struct is_db_stmt *st;
	const char *h;
	int rc = is_db_prepare(r->lg->db, sql, 0, &st);

	free(sql);
	if (rc < 0)
		return fail(r, "cannot read the end of the chain");
	rc = is_db_step(st);
	h = rc == IS_DB_ROW ? is_db_column_text(st, 0) : NULL;
	snprintf(prev, 65, "%s", h ? h : is_ledger_genesis);
	is_db_finalize(st);
	if (rc == IS_DB_ERROR)
		return fail(r, "cannot read the end of the chain");
	if ((*next = is_ledger_sequence_next(r->lg, table, r->err)) < 0) {
		r->failed = 1;
		return fail(r, "cannot read the end of the chain");
	}
	return 0;
}

static int begin(struct rec *r)
{
	if (r->in_tx)
		return 0;
	if (is_ledger_begin(r->lg, r->err) < 0) {
		r->failed = 1;
		return -1;
	}
	r->in_tx = 1;
	r->nbatch = 0;
	r->t_batch = mono_ms();
	if (chain_tail(r, "run_events", r->ev_prev, &r->ev_next) < 0 ||
	    chain_tail(r, "runs", r->run_prev, &r->run_next) < 0)
		return -1;
	if ((r->state_next = is_ledger_sequence_next(r->lg, "states", r->err)) < 0) {
		r->failed = 1;
		return fail(r, "cannot read the end of the states");
	}
	return 0;
}

static void write_out(struct rec *r, const char *text, size_t len)
{
	if (r->sum->output_closed)
		return;
	if (fwrite(text, 1, len, r->cfg->out) != len) {
		r->sum->output_closed = 1;
		report(r, "standard output is closed (%s): recording goes on",
		       strerror(errno));
	}
}

/*
 * After a commit and its output: a checkpoint when enough states have come
 * (every so many of this writer's, and at its end, so short runs add up).
 * Its own transaction, so it never holds records back; a failure costs only
 * query speed.
 */
static void checkpoint(struct rec *r, int at_end)
{
	int64_t min = is_ledger_checkpoint_min_rows(), fresh = r->sum->states - r->states_checked;

	if (r->failed || min <= 0 || !fresh || (!at_end && fresh < min))
		return;
	r->states_checked = r->sum->states;
	if (!r->checkpointer)
		r->checkpointer = is_ledger_checkpointer_new();
	if (is_ledger_checkpoint_maybe(r->lg->db, r->checkpointer) < 0)
		report(r, "cannot write a checkpoint (%s): queries stay right, only slower",
		       is_db_errmsg(r->lg->db));
}

/* Commits the batch, then passes on the lines it held back, and flushes. */
static int commit(struct rec *r)
{
	if (r->in_tx) {
		if (is_ledger_commit(r->lg, r->err) < 0) {
			r->failed = 1;
			r->in_tx = 0;
			return -1;
		}
		r->in_tx = 0;
		r->nbatch = 0;
	}
	if (r->pending.len) {
		write_out(r, r->pending.buf, r->pending.len);
		is_strbuf_reset(&r->pending);
	}
	if (!r->sum->output_closed && fflush(r->cfg->out) != 0) {
		r->sum->output_closed = 1;
		report(r, "standard output is closed (%s): recording goes on",
		       strerror(errno));
	}
	checkpoint(r, 0);
	return 0;
}

static void before_block(void *ctx)
{
	struct rec *r = ctx;

	if (!r->failed)
		commit(r);
}

static void bind_text(struct is_db_stmt *st, int i, const char *s)
{
	is_db_bind_text(st, i, s, (size_t)-1);
}

static int step(struct rec *r, struct is_db_stmt *st, const char *what)
{
	int rc = is_db_step(st);

	if (rc == IS_DB_DONE) {
		is_db_reset(st);
		return 0;
	}
	fail(r, what);
	is_db_reset(st);
	return -1;
}

/* The text of the stored row found by st, compared with text: 1 same, 0 other
 * text, -1 no row (or an error, then r->failed). */
static int stored_same(struct rec *r, struct is_db_stmt *st, const char *text, size_t len)
{
	int rc = is_db_step(st), same = -1;

	if (rc == IS_DB_ROW && is_db_column_text(st, 0)) {
		const char *t = is_db_column_text(st, 0);
		size_t n = (size_t)is_db_column_bytes(st, 0);

		same = n == len && !memcmp(t, text, len);
	} else if (rc == IS_DB_ERROR) {
		fail(r, "cannot look up a stored record");
	} else if (rc == IS_DB_ROW) {
		same = 0;
	}
	is_db_reset(st);
	return same;
}

static enum run_mark mark_of(struct rec *r, const char *run)
{
	intptr_t m = (intptr_t)is_strmap_get(&r->runs, run);
	int same;

	if (m)
		return (enum run_mark)m;
	/* A run this process has not seen start: known when its start is stored. */
	is_db_bind_text(r->get_run, 1, run, (size_t)-1);
	is_db_bind_text(r->get_run, 2, "start", (size_t)-1);
	same = stored_same(r, r->get_run, "", 0);
	m = same >= 0 ? RUN_KNOWN : RUN_NEW;
	is_strmap_put(&r->runs, run, (void *)m);
	return (enum run_mark)m;
}

static int store_run(struct rec *r, const json_t *rec, const char *text, size_t len)
{
	const char *run = json_string_value(json_object_get(rec, "run"));
	const char *phase = json_string_value(json_object_get(rec, "phase"));
	const char *at = json_string_value(json_object_get(rec, "at"));
	const char *status = json_string_value(json_object_get(rec, "status"));
	struct is_ledger_row row;
	char now[32], hash[65];
	int same;

	if (!run || !phase || (strcmp(phase, "start") && strcmp(phase, "end")))
		return 0;
	if (begin(r) < 0)
		return -1;
	if (!strcmp(phase, "end") && mark_of(r, run) == RUN_REFUSED)
		return 0;
	if (r->failed)
		return -1;
	is_db_bind_text(r->get_run, 1, run, (size_t)-1);
	is_db_bind_text(r->get_run, 2, phase, (size_t)-1);
	if ((same = stored_same(r, r->get_run, text, len)) == 1) {
		r->sum->replayed++;
		is_strmap_put(&r->runs, run, (void *)(intptr_t)RUN_KNOWN);
		return 0;
	}
	if (r->failed)
		return -1;
	if (same == 0) {
		report(r, "run %s: another run with this id is already recorded: its "
		       "records are passed on but not stored (allocate ids with "
		       "'is-ledger next-run-id')", run);
		r->sum->errors++;
		is_strmap_put(&r->runs, run, (void *)(intptr_t)RUN_REFUSED);
		return 0;
	}
	if (!strcmp(phase, "start"))
		is_strmap_put(&r->runs, run, (void *)(intptr_t)RUN_NEW);
	if (!at) {
		is_ledger_now(now);
		at = now;
	}
	memset(&row, 0, sizeof(row));
	row.seq = r->run_next;
	row.ncols = 5;
	row.col[0].text = run;
	row.col[1].text = phase;
	row.col[2].text = status;
	row.col[2].is_null = !status;
	row.col[3].text = at;
	row.col[4].text = text;   /* not NUL-terminated: the reader's line */
	row.col[4].len = len;
	is_ledger_row_hash(r->run_prev, &row, hash);
	is_db_bind_int64(r->ins_run, 1, row.seq);
	bind_text(r->ins_run, 2, run);
	bind_text(r->ins_run, 3, phase);
	bind_text(r->ins_run, 4, status);
	bind_text(r->ins_run, 5, at);
	is_db_bind_text(r->ins_run, 6, text, len);
	bind_text(r->ins_run, 7, r->run_prev);
	bind_text(r->ins_run, 8, hash);
	if (step(r, r->ins_run, "cannot store a run record") < 0)
		return -1;
	memcpy(r->run_prev, hash, 65);
	r->run_next++;
	r->sum->runs++;
	r->nbatch++;
	return 0;
}

static int store_state(struct rec *r, const json_t *rec, int64_t event)
{
	struct is_ledger_state st;
	int64_t seq = r->state_next;
	size_t i;
	json_t *v;

	if (!is_ledger_state_from_event(rec, &st))
		return 0;
	is_db_bind_int64(r->ins_state, 1, seq);
	bind_text(r->ins_state, 2, st.resource);
	bind_text(r->ins_state, 3, st.kind);
	bind_text(r->ins_state, 4, st.run);
	bind_text(r->ins_state, 5, st.at);
	is_db_bind_int64(r->ins_state, 6, st.deleted);
	bind_text(r->ins_state, 7, st.hash);
	bind_text(r->ins_state, 8, st.spec);
	bind_text(r->ins_state, 9, st.outputs);
	bind_text(r->ins_state, 10, st.labels);
	is_db_bind_int64(r->ins_state, 11, event);
	if (step(r, r->ins_state, "cannot store a state") < 0) {
		is_ledger_state_release(&st);
		return -1;
	}
	r->state_next++;
	json_array_foreach(st.deps, i, v) {
		if (!json_is_string(v))
			continue;
		is_db_bind_int64(r->ins_dep, 1, seq);
		bind_text(r->ins_dep, 2, json_string_value(v));
		if (step(r, r->ins_dep, "cannot store a dependency") < 0) {
			is_ledger_state_release(&st);
			return -1;
		}
	}
	is_ledger_state_release(&st);
	r->sum->states++;
	return 0;
}

static int store_event(struct rec *r, const json_t *rec, const char *text, size_t len)
{
	const char *run = json_string_value(json_object_get(rec, "run"));
	const char *at = json_string_value(json_object_get(rec, "at"));
	const json_t *seqv = json_object_get(rec, "seq");
	struct is_ledger_row row;
	enum run_mark mark;
	char now[32], hash[65];
	int has_seq = json_is_integer(seqv);
	int64_t eseq = has_seq ? (int64_t)json_integer_value(seqv) : 0;
	int i;

	if (!run)
		return 0;
	if (begin(r) < 0)
		return -1;
	mark = mark_of(r, run);
	if (r->failed)
		return -1;
	if (mark == RUN_REFUSED)
		return 0;
	if (mark == RUN_KNOWN && has_seq) {
		int same;

		is_db_bind_text(r->get_event, 1, run, (size_t)-1);
		is_db_bind_int64(r->get_event, 2, eseq);
		same = stored_same(r, r->get_event, text, len);
		if (r->failed)
			return -1;
		if (same == 1) {
			r->sum->replayed++;
			return 0;
		}
		if (same == 0) {
			report(r, "run %s: event %lld differs from the one recorded: not stored",
			       run, (long long)eseq);
			r->sum->errors++;
			return 0;
		}
	}
	if (!at) {
		is_ledger_now(now);
		at = now;
	}
	memset(&row, 0, sizeof(row));
	row.seq = r->ev_next;
	row.ncols = 7;
	row.col[0].text = run;
	row.col[1].num = eseq;
	row.col[1].is_num = 1;
	row.col[1].is_null = !has_seq;
	row.col[2].text = at;
	row.col[3].text = json_string_value(json_object_get(rec, "id"));
	row.col[4].text = json_string_value(json_object_get(rec, "status"));
	row.col[5].text = json_string_value(json_object_get(rec, "action"));
	row.col[6].text = text;
	row.col[6].len = len;
	for (i = 3; i < 6; i++)
		row.col[i].is_null = !row.col[i].text;
	is_ledger_row_hash(r->ev_prev, &row, hash);
	is_db_bind_int64(r->ins_event, 1, row.seq);
	bind_text(r->ins_event, 2, run);
	if (has_seq)
		is_db_bind_int64(r->ins_event, 3, eseq);
	else
		is_db_bind_null(r->ins_event, 3);
	bind_text(r->ins_event, 4, at);
	bind_text(r->ins_event, 5, row.col[3].text);
	bind_text(r->ins_event, 6, row.col[4].text);
	bind_text(r->ins_event, 7, row.col[5].text);
	is_db_bind_text(r->ins_event, 8, text, len);
	bind_text(r->ins_event, 9, r->ev_prev);
	bind_text(r->ins_event, 10, hash);
	if (step(r, r->ins_event, "cannot store an event record") < 0)
		return -1;
	memcpy(r->ev_prev, hash, 65);
	r->ev_next++;
	r->sum->events++;
	r->nbatch++;
	return store_state(r, rec, row.seq);
}

/* Holds a line back until the batch in progress commits, or writes it now. */
static void pass(struct rec *r, const char *text, size_t len)
{
	if (r->in_tx || r->pending.len) {
		is_strbuf_add(&r->pending, text, len);
		is_strbuf_addch(&r->pending, '\n');
	} else {
		write_out(r, text, len);
		if (!r->sum->output_closed && fputc('\n', r->cfg->out) == EOF) {
			r->sum->output_closed = 1;
			report(r, "standard output is closed (%s): recording goes on",
			       strerror(errno));
		}
	}
	r->sum->passed++;
}

static int handle(struct rec *r, const json_t *rec, const char *text, size_t len)
{
	const char *type = rec ? json_string_value(json_object_get(rec, "type")) : NULL;
	int rc = 0;

	if (type && !strcmp(type, "run"))
		rc = store_run(r, rec, text, len);
	else if (type && !strcmp(type, "event"))
		rc = store_event(r, rec, text, len);
	if (rc < 0)
		return -1;
	pass(r, text, len);
	if (r->in_tx && (r->nbatch >= r->cfg->batch_records ||
	                 mono_ms() - r->t_batch >= r->cfg->batch_ms))
		return commit(r);
	return 0;
}

int is_ledger_record(struct is_ledger *lg, const struct is_ledger_record_config *cfg,
                     struct is_ledger_record_summary *sum, struct is_error *err)
{
	struct is_ndjson_reader rd;
	struct rec r;
	json_t *rec;
	int rc;

	memset(sum, 0, sizeof(*sum));
	memset(&r, 0, sizeof(r));
	r.lg = lg;
	r.cfg = cfg;
	r.sum = sum;
	r.err = err;
	is_strmap_init(&r.runs);
	is_strbuf_init(&r.pending, 1 << 16);
	is_ndjson_reader_init(&rd, cfg->in_fd, cfg->in_name);
	rd.before_block = before_block;
	rd.before_block_ctx = &r;
	if (prepare_all(&r) < 0)
		goto out;
	while (!(cfg->stop && *cfg->stop)) {
		struct is_error lerr = IS_ERROR_INIT;
		const char *text;
		size_t len;

		rc = is_ndjson_read(&rd, &rec, &lerr);
		if (rc == 0)
			break;
		if (rc < 0 && rd.read_error) {
			report(&r, "%s", lerr.message);
			sum->errors++;
			is_error_release(&lerr);
			break;
		}
		text = is_ndjson_text(&rd, &len);
		if (rc < 0) {
			/* Not a record: said once, passed on as it came. */
			report(&r, "%s:%ld: %s", rd.name, rd.line, lerr.message);
			sum->errors++;
			is_error_release(&lerr);
		}
		rc = handle(&r, rec, text, len);
		json_decref(rec);
		if (rc < 0)
			break;
	}
	if (!r.failed) {
		commit(&r);
		checkpoint(&r, 1);
	}
out:
	finalize_all(&r);
	is_ndjson_reader_release(&rd);
	is_strbuf_release(&r.pending);
	is_strmap_release(&r.runs);
	is_ledger_checkpointer_free(r.checkpointer);
	return r.failed ? -1 : 0;
}
