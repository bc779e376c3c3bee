/* db.h on SQLite (an in-memory database), the target forms, and the
 * placeholders PostgreSQL gets. */
#include <stdlib.h>
#include <string.h>

#include "db_backend.h"
#include "unit.h"

static void display(const char *target, const char *want)
{
	char *got = is_db_target_display(target);

	CHECK(!strcmp(got, want), "'%s' shows as '%s' (got '%s')", target, want, got);
	free(got);
}

static void placeholders(const char *sql, const char *want, int want_n)
{
	int n = -1;
	char *got = is_db_postgres_placeholders(sql, &n);

	CHECK(!strcmp(got, want) && n == want_n, "'%s' is '%s' with %d (got '%s', %d)",
	      sql, want, want_n, got, n);
	free(got);
}

static void targets(void)
{
	CHECK(is_db_target_is_uri("postgres://h/db"), "postgres:// is a URI");
	CHECK(is_db_target_is_uri("postgresql:///db?host=/tmp"), "postgresql:// is a URI");
	CHECK(!is_db_target_is_uri("/var/lib/ledger.db"), "a path is not");
	CHECK(!is_db_target_is_uri("postgres.db"), "a file named postgres is not");
	display("postgresql://u:s3cret@h:5432/db", "postgresql://u:***@h:5432/db");
	display("postgres://u@h/db", "postgres://u@h/db");
	display("postgresql:///db?host=/tmp", "postgresql:///db?host=/tmp");
	display("/tmp/a:b@c.db", "/tmp/a:b@c.db");
	display("postgresql:///db?user=u&password=pw&host=/tmp",
	        "postgresql:///db?user=u&password=***&host=/tmp");
	display("postgresql://u:x@h/db?password=pw", "postgresql://u:***@h/db?password=***");
	display("postgresql:///db?sslpassword=k", "postgresql:///db?sslpassword=k");
	placeholders("SELECT ? , ?", "SELECT $1 , $2", 2);
	placeholders("WHERE a = ?1 AND b = ?2 OR c = ?1", "WHERE a = $1 AND b = $2 OR c = $1", 2);
	placeholders("SELECT '?', \"a?\" -- ?\t\n, ?", "SELECT '?', \"a?\" -- ?\t\n, $1", 1);
	placeholders("SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", 1);
	placeholders("SELECT 1", "SELECT 1", 0);
}

static void sqlite_api(void)
{
	struct is_error err = IS_ERROR_INIT;
	struct is_db *db = is_db_open(":memory:", 1000, &err);
	struct is_db_stmt *st;
	const char line[] = "abc\ndef";

	CHECK(db != NULL, "an in-memory database opens");
	if (!db)
		return;
	CHECK(is_db_backend(db) == IS_DB_SQLITE, "a path is SQLite");
	CHECK(is_db_exec(db, "CREATE TABLE t(a TEXT, b INTEGER)") == 0, "exec");
	CHECK(is_db_begin_write(db) == 0 && is_db_in_transaction(db), "a write transaction");
	CHECK(is_db_prepare(db, "INSERT INTO t VALUES (?1, ?2)", IS_DB_PERSISTENT, &st) == 0,
	      "prepare an insert");
	is_db_bind_text(st, 1, line, 3);   /* "abc", not NUL-terminated there */
	is_db_bind_int64(st, 2, 5000000000LL);
	CHECK(is_db_step(st) == IS_DB_DONE, "an insert is done");
	is_db_reset(st);
	is_db_bind_null(st, 1);
	CHECK(is_db_step(st) == IS_DB_DONE, "again, with the bindings kept but a NULL");
	is_db_finalize(st);
	CHECK(is_db_commit(db) == 0 && !is_db_in_transaction(db), "commit");
	CHECK(is_db_prepare(db, "SELECT a, b, 1.5 FROM t ORDER BY rowid", IS_DB_STREAM, &st) == 0,
	      "prepare a query");
	CHECK(is_db_step(st) == IS_DB_ROW && !strcmp(is_db_column_text(st, 0), "abc") &&
	      is_db_column_bytes(st, 0) == 3 && is_db_column_int64(st, 1) == 5000000000LL &&
	      is_db_column_type(st, 1) == IS_DB_INTEGER && is_db_column_type(st, 0) == IS_DB_TEXT &&
	      is_db_column_double(st, 2) == 1.5, "the first row");
	CHECK(is_db_step(st) == IS_DB_ROW && is_db_column_type(st, 0) == IS_DB_NULL &&
	      !is_db_column_text(st, 0) && is_db_column_int64(st, 1) == 5000000000LL,
	      "the second row: NULL, the integer kept");
	CHECK(is_db_step(st) == IS_DB_DONE, "then done");
	is_db_finalize(st);
	CHECK(is_db_prepare(db, "SELECT nosuch FROM t", 0, &st) < 0 &&
	      strstr(is_db_errmsg(db), "nosuch"), "a bad statement says why");
	CHECK(is_db_begin_write(db) == 0 && is_db_exec(db, "INSERT INTO t VALUES ('x', 1)") == 0,
	      "a second write");
	is_db_rollback(db);
	CHECK(!is_db_in_transaction(db), "rolled back");
	is_db_prepare(db, "SELECT count(*) FROM t", 0, &st);
	CHECK(is_db_step(st) == IS_DB_ROW && is_db_column_int64(st, 0) == 2,
	      "the rolled-back row is not there");
	is_db_finalize(st);
	is_db_finalize(NULL);
	is_db_close(db);
	CHECK(is_db_open("/nonexistent-dir/x/y.db", 10, &err) == NULL && err.message,
	      "a file that cannot be made: NULL and a message");
	is_error_release(&err);
	CHECK(is_db_open("postgresql:///nosuch?host=/nonexistent-dir", 10, &err) == NULL &&
	      err.message && strstr(err.message, "cannot connect"),
	      "a server that is not there: NULL and a message");
	is_error_release(&err);
}

int main(void)
{
	targets();
	sqlite_api();
	return UNIT_DONE();
}
