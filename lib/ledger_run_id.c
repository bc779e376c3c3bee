/*
 * Run ids from the ledger: the next value of run_ids' sequence, bit-reversed
 * (run_id.c). The check of the sequence's end and the insert are one
 * IMMEDIATE transaction, and run_ids.run is UNIQUE, so two pipelines that ask
 * one ledger at once get two different ids.
 */
#include <string.h>

#include "ledger.h"
#include "run_id.h"
#include "banned.h"

int is_ledger_next_run_id(struct is_ledger *lg, const char *owner, uint64_t *id,
                          struct is_error *err)
{
	sqlite3_stmt *st = NULL;
	char run[21], now[32];
	int64_t seq = 0;

	if (is_ledger_begin(lg, err) < 0)
		return -1;
	/* max() over the table and sqlite_sequence: a removed last row is never
	 * handed out again. */
	if (sqlite3_prepare_v2(lg->db, "SELECT max(coalesce((SELECT max(seq) FROM run_ids), 0), "
	                       "coalesce((SELECT seq FROM sqlite_sequence WHERE name = "
	                       "'run_ids'), 0))", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto fail;
	seq = sqlite3_column_int64(st, 0) + 1;
	sqlite3_finalize(st);
	*id = is_run_id_from_sequence((uint64_t)seq);
	is_run_id_format(*id, run);
	is_ledger_now(now);
	if (sqlite3_prepare_v2(lg->db, "INSERT INTO run_ids(seq, run, at, owner) "
	                       "VALUES (?,?,?,?)", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, run, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	if (owner)
		sqlite3_bind_text(st, 4, owner, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return is_ledger_commit(lg, err);
fail:
	is_ledger_fail(lg, err, "cannot allocate a run id");
	sqlite3_finalize(st);
	is_ledger_rollback(lg);
	return -1;
}
