/*
 * N SSE clients of bench/stream in one process, on epoll: the same job and
 * the same one-line JSON report as `node stream.mjs clients`, at a fraction
 * of the CPU, so that the clients take less of a 2-core machine from the
 * server they measure.
 *   sse_clients HOST PORT PATH N WANT TIMEOUT_S
 * Each client sends "GET PATH HTTP/1.0" (no chunked encoding), reads, and for
 * every `"t_ns":NUMBER` in a whole frame counts a record and, when NUMBER is
 * not 0, its latency: CLOCK_MONOTONIC now (taken when epoll says the socket
 * is readable) minus NUMBER, the same clock the generator stamped with. A
 * client is done with WANT records; the report comes when all are done or
 * closed, or at the timeout. "eldP99Ms"/"eldMaxMs" are here the time one
 * pass over the ready sockets took: how long a ready socket could wait.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BIN_NS 100000ull          /* 0.1 ms histogram bins ... */
#define BINS 600000u              /* ... up to 60 s, then one overflow bin */
#define TAIL_MAX (1u << 20)       /* a frame longer than this is not ours */
#define MAX_PASSES 1000000u

struct client {
	int fd;
	uint64_t got;
	char *tail;                   /* the start of an unfinished frame */
	size_t tail_len;
	int finished;
};

static const char key[] = "\"t_ns\":";
static uint32_t *hist;
static uint64_t max_ns, samples;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void sample(uint64_t t, uint64_t stamp)
{
	uint64_t d = t > stamp ? t - stamp : 0, b = d / BIN_NS;

	hist[b < BINS ? b : BINS]++;
	if (d > max_ns)
		max_ns = d;
	samples++;
}

/* Counts the records of the whole frames in buf[0..len); returns how many
 * bytes they took (the rest is an unfinished frame). */
static size_t scan(struct client *c, const char *buf, size_t len, uint64_t t)
{
	const char *end = NULL, *p;
	size_t i;

	for (i = len; i >= 2; i--)
		if (buf[i - 1] == '\n' && buf[i - 2] == '\n') {
			end = buf + i;
			break;
		}
	if (!end)
		return 0;
	for (p = buf; (p = memmem(p, (size_t)(end - p), key, sizeof(key) - 1)); ) {
		uint64_t v = 0;

		for (p += sizeof(key) - 1; p < end && *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (uint64_t)(*p - '0');
		c->got++;
		if (v)
			sample(t, v);
	}
	return (size_t)(end - buf);
}

static int readable(struct client *c, uint64_t t)
{
	static char buf[1 << 17];
	char *all;
	size_t used, len;
	ssize_t n;

	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (c->tail_len) {
			len = c->tail_len + (size_t)n;
			all = malloc(len);
			if (!all)
				return -1;
			memcpy(all, c->tail, c->tail_len);
			memcpy(all + c->tail_len, buf, (size_t)n);
		} else {
			all = buf;
			len = (size_t)n;
		}
		used = scan(c, all, len, t);
		free(c->tail);
		c->tail = NULL;
		c->tail_len = len - used;
		if (c->tail_len > TAIL_MAX) {
			if (all != buf)
				free(all);
			return -1;
		}
		if (c->tail_len) {
			c->tail = malloc(c->tail_len);
			if (!c->tail)
				return -1;
			memcpy(c->tail, all + used, c->tail_len);
		}
		if (all != buf)
			free(all);
	}
}

