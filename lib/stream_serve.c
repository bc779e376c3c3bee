#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "stream_serve.h"
#include "stream_serve_int.h"
#include "xalloc.h"
#include "banned.h"

/*
 * is-stream --serve: a libmicrohttpd daemon on an internal polling thread
 * (epoll where there is one), connections suspended while they have nothing
 * to send, and a pump thread of ours that the publisher signals. The
 * publisher only formats the record, appends it to the log and signals,
 * under one mutex that no one holds for long; it never waits for a client.
 */

#define KEEPALIVE_MS 15000
/*
 * The pump sweeps the clients at most once per this many milliseconds: at
 * 10,000 records a second, one sweep per record would visit every client and
 * resume most of them 10,000 times a second; one sweep per 2 ms hands each
 * client a batch instead, for at most 2 ms of added latency.
 */
#define PUMP_COALESCE_MS 2
#define CONNECTION_LIMIT 4096
#define IDLE_TIMEOUT_S 60

uint64_t is_ss_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void is_ss_log_line(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write, so lines from two threads never interleave. */
	fprintf(stderr, "is-stream: %s\n", line);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	/* A client that went away is ordinary here, not worth a line. */
	if (strstr(line, "no longer available") || strstr(line, "reset by peer") ||
	    strstr(line, "roken pipe"))
		return;
	is_ss_log_line("libmicrohttpd: %s", line);
}

static enum MHD_Result text(struct MHD_Connection *conn, unsigned status, const char *type,
                            const char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
	                                                         MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result metrics(struct is_stream_server *s, struct MHD_Connection *conn)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	enum MHD_Result ret;

	is_strbuf_init(&sb, 4096);
	pthread_mutex_lock(&s->mu);
	is_ss_metrics_write(&s->metrics, &sb, s->nclients, s->clients_total, s->dropped,
	                    &s->log);
	pthread_mutex_unlock(&s->mu);
	ret = text(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", sb.buf,
	           sb.len);
	is_strbuf_release(&sb);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version,
                              const char *upload_data, size_t *upload_size,
                              void **req_cls)
{
	struct is_stream_server *s = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	static const char nf[] = "not found\n";

	(void)version;
	(void)upload_data;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET only\n", 9);
	if (*upload_size)
		return MHD_NO;
	if (!strcmp(url, "/events"))
		return is_ss_sse_start(s, conn, req_cls);
	if (!strcmp(url, "/metrics"))
		return metrics(s, conn);
	if (!strcmp(url, "/healthz"))
		return text(conn, MHD_HTTP_OK, "text/plain", "ok\n", 3);
	r = is_ss_file_response(s->share_dir, url);
	if (!r)
		return text(conn, MHD_HTTP_NOT_FOUND, "text/plain", nf, sizeof(nf) - 1);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                      enum MHD_RequestTerminationCode why)
{
	(void)conn;
	(void)why;
	if (*req_cls)
		is_ss_sse_request_done(cls, *req_cls);
	*req_cls = NULL;
}

/* The pump: wakes on publication (or every second, for keep-alives and the
 * stop), drops the laggards and resumes the suspended clients that have
 * something to send. MHD calls happen outside the mutex. */
static void *pump(void *arg)
{
	struct is_stream_server *s = arg;
	struct MHD_Connection **wake;
	struct timespec until;
	uint64_t last_sweep = 0, since;
	size_t i, n;
	int stop;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		if (!s->signaled && !s->stopping) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 1;
			pthread_cond_timedwait(&s->cond, &s->mu, &until);
		}
		since = is_ss_now_ms() - last_sweep;
		if (!s->stopping && since < PUMP_COALESCE_MS) {
			struct timespec pause = { 0, (long)(PUMP_COALESCE_MS - since) * 1000000L };

			pthread_mutex_unlock(&s->mu);
			nanosleep(&pause, NULL);
			pthread_mutex_lock(&s->mu);
		}
		last_sweep = is_ss_now_ms();
		s->signaled = 0;
		stop = s->stopping;
		n = is_ss_sse_sweep(s, &wake);
		pthread_mutex_unlock(&s->mu);
		for (i = 0; i < n; i++)
			MHD_resume_connection(wake[i]);
		free(wake);
		if (stop)
			return NULL;
		pthread_mutex_lock(&s->mu);
	}
}

/* "HOST:PORT", "[V6]:PORT", ":PORT" or "PORT" into a socket address. */
static int parse_address(const char *spec, struct sockaddr_storage *ss, socklen_t *len,
                         int *v6, struct is_error *err)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *colon, *port;
	size_t hlen;
	int rc;

	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');

		if (!end || end[1] != ':')
			return is_error_set(err, "serve-address", NULL, 0, 0,
			                    "bad address '%s' (want [V6]:PORT)", spec);
		hlen = (size_t)(end - spec - 1);
		if (hlen >= sizeof(host))
			return is_error_set(err, "serve-address", NULL, 0, 0,
			                    "bad address '%s' (host too long)", spec);
		memcpy(host, spec + 1, hlen);
		port = end + 2;
	} else if ((colon = strrchr(spec, ':'))) {
		hlen = (size_t)(colon - spec);
		if (hlen >= sizeof(host))
			return is_error_set(err, "serve-address", NULL, 0, 0,
			                    "bad address '%s' (host too long)", spec);
		memcpy(host, spec, hlen);
		port = colon + 1;
	} else {
		hlen = 0;
		port = spec;
	}
	host[hlen] = '\0';
	if (!*port || strspn(port, "0123456789") != strlen(port) || atol(port) > 65535)
		return is_error_set(err, "serve-address", NULL, 0, 0,
		                    "bad port in '%s' (want HOST:PORT, 0 for any free port)", spec);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	rc = getaddrinfo(hlen ? host : "127.0.0.1", port, &hints, &res);
	if (rc)
		return is_error_set(err, "serve-address", NULL, 0, 0, "cannot resolve '%s': %s",
		                    spec, gai_strerror(rc));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	*v6 = res->ai_family == AF_INET6;
	freeaddrinfo(res);
	return 0;
}

