#ifndef IS_PROVIDER_POSTGRES_H
#define IS_PROVIDER_POSTGRES_H
#include <jansson.h>
#include <libpq-fe.h>

#include "provider.h"
#include "strbuf.h"

/*
 * What the PostgreSQL providers (PostgresRole, PostgresDatabase,
 * PostgresGrant) share: one call's connection, its errors, the spec readers
 * and the quoting of names and values. Every name or value from a manifest
 * reaches SQL through is_pg_ident (PQescapeIdentifier), is_pg_literal
 * (PQescapeLiteral) or a query parameter, never pasted in.
 *
 * One struct is_pg per provider call: it lives on the worker thread that
 * runs the call and is never shared, so the providers are thread-safe as
 * libpq is.
 */
struct is_pg {
	struct is_provider_request *req;   /* borrowed */
	struct is_provider_result *res;    /* borrowed */
	const char *server;                /* borrowed: spec.server */
	PGconn *conn;                      /* owned; NULL until connected */
	char *dbname;                      /* owned: the database connected to */
	int server_hidden;                 /* spec.server's password declared secret */
};

void is_pg_init(struct is_pg *pg, struct is_provider_request *req,
                struct is_provider_result *res);
/* Closes the connection and frees what pg owns. */
void is_pg_release(struct is_pg *pg);

/*
 * Fills res->err with "OP: message" (and the resource id), returns -1. The
 * message says what failed and what to do.
 */
int is_pg_fail(struct is_pg *pg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Reads spec.server (required, a libpq connection string or URI) into
 * pg->server and checks the spec has only keys from allowed (a NULL-ended
 * list, "server" among them). Returns 0, or -1 with the error filled.
 */
int is_pg_spec_begin(struct is_pg *pg, const char *const *allowed);
/* spec[key] as a string: 0 and *out set (borrowed), 1 when absent (*out =
 * dflt), -1 (error filled) when not a string or empty. */
int is_pg_spec_string(struct is_pg *pg, const char *key, const char *dflt, const char **out);
/* spec[key] as a boolean: 0/1 into *out, dflt when absent; -1 when not one. */
int is_pg_spec_bool(struct is_pg *pg, const char *key, int dflt, int *out);
/* spec[key] as an integer (or its decimal text): -1 when not one. */
int is_pg_spec_int(struct is_pg *pg, const char *key, long long dflt, long long *out);
/* spec[key] as an array of non-empty strings, a new reference (an empty
 * array when absent); NULL with the error filled when not one. */
json_t *is_pg_spec_names(struct is_pg *pg, const char *key);
/* The longest name PostgreSQL keeps whole (NAMEDATALEN - 1 bytes); it cuts
 * longer ones with no more than a notice, so they are refused instead. */
#define IS_PG_NAME_MAX 63
/* 0, or -1 with the error filled when name (NULL: none) is too long. */
int is_pg_check_name(struct is_pg *pg, const char *key, const char *name);
/* The object's name: spec.name, else the resource's own name (the id after
 * its '/'). Borrowed; NULL with the error filled when too long. */
const char *is_pg_object_name(struct is_pg *pg);

/*
 * Connects to spec.server, on database dbname instead of the one it names
 * when dbname is not NULL. A connection that fails is retryable unless the
 * server refused the credentials or the database does not exist. The
 * server's password never appears in a message, and one written in
 * spec.server is declared a secret. With a timeout (metadata.timeout), the
 * server cancels statements that run past it.
 */
int is_pg_connect(struct is_pg *pg, const char *dbname);
/* Closes the connection (to connect to another database). */
void is_pg_disconnect(struct is_pg *pg);

/*
 * Runs sql with text parameters (nparams of them, NULL for SQL NULL).
 * Returns the result, which the caller PQclear()s, or NULL with the error
 * filled: "what: PostgreSQL's message (SQLSTATE ...)" and its hint.
 */
PGresult *is_pg_query(struct is_pg *pg, const char *what, const char *sql, int nparams,
                      const char *const *params);
/* The same for a statement whose rows do not matter: 0 or -1. */
int is_pg_exec(struct is_pg *pg, const char *what, const char *sql, int nparams,
               const char *const *params);
/* A one-row one-column query's value as a new string, NULL for no row or
 * SQL NULL; *failed set to 1 on error (filled). */
char *is_pg_value(struct is_pg *pg, const char *what, const char *sql, int nparams,
                  const char *const *params, int *failed);

/* name quoted as an SQL identifier ("a""b"), a new string (is_xstrdup'ed). */
char *is_pg_ident(struct is_pg *pg, const char *name);
/* text quoted as an SQL string literal, a new string. */
char *is_pg_literal(struct is_pg *pg, const char *text);
/* Appends the quoted forms: buffers built of quoted parts stay unescaped-free. */
void is_pg_add_ident(struct is_pg *pg, struct is_strbuf *sb, const char *name);
void is_pg_add_literal(struct is_pg *pg, struct is_strbuf *sb, const char *text);

/* Percent-encodes text for a URI component (RFC 3986 unreserved kept). */
void is_pg_add_uri_component(struct is_strbuf *sb, const char *text);
/*
 * A libpq URI for user (with password, when not NULL) on database dbname
 * at host and port; a host that is a socket folder ("/...") goes in the
 * query string, as libpq reads it. A new string.
 */
char *is_pg_url(const char *user, const char *password, const char *host, const char *port,
                const char *dbname);
/* A random password of letters and digits (len < 128), into out[len+1].
 * Returns 0, or -1 when the system has no randomness to give. */
int is_pg_random_password(char *out, size_t len);
/* Whether the two arrays of strings hold the same set. */
int is_pg_same_set(const json_t *a, const json_t *b);
/* A new array holding the strings of a missing from b. */
json_t *is_pg_set_minus(const json_t *a, const json_t *b);
/* Adds {"was": was, "now": now} under key to *drift (created when NULL);
 * steals neither. */
void is_pg_drift(json_t **drift, const char *key, json_t *was, json_t *now);

#endif
