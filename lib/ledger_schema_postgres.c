/*
 * The ledger's schema on PostgreSQL: the tables, columns and indexes of
 * SQLite's schema version 3 (ledger_schema.c), with what SQLite did for
 * itself made explicit:
 *
 * - Text columns are COLLATE "C": ordering and comparison are by bytes, as
 *   in SQLite, whatever the database's collation (times are RFC 3339 text,
 *   so their text order is their time order on both).
 * - ledger_sequence(name, seq) is sqlite_sequence: the highest seq each
 *   table has given. A BEFORE INSERT trigger gives a row without seq the
 *   next one and keeps the highest. Unlike a PostgreSQL sequence it is
 *   transactional (a rolled-back write leaves no gap that verify would call
 *   a removal), and writers are serialised (db_postgres.c), so it never
 *   waits on itself.
 * - The append-only triggers also refuse TRUNCATE, which has no row
 *   triggers.
 * - state_dependencies has an identity column rowid: its rows' order, which
 *   verify compares with the order of the event's deps.
 * - Full-text search (SQLite's FTS5 states_fts) is a GIN index on
 *   ledger_fts(resource, kind, labels, spec): the text split as FTS5's
 *   unicode61 tokenizer splits it (at every ASCII character that is not a
 *   letter or a digit), lowercased, as a tsvector of the 'simple'
 *   configuration (no stemming, no stop words).
 * - group_concat(text, text), the aggregate the queries use for the deps of
 *   a state.
 * A ledger starts at version 3; a later migration comes in a pair, one
 * here and one in ledger_schema.c, with the same version (and an
 * append-only table it adds goes into is_ledger_tables, for both backends'
 * triggers and verify).
 */
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "ledger_checkpoint.h"
#include "ledger_intent.h"
#include "ledger_schema.h"
#include "xalloc.h"
#include "banned.h"

#define TEXT "TEXT COLLATE \"C\""

