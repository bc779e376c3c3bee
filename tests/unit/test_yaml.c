/*
 * The YAML loader: core schema typing, merge keys, the errors it must raise
 * (duplicate keys, alias bombs, depth, encoding, NUL) with their codes and
 * positions, multi-document streams, and going on after a bad document.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "strbuf.h"
#include "xalloc.h"
#include "yaml_doc.h"
#include "unit.h"
#include "banned.h"

/* Every document of text as compact JSON, errors as "!code@line:col", the
 * documents joined by " | " so each check prints on one line. */
static char *load_text(const char *text, size_t len)
{
	struct is_error err = IS_ERROR_INIT;
	struct is_yaml_reader *r = is_yaml_open_buffer("t.yaml", text, len, &err);
	struct is_yaml_doc doc;
	struct is_strbuf out = IS_STRBUF_INIT;
	int rc;

	is_strbuf_init(&out, 64);
	is_yaml_doc_init(&doc);
	while ((rc = is_yaml_next(r, &doc, &err)) != 0) {
		if (out.len)
			is_strbuf_adds(&out, " | ");
		if (rc < 0)
			is_strbuf_addf(&out, "!%s@%ld:%ld", err.code, err.line, err.col);
		else if (doc.root)
			is_json_dump(&out, doc.root, 0);
		else
			is_strbuf_adds(&out, "<none>");
	}
	is_yaml_doc_release(&doc);
	is_yaml_close(r);
	is_error_release(&err);
	return is_strbuf_detach(&out, NULL);
}

static char *load(const char *text)
{
	return load_text(text, strlen(text));
}

static void expect(const char *yaml, const char *want, const char *what)
{
	char *got = load(yaml);

	CHECK(!strcmp(got, want), "%s: got %s, want %s", what, got, want);
	free(got);
}

