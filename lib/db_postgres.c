/*
 * db.h on PostgreSQL (libpq). Each connection prepares a statement once, at
 * its first execution, and keeps it under a name made from its text, so the
 * ledger's hot statements are parsed and planned once per process. A
 * statement's rows arrive all at its first step, except with IS_DB_STREAM
 * inside a transaction: then they come through a cursor, a batch at a time,
 * so a million-row result never sits in memory and other statements can run
 * between two steps (libpq's single-row mode would hold the connection).
 *
 * Inside a write transaction, the executions of a statement prepared with
 * IS_DB_PERSISTENT that returns no rows (record's INSERTs) are pipelined:
 * sent at once, their results collected at the next statement that needs
 * an answer, at commit, or every PIPELINE_MAX of them. A failure among them
 * fails that point (the commit): the transaction is rolled back as a whole
 * either way. Without it every INSERT waits a round trip.
 *
 * Writers serialise on one transaction-scoped advisory lock
 * (IS_DB_WRITE_LOCK_KEY), taken right after BEGIN in READ COMMITTED: every
 * statement after it sees every transaction committed before it got the
 * lock, which is what SQLite's BEGIN IMMEDIATE gives. Readers take a
 * REPEATABLE READ snapshot and never wait.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_backend.h"
#include "strbuf.h"
#include "strmap.h"
#include "xalloc.h"
#include "banned.h"

enum { FETCH_ROWS = 1000, PIPELINE_MAX = 256 };

struct pg_db {
	struct is_db base;
	PGconn *conn;
	char *msg;                  /* owned: the last error */
	struct is_strmap prepared;  /* statement text -> its name (owned strings) */
	long nprepared, ncursors;
	long txn;                   /* counts the transactions begun */
	int writing;                /* in a write transaction */
	int pipelined;              /* commands sent whose results are not read */
};

struct pg_stmt {
	struct is_db_stmt base;
	struct pg_db *db;
	char *sql;                  /* owned; $1..$n placeholders */
	int nparams, flags;
	const char **values;        /* borrowed, or in own[] */
	char **own;                 /* copies of values given with a length */
	char (*num)[24];            /* the text of bound integers */
	PGresult *res;
	int row, nrows, executed, last_batch, deferred;
	char cursor[32];            /* "" when none is open */
	long cursor_txn;
};

static const struct is_db_ops pg_ops;

static struct pg_db *pdb(const struct is_db *db)
{
	return (struct pg_db *)db;
}

static void set_msg(struct pg_db *d, const PGresult *res)
{
	const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	size_t n;

	free(d->msg);
	d->msg = is_xstrdup(m ? m : PQerrorMessage(d->conn));
	n = strlen(d->msg);
	while (n && (d->msg[n - 1] == '\n' || d->msg[n - 1] == ' '))
		d->msg[--n] = '\0';
	if (!n) {
		free(d->msg);
		d->msg = is_xstrdup("the server gave no reason");
	}
}

/* Runs sql; the result when its status is one of the two wanted, else NULL
 * (the error kept). */
static PGresult *run(struct pg_db *d, PGresult *res)
{
	ExecStatusType s = PQresultStatus(res);

	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return res;
	set_msg(d, res);
	PQclear(res);
	return NULL;
}

/*
 * Reads the results of the pipelined commands and leaves pipeline mode.
 * Returns -1 (the first error kept) when one of them failed.
 */
static int pipeline_end(struct pg_db *d)
{
	int failed = 0, nulls = 0;

	if (PQpipelineStatus(d->conn) == PQ_PIPELINE_OFF)
		return 0;
	if (PQpipelineSync(d->conn) != 1) {
		set_msg(d, NULL);
		failed = 1;
	}
	while (!failed || PQstatus(d->conn) == CONNECTION_OK) {
		PGresult *res = PQgetResult(d->conn);
		ExecStatusType st;

		if (!res) {
			/* One NULL ends each command's results; two in a row: no more. */
			if (++nulls > 1 && PQstatus(d->conn) != CONNECTION_OK)
				break;
			continue;
		}
		nulls = 0;
		st = PQresultStatus(res);
		if (st == PGRES_FATAL_ERROR && !failed) {
			set_msg(d, res);
			failed = 1;
		}
		PQclear(res);
		if (st == PGRES_PIPELINE_SYNC)
			break;
	}
	if (PQstatus(d->conn) != CONNECTION_OK && !failed) {
		set_msg(d, NULL);
		failed = 1;
	}
	PQexitPipelineMode(d->conn);
	d->pipelined = 0;
	return failed ? -1 : 0;
}

static int pg_exec(struct is_db *db, const char *sql)
{
	PGresult *res;

	if (pipeline_end(pdb(db)) < 0)
		return -1;
	res = run(pdb(db), PQexec(pdb(db)->conn, sql));

	PQclear(res);
	return res ? 0 : -1;
}

