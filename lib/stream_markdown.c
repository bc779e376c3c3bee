/*
 * The markdown format: a summary of each run once the input has ended, for
 * $GITHUB_STEP_SUMMARY or a pull-request comment: the counts, every failure
 * with its error, the slowest resources, and the diagnostics. Long runs stay
 * short: lists are cut at LIST_MAX entries with a line that says so (a step
 * summary holds 1 MiB at most).
 */
#include <stdlib.h>
#include <string.h>

#include "stream.h"
#include "xalloc.h"
#include "banned.h"

enum { LIST_MAX = 20 };

/* Text for a table cell: pipes escaped, newlines as <br>. */
static void cell(struct is_strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			is_strbuf_adds(sb, "\\|");
		else if (*s == '\n')
			is_strbuf_adds(sb, "<br>");
		else if (*s == '<')
			is_strbuf_adds(sb, "&lt;");
		else if (*s == '>')
			is_strbuf_adds(sb, "&gt;");
		else if (*s == '&')
			is_strbuf_adds(sb, "&amp;");
		else if (*s != '\r')
			is_strbuf_addch(sb, *s);
	}
}

/* A fenced block longer than any run of backticks in text. */
static void fenced(struct is_strbuf *sb, const char *text)
{
	size_t run = 0, longest = 0, len = strlen(text), i;

	for (i = 0; i < len; i++) {
		run = text[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	for (i = 0; i < (longest >= 3 ? longest + 1 : 3); i++)
		is_strbuf_addch(sb, '`');
	is_strbuf_adds(sb, "text\n");
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	is_strbuf_add(sb, text, len);
	is_strbuf_addch(sb, '\n');
	for (i = 0; i < (longest >= 3 ? longest + 1 : 3); i++)
		is_strbuf_addch(sb, '`');
	is_strbuf_adds(sb, "\n\n");
}

static void diagnostics(struct is_strbuf *sb, const struct is_stream_model *m)
{
	size_t i;

	if (!m->ndiags)
		return;
	is_strbuf_adds(sb, "## Diagnostics\n\n| severity | where | code | message |\n"
	               "|:--|:--|:--|:--|\n");
	for (i = 0; i < m->ndiags && i < LIST_MAX; i++) {
		const struct is_stream_diag *d = m->diags[i];

		is_strbuf_adds(sb, "| ");
		cell(sb, d->severity ? d->severity : "error");
		is_strbuf_adds(sb, " | ");
		if (d->file) {
			cell(sb, d->file);
			if (d->line > 0)
				is_strbuf_addf(sb, ":%ld", d->line);
			if (d->line > 0 && d->col > 0)
				is_strbuf_addf(sb, ":%ld", d->col);
		}
		is_strbuf_adds(sb, " | ");
		cell(sb, d->code);
		is_strbuf_adds(sb, " | ");
		cell(sb, d->message);
		is_strbuf_adds(sb, " |\n");
	}
	if (m->ndiags > LIST_MAX)
		is_strbuf_addf(sb, "\nand %zu more.\n", m->ndiags - LIST_MAX);
	is_strbuf_adds(sb, "\n");
}

static void counts(struct is_strbuf *sb, const struct is_stream_run *r)
{
	static const int order[] = { IS_ST_READY, IS_ST_FAILED, IS_ST_SKIPPED,
	                             IS_ST_CANCELED, IS_ST_DRIFTED, IS_ST_STALLED,
	                             IS_ST_CREATING, IS_ST_UPDATING, IS_ST_DELETING,
	                             IS_ST_PENDING, IS_STREAM_ST_OTHER };
	size_t i;

	is_strbuf_adds(sb, "| status | resources |\n|:--|--:|\n");
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (r->count[order[i]])
			is_strbuf_addf(sb, "| %s | %ld |\n", order[i] == IS_STREAM_ST_OTHER
			               ? "other" : is_status_name((enum is_status)order[i]),
			               r->count[order[i]]);
	is_strbuf_addf(sb, "| **total** | **%ld** |\n\n", is_stream_run_total(r));
}

static void failures(struct is_strbuf *sb, const struct is_stream_run *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->nres; i++) {
		const struct is_stream_res *x = r->res[i];
		char d[32];

		if (x->status != IS_ST_FAILED)
			continue;
		if (n++ == 0)
			is_strbuf_adds(sb, "### Failures\n\n");
		if (n > LIST_MAX)
			continue;
		is_strbuf_adds(sb, "**`");
		is_strbuf_adds(sb, x->id);
		is_strbuf_adds(sb, "`**");
		if (x->action)
			is_strbuf_addf(sb, " %s", x->action);
		if (x->attempt > 1)
			is_strbuf_addf(sb, ", attempt %d", x->attempt);
		if (x->elapsed_ms >= 0) {
			is_stream_duration(x->elapsed_ms, d);
			is_strbuf_addf(sb, ", after %s", d);
		}
		is_strbuf_adds(sb, "\n\n");
		fenced(sb, x->error ? x->error : "(no error given)");
	}
	if (n > LIST_MAX)
		is_strbuf_addf(sb, "and %zu more failures.\n\n", n - LIST_MAX);
}

struct timed {
	const struct is_stream_res *res;
	size_t order;
};

/* Slowest first; equal times in the order of the run (qsort is not stable). */
static int by_time(const void *a, const void *b)
{
	const struct timed *x = a, *y = b;

	if (x->res->elapsed_ms != y->res->elapsed_ms)
		return x->res->elapsed_ms < y->res->elapsed_ms ? 1 : -1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void durations(struct is_strbuf *sb, const struct is_stream_run *r)
{
	struct timed *v = is_xcalloc(r->nres + 1, sizeof(*v));
	size_t i, n = 0;

	for (i = 0; i < r->nres; i++)
		if (!r->res[i]->group && r->res[i]->elapsed_ms >= 0 &&
		    r->res[i]->status != IS_ST_SKIPPED) {
			v[n].res = r->res[i];
			v[n++].order = i;
		}
	qsort(v, n, sizeof(*v), by_time);
	if (n) {
		is_strbuf_adds(sb, n > LIST_MAX ? "### Slowest\n\n" : "### Durations\n\n");
		is_strbuf_adds(sb, "| resource | action | status | time |\n|:--|:--|:--|--:|\n");
	}
	for (i = 0; i < n && i < LIST_MAX; i++) {
		const struct is_stream_res *x = v[i].res;
		char d[32];

		is_stream_duration(x->elapsed_ms, d);
		is_strbuf_adds(sb, "| `");
		cell(sb, x->id);
		is_strbuf_adds(sb, "` | ");
		cell(sb, x->action ? x->action : "");
		is_strbuf_addf(sb, " | %s | %s |\n", x->status_text, d);
	}
	if (n > LIST_MAX)
		is_strbuf_addf(sb, "\nThe %d slowest of %zu.\n", LIST_MAX, n);
	if (n)
		is_strbuf_adds(sb, "\n");
	free(v);
}

static void run_summary(struct is_strbuf *sb, const struct is_stream_run *r)
{
	char d[32];

	is_strbuf_addf(sb, "## infrastream run %s: %s%s\n\n", r->id,
	               r->ended ? r->status : "still RUNNING at the end of the input",
	               r->dry_run ? " (dry run)" : "");
	if (is_stream_run_elapsed(r, r->end_ms) >= 0) {
		is_stream_duration(is_stream_run_elapsed(r, r->end_ms), d);
		is_strbuf_addf(sb, "Took %s. ", d);
	}
	is_stream_run_counts(sb, r);
	is_strbuf_adds(sb, ".");
	if (r->reason) {
		is_strbuf_adds(sb, " Stopped: ");
		cell(sb, r->reason);
		is_strbuf_adds(sb, ".");
	}
	is_strbuf_adds(sb, "\n\n");
	counts(sb, r);
	failures(sb, r);
	durations(sb, r);
}

static void markdown_finish(void *st, struct is_stream_out *out,
                            const struct is_stream_model *m)
{
	size_t i;

	(void)st;
	diagnostics(&out->buf, m);
	for (i = 0; i < m->nruns; i++)
		run_summary(&out->buf, m->runs[i]);
	if (!m->nruns && !m->ndiags)
		is_strbuf_adds(&out->buf, "## infrastream\n\nNo runs in the input.\n");
}

const struct is_stream_formatter is_stream_markdown = {
	NULL, NULL, NULL, markdown_finish, NULL
};
