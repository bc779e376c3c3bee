/*
 * Checkpoints: the latest version of every resource, written every so many
 * states, so that "state --at T" reads one checkpoint and the few states
 * after it rather than searching the versions of each resource.
 *
 * Checkpoint k summarises the states with seq <= upto: "states" is the JSON
 * array of the seq of each resource's latest version by (at, seq) among
 * them, tombstones included (a later row with an earlier "at" must not
 * bring a deleted resource back), in ascending order. max_at is the greatest
 * "at" of all those states, so the checkpoint is complete for any instant at
 * or after it; from_seq is the previous checkpoint's upto, and min_at the
 * least "at" of the states in (from_seq, upto], so that a query knows which
 * later spans can hold a version at or before its instant even when times
 * do not grow with seq (clocks of several writers).
 *
 * They are derived data: verify builds them again from states and compares.
 * A ledger without any (made before version 5) gets them at its migration;
 * a query with none to use falls back to the search per resource.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_checkpoint.h"
#include "strbuf.h"
#include "strmap.h"
#include "xalloc.h"
#include "banned.h"

/* Version 5. */
const char is_ledger_checkpoint_sqlite_v5[] =
	"CREATE TABLE checkpoints(\n"
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  from_seq INTEGER NOT NULL,\n"
	"  upto INTEGER NOT NULL,\n"
	"  min_at TEXT NOT NULL,\n"
	"  max_at TEXT NOT NULL,\n"
	"  count INTEGER NOT NULL,\n"
	"  states TEXT NOT NULL);\n"
	"CREATE INDEX checkpoints_span ON checkpoints(max_at, seq, from_seq, upto, min_at);\n";

#define TEXT "TEXT COLLATE \"C\""
const char is_ledger_checkpoint_postgres_v5[] =
	"CREATE TABLE checkpoints(\n"
	"  seq BIGINT PRIMARY KEY,\n"
	"  from_seq BIGINT NOT NULL,\n"
	"  upto BIGINT NOT NULL,\n"
	"  min_at " TEXT " NOT NULL,\n"
	"  max_at " TEXT " NOT NULL,\n"
	"  count BIGINT NOT NULL,\n"
	"  states TEXT NOT NULL);\n"
	"CREATE INDEX checkpoints_span ON checkpoints(max_at, seq, from_seq, upto, min_at);\n";
#undef TEXT

/* The latest version of each resource so far. */
struct entry {
	int64_t seq;
	char at[32];
};

struct builder {
	struct is_strmap ids;     /* resource -> index + 1 into v */
	struct entry *v;
	size_t n, cap;
	int64_t from_seq, upto;   /* the span of the checkpoint being made */
	int64_t rows;             /* states in it */
	char min_at[32], max_at[32];
};

static void builder_init(struct builder *b)
{
	memset(b, 0, sizeof(*b));
	is_strmap_init(&b->ids);
}

static void builder_release(struct builder *b)
{
	is_strmap_release(&b->ids);
	free(b->v);
	memset(b, 0, sizeof(*b));
}

static int later(const char *at, int64_t seq, const struct entry *e)
{
	int c = strcmp(at, e->at);

	return c > 0 || (c == 0 && seq > e->seq);
}

/* A version of resource, as a checkpoint holds it or as states has it. */
static void builder_put(struct builder *b, int64_t seq, const char *resource, const char *at)
{
	uintptr_t i = (uintptr_t)is_strmap_get(&b->ids, resource);
	struct entry *e;

	if (!i) {
		b->v = is_xgrow(b->v, &b->cap, b->n + 1, sizeof(*b->v));
		e = &b->v[b->n++];
		is_strmap_put(&b->ids, resource, (void *)(uintptr_t)b->n);
	} else {
		e = &b->v[i - 1];
		if (!later(at, seq, e))
			return;
	}
	e->seq = seq;
	snprintf(e->at, sizeof(e->at), "%s", at);
}

/* A state row after the last checkpoint. */
static void builder_add(struct builder *b, int64_t seq, const char *resource, const char *at)
{
	builder_put(b, seq, resource, at);
	if (!b->rows || strcmp(at, b->min_at) < 0)
		snprintf(b->min_at, sizeof(b->min_at), "%s", at);
	if (strcmp(at, b->max_at) > 0)
		snprintf(b->max_at, sizeof(b->max_at), "%s", at);
	b->upto = seq;
	b->rows++;
}

