/*
 * The PostgreSQL providers' connection, errors, queries and quoting. The
 * kinds themselves are in provider_postgres_role.c, _database.c and
 * _grant.c; the spec readers in provider_postgres_spec.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider_postgres.h"
#include "xalloc.h"
#include "banned.h"

#define PG_CONNECT_TIMEOUT "10"   /* seconds, when spec.server sets none */

void is_pg_init(struct is_pg *pg, struct is_provider_request *req,
                struct is_provider_result *res)
{
	memset(pg, 0, sizeof(*pg));
	pg->req = req;
	pg->res = res;
}

void is_pg_disconnect(struct is_pg *pg)
{
	if (pg->conn)
		PQfinish(pg->conn);
	pg->conn = NULL;
	free(pg->dbname);
	pg->dbname = NULL;
}

void is_pg_release(struct is_pg *pg)
{
	is_pg_disconnect(pg);
}

int is_pg_fail(struct is_pg *pg, const char *fmt, ...)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	va_list ap;

	is_error_release(&pg->res->err);
	is_strbuf_addf(&sb, "%s: ", is_provider_op_name(pg->req->op));
	va_start(ap, fmt);
	is_error_vset(&pg->res->err, "provider-postgres", NULL, 0, 0, fmt, ap);
	va_end(ap);
	is_strbuf_adds(&sb, pg->res->err.message);
	free(pg->res->err.message);
	pg->res->err.message = is_strbuf_detach(&sb, NULL);
	is_error_set_id(&pg->res->err, pg->req->id);
	return -1;
}

/* libpq's message on one line, without its trailing newline and with
 * what follows "\n" (DETAIL lines of a connection error) joined by "; ". */
static char *one_line(const char *msg)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	const char *p;

	for (p = msg ? msg : ""; *p; p++) {
		if (*p == '\n') {
			while (p[1] == '\t' || p[1] == ' ')
				p++;
			if (p[1] && p[1] != '\n')
				is_strbuf_adds(&sb, "; ");
			continue;
		}
		is_strbuf_addch(&sb, *p);
	}
	return is_strbuf_detach(&sb, NULL);
}

/*
 * libpq's message about a connection string it cannot read may quote parts
 * of the string, which may hold the password: the quoted parts are left out.
 */
static char *without_quotes(const char *msg)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	int inside = 0;
	const char *p;

	for (p = msg ? msg : ""; *p && *p != '\n'; p++) {
		if (*p == '"') {
			if (!inside)
				is_strbuf_adds(&sb, "\"...\"");
			inside = !inside;
		} else if (!inside) {
			is_strbuf_addch(&sb, *p);
		}
	}
	return is_strbuf_detach(&sb, NULL);
}


/* A connection that failed for a reason that will not pass on its own. */
static int lasting_failure(PGconn *conn, const char *msg)
{
	return PQconnectionNeedsPassword(conn) || strstr(msg, "authentication failed") ||
	       strstr(msg, "does not exist") || strstr(msg, "no password supplied") ||
	       strstr(msg, "no pg_hba.conf entry");
}

/* The value of keyword in the parsed options, or NULL. */
static const char *value_of(const PQconninfoOption *opts, const char *keyword)
{
	for (; opts && opts->keyword; opts++)
		if (!strcmp(opts->keyword, keyword))
			return opts->val && *opts->val ? opts->val : NULL;
	return NULL;
}

/* A password written in spec.server rather than taken from a secret is
 * hidden all the same, raw and percent-encoded, from what is-exec writes. */
static void hide_server_password(struct is_pg *pg, const PQconninfoOption *opts)
{
	const char *password = value_of(opts, "password");
	struct is_strbuf enc = IS_STRBUF_INIT;

	if (!password || pg->server_hidden)
		return;
	pg->server_hidden = 1;
	is_provider_result_add_secret(pg->res, password);
	is_pg_add_uri_component(&enc, password);
	is_provider_result_add_secret(pg->res, enc.buf);
	is_strbuf_release(&enc);
}

int is_pg_connect(struct is_pg *pg, const char *dbname)
{
	const char *keys[7], *vals[7];
	PQconninfoOption *opts;
	char *perr = NULL, *msg, options[64];
	int n = 0, lasting;

	is_pg_disconnect(pg);
	opts = PQconninfoParse(pg->server, &perr);
	if (!opts) {
		msg = without_quotes(perr);
		PQfreemem(perr);
		is_pg_fail(pg, "spec.server is not a libpq connection string or URI (%s): "
		           "give 'host=... dbname=...' or 'postgresql://user@host/db'", msg);
		free(msg);
		return -1;
	}
	keys[n] = "dbname", vals[n++] = pg->server;
	if (dbname)
		keys[n] = "dbname", vals[n++] = dbname;
	if (!value_of(opts, "connect_timeout"))
		keys[n] = "connect_timeout", vals[n++] = PG_CONNECT_TIMEOUT;
	if (!value_of(opts, "application_name"))
		keys[n] = "application_name", vals[n++] = "infrastream";
	/* A statement that outlives metadata.timeout is cancelled by the
	 * server: a worker thread cannot be killed as a process can. */
	if (pg->req->timeout > 0 && !value_of(opts, "options")) {
		snprintf(options, sizeof(options), "-c statement_timeout=%.0f",
		         pg->req->timeout * 1000 < 1 ? 1 : pg->req->timeout * 1000);
		keys[n] = "options", vals[n++] = options;
	}
	keys[n] = NULL, vals[n] = NULL;
	hide_server_password(pg, opts);
	PQconninfoFree(opts);
	pg->conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(pg->conn) == CONNECTION_OK) {
		pg->dbname = is_xstrdup(PQdb(pg->conn));
		return 0;
	}
	msg = one_line(PQerrorMessage(pg->conn));
	lasting = lasting_failure(pg->conn, msg);
	pg->res->retryable = !lasting;
	is_pg_fail(pg, "cannot connect to the PostgreSQL server%s%s: %s (%s)",
	           dbname ? ", database " : "", dbname ? dbname : "", msg,
	           lasting ? "check the user, password and database in spec.server"
	                   : "is the server up and reachable? this is retried");
	free(msg);
	is_pg_disconnect(pg);
	return -1;
}

