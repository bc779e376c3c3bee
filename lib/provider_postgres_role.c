/*
 * PostgresRole: one role (a user when it can log in) on a PostgreSQL
 * server. Spec, outputs and behaviour are in infrastream-provider-postgres(7).
 *
 * A password the spec does not give is generated at create, handed to
 * dependents through the outputs and declared a secret, so every record
 * shows "***". PostgreSQL keeps only its hash (it is sent already hashed,
 * PQencryptPasswordConn) and the ledger only "***", so an update keeps the
 * password it cannot know and does not change it.
 */
#include <stdlib.h>
#include <string.h>

#include "provider_postgres.h"
#include "xalloc.h"
#include "banned.h"

#define GENERATED_LENGTH 32

static const char *const role_keys[] = {
	"server", "name", "login", "password", "connectionLimit", "inRoles", NULL
};

struct role {
	const char *name;        /* borrowed from the spec or the id */
	int login;
	long long limit;         /* -1: no limit */
	json_t *in_roles;        /* owned array of role names */
	const char *password;    /* borrowed from the spec; NULL: generated */
};

struct role_state {
	int exists, login;
	long long limit;
	json_t *in_roles;        /* owned, sorted */
};

static void role_release(struct role *r, struct role_state *st)
{
	json_decref(r->in_roles);
	json_decref(st->in_roles);
}

static int read_spec(struct is_pg *pg, struct role *r)
{
	size_t i;
	json_t *e;

	memset(r, 0, sizeof(*r));
	if (is_pg_spec_begin(pg, role_keys) < 0)
		return -1;
	if (!(r->name = is_pg_object_name(pg)))
		return -1;
	if (is_pg_spec_bool(pg, "login", 1, &r->login) < 0 ||
	    is_pg_spec_int(pg, "connectionLimit", -1, &r->limit) < 0 ||
	    is_pg_spec_string(pg, "password", NULL, &r->password) < 0)
		return -1;
	if (r->limit < -1 || r->limit > 2147483647)
		return is_pg_fail(pg, "spec.connectionLimit must be -1 (no limit) or a count");
	r->in_roles = is_pg_spec_names(pg, "inRoles");
	json_array_foreach(r->in_roles, i, e)
		if (is_pg_check_name(pg, "a name in spec.inRoles", json_string_value(e)) < 0)
			return -1;
	return r->in_roles ? 0 : -1;
}

/* Reads the role as the server has it; st->exists 0 when there is none. */
static int read_state(struct is_pg *pg, const char *name, struct role_state *st)
{
	const char *params[1] = { name };
	PGresult *r;
	int i;

	memset(st, 0, sizeof(*st));
	r = is_pg_query(pg, "reading the role",
	                "SELECT rolcanlogin, rolconnlimit FROM pg_catalog.pg_roles "
	                "WHERE rolname = $1", 1, params);
	if (!r)
		return -1;
	st->exists = PQntuples(r) == 1;
	if (st->exists) {
		st->login = !strcmp(PQgetvalue(r, 0, 0), "t");
		st->limit = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	}
	PQclear(r);
	st->in_roles = json_array();
	if (!st->exists)
		return 0;
	r = is_pg_query(pg, "reading the role's memberships",
	                "SELECT g.rolname FROM pg_catalog.pg_auth_members m "
	                "JOIN pg_catalog.pg_roles g ON g.oid = m.roleid "
	                "JOIN pg_catalog.pg_roles u ON u.oid = m.member "
	                "WHERE u.rolname = $1 ORDER BY 1", 1, params);
	if (!r)
		return -1;
	for (i = 0; i < PQntuples(r); i++)
		json_array_append_new(st->in_roles, json_string(PQgetvalue(r, i, 0)));
	PQclear(r);
	return 0;
}

static json_t *state_outputs(const char *name, const struct role_state *st)
{
	return json_pack("{s:s,s:b,s:I,s:O}", "name", name, "login", st->login,
	                 "connectionLimit", (json_int_t)st->limit, "inRoles", st->in_roles);
}

/* What differs between the spec and an existing role, as a sentence, or
 * NULL when nothing does. A new string. */
