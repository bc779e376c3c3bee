/*
 * The live view: a frame redrawn in place on a terminal, at most fps times a
 * second, as one write() per frame: the cursor goes back up over the last
 * frame, each line is rewritten and cleared to its end, and what is left
 * below is cleared, so nothing flickers. Lines are cut to the terminal's
 * width (a wrapped line would throw the count off) and the frame to its
 * height. Lines that stay (diagnostics, each run's summary) are written above
 * the frame, which then starts again below them.
 *
 *   run 73547617076995971  RUNNING  12.3s
 *   [##############################----------]  5/7  71%
 *   READY 3  FAILED 1  CREATING 1
 *   running
 *     CREATING  Command/orders-migrate                 3.2s
 *   failed
 *     Command/orders-login: secret 'X' is not set
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "stream.h"
#include "xalloc.h"
#include "banned.h"

enum { BAR = 40, ERROR_LINES = 3, MAX_FAILED = 5 };

struct live {
	int lines;                 /* lines of the frame on the screen now */
	int width, height;
	int cursor_hidden;
	size_t shown_runs;         /* runs whose summary is written above */
	struct is_strbuf line;     /* the line being built */
	int cols;                  /* its visible width so far */
	int full;                  /* it reached the width: the rest is cut */
};

static void *live_start(struct is_stream_out *out)
{
	struct live *l = is_xcalloc(1, sizeof(*l));

	(void)out;
	is_strbuf_init(&l->line, 256);
	return l;
}

static void live_free(void *st)
{
	struct live *l = st;

	is_strbuf_release(&l->line);
	free(l);
}

static void measure(struct live *l, int fd)
{
	struct winsize ws;

	l->width = 80;
	l->height = 24;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		l->width = ws.ws_col;
		l->height = ws.ws_row;
	}
}

/* ---- a line cut to the width, colours not counted ---- */

static void line_start(struct live *l)
{
	is_strbuf_reset(&l->line);
	l->cols = 0;
	l->full = 0;
}

