#ifndef IS_STREAM_RUN_H
#define IS_STREAM_RUN_H
#include <stddef.h>

#include "error.h"
#include "stream.h"

/*
 * One is-stream session: the input (a file descriptor, or a ledger followed),
 * the view, the webhooks and the server started around it, the records read
 * to the end, and everything stopped in the order that lets the pipeline go
 * first: the records passed through are flushed and closed before the view,
 * the webhooks and the server are waited for.
 */
struct is_stream_config {
	int in_fd;                       /* borrowed; unused with follow */
	const char *in_name;
	int tee;                         /* pass every line through to stdout */
	struct is_stream_view_config view;
	const char *const *webhooks;     /* borrowed URLs */
	size_t nwebhooks;
	const char *secret;              /* borrowed webhook secret, or NULL */
	size_t secret_len;
	double webhook_wait;             /* seconds to keep delivering at the end */
	const char *serve;               /* ADDR:PORT to serve on, or NULL */
	const char *share_dir;           /* the page's files are in share_dir/web */
	int follow;                      /* read "is-ledger events --follow" */
	const char *db, *run;            /* for follow; NULL for is-ledger's defaults */
	/* Messages for people (no program name, no newline). */
	void (*say)(const char *message);
	/* Called once the records passed through are all written: flushes and
	 * closes stdout; returns 0, or -1 when the output failed (said already). */
	int (*tee_done)(void);
};

/* Runs the session. Returns 0, or -1 when something failed (said already):
 * a line that was not a record, a failed read or write, records a webhook
 * could not deliver, a server that could not start, a follow that failed. */
int is_stream_run(const struct is_stream_config *cfg);

#endif
