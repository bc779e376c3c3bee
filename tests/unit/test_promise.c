/* Promises: typed whole references, interpolation, escapes, failures. */
#include <string.h>

#include "json.h"
#include "promise.h"
#include "unit.h"

static json_t *outputs_a;

static json_t *lookup(const char *id, void *ctx)
{
	(void)ctx;
	return !strcmp(id, "Noop/a") ? outputs_a : NULL;
}

static char *resolve(const char *record, struct is_secrets *secrets, int *rc)
{
	json_t *rec = json_loads(record, 0, NULL), *spec = NULL;
	struct is_error err = IS_ERROR_INIT;
	struct is_strbuf sb = IS_STRBUF_INIT;

	*rc = is_promise_resolve(rec, lookup, NULL, secrets, &spec, &err);
	if (*rc == 0)
		is_json_dump(&sb, spec, IS_JSON_SORT_KEYS);
	else
		is_strbuf_adds(&sb, err.message);
	json_decref(spec);
	json_decref(rec);
	is_error_release(&err);
	return is_strbuf_detach(&sb, NULL);
}

#define REFS_A "\"refs\":[{\"ref\":\"a.outputs.port\",\"id\":\"Noop/a\"}," \
	"{\"ref\":\"a.outputs.obj\",\"id\":\"Noop/a\"},{\"ref\":\"a.outputs.list[1]\",\"id\":\"Noop/a\"}]"

static void expect(const char *name, const char *record, struct is_secrets *s,
                   int want_rc, const char *want)
{
	int rc;
	char *got = resolve(record, s, &rc);

	CHECK(rc == want_rc && !strcmp(got, want), "%s (got %d '%s')", name, rc, got);
	free(got);
}

int main(void)
{
	struct is_secrets s;
	json_t *untouched, *rec, *spec = NULL;
	struct is_error err = IS_ERROR_INIT;

	outputs_a = json_loads("{\"port\":8080,\"obj\":{\"k\":[1,2]},\"list\":[\"x\",\"y\"],"
	                       "\"s\":\"has ${ inside\"}", 0, NULL);
	is_secrets_init(&s);
	expect("whole reference keeps the number type",
	       "{\"spec\":{\"p\":\"${a.outputs.port}\"}," REFS_A "}", &s, 0, "{\"p\":8080}");
	expect("whole reference to an object copies it",
	       "{\"spec\":{\"o\":\"${a.outputs.obj}\"}," REFS_A "}", &s, 0,
	       "{\"o\":{\"k\":[1,2]}}");
	expect("interpolation writes numbers and objects as JSON text",
	       "{\"spec\":{\"u\":\"port ${a.outputs.port} obj ${a.outputs.obj}\"}," REFS_A "}", &s,
	       0, "{\"u\":\"port 8080 obj {\\\"k\\\":[1,2]}\"}");
	expect("an index in the path",
	       "{\"spec\":[\"${a.outputs.list[1]}\"]," REFS_A "}", &s, 0, "[\"y\"]");
	expect("a full id needs no refs entry",
	       "{\"spec\":{\"p\":\"${Noop/a.outputs.port}\"}}", &s, 0, "{\"p\":8080}");
	expect("all outputs", "{\"spec\":{\"p\":\"${Noop/a.outputs}\"}}", &s, 0,
	       "{\"p\":{\"list\":[\"x\",\"y\"],\"obj\":{\"k\":[1,2]},\"port\":8080,"
	       "\"s\":\"has ${ inside\"}}");
	expect("escapes become literal ${", "{\"spec\":{\"e\":\"$${HOME} and $${x}\"}}", &s, 0,
	       "{\"e\":\"${HOME} and ${x}\"}");
	expect("a value holding ${ is not read as a reference",
	       "{\"spec\":{\"v\":\"<${Noop/a.outputs.s}>\"}}", &s, 0,
	       "{\"v\":\"<has ${ inside>\"}");
	expect("a missing output fails, naming it",
	       "{\"spec\":{\"p\":\"${Noop/a.outputs.nope}\"}}", &s, -1,
	       "'${Noop/a.outputs.nope}': Noop/a has no output '/nope'");
	expect("a dependency without outputs fails",
	       "{\"spec\":{\"p\":\"${Noop/b.outputs.x}\"}}", &s, -1,
	       "'${Noop/b.outputs.x}': Noop/b has no output '/x'");
	expect("a bare name without a refs entry fails",
	       "{\"spec\":{\"p\":\"${b.outputs.x}\"}}", &s, -1,
	       "'${b.outputs.x}': no id for 'b' (the record has no refs entry)");
	expect("a missing secret fails, saying where to set it",
	       "{\"spec\":{\"p\":\"${secret:NOPE_X}\"}}", &s, -1,
	       "secret 'NOPE_X' is not set (export IS_SECRET_NOPE_X or give --secrets FILE)");
	setenv("IS_SECRET_DB_PASS", "s3cret", 1);
	expect("a secret from the environment, whole and interpolated",
	       "{\"spec\":{\"p\":\"${secret:DB-PASS}\",\"u\":\"pg://u:${secret:DB-PASS}@h\"}}", &s,
	       0, "{\"p\":\"s3cret\",\"u\":\"pg://u:s3cret@h\"}");
	CHECK(s.nredact >= 1, "a resolved secret is remembered for redaction");
	expect("no spec gives {}", "{\"id\":\"x\"}", &s, 0, "{}");

	rec = json_loads("{\"spec\":{\"a\":[1,{\"b\":\"plain\"}]}}", 0, NULL);
	untouched = json_object_get(rec, "spec");
	CHECK(is_promise_resolve(rec, lookup, NULL, &s, &spec, &err) == 0 && spec == untouched,
	      "a spec without references is shared, not copied");
	json_decref(spec);
	json_decref(rec);
	rec = json_loads("{\"spec\":{\"p\":\"${Noop/a.outputs.port}\"}}", 0, NULL);
	CHECK(is_promise_resolve(rec, lookup, NULL, &s, &spec, &err) == 0 &&
	      json_is_string(json_object_get(json_object_get(rec, "spec"), "p")),
	      "the record's own spec is left as written");
	json_decref(spec);
	json_decref(rec);
	is_secrets_release(&s);
	json_decref(outputs_a);
	return UNIT_DONE();
}