/* Adds text (UTF-8; control characters as spaces) while it fits. */
static void add(struct live *l, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;

	for (; *p && !l->full; p++) {
		if ((*p & 0xC0) == 0x80) {            /* a continuation byte */
			is_strbuf_addch(&l->line, (char)*p);
			continue;
		}
		if (l->cols >= l->width - 1) {
			l->full = 1;
			break;
		}
		is_strbuf_addch(&l->line, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
		l->cols++;
	}
}

static void addf(struct live *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct live *l, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = is_xvasprintf(fmt, ap);
	va_end(ap);
	add(l, s);
	free(s);
}

static void sgr(struct live *l, const struct is_stream_out *out, const char *code)
{
	if (out->color && code && !l->full)
		is_strbuf_addf(&l->line, "\033[%sm", code);
}

static void add_color(struct live *l, const struct is_stream_out *out, const char *code,
                      const char *text)
{
	sgr(l, out, code);
	add(l, text);
	if (out->color && code)
		is_strbuf_adds(&l->line, "\033[0m");
}

static void pad(struct live *l, int to)
{
	while (l->cols < to && !l->full)
		add(l, " ");
}

/* Ends the line into the frame: cleared to its end, then a newline. */
static void line_end(struct live *l, struct is_strbuf *frame, int *n)
{
	is_strbuf_add(frame, l->line.buf, l->line.len);
	is_strbuf_adds(frame, "\033[K\n");
	(*n)++;
}

/* ---- the frame ---- */

static void header(struct live *l, const struct is_stream_out *out,
                   const struct is_stream_run *r, int64_t now, struct is_strbuf *f, int *n)
{
	int st = is_stream_status_parse(r->status);
	char d[32];
	int64_t el = is_stream_run_elapsed(r, now);

	line_start(l);
	sgr(l, out, "1");
	addf(l, "run %s", r->id);
	if (out->color)
		is_strbuf_adds(&l->line, "\033[0m");
	add(l, "  ");
	add_color(l, out, !strcmp(r->status, "SUCCEEDED") ? "1;32" : st == IS_ST_FAILED ? "1;31"
	          : st == IS_ST_CANCELED ? "1;33" : "1;36", r->status);
	if (el >= 0) {
		is_stream_duration(el, d);
		addf(l, "  %s", d);
	}
	if (r->dry_run)
		add(l, "  (dry run)");
	if (out->interrupted && !r->ended)
		add_color(l, out, "1;33", "  interrupted: waiting for the pipeline (^C again "
		          "to quit)");
	line_end(l, f, n);
}

static void progress(struct live *l, const struct is_stream_out *out,
                     const struct is_stream_run *r, struct is_strbuf *f, int *n)
{
	long total = is_stream_run_total(r), done = is_stream_run_done(r);
	long bad = r->count[IS_ST_FAILED] + r->count[IS_ST_CANCELED] + r->count[IS_ST_DRIFTED];
	int width = l->width - 24 < BAR ? l->width - 24 : BAR;
	int fill, red, i;

	if (width < 10)
		width = 10;
	fill = total > 0 ? (int)(done * width / total) : 0;
	red = total > 0 ? (int)((bad * width + total - 1) / total) : 0;
	if (red > fill)
		red = fill;
	line_start(l);
	add(l, "[");
	sgr(l, out, "32");
	for (i = 0; i < fill - red; i++)
		add(l, "#");
	sgr(l, out, "31");
	for (; i < fill; i++)
		add(l, "#");
	sgr(l, out, "2");
	for (; i < width; i++)
		add(l, "-");
	if (out->color)
		is_strbuf_adds(&l->line, "\033[0m");
	addf(l, "]  %ld/%ld", done, total);
	if (total > 0)
		addf(l, "  %ld%%", done * 100 / total);
	line_end(l, f, n);
}

static void counts(struct live *l, const struct is_stream_out *out,
                   const struct is_stream_run *r, struct is_strbuf *f, int *n)
{
	static const int order[] = { IS_ST_READY, IS_ST_FAILED, IS_ST_SKIPPED,
	                             IS_ST_CANCELED, IS_ST_DRIFTED, IS_ST_STALLED,
	                             IS_ST_CREATING, IS_ST_UPDATING, IS_ST_DELETING,
	                             IS_ST_PENDING, IS_STREAM_ST_OTHER };
	size_t i;
	int any = 0;

	line_start(l);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int st = order[i];
		char num[24];

		if (!r->count[st])
			continue;
		if (any++)
			add(l, "  ");
		add_color(l, out, is_stream_status_sgr(st),
		          st == IS_STREAM_ST_OTHER ? "OTHER" : is_status_name((enum is_status)st));
		snprintf(num, sizeof(num), " %ld", r->count[st]);
		add(l, num);
	}
	if (!any)
		add(l, "waiting for events");
	line_end(l, f, n);
}

static int id_width(const struct is_stream_run *r, int width)
{
	size_t i;
	int w = 12;

	for (i = 0; i < r->nres; i++)
		if (is_stream_status_running(r->res[i]->status) && (int)strlen(r->res[i]->id) > w)
			w = (int)strlen(r->res[i]->id);
	return w > width / 2 ? width / 2 : w;
}

static void running(struct live *l, const struct is_stream_out *out,
                    const struct is_stream_run *r, int64_t now, int room,
                    struct is_strbuf *f, int *n)
{
	size_t i, count = 0, shown = 0;
	int w = id_width(r, l->width), pass;

