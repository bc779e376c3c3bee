/*
 * PostgresDatabase: one database on a PostgreSQL server, its owner, its
 * encoding and locale, its extensions, and the connection details its
 * dependents use. Spec, outputs and behaviour are in
 * infrastream-provider-postgres(7).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "provider_postgres.h"
#include "xalloc.h"
#include "banned.h"

static const char *const database_keys[] = {
	"server", "name", "owner", "encoding", "locale", "lcCollate", "lcCtype",
	"extensions", "dropWithData", "user", "password", "host", "port", NULL
};

struct database {
	const char *name, *owner, *encoding, *collate, *ctype;   /* borrowed */
	const char *user, *password, *host, *port;                /* borrowed */
	json_t *extensions;                                       /* owned */
	int drop_with_data;
	char port_text[24];      /* spec.port given as a number */
};

struct database_state {
	int exists;
	char *owner, *encoding, *collate, *ctype;                 /* owned */
	json_t *extensions;                                       /* owned, sorted */
};

static void state_release(struct database_state *st)
{
	free(st->owner);
	free(st->encoding);
	free(st->collate);
	free(st->ctype);
	json_decref(st->extensions);
	memset(st, 0, sizeof(*st));
}

static int read_spec(struct is_pg *pg, struct database *d)
{
	const char *locale;

	memset(d, 0, sizeof(*d));
	if (is_pg_spec_begin(pg, database_keys) < 0)
		return -1;
	if (!(d->name = is_pg_object_name(pg)))
		return -1;
	if (is_pg_spec_string(pg, "owner", NULL, &d->owner) < 0 ||
	    is_pg_check_name(pg, "spec.owner", d->owner) < 0 ||
	    is_pg_spec_string(pg, "encoding", NULL, &d->encoding) < 0 ||
	    is_pg_spec_string(pg, "locale", NULL, &locale) < 0 ||
	    is_pg_spec_string(pg, "lcCollate", locale, &d->collate) < 0 ||
	    is_pg_spec_string(pg, "lcCtype", locale, &d->ctype) < 0 ||
	    is_pg_spec_string(pg, "user", NULL, &d->user) < 0 ||
	    is_pg_spec_string(pg, "password", NULL, &d->password) < 0 ||
	    is_pg_spec_string(pg, "host", NULL, &d->host) < 0 ||
	    is_pg_spec_bool(pg, "dropWithData", 0, &d->drop_with_data) < 0)
		return -1;
	if (json_is_integer(json_object_get(pg->req->spec, "port"))) {
		snprintf(d->port_text, sizeof(d->port_text), "%lld",
		         (long long)json_integer_value(json_object_get(pg->req->spec, "port")));
		d->port = d->port_text;
	} else if (is_pg_spec_string(pg, "port", NULL, &d->port) < 0) {
		return -1;
	}
	d->extensions = is_pg_spec_names(pg, "extensions");
	return d->extensions ? 0 : -1;
}

static char *column(PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : is_xstrdup(PQgetvalue(r, row, col));
}

/* The database as the server has it; its extensions are read by
 * read_extensions, on a connection to it. */
static int read_state(struct is_pg *pg, const char *name, struct database_state *st)
{
	const char *params[1] = { name };
	PGresult *r;

	memset(st, 0, sizeof(*st));
	r = is_pg_query(pg, "reading the database",
	                "SELECT pg_catalog.pg_get_userbyid(datdba), "
	                "pg_catalog.pg_encoding_to_char(encoding), datcollate, datctype "
	                "FROM pg_catalog.pg_database WHERE datname = $1", 1, params);
	if (!r)
		return -1;
	st->exists = PQntuples(r) == 1;
	if (st->exists) {
		st->owner = column(r, 0, 0);
		st->encoding = column(r, 0, 1);
		st->collate = column(r, 0, 2);
		st->ctype = column(r, 0, 3);
	}
	PQclear(r);
	st->extensions = json_array();
	return 0;
}

/* On a connection to the database: its extensions but plpgsql, which every
 * database has. */
static int read_extensions(struct is_pg *pg, struct database_state *st)
{
	PGresult *r = is_pg_query(pg, "reading the extensions",
	                          "SELECT extname FROM pg_catalog.pg_extension "
	                          "WHERE extname <> 'plpgsql' ORDER BY 1", 0, NULL);
	int i;

	if (!r)
		return -1;
	json_array_clear(st->extensions);
	for (i = 0; i < PQntuples(r); i++)
		json_array_append_new(st->extensions, json_string(PQgetvalue(r, i, 0)));
	PQclear(r);
	return 0;
}

