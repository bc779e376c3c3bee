#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "ndjson.h"
#include "xalloc.h"
#include "banned.h"

enum { READ_CHUNK = 1 << 16 };

void is_ndjson_reader_init(struct is_ndjson_reader *r, int fd, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->name = name && strcmp(name, "-") ? name : "<stdin>";
}

void is_ndjson_reader_release(struct is_ndjson_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = r->start = r->end = 0;
}

static int would_block(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

ssize_t is_ndjson_read_some(int fd, char *buf, size_t room,
                            void (*before_block)(void *ctx), void *ctx)
{
	ssize_t n;

	if (before_block && would_block(fd))
		before_block(ctx);
	do
		n = read(fd, buf, room);
	while (n < 0 && errno == EINTR);
	return n;
}

/* Reads more bytes after the unread ones; returns bytes read, 0 at EOF, -1. */
static ssize_t fill(struct is_ndjson_reader *r)
{
	ssize_t n;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	r->buf = is_xgrow(r->buf, &r->cap, r->end + READ_CHUNK, 1);
	n = is_ndjson_read_some(r->fd, r->buf + r->end, r->cap - r->end, r->before_block,
	                        r->before_block_ctx);
	if (n > 0)
		r->end += (size_t)n;
	return n;
}

int is_ndjson_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

int is_ndjson_parse(const char *name, long line, const char *text, size_t len,
                    json_t **out, struct is_error *err)
{
	json_error_t jerr;
	json_t *v = json_loadb(text, len, 0, &jerr);

	*out = NULL;
	if (!v)
		return is_error_set(err, "ndjson-syntax", name, line,
		                    jerr.column > 0 ? jerr.column : 1,
		                    "line %ld is not JSON: %s", line, jerr.text);
	if (!json_is_object(v)) {
		json_decref(v);
		return is_error_set(err, "ndjson-not-object", name, line, 1,
		                    "line %ld is not a JSON object", line);
	}
	*out = v;
	return 1;
}

int is_ndjson_next_line(struct is_ndjson_reader *r, const char **text, size_t *len,
                        struct is_error *err)
{
	size_t scanned = 0;

	for (;;) {
		char *line = r->buf ? r->buf + r->start : NULL;   /* NULL + 0 is UB */
		char *nl = r->end > r->start + scanned
			? memchr(line + scanned, '\n', r->end - r->start - scanned) : NULL;
		size_t n_line;
		ssize_t n;

		if (nl || (r->eof && r->end > r->start)) {
			n_line = nl ? (size_t)(nl - line) : r->end - r->start;
			r->start += n_line + (nl ? 1 : 0);
			r->line++;
			scanned = 0;
			if (is_ndjson_blank(line, n_line))
				continue;
			r->text = *text = line;
			r->text_len = *len = n_line;
			return 1;
		}
		if (r->eof)
			return 0;
		scanned = r->end - r->start;
		n = fill(r);
		if (n < 0) {
			r->eof = r->read_error = 1;
			r->start = r->end;
			return is_error_set(err, "read", r->name, 0, 0,
			                    "read error: %s", strerror(errno));
		}
		if (n == 0)
			r->eof = 1;
	}
}

int is_ndjson_read(struct is_ndjson_reader *r, json_t **out, struct is_error *err)
{
	const char *line;
	size_t len;
	int rc;

	*out = NULL;
	if ((rc = is_ndjson_next_line(r, &line, &len, err)) <= 0)
		return rc;
	return is_ndjson_parse(r->name, r->line, line, len, out, err);
}

const char *is_ndjson_text(const struct is_ndjson_reader *r, size_t *len)
{
	*len = r->text_len;
	return r->text;
}

void is_ndjson_writer_init(struct is_ndjson_writer *w, FILE *fp)
{
	w->fp = fp;
	is_strbuf_init(&w->line, 256);
	setvbuf(fp, NULL, _IOFBF, 1 << 16);
}

void is_ndjson_writer_release(struct is_ndjson_writer *w)
{
	is_strbuf_release(&w->line);
}

int is_ndjson_write(struct is_ndjson_writer *w, const json_t *record)
{
	is_strbuf_reset(&w->line);
	is_json_dump(&w->line, record, 0);
	is_strbuf_addch(&w->line, '\n');
	if (fwrite(w->line.buf, 1, w->line.len, w->fp) != w->line.len)
		return -1;
	/* One huge record must not pin its buffer for the rest of the stream. */
	if (w->line.cap > (1 << 20))
		is_strbuf_release(&w->line);
	return 0;
}

void is_ndjson_flush_hook(void *fp)
{
	fflush(fp);
}
