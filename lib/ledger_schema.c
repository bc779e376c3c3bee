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
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "banned.h"

const char *const is_ledger_tables[] = {
	"runs", "run_events", "states", "state_dependencies", "locks", "run_ids", NULL
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

struct migration {
	int version;
	const char *sql;
};

static const struct migration migrations[] = {
	{ 1, schema_v1 },
	{ 2, schema_v2 },
	{ 3, schema_v3 },
};

int is_ledger_schema_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = 0, rc;

	rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK) {
		/* No meta table: an empty database. */
		return strstr(sqlite3_errmsg(db), "no such table") ? 0 : -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = atoi((const char *)sqlite3_column_text(st, 0));
	else if (rc != SQLITE_DONE)
		v = -1;
	sqlite3_finalize(st);
	return v;
}

/* The append-only triggers of one table, created when missing. */
static int add_triggers(sqlite3 *db, const char *table, char **errmsg)
{
	char *sql = sqlite3_mprintf(
		"CREATE TRIGGER IF NOT EXISTS %s_no_update BEFORE UPDATE ON %s "
		"BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
		"CREATE TRIGGER IF NOT EXISTS %s_no_delete BEFORE DELETE ON %s "
		"BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;",
		table, table, table, table);
	int rc = sqlite3_exec(db, sql, NULL, NULL, errmsg);

	sqlite3_free(sql);
	return rc;
}

static int fail(sqlite3 *db, struct is_error *err, const char *what, char *msg)
{
	is_error_set(err, "ledger", NULL, 0, 0, "%s: %s", what,
	             msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int is_ledger_schema_apply(sqlite3 *db, struct is_error *err)
{
	char *msg = NULL;
	size_t i;
	int v;

	/* The common case, an up-to-date ledger, takes no write lock. */
	if (is_ledger_schema_version(db) == IS_LEDGER_SCHEMA_VERSION)
		return 0;
	/* IMMEDIATE: two first opens must not both create the tables. */
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
		return fail(db, err, "cannot start the schema transaction", msg);
	if ((v = is_ledger_schema_version(db)) < 0)
		return fail(db, err, "cannot read the schema version", NULL);
	if (v > IS_LEDGER_SCHEMA_VERSION) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return is_error_set(err, "ledger-version", NULL, 0, 0,
		                    "the ledger has schema version %d, newer than this "
		                    "is-ledger knows (%d): upgrade infrastream", v,
		                    IS_LEDGER_SCHEMA_VERSION);
	}
	for (i = 0; i < sizeof(migrations) / sizeof(migrations[0]); i++) {
		char *set;
		int rc;

		if (migrations[i].version <= v)
			continue;
		if (sqlite3_exec(db, migrations[i].sql, NULL, NULL, &msg) != SQLITE_OK)
			return fail(db, err, "cannot migrate the ledger", msg);
		set = sqlite3_mprintf("INSERT OR REPLACE INTO meta(key, value) "
		                      "VALUES ('schema_version', '%d')",
		                      migrations[i].version);
		rc = sqlite3_exec(db, set, NULL, NULL, &msg);
		sqlite3_free(set);
		if (rc != SQLITE_OK)
			return fail(db, err, "cannot migrate the ledger", msg);
	}
	/* After the migrations, so a table a migration adds gets its triggers. */
	for (i = 0; is_ledger_tables[i]; i++)
		if (add_triggers(db, is_ledger_tables[i], &msg) != SQLITE_OK)
			return fail(db, err, "cannot create the append-only triggers", msg);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		return fail(db, err, "cannot commit the schema", msg);
	return 0;
}
