/*
 * The server of is-stream --serve (lib/stream_serve*.c), called directly.
 *
 * Without arguments: unit checks over loopback with libcurl (health, the
 * page, 404s, metrics, SSE replay and Last-Event-ID, the bounded history,
 * a stop with clients connected).
 *
 * With --serve ADDR: a driver for the shell tests (tests/t51xx-serve-*.sh)
 * until is-stream has --serve: serves SHARE (--share, default ../share),
 * publishes every NDJSON line of standard input, then serves on until
 * SIGTERM or SIGINT.
 */
#include <curl/curl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stream_serve.h"
#include "stream_serve_int.h"
#include "xalloc.h"
#include "unit.h"

struct body {
	char *buf;
	size_t len;
};

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;

	b->buf = is_xrealloc(b->buf, b->len + size * n + 1);
	memcpy(b->buf + b->len, p, size * n);
	b->len += size * n;
	b->buf[b->len] = '\0';
	return size * n;
}

/* GET url (with an optional header line) for at most ms; the body, or "". */
static long get(const char *url, const char *header, long ms, struct body *b)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = header ? curl_slist_append(NULL, header) : NULL;
	long status = 0;

	b->buf = is_xstrdup("");
	b->len = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (h)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

static void publish_text(struct is_stream_server *s, const char *text)
{
	json_t *rec = json_loads(text, 0, NULL);

	is_stream_serve_publish(s, rec);
	json_decref(rec);
}

static void check_log(void)
{
	struct is_ss_log l;
	char j[16];
	int i;

	is_ss_log_init(&l, 3);
	for (i = 1; i <= 5; i++) {
		snprintf(j, sizeof(j), "{\"n\":%d}", i);
		is_ss_log_append(&l, j, strlen(j));
	}
	CHECK(l.first == 3 && l.next == 6, "history: holds the last 3 of 5 (ids %llu..%llu)",
	      (unsigned long long)l.first, (unsigned long long)(l.next - 1));
	CHECK(!is_ss_log_get(&l, 2) && is_ss_log_get(&l, 5) &&
	      !strcmp(is_ss_log_get(&l, 5)->text, "id: 5\ndata: {\"n\":5}\n\n"),
	      "history: frame 5 is 'id: 5' + 'data: JSON', frame 2 is forgotten");
	is_ss_log_release(&l);
}

static int unit(void)
{
	struct is_error err = IS_ERROR_INIT;
	struct is_stream_server *s;
	struct body b;
	char url[160];
	long st;
	int i;

	check_log();
	setenv("IS_STREAM_KEEPALIVE_MS", "200", 1);
	s = is_stream_serve_start("127.0.0.1:nope", "../share", &err);
	CHECK(!s && err.message && strstr(err.message, "bad port"), "a bad port is refused: %s",
	      err.message ? err.message : "(no message)");
	is_error_release(&err);
	s = is_stream_serve_start("127.0.0.1:0", "../share", &err);
	CHECK(s != NULL, "starts on 127.0.0.1:0");
	if (!s)
		return 1;
	CHECK(strncmp(is_stream_serve_address(s), "127.0.0.1:", 10) == 0 &&
	      strcmp(is_stream_serve_address(s), "127.0.0.1:0") != 0,
	      "the bound port is known: %s", is_stream_serve_address(s));
	publish_text(s, "{\"type\":\"run\",\"run\":\"1\",\"phase\":\"start\",\"status\":\"RUNNING\"}");
	publish_text(s, "{\"type\":\"event\",\"run\":\"1\",\"seq\":1,\"id\":\"Noop/a\","
	                "\"status\":\"PENDING\",\"deps\":[]}");
	publish_text(s, "{\"type\":\"event\",\"run\":\"1\",\"seq\":2,\"id\":\"Noop/a\","
	                "\"status\":\"READY\",\"elapsed_ms\":12}");

	snprintf(url, sizeof(url), "http://%s/healthz", is_stream_serve_address(s));
	st = get(url, NULL, 2000, &b);
	CHECK(st == 200 && !strcmp(b.buf, "ok\n"), "/healthz: 200 ok");
	free(b.buf);
	snprintf(url, sizeof(url), "http://%s/", is_stream_serve_address(s));
	st = get(url, NULL, 2000, &b);
	CHECK(st == 200 && strstr(b.buf, "<svg"), "/: the page, with its svg");
	free(b.buf);
	snprintf(url, sizeof(url), "http://%s/..%%2f..%%2fMakefile", is_stream_serve_address(s));
	st = get(url, NULL, 2000, &b);
	CHECK(st == 404, "no way out of web/: 404 (%ld)", st);
	free(b.buf);
	snprintf(url, sizeof(url), "http://%s/metrics", is_stream_serve_address(s));
	st = get(url, NULL, 2000, &b);
	CHECK(st == 200 && strstr(b.buf, "infrastream_events_total 2\n") &&
	      strstr(b.buf, "infrastream_resources_by_status{status=\"READY\"} 1\n") &&
	      strstr(b.buf, "infrastream_resource_duration_seconds_count 1\n"),
	      "/metrics: events, READY count, a duration");
	free(b.buf);

	snprintf(url, sizeof(url), "http://%s/events", is_stream_serve_address(s));
	get(url, NULL, 700, &b);
	CHECK(strstr(b.buf, "id: 1\ndata: {\"type\":\"run\"") && strstr(b.buf, "id: 3\ndata: "),
	      "/events: the run so far is replayed");
	free(b.buf);
	get(url, "Last-Event-ID: 2", 700, &b);
	CHECK(!strstr(b.buf, "id: 1\n") && !strstr(b.buf, "id: 2\n") && strstr(b.buf, "id: 3\n"),
	      "/events: Last-Event-ID 2 resumes at 3");
	free(b.buf);
	/* A suspended client's going is seen at its next keep-alive. */
	for (i = 0; i < 40 && is_stream_serve_clients(s) > 0; i++)
		usleep(100 * 1000);
	CHECK(is_stream_serve_clients(s) == 0, "clients that left are forgotten (%zu)",
	      is_stream_serve_clients(s));
	is_stream_serve_stop(s);
	CHECK(1, "stops");
	return UNIT_DONE();
}

static int drive(const char *addr, const char *share)
{
	struct is_error err = IS_ERROR_INIT;
	struct is_stream_server *s;
	sigset_t set;
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	s = is_stream_serve_start(addr, share, &err);
	if (!s) {
		is_error_print(&err, "test_stream_serve", stderr);
		is_error_release(&err);
		return 1;
	}
	while ((len = getline(&line, &cap, stdin)) > 0) {
		json_t *rec = json_loadb(line, (size_t)len, 0, NULL);

		if (rec) {
			is_stream_serve_publish(s, rec);
			n++;
		}
		json_decref(rec);
	}
	free(line);
	fprintf(stderr, "test_stream_serve: published %zu records\n", n);
	sigwait(&set, &sig);
	is_stream_serve_stop(s);
	return 0;
}

int main(int argc, char **argv)
{
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (argc >= 3 && !strcmp(argv[1], "--serve"))
		rc = drive(argv[2], argc >= 5 && !strcmp(argv[3], "--share") ? argv[4] : "../share");
	else
		rc = unit();
	curl_global_cleanup();
	return rc;
}