static void pg_close(struct is_db *db)
{
	struct pg_db *d = pdb(db);
	const char *key;
	void *name;
	size_t i = 0;

	while (is_strmap_next(&d->prepared, &i, &key, &name))
		free(name);
	is_strmap_release(&d->prepared);
	PQfinish(d->conn);
	free(d->msg);
	free(d);
}

static const char *pg_errmsg(const struct is_db *db)
{
	return pdb(db)->msg ? pdb(db)->msg : "no error";
}

/*
 * '?' and '?NNN' as $n, outside quotes and comments; a bare '?' takes the
 * number after the highest so far, as in SQLite.
 */
char *is_db_postgres_placeholders(const char *sql, int *nparams)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	const char *p = sql;
	int high = 0;

	is_strbuf_init(&sb, strlen(sql) + 16);
	while (*p) {
		if (*p == '\'' || *p == '"') {
			const char *q = strchr(p + 1, *p);

			q = q ? q + 1 : p + strlen(p);
			is_strbuf_add(&sb, p, (size_t)(q - p));
			p = q;
		} else if (p[0] == '-' && p[1] == '-') {
			const char *q = strchr(p, '\n');

			q = q ? q : p + strlen(p);
			is_strbuf_add(&sb, p, (size_t)(q - p));
			p = q;
		} else if (*p == '?') {
			int n = 0;

			for (p++; *p >= '0' && *p <= '9'; p++)
				n = n * 10 + (*p - '0');
			if (!n)
				n = high + 1;
			if (n > high)
				high = n;
			is_strbuf_addf(&sb, "$%d", n);
		} else {
			is_strbuf_addch(&sb, *p++);
		}
	}
	*nparams = high;
	return is_strbuf_detach(&sb, NULL);
}

static int pg_prepare(struct is_db *db, const char *sql, int flags, struct is_db_stmt **st)
{
	struct pg_stmt *s = is_xcalloc(1, sizeof(*s));
	int n;

	s->base.ops = &pg_ops;
	s->db = pdb(db);
	s->flags = flags;
	s->sql = is_db_postgres_placeholders(sql, &s->nparams);
	n = s->nparams ? s->nparams : 1;
	s->values = is_xcalloc((size_t)n, sizeof(*s->values));
	s->own = is_xcalloc((size_t)n, sizeof(*s->own));
	s->num = is_xcalloc((size_t)n, sizeof(*s->num));
	*st = &s->base;
	return 0;
}

static struct pg_stmt *pst(struct is_db_stmt *st)
{
	return (struct pg_stmt *)st;
}

static void bind_clear(struct pg_stmt *s, int i)
{
	free(s->own[i]);
	s->own[i] = NULL;
}

static void pg_bind_text(struct is_db_stmt *st, int i, const char *text, size_t len)
{
	struct pg_stmt *s = pst(st);

	if (i < 1 || i > s->nparams)
		return;
	bind_clear(s, i - 1);
	/* libpq wants text parameters NUL-terminated: a length means a copy. */
	if (text && len != (size_t)-1) {
		s->own[i - 1] = is_xmalloc(len + 1);
		memcpy(s->own[i - 1], text, len);
		s->own[i - 1][len] = '\0';
		text = s->own[i - 1];
	}
	s->values[i - 1] = text;
}

static void pg_bind_int64(struct is_db_stmt *st, int i, int64_t v)
{
	struct pg_stmt *s = pst(st);

	if (i < 1 || i > s->nparams)
		return;
	bind_clear(s, i - 1);
	snprintf(s->num[i - 1], sizeof(s->num[i - 1]), "%lld", (long long)v);
	s->values[i - 1] = s->num[i - 1];
}

/* The name the connection prepared s->sql under, preparing it the first time. */
static const char *prepared_name(struct pg_stmt *s)
{
	struct pg_db *d = s->db;
	char *name = is_strmap_get(&d->prepared, s->sql);
	PGresult *res;

	if (name)
		return name;
	if (pipeline_end(d) < 0)
		return NULL;
	name = is_xasprintf("is_s%ld", ++d->nprepared);
	res = run(d, PQprepare(d->conn, name, s->sql, s->nparams, NULL));
	if (!res) {
		free(name);
		return NULL;
	}
	PQclear(res);
	is_strmap_put(&d->prepared, s->sql, name);
	return name;
}

static int fetch(struct pg_stmt *s)
{
	char sql[64];

	if (pipeline_end(s->db) < 0)
		return -1;
	PQclear(s->res);
	snprintf(sql, sizeof(sql), "FETCH FORWARD %d FROM %s", FETCH_ROWS, s->cursor);
	s->res = run(s->db, PQexec(s->db->conn, sql));
	if (!s->res)
		return -1;
	s->nrows = PQntuples(s->res);
	s->last_batch = s->nrows < FETCH_ROWS;
	s->row = -1;
	return 0;
}