static char *differences(const struct role *r, const struct role_state *st)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	json_t *missing = is_pg_set_minus(r->in_roles, st->in_roles);
	json_t *extra = is_pg_set_minus(st->in_roles, r->in_roles);
	size_t i;
	json_t *e;

	if (st->login != r->login)
		is_strbuf_addf(&sb, "%slogin is %s (the spec says %s)", sb.len ? "; " : "",
		               st->login ? "true" : "false", r->login ? "true" : "false");
	if (st->limit != r->limit)
		is_strbuf_addf(&sb, "%sconnection limit is %lld (the spec says %lld)",
		               sb.len ? "; " : "", st->limit, r->limit);
	json_array_foreach(missing, i, e)
		is_strbuf_addf(&sb, "%sit is not a member of '%s'", sb.len ? "; " : "",
		               json_string_value(e));
	json_array_foreach(extra, i, e)
		is_strbuf_addf(&sb, "%sit is a member of '%s', which the spec does not list",
		               sb.len ? "; " : "", json_string_value(e));
	json_decref(missing);
	json_decref(extra);
	return sb.len ? is_strbuf_detach(&sb, NULL) : (is_strbuf_release(&sb), NULL);
}

/* Appends " PASSWORD '<hash>'": the server gets the SCRAM hash, so the
 * password itself is not in its logs or statistics. */
static int add_password(struct is_pg *pg, struct is_strbuf *sql, const char *name,
                        const char *password)
{
	char *hash = PQencryptPasswordConn(pg->conn, password, name, NULL);

	if (!hash)
		return is_pg_fail(pg, "cannot hash the password: %s", PQerrorMessage(pg->conn));
	is_strbuf_adds(sql, " PASSWORD ");
	is_pg_add_literal(pg, sql, hash);
	PQfreemem(hash);
	return 0;
}

/* GRANT or REVOKE membership of each group in groups. */
static int change_membership(struct is_pg *pg, const char *name, json_t *groups, int grant)
{
	struct is_strbuf sql = IS_STRBUF_INIT;
	size_t i;
	json_t *g;
	int rc = 0;

	json_array_foreach(groups, i, g) {
		is_strbuf_reset(&sql);
		is_strbuf_adds(&sql, grant ? "GRANT " : "REVOKE ");
		is_pg_add_ident(pg, &sql, json_string_value(g));
		is_strbuf_adds(&sql, grant ? " TO " : " FROM ");
		is_pg_add_ident(pg, &sql, name);
		if ((rc = is_pg_exec(pg, grant ? "adding a membership" : "removing a membership",
		                     sql.buf, 0, NULL)) < 0)
			break;
	}
	is_strbuf_release(&sql);
	return rc;
}

/*
 * CREATE ROLE (exists 0) or ALTER ROLE with the spec's attributes and,
 * when password is not NULL, that password.
 */
static int write_role(struct is_pg *pg, const struct role *r, int exists, const char *password)
{
	struct is_strbuf sql = IS_STRBUF_INIT;
	int rc;

	is_strbuf_adds(&sql, exists ? "ALTER ROLE " : "CREATE ROLE ");
	is_pg_add_ident(pg, &sql, r->name);
	is_strbuf_addf(&sql, " WITH %s CONNECTION LIMIT %lld", r->login ? "LOGIN" : "NOLOGIN",
	               r->limit);
	rc = password ? add_password(pg, &sql, r->name, password) : 0;
	if (rc == 0)
		rc = is_pg_exec(pg, exists ? "altering the role" : "creating the role", sql.buf,
		                0, NULL);
	is_strbuf_release(&sql);
	return rc;
}

/* The password this call sets, into buf when generated: the spec's; else
 * the one generated before and kept (NULL: set none); else a new one. */
static const char *choose_password(struct is_pg *pg, const struct role *r, int keep,
                                   char *buf, int *generated)
{
	*generated = 0;
	if (r->password)
		return r->password;
	if (!r->login || keep)
		return NULL;
	if (is_pg_random_password(buf, GENERATED_LENGTH) < 0) {
		is_pg_fail(pg, "cannot generate a password: the system gives no randomness");
		return NULL;
	}
	*generated = 1;
	return buf;
}