/* Connects to the database itself and reads its extensions. */
static int enter(struct is_pg *pg, const struct database *d, struct database_state *st)
{
	return is_pg_connect(pg, d->name) < 0 ? -1 : read_extensions(pg, st);
}

/* What differs between the spec and an existing database, or NULL. */
static char *differences(const struct database *d, const struct database_state *st)
{
	struct is_strbuf sb = IS_STRBUF_INIT;

	if (d->owner && strcmp(d->owner, st->owner))
		is_strbuf_addf(&sb, "its owner is '%s' (the spec says '%s')", st->owner, d->owner);
	if (d->encoding && strcasecmp(d->encoding, st->encoding))
		is_strbuf_addf(&sb, "%sits encoding is %s (the spec says %s)", sb.len ? "; " : "",
		               st->encoding, d->encoding);
	if (d->collate && strcmp(d->collate, st->collate))
		is_strbuf_addf(&sb, "%sLC_COLLATE is '%s' (the spec says '%s')", sb.len ? "; " : "",
		               st->collate, d->collate);
	if (d->ctype && strcmp(d->ctype, st->ctype))
		is_strbuf_addf(&sb, "%sLC_CTYPE is '%s' (the spec says '%s')", sb.len ? "; " : "",
		               st->ctype, d->ctype);
	return sb.len ? is_strbuf_detach(&sb, NULL) : (is_strbuf_release(&sb), NULL);
}

/* Whether the spec asks for an encoding or locale template1 does not have:
 * then the copy must be of template0, which has no locale-bound data. */
static int needs_template0(struct is_pg *pg, const struct database *d, int *failed)
{
	struct database_state t1;
	int differs;

	*failed = read_state(pg, "template1", &t1) < 0;
	if (*failed || !t1.exists) {
		state_release(&t1);
		return 1;
	}
	differs = (d->encoding && strcasecmp(d->encoding, t1.encoding)) ||
	          (d->collate && strcmp(d->collate, t1.collate)) ||
	          (d->ctype && strcmp(d->ctype, t1.ctype));
	state_release(&t1);
	return differs;
}

static int create_database(struct is_pg *pg, const struct database *d)
{
	struct is_strbuf sql = IS_STRBUF_INIT;
	int failed, template0 = needs_template0(pg, d, &failed), rc;

	if (failed)
		return -1;
	is_strbuf_adds(&sql, "CREATE DATABASE ");
	is_pg_add_ident(pg, &sql, d->name);
	if (d->owner) {
		is_strbuf_adds(&sql, " OWNER ");
		is_pg_add_ident(pg, &sql, d->owner);
	}
	if (d->encoding) {
		is_strbuf_adds(&sql, " ENCODING ");
		is_pg_add_literal(pg, &sql, d->encoding);
	}
	if (d->collate) {
		is_strbuf_adds(&sql, " LC_COLLATE ");
		is_pg_add_literal(pg, &sql, d->collate);
	}
	if (d->ctype) {
		is_strbuf_adds(&sql, " LC_CTYPE ");
		is_pg_add_literal(pg, &sql, d->ctype);
	}
	if (template0)
		is_strbuf_adds(&sql, " TEMPLATE template0");
	rc = is_pg_exec(pg, "creating the database", sql.buf, 0, NULL);
	is_strbuf_release(&sql);
	return rc;
}

/* On a connection to the database: CREATE EXTENSION for each one missing. */
static int add_extensions(struct is_pg *pg, const struct database *d,
                          const struct database_state *st)
{
	json_t *missing = is_pg_set_minus(d->extensions, st->extensions), *e;
	struct is_strbuf sql = IS_STRBUF_INIT;
	size_t i;
	int rc = 0;

	json_array_foreach(missing, i, e) {
		is_strbuf_reset(&sql);
		is_strbuf_adds(&sql, "CREATE EXTENSION IF NOT EXISTS ");
		is_pg_add_ident(pg, &sql, json_string_value(e));
		if ((rc = is_pg_exec(pg, "creating an extension", sql.buf, 0, NULL)) < 0)
			break;
	}
	is_strbuf_release(&sql);
	json_decref(missing);
	return rc;
}

