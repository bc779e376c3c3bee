#ifndef IS_LEDGER_H
#define IS_LEDGER_H
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "db.h"
#include "error.h"

/*
 * The ledger: an append-only history of runs, events, resource states and
 * locks in one SQLite (WAL) or PostgreSQL database (db.h). Nothing is ever
 * updated or deleted; triggers refuse it, and the rows of runs and
 * run_events carry a SHA-256 hash chain so that "is-ledger verify" finds an
 * edited, removed or inserted row. The schema, its version and its
 * migrations are in ledger_schema.c (ledger_schema_postgres.c);
 * the table and column names there are an interface (the query subcommands
 * read them), so a change is a new migration, never an edit of an old one.
 */

/* The schema version this build writes (meta.schema_version). */
enum { IS_LEDGER_SCHEMA_VERSION = 5 };

/* Exit codes of is-ledger beyond the shared ones (error.h). */
enum {
	IS_LEDGER_EXIT_LOCKED = 3,   /* record or lock refused: held by someone else */
};

struct is_ledger {
	char *path;       /* owned; the database file, or a postgres:// URI */
	char *name;       /* owned; path for messages (a URI's password hidden) */
	struct is_db *db; /* NULL until is_ledger_open */
	int busy_ms;      /* how long a writer waits for another; default 30000 */
};

/*
 * The database when no --db is given: $IS_LEDGER (a path or a postgres://
 * URI), else
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
int is_ledger_schema_apply(struct is_db *db, struct is_error *err);
/* meta.schema_version, 0 for an empty database, -1 on error. */
int is_ledger_schema_version(struct is_db *db);
/*
 * The highest seq table has ever given (SQLite's sqlite_sequence, the
 * PostgreSQL schema's ledger_sequence), which a removed last row does not
 * lower: 0 when none yet, -1 on error (err filled).
 */
int64_t is_ledger_sequence_high(struct is_ledger *lg, const char *table,
                                struct is_error *err);
/* What the next row of table takes: above both its rows and its sequence. */
int64_t is_ledger_sequence_next(struct is_ledger *lg, const char *table,
                                struct is_error *err);
/* The append-only tables (NULL-terminated), for triggers and verify. */
extern const char *const is_ledger_tables[];

/* Fills err with "what: the database's message" (code "ledger"), returns -1. */
int is_ledger_fail(struct is_ledger *lg, struct is_error *err, const char *what);
/* Runs sql (no results wanted) and returns 0, or -1 with err filled. */
int is_ledger_exec(struct is_ledger *lg, const char *sql, struct is_error *err);
/*
 * A write transaction that holds the write lock from its start (db.h), so a
 * check and an insert in it cannot race another writer. COMMIT, ROLLBACK.
 */
int is_ledger_begin(struct is_ledger *lg, struct is_error *err);
int is_ledger_commit(struct is_ledger *lg, struct is_error *err);
void is_ledger_rollback(struct is_ledger *lg);

/* The time now, RFC 3339 UTC with milliseconds ("2024-05-01T12:00:00.000Z"). */
void is_ledger_now(char out[32]);
/* Milliseconds since the epoch in that form. */
void is_ledger_time_format(int64_t ms, char out[32]);
/* Milliseconds since the epoch now (wall clock). */
int64_t is_ledger_now_ms(void);

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
	struct {
		const char *text;   /* borrowed; len bytes, or up to its NUL when len is 0 */
		size_t len;
		int64_t num;
		int is_num, is_null;
	} col[8];
};
void is_ledger_row_hash(const char *prev_hash, const struct is_ledger_row *row,
                        char out[65]);

/*
 * A resource state as an event makes it: the READY event of a create, update
 * or replace is a new version, the READY event of a delete a tombstone;
 * events of a dry run and every other event make none. Text fields are
 * borrowed from the event; spec, outputs and labels are new compact JSON text
 * (keys sorted), NULL when the event has none.
 */
