/*
 * Statuses, times and bits of text that every is-stream format shares.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "stream.h"
#include "banned.h"

int is_stream_status_parse(const char *text)
{
	int st;

	for (st = 0; st < IS_ST_COUNT; st++)
		if (!strcmp(text, is_status_name((enum is_status)st)))
			return st;
	return IS_STREAM_ST_OTHER;
}

int is_stream_status_running(int st)
{
	return st == IS_ST_CREATING || st == IS_ST_UPDATING || st == IS_ST_DELETING ||
	       st == IS_ST_STALLED;
}

int is_stream_status_final(int st)
{
	return st == IS_ST_READY || st == IS_ST_FAILED || st == IS_ST_SKIPPED ||
	       st == IS_ST_CANCELED || st == IS_ST_DRIFTED;
}

const char *is_stream_status_sgr(int st)
{
	switch (st) {
	case IS_ST_PENDING: return "2";
	case IS_ST_CREATING:
	case IS_ST_UPDATING:
	case IS_ST_DELETING: return "36";
	case IS_ST_READY: return "32";
	case IS_ST_FAILED: return "1;31";
	case IS_ST_SKIPPED:
	case IS_ST_CANCELED: return "33";
	case IS_ST_STALLED: return "1;7;33";
	case IS_ST_DRIFTED: return "35";
	default: return NULL;
	}
}

int64_t is_stream_time_parse(const char *text)
{
	struct tm tm;
	int y, mo, d, h, mi, s, n = 0;
	long frac = 0, scale = 1000;
	const char *p;
	time_t t;

	if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 ||
	    n == 0)
		return -1;
	p = text + n;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	/* Offsets other than Z are rare in our records, but cost little. */
	if ((*p == '+' || *p == '-') && strlen(p) >= 6) {
		int oh = (p[1] - '0') * 10 + (p[2] - '0');
		int om = (p[4] - '0') * 10 + (p[5] - '0');
		long off = (oh * 60L + om) * 60;

		t += *p == '+' ? -off : off;
	}
	return (int64_t)t * 1000 + frac;
}

int64_t is_stream_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void is_stream_duration(int64_t ms, char out[32])
{
	if (ms < 0)
		ms = 0;
	if (ms < 1000)
		snprintf(out, 32, "%ldms", (long)ms);
	else if (ms < 60000)
		snprintf(out, 32, "%ld.%lds", (long)(ms / 1000), (long)(ms % 1000 / 100));
	else if (ms < 3600000)
		snprintf(out, 32, "%ldm%02lds", (long)(ms / 60000), (long)(ms % 60000 / 1000));
	else
		snprintf(out, 32, "%ldh%02ldm", (long)(ms / 3600000),
		         (long)(ms % 3600000 / 60000));
}

void is_stream_tail(struct is_strbuf *sb, const char *text, int max_lines,
                    const char *sep)
{
	size_t len = strlen(text);
	size_t start;
	int lines = 0;

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
	                   text[len - 1] == ' '))
		len--;
	start = len;
	while (start > 0) {
		if (text[start - 1] == '\n' && ++lines >= max_lines)
			break;
		start--;
	}
	while (start < len) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t n = end - start;

		if (n > 0 && text[start + n - 1] == '\r')
			n--;
		is_strbuf_add(sb, text + start, n);
		if (nl)
			is_strbuf_adds(sb, sep);
		start = end + 1;
	}
}

void is_stream_run_counts(struct is_strbuf *sb, const struct is_stream_run *r)
{
	static const int order[] = { IS_ST_READY, IS_ST_FAILED, IS_ST_SKIPPED,
	                             IS_ST_CANCELED, IS_ST_DRIFTED, IS_ST_STALLED,
	                             IS_ST_CREATING, IS_ST_UPDATING, IS_ST_DELETING,
	                             IS_ST_PENDING, IS_STREAM_ST_OTHER };
	long total = is_stream_run_total(r);
	const char *sep = ": ";
	size_t i;

	is_strbuf_addf(sb, "%ld resource%s", total, total == 1 ? "" : "s");
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int st = order[i];
		char name[16];
		size_t j;

		if (!r->count[st])
			continue;
		snprintf(name, sizeof(name), "%s",
		         st == IS_STREAM_ST_OTHER ? "other" : is_status_name((enum is_status)st));
		for (j = 0; name[j]; j++)
			if (name[j] >= 'A' && name[j] <= 'Z')
				name[j] = (char)(name[j] - 'A' + 'a');
		is_strbuf_addf(sb, "%s%ld %s", sep, r->count[st], name);
		sep = ", ";
	}
}