static int connect_client(struct client *c, const struct sockaddr_in *sa, const char *host,
                          unsigned port, const char *path)
{
	char req[512];
	int n;

	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (c->fd < 0 || connect(c->fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		return -1;
	n = snprintf(req, sizeof(req),
	             "GET %s HTTP/1.0\r\nHost: %s:%u\r\nAccept: text/event-stream\r\n\r\n",
	             path, host, port);
	return send(c->fd, req, (size_t)n, 0) == n ? 0 : -1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct epoll_event ev, evs[256];
	struct client *cl;
	uint64_t want, deadline, first = 0, last = 0, records = 0, *pass;
	unsigned n, i, opened = 0, done = 0, closed = 0, port, npass = 0;
	double cpu0 = 0;
	int ep, k, j, first_hist = 1;

	if (argc != 7) {
		fprintf(stderr, "usage: sse_clients HOST PORT PATH N WANT TIMEOUT_S\n");
		return 2;
	}
	port = (unsigned)atoi(argv[2]);
	n = (unsigned)atoi(argv[4]);
	want = strtoull(argv[5], NULL, 10);
	deadline = now_ns() + strtoull(argv[6], NULL, 10) * 1000000000ull;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "sse_clients: %s: not an IPv4 address\n", argv[1]);
		return 2;
	}
	hist = calloc(BINS + 1, sizeof(*hist));
	cl = calloc(n ? n : 1, sizeof(*cl));
	pass = malloc(MAX_PASSES * sizeof(*pass));
	ep = epoll_create1(0);
	if (!hist || !cl || !pass || ep < 0)
		return 1;
	for (i = 0; i < n; i++) {
		if (connect_client(&cl[i], &sa, argv[1], port, argv[3]) < 0) {
			fprintf(stderr, "sse_clients: connect: %s\n", strerror(errno));
			cl[i].finished = 1;
			closed++;
			continue;
		}
		opened++;
		ev.events = EPOLLIN;
		ev.data.u32 = i;
		epoll_ctl(ep, EPOLL_CTL_ADD, cl[i].fd, &ev);
	}
	while (done + closed < n) {
		uint64_t t = now_ns(), t_end;

		if (t >= deadline)
			break;
		k = epoll_wait(ep, evs, 256, 100);
		t = now_ns();
		for (j = 0; j < k; j++) {
			struct client *c = &cl[evs[j].data.u32];
			int rc;

			if (c->finished)
				continue;
			if (!first) {
				first = t;
				cpu0 = cpu_ms();
			}
			last = t;
			rc = readable(c, t);
			if (c->got >= want || rc < 0) {
				c->finished = 1;
				records += c->got;
				if (c->got >= want)
					done++;
				else
					closed++;
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				c->fd = -1;
			}
		}
		t_end = now_ns();
		if (k > 0 && npass < MAX_PASSES)
			pass[npass++] = t_end - t;
	}
	for (i = 0; i < n; i++)
		if (!cl[i].finished)
			records += cl[i].got;
	qsort(pass, npass, sizeof(*pass), cmp_u64);
	printf("{\"clients\":%u,\"opened\":%u,\"done\":%u,\"closed\":%u,\"records\":%llu,"
	       "\"samples\":%llu,\"maxNs\":%llu,\"binNs\":%llu,\"hist\":[",
	       n, opened, done, closed, (unsigned long long)records,
	       (unsigned long long)samples, (unsigned long long)max_ns,
	       (unsigned long long)BIN_NS);
	for (i = 0; i <= BINS; i++)
		if (hist[i]) {
			printf("%s[%u,%u]", first_hist ? "" : ",", i, hist[i]);
			first_hist = 0;
		}
	printf("],\"wallMs\":%.1f,\"cpuMs\":%.1f,\"eldP99Ms\":%.2f,\"eldMaxMs\":%.2f}\n",
	       (double)(last - first) / 1e6, first ? cpu_ms() - cpu0 : 0.0,
	       npass ? (double)pass[(size_t)(0.99 * (npass - 1))] / 1e6 : 0.0,
	       npass ? (double)pass[npass - 1] / 1e6 : 0.0);
	for (i = 0; i < n; i++) {
		if (cl[i].fd >= 0)
			close(cl[i].fd);
		free(cl[i].tail);
	}
	free(cl);
	free(hist);
	free(pass);
	close(ep);
	return done == n ? 0 : 1;
}