struct is_ledger_state {
	const char *resource, *kind, *run, *at, *hash;
	int deleted;
	char *spec, *outputs, *labels;
	const json_t *deps;           /* borrowed array of strings, or NULL */
};
/* Returns 1 and fills st (release it) when ev makes a state, else 0. */
int is_ledger_state_from_event(const json_t *ev, struct is_ledger_state *st);
void is_ledger_state_release(struct is_ledger_state *st);

/* ---- record ---- */

struct is_ledger_record_config {
	int in_fd;                    /* borrowed */
	const char *in_name;
	FILE *out;                    /* borrowed; records go on once committed */
	int batch_records;            /* commit after this many stored records */
	int batch_ms;                 /* ... or this many milliseconds */
	void (*report)(void *ctx, const char *message);
	void *report_ctx;
	volatile int *stop;           /* set by a signal: commit and end now */
};

struct is_ledger_record_summary {
	size_t runs, events, states, passed, replayed;
	int errors;                   /* bad lines, refused runs (reported) */
	int output_closed;
};

/*
 * Reads records until the end of input, stores run records in runs, event
 * records in run_events (chained) and the states they make, and writes every
 * input line to cfg->out unchanged and in order, each only after the
 * transaction that stored it has committed. A run start whose id is already
 * recorded with other content is a collision: its records are passed on but
 * not stored (an error); a record already stored as it is (a replay of the
 * same input) is not stored twice. Returns 0, or -1 with err filled when the
 * ledger failed (nothing after the failed batch is written).
 */
int is_ledger_record(struct is_ledger *lg, const struct is_ledger_record_config *cfg,
                     struct is_ledger_record_summary *sum, struct is_error *err);

/* ---- locks ---- */

struct is_ledger_lock {
	char *name, *owner, *reason;  /* owned */
	char since[32], expires[32];  /* expires "" when the lock has no ttl */
	int held;
};
void is_ledger_lock_release(struct is_ledger_lock *l);
/* The current holder of name into l (l->held 0 when free). */
int is_ledger_lock_get(struct is_ledger *lg, const char *name, struct is_ledger_lock *l,
                       struct is_error *err);
/*
 * Takes name for owner in one IMMEDIATE transaction. Returns 1 when taken
 * (or already held by owner: the ttl is renewed), 0 when another owner holds
 * it (holder filled), -1 on error. An expired lock is taken over: an "expire"
 * row for the old holder and a "takeover" row are recorded. *took_over says
 * so. ttl_ms <= 0: no expiry.
 */
int is_ledger_lock_take(struct is_ledger *lg, const char *name, const char *owner,
                        const char *reason, int64_t ttl_ms, struct is_ledger_lock *holder,
                        int *took_over, struct is_error *err);
/* Releases name held by owner: 1 done, 0 held by another or not held
 * (holder filled), -1 error. */
int is_ledger_lock_drop(struct is_ledger *lg, const char *name, const char *owner,
                        struct is_ledger_lock *holder, struct is_error *err);
/* Writes a "lock" record for each lock held now. */
int is_ledger_locks_write(struct is_ledger *lg, FILE *out, struct is_error *err);
/* "90", "90s", "15m", "2h", "1d", "1h30m" into milliseconds; -1 on junk. */
int64_t is_ledger_duration_ms(const char *text);

/* ---- verify ---- */

/*
 * Walks the chains of runs and run_events, recomputing every hash, checks
 * that each state row is what its event makes (and that each such event has
 * its state), and that the append-only triggers are in place. Each problem
 * is written to out as a "verify" record and passed to report. Returns the
 * number of problems, or -1 with err filled when the ledger cannot be read.
 */
long is_ledger_verify(struct is_ledger *lg, FILE *out,
                      void (*report)(void *ctx, const char *message), void *ctx,
                      struct is_error *err);

/* ---- run ids ---- */

/* Allocates a run id from the ledger's sequence (run_ids): unique in this
 * ledger by construction. owner may be NULL. */
int is_ledger_next_run_id(struct is_ledger *lg, const char *owner, uint64_t *id,
                          struct is_error *err);

#endif
