/*
 * The intents table (ledger_intent.h): written by is-exec before a provider
 * changes anything, read by "is-ledger state" to find what was left pending.
 */
#include <stdlib.h>
#include <string.h>

#include "ledger_intent.h"
#include "xalloc.h"
#include "banned.h"

/*
 * Version 4: intents. op is the action is-exec was about to carry out;
 * spec is the resource's spec as planned (references and secrets
 * unresolved, as in states), so that a resource whose create was cut short
 * can still be deleted.
 */
const char is_ledger_intent_sqlite_v4[] =
	"CREATE TABLE intents(\n"
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  run TEXT NOT NULL,\n"
	"  resource TEXT NOT NULL,\n"
	"  kind TEXT,\n"
	"  op TEXT NOT NULL CHECK (op IN ('create', 'update', 'replace', 'delete')),\n"
	"  hash TEXT,\n"
	"  spec TEXT,\n"
	"  at TEXT NOT NULL);\n"
	"CREATE INDEX intents_resource ON intents(resource, seq);\n";

#define TEXT "TEXT COLLATE \"C\""
const char is_ledger_intent_postgres_v4[] =
	"CREATE TABLE intents(\n"
	"  seq BIGINT PRIMARY KEY,\n"
	"  run " TEXT " NOT NULL,\n"
	"  resource " TEXT " NOT NULL,\n"
	"  kind " TEXT ",\n"
	"  op " TEXT " NOT NULL CHECK (op IN ('create', 'update', 'replace', 'delete')),\n"
	"  hash " TEXT ",\n"
	"  spec TEXT,\n"
	"  at " TEXT " NOT NULL);\n"
	"CREATE INDEX intents_resource ON intents(resource, seq);\n";
#undef TEXT

static const char insert_sql[] =
	"INSERT INTO intents(run, resource, kind, op, hash, spec, at)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

int is_ledger_intents_write(struct is_ledger *lg, const struct is_ledger_intent *v,
                            size_t n, struct is_error *err)
{
	struct is_db_stmt *st = NULL;
	char at[32];
	size_t i;

	if (is_ledger_open(lg, err) < 0)
		return -1;
	if (is_db_begin_write(lg->db) < 0)
		return is_ledger_fail(lg, err, "cannot record the intents");
	if (is_db_prepare(lg->db, insert_sql, IS_DB_PERSISTENT, &st) < 0)
		goto fail;
	is_ledger_now(at);
	for (i = 0; i < n; i++) {
		is_db_reset(st);
		is_db_bind_text(st, 1, v[i].run, (size_t)-1);
		is_db_bind_text(st, 2, v[i].resource, (size_t)-1);
		is_db_bind_text(st, 3, v[i].kind, (size_t)-1);
		is_db_bind_text(st, 4, v[i].op, (size_t)-1);
		is_db_bind_text(st, 5, v[i].hash, (size_t)-1);
		is_db_bind_text(st, 6, v[i].spec, v[i].spec ? v[i].spec_len : (size_t)-1);
		is_db_bind_text(st, 7, at, (size_t)-1);
		if (is_db_step(st) != IS_DB_DONE)
			goto fail;
	}
	is_db_finalize(st);
	if (is_db_commit(lg->db) < 0)
		return is_ledger_fail(lg, err, "cannot commit the intents");
	return 0;
fail:
	is_ledger_fail(lg, err, "cannot record the intents");
	is_db_finalize(st);
	is_db_rollback(lg->db);
	return -1;
}

/*
 * The latest intent of each resource (at or before ?1) that no state of
 * the same resource follows: the index intents(resource, seq) finds the
 * latest, states(resource, at, seq) the state after it.
 */
static const char pending_sql[] =
	"SELECT i.resource, i.kind, i.op, i.run, i.at, i.hash, i.spec FROM intents i"
	" WHERE i.at <= ?1"
	" AND i.seq = (SELECT max(j.seq) FROM intents j WHERE j.resource = i.resource"
	"  AND j.at <= ?1)"
	" AND NOT EXISTS (SELECT 1 FROM states s WHERE s.resource = i.resource"
	"  AND s.at >= i.at AND s.at <= ?1)"
	" ORDER BY i.resource";

static char *column(struct is_db_stmt *st, int i)
{
	const char *t = is_db_column_text(st, i);

	return t ? is_xstrndup(t, is_db_column_bytes(st, i)) : NULL;
}

int is_ledger_pending_load(struct is_ledger *lg, const char *at,
                           struct is_ledger_pending **out, size_t *n,
                           struct is_error *err)
{
	struct is_ledger_pending *v = NULL;
	struct is_db_stmt *st;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (is_db_prepare(lg->db, pending_sql, 0, &st) < 0)
		return is_ledger_fail(lg, err, "cannot read the intents");
	is_db_bind_text(st, 1, at, (size_t)-1);
	while ((rc = is_db_step(st)) == IS_DB_ROW) {
		struct is_ledger_pending *p;

		v = is_xgrow(v, &cap, *n + 1, sizeof(*v));
		p = &v[(*n)++];
		p->resource = column(st, 0);
		p->kind = column(st, 1);
		p->op = column(st, 2);
		p->run = column(st, 3);
		p->at = column(st, 4);
		p->hash = column(st, 5);
		p->spec = column(st, 6);
	}
	is_db_finalize(st);
	*out = v;
	if (rc != IS_DB_DONE) {
		is_ledger_pending_free(v, *n);
		*out = NULL;
		*n = 0;
		return is_ledger_fail(lg, err, "cannot read the intents");
	}
	return 0;
}

void is_ledger_pending_free(struct is_ledger_pending *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].resource);
		free(v[i].kind);
		free(v[i].op);
		free(v[i].run);
		free(v[i].at);
		free(v[i].hash);
		free(v[i].spec);
	}
	free(v);
}
