/*
 * The view: a thread of its own that takes records from the reader, builds
 * the model and hands each record to one output format. The reader only
 * appends to a list under a mutex, so a terminal that scrolls slowly (or is
 * stopped with ^S), or a format that thinks, never holds up the pipeline: the
 * list grows instead, and the view catches up in batches.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stream.h"
#include "xalloc.h"
#include "banned.h"

struct item {
	json_t *rec;
	struct item *next;
};

struct is_stream_view {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct item *head, *tail;
	int eof;
	const volatile sig_atomic_t *interrupted;
	int fps;
	enum is_stream_format format;
	const struct is_stream_formatter *fmt;
	void *st;
	struct is_stream_out out;
	struct is_stream_model model;
};

int is_stream_out_flush(struct is_stream_out *out)
{
	size_t off = 0;

	while (!out->failed && off < out->buf.len) {
		ssize_t n = write(out->fd, out->buf.buf + off, out->buf.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			out->failed = n < 0 ? errno : EIO;
			break;
		}
		off += (size_t)n;
	}
	is_strbuf_reset(&out->buf);
	/* A huge summary must not pin its buffer for the rest of the stream. */
	if (out->buf.cap > (1 << 20))
		is_strbuf_release(&out->buf);
	return out->failed ? -1 : 0;
}

void is_stream_out_color(struct is_stream_out *out, const char *sgr, const char *text)
{
	if (out->color && sgr)
		is_strbuf_addf(&out->buf, "\033[%sm%s\033[0m", sgr, text);
	else
		is_strbuf_adds(&out->buf, text);
}

static void deadline_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void take(struct is_stream_view *v, struct item *list)
{
	struct is_stream_change ch;

	while (list) {
		struct item *next = list->next;

		is_stream_model_apply(&v->model, list->rec, &ch);
		if (!v->out.failed && v->fmt->record)
			v->fmt->record(v->st, &v->out, &v->model, list->rec, &ch);
		json_decref(list->rec);
		free(list);
		list = next;
	}
}

static void *view_main(void *arg)
{
	struct is_stream_view *v = arg;
	long frame = v->fps > 0 ? 1000 / v->fps : 100;
	long last = 0;
	int eof = 0;

	pthread_mutex_lock(&v->lock);
	while (!eof) {
		struct item *list;
		struct timespec ts;

		while (!v->head && !v->eof) {
			if (!v->fmt->tick) {
				pthread_cond_wait(&v->cond, &v->lock);
				continue;
			}
			deadline_in(&ts, frame);
			if (pthread_cond_timedwait(&v->cond, &v->lock, &ts) == ETIMEDOUT)
				break;
		}
		list = v->head;
		v->head = v->tail = NULL;
		eof = v->eof;
		v->out.interrupted = v->interrupted && *v->interrupted;
		pthread_mutex_unlock(&v->lock);

		take(v, list);
		if (v->fmt->tick && !v->out.failed && (eof || mono_ms() - last >= frame)) {
			v->fmt->tick(v->st, &v->out, &v->model, eof);
			last = mono_ms();
		}
		is_stream_out_flush(&v->out);
		pthread_mutex_lock(&v->lock);
	}
	pthread_mutex_unlock(&v->lock);
	if (!v->out.failed && v->fmt->finish)
		v->fmt->finish(v->st, &v->out, &v->model);
	is_stream_out_flush(&v->out);
	return NULL;
}

static const struct is_stream_formatter *formatter(enum is_stream_format f)
{
	switch (f) {
	case IS_STREAM_LIVE: return &is_stream_live;
	case IS_STREAM_LINES: return &is_stream_lines;
	case IS_STREAM_GITHUB: return &is_stream_github;
	case IS_STREAM_MARKDOWN: return &is_stream_markdown;
	case IS_STREAM_JUNIT: return &is_stream_junit;
	default: return NULL;
	}
}

struct is_stream_view *is_stream_view_start(const struct is_stream_view_config *cfg)
{
	struct is_stream_view *v = is_xcalloc(1, sizeof(*v));
	int rc;

	v->format = cfg->format;
	v->fmt = formatter(cfg->format);
	v->fps = cfg->fps > 0 ? cfg->fps : 10;
	v->interrupted = cfg->interrupted;
	v->out.fd = cfg->fd;
	v->out.color = cfg->color;
	is_strbuf_init(&v->out.buf, 4096);
	is_stream_model_init(&v->model);
	pthread_mutex_init(&v->lock, NULL);
	pthread_cond_init(&v->cond, NULL);
	if (!v->fmt)
		return v;
	v->st = v->fmt->start ? v->fmt->start(&v->out) : NULL;
	if ((rc = pthread_create(&v->thread, NULL, view_main, v)) != 0) {
		if (v->fmt->free)
			v->fmt->free(v->st);
		is_strbuf_release(&v->out.buf);
		is_stream_model_release(&v->model);
		free(v);
		errno = rc;
		return NULL;
	}
	return v;
}

void is_stream_view_push(struct is_stream_view *v, json_t *rec)
{
	struct item *it;

	if (!v->fmt) {
		json_decref(rec);
		return;
	}
	it = is_xmalloc(sizeof(*it));
	it->rec = rec;
	it->next = NULL;
	pthread_mutex_lock(&v->lock);
	if (v->tail)
		v->tail->next = it;
	else
		v->head = it;
	v->tail = it;
	pthread_cond_signal(&v->cond);
	pthread_mutex_unlock(&v->lock);
}

int is_stream_view_finish(struct is_stream_view *v)
{
	int failed;

	if (v->fmt) {
		pthread_mutex_lock(&v->lock);
		v->eof = 1;
		pthread_cond_signal(&v->cond);
		pthread_mutex_unlock(&v->lock);
		pthread_join(v->thread, NULL);
		if (v->fmt->free)
			v->fmt->free(v->st);
	}
	failed = v->out.failed;
	is_strbuf_release(&v->out.buf);
	is_stream_model_release(&v->model);
	pthread_mutex_destroy(&v->lock);
	pthread_cond_destroy(&v->cond);
	free(v);
	return failed;
}