/* The value of "v: TEXT" for each plain scalar, as JSON. */
static void test_core_schema(void)
{
	static const struct {
		const char *text, *json;
	} table[] = {
		{ "yes", "\"yes\"" }, { "no", "\"no\"" }, { "on", "\"on\"" },
		{ "off", "\"off\"" }, { "y", "\"y\"" }, { "Yes", "\"Yes\"" },
		{ "true", "true" }, { "True", "true" }, { "TRUE", "true" },
		{ "false", "false" }, { "False", "false" }, { "tRUE", "\"tRUE\"" },
		{ "~", "null" }, { "null", "null" }, { "Null", "null" }, { "NULL", "null" },
		{ "", "null" }, { "nULL", "\"nULL\"" },
		{ "0", "0" }, { "-0", "0" }, { "42", "42" }, { "-17", "-17" }, { "+12", "12" },
		{ "017", "17" }, { "0o17", "15" }, { "0o8", "\"0o8\"" }, { "0x1F", "31" },
		{ "0xff", "255" }, { "0x", "\"0x\"" }, { "0b101", "\"0b101\"" },
		{ "1_000", "\"1_000\"" },
		{ "1e3", "1000.0" }, { ".5", "0.5" }, { "-.5", "-0.5" }, { "1.", "1.0" },
		{ "1.5e-3", "0.0015" }, { "+2.5E+2", "250.0" }, { "1e", "\"1e\"" },
		{ ".", "\".\"" }, { "-x", "\"-x\"" },
		{ "-.inf", "\"-.inf\"" }, { ".inf", "\".inf\"" }, { "+.Inf", "\"+.Inf\"" },
		{ ".nan", "\".nan\"" }, { ".NaN", "\".NaN\"" }, { "1e400", "\"1e400\"" },
		{ "9223372036854775807", "9223372036854775807" },
		{ "-9223372036854775808", "-9223372036854775808" },
		{ "9223372036854775808", "\"9223372036854775808\"" },
		{ "123456789012345678901234567890", "\"123456789012345678901234567890\"" },
		{ "-123456789012345678901234567890", "\"-123456789012345678901234567890\"" },
		{ "0x10000000000000000", "\"0x10000000000000000\"" },
		{ "2001-12-14", "\"2001-12-14\"" }, { "1.2.3", "\"1.2.3\"" },
		{ "\"123\"", "\"123\"" }, { "'true'", "\"true\"" }, { "\"\"", "\"\"" },
		{ "!!str 12", "\"12\"" }, { "!!str true", "\"true\"" }, { "! 12", "\"12\"" },
		{ "!!int \"12\"", "12" }, { "!!float 1", "1.0" }, { "!!float \"2.5\"", "2.5" },
		{ "!!float 123456789012345678901234567890", "1.2345678901234568e+29" },
		{ "!!float .inf", "\".inf\"" }, { "!!int 0x10000000000000000", "\"0x10000000000000000\"" },
		{ "!!int 123456789012345678901234567890", "\"123456789012345678901234567890\"" }, { "!!bool \"true\"", "true" },
		{ "!!null ''", "null" }, { "!!binary aGk=", "\"aGk=\"" },
		{ "!!timestamp 2001-12-14", "\"2001-12-14\"" },
		{ "!custom 12", "12" },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		char *yaml = is_xasprintf("v: %s\n", table[i].text);
		char *want = is_xasprintf("{\"v\":%s}", table[i].json);
		char *what = is_xasprintf("core schema: %s", table[i].text);

		expect(yaml, want, what);
		free(yaml);
		free(want);
		free(what);
	}
	expect("v: !!int 1.5\n", "!yaml-tag@1:4", "!!int 1.5 does not fit its tag");
	expect("v: !!bool yes\n", "!yaml-tag@1:4", "!!bool yes does not fit its tag");
	expect("v: !!null x\n", "!yaml-tag@1:4", "!!null x does not fit its tag");
	expect("v: !!float x\n", "!yaml-tag@1:4", "!!float x does not fit its tag");
	expect("1: a\ntrue: b\n~: c\n0x1F: d\n",
	       "{\"1\":\"a\",\"true\":\"b\",\"~\":\"c\",\"0x1F\":\"d\"}",
	       "keys are the scalar's text");
}

static void test_merge_keys(void)
{
	expect("base: &b {a: 1, b: 2}\nm:\n  <<: *b\n  b: 3\n",
	       "{\"base\":{\"a\":1,\"b\":2},\"m\":{\"b\":3,\"a\":1}}",
	       "merge: explicit keys override merged ones");
	expect("m:\n  b: 3\n  <<: {a: 1, b: 2}\n",
	       "{\"m\":{\"b\":3,\"a\":1}}",
	       "merge: explicit keys win even when written before '<<'");
	expect("x: &x {a: 1, b: 1}\ny: &y {b: 2, c: 2}\n"
	       "m:\n  <<: [*x, *y]\n  c: 3\n",
	       "{\"x\":{\"a\":1,\"b\":1},\"y\":{\"b\":2,\"c\":2},\"m\":{\"c\":3,\"a\":1,\"b\":1}}",
	       "merge: earlier mappings of a list win over later ones");
	expect("x: &x {a: 1}\nm:\n  <<: *x\n  a: 2\nn: *x\n",
	       "{\"x\":{\"a\":1},\"m\":{\"a\":2},\"n\":{\"a\":1}}",
	       "merge: the anchored mapping itself is left alone");
	expect("m:\n  \"<<\": 1\n", "{\"m\":{\"<<\":1}}", "merge: a quoted '<<' is a plain key");
	expect("m:\n  <<: 1\n", "!yaml-merge@2:7", "merge: '<<' of a scalar is an error");
	expect("m:\n  <<: [{a: 1}, 2]\n", "!yaml-merge@2:7",
	       "merge: '<<' of a list holding a scalar is an error");
}

