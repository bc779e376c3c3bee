/*
 * Webhooks: a thread per URL posts queued records in batches (libcurl easy
 * interface: one blocking request at a time is all a sender needs, and the
 * connection is kept alive between batches). The reader only appends to the
 * queue under a mutex; it never waits for the network.
 */
#include <curl/curl.h>
#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stream_webhook.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

struct rec {
	char *text;
	size_t len;
	struct rec *next;
};

struct is_stream_webhook {
	struct is_stream_webhook_config cfg;
	char *url, *secret;
	char *shown;                    /* the URL for messages: no path, no user */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;            /* records queued, stop asked, or done */
	struct rec *head, *tail;
	size_t queued;
	long dropped;                   /* oldest records dropped: the queue was full */
	long lost;                      /* records of batches given up on */
	int stopping;                   /* no more records come: send what is left */
	atomic_int abort;               /* give up now, even mid-request */
	int done;                       /* the thread has finished */
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
};

int is_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len,
                       char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t mac_len = 0, i;
	EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = m ? EVP_MAC_CTX_new(m) : NULL;
	OSSL_PARAM params[2];
	int ok;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = ctx && EVP_MAC_init(ctx, key, key_len, params) &&
	     EVP_MAC_update(ctx, data, len) && EVP_MAC_final(ctx, mac, &mac_len, sizeof(mac)) &&
	     mac_len == 32;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(m);
	if (!ok)
		return -1;
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

static void say(struct is_stream_webhook *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(struct is_stream_webhook *w, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (!w->cfg.report)
		return;
	va_start(ap, fmt);
	msg = is_xvasprintf(fmt, ap);
	va_end(ap);
	w->cfg.report(w->cfg.ctx, msg);
	free(msg);
}

/*
 * A webhook URL is often a secret in itself (a token in its path or query,
 * a password before the host), so messages show only scheme://host:port.
 */
static char *shown_url(const char *url)
{
	const char *p = strstr(url, "://");
	const char *host, *end, *at;

	if (!p)
		return is_xstrdup("(webhook)");
	host = p + 3;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	if (at)
		host = at + 1;
	return is_xasprintf("%.*s%.*s%s", (int)(p + 3 - url), url, (int)(end - host), host,
	                    *end ? "/..." : "");
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

/* Called by libcurl while a request runs: a nonzero return aborts it. */
static int on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut,
                       curl_off_t un)
{
	struct is_stream_webhook *w = ctx;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return w->abort;
}

static void deadline_in(struct timespec *ts, double seconds)
{
	long ms = (long)(seconds * 1000);

	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Sleeps seconds unless told to abort; returns -1 when aborted. */
static int backoff_wait(struct is_stream_webhook *w, double seconds)
{
	struct timespec ts;
	int rc = 0;

	deadline_in(&ts, seconds);
	pthread_mutex_lock(&w->lock);
	while (!w->abort && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&w->cond, &w->lock, &ts);
	pthread_mutex_unlock(&w->lock);
	return w->abort ? -1 : 0;
}

/*
 * One POST. Returns 0 when delivered, 1 when worth another try, -1 when the
 * answer is final; why says what went wrong.
 */
static int post(struct is_stream_webhook *w, struct curl_slist *headers,
                const struct is_strbuf *body, char *why, size_t whylen)
{
	CURLcode rc;
	long status = 0;

	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, body->buf);
	w->errbuf[0] = '\0';
	rc = curl_easy_perform(w->curl);
	if (rc != CURLE_OK) {
		snprintf(why, whylen, "%s", w->errbuf[0] ? w->errbuf : curl_easy_strerror(rc));
		return 1;
	}
	curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 300)
		return 0;
	snprintf(why, whylen, "HTTP %ld", status);
	return status == 408 || status == 429 || status >= 500 ? 1 : -1;
}

static void deliver(struct is_stream_webhook *w, const struct is_strbuf *body, size_t n)
{
	struct curl_slist *headers = NULL;
	char why[CURL_ERROR_SIZE + 32] = "";
	double delay = w->cfg.backoff;
	int attempt, rc = 1;

	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, "Expect:");
	if (w->secret) {
		char hex[65], line[96];

		if (is_hmac_sha256_hex(w->secret, w->cfg.secret_len, body->buf, body->len,
		                       hex) < 0) {
			say(w, "%s: cannot sign a batch (libcrypto HMAC failed): %zu records "
			    "not sent", w->shown, n);
			w->lost += (long)n;
			curl_slist_free_all(headers);
			return;
		}
		snprintf(line, sizeof(line), "X-Signature-256: sha256=%s", hex);
		headers = curl_slist_append(headers, line);
	}
	for (attempt = 1; attempt <= w->cfg.attempts && !w->abort; attempt++) {
		if ((rc = post(w, headers, body, why, sizeof(why))) <= 0)
			break;
		if (attempt < w->cfg.attempts && backoff_wait(w, delay) < 0)
			break;
		delay *= 2;
	}
	curl_slist_free_all(headers);
	if (rc != 0) {
		w->lost += (long)n;
		say(w, "%s: gave up on a batch of %zu record%s: %s%s", w->shown, n,
		    n == 1 ? "" : "s", w->abort ? "stopped while sending; last: " : "",
		    why[0] ? why : "no answer");
	}
}

