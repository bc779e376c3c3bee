#ifndef IS_NDJSON_THREAD_H
#define IS_NDJSON_THREAD_H
#include <pthread.h>
#include <uv.h>

#include "error.h"

/*
 * NDJSON read on a thread of its own and handed to a libuv loop, so the loop
 * never waits for input (a regular file, a pipe and a terminal all work the
 * same, which uv_pipe and uv_poll do not) and reading runs beside the loop.
 * Each line becomes a value on the reading thread (the caller's line
 * function: a scan, a parse); values go to the loop in batches, one wake-up
 * of the loop each, and a batch is handed over as soon as it is full or the
 * next read would wait, so a slow producer's records are not held back.
 */
typedef void *is_ndjson_line_fn(const char *text, size_t len, const char *name,
                                long line, struct is_error *err, void *ctx);

struct is_ndjson_item {
	void *value;               /* the line function's, now the taker's; NULL: */
	struct is_error err;       /* the line was bad (or could not be read) */
};

enum { IS_NDJSON_BATCH = 256 };

struct is_ndjson_batch {
	struct is_ndjson_batch *next;
	size_t n;
	struct is_ndjson_item items[IS_NDJSON_BATCH];
};

struct is_ndjson_thread {
	pthread_t thread;
	pthread_mutex_t lock;
	uv_async_t async;          /* owned by the loop: close it with uv_close */
	struct is_ndjson_batch *head, *tail;   /* handed over, not taken yet */
	struct is_ndjson_batch *filling;       /* the thread's own */
	int eof;                   /* the thread has read everything */
	int started;
	int fd;                    /* borrowed */
	const char *name;
	is_ndjson_line_fn *line;
	void (*free_value)(void *value);
	void *ctx;
};

/*
 * Starts reading fd; line runs on the thread for each line that is not
 * blank (with ctx), free_value frees values never taken, and cb runs on the
 * loop when batches arrive (async.data = data).
 */
int is_ndjson_thread_start(struct is_ndjson_thread *t, uv_loop_t *loop, int fd,
                           const char *name, is_ndjson_line_fn *line,
                           void (*free_value)(void *), void *ctx, uv_async_cb cb,
                           void *data);
/* Takes the batches handed over so far, in order; *eof says the thread has
 * finished. The caller takes the values and frees each batch. */
struct is_ndjson_batch *is_ndjson_thread_take(struct is_ndjson_thread *t, int *eof);
/* Frees a batch and its errors, not its values. */
void is_ndjson_batch_free(struct is_ndjson_batch *b);
/* Joins the thread when it has finished, else leaves it blocked in read()
 * (the process is about to exit). Frees what was not taken. */
void is_ndjson_thread_release(struct is_ndjson_thread *t);

#endif
