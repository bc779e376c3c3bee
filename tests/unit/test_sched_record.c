/*
 * is_sched_record_read against jansson: whatever the scanner reads from a
 * line (or leaves to jansson), the fields, the values parsed from their text,
 * and the fields copied into events are what jansson reads and is_json_dump
 * writes. Checked on hand-picked lines and on many random mutations.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "json_scan.h"
#include "sched_record.h"
#include "unit.h"

static uint64_t rng = 0x2545f4914f6cdd1dULL;

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

static int same_num(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

static int same_strings(const char **got, size_t n, const json_t *a)
{
	size_t i, k = 0;
	json_t *v;

	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			continue;
		if (k >= n || strcmp(got[k++], json_string_value(v)))
			return 0;
	}
	return k == n;
}

static int same_json(json_t *got, json_t *want)
{
	return (!got && !want) || (got && want && json_equal(got, want));
}

static const char *const names[IS_SCHED_NFIELDS] = {
	"spec", "refs", "prior", "hash", "labels", "deps", "group", "members", "level",
	"order", "depOutputs", "metadata", "pending", "replaces"
};

/* What the event writer copies of field f, against is_json_dump of it. */
static int same_field(struct is_sched_record *r, json_t *rec, int f, int skip_null)
{
	struct is_strbuf got = IS_STRBUF_INIT, want = IS_STRBUF_INIT;
	json_t *v = json_object_get(rec, names[f]);
	int same;

	is_sched_record_add_field(r, (enum is_sched_field)f, skip_null, &got);
	if (v && !(skip_null && json_is_null(v))) {
		is_strbuf_addf(&want, ",\"%s\":", names[f]);
		is_json_dump(&want, v, 0);
	}
	same = got.len == want.len && (!got.len || !memcmp(got.buf, want.buf, got.len));
	is_strbuf_release(&got);
	is_strbuf_release(&want);
	return same;
}

/* 1 when the record read from line agrees with jansson's reading of it. */
static int agrees(struct is_sched_scanner *sc, const char *line, int *scanned)
{
	struct is_error err = IS_ERROR_INIT;
	struct is_sched_record *r = is_sched_record_read(sc, line, strlen(line), "t", 1, &err);
	json_t *rec = json_loadb(line, strlen(line), 0, NULL), *meta, *v;
	const char *type, *sev;
	double timeout = 0;
	int ok = 1, f;

	*scanned = r && !r->json;
	if (!json_is_object(rec) || !r) {
		ok = !r && !json_is_object(rec) && err.message;
		goto out;
	}
	type = json_string_value(json_object_get(rec, "type"));
	sev = json_string_value(json_object_get(rec, "severity"));
	meta = json_object_get(rec, "metadata");
	v = json_object_get(meta, "timeout");
	if (json_is_number(v))
		timeout = json_number_value(v);
	else if (json_is_string(v))
		timeout = is_sched_seconds(json_string_value(v));
	v = json_object_get(rec, "order");
	ok = r->type == (!type ? IS_SCHED_OTHER : !strcmp(type, "resource") ? IS_SCHED_RESOURCE
	                 : !strcmp(type, "group") ? IS_SCHED_GROUP
	                 : !strcmp(type, "diagnostic") ? IS_SCHED_DIAGNOSTIC : IS_SCHED_OTHER) &&
	     same_str(r->id, json_string_value(json_object_get(rec, "id"))) &&
	     same_str(r->kind, json_string_value(json_object_get(rec, "kind"))) &&
	     same_str(r->action, json_string_value(json_object_get(rec, "action"))) &&
	     same_str(r->message, json_string_value(json_object_get(rec, "message"))) &&
	     r->severity_error == (sev && !strcmp(sev, "error")) &&
	     same_num(r->critical, json_number_value(json_object_get(rec, "critical"))) &&
	     r->has_order == json_is_integer(v) &&
	     (!r->has_order || r->order == (long)json_integer_value(v)) &&
	     r->retries_set == json_is_integer(json_object_get(meta, "retries")) &&
	     r->retries == (int)json_integer_value(json_object_get(meta, "retries")) &&
	     same_num(r->timeout, timeout) &&
	     same_num(r->expected, json_number_value(json_object_get(meta, "expectedSeconds"))) &&
	     same_strings(r->deps, r->ndeps, json_object_get(rec, "deps")) &&
	     same_strings(r->members, r->nmembers, json_object_get(rec, "members")) &&
	     same_strings(r->after, r->nafter, json_object_get(rec, "after")) &&
	     same_json(is_sched_record_spec(r), json_object_get(rec, "spec")) &&
	     same_json(is_sched_record_refs(r), json_object_get(rec, "refs")) &&
	     same_json(is_sched_record_prior(r), json_object_get(rec, "prior")) &&
	     same_json(is_sched_record_dep_outputs(r), json_object_get(rec, "depOutputs")) &&
	     r->len == strlen(line) && !memcmp(r->text, line, r->len);
	for (f = 0; ok && f < IS_SCHED_NFIELDS; f++)
		ok = same_field(r, rec, f, 0) && same_field(r, rec, f, 1);
out:
	if (!ok)
		printf("# disagrees: %s\n", line);
	is_sched_record_free(r);
	is_error_release(&err);
	json_decref(rec);
	return ok;
}

