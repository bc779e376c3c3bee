#ifndef IS_STREAM_WEBHOOK_H
#define IS_STREAM_WEBHOOK_H
#include <stddef.h>

#include "error.h"

/*
 * is-stream --webhook: records POSTed to a URL as JSON arrays, from a thread
 * of its own per URL (libcurl), so the pipeline never waits for a receiver.
 * Records wait in a bounded queue; when it is full the oldest is dropped (and
 * said so). A batch is everything queued when the thread is free, up to
 * batch_max records. A batch that fails (no connection, a timeout, 408, 429,
 * 5xx) is tried again after backoff seconds, doubled each time, up to
 * attempts times; other answers are final. With a secret, every request
 * carries X-Signature-256: sha256=<hex HMAC-SHA256 of the body>.
 */
struct is_stream_webhook_config {
	const char *url;                 /* copied */
	const char *secret;              /* copied, or NULL */
	size_t secret_len;
	size_t queue_max;                /* records held at most (default 10000) */
	size_t batch_max;                /* records per request at most (default 500) */
	int attempts;                    /* tries per batch (default 5) */
	double backoff;                  /* first retry delay, seconds (default 0.5) */
	double timeout;                  /* per request, seconds (default 10) */
	/* Told about dropped records and failed batches (any thread). */
	void (*report)(void *ctx, const char *message);
	void *ctx;
};

struct is_stream_webhook;

/* Starts the sender's thread. Returns NULL with err filled on failure. */
struct is_stream_webhook *is_stream_webhook_start(const struct is_stream_webhook_config *cfg,
                                                  struct is_error *err);
/* Queues one record's JSON text (copied). Never waits for the network. */
void is_stream_webhook_send(struct is_stream_webhook *w, const char *text, size_t len);
/*
 * Delivers what is queued for at most wait seconds, then gives up on the rest
 * (a request in flight is aborted), joins the thread and frees w. Returns the
 * records that were not delivered (dropped, given up on, or left).
 */
long is_stream_webhook_stop(struct is_stream_webhook *w, double wait);

/* The lowercase hex HMAC-SHA256 of data under key into out (65 bytes).
 * Returns 0, or -1 when libcrypto fails. */
int is_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len,
                       char out[65]);

#endif
