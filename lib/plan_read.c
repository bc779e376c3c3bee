/*
 * Reading NDJSON into a plan. Input is read straight into large blocks that
 * the plan keeps: a record's line stays where read() put it, so keeping a
 * million records costs no copy and no allocation each. Lines that are not
 * kept (records passed on, prior state, bad lines) are reclaimed: the next
 * read goes over them. Each line is scanned for the fields a plan needs
 * (plan_scan.c); only what the scanner will not vouch for goes to jansson.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ndjson.h"
#include "plan.h"
#include "xalloc.h"
#include "banned.h"

enum { BLOCK_SIZE = 8 << 20, READ_MIN = 1 << 16 };

struct is_plan_block {
	struct is_plan_block *next;
	size_t cap, used;              /* used: kept by the readers done with it */
	char data[];
};

void is_plan_free_blocks(struct is_plan_block *b)
{
	while (b) {
		struct is_plan_block *next = b->next;

		free(b);
		b = next;
	}
}

struct reader {
	struct is_plan *p;
	const struct is_plan_reading *how;
	int fd;
	const char *name;
	size_t kept, start, end;       /* in p->blocks: data[0..kept) is kept, */
	long line;                     /* start..end is unread */
	int eof;
	size_t problems;
	struct is_plan_input in;
	struct is_error err;
};

static struct is_plan_block *new_block(struct is_plan *p, size_t cap)
{
	struct is_plan_block *b = is_xmalloc(sizeof(*b) + cap);

	b->cap = cap;
	b->used = 0;
	b->next = p->blocks;
	p->blocks = b;
	return b;
}

/*
 * Makes room after the unread bytes and reads more. What was read but not
 * kept is reclaimed; a partial line that does not fit goes to a new block, or
 * the block grows when it keeps nothing yet.
 */
static ssize_t fill(struct reader *r)
{
	struct is_plan_block *b = r->p->blocks;
	size_t unread = r->end - r->start, cap;
	ssize_t n;

	if (r->start > r->kept) {
		memmove(b->data + r->kept, b->data + r->start, unread);
		r->start = r->kept;
		r->end = r->start + unread;
	}
	if (b->cap - r->end < READ_MIN) {
		for (cap = BLOCK_SIZE; cap < 2 * unread + READ_MIN; cap *= 2)
			;
		if (r->kept == 0) {
			b = is_xrealloc(b, sizeof(*b) + cap);
			b->cap = cap;
			r->p->blocks = b;
		} else {
			b->used = r->kept;
			b = new_block(r->p, cap);
			memcpy(b->data, r->p->blocks->next->data + r->start, unread);
			r->kept = r->start = 0;
			r->end = unread;
		}
	}
	n = is_ndjson_read_some(r->fd, b->data + r->end, b->cap - r->end,
	                        r->how->before_block, r->how->ctx);
	if (n > 0)
		r->end += (size_t)n;
	return n;
}

static void problem(struct reader *r)
{
	r->how->report(&r->err, r->how->ctx);
	r->problems++;
}

/* Parses a line with jansson, naming what is wrong as the NDJSON reader does. */
static json_t *parse(struct reader *r, const char *text, size_t len)
{
	json_error_t jerr;
	json_t *v = json_loadb(text, len, 0, &jerr);

	if (!v) {
		is_error_set(&r->err, "ndjson-syntax", r->name, r->line,
		             jerr.column > 0 ? jerr.column : 1, "line %ld is not JSON: %s",
		             r->line, jerr.text);
		problem(r);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		is_error_set(&r->err, "ndjson-not-object", r->name, r->line, 1,
		             "line %ld is not a JSON object", r->line);
		problem(r);
		return NULL;
	}
	return v;
}

/* One line: returns 1 when the plan keeps its text. */
static int take(struct reader *r, const char *text, size_t len)
{
	struct is_plan_input *in = &r->in;
	json_t *rec = NULL;
	int keep = 0;

	if (!is_plan_scan(in, text, len)) {
		if (!(rec = parse(r, text, len)))
			return 0;
		is_plan_input_json(in, rec);
	}
	if (r->how->prior) {
		if (in->type && !strcmp(in->type, "state")) {
			if (!rec)
				rec = parse(r, text, len);
			if (rec && is_plan_add_state(r->p, rec, &r->err) < 0)
				problem(r);
		}
	} else if (is_plan_wants_type(in->type)) {
		if (is_plan_add_record(r->p, in, text, len, r->name, r->line, &r->err) < 0)
			problem(r);
		else
			keep = 1;
	} else if (r->how->other) {
		r->how->other(in->type ? in->type : "", text, len, r->how->ctx);
	}
	json_decref(rec);
	return keep;
}

size_t is_plan_read(struct is_plan *p, int fd, const char *name,
                    const struct is_plan_reading *how)
{
	struct reader r;
	size_t scanned = 0;

	memset(&r, 0, sizeof(r));
	r.p = p;
	r.how = how;
	r.fd = fd;
	r.name = name && strcmp(name, "-") ? name : "<stdin>";
	is_plan_input_init(&r.in);
	if (!p->blocks)
		new_block(p, BLOCK_SIZE);
	r.kept = r.start = r.end = p->blocks->used;
	for (;;) {
		char *line = p->blocks->data + r.start;
		char *nl = r.end > r.start + scanned
			? memchr(line + scanned, '\n', r.end - r.start - scanned) : NULL;
		size_t len;
		ssize_t n;

		if (nl || (r.eof && r.end > r.start)) {
			len = nl ? (size_t)(nl - line) : r.end - r.start;
			r.start += len + (nl ? 1 : 0);
			r.line++;
			scanned = 0;
			if (!is_ndjson_blank(line, len) && take(&r, line, len))
				r.kept = r.start;
			continue;
		}
		if (r.eof)
			break;
		scanned = r.end - r.start;
		n = fill(&r);
		if (n < 0) {
			is_error_set(&r.err, "read", r.name, 0, 0, "read error: %s",
			             strerror(errno));
			problem(&r);
			break;
		}
		if (n == 0)
			r.eof = 1;
	}
	p->blocks->used = r.kept;
	is_plan_input_release(&r.in);
	is_error_release(&r.err);
	return r.problems;
}
