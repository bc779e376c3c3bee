/*
 * The instants the ledger's queries take (--at, --from, --to): RFC 3339 with
 * or without fractional seconds, Z or a numeric offset; a date alone
 * (midnight UTC); "now"; or a span back from now ("-90s", "-15m", "-1h30m",
 * "-2d", "-1w"). Every instant is turned into milliseconds since the epoch
 * and written back in the one form the ledger stores,
 * "2024-05-01T12:00:00.000Z", whose byte order is time order, so SQL can
 * compare the text columns directly.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ledger_query.h"
#include "banned.h"

static int digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int expect(const char **p, const char *set)
{
	if (!**p || !strchr(set, **p))
		return -1;
	(*p)++;
	return 0;
}

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : d[m - 1];
}

static int rfc3339(const char *s, int64_t *ms)
{
	struct tm tm = { 0 };
	int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, scale = 100, oh, om, sign;
	const char *p = s;
	time_t t;

	if (digits(&p, 4, &y) || expect(&p, "-") || digits(&p, 2, &mo) ||
	    expect(&p, "-") || digits(&p, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in(y, mo))
		return -1;
	if (*p) {
		if (expect(&p, "Tt ") || digits(&p, 2, &h) || expect(&p, ":") ||
		    digits(&p, 2, &mi) || expect(&p, ":") || digits(&p, 2, &sec))
			return -1;
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
		if (*p == '.') {
			if (!isdigit((unsigned char)*++p))
				return -1;
			for (; isdigit((unsigned char)*p); p++, scale /= 10)
				frac += (*p - '0') * scale;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else {
			sign = *p == '-' ? -1 : 1;
			if (expect(&p, "+-") || digits(&p, 2, &oh) || expect(&p, ":") ||
			    digits(&p, 2, &om) || oh > 23 || om > 59)
				return -1;
			mi -= sign * om;
			h -= sign * oh;
		}
		if (*p)
			return -1;
	}
	/* A leap second is the last instant of its minute. */
	if (sec == 60) {
		sec = 59;
		frac = 999;
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*ms = (int64_t)t * 1000 + frac;
	return 0;
}

/* "-1h30m": a sum of number-unit pairs, back from now. */
static int relative(const char *s, int64_t now, int64_t *ms)
{
	int64_t total = 0, n;
	const char *p = s + 1;

	if (!*p)
		return -1;
	while (*p) {
		if (!isdigit((unsigned char)*p))
			return -1;
		for (n = 0; isdigit((unsigned char)*p); p++) {
			if (n > 100000000)
				return -1;
			n = n * 10 + (*p - '0');
		}
		switch (*p++) {
		case 's': n *= 1000; break;
		case 'm': n *= 60 * 1000; break;
		case 'h': n *= 3600 * 1000; break;
		case 'd': n *= 86400 * 1000; break;
		case 'w': n *= 7 * 86400 * 1000; break;
		default: return -1;
		}
		total += n;
	}
	*ms = now - total;
	return 0;
}

int is_ledger_time_parse(const char *text, int64_t now_ms, int64_t *ms,
                         struct is_error *err)
{
	if (!strcmp(text, "now")) {
		*ms = now_ms;
		return 0;
	}
	if ((text[0] == '-' && !relative(text, now_ms, ms)) || !rfc3339(text, ms))
		return 0;
	return is_error_set(err, "ledger-time", NULL, 0, 0,
	                    "bad time '%s' (want RFC 3339 such as "
	                    "2024-05-01T12:00:00Z, 'now', or a span back such as -1h30m)",
	                    text);
}

int is_ledger_time_canon(const char *text, int64_t now_ms, char out[32],
                         struct is_error *err)
{
	int64_t ms;

	if (is_ledger_time_parse(text, now_ms, &ms, err) < 0)
		return -1;
	is_ledger_time_format(ms, out);
	return 0;
}