static const char *const lines[] = {
	"{\"type\":\"resource\",\"v\":1,\"id\":\"Noop/a\",\"kind\":\"Noop\",\"labels\":{\"b\":\"1\","
	"\"a\":\"x\"},\"group\":\"g\",\"metadata\":{\"retries\":2,\"timeout\":\"500ms\","
	"\"expectedSeconds\":2.5},\"spec\":{\"outputs\":{\"n\":[1,-2,{\"k\":true}],\"s\":\"a\"}},"
	"\"deps\":[\"Noop/b\",\"MetaGroup/g\"],\"refs\":[{\"ref\":\"b.outputs.x\",\"id\":\"Noop/b\"}],"
	"\"prior\":{\"p\":null},\"hash\":\"sha256:00\",\"level\":3,\"order\":7,\"critical\":12,"
	"\"action\":\"update\",\"members\":[\"Noop/c\"],"
	"\"after\":[\"MetaGroup/n\",\"Noop/z\"]}",
	"{\"type\":\"group\",\"id\":\"MetaGroup/g\",\"members\":[1,null,\"N/x\"],\"group\":null}",
	"  { \"id\" : \"N/a\" , \"deps\" : [ ] , \"type\" : \"resource\" , \"spec\" : { \"a\" : 1 } }  ",
	"{\"id\":\"N/a\",\"id\":\"N/b\",\"type\":\"resource\",\"deps\":[\"x\"],\"deps\":[]}",
	"{\"id\":\"N/a\",\"metadata\":{\"retries\":3},\"metadata\":{}}",
	"{\"id\":\"N/a\",\"metadata\":{\"retries\":3.0,\"timeout\":\"2m\",\"timeout\":5}}",
	"{\"id\":\"N/a\",\"metadata\":{\"timeout\":\"1h\",\"expectedSeconds\":\"3\"}}",
	"{\"id\":\"N/a\",\"order\":1.0,\"critical\":-1e2,\"level\":-0}",
	"{\"id\":\"N/a\",\"spec\":{\"a\":1,\"a\":2},\"labels\":{\"x\":1.5}}",
	"{\"id\":\"N/\\\"odd\\\\\",\"deps\":[]}",
	"{\"i\\u0064\":\"N/a\"}",
	"{\"id\":\"N/a\",\"spec\":{\"s\":\"caf\xc3\xa9 \\u00e9 \\n \\/\"}}",
	"{\"id\":\"N/a\",\"spec\":\"${N/b.outputs.x}\"}",
	"{\"type\":\"diagnostic\",\"severity\":\"error\",\"message\":\"bad \\\"x\\\"\"}",
	"{\"type\":\"diagnostic\",\"severity\":\"error\",\"message\":\"bad\"}",
	"{\"type\":\"plan\",\"x\":[1,2,3]}",
	"{\"id\":\"N/a\",\"after\":[\"x\",2],\"after\":[null,\"MetaGroup/g\"]}",
	"{\"id\":\"N/a\",\"after\":\"MetaGroup/g\"}",
	("{\"type\":\"resource\",\"id\":\"N/d\",\"action\":\"delete\",\"deps\":[],"
	 "\"depOutputs\":{\"N/b\":{\"x\":[1,\"y\"]}},\"depOutputs\":{\"N/c\":{}}}"),
	"{\"id\":\"N/a\",\"spec\":{\"n\":123456789012345678901234567890}}",
	"{\"id\":\"N/a\",\"spec\":{\"n\":1e999}}",
	"{\"id\":\"N/a\",}",
	"[1]",
	"not json",
	"{}",
};

