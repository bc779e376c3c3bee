#ifndef IS_NDJSON_THREAD_H
#define IS_NDJSON_THREAD_H
#include <jansson.h>
#include <pthread.h>
#include <uv.h>

#include "error.h"

/*
 * NDJSON read on a thread of its own and handed to a libuv loop, so the loop
 * never waits for input (a regular file, a pipe and a terminal all work the
 * same, which uv_pipe and uv_poll do not) and parsing runs beside the loop.
 * The thread wakes the loop with a uv_async; the loop takes every record read
 * so far in one go.
 */
struct is_ndjson_item {
	json_t *rec;               /* owned; NULL for an error */
	char *text;                /* owned: the line as read, when keep_text said so */
	size_t len;
	struct is_error err;       /* filled when rec is NULL */
	struct is_ndjson_item *next;
};

struct is_ndjson_thread {
	pthread_t thread;
	pthread_mutex_t lock;
	uv_async_t async;          /* owned by the loop: close it with uv_close */
	struct is_ndjson_item *head, *tail;
	int eof;                   /* the thread has read everything */
	int started;
	int fd;                    /* borrowed */
	const char *name;
	/* Whether the loop needs a record's text (to pass it through). */
	int (*keep_text)(const json_t *rec);
};

/* Starts reading fd; cb runs on the loop when records arrive (data = data). */
int is_ndjson_thread_start(struct is_ndjson_thread *t, uv_loop_t *loop, int fd,
                           const char *name, int (*keep_text)(const json_t *),
                           uv_async_cb cb, void *data);
/* Takes the records read so far, in order (the caller frees each item);
 * *eof says the thread has finished. */
struct is_ndjson_item *is_ndjson_thread_take(struct is_ndjson_thread *t, int *eof);
void is_ndjson_item_free(struct is_ndjson_item *item);
/* Joins the thread when it has finished, else leaves it blocked in read()
 * (the process is about to exit). Frees records not taken. */
void is_ndjson_thread_release(struct is_ndjson_thread *t);

#endif
