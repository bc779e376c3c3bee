/*
 * "is-ledger search TEXT": full-text search (SQLite FTS5, the states_fts
 * index over ids, kinds, labels and specs of every recorded version). Each
 * word of TEXT is searched as a phrase of its own, so "Noop/web" or
 * "env:prod" need no FTS quoting, and every word must match; --raw passes
 * TEXT to FTS5 as it is (NEAR, OR, prefix*). A resource is written once, as
 * its newest version that matches, best match first, as a state record with
 * "rank" (FTS5's bm25: lower is better) and "current" (that version is what
 * exists now).
 */
#include <stdlib.h>
#include <string.h>

#include "ledger_query.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

static const struct is_table_col search_cols[] = {
	{ "ID", "id", IS_COL_TEXT },
	{ "KIND", "kind", IS_COL_TEXT },
	{ "AT", "at", IS_COL_TIME },
	{ "RUN", "run", IS_COL_TEXT },
	{ "CURRENT", "current", IS_COL_FLAG },
	{ "LABELS", "labels", IS_COL_TEXT },
	{ NULL, NULL, 0 }
};

/*
 * PostgreSQL: the GIN index on ledger_fts() (ledger_schema_postgres.c) holds
 * the words as FTS5's tokenizer cuts them; a word of TEXT becomes the phrase
 * of its pieces ('noop' <-> 'web'), and --raw TEXT is a tsquery
 * (to_tsquery('simple', TEXT): & | ! <-> and word:* for a prefix). The rank
 * is minus ts_rank, lower is better as with bm25, but not bm25's numbers.
 */
static const char sql_postgres[] =
	"SELECT " IS_LEDGER_STATE_COLUMNS ", -ts_rank(ledger_fts(s.resource, s.kind,"
	"  s.labels, s.spec), m.q),"
	" s.deleted = 0 AND s.seq = (SELECT t.seq FROM states t"
	"  WHERE t.resource = s.resource ORDER BY t.at DESC, t.seq DESC LIMIT 1)"
	" FROM (SELECT CASE WHEN ?2 = 1 THEN to_tsquery('simple', ?1)"
	"  ELSE CAST(?1 AS tsquery) END AS q) m"
	" JOIN states s ON ledger_fts(s.resource, s.kind, s.labels, s.spec) @@ m.q"
	" ORDER BY s.resource, s.at DESC, s.seq DESC";

