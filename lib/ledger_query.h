#ifndef IS_LEDGER_QUERY_H
#define IS_LEDGER_QUERY_H
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "ledger.h"
#include "ledger_cmd.h"
#include "strbuf.h"

/*
 * The ledger's read side: runs, events (and following them as they commit),
 * the state of any instant, a resource's history, the difference between
 * two instants, the topology then, full-text search, and the blast radius of
 * a resource. Every query reads one snapshot (a read transaction; WAL lets
 * writers go on meanwhile) and writes NDJSON records, or a table for people.
 */

/* Instants (ledger_time.c). */

/*
 * Parses RFC 3339 (fraction optional, Z or +hh:mm), a date alone (midnight
 * UTC), "now", or a span back from now_ms ("-90s", "-1h30m"; units s m h d w).
 * Returns 0 with *ms set, or -1 with err filled.
 */
int is_ledger_time_parse(const char *text, int64_t now_ms, int64_t *ms,
                         struct is_error *err);
/* is_ledger_time_parse, then is_ledger_time_format (ledger.h): the form the
 * ledger stores, "2024-05-01T12:00:00.000Z". */
int is_ledger_time_canon(const char *text, int64_t now_ms, char out[32],
                         struct is_error *err);

/* Tables for people (ledger_table.c). */

enum { IS_COL_TEXT, IS_COL_TIME, IS_COL_MS, IS_COL_HASH, IS_COL_LIST, IS_COL_FLAG };

struct is_table_col {
	const char *head;   /* "ID"; NULL ends a list of columns */
	const char *key;    /* a field name, or a JSON pointer ("/spec/path") */
	int kind;           /* IS_COL_*: how the value is shown */
};

struct is_table {
	FILE *fp;                         /* borrowed */
	const struct is_table_col *cols;  /* borrowed */
	size_t ncols, nrows, cap;
	char **cells;                     /* owned; nrows * ncols, row by row */
	size_t *width;                    /* owned */
	int stream, header_done;
};

/* cols (at most 16) and fp are borrowed. A streaming table fixes its column
 * widths at its first flush that has rows. */
void is_table_init(struct is_table *t, FILE *fp, const struct is_table_col *cols,
                   int stream);
void is_table_release(struct is_table *t);
/* Adds a row; rec is borrowed. */
void is_table_add(struct is_table *t, const json_t *rec);
/* Prints the header (once) and the rows added since the last flush. Returns 0,
 * or -1 when fp has an error. */
int is_table_flush(struct is_table *t);

/* Queries (ledger_query*.c, ledger_search.c). */

enum { IS_QFORMAT_NDJSON, IS_QFORMAT_TABLE, IS_QFORMAT_DOT };

struct is_ledger_query {
	struct is_ledger *lg;        /* borrowed; opened by the query when not yet */
	FILE *fp;                    /* borrowed; where records go */
	int format;                  /* IS_QFORMAT_* */
	const char *at;              /* --at TIME, or NULL for now */
	const char *run;             /* --run ID, or NULL */
	const char *from, *to;       /* diff --from, --to */
	const char *const *ids;      /* --id ID..., borrowed; nids of them */
	size_t nids;
	const char *operand;         /* history ID, downstream ID, search TEXT */
	int follow;                  /* events --follow */
	int interval_ms;             /* events --follow: poll interval; 0: 100 */
	int limit;                   /* search: at most this many; 0: no limit */
	int raw;                     /* search --raw: operand is an FTS5 query */
	/* Set by a signal handler: a follow stops at its next poll. May be NULL. */
	volatile sig_atomic_t *stop;
};

/* Each returns 0, or -1 with err filled (a missing run or resource, a bad
 * time, a database or output error). */
int is_ledger_query_runs(const struct is_ledger_query *q, struct is_error *err);
int is_ledger_query_events(const struct is_ledger_query *q, struct is_error *err);
int is_ledger_query_state(const struct is_ledger_query *q, struct is_error *err);
int is_ledger_query_history(const struct is_ledger_query *q, struct is_error *err);
int is_ledger_query_diff(const struct is_ledger_query *q, struct is_error *err);
int is_ledger_query_graph(const struct is_ledger_query *q, struct is_error *err);
int is_ledger_query_downstream(const struct is_ledger_query *q, struct is_error *err);
int is_ledger_search(const struct is_ledger_query *q, struct is_error *err);

/*
 * Shared by the queries (ledger_query.c).
 */

/* Where records go: NDJSON lines, or rows of a table. */
struct is_ledger_out {
	FILE *fp;                    /* borrowed */
	int table;
	struct is_table t;
	struct is_strbuf line;
};

/* cols is used with IS_QFORMAT_TABLE only (borrowed). */
void is_ledger_out_init(struct is_ledger_out *o, const struct is_ledger_query *q,
                        const struct is_table_col *cols, int stream);
/* Writes what is buffered (the table) and releases o. Returns 0 or -1 (err). */
int is_ledger_out_finish(struct is_ledger_out *o, struct is_error *err);
void is_ledger_out_release(struct is_ledger_out *o);
/* One record as its JSON text (no newline; borrowed). Returns 0 or -1. */
int is_ledger_out_text(struct is_ledger_out *o, const char *text, size_t len);
/* One record (borrowed). */
int is_ledger_out_json(struct is_ledger_out *o, const json_t *rec);
/* Flushes the rows and bytes written so far (a follow, between polls). */
int is_ledger_out_flush(struct is_ledger_out *o);

