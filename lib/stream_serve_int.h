#ifndef IS_STREAM_SERVE_INT_H
#define IS_STREAM_SERVE_INT_H
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "strbuf.h"
#include "strmap.h"

/*
 * The parts of the --serve server, shared by its files and by nothing else:
 * stream_serve.c (the daemon, routes, the pump thread), stream_serve_log.c
 * (the bounded history of SSE frames), stream_serve_sse.c (the clients of
 * /events), stream_serve_metrics.c (/metrics), stream_serve_files.c (the page).
 */

/* Bytes of history kept at most, besides the count IS_STREAM_SERVE_HISTORY. */
#define IS_SS_HISTORY_BYTES (256u << 20)

/* One record as an SSE frame: "id: N\ndata: JSON\n\n". */
struct is_ss_frame {
	char *text;         /* owned */
	size_t len;
};

/* A ring of the last frames; ids count from 1 and never repeat. */
struct is_ss_log {
	struct is_ss_frame *ring;
	size_t cap;
	uint64_t first, next;   /* frames held: ids first .. next - 1 */
	size_t bytes;           /* text bytes held */
};

void is_ss_log_init(struct is_ss_log *l, size_t cap);
void is_ss_log_release(struct is_ss_log *l);
/* Appends json (len bytes, no newline) as the frame of id l->next. */
void is_ss_log_append(struct is_ss_log *l, const char *json, size_t len);
/* The frame of id, or NULL when it is not held (forgotten or not yet). */
const struct is_ss_frame *is_ss_log_get(const struct is_ss_log *l, uint64_t id);

/* What /metrics says, kept up to date as records are published. */
#define IS_SS_NBUCKETS 14
struct is_ss_hist {
	uint64_t count, bucket[IS_SS_NBUCKETS];   /* bucket[i]: <= bound i */
	double sum;
};

struct is_ss_metrics {
	uint64_t records, events, runs_started, runs_ended;
	uint64_t by_run_status[4];       /* run end: SUCCEEDED FAILED CANCELED other */
	struct is_strmap status;         /* resource id -> (void *)(status + 1) */
	long by_status[IS_ST_COUNT + 1];  /* resources by latest status; + other */
	struct is_ss_hist resource_seconds, run_seconds;
};

void is_ss_metrics_init(struct is_ss_metrics *m);
void is_ss_metrics_release(struct is_ss_metrics *m);
void is_ss_metrics_count(struct is_ss_metrics *m, const json_t *rec);
/* Appends the Prometheus text exposition (format 0.0.4) to sb. */
void is_ss_metrics_write(const struct is_ss_metrics *m, struct is_strbuf *sb,
                         size_t clients, uint64_t clients_total, uint64_t dropped,
                         const struct is_ss_log *log);

/* A client of /events: a cursor into the log. */
struct is_ss_client {
	struct is_stream_server *srv;
	struct MHD_Connection *conn;
	int fd;
	uint64_t cursor;          /* id of the next frame to send */
	size_t offset;            /* bytes of that frame already sent */
	uint64_t joined;          /* log->next when it connected */
	uint64_t last_write_ms;
	int suspended, dropped, started;
	int refs;                 /* the response and the request each hold one */
	char peer[64];
	struct is_ss_client *prev, *next;
};

struct is_stream_server {
	struct MHD_Daemon *daemon;
	char *share_dir;
	char address[80];
	pthread_mutex_t mu;
	pthread_cond_t cond;
	pthread_t pump;
	int stopping;
	uint64_t signaled;        /* publications the pump has not looked at */
	unsigned keepalive_ms;
	size_t client_lag;         /* IS_STREAM_SERVE_CLIENT_LAG unless the test says */
	unsigned stall_ms;         /* IS_STREAM_SERVE_CLIENT_STALL_MS, likewise */
	struct is_ss_log log;
	struct is_ss_metrics metrics;
	struct is_ss_client *clients;
	size_t nclients;
	uint64_t clients_total, dropped;
};

uint64_t is_ss_now_ms(void);
/* A log line on stderr: "is-stream: ...". */
void is_ss_log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* stream_serve_sse.c */
/* Answers GET /events; *req_cls becomes the client, for request_done. */
enum MHD_Result is_ss_sse_start(struct is_stream_server *s, struct MHD_Connection *conn,
                                void **req_cls);
/* The pump's pass over the clients, called with s->mu held: drops the
 * clients too far behind, and returns in *wake (an array it allocates) the
 * suspended ones to resume once the lock is released. */
size_t is_ss_sse_sweep(struct is_stream_server *s, struct MHD_Connection ***wake);
void is_ss_sse_request_done(struct is_stream_server *s, void *req_cls);

/* stream_serve_files.c: a response for the page's files, or NULL (404). */
struct MHD_Response *is_ss_file_response(const char *share_dir, const char *url);

#endif
