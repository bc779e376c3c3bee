/*
 * The github format: GitHub Actions workflow commands. Each run's lines go
 * in a collapsible group; a failed resource and an error diagnostic become
 * ::error annotations (with the manifest's file and line when a resource
 * record earlier in the stream said where it was declared), STALLED and
 * SKIPPED ones ::warning annotations, so they show on the run's summary and
 * beside the diff of a pull request.
 */
#include <stdlib.h>
#include <string.h>

#include "stream.h"
#include "xalloc.h"
#include "banned.h"

struct github {
	char *group;               /* the run whose group is open, or NULL */
};

static void *github_start(struct is_stream_out *out)
{
	(void)out;
	return is_xcalloc(1, sizeof(struct github));
}

static void github_free(void *st)
{
	struct github *g = st;

	free(g->group);
	free(g);
}

/* Escapes for a command's message (data) or, with prop, a property value. */
static void escape(struct is_strbuf *sb, const char *s, int prop)
{
	size_t len = strlen(s);

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	for (; len > 0; s++, len--) {
		switch (*s) {
		case '%': is_strbuf_adds(sb, "%25"); break;
		case '\r': is_strbuf_adds(sb, "%0D"); break;
		case '\n': is_strbuf_adds(sb, "%0A"); break;
		case ':': is_strbuf_adds(sb, prop ? "%3A" : ":"); break;
		case ',': is_strbuf_adds(sb, prop ? "%2C" : ","); break;
		default: is_strbuf_addch(sb, *s);
		}
	}
}

/* "::error file=F,line=L,col=C,title=T::" then the message and a newline. */
static void command(struct is_strbuf *sb, const char *cmd, const char *file, long line,
                    long col, const char *title, const char *message)
{
	const char *sep = " ";

	is_strbuf_addf(sb, "::%s", cmd);
	if (file) {
		is_strbuf_adds(sb, " file=");
		escape(sb, file, 1);
		sep = ",";
		if (line > 0) {
			is_strbuf_addf(sb, ",line=%ld", line);
			if (col > 0)
				is_strbuf_addf(sb, ",col=%ld", col);
		}
	}
	if (title) {
		is_strbuf_addf(sb, "%stitle=", sep);
		escape(sb, title, 1);
	}
	is_strbuf_adds(sb, "::");
	escape(sb, message, 0);
	is_strbuf_addch(sb, '\n');
}

static void open_group(struct github *g, struct is_stream_out *out,
                       const struct is_stream_run *r)
{
	if (g->group && !strcmp(g->group, r->id))
		return;
	if (g->group)
		is_strbuf_adds(&out->buf, "::endgroup::\n");
	free(g->group);
	g->group = is_xstrdup(r->id);
	is_strbuf_addf(&out->buf, "::group::infrastream run %s%s\n", r->id,
	               r->dry_run ? " (dry run)" : "");
}

static void close_group(struct github *g, struct is_stream_out *out)
{
	if (!g->group)
		return;
	is_strbuf_adds(&out->buf, "::endgroup::\n");
	free(g->group);
	g->group = NULL;
}

static void annotate(struct is_stream_out *out, const struct is_stream_model *m,
                     const struct is_stream_res *r, const char *cmd)
{
	const struct is_stream_source *src = is_stream_model_source(m, r->id);
	char *title = is_xasprintf("%s %s", r->id, r->status_text);
	char d[32], *why, *msg;

	is_stream_duration(r->elapsed_ms, d);
	why = r->error ? is_xstrdup(r->error) : r->status == IS_ST_STALLED
	      ? is_xasprintf("still running after %s, past its expected time", d)
	      : is_xstrdup("no error given");
	msg = is_xasprintf("%s %s%s%s%s: %s", r->id, r->status_text, r->action ? " (" : "",
	                   r->action ? r->action : "", r->action ? ")" : "", why);
	free(why);

	command(&out->buf, cmd, src ? src->file : NULL, src ? src->line : 0, 0, title, msg);
	free(title);
	free(msg);
}

static void github_record(void *st, struct is_stream_out *out,
                          const struct is_stream_model *m, const json_t *rec,
                          const struct is_stream_change *ch)
{
	struct github *g = st;
	const struct is_stream_diag *d = ch->diag;

	switch (ch->kind) {
	case IS_STREAM_RUN_START:
		open_group(g, out, ch->run);
		is_stream_line(out, m, rec, ch);
		break;
	case IS_STREAM_RUN_END:
		open_group(g, out, ch->run);
		close_group(g, out);
		is_stream_line(out, m, rec, ch);
		break;
	case IS_STREAM_EVENT:
		open_group(g, out, ch->run);
		if (ch->res->group && ch->res->status == IS_ST_SKIPPED)
			is_stream_line(out, m, rec, ch);
		else if (ch->res->status == IS_ST_FAILED)
			annotate(out, m, ch->res, "error");
		else if (ch->res->status == IS_ST_STALLED || ch->res->status == IS_ST_SKIPPED)
			annotate(out, m, ch->res, "warning");
		else
			is_stream_line(out, m, rec, ch);
		break;
	case IS_STREAM_DIAGNOSTIC:
		command(&out->buf, d->severity && !strcmp(d->severity, "error") ? "error"
		        : d->severity && !strcmp(d->severity, "warning") ? "warning" : "notice",
		        d->file && strcmp(d->file, "<stdin>") ? d->file : NULL, d->line, d->col,
		        d->code, d->message ? d->message : "(no message)");
		break;
	case IS_STREAM_PLAN:
		is_stream_line(out, m, rec, ch);
		break;
	default:
		break;
	}
}

static void github_finish(void *st, struct is_stream_out *out,
                          const struct is_stream_model *m)
{
	(void)m;
	close_group(st, out);
}

const struct is_stream_formatter is_stream_github = {
	github_start, github_record, NULL, github_finish, github_free
};