/* Opens q->lg when needed and starts a read transaction (one snapshot). */
int is_ledger_query_begin(const struct is_ledger_query *q, struct is_error *err);
/* Ends it. */
void is_ledger_query_end(const struct is_ledger_query *q);
/* Prepares sql; -1 with err filled. */
int is_ledger_query_prepare(const struct is_ledger_query *q, const char *sql,
                            struct is_db_stmt **st, struct is_error *err);
/* The same for a result that may be large: its rows come in batches. */
int is_ledger_query_prepare_big(const struct is_ledger_query *q, const char *sql,
                                struct is_db_stmt **st, struct is_error *err);

/*
 * The instant a query means: --at (or its time argument) in the stored form,
 * "9999-12-31T23:59:59.999Z" when NULL; with run set, the end of that run
 * (its end record, else its last event). Inside a read transaction.
 */
int is_ledger_query_instant(const struct is_ledger_query *q, const char *at,
                            const char *run, char out[32], struct is_error *err);

/* One recorded version of a resource: a row of states with its deps. */
struct is_ledger_version {
	int64_t seq;
	char *id, *kind, *run, *at, *hash;   /* kind, run, hash may be NULL */
	char *spec, *outputs, *labels;       /* JSON text, or NULL */
	int deleted;
	char **deps;                         /* sorted */
	size_t ndeps;
	char *mem;                           /* owned: all of the above lives in it */
};

/* The resources that existed at an instant, sorted by id. */
struct is_ledger_snapshot {
	struct is_ledger_version *v;
	size_t n, cap;
};

/*
 * Loads the latest version at or before at (stored form) of every resource,
 * or of the nids ids given, leaving out tombstones unless keep_deleted.
 * Inside a read transaction. Returns 0 or -1 with err filled.
 */
int is_ledger_snapshot_load(const struct is_ledger_query *q, const char *at,
                            const char *const *ids, size_t nids, int keep_deleted,
                            struct is_ledger_snapshot *s, struct is_error *err);
void is_ledger_snapshot_release(struct is_ledger_snapshot *s);
/*
 * is_ledger_snapshot_load of every resource from the checkpoints
 * (ledger_query_checkpoint.c). Returns 1, 0 when the ledger has none (s
 * untouched), or -1 with err filled.
 */
int is_ledger_checkpoint_load(const struct is_ledger_query *q, const char *at,
                              int keep_deleted, struct is_ledger_snapshot *s,
                              struct is_error *err);
/* The state with this id, or NULL (binary search). */
const struct is_ledger_version *is_ledger_snapshot_find(const struct is_ledger_snapshot *s,
                                                      const char *id);
/*
 * Fills a state from the current row of st, whose columns are
 * seq, resource, kind, run, at, deleted, hash, spec, outputs, labels, deps
 * (one id per line; ids hold no newline). Frees what s held.
 */
void is_ledger_version_from_row(struct is_ledger_version *s, struct is_db_stmt *st);
/* The same with the deps given (one id per line, deps_len bytes, NULL for
 * none) rather than in column 10. */
void is_ledger_version_from_row_deps(struct is_ledger_version *s, struct is_db_stmt *st,
                                     const char *deps, size_t deps_len);
void is_ledger_version_release(struct is_ledger_version *s);
/* The columns is_ledger_version_from_row reads, for "SELECT ... FROM states s". */
#define IS_LEDGER_STATE_COLUMNS \
	"s.seq, s.resource, s.kind, s.run, s.at, s.deleted, s.hash, s.spec, " \
	"s.outputs, s.labels, (SELECT group_concat(depends_on, '\n') " \
	"FROM state_dependencies WHERE state_seq = s.seq)"
/*
 * The state record of s, as "is-graph --prior" reads it:
 * {"type":"state","v":1,"id","kind","hash","spec","outputs","deps","labels",
 *  "run","at"} and "deleted":true for a tombstone. Appended to sb.
 */
void is_ledger_version_record(const struct is_ledger_version *s, struct is_strbuf *sb);

/*
 * Writes the state records of snap with the pending intents p (sorted by
 * id) merged in, each as ledger_query_pending.c says. Returns 0 or -1.
 */
struct is_ledger_pending;
int is_ledger_state_write(struct is_ledger_out *out, const struct is_ledger_snapshot *snap,
                          const struct is_ledger_pending *p, size_t np);
/* Moves the pending intents of the nids ids to the front of p (all when
 * nids is 0), in order; returns how many. */
size_t is_ledger_pending_keep(struct is_ledger_pending *p, size_t n,
                              const char *const *ids, size_t nids);

/* The subcommands (ledger_query_cmd.c), for cmd/is-ledger.c's table. */
is_ledger_run_fn is_ledger_cmd_runs, is_ledger_cmd_events, is_ledger_cmd_state,
	is_ledger_cmd_history, is_ledger_cmd_diff, is_ledger_cmd_graph,
	is_ledger_cmd_search, is_ledger_cmd_downstream;
extern const struct is_command is_ledger_cli_runs, is_ledger_cli_events,
	is_ledger_cli_state, is_ledger_cli_history, is_ledger_cli_diff,
	is_ledger_cli_graph, is_ledger_cli_search, is_ledger_cli_downstream;

#endif
