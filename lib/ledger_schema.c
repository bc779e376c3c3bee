/*
 * The ledger's schema and its migrations. Each migration is applied once, in
 * order, inside one IMMEDIATE transaction together with the new
 * meta.schema_version, so a crash or a concurrent first open never leaves a
 * half-made schema. Never edit a migration that has been released: add one.
 *
 * Times ("at", "expires") are RFC 3339 UTC with milliseconds, so their text
 * order is their time order. JSON columns (record, spec, outputs, labels) hold
 * compact JSON text; secrets in them are redacted or left as ${secret:...}
 * references, never resolved.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "ledger_checkpoint.h"
#include "ledger_intent.h"
#include "ledger_schema.h"
#include "xalloc.h"
#include "banned.h"

const char *const is_ledger_tables[] = {
	"runs", "run_events", "states", "state_dependencies", "locks", "run_ids",
	"intents", "checkpoints", NULL
};

/*
 * Version 1.
 *
 * runs: one row per run record (phase start or end); hash-chained like
 *   run_events. A run has one start and at most one end (unique index): a
 *   second start of the same id is a collision that record refuses.
 * run_events: one row per event record, hash-chained in seq order:
 *   hash = sha256(prev_hash "\n" canonical row), see is_ledger_row_hash.
 * states: a new row per version of a resource, derived from the READY event
 *   of a create, update or replace (deleted = 0) or of a delete (a tombstone,
 *   deleted = 1); "event" is the run_events row it came from.
 * state_dependencies: the deps of a state row (resource ids and group:NAME).
 * locks: every lock, unlock, takeover and expiry; the holder of NAME is the
 *   owner of its latest row when that row is a lock or takeover that has not
 *   expired.
 * run_ids: the run ids allocated by "is-ledger next-run-id": id =
 *   bit-reversed seq.
 * states_fts: FTS5 over states (resource, kind, labels, spec), an
 *   external-content index filled by a trigger on insert.
 * AUTOINCREMENT keeps sqlite_sequence at the highest seq ever used, so a
 *   removed last row is still noticed by verify.
 */
