/*
 * db.h on SQLite: a database file in WAL mode (readers never block the
 * writer), synchronous=FULL (a commit survives a power cut), foreign keys on.
 * Writers take the write lock at BEGIN IMMEDIATE and wait for it up to the
 * busy timeout, a few times over.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "db_backend.h"
#include "xalloc.h"
#include "banned.h"

struct sq_db {
	struct is_db base;
	sqlite3 *db;
	int busy_ms;
};

struct sq_stmt {
	struct is_db_stmt base;
	sqlite3_stmt *s;
};

static sqlite3 *raw(const struct is_db *db)
{
	return ((const struct sq_db *)db)->db;
}

static sqlite3_stmt *stmt(struct is_db_stmt *st)
{
	return ((struct sq_stmt *)st)->s;
}

static void sq_close(struct is_db *db)
{
	sqlite3_close(raw(db));
	free(db);
}

static const char *sq_errmsg(const struct is_db *db)
{
	return sqlite3_errmsg(raw(db));
}

static int sq_exec(struct is_db *db, const char *sql)
{
	return sqlite3_exec(raw(db), sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static const struct is_db_ops sq_ops;

static int sq_prepare(struct is_db *db, const char *sql, int flags, struct is_db_stmt **st)
{
	struct sq_stmt *s;
	sqlite3_stmt *raw_st;

	if (sqlite3_prepare_v3(raw(db), sql, -1, flags & IS_DB_PERSISTENT ?
	                       SQLITE_PREPARE_PERSISTENT : 0, &raw_st, NULL) != SQLITE_OK)
		return -1;
	s = is_xmalloc(sizeof(*s));
	s->base.ops = &sq_ops;
	s->s = raw_st;
	*st = &s->base;
	return 0;
}

static void sq_bind_text(struct is_db_stmt *st, int i, const char *text, size_t len)
{
	if (!text)
		sqlite3_bind_null(stmt(st), i);
	else
		sqlite3_bind_text(stmt(st), i, text, len == (size_t)-1 ? -1 : (int)len,
		                  SQLITE_STATIC);
}

static void sq_bind_int64(struct is_db_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(stmt(st), i, v);
}

static int sq_step(struct is_db_stmt *st)
{
	int rc = sqlite3_step(stmt(st));

	return rc == SQLITE_ROW ? IS_DB_ROW : rc == SQLITE_DONE ? IS_DB_DONE : IS_DB_ERROR;
}

static enum is_db_type sq_column_type(struct is_db_stmt *st, int i)
{
	switch (sqlite3_column_type(stmt(st), i)) {
	case SQLITE_NULL: return IS_DB_NULL;
	case SQLITE_INTEGER: return IS_DB_INTEGER;
	case SQLITE_FLOAT: return IS_DB_FLOAT;
	default: return IS_DB_TEXT;
	}
}

static const char *sq_column_text(struct is_db_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(stmt(st), i);
}

static size_t sq_column_bytes(struct is_db_stmt *st, int i)
{
	return (size_t)sqlite3_column_bytes(stmt(st), i);
}

static int64_t sq_column_int64(struct is_db_stmt *st, int i)
{
	return sqlite3_column_int64(stmt(st), i);
}

static double sq_column_double(struct is_db_stmt *st, int i)
{
	return sqlite3_column_double(stmt(st), i);
}

static void sq_reset(struct is_db_stmt *st)
{
	sqlite3_reset(stmt(st));
}

static void sq_finalize(struct is_db_stmt *st)
{
	sqlite3_finalize(stmt(st));
	free(st);
}

/* busy_timeout waits inside each attempt; a few more attempts cover a writer
 * that holds the lock longer than one timeout (a slow disk). */
static int sq_begin_write(struct is_db *db)
{
	int tries;

	for (tries = 0; tries < 5; tries++) {
		int rc = sqlite3_exec(raw(db), "BEGIN IMMEDIATE", NULL, NULL, NULL);

		if (rc == SQLITE_OK)
			return 0;
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
	}
	return -1;
}

static int sq_begin_read(struct is_db *db)
{
	return sq_exec(db, "BEGIN");
}

static int sq_in_transaction(const struct is_db *db)
{
	return !sqlite3_get_autocommit(raw(db));
}

static void sq_rollback(struct is_db *db)
{
	if (sq_in_transaction(db))
		sqlite3_exec(raw(db), "ROLLBACK", NULL, NULL, NULL);
}

static int sq_commit(struct is_db *db)
{
	int tries;

	for (tries = 0; tries < 5; tries++) {
		int rc = sqlite3_exec(raw(db), "COMMIT", NULL, NULL, NULL);

		if (rc == SQLITE_OK)
			return 0;
		if (rc != SQLITE_BUSY)
			break;
	}
	return -1;
}

static const struct is_db_ops sq_ops = {
	IS_DB_SQLITE, sq_close, sq_errmsg, sq_exec, sq_prepare, sq_bind_text, sq_bind_int64,
	sq_step, sq_column_type, sq_column_text, sq_column_bytes, sq_column_int64,
	sq_column_double, sq_reset, sq_finalize, sq_begin_write, sq_begin_read, sq_commit,
	sq_rollback, sq_in_transaction,
};

/*
 * WAL is a property of the file, so it is set once. Switching needs an
 * exclusive lock, and SQLite may answer "busy" without waiting when several
 * processes open a new database at the same moment: retry for a while.
 */
static int use_wal(struct sq_db *d)
{
	long waited;

	for (waited = 0;; waited += 10) {
		sqlite3_stmt *st = NULL;
		int wal = 0, rc;

		rc = sqlite3_prepare_v2(d->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
		if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
			wal = !sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal");
		rc = sqlite3_finalize(st);
		/* A file system without WAL support keeps its journal: still usable. */
		if (wal || rc == SQLITE_OK)
			return 0;
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited >= d->busy_ms)
			return -1;
		sqlite3_sleep(10);
	}
}

struct is_db *is_db_sqlite_open(const char *path, int busy_ms, struct is_error *err)
{
	struct sq_db *d = is_xcalloc(1, sizeof(*d));
	const char *what = "cannot open the database";

	d->base.ops = &sq_ops;
	d->busy_ms = busy_ms;
	/* NOMUTEX: a connection is only ever used by one thread at a time, and
	 * the per-call mutex was a tenth of reading a state (10,000 rows). */
	if (sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(d->db, busy_ms);
	what = "cannot switch the database to WAL mode";
	if (use_wal(d) < 0)
		goto fail;
	what = "cannot set up the database";
	/* synchronous=FULL: a committed transaction survives a power cut, not
	 * only a crash of the process; writers batch to pay for the fsyncs. */
	if (sq_exec(&d->base, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON") < 0)
		goto fail;
	return &d->base;
fail:
	is_error_set(err, "ledger", path, 0, 0, "%s: %s", what,
	             d->db ? sqlite3_errmsg(d->db) : "out of memory");
	sqlite3_close(d->db);
	free(d);
	return NULL;
}
