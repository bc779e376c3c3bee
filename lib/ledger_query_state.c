/*
 * "is-ledger state": the state records of what existed at an instant (now,
 * --at TIME, or the end of --run ID), which "is-graph --prior" plans against;
 * and "is-ledger history ID": every version of one resource, tombstones
 * included, oldest first.
 */
#include <string.h>

#include "ledger_intent.h"
#include "ledger_query.h"
#include "banned.h"

static const struct is_table_col state_cols[] = {
	{ "ID", "id", IS_COL_TEXT },
	{ "KIND", "kind", IS_COL_TEXT },
	{ "HASH", "hash", IS_COL_HASH },
	{ "RUN", "run", IS_COL_TEXT },
	{ "AT", "at", IS_COL_TIME },
	{ "DEPS", "deps", IS_COL_LIST },
	{ NULL, NULL, 0 }
};

static const struct is_table_col history_cols[] = {
	{ "AT", "at", IS_COL_TIME },
	{ "RUN", "run", IS_COL_TEXT },
	{ "HASH", "hash", IS_COL_HASH },
	{ "DELETED", "deleted", IS_COL_FLAG },
	{ "OUTPUTS", "outputs", IS_COL_TEXT },
	{ NULL, NULL, 0 }
};

static int emit_state(struct is_ledger_out *o, const struct is_ledger_version *s,
                      struct is_strbuf *sb)
{
	is_strbuf_reset(sb);
	is_ledger_version_record(s, sb);
	return is_ledger_out_text(o, sb->buf, sb->len);
}

int is_ledger_query_state(const struct is_ledger_query *q, struct is_error *err)
{
	struct is_ledger_snapshot snap;
	struct is_ledger_out out;
	struct is_ledger_pending *pending;
	size_t npending;
	char at[32];
	int rc = 0;

	if (is_ledger_query_begin(q, err) < 0)
		return -1;
	if (is_ledger_query_instant(q, q->at, q->run, at, err) < 0 ||
	    is_ledger_snapshot_load(q, at, q->nids ? q->ids : NULL, q->nids, 0, &snap,
	                            err) < 0) {
		is_ledger_query_end(q);
		return -1;
	}
	if (is_ledger_pending_load(q->lg, at, &pending, &npending, err) < 0) {
		is_ledger_query_end(q);
		is_ledger_snapshot_release(&snap);
		return -1;
	}
	is_ledger_query_end(q);
	is_ledger_out_init(&out, q, state_cols, 0);
	rc = is_ledger_state_write(&out, &snap, pending,
	                           is_ledger_pending_keep(pending, npending, q->ids, q->nids));
	is_ledger_pending_free(pending, npending);
	is_ledger_snapshot_release(&snap);
	if (rc < 0) {
		is_ledger_out_release(&out);
		return is_error_set(err, "output", NULL, 0, 0, "cannot write the output");
	}
	return is_ledger_out_finish(&out, err);
}

int is_ledger_query_history(const struct is_ledger_query *q, struct is_error *err)
{
	static const char sql[] =
		"SELECT " IS_LEDGER_STATE_COLUMNS " FROM states s WHERE s.resource = ?1"
		" ORDER BY s.at, s.seq";
	struct is_ledger_version s;
	struct is_ledger_out out;
	struct is_strbuf sb = IS_STRBUF_INIT;
	struct is_db_stmt *st;
	int rc = 0, step = IS_DB_DONE, n = 0;

	if (is_ledger_query_begin(q, err) < 0)
		return -1;
	if (is_ledger_query_prepare_big(q, sql, &st, err) < 0) {
		is_ledger_query_end(q);
		return -1;
	}
	is_db_bind_text(st, 1, q->operand, (size_t)-1);
	memset(&s, 0, sizeof(s));
	is_ledger_out_init(&out, q, history_cols, 0);
	is_strbuf_init(&sb, 1024);
	while (rc == 0 && (step = is_db_step(st)) == IS_DB_ROW) {
		is_ledger_version_from_row(&s, st);
		rc = emit_state(&out, &s, &sb);
		n++;
	}
	if (rc == 0 && step != IS_DB_DONE)
		rc = is_ledger_fail(q->lg, err, "cannot read the history");
	else if (rc < 0)
		is_error_set(err, "output", NULL, 0, 0, "cannot write the output");
	else if (!n)
		rc = is_error_set(err, "ledger-no-resource", NULL, 0, 0,
		                  "no resource '%s' in the ledger (ids are Kind/name)",
		                  q->operand);
	is_db_finalize(st);
	is_ledger_query_end(q);
	is_ledger_version_release(&s);
	is_strbuf_release(&sb);
	if (rc < 0) {
		is_ledger_out_release(&out);
		return -1;
	}
	return is_ledger_out_finish(&out, err);
}