static int by_seq(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The "states" column: "[seq,seq,...]", ascending. */
static char *builder_states(const struct builder *b)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	int64_t *seqs = is_xmalloc((b->n + 1) * sizeof(*seqs));
	size_t i;

	for (i = 0; i < b->n; i++)
		seqs[i] = b->v[i].seq;
	qsort(seqs, b->n, sizeof(*seqs), by_seq);
	is_strbuf_init(&sb, b->n * 8 + 2);
	is_strbuf_addch(&sb, '[');
	for (i = 0; i < b->n; i++)
		is_strbuf_addf(&sb, i ? ",%lld" : "%lld", (long long)seqs[i]);
	is_strbuf_addch(&sb, ']');
	free(seqs);
	return is_strbuf_detach(&sb, NULL);
}

int64_t is_ledger_checkpoint_min_rows(void)
{
	const char *env = getenv("IS_LEDGER_CHECKPOINT_ROWS");

	if (env && *env)
		return strtoll(env, NULL, 10);
	return 1000;
}

/*
 * How many states make a new checkpoint worth writing after one of count
 * resources: a quarter of them (at least the minimum), so the checkpoints
 * take about 4 x 7 bytes per state and a query reads at most a quarter more
 * rows than it returns. 0: never (IS_LEDGER_CHECKPOINT_ROWS=0).
 */
static int64_t interval(size_t count)
{
	const char *env = getenv("IS_LEDGER_CHECKPOINT_ROWS");
	int64_t min = is_ledger_checkpoint_min_rows();

	if (env && *env)
		return min;
	return (int64_t)count / 4 > min ? (int64_t)count / 4 : min;
}

static int step_done(struct is_db_stmt *st)
{
	int rc = is_db_step(st);

	is_db_finalize(st);
	return rc == IS_DB_DONE ? 0 : -1;
}

/* Inserts the checkpoint b has made and starts the next span. */
static int builder_write(struct is_db *db, struct builder *b)
{
	struct is_db_stmt *st;
	char *states;
	int rc;

	if (is_db_prepare(db, "INSERT INTO checkpoints(from_seq, upto, min_at, max_at, "
	                  "count, states) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", 0, &st) < 0)
		return -1;
	states = builder_states(b);
	is_db_bind_int64(st, 1, b->from_seq);
	is_db_bind_int64(st, 2, b->upto);
	is_db_bind_text(st, 3, b->min_at, (size_t)-1);
	is_db_bind_text(st, 4, b->max_at, (size_t)-1);
	is_db_bind_int64(st, 5, (int64_t)b->n);
	is_db_bind_text(st, 6, states, (size_t)-1);
	rc = step_done(st);
	free(states);
	b->from_seq = b->upto;
	b->rows = 0;
	b->min_at[0] = '\0';
	return rc;
}

static const char walk_sql[] =
	"SELECT seq, resource, at FROM states WHERE seq > ?1 ORDER BY seq";

int is_ledger_checkpoint_backfill(struct is_db *db)
{
	struct is_db_stmt *st;
	struct builder b;
	int rc;

	if (is_ledger_checkpoint_min_rows() <= 0)
		return 0;
	builder_init(&b);
	if (is_db_prepare(db, walk_sql, IS_DB_STREAM, &st) < 0) {
		builder_release(&b);
		return -1;
	}
	is_db_bind_int64(st, 1, 0);
	while ((rc = is_db_step(st)) == IS_DB_ROW) {
		builder_add(&b, is_db_column_int64(st, 0), is_db_column_text(st, 1),
		            is_db_column_text(st, 2));
		if (b.rows >= interval(b.n) && builder_write(db, &b) < 0) {
			rc = IS_DB_ERROR;
			break;
		}
	}
	is_db_finalize(st);
	builder_release(&b);
	return rc == IS_DB_DONE ? 0 : -1;
}

/* The versions a stored checkpoint names, each with its resource and at. */
static const char members_sqlite[] =
	"SELECT s.seq, s.resource, s.at FROM checkpoints c, json_each(c.states) j,"
	" states s WHERE c.seq = ?1 AND s.seq = j.value";
static const char members_postgres[] =
	"SELECT s.seq, s.resource, s.at FROM checkpoints c"
	" CROSS JOIN LATERAL jsonb_array_elements_text(c.states::jsonb) j(v)"
	" JOIN states s ON s.seq = j.v::bigint WHERE c.seq = ?1";