/* Whether the prior outputs hold a generated password this update keeps. */
static int kept_password(const struct is_pg *pg, const struct role *r)
{
	json_t *prior = pg->req->prior;

	return r->login && !r->password && json_is_true(json_object_get(prior, "passwordGenerated")) &&
	       json_is_string(json_object_get(prior, "password"));
}

/* Puts the password in the outputs; one this call set (fresh 1) is also
 * declared a secret. A kept one comes from the prior outputs: "***" from
 * the ledger, or a value is-exec already hides. */
static void declare_password(struct is_pg *pg, json_t *out, const char *password, int generated,
                             int fresh)
{
	struct is_strbuf enc = IS_STRBUF_INIT;

	json_object_set_new(out, "password", json_string(password));
	json_object_set_new(out, "passwordGenerated", json_boolean(generated));
	if (!fresh)
		return;
	is_provider_result_add_secret(pg->res, password);
	is_pg_add_uri_component(&enc, password);
	is_provider_result_add_secret(pg->res, enc.buf);
	is_strbuf_release(&enc);
}

/* After create or update: the outputs from the server's state now. */
static int finish(struct is_pg *pg, const struct role *r, const char *password, int generated)
{
	struct role_state st;
	json_t *prior = pg->req->prior;

	if (read_state(pg, r->name, &st) < 0) {
		json_decref(st.in_roles);
		return -1;
	}
	pg->res->outputs = state_outputs(r->name, &st);
	if (password)
		declare_password(pg, pg->res->outputs, password, generated, 1);
	else if (kept_password(pg, r))
		declare_password(pg, pg->res->outputs,
		                 json_string_value(json_object_get(prior, "password")), 1, 0);
	json_decref(st.in_roles);
	return 0;
}

static int role_create(struct is_pg *pg, const struct role *r, const struct role_state *st)
{
	char buf[GENERATED_LENGTH + 1];
	const char *password;
	char *diff;
	int generated, rc;

	if (st->exists && (diff = differences(r, st)) != NULL) {
		is_pg_fail(pg, "role '%s' already exists and differs from the spec: %s (change "
		           "the spec to match, ALTER ROLE it by hand, or drop it; nothing was "
		           "changed)", r->name, diff);
		free(diff);
		return -1;
	}
	password = choose_password(pg, r, 0, buf, &generated);
	if (r->login && !password)
		return -1;
	if (is_pg_exec(pg, "starting a transaction", "BEGIN", 0, NULL) < 0)
		return -1;
	/* An existing role that matches is adopted: it gets the password. */
	rc = write_role(pg, r, st->exists, password);
	if (rc == 0 && !st->exists)
		rc = change_membership(pg, r->name, r->in_roles, 1);
	if (rc == 0)
		rc = is_pg_exec(pg, "committing", "COMMIT", 0, NULL);
	if (rc == 0)
		rc = finish(pg, r, password, generated);
	memset(buf, 0, sizeof(buf));
	return rc;
}

static int role_update(struct is_pg *pg, const struct role *r, const struct role_state *st)
{
	char buf[GENERATED_LENGTH + 1];
	const char *password;
	json_t *add, *drop;
	int generated, rc;

	password = choose_password(pg, r, kept_password(pg, r), buf, &generated);
	if (pg->res->err.message)
		return -1;
	if (!st->exists && r->login && !password) {
		/* Dropped by hand: the kept password died with it. */
		password = choose_password(pg, r, 0, buf, &generated);
		if (!password)
			return -1;
	}
	add = is_pg_set_minus(r->in_roles, st->in_roles);
	drop = is_pg_set_minus(st->in_roles, r->in_roles);
	rc = is_pg_exec(pg, "starting a transaction", "BEGIN", 0, NULL);
	if (rc == 0)
		rc = write_role(pg, r, st->exists, password);
	if (rc == 0)
		rc = change_membership(pg, r->name, add, 1);
	if (rc == 0)
		rc = change_membership(pg, r->name, drop, 0);
	if (rc == 0)
		rc = is_pg_exec(pg, "committing", "COMMIT", 0, NULL);
	json_decref(add);
	json_decref(drop);
	if (rc == 0)
		rc = finish(pg, r, password, generated);
	memset(buf, 0, sizeof(buf));
	return rc;
}