	for (i = 0; i < r->nres; i++)
		count += is_stream_status_running(r->res[i]->status);
	if (!count || room < 2)
		return;
	line_start(l);
	add_color(l, out, "1", "running");
	line_end(l, f, n);
	room--;
	/* Stalled ones first: they are the ones to look at. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < r->nres; i++) {
			const struct is_stream_res *x = r->res[i];
			char d[32];

			if (!is_stream_status_running(x->status) ||
			    (x->status == IS_ST_STALLED) != (pass == 0))
				continue;
			if ((int)shown >= room - 1 && shown + 1 < count) {
				line_start(l);
				addf(l, "  ... and %zu more", count - shown);
				line_end(l, f, n);
				return;
			}
			line_start(l);
			add(l, "  ");
			add_color(l, out, is_stream_status_sgr(x->status), x->status_text);
			pad(l, 12);
			add_color(l, out, x->status == IS_ST_STALLED ? "1;33" : NULL, x->id);
			pad(l, 12 + w + 2);
			is_stream_duration(x->started_ms >= 0 && now > x->started_ms
			                   ? now - x->started_ms : 0, d);
			add(l, d);
			if (x->attempt > 1)
				addf(l, "  attempt %d", x->attempt);
			if (x->rollback)
				add(l, "  rollback");
			line_end(l, f, n);
			shown++;
		}
}

static void failed(struct live *l, const struct is_stream_out *out,
                   const struct is_stream_run *r, int room, struct is_strbuf *f, int *n)
{
	struct is_strbuf tail = IS_STRBUF_INIT;
	size_t i, count = 0, skip;

	for (i = 0; i < r->nres; i++)
		count += r->res[i]->status == IS_ST_FAILED;
	if (!count || room < 2)
		return;
	line_start(l);
	add_color(l, out, "1;31", "failed");
	line_end(l, f, n);
	room--;
	/* The latest failures are the ones shown; older ones are counted. */
	skip = count > MAX_FAILED ? count - MAX_FAILED : 0;
	if (skip) {
		line_start(l);
		addf(l, "  (%zu more before these)", skip);
		line_end(l, f, n);
		room--;
	}
	for (i = 0; i < r->nres && room > 0; i++) {
		const struct is_stream_res *x = r->res[i];
		const char *p;

		if (x->status != IS_ST_FAILED || (skip && skip--))
			continue;
		line_start(l);
		add(l, "  ");
		add_color(l, out, "31", x->id);
		if (x->action)
			addf(l, " (%s)", x->action);
		line_end(l, f, n);
		room--;
		is_strbuf_reset(&tail);
		is_stream_tail(&tail, x->error ? x->error : "(no error given)", ERROR_LINES, "\n");
		for (p = tail.buf; p && *p && room > 0; room--) {
			const char *nl = strchr(p, '\n');
			char *one = is_xstrndup(p, nl ? (size_t)(nl - p) : strlen(p));

			line_start(l);
			add(l, "    ");
			add(l, one);
			line_end(l, f, n);
			free(one);
			p = nl ? nl + 1 : NULL;
		}
	}
	is_strbuf_release(&tail);
}

static void frame(struct live *l, const struct is_stream_out *out,
                  const struct is_stream_run *r, int64_t now, struct is_strbuf *f, int *n)
{
	int room = l->height - 1 - 3;
	int before, reserve = 0;

	header(l, out, r, now, f, n);
	progress(l, out, r, f, n);
	counts(l, out, r, f, n);
	before = *n;
	/* Failures keep up to half of what is left; running work gets the rest. */
	if (r->count[IS_ST_FAILED] > 0)
		reserve = room / 2 < 2 + (ERROR_LINES + 1) * MAX_FAILED ? room / 2
		          : 2 + (ERROR_LINES + 1) * MAX_FAILED;
	running(l, out, r, now, room - reserve, f, n);
	room -= *n - before;
	failed(l, out, r, room, f, n);
}

/* Takes the frame on the screen away: up over it, and clear to the end. */
static void erase(struct live *l, struct is_strbuf *buf)
{
	if (l->lines > 0)
		is_strbuf_addf(buf, "\r\033[%dA\033[J", l->lines);
	l->lines = 0;
}

static void hide_cursor(struct live *l, struct is_stream_out *out)
{
	if (!l->cursor_hidden) {
		is_strbuf_adds(&out->buf, "\033[?25l");
		l->cursor_hidden = 1;
	}
}