static void bound_name(struct is_stream_server *s, const struct sockaddr_storage *ss, int v6)
{
	const union MHD_DaemonInfo *di =
		MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = di ? di->port : 0;

	if (v6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr,
		          host, sizeof(host));
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ss)->sin_addr,
		          host, sizeof(host));
	snprintf(s->address, sizeof(s->address), v6 ? "[%s]:%u" : "%s:%u", host, port);
}

/* Tests shorten the keep-alive and the lag allowed, through the environment. */
static long env_long(const char *name, long min, long max, long dflt)
{
	const char *v = getenv(name);
	long n = v ? atol(v) : 0;

	return n >= min && n <= max ? n : dflt;
}

/*
 * MHD's polling threads: one per CPU, at most 4. Hundreds of clients each
 * taking every record is mostly copying into sockets, which one thread does
 * on one core only.
 */
static unsigned pool_size(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1u : n > 4 ? 4u : (unsigned)n;
}

struct is_stream_server *is_stream_serve_start(const char *addr_port, const char *share_dir,
                                               struct is_error *err)
{
	struct is_stream_server *s;
	struct sockaddr_storage ss;
	socklen_t sslen;
	int v6 = 0;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
	                 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;

	if (parse_address(addr_port, &ss, &sslen, &v6, err) < 0)
		return NULL;
	if (v6)
		flags |= MHD_USE_IPv6;
	s = is_xcalloc(1, sizeof(*s));
	s->share_dir = is_xstrdup(share_dir ? share_dir : ".");
	s->keepalive_ms = (unsigned)env_long("IS_STREAM_KEEPALIVE_MS", 1, 30000, KEEPALIVE_MS);
	s->client_lag = (size_t)env_long("IS_STREAM_CLIENT_LAG", 1, IS_STREAM_SERVE_HISTORY,
	                                 IS_STREAM_SERVE_CLIENT_LAG);
	s->stall_ms = (unsigned)env_long("IS_STREAM_STALL_MS", 1, 600000,
	                                 IS_STREAM_SERVE_CLIENT_STALL_MS);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cond, NULL);
	is_ss_log_init(&s->log, IS_STREAM_SERVE_HISTORY);
	is_ss_metrics_init(&s->metrics);
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, handle, s,
	                             MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	                             MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	                             MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
	                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
	                             MHD_OPTION_NOTIFY_COMPLETED, completed, s,
	                             MHD_OPTION_THREAD_POOL_SIZE, pool_size(),
	                             MHD_OPTION_END);
	if (!s->daemon) {
		is_error_set(err, "serve-listen", NULL, 0, 0, "cannot listen on '%s': %s",
		             addr_port, errno ? strerror(errno) : "libmicrohttpd refused");
		goto fail;
	}
	if (pthread_create(&s->pump, NULL, pump, s)) {
		is_error_set(err, "serve-thread", NULL, 0, 0, "cannot start a thread");
		MHD_stop_daemon(s->daemon);
		goto fail;
	}
	bound_name(s, &ss, v6);
	is_ss_log_line("serving http://%s/", s->address);
	return s;
fail:
	is_ss_metrics_release(&s->metrics);
	is_ss_log_release(&s->log);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->mu);
	free(s->share_dir);
	free(s);
	return NULL;
}

void is_stream_serve_publish(struct is_stream_server *s, const json_t *record)
{
	char *json;

	if (!s || !record)
		return;
	/* Serialized outside the mutex: the costly part stays off the lock. */
	json = json_dumps(record, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (!json)
		return;
	pthread_mutex_lock(&s->mu);
	is_ss_log_append(&s->log, json, strlen(json));
	is_ss_metrics_count(&s->metrics, record);
	s->signaled++;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->mu);
	free(json);
}

void is_stream_serve_stop(struct is_stream_server *s)
{
	if (!s)
		return;
	/* The pump's last sweep resumes every suspended client, whose reader
	 * then ends its stream: MHD must not stop with a connection suspended. */
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->pump, NULL);
	MHD_stop_daemon(s->daemon);
	is_ss_metrics_release(&s->metrics);
	is_ss_log_release(&s->log);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->mu);
	free(s->share_dir);
	free(s);
}

const char *is_stream_serve_address(const struct is_stream_server *s)
{
	return s->address;
}

size_t is_stream_serve_clients(struct is_stream_server *s)
{
	size_t n;

	pthread_mutex_lock(&s->mu);
	n = s->nclients;
	pthread_mutex_unlock(&s->mu);
	return n;
}
