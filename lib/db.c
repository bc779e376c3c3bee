/*
 * db.h's functions: which backend a target names, and the calls passed on to
 * it (db_backend.h).
 */
#include <string.h>

#include "db_backend.h"
#include "strbuf.h"
#include "banned.h"

int is_db_target_is_uri(const char *target)
{
	return !strncmp(target, "postgres://", 11) || !strncmp(target, "postgresql://", 13);
}

/* The query string of uri (from its '?') onto sb, a password= value as ***. */
static void add_query_hiding_password(struct is_strbuf *sb, const char *uri)
{
	const char *p = strchr(uri, '?');

	if (!p)
		return;
	is_strbuf_addch(sb, *p++);
	while (*p) {
		size_t n = strcspn(p, "&");

		if (!strncmp(p, "password=", 9))
			is_strbuf_adds(sb, "password=***");
		else
			is_strbuf_add(sb, p, n);
		p += n;
		if (*p == '&')
			is_strbuf_addch(sb, *p++);
	}
}

/*
 * "postgres://user:secret@host/db?password=x" ->
 * "postgres://user:***@host/db?password=***".
 */
char *is_db_target_display(const char *target)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	const char *auth = strstr(target, "://"), *query, *at, *colon;
	size_t before_query;

	if (!is_db_target_is_uri(target) || !auth) {
		is_strbuf_adds(&sb, target);
		return is_strbuf_detach(&sb, NULL);
	}
	auth += 3;
	query = strchr(auth, '?');
	before_query = query ? (size_t)(query - target) : strlen(target);
	at = memchr(auth, '@', before_query - (size_t)(auth - target));
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (at && colon) {
		is_strbuf_add(&sb, target, (size_t)(colon + 1 - target));
		is_strbuf_adds(&sb, "***");
		is_strbuf_add(&sb, at, before_query - (size_t)(at - target));
	} else {
		is_strbuf_add(&sb, target, before_query);
	}
	add_query_hiding_password(&sb, target);
	return is_strbuf_detach(&sb, NULL);
}

struct is_db *is_db_open(const char *target, int busy_ms, struct is_error *err)
{
	if (is_db_target_is_uri(target))
		return is_db_postgres_open(target, err);
	return is_db_sqlite_open(target, busy_ms, err);
}

void is_db_close(struct is_db *db)
{
	if (db)
		db->ops->close(db);
}

enum is_db_backend is_db_backend(const struct is_db *db)
{
	return db->ops->backend;
}

const char *is_db_errmsg(const struct is_db *db)
{
	return db->ops->errmsg(db);
}

int is_db_exec(struct is_db *db, const char *sql)
{
	return db->ops->exec(db, sql);
}

int is_db_prepare(struct is_db *db, const char *sql, int flags, struct is_db_stmt **st)
{
	*st = NULL;
	return db->ops->prepare(db, sql, flags, st);
}

void is_db_bind_text(struct is_db_stmt *st, int i, const char *text, size_t len)
{
	st->ops->bind_text(st, i, text, len);
}

void is_db_bind_int64(struct is_db_stmt *st, int i, int64_t v)
{
	st->ops->bind_int64(st, i, v);
}

void is_db_bind_null(struct is_db_stmt *st, int i)
{
	st->ops->bind_text(st, i, NULL, 0);
}

int is_db_step(struct is_db_stmt *st)
{
	return st->ops->step(st);
}

enum is_db_type is_db_column_type(struct is_db_stmt *st, int i)
{
	return st->ops->column_type(st, i);
}

const char *is_db_column_text(struct is_db_stmt *st, int i)
{
	return st->ops->column_text(st, i);
}

size_t is_db_column_bytes(struct is_db_stmt *st, int i)
{
	return st->ops->column_bytes(st, i);
}

int64_t is_db_column_int64(struct is_db_stmt *st, int i)
{
	return st->ops->column_int64(st, i);
}

double is_db_column_double(struct is_db_stmt *st, int i)
{
	return st->ops->column_double(st, i);
}

void is_db_reset(struct is_db_stmt *st)
{
	st->ops->reset(st);
}

void is_db_finalize(struct is_db_stmt *st)
{
	if (st)
		st->ops->finalize(st);
}

int is_db_begin_write(struct is_db *db)
{
	return db->ops->begin_write(db);
}

int is_db_begin_read(struct is_db *db)
{
	return db->ops->begin_read(db);
}

int is_db_commit(struct is_db *db)
{
	return db->ops->commit(db);
}

void is_db_rollback(struct is_db *db)
{
	db->ops->rollback(db);
}

int is_db_in_transaction(const struct is_db *db)
{
	return db->ops->in_transaction(db);
}