/* A run that ended, or that a later run took over from: its last frame
 * stays on the screen, with a summary line under it, and the next frame
 * starts below. */
static void settle(struct live *l, struct is_stream_out *out, const struct is_stream_model *m,
                   int64_t now)
{
	while (l->shown_runs < m->nruns && (m->runs[l->shown_runs]->ended ||
	                                    m->runs[l->shown_runs] != m->cur)) {
		const struct is_stream_run *r = m->runs[l->shown_runs];
		struct is_strbuf f = IS_STRBUF_INIT;
		int n = 0;
		char d[32];

		measure(l, out->fd);
		erase(l, &out->buf);
		frame(l, out, r, now, &f, &n);
		is_strbuf_add(&out->buf, f.buf, f.len);
		is_strbuf_release(&f);
		line_start(l);
		add_color(l, out, !strcmp(r->status, "SUCCEEDED") ? "1;32" : "1;31",
		          r->ended ? r->status : "NO END");
		is_stream_duration(is_stream_run_elapsed(r, now), d);
		addf(l, " in %s: ", d);
		{
			struct is_strbuf c = IS_STRBUF_INIT;

			is_stream_run_counts(&c, r);
			add(l, c.buf);
			is_strbuf_release(&c);
		}
		if (r->reason)
			addf(l, " (%s)", r->reason);
		is_strbuf_add(&out->buf, l->line.buf, l->line.len);
		is_strbuf_adds(&out->buf, "\033[K\n");
		l->shown_runs++;
	}
}

static void live_record(void *st, struct is_stream_out *out, const struct is_stream_model *m,
                        const json_t *rec, const struct is_stream_change *ch)
{
	struct live *l = st;
	const struct is_stream_diag *dg = ch->diag;

	(void)rec;
	(void)m;
	if (ch->kind != IS_STREAM_DIAGNOSTIC)
		return;
	/* Above the frame, to stay: the next tick draws the frame again. */
	erase(l, &out->buf);
	measure(l, out->fd);
	line_start(l);
	if (dg->file)
		addf(l, dg->line > 0 ? "%s:%ld:%ld: " : "%s: ", dg->file, dg->line, dg->col);
	add_color(l, out, dg->severity && !strcmp(dg->severity, "warning") ? "33" : "1;31",
	          dg->severity ? dg->severity : "error");
	addf(l, ": %s", dg->message ? dg->message : "");
	is_strbuf_add(&out->buf, l->line.buf, l->line.len);
	is_strbuf_adds(&out->buf, "\033[K\n");
}

static void live_tick(void *st, struct is_stream_out *out, const struct is_stream_model *m,
                      int final)
{
	struct live *l = st;
	struct is_strbuf f = IS_STRBUF_INIT;
	const struct is_stream_run *r = m->cur;
	int64_t now = is_stream_now_ms();
	int n = 0;

	if (m->latest_ms > now)
		now = m->latest_ms;
	hide_cursor(l, out);
	settle(l, out, m, now);
	measure(l, out->fd);
	if (r && !r->ended) {
		frame(l, out, r, now, &f, &n);
		if (l->lines > 0)
			is_strbuf_addf(&out->buf, "\r\033[%dA", l->lines);
		is_strbuf_add(&out->buf, f.buf, f.len);
		is_strbuf_adds(&out->buf, "\033[J");
		l->lines = n;
	} else {
		erase(l, &out->buf);
	}
	is_strbuf_release(&f);
	if (final) {
		/* The input ended with a run still going: its frame stays, as it was. */
		l->lines = 0;
		if (!m->nruns && !m->ndiags)
			is_strbuf_adds(&out->buf, "no runs in the input\n");
		is_strbuf_adds(&out->buf, "\033[?25h");
		l->cursor_hidden = 0;
	}
}

const struct is_stream_formatter is_stream_live = {
	live_start, live_record, live_tick, NULL, live_free
};
