/*
 * Records as a table for people: one row per record, one column per field
 * the caller names, columns as wide as their widest cell, times in the local
 * zone without the 'T' and milliseconds, durations in seconds, hashes cut to
 * twelve digits. A streaming table (for --follow) fixes its widths at its
 * first flush and prints every later row at once, padded to those widths.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "ledger_query.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

enum { CELL_MAX = 72 };

void is_table_init(struct is_table *t, FILE *fp, const struct is_table_col *cols,
                   int stream)
{
	memset(t, 0, sizeof(*t));
	t->fp = fp;
	t->cols = cols;
	while (cols[t->ncols].head)
		t->ncols++;
	t->width = is_xcalloc(t->ncols, sizeof(*t->width));
	t->stream = stream;
}

void is_table_release(struct is_table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->width);
	memset(t, 0, sizeof(*t));
}

/* Characters, not bytes: UTF-8 continuation bytes take no column. */
static size_t display_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void local_time(const char *rfc3339, struct is_strbuf *sb)
{
	struct is_error err = IS_ERROR_INIT;
	struct tm tm;
	int64_t ms;
	time_t t;
	char buf[64];

	if (is_ledger_time_parse(rfc3339, 0, &ms, &err) < 0) {
		is_error_release(&err);
		is_strbuf_adds(sb, rfc3339);
		return;
	}
	t = (time_t)(ms / 1000);
	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	is_strbuf_adds(sb, buf);
}

static void cell_text(const struct is_table_col *c, json_t *v, struct is_strbuf *sb)
{
	const char *s = json_string_value(v);
	size_t i;
	json_t *e;

	if (!v || json_is_null(v)) {
		is_strbuf_adds(sb, c->kind == IS_COL_FLAG ? "" : "-");
		return;
	}
	switch (c->kind) {
	case IS_COL_TIME:
		if (s) {
			local_time(s, sb);
			return;
		}
		break;
	case IS_COL_MS:
		if (json_is_number(v)) {
			is_strbuf_addf(sb, "%.1fs", json_number_value(v) / 1000.0);
			return;
		}
		break;
	case IS_COL_HASH:
		if (s) {
			if (!strncmp(s, "sha256:", 7))
				s += 7;
			is_strbuf_add(sb, s, strlen(s) < 12 ? strlen(s) : 12);
			return;
		}
		break;
	case IS_COL_LIST:
		if (json_is_array(v)) {
			json_array_foreach(v, i, e) {
				if (i)
					is_strbuf_addch(sb, ',');
				if (json_is_string(e))
					is_strbuf_adds(sb, json_string_value(e));
				else
					is_json_dump(sb, e, 0);
			}
			if (!json_array_size(v))
				is_strbuf_addch(sb, '-');
			return;
		}
		break;
	case IS_COL_FLAG:
		is_strbuf_adds(sb, json_is_true(v) ? c->head : "");
		return;
	}
	if (s)
		is_strbuf_adds(sb, s);
	else
		is_json_dump(sb, v, 0);
}

/* One line per cell: control characters become spaces, long cells end "...". */
static char *cell(const struct is_table_col *c, const json_t *rec)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	json_t *v = c->key[0] == '/' ? is_json_pointer_get((json_t *)rec, c->key)
	                             : json_object_get(rec, c->key);
	size_t i, w = 0, cut = 0;

	is_strbuf_init(&sb, 32);
	cell_text(c, v, &sb);
	for (i = 0; i < sb.len; i++) {
		if ((unsigned char)sb.buf[i] < 0x20 || sb.buf[i] == 0x7f)
			sb.buf[i] = ' ';
		if (((unsigned char)sb.buf[i] & 0xc0) != 0x80 && ++w == CELL_MAX - 2)
			cut = i;
	}
	if (w > CELL_MAX && cut) {
		sb.len = cut;
		sb.buf[cut] = '\0';
		is_strbuf_adds(&sb, "...");
	}
	return is_strbuf_detach(&sb, NULL);
}

static void widen(struct is_table *t, size_t col, const char *s)
{
	size_t w = display_width(s);

	if (w > t->width[col])
		t->width[col] = w;
}

void is_table_add(struct is_table *t, const json_t *rec)
{
	size_t i, at;

	t->cells = is_xgrow(t->cells, &t->cap, (t->nrows + 1) * t->ncols,
	                    sizeof(*t->cells));
	at = t->nrows * t->ncols;
	for (i = 0; i < t->ncols; i++) {
		t->cells[at + i] = cell(&t->cols[i], rec);
		if (!t->header_done)
			widen(t, i, t->cells[at + i]);
	}
	t->nrows++;
}

static void print_row(struct is_table *t, const char *const *cells)
{
	size_t i, w;

	for (i = 0; i < t->ncols; i++) {
		fputs(cells[i], t->fp);
		if (i + 1 == t->ncols)
			break;
		for (w = display_width(cells[i]); w < t->width[i] + 2; w++)
			fputc(' ', t->fp);
	}
	fputc('\n', t->fp);
}

int is_table_flush(struct is_table *t)
{
	const char *head[16];
	size_t i;

	if (!t->header_done) {
		if (!t->nrows && t->stream)
			return 0;
		for (i = 0; i < t->ncols && i < 16; i++) {
			head[i] = t->cols[i].head;
			widen(t, i, head[i]);
		}
		print_row(t, head);
		t->header_done = 1;
	}
	for (i = 0; i < t->nrows; i++)
		print_row(t, (const char *const *)t->cells + i * t->ncols);
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	t->nrows = 0;
	return ferror(t->fp) ? -1 : 0;
}