static json_t *state_outputs(struct is_pg *pg, const struct database *d,
                             const struct database_state *st)
{
	const char *host = d->host ? d->host : PQhost(pg->conn);
	const char *port = d->port ? d->port : PQport(pg->conn);
	const char *user = d->user ? d->user : st->owner;
	char *url = is_pg_url(user, d->password, host, port, d->name);
	json_t *out;

	out = json_pack("{s:s,s:s?,s:s?,s:s?,s:s?,s:O,s:s?,s:s?,s:s,s:s?,s:s}",
	                "name", d->name, "owner", st->owner, "encoding", st->encoding,
	                "lcCollate", st->collate, "lcCtype", st->ctype,
	                "extensions", st->extensions, "host", host, "port", port,
	                "dbname", d->name, "user", user, "url", url);
	if (d->password) {
		struct is_strbuf enc = IS_STRBUF_INIT;

		is_provider_result_add_secret(pg->res, d->password);
		is_pg_add_uri_component(&enc, d->password);
		is_provider_result_add_secret(pg->res, enc.buf);
		is_strbuf_release(&enc);
	}
	free(url);
	return out;
}

/* After create or update, connected to the server's database: brings the
 * extensions up to the spec and reads the outputs back. */
static int finish(struct is_pg *pg, const struct database *d)
{
	struct database_state st;
	int rc = read_state(pg, d->name, &st);

	if (rc == 0 && !st.exists)
		rc = is_pg_fail(pg, "database '%s' is gone right after it was made", d->name);
	if (rc == 0)
		rc = enter(pg, d, &st);
	if (rc == 0)
		rc = add_extensions(pg, d, &st);
	if (rc == 0)
		rc = read_extensions(pg, &st);
	if (rc == 0)
		pg->res->outputs = state_outputs(pg, d, &st);
	state_release(&st);
	return rc;
}

static int database_create(struct is_pg *pg, const struct database *d,
                           const struct database_state *st)
{
	char *diff;

	if (st->exists && (diff = differences(d, st)) != NULL) {
		is_pg_fail(pg, "database '%s' already exists and differs from the spec: %s "
		           "(change the spec to match, or ALTER or drop the database by hand; "
		           "nothing was changed)", d->name, diff);
		free(diff);
		return -1;
	}
	if (!st->exists && create_database(pg, d) < 0)
		return -1;
	return finish(pg, d);
}

static int database_update(struct is_pg *pg, const struct database *d,
                           const struct database_state *st)
{
	struct is_strbuf sql = IS_STRBUF_INIT;
	int rc = 0;

	if (!st->exists)
		return create_database(pg, d) < 0 ? -1 : finish(pg, d);
	if (d->owner && strcmp(d->owner, st->owner)) {
		is_strbuf_adds(&sql, "ALTER DATABASE ");
		is_pg_add_ident(pg, &sql, d->name);
		is_strbuf_adds(&sql, " OWNER TO ");
		is_pg_add_ident(pg, &sql, d->owner);
		rc = is_pg_exec(pg, "changing the owner", sql.buf, 0, NULL);
	}
	is_strbuf_release(&sql);
	return rc < 0 ? -1 : finish(pg, d);
}

static int database_read(struct is_pg *pg, const struct database *d, struct database_state *st)
{
	static const char *const compared[] = { "owner", "encoding", "lcCollate", "lcCtype",
	                                        "extensions", NULL };
	json_t *prior = pg->req->prior;
	const char *const *k;

	if (!st->exists) {
		pg->res->outputs = json_object();
		pg->res->drift = json_pack("{s:b}", "gone", 1);
		return 0;
	}
	if (enter(pg, d, st) < 0)
		return -1;
	pg->res->outputs = state_outputs(pg, d, st);
	for (k = compared; prior && *k; k++) {
		json_t *was = json_object_get(prior, *k), *now = json_object_get(pg->res->outputs, *k);

		if (was && !json_equal(was, now))
			is_pg_drift(&pg->res->drift, *k, was, now);
	}
	return 0;
}

/* Who else is connected to the database, as "N session(s) (user@app, ...)",
 * or NULL. */
static char *sessions(struct is_pg *pg, const char *name, int *failed)
{
	const char *params[1] = { name };

	return is_pg_value(pg, "looking for connections to the database",
	                   "SELECT count(*) || ' open connection(s) (' || string_agg(DISTINCT "
	                   "coalesce(usename, '?') || coalesce(' from ' || "
	                   "nullif(application_name, ''), ''), ', ') || ')' "
	                   "FROM pg_catalog.pg_stat_activity WHERE datname = $1 "
	                   "AND pid <> pg_catalog.pg_backend_pid() HAVING count(*) > 0",
	                   1, params, failed);
}

/* On a connection to the database: the user tables (not an extension's)
 * that hold rows, as "a, b, ...", or NULL. Each table is asked for one row;
 * the names come quoted from the server (format %I). */
