/*
 * One is-stream session, start to end (see stream_run.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream_follow.h"
#include "stream_read.h"
#include "stream_run.h"
#include "stream_serve.h"
#include "stream_webhook.h"
#include "xalloc.h"
#include "banned.h"

struct session {
	const struct is_stream_config *cfg;
	struct is_stream_webhook **hooks;
	struct is_stream_server *server;
	struct is_stream_sink *sinks;
	size_t nsinks;
};

static void sayf(const struct is_stream_config *cfg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sayf(const struct is_stream_config *cfg, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = is_xvasprintf(fmt, ap);
	va_end(ap);
	cfg->say(msg);
	free(msg);
}

static void say_error(void *ctx, const struct is_error *err)
{
	const struct is_stream_config *cfg = ctx;

	if (err->file && err->line > 0)
		sayf(cfg, "%s:%ld:%ld: %s", err->file, err->line, err->col, err->message);
	else if (err->file)
		sayf(cfg, "%s: %s", err->file, err->message);
	else
		cfg->say(err->message);
}

static void say_webhook(void *ctx, const char *message)
{
	const struct is_stream_config *cfg = ctx;

	sayf(cfg, "webhook %s", message);
}

/* Webhooks hear about runs and events, not the plans and specs around them. */
static void to_webhook(void *ctx, const json_t *rec, const char *text, size_t len)
{
	const char *type = is_stream_str(rec, "type");

	if (type && (!strcmp(type, "event") || !strcmp(type, "run")))
		is_stream_webhook_send(ctx, text, len);
}

static void to_server(void *ctx, const json_t *rec, const char *text, size_t len)
{
	(void)text;
	(void)len;
	is_stream_serve_publish(ctx, rec);
}

static int start_sinks(struct session *s)
{
	const struct is_stream_config *cfg = s->cfg;
	struct is_error err = IS_ERROR_INIT;
	size_t i;

	s->hooks = is_xcalloc(cfg->nwebhooks + 1, sizeof(*s->hooks));
	s->sinks = is_xcalloc(cfg->nwebhooks + 1, sizeof(*s->sinks));
	for (i = 0; i < cfg->nwebhooks; i++) {
		struct is_stream_webhook_config wc;

		memset(&wc, 0, sizeof(wc));
		wc.url = cfg->webhooks[i];
		wc.secret = cfg->secret;
		wc.secret_len = cfg->secret_len;
		wc.report = say_webhook;
		wc.ctx = (void *)cfg;
		if (!(s->hooks[i] = is_stream_webhook_start(&wc, &err)))
			goto fail;
		s->sinks[s->nsinks].fn = to_webhook;
		s->sinks[s->nsinks++].ctx = s->hooks[i];
	}
	if (cfg->serve) {
		if (!(s->server = is_stream_serve_start(cfg->serve, cfg->share_dir, &err)))
			goto fail;
		s->sinks[s->nsinks].fn = to_server;
		s->sinks[s->nsinks++].ctx = s->server;
	}
	return 0;
fail:
	say_error((void *)cfg, &err);
	is_error_release(&err);
	return -1;
}

static int stop_sinks(struct session *s)
{
	size_t i;
	long lost = 0;

	for (i = 0; i < s->cfg->nwebhooks && s->hooks[i]; i++)
		lost += is_stream_webhook_stop(s->hooks[i], s->cfg->webhook_wait);
	is_stream_serve_stop(s->server);
	free(s->hooks);
	free(s->sinks);
	return lost ? -1 : 0;
}

int is_stream_run(const struct is_stream_config *cfg)
{
	struct session s = { cfg, NULL, NULL, NULL, 0 };
	struct is_stream_read_config rc;
	struct is_stream_read_result res;
	struct is_stream_follow follow = { -1, -1 };
	struct is_error err = IS_ERROR_INIT;
	int failed = 0, werr, status;

	memset(&rc, 0, sizeof(rc));
	memset(&res, 0, sizeof(res));
	rc.fd = cfg->in_fd;
	rc.name = cfg->in_name;
	rc.tee = cfg->tee ? stdout : NULL;
	rc.report = say_error;
	rc.ctx = (void *)cfg;
	if (start_sinks(&s) < 0) {
		stop_sinks(&s);
		return -1;
	}
	rc.sinks = s.sinks;
	rc.nsinks = s.nsinks;
	if (cfg->follow) {
		if (is_stream_follow_start(&follow, cfg->db, cfg->run, &err) < 0) {
			say_error((void *)cfg, &err);
			is_error_release(&err);
			stop_sinks(&s);
			return -1;
		}
		rc.fd = follow.fd;
		rc.name = "is-ledger events --follow";
	}
	if (cfg->view.format != IS_STREAM_NONE && !(rc.view = is_stream_view_start(&cfg->view))) {
		sayf(cfg, "cannot start the view: %s", strerror(errno));
		failed = 1;
	}
	if (!failed && is_stream_read(&rc, &res) < 0)
		failed = 1;
	if (res.write_error)
		sayf(cfg, "standard output: %s", strerror(res.write_error));
	/* The next stage hears the end of the stream now, not after the view
	 * and the webhooks are done. */
	if (cfg->tee && cfg->tee_done && cfg->tee_done() < 0)
		failed = 1;
	if (cfg->follow && (status = is_stream_follow_finish(&follow)) != 0) {
		sayf(cfg, "is-ledger events --follow exited %d", status);
		failed = 1;
	}
	if (rc.view && (werr = is_stream_view_finish(rc.view)) != 0) {
		sayf(cfg, "the view's output: %s", strerror(werr));
		failed = 1;
	}
	if (stop_sinks(&s) < 0)
		failed = 1;
	return failed ? -1 : 0;
}
