#ifndef IS_DB_H
#define IS_DB_H
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/*
 * A small SQL database layer with two backends: SQLite (a file path) and
 * PostgreSQL (a postgres:// or postgresql:// URI). The ledger is written
 * against it, so both run the same statements; what differs between the
 * dialects stays in the backend (db_sqlite.c, db_postgres.c) or in small
 * per-backend SQL tables of the caller (is_db_backend tells which).
 *
 * Statements use '?' placeholders ("?NNN" numbers one, as SQLite does);
 * PostgreSQL gets them as $1..$n and each connection keeps its statements
 * prepared. Bound text is borrowed until the last step that uses it.
 *
 * Writers are serialised: is_db_begin_write holds the database's one write
 * lock until commit or rollback (SQLite: BEGIN IMMEDIATE; PostgreSQL: a
 * transaction-scoped advisory lock, IS_DB_WRITE_LOCK_KEY), so what a writer
 * reads inside its transaction cannot change before it commits.
 */

enum is_db_backend { IS_DB_SQLITE = 1, IS_DB_POSTGRES };
enum { IS_DB_ERROR = -1, IS_DB_DONE = 0, IS_DB_ROW = 1 };
enum is_db_type { IS_DB_NULL, IS_DB_INTEGER, IS_DB_FLOAT, IS_DB_TEXT };

/* Prepare flags. */
enum {
	/* Rows are fetched in batches (a PostgreSQL cursor: inside a transaction)
	 * rather than all at the first step. For results that may be large. */
	IS_DB_STREAM = 1,
	/* Kept for many executions (SQLite's SQLITE_PREPARE_PERSISTENT). */
	IS_DB_PERSISTENT = 2,
};

/* The key of PostgreSQL's write lock: pg_advisory_xact_lock(key). */
#define IS_DB_WRITE_LOCK_KEY 0x69732d6c6564LL   /* "is-led" */

struct is_db;
struct is_db_stmt;

/* 1 when target is a postgres:// or postgresql:// URI, else 0 (a file). */
int is_db_target_is_uri(const char *target);
/* target with a URI's password replaced by "***", for messages (new string). */
char *is_db_target_display(const char *target);

/*
 * Opens target (creating a SQLite file; its folder must exist). busy_ms: how
 * long a writer waits for another. Returns the database, or NULL with err
 * filled.
 */
struct is_db *is_db_open(const char *target, int busy_ms, struct is_error *err);
void is_db_close(struct is_db *db);
enum is_db_backend is_db_backend(const struct is_db *db);
/* The last error of db, or of one of its statements. */
const char *is_db_errmsg(const struct is_db *db);

/* Runs sql (one or more statements, no results). 0 or -1. */
int is_db_exec(struct is_db *db, const char *sql);

int is_db_prepare(struct is_db *db, const char *sql, int flags, struct is_db_stmt **st);
/* Parameters count from 1. len (size_t)-1: up to the NUL. text NULL: NULL. */
void is_db_bind_text(struct is_db_stmt *st, int i, const char *text, size_t len);
void is_db_bind_int64(struct is_db_stmt *st, int i, int64_t v);
void is_db_bind_null(struct is_db_stmt *st, int i);
/* IS_DB_ROW, IS_DB_DONE or IS_DB_ERROR (is_db_errmsg says why). */
int is_db_step(struct is_db_stmt *st);
/* Columns of the current row, from 0; text is valid until the next step,
 * reset or finalize, NULL for NULL. */
enum is_db_type is_db_column_type(struct is_db_stmt *st, int i);
const char *is_db_column_text(struct is_db_stmt *st, int i);
size_t is_db_column_bytes(struct is_db_stmt *st, int i);
int64_t is_db_column_int64(struct is_db_stmt *st, int i);
double is_db_column_double(struct is_db_stmt *st, int i);
/* Back to before the first step; bindings are kept. */
void is_db_reset(struct is_db_stmt *st);
/* NULL is allowed. */
void is_db_finalize(struct is_db_stmt *st);

/* A write transaction holding the write lock (waits for it); 0 or -1. */
int is_db_begin_write(struct is_db *db);
/* A read transaction: one snapshot of the database; 0 or -1. */
int is_db_begin_read(struct is_db *db);
int is_db_commit(struct is_db *db);
/* Ends a transaction if one is open (nothing otherwise). */
void is_db_rollback(struct is_db *db);
int is_db_in_transaction(const struct is_db *db);

#endif
