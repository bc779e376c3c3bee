#include <errno.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "json.h"
#include "run_id.h"
#include "banned.h"

static const char *const status_names[IS_ST_COUNT] = {
	"PENDING", "CREATING", "UPDATING", "DELETING", "READY", "FAILED", "SKIPPED",
	"STALLED", "CANCELED", "DRIFTED"
};

const char *is_status_name(enum is_status st)
{
	return st < IS_ST_COUNT ? status_names[st] : "UNKNOWN";
}

void is_event_out_init(struct is_event_out *o, FILE *fp, uint64_t run,
                       const struct is_secrets *secrets)
{
	memset(o, 0, sizeof(*o));
	o->fp = fp;
	o->secrets = secrets;
	o->cached_sec = -1;
	is_run_id_format(run, o->run);
	is_strbuf_init(&o->sb, 512);
	/* What every event starts with, up to its sequence number. */
	o->event_head_len = (size_t)snprintf(o->event_head, sizeof(o->event_head),
	                                     "{\"type\":\"event\",\"v\":1,\"run\":\"%s\","
	                                     "\"seq\":", o->run);
}

void is_event_out_release(struct is_event_out *o)
{
	is_strbuf_release(&o->sb);
}

void is_event_now(struct is_event_out *o, char out[32])
{
	struct timespec ts;
	struct tm tm;
	int ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != o->cached_sec) {
		gmtime_r(&ts.tv_sec, &tm);
		strftime(o->cached, sizeof(o->cached), "%Y-%m-%dT%H:%M:%S", &tm);
		o->cached_len = strlen(o->cached);
		o->cached_sec = ts.tv_sec;
	}
	/* "%s.%03dZ" by hand: this runs for every event. */
	ms = (int)((ts.tv_nsec / 1000000) % 1000);
	memcpy(out, o->cached, o->cached_len);
	out += o->cached_len;
	out[0] = '.';
	out[1] = (char)('0' + ms / 100);
	out[2] = (char)('0' + ms / 10 % 10);
	out[3] = (char)('0' + ms % 10);
	out[4] = 'Z';
	out[5] = '\0';
}

static int emit(struct is_event_out *o)
{
	if (o->closed)
		return -1;
	if (o->secrets && o->secrets->nredact)
		is_secrets_redact(o->secrets, &o->sb);
	is_strbuf_addch(&o->sb, '\n');
	if (fwrite(o->sb.buf, 1, o->sb.len, o->fp) != o->sb.len) {
		o->closed = 1;
		o->error = errno;
		return -1;
	}
	o->unflushed += o->sb.len;
	return 0;
}

/* Bytes as they are (keys of ours: plain ASCII, nothing to escape). */
static void raw(struct is_strbuf *sb, const char *text, size_t n)
{
	if (sb->len + n + 1 > sb->cap)
		is_strbuf_grow(sb, n);
	memcpy(sb->buf + sb->len, text, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

/* ,"k": for a literal k */
#define KEY(sb, k) raw(sb, ",\"" k "\":", sizeof(",\"" k "\":") - 1)

static void key(struct is_strbuf *sb, const char *k)
{
	is_strbuf_addch(sb, ',');
	is_json_dump_string(sb, k, strlen(k));
	is_strbuf_addch(sb, ':');
}

static void str_field(struct is_strbuf *sb, const char *k, const char *v)
{
	key(sb, k);
	is_json_dump_string(sb, v, strlen(v));
}

static void add_extra(struct is_strbuf *sb, const json_t *extra)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)extra, k, v) {
		key(sb, k);
		is_json_dump(sb, v, 0);
	}
}

int is_event_write(struct is_event_out *o, const struct is_event *ev)
{
	struct is_strbuf *sb = &o->sb;
	char at[32];

	if (o->closed)
		return -1;
	is_event_now(o, at);
	is_strbuf_reset(sb);
	raw(sb, o->event_head, o->event_head_len);
	is_strbuf_add_int(sb, (long long)++o->seq);
	KEY(sb, "at");
	is_json_dump_string(sb, at, strlen(at));
	KEY(sb, "id");
	is_json_dump_string(sb, ev->id, strlen(ev->id));
	if (ev->kind) {
		KEY(sb, "kind");
		is_json_dump_string(sb, ev->kind, strlen(ev->kind));
	}
	KEY(sb, "status");
	is_json_dump_string(sb, is_status_name(ev->status), strlen(is_status_name(ev->status)));
	if (ev->action) {
		KEY(sb, "action");
		is_json_dump_string(sb, ev->action, strlen(ev->action));
	}
	if (ev->attempt > 0) {
		KEY(sb, "attempt");
		is_strbuf_add_int(sb, ev->attempt);
	}
	if (ev->outputs) {
		KEY(sb, "outputs");
		is_json_dump(sb, ev->outputs, 0);
	}
	if (ev->resource_len)
		raw(sb, ev->resource, ev->resource_len);
	if (ev->error) {
		KEY(sb, "error");
		is_json_dump_string(sb, ev->error, strlen(ev->error));
	}
	if (ev->elapsed_ms >= 0) {
		KEY(sb, "elapsed_ms");
		is_strbuf_add_int(sb, ev->elapsed_ms);
	}
	if (ev->place_len)
		raw(sb, ev->place, ev->place_len);
	if (ev->extra)
		add_extra(sb, ev->extra);
	is_strbuf_addch(sb, '}');
	return emit(o);
}

int is_event_run(struct is_event_out *o, const char *phase, const char *status,
                 const json_t *extra)
{
	struct is_strbuf *sb = &o->sb;
	char at[32];

	if (o->closed)
		return -1;
	is_event_now(o, at);
	is_strbuf_reset(sb);
	is_strbuf_adds(sb, "{\"type\":\"run\",\"v\":1");
	str_field(sb, "run", o->run);
	str_field(sb, "phase", phase);
	str_field(sb, "status", status);
	str_field(sb, "at", at);
	if (extra)
		add_extra(sb, extra);
	is_strbuf_addch(sb, '}');
	return emit(o);
}

int is_event_raw(struct is_event_out *o, const char *text, size_t len)
{
	if (o->closed)
		return -1;
	is_strbuf_reset(&o->sb);
	is_strbuf_add(&o->sb, text, len);
	return emit(o);
}

int is_event_flush(struct is_event_out *o)
{
	if (o->closed)
		return -1;
	if (!o->unflushed)
		return 0;
	o->unflushed = 0;
	if (fflush(o->fp) != 0) {
		o->closed = 1;
		o->error = errno;
		return -1;
	}
	return 0;
}
