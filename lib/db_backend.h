#ifndef IS_DB_BACKEND_H
#define IS_DB_BACKEND_H
#include "db.h"

/*
 * What a backend of db.h provides (db_sqlite.c, db_postgres.c). db.c calls
 * through this table; the backends' own structs begin with struct is_db or
 * struct is_db_stmt.
 */
struct is_db_ops {
	enum is_db_backend backend;
	void (*close)(struct is_db *db);
	const char *(*errmsg)(const struct is_db *db);
	int (*exec)(struct is_db *db, const char *sql);
	int (*prepare)(struct is_db *db, const char *sql, int flags, struct is_db_stmt **st);
	void (*bind_text)(struct is_db_stmt *st, int i, const char *text, size_t len);
	void (*bind_int64)(struct is_db_stmt *st, int i, int64_t v);
	int (*step)(struct is_db_stmt *st);
	enum is_db_type (*column_type)(struct is_db_stmt *st, int i);
	const char *(*column_text)(struct is_db_stmt *st, int i);
	size_t (*column_bytes)(struct is_db_stmt *st, int i);
	int64_t (*column_int64)(struct is_db_stmt *st, int i);
	double (*column_double)(struct is_db_stmt *st, int i);
	void (*reset)(struct is_db_stmt *st);
	void (*finalize)(struct is_db_stmt *st);
	int (*begin_write)(struct is_db *db);
	int (*begin_read)(struct is_db *db);
	int (*commit)(struct is_db *db);
	void (*rollback)(struct is_db *db);
	int (*in_transaction)(const struct is_db *db);
};

struct is_db {
	const struct is_db_ops *ops;
};

struct is_db_stmt {
	const struct is_db_ops *ops;
};

struct is_db *is_db_sqlite_open(const char *path, int busy_ms, struct is_error *err);
struct is_db *is_db_postgres_open(const char *uri, struct is_error *err);
/* sql with '?' and '?NNN' as $n (a new string); *nparams: the highest n. */
char *is_db_postgres_placeholders(const char *sql, int *nparams);

#endif
