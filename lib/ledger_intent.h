#ifndef IS_LEDGER_INTENT_H
#define IS_LEDGER_INTENT_H
#include "ledger.h"

/*
 * Intents: before is-exec calls a provider's create, update or delete, it
 * commits a row saying it is about to (run, resource, kind, op, hash, the
 * spec as planned, at) to the append-only table "intents". A resource whose
 * latest intent is newer than its latest state was being changed when
 * something died: "is-ledger state" marks it "pending", is-graph carries
 * that into the plan, and is-exec reads the resource before acting, so an
 * interrupted create is adopted or made, never made twice.
 */
struct is_ledger_intent {
	const char *run, *resource, *kind, *op, *hash;   /* borrowed; kind, hash may be NULL */
	const char *spec;                                /* JSON text (borrowed), or NULL */
	size_t spec_len;
};

/* The migration of schema version 4 on each backend: the intents table. */
extern const char is_ledger_intent_sqlite_v4[];
extern const char is_ledger_intent_postgres_v4[];

/* Appends n intents, all stamped now, in one committed write transaction.
 * Returns 0, or -1 with err filled (nothing written). */
int is_ledger_intents_write(struct is_ledger *lg, const struct is_ledger_intent *v,
                            size_t n, struct is_error *err);

/* A pending intent, as "is-ledger state" reports it. */
struct is_ledger_pending {
	char *resource, *kind, *op, *run, *at, *hash, *spec;   /* owned; may be NULL */
};

/*
 * The resources whose latest intent at or before at (stored form) has no
 * state at or after it, sorted by id, into *out (n of them; free with
 * is_ledger_pending_free). Inside a read transaction. 0 or -1 (err).
 */
int is_ledger_pending_load(struct is_ledger *lg, const char *at,
                           struct is_ledger_pending **out, size_t *n,
                           struct is_error *err);
void is_ledger_pending_free(struct is_ledger_pending *v, size_t n);

#endif
