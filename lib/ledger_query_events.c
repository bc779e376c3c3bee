/*
 * "is-ledger events [--run ID] [--follow]": the records of one run as they
 * were stored (its start record, its events in order, its end record), so
 * that is-stream can replay it. Without --run, the run that started last.
 *
 * --follow is tail -f for a run: the query polls the database every
 * interval (a read transaction each time, so it sees every commit of a
 * writer in another process, and never blocks one: WAL), writes what is new,
 * and stops after the run's end record, at a signal that sets q->stop, or
 * when its reader has gone away. The cursor is run_events.seq, the order of
 * the commits, so no event is written twice or skipped.
 */
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ledger_query.h"
#include "banned.h"

static const struct is_table_col event_cols[] = {
	{ "AT", "at", IS_COL_TIME },
	{ "SEQ", "seq", IS_COL_TEXT },
	{ "ID", "id", IS_COL_TEXT },
	{ "STATUS", "status", IS_COL_TEXT },
	{ "ACTION", "action", IS_COL_TEXT },
	{ "ELAPSED", "elapsed_ms", IS_COL_MS },
	{ "ERROR", "error", IS_COL_TEXT },
	{ NULL, NULL, 0 }
};

struct follow {
	const struct is_ledger_query *q;
	struct is_ledger_out *out;
	char run[64];
	int have_run, started, ended;
	int64_t cursor;
	struct is_db_stmt *start, *events, *end, *latest;
};

/* In a table, only events are rows; NDJSON has every record. */
static int emit(struct follow *f, struct is_db_stmt *st, int col, int is_event)
{
	const char *text = (const char *)is_db_column_text(st, col);

	if (!text || (f->out->table && !is_event))
		return 0;
	return is_ledger_out_text(f->out, text, (size_t)is_db_column_bytes(st, col));
}

static int step_error(struct follow *f, int rc, struct is_error *err)
{
	if (rc == IS_DB_DONE || rc == IS_DB_ROW)
		return 0;
	return is_ledger_fail(f->q->lg, err, "cannot read the events");
}

/* One poll, inside a read transaction. Returns 0 or -1. */
static int poll_once(struct follow *f, struct is_error *err)
{
	int rc;

	if (!f->have_run) {
		is_db_reset(f->latest);
		if ((rc = is_db_step(f->latest)) == IS_DB_ROW) {
			snprintf(f->run, sizeof(f->run), "%s",
			         (const char *)is_db_column_text(f->latest, 0));
			f->have_run = 1;
			is_db_bind_text(f->start, 1, f->run, (size_t)-1);
			is_db_bind_text(f->events, 1, f->run, (size_t)-1);
			is_db_bind_text(f->end, 1, f->run, (size_t)-1);
		} else if (step_error(f, rc, err) < 0) {
			return -1;
		}
		if (!f->have_run)
			return 0;
	}
	if (!f->started) {
		is_db_reset(f->start);
		if ((rc = is_db_step(f->start)) == IS_DB_ROW) {
			f->started = 1;
			if (emit(f, f->start, 0, 0) < 0)
				return -1;
		} else if (step_error(f, rc, err) < 0) {
			return -1;
		}
	}
	is_db_reset(f->events);
	is_db_bind_int64(f->events, 2, f->cursor);
	while ((rc = is_db_step(f->events)) == IS_DB_ROW) {
		f->cursor = is_db_column_int64(f->events, 0);
		f->started = 1;
		if (emit(f, f->events, 1, 1) < 0)
			return -1;
	}
	if (step_error(f, rc, err) < 0)
		return -1;
	is_db_reset(f->end);
	if ((rc = is_db_step(f->end)) == IS_DB_ROW) {
		f->ended = f->started = 1;
		if (emit(f, f->end, 0, 0) < 0)
			return -1;
	}
	return step_error(f, rc, err);
}

/* A pipe whose reader has closed it polls as POLLERR: nothing more to do. */
static int reader_gone(FILE *fp)
{
	struct pollfd p = { fileno(fp), 0, 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP | POLLNVAL));
}

static void pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	/* A signal ends the pause early: the loop then sees q->stop. */
	nanosleep(&ts, NULL);
}

static int prepare_all(struct follow *f, struct is_error *err)
{
	const struct is_ledger_query *q = f->q;

	if (is_ledger_query_prepare(q, "SELECT record FROM runs WHERE run = ?1 "
	                            "AND phase = 'start'", &f->start, err) < 0 ||
	    is_ledger_query_prepare_big(q, "SELECT seq, record FROM run_events WHERE "
	                            "run = ?1 AND seq > ?2 ORDER BY seq", &f->events,
	                            err) < 0 ||
	    is_ledger_query_prepare(q, "SELECT record FROM runs WHERE run = ?1 "
	                            "AND phase = 'end'", &f->end, err) < 0 ||
	    is_ledger_query_prepare(q, "SELECT run FROM runs ORDER BY at DESC, "
	                            "seq DESC LIMIT 1", &f->latest, err) < 0)
		return -1;
	return 0;
}

int is_ledger_query_events(const struct is_ledger_query *q, struct is_error *err)
{
	struct is_ledger_out out;
	struct follow f;
	int rc = 0, gone = 0, interval = q->interval_ms > 0 ? q->interval_ms : 100;

	memset(&f, 0, sizeof(f));
	f.q = q;
	f.out = &out;
	if (is_ledger_open(q->lg, err) < 0)
		return -1;
	is_ledger_out_init(&out, q, event_cols, q->follow);
	if (prepare_all(&f, err) < 0) {
		rc = -1;
		goto done;
	}
	if (q->run) {
		snprintf(f.run, sizeof(f.run), "%s", q->run);
		f.have_run = 1;
		is_db_bind_text(f.start, 1, f.run, (size_t)-1);
		is_db_bind_text(f.events, 1, f.run, (size_t)-1);
		is_db_bind_text(f.end, 1, f.run, (size_t)-1);
	}
	for (;;) {
		if (is_db_begin_read(q->lg->db) < 0) {
			rc = is_ledger_fail(q->lg, err, "cannot start a read transaction");
			break;
		}
		rc = poll_once(&f, err);
		/* A statement left on a row would hold its snapshot past COMMIT. */
		is_db_reset(f.start);
		is_db_reset(f.events);
		is_db_reset(f.end);
		is_db_reset(f.latest);
		is_ledger_query_end(q);
		if (rc < 0)
			break;
		if (is_ledger_out_flush(&out) < 0) {
			/* The reader of a follow went away: that ends it, quietly. */
			if (!q->follow)
				rc = is_error_set(err, "output", NULL, 0, 0,
				                  "cannot write the output");
			gone = 1;
			break;
		}
		if (!q->follow || f.ended || (q->stop && *q->stop) || reader_gone(q->fp))
			break;
		pause_ms(interval);
		if (q->stop && *q->stop)
			break;
	}
	if (rc == 0 && !q->follow && !f.started)
		rc = is_error_set(err, "ledger-no-run", NULL, 0, 0, q->run ?
		                  "no run '%s' in the ledger (see 'is-ledger runs')" :
		                  "no runs in the ledger yet%s", q->run ? q->run : "");
done:
	is_db_finalize(f.start);
	is_db_finalize(f.events);
	is_db_finalize(f.end);
	is_db_finalize(f.latest);
	if (rc < 0 || gone) {
		is_ledger_out_release(&out);
		return rc;
	}
	return is_ledger_out_finish(&out, err);
}