static char *tables_with_rows(struct is_pg *pg, int *failed)
{
	struct is_strbuf found = IS_STRBUF_INIT, sql = IS_STRBUF_INIT;
	PGresult *r = is_pg_query(pg, "listing the tables",
	                          "SELECT format('%I.%I', n.nspname, c.relname) "
	                          "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
	                          "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'm') "
	                          "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
	                          "AND n.nspname !~ '^pg_(toast|temp)' AND NOT EXISTS ("
	                          "SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = c.oid "
	                          "AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
	                          "AND d.deptype = 'e') ORDER BY 1", 0, NULL);
	int i, n = 0;

	*failed = !r;
	for (i = 0; r && i < PQntuples(r); i++) {
		char *v;

		is_strbuf_reset(&sql);
		is_strbuf_addf(&sql, "SELECT 1 FROM %s LIMIT 1", PQgetvalue(r, i, 0));
		v = is_pg_value(pg, "looking for rows", sql.buf, 0, NULL, failed);
		if (*failed)
			break;
		if (v && n++ < 5)
			is_strbuf_addf(&found, "%s%s", found.len ? ", " : "", PQgetvalue(r, i, 0));
		free(v);
	}
	if (n > 5)
		is_strbuf_addf(&found, " and %d more", n - 5);
	PQclear(r);
	is_strbuf_release(&sql);
	return found.len && !*failed ? is_strbuf_detach(&found, NULL)
	                             : (is_strbuf_release(&found), NULL);
}

/* Why the database may not be dropped, or NULL: with dropWithData every
 * reason is waived. */
static char *refusal(struct is_pg *pg, const struct database *d, int *failed)
{
	char *open = sessions(pg, d->name, failed), *rows = NULL, *why = NULL;
	struct database_state st = { 0 };

	if (!*failed) {
		st.extensions = json_array();
		if (enter(pg, d, &st) == 0)
			rows = tables_with_rows(pg, failed);
		else
			*failed = 1;
	}
	state_release(&st);
	if (!*failed && (open || rows))
		why = is_xasprintf("%s%s%s%s", open ? "it has " : "", open ? open : "",
		                   open && rows ? " and " : "",
		                   rows ? "these tables hold rows: " : "");
	if (why && rows) {
		char *w = is_xasprintf("%s%s", why, rows);

		free(why);
		why = w;
	}
	free(open);
	free(rows);
	return why;
}

static int database_delete(struct is_pg *pg, const struct database *d,
                           const struct database_state *st)
{
	struct is_strbuf sql = IS_STRBUF_INIT;
	char *why = NULL;
	int failed = 0, rc;

	if (!st->exists)
		return 0;
	if (!d->drop_with_data) {
		why = refusal(pg, d, &failed);
		if (failed) {
			free(why);
			return -1;
		}
		if (why) {
			is_pg_fail(pg, "database '%s' is not dropped: %s (set spec.dropWithData: "
			           "true and apply it before deleting, to drop it all the same)",
			           d->name, why);
			free(why);
			return -1;
		}
		if (is_pg_connect(pg, NULL) < 0)
			return -1;
	}
	is_strbuf_adds(&sql, "DROP DATABASE ");
	is_pg_add_ident(pg, &sql, d->name);
	if (d->drop_with_data)
		is_strbuf_adds(&sql, " WITH (FORCE)");
	rc = is_pg_exec(pg, "dropping the database", sql.buf, 0, NULL);
	is_strbuf_release(&sql);
	return rc;
}

static int database_call(const struct is_provider *p, struct is_provider_request *req,
                         struct is_provider_result *res)
{
	struct is_pg pg;
	struct database d;
	struct database_state st = { 0 };
	int rc = -1;

	(void)p;
	is_pg_init(&pg, req, res);
	if (read_spec(&pg, &d) == 0 && is_pg_connect(&pg, NULL) == 0 &&
	    read_state(&pg, d.name, &st) == 0) {
		switch (req->op) {
		case IS_OP_CREATE: rc = database_create(&pg, &d, &st); break;
		case IS_OP_READ: rc = database_read(&pg, &d, &st); break;
		case IS_OP_UPDATE: rc = database_update(&pg, &d, &st); break;
		case IS_OP_DELETE: rc = database_delete(&pg, &d, &st); break;
		}
	}
	if (rc < 0 && !res->err.message)
		is_pg_fail(&pg, "failed");
	if (rc < 0) {
		json_decref(res->outputs);
		res->outputs = NULL;
	}
	json_decref(d.extensions);
	state_release(&st);
	is_pg_release(&pg);
	return rc;
}

const struct is_provider is_provider_postgres_database = {
	.kind = "PostgresDatabase",
	.blocking = 1,
	.call = database_call,
};