static void mutate(char *s, size_t len)
{
	static const char bytes[] = "{}[]\",:\\ 0123456789.eE+-tfnulx\x80\xc3\xa9\t";
	size_t k, n = 1 + rnd(3);

	for (k = 0; k < n; k++)
		s[rnd((uint32_t)len)] = bytes[rnd(sizeof(bytes) - 1)];
}

/* Whatever is_json_scan_canonical vouches for, is_json_dump writes back. */
static int canonical_holds(const char *text)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	json_t *v;
	int ok = 1;

	if (!is_json_scan_canonical(text, strlen(text)))
		return 1;
	v = json_loadb(text, strlen(text), JSON_DECODE_ANY, NULL);
	if (v)
		is_json_dump(&sb, v, 0);
	ok = v && sb.len == strlen(text) && !memcmp(sb.buf, text, sb.len);
	if (!ok)
		printf("# not canonical: %s\n", text);
	json_decref(v);
	is_strbuf_release(&sb);
	return ok;
}

int main(void)
{
	struct is_sched_scanner sc;
	size_t i, nscanned = 0, bad = 0, len = strlen(lines[0]);
	static const char sample[] = "{\"outputs\":{\"n\":[1,-2,{\"k\":true}],\"s\":\"a\"},\"x\":null}";
	size_t vlen = sizeof(sample) - 1;
	char *buf = malloc(len + 1), value[sizeof(sample)];
	const char *spec;
	int scanned;

	is_sched_scanner_init(&sc);
	for (i = 0; i < sizeof(lines) / sizeof(*lines); i++)
		if (!agrees(&sc, lines[i], &scanned))
			bad++;
	CHECK(bad == 0, "hand-picked lines are read as jansson reads them");
	CHECK(agrees(&sc, lines[0], &scanned) && scanned, "a plain record is scanned");
	CHECK(agrees(&sc, lines[9], &scanned) && !scanned, "an escaped id is left to jansson");
	spec = "{\"a\":[1,-2,\"x\"],\"b\":{},\"c\":null}";
	CHECK(canonical_holds(spec) && is_json_scan_canonical(spec, strlen(spec)),
	      "compact text without reals or escapes is copied as it is");
	CHECK(!is_json_scan_canonical("{\"a\":1.0}", 9) && !is_json_scan_canonical("[-0]", 4) &&
	      !is_json_scan_canonical("{\"a\":1,\"a\":2}", 13) &&
	      !is_json_scan_canonical("[1, 2]", 6) && !is_json_scan_canonical("\"\\/\"", 4),
	      "reals, -0, repeated keys, spaces and escapes are written again");
	bad = 0;
	for (i = 0; i < 100000; i++) {
		memcpy(buf, lines[0], len + 1);
		mutate(buf, len);
		if (!agrees(&sc, buf, &scanned))
			bad++;
		nscanned += (size_t)scanned;
		memcpy(value, sample, vlen + 1);
		mutate(value, vlen);
		if (!canonical_holds(value))
			bad++;
	}
	CHECK(bad == 0, "100000 mutated records and values: what is scanned is what jansson "
	      "reads, what is copied is what is_json_dump writes (%zu scanned)", nscanned);
	is_sched_scanner_release(&sc);
	free(buf);
	return UNIT_DONE();
}