static int in_txn(const struct pg_db *d)
{
	return PQtransactionStatus(d->conn) == PQTRANS_INTRANS;
}

static int open_cursor(struct pg_stmt *s)
{
	struct is_strbuf sql = IS_STRBUF_INIT;
	PGresult *res;

	if (pipeline_end(s->db) < 0)
		return -1;
	snprintf(s->cursor, sizeof(s->cursor), "is_c%ld", ++s->db->ncursors);
	is_strbuf_addf(&sql, "DECLARE %s NO SCROLL CURSOR FOR %s", s->cursor, s->sql);
	res = run(s->db, PQexecParams(s->db->conn, sql.buf, s->nparams, NULL, s->values,
	                              NULL, NULL, 0));
	is_strbuf_release(&sql);
	if (!res) {
		s->cursor[0] = '\0';
		return -1;
	}
	PQclear(res);
	s->cursor_txn = s->db->txn;
	return fetch(s);
}

/* An INSERT of record's, in a write transaction: its result can wait. */
static int can_defer(const struct pg_stmt *s)
{
	return (s->flags & IS_DB_PERSISTENT) && s->db->writing &&
	       !strncmp(s->sql, "INSERT ", 7) && !strstr(s->sql, "RETURNING");
}

static int send_deferred(struct pg_stmt *s, const char *name)
{
	struct pg_db *d = s->db;

	if (d->pipelined >= PIPELINE_MAX && pipeline_end(d) < 0)
		return -1;
	if (PQpipelineStatus(d->conn) == PQ_PIPELINE_OFF && PQenterPipelineMode(d->conn) != 1) {
		set_msg(d, NULL);
		return -1;
	}
	if (PQsendQueryPrepared(d->conn, name, s->nparams, s->values, NULL, NULL, 0) != 1) {
		set_msg(d, NULL);
		return -1;
	}
	d->pipelined++;
	s->deferred = 1;
	return 0;
}

static int execute(struct pg_stmt *s)
{
	const char *name;

	if ((s->flags & IS_DB_STREAM) && in_txn(s->db))
		return open_cursor(s);
	if (!(name = prepared_name(s)))
		return -1;
	if (can_defer(s))
		return send_deferred(s, name);
	if (pipeline_end(s->db) < 0)
		return -1;
	s->res = run(s->db, PQexecPrepared(s->db->conn, name, s->nparams, s->values, NULL,
	                                   NULL, 0));
	if (!s->res)
		return -1;
	s->nrows = PQresultStatus(s->res) == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
	s->last_batch = 1;
	s->row = -1;
	return 0;
}

static int pg_step(struct is_db_stmt *st)
{
	struct pg_stmt *s = pst(st);

	if (!s->executed) {
		s->executed = 1;
		if (execute(s) < 0)
			return IS_DB_ERROR;
	}
	if (s->deferred)
		return IS_DB_DONE;
	if (!s->res)
		return IS_DB_ERROR;
	if (++s->row < s->nrows)
		return IS_DB_ROW;
	if (s->last_batch)
		return IS_DB_DONE;
	if (fetch(s) < 0)
		return IS_DB_ERROR;
	return ++s->row < s->nrows ? IS_DB_ROW : IS_DB_DONE;
}

static int has_row(struct pg_stmt *s, int i)
{
	return s->res && s->row >= 0 && s->row < s->nrows && i >= 0 && i < PQnfields(s->res);
}

static enum is_db_type pg_column_type(struct is_db_stmt *st, int i)
{
	struct pg_stmt *s = pst(st);

	if (!has_row(s, i) || PQgetisnull(s->res, s->row, i))
		return IS_DB_NULL;
	switch (PQftype(s->res, i)) {
	case 16: case 20: case 21: case 23:   /* bool, int8, int2, int4 */
		return IS_DB_INTEGER;
	case 700: case 701: case 1700:        /* float4, float8, numeric */
		return IS_DB_FLOAT;
	default:
		return IS_DB_TEXT;
	}
}

static const char *pg_column_text(struct is_db_stmt *st, int i)
{
	struct pg_stmt *s = pst(st);

	if (!has_row(s, i) || PQgetisnull(s->res, s->row, i))
		return NULL;
	return PQgetvalue(s->res, s->row, i);
}

static size_t pg_column_bytes(struct is_db_stmt *st, int i)
{
	struct pg_stmt *s = pst(st);

	return has_row(s, i) ? (size_t)PQgetlength(s->res, s->row, i) : 0;
}