static int token_byte(char c)
{
	return (unsigned char)c >= 0x80 || (c >= '0' && c <= '9') ||
	       (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Each word as a tsquery phrase of its tokens, lowercased; words joined by &. */
static void phrases_postgres(const char *text, struct is_strbuf *sb)
{
	const char *p = text;

	while (*p) {
		int tokens = 0;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		for (; *p && *p != ' ' && *p != '\t' && *p != '\n'; ) {
			if (!token_byte(*p)) {
				p++;
				continue;
			}
			if (tokens++)
				is_strbuf_adds(sb, " <-> ");
			else if (sb->len)
				is_strbuf_adds(sb, " & ");
			is_strbuf_addch(sb, '\'');
			for (; token_byte(*p); p++)
				is_strbuf_addch(sb, *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p);
			is_strbuf_addch(sb, '\'');
		}
	}
}

/* Each whitespace-separated word as an FTS5 string ("" doubles a quote). */
static void phrases(const char *text, struct is_strbuf *sb)
{
	const char *p = text;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		if (sb->len)
			is_strbuf_addch(sb, ' ');
		is_strbuf_addch(sb, '"');
		for (; *p && *p != ' ' && *p != '\t' && *p != '\n'; p++) {
			if (*p == '"')
				is_strbuf_addch(sb, '"');
			is_strbuf_addch(sb, *p);
		}
		is_strbuf_addch(sb, '"');
	}
}

struct hit {
	struct is_ledger_version s;
	double rank;
	int current;
};

static int by_rank(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(x->s.id, y->s.id);
}

/* Rows come by resource, newest first: the first of each resource is kept. */
static int collect(const struct is_ledger_query *q, struct is_db_stmt *st, struct hit **hits,
                   size_t *n, struct is_error *err)
{
	size_t cap = 0;
	const char *id;
	int rc;

	while ((rc = is_db_step(st)) == IS_DB_ROW) {
		id = (const char *)is_db_column_text(st, 1);
		if (*n && id && !strcmp((*hits)[*n - 1].s.id, id))
			continue;
		*hits = is_xgrow(*hits, &cap, *n + 1, sizeof(**hits));
		memset(&(*hits)[*n], 0, sizeof(**hits));
		is_ledger_version_from_row(&(*hits)[*n].s, st);
		(*hits)[*n].rank = is_db_column_double(st, 11);
		(*hits)[*n].current = (int)is_db_column_int64(st, 12);
		(*n)++;
	}
	if (rc != IS_DB_DONE) {
		const char *msg = is_db_errmsg(q->lg->db);

		return is_error_set(err, "ledger-search", NULL, 0, 0, "cannot search for '%s': %s",
		                    q->operand, msg);
	}
	return 0;
}

int is_ledger_search(const struct is_ledger_query *q, struct is_error *err)
{
	static const char sql[] =
		"SELECT " IS_LEDGER_STATE_COLUMNS ", m.rank,"
		" s.deleted = 0 AND s.seq = (SELECT t.seq FROM states t"
		"  WHERE t.resource = s.resource ORDER BY t.at DESC, t.seq DESC LIMIT 1)"
		" FROM (SELECT rowid, rank FROM states_fts WHERE states_fts MATCH ?1) m"
		" JOIN states s ON s.seq = m.rowid"
		" ORDER BY s.resource, s.at DESC, s.seq DESC";
	struct is_strbuf match, sb;
	struct is_ledger_out out;
	struct hit *hits = NULL;
	struct is_db_stmt *st;
	size_t n = 0, i;
	int rc = 0, pg;

	if (is_ledger_open(q->lg, err) < 0)
		return -1;
	pg = is_db_backend(q->lg->db) == IS_DB_POSTGRES;
	is_strbuf_init(&match, 64);
	if (q->raw)
		is_strbuf_adds(&match, q->operand);
	else if (pg)
		phrases_postgres(q->operand, &match);
	else
		phrases(q->operand, &match);
	if (!match.len) {
		is_strbuf_release(&match);
		return is_error_set(err, "ledger-search", NULL, 0, 0, "nothing to search for");
	}
	if (is_ledger_query_begin(q, err) < 0 ||
	    is_ledger_query_prepare_big(q, pg ? sql_postgres : sql, &st, err) < 0) {
		is_ledger_query_end(q);
		is_strbuf_release(&match);
		return -1;
	}
	is_db_bind_text(st, 1, match.buf, match.len);
	if (pg)
		is_db_bind_int64(st, 2, q->raw);
	rc = collect(q, st, &hits, &n, err);
	is_db_finalize(st);
	is_ledger_query_end(q);
	is_strbuf_release(&match);
	if (n > 0)
		qsort(hits, n, sizeof(*hits), by_rank);
	is_ledger_out_init(&out, q, search_cols, 0);
	is_strbuf_init(&sb, 1024);
	for (i = 0; i < n && rc == 0 && (!q->limit || i < (size_t)q->limit); i++) {
		is_strbuf_reset(&sb);
		is_ledger_version_record(&hits[i].s, &sb);
		sb.len--;   /* the closing brace: two more fields */
		is_strbuf_addf(&sb, ",\"rank\":%.6g,\"current\":%s}", hits[i].rank,
		               hits[i].current ? "true" : "false");
		if (is_ledger_out_text(&out, sb.buf, sb.len) < 0)
			rc = is_error_set(err, "output", NULL, 0, 0, "cannot write the output");
	}
	for (i = 0; i < n; i++)
		is_ledger_version_release(&hits[i].s);
	free(hits);
	is_strbuf_release(&sb);
	if (rc < 0) {
		is_ledger_out_release(&out);
		return -1;
	}
	return is_ledger_out_finish(&out, err);
}
