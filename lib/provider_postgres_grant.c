/*
 * PostgresGrant: the privileges of one role on one database, on one schema
 * in it, on the schema's tables and sequences now, and on those the
 * database's owner (or spec.defaultsFor) makes later. Spec, outputs and
 * behaviour are in infrastream-provider-postgres(7).
 *
 * The grant owns the relationship: create and update make the role's
 * explicit privileges on each of those objects exactly the spec's, granting
 * what is missing and revoking the rest; delete revokes them all.
 * Privileges are keywords checked against a fixed list, never pasted from
 * the manifest.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "provider_postgres.h"
#include "xalloc.h"
#include "banned.h"

static const char *const grant_keys[] = {
	"server", "role", "database", "privileges", "schema", "schemaPrivileges",
	"tablePrivileges", "sequencePrivileges", "defaultsFor", NULL
};

/* One kind of object the grant covers. */
enum target { T_DATABASE, T_SCHEMA, T_TABLES, T_SEQUENCES, T_COUNT };

static const char *const spec_key[T_COUNT] = {
	"privileges", "schemaPrivileges", "tablePrivileges", "sequencePrivileges"
};
/* The privileges each kind of object has, as aclexplode names them. */
static const char *const database_privs[] = { "CONNECT", "CREATE", "TEMPORARY", NULL };
static const char *const schema_privs[] = { "CREATE", "USAGE", NULL };
static const char *const table_privs[] = { "DELETE", "INSERT", "REFERENCES", "SELECT",
                                           "TRIGGER", "TRUNCATE", "UPDATE", NULL };
static const char *const sequence_privs[] = { "SELECT", "UPDATE", "USAGE", NULL };
static const char *const *const known[T_COUNT] = {
	database_privs, schema_privs, table_privs, sequence_privs
};

struct grant {
	const char *role, *database, *schema, *defaults_for;   /* borrowed */
	json_t *want[T_COUNT];                                  /* owned, sorted */
};

static void grant_release(struct grant *g)
{
	int t;

	for (t = 0; t < T_COUNT; t++)
		json_decref(g->want[t]);
}

/* The spec's privileges for target t, checked and spelled as aclexplode
 * does (TEMP as TEMPORARY, ALL as every one), sorted; NULL on error. */
static json_t *privileges(struct is_pg *pg, enum target t, json_t *dflt)
{
	json_t *names = json_object_get(pg->req->spec, spec_key[t]) ? is_pg_spec_names(pg, spec_key[t])
	                                                              : json_incref(dflt);
	json_t *out = json_array(), *e;
	const char *const *k;
	size_t i;

	json_array_foreach(names, i, e) {
		const char *p = json_string_value(e);

		if (!strcasecmp(p, "TEMP"))
			p = "TEMPORARY";
		if (!strcasecmp(p, "ALL") || !strcasecmp(p, "ALL PRIVILEGES")) {
			for (k = known[t]; *k; k++)
				json_array_append_new(out, json_string(*k));
			continue;
		}
		for (k = known[t]; *k && strcasecmp(*k, p); k++)
			;
		if (!*k) {
			struct is_strbuf list = IS_STRBUF_INIT;

			for (k = known[t]; *k; k++)
				is_strbuf_addf(&list, "%s, ", *k);
			is_pg_fail(pg, "spec.%s: '%s' is not a privilege here (one of %sALL)",
			           spec_key[t], p, list.buf);
			is_strbuf_release(&list);
			json_decref(out);
			out = NULL;
			break;
		}
		json_array_append_new(out, json_string(*k));
	}
	json_decref(names);
	if (!out)
		return NULL;
	/* Sorted and without repeats: the order of known[t]. */
	e = json_array();
	for (k = known[t]; *k; k++) {
		json_t *one = json_pack("[s]", *k), *miss = is_pg_set_minus(one, out);

		if (!json_array_size(miss))
			json_array_append_new(e, json_string(*k));
		json_decref(one);
		json_decref(miss);
	}
	json_decref(out);
	return e;
}