static const char schema_v3[] =
	"CREATE TABLE meta(key " TEXT " PRIMARY KEY, value TEXT NOT NULL);\n"
	"CREATE TABLE ledger_sequence(name " TEXT " PRIMARY KEY, seq BIGINT NOT NULL);\n"
	"CREATE FUNCTION ledger_next_seq() RETURNS trigger LANGUAGE plpgsql AS $$\n"
	"BEGIN\n"
	"  IF NEW.seq IS NULL THEN\n"
	"    SELECT seq + 1 INTO NEW.seq FROM ledger_sequence WHERE name = TG_TABLE_NAME;\n"
	"    NEW.seq := coalesce(NEW.seq, 1);\n"
	"  END IF;\n"
	"  INSERT INTO ledger_sequence AS s(name, seq) VALUES (TG_TABLE_NAME, NEW.seq)\n"
	"    ON CONFLICT (name) DO UPDATE SET seq = greatest(s.seq, excluded.seq);\n"
	"  RETURN NEW;\n"
	"END $$;\n"
	"CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$\n"
	"BEGIN\n"
	"  RAISE EXCEPTION 'the ledger is append-only';\n"
	"END $$;\n"
	"CREATE FUNCTION ledger_concat_step(acc text, v text, sep text) RETURNS text\n"
	"  LANGUAGE sql IMMUTABLE AS\n"
	"  'SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN v\n"
	"   ELSE acc || sep || v END';\n"
	"CREATE AGGREGATE group_concat(text, text) (SFUNC = ledger_concat_step, STYPE = text);\n"
	"CREATE FUNCTION ledger_fts(resource text, kind text, labels text, spec text)\n"
	"  RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS\n"
	"  $$SELECT to_tsvector('simple'::regconfig, lower(regexp_replace(\n"
	"    concat_ws(' ', resource, kind, labels, spec),\n"
	"    '[\\x01-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7f]+', ' ', 'g')))$$;\n"
	"CREATE TABLE runs(\n"
	"  seq BIGINT PRIMARY KEY,\n"
	"  run " TEXT " NOT NULL,\n"
	"  phase " TEXT " NOT NULL CHECK (phase IN ('start', 'end')),\n"
	"  status " TEXT ",\n"
	"  at " TEXT " NOT NULL,\n"
	"  record TEXT NOT NULL,\n"
	"  prev_hash TEXT NOT NULL,\n"
	"  hash TEXT NOT NULL);\n"
	"CREATE UNIQUE INDEX runs_run_phase ON runs(run, phase);\n"
	"CREATE INDEX runs_at ON runs(at);\n"
	"CREATE TABLE run_events(\n"
	"  seq BIGINT PRIMARY KEY,\n"
	"  run " TEXT " NOT NULL,\n"
	"  event_seq BIGINT,\n"
	"  at " TEXT " NOT NULL,\n"
	"  resource " TEXT ",\n"
	"  status " TEXT ",\n"
	"  action " TEXT ",\n"
	"  record TEXT NOT NULL,\n"
	"  prev_hash TEXT NOT NULL,\n"
	"  hash TEXT NOT NULL);\n"
	"CREATE INDEX run_events_run ON run_events(run, event_seq);\n"
	"CREATE INDEX run_events_resource ON run_events(resource, seq);\n"
	"CREATE INDEX run_events_at ON run_events(at);\n"
	"CREATE TABLE states(\n"
	"  seq BIGINT PRIMARY KEY,\n"
	"  resource " TEXT " NOT NULL,\n"
	"  kind " TEXT ",\n"
	"  run " TEXT ",\n"
	"  at " TEXT " NOT NULL,\n"
	"  deleted INTEGER NOT NULL DEFAULT 0,\n"
	"  hash " TEXT ",\n"
	"  spec TEXT,\n"
	"  outputs TEXT,\n"
	"  labels TEXT,\n"
	"  event BIGINT REFERENCES run_events(seq));\n"
	"CREATE INDEX states_resource ON states(resource, at, seq);\n"
	"CREATE INDEX states_at ON states(at);\n"
	"CREATE INDEX states_run ON states(run);\n"
	"CREATE INDEX states_event ON states(event);\n"
	"CREATE INDEX states_fts ON states USING gin (ledger_fts(resource, kind, labels, spec));\n"
	"CREATE TABLE state_dependencies(\n"
	"  rowid BIGINT GENERATED ALWAYS AS IDENTITY,\n"
	"  state_seq BIGINT NOT NULL REFERENCES states(seq),\n"
	"  depends_on " TEXT " NOT NULL);\n"
	"CREATE INDEX state_dependencies_cover ON state_dependencies(state_seq, depends_on);\n"
	"CREATE INDEX state_dependencies_on ON state_dependencies(depends_on);\n"
	"CREATE TABLE locks(\n"
	"  seq BIGINT PRIMARY KEY,\n"
	"  name " TEXT " NOT NULL,\n"
	"  action " TEXT " NOT NULL CHECK (action IN ('lock', 'unlock', 'takeover', 'expire')),\n"
	"  owner " TEXT ",\n"
	"  reason TEXT,\n"
	"  at " TEXT " NOT NULL,\n"
	"  expires " TEXT ");\n"
	"CREATE INDEX locks_name ON locks(name, seq);\n"
	"CREATE TABLE run_ids(\n"
	"  seq BIGINT PRIMARY KEY,\n"
	"  run " TEXT " NOT NULL UNIQUE,\n"
	"  at " TEXT " NOT NULL,\n"
	"  owner " TEXT ");\n";

static const struct is_ledger_migration migrations[] = {
	{ 3, schema_v3 },
	{ 4, is_ledger_intent_postgres_v4 },
	{ 5, is_ledger_checkpoint_postgres_v5 },
	{ 0, NULL }
};

/* Tables whose rows have a seq from ledger_sequence: every append-only
 * table (is_ledger_tables) but these, which have no seq column. */
static int has_seq(const char *table)
{
	return strcmp(table, "state_dependencies") != 0;
}

static char *triggers(const char *table)
{
	char *seq = has_seq(table) ? is_xasprintf(
		"CREATE OR REPLACE TRIGGER %s_seq BEFORE INSERT ON %s "
		"FOR EACH ROW EXECUTE FUNCTION ledger_next_seq();", table, table)
		: is_xstrdup("");
	char *sql = is_xasprintf(
		"%s"
		"CREATE OR REPLACE TRIGGER %s_no_update BEFORE UPDATE ON %s "
		"FOR EACH ROW EXECUTE FUNCTION ledger_append_only();"
		"CREATE OR REPLACE TRIGGER %s_no_delete BEFORE DELETE ON %s "
		"FOR EACH ROW EXECUTE FUNCTION ledger_append_only();"
		"CREATE OR REPLACE TRIGGER %s_no_truncate BEFORE TRUNCATE ON %s "
		"FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();",
		seq, table, table, table, table, table, table);

	free(seq);
	return sql;
}

const struct is_ledger_dialect is_ledger_postgres_dialect = {
	migrations,
	"SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'meta' "
	"AND schemaname = current_schema()",
	"INSERT INTO meta(key, value) VALUES ('schema_version', ?1) "
	"ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	triggers,
};