/* b: the checkpoint ckpt, ready to take the states after it. */
static int builder_load(struct is_db *db, int64_t ckpt, struct builder *b)
{
	struct is_db_stmt *st;
	int rc;

	if (is_db_prepare(db, is_db_backend(db) == IS_DB_POSTGRES ? members_postgres
	                  : members_sqlite, IS_DB_STREAM, &st) < 0)
		return -1;
	is_db_bind_int64(st, 1, ckpt);
	while ((rc = is_db_step(st)) == IS_DB_ROW)
		builder_put(b, is_db_column_int64(st, 0), is_db_column_text(st, 1),
		            is_db_column_text(st, 2));
	is_db_finalize(st);
	return rc == IS_DB_DONE ? 0 : -1;
}

/* The last checkpoint: seq, upto, max_at, count; 0 when none. */
static int last_checkpoint(struct is_db *db, int64_t *seq, int64_t *upto, char max_at[32],
                           int64_t *count)
{
	struct is_db_stmt *st;
	int rc;

	*seq = *upto = *count = 0;
	max_at[0] = '\0';
	if (is_db_prepare(db, "SELECT seq, upto, max_at, count FROM checkpoints"
	                  " ORDER BY seq DESC LIMIT 1", 0, &st) < 0)
		return -1;
	rc = is_db_step(st);
	if (rc == IS_DB_ROW) {
		*seq = is_db_column_int64(st, 0);
		*upto = is_db_column_int64(st, 1);
		snprintf(max_at, 32, "%s", is_db_column_text(st, 2));
		*count = is_db_column_int64(st, 3);
	}
	is_db_finalize(st);
	return rc == IS_DB_ERROR ? -1 : 0;
}

static int64_t states_top(struct is_db *db)
{
	struct is_db_stmt *st;
	int64_t top = -1;

	if (is_db_prepare(db, "SELECT coalesce(max(seq), 0) FROM states", 0, &st) < 0)
		return -1;
	if (is_db_step(st) == IS_DB_ROW)
		top = is_db_column_int64(st, 0);
	is_db_finalize(st);
	return top;
}

struct is_ledger_checkpointer {
	struct builder b;
	int64_t seq;     /* the checkpoint b holds; 0: none */
};

struct is_ledger_checkpointer *is_ledger_checkpointer_new(void)
{
	struct is_ledger_checkpointer *c = is_xcalloc(1, sizeof(*c));

	builder_init(&c->b);
	return c;
}

void is_ledger_checkpointer_free(struct is_ledger_checkpointer *c)
{
	if (!c)
		return;
	builder_release(&c->b);
	free(c);
}

/* c->b: checkpoint seq (upto, max_at), read back unless c holds it already. */
static int checkpointer_at(struct is_db *db, struct is_ledger_checkpointer *c, int64_t seq,
                           int64_t upto, const char *max_at)
{
	if (seq && c->seq == seq)
		return 0;
	builder_release(&c->b);
	builder_init(&c->b);
	c->seq = 0;
	if (seq && builder_load(db, seq, &c->b) < 0)
		return -1;
	snprintf(c->b.max_at, sizeof(c->b.max_at), "%s", max_at);
	c->b.from_seq = c->b.upto = upto;
	c->seq = seq;
	return 0;
}

/* In the write transaction: the checkpoint, if one is due. */
static int write_due(struct is_db *db, struct is_ledger_checkpointer *c)
{
	int64_t seq, upto, count, top;
	struct is_db_stmt *st;
	char max_at[32];
	int rc;

	if (last_checkpoint(db, &seq, &upto, max_at, &count) < 0 || (top = states_top(db)) < 0)
		return -1;
	if (top - upto < interval((size_t)count))
		return 0;
	if (checkpointer_at(db, c, seq, upto, max_at) < 0 ||
	    is_db_prepare(db, walk_sql, IS_DB_STREAM, &st) < 0) {
		c->seq = 0;
		return -1;
	}
	/* From here on c->b is past checkpoint seq: held only once written. */
	c->seq = 0;
	is_db_bind_int64(st, 1, upto);
	while ((rc = is_db_step(st)) == IS_DB_ROW)
		builder_add(&c->b, is_db_column_int64(st, 0), is_db_column_text(st, 1),
		            is_db_column_text(st, 2));
	is_db_finalize(st);
	if (rc != IS_DB_DONE || !c->b.rows)
		return rc == IS_DB_DONE ? 0 : -1;
	if (builder_write(db, &c->b) < 0 ||
	    last_checkpoint(db, &seq, &upto, max_at, &count) < 0)
		return -1;
	c->seq = seq;
	return 1;
}