static const char schema_v1[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
	"CREATE TABLE runs(\n"
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  run TEXT NOT NULL,\n"
	"  phase TEXT NOT NULL CHECK (phase IN ('start', 'end')),\n"
	"  status TEXT,\n"
	"  at TEXT NOT NULL,\n"
	"  record TEXT NOT NULL,\n"
	"  prev_hash TEXT NOT NULL,\n"
	"  hash TEXT NOT NULL);\n"
	"CREATE UNIQUE INDEX runs_run_phase ON runs(run, phase);\n"
	"CREATE INDEX runs_at ON runs(at);\n"
	"CREATE TABLE run_events(\n"
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  run TEXT NOT NULL,\n"
	"  event_seq INTEGER,\n"
	"  at TEXT NOT NULL,\n"
	"  resource TEXT,\n"
	"  status TEXT,\n"
	"  action TEXT,\n"
	"  record TEXT NOT NULL,\n"
	"  prev_hash TEXT NOT NULL,\n"
	"  hash TEXT NOT NULL);\n"
	"CREATE INDEX run_events_run ON run_events(run, event_seq);\n"
	"CREATE INDEX run_events_resource ON run_events(resource, seq);\n"
	"CREATE INDEX run_events_at ON run_events(at);\n"
	"CREATE TABLE states(\n"
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  resource TEXT NOT NULL,\n"
	"  kind TEXT,\n"
	"  run TEXT,\n"
	"  at TEXT NOT NULL,\n"
	"  deleted INTEGER NOT NULL DEFAULT 0,\n"
	"  hash TEXT,\n"
	"  spec TEXT,\n"
	"  outputs TEXT,\n"
	"  labels TEXT,\n"
	"  event INTEGER REFERENCES run_events(seq));\n"
	"CREATE INDEX states_resource ON states(resource, at, seq);\n"
	"CREATE INDEX states_at ON states(at);\n"
	"CREATE INDEX states_run ON states(run);\n"
	"CREATE TABLE state_dependencies(\n"
	"  state_seq INTEGER NOT NULL REFERENCES states(seq),\n"
	"  depends_on TEXT NOT NULL);\n"
	"CREATE INDEX state_dependencies_state ON state_dependencies(state_seq);\n"
	"CREATE INDEX state_dependencies_on ON state_dependencies(depends_on);\n"
	"CREATE TABLE locks(\n"
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  name TEXT NOT NULL,\n"
	"  action TEXT NOT NULL CHECK (action IN ('lock', 'unlock', 'takeover', 'expire')),\n"
	"  owner TEXT,\n"
	"  reason TEXT,\n"
	"  at TEXT NOT NULL,\n"
	"  expires TEXT);\n"
	"CREATE INDEX locks_name ON locks(name, seq);\n"
	"CREATE TABLE run_ids(\n"
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  run TEXT NOT NULL UNIQUE,\n"
	"  at TEXT NOT NULL,\n"
	"  owner TEXT);\n"
	"CREATE VIRTUAL TABLE states_fts USING fts5(resource, kind, labels, spec,\n"
	"  content='states', content_rowid='seq');\n"
	"CREATE TRIGGER states_fts_insert AFTER INSERT ON states BEGIN\n"
	"  INSERT INTO states_fts(rowid, resource, kind, labels, spec)\n"
	"  VALUES (new.seq, new.resource, new.kind, new.labels, new.spec);\n"
	"END;\n";

/* Version 2: verify and the queries find the state an event made. */
static const char schema_v2[] =
	"CREATE INDEX states_event ON states(event);\n";

/*
 * Version 3: the deps of a state are read from the index alone (a quarter of
 * "state --at" was the table lookup behind state_dependencies_state, which
 * this one replaces: its prefix).
 */
static const char schema_v3[] =
	"CREATE INDEX state_dependencies_cover ON state_dependencies(state_seq, depends_on);\n"
	"DROP INDEX state_dependencies_state;\n";

static const struct is_ledger_migration sqlite_migrations[] = {
	{ 1, schema_v1 },
	{ 2, schema_v2 },
	{ 3, schema_v3 },
	{ 4, is_ledger_intent_sqlite_v4 },
	{ 5, is_ledger_checkpoint_sqlite_v5 },
	{ 0, NULL }
};

/* The append-only triggers of one table, created when missing. */
static char *sqlite_triggers(const char *table)
{
	return is_xasprintf(
		"CREATE TRIGGER IF NOT EXISTS %s_no_update BEFORE UPDATE ON %s "
		"BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
		"CREATE TRIGGER IF NOT EXISTS %s_no_delete BEFORE DELETE ON %s "
		"BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;",
		table, table, table, table);
}

static const struct is_ledger_dialect sqlite_dialect = {
	sqlite_migrations,
	"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
	"INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?1)",
	sqlite_triggers,
};

const struct is_ledger_dialect *is_ledger_dialect(const struct is_db *db)
{
	return is_db_backend(db) == IS_DB_POSTGRES ? &is_ledger_postgres_dialect
	                                          : &sqlite_dialect;
}

/* The first column of sql's first row as an integer: 0 without a row. */
static int one_int(struct is_db *db, const char *sql, const char *arg, int64_t *v)
{
	struct is_db_stmt *st;
	int rc;

	*v = 0;
	if (is_db_prepare(db, sql, 0, &st) < 0)
		return -1;
	if (arg)
		is_db_bind_text(st, 1, arg, (size_t)-1);
	rc = is_db_step(st);
	if (rc == IS_DB_ROW) {
		const char *t = is_db_column_text(st, 0);

		*v = t ? strtoll(t, NULL, 10) : 0;
	}
	is_db_finalize(st);
	return rc == IS_DB_ERROR ? -1 : 0;
}

int is_ledger_schema_version(struct is_db *db)
{
	int64_t has_meta, v;

	if (one_int(db, is_ledger_dialect(db)->has_meta, NULL, &has_meta) < 0)
		return -1;
	if (!has_meta)
		return 0;
	if (one_int(db, "SELECT value FROM meta WHERE key = 'schema_version'", NULL, &v) < 0)
		return -1;
	return (int)v;
}

static int fail(struct is_db *db, struct is_error *err, const char *what)
{
	is_error_set(err, "ledger", NULL, 0, 0, "%s: %s", what, is_db_errmsg(db));
	is_db_rollback(db);
	return -1;
}

static int set_version(struct is_db *db, int version)
{
	struct is_db_stmt *st;
	char text[16];
	int rc;

	snprintf(text, sizeof(text), "%d", version);
	if (is_db_prepare(db, is_ledger_dialect(db)->set_version, 0, &st) < 0)
		return -1;
	is_db_bind_text(st, 1, text, (size_t)-1);
	rc = is_db_step(st);
	is_db_finalize(st);
	return rc == IS_DB_DONE ? 0 : -1;
}

int is_ledger_schema_apply(struct is_db *db, struct is_error *err)
{
	const struct is_ledger_dialect *d = is_ledger_dialect(db);
	const struct is_ledger_migration *m;
	size_t i;
	int v;

	/* The common case, an up-to-date ledger, takes no write lock. */
	if (is_ledger_schema_version(db) == IS_LEDGER_SCHEMA_VERSION)
		return 0;
	/* The write lock: two first opens must not both create the tables. */
	if (is_db_begin_write(db) < 0)
		return fail(db, err, "cannot start the schema transaction");
	if ((v = is_ledger_schema_version(db)) < 0)
		return fail(db, err, "cannot read the schema version");
	if (v > IS_LEDGER_SCHEMA_VERSION) {
		is_db_rollback(db);
		return is_error_set(err, "ledger-version", NULL, 0, 0,
		                    "the ledger has schema version %d, newer than this "
		                    "is-ledger knows (%d): upgrade infrastream", v,
		                    IS_LEDGER_SCHEMA_VERSION);
	}
	for (m = d->migrations; m->sql; m++) {
		if (m->version <= v)
			continue;
		if (is_db_exec(db, m->sql) < 0 || set_version(db, m->version) < 0)
			return fail(db, err, "cannot migrate the ledger");
	}
	/* After the migrations, so a table a migration adds gets its triggers. */
	for (i = 0; is_ledger_tables[i]; i++) {
		char *sql = d->triggers(is_ledger_tables[i]);
		int rc = is_db_exec(db, sql);

		free(sql);
		if (rc < 0)
			return fail(db, err, "cannot create the append-only triggers");
	}
	/* Version 5's checkpoints, for the states recorded before it (after the
	 * triggers: PostgreSQL's gives their seq). */
	if (v < 5 && is_ledger_checkpoint_backfill(db) < 0)
		return fail(db, err, "cannot write the checkpoints");
	if (is_db_commit(db) < 0)
		return fail(db, err, "cannot commit the schema");
	return 0;
}