static int read_spec(struct is_pg *pg, struct grant *g)
{
	json_t *connect = json_pack("[s]", "CONNECT"), *none = json_array();
	int t, rc = 0;

	memset(g, 0, sizeof(*g));
	if (is_pg_spec_begin(pg, grant_keys) < 0 ||
	    is_pg_spec_string(pg, "role", NULL, &g->role) != 0 ||
	    is_pg_spec_string(pg, "database", NULL, &g->database) != 0) {
		if (!pg->res->err.message)
			is_pg_fail(pg, "spec.role and spec.database are required: the role given "
			           "the privileges and the database they are on");
		rc = -1;
	}
	if (rc == 0 && (is_pg_spec_string(pg, "schema", "public", &g->schema) < 0 ||
	                is_pg_spec_string(pg, "defaultsFor", NULL, &g->defaults_for) < 0 ||
	                is_pg_check_name(pg, "spec.role", g->role) < 0 ||
	                is_pg_check_name(pg, "spec.database", g->database) < 0 ||
	                is_pg_check_name(pg, "spec.schema", g->schema) < 0 ||
	                is_pg_check_name(pg, "spec.defaultsFor", g->defaults_for) < 0))
		rc = -1;
	for (t = 0; rc == 0 && t < T_COUNT; t++)
		if (!(g->want[t] = privileges(pg, (enum target)t, t == T_DATABASE ? connect : none)))
			rc = -1;
	json_decref(connect);
	json_decref(none);
	return rc;
}

/* The first column of every row, as an array of strings. */
static json_t *column_of(PGresult *r)
{
	json_t *out = json_array();
	int i;

	for (i = 0; i < PQntuples(r); i++)
		json_array_append_new(out, json_string(PQgetvalue(r, i, 0)));
	return out;
}

static json_t *query_set(struct is_pg *pg, const char *what, const char *sql, int n,
                         const char *const *params)
{
	PGresult *r = is_pg_query(pg, what, sql, n, params);
	json_t *out = r ? column_of(r) : NULL;

	PQclear(r);
	return out;
}

/* Whether the role and the database exist (on the server's connection). */
static int both_exist(struct is_pg *pg, const struct grant *g, int *failed)
{
	const char *params[2] = { g->role, g->database };
	char *v = is_pg_value(pg, "looking for the role and the database",
	                      "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1) "
	                      "AND EXISTS (SELECT 1 FROM pg_catalog.pg_database "
	                      "WHERE datname = $2)", 2, params, failed);
	int yes = v && !strcmp(v, "t");

	free(v);
	return yes;
}

/* The role's explicit privileges on the database (server connection). */
static json_t *database_has(struct is_pg *pg, const struct grant *g)
{
	const char *params[2] = { g->database, g->role };

	return query_set(pg, "reading the database's privileges",
	                 "SELECT DISTINCT a.privilege_type FROM pg_catalog.pg_database d, "
	                 "aclexplode(d.datacl) a WHERE d.datname = $1 AND a.grantee = "
	                 "(SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $2) ORDER BY 1",
	                 2, params);
}

/* On the database's connection: the role's explicit privileges on the
 * schema; for tables and sequences, those it has on every one in the
 * schema and in the default privileges of defaults_for for new ones. */
static json_t *schema_has(struct is_pg *pg, const struct grant *g, const char *owner,
                          enum target t)
{
	const char *params[4] = { g->schema, g->role, owner, t == T_TABLES ? "r" : "S" };
	const char *relkinds = t == T_TABLES ? "'r', 'p', 'v', 'm', 'f'" : "'S'";
	struct is_strbuf sql = IS_STRBUF_INIT;
	json_t *out;

	if (t == T_SCHEMA)
		return query_set(pg, "reading the schema's privileges",
		                 "SELECT DISTINCT a.privilege_type FROM pg_catalog.pg_namespace n, "
		                 "aclexplode(n.nspacl) a WHERE n.nspname = $1 AND a.grantee = "
		                 "(SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $2) "
		                 "ORDER BY 1", 2, params);
	/* relkinds is one of two constants above, never input. */
	is_strbuf_addf(&sql,
	               "WITH rels AS (SELECT c.oid, c.relacl FROM pg_catalog.pg_class c "
	               "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
	               "WHERE n.nspname = $1 AND c.relkind IN (%s)), "
	               "who AS (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $2), "
	               "held AS (SELECT a.privilege_type FROM rels, aclexplode(rels.relacl) a, who "
	               "WHERE a.grantee = who.oid GROUP BY 1 "
	               "HAVING count(DISTINCT rels.oid) = (SELECT count(*) FROM rels)), "
	               "later AS (SELECT a.privilege_type FROM pg_catalog.pg_default_acl d "
	               "JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace, "
	               "aclexplode(d.defaclacl) a, who WHERE n.nspname = $1 AND d.defaclobjtype = $4 "
	               "AND d.defaclrole = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $3) "
	               "AND a.grantee = who.oid) "
	               "SELECT privilege_type FROM later WHERE NOT EXISTS (SELECT 1 FROM rels) "
	               "OR privilege_type IN (SELECT privilege_type FROM held) "
	               "GROUP BY 1 ORDER BY 1", relkinds);
	out = query_set(pg, t == T_TABLES ? "reading the tables' privileges"
	                                  : "reading the sequences' privileges",
	                sql.buf, 4, params);
	is_strbuf_release(&sql);
	return out;
}