static void test_duplicate_keys(void)
{
	expect("a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\n", "!yaml-duplicate-key@5:3",
	       "duplicate key at the second key's line:col");
	expect("{a: 1, b: 2, a: 3}\n", "!yaml-duplicate-key@1:14", "duplicate key in flow");
	expect("a: 1\n'a': 2\n", "!yaml-duplicate-key@2:1", "duplicate key, quoted");
	expect("k: &k a\n*k : 1\na: 2\n", "!yaml-duplicate-key@3:1",
	       "duplicate key through an alias");
	expect("a: &n 0.10\n*n : x\n", "{\"a\":0.1,\"0.10\":\"x\"}",
	       "an alias as a key is the anchored scalar's text");
	expect("&k key: v\nb: *k\n", "{\"key\":\"v\",\"b\":\"key\"}",
	       "an anchor on a key can be used as a value");
	expect("&k 12: v\nb: *k\n", "{\"12\":\"v\",\"b\":12}",
	       "an anchored key used as a value is typed");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_alias_bomb(void)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	char *got;
	double t;
	int level, i;

	/* The billion laughs: 9 levels of 9, 9^9 (387 million) strings expanded. */
	is_strbuf_adds(&sb, "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\","
	                    "\"lol\",\"lol\"]\n");
	for (level = 1; level < 9; level++) {
		is_strbuf_addf(&sb, "%c: &%c [", 'a' + level, 'a' + level);
		for (i = 0; i < 9; i++)
			is_strbuf_addf(&sb, "%s*%c", i ? "," : "", 'a' + level - 1);
		is_strbuf_adds(&sb, "]\n");
	}
	is_strbuf_adds(&sb, "---\nnext: document\n");
	t = now();
	got = load_text(sb.buf, sb.len);
	t = now() - t;
	CHECK(!strncmp(got, "!yaml-too-many-nodes@", 21), "alias bomb rejected: %.40s", got);
	CHECK(t < 1.0, "alias bomb rejected quickly (%.3f s)", t);
	CHECK(strstr(got, " | {\"next\":\"document\"}") != NULL,
	      "the document after the alias bomb still loads");
	free(got);
	is_strbuf_release(&sb);

	/* Just under the cap is fine: 1000 aliases of a 999-node list. */
	is_strbuf_init(&sb, 1 << 16);
	is_strbuf_adds(&sb, "a: &a [");
	for (i = 0; i < 998; i++)
		is_strbuf_adds(&sb, i ? ",1" : "1");
	is_strbuf_adds(&sb, "]\nb: [");
	for (i = 0; i < 998; i++)
		is_strbuf_adds(&sb, i ? ",*a" : "*a");
	is_strbuf_adds(&sb, "]\n");
	got = load_text(sb.buf, sb.len);
	CHECK(got[0] == '{', "many aliases under the node cap load");
	free(got);
	is_strbuf_release(&sb);

	/* Many distinct anchors and aliases load in linear time. */
	is_strbuf_init(&sb, 1 << 22);
	for (i = 0; i < 100000; i++)
		is_strbuf_addf(&sb, "- &a%d x\n- *a%d\n", i, i);
	t = now();
	got = load_text(sb.buf, sb.len);
	t = now() - t;
	CHECK(got[0] == '[', "100000 anchors and aliases load");
	CHECK(t < 5.0, "100000 anchors and aliases load quickly (%.3f s)", t);
	free(got);
	is_strbuf_release(&sb);

	/* Few nodes, long strings: 9^6 aliases of a 2000-byte string print as 1 GB. */
	is_strbuf_init(&sb, 1 << 14);
	is_strbuf_adds(&sb, "a: &a \"");
	for (i = 0; i < 2000; i++)
		is_strbuf_addch(&sb, 'x');
	is_strbuf_adds(&sb, "\"\n");
	for (level = 1; level < 7; level++) {
		is_strbuf_addf(&sb, "%c: &%c [", 'a' + level, 'a' + level);
		for (i = 0; i < 9; i++)
			is_strbuf_addf(&sb, "%s*%c", i ? "," : "", 'a' + level - 1);
		is_strbuf_adds(&sb, "]\n");
	}
	t = now();
	got = load_text(sb.buf, sb.len);
	t = now() - t;
	CHECK(!strncmp(got, "!yaml-too-many-nodes@", 21) && t < 1.0,
	      "a bomb of long strings is rejected quickly (%.3f s): %.40s", t, got);
	free(got);
	is_strbuf_release(&sb);

	expect("a: *nope\n", "!yaml-alias@1:4", "alias to no anchor");
	expect("a: &x [1, *x]\n", "!yaml-alias@1:11", "alias to a node that holds it");
}

