#ifndef IS_LEDGER_H
#define IS_LEDGER_H
#include <sqlite3.h>
#include <stdint.h>

#include "error.h"

/*
 * The ledger: an append-only history of runs, events, resource states and
 * locks in one SQLite database (WAL). Nothing is ever updated or deleted;
 * triggers refuse it, and the rows of runs and run_events carry a SHA-256
 * hash chain so that "is-ledger verify" finds an edited, removed or inserted
 * row. The schema, its version and its migrations are in ledger_schema.c;
 * the table and column names there are an interface (the query subcommands
 * read them), so a change is a new migration, never an edit of an old one.
 */

/* The schema version this build writes (meta.schema_version). */
enum { IS_LEDGER_SCHEMA_VERSION = 1 };

/* Exit codes of is-ledger beyond the shared ones (error.h). */
enum {
	IS_LEDGER_EXIT_LOCKED = 3,   /* record or lock refused: held by someone else */
};

struct is_ledger {
	char *path;       /* owned; the database file */
	sqlite3 *db;      /* NULL until is_ledger_open */
	int busy_ms;      /* busy_timeout; default 30000 */
};

/*
 * The database path when no --db is given: $IS_LEDGER, else
 * $XDG_STATE_HOME/infrastream/ledger.db, else
 * $HOME/.local/state/infrastream/ledger.db. Returns a new string, or NULL
 * when none can be made (no HOME).
 */
char *is_ledger_default_path(void);

/* path is copied; nothing is opened yet. */
void is_ledger_init(struct is_ledger *lg, const char *path);
/*
 * Opens the database (creating it and its folder on first use), sets WAL,
 * foreign_keys and busy_timeout, and brings the schema to the current version.
 * Does nothing when already open. Returns 0 or -1 with err filled.
 */
int is_ledger_open(struct is_ledger *lg, struct is_error *err);
/* Closes the database and frees the path. */
void is_ledger_release(struct is_ledger *lg);

/* Applies the migrations the database lacks, each in one transaction. */
int is_ledger_schema_apply(sqlite3 *db, struct is_error *err);
/* meta.schema_version, 0 for an empty database, -1 on error. */
int is_ledger_schema_version(sqlite3 *db);
/* The append-only tables (NULL-terminated), for triggers and verify. */
extern const char *const is_ledger_tables[];

/* Fills err with "what: sqlite's message" (code "ledger") and returns -1. */
int is_ledger_fail(struct is_ledger *lg, struct is_error *err, const char *what);
/*
 * Runs sql (no results wanted) and returns 0, or -1 with err filled. Retries
 * SQLITE_BUSY beyond the busy timeout's first wait is the caller's choice:
 * this does not retry.
 */
int is_ledger_exec(struct is_ledger *lg, const char *sql, struct is_error *err);
/*
 * BEGIN IMMEDIATE (a write transaction that holds the write lock from its
 * start, so a check and an insert in it cannot race another writer), retried
 * while the database stays busy. COMMIT, ROLLBACK.
 */
int is_ledger_begin(struct is_ledger *lg, struct is_error *err);
int is_ledger_commit(struct is_ledger *lg, struct is_error *err);
void is_ledger_rollback(struct is_ledger *lg);

/* The time now, RFC 3339 UTC with milliseconds ("2024-05-01T12:00:00.000Z"). */
void is_ledger_now(char out[32]);

/* The chain's first prev_hash: 64 zeros. */
extern const char is_ledger_genesis[65];
/*
 * The hash of a chained row: lowercase hex SHA-256 of
 * prev_hash "\n" canonical, where canonical is the compact JSON array
 * [seq, run, event_seq, at, resource, status, action, record] (run_events)
 * or [seq, run, phase, status, at, record] (runs), null for NULL columns.
 * Writers and verify build it with is_ledger_row_hash.
 */
struct is_ledger_row {
	int64_t seq;
	int ncols;
	struct { const char *text; int64_t num; int is_num, is_null; } col[8];
};
void is_ledger_row_hash(const char *prev_hash, const struct is_ledger_row *row,
                        char out[65]);

#endif