/* The owner of the database, whose new tables get the default privileges
 * unless spec.defaultsFor names another role; a new string. */
static char *defaults_role(struct is_pg *pg, const struct grant *g, int *failed)
{
	const char *params[1] = { g->database };

	*failed = 0;
	if (g->defaults_for)
		return is_xstrdup(g->defaults_for);
	return is_pg_value(pg, "reading the database's owner",
	                   "SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_catalog.pg_database "
	                   "WHERE datname = $1", 1, params, failed);
}

/* What the role holds now, one array per target; has[] owned by the caller. */
static int read_held(struct is_pg *pg, const struct grant *g, const char *owner,
                     json_t *has[T_COUNT])
{
	int t;

	memset(has, 0, sizeof(*has) * T_COUNT);
	if (!(has[T_DATABASE] = database_has(pg, g)))
		return -1;
	if (is_pg_connect(pg, g->database) < 0)
		return -1;
	for (t = T_SCHEMA; t < T_COUNT; t++)
		if (!(has[t] = schema_has(pg, g, owner, (enum target)t)))
			return -1;
	return 0;
}

/* GRANT (grant 1) or REVOKE privs on target t; a no-op for none. */
static int change(struct is_pg *pg, const struct grant *g, const char *owner, enum target t,
                  json_t *privs, int grant)
{
	struct is_strbuf sql = IS_STRBUF_INIT, list = IS_STRBUF_INIT;
	size_t i;
	json_t *e;
	int rc = 0, pass;

	if (!json_array_size(privs))
		return 0;
	json_array_foreach(privs, i, e)   /* checked keywords from known[] */
		is_strbuf_addf(&list, "%s%s", i ? ", " : "", json_string_value(e));
	/* Tables and sequences: those there now, then the defaults for new ones. */
	for (pass = 0; rc == 0 && pass < (t >= T_TABLES ? 2 : 1); pass++) {
		is_strbuf_reset(&sql);
		if (pass == 1) {
			is_strbuf_adds(&sql, "ALTER DEFAULT PRIVILEGES FOR ROLE ");
			is_pg_add_ident(pg, &sql, owner);
			is_strbuf_adds(&sql, " IN SCHEMA ");
			is_pg_add_ident(pg, &sql, g->schema);
			is_strbuf_addch(&sql, ' ');
		}
		is_strbuf_addf(&sql, "%s %s ON ", grant ? "GRANT" : "REVOKE", list.buf);
		if (t == T_DATABASE) {
			is_strbuf_adds(&sql, "DATABASE ");
			is_pg_add_ident(pg, &sql, g->database);
		} else if (t == T_SCHEMA) {
			is_strbuf_adds(&sql, "SCHEMA ");
			is_pg_add_ident(pg, &sql, g->schema);
		} else if (pass == 0) {
			is_strbuf_addf(&sql, "ALL %s IN SCHEMA ", t == T_TABLES ? "TABLES" : "SEQUENCES");
			is_pg_add_ident(pg, &sql, g->schema);
		} else {
			is_strbuf_adds(&sql, t == T_TABLES ? "TABLES" : "SEQUENCES");
		}
		is_strbuf_adds(&sql, grant ? " TO " : " FROM ");
		is_pg_add_ident(pg, &sql, g->role);
		rc = is_pg_exec(pg, grant ? "granting" : "revoking", sql.buf, 0, NULL);
	}
	is_strbuf_release(&sql);
	is_strbuf_release(&list);
	return rc;
}

static json_t *outputs_of(const struct grant *g, json_t *has[T_COUNT])
{
	return json_pack("{s:s,s:s,s:s,s:O,s:O,s:O,s:O}", "role", g->role,
	                 "database", g->database, "schema", g->schema,
	                 "privileges", has[T_DATABASE], "schemaPrivileges", has[T_SCHEMA],
	                 "tablePrivileges", has[T_TABLES], "sequencePrivileges", has[T_SEQUENCES]);
}

