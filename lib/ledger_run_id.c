/*
 * Run ids from the ledger: the next value of run_ids' sequence, bit-reversed
 * (run_id.c). The check of the sequence's end and the insert are one write
 * transaction (db.h: writers are serialised), and run_ids.run is UNIQUE, so two pipelines that ask
 * one ledger at once get two different ids.
 */
#include <string.h>

#include "ledger.h"
#include "run_id.h"
#include "banned.h"

int is_ledger_next_run_id(struct is_ledger *lg, const char *owner, uint64_t *id,
                          struct is_error *err)
{
	struct is_db_stmt *st = NULL;
	char run[21], now[32];
	int64_t seq = 0;

	if (is_ledger_begin(lg, err) < 0)
		return -1;
	/* Above the table and its sequence: a removed last row is never handed
	 * out again. */
	if ((seq = is_ledger_sequence_next(lg, "run_ids", err)) < 0) {
		is_ledger_rollback(lg);
		return -1;
	}
	*id = is_run_id_from_sequence((uint64_t)seq);
	is_run_id_format(*id, run);
	is_ledger_now(now);
	if (is_db_prepare(lg->db, "INSERT INTO run_ids(seq, run, at, owner) "
	                       "VALUES (?,?,?,?)", 0, &st) < 0)
		goto fail;
	is_db_bind_int64(st, 1, seq);
	is_db_bind_text(st, 2, run, (size_t)-1);
	is_db_bind_text(st, 3, now, (size_t)-1);
	if (owner)
		is_db_bind_text(st, 4, owner, (size_t)-1);
	if (is_db_step(st) != IS_DB_DONE)
		goto fail;
	is_db_finalize(st);
	return is_ledger_commit(lg, err);
fail:
	is_ledger_fail(lg, err, "cannot allocate a run id");
	is_db_finalize(st);
	is_ledger_rollback(lg);
	return -1;
}