static void *sender_main(void *arg)
{
	struct is_stream_webhook *w = arg;
	struct is_strbuf body = IS_STRBUF_INIT;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct rec *r;
		size_t n = 0;

		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->head || w->abort)
			break;
		is_strbuf_reset(&body);
		is_strbuf_addch(&body, '[');
		while ((r = w->head) && n < w->cfg.batch_max) {
			w->head = r->next;
			if (!w->head)
				w->tail = NULL;
			w->queued--;
			if (n++)
				is_strbuf_addch(&body, ',');
			is_strbuf_add(&body, r->text, r->len);
			free(r->text);
			free(r);
		}
		is_strbuf_addch(&body, ']');
		pthread_mutex_unlock(&w->lock);
		deliver(w, &body, n);
		pthread_mutex_lock(&w->lock);
	}
	w->done = 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	is_strbuf_release(&body);
	return NULL;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct is_stream_webhook *is_stream_webhook_start(const struct is_stream_webhook_config *cfg,
                                                  struct is_error *err)
{
	struct is_stream_webhook *w;
	int rc;

	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		is_error_set(err, "webhook", NULL, 0, 0, "curl_global_init failed: %s",
		             curl_easy_strerror(curl_init_rc));
		return NULL;
	}
	w = is_xcalloc(1, sizeof(*w));
	w->cfg = *cfg;
	w->url = is_xstrdup(cfg->url);
	w->shown = shown_url(cfg->url);
	if (cfg->secret) {
		w->secret = is_xmalloc(cfg->secret_len + 1);
		memcpy(w->secret, cfg->secret, cfg->secret_len);
		w->secret[cfg->secret_len] = '\0';
	}
	if (!w->cfg.queue_max)
		w->cfg.queue_max = 10000;
	if (!w->cfg.batch_max)
		w->cfg.batch_max = 500;
	if (w->cfg.attempts < 1)
		w->cfg.attempts = 5;
	if (w->cfg.backoff <= 0)
		w->cfg.backoff = 0.5;
	if (w->cfg.timeout <= 0)
		w->cfg.timeout = 10;
	w->curl = curl_easy_init();
	if (!w->curl) {
		is_error_set(err, "webhook", NULL, 0, 0, "%s: curl_easy_init failed", w->shown);
		goto fail;
	}
	curl_easy_setopt(w->curl, CURLOPT_URL, w->url);
	curl_easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(w->curl, CURLOPT_ERRORBUFFER, w->errbuf);
	curl_easy_setopt(w->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(w->curl, CURLOPT_USERAGENT, "is-stream/" IS_VERSION);
	curl_easy_setopt(w->curl, CURLOPT_TIMEOUT_MS, (long)(w->cfg.timeout * 1000));
	curl_easy_setopt(w->curl, CURLOPT_CONNECTTIMEOUT_MS,
	                 (long)(w->cfg.timeout * 1000 < 5000 ? w->cfg.timeout * 1000 : 5000));
	curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(w->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(w->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(w->curl, CURLOPT_XFERINFODATA, w);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if ((rc = pthread_create(&w->thread, NULL, sender_main, w)) != 0) {
		is_error_set(err, "webhook", NULL, 0, 0, "%s: cannot start a thread: %s",
		             w->shown, strerror(rc));
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		goto fail;
	}
	return w;
fail:
	if (w->curl)
		curl_easy_cleanup(w->curl);
	free(w->url);
	free(w->shown);
	free(w->secret);
	free(w);
	return NULL;
}

void is_stream_webhook_send(struct is_stream_webhook *w, const char *text, size_t len)
{
	struct rec *r = is_xmalloc(sizeof(*r)), *old = NULL;
	long dropped = 0;

	r->text = is_xstrndup(text, len);
	r->len = len;
	r->next = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->queued >= w->cfg.queue_max && w->head) {
		old = w->head;
		w->head = old->next;
		if (!w->head)
			w->tail = NULL;
		w->queued--;
		dropped = ++w->dropped;
	}
	if (w->tail)
		w->tail->next = r;
	else
		w->head = r;
	w->tail = r;
	w->queued++;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	if (old) {
		free(old->text);
		free(old);
	}
	/* Said once, then in the summary at the end: a line per record would
	 * flood the terminal exactly when the receiver is slow. */
	if (dropped == 1)
		say(w, "%s: the queue is full (%zu records): dropping the oldest", w->shown,
		    w->cfg.queue_max);
}

long is_stream_webhook_stop(struct is_stream_webhook *w, double wait)
{
	struct timespec ts;
	struct rec *r;
	long left = 0, lost;

	deadline_in(&ts, wait > 0 ? wait : 0);
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_broadcast(&w->cond);
	while (!w->done)
		if (pthread_cond_timedwait(&w->cond, &w->lock, &ts) == ETIMEDOUT)
			break;
	w->abort = 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	while ((r = w->head)) {
		w->head = r->next;
		free(r->text);
		free(r);
		left++;
	}
	if (w->dropped)
		say(w, "%s: %ld record%s dropped: the queue was full", w->shown, w->dropped,
		    w->dropped == 1 ? "" : "s");
	if (left)
		say(w, "%s: %ld record%s not sent: still queued after waiting %g s", w->shown,
		    left, left == 1 ? "" : "s", wait);
	lost = w->dropped + w->lost + left;
	curl_easy_cleanup(w->curl);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w->url);
	free(w->shown);
	free(w->secret);
	free(w);
	return lost;
}
