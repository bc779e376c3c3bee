/* is-stream's library: HMAC-SHA256 (RFC 4231 vectors), times, durations,
 * error tails, and the model's counts as events replace each other. */
#include <string.h>

#include "stream.h"
#include "stream_webhook.h"
#include "unit.h"

static void hmac(const char *key, size_t klen, const char *data, const char *want,
                 const char *what)
{
	char hex[65];

	CHECK(is_hmac_sha256_hex(key, klen, data, strlen(data), hex) == 0 &&
	      !strcmp(hex, want), "HMAC-SHA256: %s (got %s)", what, hex);
}

static void duration(int64_t ms, const char *want)
{
	char d[32];

	is_stream_duration(ms, d);
	CHECK(!strcmp(d, want), "duration %lld ms is '%s' (got '%s')", (long long)ms, want, d);
}

static void tail(const char *what, const char *text, int n, const char *want)
{
	struct is_strbuf sb = IS_STRBUF_INIT;

	is_stream_tail(&sb, text, n, "|");
	CHECK(!strcmp(sb.buf ? sb.buf : "", want), "the last %d lines of %s are '%s' (got '%s')",
	      n, what, want, sb.buf ? sb.buf : "");
	is_strbuf_release(&sb);
}

static void apply(struct is_stream_model *m, const char *text)
{
	struct is_stream_change ch;
	json_t *rec = json_loads(text, 0, NULL);

	is_stream_model_apply(m, rec, &ch);
	json_decref(rec);
}

int main(void)
{
	char key[20];
	struct is_stream_model m;
	const struct is_stream_run *r;

	/* RFC 4231, test cases 1 and 2. */
	memset(key, 0x0b, sizeof(key));
	hmac(key, sizeof(key), "Hi There",
	     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", "RFC 4231 case 1");
	hmac("Jefe", 4, "what do ya want for nothing?",
	     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "RFC 4231 case 2");

	CHECK(is_stream_time_parse("1970-01-01T00:00:01.250Z") == 1250, "an RFC 3339 time");
	CHECK(is_stream_time_parse("2026-11-23T14:48:56.123Z") == 1795445336123LL,
	      "an RFC 3339 time with milliseconds");
	CHECK(is_stream_time_parse("1970-01-01T01:00:00+01:00") == 0, "an offset");
	CHECK(is_stream_time_parse("yesterday") == -1, "not a time");
	duration(850, "850ms");
	duration(12345, "12.3s");
	duration(245000, "4m05s");
	duration(7380000, "2h03m");
	tail("three lines and a blank one", "one\ntwo\nthree\n\n", 2, "two|three");
	tail("a line without a newline", "one", 3, "one");
	tail("CRLF lines", "a\r\nb\r\n", 5, "a|b");

	is_stream_model_init(&m);
	apply(&m, "{\"type\":\"plan\",\"resources\":3}");
	apply(&m, "{\"type\":\"run\",\"run\":\"1\",\"phase\":\"start\",\"status\":\"RUNNING\","
	          "\"at\":\"2026-01-01T00:00:00.000Z\"}");
	apply(&m, "{\"type\":\"event\",\"run\":\"1\",\"id\":\"Noop/a\",\"kind\":\"Noop\","
	          "\"status\":\"CREATING\",\"at\":\"2026-01-01T00:00:01.000Z\"}");
	apply(&m, "{\"type\":\"event\",\"run\":\"1\",\"id\":\"MetaGroup/g\",\"kind\":\"MetaGroup\","
	          "\"status\":\"READY\"}");
	r = m.cur;
	CHECK(r && is_stream_run_total(r) == 3, "a plan read before its run gives the total");
	CHECK(r && r->count[IS_ST_CREATING] == 1 && r->resources == 1,
	      "a group is not counted");
	CHECK(r && r->res[0]->started_ms == 1767225601000LL, "a start's time is kept");
	apply(&m, "{\"type\":\"event\",\"run\":\"1\",\"id\":\"Noop/a\",\"status\":\"FAILED\","
	          "\"error\":\"boom\",\"elapsed_ms\":5}");
	CHECK(r->count[IS_ST_CREATING] == 0 && r->count[IS_ST_FAILED] == 1,
	      "a new status replaces the old in the counts");
	CHECK(is_stream_run_done(r) == 1 && !strcmp(r->res[0]->error, "boom"),
	      "a failure is done, with its error");
	apply(&m, "{\"type\":\"event\",\"run\":\"1\",\"id\":\"Noop/b\",\"status\":\"WAITING\"}");
	CHECK(r->count[IS_STREAM_ST_OTHER] == 1, "an unknown status is counted apart");
	apply(&m, "{\"type\":\"run\",\"run\":\"1\",\"phase\":\"end\",\"status\":\"FAILED\","
	          "\"at\":\"2026-01-01T00:00:02.000Z\",\"resources\":4,\"elapsed_ms\":2000}");
	CHECK(r->ended && is_stream_run_total(r) == 4 && is_stream_run_elapsed(r, 0) == 2000,
	      "the end record's counts and time win");
	apply(&m, "{\"type\":\"resource\",\"id\":\"Noop/a\",\"source\":{\"file\":\"a.yaml\","
	          "\"line\":3,\"col\":1}}");
	CHECK(is_stream_model_source(&m, "Noop/a") &&
	      is_stream_model_source(&m, "Noop/a")->line == 3, "a resource's source is kept");
	apply(&m, "[1]");
	apply(&m, "{\"no\":\"type\"}");
	CHECK(m.nruns == 1, "records without a type change nothing");
	is_stream_model_release(&m);
	return UNIT_DONE();
}
