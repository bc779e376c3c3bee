/*
 * "is-ledger runs": one record per run, oldest first. Run ids are
 * bit-reversed sequence numbers, so they say nothing of order: runs are
 * sorted by the time of their start record. Each record is the run's start
 * record with its end record's fields laid over it, and "started" and
 * "ended" (null while it runs, or when its writer died before the end).
 */
#include <string.h>

#include "ledger_query.h"
#include "banned.h"

static const struct is_table_col run_cols[] = {
	{ "RUN", "run", IS_COL_TEXT },
	{ "STARTED", "started", IS_COL_TIME },
	{ "ELAPSED", "elapsed_ms", IS_COL_MS },
	{ "STATUS", "status", IS_COL_TEXT },
	{ "RESOURCES", "resources", IS_COL_TEXT },
	{ "READY", "ready", IS_COL_TEXT },
	{ "FAILED", "failed", IS_COL_TEXT },
	{ "SKIPPED", "skipped", IS_COL_TEXT },
	{ NULL, NULL, 0 }
};

static json_t *load(struct is_db_stmt *st, int col)
{
	const char *text = (const char *)is_db_column_text(st, col);
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;

	if (v && !json_is_object(v)) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

static json_t *merge(struct is_db_stmt *st)
{
	json_t *run = load(st, 2), *end = load(st, 4);
	const char *id = (const char *)is_db_column_text(st, 0);
	const char *started = (const char *)is_db_column_text(st, 1);
	const char *ended = (const char *)is_db_column_text(st, 3);

	if (!run)
		run = json_pack("{s:s, s:i, s:s}", "type", "run", "v", 1, "run", id ? id : "");
	if (end)
		json_object_update(run, end);
	json_decref(end);
	json_object_set_new(run, "started", started ? json_string(started) : json_null());
	json_object_set_new(run, "ended", ended ? json_string(ended) : json_null());
	return run;
}

int is_ledger_query_runs(const struct is_ledger_query *q, struct is_error *err)
{
	/* A run whose start record was never stored still lists, by its end. */
	static const char sql[] =
		"SELECT r.run, s.at, s.record, e.at, e.record FROM"
		" (SELECT run, min(at) AS first, min(seq) AS seq FROM runs GROUP BY run) r"
		" LEFT JOIN runs s ON s.run = r.run AND s.phase = 'start'"
		" LEFT JOIN runs e ON e.run = r.run AND e.phase = 'end'"
		" ORDER BY r.first, r.seq";
	struct is_ledger_out out;
	struct is_db_stmt *st;
	json_t *run;
	int rc = 0, step = IS_DB_DONE;

	if (is_ledger_query_begin(q, err) < 0)
		return -1;
	if (is_ledger_query_prepare_big(q, sql, &st, err) < 0) {
		is_ledger_query_end(q);
		return -1;
	}
	is_ledger_out_init(&out, q, run_cols, 0);
	while (rc == 0 && (step = is_db_step(st)) == IS_DB_ROW) {
		run = merge(st);
		rc = is_ledger_out_json(&out, run);
		json_decref(run);
	}
	if (rc < 0)
		is_error_set(err, "output", NULL, 0, 0, "cannot write the output");
	else if (step != IS_DB_DONE)
		rc = is_ledger_fail(q->lg, err, "cannot read the runs");
	is_db_finalize(st);
	is_ledger_query_end(q);
	if (rc < 0) {
		is_ledger_out_release(&out);
		return -1;
	}
	return is_ledger_out_finish(&out, err);
}