static int role_read(struct is_pg *pg, const struct role *r, const struct role_state *st)
{
	json_t *prior = pg->req->prior, *now;
	static const char *const compared[] = { "name", "login", "connectionLimit", "inRoles",
	                                        NULL };
	const char *const *k;

	if (!st->exists) {
		pg->res->outputs = json_object();
		pg->res->drift = json_pack("{s:b}", "gone", 1);
		return 0;
	}
	now = state_outputs(r->name, st);
	for (k = compared; prior && *k; k++) {
		json_t *was = json_object_get(prior, *k), *cur = json_object_get(now, *k);

		if (was && !json_equal(was, cur))
			is_pg_drift(&pg->res->drift, *k, was, cur);
	}
	if (json_is_string(json_object_get(prior, "password")))
		declare_password(pg, now, json_string_value(json_object_get(prior, "password")),
		                 json_is_true(json_object_get(prior, "passwordGenerated")), 0);
	pg->res->outputs = now;
	return 0;
}

/* The objects the role owns, as a sentence, or NULL when none. */
static char *owned_objects(struct is_pg *pg, const char *name, int *failed)
{
	const char *params[1] = { name };

	return is_pg_value(pg, "looking for what the role owns",
	                   "SELECT string_agg(what, '; ') FROM ("
	                   " SELECT 'database ' || quote_ident(datname) AS what"
	                   " FROM pg_catalog.pg_database d JOIN pg_catalog.pg_roles r"
	                   " ON r.oid = d.datdba WHERE r.rolname = $1"
	                   " UNION ALL"
	                   " SELECT count(*) || ' object(s) in database ' ||"
	                   " coalesce(quote_ident(d.datname), '(shared)')"
	                   " FROM pg_catalog.pg_shdepend s JOIN pg_catalog.pg_roles r"
	                   " ON r.oid = s.refobjid"
	                   " LEFT JOIN pg_catalog.pg_database d ON d.oid = s.dbid"
	                   " WHERE r.rolname = $1 AND s.deptype = 'o'"
	                   " AND s.classid <> 'pg_catalog.pg_database'::pg_catalog.regclass"
	                   " GROUP BY d.datname) o", 1, params, failed);
}

static int role_delete(struct is_pg *pg, const struct role *r, const struct role_state *st)
{
	struct is_strbuf sql = IS_STRBUF_INIT;
	char *owned;
	int failed, rc;

	if (!st->exists)
		return 0;
	owned = owned_objects(pg, r->name, &failed);
	if (failed)
		return -1;
	if (owned) {
		is_pg_fail(pg, "role '%s' is not dropped: it owns %s (delete those first, or "
		           "REASSIGN OWNED BY it TO another role and DROP OWNED BY it in each "
		           "database)", r->name, owned);
		free(owned);
		return -1;
	}
	is_strbuf_adds(&sql, "DROP ROLE ");
	is_pg_add_ident(pg, &sql, r->name);
	rc = is_pg_exec(pg, "dropping the role", sql.buf, 0, NULL);
	is_strbuf_release(&sql);
	return rc;
}

static int role_call(const struct is_provider *p, struct is_provider_request *req,
                     struct is_provider_result *res)
{
	struct is_pg pg;
	struct role r;
	struct role_state st = { 0 };
	int rc = -1;

	(void)p;
	is_pg_init(&pg, req, res);
	if (read_spec(&pg, &r) == 0 && is_pg_connect(&pg, NULL) == 0 &&
	    read_state(&pg, r.name, &st) == 0) {
		switch (req->op) {
		case IS_OP_CREATE: rc = role_create(&pg, &r, &st); break;
		case IS_OP_READ: rc = role_read(&pg, &r, &st); break;
		case IS_OP_UPDATE: rc = role_update(&pg, &r, &st); break;
		case IS_OP_DELETE: rc = role_delete(&pg, &r, &st); break;
		}
	}
	if (rc < 0 && !res->err.message)
		is_pg_fail(&pg, "failed");
	role_release(&r, &st);
	is_pg_release(&pg);
	return rc;
}

const struct is_provider is_provider_postgres_role = {
	.kind = "PostgresRole",
	.blocking = 1,
	.call = role_call,
};
