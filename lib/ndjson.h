#ifndef IS_NDJSON_H
#define IS_NDJSON_H
#include <jansson.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"
#include "strbuf.h"

/*
 * NDJSON in: one JSON object per line, lines of any length. A last line without
 * a newline is still a record: nothing read is ever dropped. Before a read that
 * would block, the reader calls before_block (usually a flush of the output), so
 * records reach the next stage as soon as this one waits, while a busy stream
 * stays fully buffered.
 */
struct is_ndjson_reader {
	int fd;
	const char *name;          /* borrowed; used in error locations */
	char *buf;
	size_t cap, start, end;    /* unread bytes are buf[start..end) */
	long line;                 /* number of the last line returned */
	int eof, read_error;
	void (*before_block)(void *ctx);
	void *before_block_ctx;
	const char *text;          /* the last line returned; see is_ndjson_text */
	size_t text_len;
};

/* fd is borrowed; name is used in messages ("-" reads as "<stdin>"). */
void is_ndjson_reader_init(struct is_ndjson_reader *r, int fd, const char *name);
void is_ndjson_reader_release(struct is_ndjson_reader *r);
/*
 * Reads the next record. Returns 1 and a new reference in *out, 0 at end of
 * input, -1 with err filled for a line that is not a JSON object (the reader
 * stays usable: the next call reads the following line) or a read error (then
 * r->read_error is set and the next call returns 0).
 */
int is_ndjson_read(struct is_ndjson_reader *r, json_t **out, struct is_error *err);
/*
 * The next line that is not blank, without parsing it: *text (borrowed until
 * the next call) and *len, without the newline. Returns 1, 0 at end of input,
 * or -1 with err filled for a read error (as is_ndjson_read).
 */
int is_ndjson_next_line(struct is_ndjson_reader *r, const char **text, size_t *len,
                        struct is_error *err);
/*
 * Parses one line as is_ndjson_read does: 1 and a new object in *out, or -1
 * with err naming name:line and what is wrong (not JSON, not an object).
 */
int is_ndjson_parse(const char *name, long line, const char *text, size_t len,
                    json_t **out, struct is_error *err);
/*
 * One read() of up to room bytes from fd (borrowed) into buf, again when a
 * signal interrupts it. When it would block, before_block(ctx) is called
 * first (unless NULL), so output waiting in a buffer goes on while we wait.
 * Shared with the plan's block reader (plan_read.c). Returns the bytes read,
 * 0 at end of input, or -1 with errno set.
 */
ssize_t is_ndjson_read_some(int fd, char *buf, size_t room,
                            void (*before_block)(void *ctx), void *ctx);
/* Whether the line s[0..n) is blank (spaces, tabs, CRs): readers skip it. */
int is_ndjson_blank(const char *s, size_t n);
/*
 * The bytes of the line the last is_ndjson_read parsed (no newline), borrowed
 * until the next read: a filter that keeps a record unchanged can keep its
 * text instead of the parsed value, and write it back without a dump.
 */
const char *is_ndjson_text(const struct is_ndjson_reader *r, size_t *len);

/*
 * NDJSON out: a record per line into a fully buffered stdio stream; the reader's
 * before_block hook (or the caller, before it waits on work) flushes it.
 */
struct is_ndjson_writer {
	FILE *fp;                  /* borrowed */
	struct is_strbuf line;
};

void is_ndjson_writer_init(struct is_ndjson_writer *w, FILE *fp);
void is_ndjson_writer_release(struct is_ndjson_writer *w);
/* Returns 0, or -1 when the write failed (errno set). record is borrowed. */
int is_ndjson_write(struct is_ndjson_writer *w, const json_t *record);
/* A before_block hook that flushes the FILE * it is given. */
void is_ndjson_flush_hook(void *fp);

#endif
