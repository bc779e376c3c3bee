/*
 * The PostgreSQL providers' pure helpers: connection URLs (percent-encoding,
 * socket folders, IPv6 hosts), generated passwords, sets of names.
 *
 * With IS_TEST_PG_URL set (tests/t3610 starts a server and runs this), also
 * the operations no pipeline calls yet, through is_provider_find: read
 * reports drift made by hand (a limit changed, an owner changed, a role or a
 * database dropped, a privilege revoked) and update corrects it.
 */
#include <stdlib.h>
#include <string.h>

#include "provider_postgres.h"
#include "xalloc.h"
#include "unit.h"
#include "banned.h"

static void test_url(void)
{
	char *u;

	u = is_pg_url("app", "p@ss:w/rd", "db.example", "5433", "orders");
	CHECK(!strcmp(u, "postgresql://app:p%40ss%3Aw%2Frd@db.example:5433/orders"),
	      "url: user, percent-encoded password, host, port, database (%s)", u);
	free(u);
	u = is_pg_url("a b", NULL, "/tmp/pg sock", "5432", "my db");
	CHECK(!strcmp(u, "postgresql://a%20b@/my%20db?host=%2Ftmp%2Fpg%20sock&port=5432"),
	      "url: a socket folder goes in the query string (%s)", u);
	free(u);
	u = is_pg_url("x", "y", "::1", "5432", "d");
	CHECK(!strcmp(u, "postgresql://x:y@[::1]:5432/d"), "url: an IPv6 host in brackets (%s)", u);
	free(u);
	u = is_pg_url("x\"; DROP", "'", "h", NULL, "\xc3\xa9");
	CHECK(!strcmp(u, "postgresql://x%22%3B%20DROP:%27@h/%C3%A9"),
	      "url: quotes, semicolons and UTF-8 are encoded (%s)", u);
	free(u);
}