static void test_depth(void)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	char *got;
	int i;

	for (i = 0; i < IS_YAML_MAX_DEPTH; i++)
		is_strbuf_addch(&sb, '[');
	for (i = 0; i < IS_YAML_MAX_DEPTH; i++)
		is_strbuf_addch(&sb, ']');
	got = load_text(sb.buf, sb.len);
	CHECK(got[0] == '[', "%d levels of nesting load", IS_YAML_MAX_DEPTH);
	free(got);
	is_strbuf_reset(&sb);
	for (i = 0; i <= IS_YAML_MAX_DEPTH; i++)
		is_strbuf_adds(&sb, "- ");
	is_strbuf_adds(&sb, "x\n");
	got = load_text(sb.buf, sb.len);
	CHECK(!strcmp(got, "!yaml-too-deep@1:513"), "%d levels are too deep: %s",
	      IS_YAML_MAX_DEPTH + 1, got);
	free(got);
	is_strbuf_reset(&sb);
	for (i = 0; i < 100000; i++)
		is_strbuf_addch(&sb, '[');
	got = load_text(sb.buf, sb.len);
	CHECK(!strncmp(got, "!yaml-too-deep@", 15), "100000 open brackets: %.30s", got);
	free(got);
	is_strbuf_release(&sb);
}

static void test_encoding(void)
{
	static const char nul_raw[] = "a: b\0c\n";
	static const char bad_utf8[] = "a: caf\xc3\n";
	static const char overlong[] = "a: \xc0\xaf\n";
	static const char surrogate[] = "a: \xed\xa0\x80\n";
	char *got;

	got = load_text(nul_raw, sizeof(nul_raw) - 1);
	CHECK(!strncmp(got, "!yaml-encoding", 14), "raw NUL byte rejected: %s", got);
	free(got);
	got = load_text(bad_utf8, sizeof(bad_utf8) - 1);
	CHECK(!strncmp(got, "!yaml-encoding", 14), "invalid UTF-8 rejected: %s", got);
	free(got);
	got = load_text(overlong, sizeof(overlong) - 1);
	CHECK(!strncmp(got, "!yaml-encoding", 14), "overlong UTF-8 rejected: %s", got);
	free(got);
	got = load_text(surrogate, sizeof(surrogate) - 1);
	CHECK(!strncmp(got, "!yaml-encoding", 14), "UTF-8 surrogate rejected: %s", got);
	free(got);
	expect("a: \"x\\0y\"\n", "!yaml-nul@1:4", "\"\\0\" escape rejected");
	expect("a: \"x\\x00y\"\n", "!yaml-nul@1:4", "\"\\x00\" escape rejected");
	expect("\"k\\0\": v\n", "!yaml-nul@1:1", "NUL in a key rejected");
	expect("a: \"\\u00e9\\x41\"\n", "{\"a\":\"\xc3\xa9" "A\"}", "escapes decode to UTF-8");
}

