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
 * the words as FTS5's tokenizer cuts them. The query is a tsquery made here:
 * a word of TEXT becomes the phrase of its pieces ('noop' <-> 'web'), and
 * --raw TEXT, FTS5's syntax, is translated (AND OR NOT, parentheses,
 * "phrases", prefix*; NEAR and column filters are refused). The rank is
 * minus ts_rank: lower is better as with bm25, but not bm25's numbers.
 */
static const char sql_postgres[] =
	"SELECT " IS_LEDGER_STATE_COLUMNS ", -ts_rank(ledger_fts(s.resource, s.kind,"
	"  s.labels, s.spec), m.q),"
	" s.deleted = 0 AND s.seq = (SELECT t.seq FROM states t"
	"  WHERE t.resource = s.resource ORDER BY t.at DESC, t.seq DESC LIMIT 1)"
	" FROM (SELECT CAST(?1 AS tsquery) AS q) m"
	" JOIN states s ON ledger_fts(s.resource, s.kind, s.labels, s.spec) @@ m.q"
	" ORDER BY s.resource, s.at DESC, s.seq DESC";

static int token_byte(char c)
{
	return (unsigned char)c >= 0x80 || (c >= '0' && c <= '9') ||
	       (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The phrase of the tokens of [p, end), lowercased; prefix: the last one is
 * a prefix. Nothing when it has no token. */
static void phrase_postgres(const char *p, const char *end, int prefix,
                            struct is_strbuf *sb)
{
	int tokens = 0;

	while (p < end) {
		if (!token_byte(*p)) {
			p++;
			continue;
		}
		if (tokens++)
			is_strbuf_adds(sb, " <-> ");
		is_strbuf_addch(sb, '\'');
		for (; p < end && token_byte(*p); p++)
			is_strbuf_addch(sb, *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p);
		is_strbuf_addch(sb, '\'');
	}
	if (prefix && tokens)
		is_strbuf_adds(sb, ":*");
}

static int space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Each whitespace-separated word as a phrase; words joined by &. */
static void phrases_postgres(const char *text, struct is_strbuf *sb)
{
	const char *p = text, *start;
	size_t before;

	while (*p) {
		while (space(*p))
			p++;
		for (start = p; *p && !space(*p); p++)
			;
		before = sb->len;
		if (before)
			is_strbuf_adds(sb, " & ");
		phrase_postgres(start, p, 0, sb);
		if (sb->len == before + (before ? 3 : 0))
			sb->len = before;   /* a word of punctuation only */
	}
	if (sb->buf)
		sb->buf[sb->len] = '\0';
}

/* FTS5's query syntax as a tsquery; -1 with msg set when it is not valid. */
static int raw_postgres(const char *text, struct is_strbuf *sb, const char **msg)
{
	const char *p = text, *start;
	int operand = 0, depth = 0;

	while (*p) {
		if (space(*p)) {
			p++;
			continue;
		}
		if (*p == ')') {
			if (!operand || --depth < 0)
				return *msg = "unbalanced ')'", -1;
			is_strbuf_addch(sb, *p++);
			continue;
		}
		for (start = p; *p && !space(*p) && *p != '(' && *p != ')' && *p != '"'; p++)
			;
		if (p > start && operand) {
			size_t n = (size_t)(p - start);

			if (n == 2 && !strncmp(start, "OR", 2))
				is_strbuf_adds(sb, " | ");
			else if (n == 3 && !strncmp(start, "AND", 3))
				is_strbuf_adds(sb, " & ");
			else if (n == 3 && !strncmp(start, "NOT", 3))
				is_strbuf_adds(sb, " & !");
			else
				p = start;   /* an operand: an implicit AND */
			if (p != start) {
				operand = 0;
				continue;
			}
		}
		if (operand)
			is_strbuf_adds(sb, " & ");
		p = start;
		if (*p == '(') {
			is_strbuf_addch(sb, *p++);
			depth++;
			continue;
		}
		if (*p == '"') {
			const char *close = strchr(p + 1, '"');

			if (!close)
				return *msg = "unterminated string", -1;
			phrase_postgres(p + 1, close, close[1] == '*', sb);
			p = close + 1 + (close[1] == '*');
		} else {
			for (start = p; *p && !space(*p) && *p != '(' && *p != ')'; p++)
				;
			if ((size_t)(p - start) == 4 && !strncmp(start, "NEAR", 4))
				return *msg = "NEAR is not supported on PostgreSQL", -1;
			if (memchr(start, ':', (size_t)(p - start)))
				return *msg = "column filters are not supported on PostgreSQL", -1;
			phrase_postgres(start, p - (p[-1] == '*'), p[-1] == '*', sb);
		}
		operand = 1;
	}
	if (!operand || depth)
		return *msg = "incomplete query", -1;
	return 0;
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
	const char *bad = NULL;
	int rc = 0, pg;

	if (is_ledger_open(q->lg, err) < 0)
		return -1;
	pg = is_db_backend(q->lg->db) == IS_DB_POSTGRES;
	is_strbuf_init(&match, 64);
	if (pg && q->raw && raw_postgres(q->operand, &match, &bad) < 0) {
		is_strbuf_release(&match);
		return is_error_set(err, "ledger-search", NULL, 0, 0,
		                    "cannot search for '%s': %s", q->operand, bad);
	}
	if (pg && !q->raw)
		phrases_postgres(q->operand, &match);
	else if (!pg && q->raw)
		is_strbuf_adds(&match, q->operand);
	else if (!pg)
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
