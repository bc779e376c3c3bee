#ifndef IS_LEDGER_SCHEMA_H
#define IS_LEDGER_SCHEMA_H
#include "db.h"

/*
 * What the ledger's schema is on each backend (ledger_schema.c for SQLite,
 * ledger_schema_postgres.c): the migrations, in order, and the few
 * statements of schema_apply that differ between the dialects. Both
 * backends reach the same IS_LEDGER_SCHEMA_VERSION with the same tables and
 * columns; a PostgreSQL ledger starts at the current version.
 */
struct is_ledger_migration {
	int version;
	const char *sql;    /* NULL ends a list */
};

struct is_ledger_dialect {
	const struct is_ledger_migration *migrations;
	const char *has_meta;      /* one row: 1 when the meta table exists */
	const char *set_version;   /* ?1: the version */
	char *(*triggers)(const char *table);   /* the append-only triggers (new) */
};

extern const struct is_ledger_dialect is_ledger_postgres_dialect;
const struct is_ledger_dialect *is_ledger_dialect(const struct is_db *db);

#endif