static void test_streams(void)
{
	expect("---\na: 1\n---\nb: 2\n...\n---\n- 3\n",
	       "{\"a\":1} | {\"b\":2} | [3]", "three documents");
	expect("", "", "an empty stream has no document");
	expect("# only a comment\n", "", "a comment alone is no document");
	expect("---\n", "null", "an empty document is null");
	expect("--- 5\n--- six\n", "5 | \"six\"", "scalar documents");
	expect("---\na: 1\na: 2\n---\nb: 2\n", "!yaml-duplicate-key@3:1 | {\"b\":2}",
	       "after a bad document the next one loads");
	expect("---\na: &x 1\n---\nb: *x\n---\nc: 3\n", "{\"a\":1} | !yaml-alias@4:4 | {\"c\":3}",
	       "anchors do not cross documents");
	expect("---\na: [1, 2\n---\nb: 2\n", "!yaml-syntax@3:1",
	       "after a syntax error the stream ends");
	expect("---\n[x]: 1\n---\nok: 1\n", "!yaml-complex-key@2:1 | {\"ok\":1}",
	       "a complex key is an error, the next document loads");
}

static void test_positions(void)
{
	static const char text[] =
		"# a config map\n"
		"apiVersion: v1\n"
		"kind: ConfigMap\n"
		"metadata:\n"
		"  name: web\n"
		"  labels: {app: web}\n"
		"  dependsOn:\n"
		"    - one\n"
		"    -   two\n"
		"data:\n"
		"  - three\n";
	struct is_error err = IS_ERROR_INIT;
	struct is_yaml_reader *r = is_yaml_open_buffer("t.yaml", text, sizeof(text) - 1, &err);
	struct is_yaml_doc doc;
	const struct is_pos *p;
	json_t *meta, *data;

	is_yaml_doc_init(&doc);
	CHECK(is_yaml_next(r, &doc, &err) == 1, "positions: the document loads");
	CHECK(doc.line == 2 && doc.col == 1, "positions: the root starts at 2:1 (%ld:%ld)",
	      doc.line, doc.col);
	p = is_posmap_get(&doc.pos, doc.root, "kind", 0);
	CHECK(p && p->key_line == 3 && p->key_col == 1 && p->line == 3 && p->col == 7,
	      "positions: kind's key at 3:1 and value at 3:7");
	p = is_posmap_get(&doc.pos, doc.root, "apiVersion", 0);
	CHECK(p && p->key_line == 2 && p->key_col == 1 && p->line == 2 && p->col == 13,
	      "positions: apiVersion's key at 2:1 and value at 2:13");
	p = is_posmap_get(&doc.pos, doc.root, "metadata", 0);
	CHECK(p && p->key_line == 4 && p->line == 5 && p->col == 3,
	      "positions: metadata's value (a block mapping) starts at 5:3");
	meta = json_object_get(doc.root, "metadata");
	p = is_posmap_get(&doc.pos, meta, "name", 0);
	CHECK(p && p->key_line == 5 && p->key_col == 3 && p->col == 9,
	      "positions: metadata.name at 5:3, value 5:9");
	p = is_posmap_get(&doc.pos, meta, "labels", 0);
	CHECK(p && p->line == 6 && p->col == 11, "positions: a flow mapping starts at its '{'");
	data = json_object_get(meta, "dependsOn");
	p = is_posmap_get(&doc.pos, data, NULL, 1);
	CHECK(p && p->line == 9 && p->col == 9 && p->key_line == 0,
	      "positions: a list item in metadata at 9:9, with no key");
	data = json_object_get(doc.root, "data");
	CHECK(!is_posmap_get(&doc.pos, data, NULL, 0),
	      "positions: members below the top level outside metadata are not kept");
	CHECK(is_yaml_next(r, &doc, &err) == 0, "positions: then the end");
	is_yaml_doc_release(&doc);
	is_yaml_close(r);
	is_error_release(&err);
}

int main(void)
{
	test_core_schema();
	test_merge_keys();
	test_duplicate_keys();
	test_alias_bomb();
	test_depth();
	test_encoding();
	test_streams();
	test_positions();
	return UNIT_DONE();
}