static int64_t pg_column_int64(struct is_db_stmt *st, int i)
{
	const char *t = pg_column_text(st, i);

	if (!t)
		return 0;
	if (PQftype(pst(st)->res, i) == 16)
		return *t == 't';
	return strtoll(t, NULL, 10);
}

static double pg_column_double(struct is_db_stmt *st, int i)
{
	const char *t = pg_column_text(st, i);

	return t ? strtod(t, NULL) : 0;
}

static void pg_reset(struct is_db_stmt *st)
{
	struct pg_stmt *s = pst(st);

	PQclear(s->res);
	s->res = NULL;
	/* A cursor dies with its transaction; CLOSE in another would fail it. */
	if (s->cursor[0] && s->cursor_txn == s->db->txn && in_txn(s->db) &&
	    pipeline_end(s->db) == 0) {
		char sql[48];

		snprintf(sql, sizeof(sql), "CLOSE %s", s->cursor);
		PQclear(PQexec(s->db->conn, sql));
	}
	s->cursor[0] = '\0';
	s->executed = 0;
	s->deferred = 0;
	s->nrows = 0;
	s->row = -1;
}

static void pg_finalize(struct is_db_stmt *st)
{
	struct pg_stmt *s = pst(st);
	int i;

	pg_reset(st);
	for (i = 0; i < s->nparams; i++)
		bind_clear(s, i);
	free(s->own);
	free(s->num);
	free(s->values);
	free(s->sql);
	free(s);
}

static int pg_begin_write(struct is_db *db)
{
	char sql[96];

	pdb(db)->txn++;
	snprintf(sql, sizeof(sql), "BEGIN; SELECT pg_advisory_xact_lock(%lld)",
	         (long long)IS_DB_WRITE_LOCK_KEY);
	if (pg_exec(db, sql) < 0) {
		PQclear(PQexec(pdb(db)->conn, "ROLLBACK"));
		return -1;
	}
	pdb(db)->writing = 1;
	return 0;
}

static int pg_begin_read(struct is_db *db)
{
	pdb(db)->txn++;
	return pg_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
}

static int pg_in_transaction(const struct is_db *db)
{
	return PQtransactionStatus(pdb(db)->conn) != PQTRANS_IDLE;
}

static void pg_rollback(struct is_db *db)
{
	pipeline_end(pdb(db));
	pdb(db)->writing = 0;
	if (pg_in_transaction(db))
		PQclear(PQexec(pdb(db)->conn, "ROLLBACK"));
}

/* COMMIT of a failed transaction "succeeds" as a ROLLBACK: that is a failure. */
static int pg_commit(struct is_db *db)
{
	struct pg_db *d = pdb(db);
	PGresult *res;
	int ok;

	if (pipeline_end(d) < 0) {
		char *msg = d->msg;

		d->msg = NULL;
		pg_rollback(db);
		free(d->msg);
		d->msg = msg;
		return -1;
	}
	d->writing = 0;
	if (PQtransactionStatus(d->conn) == PQTRANS_INERROR) {
		free(d->msg);
		d->msg = is_xstrdup("the transaction failed earlier and was rolled back");
		pg_rollback(db);
		return -1;
	}
	if (!(res = run(d, PQexec(d->conn, "COMMIT"))))
		return -1;
	ok = !strcmp(PQcmdStatus(res), "COMMIT");
	PQclear(res);
	if (!ok) {
		free(d->msg);
		d->msg = is_xstrdup("the transaction was rolled back");
	}
	return ok ? 0 : -1;
}

static const struct is_db_ops pg_ops = {
	IS_DB_POSTGRES, pg_close, pg_errmsg, pg_exec, pg_prepare, pg_bind_text,
	pg_bind_int64, pg_step, pg_column_type, pg_column_text, pg_column_bytes,
	pg_column_int64, pg_column_double, pg_reset, pg_finalize, pg_begin_write,
	pg_begin_read, pg_commit, pg_rollback, pg_in_transaction,
};

/* The server's notices (NOTICE: relation exists, skipping) are not ours to print. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

struct is_db *is_db_postgres_open(const char *uri, struct is_error *err)
{
	struct pg_db *d = is_xcalloc(1, sizeof(*d));
	char *shown;

	d->base.ops = &pg_ops;
	is_strmap_init(&d->prepared);
	d->conn = PQconnectdb(uri);
	if (PQstatus(d->conn) == CONNECTION_OK) {
		PQsetNoticeProcessor(d->conn, quiet, NULL);
		return &d->base;
	}
	set_msg(d, NULL);
	shown = is_db_target_display(uri);
	is_error_set(err, "ledger", shown, 0, 0, "cannot connect to the database: %s", d->msg);
	free(shown);
	pg_close(&d->base);
	return NULL;
}