int is_ledger_checkpoint_maybe(struct is_db *db, struct is_ledger_checkpointer *c)
{
	int rc;

	if (is_ledger_checkpoint_min_rows() <= 0)
		return 0;
	if (is_db_begin_write(db) < 0)
		return -1;
	rc = write_due(db, c);
	if (rc <= 0) {
		is_db_rollback(db);
		return rc;
	}
	if (is_db_commit(db) < 0) {
		c->seq = 0;
		is_db_rollback(db);
		return -1;
	}
	return 1;
}

/* verify: one stored checkpoint against the one b made of the same span. */
static void compare(struct is_db_stmt *c, const struct builder *b,
                    void (*problem)(void *ctx, int64_t seq, const char *msg), void *ctx)
{
	const char *what = NULL;
	char *states = builder_states(b);
	const char *min_at = is_db_column_text(c, 3), *max_at = is_db_column_text(c, 4);
	const char *stored = is_db_column_text(c, 6);
	char msg[160];

	if (is_db_column_int64(c, 1) != b->from_seq)
		what = "it does not start where the checkpoint before it ends";
	else if (!b->rows || is_db_column_int64(c, 2) != b->upto)
		what = "it summarises no states";
	else if (!min_at || strcmp(min_at, b->min_at) || !max_at || strcmp(max_at, b->max_at))
		what = "its times are not those of the states it summarises";
	else if (is_db_column_int64(c, 5) != (int64_t)b->n || !stored || strcmp(stored, states))
		what = "its versions are not the latest of the states it summarises";
	if (what) {
		snprintf(msg, sizeof(msg), "%s (states up to seq %lld)", what,
		         (long long)is_db_column_int64(c, 2));
		problem(ctx, is_db_column_int64(c, 0), msg);
	}
	free(states);
}

int is_ledger_checkpoint_verify(struct is_db *db,
                                void (*problem)(void *ctx, int64_t seq, const char *msg),
                                void *ctx, long *count)
{
	struct is_db_stmt *c = NULL, *st = NULL;
	struct is_strbuf held = IS_STRBUF_INIT;   /* resource "\0" at of a row not yet used */
	int64_t held_seq = 0;
	struct builder b;
	int rc = -1, crc, src = IS_DB_ROW;

	builder_init(&b);
	if (is_db_prepare(db, "SELECT seq, from_seq, upto, min_at, max_at, count, states"
	                  " FROM checkpoints ORDER BY seq", IS_DB_STREAM, &c) < 0 ||
	    is_db_prepare(db, walk_sql, IS_DB_STREAM, &st) < 0)
		goto out;
	is_db_bind_int64(st, 1, 0);
	while ((crc = is_db_step(c)) == IS_DB_ROW) {
		int64_t upto = is_db_column_int64(c, 2);

		(*count)++;
		if (held_seq && held_seq <= upto) {
			builder_add(&b, held_seq, held.buf, held.buf + strlen(held.buf) + 1);
			held_seq = 0;
		}
		while (!held_seq && (src = is_db_step(st)) == IS_DB_ROW) {
			int64_t seq = is_db_column_int64(st, 0);
			const char *res = is_db_column_text(st, 1), *at = is_db_column_text(st, 2);

			if (seq <= upto) {
				builder_add(&b, seq, res, at);
				continue;
			}
			held_seq = seq;
			is_strbuf_reset(&held);
			is_strbuf_add(&held, res, strlen(res) + 1);
			is_strbuf_adds(&held, at);
		}
		if (src == IS_DB_ERROR)
			goto out;
		compare(c, &b, problem, ctx);
		b.from_seq = upto;
		b.rows = 0;
		b.min_at[0] = '\0';
	}
	rc = crc == IS_DB_DONE ? 0 : -1;
out:
	is_db_finalize(c);
	is_db_finalize(st);
	is_strbuf_release(&held);
	builder_release(&b);
	return rc;
}