static void test_password(void)
{
	char a[33], b[33];
	size_t i;
	int alnum = 1;

	CHECK(is_pg_random_password(a, 32) == 0 && is_pg_random_password(b, 32) == 0,
	      "password: generated");
	CHECK(strlen(a) == 32 && strcmp(a, b) != 0, "password: 32 characters, two differ");
	for (i = 0; i < 32; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", a[i]))
			alnum = 0;
	CHECK(alnum, "password: letters and digits only (no encoding needed in a URL)");
	CHECK(is_pg_random_password(a, 200) == -1, "password: a length past the buffer refused");
}

static void test_sets(void)
{
	json_t *a = json_pack("[s,s,s]", "x", "y", "x"), *b = json_pack("[s,s]", "y", "z");
	json_t *d = is_pg_set_minus(a, b), *e = json_pack("[s,s]", "x", "y");

	CHECK(json_array_size(d) == 1 && !strcmp(json_string_value(json_array_get(d, 0)), "x"),
	      "sets: a minus b, each name once");
	CHECK(!is_pg_same_set(a, b), "sets: different sets differ");
	CHECK(is_pg_same_set(a, e), "sets: order and repeats do not matter");
	json_decref(a);
	json_decref(b);
	json_decref(d);
	json_decref(e);
}

static const char *server;

/* Runs SQL as the test's superuser; 0 on success. */
static int sql(const char *text)
{
	PGconn *c = PQconnectdb(server);
	PGresult *r = PQexec(c, text);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		printf("# %s: %s", text, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

/* Calls kind's op with spec (JSON text without "server") and prior. */
static int call(const char *kind, const char *id, enum is_provider_op op, const char *spec_text,
                json_t *prior, struct is_provider_result *res)
{
	struct is_provider_request req;
	struct is_error err = { 0 };
	const struct is_provider *p = is_provider_find(kind, &err);
	json_t *spec = json_loads(spec_text, 0, NULL);
	int rc;

	json_object_set_new(spec, "server", json_string(server));
	memset(&req, 0, sizeof(req));
	req.op = op;
	req.id = id;
	req.kind = kind;
	req.spec = spec;
	req.prior = prior;
	req.attempt = 1;
	is_provider_result_init(res);
	rc = p ? p->call(p, &req, res) : -1;
	if (rc < 0)
		printf("# %s %s: %s\n", id, is_provider_op_name(op), res->err.message);
	json_decref(spec);
	is_error_release(&err);
	return rc;
}

/* Whether drift is exactly the JSON text want. */
static int drift_is(const struct is_provider_result *res, const char *want)
{
	json_t *w = json_loads(want, 0, NULL);
	int same = json_equal(w, res->drift);

	if (!same) {
		char *got = res->drift ? json_dumps(res->drift, JSON_SORT_KEYS) : NULL;

		printf("# drift: %s, want %s\n", got ? got : "null", want);
		free(got);
	}
	json_decref(w);
	return same;
}

static void test_role_drift(void)
{
	struct is_provider_result res;
	json_t *prior;
	const char *spec = "{\"name\": \"u_drift\"}";

	CHECK(call("PostgresRole", "PostgresRole/u", IS_OP_CREATE, spec, NULL, &res) == 0 &&
	      json_array_size(res.secrets) >= 1,
	      "server: role create declares its generated password a secret");
	prior = json_incref(res.outputs);
	is_provider_result_release(&res);
	json_object_set_new(prior, "password", json_string("***"));   /* as the ledger has it */
	CHECK(call("PostgresRole", "PostgresRole/u", IS_OP_READ, spec, prior, &res) == 0 &&
	      !res.drift && !strcmp(json_string_value(json_object_get(res.outputs, "password")), "***"),
	      "server: role read, nothing changed: no drift, the recorded password kept");
	is_provider_result_release(&res);
	sql("ALTER ROLE u_drift CONNECTION LIMIT 3");
	CHECK(call("PostgresRole", "PostgresRole/u", IS_OP_READ, spec, prior, &res) == 0 &&
	      drift_is(&res, "{\"connectionLimit\": {\"was\": -1, \"now\": 3}}"),
	      "server: role read reports a connection limit changed by hand");
	is_provider_result_release(&res);
	CHECK(call("PostgresRole", "PostgresRole/u", IS_OP_UPDATE, spec, prior, &res) == 0 &&
	      json_integer_value(json_object_get(res.outputs, "connectionLimit")) == -1 &&
	      json_object_get(res.outputs, "password") && !res.secrets,
	      "server: role update puts the limit back and keeps the password (it sets none)");
	is_provider_result_release(&res);
	sql("DROP ROLE u_drift");
	CHECK(call("PostgresRole", "PostgresRole/u", IS_OP_READ, spec, prior, &res) == 0 &&
	      drift_is(&res, "{\"gone\": true}") && json_object_size(res.outputs) == 0,
	      "server: role read of a role dropped by hand: gone");
	is_provider_result_release(&res);
	CHECK(call("PostgresRole", "PostgresRole/u", IS_OP_UPDATE, spec, prior, &res) == 0 &&
	      json_array_size(res.secrets) >= 1 &&
	      strcmp(json_string_value(json_object_get(res.outputs, "password")), "***") != 0,
	      "server: role update makes it again, with a new generated password");
	is_provider_result_release(&res);
	json_decref(prior);
}

static void test_database_drift(void)
{
	struct is_provider_result res;
	json_t *prior = NULL;
	const char *spec = "{\"name\": \"d_drift\", \"owner\": \"u_drift\"}";
	const char *grant = "{\"role\": \"u_drift\", \"database\": \"d_drift\", "
	                    "\"privileges\": [\"CONNECT\", \"CREATE\"]}";

	CHECK(call("PostgresDatabase", "PostgresDatabase/d", IS_OP_CREATE, spec, NULL, &res) == 0,
	      "server: database create");
	prior = json_incref(res.outputs);
	is_provider_result_release(&res);
	sql("ALTER DATABASE d_drift OWNER TO postgres");
	CHECK(call("PostgresDatabase", "PostgresDatabase/d", IS_OP_READ, spec, prior, &res) == 0 &&
	      drift_is(&res, "{\"owner\": {\"was\": \"u_drift\", \"now\": \"postgres\"}}"),
	      "server: database read reports an owner changed by hand");
	is_provider_result_release(&res);
	CHECK(call("PostgresDatabase", "PostgresDatabase/d", IS_OP_UPDATE, spec, prior, &res) == 0 &&
	      !strcmp(json_string_value(json_object_get(res.outputs, "owner")), "u_drift"),
	      "server: database update gives it back to its owner");
	is_provider_result_release(&res);
	CHECK(call("PostgresGrant", "PostgresGrant/g", IS_OP_CREATE, grant, NULL, &res) == 0,
	      "server: grant create");
	json_decref(prior);
	prior = json_incref(res.outputs);
	is_provider_result_release(&res);
	sql("REVOKE CREATE ON DATABASE d_drift FROM u_drift");
	CHECK(call("PostgresGrant", "PostgresGrant/g", IS_OP_READ, grant, prior, &res) == 0 &&
	      drift_is(&res, "{\"privileges\": {\"was\": [\"CONNECT\", \"CREATE\"], "
	                     "\"now\": [\"CONNECT\"]}}"),
	      "server: grant read reports a privilege revoked by hand");
	is_provider_result_release(&res);
	CHECK(call("PostgresGrant", "PostgresGrant/g", IS_OP_UPDATE, grant, prior, &res) == 0 &&
	      json_array_size(json_object_get(res.outputs, "privileges")) == 2,
	      "server: grant update gives it again");
	is_provider_result_release(&res);
	CHECK(call("PostgresGrant", "PostgresGrant/g", IS_OP_DELETE, grant, prior, &res) == 0,
	      "server: grant delete revokes");
	is_provider_result_release(&res);
	CHECK(call("PostgresDatabase", "PostgresDatabase/d", IS_OP_READ,
	           "{\"name\": \"d_drift\", \"owner\": \"u_drift\", \"host\": \"db.example\", "
	           "\"port\": 6432, \"user\": \"app\", \"password\": \"p@ss\"}", NULL, &res) == 0 &&
	      !strcmp(json_string_value(json_object_get(res.outputs, "url")),
	              "postgresql://app:p%40ss@db.example:6432/d_drift") &&
	      json_array_size(res.secrets) == 2 &&
	      !strcmp(json_string_value(json_array_get(res.secrets, 1)), "p%40ss"),
	      "server: database outputs: host, port and user for dependents, the password "
	      "(raw and encoded) declared secret");
	is_provider_result_release(&res);
	json_decref(prior);
	sql("DROP DATABASE d_drift");
	CHECK(call("PostgresDatabase", "PostgresDatabase/d", IS_OP_READ, spec, NULL, &res) == 0 &&
	      drift_is(&res, "{\"gone\": true}"),
	      "server: database read of a database dropped by hand: gone");
	is_provider_result_release(&res);
	CHECK(call("PostgresGrant", "PostgresGrant/g", IS_OP_READ, grant, NULL, &res) == 0 &&
	      drift_is(&res, "{\"gone\": true}"),
	      "server: grant read on a database that is gone: gone");
	is_provider_result_release(&res);
	CHECK(call("PostgresRole", "PostgresRole/u", IS_OP_DELETE, "{\"name\": \"u_drift\"}", NULL,
	           &res) == 0 && call("PostgresRole", "PostgresRole/u", IS_OP_DELETE,
	                              "{\"name\": \"u_drift\"}", NULL, &res) == 0,
	      "server: role delete, twice: the second finds it gone and is fine");
	is_provider_result_release(&res);
}

static void test_bad_spec(void)
{
	struct is_provider_result res;

	CHECK(call("PostgresGrant", "PostgresGrant/x", IS_OP_CREATE,
	           "{\"role\": \"a\", \"database\": \"b\", \"privileges\": [\"DROP TABLE x\"]}",
	           NULL, &res) < 0 && strstr(res.err.message, "'DROP TABLE x' is not a privilege here"),
	      "server: a privilege not in the list is refused, naming the list");
	is_provider_result_release(&res);
	CHECK(call("PostgresDatabase", "PostgresDatabase/x", IS_OP_CREATE,
	           "{\"owner\": \"no_such_role\"}", NULL, &res) < 0 &&
	      strstr(res.err.message, "creating the database: role \"no_such_role\" does not exist "
	                              "(SQLSTATE 42704); hint: a role it names does not exist: make "
	                              "it first") && !res.retryable,
	      "server: PostgreSQL's message, its SQLSTATE and what to do; not retried");
	is_provider_result_release(&res);
	CHECK(call("PostgresRole", "PostgresRole/x", IS_OP_CREATE,
	           "{\"name\": \"a_name_of_sixty_four_bytes_which_postgres_would_cut_to_63_bytes_\"}",
	           NULL, &res) < 0 && strstr(res.err.message, "the name is 64 bytes long"),
	      "server: a name PostgreSQL would cut is refused");
	is_provider_result_release(&res);
	CHECK(call("PostgresRole", "PostgresRole/x", IS_OP_CREATE, "{\"conectionLimit\": 3}", NULL,
	           &res) < 0 && strstr(res.err.message, "did you mean 'connectionLimit'"),
	      "server: a misspelt key is refused with a suggestion");
	is_provider_result_release(&res);
}

int main(void)
{
	test_url();
	test_password();
	test_sets();
	server = getenv("IS_TEST_PG_URL");
	if (server && *server) {
		test_role_drift();
		test_database_drift();
		test_bad_spec();
		is_provider_registry_release();
	}
	return UNIT_DONE();
}
