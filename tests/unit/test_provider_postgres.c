/*
 * The PostgreSQL providers' pure helpers: connection URLs (percent-encoding,
 * socket folders, IPv6 hosts), generated passwords, sets of names.
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

int main(void)
{
	test_url();
	test_password();
	test_sets();
	return UNIT_DONE();
}