/* SQLSTATEs that may pass on their own: connection trouble (class 08),
 * serialization failures, deadlocks, lock timeouts, a server starting or
 * shutting down, too many connections. */
static int retryable_state(const char *state)
{
	static const char *const states[] = { "40001", "40P01", "55P03", "57P01", "57P03",
	                                      "53300", "53000", NULL };
	const char *const *s;

	if (!state)
		return 1;   /* no SQLSTATE: the connection itself went away */
	if (!strncmp(state, "08", 2))
		return 1;
	for (s = states; *s; s++)
		if (!strcmp(*s, state))
			return 1;
	return 0;
}

/* What to do about the SQLSTATEs a provider meets most, when PostgreSQL
 * gives no hint of its own. */
static const char *advice(const char *state)
{
	static const struct { const char *state, *text; } table[] = {
		{ "42501", "the role of spec.server lacks the right: use a superuser, or one "
		           "with CREATEROLE and CREATEDB that is a member of the owner roles" },
		{ "42704", "a role it names does not exist: make it first (reference its "
		           "PostgresRole, so it comes before)" },
		{ "3D000", "the database does not exist: make it first (reference its "
		           "PostgresDatabase)" },
		{ "3F000", "the schema does not exist: make it first, or name another in "
		           "spec.schema" },
		{ "2BP01", "other objects depend on it: delete or reassign those first" },
		{ "55006", "it is in use: wait until the other sessions leave, or end them" },
		{ "57014", "it ran past metadata.timeout, likely waiting on a lock another "
		           "session holds" },
		{ "22023", "a value in the spec is not valid for PostgreSQL: check the "
		           "encoding and locale names (SELECT * FROM pg_collation)" },
		{ "58P01", "a file is missing on the server: is the extension installed "
		           "there (its package, e.g. postgresql-contrib)?" },
	};
	size_t i;

	for (i = 0; state && i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].state, state))
			return table[i].text;
	return NULL;
}

/* Fills the error from a failed result: "what: message (SQLSTATE x); hint". */
static void sql_error(struct is_pg *pg, const char *what, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_HINT) : NULL;
	char *msg = one_line(primary ? primary : PQerrorMessage(pg->conn));

	if (!hint)
		hint = advice(state);

	pg->res->retryable = retryable_state(state);
	is_pg_fail(pg, "%s: %s (SQLSTATE %s)%s%s%s%s%s", what, msg, state ? state : "none",
	           detail ? "; " : "", detail ? detail : "", hint ? "; hint: " : "",
	           hint ? hint : "",
	           pg->res->retryable ? "; this is retried" : "");
	free(msg);
}

PGresult *is_pg_query(struct is_pg *pg, const char *what, const char *sql, int nparams,
                      const char *const *params)
{
	PGresult *r = PQexecParams(pg->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);

	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return r;
	sql_error(pg, what, r);
	PQclear(r);
	return NULL;
}

int is_pg_exec(struct is_pg *pg, const char *what, const char *sql, int nparams,
               const char *const *params)
{
	PGresult *r = is_pg_query(pg, what, sql, nparams, params);

	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

char *is_pg_value(struct is_pg *pg, const char *what, const char *sql, int nparams,
                  const char *const *params, int *failed)
{
	PGresult *r = is_pg_query(pg, what, sql, nparams, params);
	char *v = NULL;

	*failed = !r;
	if (r && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
		v = is_xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

/* The quoted form from libpq, copied so one free() releases it. libpq
 * fails only on text that is not valid in the connection's encoding or
 * when out of memory: the result is then a quoted empty name that the
 * server rejects, never the raw text. */
static char *copied(char *quoted, const char *fallback)
{
	char *s = is_xstrdup(quoted ? quoted : fallback);

	PQfreemem(quoted);
	return s;
}

char *is_pg_ident(struct is_pg *pg, const char *name)
{
	return copied(PQescapeIdentifier(pg->conn, name, strlen(name)), "\"\"");
}

char *is_pg_literal(struct is_pg *pg, const char *text)
{
	return copied(PQescapeLiteral(pg->conn, text, strlen(text)), "NULL");
}

void is_pg_add_ident(struct is_pg *pg, struct is_strbuf *sb, const char *name)
{
	char *q = is_pg_ident(pg, name);

	is_strbuf_adds(sb, q);
	free(q);
}

void is_pg_add_literal(struct is_pg *pg, struct is_strbuf *sb, const char *text)
{
	char *q = is_pg_literal(pg, text);

	is_strbuf_adds(sb, q);
	free(q);
}
