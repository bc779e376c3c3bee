#ifndef IS_STREAM_READ_H
#define IS_STREAM_READ_H
#include <jansson.h>
#include <stdio.h>

#include "error.h"
#include "stream.h"

/*
 * A sink sees every record as read: the parsed value (borrowed) and its text
 * (borrowed, without the newline). It must not block: webhooks and the
 * server copy what they need into queues of their own.
 */
struct is_stream_sink {
	void (*fn)(void *ctx, const json_t *rec, const char *text, size_t len);
	void *ctx;
};

struct is_stream_read_config {
	int fd;                          /* borrowed: the input */
	const char *name;                /* for messages: "-" is "<stdin>" */
	FILE *tee;                       /* pass every line through to it, or NULL */
	const struct is_stream_sink *sinks;
	size_t nsinks;
	struct is_stream_view *view;     /* gets every record, or NULL */
	/* Told about each line that is not a record, and a read error. */
	void (*report)(void *ctx, const struct is_error *err);
	void *ctx;
};

struct is_stream_read_result {
	long records, bad;               /* records read; lines that were not records */
	int read_error;                  /* the input failed */
	int write_error;                 /* errno of a failed --tee write; reading stopped */
};

/*
 * Reads cfg->fd to its end (or to a failed --tee write). A line that is not
 * a JSON object is reported, passed through with --tee, and counted. Returns
 * 0, or -1 when a line was bad or a read or write failed (see *res).
 */
int is_stream_read(struct is_stream_read_config *cfg, struct is_stream_read_result *res);

#endif
