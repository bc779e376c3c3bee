/*
 * The junit format: JUnit XML once the input has ended, so that every CI
 * test-report viewer shows runs. A test suite per run, a test case per
 * resource (classname: its kind, name: its id, time: its elapsed seconds):
 * FAILED and DRIFTED are failures, SKIPPED and CANCELED skipped, and a
 * resource the input left without a final status an error. Error
 * diagnostics make one more suite, "diagnostics", with a failed case each.
 * Groups make nothing, so they are not test cases.
 */
#include <string.h>

#include "stream.h"
#include "banned.h"

/* XML text: markup escaped, characters XML 1.0 cannot hold as '?'. */
static void xml(struct is_strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&': is_strbuf_adds(sb, "&amp;"); break;
		case '<': is_strbuf_adds(sb, "&lt;"); break;
		case '>': is_strbuf_adds(sb, "&gt;"); break;
		case '"': is_strbuf_adds(sb, "&quot;"); break;
		case '\'': is_strbuf_adds(sb, "&apos;"); break;
		default:
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				is_strbuf_addch(sb, '?');
			else
				is_strbuf_addch(sb, (char)c);
		}
	}
}

/* An attribute value keeps its newlines as character references. */
static void attr(struct is_strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\n')
			is_strbuf_adds(sb, "&#10;");
		else if (*s == '\r')
			is_strbuf_adds(sb, "&#13;");
		else if (*s == '\t')
			is_strbuf_adds(sb, "&#9;");
		else {
			char one[2] = { *s, '\0' };

			xml(sb, one);
		}
	}
}

static void seconds(struct is_strbuf *sb, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	is_strbuf_addf(sb, "%ld.%03ld", (long)(ms / 1000), (long)(ms % 1000));
}

struct tally {
	long tests, failures, errors, skipped;
};

static void tally_run(const struct is_stream_run *r, struct tally *t)
{
	size_t i;

	for (i = 0; i < r->nres; i++) {
		int st = r->res[i]->status;

		if (r->res[i]->group)
			continue;
		t->tests++;
		if (st == IS_ST_FAILED || st == IS_ST_DRIFTED)
			t->failures++;
		else if (st == IS_ST_SKIPPED || st == IS_ST_CANCELED)
			t->skipped++;
		else if (!is_stream_status_final(st))
			t->errors++;
	}
}

static void counts_attrs(struct is_strbuf *sb, const struct tally *t)
{
	is_strbuf_addf(sb, " tests=\"%ld\" failures=\"%ld\" errors=\"%ld\" skipped=\"%ld\"",
	               t->tests, t->failures, t->errors, t->skipped);
}

static void testcase(struct is_strbuf *sb, const struct is_stream_res *x)
{
	const char *slash = strchr(x->id, '/');
	int st = x->status;

	is_strbuf_adds(sb, "    <testcase classname=\"");
	if (x->kind)
		attr(sb, x->kind);
	else
		is_strbuf_add(sb, x->id, slash ? (size_t)(slash - x->id) : strlen(x->id));
	is_strbuf_adds(sb, "\" name=\"");
	attr(sb, x->id);
	is_strbuf_adds(sb, "\" time=\"");
	seconds(sb, x->elapsed_ms);
	is_strbuf_adds(sb, "\"");
	if (st == IS_ST_READY) {
		is_strbuf_adds(sb, "/>\n");
		return;
	}
	is_strbuf_adds(sb, ">\n");
	if (st == IS_ST_FAILED || st == IS_ST_DRIFTED) {
		struct is_strbuf first = IS_STRBUF_INIT;

		is_stream_tail(&first, x->error ? x->error : x->status_text, 1, "");
		is_strbuf_adds(sb, "      <failure message=\"");
		attr(sb, first.buf ? first.buf : "");
		is_strbuf_adds(sb, "\" type=\"");
		attr(sb, x->status_text);
		is_strbuf_adds(sb, "\">");
		xml(sb, x->error ? x->error : x->status_text);
		is_strbuf_adds(sb, "</failure>\n");
		is_strbuf_release(&first);
	} else if (st == IS_ST_SKIPPED || st == IS_ST_CANCELED) {
		is_strbuf_adds(sb, "      <skipped message=\"");
		attr(sb, x->status_text);
		if (x->error) {
			is_strbuf_adds(sb, ": ");
			attr(sb, x->error);
		}
		is_strbuf_adds(sb, "\"/>\n");
	} else {
		is_strbuf_adds(sb, "      <error message=\"no final status: ");
		attr(sb, x->status_text);
		is_strbuf_adds(sb, " when the input ended\" type=\"INCOMPLETE\"/>\n");
	}
	is_strbuf_adds(sb, "    </testcase>\n");
}

