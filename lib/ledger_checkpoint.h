#ifndef IS_LEDGER_CHECKPOINT_H
#define IS_LEDGER_CHECKPOINT_H
#include <stdint.h>

#include "db.h"
#include "error.h"

/*
 * Checkpoints (ledger_checkpoint.c): derived rows that let "state --at"
 * read the latest version of every resource from one row instead of
 * searching states per resource. A checkpoint summarises the states up to
 * seq "upto": the seq of each resource's latest version by (at, seq) among
 * them, tombstones included. Schema version 5 adds the table.
 */
extern const char is_ledger_checkpoint_sqlite_v5[];
extern const char is_ledger_checkpoint_postgres_v5[];

/*
 * Writes the checkpoints a ledger without any would have had, over its
 * whole history (the migration to version 5). Inside the caller's write
 * transaction. 0 or -1 (is_db_errmsg).
 */
int is_ledger_checkpoint_backfill(struct is_db *db);

/*
 * What a writer keeps between its checkpoints: the last one it wrote or
 * read, so the next is made from it and the states since, without reading
 * it back (unless another writer has written one meanwhile).
 */
struct is_ledger_checkpointer;
struct is_ledger_checkpointer *is_ledger_checkpointer_new(void);
void is_ledger_checkpointer_free(struct is_ledger_checkpointer *c);

/*
 * Writes a checkpoint in a transaction of its own when enough states have
 * been added since the last one (record calls it after a commit). Returns 1
 * when it wrote one, 0 when none was due, -1 (is_db_errmsg).
 */
int is_ledger_checkpoint_maybe(struct is_db *db, struct is_ledger_checkpointer *c);

/* The fewest states between two checkpoints (IS_LEDGER_CHECKPOINT_ROWS
 * overrides the interval, for tests). */
int64_t is_ledger_checkpoint_min_rows(void);

/*
 * verify: builds every checkpoint again from states and compares. problem
 * is called for each checkpoint that differs (seq, message). Inside a read
 * transaction. 0 or -1.
 */
int is_ledger_checkpoint_verify(struct is_db *db,
                                void (*problem)(void *ctx, int64_t seq, const char *msg),
                                void *ctx, long *count);

#endif
