#include <stdlib.h>
#include <string.h>

#include "ndjson.h"
#include "ndjson_thread.h"
#include "xalloc.h"
#include "banned.h"

static void push(struct is_ndjson_thread *t, struct is_ndjson_item *item, int eof)
{
	pthread_mutex_lock(&t->lock);
	if (item) {
		if (t->tail)
			t->tail->next = item;
		else
			t->head = item;
		t->tail = item;
	}
	if (eof)
		t->eof = 1;
	pthread_mutex_unlock(&t->lock);
	uv_async_send(&t->async);
}

static void *reader_main(void *arg)
{
	struct is_ndjson_thread *t = arg;
	struct is_ndjson_reader r;
	struct is_ndjson_item *item;
	json_t *rec;
	int rc;

	is_ndjson_reader_init(&r, t->fd, t->name);
	for (;;) {
		item = is_xcalloc(1, sizeof(*item));
		rc = is_ndjson_read(&r, &rec, &item->err);
		if (rc == 0) {
			free(item);
			break;
		}
		if (rc > 0) {
			item->rec = rec;
			if (t->keep_text && t->keep_text(rec)) {
				const char *text = is_ndjson_text(&r, &item->len);

				item->text = is_xstrndup(text, item->len);
			}
		}
		push(t, item, 0);
	}
	is_ndjson_reader_release(&r);
	push(t, NULL, 1);
	return NULL;
}

int is_ndjson_thread_start(struct is_ndjson_thread *t, uv_loop_t *loop, int fd,
                           const char *name, int (*keep_text)(const json_t *),
                           uv_async_cb cb, void *data)
{
	memset(t, 0, sizeof(*t));
	t->fd = fd;
	t->name = name;
	t->keep_text = keep_text;
	pthread_mutex_init(&t->lock, NULL);
	if (uv_async_init(loop, &t->async, cb) != 0)
		return -1;
	t->async.data = data;
	if (pthread_create(&t->thread, NULL, reader_main, t) != 0)
		return -1;
	t->started = 1;
	return 0;
}

struct is_ndjson_item *is_ndjson_thread_take(struct is_ndjson_thread *t, int *eof)
{
	struct is_ndjson_item *head;

	pthread_mutex_lock(&t->lock);
	head = t->head;
	t->head = t->tail = NULL;
	*eof = t->eof;
	pthread_mutex_unlock(&t->lock);
	return head;
}

void is_ndjson_item_free(struct is_ndjson_item *item)
{
	json_decref(item->rec);
	free(item->text);
	is_error_release(&item->err);
	free(item);
}

void is_ndjson_thread_release(struct is_ndjson_thread *t)
{
	struct is_ndjson_item *item, *next;
	int eof;

	if (!t->started)
		return;
	pthread_mutex_lock(&t->lock);
	eof = t->eof;
	pthread_mutex_unlock(&t->lock);
	if (!eof)
		return;   /* still blocked in read(): the process exits around it */
	pthread_join(t->thread, NULL);
	for (item = t->head; item; item = next) {
		next = item->next;
		is_ndjson_item_free(item);
	}
	t->head = t->tail = NULL;
	pthread_mutex_destroy(&t->lock);
	t->started = 0;
}
