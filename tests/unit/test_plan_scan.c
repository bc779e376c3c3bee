/*
 * is_plan_scan against jansson: on every line the scanner accepts, jansson
 * must accept it too and read the same fields; lines it gives up on are the
 * odd ones (escapes, big numbers, bad JSON). Checked on hand-picked lines and
 * on many random mutations of real records.
 */
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "unit.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int same_span(const char *text, size_t len, json_t *want)
{
	json_t *got = text ? json_loadb(text, len, JSON_DECODE_ANY, NULL) : NULL;
	int same = (!got && !want) || (got && want && json_equal(got, want));

	json_decref(got);
	return same;
}

/* 1 when the scan of line agrees with jansson (or the scanner gave up). */
static int agrees(const char *line, int *scanned)
{
	struct is_plan_input a, b;
	json_t *rec;
	size_t i;
	int ok = 1;

	is_plan_input_init(&a);
	is_plan_input_init(&b);
	*scanned = is_plan_scan(&a, line, strlen(line));
	rec = json_loadb(line, strlen(line), 0, NULL);
	if (*scanned) {
		if (!json_is_object(rec)) {
			ok = 0;
			goto out;
		}
		is_plan_input_json(&b, rec);
		ok = same_str(a.type, b.type) && same_str(a.id, b.id) &&
		     same_str(a.group, b.group) && a.ndeps == b.ndeps &&
		     a.has_seconds == b.has_seconds &&
		     (!a.has_seconds || a.seconds == b.seconds) &&
		     same_str(a.source_file, b.source_file) &&
		     a.source_line == b.source_line && a.source_col == b.source_col &&
		     a.ours == b.ours &&
		     same_span(a.labels, a.labels_len, json_object_get(rec, "labels")) &&
		     same_span(a.spec, a.spec_len, json_object_get(rec, "spec")) &&
		     same_span(a.hash, a.hash_len, json_object_get(rec, "hash"));
		for (i = 0; ok && i < a.ndeps; i++)
			ok = !strcmp(a.deps[i], b.deps[i]);
	}
out:
	if (!ok)
		printf("# disagrees: %s\n", line);
	json_decref(rec);
	is_plan_input_release(&a);
	is_plan_input_release(&b);
	return ok;
}

static const char *const lines[] = {
	"{\"type\":\"resource\",\"v\":1,\"id\":\"File/a\",\"kind\":\"File\",\"labels\":{\"env\":\"prod\"},"
	"\"group\":\"data\",\"metadata\":{\"expectedSeconds\":2.5},\"spec\":{\"path\":\"/a\",\"n\":[1,2,{}]},"
	"\"deps\":[\"N/b\",\"MetaGroup/g\"],\"refs\":[],\"source\":{\"file\":\"a.yaml\",\"line\":3,\"col\":1},"
	"\"hash\":\"sha256:00\"}",
	"{\"type\":\"group\",\"id\":\"MetaGroup/g\",\"deps\":[1,null,\"N/x\"],\"group\":null}",
	"  { \"id\" : \"N/a\" , \"deps\" : [ ] , \"type\" : \"resource\" }  ",
	"{\"id\":\"N/a\",\"id\":\"N/b\",\"type\":\"resource\"}",
	"{\"id\":\"N/a\",\"metadata\":{\"expectedSeconds\":3},\"metadata\":{}}",
	"{\"id\":\"N/a\",\"metadata\":{\"expectedSeconds\":\"3\"}}",
	"{\"id\":\"N/a\",\"metadata\":{\"expectedSeconds\":-1e2}}",
	"{\"id\":\"N/a\",\"source\":{\"file\":\"f\",\"line\":1.0,\"col\":-0}}",
	"{\"id\":\"N/a\",\"source\":[],\"level\":3}",
	"{\"id\":\"N/\\\"odd\\\\\",\"deps\":[]}",
	"{\"i\\u0064\":\"N/a\"}",
	"{\"id\":\"N/a\",\"spec\":{\"s\":\"caf\xc3\xa9 \\u00e9 \\n\"}}",
	"{\"id\":\"N/a\",\"spec\":{\"s\":\"\xed\xa0\x80\"}}",
	"{\"id\":\"N/a\",\"spec\":{\"s\":\"\xc0\xaf\"}}",
	"{\"id\":\"N/a\",\"spec\":{\"s\":\"\\ud800\"}}",
	"{\"id\":\"N/a\",\"spec\":{\"s\":\"\\u0000\"}}",
	"{\"id\":\"N/a\",\"spec\":{\"n\":123456789012345678901234567890}}",
	"{\"id\":\"N/a\",\"spec\":{\"n\":1e999}}",
	"{\"id\":\"N/a\",\"spec\":{\"n\":01}}",
	"{\"id\":\"N/a\",\"spec\":{\"n\":1.}}",
	"{\"id\":\"N/a\",\"spec\":{\"n\":-}}",
	"{\"id\":\"N/a\",}",
	"{\"id\":\"N/a\"} x",
	"{\"id\":\"N/a\"",
	"[1]",
	"not json",
	"{\"id\":\"N/a\",\"spec\":{\"t\":tru}}",
	"{\"id\":\"N/a\",\"spec\":\"tab\there\"}",
	"{}",
};

static void mutate(char *s, size_t len)
{
	static const char bytes[] = "{}[]\",:\\ 0123456789.eE+-tfnulx\x80\xc3\xa9\xed\t";
	size_t k, n = 1 + rnd(3);

	for (k = 0; k < n; k++)
		s[rnd((uint32_t)len)] = bytes[rnd(sizeof(bytes) - 1)];
}

int main(void)
{
	size_t i, nscanned = 0, bad = 0, len = strlen(lines[0]);
	int scanned;
	char *buf = malloc(len + 1);

	for (i = 0; i < sizeof(lines) / sizeof(*lines); i++)
		if (!agrees(lines[i], &scanned))
			bad++;
	CHECK(bad == 0, "the scanner reads hand-picked lines as jansson does");
	CHECK(agrees(lines[0], &scanned) && scanned, "a plain record is scanned");
	CHECK(agrees(lines[10], &scanned) && !scanned, "an escaped key is left to jansson");
	CHECK(agrees(lines[9], &scanned) && !scanned, "an escaped id is left to jansson");
	bad = 0;
	for (i = 0; i < 200000; i++) {
		memcpy(buf, lines[0], len + 1);
		mutate(buf, len);
		if (!agrees(buf, &scanned))
			bad++;
		nscanned += (size_t)scanned;
	}
	CHECK(bad == 0, "200000 mutated records: whatever is scanned, jansson reads the same (%zu scanned)",
	      nscanned);
	free(buf);
	return UNIT_DONE();
}
