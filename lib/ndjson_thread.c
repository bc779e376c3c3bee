#include <stdlib.h>
#include <string.h>

#include "ndjson.h"
#include "ndjson_thread.h"
#include "xalloc.h"
#include "banned.h"

/* Hands the batch being filled over to the loop (or just the end of input). */
static void hand_over(struct is_ndjson_thread *t, int eof)
{
	struct is_ndjson_batch *b = t->filling;

	if (b && !b->n)
		b = NULL;
	else
		t->filling = NULL;
	if (!b && !eof)
		return;
	pthread_mutex_lock(&t->lock);
	if (b) {
		if (t->tail)
			t->tail->next = b;
		else
			t->head = b;
		t->tail = b;
	}
	if (eof)
		t->eof = 1;
	pthread_mutex_unlock(&t->lock);
	uv_async_send(&t->async);
}

static struct is_ndjson_item *next_item(struct is_ndjson_thread *t)
{
	if (t->filling && t->filling->n == IS_NDJSON_BATCH)
		hand_over(t, 0);
	if (!t->filling)
		t->filling = is_xcalloc(1, sizeof(*t->filling));
	return &t->filling->items[t->filling->n++];
}

/* Before a read that would wait: what was read reaches the loop first. */
static void before_block(void *arg)
{
	hand_over(arg, 0);
}

static void *reader_main(void *arg)
{
	struct is_ndjson_thread *t = arg;
	struct is_ndjson_reader r;
	struct is_error err = IS_ERROR_INIT;
	struct is_ndjson_item *item;
	const char *text;
	size_t len;
	int rc;

	is_ndjson_reader_init(&r, t->fd, t->name);
	r.before_block = before_block;
	r.before_block_ctx = t;
	while ((rc = is_ndjson_next_line(&r, &text, &len, &err)) != 0) {
		item = next_item(t);
		if (rc < 0)
			is_error_move(&item->err, &err);
		else
			item->value = t->line(text, len, r.name, r.line, &item->err, t->ctx);
	}
	is_ndjson_reader_release(&r);
	is_error_release(&err);
	hand_over(t, 1);
	return NULL;
}

int is_ndjson_thread_start(struct is_ndjson_thread *t, uv_loop_t *loop, int fd,
                           const char *name, is_ndjson_line_fn *line,
                           void (*free_value)(void *), void *ctx, uv_async_cb cb,
                           void *data)
{
	memset(t, 0, sizeof(*t));
	t->fd = fd;
	t->name = name;
	t->line = line;
	t->free_value = free_value;
	t->ctx = ctx;
	pthread_mutex_init(&t->lock, NULL);
	if (uv_async_init(loop, &t->async, cb) != 0)
		return -1;
	t->async.data = data;
	if (pthread_create(&t->thread, NULL, reader_main, t) != 0)
		return -1;
	t->started = 1;
	return 0;
}

struct is_ndjson_batch *is_ndjson_thread_take(struct is_ndjson_thread *t, int *eof)
{
	struct is_ndjson_batch *head;

	pthread_mutex_lock(&t->lock);
	head = t->head;
	t->head = t->tail = NULL;
	*eof = t->eof;
	pthread_mutex_unlock(&t->lock);
	return head;
}

void is_ndjson_batch_free(struct is_ndjson_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		is_error_release(&b->items[i].err);
	free(b);
}

void is_ndjson_thread_release(struct is_ndjson_thread *t)
{
	struct is_ndjson_batch *b, *next;
	size_t i;
	int eof;

	if (!t->started)
		return;
	pthread_mutex_lock(&t->lock);
	eof = t->eof;
	pthread_mutex_unlock(&t->lock);
	if (!eof)
		return;   /* still blocked in read(): the process exits around it */
	pthread_join(t->thread, NULL);
	for (b = t->head; b; b = next) {
		next = b->next;
		for (i = 0; i < b->n; i++)
			if (b->items[i].value && t->free_value)
				t->free_value(b->items[i].value);
		is_ndjson_batch_free(b);
	}
	t->head = t->tail = NULL;
	pthread_mutex_destroy(&t->lock);
	t->started = 0;
}