static json_t *all_of(enum target t)
{
	json_t *out = json_array();
	const char *const *k;

	for (k = known[t]; *k; k++)
		json_array_append_new(out, json_string(*k));
	return out;
}

/*
 * Create and update (remove 0): grants what the role misses and revokes
 * every other privilege the grant covers, so what it holds is exactly the
 * spec's, then reads it back. Delete (remove 1): revokes them all. A REVOKE
 * of a privilege not held changes nothing, so the others need no reading.
 */
static int apply(struct is_pg *pg, const struct grant *g, const char *owner, int remove)
{
	json_t *has[T_COUNT], *after[T_COUNT] = { 0 };
	int t, rc = read_held(pg, g, owner, has);

	for (t = 0; rc == 0 && t < T_COUNT; t++) {
		json_t *every = all_of((enum target)t), *none = json_array();
		json_t *want = remove ? none : g->want[t];
		json_t *add = is_pg_set_minus(want, has[t]), *drop = is_pg_set_minus(every, want);

		rc = change(pg, g, owner, (enum target)t, add, 1);
		if (rc == 0)
			rc = change(pg, g, owner, (enum target)t, drop, 0);
		json_decref(add);
		json_decref(drop);
		json_decref(every);
		json_decref(none);
	}
	if (rc == 0 && !remove) {
		if (is_pg_connect(pg, NULL) < 0 || read_held(pg, g, owner, after) < 0)
			rc = -1;
		else
			pg->res->outputs = outputs_of(g, after);
	}
	for (t = 0; t < T_COUNT; t++) {
		json_decref(has[t]);
		json_decref(after[t]);
	}
	return rc;
}

static int grant_read(struct is_pg *pg, const struct grant *g, const char *owner)
{
	static const char *const compared[] = { "privileges", "schemaPrivileges", "tablePrivileges",
	                                        "sequencePrivileges", NULL };
	json_t *has[T_COUNT], *prior = pg->req->prior;
	const char *const *k;
	int t, rc = read_held(pg, g, owner, has);

	if (rc == 0) {
		pg->res->outputs = outputs_of(g, has);
		for (k = compared; prior && *k; k++) {
			json_t *was = json_object_get(prior, *k);
			json_t *now = json_object_get(pg->res->outputs, *k);

			if (was && !json_equal(was, now))
				is_pg_drift(&pg->res->drift, *k, was, now);
		}
	}
	for (t = 0; t < T_COUNT; t++)
		json_decref(has[t]);
	return rc;
}

static int grant_call(const struct is_provider *p, struct is_provider_request *req,
                      struct is_provider_result *res)
{
	struct is_pg pg;
	struct grant g;
	char *owner = NULL;
	int rc = -1, failed = 0, exist = 0;

	(void)p;
	is_pg_init(&pg, req, res);
	if (read_spec(&pg, &g) == 0 && is_pg_connect(&pg, NULL) == 0) {
		exist = both_exist(&pg, &g, &failed);
		if (!failed && exist)
			owner = defaults_role(&pg, &g, &failed);
	}
	if (!res->err.message && !failed && !exist) {
		/* A grant on something gone: gone too, and nothing to revoke. */
		if (req->op == IS_OP_READ) {
			res->outputs = json_object();
			res->drift = json_pack("{s:b}", "gone", 1);
			rc = 0;
		} else if (req->op == IS_OP_DELETE) {
			rc = 0;
		} else {
			is_pg_fail(&pg, "role '%s' or database '%s' does not exist (make them "
			           "first: depend on their resources)", g.role, g.database);
		}
	} else if (!res->err.message && !failed && owner) {
		switch (req->op) {
		case IS_OP_CREATE:
		case IS_OP_UPDATE: rc = apply(&pg, &g, owner, 0); break;
		case IS_OP_READ: rc = grant_read(&pg, &g, owner); break;
		case IS_OP_DELETE: rc = apply(&pg, &g, owner, 1); break;
		}
	}
	if (rc < 0 && !res->err.message)
		is_pg_fail(&pg, "failed");
	free(owner);
	grant_release(&g);
	is_pg_release(&pg);
	return rc;
}

const struct is_provider is_provider_postgres_grant = {
	.kind = "PostgresGrant",
	.blocking = 1,
	.call = grant_call,
};
