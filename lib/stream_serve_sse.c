#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "stream_serve.h"
#include "stream_serve_int.h"
#include "xalloc.h"
#include "banned.h"

/*
 * The clients of GET /events. A client is a cursor into the shared log, not
 * a copy of it: MHD's thread asks the content reader for bytes when the
 * client's socket can take them, and the reader copies frames from the log
 * under the mutex. When there is nothing to send the connection is
 * suspended, and the pump thread (stream_serve.c) resumes it when something
 * is published or a keep-alive is due. A client more than client_lag records
 * behind what was published since it connected that has taken nothing for
 * stall_ms, or whose next record the log has forgotten, is dropped: its
 * socket is shut down and MHD closes it. The publisher never waits on any
 * of this.
 */

static const char keepalive[] = ": keep-alive\n\n";
static const char hello[] = "retry: 1000\n\n";

/* Called with s->mu held; the last of the two references frees the client. */
static void unref(struct is_ss_client *c)
{
	struct is_stream_server *s = c->srv;

	if (c->refs == 2) {
		if (c->prev)
			c->prev->next = c->next;
		else
			s->clients = c->next;
		if (c->next)
			c->next->prev = c->prev;
		s->nclients--;
	}
	if (--c->refs == 0)
		free(c);
}

static void drop(struct is_stream_server *s, struct is_ss_client *c, const char *why)
{
	c->dropped = 1;
	s->dropped++;
	is_ss_log_line("dropped client %s of /events: %s", c->peer, why);
	/* MHD sees the shut socket, closes the connection and tells us. The fd
	 * is still MHD's and open: the request-done callback that unlinks c
	 * runs, under this mutex, before MHD closes it. */
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);
}

static size_t lag(const struct is_stream_server *s, const struct is_ss_client *c)
{
	uint64_t from = c->cursor > c->joined ? c->cursor : c->joined;

	return s->log.next > from ? (size_t)(s->log.next - from) : 0;
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct is_ss_client *c = cls;
	struct is_stream_server *s = c->srv;
	size_t n = 0;

	(void)pos;
	pthread_mutex_lock(&s->mu);
	if (s->stopping || c->dropped) {
		pthread_mutex_unlock(&s->mu);
		return s->stopping ? MHD_CONTENT_READER_END_OF_STREAM
		                   : MHD_CONTENT_READER_END_WITH_ERROR;
	}
	if (!c->started && max >= sizeof(hello) - 1) {
		memcpy(buf, hello, sizeof(hello) - 1);
		n = sizeof(hello) - 1;
		c->started = 1;
	}
	if (c->cursor < s->log.first && c->cursor < s->log.next) {
		drop(s, c, "its next record left the history");
		pthread_mutex_unlock(&s->mu);
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	while (n < max && c->cursor < s->log.next) {
		const struct is_ss_frame *f = is_ss_log_get(&s->log, c->cursor);
		size_t k = f->len - c->offset;

		if (k > max - n)
			k = max - n;
		memcpy(buf + n, f->text + c->offset, k);
		n += k;
		c->offset += k;
		if (c->offset == f->len) {
			c->cursor++;
			c->offset = 0;
		}
	}
	if (n == 0 && is_ss_now_ms() - c->last_write_ms >= s->keepalive_ms &&
	    max >= sizeof(keepalive) - 1) {
		memcpy(buf, keepalive, sizeof(keepalive) - 1);
		n = sizeof(keepalive) - 1;
	}
	if (n > 0) {
		c->last_write_ms = is_ss_now_ms();
	} else {
		/* Nothing to say: out of MHD's loop until the pump resumes it.
		 * Suspending under the mutex means the pump cannot resume it
		 * before it is suspended. */
		c->suspended = 1;
		MHD_suspend_connection(c->conn);
	}
	pthread_mutex_unlock(&s->mu);
	return (ssize_t)n;
}

static void reader_free(void *cls)
{
	struct is_ss_client *c = cls;
	struct is_stream_server *s = c->srv;

	pthread_mutex_lock(&s->mu);
	unref(c);
	pthread_mutex_unlock(&s->mu);
}

void is_ss_sse_request_done(struct is_stream_server *s, void *req_cls)
{
	struct is_ss_client *c = req_cls;

	pthread_mutex_lock(&s->mu);
	c->fd = -1;
	unref(c);
	pthread_mutex_unlock(&s->mu);
}

static void peer_name(struct MHD_Connection *conn, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
	}
	snprintf(out, size, "%s:%u", host, port);
}

/* Where a client starts: after Last-Event-ID (header, or ?lastEventId= for
 * clients that cannot set headers), else at the oldest record held. */
static uint64_t start_id(struct is_stream_server *s, struct MHD_Connection *conn)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Last-Event-ID");
	char *end;
	unsigned long long last;

	if (!v)
		v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "lastEventId");
	if (v && *v) {
		last = strtoull(v, &end, 10);
		if (!*end) {
			if (last + 1 > s->log.next)
				return s->log.next;
			return last + 1 < s->log.first ? s->log.first : last + 1;
		}
	}
	return s->log.first;
}

enum MHD_Result is_ss_sse_start(struct is_stream_server *s, struct MHD_Connection *conn,
                                void **req_cls)
{
	struct is_ss_client *c = is_xcalloc(1, sizeof(*c));
	const union MHD_ConnectionInfo *ci;
	struct MHD_Response *r;
	enum MHD_Result ret;

	c->srv = s;
	c->conn = conn;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	c->fd = ci ? ci->connect_fd : -1;
	peer_name(conn, c->peer, sizeof(c->peer));
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, reader, c,
	                                      reader_free);
	if (!r) {
		free(c);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	pthread_mutex_lock(&s->mu);
	c->cursor = start_id(s, conn);
	c->joined = s->log.next;
	c->last_write_ms = is_ss_now_ms();
	c->refs = 2;
	c->next = s->clients;
	if (s->clients)
		s->clients->prev = c;
	s->clients = c;
	s->nclients++;
	s->clients_total++;
	pthread_mutex_unlock(&s->mu);
	*req_cls = c;
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

size_t is_ss_sse_sweep(struct is_stream_server *s, struct MHD_Connection ***wake)
{
	struct is_ss_client *c;
	uint64_t now = is_ss_now_ms();
	size_t n = 0, cap = 0;
	char why[96];

	*wake = NULL;
	for (c = s->clients; c; c = c->next) {
		if (c->dropped || c->refs < 2)
			continue;
		if (!c->suspended) {
			if (lag(s, c) > s->client_lag && now - c->last_write_ms >= s->stall_ms) {
				snprintf(why, sizeof(why),
				         "more than %zu records behind, nothing taken for %u ms",
				         s->client_lag, s->stall_ms);
				drop(s, c, why);
			}
			continue;
		}
		if (s->stopping || c->cursor < s->log.next ||
		    now - c->last_write_ms >= s->keepalive_ms) {
			c->suspended = 0;
			*wake = is_xgrow(*wake, &cap, n + 1, sizeof(**wake));
			(*wake)[n++] = c->conn;
		}
	}
	return n;
}