static void suite(struct is_strbuf *sb, const struct is_stream_run *r)
{
	struct tally t = { 0, 0, 0, 0 };
	size_t i;

	tally_run(r, &t);
	is_strbuf_adds(sb, "  <testsuite name=\"run ");
	attr(sb, r->id);
	is_strbuf_adds(sb, "\"");
	counts_attrs(sb, &t);
	is_strbuf_adds(sb, " time=\"");
	seconds(sb, is_stream_run_elapsed(r, r->end_ms));
	is_strbuf_adds(sb, "\"");
	if (r->started_at) {
		is_strbuf_adds(sb, " timestamp=\"");
		attr(sb, r->started_at);
		is_strbuf_adds(sb, "\"");
	}
	is_strbuf_adds(sb, ">\n    <properties>\n      <property name=\"run\" value=\"");
	attr(sb, r->id);
	is_strbuf_adds(sb, "\"/>\n      <property name=\"status\" value=\"");
	attr(sb, r->ended ? r->status : "RUNNING");
	is_strbuf_adds(sb, "\"/>\n");
	if (r->dry_run)
		is_strbuf_adds(sb, "      <property name=\"dry_run\" value=\"true\"/>\n");
	if (r->reason) {
		is_strbuf_adds(sb, "      <property name=\"reason\" value=\"");
		attr(sb, r->reason);
		is_strbuf_adds(sb, "\"/>\n");
	}
	is_strbuf_adds(sb, "    </properties>\n");
	for (i = 0; i < r->nres; i++)
		if (!r->res[i]->group)
			testcase(sb, r->res[i]);
	is_strbuf_adds(sb, "  </testsuite>\n");
}

static long error_diags(const struct is_stream_model *m)
{
	size_t i;
	long n = 0;

	for (i = 0; i < m->ndiags; i++)
		n += !m->diags[i]->severity || !strcmp(m->diags[i]->severity, "error");
	return n;
}

static void diagnostics(struct is_strbuf *sb, const struct is_stream_model *m, long n)
{
	size_t i;

	is_strbuf_addf(sb, "  <testsuite name=\"diagnostics\" tests=\"%ld\" failures=\"%ld\" "
	               "errors=\"0\" skipped=\"0\" time=\"0.000\">\n", n, n);
	for (i = 0; i < m->ndiags; i++) {
		const struct is_stream_diag *d = m->diags[i];

		if (d->severity && strcmp(d->severity, "error"))
			continue;
		is_strbuf_adds(sb, "    <testcase classname=\"diagnostic\" name=\"");
		if (d->file) {
			attr(sb, d->file);
			if (d->line > 0)
				is_strbuf_addf(sb, ":%ld", d->line);
			if (d->line > 0 && d->col > 0)
				is_strbuf_addf(sb, ":%ld", d->col);
			is_strbuf_adds(sb, " ");
		}
		attr(sb, d->code ? d->code : "error");
		is_strbuf_adds(sb, "\" time=\"0.000\">\n      <failure message=\"");
		attr(sb, d->message ? d->message : "");
		is_strbuf_adds(sb, "\" type=\"");
		attr(sb, d->code ? d->code : "error");
		is_strbuf_adds(sb, "\"/>\n    </testcase>\n");
	}
	is_strbuf_adds(sb, "  </testsuite>\n");
}

static void junit_finish(void *st, struct is_stream_out *out, const struct is_stream_model *m)
{
	struct tally t = { 0, 0, 0, 0 };
	int64_t ms = 0;
	long ndiag = error_diags(m);
	size_t i;

	(void)st;
	for (i = 0; i < m->nruns; i++) {
		int64_t el = is_stream_run_elapsed(m->runs[i], m->runs[i]->end_ms);

		tally_run(m->runs[i], &t);
		ms += el > 0 ? el : 0;
	}
	t.tests += ndiag;
	t.failures += ndiag;
	is_strbuf_adds(&out->buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	               "<testsuites name=\"infrastream\"");
	counts_attrs(&out->buf, &t);
	is_strbuf_adds(&out->buf, " time=\"");
	seconds(&out->buf, ms);
	is_strbuf_adds(&out->buf, "\">\n");
	if (ndiag)
		diagnostics(&out->buf, m, ndiag);
	for (i = 0; i < m->nruns; i++)
		suite(&out->buf, m->runs[i]);
	is_strbuf_adds(&out->buf, "</testsuites>\n");
}

const struct is_stream_formatter is_stream_junit = {
	NULL, NULL, NULL, junit_finish, NULL
};
